//! Dual screening: agreement between two reviewers (Cohen's κ) and the
//! records they disagree on. Pure.

use crate::model::Label;

/// Cohen's κ over paired labels (include / exclude / maybe as categories).
/// `None` when there are no pairs; 1.0 when both always agree on one label.
///
/// ```
/// use lacuna::model::Label::{Exclude as E, Include as I};
/// use lacuna::screen::agreement::kappa;
/// // 20 pairs: 4 both include, 12 both exclude, 2 + 2 disagreements.
/// let mut p = vec![(I, I); 4];
/// p.extend(vec![(E, E); 12]);
/// p.extend(vec![(I, E); 2]);
/// p.extend(vec![(E, I); 2]);
/// // po = 0.8; pe = 0.3*0.3 + 0.7*0.7 = 0.58; κ = 0.22/0.42
/// assert!((kappa(&p).unwrap() - 0.22 / 0.42).abs() < 1e-12);
/// ```
pub fn kappa(pairs: &[(Label, Label)]) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    let cats = [Label::Include, Label::Exclude, Label::Maybe];
    let po = pairs.iter().filter(|(a, b)| a == b).count() as f64 / n;
    let pe: f64 = cats
        .iter()
        .map(|c| {
            let a = pairs.iter().filter(|(x, _)| x == c).count() as f64 / n;
            let b = pairs.iter().filter(|(_, y)| y == c).count() as f64 / n;
            a * b
        })
        .sum();
    if (1.0 - pe).abs() < 1e-15 {
        return Some(1.0);
    }
    Some((po - pe) / (1.0 - pe))
}
