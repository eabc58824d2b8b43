//! The features a screening session ranks the records by, kept in the
//! review folder (`cache/ranking.features`): derived like the search index,
//! keyed by the records' ids, versions and contents, checked by CRC-32 and
//! by shape, and never used when out of date or damaged (then made anew).
//! Without a good cache the features are built from the records streaming
//! by, a batch of texts at a time.

use crate::error::Error;
use crate::screen::features::{Builder, Features};
use crate::store::Review;
use std::path::{Path, PathBuf};

/// The parts of a record it is ranked by (the rest of its JSON is skipped
/// when the session reads the records).
#[derive(serde::Deserialize)]
struct RankingFields {
    #[serde(default)]
    title: String,
    #[serde(default, rename = "abstract")]
    abstract_text: Option<String>,
    #[serde(default)]
    mesh: Vec<String>,
    #[serde(default)]
    keywords: Vec<String>,
}

/// The text a record is ranked by: title, abstract, MeSH and keywords.
fn ranking_text(r: &RankingFields) -> String {
    format!(
        "{} {} {} {}",
        r.title,
        r.abstract_text.as_deref().unwrap_or(""),
        r.mesh.join(" "),
        r.keywords.join(" ")
    )
}

/// Ranking texts handed to the feature builder at once.
const TEXT_BATCH: usize = 4096;

/// The features the records are ranked by, with their store ids: read from
/// the review's cache when it was made from the records as they are, else
/// built (the records streaming by: each one's ranking text becomes its
/// terms a batch at a time, and neither record nor text is kept) and the
/// cache written for the next session.
pub(super) fn ranking_features(review: &Review) -> Result<(Vec<i64>, Features, bool), Error> {
    let settings = crate::screen::rank::Settings::default();
    let (current, fingerprint) = review.current_fingerprint()?;
    let key = cache_key(fingerprint, &settings.vocabulary);
    let path = features_cache(review.dir());
    if let Some(f) = read_cache(&path, key, &current) {
        return Ok((current, f, true));
    }
    let mut ids = Vec::new();
    let mut builder = Builder::new(&settings.vocabulary);
    let mut batch: Vec<String> = Vec::with_capacity(TEXT_BATCH);
    review.for_each_current_as(|id, r: RankingFields| {
        ids.push(id);
        batch.push(ranking_text(&r));
        if batch.len() == TEXT_BATCH {
            builder.push_batch(&batch);
            batch.clear();
        }
        Ok(())
    })?;
    builder.push_batch(&batch);
    drop(batch);
    let features = builder.finish();
    // A cache for the next session (it is derived: a review that cannot be
    // written to simply builds the features each time).
    if ids == current && !ids.is_empty() {
        let _ = write_cache(&path, key, &ids, &features);
    }
    Ok((ids, features, false))
}

/// Where a review keeps its ranking features (derived, rebuilt when
/// missing or out of date, like the search index).
pub fn features_cache(dir: &Path) -> PathBuf {
    dir.join(CACHE_DIR).join("ranking.features")
}

/// The review's folder of derived caches.
pub const CACHE_DIR: &str = "cache";

const CACHE_MAGIC: &[u8; 8] = b"LCNAFT01";

fn cache_key(fingerprint: u64, voc: &crate::screen::features::Vocabulary) -> u64 {
    let mut h = crate::model::Fnv64::new();
    h.write(&fingerprint.to_le_bytes());
    h.write(&(voc.min_df as u64).to_le_bytes());
    h.write(&voc.max_df.to_bits().to_le_bytes());
    h.write(&[u8::from(voc.stop_words)]);
    h.finish()
}

fn read_cache(path: &Path, key: u64, ids: &[i64]) -> Option<Features> {
    use std::io::Read;
    let file = std::fs::File::open(path).ok()?;
    let bytes = file.metadata().ok()?.len();
    let mut r = std::io::BufReader::with_capacity(1 << 20, file);
    let mut head = [0u8; 16];
    r.read_exact(&mut head).ok()?;
    if head.get(..8)? != CACHE_MAGIC || head.get(8..16)? != key.to_le_bytes() {
        return None;
    }
    let mut n = [0u8; 8];
    r.read_exact(&mut n).ok()?;
    if u64::from_le_bytes(n) != ids.len() as u64 {
        return None;
    }
    let mut r = Crc {
        inner: r,
        crc: crc32fast::Hasher::new(),
    };
    let mut stored = vec![0i64; ids.len()];
    r.read_exact(bytemuck::cast_slice_mut(&mut stored)).ok()?;
    if stored != ids {
        return None;
    }
    drop(stored);
    let f = Features::read_from(&mut r, bytes).ok()?;
    // the checksum of everything after the header: a byte changed anywhere
    // is a cache not used, never a wrong ranking
    let sum = r.crc.finalize();
    let mut tail = [0u8; 4];
    r.inner.read_exact(&mut tail).ok()?;
    let mut rest = [0u8; 1];
    let at_end = matches!(r.inner.read(&mut rest), Ok(0));
    (f.len() == ids.len() && u32::from_le_bytes(tail) == sum && at_end).then_some(f)
}

/// A reader or writer that keeps the CRC-32 of the bytes through it.
struct Crc<T> {
    inner: T,
    crc: crc32fast::Hasher,
}

impl<R: std::io::Read> std::io::Read for Crc<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.crc.update(buf.get(..n).unwrap_or(&[]));
        Ok(n)
    }
}

impl<W: std::io::Write> std::io::Write for Crc<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(buf.get(..n).unwrap_or(&[]));
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn write_cache(path: &Path, key: u64, ids: &[i64], f: &Features) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".ranking.features.{}.tmp", std::process::id()));
    let written = (|| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        w.write_all(CACHE_MAGIC)?;
        w.write_all(&key.to_le_bytes())?;
        w.write_all(&(ids.len() as u64).to_le_bytes())?;
        let mut w = Crc {
            inner: w,
            crc: crc32fast::Hasher::new(),
        };
        w.write_all(bytemuck::cast_slice(ids))?;
        f.write_to(&mut w)?;
        let sum = w.crc.finalize();
        let mut w = w.inner;
        w.write_all(&sum.to_le_bytes())?;
        // not synced: a cache cut short by a crash fails its checksum
        w.into_inner().map_err(|e| e.into_error())?;
        Ok(())
    })();
    match written {
        Ok(()) => std::fs::rename(&tmp, path),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}
