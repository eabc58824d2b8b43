//! The crate's error type: one variant per stage, each carrying its own typed
//! error with the file, PMID or position that went wrong.
//!
//! No stage returns `anyhow`; only the binary (`main.rs`, `cli/`) does, and
//! it turns each variant into a named exit code.

pub mod codes;

pub use crate::parse::open::FileError;
use crate::store::StoreError;

/// Any error from the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or parsed.
    #[error(transparent)]
    File(#[from] FileError),
    /// The review store or its index failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An effect-size sheet could not be used.
    #[error("{path}: {message}")]
    Sheet {
        /// The file.
        path: String,
        /// What is wrong (names row and column).
        message: String,
    },
    /// A protocol file could not be used.
    #[error(transparent)]
    Protocol(#[from] crate::protocol::ProtocolError),
    /// Rows of an effect-size sheet are wrong (nothing was stored).
    #[error("{path}: {} row problem(s), nothing stored:\n{}", errors.len(), errors.iter().take(20).map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Rows {
        /// The file.
        path: String,
        /// Each problem, naming row and column.
        errors: Vec<crate::extract::rows::RowError>,
    },
    /// The review is not ready for this step (not coded yet, no records, no
    /// protocol, an unknown record key): the message says what to run or give.
    /// The binary exits with its "not ready" code (7).
    #[error("{0}")]
    NotReady(String),
    /// A file the command was asked to write (a plot, a map, a copy of the
    /// protocol, standard output) could not be written.
    #[error("{}: cannot write {what}: {source}", path.display())]
    Write {
        /// The file (`<stdout>` for standard output).
        path: std::path::PathBuf,
        /// What it was to hold.
        what: &'static str,
        /// Why.
        source: std::io::Error,
    },
    /// The records were stored, but the search index could not be brought up
    /// to date; the next search or `lacuna index` rebuilds it from the store.
    #[error("the records of {files} file(s) are stored, but the search index could not be updated ({source}); nothing is lost: the next search, or `lacuna index DIR`, rebuilds it from the store")]
    IndexBehind {
        /// Files whose records were committed.
        files: usize,
        /// What the index said.
        source: StoreError,
    },
    /// A folder the command would replace holds something of its own (`lacuna
    /// demo --out` on a folder people have worked in, or on one that is not a
    /// review): nothing was changed. The binary exits with the folder's code (4).
    #[error("{}: {message}", path.display())]
    Occupied {
        /// The folder.
        path: std::path::PathBuf,
        /// What it holds that would be lost, and what to do.
        message: String,
    },
    /// The E-utilities harvest failed (the store keeps what was fetched).
    #[error(transparent)]
    Harvest(#[from] crate::harvest::HarvestError),
    /// The meta-analysis could not be computed.
    #[error(transparent)]
    Meta(#[from] crate::meta::MetaError),
}

impl Error {
    /// The exit code of this error ([`codes::TABLE`]).
    pub fn exit_code(&self) -> u8 {
        use crate::harvest::HarvestError;
        match self {
            Error::File(_) | Error::Sheet { .. } | Error::Protocol(_) | Error::Rows { .. } => {
                codes::BAD_INPUT
            }
            Error::Store(s) => s.exit_code(),
            Error::Meta(_) => codes::CANNOT_POOL,
            Error::NotReady(_) => codes::NOT_READY,
            Error::Occupied { .. } => codes::NOT_A_REVIEW,
            Error::Write { .. } => codes::FAILURE,
            Error::IndexBehind { .. } => codes::INDEX_BEHIND,
            Error::Harvest(HarvestError::Query(_)) => codes::BAD_QUERY,
            Error::Harvest(_) => codes::NETWORK,
        }
    }

    /// The HTTP status of this error in the team app (the same table).
    pub fn http_status(&self) -> u16 {
        codes::row(self.exit_code()).http
    }
}

impl StoreError {
    /// The exit code of this error ([`codes::TABLE`]).
    pub fn exit_code(&self) -> u8 {
        match self {
            StoreError::NotAReview(_) | StoreError::AlreadyAReview(_) => codes::NOT_A_REVIEW,
            StoreError::Query(_) => codes::BAD_QUERY,
            StoreError::Busy(_) => codes::BUSY,
            StoreError::Tampered { .. } => codes::TAMPERED,
            StoreError::Input(_) | StoreError::Invalid(_) => codes::BAD_INPUT,
            _ => codes::FAILURE,
        }
    }

    /// The HTTP status of this error in the team app (the same table).
    pub fn http_status(&self) -> u16 {
        codes::row(self.exit_code()).http
    }
}
