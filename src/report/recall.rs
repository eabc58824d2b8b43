//! Recall curves of screening simulations: CSV and SVG. Returns text.

use super::svg::esc;
use crate::screen::simulate::Outcome;
use std::fmt::Write;

/// `seed,screened,found,recall` for every step of every run.
pub fn csv(runs: &[(u64, &Outcome)]) -> String {
    let mut s = String::from("seed,screened,found,recall\n");
    for (seed, o) in runs {
        let r = (o.curve.last().copied().unwrap_or(0)).max(1) as f64;
        for (i, f) in o.curve.iter().enumerate() {
            let _ = writeln!(s, "{seed},{},{f},{:.6}", i + 1, *f as f64 / r);
        }
    }
    s
}

/// Recall against records screened (after the priors), one line per seed,
/// with the random-screening diagonal and where the stopping rule stopped.
pub fn svg(runs: &[(u64, &Outcome)], title: &str) -> String {
    let (w, h, m) = (640.0, 420.0, 50.0);
    let n_left = runs.first().map_or(1, |(_, o)| o.n - o.priors.len()).max(1) as f64;
    let x = |v: f64| m + (w - 2.0 * m) * v / n_left;
    let y = |r: f64| h - m - (h - 2.0 * m) * r;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="Helvetica, Arial, sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/>"##
    );
    let _ = writeln!(
        s,
        r#"<text x="{m}" y="24" font-size="14" font-weight="bold">{}</text>"#,
        esc(title)
    );
    let _ = writeln!(
        s,
        r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999" stroke-dasharray="4 3"/><text x="{}" y="{}" fill="#777">random order</text>"##,
        x(0.0),
        y(0.0),
        x(n_left),
        y(1.0),
        x(n_left * 0.6),
        y(0.55)
    );
    let _ = writeln!(
        s,
        r##"<line x1="{m}" y1="{}" x2="{}" y2="{}" stroke="#333"/><line x1="{m}" y1="{m}" x2="{m}" y2="{}" stroke="#333"/>"##,
        h - m,
        w - m,
        h - m,
        h - m
    );
    for t in 0..=4 {
        let r = t as f64 / 4.0;
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">{:.0}%</text>"#,
            m - 6.0,
            y(r) + 4.0,
            r * 100.0
        );
        let v = n_left * r;
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">{:.0}</text>"#,
            x(v),
            h - m + 16.0,
            v
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">records screened after the priors</text>"#,
        w / 2.0,
        h - 12.0
    );
    let colours = [
        "#08519c", "#e6550d", "#31a354", "#756bb1", "#636363", "#d6616b",
    ];
    for (k, (seed, o)) in runs.iter().enumerate() {
        let c = colours.get(k % colours.len()).copied().unwrap_or("#000");
        // the curve runs until the last relevant record: its end is R' (relevant after the priors)
        let r = o.curve.last().copied().unwrap_or(0).max(1) as f64;
        let mut pts = format!("{},{}", x(0.0), y(0.0));
        for (i, f) in o.curve.iter().enumerate() {
            let _ = write!(pts, " {:.1},{:.1}", x(i as f64 + 1.0), y(*f as f64 / r));
        }
        let _ = writeln!(
            s,
            r#"<polyline fill="none" stroke="{c}" stroke-width="1.5" points="{pts}"/>"#
        );
        if let Some(st) = o.stop_at {
            let _ = writeln!(
                s,
                r#"<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="{c}" stroke-dasharray="2 2"/>"#,
                x(st as f64),
                y(0.0),
                y(1.0)
            );
        }
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" fill="{c}">seed {seed}{}</text>"#,
            w - m - 150.0,
            y(0.3) + 14.0 * k as f64,
            o.stop_at
                .map_or(String::new(), |st| format!(": stop at {st}"))
        );
    }
    s.push_str("</svg>\n");
    s
}
