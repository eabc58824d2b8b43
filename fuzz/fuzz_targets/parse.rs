//! Fuzz target: any bytes given to the parser (PubMed XML or JSON Lines,
//! sniffed by content) must give records, warnings or an error, never a panic.
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run parse` (see docs/development.md).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = lacuna::parse::parse(data) {
        // Every record serialises and reads back as Lacuna JSON Lines.
        for item in &parsed.items {
            let line = lacuna::parse::jsonl::to_line(item);
            let again = lacuna::parse::parse(line.as_bytes()).map(|p| p.items.len());
            assert_eq!(again.ok(), Some(1), "round trip failed for {line}");
        }
    }
});
