//! Issue 18: the briefing, `lacuna prisma` and `lacuna demo`, on the
//! bundled demo corpus grown from the Metapsy borderline trials; and the
//! demo's pooled BPD-severity estimate against metafor.

use crate::support::{lacuna, root, shared, stderr, stdout};
use serde_json::Value;
use std::path::PathBuf;

/// Run the demo into a fresh folder; the briefing's path is stdout's last line.
fn demo() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path().join("demo-review");
    let o = lacuna(&[&"demo", &"--out", &dir, &"--no-pdf"]);
    assert!(o.status.success(), "demo: {}", stderr(&o));
    let out = stdout(&o);
    let last = out.lines().last().expect("a last line");
    let page = PathBuf::from(last);
    assert!(page.is_file(), "the last line is the briefing: {last:?}");
    assert!(stderr(&o).contains("month 2"), "progress on stderr");
    (t, dir, page)
}

fn json(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Value {
    let o = lacuna(args);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("JSON")
}

/// The numbers the page shows for each PRISMA field.
fn page_numbers(html: &str) -> std::collections::BTreeMap<String, u64> {
    let mut out = std::collections::BTreeMap::new();
    for part in html.split("data-prisma=\"").skip(1) {
        let (field, rest) = part.split_once('"').expect("field");
        let n = rest
            .trim_start_matches('>')
            .split('<')
            .next()
            .and_then(|x| x.parse().ok())
            .expect("a number");
        out.insert(field.to_string(), n);
    }
    out
}

fn rows<'a>(html: &'a str, kind: &str) -> Vec<&'a str> {
    html.split(&format!("<tr data-change=\"{kind}\""))
        .skip(1)
        .map(|r| r.split("</tr>").next().unwrap_or(""))
        .collect()
}

#[test]
fn issue_18_the_demo_briefing_says_what_the_store_says() {
    let (_t, dir, page) = demo();
    let html = std::fs::read_to_string(&page).expect("briefing");
    // self-contained: no script, no outside resource
    assert!(!html.contains("<script"), "no script in the briefing");
    assert!(!html.contains("src=\"http"), "no remote resource");
    assert!(page.with_file_name("briefing.md").is_file());
    assert!(page.with_file_name("gapmap.html").is_file());

    // PRISMA: the page, `lacuna prisma --json` and the sums agree
    let p = json(&[&"prisma", &dir, &"--json"]);
    let shown = page_numbers(&html);
    for (field, n) in &shown {
        if let Some(want) = p.get(field.as_str()) {
            assert_eq!(Some(*n), want.as_u64(), "{field}");
        }
    }
    for field in [
        "database_results",
        "duplicates",
        "records_screened",
        "records_excluded",
        "dbr_assessed",
        "new_studies",
        "total_studies",
        "previous_studies",
    ] {
        assert!(shown.contains_key(field), "{field} is drawn");
    }
    crate::support::assert_prisma_adds_up(&p, "the demo's version 2");
    let n = |f: &str| p[f].as_u64().expect(f);
    // Version 2 is an update: its "new" side counts only the month-2 batch.
    let month2 = std::fs::read_to_string(root().join("corpus/month-2.jsonl")).expect("month 2");
    assert_eq!(
        n("database_results"),
        month2.lines().filter(|l| !l.trim().is_empty()).count() as u64,
        "month 2's records identified are the records month 2 brought"
    );
    let p1 = json(&[&"prisma", &dir, &"--snapshot", &"1", &"--json"]);
    crate::support::assert_prisma_adds_up(&p1, "the demo's version 1");
    assert_eq!(
        n("previous_studies"),
        p1["total_studies"].as_u64().expect("v1")
    );
    assert_eq!(
        p1["duplicates"], 1,
        "the demo resolves its one duplicate pair"
    );
    assert!(
        p["database_specific_results"]
            .as_array()
            .expect("databases")
            .iter()
            .all(|d| !d["database"].as_str().unwrap_or("").ends_with(".jsonl")),
        "databases are named by database, not by file: {p}"
    );
    let pairs = lacuna(&[&"dedup", &dir, &"--review"]);
    assert!(
        stdout(&pairs).contains("no uncertain pairs")
            || stderr(&pairs).contains("no uncertain pairs"),
        "the demo leaves no pair unresolved"
    );
    // the CSV has the package's fields
    let csv = lacuna(&[&"prisma", &dir, &"--csv"]);
    let csv = stdout(&csv);
    assert!(csv.starts_with("data,node,box,description,boxtext,tooltips,url,n\n"));
    assert!(csv.contains("records_screened,node9,box4,"));
    assert!(csv.lines().any(
        |l| l.starts_with("total_studies,") && l.ends_with(&format!(",{}", n("total_studies")))
    ));

    // What's new equals the diff
    let d = json(&[&"diff", &dir, &"--json"]);
    let count = |k: &str| d[k].as_array().map_or(0, Vec::len);
    assert!(rows(&html, "records-new")
        .first()
        .is_some_and(|r| r.contains(&format!(
            "<td>{}</td>",
            d["records"]["new"].as_array().map_or(0, Vec::len)
        ))));
    assert_eq!(rows(&html, "gap-closed").len(), count("gaps_closed"));
    assert_eq!(rows(&html, "gap-opened").len(), count("gaps_opened"));
    assert_eq!(rows(&html, "pooled-moved").len(), count("pooled_moved"));
    assert_eq!(rows(&html, "material").len(), count("material"));
    assert!(
        count("material") > 0,
        "the second month changes something material"
    );
    // the new studies by name (issue 26: the diff's ids are not shown), as
    // many as the diff has
    let new_row = rows(&html, "included-new")[0];
    let shown_new = new_row
        .split("<td>")
        .nth(2)
        .and_then(|c| c.split("</td>").next())
        .expect("the names");
    assert_eq!(
        shown_new.split("; ").count(),
        count("included_new"),
        "{shown_new}"
    );
    assert!(shown_new.contains("Arntz 2022"), "{shown_new}");
    for s in d["included_new"].as_array().expect("included_new") {
        let id = s.as_str().unwrap_or("");
        assert!(!id.contains(':') || !new_row.contains(id), "{id} shown");
    }
    // the next month closes a gap: schema therapy on suicidal behaviour
    assert!(d["gaps_closed"]
        .as_array()
        .expect("closed")
        .iter()
        .any(|g| {
            g["intervention"] == "psych.schema"
                && g["outcome"] == "self_harm_suicidality"
                && g["gap"] == "absolute"
        }));

    // one forest plot per pooled cell, and the demo pools where the trials are
    let snap = json(&[&"snapshot", &dir, &"--list", &"--json"]);
    assert_eq!(snap.as_array().map(Vec::len), Some(2));
    let map = json(&[&"map", &dir, &"--json", &"-q"]);
    let pooled_cells = map["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .filter(|c| c["pooled"].as_array().is_some_and(|p| !p.is_empty()))
        .count();
    assert!(pooled_cells >= 6, "{pooled_cells} pooled cells");
    let sections = html.matches("<section class=\"pooled-cell\"").count();
    let forests = html.matches("<figure class=\"forest\">").count();
    assert!(sections >= 6);
    assert_eq!(forests, sections, "a forest plot for each pooled cell");

    // the page in Chromium: no errors, no network, every figure captioned
    let shot = std::env::temp_dir().join(format!("lacuna-briefing-{}.png", std::process::id()));
    let node_modules = root().join("tests/browser/node_modules/playwright-core");
    assert!(
        node_modules.is_dir(),
        "playwright-core is not installed: run `npm ci --prefix tests/browser`"
    );
    let o = std::process::Command::new("node")
        .arg(root().join("tests/browser/briefing.mjs"))
        .arg(&page)
        .arg(&shot)
        .output()
        .expect("run node");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: Value = serde_json::from_slice(&o.stdout).expect("browser JSON");
    assert_eq!(r["console_errors"], Value::Array(vec![]), "{r}");
    assert_eq!(r["page_errors"], Value::Array(vec![]), "{r}");
    assert_eq!(r["requests"], Value::Array(vec![]), "{r}");
    assert_eq!(r["figures_without_caption"], 0, "{r}");
    assert_eq!(r["svgs_without_alt"], 0, "{r}");
    assert_eq!(r["forests"].as_u64(), Some(forests as u64));
    // printed, no search string is folded away (issue 26)
    assert_eq!(r["print_details"], 0, "{r}");
    assert_eq!(
        r["print_searches"].as_u64(),
        Some(crate::support::cen_protocol().searches.len() as u64),
        "{r}"
    );
    for id in [
        "summary",
        "whats-new",
        "prisma",
        "map",
        "funders",
        "pooled",
        "methods",
        "references",
    ] {
        assert!(
            r["sections"]
                .as_array()
                .is_some_and(|s| s.iter().any(|x| x == id)),
            "{id}"
        );
    }
    let in_browser: std::collections::BTreeMap<String, u64> =
        serde_json::from_value(r["prisma"].clone()).expect("prisma in the page");
    assert_eq!(in_browser, shown);
    assert!(std::fs::metadata(&shot).is_ok_and(|m| m.len() > 10_000));
}

/// metafor (R 4.x, metafor 4.x), run once; the script is in the test's doc:
/// `d <- read.csv2(data.csv); b <- d[d$outcome_domain == "BPD severity", ]`,
/// then `rma(yi=b$.g, sei=b$.g_se, method="REML", test="knha")` and, from
/// the means, `e <- escalc("SMD", m1i=mean_arm1, sd1i=sd_arm1, n1i=n_arm1,
/// m2i=mean_arm2, sd2i=sd_arm2, n2i=n_arm2, data=b); rma(yi, vi, data=e,
/// method="REML", test="knha")`, with `predict()` for the prediction interval;
/// every fit with the reference control of `shared/fixtures/meta`
/// (`control = list(threshold = 1e-12, tol = 1e-12, maxiter = 10000)`).
/// metafor's default control stops REML at a τ² step of 1e-5 and prints an
/// estimate 1.3e-7 (relative) away: −0.454228687318 for the first fit.
struct Metafor {
    estimate: f64,
    se: f64,
    tau2: f64,
    ci: (f64, f64),
    pi: (f64, f64),
    i2: f64,
}

const FROM_G: Metafor = Metafor {
    estimate: -0.454228555394,
    se: 0.096757295778,
    tau2: 0.156175178461,
    ci: (-0.652119444812, -0.256337665976),
    pi: (-1.286355948558, 0.377898837769),
    i2: 71.267837581074,
};

const FROM_MEANS: Metafor = Metafor {
    estimate: -0.455715199427,
    se: 0.097018649194,
    tau2: 0.158292954468,
    ci: (-0.654140616598, -0.257289782255),
    pi: (-1.293275001429, 0.381844602575),
    i2: 71.569452767093,
};

fn check(y: &[f64], v: &[f64], want: &Metafor) {
    let es: Vec<lacuna::model::EffectSize> = y
        .iter()
        .zip(v)
        .map(|(a, b)| lacuna::model::EffectSize::new(*a, *b).expect("effect"))
        .collect();
    let f = lacuna::meta::pool(
        &es,
        &lacuna::meta::Options {
            method: lacuna::meta::Method::REML,
            test: lacuna::meta::Test::Knha,
            ..lacuna::meta::Options::default()
        },
    )
    .expect("fit");
    let p = f.predict(&[1.0]);
    // printed to 12 decimals; the fixtures' README asks 1e-8 relative
    let close = |a: f64, b: f64, what: &str| {
        assert!(
            (a - b).abs() <= 1e-11 + 1e-8 * b.abs(),
            "{what}: {a} vs metafor {b}"
        );
    };
    assert_eq!(f.k, 30);
    close(f.estimate(), want.estimate, "estimate");
    close(p.se, want.se, "se");
    close(f.tau2, want.tau2, "tau2");
    close(p.ci_lb, want.ci.0, "ci.lb");
    close(p.ci_ub, want.ci.1, "ci.ub");
    close(p.pi_lb, want.pi.0, "pi.lb");
    close(p.pi_ub, want.pi.1, "pi.ub");
    assert!((f.i2 - want.i2).abs() < 1e-6, "I² {}", f.i2);
}

fn num(s: &str) -> f64 {
    s.trim().replace(',', ".").parse().unwrap_or(f64::NAN)
}

/// The dataset's own g and SE (its escalc output) for the 30 BPD-severity
/// rows, read in place from the shared folder.
fn metapsy_g() -> Vec<(String, f64, f64)> {
    let path = shared().join("corpus-demo/metapsy-borderline/data.csv");
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_path(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let h = r.headers().expect("header").clone();
    let col = |n: &str| {
        h.iter()
            .position(|x| x == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    let (study, domain, g, se) = (col("study"), col("outcome_domain"), col(".g"), col(".g_se"));
    r.records()
        .map(|x| x.expect("row"))
        .filter(|x| x.get(domain) == Some("BPD severity"))
        .map(|x| {
            (
                x.get(study).unwrap_or("").to_string(),
                num(x.get(g).unwrap_or("")),
                num(x.get(se).unwrap_or("")),
            )
        })
        .collect()
}

#[test]
fn issue_18_the_demo_bpd_severity_pool_equals_metafor() {
    // The dataset's g and SE, pooled: metafor's answer to 1e-8.
    let rows = metapsy_g();
    assert_eq!(rows.len(), 30);
    let y: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let v: Vec<f64> = rows.iter().map(|r| r.2 * r.2).collect();
    check(&y, &v, &FROM_G);

    // The demo's own effect sheets: Lacuna computes g from the means, SDs
    // and group sizes, and pools them as metafor pools its escalc output.
    let (_t, dir, _) = demo();
    let review = lacuna::store::Review::open(&dir).expect("open");
    let smd: Vec<lacuna::model::EffectRow> = review
        .effects()
        .expect("effects")
        .into_iter()
        .map(|(_, e)| e)
        .filter(|e| e.outcome == "symptoms" && e.measure == lacuna::model::Measure::Smd)
        .collect();
    assert_eq!(smd.len(), 30, "every BPD-severity row of the dataset");
    let y: Vec<f64> = smd.iter().map(|e| e.yi).collect();
    let v: Vec<f64> = smd.iter().map(|e| e.vi).collect();
    check(&y, &v, &FROM_MEANS);
    // Row by row, Lacuna's g is the dataset's to 2e-4 (its g was computed
    // from unrounded means; the CSV prints them rounded).
    let mut mine: Vec<f64> = y.clone();
    let mut theirs: Vec<f64> = rows.iter().map(|r| r.1).collect();
    mine.sort_by(f64::total_cmp);
    theirs.sort_by(f64::total_cmp);
    for (a, b) in mine.iter().zip(&theirs) {
        assert!((a - b).abs() < 2e-4, "{a} vs {b}");
    }
}

#[test]
fn issue_18_report_needs_a_snapshot_and_says_so() {
    let (_t, dir) = crate::support::demo_review();
    let o = lacuna(&[&"report", &dir, &"--no-pdf"]);
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert!(stderr(&o).contains("lacuna snapshot"), "{}", stderr(&o));
    let o = lacuna(&[&"prisma", &dir]);
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    // a demo into a folder that holds something else is refused
    let t = tempfile::tempdir().expect("tempdir");
    std::fs::write(t.path().join("notes.txt"), "mine").expect("write");
    let o = lacuna(&[&"demo", &"--out", &t.path(), &"--no-pdf"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        t.path().join("notes.txt").is_file(),
        "nothing of the user's is removed"
    );
}

/// The text a person reads: the HTML without its tags, figures and
/// attributes (entities decoded), and the Markdown without image and link
/// targets (file names).
fn visible(html: &str, md: &str) -> (String, String) {
    let body = html.split("<body>").nth(1).expect("a body");
    let mut out = String::new();
    let mut rest = body;
    // the figures' SVG text is checked on its own; their attributes hold ids
    while let Some(i) = rest.find("<svg") {
        out.push_str(rest.get(..i).unwrap_or(""));
        rest = rest
            .get(i..)
            .and_then(|r| r.find("</svg>").and_then(|j| r.get(j + 6..)))
            .unwrap_or("");
    }
    out.push_str(rest);
    // tags out; a block's end is a space, an inline tag nothing
    let mut text = String::new();
    let mut tag = String::new();
    let mut inside = false;
    for c in out.chars() {
        match c {
            '<' => {
                inside = true;
                tag.clear();
            }
            '>' => {
                inside = false;
                let name = tag.trim_start_matches('/');
                let name = name.split_whitespace().next().unwrap_or("");
                if !["strong", "dfn", "em", "code", "a", "span"].contains(&name) {
                    text.push(' ');
                }
            }
            c if inside => tag.push(c),
            c => text.push(c),
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let mut m = String::new();
    for line in md.lines() {
        let mut l = line.to_string();
        while let Some(i) = l.find("](") {
            let end = l
                .get(i..)
                .and_then(|r| r.find(')'))
                .map_or(l.len(), |j| i + j + 1);
            l.replace_range(i + 1..end, "");
        }
        m.push_str(&l.replace('\\', "").replace("**", ""));
        m.push('\n');
    }
    (text, m)
}

/// The references as listed (HTML list items, tags stripped).
fn references(html: &str) -> Vec<String> {
    let list = html
        .split("<ol class=\"references\">")
        .nth(1)
        .and_then(|r| r.split("</ol>").next())
        .expect("the references");
    list.split("<li>")
        .skip(1)
        .map(|li| {
            let li = li.split("</li>").next().unwrap_or("");
            let mut t = String::new();
            let mut inside = false;
            for c in li.chars() {
                match c {
                    '<' => inside = true,
                    '>' => inside = false,
                    c if !inside => t.push(c),
                    _ => {}
                }
            }
            t.replace("&amp;", "&")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
        })
        .collect()
}

fn normalised(t: &str) -> String {
    t.chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn issue_26_the_briefing_names_studies_and_categories_never_ids() {
    let (_t, dir, page) = demo();
    let html = std::fs::read_to_string(&page).expect("briefing");
    let md = std::fs::read_to_string(page.with_file_name("briefing.md")).expect("markdown");
    let (text, md) = visible(&html, &md);
    assert!(text.contains("Arntz 2022"), "studies by name");
    // the map's categories, by their ids: none a person reads
    let map = json(&[&"map", &dir, &"--json", &"-q"]);
    let mut ids = Vec::new();
    for axis in ["interventions", "outcomes", "populations", "designs"] {
        for a in map[axis].as_array().expect(axis) {
            let id = a["id"].as_str().expect("id");
            if id.contains('.') || id.contains('_') {
                ids.push(id.to_string());
            }
        }
    }
    assert!(ids.iter().any(|i| i == "psych.schema"), "{ids:?}");
    for (form, t) in [("html", &text), ("markdown", &md)] {
        for bad in [
            "pmid:",
            "src:",
            "et al..",
            "Knha",
            "knha",
            "Method::",
            "REML estimator of",
        ] {
            assert!(!t.contains(bad), "{form} shows {bad:?}");
        }
        for id in &ids {
            assert!(
                !t.contains(id.as_str()),
                "{form} shows the category id {id}"
            );
        }
        assert!(t.contains("Knapp–Hartung"), "{form}");
        // each term explained exactly once, at its first use
        for why in [
            "REML (restricted maximum likelihood)",
            "95 % confidence interval (CI:",
            "95 % prediction interval (PI:",
            "I² (the share of the spread between studies",
            "τ² (tau squared:",
            "k (the number of studies pooled)",
        ] {
            assert_eq!(t.matches(why).count(), 1, "{form}: {why}");
        }
        assert!(t.contains("Which side is better."), "{form}");
    }
    // the Markdown holds the same sections as the page
    for h in [
        "## Summary",
        "## What's new",
        "## How the studies were found",
        "## The evidence gap map",
        "## Pooled results",
        "## Methods",
        "### Search strings",
        "## References of the included studies",
    ] {
        assert!(md.contains(h), "{h}");
    }
}

#[test]
fn issue_26_references_are_one_style_by_study_name_and_each_title_once() {
    let (_t, dir, page) = demo();
    let html = std::fs::read_to_string(&page).expect("briefing");
    let refs = references(&html);
    assert!(refs.len() > 80, "{} references", refs.len());
    let mut names = Vec::new();
    for r in &refs {
        assert!(!r.contains("et al.."), "{r}");
        assert!(!r.contains("()") && !r.contains(". ."), "{r}");
        assert!(!r.trim_end_matches(" RETRACTED").ends_with(".."), "{r}");
        // the study's name in bold first, then the reference
        let bold = html
            .split("<ol class=\"references\">")
            .nth(1)
            .map(|l| {
                l.contains(&format!(
                    "<li><strong>{}",
                    r.split('.').next().unwrap_or("").replace('&', "&amp;")
                ))
            })
            .unwrap_or(false);
        assert!(bold, "{r}");
        names.push(r.split(". ").next().unwrap_or("").to_lowercase());
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "ordered by study name");
    // Vancouver-like: three authors, then et al.; year;volume(issue):pages
    let arntz = refs
        .iter()
        .find(|r| r.starts_with("Arntz 2022."))
        .expect("Arntz 2022");
    assert!(
        arntz.starts_with("Arntz 2022. Arntz A, Jacob GA, Lee CW, et al. Effectiveness of Predominantly Group Schema Therapy"),
        "{arntz}"
    );
    assert!(arntz.contains("JAMA Psychiatry. 2022"), "{arntz}");
    assert!(arntz.ends_with("PMID: 35234828."), "{arntz}");
    // each title once: the longest sentence of a reference (its title) is
    // in no other reference
    let whole: Vec<String> = refs.iter().map(|r| normalised(r)).collect();
    for (i, r) in refs.iter().enumerate() {
        let title = r
            .split(". ")
            .skip(1)
            .max_by_key(|p| p.len())
            .map(normalised)
            .unwrap_or_default();
        if title.split(' ').count() < 5 {
            continue;
        }
        for (j, other) in whole.iter().enumerate() {
            assert!(
                i == j || !other.contains(&title),
                "two references share the title {title:?}:\n{r}\n{}",
                refs[j]
            );
        }
    }
    // and from the other side: every title of an included report of version
    // 2, however short, stands in exactly one reference
    let review = lacuna::store::Review::open(&dir).expect("open");
    let v2 = lacuna::pipeline::living::load(&review, 2).expect("version 2");
    let titles: std::collections::BTreeSet<String> = v2
        .included
        .iter()
        .filter(|s| !s.ongoing)
        .flat_map(|s| s.reports.iter().map(|r| normalised(&r.title)))
        .filter(|t| !t.is_empty())
        .collect();
    assert!(titles.len() > 50, "{} titles", titles.len());
    for t in &titles {
        let n = whole.iter().filter(|r| r.contains(t.as_str())).count();
        assert!(
            n == 1 || (n > 1 && titles.iter().any(|u| u != t && u.contains(t.as_str()))),
            "the title {t:?} stands in {n} references"
        );
    }
}

#[test]
fn issue_26_charts_have_a_labelled_axis_names_once_and_bounded_values() {
    let (_t, _dir, page) = demo();
    let folder = page.parent().expect("folder");
    let read = |prefix: &str| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = std::fs::read_dir(folder)
            .expect("folder")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(prefix) && n.ends_with(".svg"))
            .map(|n| {
                let s = std::fs::read_to_string(folder.join(&n)).expect("svg");
                (n, s)
            })
            .collect();
        v.sort();
        v
    };
    let cumulative = read("cumulative-");
    assert!(cumulative.len() >= 6, "{}", cumulative.len());
    let ticks = |s: &str| -> Vec<String> {
        s.split("<text class=\"tick\"")
            .skip(1)
            .filter_map(|t| t.split('>').nth(1).and_then(|x| x.split('<').next()))
            .map(str::to_string)
            .collect()
    };
    for (name, s) in &cumulative {
        let t = ticks(s);
        assert!(t.len() >= 3, "{name}: ticks {t:?}");
        if name.ends_with("-rr.svg") {
            assert!(t.iter().any(|x| x == "1"), "{name}: 1 is a tick: {t:?}");
            assert!(s.contains("Risk ratio (log scale)"), "{name}");
        }
        // no value printed beyond the sensible range
        for w in s.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
            if let Ok(x) = w.parse::<f64>() {
                if s.contains(&format!(">{w} ["))
                    || s.contains(&format!(", {w}]"))
                    || s.contains(&format!("[{w},"))
                {
                    assert!(x <= 100.0, "{name}: {w}");
                }
            }
        }
        // a year is shown once: no row label starts with a year
        for row in s.split("<text x=\"10\" y=\"").skip(2) {
            let label = row
                .split('>')
                .nth(1)
                .and_then(|x| x.split('<').next())
                .unwrap_or("");
            assert!(
                !label.starts_with(|c: char| c.is_ascii_digit()),
                "{name}: {label:?}"
            );
        }
    }
    // An interval beyond the axis (the MBT self-harm one reached 42335.96
    // once) is printed as a bound and clipped with an arrow (the unit tests
    // of `report::briefing::chart` draw one); here: every bound printed as
    // such is drawn clipped.
    for (name, svg) in &cumulative {
        if svg.contains("&gt;100") || svg.contains("&lt;0.01") {
            assert!(svg.contains("class=\"clipped\""), "{name}");
        }
    }
    // a version that did not move the estimate says so, and the caption too
    let versions = read("versions-");
    assert!(versions.iter().any(|(_, s)| s.contains(">unchanged<")));
    let html = std::fs::read_to_string(&page).expect("briefing");
    assert!(html.contains("A row reads “unchanged”"));
}

#[test]
fn issue_26_the_printed_map_keeps_its_labels_at_8_pt_or_more() {
    let (_t, _dir, page) = demo();
    let html = std::fs::read_to_string(&page).expect("briefing");
    let attr = |s: &str, name: &str| -> Vec<f64> {
        s.split(&format!(" {name}=\""))
            .skip(1)
            .filter_map(|x| x.split('"').next().and_then(|v| v.parse().ok()))
            .collect()
    };
    // The map's parts as the page draws them, each figure one part.
    let parts: Vec<&str> = html
        .split("<figure")
        .skip(1)
        .filter(|f| f.contains("Evidence gap map at version"))
        .collect();
    assert!(!parts.is_empty(), "the map is drawn");
    for (i, svg) in parts.iter().enumerate() {
        let width = *attr(svg, "width").first().expect("width");
        let height = *attr(svg, "height").first().expect("height");
        let smallest = attr(svg, "font-size")
            .into_iter()
            .fold(f64::INFINITY, f64::min);
        // The narrower page: A4 less 15 mm margins is 180 mm = 680 CSS px;
        // 1 px = 0.75 pt.
        let scale = (680.0 / width).min(1.0);
        let printed = smallest * scale * 0.75;
        assert!(
            printed >= 8.0,
            "part {}: labels print at {printed:.1} pt (width {width})",
            i + 1
        );
        // The shorter page: US Letter's 11 in less 34 mm of margins, less a
        // caption, holds the part at that scale.
        let page_px = (11.0 * 25.4 - 34.0) / 25.4 * 96.0;
        assert!(
            height * (703.0 / width).min(1.0) <= page_px - 80.0,
            "part {}: {height} units tall does not fit a Letter page",
            i + 1
        );
    }
}

/// The PDF's pages (pdfinfo) and each page's text (pdftotext).
fn pdf_pages(pdf: &std::path::Path) -> (String, Vec<String>) {
    let info = std::process::Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .expect("pdfinfo (apt-get install poppler-utils)");
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let n: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("a page count");
    let pages = (1..=n)
        .map(|i| {
            let o = std::process::Command::new("pdftotext")
                .args(["-f", &i.to_string(), "-l", &i.to_string()])
                .arg(pdf)
                .arg("-")
                .output()
                .expect("pdftotext");
            String::from_utf8_lossy(&o.stdout).into_owned()
        })
        .collect();
    (info, pages)
}

/// Per page of a PDF: how far down its text reaches, as a share of the
/// printable height (the footer left out), and the first line of text
/// (`pdftotext -bbox-layout`).
fn page_fill(pdf: &std::path::Path) -> Vec<(f64, String)> {
    let o = std::process::Command::new("pdftotext")
        .arg("-bbox-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    let xml = String::from_utf8_lossy(&o.stdout).into_owned();
    let attr = |tag: &str, name: &str| -> f64 {
        tag.split(&format!(" {name}=\""))
            .nth(1)
            .and_then(|v| v.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    let mut out = Vec::new();
    for page in xml.split("<page ").skip(1) {
        let height = attr(&format!(" {page}"), "height");
        // A4 and Letter margins of the print layout: 16 mm top, 18 mm bottom.
        let (top, bottom) = (16.0 * 72.0 / 25.4, 18.0 * 72.0 / 25.4);
        let mut lowest: f64 = 0.0;
        let mut first: (f64, String) = (f64::INFINITY, String::new());
        for line in page.split("<line ").skip(1) {
            let head = format!(" {}", line.split('>').next().unwrap_or(""));
            let (y0, y1) = (attr(&head, "yMin"), attr(&head, "yMax"));
            let words: Vec<&str> = line
                .split("<word ")
                .skip(1)
                .filter_map(|w| {
                    w.split_once('>')
                        .map(|(_, r)| r.split('<').next().unwrap_or(""))
                })
                .collect();
            let text = words.join(" ");
            if y0 > height - bottom {
                continue; // the footer
            }
            lowest = lowest.max(y1);
            if y0 < first.0 {
                first = (y0, text);
            }
        }
        out.push(((lowest - top) / (height - top - bottom), first.1));
    }
    out
}

#[test]
fn issue_26_the_pdf_is_a4_or_letter_numbers_every_page_and_prints_the_searches() {
    let (_t, dir, _) = demo();
    let protocol = crate::support::cen_protocol();
    let first = protocol.searches.first().expect("a search").query.clone();
    // pdftotext joins a word broken at a hyphen: compare without either
    let squash = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
    };
    for (paper, size) in [("a4", "595.92 x 841.92"), ("letter", "612 x 792")] {
        let out = dir.join(format!("print-{paper}"));
        let o = lacuna(&[&"report", &dir, &"--out", &out, &"--paper", &paper]);
        assert!(o.status.success(), "{}", stderr(&o));
        let pdf = out.join("briefing.pdf");
        assert!(pdf.is_file(), "a PDF ({paper}): {}", stderr(&o));
        let (info, pages) = pdf_pages(&pdf);
        let size_line = info
            .lines()
            .find(|l| l.starts_with("Page size:"))
            .expect("size");
        let (w, h) = {
            let v: Vec<f64> = size_line
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            (v[0], v[1])
        };
        let (ww, wh): (f64, f64) = {
            let v: Vec<f64> = size.split(" x ").filter_map(|x| x.parse().ok()).collect();
            (v[0], v[1])
        };
        assert!(
            (w - ww).abs() < 2.0 && (h - wh).abs() < 2.0,
            "{paper}: {size_line}"
        );
        let n = pages.len();
        assert!(n > 5, "{n} pages");
        for (i, p) in pages.iter().enumerate() {
            assert!(
                p.contains(&format!("Page {} of {n}", i + 1)),
                "{paper}: page {} has no number",
                i + 1
            );
        }
        // the text without the page footers, which may fall inside a search
        let body: String = pages
            .iter()
            .flat_map(|p| p.lines())
            .filter(|l| !(l.starts_with("Page ") && l.contains(" of ")))
            .collect::<Vec<_>>()
            .join("\n");
        let all = squash(&body);
        assert!(
            all.contains(&squash(&first)),
            "{paper}: the first search string in full"
        );
        assert!(all.contains("Searchstrings"));
        // No page ends on a heading: it goes to the next page with its text.
        let html = std::fs::read_to_string(out.join("briefing.html")).expect("html");
        let headings: Vec<String> = html
            .split("<h3")
            .skip(1)
            .chain(html.split("<h2").skip(1))
            .filter_map(|h| h.split_once('>').and_then(|(_, r)| r.split("</h").next()))
            .map(|t| t.split('<').next().unwrap_or("").trim().to_string())
            .filter(|t| t.len() > 12)
            .collect();
        assert!(headings.len() > 5, "{headings:?}");
        // No page more than half empty, except where a section ends (the
        // next page opens with a section's heading) and the last page.
        // sections: the h2 ones, and each pooled cell's <section>
        let sections: Vec<String> = html
            .split("<h2")
            .skip(1)
            .filter_map(|h| h.split_once('>').and_then(|(_, r)| r.split("</h2").next()))
            .chain(
                html.split("<section class=\"pooled-cell\"")
                    .skip(1)
                    .filter_map(|s| s.split("<h3").nth(1))
                    .filter_map(|h| h.split_once('>').and_then(|(_, r)| r.split("</h3").next())),
            )
            .map(|t| t.split('<').next().unwrap_or("").trim().to_string())
            .collect();
        let fill = page_fill(&pdf);
        assert_eq!(fill.len(), n);
        for i in 0..n.saturating_sub(1) {
            let (full, _) = &fill[i];
            let (_, next_first) = &fill[i + 1];
            let section_ends = sections
                .iter()
                .any(|h| !next_first.is_empty() && h.starts_with(next_first.as_str()));
            assert!(
                *full >= 0.5 || section_ends,
                "{paper}: page {} is {:.0} % full and the next opens with {next_first:?}",
                i + 1,
                full * 100.0
            );
        }
        for (i, p) in pages.iter().enumerate() {
            let last = p
                .lines()
                .rfind(|l| {
                    let footer = l.starts_with("Page ") && l.contains(" of ");
                    !l.trim().is_empty() && !footer
                })
                .unwrap_or("")
                .trim()
                .to_string();
            assert!(
                last.len() < 8 || !headings.iter().any(|h| h.starts_with(&last)),
                "{paper}: page {} ends on the heading {last:?}",
                i + 1
            );
        }
    }
}
