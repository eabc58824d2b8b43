//! Fuzz target: any bytes as a stored snapshot's JSON (what `prisma`, `diff`,
//! `certainty` and `report` read back): a snapshot or an error, and a
//! snapshot read back is diffed against itself and its PRISMA counts written,
//! never a panic.
//! Run: `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run snapshot`.

#![no_main]

use lacuna::living::{diff, RecordsDiff, Snapshot};
use lacuna::protocol::Trigger;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = serde_json::from_slice::<Snapshot>(data) else {
        return;
    };
    let triggers = [
        Trigger::NewStudyInEmptyCell,
        Trigger::NewStudyWeightShare { threshold: 0.2 },
        Trigger::PooledDirectionOrCiNullCrossingChange,
        Trigger::PredictionIntervalNullCrossingChange,
        Trigger::NewSystematicReviewInCell,
        Trigger::CertaintyChange,
    ];
    let d = diff(&s, &s, RecordsDiff::default(), &triggers);
    let _ = serde_json::to_string(&d);
    let _ = lacuna::report::prisma::csv(&s.prisma);
});
