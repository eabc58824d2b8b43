#!/usr/bin/env python3
"""Side-by-side table: `lacuna simulate` on the priors ASReview used.

Reads the JSON lines of scripts/asreview-compare.py (stdin or a file), runs
`lacuna simulate DATA --prior-rows A,B --seed S --json` for each, and prints a
Markdown table of the means over seeds, then the paired differences per
dataset with their standard errors over seeds. Usage:
  scripts/lacuna-vs-asreview.py target/release/lacuna asreview.jsonl [SHARED]
ASReview 2.2's runs for seeds 1-10 on this project's machine are kept in
tests/expected/asreview/elas-u4-seeds-1-10.jsonl (ASReview takes over an hour for them here).
"""
import collections, json, os, subprocess, sys

lacuna, src = sys.argv[1], sys.argv[2]
shared = sys.argv[3] if len(sys.argv) > 3 else os.environ.get("LACUNA_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
keys = ["wss95", "recall_at_10", "screened_to_all", "ms_per_step"]
asr, ours, stops = collections.defaultdict(list), collections.defaultdict(list), collections.defaultdict(list)
for line in open(src):
    a = json.loads(line)
    path = os.path.join(shared, "fixtures", "screening", a["dataset"] + ".csv")
    out = subprocess.run([lacuna, "simulate", path, "--prior-rows", ",".join(map(str, a["priors"])), "--seed", str(a["seed"]), "--json", "-q"],
                         check=True, capture_output=True, text=True).stdout
    l = json.loads(out)
    asr[a["dataset"]].append([a[k] for k in keys])
    ours[a["dataset"]].append([l[k] for k in keys])
    r = l["runs"][0]
    stops[a["dataset"]].append((r["stop_at"], r["recall_at_stop"], r["knee_stop_at"], r["recall_at_knee"]))
mean = lambda rows, i: sum(r[i] for r in rows) / len(rows)
print("| dataset | seeds | WSS@95 ASReview | WSS@95 Lacuna | recall@10% ASReview | recall@10% Lacuna | screened to all ASReview | Lacuna | ms/step ASReview | Lacuna | stop at (recall) | below 0.95 | knee at (recall) |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for d in sorted(asr):
    s = stops[d]
    below = sum(1 for x in s if x[1] is not None and x[1] < 0.95)
    st = sum(x[0] for x in s if x[0] is not None) / max(1, sum(1 for x in s if x[0] is not None))
    rs = sum(x[1] for x in s if x[1] is not None) / max(1, sum(1 for x in s if x[1] is not None))
    kn = sum(x[2] for x in s if x[2] is not None) / max(1, sum(1 for x in s if x[2] is not None))
    kr = sum(x[3] for x in s if x[3] is not None) / max(1, sum(1 for x in s if x[3] is not None))
    print(f"| {d} | {len(asr[d])} | {mean(asr[d],0):.3f} | {mean(ours[d],0):.3f} | {mean(asr[d],1):.3f} | {mean(ours[d],1):.3f} | {mean(asr[d],2):.0f} | {mean(ours[d],2):.0f} | {mean(asr[d],3):.1f} | {mean(ours[d],3):.2f} | {st:.0f} ({rs:.3f}) | {below}/{len(s)} | {kn:.0f} ({kr:.3f}) |")
ds = sorted(asr)
# Paired by seed (same priors): the mean difference Lacuna - ASReview and its
# standard error, to read the shortfalls against the spread between seeds.
def paired(d, i):
    diff = [o[i] - a[i] for o, a in zip(ours[d], asr[d])]
    m = sum(diff) / len(diff)
    se = (sum((x - m) ** 2 for x in diff) / (len(diff) - 1) / len(diff)) ** 0.5 if len(diff) > 1 else float("nan")
    return m, se
print()
print("| dataset | seeds | WSS@95 Lacuna - ASReview (se) | recall@10% Lacuna - ASReview (se) |")
print("|---|---|---|---|")
for d in ds:
    (mw, sw), (mr, sr) = paired(d, 0), paired(d, 1)
    print(f"| {d} | {len(asr[d])} | {mw:+.4f} ({sw:.4f}) | {mr:+.4f} ({sr:.4f}) |")
for i, name in [(0, "WSS@95"), (1, "recall@10%")]:
    a = sum(mean(asr[d], i) for d in ds) / len(ds)
    o = sum(mean(ours[d], i) for d in ds) / len(ds)
    worst = min(ds, key=lambda d: mean(ours[d], i) - mean(asr[d], i))
    print(f"{name}: mean over datasets ASReview {a:.4f}, Lacuna {o:.4f}; "
          f"largest shortfall {mean(ours[worst], i) - mean(asr[worst], i):+.4f} ({worst})")
