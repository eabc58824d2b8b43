#!/usr/bin/env bash
# Run every cargo-fuzz target for SECONDS each (default 20: the short run CI
# can call), from its seed corpus in fuzz/corpus/TARGET (committed, small)
# into a working corpus in fuzz/corpus-work/TARGET (git-ignored), and print
# each target's executions. Exits 0 with a note when cargo fuzz is missing;
# non-zero when a target crashes (the input is kept in fuzz/artifacts/).
#   bash scripts/fuzz.sh            # 20 s each
#   bash scripts/fuzz.sh 600 parse  # 10 minutes of one target
# FUZZ_SANITIZER=none runs without AddressSanitizer, about five times as many
# executions a second (the crate's Rust is safe and cargo fuzz does not
# instrument SQLite's C anyway); long campaigns use it, CI's short run not.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-20}"
shift || true
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo fuzz is not installed (cargo install cargo-fuzz): fuzzing skipped"
    exit 0
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi
export RUSTC_BOOTSTRAP=1
status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus-work/$t" "corpus/$t"
    log="$(mktemp)"
    extra=()
    if [ "$t" = web ]; then
        # The web target keeps one server (its thread pools, its index
        # reader, its SQLite pages) across inputs, and LeakSanitizer's
        # per-input check flagged a search input after many others that
        # does not leak on its own. Memory is watched instead: 58 MB after
        # 3,000 inputs, 69 MB after 60,000 (its corpus and the decisions
        # it stored grow), and -rss_limit_mb still stops a real leak.
        extra=(-detect_leaks=0)
    fi
    if cargo fuzz run -O --sanitizer "${FUZZ_SANITIZER:-address}" "$t" "corpus-work/$t" "corpus/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 "${extra[@]}" >"$log" 2>&1; then
        result="ok"
    else
        result="CRASH (see fuzz/artifacts/$t)"
        status=1
        tail -40 "$log"
    fi
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
    if [ -z "$runs" ]; then
        runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
    fi
    echo "$t: ${runs:-?} executions in ${secs} s: $result"
    rm -f "$log"
done
exit $status
