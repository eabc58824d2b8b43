//! `lacuna rob`: write the risk-of-bias sheet, import a filled one, or list
//! the judgements that count.

use super::Bars;
use clap::Args;
use lacuna::model::rob::Tool;
use lacuna::pipeline::certainty;
use lacuna::pipeline::load_protocol;
use lacuna::progress::Reporter;
use lacuna::store::Review;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `lacuna rob`.
#[derive(Debug, Args)]
pub struct RobArgs {
    /// The review folder.
    dir: PathBuf,
    /// Write an empty sheet (robvis's columns, one row per included study) to stdout.
    #[arg(long, conflicts_with = "import")]
    template: bool,
    /// A filled sheet (CSV) to store: every row is checked, nothing is stored if any is wrong.
    #[arg(long, value_name = "FILE.csv")]
    import: Option<PathBuf>,
    /// The tool of the sheet: rob2 (randomised trials: D1-D5) or robins-i (D1-D7).
    #[arg(long, default_value = "rob2", value_parser = parse_tool)]
    tool: Tool,
    /// Who judged (kept with each judgement).
    #[arg(long, requires = "import")]
    reviewer: Option<String>,
    /// The protocol, if not the review's protocol.toml.
    #[arg(long)]
    protocol: Option<PathBuf>,
    /// Print as JSON.
    #[arg(long)]
    json: bool,
}

fn parse_tool(s: &str) -> Result<Tool, String> {
    Tool::parse(s).ok_or_else(|| format!("{s:?} is not a risk-of-bias tool (rob2, robins-i)"))
}

/// `lacuna rob`.
pub fn rob(out: &mut dyn Write, bars: &Bars, a: RobArgs) -> anyhow::Result<()> {
    let mut review = Review::open(&a.dir)?;
    let protocol = load_protocol(&a.dir, a.protocol.as_deref())?;
    if a.template {
        let sheet = certainty::rob_template(&review, &protocol, a.tool)?;
        out.write_all(sheet.as_bytes())?;
        return Ok(());
    }
    if let Some(file) = &a.import {
        let reviewer = a.reviewer.clone().unwrap_or_default();
        let r = certainty::rob_import(&mut review, &protocol, a.tool, file, &reviewer)?;
        if a.json {
            serde_json::to_writer_pretty(&mut *out, &r)?;
            writeln!(out)?;
        }
        bars.message(&format!(
            "{} {} judgement(s) stored from {} ({} naming a study of the review)",
            r.stored,
            r.tool.as_str(),
            file.display(),
            r.matched
        ));
        if !r.unmatched.is_empty() {
            bars.message(&format!(
                "{} name(s) match no study of the review yet (kept; they count once such a study is included): {}",
                r.unmatched.len(),
                r.unmatched.join("; ")
            ));
        }
        return Ok(());
    }
    let list = certainty::rob_list(&review)?;
    if a.json {
        serde_json::to_writer_pretty(&mut *out, &list)?;
        writeln!(out)?;
        return Ok(());
    }
    if list.is_empty() {
        bars.message(&format!(
            "no risk-of-bias judgement yet: `lacuna rob {} --template > rob.csv`, fill it, then `lacuna rob {} --import rob.csv --reviewer NAME`",
            super::shell(&a.dir),
            super::shell(&a.dir)
        ));
    }
    for j in &list {
        let domains: Vec<&str> = j.row.domains.iter().map(|d| d.label()).collect();
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{} ({}, {})",
            j.row.study,
            j.row.outcome.as_deref().unwrap_or("all outcomes"),
            j.row.overall.label(),
            domains.join(" | "),
            j.tool.as_str(),
            j.reviewer,
            j.at
        )?;
    }
    Ok(())
}

/// Arguments of `lacuna certainty`.
#[derive(Debug, Args)]
pub struct CertaintyArgs {
    /// The review folder.
    dir: PathBuf,
    /// Read this version as it was frozen (default: the review as it is now).
    #[arg(long, conflicts_with = "set")]
    snapshot: Option<i64>,
    /// Judge one domain of a cell yourself: INTERVENTION:OUTCOME[:MEASURE] (protocol ids),
    /// with --domain, --down, --reason and --reviewer. Kept with who, when and why; it
    /// supersedes the rule (and an earlier judgement) and survives re-pooling and updates.
    #[arg(long, value_name = "CELL", requires_all = ["domain", "down", "reason", "reviewer"])]
    set: Option<String>,
    /// The domain judged: risk_of_bias, inconsistency, imprecision, publication_bias, indirectness.
    #[arg(long, requires = "set")]
    domain: Option<String>,
    /// Levels down: 0, 1 or 2.
    #[arg(long, requires = "set")]
    down: Option<u8>,
    /// Why.
    #[arg(long, requires = "set")]
    reason: Option<String>,
    /// Who judged.
    #[arg(long, requires = "set")]
    reviewer: Option<String>,
    /// The protocol, if not the review's protocol.toml.
    #[arg(long)]
    protocol: Option<PathBuf>,
    /// Print as JSON.
    #[arg(long)]
    json: bool,
}

/// `lacuna certainty`: GRADE per pooled cell, with the reasons.
pub fn certainty(out: &mut dyn Write, bars: &Bars, a: CertaintyArgs) -> anyhow::Result<()> {
    let mut review = Review::open(&a.dir)?;
    let protocol = load_protocol(&a.dir, a.protocol.as_deref())?;
    if let Some(cell) = &a.set {
        let s = certainty::SetDomain {
            cell: cell.clone(),
            domain: a.domain.clone().unwrap_or_default(),
            down: a.down.unwrap_or(0),
            reason: a.reason.clone().unwrap_or_default(),
            reviewer: a.reviewer.clone().unwrap_or_default(),
        };
        let pooled = certainty::set_domain(&mut review, &protocol, &s)?;
        if !pooled {
            bars.message(&format!(
                "note: the review pools no {cell} now; the judgement is kept for when it does (`lacuna certainty {}` lists the pooled cells)",
                super::shell(&a.dir)
            ));
        }
        bars.message(&format!(
            "kept: {} of {cell} down {} ({}); it counts from the next `lacuna snapshot` on, and now in `lacuna certainty {}`",
            s.domain,
            s.down,
            s.reviewer,
            super::shell(&a.dir)
        ));
        return Ok(());
    }
    let v = certainty::certainty(&review, &protocol, a.snapshot)?;
    for n in &v.notes {
        bars.message(&format!("note: {n}"));
    }
    if a.json {
        serde_json::to_writer_pretty(&mut *out, &v)?;
        writeln!(out)?;
        return Ok(());
    }
    if v.cells.is_empty() {
        bars.message("no pooled cell: certainty is rated where studies are pooled");
    }
    let label = |id: &str| v.labels.get(id).map_or(id, String::as_str).to_string();
    for c in &v.cells {
        let r = &c.rating;
        writeln!(
            out,
            "{} {} — {} × {} ({}, k = {}, {:.2} [{:.2}, {:.2}])",
            r.rating.symbols(),
            r.rating.label(),
            label(&c.intervention),
            label(&c.outcome),
            c.measure,
            c.k,
            c.estimate,
            c.ci_lb,
            c.ci_ub
        )?;
        for d in certainty::Domain::ALL {
            let x = r.domains.get(d);
            writeln!(
                out,
                "    {:<17} {}{}: {}",
                d.as_str().replace('_', " "),
                if x.down == 0 {
                    "0".to_string()
                } else {
                    format!("−{}", x.down)
                },
                x.by.as_deref()
                    .map(|b| format!(" (by {b}; the rule says {})", x.rule_down))
                    .unwrap_or_default(),
                x.reason
            )?;
        }
    }
    Ok(())
}
