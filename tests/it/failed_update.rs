//! Issue 30, item 3: one bad `--files` run must not block the scheduled
//! update. A run that fails on its input before storing anything leaves no
//! unfinished update; a half-done one is finished by the command the
//! scheduled `update` spells out, or given up with `update --abandon`.

use crate::eutils_server::Server;
use crate::living::{article, eutils, protocol_file, TERM};
use crate::support::{root, shared, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A new review, a loopback PubMed with two articles for the protocol's
/// search, the protocol, and a folder to run commands from.
struct Setup {
    _tmp: tempfile::TempDir,
    work: PathBuf,
    dir: PathBuf,
    protocol: PathBuf,
    server: Server,
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = tmp.path().to_path_buf();
    let dir = work.join("review");
    let server = Server::start(&shared().join("fixtures/pubmed"));
    for (i, pmid) in [2001u64, 2002].into_iter().enumerate() {
        server.add_article(
            TERM,
            pmid,
            &article(pmid, i, 2020, true, None),
            "2024/01/01",
        );
    }
    let protocol = protocol_file(&work);
    let o = lacuna_in(&work, &["init", "review"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    Setup {
        _tmp: tmp,
        work,
        dir,
        protocol,
        server,
    }
}

/// Run lacuna from `cwd` (relative paths are read from there).
fn lacuna_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lacuna"))
        .current_dir(cwd)
        .args(args)
        .env_remove("LACUNA_LOG")
        .env_remove("LACUNA_FAILPOINT")
        .output()
        .expect("run lacuna")
}

impl Setup {
    /// `update --files` from the work folder, with relative file names.
    fn update_files(&self, files: &[&str]) -> Output {
        let p = self.protocol.display().to_string();
        let mut a = vec!["update", "review", "--protocol", &p, "--files"];
        a.extend_from_slice(files);
        lacuna_in(&self.work, &a)
    }

    /// The scheduled plain `update` (PubMed), run from elsewhere, as cron does.
    fn scheduled(&self) -> Output {
        let dir = self.dir.display().to_string();
        let p = self.protocol.display().to_string();
        let mut a: Vec<String> = vec!["update".into(), dir, "--protocol".into(), p];
        a.extend(eutils(&self.server));
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        lacuna_in(&root().join("tests"), &refs)
    }

    /// (id, step, outcome) of every logged update.
    fn updates(&self) -> Vec<(i64, String, Option<String>)> {
        let c = rusqlite::Connection::open(self.dir.join("lacuna.db")).expect("db");
        let mut st = c
            .prepare("SELECT id, step, outcome FROM updates ORDER BY id")
            .expect("prepare");
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query");
        rows.collect::<Result<_, _>>().expect("rows")
    }

    fn count(&self, sql: &str) -> i64 {
        let c = rusqlite::Connection::open(self.dir.join("lacuna.db")).expect("db");
        c.query_row(sql, [], |r| r.get(0)).expect("count")
    }

    /// A good export (the demo's month-2 records) and an empty file, in the
    /// work folder.
    fn files(&self) {
        std::fs::copy(
            root().join("corpus/month-2.jsonl"),
            self.work.join("good.jsonl"),
        )
        .expect("copy");
        std::fs::write(self.work.join("empty.xml"), "").expect("write");
    }
}

#[test]
fn issue_30_a_files_update_that_fails_on_its_input_leaves_no_unfinished_update() {
    let s = setup();
    s.files();
    let o = s.update_files(&["empty.xml"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("empty.xml"), "{}", stderr(&o));
    assert_eq!(
        s.updates(),
        vec![],
        "nothing stored, no update left started"
    );
    // The monthly run is not blocked.
    let o = s.scheduled();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("carrying on"), "{}", stderr(&o));
    assert_eq!(
        s.updates(),
        vec![(1, "done".to_string(), Some("updated".to_string()))]
    );
}

/// The command between backticks that starts with `start` in `text`.
fn spelled(text: &str, start: &str) -> Vec<String> {
    let at = text
        .find(&format!("`{start}"))
        .unwrap_or_else(|| panic!("no `{start}…` in: {text}"));
    let rest = &text[at + 1..];
    let end = rest.find('`').expect("closing backtick");
    rest[..end].split_whitespace().map(str::to_string).collect()
}

#[test]
fn issue_30_a_half_done_files_update_is_finished_by_the_command_the_scheduled_update_spells_out() {
    let s = setup();
    s.files();
    // good.jsonl is imported, then empty.xml fails: half done.
    let o = s.update_files(&["good.jsonl", "empty.xml"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--abandon"),
        "the failure says the way on: {}",
        stderr(&o)
    );
    assert_eq!(s.updates(), vec![(1, "started".to_string(), None)]);
    let records = s.count("SELECT count(*) FROM records");
    assert_eq!(records, 19);

    // The scheduled update names both ways, each command in full.
    let o = s.scheduled();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(7), "{err}");
    let dir = s.dir.display().to_string();
    let finish = spelled(&err, &format!("lacuna update {dir} --files"));
    let abs = |f: &str| s.work.join(f).display().to_string();
    assert_eq!(
        finish[3..],
        ["--files".to_string(), abs("good.jsonl"), abs("empty.xml")],
        "{err}"
    );
    assert_eq!(
        spelled(&err, &format!("lacuna update {dir} --abandon")),
        ["lacuna", "update", &dir, "--abandon"],
        "{err}"
    );
    assert!(
        err.contains("it imported good.jsonl (not yet: empty.xml)"),
        "{err}"
    );

    // The bad file mended, the spelled-out command finishes the update
    // (from any folder), importing good.jsonl only once.
    std::fs::copy(
        root().join("corpus/month-3.jsonl"),
        s.work.join("empty.xml"),
    )
    .expect("mend");
    let mut a: Vec<&str> = finish[1..].iter().map(String::as_str).collect();
    let p = s.protocol.display().to_string();
    a.extend(["--protocol", &p]);
    let o = lacuna_in(&root().join("tests"), &a);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("carrying on update 1"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("imported already by this update"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        s.count("SELECT count(*) FROM sources WHERE name LIKE '%good.jsonl'"),
        1
    );
    assert_eq!(s.count("SELECT count(*) FROM records"), 19 + 23);
    // And the monthly run goes on.
    let o = s.scheduled();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(s.updates().len(), 2);
}

#[test]
fn issue_30_update_abandon_gives_up_a_half_done_update_and_says_what_it_keeps() {
    let s = setup();
    s.files();
    let o = s.update_files(&["good.jsonl", "empty.xml"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let o = lacuna_in(&s.work, &["update", "review", "--abandon"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for want in [
        "abandoned update 1 (--files",
        "rolled back: the unfinished update itself",
        "not run for it: fetch, deduplicate, index, re-code, re-pool",
        "kept: the files it imported (good.jsonl)",
        "19 record(s) stored since it began",
        "never imported: empty.xml",
    ] {
        assert!(out.contains(want), "{want:?} in:\n{out}");
    }
    assert_eq!(
        s.updates(),
        vec![(1, "started".to_string(), Some("abandoned".to_string()))]
    );
    // Records are never removed.
    assert_eq!(s.count("SELECT count(*) FROM records"), 19);
    // Nothing left to abandon; the scheduled run is free.
    let o = lacuna_in(&s.work, &["update", "review", "--abandon", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "null");
    let o = s.scheduled();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("carrying on"), "{}", stderr(&o));
    // --abandon goes with nothing that would start an update.
    let o = lacuna_in(
        &s.work,
        &["update", "review", "--abandon", "--files", "good.jsonl"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn issue_30_a_files_update_facing_an_unfinished_pubmed_update_says_both_ways() {
    let s = setup();
    s.files();
    // The PubMed run stops at a kill after its fetch.
    let dir = s.dir.display().to_string();
    let p = s.protocol.display().to_string();
    let mut a: Vec<String> = vec!["update".into(), dir.clone(), "--protocol".into(), p];
    a.extend(eutils(&s.server));
    let killed = Command::new(env!("CARGO_BIN_EXE_lacuna"))
        .args(&a)
        .env("LACUNA_FAILPOINT", "update:fetched")
        .output()
        .expect("run");
    assert_eq!(killed.status.code(), None, "killed");
    let o = s.update_files(&["good.jsonl"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(7), "{err}");
    // The review was named `review` (run from its parent folder).
    assert!(
        err.contains("Either finish it: `lacuna update review`"),
        "{err}"
    );
    assert!(
        err.contains("or give it up: `lacuna update review --abandon`"),
        "{err}"
    );
    assert_eq!(
        s.count("SELECT count(*) FROM records"),
        2,
        "nothing of good.jsonl stored"
    );
    let _ = dir;
}

/// Issue 29: `update --files` says each file's counts once (on stdout, in
/// its summary), not a second time in other words on stderr.
#[test]
fn issue_29_update_files_says_each_files_counts_once() {
    let s = setup();
    s.files();
    let o = s.update_files(&["good.jsonl"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let all = format!("{}\n{}", stdout(&o), stderr(&o));
    let lines: Vec<&str> = all
        .lines()
        .filter(|l| l.starts_with("good.jsonl:"))
        .collect();
    assert_eq!(lines.len(), 1, "{all}");
    assert!(lines[0].contains("revised"), "{}", lines[0]);
}
