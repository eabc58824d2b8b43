//! Fuzz target: any text as a review protocol: a validated protocol or an
//! error naming the line and key, never a panic.
//! Run: `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run protocol`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = lacuna::protocol::parse("fuzz.toml".as_ref(), text);
    }
});
