//! Command line for screening simulations (`lacuna simulate`).

use crate::cli::Bars;
use anyhow::Context;
use clap::Args;
use lacuna::pipeline::screening::{self as sc, Priors, SimulateConfig};
use lacuna::progress::Reporter;
use lacuna::screen::rank::Classifier;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `lacuna simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Labelled CSV with columns record_id,title,abstract,label_included (others ignored).
    data: PathBuf,
    /// Relevant prior records drawn with each seed.
    #[arg(long, default_value_t = 1)]
    prior_included: usize,
    /// Irrelevant prior records drawn with each seed.
    #[arg(long, default_value_t = 1)]
    prior_excluded: usize,
    /// Prior records given exactly, by record_id (comma-separated).
    #[arg(long, value_delimiter = ',', conflicts_with = "prior_rows")]
    prior_ids: Vec<String>,
    /// Prior records given by 0-based data row, as ASReview numbers them (comma-separated).
    #[arg(long, value_delimiter = ',')]
    prior_rows: Vec<usize>,
    /// Seed: draws the priors (unless given) and the solver's visiting order; 1
    /// if none. Repeat it, or give a comma-separated list, for several (run in
    /// parallel).
    #[arg(long, value_delimiter = ',', conflicts_with = "seeds")]
    seed: Vec<u64>,
    /// Run seeds 1..=N instead of --seed.
    #[arg(long)]
    seeds: Option<u64>,
    /// Classifier: svm (linear SVM, the default), logistic (L2 logistic regression) or nb (naive Bayes).
    #[arg(long, default_value = "svm", value_parser = parse_classifier)]
    classifier: Classifier,
    /// Recall target of the stopping rule.
    #[arg(long, default_value_t = 0.95)]
    recall_target: f64,
    /// Confidence of the stopping rule.
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// Fewest records a word or word pair must appear in to be a feature.
    #[arg(long, default_value_t = 1)]
    min_df: usize,
    /// Drop words and word pairs found in more than this share of the records.
    #[arg(long, default_value_t = 0.95)]
    max_df: f64,
    /// Drop English stop words (off by default, as in ASReview).
    #[arg(long)]
    stop_words: bool,
    /// L2 strength of the logistic regression.
    #[arg(long, default_value_t = 1e-4)]
    lambda: f32,
    /// Logistic regression: passes over the labelled records at each retrain.
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    /// SVM: rounds at each retrain. A round finds the labelled records whose
    /// optimality conditions are off by more than --tolerance and makes one
    /// coordinate-descent pass over them; the next retrain resumes.
    #[arg(long, default_value_t = lacuna::screen::rank::DEFAULT_ROUNDS)]
    rounds: usize,
    /// SVM: a labelled record is revisited while its projected gradient is
    /// larger than this (smaller: closer to the optimum at each step, slower).
    #[arg(long, default_value_t = lacuna::screen::rank::DEFAULT_TOLERANCE)]
    tolerance: f32,
    /// Cost C of the SVM (before class balancing).
    #[arg(long, default_value_t = lacuna::screen::rank::DEFAULT_C)]
    svm_c: f32,
    /// SVM loss: squared-hinge (the default, as scikit-learn's LinearSVC) or hinge.
    #[arg(long, default_value = "squared-hinge", value_parser = parse_loss)]
    loss: lacuna::screen::rank::Loss,
    /// Class balance: total weight of the relevant records over that of the irrelevant ones.
    #[arg(long, default_value_t = lacuna::screen::rank::DEFAULT_RATIO)]
    balance_ratio: f32,
    /// Folder for the recall curve (recall.csv, recall.svg).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print the metrics as JSON on stdout.
    #[arg(long)]
    json: bool,
}

fn parse_loss(s: &str) -> Result<lacuna::screen::rank::Loss, String> {
    match s.to_ascii_lowercase().replace('_', "-").as_str() {
        "squared-hinge" | "l2" => Ok(lacuna::screen::rank::Loss::SquaredHinge),
        "hinge" | "l1" => Ok(lacuna::screen::rank::Loss::Hinge),
        other => Err(format!("{other:?}: the loss is squared-hinge or hinge")),
    }
}

fn parse_classifier(s: &str) -> Result<Classifier, String> {
    Classifier::parse(s).ok_or_else(|| format!("unknown classifier {s:?}: use svm, logistic or nb"))
}

/// Help text for the stopping rule's assumptions.
pub const STOPPING_HELP: &str = "Stopping rule: the hypergeometric test of Callaghan & Müller-Hansen (2020). \
It stops when 'recall is below the target' can be rejected at the given confidence, treating each run of the most \
recently screened records as a random sample of those not yet screened. Screening by predicted relevance makes this \
conservative; it is not valid if records were skipped or screened in an order chosen to avoid relevant ones. \
The knee method (Cormack & Grossman 2016: gain-curve slope ratio >= 6 after 150 records) is reported as a heuristic \
without a stated error rate.";

/// `lacuna simulate`.
pub fn simulate(out: &mut dyn Write, bars: &Bars, a: SimulateArgs) -> anyhow::Result<()> {
    let in_unit = |x: f64| x > 0.0 && x < 1.0;
    if !(in_unit(a.recall_target) && in_unit(a.confidence)) {
        return Err(lacuna::Error::Usage(
            "--recall-target and --confidence must be between 0 and 1".into(),
        )
        .into());
    }
    if !(a.max_df > 0.0 && a.max_df <= 1.0) {
        return Err(lacuna::Error::Usage("--max-df must be above 0 and at most 1".into()).into());
    }
    if !(a.svm_c > 0.0
        && a.svm_c.is_finite()
        && a.balance_ratio > 0.0
        && a.balance_ratio.is_finite())
    {
        return Err(lacuna::Error::Usage(
            "--svm-c and --balance-ratio must be positive numbers".into(),
        )
        .into());
    }
    if !(a.tolerance > 0.0 && a.tolerance.is_finite()) {
        return Err(lacuna::Error::Usage("--tolerance must be a positive number".into()).into());
    }
    if a.rounds == 0 || a.epochs == 0 {
        return Err(lacuna::Error::Usage("--rounds and --epochs must be at least 1".into()).into());
    }
    let priors = if !a.prior_ids.is_empty() {
        Priors::Ids(a.prior_ids.clone())
    } else if !a.prior_rows.is_empty() {
        Priors::Rows(a.prior_rows.clone())
    } else {
        Priors::Seeded {
            inc: a.prior_included,
            exc: a.prior_excluded,
        }
    };
    let seeds: Vec<u64> = match a.seeds {
        Some(n) => (1..=n.max(1)).collect(),
        None if a.seed.is_empty() => vec![1],
        None => a.seed.clone(),
    };
    let cfg = SimulateConfig {
        data: a.data.clone(),
        priors,
        seeds,
        classifier: a.classifier,
        target: a.recall_target,
        alpha: 1.0 - a.confidence,
        vocabulary: lacuna::screen::rank::Vocabulary {
            min_df: a.min_df,
            max_df: a.max_df,
            stop_words: a.stop_words,
        },
        lambda: a.lambda,
        epochs: a.epochs,
        rounds: a.rounds,
        tolerance: a.tolerance,
        c: a.svm_c,
        loss: a.loss,
        ratio: a.balance_ratio,
    };
    let runs = sc::simulate(&cfg)?;
    if let Some(dir) = &a.out {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let pairs: Vec<(u64, &lacuna::screen::simulate::Outcome)> =
            runs.iter().map(|r| (r.seed, &r.outcome)).collect();
        let title = format!(
            "Recall curve — {}",
            a.data
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        );
        std::fs::write(dir.join("recall.csv"), lacuna::report::recall::csv(&pairs))?;
        std::fs::write(
            dir.join("recall.svg"),
            lacuna::report::recall::svg(&pairs, &title),
        )?;
        bars.message(&format!(
            "recall curve written to {}/recall.svg and recall.csv",
            dir.display()
        ));
    }
    let k = runs.len().max(1) as f64;
    let mean = |f: &dyn Fn(&sc::SimRun) -> f64| runs.iter().map(f).sum::<f64>() / k;
    let stopped_short = runs
        .iter()
        .filter(|r| {
            r.outcome
                .recall_at_stop
                .is_some_and(|x| x < a.recall_target)
        })
        .count();
    let first = runs.first().map(|r| &r.outcome);
    let summary = serde_json::json!({
        "data": a.data.display().to_string(),
        "classifier": a.classifier,
        "n": first.map(|o| o.n),
        "n_relevant": first.map(|o| o.n_relevant),
        "seeds": runs.len(),
        "wss95": mean(&|r| r.outcome.wss95),
        "wss100": mean(&|r| r.outcome.wss100),
        "recall_at_10": mean(&|r| r.outcome.recall_at_10),
        "screened_to_all": mean(&|r| r.outcome.screened_to_all as f64),
        "stop_at": mean(&|r| r.outcome.stop_at.map_or(f64::NAN, |s| s as f64)),
        "recall_at_stop": mean(&|r| r.outcome.recall_at_stop.unwrap_or(f64::NAN)),
        "stopped_below_target": stopped_short,
        "knee_stop_at": mean(&|r| r.outcome.knee_stop_at.map_or(f64::NAN, |s| s as f64)),
        "recall_at_knee": mean(&|r| r.outcome.recall_at_knee.unwrap_or(f64::NAN)),
        "ms_per_step": mean(&|r| r.ms_per_step),
        "runs": runs,
    });
    if a.json {
        serde_json::to_writer_pretty(&mut *out, &summary)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{}: {} records, {} relevant; {} run(s), {:?}",
            a.data.display(),
            first.map_or(0, |o| o.n),
            first.map_or(0, |o| o.n_relevant),
            runs.len(),
            a.classifier
        )?;
        writeln!(out, "seed   WSS@95  WSS@100  recall@10%  screened-to-all  stop-at (recall)   knee (recall)  ms/step")?;
        for r in &runs {
            let o = &r.outcome;
            let st = |s: Option<usize>, rc: Option<f64>| {
                s.map_or("never".to_string(), |s| {
                    format!("{s} ({:.3})", rc.unwrap_or(f64::NAN))
                })
            };
            writeln!(
                out,
                "{:>4}  {:>7.3}  {:>7.3}  {:>10.3}  {:>15}  {:>16}  {:>14}  {:>7.2}",
                r.seed,
                o.wss95,
                o.wss100,
                o.recall_at_10,
                o.screened_to_all,
                st(o.stop_at, o.recall_at_stop),
                st(o.knee_stop_at, o.recall_at_knee),
                r.ms_per_step
            )?;
        }
        writeln!(
            out,
            "mean  {:>7.3}  {:>7.3}  {:>10.3}  {:>15.1}",
            mean(&|r| r.outcome.wss95),
            mean(&|r| r.outcome.wss100),
            mean(&|r| r.outcome.recall_at_10),
            mean(&|r| r.outcome.screened_to_all as f64)
        )?;
        writeln!(out, "the stopping rule (target {}, confidence {}) stopped below the target in {stopped_short} of {} run(s)", a.recall_target, a.confidence, runs.len())?;
    }
    Ok(())
}

/// Arguments of `lacuna screen`.
#[derive(Debug, Args)]
pub struct ScreenArgs {
    /// The review folder.
    dir: PathBuf,
    /// Who screens (kept with each decision).
    #[arg(long, default_value = "reviewer")]
    reviewer: String,
    /// The protocol, if not the review's protocol.toml (for key terms and exclusion reasons).
    #[arg(long)]
    protocol: Option<PathBuf>,
    /// Recall target of the stopping rule.
    #[arg(long, default_value_t = 0.95)]
    recall_target: f64,
    /// Confidence of the stopping rule.
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
}

/// `lacuna screen`: one record at a time, most likely relevant first.
pub fn screen(out: &mut dyn Write, a: ScreenArgs) -> anyhow::Result<()> {
    use lacuna::code::text::{Norm, PatternSet};
    use lacuna::model::Label;
    use lacuna::screen::queue::Queue;
    use std::io::IsTerminal;
    let mut review = lacuna::store::Review::open(&a.dir)?;
    let protocol_path = a
        .protocol
        .clone()
        .unwrap_or_else(|| a.dir.join("protocol.toml"));
    let protocol = if protocol_path.is_file() {
        Some(lacuna::protocol::load(&protocol_path).map_err(lacuna::Error::from)?)
    } else {
        None
    };
    let terms: Vec<String> = protocol
        .iter()
        .flat_map(|p| p.frame.categories.iter().flat_map(|c| c.tiab.clone()))
        .collect();
    let highlight = PatternSet::new(&terms);
    let mut ids = Vec::new();
    let mut records = Vec::new();
    review.for_each_current(|id, r| {
        ids.push(id);
        records.push(r);
        Ok(())
    })?;
    if records.is_empty() {
        return Err(lacuna::Error::Usage(format!(
            "{} has no records: import some first (lacuna import)",
            a.dir.display()
        ))
        .into());
    }
    let texts: Vec<String> = records
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}",
                r.title,
                r.abstract_text.as_deref().unwrap_or(""),
                r.mesh.join(" "),
                r.keywords.join(" ")
            )
        })
        .collect();
    let index_of: std::collections::HashMap<i64, usize> =
        ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut skip = Vec::new();
    let mut prior = Vec::new();
    for (id, l) in review.decision_sequence()? {
        if let Some(&i) = index_of.get(&id) {
            match l {
                Label::Include => prior.push((i, true)),
                Label::Exclude => prior.push((i, false)),
                Label::Maybe => skip.push(i),
            }
        }
    }
    let mut queue = Queue::new(&texts, &prior, a.recall_target, 1.0 - a.confidence);
    for i in skip {
        queue.skip(i);
    }
    let tty = std::io::stdout().is_terminal();
    let (open, close) = if tty {
        ("\x1b[1;33m", "\x1b[0m")
    } else {
        ("**", "**")
    };
    let mut keys = Keys::new();
    let mut last: Option<usize> = None;
    let mut redo: Option<usize> = None;
    loop {
        let st = queue.status();
        writeln!(
            out,
            "\n[{}/{} screened · {} included{} · recall ≥ {:.2} (95% lower bound), estimate {:.2} · {}]",
            st.screened,
            st.total,
            st.relevant,
            if st.maybe > 0 { format!(" · {} maybe (set aside)", st.maybe) } else { String::new() },
            st.recall_lower,
            st.recall_estimate,
            if st.can_stop { format!("the stopping rule says recall ≥ {} now", a.recall_target) } else { st.to_stop.map_or("stopping not yet reachable".into(), |m| format!("can stop after {m} more irrelevant in a row")) }
        )?;
        let next = match redo.take() {
            Some(i) => Some(lacuna::screen::queue::Next {
                index: i,
                rank: 0,
                score: 0.0,
                set_aside: false,
            }),
            None => queue.next(),
        };
        let Some(next) = next else {
            if st.maybe > 0 {
                writeln!(
                    out,
                    "every record has a decision but {} set aside as maybe (shown again next session)",
                    st.maybe
                )?;
            } else {
                writeln!(out, "every record has a decision")?;
            }
            break;
        };
        let Some(r) = records.get(next.index) else {
            break;
        };
        let mark = |text: &str| -> String {
            let n = Norm::new(text);
            let mut s = String::new();
            let mut at = 0;
            for h in highlight.find(&n) {
                let (a0, b0) = n.original(h.start, h.end);
                if a0 < at {
                    continue;
                }
                s.push_str(text.get(at..a0).unwrap_or(""));
                s.push_str(open);
                s.push_str(text.get(a0..b0).unwrap_or(""));
                s.push_str(close);
                at = b0;
            }
            s.push_str(text.get(at..).unwrap_or(""));
            s
        };
        if next.rank == 0 {
            writeln!(out, "again (undo): {}", mark(&r.title))?;
        } else if next.set_aside {
            writeln!(
                out,
                "set aside earlier as maybe, #{} of those (score {:.2})  {}",
                next.rank,
                next.score,
                mark(&r.title)
            )?;
        } else {
            writeln!(
                out,
                "#{} (score {:.2})  {}",
                next.rank,
                next.score,
                mark(&r.title)
            )?;
        }
        writeln!(
            out,
            "{} {} {}",
            r.journal.as_deref().unwrap_or("-"),
            r.year
                .map(|y| y.to_string())
                .unwrap_or_else(|| "n.d.".into()),
            r.pmid
                .map(|p| format!("PMID {}", p.get()))
                .unwrap_or_default()
        )?;
        writeln!(
            out,
            "{}",
            mark(r.abstract_text.as_deref().unwrap_or("(no abstract)"))
        )?;
        write!(
            out,
            "[i]nclude [e]xclude [m]aybe [r]eason+exclude [u]ndo [q]uit > "
        )?;
        out.flush()?;
        let Some(key) = keys.key()? else { break };
        if keys.is_tty() {
            writeln!(out, "{key}")?;
        }
        let key = Some(key.to_ascii_lowercase());
        let id = ids.get(next.index).copied().unwrap_or(0);
        let decision = match key {
            Some('i') => Some((Label::Include, None)),
            Some('e') => Some((Label::Exclude, None)),
            Some('m') => Some((Label::Maybe, None)),
            Some('r') => {
                let reasons = protocol
                    .as_ref()
                    .map(|p| p.exclusion_reasons.clone())
                    .unwrap_or_default();
                for (k, x) in reasons.iter().enumerate() {
                    writeln!(out, "  {} {} — {}", k + 1, x.id, x.label)?;
                }
                write!(out, "reason number > ")?;
                out.flush()?;
                let pick = keys.choice(reasons.len())?.unwrap_or_default();
                if keys.is_tty() {
                    writeln!(out, "{pick}")?;
                }
                let reason = pick
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .and_then(|k| reasons.get(k.wrapping_sub(1)))
                    .map(|x| x.id.clone());
                Some((Label::Exclude, reason))
            }
            Some('u') => {
                match last {
                    Some(i) => redo = Some(i),
                    None => writeln!(out, "nothing to undo")?,
                }
                None
            }
            Some('q') => break,
            _ => {
                writeln!(out, "one of i, e, m, r, u, q")?;
                None
            }
        };
        if let Some((label, reason)) = decision {
            review.add_ranked_decision(
                id,
                label,
                reason.as_deref(),
                &a.reviewer,
                next.rank,
                next.score,
            )?;
            match label {
                Label::Include => queue.decide(next.index, true),
                Label::Exclude => queue.decide(next.index, false),
                Label::Maybe => queue.skip(next.index),
            }
            last = Some(next.index);
        }
    }
    Ok(())
}

/// Where `screen` reads its keys: single key presses from a terminal (no
/// Enter needed), or lines from a pipe (the first character of each line).
enum Keys {
    Tty(console::Term),
    Lines(std::io::Lines<std::io::StdinLock<'static>>),
}

impl Keys {
    fn new() -> Keys {
        use std::io::{BufRead, IsTerminal};
        // console reads keys only when stdout is a terminal too.
        if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
            Keys::Tty(console::Term::stdout())
        } else {
            Keys::Lines(std::io::stdin().lock().lines())
        }
    }

    fn is_tty(&self) -> bool {
        matches!(self, Keys::Tty(_))
    }

    /// The next key; `None` at the end of input. Enter and spaces are passed over.
    fn key(&mut self) -> std::io::Result<Option<char>> {
        match self {
            Keys::Tty(t) => loop {
                match t.read_key()? {
                    console::Key::Char(c) if !c.is_whitespace() => return Ok(Some(c)),
                    // Ctrl-D or Escape: leave as `q` does. (Ctrl-C stops the
                    // process; every decision is already stored.)
                    console::Key::Char('\u{4}') | console::Key::Escape => return Ok(Some('q')),
                    _ => {}
                }
            },
            Keys::Lines(lines) => loop {
                let Some(line) = lines.next().transpose()? else {
                    return Ok(None);
                };
                if let Some(c) = line.trim().chars().next() {
                    return Ok(Some(c));
                }
            },
        }
    }

    /// A choice among `n` numbered items: one key when there are at most 9,
    /// else a line.
    fn choice(&mut self, n: usize) -> std::io::Result<Option<String>> {
        match self {
            Keys::Tty(_) if n <= 9 => Ok(self.key()?.map(String::from)),
            Keys::Tty(t) => t.read_line().map(Some),
            Keys::Lines(lines) => lines.next().transpose(),
        }
    }
}
