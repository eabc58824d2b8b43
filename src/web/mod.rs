//! `lacuna serve`: the team screening server (axum on tokio, the crate's
//! only async code). It drives the library's team session
//! (`pipeline::team::Team`, over the same `pipeline::session` as `lacuna
//! screen`) and serves the pages (`web/assets`, embedded in the binary:
//! plain HTML, CSS and JavaScript, no CDN, no build step).
//!
//! Access: every API call needs a reviewer's token (`lacuna reviewer add`),
//! as `Authorization: Bearer TOKEN` or as the HttpOnly, SameSite=Strict
//! cookie that `POST /api/login` sets (a login's session id). A write made
//! with the cookie must carry the CSRF token login returned, in
//! `X-CSRF-Token`. Every response carries a Content-Security-Policy that
//! forbids inline and remote scripts, hyper's own replies to requests it
//! cannot read too (`conn`).
//!
//! Each handler (`api`) reads the request, calls one method of the team's
//! session on a blocking thread and writes JSON; the team's state, its
//! locks and its rules are the library's.

mod api;
mod conn;

use crate::error::Error;
use crate::pipeline::team::{Team, TeamOptions};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;

/// The Content-Security-Policy of every response.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The review and its stopping rule.
    pub team: TeamOptions,
    /// Address to listen on.
    pub bind: SocketAddr,
}

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");

fn asset(kind: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn index_html() -> Response {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

async fn app_js() -> Response {
    asset("text/javascript; charset=utf-8", APP_JS)
}

async fn app_css() -> Response {
    asset("text/css; charset=utf-8", APP_CSS)
}

/// The headers every reply carries, the app's and hyper's own alike.
pub(crate) const SECURITY_HEADERS: [(header::HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, CSP),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "no-referrer"),
];

async fn csp(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        h.insert(name, HeaderValue::from_static(value));
    }
    r
}

/// Serve until Ctrl-C (or SIGTERM). The sessions are opened first (the
/// records ranked), then `ready` gets the address bound (useful with port
/// 0). Every acknowledged decision is committed before its answer.
pub fn serve(opts: ServeOptions, ready: impl FnOnce(SocketAddr)) -> Result<(), Error> {
    let team = Arc::new(Team::open(opts.team.clone())?);
    let router = router(team);
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
        accept(listener, router).await;
        Ok(())
    })
}

/// The server's routes over a team session: the pages, the JSON API and the
/// security headers on every reply. `serve` puts it on a socket; the `web`
/// fuzz target calls it in process.
pub fn router(team: Arc<Team>) -> Router {
    Router::new()
        .route("/", get(index_html))
        .route("/app.js", get(app_js))
        .route("/app.css", get(app_css))
        .route("/api/login", post(api::login))
        .route("/api/logout", post(api::logout))
        .route("/api/next", get(api::next))
        .route("/api/decisions", post(api::decisions))
        .route("/api/undo", post(api::undo))
        .route("/api/status", get(api::status))
        .route("/api/search", get(api::search))
        .route("/api/conflicts", get(api::conflicts))
        .route("/api/conflicts/resolve", post(api::resolve))
        .route("/api/agreement", get(api::agreement))
        .layer(axum::middleware::from_fn(csp))
        .with_state(team)
}

/// Serve each connection (one request each: see `conn`) until Ctrl-C, then
/// let the requests in flight finish.
async fn accept(listener: tokio::net::TcpListener, router: Router) {
    use hyper_util::rt::TokioIo;
    use hyper_util::service::TowerToHyperService;
    use std::sync::atomic::{AtomicBool, Ordering};
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        let stream = tokio::select! {
            conn = listener.accept() => match conn {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // out of file descriptors, or a connection reset before it
                    // was taken: carry on with the next
                    tracing::warn!("accept: {e}");
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let served = Arc::new(AtomicBool::new(false));
        let io = TokioIo::new(conn::Guarded::new(stream, served.clone()));
        let app = TowerToHyperService::new(router.clone());
        let service = hyper::service::service_fn(move |req| {
            served.store(true, Ordering::SeqCst);
            hyper::service::Service::call(&app, req)
        });
        let c = hyper::server::conn::http1::Builder::new()
            .keep_alive(false)
            .serve_connection(io, service);
        let c = graceful.watch(c);
        tokio::spawn(async move {
            if let Err(e) = c.await {
                tracing::debug!("connection: {e}");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
