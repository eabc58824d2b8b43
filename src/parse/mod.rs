//! Pure readers of bibliographic files into [`Item`]s.
//!
//! This module does no network, no database and no clock; it reads bytes the
//! caller hands it. [`sniff`] tells a file's format from its content (never
//! from its name); [`pubmed`] streams PubMed XML; [`jsonl`] reads Lacuna's own
//! JSON Lines (what `lacuna parse` writes). Opening files, gzip and threads
//! live in [`open`], the one place here that touches the file system.

pub mod jsonl;
pub mod limits;
pub mod open;
pub mod pubmed;
pub mod refs;

use crate::model::{Item, Pmid};
use std::fmt;

/// A record that could not be read; the rest of the file still loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The record's PMID, where it could be read.
    pub pmid: Option<Pmid>,
    /// Byte offset (in the uncompressed stream) where the record starts; 0
    /// when the format has none (exports name the record or line in `message`).
    pub offset: u64,
    /// What was wrong.
    pub message: String,
    /// True when the record was left out; false when it was kept despite the oddity.
    pub skipped: bool,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Offset 0 means "no byte offset": exports (RIS, .nbib, CSV) are read
        // whole, and their messages name the record or line instead.
        match (self.pmid, self.offset) {
            (Some(p), 0) => write!(f, "PMID {p}: {}", self.message),
            (Some(p), o) => write!(f, "PMID {p} at byte {o}: {}", self.message),
            (None, 0) => write!(f, "{}", self.message),
            (None, o) => write!(f, "record at byte {o}: {}", self.message),
        }
    }
}

/// The most warnings kept for one file; the rest are counted, not listed (a
/// hostile file of a million records without a PMID would otherwise hold a
/// million messages).
pub const WARNING_LIMIT: usize = 1000;

/// The warnings of one file as a reader collects them: the first
/// [`WARNING_LIMIT`] listed, every one counted.
#[derive(Debug, Default, Clone)]
pub struct Warnings {
    list: Vec<Warning>,
    skipped: u64,
    unlisted: u64,
}

impl Warnings {
    /// Record a warning.
    pub fn push(&mut self, w: Warning) {
        if w.skipped {
            self.skipped += 1;
        }
        if self.list.len() < WARNING_LIMIT {
            self.list.push(w);
        } else {
            self.unlisted += 1;
        }
    }

    /// Records skipped (listed or not).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The listed warnings, with a last one saying how many more there were.
    ///
    /// ```
    /// use lacuna::parse::{Warning, Warnings, WARNING_LIMIT};
    /// let mut w = Warnings::default();
    /// for _ in 0..WARNING_LIMIT + 5 {
    ///     w.push(Warning { pmid: None, offset: 0, message: "no PMID".into(), skipped: true });
    /// }
    /// assert_eq!(w.skipped(), WARNING_LIMIT as u64 + 5);
    /// let v = w.into_vec();
    /// assert_eq!(v.len(), WARNING_LIMIT + 1);
    /// assert!(v[WARNING_LIMIT].message.contains("5 more"));
    /// ```
    pub fn into_vec(mut self) -> Vec<Warning> {
        if self.unlisted > 0 {
            self.list.push(Warning {
                pmid: None,
                offset: 0,
                message: format!(
                    "... and {} more warning(s), not listed ({} record(s) skipped in all)",
                    self.unlisted, self.skipped
                ),
                skipped: false,
            });
        }
        self.list
    }
}

/// A file that cannot be read at all (as opposed to one bad record in it).
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// XML that is not well-formed, or that ends before its last element closes.
    #[error("malformed XML at byte {offset}: {message}")]
    Xml {
        /// Byte offset in the uncompressed stream.
        offset: u64,
        /// What the XML reader saw.
        message: String,
    },
    /// Well-formed XML whose root is not a PubMed article set.
    #[error("not PubMed XML: the root element is <{root}> (expected <PubmedArticleSet>; save PubMed results with efetch rettype=xml or \"Send to > File > PubMed XML\")")]
    NotPubmed {
        /// The root element found.
        root: String,
    },
    /// A JSON Lines line that is not a Lacuna record.
    #[error("line {line}: not a Lacuna JSON record: {message}")]
    Json {
        /// 1-based line number.
        line: u64,
        /// What serde said.
        message: String,
    },
    /// The file has no content.
    #[error("the file is empty")]
    Empty,
    /// Text in an encoding Lacuna will not guess.
    #[error("{0}")]
    Encoding(String),
    /// A RIS, MEDLINE or CSV export that cannot be read.
    #[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
    Refs {
        /// 1-based line, where known.
        line: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// Content whose format Lacuna does not recognise.
    #[error("unrecognised format (starts with {start:?}); Lacuna reads PubMed XML (.xml, .xml.gz), MEDLINE/.nbib, RIS, CSV (with a title column) and Lacuna JSON Lines")]
    Unknown {
        /// The first bytes, for the message.
        start: String,
    },
    /// A record over one of the [`limits`] (a field over 16 MiB, ...): refused
    /// as soon as the limit is passed, before the rest of it is read.
    #[error(
        "{record}: {what}; {}. A bibliographic record is never this large: check the file",
        limits::LIMITS
    )]
    TooLarge {
        /// The record: its PMID where read, else its place (byte, line or number).
        record: String,
        /// Which limit, naming the field.
        what: String,
    },
    /// Reading the underlying stream failed (including a corrupt or truncated gzip).
    #[error("read error at byte {offset}: {source}")]
    Io {
        /// Byte offset reached in the uncompressed stream.
        offset: u64,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// The formats Lacuna recognises by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// XML (expected to be a `PubmedArticleSet`).
    Xml,
    /// Lacuna JSON Lines.
    JsonLines,
    /// RIS (`TY  - ` ... `ER  - `).
    Ris,
    /// MEDLINE / .nbib (`PMID- `).
    Medline,
    /// CSV with a header row.
    Csv,
}

impl Format {
    /// The name stored with each import.
    pub fn name(self) -> &'static str {
        match self {
            Format::Xml => "pubmed-xml",
            Format::JsonLines => "lacuna-jsonl",
            Format::Ris => "ris",
            Format::Medline => "medline",
            Format::Csv => "csv",
        }
    }
}

/// Tell the format from the first bytes of (already decompressed) content.
///
/// ```
/// use lacuna::parse::{sniff, Format};
/// assert_eq!(sniff(b"\xEF\xBB\xBF<?xml version=\"1.0\"?>").unwrap(), Format::Xml);
/// assert_eq!(sniff(b"  {\"kind\":\"article\"}").unwrap(), Format::JsonLines);
/// assert_eq!(sniff(b"TY  - JOUR\nTI  - x").unwrap(), Format::Ris);
/// assert_eq!(sniff(b"\nPMID- 31588070\nOWN - NLM").unwrap(), Format::Medline);
/// assert_eq!(sniff(b"PMID,Title,Authors\n1,x,y").unwrap(), Format::Csv);
/// assert!(sniff(b"").is_err());
/// assert!(sniff(b"hello world").is_err());
/// ```
pub fn sniff(head: &[u8]) -> Result<Format, ParseError> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let first = head.iter().copied().find(|b| !b.is_ascii_whitespace());
    let text = String::from_utf8_lossy(head.get(..head.len().min(8192)).unwrap_or(head));
    let first_line = text
        .lines()
        .map(str::trim_end)
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let tag = |l: &str, t: &str| l.trim_start().starts_with(t);
    match first {
        None => Err(ParseError::Empty),
        Some(b'<') => Ok(Format::Xml),
        Some(b'{') => Ok(Format::JsonLines),
        Some(_) if tag(first_line, "PMID-") => Ok(Format::Medline),
        Some(_) if tag(first_line, "TY  -") => Ok(Format::Ris),
        Some(_) if text.lines().take(200).any(|l| l.starts_with("TY  -")) => Ok(Format::Ris),
        Some(_) if text.lines().take(200).any(|l| l.starts_with("PMID- ")) => Ok(Format::Medline),
        Some(_)
            if first_line.to_lowercase().contains("title")
                && [',', ';', '\t'].iter().any(|c| first_line.contains(*c)) =>
        {
            Ok(Format::Csv)
        }
        Some(_) if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") => Err(
            ParseError::Encoding("the file is UTF-16; export it again as UTF-8".into()),
        ),
        Some(_) => {
            let start: String =
                String::from_utf8_lossy(head.get(..head.len().min(24)).unwrap_or(head))
                    .chars()
                    .collect();
            Err(ParseError::Unknown { start })
        }
    }
}

/// Everything read from one in-memory file: items in file order, and warnings.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Records and deletions, in file order.
    pub items: Vec<Item>,
    /// Records that could not be read.
    pub warnings: Vec<Warning>,
    /// Counts by kind.
    pub counts: Counts,
}

/// How many items of each kind a file held.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Journal articles.
    pub articles: u64,
    /// Book articles.
    pub books: u64,
    /// Deleted PMIDs.
    pub deletions: u64,
    /// Records skipped with a warning.
    pub skipped: u64,
}

impl Counts {
    /// Count one item.
    pub fn add(&mut self, item: &Item) {
        match item {
            Item::Record(r) => match r.kind {
                crate::model::RecordKind::Article => self.articles += 1,
                crate::model::RecordKind::Book => self.books += 1,
            },
            Item::Deletion(_) => self.deletions += 1,
        }
    }
}

/// Parse a whole in-memory file (plain, not gzipped) of any recognised format.
///
/// ```
/// let xml = br#"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID Version="1">1</PMID>
/// <Article><ArticleTitle>H<sub>2</sub>O &amp; you</ArticleTitle></Article></MedlineCitation>
/// </PubmedArticle></PubmedArticleSet>"#;
/// let parsed = lacuna::parse::parse(xml).unwrap();
/// let lacuna::model::Item::Record(r) = &parsed.items[0] else { panic!() };
/// assert_eq!(r.title, "H2O & you");
/// ```
pub fn parse(bytes: &[u8]) -> Result<Parsed, ParseError> {
    let mut out = Parsed::default();
    let mut sink = |item: Item| {
        out.counts.add(&item);
        out.items.push(item);
        true
    };
    let warnings = match sniff(bytes)? {
        Format::Xml => pubmed::read_slice(bytes, &mut sink)?,
        Format::JsonLines => jsonl::read(bytes, &mut sink)?,
        Format::Ris => refs::read_ris(bytes, &mut sink)?,
        Format::Medline => refs::read_medline(bytes, &mut sink)?,
        Format::Csv => refs::read_csv(bytes, &mut sink)?,
    };
    out.counts.skipped = warnings.skipped();
    out.warnings = warnings.into_vec();
    Ok(out)
}
