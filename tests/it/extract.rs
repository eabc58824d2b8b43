//! Effect-size rows in a review: the template, row-by-row validation that
//! names row and column and stores nothing on error, and per-cell pooling
//! equal to metafor.

use crate::support::{demo_review, lacuna, stderr, stdout};
use serde_json::Value;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write sheet");
    p
}

fn pooled(dir: &Path) -> Vec<Value> {
    let o = lacuna(&[&"map", &dir, &"--json", &"-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m: Value = serde_json::from_str(&stdout(&o)).expect("json");
    m["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .flat_map(|c| c["pooled"].as_array().expect("pooled").clone())
        .collect()
}

#[test]
fn template_has_the_escalc_columns() {
    let o = lacuna(&[&"extract", &"unused", &"--template"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).trim(),
        lacuna::extract::rows::TEMPLATE_COLUMNS.join(",")
    );
    for c in [
        "record",
        "intervention",
        "outcome",
        "measure",
        "m1i",
        "sd1i",
        "n1i",
        "ai",
        "ci",
        "yi",
        "vi",
    ] {
        assert!(stdout(&o).split(',').any(|h| h.trim() == c), "{c}");
    }
}

#[test]
fn bad_rows_are_named_and_nothing_is_stored() {
    let (_t, dir) = demo_review();
    let bad = write(
        &dir,
        "bad.csv",
        "record,intervention,outcome,measure,m1i,sd1i,n1i,m2i,sd2i,n2i\n\
        cen-demo-082,psych.dbt,symptoms,SMD,1,1,20,2,1,20\n\
        cen-demo-083,psych.dbtx,symptoms,SMD,1,1,20,2,1,20\n\
        cen-demo-084,psych.dbt,symptoms,SMD,1,one,20,2,1,20\n\
        cen-demo-085,psych.dbt,symptoms,XYZ,1,1,20,2,1,20\n\
        cen-demo-999,psych.dbt,symptoms,SMD,1,1,20,2,1,20\n\
        cen-demo-082,psych.dbt,symptoms,SMD,1,1,20,,,\n",
    );
    let o = lacuna(&[&"extract", &dir, &"--import", &bad]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let e = stderr(&o);
    for want in [
        "row 3, column intervention: \"psych.dbtx\" is not one of the protocol's intervention ids",
        "row 4, column sd1i: \"one\" is not a number",
        "row 5, column measure: \"XYZ\" is not a measure",
        "row 7, column measure: no complete statistics for Smd",
    ] {
        assert!(e.contains(want), "missing {want:?} in:\n{e}");
    }
    // the unknown record is reported once the cells are right
    let bad2 = write(
        &dir,
        "bad2.csv",
        "record,intervention,outcome,measure,yi,vi\ncen-demo-999,psych.dbt,symptoms,GEN,0.1,0.01\n",
    );
    let o = lacuna(&[&"extract", &dir, &"--import", &bad2]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o)
            .contains("row 2, column record: \"cen-demo-999\" is not a record of this review"),
        "{}",
        stderr(&o)
    );
    // a missing required column says how to get the template
    let bad3 = write(
        &dir,
        "bad3.csv",
        "record,outcome,measure,yi,vi\ncen-demo-082,symptoms,GEN,0.1,0.01\n",
    );
    let o = lacuna(&[&"extract", &dir, &"--import", &bad3]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("--template"), "{}", stderr(&o));
    // a sheet that is not there
    let o = lacuna(&[&"extract", &dir, &"--import", &dir.join("none.csv")]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("none.csv"), "{}", stderr(&o));
    // nothing from any of them was stored
    assert!(pooled(&dir).is_empty());
}

/// Four SMD rows in one cell: the pooled estimate, CI, prediction interval,
/// τ² and I² equal metafor 3.8.1 (`rma(yi, vi, method = "REML", test = "knha",
/// control = list(threshold = 1e-12))` after `escalc("SMD", ...)`: the
/// protocol's settings, with metafor's REML iterations run to convergence as
/// ours are; its default threshold of 1e-5 stops at a τ² 1.2e-8 away), at the
/// tolerances of ../shared/fixtures/meta/README.md.
#[test]
fn a_cell_with_k_rows_is_pooled_as_metafor_does() {
    let (_t, dir) = demo_review();
    let sheet = write(
        &dir,
        "effects.csv",
        "record,study,intervention,outcome,measure,m1i,sd1i,n1i,m2i,sd2i,n2i,ai,ci\n\
        cen-demo-082,A,psych.dbt,symptoms,SMD,15.84,9.68,123,19.67,14.4,246,,\n\
        cen-demo-083,B,psych.dbt,symptoms,SMD,1.28,0.13,71,1.65,0.55,63,,\n\
        cen-demo-084,C,psych.dbt,symptoms,SMD,4.79,1.54,52,5.63,1.47,52,,\n\
        cen-demo-085,D,psych.dbt,symptoms,SMD,1.84,0.51,48,1.93,0.57,36,,\n\
        cen-demo-082,A,psych.dbt,self_harm_suicidality,RR,,,17,,,16,6,11\n",
    );
    let o = lacuna(&[&"extract", &dir, &"--import", &sheet]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let p = pooled(&dir);
    assert_eq!(p.len(), 1, "only the cell with k >= 2 is pooled: {p:?}");
    let c = &p[0];
    assert_eq!(
        (
            c["intervention"].as_str(),
            c["outcome"].as_str(),
            c["k"].as_u64()
        ),
        (Some("psych.dbt"), Some("symptoms"), Some(4))
    );
    let close = |got: &Value, want: f64| {
        let g = got.as_f64().expect("number");
        assert!(
            (g - want).abs() <= 1e-8 * want.abs().max(1e-2),
            "{g} vs {want}"
        );
    };
    close(&c["estimate"], -0.48790499208);
    close(&c["ci_lb"], -1.02962574099);
    close(&c["ci_ub"], 0.0538157568275);
    close(&c["pi"][0], -1.55260923062);
    close(&c["pi"][1], 0.576799246463);
    assert!((c["tau2"].as_f64().expect("tau2") - 0.0829518850441).abs() < 1e-10 + 1e-7 * 0.083);
    assert!((c["i2"].as_f64().expect("i2") - 73.8788530516).abs() < 1e-6);
    // re-importing a corrected sheet supersedes the rows with the same key
    let again = write(
        &dir,
        "effects2.csv",
        "record,study,intervention,outcome,measure,m1i,sd1i,n1i,m2i,sd2i,n2i\n\
        cen-demo-085,D,psych.dbt,symptoms,SMD,1.84,0.51,48,1.93,0.57,36\n\
        cen-demo-085,E,psych.dbt,symptoms,SMD,1.84,0.51,48,1.93,0.57,36\n",
    );
    let o = lacuna(&[&"extract", &dir, &"--import", &again]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        pooled(&dir)[0]["k"].as_u64(),
        Some(5),
        "D replaced, E added"
    );
}

/// The demo's two "other psychological therapy" trials of suicidal behaviour
/// pool to metafor's values (RR, REML, Knapp–Hartung; metafor 3.8.1,
/// threshold 1e-12).
#[test]
fn demo_effects_pool_as_metafor_does() {
    let (_t, dir) = demo_review();
    let sheet = crate::support::root().join("corpus/cen-demo-effects.csv");
    let o = lacuna(&[&"extract", &dir, &"--import", &sheet]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let p = pooled(&dir);
    assert_eq!(p.len(), 1, "{p:?}");
    let c = &p[0];
    assert_eq!(c["measure"], "RR");
    assert!((c["estimate"].as_f64().expect("b") - -1.0002307293).abs() < 1e-8);
    assert!((c["ci_lb"].as_f64().expect("lb") - -10.3195111333).abs() < 1e-7);
    assert!((c["ci_ub"].as_f64().expect("ub") - 8.3190496747).abs() < 1e-7);
    assert!((c["tau2"].as_f64().expect("tau2") - 0.5128892519).abs() < 1e-9);
    assert!(c["pi"].is_null(), "no prediction interval below k = 3");
    assert!((c["shown"][0].as_f64().expect("rr") - (-1.0002307293f64).exp()).abs() < 1e-8);
}
