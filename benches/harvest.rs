//! Harvest and import speed (criterion). Issue targets: requests per 10,000
//! records = 1 esearch + ceil(N / 500) efetch; sustained rate within 5 % of
//! the allowed rate with zero 429s; parse+store per batch < 10 % of the
//! interval between requests; RIS import of 100,000 records >= 50,000
//! records/s; dedup of 100,000 records against 1,000,000 in < 10 s.
//!
//! The harvest runs the real client against the loopback E-utilities
//! server of the tests (recorded articles renumbered to 10,000 PMIDs) at the
//! API-key rate (10/s) into a real review. Run: `cargo bench --bench harvest`.

#![expect(
    missing_docs,
    reason = "criterion_group! generates undocumented functions"
)]
#![expect(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::indexing_slicing,
    reason = "a bench aborts on setup failure and prints its figures"
)]

use criterion::{criterion_group, criterion_main, Criterion};
use lacuna::harvest::{Client, Config, RateLimiter};
use lacuna::model::dedup::{find, DedupKey};
use lacuna::model::Pmid;
use lacuna::pipeline::harvest::{harvest, HarvestSpec};
use lacuna::progress::Silent;
use lacuna::store::harvest::HarvestStart;
use lacuna::store::Review;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;
#[path = "../tests/it/eutils_server.rs"]
mod eutils_server;

fn bench_harvest(c: &mut Criterion) {
    let server = eutils_server::Server::start(&common::shared().join("fixtures/pubmed"));
    server.add_synthetic("bench", 30_000_000, 10_000, "2020/01/01");
    let limiter = Arc::new(RateLimiter::new(10));
    let mut g = c.benchmark_group("harvest");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(30));
    let mut last: Option<(usize, f64)> = None;
    g.bench_function("10k_records_at_10_per_s", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let tmp = tempfile::tempdir().unwrap();
                let mut review = Review::init(&tmp.path().join("r")).unwrap();
                let client = Client::new(Config {
                    base_url: server.url(),
                    api_key: Some("bench".into()),
                    limiter: Some(limiter.clone()),
                    ..Config::default()
                })
                .unwrap();
                let before = server.log().len();
                let t = Instant::now();
                let spec = HarvestSpec {
                    name: "bench".into(),
                    term: "bench".into(),
                    ..HarvestSpec::default()
                };
                let rep = harvest(&mut review, &client, &spec, &Silent).unwrap();
                let el = t.elapsed();
                total += el;
                assert_eq!(rep.new, 10_000);
                let log = server.log();
                let mine = &log[before..];
                let n = mine.len();
                let span = mine[n - 1].at.duration_since(mine[0].at).as_secs_f64();
                let rate = (n - 1) as f64 / span;
                assert!(mine.iter().all(|l| l.status == 200), "a 429 or error");
                last = Some((n, rate));
            }
            total
        })
    });
    // Parse + store of one 500-record efetch reply (the work done between two
    // requests), against the 100 ms (10/s) and 333 ms (3/s) request interval.
    let mut body = String::from("<?xml version=\"1.0\" ?>\n<PubmedArticleSet>\n");
    for i in 0..500u64 {
        let (orig, xml) = &server.templates()[i as usize % server.templates().len()];
        body.push_str(&xml.replace(&format!(">{orig}<"), &format!(">{}<", 50_000_000 + i)));
        body.push('\n');
    }
    body.push_str("</PubmedArticleSet>\n");
    let pmids: Vec<Pmid> = (0..500u64)
        .map(|i| Pmid::new(50_000_000 + i).unwrap())
        .collect();
    // The floor under the next figure: parsing the same reply alone.
    g.throughput(criterion::Throughput::Bytes(body.len() as u64));
    g.bench_function("parse_one_500_record_batch", |b| {
        b.iter(|| {
            let mut n = 0usize;
            lacuna::parse::pubmed::read_slice(body.as_bytes(), &mut |_| {
                n += 1;
                true
            })
            .unwrap();
            assert_eq!(n, 500);
        })
    });
    g.bench_function("parse_and_store_one_500_record_batch", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let dir = tempfile::tempdir().unwrap();
                let mut review = Review::init(&dir.path().join("r")).unwrap();
                lacuna::store::index::rebuild(&review, &Silent).unwrap();
                let start = HarvestStart {
                    name: "bench",
                    term: "bench",
                    mode: "full",
                    window_from: None,
                    translation: None,
                    count: 500,
                    webenv: None,
                    query_key: None,
                    batch: 500,
                    day: 0,
                };
                review.start_harvest(&start, &pmids).unwrap();
                let row = review.harvests().unwrap().remove(0);
                let mut updater = lacuna::store::index::Updater::open(&review).unwrap();
                // What the harvest does between two requests: parse the reply,
                // store it with its progress, hand the records to the index writer.
                let t = Instant::now();
                let mut items = Vec::with_capacity(500);
                lacuna::parse::pubmed::read_slice(body.as_bytes(), &mut |it| {
                    items.push(it);
                    true
                })
                .unwrap();
                let stored = review
                    .store_harvest_batch(&row, &pmids, &items, &[])
                    .unwrap();
                for (id, i) in &stored.upserted {
                    if let lacuna::model::Item::Record(r) = &items[*i] {
                        updater.upsert(*id, r).unwrap();
                    }
                }
                total += t.elapsed();
                assert_eq!(stored.counts.new, 500);
                updater.rollback().unwrap();
            }
            total
        })
    });
    g.finish();
    if let Some((n, rate)) = last {
        println!(
            "harvest 10,000 records: {n} requests (minimum 1 + 20 = 21), sustained {rate:.3} requests/s (allowed 10), no 429"
        );
    }
}

fn ris_text(n: usize) -> String {
    let mut s = String::with_capacity(n * 700);
    for i in 0..n {
        s.push_str(&format!(
            "TY  - JOUR\nTI  - Mentalization-based treatment for borderline personality disorder: trial {i}\n\
             AU  - Bateman, Anthony W.\nAU  - Fonagy, Peter\nPY  - {}\nT2  - American Journal of Psychiatry\n\
             VL  - 166\nIS  - 12\nSP  - 1355\nEP  - 1364\nDO  - 10.1176/appi.ajp.{i}\n\
             AB  - Randomised trial of outpatient mentalization-based treatment versus structured clinical \
             management for people with a diagnosis of borderline personality disorder; self-harm and \
             hospital admissions fell in both arms, more steeply with MBT.\nKW  - mentalization\nKW  - self-harm\nER  - \n\n",
            1990 + i % 35
        ));
    }
    s
}

fn bench_ris(c: &mut Criterion) {
    let text = ris_text(100_000);
    let mut g = c.benchmark_group("import_ris");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.throughput(criterion::Throughput::Elements(100_000));
    g.bench_function("parse_100k", |b| {
        b.iter(|| {
            let mut n = 0usize;
            lacuna::parse::refs::read_ris(text.as_bytes(), &mut |_| {
                n += 1;
                true
            })
            .unwrap();
            assert_eq!(n, 100_000);
        })
    });
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("big.ris");
    std::fs::write(&file, &text).unwrap();
    g.bench_function("import_100k_into_a_review", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let dir = tempfile::tempdir().unwrap();
                let mut review = Review::init(&dir.path().join("r")).unwrap();
                let t = Instant::now();
                lacuna::pipeline::import(&mut review, std::slice::from_ref(&file), &Silent)
                    .unwrap();
                total += t.elapsed();
            }
            total
        })
    });
    g.finish();
}

/// A pseudo-random title of 10 words from a 4,096-word vocabulary of
/// made-up words (seeded, so every run sees the same data).
fn title(seed: u64) -> String {
    const SYL: [&str; 16] = [
        "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "be", "da", "fe", "go", "hu", "ji", "pe",
        "zu",
    ];
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut words = Vec::with_capacity(10);
    for _ in 0..10 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let w = (x >> 20) as usize;
        words.push(format!(
            "{}{}{}",
            SYL[w % 16],
            SYL[(w >> 4) % 16],
            SYL[(w >> 8) % 16]
        ));
    }
    words.join(" ")
}

/// One of 50,021 made-up surnames (letters only, as names are compared).
fn surname(j: usize) -> String {
    let t = title((j % 50_021) as u64 + 7_777_777);
    t.split(' ').take(2).collect::<Vec<_>>().join("")
}

fn bench_dedup(c: &mut Criterion) {
    let key = |id: usize, j: usize| {
        DedupKey::new(
            id as i64,
            None,
            j.is_multiple_of(3)
                .then(|| format!("10.1000/x.{j}"))
                .as_deref(),
            &title(j as u64),
            Some(1980 + (j % 45) as i32),
            Some(&format!("{} AB", surname(j))),
        )
    };
    let existing: Vec<DedupKey> = (0..1_000_000).map(|i| key(i, i)).collect();
    // 100,000 new records; a tenth are another database's copy of an existing
    // record (no DOI, title in upper case with a trailing full stop).
    let new: Vec<DedupKey> = (0..100_000usize)
        .map(|i| {
            if i.is_multiple_of(10) {
                let j = i * 7;
                DedupKey::new(
                    (1_000_000 + i) as i64,
                    None,
                    None,
                    &format!("{}.", title(j as u64).to_uppercase()),
                    Some(1980 + (j % 45) as i32),
                    Some(&format!("{}, A", surname(j))),
                )
            } else {
                key(1_000_000 + i, 2_000_000 + i)
            }
        })
        .collect();
    let mut g = c.benchmark_group("dedup");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(30));
    g.bench_function("100k_against_1m", |b| {
        b.iter(|| {
            let pairs = find(&new, &existing);
            assert!(pairs.iter().filter(|p| p.certain).count() >= 10_000);
            pairs.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench_harvest, bench_ris, bench_dedup);
criterion_main!(benches);
