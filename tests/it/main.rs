//! The one integration-test binary; a module per area (STYLE.md habit 8).

mod cli;
mod golden;
mod index;
mod quirks;
mod store;
mod support;
mod tidy;
