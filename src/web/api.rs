//! The JSON API of `lacuna serve` (field names are stable; the README lists
//! them). See the module above for the locks.

use super::ServeOptions;
use crate::error::Error;
use crate::model::Label;
use crate::pipeline::session::{self, DecisionInput, Pick, Session, SessionOptions};
use crate::protocol::Reason;
use crate::store::Review;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

/// Name of the login cookie.
const COOKIE: &str = "lacuna_token";

/// Longest note kept with a decision, in bytes.
pub const MAX_NOTE: usize = 10_000;

/// The records, fixed for the server's life: keys, store ids, texts.
struct Catalog {
    keys: Vec<String>,
    ids: Vec<i64>,
    by_key: HashMap<String, usize>,
    by_id: HashMap<i64, usize>,
    abstracts: Vec<String>,
    titles: Vec<String>,
}

/// What each reviewer has on screen, and decisions stored but not yet
/// taken into the ranking.
#[derive(Default)]
struct Desk {
    picks: HashMap<String, Pick>,
    /// Each reviewer's decisions in this server, newest last (for undo).
    last: HashMap<String, Vec<usize>>,
    /// Stored decisions the ranking has not taken in: who (None: a
    /// resolution, for everyone), the record, the label.
    pending: Vec<(Option<String>, usize, Label)>,
    /// Who has screened each record (title/abstract).
    screened_by: HashMap<usize, BTreeSet<String>>,
}

/// The ranked sessions: one for the team, or one per reviewer when blind.
struct Ranking {
    shared: Option<Session>,
    blind: HashMap<String, Session>,
}

/// The server's state.
pub(super) struct App {
    opts: ServeOptions,
    dual: bool,
    reasons: Vec<Reason>,
    catalog: Catalog,
    store: Mutex<Review>,
    desk: Mutex<Desk>,
    ranking: Mutex<Ranking>,
}

/// An API error: a status and a message.
pub(super) struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(StatusCode::BAD_REQUEST, e.to_string())
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}

fn lock<T>(m: &Mutex<T>) -> Result<MutexGuard<'_, T>, ApiError> {
    m.lock()
        .map_err(|_| ApiError(StatusCode::INTERNAL_SERVER_ERROR, "state poisoned".into()))
}

fn bad(msg: String) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, msg)
}

/// Byte ranges of `text` as UTF-16 offsets (what JavaScript strings count).
fn utf16_spans(text: &str, spans: impl IntoIterator<Item = (usize, usize)>) -> Vec<[usize; 2]> {
    let at = |b: usize| {
        text.get(..b)
            .map_or(text.encode_utf16().count(), |t| t.encode_utf16().count())
    };
    spans.into_iter().map(|(a, b)| [at(a), at(b)]).collect()
}

impl App {
    fn options(&self, reviewer: &str) -> SessionOptions {
        app_options(&self.opts, reviewer)
    }

    /// Open the review and rank its records: one team session, or with
    /// `[screening] dual = true` one blind session per reviewer.
    pub(super) fn open(opts: ServeOptions) -> Result<App, Error> {
        let review = Review::open(&opts.dir)?;
        let protocol = crate::pipeline::find_protocol(&opts.dir, None)?;
        let dual = protocol.as_ref().is_some_and(|p| p.dual);
        let reasons = protocol.map(|p| p.exclusion_reasons).unwrap_or_default();
        let names: Vec<String> = review.reviewers()?.into_iter().map(|r| r.name).collect();
        let mut app = App {
            opts,
            dual,
            reasons,
            catalog: Catalog {
                keys: Vec::new(),
                ids: Vec::new(),
                by_key: HashMap::new(),
                by_id: HashMap::new(),
                abstracts: Vec::new(),
                titles: Vec::new(),
            },
            store: Mutex::new(review),
            desk: Mutex::new(Desk::default()),
            ranking: Mutex::new(Ranking {
                shared: None,
                blind: HashMap::new(),
            }),
        };
        let mut ranking = Ranking {
            shared: None,
            blind: HashMap::new(),
        };
        {
            let review = app
                .store
                .get_mut()
                .map_err(|_| Error::NotReady("state poisoned".into()))?;
            if dual {
                for n in &names {
                    ranking.blind.insert(
                        n.clone(),
                        Session::open_blind(review, &app_options(&app.opts, n))?,
                    );
                }
            } else {
                ranking.shared = Some(Session::open(review, &app_options(&app.opts, "team"))?);
            }
            let any = ranking
                .shared
                .as_ref()
                .or_else(|| ranking.blind.values().next());
            if let Some(s) = any {
                app.catalog = catalog(s);
            }
            let mut desk = Desk::default();
            for (id, who) in review.screened_by()? {
                if let Some(&i) = app.catalog.by_id.get(&id) {
                    desk.screened_by.insert(i, who);
                }
            }
            app.desk = Mutex::new(desk);
        }
        app.ranking = Mutex::new(ranking);
        Ok(app)
    }

    /// A reviewer's blind session, opened on first use (a reviewer added
    /// while the server runs).
    fn ensure_session(&self, ranking: &mut Ranking, name: &str) -> Result<(), ApiError> {
        if self.dual && !ranking.blind.contains_key(name) {
            let s = {
                let review = lock(&self.store)?;
                Session::open_blind(&review, &self.options(name))?
            };
            ranking.blind.insert(name.to_string(), s);
        }
        Ok(())
    }

    /// Take every stored decision the ranking has not seen into it, one
    /// retrain per session.
    fn flush(&self, ranking: &mut Ranking) -> Result<(), ApiError> {
        let pending = std::mem::take(&mut lock(&self.desk)?.pending);
        if pending.is_empty() {
            return Ok(());
        }
        if let Some(s) = ranking.shared.as_mut() {
            let all: Vec<(usize, Label)> = pending.iter().map(|(_, i, l)| (*i, *l)).collect();
            s.apply(&all);
        }
        for (name, s) in ranking.blind.iter_mut() {
            let mine: Vec<(usize, Label)> = pending
                .iter()
                .filter(|(who, _, _)| who.as_ref().is_none_or(|w| w == name))
                .map(|(_, i, l)| (*i, *l))
                .collect();
            s.apply(&mine);
        }
        Ok(())
    }

    fn index_of(&self, key: &str) -> Result<usize, ApiError> {
        self.catalog.by_key.get(key.trim()).copied().ok_or_else(|| {
            ApiError(
                StatusCode::NOT_FOUND,
                format!("no record {key:?} in this review"),
            )
        })
    }

    fn check_reason(&self, reason: Option<&str>) -> Result<(), ApiError> {
        let Some(r) = reason else { return Ok(()) };
        if self.reasons.iter().any(|x| x.id == r) {
            return Ok(());
        }
        let ids: Vec<&str> = self.reasons.iter().map(|x| x.id.as_str()).collect();
        Err(bad(if ids.is_empty() {
            format!("{r:?}: the review's protocol lists no exclusion reasons")
        } else {
            format!(
                "{r:?} is not an exclusion reason of the protocol ({})",
                ids.join(", ")
            )
        }))
    }
}

fn app_options(o: &ServeOptions, reviewer: &str) -> SessionOptions {
    SessionOptions {
        reviewer: reviewer.to_string(),
        protocol: None,
        target: o.target,
        confidence: o.confidence,
        rule: o.rule,
    }
}

fn catalog(s: &Session) -> Catalog {
    let mut c = Catalog {
        keys: Vec::with_capacity(s.len()),
        ids: Vec::with_capacity(s.len()),
        by_key: HashMap::with_capacity(s.len() * 2),
        by_id: HashMap::with_capacity(s.len()),
        abstracts: Vec::with_capacity(s.len()),
        titles: Vec::with_capacity(s.len()),
    };
    for i in 0..s.len() {
        let (Some(r), Some(id)) = (s.record(i), s.id_of(i)) else {
            continue;
        };
        let key = crate::store::key_text(&r.key());
        if let Some(p) = r.pmid {
            c.by_key.entry(p.to_string()).or_insert(i);
        }
        if let Some(d) = &r.doi {
            c.by_key.entry(d.to_string()).or_insert(i);
        }
        c.by_key.insert(key.clone(), i);
        c.by_id.insert(id, i);
        c.keys.push(key);
        c.ids.push(id);
        c.titles.push(r.title.clone());
        c.abstracts
            .push(r.abstract_text.clone().unwrap_or_default());
    }
    c
}

impl Ranking {
    fn session(&self, name: &str) -> Result<&Session, ApiError> {
        self.shared
            .as_ref()
            .or_else(|| self.blind.get(name))
            .ok_or_else(|| ApiError(StatusCode::INTERNAL_SERVER_ERROR, "no session".into()))
    }
}

/// The CSRF token that goes with a login token.
fn csrf_of(token: &str) -> String {
    crate::store::reviewers::sha256_hex(&format!("lacuna-csrf:{}", token.trim()))
}

fn cookie_token(h: &HeaderMap) -> Option<String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// Who a request speaks for, and the CSRF token when it came with the
/// cookie: 401 without valid credentials, 403 for a cookie write without
/// the CSRF token.
fn who(app: &App, h: &HeaderMap, write: bool) -> Result<(String, Option<String>), ApiError> {
    let unauthorised = || {
        ApiError(
            StatusCode::UNAUTHORIZED,
            "log in with your reviewer token (lacuna reviewer add gives one)".into(),
        )
    };
    if let Some(auth) = h.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let token = auth.strip_prefix("Bearer ").ok_or_else(unauthorised)?;
        let name = lock(&app.store)?
            .reviewer_for_token(token)?
            .ok_or_else(unauthorised)?;
        return Ok((name, None));
    }
    let token = cookie_token(h).ok_or_else(unauthorised)?;
    let name = lock(&app.store)?
        .reviewer_for_token(&token)?
        .ok_or_else(unauthorised)?;
    let csrf = csrf_of(&token);
    if write {
        let sent = h
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if sent != csrf {
            return Err(ApiError(
                StatusCode::FORBIDDEN,
                "a write needs the X-CSRF-Token header that login returned".into(),
            ));
        }
    }
    Ok((name, Some(csrf)))
}

/// The request's body, or a 400 `{"error"}` saying what shape it must have
/// (axum's own rejection is plain text, and 415 or 422). The credentials are
/// checked first: this is called inside the handler.
fn body<T>(b: Result<Json<T>, JsonRejection>, shape: &str) -> Result<T, ApiError> {
    b.map(|Json(t)| t)
        .map_err(|e| bad(format!("the body must be JSON {shape}: {}", e.body_text())))
}

/// Run `f` on a blocking thread for the reviewer the request speaks for.
async fn as_reviewer<F>(
    app: Arc<App>,
    headers: HeaderMap,
    write: bool,
    f: F,
) -> Result<Json<Value>, ApiError>
where
    F: FnOnce(&App, &str, Option<String>) -> Result<Value, ApiError> + Send + 'static,
{
    tokio::task::spawn_blocking(move || {
        let (name, csrf) = who(&app, &headers, write)?;
        f(&app, &name, csrf).map(Json)
    })
    .await
    .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
}

#[derive(Deserialize)]
pub(super) struct Login {
    token: String,
}

/// `POST /api/login {token}`: sets the cookie, returns `reviewer` and `csrf`.
pub(super) async fn login(
    State(app): State<Arc<App>>,
    b: Result<Json<Login>, JsonRejection>,
) -> Response {
    let token = match body(b, r#"{"token": "..."}"#) {
        Ok(b) => b.token.trim().to_string(),
        Err(e) => return e.into_response(),
    };
    let found = tokio::task::spawn_blocking({
        let app = app.clone();
        let token = token.clone();
        move || {
            lock(&app.store)
                .ok()
                .and_then(|r| r.reviewer_for_token(&token).ok().flatten())
        }
    })
    .await
    .ok()
    .flatten();
    match found {
        None => ApiError(StatusCode::UNAUTHORIZED, "unknown token".into()).into_response(),
        Some(name) => {
            let cookie = format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/");
            let mut r = Json(json!({ "reviewer": name, "csrf": csrf_of(&token) })).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
    }
}

/// `POST /api/logout`: clears the cookie.
pub(super) async fn logout() -> Response {
    let mut r = Json(json!({ "logged_out": true })).into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("lacuna_token=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    r
}

fn record_json(app: &App, s: &Session, p: &Pick) -> Value {
    let Some(r) = s.record(p.index) else {
        return json!({ "done": true });
    };
    let abs = r.abstract_text.clone().unwrap_or_default();
    let spans = |t: &str| -> Vec<[usize; 2]> {
        utf16_spans(t, s.highlights(t).into_iter().map(|x| (x.start, x.end)))
    };
    json!({
        "done": false,
        "key": app.catalog.keys.get(p.index).cloned().unwrap_or_default(),
        "title": r.title,
        "abstract": abs,
        "journal": r.journal,
        "year": r.year,
        "authors": r.authors,
        "mesh": r.mesh,
        "highlights": { "title": spans(&r.title), "abstract": spans(&abs) },
        "rank": p.rank,
        "score": p.score,
        "sample": p.sample,
        "again": p.again,
        "set_aside": p.set_aside,
    })
}

fn next_for(app: &App, name: &str) -> Result<Value, ApiError> {
    let mut ranking = lock(&app.ranking)?;
    app.ensure_session(&mut ranking, name)?;
    app.flush(&mut ranking)?;
    let s = ranking.session(name)?;
    let mut desk = lock(&app.desk)?;
    if let Some(p) = desk.picks.get(name).copied() {
        if p.again || !s.is_decided(p.index) {
            return Ok(record_json(app, s, &p));
        }
        desk.picks.remove(name);
    }
    let held: HashMap<usize, usize> =
        desk.picks
            .iter()
            .filter(|(w, _)| *w != name)
            .fold(HashMap::new(), |mut m, (_, p)| {
                *m.entry(p.index).or_insert(0) += 1;
                m
            });
    // Decisions acknowledged while this session retrained are stored but not
    // yet in its ranking: pass over them too (in blind mode, one's own).
    let waiting: HashSet<usize> = desk
        .pending
        .iter()
        .filter(|(who, _, _)| !app.dual || who.as_ref().is_none_or(|w| w == name))
        .map(|(_, i, _)| *i)
        .collect();
    let pick = if app.dual {
        // each record goes to two reviewers: pass over those two others
        // have decided or hold
        s.next_except(&|i| {
            let decided = desk
                .screened_by
                .get(&i)
                .map_or(0, |w| w.iter().filter(|x| *x != name).count());
            waiting.contains(&i) || decided + held.get(&i).copied().unwrap_or(0) >= 2
        })
    } else {
        s.next_except(&|i| waiting.contains(&i) || held.contains_key(&i))
    };
    match pick {
        Some(p) => {
            desk.picks.insert(name.to_string(), p);
            Ok(record_json(app, s, &p))
        }
        None => Ok(json!({ "done": true })),
    }
}

/// `GET /api/next`: the record for this reviewer (the same one until decided).
pub(super) async fn next(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    as_reviewer(app, headers, false, |app, name, _| next_for(app, name)).await
}

#[derive(Deserialize)]
pub(super) struct DecisionBody {
    record: String,
    label: String,
    reason: Option<String>,
    note: Option<String>,
}

fn decide(app: &App, name: &str, body: DecisionBody) -> Result<Value, ApiError> {
    let label = Label::parse(&body.label).ok_or_else(|| {
        bad(format!(
            "label {:?}: use include, exclude or maybe",
            body.label
        ))
    })?;
    let reason = body
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    app.check_reason(reason)?;
    let note = body
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.len() > MAX_NOTE) {
        return Err(bad(format!("a note holds at most {MAX_NOTE} bytes")));
    }
    let index = app.index_of(&body.record)?;
    let id = app
        .catalog
        .ids
        .get(index)
        .copied()
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, "no such record".into()))?;
    let (rank, score) = match lock(&app.desk)?.picks.get(name) {
        Some(p) if p.index == index => (p.rank, p.score),
        _ => (0, 0.0),
    };
    // committed before the answer goes out
    lock(&app.store)?.add_ranked_decision(id, label, reason, note, name, rank, score)?;
    let mut desk = lock(&app.desk)?;
    desk.pending.push((Some(name.to_string()), index, label));
    if desk.picks.get(name).is_some_and(|p| p.index == index) {
        desk.picks.remove(name);
    }
    desk.last.entry(name.to_string()).or_default().push(index);
    desk.screened_by
        .entry(index)
        .or_default()
        .insert(name.to_string());
    Ok(json!({ "stored": true, "record": app.catalog.keys.get(index), "label": label.as_str() }))
}

/// `POST /api/decisions {record, label, reason?, note?}`: answers once committed.
pub(super) async fn decisions(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    b: Result<Json<DecisionBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    as_reviewer(app, headers, true, move |app, name, _| {
        decide(
            app,
            name,
            body(
                b,
                r#"{"record": KEY, "label": "include"|"exclude"|"maybe", "reason"?, "note"?}"#,
            )?,
        )
    })
    .await
}

/// `POST /api/undo`: the reviewer's last decision in this server comes back
/// as the next record; the new decision supersedes it.
pub(super) async fn undo(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    as_reviewer(app, headers, true, |app, name, _| {
        let mut desk = lock(&app.desk)?;
        let last = desk.last.get_mut(name).and_then(Vec::pop);
        match last {
            Some(i) => {
                desk.picks.insert(
                    name.to_string(),
                    Pick {
                        index: i,
                        rank: 0,
                        score: 0.0,
                        set_aside: false,
                        again: true,
                        sample: false,
                    },
                );
                Ok(json!({ "undone": true, "record": app.catalog.keys.get(i) }))
            }
            None => Ok(json!({ "undone": false })),
        }
    })
    .await
}

/// `GET /api/status`.
pub(super) async fn status(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    as_reviewer(app, headers, false, |app, name, csrf| {
        let mut ranking = lock(&app.ranking)?;
        app.ensure_session(&mut ranking, name)?;
        app.flush(&mut ranking)?;
        let st = ranking.session(name)?.status();
        let mine = lock(&app.desk)?
            .screened_by
            .values()
            .filter(|w| w.contains(name))
            .count();
        let reasons: Vec<Value> = app
            .reasons
            .iter()
            .map(|r| json!({ "id": r.id, "label": r.label }))
            .collect();
        Ok(json!({
            "reviewer": name,
            "dual": app.dual,
            "csrf": csrf,
            "total": st.total,
            "screened": st.screened,
            "screened_by_me": mine,
            "included": st.relevant,
            "excluded": st.screened - st.relevant,
            "maybes": st.maybe,
            "recall_estimate": st.stopping.recall_estimate,
            "recall_bound": st.stopping.recall_bound,
            "can_stop": st.can_stop,
        "to_stop": st.to_stop,
            "stopping": st.stopping,
            "stopping_line": st.stopping.to_string(),
            "sample": st.sample,
            "reasons": reasons,
        }))
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct SearchQuery {
    q: String,
}

/// `GET /api/search?q=`: tantivy hits with snippets (highlights in UTF-16
/// offsets) and the key to decide them by.
pub(super) async fn search(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    q: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    as_reviewer(app, headers, false, move |app, _, _| {
        let Query(q) = q.map_err(|e| bad(format!("search with ?q=WORDS: {}", e.body_text())))?;
        let r = {
            let review = lock(&app.store)?;
            crate::pipeline::records::search(&review, &q.q, 50, &crate::progress::Silent)?
        };
        let snippet = |h: &crate::store::index::HighlightedText| {
            json!({ "text": h.text, "highlights": utf16_spans(&h.text, h.highlights.iter().copied()) })
        };
        let hits: Vec<Value> = r
            .hits
            .iter()
            .map(|h| {
                let key = i64::try_from(h.record_id)
                    .ok()
                    .and_then(|id| app.catalog.by_id.get(&id))
                    .and_then(|i| app.catalog.keys.get(*i));
                json!({
                    "key": key,
                    "score": h.score,
                    "pmid": h.pmid,
                    "doi": h.doi,
                    "title": h.title,
                    "year": h.year,
                    "journal": h.journal,
                    "authors": h.authors,
                    "title_snippet": snippet(&h.title_snippet),
                    "abstract_snippet": snippet(&h.abstract_snippet),
                })
            })
            .collect();
        Ok(json!({ "query": r.query, "total": r.total, "hits": hits }))
    })
    .await
}

/// `GET /api/conflicts`: records the reviewers labelled differently, not
/// yet resolved, with each reviewer's label.
pub(super) async fn conflicts(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    as_reviewer(app, headers, false, |app, _, _| {
        let a = session::agreement(&*lock(&app.store)?)?;
        let list: Vec<Value> = a
            .conflicts
            .iter()
            .map(|c| {
                let i = app.catalog.by_id.get(&c.record);
                json!({
                    "key": c.key,
                    "title": c.title,
                    "abstract": i.and_then(|i| app.catalog.abstracts.get(*i)),
                    "votes": c.votes,
                })
            })
            .collect();
        Ok(json!({ "conflicts": list }))
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct ResolveBody {
    record: String,
    label: String,
    reason: Option<String>,
}

/// `POST /api/conflicts/resolve {record, label, reason?}`: the resolution is
/// stored (stage `resolution`, by this reviewer) and counts for everyone.
pub(super) async fn resolve(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    b: Result<Json<ResolveBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    as_reviewer(app, headers, true, move |app, name, _| {
        let body = body(
            b,
            r#"{"record": KEY, "label": "include"|"exclude", "reason"?}"#,
        )?;
        let label = Label::parse(&body.label).ok_or_else(|| {
            bad(format!(
                "label {:?}: use include, exclude or maybe",
                body.label
            ))
        })?;
        let reason = body
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        app.check_reason(reason.as_deref())?;
        let index = app.index_of(&body.record)?;
        let key = app.catalog.keys.get(index).cloned().unwrap_or_default();
        {
            let mut review = lock(&app.store)?;
            session::record_decisions(
                &mut review,
                &[DecisionInput {
                    reason,
                    ..DecisionInput::new(key.clone(), label)
                }],
                name,
                "resolution",
            )?;
        }
        lock(&app.desk)?.pending.push((None, index, label));
        Ok(json!({ "resolved": true, "record": key, "label": label.as_str() }))
    })
    .await
}

/// `GET /api/agreement`: κ per pair of reviewers, and each reviewer's counts.
pub(super) async fn agreement(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    as_reviewer(app, headers, false, |app, _, _| {
        let (a, labels) = {
            let review = lock(&app.store)?;
            (session::agreement(&review)?, review.reviewer_labels()?)
        };
        let mut per: BTreeMap<String, [usize; 3]> = BTreeMap::new();
        for (_, who, l, _) in labels {
            let c = per.entry(who).or_default();
            match l {
                Label::Include => c[0] += 1,
                Label::Exclude => c[1] += 1,
                Label::Maybe => c[2] += 1,
            }
        }
        let reviewers: Vec<Value> = per
            .iter()
            .map(|(who, c)| {
                json!({ "reviewer": who, "screened": c[0] + c[1] + c[2], "included": c[0], "excluded": c[1], "maybes": c[2] })
            })
            .collect();
        Ok(json!({
            "dual": app.dual,
            "reviewers": reviewers,
            "pairs": a.pairs,
            "conflicts": a.conflicts.len(),
        }))
    })
    .await
}
