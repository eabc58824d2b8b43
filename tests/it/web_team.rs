//! Issue 19's team parts: blind dual screening, conflicts and agreement
//! over real HTTP; a team sharing one ranking gets different records; the
//! pages in headless Chromium (with a record whose text holds a script);
//! 4 clients × 1,000 decisions at once; `kill -9` mid-burst.

use crate::support::{demo_imported, lacuna, new_review, root, run_browser, stderr, stdout};
use crate::web::{call, start, token};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

pub fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

pub fn get(a: SocketAddr, path: &str, tok: &str) -> Value {
    let b = bearer(tok);
    let r = call(a, "GET", path, &[("Authorization", &b)], "");
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.json()
}

pub fn post(a: SocketAddr, path: &str, tok: &str, body: &Value) -> (u16, Value) {
    let b = bearer(tok);
    let r = call(a, "POST", path, &[("Authorization", &b)], &body.to_string());
    let v = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    (r.status, v)
}

/// `POST /api/decisions` with `body`; it must be stored.
fn decide(a: SocketAddr, tok: &str, body: Value) {
    let (s, v) = post(a, "/api/decisions", tok, &body);
    assert_eq!(s, 200, "{body}: {v}");
}

/// The review's protocol, with `[screening] dual = true` when asked.
pub fn keep_protocol(dir: &Path, dual: bool) {
    let text = std::fs::read_to_string(root().join("protocols/complex-emotional-needs.toml"))
        .expect("protocol");
    let text = if dual {
        text.replacen("[screening]\n", "[screening]\ndual = true\n", 1)
    } else {
        text
    };
    assert!(!dual || text.contains("dual = true"));
    std::fs::write(lacuna::pipeline::folder::protocol_path(dir), text).expect("write protocol");
}

fn decision_rows(dir: &Path) -> Vec<(String, String, String, Option<String>)> {
    let c = rusqlite::Connection::open(dir.join("lacuna.db")).expect("open db");
    let mut st = c
        .prepare(
            "SELECT r.key, d.reviewer, d.label, d.note FROM decisions d JOIN records r ON r.id = d.record_id ORDER BY d.id",
        )
        .expect("prepare");
    let rows = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("query");
    rows.map(|r| r.expect("row")).collect()
}

#[test]
fn blind_dual_screening_hides_the_other_reviewer_and_conflicts_get_resolved() {
    let (_t, dir) = demo_imported();
    keep_protocol(&dir, true);
    let ana = token(&dir, "ana");
    let ben = token(&dir, "ben");
    let cara = token(&dir, "cara");
    let server = start(&dir);
    let a = server.addr;

    // both get the same first record: each record goes to two reviewers
    let x = get(a, "/api/next", &ana)["key"]
        .as_str()
        .expect("key")
        .to_string();
    assert_eq!(get(a, "/api/next", &ben)["key"], x.as_str());
    // a third reviewer is passed over it while two others hold it
    assert_ne!(get(a, "/api/next", &cara)["key"], x.as_str());
    decide(
        a,
        &ana,
        serde_json::json!({"record": x, "label": "include", "note": "RCT of MBT; check the follow-up"}),
    );
    // a reason must be one of the protocol's
    let (s, v) = post(
        a,
        "/api/decisions",
        &ben,
        &serde_json::json!({"record": x, "label": "exclude", "reason": "astrology"}),
    );
    assert_eq!(s, 400, "{v}");
    assert!(v["error"].as_str().expect("error").contains("population"));
    decide(
        a,
        &ben,
        serde_json::json!({"record": x, "label": "exclude", "reason": "population"}),
    );
    // ana decides three more; ben sees none of it
    for _ in 0..3 {
        let k = get(a, "/api/next", &ana)["key"].clone();
        decide(
            a,
            &ana,
            serde_json::json!({"record": k, "label": "exclude"}),
        );
    }
    let st_ben = get(a, "/api/status", &ben);
    assert_eq!(
        (st_ben["screened"].as_u64(), st_ben["dual"].as_bool()),
        (Some(1), Some(true)),
        "{st_ben}"
    );
    let st_ana = get(a, "/api/status", &ana);
    assert_eq!(st_ana["screened"], 4);
    // with an inclusion the rule can say how many irrelevant records in a
    // row it still needs, as a number and in the status line
    let to_stop = st_ana["to_stop"].as_u64().expect("to_stop");
    assert!(
        st_ana["stopping_line"]
            .as_str()
            .is_some_and(|l| l.contains(&format!("{to_stop} more irrelevant"))),
        "{st_ana}"
    );
    // blind: ben's next record is not one ana decided... unless two reviewers
    // are needed on it, which they are: ben still gets the records ana decided
    // (ana's labels do not reach ben's ranking), and cara never gets x
    let cara_next = get(a, "/api/next", &cara)["key"].clone();
    assert_ne!(cara_next, x.as_str());

    // the conflict: both decisions side by side
    let c = get(a, "/api/conflicts", &cara);
    let list = c["conflicts"].as_array().expect("list");
    assert_eq!(list.len(), 1, "{c}");
    assert_eq!(list[0]["key"], x.as_str());
    let votes: BTreeMap<String, String> = list[0]["votes"]
        .as_array()
        .expect("votes")
        .iter()
        .map(|v| {
            (
                v["reviewer"].as_str().expect("who").to_string(),
                v["label"].as_str().expect("label").to_string(),
            )
        })
        .collect();
    assert_eq!(
        votes,
        BTreeMap::from([
            ("ana".to_string(), "include".to_string()),
            ("ben".to_string(), "exclude".to_string())
        ])
    );
    // κ per pair: ana and ben both screened one record and disagreed
    let ag = get(a, "/api/agreement", &ana);
    let pair = ag["pairs"]
        .as_array()
        .expect("pairs")
        .iter()
        .find(|p| p["a"] == "ana" && p["b"] == "ben")
        .cloned()
        .expect("ana-ben");
    assert_eq!(
        (pair["both"].as_u64(), pair["agreed"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(ag["conflicts"], 1);

    // the resolution is stored and ends the conflict
    let (s, v) = post(
        a,
        "/api/conflicts/resolve",
        &cara,
        &serde_json::json!({"record": x, "label": "include"}),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        get(a, "/api/conflicts", &ana)["conflicts"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let rows = decision_rows(&dir);
    assert_eq!(rows.len(), 6, "{rows:?}");
    assert_eq!(
        rows[0].3.as_deref(),
        Some("RCT of MBT; check the follow-up"),
        "the note is kept"
    );
    let c = rusqlite::Connection::open(dir.join("lacuna.db")).expect("db");
    let (stage, who): (String, String) = c
        .query_row(
            "SELECT stage, reviewer FROM decisions ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("row");
    assert_eq!((stage.as_str(), who.as_str()), ("resolution", "cara"));
    // the resolved label reaches ben's ranking: his status counts it
    let st_ben = get(a, "/api/status", &ben);
    assert_eq!(st_ben["included"], 1, "{st_ben}");
    // a resolution with a label that is not one is refused
    let (s, _) = post(
        a,
        "/api/conflicts/resolve",
        &cara,
        &serde_json::json!({"record": x, "label": "perhaps"}),
    );
    assert_eq!(s, 400);
}

#[test]
fn a_team_sharing_one_ranking_gets_different_records_and_sees_each_others_decisions() {
    let (_t, dir) = demo_imported();
    keep_protocol(&dir, false);
    let ana = token(&dir, "ana");
    let ben = token(&dir, "ben");
    let server = start(&dir);
    let a = server.addr;
    let ka = get(a, "/api/next", &ana)["key"].clone();
    let kb = get(a, "/api/next", &ben)["key"].clone();
    assert_ne!(
        ka, kb,
        "two reviewers must not screen the same record at once"
    );
    assert_eq!(get(a, "/api/status", &ben)["dual"], false);
    decide(
        a,
        &ana,
        serde_json::json!({"record": ka, "label": "include"}),
    );
    // ben's status counts ana's decision: one ranking for the team
    let st = get(a, "/api/status", &ben);
    assert_eq!(
        (st["screened"].as_u64(), st["included"].as_u64()),
        (Some(1), Some(1))
    );
    // and ana never gets a record ben has on screen, nor hers again
    let next = get(a, "/api/next", &ana)["key"].clone();
    assert!(next != kb && next != ka);
    // highlights are UTF-16 offsets into the text
    let r = get(a, "/api/next", &ana);
    let title = r["title"].as_str().expect("title");
    let units: Vec<u16> = title.encode_utf16().collect();
    for span in r["highlights"]["title"].as_array().expect("spans") {
        let (s, e) = (
            span[0].as_u64().expect("start") as usize,
            span[1].as_u64().expect("end") as usize,
        );
        assert!(s < e && e <= units.len());
        let slice = units.get(s..e).map(String::from_utf16).expect("in range");
        assert!(slice.is_ok_and(|t| !t.trim().is_empty()));
    }
}

/// A record whose title and abstract hold markup that would run if shown as HTML.
fn add_hostile_record(dir: &Path) {
    let rec = serde_json::json!({
        "schema_version": 1,
        "kind": "article",
        "source_id": "xss-001",
        "title": "<script>document.title='pwned'</script> Peer support & <b>friendship</b> groups for borderline personality disorder",
        "abstract": "<img src=x onerror=\"window.__pwned=true;document.title='pwned'\"> A zebrafinch pilot trial of peer support for people with borderline personality disorder.",
        "year": 2024,
        "journal": "Test & <i>Journal</i>"
    });
    let path = dir.join("hostile.jsonl");
    std::fs::write(&path, format!("{rec}\n")).expect("write");
    let o = lacuna(&[&"import", &dir, &path, &"-q"]);
    assert_eq!(o.status.code(), Some(0), "import: {}", stderr(&o));
}

/// The pages in Chromium. Needs node with playwright-core in tests/browser
/// and Chromium (`.ci/run` installs both).
#[test]
fn two_reviewers_screen_and_resolve_in_chromium() {
    let (_t, dir) = demo_imported();
    keep_protocol(&dir, true);
    add_hostile_record(&dir);
    let ana = token(&dir, "ana");
    let _ben = token(&dir, "ben");
    // a conflict on the hostile record, so that the conflicts page shows its text
    for (who, label) in [("ben", "exclude"), ("ana", "include")] {
        let csv = dir.join(format!("{who}.csv"));
        std::fs::write(&csv, format!("key,label\nsrc:xss-001,{label}\n")).expect("csv");
        let o = lacuna(&[&"decide", &dir, &"--from", &csv, &"--reviewer", &who, &"-q"]);
        assert_eq!(o.status.code(), Some(0), "decide: {}", stderr(&o));
    }
    let server = start(&dir);
    let shots = root().join("target/screenshots");
    std::fs::create_dir_all(&shots).expect("shots dir");
    let r = run_browser(
        "screening.mjs",
        &[
            &format!("http://{}", server.addr),
            &ana,
            &"zebrafinch",
            &shots,
        ],
    );
    assert_eq!(r["error"], Value::Null, "{r}");
    assert_eq!(r["page_errors"], Value::Array(vec![]), "{r}");
    assert_eq!(r["dialogs"], Value::Array(vec![]), "{r}");
    // nothing in the record text ran: the title is the app's, no flag set,
    // the <img> was never fetched, no CSP violation was even attempted
    assert_eq!(r["title"], "Lacuna · screening", "{r}");
    assert_eq!(r["pwned"], false);
    assert_eq!(r["csp_violations"], 0, "{r}");
    let requests: Vec<&str> = r["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(!requests.contains(&"/x"), "{requests:?}");
    assert!(
        requests
            .iter()
            .all(|p| p.starts_with("/api/") || ["/", "/app.js", "/app.css"].contains(p)),
        "only the app's own files and API: {requests:?}"
    );
    let s = &r["steps"];
    assert!(
        s["bad_login_message"]
            .as_str()
            .is_some_and(|m| m.contains("not known")),
        "{s}"
    );
    assert!(s["reviewer"].as_str().is_some_and(|w| w.starts_with("ana")));
    // five different records decided by keyboard, the decision bar never moved
    let decided: Vec<String> = s["decided"]
        .as_array()
        .expect("decided")
        .iter()
        .map(|k| k.as_str().expect("key").to_string())
        .collect();
    assert_eq!(decided.iter().collect::<BTreeSet<_>>().len(), 5, "{s}");
    let boxes = s["decision_bar_boxes"].as_array().expect("boxes");
    assert!(
        boxes.windows(2).all(|w| w[0] == w[1]),
        "layout jump: {boxes:?}"
    );
    assert!(
        s["marks"].as_u64().is_some_and(|m| m > 0),
        "no highlighted term: {s}"
    );
    // undo showed the fifth record again
    assert_eq!(s["undo_shows"], decided[4].as_str());
    assert!(s["undo_flag"].as_str().is_some_and(|f| f.contains("again")));
    // the store holds the keyboard's decisions, the undone one superseded by
    // an exclusion with the first reason
    let rows = decision_rows(&dir);
    let ana_rows: Vec<&(String, String, String, Option<String>)> =
        rows.iter().filter(|r| r.1 == "ana").collect();
    let labels: Vec<(&str, &str)> = ana_rows
        .iter()
        .skip(1) // the CSV decision on the hostile record
        .map(|r| (r.0.as_str(), r.2.as_str()))
        .collect();
    let want: Vec<(&str, &str)> = decided
        .iter()
        .map(String::as_str)
        .zip(["include", "exclude", "exclude", "maybe", "exclude"])
        .chain([(decided[4].as_str(), "exclude")])
        .collect();
    assert_eq!(labels[..6], want[..], "{rows:?}");
    let c = rusqlite::Connection::open(dir.join("lacuna.db")).expect("db");
    let reason: Option<String> = c
        .query_row(
            "SELECT d.reason FROM decisions d WHERE d.reviewer = 'ana' AND d.stage = 'title_abstract' ORDER BY d.id LIMIT 1 OFFSET 6",
            [],
            |r| r.get(0),
        )
        .expect("row");
    assert_eq!(reason.as_deref(), Some("population"));
    // the search hit decided from the page, shown as text
    assert_eq!(s["hit_decided"], "decided: include");
    assert_eq!(s["hit_markup"], 0);
    assert!(labels.len() >= 7, "{labels:?}");
    // the conflict resolved from the page; its text showed as text
    assert_eq!(s["conflicts_before"], serde_json::json!(["src:xss-001"]));
    assert_eq!(s["conflicts_after"], serde_json::json!([]));
    assert!(s["conflict_title"]
        .as_str()
        .is_some_and(|t| t.starts_with("<script>document.title='pwned'</script>")));
    assert_eq!(s["conflict_markup"], 0);
    let last = rows.last().expect("rows");
    assert_eq!(
        (last.0.as_str(), last.2.as_str()),
        ("src:xss-001", "include")
    );
    // progress: a row per reviewer, κ for the pair
    assert_eq!(s["per_reviewer"].as_array().map(Vec::len), Some(2), "{s}");
    assert_eq!(s["pairs"].as_array().map(Vec::len), Some(1), "{s}");
    for shot in ["login", "screen", "search", "conflicts", "progress"] {
        assert!(shots.join(format!("{shot}.png")).is_file(), "{shot}.png");
    }
}

/// `n` made-up records on two topics, enough to rank.
fn synthetic_review(n: usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let (t, dir) = new_review();
    let topics = [
        "dialectical behaviour therapy for borderline personality disorder randomised trial",
        "hip fracture surgery outcomes in older adults cohort",
    ];
    let words = [
        "emotion",
        "regulation",
        "crisis",
        "self-harm",
        "group",
        "skills",
        "outcome",
        "cost",
        "service",
        "peer",
        "housing",
        "carers",
        "quality",
        "mortality",
        "rehabilitation",
        "mentalization",
        "schema",
        "transference",
        "inpatient",
        "community",
        "adolescent",
        "perinatal",
        "prison",
        "homeless",
        "suicide",
        "relapse",
        "adherence",
        "stigma",
        "trauma",
        "attachment",
        "employment",
        "wellbeing",
        "dropout",
        "remission",
        "anxiety",
        "depression",
    ];
    // Distinct titles (seven words drawn by a fixed LCG), so that
    // deduplication finds no pairs among the made-up records.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut draw = || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        words[(seed >> 33) as usize % words.len()]
    };
    let mut text = String::new();
    for i in 0..n {
        let topic = topics[i % 7 / 6];
        let w: Vec<&str> = (0..7).map(|_| draw()).collect();
        let rec = serde_json::json!({
            "schema_version": 1,
            "kind": "article",
            "source_id": format!("syn-{i:05}"),
            "title": format!("{} {} {} in {topic}: {} {} {} {}", w[0], w[1], w[2], w[3], w[4], w[5], w[6]),
            "abstract": format!("We studied {} with {} in {topic}. Record {i}.", w[0], w[4]),
            "year": 2000 + (i % 25) as i64,
        });
        text.push_str(&rec.to_string());
        text.push('\n');
    }
    let path = t.path().join("syn.jsonl");
    std::fs::write(&path, text).expect("write");
    let o = lacuna(&[&"import", &dir, &path, &"-q"]);
    assert_eq!(o.status.code(), Some(0), "import: {}", stderr(&o));
    (t, dir)
}

/// One client: `n` rounds of next → decide; the (record, label) pairs the
/// server acknowledged.
fn client(a: SocketAddr, tok: &str, n: usize, acked: &Mutex<Vec<(String, String)>>) -> usize {
    let mut errors = 0;
    for i in 0..n {
        let r = get(a, "/api/next", tok);
        let Some(key) = r["key"].as_str() else {
            eprintln!("client stops after {i} rounds: {r}");
            break;
        };
        let label = if key.ends_with('0') || i % 9 == 0 {
            "include"
        } else {
            "exclude"
        };
        let (s, _) = post(
            a,
            "/api/decisions",
            tok,
            &serde_json::json!({"record": key, "label": label}),
        );
        if s == 200 {
            if let Ok(mut v) = acked.lock() {
                v.push((key.to_string(), label.to_string()));
            }
        } else {
            errors += 1;
        }
    }
    errors
}

#[test]
fn four_clients_make_a_thousand_decisions_each_and_the_store_holds_exactly_those() {
    let (_t, dir) = synthetic_review(4_400);
    let tokens: Vec<String> = ["a", "b", "c", "d"]
        .iter()
        .map(|n| token(&dir, n))
        .collect();
    let server = start(&dir);
    let a = server.addr;
    let acked = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = tokens
        .iter()
        .cloned()
        .map(|t| {
            let acked = acked.clone();
            std::thread::spawn(move || client(a, &t, 1_000, &acked))
        })
        .collect();
    let errors: usize = handles.into_iter().map(|h| h.join().expect("client")).sum();
    assert_eq!(errors, 0);
    let acked = acked.lock().expect("acked").clone();
    assert_eq!(acked.len(), 4_000);
    let rows = decision_rows(&dir);
    let stored: BTreeSet<(String, String)> =
        rows.iter().map(|r| (r.0.clone(), r.2.clone())).collect();
    let sent: BTreeSet<(String, String)> = acked.iter().cloned().collect();
    assert_eq!(rows.len(), 4_000, "exactly the acknowledged decisions");
    assert_eq!(stored, sent);
    // one ranking for the team: no record was handed to two clients
    let keys: BTreeSet<&String> = rows.iter().map(|r| &r.0).collect();
    assert_eq!(keys.len(), 4_000);
    let o = lacuna(&[&"stats", &dir, &"--json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["decisions"], 4_000);
}

#[test]
fn a_server_killed_mid_burst_loses_no_acknowledged_decision() {
    let (_t, dir) = synthetic_review(1_500);
    let tokens: Vec<String> = ["a", "b"].iter().map(|n| token(&dir, n)).collect();
    let mut server = start(&dir);
    let a = server.addr;
    let acked = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = tokens
        .iter()
        .cloned()
        .map(|t| {
            let acked = acked.clone();
            // the clients stop at the first refused connection
            std::thread::spawn(move || {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    client(a, &t, 100_000, &acked)
                }));
            })
        })
        .collect();
    while acked.lock().map(|v| v.len()).unwrap_or(0) < 150 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // SIGKILL: no clean-up of any kind
    server.child.kill().expect("kill -9");
    let _ = server.child.wait();
    for h in handles {
        let _ = h.join();
    }
    let acked = acked.lock().expect("acked").clone();
    assert!(acked.len() >= 150);
    let stored: BTreeSet<(String, String)> = decision_rows(&dir)
        .into_iter()
        .map(|r| (r.0, r.2))
        .collect();
    let lost: Vec<&(String, String)> = acked.iter().filter(|d| !stored.contains(d)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    // the review opens afterwards, and serves again
    let o = lacuna(&[&"stats", &dir]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let again = start(&dir);
    let st = get(again.addr, "/api/status", &tokens[0]);
    assert!(st["screened"]
        .as_u64()
        .is_some_and(|n| n as usize >= acked.len()));
}
