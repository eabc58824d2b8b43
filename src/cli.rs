//! Command line: clap derive types and one thin arm per verb.
//!
//! Each arm turns its arguments into library calls once, calls the library,
//! and prints: data on stdout, everything for people on stderr. No module of
//! the library sees a clap type.

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lacuna::pipeline;
use lacuna::progress::Reporter;
use lacuna::store::index::{self, Searcher};
use lacuna::store::Review;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Lacuna: living systematic reviews and evidence gap maps.
///
/// A review is a folder: `lacuna init DIR` makes one, `lacuna import DIR
/// FILES` loads PubMed XML (plain or .gz) or Lacuna JSON Lines into it, and
/// `lacuna search DIR QUERY` finds records for screening.
#[derive(Debug, Parser)]
#[command(name = "lacuna", version, about, long_about = None, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// No progress bars or notes on stderr (errors are still printed).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// The verb.
    #[command(subcommand)]
    pub command: Command,
}

const EXIT_CODES_HELP: &str = "Exit codes: 0 success; 1 unexpected failure; 2 bad command line; \
3 an input file could not be read (nothing of that file was stored); \
4 the folder is not a review, or already is one; 5 the search query could not be read; \
6 the studies cannot be pooled (too few, collinear moderators, no convergence); \
7 the review is not ready for this step (e.g. not coded yet: the message says what to run); \
8 the E-utilities server could not be used (what was stored stays; `lacuna harvest DIR --resume` carries on).";

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new, empty review folder (lacuna.db and, later, index/ and reports/).
    Init {
        /// Folder to create (or an empty existing folder).
        dir: PathBuf,
    },
    /// Import files into a review: PubMed XML (efetch output or NLM baseline/update
    /// files, .xml or .xml.gz) or Lacuna JSON Lines, recognised by content.
    /// Each file is one transaction; importing the same file again adds nothing.
    Import {
        /// The review folder.
        dir: PathBuf,
        /// Files to import.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print the per-file report as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Do not look for duplicates across sources afterwards (`lacuna dedup` does it later).
        #[arg(long)]
        no_dedup: bool,
    },
    /// Parse files and print their records as JSON Lines on stdout (no review needed).
    Parse {
        /// Files to parse (PubMed XML, .gz, or Lacuna JSON Lines).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Rebuild a review's search index from its store.
    Index {
        /// The review folder.
        dir: PathBuf,
    },
    /// Search a review. Bare words must all match, in the title, abstract, keywords
    /// or MeSH (title and MeSH matches rank higher); also: title:, mesh:, keywords:,
    /// journal:, author:, type:, pmid:, doi:, text: (= abstract:, which also covers
    /// title, keywords and MeSH), "phrases", AND/OR/NOT, -word, and year:[2015 TO 2024].
    Search {
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
    },
    /// Pool effect sizes from a CSV sheet (random-effects meta-analysis equal to R's metafor).
    ///
    /// Columns are named as metafor's escalc arguments: ai,bi,ci,di or ai,n1i,ci,n2i (2x2
    /// tables); m1i,sd1i,n1i,m2i,sd2i,n2i (means); ri,ni (correlations); yi,vi or yi,sei
    /// (generic); or est,ci_lb,ci_ub (an estimate with its 95% CI, on the reader's scale).
    /// A `study` column labels rows; other columns can be years and moderators.
    Pool {
        /// The CSV sheet.
        #[arg(long)]
        data: PathBuf,
        /// Effect measure: OR, RR, RD, PETO, MD, SMD, ROM, ZCOR, COR, GEN.
        #[arg(long, value_parser = parse_measure)]
        measure: lacuna::model::Measure,
        /// Between-study variance estimator: REML, DL, PM, ML, HE, SJ, HS, EB, or EE (common effect).
        #[arg(long, default_value = "REML", value_parser = parse_method)]
        method: lacuna::meta::Method,
        /// Knapp-Hartung adjustment (t tests and intervals with k-1 df).
        #[arg(long)]
        knha: bool,
        /// Subgroup analysis by this column.
        #[arg(long)]
        by: Option<String>,
        /// Meta-regression on these columns (numbers: continuous; text: categorical).
        #[arg(long, num_args = 1..)]
        mods: Vec<String>,
        /// Egger's regression test for funnel asymmetry.
        #[arg(long)]
        egger: bool,
        /// Trim-and-fill (L0 estimator).
        #[arg(long)]
        trimfill: bool,
        /// Leave-one-out analysis.
        #[arg(long)]
        leave1out: bool,
        /// Cumulative meta-analysis ordered by this column (e.g. year).
        #[arg(long)]
        cumulative: Option<String>,
        /// Write a forest plot (SVG).
        #[arg(long)]
        forest: Option<PathBuf>,
        /// Write a funnel plot (SVG).
        #[arg(long)]
        funnel: Option<PathBuf>,
        /// Print the results as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Check a review protocol (TOML): errors name the file, line and key.
    Protocol {
        /// The protocol file.
        file: PathBuf,
    },
    /// Record screening decisions (append-only: a later decision supersedes, never deletes).
    /// Until a review has decisions, every record counts as included.
    Decide(crate::evidence::DecideArgs),
    /// Auto-code the included records with the protocol's framework, or review the codes:
    /// show them with the rule and text that fired, and confirm, remove or add codes.
    Code(crate::evidence::CodeArgs),
    /// Attach extracted effect-size rows (CSV) to the review's studies, or write an empty sheet.
    Extract(crate::evidence::ExtractArgs),
    /// Draw the evidence gap map: interactive HTML (one file, works offline), SVG, CSV, JSON.
    Map(crate::evidence::MapArgs),
    /// Replay screening on a labelled CSV with active learning and report how early the
    /// relevant records came (WSS@95, recall at 10 %) and where the stopping rule would stop.
    #[command(after_help = crate::screening::STOPPING_HELP)]
    Simulate(crate::screening::SimulateArgs),
    /// Screen a review's records one at a time, most likely relevant first (retrained after
    /// every decision), with the recall estimate in a status line. One key press per decision
    /// (no Enter): i include, e exclude, m maybe (set aside; shown again once every other
    /// record has a decision), r exclude with a reason (then its number),
    /// u undo (decide the last record again; the new decision supersedes), q or Esc quit.
    /// From a pipe, the first character of each line. Every decision is stored at once.
    #[command(after_help = crate::screening::STOPPING_HELP)]
    Screen(crate::screening::ScreenArgs),
    /// Search PubMed (NCBI E-utilities) with the protocol's queries and store the records:
    /// politely (3 requests/s, 10 with an API key), resumably (--resume after a kill or a
    /// network failure) and incrementally (--since-last for a living review).
    Harvest(crate::harvesting::HarvestArgs),
    /// Find duplicate records across sources (same DOI, or near-identical title with the same
    /// year and first author), merge the near-certain ones and list the rest for a person.
    Dedup(crate::harvesting::DedupArgs),
    /// Write the review's records to stdout as JSON Lines, CSV or RIS (for reference managers).
    Export(crate::harvesting::ExportArgs),
    /// Summary figures of a review: records, versions, deletions, years, imports.
    Stats {
        /// The review folder.
        dir: PathBuf,
        /// Print as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
}

fn parse_measure(s: &str) -> Result<lacuna::model::Measure, String> {
    lacuna::model::Measure::parse(s).ok_or_else(|| {
        format!("unknown measure {s:?}: use OR, RR, RD, PETO, MD, SMD, ROM, ZCOR, COR or GEN")
    })
}

fn parse_method(s: &str) -> Result<lacuna::meta::Method, String> {
    lacuna::meta::Method::parse(s)
        .ok_or_else(|| format!("unknown method {s:?}: use REML, DL, PM, ML, HE, SJ, HS, EB or EE"))
}

/// Named exit codes (documented in `--help` and the README).
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Unexpected failure.
    pub const FAILURE: u8 = 1;
    /// Bad command line (clap's own code).
    pub const USAGE: u8 = 2;
    /// An input file could not be read; nothing of it was stored.
    pub const BAD_INPUT: u8 = 3;
    /// The folder is not a review, or already is one.
    pub const NOT_A_REVIEW: u8 = 4;
    /// The search query could not be read.
    pub const BAD_QUERY: u8 = 5;
    /// The studies cannot be pooled (too few, collinear moderators, no convergence).
    pub const CANNOT_POOL: u8 = 6;
    /// The review is not ready for this step (the message says what to run first).
    pub const NOT_READY: u8 = 7;
    /// The E-utilities server could not be used (network down, retries exhausted,
    /// request refused); a harvest keeps what it stored and resumes with --resume.
    pub const NETWORK: u8 = 8;
}

/// Progress bars on stderr (hidden with --quiet or when stderr is not a terminal).
pub struct Bars {
    bar: ProgressBar,
    quiet: bool,
}

impl Bars {
    fn new(quiet: bool) -> Bars {
        let target = if quiet || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        Bars {
            bar: ProgressBar::with_draw_target(None, target),
            quiet,
        }
    }
}

impl Reporter for Bars {
    fn start(&self, stage: &str, total: Option<u64>, unit: &str) {
        self.bar.reset();
        self.bar.set_length(total.unwrap_or(0));
        let template = if total.is_some() {
            format!("{{prefix:>8}} [{{bar:30}}] {{pos}}/{{len}} {unit} ({{per_sec}}, eta {{eta}})")
        } else {
            format!("{{prefix:>8}} {{spinner}} {{pos}} {unit} ({{per_sec}}) {{elapsed}}")
        };
        if let Ok(style) = ProgressStyle::with_template(&template) {
            self.bar.set_style(style.progress_chars("=> "));
        }
        self.bar.set_prefix(stage.to_string());
    }
    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }
    fn message(&self, msg: &str) {
        if !self.quiet {
            self.bar.suspend(|| eprintln!("{msg}"));
        }
    }
    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Run one command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let bars = Bars::new(cli.quiet);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Init { dir } => {
            Review::init(&dir)?;
            bars.message(&format!(
                "created review {}; next: lacuna import {} FILE...",
                dir.display(),
                dir.display()
            ));
        }
        Command::Import {
            dir,
            files,
            json,
            no_dedup,
        } => {
            let mut review = Review::open(&dir)?;
            let reports = pipeline::import(&mut review, &files, &bars)?;
            if !no_dedup {
                crate::harvesting::report_dedup(&bars, &dir, &pipeline::dedup(&mut review, &bars)?);
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
            if json {
                serde_json::to_writer_pretty(&mut out, &reports)?;
                writeln!(out)?;
            }
            let total: u64 = reports
                .iter()
                .map(|r| r.stored.new + r.stored.changed)
                .sum();
            bars.message(&format!(
                "{} file(s) imported, {total} record(s) new or changed; search with: lacuna search {} 'WORDS'",
                reports.len(),
                dir.display()
            ));
        }
        Command::Parse { files } => {
            let mut w = std::io::BufWriter::new(out);
            let summaries = pipeline::parse_to_jsonl(&files, &mut w, &bars)?;
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
        }
        Command::Index { dir } => {
            let review = Review::open(&dir)?;
            let n = index::rebuild(&review, &bars)?;
            bars.message(&format!(
                "indexed {n} record(s) in {}",
                review.index_dir().display()
            ));
        }
        Command::Search {
            dir,
            query,
            limit,
            json,
        } => {
            let review = Review::open(&dir)?;
            if !index::is_current(&review)? {
                bars.message(
                    "the search index is missing or out of date; rebuilding it from the store",
                );
                index::rebuild(&review, &bars)?;
            }
            let results = Searcher::open(&review)?.search(&query, limit)?;
            if json {
                serde_json::to_writer_pretty(&mut out, &results)?;
                writeln!(out)?;
            } else {
                print_hits(&mut out, &results)?;
            }
        }
        Command::Pool {
            data,
            measure,
            method,
            knha,
            by,
            mods,
            egger,
            trimfill,
            leave1out,
            cumulative,
            forest,
            funnel,
            json,
        } => {
            let cfg = pipeline::PoolConfig {
                data: data.clone(),
                measure,
                options: lacuna::meta::Options {
                    method,
                    test: if knha {
                        lacuna::meta::Test::Knha
                    } else {
                        lacuna::meta::Test::Z
                    },
                    ..lacuna::meta::Options::default()
                },
                correction: lacuna::extract::Correction::default(),
                by,
                mods,
                egger,
                trimfill,
                leave1out,
                cumulative,
            };
            let outcome = pipeline::pool(&cfg)?;
            for (study, why) in &outcome.dropped {
                bars.message(&format!("note: {study} left out: {why}"));
            }
            let title = format!(
                "{} — {}",
                data.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                measure.label()
            );
            if let Some(p) = &forest {
                std::fs::write(p, lacuna::report::svg::forest(&outcome.report, &title)).map_err(
                    |e| anyhow::anyhow!("{}: cannot write the forest plot: {e}", p.display()),
                )?;
                bars.message(&format!("forest plot written to {}", p.display()));
            }
            if let Some(p) = &funnel {
                std::fs::write(p, lacuna::report::svg::funnel(&outcome.report, &title)).map_err(
                    |e| anyhow::anyhow!("{}: cannot write the funnel plot: {e}", p.display()),
                )?;
                bars.message(&format!("funnel plot written to {}", p.display()));
            }
            if json {
                serde_json::to_writer_pretty(&mut out, &outcome.report)?;
                writeln!(out)?;
            } else {
                print_pool(&mut out, &outcome.report)?;
            }
        }
        Command::Protocol { file } => crate::evidence::protocol(&mut out, &file)?,
        Command::Decide(a) => crate::evidence::decide(&bars, a)?,
        Command::Code(a) => crate::evidence::code(&mut out, &bars, a)?,
        Command::Extract(a) => crate::evidence::extract(&mut out, &bars, a)?,
        Command::Map(a) => crate::evidence::map(&mut out, &bars, a)?,
        Command::Simulate(a) => crate::screening::simulate(&mut out, &bars, a)?,
        Command::Screen(a) => crate::screening::screen(&mut out, a)?,
        Command::Harvest(a) => crate::harvesting::harvest(&mut out, &bars, a)?,
        Command::Dedup(a) => crate::harvesting::dedup(&mut out, &bars, a)?,
        Command::Export(a) => crate::harvesting::export(&mut out, a)?,
        Command::Stats { dir, json } => {
            let review = Review::open(&dir)?;
            let s = review.stats()?;
            if json {
                serde_json::to_writer_pretty(&mut out, &s)?;
                writeln!(out)?;
            } else {
                print_stats(&mut out, &dir, &s)?;
            }
        }
    }
    Ok(())
}

fn print_hits(out: &mut dyn Write, r: &index::Results) -> anyhow::Result<()> {
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

fn print_pool(out: &mut dyn Write, r: &lacuna::meta::analysis::Report) -> anyhow::Result<()> {
    let p = |x: f64| {
        if x < 0.0001 {
            "< 0.0001".to_string()
        } else {
            format!("{x:.4}")
        }
    };
    writeln!(
        out,
        "{} studies, {}, tau^2 by {:?}{}",
        r.k,
        r.measure.label(),
        r.method,
        if r.df.is_some() {
            ", Knapp-Hartung"
        } else {
            ""
        }
    )?;
    writeln!(
        out,
        "pooled estimate  {:.4}  SE {:.4}  95% CI [{:.4}, {:.4}]  p {}",
        r.estimate,
        r.se,
        r.ci_lb,
        r.ci_ub,
        p(r.pval)
    )?;
    if let Some(b) = &r.back_transformed {
        writeln!(
            out,
            "  back-transformed  {:.4}  95% CI [{:.4}, {:.4}]  95% PI [{:.4}, {:.4}]",
            b.estimate, b.ci_lb, b.ci_ub, b.pi_lb, b.pi_ub
        )?;
    }
    writeln!(out, "prediction interval  [{:.4}, {:.4}]", r.pi_lb, r.pi_ub)?;
    let ci = |c: Option<(f64, f64)>| {
        c.map(|(a, b)| format!(" [{a:.4}, {b:.4}]"))
            .unwrap_or_default()
    };
    writeln!(
        out,
        "tau^2 {:.4}{}   I^2 {:.1}%{}   H^2 {:.2}{}",
        r.tau2,
        ci(r.tau2_ci),
        r.i2,
        ci(r.i2_ci),
        r.h2,
        ci(r.h2_ci)
    )?;
    writeln!(out, "Q = {:.3} (df = {}), p {}", r.q, r.q_df, p(r.q_pval))?;
    if let Some(e) = &r.egger {
        writeln!(out, "Egger's test: z = {:.3}, p = {:.4}", e.zval, e.pval)?;
    }
    if let Some(t) = &r.trimfill {
        writeln!(out, "trim-and-fill: {} studies filled on the {:?} side; adjusted estimate {:.4} [{:.4}, {:.4}]", t.k0, t.side, t.fit.estimate(), t.fit.ci_lb.first().copied().unwrap_or(f64::NAN), t.fit.ci_ub.first().copied().unwrap_or(f64::NAN))?;
    }
    writeln!(
        out,
        "(--json for every figure, per study and per diagnostic)"
    )?;
    Ok(())
}

fn print_stats(
    out: &mut dyn Write,
    dir: &std::path::Path,
    s: &lacuna::store::Stats,
) -> anyhow::Result<()> {
    writeln!(out, "review            {}", dir.display())?;
    writeln!(out, "records           {}", s.records)?;
    writeln!(out, "  with abstract   {}", s.with_abstract)?;
    writeln!(out, "  with PMID       {}", s.with_pmid)?;
    writeln!(out, "  with DOI        {}", s.with_doi)?;
    writeln!(out, "  books           {}", s.books)?;
    writeln!(out, "deleted by NLM    {}", s.deleted)?;
    writeln!(
        out,
        "versions stored   {} ({} record(s) revised)",
        s.versions, s.records_changed
    )?;
    if let Some((a, b)) = s.year_range {
        writeln!(out, "years             {a}–{b}")?;
    }
    writeln!(out, "imports           {}", s.sources)?;
    writeln!(
        out,
        "PRISMA            {} identified, {} duplicates removed",
        s.identified, s.duplicates_removed
    )?;
    writeln!(
        out,
        "search index      {}",
        if s.index_current {
            "up to date"
        } else {
            "stale or missing (run: lacuna index DIR)"
        }
    )?;
    if !s.by_year.is_empty() {
        writeln!(out, "\nrecords by year")?;
        let max = s.by_year.iter().map(|x| x.1).max().unwrap_or(1).max(1);
        for (y, n) in &s.by_year {
            let w = ((*n as f64 / max as f64) * 40.0).ceil() as usize;
            writeln!(out, "  {y}  {:>6}  {}", n, "█".repeat(w))?;
        }
    }
    if !s.recent_sources.is_empty() {
        writeln!(
            out,
            "\nlatest imports (new / changed / unchanged / deletions / skipped)"
        )?;
        for src in &s.recent_sources {
            writeln!(
                out,
                "  {}  {}  {} / {} / {} / {} / {}",
                src.finished_at.as_deref().unwrap_or("-"),
                src.name,
                src.new,
                src.changed,
                src.unchanged,
                src.deletions,
                src.skipped
            )?;
        }
    }
    Ok(())
}

/// Exit code for an error, by what kind of error it is.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    use lacuna::store::StoreError;
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<lacuna::Error>() {
            return match e {
                lacuna::Error::File(_) => exit::BAD_INPUT,
                lacuna::Error::Store(s) => store_code(s),
                lacuna::Error::Sheet { .. } => exit::BAD_INPUT,
                lacuna::Error::Meta(_) => exit::CANNOT_POOL,
                lacuna::Error::Protocol(_) | lacuna::Error::Rows { .. } => exit::BAD_INPUT,
                lacuna::Error::Usage(_) => exit::NOT_READY,
                lacuna::Error::Harvest(lacuna::harvest::HarvestError::Query(_)) => exit::BAD_QUERY,
                lacuna::Error::Harvest(_) => exit::NETWORK,
            };
        }
        if let Some(s) = cause.downcast_ref::<StoreError>() {
            return store_code(s);
        }
        if cause
            .downcast_ref::<lacuna::parse::open::FileError>()
            .is_some()
        {
            return exit::BAD_INPUT;
        }
    }
    exit::FAILURE
}

fn store_code(s: &lacuna::store::StoreError) -> u8 {
    use lacuna::store::StoreError;
    match s {
        StoreError::NotAReview(_) | StoreError::AlreadyAReview(_) => exit::NOT_A_REVIEW,
        StoreError::Query(_) => exit::BAD_QUERY,
        _ => exit::FAILURE,
    }
}
