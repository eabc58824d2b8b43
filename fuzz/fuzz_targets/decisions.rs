//! Fuzz target: any bytes as a decisions CSV (`lacuna decide --from`):
//! decisions or an error naming the row, never a panic.
//! Run: `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run decisions`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = lacuna::pipeline::session::parse_decisions(data, "fuzz.csv".as_ref());
});
