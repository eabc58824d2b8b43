#!/usr/bin/env bash
# The main job on the bundled demo corpus, offline: make a review, import the
# 135 real records of corpus/cen-demo.jsonl, show its figures, and search it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
lacuna=target/release/lacuna
rm -rf demo-review
$lacuna init demo-review
$lacuna import demo-review corpus/cen-demo.jsonl
$lacuna stats demo-review
echo
echo '$ lacuna search demo-review "dialectical behavior therapy" -n 5'
$lacuna search demo-review "dialectical behavior therapy" -n 5
echo
echo '$ lacuna search demo-review '\''(peer OR employment OR housing) AND year:[2015 TO 2025]'\'' -n 5'
$lacuna search demo-review '(peer OR employment OR housing) AND year:[2015 TO 2025]' -n 5
