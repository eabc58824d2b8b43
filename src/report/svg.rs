//! Standalone SVG pictures: the forest plot and the funnel plot.
//!
//! Pure: each function returns the SVG text; the caller writes it where told.
//! Every piece of text is escaped; nothing depends on fonts beyond a generic
//! sans-serif. Ratio measures get a back-transformed (log-scale) axis.

use crate::meta::analysis::Report;
use crate::model::Measure;
use std::fmt::Write;

/// Escape text for SVG/XML.
///
/// ```
/// assert_eq!(lacuna::report::svg::esc("Smith & <Jones>"), "Smith &amp; &lt;Jones&gt;");
/// ```
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn fmt(x: f64) -> String {
    if !x.is_finite() {
        "NA".into()
    } else if x.abs() >= 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// Nice tick values (analysis scale) between lo and hi.
fn ticks(lo: f64, hi: f64, measure: Measure) -> Vec<f64> {
    if measure.is_log() {
        let cands = [
            0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 4.0, 5.0, 10.0, 20.0, 50.0, 100.0,
        ];
        let mut t: Vec<f64> = cands
            .iter()
            .map(|c: &f64| c.ln())
            .filter(|l| *l >= lo && *l <= hi)
            .collect();
        if t.len() > 7 {
            t = t.into_iter().step_by(2).collect();
        }
        return t;
    }
    linear_ticks(lo, hi)
}

/// Nice ticks on a linear axis between lo and hi (steps of 1, 2, 2.5 or 5
/// times a power of ten; at most six intervals), shared with the briefing's
/// interval charts.
pub(crate) fn linear_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).max(1e-12);
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= 6.0)
        .unwrap_or(mag * 10.0);
    let mut t = Vec::new();
    let mut x = (lo / step).ceil() * step;
    while x <= hi + 1e-12 && t.len() < 20 {
        t.push(if x.abs() < step * 1e-9 { 0.0 } else { x });
        x += step;
    }
    t
}

fn tick_label(x: f64, measure: Measure) -> String {
    match measure.back_transform(x) {
        Some(b) if measure.is_log() => {
            let s = format!("{b:.2}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
        Some(b) => format!("{b:.2}"),
        None => {
            let s = format!("{x:.2}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    }
}

/// Which arm each side of a forest plot's axis favours, printed under the
/// axis as "Favours {left}" (left of the line of no effect) and
/// "Favours {right}".
///
/// Left is the lower effect: a risk ratio below 1, a mean difference below
/// 0. The default, intervention on the left, is right when lower is better
/// (fewer events, lower severity scores); when higher is better (response,
/// quality of life) use `Favours::lower_is_better(false)`, which swaps them.
///
/// ```
/// use lacuna::report::svg::Favours;
/// assert_eq!(Favours::default(), Favours::lower_is_better(true));
/// assert_eq!(Favours::default().left, "intervention");
/// let higher = Favours::lower_is_better(false);
/// assert_eq!((higher.left.as_str(), higher.right.as_str()), ("control", "intervention"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Favours {
    /// The arm a lower effect (left of the line of no effect) favours.
    pub left: String,
    /// The arm a higher effect favours.
    pub right: String,
}

impl Favours {
    /// Intervention on the left when `lower` is better, else on the right.
    pub fn lower_is_better(lower: bool) -> Favours {
        let (i, c) = ("intervention".to_string(), "control".to_string());
        if lower {
            Favours { left: i, right: c }
        } else {
            Favours { left: c, right: i }
        }
    }
}

impl Default for Favours {
    fn default() -> Self {
        Favours::lower_is_better(true)
    }
}

/// One line of a forest plot, top to bottom.
enum Line<'a> {
    /// A subgroup's heading.
    Heading(String),
    /// A study.
    Study(&'a crate::meta::analysis::StudyRow),
    /// A subgroup's pooled estimate.
    Subtotal(&'a crate::meta::moderators::Subgroup),
    /// Space between subgroups.
    Gap,
}

/// The lines of the plot: the studies in order, or grouped by subgroup
/// (heading, studies, subtotal) when `levels` gives each study's level and
/// the report has the matching subgroup analysis.
fn lines<'a>(r: &'a Report, levels: Option<&[String]>) -> Vec<Line<'a>> {
    let plain = || r.studies.iter().map(Line::Study).collect();
    let (Some(levels), Some(sub)) = (levels, &r.subgroups) else {
        return plain();
    };
    if levels.len() != r.studies.len() {
        return plain();
    }
    let mut out = Vec::new();
    for g in &sub.result.groups {
        out.push(Line::Heading(format!("{}: {}", sub.by, g.level)));
        out.extend(
            r.studies
                .iter()
                .zip(levels)
                .filter(|(_, l)| **l == g.level)
                .map(|(s, _)| Line::Study(s)),
        );
        out.push(Line::Subtotal(g));
        out.push(Line::Gap);
    }
    out.pop();
    out
}

fn first(v: &[f64]) -> f64 {
    v.first().copied().unwrap_or(f64::NAN)
}

fn p_text(p: f64) -> String {
    if p.is_nan() {
        "NA".to_string()
    } else if p < 0.001 {
        "< 0.001".to_string()
    } else {
        format!("= {p:.3}")
    }
}

/// The forest plot of a report, with `favours` under the axis.
///
/// ```
/// use lacuna::meta::analysis::{analyse, Request};
/// use lacuna::model::{EffectSize, Measure};
/// use lacuna::report::svg::{forest, Favours};
/// let es = [EffectSize::new(-0.3, 0.04).unwrap(), EffectSize::new(-0.1, 0.02).unwrap()];
/// let labels = ["A".to_string(), "B".to_string()];
/// let r = analyse(Measure::Smd, &labels, &es, &Default::default(), &Request::default()).unwrap();
/// let svg = forest(&r, "demo", &Favours::default());
/// assert!(svg.contains("Favours intervention") && svg.contains("Favours control"));
/// ```
pub fn forest(r: &Report, title: &str, favours: &Favours) -> String {
    draw_forest(r, title, favours, None)
}

/// One study's risk-of-bias judgements for [`forest_with_rob`]: its
/// domains (D1 first) and overall judgement, or none when not judged.
pub type RobColumns = Option<(
    Vec<crate::model::rob::Judgement>,
    crate::model::rob::Judgement,
)>;

/// The colour and symbol robvis gives a judgement.
fn rob_mark(j: crate::model::rob::Judgement) -> (&'static str, &'static str) {
    use crate::model::rob::Judgement as J;
    match j {
        J::Low => ("#02C100", "+"),
        J::SomeConcerns | J::Moderate => ("#E2DF07", "−"),
        J::High | J::Serious => ("#BF0000", "×"),
        J::Critical => ("#820000", "!"),
        J::NoInformation => ("#4EA1F7", "?"),
    }
}

/// The forest plot with each study's risk-of-bias judgements in columns on
/// its right (D1… and Overall), as RevMan and meta's `rob()` draw them.
/// `rob` is given per study, in the order of `r.studies`; a study with no
/// judgement gets empty rings.
///
/// ```
/// use lacuna::meta::analysis::{analyse, Request};
/// use lacuna::model::{rob::Judgement, EffectSize, Measure};
/// use lacuna::report::svg::{forest_with_rob, Favours};
/// let es = vec![EffectSize::new(-0.3, 0.04).unwrap(), EffectSize::new(-0.1, 0.05).unwrap()];
/// let r = analyse(Measure::Smd, &["A".into(), "B".into()], &es, &Default::default(), &Request::default()).unwrap();
/// let svg = forest_with_rob(&r, "t", &Favours::default(), &[Some((vec![Judgement::Low; 5], Judgement::Low)), None]);
/// assert!(svg.contains(">Overall<") && svg.contains("#02C100"));
/// ```
pub fn forest_with_rob(r: &Report, title: &str, favours: &Favours, rob: &[RobColumns]) -> String {
    let base = draw_forest(r, title, favours, None);
    let domains = rob
        .iter()
        .flatten()
        .map(|(d, _)| d.len())
        .max()
        .unwrap_or(0);
    if domains == 0 {
        return base;
    }
    let (top, row_h, x0, col) = (70.0, 22.0, 972.0, 22.0);
    // the Overall column stands a little apart, wide enough for its word
    let cx_of = |d: usize| {
        if d == domains {
            x0 + col * domains as f64 + 30.0
        } else {
            x0 + col * d as f64 + col / 2.0
        }
    };
    let width = x0 + col * domains as f64 + 62.0;
    let mut cols = String::new();
    for d in 0..=domains {
        let label = if d == domains {
            "Overall".to_string()
        } else {
            format!("D{}", d + 1)
        };
        let _ = write!(
            cols,
            r##"<text x="{:.1}" y="{:.0}" text-anchor="middle" font-weight="bold" font-size="11">{}</text>"##,
            cx_of(d),
            top - 12.0,
            esc(&label)
        );
    }
    for (i, line) in lines(r, None).iter().enumerate() {
        let Line::Study(st) = line else { continue };
        let Some(k) = r.studies.iter().position(|x| std::ptr::eq(x, *st)) else {
            continue;
        };
        let y = top + (i as f64 + 0.5) * row_h;
        let judged = rob.get(k).and_then(|x| x.as_ref());
        for d in 0..=domains {
            let cx = cx_of(d);
            let j = judged.and_then(|(ds, overall)| {
                if d == domains {
                    Some(*overall)
                } else {
                    ds.get(d).copied()
                }
            });
            match j {
                Some(j) => {
                    let (fill, sym) = rob_mark(j);
                    let _ = write!(
                        cols,
                        r##"<g class="rob"><title>{}: {}</title><circle cx="{cx:.1}" cy="{y:.1}" r="8" fill="{fill}"/><text x="{cx:.1}" y="{:.1}" text-anchor="middle" font-size="12" font-weight="bold" fill="#fff">{sym}</text></g>"##,
                        esc(&st.study),
                        j.label(),
                        y + 4.0
                    );
                }
                None => {
                    let _ = write!(
                        cols,
                        r##"<circle cx="{cx:.1}" cy="{y:.1}" r="7" fill="none" stroke="#aaa"><title>not judged</title></circle>"##
                    );
                }
            }
        }
    }
    base.replacen("width=\"960\"", &format!("width=\"{width:.0}\""), 1)
        .replacen(
            "viewBox=\"0 0 960 ",
            &format!("viewBox=\"0 0 {width:.0} "),
            1,
        )
        .replacen("</svg>", &format!("{cols}</svg>"), 1)
}

/// The forest plot with the studies grouped by subgroup: under a heading per
/// level, each group with its own diamond and a line with its k, estimate,
/// CI and I², then the overall diamond and, under the plot, the test for
/// subgroup differences. `levels` holds each study's level, in the order of
/// `r.studies`; the numbers come from `r.subgroups` (the analysis asked with
/// `by`). Without them, or with levels of another length, the plain plot.
pub fn forest_by(r: &Report, title: &str, favours: &Favours, levels: &[String]) -> String {
    draw_forest(r, title, favours, Some(levels))
}

/// Draws the plot: a header, one row per line, the overall diamond, the
/// prediction interval, the axis with the favours labels, and the notes
/// (heterogeneity, the test of the effect, subgroup differences). Long
/// because the SVG is written top to bottom in one place.
fn draw_forest(r: &Report, title: &str, favours: &Favours, levels: Option<&[String]>) -> String {
    let rows = lines(r, levels);
    let row_h = 22.0;
    let top = 70.0;
    let n = rows.len() as f64;
    let (px0, px1) = (300.0, 640.0);
    let mut lo = r.pi_lb.min(r.ci_lb);
    let mut hi = r.pi_ub.max(r.ci_ub);
    for l in &rows {
        let (a, b) = match l {
            Line::Study(s) => (s.ci_lb, s.ci_ub),
            Line::Subtotal(g) => (first(&g.fit.ci_lb), first(&g.fit.ci_ub)),
            _ => continue,
        };
        if a.is_finite() && b.is_finite() {
            lo = lo.min(a);
            hi = hi.max(b);
        }
    }
    if !lo.is_finite() || !hi.is_finite() || hi <= lo {
        lo = r.estimate - 1.0;
        hi = r.estimate + 1.0;
    }
    lo = lo.min(0.0);
    hi = hi.max(0.0);
    let pad = (hi - lo) * 0.05;
    let (lo, hi) = (lo - pad, hi + pad);
    let sx = |x: f64| px0 + (x - lo) / (hi - lo) * (px1 - px0);
    let back = |x: f64| r.measure.back_transform(x).unwrap_or(x);
    let y_end = top + (n + 2.5) * row_h;
    let ya = y_end + 6.0;
    let subgroups = match (
        &r.subgroups,
        rows.iter().any(|l| matches!(l, Line::Subtotal(_))),
    ) {
        (Some(s), true) => Some(s),
        _ => None,
    };
    let height = ya + if subgroups.is_some() { 110.0 } else { 90.0 };
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="960" height="{height:.0}" viewBox="0 0 960 {height:.0}" font-family="Helvetica, Arial, sans-serif" font-size="13">
<rect width="100%" height="100%" fill="white"/>
<text x="20" y="28" font-size="17" font-weight="bold">{}</text>
<text x="20" y="{:.0}" font-weight="bold">Study</text>
<text x="{:.0}" y="{:.0}" text-anchor="middle" font-weight="bold">{}</text>
<text x="660" y="{:.0}" font-weight="bold">Estimate [95% CI]</text>
<text x="900" y="{:.0}" text-anchor="end" font-weight="bold">Weight</text>
"##,
        esc(title),
        top - 12.0,
        (px0 + px1) / 2.0,
        top - 12.0,
        esc(r.measure.label()),
        top - 12.0,
        top - 12.0
    );
    let null = 0.0; // no effect: log ratio 0, difference 0, r 0
    let _ = writeln!(
        s,
        r##"<line x1="{0:.1}" y1="{1:.0}" x2="{0:.1}" y2="{2:.0}" stroke="#888" stroke-dasharray="4,3"/>"##,
        sx(null),
        top - 4.0,
        y_end
    );
    let wmax = r
        .studies
        .iter()
        .map(|s| s.weight)
        .fold(0.0, f64::max)
        .max(1e-9);
    for (i, line) in rows.iter().enumerate() {
        let y = top + (i as f64 + 0.5) * row_h;
        match line {
            Line::Gap => {}
            Line::Heading(h) => {
                let _ = writeln!(
                    s,
                    r##"<text x="20" y="{:.1}" font-weight="bold" font-style="italic">{}</text>"##,
                    y + 4.5,
                    esc(h)
                );
            }
            Line::Study(st) => {
                let half = 3.0 + 6.0 * (st.weight / wmax).sqrt();
                let (x0, x1) = (sx(st.ci_lb).max(px0), sx(st.ci_ub).min(px1));
                let _ = writeln!(
                    s,
                    r##"<text x="{:.0}" y="{:.1}">{}</text>
<line x1="{x0:.1}" y1="{y:.1}" x2="{x1:.1}" y2="{y:.1}" stroke="#333"/>
<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#2b5d8a"/>
<text x="660" y="{:.1}">{} [{}, {}]</text>
<text x="900" y="{:.1}" text-anchor="end">{:.1}%</text>"##,
                    if subgroups.is_some() { 32.0 } else { 20.0 },
                    y + 4.5,
                    esc(&st.study),
                    sx(st.yi) - half,
                    y - half,
                    2.0 * half,
                    2.0 * half,
                    y + 4.5,
                    fmt(back(st.yi)),
                    fmt(back(st.ci_lb)),
                    fmt(back(st.ci_ub)),
                    y + 4.5,
                    st.weight
                );
            }
            Line::Subtotal(g) => {
                let (est, lb, ub) = (g.fit.estimate(), first(&g.fit.ci_lb), first(&g.fit.ci_ub));
                let _ = writeln!(
                    s,
                    r##"<text x="32" y="{:.1}" font-style="italic">{}</text>
<polygon points="{:.1},{y:.1} {:.1},{:.1} {:.1},{y:.1} {:.1},{:.1}" fill="#d98880"/>
<text x="660" y="{:.1}" font-style="italic">{} [{}, {}]</text>"##,
                    y + 4.5,
                    esc(&format!("Subtotal: k = {}, I² = {:.1}%", g.fit.k, g.fit.i2)),
                    sx(lb).max(px0),
                    sx(est),
                    y - 6.0,
                    sx(ub).min(px1),
                    sx(est),
                    y + 6.0,
                    y + 4.5,
                    fmt(back(est)),
                    fmt(back(lb)),
                    fmt(back(ub)),
                );
            }
        }
    }
    let yd = top + (n + 1.0) * row_h;
    let model = if r.method == crate::meta::Method::EE {
        "Common-effect model".to_string()
    } else {
        format!("Random-effects model ({:?})", r.method)
    };
    let _ = writeln!(
        s,
        r##"<line x1="{px0}" y1="{:.1}" x2="{px1}" y2="{:.1}" stroke="#ccc"/>
<text x="20" y="{:.1}" font-weight="bold">{}</text>
<polygon points="{:.1},{yd:.1} {:.1},{:.1} {:.1},{yd:.1} {:.1},{:.1}" fill="#c0392b"/>
<text x="660" y="{:.1}" font-weight="bold">{} [{}, {}]</text>
<text x="900" y="{:.1}" text-anchor="end">100%</text>"##,
        yd - row_h * 0.75,
        yd - row_h * 0.75,
        yd + 4.5,
        esc(&model),
        sx(r.ci_lb),
        sx(r.estimate),
        yd - 7.0,
        sx(r.ci_ub),
        sx(r.estimate),
        yd + 7.0,
        yd + 4.5,
        fmt(back(r.estimate)),
        fmt(back(r.ci_lb)),
        fmt(back(r.ci_ub)),
        yd + 4.5
    );
    if r.method != crate::meta::Method::EE && r.k >= 3 {
        let yp = yd + row_h;
        let _ = writeln!(
            s,
            r##"<text x="20" y="{:.1}" fill="#555">Prediction interval</text>
<line x1="{:.1}" y1="{yp:.1}" x2="{:.1}" y2="{yp:.1}" stroke="#c0392b" stroke-width="2"/>
<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#c0392b" stroke-width="2"/>
<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#c0392b" stroke-width="2"/>
<text x="660" y="{:.1}" fill="#555">[{}, {}]</text>"##,
            yp + 4.5,
            sx(r.pi_lb).max(px0),
            sx(r.pi_ub).min(px1),
            sx(r.pi_lb).max(px0),
            yp - 4.0,
            sx(r.pi_lb).max(px0),
            yp + 4.0,
            sx(r.pi_ub).min(px1),
            yp - 4.0,
            sx(r.pi_ub).min(px1),
            yp + 4.0,
            yp + 4.5,
            fmt(back(r.pi_lb)),
            fmt(back(r.pi_ub))
        );
    }
    // axis
    let _ = writeln!(
        s,
        r##"<line x1="{px0}" y1="{ya:.1}" x2="{px1}" y2="{ya:.1}" stroke="#333"/>"##
    );
    for t in ticks(lo, hi, r.measure) {
        let x = sx(t);
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{ya:.1}" x2="{x:.1}" y2="{:.1}" stroke="#333"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="11">{}</text>"##,
            ya + 5.0,
            ya + 18.0,
            esc(&tick_label(t, r.measure))
        );
    }
    // favours: left of the line of no effect, then right of it
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="end" font-size="12" fill="#333">{}</text>
<text x="{:.1}" y="{:.1}" text-anchor="start" font-size="12" fill="#333">{}</text>"##,
        sx(null) - 8.0,
        ya + 34.0,
        esc(&format!("← Favours {}", favours.left)),
        sx(null) + 8.0,
        ya + 34.0,
        esc(&format!("Favours {} →", favours.right))
    );
    let het = format!(
        "Heterogeneity: τ² = {:.3}, I² = {:.1}%, Q = {:.2} (df = {}), p {}",
        r.tau2,
        r.i2,
        r.q,
        r.q_df,
        p_text(r.q_pval)
    );
    let test = format!(
        "Test of the pooled effect: {} = {:.2}, p {}",
        if r.df.is_some() { "t" } else { "z" },
        r.zval,
        p_text(r.pval)
    );
    let mut notes = vec![het, test];
    if let Some(sub) = subgroups {
        notes.push(format!(
            "Test for subgroup differences: Q_between = {:.2} (df = {}), p {}",
            sub.result.q_between,
            sub.result.q_between_df,
            p_text(sub.result.q_between_pval)
        ));
    }
    for (i, note) in notes.iter().enumerate() {
        let _ = writeln!(
            s,
            r##"<text x="20" y="{:.1}" font-size="12" fill="#333">{}</text>"##,
            ya + 56.0 + 16.0 * i as f64,
            esc(note)
        );
    }
    s.push_str("</svg>\n");
    s
}

/// The funnel plot of a report: estimates against standard errors, with the
/// pseudo 95% region and trim-and-fill's filled studies (hollow), if any.
pub fn funnel(r: &Report, title: &str) -> String {
    let (w, h) = (640.0, 480.0);
    let (x0, x1, y0, y1) = (70.0, 610.0, 60.0, 430.0);
    let filled: Vec<(f64, f64)> = r
        .trimfill
        .as_ref()
        .map(|t| {
            t.filled_yi
                .iter()
                .zip(&t.filled_vi)
                .map(|(y, v)| (*y, v.sqrt()))
                .collect()
        })
        .unwrap_or_default();
    let all: Vec<(f64, f64)> = r
        .studies
        .iter()
        .map(|s| (s.yi, s.sei))
        .chain(filled.iter().copied())
        .collect();
    let semax = all.iter().map(|p| p.1).fold(0.0, f64::max).max(1e-9) * 1.05;
    let b = r
        .trimfill
        .as_ref()
        .map(|t| t.fit.estimate())
        .unwrap_or(r.estimate);
    let mut lo = b - crate::model::Z975 * semax;
    let mut hi = b + crate::model::Z975 * semax;
    for p in &all {
        lo = lo.min(p.0);
        hi = hi.max(p.0);
    }
    let pad = (hi - lo) * 0.05;
    let (lo, hi) = (lo - pad, hi + pad);
    let sx = |x: f64| x0 + (x - lo) / (hi - lo) * (x1 - x0);
    let sy = |se: f64| y0 + se / semax * (y1 - y0);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="Helvetica, Arial, sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="20" y="28" font-size="16" font-weight="bold">{}</text>
<polygon points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="#eef2f7" stroke="#9aa7b5"/>
<line x1="{:.1}" y1="{y0}" x2="{:.1}" y2="{y1}" stroke="#c0392b"/>"##,
        esc(title),
        sx(b),
        sy(0.0),
        sx(b - crate::model::Z975 * semax),
        sy(semax),
        sx(b + crate::model::Z975 * semax),
        sy(semax),
        sx(b),
        sx(b)
    );
    for (yi, se) in r.studies.iter().map(|s| (s.yi, s.sei)) {
        let _ = writeln!(
            s,
            r##"<circle cx="{:.1}" cy="{:.1}" r="4.5" fill="#2b5d8a"/>"##,
            sx(yi),
            sy(se)
        );
    }
    for (yi, se) in &filled {
        let _ = writeln!(
            s,
            r##"<circle cx="{:.1}" cy="{:.1}" r="4.5" fill="white" stroke="#2b5d8a" stroke-width="1.5"/>"##,
            sx(*yi),
            sy(*se)
        );
    }
    let _ = writeln!(
        s,
        r##"<line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="#333"/><line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#333"/>
<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>
<text x="18" y="{:.1}" transform="rotate(-90 18 {:.1})" text-anchor="middle">Standard error</text>"##,
        (x0 + x1) / 2.0,
        y1 + 38.0,
        esc(r.measure.label()),
        (y0 + y1) / 2.0,
        (y0 + y1) / 2.0
    );
    for t in ticks(lo, hi, r.measure) {
        let _ = writeln!(
            s,
            r##"<line x1="{0:.1}" y1="{y1}" x2="{0:.1}" y2="{1:.1}" stroke="#333"/><text x="{0:.1}" y="{2:.1}" text-anchor="middle" font-size="11">{3}</text>"##,
            sx(t),
            y1 + 5.0,
            y1 + 18.0,
            esc(&tick_label(t, r.measure))
        );
    }
    for i in 0..=4 {
        let se = semax * f64::from(i) / 4.0;
        let _ = writeln!(
            s,
            r##"<line x1="{x0}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#333"/><text x="{2:.1}" y="{3:.1}" text-anchor="end" font-size="11">{4:.3}</text>"##,
            sy(se),
            x0 - 5.0,
            x0 - 8.0,
            sy(se) + 4.0,
            se
        );
    }
    if !filled.is_empty() {
        let _ = writeln!(
            s,
            r##"<text x="{x1}" y="48" text-anchor="end" fill="#333">hollow: {} filled by trim-and-fill</text>"##,
            if filled.len() == 1 {
                "1 study".to_string()
            } else {
                format!("{} studies", filled.len())
            }
        );
    }
    s.push_str("</svg>\n");
    s
}
