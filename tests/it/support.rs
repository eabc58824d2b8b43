//! Helpers the tests call instead of the API, so refactors touch one place:
//! finding the shared fixtures, running the binary, golden files, temp reviews.

use lacuna::model::Item;
use lacuna::parse::open::{read_file, FileError, FileSummary};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The read-only shared folder: `LACUNA_SHARED`, else `../shared` beside the repo.
pub fn shared() -> PathBuf {
    let dir = std::env::var_os("LACUNA_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    assert!(
        dir.join("fixtures").is_dir(),
        "the shared fixtures folder is missing: looked for {}/fixtures. Set LACUNA_SHARED to the \
         folder that holds fixtures/ and corpus-demo/ (CI has it beside the clone as ../shared).",
        dir.display()
    );
    dir
}

/// A PubMed fixture by file name.
pub fn pubmed(name: &str) -> PathBuf {
    let p = shared().join("fixtures/pubmed").join(name);
    assert!(p.is_file(), "fixture {} is missing", p.display());
    p
}

/// Every file of the PubMed fixture folder except its README, sorted.
pub fn pubmed_fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(shared().join("fixtures/pubmed"))
        .expect("read fixtures/pubmed")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    v.sort();
    v
}

/// Parse a file with the library: items and summary, or the error.
pub fn parse_file(path: &Path) -> Result<(Vec<Item>, FileSummary), FileError> {
    let mut items = Vec::new();
    let s = read_file(path, &mut |i| {
        items.push(i);
        true
    })?;
    Ok((items, s))
}

/// Records only (panics if the file does not parse).
pub fn records(path: &Path) -> Vec<lacuna::model::Record> {
    parse_file(path)
        .unwrap_or_else(|e| panic!("{e}"))
        .0
        .into_iter()
        .filter_map(|i| match i {
            Item::Record(r) => Some(*r),
            Item::Deletion(_) => None,
        })
        .collect()
}

/// Run the `lacuna` binary.
pub fn lacuna(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lacuna"));
    for a in args {
        c.arg(a.as_ref());
    }
    c.env_remove("LACUNA_LOG");
    c.output().expect("run lacuna")
}

/// Run the `lacuna` binary with `input` on its standard input (as a pipe).
pub fn lacuna_stdin(args: &[&dyn AsRef<std::ffi::OsStr>], input: &[u8]) -> Output {
    use std::io::Write;
    let mut c = Command::new(env!("CARGO_BIN_EXE_lacuna"));
    for a in args {
        c.arg(a.as_ref());
    }
    let mut child = c
        .env_remove("LACUNA_LOG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn lacuna");
    if let Some(mut stdin) = child.stdin.take() {
        // a closed pipe (the program quit early) is not the test's failure
        let _ = stdin.write_all(input);
    }
    child.wait_with_output().expect("wait for lacuna")
}

/// Stderr of an output as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Stdout of an output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A fresh temporary review folder (initialised).
pub fn new_review() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path().join("review");
    let o = lacuna(&[&"init", &dir]);
    assert!(o.status.success(), "init failed: {}", stderr(&o));
    (t, dir)
}

/// Compare `actual` with the golden file `tests/expected/<name>`; with
/// `UPDATE_EXPECT=1` write it instead.
pub fn check_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expected")
        .join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "golden file {} is missing; run with UPDATE_EXPECT=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
        let first = e
            .iter()
            .zip(a.iter())
            .position(|(x, y)| x != y)
            .unwrap_or(e.len().min(a.len()));
        panic!(
            "{} differs from the parser's output (first difference at line {}):\n expected: {}\n   actual: {}\n\
             If the change is intended, re-bless with UPDATE_EXPECT=1 cargo test.",
            path.display(),
            first + 1,
            e.get(first).unwrap_or(&"<end>"),
            a.get(first).unwrap_or(&"<end>")
        );
    }
}

/// The repository's complex-emotional-needs protocol, loaded.
pub fn cen_protocol() -> lacuna::protocol::Protocol {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("protocols/complex-emotional-needs.toml");
    lacuna::protocol::load(&p).unwrap_or_else(|e| panic!("{e}"))
}

/// A record with a title, an unstructured abstract, MeSH and publication types.
pub fn record(
    title: &str,
    abstract_text: &str,
    mesh: &[&str],
    types: &[&str],
) -> lacuna::model::Record {
    lacuna::model::Record {
        title: title.to_string(),
        abstract_text: (!abstract_text.is_empty()).then(|| abstract_text.to_string()),
        mesh: mesh.iter().map(|s| s.to_string()).collect(),
        publication_types: types.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

/// Code one record with the CEN protocol: category ids per dimension.
pub fn codes_of(p: &lacuna::protocol::Protocol, r: &lacuna::model::Record) -> lacuna::code::Coding {
    lacuna::code::Coder::new(&p.frame).code(r)
}

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A demo review: imported, screened with the collector's labels, coded.
pub fn demo_review() -> (tempfile::TempDir, PathBuf) {
    let (tmp, dir) = demo_imported();
    let decisions = root().join("corpus/cen-demo-decisions.csv");
    let protocol = root().join("protocols/complex-emotional-needs.toml");
    let o = lacuna(&[&"decide", &dir, &"--from", &decisions, &"-q"]);
    assert_eq!(o.status.code(), Some(0), "decide: {}", stderr(&o));
    let o = lacuna(&[&"code", &dir, &"--protocol", &protocol, &"-q"]);
    assert_eq!(o.status.code(), Some(0), "code: {}", stderr(&o));
    (tmp, dir)
}

/// A new review holding the demo corpus, nothing decided or coded.
pub fn demo_imported() -> (tempfile::TempDir, PathBuf) {
    let (tmp, dir) = new_review();
    let o = lacuna(&[
        &"import",
        &dir,
        &root().join("corpus/cen-demo.jsonl"),
        &"-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "import: {}", stderr(&o));
    (tmp, dir)
}

/// Run `tests/browser/SCRIPT` under Node with `args` (playwright-core drives
/// headless Chromium) and read the one JSON object it prints.
pub fn run_browser(script: &str, args: &[&dyn AsRef<std::ffi::OsStr>]) -> serde_json::Value {
    let node_modules = root().join("tests/browser/node_modules/playwright-core");
    assert!(node_modules.is_dir(), "playwright-core is not installed: run `npm ci --prefix tests/browser` (and install Chromium: apt-get install -y chromium)");
    let mut cmd = Command::new("node");
    cmd.arg(root().join("tests/browser").join(script));
    for a in args {
        cmd.arg(a);
    }
    let o = cmd.output().expect("run node (install Node.js)");
    assert!(
        o.status.success(),
        "browser run failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("browser JSON")
}

/// Every box of a PRISMA 2020 flow (`lacuna prisma --json`, or a snapshot's
/// `prisma`) adds up, as issue 26 states the template: identification to
/// screening, screening to retrieval and assessment, assessment to the new
/// reports, previous + new = total, and the databases sum to the records
/// identified. In the flows the tests make, nothing of a version is
/// withdrawn later and no earlier record comes back. `what` names the flow.
pub fn assert_prisma_adds_up(p: &serde_json::Value, what: &str) {
    let n = |f: &str| {
        p.get(f)
            .and_then(serde_json::Value::as_u64)
            .unwrap_or_else(|| panic!("{what}: no count {f} in {p}"))
    };
    let opt = |f: &str| p.get(f).and_then(serde_json::Value::as_u64).unwrap_or(0);
    assert_eq!(
        n("database_results") + n("register_results") + opt("records_carried_over")
            - n("duplicates")
            - n("excluded_automatic")
            - n("excluded_other"),
        n("records_screened"),
        "{what}: identified (+ carried over) − removed = screened: {p}"
    );
    assert_eq!(
        n("records_screened") - n("records_excluded") - n("records_awaiting"),
        n("dbr_sought_reports"),
        "{what}: screened − excluded − awaiting = sought: {p}"
    );
    assert_eq!(
        n("dbr_sought_reports") - n("dbr_notretrieved_reports"),
        n("dbr_assessed"),
        "{what}: sought − not retrieved = assessed: {p}"
    );
    let excluded: u64 = p["dbr_excluded"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: dbr_excluded"))
        .iter()
        .map(|r| r["n"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(
        n("dbr_assessed") - excluded,
        n("new_reports"),
        "{what}: assessed − excluded with reasons = new reports: {p}"
    );
    for f in [
        "studies_withdrawn",
        "reports_withdrawn",
        "reports_from_earlier",
    ] {
        assert_eq!(opt(f), 0, "{what}: {f}: {p}");
    }
    assert_eq!(
        n("previous_studies") + n("new_studies"),
        n("total_studies"),
        "{what}: previous + new = total studies: {p}"
    );
    assert_eq!(
        n("previous_reports") + n("new_reports"),
        n("total_reports"),
        "{what}: previous + new = total reports: {p}"
    );
    let per_db: u64 = p["database_specific_results"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: database_specific_results"))
        .iter()
        .map(|d| d["n"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(per_db, n("database_results"), "{what}: databases sum");
}
