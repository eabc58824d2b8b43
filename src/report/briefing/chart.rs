//! The briefing's interval charts: one estimate with its 95 % CI per row
//! (the pooled estimate version by version, or the cumulative
//! meta-analysis study by study), with a labelled axis on the reader's
//! scale (ratios on a log axis, as the forest plot draws them), the line of
//! no difference, and intervals that run past the axis clipped with an
//! arrow. Pure: returns the SVG text.

use super::super::svg::esc;
use super::words::is_ratio;
use std::fmt::Write;

/// One row of a chart (values on the analysis scale).
#[derive(Debug, Clone)]
pub(super) struct Point {
    /// What the row is (a version, or a study's name).
    pub label: String,
    /// Estimate.
    pub estimate: f64,
    /// CI lower limit.
    pub lo: f64,
    /// CI upper limit.
    pub hi: f64,
    /// Text shown instead of the numbers (e.g. "unchanged").
    pub note: Option<String>,
}

const W: f64 = 720.0;
const ROW: f64 = 22.0;
const X0: f64 = 200.0;
const X1: f64 = 530.0;
const FONT: f64 = 12.0;

/// The axis range (analysis scale): every estimate and the null in view;
/// the intervals as far as a sensible range (ratios 0.01 to 100, differences
/// three units beyond the estimates), so one very wide interval does not
/// squash the rest.
fn range(measure: &str, points: &[Point]) -> (f64, f64) {
    let ratio = is_ratio(measure);
    let mut lo = 0.0f64;
    let mut hi = 0.0f64;
    for p in points.iter().filter(|p| p.estimate.is_finite()) {
        lo = lo.min(p.estimate);
        hi = hi.max(p.estimate);
    }
    let (min, max) = if ratio {
        (0.01f64.ln(), 100f64.ln())
    } else {
        (lo - 3.0, hi + 3.0)
    };
    lo = lo.max(min);
    hi = hi.min(max);
    for p in points {
        for v in [p.lo, p.hi] {
            if v.is_finite() {
                lo = lo.min(v.max(min));
                hi = hi.max(v.min(max));
            }
        }
    }
    if hi - lo < 1e-9 {
        hi = lo + 1.0;
    }
    let pad = (hi - lo) * 0.04;
    ((lo - pad).max(min), (hi + pad).min(max))
}

/// Nice tick values (analysis scale) between lo and hi; as the forest plot
/// in `report::svg` chooses them.
pub(super) fn ticks(lo: f64, hi: f64, ratio: bool) -> Vec<f64> {
    if ratio {
        let cands = [
            0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 4.0, 5.0, 10.0, 20.0, 50.0, 100.0,
        ];
        let mut t: Vec<f64> = cands
            .iter()
            .map(|c: &f64| c.ln())
            .filter(|l| *l >= lo - 1e-9 && *l <= hi + 1e-9)
            .collect();
        if t.len() > 7 {
            // fewer ticks, 1 (no difference) always among them
            t = [0.01, 0.1, 0.5, 1.0, 2.0, 10.0, 100.0]
                .iter()
                .map(|c: &f64| c.ln())
                .filter(|l| *l >= lo - 1e-9 && *l <= hi + 1e-9)
                .collect();
        }
        return t;
    }
    crate::report::svg::linear_ticks(lo, hi)
}

fn tick_label(x: f64, ratio: bool) -> String {
    if ratio {
        let s = format!("{:.2}", x.exp());
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        let s = format!("{x:.2}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" {
            "0".into()
        } else {
            s.replace('-', "−")
        }
    }
}

/// A row label cut to the room left of the plot (about 28 characters).
fn fit(label: &str) -> String {
    const ROOM: usize = 28;
    if label.chars().count() <= ROOM {
        label.to_string()
    } else {
        let mut t: String = label.chars().take(ROOM - 1).collect();
        t.push('…');
        t
    }
}

/// The chart: `title` over two lines (what, then which chart), `scale` names
/// the axis ("Risk ratio").
pub(super) fn interval_chart(
    title: (&str, &str),
    measure: &str,
    scale: &str,
    points: &[Point],
) -> String {
    let ratio = is_ratio(measure);
    let top = 76.0;
    let n = points.len() as f64;
    let axis_y = top + ROW * n + 4.0;
    let h = axis_y + 52.0;
    let (lo, hi) = range(measure, points);
    let sx = |v: f64| X0 + (v.clamp(lo, hi) - lo) / (hi - lo) * (X1 - X0);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}: {}" width="{W}" height="{h}" viewBox="0 0 {W} {h}" font-family="Helvetica, Arial, sans-serif" font-size="{FONT}"><rect width="100%" height="100%" fill="white"/><text x="10" y="20" font-weight="bold">{}</text><text x="10" y="38">{}</text>"##,
        esc(title.0),
        esc(title.1),
        esc(title.0),
        esc(title.1)
    );
    // the axis, its ticks and labels
    let _ = write!(
        s,
        r##"<g class="axis"><line x1="{X0}" y1="{axis_y}" x2="{X1}" y2="{axis_y}" stroke="#333"/>"##
    );
    for t in ticks(lo, hi, ratio) {
        let x = sx(t);
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="{axis_y}" x2="{x:.1}" y2="{:.1}" stroke="#333"/><text class="tick" x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            axis_y + 5.0,
            axis_y + 18.0,
            tick_label(t, ratio)
        );
    }
    let _ = write!(
        s,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#333">{}{}</text></g>"##,
        (X0 + X1) / 2.0,
        axis_y + 36.0,
        esc(scale),
        if ratio { " (log scale)" } else { "" }
    );
    // the line of no difference
    if lo <= 0.0 && hi >= 0.0 {
        let nx = sx(0.0);
        let _ = write!(
            s,
            r##"<line x1="{nx:.1}" y1="{}" x2="{nx:.1}" y2="{axis_y}" stroke="#888" stroke-dasharray="3 3"/><text x="{nx:.1}" y="{}" text-anchor="middle" fill="#555">no difference</text>"##,
            top - 6.0,
            top - 10.0
        );
    }
    for (i, p) in points.iter().enumerate() {
        let y = top + ROW * i as f64 + ROW / 2.0;
        let (a, b) = (sx(p.lo), sx(p.hi));
        let _ = write!(
            s,
            r##"<text x="10" y="{:.1}">{}</text><line x1="{a:.1}" y1="{y}" x2="{b:.1}" y2="{y}" stroke="#08519c" stroke-width="2"/>"##,
            y + 4.0,
            esc(&fit(&p.label))
        );
        // an interval that runs past the axis ends in an arrow
        if p.lo <= lo {
            let _ = write!(
                s,
                r##"<path class="clipped" d="M{a:.1},{y} l7,-4 v8 z" fill="#08519c"/>"##
            );
        }
        if p.hi >= hi {
            let _ = write!(
                s,
                r##"<path class="clipped" d="M{b:.1},{y} l-7,-4 v8 z" fill="#08519c"/>"##
            );
        }
        let _ = write!(
            s,
            r##"<rect x="{:.1}" y="{}" width="8" height="8" fill="#08519c"/><text x="{}" y="{:.1}">{}</text>"##,
            sx(p.estimate) - 4.0,
            y - 4.0,
            X1 + 10.0,
            y + 4.0,
            esc(&p
                .note
                .clone()
                .unwrap_or_else(|| super::words::estimate(measure, p.estimate, p.lo, p.hi)))
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(e: f64, lo: f64, hi: f64) -> Point {
        Point {
            label: "Hilden 2021".into(),
            estimate: e,
            lo,
            hi,
            note: None,
        }
    }

    #[test]
    fn a_huge_ratio_interval_is_clipped_with_an_arrow_and_printed_as_a_bound() {
        let s = interval_chart(
            ("A × B", "cumulative"),
            "RR",
            "Risk ratio",
            &[
                pt(0.91f64.ln(), -20.0, 42335.96f64.ln()),
                pt(-0.1, -0.3, 0.1),
            ],
        );
        assert!(s.contains("0.91 [&lt;0.01, &gt;100]"), "{s}");
        assert_eq!(s.matches("class=\"clipped\"").count(), 2);
        for t in ["0.01", "1", "100"] {
            assert!(s.contains(&format!("\">{t}</text>")), "tick {t}: {s}");
        }
        assert!(s.contains("Risk ratio (log scale)"));
    }

    #[test]
    fn a_difference_axis_has_ticks_through_zero() {
        let s = interval_chart(("A × B", "x"), "SMD", "SMD", &[pt(-0.4, -0.9, 0.1)]);
        assert!(s.contains("class=\"tick\""));
        assert!(s.contains("\">0</text>"), "{s}");
        assert!(!s.contains("clipped"));
    }
}
