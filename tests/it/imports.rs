//! Imports from other databases (RIS dialects, MEDLINE/.nbib, PubMed CSV,
//! a plain CSV), their encodings, deduplication across them, and export.
//! The fixtures in tests/fixtures/imports/ are synthetic: each is one tool's
//! export dialect filled with demo-corpus records (scripts/make-import-fixtures.py).

use crate::support::{lacuna, new_review, parse_file, records, root, stderr, stdout};
use lacuna::model::dedup::{find, DedupKey};
use lacuna::parse::Format;
use lacuna::store::Review;
use std::path::PathBuf;

fn fx(name: &str) -> PathBuf {
    root().join("tests/fixtures/imports").join(name)
}

const BPD_DOI: &str = "10.1176/appi.ajp.2007.07040636";

#[test]
fn each_ris_dialect_is_read_by_content() {
    for (file, author) in [
        ("ovid-embase.ris", "Bateman AW"),
        ("ebsco-psycinfo.ris", "Bateman AW"),
        ("scopus.ris", "Bateman A"),
        ("zotero.ris", "Bateman AW"),
        ("wos.ris", "Bateman A"),
        ("endnote.ris", "Bateman AW"),
    ] {
        let (items, summary) = parse_file(&fx(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(summary.format, Some(Format::Ris), "{file}");
        assert_eq!(items.len(), 3, "{file}");
        let r = &records(&fx(file))[0];
        assert!(
            r.title.to_lowercase().starts_with("8-year follow-up"),
            "{file}: {}",
            r.title
        );
        assert_eq!(r.year, Some(2008), "{file}");
        assert_eq!(
            r.authors.first().map(String::as_str),
            Some(author),
            "{file}"
        );
        assert!(
            r.abstract_text
                .as_deref()
                .is_some_and(|a| a.contains("MBT")),
            "{file}"
        );
        assert!(r.journal.is_some(), "{file}");
        // Ovid writes the DOI in a free field (M3): not taken for a DOI.
        if file != "ovid-embase.ris" {
            assert_eq!(r.doi.as_ref().map(|d| d.as_str()), Some(BPD_DOI), "{file}");
        }
    }
    // The same content under a misleading name is still RIS.
    let t = tempfile::tempdir().expect("tmp");
    let p = t.path().join("export.txt");
    std::fs::copy(fx("zotero.ris"), &p).expect("copy");
    assert_eq!(parse_file(&p).expect("parse").1.format, Some(Format::Ris));
}

#[test]
fn medline_nbib_keeps_pmid_mesh_and_wrapped_lines() {
    let recs = records(&fx("pubmed.nbib"));
    assert_eq!(recs.len(), 3);
    let r = &recs[0];
    assert_eq!(r.pmid.map(|p| p.get()), Some(18_450_866));
    assert_eq!(r.doi.as_ref().map(|d| d.as_str()), Some(BPD_DOI));
    assert!(r
        .mesh
        .contains(&"Borderline Personality Disorder".to_string()));
    assert_eq!(
        r.mesh_major,
        vec!["Borderline Personality Disorder".to_string()]
    );
    // The abstract continues on an indented line: joined, not cut.
    assert!(r
        .abstract_text
        .as_deref()
        .is_some_and(|a| a.ends_with("medication use.")));
    assert!(r
        .publication_types
        .contains(&"Randomized Controlled Trial".to_string()));
}

#[test]
fn pubmed_and_plain_csv_exports_are_read() {
    let p = records(&fx("pubmed-export.csv"));
    assert_eq!(p.len(), 3);
    assert_eq!(p[0].pmid.map(|x| x.get()), Some(18_450_866));
    assert_eq!(
        p[0].authors,
        vec!["Bateman A".to_string(), "Smith J".to_string()]
    );
    assert_eq!(p[0].year, Some(2008));
    let (items, s) = parse_file(&fx("plain.csv")).expect("plain csv");
    assert_eq!(s.format, Some(Format::Csv));
    assert_eq!(items.len(), 3, "the row without a title is skipped");
    assert_eq!(s.counts.skipped, 1);
    assert!(s
        .warnings
        .iter()
        .any(|w| w.message.contains("line 5") && w.message.contains("no title")));
}

#[test]
fn latin1_is_read_with_a_warning_and_other_encodings_are_refused() {
    let (items, s) = parse_file(&fx("latin1.ris")).expect("latin-1");
    assert_eq!(items.len(), 1);
    let r = &records(&fx("latin1.ris"))[0];
    assert_eq!(r.title, "Traitement bas\u{e9} sur la mentalisation");
    assert_eq!(r.authors, vec!["L\u{e9}vy R".to_string()]);
    assert!(s.warnings.iter().any(|w| w.message.contains("Latin-1")));
    for (file, words) in [
        ("cp1252.ris", ["not UTF-8", "export it again as UTF-8"]),
        ("utf16.ris", ["UTF-16", "UTF-8"]),
    ] {
        let (_t, dir) = new_review();
        let o = lacuna(&[&"import", &dir, &fx(file)]);
        assert_eq!(o.status.code(), Some(3), "{file}");
        for w in words {
            assert!(stderr(&o).contains(w), "{file}: {}", stderr(&o));
        }
        assert_eq!(
            Review::open(&dir)
                .expect("open")
                .count_current()
                .expect("n"),
            0
        );
    }
}

#[test]
fn a_broken_export_is_refused_with_its_line_and_nothing_is_stored() {
    let t = tempfile::tempdir().expect("tmp");
    let p = t.path().join("bad.nbib");
    std::fs::write(&p, "PMID- 1\nTI  - A title\nDP  - unknown\n\n").expect("write");
    let (_t, dir) = new_review();
    let o = lacuna(&[&"import", &dir, &p]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("line"), "{}", stderr(&o));
    let p = t.path().join("sheet.csv");
    std::fs::write(&p, "name,title\n").expect("write");
    assert!(
        parse_file(&p).is_ok(),
        "a sheet with a title column and no rows is empty, not an error"
    );
    std::fs::write(&p, "name,heading\nx,y\n").expect("write");
    assert!(parse_file(&p).is_err());
}

#[test]
fn one_work_from_seven_exports_is_one_record_with_every_source() {
    let (_t, dir) = new_review();
    let files = [
        "pubmed.nbib",
        "ovid-embase.ris",
        "ebsco-psycinfo.ris",
        "scopus.ris",
        "zotero.ris",
        "pubmed-export.csv",
        "plain.csv",
    ];
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"import", &dir];
    let paths: Vec<PathBuf> = files.iter().map(|f| fx(f)).collect();
    for p in &paths {
        args.push(p);
    }
    args.push(&"--no-dedup");
    let o = lacuna(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    // An export never overwrites a record already held: the nbib abstract survives the CSV.
    let o = lacuna(&[&"dedup", &dir, &"--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["merged"].as_u64(), Some(6), "{v}");
    let r = Review::open(&dir).expect("open");
    assert_eq!(r.count_current().expect("n"), 3);
    let s = r.stats().expect("stats");
    assert_eq!((s.identified, s.duplicates_removed), (21, 6));
    assert_eq!(s.with_abstract, 3);
    // Every source stays linked to the record kept.
    let c = rusqlite::Connection::open(dir.join("lacuna.db")).expect("db");
    let n: i64 = c
        .query_row(
            "SELECT count(DISTINCT rs.source_id) FROM record_sources rs JOIN records r ON r.id = rs.record_id
             WHERE r.pmid = 18450866",
            [],
            |x| x.get(0),
        )
        .expect("sources");
    assert_eq!(n, 7);
    // Running it again finds nothing new; the index no longer shows the merged records.
    let o = lacuna(&[&"dedup", &dir, &"--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["checked"].as_u64(), Some(0));
    let o = lacuna(&[&"search", &dir, &"mentalization", &"--json"]);
    let hits: serde_json::Value = serde_json::from_slice(&o.stdout).expect("search json");
    assert_eq!(
        hits["total"].as_u64(),
        Some(3),
        "one hit per work, not per export: {hits}"
    );
}

#[test]
fn dedup_is_conservative() {
    let k = |id, pmid, doi: Option<&str>, t: &str, y, a: Option<&str>| {
        DedupKey::new(id, pmid, doi, t, y, a)
    };
    let title = "Dialectical behaviour therapy for women with borderline personality disorder";
    let old = vec![k(1, Some(100), None, title, Some(2010), Some("Linehan MM"))];
    // Different PMIDs: never merged, however alike.
    assert!(find(
        &[k(2, Some(101), None, title, Some(2010), Some("Linehan MM"))],
        &old
    )
    .is_empty());
    // Different DOIs: never merged.
    let a = vec![k(
        3,
        None,
        Some("10.1/a"),
        title,
        Some(2010),
        Some("Linehan M"),
    )];
    assert!(find(
        &a,
        &[k(
            4,
            None,
            Some("10.1/b"),
            title,
            Some(2010),
            Some("Linehan M")
        )]
    )
    .is_empty());
    // Same title, a year apart: listed for a person, not merged.
    let p = find(
        &[k(5, None, None, title, Some(2011), Some("Linehan"))],
        &old,
    );
    assert_eq!(p.len(), 1);
    assert!(!p[0].certain);
    // A close title (one word changed), same year and author: listed, not merged.
    let close = "Dialectical behaviour therapy for men with borderline personality disorder";
    let p = find(
        &[k(6, None, None, close, Some(2010), Some("Linehan"))],
        &old,
    );
    assert!(p.iter().all(|x| !x.certain), "{p:?}");
    // Punctuation and case only: merged.
    let p = find(
        &[k(
            7,
            None,
            None,
            &title.to_uppercase(),
            Some(2010),
            Some("Linehan, Marsha"),
        )],
        &old,
    );
    assert!(p.len() == 1 && p[0].certain && p[0].keep == 1);
    // A different first author: not the same work.
    assert!(find(
        &[k(8, None, None, title, Some(2010), Some("Bateman A"))],
        &old
    )
    .is_empty());
}

#[test]
fn uncertain_pairs_are_listed_and_a_person_decides() {
    let (_t, dir) = new_review();
    let t = tempfile::tempdir().expect("tmp");
    let p = t.path().join("a.ris");
    std::fs::write(
        &p,
        "TY  - JOUR\nTI  - Peer support for people with complex emotional needs: a pilot trial\nAU  - Smith, Jane\nPY  - 2021\nER  - \n\nTY  - JOUR\nTI  - Peer support for people with complex emotional needs: a pilot trial\nAU  - Smith, Jane\nPY  - 2022\nER  - \n",
    )
    .expect("write");
    // Import looks for duplicates by itself and says what it found.
    let o = lacuna(&[&"import", &dir, &p]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 uncertain pair"), "{}", stderr(&o));
    let o = lacuna(&[&"dedup", &dir]);
    assert!(stdout(&o).contains("0 records checked"), "{}", stdout(&o));
    let o = lacuna(&[&"dedup", &dir, &"--review", &"--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let keys: Vec<String> = v[0]["records"]
        .as_array()
        .expect("pair")
        .iter()
        .map(|s| s["key"].as_str().expect("key").to_string())
        .collect();
    let o = lacuna(&[
        &"dedup",
        &dir,
        &"--same",
        &keys[0],
        &keys[1],
        &"--reviewer",
        &"ana",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = Review::open(&dir).expect("open");
    assert_eq!(r.count_current().expect("n"), 1);
    assert!(r.uncertain_pairs().expect("pairs").is_empty());
}

#[test]
fn export_writes_jsonl_csv_and_ris_that_import_again() {
    let (_t, dir) = new_review();
    assert!(lacuna(&[&"import", &dir, &fx("pubmed.nbib")])
        .status
        .success());
    let t = tempfile::tempdir().expect("tmp");
    for (fmt, name) in [
        ("jsonl", "out.jsonl"),
        ("csv", "out.csv"),
        ("ris", "out.ris"),
    ] {
        let o = lacuna(&[&"export", &dir, &"--format", &fmt]);
        assert!(o.status.success(), "{fmt}: {}", stderr(&o));
        let p = t.path().join(name);
        std::fs::write(&p, &o.stdout).expect("write");
        let back = records(&p);
        assert_eq!(back.len(), 3, "{fmt}");
        assert_eq!(
            back[0].doi.as_ref().map(|d| d.as_str()),
            Some(BPD_DOI),
            "{fmt}"
        );
        assert_eq!(back[0].year, Some(2008), "{fmt}");
        if fmt != "csv" {
            assert_eq!(back[0].pmid.map(|p| p.get()), Some(18_450_866), "{fmt}");
        }
    }
    // --included: nothing decided yet means everything is included.
    let o = lacuna(&[&"export", &dir, &"--included"]);
    assert_eq!(stdout(&o).lines().count(), 3);
}

/// Invariant: a generic title start shared by thousands of records does not
/// make dedup quadratic, and a copy inside such a block is still found (by
/// its title end, or its first author and year).
#[test]
fn copies_inside_a_generic_title_start_are_found() {
    let letters = |mut n: usize| {
        let mut s = String::new();
        for _ in 0..4 {
            s.push(char::from(b'a' + (n % 26) as u8));
            n /= 26;
        }
        s
    };
    let title =
        |i: usize| format!("A randomized controlled trial of intervention number {i} in adults");
    let old: Vec<DedupKey> = (0..3000)
        .map(|i| {
            DedupKey::new(
                i as i64,
                None,
                None,
                &title(i),
                Some(2015 + (i % 2) as i32),
                Some(&letters(i)),
            )
        })
        .collect();
    let copy = DedupKey::new(
        10_000,
        None,
        None,
        &format!("{}.", title(1234).to_uppercase()),
        Some(2015),
        Some(&format!("{}, J", letters(1234))),
    );
    let pairs = find(&[copy], &old);
    assert!(
        pairs
            .iter()
            .any(|p| p.keep == 1234 && p.dup == 10_000 && p.certain),
        "{pairs:?}"
    );
    assert!(
        pairs.iter().all(|p| p.keep == 1234),
        "only the copy's original: {pairs:?}"
    );
}
