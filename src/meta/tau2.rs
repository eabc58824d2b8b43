//! Estimators of the between-study variance τ² (metafor's `method`), for any
//! design with few columns, in O(k·p²) per evaluation.
//!
//! Closed forms: DL, HE, HS, SJ. Iterative: ML and REML (Fisher scoring with
//! step halving, falling back to a bracketed root search on the score), PM
//! and EB (the root of the generalised Q equation; EB equals PM at
//! convergence). Every estimate is truncated at 0; none is ever NaN.

use super::linalg::{wls, Design, Wls};
use super::{MetaError, Method};

/// τ² with its standard error and the iterations used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tau2 {
    /// The estimate (≥ 0).
    pub tau2: f64,
    /// metafor's standard error of the estimate (None for EE).
    pub se: Option<f64>,
    /// Iterations (0 for closed forms).
    pub iterations: usize,
}

/// Controls for the iterative estimators.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Control {
    /// Convergence threshold on the change in τ².
    pub threshold: f64,
    /// Iteration cap.
    pub max_iter: usize,
}

impl Default for Control {
    fn default() -> Self {
        Control {
            threshold: 1e-13,
            max_iter: 10_000,
        }
    }
}

fn fit(y: &[f64], d: &Design, w: &[f64]) -> Result<Wls, MetaError> {
    wls(y, d, w).ok_or(MetaError::Singular)
}

fn weights(v: &[f64], tau2: f64) -> Vec<f64> {
    v.iter().map(|vi| 1.0 / (vi + tau2)).collect()
}

/// Generalised Q: Σ wᵢ(τ²)(yᵢ − ŷᵢ)².
pub fn q_gen(y: &[f64], v: &[f64], d: &Design, tau2: f64) -> Result<f64, MetaError> {
    Ok(fit(y, d, &weights(v, tau2))?.rss)
}

/// Root of the decreasing function `f` (f(lo) > 0) by safeguarded Newton on a bracket.
pub(crate) fn decreasing_root(
    mut f: impl FnMut(f64) -> Result<(f64, f64), MetaError>, // value, derivative
    lo0: f64,
    ctl: &Control,
) -> Result<(f64, usize), MetaError> {
    let mut lo = lo0;
    // Bracket: double until f < 0.
    let (flo, _) = f(lo)?;
    if flo <= 0.0 {
        return Ok((lo, 0));
    }
    let mut hi = if lo > 0.0 { lo * 2.0 } else { 1.0 };
    let mut n = 0;
    loop {
        let (fh, _) = f(hi)?;
        if fh < 0.0 {
            break;
        }
        lo = hi;
        hi *= 4.0;
        n += 1;
        if n > 2000 || !hi.is_finite() {
            return Err(MetaError::NoConvergence {
                what: "bracketing the root for tau^2",
                iterations: n,
            });
        }
    }
    let mut x = lo;
    for it in 0..ctl.max_iter {
        let (fx, dfx) = f(x)?;
        if fx == 0.0 {
            return Ok((x, it));
        }
        if fx > 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let mut nx = if dfx < 0.0 { x - fx / dfx } else { f64::NAN };
        if !(nx > lo && nx < hi) {
            nx = 0.5 * (lo + hi);
        }
        if (nx - x).abs() <= ctl.threshold * (1.0 + x.abs()) || (hi - lo) <= 4.0 * f64::EPSILON * hi
        {
            return Ok((nx, it + 1));
        }
        x = nx;
    }
    Err(MetaError::NoConvergence {
        what: "root of the tau^2 equation",
        iterations: ctl.max_iter,
    })
}

/// Estimate τ² for `method` (y: estimates, v: variances, d: design).
pub fn estimate(
    y: &[f64],
    v: &[f64],
    d: &Design,
    method: Method,
    ctl: &Control,
) -> Result<Tau2, MetaError> {
    let k = d.k as f64;
    let p = d.p as f64;
    if d.k <= d.p {
        // No residual degrees of freedom: τ² cannot be estimated (metafor sets it to 0).
        return Ok(Tau2 {
            tau2: 0.0,
            se: None,
            iterations: 0,
        });
    }
    let w0: Vec<f64> = v.iter().map(|vi| 1.0 / vi).collect();
    let closed = |tau2: f64, se: f64| {
        Ok(Tau2 {
            tau2: tau2.max(0.0),
            se: Some(se),
            iterations: 0,
        })
    };
    match method {
        Method::EE => Ok(Tau2 {
            tau2: 0.0,
            se: None,
            iterations: 0,
        }),
        Method::DL => {
            let f = fit(y, d, &w0)?;
            let trp = f.tr_p();
            let t = (f.rss - (k - p)) / trp;
            let tp = t.max(0.0);
            let se = (1.0 / (trp * trp)
                * (2.0 * (k - p) + 4.0 * tp * trp + 2.0 * tp * tp * f.sum_pp(d, None, None)))
            .sqrt();
            closed(t, se)
        }
        Method::HS => {
            let f = fit(y, d, &w0)?;
            let t = (f.rss - k) / f.sw;
            let tp = t.max(0.0);
            let se = (1.0 / (f.sw * f.sw)
                * (2.0 * (k - p) + 4.0 * tp * f.tr_p() + 2.0 * tp * tp * f.sum_pp(d, None, None)))
            .sqrt();
            closed(t, se)
        }
        Method::HE => he(y, v, d),
        Method::SJ => {
            let mean = y.iter().sum::<f64>() / k;
            let t0 = y.iter().map(|yi| (yi - mean).powi(2)).sum::<f64>() / k;
            if t0.is_nan() || t0 <= 0.0 {
                return closed(0.0, 0.0);
            }
            let f = fit(y, d, &weights(v, t0))?;
            let t = t0 * f.rss / (k - p);
            let tp = t.max(0.0);
            let pvpv = f.sum_pp(d, Some(v), Some(v));
            let pvp = f.sum_pp(d, None, Some(v));
            let se = (t0 * t0 / ((k - p) * (k - p))
                * (2.0 * pvpv + 4.0 * tp * pvp + 2.0 * tp * tp * f.sum_pp(d, None, None)))
            .sqrt();
            closed(t, se)
        }
        Method::PM | Method::EB => {
            let (t, it) = decreasing_root(
                |t| {
                    let f = fit(y, d, &weights(v, t))?;
                    Ok((f.rss - (k - p), -f.ypp_y()))
                },
                0.0,
                ctl,
            )?;
            // metafor's standard error for PM/EB is not reproduced (see the
            // closing note of the meta-analysis issue): none is reported.
            Ok(Tau2 {
                tau2: t.max(0.0),
                se: None,
                iterations: it,
            })
        }
        Method::ML | Method::REML => ml_reml(y, v, d, method, ctl),
    }
}

fn he(y: &[f64], v: &[f64], d: &Design) -> Result<Tau2, MetaError> {
    let k = d.k as f64;
    let p = d.p as f64;
    let ones = vec![1.0; d.k];
    let f = fit(y, d, &ones)?;
    let trpv: f64 = v.iter().zip(&f.h).map(|(vi, h)| vi * (1.0 - h)).sum();
    let t = (f.rss - trpv) / (k - p);
    let tp = t.max(0.0);
    let pvpv = f.sum_pp(d, Some(v), Some(v));
    let se = (1.0 / ((k - p) * (k - p)) * (2.0 * pvpv + 4.0 * tp * trpv + 2.0 * tp * tp * (k - p)))
        .sqrt();
    Ok(Tau2 {
        tau2: t.max(0.0),
        se: Some(se),
        iterations: 0,
    })
}

/// The ML / REML score (half the derivative of the (restricted) log-likelihood).
fn score(
    y: &[f64],
    v: &[f64],
    d: &Design,
    method: Method,
    t: f64,
) -> Result<(f64, f64), MetaError> {
    let f = fit(y, d, &weights(v, t))?;
    Ok(if method == Method::REML {
        (f.ypp_y() - f.tr_p(), f.sum_pp(d, None, None))
    } else {
        (f.ypp_y() - f.sw, f.sw2())
    })
}

fn ml_reml(
    y: &[f64],
    v: &[f64],
    d: &Design,
    method: Method,
    ctl: &Control,
) -> Result<Tau2, MetaError> {
    let init = he(y, v, d)?.tau2;
    let mut t = init;
    let mut converged = false;
    let mut it = 0;
    while it < ctl.max_iter {
        it += 1;
        let (u, info) = score(y, v, d, method, t)?;
        let mut adj = u / info;
        if !adj.is_finite() {
            break;
        }
        while t + adj < 0.0 {
            adj /= 2.0;
            if adj.abs() < 1e-300 {
                adj = -t;
                break;
            }
        }
        t += adj;
        if adj.abs() <= ctl.threshold * (1.0 + t) {
            converged = true;
            break;
        }
    }
    if !converged || !t.is_finite() {
        // Bracketed root of the score, which decreases through its root.
        let (r, n) = decreasing_root(
            |x| {
                let (u, info) = score(y, v, d, method, x)?;
                Ok((u, -info))
            },
            0.0,
            ctl,
        )?;
        t = r;
        it += n;
    }
    // At the boundary the score may be negative at 0: the estimate is 0.
    let (u0, _) = score(y, v, d, method, 0.0)?;
    if u0 <= 0.0 && t < 1e-12 {
        t = 0.0;
    }
    let t = t.max(0.0);
    let (_, info) = score(y, v, d, method, t)?;
    Ok(Tau2 {
        tau2: t,
        se: Some((2.0 / info).sqrt()),
        iterations: it,
    })
}

/// The REML score ½(Y'PPY − tr P) at τ²: zero at the REML estimate (inside the
/// parameter space). Exposed so a τ² from elsewhere can be checked.
pub fn reml_score(y: &[f64], v: &[f64], d: &Design, tau2: f64) -> Result<f64, MetaError> {
    Ok(0.5 * score(y, v, d, Method::REML, tau2)?.0)
}
