//! How sure: GRADE's Summary of Findings table for every pooled cell of the
//! version (relative effect, the absolute effect per 1,000 at the median
//! control risk for binary outcomes or the size in words for an SMD, and
//! the certainty with footnoted reasons), and under each pooled cell its
//! certainty in words with robvis's two risk-of-bias figures.

use super::doc::{text, Block, Inline, Line, Row};
use super::words::{cell_name, num};
use super::Briefing;
use crate::certainty::grade::{Domain, Level};
use crate::living::CellCertainty;
use crate::model::Measure;
use crate::report::rob::{summary_bars, traffic_light, RobFigureRow};

/// GRADE's meaning of a level, in the words of its handbook.
pub(super) fn meaning(l: Level) -> &'static str {
    match l {
        Level::High => "we are very confident that the true effect lies close to the estimate",
        Level::Moderate => {
            "the true effect is likely to be close to the estimate, but it may be substantially different"
        }
        Level::Low => "the true effect may be substantially different from the estimate",
        Level::VeryLow => {
            "the true effect is likely to be substantially different from the estimate"
        }
    }
}

/// The rating of a pooled result, when the version rated it.
pub(super) fn of<'a>(
    b: &'a Briefing<'_>,
    iv: &str,
    oc: &str,
    measure: &str,
) -> Option<&'a CellCertainty> {
    b.snapshot
        .certainty
        .iter()
        .find(|c| c.intervention == iv && c.outcome == oc && c.measure == measure)
}

/// An SMD's size in words (Cohen's conventions: 0.2 small, 0.5 moderate,
/// 0.8 large).
fn smd_words(g: f64) -> &'static str {
    match g.abs() {
        a if a < 0.2 => "a trivial difference",
        a if a < 0.5 => "a small difference",
        a if a < 0.8 => "a moderate difference",
        _ => "a large difference",
    }
}

/// The absolute effect per 1,000 at control risk `cr` for a ratio or a risk
/// difference `x` on the reader's scale.
fn per_1000(measure: Measure, cr: f64, x: f64) -> Option<f64> {
    let treated = match measure {
        Measure::Rr => cr * x,
        Measure::Or | Measure::Peto => x * cr / (1.0 - cr + x * cr),
        Measure::Rd => cr + x,
        _ => return None,
    };
    let d = (treated - cr) * 1000.0;
    d.is_finite().then_some(d)
}

fn fewer_more(d: f64) -> String {
    let n = d.abs().round();
    if n == 0.0 {
        "no difference".into()
    } else if d < 0.0 {
        format!("{n:.0} fewer")
    } else {
        format!("{n:.0} more")
    }
}

/// The absolute effect column of a Summary of Findings row.
fn absolute(c: &CellCertainty) -> String {
    let Some(m) = Measure::parse(&c.measure) else {
        return String::new();
    };
    if m == Measure::Smd {
        return format!("{} (SMD {:.2})", smd_words(c.estimate), c.estimate).replace('-', "−");
    }
    let Some(cr) = c.control_risk.filter(|r| (0.0..=1.0).contains(r)) else {
        return "not computed: no control-arm risk".into();
    };
    let at = |x: f64| per_1000(m, cr, x);
    match (at(c.estimate), at(c.ci_lb), at(c.ci_ub)) {
        (Some(e), Some(lo), Some(hi)) => format!(
            "{} per 1,000 ({} to {}), at a control risk of {:.0} per 1,000",
            fewer_more(e),
            fewer_more(lo),
            fewer_more(hi),
            cr * 1000.0
        ),
        _ => String::new(),
    }
}

/// A person's judgement named, with the rule's beside it.
fn beside_rule(x: &crate::certainty::grade::DomainRating) -> String {
    match &x.by {
        None => String::new(),
        Some(r) => format!(
            " (judged by {r}; the rule: {}{})",
            if x.rule_down == 0 {
                "0".to_string()
            } else {
                format!("−{}", x.rule_down)
            },
            x.rule_reason
                .as_deref()
                .map(|why| format!(", {why}"))
                .unwrap_or_default()
        ),
    }
}

/// Footnote letters: a, b, …
fn letter(i: usize) -> char {
    char::from(b'a' + (i % 26) as u8)
}

/// The Summary of Findings section (none when nothing was rated).
pub(super) fn sof(b: &Briefing<'_>) -> Vec<Block> {
    let cells = &b.snapshot.certainty;
    if cells.is_empty() {
        return Vec::new();
    }
    let mut notes: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    for c in cells {
        let name = cell_name(b.map, &c.intervention, &c.outcome);
        let mut marks: Vec<String> = Vec::new();
        for d in Domain::ALL {
            let x = c.rating.domains.get(d);
            if x.down > 0 {
                marks.push(letter(notes.len()).to_string());
                notes.push(format!(
                    "{}: {}, down {}{}",
                    d.as_str().replace('_', " "),
                    x.reason,
                    x.down,
                    beside_rule(x)
                ));
            }
        }
        let participants = c
            .participants
            .map(|n| format!("{n:.0} participants"))
            .unwrap_or_else(|| "participants not known".into());
        rows.push(Row {
            change: None,
            material: false,
            cells: vec![
                text(name),
                text(format!("{} studies; {participants}", c.k)),
                text(format!(
                    "{} {} ({} to {})",
                    c.measure,
                    num(&c.measure, measure_back(&c.measure, c.estimate)),
                    num(&c.measure, measure_back(&c.measure, c.ci_lb)),
                    num(&c.measure, measure_back(&c.measure, c.ci_ub))
                )),
                text(absolute(c)),
                vec![
                    Inline::Strong(format!(
                        "{} {}",
                        c.rating.rating.symbols(),
                        c.rating.rating.label()
                    )),
                    Inline::Text(if marks.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", marks.join(", "))
                    }),
                ],
            ],
        });
    }
    let mut out = vec![
        Block::Heading {
            level: 2,
            id: Some("sof"),
            text: "Summary of findings: how sure we can be".into(),
        },
        Block::Para {
            class: None,
            text: text(
                "For every pooled result, GRADE's certainty: high, moderate, low or very low. A result starts high when every study is randomised (low otherwise) and goes down for risk of bias (weighted by each study's share of the pooled weight), inconsistency, imprecision, publication bias and indirectness; the letters point to the reasons under the table.",
            ),
        },
        Block::Table {
            id: "sof-table",
            head: vec![
                "Intervention × outcome",
                "Evidence",
                "Relative effect (95 % CI)",
                "Absolute effect",
                "Certainty",
            ],
            rows,
        },
    ];
    if !notes.is_empty() {
        out.push(Block::List {
            ordered: false,
            class: Some("note footnotes"),
            items: notes
                .iter()
                .enumerate()
                .map(|(i, n)| text(format!("{}. {n}", letter(i))))
                .collect(),
        });
    }
    out
}

/// The reader's-scale estimate back on the analysis scale (a rating keeps
/// the reader's scale; `num` takes the analysis scale).
fn measure_back(measure: &str, x: f64) -> f64 {
    match Measure::parse(measure) {
        Some(m) if m.is_log() => x.ln(),
        _ => x,
    }
}

/// Under a pooled cell: its certainty in words, and robvis's figures.
pub(super) fn cell_blocks(
    b: &Briefing<'_>,
    iv: &str,
    oc: &str,
    measure: &str,
    slug: &str,
) -> Vec<Block> {
    let Some(c) = of(b, iv, oc, measure) else {
        return Vec::new();
    };
    let name = cell_name(b.map, iv, oc);
    let mut line: Line = vec![
        Inline::Strong("How sure.".into()),
        Inline::Text(format!(
            " {} {} certainty: {}.",
            c.rating.rating.symbols(),
            c.rating.rating.label(),
            meaning(c.rating.rating)
        )),
    ];
    let reasons: Vec<String> = Domain::ALL
        .iter()
        .map(|d| {
            let x = c.rating.domains.get(*d);
            format!(
                "{} {}: {}{}",
                d.as_str().replace('_', " "),
                if x.down == 0 {
                    "0".to_string()
                } else {
                    format!("−{}", x.down)
                },
                x.reason,
                beside_rule(x)
            )
        })
        .collect();
    line.push(Inline::Text(format!(
        " It starts {} ({}) and: {}.",
        c.rating.start.label(),
        if c.rating.start == Level::High {
            "every study randomised"
        } else {
            "not every study randomised"
        },
        reasons.join("; ")
    )));
    let mut out = vec![Block::Para {
        class: Some("certainty"),
        text: line,
    }];
    let Some(tool) = c.studies.iter().find_map(|s| s.tool) else {
        return out;
    };
    let rows: Vec<RobFigureRow> = c
        .studies
        .iter()
        .map(|s| RobFigureRow {
            study: s.study.clone(),
            weight: s.weight,
            domains: (!s.domains.is_empty()).then(|| s.domains.clone()),
            overall: s.overall,
        })
        .collect();
    out.push(Block::Figure {
        id: None,
        class: Some("rob"),
        svg: traffic_light(&name, tool, &rows),
        file: format!("rob-traffic-{slug}.svg"),
        alt: format!("Risk of bias per study, {name}"),
        caption: text(format!(
            "Risk of bias of each study of {name} ({}), by domain and overall, as judged.",
            match tool {
                crate::model::rob::Tool::Rob2 => "RoB 2",
                crate::model::rob::Tool::RobinsI => "ROBINS-I",
            }
        )),
    });
    out.push(Block::Figure {
        id: None,
        class: Some("rob"),
        svg: summary_bars(&name, tool, &rows),
        file: format!("rob-summary-{slug}.svg"),
        alt: format!("Risk of bias weighted by the pooled weight, {name}"),
        caption: text(format!(
            "Risk of bias across the studies of {name}, each study weighted by its share of the pooled result."
        )),
    });
    out
}
