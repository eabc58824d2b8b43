//! The [`Reporter`] trait that long-running stages call to say how far they are.
//!
//! The library never draws anything: the binary implements `Reporter` with
//! progress bars, tests with counters, and [`Silent`] ignores everything.

/// Receives progress from a long stage.
pub trait Reporter: Sync {
    /// A stage starts; `total` is its size in `unit`s, if known.
    fn start(&self, _stage: &str, _total: Option<u64>, _unit: &str) {}
    /// `n` more units are done.
    fn advance(&self, _n: u64) {}
    /// A line of news for a person (a file done, a warning).
    fn message(&self, _msg: &str) {}
    /// The stage is over.
    fn finish(&self) {}
}

/// A reporter that reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Reporter for Silent {}
