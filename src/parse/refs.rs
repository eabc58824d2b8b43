//! Reference-manager and database exports: RIS (Ovid, EBSCO, Scopus, Web of
//! Science, Zotero, EndNote), MEDLINE/.nbib (PubMed's "PubMed format"), and
//! CSV (PubMed's CSV export, or any sheet with a title column).
//!
//! RIS and MEDLINE are read by the `biblib` crate, CSV by `csv`; this module
//! decodes the bytes (UTF-8 with or without BOM; Latin-1 detected and
//! decoded with a warning; UTF-16 and Windows-1252 refused with advice) and
//! maps each citation onto a [`Record`]. It does no I/O.

use super::{ParseError, Warning};
use crate::model::{Doi, Item, Pmid, Record, RecordKind};
use biblib::CitationParser;
use std::collections::HashMap;

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
            let at = e.valid_up_to();
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
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
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

fn refs_error(e: biblib::ParseError, what: &str) -> ParseError {
    ParseError::Refs {
        line: e.line.map(|l| l as u64),
        message: format!("{what}: {}", e.error),
    }
}

fn emit(
    cites: Vec<biblib::Citation>,
    note: Option<String>,
    sink: &mut dyn FnMut(Item) -> bool,
) -> Vec<Warning> {
    let mut warnings = Vec::new();
    if let Some(n) = note {
        warnings.push(Warning {
            pmid: None,
            offset: 0,
            message: n,
            skipped: false,
        });
    }
    for (i, c) in cites.into_iter().enumerate() {
        let mut notes = Vec::new();
        let rec = to_record(c, i + 1, &mut |m| notes.push(m));
        let skipped = rec.is_none();
        for m in notes {
            warnings.push(Warning {
                pmid: None,
                offset: 0,
                message: m,
                skipped,
            });
        }
        if let Some(r) = rec {
            if !sink(Item::Record(Box::new(r))) {
                break;
            }
        }
    }
    warnings
}

/// Read a RIS export.
///
/// ```
/// let ris = b"TY  - JOUR\nTI  - Mentalization-based treatment\nAU  - Bateman, Anthony W.\nPY  - 2009\nDO  - 10.1176/appi.ajp.2009.09040539\nER  - \n";
/// let mut recs = Vec::new();
/// lacuna::parse::refs::read_ris(ris, &mut |i| { recs.push(i); true }).unwrap();
/// let lacuna::model::Item::Record(r) = &recs[0] else { panic!() };
/// assert_eq!((r.authors[0].as_str(), r.year), ("Bateman AW", Some(2009)));
/// ```
pub fn read_ris(
    bytes: &[u8],
    sink: &mut dyn FnMut(Item) -> bool,
) -> Result<Vec<Warning>, ParseError> {
    let d = decode(bytes)?;
    let cites = biblib::RisParser::new()
        .parse(&d.text)
        .map_err(|e| refs_error(e, "RIS"))?;
    Ok(emit(cites, d.note, sink))
}

/// Read a MEDLINE/.nbib export (PubMed's "PubMed format").
pub fn read_medline(
    bytes: &[u8],
    sink: &mut dyn FnMut(Item) -> bool,
) -> Result<Vec<Warning>, ParseError> {
    let d = decode(bytes)?;
    let cites = biblib::PubMedParser::new()
        .parse(&d.text)
        .map_err(|e| refs_error(e, "MEDLINE"))?;
    Ok(emit(cites, d.note, sink))
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

/// Read a CSV: PubMed's CSV export, or a plain sheet with at least a title
/// column (and any of abstract, year, doi, authors, journal, pmid). Comma,
/// semicolon or tab separated.
///
/// ```
/// let csv = b"Title,Abstract,Year,DOI\n\"Peer support, a trial\",Background...,2021,10.1/x\n";
/// let mut recs = Vec::new();
/// lacuna::parse::refs::read_csv(csv, &mut |i| { recs.push(i); true }).unwrap();
/// let lacuna::model::Item::Record(r) = &recs[0] else { panic!() };
/// assert_eq!((r.title.as_str(), r.year), ("Peer support, a trial", Some(2021)));
/// ```
pub fn read_csv(
    bytes: &[u8],
    sink: &mut dyn FnMut(Item) -> bool,
) -> Result<Vec<Warning>, ParseError> {
    let d = decode(bytes)?;
    let first = d.text.lines().next().unwrap_or("");
    let delim = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|c| first.bytes().filter(|b| b == c).count())
        .unwrap_or(b',');
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .from_reader(d.text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| ParseError::Refs {
            line: Some(1),
            message: format!("CSV header: {e}"),
        })?
        .clone();
    if let Some(name) = crate::model::repeated_column(headers.iter()) {
        return Err(ParseError::Refs {
            line: Some(1),
            message: crate::model::repeated_column_message(name),
        });
    }
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
                headers.iter().collect::<Vec<_>>().join(", ")
            ),
        });
    }
    let pmid_strict = col
        .get("pmid")
        .and_then(|&i| headers.get(i))
        .is_some_and(|h| matches!(h.trim().to_lowercase().as_str(), "pmid" | "pubmed id"));
    let mut warnings = Vec::new();
    if let Some(n) = d.note {
        warnings.push(Warning {
            pmid: None,
            offset: 0,
            message: n,
            skipped: false,
        });
    }
    for (i, row) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let row = row.map_err(|e| ParseError::Refs {
            line: Some(line),
            message: format!("CSV: {e}"),
        })?;
        let get = |f: &str| {
            col.get(f)
                .and_then(|&i| row.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
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
        if !sink(Item::Record(Box::new(rec))) {
            break;
        }
    }
    Ok(warnings)
}
