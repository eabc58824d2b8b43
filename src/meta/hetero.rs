//! Q-profile confidence intervals for τ², τ, I² and H² (metafor's `confint`).
//!
//! The limits are the τ² at which the generalised Q statistic equals the
//! 97.5% and 2.5% quantiles of χ²(k − p); a limit whose equation has no
//! positive root is 0. Pure numerics.

use super::dist::qchisq;
use super::linalg::Design;
use super::tau2::{decreasing_root, q_gen, Control};
use super::{Fit, Interval, MetaError};
use serde::Serialize;

/// Q-profile intervals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QProfile {
    /// τ².
    pub tau2: Interval,
    /// τ.
    pub tau: Interval,
    /// I² (percent).
    pub i2: Interval,
    /// H².
    pub h2: Interval,
}

/// Q-profile CIs for a fitted model (level 95%).
pub fn confint(
    y: &[f64],
    v: &[f64],
    d: &Design,
    fit: &Fit,
    ctl: &Control,
) -> Result<QProfile, MetaError> {
    let df = fit.qe_df as f64;
    if df < 1.0 {
        return Err(MetaError::TooFew(
            "a confidence interval for tau^2 needs at least two studies".into(),
        ));
    }
    let solve = |target: f64| -> Result<f64, MetaError> {
        let (r, _) = decreasing_root(
            |t| {
                let w: Vec<f64> = v.iter().map(|vi| 1.0 / (vi + t)).collect();
                let f = super::linalg::wls(y, d, &w).ok_or(MetaError::Singular)?;
                Ok((f.rss - target, -f.ypp_y()))
            },
            0.0,
            &Control {
                threshold: 1e-15,
                ..*ctl
            },
        )?;
        Ok(r.max(0.0))
    };
    let q0 = q_gen(y, v, d, 0.0)?;
    let hi_q = qchisq(0.975, df);
    let lo_q = qchisq(0.025, df);
    let lb = if q0 < hi_q { 0.0 } else { solve(hi_q)? };
    let ub = if q0 < lo_q { 0.0 } else { solve(lo_q)? };
    let vt = fit.vt;
    let i2 = |t: f64| 100.0 * t / (t + vt);
    let h2 = |t: f64| (t + vt) / vt;
    Ok(QProfile {
        tau2: Interval { lb, ub },
        tau: Interval {
            lb: lb.sqrt(),
            ub: ub.sqrt(),
        },
        i2: Interval {
            lb: i2(lb),
            ub: i2(ub),
        },
        h2: Interval {
            lb: h2(lb),
            ub: h2(ub),
        },
    })
}
