//! A team's screening session, which `lacuna serve` drives as `lacuna
//! screen` drives one [`Session`]: who has which record on screen, the
//! decisions stored but not yet in the ranking, each reviewer's undo, the
//! reason check, the stopping verdict, the resolution rule, and logins. A
//! front end reads a request, calls one method here and writes the answer.
//!
//! Two modes: by default one shared [`Session`] for the team, each reviewer
//! handed a different record; with `[screening] dual = true` one blind
//! session per reviewer, each record handed to two reviewers.
//!
//! **It follows the store.** Other processes write to the review while a
//! server runs: `lacuna update` brings records, `lacuna decide` decisions,
//! `lacuna dedup` merges. Each call first asks the store whether another
//! connection committed (SQLite's `PRAGMA data_version`, no table read)
//! and, only then, whether its generation moved; if it did, the sessions
//! are opened anew (the new records first, as in `lacuna screen`: one
//! retrain each). Decisions reach the ranking from the store's log, in
//! order, whoever made them, at the next `next` or `status`.
//!
//! Locks: the store (one SQLite connection), held for one query or one
//! committed write; the desk (screens, pending decisions, undo), held for
//! microseconds; the ranking (the sessions), held by a retrain; and the
//! catalog (the sessions' store ids), swapped when the records change.
//! Order: ranking, then desk, then store; a decision holds the desk across
//! its write, so that it is pending from the moment it is stored. A
//! decision waits only for its commit, never for a retrain (unless the
//! store's records moved: then for the sessions opened anew). Keys and
//! texts are read from the store when a record is shown or named.

mod reads;

pub use reads::{
    Caller, ConflictView, Credentials, Login, ReviewerCounts, TeamAgreement, TeamHit, TeamSearch,
};

use super::session::{self, Pick, Session, SessionOptions, Turn};
use crate::error::Error;
use crate::model::{Label, Record};
use crate::protocol::Reason;
use crate::screen::queue::Status;
use crate::screen::stop::Rule;
use crate::store::{Review, StoreError};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// Longest note kept with a decision, in bytes.
pub const MAX_NOTE: usize = 10_000;

/// How to open a team session.
#[derive(Debug, Clone)]
pub struct TeamOptions {
    /// The review folder.
    pub dir: PathBuf,
    /// Recall target of the stopping rule.
    pub target: f64,
    /// Its confidence.
    pub confidence: f64,
    /// The stopping rule.
    pub rule: Rule,
}

/// Why a team call was refused; each kind is an HTTP status to the web.
#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    /// No valid credentials (401).
    #[error("{0}")]
    Unauthorised(String),
    /// A write with the login cookie but without its CSRF token (403).
    #[error("{0}")]
    Forbidden(String),
    /// No such record in the review (404).
    #[error("{0}")]
    NotFound(String),
    /// A request the team does not take: a label, a reason, a note (400).
    #[error("{0}")]
    Invalid(String),
    /// The record's state does not allow it: a resolution without an open
    /// conflict (409).
    #[error("{0}")]
    Conflict(String),
    /// The library failed: the store (500), or a step not ready (400).
    #[error(transparent)]
    Failed(Error),
    /// The server's own state is broken (500).
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for TeamError {
    fn from(e: StoreError) -> Self {
        TeamError::from(Error::Store(e))
    }
}

impl From<Error> for TeamError {
    fn from(e: Error) -> Self {
        match e {
            // what the reviewer sent (a control character in a note, a
            // reason on an inclusion): theirs to mend (400, not 500)
            Error::Store(StoreError::Input(m)) => TeamError::Invalid(m.to_string()),
            e => TeamError::Failed(e),
        }
    }
}

/// A decision (or a resolution) as a front end received it.
#[derive(Debug, Clone, Default)]
pub struct DecisionRequest {
    /// The record: its key, PMID or DOI.
    pub record: String,
    /// `include`, `exclude` or `maybe`.
    pub label: String,
    /// An exclusion reason of the protocol (blank: none).
    pub reason: Option<String>,
    /// The reviewer's note (blank: none; at most [`MAX_NOTE`] bytes).
    pub note: Option<String>,
}

/// A decision stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    /// The record's key.
    pub key: String,
    /// The label stored.
    pub label: Label,
}

/// The record a reviewer has on screen.
#[derive(Debug, Clone)]
pub struct Shown {
    /// The record's key (what a decision names).
    pub key: String,
    /// The record.
    pub record: Record,
    /// Byte ranges of the protocol's key terms in the title.
    pub title_terms: Vec<Range<usize>>,
    /// The same in the abstract.
    pub abstract_terms: Vec<Range<usize>>,
    /// How it was picked (rank, score, sample, again, set aside).
    pub pick: Pick,
}

/// Where screening stands for one reviewer.
#[derive(Debug, Clone)]
pub struct TeamStatus {
    /// The session's status and the stopping rule's verdict (the team's,
    /// or in dual mode the reviewer's own queue).
    pub status: Status,
    /// Records this reviewer has screened (title and abstract).
    pub screened_by_me: usize,
    /// Whether the protocol asks for blind dual screening.
    pub dual: bool,
    /// The protocol's exclusion reasons.
    pub reasons: Vec<Reason>,
}

/// The records, as the sessions hold them: their store ids (keys and
/// texts are read from the store when asked, never held for every record).
#[derive(Default)]
struct Catalog {
    /// The store's generation they were read at.
    generation: u64,
    by_id: HashMap<i64, usize>,
}

impl Catalog {
    fn of(s: &Session, generation: u64) -> Catalog {
        Catalog {
            generation,
            by_id: (0..s.len())
                .filter_map(|i| Some((s.id_of(i)?, i)))
                .collect(),
        }
    }
}

/// The store's connection, and what it last said of other processes' writes.
struct Store {
    review: Review,
    data_version: i64,
    generation: u64,
}

impl Store {
    /// The store's generation, read again only when another connection has
    /// committed since the last look.
    fn generation(&mut self) -> Result<u64, StoreError> {
        let v = self.review.data_version()?;
        if v != self.data_version {
            self.data_version = v;
            self.generation = self.review.generation()?;
        }
        Ok(self.generation)
    }
}

/// A decision stored but perhaps not yet in the ranking.
struct Pending {
    decision: i64,
    who: String,
    record: i64,
}

/// What each reviewer has on screen and can undo, the decisions stored but
/// not yet in the ranking, and who screened which record (by store id).
#[derive(Default)]
struct Desk {
    turns: HashMap<String, Turn>,
    pending: Vec<Pending>,
    screened_by: HashMap<i64, BTreeSet<String>>,
}

/// A session and the last decision of the log it has taken in.
struct Seat {
    session: Session,
    seen: i64,
}

/// The ranked sessions: one for the team, or one per reviewer when blind.
#[derive(Default)]
struct Ranking {
    generation: u64,
    shared: Option<Seat>,
    blind: HashMap<String, Seat>,
}

impl Ranking {
    fn session(&self, name: &str) -> Result<&Session, TeamError> {
        self.shared
            .as_ref()
            .or_else(|| self.blind.get(name))
            .map(|s| &s.session)
            .ok_or_else(|| TeamError::Internal(format!("no session for {name:?}")))
    }

    fn seats(&mut self) -> impl Iterator<Item = (Option<&String>, &mut Seat)> {
        self.shared
            .iter_mut()
            .map(|s| (None, s))
            .chain(self.blind.iter_mut().map(|(n, s)| (Some(n), s)))
    }
}

/// The team's screening session over one review.
pub struct Team {
    opts: TeamOptions,
    dual: bool,
    reasons: Vec<Reason>,
    store: Mutex<Store>,
    catalog: RwLock<Arc<Catalog>>,
    desk: Mutex<Desk>,
    ranking: Mutex<Ranking>,
}

fn lock<T>(m: &Mutex<T>) -> Result<MutexGuard<'_, T>, TeamError> {
    m.lock()
        .map_err(|_| TeamError::Internal("the team's state is poisoned".into()))
}

impl Team {
    /// Open the review and rank its records: one team session, or with
    /// `[screening] dual = true` one blind session per reviewer.
    pub fn open(opts: TeamOptions) -> Result<Team, Error> {
        let review = Review::open(&opts.dir)?;
        let protocol = super::find_protocol(&opts.dir, None)?;
        let team = Team {
            dual: protocol.as_ref().is_some_and(|p| p.dual),
            reasons: protocol.map(|p| p.exclusion_reasons).unwrap_or_default(),
            opts,
            store: Mutex::new(Store {
                review,
                data_version: 0,
                generation: 0,
            }),
            catalog: RwLock::new(Arc::new(Catalog::default())),
            desk: Mutex::new(Desk::default()),
            ranking: Mutex::new(Ranking::default()),
        };
        {
            let mut ranking = lock(&team.ranking).map_err(|e| Error::NotReady(e.to_string()))?;
            team.reload(&mut ranking).map_err(|e| match e {
                TeamError::Failed(e) => e,
                other => Error::NotReady(other.to_string()),
            })?;
        }
        Ok(team)
    }

    /// Whether the protocol asks for blind dual screening.
    pub fn dual(&self) -> bool {
        self.dual
    }

    fn options(&self, reviewer: &str) -> SessionOptions {
        SessionOptions {
            reviewer: reviewer.to_string(),
            protocol: None,
            target: self.opts.target,
            confidence: self.opts.confidence,
            rule: self.opts.rule,
        }
    }

    fn catalog(&self) -> Result<Arc<Catalog>, TeamError> {
        self.catalog
            .read()
            .map(|c| c.clone())
            .map_err(|_| TeamError::Internal("the team's state is poisoned".into()))
    }

    /// The store id and key of a record of the sessions named by key, PMID
    /// or DOI.
    fn find(&self, key: &str) -> Result<(i64, String), TeamError> {
        let not_found = || TeamError::NotFound(format!("no record {key:?} in this review"));
        let store = lock(&self.store)?;
        let id = store.review.resolve(key)?.ok_or_else(not_found)?;
        if !self.catalog()?.by_id.contains_key(&id) {
            return Err(not_found());
        }
        let key = store.review.key_of(id)?.ok_or_else(not_found)?;
        Ok((id, key))
    }

    /// Follow the store: when another process has moved its generation (an
    /// import, an update, a dedup), open the sessions anew.
    fn follow(&self) -> Result<(), TeamError> {
        let now = lock(&self.store)?.generation()?;
        if now == self.catalog()?.generation {
            return Ok(());
        }
        let mut ranking = lock(&self.ranking)?;
        if ranking.generation != now {
            self.reload(&mut ranking)?;
        }
        Ok(())
    }

    /// Open every session anew over the store as it is (one consistent
    /// read), and the catalog with them. Screens and undo stacks are kept
    /// (they name records by store id); decisions the new sessions read are
    /// no longer pending.
    fn reload(&self, ranking: &mut Ranking) -> Result<(), TeamError> {
        let mut names: BTreeSet<String> = ranking.blind.keys().cloned().collect();
        {
            // what other connections commit from here on is a move to follow
            let mut store = lock(&self.store)?;
            store.data_version = store.review.data_version()?;
            if self.dual {
                names.extend(store.review.reviewers()?.into_iter().map(|r| r.name));
            }
        }
        // A connection of its own: decisions, searches and logins go on
        // while the sessions open.
        let review = Review::open(&self.opts.dir)?;
        let (generation, seen, seats, screened_by) =
            review.consistent(|r| -> Result<_, Error> {
                let mut seats = Vec::new();
                if self.dual {
                    for n in &names {
                        seats.push((Some(n.clone()), Session::open_blind(r, &self.options(n))?));
                    }
                } else {
                    seats.push((None, Session::open(r, &self.options("team"))?));
                }
                Ok((
                    r.generation()?,
                    r.last_decision_id()?,
                    seats,
                    r.screened_by()?,
                ))
            })?;
        lock(&self.store)?.generation = generation;
        let mut fresh = Ranking {
            generation,
            ..Ranking::default()
        };
        for (name, session) in seats {
            let seat = Seat { session, seen };
            match name {
                Some(n) => {
                    fresh.blind.insert(n, seat);
                }
                None => fresh.shared = Some(seat),
            }
        }
        let catalog = fresh
            .shared
            .as_ref()
            .or_else(|| fresh.blind.values().next())
            .map(|s| Catalog::of(&s.session, generation))
            .unwrap_or_else(|| Catalog {
                generation,
                ..Catalog::default()
            });
        *ranking = fresh;
        *self
            .catalog
            .write()
            .map_err(|_| TeamError::Internal("the team's state is poisoned".into()))? =
            Arc::new(catalog);
        let mut desk = lock(&self.desk)?;
        desk.pending.retain(|p| p.decision > seen);
        desk.screened_by = screened_by.into_iter().collect();
        let late: Vec<(i64, String)> = desk
            .pending
            .iter()
            .map(|p| (p.record, p.who.clone()))
            .collect();
        for (record, who) in late {
            desk.screened_by.entry(record).or_default().insert(who);
        }
        Ok(())
    }

    /// A reviewer's blind session, opened on first use (a reviewer added
    /// while the server runs).
    fn seat(&self, ranking: &mut Ranking, name: &str) -> Result<(), TeamError> {
        if self.dual && !ranking.blind.contains_key(name) {
            let review = Review::open(&self.opts.dir)?;
            let (session, seen) = review.consistent(|r| -> Result<_, Error> {
                Ok((
                    Session::open_blind(r, &self.options(name))?,
                    r.last_decision_id()?,
                ))
            })?;
            ranking
                .blind
                .insert(name.to_string(), Seat { session, seen });
        }
        Ok(())
    }

    /// Take every decision the log holds since each session last looked
    /// into it, in order, whoever made it: one retrain per session. A blind
    /// session takes its reviewer's own decisions and the resolutions.
    fn flush(&self, ranking: &mut Ranking) -> Result<(), TeamError> {
        let Some(from) = ranking.seats().map(|(_, s)| s.seen).min() else {
            return Ok(());
        };
        let log = lock(&self.store)?.review.decisions_since(from)?;
        let Some(last) = log.last().map(|d| d.id) else {
            return Ok(());
        };
        for (name, seat) in ranking.seats() {
            let mine: Vec<(usize, Label)> = log
                .iter()
                .filter(|d| d.id > seat.seen)
                .filter(|d| {
                    name.is_none_or(|n| {
                        d.stage == session::RESOLUTION
                            || (d.stage == session::TITLE_ABSTRACT && &d.reviewer == n)
                    })
                })
                .filter_map(|d| Some((seat.session.index_of_id(d.record)?, d.label)))
                .collect();
            seat.session.apply(&mine);
            seat.seen = last;
        }
        let mut desk = lock(&self.desk)?;
        desk.pending.retain(|p| p.decision > last);
        for d in log.iter().filter(|d| d.stage == session::TITLE_ABSTRACT) {
            desk.screened_by
                .entry(d.record)
                .or_default()
                .insert(d.reviewer.clone());
        }
        Ok(())
    }

    /// The ranking brought up to date for a reviewer: the store followed,
    /// their session opened, the log taken in.
    fn ranking_for(&self, name: &str) -> Result<MutexGuard<'_, Ranking>, TeamError> {
        self.follow()?;
        let mut ranking = lock(&self.ranking)?;
        self.seat(&mut ranking, name)?;
        self.flush(&mut ranking)?;
        Ok(ranking)
    }

    /// The record for this reviewer: the one on their screen until it is
    /// decided (again after an undo), else the session's next, passing over
    /// records others hold (shared mode) or that two others have decided or
    /// hold (dual mode). `None` when nothing is left for them.
    pub fn next(&self, name: &str) -> Result<Option<Shown>, TeamError> {
        let ranking = self.ranking_for(name)?;
        let s = ranking.session(name)?;
        let mut desk = lock(&self.desk)?;
        if let Some((id, p)) = desk.turns.get(name).and_then(Turn::shown) {
            match s.index_of_id(id) {
                Some(index) if p.again || !s.is_decided(index) => {
                    return Ok(self.shown(s, Pick { index, ..p }));
                }
                _ => {
                    if let Some(t) = desk.turns.get_mut(name) {
                        t.clear();
                    }
                }
            }
        }
        let mut held: HashMap<i64, usize> = HashMap::new();
        for (who, t) in &desk.turns {
            if let Some((id, _)) = t.shown().filter(|_| who != name) {
                *held.entry(id).or_insert(0) += 1;
            }
        }
        // Decisions acknowledged while this session retrained are stored but
        // not yet in its ranking: pass over them too (in blind mode, one's own).
        let waiting: HashSet<i64> = desk
            .pending
            .iter()
            .filter(|p| !self.dual || p.who == name)
            .map(|p| p.record)
            .collect();
        let pick = s.next_except(&|i| {
            let Some(id) = s.id_of(i) else { return true };
            if waiting.contains(&id) {
                return true;
            }
            let holding = held.get(&id).copied().unwrap_or(0);
            if self.dual {
                // each record goes to two reviewers
                let others = desk
                    .screened_by
                    .get(&id)
                    .map_or(0, |w| w.iter().filter(|x| *x != name).count());
                others + holding >= 2
            } else {
                holding > 0
            }
        });
        let Some(pick) = pick else {
            return Ok(None);
        };
        if let Some(id) = s.id_of(pick.index) {
            desk.turns
                .entry(name.to_string())
                .or_default()
                .show(id, pick);
        }
        Ok(self.shown(s, pick))
    }

    fn shown(&self, s: &Session, pick: Pick) -> Option<Shown> {
        let record = s.record(pick.index)?.clone();
        let key = crate::store::key_text(&record.key());
        let abs = record.abstract_text.as_deref().unwrap_or("");
        Some(Shown {
            key,
            title_terms: s.highlights(&record.title),
            abstract_terms: s.highlights(abs),
            record,
            pick,
        })
    }

    /// The label, reason and note of a request, checked by the rules every
    /// front end shares.
    fn checked(&self, req: &DecisionRequest) -> Result<(Label, Option<String>), TeamError> {
        let label = Label::parse(&req.label).ok_or_else(|| {
            TeamError::Invalid(format!(
                "label {:?}: use include, exclude or maybe",
                req.label
            ))
        })?;
        let reason = req
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        if let Some(r) = reason {
            session::check_reason(&self.reasons, r)
                .map_err(|e| TeamError::Invalid(e.to_string()))?;
        }
        if note_of(req).is_some_and(|n| n.len() > MAX_NOTE) {
            return Err(TeamError::Invalid(format!(
                "a note holds at most {MAX_NOTE} bytes"
            )));
        }
        Ok((label, reason.map(str::to_string)))
    }

    /// Store a reviewer's decision (committed when this returns); the
    /// ranking takes it in at the next `next` or `status`.
    pub fn decide(&self, name: &str, req: &DecisionRequest) -> Result<Decided, TeamError> {
        self.follow()?;
        let (label, reason) = self.checked(req)?;
        let (id, key) = self.find(&req.record)?;
        // The desk is held from before the decision is stored until it is
        // pending: a retrain that reads the log meanwhile (a status in
        // flight) finds it pending, and no decision it took in stays pending.
        let mut desk = lock(&self.desk)?;
        let (rank, score) = match desk.turns.get(name).and_then(Turn::shown) {
            Some((shown, p)) if shown == id => (p.rank, p.score),
            _ => (0, 0.0),
        };
        let decision = lock(&self.store)?.review.add_ranked_decision(
            id,
            label,
            reason.as_deref(),
            note_of(req),
            name,
            rank,
            score,
        )?;
        desk.pending.push(Pending {
            decision,
            who: name.to_string(),
            record: id,
        });
        desk.turns.entry(name.to_string()).or_default().decided(id);
        desk.screened_by
            .entry(id)
            .or_default()
            .insert(name.to_string());
        Ok(Decided { key, label })
    }

    /// The reviewer's last decision comes back as their next record (the
    /// new decision supersedes it); its key, or `None` with nothing to undo.
    pub fn undo(&self, name: &str) -> Result<Option<String>, TeamError> {
        let catalog = self.catalog()?;
        let mut desk = lock(&self.desk)?;
        let turn = desk.turns.entry(name.to_string()).or_default();
        let id = turn.undo(|id| catalog.by_id.get(&id).copied());
        drop(desk);
        match id {
            Some(id) => Ok(lock(&self.store)?.review.key_of(id)?),
            None => Ok(None),
        }
    }

    /// Where screening stands for this reviewer, with the stopping verdict.
    pub fn status(&self, name: &str) -> Result<TeamStatus, TeamError> {
        let ranking = self.ranking_for(name)?;
        let status = ranking.session(name)?.status();
        let mine = lock(&self.desk)?
            .screened_by
            .values()
            .filter(|w| w.contains(name))
            .count();
        Ok(TeamStatus {
            status,
            screened_by_me: mine,
            dual: self.dual,
            reasons: self.reasons.clone(),
        })
    }

    /// Resolve a conflict (stage `resolution`, by this reviewer; it counts
    /// for everyone). Refused unless the record has an open conflict.
    pub fn resolve(&self, name: &str, req: &DecisionRequest) -> Result<Decided, TeamError> {
        self.follow()?;
        let (label, reason) = self.checked(req)?;
        let (id, key) = self.find(&req.record)?;
        let mut store = lock(&self.store)?;
        if !session::open_conflict(&store.review, id)? {
            return Err(TeamError::Conflict(session::no_conflict(&key)));
        }
        session::record_decisions(
            &mut store.review,
            &[session::DecisionInput {
                reason,
                ..session::DecisionInput::new(key.clone(), label)
            }],
            name,
            session::RESOLUTION,
        )?;
        Ok(Decided { key, label })
    }
}

fn note_of(req: &DecisionRequest) -> Option<&str> {
    req.note.as_deref().map(str::trim).filter(|n| !n.is_empty())
}
