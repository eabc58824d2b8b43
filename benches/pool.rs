//! Pooling speed (criterion): REML fits of k = 10 to 100,000 studies, 1,000
//! separate REML fits of k = 20 (re-pooling every cell of a gap map) with
//! rayon, and a whole `lacuna pool` analysis with every diagnostic.
//! Data are simulated with a fixed seed (no files). Run: `cargo bench --bench pool`.

#![expect(
    missing_docs,
    reason = "criterion_group! generates undocumented functions"
)]
#![expect(clippy::expect_used, reason = "a bench aborts on setup failure")]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use lacuna::meta::analysis::{analyse, Request};
use lacuna::meta::linalg::Design;
use lacuna::meta::{fit, Method, Options};
use lacuna::model::{EffectSize, Measure};
use rayon::prelude::*;

/// A small deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.next().max(1e-300), self.next());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

fn simulate(k: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut r = Rng(seed | 1);
    let tau = 0.3;
    (0..k)
        .map(|_| {
            let vi = 0.01 + 0.2 * r.next();
            (0.4 + tau * r.normal() + vi.sqrt() * r.normal(), vi)
        })
        .unzip()
}

fn benches(c: &mut Criterion) {
    let reml = Options {
        method: Method::REML,
        ..Options::default()
    };
    let mut g = c.benchmark_group("reml");
    for k in [10usize, 100, 1_000, 10_000, 100_000] {
        let (y, v) = simulate(k, 42 + k as u64);
        let d = Design::intercept(k);
        g.bench_with_input(BenchmarkId::from_parameter(k), &k, |b, _| {
            b.iter(|| fit(&y, &v, &d, &reml).expect("fit").tau2)
        });
    }
    g.finish();

    let cells: Vec<(Vec<f64>, Vec<f64>)> = (0..1000).map(|i| simulate(20, 7 + i)).collect();
    let d20 = Design::intercept(20);
    c.bench_function("reml_1000_fits_k20_rayon", |b| {
        b.iter(|| {
            cells
                .par_iter()
                .map(|(y, v)| fit(y, v, &d20, &reml).expect("fit").tau2)
                .sum::<f64>()
        })
    });

    let (y, v) = simulate(13, 3);
    let es: Vec<EffectSize> = y
        .iter()
        .zip(&v)
        .map(|(a, b)| EffectSize::new(*a, *b).expect("es"))
        .collect();
    let labels: Vec<String> = (1..=13).map(|i| format!("Study {i}")).collect();
    let years: Vec<f64> = (0..13).map(|i| 1990.0 + i as f64).collect();
    let req = Request {
        egger: true,
        trimfill: true,
        leave1out: true,
        cumulative: Some(("year".into(), years)),
        ..Request::default()
    };
    c.bench_function("pool_every_diagnostic_k13", |b| {
        b.iter(|| {
            let r = analyse(Measure::Rr, &labels, &es, &reml, &req).expect("analyse");
            let f = lacuna::report::svg::forest(&r, "bench", &Default::default());
            let u = lacuna::report::svg::funnel(&r, "bench");
            f.len() + u.len()
        })
    });
}

criterion_group!(pool, benches);
criterion_main!(pool);
