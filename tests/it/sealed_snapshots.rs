//! Issue 30, item 1: a snapshot cannot be rewritten. `REPLACE` (which fires
//! no delete trigger) over a snapshot or its records is refused by the
//! schema; and a version changed behind the triggers' back (triggers
//! dropped first) is reported as tampered, with its own exit code, by every
//! command that reads it, never shown as true.

use crate::support::{lacuna, root, stderr, stdout};
use std::path::{Path, PathBuf};

/// Exit code of a tampered snapshot (README, "Exit codes").
const TAMPERED: i32 = 12;

/// Month 1 of the demo corpus imported into a new review at `dir`, its
/// decisions stored and frozen as version 1.
pub fn month_1_frozen(dir: &Path) {
    let protocol = root().join("protocols/complex-emotional-needs.toml");
    let corpus = root().join("corpus");
    let sheet = corpus.join("month-1-decisions.csv");
    let month = corpus.join("month-1.jsonl");
    let steps: [(&str, Vec<&dyn AsRef<std::ffi::OsStr>>); 4] = [
        ("init", vec![&"init", &dir, &"-q"]),
        ("import", vec![&"import", &dir, &month, &"-q"]),
        (
            "decide",
            vec![
                &"decide",
                &dir,
                &"--from",
                &sheet,
                &"--reviewer",
                &"ana",
                &"-q",
            ],
        ),
        (
            "snapshot 1",
            vec![&"snapshot", &dir, &"--protocol", &protocol, &"-q"],
        ),
    ];
    for (what, args) in steps {
        let o = lacuna(&args);
        assert_eq!(o.status.code(), Some(0), "{what}: {}", stderr(&o));
    }
}

/// A review with two versions: month 1 imported, screened and frozen, then
/// month 2 brought by `update --files` and frozen.
fn two_versions() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path().join("review");
    let protocol = root().join("protocols/complex-emotional-needs.toml");
    let corpus = root().join("corpus");
    let run = |args: &[&dyn AsRef<std::ffi::OsStr>], what: &str| {
        let o = lacuna(args);
        assert_eq!(o.status.code(), Some(0), "{what}: {}", stderr(&o));
    };
    month_1_frozen(&dir);
    run(
        &[
            &"update",
            &dir,
            &"--files",
            &corpus.join("month-2.jsonl"),
            &"--protocol",
            &protocol,
            &"-q",
        ],
        "update",
    );
    run(
        &[&"snapshot", &dir, &"--protocol", &protocol, &"-q"],
        "snapshot 2",
    );
    (t, dir, protocol)
}

/// Make a review look as a Lacuna before the seals left it: schema 11 (no
/// seals, nor migration 13's update columns; every version stores every
/// record's state, see [`as_before_deltas`]). The next command to open it
/// seals its snapshots as they are.
pub(crate) fn as_before_seals(dir: &Path) {
    as_before_deltas(dir);
    db(dir)
        .execute_batch(
            "DROP TRIGGER snapshot_seals_immutable; DROP TRIGGER snapshot_seals_kept;
             DROP TRIGGER snapshot_seals_once; DROP TRIGGER snapshots_never_replaced;
             DROP TRIGGER snapshot_records_never_replaced; DROP TABLE snapshot_seals;
             ALTER TABLE updates DROP COLUMN files; ALTER TABLE updates DROP COLUMN database;
             DROP TABLE logins; PRAGMA user_version = 11;",
        )
        .expect("back to schema 11");
}

/// Make a review look as a Lacuna before snapshots stored only what changed
/// left it: schema 14, every version holding every record's state (read
/// back from the stored changes), no `delta` column nor `snapshot_states`
/// view. The seals are kept as they were sealed: the next command to open it
/// checks them against the full rows.
pub(crate) fn as_before_deltas(dir: &Path) {
    let c = db(dir);
    let gone: i64 = c
        .query_row(
            "SELECT count(*) FROM snapshot_records WHERE state < 0",
            [],
            |r| r.get(0),
        )
        .expect("gone rows");
    assert_eq!(gone, 0, "no record left the store in these reviews");
    c.execute_batch(
        "DROP TRIGGER snapshot_records_never_replaced;
         INSERT INTO snapshot_records(snapshot_id, record_id, version, state, retracted)
           SELECT v.snapshot_id, v.record_id, v.version, v.state, v.retracted
           FROM snapshot_states v JOIN snapshots s ON s.id = v.snapshot_id AND s.delta = 1
           WHERE NOT EXISTS (SELECT 1 FROM snapshot_records o
                             WHERE o.snapshot_id = v.snapshot_id AND o.record_id = v.record_id);
         CREATE TRIGGER snapshot_records_never_replaced BEFORE INSERT ON snapshot_records
             WHEN EXISTS (SELECT 1 FROM snapshot_records
                          WHERE snapshot_id = NEW.snapshot_id AND record_id = NEW.record_id)
               OR EXISTS (SELECT 1 FROM snapshot_seals WHERE snapshot_id = NEW.snapshot_id)
             BEGIN SELECT RAISE(ABORT, 'a snapshot is immutable: its records are never replaced or added to'); END;
         DROP VIEW snapshot_states; ALTER TABLE snapshots DROP COLUMN delta;
         PRAGMA user_version = 14;",
    )
    .expect("back to schema 14");
}

fn db(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("lacuna.db")).expect("open lacuna.db")
}

/// The issue's tamper of the JSON (a count of snapshot 2 rewritten).
const REPLACE_JSON: &str = "REPLACE INTO snapshots(id, label, created_at, fingerprint, json) \
    SELECT id, label, created_at, fingerprint, replace(json, '\"database_results\":19', '\"database_results\":7') \
    FROM snapshots WHERE id = 2";
/// The issue's tamper of the records: snapshot 2 says every record was
/// deleted (a row for each record of the version, as read back whole: the
/// version itself stores only what changed since version 1).
const REPLACE_RECORDS: &str = "REPLACE INTO snapshot_records(snapshot_id, record_id, version, state, retracted) \
    SELECT snapshot_id, record_id, version, 1, retracted FROM snapshot_states WHERE snapshot_id = 2";

fn database_results(dir: &Path) -> (Option<i32>, String, String) {
    let o = lacuna(&[&"prisma", &dir, &"--snapshot", &"2", &"--json"]);
    (o.status.code(), stdout(&o), stderr(&o))
}

#[test]
fn issue_30_replace_into_a_snapshot_or_its_records_is_refused_by_the_schema() {
    let (_t, dir, _) = two_versions();
    let c = db(&dir);
    let json_before: String = c
        .query_row("SELECT json FROM snapshots WHERE id = 2", [], |r| r.get(0))
        .expect("json");
    assert!(
        json_before.contains("\"database_results\":19"),
        "the tamper must have something to change"
    );
    for (sql, what) in [
        (REPLACE_JSON, "snapshot row"),
        (REPLACE_RECORDS, "snapshot records"),
        (
            "INSERT OR REPLACE INTO snapshots(id, label, created_at, fingerprint, json) \
             SELECT id, 'forged', created_at, fingerprint, json FROM snapshots WHERE id = 1",
            "INSERT OR REPLACE",
        ),
        (
            "INSERT INTO snapshot_records(snapshot_id, record_id, version, state, retracted) \
             SELECT 1, record_id, version, state, retracted FROM snapshot_records \
             WHERE snapshot_id = 2 AND record_id NOT IN (SELECT record_id FROM snapshot_records WHERE snapshot_id = 1)",
            "records added to a sealed version",
        ),
        (
            "REPLACE INTO snapshot_seals SELECT * FROM snapshot_seals",
            "the seals",
        ),
    ] {
        let err = c
            .execute(sql, [])
            .expect_err(&format!("{what}: the schema must refuse it"));
        assert!(
            err.to_string().contains("immutable"),
            "{what}: refused for the wrong reason: {err}"
        );
    }
    let json_after: String = c
        .query_row("SELECT json FROM snapshots WHERE id = 2", [], |r| r.get(0))
        .expect("json");
    assert_eq!(json_before, json_after);
    let (code, out, err) = database_results(&dir);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("\"database_results\": 19"), "{out}");
    // A new version can still be taken the ordinary way.
    let o = lacuna(&[&"snapshot", &dir, &"--list", &"--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn issue_30_a_snapshot_rewritten_behind_the_triggers_is_reported_as_tampered() {
    let (_t, dir, protocol) = two_versions();
    let c = db(&dir);
    // The attacker drops every trigger first: only the read-time check is left.
    let triggers: Vec<String> = {
        let mut st = c
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'snapshot%'",
            )
            .expect("prepare");
        let rows = st.query_map([], |r| r.get(0)).expect("query");
        rows.collect::<Result<_, _>>().expect("rows")
    };
    assert!(triggers.len() >= 7, "{triggers:?}");
    for t in &triggers {
        c.execute_batch(&format!("DROP TRIGGER {t}"))
            .expect("drop trigger");
    }
    let n = c
        .execute(REPLACE_JSON, [])
        .expect("the tamper goes through without triggers");
    assert_eq!(n, 1);
    drop(c);
    let (code, out, err) = database_results(&dir);
    assert_eq!(
        code,
        Some(TAMPERED),
        "prisma --snapshot 2 of a tampered version: {err}"
    );
    assert!(
        !out.contains("database_results"),
        "a tampered version is never shown: {out}"
    );
    assert!(err.contains("snapshot 2 has been tampered with"), "{err}");
    assert!(
        err.contains("JSON"),
        "it says what no longer matches: {err}"
    );
    let p = protocol.display().to_string();
    for args in [
        vec!["report", "--snapshot", "2", "--no-pdf", "--protocol", &p],
        vec!["diff", "1", "2", "--protocol", &p],
        vec!["snapshot", "--list"],
        vec!["snapshot", "--list", "--json"],
        vec!["certainty", "--snapshot", "2", "--protocol", &p],
    ] {
        let mut a: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&args[0], &dir];
        for x in &args[1..] {
            a.push(x);
        }
        let o = lacuna(&a);
        assert_eq!(o.status.code(), Some(TAMPERED), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("tampered"), "{args:?}: {}", stderr(&o));
    }
    // Version 1 is intact and still reads.
    let o = lacuna(&[&"prisma", &dir, &"--snapshot", &"1", &"--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn issue_30_a_tamper_of_the_snapshot_records_is_reported_by_diff() {
    let (_t, dir, protocol) = two_versions();
    let o = lacuna(&[
        &"diff",
        &dir,
        &"1",
        &"2",
        &"--json",
        &"--protocol",
        &protocol,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before: serde_json::Value = serde_json::from_slice(&o.stdout).expect("diff json");
    assert_eq!(
        before["records"]["deleted"].as_array().map(Vec::len),
        Some(0)
    );
    let c = db(&dir);
    c.execute_batch(
        "DROP TRIGGER snapshot_records_never_replaced; DROP TRIGGER snapshot_records_kept;",
    )
    .expect("drop");
    let n = c.execute(REPLACE_RECORDS, []).expect("tamper");
    assert!(n > 100, "{n}");
    drop(c);
    let o = lacuna(&[
        &"diff",
        &dir,
        &"1",
        &"2",
        &"--json",
        &"--protocol",
        &protocol,
    ]);
    assert_eq!(o.status.code(), Some(TAMPERED), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("per-record states"),
        "it names what changed: {}",
        stderr(&o)
    );
}

#[test]
fn issue_30_snapshots_taken_before_the_seals_are_sealed_when_the_review_is_opened() {
    let (_t, dir, _) = two_versions();
    as_before_seals(&dir);
    let (code, out, err) = database_results(&dir);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("\"database_results\": 19"), "{out}");
    let c = db(&dir);
    let seals: i64 = c
        .query_row("SELECT count(*) FROM snapshot_seals", [], |r| r.get(0))
        .expect("seals");
    assert_eq!(seals, 2);
    // ... and sealed for good: the REPLACE is refused again.
    assert!(c.execute(REPLACE_JSON, []).is_err());
}
