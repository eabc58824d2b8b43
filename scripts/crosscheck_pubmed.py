#!/usr/bin/env python3
"""Independent cross-check of `lacuna parse` against Python's ElementTree.

Usage: scripts/crosscheck_pubmed.py LACUNA_BIN FILE...
Reads each PubMed XML file with xml.etree (a different XML stack), extracts the
same fields by the documented rules, and compares them with the JSON Lines that
`lacuna parse` prints. Prints differences; exits 1 if any. Dev tool, not CI.
"""
import gzip, json, re, subprocess, sys
import xml.etree.ElementTree as ET

def flat(el):
    if el is None:
        return ""
    # XML whitespace only (a no-break space is text, not whitespace)
    return " ".join(w for w in re.split(r"[ \t\r\n]+", "".join(el.itertext())) if w)

def year_in(s):
    m = re.search(r"(?<!\d)([12]\d{3})(?!\d)", s or "")
    return int(m.group(1)) if m else None

def expect(path):
    data = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    root = ET.fromstring(data)
    out = []
    for el in root:
        if el.tag == "PubmedArticle":
            mc = el.find("MedlineCitation"); art = mc.find("Article")
            rec = {"kind": "article", "pmid": int(mc.find("PMID").text)}
            rec["title"] = flat(art.find("ArticleTitle"))
            secs = [flat(a) for a in art.findall("Abstract/AbstractText")]
            secs = [s for s in secs if s]
            rec["abstract"] = " ".join(secs) or None
            pd = art.find("Journal/JournalIssue/PubDate")
            rec["year"] = year_in(flat(pd.find("Year"))) or year_in(flat(pd.find("MedlineDate")))
            rec["journal"] = flat(art.find("Journal/Title")) or None
            auths = []
            for a in art.findall("AuthorList/Author"):
                if a.get("ValidYN") == "N":
                    continue
                if a.find("CollectiveName") is not None:
                    auths.append(flat(a.find("CollectiveName")))
                elif a.find("LastName") is not None:
                    ini = flat(a.find("Initials"))
                    auths.append((flat(a.find("LastName")) + " " + ini).strip())
            rec["authors"] = auths
            rec["mesh"] = [flat(d) for d in mc.findall("MeshHeadingList/MeshHeading/DescriptorName")]
            rec["mesh_major"] = [flat(d) for d in mc.findall("MeshHeadingList/MeshHeading/DescriptorName") if d.get("MajorTopicYN") == "Y"]
            rec["publication_types"] = list(dict.fromkeys(flat(p) for p in art.findall("PublicationTypeList/PublicationType")))
            rec["language"] = [flat(l) for l in art.findall("Language")]
            rec["keywords"] = list(dict.fromkeys(k for k in (flat(k) for k in mc.findall("KeywordList/Keyword")) if k))
            doi = [flat(a) for a in el.findall("PubmedData/ArticleIdList/ArticleId") if a.get("IdType") == "doi"]
            doi += [flat(e) for e in art.findall("ELocationID") if e.get("EIdType") == "doi"]
            rec["doi"] = doi[0].lower() if doi else None
            pmc = [flat(a) for a in el.findall("PubmedData/ArticleIdList/ArticleId") if a.get("IdType") == "pmc"]
            rec["pmcid"] = pmc[0] if pmc else None
            out.append(rec)
        elif el.tag == "PubmedBookArticle":
            bd = el.find("BookDocument")
            out.append({"kind": "book", "pmid": int(bd.find("PMID").text)})
        elif el.tag == "DeleteCitation":
            for p in el.findall("PMID"):
                out.append({"kind": "deletion", "pmid": int(p.text)})
    return out

bad = 0
for path in sys.argv[2:]:
    try:
        exp = expect(path)
    except ET.ParseError as e:
        print(f"skip {path}: {e}"); continue
    got = [json.loads(l) for l in subprocess.run([sys.argv[1], "parse", "-q", path], capture_output=True, text=True).stdout.splitlines()]
    if len(got) != len(exp):
        print(f"{path}: {len(got)} items, expected {len(exp)}"); bad += 1; continue
    for g, e in zip(got, exp):
        for k, v in e.items():
            if g.get(k) != v:
                bad += 1
                print(f"{path} pmid {e['pmid']} {k}:\n  got {str(g.get(k))[:300]}\n  exp {str(v)[:300]}")
print(f"{len(sys.argv) - 2} files checked, {bad} differences")
sys.exit(1 if bad else 0)
