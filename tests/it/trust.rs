//! Issue 26, numbers a funder can trust: a frozen version stays frozen, the
//! demo leaves next month's records to screen, the diff names studies as
//! readers do, and imported files are counted under their database.

use crate::support::{assert_prisma_adds_up, lacuna, new_review, root, stderr, stdout};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn demo() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path().join("demo-review");
    let o = lacuna(&[&"demo", &"--out", &dir, &"--no-pdf", &"-q"]);
    assert_eq!(o.status.code(), Some(0), "demo: {}", stderr(&o));
    (t, dir)
}

/// Records in the demo's third month (left unscreened by the demo).
fn month3() -> u64 {
    std::fs::read_to_string(root().join("corpus/month-3.jsonl"))
        .expect("month 3")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count() as u64
}

fn json(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Value {
    let o = lacuna(args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("json")
}

/// Every file of a folder, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect()
}

#[test]
fn issue_26_a_frozen_version_is_byte_identical_after_updates_and_decisions() {
    let (t, dir) = demo();
    // The demo wrote version 2's briefing before month 3 arrived.
    let at_demo = files(&dir.join("reports/v2"));
    let a = t.path().join("a");
    let o = lacuna(&[
        &"report",
        &dir,
        &"--snapshot",
        &"2",
        &"--out",
        &a,
        &"--no-pdf",
    ]);
    assert_eq!(o.status.code(), Some(0), "report: {}", stderr(&o));
    let first = files(&a);
    assert!(first.contains_key("briefing.html") && first.contains_key("gapmap.html"));
    assert_eq!(first, at_demo, "report --snapshot 2 after month 3 arrived");

    // New decisions, and an update from a file, then the same command again.
    let o = lacuna(&[
        &"decide",
        &dir,
        &"--from",
        &root().join("corpus/month-3-decisions.csv"),
        &"--reviewer",
        &"zoe",
    ]);
    assert_eq!(o.status.code(), Some(0), "decide: {}", stderr(&o));
    let extra = t.path().join("extra.jsonl");
    std::fs::write(
        &extra,
        "{\"source_id\": \"extra-1\", \"title\": \"Peer support for people with a personality disorder diagnosis: a randomised trial\", \"year\": 2026, \"authors\": [\"Novel A\"]}\n",
    )
    .expect("write");
    let o = lacuna(&[&"update", &dir, &"--files", &extra, &"-q"]);
    assert_eq!(o.status.code(), Some(0), "update: {}", stderr(&o));
    let b = t.path().join("b");
    let o = lacuna(&[
        &"report",
        &dir,
        &"--snapshot",
        &"2",
        &"--out",
        &b,
        &"--no-pdf",
    ]);
    assert_eq!(o.status.code(), Some(0), "report: {}", stderr(&o));
    let second = files(&b);
    for (name, bytes) in &first {
        assert!(
            second.get(name) == Some(bytes),
            "{name} changed after later decisions and an update"
        );
    }
    assert_eq!(first.len(), second.len());
    // The counts a later version would show did move: the test can fail.
    let o = lacuna(&[&"snapshot", &dir, &"--json", &"-q"]);
    assert_eq!(o.status.code(), Some(0), "snapshot 3: {}", stderr(&o));
    let p3 = json(&[&"prisma", &dir, &"--snapshot", &"3", &"--json"]);
    assert_prisma_adds_up(&p3, "version 3");
    assert_eq!(
        p3["database_results"].as_u64(),
        Some(month3() + 1),
        "month 3's records and the extra one"
    );
    assert!(p3["records_screened"].as_u64().expect("screened") >= month3());
}

#[test]
fn issue_26_the_demo_leaves_next_month_to_screen() {
    let (_t, dir) = demo();
    let month3: Vec<String> = std::fs::read_to_string(root().join("corpus/month-3-decisions.csv"))
        .expect("month 3")
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next().map(str::to_string))
        .collect();
    assert!(month3.len() >= 20, "a batch of at least 20 records");
    let review = lacuna::store::Review::open(&dir).expect("open");
    let mut session = lacuna::pipeline::session::Session::open(
        &review,
        &lacuna::pipeline::session::SessionOptions {
            reviewer: "newcomer".into(),
            protocol: None,
            target: 0.95,
            confidence: 0.95,
            rule: lacuna::screen::stop::DEFAULT,
        },
    )
    .expect("session");
    let first = session.next_record().expect("a record to screen");
    let r = session.record(first.index).expect("record");
    let key = lacuna::store::key_text(&r.key());
    assert!(
        month3.contains(&key),
        "{key} is from the third month, first in the queue"
    );
    // Version 2 was taken before they came: its flow holds none of them.
    let p2 = json(&[&"prisma", &dir, &"--snapshot", &"2", &"--json"]);
    let month2 = std::fs::read_to_string(root().join("corpus/month-2.jsonl")).expect("month 2");
    assert_eq!(
        p2["database_results"].as_u64(),
        Some(month2.lines().filter(|l| !l.trim().is_empty()).count() as u64)
    );
}

#[test]
fn issue_26_diff_names_studies_and_categories_as_readers_do() {
    let (_t, dir) = demo();
    let o = lacuna(&[&"diff", &dir]);
    assert_eq!(o.status.code(), Some(0), "diff: {}", stderr(&o));
    let text = stdout(&o);
    for bad in [
        "pmid:",
        "src:",
        "psych.schema",
        "self_harm_suicidality",
        "_",
    ] {
        assert!(!text.contains(bad), "the diff text shows {bad:?}:\n{text}");
    }
    assert!(text.contains("Arntz 2022"), "{text}");
    assert!(text.contains("Schema therapy"), "{text}");
    let d = json(&[&"diff", &dir, &"--json"]);
    // --json keeps the ids and adds the names.
    let new: Vec<&str> = d["included_new"]
        .as_array()
        .expect("included_new")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(new.iter().all(|id| d["names"][id].is_string()), "{d}");
    assert!(new.iter().any(|id| d["names"][id] == "Arntz 2022"), "{d}");
    assert_eq!(d["labels"]["psych.schema"], "Schema therapy");
}

#[test]
fn issue_26_imported_files_are_counted_under_their_database() {
    let (t, dir) = new_review();
    let ris = t.path().join("export.ris");
    std::fs::write(
        &ris,
        "TY  - JOUR\nTI  - Mentalization-based treatment in a day hospital\nAU  - Example, A\nPY  - 2019\nER  - \n",
    )
    .expect("write");
    let jsonl = t.path().join("psycinfo.jsonl");
    std::fs::write(
        &jsonl,
        "{\"source_id\": \"p-1\", \"title\": \"Schema therapy for inmates\", \"year\": 2020, \"authors\": [\"Other B\"]}\n",
    )
    .expect("write");
    let o = lacuna(&[&"import", &dir, &ris, &"-q"]);
    assert_eq!(o.status.code(), Some(0), "import: {}", stderr(&o));
    let o = lacuna(&[&"import", &dir, &jsonl, &"--database", &"PsycINFO", &"-q"]);
    assert_eq!(o.status.code(), Some(0), "import: {}", stderr(&o));
    let protocol = root().join("protocols/complex-emotional-needs.toml");
    let o = lacuna(&[&"snapshot", &dir, &"--protocol", &protocol, &"-q"]);
    assert_eq!(o.status.code(), Some(0), "snapshot: {}", stderr(&o));
    let p = json(&[&"prisma", &dir, &"--json"]);
    let dbs: BTreeMap<String, u64> = p["database_specific_results"]
        .as_array()
        .expect("databases")
        .iter()
        .map(|d| {
            (
                d["database"].as_str().unwrap_or("").to_string(),
                d["n"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        dbs,
        BTreeMap::from([("PsycINFO".to_string(), 1), ("RIS export".to_string(), 1)])
    );
    assert_prisma_adds_up(&p, "two imports");
}

fn cen_with_favours(
    block: &str,
) -> Result<lacuna::protocol::Protocol, lacuna::protocol::ProtocolError> {
    let text = std::fs::read_to_string(root().join("protocols/complex-emotional-needs.toml"))
        .expect("protocol");
    let start = text
        .find("[synthesis.favours]")
        .expect("the demo protocol states its sides");
    let end = text[start..].find("\n\n").map_or(text.len(), |e| start + e);
    let text = format!("{}{block}{}", &text[..start], &text[end..]);
    lacuna::protocol::parse(Path::new("p.toml"), &text)
}

#[test]
fn issue_26_the_protocol_says_which_side_of_a_forest_plot_favours_which_arm() {
    let p = cen_with_favours(
        "[synthesis.favours]\nquality_of_life = \"higher\"\nsymptoms = \"lower\"\ncarer_outcomes = [\"carers' support\", \"usual care\"]\n",
    )
    .expect("valid");
    let side = |o: &str| p.favours.get(o).map(|(l, r)| (l.as_str(), r.as_str()));
    assert_eq!(side("quality_of_life"), Some(("control", "intervention")));
    assert_eq!(side("symptoms"), Some(("intervention", "control")));
    assert_eq!(
        side("carer_outcomes"),
        Some(("carers' support", "usual care"))
    );
    assert_eq!(side("costs"), None);
    let e = cen_with_favours("[synthesis.favours]\n\"psych.dbt\" = \"lower\"\n")
        .expect_err("not an outcome");
    assert!(e.to_string().contains("synthesis.favours"), "{e}");
    assert!(e.to_string().contains("not an outcome"), "{e}");
    let e = cen_with_favours("[synthesis.favours]\nsymptoms = 3\n").expect_err("a number");
    assert!(e.to_string().contains("\"higher\""), "{e}");
    let e = cen_with_favours("[synthesis.favours]\nsymptoms = \"better\"\n").expect_err("bad word");
    assert!(e.to_string().contains("\"lower\""), "{e}");
    assert!(e.line > 0, "the error names the line");
}

#[test]
fn issue_26_the_briefings_forest_plots_say_which_side_favours_the_intervention() {
    let (_t, dir) = demo();
    let v2 = dir.join("reports/v2");
    let forest = std::fs::read_to_string(v2.join("forest-psych_dbt-self_harm_suicidality-rr.svg"))
        .expect("forest");
    let left = forest.find("Favours intervention").expect("left label");
    let right = forest.find("Favours control").expect("right label");
    let x = |at: usize| -> f64 {
        let head = &forest[..at];
        let tag = head.rfind("<text").expect("text element");
        head[tag..]
            .split(" x=\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
            .and_then(|v| v.parse().ok())
            .expect("x")
    };
    assert!(
        x(left) < x(right),
        "intervention on the left for self-harm (lower is better)"
    );
    let html = std::fs::read_to_string(v2.join("briefing.html")).expect("briefing");
    assert!(html.contains(
        "the protocol states that a study left of the line of no difference favours intervention"
    ));
}

#[test]
fn issue_26_records_screened_a_version_after_they_came_count_in_that_versions_flow() {
    let (_t, dir) = demo();
    // Version 3 freezes month 3 unscreened ...
    let o = lacuna(&[&"snapshot", &dir, &"--label", &"month 3 arrives", &"-q"]);
    assert_eq!(o.status.code(), Some(0), "snapshot 3: {}", stderr(&o));
    let p3 = json(&[&"prisma", &dir, &"--snapshot", &"3", &"--json"]);
    assert_prisma_adds_up(&p3, "version 3");
    let n3 = month3();
    assert!(n3 >= 20, "a batch of at least 20 records");
    assert_eq!(p3["database_results"].as_u64(), Some(n3));
    assert_eq!(
        p3["excluded_automatic"].as_u64(),
        Some(n3),
        "no person screened them yet"
    );
    assert_eq!(p3["records_screened"], 0);
    // ... and version 4 screens them: they are its flow, not lost between two.
    let o = lacuna(&[
        &"decide",
        &dir,
        &"--from",
        &root().join("corpus/month-3-decisions.csv"),
        &"--reviewer",
        &"zoe",
    ]);
    assert_eq!(o.status.code(), Some(0), "decide: {}", stderr(&o));
    let o = lacuna(&[&"snapshot", &dir, &"--label", &"month 3 screened", &"-q"]);
    assert_eq!(o.status.code(), Some(0), "snapshot 4: {}", stderr(&o));
    let p4 = json(&[&"prisma", &dir, &"--snapshot", &"4", &"--json"]);
    assert_prisma_adds_up(&p4, "version 4");
    let included = std::fs::read_to_string(root().join("corpus/month-3-decisions.csv"))
        .expect("labels")
        .lines()
        .filter(|l| l.contains(",include"))
        .count() as u64;
    assert_eq!(p4["database_results"], 0, "nothing new was searched");
    assert_eq!(p4["records_carried_over"].as_u64(), Some(n3));
    assert_eq!(p4["records_screened"].as_u64(), Some(n3));
    assert_eq!(p4["dbr_sought_reports"], included);
    assert_eq!(
        p4["total_studies"].as_u64(),
        p3["total_studies"]
            .as_u64()
            .map(|t| t + p4["new_studies"].as_u64().unwrap_or(0))
    );
    let text = stdout(&lacuna(&[&"prisma", &dir, &"--snapshot", &"4"]));
    assert!(
        text.contains(&format!("awaiting screening then, in this flow: {n3}")),
        "{text}"
    );
}

#[test]
fn issue_26_a_version_whose_frozen_map_a_later_lacuna_cannot_read_still_opens_and_says_so() {
    let (t, dir) = demo();
    // What a later Lacuna would meet if the map's shape moved on: a frozen
    // map it cannot read (the triggers that keep versions immutable are
    // lifted for the test only, in a review as a Lacuna before the seals
    // left it, so that the version is sealed as it now reads).
    crate::sealed_snapshots::as_before_seals(&dir);
    {
        let db = rusqlite::Connection::open(dir.join("lacuna.db")).expect("db");
        db.execute_batch(
            "DROP TRIGGER snapshots_immutable;
             UPDATE snapshots SET json = json_set(json, '$.map', json('{\"cells\": 7}')) WHERE id = 1;",
        )
        .expect("tamper");
    }
    let out = t.path().join("v1");
    let o = lacuna(&[
        &"report",
        &dir,
        &"--snapshot",
        &"1",
        &"--out",
        &out,
        &"--no-pdf",
    ]);
    assert_eq!(o.status.code(), Some(0), "report: {}", stderr(&o));
    assert!(
        stderr(&o).contains("frozen map could not be read"),
        "{}",
        stderr(&o)
    );
    assert!(out.join("briefing.html").is_file());
    // The rest of the version reads as it was frozen.
    let p1 = json(&[&"prisma", &dir, &"--snapshot", &"1", &"--json"]);
    assert_prisma_adds_up(&p1, "version 1");
}
