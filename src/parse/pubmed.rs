//! Streaming reader of PubMed XML (`PubmedArticleSet`): efetch replies and the
//! annual baseline/update files alike, into [`Record`]s and [`Deletion`]s.
//!
//! Memory is constant in the file size: one record is built at a time and
//! handed to a sink. It knows nothing of gzip, files or threads (see
//! [`super::open`]); it reads any [`BufRead`]. Elements are recognised by
//! their parent, so the PMIDs and DOIs inside `CommentsCorrections` and
//! `ReferenceList` never leak into the record. Inline markup (`<i>`, `<sup>`,
//! MathML, ...) is flattened to its text and whitespace collapsed.

use super::limits::{
    self, RunGuard, RunTooLong, DEPTH_LIMIT, ENTRY_LIMIT, FIELD_LIMIT, RECORD_LIMIT,
};
use super::{ParseError, Warning, Warnings};
use crate::model::{
    AbstractSection, Correction, Deletion, Doi, Item, MeshHeading, MeshQualifier, OtherAbstract,
    Pmid, Record, RecordKind, CORRECTION_TYPES,
};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::io::BufRead;

/// The elements the reader acts on; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Other,
    PubmedArticleSet,
    PubmedArticle,
    PubmedBookArticle,
    DeleteCitation,
    MedlineCitation,
    BookDocument,
    Book,
    Pmid,
    Article,
    Journal,
    JournalIssue,
    Issn,
    Volume,
    Issue,
    PubDate,
    Year,
    Month,
    Day,
    Season,
    MedlineDate,
    Title,
    IsoAbbreviation,
    ArticleTitle,
    VernacularTitle,
    BookTitle,
    Pagination,
    MedlinePgn,
    StartPage,
    EndPage,
    ELocationId,
    Abstract,
    AbstractText,
    OtherAbstract,
    AuthorList,
    Author,
    LastName,
    ForeName,
    Initials,
    CollectiveName,
    Language,
    PublicationTypeList,
    PublicationType,
    MeshHeading,
    DescriptorName,
    QualifierName,
    KeywordList,
    Keyword,
    DateRevised,
    PubmedData,
    PubmedBookData,
    ArticleIdList,
    ArticleId,
    CommentsCorrectionsList,
    CommentsCorrections,
    RefSource,
}

/// Elements whose whole subtree is never read: reference lists, history
/// dates, affiliations and the like, about half the elements of an NLM update
/// file. quick-xml runs through them without an event each reaching us.
fn skipped(name: &[u8]) -> Option<&'static [u8]> {
    Some(match name {
        b"ReferenceList" => b"ReferenceList",
        b"History" => b"History",
        b"AffiliationInfo" => b"AffiliationInfo",
        b"GrantList" => b"GrantList",
        b"InvestigatorList" => b"InvestigatorList",
        b"ChemicalList" => b"ChemicalList",
        _ => return None,
    })
}

fn tag_of(name: &[u8]) -> Tag {
    match name {
        b"PubmedArticleSet" => Tag::PubmedArticleSet,
        b"PubmedArticle" => Tag::PubmedArticle,
        b"PubmedBookArticle" => Tag::PubmedBookArticle,
        b"DeleteCitation" => Tag::DeleteCitation,
        b"MedlineCitation" => Tag::MedlineCitation,
        b"BookDocument" => Tag::BookDocument,
        b"Book" => Tag::Book,
        b"PMID" => Tag::Pmid,
        b"Article" => Tag::Article,
        b"Journal" => Tag::Journal,
        b"JournalIssue" => Tag::JournalIssue,
        b"ISSN" => Tag::Issn,
        b"Volume" => Tag::Volume,
        b"Issue" => Tag::Issue,
        b"PubDate" => Tag::PubDate,
        b"Year" => Tag::Year,
        b"Month" => Tag::Month,
        b"Day" => Tag::Day,
        b"Season" => Tag::Season,
        b"MedlineDate" => Tag::MedlineDate,
        b"Title" => Tag::Title,
        b"ISOAbbreviation" => Tag::IsoAbbreviation,
        b"ArticleTitle" => Tag::ArticleTitle,
        b"VernacularTitle" => Tag::VernacularTitle,
        b"BookTitle" => Tag::BookTitle,
        b"Pagination" => Tag::Pagination,
        b"MedlinePgn" => Tag::MedlinePgn,
        b"StartPage" => Tag::StartPage,
        b"EndPage" => Tag::EndPage,
        b"ELocationID" => Tag::ELocationId,
        b"Abstract" => Tag::Abstract,
        b"AbstractText" => Tag::AbstractText,
        b"OtherAbstract" => Tag::OtherAbstract,
        b"AuthorList" => Tag::AuthorList,
        b"Author" => Tag::Author,
        b"LastName" => Tag::LastName,
        b"ForeName" => Tag::ForeName,
        b"Initials" => Tag::Initials,
        b"CollectiveName" => Tag::CollectiveName,
        b"Language" => Tag::Language,
        b"PublicationTypeList" => Tag::PublicationTypeList,
        b"PublicationType" => Tag::PublicationType,
        b"MeshHeading" => Tag::MeshHeading,
        b"DescriptorName" => Tag::DescriptorName,
        b"QualifierName" => Tag::QualifierName,
        b"KeywordList" => Tag::KeywordList,
        b"Keyword" => Tag::Keyword,
        b"DateRevised" => Tag::DateRevised,
        b"PubmedData" => Tag::PubmedData,
        b"PubmedBookData" => Tag::PubmedBookData,
        b"ArticleIdList" => Tag::ArticleIdList,
        b"ArticleId" => Tag::ArticleId,
        b"CommentsCorrectionsList" => Tag::CommentsCorrectionsList,
        b"CommentsCorrections" => Tag::CommentsCorrections,
        b"RefSource" => Tag::RefSource,
        _ => Tag::Other,
    }
}

/// Where captured text goes when its element closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    RecordPmid,
    DeletedPmid,
    Issn,
    Volume,
    Issue,
    PubYear,
    PubMonth,
    PubDay,
    PubSeason,
    MedlineDate,
    JournalTitle,
    JournalIso,
    ArticleTitle,
    VernacularTitle,
    BookTitle,
    MedlinePgn,
    StartPage,
    EndPage,
    ElocationDoi,
    AbstractText,
    OtherAbstractText,
    LastName,
    ForeName,
    Initials,
    CollectiveName,
    Language,
    PublicationType,
    Descriptor,
    Qualifier,
    Keyword,
    RevYear,
    RevMonth,
    RevDay,
    ArticleIdDoi,
    ArticleIdPmc,
    CorrectionSource,
    CorrectionPmid,
}

#[derive(Default)]
struct AuthorParts {
    last: String,
    fore: String,
    initials: String,
    collective: String,
    valid: bool,
}

/// A record being assembled.
#[derive(Default)]
struct Builder {
    offset: u64,
    rec: Record,
    pmid_text: Option<String>,
    pmid_version: Option<u32>,
    year: String,
    month: String,
    day: String,
    season: String,
    medline_date: String,
    rev: [String; 3],
    medline_pgn: String,
    start_page: String,
    end_page: String,
    eloc_doi: Option<String>,
    id_doi: Option<String>,
    section: AbstractSection,
    other: Option<(OtherAbstract, Vec<String>)>,
    author: Option<AuthorParts>,
    editors: bool,
    heading: Option<MeshHeading>,
    qualifier: MeshQualifier,
    /// The `CommentsCorrections` entry being read, when it is of a kept type.
    correction: Option<Correction>,
    notes: Vec<String>,
    /// Bytes of text read into the record so far.
    text_bytes: usize,
    /// Fields read into the record so far.
    entries: usize,
}

/// Reads one PubMed XML stream, calling `sink` for each item in file order.
///
/// `sink` returns `false` to stop early. Returns the warnings: records that
/// could not be read (skipped) and oddities in records that were kept.
///
/// No run of more than [`FIELD_LIMIT`] bytes without a `<` reaches the XML
/// reader, and every record keeps the [`limits`]: a record over them is
/// refused with [`ParseError::TooLarge`] as soon as the limit is passed.
pub fn read<R: BufRead>(
    input: R,
    sink: &mut dyn FnMut(Item) -> bool,
) -> Result<Warnings, ParseError> {
    let mut p = PubmedReader::new();
    let guarded = RunGuard::new(input, 64 * 1024, FIELD_LIMIT);
    p.run(
        &mut Buffered(configured(Reader::from_reader(guarded))),
        sink,
    )?;
    Ok(p.warnings)
}

/// Like [`read`], for a document already in memory: borrows its text instead
/// of copying each event into a buffer (faster; harvest holds efetch replies
/// in memory).
pub fn read_slice(
    input: &[u8],
    sink: &mut dyn FnMut(Item) -> bool,
) -> Result<Warnings, ParseError> {
    let mut p = PubmedReader::new();
    p.run(&mut Slice(configured(Reader::from_reader(input))), sink)?;
    Ok(p.warnings)
}

fn configured<R>(mut reader: Reader<R>) -> Reader<R> {
    let cfg = reader.config_mut();
    cfg.check_end_names = true;
    cfg.trim_text(false);
    reader
}

/// Where events come from: a buffered stream or an in-memory slice.
trait Source {
    fn next<'s>(&'s mut self, buf: &'s mut Vec<u8>) -> quick_xml::Result<Event<'s>>;
    fn buffer_position(&self) -> u64;
    fn error_position(&self) -> u64;
}

struct Buffered<R>(Reader<R>);

impl<R: BufRead> Source for Buffered<R> {
    fn next<'s>(&'s mut self, buf: &'s mut Vec<u8>) -> quick_xml::Result<Event<'s>> {
        self.0.read_event_into(buf)
    }
    fn buffer_position(&self) -> u64 {
        self.0.buffer_position()
    }
    fn error_position(&self) -> u64 {
        self.0.error_position()
    }
}

struct Slice<'a>(Reader<&'a [u8]>);

impl Source for Slice<'_> {
    fn next<'s>(&'s mut self, _buf: &'s mut Vec<u8>) -> quick_xml::Result<Event<'s>> {
        self.0.read_event()
    }
    fn buffer_position(&self) -> u64 {
        self.0.buffer_position()
    }
    fn error_position(&self) -> u64 {
        self.0.error_position()
    }
}

struct PubmedReader {
    pos: u64,
    stack: Vec<Tag>,
    root_seen: bool,
    b: Option<Builder>,
    capture: Option<Target>,
    capture_depth: usize,
    text: String,
    del_version: Option<u32>,
    warnings: Warnings,
    /// The XML declaration says ISO-8859-1: text bytes are Latin-1.
    latin1: bool,
    /// Open elements of a subtree nothing is read from (0 outside one).
    skip_depth: usize,
    /// The element that subtree started with.
    skip_name: &'static [u8],
    /// Why the reading stopped, when a record broke a limit.
    fail: Option<ParseError>,
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    for a in e.attributes().with_checks(false).flatten() {
        if a.key.as_ref() == name {
            return Some(String::from_utf8_lossy(&a.value).into_owned());
        }
    }
    None
}

/// Collapse runs of XML whitespace into one space and trim. Takes the buffer,
/// so the common case (nothing to collapse) costs one scan and no copy.
fn collapse(s: &mut String) -> String {
    let b = s.as_bytes();
    let clean = b.first().is_none_or(|c| *c != b' ')
        && b.last().is_none_or(|c| *c != b' ')
        && !b.iter().any(|c| matches!(c, b'\t' | b'\n' | b'\r'))
        && !b.windows(2).any(|w| w == b"  ");
    if clean {
        let mut t = std::mem::take(s);
        if t.capacity() > t.len() + (64 << 10) {
            t.shrink_to_fit(); // a big field keeps no spare room
        }
        return t;
    }
    let mut out = String::with_capacity(s.len());
    for part in s.split([' ', '\t', '\n', '\r']).filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(part);
    }
    s.clear();
    out
}

fn entity(name: &[u8]) -> Option<char> {
    Some(match name {
        b"amp" => '&',
        b"lt" => '<',
        b"gt" => '>',
        b"quot" => '"',
        b"apos" => '\'',
        _ => return None,
    })
}

fn some_nonempty(s: String) -> Option<String> {
    if s.is_empty() {
        None
    } else {
        Some(s)
    }
}

/// First plausible four-digit year in free text ("1998 Dec-1999 Jan" -> 1998).
pub fn year_in(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    let mut i = 0;
    while i + 4 <= b.len() {
        let w = b.get(i..i + 4)?;
        let before_ok = i == 0 || !b.get(i - 1).is_some_and(u8::is_ascii_digit);
        let after_ok = !b.get(i + 4).is_some_and(u8::is_ascii_digit);
        if before_ok && after_ok && w.iter().all(u8::is_ascii_digit) {
            let y: i32 = std::str::from_utf8(w).ok()?.parse().ok()?;
            if (1000..=2999).contains(&y) {
                return Some(y);
            }
        }
        i += 1;
    }
    None
}

fn month_number(m: &str) -> Option<u32> {
    if let Ok(n) = m.parse::<u32>() {
        return (1..=12).contains(&n).then_some(n);
    }
    let names = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let l = m.get(..3)?.to_ascii_lowercase();
    names
        .iter()
        .position(|n| *n == l)
        .and_then(|i| u32::try_from(i + 1).ok())
}

fn initials_of(fore: &str) -> String {
    fore.split(|c: char| c.is_whitespace() || c == '-')
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_uppercase)
        .collect()
}

impl PubmedReader {
    fn new() -> Self {
        PubmedReader {
            pos: 0,
            stack: Vec::with_capacity(32),
            root_seen: false,
            b: None,
            capture: None,
            capture_depth: 0,
            text: String::with_capacity(4096),
            del_version: None,
            warnings: Warnings::default(),
            latin1: false,
            skip_depth: 0,
            skip_name: b"",
            fail: None,
        }
    }

    /// The record being read, for a message: its PMID where read, and its place.
    fn record_name(&self) -> String {
        match &self.b {
            Some(b) => match b.pmid_text.as_deref().and_then(|p| Pmid::parse(p).ok()) {
                Some(p) => format!("PMID {p} (the record at byte {})", b.offset),
                None => format!("the record at byte {}", b.offset),
            },
            None => format!("the text at byte {}", self.pos),
        }
    }

    /// The element whose text is being read (not the inline markup inside
    /// it), or the innermost open one.
    fn field_name(&self) -> String {
        let at = if self.capture.is_some() {
            self.capture_depth.checked_sub(1)
        } else {
            self.stack.len().checked_sub(1)
        };
        at.and_then(|i| self.stack.get(i))
            .map_or_else(|| "the document".to_string(), |t| tag_name(*t))
    }

    fn too_large(&self, what: String) -> ParseError {
        ParseError::TooLarge {
            record: self.record_name(),
            what,
        }
    }

    fn xml_error<S: Source>(&self, src: &S, e: quick_xml::Error) -> ParseError {
        match e {
            quick_xml::Error::Io(io) if RunTooLong::is(&io) => self.too_large(format!(
                "{} holds a text or tag longer than {} (the limit of one field)",
                self.field_name(),
                limits::mib(FIELD_LIMIT)
            )),
            quick_xml::Error::Io(io) => ParseError::Io {
                offset: src.buffer_position(),
                source: std::io::Error::new(io.kind(), io.to_string()),
            },
            other => ParseError::Xml {
                offset: src.error_position(),
                message: other.to_string(),
            },
        }
    }

    /// Stop with `e`: the reason `end` returned false.
    fn stop(&mut self) -> Result<(), ParseError> {
        match self.fail.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn run<S: Source>(
        &mut self,
        src: &mut S,
        sink: &mut dyn FnMut(Item) -> bool,
    ) -> Result<(), ParseError> {
        let mut buf = Vec::with_capacity(64 * 1024);
        loop {
            if buf.capacity() > 1 << 20 {
                // After a text of many MB: give the memory back.
                buf = Vec::with_capacity(64 * 1024);
            }
            buf.clear();
            let pos = src.buffer_position();
            self.pos = pos;
            let ev = match src.next(&mut buf) {
                Ok(ev) => ev,
                Err(e) => return Err(self.xml_error(src, e)),
            };
            if self.skip_depth > 0 {
                // Inside a subtree nothing is read from: only its depth counts
                // (quick-xml still checks that it is well formed).
                match ev {
                    Event::Start(_) => {
                        self.skip_depth += 1;
                        self.check_depth()?;
                    }
                    Event::End(_) => self.skip_depth -= 1,
                    Event::Eof => {
                        return Err(ParseError::Xml {
                            offset: src.buffer_position(),
                            message: format!(
                                "the document ends inside {} ({} element(s) still open): the file is truncated",
                                String::from_utf8_lossy(self.skip_name),
                                self.stack.len() + self.skip_depth
                            ),
                        })
                    }
                    _ => {}
                }
                continue;
            }
            match ev {
                Event::Start(e) => {
                    let tag = tag_of(e.name().as_ref());
                    if tag == Tag::Other && self.capture.is_none() {
                        if let Some(name) = skipped(e.name().as_ref()) {
                            self.skip_name = name;
                            self.skip_depth = 1;
                            continue;
                        }
                    }
                    self.check_root(&e)?;
                    self.start(tag, &e, pos);
                    self.stack.push(tag);
                    self.check_depth()?;
                }
                Event::Empty(e) => {
                    let tag = tag_of(e.name().as_ref());
                    self.check_root(&e)?;
                    self.start(tag, &e, pos);
                    self.stack.push(tag);
                    if !self.end(tag, sink) {
                        return self.stop();
                    }
                    self.stack.pop();
                }
                Event::End(_) => {
                    let tag = self.stack.last().copied().unwrap_or(Tag::Other);
                    if !self.end(tag, sink) {
                        return self.stop();
                    }
                    self.stack.pop();
                }
                Event::Text(t) => {
                    if self.capture.is_some() && self.latin1 {
                        self.text.extend(t.iter().map(|b| char::from(*b)));
                    } else if self.capture.is_some() {
                        match std::str::from_utf8(&t) {
                            Ok(s) => self.text.push_str(s),
                            Err(_) => {
                                self.text.push_str(&String::from_utf8_lossy(&t));
                                self.note("text is not valid UTF-8; bad bytes replaced by U+FFFD");
                            }
                        }
                    }
                    self.check_text()?;
                }
                Event::CData(t) => {
                    if self.capture.is_some() {
                        self.text.push_str(&String::from_utf8_lossy(&t));
                    }
                    self.check_text()?;
                }
                Event::GeneralRef(r) => {
                    if self.capture.is_some() {
                        match r.resolve_char_ref() {
                            Ok(Some(c)) => self.text.push(c),
                            Ok(None) => match entity(&r) {
                                Some(c) => self.text.push(c),
                                None => {
                                    let name = String::from_utf8_lossy(&r).into_owned();
                                    self.text.push('&');
                                    self.text.push_str(&name);
                                    self.text.push(';');
                                    self.note(&format!("unknown entity &{name}; kept as written"));
                                }
                            },
                            Err(e) => {
                                self.note(&format!("bad character reference: {e}"));
                            }
                        }
                    }
                    self.check_text()?;
                }
                Event::Eof => break,
                Event::Decl(d) => {
                    if let Some(Ok(enc)) = d.encoding() {
                        let name = String::from_utf8_lossy(&enc).trim().to_ascii_lowercase();
                        match name.as_str() {
                            "utf-8" | "utf8" | "us-ascii" | "ascii" => {}
                            "iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "l1" => {
                                self.latin1 = true;
                            }
                            other => {
                                return Err(ParseError::Encoding(format!(
                                    "the XML declares encoding {other:?}, which Lacuna does not read: convert the file to UTF-8 (e.g. iconv -f {other} -t UTF-8)"
                                )))
                            }
                        }
                    }
                }
                Event::PI(_) | Event::DocType(_) | Event::Comment(_) => {}
            }
        }
        if let Some(open) = self.stack.last() {
            return Err(ParseError::Xml {
                offset: src.buffer_position(),
                message: format!(
                    "the document ends inside {} ({} element(s) still open): the file is truncated",
                    tag_name(*open),
                    self.stack.len()
                ),
            });
        }
        if !self.root_seen {
            return Err(ParseError::Xml {
                offset: src.buffer_position(),
                message: "no root element".into(),
            });
        }
        Ok(())
    }

    /// Refuse elements nested deeper than [`DEPTH_LIMIT`] (the XML reader
    /// keeps every open element's name).
    fn check_depth(&self) -> Result<(), ParseError> {
        if self.stack.len() + self.skip_depth > DEPTH_LIMIT {
            return Err(self.too_large(format!(
                "its elements are nested more than {DEPTH_LIMIT} deep"
            )));
        }
        Ok(())
    }

    /// Refuse a field whose text (across inline markup) passes [`FIELD_LIMIT`].
    fn check_text(&self) -> Result<(), ParseError> {
        if self.text.len() > FIELD_LIMIT {
            return Err(self.too_large(format!(
                "its {} is longer than {} (the limit of one field)",
                self.field_name(),
                limits::mib(FIELD_LIMIT)
            )));
        }
        Ok(())
    }

    fn check_root(&mut self, e: &BytesStart<'_>) -> Result<(), ParseError> {
        if self.stack.is_empty() {
            if self.root_seen {
                return Err(ParseError::Xml {
                    offset: self.pos,
                    message: "a second root element after </PubmedArticleSet>".into(),
                });
            }
            self.root_seen = true;
            if e.name().as_ref() != b"PubmedArticleSet" {
                return Err(ParseError::NotPubmed {
                    root: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                });
            }
        }
        Ok(())
    }

    fn note(&mut self, msg: &str) {
        if let Some(b) = self.b.as_mut() {
            // A few distinct notes say enough; a hostile record could make millions.
            if b.notes.len() < 20 && !b.notes.iter().any(|n| n == msg) {
                b.notes.push(msg.to_string());
            }
        } else {
            self.warnings.push(Warning {
                pmid: None,
                offset: self.pos,
                message: msg.to_string(),
                skipped: false,
            });
        }
    }

    fn parent(&self) -> Tag {
        self.stack.last().copied().unwrap_or(Tag::Other)
    }

    fn grandparent(&self) -> Tag {
        let n = self.stack.len();
        if n >= 2 {
            self.stack.get(n - 2).copied().unwrap_or(Tag::Other)
        } else {
            Tag::Other
        }
    }

    fn begin_capture(&mut self, t: Target) {
        self.capture = Some(t);
        // The element is pushed after `start`; its depth is then stack.len() + 1.
        self.capture_depth = self.stack.len() + 1;
        self.text.clear();
    }

    /// Called for every start (or empty) element before it is pushed.
    fn start(&mut self, tag: Tag, e: &BytesStart<'_>, pos: u64) {
        if self.capture.is_some() || tag == Tag::Other {
            return; // inline markup inside captured text, or an element we ignore
        }
        let parent = self.parent();
        match tag {
            Tag::PubmedArticle | Tag::PubmedBookArticle if parent == Tag::PubmedArticleSet => {
                let mut b = Builder {
                    offset: pos,
                    ..Builder::default()
                };
                b.rec.kind = if tag == Tag::PubmedBookArticle {
                    RecordKind::Book
                } else {
                    RecordKind::Article
                };
                self.b = Some(b);
                return;
            }
            Tag::DeleteCitation => return,
            Tag::Pmid if parent == Tag::DeleteCitation => {
                self.del_version = attr(e, b"Version").and_then(|v| v.trim().parse().ok());
                self.begin_capture(Target::DeletedPmid);
                return;
            }
            _ => {}
        }
        let gp = self.grandparent();
        let Some(b) = self.b.as_mut() else { return };
        let target = match (tag, parent) {
            (Tag::Pmid, Tag::MedlineCitation | Tag::BookDocument) => {
                if b.pmid_text.is_none() {
                    b.pmid_version = attr(e, b"Version").and_then(|v| v.trim().parse().ok());
                }
                Target::RecordPmid
            }
            (Tag::ArticleTitle, Tag::Article | Tag::BookDocument) => Target::ArticleTitle,
            (Tag::VernacularTitle, Tag::Article | Tag::BookDocument) => Target::VernacularTitle,
            (Tag::BookTitle, Tag::Book) => Target::BookTitle,
            (Tag::Title, Tag::Journal) => Target::JournalTitle,
            (Tag::IsoAbbreviation, Tag::Journal) => Target::JournalIso,
            (Tag::Issn, Tag::Journal) => Target::Issn,
            (Tag::Volume, Tag::JournalIssue | Tag::Book) => Target::Volume,
            (Tag::Issue, Tag::JournalIssue) => Target::Issue,
            (Tag::Year, Tag::PubDate) => Target::PubYear,
            (Tag::Month, Tag::PubDate) => Target::PubMonth,
            (Tag::Day, Tag::PubDate) => Target::PubDay,
            (Tag::Season, Tag::PubDate) => Target::PubSeason,
            (Tag::MedlineDate, Tag::PubDate) => Target::MedlineDate,
            (Tag::Year, Tag::DateRevised) => Target::RevYear,
            (Tag::Month, Tag::DateRevised) => Target::RevMonth,
            (Tag::Day, Tag::DateRevised) => Target::RevDay,
            (Tag::MedlinePgn, Tag::Pagination) => Target::MedlinePgn,
            (Tag::StartPage, Tag::Pagination) => Target::StartPage,
            (Tag::EndPage, Tag::Pagination) => Target::EndPage,
            (Tag::ELocationId, Tag::Article) if attr(e, b"EIdType").as_deref() == Some("doi") => {
                Target::ElocationDoi
            }
            (Tag::AbstractText, Tag::Abstract)
                if matches!(gp, Tag::Article | Tag::BookDocument) =>
            {
                b.section = AbstractSection {
                    label: attr(e, b"Label").and_then(some_nonempty),
                    nlm_category: attr(e, b"NlmCategory").and_then(some_nonempty),
                    text: String::new(),
                };
                Target::AbstractText
            }
            (Tag::OtherAbstract, _) => {
                b.other = Some((
                    OtherAbstract {
                        r#type: attr(e, b"Type").and_then(some_nonempty),
                        language: attr(e, b"Language").and_then(some_nonempty),
                        text: String::new(),
                    },
                    Vec::new(),
                ));
                return;
            }
            (Tag::AbstractText, Tag::OtherAbstract) => Target::OtherAbstractText,
            (Tag::AuthorList, Tag::Article | Tag::BookDocument) => {
                b.editors = attr(e, b"Type").is_some_and(|t| t.eq_ignore_ascii_case("editors"));
                return;
            }
            (Tag::AuthorList, _) => {
                b.editors = true; // Book/AuthorList: editors of the book
                return;
            }
            (Tag::Author, Tag::AuthorList) => {
                if !b.editors && matches!(gp, Tag::Article | Tag::BookDocument) {
                    b.author = Some(AuthorParts {
                        valid: attr(e, b"ValidYN").as_deref() != Some("N"),
                        ..AuthorParts::default()
                    });
                }
                return;
            }
            (Tag::LastName, Tag::Author) if b.author.is_some() => Target::LastName,
            (Tag::ForeName, Tag::Author) if b.author.is_some() => Target::ForeName,
            (Tag::Initials, Tag::Author) if b.author.is_some() => Target::Initials,
            (Tag::CollectiveName, Tag::Author) if b.author.is_some() => Target::CollectiveName,
            (Tag::Language, Tag::Article | Tag::BookDocument) => Target::Language,
            (Tag::PublicationType, Tag::PublicationTypeList | Tag::BookDocument) => {
                Target::PublicationType
            }
            (Tag::MeshHeading, _) => {
                b.heading = Some(MeshHeading::default());
                return;
            }
            (Tag::DescriptorName, Tag::MeshHeading) => {
                if let Some(h) = b.heading.as_mut() {
                    h.ui = attr(e, b"UI");
                    h.major = attr(e, b"MajorTopicYN").as_deref() == Some("Y");
                }
                Target::Descriptor
            }
            (Tag::QualifierName, Tag::MeshHeading) => {
                b.qualifier = MeshQualifier {
                    ui: attr(e, b"UI"),
                    name: String::new(),
                    major: attr(e, b"MajorTopicYN").as_deref() == Some("Y"),
                };
                Target::Qualifier
            }
            (Tag::Keyword, Tag::KeywordList) => Target::Keyword,
            (Tag::CommentsCorrections, Tag::CommentsCorrectionsList)
                if gp == Tag::MedlineCitation =>
            {
                b.correction = attr(e, b"RefType")
                    .filter(|t| CORRECTION_TYPES.contains(&t.as_str()))
                    .map(|t| Correction {
                        r#type: t,
                        pmid: None,
                        source: None,
                    });
                return;
            }
            (Tag::RefSource, Tag::CommentsCorrections) if b.correction.is_some() => {
                Target::CorrectionSource
            }
            (Tag::Pmid, Tag::CommentsCorrections) if b.correction.is_some() => {
                Target::CorrectionPmid
            }
            (Tag::ArticleId, Tag::ArticleIdList)
                if matches!(
                    gp,
                    Tag::PubmedData | Tag::PubmedBookData | Tag::BookDocument
                ) =>
            {
                match attr(e, b"IdType").as_deref() {
                    Some("doi") => Target::ArticleIdDoi,
                    Some("pmc") => Target::ArticleIdPmc,
                    _ => return,
                }
            }
            _ => return,
        };
        self.begin_capture(target);
    }

    /// Called for every end (or empty) element while it is still on the stack.
    /// Returns false when the sink asked to stop.
    fn end(&mut self, tag: Tag, sink: &mut dyn FnMut(Item) -> bool) -> bool {
        if let Some(target) = self.capture {
            if self.stack.len() != self.capture_depth {
                return true; // end of inline markup
            }
            self.capture = None;
            let text = collapse(&mut self.text);
            if self.text.capacity() > 1 << 20 {
                self.text = String::with_capacity(4096);
            }
            return self.finish_capture(target, text, sink);
        }
        match tag {
            Tag::PubmedArticle | Tag::PubmedBookArticle if self.stack.len() == 2 => {
                if let Some(b) = self.b.take() {
                    return self.finish_record(b, sink);
                }
            }
            Tag::Author => {
                if let Some(b) = self.b.as_mut() {
                    if let Some(a) = b.author.take() {
                        if a.valid {
                            let name = if !a.collective.is_empty() {
                                a.collective
                            } else if !a.last.is_empty() {
                                let ini = if a.initials.is_empty() {
                                    initials_of(&a.fore)
                                } else {
                                    a.initials
                                };
                                if ini.is_empty() {
                                    a.last
                                } else {
                                    format!("{} {}", a.last, ini)
                                }
                            } else {
                                String::new()
                            };
                            if !name.is_empty() {
                                b.rec.authors.push(name);
                            }
                        }
                    }
                }
            }
            Tag::AuthorList => {
                if let Some(b) = self.b.as_mut() {
                    b.editors = false;
                }
            }
            Tag::CommentsCorrections => {
                if let Some(b) = self.b.as_mut() {
                    if let Some(c) = b.correction.take() {
                        b.rec.corrections.push(c); // repeats dropped at the end
                    }
                }
            }
            Tag::MeshHeading => {
                if let Some(b) = self.b.as_mut() {
                    if let Some(h) = b.heading.take() {
                        if !h.name.is_empty() {
                            b.rec.mesh_headings.push(h);
                        }
                    }
                }
            }
            Tag::OtherAbstract => {
                if let Some(b) = self.b.as_mut() {
                    if let Some((mut o, parts)) = b.other.take() {
                        o.text = parts.join(" ");
                        if !o.text.is_empty() {
                            b.rec.other_abstracts.push(o);
                        }
                    }
                }
            }
            _ => {}
        }
        true
    }

    fn finish_capture(
        &mut self,
        target: Target,
        text: String,
        sink: &mut dyn FnMut(Item) -> bool,
    ) -> bool {
        if target == Target::DeletedPmid {
            match Pmid::parse(&text) {
                Ok(pmid) => {
                    return sink(Item::Deletion(Deletion {
                        pmid,
                        pmid_version: self.del_version,
                    }))
                }
                Err(e) => self.warnings.push(Warning {
                    pmid: None,
                    offset: self.pos,
                    message: format!("DeleteCitation: {e}"),
                    skipped: true,
                }),
            }
            return true;
        }
        let over = self.b.as_mut().and_then(|b| {
            // An abstract's text is kept twice: by section and whole.
            let copies = if target == Target::AbstractText { 2 } else { 1 };
            b.text_bytes += copies * text.len();
            b.entries += 1;
            if b.text_bytes > RECORD_LIMIT {
                Some(limits::RECORD_TOO_LONG.to_string())
            } else if b.entries > ENTRY_LIMIT {
                Some(format!(
                    "it has more than {ENTRY_LIMIT} fields (authors, keywords, MeSH terms and the like)"
                ))
            } else {
                None
            }
        });
        if let Some(what) = over {
            self.fail = Some(self.too_large(what));
            return false;
        }
        let Some(b) = self.b.as_mut() else {
            return true;
        };
        let r = &mut b.rec;
        match target {
            Target::RecordPmid => {
                if b.pmid_text.is_none() {
                    b.pmid_text = Some(text);
                }
            }
            Target::DeletedPmid => {}
            Target::Issn => r.issn = some_nonempty(text),
            Target::Volume => r.volume = some_nonempty(text),
            Target::Issue => r.issue = some_nonempty(text),
            Target::PubYear => b.year = text,
            Target::PubMonth => b.month = text,
            Target::PubDay => b.day = text,
            Target::PubSeason => b.season = text,
            Target::MedlineDate => b.medline_date = text,
            Target::JournalTitle => r.journal = some_nonempty(text),
            Target::JournalIso => r.journal_iso = some_nonempty(text),
            Target::ArticleTitle => r.title = text,
            Target::VernacularTitle => r.vernacular_title = some_nonempty(text),
            Target::BookTitle => r.book_title = some_nonempty(text),
            Target::MedlinePgn => b.medline_pgn = text,
            Target::StartPage => b.start_page = text,
            Target::EndPage => b.end_page = text,
            Target::ElocationDoi => {
                if b.eloc_doi.is_none() {
                    b.eloc_doi = some_nonempty(text);
                }
            }
            Target::AbstractText => {
                let mut s = std::mem::take(&mut b.section);
                if !text.is_empty() {
                    s.text = text;
                    r.abstract_sections.push(s);
                }
            }
            Target::OtherAbstractText => {
                if let Some((_, parts)) = b.other.as_mut() {
                    if !text.is_empty() {
                        parts.push(text);
                    }
                }
            }
            Target::LastName | Target::ForeName | Target::Initials | Target::CollectiveName => {
                if let Some(a) = b.author.as_mut() {
                    match target {
                        Target::LastName => a.last = text,
                        Target::ForeName => a.fore = text,
                        Target::Initials => a.initials = text,
                        _ => a.collective = text,
                    }
                }
            }
            Target::Language => {
                if !text.is_empty() {
                    r.language.push(text);
                }
            }
            Target::PublicationType => {
                if !text.is_empty() {
                    r.publication_types.push(text); // repeats dropped at the end
                }
            }
            Target::Descriptor => {
                if let Some(h) = b.heading.as_mut() {
                    h.name = text;
                }
            }
            Target::Qualifier => {
                if let Some(h) = b.heading.as_mut() {
                    let mut q = std::mem::take(&mut b.qualifier);
                    q.name = text;
                    h.qualifiers.push(q);
                }
            }
            Target::Keyword => {
                if !text.is_empty() {
                    r.keywords.push(text); // repeats dropped at the end
                }
            }
            Target::RevYear => b.rev[0] = text,
            Target::RevMonth => b.rev[1] = text,
            Target::RevDay => b.rev[2] = text,
            Target::ArticleIdDoi => {
                if b.id_doi.is_none() {
                    b.id_doi = some_nonempty(text);
                }
            }
            Target::ArticleIdPmc => {
                if r.pmcid.is_none() {
                    r.pmcid = some_nonempty(text);
                }
            }
            Target::CorrectionSource => {
                if let Some(c) = b.correction.as_mut() {
                    c.source = some_nonempty(text);
                }
            }
            Target::CorrectionPmid => {
                if let Some(c) = b.correction.as_mut() {
                    // A notice without a readable PMID keeps its citation.
                    c.pmid = Pmid::parse(&text).ok();
                }
            }
        }
        true
    }

    fn finish_record(&mut self, mut b: Builder, sink: &mut dyn FnMut(Item) -> bool) -> bool {
        let pmid = match b.pmid_text.as_deref().map(Pmid::parse) {
            Some(Ok(p)) => p,
            Some(Err(e)) => {
                self.warnings.push(Warning {
                    pmid: None,
                    offset: b.offset,
                    message: format!("record skipped: {e}"),
                    skipped: true,
                });
                return true;
            }
            None => {
                self.warnings.push(Warning {
                    pmid: None,
                    offset: b.offset,
                    message: "record skipped: it has no PMID".into(),
                    skipped: true,
                });
                return true;
            }
        };
        let r = &mut b.rec;
        r.pmid = Some(pmid);
        r.pmid_version = Some(b.pmid_version.unwrap_or(1));
        // DOI: the ArticleIdList is NLM's curated copy; ELocationID is the publisher's.
        for cand in [b.id_doi.take(), b.eloc_doi.take()].into_iter().flatten() {
            match Doi::parse(&cand) {
                Ok(d) => {
                    r.doi = Some(d);
                    break;
                }
                Err(e) => b.notes.push(format!("DOI ignored: {e}")),
            }
        }
        if r.title.is_empty() {
            if let (RecordKind::Book, Some(t)) = (r.kind, &r.book_title) {
                r.title = t.clone();
            }
        }
        let texts: Vec<&str> = r
            .abstract_sections
            .iter()
            .map(|s| s.text.as_str())
            .collect();
        r.abstract_text = some_nonempty(texts.join(" "));
        r.year = year_in(&b.year).or_else(|| year_in(&b.medline_date));
        r.pub_date = if !b.medline_date.is_empty() {
            Some(b.medline_date)
        } else {
            let parts: Vec<&str> = [&b.year, &b.month, &b.day, &b.season]
                .into_iter()
                .map(String::as_str)
                .filter(|s| !s.is_empty())
                .collect();
            some_nonempty(parts.join(" "))
        };
        if let Some(y) = year_in(&b.rev[0]) {
            let m = month_number(&b.rev[1]).unwrap_or(1);
            let d: u32 = b.rev[2].parse().unwrap_or(1);
            r.date_revised = Some(format!("{y:04}-{m:02}-{d:02}"));
        }
        r.pages = if !b.medline_pgn.is_empty() {
            Some(b.medline_pgn)
        } else if !b.start_page.is_empty() {
            if b.end_page.is_empty() {
                Some(b.start_page)
            } else {
                Some(format!("{}-{}", b.start_page, b.end_page))
            }
        } else {
            None
        };
        r.mesh = r.mesh_headings.iter().map(|h| h.name.clone()).collect();
        r.mesh_major = r
            .mesh_headings
            .iter()
            .filter(|h| h.major)
            .map(|h| h.name.clone())
            .collect();
        dedup_in_order(&mut r.keywords);
        dedup_in_order(&mut r.publication_types);
        dedup_in_order(&mut r.corrections);
        if let Err(what) = limits::check_record(r) {
            self.fail = Some(ParseError::TooLarge {
                record: format!("PMID {pmid} (the record at byte {})", b.offset),
                what,
            });
            return false;
        }
        for n in b.notes {
            self.warnings.push(Warning {
                pmid: Some(pmid),
                offset: b.offset,
                message: n,
                skipped: false,
            });
        }
        sink(Item::Record(Box::new(b.rec)))
    }
}

/// Drop repeated entries, keeping the first of each, in one pass.
fn dedup_in_order<T: Eq + std::hash::Hash + Clone>(v: &mut Vec<T>) {
    if v.len() < 2 {
        return;
    }
    let mut seen = std::collections::HashSet::with_capacity(v.len());
    v.retain(|x| seen.insert(x.clone()));
}

fn tag_name(t: Tag) -> String {
    match t {
        Tag::Other => "an element".to_string(),
        // The enum names mirror the PubMed element names (ELocationId -> ELocationID aside).
        t => format!("<{t:?}>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_from_medline_date() {
        assert_eq!(year_in("1998 Dec-1999 Jan"), Some(1998));
        assert_eq!(year_in("Spring 2001"), Some(2001));
        assert_eq!(year_in("12345"), None);
        assert_eq!(year_in(""), None);
    }

    #[test]
    fn collapse_whitespace() {
        for (input, want) in [
            ("\n  a \t b\n", "a b"),
            ("", ""),
            ("a b", "a b"),
            (" a", "a"),
            ("a  b", "a b"),
            ("é\u{a0} x", "é\u{a0} x"),
        ] {
            assert_eq!(collapse(&mut input.to_string()), want, "{input:?}");
        }
    }

    #[test]
    fn initials_from_forename() {
        assert_eq!(initials_of("Jean-Paul"), "JP");
        assert_eq!(initials_of("anna maria"), "AM");
    }
}
