//! The review store: idempotent imports, record versions, deletions, and
//! rollback of a file that fails half-way.

use crate::support::{lacuna, new_review, pubmed, stderr};
use lacuna::model::Pmid;
use lacuna::store::Review;
use std::path::Path;

fn jsonl(dir: &Path, name: &str, lines: &[&str]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, lines.join("\n")).expect("write");
    p
}

#[test]
fn importing_the_same_file_twice_adds_nothing() {
    let (_t, dir) = new_review();
    let f = pubmed("pmparser__pubmed26n1334.xml.gz");
    for round in 0..2 {
        let o = lacuna(&[&"import", &"--json", &dir, &f]);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        let (new, unchanged) = (
            v[0]["stored"]["new"].as_u64(),
            v[0]["stored"]["unchanged"].as_u64(),
        );
        if round == 0 {
            assert_eq!((new, unchanged), (Some(30), Some(0)));
        } else {
            assert_eq!((new, unchanged), (Some(0), Some(30)));
        }
    }
    let r = Review::open(&dir).expect("open");
    let s = r.stats().expect("stats");
    assert_eq!((s.records, s.versions, s.sources), (30, 30, 2));
}

#[test]
fn a_changed_record_gets_a_new_version_and_the_old_is_kept() {
    let (t, dir) = new_review();
    let a = jsonl(
        t.path(),
        "a.jsonl",
        &[r#"{"kind":"article","pmid":42,"title":"First title","year":2020}"#],
    );
    let b = jsonl(
        t.path(),
        "b.jsonl",
        &[r#"{"kind":"article","pmid":42,"title":"Corrected title","year":2020}"#],
    );
    for f in [&a, &b, &a] {
        let o = lacuna(&[&"import", &dir, f]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let r = Review::open(&dir).expect("open");
    let pmid = Pmid::new(42).expect("pmid");
    let versions = r.versions_of(pmid).expect("versions");
    let titles: Vec<_> = versions.iter().map(|v| v.title.as_str()).collect();
    // re-importing the older file does not flip the record back
    assert_eq!(titles, ["First title", "Corrected title"]);
    let cur = r.record_by_pmid(pmid).expect("get").expect("present");
    assert_eq!(
        (cur.version, cur.record.title.as_str()),
        (2, "Corrected title")
    );
}

#[test]
fn deletions_mark_records_and_are_recorded() {
    let (t, dir) = new_review();
    let a = jsonl(
        t.path(),
        "a.jsonl",
        &[
            r#"{"kind":"article","pmid":7,"title":"Seven"}"#,
            r#"{"kind":"article","pmid":8,"title":"Eight"}"#,
            r#"{"kind":"deletion","pmid":7,"pmid_version":1}"#,
            r#"{"kind":"deletion","pmid":999,"pmid_version":1}"#,
        ],
    );
    let o = lacuna(&[&"import", &"--json", &dir, &a]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v[0]["stored"]["deleted"], 1);
    assert_eq!(v[0]["stored"]["deletions_unknown"], 1);
    let r = Review::open(&dir).expect("open");
    let seven = r
        .record_by_pmid(Pmid::new(7).expect("p"))
        .expect("get")
        .expect("kept");
    assert!(seven.deleted, "deleted records are marked, never removed");
    let s = r.stats().expect("stats");
    assert_eq!((s.records, s.deleted), (1, 1));
    // The update file's DeleteCitation block: 262 PMIDs recorded.
    let o = lacuna(&[
        &"import",
        &"--json",
        &dir,
        &pubmed("pmparser__pubmed20n1016.xml.gz"),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v[0]["parsed"]["deletions"], 262);
    assert_eq!(v[0]["stored"]["deletions_unknown"], 262);
}

#[test]
fn records_without_pmid_are_keyed_by_source_id_or_doi() {
    let (t, dir) = new_review();
    let a = jsonl(
        t.path(),
        "a.jsonl",
        &[
            r#"{"id":"demo-1","title":"One","doi":"10.1/x"}"#,
            r#"{"title":"Two","doi":"https://doi.org/10.1/Y"}"#,
            r#"{"title":"Three","doi":"not a doi"}"#,
        ],
    );
    for _ in 0..2 {
        let o = lacuna(&[&"import", &dir, &a]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stderr(&o).contains("DOI ignored"), "{}", stderr(&o));
    }
    let s = Review::open(&dir).expect("open").stats().expect("stats");
    assert_eq!((s.records, s.with_doi), (3, 2));
}

#[test]
fn a_review_opens_with_wal_and_the_current_schema() {
    let (_t, dir) = new_review();
    let r = Review::open(&dir).expect("open");
    assert_eq!(
        r.schema_version().expect("v"),
        lacuna::store::MIGRATIONS.len() as i64
    );
    let o = lacuna(&[&"init", &dir]);
    assert_eq!(o.status.code(), Some(4), "init twice must refuse");
    assert!(stderr(&o).contains("already holds a Lacuna review"));
}

/// A process killed in the middle of an import leaves the review as it was
/// before that file (the transaction never committed); importing again
/// completes with no duplicates.
#[test]
fn an_import_killed_midway_loses_only_that_file_and_resumes_cleanly() {
    let (t, dir) = new_review();
    let first = jsonl(t.path(), "first.jsonl", &[r#"{"pmid":1,"title":"Kept"}"#]);
    assert!(lacuna(&[&"import", &dir, &first]).status.success());
    let n = 300_000u64;
    let big = t.path().join("big.jsonl");
    let mut body = String::with_capacity(n as usize * 120);
    for i in 0..n {
        body.push_str(&format!(
            "{{\"pmid\":{},\"title\":\"Record number {i} about therapy\",\"year\":{}}}\n",
            i + 10,
            1990 + i % 30
        ));
    }
    std::fs::write(&big, body).expect("write");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lacuna"))
        .args(["import", "-q"])
        .arg(&dir)
        .arg(&big)
        .spawn()
        .expect("spawn");
    // Wait until the import is writing (the WAL grows), then kill it hard.
    let wal = dir.join("lacuna.db-wal");
    let start = std::time::Instant::now();
    while std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) < 4_000_000 {
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the import finished before it could be killed; make the file bigger"
        );
        assert!(
            start.elapsed().as_secs() < 60,
            "the import never started writing"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().expect("kill");
    child.wait().expect("reap");
    let r = Review::open(&dir).expect("the review still opens");
    let s = r.stats().expect("stats");
    assert_eq!(
        (s.records, s.versions, s.sources),
        (1, 1, 1),
        "nothing of the killed file was kept"
    );
    drop(r);
    let o = lacuna(&[&"import", &"--json", &dir, &big]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v[0]["stored"]["new"].as_u64(), Some(n));
    let s = Review::open(&dir).expect("open").stats().expect("stats");
    assert_eq!((s.records, s.versions), (n + 1, n + 1));
    let o = lacuna(&[&"search", &"--json", &dir, &"pmid:12345"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(
        v["total"], 1,
        "the index agrees with the store after the kill"
    );
}

#[test]
fn a_review_from_a_newer_lacuna_is_refused_with_advice() {
    let (_t, dir) = new_review();
    let conn = rusqlite::Connection::open(dir.join("lacuna.db")).expect("open db");
    conn.pragma_update(None, "user_version", 99)
        .expect("set version");
    drop(conn);
    let e = Review::open(&dir).expect_err("too new");
    assert!(
        e.to_string().contains("schema version 99") && e.to_string().contains("upgrade Lacuna"),
        "{e}"
    );
}
