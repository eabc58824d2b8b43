//! The harvest log: each E-utilities search a review ran (query, how PubMed
//! read it, count, date window, WebEnv), the PMIDs it planned to fetch, and
//! which of them are stored. A killed harvest resumes from the PMIDs still
//! pending; `--since-last` starts from the day the last completed one began.
//!
//! Each efetch batch is stored in one transaction together with its progress,
//! so a batch is either wholly stored and marked, or not at all.

use super::{ImportCounts, ImportTx, Outcome, Review, StoreError, NOW};
use crate::model::{Item, Pmid};
use rusqlite::{params, OptionalExtension};

/// Schema for the harvest log (migration 3).
pub(super) const MIGRATION: &str = r#"
    CREATE TABLE harvests (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources(id),
        name TEXT NOT NULL,              -- protocol search-string id, or 'term'
        term TEXT NOT NULL,              -- the query, without any date window
        mode TEXT NOT NULL,              -- 'full' | 'since-last'
        window_from TEXT,                -- YYYY/MM/DD lower bound of a since-last window
        translation TEXT,
        count INTEGER NOT NULL,          -- esearch Count (all matches)
        planned INTEGER NOT NULL,        -- PMIDs to fetch
        webenv TEXT,
        query_key TEXT,
        batch INTEGER NOT NULL,
        batches_done INTEGER NOT NULL DEFAULT 0,
        stored INTEGER NOT NULL DEFAULT 0,
        deleted INTEGER NOT NULL DEFAULT 0,
        missing INTEGER NOT NULL DEFAULT 0,
        started_at TEXT NOT NULL,
        started_day INTEGER NOT NULL,    -- days since 1970-01-01 (UTC)
        finished_at TEXT
    );
    CREATE TABLE harvest_pmids (
        harvest_id INTEGER NOT NULL REFERENCES harvests(id),
        seq INTEGER NOT NULL,            -- position in the search result
        pmid INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'stored', 'deleted', 'missing')),
        PRIMARY KEY (harvest_id, pmid)
    ) WITHOUT ROWID;
    CREATE INDEX harvest_pmids_pending ON harvest_pmids(harvest_id, state, seq);
"#;

/// What a new harvest is.
#[derive(Debug, Clone)]
pub struct HarvestStart<'a> {
    /// Protocol search-string id, or `term`.
    pub name: &'a str,
    /// The query without windows.
    pub term: &'a str,
    /// `full` or `since-last`.
    pub mode: &'a str,
    /// Lower bound of a since-last window.
    pub window_from: Option<&'a str>,
    /// PubMed's reading of the query.
    pub translation: Option<&'a str>,
    /// esearch Count.
    pub count: u64,
    /// History server session, when the PMIDs are in its order.
    pub webenv: Option<&'a str>,
    /// History query key.
    pub query_key: Option<&'a str>,
    /// PMIDs per efetch.
    pub batch: usize,
    /// Today, as days since 1970-01-01.
    pub day: u64,
}

/// A harvest as logged.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HarvestRow {
    /// Row id.
    pub id: i64,
    /// Its `sources` row.
    pub source_id: i64,
    /// Search-string id or `term`.
    pub name: String,
    /// The query.
    pub term: String,
    /// `full` or `since-last`.
    pub mode: String,
    /// Since-last window start.
    pub window_from: Option<String>,
    /// PubMed's reading of the query.
    pub translation: Option<String>,
    /// esearch Count.
    pub count: u64,
    /// PMIDs planned.
    pub planned: u64,
    /// History session.
    pub webenv: Option<String>,
    /// History key.
    pub query_key: Option<String>,
    /// PMIDs per efetch.
    pub batch: usize,
    /// Batches stored.
    pub batches_done: u64,
    /// PMIDs stored.
    pub stored: u64,
    /// PMIDs found deleted.
    pub deleted: u64,
    /// PMIDs that never came back.
    pub missing: u64,
    /// Start time.
    pub started_at: String,
    /// Start day (days since 1970-01-01, UTC).
    pub started_day: u64,
    /// End time, if it completed.
    pub finished_at: Option<String>,
}

const HARVEST_COLS: &str = "id, source_id, name, term, mode, window_from, translation, count, planned,
    webenv, query_key, batch, batches_done, stored, deleted, missing, started_at, started_day, finished_at";

fn harvest_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<HarvestRow> {
    let u = |i: usize| -> rusqlite::Result<u64> { Ok(r.get::<_, i64>(i)?.max(0) as u64) };
    Ok(HarvestRow {
        id: r.get(0)?,
        source_id: r.get(1)?,
        name: r.get(2)?,
        term: r.get(3)?,
        mode: r.get(4)?,
        window_from: r.get(5)?,
        translation: r.get(6)?,
        count: u(7)?,
        planned: u(8)?,
        webenv: r.get(9)?,
        query_key: r.get(10)?,
        batch: u(11)? as usize,
        batches_done: u(12)?,
        stored: u(13)?,
        deleted: u(14)?,
        missing: u(15)?,
        started_at: r.get(16)?,
        started_day: u(17)?,
        finished_at: r.get(18)?,
    })
}

/// What storing one batch did.
#[derive(Debug, Clone, Default)]
pub struct BatchStored {
    /// Counts of the store's outcomes.
    pub counts: ImportCounts,
    /// Row ids of records new or changed (for the index).
    pub upserted: Vec<(i64, usize)>,
    /// Row ids of records marked deleted.
    pub removed: Vec<i64>,
    /// The store's generation after the batch.
    pub generation: u64,
}

impl Review {
    /// Log a new harvest and the PMIDs it will fetch, in one transaction.
    pub fn start_harvest(
        &mut self,
        h: &HarvestStart<'_>,
        pmids: &[Pmid],
    ) -> Result<i64, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            &format!(
                "INSERT INTO sources(kind, name, format, started_at) VALUES ('query', ?1, 'eutils', {NOW})"
            ),
            [h.term],
        )?;
        let source_id = tx.last_insert_rowid();
        tx.execute(
            &format!(
                "INSERT INTO harvests(source_id, name, term, mode, window_from, translation, count,
                   planned, webenv, query_key, batch, started_at, started_day)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, {NOW}, ?12)"
            ),
            params![
                source_id,
                h.name,
                h.term,
                h.mode,
                h.window_from,
                h.translation,
                h.count as i64,
                pmids.len() as i64,
                h.webenv,
                h.query_key,
                h.batch as i64,
                h.day as i64
            ],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut st = tx.prepare(
                "INSERT OR IGNORE INTO harvest_pmids(harvest_id, seq, pmid) VALUES (?1, ?2, ?3)",
            )?;
            for (seq, p) in pmids.iter().enumerate() {
                st.execute(params![id, seq as i64, p.get() as i64])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    /// The latest harvest that has not finished, if any.
    pub fn unfinished_harvest(&self) -> Result<Option<HarvestRow>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {HARVEST_COLS} FROM harvests WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1"
                ),
                [],
                harvest_row,
            )
            .optional()?)
    }

    /// The latest completed harvest of `term`.
    pub fn last_completed_harvest(&self, term: &str) -> Result<Option<HarvestRow>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {HARVEST_COLS} FROM harvests WHERE finished_at IS NOT NULL AND term = ?1
                     ORDER BY id DESC LIMIT 1"
                ),
                [term],
                harvest_row,
            )
            .optional()?)
    }

    /// Every harvest, oldest first.
    pub fn harvests(&self) -> Result<Vec<HarvestRow>, StoreError> {
        let mut st = self
            .conn
            .prepare(&format!("SELECT {HARVEST_COLS} FROM harvests ORDER BY id"))?;
        let rows = st.query_map([], harvest_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// PMIDs stored by completed harvests of `term` whose records are still
    /// current (not deleted, not merged away).
    pub fn harvested_pmids(&self, term: &str) -> Result<Vec<Pmid>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT DISTINCT hp.pmid FROM harvest_pmids hp
             JOIN harvests h ON h.id = hp.harvest_id
             JOIN records r ON r.pmid = hp.pmid
             WHERE h.term = ?1 AND h.finished_at IS NOT NULL AND hp.state = 'stored' AND r.deleted = 0
             ORDER BY hp.pmid",
        )?;
        let rows = st.query_map([term], |r| r.get::<_, i64>(0))?;
        let mut out = Vec::new();
        for row in rows {
            if let Ok(p) = Pmid::new(row?.max(0) as u64) {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// The PMIDs of a harvest still to fetch, with their positions, in order.
    pub fn pending_pmids(&self, harvest_id: i64) -> Result<Vec<(u64, Pmid)>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT seq, pmid FROM harvest_pmids WHERE harvest_id = ?1 AND state = 'pending' ORDER BY seq",
        )?;
        let rows = st.query_map([harvest_id], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, p) = row?;
            if let Ok(p) = Pmid::new(p.max(0) as u64) {
                out.push((seq.max(0) as u64, p));
            }
        }
        Ok(out)
    }

    /// Store one efetch batch of a harvest and mark its PMIDs, in one
    /// transaction: records and deletions from `items`; `missing` PMIDs
    /// marked as never returned.
    pub fn store_harvest_batch(
        &mut self,
        harvest: &HarvestRow,
        asked: &[Pmid],
        items: &[Item],
        missing: &[Pmid],
    ) -> Result<BatchStored, StoreError> {
        let tx = self.conn.transaction()?;
        let mut itx = ImportTx {
            tx,
            source_id: harvest.source_id,
            counts: ImportCounts::default(),
            json: String::new(),
        };
        let mut out = BatchStored::default();
        let (mut stored, mut deleted) = (0i64, 0i64);
        for (i, item) in items.iter().enumerate() {
            match item {
                Item::Record(rec) => {
                    match itx.add_record(rec)? {
                        Outcome::New(id) | Outcome::Changed(id) => out.upserted.push((id, i)),
                        _ => {}
                    }
                    if let Some(p) = rec.pmid {
                        mark(&itx.tx, harvest.id, p, "stored")?;
                        stored += 1;
                    }
                }
                Item::Deletion(d) => {
                    if let Outcome::Deleted(id) = itx.add_deletion(d)? {
                        out.removed.push(id);
                    }
                    mark(&itx.tx, harvest.id, d.pmid, "deleted")?;
                    deleted += 1;
                }
            }
        }
        // Anything asked for and still pending never came back (this covers
        // `missing`, the PMIDs the client re-asked for in vain).
        for p in asked.iter().chain(missing) {
            mark(&itx.tx, harvest.id, *p, "missing")?;
        }
        let c = itx.counts;
        let missing_n: i64 = itx.tx.query_row(
            "SELECT count(*) FROM harvest_pmids WHERE harvest_id = ?1 AND state = 'missing'",
            [harvest.id],
            |r| r.get(0),
        )?;
        itx.tx.execute(
            "UPDATE harvests SET batches_done = batches_done + 1, stored = stored + ?2,
               deleted = deleted + ?3, missing = ?4 WHERE id = ?1",
            params![harvest.id, stored, deleted, missing_n],
        )?;
        itx.tx.execute(
            "UPDATE sources SET articles = articles + ?2, deletions = deletions + ?3,
               new_records = new_records + ?4, changed_records = changed_records + ?5,
               unchanged_records = unchanged_records + ?6 WHERE id = ?1",
            params![
                harvest.source_id,
                stored,
                deleted,
                c.new as i64,
                c.changed as i64,
                c.unchanged as i64
            ],
        )?;
        if c.new + c.changed + c.deleted > 0 {
            itx.tx.execute(
                "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key='generation'",
                [],
            )?;
        }
        let g: String =
            itx.tx
                .query_row("SELECT value FROM meta WHERE key='generation'", [], |r| {
                    r.get(0)
                })?;
        itx.tx.commit()?;
        out.counts = c;
        out.generation = g.parse().unwrap_or(0);
        Ok(out)
    }

    /// Mark a harvest (and its source) finished.
    pub fn finish_harvest(&mut self, harvest_id: i64) -> Result<HarvestRow, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            &format!("UPDATE harvests SET finished_at = {NOW} WHERE id = ?1"),
            [harvest_id],
        )?;
        tx.execute(
            &format!(
                "UPDATE sources SET finished_at = {NOW} WHERE id = (SELECT source_id FROM harvests WHERE id = ?1)"
            ),
            [harvest_id],
        )?;
        let row = tx.query_row(
            &format!("SELECT {HARVEST_COLS} FROM harvests WHERE id = ?1"),
            [harvest_id],
            harvest_row,
        )?;
        tx.commit()?;
        Ok(row)
    }

    /// Counts of a source's outcomes so far (new, changed, unchanged).
    pub fn source_counts(&self, source_id: i64) -> Result<ImportCounts, StoreError> {
        Ok(self.conn.query_row(
            "SELECT new_records, changed_records, unchanged_records FROM sources WHERE id = ?1",
            [source_id],
            |r| {
                Ok(ImportCounts {
                    new: r.get::<_, i64>(0)?.max(0) as u64,
                    changed: r.get::<_, i64>(1)?.max(0) as u64,
                    unchanged: r.get::<_, i64>(2)?.max(0) as u64,
                    ..ImportCounts::default()
                })
            },
        )?)
    }
}

/// Set a pending PMID of a harvest to `state`. (`+state` keeps SQLite on the
/// (harvest_id, pmid) key: one row, not a scan of every pending row.)
fn mark(
    tx: &rusqlite::Transaction<'_>,
    harvest_id: i64,
    pmid: Pmid,
    state: &str,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "UPDATE harvest_pmids SET state = ?3 WHERE harvest_id = ?1 AND pmid = ?2 AND +state = 'pending'",
    )?
    .execute(params![harvest_id, pmid.get() as i64, state])?;
    Ok(())
}
