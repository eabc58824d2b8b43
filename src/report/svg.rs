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

/// The forest plot of a report.
pub fn forest(r: &Report, title: &str) -> String {
    let row_h = 22.0;
    let top = 70.0;
    let n = r.studies.len() as f64;
    let height = top + (n + 4.0) * row_h + 60.0;
    let (px0, px1) = (300.0, 640.0);
    let mut lo = r.pi_lb.min(r.ci_lb);
    let mut hi = r.pi_ub.max(r.ci_ub);
    for s in &r.studies {
        lo = lo.min(s.ci_lb);
        hi = hi.max(s.ci_ub);
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
    let y_end = top + (n + 2.5) * row_h;
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
    for (i, st) in r.studies.iter().enumerate() {
        let y = top + (i as f64 + 0.5) * row_h;
        let half = 3.0 + 6.0 * (st.weight / wmax).sqrt();
        let (x0, x1) = (sx(st.ci_lb).max(px0), sx(st.ci_ub).min(px1));
        let _ = writeln!(
            s,
            r##"<text x="20" y="{:.1}">{}</text>
<line x1="{x0:.1}" y1="{y:.1}" x2="{x1:.1}" y2="{y:.1}" stroke="#333"/>
<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#2b5d8a"/>
<text x="660" y="{:.1}">{} [{}, {}]</text>
<text x="900" y="{:.1}" text-anchor="end">{:.1}%</text>"##,
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
    let ya = y_end + 6.0;
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
    let het = format!(
        "Heterogeneity: τ² = {:.3}, I² = {:.1}%, Q = {:.2} (df = {}), p {}",
        r.tau2,
        r.i2,
        r.q,
        r.q_df,
        if r.q_pval < 0.001 {
            "< 0.001".to_string()
        } else {
            format!("{:.3}", r.q_pval)
        }
    );
    let test = format!(
        "Test of the pooled effect: {} = {:.2}, p {}",
        if r.df.is_some() { "t" } else { "z" },
        r.zval,
        if r.pval < 0.001 {
            "< 0.001".to_string()
        } else {
            format!("{:.3}", r.pval)
        }
    );
    let _ = writeln!(
        s,
        r##"<text x="20" y="{:.1}" font-size="12" fill="#333">{}</text>
<text x="20" y="{:.1}" font-size="12" fill="#333">{}</text>
</svg>"##,
        ya + 38.0,
        esc(&het),
        ya + 54.0,
        esc(&test)
    );
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
