//! Issue 31: snapshots grow with what changed. A version stores the record
//! states that changed since the previous one, not every record's state,
//! and everything that reads a version (diff, PRISMA, the seal) reads it
//! back whole, exactly as a version stored in full reads.

use crate::sealed_snapshots::{as_before_deltas, month_1_frozen};
use crate::support::{lacuna, root, stderr, stdout};
use std::path::{Path, PathBuf};

fn run(args: &[&dyn AsRef<std::ffi::OsStr>], what: &str) -> String {
    let o = lacuna(args);
    assert_eq!(o.status.code(), Some(0), "{what}: {}", stderr(&o));
    stdout(&o)
}

/// Rows stored per version, by SQL.
fn rows_per_snapshot(dir: &Path) -> Vec<(i64, i64)> {
    let c = rusqlite::Connection::open(dir.join("lacuna.db")).expect("open lacuna.db");
    let mut st = c
        .prepare(
            "SELECT s.id, (SELECT count(*) FROM snapshot_records r WHERE r.snapshot_id = s.id)
             FROM snapshots s ORDER BY s.id",
        )
        .expect("prepare");
    let rows = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query");
    rows.collect::<Result<_, _>>().expect("rows")
}

fn count(dir: &Path, sql: &str) -> i64 {
    rusqlite::Connection::open(dir.join("lacuna.db"))
        .expect("open lacuna.db")
        .query_row(sql, [], |r| r.get(0))
        .expect("count")
}

/// One line of month 1 with its abstract changed (a revised version of a
/// stored record), and one record never seen: about 1 % of the review.
fn a_small_month(dir: &Path) -> PathBuf {
    let month1 = std::fs::read_to_string(root().join("corpus/month-1.jsonl")).expect("month 1");
    let first = month1.lines().next().expect("a record");
    let mut revised: serde_json::Value = serde_json::from_str(first).expect("json");
    revised["abstract"] = "A corrected abstract: the trial's crisis events were recounted.".into();
    let new = serde_json::json!({
        "schema_version": 1,
        "kind": "article",
        "source_id": "issue-31-new",
        "title": "Mentalization-based treatment for adolescents who self-harm: a new trial",
        "abstract": "A randomised trial of mentalization-based treatment in adolescents.",
        "year": 2026,
        "authors": ["Nova A"],
        "journal": "Issue 31 Journal"
    });
    let path = dir.join("small-month.jsonl");
    std::fs::write(&path, format!("{revised}\n{new}\n")).expect("write the month");
    path
}

/// Month 1 imported, screened and frozen; a small month brought by `update
/// --files` and frozen; then the same again with nothing but a decision.
fn review() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path().join("review");
    let protocol = root().join("protocols/complex-emotional-needs.toml");
    month_1_frozen(&dir);
    let month = a_small_month(t.path());
    run(
        &[
            &"update",
            &dir,
            &"--files",
            &month,
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

/// What a reader sees of versions 1 and 2: the diff, both PRISMA flows and
/// the list of versions.
fn readings(dir: &Path, protocol: &Path) -> Vec<String> {
    vec![
        run(
            &[
                &"diff",
                &dir,
                &"1",
                &"2",
                &"--json",
                &"--protocol",
                &protocol,
            ],
            "diff --json",
        ),
        run(
            &[&"diff", &dir, &"1", &"2", &"--protocol", &protocol],
            "diff",
        ),
        run(
            &[
                &"diff",
                &dir,
                &"2",
                &"1",
                &"--json",
                &"--protocol",
                &protocol,
            ],
            "diff backwards",
        ),
        run(
            &[&"prisma", &dir, &"--snapshot", &"1", &"--json"],
            "prisma 1",
        ),
        run(
            &[&"prisma", &dir, &"--snapshot", &"2", &"--json"],
            "prisma 2",
        ),
        run(&[&"snapshot", &dir, &"--list", &"--json"], "list"),
    ]
}

#[test]
fn issue_31_a_month_that_changes_one_percent_of_records_adds_about_one_percent_of_rows() {
    let (_t, dir, protocol) = review();
    let records = count(&dir, "SELECT count(*) FROM records");
    assert_eq!(records, 122, "month 1 and one new record");
    let revised = count(
        &dir,
        "SELECT count(*) FROM record_versions WHERE version > 1",
    );
    assert_eq!(revised, 1, "the month revised one stored record");
    // Version 1 is the first: every record's state. Version 2: the two
    // records the month changed (one new, one revised), not 122 rows.
    assert_eq!(rows_per_snapshot(&dir), vec![(1, 121), (2, 2)]);
    let diff: serde_json::Value = serde_json::from_str(&run(
        &[
            &"diff",
            &dir,
            &"1",
            &"2",
            &"--json",
            &"--protocol",
            &protocol,
        ],
        "diff",
    ))
    .expect("diff json");
    let n = |kind: &str| diff["records"][kind].as_array().map(Vec::len);
    assert_eq!(
        (n("new"), n("revised"), n("retracted"), n("deleted")),
        (Some(1), Some(1), Some(0), Some(0)),
        "{}",
        diff["records"]
    );
    assert_eq!(diff["records"]["new"][0].as_str(), Some("src:issue-31-new"));
    // A version with no record changed stores no row, and reads whole.
    run(
        &[
            &"decide",
            &dir,
            &"src:issue-31-new",
            &"--label",
            &"include",
            &"--reviewer",
            &"ana",
            &"-q",
        ],
        "decide",
    );
    run(
        &[&"snapshot", &dir, &"--protocol", &protocol, &"-q"],
        "snapshot 3",
    );
    assert_eq!(rows_per_snapshot(&dir), vec![(1, 121), (2, 2), (3, 0)]);
    let diff13: serde_json::Value = serde_json::from_str(&run(
        &[
            &"diff",
            &dir,
            &"1",
            &"3",
            &"--json",
            &"--protocol",
            &protocol,
        ],
        "diff 1 3",
    ))
    .expect("diff json");
    assert_eq!(diff13["records"], diff["records"]);
    let states = |id: i64| {
        count(
            &dir,
            &format!("SELECT count(*) FROM snapshot_states WHERE snapshot_id = {id}"),
        )
    };
    assert_eq!((states(1), states(2), states(3)), (121, 122, 122));
}

#[test]
fn issue_31_versions_read_the_same_whether_stored_as_changes_or_whole() {
    let (_t, dir, protocol) = review();
    assert_eq!(rows_per_snapshot(&dir), vec![(1, 121), (2, 2)]);
    let as_changes = readings(&dir, &protocol);
    // The same review as a Lacuna before deltas stored it: every version
    // whole. Opened by this Lacuna, its seals (taken over the versions read
    // back whole) still hold, and every reading is the same.
    as_before_deltas(&dir);
    assert_eq!(rows_per_snapshot(&dir), vec![(1, 121), (2, 122)]);
    let whole = readings(&dir, &protocol);
    for (a, b) in as_changes.iter().zip(&whole) {
        assert_eq!(a, b);
    }
    let delta = count(&dir, "SELECT count(*) FROM snapshots WHERE delta = 1");
    assert_eq!(delta, 0, "versions stored whole stay whole");
    // The next version stores only its changes over a version stored whole.
    run(
        &[
            &"decide",
            &dir,
            &"src:issue-31-new",
            &"--label",
            &"exclude",
            &"--reviewer",
            &"ana",
            &"-q",
        ],
        "decide",
    );
    run(
        &[&"snapshot", &dir, &"--protocol", &protocol, &"-q"],
        "snapshot 3",
    );
    assert_eq!(rows_per_snapshot(&dir), vec![(1, 121), (2, 122), (3, 0)]);
    run(
        &[&"diff", &dir, &"2", &"3", &"--protocol", &protocol],
        "diff 2 3",
    );
}
