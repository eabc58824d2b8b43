#!/usr/bin/env python3
"""Write a gzipped input file holding one record with a huge field, streamed
(never more than one chunk in memory), to check that `lacuna import` refuses
it at once with little memory (issue 30).

Usage: scripts/make-bomb.py OUT.gz SIZE [FORMAT [RECORDS]]
  SIZE: bytes of the field, with an optional K, M or G suffix (binary units),
        e.g. 2G for the 2 GiB abstract of issue 30, 384M, 20M.
  FORMAT: xml (PubMed XML, the default), medline, ris, csv or jsonl.
  RECORDS: how many such records (1 by default); e.g. 40 records of 15M
        check the memory of an import of records just under the limits.
Repeated text compresses about 1000 to 1: 2G gives a ~2 MB file.
Measure with: /usr/bin/time -v target/release/lacuna import DIR OUT.gz
(Maximum resident set size).
"""
import gzip
import sys

CHUNK = "Background mentalization-based treatment reduced self-harm. " * 16384


def size_of(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if text[-1:].upper() in units:
        return int(text[:-1]) * units[text[-1].upper()]
    return int(text)


def frame(fmt, pmid, first, last):
    """Text before and after the big field of record `pmid`."""
    if fmt == "xml":
        return (
            ('<?xml version="1.0"?>\n<PubmedArticleSet>' if first else "")
            + f'<PubmedArticle><MedlineCitation><PMID Version="1">{pmid}</PMID>'
            "<Article><ArticleTitle>A bomb</ArticleTitle><Abstract><AbstractText>",
            "</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>"
            + ("</PubmedArticleSet>\n" if last else ""),
        )
    if fmt == "medline":
        return (f"PMID- {pmid}\nTI  - A bomb\nAB  - ", "\n\n")
    if fmt == "ris":
        return (f"TY  - JOUR\nTI  - A bomb {pmid}\nAB  - ", "\nER  - \n")
    if fmt == "csv":
        return (("PMID,Title,Abstract\n" if first else "") + f'{pmid},A bomb,"', '"\n')
    if fmt == "jsonl":
        return (f'{{"pmid": {pmid}, "title": "A bomb", "abstract": "', '"}\n')
    sys.exit(f"unknown format {fmt!r}: xml, medline, ris, csv or jsonl")


def main():
    if len(sys.argv) not in (3, 4, 5):
        sys.exit(__doc__)
    out, size = sys.argv[1], size_of(sys.argv[2])
    fmt = sys.argv[3] if len(sys.argv) >= 4 else "xml"
    records = int(sys.argv[4]) if len(sys.argv) == 5 else 1
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as f:
        for i in range(records):
            head, tail = frame(fmt, 31000001 + i, i == 0, i == records - 1)
            f.write(head)
            left = size
            while left > 0:
                part = CHUNK[: min(left, len(CHUNK))]
                f.write(part)
                left -= len(part)
            f.write(tail)


if __name__ == "__main__":
    main()
