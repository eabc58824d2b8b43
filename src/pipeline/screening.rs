//! Sequencing for screening simulations: read a labelled sheet, build the
//! features once, run one simulation per seed in parallel, time them, sum
//! the runs up ([`Summary`]) and write the recall curve. The ranking,
//! stopping and metrics are in `screen`; the curve's drawing in `report`.

use crate::error::Error;
use crate::screen::features::tfidf_with;
use crate::screen::rank::{Classifier, Settings as RankerSettings};
use crate::screen::simulate::{choose_priors, simulate as run, Outcome, Settings};
use crate::screen::stop::Rule;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

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
    /// The ranker's settings.
    pub ranker: RankerSettings,
    /// Recall target of the stopping rule.
    pub target: f64,
    /// 1 − confidence.
    pub alpha: f64,
    /// The stopping rule of the top-level `stop_at` and `recall_at_stop`
    /// (every rule is measured on the same runs all the same).
    pub rule: Rule,
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
    let headers = super::csv_headers(&mut rdr, &path)?;
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
    let in_unit = |x: f64| x > 0.0 && x < 1.0;
    if !(in_unit(cfg.target) && in_unit(1.0 - cfg.alpha)) {
        return Err(Error::NotReady(
            "--recall-target and --confidence must be between 0 and 1".into(),
        ));
    }
    cfg.ranker.check().map_err(Error::NotReady)?;
    let (ids, texts, labels) = read(cfg)?;
    let features = tfidf_with(&texts, &cfg.ranker.vocabulary);
    let fixed: Option<Vec<usize>> = match &cfg.priors {
        Priors::Seeded { .. } => None,
        Priors::Ids(want) => {
            let mut v = Vec::new();
            for w in want {
                let i = ids.iter().position(|x| x == w).ok_or_else(|| {
                    Error::NotReady(format!(
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
                return Err(Error::NotReady(format!(
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
            return Err(Error::NotReady(
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
                ranker: cfg.ranker,
                seed,
                target: cfg.target,
                alpha: cfg.alpha,
                rule: cfg.rule,
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

/// One rule over every run of a simulation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleSummary {
    /// The rule.
    pub rule: Rule,
    /// Whether it is a heuristic (no stated error rate).
    pub heuristic: bool,
    /// Mean records screened after the priors when it stops, its random
    /// sample included (every record in runs where it never stops).
    pub stop_at: f64,
    /// Mean true recall there.
    pub recall_at_stop: f64,
    /// Share of the runs that reached the recall target.
    pub reached_target: f64,
    /// Mean records in its random sample.
    pub sample: f64,
    /// Each run: seed, stop_at, recall_at_stop, stopped, sample.
    pub runs: Vec<RuleRun>,
}

/// One rule in one run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleRun {
    /// Seed.
    pub seed: u64,
    /// Records screened after the priors when it stops (sample included).
    pub stop_at: usize,
    /// True recall there.
    pub recall_at_stop: f64,
    /// Whether it stopped before every record was screened.
    pub stopped: bool,
    /// Records in its random sample.
    pub sample: usize,
}

/// Every rule's summary over `runs`, in [`Rule::ALL`] order.
pub fn rule_summaries(runs: &[SimRun], target: f64) -> Vec<RuleSummary> {
    Rule::ALL
        .into_iter()
        .map(|rule| {
            let per: Vec<RuleRun> = runs
                .iter()
                .filter_map(|r| {
                    r.outcome
                        .stopping
                        .iter()
                        .find(|x| x.rule == rule)
                        .map(|x| RuleRun {
                            seed: r.seed,
                            stop_at: x.stop_at,
                            recall_at_stop: x.recall_at_stop,
                            stopped: x.stopped,
                            sample: x.sample,
                        })
                })
                .collect();
            let k = per.len().max(1) as f64;
            let mean = |f: &dyn Fn(&RuleRun) -> f64| per.iter().map(f).sum::<f64>() / k;
            RuleSummary {
                rule,
                heuristic: rule.is_heuristic(),
                stop_at: mean(&|r| r.stop_at as f64),
                recall_at_stop: mean(&|r| r.recall_at_stop),
                reached_target: mean(&|r| f64::from(u8::from(r.recall_at_stop >= target - 1e-12))),
                sample: mean(&|r| r.sample as f64),
                runs: per,
            }
        })
        .collect()
}

/// The runs of one `lacuna simulate`, summed up: means over the seeds, and
/// the runs themselves. Serialised, its fields are the `--json` output.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    /// The labelled CSV.
    pub data: String,
    /// The classifier.
    pub classifier: Classifier,
    /// Records in the dataset.
    pub n: Option<usize>,
    /// Relevant records in the dataset.
    pub n_relevant: Option<usize>,
    /// Number of runs (seeds).
    pub seeds: usize,
    /// Mean WSS@95.
    pub wss95: f64,
    /// Mean WSS@100.
    pub wss100: f64,
    /// Mean recall after screening 10 %.
    pub recall_at_10: f64,
    /// Mean records screened until the last relevant one.
    pub screened_to_all: f64,
    /// The stopping rule of `stop_at` and `recall_at_stop`.
    pub rule: Rule,
    /// Mean records screened when that rule stops (NaN, shown as null, when
    /// some run never stops).
    pub stop_at: f64,
    /// Mean true recall there.
    pub recall_at_stop: f64,
    /// Runs whose stopping rule stopped below the recall target.
    pub stopped_below_target: usize,
    /// Mean records screened when the knee method stops.
    pub knee_stop_at: f64,
    /// Mean true recall there.
    pub recall_at_knee: f64,
    /// Mean milliseconds per screening step.
    pub ms_per_step: f64,
    /// Every stopping rule on the same runs.
    pub stopping: Vec<RuleSummary>,
    /// Every run.
    pub runs: Vec<SimRun>,
}

impl Summary {
    /// Sum up the runs of `cfg`.
    pub fn of(cfg: &SimulateConfig, runs: Vec<SimRun>) -> Summary {
        let k = runs.len().max(1) as f64;
        let mean = |f: &dyn Fn(&SimRun) -> f64| runs.iter().map(f).sum::<f64>() / k;
        let first = runs.first().map(|r| &r.outcome);
        Summary {
            data: cfg.data.display().to_string(),
            classifier: cfg.ranker.classifier,
            n: first.map(|o| o.n),
            n_relevant: first.map(|o| o.n_relevant),
            seeds: runs.len(),
            wss95: mean(&|r| r.outcome.wss95),
            wss100: mean(&|r| r.outcome.wss100),
            recall_at_10: mean(&|r| r.outcome.recall_at_10),
            screened_to_all: mean(&|r| r.outcome.screened_to_all as f64),
            rule: cfg.rule,
            stop_at: mean(&|r| r.outcome.stop_at.map_or(f64::NAN, |s| s as f64)),
            recall_at_stop: mean(&|r| r.outcome.recall_at_stop.unwrap_or(f64::NAN)),
            stopped_below_target: runs
                .iter()
                .filter(|r| r.outcome.recall_at_stop.is_some_and(|x| x < cfg.target))
                .count(),
            knee_stop_at: mean(&|r| r.outcome.knee_stop_at.map_or(f64::NAN, |s| s as f64)),
            recall_at_knee: mean(&|r| r.outcome.recall_at_knee.unwrap_or(f64::NAN)),
            ms_per_step: mean(&|r| r.ms_per_step),
            stopping: rule_summaries(&runs, cfg.target),
            runs,
        }
    }
}

/// Write the runs' recall curve into `dir` as `recall.csv` and `recall.svg`.
pub fn write_recall_curve(dir: &Path, data: &Path, runs: &[SimRun]) -> Result<(), Error> {
    let fail = |path: &Path, source| Error::Write {
        path: path.to_path_buf(),
        what: "the recall curve",
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
    let pairs: Vec<(u64, &crate::screen::simulate::Outcome)> =
        runs.iter().map(|r| (r.seed, &r.outcome)).collect();
    let title = format!(
        "Recall curve — {}",
        data.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    let csv = dir.join("recall.csv");
    super::folder::write_atomic(&csv, crate::report::recall::csv(&pairs).as_bytes())
        .map_err(|e| fail(&csv, e))?;
    let svg = dir.join("recall.svg");
    super::folder::write_atomic(&svg, crate::report::recall::svg(&pairs, &title).as_bytes())
        .map_err(|e| fail(&svg, e))?;
    Ok(())
}
