//! The living cycle's tables: each run of `lacuna update` with the step it
//! reached (so a killed run resumes where it stopped), and the snapshots:
//! numbered, immutable versions of the review, each with the state of every
//! record at that moment (version, deleted, retracted) for the diff, stored
//! as the states that changed since the previous version (migration 15) and
//! read back whole through the `snapshot_states` view.
//!
//! Snapshots are never changed or removed: triggers in the schema refuse an
//! `UPDATE` or `DELETE` on them, and an `INSERT` (or `REPLACE`, which fires
//! no delete trigger) over a version that exists, whoever writes the SQL.
//! Each version is sealed when it is taken (migration 12): the
//! SHA-256 of its row and of its per-record states, checked whenever it is
//! read, so a version changed behind the triggers' back (triggers dropped,
//! the file edited) is reported as tampered, never shown.

use super::{Review, StoreError, NOW};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// Schema for the living cycle (migration 5).
pub(super) const MIGRATION: &str = r#"
    ALTER TABLE records ADD COLUMN retracted INTEGER NOT NULL DEFAULT 0;
    UPDATE records SET retracted = 1 WHERE id IN (
        SELECT v.record_id FROM record_versions v JOIN records r
          ON r.id = v.record_id AND v.version = r.current_version
        WHERE EXISTS (SELECT 1 FROM json_each(v.json, '$.publication_types')
                      WHERE value = 'Retracted Publication')
           OR EXISTS (SELECT 1 FROM json_each(v.json, '$.corrections')
                      WHERE json_extract(value, '$.type') = 'RetractionIn'));
    CREATE TABLE updates (
        id INTEGER PRIMARY KEY,
        mode TEXT NOT NULL,              -- 'pubmed' | 'files'
        record_mark INTEGER NOT NULL,    -- records with a larger id are new in this update
        record_end INTEGER,              -- the largest record id when it finished
        source_mark INTEGER NOT NULL,    -- sources with a larger id were added by it
        harvest_mark INTEGER NOT NULL,   -- harvests with a larger id were run by it
        generation_before INTEGER NOT NULL,
        step TEXT NOT NULL,              -- the last step finished
        outcome TEXT,                    -- 'updated' | 'nothing_new', once finished
        started_at TEXT NOT NULL,
        finished_at TEXT,
        summary TEXT
    );
    CREATE TABLE snapshots (
        id INTEGER PRIMARY KEY,          -- the version number
        label TEXT,
        created_at TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        json TEXT NOT NULL
    );
    CREATE TABLE snapshot_records (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        record_id INTEGER NOT NULL REFERENCES records(id),
        version INTEGER NOT NULL,
        state INTEGER NOT NULL,          -- records.deleted: 0 current, 1 deleted by NLM, 2 merged
        retracted INTEGER NOT NULL,
        PRIMARY KEY (snapshot_id, record_id)
    ) WITHOUT ROWID;
    CREATE TRIGGER snapshots_immutable BEFORE UPDATE ON snapshots
        BEGIN SELECT RAISE(ABORT, 'a snapshot is immutable'); END;
    CREATE TRIGGER snapshots_kept BEFORE DELETE ON snapshots
        BEGIN SELECT RAISE(ABORT, 'a snapshot is never deleted'); END;
    CREATE TRIGGER snapshot_records_immutable BEFORE UPDATE ON snapshot_records
        BEGIN SELECT RAISE(ABORT, 'a snapshot is immutable'); END;
    CREATE TRIGGER snapshot_records_kept BEFORE DELETE ON snapshot_records
        BEGIN SELECT RAISE(ABORT, 'a snapshot is never deleted'); END;
"#;

/// Migration 12: each snapshot's seal, and triggers that refuse a `REPLACE`
/// (or a plain `INSERT`) over a snapshot, its records or its seal that
/// exist, and records added to a sealed snapshot. The snapshots taken
/// before it are sealed as the migration runs ([`seal_existing`]).
pub(super) const SEALS: &str = r#"
    CREATE TABLE snapshot_seals (
        snapshot_id INTEGER PRIMARY KEY REFERENCES snapshots(id),
        row_sha256 TEXT NOT NULL,        -- id, label, created_at, fingerprint, json
        records_sha256 TEXT NOT NULL     -- its snapshot_records, by record id
    );
    CREATE TRIGGER snapshot_seals_immutable BEFORE UPDATE ON snapshot_seals
        BEGIN SELECT RAISE(ABORT, 'a snapshot is immutable'); END;
    CREATE TRIGGER snapshot_seals_kept BEFORE DELETE ON snapshot_seals
        BEGIN SELECT RAISE(ABORT, 'a snapshot is never deleted'); END;
    CREATE TRIGGER snapshot_seals_once BEFORE INSERT ON snapshot_seals
        WHEN EXISTS (SELECT 1 FROM snapshot_seals WHERE snapshot_id = NEW.snapshot_id)
        BEGIN SELECT RAISE(ABORT, 'a snapshot is immutable: its seal is never replaced'); END;
    CREATE TRIGGER snapshots_never_replaced BEFORE INSERT ON snapshots
        WHEN EXISTS (SELECT 1 FROM snapshots WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, 'a snapshot is immutable: it is never replaced'); END;
    CREATE TRIGGER snapshot_records_never_replaced BEFORE INSERT ON snapshot_records
        WHEN EXISTS (SELECT 1 FROM snapshot_records
                     WHERE snapshot_id = NEW.snapshot_id AND record_id = NEW.record_id)
          OR EXISTS (SELECT 1 FROM snapshot_seals WHERE snapshot_id = NEW.snapshot_id)
        BEGIN SELECT RAISE(ABORT, 'a snapshot is immutable: its records are never replaced or added to'); END;
"#;

/// Migration 15: a snapshot stores the record states that changed since the
/// previous one (its `delta` is 1), not the state of every record: a month
/// that changes 1 % of the records adds about 1 % of rows. A snapshot taken
/// before (or stored whole, `delta` 0) holds every record's state and is its
/// own base. `snapshot_states` reads any snapshot's full set back: for each
/// record, its latest row from the snapshot's base (the latest whole
/// snapshot at or before it) up to the snapshot, leaving out the records
/// that had left the store (a row with state -1). It is derived from the
/// stored rows and can be dropped and created again at will.
///
/// The view relies on SQLite's documented rule for a bare column beside a
/// single `max()`: it is taken from the row that holds the maximum.
pub(super) const DELTAS: &str = r#"
    ALTER TABLE snapshots ADD COLUMN delta INTEGER NOT NULL DEFAULT 0;
    CREATE VIEW snapshot_states(snapshot_id, record_id, version, state, retracted) AS
    SELECT snapshot_id, record_id, version, state, retracted FROM (
        SELECT s.id AS snapshot_id, r.record_id AS record_id, max(r.snapshot_id) AS stored_in,
               r.version AS version, r.state AS state, r.retracted AS retracted
        FROM snapshots s JOIN snapshot_records r
          ON r.snapshot_id <= s.id
         AND r.snapshot_id >= coalesce(
               (SELECT max(b.id) FROM snapshots b WHERE b.id <= s.id AND b.delta = 0), 0)
        GROUP BY s.id, r.record_id)
    WHERE state >= 0;
"#;

/// The `state` of a row that says a record left the store before the
/// snapshot (see [`DELTAS`]).
const GONE: i64 = -1;

/// Feed one SQLite value to the hash, typed and length-prefixed, so that no
/// two different rows hash alike (a number stored as text differs too).
fn feed(h: &mut Sha256, v: &SqlValue) {
    match v {
        SqlValue::Null => h.update([0u8]),
        SqlValue::Integer(i) => {
            h.update([1u8]);
            h.update(i.to_le_bytes());
        }
        SqlValue::Real(f) => {
            h.update([2u8]);
            h.update(f.to_bits().to_le_bytes());
        }
        SqlValue::Text(t) => {
            h.update([3u8]);
            h.update((t.len() as u64).to_le_bytes());
            h.update(t.as_bytes());
        }
        SqlValue::Blob(b) => {
            h.update([4u8]);
            h.update((b.len() as u64).to_le_bytes());
            h.update(b);
        }
    }
}

/// A snapshot's seal as its rows are now: the SHA-256 of its `snapshots` row
/// and of its full set of record states (in record order, as
/// `snapshot_states` reads them back from the stored rows, so a snapshot
/// stored whole seals as it always did); `None` when there is no snapshot
/// `id`.
fn seal_now(conn: &Connection, id: i64) -> Result<Option<(String, String)>, StoreError> {
    let row: Option<Vec<SqlValue>> = conn
        .query_row(
            "SELECT id, label, created_at, fingerprint, json FROM snapshots WHERE id = ?1",
            [id],
            |r| (0..5).map(|i| r.get::<_, SqlValue>(i)).collect(),
        )
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    let mut h = Sha256::new();
    h.update(b"lacuna snapshot row v1\0");
    for v in &row {
        feed(&mut h, v);
    }
    let row_seal = format!("{:x}", h.finalize());
    let mut h = Sha256::new();
    h.update(b"lacuna snapshot records v1\0");
    if stored_whole(conn, id)? {
        // As it always was: its own rows, as stored.
        let mut st = conn.prepare(
            "SELECT record_id, version, state, retracted FROM snapshot_records
             WHERE snapshot_id = ?1 ORDER BY record_id",
        )?;
        let mut rows = st.query([id])?;
        while let Some(r) = rows.next()? {
            for i in 0..4 {
                feed(&mut h, &r.get::<_, SqlValue>(i)?);
            }
        }
    } else {
        for s in states(conn, id)? {
            for v in [s.record, s.version, s.state, s.retracted] {
                feed(&mut h, &SqlValue::Integer(v));
            }
        }
    }
    Ok(Some((row_seal, format!("{:x}", h.finalize()))))
}

/// A record's state as a snapshot stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct StoredState {
    record: i64,
    version: i64,
    state: i64,
    retracted: i64,
}

/// Whether snapshot `id` is stored whole (every record's state): taken
/// before migration 15 (sealed as an older review migrates, before the
/// `delta` column exists) or stored so.
fn stored_whole(conn: &Connection, id: i64) -> Result<bool, StoreError> {
    let has_delta: bool = conn.query_row(
        "SELECT count(*) > 0 FROM pragma_table_info('snapshots') WHERE name = 'delta'",
        [],
        |r| r.get(0),
    )?;
    if !has_delta {
        return Ok(true);
    }
    let delta: Option<bool> = conn
        .query_row("SELECT delta FROM snapshots WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(delta != Some(true))
}

/// Snapshot `id`'s full set of record states, in record order: what the
/// `snapshot_states` view reads (see [`DELTAS`]), read here by merging the
/// rows of its base and of each later snapshot up to it, each in the order
/// of the table's key (no sort). Empty when there is no such snapshot.
fn states(conn: &Connection, id: i64) -> Result<Vec<StoredState>, StoreError> {
    let base: i64 = if stored_whole(conn, id)? {
        id
    } else {
        conn.query_row(
            "SELECT coalesce(max(id), 0) FROM snapshots WHERE id <= ?1 AND delta = 0",
            [id],
            |r| r.get(0),
        )?
    };
    let mut st = conn.prepare(
        "SELECT snapshot_id, record_id, version, state, retracted FROM snapshot_records
         WHERE snapshot_id BETWEEN ?1 AND ?2 ORDER BY snapshot_id, record_id",
    )?;
    let mut rows = st.query([base, id])?;
    let mut all: Vec<StoredState> = Vec::new();
    // The base's rows, then each later snapshot's rows merged over them.
    let (mut at, mut next) = (None, Vec::new());
    let merge = |all: &mut Vec<StoredState>, next: &mut Vec<StoredState>| {
        if all.is_empty() {
            std::mem::swap(all, next);
            return;
        }
        let old = std::mem::take(all);
        let mut newer = next.drain(..).peekable();
        for o in old {
            while let Some(n) = newer.next_if(|n| n.record < o.record) {
                all.push(n);
            }
            match newer.next_if(|n| n.record == o.record) {
                Some(n) => all.push(n),
                None => all.push(o),
            }
        }
        all.extend(newer);
    };
    while let Some(r) = rows.next()? {
        let snapshot: i64 = r.get(0)?;
        if at.is_some_and(|a| a != snapshot) {
            merge(&mut all, &mut next);
        }
        at = Some(snapshot);
        next.push(StoredState {
            record: r.get(1)?,
            version: r.get(2)?,
            state: r.get(3)?,
            retracted: r.get(4)?,
        });
    }
    merge(&mut all, &mut next);
    all.retain(|s| s.state >= 0);
    Ok(all)
}

/// The record states that differ from snapshot `previous`'s, in record
/// order: records that are new or whose version, state or retraction
/// changed (as they are now), and records of `previous` no longer in the
/// store (state [`GONE`]). A merge of two lists in record order: SQLite
/// has no index to join a view's rows on.
fn changed_states(conn: &Connection, previous: i64) -> Result<Vec<StoredState>, StoreError> {
    let before = states(conn, previous)?;
    let mut before = before.into_iter().peekable();
    let mut out = Vec::new();
    let mut st =
        conn.prepare("SELECT id, current_version, deleted, retracted FROM records ORDER BY id")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let now = StoredState {
            record: r.get(0)?,
            version: r.get(1)?,
            state: r.get(2)?,
            retracted: r.get(3)?,
        };
        let mut was = None;
        while let Some(b) = before.next_if(|b| b.record <= now.record) {
            if b.record == now.record {
                was = Some(b);
            } else {
                out.push(StoredState { state: GONE, ..b });
            }
        }
        if was != Some(now) {
            out.push(now);
        }
    }
    out.extend(before.map(|b| StoredState { state: GONE, ..b }));
    Ok(out)
}

/// Seal snapshot `id` as its rows are now (once: the schema refuses a second seal).
fn seal(conn: &Connection, id: i64) -> Result<(), StoreError> {
    if let Some((row, records)) = seal_now(conn, id)? {
        conn.execute(
            "INSERT INTO snapshot_seals(snapshot_id, row_sha256, records_sha256) VALUES (?1, ?2, ?3)",
            params![id, row, records],
        )?;
    }
    Ok(())
}

/// Seal the snapshots taken before snapshots were sealed (run once, by the
/// migration that adds the seals, in its transaction).
pub(super) fn seal_existing(conn: &Connection) -> Result<(), StoreError> {
    let ids: Vec<i64> = {
        let mut st = conn.prepare(
            "SELECT id FROM snapshots WHERE id NOT IN (SELECT snapshot_id FROM snapshot_seals) ORDER BY id",
        )?;
        let rows = st.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for id in ids {
        seal(conn, id)?;
    }
    Ok(())
}

/// Migration 13: what an update was given (its `--files`, as given and as
/// absolute paths, and `--database`), so that a plain `update` facing an
/// unfinished one can spell out the command that finishes it.
pub(super) const UPDATE_ARGS: &str = "
    ALTER TABLE updates ADD COLUMN files TEXT;       -- JSON: [{given, path}]
    ALTER TABLE updates ADD COLUMN database TEXT;";

/// A file an update was given: as typed, and as an absolute path (the
/// command that finishes the update works from any folder).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UpdateFile {
    /// As given on the command line (the name its import is logged under).
    pub given: String,
    /// Absolute.
    pub path: String,
}

/// One run of `lacuna update`, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateRow {
    /// Its id.
    pub id: i64,
    /// `pubmed` or `files`.
    pub mode: String,
    /// Records with a larger row id arrived in this update.
    pub record_mark: i64,
    /// The largest record id when it finished.
    pub record_end: Option<i64>,
    /// Sources with a larger id were added by it.
    pub source_mark: i64,
    /// Harvests with a larger id were run by it.
    pub harvest_mark: i64,
    /// The store's generation when it started.
    pub generation_before: u64,
    /// The last step it finished.
    pub step: String,
    /// `updated` or `nothing_new`, once finished.
    pub outcome: Option<String>,
    /// When it started (UTC).
    pub started_at: String,
    /// When it finished.
    pub finished_at: Option<String>,
    /// The files it was given (`files` mode; empty for an update logged
    /// before Lacuna kept them).
    pub files: Vec<UpdateFile>,
    /// The `--database` it was given.
    pub database: Option<String>,
}

const UPDATE_COLS: &str = "id, mode, record_mark, record_end, source_mark, harvest_mark, \
    generation_before, step, outcome, started_at, finished_at, files, database";

fn update_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UpdateRow> {
    Ok(UpdateRow {
        id: r.get(0)?,
        mode: r.get(1)?,
        record_mark: r.get(2)?,
        record_end: r.get(3)?,
        source_mark: r.get(4)?,
        harvest_mark: r.get(5)?,
        generation_before: r.get::<_, i64>(6)?.max(0) as u64,
        step: r.get(7)?,
        outcome: r.get(8)?,
        started_at: r.get(9)?,
        finished_at: r.get(10)?,
        files: r
            .get::<_, Option<String>>(11)?
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default(),
        database: r.get(12)?,
    })
}

/// A snapshot as listed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SnapshotRow {
    /// The version number (1, 2, …).
    pub id: i64,
    /// The label given, if any.
    pub label: Option<String>,
    /// When it was taken (UTC).
    pub created_at: String,
    /// What the review's content was (records, decisions, codes, effects,
    /// protocol): equal fingerprints mean nothing changed.
    pub fingerprint: String,
}

/// The records that changed between two snapshots, by row id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordChanges {
    /// In the later snapshot and not in the earlier one (current records only).
    pub new: Vec<RecordRef>,
    /// In both, with a newer version in the later one.
    pub revised: Vec<RecordRef>,
    /// Retracted in the later snapshot and not in the earlier one.
    pub retracted: Vec<RecordRef>,
    /// Deleted by NLM in the later snapshot and not in the earlier one.
    pub deleted: Vec<RecordRef>,
}

/// A record named in a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRef {
    /// Row id.
    pub id: i64,
    /// Record key.
    pub key: String,
    /// PMID.
    pub pmid: Option<u64>,
    /// First author, journal, title and year of the record's version as of
    /// the later snapshot (so that a diff names it the same way for ever).
    pub first_author: Option<String>,
    /// Journal.
    pub journal: Option<String>,
    /// Title.
    pub title: String,
    /// Year.
    pub year: Option<i32>,
}

impl Review {
    /// The update that started and did not finish, if any.
    pub fn open_update(&self) -> Result<Option<UpdateRow>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {UPDATE_COLS} FROM updates WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1"),
                [],
                update_row,
            )
            .optional()?)
    }

    /// The latest finished update, if any.
    pub fn last_update(&self) -> Result<Option<UpdateRow>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {UPDATE_COLS} FROM updates WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1"),
                [],
                update_row,
            )
            .optional()?)
    }

    /// Every update, oldest first.
    pub fn updates(&self) -> Result<Vec<UpdateRow>, StoreError> {
        let mut st = self
            .conn
            .prepare(&format!("SELECT {UPDATE_COLS} FROM updates ORDER BY id"))?;
        let rows = st.query_map([], update_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Log the start of an update, with the marks that say later what it
    /// added, and the files and database it was given.
    pub fn start_update(
        &mut self,
        mode: &str,
        files: &[UpdateFile],
        database: Option<&str>,
    ) -> Result<UpdateRow, StoreError> {
        let files_json = (!files.is_empty())
            .then(|| serde_json::to_string(files))
            .transpose()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let tx = self.conn.transaction()?;
        let max = |table: &str| -> Result<i64, StoreError> {
            Ok(tx.query_row(
                &format!("SELECT coalesce(max(id), 0) FROM {table}"),
                [],
                |r| r.get(0),
            )?)
        };
        let (rm, sm, hm) = (max("records")?, max("sources")?, max("harvests")?);
        let g: String = tx.query_row("SELECT value FROM meta WHERE key='generation'", [], |r| {
            r.get(0)
        })?;
        tx.execute(
            &format!(
                "INSERT INTO updates(mode, record_mark, source_mark, harvest_mark, generation_before, step, started_at, files, database)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'started', {NOW}, ?6, ?7)"
            ),
            params![mode, rm, sm, hm, g.parse::<i64>().unwrap_or(0), files_json, database],
        )?;
        let id = tx.last_insert_rowid();
        let row = tx.query_row(
            &format!("SELECT {UPDATE_COLS} FROM updates WHERE id = ?1"),
            [id],
            update_row,
        )?;
        tx.commit()?;
        Ok(row)
    }

    /// Note that an update finished a step.
    pub fn update_step(&mut self, id: i64, step: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE updates SET step = ?2 WHERE id = ?1",
            params![id, step],
        )?;
        Ok(())
    }

    /// Finish an update: its outcome, its summary (JSON), the last record id.
    pub fn finish_update(
        &mut self,
        id: i64,
        outcome: &str,
        summary: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            &format!(
                "UPDATE updates SET step = 'done', outcome = ?2, summary = ?3, finished_at = {NOW},
                   record_end = (SELECT coalesce(max(id), 0) FROM records) WHERE id = ?1"
            ),
            params![id, outcome, summary],
        )?;
        Ok(())
    }

    /// Take back the start of an unfinished update that stored nothing (the
    /// run failed on its input first): as if it had never started. False
    /// when it had stored something or had finished (then it stays).
    pub fn discard_update(&mut self, u: &UpdateRow) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "DELETE FROM updates WHERE id = ?1 AND finished_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM sources WHERE id > ?2)
               AND NOT EXISTS (SELECT 1 FROM harvests WHERE id > ?3)
               AND NOT EXISTS (SELECT 1 FROM records WHERE id > ?4)
               AND (SELECT value FROM meta WHERE key = 'generation') = CAST(?5 AS TEXT)",
            params![
                u.id,
                u.source_mark,
                u.harvest_mark,
                u.record_mark,
                u.generation_before as i64
            ],
        )?;
        tx.commit()?;
        Ok(n == 1)
    }

    /// Close an unfinished update as abandoned (`lacuna update --abandon`):
    /// it is never resumed; what it stored stays. `summary` (JSON) says what
    /// it kept. False when it was not open.
    pub fn abandon_update(&mut self, id: i64, summary: &str) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            &format!(
                "UPDATE updates SET outcome = 'abandoned', summary = ?2, finished_at = {NOW},
                   record_end = (SELECT coalesce(max(id), 0) FROM records)
                 WHERE id = ?1 AND finished_at IS NULL"
            ),
            params![id, summary],
        )?;
        Ok(n == 1)
    }

    /// Records stored since an update's record mark (current or not).
    pub fn records_since(&self, u: &UpdateRow) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM records WHERE id > ?1",
            [u.record_mark],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }

    /// Names of the file sources an update has imported completely.
    pub fn update_sources(&self, u: &UpdateRow) -> Result<Vec<String>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT name FROM sources WHERE id > ?1 AND kind = 'file' AND finished_at IS NOT NULL",
        )?;
        let rows = st.query_map([u.source_mark], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Terms of the harvests an update has completed.
    pub fn update_harvests(&self, u: &UpdateRow) -> Result<Vec<String>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT term FROM harvests WHERE id > ?1 AND finished_at IS NOT NULL")?;
        let rows = st.query_map([u.harvest_mark], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Current records that arrived in an update (row ids above its mark, up
    /// to its end once finished).
    pub fn new_in_update(&self, u: &UpdateRow) -> Result<BTreeSet<i64>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT id FROM records WHERE deleted = 0 AND id > ?1 AND id <= coalesce(?2, id)",
        )?;
        let rows = st.query_map(params![u.record_mark, u.record_end], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records an update added, revised (a new version from one of its
    /// sources) and saw deleted by NLM.
    pub fn update_counts(&self, u: &UpdateRow) -> Result<(u64, u64, u64), StoreError> {
        let q = |sql: &str| -> Result<u64, StoreError> {
            let n: i64 = self
                .conn
                .query_row(sql, params![u.record_mark, u.source_mark], |r| r.get(0))?;
            Ok(n.max(0) as u64)
        };
        Ok((
            q("SELECT count(*) FROM records WHERE id > ?1 AND ?2 >= 0")?,
            q("SELECT count(DISTINCT v.record_id) FROM record_versions v
               WHERE v.record_id <= ?1 AND v.source_id > ?2 AND v.version > 1")?,
            q(
                "SELECT count(DISTINCT d.pmid) FROM deletions d JOIN records r ON r.pmid = d.pmid
               WHERE d.source_id > ?2 AND r.deleted = 1 AND ?1 >= 0",
            )?,
        ))
    }

    /// Current records brought by the updates since the latest snapshot
    /// (by every update, when there is no snapshot yet): the records a
    /// living review screens first.
    pub fn new_since_snapshot(&self) -> Result<BTreeSet<i64>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT id FROM records WHERE deleted = 0 AND id > (
                SELECT min(record_mark) FROM updates
                WHERE started_at >= coalesce((SELECT max(created_at) FROM snapshots), ''))",
        )?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Row ids of current records that are retracted.
    pub fn retracted_records(&self) -> Result<BTreeSet<i64>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT id FROM records WHERE retracted = 1 AND deleted = 0")?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// What the review's content is now, as a short text: equal for two
    /// moments with the same records, decisions, codes, links and effect
    /// rows. (Each of those tables only grows; their largest ids and the
    /// store's generation say whether anything was added.)
    pub fn content_fingerprint(&self) -> Result<String, StoreError> {
        let mut parts = vec![format!("g{}", self.generation()?)];
        for table in [
            "decisions",
            "coding_runs",
            "code_edits",
            "study_links",
            "effect_imports",
            "duplicates",
            "rob_judgements",
            "certainty_overrides",
        ] {
            let n: i64 = self.conn.query_row(
                &format!("SELECT coalesce(max(rowid), 0) FROM {table}"),
                [],
                |r| r.get(0),
            )?;
            parts.push(n.to_string());
        }
        Ok(parts.join("."))
    }

    /// Store a snapshot in one transaction, with the state of every record:
    /// as the states that changed since the previous snapshot (see
    /// migration 15), or whole when there is no previous one or at least half
    /// of the records changed (then reading it back costs no more than its
    /// own rows). Returns its version number.
    pub fn add_snapshot(
        &mut self,
        label: Option<&str>,
        created_at: &str,
        fingerprint: &str,
        json: &str,
    ) -> Result<i64, StoreError> {
        if let Some(l) = label {
            crate::model::input::check_text("the snapshot label", l)?;
        }
        let tx = self.conn.transaction()?;
        let previous: Option<i64> =
            tx.query_row("SELECT max(id) FROM snapshots", [], |r| r.get(0))?;
        let records: i64 = tx.query_row("SELECT count(*) FROM records", [], |r| r.get(0))?;
        let delta = match previous {
            Some(p) => Some(changed_states(&tx, p)?)
                .filter(|rows| (rows.len() as i64).saturating_mul(2) < records),
            None => None,
        };
        tx.execute(
            "INSERT INTO snapshots(label, created_at, fingerprint, json, delta) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![label, created_at, fingerprint, json, delta.is_some()],
        )?;
        let id = tx.last_insert_rowid();
        match delta {
            Some(rows) => {
                let mut st = tx.prepare(
                    "INSERT INTO snapshot_records(snapshot_id, record_id, version, state, retracted)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for s in rows {
                    st.execute(params![id, s.record, s.version, s.state, s.retracted])?;
                }
            }
            None => {
                tx.execute(
                    "INSERT INTO snapshot_records(snapshot_id, record_id, version, state, retracted)
                     SELECT ?1, id, current_version, deleted, retracted FROM records",
                    [id],
                )?;
            }
        }
        seal(&tx, id)?;
        tx.commit()?;
        Ok(id)
    }

    /// Check that snapshot `id` is as it was taken: its row and its records
    /// match the seal stored with it. A snapshot that does not exist passes
    /// (the caller says there is none); one changed, or with no seal, is
    /// [`StoreError::Tampered`].
    pub fn check_snapshot(&self, id: i64) -> Result<(), StoreError> {
        let Some((row, records)) = seal_now(&self.conn, id)? else {
            return Ok(());
        };
        let stored: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT row_sha256, records_sha256 FROM snapshot_seals WHERE snapshot_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let what = match stored {
            None => "it has no seal: it was not stored by Lacuna",
            Some((r, _)) if r != row => {
                "its stored content (label, date or JSON) no longer matches its seal"
            }
            Some((_, r)) if r != records => {
                "its per-record states (what the diff reads) no longer match its seal"
            }
            Some(_) => return Ok(()),
        };
        Err(StoreError::Tampered {
            db: self.dir.join(super::DB_FILE),
            id,
            what: what.into(),
        })
    }

    /// Every snapshot, oldest first.
    pub fn snapshots(&self) -> Result<Vec<SnapshotRow>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT id, label, created_at, fingerprint FROM snapshots ORDER BY id")?;
        let rows = st.query_map([], |r| {
            Ok(SnapshotRow {
                id: r.get(0)?,
                label: r.get(1)?,
                created_at: r.get(2)?,
                fingerprint: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One snapshot's stored JSON, checked against its seal first
    /// ([`Review::check_snapshot`]): a tampered version is an error.
    pub fn snapshot_json(&self, id: i64) -> Result<Option<String>, StoreError> {
        self.check_snapshot(id)?;
        Ok(self
            .conn
            .query_row("SELECT json FROM snapshots WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// The records that are new, revised, retracted or deleted in snapshot
    /// `to` against snapshot `from` (both checked against their seals first).
    pub fn record_changes(&self, from: i64, to: i64) -> Result<RecordChanges, StoreError> {
        self.check_snapshot(from)?;
        self.check_snapshot(to)?;
        // Both versions' full sets of states, read back whole and merged in
        // record order; each changed record is then named once, with every
        // kind of change it has (a record can be new and retracted).
        let (before, after) = (states(&self.conn, from)?, states(&self.conn, to)?);
        let mut before = before.into_iter().peekable();
        let mut changed: Vec<(i64, i64, [bool; 4])> = Vec::new();
        for t in after {
            while before.next_if(|f| f.record < t.record).is_some() {}
            let f = before.next_if(|f| f.record == t.record);
            let kinds = [
                t.state == 0 && f.is_none(),
                // A retraction is shown as such, not as a revision too.
                t.state == 0
                    && f.is_some_and(|f| {
                        t.version > f.version && !(t.retracted == 1 && f.retracted == 0)
                    }),
                t.retracted == 1 && t.state != 2 && f.map_or(0, |f| f.retracted) == 0,
                t.state == 1 && f.map_or(0, |f| f.state) != 1,
            ];
            if kinds.contains(&true) {
                changed.push((t.record, t.version, kinds));
            }
        }
        let mut st = self.conn.prepare(
            "SELECT r.id, r.key, r.pmid, json_extract(v.json, '$.authors[0]'),
                    json_extract(v.json, '$.journal'), coalesce(json_extract(v.json, '$.title'), r.title),
                    json_extract(v.json, '$.year')
             FROM records r
             LEFT JOIN record_versions v ON v.record_id = r.id AND v.version = ?2
             WHERE r.id = ?1",
        )?;
        let mut named: Vec<(Option<i64>, RecordRef, [bool; 4])> = Vec::with_capacity(changed.len());
        for (id, version, kinds) in changed {
            let row = st
                .query_row(params![id, version], |r| {
                    let pmid = r.get::<_, Option<i64>>(2)?;
                    Ok((
                        pmid,
                        RecordRef {
                            id: r.get(0)?,
                            key: r.get(1)?,
                            pmid: pmid.and_then(|p| u64::try_from(p).ok()),
                            first_author: r.get::<_, Option<String>>(3).ok().flatten(),
                            journal: r.get::<_, Option<String>>(4).ok().flatten(),
                            title: r
                                .get::<_, Option<String>>(5)
                                .ok()
                                .flatten()
                                .unwrap_or_default(),
                            year: r.get::<_, Option<i32>>(6).ok().flatten(),
                        },
                    ))
                })
                .optional()?;
            if let Some((pmid, r)) = row {
                named.push((pmid, r, kinds));
            }
        }
        // As SQL's `ORDER BY pmid IS NULL, pmid, key` (keys are unique).
        named.sort_by(|(p, a, _), (q, b, _)| {
            (p.is_none(), p, &a.key).cmp(&(q.is_none(), q, &b.key))
        });
        let mut changes = RecordChanges::default();
        for (_, r, kinds) in named {
            let lists = [
                &mut changes.new,
                &mut changes.revised,
                &mut changes.retracted,
                &mut changes.deleted,
            ];
            for (list, _) in lists.into_iter().zip(kinds).filter(|(_, k)| *k) {
                list.push(r.clone());
            }
        }
        Ok(changes)
    }
}

/// The raw counts behind a PRISMA 2020 flow diagram, as the store holds them,
/// for the records a version brought (see [`Review::flow_counts`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowCounts {
    /// Records identified per database (PubMed for harvests; for files the
    /// database named at import, else the format's source) by the searches
    /// and imports since the mark, each record counted once per search or
    /// import (a record two searches found is identified twice, then counted
    /// once more among the duplicates).
    pub per_database: Vec<(String, u64)>,
    /// Distinct records brought since the mark, not merged into another.
    pub distinct: u64,
    /// Records stored before the mark that were still awaiting screening
    /// then (no decision, or maybe) and are current: this version's flow
    /// screens them with the new ones.
    pub carried_over: u64,
    /// Records deleted by NLM: of those brought since the mark, and earlier
    /// ones whose deletion notice came after it.
    pub deleted: u64,
    /// Current records of this flow: brought since the mark, or carried over.
    pub current: u64,
    /// Current records with no title/abstract decision.
    pub undecided: u64,
    /// Current records whose latest title/abstract decision is maybe.
    pub maybe: u64,
    /// Current records excluded at title/abstract.
    pub ta_excluded: u64,
    /// Current records included at title/abstract (reports sought).
    pub ta_included: u64,
    /// Whether the review has any full-text decision.
    pub full_text_stage: bool,
    /// Of the included at title/abstract, those with a full-text decision.
    pub ft_assessed: u64,
    /// Full-text exclusions by reason.
    pub ft_excluded: Vec<(String, u64)>,
}

/// How far the store had come at a moment: the largest source (search or
/// import), record and decision ids. A version's PRISMA flow counts what
/// came after the previous version's marks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreMarks {
    /// Largest `sources` id.
    pub source: i64,
    /// Largest `records` id.
    pub record: i64,
    /// Largest `decisions` id.
    pub decision: i64,
}

/// One search or import: database, search-string id or file, the start of
/// a since-last window, when it finished.
pub type SearchLogRow = (String, String, Option<String>, String);

/// The records of a version's flow: those stored after the record mark
/// `?1`, and earlier current ones whose latest title/abstract decision up to
/// the decision mark `?2` was none or maybe (still awaiting screening then).
const FLOW: &str = "flow AS (
    SELECT r.id, r.deleted, r.id > ?1 AS fresh FROM records r
    WHERE r.id > ?1 OR (r.deleted = 0 AND coalesce(
        (SELECT d.label FROM decisions d WHERE d.record_id = r.id
           AND d.stage IN ('title_abstract', 'resolution') AND d.id <= ?2
         ORDER BY d.id DESC LIMIT 1), 'maybe') = 'maybe'))";

/// The latest title/abstract (or resolution) label of each current record
/// of the flow.
const TA_LATEST: &str =
    "SELECT d.record_id, d.label FROM decisions d JOIN flow f ON f.id = d.record_id
    WHERE f.deleted = 0 AND d.stage IN ('title_abstract', 'resolution')
      AND d.id = (SELECT max(id) FROM decisions e WHERE e.record_id = d.record_id
                  AND e.stage IN ('title_abstract', 'resolution'))";

/// The database a source's records are counted under in the PRISMA flow.
fn database_name(kind: &str, name: &str, format: Option<&str>, database: Option<String>) -> String {
    if kind == "query" {
        return "PubMed".into();
    }
    if let Some(d) = database.filter(|d| !d.trim().is_empty()) {
        return d;
    }
    match format {
        Some("pubmed-xml") => "PubMed".into(),
        Some("medline") => "MEDLINE export".into(),
        Some("ris") => "RIS export".into(),
        Some("csv") => "CSV export".into(),
        Some("lacuna-jsonl") => "JSON Lines export".into(),
        _ => std::path::Path::new(name)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| name.to_string()),
    }
}

impl Review {
    /// The store's marks now (see [`StoreMarks`]).
    pub fn marks(&self) -> Result<StoreMarks, StoreError> {
        let q = |sql: &str| -> Result<i64, StoreError> {
            Ok(self.conn.query_row(sql, [], |r| r.get(0))?)
        };
        Ok(StoreMarks {
            source: q("SELECT coalesce(max(id), 0) FROM sources")?,
            record: q("SELECT coalesce(max(id), 0) FROM records")?,
            decision: q("SELECT coalesce(max(id), 0) FROM decisions")?,
        })
    }

    /// The marks of a snapshot taken before snapshots kept them: its records
    /// from its per-record states (exact), its sources and decisions from
    /// their times up to when it was taken.
    pub fn marks_of_snapshot(&self, id: i64, created_at: &str) -> Result<StoreMarks, StoreError> {
        let q = |sql: &str, p: &dyn rusqlite::ToSql| -> Result<i64, StoreError> {
            Ok(self.conn.query_row(sql, [p], |r| r.get(0))?)
        };
        Ok(StoreMarks {
            source: q(
                "SELECT coalesce(max(id), 0) FROM sources WHERE coalesce(finished_at, started_at) <= ?1",
                &created_at,
            )?,
            record: q(
                "SELECT coalesce(max(record_id), 0) FROM snapshot_states WHERE snapshot_id = ?1",
                &id,
            )?,
            decision: q(
                "SELECT coalesce(max(id), 0) FROM decisions WHERE at <= ?1",
                &created_at,
            )?,
        })
    }

    /// The counts of a PRISMA 2020 flow diagram for what came after `since`:
    /// records identified by the searches and imports after its source mark,
    /// and the fate of the records of the flow (see [`FlowCounts`]):
    /// `StoreMarks::default()` for the whole review.
    pub fn flow_counts(&self, since: StoreMarks) -> Result<FlowCounts, StoreError> {
        let c = &self.conn;
        let (mark, dmark) = (since.record, since.decision);
        let q = |sql: &str| -> Result<u64, StoreError> {
            let n: i64 = c.query_row(&format!("WITH {FLOW} {sql}"), [mark, dmark], |r| r.get(0))?;
            Ok(n.max(0) as u64)
        };
        // Records per database, from a query whose rows are (kind, name,
        // format, database, count) per source.
        let per_source = |sql: &str, args: &[i64]| -> Result<Vec<(String, u64)>, StoreError> {
            let mut st = c.prepare(sql)?;
            let rows = st.query_map(rusqlite::params_from_iter(args), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (kind, name, format, database, n) = row?;
                out.push((
                    database_name(&kind, &name, format.as_deref(), database),
                    n.max(0) as u64,
                ));
            }
            Ok(out)
        };
        let found = per_source(
            "SELECT s.kind, s.name, s.format, s.database, count(DISTINCT rs.record_id)
             FROM record_sources rs JOIN sources s ON s.id = rs.source_id
             WHERE s.id > ?1 GROUP BY s.id",
            &[since.source],
        )?;
        // A deletion notice for a record stored before the mark is what this
        // version's search found of it: identified, then removed (PRISMA's
        // "removed for other reasons").
        let deleted_old = per_source(
            "SELECT s.kind, s.name, s.format, s.database, count(DISTINCT r.id)
             FROM deletions d JOIN sources s ON s.id = d.source_id
             JOIN records r ON r.pmid = d.pmid
             WHERE s.id > ?1 AND r.id <= ?2 AND r.deleted = 1 GROUP BY s.id",
            &[since.source, mark],
        )?;
        let old_deleted: u64 = deleted_old.iter().map(|(_, n)| n).sum();
        let mut by: std::collections::BTreeMap<String, u64> = Default::default();
        for (db, n) in found.into_iter().chain(deleted_old) {
            *by.entry(db).or_default() += n;
        }
        let per_database: Vec<(String, u64)> = by.into_iter().collect();
        let ta = |label: &str| -> Result<u64, StoreError> {
            q(&format!(
                "SELECT count(*) FROM ({TA_LATEST}) WHERE label = '{label}'"
            ))
        };
        let decided = q(&format!("SELECT count(*) FROM ({TA_LATEST})"))?;
        let current = q("SELECT count(*) FROM flow WHERE deleted = 0")?;
        let ft_latest = format!(
            "SELECT d.record_id, d.label, d.reason FROM decisions d
             JOIN ({TA_LATEST}) t ON t.record_id = d.record_id AND t.label = 'include'
             WHERE d.stage = 'full_text'
               AND d.id = (SELECT max(id) FROM decisions e WHERE e.record_id = d.record_id AND e.stage = 'full_text')"
        );
        let mut ft_excluded = Vec::new();
        {
            let mut st = c.prepare(&format!(
                "WITH {FLOW} SELECT coalesce(reason, 'no reason given'), count(*) FROM ({ft_latest})
                 WHERE label = 'exclude' GROUP BY 1 ORDER BY 2 DESC, 1"
            ))?;
            let rows = st.query_map([mark, dmark], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?;
            for row in rows {
                let (reason, n) = row?;
                ft_excluded.push((reason, n.max(0) as u64));
            }
        }
        let full_text: i64 = c.query_row(
            "SELECT count(*) FROM decisions WHERE stage = 'full_text'",
            [],
            |r| r.get(0),
        )?;
        Ok(FlowCounts {
            per_database,
            distinct: q("SELECT count(*) FROM flow WHERE fresh AND deleted <> 2")? + old_deleted,
            carried_over: q("SELECT count(*) FROM flow WHERE NOT fresh")?,
            deleted: q("SELECT count(*) FROM flow WHERE fresh AND deleted = 1")? + old_deleted,
            current,
            undecided: current.saturating_sub(decided),
            maybe: ta("maybe")?,
            ta_excluded: ta("exclude")?,
            ta_included: ta("include")?,
            full_text_stage: full_text > 0,
            ft_assessed: q(&format!("SELECT count(*) FROM ({ft_latest})"))?,
            ft_excluded,
        })
    }

    /// Keys of the current records of a version's flow (see
    /// [`Review::flow_counts`]): the reports this version's screening saw.
    pub fn flow_keys(&self, since: StoreMarks) -> Result<BTreeSet<String>, StoreError> {
        let mut st = self.conn.prepare(&format!(
            "WITH {FLOW} SELECT r.key FROM flow f JOIN records r ON r.id = f.id WHERE f.deleted = 0"
        ))?;
        let rows = st.query_map([since.record, since.decision], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Completed harvests and file imports: what was searched, and when
    /// (database, search-string id or file, since-last window, finished at).
    pub fn search_log(&self) -> Result<Vec<SearchLogRow>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT CASE s.kind WHEN 'query' THEN 'PubMed' ELSE 'file' END,
                    coalesce(h.name, s.name), h.window_from, s.finished_at
             FROM sources s LEFT JOIN harvests h ON h.source_id = s.id
             WHERE s.finished_at IS NOT NULL ORDER BY s.id",
        )?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables the snapshot storage reads, and nothing else.
    fn store() -> Connection {
        let c = Connection::open_in_memory().expect("in memory");
        c.execute_batch(
            "CREATE TABLE records (id INTEGER PRIMARY KEY, current_version INTEGER NOT NULL,
                                   deleted INTEGER NOT NULL, retracted INTEGER NOT NULL);
             CREATE TABLE snapshots (id INTEGER PRIMARY KEY);
             CREATE TABLE snapshot_records (snapshot_id INTEGER NOT NULL, record_id INTEGER NOT NULL,
                 version INTEGER NOT NULL, state INTEGER NOT NULL, retracted INTEGER NOT NULL,
                 PRIMARY KEY (snapshot_id, record_id)) WITHOUT ROWID;",
        )
        .expect("tables");
        c.execute_batch(DELTAS).expect("migration 15");
        c
    }

    fn now(c: &Connection) -> Vec<StoredState> {
        let mut st = c
            .prepare("SELECT id, current_version, deleted, retracted FROM records ORDER BY id")
            .expect("prepare");
        let rows = st
            .query_map([], |r| {
                Ok(StoredState {
                    record: r.get(0)?,
                    version: r.get(1)?,
                    state: r.get(2)?,
                    retracted: r.get(3)?,
                })
            })
            .expect("query");
        rows.collect::<Result<_, _>>().expect("rows")
    }

    /// Snapshot `id` as the `snapshot_states` view reads it.
    fn view(c: &Connection, id: i64) -> Vec<StoredState> {
        let mut st = c
            .prepare(
                "SELECT record_id, version, state, retracted FROM snapshot_states
                 WHERE snapshot_id = ?1 ORDER BY record_id",
            )
            .expect("prepare");
        let rows = st
            .query_map([id], |r| {
                Ok(StoredState {
                    record: r.get(0)?,
                    version: r.get(1)?,
                    state: r.get(2)?,
                    retracted: r.get(3)?,
                })
            })
            .expect("query");
        rows.collect::<Result<_, _>>().expect("rows")
    }

    /// Take snapshot `id` as `add_snapshot` does: whole, or as its changes.
    fn take(c: &Connection, id: i64, delta: bool) -> usize {
        let rows = if delta {
            changed_states(c, id - 1).expect("changes")
        } else {
            now(c)
        };
        c.execute(
            "INSERT INTO snapshots(id, delta) VALUES (?1, ?2)",
            params![id, delta],
        )
        .expect("snapshot");
        for s in &rows {
            c.execute(
                "INSERT INTO snapshot_records VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, s.record, s.version, s.state, s.retracted],
            )
            .expect("row");
        }
        rows.len()
    }

    /// Invariant: a snapshot stored as its changes reads back as the store's
    /// states when it was taken, whatever happened to the records in
    /// between (new, revised, deleted, retracted, gone from the store and
    /// back), and stores a row only for a record whose state changed.
    #[test]
    fn a_snapshot_stored_as_changes_reads_back_whole() {
        let c = store();
        c.execute_batch(
            "INSERT INTO records VALUES (1, 1, 0, 0), (2, 1, 0, 0), (3, 1, 0, 0), (5, 1, 0, 0);",
        )
        .expect("records");
        assert_eq!(take(&c, 1, false), 4);
        let mut taken = vec![now(&c)];
        for (sql, rows) in [
            // A revision, a new record, a retraction.
            (
                "UPDATE records SET current_version = 2 WHERE id = 2;
                 INSERT INTO records VALUES (4, 1, 0, 0);
                 UPDATE records SET retracted = 1 WHERE id = 5;",
                3,
            ),
            // Nothing changed.
            ("", 0),
            // Record 1 leaves the store, 3 is deleted by NLM, the last one
            // leaves too.
            (
                "DELETE FROM records WHERE id IN (1, 5); UPDATE records SET deleted = 1 WHERE id = 3;",
                3,
            ),
            // Record 1 comes back; 6 is new, after every earlier one.
            ("INSERT INTO records VALUES (1, 3, 0, 0), (6, 1, 2, 0);", 2),
        ] {
            c.execute_batch(sql).expect("change");
            let id = taken.len() as i64 + 1;
            assert_eq!(take(&c, id, true), rows, "snapshot {id}");
            taken.push(now(&c));
        }
        for (i, want) in taken.iter().enumerate() {
            let id = i as i64 + 1;
            assert_eq!(&states(&c, id).expect("states"), want, "snapshot {id}");
            assert_eq!(&view(&c, id), want, "snapshot {id} through the view");
        }
        // A snapshot stored whole is its own base again.
        assert_eq!(take(&c, 6, false), 5);
        assert_eq!(states(&c, 6).expect("states"), now(&c));
        assert_eq!(view(&c, 6), now(&c));
        assert_eq!(
            &states(&c, 5).expect("states"),
            taken.last().expect("taken")
        );
    }
}
