//! Pictures and tables for people: SVG forest and funnel plots, and the
//! evidence gap map (interactive HTML, static SVG, CSV). Writes nothing
//! itself; returns text.

pub mod briefing;
pub mod gapmap;
pub mod prisma;
pub mod recall;
pub mod ris;
pub mod rob;
pub mod svg;

pub use ris::ris;

/// A text cell of a CSV written for people, made safe to open in a
/// spreadsheet: a cell that starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return would be read as a formula (CSV injection), so it gets a
/// leading `'`, as OWASP advises; a spreadsheet shows the text as written.
/// Numbers are written as they are, and JSON and JSON Lines stay exact.
///
/// ```
/// use lacuna::report::spreadsheet_text;
/// assert_eq!(spreadsheet_text("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
/// assert_eq!(spreadsheet_text("Dialectical behaviour therapy"), "Dialectical behaviour therapy");
/// ```
pub fn spreadsheet_text(s: &str) -> std::borrow::Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}
