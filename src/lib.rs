//! Lacuna: a living systematic review and evidence gap map engine.
//!
//! The pipeline, stage by stage (see `ARCHITECTURE.md`):
//!
//! 1. [`parse`] reads PubMed XML (efetch replies, baseline/update files, `.gz`)
//!    and Lacuna JSON Lines into [`model::Record`]s, streaming, in constant memory.
//! 2. [`store`] keeps them in SQLite (the store of record): records, every
//!    changed version, sources, deletions; each file imported in one transaction.
//! 3. [`store::index`] derives a tantivy index from the store for fielded,
//!    boolean, phrase and year-range search with highlighted snippets.
//! 4. [`pipeline`] knows the order of stages (`import` = parse + store + index).
//! 5. [`extract`] turns reported statistics into effect sizes and [`meta`]
//!    pools them (metafor's `escalc` and `rma`); [`report`] draws forest and
//!    funnel plots.
//!
//! Later stages (harvest, screen, code, gap map, meta-analysis, living update)
//! build on these types.

pub mod code;
pub mod error;
pub mod extract;
pub mod gapmap;
pub mod harvest;
pub mod meta;
pub mod model;
pub mod parse;
pub mod pipeline;
pub mod progress;
pub mod protocol;
pub mod report;
pub mod screen;
pub mod store;

pub use error::Error;
