//! Fuzz target: any bytes as a request to `lacuna serve`'s JSON API, run in
//! process through the server's own router (`lacuna::web::router`) over a
//! team session on a small review (40 records, the CEN protocol, two
//! reviewers), made once per fuzzing process in a temporary folder.
//!
//! The first byte picks the endpoint, the second the credentials (a good
//! bearer token, another reviewer's, none, a forged one, the login cookie
//! with or without its CSRF token); the rest is the JSON body (or the search
//! words). Every reply must carry the security headers and a JSON body, and
//! no input may get a 500: the team says 400, 401, 403, 404 or 409 to what
//! it does not take, and never panics.
//! Run: `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run web`.

#![no_main]

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use lacuna::pipeline::team::{Team, TeamOptions};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

/// Records of the fuzzing review: their DOIs are `10.5555/fuzz.N`.
const RECORDS: usize = 40;

struct World {
    rt: tokio::runtime::Runtime,
    router: Router,
    tokens: [String; 2],
    cookie: String,
    csrf: String,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| setup().unwrap_or_else(|e| panic!("setting up the fuzzing review: {e}")))
}

fn folder() -> PathBuf {
    let shm = PathBuf::from("/dev/shm");
    let base = if shm.is_dir() {
        shm
    } else {
        std::env::temp_dir()
    };
    base.join(format!("lacuna-fuzz-web-{}", std::process::id()))
}

/// Folders earlier fuzzing processes left behind (their process is gone).
fn remove_stale(base: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Some(pid) = name.strip_prefix("lacuna-fuzz-web-") else {
            continue;
        };
        if !std::path::Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

fn setup() -> Result<World, Box<dyn std::error::Error>> {
    let dir = folder();
    if let Some(base) = dir.parent() {
        remove_stale(base);
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut review = lacuna::store::Review::init(&dir)?;
    std::fs::write(
        lacuna::pipeline::folder::protocol_path(&dir),
        include_str!("../../protocols/complex-emotional-needs.toml"),
    )?;
    let topics = [
        "dialectical behaviour therapy for self-harm",
        "mentalization-based treatment in day hospital",
        "peer support workers in crisis services",
        "housing first for people with complex emotional needs",
        "schema therapy in groups",
        "antipsychotic medication for impulsivity",
        "family connections programme for carers",
        "brief admission by self-referral",
    ];
    let mut csv = String::from("title;abstract;year;doi\n");
    for i in 0..RECORDS {
        let t = topics[i % topics.len()];
        csv.push_str(&format!(
            "Trial {i} of {t};\"A randomised trial of {t} in adults with borderline personality disorder; \
             outcomes were self-harm, symptoms and quality of life.\";{};10.5555/fuzz.{i}\n",
            2000 + i
        ));
    }
    let file = dir.join("records.csv");
    std::fs::write(&file, csv)?;
    lacuna::pipeline::import(&mut review, &[file], &lacuna::progress::Silent)?;
    let tokens = [review.add_reviewer("ana")?, review.add_reviewer("ben")?];
    drop(review);
    let team = Team::open(TeamOptions {
        dir,
        target: 0.95,
        confidence: 0.95,
        rule: lacuna::screen::stop::DEFAULT,
    })?;
    let router = lacuna::web::router(Arc::new(team));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // one login, whose cookie and CSRF token the cookie cases use
    let login = Request::post("/api/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(format!(r#"{{"token": "{}"}}"#, tokens[0])))?;
    let (cookie, csrf) = rt.block_on(async {
        let r = router.clone().oneshot(login).await?;
        let cookie = r
            .headers()
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap_or_default()
            .to_string();
        let body = axum::body::to_bytes(r.into_body(), 1 << 20).await?;
        let v: serde_json::Value = serde_json::from_slice(&body)?;
        let csrf = v["csrf"].as_str().unwrap_or_default().to_string();
        Ok::<_, Box<dyn std::error::Error>>((cookie, csrf))
    })?;
    if cookie.is_empty() || csrf.is_empty() {
        return Err("the login gave no cookie or no CSRF token".into());
    }
    Ok(World {
        rt,
        router,
        tokens,
        cookie,
        csrf,
    })
}

const ROUTES: [(&str, &str); 10] = [
    ("POST", "/api/login"),
    ("POST", "/api/decisions"),
    ("POST", "/api/conflicts/resolve"),
    ("GET", "/api/search"),
    ("GET", "/api/next"),
    ("POST", "/api/undo"),
    ("GET", "/api/status"),
    ("GET", "/api/conflicts"),
    ("GET", "/api/agreement"),
    ("POST", "/api/logout"),
];

/// Percent-encode every byte but unreserved ASCII (the search words).
fn encode(b: &[u8]) -> String {
    b.iter()
        .map(|&c| {
            if c.is_ascii_alphanumeric() || b"-._~".contains(&c) {
                (c as char).to_string()
            } else {
                format!("%{c:02X}")
            }
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let w = world();
    let (Some(&route), Some(&auth)) = (data.first(), data.get(1)) else {
        return;
    };
    let rest = &data[2..];
    let (method, path) = ROUTES[usize::from(route) % ROUTES.len()];
    let uri = if path == "/api/search" {
        format!("{path}?q={}", encode(rest))
    } else {
        path.to_string()
    };
    let mut req = Request::builder()
        .method(if method == "POST" {
            Method::POST
        } else {
            Method::GET
        })
        .uri(uri);
    match auth % 6 {
        0 => req = req.header(header::AUTHORIZATION, format!("Bearer {}", w.tokens[0])),
        1 => req = req.header(header::AUTHORIZATION, format!("Bearer {}", w.tokens[1])),
        2 => {}
        3 => req = req.header(header::AUTHORIZATION, "Bearer forged-token"),
        4 => {
            req = req
                .header(header::COOKIE, &w.cookie)
                .header("X-CSRF-Token", &w.csrf)
        }
        _ => req = req.header(header::COOKIE, &w.cookie),
    }
    let body = if method == "POST" && path != "/api/search" {
        req = req.header(header::CONTENT_TYPE, "application/json");
        Body::from(rest.to_vec())
    } else {
        Body::empty()
    };
    let Ok(req) = req.body(body) else {
        return;
    };
    // a logout would end the cookie's login for every later input
    if path == "/api/logout" && auth % 6 >= 4 {
        return;
    }
    w.rt.block_on(async {
        let r = match w.router.clone().oneshot(req).await {
            Ok(r) => r,
            Err(e) => match e {},
        };
        let status = r.status();
        for name in [
            header::CONTENT_SECURITY_POLICY,
            header::X_CONTENT_TYPE_OPTIONS,
            header::X_FRAME_OPTIONS,
        ] {
            assert!(r.headers().contains_key(&name), "{path}: no {name} header");
        }
        let body = axum::body::to_bytes(r.into_body(), 64 << 20)
            .await
            .unwrap_or_else(|e| panic!("{path}: the body could not be read: {e}"));
        assert!(
            serde_json::from_slice::<serde_json::Value>(&body).is_ok(),
            "{path} ({status}): the body is not JSON: {}",
            String::from_utf8_lossy(&body)
        );
        assert_ne!(
            status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{path}: {}",
            String::from_utf8_lossy(&body)
        );
    });
});
