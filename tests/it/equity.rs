//! The equity lens (PROGRESS-Plus): a factor is coded when a study reports
//! results by it or chose its sample for it, never when the factor only
//! describes the sample, and not when the abstract says it was not
//! analysed. For each of the eleven factors: a positive, a baseline-only
//! decoy and a negation, written from the definitions as abstracts say
//! them (issue 28).

use crate::support::{cen_protocol, codes_of, lacuna, new_review, record, stderr, stdout};
use lacuna::code::Coding;
use lacuna::protocol::{parse, DimensionKind, Protocol};

/// One abstract: a neutral opening, the sentence under test, a neutral close.
fn code(p: &Protocol, sentence: &str) -> Coding {
    let abs = format!(
        "We evaluated a 12-month psychological intervention for adults with complex emotional needs in community mental health services. {sentence} The intervention was acceptable to participants and staff."
    );
    codes_of(
        p,
        &record(
            "A randomised trial of a community intervention for complex emotional needs",
            &abs,
            &[],
            &[],
        ),
    )
}

fn equity(c: &Coding) -> Vec<String> {
    c.ids(DimensionKind::Equity).map(str::to_string).collect()
}

/// The reasons the coder gave for setting aside hits of `category`.
fn reasons(c: &Coding, category: &str) -> Vec<String> {
    c.set_aside
        .iter()
        .filter(|s| s.category == category)
        .map(|s| s.reason.clone())
        .collect()
}

/// `positive` codes `category` (with the sentence's words as evidence);
/// `baseline` does not, set aside as describing the sample; `negation`
/// does not, set aside as not analysed.
fn check(category: &str, positive: &str, baseline: &str, negation: &str) {
    let p = cen_protocol();
    let c = code(&p, positive);
    assert!(
        equity(&c).contains(&category.to_string()),
        "{category} not coded from {positive:?}: {:?} set aside {:?}",
        equity(&c),
        reasons(&c, category)
    );
    let coded = c
        .codes
        .iter()
        .find(|x| x.category == category)
        .expect("the code");
    assert!(
        coded
            .evidence
            .iter()
            .all(|e| e.span.is_some() && positive.contains(&e.text)),
        "{category}: evidence is a span of the sentence: {:?}",
        coded.evidence
    );
    let c = code(&p, baseline);
    assert!(
        !equity(&c).contains(&category.to_string()),
        "{category} coded from the baseline description {baseline:?}"
    );
    let why = reasons(&c, category);
    assert!(
        !why.is_empty() && why.iter().all(|r| r.contains("describes the sample")),
        "{category} in {baseline:?}: {why:?}"
    );
    let c = code(&p, negation);
    assert!(
        !equity(&c).contains(&category.to_string()),
        "{category} coded from the negation {negation:?}"
    );
    let why = reasons(&c, category);
    assert!(
        !why.is_empty() && why.iter().all(|r| r.contains("not analysed by it")),
        "{category} in {negation:?}: {why:?}"
    );
}

#[test]
fn place_of_residence() {
    check(
        "equity.place",
        "Effects on self-harm were moderated by rurality: participants in rural settings improved less than those in cities (interaction p = 0.03).",
        "At baseline, the arms did not differ in the share of participants living in rural areas (41% vs 44%).",
        "Outcomes were not stratified by rural or urban residence because the trial was not powered for subgroup analyses.",
    );
}

#[test]
fn race_ethnicity_culture_language() {
    check(
        "equity.race_ethnicity",
        "Reductions in self-harm were similar across ethnic groups, and ethnicity did not moderate the treatment effect.",
        "At baseline, 38% of participants were from Black and minority ethnic groups, with no difference between arms.",
        "Ethnicity was not recorded, so differences by ethnic group could not be examined.",
    );
}

#[test]
fn occupation() {
    check(
        "equity.occupation",
        "In subgroup analyses, unemployed participants benefited less from the intervention than those in paid work.",
        "Most participants were unemployed at entry (68% in the intervention arm and 71% in the control arm).",
        "Employment status was not assessed, so we could not examine whether effects differed by occupation.",
    );
}

#[test]
fn gender_sex() {
    check(
        "equity.gender_sex",
        "Treatment effects on suicidal behaviour differed by gender, with larger reductions among women than men.",
        "Participants (78% women; mean age 31 years) were comparable between arms at baseline.",
        "Analyses were not stratified by sex because only 12 men were enrolled.",
    );
    // the plainest baseline sentences
    let p = cen_protocol();
    let c = code(&p, "Of the 120 participants, 78 % were women.");
    assert!(equity(&c).is_empty(), "{:?}", equity(&c));
    assert_eq!(
        reasons(&c, "equity.gender_sex"),
        ["describes the sample, not results by it (\"were women\")"]
    );
    let c = code(
        &p,
        "The 120 participants (78.5 % female) had a median of four previous admissions.",
    );
    assert!(equity(&c).is_empty(), "{:?}", equity(&c));
    assert_eq!(
        reasons(&c, "equity.gender_sex"),
        ["describes the sample, not results by it (a percentage)"]
    );
}

#[test]
fn religion() {
    check(
        "equity.religion",
        "Religious affiliation moderated outcomes: participants who described themselves as having no religion showed smaller gains.",
        "At baseline, 41% of participants reported a religious affiliation, and the groups were balanced.",
        "Religion was not recorded and could not be examined as a moderator.",
    );
}

#[test]
fn education() {
    check(
        "equity.education",
        "Participants with lower educational attainment benefited more from the intervention (interaction p = 0.02).",
        "The groups were comparable at baseline in years of education.",
        "Education level was not collected, so results could not be analysed by schooling.",
    );
}

#[test]
fn socioeconomic_status() {
    check(
        "equity.ses",
        "Effects on self-harm were larger in participants with low household income, and the interaction between income and treatment was significant (p = 0.01).",
        "At baseline, 62% of participants reported a household income below the poverty line.",
        "Socioeconomic status was not measured, and differences by income could not be explored.",
    );
}

#[test]
fn social_capital() {
    check(
        "equity.social_capital",
        "Participants who lived alone benefited less than those living with others.",
        "At baseline, 45% lived alone and mean social network size was similar between groups.",
        "Social support was not assessed, so its role as a moderator could not be tested.",
    );
}

#[test]
fn age() {
    check(
        "equity.age",
        "Age moderated the effect on self-harm: younger participants improved more than older participants.",
        "Participants had a mean age of 31 years (SD 9), and the groups did not differ in age at baseline.",
        "Differences by age group were not examined because few participants were older than 50.",
    );
}

#[test]
fn disability() {
    check(
        "equity.disability",
        "We adapted the skills groups for adults with intellectual disabilities in community learning disability services.",
        "At baseline, 9% of participants reported a physical disability, with no difference between groups.",
        "Disability status was not recorded, so outcomes for disabled participants could not be examined.",
    );
}

#[test]
fn sexual_orientation() {
    check(
        "equity.sexual_orientation",
        "Sexual minority young people reported larger reductions in self-harm than heterosexual young people (interaction p = 0.04).",
        "At baseline, 12% of participants identified as lesbian, gay or bisexual.",
        "Sexual orientation was not assessed, so effects in sexual minority participants could not be examined.",
    );
}

#[test]
fn a_factor_named_only_in_an_exclusion_criterion_or_without_results_is_not_coded() {
    let p = cen_protocol();
    let c = code(
        &p,
        "People aged over 65 and those with a learning disability were excluded.",
    );
    assert!(equity(&c).is_empty(), "{:?}", equity(&c));
    assert!(reasons(&c, "equity.disability")
        .iter()
        .all(|r| r.starts_with("in an exclusion criterion")));
    let c = code(
        &p,
        "Women with borderline personality disorder attended weekly sessions.",
    );
    assert!(equity(&c).is_empty(), "{:?}", equity(&c));
    assert!(reasons(&c, "equity.gender_sex")
        .iter()
        .all(|r| r.starts_with("named, but no results by it")));
    // the factor as what predicts: coded
    let c = code(&p, "Younger age predicted dropout from treatment.");
    assert_eq!(equity(&c), ["equity.age"]);
    // a negation reaches its own factor, not one analysed before it
    let c = code(
        &p,
        "Gender moderated the effect on self-harm, but age was not examined.",
    );
    assert_eq!(equity(&c), ["equity.gender_sex"]);
    // an outcome compared between the trial arms is not a result by a factor
    let c = code(
        &p,
        "Social support scores differed between groups at 12 months.",
    );
    assert!(equity(&c).is_empty(), "{:?}", equity(&c));
}

#[test]
fn descriptions_of_the_design_or_the_sample_are_not_results_by_a_factor() {
    let p = cen_protocol();
    for sentence in [
        "Randomisation was stratified by site, sex and age group.",
        "Participants were aged 18 to 25 and were followed from age 18 until age 21.",
        "The sample was 94% female, 42% White and 30% Hispanic/Latino.",
        "Self-harm fell similarly in both groups, and the proportion of women did not differ between arms.",
        "Multilevel models were employed to explore associations between therapist adherence and outcome.",
        "No studies have examined whether the effects differ by ethnicity or income.",
        "We examined predictors of outcome among women with borderline personality disorder.",
        "Randomisation used permuted blocks stratified by sex and baseline severity.",
    ] {
        let c = code(&p, sentence);
        assert!(
            equity(&c).is_empty(),
            "{sentence:?} coded {:?}",
            c.codes
                .iter()
                .filter(|x| x.dimension == "equity")
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_sample_chosen_for_a_factor_codes_it_without_an_analysis_cue() {
    let p = cen_protocol();
    for (sentence, id) in [
        // area deprivation is socioeconomic status, not place (the blind
        // set's adjudicated labels)
        (
            "We recruited adults living in the most deprived areas of Glasgow.",
            "equity.ses",
        ),
        (
            "A culturally adapted dialectical behaviour therapy was delivered to Latina adolescents.",
            "equity.race_ethnicity",
        ),
        (
            "Participants were rural residents referred by their general practitioner.",
            "equity.place",
        ),
        (
            "The trial enrolled low-income mothers attending community clinics.",
            "equity.ses",
        ),
    ] {
        let c = code(&p, sentence);
        assert!(
            equity(&c).contains(&id.to_string()),
            "{id} not coded from {sentence:?}: {:?}",
            c.set_aside
        );
        let ev = &c
            .codes
            .iter()
            .find(|x| x.category == id)
            .expect("code")
            .evidence;
        assert!(
            ev.iter().any(|e| e.rule.contains("a sample chosen for it")),
            "{ev:?}"
        );
    }
}

#[test]
fn the_cen_protocol_has_the_eleven_progress_plus_factors() {
    let p = cen_protocol();
    let ids: Vec<&str> = p
        .frame
        .of(DimensionKind::Equity)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "equity.place",
            "equity.race_ethnicity",
            "equity.occupation",
            "equity.gender_sex",
            "equity.religion",
            "equity.education",
            "equity.ses",
            "equity.social_capital",
            "equity.age",
            "equity.disability",
            "equity.sexual_orientation"
        ]
    );
    assert!(p
        .frame
        .of(DimensionKind::Equity)
        .all(|c| !c.label.contains('.') && c.label.chars().next().is_some_and(char::is_uppercase)));
    let o = lacuna(&[
        &"protocol",
        &crate::support::root().join("protocols/complex-emotional-needs.toml"),
    ]);
    assert!(
        stdout(&o).contains("11 equity categories"),
        "{}",
        stdout(&o)
    );
}

const BASE: &str = r#"
[meta]
id = "t"
title = "t"
[question]
primary = "q"
[coding]
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

const EQUITY: &str = r#"
[[coding.equity]]
id = "equity.gender_sex"
label = "Gender or sex"
tiab = ["women"]
"#;

#[test]
fn the_protocol_checks_the_equity_dimension() {
    // a protocol without equity categories still loads
    let p = parse("ok.toml".as_ref(), BASE).expect("loads");
    assert_eq!(p.frame.of(DimensionKind::Equity).count(), 0);
    // equity categories need their context rules
    let e = parse("p.toml".as_ref(), &format!("{BASE}{EQUITY}")).expect_err("refused");
    assert_eq!(e.key, "coding.equity_context", "{e}");
    assert!(e.message.contains("analysis_cues"), "{e}");
    let ctx = "\n[coding.equity_context]\nanalysis_cues = [\"differ*\"]\n";
    let p = parse("ok.toml".as_ref(), &format!("{BASE}{EQUITY}{ctx}")).expect("loads");
    assert_eq!(p.frame.equity_context.window, 6);
    // a cue that is not a word pattern, named by its key
    let bad = ctx.replace("\"differ*\"", "\"differ(s)?\"");
    let e = parse("p.toml".as_ref(), &format!("{BASE}{EQUITY}{bad}")).expect_err("refused");
    assert_eq!(e.key, "coding.equity_context.analysis_cues[0]", "{e}");
    // `sample` belongs to equity categories only
    let e = parse(
        "p.toml".as_ref(),
        &BASE.replace(
            "tiab = [\"older adult*\"]",
            "tiab = [\"older adult*\"]\nsample = [\"older adult*\"]",
        ),
    )
    .expect_err("refused");
    assert_eq!(e.key, "coding.population[0].sample", "{e}");
    let e = parse(
        "p.toml".as_ref(),
        &format!("{BASE}{EQUITY}{}", ctx.replace("]\n", "]\nwindow = 0\n")),
    )
    .expect_err("refused");
    assert_eq!(e.key, "coding.equity_context.window", "{e}");
}

#[test]
fn code_review_shows_the_evidence_of_each_equity_code() {
    let (_t, dir) = new_review();
    let file = dir.parent().expect("parent").join("equity.jsonl");
    let rec = |id: &str, title: &str, abs: &str| {
        serde_json::json!({"schema_version": 1, "kind": "article", "source_id": id, "title": title, "abstract": abs})
            .to_string()
    };
    std::fs::write(
        &file,
        [
            rec(
                "eq-1",
                "Dialectical behaviour therapy for self-harm: a randomised trial",
                "Adults who self-harm were randomised to dialectical behaviour therapy or usual care. Self-harm was reduced at 12 months. Treatment effects differed by gender, with larger reductions among women.",
            ),
            rec(
                "eq-2",
                "Dialectical behaviour therapy in a community service",
                "We randomised 80 adults (78% women) to dialectical behaviour therapy. Self-harm was reduced.",
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
    let o = lacuna(&[&"code", &dir, &"--review", &"--record", &"src:eq-1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("+ equity:equity.gender_sex"), "{text}");
    assert!(
        text.contains("tiab \"gender\" (results by it: \"differed\") in abstract: \"gender\""),
        "{text}"
    );
    let o = lacuna(&[
        &"code",
        &dir,
        &"--review",
        &"--record",
        &"src:eq-2",
        &"--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let aside = v[0]["coding"]["set_aside"].as_array().expect("set aside");
    let women = aside
        .iter()
        .find(|s| s["category"] == "equity.gender_sex")
        .expect("the baseline hit is shown");
    assert_eq!(women["evidence"]["text"], "women");
    assert!(women["evidence"]["span"].is_array(), "{women}");
    assert!(
        women["reason"]
            .as_str()
            .is_some_and(|r| r.contains("describes the sample")),
        "{women}"
    );
}

fn map_json(dir: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"map", &dir, &"--json", &"-q"];
    for e in extra {
        args.push(e);
    }
    let o = lacuna(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("map JSON")
}

fn list<'a>(v: &'a serde_json::Value, key: &str) -> &'a Vec<serde_json::Value> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} is a list"))
}

/// Completed studies of the map's JSON that report by factor `id`.
fn reporting_by(m: &serde_json::Value, id: &str) -> usize {
    list(m, "studies")
        .iter()
        .filter(|s| s["status"] == "completed" && list(s, "equity").iter().any(|x| x == id))
        .count()
}

#[test]
fn the_map_counts_studies_by_equity_factor_and_lists_the_equity_gaps() {
    let (_t, dir) = crate::support::demo_review();
    let m = map_json(&dir, &[]);
    let factors = list(&m, "equity");
    assert_eq!(factors.len(), 11);
    for f in factors {
        let id = f["id"].as_str().expect("id");
        assert_eq!(f["n_studies"], reporting_by(&m, id) as u64, "{id}");
    }
    // an equity gap: a factor no completed study reports by, with its label
    let want: Vec<(String, String)> = factors
        .iter()
        .filter(|f| f["n_studies"] == 0)
        .map(|f| (f["id"].to_string(), f["label"].to_string()))
        .collect();
    let gaps: Vec<(String, String)> = list(&m, "equity_gaps")
        .iter()
        .map(|g| (g["id"].to_string(), g["label"].to_string()))
        .collect();
    assert_eq!(gaps, want);
    let gap_ids: Vec<&str> = list(&m, "equity_gaps")
        .iter()
        .filter_map(|g| g["id"].as_str())
        .collect();
    // the demo's DBT for older adults is an older-adults study (the
    // population table), not results by age (both rounds of the blind set
    // were labelled so); no demo study reports results by age, nor by
    // income, deprivation or poverty
    assert!(gap_ids.contains(&"equity.age"), "{gap_ids:?}");
    assert!(gap_ids.contains(&"equity.ses"), "{gap_ids:?}");
    assert!(
        list(&m, "studies")
            .iter()
            .any(|s| s["status"] == "completed"
                && list(s, "populations").iter().any(|p| p == "older_adults")),
        "an older-adults study in the population table"
    );
    // per intervention row: the completed studies that report by any factor
    for iv in list(&m, "interventions") {
        let id = iv["id"].as_str().expect("id");
        let n = list(&m, "studies")
            .iter()
            .filter(|s| {
                s["status"] == "completed"
                    && list(s, "interventions").iter().any(|x| x == id)
                    && !list(s, "equity").is_empty()
            })
            .count();
        assert_eq!(iv["n_equity"].as_u64().unwrap_or(0), n as u64, "{id}");
    }
    // as the briefing this project serves found: no demo study reports
    // results by any factor (its DBT for older adults is an older-adults
    // study, in the population table)
    assert!(list(&m, "interventions")
        .iter()
        .all(|iv| iv["n_equity"].as_u64().unwrap_or(0) == 0));
    assert_eq!(gap_ids.len(), 11, "{gap_ids:?}");
    let o = lacuna(&[&"map", &dir]);
    let text = stdout(&o);
    assert!(
        text.contains(&format!(
            "equity gaps (no study reports by): {}",
            gap_ids.join(", ")
        )),
        "{text}"
    );
}

#[test]
fn a_map_frozen_before_the_equity_lens_still_reads() {
    let (_t, dir) = crate::support::demo_review();
    let mut m = map_json(&dir, &[]);
    let o = m.as_object_mut().expect("object");
    o.remove("equity");
    o.remove("equity_gaps");
    for s in o
        .get_mut("studies")
        .and_then(|s| s.as_array_mut())
        .expect("studies")
    {
        s.as_object_mut().expect("study").remove("equity");
    }
    let back: lacuna::gapmap::Map = serde_json::from_value(m).expect("an older map reads");
    assert!(back.equity.is_empty() && back.equity_gaps.is_empty());
    assert!(back.studies.iter().all(|s| s.equity.is_empty()));
}

/// The page in Chromium (playwright-core in tests/browser, as for the other
/// page tests): the equity tables say what the library says, under the
/// page's filter too, with no network and labels rather than ids.
#[test]
fn the_map_page_shows_the_equity_table() {
    let (_t, dir) = crate::support::demo_review();
    // no demo study reports results by a factor: a person adds one, so the
    // page has a factor with studies to name
    let o = lacuna(&[
        &"code",
        &dir,
        &"--record",
        &"31173128",
        &"--add",
        &"equity:equity.gender_sex",
        &"--reviewer",
        &"ana",
        &"--note",
        &"results are reported for women and men separately",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let all = map_json(&dir, &[]);
    let rct = map_json(&dir, &["--design", "rct"]);
    let page = dir.join("reports/gapmap.html");
    let r = crate::support::run_browser("equity.mjs", &[&page, &"rct"]);
    for k in ["console_errors", "page_errors", "requests"] {
        assert_eq!(r[k], serde_json::json!([]), "{k}: {r}");
    }
    let counts = |m: &serde_json::Value| -> serde_json::Value {
        list(m, "equity")
            .iter()
            .map(|f| {
                (
                    f["id"].as_str().expect("id").to_string(),
                    f["n_studies"].clone(),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    assert_eq!(r["all"]["factors"], counts(&all), "{r}");
    assert_eq!(r["filtered"]["factors"], counts(&rct), "{r}");
    let gap_ids: Vec<serde_json::Value> = list(&all, "equity_gaps")
        .iter()
        .map(|g| g["id"].clone())
        .collect();
    assert_eq!(r["all"]["gap_rows"], serde_json::Value::Array(gap_ids));
    assert!(
        r["all"]["gaps"]
            .as_str()
            .is_some_and(|g| g.starts_with("Equity gaps") && g.contains("Socioeconomic status")),
        "{r}"
    );
    let rows: serde_json::Map<String, serde_json::Value> = list(&all, "interventions")
        .iter()
        .filter(|iv| iv["n_studies"].as_u64() > Some(0))
        .map(|iv| {
            (
                iv["id"].as_str().expect("id").to_string(),
                serde_json::json!(iv["n_equity"].as_u64().unwrap_or(0)),
            )
        })
        .collect();
    assert_eq!(r["all"]["rows"], serde_json::Value::Object(rows), "{r}");
    // a factor some study reports by names those studies
    let reported = list(&all, "equity")
        .iter()
        .find(|f| f["n_studies"].as_u64() > Some(0))
        .and_then(|f| f["id"].as_str())
        .expect("a factor the demo reports by");
    assert!(
        r["all"]["which"][reported]
            .as_str()
            .is_some_and(|w| !w.is_empty() && !w.contains("none")),
        "{reported}: {r}"
    );
    assert_eq!(r["all"]["ids_in_text"], serde_json::json!([]), "{r}");
}

#[test]
fn the_briefing_lists_the_equity_gaps_for_funders() {
    let t = tempfile::tempdir().expect("tmp");
    let dir = t.path().join("demo");
    let o = lacuna(&[&"demo", &"--out", &dir, &"--no-pdf", &"-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::path::PathBuf::from(stdout(&o).lines().last().expect("the briefing's path"));
    let md = std::fs::read_to_string(page.with_file_name("briefing.md")).expect("markdown");
    let html = std::fs::read_to_string(&page).expect("html");
    let map = map_json(&dir, &[]);
    let labels: Vec<String> = list(&map, "equity_gaps")
        .iter()
        .map(|g| {
            let l = g["label"].as_str().expect("label");
            l.split(" (").next().unwrap_or(l).to_string()
        })
        .collect();
    assert!(!labels.is_empty());
    let funders = md
        .split("### Equity gaps")
        .nth(1)
        .expect("an equity-gaps part for funders");
    let said = funders.split("\n\n").nth(1).expect("its paragraph");
    // every factor is a gap in the demo: the sentence says so, naming each
    assert_eq!(labels.len(), 11);
    assert!(
        said.contains(&format!(
            "No included study reports results by any equity factor (PROGRESS-Plus): not by {}.",
            labels.join("; ")
        )),
        "{said}"
    );
    assert!(md.find("## For funders") < md.find("### Equity gaps"));
    // the map's equity table, beside the population table, by factor label
    assert!(html.contains("id=\"equity-table\""), "the equity table");
    let table = md
        .split("### Equity: results by PROGRESS-Plus factors")
        .nth(1)
        .expect("the equity table");
    assert!(
        table.contains("| Socioeconomic status | 0 | none: an equity gap |"),
        "{table}"
    );
    assert!(!table.contains("equity."), "labels, never ids");
}
