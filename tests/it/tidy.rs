//! Codebase rules checked as tests: every Rust file opens with a `//!` doc
//! comment saying what it is (STYLE.md habit 2), and ARCHITECTURE.md's
//! invariants on dependencies hold: which `crate::` modules each module may
//! import, where each outside crate may appear, and that the command line
//! (`src/cli/`) holds no SQL, no index and no ranking or statistics routine.
//! Each rule names the file and line that breaks it.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_file_opens_with_module_docs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for d in ["src", "tests", "benches"] {
        rust_files(&root.join(d), &mut files);
    }
    assert!(files.len() > 10, "found only {} files", files.len());
    let missing: Vec<_> = files
        .iter()
        .filter(|p| {
            !std::fs::read_to_string(p)
                .expect("read")
                .trim_start()
                .starts_with("//!")
        })
        .collect();
    assert!(
        missing.is_empty(),
        "files without a //! header: {missing:?}"
    );
}

/// Which `crate::` modules each top-level module may import, besides itself
/// and the nouns every module may use (`model`, `error`, `progress`). The
/// binary (`cli`, `main`) reaches the library as `lacuna::`.
const MAY_IMPORT: &[(&str, &[&str])] = &[
    ("model", &[]),
    (
        "error",
        &["parse", "store", "protocol", "extract", "harvest", "meta"],
    ),
    ("progress", &[]),
    ("protocol", &["meta"]),
    ("parse", &[]),
    ("harvest", &["parse"]),
    ("store", &["parse"]),
    ("screen", &[]),
    ("code", &["protocol"]),
    ("gapmap", &["protocol"]),
    ("extract", &[]),
    ("meta", &[]),
    ("certainty", &[]),
    ("living", &["gapmap", "protocol", "certainty"]),
    ("web", &["pipeline", "protocol", "store", "screen"]),
    (
        "report",
        &[
            "meta",
            "gapmap",
            "screen",
            "living",
            "protocol",
            "certainty",
        ],
    ),
    (
        "pipeline",
        &[
            "parse",
            "harvest",
            "store",
            "screen",
            "code",
            "gapmap",
            "extract",
            "meta",
            "report",
            "protocol",
            "living",
            "certainty",
        ],
    ),
    (
        "cli",
        &[
            "pipeline", "protocol", "store", "screen", "meta", "gapmap", "extract", "harvest",
            "living", "web",
        ],
    ),
];

/// Where each outside crate may appear (path prefixes under the repository).
const CRATES_ONLY_IN: &[(&str, &[&str])] = &[
    ("clap", &["src/cli/", "src/main.rs"]),
    ("anyhow", &["src/cli/", "src/main.rs"]),
    ("indicatif", &["src/cli/", "src/main.rs"]),
    ("console", &["src/cli/", "src/main.rs"]),
    ("tracing_subscriber", &["src/cli/", "src/main.rs"]),
    ("rusqlite", &["src/store/"]),
    (
        "tantivy",
        &[
            "src/store/index.rs",
            "src/store/queued.rs",
            "src/store/tokenize.rs",
        ],
    ),
    ("reqwest", &["src/harvest/"]),
    ("axum", &["src/web/"]),
    ("tokio", &["src/web/"]),
];

/// Names the command line must not use: SQL and the index are the store's,
/// ranking and statistics belong to the library, reached through `pipeline`.
const NOT_IN_CLI: &[&str] = &[
    "rusqlite",
    "tantivy",
    "Searcher",
    "Updater",
    "index::rebuild",
    "is_current",
    "Ranker",
    "Queue",
    "Coder",
    "statrs",
    "tfidf(",
    "tfidf_with(",
    "buscar_p(",
    "buscar_stops(",
    "recall_estimate(",
    "more_to_stop(",
    "kappa(",
    "escalc(",
    "analyse(",
];

/// A file's code lines (1-based numbers), comments left out.
fn code_lines(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let t = l.trim_start();
            if t.starts_with("//") {
                return None;
            }
            let code = match l.find(" // ") {
                Some(k) => l.get(..k).unwrap_or(l),
                None => l,
            };
            Some((i + 1, code.to_string()))
        })
        .collect()
}

/// The top-level module a source file belongs to (`cli` for the binary's).
fn module_of(rel: &str) -> Option<&str> {
    let rest = rel.strip_prefix("src/")?;
    if rest == "main.rs" {
        return Some("cli");
    }
    if rest == "lib.rs" {
        return None;
    }
    let first = rest.split('/').next()?;
    Some(first.strip_suffix(".rs").unwrap_or(first))
}

/// Identifiers that follow `prefix` in `line` (`crate::store::x` → `store`).
fn paths_after<'a>(line: &'a str, prefix: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(k) = rest.find(prefix) {
        let before = rest.get(..k).and_then(|b| b.chars().last());
        let after = rest.get(k + prefix.len()..).unwrap_or("");
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            if let Some(name) = after.get(..name_len) {
                out.push(name);
            }
        }
        rest = after;
    }
    out
}

/// Whether `word` occurs in `line` as a whole identifier path.
fn names(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(k, _)| {
        let before = line.get(..k).and_then(|b| b.chars().last());
        let after = line.get(k + word.len()..).and_then(|a| a.chars().next());
        let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// Every break of the dependency rules in one file: "path:line: what".
fn breaks(rel: &str, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let module = module_of(rel);
    let allowed: Option<&[&str]> = module.and_then(|m| {
        MAY_IMPORT
            .iter()
            .find(|(name, _)| *name == m)
            .map(|(_, a)| *a)
    });
    let prefix = if module == Some("cli") {
        "lacuna::"
    } else {
        "crate::"
    };
    for (n, line) in code_lines(text) {
        if let (Some(m), Some(allowed)) = (module, allowed) {
            for dep in paths_after(&line, prefix) {
                let ok = dep == m
                    || ["model", "error", "progress", "Error"].contains(&dep)
                    || allowed.contains(&dep);
                if !ok {
                    out.push(format!(
                        "{rel}:{n}: `{m}` may not import `{dep}` ({prefix}{dep})"
                    ));
                }
            }
        }
        for (krate, places) in CRATES_ONLY_IN {
            let used =
                line.contains(&format!("{krate}::")) || names(&line, &format!("use {krate}"));
            if used && !places.iter().any(|p| rel.starts_with(p)) {
                out.push(format!(
                    "{rel}:{n}: the crate `{krate}` is allowed only in {}",
                    places.join(", ")
                ));
            }
        }
        if rel.starts_with("src/cli/") || rel == "src/main.rs" {
            for w in NOT_IN_CLI {
                // a call (not a field of the same name), or a whole name
                let hit = if w.ends_with('(') {
                    line.match_indices(w).any(|(k, _)| {
                        !line
                            .get(..k)
                            .and_then(|b| b.chars().last())
                            .is_some_and(|c| c == '.' || c == '_' || c.is_ascii_alphanumeric())
                    })
                } else {
                    names(&line, w)
                };
                if hit {
                    out.push(format!(
                        "{rel}:{n}: the command line names `{w}`: call a `lacuna::pipeline` function instead"
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn modules_import_only_what_architecture_md_allows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut all = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(root)
            .expect("under the root")
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(f).expect("read");
        if let Some(m) = module_of(&rel) {
            assert!(
                MAY_IMPORT.iter().any(|(name, _)| *name == m),
                "{rel}: the module `{m}` is not in the import table: add it to MAY_IMPORT"
            );
        }
        all.extend(breaks(&rel, &text));
    }
    assert!(all.is_empty(), "{}", all.join("\n"));
}

/// The checker itself finds each kind of break (so the test above can fail).
#[test]
fn the_dependency_checker_finds_each_kind_of_break() {
    let cases = [
        (
            "src/meta/mod.rs",
            "//! x\nuse crate::store::Review;\n",
            "src/meta/mod.rs:2: `meta` may not import `store`",
        ),
        (
            "src/screen/rank/mod.rs",
            "//! x\nfn f() { let _ = crate::pipeline::import; }\n",
            "src/screen/rank/mod.rs:2: `screen` may not import `pipeline`",
        ),
        (
            "src/gapmap/mod.rs",
            "//! x\n\nuse rusqlite::Connection;\n",
            "src/gapmap/mod.rs:3: the crate `rusqlite` is allowed only in src/store/",
        ),
        (
            "src/store/mod.rs",
            "//! x\nimpl From<tantivy::TantivyError> for E {}\n",
            "src/store/mod.rs:2: the crate `tantivy` is allowed only in",
        ),
        (
            "src/pipeline/mod.rs",
            "//! x\nuse clap::Args;\n",
            "src/pipeline/mod.rs:2: the crate `clap` is allowed only in",
        ),
        (
            "src/cli/screen.rs",
            "//! x\nuse lacuna::screen::queue::Queue;\n",
            "src/cli/screen.rs:2: the command line names `Queue`",
        ),
        (
            "src/cli/records.rs",
            "//! x\nlet r = index::rebuild(&review, bars)?;\n",
            "src/cli/records.rs:2: the command line names `index::rebuild`",
        ),
        (
            "src/cli/screen.rs",
            "//! x\nlet (lo, est) = recall_estimate(&seen, n, 0.05, 50);\n",
            "src/cli/screen.rs:2: the command line names `recall_estimate(`",
        ),
        (
            "src/cli/pool.rs",
            "//! x\nuse lacuna::report::svg;\n",
            "src/cli/pool.rs:2: `cli` may not import `report`",
        ),
    ];
    for (rel, text, want) in cases {
        let found = breaks(rel, text);
        assert!(
            found.iter().any(|b| b.starts_with(want)),
            "{rel}: expected a break starting {want:?}, found {found:?}"
        );
    }
    // comments are not code, and a field is not a call
    assert!(breaks("src/cli/screen.rs", "//! x\nlet r = st.recall_estimate;\n").is_empty());
    assert!(breaks("src/meta/mod.rs", "//! uses crate::store and tantivy::x\n").is_empty());
}
