//! Pure E-utilities helpers: read an `eSearchResult`, build the terms Lacuna
//! sends (PMID ranges past PubMed's 9,999 cap, creation-date windows for
//! living updates), and reconcile an efetch reply against the PMIDs asked for.
//!
//! No network, no clock, no disk: everything here takes bytes or strings and
//! returns values, so it is tested with recorded replies alone.

use crate::model::{Item, Pmid};
use quick_xml::events::Event;
use quick_xml::Reader;
use std::collections::BTreeSet;

/// The most IDs PubMed's esearch hands out for one query, history or not.
pub const PUBMED_CAP: u64 = 9_999;

/// The upper PMID bound used when a query must be split into PMID ranges
/// (PMIDs have at most eight digits).
pub const TOP_PMID: u64 = 99_999_999;

/// What an `eSearchResult` said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchReply {
    /// Total matches (`Count`), even when only the first 9,999 IDs came back.
    pub count: u64,
    /// The PMIDs in this reply (`IdList`).
    pub ids: Vec<Pmid>,
    /// `QueryKey` (with `usehistory=y`).
    pub query_key: Option<String>,
    /// `WebEnv` (with `usehistory=y`).
    pub webenv: Option<String>,
    /// How PubMed read the query (`QueryTranslation`), for the search log.
    pub translation: Option<String>,
    /// `ErrorList/PhraseNotFound` and `FieldNotFound`: terms PubMed dropped.
    pub not_found: Vec<String>,
    /// `WarningList` messages (e.g. "No items found.").
    pub warnings: Vec<String>,
    /// A bare `<ERROR>` element.
    pub error: Option<String>,
}

/// A reply that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// Not well-formed XML, or cut short (worth asking again).
    #[error("the reply is not complete XML ({0})")]
    Malformed(String),
    /// Well-formed, but not the document expected (worth asking again).
    #[error("the reply is not an eSearchResult (root <{0}>)")]
    WrongRoot(String),
}

/// Read an esearch XML reply.
///
/// ```
/// use lacuna::harvest::eutils::read_esearch;
/// let xml = br#"<eSearchResult><Count>2</Count><RetMax>2</RetMax><RetStart>0</RetStart>
/// <IdList><Id>31588070</Id><Id>219391</Id></IdList>
/// <QueryTranslation>"dbt"[All Fields]</QueryTranslation></eSearchResult>"#;
/// let r = read_esearch(xml).unwrap();
/// assert_eq!((r.count, r.ids.len()), (2, 2));
/// assert_eq!(r.translation.as_deref(), Some("\"dbt\"[All Fields]"));
/// ```
pub fn read_esearch(xml: &[u8]) -> Result<SearchReply, ReplyError> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().trim_text(true);
    let mut stack: Vec<String> = Vec::new();
    let mut out = SearchReply::default();
    let mut text = String::new();
    let mut buf = Vec::new();
    let mut root_seen = false;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if !root_seen {
                    root_seen = true;
                    if name != "eSearchResult" {
                        return Err(ReplyError::WrongRoot(name));
                    }
                }
                stack.push(name);
                text.clear();
            }
            Ok(Event::Empty(e)) => {
                if !root_seen {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    return Err(ReplyError::WrongRoot(name));
                }
            }
            Ok(Event::Text(t)) => text.push_str(&String::from_utf8_lossy(&t)),
            Ok(Event::GeneralRef(r)) => match r.resolve_char_ref() {
                Ok(Some(c)) => text.push(c),
                _ => {
                    let entity = format!("&{};", String::from_utf8_lossy(&r));
                    match quick_xml::escape::unescape(&entity) {
                        Ok(s) => text.push_str(&s),
                        Err(_) => text.push_str(&entity),
                    }
                }
            },
            Ok(Event::End(_)) => {
                let depth = stack.len();
                let name = stack.pop().unwrap_or_default();
                let parent = depth
                    .checked_sub(2)
                    .and_then(|i| stack.get(i))
                    .map(String::as_str);
                let t = std::mem::take(&mut text);
                match (parent, name.as_str()) {
                    (Some("eSearchResult"), "Count") => {
                        out.count = t
                            .trim()
                            .parse()
                            .map_err(|_| ReplyError::Malformed(format!("Count {t:?}")))?;
                    }
                    (Some("IdList"), "Id") => {
                        let p = Pmid::parse(t.trim())
                            .map_err(|_| ReplyError::Malformed(format!("Id {t:?}")))?;
                        out.ids.push(p);
                    }
                    (Some("eSearchResult"), "QueryKey") => out.query_key = Some(t),
                    (Some("eSearchResult"), "WebEnv") => out.webenv = Some(t),
                    (Some("eSearchResult"), "QueryTranslation") => out.translation = Some(t),
                    (Some("eSearchResult"), "ERROR") => out.error = Some(t),
                    (Some("ErrorList"), "PhraseNotFound" | "FieldNotFound") => {
                        out.not_found.push(t)
                    }
                    (Some("WarningList"), _) if !t.is_empty() => out.warnings.push(t),
                    _ => {}
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(ReplyError::Malformed(e.to_string())),
        }
        buf.clear();
    }
    if !root_seen {
        return Err(ReplyError::Malformed("no XML element in the reply".into()));
    }
    if !stack.is_empty() {
        return Err(ReplyError::Malformed(format!(
            "the reply ends inside <{}>",
            stack.last().map(String::as_str).unwrap_or("?")
        )));
    }
    Ok(out)
}

/// `term` restricted to PMIDs `lo..=hi`, as EDirect does past the cap.
///
/// ```
/// assert_eq!(lacuna::harvest::eutils::uid_range("dbt[tiab]", 1, 500), "(dbt[tiab]) AND 1:500[uid]");
/// ```
pub fn uid_range(term: &str, lo: u64, hi: u64) -> String {
    format!("({term}) AND {lo}:{hi}[uid]")
}

/// `term` restricted to records created in PubMed on or after `from`
/// (`YYYY/MM/DD`): the window for new records in a living update.
///
/// ```
/// assert_eq!(
///     lacuna::harvest::eutils::created_since("dbt[tiab]", "2026/11/01"),
///     "(dbt[tiab]) AND (\"2026/11/01\"[crdt] : \"3000\"[crdt])"
/// );
/// ```
pub fn created_since(term: &str, from: &str) -> String {
    format!("({term}) AND (\"{from}\"[crdt] : \"3000\"[crdt])")
}

/// Halve a PMID range that still holds more than the cap (EDirect's split).
///
/// ```
/// assert_eq!(lacuna::harvest::eutils::halve(1, 10), Some(((1, 5), (6, 10))));
/// assert_eq!(lacuna::harvest::eutils::halve(7, 7), None);
/// ```
pub fn halve(lo: u64, hi: u64) -> Option<((u64, u64), (u64, u64))> {
    if lo >= hi {
        return None;
    }
    let mid = lo / 2 + hi / 2 + (lo % 2 + hi % 2) / 2;
    let mid = mid.clamp(lo, hi - 1);
    Some(((lo, mid), (mid + 1, hi)))
}

/// Hits aimed for per PMID range when a query is split: under the cap with
/// room for records added while the harvest runs.
pub const RANGE_TARGET: u64 = 8_000;

/// PMID ranges covering `1..=TOP_PMID` that should each hold about
/// [`RANGE_TARGET`] of `count` hits, cut at quantiles of `sample` (the IDs
/// the first, capped search returned). Far fewer probes than halving the
/// whole PMID space: two or three searches for a query of 10,000 to 20,000.
///
/// ```
/// use lacuna::harvest::eutils::{plan_ranges, TOP_PMID};
/// use lacuna::model::Pmid;
/// let sample: Vec<Pmid> = (1..=9_999).map(|i| Pmid::new(30_000_000 + i).unwrap()).collect();
/// let r = plan_ranges(&sample, 12_000);
/// assert_eq!(r.len(), 2);
/// assert_eq!((r[0].0, r[1].1), (1, TOP_PMID));
/// assert_eq!(r[0].1 + 1, r[1].0);
/// ```
pub fn plan_ranges(sample: &[Pmid], count: u64) -> Vec<(u64, u64)> {
    let mut s: Vec<u64> = sample.iter().map(|p| p.get()).collect();
    s.sort_unstable();
    s.dedup();
    let parts = count.div_ceil(RANGE_TARGET).max(1) as usize;
    let mut cuts: Vec<u64> = (1..parts)
        .filter_map(|i| s.get(i * s.len() / parts).copied())
        .filter(|&c| c < TOP_PMID)
        .collect();
    cuts.dedup();
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut lo = 1;
    for c in cuts {
        if c >= lo {
            out.push((lo, c));
            lo = c + 1;
        }
    }
    out.push((lo, TOP_PMID));
    out
}

/// Split a range still over the cap at the median of the IDs it returned
/// (falling back to the numeric middle).
///
/// ```
/// use lacuna::harvest::eutils::split_at_median;
/// use lacuna::model::Pmid;
/// let ids: Vec<Pmid> = [10, 20, 30, 40].iter().map(|&i| Pmid::new(i).unwrap()).collect();
/// assert_eq!(split_at_median(1, 100, &ids), Some(((1, 30), (31, 100))));
/// assert_eq!(split_at_median(1, 100, &[]), Some(((1, 50), (51, 100))));
/// ```
pub fn split_at_median(lo: u64, hi: u64, ids: &[Pmid]) -> Option<((u64, u64), (u64, u64))> {
    let mut inside: Vec<u64> = ids
        .iter()
        .map(|p| p.get())
        .filter(|&p| p >= lo && p <= hi)
        .collect();
    inside.sort_unstable();
    match inside.get(inside.len() / 2) {
        Some(&m) if m >= lo && m < hi => Some(((lo, m), (m + 1, hi))),
        _ => halve(lo, hi),
    }
}

/// How an efetch reply compares with the PMIDs asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Asked for and returned as an article or book.
    pub returned: BTreeSet<Pmid>,
    /// Asked for and listed in `DeleteCitation`.
    pub deleted: BTreeSet<Pmid>,
    /// Asked for and absent (unknown, or dropped by the server): ask again.
    pub missing: Vec<Pmid>,
    /// Returned without being asked for (left out of the store).
    pub unexpected: Vec<Pmid>,
}

/// Compare the items of an efetch reply with the PMIDs asked for, by PMID
/// (never by count: books, deletions and unknown PMIDs make counts lie).
///
/// ```
/// use lacuna::harvest::eutils::reconcile;
/// use lacuna::model::{Deletion, Item, Pmid, Record};
/// let p = |n| Pmid::new(n).unwrap();
/// let rec = Record { pmid: Some(p(1)), ..Record::default() };
/// let items = vec![Item::Record(Box::new(rec)), Item::Deletion(Deletion { pmid: p(2), pmid_version: None })];
/// let r = reconcile(&[p(1), p(2), p(3)], &items);
/// assert_eq!(r.missing, vec![p(3)]);
/// assert!(r.deleted.contains(&p(2)));
/// ```
pub fn reconcile(asked: &[Pmid], items: &[Item]) -> Reconciled {
    let wanted: BTreeSet<Pmid> = asked.iter().copied().collect();
    let mut out = Reconciled::default();
    for item in items {
        let (pmid, deleted) = match item {
            Item::Record(r) => match r.pmid {
                Some(p) => (p, false),
                None => continue,
            },
            Item::Deletion(d) => (d.pmid, true),
        };
        if !wanted.contains(&pmid) {
            out.unexpected.push(pmid);
        } else if deleted {
            out.deleted.insert(pmid);
        } else {
            out.returned.insert(pmid);
        }
    }
    out.missing = asked
        .iter()
        .copied()
        .filter(|p| !out.returned.contains(p) && !out.deleted.contains(p))
        .collect();
    out.missing.dedup();
    out
}

/// Whether a body is NCBI's JSON rate-limit reply (`API rate limit exceeded`).
///
/// ```
/// assert!(lacuna::harvest::eutils::is_rate_limit_body(br#"{"error":"API rate limit exceeded","count":"11"}"#));
/// assert!(!lacuna::harvest::eutils::is_rate_limit_body(b"<eSearchResult/>"));
/// ```
pub fn is_rate_limit_body(body: &[u8]) -> bool {
    let head = body.get(..body.len().min(512)).unwrap_or(body);
    let s = String::from_utf8_lossy(head);
    s.trim_start().starts_with('{') && s.contains("rate limit")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halve_covers_the_range_without_overlap() {
        for (lo, hi) in [
            (1u64, 2u64),
            (1, 99_999_999),
            (40_000_000, 40_000_001),
            (3, 10),
        ] {
            let Some(((a, b), (c, d))) = halve(lo, hi) else {
                panic!("{lo}:{hi} not split")
            };
            assert_eq!((a, d), (lo, hi));
            assert_eq!(b + 1, c);
            assert!(a <= b && c <= d);
        }
    }

    #[test]
    fn truncated_reply_is_malformed() {
        let xml = b"<eSearchResult><Count>3</Count><IdList><Id>1</Id>";
        assert!(matches!(read_esearch(xml), Err(ReplyError::Malformed(_))));
    }

    #[test]
    fn other_document_is_wrong_root() {
        assert!(matches!(
            read_esearch(b"<html><body>Server Error</body></html>"),
            Err(ReplyError::WrongRoot(_))
        ));
        assert!(read_esearch(b"").is_err());
    }
}
