//! The hypergeometric test (Callaghan & Müller-Hansen 2020), the rule
//! Lacuna started with.
//!
//! [`buscar_p`] is the hypergeometric test of Callaghan & Müller-Hansen
//! (2020, "Statistical stopping criteria for automated screening in
//! systematic reviews", *Systematic Reviews* 9:273): for every run of the
//! most recently screened records, it asks how likely so few relevant records
//! would be among them if recall were still below the target, treating that
//! run as a random sample of the records not screened before it. Screening
//! in order of predicted relevance makes relevant records *more* likely
//! early, so the test is conservative under prioritisation; it is invalid if
//! records were skipped or screened in an order chosen to avoid relevant
//! ones. Pure functions of the screening sequence.

use std::cell::RefCell;

thread_local! {
    /// ln(m!) for m = 0, 1, …, grown on demand (one table per thread).
    static LN_FACT: RefCell<Vec<f64>> = RefCell::new(vec![0.0]);
}

/// ln C(n, k) from the table (k ≤ n ≤ table length − 1).
fn ln_choose(t: &[f64], n: u64, k: u64) -> f64 {
    let at = |m: u64| t.get(m as usize).copied().unwrap_or(f64::NAN);
    at(n) - at(k) - at(n - k)
}

/// P(X ≤ x) for X ~ Hypergeometric(population, successes k, draws). The
/// probability of x comes from a table of log factorials; the other terms
/// by the ratio of successive terms, summed from x away from the mode (the
/// lower tail when x is below the mode, else one minus the upper tail) and
/// stopped when what is left is below 1e-16 of the sum: a few terms each,
/// instead of three log-gammas per term.
fn hypergeom_cdf(pop: u64, k: u64, draws: u64, x: u64) -> f64 {
    let lo = (draws + k).saturating_sub(pop);
    let hi = k.min(draws);
    if x < lo {
        return 0.0;
    }
    if x >= hi {
        return 1.0;
    }
    LN_FACT.with(|cell| {
        let mut t = cell.borrow_mut();
        while (t.len() as u64) <= pop {
            let m = t.len() as f64;
            let last = t.last().copied().unwrap_or(0.0);
            t.push(last + m.ln());
        }
        let (kf, nf, pf) = (k as f64, draws as f64, pop as f64);
        // P(X = j + 1) / P(X = j)
        let up = |j: f64| (kf - j) * (nf - j) / ((j + 1.0) * (pf - kf - nf + j + 1.0));
        let p_at = |j: u64| {
            (ln_choose(&t, k, j) + ln_choose(&t, pop - k, draws - j) - ln_choose(&t, pop, draws))
                .exp()
        };
        let mode = ((nf + 1.0) * (kf + 1.0) / (pf + 2.0)).floor() as u64;
        if x < mode {
            // lower tail: terms shrink faster and faster going down
            let mut term = p_at(x);
            let mut sum = term;
            let mut j = x;
            while j > lo {
                let q = 1.0 / up((j - 1) as f64);
                term *= q;
                sum += term;
                j -= 1;
                if q < 1.0 && term * q / (1.0 - q) < 1e-16 * sum {
                    break;
                }
            }
            sum.min(1.0)
        } else {
            // one minus the upper tail, from x + 1 up
            let mut term = p_at(x + 1);
            let mut sum = term;
            let mut j = x + 1;
            while j < hi {
                let q = up(j as f64);
                term *= q;
                sum += term;
                j += 1;
                if q < 1.0 && term * q / (1.0 - q) < 1e-16 * sum {
                    break;
                }
            }
            (1.0 - sum).clamp(0.0, 1.0)
        }
    })
}

/// p-value of H0 "recall < `target`" after screening `seen` (true =
/// relevant, in screening order) out of `n_total` records. Stop when it is
/// below 1 − confidence.
///
/// ```
/// use lacuna::screen::stop::buscar_p;
/// // 10 relevant found early, then 980 irrelevant in a row, out of 1000:
/// // one missed relevant record would have shown up with probability 98/99
/// let mut seen = vec![true; 10];
/// seen.extend(vec![false; 980]);
/// assert!(buscar_p(&seen, 1000, 0.95) < 0.05);
/// // ... but not after only 20 irrelevant ones
/// assert!(buscar_p(&seen[..30], 1000, 0.95) > 0.05);
/// ```
pub fn buscar_p(seen: &[bool], n_total: usize, target: f64) -> f64 {
    buscar(seen, n_total, target, 0.0)
}

/// Whether the test says stop: [`buscar_p`] below `alpha`, found without
/// computing the p-value in full (it stops at the first run of records that
/// rejects, and, for `alpha` below 1/2, passes over the runs with more
/// relevant records than expected, whose p-values are at least 1/2).
///
/// ```
/// use lacuna::screen::stop::{buscar_p, buscar_stops};
/// let mut seen = vec![true; 10];
/// seen.extend(vec![false; 980]);
/// assert_eq!(buscar_stops(&seen, 1000, 0.95, 0.05), buscar_p(&seen, 1000, 0.95) < 0.05);
/// ```
pub fn buscar_stops(seen: &[bool], n_total: usize, target: f64, alpha: f64) -> bool {
    buscar(seen, n_total, target, alpha) < alpha
}

/// The smallest p-value over the runs of last records, or the first one
/// found below `enough`. With `enough` below 1/2 the runs whose p-value is
/// at least 1/2 are passed over, so the result then says only whether some
/// run is below `enough` (1 when none is).
fn buscar(seen: &[bool], n_total: usize, target: f64, enough: f64) -> f64 {
    let n_seen = seen.len();
    let r_seen = seen.iter().filter(|x| **x).count();
    if n_seen == 0 || n_total <= n_seen && r_seen > 0 {
        return if n_seen >= n_total { 0.0 } else { 1.0 };
    }
    if r_seen == 0 {
        return 1.0;
    }
    let r_min = (r_seen as f64 / target).floor() as u64 + 1; // fewest relevant if recall < target
    let mut best = 1.0f64;
    let mut r_al = 0u64; // relevant among the last i screened
    for (i, x) in seen.iter().rev().enumerate() {
        if *x {
            r_al += 1;
        }
        let draws = i as u64 + 1;
        let pop = (n_total - n_seen) as u64 + draws;
        // relevant that must be in this urn: all but those seen before it
        let k = r_min.saturating_sub(r_seen as u64 - r_al);
        if k > pop {
            return 0.0;
        }
        // P(X ≤ x) is at least 1/2 once x is a whole unit above the mean
        // (a hypergeometric median is within one of its mean): when only
        // p-values below `enough` < 1/2 matter, such runs can be passed over.
        if enough < 0.5 && r_al as f64 >= draws as f64 * k as f64 / pop as f64 + 1.0 {
            continue;
        }
        let p = hypergeom_cdf(pop, k, draws, r_al);
        if p < best {
            best = p;
            if best < enough {
                break;
            }
        }
    }
    best
}

/// How many more irrelevant records in a row would let the test stop
/// (`None` if even screening everything would not).
pub fn more_to_stop(seen: &[bool], n_total: usize, target: f64, alpha: f64) -> Option<usize> {
    let left = n_total.saturating_sub(seen.len());
    let ok = |m: usize| {
        let mut s = seen.to_vec();
        s.extend(std::iter::repeat_n(false, m));
        buscar_stops(&s, n_total, target, alpha)
    };
    if ok(0) {
        return Some(0);
    }
    if !ok(left) {
        return None;
    }
    let (mut lo, mut hi) = (0, left); // ok(hi), !ok(lo)
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if ok(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

/// Recall estimate: the lowest recall not rejected at `alpha` (a one-sided
/// lower bound), and a point estimate that extrapolates the relevance rate of
/// the last `window` screened records to those not screened.
pub fn recall_estimate(seen: &[bool], n_total: usize, alpha: f64, window: usize) -> (f64, f64) {
    let r = seen.iter().filter(|x| **x).count() as f64;
    if r == 0.0 {
        return (0.0, 0.0);
    }
    let mut lower = 0.0;
    let mut t = 0.99;
    while t > 0.0 {
        if buscar_stops(seen, n_total, t, alpha) {
            lower = t;
            break;
        }
        t -= 0.01;
    }
    let w = window.min(seen.len()).max(1);
    let recent = seen.iter().rev().take(w).filter(|x| **x).count() as f64;
    let missed = recent / w as f64 * n_total.saturating_sub(seen.len()) as f64;
    (lower, r / (r + missed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{DiscreteCDF, Hypergeometric};

    #[test]
    fn hypergeometric_cdf_matches_statrs() {
        for &(pop, k, draws) in &[
            (50u64, 10u64, 20u64),
            (1000, 30, 400),
            (6000, 547, 3000),
            (300, 290, 100),
            (40, 1, 39),
        ] {
            let d = Hypergeometric::new(pop, k, draws).expect("valid");
            for x in 0..=draws.min(k) {
                let (a, b) = (hypergeom_cdf(pop, k, draws, x), d.cdf(x));
                assert!(
                    (a - b).abs() <= 1e-9 * b.max(1e-300) + 1e-13,
                    "pop {pop} k {k} draws {draws} x {x}: {a} vs {b}"
                );
            }
        }
    }

    /// What `buscar` relies on to pass over runs: a whole unit above the
    /// mean, the CDF is at least 1/2.
    #[test]
    fn cdf_one_above_the_mean_is_at_least_a_half() {
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || crate::screen::xorshift(&mut rng);
        for _ in 0..20_000 {
            let pop = 2 + next() % 3000;
            let k = next() % (pop + 1);
            let draws = next() % (pop + 1);
            let mean = draws as f64 * k as f64 / pop as f64;
            let x = (mean + 1.0).ceil() as u64;
            let p = hypergeom_cdf(pop, k, draws, x);
            assert!(p >= 0.5, "pop {pop} k {k} draws {draws} x {x}: {p}");
        }
    }

    #[test]
    fn stopping_decision_agrees_with_the_p_value() {
        let mut rng = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || crate::screen::xorshift(&mut rng);
        let mut stops = 0;
        for _ in 0..200 {
            let n_total = 200 + (next() % 800) as usize;
            let n_seen = (next() % n_total as u64) as usize;
            // relevant records frequent early, rare late, as under ranking
            let seen: Vec<bool> = (0..n_seen)
                .map(|i| next() % 1000 < (300 * (n_seen - i) / n_seen.max(1)) as u64)
                .collect();
            for target in [0.8, 0.95] {
                let p = buscar_p(&seen, n_total, target);
                assert_eq!(
                    buscar_stops(&seen, n_total, target, 0.05),
                    p < 0.05,
                    "p = {p}"
                );
                stops += usize::from(p < 0.05);
            }
        }
        assert!(
            stops > 10 && stops < 390,
            "{stops} of 400 stopped: a poor test"
        );
    }
}
