//! Fuzz target: any bytes as a robvis-style risk-of-bias sheet (`lacuna rob
//! --import`), read as RoB 2 and as ROBINS-I: rows or an error naming row and
//! column, never a panic.
//! Run: `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run rob`.

#![no_main]

use lacuna::certainty::rob::read_sheet;
use lacuna::model::rob::Tool;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for tool in [Tool::Rob2, Tool::RobinsI] {
        let _ = read_sheet(tool, data);
    }
});
