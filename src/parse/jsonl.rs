//! Lacuna's own JSON Lines: one record (or deletion) per line, as written by
//! `lacuna parse`, and read back by `lacuna import`.
//!
//! Reading tolerates unknown fields, a missing `kind` (taken as `article`),
//! an `id` field (taken as `source_id`) and a malformed DOI (dropped with a
//! warning), so hand-made corpora load. A line that is not a JSON object is a
//! hard error naming the line. No I/O beyond the reader it is given.

use super::{ParseError, Warning};
use crate::model::{Deletion, Doi, Item, Pmid, Record, SCHEMA_VERSION};
use serde::Serialize;
use std::io::BufRead;

#[derive(Serialize)]
struct RecordLine<'a> {
    schema_version: u32,
    #[serde(flatten)]
    rec: &'a Record,
}

#[derive(Serialize)]
struct DeletionLine {
    schema_version: u32,
    kind: &'static str,
    pmid: Pmid,
    pmid_version: Option<u32>,
}

/// One item as a single JSON line (no trailing newline).
///
/// ```
/// use lacuna::model::{Item, Deletion, Pmid};
/// let d = Item::Deletion(Deletion { pmid: Pmid::new(7).unwrap(), pmid_version: Some(1) });
/// assert_eq!(lacuna::parse::jsonl::to_line(&d),
///     r#"{"schema_version":1,"kind":"deletion","pmid":7,"pmid_version":1}"#);
/// ```
pub fn to_line(item: &Item) -> String {
    let r = match item {
        Item::Record(rec) => serde_json::to_string(&RecordLine {
            schema_version: SCHEMA_VERSION,
            rec,
        }),
        Item::Deletion(d) => serde_json::to_string(&DeletionLine {
            schema_version: SCHEMA_VERSION,
            kind: "deletion",
            pmid: d.pmid,
            pmid_version: d.pmid_version,
        }),
    };
    // Serialising plain structs of strings and numbers cannot fail.
    r.unwrap_or_default()
}

/// Read JSON Lines, calling `sink` per item; returns warnings.
pub fn read<R: BufRead>(
    mut input: R,
    sink: &mut dyn FnMut(Item) -> bool,
) -> Result<Vec<Warning>, ParseError> {
    let mut warnings = Vec::new();
    let mut line = String::new();
    let mut lineno = 0u64;
    let mut offset = 0u64;
    loop {
        line.clear();
        let n = input
            .read_line(&mut line)
            .map_err(|e| ParseError::Io { offset, source: e })?;
        if n == 0 {
            break;
        }
        lineno += 1;
        let start = offset;
        offset += n as u64;
        let t = line.trim_start_matches('\u{feff}').trim();
        if t.is_empty() {
            continue;
        }
        let bad = |message: String| ParseError::Json {
            line: lineno,
            message,
        };
        let mut v: serde_json::Value = serde_json::from_str(t).map_err(|e| bad(e.to_string()))?;
        let Some(obj) = v.as_object_mut() else {
            return Err(bad("expected a JSON object".into()));
        };
        let kind = obj
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or("article")
            .to_string();
        if kind == "deletion" {
            let pmid: Pmid = serde_json::from_value(obj.get("pmid").cloned().unwrap_or_default())
                .map_err(|e| bad(format!("deletion without a valid pmid: {e}")))?;
            let pmid_version = obj
                .get("pmid_version")
                .and_then(|v| v.as_u64())
                .and_then(|v| u32::try_from(v).ok());
            if !sink(Item::Deletion(Deletion { pmid, pmid_version })) {
                break;
            }
            continue;
        }
        if obj.get("source_id").is_none() {
            if let Some(id) = obj.remove("id") {
                obj.insert("source_id".into(), id);
            }
        }
        let pmid = obj.get("pmid").and_then(|p| {
            serde_json::from_value::<Option<Pmid>>(p.clone())
                .ok()
                .flatten()
        });
        let mut drop_doi = None;
        if let Some(d) = obj.get("doi").and_then(|d| d.as_str()) {
            if let Err(e) = Doi::parse(d) {
                drop_doi = Some(e);
            }
        }
        if let Some(e) = drop_doi {
            obj.remove("doi");
            warnings.push(Warning {
                pmid,
                offset: start,
                message: format!("line {lineno}: DOI ignored: {e}"),
                skipped: false,
            });
        }
        let rec: Record = match serde_json::from_value(v) {
            Ok(r) => r,
            Err(e) => {
                warnings.push(Warning {
                    pmid,
                    offset: start,
                    message: format!("line {lineno}: record skipped: {e}"),
                    skipped: true,
                });
                continue;
            }
        };
        // `{}` or a line with only odd fields is no record: nothing to
        // screen it by and nothing to find it again by.
        if rec.title.trim().is_empty() && rec.pmid.is_none() && rec.doi.is_none() {
            warnings.push(Warning {
                pmid: None,
                offset: start,
                message: format!("line {lineno}: record skipped: no title, PMID or DOI"),
                skipped: true,
            });
            continue;
        }
        if !sink(Item::Record(Box::new(rec))) {
            break;
        }
    }
    Ok(warnings)
}
