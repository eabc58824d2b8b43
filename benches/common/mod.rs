//! Helpers shared by the benches: where the shared fixtures are, and the
//! real labelled screening records they read.

#![allow(dead_code, reason = "each bench uses a part of these helpers")]

use std::path::{Path, PathBuf};

/// The read-only shared folder: `LACUNA_SHARED`, else `../shared`.
pub fn shared() -> PathBuf {
    std::env::var_os("LACUNA_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"))
}

/// One labelled screening record.
pub struct Screened {
    /// Title.
    pub title: String,
    /// Abstract (may be empty).
    pub abstract_text: String,
    /// Included in the review.
    pub included: bool,
}

/// Every record of the six screening fixtures, file by file (7,206).
pub fn screening_records() -> Vec<Screened> {
    let dir = shared().join("fixtures/screening");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (set LACUNA_SHARED)", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let mut rdr = csv::Reader::from_path(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for r in rdr.records() {
            let r = r.unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            out.push(Screened {
                title: r.get(1).unwrap_or("").to_string(),
                abstract_text: r.get(2).unwrap_or("").to_string(),
                included: r.get(3) == Some("1"),
            });
        }
    }
    out
}

/// Copy a review folder (its lock file left out), for a run on a fresh copy.
pub fn copy_dir(from: &Path, to: &Path) {
    let fail = |p: &Path, e: std::io::Error| -> ! { panic!("{}: {e}", p.display()) };
    std::fs::create_dir_all(to).unwrap_or_else(|e| fail(to, e));
    for e in std::fs::read_dir(from).unwrap_or_else(|e| fail(from, e)) {
        let e = e.unwrap_or_else(|e| fail(from, e));
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else if e.file_name() != "lacuna.lock" {
            std::fs::copy(&p, &dest).unwrap_or_else(|e| fail(&p, e));
        }
    }
}
