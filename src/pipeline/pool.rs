//! `lacuna pool`'s sequencing: read an effect-size sheet, choose the rows of
//! each measure (its `measure` column, or `--measure`), compute the effect
//! sizes (`extract::escalc`), run one analysis per measure
//! (`meta::analysis`), and draw the forest and funnel plots it was asked for
//! (`report::svg`). No statistic is computed here.

use crate::error::Error;
use crate::extract::table::{Sheet, Table};
use crate::model::Measure;
/// The arms a forest plot's sides favour (`report::svg::Favours`), for front ends.
pub use crate::report::svg::Favours;
use std::path::{Path, PathBuf};

/// What `lacuna pool` was asked to do.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// The CSV sheet.
    pub data: PathBuf,
    /// Pool only the rows of this measure (all rows when the sheet has no
    /// `measure` column). None: one analysis per measure of the sheet's
    /// `measure` column.
    pub measure: Option<Measure>,
    /// Fit options (method, test).
    pub options: crate::meta::Options,
    /// Continuity correction for 2×2 tables.
    pub correction: crate::extract::Correction,
    /// Subgroup column.
    pub by: Option<String>,
    /// Moderator columns.
    pub mods: Vec<String>,
    /// Egger's test.
    pub egger: bool,
    /// Trim-and-fill.
    pub trimfill: bool,
    /// Leave-one-out.
    pub leave1out: bool,
    /// Column ordering a cumulative analysis.
    pub cumulative: Option<String>,
    /// Write a forest plot (SVG) here (one file per measure when there are
    /// several: `OUT-SMD.svg`, `OUT-RR.svg`).
    pub forest: Option<PathBuf>,
    /// Write a funnel plot (SVG) here (one file per measure, as `forest`).
    pub funnel: Option<PathBuf>,
    /// The arms the forest plot's two sides favour.
    pub favours: Favours,
}

/// One measure's analysis.
#[derive(Debug, Clone)]
pub struct PoolAnalysis {
    /// The measure pooled.
    pub measure: Measure,
    /// The analysis.
    pub report: crate::meta::analysis::Report,
    /// (study, reason) for rows left out.
    pub dropped: Vec<(String, String)>,
    /// Other notes for a person (studies left out of the meta-regression).
    pub notes: Vec<String>,
    /// The plots written: ("forest" or "funnel", path).
    pub written: Vec<(&'static str, PathBuf)>,
}

/// The result of `lacuna pool`: one analysis per measure, in the order the
/// measures first appear in the sheet.
#[derive(Debug, Clone)]
pub struct PoolOutcome {
    /// The analyses (one when `--measure` was given).
    pub analyses: Vec<PoolAnalysis>,
    /// Notes about the sheet as a whole (rows left out for their measure).
    pub notes: Vec<String>,
}

/// metafor's name of a measure (`SMD`, `RR`), as the `measure` column and
/// `--measure` spell it; also the suffix of the plots' files.
///
/// ```
/// use lacuna::model::Measure;
/// use lacuna::pipeline::measure_code;
/// assert_eq!(measure_code(Measure::Smd), "SMD");
/// assert_eq!(Measure::parse(measure_code(Measure::Zcor)), Some(Measure::Zcor));
/// ```
pub fn measure_code(m: Measure) -> &'static str {
    match m {
        Measure::Or => "OR",
        Measure::Rr => "RR",
        Measure::Rd => "RD",
        Measure::Peto => "PETO",
        Measure::Md => "MD",
        Measure::Smd => "SMD",
        Measure::Rom => "ROM",
        Measure::Zcor => "ZCOR",
        Measure::Cor => "COR",
        Measure::Gen => "GEN",
    }
}

const MEASURES: &str = "OR, RR, RD, PETO, MD, SMD, ROM, ZCOR, COR or GEN";

/// Read the sheet, choose each measure's rows, compute effect sizes, run
/// the analyses, and write the plots asked for.
pub fn pool(cfg: &PoolConfig) -> Result<PoolOutcome, Error> {
    let name = cfg.data.display().to_string();
    let sheet_err = |message: String| Error::Sheet {
        path: name.clone(),
        message,
    };
    if cfg.data.is_dir() {
        return Err(sheet_err("is a directory; give the CSV file".into()));
    }
    let bytes = std::fs::read(&cfg.data).map_err(|e| sheet_err(format!("cannot read: {e}")))?;
    let table = crate::extract::table::read_table(&bytes).map_err(|e| sheet_err(e.to_string()))?;
    let mut notes = Vec::new();
    let plan = plan(&table, cfg.measure, &mut notes).map_err(sheet_err)?;
    let several = plan.len() > 1;
    let mut analyses = Vec::new();
    for (measure, rows) in plan {
        let mut a = analyse_rows(cfg, &table, measure, &rows)?;
        let suffix = several.then_some(measure_code(measure));
        let title = format!(
            "{} — {}",
            cfg.data
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            measure.label()
        );
        if let Some(p) = &cfg.forest {
            let p = per_measure(p, suffix);
            let svg = match &a.levels {
                Some(l) => crate::report::svg::forest_by(&a.out.report, &title, &cfg.favours, l),
                None => crate::report::svg::forest(&a.out.report, &title, &cfg.favours),
            };
            write(&p, "the forest plot", svg)?;
            a.out.written.push(("forest", p));
        }
        if let Some(p) = &cfg.funnel {
            let p = per_measure(p, suffix);
            write(
                &p,
                "the funnel plot",
                crate::report::svg::funnel(&a.out.report, &title),
            )?;
            a.out.written.push(("funnel", p));
        }
        analyses.push(a.out);
    }
    Ok(PoolOutcome { analyses, notes })
}

fn write(path: &Path, what: &'static str, svg: String) -> Result<(), Error> {
    super::folder::write_atomic(path, svg.as_bytes()).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        what,
        source,
    })
}

/// `OUT.svg` for one analysis; `OUT-SMD.svg` when there are several.
fn per_measure(p: &Path, suffix: Option<&str>) -> PathBuf {
    let Some(code) = suffix else {
        return p.to_path_buf();
    };
    let stem = p
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match p.extension() {
        Some(e) => format!("{stem}-{code}.{}", e.to_string_lossy()),
        None => format!("{stem}-{code}"),
    };
    p.with_file_name(name)
}

/// The analyses to run: (measure, data rows) in the order the measures
/// first appear. Rows of other measures under `--measure` are noted; a
/// sheet with neither `--measure` nor a `measure` column is refused.
fn plan(
    table: &Table,
    asked: Option<Measure>,
    notes: &mut Vec<String>,
) -> Result<Vec<(Measure, Vec<usize>)>, String> {
    let all = || (0..table.len()).collect::<Vec<usize>>();
    let column = table.column_any_case("measure");
    match (asked, column) {
        (Some(m), None) => Ok(vec![(m, all())]),
        (None, None) => Err(format!(
            "the sheet has no `measure` column, so which measure its rows hold is unknown: give \
             --measure ({MEASURES}), or add a `measure` column (columns: {})",
            table.headers().join(",")
        )),
        (Some(m), Some(col)) => {
            let mut keep = Vec::new();
            // other measures as written (upper case), with their row counts, in order met
            let mut others: Vec<(String, usize)> = Vec::new();
            for (i, cell) in col.iter().enumerate() {
                if Measure::parse(cell.trim()) == Some(m) {
                    keep.push(i);
                    continue;
                }
                let key = cell.trim().to_ascii_uppercase();
                match others.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, n)) => *n += 1,
                    None => others.push((key, 1)),
                }
            }
            for (k, n) in &others {
                let rows = if *n == 1 { "row" } else { "rows" };
                notes.push(if k.is_empty() {
                    format!("left out {n} {rows} with no measure")
                } else {
                    format!("left out {n} {rows} whose measure is {k}")
                });
            }
            if keep.is_empty() {
                let found: Vec<&str> = others.iter().map(|(k, _)| k.as_str()).collect();
                return Err(format!(
                    "no row's measure is {}: the `measure` column has {}; give one of those to \
                     --measure, or leave --measure out to pool each measure",
                    measure_code(m),
                    found.join(", ")
                ));
            }
            Ok(vec![(m, keep)])
        }
        (None, Some(col)) => {
            let mut plan: Vec<(Measure, Vec<usize>)> = Vec::new();
            for (i, cell) in col.iter().enumerate() {
                let m = Measure::parse(cell.trim()).ok_or_else(|| {
                    format!(
                        "row {}, column measure: {:?} is not a measure: use {MEASURES}, or give \
                         --measure to pool only the rows of one measure",
                        table.line(i),
                        cell
                    )
                })?;
                match plan.iter_mut().find(|(x, _)| *x == m) {
                    Some((_, rows)) => rows.push(i),
                    None => plan.push((m, vec![i])),
                }
            }
            Ok(plan)
        }
    }
}

/// One analysis under way: its outcome and the subgroup level of each study
/// (for the forest plot).
struct Run {
    out: PoolAnalysis,
    levels: Option<Vec<String>>,
}

/// Pool the data rows `rows` of `table` as `measure`.
fn analyse_rows(
    cfg: &PoolConfig,
    table: &Table,
    measure: Measure,
    rows: &[usize],
) -> Result<Run, Error> {
    use crate::extract::{escalc, Extracted};
    use crate::meta::analysis::{analyse, Request};
    let sheet_err = |message: String| Error::Sheet {
        path: cfg.data.display().to_string(),
        message,
    };
    let sheet = table
        .sheet(measure, rows)
        .map_err(|e| sheet_err(e.to_string()))?;
    let out = escalc(measure, &sheet.rows, &cfg.correction)
        // escalc counts the rows it was given from 1; say where they are in the file.
        .map_err(|e| {
            let line = sheet.lines.get(e.row.wrapping_sub(1)).copied();
            sheet_err(format!("row {}: {}", line.unwrap_or(e.row + 1), e.message))
        })?;
    let mut keep = Vec::new();
    let mut es = Vec::new();
    let mut labels = Vec::new();
    let mut dropped = Vec::new();
    let mut notes = Vec::new();
    for (i, (e, l)) in out.into_iter().zip(&sheet.labels).enumerate() {
        match e {
            Extracted::Effect(e) => {
                keep.push(i);
                es.push(e);
                labels.push(l.clone());
            }
            Extracted::Dropped(r) => dropped.push((l.clone(), r)),
        }
    }
    let labels = one_row_per_study(table, &sheet, &keep, labels, measure).map_err(sheet_err)?;
    let sheet_error = |e: crate::extract::table::SheetError| sheet_err(e.to_string());
    let mut req = Request {
        egger: cfg.egger,
        trimfill: cfg.trimfill,
        leave1out: cfg.leave1out,
        ..Request::default()
    };
    let mut levels = None;
    if let Some(b) = &cfg.by {
        let l = sheet.column(b, &keep).map_err(sheet_error)?;
        levels = Some(l.clone());
        req.by = Some((b.clone(), l));
    }
    moderators(&sheet, &keep, &labels, &cfg.mods, &mut req, &mut notes).map_err(sheet_error)?;
    if let Some(c) = &cfg.cumulative {
        req.cumulative = Some((
            c.clone(),
            sheet.numeric_column(c, &keep).map_err(sheet_error)?,
        ));
    }
    let report = analyse(measure, &labels, &es, &cfg.options, &req)?;
    Ok(Run {
        out: PoolAnalysis {
            measure,
            report,
            dropped,
            notes,
            written: Vec::new(),
        },
        levels,
    })
}

/// The meta-regression's moderators (`--mods`) for the rows `keep` of the
/// sheet: numbers make a continuous moderator, anything else a categorical
/// one. A cell that is empty or NA is missing: that study is left out of the
/// meta-regression alone (as metafor does), with a note, not made a level.
fn moderators(
    sheet: &Sheet,
    keep: &[usize],
    labels: &[String],
    mods: &[String],
    req: &mut crate::meta::analysis::Request,
    notes: &mut Vec<String>,
) -> Result<(), crate::extract::table::SheetError> {
    use crate::meta::moderators::Moderator;
    let missing = |c: &str| {
        let t = c.trim();
        t.is_empty() || t.eq_ignore_ascii_case("na")
    };
    let mut cells = Vec::new();
    for m in mods {
        cells.push((m, sheet.column(m, keep)?));
    }
    let mods_rows: Vec<usize> = (0..keep.len())
        .filter(|i| {
            cells
                .iter()
                .all(|(_, c)| c.get(*i).is_some_and(|x| !missing(x)))
        })
        .collect();
    for i in (0..keep.len()).filter(|i| !mods_rows.contains(i)) {
        let without: Vec<&str> = cells
            .iter()
            .filter(|(_, c)| c.get(i).is_none_or(|x| missing(x)))
            .map(|(m, _)| m.as_str())
            .collect();
        notes.push(format!(
            "{} left out of the meta-regression: no value of {}",
            labels.get(i).map_or("?", String::as_str),
            without.join(", ")
        ));
    }
    for (m, c) in &cells {
        let present: Vec<&String> = mods_rows.iter().filter_map(|i| c.get(*i)).collect();
        let numbers: Option<Vec<f64>> = present
            .iter()
            .map(|x| x.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
            .collect();
        let md = match numbers {
            Some(v) => Moderator::Continuous(v),
            None => Moderator::Categorical(present.into_iter().cloned().collect()),
        };
        req.mods.push(((*m).clone(), md));
    }
    if mods_rows.len() < keep.len() {
        req.mods_rows = Some(mods_rows);
    }
    Ok(())
}

/// A study counts once in a pool: two rows with one study label are refused
/// unless the sheet's `comparison` column tells them apart, in which case
/// their labels become "Study (comparison)". `keep` are the sheet's rows
/// that gave an effect; `labels` their study labels.
fn one_row_per_study(
    table: &Table,
    sheet: &Sheet,
    keep: &[usize],
    labels: Vec<String>,
    measure: Measure,
) -> Result<Vec<String>, String> {
    let comparison: Option<Vec<String>> = table
        .headers()
        .iter()
        .find(|h| h.eq_ignore_ascii_case("comparison"))
        .and_then(|h| sheet.column(h, keep).ok());
    let line = |i: usize| {
        keep.get(i)
            .and_then(|r| sheet.lines.get(*r))
            .copied()
            .unwrap_or(0)
    };
    let mut out = labels.clone();
    for (i, l) in labels.iter().enumerate() {
        let same: Vec<usize> = (0..labels.len())
            .filter(|j| labels.get(*j) == Some(l))
            .collect();
        if same.len() < 2 {
            continue;
        }
        // Rows of one study for two outcomes: a pool is of one outcome.
        let outcome = table
            .headers()
            .iter()
            .find(|h| h.eq_ignore_ascii_case("outcome"))
            .and_then(|h| sheet.column(h, keep).ok());
        if let Some(oc) = &outcome {
            let of = |j: usize| oc.get(j).map_or("", |c| c.trim());
            if let Some(j) = same
                .iter()
                .copied()
                .find(|j| !of(*j).eq_ignore_ascii_case(of(i)))
            {
                let (a, b) = (line(i.min(j)), line(i.max(j)));
                return Err(format!(
                    "study {l:?} has rows for two outcomes in one analysis ({}; rows {a} and {b}:                      {:?} and {:?}): a pool is of one outcome; give `lacuna pool` a sheet with                      the rows of one outcome at a time",
                    measure_code(measure),
                    of(i.min(j)),
                    of(i.max(j))
                ));
            }
        }
        let Some(cmp) = &comparison else {
            let a = same.first().map_or(0, |x| line(*x));
            let b = same.get(1).map_or(0, |x| line(*x));
            return Err(format!(
                "study {l:?} has two rows in one analysis ({}; rows {a} and {b}): a study counts \
                 once in a pool; keep one row, or add a `comparison` column that tells them apart \
                 (the forest plot then labels them \"Study (comparison)\"); if they are \
                 different studies, give each its own label (e.g. with the year)",
                measure_code(measure)
            ));
        };
        let mine = cmp.get(i).map_or("", |c| c.trim());
        if let Some(j) = same.iter().copied().find(|j| {
            *j != i
                && cmp
                    .get(*j)
                    .map_or("", |c| c.trim())
                    .eq_ignore_ascii_case(mine)
        }) {
            let (a, b) = (line(i.min(j)), line(i.max(j)));
            return Err(format!(
                "study {l:?} has two rows in one analysis ({}; rows {a} and {b}) with the same \
                 comparison {mine:?}: a study counts once in a pool; keep one row, or give each \
                 row its own `comparison`",
                measure_code(measure)
            ));
        }
        if let Some(o) = out.get_mut(i).filter(|_| !mine.is_empty()) {
            *o = format!("{l} ({mine})");
        }
    }
    Ok(out)
}
