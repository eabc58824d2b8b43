//! Reading an effect-size sheet (CSV bytes) into reported statistics.
//!
//! Columns are named as metafor's `escalc` arguments: `ai,bi,ci,di` or
//! `ai,n1i,ci,n2i`; `m1i,sd1i,n1i,m2i,sd2i,n2i`; `ri,ni`; `yi,vi` or
//! `yi,sei`; or `est,ci_lb,ci_ub`. A `study` column labels rows; other columns
//! (year, moderators) are kept as text. Pure: it reads the bytes it is given.
//! Every error names the row (1-based, header = row 1) and the column.

use super::Reported;
use crate::model::Measure;
use std::collections::BTreeMap;

/// A sheet read into rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// Study labels (the `study` column, else "Study N").
    pub labels: Vec<String>,
    /// Reported statistics per row.
    pub rows: Vec<Reported>,
    /// Every column as text, by header name (for years and moderators).
    pub columns: BTreeMap<String, Vec<String>>,
}

/// A sheet that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SheetError {
    /// Not CSV, or rows of different lengths.
    #[error("not a readable CSV: {0}")]
    Csv(String),
    /// No data rows.
    #[error("the sheet has no data rows")]
    Empty,
    /// Required columns absent.
    #[error("no columns for {measure:?}: expected one of {expected}; found {found}")]
    MissingColumns {
        /// Measure asked for.
        measure: Measure,
        /// What would do.
        expected: String,
        /// What the header has.
        found: String,
    },
    /// A column named on the command line that the sheet lacks.
    #[error("no column {name:?} (columns: {columns})")]
    NoColumn {
        /// The name asked for.
        name: String,
        /// The columns the sheet has.
        columns: String,
    },
    /// A column name the header repeats.
    #[error("{}", crate::model::repeated_column_message(.0))]
    RepeatedColumn(String),
    /// A cell that is not a number.
    #[error("row {row}, column {column}: {value:?} is not a number")]
    NotANumber {
        /// 1-based row (the header is row 1).
        row: usize,
        /// Column name.
        column: String,
        /// The cell.
        value: String,
    },
}

fn column_sets(measure: Measure) -> Vec<&'static [&'static str]> {
    let mut v: Vec<&'static [&'static str]> = match measure {
        Measure::Or | Measure::Rr | Measure::Rd | Measure::Peto => {
            vec![&["ai", "bi", "ci", "di"], &["ai", "n1i", "ci", "n2i"]]
        }
        Measure::Md | Measure::Smd | Measure::Rom => {
            vec![&["m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"]]
        }
        Measure::Zcor | Measure::Cor => vec![&["ri", "ni"]],
        Measure::Gen => vec![],
    };
    v.push(&["yi", "vi"]);
    v.push(&["yi", "sei"]);
    v.push(&["est", "ci_lb", "ci_ub"]);
    v
}

impl Sheet {
    /// The cells of column `name` for the data rows `rows` (0-based), as text.
    pub fn column(&self, name: &str, rows: &[usize]) -> Result<Vec<String>, SheetError> {
        let col = self.columns.get(name).ok_or_else(|| SheetError::NoColumn {
            name: name.to_string(),
            columns: self.columns.keys().cloned().collect::<Vec<_>>().join(", "),
        })?;
        Ok(rows
            .iter()
            .map(|i| col.get(*i).cloned().unwrap_or_default())
            .collect())
    }

    /// The cells of column `name` for the data rows `rows`, as numbers; the
    /// error names the row (header = row 1) and the column.
    pub fn numeric_column(&self, name: &str, rows: &[usize]) -> Result<Vec<f64>, SheetError> {
        let cells = self.column(name, rows)?;
        cells
            .iter()
            .zip(rows)
            .map(|(v, i)| {
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| SheetError::NotANumber {
                        row: i + 2,
                        column: name.to_string(),
                        value: v.clone(),
                    })
            })
            .collect()
    }
}

/// Read a CSV sheet for `measure`.
///
/// ```
/// use lacuna::extract::table::read_sheet;
/// use lacuna::model::Measure;
/// let csv = b"study,yi,sei\nA,0.1,0.2\nB,0.3,0.1\n";
/// let s = read_sheet(csv, Measure::Gen).unwrap();
/// assert_eq!(s.labels, ["A", "B"]);
/// assert!(read_sheet(b"study,yi,sei\nA,x,0.2\n", Measure::Gen).unwrap_err().to_string().contains("row 2, column yi"));
/// ```
pub fn read_sheet(bytes: &[u8], measure: Measure) -> Result<Sheet, SheetError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| SheetError::Csv(e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    if let Some(name) = crate::model::repeated_column(headers.iter().map(String::as_str)) {
        return Err(SheetError::RepeatedColumn(name.to_string()));
    }
    let mut columns: BTreeMap<String, Vec<String>> =
        headers.iter().map(|h| (h.clone(), Vec::new())).collect();
    let mut n = 0;
    for rec in rdr.records() {
        let rec = rec.map_err(|e| SheetError::Csv(e.to_string()))?;
        if rec.iter().all(str::is_empty) {
            continue;
        }
        for (h, cell) in headers.iter().zip(rec.iter()) {
            if let Some(c) = columns.get_mut(h) {
                c.push(cell.to_string());
            }
        }
        n += 1;
    }
    if n == 0 {
        return Err(SheetError::Empty);
    }
    let sets = column_sets(measure);
    let set = sets
        .iter()
        .find(|s| s.iter().all(|c| columns.contains_key(*c)))
        .ok_or_else(|| SheetError::MissingColumns {
            measure,
            expected: sets
                .iter()
                .map(|s| s.join(","))
                .collect::<Vec<_>>()
                .join(" | "),
            found: headers.join(","),
        })?;
    let get = |name: &str, i: usize| -> Result<f64, SheetError> {
        let cell = columns
            .get(name)
            .and_then(|c| c.get(i))
            .map(String::as_str)
            .unwrap_or("");
        let v: f64 = cell.parse().map_err(|_| SheetError::NotANumber {
            row: i + 2,
            column: name.to_string(),
            value: cell.to_string(),
        })?;
        if v.is_finite() {
            Ok(v)
        } else {
            Err(SheetError::NotANumber {
                row: i + 2,
                column: name.to_string(),
                value: cell.to_string(),
            })
        }
    };
    let mut rows = Vec::with_capacity(n);
    for i in 0..n {
        let r = match *set {
            ["ai", "bi", "ci", "di"] => Reported::Table {
                ai: get("ai", i)?,
                bi: get("bi", i)?,
                ci: get("ci", i)?,
                di: get("di", i)?,
            },
            ["ai", "n1i", "ci", "n2i"] => {
                let (ai, ci) = (get("ai", i)?, get("ci", i)?);
                Reported::Table {
                    ai,
                    bi: get("n1i", i)? - ai,
                    ci,
                    di: get("n2i", i)? - ci,
                }
            }
            ["m1i", ..] => Reported::Means {
                m1: get("m1i", i)?,
                sd1: get("sd1i", i)?,
                n1: get("n1i", i)?,
                m2: get("m2i", i)?,
                sd2: get("sd2i", i)?,
                n2: get("n2i", i)?,
            },
            ["ri", "ni"] => Reported::Correlation {
                r: get("ri", i)?,
                n: get("ni", i)?,
            },
            ["yi", "vi"] => Reported::YiVi {
                yi: get("yi", i)?,
                vi: get("vi", i)?,
            },
            ["yi", "sei"] => Reported::YiSei {
                yi: get("yi", i)?,
                sei: get("sei", i)?,
            },
            _ => Reported::Ci {
                est: get("est", i)?,
                lb: get("ci_lb", i)?,
                ub: get("ci_ub", i)?,
            },
        };
        rows.push(r);
    }
    let labels = match columns.get("study") {
        Some(c) => c
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if s.is_empty() {
                    format!("Study {}", i + 1)
                } else {
                    s.clone()
                }
            })
            .collect(),
        None => (1..=n).map(|i| format!("Study {i}")).collect(),
    };
    Ok(Sheet {
        labels,
        rows,
        columns,
    })
}
