//! L2 logistic regression, class-balanced, fitted by stochastic gradient
//! descent from the previous weights (warm start) for
//! [`super::Settings::epochs`] passes at each retrain. It keeps no state of
//! its own beyond the ranker's [`Linear`] weights.

use super::{shuffle, Linear, Settings};
use crate::screen::features::Features;

/// Retrain on the labelled rows (`pos` relevant, `neg` irrelevant).
pub(super) fn train(
    lin: &mut Linear,
    rng: &mut u64,
    s: &Settings,
    f: &Features,
    labelled: &[(usize, bool)],
    pos: usize,
    neg: usize,
) {
    let n = labelled.len() as f32;
    let (wp, wn) = (n / (2.0 * pos as f32), n / (2.0 * neg as f32));
    let mut order: Vec<usize> = (0..labelled.len()).collect();
    for epoch in 0..s.epochs {
        shuffle(rng, &mut order);
        let eta = 0.5 / (1.0 + epoch as f32);
        for &k in &order {
            let Some(&(row, y)) = labelled.get(k) else {
                continue;
            };
            let x = f.row(row);
            let own_sq = f.own_sq.get(row).copied().unwrap_or(0.0);
            let Some(c) = lin.own.get_mut(row) else {
                continue;
            };
            let z = super::dot(&lin.w, x) + *c * own_sq + lin.b;
            let p = 1.0 / (1.0 + (-z).exp());
            let g = (p - if y { 1.0 } else { 0.0 }) * if y { wp } else { wn };
            // own features: w = c·x, so the step scales c alike
            *c -= eta * (g + s.lambda * *c);
            for (i, v) in x.iter() {
                if let Some(wi) = lin.w.get_mut(i as usize) {
                    *wi -= eta * (g * v + s.lambda * *wi);
                }
            }
            lin.b -= eta * g;
        }
    }
}
