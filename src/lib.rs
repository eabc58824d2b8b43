//! Lacuna: a living systematic review and evidence gap map engine.
//!
//! The pipeline, stage by stage (see `ARCHITECTURE.md`):
//!
//! 1. [`parse`] reads PubMed XML (efetch replies, baseline/update files, `.gz`),
//!    MEDLINE/.nbib, RIS, CSV and Lacuna JSON Lines into [`model::Record`]s,
//!    streaming, in constant memory; [`harvest`] fetches PubMed records
//!    through NCBI's E-utilities.
//! 2. [`store`] keeps them in SQLite (the store of record): records, every
//!    changed version, sources, harvests, duplicates, decisions, codings and
//!    effect rows; [`store::index`] derives a tantivy index from it.
//! 3. [`screen`] ranks the records by active learning, says when screening
//!    may stop, and replays screening on labelled data.
//! 4. [`protocol`] reads the review protocol; [`code`] codes the included
//!    records into its framework; [`gapmap`] draws the cells and gaps.
//! 5. [`extract`] turns reported statistics into effect sizes and [`meta`]
//!    pools them (metafor's `escalc` and `rma`); [`report`] writes the map
//!    page, plots and exports.
//! 6. [`pipeline`] knows the order of stages and holds what every front end
//!    shares (a screening session, decisions, search with index upkeep,
//!    agreement); the `lacuna` binary's `cli/` and, next, the web app call it.

pub mod certainty;
pub mod code;
pub mod error;
pub mod extract;
pub mod gapmap;
pub mod harvest;
pub mod living;
pub mod meta;
pub mod model;
pub mod parse;
pub mod pipeline;
pub mod progress;
pub mod protocol;
pub mod report;
pub mod screen;
pub mod store;
pub mod web;

pub use error::Error;
