//! How the briefing words things a person reads: numbers on the reader's
//! scale (with "<0.01" and ">100" beyond a sensible range), the statistical
//! terms explained at their first use, the estimator and interval methods
//! in words, and studies, records and categories by their names, never
//! their ids.
//!
//! Pure and small; no section logic here.

use super::doc::{Inline, Line};
use super::Briefing;
use crate::gapmap::Map;
use crate::living::{RecordId, Snapshot};
use crate::meta::{Method, Test};
use crate::model::Measure;
use std::collections::{BTreeMap, BTreeSet};

/// Whether the measure is a ratio, drawn and read on a log scale.
pub(super) fn is_ratio(measure: &str) -> bool {
    Measure::parse(measure).is_some_and(Measure::is_log)
}

/// A value of the analysis scale on the reader's scale.
pub(super) fn shown(measure: &str, x: f64) -> f64 {
    Measure::parse(measure)
        .and_then(|m| m.back_transform(x))
        .unwrap_or(x)
}

/// The largest ratio (and the reciprocal of the smallest) printed as it is.
pub(super) const RATIO_LIMIT: f64 = 100.0;
/// The largest difference (in absolute value) printed as it is.
pub(super) const DIFFERENCE_LIMIT: f64 = 100.0;

/// A value of the analysis scale as the reader sees it: two decimals, a
/// true minus sign, and "<0.01" / ">100" beyond the sensible range (an
/// interval of a ratio that reaches 42335.96 says only "very wide").
pub(super) fn num(measure: &str, x: f64) -> String {
    let v = shown(measure, x);
    if !v.is_finite() {
        return if is_ratio(measure) && x.is_sign_negative() {
            "<0.01".into()
        } else if x.is_nan() {
            "NA".into()
        } else if x > 0.0 {
            format!(
                ">{}",
                fmt_limit(if is_ratio(measure) {
                    RATIO_LIMIT
                } else {
                    DIFFERENCE_LIMIT
                })
            )
        } else {
            format!("<−{}", fmt_limit(DIFFERENCE_LIMIT))
        };
    }
    if is_ratio(measure) {
        if v < 1.0 / RATIO_LIMIT {
            return "<0.01".into();
        }
        if v > RATIO_LIMIT {
            return format!(">{}", fmt_limit(RATIO_LIMIT));
        }
    } else if v > DIFFERENCE_LIMIT {
        return format!(">{}", fmt_limit(DIFFERENCE_LIMIT));
    } else if v < -DIFFERENCE_LIMIT {
        return format!("<−{}", fmt_limit(DIFFERENCE_LIMIT));
    }
    let s = format!("{v:.2}");
    if s == "-0.00" {
        "0.00".into()
    } else {
        s.replace('-', "−")
    }
}

fn fmt_limit(x: f64) -> String {
    format!("{x:.0}")
}

/// An estimate with its interval: `0.91 [<0.01, >100]`.
pub(super) fn estimate(measure: &str, e: f64, lo: f64, hi: f64) -> String {
    format!(
        "{} [{}, {}]",
        num(measure, e),
        num(measure, lo),
        num(measure, hi)
    )
}

/// The statistical terms a reader may not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Term {
    /// k, the number of studies pooled.
    K,
    /// The 95 % confidence interval.
    Ci,
    /// The 95 % prediction interval.
    Pi,
    /// I².
    I2,
    /// τ².
    Tau2,
    /// Restricted maximum likelihood.
    Reml,
}

impl Term {
    /// The short form used after the first use.
    pub(super) fn short(self) -> &'static str {
        match self {
            Term::K => "k",
            Term::Ci => "95 % CI",
            Term::Pi => "95 % PI",
            Term::I2 => "I²",
            Term::Tau2 => "τ²",
            Term::Reml => "REML",
        }
    }

    /// The term and its explanation, at the first use.
    pub(super) fn first(self) -> (&'static str, &'static str) {
        match self {
            Term::K => ("k", " (the number of studies pooled)"),
            Term::Ci => (
                "95 % confidence interval",
                " (CI: the range of average effects the data are consistent with)",
            ),
            Term::Pi => (
                "95 % prediction interval",
                " (PI: where the effect in a new setting would likely fall)",
            ),
            Term::I2 => (
                "I²",
                " (the share of the spread between studies that is not due to chance)",
            ),
            Term::Tau2 => (
                "τ²",
                " (tau squared: the variance of the true effects between studies)",
            ),
            Term::Reml => ("REML", " (restricted maximum likelihood)"),
        }
    }
}

/// Which terms have been explained so far; sections ask it in reading order.
#[derive(Debug, Default)]
pub(super) struct Terms {
    seen: BTreeSet<Term>,
}

impl Terms {
    /// The term as inline runs: defined the first time, short after.
    pub(super) fn say(&mut self, t: Term) -> Line {
        if self.seen.insert(t) {
            let (word, why) = t.first();
            vec![Inline::Dfn(word.into()), Inline::Text(why.into())]
        } else {
            vec![Inline::Text(t.short().into())]
        }
    }
}

/// The τ² estimator in words (REML goes through [`Terms`]).
pub(super) fn method_words(m: Method, terms: &mut Terms) -> Line {
    let w = match m {
        Method::REML => return terms.say(Term::Reml),
        Method::EE => "none (a common-effect model, τ² = 0)",
        Method::DL => "the DerSimonian–Laird method",
        Method::HE => "the Hedges (variance components) method",
        Method::HS => "the Hunter–Schmidt method",
        Method::SJ => "the Sidik–Jonkman method",
        Method::ML => "maximum likelihood",
        Method::EB => "the empirical Bayes (Morris) method",
        Method::PM => "the Paule–Mandel method",
    };
    vec![Inline::Text(w.into())]
}

/// How the confidence intervals were computed, in words.
pub(super) fn test_words(t: Test) -> &'static str {
    match t {
        Test::Z => "the normal (Wald z) distribution",
        Test::T => "the t distribution with k − 1 degrees of freedom",
        Test::Knha => "the Knapp–Hartung method (standard errors rescaled, t distribution with k − 1 degrees of freedom)",
        Test::Adhoc => "the Knapp–Hartung method, never narrower than the normal (Wald z) interval",
    }
}

/// An axis label without its parenthesised gloss.
pub(super) fn label<'m>(map: &'m Map, id: &'m str) -> &'m str {
    map.interventions
        .iter()
        .chain(&map.outcomes)
        .chain(&map.populations)
        .chain(&map.designs)
        .chain(&map.equity)
        .find(|a| a.id == id)
        .map_or(id, |a| short_label(&a.label))
}

/// A label without its parenthesised gloss ("Older adults (65+)" → "Older adults").
pub(super) fn short_label(l: &str) -> &str {
    crate::model::short_label(l)
}

/// A cell as readers name it: "Schema therapy × Self-harm and suicidality".
pub(super) fn cell_name(map: &Map, iv: &str, oc: &str) -> String {
    format!("{} × {}", label(map, iv), label(map, oc))
}

/// Studies and records by the names readers know.
pub(super) struct Names {
    study: BTreeMap<String, String>,
    record: BTreeMap<String, String>,
}

impl Names {
    /// From the snapshot reported and the one it is compared with.
    pub(super) fn new(b: &Briefing<'_>) -> Names {
        let mut n = Names {
            study: BTreeMap::new(),
            record: BTreeMap::new(),
        };
        let snaps: Vec<&Snapshot> = std::iter::once(b.snapshot)
            .chain(b.since.map(|(s, _)| s))
            .chain(b.history.iter())
            .collect();
        for s in snaps {
            for st in &s.included {
                let name = if st.name.trim().is_empty() {
                    fallback(&st.id, st.reports.first().map(|r| r.title.as_str()))
                } else {
                    st.name.clone()
                };
                n.study.entry(st.id.clone()).or_insert_with(|| name.clone());
                for r in &st.reports {
                    n.record
                        .entry(r.key.clone())
                        .or_insert_with(|| name.clone());
                    if let Some(p) = r.pmid {
                        n.record
                            .entry(format!("pmid:{p}"))
                            .or_insert_with(|| name.clone());
                    }
                }
            }
        }
        for r in &b.references {
            if !r.study_name.trim().is_empty() {
                n.study
                    .entry(r.study.clone())
                    .or_insert_with(|| r.study_name.clone());
            }
        }
        n
    }

    /// A study id (or a name already) as readers name the study.
    pub(super) fn study(&self, id: &str) -> String {
        self.study
            .get(id)
            .cloned()
            .unwrap_or_else(|| fallback(id, None))
    }

    /// Text that may hold study ids, with each id replaced by the name.
    pub(super) fn in_text(&self, t: &str) -> String {
        let mut out = t.to_string();
        // longest ids first, so that `pmid:12` does not eat `pmid:123`
        let mut ids: Vec<(&String, &String)> = self.study.iter().collect();
        ids.sort_by_key(|(id, _)| std::cmp::Reverse(id.len()));
        for (id, name) in ids {
            if out.contains(id.as_str()) {
                out = out.replace(id.as_str(), name);
            }
        }
        out
    }

    /// A record by the study it belongs to, when it is one of the included.
    pub(super) fn record(&self, r: &RecordId) -> Option<&str> {
        let key = match r {
            RecordId::Pmid(p) => format!("pmid:{p}"),
            RecordId::Key(k) => k.clone(),
        };
        self.record.get(&key).map(String::as_str)
    }
}

/// A study with no name: the first words of its title, else its id made
/// readable ("PMID 35729869"; a source key loses its prefix).
fn fallback(id: &str, title: Option<&str>) -> String {
    if let Some(t) = title.filter(|t| !t.trim().is_empty()) {
        let words: Vec<&str> = t.split_whitespace().take(6).collect();
        let more = t.split_whitespace().count() > 6;
        return format!("“{}{}”", words.join(" "), if more { " …" } else { "" });
    }
    if let Some(p) = id.strip_prefix("pmid:") {
        return format!("PMID {p}");
    }
    // an id's scheme ("src:", "nct:"), never a name's colon
    match id.split_once(':') {
        Some((scheme, rest))
            if (1..=6).contains(&scheme.len())
                && scheme.bytes().all(|b| b.is_ascii_lowercase())
                && !rest.is_empty()
                && !rest.contains(' ') =>
        {
            format!("study {rest}")
        }
        _ => id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_beyond_the_sensible_range_are_bounds() {
        assert_eq!(num("RR", 42335.96f64.ln()), ">100");
        assert_eq!(num("RR", 0.0001f64.ln()), "<0.01");
        assert_eq!(num("RR", 0.91f64.ln()), "0.91");
        assert_eq!(num("SMD", -0.384), "−0.38");
        assert_eq!(num("SMD", -0.001), "0.00");
        assert_eq!(num("SMD", 250.0), ">100");
        assert_eq!(
            estimate("OR", 0.91f64.ln(), f64::NEG_INFINITY, 42335.96f64.ln()),
            "0.91 [<0.01, >100]"
        );
    }

    #[test]
    fn a_term_is_explained_once() {
        let mut t = Terms::default();
        assert_eq!(t.say(Term::Reml).len(), 2);
        assert_eq!(t.say(Term::Reml), vec![Inline::Text("REML".into())]);
    }

    #[test]
    fn a_study_without_a_name_is_not_shown_by_its_id() {
        assert_eq!(fallback("pmid:35729869", None), "PMID 35729869");
        assert_eq!(fallback("src:cen-demo-034", None), "study cen-demo-034");
        assert_eq!(fallback("MOBY Group: 2022", None), "MOBY Group: 2022");
        assert_eq!(
            fallback("src:cen-demo-034", Some("A trial of peer support")),
            "“A trial of peer support”"
        );
    }
}
