//! `lacuna pool` end to end on a sheet made from a metafor fixture, its
//! plots, and every bad input the meta-analysis issue lists.

use crate::meta::load;
use crate::support::{lacuna, stderr, stdout};
use std::path::{Path, PathBuf};

/// A CSV of dat.bcg (from the fixture, written to a temp dir, never committed).
fn bcg_csv(dir: &Path) -> PathBuf {
    let d = load("bcg_RR.json");
    let mut s = String::from("study,year,ai,bi,ci,di,ablat,alloc\n");
    for st in d["studies"].as_array().expect("studies") {
        s.push_str(&format!(
            "\"{}\",{},{},{},{},{},{},{}\n",
            st["slab"].as_str().expect("slab"),
            st["year"],
            st["tpos"],
            st["tneg"],
            st["cpos"],
            st["cneg"],
            st["ablat"],
            st["alloc"].as_str().expect("alloc")
        ));
    }
    let p = dir.join("bcg.csv");
    std::fs::write(&p, s).expect("write");
    p
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).expect("write");
    p
}

fn json(o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).expect("json")
}

#[test]
fn pool_json_matches_metafor_and_writes_both_plots() {
    let t = tempfile::tempdir().expect("tmp");
    let csv = bcg_csv(t.path());
    let (forest, funnel) = (t.path().join("forest.svg"), t.path().join("funnel.svg"));
    let o = lacuna(&[
        &"pool",
        &"--data",
        &csv,
        &"--measure",
        &"RR",
        &"--json",
        &"--egger",
        &"--trimfill",
        &"--leave1out",
        &"--cumulative",
        &"year",
        &"--by",
        &"alloc",
        &"--mods",
        &"ablat",
        &"--forest",
        &forest,
        &"--funnel",
        &funnel,
    ]);
    let v = json(&o);
    let d = load("bcg_RR.json");
    let m = &d["models"]["REML"];
    for (ours, theirs, rel) in [
        ("estimate", "b", 1e-8),
        ("se", "se", 1e-8),
        ("ci_lb", "ci.lb", 1e-8),
        ("ci_ub", "ci.ub", 1e-8),
        ("tau2", "tau2", 1e-7),
        ("i2", "I2", 1e-8),
        ("h2", "H2", 1e-8),
        ("q", "QE", 1e-10),
        ("pval", "pval", 1e-7),
    ] {
        crate::meta::close(ours, v[ours].as_f64().expect(ours), &m[theirs], rel, 1e-10);
    }
    crate::meta::close(
        "pi_lb",
        v["pi_lb"].as_f64().expect("pi"),
        &m["predict"]["pi.lb"],
        1e-8,
        1e-10,
    );
    crate::meta::close(
        "tau2_ci lb",
        v["tau2_ci"][0].as_f64().expect("ci"),
        &m["confint"]["tau2"]["ci.lb"],
        1e-7,
        1e-10,
    );
    crate::meta::close(
        "i2_ci ub",
        v["i2_ci"][1].as_f64().expect("ci"),
        &m["confint"]["I2"]["ci.ub"],
        1e-7,
        1e-10,
    );
    let est = v["estimate"].as_f64().expect("est");
    assert!((v["back_transformed"]["estimate"].as_f64().expect("back") - est.exp()).abs() < 1e-12);
    assert_eq!(v["k"], 13);
    assert_eq!(v["studies"].as_array().expect("studies").len(), 13);
    let wsum: f64 = v["studies"]
        .as_array()
        .expect("s")
        .iter()
        .map(|s| s["weight"].as_f64().expect("w"))
        .sum();
    assert!((wsum - 100.0).abs() < 1e-9);
    assert_eq!(v["trimfill"]["k0"], 1);
    assert_eq!(v["leave1out"].as_array().expect("l1o").len(), 13);
    assert_eq!(v["cumulative"].as_array().expect("cumul").len(), 13);
    assert!(v["meta_regression"]["b"]
        .as_array()
        .is_some_and(|b| b.len() == 2));
    assert_eq!(
        v["subgroups"]["groups"].as_array().expect("groups").len(),
        3
    );
    crate::meta::close(
        "egger z",
        v["egger"]["zval"].as_f64().expect("z"),
        &d["regtest"]["REML_rma"]["zval"],
        1e-8,
        1e-10,
    );
    let f = std::fs::read_to_string(&forest).expect("forest");
    assert!(f.starts_with("<svg") && f.trim_end().ends_with("</svg>"));
    assert!(f.contains("Ferguson &amp; Simes"), "labels are escaped");
    assert!(!f.contains("Ferguson & Simes"));
    assert_eq!(
        f.matches("fill=\"#2b5d8a\"").count(),
        13,
        "one square per study"
    );
    assert!(f.contains("Prediction interval") && f.contains("I² = 92.2%"));
    let u = std::fs::read_to_string(&funnel).expect("funnel");
    assert_eq!(u.matches("<circle").count(), 14, "13 studies + 1 filled");
    // text output for people
    let o = lacuna(&[
        &"pool",
        &"--data",
        &csv,
        &"--measure",
        &"RR",
        &"--method",
        &"DL",
        &"--knha",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Knapp-Hartung") && stdout(&o).contains("back-transformed"),
        "{}",
        stdout(&o)
    );
}

#[track_caller]
fn bad(args: &[&dyn AsRef<std::ffi::OsStr>], code: i32, expect: &[&str]) {
    let o = lacuna(args);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(code), "{e}");
    assert!(!e.contains("panicked"), "{e}");
    for x in expect {
        assert!(e.contains(x), "expected {x:?} in: {e}");
    }
}

#[test]
fn bad_sheets_give_a_clear_error_naming_row_and_column() {
    let t = tempfile::tempdir().expect("tmp");
    let p = t.path();
    let gen = |name: &str, body: &str| write(p, name, body);
    // k = 0
    bad(
        &[
            &"pool",
            &"--data",
            &gen("k0.csv", "study,yi,vi\n"),
            &"--measure",
            &"GEN",
        ],
        3,
        &["no data rows"],
    );
    // missing columns
    bad(
        &[
            &"pool",
            &"--data",
            &gen("cols.csv", "study,x,y\nA,1,2\n"),
            &"--measure",
            &"OR",
        ],
        3,
        &["ai,bi,ci,di", "found study,x,y"],
    );
    // non-numeric cell
    bad(
        &[
            &"pool",
            &"--data",
            &gen("nan.csv", "study,yi,vi\nA,0.1,0.2\nB,abc,0.1\n"),
            &"--measure",
            &"GEN",
        ],
        3,
        &["row 3, column yi", "\"abc\""],
    );
    for (name, vi) in [
        ("zero", "0"),
        ("neg", "-0.1"),
        ("tiny", "1e-300"),
        ("huge", "1e300"),
        ("inf", "inf"),
        ("nanv", "NaN"),
    ] {
        let f = gen(
            &format!("{name}.csv"),
            &format!("study,yi,vi\nA,0.1,0.2\nB,0.3,{vi}\n"),
        );
        bad(
            &[&"pool", &"--data", &f, &"--measure", &"GEN"],
            3,
            &["row 3"],
        );
    }
    // a directory, a missing file
    bad(
        &[&"pool", &"--data", &p, &"--measure", &"GEN"],
        3,
        &["is a directory"],
    );
    bad(
        &[
            &"pool",
            &"--data",
            &p.join("none.csv"),
            &"--measure",
            &"GEN",
        ],
        3,
        &["cannot read"],
    );
    // an unknown measure or method is a usage error
    bad(
        &[
            &"pool",
            &"--data",
            &p.join("none.csv"),
            &"--measure",
            &"XYZ",
        ],
        2,
        &["unknown measure"],
    );
    // a moderator column that is constant: collinear
    let f = gen(
        "coll.csv",
        "study,yi,vi,m\nA,0.1,0.2,1\nB,0.3,0.1,1\nC,0.2,0.1,1\n",
    );
    bad(
        &[
            &"pool",
            &"--data",
            &f,
            &"--measure",
            &"GEN",
            &"--mods",
            &"m",
        ],
        6,
        &["collinear"],
    );
    // unknown column for --by
    let f = gen("by.csv", "study,yi,vi\nA,0.1,0.2\nB,0.3,0.1\n");
    bad(
        &[
            &"pool",
            &"--data",
            &f,
            &"--measure",
            &"GEN",
            &"--by",
            &"nope",
        ],
        3,
        &["no column \"nope\""],
    );
}

#[test]
fn degenerate_data_give_metafors_degenerate_answers() {
    let t = tempfile::tempdir().expect("tmp");
    // k = 1: the study itself, tau2 = 0, Q = 0 (as metafor does).
    let f = write(t.path(), "k1.csv", "study,yi,sei\nA,0.4,0.2\n");
    let v = json(&lacuna(&[
        &"pool",
        &"--data",
        &f,
        &"--measure",
        &"GEN",
        &"--json",
    ]));
    for (key, want) in [("estimate", 0.4), ("se", 0.2), ("tau2", 0.0), ("q", 0.0)] {
        assert!(
            (v[key].as_f64().expect(key) - want).abs() < 1e-12,
            "{key}: {}",
            v[key]
        );
    }
    // all-equal effects: no heterogeneity.
    let f = write(
        t.path(),
        "eq.csv",
        "study,yi,vi\nA,0.3,0.1\nB,0.3,0.2\nC,0.3,0.05\n",
    );
    for m in ["REML", "DL", "PM", "ML", "HE", "SJ", "HS", "EB", "EE"] {
        let v = json(&lacuna(&[
            &"pool",
            &"--data",
            &f,
            &"--measure",
            &"GEN",
            &"--method",
            &m,
            &"--json",
        ]));
        assert!(
            (v["estimate"].as_f64().expect("est") - 0.3).abs() < 1e-12,
            "{m}"
        );
        assert_eq!(v["i2"].as_f64(), Some(0.0), "{m}");
        assert!(v["tau2"].as_f64().expect("tau2") >= 0.0, "{m}");
    }
    // a double-zero 2x2 study is kept with the correction (metafor's default), noted if dropped
    let f = write(
        t.path(),
        "dz.csv",
        "study,ai,bi,ci,di\nA,0,10,0,12\nB,3,20,5,18\nC,2,30,6,25\n",
    );
    let o = lacuna(&[&"pool", &"--data", &f, &"--measure", &"PETO", &"--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("A left out"), "{}", stderr(&o));
    assert_eq!(json(&o)["k"], 2);
}
