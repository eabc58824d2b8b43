//! For funders: the gaps ranked by the protocol's priorities, each row with
//! its outcomes that have no completed study and the ongoing studies
//! already registered there; then the equity gaps, the factors no study
//! reports results by.

use super::doc::{text, Block, Row};
use super::words::{label, short_label};
use super::Briefing;
use crate::gapmap::{Axis, Gap};

/// One ranked row: priority, intervention, outcomes with no study, ongoing
/// studies there, and outcomes pooled at low or very low certainty.
type Ranked = (usize, String, Vec<String>, usize, Vec<String>);

/// The ranked rows.
fn ranked_gaps(b: &Briefing<'_>) -> Vec<Ranked> {
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
        let mut unsure = Vec::new();
        for c in &b.snapshot.cells {
            if c.intervention == iv.id && c.gaps.contains(&Gap::Absolute) {
                empty.push(label(b.map, &c.outcome).to_string());
                ongoing += c.n_ongoing;
            }
            if c.intervention == iv.id && c.gaps.contains(&Gap::LowCertainty) {
                unsure.push(label(b.map, &c.outcome).to_string());
            }
        }
        if empty.len() == b.map.outcomes.len() && !empty.is_empty() {
            empty = vec!["no study on any outcome".to_string()];
        }
        if !empty.is_empty() || !unsure.is_empty() {
            rows.push((
                (rank(iv), order),
                short_label(&iv.label).to_string(),
                empty,
                ongoing,
                unsure,
            ));
        }
    }
    rows.sort_by_key(|r| r.0);
    rows.into_iter()
        .map(|((r, _), l, e, o, u)| (r + 1, l, e, o, u))
        .collect()
}

/// The equity gaps of the map (none for a map without equity factors).
fn equity_gaps(b: &Briefing<'_>) -> Vec<Block> {
    let m = b.map;
    if m.equity.is_empty() {
        return Vec::new();
    }
    let gaps: Vec<&str> = m
        .equity_gaps
        .iter()
        .map(|g| short_label(&g.label))
        .collect();
    let said = if gaps.is_empty() {
        "Every equity factor (PROGRESS-Plus) has at least one study that reports results by it."
            .to_string()
    } else if gaps.len() == m.equity.len() {
        format!(
            "No included study reports results by any equity factor (PROGRESS-Plus): not by {}. Whether the interventions work as well for the groups these factors name is unknown.",
            gaps.join("; ")
        )
    } else {
        format!(
            "No included study reports results by {} ({} of {} PROGRESS-Plus factors): whether the interventions work as well across these groups is unknown.",
            gaps.join("; "),
            gaps.len(),
            m.equity.len()
        )
    };
    vec![
        Block::Heading {
            level: 3,
            id: Some("equity-gaps"),
            text: "Equity gaps".into(),
        },
        Block::Para {
            class: None,
            text: text(said),
        },
    ]
}

/// The section's blocks.
pub(super) fn blocks(b: &Briefing<'_>) -> Vec<Block> {
    let mut out = vec![
        Block::Heading {
            level: 2,
            id: Some("funders"),
            text: "For funders: gaps ranked by priority".into(),
        },
        Block::Para {
            class: None,
            text: text("Rows are ranked by the protocol's priorities. Each lists the outcomes on which no completed study was found, how many ongoing (registered) studies are already in those cells, so that nobody funds what is under way, and the outcomes whose pooled result is of low or very low certainty (GRADE), where a better trial would change what is known."),
        },
        Block::Table {
            id: "ranked-gaps",
            head: vec![
                "Priority",
                "Intervention",
                "Outcomes with no study",
                "Ongoing studies there",
                "Pooled at low or very low certainty",
            ],
            rows: ranked_gaps(b)
                .into_iter()
                .map(|(rank, iv, outcomes, ongoing, unsure)| Row {
                    change: None,
                    material: false,
                    cells: vec![
                        text(rank.to_string()),
                        text(iv),
                        text(outcomes.join("; ")),
                        text(ongoing.to_string()),
                        text(unsure.join("; ")),
                    ],
                })
                .collect(),
        },
    ];
    out.extend(equity_gaps(b));
    out
}
