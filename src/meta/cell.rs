//! The pooled result of one map cell, filled from one fit: the estimate, its
//! intervals on both scales, each study's share of the weight (the fit's
//! own weights) and the cumulative meta-analysis by year
//! ([`super::sensitivity::cumulative`]). Nothing here recomputes what the
//! fit holds.

use std::collections::BTreeMap;

use super::sensitivity::cumulative;
use super::{pool, unzip, MetaError, Options, Test};
use crate::model::pooled::{CumulativeStep, Pooled, PooledRow};
use crate::model::{EffectSize, Measure};

/// What a pooled result needs besides its rows.
#[derive(Debug, Clone, Copy)]
pub struct CellSpec<'a> {
    /// Intervention id.
    pub intervention: &'a str,
    /// Outcome id.
    pub outcome: &'a str,
    /// The rows' measure.
    pub measure: Measure,
    /// Estimator and test.
    pub options: &'a Options,
    /// The smallest k with a prediction interval.
    pub pi_min_k: usize,
}

/// The estimator and interval in words, as a reader sees them.
pub fn method_words(o: &Options) -> String {
    format!(
        "{:?}, {}",
        o.method,
        match o.test {
            Test::Z => "Wald CI",
            Test::T => "t CI",
            Test::Knha => "Knapp–Hartung CI",
            Test::Adhoc => "Knapp–Hartung (ad hoc) CI",
        }
    )
}

/// Pool `rows` (one per study, each with its study id, name and year) into
/// the cell's result. Weights are keyed by study id (rows of one study add
/// up); the cumulative analysis adds studies oldest first (no year last,
/// ties by name), as metafor's `cumul` does with that order.
pub fn pool_rows(spec: CellSpec<'_>, rows: Vec<PooledRow>) -> Result<Pooled, MetaError> {
    let es = rows
        .iter()
        .map(|r| EffectSize::new(r.yi, r.vi))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| MetaError::OutOfRange(e.to_string()))?;
    let f = pool(&es, spec.options)?;
    let p = f.predict(&[1.0]);
    let b = |x: f64| spec.measure.back_transform(x).unwrap_or(x);
    let pi = (f.k >= spec.pi_min_k).then_some((p.pi_lb, p.pi_ub));
    let mut rows = rows;
    let mut weights: BTreeMap<String, f64> = BTreeMap::new();
    for (r, w) in rows.iter_mut().zip(&f.weights_pct) {
        r.weight = Some(w / 100.0);
        *weights.entry(r.study_id.clone()).or_default() += w / 100.0;
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_cached_key(|i| {
        rows.get(*i)
            .map(|r| (r.year.unwrap_or(i32::MAX), r.study.clone()))
    });
    let (y, v) = unzip(&es);
    // A step that cannot be fitted (metafor gives NA there) leaves the
    // cumulative analysis out rather than a series with a hole.
    let steps = cumulative(&y, &v, &order, spec.options).unwrap_or_default();
    let cumulative = order
        .iter()
        .zip(&steps)
        .filter_map(|(i, s)| {
            let r = rows.get(*i)?;
            let at = s.predict(&[1.0]);
            Some(CumulativeStep {
                year: r.year,
                study: r.study.clone(),
                k: s.k,
                estimate: s.estimate(),
                ci_lb: at.ci_lb,
                ci_ub: at.ci_ub,
            })
        })
        .collect();
    let mut studies: Vec<String> = rows
        .iter()
        .map(|r| r.study_id.clone())
        .filter(|s| !s.is_empty())
        .collect();
    studies.sort();
    studies.dedup();
    Ok(Pooled {
        intervention: spec.intervention.to_string(),
        outcome: spec.outcome.to_string(),
        measure: format!("{:?}", spec.measure).to_uppercase(),
        k: f.k,
        estimate: f.estimate(),
        ci_lb: p.ci_lb,
        ci_ub: p.ci_ub,
        pi,
        i2: f.i2,
        tau2: f.tau2,
        method: method_words(spec.options),
        scale: spec.measure.label().to_string(),
        shown: (b(f.estimate()), b(p.ci_lb), b(p.ci_ub)),
        shown_pi: pi.map(|(l, u)| (b(l), b(u))),
        studies,
        record_ids: Vec::new(),
        weights,
        cumulative,
        rows,
        certainty: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::Method;

    fn row(study: &str, yi: f64, vi: f64, year: Option<i32>) -> PooledRow {
        PooledRow {
            study: study.into(),
            yi,
            vi,
            year,
            study_id: format!("id-{study}"),
            record: String::new(),
            label: study.into(),
            n: None,
            control_risk: None,
            weight: None,
        }
    }

    fn spec(o: &Options) -> CellSpec<'_> {
        CellSpec {
            intervention: "dbt",
            outcome: "self_harm",
            measure: Measure::Smd,
            options: o,
            pi_min_k: 3,
        }
    }

    /// metafor 3.8-1: `d <- data.frame(yi=c(0.5,0.2,0.9), vi=c(0.04,0.09,0.05),
    /// year=c(2001,2003,2002)); r <- rma(yi, vi, data=d, test="knha");
    /// weights(r); cumul(r, order=d$year)` (its first step, k = 1, falls back
    /// to a z interval as metafor says it does).
    #[test]
    fn weights_and_cumulative_match_metafor() {
        let o = Options {
            method: Method::REML,
            test: Test::Knha,
            ..Options::default()
        };
        let rows = vec![
            row("A", 0.5, 0.04, Some(2001)),
            row("B", 0.2, 0.09, Some(2003)),
            row("C", 0.9, 0.05, Some(2002)),
        ];
        let p = pool_rows(spec(&o), rows).expect("pooled");
        let close =
            |a: f64, b: f64, what: &str| assert!((a - b).abs() < 5e-5, "{what}: {a} vs {b}");
        close(p.weights["id-A"], 0.3932863, "weight A");
        close(p.weights["id-B"], 0.2527760, "weight B");
        close(p.weights["id-C"], 0.3539377, "weight C");
        let row_a = p
            .rows
            .iter()
            .find(|r| r.study == "A")
            .and_then(|r| r.weight);
        close(row_a.unwrap_or(f64::NAN), 0.3932863, "row A's weight");
        let names: Vec<&str> = p.cumulative.iter().map(|s| s.study.as_str()).collect();
        assert_eq!(names, ["A", "C", "B"]);
        let want = [
            (0.5000, 0.1080, 0.8920),
            (0.6875, -1.8488, 3.2238),
            (0.5657, -0.2678, 1.3993),
        ];
        for (s, (e, lb, ub)) in p.cumulative.iter().zip(want) {
            close(s.estimate, e, "cumulative estimate");
            close(s.ci_lb, lb, "cumulative ci.lb");
            close(s.ci_ub, ub, "cumulative ci.ub");
        }
        let last = p.cumulative.last().expect("steps");
        close(last.estimate, p.estimate, "last step is the whole fit");
        assert_eq!(p.studies, ["id-A", "id-B", "id-C"]);
        assert!(p.pi.is_some(), "k = 3 has a prediction interval");
    }

    #[test]
    fn two_rows_of_one_study_share_its_weight_and_a_bad_row_is_an_error() {
        let o = Options::default();
        let mut rows = vec![row("A", 0.5, 0.04, Some(2001)), row("B", 0.2, 0.09, None)];
        rows[1].study_id = "id-A".into();
        let p = pool_rows(spec(&o), rows).expect("pooled");
        assert!((p.weights["id-A"] - 1.0).abs() < 1e-12);
        assert_eq!(
            p.cumulative.last().map(|s| s.year),
            Some(None),
            "no year last"
        );
        let bad = vec![row("A", f64::NAN, 0.04, None), row("B", 0.2, 0.09, None)];
        assert!(pool_rows(spec(&o), bad).is_err());
    }
}
