//! Moderators: designs from continuous and categorical columns, subgroup
//! analyses and the test for subgroup differences. Pure numerics.

use super::linalg::Design;
use super::{dist, fit, Fit, MetaError, Options};
use serde::Serialize;

/// A moderator column.
#[derive(Debug, Clone, PartialEq)]
pub enum Moderator {
    /// Numbers.
    Continuous(Vec<f64>),
    /// Levels (dummy-coded against the first level in sorted order, as R's factor()).
    Categorical(Vec<String>),
}

/// Build an intercept + moderators design; returns the design and column names.
pub fn design(k: usize, mods: &[(String, Moderator)]) -> Result<(Design, Vec<String>), MetaError> {
    let mut names = vec!["intrcpt".to_string()];
    let mut cols: Vec<Vec<f64>> = vec![vec![1.0; k]];
    for (name, m) in mods {
        match m {
            Moderator::Continuous(x) => {
                if x.len() != k {
                    return Err(MetaError::Length(k, x.len()));
                }
                names.push(name.clone());
                cols.push(x.clone());
            }
            Moderator::Categorical(levels) => {
                if levels.len() != k {
                    return Err(MetaError::Length(k, levels.len()));
                }
                let mut uniq: Vec<&String> = levels.iter().collect();
                uniq.sort();
                uniq.dedup();
                for l in uniq.iter().skip(1) {
                    names.push(format!("{name}{l}"));
                    cols.push(
                        levels
                            .iter()
                            .map(|x| if x == *l { 1.0 } else { 0.0 })
                            .collect(),
                    );
                }
            }
        }
    }
    let p = cols.len();
    let mut x = Vec::with_capacity(k * p);
    for i in 0..k {
        for c in &cols {
            x.push(c.get(i).copied().unwrap_or(0.0));
        }
    }
    Ok((Design { k, p, x }, names))
}

/// One subgroup's fit.
#[derive(Debug, Clone, Serialize)]
pub struct Subgroup {
    /// Level.
    pub level: String,
    /// Its fit (intercept-only, its own τ²).
    pub fit: Fit,
}

/// Subgroup analysis: separate fits per level, and the test of differences.
#[derive(Debug, Clone, Serialize)]
pub struct Subgroups {
    /// Per-level fits, levels sorted.
    pub groups: Vec<Subgroup>,
    /// Q-between on the subgroup estimates (separate τ²), its df and p.
    pub q_between: f64,
    /// Degrees of freedom of `q_between`.
    pub q_between_df: usize,
    /// p-value of `q_between`.
    pub q_between_pval: f64,
    /// Meta-regression on the levels with a common τ² (its `qm` is the moderator test).
    pub common_tau2: Fit,
}

/// Fit each subgroup separately, then test for differences.
pub fn subgroups(
    y: &[f64],
    v: &[f64],
    levels: &[String],
    opts: &Options,
) -> Result<Subgroups, MetaError> {
    let mut uniq: Vec<&String> = levels.iter().collect();
    uniq.sort();
    uniq.dedup();
    if uniq.len() < 2 {
        return Err(MetaError::TooFew(
            "subgroup analysis needs at least two levels".into(),
        ));
    }
    let mut groups = Vec::new();
    for l in &uniq {
        let (yy, vv): (Vec<f64>, Vec<f64>) = y
            .iter()
            .zip(v)
            .zip(levels)
            .filter(|(_, lv)| lv == l)
            .map(|((a, b), _)| (*a, *b))
            .unzip();
        let f = fit(&yy, &vv, &Design::intercept(yy.len()), opts)?;
        groups.push(Subgroup {
            level: (*l).clone(),
            fit: f,
        });
    }
    let w: Vec<f64> = groups
        .iter()
        .map(|g| 1.0 / g.fit.se.first().copied().unwrap_or(f64::NAN).powi(2))
        .collect();
    let sw: f64 = w.iter().sum();
    let bbar: f64 = groups
        .iter()
        .zip(&w)
        .map(|(g, w)| w * g.fit.estimate())
        .sum::<f64>()
        / sw;
    let q: f64 = groups
        .iter()
        .zip(&w)
        .map(|(g, w)| w * (g.fit.estimate() - bbar).powi(2))
        .sum();
    let df = groups.len() - 1;
    let (d, _) = design(
        y.len(),
        &[("group".into(), Moderator::Categorical(levels.to_vec()))],
    )?;
    let common = fit(y, v, &d, opts)?;
    Ok(Subgroups {
        groups,
        q_between: q,
        q_between_df: df,
        q_between_pval: dist::p_chisq_upper(q, df as f64),
        common_tau2: common,
    })
}
