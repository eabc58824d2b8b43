//! A screening session: which record to show next, and how far along the
//! screening is. Built from the records and the decisions so far; each new
//! decision retrains the ranker. Pure: the caller stores decisions.

use super::features::{tfidf_with, Features};
use super::rank::{Ranker, Settings};
use super::stop::{sample, Rule, SampleState, Verdict};

/// SVM rounds of a session's first fit, from all its stored decisions: enough
/// to converge from nothing (later decisions take one round each).
const FIRST_FIT_ROUNDS: usize = 100;

/// What to show next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Next {
    /// Index of the record (in the order given to [`Queue::new`]).
    pub index: usize,
    /// Its rank among the undecided records (1 = most likely relevant).
    pub rank: usize,
    /// The model's score (0 before two classes have been seen).
    pub score: f32,
    /// A record set aside as maybe, shown again because every other record
    /// has a decision (its rank is then among the records set aside).
    pub set_aside: bool,
    /// A record of the stopping rule's random sample, shown before the
    /// ranking (its rank is then its place in the sample).
    pub sample: bool,
}

/// Where screening stands.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Status {
    /// Records decided.
    pub screened: usize,
    /// Records in all.
    pub total: usize,
    /// Included so far.
    pub relevant: usize,
    /// Set aside as "maybe" and not decided since (not counted as screened).
    pub maybe: usize,
    /// The stopping rule's recall bound at the confidence (0 before it has one).
    pub recall_lower: f64,
    /// Its point estimate of recall (0 before it has one).
    pub recall_estimate: f64,
    /// Whether the stopping rule says recall ≥ target at the confidence.
    pub can_stop: bool,
    /// Irrelevant records in a row still needed before the rule can stop
    /// (None: not reachable that way; `stopping` says what is left).
    pub to_stop: Option<usize>,
    /// The stopping rule's full verdict (its `Display` is the status line).
    pub stopping: Verdict,
    /// The rule's random sample, for the sample rules.
    pub sample: Option<SampleState>,
}

/// A sample rule's random sample in a session.
#[derive(Debug)]
struct Sampling {
    /// The target method (else QBCB).
    target_method: bool,
    /// Every record in a random order (the draw).
    draw: Vec<usize>,
    /// QBCB's sample size.
    size: usize,
    /// Which records the sample holds so far.
    member: Vec<bool>,
    /// Sampled relevant records the ranking has reached.
    passed: Vec<bool>,
}

/// A screening session.
#[derive(Debug)]
pub struct Queue {
    features: Features,
    model: Ranker,
    decided: Vec<Option<bool>>,
    /// Position of each decided record in `sequence`.
    position: Vec<Option<usize>>,
    sequence: Vec<bool>,
    /// Records set aside for later (a "maybe"): not trained on, and shown
    /// only once every other record has a decision.
    skipped: Vec<bool>,
    /// Records set aside a second time since their last decision (when shown
    /// again at the end, or again after an undo): not shown again in this
    /// session.
    revisited: Vec<bool>,
    /// Records to show before all others (new in the latest update).
    first: Vec<bool>,
    target: f64,
    alpha: f64,
    rule: Rule,
    sampling: Option<Sampling>,
}

impl Queue {
    /// A session over `texts` with the decisions so far (index, include?), in the order they were made.
    pub fn new<S: AsRef<str> + Sync>(
        texts: &[S],
        decisions: &[(usize, bool)],
        target: f64,
        alpha: f64,
    ) -> Queue {
        let settings = Settings::default();
        Queue::with_features(
            tfidf_with(texts, &settings.vocabulary),
            decisions,
            target,
            alpha,
        )
    }

    /// A session over features already built (with the default
    /// [`Settings`]' vocabulary), with the decisions so far.
    pub fn with_features(
        features: Features,
        decisions: &[(usize, bool)],
        target: f64,
        alpha: f64,
    ) -> Queue {
        let settings = Settings::default();
        let n = features.len();
        let model = Ranker::new(&settings, features.dim, 1);
        let mut q = Queue {
            features,
            model,
            decided: vec![None; n],
            position: vec![None; n],
            sequence: Vec::new(),
            skipped: vec![false; n],
            revisited: vec![false; n],
            first: vec![false; n],
            target,
            alpha,
            rule: super::stop::DEFAULT,
            sampling: None,
        };
        for (i, l) in decisions {
            q.set(*i, *l);
        }
        // The first fit starts from nothing: run it to convergence; each
        // later decision then moves the optimum little (one round).
        q.model.settings_mut().rounds = FIRST_FIT_ROUNDS;
        q.retrain();
        q.model.settings_mut().rounds = settings.rounds;
        q
    }

    fn set(&mut self, i: usize, include: bool) {
        let Some(d) = self.decided.get_mut(i) else {
            return;
        };
        *d = Some(include);
        // a decision ends a set-aside
        for flag in [self.skipped.get_mut(i), self.revisited.get_mut(i)]
            .into_iter()
            .flatten()
        {
            *flag = false;
        }
        // a changed decision replaces the label where the record was first screened
        match self.position.get(i).copied().flatten() {
            Some(p) => {
                if let Some(x) = self.sequence.get_mut(p) {
                    *x = include;
                }
            }
            None => {
                if let Some(x) = self.position.get_mut(i) {
                    *x = Some(self.sequence.len());
                }
                self.sequence.push(include);
            }
        }
    }

    /// Take a record's label back: out of the screened sequence, the later
    /// records moving up one place.
    fn unset(&mut self, i: usize) {
        if let Some(d) = self.decided.get_mut(i) {
            *d = None;
        }
        if let Some(p) = self.position.get_mut(i).and_then(Option::take) {
            if p < self.sequence.len() {
                self.sequence.remove(p);
            }
            for q in self.position.iter_mut().flatten() {
                if *q > p {
                    *q -= 1;
                }
            }
        }
    }

    /// Whether record `i` is a sampled record the ranking has not reached:
    /// its label is kept from the ranker.
    fn held(&self, i: usize) -> bool {
        self.sampling
            .as_ref()
            .is_some_and(|s| s.member.get(i) == Some(&true) && s.passed.get(i) != Some(&true))
    }

    fn retrain(&mut self) {
        let labelled: Vec<(usize, bool)> = self
            .decided
            .iter()
            .enumerate()
            .filter_map(|(i, d)| d.map(|l| (i, l)))
            .filter(|(i, _)| !self.held(*i))
            .collect();
        self.model.train(&self.features, &labelled);
        // Score every record now (moved by the change in the weights, see
        // `Ranker::rank`), so that `next` only reads the scores.
        self.model.rank(&self.features, &[]);
        self.pass_sampled();
    }

    /// The score of record `i` (kept, else fresh).
    fn score_of(&self, i: usize) -> f32 {
        match self
            .model
            .kept_scores(&self.features)
            .and_then(|k| k.get(i).copied())
        {
            Some(s) => s,
            None => self.model.score(&self.features, i),
        }
    }

    /// Mark as reached by the ranking every decided sampled record that it
    /// ranks at least as high as the best record it would show next: the
    /// ranked review has got to it. Its label then joins the training at the
    /// next retrain.
    fn pass_sampled(&mut self) {
        let Some(sm) = &self.sampling else {
            return;
        };
        let frontier = (0..self.features.len())
            .filter(|i| {
                self.decided.get(*i) == Some(&None)
                    && sm.member.get(*i) != Some(&true)
                    && self.skipped.get(*i) == Some(&false)
            })
            .map(|i| self.score_of(i))
            .fold(f32::NEG_INFINITY, f32::max);
        let reached: Vec<usize> = (0..self.features.len())
            .filter(|i| {
                self.held(*i)
                    && self.decided.get(*i).copied().flatten().is_some()
                    && self.score_of(*i) >= frontier
            })
            .collect();
        if let Some(sm) = self.sampling.as_mut() {
            for i in reached {
                if let Some(p) = sm.passed.get_mut(i) {
                    *p = true;
                }
            }
        }
    }

    /// Use this stopping rule. A sample rule draws its random sample from
    /// every record with this seed (the draw depends on the seed and the
    /// number of records only), shows it first, and keeps its labels from
    /// the ranker until the ranking reaches each record.
    pub fn set_rule(&mut self, rule: Rule, seed: u64) {
        self.rule = rule;
        self.sampling = None;
        if !rule.needs_sample() {
            return;
        }
        let n = self.features.len();
        let mut draw: Vec<usize> = (0..n).collect();
        super::shuffle(&mut draw, seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        self.sampling = Some(Sampling {
            target_method: rule == Rule::Target,
            draw,
            size: sample::qbcb_sample_size(n),
            member: vec![false; n],
            passed: vec![false; n],
        });
        self.grow_sample();
        self.retrain();
    }

    /// Which records the sample holds: QBCB's first `size` of the draw; the
    /// target method's draw up to the first undecided record, or up to the
    /// record that completed its target set.
    fn grow_sample(&mut self) {
        let k = sample::target_size(self.target, self.alpha);
        let decided = &self.decided;
        let Some(sm) = self.sampling.as_mut() else {
            return;
        };
        let take = if sm.target_method {
            let mut relevant = 0;
            let mut end = sm.draw.len();
            for (n, i) in sm.draw.iter().enumerate() {
                match decided.get(*i).copied().flatten() {
                    Some(true) => {
                        relevant += 1;
                        if relevant == k {
                            end = n + 1;
                            break;
                        }
                    }
                    Some(false) => {}
                    None => {
                        end = n + 1;
                        break;
                    }
                }
            }
            end
        } else {
            sm.size
        };
        for i in sm.draw.iter().take(take) {
            if let Some(m) = sm.member.get_mut(*i) {
                *m = true;
            }
        }
    }

    /// Where the rule's sample stands.
    fn sample_state(&self) -> Option<SampleState> {
        let sm = self.sampling.as_ref()?;
        let members: Vec<usize> = (0..sm.member.len())
            .filter(|i| sm.member.get(*i) == Some(&true))
            .collect();
        let label = |i: &usize| self.decided.get(*i).copied().flatten();
        let screened = members.iter().filter(|i| label(i).is_some()).count();
        let relevant = members.iter().filter(|i| label(i) == Some(true)).count();
        let passed = members
            .iter()
            .filter(|i| label(i) == Some(true) && sm.passed.get(**i) == Some(&true))
            .count();
        let complete = if sm.target_method {
            relevant >= sample::target_size(self.target, self.alpha) || screened == sm.draw.len()
        } else {
            screened >= members.len()
        };
        Some(SampleState {
            size: members.len(),
            screened,
            relevant,
            passed,
            complete,
        })
    }

    /// The next sampled record to screen, while the sample is not complete.
    fn next_sampled(&self, except: &dyn Fn(usize) -> bool) -> Option<Next> {
        let sm = self.sampling.as_ref()?;
        if self.sample_state().is_some_and(|s| s.complete) {
            return None;
        }
        sm.draw
            .iter()
            .enumerate()
            .find(|(_, i)| {
                sm.member.get(**i) == Some(&true)
                    && !except(**i)
                    && self.decided.get(**i) == Some(&None)
                    && self.skipped.get(**i) == Some(&false)
            })
            .map(|(place, i)| Next {
                index: *i,
                rank: place + 1,
                score: 0.0,
                set_aside: false,
                sample: true,
            })
    }

    /// Record a decision and retrain.
    pub fn decide(&mut self, i: usize, include: bool) {
        self.decide_many(&[(i, include)]);
    }

    /// Record several decisions (in order) and retrain once: what a server
    /// does with the decisions its reviewers made while the ranking was busy.
    pub fn decide_many(&mut self, decisions: &[(usize, bool)]) {
        if decisions.is_empty() {
            return;
        }
        for (i, include) in decisions {
            self.set(*i, *include);
        }
        self.grow_sample();
        self.retrain();
    }

    /// Whether record `i` has a label (include or exclude) in this queue.
    pub fn is_decided(&self, i: usize) -> bool {
        self.decided.get(i).copied().flatten().is_some()
    }

    /// Set a record aside without a label (a maybe). It comes back once every
    /// other record has a decision; set aside a second time, it waits for the
    /// next session. A record decided before (then undone) loses its label,
    /// as the review's log reads it: the latest decision counts.
    pub fn skip(&mut self, i: usize) {
        if self.decided.get(i).copied().flatten().is_some() {
            self.unset(i);
            self.retrain();
        }
        if let Some(x) = self.skipped.get_mut(i) {
            if *x {
                if let Some(r) = self.revisited.get_mut(i) {
                    *r = true;
                }
            }
            *x = true;
        }
    }

    /// Show these records before all others (the records new in a living
    /// review's latest update), still ranked by the model among themselves.
    pub fn put_first(&mut self, records: &[usize]) {
        for i in records {
            if let Some(f) = self.first.get_mut(*i) {
                *f = true;
            }
        }
    }

    /// Up to `n` undecided records put first, most likely relevant first.
    pub fn top_first(&self, n: usize) -> Vec<usize> {
        let kept = self.model.kept_scores(&self.features);
        let mut scored: Vec<(usize, f32)> = (0..self.features.len())
            .filter(|i| self.decided.get(*i) == Some(&None) && self.first.get(*i) == Some(&true))
            .map(|i| match kept.and_then(|k| k.get(i)) {
                Some(s) => (i, *s),
                None => (i, self.model.score(&self.features, i)),
            })
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.into_iter().take(n).map(|(i, _)| i).collect()
    }

    /// The undecided record most likely to be relevant (among those put
    /// first, while any is left); once only records set aside as maybe are
    /// left, the one of those most likely to be relevant.
    pub fn next(&self) -> Option<Next> {
        self.next_except(&|_| false)
    }

    /// [`Queue::next`] passing over the records `except` names (those other
    /// reviewers hold on their screens, for a team).
    pub fn next_except(&self, except: &dyn Fn(usize) -> bool) -> Option<Next> {
        self.next_sampled(except)
            .or_else(|| self.best(false, true, except))
            .or_else(|| self.best(false, false, except))
            .or_else(|| self.best(true, false, except))
    }

    fn best(
        &self,
        set_aside: bool,
        only_first: bool,
        except: &dyn Fn(usize) -> bool,
    ) -> Option<Next> {
        let kept = self.model.kept_scores(&self.features);
        let mut scored: Vec<(usize, f32)> = (0..self.features.len())
            .filter(|i| {
                self.decided.get(*i) == Some(&None)
                    && !except(*i)
                    && !self.held(*i)
                    && (!only_first || self.first.get(*i) == Some(&true))
                    && self.skipped.get(*i) == Some(&set_aside)
                    && self.revisited.get(*i) == Some(&false)
            })
            .map(|i| match kept.and_then(|k| k.get(i)) {
                Some(s) => (i, *s),
                None => (i, self.model.score(&self.features, i)),
            })
            .collect();
        let best = scored
            .iter()
            .copied()
            .fold(None, |b: Option<(usize, f32)>, x| match b {
                Some(bb) if bb.1 >= x.1 => Some(bb),
                _ => Some(x),
            })?;
        scored.retain(|x| x.1 > best.1);
        Some(Next {
            index: best.0,
            rank: scored.len() + 1,
            score: best.1,
            set_aside,
            sample: false,
        })
    }

    /// Where screening stands.
    pub fn status(&self) -> Status {
        let total = self.decided.len();
        let sample = self.sample_state();
        let v = self.rule.verdict(
            &self.sequence,
            total,
            self.target,
            self.alpha,
            sample.as_ref(),
        );
        Status {
            screened: self.sequence.len(),
            total,
            relevant: self.sequence.iter().filter(|x| **x).count(),
            maybe: self
                .skipped
                .iter()
                .zip(&self.decided)
                .filter(|(s, d)| **s && d.is_none())
                .count(),
            recall_lower: v.recall_bound.unwrap_or(0.0),
            recall_estimate: v.recall_estimate.unwrap_or(0.0),
            can_stop: v.can_stop,
            to_stop: v.to_stop.irrelevant_in_a_row(),
            stopping: v,
            sample,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screen::stop::ToStop;

    #[test]
    fn records_put_first_come_before_better_ranked_ones() {
        let texts: Vec<String> = (0..40usize)
            .map(|i| {
                if i % 4 == 0 {
                    format!("dialectical behaviour therapy trial {i}")
                } else {
                    format!("mouse liver assay {i}")
                }
            })
            .collect();
        let mut q = Queue::new(&texts, &[(0, true), (1, false), (4, true)], 0.95, 0.05);
        let best = q.next().expect("next").index;
        assert_eq!(best % 4, 0, "the model ranks a therapy record first");
        // Two irrelevant-looking records from an update come first all the same.
        q.put_first(&[13, 17]);
        let a = q.next().expect("next");
        assert!([13, 17].contains(&a.index), "{a:?}");
        q.decide(a.index, false);
        let b = q.next().expect("next");
        assert!([13, 17].contains(&b.index) && b.index != a.index, "{b:?}");
        assert_eq!(q.top_first(5).len(), 1);
        q.decide(b.index, false);
        assert!(q.top_first(5).is_empty());
        assert_eq!(
            q.next().expect("next").index % 4,
            0,
            "then the ranking again"
        );
    }

    #[test]
    fn next_reads_kept_scores_equal_to_fresh_ones() {
        let texts: Vec<String> = (0..80usize)
            .map(|i| {
                let topic = if i.is_multiple_of(5) {
                    "dialectical behaviour therapy trial"
                } else {
                    "mouse liver assay"
                };
                format!("{topic} word{} common {i}", i % 7)
            })
            .collect();
        let mut q = Queue::new(&texts, &[(0, true), (1, false)], 0.95, 0.05);
        for _ in 0..30 {
            let next = q.next().expect("records left");
            // the best undecided record by a fresh score of every record
            let fresh = (0..texts.len())
                .filter(|i| q.decided.get(*i) == Some(&None))
                .map(|i| (i, q.model.score(&q.features, i)))
                .fold(None, |b: Option<(usize, f32)>, x| match b {
                    Some(bb) if bb.1 >= x.1 => Some(bb),
                    _ => Some(x),
                })
                .expect("records left");
            assert!(
                (next.score - fresh.1).abs() < 1e-4,
                "kept {} vs fresh {}",
                next.score,
                fresh.1
            );
            assert!(q.model.kept_scores(&q.features).is_some(), "no scores kept");
            q.decide(next.index, next.index.is_multiple_of(5));
        }
    }

    #[test]
    fn a_maybe_comes_back_once_the_rest_is_decided() {
        let texts = [
            "mbt trial",
            "mbt trial two",
            "mouse assay",
            "mouse assay two",
        ];
        let mut q = Queue::new(&texts, &[(0, true), (2, false)], 0.95, 0.05);
        let first = q.next().expect("two records left");
        q.skip(first.index);
        let st = q.status();
        assert_eq!((st.screened, st.maybe), (2, 1));
        let second = q.next().expect("one record left");
        assert_ne!(second.index, first.index, "a maybe waits");
        assert!(!second.set_aside);
        q.decide(second.index, false);
        // every other record decided: the maybe comes back
        let again = q.next().expect("the maybe");
        assert_eq!(
            (again.index, again.set_aside, again.rank),
            (first.index, true, 1)
        );
        // set aside a second time, it waits for the next session
        q.skip(first.index);
        assert_eq!(q.next(), None);
        assert_eq!(q.status().maybe, 1);
        q.decide(first.index, true);
        let st = q.status();
        assert_eq!((st.screened, st.maybe, st.relevant), (4, 0, 2));
    }

    #[test]
    fn a_decided_record_set_aside_loses_its_label() {
        let texts = [
            "mbt trial",
            "mbt trial two",
            "mouse assay",
            "mouse assay two",
            "dbt trial",
        ];
        let mut q = Queue::new(&texts, &[(0, true), (2, false)], 0.95, 0.05);
        q.decide(1, true);
        q.decide(3, false);
        assert_eq!((q.status().screened, q.status().relevant), (4, 2));
        // record 1 undone and set aside: as if it had never been decided
        q.skip(1);
        let st = q.status();
        assert_eq!((st.screened, st.relevant, st.maybe), (3, 1, 1));
        assert_eq!(q.sequence, [true, false, false]);
        assert_eq!(q.position[3], Some(2), "the later record moved up");
        assert_eq!(q.next().map(|n| (n.index, n.set_aside)), Some((4, false)));
        // decided again, it is screened anew at the end of the sequence
        q.decide(1, false);
        assert_eq!(q.sequence, [true, false, false, false]);
        assert_eq!(q.status().maybe, 0);
        // undone and set aside once more: a fresh maybe, shown at the end
        q.skip(1);
        q.decide(4, true);
        assert_eq!(q.next().map(|n| (n.index, n.set_aside)), Some((1, true)));
    }

    #[test]
    fn a_sample_rule_shows_its_random_sample_first() {
        let texts: Vec<String> = (0..40usize)
            .map(|i| {
                if i % 4 == 0 {
                    format!("dialectical behaviour therapy trial {i}")
                } else {
                    format!("mouse liver assay {i}")
                }
            })
            .collect();
        let mut q = Queue::new(&texts, &[(0, true), (1, false)], 0.95, 0.05);
        q.set_rule(Rule::Qbcb, 7);
        let st = q.status();
        let s = st.sample.expect("a sample");
        assert_eq!((s.size, s.complete), (4, false), "10 % of 40");
        assert_eq!(st.stopping.to_stop, ToStop::Sample { left: 4, size: 4 });
        let mut shown = Vec::new();
        for place in 1..=4 {
            let n = q.next().expect("a sampled record");
            assert!(n.sample, "{n:?}");
            assert_eq!(n.rank, place, "in the order drawn");
            shown.push(n.index);
            q.decide(n.index, n.index.is_multiple_of(4));
        }
        let s = q.status().sample.expect("a sample");
        assert_eq!((s.screened, s.complete), (4, true));
        assert_eq!(
            s.relevant,
            shown.iter().filter(|i| i.is_multiple_of(4)).count()
        );
        let n = q.next().expect("the ranking");
        assert!(!n.sample && !shown.contains(&n.index));
        // a sampled record the ranking has not reached is not trained on
        for i in &shown {
            if !q.sampling.as_ref().is_some_and(|s| s.passed[*i]) {
                assert!(q.held(*i));
            }
        }
        // the same seed draws the same sample
        let mut again = Queue::new(&texts, &[(0, true), (1, false)], 0.95, 0.05);
        again.set_rule(Rule::Qbcb, 7);
        assert_eq!(again.next().map(|n| n.index), shown.first().copied());
    }
}
