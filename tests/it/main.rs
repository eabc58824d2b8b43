//! The one integration-test binary; a module per area (STYLE.md habit 8).

#![expect(
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test helpers fail loudly on purpose"
)]

mod bombs;
mod briefing;
mod cli;
mod code;
mod coding_accuracy;
mod coding_besides;
mod coding_blind;
mod coding_context;
mod decision_sheet;
mod demo_folder;
mod equity;
mod eutils_server;
mod extract;
mod failed_update;
mod gapmap;
mod golden;
mod harvest;
mod hostile;
mod hostile_text;
mod imports;
mod index;
mod living;
mod meta;
mod outputs;
mod pool;
mod props;
mod quirks;
mod ranking_cache;
mod reviewers;
mod rob;
mod screen;
mod sealed_snapshots;
mod session;
mod smaller_faults;
mod snapshot_deltas;
mod store;
mod support;
mod team;
mod tidy;
mod trust;
mod unmapped;
mod web;
mod web_team;
