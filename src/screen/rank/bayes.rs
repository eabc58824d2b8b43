//! Multinomial naive Bayes on the TF-IDF weights (α = 1, balanced class
//! priors), refitted from the counts at every retrain. It keeps no state of
//! its own: the log-odds become the ranker's [`Linear`] weights.

use super::Linear;
use crate::screen::features::Features;

/// Fit the log-odds of every feature from the labelled rows.
pub(super) fn train(lin: &mut Linear, f: &Features, labelled: &[(usize, bool)]) {
    let dim = lin.w.len();
    let mut cp = vec![1.0f32; dim];
    let mut cn = vec![1.0f32; dim];
    // Σ over all features of the counts (the own features' counts too)
    let (mut sp, mut sn) = (f.dim as f32, f.dim as f32);
    for (row, y) in labelled {
        let x = f.row(*row);
        let c = if *y { &mut cp } else { &mut cn };
        for (i, v) in x.iter() {
            if let Some(ci) = c.get_mut(i as usize) {
                *ci += v;
            }
        }
        let total = x.vals().sum::<f32>() + f.own_sum.get(*row).copied().unwrap_or(0.0);
        if *y {
            sp += total;
        } else {
            sn += total;
        }
    }
    for ((w, p), n) in lin.w.iter_mut().zip(&cp).zip(&cn) {
        *w = (p / sp).ln() - (n / sn).ln();
    }
    // A feature no labelled record has: counts 1 in both classes.
    lin.own_w = (sn / sp).ln();
    lin.b = 0.0; // balanced class priors
}
