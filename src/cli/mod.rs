//! The command line: the clap [`Cli`] and its [`Command`] verbs, [`run`],
//! and the named exit codes. Each verb group has its own file:
//!
//! - `review.rs`: `init`, `stats`
//! - `records.rs`: `import`, `parse`, `index`, `search`, `export`, `dedup`
//! - `harvest.rs`: `harvest`
//! - `screen.rs`: `decide` (and agreement), `screen`, `simulate`
//! - `evidence.rs`: `protocol`, `code`, `extract`, `map`
//! - `pool.rs`: `pool`
//! - `certainty.rs`: `rob`, `certainty`
//! - `living.rs`: `update`, `snapshot`, `diff`, `report`, `prisma`, `demo`
//! - `bars.rs`: the progress bars
//!
//! A verb reads its arguments, calls one library function (most are in
//! `lacuna::pipeline`, which a second front end calls too) and prints: data
//! on stdout, everything for people on stderr. No SQL, no index, no ranking
//! or statistics here, and no library module sees a clap type.

mod bars;
mod certainty;
mod evidence;
mod harvest;
mod living;
mod pool;
mod records;
mod review;
mod screen;

pub use bars::Bars;
use clap::{Parser, Subcommand};

/// Lacuna: living systematic reviews and evidence gap maps.
///
/// A review is a folder: `lacuna init DIR` makes one, `lacuna import DIR
/// FILES` loads PubMed XML (plain or .gz) or Lacuna JSON Lines into it, and
/// `lacuna search DIR QUERY` finds records for screening.
#[derive(Debug, Parser)]
#[command(name = "lacuna", version, about, long_about = None, after_help = lacuna::error::codes::help())]
pub struct Cli {
    /// No progress bars or notes on stderr (errors are still printed).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// The verb.
    #[command(subcommand)]
    pub command: Command,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new, empty review folder (lacuna.db and, later, index/ and reports/).
    Init(review::InitArgs),
    /// Import files into a review: PubMed XML (efetch output or NLM baseline/update
    /// files, .xml or .xml.gz), Lacuna JSON Lines, MEDLINE/.nbib, RIS or CSV (PubMed's CSV
    /// export or any CSV with a title column), recognised by content.
    /// Each file is one transaction; importing the same file again adds nothing.
    Import(records::ImportArgs),
    /// Parse files and print their records as JSON Lines on stdout (no review needed).
    Parse(records::ParseArgs),
    /// Rebuild a review's search index from its store.
    Index(records::IndexArgs),
    /// Search a review. Bare words must all match, in the title, abstract, keywords
    /// or MeSH (title and MeSH matches rank higher); also: title:, mesh:, keywords:,
    /// journal:, author:, type:, pmid:, doi:, text: (= abstract:, which also covers
    /// title, keywords and MeSH), "phrases", AND/OR/NOT, -word, and year:[2015 TO 2024].
    Search(records::SearchArgs),
    /// Pool effect sizes from a CSV sheet (random-effects meta-analysis equal to R's metafor).
    ///
    /// Columns are named as metafor's escalc arguments: ai,bi,ci,di or ai,n1i,ci,n2i (2x2
    /// tables); m1i,sd1i,n1i,m2i,sd2i,n2i (means); ri,ni (correlations); yi,vi or yi,sei
    /// (generic); or est,ci_lb,ci_ub (an estimate with its 95% CI, on the reader's scale).
    /// A `study` column labels rows; other columns can be years and moderators.
    Pool(pool::PoolArgs),
    /// Check a review protocol (TOML): errors name the file, line and key.
    Protocol(evidence::ProtocolArgs),
    /// Record screening decisions (append-only: a later decision supersedes, never deletes).
    /// Until a review has decisions, every record counts as included.
    Decide(screen::DecideArgs),
    /// Auto-code the included records with the protocol's framework, or review the codes:
    /// show them with the rule and text that fired, and confirm, remove or add codes.
    Code(evidence::CodeArgs),
    /// Attach extracted effect-size rows (CSV) to the review's studies, or write an empty sheet.
    Extract(evidence::ExtractArgs),
    /// Draw the evidence gap map: interactive HTML (one file, works offline), SVG, CSV, JSON.
    Map(evidence::MapArgs),
    /// Risk of bias per study: write robvis's sheet (--template, RoB 2 or ROBINS-I), store a
    /// filled one (--import FILE.csv --reviewer NAME; append-only, a later judgement
    /// supersedes), or list the judgements that count.
    Rob(certainty::RobArgs),
    /// How sure: GRADE's certainty of every pooled cell (high, moderate, low, very low), from its
    /// start (randomised or not) less risk of bias, inconsistency, imprecision, publication bias
    /// and indirectness, each with its reason.
    Certainty(certainty::CertaintyArgs),
    /// Replay screening on a labelled CSV with active learning and report how early the
    /// relevant records came (WSS@95, recall at 10 %) and where the stopping rule would stop.
    #[command(after_help = screen::STOPPING_HELP)]
    Simulate(screen::SimulateArgs),
    /// Screen a review's records one at a time, most likely relevant first (retrained after
    /// every decision), with the recall estimate in a status line. One key press per decision
    /// (no Enter): i include, e exclude, m maybe (set aside; shown again once every other
    /// record has a decision), r exclude with a reason (then its number),
    /// u undo (decide the last record again; the new decision supersedes), q or Esc quit.
    /// From a pipe, the first character of each line. Every decision is stored at once.
    #[command(after_help = screen::STOPPING_HELP)]
    Screen(screen::ScreenArgs),
    /// Search PubMed (NCBI E-utilities) with the protocol's queries and store the records:
    /// politely (3 requests/s, 10 with an API key), resumably (--resume after a kill or a
    /// network failure) and incrementally (--since-last for a living review).
    Harvest(harvest::HarvestArgs),
    /// Find duplicate records across sources (same DOI, or near-identical title with the same
    /// year and first author), merge the near-certain ones and list the rest for a person.
    Dedup(records::DedupArgs),
    /// Write the review's records to stdout as JSON Lines, CSV or RIS (for reference managers).
    Export(records::ExportArgs),
    /// Summary figures of a review: records, versions, deletions, years, imports, the PRISMA
    /// counts (identified, duplicates removed), updates, snapshots and the search index's state.
    Stats(review::StatsArgs),
    /// The reviewers of a team review (for `lacuna serve`): add one (prints their token once, as the
    /// last line), list them, or remove one (their token stops working; their decisions stay).
    #[command(subcommand)]
    Reviewer(review::ReviewerCommand),
    /// Serve the review to a team of reviewers over HTTP: the screening app in the browser and
    /// its JSON API, offline. Binds 127.0.0.1:8080 unless told; every call needs a reviewer's token.
    Serve(review::ServeArgs),
    /// Run one cycle of the living review: search PubMed with the protocol's queries since
    /// the last update (or import --files), deduplicate, index, put the new records first in
    /// the screening queue, re-code and re-pool. Resumable after a kill; exit 11 when nothing
    /// new arrived (the review is then unchanged).
    Update(living::UpdateArgs),
    /// Freeze the review as a numbered, immutable version (PRISMA 2020 counts, included studies,
    /// the map's gaps, every pooled result), or --list the versions. Exit 11 when nothing
    /// changed since the last version (none is taken).
    Snapshot(living::SnapshotArgs),
    /// What changed between two snapshots (default: the last two): records new, revised,
    /// retracted or deleted by NLM, newly included studies, gaps closed and opened, pooled
    /// results that moved, and which changes are material under the protocol's [living] triggers.
    Diff(living::DiffArgs),
    /// Write the briefing for policy units and funders: one self-contained HTML file (inline
    /// SVG figures, works offline and when emailed), Markdown, and a PDF when Chromium is on
    /// the machine. Summary in plain words, what's new, the PRISMA 2020 flow, the gap map,
    /// gaps ranked for funders, forest plots, methods and references.
    Report(living::ReportArgs),
    /// The PRISMA 2020 counts of a snapshot, with the PRISMA2020 R package's field names
    /// (--csv loads into its Shiny app).
    Prisma(living::PrismaArgs),
    /// The whole living cycle on the bundled real demo corpus, offline: two monthly batches,
    /// screening replayed, coding, effect sizes, pooling, two snapshots, the diff and the
    /// briefing. Prints the briefing's path as the last line.
    Demo(living::DemoArgs),
}

/// Named exit codes: the library's one table ([`lacuna::error::codes`]),
/// which `--help` and the documentation are written from.
pub mod exit {
    pub use lacuna::error::codes::*;
}

/// Run one command; the exit code of a command that succeeded (0, or 11 for
/// nothing new).
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    let bars = Bars::new(cli.quiet);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Update(a) => return living::update(&mut out, &bars, a),
        Command::Snapshot(a) => return living::snapshot(&mut out, &bars, a),
        Command::Diff(a) => return living::diff(&mut out, a),
        Command::Report(a) => return living::report(&mut out, &bars, a),
        Command::Prisma(a) => return living::prisma(&mut out, a),
        Command::Demo(a) => return living::demo(&mut out, &bars, a),
        Command::Init(a) => review::init(&bars, a),
        Command::Stats(a) => review::stats(&mut out, a),
        Command::Reviewer(c) => review::reviewer(&mut out, c),
        Command::Serve(a) => review::serve(&mut out, &bars, a),
        Command::Import(a) => records::import(&mut out, &bars, a),
        Command::Parse(a) => records::parse(out, &bars, a),
        Command::Index(a) => records::index(&bars, a),
        Command::Search(a) => records::search(&mut out, &bars, a),
        Command::Dedup(a) => records::dedup(&mut out, &bars, a),
        Command::Export(a) => records::export(&mut out, a),
        Command::Harvest(a) => harvest::harvest(&mut out, &bars, a),
        Command::Decide(a) => screen::decide(&mut out, &bars, a),
        Command::Screen(a) => screen::screen(&mut out, a),
        Command::Simulate(a) => screen::simulate(&mut out, &bars, a),
        Command::Protocol(a) => evidence::protocol(&mut out, a),
        Command::Code(a) => evidence::code(&mut out, &bars, a),
        Command::Extract(a) => evidence::extract(&mut out, &bars, a),
        Command::Map(a) => evidence::map(&mut out, &bars, a),
        Command::Rob(a) => certainty::rob(&mut out, &bars, a),
        Command::Certainty(a) => certainty::certainty(&mut out, &bars, a),
        Command::Pool(a) => pool::pool(&mut out, &bars, a),
    }
    .map(|()| exit::OK)
}

/// A path as a shell reads it, for the commands a hint suggests: quoted
/// when it holds a space or another character the shell would read.
pub fn shell(p: &std::path::Path) -> String {
    let s = p.display().to_string();
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:@%+=,".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Whether the error is a closed pipe on our output (the reader has gone):
/// an I/O error, a write the library reports, or JSON written to the pipe.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    err.chain().any(|c| {
        let io = c.downcast_ref::<std::io::Error>().or_else(|| {
            match c.downcast_ref::<lacuna::Error>() {
                Some(lacuna::Error::Write { source, .. }) => Some(source),
                _ => None,
            }
        });
        io.is_some_and(|e| e.kind() == BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == Some(BrokenPipe)
    })
}

/// Exit code for an error: the first library error in its chain says
/// ([`lacuna::error::codes::TABLE`]).
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<lacuna::Error>() {
            return e.exit_code();
        }
        if let Some(s) = cause.downcast_ref::<lacuna::store::StoreError>() {
            return s.exit_code();
        }
        if cause.downcast_ref::<lacuna::error::FileError>().is_some() {
            return exit::BAD_INPUT;
        }
    }
    exit::FAILURE
}
