//! Issue 19's first part: a team review's reviewers (`lacuna reviewer
//! add|list|remove`, tokens kept only as hashes) and the decision rows in
//! `lacuna stats --json`.

use crate::support::{demo_imported, lacuna, stderr, stdout};
use lacuna::store::Review;

#[test]
fn reviewers_get_a_token_once_and_only_its_hash_is_kept() {
    let (_t, dir) = demo_imported();
    let o = lacuna(&[&"reviewer", &"add", &dir, &"ana"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let token = out.lines().last().expect("a last line").trim().to_string();
    assert_eq!(token.len(), 64, "{out}");
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()), "{out}");
    // a second reviewer gets another token; the same name is refused
    let o = lacuna(&[&"reviewer", &"add", &dir, &"ben"]);
    let ben = stdout(&o).lines().last().expect("line").trim().to_string();
    assert_ne!(ben, token);
    let o = lacuna(&[&"reviewer", &"add", &dir, &"ana"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("already a reviewer"), "{}", stderr(&o));
    let o = lacuna(&[&"reviewer", &"add", &dir, &"  "]);
    assert_ne!(o.status.code(), Some(0));
    // the token is nowhere in the review folder's database
    let db = std::fs::read(dir.join("lacuna.db")).expect("db");
    let wal = std::fs::read(dir.join("lacuna.db-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(
            !bytes.windows(64).any(|w| w == token.as_bytes()),
            "the token is stored in clear"
        );
    }
    let o = lacuna(&[&"reviewer", &"list", &dir, &"--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let names: Vec<&str> = v
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names, ["ana", "ben"]);
    {
        let review = Review::open(&dir).expect("open");
        assert_eq!(
            review
                .reviewer_for_token(&token)
                .expect("lookup")
                .as_deref(),
            Some("ana")
        );
        assert_eq!(
            review.reviewer_for_token(&ben).expect("lookup").as_deref(),
            Some("ben")
        );
        assert_eq!(review.reviewer_for_token("0badc0de").expect("lookup"), None);
        assert_eq!(review.reviewer_for_token("").expect("lookup"), None);
    }
    let o = lacuna(&[&"reviewer", &"remove", &dir, &"ana"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let review = Review::open(&dir).expect("open");
    assert_eq!(review.reviewer_for_token(&token).expect("lookup"), None);
    let o = lacuna(&[&"reviewer", &"remove", &dir, &"ana"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("no reviewer"), "{}", stderr(&o));
}

#[test]
fn stats_counts_every_decision_row() {
    let (_t, dir) = demo_imported();
    let rows = || {
        let o = lacuna(&[&"stats", &dir, &"--json"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
        v["decisions"].as_u64().expect("decisions")
    };
    assert_eq!(rows(), 0);
    let o = lacuna(&[&"export", &dir]);
    let keys: Vec<String> = stdout(&o)
        .lines()
        .take(2)
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["doi"].as_str().map(str::to_string))
        .collect();
    assert_eq!(keys.len(), 2);
    for (who, label) in [("ana", "include"), ("ben", "exclude"), ("ana", "exclude")] {
        let o = lacuna(&[
            &"decide",
            &dir,
            &keys[0],
            &"--label",
            &label,
            &"--reviewer",
            &who,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    // three rows: a superseded decision is still a row
    assert_eq!(rows(), 3);
}

/// Issue 29: a name already taken is a value refused (exit 3), not an
/// unexpected failure (exit 1), and the message says what to do.
#[test]
fn adding_a_reviewer_twice_is_refused_with_its_own_exit_code() {
    let (_t, dir) = crate::support::new_review();
    let o = crate::support::lacuna(&[&"reviewer", &"add", &dir, &"alice"]);
    assert!(o.status.success(), "{}", crate::support::stderr(&o));
    let o = crate::support::lacuna(&[&"reviewer", &"add", &dir, &"alice"]);
    assert_eq!(o.status.code(), Some(3), "{}", crate::support::stderr(&o));
    assert!(crate::support::stderr(&o).contains("reviewer remove"));
}
