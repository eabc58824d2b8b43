//! The screening verbs: `lacuna decide` (decisions by key or from a CSV,
//! and dual-screening agreement), `lacuna screen` (the terminal loop: keys
//! and drawing only; the session is `lacuna::pipeline::session`, which the
//! web app shares) and `lacuna simulate` (flags into the ranker's one
//! `Settings`, then `lacuna::pipeline::screening`).

use super::Bars;
use clap::Args;
use lacuna::model::Label;
use lacuna::pipeline::screening::{self as simulation, Priors, SimulateConfig, Summary};
use lacuna::pipeline::session::{self, DecisionInput, Session, SessionOptions};
use lacuna::progress::Reporter;
use lacuna::screen::features::{self, Vocabulary};
use lacuna::screen::rank::{self, Classifier};
use lacuna::screen::stop;
use lacuna::store::Review;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Arguments of `lacuna decide`.
#[derive(Debug, Args)]
pub struct DecideArgs {
    /// The review folder.
    dir: PathBuf,
    /// Records: PMIDs, DOIs or record keys.
    keys: Vec<String>,
    /// The label: include, exclude or maybe.
    #[arg(long, short = 'l', value_parser = parse_label)]
    label: Option<Label>,
    /// Exclusion reason id (from the protocol's [screening] exclusion_reasons).
    #[arg(long)]
    reason: Option<String>,
    /// Who decides ("reviewer" if not given; needed with --resolve).
    #[arg(long)]
    reviewer: Option<String>,
    /// Screening stage: title_abstract or full_text.
    #[arg(long, default_value = "title_abstract")]
    stage: String,
    /// A CSV of decisions read by its header: record (or key, pmid, doi), label (or decision),
    /// and any of reason, reviewer, note, stage; or ASReview's export (record_id, included).
    /// A reviewer or stage in the sheet comes before --reviewer and --stage.
    #[arg(long)]
    from: Option<PathBuf>,
    /// Record the decision as the resolution of a dual-screening conflict.
    #[arg(long)]
    resolve: bool,
    /// Dual screening: Cohen's κ for each pair of reviewers and the unresolved conflicts.
    #[arg(long, conflicts_with_all = ["keys", "from", "label"])]
    agreement: bool,
}

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
    #[arg(long, default_value_t = features::DEFAULT_MIN_DF)]
    min_df: usize,
    /// Drop words and word pairs found in more than this share of the records.
    #[arg(long, default_value_t = features::DEFAULT_MAX_DF)]
    max_df: f64,
    /// Drop English stop words (off by default, as in ASReview).
    #[arg(long)]
    stop_words: bool,
    /// L2 strength of the logistic regression.
    #[arg(long, default_value_t = rank::DEFAULT_LAMBDA)]
    lambda: f32,
    /// Logistic regression: passes over the labelled records at each retrain.
    #[arg(long, default_value_t = rank::DEFAULT_EPOCHS)]
    epochs: usize,
    /// SVM: rounds at each retrain. A round finds the labelled records whose
    /// optimality conditions are off by more than --tolerance and makes one
    /// coordinate-descent pass over them; the next retrain resumes.
    #[arg(long, default_value_t = rank::DEFAULT_ROUNDS)]
    rounds: usize,
    /// SVM: a labelled record is revisited while its projected gradient is
    /// larger than this (smaller: closer to the optimum at each step, slower).
    #[arg(long, default_value_t = rank::DEFAULT_TOLERANCE)]
    tolerance: f32,
    /// Cost C of the SVM (before class balancing).
    #[arg(long, default_value_t = rank::DEFAULT_C)]
    svm_c: f32,
    /// SVM loss: squared-hinge (the default, as scikit-learn's LinearSVC) or hinge.
    #[arg(long, default_value = "squared-hinge", value_parser = parse_loss)]
    loss: rank::Loss,
    /// Class balance: total weight of the relevant records over that of the irrelevant ones.
    #[arg(long, default_value_t = rank::DEFAULT_RATIO)]
    balance_ratio: f32,
    /// The stopping rule of the top-level stop_at and recall_at_stop:
    /// hypergeometric, qbcb, target, point-process or knee (every rule is
    /// measured on the same runs all the same).
    #[arg(long, default_value_t = stop::DEFAULT, value_parser = parse_rule)]
    stopping: stop::Rule,
    /// Folder for the recall curve (recall.csv, recall.svg).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print the metrics as JSON on stdout.
    #[arg(long)]
    json: bool,
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
    /// The stopping rule: hypergeometric (the default), qbcb, target, point-process or knee.
    /// qbcb and target first show a random sample, marked as such (see below).
    #[arg(long, default_value_t = stop::DEFAULT, value_parser = parse_rule)]
    stopping: stop::Rule,
}

fn parse_label(s: &str) -> Result<Label, String> {
    Label::parse(s).ok_or_else(|| format!("unknown label {s:?}: use include, exclude or maybe"))
}

/// `lacuna decide`.
pub fn decide(out: &mut dyn Write, bars: &Bars, a: DecideArgs) -> anyhow::Result<()> {
    let mut review = Review::open(&a.dir)?;
    if a.agreement {
        return agreement(out, &review, &a);
    }
    let todo: Vec<DecisionInput> = match &a.from {
        Some(f) => session::read_decisions(f)?,
        None => {
            let label = a.label.ok_or_else(|| {
                lacuna::Error::NotReady(
                    "give --label include|exclude|maybe (or --from FILE.csv)".into(),
                )
            })?;
            a.keys
                .iter()
                .map(|k| DecisionInput {
                    reason: a.reason.clone(),
                    ..DecisionInput::new(k.clone(), label)
                })
                .collect()
        }
    };
    let stage = if a.resolve {
        session::RESOLUTION
    } else {
        a.stage.as_str()
    };
    // A resolution must say who resolved; other decisions default to "reviewer".
    let reviewer = match (&a.reviewer, a.resolve) {
        (Some(r), _) => r.as_str(),
        (None, true) => "",
        (None, false) => "reviewer",
    };
    let n = session::record_decisions(&mut review, &todo, reviewer, stage)?;
    bars.message(&format!("{n} decision(s) recorded"));
    Ok(())
}

/// `lacuna decide --agreement`.
fn agreement(out: &mut dyn Write, review: &Review, a: &DecideArgs) -> anyhow::Result<()> {
    let ag = session::agreement(review)?;
    if ag.reviewers.len() < 2 {
        writeln!(
            out,
            "{}: fewer than two reviewers have screened; nothing to compare",
            a.dir.display()
        )?;
        return Ok(());
    }
    for p in &ag.pairs {
        match p.kappa {
            Some(k) => writeln!(
                out,
                "{} and {}: {} records screened by both, {} agreed, Cohen's kappa {k:.3}",
                p.a, p.b, p.both, p.agreed
            )?,
            None => writeln!(out, "{} and {}: no record screened by both", p.a, p.b)?,
        }
    }
    writeln!(
        out,
        "{} unresolved conflict(s){}",
        ag.conflicts.len(),
        if ag.conflicts.is_empty() {
            ""
        } else {
            "; resolve with: lacuna decide DIR KEY --label L --resolve --reviewer NAME"
        }
    )?;
    for c in &ag.conflicts {
        let who: Vec<String> = c
            .votes
            .iter()
            .map(|v| format!("{} {}", v.reviewer, v.label.as_str()))
            .collect();
        writeln!(out, "  {}  {}  ({})", c.key, c.title, who.join(", "))?;
    }
    Ok(())
}

fn parse_loss(s: &str) -> Result<rank::Loss, String> {
    rank::Loss::parse(s).ok_or_else(|| format!("{s:?}: the loss is squared-hinge or hinge"))
}

/// A stopping rule's name, for `--stopping`.
pub fn parse_rule(s: &str) -> Result<stop::Rule, String> {
    stop::Rule::parse(s).ok_or_else(|| {
        let names: Vec<&str> = stop::Rule::ALL.iter().map(|r| r.as_str()).collect();
        format!("unknown stopping rule {s:?}: use {}", names.join(", "))
    })
}

fn parse_classifier(s: &str) -> Result<Classifier, String> {
    Classifier::parse(s).ok_or_else(|| format!("unknown classifier {s:?}: use svm, logistic or nb"))
}

/// Help text for the stopping rules: what each guarantee means, and when it
/// does not hold.
pub const STOPPING_HELP: &str = "Stopping rules (--stopping). A guarantee here means: if you stop when the rule says so, \
the chance that you have found fewer than the recall target's share of the relevant records is at most 1 - confidence \
(5 % by default). It is about this review's records only, and it assumes every decision is right.
  hypergeometric (default): Callaghan & Müller-Hansen (2020). Treats the records screened last as a random sample of \
those left. Ranking puts relevant records first, which makes it cautious; it does not hold if records were skipped or \
picked to avoid relevant ones. Chosen as the default by the table in BENCHMARKS.md (Stopping rules, measured).
  qbcb: Lewis, Yang & Frieder (2021). You first screen a random 10 % sample of all records, shown first and marked \
RANDOM SAMPLE; the rule stops once the ranking has reached enough of the sample's relevant records. Holds whatever the \
ranking does, but with few relevant records the sample cannot certify the target (at 95 % it needs 59 relevant in it).
  target: Cormack & Grossman (2016). Like qbcb, but the random sample goes on until it holds about -ln(1-confidence)/(1-target) \
relevant records (60 at 95 %), and the ranking must reach all of them.
  point-process: Sneyd & Stevenson (2021), Stevenson & Bin-Hezam (2023). Fits how fast relevant records thin out along \
the ranking and bounds how many are left. Its guarantee holds only if that fitted curve is right; in our simulations it \
stopped short of the target in a third of the runs at 95 %.
  knee: Cormack & Grossman (2016). A heuristic without any stated error rate.
Records added by a living review's update are not covered by a guarantee read before they came.";

/// `lacuna simulate`.
pub fn simulate(out: &mut dyn Write, bars: &Bars, a: SimulateArgs) -> anyhow::Result<()> {
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
        ranker: rank::Settings {
            classifier: a.classifier,
            vocabulary: Vocabulary {
                min_df: a.min_df,
                max_df: a.max_df,
                stop_words: a.stop_words,
            },
            c: a.svm_c,
            loss: a.loss,
            ratio: a.balance_ratio,
            rounds: a.rounds,
            tolerance: a.tolerance,
            lambda: a.lambda,
            epochs: a.epochs,
        },
        target: a.recall_target,
        alpha: 1.0 - a.confidence,
        rule: a.stopping,
    };
    let runs = simulation::simulate(&cfg)?;
    if let Some(dir) = &a.out {
        simulation::write_recall_curve(dir, &a.data, &runs)?;
        bars.message(&format!(
            "recall curve written to {}/recall.svg and recall.csv",
            dir.display()
        ));
    }
    let summary = Summary::of(&cfg, runs);
    if a.json {
        // keys in alphabetical order, as ever
        serde_json::to_writer_pretty(&mut *out, &serde_json::to_value(&summary)?)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{}: {} records, {} relevant; {} run(s), {:?}",
            a.data.display(),
            summary.n.unwrap_or(0),
            summary.n_relevant.unwrap_or(0),
            summary.seeds,
            summary.classifier
        )?;
        writeln!(out, "seed   WSS@95  WSS@100  recall@10%  screened-to-all  stop-at (recall)   knee (recall)  ms/step")?;
        for r in &summary.runs {
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
            summary.wss95, summary.wss100, summary.recall_at_10, summary.screened_to_all
        )?;
        writeln!(out, "the stopping rule ({}, target {}, confidence {}) stopped below the target in {} of {} run(s)", summary.rule, a.recall_target, a.confidence, summary.stopped_below_target, summary.seeds)?;
        writeln!(out, "\nevery stopping rule on the same runs (records screened after the priors, random sample included):")?;
        writeln!(
            out,
            "rule             mean stop-at  mean recall  reached target  mean sample"
        )?;
        for r in &summary.stopping {
            writeln!(
                out,
                "{:<15}  {:>12.1}  {:>11.3}  {:>13.0}%  {:>11.1}{}",
                r.rule.as_str(),
                r.stop_at,
                r.recall_at_stop,
                100.0 * r.reached_target,
                r.sample,
                if r.heuristic { "  (heuristic)" } else { "" }
            )?;
        }
    }
    Ok(())
}

/// `lacuna screen`: one record at a time, most likely relevant first. Keys
/// and drawing only: the session (ranking, decisions, undo, status) is
/// `lacuna::pipeline::session::Session`.
pub fn screen(out: &mut dyn Write, a: ScreenArgs) -> anyhow::Result<()> {
    let mut review = Review::open(&a.dir)?;
    let mut session = Session::open(
        &review,
        &SessionOptions {
            reviewer: a.reviewer.clone(),
            protocol: a.protocol.clone(),
            target: a.recall_target,
            confidence: a.confidence,
            rule: a.stopping,
        },
    )?;
    let tty = std::io::stdout().is_terminal();
    let (open, close) = if tty {
        ("\x1b[1;33m", "\x1b[0m")
    } else {
        ("**", "**")
    };
    let mark = |session: &Session, text: &str| -> String {
        let mut s = String::new();
        let mut at = 0;
        for r in session.highlights(text) {
            s.push_str(text.get(at..r.start).unwrap_or(""));
            s.push_str(open);
            s.push_str(text.get(r.clone()).unwrap_or(""));
            s.push_str(close);
            at = r.end;
        }
        s.push_str(text.get(at..).unwrap_or(""));
        s
    };
    let mut keys = Keys::new();
    loop {
        let st = session.status();
        writeln!(
            out,
            "\n[{}/{} screened · {} included{} · {}]",
            st.screened,
            st.total,
            st.relevant,
            if st.maybe > 0 {
                format!(" · {} maybe (set aside)", st.maybe)
            } else {
                String::new()
            },
            st.stopping
        )?;
        let Some(next) = session.next_record() else {
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
        let Some(r) = session.record(next.index) else {
            break;
        };
        if next.again {
            writeln!(out, "again (undo): {}", mark(&session, &r.title))?;
        } else if next.sample {
            writeln!(
                out,
                "RANDOM SAMPLE record {} of {} (for the {} rule; not ranked)  {}",
                next.rank,
                st.sample.map_or(0, |s| s.size),
                a.stopping,
                mark(&session, &r.title)
            )?;
        } else if next.set_aside {
            writeln!(
                out,
                "set aside earlier as maybe, #{} of those (score {:.2})  {}",
                next.rank,
                next.score,
                mark(&session, &r.title)
            )?;
        } else {
            writeln!(
                out,
                "#{} (score {:.2})  {}",
                next.rank,
                next.score,
                mark(&session, &r.title)
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
            mark(
                &session,
                r.abstract_text.as_deref().unwrap_or("(no abstract)")
            )
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
        let decision = match key.to_ascii_lowercase() {
            'i' => Some((Label::Include, None)),
            'e' => Some((Label::Exclude, None)),
            'm' => Some((Label::Maybe, None)),
            'r' => {
                let reasons = session.exclusion_reasons();
                if reasons.is_empty() {
                    writeln!(
                        out,
                        "no exclusion reasons in the protocol: excluded without one"
                    )?;
                    Some((Label::Exclude, None))
                } else {
                    for (k, x) in reasons.iter().enumerate() {
                        writeln!(out, "  {} {} — {}", k + 1, x.id, x.label)?;
                    }
                    // Ask until the answer is one of the numbers (or input ends).
                    let mut chosen = None;
                    loop {
                        write!(out, "reason number > ")?;
                        out.flush()?;
                        let Some(pick) = keys.choice(reasons.len())? else {
                            break;
                        };
                        if keys.is_tty() {
                            writeln!(out, "{pick}")?;
                        }
                        match pick
                            .trim()
                            .parse::<usize>()
                            .ok()
                            .and_then(|k| reasons.get(k.wrapping_sub(1)))
                        {
                            Some(x) => {
                                chosen = Some(x.id.clone());
                                break;
                            }
                            None => writeln!(
                                out,
                                "{:?} is not a reason: give a number from 1 to {}",
                                pick.trim(),
                                reasons.len()
                            )?,
                        }
                    }
                    chosen.map(|id| (Label::Exclude, Some(id)))
                }
            }
            'u' => {
                if !session.undo() {
                    writeln!(out, "nothing to undo")?;
                }
                None
            }
            'q' => break,
            _ => {
                writeln!(out, "one of i, e, m, r, u, q")?;
                None
            }
        };
        if let Some((label, reason)) = decision {
            session.decide(&mut review, &next, label, reason.as_deref())?;
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
