//! The evidence gap map: studies coded by intervention × outcome, with
//! designs, years, pooled results and gap flags per cell.
//!
//! Pure: [`build`] takes the framework, the map settings, the studies (each
//! already merged from its records and coded) and any pooled results, and
//! returns a [`Map`]; it reads no files and draws nothing (that is
//! [`crate::report`]). Counts are of studies, not records: papers of one
//! trial that are linked count once. Ongoing studies (protocols) are counted
//! apart and never close a gap.

use crate::model::coding::{Coding, DimensionKind, Status, Why};
use crate::model::pooled::Pooled;
use crate::protocol::{Frame, MapSettings};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// One record of a study, as the map links to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paper {
    /// Record key.
    pub key: String,
    /// PMID (links to PubMed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pmid: Option<u64>,
    /// DOI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doi: Option<String>,
    /// Title.
    pub title: String,
    /// Year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// First author ("Last FM", or a collective name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_author: Option<String>,
    /// Journal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal: Option<String>,
    /// What an extraction sheet calls its study ("Bateman 2009"), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet_label: Option<String>,
    /// Retracted: shown as such, and left out of pooling unless the
    /// protocol keeps retracted studies.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retracted: bool,
}

/// A study: one or more linked records, with the union of their codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Study {
    /// Study id (a link, a shared registration number, or the record key).
    pub id: String,
    /// The study as readers name it ("Hilden 2021", "Linehan 2006a"); see
    /// [`crate::model::names`].
    #[serde(default)]
    pub name: String,
    /// Its records.
    pub papers: Vec<Paper>,
    /// Intervention ids.
    pub interventions: BTreeSet<String>,
    /// Outcome ids.
    pub outcomes: BTreeSet<String>,
    /// Population subgroup ids.
    pub populations: BTreeSet<String>,
    /// Subgroups named only in its exclusion criteria.
    pub excluded_populations: BTreeSet<String>,
    /// Design ids.
    pub designs: BTreeSet<String>,
    /// Equity factor ids it reports results by (PROGRESS-Plus).
    #[serde(default)]
    pub equity: BTreeSet<String>,
    /// Completed or ongoing.
    pub status: Status,
    /// Participants (largest extracted row), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<f64>,
    /// Earliest year of its records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// For the intervention and the outcome dimension when the study has no
    /// code of the framework there: why, from the hits the coder set aside.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<Missing>,
}

/// Why a study has no code in a dimension of the grid, and the rule that
/// came nearest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Missing {
    /// `intervention` or `outcome`.
    pub dimension: String,
    /// Why, from the set-aside hits (the most telling kind when several).
    pub why: Why,
    /// The set-aside hit that came nearest to coding, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nearest: Option<NearMiss>,
}

/// A set-aside hit: the rule that almost fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearMiss {
    /// The category it would have coded.
    pub category: String,
    /// The rule, e.g. `tiab "usual care"`.
    pub rule: String,
    /// The text it matched.
    pub text: String,
    /// The coder's reason for setting it aside.
    pub reason: String,
    /// The record it is in (key).
    pub record: String,
}

/// What kind of gap a cell is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Gap {
    /// No completed study.
    Absolute,
    /// Primary studies but neither a systematic review nor a pooled result.
    Synthesis,
    /// Only non-randomised, or only small, studies.
    Weak,
    /// Pooled, but GRADE rates the result low or very low certainty.
    #[serde(rename = "low_certainty")]
    LowCertainty,
}

impl Gap {
    /// The name used in JSON: `absolute`, `synthesis`, `weak` or
    /// `low_certainty`.
    pub fn as_str(self) -> &'static str {
        match self {
            Gap::Absolute => "absolute",
            Gap::Synthesis => "synthesis",
            Gap::Weak => "weak",
            Gap::LowCertainty => "low_certainty",
        }
    }
}

/// One intervention × outcome cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Intervention id.
    pub intervention: String,
    /// Outcome id.
    pub outcome: String,
    /// Completed studies (primary and reviews).
    pub n_studies: usize,
    /// Of which systematic reviews.
    pub n_reviews: usize,
    /// Ongoing studies (protocols).
    pub n_ongoing: usize,
    /// Studies by design id.
    pub designs: BTreeMap<String, usize>,
    /// Earliest and latest year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<(i32, i32)>,
    /// Indices into [`Map::studies`] (completed and ongoing).
    pub studies: Vec<usize>,
    /// Pooled results (one per measure).
    pub pooled: Vec<Pooled>,
    /// Gap flags.
    pub gaps: Vec<Gap>,
}

/// A category as shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    /// Id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Group id (interventions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Completed studies in the whole row/column (or subgroup).
    pub n_studies: usize,
    /// Studies that name this subgroup only to exclude it (populations).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub n_excluding: usize,
    /// A row with studies but no economic evaluation.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub economic_gap: bool,
    /// Completed studies in the row that report results by at least one
    /// equity factor (interventions).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub n_equity: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// An equity factor that no completed study reports results by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EquityGap {
    /// Factor id, e.g. `equity.ses`.
    pub id: String,
    /// Its label.
    pub label: String,
}

/// Which studies to count.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    /// Only studies coded with this population subgroup.
    pub population: Option<String>,
    /// Only studies with this design.
    pub design: Option<String>,
}

/// Thresholds the page needs to recompute gaps under its own filters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    /// See [`MapSettings::synthesis_gap_min_primary`].
    pub synthesis_gap_min_primary: usize,
    /// See [`MapSettings::weak_randomised_designs`].
    pub weak_randomised_designs: Vec<String>,
    /// See [`MapSettings::weak_min_participants`].
    pub weak_min_participants: f64,
    /// See [`MapSettings::review_designs`].
    pub review_designs: Vec<String>,
}

/// The map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Map {
    /// Protocol id, title, version.
    pub protocol: (String, String, String),
    /// The filter the counts use.
    pub filter: Filter,
    /// Intervention groups (id, label), in order.
    pub groups: Vec<(String, String)>,
    /// Rows.
    pub interventions: Vec<Axis>,
    /// Columns.
    pub outcomes: Vec<Axis>,
    /// Population subgroups.
    pub populations: Vec<Axis>,
    /// Designs.
    pub designs: Vec<Axis>,
    /// Equity factors (PROGRESS-Plus), each with the completed studies that
    /// report results by it.
    #[serde(default)]
    pub equity: Vec<Axis>,
    /// Equity gaps: the factors no completed study reports results by.
    #[serde(default)]
    pub equity_gaps: Vec<EquityGap>,
    /// All studies (unfiltered, so a page can filter them itself).
    pub studies: Vec<Study>,
    /// Cells, row by row.
    pub cells: Vec<Cell>,
    /// Gap rules.
    pub rules: Rules,
    /// Studies counted under the filter (completed).
    pub n_studies: usize,
    /// Records behind all studies.
    pub n_records: usize,
}

impl Map {
    /// A cell by ids.
    pub fn cell(&self, intervention: &str, outcome: &str) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.intervention == intervention && c.outcome == outcome)
    }
}

fn passes(s: &Study, f: &Filter) -> bool {
    f.population
        .as_ref()
        .is_none_or(|p| s.populations.contains(p))
        && f.design.as_ref().is_none_or(|d| s.designs.contains(d))
}

/// Build the map.
pub fn build(
    protocol: (String, String, String),
    frame: &Frame,
    settings: &MapSettings,
    studies: Vec<Study>,
    pooled: Vec<Pooled>,
    filter: Filter,
) -> Map {
    let counted: Vec<bool> = studies.iter().map(|s| passes(s, &filter)).collect();
    let completed = |i: usize| {
        counted.get(i) == Some(&true)
            && studies
                .get(i)
                .is_some_and(|s| s.status == Status::Completed)
    };
    let is_review = |s: &Study| {
        settings
            .review_designs
            .iter()
            .any(|d| s.designs.contains(d))
    };
    let axis = |d: DimensionKind| -> Vec<Axis> {
        frame
            .of(d)
            .map(|c| {
                let has = |s: &Study| match d {
                    DimensionKind::Intervention => s.interventions.contains(&c.id),
                    DimensionKind::Outcome => s.outcomes.contains(&c.id),
                    DimensionKind::Population => s.populations.contains(&c.id),
                    DimensionKind::Design => s.designs.contains(&c.id),
                    DimensionKind::Equity => s.equity.contains(&c.id),
                };
                let ids: Vec<usize> = (0..studies.len())
                    .filter(|i| completed(*i) && studies.get(*i).is_some_and(has))
                    .collect();
                let economic_gap = d == DimensionKind::Intervention
                    && !ids.is_empty()
                    && !ids.iter().any(|i| {
                        studies.get(*i).is_some_and(|s| {
                            settings
                                .economic_designs
                                .iter()
                                .any(|e| s.designs.contains(e))
                        })
                    });
                let n_excluding = if d == DimensionKind::Population {
                    studies
                        .iter()
                        .enumerate()
                        .filter(|(i, s)| completed(*i) && s.excluded_populations.contains(&c.id))
                        .count()
                } else {
                    0
                };
                let n_equity = if d == DimensionKind::Intervention {
                    ids.iter()
                        .filter(|i| studies.get(**i).is_some_and(|s| !s.equity.is_empty()))
                        .count()
                } else {
                    0
                };
                Axis {
                    id: c.id.clone(),
                    label: c.label.clone(),
                    group: c.group.clone(),
                    n_studies: ids.len(),
                    n_excluding,
                    economic_gap,
                    n_equity,
                }
            })
            .collect()
    };
    let interventions = axis(DimensionKind::Intervention);
    let outcomes = axis(DimensionKind::Outcome);
    let mut cells = Vec::with_capacity(interventions.len() * outcomes.len());
    // Index studies by intervention to keep this linear in studies × codes.
    let mut by_row: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in studies.iter().enumerate() {
        if counted.get(i) == Some(&true) {
            for iv in &s.interventions {
                by_row.entry(iv.as_str()).or_default().push(i);
            }
        }
    }
    for r in &interventions {
        let row = by_row.get(r.id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        for c in &outcomes {
            let ids: Vec<usize> = row
                .iter()
                .copied()
                .filter(|i| studies.get(*i).is_some_and(|s| s.outcomes.contains(&c.id)))
                .collect();
            let mut designs = BTreeMap::new();
            let (mut n, mut n_reviews, mut n_ongoing) = (0, 0, 0);
            let mut years: Option<(i32, i32)> = None;
            let mut primary: Vec<&Study> = Vec::new();
            for s in ids.iter().filter_map(|i| studies.get(*i)) {
                if s.status == Status::Ongoing {
                    n_ongoing += 1;
                    continue;
                }
                n += 1;
                for d in &s.designs {
                    *designs.entry(d.clone()).or_insert(0) += 1;
                }
                if let Some(y) = s.year {
                    years = Some(years.map_or((y, y), |(a, b)| (a.min(y), b.max(y))));
                }
                if is_review(s) {
                    n_reviews += 1;
                } else {
                    primary.push(s);
                }
            }
            let cell_pooled: Vec<Pooled> = pooled
                .iter()
                .filter(|p| p.intervention == r.id && p.outcome == c.id)
                .cloned()
                .collect();
            let mut gaps = Vec::new();
            if n == 0 {
                gaps.push(Gap::Absolute);
            } else {
                if primary.len() >= settings.synthesis_gap_min_primary
                    && n_reviews == 0
                    && cell_pooled.is_empty()
                {
                    gaps.push(Gap::Synthesis);
                }
                let randomised = primary.iter().any(|s| {
                    settings
                        .weak_randomised_designs
                        .iter()
                        .any(|d| s.designs.contains(d))
                });
                let sized: Vec<f64> = primary.iter().filter_map(|s| s.n).collect();
                let all_small = !sized.is_empty()
                    && sized.len() == primary.len()
                    && sized.iter().all(|n| *n < settings.weak_min_participants);
                if !primary.is_empty() && (!randomised || all_small) {
                    gaps.push(Gap::Weak);
                }
            }
            cells.push(Cell {
                intervention: r.id.clone(),
                outcome: c.id.clone(),
                n_studies: n,
                n_reviews,
                n_ongoing,
                designs,
                years,
                studies: ids,
                pooled: cell_pooled,
                gaps,
            });
        }
    }
    let n_studies = (0..studies.len()).filter(|i| completed(*i)).count();
    let n_records = studies.iter().map(|s| s.papers.len()).sum();
    let equity = axis(DimensionKind::Equity);
    let equity_gaps = equity
        .iter()
        .filter(|a| a.n_studies == 0)
        .map(|a| EquityGap {
            id: a.id.clone(),
            label: a.label.clone(),
        })
        .collect();
    Map {
        protocol,
        filter,
        groups: frame.groups.clone(),
        populations: axis(DimensionKind::Population),
        designs: axis(DimensionKind::Design),
        equity,
        equity_gaps,
        interventions,
        outcomes,
        studies,
        cells,
        rules: Rules {
            synthesis_gap_min_primary: settings.synthesis_gap_min_primary,
            weak_randomised_designs: settings.weak_randomised_designs.clone(),
            weak_min_participants: settings.weak_min_participants,
            review_designs: settings.review_designs.clone(),
        },
        n_studies,
        n_records,
    }
}

/// A record ready for the map: its paper and its coding (edits applied).
#[derive(Debug, Clone)]
pub struct CodedRecord {
    /// Store row id.
    pub id: i64,
    /// How the map shows and links it.
    pub paper: Paper,
    /// Its codes.
    pub coding: Coding,
    /// Study link, if a person or an extraction sheet made one.
    pub link: Option<String>,
    /// Participants from extracted rows, if any.
    pub n: Option<f64>,
}

/// Merge records into studies: records with the same study link, or sharing
/// a trial registration number, are one study; codes are united. A study
/// with no intervention or no outcome of `frame` gets the reason, from its
/// records' set-aside hits ([`Study::missing`]).
pub fn assemble(records: Vec<CodedRecord>, frame: &Frame) -> Vec<Study> {
    let n = records.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while let Some(&q) = p.get(i) {
            if q == i {
                break;
            }
            let g = p.get(q).copied().unwrap_or(q);
            if let Some(x) = p.get_mut(i) {
                *x = g;
            }
            i = q;
        }
        i
    }
    let mut first: BTreeMap<String, usize> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        let keys = r
            .link
            .iter()
            .map(|l| format!("link:{l}"))
            .chain(r.coding.registrations.iter().map(|g| format!("reg:{g}")));
        for k in keys {
            match first.get(&k) {
                Some(&j) => {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    if let Some(x) = parent.get_mut(a) {
                        *x = b;
                    }
                }
                None => {
                    first.insert(k, i);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(i);
    }
    let mut out = Vec::with_capacity(groups.len());
    for members in groups.values() {
        let rs: Vec<&CodedRecord> = members.iter().filter_map(|i| records.get(*i)).collect();
        let Some(head) = rs.first() else { continue };
        let id = rs
            .iter()
            .find_map(|r| r.link.clone())
            .or_else(|| {
                rs.iter()
                    .find_map(|r| r.coding.registrations.first().cloned())
            })
            .unwrap_or_else(|| head.paper.key.clone());
        let mut s = Study {
            id,
            name: String::new(),
            papers: Vec::new(),
            interventions: BTreeSet::new(),
            outcomes: BTreeSet::new(),
            populations: BTreeSet::new(),
            excluded_populations: BTreeSet::new(),
            designs: BTreeSet::new(),
            equity: BTreeSet::new(),
            status: Status::Ongoing,
            n: None,
            year: None,
            missing: Vec::new(),
        };
        for r in &rs {
            s.papers.push(r.paper.clone());
            for c in &r.coding.codes {
                let set = match DimensionKind::parse(&c.dimension) {
                    Some(DimensionKind::Intervention) => &mut s.interventions,
                    Some(DimensionKind::Outcome) => &mut s.outcomes,
                    Some(DimensionKind::Population) => &mut s.populations,
                    Some(DimensionKind::Design) => &mut s.designs,
                    Some(DimensionKind::Equity) => &mut s.equity,
                    None => continue,
                };
                set.insert(c.category.clone());
            }
            for c in &r.coding.excluded_subgroups {
                s.excluded_populations.insert(c.category.clone());
            }
            if r.coding.status == Status::Completed {
                s.status = Status::Completed;
            }
            s.n = match (s.n, r.n) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            if let Some(y) = r.paper.year {
                s.year = Some(s.year.map_or(y, |x: i32| x.min(y)));
            }
        }
        s.excluded_populations
            .retain(|p| !s.populations.contains(p));
        s.missing = missing(&s, &rs, frame);
        out.push(s);
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    let names = crate::model::names::assign(out.iter().map(|s| (s.id.clone(), name_parts(s))));
    for s in &mut out {
        if let Some(n) = names.get(&s.id) {
            s.name = n.clone();
        }
        // A record with no year, named by a sheet that gives one ("Bateman
        // 2009"): the study's year for ordering by year.
        if s.year.is_none() {
            s.year = s
                .papers
                .iter()
                .find_map(|p| p.sheet_label.as_deref())
                .and_then(crate::model::names::label_year);
        }
    }
    out
}

/// Order of the kinds of [`Why`], most telling first.
const TELLING: [Why; 9] = [
    Why::OnlyComparator,
    Why::Setting,
    Why::NotReported,
    Why::ByDesign,
    Why::Negated,
    Why::Finding,
    Why::Weak,
    Why::Removed,
    Why::Other,
];

/// For each of the grid's dimensions in which `s` has no code of `frame`:
/// the most telling kind of its records' set-aside hits there, with the
/// hit of that kind that weighed most; [`Why::NoMatch`] when none.
fn missing(s: &Study, records: &[&CodedRecord], frame: &Frame) -> Vec<Missing> {
    let mut out = Vec::new();
    for (d, codes) in [
        (DimensionKind::Intervention, &s.interventions),
        (DimensionKind::Outcome, &s.outcomes),
    ] {
        if frame.of(d).any(|c| codes.contains(&c.id)) {
            continue;
        }
        let hits: Vec<(Why, NearMiss, f64)> = records
            .iter()
            .flat_map(|r| {
                r.coding.set_aside.iter().filter_map(|x| {
                    let c = frame.category(&x.category).filter(|c| c.dimension == d)?;
                    Some((
                        Why::of_reason(&x.reason),
                        NearMiss {
                            category: c.id.clone(),
                            rule: x.evidence.rule.clone(),
                            text: x.evidence.text.clone(),
                            reason: x.reason.clone(),
                            record: r.paper.key.clone(),
                        },
                        x.evidence.weight,
                    ))
                })
            })
            .collect();
        let best = TELLING.iter().find_map(|w| {
            hits.iter()
                .filter(|(k, _, _)| k == w)
                .max_by(|a, b| a.2.total_cmp(&b.2))
        });
        out.push(Missing {
            dimension: d.as_str().to_string(),
            why: best.map_or(Why::NoMatch, |b| b.0),
            nearest: best.map(|b| b.1.clone()),
        });
    }
    out
}

/// The reasons of [`Study::missing`] in plain words, categories by their
/// labels in `map`: "not reported as measured (…), nearest: Symptoms, from
/// “depression”", each prefixed with its dimension when both are missing;
/// empty when the study has none (it is on the grid, or comes from a map
/// made before the reasons were kept). The map's page and the briefing
/// print it after [`Reason::label`].
pub fn missing_words(map: &Map, study: &Study) -> String {
    let label = |id: &str| {
        map.interventions
            .iter()
            .chain(&map.outcomes)
            .find(|a| a.id == id)
            .map_or(id.to_string(), |a| {
                a.label.split(" (").next().unwrap_or(&a.label).to_string()
            })
    };
    let both = study.missing.len() > 1;
    study
        .missing
        .iter()
        .map(|m| {
            let mut t = if both {
                format!("{}: {}", m.dimension, m.why.label())
            } else {
                m.why.label().to_string()
            };
            if let Some(n) = &m.nearest {
                let _ = write!(t, ", nearest: {}, from “{}”", label(&n.category), n.text);
            }
            t
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What a study is named from: its lead report, the earliest one with an
/// author (else the earliest one), with the study's earliest year.
pub fn name_parts(s: &Study) -> crate::model::names::NameParts {
    let early = |p: &&Paper| (p.year.unwrap_or(i32::MAX), p.key.clone());
    let lead = s
        .papers
        .iter()
        .filter(|p| p.first_author.is_some())
        .min_by_key(early)
        .or_else(|| s.papers.iter().min_by_key(early));
    crate::model::names::NameParts {
        first_author: lead.and_then(|p| p.first_author.clone()),
        journal: lead.and_then(|p| p.journal.clone()),
        title: lead.map(|p| p.title.clone()).unwrap_or_default(),
        year: lead.and_then(|p| p.year).or(s.year),
        label: s.papers.iter().find_map(|p| p.sheet_label.clone()),
    }
}

/// Why an included study is not counted in any cell of the grid.
///
/// ```
/// use lacuna::gapmap::Reason;
/// assert_eq!(Reason::NoOutcome.label(), "no outcome in the framework");
/// assert_eq!(Reason::NoOutcome.as_str(), "no_outcome");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Coded with no intervention and no outcome of the framework.
    Neither,
    /// An outcome of the framework, but no intervention of it.
    NoIntervention,
    /// An intervention of the framework, but no outcome of it.
    NoOutcome,
    /// An intervention and an outcome of the framework, but the study is
    /// ongoing (only a protocol or registration): its cells show it as
    /// "+n ongoing" and do not count it until it reports.
    Ongoing,
}

impl Reason {
    /// The name used in JSON: `neither`, `no_intervention`, `no_outcome`
    /// or `ongoing`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Neither => "neither",
            Reason::NoIntervention => "no_intervention",
            Reason::NoOutcome => "no_outcome",
            Reason::Ongoing => "ongoing",
        }
    }

    /// The reason in plain words, for people.
    pub fn label(self) -> &'static str {
        match self {
            Reason::Neither => "neither an intervention nor an outcome in the framework",
            Reason::NoIntervention => "no intervention in the framework",
            Reason::NoOutcome => "no outcome in the framework",
            Reason::Ongoing => {
                "only an ongoing study (protocol): shown as +n in its cells, not counted"
            }
        }
    }
}

/// An included study that is in the map but counted in no cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OffGrid {
    /// Index into [`Map::studies`].
    pub study: usize,
    /// Why it is not on the grid.
    pub reason: Reason,
}

/// Why `study` is counted in no cell of `map`, or `None` when it is: a
/// completed study with at least one intervention and one outcome of the
/// framework (the map's rows and columns). Codes outside the framework (say
/// an outcome id from an effect sheet the protocol does not have) do not
/// place a study. Ignores the map's filter.
pub fn off_grid_reason(map: &Map, study: &Study) -> Option<Reason> {
    let has_iv = map
        .interventions
        .iter()
        .any(|a| study.interventions.contains(&a.id));
    let has_oc = map.outcomes.iter().any(|a| study.outcomes.contains(&a.id));
    match (has_iv, has_oc) {
        (false, false) => Some(Reason::Neither),
        (false, true) => Some(Reason::NoIntervention),
        (true, false) => Some(Reason::NoOutcome),
        (true, true) if study.status == Status::Ongoing => Some(Reason::Ongoing),
        (true, true) => None,
    }
}

/// The list "Included but not on the grid": every study of `map` that its
/// filter keeps (completed or ongoing) and that no cell counts, with the
/// reason, in the order of [`Map::studies`].
///
/// Every study the filter keeps is either counted in at least one cell or
/// listed here, once; so a page or briefing that says "N studies (M shown
/// in the grid)" lists N − M studies here, where N counts completed and
/// ongoing studies. Pure: the map page and the briefing render this same
/// list (`report::gapmap` shows it under the grid).
///
/// ```
/// use lacuna::gapmap::{build, off_grid, Filter};
/// let p = lacuna::protocol::load("protocols/complex-emotional-needs.toml".as_ref()).unwrap();
/// let id = (p.id.clone(), p.title.clone(), p.version.clone());
/// let map = build(id, &p.frame, &p.map, Vec::new(), Vec::new(), Filter::default());
/// // no studies, nothing off the grid; for each entry a briefing would write
/// // `map.studies[o.study].id` and `o.reason.label()`
/// assert!(off_grid(&map).is_empty());
/// ```
pub fn off_grid(map: &Map) -> Vec<OffGrid> {
    map.studies
        .iter()
        .enumerate()
        .filter(|(_, s)| passes(s, &map.filter))
        .filter_map(|(study, s)| off_grid_reason(map, s).map(|reason| OffGrid { study, reason }))
        .collect()
}
