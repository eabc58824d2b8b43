//! The bounds every reader keeps while it reads, so that a small hostile file
//! (a gzip of a 2 GiB abstract is a few MB) is refused at once instead of
//! filling memory: a field, a line, a record and a nesting depth each have a
//! limit, checked as the bytes arrive, before anything is held whole.
//!
//! Also the two bounded readers the formats share: [`read_line`] (line-based
//! formats) and [`RunGuard`] (XML: no run of bytes without a `<` longer than
//! a field). Pure: no I/O beyond the reader it is given.

use crate::model::Record;
use std::io::{self, BufRead, Read};

/// The longest text of one field (an abstract, a title, an author, a CSV
/// cell), in bytes: 16 MiB. A PubMed abstract is rarely over 20 KB.
pub const FIELD_LIMIT: usize = 16 << 20;

/// The most text one record may hold in all its fields, in bytes, as Lacuna
/// keeps it: 24 MiB. Its abstract counts twice (it is kept whole and by
/// section), so an abstract can be up to 12 MiB, any other field 16 MiB: a
/// bound that keeps an import of such records under 300 MB of memory.
pub const RECORD_LIMIT: usize = 24 << 20;

/// What a record over [`RECORD_LIMIT`] is told.
pub const RECORD_TOO_LONG: &str = "its text is longer than 24 MiB (the limit of one record; its abstract counts twice, as it is kept whole and by section)";

/// The most entries one record may hold in all its lists together (authors,
/// keywords, MeSH headings and qualifiers, languages, sections, ...; in XML,
/// every field read, an author's names included): real records stay under
/// about 20,000 (5,000 authors of a physics consortium, three names each).
pub const ENTRY_LIMIT: usize = 50_000;

/// The most lines of one RIS or MEDLINE record (an author can take three:
/// name, full name, affiliation).
pub const LINE_LIMIT: usize = 4 * ENTRY_LIMIT;

/// The deepest nesting of XML elements (PubMed's is about 10; MathML a few more).
pub const DEPTH_LIMIT: usize = 1024;

/// The most columns of a CSV row.
pub const COLUMN_LIMIT: usize = 10_000;

/// The limits as one phrase, for messages.
pub const LIMITS: &str =
    "Lacuna reads fields of up to 16 MiB and records of up to 24 MiB and 50,000 entries";

/// Say `bytes` in MiB for a message.
pub fn mib(bytes: usize) -> String {
    format!("{} MiB", bytes >> 20)
}

/// Whether one record keeps the limits: every text field within
/// [`FIELD_LIMIT`], all of them within [`RECORD_LIMIT`] together, and
/// [`ENTRY_LIMIT`] entries. `Err` says which limit, naming the field.
///
/// ```
/// use lacuna::model::Record;
/// use lacuna::parse::limits::{check_record, FIELD_LIMIT};
/// let mut r = Record { title: "ok".into(), ..Record::default() };
/// assert!(check_record(&r).is_ok());
/// r.abstract_text = Some("x".repeat(FIELD_LIMIT + 1));
/// assert!(check_record(&r).unwrap_err().contains("abstract"));
/// ```
pub fn check_record(r: &Record) -> Result<(), String> {
    let mut total = 0usize;
    let mut entries = 0usize;
    let mut field = |name: &str, s: &str| -> Result<(), String> {
        if s.len() > FIELD_LIMIT {
            return Err(format!(
                "its {name} is longer than {} (the limit of one field)",
                mib(FIELD_LIMIT)
            ));
        }
        total += s.len();
        if total > RECORD_LIMIT {
            return Err(RECORD_TOO_LONG.to_string());
        }
        Ok(())
    };
    let opt = |o: &Option<String>| o.as_deref().unwrap_or("").to_string();
    field("title", &r.title)?;
    // The whole abstract and its sections are both kept (and stored): both count.
    field("abstract", r.abstract_text.as_deref().unwrap_or(""))?;
    for s in &r.abstract_sections {
        field("abstract", &s.text)?;
        field("abstract label", &opt(&s.label))?;
    }
    for o in &r.other_abstracts {
        field("other abstract", &o.text)?;
    }
    for (name, v) in [
        ("source id", &r.source_id),
        ("PMC id", &r.pmcid),
        ("vernacular title", &r.vernacular_title),
        ("journal", &r.journal),
        ("journal abbreviation", &r.journal_iso),
        ("ISSN", &r.issn),
        ("book title", &r.book_title),
        ("volume", &r.volume),
        ("issue", &r.issue),
        ("pages", &r.pages),
        ("publication date", &r.pub_date),
        ("revision date", &r.date_revised),
    ] {
        field(name, v.as_deref().unwrap_or(""))?;
    }
    for (name, list) in [
        ("author", &r.authors),
        ("language", &r.language),
        ("publication type", &r.publication_types),
        ("MeSH term", &r.mesh),
        ("major MeSH term", &r.mesh_major),
        ("keyword", &r.keywords),
    ] {
        entries += list.len();
        for s in list {
            field(name, s)?;
        }
    }
    for h in &r.mesh_headings {
        entries += 1 + h.qualifiers.len();
        field("MeSH heading", &h.name)?;
        for q in &h.qualifiers {
            field("MeSH qualifier", &q.name)?;
        }
    }
    for c in &r.corrections {
        entries += 1;
        field("correction notice", c.source.as_deref().unwrap_or(""))?;
    }
    entries += r.abstract_sections.len() + r.other_abstracts.len();
    if entries > ENTRY_LIMIT {
        return Err(format!(
            "it has more than {ENTRY_LIMIT} entries (authors, keywords, MeSH terms and the like)"
        ));
    }
    Ok(())
}

/// What [`read_line`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// A line (with its `\n`, if it had one) of this many bytes was appended.
    Read(usize),
    /// The end of the input: nothing was appended.
    End,
    /// The line is longer than the limit: `max` bytes were appended and the
    /// rest is left unread.
    TooLong,
}

/// Append the next line of `input` (up to and including `\n`) to `buf`,
/// never more than `max` bytes of it: a longer line stops at `max` with
/// [`Line::TooLong`], its rest unread, so a 2 GiB line costs `max` bytes.
///
/// ```
/// use lacuna::parse::limits::{read_line, Line};
/// let mut input: &[u8] = b"short\nmuch too long\n";
/// let mut buf = Vec::new();
/// assert_eq!(read_line(&mut input, &mut buf, 8).unwrap(), Line::Read(6));
/// buf.clear();
/// assert_eq!(read_line(&mut input, &mut buf, 8).unwrap(), Line::TooLong);
/// assert_eq!(buf, b"much too");
/// ```
pub fn read_line<R: BufRead + ?Sized>(
    input: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<Line> {
    let mut n = 0usize;
    loop {
        let avail = match input.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(if n == 0 { Line::End } else { Line::Read(n) });
        }
        let room = max - n;
        let (take, done) = match memchr::memchr(b'\n', avail) {
            Some(i) if i < room => (i + 1, true),
            _ => (avail.len().min(room), false),
        };
        buf.extend_from_slice(avail.get(..take).unwrap_or_default());
        input.consume(take);
        n += take;
        if done {
            return Ok(Line::Read(n));
        }
        if n >= max {
            return Ok(Line::TooLong);
        }
    }
}

/// The error [`RunGuard`] reads with when a run of bytes without `<` is too
/// long: recognised by [`RunTooLong::is`].
#[derive(Debug, Clone, Copy)]
pub struct RunTooLong;

impl std::fmt::Display for RunTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a text or tag longer than {} (the limit of one field)",
            mib(FIELD_LIMIT)
        )
    }
}

impl std::error::Error for RunTooLong {}

impl RunTooLong {
    /// Whether `e` is this error (as the reader returned it).
    pub fn is(e: &io::Error) -> bool {
        e.get_ref().is_some_and(|i| i.is::<RunTooLong>())
    }
}

/// A buffered reader of XML that refuses (with [`RunTooLong`]) a run of more
/// than `max` bytes without a `<`: no text, attribute or tag of that size ever
/// reaches the XML reader, which would otherwise hold it whole in its buffer.
pub struct RunGuard<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    /// Bytes up to here may be handed out; the byte here would make the run too long.
    limit: usize,
    /// Bytes since the last `<`, at the start of the buffer.
    run: usize,
    max: usize,
}

impl<R: Read> RunGuard<R> {
    /// Guard `inner`, reading it `capacity` bytes at a time.
    pub fn new(inner: R, capacity: usize, max: usize) -> Self {
        RunGuard {
            inner,
            buf: vec![0u8; capacity.max(1)].into_boxed_slice(),
            pos: 0,
            filled: 0,
            limit: 0,
            run: 0,
            max,
        }
    }

    /// Read the next buffer and find how much of it the run allows.
    #[inline(never)]
    fn refill(&mut self) -> io::Result<()> {
        let old = self.buf.get(..self.filled).unwrap_or_default();
        self.run = match memchr::memrchr(b'<', old) {
            Some(i) => old.len() - i - 1,
            None => self.run + old.len(),
        };
        self.pos = 0;
        self.filled = 0;
        self.limit = 0;
        let n = loop {
            match self.inner.read(&mut self.buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        self.filled = n;
        let data = self.buf.get(..n).unwrap_or_default();
        if data.len() <= self.max {
            // No gap inside the buffer can pass the limit: only the bytes
            // before its first `<`, added to the run carried over.
            let first = memchr::memchr(b'<', data).unwrap_or(n);
            self.limit = if self.run + first > self.max {
                self.max - self.run
            } else {
                n
            };
            return Ok(());
        }
        let (mut run, mut start) = (self.run, 0usize);
        for i in memchr::memchr_iter(b'<', data) {
            if run + (i - start) > self.max {
                self.limit = start + (self.max - run);
                return Ok(());
            }
            run = 0;
            start = i + 1;
        }
        self.limit = if run + (n - start) > self.max {
            start + (self.max - run)
        } else {
            n
        };
        Ok(())
    }
}

impl<R: Read> Read for RunGuard<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), avail.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for RunGuard<R> {
    #[inline]
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.filled {
            self.refill()?;
        }
        if self.pos >= self.limit && self.pos < self.filled {
            return Err(io::Error::new(io::ErrorKind::InvalidData, RunTooLong));
        }
        Ok(self.buf.get(self.pos..self.limit).unwrap_or_default())
    }

    #[inline]
    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.limit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all<R: BufRead>(mut r: R) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        r.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn the_guard_passes_runs_up_to_its_limit_and_refuses_a_longer_one() {
        // the runs after each `<` count the tag too: "a>12345" is 7 bytes
        let ok = b"<a>12345</a><b>1234</b>";
        assert_eq!(read_all(RunGuard::new(&ok[..], 3, 7)).expect("ok"), ok);
        assert_eq!(read_all(RunGuard::new(&ok[..], 64, 7)).expect("ok"), ok);
        let long = b"<a>123456</a>";
        let e = read_all(RunGuard::new(&long[..], 4, 7)).expect_err("too long");
        assert!(RunTooLong::is(&e), "{e}");
        // the same with one big buffer
        let e = read_all(RunGuard::new(&long[..], 64, 7)).expect_err("too long");
        assert!(RunTooLong::is(&e), "{e}");
    }

    #[test]
    fn a_long_line_is_cut_at_the_limit() {
        let mut input: &[u8] = b"abc";
        let mut buf = Vec::new();
        assert_eq!(
            read_line(&mut input, &mut buf, 3).expect("read"),
            Line::TooLong
        );
        let mut input: &[u8] = b"ab";
        buf.clear();
        assert_eq!(
            read_line(&mut input, &mut buf, 3).expect("read"),
            Line::Read(2)
        );
        assert_eq!(read_line(&mut input, &mut buf, 3).expect("read"), Line::End);
    }
}
