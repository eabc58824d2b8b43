//! The pooled results: for each pooled cell a sentence in plain words, which
//! side of the forest plot is better, the forest plot, the estimate version
//! by version ("unchanged" where a version did not move it) and the
//! cumulative meta-analysis, oldest study first.

use super::chart::{interval_chart, Point};
use super::doc::{text, Block, Inline, Line};
use super::words::{cell_name, estimate, is_ratio, label, num, Names, Term, Terms};
use super::Briefing;
use crate::model::pooled::{CumulativeStep, Pooled};

/// One pooled result in plain words; the terms explained at first use.
pub(super) fn sentence(b: &Briefing<'_>, p: &Pooled, terms: &mut Terms) -> Line {
    let m = p.measure.as_str();
    let ratio = is_ratio(m);
    let scale = if ratio {
        format!("{} (below 1: fewer events with the intervention)", p.scale)
    } else {
        format!("{} (below 0: lower scores with the intervention)", p.scale)
    };
    let mut t = vec![
        Inline::Strong(cell_name(b.map, &p.intervention, &p.outcome)),
        Inline::Text(": ".into()),
    ];
    t.extend(terms.say(Term::K));
    t.push(Inline::Text(format!(
        " = {} {}; pooled {scale} {}, ",
        p.k,
        if p.k == 1 { "study" } else { "studies" },
        num(m, p.estimate)
    )));
    t.extend(terms.say(Term::Ci));
    let direction = match (ratio, p.estimate < 0.0) {
        (true, true) => "fewer events",
        (true, false) => "more events",
        (false, true) => "lower scores",
        (false, false) => "higher scores",
    };
    t.push(Inline::Text(format!(
        " {} to {}. {}",
        num(m, p.ci_lb),
        num(m, p.ci_ub),
        if p.ci_crosses_null() {
            "The interval includes no difference, so these studies cannot tell whether it helps on average.".to_string()
        } else {
            format!("The interval excludes no difference: on average, {direction} with the intervention than with the comparison.")
        }
    )));
    if let Some((lo, hi)) = p.pi {
        t.push(Inline::Text(" The ".into()));
        t.extend(terms.say(Term::Pi));
        t.push(Inline::Text(format!(
            " is {} to {}{}",
            num(m, lo),
            num(m, hi),
            if p.pi_crosses_null() == Some(true) {
                ": in some settings it may not help."
            } else {
                "."
            }
        )));
    }
    t.push(Inline::Text(" Studies differ: ".into()));
    t.extend(terms.say(Term::I2));
    t.push(Inline::Text(format!(" = {:.0} %, ", p.i2)));
    t.extend(terms.say(Term::Tau2));
    t.push(Inline::Text(format!(" = {:.3}.", p.tau2)));
    t
}

/// Which side of the forest plot is better, and where this estimate lies.
fn sides(b: &Briefing<'_>, p: &Pooled) -> Line {
    let m = p.measure.as_str();
    let outcome = label(b.map, &p.outcome);
    let stated = b.protocol.favours.get(&p.outcome);
    let side = if p.estimate < 0.0 { "left" } else { "right" };
    let here = if p.ci_crosses_null() {
        format!(
            " Here the pooled estimate ({}) lies {side} of the line, but its interval crosses it, so neither side is shown to be better.",
            num(m, p.estimate)
        )
    } else {
        // Which arm that side favours, when the protocol says so.
        let arm = stated
            .map(|(l, r)| if side == "left" { l } else { r })
            .map(|a| format!(": the evidence favours {a}"))
            .unwrap_or_default();
        format!(
            " Here the pooled estimate ({}) and its whole interval lie {side} of the line{arm}.",
            num(m, p.estimate)
        )
    };
    let rule = if let Some((left, right)) = stated {
        // The protocol says which side is better for this outcome.
        format!(
            " For {}, the protocol states that a study left of the line of no difference favours {left} and one right of it favours {right}; the forest plot is labelled so.",
            lower_first(outcome)
        )
    } else if is_ratio(m) {
        format!(
            " In the forest plot, left of the line of no difference (a {} below 1) a study saw fewer events of {} with the intervention than with the control, which favours the intervention when the event counted is a harm (an episode of self-harm, an admission); right of the line, more events with the intervention.",
            lower_first(&p.scale),
            lower_first(outcome)
        )
    } else {
        format!(
            " In the forest plot, left of the line of no difference (a {} below 0) a study saw lower scores on {} with the intervention than with the control, which favours the intervention when a lower score is better (fewer symptoms, less distress); right of the line, higher scores, which favour the intervention when a higher score is better (quality of life, functioning).",
            lower_first(&p.scale),
            lower_first(outcome)
        )
    };
    vec![
        Inline::Strong("Which side is better.".into()),
        Inline::Text(format!("{rule}{here}")),
    ]
}

/// "Risk ratio" → "risk ratio", in running text (an acronym stays as it is).
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match (c.next(), c.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            a.to_lowercase().chain(s.chars().skip(1)).collect()
        }
        _ => s.to_string(),
    }
}

fn same_cell(a: &Pooled, q: &Pooled) -> bool {
    a.intervention == q.intervention && a.outcome == q.outcome && a.measure == q.measure
}

/// The estimate in each version; a version that did not move it says so.
fn versions(b: &Briefing<'_>, q: &Pooled) -> (Vec<Point>, bool) {
    let mut out: Vec<Point> = Vec::new();
    let mut any_same = false;
    let mut last: Option<String> = None;
    for h in b.history {
        let Some(x) = h.pooled.iter().find(|x| same_cell(x, q)) else {
            last = None;
            continue;
        };
        let shown = format!(
            "{}, k = {}",
            estimate(&x.measure, x.estimate, x.ci_lb, x.ci_ub),
            x.k
        );
        let same = last.as_deref() == Some(shown.as_str());
        any_same |= same;
        out.push(Point {
            label: format!("version {} (k = {})", h.version, x.k),
            estimate: x.estimate,
            lo: x.ci_lb,
            hi: x.ci_ub,
            note: same.then(|| "unchanged".to_string()),
        });
        last = Some(shown);
    }
    (out, any_same)
}

/// Whether a name already carries a year ("Hilden 2021", "Hilden 2021a").
fn has_year(name: &str) -> bool {
    name.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
        let d: String = w.chars().take_while(char::is_ascii_digit).collect();
        d.len() == 4 && w.len() <= 5
    })
}

/// The studies of a cumulative meta-analysis with no year of publication,
/// and whether they all come after the dated ones.
struct Undated {
    names: Vec<String>,
    last: bool,
}

/// The cumulative meta-analysis as chart rows, in the order the studies were
/// added, each study named once; and the studies with no year, when they
/// come last.
fn cumulative(names: &Names, q: &Pooled) -> (Vec<Point>, Undated) {
    let mut steps: Vec<&CumulativeStep> = q.cumulative.iter().collect();
    steps.sort_by_key(|c| c.k);
    let pts = steps
        .iter()
        .map(|c| {
            let name = names.study(&c.study);
            let label = match c.year {
                Some(y) if !has_year(&name) => format!("{name} ({y})"),
                _ => name,
            };
            Point {
                label,
                estimate: c.estimate,
                lo: c.ci_lb,
                hi: c.ci_ub,
                note: None,
            }
        })
        .collect();
    let undated: Vec<String> = steps
        .iter()
        .filter(|c| c.year.is_none())
        .map(|c| names.study(&c.study))
        .collect();
    let last = steps
        .iter()
        .skip_while(|c| c.year.is_some())
        .all(|c| c.year.is_none());
    (
        pts,
        Undated {
            names: undated,
            last,
        },
    )
}

/// A file-name slug of the cell.
fn slug(q: &Pooled) -> String {
    format!(
        "{}-{}-{}",
        q.intervention,
        q.outcome,
        q.measure.to_lowercase()
    )
    .chars()
    .map(|c| {
        if c.is_ascii_alphanumeric() || c == '-' {
            c
        } else {
            '_'
        }
    })
    .collect()
}

/// The section's blocks.
pub(super) fn blocks(b: &Briefing<'_>, names: &Names, terms: &mut Terms) -> Vec<Block> {
    let s = b.snapshot;
    let mut out = vec![Block::Heading {
        level: 2,
        id: Some("pooled"),
        text: "Pooled results".into(),
    }];
    if s.pooled.is_empty() {
        out.push(Block::Para {
            class: None,
            text: text("No cell has enough comparable studies to pool."),
        });
    }
    for q in &s.pooled {
        out.extend(cell(b, names, terms, q));
    }
    out
}

/// One pooled cell: its sentence, which side is better, and its figures.
fn cell(b: &Briefing<'_>, names: &Names, terms: &mut Terms, q: &Pooled) -> Vec<Block> {
    let mut out = Vec::new();
    let name = cell_name(b.map, &q.intervention, &q.outcome);
    let slug = slug(q);
    out.push(Block::Open {
        tag: "section",
        attrs: vec![
            ("class", "pooled-cell".into()),
            (
                "data-cell",
                format!("{}|{}|{}", q.intervention, q.outcome, q.measure),
            ),
        ],
    });
    out.push(Block::Heading {
        level: 3,
        id: None,
        text: format!("{name}: {}", lower_first(&q.scale)),
    });
    out.push(Block::Para {
        class: None,
        text: sentence(b, q, terms),
    });
    out.push(Block::Para {
        class: Some("sides"),
        text: sides(b, q),
    });
    if let Some(f) = b.forests.iter().find(|f| {
        f.intervention == q.intervention && f.outcome == q.outcome && f.measure == q.measure
    }) {
        let svg = f.svg.replacen(
            "<svg ",
            &format!(
                "<svg role=\"img\" aria-label=\"Forest plot: {} studies of {}\" ",
                q.k,
                super::super::svg::esc(&name)
            ),
            1,
        );
        out.push(Block::Figure {
            id: None,
            class: Some("forest"),
            svg,
            file: format!("forest-{slug}.svg"),
            alt: format!("Forest plot, {name}"),
            caption: text(format!(
                "Forest plot, {name}: each study's estimate with its 95 % CI (squares sized by weight), and the pooled estimate (diamond) with its prediction interval."
            )),
        });
    }
    let (pts, any_same) = versions(b, q);
    if pts.len() > 1 {
        out.push(Block::Figure {
            id: None,
            class: Some("over-versions"),
            svg: interval_chart(
                (&name, "The pooled estimate in each version of the review"),
                &q.measure,
                &q.scale,
                &pts,
            ),
            file: format!("versions-{slug}.svg"),
            alt: format!("The estimate in each version, {name}"),
            caption: text(format!(
                "How the pooled estimate moved from version to version (95 % CI).{}",
                if any_same {
                    " A row reads “unchanged” when the estimate and its interval are those of the version before."
                } else {
                    ""
                }
            )),
        });
    }
    out.extend(super::certainty::cell_blocks(
        b,
        &q.intervention,
        &q.outcome,
        &q.measure,
        &slug,
    ));
    out.extend(cumulative_figure(names, q, &name, &slug));
    out.push(Block::Close { tag: "section" });
    out
}

/// The cumulative meta-analysis figure; the caption says where the studies
/// with no year of publication went.
fn cumulative_figure(names: &Names, q: &Pooled, name: &str, slug: &str) -> Option<Block> {
    if q.cumulative.len() < 2 {
        return None;
    }
    let (pts, undated) = cumulative(names, q);
    let u = &undated.names;
    let order = if u.is_empty() {
        " Studies are added oldest first.".to_string()
    } else if u.len() == pts.len() {
        " No study has a year of publication, so they are added in the order they were included."
            .to_string()
    } else if undated.last {
        format!(
            " Studies are added oldest first; {} no year of publication and {} added last: {}.",
            if u.len() == 1 { "one has" } else { "some have" },
            if u.len() == 1 { "is" } else { "are" },
            u.join("; ")
        )
    } else {
        format!(
            " Studies with a year of publication are added oldest first; {} no year ({}) and {} where the analysis added {}.",
            if u.len() == 1 { "one has" } else { "some have" },
            u.join("; "),
            if u.len() == 1 { "is shown" } else { "are shown" },
            if u.len() == 1 { "it" } else { "them" },
        )
    };
    Some(Block::Figure {
        id: None,
        class: Some("cumulative"),
        svg: interval_chart(
            (name, "Cumulative meta-analysis: the pooled estimate as each study was added"),
            &q.measure,
            &q.scale,
            &pts,
        ),
        file: format!("cumulative-{slug}.svg"),
        alt: format!("Cumulative meta-analysis, {name}"),
        caption: text(format!(
            "Cumulative meta-analysis: each row is the pooled estimate (95 % CI) of that study and all the studies above it.{order}"
        )),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_name_with_a_year_is_not_given_another() {
        assert!(super::has_year("Hilden 2020"));
        assert!(super::has_year("Hilden 2021a"));
        assert!(!super::has_year("WHO trial"));
    }
}
