//! Getting records in and finding them: `lacuna import`, `parse`, `index`,
//! `search`, `export` and `dedup`. Each verb calls one function of
//! `lacuna::pipeline` (which keeps the index in step with the store) and
//! prints its report.

use super::Bars;
use clap::Args;
use lacuna::pipeline::{self, records};
use lacuna::progress::Reporter;
use lacuna::store::index::Results;
use lacuna::store::Review;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Arguments of `lacuna import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The review folder.
    dir: PathBuf,
    /// Files to import.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The database the files were exported from (e.g. "PsycINFO", "Embase"): the PRISMA
    /// flow counts their records under it (default: the format's source, e.g. "RIS export").
    #[arg(long, value_name = "NAME")]
    database: Option<String>,
    /// Print the per-file report as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Do not look for duplicates across sources afterwards (`lacuna dedup` does it later).
    #[arg(long)]
    no_dedup: bool,
}

/// Arguments of `lacuna parse`.
#[derive(Debug, Args)]
pub struct ParseArgs {
    /// Files to parse (PubMed XML, .gz, Lacuna JSON Lines, MEDLINE/.nbib, RIS or CSV).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// Arguments of `lacuna index`.
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// The review folder.
    dir: PathBuf,
}

/// Arguments of `lacuna search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The review folder.
    dir: PathBuf,
    /// The query, e.g. 'mesh:"borderline personality disorder" AND title:mentalization'.
    query: String,
    /// How many hits to show.
    #[arg(long, short = 'n', default_value_t = 10)]
    limit: usize,
    /// Print results as JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// `lacuna import`.
pub fn import(out: &mut dyn Write, bars: &Bars, a: ImportArgs) -> anyhow::Result<()> {
    let mut review = Review::open(&a.dir)?;
    let reports = pipeline::import_from(&mut review, &a.files, a.database.as_deref(), bars)?;
    if !a.no_dedup {
        report_dedup(bars, &a.dir, &pipeline::dedup(&mut review, bars)?);
    }
    for r in &reports {
        for w in r.warnings.iter().take(20) {
            bars.message(&format!("warning: {}: {w}", r.path.display()));
        }
        if r.warnings.len() > 20 {
            bars.message(&format!(
                "warning: {}: {} more warnings",
                r.path.display(),
                r.warnings.len() - 20
            ));
        }
    }
    if a.json {
        serde_json::to_writer_pretty(&mut *out, &reports)?;
        writeln!(out)?;
    }
    let total: u64 = reports
        .iter()
        .map(|r| r.stored.new + r.stored.changed)
        .sum();
    bars.message(&format!(
        "{} file(s) imported, {total} record(s) new or changed; search with: lacuna search {} 'WORDS'",
        reports.len(),
        super::shell(&a.dir)
    ));
    Ok(())
}

/// `lacuna parse`.
pub fn parse(out: std::io::StdoutLock<'_>, bars: &Bars, a: ParseArgs) -> anyhow::Result<()> {
    let mut w = std::io::BufWriter::new(out);
    let summaries = pipeline::parse_to_jsonl(&a.files, &mut w, bars)?;
    w.flush().or_else(|e| {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Ok(())
        } else {
            Err(e)
        }
    })?;
    for (path, s) in &summaries {
        for wmsg in &s.warnings {
            bars.message(&format!("warning: {}: {wmsg}", path.display()));
        }
        bars.message(&format!(
            "{}: {} article(s), {} book(s), {} deletion(s), {} skipped",
            path.display(),
            s.counts.articles,
            s.counts.books,
            s.counts.deletions,
            s.counts.skipped
        ));
    }
    Ok(())
}

/// `lacuna index`.
pub fn index(bars: &Bars, a: IndexArgs) -> anyhow::Result<()> {
    let review = Review::open(&a.dir)?;
    let n = records::reindex(&review, bars)?;
    bars.message(&format!(
        "indexed {n} record(s) in {}",
        review.index_dir().display()
    ));
    Ok(())
}

/// `lacuna search`.
pub fn search(out: &mut dyn Write, bars: &Bars, a: SearchArgs) -> anyhow::Result<()> {
    let review = Review::open(&a.dir)?;
    let results = records::search(&review, &a.query, a.limit, bars)?;
    if a.json {
        serde_json::to_writer_pretty(&mut *out, &results)?;
        writeln!(out)?;
    } else {
        print_hits(out, &results)?;
    }
    Ok(())
}

fn print_hits(out: &mut dyn Write, r: &Results) -> anyhow::Result<()> {
    let (open, close) = if std::io::stdout().is_terminal() {
        ("\x1b[1;33m", "\x1b[0m")
    } else {
        ("**", "**")
    };
    writeln!(
        out,
        "{} record(s) match {:?}{}",
        r.total,
        r.query,
        if r.total > r.hits.len() {
            format!(" (showing the best {})", r.hits.len())
        } else {
            String::new()
        }
    )?;
    for (i, h) in r.hits.iter().enumerate() {
        writeln!(out)?;
        let year = h
            .year
            .map(|y| y.to_string())
            .unwrap_or_else(|| "n.d.".into());
        writeln!(
            out,
            "{:>3}. [{year}] {}",
            i + 1,
            h.title_snippet.marked(open, close)
        )?;
        let mut meta = Vec::new();
        if !h.authors.is_empty() {
            meta.push(h.authors.join(", "));
        }
        if let Some(j) = &h.journal {
            meta.push(j.clone());
        }
        if let Some(p) = h.pmid {
            meta.push(format!("PMID {p}"));
        }
        if let Some(d) = &h.doi {
            meta.push(format!("doi:{d}"));
        }
        writeln!(out, "     {}", meta.join(" · "))?;
        if !h.abstract_snippet.text.is_empty() {
            writeln!(out, "     …{}…", h.abstract_snippet.marked(open, close))?;
        }
    }
    Ok(())
}

/// Say what an automatic dedup after an import or harvest did (nothing when it found nothing).
pub fn report_dedup(bars: &Bars, dir: &std::path::Path, o: &lacuna::store::dedup::DedupOutcome) {
    if o.merged + o.uncertain > 0 {
        bars.message(&format!(
            "duplicates across sources: {} merged{}",
            o.merged,
            if o.uncertain > 0 {
                format!(
                    ", {} uncertain pair(s) for a person: lacuna dedup {} --review",
                    o.uncertain,
                    super::shell(dir)
                )
            } else {
                String::new()
            }
        ));
    }
}

/// Arguments of `lacuna dedup`.
#[derive(Debug, Args)]
pub struct DedupArgs {
    /// The review folder.
    dir: PathBuf,
    /// List the uncertain pairs for a person (nothing is changed).
    #[arg(long)]
    review: bool,
    /// A person's verdict: these two records are one work (KEEP then DUPLICATE, by key as
    /// --review shows them, e.g. pmid:18450866 doi:10.1176/...).
    #[arg(long, num_args = 2, value_names = ["KEEP", "DUPLICATE"], conflicts_with = "distinct")]
    same: Option<Vec<String>>,
    /// A person's verdict: these two records are different works.
    #[arg(long, num_args = 2, value_names = ["A", "B"])]
    distinct: Option<Vec<String>>,
    /// Who gives the verdict.
    #[arg(long, default_value = "reviewer")]
    reviewer: String,
    /// Print as JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// `lacuna dedup`.
pub fn dedup(out: &mut dyn Write, bars: &Bars, a: DedupArgs) -> anyhow::Result<()> {
    let mut review = Review::open(&a.dir)?;
    if let Some(pair) = a.same.as_ref().or(a.distinct.as_ref()) {
        let (Some(x), Some(y)) = (pair.first(), pair.get(1)) else {
            return Err(lacuna::Error::NotReady("give two record keys".into()).into());
        };
        records::decide_pair(&mut review, x, y, a.same.is_some(), &a.reviewer, bars)?;
        writeln!(
            out,
            "{} and {}: {}",
            x,
            y,
            if a.same.is_some() {
                "merged (one work)"
            } else {
                "kept apart (different works)"
            }
        )?;
        return Ok(());
    }
    if a.review {
        let pairs = review.uncertain_pairs()?;
        if a.json {
            serde_json::to_writer_pretty(&mut *out, &pairs)?;
            writeln!(out)?;
            return Ok(());
        }
        if pairs.is_empty() {
            writeln!(out, "no uncertain pairs: nothing to review")?;
        }
        for (i, p) in pairs.iter().enumerate() {
            writeln!(out, "pair {} (title similarity {:.3}):", i + 1, p.score)?;
            for s in &p.records {
                writeln!(
                    out,
                    "  {}  {} ({}){}\n      from: {}",
                    s.key,
                    s.title,
                    s.year
                        .map(|y| y.to_string())
                        .unwrap_or_else(|| "no year".into()),
                    s.doi
                        .as_ref()
                        .map(|d| format!(" doi:{d}"))
                        .unwrap_or_default(),
                    s.sources.join("; ")
                )?;
            }
            writeln!(
                out,
                "  decide: lacuna dedup {} --same {} {}   or   --distinct {} {}",
                super::shell(&a.dir),
                p.records[0].key,
                p.records[1].key,
                p.records[0].key,
                p.records[1].key
            )?;
        }
        return Ok(());
    }
    let o = lacuna::pipeline::dedup(&mut review, bars)?;
    let removed = review.duplicates_removed()?;
    if a.json {
        serde_json::to_writer_pretty(
            &mut *out,
            &serde_json::json!({
                "checked": o.checked, "merged": o.merged, "uncertain": o.uncertain,
                "duplicates_removed": removed,
            }),
        )?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{} records checked: {} merged as duplicates, {} uncertain pairs for a person{}",
            o.checked,
            o.merged,
            o.uncertain,
            if o.uncertain > 0 {
                format!(" (see `lacuna dedup {} --review`)", super::shell(&a.dir))
            } else {
                String::new()
            }
        )?;
        writeln!(out, "duplicates removed so far (PRISMA): {removed}")?;
    }
    Ok(())
}

/// Export formats (`lacuna::pipeline::records::ExportFormat` as clap reads them).
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    /// Lacuna JSON Lines, as `lacuna parse` writes them.
    Jsonl,
    /// CSV: pmid, doi, title, abstract, year, journal, authors, keywords.
    Csv,
    /// RIS, for reference managers.
    Ris,
}

/// Arguments of `lacuna export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The review folder.
    dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    format: ExportFormat,
    /// Only records whose latest screening decision is include.
    #[arg(long)]
    included: bool,
}

/// `lacuna export`: current records (duplicates merged, deletions left out) on stdout.
pub fn export(out: &mut dyn Write, a: ExportArgs) -> anyhow::Result<()> {
    let review = Review::open(&a.dir)?;
    let format = match a.format {
        ExportFormat::Jsonl => records::ExportFormat::Jsonl,
        ExportFormat::Csv => records::ExportFormat::Csv,
        ExportFormat::Ris => records::ExportFormat::Ris,
    };
    records::export(&review, format, a.included, out)?;
    Ok(())
}
