//! Meta-analysis against metafor 3.8-1 reference values
//! (`shared/fixtures/meta/*.json`, read in place), at the tolerances the
//! fixtures README gives: estimates relative 1e-8 (absolute 1e-10 near 0),
//! iterative τ² absolute 1e-10 + relative 1e-7, I²/H² absolute 1e-6,
//! Q-profile limits relative 1e-7, closed forms relative 1e-12 (we use 1e-10).

use crate::support::shared;
use lacuna::extract::{escalc, AddTo, Correction, Extracted, Reported};
use lacuna::meta::bias::{egger, trim_fill, EggerModel, Estimator};
use lacuna::meta::hetero::confint;
use lacuna::meta::linalg::Design;
use lacuna::meta::moderators::{design, subgroups, Moderator};
use lacuna::meta::sensitivity::{cumulative, leave_one_out, order_by};
use lacuna::meta::{fit, Fit, Method, Options, Test};
use lacuna::model::Measure;
use serde_json::Value;

pub fn load(name: &str) -> Value {
    let p = shared().join("fixtures/meta").join(name);
    serde_json::from_str(&std::fs::read_to_string(&p).expect("read fixture")).expect("json")
}

#[track_caller]
pub fn close(what: &str, got: f64, want: &Value, rel: f64, abs: f64) {
    let Some(w) = want.as_f64() else {
        panic!("{what}: reference is {want} (not a number); got {got}");
    };
    let tol = abs.max(rel * w.abs());
    assert!(
        (got - w).abs() <= tol,
        "{what}: got {got:.15e}, metafor {w:.15e} (|diff| {:.3e} > tol {tol:.1e})",
        (got - w).abs()
    );
}

fn num(v: &Value, k: &str) -> f64 {
    v[k].as_f64()
        .unwrap_or_else(|| panic!("{k} missing in {v}"))
}

pub fn yv(d: &Value) -> (Vec<f64>, Vec<f64>) {
    d["studies"]
        .as_array()
        .expect("studies")
        .iter()
        .map(|s| (num(s, "yi"), num(s, "vi")))
        .unzip()
}

const EST: f64 = 1e-8;

/// The four real datasets of the fixtures.
const DATASETS: [&str; 4] = [
    "bcg_RR.json",
    "normand1999_SMD.json",
    "hackshaw1998_OR.json",
    "molloy2014_ZCOR.json",
];

#[track_caller]
fn check_fit(tag: &str, f: &Fit, m: &Value) {
    let iterative = matches!(
        f.method,
        Method::REML | Method::ML | Method::PM | Method::EB
    );
    let (trel, tabs) = if iterative {
        (1e-7, 1e-10)
    } else {
        (1e-10, 1e-12)
    };
    let b = |k: &str| {
        if m[k].is_array() {
            m[k][0].clone()
        } else {
            m[k].clone()
        }
    };
    close(&format!("{tag} b"), f.b[0], &b("b"), EST, 1e-10);
    close(&format!("{tag} se"), f.se[0], &b("se"), EST, 1e-10);
    close(&format!("{tag} zval"), f.zval[0], &b("zval"), EST, 1e-10);
    close(&format!("{tag} pval"), f.pval[0], &b("pval"), 1e-7, 1e-12);
    close(&format!("{tag} ci.lb"), f.ci_lb[0], &b("ci.lb"), EST, 1e-10);
    close(&format!("{tag} ci.ub"), f.ci_ub[0], &b("ci.ub"), EST, 1e-10);
    if m.get("tau2").is_some_and(|t| !t.is_null()) {
        close(&format!("{tag} tau2"), f.tau2, &m["tau2"], trel, tabs);
    }
    close(&format!("{tag} I2"), f.i2, &m["I2"], 0.0, 1e-6);
    if m.get("vt").is_some_and(|x| !x.is_null()) {
        close(&format!("{tag} vt"), f.vt, &m["vt"], 1e-10, 1e-14);
    }
    if m.get("tau").is_some_and(|x| !x.is_null()) {
        close(&format!("{tag} tau"), f.tau2.sqrt(), &m["tau"], 1e-7, 1e-6);
    }
    close(&format!("{tag} H2"), f.h2, &m["H2"], 0.0, 1e-6);
    close(&format!("{tag} QE"), f.qe, &m["QE"], 1e-10, 1e-12);
    close(&format!("{tag} QEp"), f.qe_pval, &m["QEp"], 1e-7, 1e-300);
    if let Some(se) = f.se_tau2 {
        if m.get("se.tau2").is_some_and(|t| !t.is_null()) {
            close(&format!("{tag} se.tau2"), se, &m["se.tau2"], 1e-6, 1e-10);
        }
    }
    if let Some(fs) = m.get("fit.stats").filter(|x| !x.is_null()) {
        let got = f.fit_stats.expect("fit stats for ML/REML");
        for (name, g) in [
            ("ll", got.ll),
            ("dev", got.dev),
            ("AIC", got.aic),
            ("BIC", got.bic),
            ("AICc", got.aicc),
        ] {
            close(&format!("{tag} fit.stats {name}"), g, &fs[name], 1e-7, 1e-9);
        }
    }
    if let Some(w) = m["weights_pct"].as_array() {
        for (i, wi) in w.iter().enumerate() {
            close(
                &format!("{tag} weight {i}"),
                f.weights_pct[i],
                wi,
                EST,
                1e-10,
            );
        }
    }
    if let Some(pr) = m
        .get("predict")
        .filter(|p| !p.is_null() && !p["pi.lb"].is_null())
    {
        let p = f.predict(&[1.0]);
        close(&format!("{tag} pi.lb"), p.pi_lb, &pr["pi.lb"], EST, 1e-10);
        close(&format!("{tag} pi.ub"), p.pi_ub, &pr["pi.ub"], EST, 1e-10);
    }
}

fn opts(m: Method, t: Test) -> Options {
    Options {
        method: m,
        test: t,
        ..Options::default()
    }
}

/// An intercept-only fit with method `name` and z tests.
fn fit_z(y: &[f64], v: &[f64], name: &str) -> Fit {
    fit(
        y,
        v,
        &Design::intercept(y.len()),
        &opts(method_of(name), Test::Z),
    )
    .expect("fit")
}

fn method_of(name: &str) -> Method {
    Method::parse(name).unwrap_or_else(|| panic!("method {name}"))
}

/// Every model of one dataset: each τ² method, EE, knha, adhoc, t; Q-profile CIs.
fn check_models(file: &str) {
    let d = load(file);
    let (y, v) = yv(&d);
    let des = Design::intercept(y.len());
    for (name, m) in d["models"].as_object().expect("models") {
        let o = opts(method_of(name), Test::Z);
        let f = fit(&y, &v, &des, &o).unwrap_or_else(|e| panic!("{file} {name}: {e}"));
        check_fit(&format!("{file} {name}"), &f, m);
        if let Some(ci) = m.get("confint").filter(|c| !c.is_null()) {
            let q = confint(&y, &v, &des, &f, &o.control).expect("confint");
            for (key, iv) in [("tau2", q.tau2), ("tau", q.tau), ("I2", q.i2), ("H2", q.h2)] {
                close(
                    &format!("{file} {name} confint {key} lb"),
                    iv.lb,
                    &ci[key]["ci.lb"],
                    1e-7,
                    1e-10,
                );
                close(
                    &format!("{file} {name} confint {key} ub"),
                    iv.ub,
                    &ci[key]["ci.ub"],
                    1e-7,
                    1e-10,
                );
            }
        }
    }
    let f = fit(&y, &v, &des, &opts(Method::EE, Test::Z)).expect("EE");
    check_fit(&format!("{file} EE"), &f, &d["common_effect"]);
    for (group, test) in [
        ("knha", Test::Knha),
        ("adhoc_knha_truncated", Test::Adhoc),
        ("t_dist", Test::T),
    ] {
        for (name, m) in d[group].as_object().expect(group) {
            let f = fit(&y, &v, &des, &opts(method_of(name), test)).expect("fit");
            check_fit(&format!("{file} {group} {name}"), &f, m);
        }
    }
}

#[test]
fn bcg_rr_models_match_metafor() {
    check_models("bcg_RR.json");
}

#[test]
fn normand_smd_models_match_metafor() {
    check_models("normand1999_SMD.json");
}

#[test]
fn hackshaw_or_models_match_metafor() {
    check_models("hackshaw1998_OR.json");
}

#[test]
fn molloy_zcor_models_match_metafor() {
    check_models("molloy2014_ZCOR.json");
}

fn check_escalc(file: &str, measure: Measure, row: impl Fn(&Value) -> Reported) {
    let d = load(file);
    let rows: Vec<Reported> = d["studies"]
        .as_array()
        .expect("studies")
        .iter()
        .map(&row)
        .collect();
    let out = escalc(measure, &rows, &Correction::default()).expect("escalc");
    for (s, e) in d["studies"].as_array().expect("s").iter().zip(out) {
        let Extracted::Effect(e) = e else {
            panic!("{file}: dropped {e:?}")
        };
        close(&format!("{file} yi"), e.yi(), &s["yi"], 1e-12, 1e-14);
        close(&format!("{file} vi"), e.vi(), &s["vi"], 1e-12, 1e-14);
    }
}

#[test]
fn escalc_matches_metafor_on_raw_columns() {
    check_escalc("bcg_RR.json", Measure::Rr, |s| Reported::Table {
        ai: num(s, "tpos"),
        bi: num(s, "tneg"),
        ci: num(s, "cpos"),
        di: num(s, "cneg"),
    });
    let means = |s: &Value| Reported::Means {
        m1: num(s, "m1i"),
        sd1: num(s, "sd1i"),
        n1: num(s, "n1i"),
        m2: num(s, "m2i"),
        sd2: num(s, "sd2i"),
        n2: num(s, "n2i"),
    };
    check_escalc("normand1999_SMD.json", Measure::Smd, means);
    check_escalc("molloy2014_ZCOR.json", Measure::Zcor, |s| {
        Reported::Correlation {
            r: num(s, "ri"),
            n: num(s, "ni"),
        }
    });
    // normand: raw MD on the same data
    let d = load("normand1999_SMD.json");
    let md = &d["escalc_MD_same_data"];
    let rows: Vec<Reported> = d["studies"]
        .as_array()
        .expect("s")
        .iter()
        .map(means)
        .collect();
    let out = escalc(Measure::Md, &rows, &Correction::default()).expect("escalc");
    for (i, e) in out.iter().enumerate() {
        let Extracted::Effect(e) = e else { panic!() };
        close("MD yi", e.yi(), &md["yi"][i], 1e-12, 1e-14);
        close("MD vi", e.vi(), &md["vi"][i], 1e-12, 1e-14);
    }
}

#[test]
fn continuity_corrections_match_metafor() {
    let d = load("escalc_continuity_synthetic.json");
    let rows: Vec<Reported> = d["studies"]
        .as_array()
        .expect("s")
        .iter()
        .map(|s| Reported::Table {
            ai: num(s, "ai"),
            bi: num(s, "bi"),
            ci: num(s, "ci"),
            di: num(s, "di"),
        })
        .collect();
    let mut n = 0;
    for (name, var) in d["variants"].as_object().expect("variants") {
        let measure = Measure::parse(var["measure"].as_str().expect("m")).expect("measure");
        let to = match var["to"].as_str().expect("to") {
            "only0" => AddTo::Only0,
            "all" => AddTo::All,
            "if0all" => AddTo::If0All,
            _ => AddTo::None,
        };
        let cc = Correction {
            add: num(var, "add"),
            to,
            drop00: var["drop00"].as_bool().expect("drop00"),
        };
        let out = escalc(measure, &rows, &cc).expect("escalc");
        for (i, e) in out.iter().enumerate() {
            match (e, var["yi"][i].is_null()) {
                (Extracted::Effect(e), false) => {
                    close(
                        &format!("{name} yi {i}"),
                        e.yi(),
                        &var["yi"][i],
                        1e-12,
                        1e-14,
                    );
                    close(
                        &format!("{name} vi {i}"),
                        e.vi(),
                        &var["vi"][i],
                        1e-12,
                        1e-14,
                    );
                }
                (Extracted::Dropped(_), true) => {}
                // metafor returns vi = 0 (RD of a double-zero study without correction);
                // Lacuna refuses a zero variance (it would get infinite weight) and drops the study.
                (Extracted::Dropped(_), false) if var["vi"][i].as_f64() == Some(0.0) => {}
                (got, _) => panic!("{name} study {i}: got {got:?}, metafor {}", var["yi"][i]),
            }
            n += 1;
        }
    }
    assert!(n >= 40, "{n}");
    // pooled default OR (REML and DL) on the corrected data
    let out = escalc(Measure::Or, &rows, &Correction::default()).expect("escalc");
    let (y, v): (Vec<f64>, Vec<f64>) = out
        .iter()
        .map(|e| match e {
            Extracted::Effect(e) => (e.yi(), e.vi()),
            Extracted::Dropped(r) => panic!("{r}"),
        })
        .unzip();
    for name in ["REML", "DL"] {
        let f = fit_z(&y, &v, name);
        check_fit(
            &format!("synthetic OR {name}"),
            &f,
            &d["pooled_default_OR"][name],
        );
    }
}

fn check_series(tag: &str, fits: &[Fit], r: &Value) {
    for (i, f) in fits.iter().enumerate() {
        let t = format!("{tag} step {}", i + 1);
        close(
            &format!("{t} estimate"),
            f.b[0],
            &r["estimate"][i],
            EST,
            1e-10,
        );
        close(&format!("{t} se"), f.se[0], &r["se"][i], EST, 1e-10);
        close(&format!("{t} pval"), f.pval[0], &r["pval"][i], 1e-7, 1e-12);
        close(
            &format!("{t} ci.lb"),
            f.ci_lb[0],
            &r["ci.lb"][i],
            EST,
            1e-10,
        );
        close(
            &format!("{t} ci.ub"),
            f.ci_ub[0],
            &r["ci.ub"][i],
            EST,
            1e-10,
        );
        close(&format!("{t} Q"), f.qe, &r["Q"][i], 1e-10, 1e-12);
        close(&format!("{t} Qp"), f.qe_pval, &r["Qp"][i], 1e-7, 1e-300);
        close(&format!("{t} tau2"), f.tau2, &r["tau2"][i], 1e-7, 1e-10);
        close(&format!("{t} I2"), f.i2, &r["I2"][i], 0.0, 1e-6);
        close(&format!("{t} H2"), f.h2, &r["H2"][i], 0.0, 1e-6);
    }
}

#[test]
fn leave_one_out_and_cumulative_match_metafor() {
    for file in DATASETS {
        let d = load(file);
        let (y, v) = yv(&d);
        for (name, r) in d["leave1out"].as_object().expect("l1o") {
            let fits = leave_one_out(&y, &v, &opts(method_of(name), Test::Z)).expect("loo");
            check_series(&format!("{file} leave1out {name}"), &fits, r);
        }
        if let Some(c) = d.get("cumul").and_then(|c| c.as_object()) {
            let years: Vec<f64> = d["studies"]
                .as_array()
                .expect("s")
                .iter()
                .map(|s| num(s, "year"))
                .collect();
            let order = order_by(&years);
            for (name, r) in c {
                let want: Vec<usize> = r["order_index_1based"]
                    .as_array()
                    .expect("o")
                    .iter()
                    .map(|x| x.as_u64().expect("i") as usize - 1)
                    .collect();
                assert_eq!(order, want, "{file} order");
                let fits =
                    cumulative(&y, &v, &order, &opts(method_of(name), Test::Z)).expect("cumul");
                check_series(&format!("{file} cumul {name}"), &fits, r);
            }
        }
    }
}

#[test]
fn egger_regression_tests_match_metafor() {
    for file in DATASETS {
        let d = load(file);
        let (y, v) = yv(&d);
        for (name, r) in d["regtest"].as_object().expect("regtest") {
            let (method, model) = match name.as_str() {
                "REML_rma" => (Method::REML, EggerModel::Rma),
                "REML_lm" => (Method::REML, EggerModel::Lm),
                "DL_rma" => (Method::DL, EggerModel::Rma),
                other => panic!("unknown regtest {other}"),
            };
            let e = egger(&y, &v, model, &opts(method, Test::Z)).expect("egger");
            let t = format!("{file} regtest {name}");
            close(&format!("{t} zval"), e.zval, &r["zval"], EST, 1e-10);
            close(&format!("{t} pval"), e.pval, &r["pval"], 1e-7, 1e-12);
            close(
                &format!("{t} limit"),
                e.limit_estimate,
                &r["limit_estimate"],
                EST,
                1e-10,
            );
            close(
                &format!("{t} limit lb"),
                e.limit_ci.0,
                &r["limit_ci.lb"],
                EST,
                1e-10,
            );
            close(
                &format!("{t} limit ub"),
                e.limit_ci.1,
                &r["limit_ci.ub"],
                EST,
                1e-10,
            );
            close(
                &format!("{t} slope se"),
                e.fit.se[1],
                &r["coef_se"]["slope_sei"],
                EST,
                1e-10,
            );
        }
    }
}

#[test]
fn trim_and_fill_matches_metafor() {
    for file in DATASETS {
        let d = load(file);
        let (y, v) = yv(&d);
        for (name, r) in d["trimfill"].as_object().expect("trimfill") {
            let (m, est) = name.split_once('_').expect("name");
            let est = if est == "R0" {
                Estimator::R0
            } else {
                Estimator::L0
            };
            let tf = trim_fill(&y, &v, est, None, &opts(method_of(m), Test::Z)).expect("trimfill");
            let t = format!("{file} trimfill {name}");
            assert_eq!(tf.k0 as u64, r["k0"].as_u64().expect("k0"), "{t} k0");
            assert_eq!(
                format!("{:?}", tf.side).to_lowercase(),
                r["side"].as_str().expect("side"),
                "{t} side"
            );
            close(&format!("{t} se.k0"), tf.se_k0, &r["se.k0"], 1e-8, 1e-10);
            // metafor 3.8-1's trimfill refits with its default control
            // (REML threshold 1e-5), so its REML variants stop short of the
            // optimum: for them the filled values and the final fit agree to
            // ~1e-5, and our final tau2 is checked to be the REML optimum
            // (see the issue's closing note) instead of loosening every tolerance.
            let reml = m == "REML";
            let ftol = if reml { 1e-4 } else { EST };
            for (i, fy) in tf.filled_yi.iter().enumerate() {
                close(
                    &format!("{t} filled yi {i}"),
                    *fy,
                    &r["filled_yi"][i],
                    ftol,
                    1e-10,
                );
                close(
                    &format!("{t} filled vi {i}"),
                    tf.filled_vi[i],
                    &r["filled_vi"][i],
                    EST,
                    1e-12,
                );
            }
            if reml {
                let mut ya = y.clone();
                let mut va = v.clone();
                ya.extend(&tf.filled_yi);
                va.extend(&tf.filled_vi);
                let des = Design::intercept(ya.len());
                let ours =
                    lacuna::meta::tau2::reml_score(&ya, &va, &des, tf.fit.tau2).expect("score");
                assert!(
                    tf.fit.tau2 == 0.0 || ours.abs() < 1e-9,
                    "{t}: our REML score {ours}"
                );
                close(
                    &format!("{t} tau2 (metafor default control)"),
                    tf.fit.tau2,
                    &r["tau2"],
                    1e-4,
                    1e-5,
                );
                close(
                    &format!("{t} b (metafor default control)"),
                    tf.fit.b[0],
                    &r["b"],
                    1e-4,
                    1e-5,
                );
                continue;
            }
            close(&format!("{t} b"), tf.fit.b[0], &r["b"], EST, 1e-10);
            close(&format!("{t} se"), tf.fit.se[0], &r["se"], EST, 1e-10);
            close(&format!("{t} tau2"), tf.fit.tau2, &r["tau2"], 1e-7, 1e-10);
            close(&format!("{t} QE"), tf.fit.qe, &r["QE"], 1e-10, 1e-12);
        }
    }
}

#[test]
fn meta_regression_on_latitude_matches_metafor() {
    let d = load("bcg_RR.json");
    let (y, v) = yv(&d);
    let ablat: Vec<f64> = d["studies"]
        .as_array()
        .expect("s")
        .iter()
        .map(|s| num(s, "ablat"))
        .collect();
    let (des, names) =
        design(y.len(), &[("ablat".into(), Moderator::Continuous(ablat))]).expect("design");
    assert_eq!(names, ["intrcpt", "ablat"]);
    let re = fit(
        &y,
        &v,
        &Design::intercept(y.len()),
        &opts(Method::REML, Test::Z),
    )
    .expect("re");
    for (name, r) in d["meta_regression"].as_object().expect("mr") {
        let (method, test) = match name.as_str() {
            "z" => (Method::REML, Test::Z),
            "knha" => (Method::REML, Test::Knha),
            "DL" => (Method::DL, Test::Z),
            _ => continue,
        };
        let f = fit(&y, &v, &des, &opts(method, test)).expect("fit");
        let t = format!("meta-regression {name}");
        for j in 0..2 {
            close(&format!("{t} b{j}"), f.b[j], &r["b"][j], EST, 1e-12);
            close(&format!("{t} se{j}"), f.se[j], &r["se"][j], EST, 1e-12);
            close(
                &format!("{t} pval{j}"),
                f.pval[j],
                &r["pval"][j],
                1e-7,
                1e-12,
            );
            close(
                &format!("{t} ci.lb{j}"),
                f.ci_lb[j],
                &r["ci.lb"][j],
                EST,
                1e-12,
            );
        }
        close(&format!("{t} tau2"), f.tau2, &r["tau2"], 1e-7, 1e-10);
        close(&format!("{t} I2"), f.i2, &r["I2"], 0.0, 1e-6);
        close(&format!("{t} QE"), f.qe, &r["QE"], 1e-10, 1e-12);
        let (qm, _, _, qmp) = f.qm.expect("qm");
        close(&format!("{t} QM"), qm, &r["QM"], 1e-7, 1e-10);
        close(&format!("{t} QMp"), qmp, &r["QMp"], 1e-7, 1e-12);
        if method == Method::REML {
            let r2 = (100.0 * (re.tau2 - f.tau2) / re.tau2).max(0.0);
            close(&format!("{t} R2"), r2, &r["R2"], 1e-7, 1e-8);
        }
        if let Some(pr) = r.get("predict_ablat") {
            for (i, a) in pr["ablat"].as_array().expect("a").iter().enumerate() {
                let p = f.predict(&[1.0, a.as_f64().expect("x")]);
                close(&format!("{t} pred {i}"), p.pred, &pr["pred"][i], EST, 1e-12);
                close(&format!("{t} pred se {i}"), p.se, &pr["se"][i], EST, 1e-12);
                close(
                    &format!("{t} pi.lb {i}"),
                    p.pi_lb,
                    &pr["pi.lb"][i],
                    EST,
                    1e-12,
                );
                close(
                    &format!("{t} pi.ub {i}"),
                    p.pi_ub,
                    &pr["pi.ub"][i],
                    EST,
                    1e-12,
                );
            }
        }
    }
}

#[test]
fn subgroups_by_allocation_match_metafor() {
    let d = load("bcg_RR.json");
    let (y, v) = yv(&d);
    let alloc: Vec<String> = d["studies"]
        .as_array()
        .expect("s")
        .iter()
        .map(|s| s["alloc"].as_str().expect("alloc").to_string())
        .collect();
    let sg = subgroups(&y, &v, &alloc, &opts(Method::REML, Test::Z)).expect("subgroups");
    let r = &d["subgroups"];
    for g in &sg.groups {
        check_fit(
            &format!("subgroup {}", g.level),
            &g.fit,
            &r["per_subgroup_REML"][&g.level],
        );
    }
    let z = &r["pooled_tau2_moderator_test"]["z"];
    let c = &sg.common_tau2;
    close("common tau2", c.tau2, &z["tau2"], 1e-7, 1e-10);
    let (qm, df, _, qmp) = c.qm.expect("qm");
    assert_eq!(df, 2);
    close("QM", qm, &z["QM"], 1e-7, 1e-10);
    close("QMp", qmp, &z["QMp"], 1e-7, 1e-12);
    for j in 0..3 {
        close("b", c.b[j], &z["b"][j], EST, 1e-12);
        close("se", c.se[j], &z["se"][j], EST, 1e-12);
    }
    let sep = &r["separate_tau2_wald_test"];
    close("Q between", sg.q_between, &sep["QM"], 1e-7, 1e-10);
    close("Q between p", sg.q_between_pval, &sep["QMp"], 1e-7, 1e-12);
    assert_eq!(sg.q_between_df, 2);
    // the same moderator test with Knapp-Hartung: an F test on (2, 10) df
    let kn = &r["pooled_tau2_moderator_test"]["knha"];
    let (d, _) = design(
        y.len(),
        &[("alloc".into(), Moderator::Categorical(alloc.clone()))],
    )
    .expect("design");
    let f = fit(&y, &v, &d, &opts(Method::REML, Test::Knha)).expect("knha");
    let (qm, df1, df2, qmp) = f.qm.expect("qm");
    assert_eq!((df1, df2), (2, Some(10.0)));
    close("QM_F", qm, &kn["QM_F"], 1e-7, 1e-10);
    close("QMp knha", qmp, &kn["QMp"], 1e-7, 1e-12);
    for j in 0..3 {
        close("se knha", f.se[j], &kn["se"][j], EST, 1e-12);
    }
}

#[test]
fn back_transformed_correlation_and_raw_md_fits_match_metafor() {
    let d = load("molloy2014_ZCOR.json");
    let (y, v) = yv(&d);
    let f = fit(
        &y,
        &v,
        &Design::intercept(y.len()),
        &opts(Method::REML, Test::Z),
    )
    .expect("fit");
    let b = &d["back_transformed_REML"];
    let p = f.predict(&[1.0]);
    let m = Measure::Zcor;
    for (got, key) in [
        (f.estimate(), "r"),
        (p.ci_lb, "ci.lb"),
        (p.ci_ub, "ci.ub"),
        (p.pi_lb, "pi.lb"),
        (p.pi_ub, "pi.ub"),
    ] {
        close(
            &format!("tanh {key}"),
            m.back_transform(got).expect("back"),
            &b[key],
            EST,
            1e-10,
        );
    }
    let d = load("normand1999_SMD.json");
    let md = &d["escalc_MD_same_data"];
    let y: Vec<f64> = md["yi"]
        .as_array()
        .expect("yi")
        .iter()
        .map(|x| x.as_f64().expect("y"))
        .collect();
    let v: Vec<f64> = md["vi"]
        .as_array()
        .expect("vi")
        .iter()
        .map(|x| x.as_f64().expect("v"))
        .collect();
    for name in ["REML", "DL"] {
        let f = fit_z(&y, &v, name);
        check_fit(&format!("normand MD {name}"), &f, &md[name]);
    }
}
