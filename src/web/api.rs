//! The JSON API of `lacuna serve` (field names are stable; `docs/team-app.md`
//! lists them). Each handler reads the request, calls one method of the team's
//! session (`pipeline::team::Team`, on a blocking thread) and writes its
//! answer as JSON: the state and the rules are the library's.

use crate::pipeline::team::{Credentials, DecisionRequest, Shown, Team, TeamError};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// Name of the login cookie: it holds a login's session id, never the
/// reviewer's token.
const COOKIE: &str = "lacuna_session";

/// Hits a search answers with.
const SEARCH_HITS: usize = 50;

/// An API error: a status and a message.
pub(super) struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

impl From<TeamError> for ApiError {
    fn from(e: TeamError) -> Self {
        let status = match &e {
            TeamError::Unauthorised(_) => StatusCode::UNAUTHORIZED,
            TeamError::Forbidden(_) => StatusCode::FORBIDDEN,
            TeamError::NotFound(_) => StatusCode::NOT_FOUND,
            TeamError::Invalid(_) => StatusCode::BAD_REQUEST,
            TeamError::Conflict(_) => StatusCode::CONFLICT,
            TeamError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            // the one table of exit codes and statuses says
            TeamError::Failed(e) => {
                StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
        };
        ApiError(status, e.to_string())
    }
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

fn cookie_session(h: &HeaderMap) -> Option<&str> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v)
}

/// The credentials a request carries: `Authorization: Bearer TOKEN` (the
/// scheme in any case, RFC 9110 section 11.1), else the login cookie with
/// the `X-CSRF-Token` header.
fn credentials(h: &HeaderMap) -> Credentials<'_> {
    if let Some(auth) = h.get(header::AUTHORIZATION) {
        return auth
            .to_str()
            .ok()
            .and_then(|a| a.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map_or(Credentials::None, |(_, t)| Credentials::Token(t.trim()));
    }
    match cookie_session(h) {
        Some(session) => Credentials::Login {
            session,
            csrf: h.get("x-csrf-token").and_then(|v| v.to_str().ok()),
        },
        None => Credentials::None,
    }
}

/// The request's body, or a 400 `{"error"}` saying what shape it must have
/// (axum's own rejection is plain text, and 415 or 422). The credentials are
/// checked first: this is called inside the handler.
fn body<T>(b: Result<Json<T>, JsonRejection>, shape: &str) -> Result<T, ApiError> {
    b.map(|Json(t)| t)
        .map_err(|e| bad(format!("the body must be JSON {shape}: {}", e.body_text())))
}

/// Run `f` on a blocking thread for the reviewer the request speaks for
/// (`write`: a call that stores something), with their login's CSRF token.
async fn as_reviewer<F>(
    team: Arc<Team>,
    headers: HeaderMap,
    write: bool,
    f: F,
) -> Result<Json<Value>, ApiError>
where
    F: FnOnce(&Team, &str, Option<String>) -> Result<Value, ApiError> + Send + 'static,
{
    blocking(move || {
        let caller = team.who(credentials(&headers), write)?;
        f(&team, &caller.name, caller.csrf).map(Json)
    })
    .await
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
}

fn set_cookie(mut r: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
pub(super) struct LoginBody {
    token: String,
}

/// `POST /api/login {token}`: starts a login (its session id in the
/// cookie), returns `reviewer` and `csrf`.
pub(super) async fn login(
    State(team): State<Arc<Team>>,
    b: Result<Json<LoginBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let token = body(b, r#"{"token": "..."}"#)?.token;
    let login = blocking(move || Ok(team.login(&token)?)).await?;
    let login = login.ok_or_else(|| ApiError(StatusCode::UNAUTHORIZED, "unknown token".into()))?;
    let r = Json(json!({ "reviewer": login.reviewer, "csrf": login.csrf })).into_response();
    Ok(set_cookie(
        r,
        &format!(
            "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/",
            login.session
        ),
    ))
}

/// `POST /api/logout`: ends the cookie's login (a copy of the cookie stops
/// working too) and clears the cookie.
pub(super) async fn logout(
    State(team): State<Arc<Team>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(session) = cookie_session(&headers).map(str::to_string) {
        blocking(move || Ok(team.logout(&session)?)).await?;
    }
    let r = Json(json!({ "logged_out": true })).into_response();
    Ok(set_cookie(
        r,
        &format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    ))
}

fn record_json(s: &Shown) -> Value {
    let r = &s.record;
    let abs = r.abstract_text.as_deref().unwrap_or("");
    let spans = |t: &str, terms: &[std::ops::Range<usize>]| {
        utf16_spans(t, terms.iter().map(|x| (x.start, x.end)))
    };
    json!({
        "done": false,
        "key": s.key,
        "title": r.title,
        "abstract": abs,
        "journal": r.journal,
        "year": r.year,
        "authors": r.authors,
        "mesh": r.mesh,
        "highlights": {
            "title": spans(&r.title, &s.title_terms),
            "abstract": spans(abs, &s.abstract_terms),
        },
        "rank": s.pick.rank,
        "score": s.pick.score,
        "sample": s.pick.sample,
        "again": s.pick.again,
        "set_aside": s.pick.set_aside,
    })
}

/// `GET /api/next`: the record for this reviewer (the same one until decided).
pub(super) async fn next(
    State(team): State<Arc<Team>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    as_reviewer(team, headers, false, |team, name, _| {
        Ok(match team.next(name)? {
            Some(shown) => record_json(&shown),
            None => json!({ "done": true }),
        })
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct DecisionBody {
    record: String,
    label: String,
    reason: Option<String>,
    note: Option<String>,
}

impl From<DecisionBody> for DecisionRequest {
    fn from(b: DecisionBody) -> Self {
        DecisionRequest {
            record: b.record,
            label: b.label,
            reason: b.reason,
            note: b.note,
        }
    }
}

/// `POST /api/decisions {record, label, reason?, note?}`: answers once committed.
pub(super) async fn decisions(
    State(team): State<Arc<Team>>,
    headers: HeaderMap,
    b: Result<Json<DecisionBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    as_reviewer(team, headers, true, move |team, name, _| {
        let shape = r#"{"record": KEY, "label": "include"|"exclude"|"maybe", "reason"?, "note"?}"#;
        let d = team.decide(name, &body(b, shape)?.into())?;
        Ok(json!({ "stored": true, "record": d.key, "label": d.label.as_str() }))
    })
    .await
}

/// `POST /api/undo`: the reviewer's last decision in this server comes back
/// as the next record; the new decision supersedes it.
pub(super) async fn undo(
    State(team): State<Arc<Team>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    as_reviewer(team, headers, true, |team, name, _| {
        Ok(match team.undo(name)? {
            Some(key) => json!({ "undone": true, "record": key }),
            None => json!({ "undone": false }),
        })
    })
    .await
}

/// `GET /api/status`.
pub(super) async fn status(
    State(team): State<Arc<Team>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    as_reviewer(team, headers, false, |team, name, csrf| {
        let t = team.status(name)?;
        let st = &t.status;
        let reasons: Vec<Value> = t
            .reasons
            .iter()
            .map(|r| json!({ "id": r.id, "label": r.label }))
            .collect();
        Ok(json!({
            "reviewer": name,
            "dual": t.dual,
            "csrf": csrf,
            "total": st.total,
            "screened": st.screened,
            "screened_by_me": t.screened_by_me,
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
    State(team): State<Arc<Team>>,
    headers: HeaderMap,
    q: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    as_reviewer(team, headers, false, move |team, _, _| {
        let Query(q) = q.map_err(|e| bad(format!("search with ?q=WORDS: {}", e.body_text())))?;
        let r = team.search(&q.q, SEARCH_HITS)?;
        let snippet = |text: &str, spans: &[(usize, usize)]| {
            json!({ "text": text, "highlights": utf16_spans(text, spans.iter().copied()) })
        };
        let hits: Vec<Value> = r
            .hits
            .iter()
            .map(|t| {
                let h = &t.hit;
                json!({
                    "key": t.key,
                    "score": h.score,
                    "pmid": h.pmid,
                    "doi": h.doi,
                    "title": h.title,
                    "year": h.year,
                    "journal": h.journal,
                    "authors": h.authors,
                    "title_snippet": snippet(&h.title_snippet.text, &h.title_snippet.highlights),
                    "abstract_snippet": snippet(&h.abstract_snippet.text, &h.abstract_snippet.highlights),
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
    State(team): State<Arc<Team>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    as_reviewer(team, headers, false, |team, _, _| {
        Ok(json!({ "conflicts": team.conflicts()? }))
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
/// stored (stage `resolution`, by this reviewer) and counts for everyone;
/// 409 when the record has no open conflict.
pub(super) async fn resolve(
    State(team): State<Arc<Team>>,
    headers: HeaderMap,
    b: Result<Json<ResolveBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    as_reviewer(team, headers, true, move |team, name, _| {
        let b = body(
            b,
            r#"{"record": KEY, "label": "include"|"exclude", "reason"?}"#,
        )?;
        let d = team.resolve(
            name,
            &DecisionRequest {
                record: b.record,
                label: b.label,
                reason: b.reason,
                note: None,
            },
        )?;
        Ok(json!({ "resolved": true, "record": d.key, "label": d.label.as_str() }))
    })
    .await
}

/// `GET /api/agreement`: κ per pair of reviewers, and each reviewer's counts.
pub(super) async fn agreement(
    State(team): State<Arc<Team>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    as_reviewer(team, headers, false, |team, _, _| {
        Ok(json!(team.agreement()?))
    })
    .await
}
