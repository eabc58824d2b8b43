//! The review store of record: a folder with `lacuna.db` (SQLite, WAL mode)
//! and a derived tantivy `index/`.
//!
//! This is the only module that writes SQL. The schema moves only by the
//! numbered [`MIGRATIONS`]; a review made by an older Lacuna opens and is
//! migrated forward. Records are never overwritten: a PMID seen again with
//! different content gets a new row in `record_versions` and the old one is
//! kept. Deletions mark a record, they never remove its rows. Each import runs
//! in one transaction ([`ImportTx`]): dropped without `commit`, it rolls back.

pub mod coding;
pub mod dedup;
pub mod harvest;
pub mod index;
pub mod living;
pub mod log;
pub mod marks;
mod queued;
pub mod reviewers;
pub mod rob;
pub mod tokenize;

use crate::model::{Deletion, Fnv64, Pmid, Record, RecordKey};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::path::{Path, PathBuf};

/// File name of the SQLite store inside a review folder.
pub const DB_FILE: &str = "lacuna.db";
/// Folder name of the tantivy index inside a review folder.
pub const INDEX_DIR: &str = "index";

/// Numbered schema migrations, applied in order; never edit one that shipped.
pub const MIGRATIONS: &[&str] = &[
    // 1: records, versions, sources, deletions.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO meta(key, value) VALUES ('generation', '0');
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,              -- 'file' (later: 'query')
        name TEXT NOT NULL,              -- file path or query text
        format TEXT,
        bytes INTEGER,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        articles INTEGER NOT NULL DEFAULT 0,
        books INTEGER NOT NULL DEFAULT 0,
        deletions INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0,
        new_records INTEGER NOT NULL DEFAULT 0,
        changed_records INTEGER NOT NULL DEFAULT 0,
        unchanged_records INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE records (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,        -- 'pmid:N', 'src:ID' or 'doi:DOI'
        pmid INTEGER UNIQUE,
        doi TEXT,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        year INTEGER,
        journal TEXT,
        has_abstract INTEGER NOT NULL,
        current_version INTEGER NOT NULL,
        content_hash INTEGER NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        first_source INTEGER NOT NULL REFERENCES sources(id),
        updated_at TEXT NOT NULL
    );
    CREATE INDEX records_doi ON records(doi);
    CREATE TABLE record_versions (
        record_id INTEGER NOT NULL REFERENCES records(id),
        version INTEGER NOT NULL,
        source_id INTEGER NOT NULL REFERENCES sources(id),
        content_hash INTEGER NOT NULL,
        json TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        PRIMARY KEY (record_id, version)
    );
    CREATE INDEX record_versions_hash ON record_versions(record_id, content_hash);
    CREATE TABLE record_sources (
        record_id INTEGER NOT NULL REFERENCES records(id),
        source_id INTEGER NOT NULL REFERENCES sources(id),
        PRIMARY KEY (record_id, source_id)
    ) WITHOUT ROWID;
    CREATE TABLE deletions (
        id INTEGER PRIMARY KEY,
        pmid INTEGER NOT NULL,
        pmid_version INTEGER,
        source_id INTEGER NOT NULL REFERENCES sources(id),
        deleted_at TEXT NOT NULL,
        UNIQUE (pmid, source_id)
    );
    "#,
    // 2: decisions, coding runs and edits, study links, effect rows.
    log::MIGRATION,
    // 3: harvests and the PMIDs each planned to fetch.
    harvest::MIGRATION,
    // 4: duplicates across sources.
    dedup::MIGRATION,
    // 5: retracted records, update runs, snapshots.
    living::MIGRATION,
    // 6: the reviewers of a team review (hashed tokens).
    reviewers::MIGRATION,
    // 7: a reviewer's note on a screening decision.
    "ALTER TABLE decisions ADD COLUMN note TEXT;",
    // 8: merges looked up by the duplicate (apply_dedup follows chains of
    // merges for each pair: without it, a scan of the table per pair).
    "CREATE INDEX duplicates_dup ON duplicates(dup_id, status);",
    // 9: the database an imported file was exported from (`--database`),
    // which the PRISMA flow names instead of the file.
    "ALTER TABLE sources ADD COLUMN database TEXT;",
    // 10: risk-of-bias judgements per study (append-only).
    rob::MIGRATION,
    // 11: people's judgements of a cell's GRADE domains (append-only).
    rob::OVERRIDES,
    // 12: each snapshot sealed (SHA-256 of its row and its records, checked
    // when it is read); REPLACE over a snapshot refused. Existing snapshots
    // are sealed as it runs.
    living::SEALS,
    // 13: the files and database an update was given (for the command that
    // finishes it).
    living::UPDATE_ARGS,
    // 14: the team server's logins (hashed session ids).
    reviewers::LOGINS,
    // 15: a snapshot stores the record states that changed since the
    // previous one; the `snapshot_states` view reads any snapshot whole.
    // Existing snapshots hold every state and stay as they are.
    living::DELTAS,
];

const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%SZ','now')";

/// Errors of the store and its index.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The folder holds no review.
    #[error("{}: not a Lacuna review (no {DB_FILE}); create one with `lacuna init {}`", .0.display(), .0.display())]
    NotAReview(PathBuf),
    /// `init` on a folder that already holds a review.
    #[error("{}: already holds a Lacuna review; import into it with `lacuna import {} FILE...`", .0.display(), .0.display())]
    AlreadyAReview(PathBuf),
    /// The review was written by a newer Lacuna.
    #[error(
        "{path}: schema version {found} is newer than this Lacuna knows ({known}); upgrade Lacuna"
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// Its schema version.
        found: usize,
        /// The newest this build knows.
        known: usize,
    },
    /// File-system trouble around the review folder.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A value the store refuses, with what to do.
    #[error("{0}")]
    Invalid(String),
    /// Something a person typed that the review does not keep (a control
    /// character in a note or name, a reason on an inclusion).
    #[error(transparent)]
    Input(#[from] crate::model::input::InputError),
    /// SQLite failed.
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    /// A stored record could not be read back.
    #[error("record {id} in the store is unreadable: {message}")]
    Corrupt {
        /// Row id.
        id: i64,
        /// serde's message.
        message: String,
    },
    /// Another process is writing to the review (an import, a harvest, an
    /// index rebuild) and holds its lock.
    #[error("{}: another lacuna command is writing to this review (an import, a harvest, an update, a snapshot or an index rebuild); run this again when it has finished", .0.display())]
    Busy(PathBuf),
    /// The search index failed.
    #[error("search index: {0}")]
    Index(String),
    /// The disk is full (the index or the store could not be written).
    #[error("the disk holding the review is full ({0}): free some space, then run the command again (nothing stored is lost; the search index is rebuilt from the store)")]
    DiskFull(String),
    /// A snapshot no longer matches the seal stored when it was taken: it
    /// was changed behind Lacuna's back, and is not shown.
    #[error("{}: snapshot {id} has been tampered with: {what}. Lacuna will not show it as the version it was; restore lacuna.db from a backup (Lacuna never changes a snapshot)", db.display())]
    Tampered {
        /// The database file.
        db: PathBuf,
        /// The version.
        id: i64,
        /// What no longer matches.
        what: String,
    },
    /// The search query could not be understood.
    #[error("cannot read the query: {0}. Examples: title:\"dialectical behavior therapy\" AND year:[2015 TO 2024]; mesh:\"borderline personality disorder\" -adolescent")]
    Query(String),
}

/// An open review.
pub struct Review {
    dir: PathBuf,
    conn: Connection,
    /// The review's write lock, once taken ([`Review::lock_for_writing`]).
    lock: std::sync::Mutex<Option<std::fs::File>>,
    /// A stale lock's process id, when this process took it over.
    stale_lock: std::cell::Cell<Option<u32>>,
}

/// The file whose lock marks the one process writing to a review.
pub const LOCK_FILE: &str = "lacuna.lock";

impl Drop for Review {
    fn drop(&mut self) {
        self.unlock();
    }
}

impl std::fmt::Debug for Review {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Review").field("dir", &self.dir).finish()
    }
}

/// What importing one item did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A record not seen before; its row id.
    New(i64),
    /// A known record with new content (a new version); its row id.
    Changed(i64),
    /// A known record, same content as a stored version.
    Unchanged(i64),
    /// A deletion that marked a stored record deleted; its row id.
    Deleted(i64),
    /// A deletion of a PMID this review never held (recorded all the same).
    DeletionUnknown,
}

/// Counts of one import, written to its `sources` row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportCounts {
    /// Records new to the review.
    pub new: u64,
    /// Records with a new version.
    pub changed: u64,
    /// Records already stored as they are.
    pub unchanged: u64,
    /// Deletions that marked a stored record.
    pub deleted: u64,
    /// Deletions of PMIDs not in the review.
    pub deletions_unknown: u64,
}

impl ImportCounts {
    /// Count one outcome.
    pub fn add(&mut self, o: &Outcome) {
        match o {
            Outcome::New(_) => self.new += 1,
            Outcome::Changed(_) => self.changed += 1,
            Outcome::Unchanged(_) => self.unchanged += 1,
            Outcome::Deleted(_) => self.deleted += 1,
            Outcome::DeletionUnknown => self.deletions_unknown += 1,
        }
    }
}

/// Describes where an import comes from.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// 'file' for files.
    pub kind: &'static str,
    /// The file path as given.
    pub name: String,
    /// Size on disk.
    pub bytes: Option<u64>,
    /// The database the file was exported from, when the user named it.
    pub database: Option<String>,
}

/// Summary figures of a review.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Stats {
    /// Records not deleted.
    pub records: u64,
    /// Of which books.
    pub books: u64,
    /// Of which with an abstract.
    pub with_abstract: u64,
    /// Of which with a PMID.
    pub with_pmid: u64,
    /// Of which with a DOI.
    pub with_doi: u64,
    /// Records marked deleted by NLM.
    pub deleted: u64,
    /// Stored versions (all records).
    pub versions: u64,
    /// Records with more than one version.
    pub records_changed: u64,
    /// Imports done.
    pub sources: u64,
    /// Earliest and latest publication year.
    pub year_range: Option<(i64, i64)>,
    /// Records per publication year (year, count), oldest first.
    pub by_year: Vec<(i64, u64)>,
    /// Whether the search index matches the store.
    pub index_current: bool,
    /// Most recent imports: (name, finished_at, new, changed, unchanged).
    pub recent_sources: Vec<SourceRow>,
    /// PRISMA: records identified (every record read from every file and query).
    pub identified: u64,
    /// PRISMA: duplicates removed (records merged into another).
    pub duplicates_removed: u64,
    /// Current records that PubMed marks retracted.
    pub retracted: u64,
    /// Finished runs of `lacuna update`.
    pub updates: u64,
    /// When the latest update finished, and its outcome.
    pub last_update: Option<(String, String)>,
    /// Snapshots (versions) taken.
    pub snapshots: u64,
    /// Decision rows stored, all reviewers together (every decision, undone or superseded ones too).
    pub decisions: u64,
}

/// One row of the sources table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SourceRow {
    /// File or query.
    pub name: String,
    /// Format read.
    pub format: Option<String>,
    /// When it finished.
    pub finished_at: Option<String>,
    /// New records.
    pub new: u64,
    /// Changed records.
    pub changed: u64,
    /// Unchanged records.
    pub unchanged: u64,
    /// Deletions.
    pub deletions: u64,
    /// Records skipped with a warning.
    pub skipped: u64,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A record key as the store writes it: `pmid:N`, `src:ID` or `doi:DOI`.
pub fn key_text(k: &RecordKey) -> String {
    match k {
        RecordKey::Pmid(p) => format!("pmid:{p}"),
        RecordKey::Source(s) => format!("src:{s}"),
        RecordKey::Doi(d) => format!("doi:{d}"),
    }
}

/// Content fingerprint of a record's canonical JSON.
fn fingerprint(json: &str) -> i64 {
    let mut h = Fnv64::new();
    h.write(json.as_bytes());
    // Stored as SQLite INTEGER (signed): reinterpret the bits.
    i64::from_ne_bytes(h.finish().to_ne_bytes())
}

/// SQLite page size of new reviews. Stored records are a few KiB of JSON each:
/// with 4 KiB pages most spill onto overflow pages, and an import of 20,000
/// PubMed records took 1.65 s to store against 1.2 s with 16 KiB pages.
const PAGE_SIZE: i64 = 16 * 1024;
/// SQLite page cache per connection, in KiB (a big import's transaction stays in
/// memory instead of spilling pages to the WAL and reading them back).
const CACHE_KIB: i64 = 64 * 1024;

/// Whether the folder cannot be written (a read-only file system). Writes
/// and removes a probe file: call it only after an ordinary open failed.
pub(crate) fn read_only_dir(dir: &Path) -> bool {
    let probe = dir.join(".lacuna-write-probe");
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            false
        }
        Err(e) => matches!(
            e.kind(),
            std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied
        ),
    }
}

/// Open a review's database that cannot be written: read-only and
/// immutable (SQLite then needs no `-shm` file), its schema as it is. A
/// review closed by Lacuna has every write in the main file.
fn open_read_only(db: &Path) -> Result<Connection, StoreError> {
    use rusqlite::OpenFlags;
    let uri = format!("file:{}?immutable=1", db.display());
    let conn = Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let have: usize = conn
        .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        .map(|v| usize::try_from(v).unwrap_or(0))?;
    if have != MIGRATIONS.len() {
        return Err(StoreError::Io {
            path: db.to_path_buf(),
            source: std::io::Error::other(format!(
                "the review is read-only and its schema (version {have}) is not this Lacuna's ({}); copy it somewhere writable to open it",
                MIGRATIONS.len()
            )),
        });
    }
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    // Takes effect only on a database with no tables yet (a new review).
    conn.pragma_update(None, "page_size", PAGE_SIZE)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(())
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let have: usize = conn
        .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        .map(|v| usize::try_from(v).unwrap_or(0))?;
    if have > MIGRATIONS.len() {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: have,
            known: MIGRATIONS.len(),
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(have) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        if *sql == living::SEALS {
            living::seal_existing(&tx)?;
        }
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

impl Review {
    /// Create a new review in `dir` (created if missing).
    pub fn init(dir: &Path) -> Result<Review, StoreError> {
        let db = dir.join(DB_FILE);
        if db.exists() {
            return Err(StoreError::AlreadyAReview(dir.to_path_buf()));
        }
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        let mut conn = Connection::open(&db)?;
        configure(&conn)?;
        migrate(&mut conn, &db)?;
        Ok(Review {
            dir: dir.to_path_buf(),
            conn,
            lock: std::sync::Mutex::new(None),
            stale_lock: std::cell::Cell::new(None),
        })
    }

    /// Open an existing review, migrating its schema forward if needed. A
    /// review on a read-only file system (a shared drive, a CD, an archive)
    /// opens read-only: everything that only reads works, and a write says
    /// the database is read-only.
    pub fn open(dir: &Path) -> Result<Review, StoreError> {
        let db = dir.join(DB_FILE);
        if !db.is_file() {
            return Err(StoreError::NotAReview(dir.to_path_buf()));
        }
        let opened = Connection::open(&db)
            .map_err(StoreError::from)
            .and_then(|mut c| {
                configure(&c)?;
                migrate(&mut c, &db)?;
                Ok(c)
            });
        let conn = match opened {
            Ok(c) => c,
            Err(_) if read_only_dir(dir) => open_read_only(&db)?,
            Err(e) => return Err(e),
        };
        Ok(Review {
            dir: dir.to_path_buf(),
            conn,
            lock: std::sync::Mutex::new(None),
            stale_lock: std::cell::Cell::new(None),
        })
    }

    /// The review folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Take the review's write lock, held until the review is dropped (or
    /// the process ends, however it ends: the operating system releases
    /// it, so a killed process leaves no stale lock). Only one process
    /// writes records and the index at a time; a second gets
    /// [`StoreError::Busy`] at once. Taking it again in the same process is
    /// a no-op. Decisions and codings do not need it (SQLite orders them).
    pub fn lock_for_writing(&self) -> Result<(), StoreError> {
        // A panic elsewhere while holding the mutex leaves the file as it was.
        let mut held = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if held.is_some() {
            return Ok(());
        }
        let path = self.dir.join(LOCK_FILE);
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_err(&path))?;
        match f.try_lock() {
            Ok(()) => {
                // The file names the process holding the lock. One left by
                // a process that died (killed, crashed) is a stale lock: the
                // operating system released it with the process, and it is
                // simply taken over.
                let before = std::fs::read_to_string(&path).unwrap_or_default();
                let mut f = f;
                let _ = f.set_len(0);
                let _ =
                    std::io::Write::write_all(&mut f, std::process::id().to_string().as_bytes());
                if let Ok(pid) = before.trim().parse::<u32>() {
                    if pid != std::process::id() {
                        self.stale_lock.set(Some(pid));
                    }
                }
                *held = Some(f);
                Ok(())
            }
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Busy(self.dir.clone())),
            Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Io { path, source: e }),
        }
    }

    /// The process id a stale write lock named when this process took it
    /// over (the process was killed or crashed while writing).
    pub fn stale_lock(&self) -> Option<u32> {
        self.stale_lock.get()
    }

    /// Give the write lock back (the process ending does it too). The lock
    /// file is emptied first, so the next writer finds no stale lock.
    pub fn unlock(&self) {
        let mut held = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(f) = held.take() {
            let _ = f.set_len(0);
            let _ = f.unlock();
        }
    }

    /// Path of the derived index.
    pub fn index_dir(&self) -> PathBuf {
        self.dir.join(INDEX_DIR)
    }

    /// Schema version of the open store.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// The store's generation: bumped by every import that changed something.
    pub fn generation(&self) -> Result<u64, StoreError> {
        let g: String =
            self.conn
                .query_row("SELECT value FROM meta WHERE key='generation'", [], |r| {
                    r.get(0)
                })?;
        Ok(g.parse().unwrap_or(0))
    }

    /// A number that changes whenever another connection (another
    /// process: an import, an update, a dedup, a decision) commits to the
    /// store, and only then (SQLite's `PRAGMA data_version`). Reading it
    /// touches no table: a follower asks it at every call.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// Run `f` over one consistent view of the store (a read transaction):
    /// what other processes commit meanwhile is not seen. `f` only reads.
    pub fn consistent<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Review) -> Result<T, E>,
    ) -> Result<T, E> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(StoreError::from)?;
        let out = f(self);
        // nothing was written: ending the read is all a commit does here
        let _ = tx.commit();
        out
    }

    /// Start importing one source; everything is one transaction.
    pub fn begin_import(&mut self, src: &SourceInfo) -> Result<ImportTx<'_>, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            &format!(
                "INSERT INTO sources(kind, name, bytes, database, started_at) VALUES (?1, ?2, ?3, ?4, {NOW})"
            ),
            params![src.kind, src.name, src.bytes.map(|b| b as i64), src.database],
        )?;
        let source_id = tx.last_insert_rowid();
        Ok(ImportTx {
            tx,
            source_id,
            counts: ImportCounts::default(),
            json: String::new(),
        })
    }

    /// Current record by PMID (deleted or not), with its stored version number.
    pub fn record_by_pmid(&self, pmid: Pmid) -> Result<Option<StoredRecord>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT r.id, r.current_version, r.deleted, v.json FROM records r
                 JOIN record_versions v ON v.record_id = r.id AND v.version = r.current_version
                 WHERE r.pmid = ?1",
                [pmid.get() as i64],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, bool>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(id, version, deleted, json)| {
            let record = serde_json::from_str(&json).map_err(|e| StoreError::Corrupt {
                id,
                message: e.to_string(),
            })?;
            Ok(StoredRecord {
                id,
                version,
                deleted,
                record,
            })
        })
        .transpose()
    }

    /// Every stored version of a PMID, oldest first.
    pub fn versions_of(&self, pmid: Pmid) -> Result<Vec<Record>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT v.record_id, v.json FROM record_versions v JOIN records r ON r.id = v.record_id
             WHERE r.pmid = ?1 ORDER BY v.version",
        )?;
        let rows = st.query_map([pmid.get() as i64], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, json) = row?;
            out.push(
                serde_json::from_str(&json).map_err(|e| StoreError::Corrupt {
                    id,
                    message: e.to_string(),
                })?,
            );
        }
        Ok(out)
    }

    /// Visit every current, non-deleted record (for rebuilding the index).
    pub fn for_each_current(
        &self,
        f: impl FnMut(i64, Record) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        self.for_each_current_as(f)
    }

    /// As [`Review::for_each_current`], each record read as `T`: a part of
    /// a record (only the fields it names are kept; the rest are skipped).
    pub fn for_each_current_as<T: serde::de::DeserializeOwned>(
        &self,
        mut f: impl FnMut(i64, T) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT r.id, v.json FROM records r
             JOIN record_versions v ON v.record_id = r.id AND v.version = r.current_version
             WHERE r.deleted = 0 ORDER BY r.id",
        )?;
        let mut rows = st.query([])?;
        let mut n = 0;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let json = row.get_ref(1)?.as_str().map_err(|e| StoreError::Corrupt {
                id,
                message: e.to_string(),
            })?;
            let rec = serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
                id,
                message: e.to_string(),
            })?;
            f(id, rec)?;
            n += 1;
        }
        Ok(n)
    }

    /// The store ids of the current records (in id order) and a number
    /// that changes when any of them changes (a new version, a record
    /// added, deleted or merged): what a derived cache of the records is
    /// keyed by.
    pub fn current_fingerprint(&self) -> Result<(Vec<i64>, u64), StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, content_hash, current_version FROM records WHERE deleted = 0 ORDER BY id",
        )?;
        let mut rows = st.query([])?;
        let mut ids = Vec::new();
        let mut h = Fnv64::new();
        while let Some(row) = rows.next()? {
            let (id, hash, version): (i64, i64, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
            ids.push(id);
            h.write(&id.to_le_bytes());
            h.write(&hash.to_le_bytes());
            h.write(&version.to_le_bytes());
        }
        Ok((ids, h.finish()))
    }

    /// The current version of the record with this store id (`None` when
    /// there is none, or it was deleted): what a screening session shows,
    /// read when it is shown instead of held for every record.
    pub fn current_record(&self, id: i64) -> Result<Option<Record>, StoreError> {
        let json: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT v.json FROM records r
                 JOIN record_versions v ON v.record_id = r.id AND v.version = r.current_version
                 WHERE r.id = ?1 AND r.deleted = 0",
            )?
            .query_row([id], |r| r.get(0))
            .optional()?;
        json.map(|j| {
            serde_json::from_str(&j).map_err(|e| StoreError::Corrupt {
                id,
                message: e.to_string(),
            })
        })
        .transpose()
    }

    /// The key (`pmid:N`, `src:ID`, `doi:DOI`) of the record with this store id.
    pub fn key_of(&self, id: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT key FROM records WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?)
    }

    /// Number of current, non-deleted records.
    pub fn count_current(&self) -> Result<u64, StoreError> {
        let n: i64 =
            self.conn
                .query_row("SELECT count(*) FROM records WHERE deleted = 0", [], |r| {
                    r.get(0)
                })?;
        Ok(n.max(0) as u64)
    }

    /// Summary figures.
    pub fn stats(&self) -> Result<Stats, StoreError> {
        let c = &self.conn;
        let q = |sql: &str| -> Result<u64, StoreError> {
            let n: i64 = c.query_row(sql, [], |r| r.get(0))?;
            Ok(n.max(0) as u64)
        };
        let mut s = Stats {
            records: q("SELECT count(*) FROM records WHERE deleted=0")?,
            books: q("SELECT count(*) FROM records WHERE deleted=0 AND kind='book'")?,
            with_abstract: q("SELECT count(*) FROM records WHERE deleted=0 AND has_abstract=1")?,
            with_pmid: q("SELECT count(*) FROM records WHERE deleted=0 AND pmid IS NOT NULL")?,
            with_doi: q("SELECT count(*) FROM records WHERE deleted=0 AND doi IS NOT NULL")?,
            deleted: q("SELECT count(*) FROM records WHERE deleted=1")?,
            versions: q("SELECT count(*) FROM record_versions")?,
            records_changed: q("SELECT count(*) FROM records WHERE current_version > 1")?,
            sources: q("SELECT count(*) FROM sources WHERE finished_at IS NOT NULL")?,
            decisions: q("SELECT count(*) FROM decisions")?,
            ..Stats::default()
        };
        let mut st = c.prepare(
            "SELECT year, count(*) FROM records WHERE deleted=0 AND year IS NOT NULL
             GROUP BY year ORDER BY year",
        )?;
        let rows = st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (y, n) = row?;
            s.by_year.push((y, n.max(0) as u64));
        }
        s.year_range = match (s.by_year.first(), s.by_year.last()) {
            (Some(a), Some(b)) => Some((a.0, b.0)),
            _ => None,
        };
        let mut st = c.prepare(
            "SELECT name, format, finished_at, new_records, changed_records, unchanged_records,
                    deletions, skipped
             FROM sources WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 10",
        )?;
        let rows = st.query_map([], |r| {
            Ok(SourceRow {
                name: r.get(0)?,
                format: r.get(1)?,
                finished_at: r.get(2)?,
                new: r.get::<_, i64>(3)?.max(0) as u64,
                changed: r.get::<_, i64>(4)?.max(0) as u64,
                unchanged: r.get::<_, i64>(5)?.max(0) as u64,
                deletions: r.get::<_, i64>(6)?.max(0) as u64,
                skipped: r.get::<_, i64>(7)?.max(0) as u64,
            })
        })?;
        for row in rows {
            s.recent_sources.push(row?);
        }
        s.index_current = index::is_current(self)?;
        s.identified = q(
            "SELECT coalesce(sum(articles + books), 0) FROM sources WHERE finished_at IS NOT NULL",
        )?;
        s.duplicates_removed = self.duplicates_removed()?;
        s.retracted = q("SELECT count(*) FROM records WHERE deleted=0 AND retracted=1")?;
        s.updates = q("SELECT count(*) FROM updates WHERE finished_at IS NOT NULL")?;
        s.last_update = self
            .last_update()?
            .and_then(|u| u.finished_at.zip(u.outcome));
        s.snapshots = q("SELECT count(*) FROM snapshots")?;
        Ok(s)
    }
}

/// A record as stored, with its row id and version.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    /// Row id in `records`.
    pub id: i64,
    /// Current version number (1 = first seen).
    pub version: i64,
    /// Marked deleted by a DeleteCitation.
    pub deleted: bool,
    /// The current content.
    pub record: Record,
}

/// One import in progress: a single SQLite transaction.
pub struct ImportTx<'a> {
    tx: Transaction<'a>,
    source_id: i64,
    counts: ImportCounts,
    json: String,
}

impl ImportTx<'_> {
    /// The `sources` row of this import.
    pub fn source_id(&self) -> i64 {
        self.source_id
    }

    /// Counts so far.
    pub fn counts(&self) -> ImportCounts {
        self.counts
    }

    /// Store one record: new, a new version, or unchanged.
    pub fn add_record(&mut self, rec: &Record) -> Result<Outcome, StoreError> {
        let key = key_text(&rec.key());
        // Serialising a Record (strings, numbers, vectors) cannot fail. The
        // buffer is sized first, and the last record's JSON let go first: a
        // record near the parse limits would otherwise hold two or three
        // times its JSON.
        self.json = String::new();
        let mut json = Vec::with_capacity(rec.approx_bytes());
        self.json = match serde_json::to_writer(&mut json, rec) {
            Ok(()) => String::from_utf8(json).unwrap_or_default(),
            Err(_) => String::new(),
        };
        let hash = fingerprint(&self.json);
        let existing = self
            .tx
            .prepare_cached(
                "SELECT id, content_hash, current_version, deleted FROM records WHERE key = ?1",
            )?
            .query_row([&key], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .optional()?;
        // deleted: 0 current, 1 deleted by PubMed, 2 merged into another record
        // (a merged record stays merged whatever is imported again).
        let pmid = rec.pmid.map(|p| p.get() as i64);
        let doi = rec.doi.as_ref().map(|d| d.as_str());
        let has_abs = rec.abstract_text.is_some();
        let retracted = rec.retracted();
        let outcome = match existing {
            None => {
                self.tx
                    .prepare_cached(&format!(
                        "INSERT INTO records(key, pmid, doi, kind, title, year, journal, has_abstract,
                           current_version, content_hash, first_source, retracted, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9, ?10, ?11, {NOW})"
                    ))?
                    .execute(params![
                        key,
                        pmid,
                        doi,
                        rec.kind.as_str(),
                        rec.title,
                        rec.year,
                        rec.journal,
                        has_abs,
                        hash,
                        self.source_id,
                        retracted
                    ])?;
                let id = self.tx.last_insert_rowid();
                self.insert_version(id, 1, hash)?;
                Outcome::New(id)
            }
            // A record from an export (RIS, MEDLINE text, CSV) never replaces one
            // already held; its source is linked to it.
            Some((id, _, _, _)) if rec.from_export => Outcome::Unchanged(id),
            Some((id, cur_hash, _, deleted)) if cur_hash == hash => {
                if deleted == 1 {
                    self.tx
                        .prepare_cached("UPDATE records SET deleted = 0 WHERE id = ?1")?
                        .execute([id])?;
                    Outcome::Changed(id)
                } else {
                    Outcome::Unchanged(id)
                }
            }
            Some((id, _, cur_version, deleted)) => {
                let seen: Option<i64> = self
                    .tx
                    .prepare_cached(
                        "SELECT version FROM record_versions WHERE record_id = ?1 AND content_hash = ?2",
                    )?
                    .query_row(params![id, hash], |r| r.get(0))
                    .optional()?;
                if seen.is_some() && deleted != 1 {
                    // Same content as an older version (an older file re-imported): keep current.
                    Outcome::Unchanged(id)
                } else {
                    let version = cur_version + 1;
                    self.insert_version(id, version, hash)?;
                    self.tx
                        .prepare_cached(&format!(
                            "UPDATE records SET pmid=?2, doi=?3, kind=?4, title=?5, year=?6, journal=?7,
                               has_abstract=?8, current_version=?9, content_hash=?10, retracted=?11,
                               deleted=CASE WHEN deleted = 2 THEN 2 ELSE 0 END,
                               updated_at={NOW} WHERE id=?1"
                        ))?
                        .execute(params![
                            id,
                            pmid,
                            doi,
                            rec.kind.as_str(),
                            rec.title,
                            rec.year,
                            rec.journal,
                            has_abs,
                            version,
                            hash,
                            retracted
                        ])?;
                    Outcome::Changed(id)
                }
            }
        };
        let id = match outcome {
            Outcome::New(id) | Outcome::Changed(id) | Outcome::Unchanged(id) => id,
            _ => 0,
        };
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO record_sources(record_id, source_id) VALUES (?1, ?2)",
            )?
            .execute(params![id, self.source_id])?;
        self.counts.add(&outcome);
        if self.json.capacity() > 1 << 20 {
            self.json = String::new();
        }
        Ok(outcome)
    }

    fn insert_version(&mut self, id: i64, version: i64, hash: i64) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(&format!(
                "INSERT INTO record_versions(record_id, version, source_id, content_hash, json, imported_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, {NOW})"
            ))?
            .execute(params![id, version, self.source_id, hash, self.json])?;
        Ok(())
    }

    /// Record a deletion notice; marks the record deleted if the review holds it.
    pub fn add_deletion(&mut self, d: &Deletion) -> Result<Outcome, StoreError> {
        let pmid = d.pmid.get() as i64;
        self.tx
            .prepare_cached(&format!(
                "INSERT OR IGNORE INTO deletions(pmid, pmid_version, source_id, deleted_at)
                 VALUES (?1, ?2, ?3, {NOW})"
            ))?
            .execute(params![pmid, d.pmid_version, self.source_id])?;
        let id: Option<(i64, bool)> = self
            .tx
            .prepare_cached("SELECT id, deleted FROM records WHERE pmid = ?1")?
            .query_row([pmid], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let outcome = match id {
            Some((id, false)) => {
                self.tx
                    .prepare_cached(&format!(
                        "UPDATE records SET deleted = 1, updated_at = {NOW} WHERE id = ?1"
                    ))?
                    .execute([id])?;
                Outcome::Deleted(id)
            }
            Some((_, true)) | None => Outcome::DeletionUnknown,
        };
        self.counts.add(&outcome);
        Ok(outcome)
    }

    /// Finish: write the source's counts, bump the generation if anything
    /// changed, and commit. Returns the new generation.
    pub fn commit(
        self,
        format: Option<&str>,
        parsed: &crate::parse::Counts,
    ) -> Result<u64, StoreError> {
        let c = self.counts;
        self.tx.execute(
            &format!(
                "UPDATE sources SET format=?2, finished_at={NOW}, articles=?3, books=?4, deletions=?5,
                   skipped=?6, new_records=?7, changed_records=?8, unchanged_records=?9 WHERE id=?1"
            ),
            params![
                self.source_id,
                format,
                parsed.articles as i64,
                parsed.books as i64,
                parsed.deletions as i64,
                parsed.skipped as i64,
                c.new as i64,
                c.changed as i64,
                c.unchanged as i64
            ],
        )?;
        if c.new + c.changed + c.deleted > 0 {
            self.tx.execute(
                "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key='generation'",
                [],
            )?;
        }
        let g: String =
            self.tx
                .query_row("SELECT value FROM meta WHERE key='generation'", [], |r| {
                    r.get(0)
                })?;
        self.tx.commit()?;
        Ok(g.parse().unwrap_or(0))
    }
}
