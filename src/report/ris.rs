//! RIS text for reference managers (EndNote, Zotero, Mendeley): one record
//! in, one `TY`…`ER` block out. Pure; the caller writes it where it wants.

use crate::model::{Record, RecordKind};

/// One record as a RIS block.
///
/// ```
/// use lacuna::model::{Pmid, Record};
/// let r = Record { pmid: Some(Pmid::new(18450866).unwrap()), title: "MBT: 8-year follow-up".into(),
///     authors: vec!["Bateman A".into(), "Fonagy P".into()], year: Some(2008), ..Record::default() };
/// let ris = lacuna::report::ris(&r);
/// assert!(ris.starts_with("TY  - JOUR\r\n"));
/// assert!(ris.contains("AU  - Bateman, A\r\n"));
/// assert!(ris.ends_with("ER  - \r\n\r\n"));
/// ```
pub fn ris(r: &Record) -> String {
    let mut s = String::with_capacity(1024);
    let mut line = |tag: &str, v: &str| {
        let v = v.replace(['\r', '\n'], " ");
        let v = v.trim();
        if !v.is_empty() {
            s.push_str(tag);
            s.push_str("  - ");
            s.push_str(v);
            s.push_str("\r\n");
        }
    };
    line(
        "TY",
        match r.kind {
            RecordKind::Article => "JOUR",
            RecordKind::Book => "BOOK",
        },
    );
    line("TI", &r.title);
    for a in &r.authors {
        // "Last FM" -> "Last, FM"; a collective name stays as it is.
        let name = match a.rsplit_once(' ') {
            Some((last, ini)) if ini.chars().all(|c| c.is_uppercase()) && !ini.is_empty() => {
                format!("{last}, {ini}")
            }
            _ => a.clone(),
        };
        line("AU", &name);
    }
    if let Some(y) = r.year {
        line("PY", &y.to_string());
    }
    line("JO", r.journal.as_deref().unwrap_or(""));
    line("J2", r.journal_iso.as_deref().unwrap_or(""));
    line("SN", r.issn.as_deref().unwrap_or(""));
    line("VL", r.volume.as_deref().unwrap_or(""));
    line("IS", r.issue.as_deref().unwrap_or(""));
    if let Some(p) = &r.pages {
        match p.split_once('-') {
            Some((a, b)) => {
                line("SP", a);
                line("EP", b);
            }
            None => line("SP", p),
        }
    }
    if let Some(d) = &r.doi {
        line("DO", d.as_str());
    }
    if let Some(p) = r.pmid {
        // C2 with a number is read back as the PMID (biblib, EndNote, Zotero).
        line("C2", &p.to_string());
        line("AN", &p.to_string());
        line("UR", &format!("https://pubmed.ncbi.nlm.nih.gov/{p}/"));
    }
    line("AB", r.abstract_text.as_deref().unwrap_or(""));
    for k in r.keywords.iter().chain(r.mesh.iter()) {
        line("KW", k);
    }
    for l in &r.language {
        line("LA", l);
    }
    s.push_str("ER  - \r\n\r\n");
    s
}
