//! How the studies were found: the PRISMA 2020 flow diagram, its counts in
//! a sentence, and the pairs of records still awaiting a duplicate check
//! (said, never silent).

use super::doc::{text, Block, Inline};
use super::Briefing;

/// The section's blocks.
pub(super) fn blocks(b: &Briefing<'_>) -> Vec<Block> {
    let p = &b.snapshot.prisma;
    let updated = p.previous_studies > 0 || b.since.is_some();
    let svg = super::super::prisma::svg(p, updated);
    let mut out = vec![
        Block::Heading {
            level: 2,
            id: Some("prisma"),
            text: "How the studies were found".into(),
        },
        Block::Figure {
            id: Some("prisma-figure"),
            class: None,
            svg,
            file: "prisma.svg".into(),
            alt: "PRISMA 2020 flow diagram".into(),
            caption: vec![
                Inline::Text(format!(
                    "PRISMA 2020 (Preferred Reporting Items for Systematic reviews and Meta-Analyses) flow diagram{}: records identified, screened and included, with counts from the review's store{}. “Marked as ineligible by automation tools” counts the records no person has screened: left by the stopping rule, or still waiting to be screened; “removed for other reasons” counts the records PubMed deleted. The counts are also in ",
                    if updated {
                        " for an updated review (previous studies + new studies = total)"
                    } else {
                        ""
                    },
                    if updated {
                        "; the identification and screening boxes count only what this version brought, with any records of the version before that were still waiting to be screened then"
                    } else {
                        ""
                    }
                )),
                Inline::Link {
                    text: b.prisma_csv.into(),
                    href: b.prisma_csv.into(),
                },
                Inline::Text(", in the PRISMA2020 package's format.".into()),
            ],
        },
        Block::Para {
            class: None,
            text: text(format!(
                "Records identified: {} · duplicates removed: {} · screened: {} · excluded: {} · assessed in full: {} · new studies: {} · total studies: {}.",
                p.database_results,
                p.duplicates,
                p.records_screened,
                p.records_excluded,
                p.dbr_assessed,
                p.new_studies,
                p.total_studies
            )),
        },
    ];
    out.extend(pairs_awaiting(b.pairs_awaiting));
    out
}

/// The sentence on pairs awaiting a duplicate check (none when there are none).
fn pairs_awaiting(n: usize) -> Option<Block> {
    (n > 0).then(|| Block::Para {
        class: Some("pairs-awaiting"),
        text: vec![
            Inline::Strong(if n == 1 {
                "1 pair of records awaits a duplicate check".to_string()
            } else {
                format!("{n} pairs of records await a duplicate check")
            }),
            Inline::Text(": until a person decides, both records of such a pair are counted, so the counts above may include a few duplicates.".into()),
        ],
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn pairs_awaiting_a_duplicate_check_are_said() {
        assert_eq!(super::pairs_awaiting(0), None);
        let w = super::super::doc::write(&[super::pairs_awaiting(3).expect("said")]);
        assert!(
            w.markdown
                .starts_with("**3 pairs of records await a duplicate check**"),
            "{}",
            w.markdown
        );
        let w = super::super::doc::write(&[super::pairs_awaiting(1).expect("said")]);
        assert!(w
            .html
            .contains("1 pair of records awaits a duplicate check"));
    }
}
