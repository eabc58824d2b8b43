//! Opening an input file for the readers: gzip recognised by its magic bytes
//! and inflated on a separate thread, the format sniffed from the content.
//!
//! This is the only part of `parse` that touches the file system; it reads,
//! never writes. Errors name the file.

use super::{jsonl, pubmed, refs, sniff, Counts, Format, ParseError, Warning, Warnings};
use crate::model::Item;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver};
use std::thread;

/// A file that could not be read, with its path.
#[derive(Debug, thiserror::Error)]
#[error("{}: {kind}", path.display())]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub kind: FileErrorKind,
}

/// What went wrong with a file.
#[derive(Debug, thiserror::Error)]
pub enum FileErrorKind {
    /// Could not open or read it.
    #[error("cannot read: {0}")]
    Open(#[source] io::Error),
    /// It is a directory.
    #[error("is a directory; give the files inside it (e.g. DIR/*.xml.gz)")]
    Directory,
    /// Its content could not be parsed.
    #[error("{0}")]
    Parse(#[from] ParseError),
}

/// What one file held.
#[derive(Debug, Clone, Default)]
pub struct FileSummary {
    /// Counts by kind.
    pub counts: Counts,
    /// Warnings (records skipped or kept with oddities).
    pub warnings: Vec<Warning>,
    /// Format found.
    pub format: Option<Format>,
    /// Whether the file was gzipped.
    pub gzipped: bool,
    /// Bytes of the file on disk.
    pub bytes: u64,
}

const CHUNK: usize = 256 * 1024;

/// A `Read` over chunks produced by another thread.
struct ChannelReader {
    rx: Receiver<io::Result<Vec<u8>>>,
    cur: Vec<u8>,
    pos: usize,
}

impl Read for ChannelReader {
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

impl BufRead for ChannelReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos >= self.cur.len() {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.cur = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => return Ok(&[]), // sender finished: end of stream
            }
        }
        Ok(self.cur.get(self.pos..).unwrap_or(&[]))
    }
    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.cur.len());
    }
}

/// Inflate `file` on a new thread; the returned reader yields the plain bytes.
/// A truncated or corrupt stream surfaces as an `io::Error` from the reader.
fn gunzip_in_thread(file: File) -> ChannelReader {
    let (tx, rx) = sync_channel::<io::Result<Vec<u8>>>(16);
    thread::spawn(move || {
        let mut dec = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(CHUNK, file));
        loop {
            let mut buf = vec![0u8; CHUNK];
            let mut filled = 0;
            let res = loop {
                match buf.get_mut(filled..).map(|b| dec.read(b)) {
                    Some(Ok(0)) | None => break Ok(()),
                    Some(Ok(n)) => {
                        filled += n;
                        if filled == buf.len() {
                            break Ok(());
                        }
                    }
                    Some(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                    Some(Err(e)) => break Err(e),
                }
            };
            buf.truncate(filled);
            let last = filled == 0;
            match res {
                Ok(()) => {
                    if last {
                        return;
                    }
                    if tx.send(Ok(buf)).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    if filled > 0 && tx.send(Ok(buf)).is_err() {
                        return;
                    }
                    let msg = if e.kind() == io::ErrorKind::UnexpectedEof {
                        "the gzip stream is truncated (the download or copy was cut short; fetch the file again)".to_string()
                    } else {
                        format!("corrupt gzip data: {e}")
                    };
                    let _ = tx.send(Err(io::Error::new(e.kind(), msg)));
                    return;
                }
            }
        }
    });
    ChannelReader {
        rx,
        cur: Vec::new(),
        pos: 0,
    }
}

/// Read one file (PubMed XML, plain or gzipped, or Lacuna JSON Lines),
/// calling `sink` for each item in order.
pub fn read_file(
    path: &Path,
    sink: &mut dyn FnMut(Item) -> bool,
) -> Result<FileSummary, FileError> {
    let err = |kind| FileError {
        path: path.to_path_buf(),
        kind,
    };
    let meta = std::fs::metadata(path).map_err(|e| err(FileErrorKind::Open(e)))?;
    if meta.is_dir() {
        return Err(err(FileErrorKind::Directory));
    }
    let mut file = File::open(path).map_err(|e| err(FileErrorKind::Open(e)))?;
    let mut magic = [0u8; 2];
    let got = read_up_to(&mut file, &mut magic).map_err(|e| err(FileErrorKind::Open(e)))?;
    let gzipped = got == 2 && magic == [0x1f, 0x8b];
    let file = File::open(path).map_err(|e| err(FileErrorKind::Open(e)))?;
    let mut summary = FileSummary {
        gzipped,
        bytes: meta.len(),
        ..FileSummary::default()
    };
    let mut counting = |item: Item| {
        summary.counts.add(&item);
        sink(item)
    };
    let (format, warnings) = if gzipped {
        read_stream(
            BufReader::with_capacity(CHUNK, gunzip_in_thread(file)),
            &mut counting,
        )
    } else {
        read_stream(BufReader::with_capacity(CHUNK, file), &mut counting)
    }
    .map_err(|e| err(FileErrorKind::Parse(e)))?;
    summary.format = Some(format);
    summary.counts.skipped = warnings.skipped();
    summary.warnings = warnings.into_vec();
    Ok(summary)
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match buf.get_mut(n..).map(|b| f.read(b)) {
            Some(Ok(0)) | None => break,
            Some(Ok(k)) => n += k,
            Some(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
            Some(Err(e)) => return Err(e),
        }
    }
    Ok(n)
}

/// Sniff and read a plain (decompressed) stream.
pub fn read_stream<R: BufRead>(
    mut input: R,
    sink: &mut dyn FnMut(Item) -> bool,
) -> Result<(Format, Warnings), ParseError> {
    // Look at enough bytes to skip leading whitespace and a BOM.
    let format = loop {
        let head = input.fill_buf().map_err(|e| ParseError::Io {
            offset: 0,
            source: e,
        })?;
        if head.is_empty() {
            return Err(ParseError::Empty);
        }
        match sniff(head) {
            Err(ParseError::Empty) => {
                let n = head.len();
                input.consume(n); // all whitespace so far: look further
            }
            other => break other?,
        }
    };
    let warnings = match format {
        Format::Xml => pubmed::read(input, sink)?,
        Format::JsonLines => jsonl::read(input, sink)?,
        Format::Ris => refs::read_ris(input, sink)?,
        Format::Medline => refs::read_medline(input, sink)?,
        Format::Csv => refs::read_csv(input, sink)?,
    };
    Ok((format, warnings))
}
