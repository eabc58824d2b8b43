//! The tantivy search index, derived from the store and rebuildable from it.
//!
//! Owns the schema, incremental updates during an import, a full rebuild
//! (`lacuna index`), and search with highlighted snippets. The index holds
//! nothing the store does not: delete `index/` and [`rebuild`] restores it.
//! A file `index/GENERATION` says which store generation it reflects, so a
//! stale index is detected rather than silently searched.

use super::queued::{Gauge, Queued};
use super::{Review, StoreError};
use crate::model::Record;
use crate::progress::Reporter;
use std::path::Path;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, Value,
    STORED, STRING,
};
use tantivy::snippet::{Snippet, SnippetGenerator};
use tantivy::{Index, IndexWriter, TantivyDocument, Term};

impl From<tantivy::TantivyError> for StoreError {
    /// A full disk is named as such ([`StoreError::DiskFull`]); any other
    /// index error keeps tantivy's words.
    fn from(e: tantivy::TantivyError) -> Self {
        if is_disk_full(&e) {
            StoreError::DiskFull(e.to_string())
        } else {
            StoreError::Index(e.to_string())
        }
    }
}

/// Whether an error, or one of its causes, is a full disk: `ENOSPC` or
/// `EDQUOT`, the standard library's `StorageFull` or `QuotaExceeded`, or
/// their words (tantivy keeps some causes only as text).
fn is_disk_full(e: &(dyn std::error::Error + 'static)) -> bool {
    const ENOSPC: i32 = 28;
    const EDQUOT: i32 = 122;
    let io_full = |io: &std::io::Error| {
        matches!(
            io.kind(),
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
        ) || matches!(io.raw_os_error(), Some(ENOSPC | EDQUOT))
    };
    let mut cause = Some(e);
    while let Some(c) = cause {
        if c.downcast_ref::<std::io::Error>().is_some_and(io_full)
            || c.downcast_ref::<std::sync::Arc<std::io::Error>>()
                .is_some_and(|a| io_full(a))
        {
            return true;
        }
        let text = c.to_string().to_ascii_lowercase();
        if [
            "no space left on device",
            "os error 28",
            "disk quota exceeded",
            "no storage space",
            "storage full",
        ]
        .iter()
        .any(|w| text.contains(w))
        {
            return true;
        }
        cause = c.source();
    }
    false
}

/// What stopped an index writer. Tantivy answers a document added after an
/// indexing thread died (of a full disk, say) with "An index writer was
/// killed", and keeps the thread's own error until the threads are joined:
/// join them (a commit prepared, then aborted) to report that cause.
fn writer_error<D: tantivy::Document>(
    writer: &mut IndexWriter<D>,
    e: tantivy::TantivyError,
) -> StoreError {
    if !matches!(e, tantivy::TantivyError::ErrorInThread(_)) {
        return e.into();
    }
    match writer.prepare_commit() {
        Err(cause) => cause.into(),
        Ok(prepared) => {
            let _ = prepared.abort();
            e.into()
        }
    }
}

/// Add a document; a failure reported with its cause ([`writer_error`]).
fn add_document<D: tantivy::Document>(
    writer: &mut IndexWriter<D>,
    doc: D,
) -> Result<(), StoreError> {
    match writer.add_document(doc) {
        Ok(_) => Ok(()),
        Err(e) => Err(writer_error(writer, e)),
    }
}

const GENERATION_FILE: &str = "GENERATION";
/// Indexing memory budget (split across tantivy's threads): bounds the import's
/// memory whatever the file size.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

/// The fields of the index.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    rid: Field,
    pmid: Field,
    doi: Field,
    text: Field,
    title: Field,
    abstract_: Field,
    mesh: Field,
    keywords: Field,
    journal: Field,
    author: Field,
    year: Field,
    pubtype: Field,
    language: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |stored: bool| {
        let o = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(super::tokenize::EN_STEM)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored {
            o.set_stored()
        } else {
            o
        }
    };
    let num = NumericOptions::default()
        .set_indexed()
        .set_stored()
        .set_fast();
    let f = Fields {
        rid: b.add_u64_field("rid", num.clone()),
        pmid: b.add_u64_field("pmid", num.clone()),
        doi: b.add_text_field("doi", STRING | STORED),
        // Everything a bare word is looked for in (title, abstract, keywords,
        // MeSH) as one field: a conjunction of three common words over one
        // field skips through its postings, where a conjunction of four-field
        // unions scores every document of every field (9 ms against 4 ms on
        // a million records). The abstract is therefore stored but indexed
        // only here; `abstract:` queries are read as `text:`.
        text: b.add_text_field("text", text(false)),
        title: b.add_text_field("title", text(true)),
        abstract_: b.add_text_field("abstract", STORED),
        mesh: b.add_text_field("mesh", text(true)),
        keywords: b.add_text_field("keywords", text(false)),
        journal: b.add_text_field("journal", text(true)),
        author: b.add_text_field(
            "author",
            TextOptions::default()
                .set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer("default")
                        .set_index_option(IndexRecordOption::WithFreqsAndPositions),
                )
                .set_stored(),
        ),
        year: b.add_i64_field("year", num),
        pubtype: b.add_text_field("type", text(false)),
        language: b.add_text_field("language", STRING),
    };
    (b.build(), f)
}

/// The most text of one record the index reads: 2 MiB (a PubMed record is
/// rarely over 20 KB). A record near the parse limits (16 MiB fields) is
/// stored whole but indexed by its start, so that indexing it takes little
/// memory and time.
const INDEX_RECORD_BYTES: usize = 2 << 20;

/// What is left of a record's [`INDEX_RECORD_BYTES`].
struct IndexBudget(usize);

impl IndexBudget {
    /// The start of `s` that still fits (cut at a character boundary).
    fn take<'a>(&mut self, s: &'a str) -> &'a str {
        let mut end = s.len().min(self.0);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        self.0 -= end;
        s.get(..end).unwrap_or_default()
    }
}

/// A record's document, queued in `gauge` (see [`super::queued`]).
fn queued(f: &Fields, id: i64, r: &Record, gauge: &std::sync::Arc<Gauge>) -> Queued {
    let (doc, bytes) = document(f, id, r);
    Queued::new(doc, bytes, gauge)
}

/// A record's document, and about how much memory it holds.
fn document(f: &Fields, id: i64, r: &Record) -> (TantivyDocument, usize) {
    let mut d = TantivyDocument::default();
    let mut b = IndexBudget(INDEX_RECORD_BYTES);
    d.add_u64(f.rid, id.max(0) as u64);
    if let Some(p) = r.pmid {
        d.add_u64(f.pmid, p.get());
    }
    if let Some(doi) = &r.doi {
        d.add_text(f.doi, doi.as_str());
    }
    let t = b.take(&r.title);
    d.add_text(f.title, t);
    d.add_text(f.text, t);
    if let Some(v) = &r.vernacular_title {
        let v = b.take(v);
        d.add_text(f.title, v);
        d.add_text(f.text, v);
    }
    if let Some(a) = &r.abstract_text {
        let a = b.take(a);
        d.add_text(f.abstract_, a);
        d.add_text(f.text, a);
    }
    for m in &r.mesh {
        let m = b.take(m);
        d.add_text(f.mesh, m);
        d.add_text(f.text, m);
    }
    for k in &r.keywords {
        let k = b.take(k);
        d.add_text(f.keywords, k);
        d.add_text(f.text, k);
    }
    if let Some(j) = r.journal.as_ref().or(r.book_title.as_ref()) {
        d.add_text(f.journal, b.take(j));
    }
    if let Some(j) = &r.journal_iso {
        d.add_text(f.journal, b.take(j));
    }
    for a in &r.authors {
        d.add_text(f.author, b.take(a));
    }
    if let Some(y) = r.year {
        d.add_i64(f.year, i64::from(y));
    }
    for t in &r.publication_types {
        d.add_text(f.pubtype, b.take(t));
    }
    for l in &r.language {
        d.add_text(f.language, b.take(l));
    }
    // Each text twice at most (its field and `text`), and each value's header.
    let values = d.field_values().count();
    let bytes = 2 * (INDEX_RECORD_BYTES - b.0) + 64 * values + 256;
    (d, bytes)
}

fn stored_generation(dir: &Path) -> Option<u64> {
    std::fs::read_to_string(dir.join(GENERATION_FILE))
        .ok()
        .and_then(|s| s.trim().parse().ok())
}

fn write_generation(dir: &Path, g: u64) -> Result<(), StoreError> {
    std::fs::write(dir.join(GENERATION_FILE), g.to_string()).map_err(|source| StoreError::Io {
        path: dir.join(GENERATION_FILE),
        source,
    })
}

/// True when `index/` exists and reflects the store's current generation.
pub fn is_current(review: &Review) -> Result<bool, StoreError> {
    let dir = review.index_dir();
    // An index made by an older Lacuna (another schema) is stale too.
    Ok(stored_generation(&dir) == Some(review.generation()?)
        && dir.join("meta.json").is_file()
        && open_index(&dir).is_ok())
}

fn open_index(dir: &Path) -> Result<(Index, Fields), StoreError> {
    open_index_as(dir, false)
}

/// Open the index in `dir`; `read_only`: through [`ReadOnly`], for a review
/// on a read-only file system (tantivy's reader would take a lock file).
fn open_index_as(dir: &Path, read_only: bool) -> Result<(Index, Fields), StoreError> {
    let (schema, fields) = schema();
    let index = if read_only {
        let mmap = tantivy::directory::MmapDirectory::open(dir)
            .map_err(|e| StoreError::Index(e.to_string()))?;
        Index::open(ReadOnly(mmap))?
    } else {
        Index::open_in_dir(dir)?
    };
    super::tokenize::register(&index);
    if index.schema() != schema {
        return Err(StoreError::Index(format!(
            "{} was built by another Lacuna version; run `lacuna index` to rebuild it",
            dir.display()
        )));
    }
    Ok((index, fields))
}

/// An index directory on a read-only file system: reads as tantivy's
/// `MmapDirectory`, takes no lock file (no one can write there), and refuses
/// writes.
#[derive(Debug, Clone)]
struct ReadOnly(tantivy::directory::MmapDirectory);

impl tantivy::Directory for ReadOnly {
    fn get_file_handle(
        &self,
        path: &Path,
    ) -> Result<
        std::sync::Arc<dyn tantivy::directory::FileHandle>,
        tantivy::directory::error::OpenReadError,
    > {
        self.0.get_file_handle(path)
    }
    fn delete(&self, path: &Path) -> Result<(), tantivy::directory::error::DeleteError> {
        Err(tantivy::directory::error::DeleteError::IoError {
            io_error: std::sync::Arc::new(std::io::Error::from(
                std::io::ErrorKind::ReadOnlyFilesystem,
            )),
            filepath: path.to_path_buf(),
        })
    }
    fn exists(&self, path: &Path) -> Result<bool, tantivy::directory::error::OpenReadError> {
        self.0.exists(path)
    }
    fn open_write(
        &self,
        path: &Path,
    ) -> Result<tantivy::directory::WritePtr, tantivy::directory::error::OpenWriteError> {
        Err(tantivy::directory::error::OpenWriteError::IoError {
            io_error: std::sync::Arc::new(std::io::Error::from(
                std::io::ErrorKind::ReadOnlyFilesystem,
            )),
            filepath: path.to_path_buf(),
        })
    }
    fn atomic_read(
        &self,
        path: &Path,
    ) -> Result<Vec<u8>, tantivy::directory::error::OpenReadError> {
        self.0.atomic_read(path)
    }
    fn atomic_write(&self, _path: &Path, _data: &[u8]) -> std::io::Result<()> {
        Err(std::io::Error::from(std::io::ErrorKind::ReadOnlyFilesystem))
    }
    fn sync_directory(&self) -> std::io::Result<()> {
        Ok(())
    }
    fn acquire_lock(
        &self,
        _lock: &tantivy::directory::Lock,
    ) -> Result<tantivy::directory::DirectoryLock, tantivy::directory::error::LockError> {
        Ok(tantivy::directory::DirectoryLock::from(Box::new(())))
    }
    fn watch(
        &self,
        callback: tantivy::directory::WatchCallback,
    ) -> tantivy::Result<tantivy::directory::WatchHandle> {
        self.0.watch(callback)
    }
}

/// Delete and rebuild the index from the store. Returns the records indexed.
/// A rebuild that fails (a full disk) leaves no index behind, rather than
/// the files of a half-built one: the next search or import rebuilds it.
pub fn rebuild(review: &Review, reporter: &dyn Reporter) -> Result<u64, StoreError> {
    let dir = review.index_dir();
    let built = build(review, reporter, &dir);
    if built.is_err() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    built
}

fn build(review: &Review, reporter: &dyn Reporter, dir: &Path) -> Result<u64, StoreError> {
    let dir = dir.to_path_buf();
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|source| StoreError::Io {
            path: dir.clone(),
            source,
        })?;
    }
    std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io {
        path: dir.clone(),
        source,
    })?;
    let (schema, fields) = schema();
    let index = Index::create_in_dir(&dir, schema)?;
    super::tokenize::register(&index);
    let mut writer: IndexWriter<Queued> = index.writer(WRITER_MEMORY)?;
    let gauge = std::sync::Arc::new(Gauge::default());
    let generation = review.generation()?;
    reporter.start("index", Some(review.count_current()?), "records");
    let n = review.for_each_current(|id, rec| {
        add_document(&mut writer, queued(&fields, id, &rec, &gauge))?;
        reporter.advance(1);
        Ok(())
    })?;
    writer.commit()?;
    writer.wait_merging_threads()?;
    write_generation(&dir, generation)?;
    reporter.finish();
    Ok(n)
}

/// Tantivy alone: index `records` into a new index in `dir` (which must not
/// hold one) with the index's own schema, analyzers, document building and
/// writer memory, and nothing else: no store, no queue gauge, no generation
/// file. Returns the documents committed. For the bench that Lacuna's import
/// is measured against (`benches/index.rs`); not part of the API.
#[doc(hidden)]
pub fn tantivy_alone(dir: &Path, records: &[Record]) -> Result<u64, StoreError> {
    let (schema, fields) = schema();
    let index = Index::create_in_dir(dir, schema)?;
    super::tokenize::register(&index);
    let mut writer: IndexWriter<TantivyDocument> = index.writer(WRITER_MEMORY)?;
    let mut n = 0u64;
    for (id, r) in (1i64..).zip(records) {
        add_document(&mut writer, document(&fields, id, r).0)?;
        n += 1;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(n)
}

/// Incremental index updates during an import.
pub struct Updater {
    writer: IndexWriter<Queued>,
    fields: Fields,
    dir: std::path::PathBuf,
    gauge: std::sync::Arc<Gauge>,
}

impl Updater {
    /// An updater over a writer of any index (the tests' faulty directory).
    #[cfg(test)]
    fn with_writer(writer: IndexWriter<Queued>, fields: Fields) -> Updater {
        Updater {
            writer,
            fields,
            dir: std::path::PathBuf::new(),
            gauge: std::sync::Arc::default(),
        }
    }

    /// Open the writer of a current index.
    pub fn open(review: &Review) -> Result<Updater, StoreError> {
        let dir = review.index_dir();
        let (index, fields) = open_index(&dir)?;
        let writer = index.writer(WRITER_MEMORY)?;
        Ok(Updater {
            writer,
            fields,
            dir,
            gauge: std::sync::Arc::default(),
        })
    }

    /// Add the document of a record new to the store (its id was never
    /// indexed: the store never reuses a committed row id, and a rolled-back
    /// import rolls its index changes back too).
    pub fn add(&mut self, id: i64, rec: &Record) -> Result<(), StoreError> {
        add_document(&mut self.writer, queued(&self.fields, id, rec, &self.gauge))
    }

    /// Add or replace the document of record `id`.
    pub fn upsert(&mut self, id: i64, rec: &Record) -> Result<(), StoreError> {
        self.writer
            .delete_term(Term::from_field_u64(self.fields.rid, id.max(0) as u64));
        add_document(&mut self.writer, queued(&self.fields, id, rec, &self.gauge))
    }

    /// Remove the document of record `id`.
    pub fn remove(&mut self, id: i64) {
        self.writer
            .delete_term(Term::from_field_u64(self.fields.rid, id.max(0) as u64));
    }

    /// Commit, and mark the index as reflecting store generation `g`.
    pub fn commit(mut self, g: u64) -> Result<(), StoreError> {
        self.writer.commit()?;
        // Let the merge policy finish, or repeated imports leave the index in
        // many small segments that slow every search.
        self.writer.wait_merging_threads()?;
        write_generation(&self.dir, g)?;
        Ok(())
    }

    /// Throw away uncommitted changes, and the files they had written (the
    /// segments of a failed import would otherwise stay until the next
    /// commit, taking the space a full disk needs back).
    pub fn rollback(mut self) -> Result<(), StoreError> {
        self.writer.rollback()?;
        self.writer.garbage_collect_files().wait()?;
        Ok(())
    }
}

/// One search hit.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    /// Relevance score (BM25).
    pub score: f32,
    /// Row id in the store.
    pub record_id: u64,
    /// PMID if any.
    pub pmid: Option<u64>,
    /// DOI if any.
    pub doi: Option<String>,
    /// Title.
    pub title: String,
    /// Year.
    pub year: Option<i64>,
    /// Journal.
    pub journal: Option<String>,
    /// First authors.
    pub authors: Vec<String>,
    /// Title with matches highlighted.
    pub title_snippet: HighlightedText,
    /// Best abstract fragment with matches highlighted.
    pub abstract_snippet: HighlightedText,
}

/// A text fragment and the byte ranges of its matched terms.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct HighlightedText {
    /// The fragment.
    pub text: String,
    /// Byte ranges of matches in `text`.
    pub highlights: Vec<(usize, usize)>,
}

impl HighlightedText {
    fn from_snippet(s: &Snippet) -> Self {
        HighlightedText {
            text: s.fragment().to_string(),
            highlights: s.highlighted().iter().map(|r| (r.start, r.end)).collect(),
        }
    }

    /// The fragment with each match wrapped in `open` and `close`.
    ///
    /// ```
    /// use lacuna::store::index::HighlightedText;
    /// let h = HighlightedText { text: "a cat sat".into(), highlights: vec![(2, 5)] };
    /// assert_eq!(h.marked("[", "]"), "a [cat] sat");
    /// ```
    pub fn marked(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + 8 * self.highlights.len());
        let mut last = 0;
        for &(a, b) in &self.highlights {
            if a < last || b > self.text.len() {
                continue;
            }
            out.push_str(self.text.get(last..a).unwrap_or(""));
            out.push_str(open);
            out.push_str(self.text.get(a..b).unwrap_or(""));
            out.push_str(close);
            last = b;
        }
        out.push_str(self.text.get(last..).unwrap_or(""));
        out
    }
}

/// Search results.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Results {
    /// The query as given.
    pub query: String,
    /// How many records match in all.
    pub total: usize,
    /// The best `limit` hits.
    pub hits: Vec<Hit>,
}

/// Deepest parenthesis nesting a query may have. tantivy's query grammar
/// backtracks: each level of nesting doubles the time to parse (depth 22
/// took 2.8 s), so deeper queries are refused with a message; 12 levels
/// parse in a few milliseconds.
pub const MAX_QUERY_DEPTH: usize = 12;

/// Longest query read, in bytes.
pub const MAX_QUERY_LEN: usize = 10_000;

/// Refuse a query too long or too deeply nested to parse in bounded time
/// (parentheses inside quotes do not count).
fn check_query_shape(query: &str) -> Result<(), StoreError> {
    if query.len() > MAX_QUERY_LEN {
        return Err(StoreError::Query(format!(
            "the query is {} bytes long; at most {MAX_QUERY_LEN} are read",
            query.len()
        )));
    }
    let (mut depth, mut deepest, mut quoted) = (0usize, 0usize, false);
    let mut prev: Option<char> = None;
    let mut chars = query.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let alone = |x: Option<char>| x.is_none_or(|x| x.is_whitespace() || x == '(' || x == ')');
        // A `+` or `-` with nothing after it (`a + *`, `kN- *`) sends
        // tantivy's grammar down a path that panics on a following `*`; it
        // never makes a valid query.
        if !quoted && (c == '+' || c == '-') && alone(next) {
            return Err(StoreError::Query(if alone(prev) {
                format!("a lone {c:?}: write it against its word ({c}word)")
            } else {
                format!("a {c:?} ends a word: write it against the word it applies to ({c}word)")
            }));
        }
        prev = Some(c);
        match c {
            // an escaped character (`\"`, `\(`) is a word's, never grammar
            '\\' => {
                chars.next();
            }
            '"' => quoted = !quoted,
            // counted inside quotes too: where tantivy's grammar and this
            // count might disagree on a quote, the deep nesting is refused
            '(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest > MAX_QUERY_DEPTH {
        return Err(StoreError::Query(format!(
            "the query nests parentheses {deepest} deep; at most {MAX_QUERY_DEPTH} are read (write it flatter)"
        )));
    }
    Ok(())
}

/// An open index, ready to search many queries.
pub struct Searcher {
    reader: tantivy::IndexReader,
    parser: QueryParser,
    fields: Fields,
    /// Snippet analyzer: one stem cache for every hit of every query.
    snippet_analyzer: tantivy::tokenizer::TextAnalyzer,
}

/// Boosts of a bare word found in the title or MeSH, on top of its score in
/// the `text` field.
const TITLE_BOOST: f32 = 2.0;
const MESH_BOOST: f32 = 1.5;

impl Searcher {
    /// Open the index of a review (it must be current: see [`is_current`]).
    pub fn open(review: &Review) -> Result<Searcher, StoreError> {
        match Searcher::open_as(review, false) {
            // A review on a read-only file system: tantivy's reader could not
            // take its lock file; read through a directory that needs none.
            Err(e) if super::read_only_dir(review.dir()) => {
                Searcher::open_as(review, true).map_err(|_| e)
            }
            other => other,
        }
    }

    fn open_as(review: &Review, read_only: bool) -> Result<Searcher, StoreError> {
        let (mut index, fields) = open_index_as(&review.index_dir(), read_only)?;
        // Segments are searched in parallel, one thread per core.
        index.set_default_multithread_executor()?;
        let mut parser = QueryParser::for_index(&index, vec![fields.text]);
        parser.set_conjunction_by_default();
        let reader = index.reader()?;
        Ok(Searcher {
            reader,
            parser,
            fields,
            snippet_analyzer: super::tokenize::en_stem_shared(),
        })
    }

    /// Run a query: fielded terms (`title:`, `abstract:`, `mesh:`, `keywords:`,
    /// `journal:`, `author:`, `type:`, `language:`, `pmid:`, `doi:`), phrases in
    /// quotes, AND/OR/NOT (or +/-), and ranges such as `year:[2015 TO 2024]`.
    /// Bare words must all match (as in PubMed), in the title, abstract,
    /// keywords or MeSH; a match in the title or MeSH ranks higher.
    /// `abstract:` searches that same text (the abstract is not indexed on
    /// its own).
    pub fn search(&self, query: &str, limit: usize) -> Result<Results, StoreError> {
        check_query_shape(query)?;
        let text = abstract_as_text(query);
        // tantivy's query grammar has panicked on odd input (a lone `+`
        // before `*`, refused above); should another such case exist, it is
        // reported as a query that cannot be read, not a crash.
        let parse = std::panic::AssertUnwindSafe(|| self.parser.parse_query(&text));
        let parsed = std::panic::catch_unwind(parse)
            .map_err(|_| StoreError::Query("the query could not be parsed".into()))?
            .map_err(|e| StoreError::Query(e.to_string()))?;
        let f = &self.fields;
        let searcher = self.reader.searcher();
        // Words looked for in `text`, with tantivy's snippet weight 1/(1 + df).
        let mut words: std::collections::BTreeMap<String, f32> = Default::default();
        let mut terms: Vec<Term> = Vec::new();
        parsed.query_terms(&mut |t, _| {
            if t.field() == f.text {
                terms.push(t.clone());
            }
        });
        let mut boosts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in &terms {
            let value = t.value();
            let Some(word) = value.as_str() else {
                continue;
            };
            let df = searcher.doc_freq(t)?;
            if df > 0 {
                words.insert(word.to_string(), 1.0 / (1.0 + df as f32));
            }
            for (field, boost) in [(f.title, TITLE_BOOST), (f.mesh, MESH_BOOST)] {
                let q = TermQuery::new(
                    Term::from_field_text(field, word),
                    IndexRecordOption::WithFreqs,
                );
                boosts.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
            }
        }
        let q: Box<dyn Query> = if boosts.is_empty() {
            parsed
        } else {
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, parsed),
                (Occur::Should, Box::new(BooleanQuery::new(boosts))),
            ]))
        };
        // Never more hits than records: a huge --limit allocates nothing.
        let limit = limit.min(usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX));
        let (top, total) = searcher.search(&*q, &(TopDocs::with_limit(limit.max(1)), Count))?;
        // Snippets mark the bare words and the words of title: queries.
        let mut title_words = words.clone();
        q.query_terms(&mut |t, _| {
            if t.field() == f.title {
                if let Some(w) = t.value().as_str() {
                    title_words.entry(w.to_string()).or_insert(0.5);
                }
            }
        });
        let title_gen =
            SnippetGenerator::new(title_words, self.snippet_analyzer.clone(), f.title, 400);
        let abs_gen = SnippetGenerator::new(words, self.snippet_analyzer.clone(), f.abstract_, 240);
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top.into_iter().take(limit) {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let s = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str().map(str::to_string))
            };
            let title = s(f.title).unwrap_or_default();
            // Keep the whole title, with the snippet's highlights moved onto it.
            let snip = HighlightedText::from_snippet(&title_gen.snippet_from_doc(&doc));
            let title_snippet = match title.find(&snip.text).filter(|_| !snip.text.is_empty()) {
                Some(at) => HighlightedText {
                    text: title.clone(),
                    highlights: snip
                        .highlights
                        .iter()
                        .map(|(a, b)| (a + at, b + at))
                        .collect(),
                },
                None => HighlightedText {
                    text: title.clone(),
                    highlights: Vec::new(),
                },
            };
            hits.push(Hit {
                score,
                record_id: doc.get_first(f.rid).and_then(|v| v.as_u64()).unwrap_or(0),
                pmid: doc.get_first(f.pmid).and_then(|v| v.as_u64()),
                doi: s(f.doi),
                title,
                year: doc.get_first(f.year).and_then(|v| v.as_i64()),
                journal: s(f.journal),
                authors: doc
                    .get_all(f.author)
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .take(3)
                    .collect(),
                title_snippet,
                abstract_snippet: HighlightedText::from_snippet(&abs_gen.snippet_from_doc(&doc)),
            });
        }
        Ok(Results {
            query: query.to_string(),
            total,
            hits,
        })
    }
}

/// `abstract:` read as `text:` outside quoted phrases.
///
/// ```
/// use lacuna::store::index::abstract_as_text;
/// assert_eq!(abstract_as_text("abstract:dbt AND (abstract:\"peer support\" OR x)"),
///            "text:dbt AND (text:\"peer support\" OR x)");
/// assert_eq!(abstract_as_text("title:\"an abstract: study\" -abstract:rat"),
///            "title:\"an abstract: study\" -text:rat");
/// assert_eq!(abstract_as_text("myabstract:x"), "myabstract:x");
/// ```
pub fn abstract_as_text(query: &str) -> std::borrow::Cow<'_, str> {
    const FIELD: &str = "abstract:";
    if !query.contains(FIELD) {
        return query.into();
    }
    let mut out = String::with_capacity(query.len());
    let mut quoted = false;
    let mut prev: Option<char> = None;
    let mut rest = query;
    while let Some(c) = rest.chars().next() {
        let at_word_start = prev.is_none_or(|p| p.is_whitespace() || "(+-!".contains(p));
        if !quoted && at_word_start && rest.starts_with(FIELD) {
            out.push_str("text:");
            rest = &rest[FIELD.len()..];
            prev = Some(':');
            continue;
        }
        if c == '"' {
            quoted = !quoted;
        }
        out.push(c);
        prev = Some(c);
        rest = &rest[c.len_utf8()..];
    }
    out.into()
}

#[cfg(test)]
mod tests {
    //! Issue 30: a full disk is named as such, and a failed import leaves no
    //! stray segment files. A real full disk needs a file system of its own
    //! (root, a small tmpfs); here a directory of tantivy's `Directory` trait
    //! answers ENOSPC once a byte budget is spent, under tantivy's own
    //! indexing threads.

    use super::*;
    use std::collections::BTreeSet;
    use std::io::Write;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::{Arc, Mutex};
    use tantivy::directory::error::{DeleteError, OpenReadError, OpenWriteError};
    use tantivy::directory::{AntiCallToken, RamDirectory, TerminatingWrite, WritePtr};

    fn enospc() -> std::io::Error {
        std::io::Error::from_raw_os_error(28)
    }

    /// A RAM directory whose segment files fail with ENOSPC once `budget`
    /// bytes are written; it keeps the names of the files it holds.
    #[derive(Debug, Clone)]
    struct Filling {
        inner: RamDirectory,
        budget: Arc<AtomicI64>,
        files: Arc<Mutex<BTreeSet<PathBuf>>>,
    }

    struct Capped {
        inner: WritePtr,
        budget: Arc<AtomicI64>,
    }

    impl Write for Capped {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.budget.fetch_sub(buf.len() as i64, Ordering::SeqCst) < buf.len() as i64 {
                return Err(enospc());
            }
            self.inner.write(buf)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.inner.flush()
        }
    }

    impl TerminatingWrite for Capped {
        fn terminate_ref(&mut self, token: AntiCallToken) -> std::io::Result<()> {
            self.inner.terminate_ref(token)
        }
    }

    impl tantivy::Directory for Filling {
        fn get_file_handle(
            &self,
            path: &Path,
        ) -> Result<Arc<dyn tantivy::directory::FileHandle>, OpenReadError> {
            self.inner.get_file_handle(path)
        }
        fn delete(&self, path: &Path) -> Result<(), DeleteError> {
            self.inner.delete(path)?;
            self.files.lock().expect("files").remove(path);
            Ok(())
        }
        fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
            self.inner.exists(path)
        }
        fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
            let inner = self.inner.open_write(path)?;
            self.files.lock().expect("files").insert(path.to_path_buf());
            Ok(std::io::BufWriter::new(Box::new(Capped {
                inner,
                budget: self.budget.clone(),
            })))
        }
        fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
            self.inner.atomic_read(path)
        }
        fn atomic_write(&self, path: &Path, data: &[u8]) -> std::io::Result<()> {
            self.inner.atomic_write(path, data)
        }
        fn sync_directory(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn watch(
            &self,
            callback: tantivy::directory::WatchCallback,
        ) -> tantivy::Result<tantivy::directory::WatchHandle> {
            self.inner.watch(callback)
        }
    }

    fn record(i: usize) -> Record {
        // distinct words, so the indexing thread's memory fills quickly
        let words: Vec<String> = (0..300).map(|w| format!("w{i}x{w}")).collect();
        Record {
            title: format!("record {i}"),
            abstract_text: Some(words.join(" ")),
            ..Default::default()
        }
    }

    #[test]
    fn a_full_disk_is_named_whatever_tantivy_wraps_it_in() {
        let cases: Vec<tantivy::TantivyError> = vec![
            tantivy::TantivyError::IoError(Arc::new(enospc())),
            tantivy::TantivyError::IoError(Arc::new(std::io::Error::from(
                std::io::ErrorKind::StorageFull,
            ))),
            OpenWriteError::IoError {
                io_error: Arc::new(enospc()),
                filepath: PathBuf::from("x.idx"),
            }
            .into(),
            tantivy::TantivyError::ErrorInThread(format!("{:?}", enospc())),
        ];
        for e in cases {
            let shown = e.to_string();
            let s = StoreError::from(e);
            assert!(matches!(s, StoreError::DiskFull(_)), "{shown} -> {s:?}");
            assert!(
                s.to_string()
                    .contains("the disk holding the review is full"),
                "{s}"
            );
        }
        for e in [
            tantivy::TantivyError::ErrorInThread("An index writer was killed.".into()),
            tantivy::TantivyError::IoError(Arc::new(std::io::Error::from(
                std::io::ErrorKind::PermissionDenied,
            ))),
        ] {
            assert!(matches!(StoreError::from(e), StoreError::Index(_)));
        }
    }

    #[test]
    fn an_import_on_a_full_disk_says_so_and_leaves_no_stray_segment_files() {
        let dir = Filling {
            inner: RamDirectory::create(),
            budget: Arc::new(AtomicI64::new(i64::MAX)),
            files: Arc::default(),
        };
        let (schema, fields) = schema();
        let index =
            Index::create(dir.clone(), schema, tantivy::IndexSettings::default()).expect("create");
        super::super::tokenize::register(&index);
        let mut writer: IndexWriter<Queued> = index
            .writer_with_num_threads(1, 15_000_000)
            .expect("writer");
        let gauge = Arc::default();
        add_document(&mut writer, queued(&fields, 1, &record(0), &gauge)).expect("first record");
        writer.commit().expect("commit");
        let committed: BTreeSet<PathBuf> = dir.files.lock().expect("files").clone();

        // The disk fills: 64 KiB left.
        dir.budget.store(64 * 1024, Ordering::SeqCst);
        let mut u = Updater::with_writer(writer, fields);
        let mut failed = None;
        for i in 1..100_000 {
            if let Err(e) = u.add(i as i64 + 1, &record(i)) {
                failed = Some(e);
                break;
            }
        }
        let e = failed.expect("the indexing thread must have hit the full disk");
        assert!(
            matches!(e, StoreError::DiskFull(_)),
            "named as a full disk, not {e}"
        );
        assert!(!e.to_string().contains("killed"), "{e}");
        assert!(
            dir.files.lock().expect("files").len() > committed.len(),
            "the failed flush wrote segment files"
        );
        u.rollback().expect("rollback");
        let segments = |f: &BTreeSet<PathBuf>| -> BTreeSet<PathBuf> {
            // the writer's lock file comes and goes with the writer
            f.iter()
                .filter(|p| !p.to_string_lossy().starts_with('.'))
                .cloned()
                .collect()
        };
        assert_eq!(
            segments(&dir.files.lock().expect("files")),
            segments(&committed),
            "the files of the failed segment are removed"
        );
    }
}
