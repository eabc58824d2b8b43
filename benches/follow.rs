//! What it costs the team session to follow the store (issue 29): each call
//! of `lacuna serve` asks SQLite whether another process committed
//! (`PRAGMA data_version`), reads the store's generation only when one did,
//! and reads the decision log from the last id it saw. Measured on the demo
//! corpus (136 records). Run: `cargo bench --bench follow`.

#![expect(
    missing_docs,
    reason = "criterion_group! generates undocumented functions"
)]
#![expect(clippy::expect_used, reason = "a bench aborts on setup failure")]

use criterion::{criterion_group, criterion_main, Criterion};
use lacuna::progress::Silent;
use lacuna::store::Review;
use std::hint::black_box;
use std::path::Path;

fn follow(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("review");
    let mut review = Review::init(&dir).expect("init");
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/cen-demo.jsonl");
    lacuna::pipeline::import(&mut review, &[corpus], &Silent).expect("import");
    let last = review.last_decision_id().expect("last");
    let mut g = c.benchmark_group("follow the store, per call");
    g.bench_function("data_version", |b| {
        b.iter(|| black_box(review.data_version().expect("data_version")));
    });
    g.bench_function("generation", |b| {
        b.iter(|| black_box(review.generation().expect("generation")));
    });
    g.bench_function("decision log, none new", |b| {
        b.iter(|| black_box(review.decisions_since(last).expect("log")));
    });
    g.finish();
}

criterion_group!(benches, follow);
criterion_main!(benches);
