//! The decisions sheet of `lacuna decide --from FILE.csv`, read by its
//! header names, never by position: Lacuna's own columns in any order, and
//! ASReview LAB's exported dataset (`record_id`, `included` 1/0, its other
//! documented columns ignored).
//!
//! A column this reader does not know is refused, naming it, rather than
//! guessed at; nothing is stored from a refused sheet. It only reads bytes;
//! storing the decisions is [`super::session::record_decisions`].
//!
//! Rayyan and Covidence are not read: Rayyan's export keeps each reviewer's
//! decision inside its `notes` column in a form its documentation names but
//! does not specify, and no documented column names of a Covidence decisions
//! export were found.

use super::session::DecisionInput;
use crate::error::Error;
use crate::model::Label;
use std::path::Path;

/// What a column of the sheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The record, by rank: a lower rank is tried first on each row.
    Key(KeyKind),
    /// Lacuna's label (`include`, `exclude`, `maybe`; also `1`/`0`).
    Label,
    /// ASReview's `included`: 1 or 0; blank (or -1) is a record not screened.
    Included,
    Reason,
    Reviewer,
    Note,
    Stage,
    /// A column of ASReview's export (or of `lacuna export`) with nothing to decide.
    Ignored,
}

/// The kinds of key column, in the order they are tried on a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum KeyKind {
    /// `record` or `key`: a PMID, DOI or record key, as `lacuna decide` takes it.
    Any,
    Pmid,
    Doi,
    /// ASReview's `record_id`: used only when the sheet has no other key
    /// column (ASReview numbers records itself when the dataset had none).
    RecordId,
}

/// The header names this reader knows (compared trimmed and without case).
const COLUMNS: &[(&str, Role)] = &[
    ("record", Role::Key(KeyKind::Any)),
    ("key", Role::Key(KeyKind::Any)),
    ("pmid", Role::Key(KeyKind::Pmid)),
    ("doi", Role::Key(KeyKind::Doi)),
    ("record_id", Role::Key(KeyKind::RecordId)),
    ("label", Role::Label),
    ("decision", Role::Label),
    ("included", Role::Included),
    ("reason", Role::Reason),
    ("reviewer", Role::Reviewer),
    ("note", Role::Note),
    ("notes", Role::Note),
    ("stage", Role::Stage),
    // ASReview LAB's documented dataset columns and export columns
    // (asreview.readthedocs.io: "Data format", "Export results").
    ("title", Role::Ignored),
    ("primary_title", Role::Ignored),
    ("abstract", Role::Ignored),
    ("abstract note", Role::Ignored),
    ("abstract_note", Role::Ignored),
    ("keywords", Role::Ignored),
    ("authors", Role::Ignored),
    ("author names", Role::Ignored),
    ("first_authors", Role::Ignored),
    ("url", Role::Ignored),
    ("asreview_ranking", Role::Ignored),
    ("label_included", Role::Ignored),
    ("label_validation", Role::Ignored),
    // The rest of `lacuna export --format csv`, which ASReview keeps.
    ("year", Role::Ignored),
    ("journal", Role::Ignored),
];

/// The stages a decision can be given for.
const STAGES: [&str; 3] = ["title_abstract", "full_text", "resolution"];

fn role_of(name: &str) -> Option<Role> {
    let n = name.trim().to_lowercase();
    COLUMNS.iter().find(|(c, _)| *c == n).map(|(_, r)| *r)
}

fn known_columns() -> String {
    COLUMNS
        .iter()
        .filter(|(_, r)| *r != Role::Ignored)
        .map(|(c, _)| *c)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where each role's column is.
#[derive(Debug, Default)]
struct Layout {
    /// Key columns, in the order they are tried.
    keys: Vec<(KeyKind, usize)>,
    label: Option<(Role, usize)>,
    reason: Option<usize>,
    reviewer: Option<usize>,
    note: Option<usize>,
    stage: Option<usize>,
}

/// Place each header name, refusing an unknown, unnamed or doubled one.
fn layout(headers: &csv::StringRecord) -> Result<Layout, String> {
    let mut l = Layout::default();
    for (i, h) in headers.iter().enumerate() {
        let name = h.trim().trim_start_matches('\u{feff}').trim();
        if name.is_empty() {
            return Err(format!(
                "column {} has no name; name it (known columns: {}) or remove it",
                i + 1,
                known_columns()
            ));
        }
        let Some(role) = role_of(name) else {
            return Err(format!(
                "unknown column {name:?}: a decisions sheet has the columns {} (any order; ASReview's export with record_id and included is read too); rename or remove it",
                known_columns()
            ));
        };
        let single = |slot: &mut Option<usize>, what: &str| -> Result<(), String> {
            match slot {
                Some(j) => Err(format!(
                    "two columns give the {what} ({:?} and {name:?}); keep one",
                    headers.get(*j).unwrap_or("").trim()
                )),
                None => {
                    *slot = Some(i);
                    Ok(())
                }
            }
        };
        match role {
            Role::Key(k) => l.keys.push((k, i)),
            Role::Label | Role::Included => {
                if let Some((_, j)) = l.label {
                    return Err(format!(
                        "two columns give the label ({:?} and {name:?}); keep one",
                        headers.get(j).unwrap_or("").trim()
                    ));
                }
                l.label = Some((role, i));
            }
            Role::Reason => single(&mut l.reason, "exclusion reason")?,
            Role::Reviewer => single(&mut l.reviewer, "reviewer")?,
            Role::Note => single(&mut l.note, "note")?,
            Role::Stage => single(&mut l.stage, "stage")?,
            Role::Ignored => {}
        }
    }
    // ASReview's own numbering is no key when the sheet names records otherwise.
    if l.keys.iter().any(|(k, _)| *k != KeyKind::RecordId) {
        l.keys.retain(|(k, _)| *k != KeyKind::RecordId);
    }
    l.keys.sort_by_key(|(k, _)| *k);
    if l.keys.is_empty() {
        return Err(format!(
            "no column names the record: give one of record, key, pmid, doi (or ASReview's record_id); known columns: {}",
            known_columns()
        ));
    }
    if l.label.is_none() {
        return Err(format!(
            "no column gives the label: give label (include, exclude or maybe), decision, or ASReview's included (1 or 0); known columns: {}",
            known_columns()
        ));
    }
    Ok(l)
}

/// The key `Review::resolve` takes for a cell of a key column.
fn key_of(kind: KeyKind, cell: &str) -> String {
    match kind {
        KeyKind::Pmid if !cell.starts_with("pmid:") => format!("pmid:{cell}"),
        KeyKind::Doi if !cell.to_ascii_lowercase().starts_with("doi:") => format!("doi:{cell}"),
        _ => cell.to_string(),
    }
}

/// Decisions from the bytes of a decisions CSV, read by header name;
/// `path` names the file in errors.
///
/// ```
/// use lacuna::pipeline::decision_sheet::parse_decisions;
/// let v = parse_decisions(b"Label,Record,Reviewer\nexclude,95000011,other\n", "d.csv".as_ref()).unwrap();
/// assert_eq!((v[0].key.as_str(), v[0].reason.as_deref(), v[0].reviewer.as_deref()),
///            ("95000011", None, Some("other")));
/// let e = parse_decisions(b"record,label,colour\n1,include,red\n", "d.csv".as_ref()).unwrap_err();
/// assert!(e.to_string().contains("unknown column \"colour\""));
/// ```
pub fn parse_decisions(bytes: &[u8], path: &Path) -> Result<Vec<DecisionInput>, Error> {
    let bad = |message: String| Error::Sheet {
        path: path.display().to_string(),
        message,
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = super::csv_headers(&mut rdr, &path.display().to_string())?;
    let l = layout(&headers).map_err(|m| bad(format!("row 1: {m}")))?;
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 2;
        let rec = rec.map_err(|e| bad(format!("row {row}: {e}")))?;
        if rec.iter().all(str::is_empty) {
            continue;
        }
        let cell = |c: Option<usize>| {
            c.and_then(|c| rec.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let Some((role, lc)) = l.label else { break };
        let label_name = headers.get(lc).unwrap_or("label").trim();
        let text = cell(Some(lc)).unwrap_or("");
        let label = if role == Role::Included {
            // ASReview: blank (or -1, its datatools' mark) is a record not screened.
            if text.is_empty() || text == "-1" {
                continue;
            }
            match text {
                "1" => Label::Include,
                "0" => Label::Exclude,
                _ => {
                    return Err(Error::NotReady(format!(
                        "{}: row {row}, column {label_name}: {text:?} is not 1 (relevant) or 0 (irrelevant)",
                        path.display()
                    )))
                }
            }
        } else {
            Label::parse(text).ok_or_else(|| {
                Error::NotReady(format!(
                    "{}: row {row}, column {label_name}: {text:?} is not include, exclude or maybe",
                    path.display()
                ))
            })?
        };
        let key = l
            .keys
            .iter()
            .find_map(|(k, c)| cell(Some(*c)).map(|v| key_of(*k, v)))
            .ok_or_else(|| {
                bad(format!(
                    "row {row}: no record given (columns {})",
                    l.keys
                        .iter()
                        .map(|(_, c)| headers.get(*c).unwrap_or("").trim())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
        let stage = match cell(l.stage) {
            None => None,
            Some(s) => {
                let s = s.to_ascii_lowercase();
                if !STAGES.contains(&s.as_str()) {
                    return Err(Error::NotReady(format!(
                        "{}: row {row}, column stage: {s:?} is not {}",
                        path.display(),
                        STAGES.join(", ")
                    )));
                }
                Some(s)
            }
        };
        out.push(DecisionInput {
            key,
            label,
            reason: cell(l.reason).map(str::to_string),
            reviewer: cell(l.reviewer).map(str::to_string),
            note: cell(l.note).map(str::to_string),
            stage,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str) -> Result<Vec<DecisionInput>, Error> {
        parse_decisions(s.as_bytes(), Path::new("d.csv"))
    }

    #[test]
    fn columns_are_found_by_name_in_any_order_and_case() {
        let v = read("\u{feff} Stage ,NOTE,reason,Decision,PMID\nfull_text,read it,wrong_design,exclude,12\n")
            .expect("read");
        assert_eq!(v.len(), 1);
        let d = &v[0];
        assert_eq!(d.key, "pmid:12");
        assert_eq!(d.label, Label::Exclude);
        assert_eq!(d.reason.as_deref(), Some("wrong_design"));
        assert_eq!(d.note.as_deref(), Some("read it"));
        assert_eq!(d.stage.as_deref(), Some("full_text"));
        assert_eq!(d.reviewer, None);
    }

    #[test]
    fn record_id_is_no_key_beside_a_pmid_or_doi_column() {
        let v = read("record_id,doi,pmid,included\n0,10.1/x,,1\n1,,77,0\n2,,,\n").expect("read");
        let keys: Vec<&str> = v.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(keys, ["doi:10.1/x", "pmid:77"]);
        let e = read("record_id,doi,included\n0,,1\n").expect_err("no key on the row");
        assert!(e.to_string().contains("row 2: no record given"), "{e}");
        let v = read("record_id,included\n31588070,1\n").expect("record_id alone");
        assert_eq!(v[0].key, "31588070");
    }

    #[test]
    fn a_bad_stage_and_two_label_columns_are_refused() {
        let e = read("record,label,stage\n1,include,screening\n").expect_err("stage");
        assert!(e.to_string().contains("column stage: \"screening\""), "{e}");
        let e = read("record,label,included\n1,include,1\n").expect_err("two labels");
        assert!(e.to_string().contains("two columns give the label"), "{e}");
        let e = read("record,,label\n1,,include\n").expect_err("unnamed");
        assert!(e.to_string().contains("column 2 has no name"), "{e}");
        let e = read("record,reason\n1,x\n").expect_err("no label");
        assert!(e.to_string().contains("no column gives the label"), "{e}");
    }
}
