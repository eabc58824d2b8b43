//! What a review's store holds, table by table, as marks that can be kept
//! and compared later: each table's row count and a digest of its rows (the
//! order of the rows does not count). `lacuna demo` keeps the marks of the
//! review it made, to recognise later a demo folder nobody has worked in.
//!
//! Reads only: the database is opened with writes refused and never
//! migrated, so a folder that is refused is left as it was.

use super::{StoreError, DB_FILE};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The store's bookkeeping (its generation and the duplicate check's
/// progress), which only follows the other tables: left out of the marks.
const BOOKKEEPING: &[&str] = &["meta"];

/// One table's mark.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TableMark {
    /// The table.
    pub table: String,
    /// Its rows.
    pub rows: u64,
    /// Hex SHA-256 over the sorted SHA-256 of each row (every column, with
    /// its type), so any added, removed or changed row changes it.
    pub digest: String,
}

impl TableMark {
    /// The mark of a table with no rows.
    pub fn empty(table: &str) -> TableMark {
        TableMark {
            table: table.to_string(),
            rows: 0,
            digest: super::reviewers::hex(&Sha256::digest([])),
        }
    }
}

/// The marks of every table of the review in `dir` (its bookkeeping left
/// out), by table name. The database is only read.
pub fn marks(dir: &Path) -> Result<Vec<TableMark>, StoreError> {
    let db = dir.join(DB_FILE);
    if !db.is_file() {
        return Err(StoreError::NotAReview(dir.to_path_buf()));
    }
    // Opened as any reading command opens it (a read-only connection would
    // leave empty `-wal` and `-shm` files behind), but refusing writes.
    let conn = Connection::open_with_flags(
        &db,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.pragma_update(None, "query_only", true)?;
    let mut tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    tables.retain(|t| !BOOKKEEPING.contains(&t.as_str()));
    tables.sort();
    tables.iter().map(|t| mark(&conn, t)).collect()
}

/// One table's mark.
fn mark(conn: &Connection, table: &str) -> Result<TableMark, StoreError> {
    let sql = format!("SELECT * FROM \"{}\"", table.replace('"', "\"\""));
    let mut stmt = conn.prepare(&sql)?;
    let columns = stmt.column_count();
    let mut rows = stmt.query([])?;
    let mut digests: Vec<[u8; 32]> = Vec::new();
    while let Some(row) = rows.next()? {
        let mut h = Sha256::new();
        for i in 0..columns {
            let (tag, bytes): (u8, std::borrow::Cow<'_, [u8]>) = match row.get_ref(i)? {
                ValueRef::Null => (0, (&[][..]).into()),
                ValueRef::Integer(v) => (1, v.to_le_bytes().to_vec().into()),
                ValueRef::Real(v) => (2, v.to_le_bytes().to_vec().into()),
                ValueRef::Text(t) => (3, t.into()),
                ValueRef::Blob(b) => (4, b.into()),
            };
            h.update([tag]);
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(&bytes);
        }
        digests.push(h.finalize().into());
    }
    digests.sort_unstable();
    let mut all = Sha256::new();
    for d in &digests {
        all.update(d);
    }
    Ok(TableMark {
        table: table.to_string(),
        rows: digests.len() as u64,
        digest: super::reviewers::hex(&all.finalize()),
    })
}
