//! The one place that knows the order of stages, and the sessions every
//! front end shares (the command line now, the web app next).
//!
//! - here: `import` = parse (on its own thread; gzip inflated on another) →
//!   store (one SQLite transaction per file) → index (incremental; a missing
//!   or stale index is rebuilt from the store first); `parse_to_jsonl`;
//!   `dedup` and the index upkeep after a merge;
//! - [`records`]: search (index brought up to date first), reindex, export,
//!   a person's duplicate verdict;
//! - [`session`]: a reviewer's screening session (next record, decide, undo,
//!   status), decisions by key or from a CSV, agreement and conflicts;
//!   [`team`]: a team's session over sessions (`lacuna serve`), following
//!   the store;
//! - [`screening`]: simulations on labelled data; [`harvest`]: PubMed
//!   harvests; [`evidence`]: coding, edits, effect rows, pooled cells, the
//!   map; `pool`: `lacuna pool`; [`folder`]: the review folder's own files.
//!
//! No stage logic lives here: only sequencing, threads and commit/rollback.

pub mod briefing;
pub mod certainty;
pub mod decision_sheet;
pub mod demo;
pub mod evidence;
pub mod folder;
pub mod harvest;
pub mod living;
mod pool;
mod ranking_cache;
pub mod records;
pub mod screening;
pub mod session;
pub mod team;
pub mod version;

pub use folder::{find_protocol, keep_protocol, load_protocol};
pub use pool::{measure_code, pool, Favours, PoolAnalysis, PoolConfig, PoolOutcome};

use crate::error::Error;
use crate::model::Item;
use crate::parse::open::{read_file, FileSummary};
use crate::parse::{jsonl, Warning};
use crate::progress::Reporter;
use crate::store::index::{self, Updater};
use crate::store::{ImportCounts, Outcome, Review, SourceInfo, StoreError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;

/// What importing one file did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// Items by kind found in the file.
    pub parsed: crate::parse::Counts,
    /// What the store made of them.
    pub stored: ImportCounts,
    /// Warnings (records skipped or kept with oddities), as text.
    pub warnings: Vec<String>,
}

const BATCH: usize = 512;
/// A batch is sent on when its records hold this much memory, whatever their number.
const BATCH_BYTES: usize = 4 << 20;
/// The most memory parsed records may hold between the parser and the store
/// (one batch always goes, however large).
const IN_FLIGHT_BYTES: usize = 32 << 20;

/// The memory of the records between the parser and the store: the parser
/// waits before sending a batch that would pass [`IN_FLIGHT_BYTES`], so that
/// records near the parse limits (16 MiB fields) never pile up.
#[derive(Default)]
struct InFlight {
    state: std::sync::Mutex<(usize, bool)>,
    freed: std::sync::Condvar,
}

impl InFlight {
    /// Wait until `n` more bytes fit; false once the store has stopped.
    fn take(&self, n: usize) -> bool {
        let mut s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while s.0 > 0 && s.0 + n > IN_FLIGHT_BYTES && !s.1 {
            s = self
                .freed
                .wait(s)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        if s.1 {
            return false;
        }
        s.0 += n;
        true
    }

    /// Wait until the store is done with everything sent; false once it has stopped.
    fn drained(&self) -> bool {
        let mut s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while s.0 > 0 && !s.1 {
            s = self
                .freed
                .wait(s)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        !s.1
    }

    /// The store is done with `n` bytes.
    fn give(&self, n: usize) {
        let mut s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.0 = s.0.saturating_sub(n);
        self.freed.notify_all();
    }

    /// The store takes no more: a waiting parser stops.
    fn close(&self) {
        let mut s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.1 = true;
        self.freed.notify_all();
    }
}

fn item_bytes(item: &Item) -> usize {
    match item {
        Item::Record(r) => r.approx_bytes(),
        Item::Deletion(_) => 32,
    }
}

/// Import files into a review, each in its own transaction, and bring the
/// index up to date. Stops at the first file that cannot be read: that file's
/// transaction is rolled back; files imported before it stay. Holds the
/// review's write lock (`StoreError::Busy` when another process has it).
/// When only the index fails after the records are committed, the error is
/// [`Error::IndexBehind`]: the records are stored.
pub fn import(
    review: &mut Review,
    files: &[PathBuf],
    reporter: &dyn Reporter,
) -> Result<Vec<FileReport>, Error> {
    import_from(review, files, None, reporter)
}

/// [`import`], naming the database the files were exported from (the PRISMA
/// flow counts their records under it; without a name, under the format's
/// source, e.g. "RIS export").
pub fn import_from(
    review: &mut Review,
    files: &[PathBuf],
    database: Option<&str>,
    reporter: &dyn Reporter,
) -> Result<Vec<FileReport>, Error> {
    review.lock_for_writing()?;
    let mut reports = Vec::new();
    // Bring a missing or stale index up to date first, so that the new records
    // are indexed straight from the parser rather than read back afterwards.
    ensure_index(review, reporter)?;
    let mut index_ok = true;
    reporter.start("import", None, "records");
    for path in files {
        let (report, still_ok) = import_one(review, path, database, index_ok, reporter)?;
        index_ok = still_ok;
        reporter.file_done(&format!(
            "{}: {} new, {} changed, {} unchanged, {} deleted{}",
            path.display(),
            report.stored.new,
            report.stored.changed,
            report.stored.unchanged,
            report.stored.deleted,
            if report.parsed.articles + report.parsed.books + report.parsed.deletions == 0 {
                " (the file holds no records)"
            } else {
                ""
            }
        ));
        reports.push(report);
    }
    reporter.finish();
    if !index_ok {
        reporter.message("building the search index");
        if let Err(e) = index::rebuild(review, reporter) {
            // The records are committed: say so, with an exit code of its own.
            return Err(Error::IndexBehind {
                files: reports.len(),
                source: e,
            });
        }
    }
    Ok(reports)
}

fn import_one(
    review: &mut Review,
    path: &Path,
    database: Option<&str>,
    index_ok: bool,
    reporter: &dyn Reporter,
) -> Result<(FileReport, bool), Error> {
    let mut updater = if index_ok {
        Some(Updater::open(review)?)
    } else {
        None
    };
    let source = SourceInfo {
        kind: "file",
        name: path.display().to_string(),
        bytes: std::fs::metadata(path).ok().map(|m| m.len()),
        database: database
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string),
    };
    let mut tx = review.begin_import(&source)?;
    let (btx, brx) = sync_channel::<(Vec<Item>, usize)>(8);
    let owned = path.to_path_buf();
    let budget = std::sync::Arc::new(InFlight::default());
    let parser_budget = std::sync::Arc::clone(&budget);
    let parser = std::thread::spawn(move || {
        let mut batch = Vec::with_capacity(BATCH);
        let mut bytes = 0usize;
        let res = read_file(&owned, &mut |item| {
            bytes += item_bytes(&item);
            batch.push(item);
            if batch.len() >= BATCH || bytes >= BATCH_BYTES {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                let n = std::mem::take(&mut bytes);
                let sent = parser_budget.take(n) && btx.send((full, n)).is_ok();
                // After a batch of many MB (records near the parse limits),
                // read on only when the store is done with it: one such
                // record in memory at a time.
                return sent && (n < BATCH_BYTES * 2 || parser_budget.drained());
            }
            true
        });
        if !batch.is_empty() && parser_budget.take(bytes) {
            let _ = btx.send((batch, bytes));
        }
        res
    });
    let mut store_err: Option<StoreError> = None;
    'recv: for (batch, bytes) in brx.iter() {
        let _freed = Freed(&budget, bytes);
        for item in &batch {
            let r = match item {
                Item::Record(rec) => tx
                    .add_record(rec)
                    .and_then(|o| match (o, updater.as_mut()) {
                        (Outcome::New(id), Some(u)) => u.add(id, rec),
                        (Outcome::Changed(id), Some(u)) => u.upsert(id, rec),
                        _ => Ok(()),
                    }),
                Item::Deletion(d) => tx.add_deletion(d).map(|o| {
                    if let (Outcome::Deleted(id), Some(u)) = (o, updater.as_mut()) {
                        u.remove(id);
                    }
                }),
            };
            if let Err(e) = r {
                store_err = Some(e);
                break 'recv;
            }
        }
        reporter.advance(batch.len() as u64);
    }
    budget.close();
    drop(brx);
    let parsed = parser.join().unwrap_or_else(|_| {
        Err(crate::parse::open::FileError {
            path: path.to_path_buf(),
            kind: crate::parse::open::FileErrorKind::Open(std::io::Error::other(
                "the parser thread stopped unexpectedly",
            )),
        })
    });
    let fail = |u: Option<Updater>| {
        if let Some(u) = u {
            let _ = u.rollback();
        }
    };
    if let Some(e) = store_err {
        fail(updater);
        return Err(e.into()); // tx dropped: rolled back
    }
    let summary: FileSummary = match parsed {
        Ok(s) => s,
        Err(e) => {
            fail(updater);
            return Err(e.into());
        }
    };
    let stored = tx.counts();
    let format = summary.format.map(crate::parse::Format::name);
    let generation = tx.commit(format, &summary.counts)?;
    // The store has committed; the index follows. If it fails, it is stale and
    // will be rebuilt from the store (nothing is lost).
    let index_ok = commit_index(updater, generation, reporter);
    Ok((
        FileReport {
            path: path.to_path_buf(),
            parsed: summary.counts,
            stored,
            warnings: summary.warnings.iter().map(Warning::to_string).collect(),
        },
        index_ok,
    ))
}

/// Gives a batch's bytes back to the budget when the batch is done with
/// (also when the store stops on an error).
struct Freed<'a>(&'a InFlight, usize);

impl Drop for Freed<'_> {
    fn drop(&mut self) {
        self.0.give(self.1);
    }
}

/// The header of a CSV the pipeline reads, refused (as an [`Error::Sheet`]
/// naming `path`) when unreadable or when it repeats a column.
pub(crate) fn csv_headers<R: std::io::Read>(
    rdr: &mut csv::Reader<R>,
    path: &str,
) -> Result<csv::StringRecord, Error> {
    let bad = |message: String| Error::Sheet {
        path: path.to_string(),
        message,
    };
    let headers = rdr
        .headers()
        .map_err(|e| bad(format!("not a readable CSV: {e}")))?
        .clone();
    if let Some(name) = crate::model::repeated_column(headers.iter()) {
        return Err(bad(crate::model::repeated_column_message(name)));
    }
    Ok(headers)
}

/// Rebuild the index from the store when it is missing or stale.
pub(crate) fn ensure_index(review: &Review, reporter: &dyn Reporter) -> Result<(), Error> {
    if !index::is_current(review)? {
        review.lock_for_writing()?;
        if review.count_current()? > 0 {
            reporter.message("the search index is missing or out of date: rebuilding it first");
        }
        index::rebuild(review, reporter)?;
    }
    Ok(())
}

/// Commit an index updater at store generation `g`; false (the index is
/// stale and will be rebuilt from the store) when there was none or it failed.
pub(crate) fn commit_index(updater: Option<Updater>, g: u64, reporter: &dyn Reporter) -> bool {
    match updater {
        Some(u) => match u.commit(g) {
            Ok(()) => true,
            Err(e) => {
                reporter.message(&format!(
                    "search index update failed ({e}); it will be rebuilt"
                ));
                false
            }
        },
        None => false,
    }
}

/// Parse files and write their items as Lacuna JSON Lines to `out`, in file
/// order. Returns one summary per file; stops at the first unreadable file.
pub fn parse_to_jsonl(
    files: &[PathBuf],
    out: &mut dyn Write,
    reporter: &dyn Reporter,
) -> Result<Vec<(PathBuf, FileSummary)>, Error> {
    let mut summaries = Vec::new();
    reporter.start("parse", None, "records");
    for path in files {
        let mut write_err = None;
        let summary = read_file(path, &mut |item| {
            let line = jsonl::to_line(&item);
            if let Err(e) = out
                .write_all(line.as_bytes())
                .and_then(|_| out.write_all(b"\n"))
            {
                write_err = Some(e);
                return false;
            }
            reporter.advance(1);
            true
        })?;
        if let Some(e) = write_err {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                break; // `lacuna parse f | head`: the reader has gone, stop quietly
            }
            return Err(crate::parse::open::FileError {
                path: PathBuf::from("<stdout>"),
                kind: crate::parse::open::FileErrorKind::Open(e),
            }
            .into());
        }
        summaries.push((path.clone(), summary));
    }
    reporter.finish();
    Ok(summaries)
}

/// Parse several files in parallel (rayon, one file per task), calling
/// `f(file_index, item)` from worker threads. For bulk loads and benchmarks.
pub fn parse_parallel<F>(files: &[PathBuf], f: F) -> Vec<Result<FileSummary, Error>>
where
    F: Fn(usize, Item) + Sync,
{
    use rayon::prelude::*;
    files
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            read_file(p, &mut |item| {
                f(i, item);
                true
            })
            .map_err(Error::from)
        })
        .collect()
}

/// Find duplicates among the records added since the last run (and between
/// them and the older ones), merge the near-certain pairs, list the rest,
/// and drop merged records from the index.
pub fn dedup(
    review: &mut Review,
    reporter: &dyn Reporter,
) -> Result<crate::store::dedup::DedupOutcome, Error> {
    review.lock_for_writing()?;
    let (new, old) = review.dedup_keys()?;
    let upto = new.iter().map(|k| k.id).max().unwrap_or(0);
    let pairs = crate::model::dedup::find(&new, &old);
    let was_current = index::is_current(review)?;
    let mut out = review.apply_dedup(&pairs, upto)?;
    out.checked = new.len() as u64;
    drop_from_index(review, was_current, &out.merged_ids, reporter)?;
    Ok(out)
}

/// Remove merged records from the index: in place when it was current before
/// the merge, else by a rebuild.
pub fn drop_from_index(
    review: &Review,
    was_current: bool,
    ids: &[i64],
    reporter: &dyn Reporter,
) -> Result<(), Error> {
    if !was_current {
        index::rebuild(review, reporter)?;
    } else if !ids.is_empty() {
        let mut u = Updater::open(review)?;
        for id in ids {
            u.remove(*id);
        }
        u.commit(review.generation()?)?;
    }
    Ok(())
}
