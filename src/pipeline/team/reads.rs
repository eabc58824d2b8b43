//! The team calls that never wait for the ranking: who a request speaks
//! for (a token, or a login's session id with its CSRF token), login and
//! logout, search, the open conflicts and the agreement between reviewers.

use super::{lock, Team, TeamError};
use crate::model::Label;
use crate::pipeline::session::{self, Conflict, PairAgreement};
use crate::store::index::Hit;
use std::collections::BTreeMap;

/// Who a request speaks for, as the front end received it.
#[derive(Debug, Clone, Copy)]
pub enum Credentials<'a> {
    /// A reviewer's token (`Authorization: Bearer TOKEN`).
    Token(&'a str),
    /// A login's session id (the cookie), and the CSRF token sent with it.
    Login {
        /// The session id.
        session: &'a str,
        /// The `X-CSRF-Token` header, if sent.
        csrf: Option<&'a str>,
    },
    /// Nothing.
    None,
}

/// The reviewer a request speaks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    /// Their name.
    pub name: String,
    /// The CSRF token of their login (`None` with a token).
    pub csrf: Option<String>,
}

/// A login started.
#[derive(Debug, Clone, PartialEq)]
pub struct Login {
    /// Who logged in.
    pub reviewer: String,
    /// The session id (the cookie's value; only its hash is stored).
    pub session: String,
    /// The CSRF token a write with the cookie must carry.
    pub csrf: String,
}

/// A search hit, with the key to decide it by.
#[derive(Debug, Clone)]
pub struct TeamHit {
    /// The record's key (`None` for a record not in the sessions).
    pub key: Option<String>,
    /// The hit.
    pub hit: Hit,
}

/// A search's answer.
#[derive(Debug, Clone)]
pub struct TeamSearch {
    /// The query as read.
    pub query: String,
    /// Matching records in all.
    pub total: usize,
    /// The best of them.
    pub hits: Vec<TeamHit>,
}

/// An open conflict with the record's abstract.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConflictView {
    /// The conflict.
    #[serde(flatten)]
    pub conflict: Conflict,
    /// The record's abstract.
    #[serde(rename = "abstract")]
    pub abstract_text: Option<String>,
}

/// One reviewer's title/abstract labels, counted.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReviewerCounts {
    /// Who.
    pub reviewer: String,
    /// Records screened.
    pub screened: usize,
    /// Of those, included.
    pub included: usize,
    /// Excluded.
    pub excluded: usize,
    /// Set aside as maybe.
    pub maybes: usize,
}

/// The team's agreement: each reviewer's counts, κ per pair, how many
/// conflicts are open.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TeamAgreement {
    /// Whether the protocol asks for blind dual screening.
    pub dual: bool,
    /// Each reviewer who has screened, by name.
    pub reviewers: Vec<ReviewerCounts>,
    /// Each pair of reviewers.
    pub pairs: Vec<PairAgreement>,
    /// Open conflicts.
    pub conflicts: usize,
}

/// The CSRF token that goes with a login's session id.
fn csrf_of(session: &str) -> String {
    crate::store::reviewers::sha256_hex(&format!("lacuna-csrf:{}", session.trim()))
}

impl Team {
    /// Who a request speaks for: `Unauthorised` without valid credentials,
    /// `Forbidden` for a write (`write`) with a login but without its CSRF
    /// token.
    pub fn who(&self, c: Credentials<'_>, write: bool) -> Result<Caller, TeamError> {
        let unauthorised = || {
            TeamError::Unauthorised(
                "log in with your reviewer token (lacuna reviewer add gives one)".into(),
            )
        };
        match c {
            Credentials::None => Err(unauthorised()),
            Credentials::Token(t) => {
                let name = lock(&self.store)?.review.reviewer_for_token(t)?;
                let name = name.ok_or_else(unauthorised)?;
                Ok(Caller { name, csrf: None })
            }
            Credentials::Login { session, csrf } => {
                let name = lock(&self.store)?.review.reviewer_for_login(session)?;
                let name = name.ok_or_else(unauthorised)?;
                let want = csrf_of(session);
                if write && csrf != Some(want.as_str()) {
                    return Err(TeamError::Forbidden(
                        "a write needs the X-CSRF-Token header that login returned".into(),
                    ));
                }
                Ok(Caller {
                    name,
                    csrf: Some(want),
                })
            }
        }
    }

    /// Start a login with a reviewer's token; `None` for an unknown token.
    pub fn login(&self, token: &str) -> Result<Option<Login>, TeamError> {
        let mut store = lock(&self.store)?;
        let Some(reviewer) = store.review.reviewer_for_token(token)? else {
            return Ok(None);
        };
        let Some(session) = store.review.start_login(&reviewer)? else {
            return Ok(None);
        };
        Ok(Some(Login {
            csrf: csrf_of(&session),
            reviewer,
            session,
        }))
    }

    /// End a login: its session id (and every copy of the cookie) stops working.
    pub fn logout(&self, session: &str) -> Result<(), TeamError> {
        lock(&self.store)?.review.end_login(session)?;
        Ok(())
    }

    /// Search the review (the index brought up to date first), each hit
    /// with the key to decide it by.
    pub fn search(&self, query: &str, limit: usize) -> Result<TeamSearch, TeamError> {
        self.follow()?;
        let found = {
            let store = lock(&self.store)?;
            let found = crate::pipeline::records::search(
                &store.review,
                query,
                limit,
                &crate::progress::Silent,
            );
            // A rebuild took the review's write lock: give it back, or a
            // server left running would refuse every later import and update.
            store.review.unlock();
            found?
        };
        let hits = {
            let catalog = self.catalog()?;
            let store = lock(&self.store)?;
            let mut hits = Vec::with_capacity(found.hits.len());
            for hit in found.hits {
                let key = match i64::try_from(hit.record_id) {
                    Ok(id) if catalog.by_id.contains_key(&id) => store.review.key_of(id)?,
                    _ => None,
                };
                hits.push(TeamHit { key, hit });
            }
            hits
        };
        Ok(TeamSearch {
            query: found.query,
            total: found.total,
            hits,
        })
    }

    /// The records reviewers labelled differently, not yet resolved, each
    /// with its abstract.
    pub fn conflicts(&self) -> Result<Vec<ConflictView>, TeamError> {
        self.follow()?;
        let store = lock(&self.store)?;
        let a = session::agreement(&store.review)?;
        let mut out = Vec::with_capacity(a.conflicts.len());
        for conflict in a.conflicts {
            let abstract_text = store
                .review
                .current_record(conflict.record)?
                .and_then(|r| r.abstract_text);
            out.push(ConflictView {
                abstract_text,
                conflict,
            });
        }
        Ok(out)
    }

    /// κ per pair of reviewers, and each reviewer's counts.
    pub fn agreement(&self) -> Result<TeamAgreement, TeamError> {
        let (a, labels) = {
            let store = lock(&self.store)?;
            (
                session::agreement(&store.review)?,
                store.review.reviewer_labels()?,
            )
        };
        let mut per: BTreeMap<String, ReviewerCounts> = BTreeMap::new();
        for (_, who, l, _) in labels {
            let c = per.entry(who.clone()).or_insert(ReviewerCounts {
                reviewer: who,
                screened: 0,
                included: 0,
                excluded: 0,
                maybes: 0,
            });
            c.screened += 1;
            match l {
                Label::Include => c.included += 1,
                Label::Exclude => c.excluded += 1,
                Label::Maybe => c.maybes += 1,
            }
        }
        Ok(TeamAgreement {
            dual: self.dual,
            reviewers: per.into_values().collect(),
            pairs: a.pairs,
            conflicts: a.conflicts.len(),
        })
    }
}
