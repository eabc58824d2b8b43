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
mod decision_sheet;
mod eutils_server;
mod extract;
mod gapmap;
mod golden;
mod harvest;
mod hostile;
mod imports;
mod index;
mod living;
mod meta;
mod outputs;
mod pool;
mod props;
mod quirks;
mod reviewers;
mod rob;
mod screen;
mod session;
mod store;
mod support;
mod tidy;
mod trust;
mod web;
mod web_team;
