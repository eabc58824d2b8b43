//! Issue 30, item 6: a decisions sheet (`lacuna decide DIR --from FILE.csv`)
//! is read by its header names, never by position.

use crate::support::{lacuna, new_review, stderr};
use std::path::{Path, PathBuf};

/// A review holding two records, PMIDs 95000011 and 95000012 (the second with a DOI).
fn review() -> (tempfile::TempDir, PathBuf) {
    let (t, dir) = new_review();
    let f = t.path().join("two.jsonl");
    std::fs::write(
        &f,
        "{\"pmid\": 95000011, \"title\": \"A trial of one thing\"}\n\
         {\"pmid\": 95000012, \"doi\": \"10.1000/two\", \"title\": \"A trial of another thing\"}\n",
    )
    .expect("write");
    let o = lacuna(&[&"import", &dir, &f, &"-q"]);
    assert_eq!(o.status.code(), Some(0), "import: {}", stderr(&o));
    (t, dir)
}

/// `decide --from` a sheet with `text`; the process output.
fn decide(dir: &Path, text: &str, extra: &[&str]) -> std::process::Output {
    let f = dir.join("sheet.csv");
    std::fs::write(&f, text).expect("write");
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"decide", &dir, &"--from", &f, &"-q"];
    for e in extra {
        args.push(e);
    }
    lacuna(&args)
}

/// The stored decisions: (pmid, stage, label, reason, note, reviewer), in order.
type Row = (i64, String, String, Option<String>, Option<String>, String);

fn stored(dir: &Path) -> Vec<Row> {
    let c = rusqlite::Connection::open(dir.join("lacuna.db")).expect("db");
    let mut st = c
        .prepare(
            "SELECT r.pmid, d.stage, d.label, d.reason, d.note, d.reviewer
             FROM decisions d JOIN records r ON r.id = d.record_id ORDER BY d.id",
        )
        .expect("prepare");
    st.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    })
    .expect("query")
    .map(|r| r.expect("row"))
    .collect()
}

fn row(
    pmid: i64,
    stage: &str,
    label: &str,
    reason: Option<&str>,
    note: Option<&str>,
    who: &str,
) -> Row {
    (
        pmid,
        stage.into(),
        label.into(),
        reason.map(String::from),
        note.map(String::from),
        who.into(),
    )
}

#[test]
fn issue_30_a_reviewer_column_is_the_reviewer_not_the_exclusion_reason() {
    let (_t, dir) = review();
    let o = decide(&dir, "record,label,reviewer\n95000011,exclude,other\n", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stored(&dir),
        [row(
            95000011,
            "title_abstract",
            "exclude",
            None,
            None,
            "other"
        )]
    );
    // the columns the other way round
    let o = decide(
        &dir,
        "label,record\ninclude,95000012\n",
        &["--reviewer", "ana"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stored(&dir).last(),
        Some(&row(
            95000012,
            "title_abstract",
            "include",
            None,
            None,
            "ana"
        ))
    );
}

#[test]
fn issue_30_any_order_any_case_and_every_known_column_is_read() {
    let (_t, dir) = review();
    let o = decide(
        &dir,
        "\u{feff}Note , STAGE,Reviewer,Reason,Decision,PMID\n\
         no usual-care arm,full_text,ben,wrong_comparator,Exclude,95000011\n\
         ,,,,include,95000012\n",
        &["--reviewer", "ana"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stored(&dir),
        [
            row(
                95000011,
                "full_text",
                "exclude",
                Some("wrong_comparator"),
                Some("no usual-care arm"),
                "ben"
            ),
            // blank cells fall back to the command's reviewer and stage
            row(95000012, "title_abstract", "include", None, None, "ana"),
        ]
    );
}

#[test]
fn issue_30_an_unknown_column_is_refused_by_name_and_nothing_is_stored() {
    let (_t, dir) = review();
    for (sheet, name) in [
        (
            "record,label,reviewr\n95000011,exclude,ana\n",
            "\"reviewr\"",
        ),
        (
            "label,record,comment\ninclude,95000012,fine\n",
            "\"comment\"",
        ),
    ] {
        let o = decide(&dir, sheet, &[]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(3), "{e}");
        assert!(e.contains(&format!("unknown column {name}")), "{e}");
        assert!(e.contains("sheet.csv"), "{e}");
        assert!(
            e.contains("record, key, pmid, doi"),
            "the known columns are listed: {e}"
        );
    }
    let o = decide(&dir, "pmid,reason\n95000011,other\n", &[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no column gives the label"),
        "{}",
        stderr(&o)
    );
    assert!(stored(&dir).is_empty());
}

#[test]
fn issue_30_an_asreview_export_is_read_by_doi_or_pmid_with_its_labels_and_notes() {
    let (_t, dir) = review();
    // ASReview LAB's exported dataset: the imported columns (here, those of
    // `lacuna export --format csv`), record_id, included (1, 0, or blank
    // for a record not screened), asreview_ranking and the notes.
    let o = decide(
        &dir,
        "record_id,pmid,doi,title,abstract,year,journal,authors,keywords,included,asreview_ranking,Notes\n\
         1,,10.1000/two,A trial of another thing,,2020,,,,1,1,looks right\n\
         0,95000011,,A trial of one thing,,2019,,,,0,2,\n\
         2,95000013,,Not screened,,,,,,,3,\n",
        &["--reviewer", "asreview"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stored(&dir),
        [
            row(
                95000012,
                "title_abstract",
                "include",
                None,
                Some("looks right"),
                "asreview"
            ),
            row(
                95000011,
                "title_abstract",
                "exclude",
                None,
                None,
                "asreview"
            ),
        ]
    );
    // an `included` that is not 1 or 0 names its row
    let o = decide(
        &dir,
        "record_id,doi,included\n5,10.1000/two,yes please\n",
        &[],
    );
    assert_ne!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("row 2, column included"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stored(&dir).len(), 2);
}
