//! Issue 28, round 3 of the context rules, each with a case it codes and a
//! decoy it does not: what people had besides the intervention studied
//! (earlier or concurrent treatment, the contents of usual care, a share of
//! the sample), MeSH terms that do not keep such a mention, reviews that
//! name in their results what they cover, a population named only among
//! the results, samples chosen for a disadvantage, and percentages of the
//! sentence before.

use crate::support::{cen_protocol, codes_of, record};
use lacuna::code::Coding;
use lacuna::model::coding::Why;

/// A record with a title, labelled sections and MeSH terms, coded.
fn coded(title: &str, sections: &[(&str, &str)], mesh: &[&str]) -> Coding {
    let p = cen_protocol();
    let mut r = record(title, "", mesh, &[]);
    r.abstract_sections = sections
        .iter()
        .map(|(label, text)| lacuna::model::AbstractSection {
            label: Some(label.to_string()),
            nlm_category: Some(label.to_string()),
            text: text.to_string(),
        })
        .collect();
    codes_of(&p, &r)
}

fn of(c: &Coding, dimension: &str) -> Vec<String> {
    c.codes
        .iter()
        .filter(|x| x.dimension == dimension)
        .map(|x| x.category.clone())
        .collect()
}

fn why(c: &Coding, category: &str) -> Option<Why> {
    c.set_aside
        .iter()
        .find(|s| s.category == category)
        .map(|s| Why::of_reason(&s.reason))
}

const DBT_TRIAL: &str = "Dialectical behaviour therapy for adults with borderline personality disorder: a randomised trial";

#[test]
fn what_people_had_besides_the_intervention_is_not_what_was_studied() {
    // earlier treatment, concurrent medication (the title names no
    // intervention, so only this rule sets them aside)
    for methods in [
        "Participants had previously received cognitive analytic therapy.",
        "During follow-up, many were taking antidepressants.",
        "Concurrent antipsychotic medication was allowed.",
        "Most participants (71%) were taking antidepressants.",
    ] {
        let c = coded(
            "Outcomes of a randomised trial for adults with borderline personality disorder",
            &[(
                "METHODS",
                &format!("Adults were randomised to DBT or a waiting list. {methods}"),
            )],
            &[],
        );
        assert_eq!(of(&c, "intervention"), ["psych.dbt"], "{methods}");
        assert!(
            c.set_aside
                .iter()
                .any(|s| Why::of_reason(&s.reason) == Why::Setting),
            "{methods}: {:?}",
            c.set_aside
        );
    }
    // the contents of usual care
    let c = coded(
        "N-acetylcysteine for self-harm in young people: a placebo-controlled trial",
        &[(
            "METHODS",
            "Usual care, comprising case management and cognitive analytic therapy, continued in both arms.",
        )],
        &[],
    );
    assert_eq!(of(&c, "intervention"), ["pharm"]);
    assert_eq!(why(&c, "psych.cat"), Some(Why::Setting));
    // decoy: arms compared after the cue are both studied
    let c = coded(
        "Two treatments for borderline personality disorder: a randomised trial",
        &[(
            "METHODS",
            "Adults who had previously received CBT were randomised to DBT or to good psychiatric management.",
        )],
        &[],
    );
    let iv = of(&c, "intervention");
    assert!(
        iv.contains(&"psych.dbt".to_string()) && iv.contains(&"psych.gpm_scm".to_string()),
        "{iv:?}"
    );
    // decoy: with nothing else studied, the one named is the intervention
    let c = coded(
        "Outcomes in a cohort of adults with borderline personality disorder",
        &[(
            "METHODS",
            "All participants received mentalisation-based treatment.",
        )],
        &[],
    );
    assert_eq!(of(&c, "intervention"), ["psych.mbt"]);
}

#[test]
fn a_mesh_term_does_not_keep_what_people_had_besides() {
    let methods = [("METHODS", "Most had been prescribed antidepressants.")];
    let c = coded(
        DBT_TRIAL,
        &methods,
        &["Antidepressive Agents/therapeutic use"],
    );
    assert_eq!(of(&c, "intervention"), ["psych.dbt"]);
    // decoy: a drug trial's MeSH term and its own words code it
    let c = coded(
        "Lamotrigine for borderline personality disorder: a randomised placebo-controlled trial",
        &methods,
        &["Anticonvulsants/therapeutic use"],
    );
    assert_eq!(of(&c, "intervention"), ["pharm"]);
}

#[test]
fn a_review_names_in_its_results_what_it_covers() {
    let results = (
        "RESULTS",
        "Included trials evaluated schema therapy and cognitive analytic therapy.",
    );
    let c = coded(
        "Psychological therapies for borderline personality disorder: a systematic review",
        &[("METHODS", "We searched five databases."), results],
        &[],
    );
    let iv = of(&c, "intervention");
    assert!(
        iv.contains(&"psych.schema".to_string()) && iv.contains(&"psych.cat".to_string()),
        "{iv:?}"
    );
    // decoy: a trial's results name findings, not what it studied
    let c = coded(
        "Outcomes of a day programme: a cohort study",
        &[("METHODS", "Adults attended a day programme."), results],
        &[],
    );
    assert_eq!(why(&c, "psych.schema"), Some(Why::Finding));
}

#[test]
fn a_population_named_only_among_the_results_is_not_the_sample() {
    let c = coded(
        DBT_TRIAL,
        &[
            ("METHODS", "Adults were randomised to DBT or usual care."),
            ("RESULTS", "Co-occurring substance use predicted dropout."),
            (
                "CONCLUSIONS",
                "Services should address co-occurring substance misuse.",
            ),
        ],
        &[],
    );
    assert!(of(&c, "population").is_empty(), "{:?}", c.codes);
    assert_eq!(why(&c, "substance_use"), Some(Why::Finding));
    // decoy: named in the methods, it is the sample
    let c = coded(
        DBT_TRIAL,
        &[(
            "METHODS",
            "Adults with co-occurring substance use disorders were recruited.",
        )],
        &[],
    );
    assert_eq!(of(&c, "population"), ["substance_use"]);
}

#[test]
fn a_sample_chosen_for_a_disadvantage_codes_its_equity_factor() {
    // a youth foyer: no equity word, the population codes the factor
    let c = coded(
        "Skills groups for residents of a youth foyer: a cohort study",
        &[(
            "METHODS",
            "Residents of the foyer were followed for two years.",
        )],
        &[],
    );
    assert!(
        of(&c, "population").contains(&"homelessness".to_string()),
        "{:?}",
        c.codes
    );
    assert_eq!(of(&c, "equity"), ["equity.ses"]);
    // decoy: a share of the sample is neither the population nor a factor
    let c = coded(
        DBT_TRIAL,
        &[("METHODS", "Of 120 adults, 12% were homeless at entry.")],
        &[],
    );
    assert!(of(&c, "population").is_empty(), "{:?}", c.codes);
    assert!(of(&c, "equity").is_empty(), "{:?}", c.codes);
}

#[test]
fn a_percentage_of_the_sentence_before_does_not_describe_the_factor() {
    let results = |second: &str| {
        coded(
            DBT_TRIAL,
            &[(
                "RESULTS",
                &format!("Self-harm fell in both arms (from 62% to 40%). {second}"),
            )],
            &[],
        )
    };
    let c = results("Age moderated change: older participants improved less.");
    assert_eq!(of(&c, "equity"), ["equity.age"]);
    // decoy: a percentage in its own sentence describes the sample
    let c = results("In all, 78% were women.");
    assert!(of(&c, "equity").is_empty(), "{:?}", c.codes);
}
