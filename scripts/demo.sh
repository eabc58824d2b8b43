#!/usr/bin/env bash
# The main job on the bundled demo corpus, offline: make a review, import the
# 135 real records of corpus/cen-demo.jsonl, search it, record the
# collector's screening decisions, auto-code the included records with the
# complex-emotional-needs protocol, attach extracted effect sizes, and draw
# the evidence gap map (demo-review/reports/gapmap.html: open it in a browser),
# and freeze the result as version 1 of the living review (lacuna snapshot).
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
echo '$ lacuna decide demo-review --from corpus/cen-demo-decisions.csv --reviewer collector'
$lacuna decide demo-review --from corpus/cen-demo-decisions.csv --reviewer collector
echo
echo '$ lacuna code demo-review --protocol protocols/complex-emotional-needs.toml'
$lacuna code demo-review --protocol protocols/complex-emotional-needs.toml
echo
echo '$ lacuna code demo-review --review --record 31173128    # why a record got its codes'
$lacuna code demo-review --review --record 31173128
echo '$ lacuna extract demo-review --import corpus/cen-demo-effects.csv'
$lacuna extract demo-review --import corpus/cen-demo-effects.csv
echo
echo '$ lacuna map demo-review'
$lacuna map demo-review
echo
echo '$ lacuna snapshot demo-review --label "demo, version 1"    # freeze this version of the living review'
$lacuna snapshot demo-review --label "demo, version 1"
