//! The living review's versions: a [`Snapshot`] freezes what the review
//! says at one moment (PRISMA 2020 counts, included studies, the map's
//! cells and gaps, every pooled result with its cumulative meta-analysis),
//! and [`diff`] says what changed between two of them, testing each change
//! against the protocol's `[living]` triggers.
//!
//! Pure: the snapshot is assembled by `pipeline::living` from the store,
//! and the record-level changes (new, revised, retracted, deleted) come
//! from the store's per-snapshot record states.

use crate::gapmap::Gap;
use crate::model::pooled::Pooled;
use crate::protocol::Trigger;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Version of the snapshot JSON layout.
pub const SNAPSHOT_FORMAT: u32 = 2;

/// The counts of a PRISMA 2020 flow diagram, named as the PRISMA2020 R
/// package names them (Haddaway et al. 2022). Counts are of the whole
/// review up to this version; for an updated review, `previous_*` are the
/// studies and reports of the version before, `new_*` the ones added since.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Prisma {
    /// Studies included in the previous version.
    pub previous_studies: u64,
    /// Reports (records) of those studies.
    pub previous_reports: u64,
    /// Records identified from databases (the sum over databases).
    pub database_results: u64,
    /// Records identified per database.
    pub database_specific_results: Vec<DatabaseCount>,
    /// Records identified from registers (Lacuna harvests none yet).
    pub register_results: u64,
    /// Duplicate records removed (found in more than one source, or merged).
    pub duplicates: u64,
    /// Records not screened by a person: left by the stopping rule, or not
    /// yet screened.
    pub excluded_automatic: u64,
    /// Records removed for other reasons: deleted by NLM.
    pub excluded_other: u64,
    /// Records screened (title and abstract).
    pub records_screened: u64,
    /// Records excluded at title and abstract.
    pub records_excluded: u64,
    /// Reports sought for retrieval (included at title and abstract).
    pub dbr_sought_reports: u64,
    /// Reports not retrieved.
    pub dbr_notretrieved_reports: u64,
    /// Reports assessed for eligibility (full text; when the review has no
    /// full-text stage, every report sought).
    pub dbr_assessed: u64,
    /// Reports excluded at full text, with reasons.
    pub dbr_excluded: Vec<ReasonCount>,
    /// New studies included in this version.
    pub new_studies: u64,
    /// Reports of new studies.
    pub new_reports: u64,
    /// Studies included in all.
    pub total_studies: u64,
    /// Reports of included studies in all.
    pub total_reports: u64,
    /// Records set aside as "maybe", awaiting a decision (not a PRISMA box).
    pub records_awaiting: u64,
    /// Records of earlier versions still awaiting screening when the version
    /// before was taken (no decision, or maybe), screened in this version's
    /// flow with the records it brought: identified + carried over −
    /// duplicates − `excluded_automatic` − `excluded_other` = screened. Not a
    /// PRISMA2020 package field; zero when every record was screened in the
    /// version that brought it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub records_carried_over: u64,
    /// Studies of the version before that no study of this one continues
    /// (every report excluded on a second look, merged into another study,
    /// or withdrawn): previous − withdrawn + new = total.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub studies_withdrawn: u64,
    /// Reports of the version before that this one no longer counts.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reports_withdrawn: u64,
    /// Reports counted now that neither the version before counted nor this
    /// version's flow screened (a record of an earlier version whose decision
    /// or codes changed): previous − withdrawn + new + these = total.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reports_from_earlier: u64,
    /// Unresolved pairs of records that may be duplicates, awaiting a person's
    /// check (`lacuna dedup --review`): each still counts as a record.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pairs_awaiting: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Records identified in one database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseCount {
    /// The database (PubMed, or the name of an imported file).
    pub database: String,
    /// Records identified.
    pub n: u64,
}

/// Reports excluded for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonCount {
    /// The reason.
    pub reason: String,
    /// Reports excluded for it.
    pub n: u64,
}

/// One record of an included study.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Record key.
    pub key: String,
    /// PMID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pmid: Option<u64>,
    /// Title.
    pub title: String,
    /// Year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// Retracted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retracted: bool,
    /// Authors ("Last FM", or a collective name), as the reference lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// Journal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal: Option<String>,
    /// Volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<String>,
    /// Issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue: Option<String>,
    /// Pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<String>,
    /// DOI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doi: Option<String>,
}

/// An included study.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncludedStudy {
    /// Study id (a link, a registration number, or the record key).
    pub id: String,
    /// The study as readers name it ("Hilden 2021"); empty in snapshots
    /// taken before names were kept.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Its records.
    pub reports: Vec<Report>,
    /// Intervention ids.
    pub interventions: BTreeSet<String>,
    /// Outcome ids.
    pub outcomes: BTreeSet<String>,
    /// Design ids.
    pub designs: BTreeSet<String>,
    /// Ongoing (a protocol or registration), not a completed study.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ongoing: bool,
}

impl IncludedStudy {
    /// Whether any of its records is retracted.
    pub fn retracted(&self) -> bool {
        self.reports.iter().any(|r| r.retracted)
    }
}

/// One cell of the map at this version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellState {
    /// Intervention id.
    pub intervention: String,
    /// Outcome id.
    pub outcome: String,
    /// Completed studies.
    pub n_studies: usize,
    /// Of which systematic reviews.
    pub n_reviews: usize,
    /// Ongoing studies.
    pub n_ongoing: usize,
    /// Gap flags.
    pub gaps: Vec<Gap>,
}

/// How far the store had come when a version was taken: the next version's
/// PRISMA flow counts what came after.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marks {
    /// Largest search or import id.
    pub source: i64,
    /// Largest record id.
    pub record: i64,
    /// Largest decision id.
    #[serde(default)]
    pub decision: i64,
}

/// The screening figures a version's Methods reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Screening {
    /// Records screened by a person (a decision other than maybe).
    pub screened: usize,
    /// Records in the review.
    pub records: usize,
    /// People who screened.
    pub reviewers: Vec<String>,
    /// The stopping rule's recall estimate.
    pub recall: f64,
    /// Its 95 % lower bound.
    pub recall_lower: f64,
    /// Whether it lets screening stop.
    pub can_stop: bool,
    /// Irrelevant records in a row still needed before it can.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_stop: Option<usize>,
    /// Rules of the auto-coder.
    pub rules: usize,
    /// People's edits to the codes.
    pub code_edits: usize,
    /// Effect rows attached.
    pub effect_rows: usize,
}

/// The certainty (GRADE) of one pooled cell and measure at this version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellCertainty {
    /// Intervention id.
    pub intervention: String,
    /// Outcome id.
    pub outcome: String,
    /// Measure.
    pub measure: String,
    /// Studies pooled.
    pub k: usize,
    /// Participants in all, when the effect rows give them.
    pub participants: Option<f64>,
    /// I² (%), as in `pool --json`.
    pub i2: f64,
    /// Estimate and CI on the reader's scale.
    pub estimate: f64,
    /// CI lower limit (reader's scale).
    pub ci_lb: f64,
    /// CI upper limit (reader's scale).
    pub ci_ub: f64,
    /// The median control-arm risk of the analysis (binary outcomes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_risk: Option<f64>,
    /// The rating, its start, the optimal information size, the weight by
    /// risk of bias and the five domains.
    #[serde(flatten)]
    pub rating: crate::certainty::grade::Rating,
    /// Each pooled row's share of the weight and its risk-of-bias judgement
    /// as it stood (robvis's figures are drawn from them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub studies: Vec<RatedStudy>,
}

/// One pooled row as certainty saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatedStudy {
    /// The study as readers name it.
    pub study: String,
    /// Its share of the random-effects weight.
    pub weight: f64,
    /// The tool it was judged with, if judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<crate::model::rob::Tool>,
    /// The domains' judgements, D1 first (empty: not judged).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<crate::model::rob::Judgement>,
    /// The overall judgement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overall: Option<crate::model::rob::Judgement>,
}

/// A search as run up to this version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchRun {
    /// `PubMed` or `file`.
    pub database: String,
    /// The protocol's search-string id, or the file.
    pub name: String,
    /// Start of a since-last window (YYYY/MM/DD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_from: Option<String>,
    /// When it finished (UTC).
    pub at: String,
}

/// A frozen version of the review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Layout version ([`SNAPSHOT_FORMAT`]).
    pub format: u32,
    /// The version number (1, 2, …).
    pub version: i64,
    /// The label given, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// When it was taken (UTC).
    pub created_at: String,
    /// The Lacuna that took it.
    pub lacuna_version: String,
    /// Protocol id.
    pub protocol_id: String,
    /// Protocol version string.
    pub protocol_version: String,
    /// FNV-64 of the protocol file, hex.
    pub protocol_hash: String,
    /// Searches and imports, with their dates.
    pub searches: Vec<SearchRun>,
    /// PRISMA 2020 counts.
    pub prisma: Prisma,
    /// Included studies.
    pub included: Vec<IncludedStudy>,
    /// The map's cells.
    pub cells: Vec<CellState>,
    /// Pooled results.
    pub pooled: Vec<Pooled>,
    /// The store's marks when it was taken.
    #[serde(default)]
    pub marks: Marks,
    /// The map as it stood (format 2 on): the briefing of this version reads
    /// it, never the review as it is now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map: Option<crate::gapmap::Map>,
    /// The screening figures as they stood (format 2 on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screening: Option<Screening>,
    /// The protocol file's text as it stood (format 2 on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_text: Option<String>,
    /// The certainty of each pooled cell, with the risk-of-bias judgements
    /// as they stood.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certainty: Vec<CellCertainty>,
}

/// A record as a diff names it: its PMID, or its key where it has none.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RecordId {
    /// A PMID.
    Pmid(u64),
    /// A record key.
    Key(String),
}

impl std::fmt::Display for RecordId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordId::Pmid(p) => write!(f, "{p}"),
            RecordId::Key(k) => f.write_str(k),
        }
    }
}

/// The records that changed, by class.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordsDiff {
    /// New records.
    pub new: Vec<RecordId>,
    /// Records with a newer version.
    pub revised: Vec<RecordId>,
    /// Records newly retracted.
    pub retracted: Vec<RecordId>,
    /// Records deleted by NLM.
    pub deleted: Vec<RecordId>,
}

/// A cell named in a diff.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GapChange {
    /// Intervention id.
    pub intervention: String,
    /// Outcome id.
    pub outcome: String,
    /// The kind of gap that closed or opened.
    pub gap: Gap,
}

/// A pooled result as a diff shows it: its size, estimate, intervals and
/// heterogeneity, not its rows (the snapshots hold those).
mod brief {
    use super::Pooled;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Brief {
        k: usize,
        estimate: f64,
        ci: (f64, f64),
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pi: Option<(f64, f64)>,
        tau2: f64,
        i2: f64,
    }

    pub fn serialize<S: Serializer>(p: &Option<Pooled>, s: S) -> Result<S::Ok, S::Error> {
        p.as_ref()
            .map(|p| Brief {
                k: p.k,
                estimate: p.estimate,
                ci: (p.ci_lb, p.ci_ub),
                pi: p.pi,
                tau2: p.tau2,
                i2: p.i2,
            })
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Pooled>, D::Error> {
        Ok(Option::<Brief>::deserialize(d)?.map(|b| Pooled {
            intervention: String::new(),
            outcome: String::new(),
            measure: String::new(),
            k: b.k,
            estimate: b.estimate,
            ci_lb: b.ci.0,
            ci_ub: b.ci.1,
            pi: b.pi,
            i2: b.i2,
            tau2: b.tau2,
            method: String::new(),
            scale: String::new(),
            shown: (b.estimate, b.ci.0, b.ci.1),
            shown_pi: b.pi,
            studies: Vec::new(),
            record_ids: Vec::new(),
            weights: Default::default(),
            cumulative: Vec::new(),
            rows: Vec::new(),
            certainty: None,
        }))
    }
}

/// A pooled result that moved (or appeared, or went).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PooledMove {
    /// Intervention id.
    pub intervention: String,
    /// Outcome id.
    pub outcome: String,
    /// Measure.
    pub measure: String,
    /// Before (`null`: not pooled then): its size, estimate, intervals
    /// and heterogeneity (`k`, `estimate`, `ci`, `pi`, `tau2`, `i2`).
    #[serde(with = "brief")]
    pub from: Option<Pooled>,
    /// After (`null`: no longer pooled).
    #[serde(with = "brief")]
    pub to: Option<Pooled>,
}

/// A pooled cell whose certainty changed level (or that is rated for the
/// first time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertaintyChange {
    /// Intervention id.
    pub intervention: String,
    /// Outcome id.
    pub outcome: String,
    /// Measure.
    pub measure: String,
    /// The level before (`null`: not rated then).
    pub from: Option<crate::certainty::grade::Level>,
    /// The level now.
    pub to: crate::certainty::grade::Level,
    /// The domains that moved, with their reasons now.
    pub reasons: Vec<String>,
}

/// A change that fires one of the protocol's triggers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Material {
    /// The trigger's kind, as the protocol names it.
    pub trigger: String,
    /// Intervention id.
    pub intervention: String,
    /// Outcome id.
    pub outcome: String,
    /// The new study that fired it, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub study: Option<String>,
    /// What happened, in words.
    pub detail: String,
}

/// What changed between two snapshots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    /// The earlier version.
    pub from: i64,
    /// The later version.
    pub to: i64,
    /// Records new, revised, retracted and deleted by NLM.
    pub records: RecordsDiff,
    /// Study ids included in `to` and not in `from`.
    pub included_new: Vec<String>,
    /// Study ids included in `from` and no longer in `to`.
    pub included_removed: Vec<String>,
    /// Included studies that became retracted (left out of pooling unless
    /// the protocol keeps them).
    pub included_retracted: Vec<String>,
    /// Cells that stopped being a gap of some kind.
    pub gaps_closed: Vec<GapChange>,
    /// Cells that became a gap of some kind.
    pub gaps_opened: Vec<GapChange>,
    /// Pooled results that moved, appeared or went.
    pub pooled_moved: Vec<PooledMove>,
    /// The changes that fire a `[living]` trigger: what should prompt an
    /// update of the briefing.
    pub material: Vec<Material>,
    /// Pooled cells whose GRADE certainty changed level.
    #[serde(default)]
    pub certainty_changed: Vec<CertaintyChange>,
    /// How readers name the studies and records above ("Hilden 2021"), by
    /// study id or record id (a PMID as digits, else the record key).
    #[serde(default)]
    pub names: BTreeMap<String, String>,
    /// The framework's categories by id, as readers name them.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

impl Diff {
    /// A study or record as readers name it (its id when no name is known).
    pub fn name<'a>(&'a self, id: &'a str) -> &'a str {
        self.names.get(id).map_or(id, String::as_str)
    }

    /// A category as readers name it (its id when no label is known).
    pub fn label<'a>(&'a self, id: &'a str) -> &'a str {
        self.labels.get(id).map_or(id, String::as_str)
    }

    /// A record as readers name it.
    pub fn record_name(&self, r: &RecordId) -> String {
        let id = r.to_string();
        self.names.get(&id).cloned().unwrap_or(id)
    }

    /// Whether nothing at all changed.
    pub fn is_empty(&self) -> bool {
        self.records == RecordsDiff::default()
            && self.included_new.is_empty()
            && self.included_removed.is_empty()
            && self.included_retracted.is_empty()
            && self.gaps_closed.is_empty()
            && self.gaps_opened.is_empty()
            && self.pooled_moved.is_empty()
            && self.certainty_changed.is_empty()
    }
}

/// Two estimates differ by more than rounding.
fn moved(a: &Pooled, b: &Pooled) -> bool {
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * (1.0 + x.abs().max(y.abs()));
    a.k != b.k
        || !close(a.estimate, b.estimate)
        || !close(a.ci_lb, b.ci_lb)
        || !close(a.ci_ub, b.ci_ub)
}

/// Compare two snapshots. `records` are the record-level changes (from the
/// store); `triggers` are the protocol's rules for a material change.
pub fn diff(from: &Snapshot, to: &Snapshot, records: RecordsDiff, triggers: &[Trigger]) -> Diff {
    let ids = |s: &Snapshot| -> BTreeSet<String> {
        s.included
            .iter()
            .filter(|x| !x.ongoing)
            .map(|x| x.id.clone())
            .collect()
    };
    let (before, after) = (ids(from), ids(to));
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for s in from.included.iter().chain(&to.included) {
        if !s.name.is_empty() {
            names.insert(s.id.clone(), s.name.clone());
        }
    }
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let labels: BTreeMap<String, String> = to
        .map
        .iter()
        .chain(from.map.iter())
        .flat_map(|m| {
            m.interventions
                .iter()
                .chain(&m.outcomes)
                .chain(&m.populations)
                .chain(&m.designs)
                .chain(&m.equity)
        })
        .map(|a| {
            (
                a.id.clone(),
                crate::model::short_label(&a.label).to_string(),
            )
        })
        .collect();
    let included_new: Vec<String> = after.difference(&before).cloned().collect();
    let included_removed: Vec<String> = before.difference(&after).cloned().collect();
    let was_retracted: BTreeSet<&str> = from
        .included
        .iter()
        .filter(|s| s.retracted())
        .map(|s| s.id.as_str())
        .collect();
    let included_retracted: Vec<String> = to
        .included
        .iter()
        .filter(|s| s.retracted() && !was_retracted.contains(s.id.as_str()))
        .map(|s| s.id.clone())
        .collect();

    let cells_before: BTreeMap<(&str, &str), &CellState> = from
        .cells
        .iter()
        .map(|c| ((c.intervention.as_str(), c.outcome.as_str()), c))
        .collect();
    let mut gaps_closed = Vec::new();
    let mut gaps_opened = Vec::new();
    let mut material = Vec::new();
    let fires = |kind: &str| triggers.iter().any(|t| t.kind() == kind);
    let new_in = |c: &CellState| -> Vec<String> {
        to.included
            .iter()
            .filter(|s| {
                !s.ongoing
                    && included_new.contains(&s.id)
                    && s.interventions.contains(&c.intervention)
                    && s.outcomes.contains(&c.outcome)
            })
            .map(|s| s.id.clone())
            .collect()
    };
    for c in &to.cells {
        let old = cells_before.get(&(c.intervention.as_str(), c.outcome.as_str()));
        let old_gaps: BTreeSet<Gap> = old
            .map(|o| o.gaps.iter().copied().collect())
            .unwrap_or_default();
        let new_gaps: BTreeSet<Gap> = c.gaps.iter().copied().collect();
        let change = |gap: Gap| GapChange {
            intervention: c.intervention.clone(),
            outcome: c.outcome.clone(),
            gap,
        };
        gaps_closed.extend(old_gaps.difference(&new_gaps).map(|g| change(*g)));
        gaps_opened.extend(new_gaps.difference(&old_gaps).map(|g| change(*g)));
        let old_n = old.map_or(0, |o| o.n_studies);
        if fires("new_study_in_empty_cell") && old_n == 0 && c.n_studies > 0 {
            for s in new_in(c) {
                material.push(Material {
                    trigger: "new_study_in_empty_cell".into(),
                    intervention: c.intervention.clone(),
                    outcome: c.outcome.clone(),
                    detail: format!("{} is the first study in a cell that had none", name(&s)),
                    study: Some(s),
                });
            }
        }
        let old_reviews = old.map_or(0, |o| o.n_reviews);
        if fires("new_systematic_review_in_cell") && c.n_reviews > old_reviews {
            material.push(Material {
                trigger: "new_systematic_review_in_cell".into(),
                intervention: c.intervention.clone(),
                outcome: c.outcome.clone(),
                study: None,
                detail: format!(
                    "systematic reviews in the cell: {old_reviews} → {}",
                    c.n_reviews
                ),
            });
        }
    }

    let pooled_before: BTreeMap<_, &Pooled> = from.pooled.iter().map(|p| (p.key(), p)).collect();
    let pooled_after: BTreeMap<_, &Pooled> = to.pooled.iter().map(|p| (p.key(), p)).collect();
    let mut pooled_moved = Vec::new();
    let keys: BTreeSet<_> = pooled_before
        .keys()
        .chain(pooled_after.keys())
        .cloned()
        .collect();
    for k in keys {
        let (a, b) = (
            pooled_before.get(&k).copied(),
            pooled_after.get(&k).copied(),
        );
        let changed = match (a, b) {
            (Some(a), Some(b)) => moved(a, b),
            _ => true,
        };
        if changed {
            pooled_moved.push(PooledMove {
                intervention: k.0.clone(),
                outcome: k.1.clone(),
                measure: k.2.clone(),
                from: a.cloned(),
                to: b.cloned(),
            });
        }
        let Some(b) = b else { continue };
        for t in triggers {
            if let Trigger::NewStudyWeightShare { threshold } = t {
                for (study, share) in &b.weights {
                    if included_new.contains(study) && *share >= *threshold {
                        material.push(Material {
                            trigger: t.kind().into(),
                            intervention: k.0.clone(),
                            outcome: k.1.clone(),
                            study: Some(study.clone()),
                            detail: format!(
                                "{} carries {:.0} % of the random-effects weight of the pooled {} (threshold {:.0} %)",
                                name(study),
                                share * 100.0,
                                k.2,
                                threshold * 100.0
                            ),
                        });
                    }
                }
            }
        }
        let Some(a) = a else { continue };
        let side = |p: &Pooled| p.estimate.partial_cmp(&0.0);
        if fires("pooled_direction_or_ci_null_crossing_change")
            && (a.ci_crosses_null() != b.ci_crosses_null() || side(a) != side(b))
        {
            let says = |p: &Pooled| {
                if p.ci_crosses_null() {
                    "includes the null"
                } else {
                    "excludes the null"
                }
            };
            material.push(Material {
                trigger: "pooled_direction_or_ci_null_crossing_change".into(),
                intervention: k.0.clone(),
                outcome: k.1.clone(),
                study: None,
                detail: format!(
                    "the pooled {}'s CI {} (k = {}) and now {} (k = {})",
                    k.2,
                    says(a),
                    a.k,
                    says(b),
                    b.k
                ),
            });
        }
        if fires("prediction_interval_null_crossing_change") {
            if let (Some(x), Some(y)) = (a.pi_crosses_null(), b.pi_crosses_null()) {
                if x != y {
                    material.push(Material {
                        trigger: "prediction_interval_null_crossing_change".into(),
                        intervention: k.0.clone(),
                        outcome: k.1.clone(),
                        study: None,
                        detail: format!(
                            "the prediction interval of the pooled {} {} the null",
                            k.2,
                            if y {
                                "now includes"
                            } else {
                                "no longer includes"
                            }
                        ),
                    });
                }
            }
        }
    }
    let certainty_changed = certainty_changes(from, to);
    if fires("certainty_change") {
        for c in certainty_changed.iter() {
            if let Some(f) = c.from {
                material.push(Material {
                    trigger: "certainty_change".into(),
                    intervention: c.intervention.clone(),
                    outcome: c.outcome.clone(),
                    study: None,
                    detail: format!(
                        "the certainty of the pooled {} moved from {} to {}{}",
                        c.measure,
                        f.label(),
                        c.to.label(),
                        if c.reasons.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", c.reasons.join("; "))
                        }
                    ),
                });
            }
        }
    }
    Diff {
        from: from.version,
        to: to.version,
        records,
        included_new,
        included_removed,
        included_retracted,
        gaps_closed,
        gaps_opened,
        pooled_moved,
        material,
        certainty_changed,
        names,
        labels,
    }
}

/// The pooled cells whose certainty is rated at `to` at another level than
/// at `from` (or not rated then), with the domains that moved.
fn certainty_changes(from: &Snapshot, to: &Snapshot) -> Vec<CertaintyChange> {
    use crate::certainty::grade::Domain;
    let key = |c: &CellCertainty| (c.intervention.clone(), c.outcome.clone(), c.measure.clone());
    let before: BTreeMap<_, &CellCertainty> = from.certainty.iter().map(|c| (key(c), c)).collect();
    let mut out = Vec::new();
    for c in &to.certainty {
        let old = before.get(&key(c));
        if old.is_some_and(|o| o.rating.rating == c.rating.rating) {
            continue;
        }
        let reasons = Domain::ALL
            .iter()
            .filter_map(|d| {
                let now = c.rating.domains.get(*d);
                let was = old.map(|o| o.rating.domains.get(*d).down);
                (was != Some(now.down) && (was.is_some() || now.down > 0)).then(|| {
                    let levels = |n: u8| {
                        if n == 0 {
                            "0".to_string()
                        } else {
                            format!("−{n}")
                        }
                    };
                    format!(
                        "{}: {}{} ({})",
                        d.as_str().replace('_', " "),
                        was.map(|w| format!("{} → ", levels(w))).unwrap_or_default(),
                        levels(now.down),
                        now.reason
                    )
                })
            })
            .collect();
        out.push(CertaintyChange {
            intervention: c.intervention.clone(),
            outcome: c.outcome.clone(),
            measure: c.measure.clone(),
            from: old.map(|o| o.rating.rating),
            to: c.rating.rating,
            reasons,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pooled(est: f64, ci: (f64, f64), pi: Option<(f64, f64)>, k: usize) -> Pooled {
        Pooled {
            intervention: "dbt".into(),
            outcome: "self_harm".into(),
            measure: "SMD".into(),
            k,
            estimate: est,
            ci_lb: ci.0,
            ci_ub: ci.1,
            pi,
            tau2: 0.0,
            i2: 0.0,
            method: String::new(),
            scale: "SMD".into(),
            shown: (est, ci.0, ci.1),
            shown_pi: pi,
            studies: Vec::new(),
            record_ids: Vec::new(),
            weights: BTreeMap::new(),
            cumulative: Vec::new(),
            rows: Vec::new(),
            certainty: None,
        }
    }

    fn study(id: &str, iv: &str, oc: &str, design: &str) -> IncludedStudy {
        IncludedStudy {
            id: id.into(),
            name: String::new(),
            reports: vec![Report {
                key: format!("src:{id}"),
                pmid: None,
                title: id.into(),
                year: Some(2020),
                retracted: false,
                ..Default::default()
            }],
            interventions: [iv.to_string()].into(),
            outcomes: [oc.to_string()].into(),
            designs: [design.to_string()].into(),
            ongoing: false,
        }
    }

    fn cell(iv: &str, oc: &str, n: usize, reviews: usize, gaps: &[Gap]) -> CellState {
        CellState {
            intervention: iv.into(),
            outcome: oc.into(),
            n_studies: n,
            n_reviews: reviews,
            n_ongoing: 0,
            gaps: gaps.to_vec(),
        }
    }

    fn snap(version: i64) -> Snapshot {
        Snapshot {
            format: SNAPSHOT_FORMAT,
            version,
            label: None,
            created_at: String::new(),
            lacuna_version: String::new(),
            protocol_id: String::new(),
            protocol_version: String::new(),
            protocol_hash: String::new(),
            searches: Vec::new(),
            prisma: Prisma::default(),
            included: Vec::new(),
            cells: Vec::new(),
            pooled: Vec::new(),
            marks: Marks::default(),
            map: None,
            screening: None,
            protocol_text: None,
            certainty: Vec::new(),
        }
    }

    fn all() -> Vec<Trigger> {
        crate::protocol::Living::default().triggers
    }

    fn kinds(d: &Diff) -> Vec<&str> {
        d.material.iter().map(|m| m.trigger.as_str()).collect()
    }

    #[test]
    fn ci_and_prediction_interval_crossing_the_null_are_material() {
        let mut a = snap(1);
        a.pooled = vec![pooled(0.5, (0.1, 0.9), Some((-0.2, 1.2)), 4)];
        let mut b = snap(2);
        b.pooled = vec![pooled(0.3, (-0.1, 0.7), Some((0.05, 0.6)), 5)];
        let d = diff(&a, &b, RecordsDiff::default(), &all());
        assert_eq!(
            kinds(&d),
            [
                "pooled_direction_or_ci_null_crossing_change",
                "prediction_interval_null_crossing_change"
            ]
        );
        assert_eq!(d.pooled_moved.len(), 1);
        // The same change without those triggers in the protocol is not material.
        let d = diff(
            &a,
            &b,
            RecordsDiff::default(),
            &[Trigger::NewStudyInEmptyCell],
        );
        assert!(d.material.is_empty());
        assert_eq!(d.pooled_moved.len(), 1, "still listed as moved");
        // A move that crosses nothing is listed, and not material.
        b.pooled = vec![pooled(0.45, (0.05, 0.85), Some((-0.3, 1.3)), 5)];
        let d = diff(&a, &b, RecordsDiff::default(), &all());
        assert!(d.material.is_empty(), "{:?}", d.material);
        assert_eq!(d.pooled_moved.len(), 1);
        // An estimate that changes sides is material even if both CIs hold the null.
        a.pooled = vec![pooled(0.1, (-0.2, 0.4), None, 3)];
        b.pooled = vec![pooled(-0.1, (-0.4, 0.2), None, 4)];
        let d = diff(&a, &b, RecordsDiff::default(), &all());
        assert_eq!(kinds(&d), ["pooled_direction_or_ci_null_crossing_change"]);
    }

    #[test]
    fn weight_share_below_the_threshold_is_not_material() {
        let mut a = snap(1);
        a.included = vec![
            study("A", "dbt", "self_harm", "rct"),
            study("B", "dbt", "self_harm", "rct"),
        ];
        a.pooled = vec![pooled(0.5, (0.1, 0.9), None, 2)];
        let mut b = a.clone();
        b.version = 2;
        b.included.push(study("C", "dbt", "self_harm", "rct"));
        let mut p = pooled(0.5, (0.2, 0.8), None, 3);
        p.weights = [
            ("A".to_string(), 0.4),
            ("B".to_string(), 0.36),
            ("C".to_string(), 0.24),
        ]
        .into();
        b.pooled = vec![p];
        let at = |t: f64| {
            diff(
                &a,
                &b,
                RecordsDiff::default(),
                &[Trigger::NewStudyWeightShare { threshold: t }],
            )
        };
        assert!(at(0.25).material.is_empty());
        let d = at(0.2);
        assert_eq!(d.material.len(), 1);
        assert_eq!(d.material[0].study.as_deref(), Some("C"));
        assert_eq!(d.included_new, ["C"]);
    }

    #[test]
    fn a_new_review_and_a_closed_gap_are_material_and_listed() {
        let mut a = snap(1);
        a.cells = vec![
            cell("dbt", "self_harm", 3, 0, &[Gap::Synthesis]),
            cell("peer", "quality_of_life", 0, 0, &[Gap::Absolute]),
        ];
        let mut b = snap(2);
        b.included = vec![study("P1", "peer", "quality_of_life", "rct")];
        b.cells = vec![
            cell("dbt", "self_harm", 4, 1, &[]),
            cell("peer", "quality_of_life", 1, 0, &[Gap::Weak]),
        ];
        let d = diff(&a, &b, RecordsDiff::default(), &all());
        assert_eq!(
            kinds(&d),
            ["new_systematic_review_in_cell", "new_study_in_empty_cell"]
        );
        let g = |iv: &str, oc: &str, gap| GapChange {
            intervention: iv.into(),
            outcome: oc.into(),
            gap,
        };
        assert_eq!(
            d.gaps_closed,
            [
                g("dbt", "self_harm", Gap::Synthesis),
                g("peer", "quality_of_life", Gap::Absolute)
            ]
        );
        assert_eq!(d.gaps_opened, [g("peer", "quality_of_life", Gap::Weak)]);
        // The same snapshot against itself: nothing.
        assert!(diff(&b, &b, RecordsDiff::default(), &all()).is_empty());
    }
}
