//! Included studies the map's grid cannot show (no intervention or outcome
//! of the coding frame), each with the reason, so that the map's counts and
//! the flow diagram's total can be reconciled.

use super::doc::{text, Block, Row};
use super::OffGrid;
use crate::gapmap::Reason;

/// The section's blocks (none when every included study is on the grid).
pub(super) fn blocks(off_grid: &[OffGrid]) -> Vec<Block> {
    if off_grid.is_empty() {
        return Vec::new();
    }
    let mut v: Vec<&OffGrid> = off_grid.iter().collect();
    v.sort_by(|x, y| x.study.cmp(&y.study));
    let ongoing = v.iter().filter(|o| o.reason == Reason::Ongoing).count();
    let done = v.len() - ongoing;
    let studies = |n: usize| if n == 1 { "study" } else { "studies" };
    let mut why = Vec::new();
    if done > 0 {
        why.push(format!(
            "{done} completed {} with no intervention or no outcome of the coding frame (counted in the flow diagram's total)",
            studies(done)
        ));
    }
    if ongoing > 0 {
        why.push(format!(
            "{ongoing} ongoing {} (a protocol or registration, shown in their cells as ongoing and counted once they report)",
            studies(ongoing)
        ));
    }
    vec![
        Block::Heading {
            level: 2,
            id: Some("off-grid"),
            text: "Included but not on the grid".into(),
        },
        Block::Para {
            class: None,
            text: text(format!(
                "{} included {} not counted on the map: {}.",
                v.len(),
                if v.len() == 1 {
                    "study is"
                } else {
                    "studies are"
                },
                why.join("; and ")
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
                    cells: vec![
                        text(o.study.as_str()),
                        text(if o.detail.is_empty() {
                            o.reason.label().to_string()
                        } else {
                            format!("{}: {}", o.reason.label(), o.detail)
                        }),
                    ],
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
                reason: Reason::NoOutcome,
                detail: "no category matched".into(),
            },
            OffGrid {
                study: "Hilden 2021".into(),
                reason: Reason::Ongoing,
                detail: String::new(),
            },
        ]));
        assert!(w
            .html
            .contains("<h2 id=\"off-grid\">Included but not on the grid</h2>"));
        assert!(w
            .markdown
            .contains("2 included studies are not counted on the map: 1 completed study"));
        assert!(w.markdown.contains("1 ongoing study"));
        let h = w
            .markdown
            .find(&format!("| Hilden 2021 | {} |", Reason::Ongoing.label()));
        let z = w.markdown.find(&format!(
            "| Zanarini 2018 | {}: no category matched |",
            Reason::NoOutcome.label()
        ));
        assert!(h.is_some() && z.is_some() && h < z, "{}", w.markdown);
    }
}
