//! The scores the last ranking kept, with the weights they were computed
//! with, so that the next ranking moves them by the change in the weights
//! (walking the columns of the features whose weight changed) instead of
//! scoring every record anew; every [`FULL_RESCORE_EVERY`]th ranking scores
//! them all anew, which bounds the rounding the sums pick up.

use super::Linear;
use crate::screen::features::Features;

/// Rescorings by the change in the weights between two full scorings of
/// every row (see `Ranker::rank`).
pub(super) const FULL_RESCORE_EVERY: usize = 100;

/// Every row's score under the weights of the last ranking.
#[derive(Debug, Clone, Default)]
pub(super) struct Kept {
    /// Every row's score, when `fresh`.
    pub(super) margin: Vec<f32>,
    /// Whether the weights are those of the last ranking (no retrain since).
    pub(super) fresh: bool,
    /// The weights `margin` was computed with (shared features only).
    w: Vec<f32>,
    b: f32,
    own: Vec<f32>,
    own_w: f32,
    /// Rescorings by the change since every row was last scored in full.
    pub(super) since_full: usize,
}

impl Kept {
    /// The kept scores, if the weights have not changed since (by row of `f`).
    pub(super) fn scores(&self, f: &Features) -> Option<&[f32]> {
        (self.fresh && self.margin.len() == f.len()).then_some(self.margin.as_slice())
    }

    /// Score every row anew, in parallel, and remember the weights used.
    pub(super) fn rescore_all(&mut self, lin: &Linear, f: &Features) {
        use rayon::prelude::*;
        let mut margin = std::mem::take(&mut self.margin);
        margin.resize(f.len(), 0.0);
        margin
            .par_iter_mut()
            .enumerate()
            .with_min_len(1024)
            .for_each(|(i, m)| *m = lin.score(f, i));
        self.margin = margin;
        self.w.clear();
        self.w
            .extend_from_slice(lin.w.get(..f.shared).unwrap_or(&lin.w));
        self.b = lin.b;
        self.own.clone_from(&lin.own);
        self.own_w = lin.own_w;
        self.since_full = 0;
    }

    /// Move the kept scores by the change in the weights since they were
    /// computed, walking only the columns of the features whose weight
    /// changed (after a label in a session converged on 1,000 labels, about a
    /// tenth of the matrix; during a simulation, where each label moves many
    /// weights, nearly half; never more than the whole). Returns false,
    /// having changed nothing, when there are no kept scores for `f` or after
    /// [`FULL_RESCORE_EVERY`] such moves (which bounds the rounding the sums
    /// pick up).
    pub(super) fn rescore_change(&mut self, lin: &Linear, f: &Features) -> bool {
        if self.margin.len() != f.len()
            || self.w.len() != f.shared.min(lin.w.len())
            || self.own.len() != lin.own.len()
            || self.since_full >= FULL_RESCORE_EVERY
        {
            return false;
        }
        // Changed weights, compared a block at a time (most blocks are equal).
        let mut changed: Vec<usize> = Vec::new();
        let now = lin.w.get(..self.w.len()).unwrap_or(&[]);
        for (k, (a, b)) in now.chunks(64).zip(self.w.chunks(64)).enumerate() {
            if a.iter()
                .zip(b)
                .fold(0, |m, (x, y)| m | (x.to_bits() ^ y.to_bits()))
                != 0
            {
                changed.extend(
                    a.iter()
                        .zip(b)
                        .enumerate()
                        .filter(|(_, (x, y))| x.to_bits() != y.to_bits())
                        .map(|(c, _)| k * 64 + c),
                );
            }
        }
        // Two halves of about equal work, each adding into its own array, then
        // summed in order: the same scores whatever the number of threads.
        // (On the 6,000-record simulation this is 3 % faster than one thread:
        // a step's change is a fraction of a millisecond of work.)
        let work = |c: usize| match (f.col_start.get(c), f.col_start.get(c + 1)) {
            (Some(a), Some(b)) => b - a,
            _ => 0,
        };
        let total: usize = changed.iter().map(|c| work(*c)).sum();
        let mut half = changed.len();
        let mut acc = 0;
        for (k, c) in changed.iter().enumerate() {
            acc += work(*c);
            if acc * 2 >= total {
                half = k + 1;
                break;
            }
        }
        let (first, second) = changed.split_at(half.min(changed.len()));
        let delta = |cols: &[usize]| {
            let mut d = vec![0.0f32; f.len()];
            for &c in cols {
                let (Some(w), Some(was)) = (lin.w.get(c), self.w.get(c)) else {
                    continue;
                };
                f.add_column(c, w - was, &mut d);
            }
            d
        };
        let (d1, d2) = rayon::join(|| delta(first), || delta(second));
        for &c in &changed {
            if let (Some(w), Some(was)) = (lin.w.get(c), self.w.get_mut(c)) {
                *was = *w;
            }
        }
        for ((m, a), b) in self.margin.iter_mut().zip(&d1).zip(&d2) {
            *m += a + b;
        }
        let db = lin.b - self.b;
        let dw = lin.own_w - self.own_w;
        for (i, m) in self.margin.iter_mut().enumerate() {
            let own_sq = f.own_sq.get(i).copied().unwrap_or(0.0);
            let own_sum = f.own_sum.get(i).copied().unwrap_or(0.0);
            let d_own = match (lin.own.get(i), self.own.get_mut(i)) {
                (Some(now), Some(was)) => {
                    let d = now - *was;
                    *was = *now;
                    d
                }
                _ => 0.0,
            };
            *m += db + d_own * own_sq + dw * own_sum;
        }
        self.b = lin.b;
        self.own_w = lin.own_w;
        self.since_full += 1;
        true
    }
}
