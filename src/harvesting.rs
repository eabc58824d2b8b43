//! Command line for getting records in and out: `harvest` (PubMed
//! E-utilities), `export` and `dedup`. Each verb turns its flags into a
//! library config once, calls one library function and prints.

use crate::cli::Bars;
use clap::Args;
use lacuna::harvest::{Client, Config};
use lacuna::pipeline::harvest::{HarvestReport, HarvestSpec};
use lacuna::store::Review;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// Arguments of `lacuna harvest`.
#[derive(Debug, Args)]
pub struct HarvestArgs {
    /// The review folder.
    dir: PathBuf,
    /// A search-string id from the protocol's [[search.strings]]; repeat for several.
    /// Without --query or --term, every string of the protocol is harvested.
    #[arg(long = "query", conflicts_with = "term")]
    queries: Vec<String>,
    /// A PubMed query given directly.
    #[arg(long)]
    term: Option<String>,
    /// Only records added or revised since the last completed harvest of the same query
    /// (creation-date window with --overlap-days of overlap, plus modification date).
    #[arg(long)]
    since_last: bool,
    /// Finish the harvest that stopped (killed, network down); fetches only what is missing.
    #[arg(long, conflicts_with_all = ["since_last", "dry_run"])]
    resume: bool,
    /// Fetch at most N records per query.
    #[arg(long)]
    max: Option<u64>,
    /// Print the count and how PubMed reads the query; store nothing.
    #[arg(long)]
    dry_run: bool,
    /// E-utilities base URL (esearch.fcgi and efetch.fcgi are appended).
    #[arg(long, default_value = lacuna::harvest::NCBI_BASE)]
    eutils_url: String,
    /// NCBI API key (10 requests/s instead of 3); default: $NCBI_API_KEY, else the variable
    /// named by the protocol's [search] api_key_env.
    #[arg(long, env = "NCBI_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Contact e-mail sent to NCBI with every request (NCBI asks for one); default:
    /// $LACUNA_EMAIL, else the protocol's [search] email.
    #[arg(long, env = "LACUNA_EMAIL")]
    email: Option<String>,
    /// Tool name sent to NCBI; default: the protocol's [search] tool, else "lacuna".
    #[arg(long)]
    tool: Option<String>,
    /// PMIDs per efetch request.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Days of overlap for --since-last (records are dated late in PubMed).
    #[arg(long, default_value_t = 7)]
    overlap_days: u64,
    /// Seconds before a request times out (then it is retried).
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    /// First backoff between retries, in milliseconds (doubled each time, with jitter).
    #[arg(long, default_value_t = 1000)]
    backoff_ms: u64,
    /// Retries of a failing request.
    #[arg(long, default_value_t = 6)]
    retries: u32,
    /// The protocol, if not the review's protocol.toml.
    #[arg(long)]
    protocol: Option<PathBuf>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Do not look for duplicates across sources afterwards.
    #[arg(long)]
    no_dedup: bool,
}

/// Say what an automatic dedup after an import or harvest did (nothing when it found nothing).
pub fn report_dedup(bars: &Bars, dir: &std::path::Path, o: &lacuna::store::dedup::DedupOutcome) {
    use lacuna::progress::Reporter;
    if o.merged + o.uncertain > 0 {
        bars.message(&format!(
            "duplicates across sources: {} merged{}",
            o.merged,
            if o.uncertain > 0 {
                format!(
                    ", {} uncertain pair(s) for a person: lacuna dedup {} --review",
                    o.uncertain,
                    dir.display()
                )
            } else {
                String::new()
            }
        ));
    }
}

/// `lacuna harvest`.
pub fn harvest(out: &mut dyn Write, bars: &Bars, a: HarvestArgs) -> anyhow::Result<()> {
    let mut review = Review::open(&a.dir)?;
    // The protocol, when there is one: queries and NCBI identity.
    let protocol = if a.protocol.is_some() || a.dir.join("protocol.toml").is_file() {
        Some(crate::evidence::load_protocol(
            &a.dir,
            a.protocol.as_deref(),
        )?)
    } else {
        None
    };
    let ident = protocol
        .as_ref()
        .map(|p| p.eutils.clone())
        .unwrap_or_default();
    let api_key = a
        .api_key
        .clone()
        .or_else(|| {
            ident
                .api_key_env
                .as_ref()
                .and_then(|v| std::env::var(v).ok())
        })
        .filter(|k| !k.is_empty());
    let client = Client::new(Config {
        base_url: if a.eutils_url.ends_with('/') {
            a.eutils_url.clone()
        } else {
            format!("{}/", a.eutils_url)
        },
        tool: a
            .tool
            .clone()
            .or(ident.tool.clone())
            .unwrap_or_else(|| "lacuna".into()),
        email: a.email.clone().or(ident.email.clone()),
        api_key,
        batch: a.batch,
        retries: a.retries,
        backoff: Duration::from_millis(a.backoff_ms),
        timeout: Duration::from_secs(a.timeout.max(1)),
        ..Config::default()
    })
    .map_err(lacuna::Error::from)?;
    let base = HarvestSpec {
        since_last: a.since_last,
        resume: a.resume,
        max: a.max,
        dry_run: a.dry_run,
        overlap_days: a.overlap_days,
        ..HarvestSpec::default()
    };
    let specs: Vec<HarvestSpec> = if a.resume {
        vec![base]
    } else if let Some(t) = &a.term {
        vec![HarvestSpec {
            name: "term".into(),
            term: t.clone(),
            ..base
        }]
    } else {
        let Some(protocol) = protocol else {
            return Err(lacuna::Error::Usage(format!(
                "{} has no protocol yet: give the query with --term TEXT, or a protocol with --protocol FILE (its [[search.strings]] are harvested)",
                a.dir.display()
            ))
            .into());
        };
        if protocol.searches.is_empty() {
            return Err(lacuna::Error::Usage(format!(
                "the protocol {:?} has no [[search.strings]]; give a query with --term TEXT",
                protocol.id
            ))
            .into());
        }
        let wanted: Vec<_> = if a.queries.is_empty() {
            protocol.searches.iter().collect()
        } else {
            let mut v = Vec::new();
            for q in &a.queries {
                match protocol.searches.iter().find(|s| &s.id == q) {
                    Some(s) => v.push(s),
                    None => {
                        return Err(lacuna::Error::Usage(format!(
                            "the protocol has no search string {q:?}; it has: {}",
                            protocol
                                .searches
                                .iter()
                                .map(|s| s.id.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                        .into())
                    }
                }
            }
            v
        };
        wanted
            .into_iter()
            .map(|s| HarvestSpec {
                name: s.id.clone(),
                term: s.query.clone(),
                ..base.clone()
            })
            .collect()
    };
    let mut reports = Vec::new();
    for spec in &specs {
        let r = lacuna::pipeline::harvest::harvest(&mut review, &client, spec, bars)?;
        if !a.json {
            print_report(&mut *out, &r)?;
        }
        reports.push(r);
    }
    if !a.dry_run && !a.no_dedup {
        report_dedup(bars, &a.dir, &lacuna::pipeline::dedup(&mut review, bars)?);
    }
    if a.json {
        serde_json::to_writer_pretty(&mut *out, &reports)?;
        writeln!(out)?;
    }
    Ok(())
}

fn print_report(out: &mut dyn Write, r: &HarvestReport) -> std::io::Result<()> {
    writeln!(out, "query {}: {}", r.name, r.term)?;
    if let Some(t) = &r.translation {
        writeln!(out, "  PubMed reads it as: {t}")?;
    }
    if let Some(w) = &r.window_from {
        writeln!(out, "  window: created or revised since {w}")?;
    }
    if r.dry_run {
        writeln!(
            out,
            "  {} records match; {} would be fetched (dry run: nothing stored)",
            r.count, r.planned
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "  {} matched, {} fetched{}: {} new, {} changed, {} unchanged, {} deleted by PubMed, {} not returned",
        r.count,
        r.planned,
        if r.resumed { " (resumed)" } else { "" },
        r.new,
        r.changed,
        r.unchanged,
        r.deleted,
        r.missing
    )?;
    writeln!(
        out,
        "  {} requests ({} retries, {} rate-limited)",
        r.http.requests, r.http.retries, r.http.rate_limited
    )?;
    Ok(())
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
            return Err(lacuna::Error::Usage("give two record keys".into()).into());
        };
        let was_current = lacuna::store::index::is_current(&review)?;
        let merged = review.decide_pair(x, y, a.same.is_some(), &a.reviewer)?;
        let ids: Vec<i64> = merged.into_iter().collect();
        lacuna::pipeline::drop_from_index(&review, was_current, &ids, bars)?;
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
                a.dir.display(),
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
                format!(" (see `lacuna dedup {} --review`)", a.dir.display())
            } else {
                String::new()
            }
        )?;
        writeln!(out, "duplicates removed so far (PRISMA): {removed}")?;
    }
    Ok(())
}

/// Export formats.
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
    let keep = if a.included { review.included()? } else { None };
    let mut csv_w =
        matches!(a.format, ExportFormat::Csv).then(|| csv::Writer::from_writer(Vec::new()));
    if let Some(w) = csv_w.as_mut() {
        w.write_record([
            "pmid", "doi", "title", "abstract", "year", "journal", "authors", "keywords",
        ])?;
    }
    let mut err: Option<anyhow::Error> = None;
    review.for_each_current(|id, rec| {
        if keep.as_ref().is_some_and(|k| !k.contains(&id)) || err.is_some() {
            return Ok(());
        }
        let r = match a.format {
            ExportFormat::Jsonl => writeln!(
                out,
                "{}",
                lacuna::parse::jsonl::to_line(&lacuna::model::Item::Record(Box::new(rec)))
            )
            .map_err(anyhow::Error::from),
            ExportFormat::Ris => out
                .write_all(lacuna::report::ris(&rec).as_bytes())
                .map_err(anyhow::Error::from),
            ExportFormat::Csv => match csv_w.as_mut() {
                Some(w) => w
                    .write_record([
                        rec.pmid.map(|p| p.to_string()).unwrap_or_default(),
                        rec.doi.as_ref().map(|d| d.to_string()).unwrap_or_default(),
                        rec.title.clone(),
                        rec.abstract_text.clone().unwrap_or_default(),
                        rec.year.map(|y| y.to_string()).unwrap_or_default(),
                        rec.journal.clone().unwrap_or_default(),
                        rec.authors.join("; "),
                        rec.keywords.join("; "),
                    ])
                    .map_err(anyhow::Error::from),
                None => Ok(()),
            },
        };
        if let Err(e) = r {
            err = Some(e);
        }
        Ok(())
    })?;
    if let Some(w) = csv_w {
        if err.is_none() {
            if let Err(e) = w
                .into_inner()
                .map_err(|e| anyhow::anyhow!("{e}"))
                .and_then(|b| out.write_all(&b).map_err(anyhow::Error::from))
            {
                err = Some(e);
            }
        }
    }
    match err {
        // `lacuna export DIR | head` is not a failure.
        Some(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        Some(e) => Err(e),
        None => Ok(()),
    }
}
