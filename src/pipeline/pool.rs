//! `lacuna pool`'s sequencing: read an effect-size sheet, compute the effect
//! sizes (`extract::escalc`), run the analysis (`meta::analysis`), and draw
//! the forest and funnel plots it was asked for (`report::svg`).

use crate::error::Error;
use std::path::PathBuf;

/// What `lacuna pool` was asked to do.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// The CSV sheet.
    pub data: PathBuf,
    /// Effect-size measure.
    pub measure: crate::model::Measure,
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
    /// Write a forest plot (SVG) here.
    pub forest: Option<PathBuf>,
    /// Write a funnel plot (SVG) here.
    pub funnel: Option<PathBuf>,
}

/// The result of `lacuna pool`: the report and the rows that gave no effect.
#[derive(Debug, Clone)]
pub struct PoolOutcome {
    /// The analysis.
    pub report: crate::meta::analysis::Report,
    /// (study, reason) for rows left out.
    pub dropped: Vec<(String, String)>,
    /// Other notes for a person (studies left out of the meta-regression).
    pub notes: Vec<String>,
}

/// Read the sheet, compute effect sizes, run the analysis, and write the
/// plots asked for.
pub fn pool(cfg: &PoolConfig) -> Result<PoolOutcome, Error> {
    use crate::extract::{escalc, table::read_sheet, Extracted};
    use crate::meta::analysis::{analyse, Request};
    use crate::meta::moderators::Moderator;
    let name = cfg.data.display().to_string();
    let sheet_err = |message: String| Error::Sheet {
        path: name.clone(),
        message,
    };
    if cfg.data.is_dir() {
        return Err(sheet_err("is a directory; give the CSV file".into()));
    }
    let bytes = std::fs::read(&cfg.data).map_err(|e| sheet_err(format!("cannot read: {e}")))?;
    let sheet = read_sheet(&bytes, cfg.measure).map_err(|e| sheet_err(e.to_string()))?;
    let out = escalc(cfg.measure, &sheet.rows, &cfg.correction)
        // escalc counts data rows; the sheet's messages count the header as row 1.
        .map_err(|e| sheet_err(format!("row {}: {}", e.row + 1, e.message)))?;
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
    let sheet_error = |e: crate::extract::table::SheetError| sheet_err(e.to_string());
    let mut req = Request {
        egger: cfg.egger,
        trimfill: cfg.trimfill,
        leave1out: cfg.leave1out,
        ..Request::default()
    };
    if let Some(b) = &cfg.by {
        req.by = Some((b.clone(), sheet.column(b, &keep).map_err(sheet_error)?));
    }
    // A moderator cell that is empty or NA is missing: that study is left
    // out of the meta-regression (as metafor does), not made a level.
    let missing = |c: &str| {
        let t = c.trim();
        t.is_empty() || t.eq_ignore_ascii_case("na")
    };
    let mut cells = Vec::new();
    for m in &cfg.mods {
        cells.push((m, sheet.column(m, &keep).map_err(sheet_error)?));
    }
    let rows: Vec<usize> = (0..keep.len())
        .filter(|i| {
            cells
                .iter()
                .all(|(_, c)| c.get(*i).is_some_and(|x| !missing(x)))
        })
        .collect();
    for i in (0..keep.len()).filter(|i| !rows.contains(i)) {
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
        let present: Vec<&String> = rows.iter().filter_map(|i| c.get(*i)).collect();
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
    if rows.len() < keep.len() {
        req.mods_rows = Some(rows);
    }
    if let Some(c) = &cfg.cumulative {
        req.cumulative = Some((
            c.clone(),
            sheet.numeric_column(c, &keep).map_err(sheet_error)?,
        ));
    }
    let report = analyse(cfg.measure, &labels, &es, &cfg.options, &req)?;
    let title = format!(
        "{} — {}",
        cfg.data
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        cfg.measure.label()
    );
    let write = |path: &PathBuf, what: &'static str, svg: String| {
        std::fs::write(path, svg).map_err(|source| Error::Write {
            path: path.clone(),
            what,
            source,
        })
    };
    if let Some(p) = &cfg.forest {
        write(
            p,
            "the forest plot",
            crate::report::svg::forest(&report, &title),
        )?;
    }
    if let Some(p) = &cfg.funnel {
        write(
            p,
            "the funnel plot",
            crate::report::svg::funnel(&report, &title),
        )?;
    }
    Ok(PoolOutcome {
        report,
        dropped,
        notes,
    })
}
