//! The summary in plain words: how many studies, where the gaps are, and
//! one line per pooled result (the first explains k, CI, PI, I² and τ²).

use super::doc::{text, Block, Inline};
use super::words::{label, short_label, Terms};
use super::{pooled, Briefing};
use crate::gapmap::Gap;

/// The summary's blocks.
pub(super) fn blocks(b: &Briefing<'_>, terms: &mut Terms) -> Vec<Block> {
    let s = b.snapshot;
    let p = &s.prisma;
    let mut out = vec![
        Block::Heading {
            level: 2,
            id: Some("summary"),
            text: "Summary".into(),
        },
        Block::Open {
            tag: "div",
            attrs: vec![("class", "summary".into())],
        },
    ];
    let n_cells = s.cells.len();
    let empty = s
        .cells
        .iter()
        .filter(|c| c.gaps.contains(&Gap::Absolute))
        .count();
    out.push(Block::Para {
        class: None,
        text: vec![
            Inline::Text("This review has found ".into()),
            Inline::Strong(p.total_studies.to_string()),
            Inline::Text(format!(
                " studies ({} reports) on the question: {}. They are spread over {} of the {} combinations of intervention and outcome the protocol maps; ",
                p.total_reports,
                b.protocol.question.trim().trim_end_matches(['?', '.']),
                n_cells - empty,
                n_cells
            )),
            Inline::Strong(format!(
                "{empty} combinations have no completed study at all"
            )),
            Inline::Text(".".into()),
        ],
    });
    if s.pooled.is_empty() {
        out.push(Block::Para {
            class: None,
            text: text("No combination has enough comparable studies to pool yet, so the review cannot yet say how well any intervention works."),
        });
    } else {
        out.push(Block::Para {
            class: None,
            text: vec![
                Inline::Strong("What the evidence says where it exists.".into()),
                Inline::Text(format!(
                    " Where at least {} comparable studies exist, their results are pooled with a random-effects meta-analysis (which allows the true effect to differ between studies):",
                    b.protocol.synthesis.min_k_pool
                )),
            ],
        });
        let items = s
            .pooled
            .iter()
            .map(|q| {
                let mut line = pooled::sentence(b, q, terms);
                // how sure, in GRADE's words
                if let Some(c) = super::certainty::of(b, &q.intervention, &q.outcome, &q.measure) {
                    line.push(Inline::Text(" ".into()));
                    line.push(Inline::Strong(format!(
                        "{} certainty",
                        c.rating.rating.label()
                    )));
                    line.push(Inline::Text(format!(
                        ": {}.",
                        super::certainty::meaning(c.rating.rating)
                    )));
                }
                line
            })
            .collect();
        out.push(Block::List {
            ordered: false,
            class: None,
            items,
        });
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
        out.push(Block::Para {
            class: None,
            text: vec![
                Inline::Strong("Where evidence is missing.".into()),
                Inline::Text(format!(
                    " No completed study was found for: {}.",
                    neglected.join("; ")
                )),
            ],
        });
    }
    let unstudied: Vec<&str> = b
        .map
        .populations
        .iter()
        .filter(|a| a.n_studies == 0)
        .map(|a| short_label(&a.label))
        .collect();
    if !unstudied.is_empty() {
        out.push(Block::Para {
            class: None,
            text: text(format!(
                "No included study is about these groups of people: {}.",
                unstudied.join("; ")
            )),
        });
    }
    let econ = economic_gaps(b);
    if !econ.is_empty() {
        out.push(Block::Para {
            class: None,
            text: text(format!(
                "There are studies but no economic evaluation for: {}.",
                econ.join("; ")
            )),
        });
    }
    out.push(Block::Para {
        class: None,
        text: vec![
            Inline::Strong("How sure we can be.".into()),
            Inline::Text(format!(
                " Pooled results rest on few, often small trials; where the prediction interval includes no difference, the effect may not hold in every service. Retracted studies are {}.",
                if b.protocol.living.keep_retracted {
                    "kept in the pooled results, and marked in the references"
                } else {
                    "left out of every pooled result"
                }
            )),
        ],
    });
    out.push(Block::Close { tag: "div" });
    out
}

/// Interventions with studies of effect and no economic evaluation.
pub(super) fn economic_gaps(b: &Briefing<'_>) -> Vec<String> {
    b.map
        .interventions
        .iter()
        .filter(|a| a.economic_gap)
        .map(|a| label(b.map, &a.id).to_string())
        .collect()
}
