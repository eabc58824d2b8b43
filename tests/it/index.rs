//! The search index: fielded terms, phrases, boolean operators, year ranges,
//! highlighted snippets; rebuilt from the store when deleted or stale.

use crate::support::{lacuna, new_review, pubmed, stderr, stdout};
use std::path::Path;

fn search(dir: &Path, q: &str) -> serde_json::Value {
    let o = lacuna(&[&"search", &"--json", &"-n", &"50", &dir, &q]);
    assert!(o.status.success(), "{q}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("json")
}

fn pmids(v: &serde_json::Value) -> Vec<u64> {
    let mut p: Vec<u64> = v["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .filter_map(|h| h["pmid"].as_u64())
        .collect();
    p.sort_unstable();
    p
}

fn fixture_review() -> (tempfile::TempDir, std::path::PathBuf) {
    let (t, dir) = new_review();
    let o = lacuna(&[
        &"import",
        &dir,
        &pubmed("pmparser__pubmed26n1334.xml.gz"),
        &pubmed("pmparser__pubmed26n1335.xml.gz"),
        &pubmed("biopython__pubmed4.xml"),
        &pubmed("biopython__pubmed1.xml"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    (t, dir)
}

#[test]
fn search_supports_fields_phrases_booleans_and_year_ranges() {
    let (_t, dir) = fixture_review();
    let v = search(&dir, "telomere pancreatic");
    assert_eq!(pmids(&v), [27797938]);
    assert_eq!(v["total"], 1);
    // phrase: the words in order
    assert_eq!(
        pmids(&search(&dir, "title:\"telomere length\"")),
        [27797938]
    );
    assert!(pmids(&search(&dir, "title:\"length telomere\"")).is_empty());
    // boolean and negation
    let both = pmids(&search(&dir, "obesity OR telomere"));
    let obesity = pmids(&search(&dir, "obesity"));
    assert!(both.len() == obesity.len() + 1 && both.contains(&27797938));
    assert!(!pmids(&search(&dir, "obesity -migrants")).contains(&26228458));
    // year range
    let old = pmids(&search(&dir, "year:[1900 TO 1999]"));
    assert_eq!(old, [9997, 12091962]);
    // pmid and mesh fields
    assert_eq!(pmids(&search(&dir, "pmid:26228458")), [26228458]);
    assert!(pmids(&search(&dir, "mesh:humans")).len() > 5);
}

#[test]
fn snippets_highlight_the_matches() {
    let (_t, dir) = fixture_review();
    let v = search(&dir, "telomere");
    let hit = &v["hits"][0];
    let snip = &hit["abstract_snippet"];
    let text = snip["text"].as_str().expect("text");
    let hl = snip["highlights"].as_array().expect("highlights");
    assert!(!hl.is_empty());
    for r in hl {
        let (a, b) = (
            r[0].as_u64().expect("a") as usize,
            r[1].as_u64().expect("b") as usize,
        );
        assert!(
            text[a..b].to_lowercase().starts_with("telomer"),
            "{}",
            &text[a..b]
        );
    }
    let o = lacuna(&[&"search", &dir, &"telomere"]);
    assert!(
        stdout(&o).contains("**Telomere**") || stdout(&o).contains("**telomere**"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn deleting_the_index_and_running_index_rebuilds_it() {
    let (_t, dir) = fixture_review();
    let before = search(&dir, "cancer OR obesity OR health");
    std::fs::remove_dir_all(dir.join("index")).expect("rm index");
    let o = lacuna(&[&"index", &dir]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("indexed 63 record(s)"),
        "{}",
        stderr(&o)
    );
    let after = search(&dir, "cancer OR obesity OR health");
    assert_eq!(pmids(&before), pmids(&after));
    assert!(!pmids(&after).is_empty());
}

#[test]
fn a_missing_index_is_rebuilt_on_search_and_kept_current_by_import() {
    let (_t, dir) = fixture_review();
    std::fs::remove_dir_all(dir.join("index")).expect("rm index");
    let o = lacuna(&[&"search", &dir, &"telomere"]);
    assert!(o.status.success());
    assert!(stderr(&o).contains("rebuilding"), "{}", stderr(&o));
    // import updates the index incrementally: the new record is found at once
    let o = lacuna(&[&"import", &dir, &pubmed("biopython__pubmed7.xml")]);
    assert!(o.status.success());
    let o = lacuna(&[&"search", &"--json", &dir, &"pmid:29963580"]);
    assert!(!stderr(&o).contains("rebuilding"), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["total"], 1);
}

#[test]
fn an_import_into_a_review_whose_index_is_gone_rebuilds_it_first() {
    let (_t, dir) = fixture_review();
    std::fs::remove_dir_all(dir.join("index")).expect("rm index");
    let o = lacuna(&[&"import", &dir, &pubmed("biopython__pubmed7.xml")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("rebuilding it first"), "{}", stderr(&o));
    // The records held before and the one just imported are all found, and
    // the search needs no rebuild of its own.
    for (q, pmid) in [
        ("pmid:29963580", 29963580),
        ("telomere pancreatic", 27797938),
    ] {
        let o = lacuna(&[&"search", &"--json", &dir, &q]);
        assert!(!stderr(&o).contains("rebuilding"), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!(pmids(&v), [pmid], "{q}");
    }
    let o = lacuna(&[&"stats", &"--json", &dir]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["records"], 64, "{v}");
}

#[test]
fn bare_words_found_in_the_title_rank_first_and_abstract_queries_still_work() {
    let (_t, dir) = fixture_review();
    let v = search(&dir, "health");
    let in_title: Vec<bool> = v["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| {
            h["title"]
                .as_str()
                .expect("title")
                .to_lowercase()
                .contains("health")
        })
        .collect();
    assert!(in_title.len() > 4, "{v}");
    let first_without = in_title.iter().position(|t| !t).expect("some without");
    assert!(first_without >= 2, "{in_title:?}");
    assert!(in_title[first_without..].iter().all(|t| !t), "{in_title:?}");
    // `abstract:` searches the same text as bare words, phrases included.
    assert_eq!(
        pmids(&search(&dir, "abstract:telomere AND abstract:pancreatic")),
        [27797938]
    );
    assert_eq!(
        pmids(&search(&dir, "abstract:\"telomere length\"")),
        pmids(&search(&dir, "\"telomere length\""))
    );
}

#[test]
fn an_index_made_by_an_older_lacuna_is_rebuilt_not_searched() {
    let (_t, dir) = fixture_review();
    // Replace the index with one of another schema, marked as current.
    let generation = std::fs::read_to_string(dir.join("index/GENERATION")).expect("generation");
    std::fs::remove_dir_all(dir.join("index")).expect("rm index");
    std::fs::create_dir_all(dir.join("index")).expect("mkdir");
    let mut b = tantivy::schema::Schema::builder();
    b.add_text_field("title", tantivy::schema::TEXT);
    tantivy::Index::create_in_dir(dir.join("index"), b.build()).expect("old index");
    std::fs::write(dir.join("index/GENERATION"), generation).expect("write");
    let o = lacuna(&[&"search", &"--json", &dir, &"telomere pancreatic"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("rebuilding"), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(pmids(&v), [27797938]);
}

#[test]
fn a_bad_query_says_how_to_write_one() {
    let (_t, dir) = fixture_review();
    let o = lacuna(&[&"search", &dir, &"title:(unclosed"]);
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert!(stderr(&o).contains("Examples"), "{}", stderr(&o));
}

#[test]
fn titles_come_back_whole_with_their_matches_highlighted() {
    let (_t, dir) = fixture_review();
    let v = search(&dir, "title:telomere");
    let h = &v["hits"][0];
    let snip = &h["title_snippet"];
    assert_eq!(
        snip["text"], h["title"],
        "the whole title, trailing period included"
    );
    assert!(h["title"].as_str().expect("title").ends_with('.'));
    let hl = snip["highlights"].as_array().expect("hl");
    assert!(!hl.is_empty());
}

#[test]
fn a_search_for_a_therapy_finds_that_therapys_records_first() {
    let (_t, dir) = new_review();
    let corpus = crate::support::shared().join("corpus-demo/records.jsonl");
    let o = lacuna(&[&"import", &dir, &corpus]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Snowball cuts "mentalization" to "mental" and "dialectical" to
    // "dialect": a search for the therapy ranked mental health papers first.
    for (q, needle) in [
        ("mentalization", "mentali"),
        ("mentalisation", "mentali"),
        ("dialectical", "dialectical"),
        ("schema therapy", "schema"),
    ] {
        let v = search(&dir, q);
        let hits = v["hits"].as_array().expect("hits");
        assert!(hits.len() >= 3, "{q}: {} hits", hits.len());
        for h in hits {
            let text = format!(
                "{} {} {}",
                h["title"].as_str().unwrap_or_default(),
                h["snippet"].as_str().unwrap_or_default(),
                h["abstract"].as_str().unwrap_or_default()
            )
            .to_lowercase();
            assert!(
                text.contains(needle),
                "{q}: a hit without {needle:?}: {}",
                h["title"]
            );
        }
    }
}
