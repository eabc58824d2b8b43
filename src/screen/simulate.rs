//! Replaying screening on a labelled dataset: start from prior records,
//! retrain after every label, screen the top-ranked record, and measure how
//! early the relevant ones came and where the stopping rule would have
//! stopped. Pure and seeded; the caller times it.

use super::features::Features;
use super::rank::{Ranker, Settings as RankerSettings};
use super::stop::{buscar_stops, knee, more_to_stop};
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
    /// Records screened after the priors when the hypergeometric rule would stop (None: never).
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
    Outcome {
        n,
        n_relevant,
        priors: priors.to_vec(),
        wss95: (n_left as f64 - n_at(0.95) as f64) / nl - 0.05,
        wss100: (n_left as f64 - n_at(1.0) as f64) / nl,
        recall_at_10: recall_at(ten),
        screened_to_all,
        stop_at,
        recall_at_stop: stop_at.map(recall_at),
        knee_stop_at: knee_at,
        recall_at_knee: knee_at.map(recall_at),
        curve,
        steps,
    }
}
