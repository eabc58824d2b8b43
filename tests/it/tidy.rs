//! Codebase rules checked as tests: every Rust file opens with a `//!` doc
//! comment saying what it is (STYLE.md habit 2), and ARCHITECTURE.md's
//! invariants on dependencies hold: which `crate::` modules each module may
//! import, where each outside crate may appear, and that the command line
//! (`src/cli/`) holds no SQL, no index and no ranking or statistics routine;
//! and functions stay within 100 lines and files within 800 (`LONG_ALLOWED`
//! gives the reason for each of today's that do not).
//! Each rule names the file and line (or function) that breaks it.

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
    ("web", &["pipeline", "protocol"]),
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
    ("hyper", &["src/web/"]),
    ("hyper_util", &["src/web/"]),
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
        (
            "src/web/api.rs",
            "//! x\nuse crate::store::Review;\n",
            "src/web/api.rs:2: `web` may not import `store`",
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

/// The longest a function may be, from its `fn` line to its closing brace.
const MAX_FN_LINES: usize = 100;
/// The longest a source file under `src/` may be.
const MAX_FILE_LINES: usize = 800;

/// Today's long files (`path`) and functions (`path::name`), each with why
/// it is long. A new one fails the test, and so does an entry that is no
/// longer long (take it out): the list only shrinks.
#[rustfmt::skip]
const LONG_ALLOWED: &[(&str, &str)] = &[
    // files
    ("src/certainty/grade.rs", "GRADE's five domains with their rules side by side; over a third of the file is their unit tests"),
    ("src/code/mod.rs", "the coder's scoring and context rules, one pass per record; equity rules added to it"),
    ("src/gapmap/mod.rs", "assembling studies, the cells and gaps, and the off-grid reasons share the map's types"),
    ("src/living/mod.rs", "the snapshot and the diff with its six triggers, and their tests"),
    ("src/parse/pubmed.rs", "the streaming PubMed XML reader: one state machine over every element it keeps"),
    ("src/pipeline/living.rs", "update's resumable steps, snapshot and diff, each logged step in order"),
    ("src/report/rob.rs", "robvis's two figures drawn in SVG, and their tests"),
    ("src/store/index.rs", "the tantivy schema, incremental updates, rebuild and search with snippets, and tests"),
    ("src/store/living.rs", "migrations 5, 12 and 13 and every query of update runs, snapshots and their seals"),
    ("src/store/mod.rs", "`Review`: opening, migrations, the import transaction and the record writes"),
    // functions
    ("src/certainty/rob.rs::read_sheet", "reads robvis's sheet and names every problem by row and column in one pass"),
    ("src/cli/living.rs::print_diff", "prints each kind of change of the diff in the order the docs give them"),
    ("src/cli/screen.rs::simulate", "prints simulate's figures, one block per stopping rule"),
    ("src/cli/screen.rs::screen", "the terminal screening loop: keys, drawing, the status line"),
    ("src/code/mod.rs::place_hit", "every context rule for one hit (negation, comparator, exclusion, equity) in order"),
    ("src/extract/mod.rs::effect_of_row", "one arm per family of measures (2×2, means, correlations, generic), with metafor's zero-cell rules"),
    ("src/extract/rows.rs::read_effect_rows", "checks every cell of a sheet row, naming row and column, before anything is kept"),
    ("src/extract/table.rs::sheet_of", "gathers each measure's column set and checks each number by row"),
    ("src/gapmap/mod.rs::build", "one pass over the studies fills cells, gap flags, axis totals and the equity table"),
    ("src/gapmap/mod.rs::assemble", "merges records into studies by link and registration number, and keeps why off-grid"),
    ("src/harvest/mod.rs::call", "rate limit, retries, backoff, Retry-After and each kind of failure in one loop"),
    ("src/living/mod.rs::diff", "one section per kind of change and per [living] trigger"),
    ("src/meta/analysis.rs::analyse", "one full report: fit, heterogeneity, then each optional analysis asked for"),
    ("src/meta/bias.rs::trim_fill", "follows metafor's trimfill.rma.uni step by step, to match it numerically"),
    ("src/meta/mod.rs::fit_with_tau2", "the WLS fit, Q, the tests and intervals metafor reports, with its NA cases"),
    ("src/parse/jsonl.rs::read", "reads each line, with a warning or an error for each kind of bad line"),
    ("src/parse/pubmed.rs::run", "the quick-xml event loop: one arm per event kind"),
    ("src/parse/pubmed.rs::start", "one arm per PubMed element that opens a field"),
    ("src/parse/pubmed.rs::finish_capture", "one arm per captured PubMed field"),
    ("src/parse/refs.rs::read_csv", "recognises PubMed's CSV export and plain sheets, column by column"),
    ("src/pipeline/briefing.rs::report", "gathers the snapshot, diff, history, map and figures the briefing needs, in order"),
    ("src/pipeline/certainty.rs::rate_version", "joins a version's pooled rows, weights, designs and judgements, then rates"),
    ("src/pipeline/harvest.rs::fetch", "the fetch thread and the storing loop share the batch channel and the progress"),
    ("src/pipeline/living.rs::update", "the update's steps in order, each logged so a kill resumes"),
    ("src/pipeline/mod.rs::import_one", "the parser thread and the import transaction share the batch channel"),
    ("src/pipeline/version.rs::prisma", "PRISMA 2020's boxes, each counted from the store's marks"),
    ("src/protocol/coding.rs::category", "checks each field of a coding category, naming file, line and key"),
    ("src/report/briefing/doc.rs::write", "one arm per block kind, written as HTML and Markdown at once"),
    ("src/report/briefing/map.rs::blocks", "the map section's blocks in reading order"),
    ("src/report/briefing/methods.rs::blocks", "the methods section's paragraphs in reading order"),
    ("src/report/briefing/summary.rs::blocks", "the plain-words summary's sentences in reading order"),
    ("src/report/gapmap.rs::csv", "one column per figure of a cell"),
    ("src/report/gapmap.rs::svg_parts", "the map's SVG written top to bottom: headings, rows, cells, legend"),
    ("src/report/prisma.rs::svg", "PRISMA 2020's flow diagram written box by box"),
    ("src/report/rob.rs::traffic_light", "robvis's traffic-light figure written top to bottom"),
    ("src/report/rob.rs::summary_bars", "robvis's summary figure written top to bottom"),
    ("src/report/svg.rs::draw_forest", "the forest plot written top to bottom in one place"),
    ("src/report/svg.rs::funnel", "the funnel plot written top to bottom"),
    ("src/screen/rank/svm.rs::train", "dual coordinate descent with its warm start and shrinking, as one loop"),
    ("src/screen/simulate.rs::simulate", "the replay loop with every stopping rule read at each step"),
    ("src/screen/stop/mod.rs::reading", "one arm per stopping rule"),
    ("src/store/index.rs::search", "the query grammar's limits, parsing, search and snippets"),
    ("src/store/mod.rs::add_record", "new, a new version, unchanged, or an export's source linked, each with its SQL"),
];

/// Events of a Rust source that matter for the length rule: `{`, `}`, `;`
/// and `fn NAME`, each with its line. Strings, chars, lifetimes and comments
/// are skipped.
#[derive(Debug, PartialEq)]
enum Ev {
    Open,
    Close,
    Semi,
    Fn(String),
}

fn events(text: &str) -> Vec<(usize, Ev)> {
    let b = text.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < b.len() {
        let c = b[i];
        let after_ident = i > 0 && ident(b[i - 1]);
        if c == b'\n' {
            line += 1;
            i += 1;
        } else if c == b'/' && at(i + 1) == b'/' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && at(i + 1) == b'*' {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == b'/' && at(i + 1) == b'*' {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && at(i + 1) == b'/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(b[i] == b'\n');
                    i += 1;
                }
            }
        } else if (c == b'r' || (c == b'b' && at(i + 1) == b'r')) && !after_ident && {
            let s = i + 1 + usize::from(c == b'b');
            let h = b[s.min(b.len())..]
                .iter()
                .take_while(|&&x| x == b'#')
                .count();
            at(s + h) == b'"'
        } {
            // a raw string: r"…", r#"…"#, br"…"
            let s = i + 1 + usize::from(c == b'b');
            let hashes = b[s..].iter().take_while(|&&x| x == b'#').count();
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            i = s + hashes + 1;
            while i < b.len() && !b[i..].starts_with(&close) {
                line += usize::from(b[i] == b'\n');
                i += 1;
            }
            i += close.len();
        } else if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                line += usize::from(at(i) == b'\n');
                i += 1;
            }
            i += 1;
        } else if c == b'\'' {
            // a char literal ('{', '\'', 'é'), else a lifetime ('a)
            let len = text
                .get(i + 1..)
                .and_then(|r| r.chars().next())
                .map_or(1, char::len_utf8);
            if at(i + 1) == b'\\' {
                i += 2;
                while i < b.len() && b[i] != b'\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 1 + len) == b'\'' {
                i += len + 2;
            } else {
                i += 1;
            }
        } else if c == b'{' || c == b'}' || c == b';' {
            out.push((
                line,
                match c {
                    b'{' => Ev::Open,
                    b'}' => Ev::Close,
                    _ => Ev::Semi,
                },
            ));
            i += 1;
        } else if c == b'f' && at(i + 1) == b'n' && !after_ident && at(i + 2).is_ascii_whitespace()
        {
            let mut j = i + 2;
            while at(j).is_ascii_whitespace() {
                line += usize::from(at(j) == b'\n');
                j += 1;
            }
            let start = j;
            while ident(at(j)) {
                j += 1;
            }
            if j > start {
                out.push((line, Ev::Fn(text[start..j].to_string())));
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// Every function with a body: its name and its length in lines, from the
/// `fn` line to its closing brace.
fn fn_lengths(text: &str) -> Vec<(String, usize)> {
    let ev = events(text);
    let mut out = Vec::new();
    for (k, (first, e)) in ev.iter().enumerate() {
        let Ev::Fn(name) = e else { continue };
        let mut depth = 0usize;
        for (last, e2) in &ev[k + 1..] {
            match e2 {
                Ev::Semi if depth == 0 => break, // a declaration: no body
                Ev::Open => depth += 1,
                Ev::Close => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        out.push((name.clone(), last - first + 1));
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// The long files and functions of one source file (`rel` under the root),
/// as "key: N lines (limit L)" with the key LONG_ALLOWED uses.
fn too_long(rel: &str, text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let n = text.lines().count();
    if n > MAX_FILE_LINES {
        out.push((
            rel.to_string(),
            format!("{rel}: {n} lines (files: at most {MAX_FILE_LINES})"),
        ));
    }
    for (name, len) in fn_lengths(text) {
        if len > MAX_FN_LINES {
            let key = format!("{rel}::{name}");
            out.push((
                key.clone(),
                format!("{key}: {len} lines (functions: at most {MAX_FN_LINES})"),
            ));
        }
    }
    out
}

#[test]
fn functions_and_files_stay_short() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut found = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(root)
            .expect("under the root")
            .to_string_lossy()
            .replace('\\', "/");
        found.extend(too_long(&rel, &std::fs::read_to_string(f).expect("read")));
    }
    let new: Vec<_> = found
        .iter()
        .filter(|(key, _)| !LONG_ALLOWED.iter().any(|(k, _)| k == key))
        .map(|(_, what)| what.as_str())
        .collect();
    assert!(
        new.is_empty(),
        "too long (split it, or add it to LONG_ALLOWED with the reason):\n{}",
        new.join("\n")
    );
    let stale: Vec<_> = LONG_ALLOWED
        .iter()
        .filter(|(k, _)| !found.iter().any(|(key, _)| key == k))
        .map(|(k, _)| *k)
        .collect();
    assert!(
        stale.is_empty(),
        "no longer too long (or gone): take these out of LONG_ALLOWED: {stale:?}"
    );
}

/// The length checker counts what it should and skips what it should not.
#[test]
fn the_length_checker_finds_a_long_function() {
    let body = |n: usize| "    let x = 1;\n".repeat(n);
    // 1 line for `fn`, 99 of body, 1 for `}`: 101
    let long = format!("//! x\npub fn long() {{\n{}}}\n", body(99));
    assert_eq!(fn_lengths(&long), [("long".to_string(), 101)]);
    let found = too_long("src/meta/new.rs", &long);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "src/meta/new.rs::long");
    // exactly the limit is fine
    let ok = format!("fn ok() {{\n{}}}\n", body(98));
    assert!(too_long("src/meta/new.rs", &ok).is_empty());
    // braces in strings, chars, raw strings and comments are not code; a
    // lifetime is not a char; a declaration has no body; nested fns count
    let tricky = "trait T { fn decl(&self); }\n\
        fn outer<'a>(s: &'a str) -> char {\n\
        let _ = \"}}}\"; let _ = '}'; let _ = r#\"{\"#; // }\n\
        /* { */\n\
        fn inner() { if true { } }\n\
        '{'\n\
        }\n";
    assert_eq!(
        fn_lengths(tricky),
        [("outer".to_string(), 6), ("inner".to_string(), 1)]
    );
    // a long file
    let file = "// x\n".repeat(MAX_FILE_LINES + 1);
    assert_eq!(too_long("src/x.rs", &file)[0].0, "src/x.rs");
}
