//! Coding and map speed (criterion). Issue targets: coding 1 million records
//! with the CEN framework (647 rules in 45 categories, more than the 200 the
//! issue names) in under 60 s on 2 cores, and building and writing the gap map
//! for 10,000 studies in under 1 s.
//!
//! Records are the real titles and abstracts of the six labelled screening
//! datasets in ../shared/fixtures/screening (7,206 records), repeated to reach
//! 1,000,000. The 10,000 map studies are coded with categories drawn by a
//! fixed-seed generator. Run: `cargo bench --bench code`.

#![expect(
    missing_docs,
    reason = "criterion_group! generates undocumented functions"
)]
#![expect(
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a bench aborts on setup failure"
)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lacuna::code::{Code, Coder, Coding};
use lacuna::gapmap::{assemble, build, CodedRecord, Filter, Paper};
use lacuna::model::Record;
use lacuna::protocol::DimensionKind;
use rayon::prelude::*;
use std::path::Path;

mod common;

fn real_records() -> Vec<Record> {
    common::screening_records()
        .into_iter()
        .map(|r| Record {
            title: r.title,
            abstract_text: (!r.abstract_text.is_empty()).then_some(r.abstract_text),
            ..Default::default()
        })
        .collect()
}

fn protocol() -> lacuna::protocol::Protocol {
    lacuna::protocol::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("protocols/complex-emotional-needs.toml"),
    )
    .expect("protocol")
}

fn bench_code(c: &mut Criterion) {
    let p = protocol();
    let coder = Coder::new(&p.frame);
    let base = real_records();
    let mut g = c.benchmark_group("code");
    g.sample_size(10);
    g.throughput(Throughput::Elements(base.len() as u64));
    g.bench_function("real_7206_records_rayon", |b| {
        b.iter(|| {
            base.par_iter()
                .map(|r| coder.code(r).codes.len())
                .sum::<usize>()
        })
    });
    let million: Vec<&Record> = base.iter().cycle().take(1_000_000).collect();
    g.throughput(Throughput::Elements(million.len() as u64));
    g.bench_function("one_million_records_rayon", |b| {
        b.iter(|| {
            million
                .par_iter()
                .map(|r| coder.code(r).codes.len())
                .sum::<usize>()
        })
    });
    g.finish();
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn bench_map(c: &mut Criterion) {
    let p = protocol();
    let ids = |d| p.frame.of(d).map(|c| c.id.clone()).collect::<Vec<_>>();
    let dims = DimensionKind::ALL.map(|d| (d, ids(d)));
    let mut rng = Rng(0x5eed);
    let records: Vec<CodedRecord> = (0..10_000)
        .map(|i| {
            let mut codes = Vec::new();
            for (d, list) in &dims {
                for _ in 0..1 + rng.next() % 2 {
                    let cat = &list[(rng.next() % list.len() as u64) as usize];
                    codes.push(Code {
                        dimension: d.as_str().into(),
                        category: cat.clone(),
                        score: 1.0,
                        evidence: Vec::new(),
                    });
                }
            }
            CodedRecord {
                id: i,
                paper: Paper {
                    key: format!("pmid:{}", 10_000_000 + i),
                    pmid: Some(10_000_000 + i as u64),
                    doi: None,
                    title: format!("Study {i}"),
                    year: Some(1990 + (i % 35) as i32),
                    first_author: Some(format!("Author{i} A")),
                    journal: None,
                    sheet_label: None,
                    retracted: false,
                },
                coding: Coding {
                    codes,
                    ..Default::default()
                },
                link: None,
                n: Some(20.0 + (rng.next() % 300) as f64),
            }
        })
        .collect();
    let out = tempfile::tempdir().expect("tmp");
    c.bench_function("map/build_and_write_10000_studies", |b| {
        b.iter(|| {
            let studies = assemble(records.clone(), &p.frame);
            let m = build(
                (p.id.clone(), p.title.clone(), p.version.clone()),
                &p.frame,
                &p.map,
                studies,
                Vec::new(),
                Filter::default(),
            );
            std::fs::write(
                out.path().join("gapmap.html"),
                lacuna::report::gapmap::html(&m),
            )
            .expect("write");
            std::fs::write(
                out.path().join("gapmap.svg"),
                lacuna::report::gapmap::svg(&m),
            )
            .expect("write");
            std::fs::write(
                out.path().join("gapmap-cells.csv"),
                lacuna::report::gapmap::csv(&m),
            )
            .expect("write");
            std::fs::write(
                out.path().join("gapmap.json"),
                serde_json::to_string(&m).expect("json"),
            )
            .expect("write");
            m.cells.len()
        })
    });
}

criterion_group!(benches, bench_code, bench_map);
criterion_main!(benches);
