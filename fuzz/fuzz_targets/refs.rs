//! Fuzz target: any bytes as a RIS, MEDLINE/.nbib or CSV export: records,
//! warnings or an error, never a panic.
//! Run: `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run refs`.

#![no_main]

use lacuna::parse::refs::{read_csv, read_medline, read_ris};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut n = 0usize;
    let mut sink = |_item| {
        n += 1;
        true
    };
    let _ = read_ris(data, &mut sink);
    let _ = read_medline(data, &mut sink);
    let _ = read_csv(data, &mut sink);
});
