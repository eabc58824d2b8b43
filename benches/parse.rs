//! Parser throughput (criterion): PubMed XML into full `Record`s on one core,
//! `.gz` with inflate on its own thread, and rayon across files.
//!
//! Needs `data/pubmed21n1298.xml.gz` (run `scripts/fetch-bench-data.sh`);
//! without it only the fixture benches run. Run: `cargo bench --bench parse`.

#![expect(
    missing_docs,
    reason = "criterion_group! generates undocumented functions"
)]
#![expect(clippy::expect_used, reason = "a bench aborts on setup failure")]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lacuna::model::Item;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

mod common;
use common::shared;

fn gunzip(p: &Path) -> Vec<u8> {
    let mut v = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(p).expect("open"))
        .read_to_end(&mut v)
        .expect("gunzip");
    v
}

type Reader = fn(
    &[u8],
    &mut dyn FnMut(Item) -> bool,
) -> Result<lacuna::parse::Warnings, lacuna::parse::ParseError>;

fn count_with(read: Reader, bytes: &[u8]) -> usize {
    let mut n = 0;
    read(bytes, &mut |i| {
        if let Item::Record(r) = i {
            n += usize::from(!r.title.is_empty() || r.abstract_text.is_some());
        }
        true
    })
    .expect("parse");
    n
}

/// The in-memory path (events borrow the document).
fn count_records(bytes: &[u8]) -> usize {
    count_with(lacuna::parse::pubmed::read_slice, bytes)
}

/// The streaming path (constant memory, events copied into a buffer).
fn count_records_streaming(bytes: &[u8]) -> usize {
    count_with(|b, sink| lacuna::parse::pubmed::read(b, sink), bytes)
}

fn bare_scan(bytes: &[u8]) -> usize {
    let mut r = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut n = 0;
    loop {
        buf.clear();
        match r.read_event_into(&mut buf).expect("xml") {
            quick_xml::events::Event::Eof => break,
            _ => n += 1,
        }
    }
    n
}

fn bare_scan_slice(bytes: &[u8]) -> usize {
    let mut r = quick_xml::Reader::from_reader(bytes);
    let mut n = 0;
    loop {
        match r.read_event().expect("xml") {
            quick_xml::events::Event::Eof => break,
            _ => n += 1,
        }
    }
    n
}

fn benches(c: &mut Criterion) {
    let small = gunzip(&shared().join("fixtures/pubmed/pmparser__pubmed26n1335.xml.gz"));
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(small.len() as u64));
    g.bench_function("fixture_1335_xml_records", |b| {
        b.iter(|| count_records(&small))
    });
    g.finish();

    let big = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/pubmed21n1298.xml.gz");
    if !big.is_file() {
        eprintln!("data/pubmed21n1298.xml.gz missing: run scripts/fetch-bench-data.sh for the NLM benches");
        return;
    }
    let xml = gunzip(&big);
    let mut g = c.benchmark_group("nlm_update_1298");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Bytes(xml.len() as u64));
    g.bench_function("xml_to_records_one_core", |b| {
        b.iter(|| count_records(&xml))
    });
    g.bench_function("xml_to_records_one_core_streaming", |b| {
        b.iter(|| count_records_streaming(&xml))
    });
    g.bench_function("bare_quick_xml_scan", |b| b.iter(|| bare_scan(&xml)));
    g.bench_function("bare_quick_xml_scan_slice", |b| {
        b.iter(|| bare_scan_slice(&xml))
    });
    g.bench_function("gz_file_to_records", |b| {
        b.iter(|| {
            let mut n = 0usize;
            lacuna::parse::open::read_file(&big, &mut |_| {
                n += 1;
                true
            })
            .expect("parse");
            n
        })
    });
    g.bench_function("gz_inflate_only", |b| {
        b.iter(|| {
            let mut d = flate2::read::MultiGzDecoder::new(std::fs::File::open(&big).expect("open"));
            std::io::copy(&mut d, &mut std::io::sink()).expect("inflate")
        })
    });
    g.finish();

    // rayon across files: the same file twice, in parallel, against twice in a row.
    let plain = std::env::temp_dir().join("lacuna-bench-1298.xml");
    std::fs::write(&plain, &xml).expect("write temp");
    let files = vec![plain.clone(), plain.clone()];
    let mut g = c.benchmark_group("files_2x_1298");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Bytes(2 * xml.len() as u64));
    g.bench_function("rayon_parallel", |b| {
        b.iter(|| lacuna::pipeline::parse_parallel(&files, |_, _| {}).len())
    });
    g.bench_function("sequential", |b| {
        b.iter(|| {
            for f in &files {
                lacuna::parse::open::read_file(f, &mut |_| true).expect("parse");
            }
        })
    });
    g.finish();
    let _ = std::fs::remove_file(plain);
}

criterion_group!(parse, benches);
criterion_main!(parse);
