//! The protocol loads and validates; the auto-coder codes each dimension and
//! honours negation, exclusion criteria, comparators and its post rules.

use crate::support::{cen_protocol, codes_of, record};
use lacuna::code::Status;
use lacuna::protocol::{parse, DimensionKind};

fn ids(c: &lacuna::code::Coding, d: DimensionKind) -> Vec<String> {
    c.ids(d).map(str::to_string).collect()
}

#[test]
fn cen_protocol_loads_with_its_framework() {
    let p = cen_protocol();
    let f = &p.frame;
    assert_eq!(f.of(DimensionKind::Intervention).count(), 23);
    assert_eq!(f.of(DimensionKind::Outcome).count(), 8);
    assert_eq!(f.of(DimensionKind::Population).count(), 9);
    assert_eq!(f.of(DimensionKind::Design).count(), 5);
    assert_eq!(f.groups.len(), 7);
    assert_eq!(p.searches.len(), 5);
    assert!(
        p.searches.iter().all(|s| !s.query.contains('{')),
        "blocks substituted"
    );
    assert_eq!(p.synthesis.method, lacuna::meta::Method::REML);
    assert_eq!(p.synthesis.test, lacuna::meta::Test::Knha);
    assert!(p.exclusion_reasons.iter().any(|r| r.id == "population"));
    assert_eq!(f.carer_outcome.as_deref(), Some("carer_outcomes"));
}

const MINIMAL: &str = r#"
[meta]
id = "t"
title = "t"
[question]
primary = "q"
[coding]
[coding.groups]
psy = "Psychological"
[coding.context]
negation_cues = ["without"]
negation_window = 5
negation_applies_to = ["intervention"]
exclusion_cues = ["were excluded"]
comparator_cues = ["versus"]
comparator_window = 6
outcome_cues = ["reduc*"]
carer_cues = ["carers"]
carer_reroute_domains = []
[[coding.intervention]]
id = "dbt"
group = "psy"
label = "DBT"
tiab = ["dialectical behavio*"]
[[coding.outcome]]
id = "sh"
label = "Self-harm"
tiab = ["self-harm*"]
[[coding.population]]
id = "old"
label = "Older"
tiab = ["older adult*"]
[[coding.design]]
id = "rct"
label = "RCT"
tiab = ["randomi*ed"]
"#;

fn err_of(text: &str) -> lacuna::protocol::ProtocolError {
    parse("bad.toml".as_ref(), text).expect_err("should be refused")
}

#[test]
fn protocol_errors_name_file_line_and_key() {
    assert!(parse("ok.toml".as_ref(), MINIMAL).is_ok());
    // unknown key in a category
    let e = err_of(&MINIMAL.replace("label = \"DBT\"", "label = \"DBT\"\ntiabb = [\"x\"]"));
    assert_eq!(e.path, std::path::Path::new("bad.toml"));
    assert_eq!(e.line, 24, "{e}");
    assert!(e.to_string().contains("tiabb"), "{e}");
    // a regular expression where a word pattern belongs
    let e = err_of(&MINIMAL.replace("\"self-harm*\"", "\"self.harm(s)?\""));
    assert_eq!(
        (e.line, e.key.as_str()),
        (28, "coding.outcome[0].tiab[0]"),
        "{e}"
    );
    // a group that does not exist
    let e = err_of(&MINIMAL.replace("group = \"psy\"", "group = \"psych\""));
    assert_eq!(
        (e.line, e.key.as_str()),
        (22, "coding.intervention[0].group"),
        "{e}"
    );
    // duplicate ids
    let e = err_of(&MINIMAL.replace("id = \"old\"", "id = \"dbt\""));
    assert!(
        e.message
            .contains("duplicate category id \"dbt\" (first at line 21)"),
        "{e}"
    );
    // a cross-reference to a category that is not a design
    let e = err_of(&MINIMAL.replace(
        "tiab = [\"randomi*ed\"]",
        "tiab = [\"randomi*ed\"]\nsuppresses = [\"sh\"]",
    ));
    assert!(
        e.message
            .contains("\"sh\" is in the outcome dimension; a design id is needed"),
        "{e}"
    );
    // broken TOML
    let e = err_of(&MINIMAL.replace("negation_window = 5", "negation_window = "));
    assert_eq!(e.line, 12, "{e}");
    // an unknown synthesis method
    let e = err_of(&format!(
        "{MINIMAL}\n[synthesis]\ntau2_estimator = \"REMLX\"\n"
    ));
    assert_eq!(e.key, "synthesis.tau2_estimator", "{e}");
    // an undefined search block
    let e = err_of(&format!(
        "{MINIMAL}\n[search]\n[[search.strings]]\nid = \"S1\"\nquery = \"{{POP}} AND x\"\n"
    ));
    assert!(e.message.contains("block {POP} is not defined"), "{e}");
}

#[test]
fn cli_checks_a_protocol() {
    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("p.toml");
    std::fs::write(
        &bad,
        MINIMAL.replace("group = \"psy\"", "group = \"psych\""),
    )
    .expect("write");
    let o = crate::support::lacuna(&[&"protocol", &bad]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        crate::support::stderr(&o).contains("p.toml:22: coding.intervention[0].group"),
        "{}",
        crate::support::stderr(&o)
    );
    let good = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("protocols/complex-emotional-needs.toml");
    let o = crate::support::lacuna(&[&"protocol", &good]);
    assert_eq!(o.status.code(), Some(0), "{}", crate::support::stderr(&o));
    assert!(
        crate::support::stdout(&o).contains("23 intervention categories"),
        "{}",
        crate::support::stdout(&o)
    );
}

#[test]
fn interventions_are_coded_from_text_and_mesh() {
    let p = cen_protocol();
    let c = codes_of(
        &p,
        &record(
            "Dialectical behaviour therapy for borderline personality disorder",
            "",
            &[],
            &[],
        ),
    );
    assert_eq!(ids(&c, DimensionKind::Intervention), ["psych.dbt"]);
    // An UPPER-CASE acronym is case-sensitive: "Dbt" in a gene name is not DBT.
    let c = codes_of(&p, &record("DBT skills groups", "", &[], &[]));
    assert_eq!(ids(&c, DimensionKind::Intervention), ["psych.dbt"]);
    let c = codes_of(&p, &record("The dbt gene in mice", "", &[], &[]));
    assert!(ids(&c, DimensionKind::Intervention).is_empty());
    // strong MeSH alone codes; a weak MeSH alone does not
    let c = codes_of(&p, &record("A study", "", &["Self-Help Groups"], &[]));
    assert_eq!(ids(&c, DimensionKind::Intervention), ["peer"]);
    let c = codes_of(&p, &record("A study", "", &["Peer Group"], &[]));
    assert!(ids(&c, DimensionKind::Intervention).is_empty());
    // the fallback is not used when a named therapy is coded
    let c = codes_of(
        &p,
        &record(
            "Schema therapy versus psychodynamic psychotherapy",
            "",
            &[],
            &[],
        ),
    );
    assert_eq!(ids(&c, DimensionKind::Intervention), ["psych.schema"]);
    assert!(c
        .set_aside
        .iter()
        .any(|s| s.category == "psych.other" && s.reason.contains("psych.schema")));
    let c = codes_of(
        &p,
        &record(
            "Psychodynamic psychotherapy for personality disorder",
            "",
            &[],
            &[],
        ),
    );
    assert_eq!(ids(&c, DimensionKind::Intervention), ["psych.other"]);
    // evidence: rule and span
    let t = "Peer support workers in a crisis house";
    let c = codes_of(&p, &record(t, "", &[], &[]));
    let peer = c
        .codes
        .iter()
        .find(|x| x.category == "peer")
        .expect("peer coded");
    let ev = &peer.evidence[0];
    assert_eq!(ev.rule, "tiab \"peer support*\"");
    assert_eq!(ev.field, "title");
    let (a, b) = ev.span.expect("span");
    assert_eq!(&t[a..b], "Peer support");
}

#[test]
fn negation_and_exclusion_do_not_code() {
    let p = cen_protocol();
    let c = codes_of(&p, &record(
        "Group therapy for borderline personality disorder",
        "We evaluated a skills group, excluding peer support, in 40 adults. Patients over 65 were excluded.",
        &[], &[],
    ));
    assert!(
        !ids(&c, DimensionKind::Intervention).contains(&"peer".to_string()),
        "{c:?}"
    );
    assert!(
        c.set_aside
            .iter()
            .any(|s| s.category == "peer" && s.reason == "negated by \"excluding\""),
        "{:?}",
        c.set_aside
    );
    assert!(!ids(&c, DimensionKind::Population).contains(&"older_adults".to_string()));
    let ex: Vec<&str> = c
        .excluded_subgroups
        .iter()
        .map(|x| x.category.as_str())
        .collect();
    assert_eq!(ex, ["older_adults"]);
    // the same words without the exclusion do code
    let c = codes_of(
        &p,
        &record(
            "Peer support for older adults with personality disorder",
            "",
            &[],
            &[],
        ),
    );
    assert!(ids(&c, DimensionKind::Intervention).contains(&"peer".to_string()));
    assert!(ids(&c, DimensionKind::Population).contains(&"older_adults".to_string()));
    // a negation outside the window (5 words) or in another sentence does not negate
    let c = codes_of(
        &p,
        &record(
            "x",
            "No differences were found between the groups at all in peer support uptake.",
            &[],
            &[],
        ),
    );
    assert!(
        ids(&c, DimensionKind::Intervention).contains(&"peer".to_string()),
        "{c:?}"
    );
    let c = codes_of(
        &p,
        &record(
            "x",
            "There was no control. Peer support was offered.",
            &[],
            &[],
        ),
    );
    assert!(ids(&c, DimensionKind::Intervention).contains(&"peer".to_string()));
    // a negating prefix: a non-randomised study is not an RCT
    let c = codes_of(
        &p,
        &record("A non-randomised controlled trial of DBT", "", &[], &[]),
    );
    assert_eq!(ids(&c, DimensionKind::Design), ["non_randomised"]);
    // outcomes are not negated: "no drug reduced suicidal behaviour" still measured it
    let c = codes_of(
        &p,
        &record(
            "x",
            "In a randomised trial, no drug reduced suicidal behaviour compared with placebo.",
            &[],
            &[],
        ),
    );
    assert!(ids(&c, DimensionKind::Outcome).contains(&"self_harm_suicidality".to_string()));
}

#[test]
fn outcomes_need_a_cue_and_carer_hits_are_rerouted() {
    let p = cen_protocol();
    // a population word without an outcome cue is not an outcome
    let c = codes_of(
        &p,
        &record(
            "x",
            "Participants had a history of repeated self-harm.",
            &[],
            &[],
        ),
    );
    assert!(ids(&c, DimensionKind::Outcome).is_empty(), "{c:?}");
    let c = codes_of(
        &p,
        &record(
            "x",
            "In this randomised trial the intervention reduced self-harm at 12 months.",
            &[],
            &[],
        ),
    );
    assert_eq!(ids(&c, DimensionKind::Outcome), ["self_harm_suicidality"]);
    // depression in relatives is a carer outcome
    let c = codes_of(
        &p,
        &record(
            "x",
            "In this randomised trial, depressive symptoms in the relatives improved after the course.",
            &[],
            &[],
        ),
    );
    assert_eq!(ids(&c, DimensionKind::Outcome), ["carer_outcomes"]);
    // generic CMHT care only as the comparator is not coded
    let c = codes_of(
        &p,
        &record(
            "x",
            "DBT was compared with treatment as usual in a CMHT.",
            &[],
            &[],
        ),
    );
    assert!(
        !ids(&c, DimensionKind::Intervention).contains(&"service.cmht_generic".to_string()),
        "{c:?}"
    );
    let c = codes_of(
        &p,
        &record(
            "Redesigning community mental health team care for personality disorder",
            "",
            &[],
            &[],
        ),
    );
    assert!(ids(&c, DimensionKind::Intervention).contains(&"service.cmht_generic".to_string()));
}

#[test]
fn populations_and_designs() {
    let p = cen_protocol();
    let c = codes_of(
        &p,
        &record(
            "DBT in prison: an evaluation with women offenders who are homeless after release",
            "",
            &[],
            &[],
        ),
    );
    let pops = ids(&c, DimensionKind::Population);
    assert!(
        pops.contains(&"criminal_justice".to_string())
            && pops.contains(&"homelessness".to_string()),
        "{pops:?}"
    );
    // the Aged check tag alone is weak: an adult trial is not an older-adults study
    let c = codes_of(&p, &record("x", "", &["Aged", "Adult"], &[]));
    assert!(ids(&c, DimensionKind::Population).is_empty());
    // designs from publication types; a review suppresses the trial designs it mentions
    let c = codes_of(
        &p,
        &record(
            "DBT: a systematic review",
            "We included 12 randomised controlled trials.",
            &[],
            &["Systematic Review"],
        ),
    );
    assert_eq!(ids(&c, DimensionKind::Design), ["systematic_review"]);
    let c = codes_of(
        &p,
        &record(
            "x",
            "Patients were randomly assigned.",
            &[],
            &["Randomized Controlled Trial"],
        ),
    );
    assert_eq!(ids(&c, DimensionKind::Design), ["rct"]);
    // an economic evaluation nested in an RCT is both
    let c = codes_of(&p, &record("Cost-effectiveness of MBT: an economic evaluation alongside a randomised controlled trial", "", &[], &[]));
    assert_eq!(
        ids(&c, DimensionKind::Design),
        ["rct", "economic_evaluation"]
    );
    // qualitative implies the experience domain
    let c = codes_of(
        &p,
        &record(
            "Service users' views of a crisis house: a qualitative study",
            "",
            &[],
            &[],
        ),
    );
    assert!(ids(&c, DimensionKind::Outcome).contains(&"experience_stigma".to_string()));
    // protocols are ongoing; registrations are found
    let c = codes_of(
        &p,
        &record(
            "DBT for adolescents: study protocol for a randomised controlled trial",
            "Registered as NCT01234567 and ISRCTN 12345678.",
            &[],
            &[],
        ),
    );
    assert_eq!(c.status, Status::Ongoing);
    assert_eq!(c.registrations, ["ISRCTN12345678", "NCT01234567"]);
}

#[test]
fn background_sections_count_half() {
    let p = cen_protocol();
    let mut r = record("A trial for borderline personality disorder", "", &[], &[]);
    r.abstract_sections = vec![
        lacuna::model::AbstractSection {
            label: Some("BACKGROUND".into()),
            nlm_category: Some("BACKGROUND".into()),
            text: "Schema therapy has been studied before.".into(),
        },
        lacuna::model::AbstractSection {
            label: Some("METHODS".into()),
            nlm_category: Some("METHODS".into()),
            text: "We tested a new group programme.".into(),
        },
    ];
    let c = codes_of(&p, &r);
    assert!(
        !ids(&c, DimensionKind::Intervention).contains(&"psych.schema".to_string()),
        "{c:?}"
    );
    r.abstract_sections[1].text = "We tested group schema therapy.".into();
    let c = codes_of(&p, &r);
    assert!(ids(&c, DimensionKind::Intervention).contains(&"psych.schema".to_string()));
}

fn map_figures(dir: &std::path::Path) -> serde_json::Value {
    let o = crate::support::lacuna(&[&"map", &dir, &"--json", &"-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", crate::support::stderr(&o));
    serde_json::from_str(&crate::support::stdout(&o)).expect("json")
}

fn cell_n(m: &serde_json::Value, iv: &str, oc: &str) -> u64 {
    m["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .find(|c| c["intervention"] == iv && c["outcome"] == oc)
        .expect("cell")["n_studies"]
        .as_u64()
        .expect("n")
}

#[test]
fn people_edit_codes_and_link_studies_and_the_store_keeps_who() {
    use crate::support::{demo_review, lacuna, stderr, stdout};
    let (_t, dir) = demo_review();
    let before = map_figures(&dir);
    let rec = "31173128"; // brief admission RCT: service.crisis, self-harm, service use
    let o = lacuna(&[
        &"code",
        &dir,
        &"--record",
        &rec,
        &"--remove",
        &"outcome:service_use",
        &"--add",
        &"population:young_people",
        &"--confirm",
        &"intervention:service.crisis",
        &"--reviewer",
        &"ana",
        &"--note",
        &"admissions are the intervention, not an outcome here",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = lacuna(&[&"code", &dir, &"--review", &"--record", &rec, &"--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let coding = &v[0]["coding"];
    let ids: Vec<&str> = coding["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c["category"].as_str().expect("id"))
        .collect();
    assert!(
        !ids.contains(&"service_use")
            && ids.contains(&"young_people")
            && ids.contains(&"service.crisis"),
        "{ids:?}"
    );
    let crisis = coding["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .find(|c| c["category"] == "service.crisis")
        .expect("crisis");
    assert!(crisis["evidence"]
        .as_array()
        .expect("ev")
        .iter()
        .any(|e| e["rule"] == "confirmed by ana"));
    assert!(coding["set_aside"]
        .as_array()
        .expect("aside")
        .iter()
        .any(|s| s["category"] == "service_use" && s["reason"] == "removed by ana"));
    let after = map_figures(&dir);
    assert_eq!(
        cell_n(&after, "service.crisis", "service_use"),
        cell_n(&before, "service.crisis", "service_use") - 1
    );
    // edits survive a new auto-coding run
    let o = lacuna(&[&"code", &dir, &"-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        cell_n(&map_figures(&dir), "service.crisis", "service_use"),
        cell_n(&after, "service.crisis", "service_use")
    );
    // two papers linked to one study count once
    for r in ["cen-demo-082", "cen-demo-083"] {
        let o = lacuna(&[
            &"code",
            &dir,
            &"--record",
            &r,
            &"--study",
            &"DBT-X trial",
            &"--reviewer",
            &"ana",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let linked = map_figures(&dir);
    assert_eq!(
        linked["n_studies"].as_u64(),
        Some(before["n_studies"].as_u64().expect("n") - 1)
    );
    assert_eq!(linked["n_records"], before["n_records"]);
    // a wrong category is refused with the ids to use
    let o = lacuna(&[
        &"code",
        &dir,
        &"--record",
        &rec,
        &"--add",
        &"intervention:peer_support",
    ]);
    assert_eq!(o.status.code(), Some(7));
    assert!(
        stderr(&o).contains("\"peer_support\" is not one of the intervention ids"),
        "{}",
        stderr(&o)
    );
}

/// Settings the schema reads but Lacuna cannot honour, or that make no
/// sense, are refused with their key.
#[test]
fn protocol_settings_that_cannot_work_are_refused() {
    for (change, key) in [
        (MINIMAL.replace("[coding]\n", "[coding]\nmesh_explode = true\n"), "coding.mesh_explode"),
        (MINIMAL.replace("[coding]\n", "[coding]\nmulti_label = false\n"), "coding.multi_label"),
        (MINIMAL.replace("[coding]\n", "[coding]\nmin_score = 0\n"), "coding.min_score"),
        (MINIMAL.replace("[coding]\n", "[coding]\nsection_weights = { background = -1 }\n"), "coding.section_weights.background"),
        (MINIMAL.replace("[coding.groups]\npsy = \"Psychological\"", "[coding.groups]\npsy = 3"), "coding.groups.psy"),
        (MINIMAL.replace("negation_applies_to = [\"intervention\"]", "negation_applies_to = [\"interventions\"]"), "coding.context.negation_applies_to"),
        (MINIMAL.replace("carer_reroute_domains = []", "carer_reroute_domains = [\"old\"]"), "coding.context.carer_reroute_domains"),
        (MINIMAL.replace("carer_reroute_domains = []", "carer_reroute_domains = []\nmesh_needs_text = [\"populations\"]"), "coding.context.mesh_needs_text"),
        (MINIMAL.replace("carer_reroute_domains = []", "carer_reroute_domains = []\nreviews_exempt = [\"meta\"]"), "coding.context.reviews_exempt"),
        (MINIMAL.replace("carer_reroute_domains = []", "carer_reroute_domains = []\nsetting_cues = [\"in (a)\"]"), "coding.context.setting_cues[0]"),
        (MINIMAL.replace("carer_reroute_domains = []", "carer_reroute_domains = []\ncotreatment_cues = [\"had (received\"]"), "coding.context.cotreatment_cues[0]"),
        (MINIMAL.replace("carer_reroute_domains = []", "carer_reroute_domains = []\nlate_only_is_finding = [\"populations\"]"), "coding.context.late_only_is_finding"),
        (MINIMAL.replace("label = \"Older\"\ntiab = [\"older adult*\"]", "label = \"Older\"\ntiab = [\"older adult*\"]\nimplies_equity = [\"rct\"]"), "coding.population[0].implies_equity"),
        (MINIMAL.replace("label = \"Older\"\ntiab = [\"older adult*\"]", "label = \"Older\""), "coding.population[0]"),
        (MINIMAL.replace("[[coding.design]]\nid = \"rct\"\nlabel = \"RCT\"\ntiab = [\"randomi*ed\"]\n", ""), "coding.design"),
        (format!("{MINIMAL}\n[synthesis]\nci_method = \"bootstrap\"\n"), "synthesis.ci_method"),
        (format!("{MINIMAL}\n[synthesis]\nmin_k_pool = 1\n"), "synthesis.min_k_pool"),
        (format!("{MINIMAL}\n[map]\nreview_designs = [\"meta\"]\n"), "map.review_designs"),
        (format!("{MINIMAL}\n[map]\nweak_min_participants = -5\n"), "map.weak_min_participants"),
        (format!("{MINIMAL}\n[screening]\nexclusion_reasons = [{{ id = \"a\", label = \"x\" }}, {{ id = \"a\", label = \"y\" }}]\n"), "screening.exclusion_reasons[1]"),
    ] {
        let e = err_of(&change);
        assert_eq!(e.key, key, "{e}");
    }
    // a file that is not there, or not UTF-8
    let dir = tempfile::tempdir().expect("tmp");
    let e = lacuna::protocol::load(&dir.path().join("none.toml")).expect_err("missing");
    assert!(e.message.contains("cannot read the protocol"), "{e}");
    let latin1 = dir.path().join("latin1.toml");
    std::fs::write(&latin1, b"[meta]\nid = \"caf\xe9\"\n").expect("write");
    let e = lacuna::protocol::load(&latin1).expect_err("not UTF-8");
    assert!(e.message.contains("save the protocol as UTF-8"), "{e}");
}

/// Command-line mistakes around coding and decisions say what to do and
/// change nothing (exit 7).
#[test]
fn coding_and_decision_mistakes_are_explained() {
    use crate::support::{lacuna, root, stderr};
    let (_t, dir) = crate::support::demo_imported();
    let protocol = root().join("protocols/complex-emotional-needs.toml");
    for (args, says) in [
        (
            vec!["code".to_string(), dir.display().to_string()],
            "has no protocol yet: give one with --protocol FILE",
        ),
        (
            vec![
                "code".into(),
                dir.display().to_string(),
                "--protocol".into(),
                protocol.display().to_string(),
                "--add".into(),
                "intervention:peer".into(),
            ],
            "edits need --record KEY",
        ),
        (
            vec![
                "code".into(),
                dir.display().to_string(),
                "--protocol".into(),
                protocol.display().to_string(),
                "--record".into(),
                "cen-demo-001".into(),
                "--add".into(),
                "peer".into(),
            ],
            "write DIMENSION:CATEGORY",
        ),
        (
            vec![
                "code".into(),
                dir.display().to_string(),
                "--protocol".into(),
                protocol.display().to_string(),
                "--record".into(),
                "cen-demo-001".into(),
                "--add".into(),
                "arm:peer".into(),
            ],
            "\"arm\" is not a dimension",
        ),
        (
            vec![
                "decide".into(),
                dir.display().to_string(),
                "cen-demo-001".into(),
            ],
            "give --label include|exclude|maybe",
        ),
        (
            vec![
                "decide".into(),
                dir.display().to_string(),
                "--label".into(),
                "exclude".into(),
                "no-such-record".into(),
            ],
            "\"no-such-record\" is not a record of this review",
        ),
        (
            vec![
                "map".into(),
                dir.display().to_string(),
                "--protocol".into(),
                protocol.display().to_string(),
                "--design".into(),
                "cohort".into(),
            ],
            "\"cohort\" is not a design id",
        ),
        (
            vec![
                "screen".into(),
                crate::support::new_review().1.display().to_string(),
            ],
            "has no records: import some first",
        ),
    ] {
        let a: Vec<&dyn AsRef<std::ffi::OsStr>> = args
            .iter()
            .map(|s| s as &dyn AsRef<std::ffi::OsStr>)
            .collect();
        let o = lacuna(&a);
        assert_eq!(o.status.code(), Some(7), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
    // a reason the protocol does not list, and a bad label in a decisions sheet
    std::fs::copy(&protocol, dir.join("protocol.toml")).expect("copy");
    let o = lacuna(&[
        &"decide",
        &dir,
        &"--label",
        &"exclude",
        &"--reason",
        &"boring",
        &"cen-demo-001",
    ]);
    assert_eq!(o.status.code(), Some(7));
    assert!(
        stderr(&o).contains("\"boring\" is not an exclusion reason of the protocol"),
        "{}",
        stderr(&o)
    );
    let sheet = dir.join("d.csv");
    std::fs::write(
        &sheet,
        "key,label,reason\ncen-demo-001,include,\ncen-demo-002,perhaps,\n",
    )
    .expect("write");
    let o = lacuna(&[&"decide", &dir, &"--from", &sheet]);
    assert_eq!(o.status.code(), Some(7));
    assert!(
        stderr(&o).contains("row 3, column label: \"perhaps\""),
        "{}",
        stderr(&o)
    );
    // none of these stored a decision
    let c = rusqlite::Connection::open(dir.join("lacuna.db")).expect("db");
    let n: i64 = c
        .query_row("SELECT count(*) FROM decisions", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 0);
}

/// How many current records have the coding that coding them gives in the
/// latest run, and how many codings that run holds.
fn stored_and_expected(dir: &std::path::Path) -> (usize, usize) {
    let p = cen_protocol();
    let coder = lacuna::code::Coder::new(&p.frame);
    let review = lacuna::store::Review::open(dir).expect("open");
    let stored = lacuna::pipeline::evidence::codings(&review).expect("codings");
    let mut equal = 0;
    review
        .for_each_current(|id, r| {
            if stored.get(&id) == Some(&coder.code(&r)) {
                equal += 1;
            }
            Ok(())
        })
        .expect("records");
    (equal, stored.len())
}

/// Issue 31: records are coded and written a batch at a time, and the run
/// stored is the one coding every record gives; a run equal to the latest
/// is not stored again, and one that differs only past its first batches,
/// or by records left out at the end, is stored whole.
#[test]
fn a_run_coded_a_batch_at_a_time_stores_each_records_coding_once() {
    let (t, dir) = crate::support::new_review();
    let titles = [
        "Peer support workers for adults with borderline personality disorder: a randomised trial",
        "Dialectical behaviour therapy skills groups in community mental health teams",
        "Crisis houses as an alternative to admission: a cohort study",
        "Soil microbes in arid grassland",
    ];
    let n = 9_000;
    let mut body = String::new();
    for i in 0..n {
        body.push_str(&format!(
            "{{\"pmid\":{},\"title\":\"{} ({i})\"}}\n",
            i + 1,
            titles[i % titles.len()]
        ));
    }
    let file = t.path().join("many.jsonl");
    std::fs::write(&file, body).expect("write");
    let protocol = crate::support::root().join("protocols/complex-emotional-needs.toml");
    let code = || {
        let o = crate::support::lacuna(&[&"code", &dir, &"--protocol", &protocol, &"--json"]);
        assert_eq!(o.status.code(), Some(0), "{}", crate::support::stderr(&o));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("json")
    };
    let o = crate::support::lacuna(&[&"import", &dir, &file, &"-q"]);
    assert!(o.status.success(), "{}", crate::support::stderr(&o));

    let first = code();
    assert_eq!(first["records"], n);
    assert_eq!(stored_and_expected(&dir), (n, n));
    let run = first["run"].as_i64().expect("run");

    assert_eq!(code()["run"], run, "an equal run is not stored again");

    // A record past the first batch codes differently now (it was one of the
    // soil titles): a new run, whole.
    let changed = t.path().join("changed.jsonl");
    std::fs::write(
        &changed,
        "{\"pmid\":8000,\"title\":\"Peer support workers for adults with borderline personality disorder: a randomised trial\"}\n",
    )
    .expect("write");
    let o = crate::support::lacuna(&[&"import", &dir, &changed, &"-q"]);
    assert!(o.status.success(), "{}", crate::support::stderr(&o));
    let run2 = code()["run"].as_i64().expect("run");
    assert!(run2 > run);
    assert_eq!(stored_and_expected(&dir), (n, n));

    // Decisions leave the last records out: a new run of the included only.
    let o = crate::support::lacuna(&[&"decide", &dir, &"1", &"2", &"3", &"-l", &"include", &"-q"]);
    assert!(o.status.success(), "{}", crate::support::stderr(&o));
    let third = code();
    assert_eq!(third["records"], 3);
    assert!(third["run"].as_i64() > Some(run2));
    assert_eq!(stored_and_expected(&dir), (3, 3));
}

/// A review of 5,000 records (more than one coding batch), no decisions.
fn five_thousand_records() -> (tempfile::TempDir, std::path::PathBuf) {
    let (t, dir) = crate::support::new_review();
    let mut body = String::new();
    for i in 0..5_000 {
        body.push_str(&format!(
            "{{\"pmid\":{},\"title\":\"Peer support in crisis care ({i})\"}}\n",
            i + 1
        ));
    }
    let file = t.path().join("many.jsonl");
    std::fs::write(&file, body).expect("write");
    let o = crate::support::lacuna(&[&"import", &dir, &file, &"-q"]);
    assert!(o.status.success(), "{}", crate::support::stderr(&o));
    (t, dir)
}

/// Issue 31: a coding run stopped part-way (here the coder fails on its
/// second batch; a killed process is the same uncommitted transaction)
/// stores nothing: the previous run stays the latest and whole.
#[test]
fn a_coding_run_stopped_part_way_leaves_the_previous_run() {
    let (_t, dir) = five_thousand_records();
    let mut review = lacuna::store::Review::open(&dir).expect("open");
    review
        .save_coding_run("cen", 1, None, |batch| {
            Ok(batch
                .iter()
                .map(|(id, _)| format!("{{\"id\":{id}}}"))
                .collect())
        })
        .expect("first run");
    let mut batches = 0;
    let stopped = review.save_coding_run("cen", 2, None, |batch| {
        batches += 1;
        if batches == 2 {
            return Err(lacuna::store::StoreError::Invalid("stopped".into()));
        }
        Ok(batch.iter().map(|_| "{}".to_string()).collect())
    });
    assert!(
        matches!(stopped, Err(lacuna::store::StoreError::Invalid(ref m)) if m == "stopped"),
        "{stopped:?}"
    );
    assert_eq!(batches, 2);
    let (hash, rows) = review.latest_coding().expect("read").expect("a run");
    assert_eq!(hash, format!("{:016x}", 1));
    assert_eq!(rows.len(), 5_000);
    assert_eq!(rows.first(), Some(&(1, "{\"id\":1}".to_string())));
}

/// Issue 31: while a coding run codes, the review is only read: a team
/// server's decision, stored by another connection in the middle of the
/// run, goes in at once (a run that held the write lock while coding made
/// it wait for the busy timeout and fail), and the run is stored after it.
#[test]
fn a_decision_goes_in_while_a_coding_run_codes() {
    let (_t, dir) = five_thousand_records();
    let mut review = lacuna::store::Review::open(&dir).expect("open");
    let mut server = lacuna::store::Review::open(&dir).expect("a second connection");
    let mut batches = 0;
    let run = review
        .save_coding_run("cen", 1, None, |batch| {
            batches += 1;
            if batches == 1 {
                server.add_decision(
                    1,
                    "title_abstract",
                    lacuna::model::Label::Include,
                    None,
                    "ana",
                )?;
            }
            Ok(batch
                .iter()
                .map(|(id, _)| format!("{{\"id\":{id}}}"))
                .collect())
        })
        .expect("the run is stored");
    assert_eq!(batches, 2);
    assert_eq!(server.last_decision_id().expect("log"), 1);
    let (_, rows) = review.latest_coding().expect("read").expect("a run");
    assert_eq!(rows.len(), 5_000);
    assert!(run > 0);
}
