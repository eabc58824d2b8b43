//! Golden tests: every PubMed fixture parsed, compared with
//! `tests/expected/pubmed/<fixture>.jsonl` (re-bless with `UPDATE_EXPECT=1`).
//!
//! The fixtures are third-party text that may not be copied into this
//! repository, so the golden files keep identifiers, numbers, names and
//! controlled terms in clear, and replace each free-text field (titles,
//! abstracts, abstract sections) by its length and a 64-bit fingerprint: any
//! change to that text still fails the test.

use crate::support::{check_golden, parse_file, pubmed_fixtures, shared};
use lacuna::model::{Fnv64, Item};
use lacuna::parse::jsonl::to_line;
use serde_json::Value;
use std::collections::BTreeMap;

fn digest(s: &str) -> Value {
    let mut h = Fnv64::new();
    h.write(s.as_bytes());
    Value::String(format!(
        "«{} chars, fnv {:016x}»",
        s.chars().count(),
        h.finish()
    ))
}

/// Replace the free-text fields of one JSON line by digests.
pub fn scrub(line: &str) -> String {
    let mut v: Value = serde_json::from_str(line).expect("parser output is JSON");
    if let Some(o) = v.as_object_mut() {
        for k in ["title", "vernacular_title", "abstract", "book_title"] {
            if let Some(Value::String(s)) = o.get(k) {
                let d = digest(s);
                o.insert(k.into(), d);
            }
        }
        for k in ["abstract_sections", "other_abstracts"] {
            if let Some(Value::Array(a)) = o.get_mut(k) {
                for sec in a {
                    if let Some(Value::String(s)) = sec.get("text") {
                        let d = digest(s);
                        sec["text"] = d;
                    }
                }
            }
        }
    }
    serde_json::to_string(&v).expect("serialise")
}

/// What the parser makes of one file, scrubbed: JSON lines, or the error.
fn golden_text(path: &std::path::Path) -> String {
    match parse_file(path) {
        Ok((items, summary)) => {
            let mut out = String::new();
            for i in &items {
                out.push_str(&scrub(&to_line(i)));
                out.push('\n');
            }
            for w in &summary.warnings {
                out.push_str(&format!("# warning: {w}\n"));
            }
            out
        }
        Err(e) => format!("# error: {}\n", e.kind),
    }
}

#[test]
fn every_fixture_matches_its_golden_file() {
    let files = pubmed_fixtures();
    assert!(
        files.len() >= 190,
        "expected the full fixture set, found {}",
        files.len()
    );
    for f in &files {
        let name = f.file_name().expect("name").to_string_lossy().into_owned();
        let stem = name.trim_end_matches(".gz").trim_end_matches(".xml");
        check_golden(&format!("pubmed/{stem}.jsonl"), &golden_text(f));
    }
}

/// The fixtures README counts each file's PubmedArticle / PubmedBookArticle /
/// deleted PMIDs (with lxml, independently of us): the parser must agree.
#[test]
fn counts_match_the_fixture_readme() {
    let readme =
        std::fs::read_to_string(shared().join("fixtures/pubmed/README.md")).expect("README");
    let mut expected: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    for line in readme.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() > 6 && cells[4] == "PubmedArticleSet" {
            let n: Vec<u64> = cells[5]
                .split('/')
                .map(|x| x.parse().expect("count"))
                .collect();
            expected.insert(cells[1].to_string(), (n[0], n[1], n[2]));
        }
    }
    assert!(
        expected.len() >= 170,
        "README table not found ({} rows)",
        expected.len()
    );
    let (mut arts, mut books, mut dels) = (0, 0, 0);
    for (name, (a, b, d)) in &expected {
        let (items, summary) =
            parse_file(&crate::support::pubmed(name)).unwrap_or_else(|e| panic!("{e}"));
        let c = summary.counts;
        assert_eq!((c.articles, c.books, c.deletions), (*a, *b, *d), "{name}");
        assert_eq!(items.len() as u64, a + b + d, "{name}");
        assert_eq!(c.skipped, 0, "{name}: {:?}", summary.warnings);
        arts += c.articles;
        books += c.books;
        dels += c.deletions;
    }
    // The README's totals line.
    assert_eq!((arts, books, dels), (261, 1, 268));
}

#[test]
fn cli_parse_prints_the_library_lines() {
    for name in ["biopython__pubmed4.xml", "pmparser__pubmed20n1016.xml.gz"] {
        let path = crate::support::pubmed(name);
        let o = crate::support::lacuna(&[&"parse", &path]);
        assert!(o.status.success(), "{}", crate::support::stderr(&o));
        let lib: Vec<String> = parse_file(&path)
            .expect("parse")
            .0
            .iter()
            .map(to_line)
            .collect();
        let cli: Vec<String> = crate::support::stdout(&o)
            .lines()
            .map(str::to_string)
            .collect();
        assert_eq!(cli, lib, "{name}");
        // and so the golden file holds for the binary too
        let scrubbed: String = cli.iter().map(|l| scrub(l) + "\n").collect();
        assert!(golden_text(&path).starts_with(&scrubbed));
    }
}

#[test]
fn deletion_lines_have_kind_deletion() {
    let (items, _) =
        parse_file(&crate::support::pubmed("pmparser__pubmed26n1335.xml.gz")).expect("parse");
    let lines: Vec<Value> = items
        .iter()
        .map(|i| serde_json::from_str(&to_line(i)).expect("json"))
        .collect();
    let kinds: Vec<&str> = lines
        .iter()
        .map(|v| v["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "deletion").count(), 6);
    // deletions come last, in file order
    assert!(kinds.iter().skip(30).all(|k| *k == "deletion"));
    assert_eq!(lines[30]["pmid"], 41456105);
    assert!(matches!(items[30], Item::Deletion(_)));
}

/// The in-memory reader (borrowing) and the streaming reader (buffered) are
/// the same parser: identical items and warnings on every fixture.
#[test]
fn in_memory_and_streaming_readers_agree() {
    use lacuna::parse::pubmed::{read, read_slice};
    use std::io::Read;
    for f in pubmed_fixtures() {
        let mut bytes = Vec::new();
        if f.extension().is_some_and(|e| e == "gz") {
            flate2::read::GzDecoder::new(std::fs::File::open(&f).expect("open"))
                .read_to_end(&mut bytes)
                .expect("gunzip");
        } else {
            bytes = std::fs::read(&f).expect("read");
        }
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let ra = read(&bytes[..], &mut |i| {
            a.push(i);
            true
        });
        let rb = read_slice(&bytes, &mut |i| {
            b.push(i);
            true
        });
        assert_eq!(a, b, "{}", f.display());
        assert_eq!(format!("{ra:?}"), format!("{rb:?}"), "{}", f.display());
    }
}
