//! What every screening front end shares (the terminal's `lacuna screen` and
//! `lacuna decide`; the web app next): opening a reviewer's screening
//! session (records → texts → stored decisions replayed → ranked queue),
//! the next record, recording a decision, undo; decisions given by key or in
//! a CSV; and dual-screening agreement with the open conflicts.
//!
//! The ranking and the stopping rule are `screen::queue`; decisions are
//! stored by `store::log`. A front end keeps only its keys and its drawing.

use super::ranking_cache::ranking_features;
pub use super::ranking_cache::{features_cache, CACHE_DIR};
use crate::code::text::{Norm, PatternSet};
use crate::error::Error;
use crate::model::{Label, Record};
use crate::protocol::Reason;
use crate::screen::queue::{Queue, Status};
use crate::screen::stop::Rule;
use crate::store::{Review, StoreError};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// How to open a screening session.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// Who screens (kept with each decision).
    pub reviewer: String,
    /// The protocol, if not the review's own (key terms and exclusion reasons).
    pub protocol: Option<PathBuf>,
    /// Recall target of the stopping rule.
    pub target: f64,
    /// Confidence of the stopping rule.
    pub confidence: f64,
    /// The stopping rule (`screen::stop::DEFAULT` unless chosen).
    pub rule: Rule,
}

/// Seed of a sample rule's random draw: fixed, so that every session of a
/// review, and every reviewer, sees the same sample (the draw depends on it
/// and on the number of records only).
pub const SAMPLE_SEED: u64 = 20_211_101;

/// The record a session shows next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pick {
    /// The record's place in the session ([`Session::record`]).
    pub index: usize,
    /// Its rank among the undecided records (1 = most likely relevant; 0 when
    /// shown again after an undo).
    pub rank: usize,
    /// The model's score (0 before two classes have been seen, and after an undo).
    pub score: f32,
    /// Set aside earlier as maybe, shown again because every other record
    /// has a decision.
    pub set_aside: bool,
    /// Shown again after an undo: the new decision supersedes the last.
    pub again: bool,
    /// A record of the stopping rule's random sample, shown before the
    /// ranking; `rank` is then its place in the sample.
    pub sample: bool,
}

/// One reviewer's place in a screening: the record on their screen and the
/// records they decided, newest last, which undo gives back. The terminal's
/// session and each reviewer of a team (`pipeline::team`) keep one, so
/// that undo works the same way in both. Records are named by store id,
/// which outlives a session opened anew.
#[derive(Debug, Clone, Default)]
pub struct Turn {
    shown: Option<(i64, Pick)>,
    decided: Vec<i64>,
}

impl Turn {
    /// The record on screen: its store id and how it was picked.
    pub fn shown(&self) -> Option<(i64, Pick)> {
        self.shown
    }

    /// Put a record on screen.
    pub fn show(&mut self, id: i64, pick: Pick) {
        self.shown = Some((id, pick));
    }

    /// Take the record off the screen.
    pub fn clear(&mut self) {
        self.shown = None;
    }

    /// A decision on record `id`: off the screen if it was there, and the
    /// newest to undo.
    pub fn decided(&mut self, id: i64) {
        if self.shown.is_some_and(|(s, _)| s == id) {
            self.shown = None;
        }
        self.decided.push(id);
    }

    /// Undo: the newest decided record still in the session (`index_of`
    /// finds it) comes back on screen, marked `again` (rank and score 0),
    /// so that the next decision on it supersedes the last. Its id; `None`
    /// when nothing is left to undo.
    pub fn undo(&mut self, index_of: impl Fn(i64) -> Option<usize>) -> Option<i64> {
        while let Some(id) = self.decided.pop() {
            if let Some(index) = index_of(id) {
                let pick = Pick {
                    index,
                    rank: 0,
                    score: 0.0,
                    set_aside: false,
                    again: true,
                    sample: false,
                };
                self.shown = Some((id, pick));
                return Some(id);
            }
        }
        None
    }
}

/// One reviewer's screening session over a review's current records.
#[derive(Debug)]
pub struct Session {
    ids: Vec<i64>,
    by_id: HashMap<i64, usize>,
    /// A connection of the session's own: a record's text is read when it
    /// is shown, never held for every record (200,000 records would need
    /// gigabytes).
    reader: Reader,
    /// Whether the ranking features were read from the review's cache.
    cached: bool,
    queue: Queue,
    reasons: Vec<Reason>,
    highlight: PatternSet,
    reviewer: String,
    turn: Turn,
    dual: bool,
}

/// A session's own connection to the store, for reading the records it
/// shows.
struct Reader {
    review: Review,
}

impl Reader {
    fn open(review: &Review) -> Result<Reader, StoreError> {
        Ok(Reader {
            review: Review::open(review.dir())?,
        })
    }
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Reader({})", self.review.dir().display())
    }
}

impl Session {
    /// Open a session: read the current records, replay every stored
    /// decision (the latest per record counts; maybes are set aside) and rank
    /// the rest. An error when the review has no records or the options are
    /// out of range.
    pub fn open(review: &Review, opts: &SessionOptions) -> Result<Session, Error> {
        Session::open_as(review, opts, false)
    }

    /// Open a session of blind dual screening: as [`Session::open`], but
    /// replaying only this reviewer's own decisions and the resolutions of
    /// conflicts, so that nothing another reviewer decided shows.
    pub fn open_blind(review: &Review, opts: &SessionOptions) -> Result<Session, Error> {
        Session::open_as(review, opts, true)
    }

    fn open_as(review: &Review, opts: &SessionOptions, blind: bool) -> Result<Session, Error> {
        let in_unit = |x: f64| x > 0.0 && x < 1.0;
        if !(in_unit(opts.target) && in_unit(opts.confidence)) {
            return Err(Error::NotReady(
                "the recall target and the confidence must be between 0 and 1".into(),
            ));
        }
        if opts.reviewer.trim().is_empty() {
            return Err(Error::NotReady(
                "give the reviewer's name with --reviewer NAME (it is kept with each decision)"
                    .into(),
            ));
        }
        let protocol = super::find_protocol(review.dir(), opts.protocol.as_deref())?;
        let protocol_dual = protocol.as_ref().is_some_and(|p| p.dual);
        let terms: Vec<String> = protocol
            .iter()
            .flat_map(|p| p.frame.categories.iter().flat_map(|c| c.tiab.clone()))
            .collect();
        let (ids, features, cached) = ranking_features(review)?;
        if ids.is_empty() {
            return Err(Error::NotReady(format!(
                "{} has no records: import some first (lacuna import)",
                review.dir().display()
            )));
        }
        let index_of: HashMap<i64, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut skip = Vec::new();
        let mut prior = Vec::new();
        let replay = if blind {
            review.blind_sequence(&opts.reviewer)?
        } else {
            review.decision_sequence()?
        };
        for (id, l) in replay {
            if let Some(&i) = index_of.get(&id) {
                match l {
                    Label::Include => prior.push((i, true)),
                    Label::Exclude => prior.push((i, false)),
                    Label::Maybe => skip.push(i),
                }
            }
        }
        let mut queue = Queue::with_features(features, &prior, opts.target, 1.0 - opts.confidence);
        for i in skip {
            queue.skip(i);
        }
        queue.set_rule(opts.rule, SAMPLE_SEED);
        // A living review's newest records come first: those its updates
        // brought since the latest snapshot.
        let new: Vec<usize> = review
            .new_since_snapshot()?
            .iter()
            .filter_map(|id| index_of.get(id).copied())
            .collect();
        queue.put_first(&new);
        Ok(Session {
            ids,
            by_id: index_of,
            reader: Reader::open(review)?,
            cached,
            queue,
            reasons: protocol.map(|p| p.exclusion_reasons).unwrap_or_default(),
            highlight: PatternSet::new(&terms),
            reviewer: opts.reviewer.clone(),
            turn: Turn::default(),
            dual: protocol_dual,
        })
    }

    /// Where screening stands: screened, included, maybes, the recall
    /// estimate and the stopping rule's verdict.
    pub fn status(&self) -> Status {
        self.queue.status()
    }

    /// The record to show next: the one on screen until it is decided (the
    /// one undone, after an undo), else the queue's next; `None` when every
    /// record has a decision or waits as a maybe for the next session.
    pub fn next_record(&mut self) -> Option<Pick> {
        if let Some((id, p)) = self.turn.shown() {
            if self.by_id.get(&id) == Some(&p.index) && (p.again || !self.is_decided(p.index)) {
                return Some(p);
            }
        }
        let p = self.next_except(&|_| false)?;
        if let Some(id) = self.id_of(p.index) {
            self.turn.show(id, p);
        }
        Some(p)
    }

    /// The keys of up to `n` records new in the latest update and not yet
    /// decided, most likely relevant first.
    pub fn top_new(&self, n: usize) -> Vec<String> {
        self.queue
            .top_first(n)
            .into_iter()
            .filter_map(|i| self.key_of(i))
            .collect()
    }

    /// The session index of the record with this key (record key, PMID or
    /// DOI), found by the store.
    pub fn index_of_key(&self, key: &str) -> Option<usize> {
        let id = self.reader.review.resolve(key).ok().flatten()?;
        self.index_of_id(id)
    }

    /// The record at a session index, as the store holds it now (read when
    /// asked: the session keeps no record's text).
    pub fn record(&self, index: usize) -> Option<Record> {
        let id = self.id_of(index)?;
        self.reader.review.current_record(id).ok().flatten()
    }

    /// The key (`pmid:N`, `src:ID`, `doi:DOI`) of the record at a session index.
    pub fn key_of(&self, index: usize) -> Option<String> {
        let id = self.id_of(index)?;
        self.reader.review.key_of(id).ok().flatten()
    }

    /// The protocol's exclusion reasons (empty without a protocol).
    pub fn exclusion_reasons(&self) -> &[Reason] {
        &self.reasons
    }

    /// Byte ranges of `text` where the protocol's key terms occur, in order,
    /// not overlapping.
    pub fn highlights(&self, text: &str) -> Vec<Range<usize>> {
        let n = Norm::new(text);
        let mut out = Vec::new();
        let mut at = 0;
        for h in self.highlight.find(&n) {
            let (a, b) = n.original(h.start, h.end);
            if a < at {
                continue;
            }
            out.push(a..b);
            at = b;
        }
        out
    }

    /// Store a decision on the picked record (durable when this returns) and
    /// retrain the ranking. A maybe sets the record aside. A reason must be
    /// one of the protocol's exclusion reasons.
    pub fn decide(
        &mut self,
        review: &mut Review,
        pick: &Pick,
        label: Label,
        reason: Option<&str>,
    ) -> Result<(), Error> {
        if let Some(r) = reason {
            check_reason(&self.reasons, r)?;
        }
        let id =
            self.ids.get(pick.index).copied().ok_or_else(|| {
                Error::NotReady(format!("no record {} in this session", pick.index))
            })?;
        review.add_ranked_decision(
            id,
            label,
            reason,
            None,
            &self.reviewer,
            pick.rank,
            pick.score,
        )?;
        self.apply(&[(pick.index, label)]);
        self.turn.decided(id);
        Ok(())
    }

    /// Whether the review's protocol asks for blind dual screening
    /// (`[screening] dual = true`).
    pub fn dual(&self) -> bool {
        self.dual
    }

    /// Whether the ranking features were read from the review's cache (made
    /// by an earlier session from the records as they are) rather than
    /// built from the records.
    pub fn features_from_cache(&self) -> bool {
        self.cached
    }

    /// The number of records in the session.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the session has no records (never: opening needs one).
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The store id of the record at a session index.
    pub fn id_of(&self, index: usize) -> Option<i64> {
        self.ids.get(index).copied()
    }

    /// The session index of the record with this store id.
    pub fn index_of_id(&self, id: i64) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    /// Whether the record at `index` has an include or exclude label here.
    pub fn is_decided(&self, index: usize) -> bool {
        self.queue.is_decided(index)
    }

    /// Take in decisions already stored (by this or another front end, in
    /// order) and retrain once: includes and excludes label their records,
    /// a maybe sets its record aside.
    pub fn apply(&mut self, decisions: &[(usize, Label)]) {
        let mut run: Vec<(usize, bool)> = Vec::new();
        for (i, l) in decisions {
            match l {
                Label::Include => run.push((*i, true)),
                Label::Exclude => run.push((*i, false)),
                Label::Maybe => {
                    self.queue.decide_many(&run);
                    run.clear();
                    self.queue.skip(*i);
                }
            }
        }
        self.queue.decide_many(&run);
    }

    /// The record to show next passing over those `except` names (records
    /// other reviewers have on their screens); no undo is involved.
    pub fn next_except(&self, except: &dyn Fn(usize) -> bool) -> Option<Pick> {
        self.queue.next_except(except).map(|n| Pick {
            index: n.index,
            rank: n.rank,
            score: n.score,
            set_aside: n.set_aside,
            again: false,
            sample: n.sample,
        })
    }

    /// Show the last decided record again (and the one before at a second
    /// undo), so that a new decision supersedes it; false when nothing
    /// decided in this session is left to undo.
    pub fn undo(&mut self) -> bool {
        let by_id = &self.by_id;
        self.turn.undo(|id| by_id.get(&id).copied()).is_some()
    }
}

/// The reason check of every front end: an exclusion reason must be one of
/// the protocol's. The error names them (or says the protocol has none).
pub fn check_reason(reasons: &[Reason], r: &str) -> Result<(), Error> {
    if reasons.iter().any(|x| x.id == r) {
        return Ok(());
    }
    let ids: Vec<&str> = reasons.iter().map(|x| x.id.as_str()).collect();
    Err(Error::NotReady(if ids.is_empty() {
        format!("{r:?}: the review's protocol lists no exclusion reasons")
    } else {
        format!(
            "{r:?} is not an exclusion reason of the protocol ({})",
            ids.join(", ")
        )
    }))
}

/// A decision given by record key (PMID, DOI or record key).
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionInput {
    /// The record's key.
    pub key: String,
    /// The label.
    pub label: Label,
    /// Exclusion reason id.
    pub reason: Option<String>,
    /// Who decided, when the sheet says (else the command's reviewer).
    pub reviewer: Option<String>,
    /// The reviewer's note.
    pub note: Option<String>,
    /// The stage, when the sheet says (else the command's stage).
    pub stage: Option<String>,
}

impl DecisionInput {
    /// A decision by key with a label and nothing else.
    pub fn new(key: impl Into<String>, label: Label) -> Self {
        DecisionInput {
            key: key.into(),
            label,
            reason: None,
            reviewer: None,
            note: None,
            stage: None,
        }
    }
}

pub use super::decision_sheet::parse_decisions;

/// Read decisions from a CSV by its header names (see
/// [`super::decision_sheet`]: `record`/`key`/`pmid`/`doi`, `label`/`decision`,
/// `reason`, `reviewer`, `note`, `stage`, or ASReview's export). Errors name
/// the file, row and column.
pub fn read_decisions(path: &Path) -> Result<Vec<DecisionInput>, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::Sheet {
        path: path.display().to_string(),
        message: format!("cannot read: {e}"),
    })?;
    parse_decisions(&bytes, path)
}

/// Store decisions given by key, all or none checked first: every reason
/// must be one of the review protocol's (when it has one) and every key a
/// record of the review. `stage` is `title_abstract`, `full_text` or
/// `resolution` (a dual-screening conflict resolved). The number stored.
pub fn record_decisions(
    review: &mut Review,
    todo: &[DecisionInput],
    reviewer: &str,
    stage: &str,
) -> Result<usize, Error> {
    // A row's own reviewer and stage (from a sheet) come before the command's.
    for d in todo {
        let who = d.reviewer.as_deref().unwrap_or(reviewer);
        if who.trim().is_empty() {
            let stage = d.stage.as_deref().unwrap_or(stage);
            return Err(Error::NotReady(if stage == RESOLUTION {
                "a resolution needs the name of who resolved the conflict: give --reviewer NAME"
                    .into()
            } else {
                "give the reviewer's name with --reviewer NAME (it is kept with each decision)"
                    .into()
            }));
        }
    }
    // All or none: what the store would refuse is refused before any is stored.
    crate::model::input::check_text("the reviewer's name", reviewer).map_err(StoreError::from)?;
    for d in todo {
        crate::model::input::check_reason_label(d.label, d.reason.as_deref())
            .map_err(|e| StoreError::from(e.of_record(&d.key)))?;
    }
    // A review protocol that cannot be read leaves the reasons unchecked, as
    // decisions are recorded before there is a protocol too.
    if let Ok(Some(p)) = super::find_protocol(review.dir(), None) {
        for d in todo {
            if let Some(r) = &d.reason {
                check_reason(&p.exclusion_reasons, r)?;
            }
        }
    }
    let mut ids = Vec::with_capacity(todo.len());
    for d in todo {
        let id = review.resolve(&d.key)?.ok_or_else(|| {
            Error::NotReady(format!("{:?} is not a record of this review", d.key))
        })?;
        if stage == RESOLUTION && !open_conflict(review, id)? {
            return Err(Error::NotReady(no_conflict(&d.key)));
        }
        ids.push((id, d));
    }
    for (id, d) in &ids {
        review.add_noted_decision(
            *id,
            d.stage.as_deref().unwrap_or(stage),
            d.label,
            d.reason.as_deref(),
            d.note.as_deref(),
            d.reviewer.as_deref().unwrap_or(reviewer),
        )?;
    }
    Ok(ids.len())
}

/// The stage of a decision that resolves a dual-screening conflict.
pub const RESOLUTION: &str = "resolution";

/// The stage of a screening decision on title and abstract.
pub const TITLE_ABSTRACT: &str = "title_abstract";

/// Whether reviewers' latest labels on one record (as
/// `Review::reviewer_labels` gives them) make an open conflict: two or more
/// reviewers, labels that differ, and a label given since the last
/// resolution.
fn is_open_conflict(votes: &[(i64, String, Label, bool)]) -> bool {
    let first = votes.first().map(|v| v.2);
    votes.len() >= 2 && votes.iter().any(|v| Some(v.2) != first) && !votes.iter().all(|v| v.3)
}

/// The resolution rule, for every front end: a resolution is only for an
/// open conflict on the record (see [`agreement`]). Without one, a
/// resolution would let one reviewer decide a record alone in blind dual
/// screening.
pub fn open_conflict(review: &Review, record_id: i64) -> Result<bool, Error> {
    Ok(is_open_conflict(&review.reviewer_labels_of(record_id)?))
}

/// What to say when a resolution is given for a record without an open conflict.
pub fn no_conflict(key: &str) -> String {
    format!(
        "{key:?} has no open conflict to resolve (no two reviewers labelled it differently since \
         the last resolution): decide it as a reviewer instead; the open conflicts are listed by \
         `lacuna decide DIR --agreement`"
    )
}

/// Two reviewers' agreement over the records both screened.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PairAgreement {
    /// One reviewer.
    pub a: String,
    /// The other.
    pub b: String,
    /// Records both screened.
    pub both: usize,
    /// Of those, with the same label.
    pub agreed: usize,
    /// Cohen's κ (None when no record was screened by both, or κ is undefined).
    pub kappa: Option<f64>,
}

/// A reviewer's latest label on a record.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Vote {
    /// Who.
    pub reviewer: String,
    /// Their label.
    pub label: Label,
}

/// A record the reviewers labelled differently, not yet resolved.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Conflict {
    /// The record's store id.
    pub record: i64,
    /// Its key (as `lacuna decide` takes it).
    pub key: String,
    /// Its title.
    pub title: String,
    /// Each reviewer's label.
    pub votes: Vec<Vote>,
}

/// Dual screening: reviewers, κ per pair, open conflicts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Agreement {
    /// Everyone who has screened, sorted.
    pub reviewers: Vec<String>,
    /// Each pair of reviewers (empty with fewer than two).
    pub pairs: Vec<PairAgreement>,
    /// Records labelled differently and not resolved since.
    pub conflicts: Vec<Conflict>,
}

/// Agreement between the review's reviewers and the conflicts left to resolve.
pub fn agreement(review: &Review) -> Result<Agreement, Error> {
    let labels = review.reviewer_labels()?;
    let briefs = review.briefs()?;
    let mut by_record: BTreeMap<i64, Vec<(i64, String, Label, bool)>> = BTreeMap::new();
    for v in labels {
        by_record.entry(v.0).or_default().push(v);
    }
    let mut reviewers: Vec<String> = by_record.values().flatten().map(|x| x.1.clone()).collect();
    reviewers.sort();
    reviewers.dedup();
    let mut pairs = Vec::new();
    for (i, a) in reviewers.iter().enumerate() {
        for b in reviewers.iter().skip(i + 1) {
            let both: Vec<(Label, Label)> = by_record
                .values()
                .filter_map(|v| {
                    let x = v.iter().find(|r| &r.1 == a)?;
                    let y = v.iter().find(|r| &r.1 == b)?;
                    Some((x.2, y.2))
                })
                .collect();
            pairs.push(PairAgreement {
                a: a.clone(),
                b: b.clone(),
                both: both.len(),
                agreed: both.iter().filter(|(x, y)| x == y).count(),
                kappa: crate::screen::agreement::kappa(&both),
            });
        }
    }
    let conflicts = by_record
        .iter()
        .filter(|(_, v)| is_open_conflict(v))
        .map(|(id, v)| {
            let b = briefs.get(id);
            Conflict {
                record: *id,
                key: b.map_or("?".into(), |b| b.key.clone()),
                title: b.map_or(String::new(), |b| b.title.clone()),
                votes: v
                    .iter()
                    .map(|x| Vote {
                        reviewer: x.1.clone(),
                        label: x.2,
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(Agreement {
        reviewers,
        pairs,
        conflicts,
    })
}
