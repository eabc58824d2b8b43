//! The review folder's own files, in one place: where the review keeps its
//! protocol (`DIR/protocol.toml`) and its reports (`DIR/reports/`), loading
//! the protocol a command should use, and keeping a given one for later runs.
//!
//! Not the store (that is `store::Review`) and not the protocol's rules (that
//! is `protocol`): only which file is meant.

use crate::error::Error;
use crate::protocol::{self, Protocol};
use std::path::{Path, PathBuf};

/// The file name of the protocol a review keeps in its folder.
pub const PROTOCOL_FILE: &str = "protocol.toml";

/// Where the review in `dir` keeps its protocol.
pub fn protocol_path(dir: &Path) -> PathBuf {
    dir.join(PROTOCOL_FILE)
}

/// Where the review in `dir` writes its reports by default.
pub fn reports_dir(dir: &Path) -> PathBuf {
    dir.join("reports")
}

/// The protocol to use: `given`, else the review's own; an error that says
/// what to give when there is neither.
pub fn load_protocol(dir: &Path, given: Option<&Path>) -> Result<Protocol, Error> {
    match find_protocol(dir, given)? {
        Some(p) => Ok(p),
        None => Err(Error::NotReady(format!(
            "{} has no protocol yet: give one with --protocol FILE (e.g. protocols/complex-emotional-needs.toml)",
            dir.display()
        ))),
    }
}

/// The protocol, when there is one: `given`, else the review's own if it
/// has one. For commands that also work without (harvest with `--term`,
/// screening without highlights).
pub fn find_protocol(dir: &Path, given: Option<&Path>) -> Result<Option<Protocol>, Error> {
    let path = match given {
        Some(p) => p.to_path_buf(),
        None => {
            let p = protocol_path(dir);
            if !p.is_file() {
                return Ok(None);
            }
            p
        }
    };
    Ok(Some(protocol::load(&path)?))
}

/// Keep `given` as the review's protocol, for later runs (nothing to do when
/// it is that file already).
pub fn keep_protocol(dir: &Path, given: &Path) -> Result<(), Error> {
    let keep = protocol_path(dir);
    if std::fs::canonicalize(given).ok() != std::fs::canonicalize(&keep).ok() {
        std::fs::copy(given, &keep).map_err(|e| Error::Write {
            path: keep.clone(),
            what: "the review's copy of the protocol",
            source: e,
        })?;
    }
    Ok(())
}

/// Write a file people read (a briefing, a map, a plot) whole or not at all:
/// into a temporary file beside it, then renamed over it, so a full disk or
/// a killed process never leaves a cut file where the last good one was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // The rename itself survives a crash once the folder is synced (not
        // every file system lets a folder be opened for that: best effort).
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_replaced_whole_and_a_failed_write_leaves_the_last_good_one() {
        let t = tempfile::tempdir().expect("tempdir");
        let p = t.path().join("briefing.html");
        write_atomic(&p, b"first").expect("write");
        write_atomic(&p, b"second").expect("write");
        assert_eq!(std::fs::read(&p).expect("read"), b"second");
        // A folder where the file should be: the rename fails, nothing is cut
        // and no temporary file is left behind.
        let d = t.path().join("taken");
        std::fs::create_dir(&d).expect("dir");
        std::fs::write(d.join("x"), b"x").expect("x");
        assert!(write_atomic(&d, b"third").is_err());
        assert!(d.is_dir());
        let left: Vec<_> = std::fs::read_dir(t.path())
            .expect("ls")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
