#!/usr/bin/env python3
"""Write data/sim-6000.csv: the first 6,000 rows of the six labelled screening
datasets of ../shared/fixtures/screening, concatenated in file-name order
(547 relevant), numbered 1 to 6,000, for timing a whole `lacuna simulate` on 6,000 records. The
file stays in the git-ignored data/ folder (third-party data). Usage:
  scripts/make-sim-6000.py [SHARED]
"""
import csv, glob, os, sys

shared = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
    "LACUNA_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
csv.field_size_limit(10**9)
rows = []
for path in sorted(glob.glob(os.path.join(shared, "fixtures", "screening", "*.csv"))):
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rows.append([len(rows) + 1, r["title"], r["abstract"], r["label_included"]])
rows = rows[:6000]
out = os.path.join(os.path.dirname(__file__), "..", "data", "sim-6000.csv")
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["record_id", "title", "abstract", "label_included"])
    w.writerows(rows)
print(f"{out}: {len(rows)} records, {sum(int(r[3]) for r in rows)} relevant")
