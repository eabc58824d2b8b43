#!/usr/bin/env bash
# Time `lacuna code` on a large review and report its peak memory (issue 31).
#
# Builds (once) a review of N records: the parsed records of the NLM update file
# data/pubmed21n1298.xml.gz (fetched by scripts/fetch-bench-data.sh; 20,788 articles, its
# deletions left out) repeated with new PMIDs, written as Lacuna JSON Lines a copy at a time and
# imported with --no-dedup, with no screening decisions (every record is coded) and the
# demo protocol in the review folder. Then runs `/usr/bin/time -v lacuna code DIR -q`
# twice (a first run, then the same again) and prints the wall time and the peak
# resident memory of each.
#
# Usage: scripts/scale-code.sh N [DIR] [LACUNA]
#   N       records (default 200000)
#   DIR     the review folder (default /tmp/lacuna-scale-N); reused if it is a review of N
#           records already, so a second binary can be timed on the same review
#   LACUNA  the binary (default target/release/lacuna; build it with cargo build --release)
# Disk: about 6.5 KB a record for the review (database and index), plus 75 MB of
# JSON Lines at a time while importing.
set -euo pipefail

N=${1:-200000}
DIR=${2:-/tmp/lacuna-scale-$N}
BIN=${3:-target/release/lacuna}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${DATA:-$ROOT/data/pubmed21n1298.xml.gz}
PROTOCOL=$ROOT/protocols/complex-emotional-needs.toml

[ -x "$BIN" ] || { echo "no binary at $BIN: run cargo build --release" >&2; exit 2; }
[ -f "$DATA" ] || { echo "no $DATA: run scripts/fetch-bench-data.sh" >&2; exit 2; }

count() { sqlite3 "$DIR/lacuna.db" "SELECT count(*) FROM records WHERE deleted = 0"; }

if [ "$(cat "$DIR/.scale-n" 2>/dev/null)" != "$N" ]; then
    rm -rf "$DIR"
    "$BIN" init "$DIR" -q
    cp "$PROTOCOL" "$DIR/protocol.toml"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    "$BIN" parse "$DATA" -q > "$work/base.jsonl"
    start=$(date +%s)
    # The update file's deletions left out; one file per copy, imported then removed: PMID 40,000,000 + copy × 1,000,000 + line.
    per=$(grep -vc '"kind":"deletion"' "$work/base.jsonl")
    for ((copy = 0; copy * per < N; copy++)); do
        python3 - "$work/base.jsonl" "$N" "$copy" > "$work/copy-$copy.jsonl" <<'EOF'
import re, sys
base, n, copy = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lines = open(base, encoding="utf-8").read().split("\n")
lines = [l for l in lines if l and '"kind":"deletion"' not in l[:60]]
take = max(0, min(len(lines), n - copy * len(lines)))
pmid = re.compile(r'"pmid":\d+')
out = sys.stdout
for i, line in enumerate(lines[:take]):
    out.write(pmid.sub(f'"pmid":{40_000_000 + copy * 1_000_000 + i}', line, count=1) + "\n")
EOF
        "$BIN" import "$DIR" "$work/copy-$copy.jsonl" --no-dedup -q > /dev/null
        rm -f "$work/copy-$copy.jsonl"
    done
    echo "$N" > "$DIR/.scale-n"
    echo "built $DIR: $(count) records in $(( $(date +%s) - start )) s" >&2
fi

# A first run (earlier runs removed: they are this throwaway review's only codings),
# then the same run again (equal to the latest: nothing is stored).
sqlite3 "$DIR/lacuna.db" "DELETE FROM auto_codes; DELETE FROM coding_runs;"
log=$(mktemp)
for what in "first run" "again"; do
    /usr/bin/time -v "$BIN" code "$DIR" -q > /dev/null 2> "$log" || { cat "$log" >&2; exit 1; }
    wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')
    rss=$(grep 'Maximum resident set size' "$log" | awk '{print $NF}')
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.1f", s}' "$log")
    echo "lacuna code, $(count) records, $what: wall $wall, CPU ${cpu} s, peak RSS $(( rss / 1024 )) MB"
done
rm -f "$log"
