#!/usr/bin/env python3
"""Build corpus/cen-demo.jsonl (Lacuna JSON Lines) from shared/corpus-demo/records.jsonl.

The shared records were written for this project (135 hand-picked records on
complex emotional needs). Their `abstract` is always null on purpose; each has
a `summary` paraphrased by the collector. So that the demo can be searched and
screened, the summary becomes a one-section abstract labelled DEMO SUMMARY
(it is not the published abstract). The demo labels and categories are kept as
extra fields (`demo_label`, `demo_categories`, `demo_reason`, `demo_design`)
for the screening and gap-map stages. Usage: scripts/make-demo-corpus.py [SHARED]
"""
import json, os, sys

shared = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("LACUNA_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
src = os.path.join(shared, "corpus-demo", "records.jsonl")
out = os.path.join(os.path.dirname(__file__), "..", "corpus", "cen-demo.jsonl")
n = 0
with open(src, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as w:
    for line in f:
        if not line.strip():
            continue
        r = json.loads(line)
        rec = {
            "schema_version": 1,
            "kind": "article",
            "pmid": int(r["pmid"]) if r.get("pmid") else None,
            "source_id": r["id"],
            "doi": r.get("doi"),
            "pmcid": r.get("pmcid"),
            "title": r.get("title") or "",
            "abstract": r.get("summary"),
            "abstract_sections": [{"label": "DEMO SUMMARY", "text": r["summary"]}] if r.get("summary") else [],
            "journal": r.get("journal"),
            "volume": r.get("volume"),
            "issue": r.get("issue"),
            "pages": r.get("pages"),
            "year": r.get("year"),
            "authors": r.get("authors") or [],
            "language": [],
            "publication_types": r.get("publication_types") or [],
            "mesh": r.get("mesh") or [],
            "mesh_major": [],
            "keywords": [],
            "source_url": r.get("source_url"),
            "demo_label": r.get("demo_label"),
            "demo_categories": r.get("demo_categories") or [],
            "demo_reason": r.get("demo_reason"),
            "demo_design": r.get("demo_design"),
        }
        w.write(json.dumps({k: v for k, v in rec.items() if v is not None}, ensure_ascii=False) + "\n")
        n += 1
print(f"wrote {n} records to {os.path.normpath(out)}")

# The collector's screening labels, as a decisions sheet for `lacuna decide --from`.
# Reasons are mapped onto the protocol's exclusion reason ids.
def reason(r):
    if r.get("demo_label") != "exclude":
        return ""
    cats = r.get("demo_categories") or []
    why = (r.get("demo_reason") or "").lower()
    if any(c == "not_relevant:animal_study" for c in cats):
        return "animal"
    if "protocol" in why:
        return "protocol_only"
    if any(c.startswith("not_relevant:") for c in cats):
        return "population"
    if any(c.startswith("not_intervention:") for c in cats):
        return "intervention"
    if any(w in why for w in ("review", "comment", "editorial", "chapter", "narrative")):
        return "design"
    return "other"

dec = os.path.join(os.path.dirname(__file__), "..", "corpus", "cen-demo-decisions.csv")
with open(src, encoding="utf-8") as f, open(dec, "w", encoding="utf-8") as w:
    w.write("key,label,reason\n")
    for line in f:
        if not line.strip():
            continue
        r = json.loads(line)
        key = r["pmid"] if r.get("pmid") else r["id"]
        w.write(f"{key},{r['demo_label']},{reason(r)}\n")
