//! For funders: the gaps ranked by the protocol's priorities, each row with
//! its outcomes that have no completed study and the ongoing studies
//! already registered there.

use super::doc::{text, Block, Row};
use super::words::{label, short_label};
use super::Briefing;
use crate::gapmap::{Axis, Gap};

/// The ranked rows: (priority, intervention, outcomes with no study, ongoing).
fn ranked_gaps(b: &Briefing<'_>) -> Vec<(usize, String, Vec<String>, usize)> {
    let pr = &b.protocol.map.priorities;
    let rank = |iv: &Axis| {
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
            rows.push((
                (rank(iv), order),
                short_label(&iv.label).to_string(),
                empty,
                ongoing,
            ));
        }
    }
    rows.sort_by_key(|r| r.0);
    rows.into_iter()
        .map(|((r, _), l, e, o)| (r + 1, l, e, o))
        .collect()
}

/// The section's blocks.
pub(super) fn blocks(b: &Briefing<'_>) -> Vec<Block> {
    vec![
        Block::Heading {
            level: 2,
            id: Some("funders"),
            text: "For funders: gaps ranked by priority".into(),
        },
        Block::Para {
            class: None,
            text: text("Rows are ranked by the protocol's priorities. Each lists the outcomes on which no completed study was found, and how many ongoing (registered) studies are already in those cells, so that nobody funds what is under way."),
        },
        Block::Table {
            id: "ranked-gaps",
            head: vec![
                "Priority",
                "Intervention",
                "Outcomes with no study",
                "Ongoing studies there",
            ],
            rows: ranked_gaps(b)
                .into_iter()
                .map(|(rank, iv, outcomes, ongoing)| Row {
                    change: None,
                    material: false,
                    cells: vec![
                        text(rank.to_string()),
                        text(iv),
                        text(outcomes.join("; ")),
                        text(ongoing.to_string()),
                    ],
                })
                .collect(),
        },
    ]
}
