//! The briefing a policy unit or a funder reads: one self-contained HTML
//! file (every figure inline SVG, no script, no network) and the same text
//! as Markdown, for one snapshot of a living review against an earlier one.
//!
//! Pure: [`render`] takes what `pipeline::briefing` gathered from the store
//! and returns the texts; numbers come from the snapshot and the diff, never
//! from anywhere else, so the briefing says what `lacuna prisma` and
//! `lacuna diff` say.

use super::svg::esc;
use crate::gapmap::{Gap, Map};
use crate::living::{Diff, PooledResult, Snapshot};
use crate::model::Measure;
use crate::protocol::Protocol;
use std::collections::BTreeMap;
use std::fmt::Write;

/// A pooled cell's forest plot (SVG), drawn by the caller.
#[derive(Debug, Clone)]
pub struct Forest {
    /// Intervention id.
    pub intervention: String,
    /// Outcome id.
    pub outcome: String,
    /// Measure.
    pub measure: String,
    /// The SVG.
    pub svg: String,
}

/// One reference of an included study.
#[derive(Debug, Clone, Default)]
pub struct Reference {
    /// Study id.
    pub study: String,
    /// The study as readers name it ("Hilden 2021").
    pub study_name: String,
    /// Volume.
    pub volume: Option<String>,
    /// Issue.
    pub issue: Option<String>,
    /// Pages.
    pub pages: Option<String>,
    /// Authors ("Last FM").
    pub authors: Vec<String>,
    /// Year.
    pub year: Option<i32>,
    /// Title.
    pub title: String,
    /// Journal.
    pub journal: Option<String>,
    /// PMID.
    pub pmid: Option<u64>,
    /// DOI.
    pub doi: Option<String>,
    /// Retracted.
    pub retracted: bool,
}

/// What the methods section says, from the store.
#[derive(Debug, Clone, Default)]
pub struct Methods {
    /// Records screened by a person (a decision other than maybe).
    pub screened: usize,
    /// Records in the review.
    pub records: usize,
    /// People who screened.
    pub reviewers: Vec<String>,
    /// The stopping rule's recall estimate and its lower bound.
    pub recall: (f64, f64),
    /// Whether it lets screening stop.
    pub can_stop: bool,
    /// Irrelevant records in a row still needed before it can.
    pub to_stop: Option<usize>,
    /// Rules of the auto-coder.
    pub rules: usize,
    /// People's edits to the codes.
    pub code_edits: usize,
    /// Effect rows attached.
    pub effect_rows: usize,
}

/// The paper the printed briefing is laid out for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub enum PaperSize {
    /// ISO A4 (210 × 297 mm), the default.
    #[default]
    A4,
    /// US Letter (8.5 × 11 in).
    Letter,
}

/// An included study the map's grid cannot show, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffGrid {
    /// The study as readers name it.
    pub study: String,
    /// Why it is not on the grid, in plain words.
    pub reason: String,
}

/// Everything the briefing shows.
#[derive(Debug, Clone)]
pub struct Briefing<'a> {
    /// The version reported.
    pub snapshot: &'a Snapshot,
    /// The version it is compared with, and the diff between them.
    pub since: Option<(&'a Snapshot, &'a Diff)>,
    /// Every version up to the one reported, oldest first.
    pub history: &'a [Snapshot],
    /// The map (labels, and the current cells).
    pub map: &'a Map,
    /// The protocol.
    pub protocol: &'a Protocol,
    /// One forest plot per pooled cell.
    pub forests: Vec<Forest>,
    /// References of the included studies.
    pub references: Vec<Reference>,
    /// The methods' figures.
    pub methods: Methods,
    /// The file name of the interactive map written beside the briefing.
    pub map_page: &'a str,
    /// The file name of the PRISMA CSV written beside it.
    pub prisma_csv: &'a str,
    /// The paper the print layout is for.
    pub paper: PaperSize,
    /// Included studies that are not on the map's grid, with the reason.
    pub off_grid: Vec<OffGrid>,
    /// Unresolved pairs of records that may be duplicates (awaiting a
    /// person's check), shown beside the flow diagram.
    pub pairs_awaiting: usize,
}

/// The briefing's texts and the figures the Markdown links to.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The HTML page.
    pub html: String,
    /// The Markdown text.
    pub markdown: String,
    /// Figures for the Markdown, as (file name, SVG).
    pub figures: Vec<(String, String)>,
}

fn measure_of(m: &str) -> Option<Measure> {
    Measure::parse(m)
}

/// A number on the reader's scale, with the measure's own transform.
fn shown(measure: &str, x: f64) -> f64 {
    measure_of(measure)
        .and_then(|m| m.back_transform(x))
        .unwrap_or(x)
}

fn f2(x: f64) -> String {
    if !x.is_finite() {
        "NA".into()
    } else {
        format!("{x:.2}").replace('-', "−")
    }
}

fn is_ratio(measure: &str) -> bool {
    measure_of(measure).is_some_and(|m| m.back_transform(0.0).is_some())
}

/// A small interval chart: one estimate with its CI per point, the null
/// line drawn; on the reader's scale (ratios on a log axis).
fn interval_chart(title: &str, measure: &str, points: &[(String, f64, f64, f64)]) -> String {
    let (w, row) = (780.0, 22.0);
    let top = 44.0;
    let h = top + row * points.len() as f64 + 44.0;
    let (x0, x1) = (220.0, 600.0);
    let mut lo = 0.0f64;
    let mut hi = 0.0f64;
    for (_, e, a, b) in points {
        for v in [e, a, b] {
            if v.is_finite() {
                lo = lo.min(*v);
                hi = hi.max(*v);
            }
        }
    }
    if hi - lo < 1e-9 {
        hi = lo + 1.0;
    }
    let pad = (hi - lo) * 0.05;
    let (lo, hi) = (lo - pad, hi + pad);
    let sx = |v: f64| x0 + (v - lo) / (hi - lo) * (x1 - x0);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="Helvetica, Arial, sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/><text x="10" y="20" font-weight="bold">{}</text>"##,
        esc(title),
        esc(title)
    );
    let nx = sx(0.0);
    let _ = write!(
        s,
        r##"<line x1="{nx}" y1="{}" x2="{nx}" y2="{}" stroke="#888" stroke-dasharray="3 3"/>"##,
        top - 8.0,
        top + row * points.len() as f64
    );
    for (i, (label, e, a, b)) in points.iter().enumerate() {
        let y = top + row * i as f64 + row / 2.0;
        let _ = write!(
            s,
            r##"<text x="10" y="{}">{}</text><line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="#08519c" stroke-width="2"/><rect x="{}" y="{}" width="8" height="8" fill="#08519c"/><text x="{}" y="{}" font-size="11">{} [{}, {}]</text>"##,
            y + 4.0,
            esc(label),
            sx(*a),
            sx(*b),
            sx(*e) - 4.0,
            y - 4.0,
            x1 + 6.0,
            y + 4.0,
            f2(shown(measure, *e)),
            f2(shown(measure, *a)),
            f2(shown(measure, *b))
        );
    }
    let base = top + row * points.len() as f64 + 16.0;
    let null_label = if is_ratio(measure) {
        "1 (no difference)"
    } else {
        "0 (no difference)"
    };
    let _ = write!(
        s,
        r##"<text x="{nx}" y="{base}" text-anchor="middle" fill="#555" font-size="11">{null_label}</text></svg>"##
    );
    s
}

fn label<'m>(map: &'m Map, id: &'m str) -> &'m str {
    map.interventions
        .iter()
        .chain(&map.outcomes)
        .find(|a| a.id == id)
        .map_or(id, |a| a.label.split(" (").next().unwrap_or(&a.label))
}

fn cell_name(map: &Map, iv: &str, oc: &str) -> String {
    format!("{} × {}", label(map, iv), label(map, oc))
}

/// Plain words for one pooled result; `first` adds the explanations of the
/// statistical terms (the first time they appear).
fn plain(map: &Map, p: &PooledResult, first: bool) -> String {
    let (e, a, b) = (
        shown(&p.measure, p.estimate),
        shown(&p.measure, p.ci_lb),
        shown(&p.measure, p.ci_ub),
    );
    let ratio = is_ratio(&p.measure);
    let scale = if ratio {
        format!("{} (below 1: fewer events with the intervention)", p.scale)
    } else {
        format!("{} (below 0: lower scores with the intervention)", p.scale)
    };
    let k = if first {
        format!(
            "<dfn>k</dfn> = {} studies (k is the number of studies pooled)",
            p.k
        )
    } else {
        format!("k = {}", p.k)
    };
    let ci = if first {
        "the <dfn>95 % confidence interval</dfn> (CI, the range of average effects the data are consistent with)"
    } else {
        "95 % CI"
    };
    let lower = p.estimate < 0.0;
    let direction = match (ratio, lower) {
        (true, true) => "fewer events",
        (true, false) => "more events",
        (false, true) => "lower scores",
        (false, false) => "higher scores",
    };
    let sure = if p.ci_crosses_null() {
        "The interval includes no difference, so these studies cannot tell whether it helps on average.".to_string()
    } else {
        format!("The interval excludes no difference: on average, {direction} with the intervention than with the comparison.")
    };
    let mut t = format!(
        "<strong>{}</strong>: {k}; pooled {scale} {}, {ci} {} to {}. {sure}",
        esc(&cell_name(map, &p.intervention, &p.outcome)),
        f2(e),
        f2(a),
        f2(b)
    );
    if let (Some(lo), Some(hi)) = (p.pi_lb, p.pi_ub) {
        let pi = if first {
            "The <dfn>95 % prediction interval</dfn> (where the effect in a new setting would likely fall) is"
        } else {
            "Prediction interval"
        };
        let _ = write!(
            t,
            " {pi} {} to {}{}",
            f2(shown(&p.measure, lo)),
            f2(shown(&p.measure, hi)),
            if p.pi_crosses_null() == Some(true) {
                ": in some settings it may not help."
            } else {
                "."
            }
        );
    }
    let het = if first {
        format!(
            " Studies differ: <dfn>I²</dfn> = {:.0} % (the share of the spread between studies that is not chance) and <dfn>τ²</dfn> = {:.3} (the variance of the true effects between studies).",
            p.i2, p.tau2
        )
    } else {
        format!(" I² = {:.0} %, τ² = {:.3}.", p.i2, p.tau2)
    };
    t.push_str(&het);
    t
}

fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut inside = false;
    for c in s.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

/// The map drawn from the snapshot's cells (counts and gaps of that version).
fn map_at(map: &Map, s: &Snapshot) -> Map {
    let mut m = map.clone();
    let at: BTreeMap<(&str, &str), &crate::living::CellState> = s
        .cells
        .iter()
        .map(|c| ((c.intervention.as_str(), c.outcome.as_str()), c))
        .collect();
    for c in &mut m.cells {
        if let Some(x) = at.get(&(c.intervention.as_str(), c.outcome.as_str())) {
            c.n_studies = x.n_studies;
            c.n_reviews = x.n_reviews;
            c.n_ongoing = x.n_ongoing;
            c.gaps = x.gaps.clone();
        }
        c.pooled.retain(|p| {
            s.pooled.iter().any(|q| {
                q.intervention == p.intervention && q.outcome == p.outcome && q.measure == p.measure
            })
        });
    }
    m
}

/// The gaps a funder reads first: rows in the protocol's priority order,
/// each with its outcomes that have no completed study and the ongoing
/// studies already registered there.
fn ranked_gaps(b: &Briefing<'_>) -> Vec<(usize, String, Vec<String>, usize)> {
    let pr = &b.protocol.map.priorities;
    let rank = |iv: &crate::gapmap::Axis| {
        pr.iter()
            .position(|p| *p == iv.id || iv.group.as_deref() == Some(p.as_str()))
            .unwrap_or(pr.len())
    };
    let mut rows = Vec::new();
    for (order, iv) in b.map.interventions.iter().enumerate() {
        let mut empty = Vec::new();
        let mut ongoing = 0;
        for c in &b.snapshot.cells {
            if c.intervention == iv.id && c.gaps.contains(&Gap::Absolute) {
                empty.push(label(b.map, &c.outcome).to_string());
                ongoing += c.n_ongoing;
            }
        }
        if empty.len() == b.map.outcomes.len() && !empty.is_empty() {
            empty = vec!["no study on any outcome".to_string()];
        }
        if !empty.is_empty() {
            rows.push(((rank(iv), order), iv.label.clone(), empty, ongoing));
        }
    }
    rows.sort_by_key(|r| r.0);
    rows.into_iter()
        .map(|((r, _), l, e, o)| (r + 1, l, e, o))
        .collect()
}

/// Render the briefing.
pub fn render(b: &Briefing<'_>) -> Rendered {
    let s = b.snapshot;
    let p = &s.prisma;
    let map_then = map_at(b.map, s);
    let mut html = String::new();
    let mut md = String::new();
    let mut figures: Vec<(String, String)> = Vec::new();
    let title = format!("Evidence briefing: {}", b.protocol.title);
    let version = format!(
        "Version {} of the living review{}, {}{}",
        s.version,
        s.label
            .as_deref()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default(),
        s.created_at.get(..10).unwrap_or(&s.created_at),
        b.since
            .map(|(f, _)| format!("; changes since version {}", f.version))
            .unwrap_or_default()
    );
    let _ = write!(
        html,
        r##"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{}</title>
<style>
body {{ font-family: Georgia, "Times New Roman", serif; max-width: 980px; margin: 0 auto; padding: 24px; color: #1d232b; line-height: 1.5; }}
h1 {{ font-size: 26px; line-height: 1.25; }} h2 {{ font-size: 21px; border-bottom: 1px solid #ccd3dc; padding-bottom: 3px; margin-top: 34px; }} h3 {{ font-size: 17px; }}
.version {{ color: #4a5562; }} dfn {{ font-style: normal; font-weight: bold; }}
table {{ border-collapse: collapse; margin: 8px 0; font-size: 14px; }} th, td {{ border: 1px solid #d6dbe1; padding: 4px 8px; text-align: left; vertical-align: top; }}
th {{ background: #eef2f7; }} figure {{ margin: 16px 0; }} figcaption {{ font-size: 14px; color: #4a5562; margin-top: 4px; }}
figure svg {{ max-width: 100%; height: auto; border: 1px solid #eceff3; }}
.material {{ background: #fff4e5; }} .retracted {{ color: #a50f15; font-weight: bold; }} .note {{ font-size: 14px; color: #4a5562; }}
.summary p {{ margin: 8px 0; }} details {{ margin: 6px 0; }} code {{ font-size: 13px; }}
@media print {{ body {{ max-width: none; }} h2 {{ break-after: avoid; }} figure {{ break-inside: avoid; }} }}
</style></head><body>
<h1>{}</h1>
<p class="version">{}</p>
"##,
        esc(&title),
        esc(&title),
        esc(&version)
    );
    let _ = writeln!(md, "# {title}\n\n*{version}*\n");

    // --- Summary in plain words
    html.push_str("<h2 id=\"summary\">Summary</h2>\n<div class=\"summary\">\n");
    md.push_str("## Summary\n\n");
    let n_cells = s.cells.len();
    let empty = s
        .cells
        .iter()
        .filter(|c| c.gaps.contains(&Gap::Absolute))
        .count();
    let intro = format!(
        "This review has found <strong>{}</strong> studies ({} reports) on the question: {}. \
         They are spread over {} of the {} combinations of intervention and outcome the protocol maps; \
         <strong>{} combinations have no completed study at all</strong>.",
        p.total_studies,
        p.total_reports,
        esc(b.protocol.question.trim_end_matches(['?', '.'])),
        n_cells - empty,
        n_cells,
        empty
    );
    let _ = writeln!(html, "<p>{intro}</p>");
    let _ = writeln!(md, "{}\n", strip_tags(&intro));
    if s.pooled.is_empty() {
        let t = "No combination has enough comparable studies to pool yet, so the review cannot yet say how well any intervention works.";
        let _ = writeln!(html, "<p>{t}</p>");
        let _ = writeln!(md, "{t}\n");
    } else {
        let t = format!(
            "<strong>What the evidence says where it exists.</strong> Where at least {} comparable studies exist, their results are pooled with a random-effects meta-analysis (which allows the true effect to differ between studies):",
            b.protocol.synthesis.min_k_pool
        );
        let _ = writeln!(html, "<p>{t}</p>\n<ul>");
        let _ = writeln!(md, "{}\n", strip_tags(&t));
        for (i, q) in s.pooled.iter().enumerate() {
            let line = plain(b.map, q, i == 0);
            let _ = writeln!(html, "<li>{line}</li>");
            let _ = writeln!(md, "- {}", strip_tags(&line));
        }
        html.push_str("</ul>\n");
        md.push('\n');
    }
    let neglected: Vec<String> = b
        .map
        .interventions
        .iter()
        .filter(|iv| {
            s.cells
                .iter()
                .filter(|c| c.intervention == iv.id)
                .all(|c| c.n_studies == 0)
        })
        .map(|iv| label(b.map, &iv.id).to_string())
        .collect();
    if !neglected.is_empty() {
        let t = format!(
            "<strong>Where evidence is missing.</strong> No completed study was found for: {}.",
            esc(&neglected.join("; "))
        );
        let _ = writeln!(html, "<p>{t}</p>");
        let _ = writeln!(md, "{}\n", strip_tags(&t));
    }
    let unstudied: Vec<String> = b
        .map
        .populations
        .iter()
        .filter(|a| a.n_studies == 0)
        .map(|a| a.label.split(" (").next().unwrap_or(&a.label).to_string())
        .collect();
    if !unstudied.is_empty() {
        let t = format!(
            "No included study is about these groups of people: {}.",
            esc(&unstudied.join("; "))
        );
        let _ = writeln!(html, "<p>{t}</p>");
        let _ = writeln!(md, "{t}\n");
    }
    let econ: Vec<String> = b
        .map
        .interventions
        .iter()
        .filter(|a| a.economic_gap)
        .map(|a| label(b.map, &a.id).to_string())
        .collect();
    if !econ.is_empty() {
        let t = format!(
            "There are studies but no economic evaluation for: {}.",
            esc(&econ.join("; "))
        );
        let _ = writeln!(html, "<p>{t}</p>");
        let _ = writeln!(md, "{t}\n");
    }
    let sure = "<strong>How sure we can be.</strong> Pooled results rest on few, often small trials; where the prediction interval includes no difference, the effect may not hold in every service. Retracted studies are left out of every pooled result.";
    let _ = writeln!(html, "<p>{sure}</p>\n</div>");
    let _ = writeln!(md, "{}\n", strip_tags(sure));

    // --- What's new
    html.push_str("<h2 id=\"whats-new\">What's new</h2>\n");
    md.push_str("## What's new\n\n");
    match b.since {
        None => {
            let t = "This is the first version of the review: there is nothing to compare it with.";
            let _ = writeln!(html, "<p>{t}</p>");
            let _ = writeln!(md, "{t}\n");
        }
        Some((from, d)) => {
            let _ = writeln!(
                html,
                "<p>Changes from version {} to version {}. Rows marked <span class=\"material\">material</span> fire one of the protocol's triggers for updating this briefing.</p>\n<table id=\"whats-new-table\"><tr><th>Change</th><th>Details</th></tr>",
                from.version, s.version
            );
            let _ = writeln!(
                md,
                "Changes from version {} to version {}.\n\n| Change | Details |\n|---|---|",
                from.version, s.version
            );
            let ids = |v: &[crate::living::RecordId]| {
                v.iter()
                    .map(|r| match r {
                        crate::living::RecordId::Pmid(p) => p.to_string(),
                        crate::living::RecordId::Key(k) => k.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut rows: Vec<(&str, String, String, bool)> = vec![
                (
                    "records-new",
                    "New records".into(),
                    format!("{}", d.records.new.len()),
                    false,
                ),
                (
                    "records-revised",
                    "Revised records".into(),
                    ids(&d.records.revised),
                    false,
                ),
                (
                    "records-retracted",
                    "Retracted records".into(),
                    ids(&d.records.retracted),
                    false,
                ),
                (
                    "records-deleted",
                    "Records deleted by PubMed".into(),
                    ids(&d.records.deleted),
                    false,
                ),
                (
                    "included-new",
                    "New studies included".into(),
                    d.included_new.join("; "),
                    false,
                ),
                (
                    "included-retracted",
                    "Included studies retracted (left out of pooling)".into(),
                    d.included_retracted.join("; "),
                    false,
                ),
            ];
            for g in &d.gaps_closed {
                rows.push((
                    "gap-closed",
                    format!("Gap closed ({})", g.gap.as_str()),
                    cell_name(b.map, &g.intervention, &g.outcome),
                    false,
                ));
            }
            for g in &d.gaps_opened {
                rows.push((
                    "gap-opened",
                    format!("Gap opened ({})", g.gap.as_str()),
                    cell_name(b.map, &g.intervention, &g.outcome),
                    false,
                ));
            }
            for m in &d.pooled_moved {
                let show = |e: &Option<crate::living::Estimate>| match e {
                    Some(e) => format!(
                        "{} [{}, {}], k = {}",
                        f2(shown(&m.measure, e.estimate)),
                        f2(shown(&m.measure, e.ci.0)),
                        f2(shown(&m.measure, e.ci.1)),
                        e.k
                    ),
                    None => "not pooled".into(),
                };
                rows.push((
                    "pooled-moved",
                    format!("Pooled result moved ({})", m.measure),
                    format!(
                        "{}: {} → {}",
                        cell_name(b.map, &m.intervention, &m.outcome),
                        show(&m.from),
                        show(&m.to)
                    ),
                    false,
                ));
            }
            for m in &d.material {
                rows.push((
                    "material",
                    format!("Material: {}", m.trigger.replace('_', " ")),
                    format!(
                        "{}: {}",
                        cell_name(b.map, &m.intervention, &m.outcome),
                        m.detail
                    ),
                    true,
                ));
            }
            for (kind, what, detail, material) in rows {
                if detail.is_empty() || detail == "0" && kind != "records-new" {
                    continue;
                }
                let _ = writeln!(
                    html,
                    "<tr data-change=\"{kind}\"{}><td>{}</td><td>{}</td></tr>",
                    if material { " class=\"material\"" } else { "" },
                    esc(&what),
                    esc(&detail)
                );
                let _ = writeln!(
                    md,
                    "| {}{} | {} |",
                    if material { "**" } else { "" },
                    what.replace('|', "/") + if material { "**" } else { "" },
                    detail.replace('|', "/")
                );
            }
            html.push_str("</table>\n");
            md.push('\n');
        }
    }

    // --- PRISMA
    let updated = p.previous_studies > 0 || b.since.is_some();
    let prisma_svg = super::prisma::svg(p, updated);
    let _ = write!(
        html,
        "<h2 id=\"prisma\">How the studies were found</h2>\n<figure id=\"prisma-figure\">{prisma_svg}<figcaption>Figure 1. PRISMA 2020 flow diagram{}: records identified, screened and included, with counts from the review's store. “Marked as ineligible by automation tools” counts the records no person screened because the stopping rule allowed screening to stop; “removed for other reasons” counts the records PubMed deleted. The counts are also in <a href=\"{}\">{}</a>, in the PRISMA2020 package's format.</figcaption></figure>\n",
        if updated { " for an updated review (previous studies + new studies = total)" } else { "" },
        esc(b.prisma_csv),
        esc(b.prisma_csv)
    );
    md.push_str(
        "## How the studies were found\n\n![Figure 1. PRISMA 2020 flow diagram](prisma.svg)\n\n",
    );
    let _ = writeln!(
        md,
        "Records identified: {} · duplicates: {} · screened: {} · excluded: {} · assessed: {} · new studies: {} · total studies: {}\n",
        p.database_results,
        p.duplicates,
        p.records_screened,
        p.records_excluded,
        p.dbr_assessed,
        p.new_studies,
        p.total_studies
    );
    figures.push(("prisma.svg".into(), prisma_svg));

    // --- The map
    let map_svg = super::gapmap::svg(&map_then)
        .replacen("<svg ", "<svg role=\"img\" aria-label=\"Evidence gap map: interventions down the side, outcomes across the top; bubble size is the number of studies, hatched cells have none\" ", 1);
    let _ = write!(
        html,
        "<h2 id=\"map\">The evidence gap map</h2>\n<p>Each row is an intervention, each column an outcome. A bubble's size is the number of studies; hatched cells have none (an <em>absolute gap</em>); dashed cells have studies but no synthesis. The <a href=\"{}\">interactive map</a> beside this file lists the studies of each cell and filters by population and design.</p>\n<figure id=\"map-figure\">{map_svg}<figcaption>Figure 2. Evidence gap map at version {}: {} studies. ◆ marks a pooled result; † a row with no economic evaluation.</figcaption></figure>\n",
        esc(b.map_page),
        s.version,
        p.total_studies
    );
    let _ = writeln!(md, "## The evidence gap map\n\n![Figure 2. Evidence gap map](gapmap.svg)\n\nThe interactive map is in `{}`.\n", b.map_page);
    figures.push(("gapmap.svg".into(), map_svg));
    html.push_str("<h3>Population subgroups and structural exclusion</h3>\n<table id=\"populations\"><tr><th>Group</th><th>Studies about the group</th><th>Studies that exclude it</th></tr>\n");
    md.push_str("### Population subgroups and structural exclusion\n\n| Group | Studies about the group | Studies that exclude it |\n|---|---|---|\n");
    for a in &b.map.populations {
        let l = a.label.split(" (").next().unwrap_or(&a.label);
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(l),
            a.n_studies,
            a.n_excluding
        );
        let _ = writeln!(md, "| {} | {} | {} |", l, a.n_studies, a.n_excluding);
    }
    html.push_str("</table>\n<p class=\"note\">A study that names a group only to exclude it (for example \"people over 65 were not eligible\") is counted in the last column: these are gaps made by the design of the research itself.</p>\n");
    md.push('\n');
    if !econ.is_empty() {
        let _ = writeln!(
            html,
            "<h3>Economic gaps</h3><p>Interventions with studies of effect but no economic evaluation: {}.</p>",
            esc(&econ.join("; "))
        );
        let _ = writeln!(md, "### Economic gaps\n\n{}\n", econ.join("; "));
    }

    // --- For funders
    html.push_str("<h2 id=\"funders\">For funders: gaps ranked by priority</h2>\n<p>Rows are ranked by the protocol's priorities. Each lists the outcomes on which no completed study was found, and how many ongoing (registered) studies are already in those cells, so that nobody funds what is under way.</p>\n<table id=\"ranked-gaps\"><tr><th>Priority</th><th>Intervention</th><th>Outcomes with no study</th><th>Ongoing studies there</th></tr>\n");
    md.push_str("## For funders: gaps ranked by priority\n\n| Priority | Intervention | Outcomes with no study | Ongoing studies there |\n|---|---|---|---|\n");
    for (rank, iv, outcomes, ongoing) in ranked_gaps(b) {
        let iv = iv.split(" (").next().unwrap_or(&iv).to_string();
        let _ = writeln!(
            html,
            "<tr><td>{rank}</td><td>{}</td><td>{}</td><td>{ongoing}</td></tr>",
            esc(&iv),
            esc(&outcomes.join(", "))
        );
        let _ = writeln!(
            md,
            "| {rank} | {iv} | {} | {ongoing} |",
            outcomes.join(", ")
        );
    }
    html.push_str("</table>\n");
    md.push('\n');

    // --- Pooled results
    html.push_str("<h2 id=\"pooled\">Pooled results</h2>\n");
    md.push_str("## Pooled results\n\n");
    if s.pooled.is_empty() {
        html.push_str("<p>No cell has enough comparable studies to pool.</p>\n");
        md.push_str("No cell has enough comparable studies to pool.\n\n");
    }
    let mut fig = 3;
    for q in &s.pooled {
        let name = cell_name(b.map, &q.intervention, &q.outcome);
        let slug = format!(
            "{}-{}-{}",
            q.intervention.replace('.', "_"),
            q.outcome,
            q.measure.to_lowercase()
        );
        let _ = writeln!(
            html,
            "<section class=\"pooled-cell\" data-cell=\"{}|{}|{}\"><h3>{} ({})</h3><p>{}</p>",
            esc(&q.intervention),
            esc(&q.outcome),
            esc(&q.measure),
            esc(&name),
            esc(&q.measure),
            plain(b.map, q, false)
        );
        let _ = writeln!(
            md,
            "### {name} ({})\n\n{}\n",
            q.measure,
            strip_tags(&plain(b.map, q, false))
        );
        if let Some(f) = b.forests.iter().find(|f| {
            f.intervention == q.intervention && f.outcome == q.outcome && f.measure == q.measure
        }) {
            let svg = f.svg.replacen(
                "<svg ",
                &format!(
                    "<svg role=\"img\" aria-label=\"Forest plot: {} studies of {}\" ",
                    q.k,
                    esc(&name)
                ),
                1,
            );
            let _ = writeln!(
                html,
                "<figure class=\"forest\">{svg}<figcaption>Figure {fig}. Forest plot, {}: each study's estimate with its 95 % CI (squares sized by weight), and the pooled estimate (diamond) with its prediction interval.</figcaption></figure>",
                esc(&name)
            );
            let file = format!("forest-{slug}.svg");
            let _ = writeln!(md, "![Figure {fig}. Forest plot, {name}]({file})\n");
            figures.push((file, svg));
            fig += 1;
        }
        let versions: Vec<(String, f64, f64, f64)> = b
            .history
            .iter()
            .filter_map(|h| {
                h.pooled
                    .iter()
                    .find(|x| {
                        x.intervention == q.intervention
                            && x.outcome == q.outcome
                            && x.measure == q.measure
                    })
                    .map(|x| {
                        (
                            format!("version {} (k = {})", h.version, x.k),
                            x.estimate,
                            x.ci_lb,
                            x.ci_ub,
                        )
                    })
            })
            .collect();
        if versions.len() > 1 {
            let chart = interval_chart(
                &format!("{name}: the estimate in each version"),
                &q.measure,
                &versions,
            );
            let _ = writeln!(html, "<figure class=\"over-versions\">{chart}<figcaption>Figure {fig}. How the pooled estimate moved from version to version (95 % CI).</figcaption></figure>");
            let file = format!("versions-{slug}.svg");
            let _ = writeln!(
                md,
                "![Figure {fig}. The estimate in each version]({file})\n"
            );
            figures.push((file, chart));
            fig += 1;
        }
        if q.cumulative.len() > 1 {
            let pts: Vec<(String, f64, f64, f64)> = q
                .cumulative
                .iter()
                .map(|c| {
                    (
                        format!(
                            "{} {}",
                            c.year.map(|y| y.to_string()).unwrap_or_default(),
                            c.study
                        ),
                        c.estimate,
                        c.ci_lb,
                        c.ci_ub,
                    )
                })
                .collect();
            let chart = interval_chart(
                &format!("{name}: cumulative meta-analysis by year"),
                &q.measure,
                &pts,
            );
            let _ = writeln!(html, "<figure class=\"cumulative\">{chart}<figcaption>Figure {fig}. Cumulative meta-analysis: the pooled estimate as each study was published, oldest first.</figcaption></figure>");
            let file = format!("cumulative-{slug}.svg");
            let _ = writeln!(md, "![Figure {fig}. Cumulative meta-analysis]({file})\n");
            figures.push((file, chart));
            fig += 1;
        }
        html.push_str("</section>\n");
    }

    // --- Methods
    let m = &b.methods;
    let syn = &b.protocol.synthesis;
    let databases: Vec<String> = p
        .database_specific_results
        .iter()
        .map(|d| format!("{} ({} records)", d.database, d.n))
        .collect();
    let searches: Vec<String> = s
        .searches
        .iter()
        .map(|r| {
            format!(
                "{} {} on {}{}",
                r.database,
                r.name,
                r.at.get(..10).unwrap_or(&r.at),
                r.window_from
                    .as_deref()
                    .map(|w| format!(" (new or revised since {w})"))
                    .unwrap_or_default()
            )
        })
        .collect();
    let methods = format!(
        "<p><strong>Sources.</strong> {}. Searches and imports: {}.</p>\
         <p><strong>Screening.</strong> {} of {} records were screened by title and abstract ({}), in the order of an active-learning model (a linear SVM on TF-IDF features of title, abstract, MeSH and keywords, retrained after every decision). The stopping rule (a hypergeometric test for 95 % recall at 95 % confidence) estimates recall at {:.0} % (95 % lower bound {:.0} %){}.</p>\
         <p><strong>Coding.</strong> Included studies were coded by intervention, outcome, population and design with the protocol's {} rules (MeSH headings and title/abstract patterns, with negation and exclusion-criteria handling); people made {} edits to the codes. {} effect-size rows were extracted.</p>\
         <p><strong>Synthesis.</strong> Random-effects meta-analysis ({:?} estimator of τ², {:?} confidence intervals), for cells with at least {} comparable studies (one row per study), prediction intervals from k = {}; results equal to R's metafor. Retracted studies are {}.</p>\
         <p><strong>Software.</strong> Lacuna {}; protocol {} version {} (hash {}).</p>",
        esc(&databases.join("; ")),
        esc(&searches.join("; ")),
        m.screened,
        m.records,
        if m.reviewers.is_empty() { "no reviewer named".to_string() } else { esc(&m.reviewers.join(", ")) },
        m.recall.0 * 100.0,
        m.recall.1 * 100.0,
        if m.can_stop {
            ", which lets screening stop".to_string()
        } else {
            match m.to_stop {
                Some(n) => format!("; it would let screening stop after {n} more irrelevant records in a row"),
                None => String::new(),
            }
        },
        m.rules,
        m.code_edits,
        m.effect_rows,
        syn.method,
        syn.test,
        syn.min_k_pool,
        syn.pi_min_k,
        if b.protocol.living.keep_retracted { "kept in the pooled results" } else { "left out of the pooled results" },
        esc(&s.lacuna_version),
        esc(&s.protocol_id),
        esc(&s.protocol_version),
        esc(&s.protocol_hash),
    );
    let _ = writeln!(html, "<h2 id=\"methods\">Methods</h2>\n{methods}");
    let _ = writeln!(
        md,
        "## Methods\n\n{}\n",
        strip_tags(&methods.replace("</p>", "</p>\n\n"))
    );
    if !b.protocol.searches.is_empty() {
        html.push_str("<details><summary>Search strings</summary><ul>");
        md.push_str("Search strings:\n\n");
        for q in &b.protocol.searches {
            let _ = write!(
                html,
                "<li><strong>{}</strong>: <code>{}</code></li>",
                esc(&q.id),
                esc(&q.query)
            );
            let _ = writeln!(md, "- **{}**: `{}`", q.id, q.query.replace('`', "'"));
        }
        html.push_str("</ul></details>\n");
        md.push('\n');
    }

    // --- References
    let _ = writeln!(
        html,
        "<h2 id=\"references\">References of the included studies</h2>\n<ol class=\"references\">"
    );
    md.push_str("## References of the included studies\n\n");
    for (i, r) in b.references.iter().enumerate() {
        let authors = if r.authors.len() > 6 {
            format!(
                "{}, et al.",
                r.authors.get(..6).unwrap_or(&r.authors).join(", ")
            )
        } else {
            r.authors.join(", ")
        };
        let mut t = format!(
            "{}{} {}.{}",
            if authors.is_empty() {
                String::new()
            } else {
                format!("{authors}. ")
            },
            r.year.map(|y| format!("({y})")).unwrap_or_default(),
            r.title.trim_end_matches('.'),
            r.journal
                .as_deref()
                .map(|j| format!(" {j}."))
                .unwrap_or_default()
        );
        if let Some(p) = r.pmid {
            let _ = write!(t, " PMID {p}.");
        }
        if let Some(d) = &r.doi {
            let _ = write!(t, " doi:{d}.");
        }
        let _ = writeln!(
            html,
            "<li>{}{}</li>",
            esc(&t),
            if r.retracted {
                " <span class=\"retracted\">RETRACTED</span>"
            } else {
                ""
            }
        );
        let _ = writeln!(
            md,
            "{}. {}{}",
            i + 1,
            t,
            if r.retracted { " **RETRACTED**" } else { "" }
        );
    }
    html.push_str("</ol>\n</body></html>\n");
    Rendered {
        html,
        markdown: md,
        figures,
    }
}
