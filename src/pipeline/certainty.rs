//! `lacuna rob`: the risk-of-bias sheet a reviewer fills (with the review's
//! included studies listed), and its import: read and checked whole by
//! `certainty::rob`, stored append-only by `store::rob`, each judged study
//! matched to the review's studies so that a name that matches nothing is
//! said at once rather than silently ignored.

use super::evidence;
use crate::certainty::{self, Tool};
use crate::error::Error;
use crate::gapmap::Filter;
use crate::protocol::Protocol;
use crate::store::rob::StoredRob;
use crate::store::Review;
use std::collections::BTreeSet;
use std::path::Path;

/// What an import stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RobImport {
    /// Judgements stored.
    pub stored: usize,
    /// The tool.
    pub tool: Tool,
    /// Studies of the sheet that name a study of the review.
    pub matched: usize,
    /// Studies of the sheet that name nothing in the review (their
    /// judgements are kept, and count once a study of that name appears).
    pub unmatched: Vec<String>,
}

/// The names a judged study may go by in this review: each study's name
/// ("Hilden 2021") and id, its records' keys and PMIDs, and the labels the
/// effect sheets give them; all compared without case.
pub fn study_names(review: &Review, protocol: &Protocol) -> Result<BTreeSet<String>, Error> {
    let mut names = BTreeSet::new();
    if review.latest_coding()?.is_some() {
        let (map, _) = evidence::map(review, protocol, Filter::default())?;
        for s in &map.studies {
            names.insert(s.name.to_lowercase());
            names.insert(s.id.to_lowercase());
            for p in &s.papers {
                names.insert(p.key.to_lowercase());
                if let Some(pmid) = p.pmid {
                    names.insert(pmid.to_string());
                }
                if let Some(l) = &p.sheet_label {
                    names.insert(l.to_lowercase());
                }
            }
        }
    }
    for (_, e) in review.effects()? {
        names.insert(e.study.to_lowercase());
        names.insert(e.record.to_lowercase());
    }
    Ok(names)
}

/// An empty sheet of `tool`, with one row for each completed study of the
/// review (by its name) when the review is coded.
pub fn rob_template(review: &Review, protocol: &Protocol, tool: Tool) -> Result<String, Error> {
    let mut sheet = certainty::template(tool);
    if review.latest_coding()?.is_some() {
        let (map, _) = evidence::map(review, protocol, Filter::default())?;
        let mut studies: Vec<&str> = map
            .studies
            .iter()
            .filter(|s| s.status == crate::model::coding::Status::Completed)
            .map(|s| s.name.as_str())
            .filter(|n| !n.is_empty())
            .collect();
        studies.sort_unstable();
        studies.dedup();
        let empty = ",".repeat(tool.domains() + 3);
        for s in studies {
            let quoted = if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            };
            sheet.push_str(&format!("{quoted}{empty}\n"));
        }
    }
    Ok(sheet)
}

/// Read, check and store a sheet of `tool` as `reviewer`'s judgements:
/// nothing is stored when any row is wrong.
pub fn rob_import(
    review: &mut Review,
    protocol: &Protocol,
    tool: Tool,
    path: &Path,
    reviewer: &str,
) -> Result<RobImport, Error> {
    let name = path.display().to_string();
    if reviewer.trim().is_empty() {
        return Err(Error::NotReady(
            "give the name of who judged with --reviewer NAME".into(),
        ));
    }
    if path.is_dir() {
        return Err(Error::Sheet {
            path: name,
            message: "is a directory; give the CSV file".into(),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| Error::Sheet {
        path: name.clone(),
        message: format!("cannot read: {e}"),
    })?;
    let rows = certainty::read_sheet(tool, &bytes).map_err(|e| Error::Sheet {
        path: name.clone(),
        message: format!("nothing stored:\n  {}", e.problems.join("\n  ")),
    })?;
    let known = study_names(review, protocol)?;
    let mut matched = 0;
    let mut unmatched = Vec::new();
    for r in &rows {
        let s = r.study.trim().to_lowercase();
        let bare = s.strip_prefix("pmid:").unwrap_or(&s);
        if known.contains(&s) || known.contains(bare) {
            matched += 1;
        } else {
            unmatched.push(r.study.clone());
        }
    }
    let stored = review.add_rob(tool, &rows, &name, reviewer.trim())?;
    Ok(RobImport {
        stored,
        tool,
        matched,
        unmatched,
    })
}

/// The judgements that count (the latest per study and outcome).
pub fn rob_list(review: &Review) -> Result<Vec<StoredRob>, Error> {
    Ok(review.rob_judgements()?)
}
