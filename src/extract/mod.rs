//! Reported statistics to effect sizes: the equivalent of metafor's `escalc`.
//!
//! Pure numerics: no I/O. 2×2 tables give log OR, log RR, RD and Peto's log
//! OR, with metafor's continuity correction (default: add 1/2 to all four
//! cells of a study with a zero cell, `to = "only0"`); means give MD, Hedges'
//! g (exact gamma correction) and log ROM; correlations give Fisher's z or
//! raw r; generic rows give `yi` with `vi` or `sei`, or an estimate with its
//! 95% CI. A row that cannot give an effect is [`Extracted::Dropped`] with the
//! reason, never a NaN.

pub mod rows;
pub mod table;

use crate::model::{EffectError, EffectSize, Measure};
use statrs::function::gamma::ln_gamma;

pub use crate::model::Z975;

/// Which studies get the continuity correction (metafor's `to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddTo {
    /// Studies with a zero in any cell (metafor's default).
    Only0,
    /// Every study.
    All,
    /// Every study, if any study has a zero cell.
    If0All,
    /// No study.
    None,
}

/// Continuity correction for 2×2 tables (metafor's `add`, `to`, `drop00`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Correction {
    /// Amount added to each cell.
    pub add: f64,
    /// Which studies.
    pub to: AddTo,
    /// Drop studies with no events (or no non-events) in both arms.
    pub drop00: bool,
}

impl Default for Correction {
    fn default() -> Self {
        Correction {
            add: 0.5,
            to: AddTo::Only0,
            drop00: false,
        }
    }
}

/// Statistics as a study reports them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reported {
    /// 2×2 counts: events/non-events in group 1 (`ai`, `bi`) and group 2 (`ci`, `di`).
    Table {
        /// Events, group 1.
        ai: f64,
        /// Non-events, group 1.
        bi: f64,
        /// Events, group 2.
        ci: f64,
        /// Non-events, group 2.
        di: f64,
    },
    /// Means, standard deviations and sizes of two groups.
    Means {
        /// Mean, group 1.
        m1: f64,
        /// SD, group 1.
        sd1: f64,
        /// Size, group 1.
        n1: f64,
        /// Mean, group 2.
        m2: f64,
        /// SD, group 2.
        sd2: f64,
        /// Size, group 2.
        n2: f64,
    },
    /// A correlation and its sample size.
    Correlation {
        /// r.
        r: f64,
        /// n.
        n: f64,
    },
    /// An estimate and its sampling variance.
    YiVi {
        /// Estimate (analysis scale).
        yi: f64,
        /// Variance.
        vi: f64,
    },
    /// An estimate and its standard error.
    YiSei {
        /// Estimate (analysis scale).
        yi: f64,
        /// Standard error.
        sei: f64,
    },
    /// An estimate with its 95% CI, on the reader's scale (e.g. an OR, not log OR).
    Ci {
        /// Point estimate.
        est: f64,
        /// Lower 95% limit.
        lb: f64,
        /// Upper 95% limit.
        ub: f64,
    },
}

/// What one row gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Extracted {
    /// An effect size.
    Effect(EffectSize),
    /// No effect size, and why (e.g. a double-zero study with `drop00`).
    Dropped(String),
}

/// A row whose statistics do not fit the measure.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("row {row}: {message}")]
pub struct ExtractError {
    /// 1-based row.
    pub row: usize,
    /// What is wrong.
    pub message: String,
}

fn has_zero(r: &Reported) -> bool {
    matches!(r, Reported::Table { ai, bi, ci, di } if *ai == 0.0 || *bi == 0.0 || *ci == 0.0 || *di == 0.0)
}

/// Compute effect sizes for all rows (the correction `to = If0All` looks at all of them).
///
/// ```
/// use lacuna::extract::{escalc, Correction, Extracted, Reported};
/// use lacuna::model::Measure;
/// // dat.bcg, trial 1 (Aronson 1948): log RR -0.8893, variance 0.3256
/// let rows = [Reported::Table { ai: 4.0, bi: 119.0, ci: 11.0, di: 128.0 }];
/// let out = escalc(Measure::Rr, &rows, &Correction::default()).unwrap();
/// let Extracted::Effect(e) = &out[0] else { panic!() };
/// assert!((e.yi() - -0.889311333920205).abs() < 1e-12);
/// assert!((e.vi() - 0.325584765003961).abs() < 1e-12);
/// ```
pub fn escalc(
    measure: Measure,
    rows: &[Reported],
    cc: &Correction,
) -> Result<Vec<Extracted>, ExtractError> {
    let any_zero = rows.iter().any(has_zero);
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            effect_of_row(measure, r, cc, any_zero).map_err(|message| ExtractError {
                row: i + 1,
                message,
            })
        })
        .collect()
}

fn effect(yi: f64, vi: f64) -> Result<Extracted, String> {
    match EffectSize::new(yi, vi) {
        Ok(e) => Ok(Extracted::Effect(e)),
        Err(EffectError::AbsurdVariance(v)) => Err(format!(
            "variance {v:e} is outside 1e-200..1e200; check the units"
        )),
        Err(e) => Ok(Extracted::Dropped(format!("no finite effect: {e}"))),
    }
}

fn check_nonneg(name: &str, x: f64) -> Result<(), String> {
    if x.is_finite() && x >= 0.0 {
        Ok(())
    } else {
        Err(format!("{name} must be a count of 0 or more (got {x})"))
    }
}

/// The effect size of one row of reported statistics (or why it has none).
fn effect_of_row(
    measure: Measure,
    r: &Reported,
    cc: &Correction,
    any_zero: bool,
) -> Result<Extracted, String> {
    match (*r, measure) {
        (
            Reported::Table { ai, bi, ci, di },
            Measure::Or | Measure::Rr | Measure::Rd | Measure::Peto,
        ) => {
            for (n, x) in [("ai", ai), ("bi", bi), ("ci", ci), ("di", di)] {
                check_nonneg(n, x)?;
            }
            if ai + bi == 0.0 || ci + di == 0.0 {
                return Err("a group has no participants (ai+bi or ci+di is 0)".into());
            }
            let double_zero = (ai == 0.0 && ci == 0.0) || (bi == 0.0 && di == 0.0);
            if cc.drop00 && double_zero {
                return Ok(Extracted::Dropped(
                    "no events (or no non-events) in either group: dropped (drop00)".into(),
                ));
            }
            if measure == Measure::Peto {
                let (n1, n2) = (ai + bi, ci + di);
                let n = n1 + n2;
                let xt = ai + ci;
                let yt = bi + di;
                let e = xt * n1 / n;
                let v = xt * yt * (n1 / n) * (n2 / n) / (n - 1.0);
                if v.is_nan() || v <= 0.0 {
                    return Ok(Extracted::Dropped(
                        "Peto's variance is 0 (no events or no non-events at all)".into(),
                    ));
                }
                return effect((ai - e) / v, 1.0 / v);
            }
            let zero = has_zero(r);
            let add = match cc.to {
                AddTo::Only0 if zero => cc.add,
                AddTo::All => cc.add,
                AddTo::If0All if any_zero => cc.add,
                _ => 0.0,
            };
            let (a, b, c, d) = (ai + add, bi + add, ci + add, di + add);
            let (n1, n2) = (a + b, c + d);
            let (yi, vi) = match measure {
                Measure::Or => (
                    (a * d / (b * c)).ln(),
                    1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d,
                ),
                Measure::Rr => (
                    ((a / n1) / (c / n2)).ln(),
                    1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2,
                ),
                _ => {
                    let (p1, p2) = (a / n1, c / n2);
                    (p1 - p2, p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2)
                }
            };
            effect(yi, vi)
        }
        (
            Reported::Means {
                m1,
                sd1,
                n1,
                m2,
                sd2,
                n2,
            },
            Measure::Md | Measure::Smd | Measure::Rom,
        ) => {
            for (n, x) in [("sd1i", sd1), ("sd2i", sd2)] {
                if !(x.is_finite() && x >= 0.0) {
                    return Err(format!("{n} must be 0 or more (got {x})"));
                }
            }
            for (n, x) in [("n1i", n1), ("n2i", n2)] {
                if !(x.is_finite() && x >= 1.0) {
                    return Err(format!("{n} must be at least 1 (got {x})"));
                }
            }
            if !m1.is_finite() || !m2.is_finite() {
                return Err("m1i and m2i must be numbers".into());
            }
            match measure {
                Measure::Md => effect(m1 - m2, sd1 * sd1 / n1 + sd2 * sd2 / n2),
                Measure::Smd => {
                    let m = n1 + n2 - 2.0;
                    if m < 2.0 {
                        return Err("SMD needs n1i + n2i > 3".into());
                    }
                    let sp = (((n1 - 1.0) * sd1 * sd1 + (n2 - 1.0) * sd2 * sd2) / m).sqrt();
                    let g = hedges_j(m) * (m1 - m2) / sp;
                    effect(g, 1.0 / n1 + 1.0 / n2 + g * g / (2.0 * (n1 + n2)))
                }
                _ => {
                    if m1 <= 0.0 || m2 <= 0.0 {
                        return Err("ROM needs positive means".into());
                    }
                    effect(
                        (m1 / m2).ln(),
                        sd1 * sd1 / (n1 * m1 * m1) + sd2 * sd2 / (n2 * m2 * m2),
                    )
                }
            }
        }
        (Reported::Correlation { r, n }, Measure::Zcor | Measure::Cor) => {
            if !(r.is_finite() && r > -1.0 && r < 1.0) {
                return Err(format!("ri must lie strictly between -1 and 1 (got {r})"));
            }
            if measure == Measure::Zcor {
                if n.is_nan() || n <= 3.0 {
                    return Err(format!("ZCOR needs ni > 3 (got {n})"));
                }
                effect(r.atanh(), 1.0 / (n - 3.0))
            } else {
                if n.is_nan() || n <= 1.0 {
                    return Err(format!("COR needs ni > 1 (got {n})"));
                }
                effect(r, (1.0 - r * r).powi(2) / (n - 1.0))
            }
        }
        (Reported::YiVi { yi, vi }, _) => EffectSize::new(yi, vi)
            .map(Extracted::Effect)
            .map_err(|e| e.to_string()),
        (Reported::YiSei { yi, sei }, _) => {
            if !(sei.is_finite() && sei > 0.0) {
                return Err(format!("sei must be a positive number (got {sei})"));
            }
            EffectSize::new(yi, sei * sei)
                .map(Extracted::Effect)
                .map_err(|e| e.to_string())
        }
        (Reported::Ci { est, lb, ub }, m) => {
            if !(lb <= est && est <= ub && lb < ub) {
                return Err(format!(
                    "the CI must satisfy lower <= estimate <= upper (got {est} [{lb}, {ub}])"
                ));
            }
            let (y, l, u) = if m.is_log() {
                if lb <= 0.0 {
                    return Err(format!("a ratio's CI must be positive (got lower {lb})"));
                }
                (est.ln(), lb.ln(), ub.ln())
            } else if m == Measure::Zcor {
                if !(lb > -1.0 && ub < 1.0) {
                    return Err("a correlation's CI must lie within (-1, 1)".into());
                }
                (est.atanh(), lb.atanh(), ub.atanh())
            } else {
                (est, lb, ub)
            };
            let se = (u - l) / (2.0 * Z975);
            EffectSize::new(y, se * se)
                .map(Extracted::Effect)
                .map_err(|e| e.to_string())
        }
        (_, m) => Err(format!("these columns do not give a {m:?} effect size")),
    }
}

/// Hedges' exact small-sample correction J(m) = Γ(m/2) / (√(m/2) Γ((m−1)/2)).
///
/// ```
/// let j = lacuna::extract::hedges_j(10.0);
/// assert!((j - 0.9227456).abs() < 1e-7); // exact; 1 - 3/(4m - 1) would give 0.9230769
/// ```
pub fn hedges_j(m: f64) -> f64 {
    (ln_gamma(m / 2.0) - 0.5 * (m / 2.0).ln() - ln_gamma((m - 1.0) / 2.0)).exp()
}
