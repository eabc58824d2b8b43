//! The gap map from the bundled demo corpus: cells, gaps and study counts
//! from the library, and the page in a real headless Chromium (it renders,
//! filters change the counts to what the library computes for the same
//! filter, a click lists studies with links, no console errors), and the
//! list of included studies the grid does not count (`gapmap::off_grid`).

use crate::support::{demo_review, lacuna, root, run_browser, stderr, stdout};
use lacuna::gapmap::{self, Filter, Map, Reason, Study};
use lacuna::model::coding::Status;
use serde_json::Value;
use std::collections::BTreeSet;
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
    // the SVG names the filter by its label
    let svg = std::fs::read_to_string(dir.join("reports/gapmap.svg")).expect("svg");
    assert!(
        svg.contains("(population: Young people)"),
        "{}",
        &svg[..400]
    );
    assert!(!svg.contains("young_people"));
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
    let shots = root().join("target/screenshots");
    std::fs::create_dir_all(&shots).expect("target/screenshots");
    let narrow_shot = shots.join("gapmap-1280.png");
    let r = run_browser("gapmap.mjs", &[&page, &shot, &"young_people", &narrow_shot]);
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
    check_issue_26(&r, &all, &young, &narrow_shot);
}

/// Completed studies counted in some cell, and studies the filter keeps
/// (completed and ongoing), from the library's JSON.
fn grid_counts(m: &Value) -> (usize, usize) {
    let studies = m["studies"].as_array().expect("studies");
    let mut in_grid = BTreeSet::new();
    for c in m["cells"].as_array().expect("cells") {
        for i in c["studies"].as_array().expect("cell studies") {
            let i = i.as_u64().expect("index") as usize;
            if studies[i]["status"] == "completed" {
                in_grid.insert(i);
            }
        }
    }
    let pop = m["filter"]["population"].as_str();
    let kept = studies
        .iter()
        .filter(|s| {
            pop.is_none_or(|p| {
                s["populations"]
                    .as_array()
                    .expect("populations")
                    .iter()
                    .any(|x| x == p)
            })
        })
        .count();
    (kept, in_grid.len())
}

/// Issue 26, point 7: the map at 1,280 px, filters that recount the panel
/// and the pooled marks, labels rather than ids, and the off-grid list.
fn check_issue_26(r: &Value, all: &Value, young: &Value, narrow_shot: &Path) {
    // fits 1,280 px: no horizontal scrollbar, the last outcome column in view
    let n = &r["narrow"];
    let num = |v: &Value| v.as_f64().expect("number");
    assert!(
        num(&n["doc_scroll_width"]) <= num(&n["doc_client_width"]),
        "{n}"
    );
    assert!(
        num(&n["wrap_scroll_width"]) <= num(&n["wrap_client_width"]),
        "{n}"
    );
    let last = all["outcomes"]
        .as_array()
        .expect("outcomes")
        .last()
        .expect("an outcome");
    let last_label = last["label"].as_str().expect("label");
    assert_eq!(
        n["last_header"].as_str(),
        last_label.split(" (").next(),
        "{n}"
    );
    assert!(num(&n["last_width"]) >= 40.0, "{n}");
    assert!(
        num(&n["last_left"]) >= 0.0 && num(&n["last_right"]) <= 1280.0,
        "{n}"
    );
    assert_eq!(n["header_overflow"], Value::Array(vec![]), "{n}");
    assert_eq!(n["panel_visible"], true, "{n}");
    assert!(
        num(&n["panel_open_doc_scroll_width"]) <= num(&n["doc_client_width"]),
        "{n}"
    );
    assert!(
        num(&n["panel_open_wrap_scroll_width"]) <= num(&n["panel_open_wrap_client_width"]),
        "the open panel takes no width from the grid: {n}"
    );
    assert_eq!(
        n["panel_open_wrap_client_width"], n["wrap_client_width"],
        "the panel opens over the grid, not as a column beside it: {n}"
    );
    assert_eq!(r["panel_hidden_after_escape"], true, "{r}");
    let png = std::fs::read(narrow_shot).expect("1280 screenshot");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000);

    // under the young-people filter the panel counts the cell's filtered studies
    let young_counts = cell_counts(young);
    let fc = &r["filtered_click"];
    let key = fc["key"].as_str().expect("key");
    let expected = young_counts[key];
    assert!(expected > 0, "{fc}");
    assert_eq!(fc["cell_n"].as_u64(), Some(expected), "{fc}");
    assert_eq!(fc["bubble"].as_u64(), Some(expected), "{fc}");
    assert_eq!(fc["count"].as_u64(), Some(expected), "{fc}");
    // an open panel follows a change of filter
    let rf = &r["refilter"];
    let rkey = rf["key"].as_str().expect("key");
    assert_eq!(
        rf["before"].as_u64(),
        cell_counts(all).get(rkey).copied(),
        "{rf}"
    );
    assert_eq!(
        rf["after"].as_u64(),
        young_counts.get(rkey).copied(),
        "{rf}"
    );
    assert_ne!(
        rf["before"], rf["after"],
        "the filter changes the fullest cell: {rf}"
    );

    // pooled marks: none on an emptied cell; ◆ only where the filter keeps
    // every study of the cell (the pooling is then unchanged)
    let all_counts = cell_counts(all);
    let pooled_cells: BTreeSet<String> = all["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .filter(|c| !c["pooled"].as_array().expect("pooled").is_empty())
        .map(|c| {
            format!(
                "{}|{}",
                c["intervention"].as_str().expect("iv"),
                c["outcome"].as_str().expect("oc")
            )
        })
        .collect();
    assert!(!pooled_cells.is_empty());
    let mut partly = 0;
    for m in r["filtered_marks"].as_array().expect("marks") {
        let key = m["key"].as_str().expect("key");
        let n = m["n"].as_u64().expect("n");
        assert_eq!(Some(n), young_counts.get(key).copied(), "{m}");
        let pooled = pooled_cells.contains(key);
        let whole = all_counts.get(key) == Some(&n);
        assert_eq!(m["filled_diamond"], pooled && n > 0 && whole, "{m}");
        assert_eq!(m["any_diamond"], pooled && n > 0, "{m}");
        if !pooled {
            continue;
        }
        let click = &r["filtered_pooled_clicks"][key];
        if n > 0 && whole {
            assert_eq!(
                click["pooled_result"].as_array().map(Vec::len),
                Some(1),
                "{click}"
            );
            assert_eq!(click["estimate_on_cell"], true, "{click}");
        } else {
            partly += 1;
            assert_eq!(click["pooled_result"], Value::Array(vec![]), "{click}");
            assert_eq!(click["estimate_on_cell"], false, "{click}");
            let note = click["pooled_all"][0]
                .as_str()
                .expect("a note on the pooled result");
            assert!(
                note.starts_with("Pooled over all populations, not re-pooled for Young people"),
                "{note}"
            );
        }
    }
    assert!(partly > 0, "the demo filter drops studies of a pooled cell");

    // labels, not ids, wherever a person reads
    assert_eq!(
        r["ids_in_text"],
        Value::Array(vec![]),
        "ids in the visible text"
    );
    assert!(r["visible_text_length"].as_u64().unwrap_or(0) > 2000, "{r}");
    let tags: Vec<&str> = r["visible_tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(tags.contains(&"Randomised controlled trial"), "{tags:?}");
    for axis in ["interventions", "outcomes", "populations", "designs"] {
        for a in all[axis].as_array().expect("axis") {
            let id = a["id"].as_str().expect("id");
            assert!(
                !tags.contains(&id),
                "{axis} id {id} shown as a tag: {tags:?}"
            );
        }
    }

    // the off-grid list: (studies − studies in the grid) entries, with or without the filter
    for (got, m) in [(&r["off_grid"], all), (&r["filtered_off_grid"], young)] {
        let (kept, in_grid) = grid_counts(m);
        assert!(kept > in_grid, "the demo has studies off the grid");
        assert_eq!(got["included"].as_u64(), Some(kept as u64), "{got}");
        assert_eq!(got["in_grid"].as_u64(), Some(in_grid as u64), "{got}");
        assert_eq!(got["rows"].as_u64(), Some((kept - in_grid) as u64), "{got}");
        assert_eq!(got["heading"], got["rows"], "{got}");
    }
}

fn study(id: &str, interventions: &[&str], outcomes: &[&str], status: Status) -> Study {
    let set = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    let populations = if id.starts_with("young") {
        set(&["young_people"])
    } else {
        BTreeSet::new()
    };
    Study {
        name: String::new(),
        id: id.into(),
        papers: Vec::new(),
        interventions: set(interventions),
        outcomes: set(outcomes),
        populations,
        excluded_populations: BTreeSet::new(),
        designs: set(&["rct"]),
        equity: BTreeSet::new(),
        status,
        n: None,
        year: Some(2020),
        missing: Vec::new(),
    }
}

fn small_map(studies: Vec<Study>, filter: Filter) -> Map {
    let p = lacuna::protocol::load(&root().join("protocols/complex-emotional-needs.toml"))
        .expect("protocol");
    let id = (p.id.clone(), p.title.clone(), p.version.clone());
    gapmap::build(id, &p.frame, &p.map, studies, Vec::new(), filter)
}

/// Invariant: every study the filter keeps is counted in a cell or listed
/// off the grid, once, with the reason its codes give.
#[test]
fn off_grid_lists_each_study_no_cell_counts_with_its_reason() {
    let (dbt, harm) = ("psych.dbt", "self_harm_suicidality");
    let studies = vec![
        study("a-placed", &[dbt], &[harm], Status::Completed),
        study("b-no-outcome", &[dbt], &[], Status::Completed),
        study("c-no-intervention", &[], &[harm], Status::Completed),
        study("d-neither", &[], &[], Status::Completed),
        study(
            "e-outside-frame",
            &["psych.not_in_frame"],
            &[harm],
            Status::Completed,
        ),
        study("f-ongoing", &[dbt], &[harm], Status::Ongoing),
        study(
            "g-ongoing-no-outcome",
            &[dbt],
            &["not_an_outcome"],
            Status::Ongoing,
        ),
        study("young-neither", &[], &[], Status::Completed),
        study("young-placed", &[dbt], &[harm], Status::Completed),
    ];
    let map = small_map(studies, Filter::default());
    let got: Vec<(String, Reason)> = gapmap::off_grid(&map)
        .into_iter()
        .map(|o| (map.studies[o.study].id.clone(), o.reason))
        .collect();
    let want = [
        ("b-no-outcome", Reason::NoOutcome),
        ("c-no-intervention", Reason::NoIntervention),
        ("d-neither", Reason::Neither),
        ("e-outside-frame", Reason::NoIntervention),
        ("f-ongoing", Reason::Ongoing),
        ("g-ongoing-no-outcome", Reason::NoOutcome),
        ("young-neither", Reason::Neither),
    ];
    let want: Vec<(String, Reason)> = want.iter().map(|(s, r)| (s.to_string(), *r)).collect();
    assert_eq!(got, want);
    // counted in a cell or off the grid, never both
    let counted: BTreeSet<usize> = map
        .cells
        .iter()
        .flat_map(|c| c.studies.iter().copied())
        .filter(|i| map.studies[*i].status == Status::Completed)
        .collect();
    let placed: Vec<&str> = counted
        .iter()
        .map(|i| map.studies[*i].id.as_str())
        .collect();
    assert_eq!(placed, ["a-placed", "young-placed"]);
    assert_eq!(counted.len() + got.len(), map.studies.len());
    assert_eq!(Reason::Ongoing.as_str(), "ongoing");
    assert_eq!(
        Reason::NoIntervention.label(),
        "no intervention in the framework"
    );
    assert_eq!(
        Reason::Neither.label(),
        "neither an intervention nor an outcome in the framework"
    );
    // a filter keeps its own studies only
    let young = small_map(
        map.studies.clone(),
        Filter {
            population: Some("young_people".into()),
            design: None,
        },
    );
    let got: Vec<(&str, Reason)> = gapmap::off_grid(&young)
        .iter()
        .map(|o| (young.studies[o.study].id.as_str(), o.reason))
        .collect();
    assert_eq!(got, [("young-neither", Reason::Neither)]);
    assert_eq!(young.n_studies, 2);
}

/// Issue 26: a map printed in parts keeps every row once, in order, under
/// the full column headings in every part, with the key in the last part,
/// and no part taller than asked.
#[test]
fn issue_26_a_map_in_parts_keeps_every_row_once_under_full_headings() {
    let (_t, dir) = crate::support::demo_review();
    let review = lacuna::store::Review::open(&dir).expect("open");
    let protocol = crate::support::cen_protocol();
    let (map, _) =
        lacuna::pipeline::evidence::map(&review, &protocol, Filter::default()).expect("map");
    let whole = lacuna::report::gapmap::svg(&map);
    assert_eq!(
        lacuna::report::gapmap::svg_parts(&map, None),
        vec![whole.clone()]
    );
    let parts = lacuna::report::gapmap::svg_parts(&map, Some(560.0));
    assert!(parts.len() >= 2, "{} parts", parts.len());
    let attr = |s: &str, name: &str| -> f64 {
        s.split(&format!(" {name}=\""))
            .nth(1)
            .and_then(|v| v.split('"').next())
            .and_then(|v| v.parse().ok())
            .expect("attribute")
    };
    let label = |t: &str| -> String { lacuna::model::short_label(t).chars().take(12).collect() };
    for (i, p) in parts.iter().enumerate() {
        assert!(
            attr(p, "height") <= 560.0,
            "part {i} is {} tall",
            attr(p, "height")
        );
        assert_eq!(
            p.contains("class=\"key\""),
            i + 1 == parts.len(),
            "the key closes the last part"
        );
        for oc in &map.outcomes {
            // headings wrap: their first word
            let first = oc.label.split_whitespace().next().unwrap_or("");
            assert!(
                p.contains(&format!(">{first}")),
                "part {i} heads {}",
                oc.label
            );
        }
    }
    // every intervention row stands in exactly one part, in the map's order
    let mut at = Vec::new();
    for iv in &map.interventions {
        // row labels are the texts at x = 18
        let l = label(&iv.label);
        let found: Vec<usize> = parts
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                p.split("<text x=\"18\"")
                    .skip(1)
                    .any(|t| t.split_once('>').is_some_and(|(_, r)| r.starts_with(&l)))
            })
            .map(|(i, _)| i)
            .collect();
        assert_eq!(found.len(), 1, "{} in parts {found:?}", iv.label);
        at.push(found[0]);
    }
    assert!(at.windows(2).all(|w| w[0] <= w[1]), "rows in order: {at:?}");
}
