//! Screening: the stopping rule against exact hypergeometric sums, the
//! simulation's metrics on a dataset whose order is known, and `lacuna
//! simulate` on a real labelled dataset (deterministic; bad input refused).

use crate::support::{lacuna, shared, stderr, stdout};
use lacuna::screen::rank::{tfidf, Classifier};
use lacuna::screen::simulate::{simulate, Settings};
use lacuna::screen::stop::{buscar_p, knee, more_to_stop};

/// Reference p-values computed with exact binomial coefficients in Python
/// (`math.comb`, summing the hypergeometric p.m.f.), independently of statrs.
#[test]
fn buscar_matches_exact_hypergeometric_sums() {
    let mut s: Vec<bool> = vec![true; 10];
    s.extend(vec![false; 200]);
    assert!((buscar_p(&s, 1000, 0.95) - 0.797979797979798).abs() < 1e-12);
    let mut s2 = vec![true, false, true, true];
    s2.extend(vec![false; 50]);
    s2.push(true);
    s2.extend(vec![false; 300]);
    assert!((buscar_p(&s2, 2000, 0.9) - 0.8457583547557841).abs() < 1e-12);
    // more irrelevant records in a row make stopping possible; the count is the smallest that does
    let m = more_to_stop(&s, 1000, 0.95, 0.05).expect("stoppable");
    let mut longer = s.clone();
    longer.extend(vec![false; m]);
    assert!(buscar_p(&longer, 1000, 0.95) < 0.05);
    longer.pop();
    assert!(buscar_p(&longer, 1000, 0.95) >= 0.05);
    // screening everything always allows stopping; nothing relevant yet never does
    assert_eq!(buscar_p(&[false; 50], 1000, 0.95), 1.0);
}

#[test]
fn knee_needs_150_records_and_a_flat_tail() {
    let mut s = vec![true; 20];
    s.extend(vec![false; 100]);
    assert!(!knee(&s), "fewer than 150 screened");
    s.extend(vec![false; 200]);
    assert!(knee(&s));
    let alternating: Vec<bool> = (0..400).map(|i| i % 5 == 0).collect();
    assert!(!knee(&alternating), "a straight gain curve has no knee");
}

/// 100 records; the 10 relevant ones share words the others never use, so a
/// working ranker screens the 9 non-prior relevant records first.
#[test]
fn simulation_metrics_on_a_known_order() {
    let mut texts = Vec::new();
    let mut labels = Vec::new();
    for i in 0..100 {
        if i % 10 == 0 {
            texts.push(format!(
                "mentalization based treatment trial number{i} outcome"
            ));
            labels.push(true);
        } else {
            texts.push(format!("unrelated laboratory mouse assay sample{i} result"));
            labels.push(false);
        }
    }
    let f = tfidf(&texts, 1);
    for classifier in [Classifier::Svm, Classifier::Logistic, Classifier::Nb] {
        let s = Settings {
            classifier,
            seed: 3,
            target: 0.95,
            alpha: 0.05,
            lambda: 1e-4,
            epochs: 10,
            c: 0.1,
        };
        let o = simulate(&f, &labels, &[0, 1], &s);
        assert_eq!(o.screened_to_all, 9, "{classifier:?}");
        assert_eq!(o.curve, (1..=9).collect::<Vec<_>>());
        // N' = 98, R' = 9, n95 = ceil(0.95 * 9) = 9
        assert!((o.wss95 - ((98.0 - 9.0) / 98.0 - 0.05)).abs() < 1e-12);
        assert!((o.wss100 - (98.0 - 9.0) / 98.0).abs() < 1e-12);
        assert_eq!(o.recall_at_10, 1.0); // 9 screened = floor(9.8)
        let stop = o.stop_at.expect("the rule stops");
        assert!((9..=98).contains(&stop));
        assert_eq!(o.recall_at_stop, Some(1.0));
    }
}

#[test]
fn lacuna_simulate_on_a_real_dataset_is_deterministic() {
    let data = shared().join("fixtures/screening/synergy_oud_2018_bpd_psychotherapy.csv");
    let run = || {
        let o = lacuna(&[&"simulate", &data, &"--seeds", &"2", &"--json", &"-q"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let mut v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
        for r in v["runs"].as_array_mut().expect("runs") {
            r["ms_per_step"] = serde_json::Value::Null;
        }
        v["ms_per_step"] = serde_json::Value::Null;
        v
    };
    let a = run();
    assert_eq!(a, run(), "same seeds, same results");
    assert_eq!(a["n"], 952);
    assert_eq!(a["n_relevant"], 20);
    for k in [
        "wss95",
        "wss100",
        "recall_at_10",
        "screened_to_all",
        "stop_at",
        "recall_at_stop",
    ] {
        assert!(a[k].is_number(), "{k}: {}", a[k]);
    }
    // prioritised screening beats random order by far on this review
    assert!(a["wss95"].as_f64().expect("wss") > 0.6, "{}", a["wss95"]);
    let out = tempfile::tempdir().expect("tmp");
    let o = lacuna(&[
        &"simulate",
        &data,
        &"--prior-ids",
        &"29,43",
        &"--out",
        &out.path(),
        &"-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(std::fs::read_to_string(out.path().join("recall.svg"))
        .expect("svg")
        .contains("<polyline"));
    assert!(std::fs::read_to_string(out.path().join("recall.csv"))
        .expect("csv")
        .starts_with("seed,screened,found,recall"));
}

#[test]
fn lacuna_simulate_refuses_bad_input() {
    let dir = tempfile::tempdir().expect("tmp");
    let no_label = dir.path().join("a.csv");
    std::fs::write(&no_label, "record_id,title,abstract\n1,a,b\n").expect("write");
    let o = lacuna(&[&"simulate", &no_label]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("record_id,title,abstract,label_included"),
        "{}",
        stderr(&o)
    );
    let none = dir.path().join("b.csv");
    std::fs::write(
        &none,
        "record_id,title,abstract,label_included\n1,a,b,0\n2,c,d,0\n",
    )
    .expect("write");
    let o = lacuna(&[&"simulate", &none]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("needs both relevant and irrelevant"),
        "{}",
        stderr(&o)
    );
    let bad = dir.path().join("c.csv");
    std::fs::write(&bad, "record_id,title,abstract,label_included\n1,a,b,yes\n").expect("write");
    let o = lacuna(&[&"simulate", &bad]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("row 2, column label_included"),
        "{}",
        stderr(&o)
    );
    let data = shared().join("fixtures/screening/synergy_oud_2018_bpd_psychotherapy.csv");
    let o = lacuna(&[&"simulate", &data, &"--prior-ids", &"no-such-id"]);
    assert_eq!(o.status.code(), Some(7));
    assert!(
        stderr(&o).contains("no record_id \"no-such-id\""),
        "{}",
        stderr(&o)
    );
}
