//! What changed since the version compared with: the diff's rows in words,
//! studies and records by their names, material changes marked.

use super::doc::{text, Block, Inline, Row};
use super::words::{cell_name, estimate, Names};
use super::Briefing;
use crate::living::{Diff, RecordId};

/// Records by the studies they belong to; the rest counted.
fn records(names: &Names, v: &[RecordId]) -> String {
    if v.is_empty() {
        return String::new();
    }
    let mut named: Vec<&str> = v.iter().filter_map(|r| names.record(r)).collect();
    named.sort_unstable();
    named.dedup();
    let others = v.iter().filter(|r| names.record(r).is_none()).count();
    let mut parts = Vec::new();
    if !named.is_empty() {
        parts.push(format!("records of {}", named.join("; ")));
    }
    match others {
        0 => {}
        1 => parts.push("1 record of no included study".into()),
        n => parts.push(format!("{n} records of no included study")),
    }
    format!("{}: {}", v.len(), parts.join("; "))
}

fn studies(names: &Names, ids: &[String]) -> String {
    let mut v: Vec<String> = ids.iter().map(|i| names.study(i)).collect();
    v.sort();
    v.join("; ")
}

fn rows(b: &Briefing<'_>, names: &Names, d: &Diff) -> Vec<Row> {
    let row = |kind: &'static str, what: String, detail: String, material: bool| Row {
        change: Some(kind),
        material,
        cells: vec![text(what), text(detail)],
    };
    let mut rows = vec![row(
        "records-new",
        "New records".into(),
        d.records.new.len().to_string(),
        false,
    )];
    for (kind, what, detail) in [
        (
            "records-revised",
            "Revised records",
            records(names, &d.records.revised),
        ),
        (
            "records-retracted",
            "Retracted records",
            records(names, &d.records.retracted),
        ),
        (
            "records-deleted",
            "Records deleted by PubMed",
            records(names, &d.records.deleted),
        ),
        (
            "included-new",
            "New studies included",
            studies(names, &d.included_new),
        ),
        (
            "included-removed",
            "Studies no longer included",
            studies(names, &d.included_removed),
        ),
        (
            "included-retracted",
            "Included studies retracted (left out of pooling)",
            studies(names, &d.included_retracted),
        ),
    ] {
        if !detail.is_empty() {
            rows.push(row(kind, what.into(), detail, false));
        }
    }
    for (kind, verb, gaps) in [
        ("gap-closed", "closed", &d.gaps_closed),
        ("gap-opened", "opened", &d.gaps_opened),
    ] {
        for g in gaps {
            rows.push(row(
                kind,
                format!("Gap {verb} ({})", g.gap.as_str()),
                cell_name(b.map, &g.intervention, &g.outcome),
                false,
            ));
        }
    }
    for m in &d.pooled_moved {
        let show = |e: &Option<crate::model::pooled::Pooled>| match e {
            Some(e) => format!(
                "{}, k = {}",
                estimate(&m.measure, e.estimate, e.ci_lb, e.ci_ub),
                e.k
            ),
            None => "not pooled".into(),
        };
        rows.push(row(
            "pooled-moved",
            "Pooled result moved".into(),
            format!(
                "{}, {}: {} → {}",
                cell_name(b.map, &m.intervention, &m.outcome),
                crate::model::Measure::parse(&m.measure)
                    .map_or_else(|| m.measure.clone(), |x| x.label().to_lowercase()),
                show(&m.from),
                show(&m.to)
            ),
            false,
        ));
    }
    for m in &d.material {
        rows.push(row(
            "material",
            format!("Material: {}", m.trigger.replace('_', " ")),
            format!(
                "{}: {}",
                cell_name(b.map, &m.intervention, &m.outcome),
                names.in_text(&m.detail)
            ),
            true,
        ));
    }
    rows
}

/// The section's blocks.
pub(super) fn blocks(b: &Briefing<'_>, names: &Names) -> Vec<Block> {
    let mut out = vec![Block::Heading {
        level: 2,
        id: Some("whats-new"),
        text: "What's new".into(),
    }];
    match b.since {
        None => out.push(Block::Para {
            class: None,
            text: text(
                "This is the first version of the review: there is nothing to compare it with.",
            ),
        }),
        Some((from, d)) => {
            out.push(Block::Para {
                class: None,
                text: vec![
                    Inline::Text(format!(
                        "Changes from version {} to version {}. Rows marked ",
                        from.version, b.snapshot.version
                    )),
                    Inline::Material("material".into()),
                    Inline::Text(
                        " fire one of the protocol's triggers for updating this briefing.".into(),
                    ),
                ],
            });
            out.push(Block::Table {
                id: "whats-new-table",
                head: vec!["Change", "Details"],
                rows: rows(b, names, d),
            });
        }
    }
    out
}
