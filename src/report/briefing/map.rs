//! The evidence gap map at the version reported (the static SVG), the
//! population subgroups with the studies that exclude them, and the
//! interventions with no economic evaluation.

use super::doc::{text, Block, Inline, Row};
use super::words::short_label;
use super::Briefing;
use crate::gapmap::Map;
use crate::living::{CellState, Snapshot};
use std::collections::BTreeMap;

/// The map drawn from the snapshot's cells (counts and gaps of that version).
fn map_at(map: &Map, s: &Snapshot) -> Map {
    let mut m = map.clone();
    let at: BTreeMap<(&str, &str), &CellState> = s
        .cells
        .iter()
        .map(|c| ((c.intervention.as_str(), c.outcome.as_str()), c))
        .collect();
    for c in &mut m.cells {
        if let Some(x) = at.get(&(c.intervention.as_str(), c.outcome.as_str())) {
            c.n_studies = x.n_studies;
            c.n_reviews = x.n_reviews;
            c.n_ongoing = x.n_ongoing;
            c.gaps = x.gaps.clone();
        }
        c.pooled.retain(|p| {
            s.pooled.iter().any(|q| {
                q.intervention == p.intervention && q.outcome == p.outcome && q.measure == p.measure
            })
        });
    }
    m
}

/// The section's blocks.
pub(super) fn blocks(b: &Briefing<'_>) -> Vec<Block> {
    let s = b.snapshot;
    let svg = super::super::gapmap::svg(&map_at(b.map, s)).replacen(
        "<svg ",
        "<svg role=\"img\" aria-label=\"Evidence gap map: interventions down the side, outcomes across the top; bubble size is the number of studies, hatched cells have none\" ",
        1,
    );
    let mut out = vec![
        Block::Heading {
            level: 2,
            id: Some("map"),
            text: "The evidence gap map".into(),
        },
        Block::Para {
            class: None,
            text: vec![
                Inline::Text("Each row is an intervention, each column an outcome. A bubble's size is the number of studies; hatched cells have none (an ".into()),
                Inline::Em("absolute gap".into()),
                Inline::Text("); dashed cells have studies but no synthesis. The ".into()),
                Inline::Link {
                    text: "interactive map".into(),
                    href: b.map_page.into(),
                },
                Inline::Text(" beside this file lists the studies of each cell and filters by population and design.".into()),
            ],
        },
        Block::Figure {
            id: Some("map-figure"),
            class: None,
            svg,
            file: "gapmap.svg".into(),
            alt: "Evidence gap map".into(),
            caption: text(format!(
                "Evidence gap map at version {}: {} studies. A small diamond in a cell's corner marks a pooled result; † a row with no economic evaluation.",
                s.version, s.prisma.total_studies
            )),
        },
        Block::Heading {
            level: 3,
            id: None,
            text: "Population subgroups and structural exclusion".into(),
        },
        Block::Table {
            id: "populations",
            head: vec!["Group", "Studies about the group", "Studies that exclude it"],
            rows: b
                .map
                .populations
                .iter()
                .map(|a| Row {
                    change: None,
                    material: false,
                    cells: vec![
                        text(short_label(&a.label)),
                        text(a.n_studies.to_string()),
                        text(a.n_excluding.to_string()),
                    ],
                })
                .collect(),
        },
        Block::Para {
            class: Some("note"),
            text: text("A study that names a group only to exclude it (for example “people over 65 were not eligible”) is counted in the last column: these are gaps made by the design of the research itself."),
        },
    ];
    let econ = super::summary::economic_gaps(b);
    if !econ.is_empty() {
        out.push(Block::Heading {
            level: 3,
            id: None,
            text: "Economic gaps".into(),
        });
        out.push(Block::Para {
            class: None,
            text: text(format!(
                "Interventions with studies of effect but no economic evaluation: {}.",
                econ.join("; ")
            )),
        });
    }
    out
}
