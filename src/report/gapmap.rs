//! The gap map for people: a self-contained interactive HTML page (one file,
//! no network: it works when emailed), a static SVG for reports, and CSV of
//! the cells. Returns text; writes nothing. Every piece of data reaches the
//! page as JSON inside a `<script type="application/json">` and is put on the
//! page with `textContent`, never as markup; the page's Content-Security-
//! Policy lets only its own script run (by hash) and fetches nothing.

use super::svg::esc;
use crate::gapmap::{missing_words, off_grid_reason, Gap, Map};
use serde::Serialize;
use std::fmt::Write;

const PAGE_JS: &str = include_str!("gapmap.js");
const PAGE_CSS: &str = include_str!("gapmap.css");

/// A study the grid does not count, as the page reads it.
#[derive(Serialize)]
struct OffGridRow {
    /// Index into the map's studies.
    study: usize,
    /// [`crate::gapmap::Reason::as_str`].
    reason: &'static str,
    /// [`crate::gapmap::Reason::label`].
    label: &'static str,
    /// [`crate::gapmap::missing_words`]: why, and the nearest rule.
    detail: String,
}

/// JSON for a `<script type="application/json">`: inside `<script>`, "</"
/// would end the element; JSON allows "\u003c" instead.
fn script_json<T: Serialize>(x: &T, empty: &str) -> String {
    serde_json::to_string(x)
        .unwrap_or_else(|_| empty.into())
        .replace('<', "\\u003c")
}

/// The interactive page. `map` should be the unfiltered map: the page
/// filters by itself. Its list "Included but not on the grid" is
/// [`crate::gapmap::off_grid`] for every study, filtered on the page.
pub fn html(map: &Map) -> String {
    let data = script_json(map, "{}");
    let off: Vec<OffGridRow> = map
        .studies
        .iter()
        .enumerate()
        .filter_map(|(study, s)| {
            off_grid_reason(map, s).map(|r| OffGridRow {
                study,
                reason: r.as_str(),
                label: r.label(),
                detail: missing_words(map, s),
            })
        })
        .collect();
    let off = script_json(&off, "[]");
    let title = format!("Evidence gap map — {}", map.protocol.1);
    let mut s = String::with_capacity(data.len() + PAGE_JS.len() + 4096);
    let _ = writeln!(
        s,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<title>{title}</title>
<style>{PAGE_CSS}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p class="sub">Protocol <code>{id}</code> version {version}. <span id="summary"></span></p>
</header>
<section class="controls" aria-label="Filters">
<label>Population <select id="f-population"><option value="">All populations</option></select></label>
<label>Design <select id="f-design"><option value="">All designs</option></select></label>
<label>Certainty at least <select id="f-certainty"><option value="">any</option><option value="low">low ⊕⊕◯◯</option><option value="moderate">moderate ⊕⊕⊕◯</option><option value="high">high ⊕⊕⊕⊕</option></select></label>
<span class="legend">
<span class="key"><span class="dot" style="width:10px;height:10px"></span><span class="dot" style="width:18px;height:18px"></span><span class="dot" style="width:26px;height:26px"></span> studies (area ∝ count; colour: share randomised)</span>
<span class="key"><span class="swatch gap-absolute"></span> absolute gap: no study</span>
<span class="key"><span class="swatch gap-synthesis"></span> synthesis gap: studies, no review or pooled result</span>
<span class="key"><span class="swatch gap-weak"></span> weak: only non-randomised or small studies</span>
<span class="key"><span class="pooled-mark">◆</span> pooled result</span>
<span class="key"><span class="pooled-mark">◇</span> pooled over all studies, not under the filter</span>
<span class="key"><span class="grade">⊕⊕◯◯</span> how sure (GRADE: ⊕⊕⊕⊕ high, ⊕⊕⊕◯ moderate, ⊕⊕◯◯ low, ⊕◯◯◯ very low)</span>
<span class="key"><span class="swatch gap-low_certainty"></span> low certainty: pooled, but rated low or very low</span>
</span>
</section>
<main>
<p class="hint">Click a cell to see its studies.</p>
<div class="grid-wrap"><table id="map" aria-label="Interventions by outcomes"></table></div>
<details id="off-grid"><summary>Included but not on the grid (<span id="off-grid-n"></span>)</summary>
<p class="hint">Included studies that no cell counts: a cell needs a completed study with an intervention and an outcome of the framework.</p>
<table id="off-grid-list"></table>
</details>
</main>
<aside id="panel" aria-live="polite" aria-label="Studies of the chosen cell" hidden><button type="button" id="panel-close" aria-label="Close">×</button><div id="panel-body"></div></aside>
<section id="populations" aria-label="Population subgroups"></section>
<section id="equity" aria-label="Equity: results by PROGRESS-Plus factors"></section>
<footer>Made by Lacuna from the review's coded records. Counts are studies (linked papers of one trial count once); ongoing studies are listed apart and never close a gap.</footer>
<script type="application/json" id="data">{data}</script>
<script type="application/json" id="off-grid-data">{off}</script>
<script>{PAGE_JS}</script>
</body>
</html>"#,
        policy = super::policy_with_script(PAGE_JS),
        title = esc(&title),
        id = esc(&map.protocol.0),
        version = esc(&map.protocol.2),
    );
    s
}

fn gap_names(g: &[Gap]) -> String {
    g.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(";")
}

/// The cells as CSV: one line per intervention × outcome.
pub fn csv(map: &Map) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "intervention",
        "outcome",
        "n_studies",
        "n_reviews",
        "n_ongoing",
        "designs",
        "year_min",
        "year_max",
        "gaps",
        "measure",
        "k",
        "estimate",
        "ci_lb",
        "ci_ub",
        "pi_lb",
        "pi_ub",
        "i2",
        "shown_estimate",
        "shown_ci_lb",
        "shown_ci_ub",
        "studies",
        "intervention_label",
        "outcome_label",
        "study_ids",
    ]);
    for c in &map.cells {
        let designs = c
            .designs
            .iter()
            .map(|(d, n)| format!("{d}:{n}"))
            .collect::<Vec<_>>()
            .join(";");
        let in_cell: Vec<&crate::gapmap::Study> = c
            .studies
            .iter()
            .filter_map(|i| map.studies.get(*i))
            .collect();
        // Studies as readers name them ("Hilden 2021"); their ids last.
        let studies = in_cell
            .iter()
            .map(|s| {
                if s.name.is_empty() {
                    s.id.clone()
                } else {
                    s.name.clone()
                }
            })
            .collect::<Vec<_>>()
            .join("; ");
        let ids = in_cell
            .iter()
            .map(|s| s.id.clone())
            .collect::<Vec<_>>()
            .join(";");
        let label = |id: &str| {
            map.interventions
                .iter()
                .chain(&map.outcomes)
                .find(|a| a.id == id)
                .map_or(id.to_string(), |a| a.label.clone())
        };
        let (y0, y1) = c.years.map_or((String::new(), String::new()), |(a, b)| {
            (a.to_string(), b.to_string())
        });
        let p = c.pooled.first();
        let f = |x: Option<f64>| x.map(|v| format!("{v:.4}")).unwrap_or_default();
        let t = |x: &str| super::spreadsheet_text(x).into_owned();
        let _ = w.write_record([
            t(&c.intervention),
            t(&c.outcome),
            c.n_studies.to_string(),
            c.n_reviews.to_string(),
            c.n_ongoing.to_string(),
            t(&designs),
            y0,
            y1,
            t(&gap_names(&c.gaps)),
            t(&p.map(|p| p.measure.clone()).unwrap_or_default()),
            p.map(|p| p.k.to_string()).unwrap_or_default(),
            f(p.map(|p| p.estimate)),
            f(p.map(|p| p.ci_lb)),
            f(p.map(|p| p.ci_ub)),
            f(p.and_then(|p| p.pi.map(|x| x.0))),
            f(p.and_then(|p| p.pi.map(|x| x.1))),
            f(p.map(|p| p.i2)),
            f(p.map(|p| p.shown.0)),
            f(p.map(|p| p.shown.1)),
            f(p.map(|p| p.shown.2)),
            t(&studies),
            t(&label(&c.intervention)),
            t(&label(&c.outcome)),
            t(&ids),
        ]);
    }
    w.into_inner()
        .map(|v| String::from_utf8_lossy(&v).into_owned())
        .unwrap_or_default()
}

/// A static SVG of the map for reports, drawn narrow enough to print: at
/// the usual eight to nine outcomes it is about 710 units wide, so on A4
/// (180 mm between margins, 680 CSS px) its 12-unit labels print at 8.5 pt;
/// a wider map gets larger type in proportion (never under 8 pt printed).
/// Column labels stand upright and wrap over up to three lines; row labels
/// wrap over two; the pooled-result mark is a small diamond in the cell's
/// corner, so counts never run into the next cell.
pub fn svg(map: &Map) -> String {
    svg_parts(map, None).concat()
}

/// The map as SVGs of at most `max_height` units each (one when `None`),
/// drawn as [`svg`] draws the whole: rows in order, each part with the
/// column headings, so that a printed page holds a part at full size
/// instead of a map shrunk to fit.
pub fn svg_parts(map: &Map, max_height: Option<f64>) -> Vec<String> {
    /// Words over at most `lines` lines of at most `n` characters; the
    /// last line ends in "…" when words are left over.
    fn wrap(s: &str, n: usize, lines: usize) -> Vec<String> {
        let s = crate::model::short_label(s);
        let mut out: Vec<String> = Vec::new();
        let mut cur = String::new();
        let mut words = s.split_whitespace().peekable();
        while let Some(w) = words.next() {
            if !cur.is_empty() && cur.chars().count() + 1 + w.chars().count() > n {
                if out.len() + 1 == lines {
                    cur.push('…');
                    out.push(cur);
                    return out;
                }
                out.push(std::mem::take(&mut cur));
            }
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(w);
            if words.peek().is_none() {
                out.push(std::mem::take(&mut cur));
            }
        }
        if out.is_empty() {
            out.push(String::new());
        }
        out
    }
    // printed width between A4's margins, in CSS px, and the smallest
    // printed size of a label, in CSS px (8 pt)
    const PRINT_W: f64 = 680.0;
    const MIN_PX: f64 = 8.0 / 0.75;
    let ncol = map.outcomes.len() as f64;
    let col_w = 56.0;
    let label_w = 250.0;
    let width = label_w + col_w * ncol + 12.0;
    let fs = (MIN_PX * width / PRINT_W).max(12.0).ceil();
    let u = fs / 12.0;
    let line_h = 14.0 * u;
    let row_chars = (label_w / (6.3 * u)) as usize;
    let col_chars = 26;
    let mut rows: Vec<(Option<&str>, Option<&crate::gapmap::Axis>, Vec<String>)> = Vec::new();
    let mut last_group: Option<&str> = None;
    for r in &map.interventions {
        if r.group.as_deref() != last_group {
            rows.push((r.group.as_deref(), None, Vec::new()));
            last_group = r.group.as_deref();
        }
        let econ = if r.economic_gap { " †" } else { "" };
        rows.push((
            None,
            Some(r),
            wrap(
                &format!("{}{econ}", crate::model::short_label(&r.label)),
                row_chars.saturating_sub(2),
                2,
            ),
        ));
    }
    let heads: Vec<Vec<String>> = map
        .outcomes
        .iter()
        .map(|c| wrap(&c.label, col_chars, 3))
        .collect();
    let longest = heads
        .iter()
        .flatten()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0) as f64;
    let head_h = 56.0 * u + longest * 6.4 * u + 8.0;
    let row_height = |lines: usize| (8.0 + line_h * lines.max(1) as f64).max(22.0 * u);
    let max_n = map
        .cells
        .iter()
        .map(|c| c.n_studies)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let render = |part: &[usize], last: bool, height: f64, continued: &str| -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0}" viewBox="0 0 {width} {height:.0}" font-family="Helvetica, Arial, sans-serif" font-size="{fs}">
<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#d9a0a0" stroke-width="2"/></pattern></defs>
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="{:.0}" font-size="{:.0}" font-weight="bold">{}</text>
<text x="10" y="{:.0}" fill="#555">{} studies from {} records{}</text>
"##,
            20.0 * u,
            15.0 * u,
            esc(&format!(
                "{}{continued}",
                short(
                    &format!("Evidence gap map — {}", map.protocol.1),
                    80usize.saturating_sub(continued.chars().count())
                )
            )),
            40.0 * u,
            map.n_studies,
            map.n_records,
            esc(&filter_text(map)),
        );
        for (j, lines) in heads.iter().enumerate() {
            let n = lines.len() as f64;
            for (k, l) in lines.iter().enumerate() {
                // upright text, read bottom to top, lines left to right
                let x = label_w + col_w * j as f64 + col_w / 2.0 - (n - 1.0) * line_h / 2.0
                    + line_h * k as f64
                    + 4.0 * u;
                let _ = writeln!(
                    s,
                    r#"<text transform="translate({x:.1},{y:.1}) rotate(-90)" text-anchor="start">{}</text>"#,
                    esc(l),
                    y = head_h - 6.0,
                );
            }
        }
        let mut y = head_h;
        for (group, row, lines) in part.iter().filter_map(|i| rows.get(*i)) {
            let rh = row_height(lines.len());
            if let Some(g) = group {
                let label = map
                    .groups
                    .iter()
                    .find(|(id, _)| id == g)
                    .map_or(*g, |(_, l)| l.as_str());
                let _ = writeln!(
                    s,
                    r##"<rect x="0" y="{y:.1}" width="{width}" height="{rh:.1}" fill="#eef2f7"/><text x="8" y="{:.1}" font-weight="bold">{}</text>"##,
                    y + rh / 2.0 + 4.0 * u,
                    esc(&short(label, row_chars + 8))
                );
                y += rh;
                continue;
            }
            let Some(r) = row else { continue };
            let first = y + rh / 2.0 + 4.0 * u - (lines.len() as f64 - 1.0) * line_h / 2.0;
            for (k, l) in lines.iter().enumerate() {
                let _ = writeln!(
                    s,
                    r#"<text x="18" y="{:.1}">{}</text>"#,
                    first + line_h * k as f64,
                    esc(l)
                );
            }
            for (j, oc) in map.outcomes.iter().enumerate() {
                let Some(cell) = map.cell(&r.id, &oc.id) else {
                    continue;
                };
                let x = label_w + col_w * j as f64;
                let (fill, stroke, dash) = if cell.gaps.contains(&Gap::Absolute) {
                    ("url(#hatch)", "#e5c4c4", "")
                } else if cell.gaps.contains(&Gap::Synthesis) {
                    ("#fff", "#c77d00", r#" stroke-dasharray="4 3""#)
                } else {
                    ("#fff", "#dddddd", "")
                };
                let _ = writeln!(
                    s,
                    r##"<rect x="{}" y="{:.1}" width="{}" height="{:.1}" fill="{fill}" stroke="{stroke}"{dash}/>"##,
                    x + 2.0,
                    y + 2.0,
                    col_w - 4.0,
                    rh - 4.0
                );
                if cell.n_studies > 0 {
                    let rad = 2.5 + 7.5 * (cell.n_studies as f64 / max_n).sqrt();
                    let rct = cell.designs.get("rct").copied().unwrap_or(0) as f64
                        / cell.n_studies as f64;
                    let colour = if cell.gaps.contains(&Gap::Weak) {
                        "#9ecae1"
                    } else if rct >= 0.5 {
                        "#08519c"
                    } else {
                        "#3182bd"
                    };
                    let _ = writeln!(
                        s,
                        r##"<circle cx="{}" cy="{:.1}" r="{rad:.1}" fill="{colour}"/><text x="{}" y="{:.1}">{}</text>"##,
                        x + 16.0,
                        y + rh / 2.0,
                        x + 28.0,
                        y + rh / 2.0 + 4.0 * u,
                        cell.n_studies,
                    );
                    if !cell.pooled.is_empty() {
                        let (dx, dy) = (x + col_w - 9.0, y + 9.0);
                        let _ = writeln!(
                            s,
                            r##"<path class="pooled" d="M{dx},{:.1} l4,4 l-4,4 l-4,-4 z" fill="#1d232b"/>"##,
                            dy - 4.0
                        );
                    }
                }
            }
            y += rh;
        }
        if !last {
            s.push_str("</svg>\n");
            return s;
        }
        let y = y + 16.0 * u;
        let l2 = y + 22.0 * u;
        let _ = write!(
            s,
            r##"<g class="key"><rect x="10" y="{y:.1}" width="14" height="14" fill="url(#hatch)" stroke="#e5c4c4"/><text x="30" y="{t1:.1}">absolute gap (no study)</text>
<rect x="{a:.1}" y="{y:.1}" width="14" height="14" fill="#fff" stroke="#c77d00" stroke-dasharray="4 3"/><text x="{at:.1}" y="{t1:.1}">synthesis gap</text>
<circle cx="{b:.1}" cy="{c1:.1}" r="7" fill="#9ecae1"/><text x="{bt:.1}" y="{t1:.1}">weak evidence</text>
<circle cx="17" cy="{c2:.1}" r="7" fill="#08519c"/><text x="30" y="{t2:.1}">mostly randomised</text>
<path d="M{d:.1},{d0:.1} l5,5 l-5,5 l-5,-5 z" fill="#1d232b"/><text x="{dt:.1}" y="{t2:.1}">pooled result</text>
<text x="{e:.1}" y="{t2:.1}">† no economic evaluation</text></g>
"##,
            t1 = y + 12.0,
            a = 10.0 + 190.0 * u,
            at = 30.0 + 190.0 * u,
            b = 17.0 + 330.0 * u,
            bt = 30.0 + 330.0 * u,
            c1 = y + 7.0,
            c2 = l2 + 7.0,
            t2 = l2 + 12.0,
            d = 17.0 + 190.0 * u,
            d0 = l2 + 2.0,
            dt = 30.0 + 190.0 * u,
            e = 30.0 + 330.0 * u,
        );
        s.push_str("</svg>\n");
        s
    };
    // Parts of at most `max_height`: rows in order, a part breaking before
    // the row that would overflow it; a part that opens inside a group
    // repeats the group's heading. The key closes the last part.
    let key_h = 62.0 * u;
    let budget = max_height.map(|m| (m - head_h - key_h).max(row_height(2) * 2.0));
    let mut parts: Vec<Vec<usize>> = vec![Vec::new()];
    let mut used = 0.0;
    let mut group_of_row: Vec<Option<usize>> = Vec::with_capacity(rows.len());
    let mut current_group = None;
    for (i, r) in rows.iter().enumerate() {
        if r.0.is_some() {
            current_group = Some(i);
        }
        group_of_row.push(current_group);
    }
    for (i, r) in rows.iter().enumerate() {
        let h = row_height(r.2.len());
        let full = budget.is_some_and(|b| used + h > b);
        if full && parts.last().is_some_and(|p| !p.is_empty()) {
            parts.push(Vec::new());
            used = 0.0;
            // a part opening inside a group repeats its heading
            if r.0.is_none() {
                if let Some(g) = group_of_row.get(i).copied().flatten() {
                    if let Some(part) = parts.last_mut() {
                        part.push(g);
                    }
                    used += rows.get(g).map_or(0.0, |g| row_height(g.2.len()));
                }
            }
        }
        if let Some(part) = parts.last_mut() {
            part.push(i);
        }
        used += h;
    }
    let n_parts = parts.len();
    parts
        .iter()
        .enumerate()
        .map(|(p, part)| {
            let last = p + 1 == n_parts;
            let body_h: f64 = part
                .iter()
                .filter_map(|i| rows.get(*i))
                .map(|r| row_height(r.2.len()))
                .sum();
            let height = head_h + body_h + if last { key_h } else { 16.0 * u };
            let continued = if n_parts > 1 {
                format!(" (part {} of {n_parts})", p + 1)
            } else {
                String::new()
            };
            render(part, last, height, &continued)
        })
        .collect()
}

/// The filter in words, with the framework's labels rather than ids.
fn filter_text(map: &Map) -> String {
    let label = |axes: &[crate::gapmap::Axis], id: &str| {
        axes.iter()
            .find(|a| a.id == id)
            .map_or_else(|| id.to_string(), |a| short(&a.label, 60))
    };
    let mut parts = Vec::new();
    if let Some(p) = &map.filter.population {
        parts.push(format!("population: {}", label(&map.populations, p)));
    }
    if let Some(d) = &map.filter.design {
        parts.push(format!("design: {}", label(&map.designs, d)));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

fn short(s: &str, n: usize) -> String {
    let s = crate::model::short_label(s);
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}
