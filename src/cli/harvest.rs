//! `lacuna harvest`: PubMed through the E-utilities. The flags become the
//! client's `Config` and a `HarvestSpec` once; the queries to run come from
//! `pipeline::harvest::specs`, and each is run by `pipeline::harvest`.

use super::records::report_dedup;
use super::Bars;
use clap::Args;
use lacuna::harvest::{Client, Config};
use lacuna::pipeline::harvest::{self, HarvestReport, HarvestSpec};
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
    /// Days of overlap for --since-last (records are dated late in PubMed).
    #[arg(long, default_value_t = 7)]
    overlap_days: u64,
    #[command(flatten)]
    eutils: EutilsArgs,
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

/// How to reach the E-utilities (shared by `harvest` and `update`).
#[derive(Debug, Args)]
pub struct EutilsArgs {
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
    /// Seconds before a request times out (then it is retried).
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    /// First backoff between retries, in milliseconds (doubled each time, with jitter).
    #[arg(long, default_value_t = 1000)]
    backoff_ms: u64,
    /// Retries of a failing request.
    #[arg(long, default_value_t = 6)]
    retries: u32,
}

impl EutilsArgs {
    /// The client these flags and the protocol's `[search]` identity describe.
    pub fn client(&self, protocol: Option<&lacuna::protocol::Protocol>) -> anyhow::Result<Client> {
        let a = self;
        let ident = protocol.map(|p| p.eutils.clone()).unwrap_or_default();
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
        Ok(Client::new(Config {
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
        .map_err(lacuna::Error::from)?)
    }
}

/// `lacuna harvest`.
pub fn harvest(out: &mut dyn Write, bars: &Bars, a: HarvestArgs) -> anyhow::Result<()> {
    let mut review = Review::open(&a.dir)?;
    // The protocol, when there is one: queries and NCBI identity.
    let protocol = lacuna::pipeline::find_protocol(&a.dir, a.protocol.as_deref())?;
    let client = a.eutils.client(protocol.as_ref())?;
    let base = HarvestSpec {
        since_last: a.since_last,
        resume: a.resume,
        max: a.max,
        dry_run: a.dry_run,
        overlap_days: a.overlap_days,
        ..HarvestSpec::default()
    };
    let specs = harvest::specs(
        &a.dir,
        protocol.as_ref(),
        &a.queries,
        a.term.as_deref(),
        &base,
    )?;
    let mut reports = Vec::new();
    for spec in &specs {
        let r = harvest::harvest(&mut review, &client, spec, bars).map_err(|e| {
            let hint = match &e {
                lacuna::Error::Harvest(lacuna::harvest::HarvestError::GaveUp { .. }) => format!(
                    "the harvest stopped (what was stored is whole); check the network (or --eutils-url), then run `lacuna harvest {} --resume` to carry on where it stopped",
                    super::shell(&a.dir)
                ),
                lacuna::Error::Harvest(lacuna::harvest::HarvestError::Unreachable { .. }) => {
                    "PubMed cannot be reached, so nothing was harvested; run the same command again once the machine is online".to_string()
                }
                _ => return anyhow::Error::from(e),
            };
            anyhow::Error::from(e).context(hint)
        })?;
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
