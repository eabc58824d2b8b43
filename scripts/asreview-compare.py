#!/usr/bin/env python3
"""Run ASReview's default model side by side with `lacuna simulate`.

For each screening dataset in ../shared/fixtures/screening and each seed
S = 1..5: `asreview simulate DATA --ai elas_u4 --n-prior-included 1
--n-prior-excluded 1 --prior-seed S --seed S`, then read the project's
results (priors = rows labelled without a classifier; ASReview numbers records
by 0-based CSV row) and compute the metrics as `lacuna simulate` defines them.
`--seeds A-B` runs seeds A..=B instead of 1..=5.
Prints one JSON object per run, with the priors, so Lacuna can be run on the
same ones (`--prior-rows`). Usage:
  python3 -m venv /tmp/asr && /tmp/asr/bin/pip install asreview asreview-insights
  scripts/asreview-compare.py /tmp/asr/bin/asreview [SHARED] [--seeds A-B] > asreview.jsonl
"""
import glob, json, math, os, sqlite3, subprocess, sys, tempfile, zipfile

args = sys.argv[1:]
seeds = range(1, 6)
if "--seeds" in args:
    k = args.index("--seeds")
    lo, hi = args[k + 1].split("-")
    seeds = range(int(lo), int(hi) + 1)
    del args[k:k + 2]
asreview = args[0]
shared = args[1] if len(args) > 1 else os.environ.get("LACUNA_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
files = sorted(glob.glob(os.path.join(shared, "fixtures", "screening", "*.csv")))
for path in files:
    name = os.path.basename(path)[:-4]
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "p.asreview")
            subprocess.run([asreview, "simulate", path, "--ai", "elas_u4", "--n-prior-included", "1", "--n-prior-excluded", "1",
                            "--prior-seed", str(seed), "--seed", str(seed), "-o", out], check=True, capture_output=True)
            with zipfile.ZipFile(out) as z:
                z.extractall(tmp)
            db = glob.glob(os.path.join(tmp, "reviews", "*", "results.db"))[0]
            rows = sqlite3.connect(db).execute("select record_id, label, classifier, time from results order by rowid").fetchall()
        import csv
        with open(path, encoding="utf-8") as f:
            labels = [int(r["label_included"]) for r in csv.DictReader(f)]
        n, r_all = len(labels), sum(labels)
        priors = [r[0] for r in rows if r[2] is None]
        seq = [r[1] for r in rows if r[2] is not None]
        times = [r[3] for r in rows if r[2] is not None]
        n_left, r_left = n - len(priors), r_all - sum(labels[p] for p in priors)
        cum, c = [], 0
        for x in seq:
            c += x
            cum.append(c)
        def n_at(share):
            need = math.ceil(share * r_left)
            return next((i + 1 for i, v in enumerate(cum) if v >= need), len(cum))
        ten = math.floor(0.1 * n_left)
        rec10 = (cum[ten - 1] if 0 < ten <= len(cum) else (cum[-1] if ten > len(cum) else 0)) / r_left
        ms = 1000 * (times[-1] - rows[len(priors) - 1][3]) / max(len(seq), 1)
        print(json.dumps({"dataset": name, "seed": seed, "priors": priors, "n": n, "n_relevant": r_all,
                          "wss95": (n_left - n_at(0.95)) / n_left - 0.05, "wss100": (n_left - n_at(1.0)) / n_left,
                          "recall_at_10": rec10, "screened_to_all": n_at(1.0), "ms_per_step": ms}), flush=True)
