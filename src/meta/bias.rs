//! Small-study effects: Egger's regression test (metafor's `regtest`, as a
//! meta-regression on the standard error or as a weighted linear model) and
//! trim-and-fill (R0 and L0 estimators, side chosen as metafor does). Pure.

use super::linalg::Design;
use super::{fit, Fit, MetaError, Method, Options, Test};
use serde::Serialize;

/// Which regression Egger's test uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EggerModel {
    /// `rma(yi, vi, mods = ~sei)` with the model's τ² method (metafor's default).
    Rma,
    /// Classical Egger: weighted `lm(yi ~ sei, weights = 1/vi)`, t(k − 2).
    Lm,
}

/// Result of Egger's test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Egger {
    /// Regression used.
    pub model: EggerModel,
    /// Test statistic for the slope on sei (z, or t for `Lm`).
    pub zval: f64,
    /// Its p-value.
    pub pval: f64,
    /// t degrees of freedom (for `Lm`).
    pub df: Option<f64>,
    /// The intercept: the estimate as sei → 0 ("limit estimate").
    pub limit_estimate: f64,
    /// Its CI.
    pub limit_ci: (f64, f64),
    /// The full regression fit.
    pub fit: Fit,
}

/// Egger's regression test for funnel-plot asymmetry.
pub fn egger(y: &[f64], v: &[f64], model: EggerModel, opts: &Options) -> Result<Egger, MetaError> {
    let k = y.len();
    if k < 3 {
        return Err(MetaError::TooFew(
            "Egger's test needs at least three studies".into(),
        ));
    }
    let mut x = Vec::with_capacity(2 * k);
    for vi in v {
        x.push(1.0);
        x.push(vi.sqrt());
    }
    let d = Design { k, p: 2, x };
    let o = match model {
        EggerModel::Rma => *opts,
        EggerModel::Lm => Options {
            method: Method::EE,
            test: Test::Knha,
            ..*opts
        },
    };
    let f = fit(y, v, &d, &o)?;
    Ok(Egger {
        model,
        zval: f.zval.get(1).copied().unwrap_or(f64::NAN),
        pval: f.pval.get(1).copied().unwrap_or(f64::NAN),
        df: f.df,
        limit_estimate: f.b.first().copied().unwrap_or(f64::NAN),
        limit_ci: (
            f.ci_lb.first().copied().unwrap_or(f64::NAN),
            f.ci_ub.first().copied().unwrap_or(f64::NAN),
        ),
        fit: f,
    })
}

/// Trim-and-fill estimator of the number of missing studies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Estimator {
    /// L0 (default).
    L0,
    /// R0.
    R0,
}

/// Side on which studies are missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Missing on the left.
    Left,
    /// Missing on the right.
    Right,
}

/// Result of trim-and-fill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrimFill {
    /// Estimator.
    pub estimator: Estimator,
    /// Side of the missing studies.
    pub side: Side,
    /// Estimated number of missing studies.
    pub k0: usize,
    /// Its standard error.
    pub se_k0: f64,
    /// Filled (imputed) estimates.
    pub filled_yi: Vec<f64>,
    /// Their variances.
    pub filled_vi: Vec<f64>,
    /// The model refitted on observed + filled studies.
    pub fit: Fit,
}

fn intercept_fit(y: &[f64], v: &[f64], opts: &Options) -> Result<Fit, MetaError> {
    fit(y, v, &Design::intercept(y.len()), opts)
}

/// Duval & Tweedie's trim-and-fill, following metafor's `trimfill.rma.uni`.
pub fn trim_fill(
    y: &[f64],
    v: &[f64],
    estimator: Estimator,
    side: Option<Side>,
    opts: &Options,
) -> Result<TrimFill, MetaError> {
    let k = y.len();
    if k < 3 {
        return Err(MetaError::TooFew(
            "trim-and-fill needs at least three studies".into(),
        ));
    }
    let side = match side {
        Some(s) => s,
        None => {
            let mut x = Vec::with_capacity(2 * k);
            for vi in v {
                x.push(1.0);
                x.push(vi.sqrt());
            }
            let f = fit(
                y,
                v,
                &Design { k, p: 2, x },
                &Options {
                    test: Test::Z,
                    ..*opts
                },
            )?;
            if f.b.get(1).copied().unwrap_or(0.0) < 0.0 {
                Side::Right
            } else {
                Side::Left
            }
        }
    };
    let flip = if side == Side::Right { -1.0 } else { 1.0 };
    let mut idx: Vec<usize> = (0..k).collect();
    idx.sort_by(|a, b| {
        let (x, z) = (
            flip * y.get(*a).copied().unwrap_or(0.0),
            flip * y.get(*b).copied().unwrap_or(0.0),
        );
        x.partial_cmp(&z).unwrap_or(std::cmp::Ordering::Equal)
    });
    let ys: Vec<f64> = idx
        .iter()
        .map(|i| flip * y.get(*i).copied().unwrap_or(0.0))
        .collect();
    let vs: Vec<f64> = idx
        .iter()
        .map(|i| v.get(*i).copied().unwrap_or(0.0))
        .collect();
    let kf = k as f64;
    let mut k0: i64 = 0;
    let mut k0_prev: i64 = -1;
    let mut se_k0 = 0.0;
    let mut b = 0.0;
    let mut iter = 0;
    while k0 != k0_prev {
        k0_prev = k0;
        iter += 1;
        if iter > 100 {
            return Err(MetaError::NoConvergence {
                what: "trim-and-fill",
                iterations: iter,
            });
        }
        let keep = (k as i64 - k0).max(1) as usize;
        let f = intercept_fit(
            ys.get(..keep).unwrap_or(&ys),
            vs.get(..keep).unwrap_or(&vs),
            opts,
        )?;
        b = f.estimate();
        let c: Vec<f64> = ys.iter().map(|yi| yi - b).collect();
        // rank(abs(c), ties = "first")
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|a, z| {
            let (x, w) = (
                c.get(*a).copied().unwrap_or(0.0).abs(),
                c.get(*z).copied().unwrap_or(0.0).abs(),
            );
            x.partial_cmp(&w)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.cmp(z))
        });
        let mut rank = vec![0.0; k];
        for (r, i) in order.iter().enumerate() {
            if let Some(x) = rank.get_mut(*i) {
                *x = (r + 1) as f64;
            }
        }
        let signed: Vec<f64> = c
            .iter()
            .zip(&rank)
            .map(|(ci, r)| {
                if *ci > 0.0 {
                    *r
                } else if *ci < 0.0 {
                    -r
                } else {
                    0.0
                }
            })
            .collect();
        let est = match estimator {
            Estimator::R0 => {
                let m = signed
                    .iter()
                    .filter(|s| **s < 0.0)
                    .map(|s| -s)
                    .fold(0.0, f64::max);
                let e = (kf - m) - 1.0;
                se_k0 = (2.0 * e.max(0.0) + 2.0).sqrt();
                e
            }
            Estimator::L0 => {
                let sr: f64 = signed.iter().filter(|s| **s > 0.0).sum();
                let e = (4.0 * sr - kf * (kf + 1.0)) / (2.0 * kf - 1.0);
                let var_sr = (kf * (kf + 1.0) * (2.0 * kf + 1.0)
                    + 10.0 * e.powi(3)
                    + 27.0 * e.powi(2)
                    + 17.0 * e
                    - 18.0 * kf * e.powi(2)
                    - 18.0 * kf * e
                    + 6.0 * kf * kf * e)
                    / 24.0;
                se_k0 = 4.0 * var_sr.max(0.0).sqrt() / (2.0 * kf - 1.0);
                e
            }
        };
        // R's round() rounds half to even.
        let e = est.max(0.0);
        let r = e.round();
        k0 = (if (e - e.trunc() - 0.5).abs() < 1e-12 && (r as i64) % 2 != 0 {
            r - 1.0
        } else {
            r
        }) as i64;
        k0 = k0.min(k as i64 - 1);
    }
    let k0u = k0.max(0) as usize;
    let mut filled_yi = Vec::with_capacity(k0u);
    let mut filled_vi = Vec::with_capacity(k0u);
    for j in k - k0u..k {
        let yi = ys.get(j).copied().unwrap_or(0.0);
        // mirror about b in the flipped space, then flip back
        filled_yi.push(flip * (2.0 * b - yi));
        filled_vi.push(vs.get(j).copied().unwrap_or(0.0));
    }
    let mut ya = y.to_vec();
    let mut va = v.to_vec();
    ya.extend(&filled_yi);
    va.extend(&filled_vi);
    let f = intercept_fit(&ya, &va, opts)?;
    Ok(TrimFill {
        estimator,
        side,
        k0: k0u,
        se_k0,
        filled_yi,
        filled_vi,
        fit: f,
    })
}
