//! One complete analysis of a set of studies, as `lacuna pool` reports it:
//! the pooled model with its intervals, and whichever diagnostics were asked
//! for (subgroups, meta-regression, Egger, trim-and-fill, leave-one-out,
//! cumulative). Pure: takes effect sizes, returns a serialisable report whose
//! field names are stable (documented in `docs/meta-analysis.md`).

use super::bias::{egger, trim_fill, Egger, EggerModel, Estimator};
use super::hetero::confint;
use super::linalg::Design;
use super::moderators::{design, subgroups, Moderator, Subgroups};
use super::sensitivity::{cumulative, leave_one_out, order_by};
use super::{fit, Fit, MetaError, Method, Options, Test};
use crate::model::{EffectSize, Measure};
use serde::Serialize;

/// What to compute besides the pooled model.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Subgroup column values (one per study).
    pub by: Option<(String, Vec<String>)>,
    /// Moderators for a meta-regression, one value per row of `mods_rows`.
    pub mods: Vec<(String, Moderator)>,
    /// The studies (indices) the moderators have values for; `None`: every
    /// study. The others are left out of the meta-regression alone, as
    /// metafor leaves out studies with a missing moderator.
    pub mods_rows: Option<Vec<usize>>,
    /// Egger's test (metafor's default model).
    pub egger: bool,
    /// Trim-and-fill (L0).
    pub trimfill: bool,
    /// Leave-one-out.
    pub leave1out: bool,
    /// Cumulative analysis ordered by these values (e.g. years), with the column name.
    pub cumulative: Option<(String, Vec<f64>)>,
}

/// Back-transformed summary (OR, RR, r) where the analysis scale differs.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Back {
    /// Estimate.
    pub estimate: f64,
    /// CI lower.
    pub ci_lb: f64,
    /// CI upper.
    pub ci_ub: f64,
    /// PI lower.
    pub pi_lb: f64,
    /// PI upper.
    pub pi_ub: f64,
}

/// One study in the report.
#[derive(Debug, Clone, Serialize)]
pub struct StudyRow {
    /// Label.
    pub study: String,
    /// Estimate (analysis scale).
    pub yi: f64,
    /// Variance.
    pub vi: f64,
    /// Standard error.
    pub sei: f64,
    /// 95% CI lower (analysis scale).
    pub ci_lb: f64,
    /// 95% CI upper.
    pub ci_ub: f64,
    /// Weight in the random-effects model, percent.
    pub weight: f64,
    /// Back-transformed estimate and CI, where the measure has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub back: Option<(f64, f64, f64)>,
}

/// A compact summary of one fit (for series such as leave-one-out).
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Label of the step (study left out, or last study added).
    pub label: String,
    /// Studies in the fit.
    pub k: usize,
    /// Estimate.
    pub estimate: f64,
    /// SE.
    pub se: f64,
    /// p-value.
    pub pval: f64,
    /// CI.
    pub ci_lb: f64,
    /// CI.
    pub ci_ub: f64,
    /// τ².
    pub tau2: f64,
    /// I² percent.
    pub i2: f64,
    /// Q.
    pub q: f64,
}

fn summary(label: String, f: &Fit) -> Summary {
    Summary {
        label,
        k: f.k,
        estimate: f.estimate(),
        se: f.se.first().copied().unwrap_or(f64::NAN),
        pval: f.pval.first().copied().unwrap_or(f64::NAN),
        ci_lb: f.ci_lb.first().copied().unwrap_or(f64::NAN),
        ci_ub: f.ci_ub.first().copied().unwrap_or(f64::NAN),
        tau2: f.tau2,
        i2: f.i2,
        q: f.qe,
    }
}

/// A subgroup analysis and the column it splits by.
#[derive(Debug, Clone, Serialize)]
pub struct BySubgroup {
    /// The column.
    pub by: String,
    /// The analysis.
    #[serde(flatten)]
    pub result: Subgroups,
}

/// A meta-regression with its coefficient names and pseudo-R².
#[derive(Debug, Clone, Serialize)]
pub struct MetaRegression {
    /// Coefficient names ("intrcpt", then moderators).
    pub coef_names: Vec<String>,
    /// Proportion of τ² explained, percent (0 when the intercept-only τ² is 0).
    pub r2: f64,
    /// Studies left out for want of a moderator value (absent when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub omitted: Vec<String>,
    /// The fit.
    #[serde(flatten)]
    pub fit: Fit,
}

/// The full report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Measure.
    pub measure: Measure,
    /// τ² method.
    pub method: Method,
    /// Test.
    pub test: Test,
    /// Studies pooled.
    pub k: usize,
    /// Pooled estimate (analysis scale, e.g. log OR).
    pub estimate: f64,
    /// Its SE.
    pub se: f64,
    /// z (or t) statistic.
    pub zval: f64,
    /// p-value.
    pub pval: f64,
    /// CI lower.
    pub ci_lb: f64,
    /// CI upper.
    pub ci_ub: f64,
    /// Prediction interval lower.
    pub pi_lb: f64,
    /// Prediction interval upper.
    pub pi_ub: f64,
    /// τ².
    pub tau2: f64,
    /// τ.
    pub tau: f64,
    /// Q-profile 95% CI of τ² (None when k < 2 or for EE).
    pub tau2_ci: Option<(f64, f64)>,
    /// I² (percent).
    pub i2: f64,
    /// Its Q-profile CI.
    pub i2_ci: Option<(f64, f64)>,
    /// H².
    pub h2: f64,
    /// Its Q-profile CI.
    pub h2_ci: Option<(f64, f64)>,
    /// Cochran's Q.
    pub q: f64,
    /// Its df.
    pub q_df: usize,
    /// Its p-value.
    pub q_pval: f64,
    /// t df under knha/t tests.
    pub df: Option<f64>,
    /// Back-transformed estimate, CI and PI (OR, RR, ROM, r).
    pub back_transformed: Option<Back>,
    /// Per-study rows.
    pub studies: Vec<StudyRow>,
    /// Subgroup analysis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subgroups: Option<BySubgroup>,
    /// Meta-regression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta_regression: Option<MetaRegression>,
    /// Egger's test.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub egger: Option<Egger>,
    /// Trim-and-fill.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trimfill: Option<super::bias::TrimFill>,
    /// Leave-one-out series.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leave1out: Option<Vec<Summary>>,
    /// Cumulative series.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cumulative: Option<Vec<Summary>>,
}

/// Run the analysis.
pub fn analyse(
    measure: Measure,
    labels: &[String],
    es: &[EffectSize],
    opts: &Options,
    req: &Request,
) -> Result<Report, MetaError> {
    let (y, v) = super::unzip(es);
    let k = y.len();
    let d = Design::intercept(k);
    let f = fit(&y, &v, &d, opts)?;
    let pred = f.predict(&[1.0]);
    let q = if k >= 2 && opts.method != Method::EE {
        confint(&y, &v, &d, &f, &opts.control).ok()
    } else {
        None
    };
    let back = |x: f64| measure.back_transform(x);
    let back_transformed = back(0.0).map(|_| Back {
        estimate: back(f.estimate()).unwrap_or(f64::NAN),
        ci_lb: back(pred.ci_lb).unwrap_or(f64::NAN),
        ci_ub: back(pred.ci_ub).unwrap_or(f64::NAN),
        pi_lb: back(pred.pi_lb).unwrap_or(f64::NAN),
        pi_ub: back(pred.pi_ub).unwrap_or(f64::NAN),
    });
    let studies = labels
        .iter()
        .zip(es)
        .zip(&f.weights_pct)
        .map(|((l, e), w)| {
            let (lb, ub) = (
                e.yi() - crate::model::Z975 * e.sei(),
                e.yi() + crate::model::Z975 * e.sei(),
            );
            StudyRow {
                study: l.clone(),
                yi: e.yi(),
                vi: e.vi(),
                sei: e.sei(),
                ci_lb: lb,
                ci_ub: ub,
                weight: *w,
                back: back(e.yi()).map(|b| {
                    (
                        b,
                        back(lb).unwrap_or(f64::NAN),
                        back(ub).unwrap_or(f64::NAN),
                    )
                }),
            }
        })
        .collect();
    let subgroups = match &req.by {
        Some((name, levels)) => Some(BySubgroup {
            by: name.clone(),
            result: subgroups(&y, &v, levels, opts)?,
        }),
        None => None,
    };
    let meta_regression = if req.mods.is_empty() {
        None
    } else {
        let rows: Vec<usize> = match &req.mods_rows {
            Some(r) => r.clone(),
            None => (0..k).collect(),
        };
        let ys: Vec<f64> = rows.iter().filter_map(|i| y.get(*i).copied()).collect();
        let vs: Vec<f64> = rows.iter().filter_map(|i| v.get(*i).copied()).collect();
        let (dm, coef_names) = design(ys.len(), &req.mods)?;
        let fm = fit(&ys, &vs, &dm, opts)?;
        // R² against the intercept-only model on the same studies (metafor's).
        let tau2_0 = if ys.len() == k {
            f.tau2
        } else {
            fit(&ys, &vs, &super::linalg::Design::intercept(ys.len()), opts)?.tau2
        };
        let r2 = if tau2_0 > 0.0 {
            (100.0 * (tau2_0 - fm.tau2) / tau2_0).max(0.0)
        } else {
            0.0
        };
        Some(MetaRegression {
            coef_names,
            r2,
            omitted: (0..k)
                .filter(|i| !rows.contains(i))
                .filter_map(|i| labels.get(i).cloned())
                .collect(),
            fit: fm,
        })
    };
    let egger = if req.egger {
        Some(egger(&y, &v, EggerModel::Rma, opts)?)
    } else {
        None
    };
    let trimfill = if req.trimfill {
        Some(trim_fill(&y, &v, Estimator::L0, None, opts)?)
    } else {
        None
    };
    let leave1out = if req.leave1out {
        let fits = leave_one_out(&y, &v, opts)?;
        Some(
            fits.iter()
                .zip(labels)
                .map(|(f, l)| summary(format!("without {l}"), f))
                .collect(),
        )
    } else {
        None
    };
    let cumulative = match &req.cumulative {
        Some((_, keys)) => {
            let order = order_by(keys);
            let fits = cumulative(&y, &v, &order, opts)?;
            Some(
                fits.iter()
                    .zip(&order)
                    .map(|(f, i)| {
                        summary(
                            format!("+ {}", labels.get(*i).cloned().unwrap_or_default()),
                            f,
                        )
                    })
                    .collect(),
            )
        }
        None => None,
    };
    Ok(Report {
        measure,
        method: opts.method,
        test: opts.test,
        k,
        estimate: f.estimate(),
        se: f.se.first().copied().unwrap_or(f64::NAN),
        zval: f.zval.first().copied().unwrap_or(f64::NAN),
        pval: f.pval.first().copied().unwrap_or(f64::NAN),
        ci_lb: pred.ci_lb,
        ci_ub: pred.ci_ub,
        pi_lb: pred.pi_lb,
        pi_ub: pred.pi_ub,
        tau2: f.tau2,
        tau: f.tau2.sqrt(),
        tau2_ci: q.map(|q| (q.tau2.lb, q.tau2.ub)),
        i2: f.i2,
        i2_ci: q.map(|q| (q.i2.lb, q.i2.ub)),
        h2: f.h2,
        h2_ci: q.map(|q| (q.h2.lb, q.h2.ub)),
        q: f.qe,
        q_df: f.qe_df,
        q_pval: f.qe_pval,
        df: f.df,
        back_transformed,
        studies,
        subgroups,
        meta_regression,
        egger,
        trimfill,
        leave1out,
        cumulative,
    })
}
