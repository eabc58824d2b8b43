#!/usr/bin/env python3
"""Compare `lacuna simulate` settings against the defaults, paired by seed.

For each labelled dataset in ../shared/fixtures/screening, runs the defaults
and the given settings with the same seeds (so the same priors, drawn by
`lacuna simulate`), and prints per dataset the mean difference (settings -
defaults) in WSS@95 and recall at 10 % with its standard error over seeds,
then the mean over datasets. Seeds 6 to 25 by default: seeds 1 to 10 are the
ones compared with ASReview, so settings can be judged on other priors.
Usage:
  scripts/paired-settings.py target/release/lacuna "--tolerance 0.1" [--seeds A-B] [SHARED]
"""
import glob, json, os, shlex, statistics, subprocess, sys

args = sys.argv[1:]
lo, hi = 6, 25
if "--seeds" in args:
    k = args.index("--seeds")
    lo, hi = map(int, args[k + 1].split("-"))
    del args[k:k + 2]
lacuna, settings = args[0], shlex.split(args[1])
shared = args[2] if len(args) > 2 else os.environ.get(
    "LACUNA_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
seeds = ",".join(str(s) for s in range(lo, hi + 1))


def runs(path, extra):
    out = subprocess.run([lacuna, "simulate", path, "--json", "-q", "--seed", seeds] + extra,
                         check=True, capture_output=True, text=True).stdout
    return [(r["wss95"], r["recall_at_10"]) for r in json.loads(out)["runs"]]


means = []
print(f"settings {' '.join(settings)!r} minus defaults, seeds {lo}-{hi}")
for path in sorted(glob.glob(os.path.join(shared, "fixtures", "screening", "*.csv"))):
    base, new = runs(path, []), runs(path, settings)
    row = []
    for i in (0, 1):
        d = [b[i] - a[i] for a, b in zip(base, new)]
        row.append((statistics.mean(d), statistics.stdev(d) / len(d) ** 0.5))
    means.append((row[0][0], row[1][0]))
    name = os.path.basename(path)[:-4]
    print(f"{name:40s} WSS@95 {row[0][0]:+.4f} (se {row[0][1]:.4f})  recall@10% {row[1][0]:+.4f} (se {row[1][1]:.4f})")
print(f"{'mean over datasets':40s} WSS@95 {statistics.mean(m[0] for m in means):+.4f}         "
      f"recall@10% {statistics.mean(m[1] for m in means):+.4f}")
