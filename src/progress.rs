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
    /// A line of news for a person (a warning, a step done).
    fn message(&self, _msg: &str) {}
    /// A file imported, with its counts: a message, unless the caller
    /// prints its own summary of the files (as `update` does).
    fn file_done(&self, msg: &str) {
        self.message(msg);
    }
    /// The stage is over.
    fn finish(&self) {}
}

/// A reporter that reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Reporter for Silent {}

/// A reporter that passes everything on but the per-file counts (for a
/// caller that prints its own summary of the files).
pub struct WithoutFileCounts<'a>(pub &'a dyn Reporter);

impl Reporter for WithoutFileCounts<'_> {
    fn start(&self, stage: &str, total: Option<u64>, unit: &str) {
        self.0.start(stage, total, unit);
    }
    fn advance(&self, n: u64) {
        self.0.advance(n);
    }
    fn message(&self, msg: &str) {
        self.0.message(msg);
    }
    fn file_done(&self, _msg: &str) {}
    fn finish(&self) {
        self.0.finish();
    }
}
