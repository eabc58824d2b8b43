//! Replaying screening on a labelled dataset: start from prior records,
//! retrain after every label, screen the top-ranked record, and measure how
//! early the relevant ones came and where each stopping rule would have
//! stopped, all on the same run. Pure and seeded; the caller times it.

use super::features::Features;
use super::rank::{Ranker, Settings as RankerSettings};
use super::stop::{buscar_stops, knee, more_to_stop, point, sample, Rule};
use serde::Serialize;

/// Settings of one simulation.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The ranker's settings.
    pub ranker: RankerSettings,
    /// Seed for the classifier's shuffles.
    pub seed: u64,
    /// Recall target of the stopping rule.
    pub target: f64,
    /// 1 − confidence of the stopping rule.
    pub alpha: f64,
    /// The rule the top-level `stop_at` and `recall_at_stop` are for.
    pub rule: Rule,
}

/// Where one rule stopped in one run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RuleStop {
    /// The rule.
    pub rule: Rule,
    /// Records screened after the priors when it stops, its random sample
    /// included (every record when it never stops).
    pub stop_at: usize,
    /// True recall there, of the relevant records after the priors (those
    /// in the sample count: they were screened).
    pub recall_at_stop: f64,
    /// Whether it stopped before every record was screened.
    pub stopped: bool,
    /// Records in its random sample (0 for rules without one).
    pub sample: usize,
}

/// What a simulation found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// Records in the dataset.
    pub n: usize,
    /// Relevant records in the dataset.
    pub n_relevant: usize,
    /// The prior records (indices), screened first.
    pub priors: Vec<usize>,
    /// WSS@95 with the priors left out (Cohen's classic definition).
    pub wss95: f64,
    /// WSS@100 likewise.
    pub wss100: f64,
    /// Share of relevant records (after priors) found after screening 10 % of the rest.
    pub recall_at_10: f64,
    /// Records screened after the priors until the last relevant one.
    pub screened_to_all: usize,
    /// Records screened after the priors when the chosen rule (`--stopping`)
    /// would stop, its sample included (None: never).
    pub stop_at: Option<usize>,
    /// True recall (of the relevant records after priors) at that point.
    pub recall_at_stop: Option<f64>,
    /// Where the knee method would stop.
    pub knee_stop_at: Option<usize>,
    /// True recall there.
    pub recall_at_knee: Option<f64>,
    /// Relevant found (after priors) after each screened record, until the last.
    #[serde(skip)]
    pub curve: Vec<usize>,
    /// Screening steps run (retrain + rescore + pick).
    pub steps: usize,
    /// Every rule's stop on this run (the summary lists them by rule).
    #[serde(skip)]
    pub stopping: Vec<RuleStop>,
}

/// Choose `inc` relevant and `exc` irrelevant prior records with a seed.
pub fn choose_priors(labels: &[bool], inc: usize, exc: usize, seed: u64) -> Vec<usize> {
    let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || super::xorshift(&mut rng);
    let mut pick = |want: bool, k: usize| -> Vec<usize> {
        let mut pool: Vec<usize> = labels
            .iter()
            .enumerate()
            .filter(|(_, l)| **l == want)
            .map(|(i, _)| i)
            .collect();
        let mut out = Vec::new();
        while out.len() < k && !pool.is_empty() {
            let j = (next() % pool.len() as u64) as usize;
            out.push(pool.swap_remove(j));
        }
        out
    };
    let mut p = pick(true, inc);
    p.extend(pick(false, exc));
    p
}

/// Replay screening from `priors`.
pub fn simulate(f: &Features, labels: &[bool], priors: &[usize], s: &Settings) -> Outcome {
    let n = labels.len();
    let n_relevant = labels.iter().filter(|x| **x).count();
    let mut done = vec![false; n];
    let mut labelled: Vec<(usize, bool)> = Vec::with_capacity(n);
    let mut seq: Vec<bool> = Vec::with_capacity(n);
    for &p in priors {
        if let (Some(d), Some(&l)) = (done.get_mut(p), labels.get(p)) {
            if !*d {
                *d = true;
                labelled.push((p, l));
                seq.push(l);
            }
        }
    }
    let n_priors = labelled.len();
    let prior_rel = labelled.iter().filter(|(_, l)| *l).count();
    let r_left = n_relevant - prior_rel;
    let n_left = n - n_priors;
    let mut model = Ranker::new(&s.ranker, f.dim, s.seed);
    let mut curve = Vec::new();
    let mut order: Vec<usize> = Vec::with_capacity(n);
    let mut found = 0;
    let mut stop_at = None;
    let mut knee_at = None;
    let mut steps = 0;
    while found < r_left && labelled.len() < n {
        model.train(f, &labelled);
        let Some((pick, _)) = model.rank(f, &done) else {
            break;
        };
        steps += 1;
        if let Some(d) = done.get_mut(pick) {
            *d = true;
        }
        let l = labels.get(pick).copied().unwrap_or(false);
        labelled.push((pick, l));
        seq.push(l);
        order.push(pick);
        if l {
            found += 1;
        }
        curve.push(found);
        if stop_at.is_none() && !l && buscar_stops(&seq, n, s.target, s.alpha) {
            stop_at = Some(curve.len());
        }
        if knee_at.is_none() && knee(&seq) {
            knee_at = Some(curve.len());
        }
    }
    let screened_to_all = curve.len();
    // After the last relevant record every further one is irrelevant,
    // whatever the order: the rules' stopping points follow without training.
    if stop_at.is_none() {
        stop_at = more_to_stop(&seq, n, s.target, s.alpha).map(|m| screened_to_all + m);
    }
    if knee_at.is_none() {
        let mut s2 = seq.clone();
        for m in 1..=n.saturating_sub(seq.len()) {
            s2.push(false);
            if knee(&s2) {
                knee_at = Some(screened_to_all + m);
                break;
            }
        }
    }
    let recall_at = |k: usize| -> f64 {
        if r_left == 0 {
            return 1.0;
        }
        let got = if k == 0 {
            0
        } else {
            curve.get(k.min(curve.len()) - 1).copied().unwrap_or(found)
        };
        got as f64 / r_left as f64
    };
    let n_at = |share: f64| -> usize {
        let need = (share * r_left as f64).ceil() as usize;
        if need == 0 {
            return 0;
        }
        curve
            .iter()
            .position(|c| *c >= need)
            .map_or(screened_to_all, |i| i + 1)
    };
    let nl = n_left.max(1) as f64;
    let ten = (0.1 * n_left as f64).floor() as usize;
    let never = |rule| RuleStop {
        rule,
        stop_at: n_left,
        recall_at_stop: 1.0,
        stopped: false,
        sample: 0,
    };
    let at = |rule, k: Option<usize>| match k {
        Some(k) if k < n_left => RuleStop {
            rule,
            stop_at: k,
            recall_at_stop: recall_at(k),
            stopped: true,
            sample: 0,
        },
        _ => never(rule),
    };
    // the point process reads the whole screening, priors first, with the
    // irrelevant records after the last relevant one
    let mut full = seq.clone();
    full.resize(n, false);
    let pp = point::first_stop(&full, n, s.target, s.alpha)
        .filter(|c| *c < n)
        .map(|c| c.saturating_sub(n_priors));
    // the sample rules' random draw: records not among the priors, in a
    // seeded random order; the ranking's place of each record
    let mut draw: Vec<usize> = (0..n).filter(|i| done_by_priors(priors, *i)).collect();
    super::shuffle(
        &mut draw,
        (s.seed ^ 0x5A5A_1234_ABCD_0F0F).wrapping_mul(0x2545_F491_4F6C_DD1D) | 1,
    );
    let mut pos = vec![None; n];
    for (p, i) in order.iter().enumerate() {
        if let Some(x) = pos.get_mut(*i) {
            *x = Some(p + 1);
        }
    }
    let by_sample = |rule: Rule| {
        let r = sample::stop_on_ranking(
            rule == Rule::Target,
            &pos,
            labels,
            &draw,
            n_left,
            s.target,
            s.alpha,
        );
        if r.stopped {
            RuleStop {
                rule,
                stop_at: r.cost,
                recall_at_stop: if r_left == 0 {
                    1.0
                } else {
                    r.found as f64 / r_left as f64
                },
                stopped: true,
                sample: r.sample,
            }
        } else {
            RuleStop {
                sample: r.sample,
                ..never(rule)
            }
        }
    };
    let stopping: Vec<RuleStop> = Rule::ALL
        .into_iter()
        .map(|rule| match rule {
            Rule::Hypergeometric => at(rule, stop_at),
            Rule::Knee => at(rule, knee_at),
            Rule::PointProcess => at(rule, pp),
            Rule::Qbcb | Rule::Target => by_sample(rule),
        })
        .collect();
    let chosen = stopping.iter().find(|r| r.rule == s.rule).copied();
    Outcome {
        n,
        n_relevant,
        priors: priors.to_vec(),
        wss95: (n_left as f64 - n_at(0.95) as f64) / nl - 0.05,
        wss100: (n_left as f64 - n_at(1.0) as f64) / nl,
        recall_at_10: recall_at(ten),
        screened_to_all,
        stop_at: chosen.filter(|r| r.stopped).map(|r| r.stop_at),
        recall_at_stop: chosen.filter(|r| r.stopped).map(|r| r.recall_at_stop),
        knee_stop_at: knee_at,
        recall_at_knee: knee_at.map(recall_at),
        curve,
        steps,
        stopping,
    }
}

/// Whether record `i` is left for screening after the priors.
fn done_by_priors(priors: &[usize], i: usize) -> bool {
    !priors.contains(&i)
}
