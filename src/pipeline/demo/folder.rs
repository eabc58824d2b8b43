//! The demo's folder: what an earlier demo wrote there, and whether the
//! folder holds anything else, which a new demo would delete.
//!
//! The demo ends by writing a manifest, [`MANIFEST`]: every file it wrote
//! with its SHA-256, and the store's marks (each table's rows and their
//! digest, [`crate::store::marks`]). A later demo replaces the folder only
//! when it still holds nothing but that: no reviewer, decision, import,
//! version or any other row beyond the demo's, no file beyond the demo's and
//! none changed. The search index and the store's lock are derived and not
//! compared. Anything else is refused, naming what would be lost, unless
//! the caller forces it; a folder that is not a review at all is never
//! replaced. Not the demo itself (`mod.rs`).

use crate::error::Error;
use crate::store::marks::{self, TableMark};
use crate::store::{StoreError, DB_FILE, INDEX_DIR, LOCK_FILE};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The manifest's file name, in the review folder.
pub const MANIFEST: &str = "lacuna-demo.json";

/// How many things a refusal names before it says how many more there are.
const NAMED: usize = 12;

/// How a table's new rows are named, in the order a refusal names them,
/// and the table they follow (its rows
/// come with that table's: named only when that table did not change).
const NOUNS: &[(&str, &str, &str, Option<&str>)] = &[
    ("reviewers", "reviewer", "reviewers", None),
    ("decisions", "decision", "decisions", None),
    ("sources", "import", "imports", None),
    ("records", "record", "records", Some("sources")),
    (
        "record_versions",
        "record version",
        "record versions",
        Some("records"),
    ),
    (
        "record_sources",
        "record's source",
        "records' sources",
        Some("records"),
    ),
    ("deletions", "deletion", "deletions", Some("sources")),
    ("coding_runs", "coding run", "coding runs", None),
    (
        "auto_codes",
        "automatic coding",
        "automatic codings",
        Some("coding_runs"),
    ),
    ("code_edits", "code edit", "code edits", None),
    ("study_links", "study link", "study links", None),
    ("effect_imports", "effect sheet", "effect sheets", None),
    (
        "effects",
        "effect row",
        "effect rows",
        Some("effect_imports"),
    ),
    ("harvests", "harvest", "harvests", None),
    (
        "harvest_pmids",
        "harvested PMID",
        "harvested PMIDs",
        Some("harvests"),
    ),
    ("duplicates", "duplicate pair", "duplicate pairs", None),
    ("updates", "update", "updates", None),
    ("snapshots", "version", "versions", None),
    (
        "snapshot_records",
        "version's record",
        "versions' records",
        Some("snapshots"),
    ),
    (
        "rob_imports",
        "risk-of-bias sheet",
        "risk-of-bias sheets",
        None,
    ),
    (
        "rob_judgements",
        "risk-of-bias judgement",
        "risk-of-bias judgements",
        Some("rob_imports"),
    ),
    (
        "certainty_overrides",
        "certainty judgement",
        "certainty judgements",
        None,
    ),
];

/// What the demo wrote into its folder.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Manifest {
    /// The manifest's own version.
    schema_version: u32,
    /// Each file, by its path in the folder (`/` between parts), and its
    /// hex SHA-256.
    files: BTreeMap<String, String>,
    /// The store's marks as the demo left them.
    store: Vec<TableMark>,
}

/// Write the manifest of the demo just made in `out` (its store closed).
pub(super) fn record(out: &Path) -> Result<(), Error> {
    let mut files = BTreeMap::new();
    for (rel, path) in list(out)? {
        files.insert(rel, digest(&path)?);
    }
    let m = Manifest {
        schema_version: 1,
        files,
        store: marks::marks(out)?,
    };
    let path = out.join(MANIFEST);
    let json = serde_json::to_vec_pretty(&m).map_err(|e| Error::Write {
        path: path.clone(),
        what: "the demo's manifest",
        source: std::io::Error::other(e),
    })?;
    super::super::folder::write_atomic(&path, &json).map_err(|e| Error::Write {
        path,
        what: "the demo's manifest",
        source: e,
    })
}

/// Make `out` ready for a new demo: nothing to do when it is missing or
/// empty; removed when it holds only what an earlier demo wrote, or when
/// `force` and it holds a review. Anything else is refused, naming what
/// would be lost, and nothing is changed.
pub(super) fn clear(out: &Path, force: bool) -> Result<(), Error> {
    let meta = match std::fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(read_err(out)(e)),
    };
    if !meta.is_dir() {
        return Err(occupied(
            out,
            "is not a folder; nothing was changed. Give a new folder with --out DIR".into(),
        ));
    }
    let empty = std::fs::read_dir(out)
        .map_err(read_err(out))?
        .next()
        .is_none();
    if empty {
        return Ok(());
    }
    let manifest = std::fs::read(out.join(MANIFEST))
        .ok()
        .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok());
    let review = out.join(DB_FILE).is_file();
    let lost = beyond_demo(out, manifest.as_ref(), review)?;
    if manifest.is_none() && !review {
        return Err(occupied(
            out,
            format!(
                "is not a Lacuna review and holds files of its own ({}); nothing was changed. Give a new folder with --out DIR (--force replaces only a review's folder)",
                named(&lost)
            ),
        ));
    }
    if !lost.is_empty() && !force {
        let whose = if manifest.is_some() {
            "holds work the demo did not do"
        } else {
            "holds a Lacuna review that no demo of this Lacuna made"
        };
        return Err(occupied(
            out,
            format!(
                "{whose}: {}. A new demo would delete all of it; nothing was changed. Give another folder with --out DIR, or add --force to replace it all the same",
                named(&lost)
            ),
        ));
    }
    std::fs::remove_dir_all(out).map_err(|e| Error::Write {
        path: out.to_path_buf(),
        what: "the earlier demo review (removing it)",
        source: e,
    })
}

/// What the folder holds beyond the manifest (everything, without one), as
/// a reader names it: "4 reviewers", "27 decisions", "my-notes.txt",
/// "protocol.toml (changed)".
fn beyond_demo(
    out: &Path,
    manifest: Option<&Manifest>,
    review: bool,
) -> Result<Vec<String>, Error> {
    let mut lost = Vec::new();
    if review {
        match marks::marks(out) {
            Ok(now) => lost.extend(store_changes(&now, manifest.map_or(&[], |m| &m.store))),
            Err(e) => lost.push(format!("a review store that cannot be read ({e})")),
        }
    }
    for (rel, path) in list(out)? {
        match manifest.and_then(|m| m.files.get(&rel)) {
            None => lost.push(rel),
            Some(d) if *d != digest(&path)? => lost.push(format!("{rel} (changed)")),
            Some(_) => {}
        }
    }
    Ok(lost)
}

/// The rows of `now` beyond those of `then`, named by table ("27
/// decisions"; "changes to the decisions" when rows changed but none was
/// added), rows that follow another table's left to it.
fn store_changes(now: &[TableMark], then: &[TableMark]) -> Vec<String> {
    let mut changed: Vec<(&TableMark, TableMark)> = now
        .iter()
        .filter_map(|m| {
            let before = then
                .iter()
                .find(|t| t.table == m.table)
                .cloned()
                .unwrap_or_else(|| TableMark::empty(&m.table));
            (before.digest != m.digest).then_some((m, before))
        })
        .collect();
    // in the order of NOUNS (people's work first), tables it does not name last
    changed.sort_by_key(|(m, _)| {
        NOUNS
            .iter()
            .position(|(t, ..)| *t == m.table)
            .unwrap_or(NOUNS.len())
    });
    let tables: BTreeSet<&str> = changed.iter().map(|(m, _)| m.table.as_str()).collect();
    let mut out = Vec::new();
    for (m, before) in &changed {
        let (one, many, follows) = NOUNS
            .iter()
            .find(|(t, ..)| *t == m.table)
            .map(|(_, one, many, follows)| ((*one).to_string(), (*many).to_string(), *follows))
            .unwrap_or_else(|| {
                (
                    format!("row of {}", m.table),
                    format!("rows of {}", m.table),
                    None,
                )
            });
        if follows.is_some_and(|f| tables.contains(f)) {
            continue;
        }
        out.push(match m.rows.checked_sub(before.rows) {
            Some(1) => format!("1 {one}"),
            Some(n) if n > 0 => format!("{n} {many}"),
            _ => format!("changes to the {many}"),
        });
    }
    out
}

/// The folder's files, by path in the folder (`/` between parts), without
/// the store's own (the database and its journals, the lock, the derived
/// search index and ranking cache) and the manifest. Symbolic links are listed, never
/// followed.
fn list(dir: &Path) -> Result<BTreeMap<String, PathBuf>, Error> {
    let own = [
        DB_FILE.to_string(),
        format!("{DB_FILE}-wal"),
        format!("{DB_FILE}-shm"),
        format!("{DB_FILE}-journal"),
        LOCK_FILE.to_string(),
        MANIFEST.to_string(),
    ];
    let mut out = BTreeMap::new();
    let mut todo = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, prefix)) = todo.pop() {
        for e in std::fs::read_dir(&d).map_err(read_err(&d))? {
            let e = e.map_err(read_err(&d))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let kind = e.file_type().map_err(read_err(&e.path()))?;
            if kind.is_dir() {
                if rel != INDEX_DIR && rel != crate::pipeline::session::CACHE_DIR {
                    todo.push((e.path(), rel));
                }
            } else if !own.contains(&rel) {
                out.insert(rel, e.path());
            }
        }
    }
    Ok(out)
}

/// Hex SHA-256 of a file's bytes (of a symbolic link's target path, for a
/// link).
fn digest(path: &Path) -> Result<String, Error> {
    let mut h = Sha256::new();
    let meta = std::fs::symlink_metadata(path).map_err(read_err(path))?;
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(path).map_err(read_err(path))?;
        h.update(b"link:");
        h.update(target.to_string_lossy().as_bytes());
    } else {
        let mut f = std::fs::File::open(path).map_err(read_err(path))?;
        std::io::copy(&mut f, &mut h).map_err(read_err(path))?;
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The first things lost, and how many more.
fn named(lost: &[String]) -> String {
    let mut s = lost
        .iter()
        .take(NAMED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if lost.len() > NAMED {
        s.push_str(&format!(" and {} more", lost.len() - NAMED));
    }
    s
}

fn occupied(out: &Path, message: String) -> Error {
    Error::Occupied {
        path: out.to_path_buf(),
        message,
    }
}

fn read_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| {
        Error::Store(StoreError::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}
