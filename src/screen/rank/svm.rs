//! The default classifier: a class-weighted linear SVM, solved in the dual by
//! coordinate descent (Hsieh et al. 2008, LIBLINEAR's method), warm-started.
//! After a new label, a retrain checks every labelled record against the
//! optimality conditions (in parallel, or from the scores the last ranking
//! kept) and revisits only those off by more than the tolerance
//! ([`super::DEFAULT_TOLERANCE`], [`super::Settings::rounds`]).
//!
//! The state here is the SVM's own: the dual variables, the rows' squared
//! norms and each row's label at the last retrain. The weights are the
//! ranker's [`Linear`].

use super::kept::Kept;
use super::{axpy, shuffle, Linear, Loss, Settings};
use crate::screen::features::Features;

/// The SVM's dual state, by record row.
#[derive(Debug, Clone, Default)]
pub struct Svm {
    /// Dual variables (warm start).
    alpha: Vec<f32>,
    /// Squared norms of the feature rows (the diagonal).
    sq_norm: Vec<f32>,
    /// Each row's label at the last retrain (1, −1, or 0 for none).
    label: Vec<i8>,
}

/// The per-class bounds for one retrain.
struct Bounds {
    cp: f32,
    cn: f32,
    squared: bool,
}

impl Svm {
    /// Start over for `rows` records (the weights are reset with it).
    pub(super) fn reset(&mut self, rows: usize) {
        self.alpha = vec![0.0; rows];
    }

    /// Retrain on the labelled rows (`pos` relevant, `neg` irrelevant),
    /// moving `lin`; `kept` is told when the weights change.
    #[expect(
        clippy::too_many_arguments,
        reason = "the ranker's parts, lent one by one"
    )]
    pub(super) fn train(
        &mut self,
        lin: &mut Linear,
        kept: &mut Kept,
        rng: &mut u64,
        s: &Settings,
        f: &Features,
        labelled: &[(usize, bool)],
        pos: usize,
        neg: usize,
    ) {
        let n = labelled.len() as f32;
        // Per-class C: the relevant records weigh `ratio` times the irrelevant
        // ones in all, and the weights average 1 over the labelled records.
        let r = s.ratio.max(f32::MIN_POSITIVE);
        let (cp, cn) = (
            s.c * n / (pos as f32 * (1.0 + 1.0 / r)),
            s.c * n / (neg as f32 * (1.0 + r)),
        );
        let squared = s.loss == Loss::SquaredHinge;
        // w = Σ αᵢ yᵢ xᵢ over the labelled rows. A row whose label was undone
        // or changed since the last retrain leaves the sum (α back to 0).
        let mut now = vec![0i8; f.len()];
        for &(row, y) in labelled {
            if let Some(x) = now.get_mut(row) {
                *x = if y { 1 } else { -1 };
            }
        }
        if self.label.len() != f.len() {
            self.label = vec![0; f.len()];
        }
        for (row, (was, is)) in self.label.iter().zip(&now).enumerate() {
            let Some(a) = self.alpha.get_mut(row) else {
                continue;
            };
            if was != is && *a != 0.0 {
                let d = -*a * f32::from(*was);
                *a = 0.0;
                if let Some(o) = lin.own.get_mut(row) {
                    *o = 0.0;
                }
                axpy(&mut lin.w, d, f.row(row));
                lin.b += d;
                kept.fresh = false;
            }
        }
        self.label = now;
        // Class balancing moves the bounds as labels come in:
        // clamp any α above its new bound and move w with it.
        if !squared {
            for &(row, y) in labelled {
                let cap = if y { cp } else { cn };
                let Some(a) = self.alpha.get_mut(row) else {
                    continue;
                };
                if *a > cap {
                    let yv = if y { 1.0 } else { -1.0 };
                    let d = (cap - *a) * yv;
                    *a = cap;
                    if let Some(o) = lin.own.get_mut(row) {
                        *o = cap * yv;
                    }
                    axpy(&mut lin.w, d, f.row(row));
                    lin.b += d;
                    kept.fresh = false;
                }
            }
        }
        if self.sq_norm.len() != f.len() {
            self.sq_norm = (0..f.len()).map(|i| f.sq_norm(i)).collect();
        }
        let bounds = Bounds { cp, cn, squared };
        // Rounds: find the labelled records that break the optimality
        // conditions by more than the tolerance (all of them, checked in
        // parallel, from the stored scores when they are current), and make
        // one coordinate-descent pass over those alone. A new label moves the
        // optimum little, so a round touches a few hundred records at most;
        // with one round per retrain, the next retrain's check finishes what
        // this one left.
        for _ in 0..s.rounds.max(1) {
            let mut order = self.violators(lin, kept.scores(f), s.tolerance, f, labelled, &bounds);
            if order.is_empty() {
                break;
            }
            kept.fresh = false;
            shuffle(rng, &mut order);
            for &k in &order {
                let Some(&(row, y)) = labelled.get(k) else {
                    continue;
                };
                let m = lin.score(f, row);
                let (pg, g, a, cap, ridge) = self.gradient(row, y, m, &bounds);
                if pg.abs() > 1e-6 {
                    let yv = if y { 1.0 } else { -1.0 };
                    let qii = self.sq_norm.get(row).copied().unwrap_or(1.0) + 1.0 + ridge;
                    let na = (a - g / qii).clamp(0.0, cap);
                    let d = (na - a) * yv;
                    if d != 0.0 {
                        axpy(&mut lin.w, d, f.row(row));
                        lin.b += d;
                    }
                    if let Some(x) = self.alpha.get_mut(row) {
                        *x = na;
                    }
                    if let Some(o) = lin.own.get_mut(row) {
                        *o = na * yv;
                    }
                }
            }
        }
    }

    /// Projected gradient, gradient, α, upper bound and ridge of labelled
    /// row `row` whose score is `m`.
    fn gradient(&self, row: usize, y: bool, m: f32, b: &Bounds) -> (f32, f32, f32, f32, f32) {
        let yv = if y { 1.0 } else { -1.0 };
        let cap = if y { b.cp } else { b.cn };
        let a = self.alpha.get(row).copied().unwrap_or(0.0);
        // Squared hinge: no upper bound, a ridge of 1/(2C) on α.
        let (cap, ridge) = if b.squared {
            (f32::INFINITY, 0.5 / cap)
        } else {
            (cap, 0.0)
        };
        // The score includes the row's own features: yᵢ·that part = αᵢ·Σ own w².
        let g = yv * m - 1.0 + ridge * a;
        let pg = if a <= 0.0 {
            g.min(0.0)
        } else if a >= cap {
            g.max(0.0)
        } else {
            g
        };
        (pg, g, a, cap, ridge)
    }

    /// Positions in `labelled` of the rows whose projected gradient exceeds
    /// the tolerance, read from the `kept` scores when there are some.
    fn violators(
        &self,
        lin: &Linear,
        kept: Option<&[f32]>,
        tolerance: f32,
        f: &Features,
        labelled: &[(usize, bool)],
        b: &Bounds,
    ) -> Vec<usize> {
        use rayon::prelude::*;
        let check = |k: usize, row: usize, y: bool, m: f32| {
            let (pg, ..) = self.gradient(row, y, m, b);
            (pg.abs() > tolerance).then_some(k)
        };
        if let Some(margin) = kept {
            // From the kept scores: a few nanoseconds a record, in this thread.
            return labelled
                .iter()
                .enumerate()
                .filter_map(|(k, &(row, y))| check(k, row, y, *margin.get(row)?))
                .collect();
        }
        labelled
            .par_iter()
            .enumerate()
            .with_min_len(256)
            .filter_map(|(k, &(row, y))| check(k, row, y, lin.score(f, row)))
            .collect()
    }
}
