//! A review protocol: TOML in, a validated [`Protocol`] out.
//!
//! The file says the question, the screening exclusion reasons, the PubMed
//! search strings, the synthesis settings, the gap-map layout and the coding
//! framework (dimensions of categories with matching rules). This module reads
//! and checks it once; every later stage trusts the result. Errors name the
//! file, line and key. It does not match rules against records (that is
//! [`crate::code`]) and does no I/O beyond reading the one file it is given.
//! The schema is documented in `protocols/README.md`.
//!
//! [`parse`] reads the TOML into its raw shapes (`raw.rs`), then each
//! section is checked by its own reader: `[coding]` in `coding.rs`, the
//! others in `sections.rs`.

mod coding;
mod raw;
mod sections;

use crate::meta::{Method, Test};
pub use crate::model::coding::DimensionKind;
use crate::model::Fnv64;
use raw::Raw;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A protocol that could not be used; names the file, line and key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}:{line}: {key}: {message}", path = path.display())]
pub struct ProtocolError {
    /// The protocol file.
    pub path: PathBuf,
    /// 1-based line (0 when the whole file is at fault).
    pub line: usize,
    /// Dotted key, e.g. `coding.intervention[3].tiab[2]`.
    pub key: String,
    /// What is wrong, and what to do.
    pub message: String,
}

/// One category of a dimension with its matching rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    /// Unique id across the framework, e.g. `psych.dbt`.
    pub id: String,
    /// The dimension it belongs to.
    pub dimension: DimensionKind,
    /// Label for people.
    pub label: String,
    /// Group (tree parent) for interventions.
    pub group: Option<String>,
    /// MeSH descriptor names scoring 1.0 (lower case).
    pub mesh: Vec<String>,
    /// MeSH descriptor names scoring 0.5 (lower case).
    pub mesh_weak: Vec<String>,
    /// Title/abstract patterns scoring 1.0.
    pub tiab: Vec<String>,
    /// Title/abstract patterns scoring 0.5.
    pub tiab_weak: Vec<String>,
    /// Publication types scoring 1.0 (lower case; designs).
    pub publication_types: Vec<String>,
    /// Coded only if no other category of its group is coded.
    pub fallback: bool,
    /// Category ids that, when coded, suppress this fallback.
    pub fallback_suppressed_by: Vec<String>,
    /// Not coded when the hit is only the usual-care comparator.
    pub tau_like: bool,
    /// A service that is often only where a study took place: a hit just
    /// after a `setting_cues` cue ("MBT in a community personality disorder
    /// service") counts only when the study names no other intervention,
    /// and its MeSH terms only beside a text hit that counts.
    pub setting_like: bool,
    /// Design ids suppressed when this design is coded from a publication type or the title.
    pub suppresses: Vec<String>,
    /// Design ids that imply this (outcome) category.
    pub implied_by_designs: Vec<String>,
    /// Designs: when this is the record's only design, the outcomes it may
    /// code (a qualitative study's themes are views of care, not measured
    /// symptoms); empty: no limit.
    pub alone_keeps_outcomes: Vec<String>,
    /// MeSH counts only when a title/abstract hit of the category passed the outcome rule.
    pub mesh_needs_context: bool,
    /// Title/abstract patterns that code the category only when no other
    /// category of its dimension is coded but those in `fallback_alongside`
    /// (a quantitative study that names no design: "scores fell from
    /// baseline to 12 months" is a non-randomised study).
    pub tiab_fallback: Vec<String>,
    /// Categories of the same dimension that may stand beside a fallback hit.
    pub fallback_alongside: Vec<String>,
    /// Equity categories: patterns naming a sample chosen because of the
    /// factor ("deprived areas", "culturally adapted"); they code without
    /// an analysis cue. Empty elsewhere.
    pub sample: Vec<String>,
    /// Populations: the equity categories a sample of this population was
    /// chosen for (people who are homeless: socioeconomic status), coded
    /// whenever the population is.
    pub implies_equity: Vec<String>,
}

/// Context rules applied to title/abstract hits.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    /// Cues that negate a hit when they occur within `negation_window` words before it.
    pub negation_cues: Vec<String>,
    /// Words before a hit that are searched for negation cues.
    pub negation_window: usize,
    /// Prefixes that negate only when written straight before the hit ("non-randomised").
    #[serde(default)]
    pub negation_prefixes: Vec<String>,
    /// Dimensions that negation applies to.
    pub negation_applies_to: Vec<String>,
    /// Cues that make a sentence an exclusion criterion (population subgroups).
    pub exclusion_cues: Vec<String>,
    /// Cues of a comparator phrase (for `tau_like` categories).
    pub comparator_cues: Vec<String>,
    /// Words either side of a hit searched for comparator cues.
    pub comparator_window: usize,
    /// Cues that must share a sentence with an outcome hit (outside RESULTS).
    pub outcome_cues: Vec<String>,
    /// Cues that re-route outcome hits to carer outcomes.
    pub carer_cues: Vec<String>,
    /// Outcome ids re-routed when a carer cue shares the sentence.
    pub carer_reroute_domains: Vec<String>,
    /// A population hit this many words or fewer after a percentage ("9 %
    /// were from Black and minority ethnic groups") describes a share of
    /// the sample, not the sample: not coded (0: off).
    #[serde(default)]
    pub share_window: usize,
    /// Words that give a share of the sample as a percentage does ("most",
    /// "many were under probation"): a population hit at most
    /// `share_window` words after one is not the sample.
    #[serde(default)]
    pub share_words: Vec<String>,
    /// Title cues of a study whose participants are carers or relatives
    /// ("for relatives of", "Family Connections"): its symptom and quality
    /// of life hits are the carers' own (re-routed as `carer_reroute_domains`)
    /// unless their sentence names the service user.
    #[serde(default)]
    pub carer_study_cues: Vec<String>,
    /// Cues that a sentence is about the service user ("the person with",
    /// "patients"): in a carers' study its outcomes stay the service user's.
    #[serde(default)]
    pub service_user_cues: Vec<String>,
    /// Cues that an outcome is not reported here ("will be reported
    /// separately"): outcome hits in their sentence are set aside.
    #[serde(default)]
    pub elsewhere_cues: Vec<String>,
    /// Cues that name examples ("treatments such as DBT"): an intervention
    /// hit within `negation_window` words after one is an example, not the
    /// intervention studied.
    #[serde(default)]
    pub example_cues: Vec<String>,
    /// Cues of a setting ("in", "within", "recruited from", "under the
    /// care of"): a `setting_like` category's hit at most `setting_window`
    /// words after one names where the study took place.
    #[serde(default)]
    pub setting_cues: Vec<String>,
    /// Words between a setting cue and the hit (0: setting cues are off;
    /// component cues, sentence-wide, stay on).
    #[serde(default)]
    pub setting_window: usize,
    /// Cues of a service counted as use ("contacts with", "crisis team
    /// episodes"): a `setting_like` hit at most `setting_window` words after
    /// one, or with at most one word between it and a cue after it, is an
    /// outcome (service use), never the intervention.
    #[serde(default)]
    pub use_cues: Vec<String>,
    /// Cues that a sentence lists the parts of an intervention ("the
    /// programme combined groups, case management and …") or randomises
    /// services as clusters ("teams were cluster-randomised to deliver"): a
    /// `setting_like` hit in its sentence is held back as a setting hit is.
    #[serde(default)]
    pub component_cues: Vec<String>,
    /// A population hit whose sentence also names the reference group
    /// ("White", "heterosexual") compares groups within the sample: not
    /// coded ("Black, Hispanic and White patients were compared").
    #[serde(default)]
    pub reference_group_cues: Vec<String>,
    /// Words straight after a population hit that make it name staff or
    /// agencies, not the people studied ("criminal justice agencies",
    /// "prison staff").
    #[serde(default)]
    pub staff_cues: Vec<String>,
    /// Cues that a population hit after them, in their sentence, is a
    /// covariate ("adjusted for age, sex and substance misuse").
    #[serde(default)]
    pub covariate_cues: Vec<String>,
    /// Cues that a sentence says what was measured ("outcomes were",
    /// "assessed"): a population hit in it (outside the title) is an
    /// outcome ("arrests", "housing stability"), not the sample.
    #[serde(default)]
    pub measured_cues: Vec<String>,
    /// Words that put a population hit at most one word after them in the
    /// sample ("among offenders", "in older adults"): the `measured_cues`
    /// rule does not apply to it.
    #[serde(default)]
    pub sample_words: Vec<String>,
    /// Dimensions whose MeSH terms count only beside a text hit (an
    /// indexer's "Parents" or "Sex Factors" for a mention).
    #[serde(default)]
    pub mesh_needs_text: Vec<String>,
    /// Dimensions whose hits in a BACKGROUND section are set aside (the
    /// background describes the problem, not the study's sample).
    #[serde(default)]
    pub background_skips: Vec<String>,
    /// A record that codes neither a design nor an intervention (a
    /// commentary, an editorial, a narrative review) codes no outcome: it
    /// measured nothing.
    #[serde(default)]
    pub outcomes_need_design: bool,
    /// An intervention named only in RESULTS and CONCLUSIONS sections (and
    /// by no MeSH term) is a finding or a recommendation, not the
    /// intervention studied: not coded.
    #[serde(default)]
    pub results_only_is_finding: bool,
    /// When the title names an intervention, another one named only in the
    /// abstract (by no MeSH term), never in a sentence with a
    /// `comparison_cues` entry, is context, not what was studied.
    #[serde(default)]
    pub title_names_the_intervention: bool,
    /// Cues of a sentence that compares arms ("randomised to", "versus").
    #[serde(default)]
    pub comparison_cues: Vec<String>,
    /// Design ids under which `title_names_the_intervention`,
    /// `results_only_is_finding` and the setting and co-treatment rules do
    /// not apply (a systematic review names every intervention it covers,
    /// in its results as often as not).
    #[serde(default)]
    pub reviews_exempt: Vec<String>,
    /// Cues of what people had besides the intervention studied, before or
    /// alongside it ("had previously received", "were taking", "concurrent"):
    /// an intervention hit at most `cotreatment_window` words after one in
    /// its sentence, with no `comparison_cues` entry between, is held back
    /// as a setting hit is (it counts only when no other intervention is
    /// coded). The same holds for a hit after a usual-care comparator cue
    /// and a `component_cues` entry ("usual care, comprising case
    /// management and CAT-informed therapy"): the comparator's contents.
    #[serde(default)]
    pub cotreatment_cues: Vec<String>,
    /// Words between a co-treatment cue and the hit (0: the rule is off).
    #[serde(default)]
    pub cotreatment_window: usize,
    /// Dimensions whose categories named only in RESULTS and CONCLUSIONS
    /// sections are findings, not the study's sample ("co-occurring
    /// substance use predicted dropout"): not coded.
    #[serde(default)]
    pub late_only_is_finding: Vec<String>,
}

/// The equity dimension's context rules (`[coding.equity_context]`): an
/// equity hit codes only when its sentence says results are reported by the
/// factor, never when the factor only describes the sample.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EquityContext {
    /// Cues of results by a factor ("differ*", "moderat*", "stratif*",
    /// "subgroup*", "interaction*"), within `window` words of the hit.
    pub analysis_cues: Vec<String>,
    /// Cues of results by a factor that count only after the hit, within
    /// `window` words: the factor is what predicts or is associated ("age
    /// predicted dropout", not "predictors of outcome among women").
    #[serde(default)]
    pub subject_cues: Vec<String>,
    /// Cues of a description of the sample or of the arms ("at baseline",
    /// "were women", "between groups", "adjusted for"), anywhere in the
    /// hit's sentence: the hit is set aside.
    #[serde(default)]
    pub baseline_cues: Vec<String>,
    /// Cues that the factor was not analysed ("not stratif*", "no
    /// subgroup*"), before the hit in its sentence or within `window` words
    /// after it: the hit is set aside.
    #[serde(default)]
    pub negation_cues: Vec<String>,
    /// Words either side of a hit searched for analysis and negation cues.
    #[serde(default = "default_equity_window")]
    pub window: usize,
}

fn default_equity_window() -> usize {
    6
}

/// How trial protocols are recognised (status "ongoing").
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusRules {
    /// Publication types that mean "ongoing" (lower-cased on load).
    #[serde(default)]
    pub ongoing_publication_types: Vec<String>,
    /// Title patterns that mean "ongoing".
    #[serde(default)]
    pub ongoing_title: Vec<String>,
}

/// The coding framework.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Minimum score for a category to be coded.
    pub min_score: f64,
    /// Weight of a hit by abstract section (lower-case NlmCategory; `title`, `unlabeled`).
    pub section_weights: BTreeMap<String, f64>,
    /// Intervention groups: id → label, in file order.
    pub groups: Vec<(String, String)>,
    /// Every category, dimension by dimension, in file order.
    pub categories: Vec<Category>,
    /// Context rules.
    pub context: Context,
    /// The equity dimension's context rules (empty without equity categories).
    pub equity_context: EquityContext,
    /// Trial-protocol recognition.
    pub status: StatusRules,
    /// The outcome category carer hits are re-routed to, if the framework has one.
    pub carer_outcome: Option<String>,
}

impl Frame {
    /// Categories of one dimension.
    pub fn of(&self, d: DimensionKind) -> impl Iterator<Item = &Category> {
        self.categories.iter().filter(move |c| c.dimension == d)
    }

    /// A category by id.
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }
}

/// Gap-map settings.
#[derive(Debug, Clone, PartialEq)]
pub struct MapSettings {
    /// Primary studies needed before a cell without synthesis is a synthesis gap.
    pub synthesis_gap_min_primary: usize,
    /// Designs that make a cell not weak.
    pub weak_randomised_designs: Vec<String>,
    /// Studies smaller than this are small.
    pub weak_min_participants: f64,
    /// Designs that count as evidence synthesis.
    pub review_designs: Vec<String>,
    /// Designs that count as economic evidence.
    pub economic_designs: Vec<String>,
    /// Funders' priorities, most important first: intervention ids or
    /// intervention group ids (`[map] priorities`). The briefing ranks gaps
    /// by them; rows named nowhere come after, in framework order.
    pub priorities: Vec<String>,
}

/// Synthesis settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Synthesis {
    /// τ² estimator.
    pub method: Method,
    /// Test and CI distribution.
    pub test: Test,
    /// Fewest rows to pool a cell.
    pub min_k_pool: usize,
    /// Fewest rows for a prediction interval.
    pub pi_min_k: usize,
}

/// A PubMed search string with its blocks substituted.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchString {
    /// Id.
    pub id: String,
    /// What it is for.
    pub purpose: String,
    /// The query, ready for esearch.
    pub query: String,
}

/// The identity sent to NCBI with every E-utilities request. The API key
/// itself is never written in a protocol (protocols are shared): `api_key_env`
/// names the environment variable that holds it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EutilsIdentity {
    /// `tool` (one word).
    pub tool: Option<String>,
    /// Contact e-mail.
    pub email: Option<String>,
    /// Name of the environment variable with the API key.
    pub api_key_env: Option<String>,
}

/// An exclusion reason a screener can pick.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    /// Stored id.
    pub id: String,
    /// Shown label.
    pub label: String,
}

/// `[certainty]`: the GRADE thresholds a protocol sets; `None` keeps the
/// default (`certainty::grade::Settings`). Checked when read: shares and
/// p-values in (0, 1], I² in 0–100 with serious ≤ very serious, a ratio's
/// appreciable effect below 1 and above 1, minimal important differences
/// above 0.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CertaintySettings {
    /// Share of the weight at high risk of bias that takes certainty down 2.
    pub rob_high_share: Option<f64>,
    /// Share at high risk or with some concerns that takes it down 1.
    pub rob_concern_share: Option<f64>,
    /// Fewest studies for inconsistency to be assessed.
    pub inconsistency_min_k: Option<usize>,
    /// I² (%) from which inconsistency is serious.
    pub i2_serious: Option<f64>,
    /// I² (%) from which it is very serious.
    pub i2_very_serious: Option<f64>,
    /// The minimal important difference of an SMD.
    pub smd_mid: Option<f64>,
    /// The relative risk reduction the optimal information size is for.
    pub rrr: Option<f64>,
    /// A ratio below this is an appreciable benefit (or harm).
    pub ratio_low: Option<f64>,
    /// A ratio above this is an appreciable harm (or benefit).
    pub ratio_high: Option<f64>,
    /// Fewest studies for publication bias to be assessed.
    pub publication_bias_min_k: Option<usize>,
    /// Egger's p below which publication bias takes certainty down.
    pub egger_p: Option<f64>,
    /// Per outcome id, its minimal important difference on the measure's
    /// scale (SMD units, or the outcome's units for an MD).
    pub mid: BTreeMap<String, f64>,
}

impl CertaintySettings {
    /// The settings named, as "key = value" (for the briefing's Methods).
    pub fn named(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut f = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                out.push(format!("{k} = {v}"));
            }
        };
        f("rob_high_share", self.rob_high_share.map(|x| x.to_string()));
        f(
            "rob_concern_share",
            self.rob_concern_share.map(|x| x.to_string()),
        );
        f(
            "inconsistency_min_k",
            self.inconsistency_min_k.map(|x| x.to_string()),
        );
        f("i2_serious", self.i2_serious.map(|x| x.to_string()));
        f(
            "i2_very_serious",
            self.i2_very_serious.map(|x| x.to_string()),
        );
        f("smd_mid", self.smd_mid.map(|x| x.to_string()));
        f("rrr", self.rrr.map(|x| x.to_string()));
        f("ratio_low", self.ratio_low.map(|x| x.to_string()));
        f("ratio_high", self.ratio_high.map(|x| x.to_string()));
        f(
            "publication_bias_min_k",
            self.publication_bias_min_k.map(|x| x.to_string()),
        );
        f("egger_p", self.egger_p.map(|x| x.to_string()));
        for (o, m) in &self.mid {
            out.push(format!("mid.{o} = {m}"));
        }
        out
    }
}

/// A validated protocol.
#[derive(Debug, Clone, PartialEq)]
pub struct Protocol {
    /// Protocol id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Version string.
    pub version: String,
    /// FNV-64 of the file's bytes: pins codings to the protocol that made them.
    pub hash: u64,
    /// The file's text, as read (a snapshot keeps it, so that its briefing
    /// reads the protocol as it stood).
    pub text: String,
    /// Primary question.
    pub question: String,
    /// Exclusion reasons for screening.
    pub exclusion_reasons: Vec<Reason>,
    /// `[screening] dual = true`: blind dual screening in `lacuna serve`
    /// (each record goes to two reviewers, neither sees the other's labels).
    pub dual: bool,
    /// PubMed search strings.
    pub searches: Vec<SearchString>,
    /// Who the harvest says it is to NCBI (`[search]` tool, email, api_key_env).
    pub eutils: EutilsIdentity,
    /// Synthesis settings.
    pub synthesis: Synthesis,
    /// `[synthesis.favours]`: per outcome id, the arm a forest plot's left
    /// and right side favour (default: intervention left, lower is better,
    /// as for events and severity scores).
    pub favours: BTreeMap<String, (String, String)>,
    /// `[certainty]`: GRADE's thresholds the protocol sets (the others keep
    /// their defaults; see `certainty::grade::Settings`).
    pub certainty: CertaintySettings,
    /// Map settings.
    pub map: MapSettings,
    /// The coding framework.
    pub frame: Frame,
    /// The living-review settings (`[living]`).
    pub living: Living,
}

/// A rule, fixed in advance, for when new evidence is a *material* change:
/// one that should prompt an update of the briefing (`[living] triggers`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// A new study in a cell that had none (an absolute gap closes).
    NewStudyInEmptyCell,
    /// A new study that carries at least `threshold` of a pooled cell's
    /// random-effects weight.
    NewStudyWeightShare {
        /// Share of the weight, in (0, 1].
        threshold: f64,
    },
    /// The pooled estimate's CI now crosses the null where it did not, or
    /// no longer does (or the estimate changed sides).
    PooledDirectionOrCiNullCrossingChange,
    /// The prediction interval now crosses the null where it did not, or the reverse.
    PredictionIntervalNullCrossingChange,
    /// A new systematic review in a cell (its synthesis-gap status changes).
    NewSystematicReviewInCell,
    /// A pooled cell's GRADE certainty changed level.
    CertaintyChange,
}

impl Trigger {
    /// The name used in the protocol and in `lacuna diff --json`.
    pub fn kind(&self) -> &'static str {
        match self {
            Trigger::NewStudyInEmptyCell => "new_study_in_empty_cell",
            Trigger::NewStudyWeightShare { .. } => "new_study_weight_share",
            Trigger::PooledDirectionOrCiNullCrossingChange => {
                "pooled_direction_or_ci_null_crossing_change"
            }
            Trigger::PredictionIntervalNullCrossingChange => {
                "prediction_interval_null_crossing_change"
            }
            Trigger::NewSystematicReviewInCell => "new_systematic_review_in_cell",
            Trigger::CertaintyChange => "certainty_change",
        }
    }
}

/// `[living]`: how the review is kept up to date.
#[derive(Debug, Clone, PartialEq)]
pub struct Living {
    /// How often the searches run, as the protocol says it (e.g. `monthly`).
    pub search_frequency: Option<String>,
    /// The triggers of a material change. Without a `[living]` section, all
    /// five, with a weight-share threshold of 0.25.
    pub triggers: Vec<Trigger>,
    /// Keep retracted studies in the pooled results (default: leave them out).
    pub keep_retracted: bool,
}

impl Default for Living {
    fn default() -> Self {
        Living {
            search_frequency: None,
            triggers: vec![
                Trigger::NewStudyInEmptyCell,
                Trigger::NewStudyWeightShare { threshold: 0.25 },
                Trigger::PooledDirectionOrCiNullCrossingChange,
                Trigger::PredictionIntervalNullCrossingChange,
                Trigger::NewSystematicReviewInCell,
                Trigger::CertaintyChange,
            ],
            keep_retracted: false,
        }
    }
}

/// Check a title/abstract pattern: letters, digits, spaces, `-`, `'`, `&`,
/// `.`, `+` and `*` wildcards; at least one letter or digit.
pub fn check_pattern(p: &str) -> Result<(), String> {
    if !p.chars().any(char::is_alphanumeric) {
        return Err(format!("pattern {p:?} has no letter or digit"));
    }
    if let Some(c) = p
        .chars()
        .find(|c| !(c.is_alphanumeric() || c.is_whitespace() || "-'’&.+*/".contains(*c)))
    {
        return Err(format!(
            "pattern {p:?} has {c:?}: patterns are words with `*` wildcards, not regular expressions"
        ));
    }
    if p.contains("**") {
        return Err(format!(
            "pattern {p:?} has `**`; one `*` matches any letters"
        ));
    }
    Ok(())
}

/// The file being read, for errors that name its line.
struct Ctx<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Ctx<'_> {
    fn line(&self, offset: usize) -> usize {
        self.text
            .get(..offset.min(self.text.len()))
            .map_or(0, |s| s.matches('\n').count() + 1)
    }

    fn err(&self, offset: Option<usize>, key: String, message: String) -> ProtocolError {
        ProtocolError {
            path: self.path.to_path_buf(),
            line: offset.map_or(0, |o| self.line(o)),
            key,
            message,
        }
    }
}

/// Read and validate a protocol file.
pub fn load(path: &Path) -> Result<Protocol, ProtocolError> {
    let bytes = std::fs::read(path).map_err(|e| ProtocolError {
        path: path.to_path_buf(),
        line: 0,
        key: String::new(),
        message: format!("cannot read the protocol: {e}"),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| ProtocolError {
        path: path.to_path_buf(),
        line: 0,
        key: String::new(),
        message: format!("not UTF-8 ({e}); save the protocol as UTF-8"),
    })?;
    parse(path, &text)
}

/// Validate protocol text; `path` is only used in messages.
///
/// ```
/// use lacuna::protocol::parse;
/// let bad = "[meta]\nid='x'\ntitle='t'\n[question]\nprimary='q'\n[coding]\nmin_scor=1\n";
/// let e = parse("p.toml".as_ref(), bad).unwrap_err();
/// assert_eq!(e.line, 7);
/// assert!(e.to_string().contains("min_scor"));
/// ```
pub fn parse(path: &Path, text: &str) -> Result<Protocol, ProtocolError> {
    let cx = Ctx { path, text };
    let mut raw: Raw = toml::from_str(text).map_err(|e| {
        let msg = e.message().trim().to_string();
        // toml names the offending key in the message; keep the whole of it.
        cx.err(e.span().map(|s| s.start), key_of(text, e.span()), msg)
    })?;
    let _ = (&raw.eligibility, &raw.mesh_verification);
    let living = sections::living(&cx, raw.living)?;
    let frame = coding::frame(&cx, raw.coding)?;
    let dim_of = |id: &str| {
        frame
            .categories
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.dimension)
    };
    let favours_raw = raw.synthesis.as_mut().and_then(|s| s.favours.take());
    let favours = sections::favours(&cx, favours_raw, &dim_of)?;
    let certainty = sections::certainty(&cx, raw.certainty.take(), &dim_of)?;
    let synthesis = sections::synthesis(&cx, raw.synthesis)?;
    let group_ids: Vec<String> = frame.groups.iter().map(|(id, _)| id.clone()).collect();
    let map = sections::map_settings(&cx, raw.map, &dim_of, &group_ids)?;
    let eutils = sections::eutils_identity(&cx, raw.search.as_ref())?;
    let searches = sections::searches(&cx, raw.search)?;
    let dual = raw.screening.as_ref().is_some_and(|s| s.dual);
    let exclusion_reasons = sections::exclusion_reasons(&cx, raw.screening)?;
    Ok(Protocol {
        id: raw.meta.id,
        title: raw.meta.title,
        version: raw.meta.version,
        hash: {
            let mut h = Fnv64::new();
            h.write(text.as_bytes());
            h.finish()
        },
        text: text.to_string(),
        favours,
        certainty,
        question: raw.question.primary,
        exclusion_reasons,
        dual,
        searches,
        eutils,
        synthesis,
        map,
        frame,
        living,
    })
}

/// The dotted key around a toml parse error (best effort: the line's key).
fn key_of(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    let Some(span) = span else {
        return String::new();
    };
    let start = text
        .get(..span.start)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line = text
        .get(start..)
        .and_then(|s| s.lines().next())
        .unwrap_or("");
    let mut table = String::new();
    for l in text.get(..start).unwrap_or("").lines() {
        let t = l.trim();
        if t.starts_with('[') {
            table = t.trim_matches(|c| c == '[' || c == ']').to_string();
        }
    }
    let k = line.split('=').next().unwrap_or("").trim();
    match (table.is_empty(), k.is_empty() || k.starts_with('[')) {
        (_, true) => table,
        (true, false) => k.to_string(),
        (false, false) => format!("{table}.{k}"),
    }
}
