//! Studies named as readers name them: the first author's surname and the
//! year ("Hilden 2021"), "Linehan 2006a" / "Linehan 2006b" when two studies
//! would share a name, a collective author or the journal when there is no
//! person to name, and the title's first words when there is neither.
//!
//! Pure: no I/O. Internal keys (`pmid:…`, `src:…`) never reach a reader
//! through these names; `--json` output keeps the ids beside them.

use std::collections::BTreeMap;

/// What a study's name is made of: its lead report's first author, journal,
/// title and year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameParts {
    /// First author as stored ("Last FM", or a collective name).
    pub first_author: Option<String>,
    /// Journal.
    pub journal: Option<String>,
    /// Title (used when there is no author and no journal).
    pub title: String,
    /// Year of publication.
    pub year: Option<i32>,
    /// What a reviewer called the study in an extraction sheet ("Bateman
    /// 2009"): the name when the record gives no author.
    pub label: Option<String>,
}

/// The year a label ends with ("Bateman 2009" → 2009).
pub fn label_year(label: &str) -> Option<i32> {
    let t = label
        .trim()
        .trim_end_matches(|c: char| c.is_ascii_lowercase());
    let tail = t.get(t.len().checked_sub(4)?..)?;
    let y: i32 = tail.parse().ok()?;
    let before = t.get(..t.len() - 4)?;
    ((1800..=2200).contains(&y) && (before.is_empty() || before.ends_with([' ', ',', '('])))
        .then_some(y)
}

/// The surname of an author stored as "Last FM" (initials of at most four
/// capitals, optionally with dots); a collective author ("UK BPD Trial
/// Group") is returned whole.
///
/// ```
/// use lacuna::model::names::surname;
/// assert_eq!(surname("Hilden HM"), "Hilden");
/// assert_eq!(surname("van den Bosch LMC"), "van den Bosch");
/// assert_eq!(surname("Dmitrzak-Węglarz M"), "Dmitrzak-Węglarz");
/// assert_eq!(surname("BPD Study Group"), "BPD Study Group");
/// ```
pub fn surname(author: &str) -> &str {
    let a = author.trim();
    match a.rsplit_once(' ') {
        Some((last, initials))
            if !last.trim().is_empty()
                && !initials.is_empty()
                && initials.chars().filter(|c| *c != '.').count() <= 4
                && initials
                    .chars()
                    .all(|c| c.is_uppercase() || c == '.' || c == '-') =>
        {
            last.trim()
        }
        _ => a,
    }
}

/// The first few words of a title, for a study with no author and no
/// journal.
fn title_words(title: &str) -> String {
    let words: Vec<&str> = title.split_whitespace().collect();
    if words.len() <= 5 {
        return words.join(" ");
    }
    let mut s = words.get(..5).map(|w| w.join(" ")).unwrap_or_default();
    s = s
        .trim_end_matches(|c: char| !c.is_alphanumeric())
        .to_string();
    s.push('…');
    s
}

/// A study's name before any clash is resolved: "Surname YEAR", or the
/// collective author, journal or title words with the year ("n.d." when
/// there is none).
pub fn base_name(p: &NameParts) -> String {
    if p.first_author.is_none() {
        if let Some(l) = p.label.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
            return match (label_year(l), p.year) {
                (None, Some(y)) => format!("{l} {y}"),
                _ => l.to_string(),
            };
        }
    }
    let who = p
        .first_author
        .as_deref()
        .map(surname)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .or_else(|| {
            p.journal
                .as_deref()
                .map(str::trim)
                .filter(|j| !j.is_empty())
                .map(str::to_string)
        })
        .unwrap_or_else(|| title_words(&p.title));
    match p.year {
        Some(y) => format!("{who} {y}"),
        None => format!("{who} n.d."),
    }
}

/// Names for many studies at once, keyed as given: studies that would share
/// a name get a letter after the year, in the order of their keys
/// ("Linehan 2006a", "Linehan 2006b").
///
/// ```
/// use lacuna::model::names::{assign, NameParts};
/// let parts = |a: &str, y| NameParts { first_author: Some(a.into()), year: Some(y), ..Default::default() };
/// let names = assign([("s1", parts("Linehan MM", 2006)), ("s2", parts("Linehan MM", 2006)),
///                     ("s3", parts("Bateman A", 2009))]);
/// assert_eq!(names["s1"], "Linehan 2006a");
/// assert_eq!(names["s2"], "Linehan 2006b");
/// assert_eq!(names["s3"], "Bateman 2009");
/// ```
pub fn assign<K: Ord + Clone>(
    studies: impl IntoIterator<Item = (K, NameParts)>,
) -> BTreeMap<K, String> {
    let mut by_name: BTreeMap<String, Vec<(K, Option<i32>)>> = BTreeMap::new();
    for (k, p) in studies {
        by_name.entry(base_name(&p)).or_default().push((k, p.year));
    }
    let mut out = BTreeMap::new();
    for (name, mut ks) in by_name {
        if ks.len() == 1 {
            if let Some((k, _)) = ks.pop() {
                out.insert(k, name);
            }
            continue;
        }
        ks.sort_by(|a, b| a.0.cmp(&b.0));
        for (i, (k, year)) in ks.into_iter().enumerate() {
            let letter = letters(i);
            let n = match year {
                // "Linehan 2006" + "a": the letter follows the year.
                Some(_) => format!("{name}{letter}"),
                // "Smith n.d.-a", as APA letters undated works.
                None => format!("{name}-{letter}"),
            };
            out.insert(k, n);
        }
    }
    out
}

/// a, b, …, z, aa, ab, …
fn letters(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'a' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(a: Option<&str>, j: Option<&str>, t: &str, y: Option<i32>) -> NameParts {
        NameParts {
            first_author: a.map(str::to_string),
            journal: j.map(str::to_string),
            title: t.into(),
            year: y,
            label: None,
        }
    }

    #[test]
    fn a_study_is_named_by_surname_and_year_or_what_stands_in_for_them() {
        assert_eq!(
            base_name(&p(Some("Hilden HM"), None, "x", Some(2021))),
            "Hilden 2021"
        );
        assert_eq!(
            base_name(&p(None, Some("BMC Psychiatry"), "x", Some(2020))),
            "BMC Psychiatry 2020"
        );
        assert_eq!(
            base_name(&p(
                None,
                None,
                "Effectiveness of brief schema group therapy for borderline",
                None
            )),
            "Effectiveness of brief schema group… n.d."
        );
    }

    #[test]
    fn clashing_names_get_letters_in_key_order() {
        let n = assign([
            ("b", p(Some("Linehan MM"), None, "", Some(2006))),
            ("a", p(Some("Linehan M"), None, "", Some(2006))),
            ("c", p(Some("Linehan MM"), None, "", Some(2015))),
        ]);
        assert_eq!(n["a"], "Linehan 2006a");
        assert_eq!(n["b"], "Linehan 2006b");
        assert_eq!(n["c"], "Linehan 2015");
        assert_eq!(letters(0), "a");
        let mut bateman = p(None, Some("Am J Psychiatry"), "RCT", None);
        bateman.label = Some("Bateman 2009".into());
        assert_eq!(base_name(&bateman), "Bateman 2009");
        assert_eq!(label_year("Bateman 2009"), Some(2009));
        assert_eq!(label_year("Linehan 2006b"), Some(2006));
        assert_eq!(label_year("Trial 12345"), None);
        assert_eq!(letters(25), "z");
        assert_eq!(letters(26), "aa");
    }
}
