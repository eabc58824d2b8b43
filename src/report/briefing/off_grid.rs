//! Included studies the map's grid cannot show (no intervention or outcome
//! of the coding frame), each with the reason, so that the map's counts and
//! the flow diagram's total can be reconciled.

use super::doc::{text, Block, Row};
use super::Briefing;

/// The section's blocks (none when every included study is on the grid).
pub(super) fn blocks(b: &Briefing<'_>) -> Vec<Block> {
    if b.off_grid.is_empty() {
        return Vec::new();
    }
    let mut v: Vec<&super::OffGrid> = b.off_grid.iter().collect();
    v.sort_by(|x, y| x.study.cmp(&y.study));
    vec![
        Block::Heading {
            level: 2,
            id: Some("off-grid"),
            text: "Included but not on the grid".into(),
        },
        Block::Para {
            class: None,
            text: text(format!(
                "{} included {} not drawn on the map, because the coding frame gives {} no intervention or no outcome of the grid. {} counted in the flow diagram's total.",
                v.len(),
                if v.len() == 1 { "study is" } else { "studies are" },
                if v.len() == 1 { "it" } else { "them" },
                if v.len() == 1 { "It is" } else { "They are" },
            )),
        },
        Block::Table {
            id: "off-grid-table",
            head: vec!["Study", "Why it is not on the grid"],
            rows: v
                .into_iter()
                .map(|o| Row {
                    change: None,
                    material: false,
                    cells: vec![text(o.study.as_str()), text(o.reason.as_str())],
                })
                .collect(),
        },
    ]
}
