//! Exit codes and HTTP statuses: one table. The binary's exit codes, its
//! `--help` text, the documentation's table and the team app's statuses are
//! all read from [`TABLE`]; a test checks the documentation against it.

/// One exit code: its number, its name in the code, the HTTP status the team
/// app answers for the same kind of error, and what it means (short for
/// `--help`; in full for the documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    /// The process exit code.
    pub code: u8,
    /// The constant's name (`BAD_INPUT`).
    pub name: &'static str,
    /// The HTTP status of an error of this kind in the team app.
    pub http: u16,
    /// What it means, in a few words (`lacuna --help`).
    pub short: &'static str,
    /// What it means and what to do (the documentation's table).
    pub long: &'static str,
}

/// Success.
pub const OK: u8 = 0;
/// Unexpected failure.
pub const FAILURE: u8 = 1;
/// Bad command line (clap's own code).
pub const USAGE: u8 = 2;
/// An input file could not be read, or a value was refused; nothing of it
/// was stored.
pub const BAD_INPUT: u8 = 3;
/// The folder is not a review, or already is one (or `demo --out` on a
/// folder holding work of its own).
pub const NOT_A_REVIEW: u8 = 4;
/// The search query could not be read.
pub const BAD_QUERY: u8 = 5;
/// The studies cannot be pooled (too few, collinear moderators, no convergence).
pub const CANNOT_POOL: u8 = 6;
/// The review is not ready for this step (the message says what to run first).
pub const NOT_READY: u8 = 7;
/// The E-utilities server could not be used.
pub const NETWORK: u8 = 8;
/// Another process is writing to the review (it holds the write lock).
pub const BUSY: u8 = 9;
/// The records were stored but the index could not be updated.
pub const INDEX_BEHIND: u8 = 10;
/// Nothing new: `update` found nothing, or `snapshot` nothing changed.
pub const NOTHING_NEW: u8 = 11;
/// A snapshot no longer matches its seal: changed after it was taken.
pub const TAMPERED: u8 = 12;

/// Every exit code, in order.
pub const TABLE: &[Code] = &[
    Code {
        code: OK,
        name: "OK",
        http: 200,
        short: "success",
        long: "success (including a valid file with no records, which is reported)",
    },
    Code {
        code: FAILURE,
        name: "FAILURE",
        http: 500,
        short: "unexpected failure",
        long: "unexpected failure",
    },
    Code {
        code: USAGE,
        name: "USAGE",
        http: 400,
        short: "bad command line",
        long: "bad command line",
    },
    Code {
        code: BAD_INPUT,
        name: "BAD_INPUT",
        http: 400,
        short: "an input file could not be read, or a value was refused (nothing of it was stored)",
        long: "an input file could not be read; nothing of that file was stored (files before it stay). Also a value refused: a note, reason, name or label holding a control character other than tab and newline, or an exclusion reason on an include or maybe decision (nothing of it is stored)",
    },
    Code {
        code: NOT_A_REVIEW,
        name: "NOT_A_REVIEW",
        http: 404,
        short: "the folder is not a review, or already is one",
        long: "the folder is not a review (run `lacuna init`), or `init` on an existing review, or `demo --out` on a folder holding work of its own (without `--force`) or that is not a review",
    },
    Code {
        code: BAD_QUERY,
        name: "BAD_QUERY",
        http: 400,
        short: "the search query could not be read",
        long: "the search query could not be read (a `search` query, or a PubMed query that PubMed refused or partly ignored: unknown terms are an error, never \"0 records\")",
    },
    Code {
        code: CANNOT_POOL,
        name: "CANNOT_POOL",
        http: 422,
        short: "the studies cannot be pooled (too few, collinear moderators, no convergence)",
        long: "the studies cannot be pooled (collinear moderators, too few studies, no convergence)",
    },
    Code {
        code: NOT_READY,
        name: "NOT_READY",
        http: 409,
        short: "the review is not ready for this step (the message says what to run)",
        long: "the review is not ready for this step (e.g. `map` before `code`); the message says what to run",
    },
    Code {
        code: NETWORK,
        name: "NETWORK",
        http: 502,
        short: "the E-utilities server could not be used (what was stored stays; the message says what to run)",
        long: "the E-utilities server could not be used (network down, retries exhausted, request refused); what was stored stays, `lacuna harvest DIR --resume` (or the same `update`) carries on; an offline machine is said at once",
    },
    Code {
        code: BUSY,
        name: "BUSY",
        http: 503,
        short: "another lacuna command is writing to the review (run again when it has finished)",
        long: "another lacuna command is writing to the review (an import, harvest, update, snapshot, dedup or index rebuild holds its lock, `DIR/lacuna.lock`, which names its process); run again when it has finished. The lock is the operating system's: a killed process leaves none behind",
    },
    Code {
        code: INDEX_BEHIND,
        name: "INDEX_BEHIND",
        http: 500,
        short: "the records were stored but the search index could not be updated (the next search rebuilds it)",
        long: "the records were stored, but the search index could not be updated; nothing is lost (the next search, or `lacuna index DIR`, rebuilds it)",
    },
    Code {
        code: NOTHING_NEW,
        name: "NOTHING_NEW",
        http: 200,
        short: "nothing new: `update` found nothing, or `snapshot` found nothing changed",
        long: "nothing new: `update` found no new, revised or deleted record (the review is unchanged), or `snapshot` found nothing changed since the last version (none is taken)",
    },
    Code {
        code: TAMPERED,
        name: "TAMPERED",
        http: 500,
        short: "a snapshot was tampered with (it no longer matches its seal): it is not shown",
        long: "a snapshot was tampered with: its row or its per-record states no longer match the seal (SHA-256) stored when it was taken; no command shows it (restore `lacuna.db` from a backup)",
    },
];

/// The row of `code` (the table's `FAILURE` row for a code not in it).
pub fn row(code: u8) -> &'static Code {
    TABLE
        .iter()
        .find(|c| c.code == code)
        .or_else(|| TABLE.get(1))
        .unwrap_or(&FALLBACK)
}

const FALLBACK: Code = Code {
    code: FAILURE,
    name: "FAILURE",
    http: 500,
    short: "unexpected failure",
    long: "unexpected failure",
};

/// The exit codes as `lacuna --help` ends: "Exit codes: 0 success; …".
pub fn help() -> String {
    let parts: Vec<String> = TABLE
        .iter()
        .map(|c| format!("{} {}", c.code, c.short))
        .collect();
    format!("Exit codes: {}.", parts.join("; "))
}

/// The documentation's table (Markdown, one row per code, with the HTTP
/// status the team app answers for an error of that kind).
///
/// ```
/// let t = lacuna::error::codes::markdown();
/// assert!(t.starts_with("| code | meaning | team app (HTTP) |\n|---|---|---|\n| 0 | success"));
/// assert_eq!(t.lines().count(), 2 + lacuna::error::codes::TABLE.len());
/// ```
pub fn markdown() -> String {
    let mut s = String::from("| code | meaning | team app (HTTP) |\n|---|---|---|\n");
    for c in TABLE {
        s.push_str(&format!("| {} | {} | {} |\n", c.code, c.long, c.http));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_holds_each_code_once_in_order_and_its_constants() {
        for (i, c) in TABLE.iter().enumerate() {
            assert_eq!(usize::from(c.code), i, "{} out of order", c.name);
        }
        for (k, v) in [
            (OK, "OK"),
            (FAILURE, "FAILURE"),
            (USAGE, "USAGE"),
            (BAD_INPUT, "BAD_INPUT"),
            (NOT_A_REVIEW, "NOT_A_REVIEW"),
            (BAD_QUERY, "BAD_QUERY"),
            (CANNOT_POOL, "CANNOT_POOL"),
            (NOT_READY, "NOT_READY"),
            (NETWORK, "NETWORK"),
            (BUSY, "BUSY"),
            (INDEX_BEHIND, "INDEX_BEHIND"),
            (NOTHING_NEW, "NOTHING_NEW"),
            (TAMPERED, "TAMPERED"),
        ] {
            assert_eq!(row(k).name, v);
        }
        assert_eq!(row(200).code, FAILURE);
    }
}
