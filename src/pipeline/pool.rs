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
    for m in &cfg.mods {
        let md = if sheet.is_numeric(m, &keep) {
            Moderator::Continuous(sheet.numeric_column(m, &keep).map_err(sheet_error)?)
        } else {
            Moderator::Categorical(sheet.column(m, &keep).map_err(sheet_error)?)
        };
        req.mods.push((m.clone(), md));
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
    Ok(PoolOutcome { report, dropped })
}
