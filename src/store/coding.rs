//! Coding runs: the auto-coder's codings of the included records, coded a
//! batch at a time and staged, written in one short transaction, and read
//! back. People's edits to
//! codes are in [`super::log`]; the coder itself is `code`, not here.

use super::log::CodingRun;
use super::{Review, StoreError, NOW};
use crate::model::Record;
use rayon::prelude::*;
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use std::collections::BTreeSet;

impl Review {
    /// Code the current records (those in `only`, when given) and store the
    /// run, reading, coding and writing a batch at a time so that memory
    /// stays flat whatever the number of records. `code` gets each batch in
    /// ascending id order and returns each record's coding JSON, in order.
    ///
    /// The records are read in one consistent read and the codings staged
    /// in the connection's temporary database (on disk); the run is then
    /// written in one short transaction, so the review's write lock is held
    /// for seconds, not for the coding: a run stopped part-way (killed, an
    /// error) leaves nothing, and the previous run stays the latest. A run equal to the latest one (same protocol, same codes for
    /// the same records) is not stored again: its id is returned.
    pub fn save_coding_run(
        &mut self,
        protocol_id: &str,
        protocol_hash: u64,
        only: Option<&BTreeSet<i64>>,
        mut code: impl FnMut(Vec<(i64, Record)>) -> Result<Vec<String>, StoreError>,
    ) -> Result<i64, StoreError> {
        let hash = format!("{protocol_hash:016x}");
        // Staged on disk, in the connection's own temporary database: the
        // review itself is only read until the run is complete.
        let _ = self.conn.pragma_update(None, "temp_store", "FILE");
        self.conn.execute_batch(
            "DROP TABLE IF EXISTS temp.staged_codes;
             CREATE TEMP TABLE staged_codes(record_id INTEGER PRIMARY KEY, json TEXT NOT NULL);",
        )?;
        let stored = self.stage_and_store(protocol_id, &hash, only, &mut code);
        let dropped = self
            .conn
            .execute_batch("DROP TABLE IF EXISTS temp.staged_codes");
        let run = stored?;
        dropped?;
        Ok(run)
    }

    fn stage_and_store(
        &mut self,
        protocol_id: &str,
        hash: &str,
        only: Option<&BTreeSet<i64>>,
        code: &mut impl FnMut(Vec<(i64, Record)>) -> Result<Vec<String>, StoreError>,
    ) -> Result<i64, StoreError> {
        // One consistent read of the records (no write lock on the review:
        // a team server's decisions go on meanwhile); the codings go to the
        // staging table a batch at a time.
        let coded = {
            let tx = self.conn.transaction()?;
            let mut coded = 0i64;
            let mut batches = CurrentBatches::new(only);
            loop {
                let batch = batches.next(&tx)?;
                if batch.is_empty() {
                    break;
                }
                let ids: Vec<i64> = batch.iter().map(|(id, _)| *id).collect();
                let jsons = code(batch)?;
                if jsons.len() != ids.len() {
                    return Err(StoreError::Invalid(format!(
                        "the coder returned {} codings for {} records",
                        jsons.len(),
                        ids.len()
                    )));
                }
                let mut st = tx.prepare_cached(
                    "INSERT INTO temp.staged_codes(record_id, json) VALUES (?1, ?2)",
                )?;
                for (id, json) in ids.iter().zip(&jsons) {
                    st.execute(params![id, json])?;
                }
                coded += ids.len() as i64;
            }
            tx.commit()?;
            coded
        };
        // The run, in one short write: a run stopped before this (killed, an
        // error) leaves nothing, and the previous run stays the latest.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let latest: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, protocol_hash FROM coding_runs ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((old, _)) = latest.filter(|(_, h)| h == hash) {
            let differ: bool = tx.query_row(
                "SELECT (SELECT count(*) FROM auto_codes WHERE run_id = ?1)
                          != (SELECT count(*) FROM temp.staged_codes)
                     OR EXISTS (SELECT 1 FROM temp.staged_codes s
                                LEFT JOIN auto_codes a ON a.run_id = ?1 AND a.record_id = s.record_id
                                WHERE a.json IS NULL OR a.json != s.json)",
                [old],
                |r| r.get(0),
            )?;
            if !differ {
                // Equal to the latest run: nothing written.
                return Ok(old);
            }
        }
        tx.execute(
            &format!("INSERT INTO coding_runs(protocol_id, protocol_hash, at, records) VALUES (?1, ?2, {NOW}, ?3)"),
            params![protocol_id, hash, coded],
        )?;
        let run = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO auto_codes(run_id, record_id, json)
             SELECT ?1, record_id, json FROM temp.staged_codes ORDER BY record_id",
            [run],
        )?;
        tx.commit()?;
        Ok(run)
    }

    /// Whether the review has been coded (it has a coding run).
    pub fn has_coding(&self) -> Result<bool, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM coding_runs)", [], |r| {
                r.get(0)
            })?;
        Ok(n != 0)
    }

    /// The number of current, non-deleted records, or of those in `only`.
    pub fn count_current_among(&self, only: Option<&BTreeSet<i64>>) -> Result<u64, StoreError> {
        let Some(ids) = only else {
            return self.count_current();
        };
        let mut st = self
            .conn
            .prepare("SELECT count(*) FROM records WHERE id = ?1 AND deleted = 0")?;
        let mut n = 0u64;
        for id in ids {
            let c: i64 = st.query_row([id], |r| r.get(0))?;
            n += c.max(0) as u64;
        }
        Ok(n)
    }

    /// The latest coding run: its protocol hash and each record's coding JSON.
    pub fn latest_coding(&self) -> Result<Option<CodingRun>, StoreError> {
        let run: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT id, protocol_hash FROM coding_runs ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((run, hash)) = run else {
            return Ok(None);
        };
        let mut st = self.conn.prepare(
            "SELECT record_id, json FROM auto_codes WHERE run_id = ?1 ORDER BY record_id",
        )?;
        let rows = st
            .query_map([run], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some((hash, rows)))
    }
}

/// Records read and coded at a time by [`Review::save_coding_run`].
const CODING_BATCH: usize = 4096;

/// The current, non-deleted records in ascending id order, a batch at a
/// time: all of them, or those of a set of ids.
struct CurrentBatches<'a> {
    /// The ids still to read, when only some records are wanted.
    only: Option<std::collections::btree_set::Iter<'a, i64>>,
    /// The largest id read so far.
    after: i64,
}

impl<'a> CurrentBatches<'a> {
    fn new(only: Option<&'a BTreeSet<i64>>) -> CurrentBatches<'a> {
        CurrentBatches {
            only: only.map(|s| s.iter()),
            after: i64::MIN,
        }
    }

    /// The next batch; empty when every record has been read.
    fn next(&mut self, tx: &Transaction) -> Result<Vec<(i64, Record)>, StoreError> {
        let mut raw: Vec<(i64, String)> = Vec::with_capacity(CODING_BATCH);
        if let Some(ids) = &mut self.only {
            let mut st = tx.prepare_cached(
                "SELECT v.json FROM records r
                 JOIN record_versions v ON v.record_id = r.id AND v.version = r.current_version
                 WHERE r.id = ?1 AND r.deleted = 0",
            )?;
            for &id in ids.by_ref() {
                if let Some(json) = st.query_row([id], |r| r.get(0)).optional()? {
                    raw.push((id, json));
                    if raw.len() == CODING_BATCH {
                        break;
                    }
                }
            }
        } else {
            let mut st = tx.prepare_cached(
                "SELECT r.id, v.json FROM records r
                 JOIN record_versions v ON v.record_id = r.id AND v.version = r.current_version
                 WHERE r.deleted = 0 AND r.id > ?1 ORDER BY r.id LIMIT ?2",
            )?;
            let rows = st.query_map(params![self.after, CODING_BATCH as i64], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
            for row in rows {
                raw.push(row?);
            }
        }
        if let Some(&(id, _)) = raw.last() {
            self.after = id;
        }
        raw.into_par_iter()
            .map(|(id, json)| {
                serde_json::from_str(&json)
                    .map(|r| (id, r))
                    .map_err(|e| StoreError::Corrupt {
                        id,
                        message: e.to_string(),
                    })
            })
            .collect()
    }
}
