//! The briefing a policy unit or a funder reads: one self-contained HTML
//! file (every figure inline SVG, no script, no network, laid out for
//! print on A4 or Letter with page numbers) and the same text as Markdown,
//! for one snapshot of a living review against an earlier one.
//!
//! Pure: [`render`] takes what `pipeline::briefing` gathered from the store
//! and returns the texts; numbers come from the snapshot and the diff, never
//! from anywhere else, so the briefing says what `lacuna prisma` and
//! `lacuna diff` say. Each section (one file here) builds a small document
//! model once and `doc` writes it as HTML and as Markdown, so the two forms
//! cannot drift apart. People read names, never ids: studies by the names
//! readers know ("Hilden 2021"), categories by their labels.

use super::svg::esc;
use crate::gapmap::Map;
use crate::living::{Diff, Snapshot};
use crate::protocol::Protocol;

mod certainty;
mod chart;
mod doc;
mod flow;
mod funders;
mod map;
mod methods;
mod off_grid;
mod pooled;
mod references;
mod summary;
mod whats_new;
mod words;

/// A pooled cell's forest plot (SVG), drawn by the caller.
#[derive(Debug, Clone)]
pub struct Forest {
    /// Intervention id.
    pub intervention: String,
    /// Outcome id.
    pub outcome: String,
    /// Measure.
    pub measure: String,
    /// The SVG.
    pub svg: String,
}

/// One reference of an included study.
#[derive(Debug, Clone, Default)]
pub struct Reference {
    /// Study id.
    pub study: String,
    /// The study as readers name it ("Hilden 2021").
    pub study_name: String,
    /// Volume.
    pub volume: Option<String>,
    /// Issue.
    pub issue: Option<String>,
    /// Pages.
    pub pages: Option<String>,
    /// Authors ("Last FM").
    pub authors: Vec<String>,
    /// Year.
    pub year: Option<i32>,
    /// Title.
    pub title: String,
    /// Journal.
    pub journal: Option<String>,
    /// PMID.
    pub pmid: Option<u64>,
    /// DOI.
    pub doi: Option<String>,
    /// Retracted.
    pub retracted: bool,
}

/// What the methods section says, from the store.
#[derive(Debug, Clone, Default)]
pub struct Methods {
    /// Records screened by a person (a decision other than maybe).
    pub screened: usize,
    /// Records in the review.
    pub records: usize,
    /// People who screened.
    pub reviewers: Vec<String>,
    /// The stopping rule's recall estimate and its lower bound.
    pub recall: (f64, f64),
    /// Whether it lets screening stop.
    pub can_stop: bool,
    /// Irrelevant records in a row still needed before it can.
    pub to_stop: Option<usize>,
    /// Rules of the auto-coder.
    pub rules: usize,
    /// People's edits to the codes.
    pub code_edits: usize,
    /// Effect rows attached.
    pub effect_rows: usize,
}

/// The paper the printed briefing is laid out for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub enum PaperSize {
    /// ISO A4 (210 × 297 mm), the default.
    #[default]
    A4,
    /// US Letter (8.5 × 11 in).
    Letter,
}

/// An included study the map's grid cannot show, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffGrid {
    /// The study as readers name it.
    pub study: String,
    /// Why it is not on the grid.
    pub reason: crate::gapmap::Reason,
    /// Why it has no code there, and the nearest rule
    /// ([`crate::gapmap::missing_words`]); empty when not known.
    pub detail: String,
}

/// Everything the briefing shows.
#[derive(Debug, Clone)]
pub struct Briefing<'a> {
    /// The version reported.
    pub snapshot: &'a Snapshot,
    /// The version it is compared with, and the diff between them.
    pub since: Option<(&'a Snapshot, &'a Diff)>,
    /// Every version up to the one reported, oldest first.
    pub history: &'a [Snapshot],
    /// The map (labels, and the current cells).
    pub map: &'a Map,
    /// The protocol.
    pub protocol: &'a Protocol,
    /// One forest plot per pooled cell.
    pub forests: Vec<Forest>,
    /// References of the included studies.
    pub references: Vec<Reference>,
    /// The methods' figures.
    pub methods: Methods,
    /// The file name of the interactive map written beside the briefing.
    pub map_page: &'a str,
    /// The file name of the PRISMA CSV written beside it.
    pub prisma_csv: &'a str,
    /// The paper the print layout is for.
    pub paper: PaperSize,
    /// Included studies that are not on the map's grid, with the reason.
    pub off_grid: Vec<OffGrid>,
    /// Unresolved pairs of records that may be duplicates (awaiting a
    /// person's check), shown beside the flow diagram.
    pub pairs_awaiting: usize,
}

/// The briefing's texts and the figures the Markdown links to.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The HTML page.
    pub html: String,
    /// The Markdown text.
    pub markdown: String,
    /// Figures for the Markdown, as (file name, SVG).
    pub figures: Vec<(String, String)>,
}

impl PaperSize {
    /// The CSS `@page` size.
    fn css(self) -> &'static str {
        match self {
            PaperSize::A4 => "A4",
            PaperSize::Letter => "letter",
        }
    }
}

/// The page's head: title, and the style for screen and print. Print: the
/// paper from [`Briefing::paper`], "Page n of m" in every page's footer (a
/// page-margin box, Chromium 131 and later), figures and table rows never
/// split, headings kept with what follows, no forced page break.
fn head(title: &str, paper: PaperSize) -> String {
    format!(
        r##"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{}">
<title>{}</title>
<style>
@page {{ size: {}; margin: 16mm 15mm 18mm 15mm;
  @bottom-center {{ content: "Page " counter(page) " of " counter(pages); font: 9pt Georgia, "Times New Roman", serif; color: #4a5562; }} }}
body {{ font-family: Georgia, "Times New Roman", serif; max-width: 980px; margin: 0 auto; padding: 24px; color: #1d232b; line-height: 1.5; }}
h1 {{ font-size: 26px; line-height: 1.25; }} h2 {{ font-size: 21px; border-bottom: 1px solid #ccd3dc; padding-bottom: 3px; margin-top: 34px; }} h3 {{ font-size: 17px; }}
.version {{ color: #4a5562; }} dfn {{ font-style: normal; font-weight: bold; }}
table {{ border-collapse: collapse; margin: 8px 0; font-size: 14px; }} th, td {{ border: 1px solid #d6dbe1; padding: 4px 8px; text-align: left; vertical-align: top; }}
th {{ background: #eef2f7; }} figure {{ margin: 16px 0; }} figcaption {{ font-size: 14px; color: #4a5562; margin-top: 4px; }}
figure svg {{ display: block; max-width: 100%; height: auto; border: 1px solid #eceff3; }}
.footnotes {{ list-style: none; padding-left: 0; }} .material {{ background: #fff4e5; }} .retracted {{ color: #a50f15; font-weight: bold; }} .note, .sides {{ font-size: 14px; color: #4a5562; }}
.summary p {{ margin: 8px 0; }} code {{ font-size: 13px; overflow-wrap: anywhere; }}
ul.searches li {{ margin-bottom: 6px; }} ol.references li {{ margin-bottom: 4px; }}
@media print {{
  body {{ max-width: none; margin: 0; padding: 0; font-size: 10.5pt; line-height: 1.4; }}
  h1 {{ font-size: 18pt; margin-top: 0; }} h2 {{ font-size: 14pt; margin-top: 18pt; }} h3 {{ font-size: 12pt; }}
  h1, h2, h3 {{ break-after: avoid; page-break-after: avoid; break-inside: avoid; page-break-inside: avoid; }}
  /* Chromium may still leave a heading last on a page: each heading carries
     room for the lines after it, so it moves to the next page with them. */
  h3::after {{ content: ""; display: block; height: 8em; margin-bottom: -8em; }}
  figure, figcaption, thead, tr, ol.references li, .sides {{ break-inside: avoid; page-break-inside: avoid; }}
  figure svg {{ border: none; }}
  table {{ font-size: 9.5pt; width: 100%; }} figcaption, .note, .sides {{ font-size: 9.5pt; }}
  code {{ font-size: 8.5pt; }}
  p {{ orphans: 3; widows: 3; }}
  a {{ color: inherit; }}
}}
</style></head><body>
"##,
        super::PAGE_POLICY,
        esc(title),
        paper.css()
    )
}

/// Render the briefing.
pub fn render(b: &Briefing<'_>) -> Rendered {
    let s = b.snapshot;
    let names = words::Names::new(b);
    let mut terms = words::Terms::default();
    let title = format!("Evidence briefing: {}", b.protocol.title);
    let version = format!(
        "Version {} of the living review{}, {}{}",
        s.version,
        s.label
            .as_deref()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default(),
        s.created_at.get(..10).unwrap_or(&s.created_at),
        b.since
            .map(|(f, _)| format!("; changes since version {}", f.version))
            .unwrap_or_default()
    );
    let mut blocks = vec![
        doc::Block::Heading {
            level: 1,
            id: None,
            text: title.clone(),
        },
        doc::Block::Para {
            class: Some("version"),
            text: vec![doc::Inline::Em(version)],
        },
    ];
    blocks.extend(summary::blocks(b, &mut terms));
    blocks.extend(whats_new::blocks(b, &names));
    blocks.extend(flow::blocks(b));
    blocks.extend(map::blocks(b, &names));
    blocks.extend(off_grid::blocks(&b.off_grid));
    blocks.extend(funders::blocks(b));
    blocks.extend(certainty::sof(b));
    blocks.extend(pooled::blocks(b, &names, &mut terms));
    blocks.extend(methods::blocks(b, &mut terms));
    blocks.extend(references::blocks(b, &names));
    let w = doc::write(&blocks);
    Rendered {
        html: format!("{}{}</body></html>\n", head(&title, b.paper), w.html),
        markdown: w.markdown,
        figures: w.figures,
    }
}
