//! Effect-size rows for a review: one row per study × intervention × outcome,
//! each with its own measure, checked cell by cell.
//!
//! A sheet has the columns of [`TEMPLATE_COLUMNS`]: `record` (PMID, DOI or
//! record key), `study` (label shared by papers of one trial; default the
//! record), `intervention` and `outcome` (category ids of the protocol),
//! `comparison` (optional), `measure` (metafor's names: SMD, MD, RR, OR, RD,
//! …), then the statistics named as metafor's `escalc` arguments. Pure: it
//! reads the bytes it is given; the caller resolves records in the store.
//! Every error names the row (header = row 1) and the column.

use super::{escalc, Correction, Extracted, Reported};
use crate::model::{EffectRow, Measure};
use std::collections::{BTreeMap, BTreeSet};

/// The columns `lacuna extract --template` writes, in order.
pub const TEMPLATE_COLUMNS: &[&str] = &[
    "record",
    "study",
    "intervention",
    "outcome",
    "comparison",
    "measure",
    "ai",
    "bi",
    "ci",
    "di",
    "n1i",
    "n2i",
    "m1i",
    "sd1i",
    "m2i",
    "sd2i",
    "ri",
    "ni",
    "yi",
    "vi",
    "sei",
    "note",
];

/// One problem with one cell.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("row {row}, column {column}: {message}")]
pub struct RowError {
    /// 1-based row (header = row 1).
    pub row: usize,
    /// Column name.
    pub column: String,
    /// What is wrong and what would do.
    pub message: String,
}

/// Read and check a sheet. `interventions` and `outcomes` are the protocol's
/// category ids. Returns every row, or every problem found (nothing partial).
///
/// ```
/// use lacuna::extract::rows::read_effect_rows;
/// let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
/// let csv = b"record,intervention,outcome,measure,yi,vi\n123,dbt,sh,SMD,-0.4,0.04\n";
/// let rows = read_effect_rows(csv, &ids(&["dbt"]), &ids(&["sh"])).unwrap();
/// assert_eq!(rows[0].study, "123");
/// let bad = b"record,intervention,outcome,measure,yi,vi\n123,dbtx,sh,SMD,-0.4,0.04\n";
/// let e = read_effect_rows(bad, &ids(&["dbt"]), &ids(&["sh"])).unwrap_err();
/// assert!(e[0].to_string().starts_with("row 2, column intervention:"));
/// ```
pub fn read_effect_rows(
    bytes: &[u8],
    interventions: &BTreeSet<String>,
    outcomes: &BTreeSet<String>,
) -> Result<Vec<EffectRow>, Vec<RowError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(bytes);
    let err = |row: usize, column: &str, message: String| RowError {
        row,
        column: column.to_string(),
        message,
    };
    let headers: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(|s| s.to_ascii_lowercase()).collect(),
        Err(e) => return Err(vec![err(1, "", format!("not a readable CSV: {e}"))]),
    };
    if let Some(name) = crate::model::repeated_column(headers.iter().map(String::as_str)) {
        return Err(vec![err(
            1,
            name,
            crate::model::repeated_column_message(name),
        )]);
    }
    let missing: Vec<&str> = ["record", "intervention", "outcome", "measure"]
        .into_iter()
        .filter(|c| !headers.iter().any(|h| h == c))
        .collect();
    if !missing.is_empty() {
        return Err(vec![err(1, &missing.join(", "), format!(
            "required column missing; `lacuna extract DIR --template` writes a sheet with the columns {}",
            TEMPLATE_COLUMNS.join(",")
        ))]);
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(err(row, "", format!("not a readable CSV row: {e}")));
                continue;
            }
        };
        if rec.iter().all(str::is_empty) {
            continue;
        }
        let cells: BTreeMap<&str, &str> =
            headers.iter().map(String::as_str).zip(rec.iter()).collect();
        let get = |c: &str| cells.get(c).copied().unwrap_or("");
        let before = errors.len();
        let record = get("record");
        if record.is_empty() {
            errors.push(err(
                row,
                "record",
                "empty: give the PMID, DOI or record key of the paper".into(),
            ));
        }
        for (col, known) in [("intervention", interventions), ("outcome", outcomes)] {
            let v = get(col);
            if !known.contains(v) {
                let hint = if v.is_empty() {
                    "empty".to_string()
                } else {
                    format!("{v:?} is not one of the protocol's {col} ids")
                };
                errors.push(err(
                    row,
                    col,
                    format!(
                        "{hint} (ids: {})",
                        known.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
        let measure = match Measure::parse(get("measure")) {
            Some(m) => m,
            None => {
                errors.push(err(
                    row,
                    "measure",
                    format!(
                        "{:?} is not a measure (SMD, MD, ROM, RR, OR, RD, PETO, ZCOR, COR, GEN)",
                        get("measure")
                    ),
                ));
                continue;
            }
        };
        let mut num = |c: &str| -> Option<f64> {
            let v = get(c);
            if v.is_empty() || v.eq_ignore_ascii_case("na") {
                return None;
            }
            match v.parse::<f64>() {
                Ok(x) if x.is_finite() => Some(x),
                _ => {
                    errors.push(err(row, c, format!("{v:?} is not a number")));
                    None
                }
            }
        };
        let v: BTreeMap<&str, Option<f64>> = [
            "ai", "bi", "ci", "di", "n1i", "n2i", "m1i", "sd1i", "m2i", "sd2i", "ri", "ni", "yi",
            "vi", "sei",
        ]
        .into_iter()
        .map(|c| (c, num(c)))
        .collect();
        if errors.len() > before {
            continue;
        }
        let g = |c: &str| v.get(c).copied().flatten();
        let (reported, n) = match stats(measure, &g) {
            Some(x) => x,
            None => {
                errors.push(err(
                    row,
                    "measure",
                    format!(
                        "no complete statistics for {measure:?}: give {}",
                        match measure {
                            Measure::Or | Measure::Rr | Measure::Rd | Measure::Peto =>
                                "ai,bi,ci,di or ai,n1i,ci,n2i",
                            Measure::Md | Measure::Smd | Measure::Rom =>
                                "m1i,sd1i,n1i,m2i,sd2i,n2i",
                            Measure::Zcor | Measure::Cor => "ri,ni",
                            Measure::Gen => "yi with vi or sei",
                        }
                        .to_string()
                            + ", or yi with vi or sei"
                    ),
                ));
                continue;
            }
        };
        match escalc(measure, &[reported], &Correction::default()) {
            Ok(e) => match e.into_iter().next() {
                Some(Extracted::Effect(es)) => out.push(EffectRow {
                    row,
                    study: if get("study").is_empty() {
                        record.to_string()
                    } else {
                        get("study").to_string()
                    },
                    record: record.to_string(),
                    intervention: get("intervention").to_string(),
                    outcome: get("outcome").to_string(),
                    comparison: get("comparison").to_string(),
                    measure,
                    yi: es.yi(),
                    vi: es.vi(),
                    n,
                    control_risk: match measure {
                        Measure::Or | Measure::Rr | Measure::Rd | Measure::Peto => {
                            let total = g("n2i").or_else(|| Some(g("ci")? + g("di")?));
                            g("ci")
                                .zip(total)
                                .filter(|(_, t)| *t > 0.0)
                                .map(|(c, t)| c / t)
                        }
                        _ => None,
                    },
                }),
                Some(Extracted::Dropped(why)) => {
                    errors.push(err(row, "measure", format!("no effect size: {why}")))
                }
                None => errors.push(err(row, "measure", "no effect size".into())),
            },
            Err(e) => errors.push(err(row, "measure", e.message)),
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(err(2, "", "the sheet has no data rows".into()));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

type Get<'a> = dyn Fn(&str) -> Option<f64> + 'a;

fn stats(measure: Measure, g: &Get) -> Option<(Reported, Option<f64>)> {
    let two = |a: &str, b: &str| Some((g(a)?, g(b)?));
    let from_raw = match measure {
        Measure::Or | Measure::Rr | Measure::Rd | Measure::Peto => {
            if let (Some((ai, bi)), Some((ci, di))) = (two("ai", "bi"), two("ci", "di")) {
                Some((Reported::Table { ai, bi, ci, di }, Some(ai + bi + ci + di)))
            } else if let (Some((ai, n1)), Some((ci, n2))) = (two("ai", "n1i"), two("ci", "n2i")) {
                Some((
                    Reported::Table {
                        ai,
                        bi: n1 - ai,
                        ci,
                        di: n2 - ci,
                    },
                    Some(n1 + n2),
                ))
            } else {
                None
            }
        }
        Measure::Md | Measure::Smd | Measure::Rom => (|| {
            let (m1, sd1) = two("m1i", "sd1i")?;
            let (m2, sd2) = two("m2i", "sd2i")?;
            let (n1, n2) = two("n1i", "n2i")?;
            Some((
                Reported::Means {
                    m1,
                    sd1,
                    n1,
                    m2,
                    sd2,
                    n2,
                },
                Some(n1 + n2),
            ))
        })(),
        Measure::Zcor | Measure::Cor => {
            two("ri", "ni").map(|(r, n)| (Reported::Correlation { r, n }, Some(n)))
        }
        Measure::Gen => None,
    };
    from_raw.or_else(|| {
        let n = two("n1i", "n2i").map(|(a, b)| a + b).or_else(|| g("ni"));
        let yi = g("yi")?;
        if let Some(vi) = g("vi") {
            Some((Reported::YiVi { yi, vi }, n))
        } else {
            g("sei").map(|sei| (Reported::YiSei { yi, sei }, n))
        }
    })
}
