//! A review protocol: TOML in, a validated [`Protocol`] out.
//!
//! The file says the question, the screening exclusion reasons, the PubMed
//! search strings, the synthesis settings, the gap-map layout and the coding
//! framework (dimensions of categories with matching rules). This module reads
//! and checks it once; every later stage trusts the result. Errors name the
//! file, line and key. It does not match rules against records (that is
//! [`crate::code`]) and does no I/O beyond reading the one file it is given.
//! The schema is documented in `protocols/README.md`.

use crate::meta::{Method, Test};
pub use crate::model::coding::DimensionKind;
use crate::model::Fnv64;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use toml::Spanned;

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
    /// Design ids suppressed when this design is coded from a publication type or the title.
    pub suppresses: Vec<String>,
    /// Design ids that imply this (outcome) category.
    pub implied_by_designs: Vec<String>,
    /// MeSH counts only when a title/abstract hit of the category passed the outcome rule.
    pub mesh_needs_context: bool,
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
    /// Primary question.
    pub question: String,
    /// Exclusion reasons for screening.
    pub exclusion_reasons: Vec<Reason>,
    /// PubMed search strings.
    pub searches: Vec<SearchString>,
    /// Who the harvest says it is to NCBI (`[search]` tool, email, api_key_env).
    pub eutils: EutilsIdentity,
    /// Synthesis settings.
    pub synthesis: Synthesis,
    /// Map settings.
    pub map: MapSettings,
    /// The coding framework.
    pub frame: Frame,
}

// ---- raw TOML shapes --------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    meta: RawMeta,
    question: RawQuestion,
    #[serde(default)]
    eligibility: Option<toml::Table>,
    #[serde(default)]
    screening: Option<RawScreening>,
    #[serde(default)]
    search: Option<RawSearch>,
    #[serde(default)]
    mesh_verification: Option<toml::Table>,
    #[serde(default)]
    living: Option<toml::Table>,
    #[serde(default)]
    synthesis: Option<RawSynthesis>,
    #[serde(default)]
    map: Option<RawMap>,
    coding: RawCoding,
}

#[derive(Deserialize)]
struct RawMeta {
    id: String,
    title: String,
    #[serde(default)]
    version: String,
}

#[derive(Deserialize)]
struct RawQuestion {
    primary: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScreening {
    #[serde(default)]
    exclusion_reasons: Vec<Reason>,
}

#[derive(Deserialize)]
struct RawSearch {
    #[serde(default)]
    tool: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    api_key_env: Option<String>,
    #[serde(default)]
    blocks: BTreeMap<String, String>,
    #[serde(default)]
    strings: Vec<RawSearchString>,
}

#[derive(Deserialize)]
struct RawSearchString {
    id: Spanned<String>,
    #[serde(default)]
    purpose: String,
    query: String,
}

#[derive(Deserialize)]
struct RawSynthesis {
    #[serde(default)]
    tau2_estimator: Option<Spanned<String>>,
    #[serde(default)]
    ci_method: Option<Spanned<String>>,
    #[serde(default)]
    pi_min_k: Option<usize>,
    #[serde(default)]
    min_k_pool: Option<usize>,
}

#[derive(Deserialize)]
struct RawMap {
    #[serde(default)]
    synthesis_gap_min_primary: Option<usize>,
    #[serde(default)]
    weak_randomised_designs: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    weak_min_participants: Option<f64>,
    #[serde(default)]
    review_designs: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    economic_designs: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCoding {
    #[serde(default = "default_min_score")]
    min_score: f64,
    #[serde(default)]
    mesh_explode: Option<Spanned<bool>>,
    #[serde(default)]
    multi_label: Option<bool>,
    #[serde(default)]
    section_weights: BTreeMap<String, f64>,
    #[serde(default)]
    groups: Option<toml::Table>,
    #[serde(default)]
    status: StatusRules,
    context: Context,
    #[serde(default)]
    intervention: Vec<RawCategory>,
    #[serde(default)]
    outcome: Vec<RawCategory>,
    #[serde(default)]
    population: Vec<RawCategory>,
    #[serde(default)]
    design: Vec<RawCategory>,
}

/// The coding threshold when the protocol gives none.
fn default_min_score() -> f64 {
    1.0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    id: Spanned<String>,
    label: String,
    #[serde(default)]
    group: Option<Spanned<String>>,
    #[serde(default)]
    mesh: Vec<String>,
    #[serde(default)]
    mesh_weak: Vec<String>,
    #[serde(default)]
    tiab: Vec<Spanned<String>>,
    #[serde(default)]
    tiab_weak: Vec<Spanned<String>>,
    #[serde(default)]
    publication_types: Vec<String>,
    #[serde(default)]
    fallback: bool,
    #[serde(default)]
    fallback_suppressed_by: Vec<Spanned<String>>,
    #[serde(default)]
    tau_like: bool,
    #[serde(default)]
    suppresses: Vec<Spanned<String>>,
    #[serde(default)]
    implied_by_designs: Vec<Spanned<String>>,
    #[serde(default)]
    mesh_is_outcome_only_with_context: bool,
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
    let raw: Raw = toml::from_str(text).map_err(|e| {
        let msg = e.message().trim().to_string();
        // toml names the offending key in the message; keep the whole of it.
        cx.err(e.span().map(|s| s.start), key_of(text, e.span()), msg)
    })?;
    let _ = (&raw.eligibility, &raw.mesh_verification, &raw.living);
    let c = raw.coding;
    if let Some(me) = c.mesh_explode.as_ref().filter(|m| *m.get_ref()) {
        return Err(cx.err(
            Some(me.span().start),
            "coding.mesh_explode".into(),
            "MeSH explosion needs the MeSH tree file, which Lacuna does not read yet; set it to false and list child headings explicitly".into(),
        ));
    }
    if c.multi_label == Some(false) {
        return Err(cx.err(
            None,
            "coding.multi_label".into(),
            "single-label coding is not supported; set multi_label = true".into(),
        ));
    }
    if !(c.min_score.is_finite() && c.min_score > 0.0) {
        return Err(cx.err(
            None,
            "coding.min_score".into(),
            "must be a positive number".into(),
        ));
    }
    let mut groups = Vec::new();
    for (k, v) in c.groups.iter().flatten() {
        let label = v.as_str().ok_or_else(|| {
            cx.err(
                None,
                format!("coding.groups.{k}"),
                "a group label must be a string".into(),
            )
        })?;
        groups.push((k.clone(), label.to_string()));
    }
    let context = c.context;
    for (key, list) in [
        ("negation_cues", &context.negation_cues),
        ("negation_prefixes", &context.negation_prefixes),
        ("exclusion_cues", &context.exclusion_cues),
        ("comparator_cues", &context.comparator_cues),
        ("outcome_cues", &context.outcome_cues),
        ("carer_cues", &context.carer_cues),
    ] {
        for (i, p) in list.iter().enumerate() {
            check_pattern(p).map_err(|m| cx.err(None, format!("coding.context.{key}[{i}]"), m))?;
        }
    }
    for d in &context.negation_applies_to {
        if DimensionKind::parse(d).is_none() {
            return Err(cx.err(
                None,
                "coding.context.negation_applies_to".into(),
                format!("{d:?} is not a dimension (intervention, outcome, population, design)"),
            ));
        }
    }
    let mut cats = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut refs: Vec<(String, usize, String, Option<DimensionKind>)> = Vec::new();
    for (dim, list) in [
        (DimensionKind::Intervention, c.intervention),
        (DimensionKind::Outcome, c.outcome),
        (DimensionKind::Population, c.population),
        (DimensionKind::Design, c.design),
    ] {
        if list.is_empty() {
            return Err(cx.err(
                None,
                format!("coding.{}", dim.as_str()),
                "no categories: add at least one [[coding.".to_string() + dim.as_str() + "]] table",
            ));
        }
        for (i, rc) in list.into_iter().enumerate() {
            let key = format!("coding.{}[{}]", dim.as_str(), i);
            let id = rc.id.get_ref().trim().to_string();
            let at = rc.id.span().start;
            if id.is_empty() || id.contains(char::is_whitespace) {
                return Err(cx.err(
                    Some(at),
                    format!("{key}.id"),
                    format!("{id:?} is not a usable id (no spaces, not empty)"),
                ));
            }
            if let Some(prev) = seen.insert(id.clone(), at) {
                return Err(cx.err(
                    Some(at),
                    format!("{key}.id"),
                    format!(
                        "duplicate category id {id:?} (first at line {})",
                        cx.line(prev)
                    ),
                ));
            }
            for (lk, list) in [("tiab", &rc.tiab), ("tiab_weak", &rc.tiab_weak)] {
                for (j, p) in list.iter().enumerate() {
                    check_pattern(p.get_ref())
                        .map_err(|m| cx.err(Some(p.span().start), format!("{key}.{lk}[{j}]"), m))?;
                }
            }
            let group = match (&rc.group, dim) {
                (Some(g), _) => {
                    if !groups.iter().any(|(k, _)| k == g.get_ref()) {
                        return Err(cx.err(
                            Some(g.span().start),
                            format!("{key}.group"),
                            format!("group {:?} is not in [coding.groups]", g.get_ref()),
                        ));
                    }
                    Some(g.get_ref().clone())
                }
                (None, DimensionKind::Intervention) if !groups.is_empty() => {
                    return Err(cx.err(
                        Some(at),
                        format!("{key}.group"),
                        "every intervention needs a group from [coding.groups]".into(),
                    ));
                }
                (None, _) => None,
            };
            if rc.mesh.is_empty()
                && rc.mesh_weak.is_empty()
                && rc.tiab.is_empty()
                && rc.tiab_weak.is_empty()
                && rc.publication_types.is_empty()
            {
                return Err(cx.err(Some(at), key.clone(), format!("category {id:?} has no rules (mesh, mesh_weak, tiab, tiab_weak or publication_types)")));
            }
            for (field, list, want) in [
                ("fallback_suppressed_by", &rc.fallback_suppressed_by, None),
                ("suppresses", &rc.suppresses, Some(DimensionKind::Design)),
                (
                    "implied_by_designs",
                    &rc.implied_by_designs,
                    Some(DimensionKind::Design),
                ),
            ] {
                for s in list {
                    refs.push((
                        format!("{key}.{field}"),
                        s.span().start,
                        s.get_ref().clone(),
                        want,
                    ));
                }
            }
            let low = |v: Vec<String>| v.into_iter().map(|s| s.trim().to_lowercase()).collect();
            cats.push(Category {
                id,
                dimension: dim,
                label: rc.label,
                group,
                mesh: low(rc.mesh),
                mesh_weak: low(rc.mesh_weak),
                tiab: rc.tiab.into_iter().map(Spanned::into_inner).collect(),
                tiab_weak: rc.tiab_weak.into_iter().map(Spanned::into_inner).collect(),
                publication_types: low(rc.publication_types),
                fallback: rc.fallback,
                fallback_suppressed_by: rc
                    .fallback_suppressed_by
                    .into_iter()
                    .map(Spanned::into_inner)
                    .collect(),
                tau_like: rc.tau_like,
                suppresses: rc.suppresses.into_iter().map(Spanned::into_inner).collect(),
                implied_by_designs: rc
                    .implied_by_designs
                    .into_iter()
                    .map(Spanned::into_inner)
                    .collect(),
                mesh_needs_context: rc.mesh_is_outcome_only_with_context,
            });
        }
    }
    let dim_of = |id: &str| cats.iter().find(|c| c.id == id).map(|c| c.dimension);
    for (key, at, id, want) in &refs {
        match (dim_of(id), want) {
            (None, _) => {
                return Err(cx.err(
                    Some(*at),
                    key.clone(),
                    format!("{id:?} is not a category id of this protocol"),
                ));
            }
            (Some(d), Some(w)) if d != *w => {
                return Err(cx.err(
                    Some(*at),
                    key.clone(),
                    format!(
                        "{id:?} is in the {} dimension; a {} id is needed",
                        d.as_str(),
                        w.as_str()
                    ),
                ));
            }
            _ => {}
        }
    }
    for d in &context.carer_reroute_domains {
        if dim_of(d) != Some(DimensionKind::Outcome) {
            return Err(cx.err(
                None,
                "coding.context.carer_reroute_domains".into(),
                format!("{d:?} is not an outcome id"),
            ));
        }
    }
    let carer_outcome = cats
        .iter()
        .find(|c| c.dimension == DimensionKind::Outcome && c.id.contains("carer"))
        .map(|c| c.id.clone());
    for p in &c.status.ongoing_title {
        check_pattern(p).map_err(|m| cx.err(None, "coding.status.ongoing_title".into(), m))?;
    }
    let mut status = c.status;
    status.ongoing_publication_types = status
        .ongoing_publication_types
        .iter()
        .map(|s| s.to_lowercase())
        .collect();
    for (k, w) in &c.section_weights {
        if !(w.is_finite() && *w >= 0.0) {
            return Err(cx.err(
                None,
                format!("coding.section_weights.{k}"),
                "must be a number >= 0".into(),
            ));
        }
    }

    let synthesis = synthesis(&cx, raw.synthesis)?;
    let map = map_settings(&cx, raw.map, &dim_of)?;
    let eutils = raw
        .search
        .as_ref()
        .map(|s| EutilsIdentity {
            tool: s.tool.clone(),
            email: s.email.clone(),
            api_key_env: s.api_key_env.clone(),
        })
        .unwrap_or_default();
    if let Some(t) = &eutils.tool {
        if t.is_empty() || t.contains(char::is_whitespace) {
            return Err(cx.err(
                None,
                "search.tool".into(),
                "must be one word (NCBI refuses spaces)".into(),
            ));
        }
    }
    if let Some(e) = &eutils.email {
        if !e.contains('@') || e.contains(char::is_whitespace) {
            return Err(cx.err(
                None,
                "search.email".into(),
                format!("{e:?} is not an e-mail address"),
            ));
        }
    }
    let searches = searches(&cx, raw.search)?;
    let exclusion_reasons = raw
        .screening
        .map(|s| s.exclusion_reasons)
        .unwrap_or_default();
    let mut ids = BTreeSet::new();
    for (i, r) in exclusion_reasons.iter().enumerate() {
        if !ids.insert(r.id.clone()) {
            return Err(cx.err(
                None,
                format!("screening.exclusion_reasons[{i}]"),
                format!("duplicate reason id {:?}", r.id),
            ));
        }
    }
    Ok(Protocol {
        id: raw.meta.id,
        title: raw.meta.title,
        version: raw.meta.version,
        hash: {
            let mut h = Fnv64::new();
            h.write(text.as_bytes());
            h.finish()
        },
        question: raw.question.primary,
        exclusion_reasons,
        searches,
        eutils,
        synthesis,
        map,
        frame: Frame {
            min_score: c.min_score,
            section_weights: c.section_weights,
            groups,
            categories: cats,
            context,
            status,
            carer_outcome,
        },
    })
}

fn synthesis(cx: &Ctx, raw: Option<RawSynthesis>) -> Result<Synthesis, ProtocolError> {
    let mut s = Synthesis {
        method: Method::REML,
        test: Test::Z,
        min_k_pool: 2,
        pi_min_k: 3,
    };
    let Some(r) = raw else { return Ok(s) };
    if let Some(m) = r.tau2_estimator {
        s.method = Method::parse(m.get_ref()).ok_or_else(|| {
            cx.err(
                Some(m.span().start),
                "synthesis.tau2_estimator".into(),
                format!(
                    "{:?} is not a tau² estimator (EE, DL, HE, HS, SJ, ML, REML, EB, PM)",
                    m.get_ref()
                ),
            )
        })?;
    }
    if let Some(t) = r.ci_method {
        s.test = match t.get_ref().to_lowercase().as_str() {
            "wald" | "z" => Test::Z,
            "t" => Test::T,
            "hartung_knapp" | "knapp_hartung" | "knha" | "hksj" => Test::Knha,
            "adhoc" | "hartung_knapp_adhoc" => Test::Adhoc,
            other => {
                return Err(cx.err(
                    Some(t.span().start),
                    "synthesis.ci_method".into(),
                    format!("{other:?} is not a CI method (wald, t, hartung_knapp, adhoc)"),
                ));
            }
        };
    }
    if let Some(k) = r.min_k_pool {
        if k < 2 {
            return Err(cx.err(
                None,
                "synthesis.min_k_pool".into(),
                "pooling needs at least 2 studies".into(),
            ));
        }
        s.min_k_pool = k;
    }
    if let Some(k) = r.pi_min_k {
        s.pi_min_k = k.max(2);
    }
    Ok(s)
}

fn map_settings(
    cx: &Ctx,
    raw: Option<RawMap>,
    dim_of: &dyn Fn(&str) -> Option<DimensionKind>,
) -> Result<MapSettings, ProtocolError> {
    let r = raw.unwrap_or(RawMap {
        synthesis_gap_min_primary: None,
        weak_randomised_designs: None,
        weak_min_participants: None,
        review_designs: None,
        economic_designs: None,
    });
    let designs = |key: &str,
                   v: Option<Vec<Spanned<String>>>,
                   default: &[&str]|
     -> Result<Vec<String>, ProtocolError> {
        let list: Vec<(Option<usize>, String)> = match v {
            Some(v) => v
                .into_iter()
                .map(|s| (Some(s.span().start), s.into_inner()))
                .collect(),
            None => default.iter().map(|s| (None, s.to_string())).collect(),
        };
        let mut out = Vec::new();
        for (at, id) in list {
            if dim_of(&id) != Some(DimensionKind::Design) {
                if at.is_none() {
                    continue; // a default that this framework does not have
                }
                return Err(cx.err(
                    at,
                    format!("map.{key}"),
                    format!("{id:?} is not a design id of this protocol"),
                ));
            }
            out.push(id);
        }
        Ok(out)
    };
    let w = r.weak_min_participants.unwrap_or(0.0);
    if !(w.is_finite() && w >= 0.0) {
        return Err(cx.err(
            None,
            "map.weak_min_participants".into(),
            "must be a number >= 0".into(),
        ));
    }
    Ok(MapSettings {
        synthesis_gap_min_primary: r.synthesis_gap_min_primary.unwrap_or(1).max(1),
        weak_randomised_designs: designs(
            "weak_randomised_designs",
            r.weak_randomised_designs,
            &["rct"],
        )?,
        weak_min_participants: w,
        review_designs: designs("review_designs", r.review_designs, &["systematic_review"])?,
        economic_designs: designs(
            "economic_designs",
            r.economic_designs,
            &["economic_evaluation"],
        )?,
    })
}

fn searches(cx: &Ctx, raw: Option<RawSearch>) -> Result<Vec<SearchString>, ProtocolError> {
    let Some(r) = raw else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for (i, s) in r.strings.into_iter().enumerate() {
        let mut q = s.query.clone();
        for (name, block) in &r.blocks {
            q = q.replace(&format!("{{{name}}}"), block);
        }
        if let Some(a) = q.find('{') {
            let rest = q.get(a..).unwrap_or("");
            let name: String = rest.chars().skip(1).take_while(|c| *c != '}').collect();
            return Err(cx.err(
                Some(s.id.span().start),
                format!("search.strings[{i}].query"),
                format!("block {{{name}}} is not defined in [search.blocks]"),
            ));
        }
        out.push(SearchString {
            id: s.id.into_inner(),
            purpose: s.purpose,
            query: q,
        });
    }
    Ok(out)
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
