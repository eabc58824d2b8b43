//! Bad input through the command line: each case gives one clear error naming
//! the file (and the position where there is one), a documented exit code,
//! and nothing half-written in the store.

use crate::support::{lacuna, new_review, pubmed, stderr};
use lacuna::store::Review;
use std::io::Read;
use std::path::{Path, PathBuf};

const BAD_INPUT: i32 = 3;

fn count(dir: &Path) -> (u64, u64) {
    let s = Review::open(dir).expect("open").stats().expect("stats");
    (s.records, s.versions)
}

/// Import `good` then `bad`; the bad one must fail cleanly, the good one stay.
fn check_bad(bad: &Path, expect_in_message: &[&str]) {
    let (_t, dir) = new_review();
    let good = pubmed("biopython__pubmed2.xml");
    let o = lacuna(&[&"import", &dir, &good, &bad]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(BAD_INPUT), "{err}");
    assert!(
        err.contains(&bad.display().to_string()),
        "error must name the file: {err}"
    );
    for e in expect_in_message {
        assert!(err.contains(e), "expected {e:?} in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        count(&dir),
        (2, 2),
        "the good file stays, nothing of the bad one"
    );
}

fn gunzip(p: &Path) -> Vec<u8> {
    let mut v = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(p).expect("open"))
        .read_to_end(&mut v)
        .expect("gunzip");
    v
}

fn temp_file(t: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let p = t.path().join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

#[test]
fn malformed_xml_names_file_and_byte_and_rolls_back() {
    let t = tempfile::tempdir().expect("tmp");
    // Real records first, then a mismatched end tag: the records already sent
    // to the store must be rolled back.
    let mut xml = gunzip(&pubmed("pmparser__pubmed26n1334.xml.gz"));
    let end = xml
        .windows(18)
        .rposition(|w| w == b"</PubmedArticleSet")
        .expect("end tag");
    xml.truncate(end);
    xml.extend_from_slice(b"<PubmedArticle></Oops></PubmedArticleSet>");
    let bad = temp_file(&t, "broken.xml", &xml);
    check_bad(&bad, &["malformed XML at byte", "Oops"]);
}

#[test]
fn truncated_xml_says_truncated() {
    let t = tempfile::tempdir().expect("tmp");
    let xml = gunzip(&pubmed("pmparser__pubmed26n1335.xml.gz"));
    let bad = temp_file(&t, "cut.xml", &xml[..xml.len() * 2 / 3]);
    check_bad(&bad, &["truncated"]);
}

#[test]
fn a_cut_or_a_wrong_end_tag_inside_a_subtree_the_parser_skips_is_still_caught() {
    // Reference lists and affiliations are skipped without being read; they
    // must still be checked.
    let t = tempfile::tempdir().expect("tmp");
    let xml = gunzip(&pubmed("pmparser__pubmed26n1335.xml.gz"));
    let at = |needle: &[u8]| {
        xml.windows(needle.len())
            .position(|w| w == needle)
            .expect("the fixture has it")
    };
    let cut = at(b"<ReferenceList>") + 40;
    let bad = temp_file(&t, "cut-in-refs.xml", &xml[..cut]);
    check_bad(&bad, &["truncated", "ReferenceList"]);
    let aff = at(b"</AffiliationInfo>");
    let mut wrong = xml[..aff].to_vec();
    wrong.extend_from_slice(b"</Oops>");
    wrong.extend_from_slice(&xml[aff + b"</AffiliationInfo>".len()..]);
    let bad = temp_file(&t, "wrong-end-in-affiliation.xml", &wrong);
    check_bad(&bad, &["malformed XML at byte", "Oops"]);
}

#[test]
fn truncated_gz_says_truncated() {
    let t = tempfile::tempdir().expect("tmp");
    let gz = std::fs::read(pubmed("pmparser__pubmed26n1334.xml.gz")).expect("read");
    let bad = temp_file(&t, "cut.xml.gz", &gz[..gz.len() / 2]);
    check_bad(&bad, &["gzip stream is truncated", "fetch the file again"]);
}

#[test]
fn xml_that_is_not_pubmed_is_refused() {
    check_bad(
        &pubmed("biopython__esearch1.xml"),
        &["not PubMed XML", "<eSearchResult>"],
    );
}

#[test]
fn an_empty_file_is_refused() {
    let t = tempfile::tempdir().expect("tmp");
    check_bad(&temp_file(&t, "empty.xml", b""), &["empty"]);
    check_bad(&temp_file(&t, "blank.xml", b"  \n\n "), &["empty"]);
}

#[test]
fn a_directory_is_refused() {
    let t = tempfile::tempdir().expect("tmp");
    check_bad(t.path(), &["is a directory"]);
}

#[test]
fn a_missing_or_unreadable_file_is_refused() {
    let t = tempfile::tempdir().expect("tmp");
    check_bad(&t.path().join("nope.xml"), &["cannot read"]);
    // Permissions: root reads anything, so this part only runs for other users.
    let p = temp_file(&t, "locked.xml", b"<PubmedArticleSet/>");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).expect("chmod");
        if std::fs::File::open(&p).is_err() {
            check_bad(&p, &["cannot read", "ermission"]);
        }
    }
}

#[test]
fn unknown_formats_are_refused_with_what_is_read() {
    let t = tempfile::tempdir().expect("tmp");
    check_bad(
        &temp_file(&t, "notes.txt", b"Dear reviewer, here are my notes.\n"),
        &["unrecognised format", "PubMed XML", "RIS"],
    );
    check_bad(
        &temp_file(&t, "bad.jsonl", b"{\"title\": \"ok\"}\n{not json\n"),
        &["line 2"],
    );
}

#[test]
fn an_empty_article_set_imports_nothing_and_says_so() {
    let (_t, dir) = new_review();
    let o = lacuna(&[&"import", &dir, &pubmed("metapub__37909814.xml")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("holds no records"), "{}", stderr(&o));
    assert_eq!(count(&dir), (0, 0));
}

#[test]
fn not_a_review_says_how_to_make_one() {
    let t = tempfile::tempdir().expect("tmp");
    let o = lacuna(&[&"import", &t.path(), &pubmed("biopython__pubmed2.xml")]);
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("lacuna init"), "{}", stderr(&o));
}

#[test]
fn parse_errors_exit_3_and_keep_stdout_for_data() {
    let o = lacuna(&[&"parse", &pubmed("biopython__einfo2.xml")]);
    assert_eq!(o.status.code(), Some(BAD_INPUT));
    assert!(o.stdout.is_empty());
    let o = lacuna(&[&"parse", &"-q", &pubmed("biopython__pubmed1.xml")]);
    assert!(o.status.success());
    assert!(o.stderr.is_empty(), "--quiet: {}", stderr(&o));
    assert_eq!(o.stdout.iter().filter(|b| **b == b'\n').count(), 2);
}

#[test]
fn import_reads_lacuna_jsonl_written_by_parse() {
    let t = tempfile::tempdir().expect("tmp");
    let o = lacuna(&[&"parse", &pubmed("pmparser__pubmed26n1335.xml.gz")]);
    let jl = temp_file(&t, "out.jsonl", &o.stdout);
    let (_t2, a) = new_review();
    let (_t3, b) = new_review();
    assert!(lacuna(&[&"import", &a, &jl]).status.success());
    assert!(
        lacuna(&[&"import", &b, &pubmed("pmparser__pubmed26n1335.xml.gz")])
            .status
            .success()
    );
    let (ra, rb) = (Review::open(&a).expect("a"), Review::open(&b).expect("b"));
    assert_eq!(count(&a), (30, 30));
    for p in [41407204u64, 41618279] {
        let p = lacuna::model::Pmid::new(p).expect("pmid");
        let x = ra.record_by_pmid(p).expect("get").expect("in a").record;
        let y = rb.record_by_pmid(p).expect("get").expect("in b").record;
        assert_eq!(x, y, "JSON Lines round trip loses nothing");
    }
}

#[test]
fn corrupt_gz_and_a_second_root_are_refused() {
    let t = tempfile::tempdir().expect("tmp");
    let gz = std::fs::read(pubmed("pmparser__pubmed26n1334.xml.gz")).expect("read");
    // A damaged checksum (the trailer): the XML reads, then the gzip check fails.
    let mut bad_crc = gz.clone();
    let n = bad_crc.len();
    bad_crc[n - 8] ^= 0xff;
    check_bad(
        &temp_file(&t, "crc.xml.gz", &bad_crc),
        &["corrupt gzip data"],
    );
    // Damaged compressed data: inflated garbage is refused by whichever check sees it first.
    let mut garbled = gz.clone();
    let mid = n / 2;
    for b in &mut garbled[mid..mid + 64] {
        *b ^= 0x5a;
    }
    check_bad(&temp_file(&t, "garbled.xml.gz", &garbled), &[]);
    let two = b"<PubmedArticleSet></PubmedArticleSet><PubmedArticleSet></PubmedArticleSet>";
    check_bad(&temp_file(&t, "two.xml", two), &["second root element"]);
}

/// `lacuna … --json | head`: the reader has gone before the JSON is
/// written; what it read was right, so the exit is 0 (not 1 with
/// "Broken pipe").
#[test]
fn json_written_to_a_closed_pipe_exits_zero() {
    let (_t, dir) = new_review();
    let o = lacuna(&[&"import", &dir, &pubmed("biopython__pubmed1.xml")]);
    assert!(o.status.success(), "{}", stderr(&o));
    for args in [
        vec!["stats", "--json"],
        vec!["search", "--json", "cancer OR health OR study"],
        vec!["export", "--format", "jsonl"],
    ] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_lacuna"));
        c.arg(args[0]).arg(&dir).args(&args[1..]);
        let o = c
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .expect("run");
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    }
}

/// Issue 29: one table of exit codes. The documentation's table (between
/// its markers, in the README or a file of docs/) and `lacuna --help` are
/// the library's table, word for word.
#[test]
fn the_exit_code_table_in_the_docs_and_the_help_is_the_librarys() {
    let root = crate::support::root();
    let mut files = vec![root.join("README.md")];
    if let Ok(dir) = std::fs::read_dir(root.join("docs")) {
        files.extend(
            dir.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "md")),
        );
    }
    let (begin, end) = ("<!-- exit-codes:begin -->\n", "\n<!-- exit-codes:end -->");
    let tables: Vec<(PathBuf, String)> = files
        .iter()
        .filter_map(|f| {
            let text = std::fs::read_to_string(f).ok()?;
            let a = text.find(begin)? + begin.len();
            let b = a + text.get(a..)?.find(end)?;
            Some((f.clone(), format!("{}\n", text.get(a..b)?)))
        })
        .collect();
    assert_eq!(tables.len(), 1, "one marked exit-code table: {tables:?}");
    let (file, table) = &tables[0];
    if std::env::var_os("UPDATE_EXPECT").is_some() && table != &lacuna::error::codes::markdown() {
        let text = std::fs::read_to_string(file).expect("read");
        let new = text.replacen(
            table.trim_end(),
            lacuna::error::codes::markdown().trim_end(),
            1,
        );
        std::fs::write(file, new).expect("re-bless the exit-code table");
        return;
    }
    assert_eq!(
        table,
        &lacuna::error::codes::markdown(),
        "{} differs from lacuna::error::codes::TABLE",
        file.display()
    );
    let o = lacuna(&[&"--help"]);
    let help = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        help.contains(&lacuna::error::codes::help()),
        "--help: {help}"
    );
    for c in lacuna::error::codes::TABLE {
        assert!(
            table.contains(&format!("| {} | ", c.code)),
            "code {} undocumented",
            c.code
        );
    }
}
