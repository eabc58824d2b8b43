//! The gap map from the bundled demo corpus: cells, gaps and study counts
//! from the library, and the page in a real headless Chromium (it renders,
//! filters change the counts to what the library computes for the same
//! filter, a click lists studies with links, no console errors).

use crate::support::{demo_review, lacuna, root, run_browser, stderr, stdout};
use serde_json::Value;
use std::path::Path;

fn map_json(dir: &Path, extra: &[&str]) -> Value {
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"map", &dir, &"--json", &"-q"];
    for e in extra {
        args.push(e);
    }
    let o = lacuna(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("map JSON")
}

fn cell_counts(m: &Value) -> std::collections::BTreeMap<String, u64> {
    m["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .map(|c| {
            (
                format!(
                    "{}|{}",
                    c["intervention"].as_str().expect("iv"),
                    c["outcome"].as_str().expect("oc")
                ),
                c["n_studies"].as_u64().expect("n"),
            )
        })
        .collect()
}

#[test]
fn demo_map_shows_evidence_and_gaps() {
    let (_t, dir) = demo_review();
    let m = map_json(&dir, &[]);
    // 74 included records; none of them linked, so 74 studies
    assert_eq!(m["n_records"], 74);
    assert_eq!(m["n_studies"], 74);
    let counts = cell_counts(&m);
    assert_eq!(counts.len(), 23 * 8);
    // the seed's known evidence: DBT for self-harm is the fullest cell
    let (best, n) = counts.iter().max_by_key(|(_, n)| **n).expect("cells");
    assert_eq!(best, "psych.dbt|self_harm_suicidality", "{counts:?}");
    assert!(*n >= 5);
    // the seed's known gaps, found from the data: no housing, social prescribing or care-coordination study
    for row in [
        "social.housing",
        "social.prescribing",
        "service.care_coordination",
    ] {
        let r = m["interventions"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["id"] == row)
            .expect("row");
        assert_eq!(r["n_studies"], 0, "{row}");
        let cell = m["cells"]
            .as_array()
            .expect("cells")
            .iter()
            .find(|c| c["intervention"] == row)
            .expect("cell");
        assert_eq!(cell["gaps"][0], "absolute");
    }
    for pop in ["homelessness", "ethnic_minority", "lgbtq"] {
        let p = m["populations"]
            .as_array()
            .expect("pops")
            .iter()
            .find(|p| p["id"] == pop)
            .expect("pop");
        assert_eq!(p["n_studies"], 0, "{pop}");
    }
    // files for people
    for f in [
        "gapmap.html",
        "gapmap.svg",
        "gapmap-cells.csv",
        "gapmap.json",
    ] {
        assert!(dir.join("reports").join(f).is_file(), "{f}");
    }
    // the SVG is well-formed XML with a circle per cell that has studies
    let svg = std::fs::read_to_string(dir.join("reports/gapmap.svg")).expect("svg");
    let mut r = quick_xml::Reader::from_str(&svg);
    let mut circles = 0;
    loop {
        match r.read_event().expect("well-formed SVG") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Empty(e) if e.name().as_ref() == b"circle" => circles += 1,
            _ => {}
        }
    }
    let filled = counts.values().filter(|n| **n > 0).count();
    assert_eq!(
        circles,
        filled + 2,
        "one per non-empty cell, two in the legend"
    );
    let csv = std::fs::read_to_string(dir.join("reports/gapmap-cells.csv")).expect("csv");
    assert_eq!(csv.lines().count(), 1 + 23 * 8);
    assert!(csv.starts_with("intervention,outcome,n_studies,"));
    // a filter counts only that subgroup's studies
    let young = map_json(&dir, &["--population", "young_people"]);
    let y = young["n_studies"].as_u64().expect("n");
    assert!(y > 0 && y < 74, "{y}");
    // an unknown filter id is refused with the ids to use
    let o = lacuna(&[&"map", &dir, &"--population", &"teenagers"]);
    assert_eq!(o.status.code(), Some(7));
    assert!(stderr(&o).contains("young_people"), "{}", stderr(&o));
}

#[test]
fn map_needs_coding_first() {
    let (_t, dir) = crate::support::new_review();
    let o = lacuna(&[
        &"map",
        &dir,
        &"--protocol",
        &root().join("protocols/complex-emotional-needs.toml"),
    ]);
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert!(stderr(&o).contains("lacuna code"), "{}", stderr(&o));
}

/// The page in Chromium. Needs node with playwright-core in tests/browser
/// (`npm ci --prefix tests/browser`) and Chromium (`apt-get install chromium`,
/// or CHROMIUM=path); `.ci/run` installs both.
#[test]
fn gap_map_page_works_in_chromium() {
    let (_t, dir) = demo_review();
    // with the demo's effect rows, so that a cell is pooled
    let o = lacuna(&[
        &"extract",
        &dir,
        &"--import",
        &root().join("corpus/cen-demo-effects.csv"),
        &"-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let all = map_json(&dir, &[]);
    let young = map_json(&dir, &["--population", "young_people"]);
    let page = dir.join("reports/gapmap.html");
    let shot = std::env::temp_dir().join(format!("lacuna-gapmap-{}.png", std::process::id()));
    let r = run_browser("gapmap.mjs", &[&page, &shot, &"young_people"]);
    assert_eq!(r["console_errors"], Value::Array(vec![]), "{r}");
    assert_eq!(r["page_errors"], Value::Array(vec![]), "{r}");
    assert_eq!(r["window_errors"], Value::Array(vec![]), "{r}");
    assert_eq!(
        r["requests"],
        Value::Array(vec![]),
        "the page must not touch the network: {}",
        r["requests"]
    );
    // the page computes the same counts as the library, unfiltered and filtered
    let page_cells: std::collections::BTreeMap<String, u64> =
        serde_json::from_value(r["cells"].clone()).expect("cells");
    assert_eq!(page_cells, cell_counts(&all));
    // issue 16: a malformed `#population=%E0%A4%A` draws the whole grid
    assert_eq!(
        r["bad_fragment_cells"].as_u64(),
        Some(page_cells.len() as u64),
        "{r}"
    );
    assert_eq!(r["studies"], all["n_studies"]);
    let filtered: std::collections::BTreeMap<String, u64> =
        serde_json::from_value(r["filtered_cells"].clone()).expect("cells");
    assert_eq!(filtered, cell_counts(&young));
    assert_eq!(r["filtered_studies"], young["n_studies"]);
    assert_ne!(filtered, page_cells, "the filter changes the counts");
    let absolute = all["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .filter(|c| c["n_studies"] == 0)
        .count();
    assert_eq!(r["absolute"].as_u64(), Some(absolute as u64));
    // issue 18: headers wrap instead of running together; the pooled mark
    // sits in its cell, and a click shows the estimate on the cell
    assert_eq!(r["header_overflow"], Value::Array(vec![]), "{r}");
    assert_eq!(r["header_overlaps"], Value::Array(vec![]), "{r}");
    assert!(r["pooled_marks"].as_u64().unwrap_or(0) >= 1, "{r}");
    assert_eq!(r["pooled_outside"], 0, "{r}");
    let est = r["cell_estimate"]
        .as_str()
        .expect("estimate on the clicked cell");
    assert_eq!(r["cell_estimate_inside"], true, "{r}");
    let pooled = all["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .flat_map(|c| c["pooled"].as_array().cloned().unwrap_or_default())
        .next()
        .expect("a pooled cell");
    let shown: Vec<f64> = pooled["shown"]
        .as_array()
        .expect("shown")
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    assert_eq!(
        est,
        format!("{:.2} [{:.2}, {:.2}]", shown[0], shown[1], shown[2]),
        "the reader's scale, as the library has it"
    );
    // clicking the fullest cell lists its studies, with PubMed or DOI links
    let clicked = r["clicked"].as_str().expect("clicked");
    assert_eq!(r["panel_items"].as_u64(), page_cells.get(clicked).copied());
    let links = r["panel_links"].as_array().expect("links");
    assert!(!links.is_empty());
    assert!(
        links.iter().all(|l| {
            let l = l.as_str().unwrap_or("");
            l.starts_with("https://pubmed.ncbi.nlm.nih.gov/") || l.starts_with("https://doi.org/")
        }),
        "{links:?}"
    );
    let png = std::fs::read(&shot).expect("screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "screenshot is {} bytes",
        png.len()
    );
    let _ = std::fs::remove_file(&shot);
}
