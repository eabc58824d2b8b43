#!/usr/bin/env python3
"""Write the small import fixtures in tests/fixtures/imports/ (synthetic).

Each file is one database's export dialect (field tags, author and date
styles as those tools write them), filled with three records of the demo
corpus (corpus/cen-demo.jsonl, written for this project). The same three
works appear in every file, with the small differences real exports have
(title case, punctuation, a missing DOI), so dedup can be tested across them.
Run from the repository root; the files are committed.
"""
import json, pathlib

root = pathlib.Path(__file__).resolve().parent.parent
out = root / "tests/fixtures/imports"
out.mkdir(parents=True, exist_ok=True)
recs = [json.loads(l) for l in open(root / "corpus/cen-demo.jsonl")]
recs = [r for r in recs if r.get("doi")][:3]
authors = [("Bateman", "Anthony W."), ("Fonagy", "Peter"), ("Linehan", "Marsha M.")]
years = [2008, 2009, 2006]

def pages(i):
    return (str(100 + 10 * i), str(108 + 10 * i))

def ovid():
    s = []
    for i, r in enumerate(recs):
        a, g = authors[i]
        sp, ep = pages(i)
        s += ["TY  - JOUR", f"ID  - {5000 + i}", f"T1  - {r['title']}", f"A1  - {a}, {g}",
              f"Y1  - {years[i]}//", f"N2  - {r['abstract']}", "KW  - Borderline Personality Disorder",
              f"JF  - {r['journal']}", f"VL  - {60 + i}", f"SP  - {sp}", f"EP  - {ep}",
              f"M3  - {r['doi']}", "DB  - Embase", "ER  - ", ""]
    return "\r\n".join(s)

def ebsco():
    s = []
    for i, r in enumerate(recs):
        a, g = authors[i]
        sp, ep = pages(i)
        s += ["TY  - JOUR", f"AU  - {a}, {g}", f"TI  - {r['title']}", f"JO  - {r['journal']}",
              f"PY  - {years[i]}", f"VL  - {60 + i}", "IS  - 3", f"SP  - {sp}", f"EP  - {ep}",
              f"AB  - {r['abstract']}", f"AN  - 2009-{10000 + i}-00{i}", f"DO  - {r['doi']}",
              "DB  - psyh", "ER  - ", ""]
    return "\n".join(s)

def scopus():
    s = []
    for i, r in enumerate(recs):
        a, g = authors[i]
        sp, ep = pages(i)
        title = r["title"].upper() if i == 0 else r["title"]
        s += ["TY  - JOUR", f"AU  - {a} {g[0]}.", f"TI  - {title}", f"T2  - {r['journal']}",
              f"J2  - Am J Psychiatry", f"VL  - {60 + i}", "IS  - 3", f"SP  - {sp}", f"EP  - {ep}",
              f"PY  - {years[i]}", ("" if i == 2 else f"DO  - {r['doi']}"),
              f"AB  - {r['abstract']}", "KW  - mentalization", "LA  - English", "M3  - Article",
              "DB  - Scopus", "N1  - Export Date: 20 November 2026", "ER  - ", ""]
    return "\n".join(x for x in s if x != "" or True)

def zotero():
    s = []
    for i, r in enumerate(recs):
        a, g = authors[i]
        s += ["TY  - JOUR", f"TI  - {r['title']}", f"AU  - {a}, {g}", f"T2  - {r['journal']}",
              f"AB  - {r['abstract']}", f"DA  - {years[i]}/10/01/", f"PY  - {years[i]}",
              f"DO  - {r['doi']}", f"VL  - {60 + i}", "SN  - 0002-953X", "ER  - ", "", ""]
    return "\n".join(s)

def wos():
    s = []
    for i, r in enumerate(recs):
        a, g = authors[i]
        sp, ep = pages(i)
        s += ["TY  - JOUR", f"AU  - {a}, {g[0]}", "AU  - Smith, J", f"TI  - {r['title']}",
              f"T2  - {r['journal'].upper()}", f"AB  - {r['abstract']}", "SN  - 0002-953X",
              f"PY  - {years[i]}", f"VL  - {60 + i}", "IS  - 3", f"SP  - {sp}", f"EP  - {ep}",
              f"DO  - {r['doi']}", f"AN  - WOS:0002555433000{10 + i}", "ER  - ", ""]
    return "\n".join(s)

def endnote():
    s = []
    for i, r in enumerate(recs):
        a, g = authors[i]
        sp, ep = pages(i)
        s += ["TY  - JOUR", f"AU  - {a}, {g}", f"T1  - {r['title']}", f"JF  - {r['journal']}",
              f"Y1  - {years[i]}", f"SP  - {sp}-{ep}", f"VL  - {60 + i}", f"N2  - {r['abstract']}",
              f"DO  - {r['doi']}", "ER  - ", ""]
    return "\r\n".join(s)

def nbib():
    s = []
    for i, r in enumerate(recs):
        a, g = authors[i]
        words = r["abstract"].split()
        ab1, ab2 = " ".join(words[:8]), " ".join(words[8:])
        s += [f"PMID- {18450866 + i}", "OWN - NLM", "STAT- MEDLINE", f"DP  - {years[i]} May",
              f"TI  - {r['title']}", f"AB  - {ab1}", f"      {ab2}", f"FAU - {a}, {g}",
              f"AU  - {a} {g[0]}", "LA  - eng", "PT  - Journal Article", "PT  - Randomized Controlled Trial",
              "MH  - Adult", "MH  - *Borderline Personality Disorder/therapy", f"JT  - {r['journal']}",
              "TA  - Am J Psychiatry", f"LID - {r['doi']} [doi]", f"SO  - Am J Psychiatry. {years[i]}.", ""]
    return "\n".join(s)

def pubmed_csv():
    import csv, io
    b = io.StringIO()
    w = csv.writer(b, lineterminator="\n")
    w.writerow(["PMID", "Title", "Authors", "Citation", "First Author", "Journal/Book",
                "Publication Year", "Create Date", "PMCID", "NIHMS ID", "DOI"])
    for i, r in enumerate(recs):
        a, g = authors[i]
        w.writerow([18450866 + i, r["title"], f"{a} {g[0]}, Smith J.", f"Am J Psychiatry. {years[i]};{60 + i}(3).",
                    f"{a} {g[0]}", "Am J Psychiatry", years[i], f"{years[i]}/05/01", "", "", r["doi"]])
    return b.getvalue()

def plain_csv():
    import csv, io
    b = io.StringIO()
    w = csv.writer(b, delimiter=";", lineterminator="\n")
    w.writerow(["title", "abstract", "year", "doi"])
    for i, r in enumerate(recs):
        w.writerow([r["title"], r["abstract"], years[i], r["doi"]])
    w.writerow(["", "a row without a title", "2020", ""])
    return b.getvalue()

(out / "ovid-embase.ris").write_bytes(ovid().encode())
(out / "ebsco-psycinfo.ris").write_bytes(b"\xef\xbb\xbf" + ebsco().encode())
(out / "scopus.ris").write_text(scopus())
(out / "zotero.ris").write_text(zotero())
(out / "wos.ris").write_text(wos())
(out / "endnote.ris").write_bytes(endnote().encode())
(out / "pubmed.nbib").write_text(nbib())
(out / "pubmed-export.csv").write_bytes(b"\xef\xbb\xbf" + pubmed_csv().encode())
(out / "plain.csv").write_text(plain_csv())
lat = "TY  - JOUR\nTI  - Traitement bas\u00e9 sur la mentalisation\nAU  - L\u00e9vy, Ren\u00e9\nPY  - 2015\nER  - \n"
(out / "latin1.ris").write_bytes(lat.encode("latin-1"))
(out / "cp1252.ris").write_bytes("TY  - JOUR\nTI  - \u201cQuoted\u201d title\nER  - \n".encode("cp1252"))
(out / "utf16.ris").write_bytes("TY  - JOUR\nTI  - x\nER  - \n".encode("utf-16"))
print("wrote", sorted(p.name for p in out.iterdir()))
