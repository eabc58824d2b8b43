//! What the coder says about a record: codes with their evidence, hits set
//! aside and why, completed or ongoing, and the dimensions codes belong to.
//! Shared nouns: `code` writes them, the store keeps them as JSON, `gapmap`
//! and the reports read them. No logic beyond small accessors.

use serde::{Deserialize, Serialize};

/// A dimension of the coding framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DimensionKind {
    /// Map rows.
    Intervention,
    /// Map columns.
    Outcome,
    /// Population subgroups (a filter).
    Population,
    /// Study designs (a filter and the bubble colour).
    Design,
    /// Equity factors (PROGRESS-Plus) the study reports results by.
    Equity,
}

impl DimensionKind {
    /// All dimensions, in the order they are coded.
    pub const ALL: [DimensionKind; 5] = [
        DimensionKind::Intervention,
        DimensionKind::Outcome,
        DimensionKind::Population,
        DimensionKind::Design,
        DimensionKind::Equity,
    ];

    /// Its name in the protocol and in outputs.
    pub fn as_str(&self) -> &'static str {
        match self {
            DimensionKind::Intervention => "intervention",
            DimensionKind::Outcome => "outcome",
            DimensionKind::Population => "population",
            DimensionKind::Design => "design",
            DimensionKind::Equity => "equity",
        }
    }

    /// Parse a dimension name.
    pub fn parse(s: &str) -> Option<DimensionKind> {
        DimensionKind::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// Why a category was coded: one rule that fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The rule, e.g. `tiab "dialectical behavio*"` or `mesh "Caregivers" (weak)`.
    pub rule: String,
    /// Where: `title`, `abstract`, `abstract:METHODS`, `mesh`, `publication_type`, `design`.
    pub field: String,
    /// Byte range in that field's text (title/abstract section), if a text hit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<(usize, usize)>,
    /// The text that matched.
    pub text: String,
    /// Score it gave (after section weight).
    pub weight: f64,
}

/// A category coded for a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Code {
    /// Dimension.
    pub dimension: String,
    /// Category id.
    pub category: String,
    /// Summed score.
    pub score: f64,
    /// The rules that fired.
    pub evidence: Vec<Evidence>,
}

/// A hit set aside, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetAside {
    /// Category id.
    pub category: String,
    /// The hit.
    pub evidence: Evidence,
    /// Why it did not count, e.g. `negated by "excluding"`.
    pub reason: String,
}

/// Why a dimension has no code, read from the hits the coder set aside
/// (the coder's reasons, see [`crate::code`]).
///
/// ```
/// use lacuna::model::coding::Why;
/// assert_eq!(Why::of_reason("usual-care comparator (\"usual care\")"), Why::OnlyComparator);
/// assert_eq!(Why::of_reason("no outcome cue in the sentence"), Why::NotReported);
/// assert_eq!(Why::NotReported.as_str(), "not_reported");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// Only the usual-care comparator named a category.
    OnlyComparator,
    /// An outcome named, but not as one measured (no outcome cue).
    NotReported,
    /// Only negated mentions ("without peer support").
    Negated,
    /// Only named as where the study took place, as a part of another
    /// intervention ("MBT in a community personality disorder service"), or
    /// as what people had besides ("had previously received CBT").
    Setting,
    /// Only named among the results or conclusions: a finding, not what was
    /// studied.
    Finding,
    /// An outcome the record's design does not measure (a qualitative
    /// study's themes, a commentary).
    ByDesign,
    /// A hit too weak to reach the coding threshold, or a MeSH term with no
    /// text hit.
    Weak,
    /// A person removed the code.
    Removed,
    /// Set aside by another rule (a design, a fallback).
    Other,
    /// No rule of the dimension matched at all.
    NoMatch,
}

impl Why {
    /// The kind of a set-aside hit, from the coder's reason; `Other` for a
    /// reason it does not know.
    pub fn of_reason(reason: &str) -> Why {
        let r = reason.trim_start();
        if r.starts_with("usual-care comparator") {
            Why::OnlyComparator
        } else if r.starts_with("no outcome cue") {
            Why::NotReported
        } else if r.starts_with("negated") {
            Why::Negated
        } else if r.starts_with("where the study took place")
            || r.starts_with("counted as service use")
        {
            Why::Setting
        } else if r.starts_with("named only among the results") {
            Why::Finding
        } else if r.starts_with("the only design is") || r.starts_with("neither a design") {
            Why::ByDesign
        } else if r.starts_with("below the threshold") || r.starts_with("MeSH term alone") {
            Why::Weak
        } else if r.starts_with("removed by") {
            Why::Removed
        } else {
            Why::Other
        }
    }

    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Why::OnlyComparator => "only_comparator",
            Why::NotReported => "not_reported",
            Why::Negated => "negated",
            Why::Setting => "setting",
            Why::Finding => "finding",
            Why::ByDesign => "by_design",
            Why::Weak => "weak",
            Why::Removed => "removed",
            Why::Other => "other",
            Why::NoMatch => "no_match",
        }
    }

    /// In plain words, for people.
    pub fn label(self) -> &'static str {
        match self {
            Why::OnlyComparator => "only a comparator matched",
            Why::NotReported => "not reported as measured (named without an outcome cue)",
            Why::Negated => "only negated mentions",
            Why::Setting => "only named as the setting, a part of another intervention, or what people had besides",
            Why::Finding => "only named among the results or conclusions, as a finding",
            Why::ByDesign => "not an outcome its design measures",
            Why::Weak => "only a weak hit, below the coding threshold",
            Why::Removed => "removed by a person",
            Why::Other => "set aside by a coding rule",
            Why::NoMatch => "no category matched",
        }
    }
}

/// Whether a record reports results or is a protocol/registration.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, Hash, PartialOrd, Ord,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Results reported.
    #[default]
    Completed,
    /// A trial protocol or registration.
    Ongoing,
}

/// Everything the coder says about one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Coding {
    /// Coded categories, in framework order.
    pub codes: Vec<Code>,
    /// Population subgroups named only in exclusion criteria (structural exclusion).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_subgroups: Vec<Code>,
    /// Hits that did not count.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub set_aside: Vec<SetAside>,
    /// Completed or ongoing.
    pub status: Status,
    /// Trial registration numbers found in the text (NCT…, ISRCTN…), upper case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub registrations: Vec<String>,
}

impl Coding {
    /// Category ids coded in dimension `d`.
    pub fn ids(&self, d: DimensionKind) -> impl Iterator<Item = &str> {
        self.codes
            .iter()
            .filter(move |c| c.dimension == d.as_str())
            .map(|c| c.category.as_str())
    }
}
