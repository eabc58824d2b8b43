//! `lacuna rob`: the risk-of-bias sheet a reviewer fills (with the review's
//! included studies listed), and its import: read and checked whole by
//! `certainty::rob`, stored append-only by `store::rob`, each judged study
//! matched to the review's studies so that a name that matches nothing is
//! said at once rather than silently ignored. And `rate_version`: the
//! GRADE certainty of every pooled result of a version (`certainty::grade`
//! over the version's frozen rows and weights and the judgements given).

use super::evidence;
use crate::certainty::{self, grade, Tool};
use crate::error::Error;
use crate::gapmap::Filter;
use crate::living::{CellCertainty, RatedStudy, Snapshot};
use crate::model::pooled::{DomainNote, Pooled, PooledCertainty, PooledRow};
use crate::model::{Measure, Z975};
use crate::protocol::Protocol;
use crate::store::rob::{StoredOverride, StoredRob};
use crate::store::Review;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What an import stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RobImport {
    /// Judgements stored.
    pub stored: usize,
    /// The tool.
    pub tool: Tool,
    /// Studies of the sheet that name a study of the review.
    pub matched: usize,
    /// Studies of the sheet that name nothing in the review (their
    /// judgements are kept, and count once a study of that name appears).
    pub unmatched: Vec<String>,
}

/// The names a judged study may go by in this review: each study's name
/// ("Hilden 2021") and id, its records' keys and PMIDs, and the labels the
/// effect sheets give them; all compared without case.
pub fn study_names(review: &Review, protocol: &Protocol) -> Result<BTreeSet<String>, Error> {
    let mut names = BTreeSet::new();
    if review.has_coding()? {
        let (map, _) = evidence::map(review, protocol, Filter::default())?;
        for s in &map.studies {
            names.insert(s.name.to_lowercase());
            names.insert(s.id.to_lowercase());
            for p in &s.papers {
                names.insert(p.key.to_lowercase());
                if let Some(pmid) = p.pmid {
                    names.insert(pmid.to_string());
                }
                if let Some(l) = &p.sheet_label {
                    names.insert(l.to_lowercase());
                }
            }
        }
    }
    for (_, e) in review.effects()? {
        names.insert(e.study.to_lowercase());
        names.insert(e.record.to_lowercase());
    }
    Ok(names)
}

/// An empty sheet of `tool`, with one row for each completed study of the
/// review (by its name) when the review is coded.
pub fn rob_template(review: &Review, protocol: &Protocol, tool: Tool) -> Result<String, Error> {
    let mut sheet = certainty::template(tool);
    if review.has_coding()? {
        let (map, _) = evidence::map(review, protocol, Filter::default())?;
        let mut studies: Vec<&str> = map
            .studies
            .iter()
            .filter(|s| s.status == crate::model::coding::Status::Completed)
            .map(|s| s.name.as_str())
            .filter(|n| !n.is_empty())
            .collect();
        studies.sort_unstable();
        studies.dedup();
        let empty = ",".repeat(tool.domains() + 3);
        for s in studies {
            let quoted = if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            };
            sheet.push_str(&format!("{quoted}{empty}\n"));
        }
    }
    Ok(sheet)
}

/// Read, check and store a sheet of `tool` as `reviewer`'s judgements:
/// nothing is stored when any row is wrong.
pub fn rob_import(
    review: &mut Review,
    protocol: &Protocol,
    tool: Tool,
    path: &Path,
    reviewer: &str,
) -> Result<RobImport, Error> {
    let name = path.display().to_string();
    if reviewer.trim().is_empty() {
        return Err(Error::NotReady(
            "give the name of who judged with --reviewer NAME".into(),
        ));
    }
    if path.is_dir() {
        return Err(Error::Sheet {
            path: name,
            message: "is a directory; give the CSV file".into(),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| Error::Sheet {
        path: name.clone(),
        message: format!("cannot read: {e}"),
    })?;
    let mut rows = certainty::read_sheet(tool, &bytes).map_err(|e| Error::Sheet {
        path: name.clone(),
        message: format!("nothing stored:\n  {}", e.problems.join("\n  ")),
    })?;
    // An outcome is one of the protocol's outcome ids (any case): a name
    // that matches none would be kept and never used.
    let outcomes: Vec<&str> = protocol
        .frame
        .categories
        .iter()
        .filter(|c| c.dimension == crate::model::coding::DimensionKind::Outcome)
        .map(|c| c.id.as_str())
        .collect();
    let mut problems = Vec::new();
    for r in &mut rows {
        if let Some(o) = r.outcome.clone() {
            match outcomes.iter().find(|id| id.eq_ignore_ascii_case(o.trim())) {
                Some(id) => r.outcome = Some((*id).to_string()),
                None => problems.push(format!(
                    "row {}, column outcome: {o:?} is not an outcome id of the protocol ({}); leave it empty for a judgement of every outcome",
                    r.row,
                    outcomes.join(", ")
                )),
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::Sheet {
            path: name,
            message: format!("nothing stored:\n  {}", problems.join("\n  ")),
        });
    }
    let known = study_names(review, protocol)?;
    let mut matched = 0;
    let mut unmatched = Vec::new();
    for r in &rows {
        let s = r.study.trim().to_lowercase();
        let bare = s.strip_prefix("pmid:").unwrap_or(&s);
        if known.contains(&s) || known.contains(bare) {
            matched += 1;
        } else {
            unmatched.push(r.study.clone());
        }
    }
    let stored = review.add_rob(tool, &rows, &name, reviewer.trim())?;
    Ok(RobImport {
        stored,
        tool,
        matched,
        unmatched,
    })
}

/// The judgements that count (the latest per study and outcome).
pub fn rob_list(review: &Review) -> Result<Vec<StoredRob>, Error> {
    Ok(review.rob_judgements()?)
}

/// The names a judgement's `Study` may match for one pooled row: the sheet's
/// label, the study's name and id, the record's key and PMID (lower case).
fn row_names(row: &PooledRow, study_name: Option<&str>) -> Vec<String> {
    let mut out = vec![
        row.label.to_lowercase(),
        row.study.to_lowercase(),
        row.study_id.to_lowercase(),
        row.record.to_lowercase(),
    ];
    if let Some(p) = row.record.strip_prefix("pmid:") {
        out.push(p.to_string());
    }
    if let Some(n) = study_name {
        out.push(n.to_lowercase());
    }
    out.retain(|n| !n.is_empty());
    out
}

/// The judgement of one pooled row for `outcome`: the latest of those that
/// name the row (by any of its names) for that outcome or for every outcome.
fn judged<'a>(
    judgements: &'a [StoredRob],
    names: &[String],
    outcome: &str,
) -> Option<&'a StoredRob> {
    judgements
        .iter()
        .filter(|j| names.contains(&j.row.study.trim().to_lowercase()))
        .filter(|j| {
            j.row
                .outcome
                .as_deref()
                .is_none_or(|o| o.eq_ignore_ascii_case(outcome))
        })
        .max_by_key(|j| j.id)
}

/// GRADE's thresholds: the protocol's `[certainty]`, else the defaults.
pub fn settings(protocol: &Protocol) -> grade::Settings {
    let c = &protocol.certainty;
    let d = grade::Settings::default();
    grade::Settings {
        rob_high_share: c.rob_high_share.unwrap_or(d.rob_high_share),
        rob_concern_share: c.rob_concern_share.unwrap_or(d.rob_concern_share),
        inconsistency_min_k: c.inconsistency_min_k.unwrap_or(d.inconsistency_min_k),
        i2_serious: c.i2_serious.unwrap_or(d.i2_serious),
        i2_very_serious: c.i2_very_serious.unwrap_or(d.i2_very_serious),
        smd_mid: c.smd_mid.unwrap_or(d.smd_mid),
        rrr: c.rrr.unwrap_or(d.rrr),
        ratio_low: c.ratio_low.unwrap_or(d.ratio_low),
        ratio_high: c.ratio_high.unwrap_or(d.ratio_high),
        publication_bias_min_k: c.publication_bias_min_k.unwrap_or(d.publication_bias_min_k),
        egger_p: c.egger_p.unwrap_or(d.egger_p),
        ..d
    }
}

/// People's judgements of the domains of one pooled result (for the whole
/// cell or for this measure), oldest first, so the latest wins.
fn overrides_of(overrides: &[StoredOverride], p: &Pooled) -> Vec<grade::Override> {
    let mut mine: Vec<&StoredOverride> = overrides
        .iter()
        .filter(|o| o.intervention == p.intervention && o.outcome == p.outcome)
        .filter(|o| {
            o.measure
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(&p.measure))
        })
        .collect();
    // oldest first: the last judgement of a domain wins, whether it was for
    // the cell or for this measure
    mine.sort_by_key(|o| o.id);
    mine.into_iter()
        .filter_map(|o| {
            Some(grade::Override {
                domain: grade::Domain::parse(&o.domain)?,
                down: o.down,
                reason: o.reason.clone(),
                reviewer: o.reviewer.clone(),
            })
        })
        .collect()
}

/// The certainty of every pooled result of a version: its rows and weights
/// as the snapshot froze them, the designs of its included studies, and
/// the risk-of-bias judgements given.
pub fn rate_version(
    snapshot: &Snapshot,
    protocol: &Protocol,
    judgements: &[StoredRob],
    overrides: &[StoredOverride],
) -> Vec<CellCertainty> {
    let settings = settings(protocol);
    let studies: BTreeMap<&str, &crate::living::IncludedStudy> = snapshot
        .included
        .iter()
        .map(|s| (s.id.as_str(), s))
        .collect();
    let mut out = Vec::new();
    for p in &snapshot.pooled {
        let Some(measure) = Measure::parse(&p.measure) else {
            continue;
        };
        // The fit's weights; snapshots taken before rows kept them: the
        // random-effects weights from the rows and τ² (the same numbers).
        let w: Vec<f64> = p
            .rows
            .iter()
            .map(|r| r.weight.unwrap_or_else(|| 1.0 / (r.vi + p.tau2)))
            .collect();
        let total: f64 = w.iter().filter(|x| x.is_finite()).sum();
        let mut rated = Vec::new();
        let cell_studies: Vec<grade::Study> = p
            .rows
            .iter()
            .zip(&w)
            .map(|(r, wi)| {
                let st = studies.get(r.study_id.as_str());
                let names = row_names(r, st.map(|s| s.name.as_str()));
                let h = Z975 * r.vi.max(0.0).sqrt();
                let judgement = judged(judgements, &names, &p.outcome);
                let weight = if total > 0.0 && wi.is_finite() {
                    wi / total
                } else {
                    0.0
                };
                rated.push(RatedStudy {
                    study: r.study.clone(),
                    weight,
                    tool: judgement.map(|j| j.tool),
                    domains: judgement.map(|j| j.row.domains.clone()).unwrap_or_default(),
                    overall: judgement.map(|j| j.row.overall),
                });
                grade::Study {
                    weight,
                    // randomised: coded `rct`, or judged with RoB 2 (the tool
                    // for randomised trials: the sheet says so)
                    randomised: st.is_some_and(|s| s.designs.contains("rct"))
                        || judgement.is_some_and(|j| j.tool == Tool::Rob2),
                    overall: judgement.map(|j| j.row.overall),
                    ci_lb: r.yi - h,
                    ci_ub: r.yi + h,
                }
            })
            .collect();
        let participants: Option<f64> = p
            .rows
            .iter()
            .map(|r| r.n)
            .collect::<Option<Vec<f64>>>()
            .map(|v| v.iter().sum());
        let egger_p = (p.rows.len() >= settings.publication_bias_min_k)
            .then(|| {
                let y: Vec<f64> = p.rows.iter().map(|r| r.yi).collect();
                let v: Vec<f64> = p.rows.iter().map(|r| r.vi).collect();
                crate::meta::bias::egger(
                    &y,
                    &v,
                    crate::meta::bias::EggerModel::Rma,
                    &crate::meta::Options::default(),
                )
                .ok()
                .map(|e| e.pval)
            })
            .flatten();
        let cell = grade::Cell {
            measure,
            k: p.k,
            participants,
            i2: p.i2,
            estimate: p.estimate,
            ci_lb: p.ci_lb,
            ci_ub: p.ci_ub,
            studies: cell_studies,
            control_risks: p.rows.iter().filter_map(|r| r.control_risk).collect(),
            egger_p,
            mid: protocol.certainty.mid.get(&p.outcome).copied(),
        };
        out.push(CellCertainty {
            intervention: p.intervention.clone(),
            outcome: p.outcome.clone(),
            measure: p.measure.clone(),
            k: p.k,
            participants,
            i2: p.i2,
            estimate: p.shown.0,
            ci_lb: p.shown.1,
            ci_ub: p.shown.2,
            // the same median the OIS starts from
            control_risk: grade::median_risk(&cell.control_risks),
            rating: grade::rate(&cell, &settings, &overrides_of(overrides, p)),
            studies: rated,
        });
    }
    out
}

pub use crate::certainty::grade::Domain;

/// What `lacuna certainty` shows: every pooled cell's rating.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CertaintyView {
    /// The version read (`None`: the review as it is now).
    pub version: Option<i64>,
    /// One rating per pooled cell and measure.
    pub cells: Vec<CellCertainty>,
    /// The framework's categories by id, as readers name them.
    #[serde(skip)]
    pub labels: BTreeMap<String, String>,
    /// What a person should know about how the ratings were made.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The certainty of every pooled cell: of snapshot `version` as it stood,
/// or of the review as it is now.
pub fn certainty(
    review: &Review,
    protocol: &Protocol,
    version: Option<i64>,
) -> Result<CertaintyView, Error> {
    let mut notes = Vec::new();
    let snap = match version {
        Some(v) => {
            let mut s = super::living::load(review, v)?;
            if s.certainty.is_empty() && !s.pooled.is_empty() {
                notes.push(format!(
                    "version {v} was taken before certainty was kept: rated now from its pooled rows and today's risk-of-bias judgements"
                ));
                s.certainty = rate_version(
                    &s,
                    protocol,
                    &review.rob_judgements()?,
                    &review.certainty_overrides()?,
                );
            }
            s
        }
        None => {
            if !review.has_coding()? {
                return Err(Error::NotReady(format!(
                    "the review is not coded yet: run `lacuna code {} --protocol FILE` first",
                    review.dir().display()
                )));
            }
            super::version::build(review, protocol, 0, None, None)?
        }
    };
    let labels = protocol
        .frame
        .categories
        .iter()
        .map(|c| {
            (
                c.id.clone(),
                crate::model::short_label(&c.label).to_string(),
            )
        })
        .collect();
    Ok(CertaintyView {
        version,
        cells: snap.certainty,
        labels,
        notes,
    })
}

/// A person's judgement of one domain of a pooled cell, as asked.
#[derive(Debug, Clone)]
pub struct SetDomain {
    /// `INTERVENTION:OUTCOME[:MEASURE]`.
    pub cell: String,
    /// The domain's name (`risk_of_bias`, `inconsistency`, `imprecision`,
    /// `publication_bias`, `indirectness`).
    pub domain: String,
    /// Levels down: 0, 1 or 2.
    pub down: u8,
    /// Why.
    pub reason: String,
    /// Who.
    pub reviewer: String,
}

/// Store a person's judgement of one domain (append-only: it supersedes an
/// earlier one of the same cell, measure and domain, and survives re-pooling
/// and updates). The cell's ids must be the protocol's; the domain one of
/// the five. Returns whether the review pools that cell (and measure) now:
/// a judgement of a cell not pooled yet is kept for when it is.
pub fn set_domain(review: &mut Review, protocol: &Protocol, s: &SetDomain) -> Result<bool, Error> {
    let parts: Vec<&str> = s.cell.split(':').map(str::trim).collect();
    let (iv, oc, measure) = match parts.as_slice() {
        [iv, oc] => (*iv, *oc, None),
        [iv, oc, m] => (*iv, *oc, Some(*m)),
        _ => {
            return Err(Error::NotReady(format!(
                "{:?}: give the cell as INTERVENTION:OUTCOME or INTERVENTION:OUTCOME:MEASURE (ids of the protocol, e.g. psych.dbt:self_harm_suicidality:RR)",
                s.cell
            )))
        }
    };
    let known = |id: &str, dim: crate::model::coding::DimensionKind| {
        protocol
            .frame
            .categories
            .iter()
            .any(|c| c.id == id && c.dimension == dim)
    };
    use crate::model::coding::DimensionKind;
    if !known(iv, DimensionKind::Intervention) {
        return Err(Error::NotReady(format!(
            "{iv:?} is not an intervention id of the protocol"
        )));
    }
    if !known(oc, DimensionKind::Outcome) {
        return Err(Error::NotReady(format!(
            "{oc:?} is not an outcome id of the protocol"
        )));
    }
    let measure = match measure {
        Some(m) => Some(
            Measure::parse(m)
                .map(|x| format!("{x:?}").to_uppercase())
                .ok_or_else(|| {
                    Error::NotReady(format!("{m:?} is not a measure (RR, OR, SMD, MD, …)"))
                })?,
        ),
        None => None,
    };
    let domain = grade::Domain::parse(&s.domain).ok_or_else(|| {
        Error::NotReady(format!(
            "{:?} is not a GRADE domain: {}",
            s.domain,
            grade::Domain::ALL
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    if s.down > 2 {
        return Err(Error::NotReady(format!(
            "--down {}: a domain takes a certainty down 0, 1 or 2 levels",
            s.down
        )));
    }
    if s.reason.trim().is_empty() {
        return Err(Error::NotReady("say why with --reason TEXT".into()));
    }
    if s.reviewer.trim().is_empty() {
        return Err(Error::NotReady(
            "give the name of who judged with --reviewer NAME".into(),
        ));
    }
    review.add_certainty_override(&StoredOverride {
        intervention: iv.to_string(),
        outcome: oc.to_string(),
        measure: measure.clone(),
        domain: domain.as_str().to_string(),
        down: s.down,
        reason: s.reason.trim().to_string(),
        reviewer: s.reviewer.trim().to_string(),
        at: String::new(),
        id: 0,
    })?;
    let now = if review.has_coding()? {
        super::version::build(review, protocol, 0, None, None)?.certainty
    } else {
        Vec::new()
    };
    Ok(now.iter().any(|c| {
        c.intervention == iv && c.outcome == oc && measure.as_deref().is_none_or(|m| c.measure == m)
    }))
}

/// The map's view of a rating.
fn map_note(c: &CellCertainty) -> PooledCertainty {
    PooledCertainty {
        rating: c.rating.rating.as_str().to_string(),
        symbols: c.rating.rating.symbols().to_string(),
        label: c.rating.rating.label().to_string(),
        domains: Domain::ALL
            .iter()
            .map(|d| {
                let x = c.rating.domains.get(*d);
                DomainNote {
                    domain: d.as_str().to_string(),
                    down: x.down,
                    reason: x.reason.clone(),
                    by: x.by.clone(),
                    rule_down: x.by.as_ref().map(|_| x.rule_down),
                    rule_reason: x.by.as_ref().and(x.rule_reason.clone()),
                }
            })
            .collect(),
    }
}

/// Whether a rating is low or very low: a gap of its own on the map.
fn is_low(c: &CellCertainty) -> bool {
    c.rating.rating <= grade::Level::Low
}

/// Put the ratings on a map: each pooled result's certainty, and the
/// `low_certainty` gap on the cells whose pooled result is rated low or
/// very low.
pub fn attach_to_map(map: &mut crate::gapmap::Map, ratings: &[CellCertainty]) {
    use crate::gapmap::Gap;
    for cell in &mut map.cells {
        let mut low = false;
        for p in &mut cell.pooled {
            if let Some(c) = ratings.iter().find(|c| {
                c.intervention == p.intervention && c.outcome == p.outcome && c.measure == p.measure
            }) {
                p.certainty = Some(map_note(c));
                low |= is_low(c);
            }
        }
        if low && !cell.gaps.contains(&Gap::LowCertainty) {
            cell.gaps.push(Gap::LowCertainty);
        }
    }
}

/// A version's ratings on its own frozen map and cell states.
pub fn attach_to_snapshot(snap: &mut Snapshot) {
    use crate::gapmap::Gap;
    let ratings = std::mem::take(&mut snap.certainty);
    if let Some(m) = snap.map.as_mut() {
        attach_to_map(m, &ratings);
    }
    for cell in &mut snap.cells {
        let low = ratings
            .iter()
            .any(|c| c.intervention == cell.intervention && c.outcome == cell.outcome && is_low(c));
        if low && !cell.gaps.contains(&Gap::LowCertainty) {
            cell.gaps.push(Gap::LowCertainty);
        }
    }
    snap.certainty = ratings;
}
