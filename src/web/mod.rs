//! `lacuna serve`: the team screening server (axum on tokio, the crate's
//! only async code). It calls the same library session as `lacuna screen`
//! (`pipeline::session`): one session per reviewer, opened on first use.
//!
//! Access: every API call needs a reviewer's token (`lacuna reviewer add`),
//! as `Authorization: Bearer TOKEN` or as the HttpOnly, SameSite=Strict
//! cookie that `POST /api/login` sets. A write made with the cookie must
//! carry the CSRF token login returned, in `X-CSRF-Token`. Every response
//! carries a Content-Security-Policy that forbids inline and remote
//! scripts. Work on the store and the ranker runs on blocking threads.
//!
//! First part of issue 19: the JSON API (login, next, decisions, undo,
//! status, search). The pages, dual screening, conflicts and agreement
//! are not built yet.

use crate::error::Error;
use crate::model::Label;
use crate::pipeline::session::{Pick, Session, SessionOptions};
use crate::screen::stop::Rule;
use crate::store::Review;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The Content-Security-Policy of every response.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Name of the login cookie.
const COOKIE: &str = "lacuna_token";

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The review folder.
    pub dir: PathBuf,
    /// Address to listen on.
    pub bind: SocketAddr,
    /// Recall target of the stopping rule.
    pub target: f64,
    /// Its confidence.
    pub confidence: f64,
    /// The stopping rule.
    pub rule: Rule,
}

struct Inner {
    review: Review,
    sessions: HashMap<String, Session>,
    picks: HashMap<String, Pick>,
}

struct App {
    opts: ServeOptions,
    inner: Mutex<Inner>,
}

/// An API error: a status and a message.
struct ApiError(StatusCode, String);

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

/// The reviewer a request speaks for: 401 without valid credentials, 403
/// for a cookie write without the CSRF token.
fn who(inner: &Inner, h: &HeaderMap, write: bool) -> Result<String, ApiError> {
    let unauthorised = || {
        ApiError(
            StatusCode::UNAUTHORIZED,
            "log in with your reviewer token (lacuna reviewer add gives one)".into(),
        )
    };
    if let Some(auth) = h.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let token = auth.strip_prefix("Bearer ").ok_or_else(unauthorised)?;
        return inner
            .review
            .reviewer_for_token(token)?
            .ok_or_else(unauthorised);
    }
    let token = cookie_token(h).ok_or_else(unauthorised)?;
    let name = inner
        .review
        .reviewer_for_token(&token)?
        .ok_or_else(unauthorised)?;
    if write {
        let sent = h
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if sent != csrf_of(&token) {
            return Err(ApiError(
                StatusCode::FORBIDDEN,
                "a write needs the X-CSRF-Token header that login returned".into(),
            ));
        }
    }
    Ok(name)
}

/// Run `f` on a blocking thread with the state locked and the reviewer known.
async fn with_reviewer<T, F>(
    app: Arc<App>,
    headers: HeaderMap,
    write: bool,
    f: F,
) -> Result<Json<T>, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&App, &mut Inner, String) -> Result<T, ApiError> + Send + 'static,
{
    tokio::task::spawn_blocking(move || {
        let mut inner = app
            .inner
            .lock()
            .map_err(|_| ApiError(StatusCode::INTERNAL_SERVER_ERROR, "state poisoned".into()))?;
        let name = who(&inner, &headers, write)?;
        if !inner.sessions.contains_key(&name) {
            let s = Session::open(
                &inner.review,
                &SessionOptions {
                    reviewer: name.clone(),
                    protocol: None,
                    target: app.opts.target,
                    confidence: app.opts.confidence,
                    rule: app.opts.rule,
                },
            )?;
            inner.sessions.insert(name.clone(), s);
        }
        f(&app, &mut inner, name).map(Json)
    })
    .await
    .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
}

#[derive(Deserialize)]
struct Login {
    token: String,
}

async fn login(State(app): State<Arc<App>>, Json(body): Json<Login>) -> Response {
    let token = body.token.trim().to_string();
    let found = tokio::task::spawn_blocking({
        let app = app.clone();
        let token = token.clone();
        move || {
            app.inner
                .lock()
                .ok()
                .and_then(|i| i.review.reviewer_for_token(&token).ok().flatten())
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

fn record_json(s: &Session, p: &Pick) -> Value {
    let Some(r) = s.record(p.index) else {
        return json!({ "done": true });
    };
    let abs = r.abstract_text.clone().unwrap_or_default();
    let spans = |t: &str| -> Vec<[usize; 2]> {
        s.highlights(t)
            .into_iter()
            .map(|x| [x.start, x.end])
            .collect()
    };
    json!({
        "done": false,
        "key": crate::store::key_text(&r.key()),
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
    })
}

async fn next(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    with_reviewer(app, headers, false, |_, inner, name| {
        let Inner {
            sessions, picks, ..
        } = inner;
        let Some(s) = sessions.get_mut(&name) else {
            return Ok(json!({ "done": true }));
        };
        let pick = match picks.get(&name) {
            Some(p) => Some(*p),
            None => s.next_record(),
        };
        match pick {
            Some(p) => {
                picks.insert(name, p);
                Ok(record_json(s, &p))
            }
            None => Ok(json!({ "done": true })),
        }
    })
    .await
}

#[derive(Deserialize)]
struct DecisionBody {
    record: String,
    label: String,
    reason: Option<String>,
}

async fn decisions(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Json(body): Json<DecisionBody>,
) -> Result<Json<Value>, ApiError> {
    with_reviewer(app, headers, true, move |_, inner, name| {
        let label = Label::parse(&body.label).ok_or_else(|| {
            ApiError(
                StatusCode::BAD_REQUEST,
                format!("label {:?}: use include, exclude or maybe", body.label),
            )
        })?;
        let Inner {
            review,
            sessions,
            picks,
        } = inner;
        let s = sessions
            .get_mut(&name)
            .ok_or_else(|| ApiError(StatusCode::INTERNAL_SERVER_ERROR, "no session".into()))?;
        let index = s.index_of_key(&body.record).ok_or_else(|| {
            ApiError(
                StatusCode::NOT_FOUND,
                format!("no record {:?} in this review", body.record),
            )
        })?;
        let pick = match picks.get(&name) {
            Some(p) if p.index == index => *p,
            _ => Pick {
                index,
                rank: 0,
                score: 0.0,
                set_aside: false,
                again: false,
                sample: false,
            },
        };
        // stored (committed) before the answer goes out
        s.decide(review, &pick, label, body.reason.as_deref())?;
        picks.remove(&name);
        Ok(json!({ "stored": true, "record": body.record, "label": label.as_str() }))
    })
    .await
}

async fn undo(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    with_reviewer(app, headers, true, |_, inner, name| {
        let undone = inner.sessions.get_mut(&name).is_some_and(|s| s.undo());
        inner.picks.remove(&name);
        Ok(json!({ "undone": undone }))
    })
    .await
}

async fn status(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    with_reviewer(app, headers, false, |_, inner, name| {
        let s = inner
            .sessions
            .get(&name)
            .ok_or_else(|| ApiError(StatusCode::INTERNAL_SERVER_ERROR, "no session".into()))?;
        let st = s.status();
        Ok(json!({
            "reviewer": name,
            "total": st.total,
            "screened": st.screened,
            "included": st.relevant,
            "excluded": st.screened - st.relevant,
            "maybes": st.maybe,
            "recall_estimate": st.stopping.recall_estimate,
            "recall_bound": st.stopping.recall_bound,
            "can_stop": st.can_stop,
            "stopping": st.stopping,
            "stopping_line": st.stopping.to_string(),
            "sample": st.sample,
        }))
    })
    .await
}

#[derive(Deserialize)]
struct SearchQuery {
    q: String,
}

async fn search(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<SearchQuery>,
) -> Result<Json<Value>, ApiError> {
    with_reviewer(app, headers, false, move |_, inner, _| {
        let r =
            crate::pipeline::records::search(&inner.review, &q.q, 50, &crate::progress::Silent)?;
        Ok(serde_json::to_value(&r).unwrap_or(Value::Null))
    })
    .await
}

async fn csp(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

/// Serve until Ctrl-C (or SIGTERM). `ready` gets the address bound (useful
/// with port 0). Every acknowledged decision is committed before its answer.
pub fn serve(opts: ServeOptions, ready: impl FnOnce(SocketAddr)) -> Result<(), Error> {
    let review = Review::open(&opts.dir)?;
    let app = Arc::new(App {
        opts: opts.clone(),
        inner: Mutex::new(Inner {
            review,
            sessions: HashMap::new(),
            picks: HashMap::new(),
        }),
    });
    let router = Router::new()
        .route("/api/login", post(login))
        .route("/api/next", get(next))
        .route("/api/decisions", post(decisions))
        .route("/api/undo", post(undo))
        .route("/api/status", get(status))
        .route("/api/search", get(search))
        .layer(axum::middleware::from_fn(csp))
        .with_state(app);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::NotReady(format!("cannot start the server: {e}")))?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(opts.bind)
            .await
            .map_err(|e| Error::NotReady(format!("cannot listen on {}: {e}", opts.bind)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::NotReady(e.to_string()))?;
        ready(addr);
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| Error::NotReady(format!("the server stopped: {e}")))
    })
}
