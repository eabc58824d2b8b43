//! The evidence gap map at the version reported (the static SVG), the
//! population subgroups with the studies that exclude them, the equity
//! factors with the studies that report results by them, and the
//! interventions with no economic evaluation.

use super::doc::{text, Block, Inline, Row};
use super::words::{short_label, Names};
use super::Briefing;
use crate::gapmap::Map;
use crate::living::{CellState, Snapshot};
use crate::model::coding::Status;
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

/// The equity factors (PROGRESS-Plus), each with the completed studies
/// that report results by it, by name; none for a map without them (an
/// older version, or a protocol without the equity dimension).
fn equity(map: &Map, names: &Names) -> Vec<Block> {
    if map.equity.is_empty() {
        return Vec::new();
    }
    let rows = map
        .equity
        .iter()
        .map(|a| {
            let which: Vec<String> = map
                .studies
                .iter()
                .filter(|s| s.status == Status::Completed && s.equity.contains(&a.id))
                .map(|s| names.study(&s.id))
                .collect();
            Row {
                change: None,
                material: false,
                cells: vec![
                    text(short_label(&a.label)),
                    text(a.n_studies.to_string()),
                    text(if which.is_empty() {
                        "none: an equity gap".to_string()
                    } else {
                        which.join("; ")
                    }),
                ],
            }
        })
        .collect();
    vec![
        Block::Heading {
            level: 3,
            id: Some("equity"),
            text: "Equity: results by PROGRESS-Plus factors".into(),
        },
        Block::Table {
            id: "equity-table",
            head: vec!["Factor", "Studies reporting by it", "Which"],
            rows,
        },
        Block::Para {
            class: Some("note"),
            text: text("A study counts when it reports results by the factor (subgroup or stratified results, an interaction or moderator test) or chose its sample for it (people living in deprived areas, a culturally adapted intervention), never when the factor only describes its participants (“78 % were women”)."),
        },
    ]
}

/// The tallest part of the printed map, in its SVG units (about 12 units
/// to 8.5 pt): what US Letter holds between its margins with a caption.
const PART_HEIGHT: f64 = 560.0;

/// The section's blocks.
pub(super) fn blocks(b: &Briefing<'_>, names: &Names) -> Vec<Block> {
    let s = b.snapshot;
    // Parts short enough for a printed page at full size (Letter is the
    // shorter page: 11 in less the margins and a caption), never a map
    // shrunk under 8 pt to fit.
    let parts = super::super::gapmap::svg_parts(&map_at(b.map, s), Some(PART_HEIGHT));
    let n = parts.len();
    let figures: Vec<Block> = parts
        .into_iter()
        .enumerate()
        .map(|(i, svg)| {
            let svg = svg.replacen(
                "<svg ",
                "<svg role=\"img\" aria-label=\"Evidence gap map: interventions down the side, outcomes across the top; bubble size is the number of studies, hatched cells have none\" ",
                1,
            );
            let (file, part) = if n == 1 {
                ("gapmap.svg".to_string(), String::new())
            } else {
                (
                    format!("gapmap-{}.svg", i + 1),
                    format!(" (part {} of {n}: rows in the order of the map)", i + 1),
                )
            };
            Block::Figure {
                id: (i == 0).then_some("map-figure"),
                class: Some("map-part"),
                svg,
                file,
                alt: "Evidence gap map".into(),
                caption: text(format!(
                    "Evidence gap map at version {}{part}: {} studies. A small diamond in a cell's corner marks a pooled result; † a row with no economic evaluation.",
                    s.version, s.prisma.total_studies
                )),
            }
        })
        .collect();
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
    out.extend(equity(b.map, names));
    // the map's parts go after its introduction
    out.splice(2..2, figures);
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
