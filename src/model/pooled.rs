//! A pooled result: one noun for the map, the snapshot, the diff, certainty
//! and the briefing. [`crate::meta::pool_rows`] fills it from the rows of a
//! cell; the map adds the studies' ids, certainty adds its rating.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The random-effects pooled result of one intervention × outcome cell and
/// measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "Wire")]
pub struct Pooled {
    /// Intervention id.
    pub intervention: String,
    /// Outcome id.
    pub outcome: String,
    /// Measure (e.g. `SMD`, `RR`).
    pub measure: String,
    /// Rows pooled.
    pub k: usize,
    /// Pooled estimate (analysis scale: log for ratios).
    pub estimate: f64,
    /// CI lower limit.
    pub ci_lb: f64,
    /// CI upper limit.
    pub ci_ub: f64,
    /// Prediction interval, when k is large enough.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pi: Option<(f64, f64)>,
    /// I² (%).
    pub i2: f64,
    /// τ².
    pub tau2: f64,
    /// Estimator and interval in words, e.g. `REML, Knapp–Hartung CI`
    /// (empty in snapshots taken before it was kept).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub method: String,
    /// What the reader sees, e.g. `Risk ratio`.
    pub scale: String,
    /// Estimate and CI on the reader's scale (e.g. RR rather than log RR).
    pub shown: (f64, f64, f64),
    /// Prediction interval on the reader's scale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shown_pi: Option<(f64, f64)>,
    /// The studies pooled (the map's study ids, sorted): the map's page
    /// shows the result under a filter only when the filter keeps exactly
    /// these.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub studies: Vec<String>,
    /// Store ids of the records whose rows were pooled (not serialised).
    #[serde(skip)]
    pub record_ids: Vec<i64>,
    /// Each study's share of the random-effects weight (sums to 1), by
    /// study id.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub weights: BTreeMap<String, f64>,
    /// The cumulative meta-analysis by year of publication, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cumulative: Vec<CumulativeStep>,
    /// The rows pooled, as the forest plot draws them (empty in snapshots
    /// taken before they were kept).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<PooledRow>,
    /// How sure (GRADE), once rated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certainty: Option<PooledCertainty>,
}

impl Pooled {
    /// Whether the CI holds the null (0 on the analysis scale).
    pub fn ci_crosses_null(&self) -> bool {
        self.ci_lb <= 0.0 && self.ci_ub >= 0.0
    }

    /// Whether the prediction interval holds the null; `None` without one.
    pub fn pi_crosses_null(&self) -> Option<bool> {
        self.pi.map(|(lo, hi)| lo <= 0.0 && hi >= 0.0)
    }

    /// Intervention, outcome and measure: what names the result.
    pub fn key(&self) -> (String, String, String) {
        (
            self.intervention.clone(),
            self.outcome.clone(),
            self.measure.clone(),
        )
    }

    /// Whether `other` is the result of the same cell and measure.
    pub fn same_cell(&self, other: &Pooled) -> bool {
        self.intervention == other.intervention
            && self.outcome == other.outcome
            && self.measure == other.measure
    }
}

/// How a pooled result is read: today's fields, and the layout of the
/// snapshots taken before there was one type (`pi_lb` and `pi_ub` instead of
/// `pi`), so that every frozen version still reads.
#[derive(Deserialize)]
struct Wire {
    intervention: String,
    outcome: String,
    measure: String,
    k: usize,
    estimate: f64,
    ci_lb: f64,
    ci_ub: f64,
    #[serde(default)]
    pi: Option<(f64, f64)>,
    #[serde(default)]
    pi_lb: Option<f64>,
    #[serde(default)]
    pi_ub: Option<f64>,
    i2: f64,
    tau2: f64,
    #[serde(default)]
    method: String,
    scale: String,
    shown: (f64, f64, f64),
    #[serde(default)]
    shown_pi: Option<(f64, f64)>,
    #[serde(default)]
    studies: Vec<String>,
    #[serde(default)]
    weights: BTreeMap<String, f64>,
    #[serde(default)]
    cumulative: Vec<CumulativeStep>,
    #[serde(default)]
    rows: Vec<PooledRow>,
    #[serde(default)]
    certainty: Option<PooledCertainty>,
}

impl From<Wire> for Pooled {
    fn from(w: Wire) -> Self {
        Pooled {
            pi: w.pi.or(w.pi_lb.zip(w.pi_ub)),
            intervention: w.intervention,
            outcome: w.outcome,
            measure: w.measure,
            k: w.k,
            estimate: w.estimate,
            ci_lb: w.ci_lb,
            ci_ub: w.ci_ub,
            i2: w.i2,
            tau2: w.tau2,
            method: w.method,
            scale: w.scale,
            shown: w.shown,
            shown_pi: w.shown_pi,
            studies: w.studies,
            record_ids: Vec::new(),
            weights: w.weights,
            cumulative: w.cumulative,
            rows: w.rows,
            certainty: w.certainty,
        }
    }
}

/// One step of a cumulative meta-analysis: every study up to `year`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CumulativeStep {
    /// Year of the last study added.
    pub year: Option<i32>,
    /// Study added at this step.
    pub study: String,
    /// Studies pooled so far.
    pub k: usize,
    /// Estimate (analysis scale).
    pub estimate: f64,
    /// CI lower limit.
    pub ci_lb: f64,
    /// CI upper limit.
    pub ci_ub: f64,
}

/// One study's row in a pooled result, as the forest plot draws it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PooledRow {
    /// The study as readers name it (with the comparison, when a study has two rows).
    pub study: String,
    /// Effect (analysis scale).
    pub yi: f64,
    /// Sampling variance.
    pub vi: f64,
    /// Year of publication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// The study id in the map (what its designs and judgements attach to).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub study_id: String,
    /// The record the row came from (its key).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub record: String,
    /// The extraction sheet's label for the study ("Bateman 2009").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    /// Participants, when the statistics give them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<f64>,
    /// The control arm's risk, for a 2×2 table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_risk: Option<f64>,
    /// Its share of the random-effects weight, as the fit gave it (absent
    /// in snapshots taken before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
}

/// A pooled result's GRADE certainty as the map shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PooledCertainty {
    /// `high`, `moderate`, `low` or `very_low`.
    pub rating: String,
    /// GRADE's symbols (⊕⊕◯◯).
    pub symbols: String,
    /// The level in words.
    pub label: String,
    /// The five domains: name, levels down, reason, and who judged it when
    /// a person did.
    pub domains: Vec<DomainNote>,
}

/// One GRADE domain of a pooled result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainNote {
    /// `risk_of_bias`, `inconsistency`, `imprecision`, `publication_bias`,
    /// `indirectness`.
    pub domain: String,
    /// Levels down.
    pub down: u8,
    /// Why.
    pub reason: String,
    /// The reviewer who judged it, when a person did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// What the rule says, beside a person's judgement: levels down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_down: Option<u8>,
    /// And why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_written_before_one_noun_still_reads() {
        let old = r#"{"intervention":"dbt","outcome":"self_harm","measure":"SMD","k":3,
            "estimate":-0.4,"ci_lb":-0.8,"ci_ub":0.0,"pi_lb":-1.2,"pi_ub":0.4,
            "tau2":0.05,"i2":40.0,"scale":"SMD","shown":[-0.4,-0.8,0.0],
            "weights":{"a":0.5,"b":0.5},"cumulative":[]}"#;
        let p: Pooled = serde_json::from_str(old).expect("old snapshot pooled result");
        assert_eq!(p.pi, Some((-1.2, 0.4)));
        assert_eq!(p.pi_crosses_null(), Some(true));
        assert!(p.method.is_empty());
        let again: Pooled =
            serde_json::from_str(&serde_json::to_string(&p).expect("write")).expect("read");
        assert_eq!(again, p);
    }

    #[test]
    fn a_map_written_before_one_noun_still_reads() {
        let old = r#"{"intervention":"dbt","outcome":"self_harm","measure":"RR","k":2,
            "estimate":0.1,"ci_lb":-0.2,"ci_ub":0.4,"i2":0.0,"tau2":0.0,
            "method":"REML, Knapp–Hartung CI","scale":"Risk ratio",
            "shown":[1.1,0.8,1.5],"studies":["s1","s2"]}"#;
        let p: Pooled = serde_json::from_str(old).expect("old map pooled result");
        assert_eq!(p.pi, None);
        assert_eq!(p.studies, vec!["s1".to_string(), "s2".to_string()]);
        assert!(p.ci_crosses_null());
    }
}
