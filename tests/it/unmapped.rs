//! Studies off the grid (issue 28): `lacuna code DIR --review --unmapped`
//! lists every included study the map's grid does not count, with the
//! reason and, for a dimension without a code, why (no category matched,
//! only a comparator, an outcome not reported, a weak hit) and the rule
//! that came nearest; the map's page and the briefing give the same
//! reasons.

use crate::support::{
    cen_protocol, codes_of, demo_review, lacuna, new_review, record, stderr, stdout,
};
use lacuna::model::coding::Why;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn unmapped(dir: &Path) -> Vec<Value> {
    let o = lacuna(&[&"code", &dir, &"--review", &"--unmapped", &"--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    v.as_array().expect("a list").clone()
}

fn map_json(dir: &Path) -> Value {
    let o = lacuna(&[&"map", &dir, &"--json", &"-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("map JSON")
}

fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .expect("a list")
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

#[test]
fn every_demo_study_is_on_the_grid_or_listed_with_a_reason() {
    let (_t, dir) = demo_review();
    let m = map_json(&dir);
    let studies = m["studies"].as_array().expect("studies");
    // the studies some cell counts, from the map
    let mut in_grid = BTreeSet::new();
    for c in m["cells"].as_array().expect("cells") {
        for i in c["studies"].as_array().expect("cell studies") {
            let s = &studies[i.as_u64().expect("index") as usize];
            if s["status"] == "completed" {
                in_grid.insert(s["id"].as_str().expect("id"));
            }
        }
    }
    let list = unmapped(&dir);
    let listed: BTreeSet<&str> = list.iter().filter_map(|u| u["study"].as_str()).collect();
    assert_eq!(listed.len(), list.len(), "each study once");
    let all: BTreeSet<&str> = studies.iter().filter_map(|s| s["id"].as_str()).collect();
    assert_eq!(
        in_grid.union(&listed).copied().collect::<BTreeSet<_>>(),
        all,
        "every included study is on the grid or listed"
    );
    assert!(in_grid.is_disjoint(&listed));
    let ivs: BTreeSet<&str> = m["interventions"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    let ocs: BTreeSet<&str> = m["outcomes"]
        .as_array()
        .expect("columns")
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    let mut kinds = BTreeMap::new();
    for u in &list {
        let dims: Vec<&str> = u["missing"]
            .as_array()
            .expect("missing")
            .iter()
            .filter_map(|x| x["dimension"].as_str())
            .collect();
        let want: &[&str] = match u["reason"].as_str().expect("reason") {
            "neither" => &["intervention", "outcome"],
            "no_intervention" => &["intervention"],
            "no_outcome" => &["outcome"],
            "ongoing" => &[],
            r => panic!("unknown reason {r}"),
        };
        assert_eq!(dims, want, "{u}");
        for x in u["missing"].as_array().expect("missing") {
            let why = x["why"].as_str().expect("why");
            *kinds.entry(why.to_string()).or_insert(0) += 1;
            let Some(n) = x.get("nearest") else {
                assert_eq!(why, "no_match", "{u}");
                continue;
            };
            // the nearest rule: a category of the dimension, in one of the
            // study's records, whose reason is the kind given
            let axis = if x["dimension"] == "intervention" {
                &ivs
            } else {
                &ocs
            };
            assert!(
                axis.contains(n["category"].as_str().expect("category")),
                "{u}"
            );
            assert!(strs(&u["records"]).contains(&n["record"].as_str().expect("record")));
            assert_eq!(
                Why::of_reason(n["reason"].as_str().expect("reason")).as_str(),
                why,
                "{u}"
            );
            assert!(!n["rule"].as_str().unwrap_or("").is_empty(), "{u}");
        }
        assert!(
            !u["detail"].as_str().unwrap_or("").is_empty() || want.is_empty(),
            "{u}"
        );
    }
    // the demo shows the kinds people meet most
    for k in ["no_match", "not_reported", "weak", "negated"] {
        assert!(kinds.contains_key(k), "no {k} in {kinds:?}");
    }
    // the text form says the same, with the count
    let o = lacuna(&[&"code", &dir, &"--review", &"--unmapped"]);
    let text = stdout(&o);
    assert!(
        text.trim_end().ends_with(&format!(
            "{} included studies are not on the grid",
            list.len()
        )),
        "{text}"
    );
    assert!(text.contains("outcome: not reported as measured"), "{text}");
    assert!(text.contains("      nearest: "), "{text}");
    // --unmapped belongs to --review
    let o = lacuna(&[&"code", &dir, &"--unmapped"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn the_map_page_and_the_briefing_give_the_same_reasons() {
    let t = tempfile::tempdir().expect("tmp");
    let dir = t.path().join("demo");
    let o = lacuna(&[&"demo", &"--out", &dir, &"--no-pdf", &"-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::path::PathBuf::from(stdout(&o).lines().last().expect("path"));
    let md = std::fs::read_to_string(page.with_file_name("briefing.md")).expect("markdown");
    let list = unmapped(&dir);
    assert!(!list.is_empty());
    for u in &list {
        let row = format!(
            "| {} | {}: {} |",
            u["name"].as_str().expect("name"),
            u["reason_label"].as_str().expect("label"),
            u["detail"].as_str().expect("detail")
        );
        assert!(md.contains(&row), "the briefing lacks {row}");
    }
    // the map's page carries the same words for each study it lists
    let o = lacuna(&[&"map", &dir, &"-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(dir.join("reports/gapmap.html")).expect("page");
    let data = html
        .split("<script type=\"application/json\" id=\"off-grid-data\">")
        .nth(1)
        .and_then(|x| x.split("</script>").next())
        .expect("off-grid data");
    let rows: Vec<Value> = serde_json::from_str(data).expect("JSON");
    let details: BTreeSet<&str> = rows.iter().filter_map(|r| r["detail"].as_str()).collect();
    let want: BTreeSet<&str> = list.iter().filter_map(|u| u["detail"].as_str()).collect();
    assert_eq!(details, want);
}

#[test]
fn only_a_comparator_is_said_with_the_rule_that_came_nearest() {
    let (_t, dir) = new_review();
    let file = dir.parent().expect("parent").join("records.jsonl");
    let rec = |id: &str, title: &str, abs: &str| {
        serde_json::json!({"schema_version": 1, "kind": "article", "source_id": id, "title": title, "abstract": abs})
            .to_string()
    };
    std::fs::write(
        &file,
        [
            rec(
                "c-1",
                "A brief intervention after self-harm: a randomised trial",
                "Adults who self-harm were randomised to a brief intervention or to usual care from community mental health teams. Repeat self-harm was reduced at 12 months.",
            ),
            rec(
                "c-2",
                "Dialectical behaviour therapy in a community service: a randomised trial",
                "We randomised 80 adults to dialectical behaviour therapy or a waiting list; self-harm at baseline was frequent.",
            ),
        ]
        .join("\n"),
    )
    .expect("write");
    let o = lacuna(&[&"import", &dir, &file, &"-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let protocol = crate::support::root().join("protocols/complex-emotional-needs.toml");
    let o = lacuna(&[&"code", &dir, &"--protocol", &protocol, &"-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let list = unmapped(&dir);
    let by_record = |k: &str| {
        list.iter()
            .find(|u| strs(&u["records"]).contains(&k))
            .unwrap_or_else(|| panic!("{k} not listed: {list:?}"))
    };
    let c1 = by_record("src:c-1");
    assert_eq!(c1["reason"], "no_intervention");
    let m = &c1["missing"][0];
    assert_eq!(m["why"], "only_comparator", "{c1}");
    assert_eq!(m["nearest"]["category"], "service.cmht_generic");
    assert_eq!(m["nearest"]["text"], "community mental health teams");
    let c2 = by_record("src:c-2");
    assert_eq!(c2["reason"], "no_outcome");
    assert_eq!(c2["missing"][0]["why"], "not_reported", "{c2}");
    assert_eq!(
        c2["missing"][0]["nearest"]["category"],
        "self_harm_suicidality"
    );
    assert!(
        c2["detail"].as_str().is_some_and(
            |d| d.starts_with("not reported as measured") && d.contains(", nearest: Self-harm")
        ),
        "{c2}"
    );
}

/// Each reason the coder gives for a set-aside hit is read as its kind, so
/// a change to the coder's words cannot silently make every study "no
/// category matched".
#[test]
fn the_coders_reasons_are_read_as_their_kind() {
    let p = cen_protocol();
    let kinds = |title: &str, abs: &str, mesh: &[&str]| -> BTreeMap<String, Why> {
        codes_of(&p, &record(title, abs, mesh, &[]))
            .set_aside
            .iter()
            .map(|s| (s.category.clone(), Why::of_reason(&s.reason)))
            .collect()
    };
    let k = kinds(
        "A brief intervention",
        "Participants received a brief intervention or usual care from community mental health teams.",
        &[],
    );
    assert_eq!(
        k.get("service.cmht_generic"),
        Some(&Why::OnlyComparator),
        "{k:?}"
    );
    let k = kinds(
        "Group skills training",
        "A skills group, without peer support, for adults with a history of self-harm.",
        &[],
    );
    assert_eq!(k.get("peer"), Some(&Why::Negated), "{k:?}");
    assert_eq!(
        k.get("self_harm_suicidality"),
        Some(&Why::NotReported),
        "{k:?}"
    );
    let k = kinds(
        "Psychotherapy in a day hospital",
        "Patients received psychotherapy.",
        &["Suicide, Attempted"],
    );
    assert_eq!(k.get("psych.other"), Some(&Why::Weak), "{k:?}");
    assert_eq!(k.get("self_harm_suicidality"), Some(&Why::Weak), "{k:?}");
}
