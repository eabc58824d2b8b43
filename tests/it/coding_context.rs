//! Issue 28, round 2 of the context rules: each with a case it codes and a
//! decoy it does not: a service as the study's setting, groups compared
//! within a sample, staff and agencies, an abbreviation as the same
//! mention, a qualitative study's themes, and a record that studies
//! nothing.

use crate::support::{cen_protocol, codes_of, record};
use lacuna::model::coding::Why;
use lacuna::protocol::DimensionKind;

fn ids(title: &str, abs: &str, d: DimensionKind) -> Vec<String> {
    let p = cen_protocol();
    codes_of(&p, &record(title, abs, &[], &[]))
        .codes
        .iter()
        .filter(|c| c.dimension == d.as_str())
        .map(|c| c.category.clone())
        .collect()
}

fn reasons(title: &str, abs: &str) -> Vec<(String, String)> {
    let p = cen_protocol();
    codes_of(&p, &record(title, abs, &[], &[]))
        .set_aside
        .into_iter()
        .map(|s| (s.category, s.reason))
        .collect()
}

/// The kind of the first set-aside hit of `category`.
fn why(title: &str, abs: &str, category: &str) -> Option<Why> {
    reasons(title, abs)
        .into_iter()
        .find(|(c, _)| c == category)
        .map(|(_, r)| Why::of_reason(&r))
}

#[test]
fn a_service_named_as_the_setting_is_not_the_intervention_studied() {
    let iv = |t: &str, a: &str| ids(t, a, DimensionKind::Intervention);
    // the setting of another intervention
    let t = "Mentalisation-based group therapy in a community personality disorder service: a cohort study";
    assert_eq!(iv(t, ""), ["psych.mbt"]);
    assert_eq!(why(t, "", "service.specialist_pd"), Some(Why::Setting));
    assert_eq!(
        iv(
            "Schema therapy for adults managed in generic CMHTs: a pilot randomised trial",
            ""
        ),
        ["psych.schema"]
    );
    // a part of another intervention
    assert_eq!(
        iv(
            "Cognitive analytic therapy for young people: a randomised trial",
            "The programme combined weekly therapy sessions, case management and family meetings."
        ),
        ["psych.cat"]
    );
    // the service is what was studied: no other intervention
    assert_eq!(
        iv(
            "Outcomes of adults treated in a partial hospitalisation programme for borderline personality disorder",
            ""
        ),
        ["service.specialist_pd"]
    );
    // named without a setting cue it is studied beside the other one
    let both = iv(
        "A specialist personality disorder service offering DBT: a service evaluation",
        "",
    );
    assert!(
        both.contains(&"service.specialist_pd".to_string())
            && both.contains(&"psych.dbt".to_string()),
        "{both:?}"
    );
}

#[test]
fn groups_compared_or_staff_are_not_the_sample() {
    let pop = |t: &str, a: &str| ids(t, a, DimensionKind::Population);
    assert!(pop(
        "Outcomes of DBT among Black, Hispanic and White patients with borderline personality disorder",
        ""
    )
    .is_empty());
    assert_eq!(
        pop(
            "A culturally adapted DBT group for Black and minority ethnic women with borderline personality disorder",
            ""
        ),
        ["ethnic_minority"]
    );
    assert!(pop(
        "Personality disorder awareness training for criminal justice agencies: a before-and-after study",
        ""
    )
    .is_empty());
    assert_eq!(
        pop(
            "Mentalisation-based treatment for men on probation with antisocial personality disorder",
            ""
        ),
        ["criminal_justice"]
    );
}

#[test]
fn an_abbreviation_in_brackets_is_the_same_mention() {
    // the full name is the comparator; its abbreviation is no second,
    // uncued hit that would code generic care
    let iv = ids(
        "Structured clinical management",
        "Structured clinical management was compared with care in generic community mental health teams (CMHTs).",
        DimensionKind::Intervention,
    );
    assert_eq!(iv, ["psych.gpm_scm"]);
    // an abbreviation that follows no hit of its category is a hit
    let iv = ids(
        "Redesigning care for personality disorder",
        "Two (CMHTs) were redesigned around a shared formulation and their caseloads were followed up.",
        DimensionKind::Intervention,
    );
    assert_eq!(iv, ["service.cmht_generic"]);
}

#[test]
fn a_qualitative_study_alone_codes_views_of_care_not_symptoms() {
    let out = |t: &str, a: &str| ids(t, a, DimensionKind::Outcome);
    let t = "Service users' experiences of a crisis house: a qualitative interview study";
    let a = "RESULTS: Participants described anxiety before admission and fewer hospital admissions afterwards.";
    assert_eq!(out(t, a), ["experience_stigma"]);
    assert_eq!(why(t, a, "service_use"), Some(Why::ByDesign));
    // with a quantitative design beside it, the measured outcomes stay
    let t = "A crisis house for people with personality disorder: a mixed-methods evaluation with a cohort study";
    let got = out(t, a);
    assert!(
        got.contains(&"service_use".to_string()) && got.contains(&"experience_stigma".to_string()),
        "{got:?}"
    );
}

#[test]
fn a_record_that_studies_nothing_measures_nothing() {
    let out = |t: &str, a: &str| ids(t, a, DimensionKind::Outcome);
    assert!(out(
        "The neurobiology of emotion dysregulation: implications for borderline personality disorder",
        "Emotion dysregulation is a core feature of the condition; reduced prefrontal control is described."
    )
    .is_empty());
    // an intervention without a named design still measured its outcome
    assert_eq!(
        out(
            "Dialectical behaviour therapy reduced self-harm in adolescents",
            ""
        ),
        ["self_harm_suicidality"]
    );
}

/// The interventions of a record with a title and labelled sections.
fn sectioned(title: &str, sections: &[(&str, &str)]) -> lacuna::code::Coding {
    let p = cen_protocol();
    let mut r = record(title, "", &[], &[]);
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

#[test]
fn an_intervention_named_only_among_the_results_is_a_finding() {
    let t = "Living in a crisis house: a qualitative study of residents' experiences";
    let results = (
        "RESULTS",
        "Residents valued peer support from other residents and calm staff.",
    );
    let c = sectioned(
        t,
        &[("METHODS", "Twelve residents were interviewed."), results],
    );
    let iv: Vec<&str> = c
        .codes
        .iter()
        .filter(|c| c.dimension == "intervention")
        .map(|c| c.category.as_str())
        .collect();
    assert_eq!(iv, ["service.crisis"]);
    let peer = c
        .set_aside
        .iter()
        .find(|s| s.category == "peer")
        .map(|s| Why::of_reason(&s.reason));
    assert_eq!(peer, Some(Why::Finding));
    // named in the methods too, it is what was studied (here the title
    // names no intervention; one it named would make a methods-only
    // mention context)
    let c = sectioned(
        "Residents' experiences of support: a qualitative study",
        &[
            ("METHODS", "Residents were offered peer support workers."),
            results,
        ],
    );
    assert!(c.codes.iter().any(|c| c.category == "peer"), "{c:?}");
}

#[test]
fn a_population_word_that_is_a_covariate_an_outcome_or_background_is_not_the_sample() {
    let pop = |t: &str, sections: &[(&str, &str)]| -> Vec<String> {
        sectioned(t, sections)
            .codes
            .iter()
            .filter(|c| c.dimension == "population")
            .map(|c| c.category.clone())
            .collect()
    };
    let t = "Dialectical behaviour therapy in routine care: a cohort study";
    // a covariate
    let covariate = (
        "METHODS",
        "Models were adjusted for age, sex and substance misuse.",
    );
    assert!(pop(t, &[covariate]).is_empty());
    // measured as an outcome, unless a sample word puts it in the sample
    let measured = (
        "METHODS",
        "Outcomes were arrests, homelessness and self-harm.",
    );
    assert!(pop(t, &[measured]).is_empty());
    let among = (
        "METHODS",
        "Outcomes were recorded among homeless adults for twelve months.",
    );
    assert_eq!(pop(t, &[among]), ["homelessness"]);
    // the background describes the problem, not the sample
    let background = (
        "BACKGROUND",
        "Borderline personality disorder often emerges in adolescence.",
    );
    assert!(pop(t, &[background]).is_empty());
    let methods = (
        "METHODS",
        "We recruited 80 adolescents attending a youth service.",
    );
    assert_eq!(pop(t, &[methods]), ["young_people"]);
}

#[test]
fn a_population_or_equity_mesh_term_counts_only_beside_a_text_hit() {
    let p = cen_protocol();
    let mesh = |abs: &str, terms: &[&str], d: DimensionKind| -> Vec<String> {
        codes_of(&p, &record("A cohort study of DBT", abs, terms, &[]))
            .codes
            .iter()
            .filter(|c| c.dimension == d.as_str())
            .map(|c| c.category.clone())
            .collect()
    };
    assert!(mesh("", &["Parents"], DimensionKind::Population).is_empty());
    assert!(mesh("", &["Sex Factors"], DimensionKind::Equity).is_empty());
    assert_eq!(
        mesh(
            "We recruited 60 mothers with borderline personality disorder and their infants.",
            &["Parents"],
            DimensionKind::Population
        ),
        ["parents"]
    );
}

#[test]
fn a_service_counted_as_use_or_randomised_as_a_cluster_is_not_the_intervention() {
    let iv = |t: &str, a: &str| ids(t, a, DimensionKind::Intervention);
    let t = "Joint crisis plans for borderline personality disorder: a feasibility trial";
    assert_eq!(
        iv(
            t,
            "Crisis team contacts were lower in the intervention arm."
        ),
        ["service.crisis"],
        "the plan itself is a crisis intervention"
    );
    let t = "Schema therapy for personality disorder: a randomised trial";
    assert_eq!(
        iv(
            t,
            "Outcomes included contacts with crisis teams at 12 months."
        ),
        ["psych.schema"]
    );
    let t = "A social network intervention for people with personality disorder";
    assert!(!iv(
        t,
        "Twenty community mental health teams were cluster-randomised to deliver it or usual care."
    )
    .contains(&"service.cmht_generic".to_string()));
}

#[test]
fn when_the_title_names_the_intervention_others_named_in_passing_are_context() {
    let iv = |t: &str, a: &str| ids(t, a, DimensionKind::Intervention);
    let t = "Brief admission by self-referral for people with borderline personality disorder: a randomised trial";
    // what participants already received
    assert_eq!(
        iv(
            t,
            "Participants continued their outpatient DBT or MBT throughout the trial."
        ),
        ["service.crisis"]
    );
    // a second treatment in the arms compared is studied
    let both = iv(
        t,
        "Participants were randomised to brief admission or to DBT skills training alone.",
    );
    assert!(both.contains(&"psych.dbt".to_string()), "{both:?}");
    // a review names every intervention it covers
    let review = iv(
        "Crisis services for borderline personality disorder: a systematic review",
        "Included studies also offered DBT and MBT.",
    );
    assert!(review.contains(&"psych.dbt".to_string()), "{review:?}");
}

#[test]
fn a_share_in_words_is_not_the_sample() {
    let pop = |a: &str| {
        ids(
            "Residents of hostels with personality difficulties",
            a,
            DimensionKind::Population,
        )
    };
    let substance = |a: &str| pop(a).contains(&"substance_use".to_string());
    assert!(!substance(
        "Most residents had histories of substance misuse."
    ));
    assert!(substance(
        "We recruited residents with co-occurring substance misuse."
    ));
}

/// What a reviewer of the rules found: a held-back service named only
/// among the results is a finding too; a stronger pattern in brackets is
/// kept; a weak MeSH term keeps an abstract-only intervention; a service the
/// title names is not outdone by one only the abstract names.
#[test]
fn the_rules_hold_together() {
    let iv = |c: &lacuna::code::Coding| -> Vec<String> {
        c.codes
            .iter()
            .filter(|c| c.dimension == "intervention")
            .map(|c| c.category.clone())
            .collect()
    };
    let c = sectioned(
        "Admissions of people with borderline personality disorder: a cohort study",
        &[(
            "RESULTS",
            "Patients staying in crisis houses had fewer admissions.",
        )],
    );
    assert!(iv(&c).is_empty(), "{c:?}");
    assert_eq!(
        ids(
            "Outcomes of a group programme",
            "Participants received a psychological therapy (CBT) in groups.",
            DimensionKind::Intervention
        ),
        ["psych.other"]
    );
    let p = cen_protocol();
    let c = codes_of(
        &p,
        &record(
            "Dialectical behaviour therapy for adults with BPD: a cohort study",
            "Peer support was offered by the service.",
            &["Peer Group"],
            &[],
        ),
    );
    assert!(iv(&c).contains(&"peer".to_string()), "{c:?}");
    assert_eq!(
        ids(
            "Outcomes of patients treated in a therapeutic community",
            "Residents took part in psychotherapy groups.",
            DimensionKind::Intervention
        ),
        ["service.specialist_pd"]
    );
}
