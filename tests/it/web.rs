//! Issue 19's first part: `lacuna serve`'s JSON API over real HTTP on
//! 127.0.0.1 — 401 without or with a bad token, 403 on a cookie write
//! without the CSRF token, the CSP header, next / decide / undo / status /
//! search, decisions stored before the answer, a clean Ctrl-C, and the
//! warning when it listens beyond loopback.

use crate::support::{demo_imported, lacuna, stderr, stdout};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};

pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

/// One HTTP/1.1 request on its own connection.
pub fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let mut s = TcpStream::connect(addr).expect("connect");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(req.as_bytes()).expect("send");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Reply {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start(dir: &std::path::Path) -> Server {
    start_at(dir, "127.0.0.1:0")
}

/// `lacuna serve DIR --bind BIND`, once it listens; `addr` is where to call
/// it (loopback when it listens on every address).
pub fn start_at(dir: &std::path::Path, bind: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lacuna"))
        .args(["serve", "--bind", bind])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    let out = child.stdout.take().expect("stdout");
    BufReader::new(out)
        .read_line(&mut line)
        .expect("first line");
    let mut addr: SocketAddr = line
        .trim()
        .strip_prefix("listening on http://")
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("first line: {line:?}"));
    if addr.ip().is_unspecified() {
        addr.set_ip([127, 0, 0, 1].into());
    }
    Server { child, addr }
}

pub fn token(dir: &std::path::Path, name: &str) -> String {
    let o = lacuna(&[&"reviewer", &"add", &dir, &name]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o).lines().last().expect("token").trim().to_string()
}

#[test]
fn the_api_needs_a_token_and_stores_each_decision_before_answering() {
    let (_t, dir) = demo_imported();
    // no reviewers: serve refuses, saying what to do
    let o = lacuna(&[&"serve", &dir, &"--bind", &"127.0.0.1:0"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("lacuna reviewer add"), "{}", stderr(&o));
    let ana = token(&dir, "ana");
    let server = start(&dir);
    let a = server.addr;
    let bearer = format!("Bearer {ana}");
    let auth = [("Authorization", bearer.as_str())];

    // 401 without credentials or with a bad token, CSP on every answer
    let r = call(a, "GET", "/api/next", &[], "");
    assert_eq!(r.status, 401, "{}", r.body);
    let csp = r.header("content-security-policy").expect("CSP header");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let r = call(
        a,
        "GET",
        "/api/status",
        &[("Authorization", "Bearer 00ff")],
        "",
    );
    assert_eq!(r.status, 401);
    let r = call(
        a,
        "POST",
        "/api/decisions",
        &[],
        r#"{"record":"x","label":"include"}"#,
    );
    assert_eq!(r.status, 401);

    // next, decide, undo
    let r = call(a, "GET", "/api/next", &auth, "");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.header("content-security-policy").is_some());
    let first = r.json();
    let key = first["key"].as_str().expect("key").to_string();
    assert!(first["title"].is_string() && first["highlights"]["title"].is_array());
    // the same record until decided
    assert_eq!(
        call(a, "GET", "/api/next", &auth, "").json()["key"],
        key.as_str()
    );
    let body = format!(r#"{{"record":"{key}","label":"include"}}"#);
    let r = call(a, "POST", "/api/decisions", &auth, &body);
    assert_eq!(r.status, 200, "{}", r.body);
    // acknowledged: another process reads it from the store
    let o = lacuna(&[&"stats", &dir, &"--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["decisions"], 1);
    let second = call(a, "GET", "/api/next", &auth, "").json();
    assert_ne!(second["key"], key.as_str());
    let r = call(a, "POST", "/api/undo", &auth, "");
    assert_eq!(r.json()["undone"], true);
    let again = call(a, "GET", "/api/next", &auth, "").json();
    assert_eq!(
        (again["key"].as_str(), again["again"].as_bool()),
        (Some(key.as_str()), Some(true))
    );
    let body = format!(r#"{{"record":"{key}","label":"exclude"}}"#);
    assert_eq!(call(a, "POST", "/api/decisions", &auth, &body).status, 200);
    let r = call(
        a,
        "POST",
        "/api/decisions",
        &auth,
        r#"{"record":"no-such","label":"exclude"}"#,
    );
    assert_eq!(r.status, 404);
    let r = call(
        a,
        "POST",
        "/api/decisions",
        &auth,
        &format!(r#"{{"record":"{key}","label":"perhaps"}}"#),
    );
    assert_eq!(r.status, 400);
    // bodies that are not what the call takes: 401 first without a token,
    // then 400 with an {"error"} saying the shape; nothing is stored
    let cut = format!(r#"{{"record":"{key}","lab"#);
    assert_eq!(call(a, "POST", "/api/decisions", &[], &cut).status, 401);
    for bad in [cut.as_str(), r#"{"record":"x"}"#, "[]", ""] {
        let r = call(a, "POST", "/api/decisions", &auth, bad);
        assert_eq!(r.status, 400, "{bad:?}: {}", r.body);
        let e = r.json()["error"].as_str().map(str::to_string);
        assert!(
            e.as_deref().is_some_and(|e| e.contains(r#""label""#)),
            "{bad:?}: {e:?}"
        );
    }
    let long = format!(
        r#"{{"record":"{key}","label":"include","note":"{}"}}"#,
        "x".repeat(10_001)
    );
    let r = call(a, "POST", "/api/decisions", &auth, &long);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.json()["error"]
        .as_str()
        .is_some_and(|e| e.contains("10000")));
    let r = call(a, "GET", "/api/search", &auth, "");
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.json()["error"]
        .as_str()
        .is_some_and(|e| e.contains("?q=")));
    let r = call(a, "POST", "/api/login", &[], "token=abc");
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.json()["error"]
        .as_str()
        .is_some_and(|e| e.contains("token")));
    let o = lacuna(&[&"stats", &dir, &"--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["decisions"], 2, "only the two good decisions are stored");

    // status: the latest decision counts (the undone inclusion became an exclusion)
    let st = call(a, "GET", "/api/status", &auth, "").json();
    assert_eq!(
        (
            st["screened"].as_u64(),
            st["included"].as_u64(),
            st["excluded"].as_u64()
        ),
        (Some(1), Some(0), Some(1))
    );
    assert_eq!(st["maybes"], 0);
    let (est, bound) = (
        st["recall_estimate"].as_f64().expect("recall_estimate"),
        st["recall_bound"].as_f64().expect("recall_bound"),
    );
    assert!(
        (0.0..=1.0).contains(&bound) && bound <= est && est <= 1.0,
        "{st}"
    );
    assert_eq!(st["can_stop"], false);
    // how many irrelevant records in a row would let the rule stop, also in words
    // (null while the rule cannot stop that way, e.g. before any inclusion)
    assert!(st.get("to_stop").is_some(), "{st}");
    if let Some(to_stop) = st["to_stop"].as_u64() {
        assert!(
            st["stopping_line"]
                .as_str()
                .is_some_and(|l| l.contains(&format!("{to_stop} more irrelevant"))),
            "{st}"
        );
    }
    assert!(st["stopping_line"]
        .as_str()
        .expect("line")
        .starts_with("hypergeometric"));

    // login sets an HttpOnly, SameSite=Strict cookie; a cookie write needs the CSRF token
    assert_eq!(
        call(a, "POST", "/api/login", &[], r#"{"token":"nope"}"#).status,
        401
    );
    let r = call(
        a,
        "POST",
        "/api/login",
        &[],
        &format!(r#"{{"token":"{ana}"}}"#),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let cookie = r.header("set-cookie").expect("cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let csrf = r.json()["csrf"].as_str().expect("csrf").to_string();
    let jar = cookie.split(';').next().expect("pair").to_string();
    assert_eq!(
        call(a, "GET", "/api/status", &[("Cookie", &jar)], "").status,
        200
    );
    let next = call(a, "GET", "/api/next", &[("Cookie", &jar)], "").json();
    let body = format!(
        r#"{{"record":"{}","label":"include"}}"#,
        next["key"].as_str().expect("key")
    );
    assert_eq!(
        call(a, "POST", "/api/decisions", &[("Cookie", &jar)], &body).status,
        403
    );
    assert_eq!(
        call(
            a,
            "POST",
            "/api/undo",
            &[("Cookie", &jar), ("X-CSRF-Token", "wrong")],
            ""
        )
        .status,
        403
    );
    let r = call(
        a,
        "POST",
        "/api/decisions",
        &[("Cookie", &jar), ("X-CSRF-Token", &csrf)],
        &body,
    );
    assert_eq!(r.status, 200, "{}", r.body);

    // search with tantivy
    let r = call(a, "GET", "/api/search?q=mentalization", &auth, "");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json()["total"].as_u64().expect("total") > 0);

    // Ctrl-C: a clean stop, every acknowledged decision stored
    let mut server = server;
    let pid = server.child.id().to_string();
    let k = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(k.success());
    let st = server.child.wait().expect("wait");
    assert_eq!(st.code(), Some(0));
    let o = lacuna(&[&"stats", &dir, &"--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["decisions"], 3);
}

#[test]
fn binding_beyond_loopback_warns_and_still_needs_a_token() {
    let (_t, dir) = demo_imported();
    let ana = token(&dir, "ana");
    let mut server = start_at(&dir, "0.0.0.0:0");
    let a = server.addr;
    let status_without = call(a, "GET", "/api/status", &[], "").status;
    let bearer = format!("Bearer {ana}");
    let status_with = call(a, "GET", "/api/status", &[("Authorization", &bearer)], "").status;
    let _ = server.child.kill();
    let _ = server.child.wait();
    let mut err = String::new();
    server
        .child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("stderr");
    assert_eq!((status_without, status_with), (401, 200));
    assert!(
        err.contains("warning: listening on 0.0.0.0:0, beyond this machine"),
        "{err}"
    );
}
