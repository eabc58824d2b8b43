//! The living cycle: [`update`] (new records since the last update, then
//! dedup, index, re-code, re-pool, and the screening batch they make),
//! [`snapshot`] (freeze a numbered version) and [`diff`] (what changed
//! between two versions, tested against the protocol's triggers).
//!
//! `update` is resumable: each step is logged in the store when it ends,
//! and every step is safe to run again (a harvest resumes from its pending
//! PMIDs, a file imported by this update is not imported again, dedup and
//! indexing pick up only what is left, an unchanged coding run is not
//! stored twice). A killed update, run again, ends where an uninterrupted
//! one would have.

use super::evidence;
use super::harvest::{self as harvest_step, HarvestReport, HarvestSpec};
use crate::error::Error;
use crate::gapmap::Filter;
use crate::harvest::Client;
use crate::living::{self, RecordId, RecordsDiff, Snapshot};
use crate::model::Label;
use crate::progress::Reporter;
use crate::protocol::Protocol;
use crate::screen::stop::{Rule, Verdict};
use crate::store::living::{RecordRef, UpdateFile, UpdateRow};
use crate::store::Review;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Where `update` gets its new records.
#[derive(Debug, Clone)]
pub enum Source<'a> {
    /// The protocol's PubMed searches, since the last completed harvest of
    /// each (a search never run before is run in full).
    PubMed(&'a Client),
    /// Files exported from other databases.
    Files(Vec<PathBuf>),
}

/// How to run an update.
#[derive(Debug, Clone)]
pub struct UpdateOptions {
    /// Say what would be fetched; store nothing.
    pub dry_run: bool,
    /// Days of overlap before the last harvest for new records.
    pub overlap_days: u64,
    /// Recall target of the stopping rule's view of the batch.
    pub target: f64,
    /// Confidence of that view.
    pub confidence: f64,
    /// The stopping rule of that view.
    pub rule: Rule,
    /// The database `--files` were exported from (named in the PRISMA flow).
    pub database: Option<String>,
}

impl Default for UpdateOptions {
    fn default() -> Self {
        UpdateOptions {
            dry_run: false,
            overlap_days: 1,
            target: 0.95,
            confidence: 0.95,
            rule: crate::screen::stop::DEFAULT,
            database: None,
        }
    }
}

/// What one file of an update did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileDone {
    /// The file.
    pub file: String,
    /// Records new to the review.
    pub new: u64,
    /// Records stored as a new version.
    pub changed: u64,
    /// Records already held as they are.
    pub unchanged: u64,
    /// Records marked deleted.
    pub deleted: u64,
}

/// The stopping rule's view of the records an update brought.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct BatchView {
    /// Records new in this update.
    pub new_records: usize,
    /// Of those, screened (a decision other than maybe).
    pub screened: usize,
    /// Of those, included.
    pub included: usize,
    /// Records of the batch waiting for screening (maybes included).
    pub awaiting: usize,
    /// Records of the whole review waiting for screening.
    pub awaiting_all: usize,
    /// Point estimate of recall within the batch.
    pub recall_estimate: f64,
    /// Its one-sided lower bound at the confidence asked.
    pub recall_lower: f64,
    /// Whether the stopping rule lets screening of the batch stop.
    pub can_stop: bool,
    /// Irrelevant records in a row still needed before it can (None: not
    /// reachable with what is left).
    pub to_stop: Option<usize>,
    /// The stopping rule's verdict on the batch (rule, recall estimate and
    /// bound, what is left); its one line is `stopping_line`.
    pub stopping: Option<Verdict>,
    /// That verdict in one line.
    pub stopping_line: String,
    /// The new records the model trained on every past decision ranks
    /// highest (record keys, best first; at most 5).
    pub top: Vec<String>,
}

/// What an update did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UpdateReport {
    /// `updated`, `nothing_new` or `dry_run`.
    pub outcome: String,
    /// The update's id in the store (0 for a dry run).
    pub update: i64,
    /// Whether it carried on an update that had stopped.
    pub resumed: bool,
    /// `pubmed` or `files`.
    pub mode: String,
    /// The searches run.
    pub searches: Vec<HarvestReport>,
    /// The files imported.
    pub files: Vec<FileDone>,
    /// Records new in this update.
    pub new: u64,
    /// Records revised.
    pub revised: u64,
    /// Records deleted by NLM.
    pub deleted: u64,
    /// Records merged as duplicates.
    pub duplicates_merged: u64,
    /// Records coded again (None: the review has not been coded yet).
    pub coded: Option<usize>,
    /// Cells with a pooled result.
    pub pooled_cells: usize,
    /// The screening batch.
    pub batch: BatchView,
    /// Notes for a person.
    pub notes: Vec<String>,
}

/// Steps of an update, in order; the store keeps the last one finished.
const STEPS: [&str; 5] = ["started", "fetched", "deduplicated", "indexed", "coded"];

fn step_done(u: &UpdateRow, step: &str) -> bool {
    let at = |s: &str| STEPS.iter().position(|x| *x == s);
    matches!((at(&u.step), at(step)), (Some(a), Some(b)) if a >= b)
}

/// A failpoint for the kill tests: with `LACUNA_FAILPOINT=update:STEP`, the
/// process stops dead (as a `kill -9` would stop it) right after STEP is
/// stored. Not for users; it lets the tests kill at exact points.
fn failpoint(step: &str) {
    if std::env::var("LACUNA_FAILPOINT").is_ok_and(|v| v == format!("update:{step}")) {
        std::process::abort();
    }
}

/// Run one update cycle (see the module docs).
pub fn update(
    review: &mut Review,
    protocol: &Protocol,
    source: &Source<'_>,
    opts: &UpdateOptions,
    reporter: &dyn Reporter,
) -> Result<UpdateReport, Error> {
    let mode = match source {
        Source::PubMed(_) => "pubmed",
        Source::Files(_) => "files",
    };
    let mut report = UpdateReport {
        outcome: "updated".into(),
        update: 0,
        resumed: false,
        mode: mode.into(),
        searches: Vec::new(),
        files: Vec::new(),
        new: 0,
        revised: 0,
        deleted: 0,
        duplicates_merged: 0,
        coded: None,
        pooled_cells: 0,
        batch: BatchView::default(),
        notes: Vec::new(),
    };
    if opts.dry_run {
        return dry_run(review, protocol, source, opts, reporter, report);
    }
    review.lock_for_writing()?;
    let mut u = match review.open_update()? {
        Some(u) if u.mode == mode => {
            reporter.message(&format!(
                "carrying on update {} (stopped after step {:?})",
                u.id, u.step
            ));
            report.resumed = true;
            u
        }
        Some(u) => return Err(Error::NotReady(unfinished(review, &u)?)),
        None => {
            let files = match source {
                Source::Files(files) => files.iter().map(|f| update_file(f)).collect(),
                Source::PubMed(_) => Vec::new(),
            };
            review.start_update(mode, &files, opts.database.as_deref())?
        }
    };
    report.update = u.id;

    if !step_done(&u, "fetched") {
        if let Err(e) = fetch(review, protocol, source, opts, &u, reporter, &mut report) {
            // A `--files` run that failed on its input before storing
            // anything leaves no unfinished update behind. (A PubMed run
            // stays open: the same command carries on, as after a kill.)
            if matches!(source, Source::Files(_)) {
                if let Err(d) = review.discard_update(&u) {
                    tracing::warn!("could not take back update {}: {d}", u.id);
                }
            }
            return Err(e);
        }
        review.update_step(u.id, "fetched")?;
        u.step = "fetched".into();
        failpoint("fetched");
    }
    let after = review.generation()?;
    if after == u.generation_before {
        report.outcome = "nothing_new".into();
        report.batch = batch_view(review, &u, opts, false)?;
        let summary = serde_json::to_string(&report).unwrap_or_default();
        review.finish_update(u.id, "nothing_new", &summary)?;
        return Ok(report);
    }
    if !step_done(&u, "deduplicated") {
        let d = super::dedup(review, reporter)?;
        report.duplicates_merged = d.merged;
        if d.uncertain > 0 {
            report.notes.push(format!(
                "{} possible duplicate pair(s) wait for a person: lacuna dedup {} --review",
                d.uncertain,
                review.dir().display()
            ));
        }
        review.update_step(u.id, "deduplicated")?;
        u.step = "deduplicated".into();
        failpoint("deduplicated");
    }
    if !step_done(&u, "indexed") {
        super::ensure_index(review, reporter)?;
        review.update_step(u.id, "indexed")?;
        u.step = "indexed".into();
        failpoint("indexed");
    }
    if !step_done(&u, "coded") {
        if review.has_coding()? {
            let c = evidence::code(review, protocol, reporter)?;
            report.coded = Some(c.records);
        } else {
            report.notes.push(
                "the review has not been coded yet, so nothing was re-coded (lacuna code DIR)"
                    .into(),
            );
        }
        review.update_step(u.id, "coded")?;
        u.step = "coded".into();
        failpoint("coded");
    }
    if review.has_coding()? {
        let (map, notes) = evidence::map(review, protocol, Filter::default())?;
        report.pooled_cells = map.cells.iter().filter(|c| !c.pooled.is_empty()).count();
        report.notes.extend(notes);
    }
    let counts = review.update_counts(&u)?;
    report.new = counts.0;
    report.revised = counts.1;
    report.deleted = counts.2;
    report.batch = batch_view(review, &u, opts, true)?;
    let summary = serde_json::to_string(&report).unwrap_or_default();
    review.finish_update(u.id, "updated", &summary)?;
    Ok(report)
}

/// A file given to `update`, with its absolute path.
fn update_file(f: &std::path::Path) -> UpdateFile {
    UpdateFile {
        given: f.display().to_string(),
        path: std::path::absolute(f)
            .unwrap_or_else(|_| f.to_path_buf())
            .display()
            .to_string(),
    }
}

/// A word as a shell reads it (quoted when it holds anything but plain
/// path characters), for the commands a message spells out.
fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:@%+=,".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The two ways on for an update that stopped before it finished, each
/// command spelled out: finish it (the same way it was run), or abandon it.
pub fn unfinished(review: &Review, u: &UpdateRow) -> Result<String, Error> {
    let dir = shell_word(&review.dir().display().to_string());
    let finish = if u.mode == "files" {
        let done = review.update_sources(u)?;
        let (imported, left): (Vec<&UpdateFile>, Vec<&UpdateFile>) =
            u.files.iter().partition(|f| done.contains(&f.given));
        let what = if imported.is_empty() {
            String::new()
        } else {
            format!(
                "; it imported {} (not yet: {})",
                imported
                    .iter()
                    .map(|f| f.given.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                if left.is_empty() {
                    "none".to_string()
                } else {
                    left.iter()
                        .map(|f| f.given.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            )
        };
        let files = if u.files.is_empty() {
            "FILE... (the files it was given)".to_string()
        } else {
            u.files
                .iter()
                .map(|f| shell_word(&f.path))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let db = u
            .database
            .as_deref()
            .map(|d| format!(" --database {}", shell_word(d)))
            .unwrap_or_default();
        format!(
            "update {} (from --files, begun {}) stopped before it finished, after step {:?}{what}. \
             Either finish it: `lacuna update {dir} --files {files}{db}` (what it imported already is skipped), \
             or give it up: `lacuna update {dir} --abandon` (what it stored stays in the review). \
             Then `lacuna update {dir}` runs as scheduled",
            u.id, u.started_at, u.step
        )
    } else {
        format!(
            "update {} (a PubMed search, begun {}) stopped before it finished, after step {:?}. \
             Either finish it: `lacuna update {dir}` (it carries on where it stopped), \
             or give it up: `lacuna update {dir} --abandon` (what it stored stays in the review). \
             Then run the update with --files again",
            u.id, u.started_at, u.step
        )
    };
    Ok(finish)
}

/// What `lacuna update --abandon` did to an unfinished update.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Abandoned {
    /// The update's id.
    pub update: i64,
    /// `pubmed` or `files`.
    pub mode: String,
    /// When it began.
    pub started_at: String,
    /// The last step it finished.
    pub step: String,
    /// The steps it had not run, which the next update runs over every
    /// record instead (deduplicate, index, re-code, re-pool).
    pub steps_not_run: Vec<String>,
    /// Files it imported completely (their records stay).
    pub files_imported: Vec<String>,
    /// Files it was given and had not imported (nothing of them is stored).
    pub files_not_imported: Vec<String>,
    /// PubMed searches it completed.
    pub searches_done: Vec<String>,
    /// Records stored since it began (by it, or by another command
    /// meanwhile): they stay in the review.
    pub records_kept: u64,
    /// A PubMed harvest left unfinished (its pending PMIDs stay planned; the
    /// next update, or `lacuna harvest DIR --resume`, finishes it).
    pub harvest_left: Option<String>,
}

/// Give up the unfinished update, if any (`lacuna update DIR --abandon`): it
/// is closed as `abandoned` and never resumed, so the next `update` starts a
/// new one. Nothing stored is removed (records are never removed): the files
/// and searches it completed stay, their records wait for screening first in
/// the queue, and the steps it had not run are run by the next update over
/// every record. `None` when no update is unfinished.
pub fn abandon(review: &mut Review) -> Result<Option<Abandoned>, Error> {
    review.lock_for_writing()?;
    let Some(u) = review.open_update()? else {
        return Ok(None);
    };
    let imported = review.update_sources(&u)?;
    let at = STEPS.iter().position(|x| *x == u.step).unwrap_or(0);
    let verbs = ["fetch", "deduplicate", "index", "re-code"];
    let mut steps_not_run: Vec<String> = verbs.iter().skip(at).map(|v| (*v).to_string()).collect();
    steps_not_run.push("re-pool".into());
    let a = Abandoned {
        update: u.id,
        mode: u.mode.clone(),
        started_at: u.started_at.clone(),
        step: u.step.clone(),
        steps_not_run,
        files_not_imported: u
            .files
            .iter()
            .filter(|f| !imported.contains(&f.given))
            .map(|f| f.given.clone())
            .collect(),
        files_imported: imported,
        searches_done: review.update_harvests(&u)?,
        records_kept: review.records_since(&u)?,
        harvest_left: review
            .unfinished_harvest()?
            .map(|h| format!("{} ({} of {} PMIDs stored)", h.name, h.stored, h.planned)),
    };
    let summary = serde_json::to_string(&a).unwrap_or_default();
    if !review.abandon_update(u.id, &summary)? {
        return Err(Error::NotReady(format!(
            "update {} finished while it was being abandoned",
            u.id
        )));
    }
    Ok(Some(a))
}

fn fetch(
    review: &mut Review,
    protocol: &Protocol,
    source: &Source<'_>,
    opts: &UpdateOptions,
    u: &UpdateRow,
    reporter: &dyn Reporter,
    report: &mut UpdateReport,
) -> Result<(), Error> {
    match source {
        Source::Files(files) => {
            let done = review.update_sources(u)?;
            for f in files {
                let name = f.display().to_string();
                // Imported already by this update: under the name given now,
                // or under the name it was given first (the command that
                // finishes an update spells the files as absolute paths).
                let abs = update_file(f).path;
                let first = u.files.iter().find(|x| x.path == abs);
                if done.contains(&name) || first.is_some_and(|x| done.contains(&x.given)) {
                    reporter.message(&format!("{name}: imported already by this update"));
                    continue;
                }
                // `update` prints each file's counts once, in its summary.
                let r = super::import_from(
                    review,
                    std::slice::from_ref(f),
                    opts.database.as_deref(),
                    &crate::progress::WithoutFileCounts(reporter),
                )?;
                for x in r {
                    report.files.push(FileDone {
                        file: x.path.display().to_string(),
                        new: x.stored.new,
                        changed: x.stored.changed,
                        unchanged: x.stored.unchanged,
                        deleted: x.stored.deleted,
                    });
                }
            }
        }
        Source::PubMed(client) => {
            if let Some(h) = review.unfinished_harvest()? {
                reporter.message(&format!("finishing harvest {} ({}) first", h.id, h.name));
                let spec = HarvestSpec {
                    resume: true,
                    ..HarvestSpec::default()
                };
                report
                    .searches
                    .push(harvest_step::harvest(review, client, &spec, reporter)?);
            }
            let done = review.update_harvests(u)?;
            let specs = pubmed_specs(review, protocol, opts)?;
            for spec in specs {
                if done.contains(&spec.term) {
                    continue;
                }
                report
                    .searches
                    .push(harvest_step::harvest(review, client, &spec, reporter)?);
            }
        }
    }
    Ok(())
}

/// The protocol's searches: since the last completed harvest of each, or in
/// full for one never run.
fn pubmed_specs(
    review: &Review,
    protocol: &Protocol,
    opts: &UpdateOptions,
) -> Result<Vec<HarvestSpec>, Error> {
    let base = HarvestSpec {
        overlap_days: opts.overlap_days,
        dry_run: opts.dry_run,
        ..HarvestSpec::default()
    };
    let mut specs = harvest_step::specs(review.dir(), Some(protocol), &[], None, &base)?;
    for s in &mut specs {
        s.since_last = review.last_completed_harvest(&s.term)?.is_some();
    }
    Ok(specs)
}

fn dry_run(
    review: &mut Review,
    protocol: &Protocol,
    source: &Source<'_>,
    opts: &UpdateOptions,
    reporter: &dyn Reporter,
    mut report: UpdateReport,
) -> Result<UpdateReport, Error> {
    report.outcome = "dry_run".into();
    match source {
        Source::PubMed(client) => {
            for spec in pubmed_specs(review, protocol, opts)? {
                report
                    .searches
                    .push(harvest_step::harvest(review, client, &spec, reporter)?);
            }
        }
        Source::Files(files) => {
            for f in files {
                let mut new = 0;
                let mut held = 0;
                let known = |r: &crate::model::Record| -> Result<bool, Error> {
                    Ok(match r.pmid {
                        Some(p) => review.record_by_pmid(p)?.is_some(),
                        None => false,
                    })
                };
                let mut failed = None;
                crate::parse::open::read_file(f, &mut |it| {
                    if let crate::model::Item::Record(r) = it {
                        match known(&r) {
                            Ok(true) => held += 1,
                            Ok(false) => new += 1,
                            Err(e) => {
                                failed = Some(e);
                                return false;
                            }
                        }
                    }
                    true
                })
                .map_err(Error::File)?;
                if let Some(e) = failed {
                    return Err(e);
                }
                report.files.push(FileDone {
                    file: f.display().to_string(),
                    new,
                    changed: 0,
                    unchanged: held,
                    deleted: 0,
                });
            }
        }
    }
    Ok(report)
}

/// The batch an update brought, as the stopping rule sees it: the
/// hypergeometric test (see `screen::stop`) over the batch's own records,
/// in the order they were screened.
fn batch_view(
    review: &Review,
    u: &UpdateRow,
    opts: &UpdateOptions,
    rank: bool,
) -> Result<BatchView, Error> {
    let batch = review.new_in_update(u)?;
    let mut seen = Vec::new();
    let mut decided_all = 0usize;
    for (id, l) in review.decision_sequence()? {
        if l != Label::Maybe {
            decided_all += 1;
        }
        if batch.contains(&id) {
            match l {
                Label::Include => seen.push(true),
                Label::Exclude => seen.push(false),
                Label::Maybe => {}
            }
        }
    }
    let alpha = 1.0 - opts.confidence;
    let v = opts
        .rule
        .verdict(&seen, batch.len(), opts.target, alpha, None);
    let current = review.count_current()? as usize;
    let mut view = BatchView {
        new_records: batch.len(),
        screened: seen.len(),
        included: seen.iter().filter(|x| **x).count(),
        awaiting: batch.len().saturating_sub(seen.len()),
        awaiting_all: current.saturating_sub(decided_all),
        recall_estimate: v.recall_estimate.unwrap_or(0.0),
        recall_lower: v.recall_bound.unwrap_or(0.0),
        // false with no relevant record in the batch (see `Rule::verdict`)
        can_stop: v.can_stop,
        to_stop: v.to_stop.irrelevant_in_a_row(),
        stopping: Some(v),
        stopping_line: v.to_string(),
        top: Vec::new(),
    };
    if rank && view.awaiting > 0 {
        let opts = super::session::SessionOptions {
            reviewer: "lacuna update".into(),
            protocol: None,
            target: opts.target,
            confidence: opts.confidence,
            rule: crate::screen::stop::DEFAULT,
        };
        let s = super::session::Session::open(review, &opts)?;
        view.top = s.top_new(5);
    }
    Ok(view)
}

/// What `snapshot` did.
#[derive(Debug, Clone)]
pub enum SnapshotOutcome {
    /// A new version.
    Taken(Box<Snapshot>),
    /// Nothing changed since this version: none was taken.
    Unchanged(i64),
}

pub(super) fn now_utc() -> String {
    let s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        crate::harvest::civil_date(s / 86_400).replace('/', "-"),
        (s % 86_400) / 3_600,
        (s % 3_600) / 60,
        s % 60
    )
}

/// Freeze the review as a new numbered version, unless nothing changed
/// since the last one.
pub fn snapshot(
    review: &mut Review,
    protocol: &Protocol,
    label: Option<&str>,
) -> Result<SnapshotOutcome, Error> {
    if let Some(l) = label {
        // before anything is coded or stored
        crate::model::input::check_text("the snapshot label", l)
            .map_err(crate::store::StoreError::from)?;
    }
    review.lock_for_writing()?;
    // Records screened in since the last coding run are coded first, so the
    // version holds every included study (an unchanged run is not stored).
    if review.has_coding()? {
        evidence::code(review, protocol, &crate::progress::Silent)?;
    }
    let fingerprint = format!("{}:{:016x}", review.content_fingerprint()?, protocol.hash);
    let existing = review.snapshots()?;
    if let Some(last) = existing.last() {
        // A tampered last version is said so, not compared or built upon.
        review.check_snapshot(last.id)?;
        if last.fingerprint == fingerprint {
            return Ok(SnapshotOutcome::Unchanged(last.id));
        }
    }
    let previous = match existing.last() {
        Some(l) => Some(load(review, l.id)?),
        None => None,
    };
    let version = existing.last().map_or(1, |l| l.id + 1);
    let snap = super::version::build(review, protocol, version, label, previous.as_ref())?;
    let json = serde_json::to_string(&snap).map_err(|e| Error::NotReady(e.to_string()))?;
    let id = review.add_snapshot(label, &snap.created_at, &fingerprint, &json)?;
    if id != version {
        return Err(Error::NotReady(format!(
            "snapshot stored as {id}, expected {version}: the store's snapshots are not numbered in order"
        )));
    }
    Ok(SnapshotOutcome::Taken(Box::new(snap)))
}

/// Every snapshot, oldest first: how the review, and each pooled answer,
/// moved from version to version.
pub fn history(review: &Review) -> Result<Vec<Snapshot>, Error> {
    review
        .snapshots()?
        .iter()
        .map(|s| load(review, s.id))
        .collect()
}

/// A stored snapshot.
pub fn load(review: &Review, version: i64) -> Result<Snapshot, Error> {
    let Some(json) = review.snapshot_json(version)? else {
        let have: Vec<String> = review
            .snapshots()?
            .iter()
            .map(|s| s.id.to_string())
            .collect();
        return Err(Error::NotReady(if have.is_empty() {
            format!(
                "the review has no snapshot yet: take one with `lacuna snapshot {}`",
                review.dir().display()
            )
        } else {
            format!(
                "there is no snapshot {version}; the review has {}",
                have.join(", ")
            )
        }));
    };
    let corrupt = |e: serde_json::Error| {
        Error::Store(crate::store::StoreError::Corrupt {
            id: version,
            message: format!("snapshot {version}: {e}"),
        })
    };
    let value: serde_json::Value = serde_json::from_str(&json).map_err(corrupt)?;
    match serde_json::from_value::<Snapshot>(value.clone()) {
        Ok(s) => Ok(s),
        Err(e) => {
            // The frozen map is the map module's own shape: if a later Lacuna
            // cannot read it back, the version still opens, without it (its
            // briefing then reads the map from the review, and says so).
            let mut v = value;
            match v.as_object_mut().and_then(|o| o.remove("map")) {
                Some(_) => serde_json::from_value(v).map_err(corrupt),
                None => Err(corrupt(e)),
            }
        }
    }
}

fn record_ids(refs: Vec<RecordRef>) -> Vec<RecordId> {
    refs.into_iter()
        .map(|r| match r.pmid {
            Some(p) => RecordId::Pmid(p),
            None => RecordId::Key(r.key),
        })
        .collect()
}

/// Compare two snapshots (default: the last two; `from` alone compares it
/// with the latest).
pub fn diff(
    review: &Review,
    protocol: &Protocol,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<living::Diff, Error> {
    let all = review.snapshots()?;
    let latest = all.last().map(|s| s.id);
    let (from, to) = match (from, to) {
        (Some(f), Some(t)) => (f, t),
        (Some(f), None) => (f, latest.unwrap_or(f)),
        (None, _) => {
            if all.len() < 2 {
                return Err(Error::NotReady(format!(
                    "a diff needs two snapshots and the review has {}: take one with `lacuna snapshot {}` after each update",
                    all.len(),
                    review.dir().display()
                )));
            }
            let n = all.len();
            (
                all.get(n - 2).map_or(0, |s| s.id),
                all.get(n - 1).map_or(0, |s| s.id),
            )
        }
    };
    let (a, b) = (load(review, from)?, load(review, to)?);
    let c = review.record_changes(from, to)?;
    // Records as readers name them (first author and year, from their
    // version as of `to`, so the names never change), for the lists a person
    // reads; the ids stay in the JSON.
    let mut record_names = BTreeMap::new();
    for r in c
        .revised
        .iter()
        .chain(&c.retracted)
        .chain(&c.deleted)
        .chain(&c.new)
    {
        let parts = crate::model::names::NameParts {
            first_author: r.first_author.clone(),
            journal: r.journal.clone(),
            title: r.title.clone(),
            year: r.year,
            label: None,
        };
        let id = match r.pmid {
            Some(p) => p.to_string(),
            None => r.key.clone(),
        };
        record_names.insert(id, crate::model::names::base_name(&parts));
    }
    let records = RecordsDiff {
        new: record_ids(c.new),
        revised: record_ids(c.revised),
        retracted: record_ids(c.retracted),
        deleted: record_ids(c.deleted),
    };
    // The later version's protocol, as it stood, says what is material (as
    // the briefing does: today's protocol when it no longer reads).
    let frozen = b
        .protocol_text
        .as_deref()
        .and_then(|t| crate::protocol::parse(std::path::Path::new("protocol.toml"), t).ok());
    let triggers = &frozen.as_ref().unwrap_or(protocol).living.triggers;
    let mut d = living::diff(&a, &b, records, triggers);
    for (id, n) in record_names {
        d.names.entry(id).or_insert(n);
    }
    Ok(d)
}
