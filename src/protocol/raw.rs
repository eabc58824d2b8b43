//! The protocol file's shapes as TOML has them, before any check: serde
//! reads the text into these (unknown keys refused), and the section
//! readers (`coding.rs`, `sections.rs`) turn them into validated types.

use super::{Context, EquityContext, Reason, StatusRules};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Raw {
    pub(super) meta: RawMeta,
    pub(super) question: RawQuestion,
    #[serde(default)]
    pub(super) eligibility: Option<toml::Table>,
    #[serde(default)]
    pub(super) screening: Option<RawScreening>,
    #[serde(default)]
    pub(super) search: Option<RawSearch>,
    #[serde(default)]
    pub(super) mesh_verification: Option<toml::Table>,
    #[serde(default)]
    pub(super) living: Option<toml::Table>,
    #[serde(default)]
    pub(super) synthesis: Option<RawSynthesis>,
    #[serde(default)]
    pub(super) map: Option<RawMap>,
    #[serde(default)]
    pub(super) certainty: Option<Spanned<RawCertainty>>,
    pub(super) coding: RawCoding,
}

/// `[certainty]`: GRADE's thresholds (every key optional).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCertainty {
    pub(super) rob_high_share: Option<f64>,
    pub(super) rob_concern_share: Option<f64>,
    pub(super) inconsistency_min_k: Option<usize>,
    pub(super) i2_serious: Option<f64>,
    pub(super) i2_very_serious: Option<f64>,
    pub(super) smd_mid: Option<f64>,
    pub(super) rrr: Option<f64>,
    pub(super) ratio_low: Option<f64>,
    pub(super) ratio_high: Option<f64>,
    pub(super) publication_bias_min_k: Option<usize>,
    pub(super) egger_p: Option<f64>,
    #[serde(default)]
    pub(super) mid: BTreeMap<String, f64>,
}

#[derive(Deserialize)]
pub(super) struct RawMeta {
    pub(super) id: String,
    pub(super) title: String,
    #[serde(default)]
    pub(super) version: String,
}

#[derive(Deserialize)]
pub(super) struct RawQuestion {
    pub(super) primary: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScreening {
    #[serde(default)]
    pub(super) exclusion_reasons: Vec<Reason>,
    #[serde(default)]
    pub(super) dual: bool,
}

#[derive(Deserialize)]
pub(super) struct RawSearch {
    #[serde(default)]
    pub(super) tool: Option<String>,
    #[serde(default)]
    pub(super) email: Option<String>,
    #[serde(default)]
    pub(super) api_key_env: Option<String>,
    #[serde(default)]
    pub(super) blocks: BTreeMap<String, String>,
    #[serde(default)]
    pub(super) strings: Vec<RawSearchString>,
}

#[derive(Deserialize)]
pub(super) struct RawSearchString {
    pub(super) id: Spanned<String>,
    #[serde(default)]
    pub(super) purpose: String,
    pub(super) query: String,
}

/// `[synthesis.favours]` values: `"lower"` / `"higher"` (which is better),
/// or the two sides by name, `["intervention", "control"]` (left, right).
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawSides {
    Word(String),
    Pair(Vec<String>),
    /// Anything else (a number, a table): refused with what to write.
    Other(#[expect(dead_code, reason = "only matched, to refuse it with advice")] toml::Value),
}

#[derive(Deserialize)]
pub(super) struct RawSynthesis {
    #[serde(default)]
    pub(super) favours: Option<BTreeMap<String, Spanned<RawSides>>>,
    #[serde(default)]
    pub(super) tau2_estimator: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) ci_method: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) pi_min_k: Option<usize>,
    #[serde(default)]
    pub(super) min_k_pool: Option<Spanned<usize>>,
}

#[derive(Deserialize)]
pub(super) struct RawMap {
    #[serde(default)]
    pub(super) synthesis_gap_min_primary: Option<usize>,
    #[serde(default)]
    pub(super) weak_randomised_designs: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub(super) weak_min_participants: Option<f64>,
    #[serde(default)]
    pub(super) review_designs: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub(super) economic_designs: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub(super) priorities: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCoding {
    #[serde(default = "default_min_score")]
    pub(super) min_score: f64,
    #[serde(default)]
    pub(super) mesh_explode: Option<Spanned<bool>>,
    #[serde(default)]
    pub(super) multi_label: Option<bool>,
    #[serde(default)]
    pub(super) section_weights: BTreeMap<String, f64>,
    #[serde(default)]
    pub(super) groups: Option<toml::Table>,
    #[serde(default)]
    pub(super) status: StatusRules,
    pub(super) context: Context,
    #[serde(default)]
    pub(super) intervention: Vec<RawCategory>,
    #[serde(default)]
    pub(super) outcome: Vec<RawCategory>,
    #[serde(default)]
    pub(super) population: Vec<RawCategory>,
    #[serde(default)]
    pub(super) design: Vec<RawCategory>,
    #[serde(default)]
    pub(super) equity: Vec<RawCategory>,
    #[serde(default)]
    pub(super) equity_context: Option<Spanned<EquityContext>>,
}

/// The coding threshold when the protocol gives none.
pub(super) fn default_min_score() -> f64 {
    1.0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCategory {
    pub(super) id: Spanned<String>,
    pub(super) label: String,
    #[serde(default)]
    pub(super) group: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) mesh: Vec<String>,
    #[serde(default)]
    pub(super) mesh_weak: Vec<String>,
    #[serde(default)]
    pub(super) tiab: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) tiab_weak: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) publication_types: Vec<String>,
    #[serde(default)]
    pub(super) fallback: bool,
    #[serde(default)]
    pub(super) fallback_suppressed_by: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) tau_like: bool,
    #[serde(default)]
    pub(super) setting_like: bool,
    #[serde(default)]
    pub(super) suppresses: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) implied_by_designs: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) alone_keeps_outcomes: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) mesh_is_outcome_only_with_context: bool,
    #[serde(default)]
    pub(super) tiab_fallback: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) fallback_alongside: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) sample: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) implies_equity: Vec<Spanned<String>>,
}
