//! Included studies the map's grid cannot show (no intervention or outcome
//! of the coding frame), each with the reason, so that the map's counts and
//! the flow diagram's total can be reconciled.

use super::doc::{text, Block, Row};
use super::OffGrid;

/// The section's blocks (none when every included study is on the grid).
pub(super) fn blocks(off_grid: &[OffGrid]) -> Vec<Block> {
    if off_grid.is_empty() {
        return Vec::new();
    }
    let mut v: Vec<&OffGrid> = off_grid.iter().collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_grid_studies_are_listed_by_name_with_the_reason() {
        assert!(blocks(&[]).is_empty());
        let w = super::super::doc::write(&blocks(&[
            OffGrid {
                study: "Zanarini 2018".into(),
                reason: "no outcome of the grid".into(),
            },
            OffGrid {
                study: "Hilden 2021".into(),
                reason: "no intervention of the grid".into(),
            },
        ]));
        assert!(w
            .html
            .contains("<h2 id=\"off-grid\">Included but not on the grid</h2>"));
        assert!(w
            .markdown
            .contains("2 included studies are not drawn on the map"));
        let h = w
            .markdown
            .find("| Hilden 2021 | no intervention of the grid |");
        let z = w
            .markdown
            .find("| Zanarini 2018 | no outcome of the grid |");
        assert!(h.is_some() && z.is_some() && h < z, "{}", w.markdown);
    }
}
