#!/usr/bin/env python3
"""The scale bench of issue 31: a review of ~200,000 real PubMed records on
one small machine, each step timed with its peak memory.

Builds, under data/scale/ (git-ignored), ten copies of the NLM update file
data/pubmed21n1298.xml.gz (fetched by scripts/fetch-bench-data.sh) with new
PMIDs (copy k adds k x 40,000,000), imports them with --no-dedup, stores 500
decisions and a snapshot, then a month of 2,000 new records by
`update --files`, a second snapshot, `diff`, `report --no-pdf`, `screen`
opened and closed from a pipe, and `serve`: time from start to listening,
its peak memory, and the time from a decision posted to the next record
(p50/p95 over 200 decisions, the retrain included).

    python3 scripts/scale.py [--bin target/release/lacuna] [--copies 10] [--keep]

Prints a Markdown table (step, wall time, peak RSS) and writes it as JSON
to data/scale/figures.json. Peak memory is /usr/bin/time's maximum
resident set size; for `serve`, the kernel's high-water mark (VmHWM) read
while it runs.
"""
import argparse
import gzip
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "data", "pubmed21n1298.xml.gz")
WORK = os.path.join(ROOT, "data", "scale")
PMID = re.compile(rb"<PMID Version=\"(\d+)\">(\d+)</PMID>")
OWN = re.compile(rb"<MedlineCitation[^>]*>\s*<PMID Version=\"\d+\">(\d+)</PMID>")
OFFSET = 40_000_000


def copies(n):
    """copy-k.xml.gz for k in 0..n, and month.xml.gz: 2,000 articles of copy n."""
    os.makedirs(WORK, exist_ok=True)
    with gzip.open(SRC, "rb") as f:
        xml = f.read()
    head, _, rest = xml.partition(b"<PubmedArticle>")
    body = b"<PubmedArticle>" + rest
    # the DeleteCitation block stays in copy 0 only
    body_nodel = re.sub(rb"<DeleteCitation>.*?</DeleteCitation>", b"", body, flags=re.S)
    pmids = []
    for k in range(n + 1):
        out = os.path.join(WORK, f"copy-{k}.xml.gz" if k < n else "month.xml.gz")
        src = body if k == 0 else body_nodel
        if k == n:
            arts = src.split(b"</PubmedArticle>")
            src = b"</PubmedArticle>".join(arts[:2000]) + b"</PubmedArticle>\n</PubmedArticleSet>\n"
        shifted = PMID.sub(lambda m: b'<PMID Version="%s">%d</PMID>' % (m.group(1), int(m.group(2)) + k * OFFSET), src)
        if k < n:
            pmids.extend(int(m.group(1)) for m in OWN.finditer(shifted))
        if not os.path.exists(out):
            with gzip.open(out, "wb", compresslevel=1) as g:
                g.write(head + shifted)
    return pmids


def timed(step, cmd, figures, stdin=None, ok=(0,)):
    t0 = time.time()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, input=stdin, capture_output=True)
    wall = time.time() - t0
    err = p.stderr.decode(errors="replace")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    if p.returncode not in ok:
        sys.exit(f"{step} failed with exit {p.returncode}:\n{err[-3000:]}")
    figures.append({"step": step, "seconds": round(wall, 2), "peak_mb": round(int(rss.group(1)) / 1024) if rss else None})
    print(f"{step}: {wall:.2f} s, {figures[-1]['peak_mb']} MB", file=sys.stderr)
    return p


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(base, method, path, token, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def vm_hwm(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return None


def serve(lacuna, review, figures, decisions):
    out = subprocess.run([lacuna, "reviewer", "add", review, "scale-bench", "-q"], capture_output=True, check=True)
    token = out.stdout.decode().strip().splitlines()[-1].strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    t0 = time.time()
    p = subprocess.Popen([lacuna, "serve", review, "--bind", f"127.0.0.1:{port}", "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:
            if p.poll() is not None:
                sys.exit("serve stopped: " + p.stderr.read().decode(errors="replace")[-2000:])
            try:
                call(base, "GET", "/api/status", token)
                break
            except OSError:
                time.sleep(0.05)
        listening = time.time() - t0
        figures.append({"step": "serve: start to listening", "seconds": round(listening, 2), "peak_mb": vm_hwm(p.pid)})
        print(f"serve listening after {listening:.2f} s, {vm_hwm(p.pid)} MB", file=sys.stderr)
        lat = []
        rec = call(base, "GET", "/api/next", token)
        for i in range(decisions):
            if rec.get("done"):
                break
            label = "include" if i % 10 == 0 else "exclude"
            t = time.time()
            call(base, "POST", "/api/decisions", token, {"record": rec["key"], "label": label})
            rec = call(base, "GET", "/api/next", token)
            lat.append((time.time() - t) * 1000)
        lat.sort()
        pct = lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))], 1) if lat else None
        figures.append({"step": f"serve: decision to next record, p50 / p95 ms ({len(lat)} decisions)", "seconds": None,
                        "p50_ms": pct(0.5), "p95_ms": pct(0.95), "peak_mb": vm_hwm(p.pid)})
        print(f"decision to next: p50 {pct(0.5)} ms, p95 {pct(0.95)} ms; held {vm_hwm(p.pid)} MB", file=sys.stderr)
    finally:
        p.terminate()
        p.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "lacuna"))
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--keep", action="store_true", help="keep the review built by an earlier run (skip the import)")
    ap.add_argument("--only", default="", help="comma-separated steps to run: import,decide,snapshot,update,diff,report,screen,serve")
    args = ap.parse_args()
    if not os.path.exists(SRC):
        sys.exit("data/pubmed21n1298.xml.gz is missing: run bash scripts/fetch-bench-data.sh")
    lacuna = args.bin
    only = set(filter(None, args.only.split(",")))
    want = lambda s: not only or s in only
    pmids = copies(args.copies)
    review = os.path.join(WORK, "review")
    figures = []
    if not args.keep:
        shutil.rmtree(review, ignore_errors=True)
        subprocess.run([lacuna, "init", review, "-q"], check=True)
        shutil.copy(os.path.join(ROOT, "protocols", "complex-emotional-needs.toml"), os.path.join(review, "protocol.toml"))
        files = [os.path.join(WORK, f"copy-{k}.xml.gz") for k in range(args.copies)]
        timed(f"import of {args.copies} files ({len(pmids)} records)", [lacuna, "import", review, *files, "--no-dedup", "-q"], figures)
    if not args.keep or "decide" in only:
        rng = random.Random(31)
        chosen = rng.sample(pmids, 500)
        sheet = os.path.join(WORK, "decisions.csv")
        with open(sheet, "w") as f:
            f.write("pmid,label\n")
            for i, p in enumerate(chosen):
                f.write(f"{p},{'include' if i % 10 == 0 else 'exclude'}\n")
        timed("decide (500 from a sheet)", [lacuna, "decide", review, "--from", sheet, "--reviewer", "scale", "-q"], figures)
        timed("code (the 50 included of the 500 decided)", [lacuna, "code", review, "-q"], figures)
        timed("screen: open (features built, cache written), one decision, quit", [lacuna, "screen", review, "--reviewer", "scale"], figures, stdin=b"e\nq\n")
        timed("snapshot", [lacuna, "snapshot", review, "-q"], figures)
    if want("update"):
        timed("update --files (2,000 new)", [lacuna, "update", review, "--files", os.path.join(WORK, "month.xml.gz"), "-q"], figures, ok=(0, 11))
    if want("snapshot") and want("update"):
        timed("snapshot (after the update)", [lacuna, "snapshot", review, "-q"], figures, ok=(0, 11))
    if want("diff"):
        timed("diff", [lacuna, "diff", review, "-q"], figures)
    if want("report"):
        timed("report --no-pdf", [lacuna, "report", review, "--no-pdf", "-q"], figures)
    if want("screen"):
        timed("screen: open (after the update), one decision, quit", [lacuna, "screen", review, "--reviewer", "scale"], figures, stdin=b"e\nq\n")
    if want("serve"):
        serve(lacuna, review, figures, 200)
    print("| step | time | peak memory |\n|---|---:|---:|")
    for f in figures:
        t = f"{f['seconds']} s" if f.get("seconds") is not None else f"p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms"
        print(f"| {f['step']} | {t} | {f['peak_mb']} MB |")
    with open(os.path.join(WORK, "figures.json"), "w") as f:
        json.dump(figures, f, indent=1)


if __name__ == "__main__":
    main()
