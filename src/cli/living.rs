//! `lacuna update`, `lacuna snapshot` and `lacuna diff`: the living cycle.
//! Each calls one function of `lacuna::pipeline::living` and prints.

use super::harvest::EutilsArgs;
use super::{exit, shell, Bars};
use clap::Args;
use lacuna::living::{Diff, Snapshot};
use lacuna::pipeline::living::{self, SnapshotOutcome, Source, UpdateOptions, UpdateReport};
use lacuna::progress::Reporter;
use lacuna::store::Review;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `lacuna update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The review folder.
    dir: PathBuf,
    /// Import these files instead of searching PubMed: exports from other databases (RIS,
    /// MEDLINE/.nbib or CSV), PubMed XML or Lacuna JSON Lines, recognised by content.
    #[arg(long, num_args = 1.., value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The database the --files were exported from (e.g. "PsycINFO"): the PRISMA
    /// flow counts their records under it (default: the format's source, e.g. "RIS export").
    #[arg(long, value_name = "NAME", requires = "files")]
    database: Option<String>,
    /// Say what would be fetched or imported; store nothing.
    #[arg(long)]
    dry_run: bool,
    /// Give up the update that stopped before it finished: it is closed and never
    /// resumed. Nothing stored is removed: what it imported stays in the review.
    #[arg(long, conflicts_with_all = ["files", "dry_run"])]
    abandon: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// The protocol, if not the review's protocol.toml.
    #[arg(long)]
    protocol: Option<PathBuf>,
    /// Days of overlap before the last search, for records dated late in PubMed.
    #[arg(long, default_value_t = 7)]
    overlap_days: u64,
    /// Recall target of the stopping rule's view of the new batch.
    #[arg(long, default_value_t = 0.95)]
    target: f64,
    /// The stopping rule of that view: hypergeometric (the default), point-process or knee
    /// (the sample rules need a sample screened in lacuna screen).
    #[arg(long, default_value_t = lacuna::screen::stop::DEFAULT, value_parser = super::screen::parse_rule)]
    stopping: lacuna::screen::stop::Rule,
    #[command(flatten)]
    eutils: EutilsArgs,
}

/// `lacuna update`: one cycle of the living review.
pub fn update(out: &mut dyn Write, bars: &Bars, a: UpdateArgs) -> anyhow::Result<u8> {
    let mut review = Review::open(&a.dir)?;
    if a.abandon {
        let r = living::abandon(&mut review)?;
        if a.json {
            serde_json::to_writer_pretty(&mut *out, &r)?;
            writeln!(out)?;
        } else {
            print_abandoned(out, &a.dir, r.as_ref())?;
        }
        return Ok(exit::OK);
    }
    let protocol = lacuna::pipeline::load_protocol(&a.dir, a.protocol.as_deref())?;
    let client;
    let source = if a.files.is_empty() {
        client = a.eutils.client(Some(&protocol))?;
        Source::PubMed(&client)
    } else {
        Source::Files(a.files.clone())
    };
    let opts = UpdateOptions {
        dry_run: a.dry_run,
        overlap_days: a.overlap_days,
        target: a.target,
        rule: a.stopping,
        database: a.database.clone(),
        ..UpdateOptions::default()
    };
    let r = living::update(&mut review, &protocol, &source, &opts, bars).map_err(|e| {
        use lacuna::harvest::HarvestError;
        let hint = match &e {
            lacuna::Error::Harvest(HarvestError::Unreachable { .. }) => format!(
                "PubMed cannot be reached, so the update stopped before it searched; \
                 run `lacuna update {}` again once the machine is online",
                shell(&a.dir)
            ),
            lacuna::Error::Harvest(_) => format!(
                "PubMed could not be searched, so the update stopped (what was stored is whole); \
                 run `lacuna update {}` again to carry on where it stopped",
                shell(&a.dir)
            ),
            lacuna::Error::NotReady(_) => return anyhow::Error::from(e),
            // Left unfinished (it had stored something before it failed): say
            // how to finish it or give it up; the cause follows.
            _ => match review.open_update().ok().flatten() {
                Some(u) => match living::unfinished(&review, &u) {
                    Ok(hint) => hint,
                    Err(_) => return anyhow::Error::from(e),
                },
                None => return anyhow::Error::from(e),
            },
        };
        anyhow::Error::from(e).context(hint)
    })?;
    if let Some(pid) = review.stale_lock() {
        bars.message(&format!(
            "took over the write lock left by process {pid}, which stopped without finishing"
        ));
    }
    if a.json {
        serde_json::to_writer_pretty(&mut *out, &r)?;
        writeln!(out)?;
    } else {
        print_update(out, &a.dir, &r)?;
    }
    Ok(if r.outcome == "nothing_new" {
        exit::NOTHING_NEW
    } else {
        exit::OK
    })
}

fn print_abandoned(
    out: &mut dyn Write,
    dir: &std::path::Path,
    a: Option<&living::Abandoned>,
) -> std::io::Result<()> {
    let Some(a) = a else {
        return writeln!(out, "no unfinished update: nothing to abandon");
    };
    let dir = shell(dir);
    writeln!(
        out,
        "abandoned update {} ({}, begun {}, stopped after step {:?})",
        a.update,
        if a.mode == "files" {
            "--files"
        } else {
            "PubMed"
        },
        a.started_at,
        a.step
    )?;
    writeln!(
        out,
        "  rolled back: the unfinished update itself; it will not be resumed, and `lacuna update {dir}` starts a new one"
    )?;
    writeln!(
        out,
        "  not run for it: {} (the next update runs them over every record)",
        a.steps_not_run.join(", ")
    )?;
    let mut kept = Vec::new();
    if !a.files_imported.is_empty() {
        kept.push(format!(
            "the files it imported ({})",
            a.files_imported.join(", ")
        ));
    }
    if !a.searches_done.is_empty() {
        kept.push(format!(
            "the searches it ran ({})",
            a.searches_done.join(", ")
        ));
    }
    kept.push(format!(
        "{} record(s) stored since it began: records are never removed, so they stay in the review and come first in `lacuna screen`",
        a.records_kept
    ));
    writeln!(out, "  kept: {}", kept.join("; "))?;
    if !a.files_not_imported.is_empty() {
        writeln!(
            out,
            "  never imported: {} (nothing of them is stored)",
            a.files_not_imported.join(", ")
        )?;
    }
    if let Some(h) = &a.harvest_left {
        writeln!(
            out,
            "  left: the unfinished PubMed harvest {h}; the next `lacuna update {dir}` (or `lacuna harvest {dir} --resume`) finishes it"
        )?;
    }
    Ok(())
}

fn print_update(
    out: &mut dyn Write,
    dir: &std::path::Path,
    r: &UpdateReport,
) -> std::io::Result<()> {
    for s in &r.searches {
        let window = s
            .window_from
            .as_deref()
            .map(|w| format!(" (created or revised since {w})"))
            .unwrap_or_default();
        if s.dry_run {
            writeln!(
                out,
                "search {}{window}: {} records would be fetched",
                s.name, s.planned
            )?;
        } else {
            writeln!(
                out,
                "search {}{window}: {} fetched: {} new, {} revised, {} deleted by PubMed",
                s.name, s.planned, s.new, s.changed, s.deleted
            )?;
        }
    }
    for f in &r.files {
        if r.outcome == "dry_run" {
            writeln!(
                out,
                "{}: {} records new to the review, {} already held",
                f.file, f.new, f.unchanged
            )?;
        } else {
            writeln!(
                out,
                "{}: {} new, {} revised, {} unchanged, {} deleted",
                f.file, f.new, f.changed, f.unchanged, f.deleted
            )?;
        }
    }
    match r.outcome.as_str() {
        "dry_run" => {
            writeln!(out, "dry run: nothing was stored")?;
            return Ok(());
        }
        "nothing_new" => {
            writeln!(
                out,
                "nothing new since the last update: the review is unchanged (no new, revised or deleted records)"
            )?;
            return Ok(());
        }
        _ => {}
    }
    writeln!(
        out,
        "update {}{}: {} new records, {} revised, {} deleted by NLM, {} duplicates merged",
        r.update,
        if r.resumed { " (resumed)" } else { "" },
        r.new,
        r.revised,
        r.deleted,
        r.duplicates_merged
    )?;
    if let Some(n) = r.coded {
        writeln!(
            out,
            "re-coded {n} included records; {} cells pooled",
            r.pooled_cells
        )?;
    }
    let b = &r.batch;
    writeln!(
        out,
        "screening: {} of the {} new records wait ({} in the whole review); they come first in `lacuna screen`",
        b.awaiting, b.new_records, b.awaiting_all
    )?;
    writeln!(out, "stopping rule on this batch: {}", batch_line(b))?;
    if !b.top.is_empty() {
        writeln!(out, "ranked highest: {}", b.top.join(", "))?;
    }
    for n in &r.notes {
        writeln!(out, "note: {n}")?;
    }
    writeln!(
        out,
        "next: lacuna screen {d} --reviewer NAME, then lacuna snapshot {d} and lacuna diff {d}",
        d = shell(dir)
    )?;
    Ok(())
}

fn batch_line(b: &living::BatchView) -> String {
    if b.new_records == 0 {
        return "no new records to screen".into();
    }
    b.stopping_line.clone()
}

/// Arguments of `lacuna snapshot`.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The review folder.
    dir: PathBuf,
    /// A label for the version (e.g. "2026-12 briefing").
    #[arg(long)]
    label: Option<String>,
    /// List the versions instead.
    #[arg(long, conflicts_with = "label")]
    list: bool,
    /// The protocol, if not the review's protocol.toml.
    #[arg(long)]
    protocol: Option<PathBuf>,
    /// Print the snapshot (or the list) as JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// `lacuna snapshot`.
pub fn snapshot(out: &mut dyn Write, bars: &Bars, a: SnapshotArgs) -> anyhow::Result<u8> {
    let mut review = Review::open(&a.dir)?;
    if a.list {
        let all = review.snapshots()?;
        for s in &all {
            // A tampered version is reported, never listed as it now reads.
            review.check_snapshot(s.id)?;
        }
        if a.json {
            serde_json::to_writer_pretty(&mut *out, &all)?;
            writeln!(out)?;
        } else if all.is_empty() {
            writeln!(
                out,
                "no snapshots yet: take one with `lacuna snapshot {}`",
                shell(&a.dir)
            )?;
        } else {
            for (s, snap) in all.iter().zip(living::history(&review)?) {
                writeln!(
                    out,
                    "{:>3}  {}  {} studies, {} pooled results{}",
                    s.id,
                    s.created_at,
                    snap.prisma.total_studies,
                    snap.pooled.len(),
                    s.label
                        .as_deref()
                        .map(|l| format!("  {l}"))
                        .unwrap_or_default()
                )?;
            }
        }
        return Ok(exit::OK);
    }
    let protocol = lacuna::pipeline::load_protocol(&a.dir, a.protocol.as_deref())?;
    match living::snapshot(&mut review, &protocol, a.label.as_deref())? {
        SnapshotOutcome::Unchanged(v) => {
            bars.message(&format!(
                "nothing changed since snapshot {v}: no new version was taken"
            ));
            if a.json {
                serde_json::to_writer_pretty(&mut *out, &living::load(&review, v)?)?;
                writeln!(out)?;
            }
            Ok(exit::NOTHING_NEW)
        }
        SnapshotOutcome::Taken(s) => {
            if a.json {
                serde_json::to_writer_pretty(&mut *out, &*s)?;
                writeln!(out)?;
            } else {
                print_snapshot(out, &s)?;
            }
            Ok(exit::OK)
        }
    }
}

fn print_snapshot(out: &mut dyn Write, s: &Snapshot) -> std::io::Result<()> {
    let p = &s.prisma;
    writeln!(
        out,
        "snapshot {}{}: {} studies included ({} new, {} previous), {} pooled results, {} gap cells",
        s.version,
        s.label
            .as_deref()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default(),
        p.total_studies,
        p.new_studies,
        p.previous_studies,
        s.pooled.len(),
        s.cells.iter().filter(|c| !c.gaps.is_empty()).count()
    )?;
    writeln!(
        out,
        "  records: {} identified, {} duplicates, {} screened, {} excluded, {} not screened",
        p.database_results,
        p.duplicates,
        p.records_screened,
        p.records_excluded,
        p.excluded_automatic
    )?;
    Ok(())
}

/// Arguments of `lacuna diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The review folder.
    dir: PathBuf,
    /// The earlier snapshot (default: the one before the latest).
    from: Option<i64>,
    /// The later snapshot (default: the latest).
    to: Option<i64>,
    /// The protocol whose [living] triggers mark material changes, if not the
    /// review's protocol.toml.
    #[arg(long)]
    protocol: Option<PathBuf>,
    /// Print the diff as JSON on stdout (fields in docs/living-review.md).
    #[arg(long)]
    json: bool,
}

/// `lacuna diff`.
pub fn diff(out: &mut dyn Write, a: DiffArgs) -> anyhow::Result<u8> {
    let review = Review::open(&a.dir)?;
    let protocol = lacuna::pipeline::load_protocol(&a.dir, a.protocol.as_deref())?;
    let d = living::diff(&review, &protocol, a.from, a.to)?;
    if a.json {
        serde_json::to_writer_pretty(&mut *out, &d)?;
        writeln!(out)?;
    } else {
        print_diff(out, &d)?;
    }
    Ok(exit::OK)
}

/// Records as readers name them ("Hilden 2021"); `--json` keeps the ids.
fn names(d: &Diff, v: &[lacuna::living::RecordId]) -> String {
    v.iter()
        .map(|r| d.record_name(r))
        .collect::<Vec<_>>()
        .join("; ")
}

fn studies(d: &Diff, v: &[String]) -> String {
    v.iter()
        .map(|s| d.name(s).to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

fn print_diff(out: &mut dyn Write, d: &Diff) -> std::io::Result<()> {
    writeln!(out, "what changed from snapshot {} to {}", d.from, d.to)?;
    if d.is_empty() {
        writeln!(out, "  nothing")?;
        return Ok(());
    }
    let r = &d.records;
    for (what, v) in [
        ("new records", &r.new),
        ("revised records", &r.revised),
        ("retracted records", &r.retracted),
        ("deleted by NLM", &r.deleted),
    ] {
        if !v.is_empty() {
            writeln!(out, "  {what} ({}): {}", v.len(), names(d, v))?;
        }
    }
    if !d.included_new.is_empty() {
        writeln!(
            out,
            "  newly included studies: {}",
            studies(d, &d.included_new)
        )?;
    }
    if !d.included_retracted.is_empty() {
        writeln!(
            out,
            "  included studies now RETRACTED (left out of pooling): {}",
            studies(d, &d.included_retracted)
        )?;
    }
    if !d.included_removed.is_empty() {
        writeln!(
            out,
            "  no longer included: {}",
            studies(d, &d.included_removed)
        )?;
    }
    for (what, v) in [
        ("gaps closed", &d.gaps_closed),
        ("gaps opened", &d.gaps_opened),
    ] {
        for g in v {
            writeln!(
                out,
                "  {what}: {} × {} ({} gap)",
                d.label(&g.intervention),
                d.label(&g.outcome),
                g.gap.as_str()
            )?;
        }
    }
    for m in &d.pooled_moved {
        let show = |e: &Option<lacuna::model::pooled::Pooled>| match e {
            Some(e) => format!(
                "{:.3} [{:.3}, {:.3}], k = {}",
                e.estimate, e.ci_lb, e.ci_ub, e.k
            ),
            None => "not pooled".into(),
        };
        writeln!(
            out,
            "  pooled {} × {} ({}): {} → {}",
            d.label(&m.intervention),
            d.label(&m.outcome),
            m.measure,
            show(&m.from),
            show(&m.to)
        )?;
    }
    for c in &d.certainty_changed {
        writeln!(
            out,
            "  certainty {} × {} ({}): {} → {}{}",
            d.label(&c.intervention),
            d.label(&c.outcome),
            c.measure,
            c.from.map_or("not rated", |f| f.label()),
            c.to.label(),
            if c.reasons.is_empty() {
                String::new()
            } else {
                format!(" ({})", c.reasons.join("; "))
            }
        )?;
    }
    if d.material.is_empty() {
        writeln!(out, "  no material change (no [living] trigger fired)")?;
    } else {
        writeln!(out, "  MATERIAL changes (the protocol's triggers fired):")?;
        for m in &d.material {
            writeln!(
                out,
                "    {} — {} × {}: {}",
                m.trigger.replace('_', " "),
                d.label(&m.intervention),
                d.label(&m.outcome),
                m.detail
            )?;
        }
    }
    Ok(())
}

/// Arguments of `lacuna report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The review folder.
    dir: PathBuf,
    /// The snapshot to report (default: the latest).
    #[arg(long)]
    snapshot: Option<i64>,
    /// Compare with this earlier snapshot (default: the one before).
    #[arg(long)]
    since: Option<i64>,
    /// Where to write the briefing (default: DIR/reports/vN).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Do not print a PDF, even when Chromium is on the machine.
    #[arg(long)]
    no_pdf: bool,
    /// The paper the printed briefing (PDF) is laid out for.
    #[arg(long, value_enum, default_value = "a4")]
    paper: Paper,
    /// The protocol, if not the review's protocol.toml.
    #[arg(long)]
    protocol: Option<PathBuf>,
    /// Print what was written as JSON.
    #[arg(long)]
    json: bool,
}

/// Paper sizes for `--paper`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Paper {
    /// ISO A4 (210 × 297 mm).
    A4,
    /// US Letter (8.5 × 11 in).
    Letter,
}

/// `lacuna report`: the briefing.
pub fn report(out: &mut dyn Write, bars: &Bars, a: ReportArgs) -> anyhow::Result<u8> {
    let mut review = Review::open(&a.dir)?;
    let protocol = lacuna::pipeline::load_protocol(&a.dir, a.protocol.as_deref())?;
    let version = match a.snapshot {
        Some(v) => v,
        None => review.snapshots()?.last().map(|s| s.id).ok_or_else(|| {
            lacuna::Error::NotReady(format!(
                "the review has no snapshot yet: take one with `lacuna snapshot {}`",
                shell(&a.dir)
            ))
        })?,
    };
    let dest = a.out.clone().unwrap_or_else(|| {
        lacuna::pipeline::folder::reports_dir(&a.dir).join(format!("v{version}"))
    });
    let opts = lacuna::pipeline::briefing::ReportOptions {
        version: Some(version),
        since: a.since,
        pdf: !a.no_pdf,
        paper: match a.paper {
            Paper::A4 => lacuna::pipeline::briefing::PaperSize::A4,
            Paper::Letter => lacuna::pipeline::briefing::PaperSize::Letter,
        },
    };
    let w = lacuna::pipeline::briefing::report(&mut review, &protocol, &opts, &dest)?;
    if let Some(n) = &w.pdf_note {
        bars.message(&format!("no PDF: {n}"));
    }
    for n in &w.notes {
        bars.message(&format!("note: {n}"));
    }
    if a.json {
        serde_json::to_writer_pretty(&mut *out, &w)?;
        writeln!(out)?;
        return Ok(exit::OK);
    }
    writeln!(
        out,
        "briefing for version {}{} ({} KB, self-contained): Markdown in {}{}",
        w.version,
        w.since
            .map(|s| format!(" against version {s}"))
            .unwrap_or_default(),
        w.html_bytes / 1024,
        w.markdown.display(),
        w.pdf
            .as_ref()
            .map(|p| format!(", PDF in {}", p.display()))
            .unwrap_or_default()
    )?;
    writeln!(out, "{}", w.html.display())?;
    Ok(exit::OK)
}

/// Arguments of `lacuna prisma`.
#[derive(Debug, Args)]
pub struct PrismaArgs {
    /// The review folder.
    dir: PathBuf,
    /// The snapshot (default: the latest).
    #[arg(long)]
    snapshot: Option<i64>,
    /// The PRISMA2020 R package's CSV (its Shiny app loads it).
    #[arg(long, conflicts_with = "json")]
    csv: bool,
    /// The counts as JSON, with the package's field names.
    #[arg(long)]
    json: bool,
}

/// `lacuna prisma`: the PRISMA 2020 counts of a snapshot.
pub fn prisma(out: &mut dyn Write, a: PrismaArgs) -> anyhow::Result<u8> {
    let review = Review::open(&a.dir)?;
    let (version, p) = lacuna::pipeline::briefing::prisma(&review, a.snapshot)?;
    if a.csv {
        out.write_all(lacuna::pipeline::briefing::prisma_csv(&p).as_bytes())?;
    } else if a.json {
        serde_json::to_writer_pretty(&mut *out, &p)?;
        writeln!(out)?;
    } else {
        writeln!(out, "PRISMA 2020 counts, version {version}")?;
        let dbs: Vec<String> = p
            .database_specific_results
            .iter()
            .map(|d| format!("{} {}", d.database, d.n))
            .collect();
        for (what, n) in [
            ("previous studies", p.previous_studies),
            ("previous reports", p.previous_reports),
            ("records identified", p.database_results),
            ("duplicates removed", p.duplicates),
            ("not screened by a person yet", p.excluded_automatic),
            ("deleted by NLM", p.excluded_other),
            ("records screened", p.records_screened),
            ("records excluded", p.records_excluded),
            ("awaiting a decision (maybe)", p.records_awaiting),
            ("reports sought", p.dbr_sought_reports),
            ("reports not retrieved", p.dbr_notretrieved_reports),
            ("reports assessed", p.dbr_assessed),
            ("new studies", p.new_studies),
            ("new reports", p.new_reports),
            ("total studies", p.total_studies),
            ("total reports", p.total_reports),
        ] {
            writeln!(out, "  {what:<30} {n}")?;
        }
        writeln!(out, "  databases: {}", dbs.join("; "))?;
        for r in &p.dbr_excluded {
            writeln!(out, "  excluded at full text, {}: {}", r.reason, r.n)?;
        }
        if p.records_carried_over > 0 {
            writeln!(
                out,
                "  records of earlier versions still awaiting screening then, in this flow: {}",
                p.records_carried_over
            )?;
        }
        if p.studies_withdrawn > 0 || p.reports_withdrawn > 0 {
            writeln!(
                out,
                "  counted in the version before and no longer: {} studies, {} reports",
                p.studies_withdrawn, p.reports_withdrawn
            )?;
        }
        if p.reports_from_earlier > 0 {
            writeln!(
                out,
                "  reports of earlier records counted again (a decision or code changed): {}",
                p.reports_from_earlier
            )?;
        }
        if p.pairs_awaiting > 0 {
            writeln!(
                out,
                "  {} pairs of records await a duplicate check (each counts as a record until then): lacuna dedup {} --review",
                p.pairs_awaiting,
                shell(&a.dir)
            )?;
        }
    }
    Ok(exit::OK)
}

/// Arguments of `lacuna demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The review folder the demo makes. An earlier demo's folder is replaced
    /// only when it holds nothing but what that demo wrote; otherwise the
    /// demo refuses (exit 4), naming what would be lost.
    #[arg(long, default_value = "demo-review")]
    out: PathBuf,
    /// Replace the review in --out even when people have worked in it
    /// (reviewers, decisions, imports, files of their own): all of it is
    /// deleted. A folder that is not a review is never replaced.
    #[arg(long)]
    force: bool,
    /// Do not print a PDF, even when Chromium is on the machine.
    #[arg(long)]
    no_pdf: bool,
}

/// `lacuna demo`: the living cycle on the bundled corpus; the briefing's
/// path is the last line of stdout.
pub fn demo(out: &mut dyn Write, bars: &Bars, a: DemoArgs) -> anyhow::Result<u8> {
    let t0 = std::time::Instant::now();
    let r = lacuna::pipeline::demo::run(&a.out, bars, !a.no_pdf, a.force)?;
    let d = &r.diff;
    writeln!(
        out,
        "demo review in {} (two versions; try `lacuna prisma {}`, `lacuna diff {}`, `lacuna screen {} --reviewer NAME`)",
        r.review.display(),
        shell(&r.review),
        shell(&r.review),
        shell(&r.review)
    )?;
    writeln!(
        out,
        "version 2 against version 1: {} new records, {} new studies, {} gaps closed, {} pooled results moved, {} material changes",
        d.records.new.len(),
        d.included_new.len(),
        d.gaps_closed.len(),
        d.pooled_moved.len(),
        d.material.len()
    )?;
    writeln!(out, "interactive map: {}", r.map.display())?;
    writeln!(
        out,
        "month 3: {} new records arrived after the briefing and wait for screening: `lacuna screen {} --reviewer NAME` or `lacuna serve {}`",
        r.unscreened,
        shell(&r.review),
        shell(&r.review)
    )?;
    if let Some(p) = &r.pdf {
        writeln!(out, "PDF: {}", p.display())?;
    }
    bars.message(&format!("done in {:.1} s", t0.elapsed().as_secs_f64()));
    writeln!(out, "{}", r.briefing.display())?;
    Ok(exit::OK)
}
