//! The evidence verbs: `lacuna protocol`, `code`, `extract` and `map`. Each
//! reads its arguments, calls one function of `lacuna::pipeline::evidence`
//! (coding, people's edits, effect rows, the map) and prints.

use super::Bars;
use clap::Args;
use lacuna::gapmap::Filter;
use lacuna::pipeline::evidence::{self, CodeEdits};
use lacuna::pipeline::{folder, load_protocol};
use lacuna::progress::Reporter;
use lacuna::protocol::{self, DimensionKind};
use lacuna::store::Review;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `lacuna protocol`.
#[derive(Debug, Args)]
pub struct ProtocolArgs {
    /// The protocol file.
    file: PathBuf,
}

/// Arguments of `lacuna code`.
#[derive(Debug, Args)]
pub struct CodeArgs {
    /// The review folder.
    dir: PathBuf,
    /// The protocol (TOML). Kept in the review as protocol.toml for later runs.
    #[arg(long)]
    protocol: Option<PathBuf>,
    /// Show records with their codes and the rule and text that fired each.
    #[arg(long)]
    review: bool,
    /// With --review: list the included studies that are not on the map's
    /// grid (no intervention or no outcome code), why, and the rule that
    /// came nearest.
    #[arg(long, requires = "review", conflicts_with = "record")]
    unmapped: bool,
    /// Only this record (PMID, DOI or key) for --review or edits.
    #[arg(long)]
    record: Option<String>,
    /// Add a code the coder missed: DIMENSION:CATEGORY, e.g. intervention:peer (repeatable).
    #[arg(long, value_name = "DIM:CAT")]
    add: Vec<String>,
    /// Remove a wrong code: DIMENSION:CATEGORY (repeatable).
    #[arg(long, value_name = "DIM:CAT")]
    remove: Vec<String>,
    /// Confirm a code: DIMENSION:CATEGORY (repeatable).
    #[arg(long, value_name = "DIM:CAT")]
    confirm: Vec<String>,
    /// Link the record to a study label (papers of one trial count once on the map).
    #[arg(long)]
    study: Option<String>,
    /// Who makes the edits (required with edits).
    #[arg(long)]
    reviewer: Option<String>,
    /// Why (kept with each edit).
    #[arg(long)]
    note: Option<String>,
    /// Print as JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// Arguments of `lacuna extract`.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// The review folder.
    dir: PathBuf,
    /// A CSV of effect-size rows to attach (see --template for the columns).
    #[arg(long, conflicts_with = "template")]
    import: Option<PathBuf>,
    /// Write an empty sheet with the right columns to stdout.
    #[arg(long)]
    template: bool,
    /// The protocol, if not the review's protocol.toml.
    #[arg(long)]
    protocol: Option<PathBuf>,
}

/// Arguments of `lacuna map`.
#[derive(Debug, Args)]
pub struct MapArgs {
    /// The review folder.
    dir: PathBuf,
    /// Folder for gapmap.html, gapmap.svg, gapmap-cells.csv and gapmap.json (default DIR/reports).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Count only studies of this population subgroup (SVG, CSV, JSON; the page has its own filter).
    #[arg(long)]
    population: Option<String>,
    /// Count only studies of this design.
    #[arg(long)]
    design: Option<String>,
    /// The protocol, if not the review's protocol.toml.
    #[arg(long)]
    protocol: Option<PathBuf>,
    /// Print the map (cells, studies, gaps) as JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// `lacuna protocol FILE`.
pub fn protocol(out: &mut dyn Write, a: ProtocolArgs) -> anyhow::Result<()> {
    let file = &a.file;
    let p = protocol::load(file).map_err(lacuna::Error::from)?;
    writeln!(
        out,
        "{}: valid protocol {:?} version {}",
        file.display(),
        p.id,
        p.version
    )?;
    for d in DimensionKind::ALL {
        writeln!(out, "  {} {} categories", p.frame.of(d).count(), d.as_str())?;
    }
    writeln!(
        out,
        "  {} rules; {} PubMed search strings; {} exclusion reasons",
        evidence::rule_count(&p),
        p.searches.len(),
        p.exclusion_reasons.len()
    )?;
    let test = match p.synthesis.test {
        lacuna::meta::Test::Z => "Wald (normal)",
        lacuna::meta::Test::T => "t",
        lacuna::meta::Test::Knha => "Knapp–Hartung",
        lacuna::meta::Test::Adhoc => "Knapp–Hartung (ad hoc)",
    };
    writeln!(out, "  synthesis: {:?} with {test} intervals; pooled from k >= {}, prediction interval from k >= {}", p.synthesis.method, p.synthesis.min_k_pool, p.synthesis.pi_min_k)?;
    for (outcome, (left, right)) in &p.favours {
        writeln!(
            out,
            "  forest plots of {outcome}: left favours {left}, right favours {right}"
        )?;
    }
    let triggers: Vec<String> = p
        .living
        .triggers
        .iter()
        .map(|t| match t {
            lacuna::protocol::Trigger::NewStudyWeightShare { threshold } => {
                format!("{} ({:.0} %)", t.kind(), threshold * 100.0)
            }
            _ => t.kind().to_string(),
        })
        .collect();
    writeln!(
        out,
        "  living: material changes are {}; retracted studies {} pooling",
        triggers.join(", "),
        if p.living.keep_retracted {
            "stay in"
        } else {
            "are left out of"
        }
    )?;
    Ok(())
}

/// `lacuna code`.
pub fn code(out: &mut dyn Write, bars: &Bars, a: CodeArgs) -> anyhow::Result<()> {
    let mut review = Review::open(&a.dir)?;
    let p = load_protocol(&a.dir, a.protocol.as_deref())?;
    let edits = CodeEdits {
        add: a.add,
        remove: a.remove,
        confirm: a.confirm,
        study: a.study,
        note: a.note,
    };
    if !edits.is_empty() {
        let key = a.record.as_deref().ok_or_else(|| {
            lacuna::Error::NotReady("edits need --record KEY (a PMID, DOI or record key)".into())
        })?;
        let reviewer = a.reviewer.as_deref().unwrap_or("");
        evidence::edit_codes(&mut review, &p, key, &edits, reviewer)?;
        bars.message(&format!("edits to {key} recorded by {reviewer}"));
    }
    if a.review && a.unmapped {
        let list = evidence::unmapped(&review, &p)?;
        if a.json {
            serde_json::to_writer_pretty(&mut *out, &list)?;
            writeln!(out)?;
        } else {
            print_unmapped(out, &list)?;
        }
        return Ok(());
    }
    if a.review {
        let shown = evidence::code_review(&review, a.record.as_deref())?;
        if a.json {
            // keys in alphabetical order, as ever
            serde_json::to_writer_pretty(&mut *out, &serde_json::to_value(&shown)?)?;
            writeln!(out)?;
        } else {
            for b in &shown {
                print_coded(out, b)?;
            }
        }
        return Ok(());
    }
    if !edits.is_empty() {
        return Ok(());
    }
    if let Some(given) = &a.protocol {
        folder::keep_protocol(&a.dir, given)?;
    }
    let s = evidence::code(&mut review, &p, bars)?;
    if a.json {
        serde_json::to_writer_pretty(&mut *out, &s)?;
        writeln!(out)?;
    } else {
        let scope = if s.all_records {
            " (no screening decisions yet: all records)"
        } else {
            " (included records)"
        };
        writeln!(
            out,
            "coded {} records{scope}; {} with an intervention code; {} ongoing (protocols)",
            s.records, s.with_intervention, s.ongoing
        )?;
        for d in DimensionKind::ALL {
            writeln!(out, "{}:", d.as_str())?;
            for c in p.frame.of(d) {
                let n = s.per_category.get(&c.id).copied().unwrap_or(0);
                writeln!(out, "  {:>5}  {}", n, c.id)?;
            }
        }
        bars.message(&format!(
            "next: lacuna map {} (or review codes with lacuna code {} --review)",
            super::shell(&a.dir),
            super::shell(&a.dir)
        ));
    }
    Ok(())
}

/// The studies off the grid: each with its records, the reason, and per
/// missing dimension why and the rule that came nearest.
fn print_unmapped(out: &mut dyn Write, list: &[evidence::Unmapped]) -> std::io::Result<()> {
    for u in list {
        let name = if u.name.is_empty() { &u.study } else { &u.name };
        writeln!(out, "{name}  ({})", u.records.join(", "))?;
        writeln!(out, "  not on the grid: {}", u.reason_label)?;
        for m in &u.missing {
            writeln!(out, "  {}: {}", m.dimension, m.why.label())?;
            if let Some(n) = &m.nearest {
                writeln!(
                    out,
                    "      nearest: {} {} in {}: {:?} ({})",
                    n.category, n.rule, n.record, n.text, n.reason
                )?;
            }
        }
    }
    let n = list.len();
    writeln!(
        out,
        "{n} included {} not on the grid",
        if n == 1 { "study is" } else { "studies are" }
    )
}

/// One record's codes with the rule and text that fired each.
fn print_coded(out: &mut dyn Write, b: &evidence::CodedBrief) -> std::io::Result<()> {
    let c = &b.coding;
    writeln!(out, "{}  {}", b.record.as_deref().unwrap_or("?"), b.title)?;
    for code in &c.codes {
        writeln!(
            out,
            "  + {}:{}  (score {:.1})",
            code.dimension, code.category, code.score
        )?;
        for e in &code.evidence {
            writeln!(out, "      {} in {}: {:?}", e.rule, e.field, e.text)?;
        }
    }
    for x in &c.excluded_subgroups {
        writeln!(
            out,
            "  x population:{} named only in exclusion criteria",
            x.category
        )?;
    }
    for s in &c.set_aside {
        writeln!(
            out,
            "  - {} not coded from {:?}: {}",
            s.category, s.evidence.text, s.reason
        )?;
    }
    writeln!(out)
}

/// `lacuna extract`.
pub fn extract(out: &mut dyn Write, bars: &Bars, a: ExtractArgs) -> anyhow::Result<()> {
    if a.template {
        writeln!(out, "{}", lacuna::extract::rows::TEMPLATE_COLUMNS.join(","))?;
        return Ok(());
    }
    let file = a.import.ok_or_else(|| {
        lacuna::Error::NotReady("give --import FILE.csv, or --template for an empty sheet".into())
    })?;
    let mut review = Review::open(&a.dir)?;
    let p = load_protocol(&a.dir, a.protocol.as_deref())?;
    let n = evidence::extract_import(&mut review, &p, &file)?;
    bars.message(&format!(
        "{n} effect-size row(s) attached from {}; next: lacuna map {}",
        file.display(),
        super::shell(&a.dir)
    ));
    Ok(())
}

/// `lacuna map`.
pub fn map(out: &mut dyn Write, bars: &Bars, a: MapArgs) -> anyhow::Result<()> {
    let review = Review::open(&a.dir)?;
    let p = load_protocol(&a.dir, a.protocol.as_deref())?;
    let filter = Filter {
        population: a.population.clone(),
        design: a.design.clone(),
    };
    let dir = a.out.unwrap_or_else(|| folder::reports_dir(&a.dir));
    let drawn = evidence::draw_map(&review, &p, filter, &dir)?;
    for n in &drawn.notes {
        bars.message(&format!("note: {n}"));
    }
    let m = &drawn.map;
    if a.json {
        serde_json::to_writer_pretty(&mut *out, m)?;
        writeln!(out)?;
    } else {
        let gaps = m.cells.iter().filter(|c| c.n_studies == 0).count();
        writeln!(
            out,
            "{} studies from {} records; {} of {} cells have no study",
            m.n_studies,
            m.n_records,
            gaps,
            m.cells.len()
        )?;
        let empty_rows: Vec<&str> = m
            .interventions
            .iter()
            .filter(|r| r.n_studies == 0)
            .map(|r| r.id.as_str())
            .collect();
        if !empty_rows.is_empty() {
            writeln!(
                out,
                "interventions with no study: {}",
                empty_rows.join(", ")
            )?;
        }
        let pops: Vec<String> = m
            .populations
            .iter()
            .map(|x| format!("{} {}", x.id, x.n_studies))
            .collect();
        writeln!(out, "studies by population subgroup: {}", pops.join(", "))?;
        if !m.equity.is_empty() {
            let by: Vec<String> = m
                .equity
                .iter()
                .map(|x| format!("{} {}", x.id, x.n_studies))
                .collect();
            writeln!(out, "studies reporting by equity factor: {}", by.join(", "))?;
            let gaps: Vec<&str> = m.equity_gaps.iter().map(|g| g.id.as_str()).collect();
            if !gaps.is_empty() {
                writeln!(
                    out,
                    "equity gaps (no study reports by): {}",
                    gaps.join(", ")
                )?;
            }
        }
        let econ: Vec<&str> = m
            .interventions
            .iter()
            .filter(|r| r.economic_gap)
            .map(|r| r.id.as_str())
            .collect();
        if !econ.is_empty() {
            writeln!(out, "no economic evaluation: {}", econ.join(", "))?;
        }
        let pooled: usize = m.cells.iter().map(|c| c.pooled.len()).sum();
        writeln!(out, "{pooled} pooled result(s)")?;
        writeln!(out, "map written to {} (open it in a browser; also gapmap.svg, gapmap-cells.csv, gapmap.json)", drawn.html.display())?;
    }
    Ok(())
}
