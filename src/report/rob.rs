//! Risk-of-bias figures for one pooled cell, drawn as robvis (McGuinness &
//! Higgins 2021) draws them: the traffic-light plot (a row per study, a
//! coloured circle per domain and overall) and the weighted summary plot (a
//! 100 % stacked bar per domain and overall, segments sized by the studies'
//! shares of the weight).
//!
//! Pure: each function returns standalone SVG text and never panics on its
//! input; it does not read sheets, judge studies, or compute weights (the
//! caller passes the pooled cell's rows and shares). Every piece of text is
//! escaped with [`super::svg::esc`].

use super::svg::esc;
use crate::model::rob::{Judgement, Tool};
use std::fmt::Write;

/// One study of a pooled cell, as the figures draw it.
#[derive(Debug, Clone, PartialEq)]
pub struct RobFigureRow {
    /// The study's name as it should appear ("Bateman 2009").
    pub study: String,
    /// The study's share of the pooled weight. Shares need not sum to 1
    /// (they are normalised); a negative or non-finite weight counts as 0.
    pub weight: f64,
    /// The domains' judgements, D1 first; `None` when the study was not
    /// judged. Judgements past the tool's last domain are not drawn.
    pub domains: Option<Vec<Judgement>>,
    /// The overall judgement; `None` when not judged.
    pub overall: Option<Judgement>,
}

/// robvis's colours: Low, Some concerns / Moderate, High / Serious,
/// Critical, No information, and the grey of an unjudged cell.
const LOW: &str = "#02C100";
const CONCERN: &str = "#E2DF07";
const HIGH: &str = "#BF0000";
const CRITICAL: &str = "#820000";
const NO_INFO: &str = "#4EA1F7";
const NOT_JUDGED: &str = "#AAAAAA";

/// Every judgement in the order the key and the stacked bars list them
/// (left to right: best to worst, then no information).
const ORDER: [Judgement; 7] = [
    Judgement::Low,
    Judgement::SomeConcerns,
    Judgement::Moderate,
    Judgement::High,
    Judgement::Serious,
    Judgement::Critical,
    Judgement::NoInformation,
];

const FONT: &str = "Helvetica, Arial, sans-serif";

/// The tool's domains as robvis's key names them.
fn domain_names(tool: Tool) -> &'static [&'static str] {
    match tool {
        Tool::Rob2 => &[
            "Bias arising from the randomisation process",
            "Bias due to deviations from intended interventions",
            "Bias due to missing outcome data",
            "Bias in measurement of the outcome",
            "Bias in selection of the reported result",
        ],
        Tool::RobinsI => &[
            "Bias due to confounding",
            "Bias in selection of participants into the study",
            "Bias in classification of interventions",
            "Bias due to deviations from intended interventions",
            "Bias due to missing data",
            "Bias in measurement of outcomes",
            "Bias in selection of the reported result",
        ],
    }
}

fn tool_name(tool: Tool) -> &'static str {
    match tool {
        Tool::Rob2 => "RoB 2",
        Tool::RobinsI => "ROBINS-I",
    }
}

fn colour(j: Option<Judgement>) -> &'static str {
    match j {
        Some(Judgement::Low) => LOW,
        Some(Judgement::SomeConcerns | Judgement::Moderate) => CONCERN,
        Some(Judgement::High | Judgement::Serious) => HIGH,
        Some(Judgement::Critical) => CRITICAL,
        Some(Judgement::NoInformation) => NO_INFO,
        None => NOT_JUDGED,
    }
}

/// The text colour that reads on a fill of `j`'s colour.
fn ink(j: Option<Judgement>) -> &'static str {
    match j {
        Some(Judgement::High | Judgement::Serious | Judgement::Critical) => "#FFFFFF",
        _ => "#000000",
    }
}

fn symbol(j: Judgement) -> &'static str {
    match j {
        Judgement::Low => "+",
        Judgement::SomeConcerns | Judgement::Moderate => "\u{2212}",
        Judgement::High | Judgement::Serious => "\u{00D7}",
        Judgement::Critical => "!",
        Judgement::NoInformation => "?",
    }
}

fn label(j: Option<Judgement>) -> &'static str {
    j.map_or("Not judged", Judgement::label)
}

/// Study `row`'s judgement in column `col` (`ndom` is Overall).
fn cell(row: &RobFigureRow, col: usize, ndom: usize) -> Option<Judgement> {
    if col == ndom {
        row.overall
    } else {
        row.domains.as_ref().and_then(|d| d.get(col).copied())
    }
}

/// The key's entries: the tool's levels, any other judgement the rows use,
/// and "Not judged" when some cell is unjudged.
fn key_entries(tool: Tool, rows: &[RobFigureRow]) -> Vec<Option<Judgement>> {
    let ndom = tool.domains();
    let used = |j: Option<Judgement>| {
        rows.iter()
            .any(|r| (0..=ndom).any(|c| cell(r, c, ndom) == j))
    };
    let mut out: Vec<Option<Judgement>> = ORDER
        .iter()
        .copied()
        .filter(|j| tool.levels().contains(j) || used(Some(*j)))
        .map(Some)
        .collect();
    if used(None) {
        out.push(None);
    }
    out
}

/// A rough width of `n` characters of text at `size` units.
fn text_width(n: usize, size: f64) -> f64 {
    n as f64 * size * 0.56
}

/// The SVG's opening, its white ground and the figure's title.
fn open_svg(out: &mut String, w: f64, h: f64, aria: &str, title: &str) {
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{aria}" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" font-family="{FONT}" font-size="13"><rect width="100%" height="100%" fill="#FFFFFF"/><text x="20" y="30" font-size="16" font-weight="bold">{title}</text>"##,
        aria = esc(aria),
        title = esc(title),
    );
}

/// The picture for an empty cell: the title and a line saying so.
fn nothing_to_draw(title: &str, what: &str) -> String {
    let mut s = String::new();
    open_svg(
        &mut s,
        480.0,
        90.0,
        &format!("{title}: {what}: nothing to draw"),
        title,
    );
    let _ = write!(
        s,
        r#"<text x="20" y="62">{}</text></svg>"#,
        esc("No studies with risk-of-bias judgements: nothing to draw."),
    );
    s
}

/// Shorten a study name for the plot (the full name stays in the tooltip).
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('\u{2026}');
        t
    }
}

/// robvis's traffic-light plot of one pooled cell: a row per study, a
/// column per domain of `tool` (D1…D5 for RoB 2, D1…D7 for ROBINS-I) and
/// Overall, each cell a circle coloured and marked by its judgement (Low
/// `+`, Some concerns / Moderate `−`, High / Serious `×`, Critical `!`, No
/// information `?`; an unjudged cell is an empty grey ring), and a key
/// naming the domains and the judgements. Empty `rows` give a picture
/// saying there is nothing to draw.
///
/// ```
/// use lacuna::model::rob::{Judgement, Tool};
/// use lacuna::report::rob::{traffic_light, RobFigureRow};
///
/// let rows = vec![RobFigureRow {
///     study: "Bateman 2009".into(),
///     weight: 1.0,
///     domains: Some(vec![Judgement::Low; 5]),
///     overall: Some(Judgement::High),
/// }];
/// let svg = traffic_light("Depression, post-treatment", Tool::Rob2, &rows);
/// assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
/// assert!(svg.contains("Bateman 2009"));
/// assert_eq!(svg.matches(r#"class="cell""#).count(), 6);
/// ```
pub fn traffic_light(title: &str, tool: Tool, rows: &[RobFigureRow]) -> String {
    if rows.is_empty() {
        return nothing_to_draw(title, "traffic-light plot");
    }
    let ndom = tool.domains();
    let names = domain_names(tool);
    let keys = key_entries(tool, rows);

    const CELL: f64 = 44.0;
    const ROW: f64 = 40.0;
    const R: f64 = 15.0;
    const GAP: f64 = 10.0;
    let longest = rows
        .iter()
        .map(|r| shorten(&r.study, 48).chars().count())
        .max()
        .unwrap_or(0);
    let label_w = text_width(longest.max(5), 13.0) + 20.0;
    let x0 = 20.0 + label_w;
    let col_x = |c: usize| {
        let gap = if c == ndom { GAP } else { 0.0 };
        x0 + c as f64 * CELL + CELL / 2.0 + gap
    };
    let grid_right = x0 + (ndom + 1) as f64 * CELL + GAP;
    let y_head = 80.0;
    let y0 = 96.0;
    let row_y = |i: usize| y0 + i as f64 * ROW + ROW / 2.0;
    let grid_bottom = y0 + rows.len() as f64 * ROW;

    let key_y = grid_bottom + 32.0;
    let domains_h = 22.0 * (ndom as f64 + 1.0);
    let judge_y = key_y + domains_h + 14.0;
    let height = judge_y + 24.0 * keys.len() as f64 + 20.0;
    let key_w = names
        .iter()
        .map(|n| text_width(n.chars().count() + 5, 13.0))
        .fold(0.0, f64::max);
    let title_w = text_width(title.chars().count(), 16.0);
    let width = (grid_right + 20.0)
        .max(40.0 + key_w)
        .max(40.0 + title_w)
        .min(4000.0);

    let mut s = String::new();
    open_svg(
        &mut s,
        width,
        height,
        &format!(
            "{title}: {} traffic-light plot of {} studies",
            tool_name(tool),
            rows.len()
        ),
        title,
    );
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="56" text-anchor="middle" font-weight="bold">{}</text>"#,
        (x0 + grid_right) / 2.0,
        esc("Risk of bias domains")
    );
    let _ = write!(
        s,
        r#"<text x="20" y="{y_head}" font-weight="bold">{}</text>"#,
        esc("Study")
    );
    for c in 0..=ndom {
        let head = if c == ndom {
            "Overall".to_string()
        } else {
            format!("D{}", c + 1)
        };
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{y_head}" text-anchor="middle" font-weight="bold">{}</text>"#,
            col_x(c),
            esc(&head)
        );
    }
    // The grid: a pale band per row, as robvis draws it.
    let _ = write!(
        s,
        r##"<rect x="{x0:.1}" y="{y0:.1}" width="{:.1}" height="{:.1}" fill="#F2F2F2" stroke="#CCCCCC"/>"##,
        grid_right - x0,
        grid_bottom - y0
    );
    for (i, r) in rows.iter().enumerate() {
        let y = row_y(i);
        let _ = write!(
            s,
            r#"<text x="20" y="{:.1}"><title>{}</title>{}</text>"#,
            y + 4.5,
            esc(&r.study),
            esc(&shorten(&r.study, 48))
        );
        for c in 0..=ndom {
            let j = cell(r, c, ndom);
            let head = if c == ndom {
                "Overall".to_string()
            } else {
                format!("D{}", c + 1)
            };
            let tip = format!("{}, {head}: {}", r.study, label(j));
            let x = col_x(c);
            match j {
                Some(j) => {
                    let _ = write!(
                        s,
                        r#"<circle class="cell" cx="{x:.1}" cy="{y:.1}" r="{R}" fill="{}" stroke="{}"><title>{}</title></circle><text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="20" font-weight="bold" fill="{}" aria-hidden="true">{}</text>"#,
                        colour(Some(j)),
                        colour(Some(j)),
                        esc(&tip),
                        y + 7.0,
                        ink(Some(j)),
                        esc(symbol(j))
                    );
                }
                None => {
                    let _ = write!(
                        s,
                        r##"<circle class="cell" cx="{x:.1}" cy="{y:.1}" r="{R}" fill="#FFFFFF" stroke="{NOT_JUDGED}" stroke-width="2"><title>{}</title></circle>"##,
                        esc(&tip)
                    );
                }
            }
        }
    }

    // The key: the domains, then the judgements.
    let _ = write!(
        s,
        r#"<text x="20" y="{key_y:.1}" font-weight="bold">{}</text>"#,
        esc("Domains:")
    );
    for (d, name) in names.iter().enumerate() {
        let _ = write!(
            s,
            r#"<text x="20" y="{:.1}">{}</text>"#,
            key_y + 22.0 * (d as f64 + 1.0),
            esc(&format!("D{}: {name}", d + 1))
        );
    }
    let _ = write!(
        s,
        r#"<text x="20" y="{judge_y:.1}" font-weight="bold">{}</text>"#,
        esc("Judgement")
    );
    for (k, j) in keys.iter().enumerate() {
        let y = judge_y + 24.0 * (k as f64 + 1.0) - 4.0;
        match j {
            Some(j) => {
                let _ = write!(
                    s,
                    r#"<circle class="key" cx="30" cy="{y:.1}" r="9" fill="{}"/><text x="30" y="{:.1}" text-anchor="middle" font-size="14" font-weight="bold" fill="{}" aria-hidden="true">{}</text>"#,
                    colour(Some(*j)),
                    y + 5.0,
                    ink(Some(*j)),
                    esc(symbol(*j))
                );
            }
            None => {
                let _ = write!(
                    s,
                    r##"<circle class="key" cx="30" cy="{y:.1}" r="9" fill="#FFFFFF" stroke="{NOT_JUDGED}" stroke-width="2"/>"##
                );
            }
        }
        let _ = write!(
            s,
            r#"<text x="46" y="{:.1}">{}</text>"#,
            y + 4.5,
            esc(label(*j))
        );
    }
    s.push_str("</svg>");
    s
}

/// The studies' shares, summing to 1: a negative or non-finite weight
/// counts as 0; if no study has a positive weight, each counts equally.
fn shares(rows: &[RobFigureRow]) -> Vec<f64> {
    let w: Vec<f64> = rows
        .iter()
        .map(|r| {
            if r.weight.is_finite() && r.weight > 0.0 {
                r.weight
            } else {
                0.0
            }
        })
        .collect();
    // Scale by the largest first so that a sum of huge weights stays finite.
    let max = w.iter().copied().fold(0.0, f64::max);
    if max <= 0.0 {
        let n = rows.len().max(1) as f64;
        return vec![1.0 / n; rows.len()];
    }
    let total: f64 = w.iter().map(|x| x / max).sum();
    w.iter().map(|x| x / max / total).collect()
}

/// robvis's weighted summary plot of one pooled cell: one horizontal 100 %
/// stacked bar per domain of `tool` and one for Overall, each segment a
/// judgement sized by the studies' shares of `weight` (normalised to sum to
/// 1; unjudged studies make their own grey segment), in the traffic
/// light's colours, with the percentage printed in segments wide enough to
/// hold it, an axis from 0 to 100 %, and a key. Empty `rows` give a picture
/// saying there is nothing to draw.
///
/// ```
/// use lacuna::model::rob::{Judgement, Tool};
/// use lacuna::report::rob::{summary_bars, RobFigureRow};
///
/// let row = |study: &str, weight: f64, j: Judgement| RobFigureRow {
///     study: study.into(),
///     weight,
///     domains: Some(vec![j; 5]),
///     overall: Some(j),
/// };
/// let rows = vec![row("A 2019", 1.5, Judgement::Low), row("B 2021", 1.0, Judgement::High)];
/// let svg = summary_bars("Anxiety, follow-up", Tool::Rob2, &rows);
/// assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
/// // Weights 1.5 and 1.0 are shares of 60 % and 40 %.
/// assert!(svg.contains(">60%<") && svg.contains(">40%<"));
/// ```
pub fn summary_bars(title: &str, tool: Tool, rows: &[RobFigureRow]) -> String {
    if rows.is_empty() {
        return nothing_to_draw(title, "summary plot");
    }
    let ndom = tool.domains();
    let names = domain_names(tool);
    let share = shares(rows);
    let keys = key_entries(tool, rows);

    const BAR_W: f64 = 480.0;
    const ROW: f64 = 34.0;
    const BAR_H: f64 = 24.0;
    let labels: Vec<String> = (0..=ndom)
        .map(|c| match names.get(c) {
            Some(n) if c < ndom => format!("D{}: {n}", c + 1),
            _ => "Overall risk of bias".to_string(),
        })
        .collect();
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let x0 = 20.0 + text_width(longest, 13.0) + 16.0;
    let y0 = 52.0;
    let bar_y = |c: usize| {
        let gap = if c == ndom { 10.0 } else { 0.0 };
        y0 + c as f64 * ROW + gap
    };
    let axis_y = bar_y(ndom) + ROW + 4.0;
    let key_y = axis_y + 48.0;
    let height = key_y + 24.0 * keys.len() as f64 + 20.0;
    let title_w = text_width(title.chars().count(), 16.0);
    let width = (x0 + BAR_W + 30.0).max(40.0 + title_w).min(4000.0);

    let mut s = String::new();
    open_svg(
        &mut s,
        width,
        height,
        &format!(
            "{title}: {} weighted summary plot of {} studies",
            tool_name(tool),
            rows.len()
        ),
        title,
    );

    for (c, text) in labels.iter().enumerate() {
        let y = bar_y(c);
        let weight = if c == ndom { "bold" } else { "normal" };
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" font-weight="{weight}">{}</text>"#,
            x0 - 10.0,
            y + BAR_H / 2.0 + 4.5,
            esc(text)
        );
        let row_name = if c == ndom {
            "Overall".to_string()
        } else {
            format!("D{}", c + 1)
        };
        let mut x = x0;
        for j in &keys {
            let part: f64 = rows
                .iter()
                .zip(&share)
                .filter(|(r, _)| cell(r, c, ndom) == *j)
                .map(|(_, w)| *w)
                .sum();
            if part <= 0.0 {
                continue;
            }
            let w = part * BAR_W;
            let _ = write!(
                s,
                r##"<rect class="segment" data-bar="{}" data-judgement="{}" x="{x:.3}" y="{y:.1}" width="{w:.3}" height="{BAR_H}" fill="{}" stroke="#FFFFFF" stroke-width="0.5"><title>{}</title></rect>"##,
                esc(&row_name),
                esc(label(*j)),
                colour(*j),
                esc(&format!(
                    "{row_name}, {}: {:.1}% of the weight",
                    label(*j),
                    part * 100.0
                ))
            );
            if w >= 40.0 {
                let _ = write!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12" fill="{}" aria-hidden="true">{:.0}%</text>"#,
                    x + w / 2.0,
                    y + BAR_H / 2.0 + 4.0,
                    ink(*j),
                    part * 100.0
                );
            }
            x += w;
        }
    }

    // The axis, 0–100 %.
    let _ = write!(
        s,
        r##"<line x1="{x0:.1}" y1="{axis_y:.1}" x2="{:.1}" y2="{axis_y:.1}" stroke="#333333"/>"##,
        x0 + BAR_W
    );
    for t in [0u32, 25, 50, 75, 100] {
        let x = x0 + BAR_W * f64::from(t) / 100.0;
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="{axis_y:.1}" x2="{x:.1}" y2="{:.1}" stroke="#333333"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="12">{t}%</text>"##,
            axis_y + 5.0,
            axis_y + 19.0
        );
    }
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12">{}</text>"#,
        x0 + BAR_W / 2.0,
        axis_y + 36.0,
        esc("Share of the weight")
    );

    // The key.
    for (k, j) in keys.iter().enumerate() {
        let y = key_y + 24.0 * k as f64;
        let _ = write!(
            s,
            r##"<rect class="key" x="20" y="{y:.1}" width="16" height="16" fill="{}" stroke="#FFFFFF"/><text x="44" y="{:.1}">{}</text>"##,
            colour(*j),
            y + 12.5,
            esc(label(*j))
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use Judgement::*;

    fn row(
        study: &str,
        weight: f64,
        domains: Option<Vec<Judgement>>,
        overall: Option<Judgement>,
    ) -> RobFigureRow {
        RobFigureRow {
            study: study.into(),
            weight,
            domains,
            overall,
        }
    }

    /// The attribute `name` of every element `<tag …>` whose opening tag
    /// contains `has`.
    fn attrs(svg: &str, tag: &str, has: &str, name: &str) -> Vec<String> {
        let open = format!("<{tag} ");
        let key = format!(" {name}=\"");
        svg.split(&open)
            .skip(1)
            .filter_map(|rest| {
                let el = &rest[..rest.find('>')?];
                if !el.contains(has) {
                    return None;
                }
                let start = el.find(&key)? + key.len();
                let len = el[start..].find('"')?;
                Some(el[start..start + len].to_string())
            })
            .collect()
    }

    /// Overall segment widths by judgement label.
    fn overall_widths(svg: &str) -> Vec<(String, f64)> {
        let j = attrs(svg, "rect", r#"data-bar="Overall""#, "data-judgement");
        let w = attrs(svg, "rect", r#"data-bar="Overall""#, "width");
        j.into_iter()
            .zip(w.iter().map(|w| w.parse::<f64>().unwrap()))
            .collect()
    }

    fn is_svg(svg: &str) {
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"")
        );
        assert!(svg.ends_with("</svg>"));
        for a in [
            "width=\"",
            "height=\"",
            "viewBox=\"0 0 ",
            "font-family=\"Helvetica, Arial",
        ] {
            assert!(svg.contains(a), "missing {a}");
        }
        assert!(!svg.contains("<script"));
        assert!(!svg.contains("NaN") && !svg.contains("=\"inf") && !svg.contains("=\"-inf"));
        let sizes = attrs(svg, "text", "font-size", "font-size");
        assert!(
            sizes.iter().all(|s| s.parse::<f64>().unwrap() >= 12.0),
            "{sizes:?}"
        );
    }

    fn small_set() -> Vec<RobFigureRow> {
        vec![
            row(
                "Alpha 2010",
                0.4,
                Some(vec![Low, Low, SomeConcerns, Low, High]),
                Some(High),
            ),
            row(
                "Beta 2015",
                0.4,
                Some(vec![Low, SomeConcerns, Low, Low, Low]),
                Some(SomeConcerns),
            ),
            row("Gamma 2020", 0.2, None, None),
        ]
    }

    #[test]
    fn the_traffic_light_draws_one_circle_per_study_and_column_in_the_judgements_colours() {
        let svg = traffic_light("Depression", Tool::Rob2, &small_set());
        is_svg(&svg);
        let fills = attrs(&svg, "circle", r#"class="cell""#, "fill");
        assert_eq!(fills.len(), 3 * 6);
        let count = |c: &str| fills.iter().filter(|f| *f == c).count();
        assert_eq!(count(LOW), 7);
        assert_eq!(count(CONCERN), 3);
        assert_eq!(count(HIGH), 2);
        assert_eq!(count("#FFFFFF"), 6, "Gamma's six unjudged rings");
        // Row by row, column by column: Alpha's first row as judged.
        assert_eq!(&fills[..6], &[LOW, LOW, CONCERN, LOW, HIGH, HIGH]);
        assert!(svg.contains(">Not judged<"));
        assert!(svg.contains(">\u{00D7}<") && svg.contains(">\u{2212}<") && svg.contains(">+<"));
    }

    #[test]
    fn the_traffic_light_key_names_the_tools_domains() {
        let svg = traffic_light("x", Tool::Rob2, &small_set());
        for (d, part) in [
            "randomisation process",
            "deviations from intended interventions",
            "missing outcome data",
            "measurement of the outcome",
            "selection of the reported result",
        ]
        .iter()
        .enumerate()
        {
            let line = format!("D{}: Bias", d + 1);
            let at = svg.find(&line).unwrap_or_else(|| panic!("{line}"));
            assert!(
                svg[at..].split("</text>").next().unwrap().contains(part),
                "{part}"
            );
        }
        assert!(!svg.contains("D6: "));
        let rows = vec![row(
            "S",
            1.0,
            Some(vec![
                Low,
                Moderate,
                Serious,
                Critical,
                NoInformation,
                Low,
                Low,
            ]),
            Some(Critical),
        )];
        let svg = traffic_light("x", Tool::RobinsI, &rows);
        is_svg(&svg);
        for part in [
            "D1: Bias due to confounding",
            "D2: Bias in selection of participants",
            "D3: Bias in classification of interventions",
            "D4: Bias due to deviations from intended interventions",
            "D5: Bias due to missing data",
            "D6: Bias in measurement of outcomes",
            "D7: Bias in selection of the reported result",
        ] {
            assert!(svg.contains(part), "{part}");
        }
        let fills = attrs(&svg, "circle", r#"class="cell""#, "fill");
        assert_eq!(
            fills,
            [LOW, CONCERN, HIGH, CRITICAL, NO_INFO, LOW, LOW, CRITICAL]
        );
        for l in ["Low", "Moderate", "Serious", "Critical", "No information"] {
            assert!(svg.contains(&format!(">{l}</text>")), "{l}");
        }
    }

    #[test]
    fn a_study_named_with_a_script_tag_is_escaped() {
        let rows = vec![row(
            "<script>alert(1)</script> & co",
            1.0,
            Some(vec![Low; 5]),
            Some(Low),
        )];
        for svg in [
            traffic_light("<b>t</b>", Tool::Rob2, &rows),
            summary_bars("<b>t</b>", Tool::Rob2, &rows),
        ] {
            assert!(!svg.contains("<script") && !svg.contains("<b>"));
            assert!(svg.contains("&lt;b&gt;t&lt;/b&gt;"));
        }
        let svg = traffic_light("t", Tool::Rob2, &rows);
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
    }

    #[test]
    fn the_overall_bar_is_split_in_the_studies_shares_of_the_weight() {
        let rows = vec![
            row("H", 0.5, Some(vec![High; 5]), Some(High)),
            row("L", 0.3, Some(vec![Low; 5]), Some(Low)),
            row("U", 0.2, None, None),
        ];
        let svg = summary_bars("Overall", Tool::Rob2, &rows);
        is_svg(&svg);
        let w = overall_widths(&svg);
        let labels: Vec<&str> = w.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(labels, ["Low", "High", "Not judged"]);
        let total: f64 = w.iter().map(|(_, w)| w).sum();
        assert!((total - 480.0).abs() < 1e-2, "{total}");
        for ((_, got), want) in w.iter().zip([0.3, 0.5, 0.2]) {
            assert!(
                (got / total - want).abs() < 1e-4,
                "{got} / {total} vs {want}"
            );
        }
        for p in ["50%", "30%", "20%"] {
            let inside = format!("aria-hidden=\"true\">{p}<");
            assert_eq!(svg.matches(&inside).count(), 6, "{p} in each of six bars");
        }
        // Every domain bar is drawn too.
        assert_eq!(
            attrs(&svg, "rect", r#"class="segment""#, "width").len(),
            6 * 3
        );
        for t in ["0%", "25%", "50%", "75%", "100%"] {
            assert!(svg.contains(&format!(">{t}</text>")), "{t}");
        }
    }

    #[test]
    fn shares_that_do_not_sum_to_one_are_normalised() {
        let rows = vec![
            row("H", 6.0, Some(vec![High; 5]), Some(High)),
            row("L", 2.0, Some(vec![Low; 5]), Some(Low)),
            row("N", f64::NAN, Some(vec![Low; 5]), Some(Low)),
            row("X", -3.0, Some(vec![Low; 5]), Some(Low)),
        ];
        let svg = summary_bars("t", Tool::Rob2, &rows);
        is_svg(&svg);
        let w = overall_widths(&svg);
        assert_eq!(w.len(), 2);
        assert!((w[0].1 - 0.25 * 480.0).abs() < 1e-2, "{w:?}");
        assert!((w[1].1 - 0.75 * 480.0).abs() < 1e-2, "{w:?}");
        // No positive weight at all: each study counts equally.
        let rows = vec![
            row("H", 0.0, Some(vec![High; 5]), Some(High)),
            row("L", f64::INFINITY, Some(vec![Low; 5]), Some(Low)),
        ];
        let w = overall_widths(&summary_bars("t", Tool::Rob2, &rows));
        assert!(
            (w[0].1 - 240.0).abs() < 1e-2 && (w[1].1 - 240.0).abs() < 1e-2,
            "{w:?}"
        );
    }

    #[test]
    fn empty_input_gives_a_picture_saying_there_is_nothing_to_draw() {
        for svg in [
            traffic_light("Empty", Tool::Rob2, &[]),
            summary_bars("Empty", Tool::RobinsI, &[]),
        ] {
            is_svg(&svg);
            assert!(svg.contains("nothing to draw"));
            assert!(!svg.contains("<circle") && !svg.contains("class=\"segment\""));
        }
    }

    #[test]
    fn odd_rows_draw_without_panicking() {
        let rows = vec![
            row("", f64::NAN, Some(vec![Low; 12]), None),
            row(&"long ".repeat(100), f64::MAX, Some(vec![]), Some(Low)),
            row("short", f64::MAX, Some(vec![Low]), Some(Low)),
        ];
        for tool in [Tool::Rob2, Tool::RobinsI] {
            let svg = traffic_light("", tool, &rows);
            is_svg(&svg);
            assert_eq!(
                attrs(&svg, "circle", r#"class="cell""#, "fill").len(),
                3 * (tool.domains() + 1)
            );
            let svg = summary_bars("", tool, &rows);
            is_svg(&svg);
            let w = overall_widths(&svg);
            let total: f64 = w.iter().map(|(_, w)| w).sum();
            assert!((total - 480.0).abs() < 1e-2, "{w:?}");
        }
    }
}
