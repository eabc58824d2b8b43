//! Import (parse + store + index), tantivy alone, and search (criterion).
//!
//! `import/nlm_update_1298_fresh_review`: the real 233 MB update file into a
//! fresh review, end to end (parse, store, index). `index/tantivy_alone_nlm_update_1298`:
//! the same file's records, parsed beforehand, indexed by tantivy alone with
//! the index's own schema, analyzers, documents and writer memory (no store),
//! the reference the import is measured against (BENCHMARKS.md).
//! `search_1m_records`: three-term queries on a review of one million
//! records, made on first use by repeating the update file's records with
//! fresh PMIDs and cached in `data/bench-review-1m` (git-ignored).
//! Needs `scripts/fetch-bench-data.sh`. Run: `cargo bench --bench index`, or
//! `cargo bench --bench index -- 'index/tantivy_alone|import/nlm'` for the
//! import and its reference alone (the million-record review is then not built).

#![expect(
    missing_docs,
    reason = "criterion_group! generates undocumented functions"
)]
#![expect(clippy::expect_used, reason = "a bench aborts on setup failure")]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use lacuna::model::{Item, Pmid, Record};
use lacuna::progress::Silent;
use lacuna::store::index::Searcher;
use lacuna::store::Review;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

const TARGET: u64 = 1_000_000;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

fn big_records(big: &Path) -> Vec<Record> {
    let mut v = Vec::new();
    lacuna::parse::open::read_file(big, &mut |i| {
        if let Item::Record(r) = i {
            v.push(*r);
        }
        true
    })
    .expect("parse");
    v
}

/// A review of one million records (built once, then reused).
fn million_review(big: &Path) -> PathBuf {
    let dir = data().join("bench-review-1m");
    if let Ok(r) = Review::open(&dir) {
        if r.count_current().unwrap_or(0) >= TARGET * 99 / 100
            && lacuna::store::index::is_current(&r).unwrap_or(false)
        {
            return dir;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let mut review = Review::init(&dir).expect("init");
    let base = big_records(big);
    let chunk = data().join("bench-chunk.jsonl");
    let mut made = 0u64;
    let mut round = 0u64;
    while made < TARGET {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&chunk).expect("chunk"));
        for r in &base {
            if made >= TARGET {
                break;
            }
            let mut r = r.clone();
            let p = r.pmid.map(|p| p.get()).unwrap_or(1) + round * 100_000_000;
            r.pmid = Some(Pmid::new(p).expect("pmid"));
            r.doi = None;
            writeln!(
                w,
                "{}",
                lacuna::parse::jsonl::to_line(&Item::Record(Box::new(r)))
            )
            .expect("write");
            made += 1;
        }
        w.flush().expect("flush");
        drop(w);
        lacuna::pipeline::import(&mut review, std::slice::from_ref(&chunk), &Silent)
            .expect("import");
        round += 1;
        eprintln!("bench review: {made} records");
    }
    let _ = std::fs::remove_file(&chunk);
    dir
}

fn benches(c: &mut Criterion) {
    let big = data().join("pubmed21n1298.xml.gz");
    if !big.is_file() {
        eprintln!("data/pubmed21n1298.xml.gz missing: run scripts/fetch-bench-data.sh");
        return;
    }
    let records = big_records(&big);
    let n = records.len() as u64;
    let mut g = c.benchmark_group("import");
    g.sample_size(10).measurement_time(Duration::from_secs(60));
    g.throughput(Throughput::Elements(n));
    g.bench_function("nlm_update_1298_fresh_review", |b| {
        b.iter_batched(
            || {
                let t = tempfile::tempdir().expect("tmp");
                let dir = t.path().join("r");
                let review = Review::init(&dir).expect("init");
                lacuna::store::index::rebuild(&review, &Silent).expect("empty index");
                (t, review)
            },
            |(t, mut review)| {
                lacuna::pipeline::import(&mut review, std::slice::from_ref(&big), &Silent)
                    .expect("import");
                t
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();

    // The reference: the same records, parsed outside the timed part, into a
    // new index (same schema, analyzers and writer memory), then committed.
    let mut g = c.benchmark_group("index");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.throughput(Throughput::Elements(n));
    g.bench_function("tantivy_alone_nlm_update_1298", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("tmp"),
            |t| {
                let docs =
                    lacuna::store::index::tantivy_alone(t.path(), &records).expect("tantivy alone");
                assert_eq!(docs, n);
                t
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
    drop(records);

    // Built on first use only: a filter that leaves the searches out does
    // not build the million-record review.
    let mut searcher: Option<Searcher> = None;
    let mut g = c.benchmark_group("search_1m_records");
    for q in [
        "cancer risk women",
        "randomized controlled trial",
        "title:\"gene expression\" mice",
    ] {
        g.bench_function(q, |b| {
            let s = searcher.get_or_insert_with(|| {
                let dir = million_review(&big);
                let review = Review::open(&dir).expect("open");
                Searcher::open(&review).expect("searcher")
            });
            b.iter(|| s.search(q, 10).expect("search").total)
        });
    }
    g.finish();
}

criterion_group!(index, benches);
criterion_main!(index);
