//! When to stop screening, and how much might still be missed: five rules,
//! each with its assumption and what it guarantees.
//!
//! | rule | guarantee | assumption |
//! |---|---|---|
//! | [`hypergeometric`] (Callaghan & Müller-Hansen 2020) | P(stop with recall < target) ≤ α | the last records screened are no likelier to be relevant than those left (true, conservatively, under ranking) |
//! | [`sample`]: `qbcb` (Lewis, Yang & Frieder 2021) | P(stop with recall < target) ≤ α | a random sample screened up front, kept from the ranker until the ranking reaches it |
//! | [`sample`]: `target` (Cormack & Grossman 2016) | likewise | likewise; the sample runs until it holds ⌈−ln α/(1−t)⌉ relevant records |
//! | [`point`] (Sneyd & Stevenson 2021; Stevenson & Bin-Hezam 2023) | a Poisson bound under a fitted model | relevant records thin out along the ranking at an exponential rate |
//! | [`knee`](mod@knee) (Cormack & Grossman 2016) | none: a heuristic | the gain curve has bent |
//!
//! [`Rule::verdict`] reads one rule for a screening in progress (the one
//! line `lacuna screen`, the web app and `lacuna update` show); the
//! simulations read every rule on the same runs (`screen::simulate`).

pub mod hypergeometric;
pub mod knee;
pub mod point;
pub mod sample;

pub use hypergeometric::{buscar_p, buscar_stops, more_to_stop, recall_estimate};
pub use knee::knee;

use serde::Serialize;

/// A stopping rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The hypergeometric test (Callaghan & Müller-Hansen 2020).
    Hypergeometric,
    /// QBCB with a 10 % random sample (Lewis, Yang & Frieder 2021).
    Qbcb,
    /// The target method (Cormack & Grossman 2016).
    Target,
    /// The point-process estimate (Sneyd & Stevenson 2021; Stevenson & Bin-Hezam 2023).
    PointProcess,
    /// The knee method, a heuristic (Cormack & Grossman 2016).
    Knee,
}

/// The rule Lacuna uses unless told otherwise, chosen by the side-by-side
/// table in BENCHMARKS.md ("Stopping rules, measured"): the lowest mean cost
/// among the rules with a stated guarantee that reached the recall target
/// in at least 95 % of all simulated runs.
pub const DEFAULT: Rule = Rule::Hypergeometric;

impl Rule {
    /// Every rule, in the order tables list them.
    pub const ALL: [Rule; 5] = [
        Rule::Hypergeometric,
        Rule::Qbcb,
        Rule::Target,
        Rule::PointProcess,
        Rule::Knee,
    ];

    /// The rule's name in flags and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Hypergeometric => "hypergeometric",
            Rule::Qbcb => "qbcb",
            Rule::Target => "target",
            Rule::PointProcess => "point-process",
            Rule::Knee => "knee",
        }
    }

    /// The rule named `s`.
    pub fn parse(s: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// A heuristic: no stated error rate (never the default).
    pub fn is_heuristic(self) -> bool {
        self == Rule::Knee
    }

    /// Whether the rule needs a random sample screened first.
    pub fn needs_sample(self) -> bool {
        matches!(self, Rule::Qbcb | Rule::Target)
    }

    /// Read the rule for a screening in progress: `seen` is the screening
    /// sequence (true = relevant) in order, `n_total` the records in all,
    /// `sample` the state of the rule's random sample (sample rules only).
    pub fn verdict(
        self,
        seen: &[bool],
        n_total: usize,
        target: f64,
        alpha: f64,
        sample: Option<&SampleState>,
    ) -> Verdict {
        let found = seen.iter().filter(|x| **x).count();
        let all_done = seen.len() >= n_total;
        let mut v = self.reading(seen, n_total, target, alpha, sample, found, all_done);
        if found == 0 && v.can_stop {
            // No relevant record found: recall is 0/0, so no rule can say it
            // is reached (nor estimate it); one that would stop says so.
            v.can_stop = false;
            v.recall_estimate = None;
            v.recall_bound = None;
            v.to_stop = ToStop::NoRelevant {
                screened: seen.len(),
                left: n_total.saturating_sub(seen.len()),
            };
        }
        v
    }

    /// The rule's own reading, before the no-relevant-record guard of
    /// [`Rule::verdict`].
    #[expect(
        clippy::too_many_arguments,
        reason = "verdict's arguments and two counts of them"
    )]
    fn reading(
        self,
        seen: &[bool],
        n_total: usize,
        target: f64,
        alpha: f64,
        sample: Option<&SampleState>,
        found: usize,
        all_done: bool,
    ) -> Verdict {
        let v = |can_stop, recall_estimate, recall_bound, to_stop| Verdict {
            rule: self,
            target,
            can_stop,
            recall_estimate,
            recall_bound,
            to_stop,
        };
        match self {
            Rule::Hypergeometric => {
                let (lower, point) = recall_estimate(seen, n_total, alpha, 100);
                let can = buscar_stops(seen, n_total, target, alpha);
                let to = if can {
                    ToStop::Now
                } else {
                    match more_to_stop(seen, n_total, target, alpha) {
                        Some(m) => ToStop::Irrelevant { records: m },
                        None => ToStop::Unreachable,
                    }
                };
                v(can, Some(point), Some(lower), to)
            }
            Rule::PointProcess => {
                let e = point::estimate(seen, n_total, alpha);
                let can = point::stops(seen, n_total, target, alpha) || all_done;
                let to = if can {
                    ToStop::Now
                } else if found < point::MIN_RELEVANT {
                    ToStop::MoreRelevant {
                        found,
                        needed: point::MIN_RELEVANT,
                    }
                } else {
                    match point::more_to_stop(seen, n_total, target, alpha) {
                        Some(m) => ToStop::Irrelevant { records: m },
                        None => ToStop::Unreachable,
                    }
                };
                v(can, e.map(|e| e.recall()), e.map(|e| e.bound()), to)
            }
            Rule::Knee => {
                let can = knee(seen) || all_done;
                let to = if can {
                    ToStop::Now
                } else {
                    let mut s = seen.to_vec();
                    let mut m = None;
                    for extra in 1..=n_total.saturating_sub(seen.len()) {
                        s.push(false);
                        if knee(&s) {
                            m = Some(extra);
                            break;
                        }
                    }
                    m.map_or(ToStop::Unreachable, |records| ToStop::Irrelevant {
                        records,
                    })
                };
                v(can, None, None, to)
            }
            Rule::Qbcb | Rule::Target => {
                let Some(s) = sample else {
                    return v(all_done, None, None, ToStop::NoSample);
                };
                let target_method = self == Rule::Target;
                if !s.complete {
                    let to = if target_method {
                        ToStop::TargetSample {
                            relevant: s.relevant,
                            needed: sample::target_size(target, alpha),
                            screened: s.screened,
                        }
                    } else {
                        ToStop::Sample {
                            left: s.size.saturating_sub(s.screened),
                            size: s.size,
                        }
                    };
                    return v(all_done, None, None, to);
                }
                let bound = sample::recall_bound(s.relevant, s.passed, alpha);
                let point = (s.relevant > 0).then(|| s.passed as f64 / s.relevant as f64);
                match sample::needed(target_method, s.relevant, target, alpha) {
                    None => v(
                        all_done,
                        point,
                        Some(bound),
                        ToStop::SampleTooSmall {
                            relevant: s.relevant,
                        },
                    ),
                    Some(need) if s.passed >= need || all_done => {
                        v(true, point, Some(bound), ToStop::Now)
                    }
                    Some(need) => v(
                        false,
                        point,
                        Some(bound),
                        ToStop::Pass {
                            passed: s.passed,
                            needed: need,
                            relevant: s.relevant,
                        },
                    ),
                }
            }
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a sample rule's random sample stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SampleState {
    /// Records in the sample (for the target method: drawn so far).
    pub size: usize,
    /// Sampled records screened.
    pub screened: usize,
    /// Relevant records among them.
    pub relevant: usize,
    /// Sampled relevant records the ranking has passed.
    pub passed: usize,
    /// Whether the sample is screened (QBCB: all of it; the target method:
    /// its target set is complete, or the records ran out).
    pub complete: bool,
}

/// What is left before a rule can stop.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ToStop {
    /// It can stop now.
    Now,
    /// This many more irrelevant records in a row.
    Irrelevant {
        /// Records.
        records: usize,
    },
    /// More relevant records must be found before the rule may stop.
    MoreRelevant {
        /// Found so far.
        found: usize,
        /// Needed.
        needed: usize,
    },
    /// The QBCB sample is not screened yet.
    Sample {
        /// Sampled records not screened.
        left: usize,
        /// Sample size.
        size: usize,
    },
    /// The target method's sample has not found its target set yet.
    TargetSample {
        /// Relevant records in the sample so far.
        relevant: usize,
        /// The target set's size.
        needed: usize,
        /// Sampled records screened.
        screened: usize,
    },
    /// The ranking must pass more of the sample's relevant records.
    Pass {
        /// Passed so far.
        passed: usize,
        /// Needed.
        needed: usize,
        /// Relevant records in the sample.
        relevant: usize,
    },
    /// The sample holds too few relevant records to certify the target.
    SampleTooSmall {
        /// Relevant records in the sample.
        relevant: usize,
    },
    /// A sample rule without a sample drawn.
    NoSample,
    /// No relevant record found, so recall cannot be estimated and the rule
    /// cannot say it is reached (it would otherwise have stopped).
    NoRelevant {
        /// Records screened.
        screened: usize,
        /// Records not screened.
        left: usize,
    },
    /// Not before every record is screened.
    Unreachable,
}

impl ToStop {
    /// Irrelevant records in a row still needed (0 when it can stop now;
    /// `None` when what is left is not a run of irrelevant records).
    pub fn irrelevant_in_a_row(&self) -> Option<usize> {
        match self {
            ToStop::Now => Some(0),
            ToStop::Irrelevant { records } => Some(*records),
            _ => None,
        }
    }
}

/// One rule's reading of a screening in progress.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Verdict {
    /// The rule.
    pub rule: Rule,
    /// The recall target.
    pub target: f64,
    /// Whether the rule says recall ≥ target now, at its confidence.
    pub can_stop: bool,
    /// Recall point estimate (none for the knee method, or before the rule
    /// has data).
    pub recall_estimate: Option<f64>,
    /// The recall bound at the confidence.
    pub recall_bound: Option<f64>,
    /// What is left before it can stop.
    pub to_stop: ToStop,
}

impl std::fmt::Display for Verdict {
    /// One line: the rule, its recall estimate with its bound, and what
    /// remains before it can stop.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.rule)?;
        match (self.recall_estimate, self.recall_bound) {
            (Some(e), Some(b)) => write!(f, ": recall ≈ {e:.2} (≥ {b:.2} at the confidence)")?,
            (Some(e), None) => write!(f, ": recall ≈ {e:.2}")?,
            _ if self.rule.is_heuristic() => write!(f, " (heuristic, no recall bound)")?,
            _ => {}
        }
        let t = self.target;
        match self.to_stop {
            ToStop::Now => write!(f, " · can stop now: recall ≥ {t} at the confidence"),
            ToStop::Irrelevant { records } => {
                write!(f, " · stop after {records} more irrelevant records in a row")
            }
            ToStop::MoreRelevant { found, needed } => write!(
                f,
                " · needs {needed} relevant records found before it can stop ({found} so far)"
            ),
            ToStop::Sample { left, size } => write!(
                f,
                " · screen the {size}-record random sample first ({left} left)"
            ),
            ToStop::TargetSample {
                relevant,
                needed,
                screened,
            } => write!(
                f,
                " · screen the random sample until it holds {needed} relevant records ({relevant} in {screened} so far)"
            ),
            ToStop::Pass {
                passed,
                needed,
                relevant,
            } => write!(
                f,
                " · stop once the ranking has reached {needed} of the sample's {relevant} relevant records ({passed} so far)"
            ),
            ToStop::SampleTooSmall { relevant } => write!(
                f,
                " · the sample holds {relevant} relevant records, too few to certify recall {t}: screen everything or use another rule"
            ),
            ToStop::NoSample => write!(f, " · no random sample drawn yet"),
            ToStop::NoRelevant { screened: 0, left: 0 } => {
                write!(f, " · no records to screen: no recall to estimate")
            }
            ToStop::NoRelevant { screened, left: 0 } => write!(
                f,
                " · all {screened} records screened and none relevant: recall cannot be estimated, so no rule can say it reached {t}"
            ),
            ToStop::NoRelevant { left, .. } => write!(
                f,
                " · no relevant record found yet: recall cannot be estimated; keep screening ({left} left)"
            ),
            ToStop::Unreachable => write!(f, " · cannot stop before every record is screened"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for r in Rule::ALL {
            assert_eq!(Rule::parse(r.as_str()), Some(r));
            assert_eq!(
                serde_json::to_value(r).expect("json"),
                serde_json::json!(r.as_str())
            );
        }
        assert_eq!(Rule::parse("buscar"), None);
        assert!(!DEFAULT.is_heuristic());
    }

    /// Issue 30: with no relevant record found, recall is 0/0: no rule may
    /// say it can stop (or print a recall of 0.00 as if estimated), whether
    /// nothing was there to screen, all was screened, or some is left.
    #[test]
    fn issue_30_no_rule_says_it_can_stop_with_no_relevant_record_found() {
        let sample = SampleState {
            size: 20,
            screened: 20,
            relevant: 0,
            passed: 0,
            complete: true,
        };
        for (seen, n) in [
            (vec![], 0),
            (vec![false; 200], 200),
            (vec![false; 200], 1000),
        ] {
            for rule in Rule::ALL {
                let v = rule.verdict(&seen, n, 0.95, 0.05, Some(&sample));
                let line = v.to_string();
                assert!(!v.can_stop, "{rule} on {} of {n}: {line}", seen.len());
                assert!(!line.contains("can stop now"), "{line}");
                if let ToStop::NoRelevant { .. } = v.to_stop {
                    // where it would have stopped, no recall is printed either
                    assert!(!line.contains("recall ≈"), "{line}");
                    assert_eq!(v.recall_estimate, None, "{line}");
                }
            }
        }
        let v = Rule::Hypergeometric.verdict(&[], 0, 0.95, 0.05, None);
        assert_eq!(
            v.to_string(),
            "hypergeometric · no records to screen: no recall to estimate"
        );
        for rule in [Rule::Hypergeometric, Rule::PointProcess] {
            let v = rule.verdict(&[], 0, 0.95, 0.05, None);
            assert_eq!(
                v.to_stop,
                ToStop::NoRelevant {
                    screened: 0,
                    left: 0
                },
                "{v}"
            );
        }
        let v = Rule::PointProcess.verdict(&[false; 5], 5, 0.95, 0.05, None);
        assert!(
            v.to_string()
                .contains("all 5 records screened and none relevant"),
            "{v}"
        );
        // One relevant record found: the rules read as before.
        let mut seen = vec![true];
        seen.extend(vec![false; 199]);
        assert!(
            Rule::Hypergeometric
                .verdict(&seen, 200, 0.95, 0.05, None)
                .can_stop
        );
    }

    #[test]
    fn verdict_lines_say_what_is_left() {
        let mut seen = vec![true; 10];
        seen.extend(vec![false; 30]);
        let v = Rule::Hypergeometric.verdict(&seen, 1000, 0.95, 0.05, None);
        assert!(!v.can_stop);
        let line = v.to_string();
        assert!(line.contains("more irrelevant records in a row"), "{line}");
        let s = SampleState {
            size: 100,
            screened: 40,
            relevant: 3,
            passed: 0,
            complete: false,
        };
        let line = Rule::Qbcb
            .verdict(&seen, 1000, 0.95, 0.05, Some(&s))
            .to_string();
        assert!(
            line.contains("screen the 100-record random sample first (60 left)"),
            "{line}"
        );
        let done = SampleState {
            complete: true,
            screened: 100,
            ..s
        };
        let v = Rule::Qbcb.verdict(&seen, 1000, 0.95, 0.05, Some(&done));
        assert_eq!(v.to_stop, ToStop::SampleTooSmall { relevant: 3 });
        let rich = SampleState {
            size: 400,
            screened: 400,
            relevant: 80,
            passed: 70,
            complete: true,
        };
        let v = Rule::Qbcb.verdict(&seen, 1000, 0.9, 0.05, Some(&rich));
        let j = sample::qbcb_j(80, 0.9, 0.05).expect("j");
        assert_eq!(v.can_stop, 70 >= j);
        let v = Rule::PointProcess.verdict(&seen, 1000, 0.95, 0.05, None);
        assert_eq!(
            v.to_stop,
            ToStop::MoreRelevant {
                found: 10,
                needed: 20
            }
        );
    }
}
