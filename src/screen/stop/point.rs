//! A point-process estimate of the relevant records left (Sneyd & Stevenson
//! 2021, "Modelling stopping criteria for search results using Poisson
//! processes", EMNLP; Stevenson & Bin-Hezam 2023, "Stopping methods for
//! technology-assisted reviews based on point processes", ACM TOIS).
//!
//! The relevant records met along the ranking are modelled as an
//! inhomogeneous Poisson process with the papers' exponential rate
//! λ(x) = a·e^{−kx} at rank x (written here e^{α+βx}). The rate is fitted to
//! the records screened so far; the relevant records left are then Poisson
//! with mean μ = ∫ₙᴺ λ (n screened of N), and the most there could be is
//! the Poisson quantile q of μ at the confidence. Screening may stop once
//! the relevant records found, f, are at least the recall target times
//! f + q.
//!
//! As in the papers, the check runs at every 2.5 % of the records and only
//! once 20 relevant records have been found. Two departures, both because
//! the records already screened are counted, not estimated: the papers fit
//! the rate by least squares to the relevance rates of ten windows, Lacuna
//! by maximum likelihood of the Poisson process itself (closed form in α,
//! one equation in β; no windows); and the papers take the quantile of the
//! whole ranking's total, Lacuna of the records left, added to those found.
//!
//! Its guarantee is a model's: it holds when relevant records do thin out
//! along the ranking as an exponential rate says. It is not a distribution-
//! free bound like the hypergeometric test or the sample rules; the fitted
//! parameters' own uncertainty is not in the bound.

use statrs::distribution::{DiscreteCDF, Poisson};

/// Share of the records between checks.
pub const CHECK_EVERY: f64 = 0.025;
/// Relevant records to find before the rule may stop.
pub const MIN_RELEVANT: usize = 20;

/// A fitted rate λ(x) = e^{α + βx}, over ranks `[0, n]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// Relevant records in `[0, n]`.
    pub k: usize,
    /// Records screened.
    pub n: usize,
    /// β·n: the rate's change over the screened records, on the log scale
    /// (negative: relevant records are thinning out).
    pub u: f64,
}

/// Mean of the truncated exponential density ∝ e^{ux} on [0, 1].
fn mean_at(u: f64) -> f64 {
    if u.abs() < 1e-6 {
        0.5 + u / 12.0
    } else {
        // 1/(1 − e^{−u}) − 1/u, written for both signs without overflow
        -1.0 / (-u).exp_m1() - 1.0 / u
    }
}

/// Fit the rate to a screening sequence by maximum likelihood: the record
/// at 0-based place i sits at rank i + ½. With k relevant records at mean
/// rank x̄, the likelihood's maximum in β solves mean(β) = x̄ (the mean of
/// the rate's density over [0, n]), and then ∫₀ⁿ λ = k. `None` without a
/// relevant record.
pub fn fit(seen: &[bool]) -> Option<Fit> {
    let n = seen.len();
    let k = seen.iter().filter(|x| **x).count();
    if k == 0 || n == 0 {
        return None;
    }
    let sum: f64 = seen
        .iter()
        .enumerate()
        .filter(|(_, x)| **x)
        .map(|(i, _)| i as f64 + 0.5)
        .sum();
    // mean rank over n, in (0, 1); mean_at rises from 0 (u → −∞) to 1
    // (u → ∞): bisect
    let m = sum / k as f64 / n as f64;
    let (mut lo, mut hi) = (-700.0f64, 700.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mean_at(mid) < m {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(Fit {
        k,
        n,
        u: 0.5 * (lo + hi),
    })
}

impl Fit {
    /// Expected relevant records over ranks `(n, n_total]`: ∫ₙᴺ λ, at most
    /// the records left.
    pub fn expected_left(&self, n_total: usize) -> f64 {
        let left = n_total.saturating_sub(self.n) as f64;
        if left == 0.0 {
            return 0.0;
        }
        let (k, n, u) = (self.k as f64, self.n as f64, self.u);
        let v_minus_u = u * left / n; // β(N − n)
        let e = if u.abs() < 1e-9 {
            k * left / n
        } else {
            // k·e^{u}(e^{β(N−n)} − 1)/(e^{u} − 1), by ∫₀ⁿ λ = k
            k * (u.exp() * v_minus_u.exp_m1() / u.exp_m1())
        };
        if e.is_finite() {
            e.clamp(0.0, left)
        } else {
            left
        }
    }
}

/// Smallest q with P(Poisson(μ) ≤ q) ≥ p.
pub fn poisson_quantile(mu: f64, p: f64) -> u64 {
    if mu <= 0.0 || !mu.is_finite() {
        return 0;
    }
    let Ok(d) = Poisson::new(mu) else {
        return 0;
    };
    // start below the quantile and walk up
    let mut q = (mu - 10.0 * mu.sqrt() - 10.0).max(0.0) as u64;
    while q > 0 && d.cdf(q) >= p {
        q /= 2;
    }
    while d.cdf(q) < p {
        q += 1;
    }
    q
}

/// The rule's reading of a screening sequence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Relevant records found.
    pub found: usize,
    /// Expected relevant records in all (found + expected left).
    pub expected: f64,
    /// Found plus the Poisson quantile of those left, at the confidence.
    pub upper: u64,
}

impl Estimate {
    /// Recall point estimate.
    pub fn recall(&self) -> f64 {
        if self.expected > 0.0 {
            (self.found as f64 / self.expected).min(1.0)
        } else {
            0.0
        }
    }
    /// Recall bound: found over the quantile.
    pub fn bound(&self) -> f64 {
        if self.upper > 0 {
            (self.found as f64 / self.upper as f64).min(1.0)
        } else {
            0.0
        }
    }
}

/// Fit and bound after `seen` (in screening order) out of `n_total`.
pub fn estimate(seen: &[bool], n_total: usize, alpha: f64) -> Option<Estimate> {
    let f = fit(seen)?;
    let left = f.expected_left(n_total);
    let expected = f.k as f64 + left;
    let upper = f.k as u64 + poisson_quantile(left, 1.0 - alpha);
    Some(Estimate {
        found: f.k,
        expected,
        upper,
    })
}

/// Records between checks, out of `n_total`.
pub fn check_every(n_total: usize) -> usize {
    ((n_total as f64 * CHECK_EVERY).round() as usize).max(1)
}

/// Whether the rule's check at this point passes (whatever the checkpoint).
fn passes(seen: &[bool], n_total: usize, target: f64, alpha: f64) -> bool {
    if seen.iter().filter(|x| **x).count() < MIN_RELEVANT {
        return false;
    }
    estimate(seen, n_total, alpha).is_some_and(|e| e.found as f64 >= target * e.upper as f64)
}

/// The first checkpoint (records screened, a multiple of [`check_every`],
/// or `seen.len()` once everything is screened) at which the rule stops,
/// reading `seen` as the screening so far.
pub fn first_stop(seen: &[bool], n_total: usize, target: f64, alpha: f64) -> Option<usize> {
    let step = check_every(n_total);
    let mut c = step;
    while c <= seen.len() {
        if passes(seen.get(..c).unwrap_or(seen), n_total, target, alpha) {
            return Some(c);
        }
        c += step;
    }
    (seen.len() >= n_total).then_some(seen.len())
}

/// Whether the rule says stop after `seen`: at some checkpoint so far.
pub fn stops(seen: &[bool], n_total: usize, target: f64, alpha: f64) -> bool {
    first_stop(seen, n_total, target, alpha).is_some()
}

/// How many more irrelevant records in a row would let the rule stop (the
/// next checkpoints, read with irrelevant records added); `None` if not
/// before every record is screened.
pub fn more_to_stop(seen: &[bool], n_total: usize, target: f64, alpha: f64) -> Option<usize> {
    if stops(seen, n_total, target, alpha) {
        return Some(0);
    }
    let step = check_every(n_total);
    let mut s = seen.to_vec();
    let mut c = (seen.len() / step + 1) * step;
    while c <= n_total {
        s.resize(c, false);
        if passes(&s, n_total, target, alpha) {
            return Some(c - seen.len());
        }
        c += step;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_spacing_fits_a_flat_rate() {
        // two relevant records in every 10, mean rank n/2: flat rate 0.2
        let seen: Vec<bool> = (0..200).map(|i| i % 10 == 4 || i % 10 == 5).collect();
        let f = fit(&seen).expect("fit");
        assert!(f.u.abs() < 1e-9, "{f:?}");
        // 800 records left at 0.2 → 160 expected
        let left = f.expected_left(1000);
        assert!((left - 160.0).abs() < 1e-6, "{left}");
        // f = 40, q = Poisson(160)'s 95 % quantile
        let e = estimate(&seen, 1000, 0.05).expect("estimate");
        assert_eq!(e.upper, 40 + poisson_quantile(160.0, 0.95));
    }

    #[test]
    fn the_fit_solves_the_likelihood_equation() {
        // relevant at 0..10 and 20, 40: the fitted density's mean equals x̄
        let mut seen = vec![false; 100];
        for i in (0..10).chain([20, 40]) {
            seen[i] = true;
        }
        let f = fit(&seen).expect("fit");
        let xbar = ((0..10).map(|i| i as f64 + 0.5).sum::<f64>() + 20.5 + 40.5) / 12.0;
        assert!((mean_at(f.u) * 100.0 - xbar).abs() < 1e-6);
        assert!(f.u < 0.0, "thinning out: {f:?}");
        // by hand: ∫ₙᴺ λ = k e^u (e^{u(N−n)/n} − 1)/(e^u − 1)
        let by_hand = 12.0 * f.u.exp() * ((f.u * 9.0).exp() - 1.0) / (f.u.exp() - 1.0);
        assert!((f.expected_left(1000) - by_hand).abs() < 1e-9);
    }

    #[test]
    fn poisson_quantiles_by_hand() {
        // Poisson(1): P(≤ 2) = 0.9197, P(≤ 3) = 0.9810
        assert_eq!(poisson_quantile(1.0, 0.95), 3);
        // Poisson(20): P(≤ 27) = 0.9475, P(≤ 28) = 0.9657
        assert_eq!(poisson_quantile(20.0, 0.95), 28);
        assert_eq!(poisson_quantile(0.0, 0.95), 0);
        let big = poisson_quantile(10_000.0, 0.95);
        assert!((10_160..=10_170).contains(&big), "{big}");
    }

    #[test]
    fn stops_only_with_enough_relevant_and_at_checkpoints() {
        // 25 relevant in the first 50 of 2000, then nothing
        let mut seen = vec![true; 25];
        seen.extend(vec![false; 975]);
        let at = first_stop(&seen, 2000, 0.95, 0.05).expect("stops");
        assert_eq!(at % check_every(2000), 0);
        // fewer than 20 relevant: never
        let mut few = vec![true; 19];
        few.extend(vec![false; 1981]);
        assert_eq!(first_stop(&few, 2000, 0.95, 0.05), Some(2000));
        assert!(!stops(&few[..1000], 2000, 0.95, 0.05));
        assert_eq!(more_to_stop(&few[..1000], 2000, 0.95, 0.05), None);
        // a flat rate never thins out: no stop before the end
        let flat: Vec<bool> = (0..1000).map(|i| i % 20 == 0).collect();
        assert!(!stops(&flat, 2000, 0.95, 0.05));
        // irrelevant records added to the first 100 reach the same checkpoint
        let m = more_to_stop(&seen[..100], 2000, 0.95, 0.05).expect("reachable");
        assert_eq!(100 + m, at.max(100));
    }
}
