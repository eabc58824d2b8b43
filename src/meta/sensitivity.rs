//! Leave-one-out and cumulative meta-analysis (metafor's `leave1out` and
//! `cumul`): the same model refitted on subsets. Pure numerics.

use super::linalg::Design;
use super::{fit, Fit, MetaError, Options};

/// Refit with each study left out in turn (element i: study i left out).
pub fn leave_one_out(y: &[f64], v: &[f64], opts: &Options) -> Result<Vec<Fit>, MetaError> {
    if y.len() < 2 {
        return Err(MetaError::TooFew(
            "leave-one-out needs at least two studies".into(),
        ));
    }
    (0..y.len())
        .map(|i| {
            let (yy, vv): (Vec<f64>, Vec<f64>) = y
                .iter()
                .zip(v)
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, (a, b))| (*a, *b))
                .unzip();
            fit(&yy, &vv, &Design::intercept(yy.len()), opts)
        })
        .collect()
}

/// Stable order of studies by `key` (ties keep input order), as 0-based indices.
pub fn order_by(key: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..key.len()).collect();
    idx.sort_by(|a, b| {
        let (x, y) = (
            key.get(*a).copied().unwrap_or(f64::NAN),
            key.get(*b).copied().unwrap_or(f64::NAN),
        );
        x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal)
    });
    idx
}

/// Cumulative fits in the given order: step j pools the first j studies.
pub fn cumulative(
    y: &[f64],
    v: &[f64],
    order: &[usize],
    opts: &Options,
) -> Result<Vec<Fit>, MetaError> {
    let mut yy = Vec::with_capacity(order.len());
    let mut vv = Vec::with_capacity(order.len());
    let mut out = Vec::with_capacity(order.len());
    for &i in order {
        let (Some(a), Some(b)) = (y.get(i), v.get(i)) else {
            return Err(MetaError::Length(y.len(), order.len()));
        };
        yy.push(*a);
        vv.push(*b);
        out.push(fit(&yy, &vv, &Design::intercept(yy.len()), opts)?);
    }
    Ok(out)
}
