//! Pooling effect sizes: common-effect and random-effects meta-analysis and
//! mixed-effects meta-regression, numerically equal to R's metafor (`rma`).
//!
//! Pure numerics: no I/O, no clock, no randomness. Every estimator runs in
//! O(k) memory and O(k·p²) time per iteration (no k×k matrices), so a
//! 100,000-study REML fit is cheap. Errors are typed ([`MetaError`]), never
//! NaN results. Submodules: [`tau2`] (estimators), [`hetero`] (Q-profile
//! intervals), [`sensitivity`] (leave-one-out, cumulative), [`bias`] (Egger,
//! trim-and-fill), [`moderators`] (subgroups).

pub mod analysis;
pub mod bias;
pub mod cell;
pub mod dist;
pub mod hetero;
pub mod linalg;
pub mod moderators;
pub mod sensitivity;
pub mod tau2;

pub use cell::{pool_rows, CellSpec};

use crate::model::EffectSize;
use crate::model::Z975;
use linalg::{quad, wls, Design};
use serde::Serialize;

/// How τ² is estimated (metafor's `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// Common (equal, fixed) effect: τ² = 0.
    EE,
    /// DerSimonian–Laird.
    DL,
    /// Hedges (variance components).
    HE,
    /// Hunter–Schmidt.
    HS,
    /// Sidik–Jonkman.
    SJ,
    /// Maximum likelihood.
    ML,
    /// Restricted maximum likelihood.
    REML,
    /// Empirical Bayes (Morris).
    EB,
    /// Paule–Mandel.
    PM,
}

impl Method {
    /// All methods, in metafor's order.
    pub const ALL: [Method; 9] = [
        Method::EE,
        Method::DL,
        Method::HE,
        Method::HS,
        Method::SJ,
        Method::ML,
        Method::REML,
        Method::EB,
        Method::PM,
    ];

    /// Parse a method name (case-insensitive; FE and CE mean EE).
    pub fn parse(s: &str) -> Option<Method> {
        Some(match s.to_ascii_uppercase().as_str() {
            "EE" | "FE" | "CE" => Method::EE,
            "DL" => Method::DL,
            "HE" => Method::HE,
            "HS" => Method::HS,
            "SJ" => Method::SJ,
            "ML" => Method::ML,
            "REML" => Method::REML,
            "EB" => Method::EB,
            "PM" => Method::PM,
            _ => return None,
        })
    }
}

/// The reference distribution for tests and intervals (metafor's `test`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Test {
    /// Wald z tests.
    Z,
    /// t(k − p) with unscaled standard errors.
    T,
    /// Knapp–Hartung: standard errors scaled by √s², t(k − p).
    Knha,
    /// Knapp–Hartung with s² truncated at 1 (never narrower than z).
    Adhoc,
}

/// What can go wrong while pooling.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetaError {
    /// No studies.
    #[error("no studies to pool (k = 0)")]
    Empty,
    /// estimates and variances of different lengths.
    #[error("{0} estimates but {1} variances")]
    Length(usize, usize),
    /// The design matrix is singular (e.g. a moderator that is constant).
    #[error("the moderators are collinear or constant: the model cannot be fitted")]
    Singular,
    /// An iterative estimator did not converge.
    #[error("{what} did not converge in {iterations} iterations")]
    NoConvergence {
        /// Which computation.
        what: &'static str,
        /// Iterations used.
        iterations: usize,
    },
    /// Too few studies for the requested analysis.
    #[error("{0}")]
    TooFew(String),
    /// Effects or variances too large or too small to compute with (their
    /// squares and weights overflow double precision).
    #[error("{0}")]
    OutOfRange(String),
}

/// Largest |yi| and variance a fit takes, and smallest variance: beyond
/// them weights and sums of squares overflow or lose every digit.
const VALUE_LIMIT: f64 = 1e100;

/// Options of a fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// τ² estimator.
    pub method: Method,
    /// Test and interval distribution.
    pub test: Test,
    /// Iteration control.
    pub control: tau2::Control,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            method: Method::REML,
            test: Test::Z,
            control: tau2::Control::default(),
        }
    }
}

/// A confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// Lower limit.
    pub lb: f64,
    /// Upper limit.
    pub ub: f64,
}

/// A fitted model (intercept-only or with moderators).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    /// Studies used.
    pub k: usize,
    /// Coefficients.
    pub p: usize,
    /// Method.
    pub method: Method,
    /// Test.
    pub test: Test,
    /// Coefficients.
    pub b: Vec<f64>,
    /// Their standard errors (scaled under Knapp–Hartung).
    pub se: Vec<f64>,
    /// z or t statistics.
    pub zval: Vec<f64>,
    /// Two-sided p-values.
    pub pval: Vec<f64>,
    /// Lower CI limits.
    pub ci_lb: Vec<f64>,
    /// Upper CI limits.
    pub ci_ub: Vec<f64>,
    /// Variance–covariance matrix of `b` (p×p, row-major, scaled under Knapp–Hartung).
    pub vb: Vec<f64>,
    /// Degrees of freedom of t-based tests (None for z).
    pub df: Option<f64>,
    /// Knapp–Hartung scale s² (1 unless knha/adhoc).
    pub s2w: f64,
    /// τ².
    pub tau2: f64,
    /// Standard error of τ² (metafor's).
    pub se_tau2: Option<f64>,
    /// Iterations of the τ² estimator.
    pub iterations: usize,
    /// Residual heterogeneity Q (with weights 1/vᵢ).
    pub qe: f64,
    /// Its degrees of freedom, k − p.
    pub qe_df: usize,
    /// Its p-value.
    pub qe_pval: f64,
    /// I² in percent.
    pub i2: f64,
    /// H².
    pub h2: f64,
    /// Typical within-study variance s².
    pub vt: f64,
    /// Weights in percent.
    pub weights_pct: Vec<f64>,
    /// Test of moderators (omnibus, all but the intercept): statistic, df1, df2, p.
    pub qm: Option<(f64, usize, Option<f64>, f64)>,
    /// Log-likelihood, deviance and information criteria (ML and REML fits).
    pub fit_stats: Option<FitStats>,
}

/// metafor's `fit.stats` for ML and REML fits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FitStats {
    /// Log-likelihood (restricted for REML).
    pub ll: f64,
    /// Deviance.
    pub dev: f64,
    /// AIC.
    pub aic: f64,
    /// BIC.
    pub bic: f64,
    /// AICc.
    pub aicc: f64,
}

/// ln |A| for a p×p positive-definite matrix, via its inverse's pivots (Gauss).
fn ln_det(p: usize, m: &[f64]) -> f64 {
    let mut a = m.to_vec();
    let mut ld = 0.0;
    for c in 0..p {
        let piv = a.get(c * p + c).copied().unwrap_or(f64::NAN);
        ld += piv.abs().ln();
        for r in c + 1..p {
            let f = a.get(r * p + c).copied().unwrap_or(0.0) / piv;
            for j in c..p {
                let v = a.get(c * p + j).copied().unwrap_or(0.0);
                if let Some(x) = a.get_mut(r * p + j) {
                    *x -= f * v;
                }
            }
        }
    }
    ld
}

fn fit_stats(
    v: &[f64],
    d: &Design,
    method: Method,
    tau2: f64,
    rss: f64,
    a: &[f64],
) -> Option<FitStats> {
    let k = d.k as f64;
    let p = d.p as f64;
    let ln2pi = (2.0 * std::f64::consts::PI).ln();
    let slog: f64 = v.iter().map(|vi| (vi + tau2).ln()).sum();
    let par = p + 1.0;
    let (ll, dev, n) = match method {
        Method::ML => {
            let ll = -0.5 * (k * ln2pi + slog + rss);
            let sat: f64 = v.iter().map(|vi| -0.5 * (ln2pi + vi.ln())).sum();
            (ll, -2.0 * (ll - sat), k)
        }
        Method::REML => {
            // |X'WX| = 1/|A|; metafor adds ½ ln|X'X| (REMLf = TRUE).
            let ln_xtwx = -ln_det(d.p, a);
            let mut xtx = vec![0.0; d.p * d.p];
            for i in 0..d.k {
                let r = d.row(i);
                for (j, xj) in r.iter().enumerate() {
                    for (l, xl) in r.iter().enumerate() {
                        if let Some(x) = xtx.get_mut(j * d.p + l) {
                            *x += xj * xl;
                        }
                    }
                }
            }
            let ll = -0.5 * ((k - p) * ln2pi + slog + ln_xtwx + rss) + 0.5 * ln_det(d.p, &xtx);
            (ll, -2.0 * ll, k - p)
        }
        _ => return None,
    };
    let m = n.max(par + 2.0);
    Some(FitStats {
        ll,
        dev,
        aic: -2.0 * ll + 2.0 * par,
        bic: -2.0 * ll + par * n.ln(),
        aicc: -2.0 * ll + 2.0 * par * m / (m - par - 1.0),
    })
}

impl Fit {
    /// The (first) coefficient: the pooled estimate of an intercept-only model.
    pub fn estimate(&self) -> f64 {
        self.b.first().copied().unwrap_or(f64::NAN)
    }

    /// Critical value for intervals.
    pub fn crit(&self) -> f64 {
        match self.df {
            Some(df) => dist::qt(0.975, df),
            None => Z975,
        }
    }

    /// Predicted value at covariates `x` (length p) with CI and prediction interval.
    pub fn predict(&self, x: &[f64]) -> Prediction {
        let pred: f64 = x.iter().zip(&self.b).map(|(a, b)| a * b).sum();
        let se = quad(self.p, &self.vb, x).sqrt();
        let c = self.crit();
        let (pi_lb, pi_ub) = if self.method == Method::EE {
            (pred - c * se, pred + c * se)
        } else {
            let s = (se * se + self.tau2).sqrt();
            (pred - c * s, pred + c * s)
        };
        Prediction {
            pred,
            se,
            ci_lb: pred - c * se,
            ci_ub: pred + c * se,
            pi_lb,
            pi_ub,
        }
    }
}

/// A predicted value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Prediction {
    /// Predicted value.
    pub pred: f64,
    /// Its standard error.
    pub se: f64,
    /// CI lower.
    pub ci_lb: f64,
    /// CI upper.
    pub ci_ub: f64,
    /// Prediction interval lower.
    pub pi_lb: f64,
    /// Prediction interval upper.
    pub pi_ub: f64,
}

/// Split effect sizes into estimate and variance vectors.
pub fn unzip(es: &[EffectSize]) -> (Vec<f64>, Vec<f64>) {
    es.iter().map(|e| (e.yi(), e.vi())).unzip()
}

/// Pool effect sizes with an intercept-only model.
///
/// ```
/// use lacuna::meta::{pool, Method, Options};
/// use lacuna::model::EffectSize;
/// let es: Vec<_> = [(0.1, 0.04), (0.3, 0.02), (0.5, 0.05)]
///     .iter().map(|&(y, v)| EffectSize::new(y, v).unwrap()).collect();
/// let fit = pool(&es, &Options { method: Method::EE, ..Options::default() }).unwrap();
/// // common effect: inverse-variance weighted mean
/// let w = [25.0, 50.0, 20.0];
/// let b = (0.1 * w[0] + 0.3 * w[1] + 0.5 * w[2]) / 95.0;
/// assert!((fit.estimate() - b).abs() < 1e-12);
/// ```
pub fn pool(es: &[EffectSize], opts: &Options) -> Result<Fit, MetaError> {
    let (y, v) = unzip(es);
    fit(&y, &v, &Design::intercept(y.len()), opts)
}

/// Fit a model with design `d` (intercept-only or with moderators).
pub fn fit(y: &[f64], v: &[f64], d: &Design, opts: &Options) -> Result<Fit, MetaError> {
    if y.len() != v.len() {
        return Err(MetaError::Length(y.len(), v.len()));
    }
    if y.is_empty() {
        return Err(MetaError::Empty);
    }
    if d.k != y.len() {
        return Err(MetaError::Length(d.k, y.len()));
    }
    if d.k < d.p {
        return Err(MetaError::TooFew(format!(
            "{} studies cannot estimate {} coefficients",
            d.k, d.p
        )));
    }
    let in_range = |x: f64| x.is_finite() && x.abs() <= VALUE_LIMIT;
    if let Some(x) = y.iter().find(|x| !in_range(**x)) {
        return Err(MetaError::OutOfRange(format!(
            "an effect size of {x:e} cannot be pooled (limit ±{VALUE_LIMIT:e}): check the sheet for a value in the wrong unit or column"
        )));
    }
    if let Some(x) = v
        .iter()
        .find(|x| !(in_range(**x) && **x >= 1.0 / VALUE_LIMIT))
    {
        return Err(MetaError::OutOfRange(format!(
            "a sampling variance of {x:e} cannot be pooled (it must lie between {:e} and {VALUE_LIMIT:e}): check the sheet",
            1.0 / VALUE_LIMIT
        )));
    }
    let t = tau2::estimate(y, v, d, opts.method, &opts.control)?;
    fit_with_tau2(y, v, d, opts, t)
}

/// Fit with a given τ² (used by fits that share one τ²).
pub fn fit_with_tau2(
    y: &[f64],
    v: &[f64],
    d: &Design,
    opts: &Options,
    t: tau2::Tau2,
) -> Result<Fit, MetaError> {
    let k = d.k;
    let p = d.p;
    let tau2 = if opts.method == Method::EE {
        0.0
    } else {
        t.tau2
    };
    let w: Vec<f64> = v.iter().map(|vi| 1.0 / (vi + tau2)).collect();
    let f = wls(y, d, &w).ok_or(MetaError::Singular)?;
    let w0: Vec<f64> = v.iter().map(|vi| 1.0 / vi).collect();
    let f0 = wls(y, d, &w0).ok_or(MetaError::Singular)?;
    let qe = f0.rss;
    let dfr = k - p;
    let qe_pval = if dfr > 0 {
        dist::p_chisq_upper(qe, dfr as f64)
    } else {
        1.0
    };
    let vt = if dfr > 0 { dfr as f64 / f0.tr_p() } else { 0.0 };
    let (i2, h2) = if dfr == 0 {
        (0.0, 1.0)
    } else if opts.method == Method::EE {
        if qe > 0.0 {
            ((100.0 * (qe - dfr as f64) / qe).max(0.0), qe / dfr as f64)
        } else {
            (0.0, 1.0)
        }
    } else {
        (100.0 * tau2 / (tau2 + vt), (tau2 + vt) / vt)
    };
    let s2w_raw = if dfr > 0 { f.rss / dfr as f64 } else { 1.0 };
    let (s2w, df) = match opts.test {
        Test::Z => (1.0, None),
        Test::T => (1.0, Some(dfr as f64)),
        Test::Knha => (s2w_raw, Some(dfr as f64)),
        Test::Adhoc => (s2w_raw.max(1.0), Some(dfr as f64)),
    };
    // With no residual df a t reference is undefined: fall back to z (as metafor does for k = 1).
    let df = df.filter(|d| *d > 0.0);
    let s2w = if df.is_none() { 1.0 } else { s2w };
    let vb: Vec<f64> = f.a.iter().map(|a| a * s2w).collect();
    let crit = match df {
        Some(d) => dist::qt(0.975, d),
        None => Z975,
    };
    let mut se = Vec::with_capacity(p);
    let mut zval = Vec::with_capacity(p);
    let mut pval = Vec::with_capacity(p);
    let mut ci_lb = Vec::with_capacity(p);
    let mut ci_ub = Vec::with_capacity(p);
    for (j, bj) in f.b.iter().enumerate() {
        let s = vb.get(j * p + j).copied().unwrap_or(f64::NAN).sqrt();
        let z = bj / s;
        se.push(s);
        zval.push(z);
        pval.push(match df {
            Some(d) => dist::p_t2(z, d),
            None => dist::p_norm2(z),
        });
        ci_lb.push(bj - crit * s);
        ci_ub.push(bj + crit * s);
    }
    let qm = if p > 1 {
        // Wald test of all coefficients but the intercept.
        let m = p - 1;
        let sub: Vec<f64> = (1..p)
            .flat_map(|i| (1..p).map(move |j| (i, j)))
            .map(|(i, j)| vb.get(i * p + j).copied().unwrap_or(0.0))
            .collect();
        // With no residual variance under Knapp–Hartung (s2w = 0) the
        // covariance is 0 and the test is undefined: NA, as in metafor.
        let stat = match linalg::invert(m, &sub) {
            Some(inv) => {
                let bs: Vec<f64> = f.b.iter().skip(1).copied().collect();
                quad(m, &inv, &bs)
            }
            None if s2w == 0.0 => f64::NAN,
            None => return Err(MetaError::Singular),
        };
        Some(match df {
            Some(d) => (
                stat / m as f64,
                m,
                Some(d),
                dist::p_f_upper(stat / m as f64, m as f64, d),
            ),
            None => (stat, m, None, dist::p_chisq_upper(stat, m as f64)),
        })
    } else {
        None
    };
    let sw: f64 = w.iter().sum();
    Ok(Fit {
        k,
        p,
        method: opts.method,
        test: opts.test,
        b: f.b.clone(),
        se,
        zval,
        pval,
        ci_lb,
        ci_ub,
        vb,
        df,
        s2w,
        tau2,
        se_tau2: if opts.method == Method::EE {
            None
        } else {
            t.se
        },
        iterations: t.iterations,
        qe,
        qe_df: dfr,
        qe_pval,
        i2,
        h2,
        vt,
        weights_pct: w.iter().map(|wi| 100.0 * wi / sw).collect(),
        qm,
        fit_stats: fit_stats(v, d, opts.method, tau2, f.rss, &f.a),
    })
}
