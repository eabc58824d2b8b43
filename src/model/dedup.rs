//! Finding duplicate records across sources, conservatively: a false merge
//! hides a study from the review, a missed one only costs a reviewer a
//! second look, so only near-certain pairs are merged and the rest are
//! listed for a person.
//!
//! Pure: keys in, pairs out. Exact DOI first; then titles that share a
//! block (same normalised title start, or same first author and year) are
//! compared with normalised Levenshtein similarity (`rapidfuzz`: bit-parallel,
//! with a score cut-off, after cheap year, author and length checks). Two
//! records with different PMIDs or different DOIs are never the same work.

use std::collections::HashMap;

/// What dedup needs of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DedupKey {
    /// Store row id.
    pub id: i64,
    /// PMID.
    pub pmid: Option<u64>,
    /// Normalised DOI.
    pub doi: Option<String>,
    /// Normalised title (see [`super::normalise_title`]).
    pub title: String,
    /// Publication year.
    pub year: Option<i32>,
    /// First author's surname, lower case, letters only.
    pub first_author: Option<String>,
}

/// The characters of a title that deduplication compares.
const TITLE_CHARS: usize = 2000;

impl DedupKey {
    /// Build from record fields.
    ///
    /// ```
    /// use lacuna::model::dedup::DedupKey;
    /// let k = DedupKey::new(1, None, None, "MBT: an RCT.", Some(2009), Some("Bateman AW"));
    /// assert_eq!((k.title.as_str(), k.first_author.as_deref()), ("mbt an rct", Some("bateman")));
    /// ```
    pub fn new(
        id: i64,
        pmid: Option<u64>,
        doi: Option<&str>,
        title: &str,
        year: Option<i32>,
        first_author: Option<&str>,
    ) -> DedupKey {
        let first_author = first_author
            .and_then(|a| a.split([' ', ',']).find(|w| !w.is_empty()))
            .map(|w| {
                w.chars()
                    .flat_map(char::to_lowercase)
                    .filter(|c| c.is_alphabetic())
                    .collect::<String>()
            })
            .filter(|s| !s.is_empty());
        // Titles are compared by their start: a real title is far shorter,
        // and comparing two 16 MiB titles would take hours.
        let head = title
            .char_indices()
            .nth(2 * TITLE_CHARS)
            .and_then(|(i, _)| title.get(..i))
            .unwrap_or(title);
        let mut title = super::normalise_title(head);
        if let Some((i, _)) = title.char_indices().nth(TITLE_CHARS) {
            title.truncate(i);
        }
        DedupKey {
            id,
            pmid,
            doi: doi.map(str::to_lowercase),
            title,
            year,
            first_author,
        }
    }
}

/// Why two records are thought the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Same normalised DOI.
    Doi,
    /// Near-identical title, same year and first author.
    Title,
}

impl Method {
    /// Name stored in the duplicates table.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Doi => "doi",
            Method::Title => "title",
        }
    }
}

/// A pair of records that may be one work.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Pair {
    /// The record to keep (the one with a PMID, else the older).
    pub keep: i64,
    /// The record that duplicates it.
    pub dup: i64,
    /// How it was found.
    pub method: Method,
    /// Title similarity (1 for exact DOI matches).
    pub score: f64,
    /// Merge without asking (true), or list for a person (false).
    pub certain: bool,
}

/// Title similarity at or above which (with year and first author agreeing)
/// records merge without a person.
pub const MERGE_AT: f64 = 0.95;
/// Similarity at or above which a pair is listed for a person.
pub const REVIEW_AT: f64 = 0.85;
/// Characters of the normalised title used as a blocking key.
const PREFIX: usize = 24;
/// Titles shorter than this are too generic to merge on title alone.
const MIN_TITLE: usize = 20;

fn conflict(a: &DedupKey, b: &DedupKey) -> bool {
    matches!((a.pmid, b.pmid), (Some(x), Some(y)) if x != y)
        || matches!((&a.doi, &b.doi), (Some(x), Some(y)) if x != y)
}

fn order(a: &DedupKey, b: &DedupKey) -> (i64, i64) {
    match (a.pmid.is_some(), b.pmid.is_some()) {
        (true, false) => (a.id, b.id),
        (false, true) => (b.id, a.id),
        _ if a.id <= b.id => (a.id, b.id),
        _ => (b.id, a.id),
    }
}

/// Largest block searched whole (see `find`).
const MAX_BLOCK: usize = 500;

fn suffix(t: &str) -> &str {
    let n = t.chars().count();
    let start = t
        .char_indices()
        .nth(n.saturating_sub(PREFIX))
        .map(|(i, _)| i)
        .unwrap_or(0);
    t.get(start..).unwrap_or(t)
}

fn prefix(t: &str) -> &str {
    let end = t
        .char_indices()
        .nth(PREFIX)
        .map(|(i, _)| i)
        .unwrap_or(t.len());
    t.get(..end).unwrap_or(t)
}

/// Judge one candidate pair.
pub fn judge(a: &DedupKey, b: &DedupKey) -> Option<Pair> {
    if a.id == b.id || conflict(a, b) {
        return None;
    }
    let (keep, dup) = order(a, b);
    if a.doi.is_some() && a.doi == b.doi {
        return Some(Pair {
            keep,
            dup,
            method: Method::Doi,
            score: 1.0,
            certain: true,
        });
    }
    // Cheap checks before any string distance.
    let year_same = a.year == b.year && a.year.is_some();
    let year_near = match (a.year, b.year) {
        (Some(x), Some(y)) => (x - y).abs() <= 1,
        _ => true,
    };
    let author_same = a.first_author.is_some() && a.first_author == b.first_author;
    let author_ok = author_same || a.first_author.is_none() || b.first_author.is_none();
    if !year_near || !author_ok {
        return None;
    }
    let score = if a.title == b.title {
        1.0
    } else {
        let (la, lb) = (a.title.len(), b.title.len());
        let longer = la.max(lb) as f64;
        if (la.abs_diff(lb) as f64) > (1.0 - REVIEW_AT) * longer + 1.0 {
            return None;
        }
        use rapidfuzz::distance::levenshtein;
        levenshtein::normalized_similarity_with_args(
            a.title.chars(),
            b.title.chars(),
            &levenshtein::Args::default().score_cutoff(REVIEW_AT),
        )?
    };
    if score < REVIEW_AT {
        return None;
    }
    let certain = score >= MERGE_AT
        && spelling_only(&a.title, &b.title)
        && year_same
        && author_same
        && a.title.len().min(b.title.len()) >= MIN_TITLE;
    Some(Pair {
        keep,
        dup,
        method: Method::Title,
        score,
        certain,
    })
}

/// Whether two titles differ only by spelling variants: every word of one
/// missing from the other is one edit away from a word there, and both such
/// words have at least four letters ("behaviour"/"behavior",
/// "randomised"/"randomized", "trial"/"trials"; not "women"/"men").
fn spelling_only(a: &str, b: &str) -> bool {
    let wa: Vec<&str> = a.split(' ').collect();
    let wb: Vec<&str> = b.split(' ').collect();
    let covered = |from: &[&str], to: &[&str]| {
        from.iter().all(|w| {
            to.contains(w)
                || (w.chars().count() >= 4
                    && to.iter().any(|v| {
                        v.chars().count() >= 4
                            && rapidfuzz::distance::levenshtein::distance(w.chars(), v.chars()) <= 1
                    }))
        })
    };
    covered(&wa, &wb) && covered(&wb, &wa)
}

/// Pairs among `new` and between `new` and `existing` (existing records are
/// not compared with one another). Each pair once, best first per record.
///
/// ```
/// use lacuna::model::dedup::{find, DedupKey, Method};
/// let old = vec![DedupKey::new(1, Some(18450866), Some("10.1176/appi.ajp.2007.07040636"),
///     "8-Year Follow-Up of Patients Treated for Borderline Personality Disorder", Some(2008), Some("Bateman A"))];
/// let new = vec![
///     DedupKey::new(2, None, Some("10.1176/APPI.AJP.2007.07040636"), "8-year follow-up ...", Some(2008), None),
///     DedupKey::new(3, None, None, "8-YEAR FOLLOW-UP OF PATIENTS TREATED FOR BORDERLINE PERSONALITY DISORDER.", Some(2008), Some("Bateman, Anthony")),
/// ];
/// let pairs = find(&new, &old);
/// assert!(pairs.iter().any(|p| p.dup == 2 && p.method == Method::Doi && p.certain));
/// assert!(pairs.iter().any(|p| p.dup == 3 && p.keep == 1 && p.certain));
/// ```
pub fn find(new: &[DedupKey], existing: &[DedupKey]) -> Vec<Pair> {
    type Block<'a> = HashMap<&'a str, Vec<usize>>;
    type YearBlock<'a> = HashMap<(&'a str, i32), Vec<usize>>;
    let mut by_doi: Block<'_> = HashMap::new();
    let (mut by_prefix, mut by_suffix): (Block<'_>, Block<'_>) = (HashMap::new(), HashMap::new());
    let (mut by_prefix_year, mut by_suffix_year): (YearBlock<'_>, YearBlock<'_>) =
        (HashMap::new(), HashMap::new());
    let mut by_author: YearBlock<'_> = HashMap::new();
    let all: Vec<&DedupKey> = existing.iter().chain(new.iter()).collect();
    for (i, k) in all.iter().enumerate() {
        if let Some(d) = &k.doi {
            by_doi.entry(d.as_str()).or_default().push(i);
        }
        if !k.title.is_empty() {
            by_prefix.entry(prefix(&k.title)).or_default().push(i);
            by_suffix.entry(suffix(&k.title)).or_default().push(i);
        }
        if let (Some(a), Some(y)) = (&k.first_author, k.year) {
            by_author.entry((a.as_str(), y)).or_default().push(i);
        }
    }
    // Year sub-blocks only for the generic (oversized) title blocks.
    for (whole, by_year) in [
        (&by_prefix, &mut by_prefix_year),
        (&by_suffix, &mut by_suffix_year),
    ] {
        for (key, members) in whole.iter().filter(|(_, v)| v.len() > MAX_BLOCK) {
            for &i in members {
                if let Some(y) = all.get(i).and_then(|k| k.year) {
                    by_year.entry((*key, y)).or_default().push(i);
                }
            }
        }
    }
    // A block bigger than this is too generic to say anything ("a randomized
    // controlled trial of ..."): the title blocks narrow to the same year
    // (±1), and a generic block is skipped. Comparisons per record stay
    // bounded; a pair missed this way is a missed duplicate, never a false merge.
    fn small(b: Option<&Vec<usize>>) -> Option<&Vec<usize>> {
        b.filter(|v| v.len() <= MAX_BLOCK)
    }
    let first_new = existing.len();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (j, k) in new.iter().enumerate() {
        let me = first_new + j;
        let mut cands: Vec<usize> = Vec::new();
        if let Some(d) = &k.doi {
            cands.extend(by_doi.get(d.as_str()).into_iter().flatten());
        }
        if !k.title.is_empty() {
            for (key, whole, by_year) in [
                (prefix(&k.title), &by_prefix, &by_prefix_year),
                (suffix(&k.title), &by_suffix, &by_suffix_year),
            ] {
                match (small(whole.get(key)), k.year) {
                    (Some(b), _) => cands.extend(b),
                    (None, Some(y)) => {
                        for yy in [y - 1, y, y + 1] {
                            cands.extend(small(by_year.get(&(key, yy))).into_iter().flatten());
                        }
                    }
                    (None, None) => {}
                }
            }
        }
        if let (Some(a), Some(y)) = (&k.first_author, k.year) {
            for yy in [y - 1, y, y + 1] {
                cands.extend(
                    small(by_author.get(&(a.as_str(), yy)))
                        .into_iter()
                        .flatten(),
                );
            }
        }
        cands.sort_unstable();
        cands.dedup();
        for c in cands {
            // Among new records, compare each pair once (from the later one).
            if c == me || (c >= first_new && c > me) {
                continue;
            }
            let Some(other) = all.get(c) else { continue };
            if let Some(p) = judge(k, other) {
                if seen.insert((p.keep, p.dup)) {
                    out.push(p);
                }
            }
        }
    }
    out
}
