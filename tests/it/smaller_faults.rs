//! Issue 30, item 7's smaller faults: an update's batch with no relevant
//! record never says screening can stop; an exclusion reason on an
//! inclusion is refused by every front end; control characters other than
//! tab and newline are refused in notes, names and labels. (The full disk
//! naming is tested in `store::index`'s unit tests.)

use crate::support::{demo_imported, lacuna, new_review, root, stderr, stdout};
use crate::web::{call, start, token};
use std::path::Path;

fn count(dir: &Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(dir.join("lacuna.db")).expect("db");
    c.query_row(sql, [], |r| r.get(0)).expect("count")
}

/// The demo corpus imported, with the repository's protocol kept in the
/// review (its exclusion reasons are checked).
fn review_with_protocol() -> (tempfile::TempDir, std::path::PathBuf) {
    let (t, dir) = demo_imported();
    std::fs::copy(
        root().join("protocols/complex-emotional-needs.toml"),
        lacuna::pipeline::folder::protocol_path(&dir),
    )
    .expect("keep protocol");
    (t, dir)
}

#[test]
fn issue_30_an_update_batch_with_no_relevant_record_never_says_it_can_stop() {
    let (_t, dir) = new_review();
    let corpus = root().join("corpus");
    let protocol = root().join("protocols/complex-emotional-needs.toml");
    let o = lacuna(&[&"import", &dir, &corpus.join("month-1.jsonl"), &"-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let update = || {
        lacuna(&[
            &"update",
            &dir,
            &"--files",
            &corpus.join("month-2.jsonl"),
            &"--protocol",
            &protocol,
            &"--json",
            &"-q",
        ])
    };
    // 19 new records, none screened; then the same file again: nothing new.
    for (code, new, line) in [
        (0, 19, "cannot stop before every record is screened"),
        (11, 0, "no records to screen"),
    ] {
        let o = update();
        assert_eq!(o.status.code(), Some(code), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        let b = &v["batch"];
        assert_eq!(b["new_records"], new, "{b}");
        assert_eq!(b["included"], 0, "{b}");
        assert_eq!(b["can_stop"], false, "{b}");
        assert_eq!(b["stopping"]["can_stop"], false, "{b}");
        let said = b["stopping_line"].as_str().expect("line");
        assert!(!said.contains("can stop now"), "{said}");
        assert!(said.contains(line), "{said}");
        if code == 11 {
            assert!(!said.contains("recall ≈"), "{said}");
        }
    }
}

#[test]
fn issue_30_an_exclusion_reason_on_an_include_is_refused_from_the_command_line_and_a_sheet() {
    let (t, dir) = review_with_protocol();
    for label in ["include", "maybe"] {
        let o = lacuna(&[
            &"decide",
            &dir,
            &"cen-demo-001",
            &"--label",
            &label,
            &"--reason",
            &"intervention",
        ]);
        assert_eq!(o.status.code(), Some(3), "{label}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!(
                "goes only with exclude, and this decision is {label}"
            )),
            "{}",
            stderr(&o)
        );
    }
    let sheet = t.path().join("decisions.csv");
    std::fs::write(
        &sheet,
        "key,label,reason\ncen-demo-001,exclude,intervention\ncen-demo-002,include,intervention\n",
    )
    .expect("write");
    let o = lacuna(&[&"decide", &dir, &"--from", &sheet]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("record cen-demo-002"), "{}", stderr(&o));
    assert_eq!(
        count(&dir, "SELECT count(*) FROM decisions"),
        0,
        "all or none"
    );
    // An exclusion with its reason, and an inclusion without one, are stored.
    std::fs::write(
        &sheet,
        "key,label,reason\ncen-demo-001,exclude,intervention\ncen-demo-002,include,\n",
    )
    .expect("write");
    let o = lacuna(&[&"decide", &dir, &"--from", &sheet]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        count(
            &dir,
            "SELECT count(*) FROM decisions WHERE reason IS NOT NULL AND label <> 'exclude'"
        ),
        0
    );
    assert_eq!(count(&dir, "SELECT count(*) FROM decisions"), 2);
}

#[test]
fn issue_30_the_team_app_refuses_a_reason_on_an_include_and_control_characters_in_a_note() {
    let (_t, dir) = review_with_protocol();
    let ana = token(&dir, "ana");
    let server = start(&dir);
    let a = server.addr;
    let bearer = format!("Bearer {ana}");
    let auth = [("Authorization", bearer.as_str())];
    let next = call(a, "GET", "/api/next", &auth, "");
    assert_eq!(next.status, 200, "{}", next.body);
    let key = next.json()["key"].as_str().expect("key").to_string();
    let post =
        |body: serde_json::Value| call(a, "POST", "/api/decisions", &auth, &body.to_string());
    let r = post(serde_json::json!({"record": key, "label": "include", "reason": "intervention"}));
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("goes only with exclude"), "{}", r.body);
    for note in ["a\u{0}b", "bell\u{7}", "esc\u{1b}[31m"] {
        let r = post(
            serde_json::json!({"record": key, "label": "exclude", "reason": "intervention", "note": note}),
        );
        assert_eq!(r.status, 400, "{note:?}: {}", r.body);
        assert!(r.body.contains("control character"), "{}", r.body);
    }
    assert_eq!(count(&dir, "SELECT count(*) FROM decisions"), 0);
    let r = post(
        serde_json::json!({"record": key, "label": "exclude", "reason": "intervention", "note": "two lines\n\tindented"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        count(
            &dir,
            "SELECT count(*) FROM decisions WHERE note = 'two lines' || char(10, 9) || 'indented'"
        ),
        1
    );
}

#[test]
fn issue_30_control_characters_are_refused_in_names_edit_notes_and_snapshot_labels() {
    let (_t, dir) = review_with_protocol();
    let protocol = lacuna::pipeline::folder::protocol_path(&dir);
    let o = lacuna(&[
        &"decide",
        &dir,
        &"cen-demo-001",
        &"--label",
        &"include",
        &"--reviewer",
        &"ana\u{1b}[31m",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the reviewer's name holds the control character U+001B"),
        "{}",
        stderr(&o)
    );
    assert_eq!(count(&dir, "SELECT count(*) FROM decisions"), 0);

    for (flag, text) in [
        ("--note", "why\u{1}"),
        ("--study", "Trial\u{7f}"),
        ("--reviewer", "b\u{8}ob"),
    ] {
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
            &"code",
            &dir,
            &"--protocol",
            &protocol,
            &"--record",
            &"cen-demo-001",
            &"--add",
            &"intervention:peer",
        ];
        if flag != "--reviewer" {
            args.extend([&"--reviewer" as &dyn AsRef<std::ffi::OsStr>, &"ana"]);
        }
        args.extend([&flag as &dyn AsRef<std::ffi::OsStr>, &text]);
        let o = lacuna(&args);
        assert_eq!(o.status.code(), Some(3), "{flag}: {}", stderr(&o));
        assert!(stderr(&o).contains("control character"), "{}", stderr(&o));
    }
    assert_eq!(count(&dir, "SELECT count(*) FROM code_edits"), 0);
    assert_eq!(count(&dir, "SELECT count(*) FROM study_links"), 0);

    let o = lacuna(&[&"snapshot", &dir, &"--label", &"v1\u{7}"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the snapshot label holds the control character U+0007"),
        "{}",
        stderr(&o)
    );
    assert_eq!(count(&dir, "SELECT count(*) FROM snapshots"), 0);
    let o = lacuna(&[&"snapshot", &dir, &"--label", &"v1\tfirst"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let _ = stdout(&o);
}
