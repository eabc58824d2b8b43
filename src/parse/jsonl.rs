//! Lacuna's own JSON Lines: one record (or deletion) per line, as written by
//! `lacuna parse`, and read back by `lacuna import`.
//!
//! Reading tolerates unknown fields, a missing `kind` (taken as `article`),
//! an `id` field (taken as `source_id`) and a malformed DOI (dropped with a
//! warning), so hand-made corpora load. A line that is not a JSON object is a
//! hard error naming the line. No I/O beyond the reader it is given.

use super::limits::{self, Line, ENTRY_LIMIT, FIELD_LIMIT, RECORD_LIMIT};
use super::{ParseError, Warning, Warnings};
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

/// Counts the values of a JSON document and finds its longest string,
/// without building it, stopping past the limits.
#[derive(Debug, Default)]
struct Census {
    values: usize,
    too_long: bool,
}

/// One value of the document, counted into a [`Census`].
struct Count<'a>(&'a mut Census);

impl Count<'_> {
    fn tick<E: serde::de::Error>(self) -> Result<(), E> {
        self.0.values += 1;
        if self.0.values > ENTRY_LIMIT {
            return Err(E::custom("too many values"));
        }
        Ok(())
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Count<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Count<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.tick()
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.tick()
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.tick()
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.tick()
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.tick()
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<(), E> {
        if s.len() > FIELD_LIMIT {
            self.0.too_long = true;
            return Err(E::custom("string too long"));
        }
        self.tick()
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let c = self.0;
        Count(&mut *c).tick()?;
        while seq.next_element_seed(Count(&mut *c))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let c = self.0;
        Count(&mut *c).tick()?;
        while map.next_key_seed(Count(&mut *c))?.is_some() {
            map.next_value_seed(Count(&mut *c))?;
        }
        Ok(())
    }
}

/// Lines longer than this are counted ([`Census`]) before they are built:
/// a shorter one cannot hold enough values to matter.
const CENSUS_FROM: usize = 1 << 20;

/// Read JSON Lines, calling `sink` per item; returns warnings. A line is
/// read with a bound ([`RECORD_LIMIT`] bytes) and every record keeps the
/// [`super::limits`].
pub fn read<R: BufRead>(
    mut input: R,
    sink: &mut dyn FnMut(Item) -> bool,
) -> Result<Warnings, ParseError> {
    let mut warnings = Warnings::default();
    let mut raw = Vec::new();
    let mut lineno = 0u64;
    let mut offset = 0u64;
    loop {
        raw.clear();
        let got = limits::read_line(&mut input, &mut raw, RECORD_LIMIT + 1)
            .map_err(|e| ParseError::Io { offset, source: e })?;
        let n = match got {
            Line::End => break,
            Line::Read(n) => n,
            Line::TooLong => {
                return Err(ParseError::TooLarge {
                    record: format!("the record on line {}", lineno + 1),
                    what: format!(
                        "its line is longer than {} (the limit of one record)",
                        limits::mib(RECORD_LIMIT)
                    ),
                })
            }
        };
        lineno += 1;
        let start = offset;
        offset += n as u64;
        let line = std::str::from_utf8(&raw).map_err(|_| ParseError::Io {
            offset: start,
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            ),
        })?;
        let too_large = |what: String| ParseError::TooLarge {
            record: format!("the record on line {lineno}"),
            what,
        };
        let t = line.trim_start_matches('\u{feff}').trim();
        if t.is_empty() {
            continue;
        }
        let bad = |message: String| ParseError::Json {
            line: lineno,
            message,
        };
        if t.len() > CENSUS_FROM {
            let mut census = Census::default();
            let mut de = serde_json::Deserializer::from_str(t);
            let counted = serde::de::DeserializeSeed::deserialize(Count(&mut census), &mut de);
            if census.too_long {
                return Err(too_large(format!(
                    "a field is longer than {} (the limit of one field)",
                    limits::mib(FIELD_LIMIT)
                )));
            }
            if census.values > ENTRY_LIMIT {
                return Err(too_large(format!(
                    "it has more than {ENTRY_LIMIT} values (the limit of one record)"
                )));
            }
            drop(counted); // a malformed line is reported by the reading below
        }
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
        if let Err(what) = limits::check_record(&rec) {
            return Err(too_large(what));
        }
        if !sink(Item::Record(Box::new(rec))) {
            break;
        }
    }
    Ok(warnings)
}
