//! The real E-utilities client against the loopback server: paging through
//! the History server, the rate limit measured at the server, every fault
//! recovered or reported, the 9,999 cap split by PMID range, a killed
//! harvest resumed, and `--since-last`.

use crate::eutils_server::{Fault, Server};
use crate::support::{lacuna, new_review, shared, stderr, stdout};
use lacuna::harvest::{eutils, Client, Config, FetchBy, HarvestError, RateLimiter};
use lacuna::model::Pmid;
use lacuna::pipeline::harvest::{harvest, HarvestSpec};
use lacuna::progress::Silent;
use lacuna::store::Review;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

fn server() -> Server {
    Server::start(&shared().join("fixtures/pubmed"))
}

/// A client with its own fast limiter and short backoff (tests of faults,
/// not of politeness).
fn fast_client(s: &Server, batch: usize) -> Client {
    Client::new(Config {
        base_url: s.url(),
        email: Some("tests@example.org".into()),
        batch,
        retries: 4,
        backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        timeout: Duration::from_millis(1500),
        limiter: Some(std::sync::Arc::new(RateLimiter::new(200))),
        ..Config::default()
    })
    .expect("client")
}

fn spec(term: &str) -> HarvestSpec {
    HarvestSpec {
        name: "term".into(),
        term: term.into(),
        overlap_days: 7,
        ..HarvestSpec::default()
    }
}

fn review() -> (tempfile::TempDir, Review) {
    let t = tempfile::tempdir().expect("tempdir");
    let r = Review::init(&t.path().join("r")).expect("init");
    (t, r)
}

/// `--resume`: finish the unfinished harvest.
fn resume(r: &mut Review, client: &Client) {
    let rep = harvest(
        r,
        client,
        &HarvestSpec {
            resume: true,
            ..spec("")
        },
        &Silent,
    )
    .expect("resume");
    assert!(rep.resumed);
}

fn stored_pmids(r: &Review) -> Vec<u64> {
    let mut v = Vec::new();
    r.for_each_current(|_, rec| {
        if let Some(p) = rec.pmid {
            v.push(p.get());
        }
        Ok(())
    })
    .expect("records");
    v.sort_unstable();
    v
}

#[test]
fn recorded_esearch_replies_are_read() {
    let fx = shared().join("fixtures/pubmed");
    let read = |n: &str| eutils::read_esearch(&std::fs::read(fx.join(n)).expect("fixture"));
    let h = read("biopython__esearch2.xml").expect("history reply");
    assert!(h.webenv.is_some() && h.query_key.is_some());
    assert_eq!(h.ids.len(), 100);
    assert!(h.count >= 100);
    let nf = read("biopython__esearch8.xml").expect("PhraseNotFound reply");
    assert_eq!(nf.not_found, vec!["abcXYZ".to_string()]);
    assert_eq!(nf.count, 0);
    let err = read("klortho-eutils-json__esearch.baderror.xml").expect("ERROR reply");
    assert_eq!(
        err.error.as_deref(),
        Some("Invalid db name specified: fleegle")
    );
    // A truncated document (recorded on purpose) is refused, not read as empty.
    assert!(read("biopython__einfo4.xml").is_err());
}

#[test]
fn a_harvest_stores_every_record_once_with_the_fewest_requests() {
    let s = server();
    let ids = s.add_recorded("borderline personality disorder", "2020/01/01");
    let n = ids.len();
    let (_t, mut r) = review();
    let client = fast_client(&s, 40);
    let rep = harvest(
        &mut r,
        &client,
        &spec("borderline personality disorder"),
        &Silent,
    )
    .expect("harvest");
    assert_eq!(rep.new as usize, n);
    assert_eq!(rep.missing, 0);
    let mut want = ids.clone();
    want.sort_unstable();
    assert_eq!(stored_pmids(&r), want);
    let log = s.log();
    // 1 esearch + ceil(N / batch) efetch, nothing more.
    assert_eq!(log.len(), 1 + n.div_ceil(40), "{} requests", log.len());
    assert!(log
        .iter()
        .filter(|l| l.util == "efetch")
        .all(|l| l.param("WebEnv").is_some() && l.param("query_key") == Some("1")));
    assert!(log.iter().all(
        |l| l.param("tool") == Some("lacuna") && l.param("email") == Some("tests@example.org")
    ));
    assert_eq!(
        rep.translation.as_deref(),
        Some("borderline personality disorder[All Fields]")
    );
    // The search is logged for PRISMA-S: query, translation, count.
    let h = &r.harvests().expect("log")[0];
    assert_eq!((h.count as usize, h.stored as usize), (n, n));
    assert!(h.finished_at.is_some());
    // The same harvest again adds nothing.
    let again = harvest(
        &mut r,
        &client,
        &spec("borderline personality disorder"),
        &Silent,
    )
    .expect("harvest again");
    assert_eq!((again.new, again.unchanged as usize), (0, n));
}

#[test]
fn the_rate_limit_holds_across_the_process_as_measured_by_the_server() {
    let s = server();
    s.add_recorded("dbt", "2020/01/01");
    s.enforce_rate(3);
    // Two clients sharing the process-wide limiter (no key: 3 requests/s).
    let mk = || {
        Client::new(Config {
            base_url: s.url(),
            ..Config::default()
        })
        .expect("client")
    };
    let (a, b) = (mk(), mk());
    std::thread::scope(|sc| {
        sc.spawn(|| {
            for _ in 0..5 {
                a.esearch("dbt", &[], 5).expect("esearch a");
            }
        });
        sc.spawn(|| {
            for _ in 0..5 {
                b.esearch("dbt", &[], 5).expect("esearch b");
            }
        });
    });
    let log = s.log();
    assert_eq!(log.len(), 10);
    assert!(
        log.iter().all(|l| l.status == 200),
        "the server answered 429"
    );
    let t: Vec<Instant> = log.iter().map(|l| l.at).collect();
    for w in t.windows(4) {
        assert!(
            w[3].duration_since(w[0]) >= Duration::from_secs(1),
            "4 requests within {:?}",
            w[3].duration_since(w[0])
        );
    }
    // Sustained rate within 5 % of the allowed 3/s.
    let span = t[9].duration_since(t[0]).as_secs_f64();
    let rate = 9.0 / span;
    assert!(rate > 2.85 && rate <= 3.0, "sustained rate {rate:.3}/s");
}

#[test]
fn every_fault_is_recovered_and_retry_after_is_honoured() {
    let s = server();
    let ids = s.add_recorded("mbt", "2020/01/01");
    let faults = [
        Fault::TooMany(Some(1)),
        Fault::TooMany(None),
        Fault::Status(500),
        Fault::Status(502),
        Fault::Status(503),
        Fault::Slow(Duration::from_secs(3)),
        Fault::Drop,
        Fault::Cut(true),
        Fault::Cut(false),
        Fault::Empty,
    ];
    for f in &faults {
        s.fault(Some("efetch"), f.clone());
    }
    s.fault(Some("esearch"), Fault::Cut(false));
    s.fault(Some("esearch"), Fault::Status(503));
    let (_t, mut r) = review();
    // Ten faults in a row on one batch: more retries than the default.
    let client = Client::new(Config {
        retries: 12,
        ..fast_client(&s, 60).config().clone()
    })
    .expect("client");
    let rep = harvest(&mut r, &client, &spec("mbt"), &Silent).expect("harvest despite faults");
    assert_eq!(rep.new as usize, ids.len());
    assert_eq!(stored_pmids(&r).len(), ids.len());
    assert_eq!(rep.http.retries as usize, faults.len() + 2);
    assert_eq!(rep.http.rate_limited, 2);
    assert!(rep.http.bad_bodies >= 3, "{:?}", rep.http);
    // After the 429 with Retry-After: 1, the next request waited a second.
    let log = s.log();
    let i = log.iter().position(|l| l.status == 429).expect("a 429");
    assert!(log[i + 1].at.duration_since(log[i].at) >= Duration::from_secs(1));
}

#[test]
fn query_problems_are_clear_errors_not_zero_records() {
    let s = server();
    s.add_recorded("dbt", "2020/01/01");
    let client = fast_client(&s, 100);
    let e = client.esearch("abcXYZ", &[], 10).expect_err("unknown term");
    let msg = e.to_string();
    assert!(matches!(e, HarvestError::Query(_)));
    assert!(msg.contains("abcXYZ") && msg.contains("spelling"), "{msg}");
    s.fault(Some("esearch"), Fault::SearchError);
    let e = client.esearch("dbt", &[], 10).expect_err("ERROR reply");
    assert!(e.to_string().contains("Invalid db name specified"), "{e}");
    // Through the CLI: exit code 5 and nothing stored.
    let (_t, dir) = new_review();
    let o = cli_harvest(&s, &dir, "abcXYZ", "k");
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert!(stderr(&o).contains("abcXYZ"));
    assert_no_harvest(&dir);
}

/// `lacuna harvest DIR --term TERM` against the loopback server.
fn cli_harvest(s: &Server, dir: &std::path::Path, term: &str, key: &str) -> std::process::Output {
    lacuna(&[
        &"harvest",
        &dir,
        &"--term",
        &term,
        &"--eutils-url",
        &s.url(),
        &"--api-key",
        &key,
    ])
}

fn assert_no_harvest(dir: &std::path::Path) {
    assert!(Review::open(dir)
        .expect("open")
        .harvests()
        .expect("log")
        .is_empty());
}

#[test]
fn a_rejected_api_key_is_reported_without_the_key_and_is_not_retried() {
    let s = server();
    s.add_recorded("dbt", "2020/01/01");
    s.fault(Some("esearch"), Fault::BadKey);
    let (_t, dir) = new_review();
    let o = cli_harvest(&s, &dir, "dbt", "SECRET-KEY-123");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(8), "{err}");
    assert!(
        err.contains("API key") && err.contains("NCBI_API_KEY"),
        "{err}"
    );
    assert!(
        !err.contains("SECRET-KEY-123"),
        "the key must not be echoed: {err}"
    );
    // NCBI saw the key once: a 400 is final.
    let log = s.log();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].param("api_key"), Some("SECRET-KEY-123"));
    assert_no_harvest(&dir);
}

#[test]
fn long_id_lists_go_by_post_and_a_414_is_a_clear_final_error() {
    let s = server();
    // NCBI's front end refuses long GET URLs.
    s.max_get_url(2_000);
    let ids = s.add_synthetic("many", 30_000_000, 600, "2020/01/01");
    let client = fast_client(&s, 600);
    let pmids: Vec<Pmid> = ids.iter().map(|&p| Pmid::new(p).expect("pmid")).collect();
    let got = client
        .efetch(&pmids, FetchBy::Ids)
        .expect("600 ids by POST");
    assert_eq!(got.items.len(), 600);
    assert!(got.missing.is_empty());
    assert!(s.log().iter().all(|l| l.status != 414), "{:?}", s.log());
    // Were a 414 to come back all the same, it is said plainly, once.
    s.fault(Some("esearch"), Fault::Status(414));
    let before = s.log().len();
    let e = client.esearch("many", &[], 10).expect_err("414");
    assert!(e.to_string().contains("too long"), "{e}");
    assert_eq!(s.log().len(), before + 1, "not retried");
}

#[test]
fn a_store_failure_mid_harvest_keeps_what_was_stored_and_resume_finishes() {
    let s = server();
    let ids = s.add_recorded("peer support", "2020/01/01");
    assert!(ids.len() > 40, "{}", ids.len());
    let (t, mut r) = review();
    // The store refuses one record of the second batch, as a full disk would.
    let victim = ids[25];
    let conn = rusqlite::Connection::open(t.path().join("r/lacuna.db")).expect("db");
    conn.execute_batch(&format!(
        "CREATE TRIGGER fail_once BEFORE INSERT ON records WHEN NEW.pmid = {victim}
         BEGIN SELECT RAISE(ABORT, 'database or disk is full (simulated)'); END;"
    ))
    .expect("trigger");
    let client = fast_client(&s, 20);
    let e = harvest(&mut r, &client, &spec("peer support"), &Silent).expect_err("store failed");
    let msg = e.to_string();
    assert!(msg.contains("disk is full"), "{msg}");
    let open = r.unfinished_harvest().expect("log").expect("unfinished");
    assert_eq!(
        open.stored, 20,
        "the first batch stays, the failed one rolled back"
    );
    assert_eq!(stored_pmids(&r).len(), 20);
    conn.execute_batch("DROP TRIGGER fail_once")
        .expect("drop trigger");
    resume(&mut r, &client);
    let mut want = ids.clone();
    want.sort_unstable();
    assert_eq!(stored_pmids(&r), want, "no gap, no duplicate");
}

#[test]
fn a_dead_server_is_reported_and_the_harvest_resumes_later() {
    let s = server();
    let ids = s.add_recorded("schema therapy", "2020/01/01");
    let (_t, mut r) = review();
    let client = fast_client(&s, 30);
    // The search goes through; then efetch fails past every retry.
    s.fault(Some("esearch"), Fault::Slow(Duration::ZERO));
    for _ in 0..=client.config().retries {
        s.fault(Some("efetch"), Fault::Status(503));
    }
    s.fault(Some("efetch"), Fault::Slow(Duration::ZERO));
    let e = harvest(&mut r, &client, &spec("schema therapy"), &Silent).expect_err("gave up");
    let msg = e.to_string();
    assert!(msg.contains("gave up") && msg.contains("HTTP 503"), "{msg}");
    let open = r.unfinished_harvest().expect("log").expect("unfinished");
    assert_eq!(open.stored, 0);
    // A new harvest is refused until the old one is finished.
    let e = harvest(&mut r, &client, &spec("schema therapy"), &Silent).expect_err("refused");
    assert!(e.to_string().contains("--resume"));
    resume(&mut r, &client);
    assert_eq!(stored_pmids(&r).len(), ids.len());
    assert!(r.unfinished_harvest().expect("log").is_none());
}

#[test]
fn past_the_cap_the_query_is_split_by_pmid_range_and_every_id_comes_once() {
    let s = server();
    // 12,345 hits: more than esearch hands out for one query.
    let mut ids = s.add_synthetic("self-harm", 30_000_000, 12_345, "2021/06/01");
    let client = fast_client(&s, 500);
    let (first, got) = client.search_all("self-harm", &[], None).expect("search");
    assert_eq!(first.count, 12_345);
    assert_eq!(first.ids.len(), 9_999);
    ids.sort_unstable();
    let got: Vec<u64> = got.iter().map(|p| p.get()).collect();
    assert_eq!(got, ids, "every PMID exactly once, none missing");
    let log = s.log();
    assert!(log[1..]
        .iter()
        .all(|l| l.param("term").is_some_and(|t| t.ends_with("[uid]"))));
    // No range asked twice.
    let ranges: BTreeSet<&str> = log[1..].iter().filter_map(|l| l.param("term")).collect();
    assert_eq!(ranges.len(), log.len() - 1);
}

#[test]
fn left_out_pmids_are_asked_again_and_deletions_are_kept() {
    let s = server();
    let ids = s.add_recorded("carers", "2020/01/01");
    s.drop_once(&ids[..3]);
    s.delete(ids[5]);
    let client = fast_client(&s, 500);
    let asked: Vec<Pmid> = ids.iter().map(|&p| Pmid::new(p).expect("pmid")).collect();
    let f = client.efetch(&asked, FetchBy::Ids).expect("efetch");
    assert!(f.missing.is_empty());
    let log = s.log();
    assert_eq!(
        log.len(),
        2,
        "one request, then one re-ask for the 3 left out"
    );
    assert_eq!(log[1].param("id").map(|v| v.split(',').count()), Some(3));
    // A long ID list goes by POST (GET fails with 414 at NCBI).
    assert_eq!(log[0].method, "POST");
    let deleted = f
        .items
        .iter()
        .filter(|i| matches!(i, lacuna::model::Item::Deletion(_)))
        .count();
    assert_eq!(deleted, 1);
    assert_eq!(f.items.len(), ids.len());
}

#[test]
fn a_killed_harvest_resumes_with_no_duplicate_and_no_gap() {
    let s = server();
    let ids = s.add_synthetic("peer support", 20_000_000, 400, "2020/01/01");
    s.efetch_delay(Duration::from_millis(250));
    let (_t, dir) = new_review();
    let url = s.url();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lacuna"))
        .args([
            "harvest",
            dir.to_str().expect("utf-8"),
            "--term",
            "peer support",
        ])
        .args([
            "--eutils-url",
            &url,
            "--api-key",
            "test-key",
            "--batch",
            "25",
            "-q",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let db = dir.join("lacuna.db");
    let started = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(50));
        let done: i64 = rusqlite::Connection::open(&db)
            .and_then(|c| {
                c.query_row(
                    "SELECT coalesce(max(batches_done), 0) FROM harvests",
                    [],
                    |r| r.get(0),
                )
            })
            .unwrap_or(0);
        if done >= 3 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no progress");
    }
    child.kill().expect("kill");
    let _ = child.wait();
    {
        let r = Review::open(&dir).expect("open");
        let open = r
            .unfinished_harvest()
            .expect("log")
            .expect("unfinished after kill");
        assert!(
            open.stored >= 75 && open.stored < 400,
            "stored {}",
            open.stored
        );
    }
    let o = lacuna(&[
        &"harvest",
        &dir,
        &"--resume",
        &"--eutils-url",
        &url,
        &"--api-key",
        &"test-key",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("(resumed)"), "{}", stdout(&o));
    let r = Review::open(&dir).expect("open");
    let mut want = ids;
    want.sort_unstable();
    assert_eq!(stored_pmids(&r), want);
    let c = rusqlite::Connection::open(&db).expect("db");
    let versions: i64 = c
        .query_row("SELECT count(*) FROM record_versions", [], |r| r.get(0))
        .expect("count");
    assert_eq!(versions, 400, "no record stored twice");
    // The resumed part asked only for what was missing.
    let fetched: usize = s
        .log()
        .iter()
        .filter(|l| l.util == "efetch" && l.status == 200)
        .map(|l| {
            l.param("id")
                .map(|v| v.split(',').count())
                .or_else(|| l.param("retmax").and_then(|m| m.parse().ok()))
                .unwrap_or(0)
        })
        .sum();
    assert!(fetched <= 400 + 25, "fetched {fetched} for 400 records");
}

#[test]
fn since_last_fetches_only_new_and_revised_records() {
    let s = server();
    let old = s.add_recorded("complex emotional needs", "2019/05/01");
    let (_t, dir) = new_review();
    let url = s.url();
    let run = |extra: &[&str]| {
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
            &"harvest",
            &dir,
            &"--term",
            &"complex emotional needs",
            &"--eutils-url",
            &url,
        ];
        args.push(&"--api-key");
        args.push(&"k");
        for e in extra {
            args.push(e);
        }
        args.push(&"--json");
        let o = lacuna(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json report");
        v[0].clone()
    };
    let first = run(&[]);
    assert_eq!(first["new"].as_u64(), Some(old.len() as u64));
    // Nothing happened in PubMed: the update finds nothing.
    let none = run(&["--since-last"]);
    assert_eq!(none["planned"].as_u64(), Some(0));
    let today = lacuna::harvest::date_days_ago(0);
    let new = s.add_synthetic("complex emotional needs", 41_000_000, 7, &today);
    s.revise(old[0], &today);
    s.revise(old[1], &today);
    s.delete(old[2]);
    let before = s.log().len();
    let up = run(&["--since-last"]);
    assert_eq!(up["new"].as_u64(), Some(new.len() as u64), "{up}");
    assert_eq!(up["changed"].as_u64(), Some(2), "{up}");
    assert_eq!(up["deleted"].as_u64(), Some(1), "{up}");
    assert_eq!(
        up["planned"].as_u64(),
        Some(10),
        "only new, revised and vanished records are fetched"
    );
    assert!(up["window_from"].as_str().is_some());
    let searches: Vec<_> = s.log()[before..]
        .iter()
        .filter(|l| l.util == "esearch")
        .cloned()
        .collect();
    assert!(searches
        .iter()
        .any(|l| l.param("term").is_some_and(|t| t.contains("[crdt]"))));
    assert!(searches.iter().any(|l| l.param("datetype") == Some("mdat")));
    // The revised record keeps its first version.
    let r = Review::open(&dir).expect("open");
    let versions = r
        .versions_of(Pmid::new(old[0]).expect("pmid"))
        .expect("versions");
    assert_eq!(versions.len(), 2);
    assert!(versions[1].title.starts_with("Corrected: "));
    let gone = r
        .record_by_pmid(Pmid::new(old[2]).expect("pmid"))
        .expect("get")
        .expect("kept");
    assert!(gone.deleted, "the deleted record is marked, not removed");
}

#[test]
fn a_dry_run_prints_count_and_translation_and_stores_nothing() {
    let s = server();
    let ids = s.add_recorded("therapeutic community", "2020/01/01");
    let (_t, dir) = new_review();
    let o = lacuna(&[
        &"harvest",
        &dir,
        &"--term",
        &"therapeutic community",
        &"--dry-run",
        &"--eutils-url",
        &s.url(),
        &"--api-key",
        &"k",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(&format!("{} records match", ids.len())),
        "{out}"
    );
    assert!(out.contains("therapeutic community[All Fields]"), "{out}");
    assert_eq!(s.log().len(), 1, "a dry run makes one esearch");
    let r = Review::open(&dir).expect("open");
    assert_eq!(r.count_current().expect("count"), 0);
}
