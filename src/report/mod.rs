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

/// The Content-Security-Policy of every page Lacuna writes (the briefing, the
/// gap map): nothing is fetched, framed or posted, styles are the page's own
/// and images only `data:`. A page with a script allows that one script by
/// its hash ([`policy_with_script`]).
pub const PAGE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// [`PAGE_POLICY`] allowing one inline script, by its SHA-256: no other
/// script runs, whatever the page's data hold.
pub fn policy_with_script(script: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script));
    format!("{PAGE_POLICY}; script-src 'sha256-{hash}'")
}

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
