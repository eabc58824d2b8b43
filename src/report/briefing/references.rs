//! The references of the included studies in one Vancouver-like style:
//! the study's name in bold (as the text names it), up to three authors
//! then "et al.", title, journal, year;volume(issue):pages, DOI and PMID. A
//! missing part is left out with its punctuation; the list is ordered by
//! study name, and a title is listed once.

use super::doc::{Block, Inline, Line};
use super::words::Names;
use super::{Briefing, Reference};

/// A part of a reference ending in exactly one full stop (or its own ? or !).
fn part(s: &str) -> Option<String> {
    let t = s.trim().trim_end_matches(['.', ' ', ',', ';', ':']).trim();
    if t.is_empty() {
        return None;
    }
    Some(if t.ends_with(['?', '!']) {
        t.to_string()
    } else {
        format!("{t}.")
    })
}

fn opt(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The reference's text after the study's name.
pub(super) fn vancouver(r: &Reference) -> String {
    let mut parts: Vec<String> = Vec::new();
    let authors: Vec<&str> = r
        .authors
        .iter()
        .map(|a| a.trim().trim_end_matches('.'))
        .filter(|a| !a.is_empty())
        .collect();
    if !authors.is_empty() {
        let mut a = authors
            .iter()
            .take(3)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if authors.len() > 3 {
            a.push_str(", et al");
        }
        parts.extend(part(&a));
    }
    parts.extend(part(&r.title));
    parts.extend(opt(&r.journal).and_then(part));
    let mut detail = r.year.map(|y| y.to_string()).unwrap_or_default();
    if let Some(v) = opt(&r.volume) {
        if !detail.is_empty() {
            detail.push(';');
        }
        detail.push_str(v);
    }
    if let Some(i) = opt(&r.issue) {
        if r.year.is_some() && opt(&r.volume).is_none() {
            detail.push(';');
        }
        detail.push_str(&format!("({i})"));
    }
    if let Some(p) = opt(&r.pages) {
        if !detail.is_empty() {
            detail.push(':');
        }
        detail.push_str(p);
    }
    parts.extend(part(&detail));
    if let Some(d) = opt(&r.doi) {
        parts.extend(part(&format!("doi:{d}")));
    }
    if let Some(p) = r.pmid {
        parts.push(format!("PMID: {p}."));
    }
    parts.join(" ")
}

/// A title reduced to its letters and digits, for finding the same title.
pub(super) fn normalised(t: &str) -> String {
    t.chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The section's blocks.
pub(super) fn blocks(b: &Briefing<'_>, names: &Names) -> Vec<Block> {
    let name_of = |r: &Reference| {
        if r.study_name.trim().is_empty() {
            names.study(&r.study)
        } else {
            r.study_name.trim().to_string()
        }
    };
    let mut refs: Vec<(String, &Reference)> =
        b.references.iter().map(|r| (name_of(r), r)).collect();
    refs.sort_by(|(a, x), (c, y)| {
        a.to_lowercase()
            .cmp(&c.to_lowercase())
            .then(a.cmp(c))
            .then(x.year.cmp(&y.year))
            .then(x.title.cmp(&y.title))
    });
    // one entry per title: the names of every study that reported it
    let mut entries: Vec<(Vec<String>, &Reference)> = Vec::new();
    for (name, r) in refs {
        let key = normalised(&r.title);
        let same = entries
            .iter_mut()
            .find(|(_, e)| !key.is_empty() && normalised(&e.title) == key);
        match same {
            Some((ns, e)) => {
                if !ns.contains(&name) {
                    ns.push(name);
                }
                // the fuller record of the two is the one shown
                if vancouver(r).len() > vancouver(e).len() && !e.retracted {
                    *e = r;
                }
            }
            None => entries.push((vec![name], r)),
        }
    }
    let items: Vec<Line> = entries
        .into_iter()
        .map(|(ns, r)| {
            let mut l = vec![
                Inline::Strong(part(&ns.join("; ")).unwrap_or_default()),
                Inline::Text(format!(" {}", vancouver(r))),
            ];
            if r.retracted {
                l.push(Inline::Retracted);
            }
            l
        })
        .collect();
    vec![
        Block::Heading {
            level: 2,
            id: Some("references"),
            text: "References of the included studies".into(),
        },
        Block::List {
            ordered: true,
            class: Some("references"),
            items,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_leaves_missing_parts_out_cleanly() {
        let full = Reference {
            authors: ["Arntz A", "Jacob GA", "Lee CW", "Brand-de Wilde OM"]
                .map(String::from)
                .to_vec(),
            year: Some(2022),
            title: "Effectiveness of group schema therapy.".into(),
            journal: Some("JAMA Psychiatry".into()),
            volume: Some("79".into()),
            issue: Some("4".into()),
            pages: Some("287-299".into()),
            doi: Some("10.1001/jamapsychiatry.2022.0010".into()),
            pmid: Some(35234828),
            ..Reference::default()
        };
        assert_eq!(
            vancouver(&full),
            "Arntz A, Jacob GA, Lee CW, et al. Effectiveness of group schema therapy. JAMA Psychiatry. 2022;79(4):287-299. doi:10.1001/jamapsychiatry.2022.0010. PMID: 35234828."
        );
        let bare = Reference {
            title: "Living through distress?".into(),
            ..Reference::default()
        };
        assert_eq!(vancouver(&bare), "Living through distress?");
        let year_only = Reference {
            authors: vec!["Chanen AM".into()],
            title: "MOBY".into(),
            year: Some(2022),
            ..Reference::default()
        };
        assert_eq!(vancouver(&year_only), "Chanen AM. MOBY. 2022.");
    }
}
