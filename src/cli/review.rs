//! `lacuna init`, `lacuna stats` and `lacuna reviewer`: make a review
//! folder, its summary figures, and its team's reviewers. The figures and
//! the reviewers come from the store; this file only lays them out.

use clap::{Args, Subcommand};
use lacuna::progress::Reporter;
use lacuna::store::Review;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `lacuna init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to create (or an empty existing folder).
    dir: PathBuf,
}

/// Arguments of `lacuna stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The review folder.
    dir: PathBuf,
    /// Print as JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// `lacuna reviewer add|list|remove`.
#[derive(Debug, Subcommand)]
pub enum ReviewerCommand {
    /// Add a reviewer and print their token (once: only its hash is kept).
    Add {
        /// The review folder.
        dir: PathBuf,
        /// The reviewer's name (kept with each decision).
        name: String,
    },
    /// List the reviewers.
    List {
        /// The review folder.
        dir: PathBuf,
        /// Print as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Remove a reviewer: their token stops working; their decisions stay.
    Remove {
        /// The review folder.
        dir: PathBuf,
        /// The reviewer's name.
        name: String,
    },
}

/// Arguments of `lacuna serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The review folder.
    dir: PathBuf,
    /// Address and port to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: std::net::SocketAddr,
    /// Recall target of the stopping rule.
    #[arg(long, default_value_t = 0.95)]
    recall_target: f64,
    /// Confidence of the stopping rule.
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// The stopping rule (see lacuna screen --help).
    #[arg(long, default_value_t = lacuna::screen::stop::DEFAULT, value_parser = super::screen::parse_rule)]
    stopping: lacuna::screen::stop::Rule,
}

/// `lacuna serve`: prints `listening on http://ADDR` as its first line.
pub fn serve(out: &mut dyn Write, bars: &super::Bars, a: ServeArgs) -> anyhow::Result<()> {
    let review = Review::open(&a.dir)?;
    if review.reviewers()?.is_empty() {
        anyhow::bail!(
            "{} has no reviewers yet: add one with lacuna reviewer add {} NAME (it prints their token)",
            a.dir.display(),
            super::shell(&a.dir)
        );
    }
    drop(review);
    if !a.bind.ip().is_loopback() {
        bars.message(&format!(
            "warning: listening on {}, beyond this machine: anyone who can reach it sees the login; \
             every call still needs a reviewer's token, and the traffic is not encrypted (put it behind HTTPS)",
            a.bind
        ));
    }
    lacuna::web::serve(
        lacuna::web::ServeOptions {
            team: lacuna::pipeline::team::TeamOptions {
                dir: a.dir.clone(),
                target: a.recall_target,
                confidence: a.confidence,
                rule: a.stopping,
            },
            bind: a.bind,
        },
        |addr| {
            let mut so = std::io::stdout();
            let _ = writeln!(so, "listening on http://{addr}");
            let _ = so.flush();
        },
    )?;
    writeln!(out, "stopped; every acknowledged decision is stored")?;
    Ok(())
}

/// `lacuna reviewer`.
pub fn reviewer(out: &mut dyn Write, c: ReviewerCommand) -> anyhow::Result<()> {
    match c {
        ReviewerCommand::Add { dir, name } => {
            let mut review = Review::open(&dir)?;
            let token = review.add_reviewer(&name)?;
            writeln!(
                out,
                "added reviewer {:?}; their token (shown only now; give it to them privately):",
                name.trim()
            )?;
            writeln!(out, "{token}")?;
        }
        ReviewerCommand::List { dir, json } => {
            let review = Review::open(&dir)?;
            let all = review.reviewers()?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &all)?;
                writeln!(out)?;
            } else if all.is_empty() {
                writeln!(
                    out,
                    "no reviewers yet: lacuna reviewer add {} NAME",
                    super::shell(&dir)
                )?;
            } else {
                for r in all {
                    writeln!(out, "{:<24} added {}", r.name, r.created_at)?;
                }
            }
        }
        ReviewerCommand::Remove { dir, name } => {
            let mut review = Review::open(&dir)?;
            if !review.remove_reviewer(&name)? {
                anyhow::bail!(
                    "no reviewer {:?} in {} (lacuna reviewer list shows them)",
                    name.trim(),
                    dir.display()
                );
            }
            writeln!(
                out,
                "removed reviewer {:?}; their decisions stay",
                name.trim()
            )?;
        }
    }
    Ok(())
}

/// `lacuna init`.
pub fn init(bars: &super::Bars, a: InitArgs) -> anyhow::Result<()> {
    Review::init(&a.dir)?;
    bars.message(&format!(
        "created review {}; next: lacuna import {} FILE...",
        a.dir.display(),
        super::shell(&a.dir)
    ));
    Ok(())
}

/// `lacuna stats`.
pub fn stats(out: &mut dyn Write, a: StatsArgs) -> anyhow::Result<()> {
    let review = Review::open(&a.dir)?;
    let s = review.stats()?;
    if a.json {
        serde_json::to_writer_pretty(&mut *out, &s)?;
        writeln!(out)?;
    } else {
        print_stats(out, &a.dir, &s)?;
    }
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
    if s.retracted > 0 {
        writeln!(out, "retracted         {}", s.retracted)?;
    }
    if let Some((at, outcome)) = &s.last_update {
        writeln!(
            out,
            "updates           {} (last {at}: {})",
            s.updates,
            outcome.replace('_', " ")
        )?;
    }
    if s.snapshots > 0 {
        writeln!(
            out,
            "snapshots         {} (lacuna snapshot DIR --list)",
            s.snapshots
        )?;
    }
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
