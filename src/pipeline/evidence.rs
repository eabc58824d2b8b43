//! Sequencing for the evidence stages: code the included records, attach
//! extracted effect rows, pool each cell, and build the gap map.
//!
//! Each function loads from the store, calls the pure stages (`code`,
//! `extract`, `meta`, `gapmap`) and writes back; none holds stage logic.

use crate::code::{apply_edits, Coder, Coding, Edit};
use crate::error::Error;
use crate::extract::rows::{read_effect_rows, RowError};
use crate::gapmap::{self, CodedRecord, Filter, Map, Paper};
use crate::meta::{self, Options};
use crate::model::pooled::{Pooled, PooledRow};
use crate::model::EffectRow;
use crate::progress::Reporter;
use crate::protocol::{DimensionKind, Protocol};
use crate::store::log::Brief;
use crate::store::Review;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What a coding run did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CodeSummary {
    /// Records coded.
    pub records: usize,
    /// Whether every record was coded because the review has no screening decisions yet.
    pub all_records: bool,
    /// Records with at least one intervention code.
    pub with_intervention: usize,
    /// Records per category id.
    pub per_category: BTreeMap<String, usize>,
    /// Ongoing (protocol) records.
    pub ongoing: usize,
    /// The run's id in the store.
    pub run: i64,
}

/// Code every included record (every record, when nothing has been screened)
/// with the protocol's framework and store the run. Records are read, coded
/// (in parallel) and written a batch at a time, in one transaction: memory
/// stays flat whatever the number of records, and a run stopped part-way
/// stores nothing.
pub fn code(
    review: &mut Review,
    protocol: &Protocol,
    reporter: &dyn Reporter,
) -> Result<CodeSummary, Error> {
    let included = review.included()?;
    let coder = Coder::new(&protocol.frame);
    reporter.start(
        "coding",
        Some(review.count_current_among(included.as_ref())?),
        "records",
    );
    let mut per_category = BTreeMap::new();
    let (mut records, mut with_intervention, mut ongoing) = (0, 0, 0);
    let run = review.save_coding_run(&protocol.id, protocol.hash, included.as_ref(), |batch| {
        let coded = batch
            .par_iter()
            .map(|(id, r)| {
                let c = coder.code(r);
                let json =
                    serde_json::to_string(&c).map_err(|e| crate::store::StoreError::Corrupt {
                        id: *id,
                        message: e.to_string(),
                    })?;
                Ok((c, json))
            })
            .collect::<Result<Vec<_>, crate::store::StoreError>>()?;
        let mut jsons = Vec::with_capacity(coded.len());
        for (c, json) in coded {
            for code in &c.codes {
                *per_category.entry(code.category.clone()).or_insert(0) += 1;
            }
            if c.ids(DimensionKind::Intervention).next().is_some() {
                with_intervention += 1;
            }
            if c.status == crate::code::Status::Ongoing {
                ongoing += 1;
            }
            jsons.push(json);
        }
        records += jsons.len();
        reporter.advance(jsons.len() as u64);
        Ok(jsons)
    })?;
    reporter.finish();
    Ok(CodeSummary {
        records,
        all_records: included.is_none(),
        with_intervention,
        per_category,
        ongoing,
        run,
    })
}

/// Each coded record's coding with people's edits applied, by store id.
pub fn codings(review: &Review) -> Result<BTreeMap<i64, Coding>, Error> {
    let Some((_, rows)) = review.latest_coding()? else {
        return Err(Error::NotReady(
            "the review has not been coded yet: run `lacuna code DIR --protocol FILE` first".into(),
        ));
    };
    let mut edits: BTreeMap<i64, Vec<Edit>> = BTreeMap::new();
    for e in review.code_edits()? {
        edits.entry(e.record_id).or_default().push(Edit {
            dimension: e.dimension,
            category: e.category,
            action: e.action,
            reviewer: e.reviewer,
        });
    }
    let mut out = BTreeMap::new();
    for (id, json) in rows {
        let mut c: Coding =
            serde_json::from_str(&json).map_err(|e| crate::store::StoreError::Corrupt {
                id,
                message: e.to_string(),
            })?;
        if let Some(es) = edits.get(&id) {
            apply_edits(&mut c, es);
        }
        out.insert(id, c);
    }
    // A code added by a person to a record the coder never saw still counts.
    for (id, es) in edits {
        out.entry(id).or_insert_with(|| {
            let mut c = Coding::default();
            apply_edits(&mut c, &es);
            c
        });
    }
    Ok(out)
}

/// Check a sheet of effect rows against the protocol and the review, then
/// store it in one transaction. Nothing is stored if any row is wrong.
pub fn extract_import(
    review: &mut Review,
    protocol: &Protocol,
    path: &Path,
) -> Result<usize, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::Sheet {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let ids = |d| {
        protocol
            .frame
            .of(d)
            .map(|c| c.id.clone())
            .collect::<BTreeSet<_>>()
    };
    let rows = read_effect_rows(
        &bytes,
        &ids(DimensionKind::Intervention),
        &ids(DimensionKind::Outcome),
    )
    .map_err(|errors| Error::Rows {
        path: path.display().to_string(),
        errors,
    })?;
    let mut resolved = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    for r in rows {
        match review.resolve(&r.record)? {
            Some(id) => resolved.push((id, r)),
            None => errors.push(RowError {
                row: r.row,
                column: "record".into(),
                message: format!("{:?} is not a record of this review (give a PMID, a DOI or a record key; import the paper first)", r.record),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Rows {
            path: path.display().to_string(),
            errors,
        });
    }
    review.import_effects(&path.display().to_string(), &resolved)?;
    Ok(resolved.len())
}

/// The fit options the protocol's `[synthesis]` asks for (estimator and test).
pub fn synthesis_options(protocol: &Protocol) -> Options {
    Options {
        method: protocol.synthesis.method,
        test: protocol.synthesis.test,
        ..Options::default()
    }
}

/// Effect rows with the store id of their record.
pub type Effects = Vec<(i64, EffectRow)>;

/// The effect rows that go into pooling: all of them but those of retracted
/// records, unless the protocol keeps retracted studies (`[living]
/// keep_retracted = true`). A note names each row left out.
pub fn pooling_effects(
    review: &Review,
    protocol: &Protocol,
    effects: Vec<(i64, EffectRow)>,
) -> Result<(Effects, Vec<String>), Error> {
    if protocol.living.keep_retracted {
        return Ok((effects, Vec::new()));
    }
    let retracted = review.retracted_records()?;
    if retracted.is_empty() {
        return Ok((effects, Vec::new()));
    }
    let mut notes = Vec::new();
    let kept = effects
        .into_iter()
        .filter(|(id, e)| {
            let out = retracted.contains(id);
            if out {
                notes.push(format!(
                    "{} ({} × {}): left out of pooling, its record is retracted",
                    e.study, e.intervention, e.outcome
                ));
            }
            !out
        })
        .collect();
    Ok((kept, notes))
}

/// The rows of one pooled cell (store id of the record, row), and their measure.
pub type CellRows<'a> = (crate::model::Measure, Vec<(i64, &'a EffectRow)>);

/// The effect rows grouped into cells: intervention × outcome × measure
/// (upper case), one row per study (the first one of the sheet).
pub fn cell_rows(effects: &[(i64, EffectRow)]) -> BTreeMap<(String, String, String), CellRows<'_>> {
    let mut cells: BTreeMap<(String, String, String), CellRows<'_>> = BTreeMap::new();
    for (id, e) in effects {
        let (_, v) = cells
            .entry((
                e.intervention.clone(),
                e.outcome.clone(),
                format!("{:?}", e.measure).to_uppercase(),
            ))
            .or_insert((e.measure, Vec::new()));
        if !v.iter().any(|(_, x)| x.study == e.study) {
            v.push((*id, e));
        }
    }
    cells
}

/// Who a pooled row belongs to: the map's study (id, name and year) of the
/// record the row came from.
pub struct RowOwner<'a> {
    by_key: BTreeMap<&'a str, &'a gapmap::Study>,
    briefs: &'a BTreeMap<i64, Brief>,
}

impl<'a> RowOwner<'a> {
    /// The owners of rows among the map's `studies`, found through the
    /// records' `briefs`.
    pub fn new(studies: &'a [gapmap::Study], briefs: &'a BTreeMap<i64, Brief>) -> Self {
        let by_key = studies
            .iter()
            .flat_map(|s| s.papers.iter().map(move |p| (p.key.as_str(), s)))
            .collect();
        RowOwner { by_key, briefs }
    }

    fn study(&self, id: i64) -> Option<&'a gapmap::Study> {
        let key = self.briefs.get(&id)?.key.as_str();
        self.by_key.get(key).copied()
    }

    /// The rows of one cell as a pooled result keeps them: each named as
    /// readers name its study ("Linehan 2006"; with the comparison when a
    /// study has two rows), with the study's id and year.
    pub fn rows(&self, rows: &[(i64, &EffectRow)]) -> Vec<PooledRow> {
        let reader = |id: i64, label: &str| -> String {
            self.study(id)
                .map(|s| s.name.clone())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| label.to_string())
        };
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (id, e) in rows {
            *seen.entry(reader(*id, &e.study)).or_default() += 1;
        }
        rows.iter()
            .map(|(id, e)| {
                let n = reader(*id, &e.study);
                let study =
                    if seen.get(&n).copied().unwrap_or(0) > 1 && !e.comparison.trim().is_empty() {
                        format!("{n} ({})", e.comparison.trim())
                    } else {
                        n
                    };
                let s = self.study(*id);
                PooledRow {
                    study,
                    yi: e.yi,
                    vi: e.vi,
                    year: s
                        .and_then(|s| s.year)
                        .or_else(|| self.briefs.get(id).and_then(|b| b.year)),
                    study_id: s.map_or_else(|| e.study.clone(), |s| s.id.clone()),
                    record: e.record.clone(),
                    label: e.study.clone(),
                    n: e.n,
                    control_risk: e.control_risk,
                    weight: None,
                }
            })
            .collect()
    }
}

/// Pool each intervention × outcome × measure with at least `min_k_pool`
/// studies (one row per study: the first one of the sheet), with `meta`
/// filling the whole result (weights and cumulative analysis included).
pub fn pool_cells(
    protocol: &Protocol,
    effects: &[(i64, EffectRow)],
    owner: &RowOwner<'_>,
) -> (Vec<Pooled>, Vec<String>) {
    let s = protocol.synthesis;
    let options = synthesis_options(protocol);
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for ((iv, oc, m), (measure, rows)) in cell_rows(effects) {
        if rows.len() < s.min_k_pool {
            continue;
        }
        let spec = meta::CellSpec {
            intervention: &iv,
            outcome: &oc,
            measure,
            options: &options,
            pi_min_k: s.pi_min_k,
        };
        match meta::pool_rows(spec, owner.rows(&rows)) {
            Ok(mut p) => {
                p.record_ids = rows.iter().map(|(id, _)| *id).collect();
                out.push(p);
            }
            Err(e) => notes.push(format!("{iv} × {oc} ({m}): not pooled: {e}")),
        }
    }
    (out, notes)
}

/// An extracted effect row says what the study is about: its intervention and
/// outcome are codes of the record too.
fn add_extracted(coding: &mut Coding, d: DimensionKind, id: &str, row: usize) {
    if !coding.codes.iter().any(|c| c.category == id) {
        coding.codes.push(crate::code::Code {
            dimension: d.as_str().into(),
            category: id.to_string(),
            score: 0.0,
            evidence: vec![crate::code::Evidence {
                rule: format!("extracted effect row {row}"),
                field: "extract".into(),
                span: None,
                text: String::new(),
                weight: 0.0,
            }],
        });
    }
}

/// Build the gap map from the review's codings, links and effect rows.
pub fn map(
    review: &Review,
    protocol: &Protocol,
    filter: Filter,
) -> Result<(Map, Vec<String>), Error> {
    for (what, v, d) in [
        ("population", &filter.population, DimensionKind::Population),
        ("design", &filter.design, DimensionKind::Design),
    ] {
        if let Some(id) = v {
            if !protocol.frame.of(d).any(|c| &c.id == id) {
                let ids: Vec<String> = protocol.frame.of(d).map(|c| c.id.clone()).collect();
                return Err(Error::NotReady(format!(
                    "{id:?} is not a {what} id of the protocol ({})",
                    ids.join(", ")
                )));
            }
        }
    }
    let codings = codings(review)?;
    let briefs = review.briefs()?;
    let links = review.study_links()?;
    let effects = review.effects()?;
    let mut sizes: BTreeMap<i64, f64> = BTreeMap::new();
    for (id, e) in &effects {
        if let Some(n) = e.n {
            let x = sizes.entry(*id).or_insert(n);
            *x = x.max(n);
        }
    }
    let included = review.included()?;
    let mut extracted: BTreeMap<i64, Vec<&EffectRow>> = BTreeMap::new();
    for (id, e) in &effects {
        extracted.entry(*id).or_default().push(e);
    }
    let records: Vec<CodedRecord> = codings
        .into_iter()
        .filter(|(id, _)| included.as_ref().is_none_or(|s| s.contains(id)))
        .filter_map(|(id, mut coding)| {
            let b = briefs.get(&id)?;
            for e in extracted.get(&id).into_iter().flatten() {
                add_extracted(
                    &mut coding,
                    DimensionKind::Intervention,
                    &e.intervention,
                    e.row,
                );
                add_extracted(&mut coding, DimensionKind::Outcome, &e.outcome, e.row);
            }
            Some(CodedRecord {
                id,
                paper: Paper {
                    key: b.key.clone(),
                    pmid: b.pmid,
                    doi: b.doi.clone(),
                    title: b.title.clone(),
                    year: b.year,
                    first_author: b.first_author.clone(),
                    journal: b.journal.clone(),
                    sheet_label: extracted
                        .get(&id)
                        .and_then(|rows| rows.first())
                        .map(|e| e.study.clone()),
                    retracted: b.retracted,
                },
                coding,
                link: links.get(&id).cloned(),
                n: sizes.get(&id).copied(),
            })
        })
        .collect();
    let studies = gapmap::assemble(records, &protocol.frame);
    let (pooling, mut notes) = pooling_effects(review, protocol, effects)?;
    let owner = RowOwner::new(&studies, &briefs);
    let (pooled, pool_notes) = pool_cells(protocol, &pooling, &owner);
    notes.extend(pool_notes);
    let m = gapmap::build(
        (
            protocol.id.clone(),
            protocol.title.clone(),
            protocol.version.clone(),
        ),
        &protocol.frame,
        &protocol.map,
        studies,
        pooled,
        filter,
    );
    Ok((m, notes))
}

/// The files [`draw_map`] writes, and what it found.
#[derive(Debug, Clone)]
pub struct DrawnMap {
    /// The map under the filter asked for.
    pub map: Map,
    /// Notes for a person (cells not pooled, and why).
    pub notes: Vec<String>,
    /// The interactive page (`gapmap.html`); beside it `gapmap.svg`,
    /// `gapmap-cells.csv` and `gapmap.json`.
    pub html: std::path::PathBuf,
}

/// Build the gap map and write it into `out`: the interactive page (always
/// the whole map, with its own filters), and the SVG, cells CSV and JSON
/// under `filter`. A filter id the protocol does not have is refused
/// before anything is written.
pub fn draw_map(
    review: &Review,
    protocol: &Protocol,
    filter: Filter,
    out: &Path,
) -> Result<DrawnMap, Error> {
    let filtered = filter != Filter::default();
    let (mut m, notes) = map(review, protocol, filter)?;
    // How sure: the ratings of the review as it is now, on both maps.
    let ratings = if review.has_coding()? {
        super::version::build(review, protocol, 0, None, None)?.certainty
    } else {
        Vec::new()
    };
    super::certainty::attach_to_map(&mut m, &ratings);
    let all = if filtered {
        let mut all = map(review, protocol, Filter::default())?.0;
        super::certainty::attach_to_map(&mut all, &ratings);
        all
    } else {
        m.clone()
    };
    let fail = |path: &Path, source| Error::Write {
        path: path.to_path_buf(),
        what: "the gap map",
        source,
    };
    std::fs::create_dir_all(out).map_err(|e| fail(out, e))?;
    let write = |name: &str, text: String| -> Result<std::path::PathBuf, Error> {
        let path = out.join(name);
        super::folder::write_atomic(&path, text.as_bytes()).map_err(|e| fail(&path, e))?;
        Ok(path)
    };
    let html = write("gapmap.html", crate::report::gapmap::html(&all))?;
    write("gapmap.svg", crate::report::gapmap::svg(&m))?;
    write("gapmap-cells.csv", crate::report::gapmap::csv(&m))?;
    let json = serde_json::to_string_pretty(&m).map_err(|e| fail(out, e.into()))?;
    write("gapmap.json", json)?;
    Ok(DrawnMap {
        map: m,
        notes,
        html,
    })
}

/// A person's change to the codes of one record.
#[derive(Debug, Clone, Default)]
pub struct CodeEdits {
    /// Codes to add, as `DIMENSION:CATEGORY`.
    pub add: Vec<String>,
    /// Codes to remove.
    pub remove: Vec<String>,
    /// Codes to confirm.
    pub confirm: Vec<String>,
    /// A study label linking the record to the other papers of its trial.
    pub study: Option<String>,
    /// Why (kept with each edit).
    pub note: Option<String>,
}

impl CodeEdits {
    /// No edit at all.
    pub fn is_empty(&self) -> bool {
        self.add.is_empty()
            && self.remove.is_empty()
            && self.confirm.is_empty()
            && self.study.is_none()
    }
}

/// Read `DIMENSION:CATEGORY` against the protocol's framework.
pub fn parse_code(s: &str, p: &Protocol) -> Result<(DimensionKind, String), Error> {
    let (d, c) = s.split_once(':').ok_or_else(|| {
        Error::NotReady(format!(
            "{s:?}: write DIMENSION:CATEGORY, e.g. intervention:peer"
        ))
    })?;
    let dim = DimensionKind::parse(d).ok_or_else(|| {
        Error::NotReady(format!(
            "{d:?} is not a dimension (intervention, outcome, population, design)"
        ))
    })?;
    if !p.frame.of(dim).any(|x| x.id == c) {
        let ids: Vec<&str> = p.frame.of(dim).map(|x| x.id.as_str()).collect();
        return Err(Error::NotReady(format!(
            "{c:?} is not one of the {d} ids ({})",
            ids.join(", ")
        )));
    }
    Ok((dim, c.to_string()))
}

/// The store id of a record given by key, or an error naming the key.
pub fn record_id(review: &Review, key: &str) -> Result<i64, Error> {
    review
        .resolve(key)?
        .ok_or_else(|| Error::NotReady(format!("{key:?} is not a record of this review")))
}

/// Store a person's edits to one record's codes (every code checked against
/// the framework first); they survive later coding runs.
pub fn edit_codes(
    review: &mut Review,
    protocol: &Protocol,
    key: &str,
    edits: &CodeEdits,
    reviewer: &str,
) -> Result<(), Error> {
    use crate::store::log::EditAction;
    let id = record_id(review, key)?;
    let mut todo = Vec::new();
    for (list, action) in [
        (&edits.add, EditAction::Add),
        (&edits.remove, EditAction::Remove),
        (&edits.confirm, EditAction::Confirm),
    ] {
        for s in list {
            let (d, c) = parse_code(s, protocol)?;
            todo.push((d, c, action));
        }
    }
    if edits.study.as_deref().is_some_and(|s| s.trim().is_empty()) {
        return Err(Error::NotReady(
            "--study needs a label (papers with the same label count as one study)".into(),
        ));
    }
    if reviewer.trim().is_empty() {
        return Err(Error::NotReady(
            "edits need the name of who makes them: give --reviewer NAME".into(),
        ));
    }
    // All or none: the texts the store would refuse, before any edit is stored.
    for (what, text) in [
        ("the note", edits.note.as_deref()),
        ("the study label", edits.study.as_deref()),
        ("the reviewer's name", Some(reviewer)),
    ] {
        if let Some(t) = text {
            crate::model::input::check_text(what, t).map_err(crate::store::StoreError::from)?;
        }
    }
    for (d, c, action) in todo {
        review.add_code_edit(id, d.as_str(), &c, action, reviewer, edits.note.as_deref())?;
    }
    if let Some(s) = &edits.study {
        review.link_study(id, s.trim(), reviewer)?;
    }
    Ok(())
}

/// A coded record as `lacuna code --review` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CodedBrief {
    /// The record's key.
    pub record: Option<String>,
    /// Its title.
    #[serde(skip)]
    pub title: String,
    /// Its coding with people's edits applied.
    pub coding: Coding,
}

/// The coded records (or the one given by key) with their codes, evidence
/// and the hits set aside, people's edits applied.
pub fn code_review(review: &Review, only: Option<&str>) -> Result<Vec<CodedBrief>, Error> {
    let codings = codings(review)?;
    let briefs = review.briefs()?;
    let only = match only {
        Some(k) => Some(record_id(review, k)?),
        None => None,
    };
    Ok(codings
        .into_iter()
        .filter(|(id, _)| only.is_none_or(|o| o == *id))
        .map(|(id, coding)| {
            let b = briefs.get(&id);
            CodedBrief {
                record: b.map(|b| b.key.clone()),
                title: b.map_or(String::new(), |b| b.title.clone()),
                coding,
            }
        })
        .collect())
}

/// An included study that is not on the map's grid, as `lacuna code
/// --review --unmapped` lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Unmapped {
    /// Study id.
    pub study: String,
    /// The study as readers name it.
    pub name: String,
    /// Its records' keys.
    pub records: Vec<String>,
    /// Why it is not on the grid ([`gapmap::Reason::as_str`]).
    pub reason: &'static str,
    /// The same, in plain words.
    pub reason_label: &'static str,
    /// Per missing dimension, why, with the rule that came nearest.
    pub missing: Vec<gapmap::Missing>,
    /// The map's and the briefing's words for `missing`.
    pub detail: String,
}

/// Every included study the map's grid does not count (the map's list
/// "Included but not on the grid", [`gapmap::off_grid`]), with the reason
/// and, for a dimension without a code, why and the nearest rule.
pub fn unmapped(review: &Review, protocol: &Protocol) -> Result<Vec<Unmapped>, Error> {
    let (m, _) = map(review, protocol, Filter::default())?;
    Ok(gapmap::off_grid(&m)
        .into_iter()
        .filter_map(|o| {
            let s = m.studies.get(o.study)?;
            Some(Unmapped {
                study: s.id.clone(),
                name: s.name.clone(),
                records: s.papers.iter().map(|p| p.key.clone()).collect(),
                reason: o.reason.as_str(),
                reason_label: o.reason.label(),
                missing: s.missing.clone(),
                detail: gapmap::missing_words(&m, s),
            })
        })
        .collect())
}

/// How many matching rules the protocol's coding framework compiles to.
pub fn rule_count(protocol: &Protocol) -> usize {
    Coder::new(&protocol.frame).rule_count()
}
