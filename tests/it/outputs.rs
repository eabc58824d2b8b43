//! Golden files for what users read (issue 15): `lacuna pool`'s text, `lacuna
//! stats`, the map's CSV and `lacuna code --review`. A change to any of them
//! fails here; re-bless an intended one with `UPDATE_EXPECT=1 cargo test`.
//! Paths and clock times are scrubbed before the comparison.

use crate::support::{check_golden, demo_imported, demo_review, lacuna, root, stderr, stdout};
use std::path::Path;

/// Replace the temporary review path and import times, which change on every run.
fn scrub(text: &str, dir: &Path) -> String {
    let text = text.replace(&dir.display().to_string(), "DIR");
    let text = text.replace(&root().display().to_string(), "ROOT");
    text.lines()
        .map(|l| {
            // "  2026-12-05T06:10:37Z  NAME  ..." lines of the latest imports
            let t = l.trim_start();
            if t.len() > 20 && t.as_bytes().get(4) == Some(&b'-') && t.get(10..11) == Some("T") {
                let rest = t.split_once("  ").map_or("", |x| x.1);
                format!("  TIME  {rest}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn pool_text_output_matches_its_golden_file() {
    let t = tempfile::tempdir().expect("tempdir");
    // A sheet written for this test: six trials' 2x2 tables with a year.
    let csv = t.path().join("trials.csv");
    std::fs::write(
        &csv,
        "study,year,ai,bi,ci,di\nA,2001,12,88,20,80\nB,2004,5,45,9,41\nC,2008,30,170,41,159\n\
         D,2011,8,52,7,53\nE,2015,22,128,35,115\nF,2019,3,27,10,20\n",
    )
    .expect("write");
    let o = lacuna(&[
        &"pool",
        &"--data",
        &csv,
        &"--measure",
        &"RR",
        &"--egger",
        &"--trimfill",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    check_golden("cli/pool-rr.txt", &scrub(&stdout(&o), t.path()));
    let o = lacuna(&[
        &"pool",
        &"--data",
        &csv,
        &"--measure",
        &"OR",
        &"--method",
        &"DL",
        &"--knha",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    check_golden("cli/pool-or-dl-knha.txt", &scrub(&stdout(&o), t.path()));
}

#[test]
fn stats_output_matches_its_golden_file() {
    let (_t, dir) = demo_imported();
    let o = lacuna(&[&"stats", &dir]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    check_golden("cli/stats-demo.txt", &scrub(&stdout(&o), &dir));
}

#[test]
fn map_csv_and_code_review_match_their_golden_files() {
    let (_t, dir) = demo_review();
    let o = lacuna(&[&"code", &dir, &"--review"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    check_golden("cli/code-review-demo.txt", &scrub(&stdout(&o), &dir));
    let effects = root().join("corpus/cen-demo-effects.csv");
    let o = lacuna(&[&"extract", &dir, &"--import", &effects, &"-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = lacuna(&[&"map", &dir, &"-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    check_golden("cli/map-text-demo.txt", &scrub(&stdout(&o), &dir));
    let cells = std::fs::read_to_string(dir.join("reports/gapmap-cells.csv")).expect("cells");
    check_golden("cli/gapmap-cells-demo.csv", &cells);
}
