//! The records of a review for a front end: search (with the index brought up
//! to date first), rebuilding the index, export to JSON Lines, CSV or RIS,
//! and a person's verdict on a possible duplicate pair.
//!
//! Sequencing only: the index is `store::index`, the formats are `parse::jsonl`
//! and `report::ris`, the merge is `store::dedup`.

use crate::error::Error;
use crate::progress::Reporter;
use crate::store::index::{self, Results, Searcher};
use crate::store::Review;
use std::io::Write;
use std::path::PathBuf;

/// Search the review, rebuilding a missing or stale index from the store
/// first (never searching one silently). While another process writes to
/// the review, the index is not rebuilt under it: the search reads the
/// index as it last committed, and says so.
pub fn search(
    review: &Review,
    query: &str,
    limit: usize,
    reporter: &dyn Reporter,
) -> Result<Results, Error> {
    if !index::is_current(review)? {
        // Only the process holding the write lock rebuilds; while another
        // writes (an import), search the index as it last committed.
        match review.lock_for_writing() {
            Ok(()) => {
                reporter.message(
                    "the search index is missing or out of date; rebuilding it from the store",
                );
                index::rebuild(review, reporter)?;
            }
            Err(busy @ crate::store::StoreError::Busy(_)) => {
                // No index to read at all: say the review is busy.
                let searcher = Searcher::open(review).map_err(|_| busy)?;
                reporter.message(
                    "another lacuna command is writing to this review: searching the index as it was at its last commit",
                );
                return Ok(searcher.search(query, limit)?);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Searcher::open(review)?.search(query, limit)?)
}

/// Rebuild the search index from the store; the number of records indexed.
pub fn reindex(review: &Review, reporter: &dyn Reporter) -> Result<u64, Error> {
    review.lock_for_writing()?;
    Ok(index::rebuild(review, reporter)?)
}

/// The formats of [`export`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Lacuna JSON Lines, as `lacuna parse` writes them.
    Jsonl,
    /// CSV: pmid, doi, title, abstract, year, journal, authors, keywords.
    Csv,
    /// RIS, for reference managers.
    Ris,
}

/// The CSV columns of [`ExportFormat::Csv`].
pub const EXPORT_CSV_COLUMNS: [&str; 8] = [
    "pmid", "doi", "title", "abstract", "year", "journal", "authors", "keywords",
];

/// Write the review's current records (duplicates merged, deletions left
/// out; with `included`, only those whose latest decision is include) to
/// `out`. In CSV, a text cell that a spreadsheet would run as a formula gets
/// a leading `'` ([`crate::report::spreadsheet_text`]); JSON Lines and RIS
/// are exact. A reader that goes away (`lacuna export DIR | head`) is not an error.
pub fn export(
    review: &Review,
    format: ExportFormat,
    included: bool,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let keep = if included { review.included()? } else { None };
    // Text cells are made safe to open in a spreadsheet (no formulas).
    let safe = |x: &str| crate::report::spreadsheet_text(x).into_owned();
    let mut csv_w = (format == ExportFormat::Csv).then(|| csv::Writer::from_writer(Vec::new()));
    let mut err: Option<std::io::Error> = None;
    if let Some(w) = csv_w.as_mut() {
        if let Err(e) = w.write_record(EXPORT_CSV_COLUMNS) {
            err = Some(e.into());
        }
    }
    review.for_each_current(|id, rec| {
        if keep.as_ref().is_some_and(|k| !k.contains(&id)) || err.is_some() {
            return Ok(());
        }
        let r = match format {
            ExportFormat::Jsonl => writeln!(
                out,
                "{}",
                crate::parse::jsonl::to_line(&crate::model::Item::Record(Box::new(rec)))
            ),
            ExportFormat::Ris => out.write_all(crate::report::ris(&rec).as_bytes()),
            ExportFormat::Csv => match csv_w.as_mut() {
                Some(w) => w
                    .write_record([
                        rec.pmid.map(|p| p.to_string()).unwrap_or_default(),
                        rec.doi.as_ref().map(|d| d.to_string()).unwrap_or_default(),
                        safe(&rec.title),
                        safe(rec.abstract_text.as_deref().unwrap_or_default()),
                        rec.year.map(|y| y.to_string()).unwrap_or_default(),
                        safe(rec.journal.as_deref().unwrap_or_default()),
                        safe(&rec.authors.join("; ")),
                        safe(&rec.keywords.join("; ")),
                    ])
                    .map_err(std::io::Error::from),
                None => Ok(()),
            },
        };
        if let Err(e) = r {
            err = Some(e);
        }
        Ok(())
    })?;
    if let Some(w) = csv_w {
        if err.is_none() {
            let r = w
                .into_inner()
                .map_err(|e| std::io::Error::other(e.to_string()))
                .and_then(|b| out.write_all(&b));
            if let Err(e) = r {
                err = Some(e);
            }
        }
    }
    match err {
        Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Some(e) => Err(Error::Write {
            path: PathBuf::from("<stdout>"),
            what: "the exported records",
            source: e,
        }),
        None => Ok(()),
    }
}

/// A person's verdict on a pair of records, by key: one work (`same`: the
/// second is merged into the first) or two. Merged records leave the index.
pub fn decide_pair(
    review: &mut Review,
    keep: &str,
    other: &str,
    same: bool,
    reviewer: &str,
    reporter: &dyn Reporter,
) -> Result<(), Error> {
    if reviewer.trim().is_empty() {
        return Err(Error::NotReady(
            "give the name of who decides with --reviewer NAME".into(),
        ));
    }
    review.lock_for_writing()?;
    let was_current = index::is_current(review)?;
    let merged = review.decide_pair(keep, other, same, reviewer)?;
    let ids: Vec<i64> = merged.into_iter().collect();
    super::drop_from_index(review, was_current, &ids, reporter)
}
