//! Risk-of-bias nouns shared by the stages: the tool (RoB 2, ROBINS-I),
//! a judgement, and one study's judged row. `certainty` reads them from
//! sheets and rates certainty from them; `store` keeps them append-only.
//!
//! No I/O; imports nothing from the crate.

use serde::{Deserialize, Serialize};

/// The risk-of-bias tool a sheet uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tool {
    /// Cochrane's RoB 2, for randomised trials: five domains.
    Rob2,
    /// ROBINS-I, for non-randomised studies of interventions: seven domains.
    RobinsI,
}

impl Tool {
    /// The name used on the command line and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Tool::Rob2 => "rob2",
            Tool::RobinsI => "robins-i",
        }
    }

    /// `rob2` or `robins-i` (any case).
    pub fn parse(s: &str) -> Option<Tool> {
        match s.trim().to_ascii_lowercase().as_str() {
            "rob2" | "rob 2" | "rob-2" => Some(Tool::Rob2),
            "robins-i" | "robins_i" | "robinsi" => Some(Tool::RobinsI),
            _ => None,
        }
    }

    /// How many domains the tool judges.
    pub fn domains(self) -> usize {
        match self {
            Tool::Rob2 => 5,
            Tool::RobinsI => 7,
        }
    }

    /// The judgements a cell of this tool may hold, as the sheet spells them.
    pub fn levels(self) -> &'static [Judgement] {
        match self {
            Tool::Rob2 => &[Judgement::Low, Judgement::SomeConcerns, Judgement::High],
            Tool::RobinsI => &[
                Judgement::Low,
                Judgement::Moderate,
                Judgement::Serious,
                Judgement::Critical,
                Judgement::NoInformation,
            ],
        }
    }
}

/// One judgement, of a domain or overall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Judgement {
    /// Low risk of bias (both tools).
    Low,
    /// Some concerns (RoB 2).
    SomeConcerns,
    /// High risk of bias (RoB 2).
    High,
    /// Moderate risk (ROBINS-I).
    Moderate,
    /// Serious risk (ROBINS-I).
    Serious,
    /// Critical risk (ROBINS-I).
    Critical,
    /// No information (ROBINS-I).
    NoInformation,
}

impl Judgement {
    /// As the sheet and robvis spell it.
    pub fn label(self) -> &'static str {
        match self {
            Judgement::Low => "Low",
            Judgement::SomeConcerns => "Some concerns",
            Judgement::High => "High",
            Judgement::Moderate => "Moderate",
            Judgement::Serious => "Serious",
            Judgement::Critical => "Critical",
            Judgement::NoInformation => "No information",
        }
    }

    /// Read a judgement of `tool`, without regard to case or spacing.
    pub fn parse(tool: Tool, s: &str) -> Option<Judgement> {
        let t: String = s
            .trim()
            .to_ascii_lowercase()
            .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        tool.levels()
            .iter()
            .copied()
            .find(|j| j.label().to_ascii_lowercase() == t)
    }

    /// At high risk of bias: RoB 2 `High`, ROBINS-I `Serious` or `Critical`.
    pub fn is_high(self) -> bool {
        matches!(
            self,
            Judgement::High | Judgement::Serious | Judgement::Critical
        )
    }

    /// With some concerns: RoB 2 `Some concerns`, ROBINS-I `Moderate` (and
    /// `No information`, which cannot count as low).
    pub fn is_concern(self) -> bool {
        matches!(
            self,
            Judgement::SomeConcerns | Judgement::Moderate | Judgement::NoInformation
        )
    }
}

/// One checked row of a sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RobRow {
    /// The sheet's row number (the header is row 1).
    pub row: usize,
    /// The study as the sheet names it: a label ("Bateman 2009") or a
    /// record key (PMID, DOI, `src:…`).
    pub study: String,
    /// The judgement for one outcome only (an outcome id), or every outcome.
    pub outcome: Option<String>,
    /// The domains' judgements, D1 first.
    pub domains: Vec<Judgement>,
    /// The overall judgement.
    pub overall: Judgement,
}
