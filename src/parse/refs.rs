//! Reference-manager and database exports: RIS (Ovid, EBSCO, Scopus, Web of
//! Science, Zotero, EndNote), MEDLINE/.nbib (PubMed's "PubMed format"), and
//! CSV (PubMed's CSV export, or any sheet with a title column).
//!
//! RIS and MEDLINE are read by the `biblib` crate, a record at a time; CSV
//! by `csv_core`, a row at a time; every record within the [`limits`]. This
//! module decodes the bytes (UTF-8 with or without BOM; Latin-1 detected and
//! decoded with a warning; UTF-16 and Windows-1252 refused with advice) and
//! maps each citation onto a [`Record`]. No I/O beyond the reader it is given.

use super::limits::{self, Line, COLUMN_LIMIT, ENTRY_LIMIT, FIELD_LIMIT, LINE_LIMIT, RECORD_LIMIT};
use super::{ParseError, Warning, Warnings};
use crate::model::{Doi, Item, Pmid, Record, RecordKind};
use biblib::CitationParser;
use std::collections::HashMap;
use std::io::BufRead;

/// Text decoded from a file's bytes, with a note when it was not UTF-8.
#[derive(Debug)]
pub struct Decoded {
    /// The text.
    pub text: String,
    /// Set when the bytes were read as Latin-1.
    pub note: Option<String>,
}

/// Decode an export: UTF-8 (BOM dropped), else Latin-1 when the bytes can
/// only be that; anything else is refused with what to do.
///
/// ```
/// use lacuna::parse::refs::decode;
/// assert_eq!(decode(b"\xEF\xBB\xBFTY  - JOUR").unwrap().text, "TY  - JOUR");
/// let l1 = decode(b"TI  - Caf\xE9").unwrap();
/// assert_eq!(l1.text, "TI  - Caf\u{e9}");
/// assert!(l1.note.is_some());
/// assert!(decode(b"\xFF\xFEU\x00").is_err());
/// ```
pub fn decode(bytes: &[u8]) -> Result<Decoded, ParseError> {
    decode_at(bytes, 0)
}

/// [`decode`] of bytes that start at byte `base` of the file (for messages).
fn decode_at(bytes: &[u8], base: u64) -> Result<Decoded, ParseError> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(ParseError::Encoding(
            "the file is UTF-16 (as some Windows tools save it); re-save or export it as UTF-8"
                .into(),
        ));
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(s) => Ok(Decoded {
            text: s.to_string(),
            note: None,
        }),
        Err(e) => {
            let at = base + e.valid_up_to() as u64;
            if body.iter().any(|b| (0x80..0xA0).contains(b)) {
                return Err(ParseError::Encoding(format!(
                    "the file is not UTF-8 (first bad byte at {at}) and holds bytes that mean different characters in Latin-1 and Windows-1252; export it again as UTF-8 (EndNote: File > Export, Text Encoding UTF-8; Ovid/EBSCO: choose UTF-8)"
                )));
            }
            Ok(Decoded {
                text: body.iter().map(|&b| char::from(b)).collect(),
                note: Some(format!(
                    "the file is not UTF-8 (first bad byte at {at}); it was read as Latin-1 (ISO-8859-1). Check accented names in the imported records"
                )),
            })
        }
    }
}

fn initials(given: &str) -> String {
    given
        .split(|c: char| c.is_whitespace() || c == '.' || c == '-')
        .filter_map(|p| p.chars().next())
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_uppercase)
        .collect()
}

fn author_name(a: &biblib::Author) -> String {
    let mut ini = String::new();
    if let Some(g) = &a.given_name {
        ini.push_str(&initials(g));
    }
    if let Some(m) = &a.middle_name {
        ini.push_str(&initials(m));
    }
    if ini.is_empty() {
        a.name.trim().to_string()
    } else {
        format!("{} {ini}", a.name.trim())
    }
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.map(|v| {
        let t = v.trim();
        // No copy when there is nothing to trim (an abstract can be MBs).
        if t.len() == v.len() {
            v
        } else {
            t.to_string()
        }
    })
    .filter(|v| !v.is_empty())
}

/// Map one biblib citation onto a record; notes go to `warn`.
fn to_record(c: biblib::Citation, n: usize, warn: &mut dyn FnMut(String)) -> Option<Record> {
    let title = c.title.trim().to_string();
    let pmid = c
        .pmid
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .and_then(|p| match Pmid::parse(p) {
            Ok(p) => Some(p),
            Err(_) => {
                warn(format!(
                    "record {n}: PMID {p:?} is not a PubMed id; left out"
                ));
                None
            }
        });
    if title.is_empty() && pmid.is_none() {
        warn(format!("record {n}: no title and no PMID; skipped"));
        return None;
    }
    let doi = c.doi.as_deref().and_then(|d| match Doi::parse(d) {
        Ok(d) => Some(d),
        Err(_) => {
            warn(format!("record {n}: DOI {d:?} is not a DOI; left out"));
            None
        }
    });
    let kind = if c
        .citation_type
        .iter()
        .any(|t| t.starts_with("Book") || t == "BOOK" || t == "CHAP")
    {
        RecordKind::Book
    } else {
        RecordKind::Article
    };
    let mut mesh = Vec::new();
    let mut mesh_major = Vec::new();
    for m in &c.mesh_terms {
        let major = m.contains('*');
        let name = m.split('/').next().unwrap_or("").replace('*', "");
        let name = name.trim().to_string();
        if name.is_empty() {
            continue;
        }
        if major && !mesh_major.contains(&name) {
            mesh_major.push(name.clone());
        }
        if !mesh.contains(&name) {
            mesh.push(name);
        }
    }
    Some(Record {
        kind,
        pmid,
        doi,
        pmcid: nonempty(c.pmc_id),
        title,
        abstract_text: nonempty(c.abstract_text),
        journal: nonempty(c.journal),
        journal_iso: nonempty(c.journal_abbr),
        issn: c.issn.into_iter().next(),
        volume: nonempty(c.volume),
        issue: nonempty(c.issue),
        pages: nonempty(c.pages),
        year: c.date.as_ref().map(|d| d.year),
        authors: c.authors.iter().map(author_name).collect(),
        language: c.language.into_iter().collect(),
        publication_types: c.citation_type,
        mesh,
        mesh_major,
        keywords: c.keywords,
        from_export: true,
        ..Record::default()
    })
}

fn refs_error(e: biblib::ParseError, what: &str, first_line: u64) -> ParseError {
    ParseError::Refs {
        line: e.line.map(|l| l as u64 + first_line - 1),
        message: format!("{what}: {}", e.error),
    }
}

/// The line-based export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ris,
    Medline,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Ris => "RIS",
            Kind::Medline => "MEDLINE",
        }
    }
}

/// Whether `line` is the RIS tag `tag` (`TY  - JOUR`, an indented `ER  -`).
fn is_tag(line: &[u8], tag: &[u8; 2]) -> bool {
    let t = line.trim_ascii_start();
    t.strip_prefix(&tag[..])
        .is_some_and(|rest| rest.trim_ascii_start().starts_with(b"-"))
}

/// A blank line, which ends a MEDLINE record.
fn is_blank(line: &[u8]) -> bool {
    line == b"\n" || line == b"\r\n"
}

/// A RIS or MEDLINE export read record by record: lines are read with a
/// bound ([`limits::read_line`]), gathered into one record (MEDLINE: up to a
/// blank line; RIS: from `TY` to `ER`) of at most [`RECORD_LIMIT`] bytes, and
/// each record is handed to biblib alone, so memory holds one record.
struct Records {
    kind: Kind,
    warnings: Warnings,
    /// The record being gathered, and the line it starts on.
    chunk: Vec<u8>,
    chunk_line: u64,
    chunk_lines: usize,
    /// Byte offset of the chunk in the file.
    chunk_offset: u64,
    /// Citations read so far (their 1-based number names them).
    n: usize,
    /// The Latin-1 note was given.
    noted: bool,
}

impl Records {
    /// The record being gathered, for a message: its PMID when it has one.
    fn name(&self) -> String {
        let pmid = (self.kind == Kind::Medline)
            .then(|| {
                let first = self.chunk.split(|b| *b == b'\n').next()?;
                let v = std::str::from_utf8(first).ok()?.trim();
                Pmid::parse(v.strip_prefix("PMID-")?.trim()).ok()
            })
            .flatten();
        match pmid {
            Some(p) => format!("PMID {p} (record {}, line {})", self.n + 1, self.chunk_line),
            None => format!("record {} (line {})", self.n + 1, self.chunk_line),
        }
    }

    fn too_large(&self, what: String) -> ParseError {
        ParseError::TooLarge {
            record: self.name(),
            what,
        }
    }

    /// Parse the gathered record and hand its citations to `sink`; false
    /// when the sink asked to stop.
    fn flush(&mut self, sink: &mut dyn FnMut(Item) -> bool) -> Result<bool, ParseError> {
        if self.chunk.iter().all(u8::is_ascii_whitespace) {
            self.chunk.clear();
            return Ok(true);
        }
        let name = self.name();
        // UTF-8 (the usual case) becomes text without a copy.
        let d = match String::from_utf8(std::mem::take(&mut self.chunk)) {
            Ok(text) => Decoded { text, note: None },
            Err(e) => decode_at(e.as_bytes(), self.chunk_offset).map_err(|e| match e {
                ParseError::Encoding(m) => ParseError::Encoding(format!("{m} (in {name})")),
                other => other,
            })?,
        };
        if let Some(note) = d.note {
            if !self.noted {
                self.noted = true;
                self.warnings.push(Warning {
                    pmid: None,
                    offset: 0,
                    message: note,
                    skipped: false,
                });
            }
        }
        let cites = match self.kind {
            Kind::Ris => biblib::RisParser::new().parse(&d.text),
            Kind::Medline => biblib::PubMedParser::new().parse(&d.text),
        }
        .map_err(|e| refs_error(e, self.kind.name(), self.chunk_line))?;
        drop(d.text);
        for c in cites {
            self.n += 1;
            let mut notes = Vec::new();
            let rec = to_record(c, self.n, &mut |m| notes.push(m));
            let skipped = rec.is_none();
            for m in notes {
                self.warnings.push(Warning {
                    pmid: None,
                    offset: 0,
                    message: m,
                    skipped,
                });
            }
            if let Some(r) = rec {
                if let Err(what) = limits::check_record(&r) {
                    return Err(ParseError::TooLarge {
                        record: format!("record {} (line {})", self.n, self.chunk_line),
                        what,
                    });
                }
                if !sink(Item::Record(Box::new(r))) {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    fn read<R: BufRead>(
        mut self,
        mut input: R,
        sink: &mut dyn FnMut(Item) -> bool,
    ) -> Result<Warnings, ParseError> {
        let mut line = Vec::new();
        let (mut lineno, mut offset) = (0u64, 0u64);
        loop {
            line.clear();
            let got = limits::read_line(&mut input, &mut line, FIELD_LIMIT + 64)
                .map_err(|source| ParseError::Io { offset, source })?;
            match got {
                Line::End => break,
                Line::TooLong => {
                    return Err(self.too_large(format!(
                        "line {} is longer than {} (the limit of one field)",
                        lineno + 1,
                        limits::mib(FIELD_LIMIT)
                    )))
                }
                Line::Read(_) => {}
            }
            lineno += 1;
            if lineno == 1 && line.starts_with(b"\xEF\xBB\xBF") {
                line.drain(..3);
                offset += 3;
            }
            let starts = self.kind == Kind::Ris && is_tag(&line, b"TY");
            if starts && !self.chunk.is_empty() && !self.flush(sink)? {
                return Ok(self.warnings);
            }
            if self.chunk.is_empty() {
                self.chunk_line = lineno;
                self.chunk_lines = 0;
                self.chunk_offset = offset;
            }
            self.chunk.extend_from_slice(&line);
            self.chunk_lines += 1;
            offset += line.len() as u64;
            if self.chunk.len() > RECORD_LIMIT {
                return Err(self.too_large(format!(
                    "it is longer than {} (the limit of one record)",
                    limits::mib(RECORD_LIMIT)
                )));
            }
            if self.chunk_lines > LINE_LIMIT {
                return Err(self.too_large(format!(
                    "it has more than {LINE_LIMIT} lines (the limit of one record)"
                )));
            }
            let end = match self.kind {
                Kind::Ris => is_tag(&line, b"ER"),
                Kind::Medline => is_blank(&line),
            };
            if end && !self.flush(sink)? {
                return Ok(self.warnings);
            }
        }
        self.flush(sink)?;
        Ok(self.warnings)
    }
}

fn read_lines<R: BufRead>(
    kind: Kind,
    input: R,
    sink: &mut dyn FnMut(Item) -> bool,
) -> Result<Warnings, ParseError> {
    Records {
        kind,
        warnings: Warnings::default(),
        chunk: Vec::new(),
        chunk_line: 1,
        chunk_lines: 0,
        chunk_offset: 0,
        n: 0,
        noted: false,
    }
    .read(input, sink)
}

/// Read a RIS export, one record at a time (see [`limits`]).
///
/// ```
/// let ris = b"TY  - JOUR\nTI  - Mentalization-based treatment\nAU  - Bateman, Anthony W.\nPY  - 2009\nDO  - 10.1176/appi.ajp.2009.09040539\nER  - \n";
/// let mut recs = Vec::new();
/// lacuna::parse::refs::read_ris(&ris[..], &mut |i| { recs.push(i); true }).unwrap();
/// let lacuna::model::Item::Record(r) = &recs[0] else { panic!() };
/// assert_eq!((r.authors[0].as_str(), r.year), ("Bateman AW", Some(2009)));
/// ```
pub fn read_ris<R: BufRead>(
    input: R,
    sink: &mut dyn FnMut(Item) -> bool,
) -> Result<Warnings, ParseError> {
    read_lines(Kind::Ris, input, sink)
}

/// Read a MEDLINE/.nbib export (PubMed's "PubMed format"), one record at a time.
pub fn read_medline<R: BufRead>(
    input: R,
    sink: &mut dyn FnMut(Item) -> bool,
) -> Result<Warnings, ParseError> {
    read_lines(Kind::Medline, input, sink)
}

/// Column names (lower case) that feed each field, PubMed's CSV export first.
const COLUMNS: &[(&str, &[&str])] = &[
    ("pmid", &["pmid", "pubmed id", "record_id"]),
    ("title", &["title", "article title", "document title"]),
    ("abstract", &["abstract"]),
    ("year", &["publication year", "year", "py", "pubyear"]),
    ("doi", &["doi"]),
    ("authors", &["authors", "author", "author names"]),
    (
        "journal",
        &["journal/book", "journal", "source title", "source"],
    ),
    ("pmcid", &["pmcid"]),
    ("keywords", &["keywords", "author keywords"]),
];

/// A CSV read one record at a time by `csv_core`, into buffers that grow
/// only up to the [`limits`]: a record over [`RECORD_LIMIT`] bytes or
/// [`COLUMN_LIMIT`] fields is refused before more of it is read.
struct CsvRows<R> {
    input: R,
    core: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    /// Records read (the header is record 1, on "line" 1).
    n: u64,
    offset: u64,
    /// The header's names, once read (for messages).
    names: Vec<String>,
}

impl<R: BufRead> CsvRows<R> {
    /// The next record's fields (as ranges of `self.out`), or None at the end.
    fn next(&mut self) -> Result<Option<usize>, ParseError> {
        let (mut outlen, mut endlen) = (0usize, 0usize);
        loop {
            let input = self.input.fill_buf().map_err(|source| ParseError::Io {
                offset: self.offset,
                source,
            })?;
            let (res, nin, nout, nend) = self.core.read_record(
                input,
                self.out.get_mut(outlen..).unwrap_or_default(),
                self.ends.get_mut(endlen..).unwrap_or_default(),
            );
            self.input.consume(nin);
            self.offset += nin as u64;
            outlen += nout;
            endlen += nend;
            match res {
                csv_core::ReadRecordResult::InputEmpty => {}
                csv_core::ReadRecordResult::OutputFull => {
                    let start = endlen
                        .checked_sub(1)
                        .and_then(|i| self.ends.get(i))
                        .copied()
                        .unwrap_or(0);
                    if outlen - start > FIELD_LIMIT {
                        return Err(ParseError::TooLarge {
                            record: format!("the record on line {}", self.n + 1),
                            what: format!(
                                "its {} is longer than {} (the limit of one field)",
                                self.names.get(endlen).map_or_else(
                                    || format!("column {}", endlen + 1),
                                    |h| h.trim().to_string()
                                ),
                                limits::mib(FIELD_LIMIT)
                            ),
                        });
                    }
                    if self.out.len() > RECORD_LIMIT {
                        return Err(ParseError::TooLarge {
                            record: format!("the record on line {}", self.n + 1),
                            what: format!(
                                "it is longer than {} (the limit of one record)",
                                limits::mib(RECORD_LIMIT)
                            ),
                        });
                    }
                    let grown = (self.out.len() * 2).min(RECORD_LIMIT + 1);
                    self.out.resize(grown, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() >= COLUMN_LIMIT {
                        return Err(ParseError::TooLarge {
                            record: format!("the record on line {}", self.n + 1),
                            what: format!("it has more than {COLUMN_LIMIT} columns"),
                        });
                    }
                    let grown = (self.ends.len() * 2).min(COLUMN_LIMIT);
                    self.ends.resize(grown, 0);
                }
                csv_core::ReadRecordResult::Record => {
                    self.n += 1;
                    return Ok(Some(endlen));
                }
                csv_core::ReadRecordResult::End => return Ok(None),
            }
        }
    }

    /// Field `i` of the record just read (`fields` of them).
    fn field(&self, fields: usize, i: usize) -> Option<&[u8]> {
        if i >= fields {
            return None;
        }
        let start = if i == 0 { 0 } else { *self.ends.get(i - 1)? };
        self.out.get(start..*self.ends.get(i)?)
    }
}

/// A CSV cell as text: UTF-8, else Latin-1 (noted once), refused when its
/// bytes could as well be Windows-1252.
fn cell_text<'a>(
    bytes: &'a [u8],
    line: u64,
    note: &mut Option<String>,
) -> Result<std::borrow::Cow<'a, str>, ParseError> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(std::borrow::Cow::Borrowed(s)),
        Err(_) => {
            if bytes.iter().any(|b| (0x80..0xA0).contains(b)) {
                return Err(ParseError::Encoding(format!(
                    "line {line}: the file is not UTF-8 and holds bytes that mean different characters in Latin-1 and Windows-1252; export it again as UTF-8 (Excel: Save As > CSV UTF-8)"
                )));
            }
            if note.is_none() {
                *note = Some(format!(
                    "the file is not UTF-8 (first at line {line}); it was read as Latin-1 (ISO-8859-1). Check accented names in the imported records"
                ));
            }
            Ok(std::borrow::Cow::Owned(
                bytes.iter().map(|&b| char::from(b)).collect(),
            ))
        }
    }
}

/// Read a CSV: PubMed's CSV export, or a plain sheet with at least a title
/// column (and any of abstract, year, doi, authors, journal, pmid). Comma,
/// semicolon or tab separated. Read a record at a time (see [`limits`]).
///
/// ```
/// let csv = b"Title,Abstract,Year,DOI\n\"Peer support, a trial\",Background...,2021,10.1/x\n";
/// let mut recs = Vec::new();
/// lacuna::parse::refs::read_csv(&csv[..], &mut |i| { recs.push(i); true }).unwrap();
/// let lacuna::model::Item::Record(r) = &recs[0] else { panic!() };
/// assert_eq!((r.title.as_str(), r.year), ("Peer support, a trial", Some(2021)));
/// ```
pub fn read_csv<R: BufRead>(
    mut input: R,
    sink: &mut dyn FnMut(Item) -> bool,
) -> Result<Warnings, ParseError> {
    let io = |source| ParseError::Io { offset: 0, source };
    let head = input.fill_buf().map_err(io)?;
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Err(ParseError::Encoding(
            "the file is UTF-16 (as some Windows tools save it); re-save or export it as UTF-8"
                .into(),
        ));
    }
    let bom = if head.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let first = head.get(bom..).unwrap_or_default();
    let first = first.split(|b| *b == b'\n').next().unwrap_or_default();
    let delim = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|c| first.iter().filter(|b| *b == c).count())
        .unwrap_or(b',');
    input.consume(bom);
    let mut rows = CsvRows {
        input,
        core: csv_core::ReaderBuilder::new().delimiter(delim).build(),
        out: vec![0; 64 * 1024],
        ends: vec![0; 64],
        n: 0,
        offset: bom as u64,
        names: Vec::new(),
    };
    let mut note: Option<String> = None;
    let Some(nh) = rows.next()? else {
        return Err(ParseError::Refs {
            line: Some(1),
            message: "CSV without a header row".into(),
        });
    };
    let mut headers = Vec::with_capacity(nh);
    for i in 0..nh {
        let h = cell_text(rows.field(nh, i).unwrap_or_default(), 1, &mut note)?;
        if h.len() > FIELD_LIMIT {
            return Err(ParseError::TooLarge {
                record: "the header (line 1)".into(),
                what: format!("a column name is longer than {}", limits::mib(FIELD_LIMIT)),
            });
        }
        headers.push(h.into_owned());
    }
    if let Some(name) = crate::model::repeated_column(headers.iter().map(String::as_str)) {
        return Err(ParseError::Refs {
            line: Some(1),
            message: crate::model::repeated_column_message(name),
        });
    }
    rows.names.clone_from(&headers);
    let mut col: HashMap<&str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim().to_lowercase();
        for (field, names) in COLUMNS {
            if names.contains(&h.as_str()) && !col.contains_key(field) {
                col.insert(field, i);
            }
        }
    }
    if !col.contains_key("title") {
        return Err(ParseError::Refs {
            line: Some(1),
            message: format!(
                "CSV without a title column (found: {}); Lacuna reads PubMed's CSV export or a sheet with columns title, abstract, year, doi",
                headers
                    .iter()
                    .take(20)
                    .map(|h| h.chars().take(60).collect::<String>())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    let pmid_strict = col
        .get("pmid")
        .and_then(|&i| headers.get(i))
        .is_some_and(|h| matches!(h.trim().to_lowercase().as_str(), "pmid" | "pubmed id"));
    let mut warnings = Warnings::default();
    let mut i = 0u64;
    while let Some(nf) = rows.next()? {
        let line = i + 2;
        i += 1;
        let mut cells: HashMap<&str, String> = HashMap::new();
        for (f, &c) in &col {
            let Some(bytes) = rows.field(nf, c) else {
                continue;
            };
            if bytes.len() > FIELD_LIMIT {
                return Err(ParseError::TooLarge {
                    record: format!("the record on line {line}"),
                    what: format!(
                        "its {} is longer than {} (the limit of one field)",
                        headers.get(c).map_or("cell", |h| h.trim()),
                        limits::mib(FIELD_LIMIT)
                    ),
                });
            }
            let t = cell_text(bytes, line, &mut note)?;
            let t = t.trim();
            if !t.is_empty() {
                cells.insert(f, t.to_string());
            }
        }
        let get = |f: &str| cells.get(f).map(String::as_str);
        let mut warn = |m: String, skipped: bool| {
            warnings.push(Warning {
                pmid: None,
                offset: 0,
                message: format!("line {line}: {m}"),
                skipped,
            })
        };
        let pmid = get("pmid").and_then(|p| match Pmid::parse(p) {
            Ok(p) => Some(p),
            Err(_) => {
                // A plain sheet's record_id need not be a PMID; a PMID column must be.
                if pmid_strict {
                    warn(format!("PMID {p:?} is not a PubMed id; left out"), false);
                }
                None
            }
        });
        let Some(title) = get("title") else {
            warn("no title; skipped".into(), true);
            continue;
        };
        let year = get("year").and_then(|y| {
            let digits: String = y.chars().take_while(char::is_ascii_digit).collect();
            match digits.parse::<i32>() {
                Ok(v) if (1000..=3000).contains(&v) => Some(v),
                _ => {
                    warn(format!("year {y:?} is not a year; left out"), false);
                    None
                }
            }
        });
        let doi = get("doi").and_then(|v| match Doi::parse(v) {
            Ok(d) => Some(d),
            Err(_) => {
                warn(format!("DOI {v:?} is not a DOI; left out"), false);
                None
            }
        });
        let sep = |s: &str| -> Vec<String> {
            let parts: Vec<&str> = if s.contains(';') {
                s.split(';').collect()
            } else {
                s.split(", ").collect()
            };
            parts
                .into_iter()
                .map(|p| p.trim().trim_end_matches('.').to_string())
                .filter(|p| !p.is_empty())
                .take(ENTRY_LIMIT + 1)
                .collect()
        };
        let rec = Record {
            pmid,
            doi,
            pmcid: get("pmcid").map(String::from),
            title: title.to_string(),
            abstract_text: get("abstract").map(String::from),
            year,
            authors: get("authors").map(sep).unwrap_or_default(),
            journal: get("journal").map(String::from),
            keywords: get("keywords").map(sep).unwrap_or_default(),
            from_export: true,
            ..Record::default()
        };
        if let Err(what) = limits::check_record(&rec) {
            return Err(ParseError::TooLarge {
                record: match pmid {
                    Some(p) => format!("PMID {p} (line {line})"),
                    None => format!("the record on line {line}"),
                },
                what,
            });
        }
        if !sink(Item::Record(Box::new(rec))) {
            break;
        }
    }
    if let Some(n) = note {
        warnings.push(Warning {
            pmid: None,
            offset: 0,
            message: n,
            skipped: false,
        });
    }
    Ok(warnings)
}
