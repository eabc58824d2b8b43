//! Rules that certify recall with a random sample, screened up front:
//! the target method and QBCB.
//!
//! Both draw records at random from the whole collection, screen them
//! first, and keep their labels away from the ranker until the ranked
//! review reaches them. The ranked review then "passes" a sampled record
//! when its ranking picks it (it costs nothing then: it was screened
//! already). If the ranking has recall ρ at some point, each sampled
//! relevant record has been passed with probability ρ, independently of the
//! others, because the sample is random and the ranking never saw it.
//!
//! - **Target method** (Cormack & Grossman 2016, "Engineering quality and
//!   reliability in technology-assisted review", SIGIR): draw records until
//!   `k = ⌈−ln α / (1 − t)⌉` relevant ones are in the sample (the *target
//!   set*; 60 at t = 0.95, α = 0.05), then stop once the ranking has passed
//!   all of them. If recall were below t, passing all k would have
//!   probability below tᵏ ≤ e^{−k(1−t)} ≤ α.
//! - **QBCB**, the quantile binomial coefficient bound (Lewis, Yang &
//!   Frieder 2021, "Certifying one-phase technology-assisted reviews",
//!   CIKM): a simple random sample of fixed size holding r relevant records;
//!   stop once the ranking has passed the j-th of them, j the smallest with
//!   P(Bin(r, t) ≥ j) ≤ α. With recall ρ < t the passed count is Bin(r, ρ),
//!   stochastically smaller than Bin(r, t), so a stop with recall below t has
//!   probability at most α. When even j = r fails (tʳ > α: 59 relevant are
//!   needed at t = 0.95, α = 0.05), the sample cannot certify the target and
//!   the rule does not stop before every record is screened.
//!
//! The guarantee holds for the review as it was sampled: it fails if
//! sampled records are trained on before the ranking reaches them, if the
//! sample was not drawn at random from all records, or if records are added
//! after the draw (a living review's update needs a new sample).

use statrs::distribution::{Binomial, DiscreteCDF};

/// Share of the records QBCB samples (Lacuna's choice: a size the reviewer
/// can plan for; Lewis, Yang & Frieder fix the sample, not its size).
pub const QBCB_SHARE: f64 = 0.10;

/// The target set's size: `⌈−ln α / (1 − t)⌉` relevant records.
///
/// ```
/// use lacuna::screen::stop::sample::target_size;
/// assert_eq!(target_size(0.95, 0.05), 60); // −ln 0.05 / 0.05 = 59.9
/// assert_eq!(target_size(0.7, 0.05), 10);  // Cormack & Grossman's 70 % example
/// ```
pub fn target_size(target: f64, alpha: f64) -> usize {
    let k = (-alpha.ln() / (1.0 - target)).ceil();
    if k.is_finite() && k >= 1.0 {
        k as usize
    } else {
        1
    }
}

/// Records QBCB samples out of `n`.
pub fn qbcb_sample_size(n: usize) -> usize {
    ((n as f64 * QBCB_SHARE).ceil() as usize).clamp(1.min(n), n)
}

/// P(Bin(r, t) ≥ j).
fn upper_tail(r: usize, t: f64, j: usize) -> f64 {
    if j == 0 {
        return 1.0;
    }
    if j > r {
        return 0.0;
    }
    match Binomial::new(t, r as u64) {
        Ok(b) => b.sf(j as u64 - 1),
        Err(_) => f64::NAN,
    }
}

/// QBCB's cutoff: the smallest `j` (1 ≤ j ≤ r) with P(Bin(r, t) ≥ j) ≤ α,
/// `None` when no j works (the sample holds too few relevant records).
///
/// ```
/// use lacuna::screen::stop::sample::qbcb_j;
/// // 0.95^58 = 0.0510 > 0.05 ≥ 0.95^59 = 0.0485
/// assert_eq!(qbcb_j(58, 0.95, 0.05), None);
/// assert_eq!(qbcb_j(59, 0.95, 0.05), Some(59));
/// ```
pub fn qbcb_j(r: usize, target: f64, alpha: f64) -> Option<usize> {
    // the tail falls as j grows: bisect for the first j at or below α
    if r == 0 || upper_tail(r, target, r) > alpha {
        return None;
    }
    let (mut lo, mut hi) = (0usize, r); // tail(lo) > α (tail(0) = 1), tail(hi) ≤ α
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if upper_tail(r, target, mid) <= alpha {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

/// The lowest recall the sample does not rule out: the largest t with
/// P(Bin(r, t) ≥ passed) ≤ α (0 when nothing is passed), the bound QBCB
/// inverts.
pub fn recall_bound(r: usize, passed: usize, alpha: f64) -> f64 {
    if r == 0 || passed == 0 {
        return 0.0;
    }
    let (mut lo, mut hi) = (0.0f64, 1.0f64); // tail(lo) ≤ α < tail(hi)
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if upper_tail(r, mid, passed) <= alpha {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// How many of the sample's relevant records the ranking must pass, for a
/// sample-certified rule: all `k` of the target set, or QBCB's `j` of `r`.
pub fn needed(rule_is_target: bool, relevant: usize, target: f64, alpha: f64) -> Option<usize> {
    if rule_is_target {
        let k = target_size(target, alpha);
        (relevant >= k).then_some(k)
    } else {
        qbcb_j(relevant, target, alpha)
    }
}

/// One seeded run of a sample rule on a finished ranking, for simulations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleStop {
    /// Records screened in all when the rule stops: the ranked prefix plus
    /// the sampled records beyond it (every record if it never stops).
    pub cost: usize,
    /// Relevant records found by then, in the ranked prefix or in the
    /// sample (0 when the rule never stops: then every one is found).
    pub found: usize,
    /// Records sampled.
    pub sample: usize,
    /// Whether the rule stopped before every record was screened.
    pub stopped: bool,
}

/// Where a sample rule stops, given the ranked review's order of the records
/// (`pos[i]`: 1-based place of record `i` in the ranking, `None` if the
/// ranking never got to it before its last relevant record), the labels,
/// and the sample (records in the order drawn, `draw`; the target method
/// takes draws until its target set is complete, QBCB takes the first
/// [`qbcb_sample_size`] of `pool` records). `pool` is the number of records
/// the review screens (those not screened before the rules start).
pub fn stop_on_ranking(
    target_method: bool,
    pos: &[Option<usize>],
    labels: &[bool],
    draw: &[usize],
    pool: usize,
    target: f64,
    alpha: f64,
) -> SampleStop {
    let never = |sample: usize| SampleStop {
        cost: pool,
        found: 0,
        sample,
        stopped: false,
    };
    let sample: &[usize] = if target_method {
        let k = target_size(target, alpha);
        let mut got = 0;
        let mut end = draw.len();
        for (n, i) in draw.iter().enumerate() {
            if labels.get(*i) == Some(&true) {
                got += 1;
                if got == k {
                    end = n + 1;
                    break;
                }
            }
        }
        draw.get(..end).unwrap_or(draw)
    } else {
        draw.get(..qbcb_sample_size(pool).min(draw.len()))
            .unwrap_or(draw)
    };
    let mut rel_pos: Vec<usize> = sample
        .iter()
        .filter(|i| labels.get(**i) == Some(&true))
        .map(|i| pos.get(*i).copied().flatten().unwrap_or(usize::MAX))
        .collect();
    rel_pos.sort_unstable();
    let Some(need) = needed(target_method, rel_pos.len(), target, alpha) else {
        return never(sample.len());
    };
    let cut = match rel_pos.get(need - 1) {
        Some(&p) if p != usize::MAX => p,
        _ => return never(sample.len()),
    };
    let outside = sample
        .iter()
        .filter(|i| pos.get(**i).copied().flatten().is_none_or(|p| p > cut))
        .count();
    let in_prefix = pos
        .iter()
        .zip(labels)
        .filter(|(p, l)| **l && p.is_some_and(|p| p <= cut))
        .count();
    let sample_beyond = sample
        .iter()
        .filter(|i| {
            labels.get(**i) == Some(&true)
                && pos.get(**i).copied().flatten().is_none_or(|p| p > cut)
        })
        .count();
    SampleStop {
        cost: (cut + outside).min(pool),
        found: in_prefix + sample_beyond,
        sample: sample.len(),
        stopped: cut + outside < pool,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_sizes_by_hand() {
        // −ln(0.05) = 2.9957: /0.1 = 29.96 → 30, /0.01 = 299.6 → 300
        assert_eq!(target_size(0.9, 0.05), 30);
        assert_eq!(target_size(0.99, 0.05), 300);
        // −ln(0.2) = 1.609 / 0.05 = 32.2 → 33
        assert_eq!(target_size(0.95, 0.2), 33);
    }

    #[test]
    fn qbcb_cutoffs_by_hand() {
        // r = 20, t = 0.8: P(X ≥ 20) = 0.8^20 = 0.0115, P(X ≥ 19) = 0.0692
        assert_eq!(qbcb_j(20, 0.8, 0.05), Some(20));
        // r = 30, t = 0.8: P(X ≥ 28) = 0.0442, P(X ≥ 27) = 0.1227
        assert_eq!(qbcb_j(30, 0.8, 0.05), Some(28));
        // r = 13, t = 0.8: 0.8^13 = 0.055 > 0.05, 0.8^14 = 0.044
        assert_eq!(qbcb_j(13, 0.8, 0.05), None);
        assert_eq!(qbcb_j(14, 0.8, 0.05), Some(14));
        assert_eq!(qbcb_j(0, 0.8, 0.05), None);
    }

    #[test]
    fn the_bound_inverts_the_cutoff() {
        // passing j of r certifies t exactly when the bound is at least t
        for r in [14usize, 30, 60, 200] {
            let j = qbcb_j(r, 0.8, 0.05).expect("r large enough");
            assert!(recall_bound(r, j, 0.05) >= 0.8 - 1e-9, "r {r}");
            assert!(recall_bound(r, j - 1, 0.05) < 0.8, "r {r}");
        }
        // all 59 of 59 passed: 0.95^59 ≤ 0.05 so t = 0.95 is certified
        assert!(recall_bound(59, 59, 0.05) >= 0.95);
    }

    #[test]
    fn stops_where_the_needed_sampled_record_comes() {
        // 12 records, ranking order 0..12 (positions 1..=12); relevant 0, 1, 5, 9
        let labels: Vec<bool> = (0..12).map(|i| [0, 1, 5, 9].contains(&i)).collect();
        let pos: Vec<Option<usize>> = (0..12).map(|i| (i < 10).then_some(i + 1)).collect();
        // the target method with k = ⌈−ln 0.5 / 0.5⌉ = 2 at t = 0.5, α = 0.5:
        // draws 11 (irrelevant), 5, 3, 9 → target set {5, 9}
        let s = stop_on_ranking(true, &pos, &labels, &[11, 5, 3, 9, 0], 12, 0.5, 0.5);
        assert_eq!(target_size(0.5, 0.5), 2);
        // stops at position 10 (record 9); sample records beyond: 11 → cost 11
        assert_eq!(
            s,
            SampleStop {
                cost: 11,
                found: 4,
                sample: 4,
                stopped: true
            }
        );
        // a target set that cannot be completed: everything is screened
        let s = stop_on_ranking(true, &pos, &labels, &[11, 5], 12, 0.5, 0.5);
        assert_eq!((s.cost, s.stopped), (12, false));
    }
}
