//! Sequencing for screening simulations: read a labelled sheet, build the
//! features once, run one simulation per seed in parallel, and time them.
//! The ranking, stopping and metrics are in `screen`.

use crate::error::Error;
use crate::screen::rank::{tfidf_with, Classifier, Loss, Vocabulary};
use crate::screen::simulate::{choose_priors, simulate as run, Outcome, Settings};
use rayon::prelude::*;
use std::path::PathBuf;

/// Where the prior records come from.
#[derive(Debug, Clone)]
pub enum Priors {
    /// `inc` relevant and `exc` irrelevant, drawn with each seed.
    Seeded {
        /// Relevant priors.
        inc: usize,
        /// Irrelevant priors.
        exc: usize,
    },
    /// The records with these `record_id` values.
    Ids(Vec<String>),
    /// The records at these 0-based data rows (as ASReview numbers them).
    Rows(Vec<usize>),
}

/// One `lacuna simulate`.
#[derive(Debug, Clone)]
pub struct SimulateConfig {
    /// The labelled CSV.
    pub data: PathBuf,
    /// Priors.
    pub priors: Priors,
    /// Seeds (one simulation each).
    pub seeds: Vec<u64>,
    /// Classifier.
    pub classifier: Classifier,
    /// Recall target of the stopping rule.
    pub target: f64,
    /// 1 − confidence.
    pub alpha: f64,
    /// Which terms become features.
    pub vocabulary: Vocabulary,
    /// L2 strength of logistic regression.
    pub lambda: f32,
    /// Logistic regression: passes over the labelled records per retrain.
    pub epochs: usize,
    /// SVM rounds per retrain.
    pub rounds: usize,
    /// SVM tolerance of the optimality check.
    pub tolerance: f32,
    /// SVM cost C.
    pub c: f32,
    /// SVM loss.
    pub loss: Loss,
    /// Class balance (total weight of relevant over irrelevant records).
    pub ratio: f32,
}

/// One seed's result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SimRun {
    /// Seed.
    pub seed: u64,
    /// Metrics.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Mean milliseconds per screening step (retrain + rescore + pick).
    pub ms_per_step: f64,
}

/// A labelled sheet: record ids, texts (title and abstract), labels.
type Labelled = (Vec<String>, Vec<String>, Vec<bool>);

/// Read the sheet.
fn read(cfg: &SimulateConfig) -> Result<Labelled, Error> {
    let path = cfg.data.display().to_string();
    let bad = |message: String| Error::Sheet {
        path: path.clone(),
        message,
    };
    let bytes = std::fs::read(&cfg.data).map_err(|e| bad(e.to_string()))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = rdr
        .headers()
        .map_err(|e| bad(format!("not a readable CSV: {e}")))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(ci), Some(ct), Some(ca), Some(cl)) = (
        col("record_id"),
        col("title"),
        col("abstract"),
        col("label_included"),
    ) else {
        return Err(bad(format!(
            "needs the columns record_id,title,abstract,label_included (found: {})",
            headers.iter().collect::<Vec<_>>().join(",")
        )));
    };
    let (mut ids, mut texts, mut labels) = (Vec::new(), Vec::new(), Vec::new());
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| bad(format!("row {}: {e}", i + 2)))?;
        let label = match rec.get(cl).map(str::trim) {
            Some("1") => true,
            Some("0") => false,
            other => {
                return Err(bad(format!(
                    "row {}, column label_included: {:?} is not 0 or 1",
                    i + 2,
                    other.unwrap_or("")
                )));
            }
        };
        ids.push(rec.get(ci).unwrap_or("").to_string());
        texts.push(format!(
            "{} {}",
            rec.get(ct).unwrap_or(""),
            rec.get(ca).unwrap_or("")
        ));
        labels.push(label);
    }
    let r = labels.iter().filter(|x| **x).count();
    if r == 0 || r == labels.len() {
        return Err(bad(format!(
            "{} records, {r} relevant: a simulation needs both relevant and irrelevant records",
            labels.len()
        )));
    }
    Ok((ids, texts, labels))
}

/// Run the simulations (seeds in parallel).
pub fn simulate(cfg: &SimulateConfig) -> Result<Vec<SimRun>, Error> {
    let (ids, texts, labels) = read(cfg)?;
    let features = tfidf_with(&texts, &cfg.vocabulary);
    let fixed: Option<Vec<usize>> = match &cfg.priors {
        Priors::Seeded { .. } => None,
        Priors::Ids(want) => {
            let mut v = Vec::new();
            for w in want {
                let i = ids.iter().position(|x| x == w).ok_or_else(|| {
                    Error::Usage(format!(
                        "--prior-ids: no record_id {w:?} in {}",
                        cfg.data.display()
                    ))
                })?;
                v.push(i);
            }
            Some(v)
        }
        Priors::Rows(rows) => {
            if let Some(r) = rows.iter().find(|r| **r >= labels.len()) {
                return Err(Error::Usage(format!(
                    "--prior-rows: row {r} is past the last row ({})",
                    labels.len() - 1
                )));
            }
            Some(rows.clone())
        }
    };
    if let Some(p) = &fixed {
        if !p.iter().any(|i| labels.get(*i) == Some(&true))
            || !p.iter().any(|i| labels.get(*i) == Some(&false))
        {
            return Err(Error::Usage(
                "the prior records must include at least one relevant and one irrelevant record"
                    .into(),
            ));
        }
    }
    let runs = cfg
        .seeds
        .par_iter()
        .map(|&seed| {
            let priors = match (&fixed, &cfg.priors) {
                (Some(p), _) => p.clone(),
                (None, Priors::Seeded { inc, exc }) => {
                    choose_priors(&labels, (*inc).max(1), (*exc).max(1), seed)
                }
                (None, _) => Vec::new(),
            };
            let s = Settings {
                classifier: cfg.classifier,
                seed,
                target: cfg.target,
                alpha: cfg.alpha,
                lambda: cfg.lambda,
                epochs: cfg.epochs,
                rounds: cfg.rounds,
                tolerance: cfg.tolerance,
                c: cfg.c,
                loss: cfg.loss,
                ratio: cfg.ratio,
            };
            let t = std::time::Instant::now();
            let outcome = run(&features, &labels, &priors, &s);
            let ms = t.elapsed().as_secs_f64() * 1000.0 / outcome.steps.max(1) as f64;
            SimRun {
                seed,
                outcome,
                ms_per_step: ms,
            }
        })
        .collect();
    Ok(runs)
}
