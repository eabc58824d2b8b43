//! Pictures and tables for people: SVG forest and funnel plots, and the
//! evidence gap map (interactive HTML, static SVG, CSV). Writes nothing
//! itself; returns text.

pub mod gapmap;
pub mod recall;
pub mod ris;
pub mod svg;

pub use ris::ris;
