//! `lacuna pool` end to end on a sheet made from a metafor fixture, its
//! plots, and every bad input the meta-analysis issue lists; the demo's
//! sheet that mixes measures, subgroups in the text and the forest plot,
//! one row per study, and the favours labels (issue 26).

use crate::meta::load;
use crate::support::{lacuna, stderr, stdout};
use std::path::{Path, PathBuf};

/// A CSV of dat.bcg (from the fixture, written to a temp dir, never committed).
/// Studies are labelled "author, year", as metafor's forest plots of dat.bcg
/// do: two trials by "Rosenthal et al" and two by "Comstock et al" would
/// otherwise share a label, which `lacuna pool` refuses (one row per study).
fn bcg_csv(dir: &Path) -> PathBuf {
    let d = load("bcg_RR.json");
    let mut s = String::from("study,year,ai,bi,ci,di,ablat,alloc\n");
    for st in d["studies"].as_array().expect("studies") {
        s.push_str(&format!(
            "\"{}, {}\",{},{},{},{},{},{},{}\n",
            st["slab"].as_str().expect("slab"),
            st["year"],
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

/// The demo's month-1 sheet: RR rows and SMD rows in one file.
fn demo_sheet() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/month-1-effects.csv")
}

/// The demo sheet's rows whose `measure` is `m`, read with the csv crate
/// (not with Lacuna), as (header, rows).
fn demo_rows(m: &str) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let mut r = csv::Reader::from_path(demo_sheet()).expect("demo sheet");
    let h = r.headers().expect("header").clone();
    let at = h
        .iter()
        .position(|c| c == "measure")
        .expect("measure column");
    let rows = r
        .records()
        .map(|x| x.expect("row"))
        .filter(|x| x.get(at) == Some(m))
        .collect();
    (h, rows)
}

fn run_ok(args: &[&dyn AsRef<std::ffi::OsStr>]) -> std::process::Output {
    let o = lacuna(args);
    assert!(o.status.success(), "{}", stderr(&o));
    o
}

fn num(v: &serde_json::Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number: {v}"))
}

#[test]
fn issue_26_measure_pools_only_that_measures_rows_of_a_mixed_sheet() {
    let t = tempfile::tempdir().expect("tmp");
    let (_, smd) = demo_rows("SMD");
    let (_, rr) = demo_rows("RR");
    assert!(
        smd.len() > 2 && rr.len() > 2,
        "the demo sheet mixes measures"
    );
    for (m, rows, other, others) in [("SMD", &smd, "RR", &rr), ("rr", &rr, "SMD", &smd)] {
        let o = run_ok(&[
            &"pool",
            &"--data",
            &demo_sheet(),
            &"--measure",
            &m,
            &"--json",
        ]);
        let v = json(&o);
        assert_eq!(v["k"], rows.len(), "{m}");
        assert_eq!(v["measure"], m.to_uppercase());
        let note = format!("left out {} rows whose measure is {other}", others.len());
        assert!(stderr(&o).contains(&note), "{m}: {}", stderr(&o));
        // The same rows alone, in a sheet of their own (no measure column), pool the same.
        let (h, rows) = demo_rows(&m.to_uppercase());
        let mut w = csv::Writer::from_path(t.path().join("alone.csv")).expect("csv");
        w.write_record(&h).expect("header");
        for r in rows {
            w.write_record(&r).expect("row");
        }
        w.flush().expect("flush");
        drop(w);
        let alone = t.path().join("alone.csv");
        let mut lone = std::fs::read_to_string(&alone).expect("read");
        lone = lone.replacen(",measure,", ",kind,", 1);
        std::fs::write(&alone, lone).expect("write");
        let a = json(&run_ok(&[
            &"pool",
            &"--data",
            &alone,
            &"--measure",
            &m,
            &"--json",
        ]));
        for key in ["estimate", "se", "tau2", "q"] {
            assert!((num(&v, key) - num(&a, key)).abs() < 1e-12, "{m} {key}");
        }
    }
    // Bozzatello 2020 has two SMD rows that its comparison column tells apart.
    let v = json(&run_ok(&[
        &"pool",
        &"--data",
        &demo_sheet(),
        &"--measure",
        &"SMD",
        &"--json",
    ]));
    let labels: Vec<&str> = v["studies"]
        .as_array()
        .expect("studies")
        .iter()
        .filter_map(|s| s["study"].as_str())
        .collect();
    assert!(
        labels.contains(&"Bozzatello 2020 (ipt vs TAU (bpdsi))"),
        "{labels:?}"
    );
    assert!(labels.contains(&"Amianto 2011"), "{labels:?}");
}

#[test]
fn issue_26_without_measure_a_mixed_sheet_gives_one_analysis_per_measure() {
    let t = tempfile::tempdir().expect("tmp");
    let (smd, rr) = (demo_rows("SMD").1.len(), demo_rows("RR").1.len());
    let out = t.path().join("forest.svg");
    let o = run_ok(&[
        &"pool",
        &"--data",
        &demo_sheet(),
        &"--json",
        &"--forest",
        &out,
    ]);
    let v = json(&o);
    assert_eq!(v["SMD"]["k"], smd);
    assert_eq!(v["RR"]["k"], rr);
    assert_eq!(v.as_object().map(|m| m.len()), Some(2), "{v}");
    let (fs, fr) = (
        t.path().join("forest-SMD.svg"),
        t.path().join("forest-RR.svg"),
    );
    for f in [&fs, &fr] {
        assert!(
            stderr(&o).contains(&f.display().to_string()),
            "{}",
            stderr(&o)
        );
        let svg = std::fs::read_to_string(f).expect("one forest plot per measure");
        assert!(svg.trim_end().ends_with("</svg>"));
    }
    assert!(
        !out.exists(),
        "no file by the bare name when there are several"
    );
    assert!(std::fs::read_to_string(&fr)
        .expect("rr")
        .contains("Risk ratio"));
    // text: one headed block per measure, each with its k
    let o = run_ok(&[&"pool", &"--data", &demo_sheet()]);
    let text = stdout(&o);
    let smd_at = text.find("== SMD").expect("SMD block");
    let rr_at = text.find("== RR").expect("RR block");
    assert!(smd_at < rr_at, "in the order the sheet has them: {text}");
    assert!(
        text.contains(&format!("{smd} studies, Standardised")),
        "{text}"
    );
    assert!(
        text.contains(&format!("{rr} studies, Risk ratio")),
        "{text}"
    );
    // no measure column and no --measure: refused, saying what to do
    let f = write(t.path(), "plain.csv", "study,yi,vi\nA,0.1,0.2\nB,0.3,0.1\n");
    bad(
        &[&"pool", &"--data", &f],
        3,
        &["no `measure` column", "give --measure"],
    );
    // a measure column with a measure no one knows
    let f = write(
        t.path(),
        "odd.csv",
        "study,measure,yi,vi\nA,GEN,0.1,0.2\nB,XYZ,0.3,0.1\n",
    );
    bad(
        &[&"pool", &"--data", &f],
        3,
        &["row 3, column measure", "\"XYZ\""],
    );
    // --measure with no row of that measure
    bad(
        &[&"pool", &"--data", &demo_sheet(), &"--measure", &"OR"],
        3,
        &["no row's measure is OR", "RR", "SMD"],
    );
}

/// The x of the `<text>` element holding `label`.
fn text_x(svg: &str, label: &str) -> f64 {
    let at = svg
        .find(label)
        .unwrap_or_else(|| panic!("{label:?} not in the SVG"));
    let start = svg[..at].rfind("<text x=\"").expect("a text element") + "<text x=\"".len();
    let end = start + svg[start..].find('"').expect("closing quote");
    svg[start..end].parse().expect("x is a number")
}

#[test]
fn issue_26_by_draws_subgroups_in_the_text_and_the_forest_plot() {
    let t = tempfile::tempdir().expect("tmp");
    let csv = bcg_csv(t.path());
    let forest = t.path().join("forest.svg");
    let args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
        &"pool",
        &"--data",
        &csv,
        &"--measure",
        &"RR",
        &"--by",
        &"alloc",
    ];
    let with = |extra: &dyn AsRef<std::ffi::OsStr>, more: Option<&dyn AsRef<std::ffi::OsStr>>| {
        let mut a = args.clone();
        a.push(extra);
        a.extend(more);
        run_ok(&a)
    };
    let v = json(&with(&"--json", None));
    let groups = v["subgroups"]["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 3);
    let qb = num(&v["subgroups"], "q_between");
    let o = with(&"--forest", Some(&forest));
    let text = stdout(&o);
    let line = text
        .lines()
        .find(|l| l.starts_with("test for subgroup differences: Q_between = "))
        .unwrap_or_else(|| panic!("no test for subgroup differences in: {text}"));
    let shown: f64 = line
        .trim_start_matches("test for subgroup differences: Q_between = ")
        .split_whitespace()
        .next()
        .and_then(|x| x.parse().ok())
        .expect("a number");
    assert!((shown - qb).abs() < 5e-5, "{shown} vs {qb}");
    assert!(
        line.contains(&format!("(df = {})", v["subgroups"]["q_between_df"])),
        "{line}"
    );
    for g in groups {
        let level = g["level"].as_str().expect("level");
        let l = text
            .lines()
            .find(|l| l.trim_start().starts_with(level))
            .unwrap_or_else(|| panic!("no line for {level}: {text}"));
        assert!(l.contains(&format!("k = {} ", g["fit"]["k"])), "{l}");
        assert!(
            l.contains(&format!("I^2 {:.1}%", num(&g["fit"], "i2"))),
            "{l}"
        );
        let est = g["fit"]["b"][0].as_f64().expect("b");
        assert!(l.contains(&format!("estimate {est:.4}")), "{l}");
    }
    let svg = std::fs::read_to_string(&forest).expect("forest");
    assert_eq!(
        svg.matches("<polygon").count(),
        4,
        "a diamond per subgroup and one overall"
    );
    assert_eq!(
        svg.matches("fill=\"#2b5d8a\"").count(),
        13,
        "one square per study"
    );
    for level in ["random", "alternate", "systematic"] {
        assert!(
            svg.contains(&format!("alloc: {level}")),
            "heading for {level}"
        );
    }
    assert!(
        svg.contains(&format!("Q_between = {qb:.2}")),
        "the test under the plot"
    );
    assert!(svg.contains("Subtotal: k = "));
    // each study sits under its heading: Aronson (random) below "alloc: random",
    // Stein & Aronson (alternate) above it, the alternate group coming first
    let at = |x: &str| {
        svg.find(x)
            .unwrap_or_else(|| panic!("{x:?} not in the SVG"))
    };
    assert!(at("alloc: alternate") < at(">Stein &amp; Aronson, "));
    assert!(at(">Stein &amp; Aronson, ") < at("alloc: random"));
    assert!(at("alloc: random") < at(">Aronson, "));
    assert!(at(">Aronson, ") < at("alloc: systematic"));
}

#[test]
fn issue_26_two_rows_of_one_study_are_refused_unless_a_comparison_tells_them_apart() {
    let t = tempfile::tempdir().expect("tmp");
    let f = write(
        t.path(),
        "dup.csv",
        "study,yi,vi\nA,0.1,0.04\nB,0.2,0.03\nA,0.3,0.05\n",
    );
    bad(
        &[&"pool", &"--data", &f, &"--measure", &"GEN"],
        3,
        &["study \"A\"", "rows 2 and 4", "add a `comparison` column"],
    );
    let f = write(
        t.path(),
        "outcomes.csv",
        "study,outcome,comparison,yi,vi\nA,symptoms,x vs y,0.1,0.04\nB,symptoms,,0.2,0.03\nA,quality_of_life,x vs z,0.3,0.05\n",
    );
    bad(
        &[&"pool", &"--data", &f, &"--measure", &"GEN"],
        3,
        &[
            "rows for two outcomes",
            "\"symptoms\" and \"quality_of_life\"",
            "one outcome at a time",
        ],
    );
    let f = write(
        t.path(),
        "same.csv",
        "study,comparison,yi,vi\nA,x vs y,0.1,0.04\nB,,0.2,0.03\nA,x vs y,0.3,0.05\n",
    );
    bad(
        &[&"pool", &"--data", &f, &"--measure", &"GEN"],
        3,
        &["study \"A\"", "rows 2 and 4", "same comparison \"x vs y\""],
    );
    let f = write(
        t.path(),
        "cmp.csv",
        "study,Comparison,yi,vi\nA,x vs y,0.1,0.04\nB,,0.2,0.03\nA,x vs z,0.3,0.05\n\
         C,,0.25,0.04\nC,x vs z,0.15,0.04\n",
    );
    let forest = t.path().join("cmp.svg");
    let v = json(&run_ok(&[
        &"pool",
        &"--data",
        &f,
        &"--measure",
        &"GEN",
        &"--json",
        &"--forest",
        &forest,
    ]));
    let labels: Vec<&str> = v["studies"]
        .as_array()
        .expect("studies")
        .iter()
        .filter_map(|s| s["study"].as_str())
        .collect();
    assert_eq!(labels, ["A (x vs y)", "B", "A (x vs z)", "C", "C (x vs z)"]);
    assert_eq!(v["k"], 5);
    let svg = std::fs::read_to_string(&forest).expect("forest");
    assert!(svg.contains(">A (x vs y)<") && svg.contains(">A (x vs z)<"));
}

#[test]
fn issue_26_forest_plots_say_which_side_favours_which_arm() {
    let t = tempfile::tempdir().expect("tmp");
    let csv = bcg_csv(t.path());
    let forest = t.path().join("f.svg");
    run_ok(&[
        &"pool",
        &"--data",
        &csv,
        &"--measure",
        &"RR",
        &"--forest",
        &forest,
    ]);
    let svg = std::fs::read_to_string(&forest).expect("forest");
    let (i, c) = (
        text_x(&svg, "Favours intervention"),
        text_x(&svg, "Favours control"),
    );
    assert!(
        i < c,
        "lower is better by default: intervention on the left ({i} vs {c})"
    );
    run_ok(&[
        &"pool",
        &"--data",
        &csv,
        &"--measure",
        &"RR",
        &"--forest",
        &forest,
        &"--favours",
        &"control, intervention",
    ]);
    let svg = std::fs::read_to_string(&forest).expect("forest");
    let (i, c) = (
        text_x(&svg, "Favours intervention"),
        text_x(&svg, "Favours control"),
    );
    assert!(c < i, "--favours names the left side first ({c} vs {i})");
    bad(
        &[
            &"pool",
            &"--data",
            &csv,
            &"--measure",
            &"RR",
            &"--favours",
            &"control",
        ],
        2,
        &["LEFT,RIGHT"],
    );
}
