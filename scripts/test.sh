#!/usr/bin/env bash
# The tests, on a fresh machine: installs what the browser test needs
# (Debian's Chromium, and playwright-core from npm into tests/browser) and
# fetches the NLM update file (scripts/fetch-bench-data.sh), then
# runs every unit, integration and doc test. The tests read the shared
# fixtures in place from ../shared (or $LACUNA_SHARED).
set -euo pipefail
cd "$(dirname "$0")/.."
if { ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM:-}" ]; } || ! command -v pdfinfo >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium poppler-utils >/dev/null
fi
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  npm ci --prefix tests/browser --no-audit --no-fund
fi
# The real NLM update file (from PyPI, into the git-ignored data/): the
# retraction-parsing test reads it.
bash scripts/fetch-bench-data.sh
cargo test "$@"
