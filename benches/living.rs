//! The living cycle's speed (criterion). Issue 17's targets, on a review of
//! 10,000 records with 200 new: everything in `update` except the network
//! (import, dedup, index, rank, re-code, re-pool) plus the snapshot, under
//! 2 s; `diff` under 100 ms.
//!
//! Records are the real titles and abstracts of the six labelled screening
//! datasets in ../shared/fixtures/screening, copied with other years to
//! reach 10,000 (a copy is never a duplicate: dedup needs the same year),
//! 1,000 of them screened with their labels, the included ones coded, and
//! 40 effect rows over four pooled cells. The 200 new records arrive by
//! `--files` (the network is left out, as the issue says). Each timed
//! update runs on a fresh copy of that review. Run: `cargo bench --bench living`.

#![expect(
    missing_docs,
    reason = "criterion_group! generates undocumented functions"
)]
#![expect(
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a bench aborts on setup failure"
)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use lacuna::model::{Label, Record};
use lacuna::pipeline::living::{self, Source, UpdateOptions};
use lacuna::progress::Silent;
use lacuna::store::Review;
use std::path::{Path, PathBuf};

mod common;

const BASE: usize = 10_000;
const NEW: usize = 200;

fn records() -> (Vec<(Record, bool)>, Vec<Record>) {
    let real = common::screening_records();
    let make = |i: usize, copy: usize, year: i32| {
        let r = &real[i % real.len()];
        Record {
            source_id: Some(format!("bench-{copy}-{i}")),
            title: r.title.clone(),
            abstract_text: (!r.abstract_text.is_empty()).then(|| r.abstract_text.clone()),
            year: Some(year),
            authors: vec![format!("Author{i} A")],
            ..Default::default()
        }
    };
    let base = (0..BASE)
        .map(|i| {
            let copy = i / real.len();
            (
                make(i, copy, 1990 + copy as i32),
                real[i % real.len()].included,
            )
        })
        .collect();
    let new = (0..NEW).map(|i| make(i * 7 + 3, 99, 2030)).collect();
    (base, new)
}

fn jsonl(path: &Path, recs: impl Iterator<Item = Record>) {
    let mut s = String::new();
    for r in recs {
        s.push_str(&serde_json::to_string(&r).expect("json"));
        s.push('\n');
    }
    std::fs::write(path, s).expect("write");
}

struct Setup {
    _tmp: tempfile::TempDir,
    review: PathBuf,
    new_file: PathBuf,
    protocol: lacuna::protocol::Protocol,
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("review");
    let (base, new) = records();
    let base_file = tmp.path().join("base.jsonl");
    jsonl(&base_file, base.iter().map(|(r, _)| r.clone()));
    let new_file = tmp.path().join("new.jsonl");
    jsonl(&new_file, new.into_iter());
    let protocol_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("protocols/complex-emotional-needs.toml");
    let protocol = lacuna::protocol::load(&protocol_path).expect("protocol");
    let mut review = Review::init(&dir).expect("init");
    lacuna::pipeline::import(&mut review, &[base_file], &Silent).expect("import");
    lacuna::pipeline::folder::keep_protocol(&dir, &protocol_path).expect("protocol copy");
    let mut included = Vec::new();
    for (i, (r, inc)) in base.iter().enumerate().take(1000) {
        let id = review
            .resolve(&format!("src:{}", r.source_id.as_deref().unwrap_or("")))
            .expect("resolve")
            .expect("known");
        let label = if *inc { Label::Include } else { Label::Exclude };
        review
            .add_decision(id, "title_abstract", label, None, "bench")
            .expect("decide");
        if *inc || i % 25 == 0 {
            included.push((id, r.source_id.clone().unwrap_or_default()));
        }
    }
    for (id, _) in &included {
        review
            .add_decision(*id, "title_abstract", Label::Include, None, "bench")
            .expect("decide");
    }
    lacuna::pipeline::evidence::code(&mut review, &protocol, &Silent).expect("code");
    let cells = [
        ("psych.dbt", "self_harm_suicidality"),
        ("psych.mbt", "symptoms"),
        ("peer", "social_functioning"),
        ("service.crisis", "service_use"),
    ];
    let mut sheet = String::from("record,study,intervention,outcome,comparison,measure,yi,vi\n");
    for (k, (_, key)) in included.iter().take(40).enumerate() {
        let (iv, oc) = cells[k % cells.len()];
        sheet.push_str(&format!(
            "src:{key},Study {k},{iv},{oc},vs usual care,SMD,{},{}\n",
            0.2 + (k % 7) as f64 * 0.05,
            0.02 + (k % 5) as f64 * 0.01
        ));
    }
    let sheet_path = tmp.path().join("effects.csv");
    std::fs::write(&sheet_path, sheet).expect("sheet");
    lacuna::pipeline::evidence::extract_import(&mut review, &protocol, &sheet_path)
        .expect("effects");
    living::snapshot(&mut review, &protocol, Some("bench 1")).expect("snapshot 1");
    drop(review);
    Setup {
        _tmp: tmp,
        review: dir,
        new_file,
        protocol,
    }
}

fn bench_living(c: &mut Criterion) {
    let s = setup();
    let mut g = c.benchmark_group("living");
    g.sample_size(10);
    g.bench_function("update_200_new_of_10000_and_snapshot", |b| {
        b.iter_batched(
            || {
                let t = tempfile::tempdir().expect("tempdir");
                let d = t.path().join("r");
                common::copy_dir(&s.review, &d);
                (t, d)
            },
            |(t, d)| {
                let mut review = Review::open(&d).expect("open");
                let r = living::update(
                    &mut review,
                    &s.protocol,
                    &Source::Files(vec![s.new_file.clone()]),
                    &UpdateOptions::default(),
                    &Silent,
                )
                .expect("update");
                assert_eq!(r.new, NEW as u64);
                living::snapshot(&mut review, &s.protocol, None).expect("snapshot");
                drop(review);
                t
            },
            BatchSize::PerIteration,
        );
    });
    // A review with both versions, for the diff.
    let t = tempfile::tempdir().expect("tempdir");
    let d = t.path().join("r");
    common::copy_dir(&s.review, &d);
    {
        let mut review = Review::open(&d).expect("open");
        living::update(
            &mut review,
            &s.protocol,
            &Source::Files(vec![s.new_file.clone()]),
            &UpdateOptions::default(),
            &Silent,
        )
        .expect("update");
        living::snapshot(&mut review, &s.protocol, None).expect("snapshot 2");
    }
    let review = Review::open(&d).expect("open");
    g.bench_function("diff_two_snapshots_of_10200_records", |b| {
        b.iter(|| {
            let diff = living::diff(&review, &s.protocol, None, None).expect("diff");
            assert_eq!(diff.records.new.len(), NEW);
            diff
        });
    });
    g.finish();
}

criterion_group!(benches, bench_living);
criterion_main!(benches);
