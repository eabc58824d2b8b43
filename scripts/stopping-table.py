#!/usr/bin/env python3
"""Every stopping rule side by side: `lacuna simulate --json` on the six
shared screening datasets and the 6,000-record simulation file, SEEDS seeds
each, at recall targets 0.9, 0.95 and 0.99. Prints the Markdown tables of the
BENCHMARKS.md's "Stopping rules, measured" and the rule the issue's criterion picks
(at the 0.95 target): the lowest mean cost among the rules with a stated
guarantee that reached the target in at least 95 % of all runs, pooled.

    python3 scripts/stopping-table.py [--seeds 20] [--bin target/release/lacuna] [--json out.json]

Reads the datasets in place (LACUNA_SHARED, else ../shared) and
data/sim-6000.csv (scripts/fetch-bench-data.sh); nothing is copied.
"""

import argparse
import json
import os
import subprocess
import sys

DATASETS = [
    "cohen_2006_adhd.csv",
    "cohen_2006_atypical_antipsychotics.csv",
    "bannach_brown_2019_depression_models.csv",
    "nagtegaal_2019_nudging_clinicians.csv",
    "synergy_oud_2018_bpd_psychotherapy.csv",
    "synergy_sep_2021_object_in_context.csv",
]
TARGETS = [0.9, 0.95, 0.99]


def shared_dir():
    d = os.environ.get("LACUNA_SHARED") or os.path.join(os.path.dirname(__file__), "..", "..", "shared")
    d = os.path.abspath(d)
    if not os.path.isdir(os.path.join(d, "fixtures", "screening")):
        sys.exit(f"no screening fixtures under {d}: set LACUNA_SHARED to the shared folder")
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--bin", default="target/release/lacuna")
    ap.add_argument("--json", help="write every summary here")
    args = ap.parse_args()
    shared = shared_dir()
    files = [os.path.join(shared, "fixtures", "screening", f) for f in DATASETS]
    sim = os.path.join("data", "sim-6000.csv")
    if os.path.exists(sim):
        files.append(sim)
    else:
        print(f"note: {sim} missing (run scripts/fetch-bench-data.sh); left out", file=sys.stderr)
    results = {}
    for t in TARGETS:
        for f in files:
            name = os.path.basename(f).removesuffix(".csv")
            print(f"target {t}: {name} ...", file=sys.stderr, flush=True)
            out = subprocess.run(
                [args.bin, "simulate", "-q", "--json", "--seeds", str(args.seeds),
                 "--recall-target", str(t), f],
                check=True, capture_output=True, text=True,
            ).stdout
            s = json.loads(out)
            for r in s["runs"]:
                r.pop("priors", None)
            results[(t, name)] = s
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({f"{t} {n}": s for (t, n), s in results.items()}, fh)
    names = [os.path.basename(f).removesuffix(".csv") for f in files]
    rules = [r["rule"] for r in next(iter(results.values()))["stopping"]]
    heuristic = {r["rule"]: r["heuristic"] for r in next(iter(results.values()))["stopping"]}
    choice = None
    for t in TARGETS:
        print(f"\n#### Recall target {t} ({args.seeds} seeds per dataset)\n")
        print("Each cell: share of runs that reached the target · mean records screened relative to the hypergeometric test (its mean in the first column).\n")
        print("| dataset (records, relevant) | " + " | ".join(rules) + " |")
        print("|---|" + "---:|" * len(rules))
        pooled = {r: {"hit": 0, "runs": 0, "rel": []} for r in rules}
        for n in names:
            s = results[(t, n)]
            by = {r["rule"]: r for r in s["stopping"]}
            base = by["hypergeometric"]["stop_at"]
            cells = []
            for r in rules:
                x = by[r]
                hits = sum(1 for run in x["runs"] if run["recall_at_stop"] >= t - 1e-12)
                pooled[r]["hit"] += hits
                pooled[r]["runs"] += len(x["runs"])
                rel = x["stop_at"] / base if base > 0 else float("nan")
                pooled[r]["rel"].append(rel)
                if r == "hypergeometric":
                    cells.append(f"{100 * x['reached_target']:.0f}% · {x['stop_at']:.0f}")
                else:
                    cells.append(f"{100 * x['reached_target']:.0f}% · {rel:.2f}")
            print(f"| {n} ({s['n']}, {s['n_relevant']}) | " + " | ".join(cells) + " |")
        cells = []
        for r in rules:
            p = pooled[r]
            share = p["hit"] / max(p["runs"], 1)
            rel = sum(p["rel"]) / max(len(p["rel"]), 1)
            p["share"], p["mean_rel"] = share, rel
            cells.append(f"**{100 * share:.1f}% · {rel:.2f}**")
        print("| **all runs pooled** | " + " | ".join(cells) + " |")
        ok = [r for r in rules if not heuristic[r] and pooled[r]["share"] >= 0.95]
        best = min(ok, key=lambda r: pooled[r]["mean_rel"]) if ok else None
        heur = [r for r in rules if heuristic[r] and pooled[r]["share"] >= 0.95]
        print(f"\nReaching the target in ≥ 95 % of all runs: {', '.join(ok) or 'none'}; lowest mean cost among them: **{best}**"
              + (f" (mean cost {pooled[best]['mean_rel']:.2f} of the hypergeometric test's)." if best else "."))
        if heur:
            print(f"The heuristic {', '.join(heur)} also did, but states no error rate, so it is not a candidate.")
        if t == 0.95:
            choice = best
    print(f"\nDefault by the issue's criterion (target 0.95): {choice}")


if __name__ == "__main__":
    main()
