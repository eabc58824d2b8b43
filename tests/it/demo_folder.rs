//! Issue 30, item 2: `lacuna demo --out DIR` replaces a folder only when it
//! holds nothing but what an earlier demo wrote; a folder people have
//! worked in (reviewers, decisions, imports, files of their own) is refused
//! with what would be lost named and nothing changed, unless `--force`; a
//! folder that is not a review is never replaced. One demo run is copied
//! for each case.

use crate::support::{lacuna, stderr};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Run the demo into `dir` (no PDF), returning the output.
fn demo(dir: &Path, force: bool) -> std::process::Output {
    if force {
        lacuna(&[&"demo", &"--out", &dir, &"--no-pdf", &"-q", &"--force"])
    } else {
        lacuna(&[&"demo", &"--out", &dir, &"--no-pdf", &"-q"])
    }
}

/// A copy of folder `from` at `to` (files only; links are not made by the
/// demo).
fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

/// Every file of a folder with its bytes (the derived search index and the
/// lock left out), to see that nothing changed.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            let rel = p.strip_prefix(dir).expect("inside").to_path_buf();
            if rel.starts_with("index") || rel == Path::new("lacuna.lock") {
                continue;
            }
            if p.is_dir() {
                todo.push(p);
            } else {
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

/// The reviewers the folder's review lists.
fn reviewers(dir: &Path) -> String {
    let o = lacuna(&[&"reviewer", &"list", &dir]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    format!("{}{}", crate::support::stdout(&o), stderr(&o))
}

#[test]
fn issue_30_a_demo_folder_nobody_worked_in_is_replaced_again_and_again() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path().join("demo-review");
    for run in 1..=3 {
        let o = demo(&dir, false);
        assert_eq!(o.status.code(), Some(0), "run {run}: {}", stderr(&o));
        // reading the review (and rebuilding its search index) is no work
        // of anyone's: the next run still replaces it
        for (verb, args) in [
            ("stats", &[&dir as &dyn AsRef<std::ffi::OsStr>][..]),
            ("search", &[&dir, &"therapy"]),
            ("prisma", &[&dir]),
            ("diff", &[&dir]),
            ("index", &[&dir, &"-q"]),
        ] {
            let mut all: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&verb];
            all.extend_from_slice(args);
            let o = lacuna(&all);
            assert_eq!(o.status.code(), Some(0), "{verb}: {}", stderr(&o));
        }
    }
    assert!(dir.join("reports/v2/briefing.html").is_file());
    assert!(reviewers(&dir).contains("no reviewers"));
}

#[test]
fn issue_30_a_worked_in_demo_is_refused_naming_what_would_be_lost_until_forced() {
    let t = tempfile::tempdir().expect("tempdir");
    let fresh = t.path().join("fresh");
    let o = demo(&fresh, false);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mine = t.path().join("mine.jsonl");
    std::fs::write(
        &mine,
        "{\"schema_version\": 1, \"kind\": \"article\", \"source_id\": \"mine-1\", \"title\": \"A record of my own\"}\n",
    )
    .expect("write");

    // each kind of work alone is refused, named, and left as it was
    type Work = fn(&Path, &Path);
    let cases: [(&str, Work, &[&str]); 5] = [
        (
            "a reviewer",
            |d, _| {
                let o = lacuna(&[&"reviewer", &"add", &d, &"ana"]);
                assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
            },
            &["1 reviewer"],
        ),
        (
            "a decision",
            |d, _| {
                let o = lacuna(&[
                    &"decide",
                    &d,
                    &"cen-demo-001",
                    &"--label",
                    &"exclude",
                    &"--reviewer",
                    &"ana",
                ]);
                assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
            },
            &["1 decision"],
        ),
        (
            "an import",
            |d, mine| {
                let o = lacuna(&[&"import", &d, &mine, &"-q"]);
                assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
            },
            &["1 import"],
        ),
        (
            "a file of one's own",
            |d, _| std::fs::write(d.join("my-notes.txt"), "mine").expect("write"),
            &["my-notes.txt"],
        ),
        (
            "an edited protocol",
            |d, _| {
                let p = d.join("protocol.toml");
                let mut text = std::fs::read_to_string(&p).expect("read");
                text.push_str("\n# my note\n");
                std::fs::write(&p, text).expect("write");
            },
            &["protocol.toml (changed)"],
        ),
    ];
    for (what, work, named) in cases {
        let dir = t.path().join(what.replace(' ', "-"));
        copy(&fresh, &dir);
        work(&dir, &mine);
        let before = contents(&dir);
        let o = demo(&dir, false);
        assert_eq!(o.status.code(), Some(4), "{what}: {}", stderr(&o));
        for n in named {
            assert!(
                stderr(&o).contains(n),
                "{what}: {n} not named: {}",
                stderr(&o)
            );
        }
        assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
        assert_eq!(before, contents(&dir), "{what}: the folder changed");
    }

    // all of it at once, as the issue found it: each named
    let dir = t.path().join("team");
    copy(&fresh, &dir);
    for name in ["ana", "ben", "cy", "dee"] {
        let o = lacuna(&[&"reviewer", &"add", &dir, &name]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    for key in ["cen-demo-001", "cen-demo-002", "cen-demo-004"] {
        let o = lacuna(&[
            &"decide",
            &dir,
            &key,
            &"--label",
            &"include",
            &"--reviewer",
            &"ben",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let o = lacuna(&[&"import", &dir, &mine, &"-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    std::fs::write(dir.join("my-notes.txt"), "mine").expect("write");
    let before = contents(&dir);
    let o = demo(&dir, false);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    for n in ["4 reviewers", "3 decisions", "1 import", "my-notes.txt"] {
        assert!(stderr(&o).contains(n), "{n} not named: {}", stderr(&o));
    }
    assert_eq!(before, contents(&dir), "the folder changed");
    assert!(reviewers(&dir).contains("dee"));

    // --force replaces it: a fresh demo, none of the work left
    let o = demo(&dir, true);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!dir.join("my-notes.txt").exists());
    assert!(reviewers(&dir).contains("no reviewers"));
    // and the fresh demo is again replaced without --force
    let o = demo(&dir, false);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn issue_30_a_folder_that_is_no_demo_is_refused_and_one_that_is_no_review_even_with_force() {
    let t = tempfile::tempdir().expect("tempdir");
    // a folder of one's own: never replaced
    let own = t.path().join("own");
    std::fs::create_dir_all(&own).expect("mkdir");
    std::fs::write(own.join("notes.txt"), "mine").expect("write");
    for force in [false, true] {
        let o = demo(&own, force);
        assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
        assert!(stderr(&o).contains("notes.txt"), "{}", stderr(&o));
        assert_eq!(
            std::fs::read_to_string(own.join("notes.txt")).expect("kept"),
            "mine"
        );
    }
    // a review no demo made: refused with what it holds, replaced with --force
    let (_r, review) = crate::support::demo_imported();
    let before = contents(&review);
    let o = demo(&review, false);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 import"), "{}", stderr(&o));
    assert_eq!(before, contents(&review), "the review changed");
    let o = demo(&review, true);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(review.join("reports/v2/briefing.html").is_file());
    // an empty folder is used as it is
    let empty = t.path().join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let o = demo(&empty, false);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
