//! Duplicates across sources: pairs found by `model::dedup`, merged or
//! left for a person. A merged record is marked (`records.deleted = 2`), its
//! sources are linked to the record kept, and nothing is removed, so a merge
//! can be traced (and the PRISMA count "duplicates removed" read back).

use super::{Review, StoreError, NOW};
use crate::model::dedup::{DedupKey, Pair};
use rusqlite::{params, OptionalExtension};

/// Schema for duplicates (migration 4).
pub(super) const MIGRATION: &str = r#"
    CREATE TABLE duplicates (
        id INTEGER PRIMARY KEY,
        keep_id INTEGER NOT NULL REFERENCES records(id),
        dup_id INTEGER NOT NULL REFERENCES records(id),
        method TEXT NOT NULL,            -- 'doi' | 'title' | 'person'
        score REAL NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('merged', 'uncertain', 'distinct')),
        decided_by TEXT,
        at TEXT NOT NULL,
        UNIQUE (keep_id, dup_id)
    );
    INSERT INTO meta(key, value) VALUES ('dedup_checked', '0');
"#;

/// Marker in `records.deleted` for a record merged into another.
pub const MERGED: i64 = 2;

/// One uncertain pair, for a person.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UncertainPair {
    /// Title similarity.
    pub score: f64,
    /// The two records: (key, title, year, first author, sources).
    pub records: [PairSide; 2],
}

/// One side of an uncertain pair.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PairSide {
    /// Record key (pmid:N, doi:..., ...).
    pub key: String,
    /// Title.
    pub title: String,
    /// Year.
    pub year: Option<i64>,
    /// DOI.
    pub doi: Option<String>,
    /// Files and queries it came from.
    pub sources: Vec<String>,
}

/// What a dedup run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DedupOutcome {
    /// Records compared as new.
    pub checked: u64,
    /// Records merged into another now.
    pub merged: u64,
    /// Pairs left for a person now.
    pub uncertain: u64,
    /// Row ids merged (to drop from the index).
    #[serde(skip)]
    pub merged_ids: Vec<i64>,
}

impl Review {
    /// Dedup keys of current records: (not yet checked, already checked).
    pub fn dedup_keys(&self) -> Result<(Vec<DedupKey>, Vec<DedupKey>), StoreError> {
        let checked: i64 = self
            .conn
            .query_row(
                "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'dedup_checked'",
                [],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        let mut st = self.conn.prepare(
            // The first author of a record near the parse limits (a 16 MiB
            // field) is not looked up: SQLite would parse all of its JSON.
            "SELECT r.id, r.pmid, r.doi, r.title, r.year,
                    CASE WHEN octet_length(v.json) <= 1048576 THEN json_extract(v.json, '$.authors[0]') END
             FROM records r JOIN record_versions v ON v.record_id = r.id AND v.version = r.current_version
             WHERE r.deleted = 0",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        let (mut new, mut old) = (Vec::new(), Vec::new());
        for row in rows {
            let (id, pmid, doi, title, year, author) = row?;
            let k = DedupKey::new(
                id,
                pmid.map(|p| p.max(0) as u64),
                doi.as_deref(),
                &title,
                year.and_then(|y| i32::try_from(y).ok()),
                author.as_deref(),
            );
            if id > checked {
                new.push(k);
            } else {
                old.push(k);
            }
        }
        Ok((new, old))
    }

    /// Store the pairs found: merge the certain ones, list the rest. One
    /// transaction; records up to `checked_upto` count as checked after it.
    pub fn apply_dedup(
        &mut self,
        pairs: &[Pair],
        checked_upto: i64,
    ) -> Result<DedupOutcome, StoreError> {
        let tx = self.conn.transaction()?;
        let mut out = DedupOutcome::default();
        for p in pairs {
            // Follow earlier merges so chains end on one kept record.
            let mut keep = p.keep;
            for _ in 0..16 {
                let next: Option<i64> = tx
                    .query_row(
                        "SELECT keep_id FROM duplicates WHERE dup_id = ?1 AND status = 'merged'",
                        [keep],
                        |r| r.get(0),
                    )
                    .optional()?;
                match next {
                    Some(k) => keep = k,
                    None => break,
                }
            }
            let dup_state: i64 =
                tx.query_row("SELECT deleted FROM records WHERE id = ?1", [p.dup], |r| {
                    r.get(0)
                })?;
            if keep == p.dup || dup_state == MERGED {
                continue;
            }
            let decided: Option<String> = tx
                .query_row(
                    "SELECT status FROM duplicates WHERE (keep_id = ?1 AND dup_id = ?2) OR (keep_id = ?2 AND dup_id = ?1)",
                    params![keep, p.dup],
                    |r| r.get(0),
                )
                .optional()?;
            if decided.is_some() {
                continue;
            }
            let status = if p.certain { "merged" } else { "uncertain" };
            tx.execute(
                &format!(
                    "INSERT INTO duplicates(keep_id, dup_id, method, score, status, at)
                     VALUES (?1, ?2, ?3, ?4, ?5, {NOW})"
                ),
                params![keep, p.dup, p.method.as_str(), p.score, status],
            )?;
            if p.certain {
                merge(&tx, keep, p.dup)?;
                out.merged += 1;
                out.merged_ids.push(p.dup);
            } else {
                out.uncertain += 1;
            }
        }
        tx.execute(
            "UPDATE meta SET value = CAST(max(CAST(value AS INTEGER), ?1) AS TEXT) WHERE key = 'dedup_checked'",
            [checked_upto],
        )?;
        if out.merged > 0 {
            tx.execute(
                "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key='generation'",
                [],
            )?;
        }
        tx.commit()?;
        Ok(out)
    }

    /// How many pairs wait for a person.
    pub fn pairs_awaiting(&self) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM duplicates WHERE status = 'uncertain'",
            [],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }

    /// Pairs waiting for a person.
    pub fn uncertain_pairs(&self) -> Result<Vec<UncertainPair>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT keep_id, dup_id, score FROM duplicates WHERE status = 'uncertain' ORDER BY score DESC, id",
        )?;
        let rows: Vec<(i64, i64, f64)> = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for (a, b, score) in rows {
            out.push(UncertainPair {
                score,
                records: [self.pair_side(a)?, self.pair_side(b)?],
            });
        }
        Ok(out)
    }

    fn pair_side(&self, id: i64) -> Result<PairSide, StoreError> {
        let (key, title, year, doi) = self.conn.query_row(
            "SELECT key, title, year, doi FROM records WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let mut st = self.conn.prepare(
            "SELECT s.name FROM record_sources rs JOIN sources s ON s.id = rs.source_id
             WHERE rs.record_id = ?1 ORDER BY s.id",
        )?;
        let sources = st
            .query_map([id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(PairSide {
            key,
            title,
            year,
            doi,
            sources,
        })
    }

    /// A person's verdict on a pair (by record keys): merge `dup` into
    /// `keep`, or keep them apart. Returns the merged row id, if any.
    pub fn decide_pair(
        &mut self,
        keep: &str,
        dup: &str,
        same: bool,
        who: &str,
    ) -> Result<Option<i64>, StoreError> {
        let tx = self.conn.transaction()?;
        let id = |k: &str| -> Result<i64, StoreError> {
            tx.query_row("SELECT id FROM records WHERE key = ?1", [k], |r| r.get(0))
                .optional()?
                .ok_or_else(|| StoreError::Query(format!("no record with key {k:?}")))
        };
        let (a, b) = (id(keep)?, id(dup)?);
        tx.execute(
            "DELETE FROM duplicates WHERE status = 'uncertain' AND ((keep_id = ?1 AND dup_id = ?2) OR (keep_id = ?2 AND dup_id = ?1))",
            params![a, b],
        )?;
        tx.execute(
            &format!(
                "INSERT OR REPLACE INTO duplicates(keep_id, dup_id, method, score, status, decided_by, at)
                 VALUES (?1, ?2, 'person', 1.0, ?3, ?4, {NOW})"
            ),
            params![a, b, if same { "merged" } else { "distinct" }, who],
        )?;
        if same {
            merge(&tx, a, b)?;
        }
        tx.commit()?;
        Ok(same.then_some(b))
    }

    /// Records merged into another (PRISMA: duplicates removed).
    pub fn duplicates_removed(&self) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM records WHERE deleted = ?1",
            [MERGED],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }
}

fn merge(tx: &rusqlite::Transaction<'_>, keep: i64, dup: i64) -> Result<(), StoreError> {
    tx.execute(
        "INSERT OR IGNORE INTO record_sources(record_id, source_id)
         SELECT ?1, source_id FROM record_sources WHERE record_id = ?2",
        params![keep, dup],
    )?;
    tx.execute(
        &format!("UPDATE records SET deleted = ?2, updated_at = {NOW} WHERE id = ?1"),
        params![dup, MERGED],
    )?;
    Ok(())
}
