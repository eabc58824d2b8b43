//! Issue 27, risk of bias per study: `lacuna rob` writes robvis's sheet,
//! stores a filled one whole or not at all, keeps every judgement (a later
//! one supersedes), and the demo imports Metapsy's RoB 2 judgements.

use crate::support::{lacuna, root, stderr, stdout};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn demo() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path().join("demo-review");
    let o = lacuna(&[&"demo", &"--out", &dir, &"--no-pdf", &"-q"]);
    assert_eq!(o.status.code(), Some(0), "demo: {}", stderr(&o));
    (t, dir)
}

fn judgements(dir: &Path) -> Vec<Value> {
    let o = lacuna(&[&"rob", &dir, &"--json"]);
    assert_eq!(o.status.code(), Some(0), "rob: {}", stderr(&o));
    serde_json::from_str::<Value>(&stdout(&o))
        .expect("json")
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// One pooled cell's rating from `lacuna certainty DIR --json` (of the review
/// now, or of `--snapshot N` when given).
fn rated(dir: &Path, snapshot: Option<&str>, iv: &str, oc: &str) -> Value {
    let o = match snapshot {
        Some(n) => lacuna(&[&"certainty", &dir, &"--snapshot", &n, &"--json"]),
        None => lacuna(&[&"certainty", &dir, &"--json"]),
    };
    assert_eq!(o.status.code(), Some(0), "certainty: {}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("json");
    v["cells"]
        .as_array()
        .and_then(|c| {
            c.iter()
                .find(|c| c["intervention"] == iv && c["outcome"] == oc)
                .cloned()
        })
        .unwrap_or_else(|| panic!("{iv} × {oc} rated: {v}"))
}

/// Write a risk-of-bias sheet beside the review and import it as `reviewer`.
fn import_sheet(
    tmp: &Path,
    dir: &Path,
    name: &str,
    text: &str,
    reviewer: &str,
) -> std::process::Output {
    let sheet = tmp.join(name);
    std::fs::write(&sheet, text).expect("write the sheet");
    lacuna(&[&"rob", &dir, &"--import", &sheet, &"--reviewer", &reviewer])
}

fn count_rows(dir: &Path) -> i64 {
    let db = rusqlite::Connection::open(dir.join("lacuna.db")).expect("db");
    db.query_row("SELECT count(*) FROM rob_judgements", [], |r| r.get(0))
        .expect("count")
}

#[test]
fn issue_27_the_demo_imports_metapsys_rob2_judgements() {
    let (_t, dir) = demo();
    let js = judgements(&dir);
    let mut sheet_rows = Vec::new();
    for m in ["month-1-rob.csv", "month-2-rob.csv"] {
        let text = std::fs::read_to_string(root().join("corpus").join(m)).expect("sheet");
        sheet_rows.extend(text.lines().skip(1).map(str::to_string));
    }
    assert!(sheet_rows.len() > 40, "{} rows", sheet_rows.len());
    assert_eq!(
        js.len(),
        sheet_rows.len(),
        "one judgement per study and outcome"
    );
    for line in &sheet_rows {
        let cells: Vec<&str> = line.split(',').collect();
        let j = js
            .iter()
            .find(|j| j["study"] == cells[0] && j["outcome"] == cells[7])
            .unwrap_or_else(|| panic!("{line} stored"));
        let overall = match cells[6] {
            "Low" => "low",
            "Some concerns" => "some_concerns",
            "High" => "high",
            other => panic!("{other}"),
        };
        assert_eq!(j["overall"], overall, "{line}");
        assert_eq!(j["tool"], "rob2");
        assert_eq!(j["reviewer"], "Metapsy (demo)");
        assert_eq!(j["domains"].as_array().map(Vec::len), Some(5));
    }
}

#[test]
fn issue_27_a_sheet_is_stored_whole_or_not_at_all_and_a_later_judgement_supersedes() {
    let (t, dir) = demo();
    let before = count_rows(&dir);
    // the template names the review's studies under robvis's columns
    let o = lacuna(&[&"rob", &dir, &"--template"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let template = stdout(&o);
    assert!(template.starts_with("Study,D1,D2,D3,D4,D5,Overall,outcome,Weight\n"));
    assert!(template.contains("\nArntz 2022,"), "{template}");
    let o = lacuna(&[&"rob", &dir, &"--template", &"--tool", &"robins-i"]);
    assert!(stdout(&o).starts_with("Study,D1,D2,D3,D4,D5,D6,D7,Overall,outcome,Weight\n"));

    // one wrong row: nothing stored, the row and column named
    let o = import_sheet(t.path(), &dir, "bad.csv", "Study,D1,D2,D3,D4,D5,Overall,Weight\nArntz 2022,HIGH,low,low,low,low,high,1\nBateman 2009,low,low,low,low,serious,low,1\n", "ana");
    assert_ne!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("row 3, column D5: \"serious\""),
        "{}",
        stderr(&o)
    );
    assert_eq!(count_rows(&dir), before, "nothing stored");
    let o = lacuna(&[&"rob", &dir, &"--import", &t.path().join("bad.csv")]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("--reviewer"), "{}", stderr(&o));

    // a good sheet, values in any case: stored, and it supersedes
    let o = import_sheet(t.path(), &dir, "good.csv", "study,d1,d2,d3,d4,d5,overall\nArntz 2022,HIGH,low,SOME CONCERNS,low,low,high\nNobody 1999,low,low,low,low,low,low\n", "ana");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Nobody 1999"),
        "an unknown name is said: {}",
        stderr(&o)
    );
    assert_eq!(count_rows(&dir), before + 2, "earlier judgements kept");
    let js = judgements(&dir);
    let arntz: Vec<&Value> = js.iter().filter(|j| j["study"] == "Arntz 2022").collect();
    let all = arntz
        .iter()
        .find(|j| j["outcome"].is_null())
        .expect("the judgement for every outcome");
    assert_eq!(all["overall"], "high");
    assert_eq!(all["reviewer"], "ana");
    assert_eq!(all["domains"][2], "some_concerns");
    // the per-outcome judgements of Metapsy are still there beside it
    assert!(arntz
        .iter()
        .any(|j| j["outcome"] == "symptoms" && j["reviewer"] == "Metapsy (demo)"));
    // and a second look at the same study supersedes ana's
    let o = import_sheet(
        t.path(),
        &dir,
        "again.csv",
        "Study,D1,D2,D3,D4,D5,Overall\narntz 2022,low,low,low,low,low,low\n",
        "ben",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let js = judgements(&dir);
    let all: Vec<&Value> = js
        .iter()
        .filter(|j| {
            j["study"].as_str().map(str::to_lowercase).as_deref() == Some("arntz 2022")
                && j["outcome"].is_null()
        })
        .collect();
    assert_eq!(all.len(), 1, "one judgement counts: {all:?}");
    assert_eq!(all[0]["reviewer"], "ben");
    assert_eq!(all[0]["overall"], "low");
    assert_eq!(count_rows(&dir), before + 3);
}

/// The demo's certainty, checked against a hand computation from the
/// snapshot's own rows (weights 1/(vi + τ²)) and Metapsy's judgements in
/// the corpus sheets, for two cells; every pooled cell has a rating and
/// five reasons.
#[test]
fn issue_27_every_pooled_cell_of_the_demo_is_rated_as_the_rules_say() {
    let (_t, dir) = demo();
    let o = lacuna(&[&"certainty", &dir, &"--snapshot", &"2", &"--json"]);
    assert_eq!(o.status.code(), Some(0), "certainty: {}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("json");
    let cells = v["cells"].as_array().expect("cells").clone();
    let review = lacuna::store::Review::open(&dir).expect("open");
    let snap = lacuna::pipeline::living::load(&review, 2).expect("version 2");
    assert_eq!(cells.len(), snap.pooled.len(), "a rating per pooled cell");
    for c in &cells {
        assert!(
            ["high", "moderate", "low", "very_low"].contains(&c["rating"].as_str().unwrap_or("")),
            "{c}"
        );
        for d in [
            "risk_of_bias",
            "inconsistency",
            "imprecision",
            "publication_bias",
            "indirectness",
        ] {
            let reason = c["domains"][d]["reason"].as_str().unwrap_or("");
            assert!(!reason.is_empty(), "{d} has a reason: {c}");
        }
    }
    // Metapsy's overall judgements per (study label, outcome)
    let mut overall = std::collections::BTreeMap::new();
    for m in ["month-1-rob.csv", "month-2-rob.csv"] {
        let text = std::fs::read_to_string(root().join("corpus").join(m)).expect("sheet");
        for l in text.lines().skip(1) {
            let cells: Vec<&str> = l.split(',').collect();
            overall.insert(
                (cells[0].to_string(), cells[7].to_string()),
                cells[6].to_string(),
            );
        }
    }
    for (iv, oc, measure) in [
        ("psych.dbt", "self_harm_suicidality", "RR"),
        ("psych.schema", "symptoms", "SMD"),
    ] {
        let p = snap
            .pooled
            .iter()
            .find(|p| p.intervention == iv && p.outcome == oc && p.measure == measure)
            .expect("the pooled cell");
        let w: Vec<f64> = p.rows.iter().map(|r| 1.0 / (r.vi + p.tau2)).collect();
        let total: f64 = w.iter().sum();
        let (mut high, mut concern) = (0.0, 0.0);
        for (r, wi) in p.rows.iter().zip(&w) {
            match overall
                .get(&(r.label.clone(), oc.to_string()))
                .map(String::as_str)
            {
                Some("High") => high += wi / total,
                Some("Low") => {}
                _ => concern += wi / total, // some concerns, or unjudged
            }
        }
        let rob_down = if high >= 0.5 {
            2
        } else if high + concern >= 0.5 {
            1
        } else {
            0
        };
        let incons_down = if p.k < 3 {
            0
        } else if p.i2 >= 50.0 {
            // ≥ 75 % needs a study wholly on each side of the null for 2
            let z = 1.959_963_984_540_054;
            let below = p.rows.iter().any(|r| r.yi + z * r.vi.sqrt() < 0.0);
            let above = p.rows.iter().any(|r| r.yi - z * r.vi.sqrt() > 0.0);
            if p.i2 >= 75.0 && below && above {
                2
            } else {
                1
            }
        } else {
            0
        };
        let c = cells
            .iter()
            .find(|c| c["intervention"] == iv && c["outcome"] == oc && c["measure"] == measure)
            .expect("rated");
        let got = c["rob_weights"]["high"].as_f64().expect("share");
        assert!(
            (got - high).abs() < 1e-9,
            "{iv}: high-risk share {got} vs {high}"
        );
        assert_eq!(
            c["domains"]["risk_of_bias"]["rule_down"], rob_down,
            "{iv}: {c}"
        );
        assert_eq!(
            c["domains"]["inconsistency"]["rule_down"], incons_down,
            "{iv}: {c}"
        );
        // imprecision and the OIS, by hand (GRADE 6; z = 1.959964 + 0.841621)
        let z2 = (1.959_964_f64 + 0.841_621).powi(2);
        let (ois, wide) = if measure == "SMD" {
            // 2 groups × 2 × z² / δ², δ = 0.2
            (
                (2.0 * 2.0 * z2 / 0.04).ceil(),
                p.ci_lb < -0.2 && p.ci_ub > 0.2,
            )
        } else {
            // the median control risk, RRR 25 %
            let mut risks: Vec<f64> = p.rows.iter().filter_map(|r| r.control_risk).collect();
            risks.sort_by(f64::total_cmp);
            let n = risks.len();
            let p0 = if n % 2 == 1 {
                risks[n / 2]
            } else {
                (risks[n / 2 - 1] + risks[n / 2]) / 2.0
            };
            let p1 = p0 * 0.75;
            let per_arm = z2 * (p0 * (1.0 - p0) + p1 * (1.0 - p1)) / (p0 - p1).powi(2);
            (
                (2.0 * per_arm).ceil(),
                p.ci_lb.exp() < 0.75 && p.ci_ub.exp() > 1.25,
            )
        };
        assert_eq!(c["ois"].as_f64(), Some(ois), "{iv}: {c}");
        let participants: f64 = p.rows.iter().filter_map(|r| r.n).sum();
        let crosses = p.ci_lb <= 0.0 && p.ci_ub >= 0.0;
        let imprecision_down = if wide {
            2
        } else if crosses || participants < ois {
            1
        } else {
            0
        };
        assert_eq!(
            c["domains"]["imprecision"]["rule_down"], imprecision_down,
            "{iv}: {c}"
        );
        // publication bias needs 10 studies; indirectness is a person's call
        let pub_down = 0; // both cells have fewer than 10 studies
        assert!(p.k < 10);
        assert_eq!(c["domains"]["publication_bias"]["rule_down"], pub_down);
        assert_eq!(c["domains"]["indirectness"]["rule_down"], 0);
        // every study here is a randomised trial judged with RoB 2: start high
        assert_eq!(c["start"], "high", "{c}");
        let levels = ["very_low", "low", "moderate", "high"];
        let rating = 3usize.saturating_sub(rob_down + incons_down + imprecision_down + pub_down);
        assert_eq!(c["rating"], levels[rating], "{iv}: {c}");
        assert_eq!(c["k"].as_u64(), Some(p.k as u64));
        assert!(c["ois"].as_f64().is_some(), "an OIS for {measure}: {c}");
    }
    // the text names the categories and shows GRADE's symbols
    let text = stdout(&lacuna(&[&"certainty", &dir, &"--snapshot", &"2"]));
    assert!(
        text.contains("Dialectical behaviour therapy × Self-harm and suicidality"),
        "{text}"
    );
    assert!(text.contains('⊕'), "{text}");
}

/// A person's judgement of a domain survives re-pooling and updates, shows
/// in `certainty --json` with who judged, and a change of level between two
/// versions is in the diff's `certainty_changed` and, under the protocol's
/// trigger, among the material changes.
#[test]
fn issue_27_a_persons_judgement_survives_updates_and_a_change_of_level_is_material() {
    let (t, dir) = demo();
    let cell = "psych.other:self_harm_suicidality:RR";
    let (iv, oc) = ("psych.other", "self_harm_suicidality");
    let before = rated(&dir, None, iv, oc);
    assert_eq!(before["rating"], "very_low", "{before}");
    for (domain, why) in [
        (
            "risk_of_bias",
            "the high-risk trials' bias would favour control",
        ),
        (
            "imprecision",
            "the CI excludes no effect and the OIS is nearly met",
        ),
    ] {
        let o = lacuna(&[
            &"certainty",
            &dir,
            &"--set",
            &cell,
            &"--domain",
            &domain,
            &"--down",
            &"0",
            &"--reason",
            &why,
            &"--reviewer",
            &"ana",
        ]);
        assert_eq!(o.status.code(), Some(0), "set: {}", stderr(&o));
    }
    // refused: an unknown domain, a down of 3, no reason
    for bad in [
        vec!["--domain", "bias", "--down", "1", "--reason", "x"],
        vec!["--domain", "imprecision", "--down", "3", "--reason", "x"],
        vec!["--domain", "imprecision", "--down", "1", "--reason", " "],
    ] {
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"certainty", &dir, &"--set", &cell];
        for a in &bad {
            args.push(a);
        }
        args.push(&"--reviewer");
        args.push(&"ana");
        let o = lacuna(&args);
        assert_ne!(o.status.code(), Some(0), "{bad:?} refused");
    }
    let now = rated(&dir, None, iv, oc);
    assert_eq!(now["rating"], "high", "{now}");
    assert_eq!(now["domains"]["risk_of_bias"]["by"], "ana");
    assert_eq!(now["domains"]["risk_of_bias"]["down"], 0);
    assert_eq!(
        now["domains"]["risk_of_bias"]["rule_down"], 2,
        "the rule's own view is kept"
    );
    // a new version: the level moved, and the protocol's trigger makes it material
    let o = lacuna(&[&"snapshot", &dir, &"-q"]);
    assert_eq!(o.status.code(), Some(0), "snapshot: {}", stderr(&o));
    // the person's judgement stands beside the rule's in the briefing and the map
    let out = t.path().join("v3");
    let o = lacuna(&[&"report", &dir, &"--out", &out, &"--no-pdf"]);
    assert_eq!(o.status.code(), Some(0), "report: {}", stderr(&o));
    let html = std::fs::read_to_string(out.join("briefing.html")).expect("briefing");
    assert!(
        html.contains("judged by ana; the rule: −2"),
        "the briefing shows both"
    );
    let page = std::fs::read_to_string(out.join("gapmap.html")).expect("map");
    assert!(
        page.contains("\"by\":\"ana\",\"rule_down\":2"),
        "the map's data has both"
    );
    let o = lacuna(&[&"diff", &dir, &"--json"]);
    let d: Value = serde_json::from_str(&stdout(&o)).expect("diff");
    let change = d["certainty_changed"]
        .as_array()
        .and_then(|c| {
            c.iter()
                .find(|c| c["intervention"] == "psych.other" && c["measure"] == "RR")
        })
        .cloned()
        .expect("certainty_changed");
    assert_eq!(change["from"], "very_low");
    assert_eq!(change["to"], "high");
    assert!(
        d["material"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["trigger"] == "certainty_change")),
        "{d}"
    );
    // an update and a new version later, the judgement still counts
    let extra = t.path().join("extra.jsonl");
    std::fs::write(
        &extra,
        "{\"source_id\": \"extra-9\", \"title\": \"A cohort of crisis cafe users\", \"year\": 2026, \"authors\": [\"Late Z\"]}\n",
    )
    .expect("write");
    let o = lacuna(&[&"update", &dir, &"--files", &extra, &"-q"]);
    assert_eq!(o.status.code(), Some(0), "update: {}", stderr(&o));
    let o = lacuna(&[&"snapshot", &dir, &"-q"]);
    assert_eq!(o.status.code(), Some(0), "snapshot: {}", stderr(&o));
    let v4 = rated(&dir, Some("4"), iv, oc);
    assert_eq!(v4["rating"], "high", "{v4}");
    assert_eq!(v4["domains"]["imprecision"]["by"], "ana");
    // the version before the judgement keeps its own rating
    let v2 = rated(&dir, Some("2"), iv, oc);
    assert_eq!(v2["rating"], "very_low");
}

/// The briefing says how sure: a Summary of Findings row per pooled cell
/// with its certainty and reasons, robvis's two figures under each judged
/// cell, and the level named in the plain-words summary.
#[test]
fn issue_27_the_briefing_has_a_summary_of_findings_and_risk_of_bias_figures() {
    let (_t, dir) = demo();
    let page = std::fs::read_to_string(dir.join("reports/v2/briefing.html")).expect("briefing");
    let review = lacuna::store::Review::open(&dir).expect("open");
    let snap = lacuna::pipeline::living::load(&review, 2).expect("version 2");
    assert!(!snap.certainty.is_empty());
    let table = page
        .split("id=\"sof-table\"")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .expect("the Summary of Findings table");
    assert_eq!(
        table.matches("<tr").count(),
        snap.certainty.len() + 1,
        "a row per rated cell"
    );
    for c in &snap.certainty {
        let symbols = c.rating.rating.symbols();
        assert!(table.contains(symbols), "{symbols} in the table");
    }
    // robvis's two figures per judged cell
    let judged = snap
        .certainty
        .iter()
        .filter(|c| c.studies.iter().any(|s| s.overall.is_some()))
        .count();
    assert!(judged > 0);
    let figures = dir.join("reports/v2");
    let count = |prefix: &str| {
        std::fs::read_dir(&figures)
            .expect("ls")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
            .count()
    };
    assert_eq!(count("rob-traffic-"), judged);
    assert_eq!(count("rob-summary-"), judged);
    // the forest plots carry each judged study's domains and overall
    for c in &snap.certainty {
        let judged: usize = c
            .studies
            .iter()
            .filter(|s| s.overall.is_some())
            .map(|s| s.domains.len() + 1)
            .sum();
        let file = figures.join(format!(
            "forest-{}-{}-{}.svg",
            c.intervention.replace('.', "_"),
            c.outcome,
            c.measure.to_lowercase()
        ));
        let svg = std::fs::read_to_string(&file).expect("forest");
        assert_eq!(
            svg.matches("<g class=\"rob\">").count(),
            judged,
            "{}",
            file.display()
        );
        if judged > 0 {
            assert!(svg.contains(">Overall<") && svg.contains(">D5<"));
        }
    }
    // the summary names the level in GRADE's words
    let summary = page
        .split("id=\"summary\"")
        .nth(1)
        .and_then(|s| s.split("<h2").next())
        .expect("summary");
    assert!(
        summary.contains("certainty</strong>: "),
        "the summary says how sure"
    );
}

/// `[certainty]` in the protocol moves GRADE's thresholds (checked when the
/// protocol is read, errors naming line and key), and the briefing's
/// Methods names the ones it sets.
#[test]
fn issue_27_the_protocols_certainty_settings_move_the_thresholds_and_are_named() {
    let (t, dir) = demo();
    let protocol = dir.join("protocol.toml");
    let base = std::fs::read_to_string(&protocol).expect("protocol");
    let with = |block: &str| -> std::path::PathBuf {
        let p = t.path().join("p.toml");
        std::fs::write(&p, format!("{base}\n{block}\n")).expect("write");
        p
    };
    for (block, key) in [
        (
            "[certainty]\nrob_high_share = 50",
            "certainty.rob_high_share",
        ),
        (
            "[certainty]\ni2_serious = 80\ni2_very_serious = 75",
            "certainty.i2_serious",
        ),
        ("[certainty]\nrob_hi_share = 0.5", "rob_hi_share"),
        ("[certainty.mid]\npsych.dbt = 0.3", "certainty.mid"),
    ] {
        let o = lacuna(&[&"protocol", &with(block)]);
        assert_ne!(o.status.code(), Some(0), "{block} refused");
        assert!(stderr(&o).contains(key), "{block}: {}", stderr(&o));
    }
    let default = rated(&dir, None, "psych.dbt", "self_harm_suicidality");
    let high = default["rob_weights"]["high"].as_f64().expect("share");
    assert!(high > 0.5 && high < 0.999, "{default}");
    assert_eq!(default["domains"]["risk_of_bias"]["rule_down"], 2);
    // all of the weight at high risk is needed now for 2 levels down
    std::fs::write(
        &protocol,
        format!("{base}\n[certainty]\nrob_high_share = 1.0\n"),
    )
    .expect("write");
    let moved = rated(&dir, None, "psych.dbt", "self_harm_suicidality");
    assert_eq!(moved["domains"]["risk_of_bias"]["rule_down"], 1, "{moved}");
    // a new version's briefing names the setting in Methods
    let o = lacuna(&[&"snapshot", &dir, &"-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = t.path().join("v3");
    let o = lacuna(&[&"report", &dir, &"--out", &out, &"--no-pdf"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(out.join("briefing.html")).expect("html");
    assert!(
        html.contains("rob_high_share = 1"),
        "Methods names the threshold"
    );
}

/// The map says how sure: every pooled result of `map --json` carries its
/// GRADE rating and five domains, a cell pooled at low or very low
/// certainty has the `low_certainty` gap, and the page has the filter.
#[test]
fn issue_27_the_map_carries_each_pooled_results_certainty_and_the_low_certainty_gap() {
    let (t, dir) = demo();
    let out = t.path().join("map");
    let o = lacuna(&[&"map", &dir, &"--out", &out, &"--json"]);
    assert_eq!(o.status.code(), Some(0), "map: {}", stderr(&o));
    let m: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("gapmap.json")).expect("gapmap.json"),
    )
    .expect("json");
    let mut pooled = 0;
    for cell in m["cells"].as_array().expect("cells") {
        for p in cell["pooled"].as_array().into_iter().flatten() {
            pooled += 1;
            let c = &p["certainty"];
            let rating = c["rating"].as_str().expect("rated");
            assert_eq!(c["domains"].as_array().map(Vec::len), Some(5), "{c}");
            let low = rating == "low" || rating == "very_low";
            let gap = cell["gaps"]
                .as_array()
                .is_some_and(|g| g.iter().any(|g| g == "low_certainty"));
            assert_eq!(low, gap, "the gap follows the rating: {cell}");
        }
    }
    assert!(pooled > 0);
    let page = std::fs::read_to_string(out.join("gapmap.html")).expect("page");
    assert!(page.contains("id=\"f-certainty\""), "the certainty filter");
    let csv = std::fs::read_to_string(out.join("gapmap-cells.csv")).expect("csv");
    assert!(csv.contains("low_certainty"));
}

/// In Chromium: GRADE's symbols stand in the pooled cells, a pooled cell's
/// panel lists the five domains, and "certainty at least moderate" sets
/// aside every answer rated below it (the demo's are all very low).
#[test]
fn issue_27_the_map_page_shows_certainty_and_filters_by_it_in_chromium() {
    let (_t, dir) = demo();
    let page = dir.join("reports/v2/gapmap.html");
    let shots = root().join("target/screenshots");
    std::fs::create_dir_all(&shots).expect("screenshots");
    let r = crate::support::run_browser(
        "certainty.mjs",
        &[&page, &shots.join("gapmap-certainty.png")],
    );
    assert_eq!(r["console_errors"], serde_json::json!([]), "{r}");
    assert_eq!(r["page_errors"], serde_json::json!([]), "{r}");
    assert_eq!(r["requests"], serde_json::json!([]), "{r}");
    let review = lacuna::store::Review::open(&dir).expect("open");
    let snap = lacuna::pipeline::living::load(&review, 2).expect("version 2");
    let pooled = r["pooled"].as_u64().expect("pooled");
    assert!(pooled > 0);
    assert_eq!(
        r["grades"].as_array().map(Vec::len),
        Some(pooled as usize),
        "{r}"
    );
    for g in r["grades"].as_array().into_iter().flatten() {
        let g = g.as_str().unwrap_or("");
        assert!(
            snap.certainty
                .iter()
                .any(|c| c.rating.rating.symbols() == g),
            "{g}"
        );
    }
    assert_eq!(r["panel_domains"].as_array().map(Vec::len), Some(5), "{r}");
    assert!(r["panel_certainty"]
        .as_str()
        .is_some_and(|t| t.contains("How sure")));
    let at_least_moderate = snap
        .certainty
        .iter()
        .filter(|c| c.rating.rating >= lacuna::certainty::grade::Level::Moderate)
        .count() as u64;
    assert_eq!(
        r["pooled_at_moderate"].as_u64(),
        Some(at_least_moderate.min(pooled)),
        "{r}"
    );
    assert_eq!(
        r["below_at_moderate"].as_u64(),
        Some(pooled - at_least_moderate.min(pooled)),
        "{r}"
    );
    assert_eq!(r["pooled_again"].as_u64(), Some(pooled));
    assert!(r["low_certainty_cells"].as_u64() > Some(0));
}

/// The latest judgement counts whatever name it gives the study (a label,
/// a record key), an outcome is one of the protocol's (any case; an unknown
/// one is refused, nothing stored), and of people's judgements of a domain
/// the latest counts, whether it was for the cell or for one measure.
#[test]
fn issue_27_the_latest_judgement_counts_by_any_name_and_outcomes_are_checked() {
    let (t, dir) = demo();
    let schema = |dir: &Path| rated(dir, None, "psych.schema", "symptoms");
    let hilden = |c: &Value| -> Value {
        c["studies"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["study"] == "Hilden 2021").cloned())
            .expect("Hilden 2021 pooled")
    };
    assert_eq!(
        hilden(&schema(&dir))["overall"],
        "high",
        "Metapsy's judgement, by the sheet's label"
    );
    // a later judgement by the record's key, the outcome in another case
    let o = import_sheet(t.path(), &dir, "key.csv", "Study,D1,D2,D3,D4,D5,Overall,outcome\nsrc:metapsy-hilden-2020,low,low,low,low,low,low,Symptoms\n", "me2");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        hilden(&schema(&dir))["overall"],
        "low",
        "the later judgement counts"
    );
    // an outcome the protocol does not have: refused, nothing stored
    let o = import_sheet(
        t.path(),
        &dir,
        "bad.csv",
        "Study,D1,D2,D3,D4,D5,Overall,outcome\nArntz 2022,high,high,high,high,high,high,sypmtoms\n",
        "me2",
    );
    assert_ne!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("row 2, column outcome: \"sypmtoms\""),
        "{}",
        stderr(&o)
    );
    // people's judgements: a measure's, then the cell's; the later counts
    let set = |cell: &str, down: &str, who: &str| {
        let o = lacuna(&[
            &"certainty",
            &dir,
            &"--set",
            &cell,
            &"--domain",
            &"risk_of_bias",
            &"--down",
            &down,
            &"--reason",
            &"a second look",
            &"--reviewer",
            &who,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    };
    set("psych.schema:symptoms:SMD", "0", "ak");
    set("psych.schema:symptoms", "1", "jb");
    let rob = &schema(&dir)["domains"]["risk_of_bias"];
    assert_eq!(rob["by"], "jb", "{rob}");
    assert_eq!(rob["down"], 1);
}
