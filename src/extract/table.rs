//! Reading an effect-size sheet (CSV bytes) into reported statistics.
//!
//! Columns are named as metafor's `escalc` arguments: `ai,bi,ci,di` or
//! `ai,n1i,ci,n2i`; `m1i,sd1i,n1i,m2i,sd2i,n2i`; `ri,ni`; `yi,vi` or
//! `yi,sei`; or `est,ci_lb,ci_ub`. A `study` column labels rows; other columns
//! (year, moderators) are kept as text. Pure: it reads the bytes it is given.
//! Every error names the row (1-based, header = row 1) and the column.
//!
//! Two steps: [`read_table`] reads every cell as text (no number yet), and
//! [`Table::sheet`] reads the statistics of the rows chosen for one measure,
//! so a sheet that mixes measures (RR rows beside SMD rows, each with its
//! own empty columns) can be pooled a measure at a time.

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
    /// Each row's place in the file (1-based, header = row 1), for messages.
    pub lines: Vec<usize>,
}

/// A sheet read as text: every cell by header name, before any number is read.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    headers: Vec<String>,
    columns: BTreeMap<String, Vec<String>>,
    lines: Vec<usize>,
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
                        row: self.lines.get(*i).copied().unwrap_or(i + 2),
                        column: name.to_string(),
                        value: v.clone(),
                    })
            })
            .collect()
    }
}

/// Read a CSV sheet for `measure`: [`read_table`], then every row.
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
    let table = read_table(bytes)?;
    let all: Vec<usize> = (0..table.len()).collect();
    table.sheet(measure, &all)
}

/// Read a CSV sheet as text: the header (no name twice) and every non-blank
/// row; no cell is read as a number yet.
///
/// ```
/// use lacuna::extract::table::read_table;
/// use lacuna::model::Measure;
/// let csv = b"study,measure,yi,vi,m1i\nA,GEN,0.1,0.04,\nB,SMD,,,3.1\n";
/// let t = read_table(csv).unwrap();
/// assert_eq!(t.column_any_case("MEASURE").unwrap(), ["GEN", "SMD"]);
/// // Only row 0 is read for GEN, so B's empty yi is no error.
/// assert_eq!(t.sheet(Measure::Gen, &[0]).unwrap().labels, ["A"]);
/// assert!(t.sheet(Measure::Gen, &[1]).unwrap_err().to_string().contains("row 3, column yi"));
/// ```
pub fn read_table(bytes: &[u8]) -> Result<Table, SheetError> {
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
    let mut lines = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| SheetError::Csv(e.to_string()))?;
        if rec.iter().all(str::is_empty) {
            continue;
        }
        for (h, cell) in headers.iter().zip(rec.iter()) {
            if let Some(c) = columns.get_mut(h) {
                c.push(cell.to_string());
            }
        }
        lines.push(i + 2);
    }
    if lines.is_empty() {
        return Err(SheetError::Empty);
    }
    Ok(Table {
        headers,
        columns,
        lines,
    })
}

impl Table {
    /// Data rows (blank rows not counted).
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether there is no data row (never, once read: an empty sheet is refused).
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The header, in order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The place in the file (1-based, header = row 1) of data row `i`.
    pub fn line(&self, i: usize) -> usize {
        self.lines.get(i).copied().unwrap_or(i + 2)
    }

    /// The cells of the column named `name`, compared without case
    /// (`measure`, `comparison`), or None when the sheet has no such column.
    pub fn column_any_case(&self, name: &str) -> Option<&[String]> {
        self.headers
            .iter()
            .find(|h| h.eq_ignore_ascii_case(name))
            .and_then(|h| self.columns.get(h))
            .map(Vec::as_slice)
    }

    /// The data rows `rows` (0-based, in that order) read for `measure`:
    /// their statistics as numbers, every column kept as text. Errors name
    /// the row as it is in the file.
    pub fn sheet(&self, measure: Measure, rows: &[usize]) -> Result<Sheet, SheetError> {
        sheet_of(self, measure, rows)
    }
}

fn sheet_of(t: &Table, measure: Measure, rows: &[usize]) -> Result<Sheet, SheetError> {
    let columns: BTreeMap<String, Vec<String>> = t
        .columns
        .iter()
        .map(|(h, c)| {
            let cells = rows
                .iter()
                .map(|i| c.get(*i).cloned().unwrap_or_default())
                .collect();
            (h.clone(), cells)
        })
        .collect();
    let lines: Vec<usize> = rows.iter().map(|i| t.line(*i)).collect();
    let headers = &t.headers;
    let n = rows.len();
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
        let row = lines.get(i).copied().unwrap_or(i + 2);
        let v: f64 = cell.parse().map_err(|_| SheetError::NotANumber {
            row,
            column: name.to_string(),
            value: cell.to_string(),
        })?;
        if v.is_finite() {
            Ok(v)
        } else {
            Err(SheetError::NotANumber {
                row,
                column: name.to_string(),
                value: cell.to_string(),
            })
        }
    };
    let mut out = Vec::with_capacity(n);
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
        out.push(r);
    }
    let labels = match columns.get("study") {
        Some(c) => c
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if s.is_empty() {
                    format!("Study {}", rows.get(i).map_or(i + 1, |r| r + 1))
                } else {
                    s.clone()
                }
            })
            .collect(),
        None => rows.iter().map(|i| format!("Study {}", i + 1)).collect(),
    };
    Ok(Sheet {
        labels,
        rows: out,
        columns,
        lines,
    })
}
