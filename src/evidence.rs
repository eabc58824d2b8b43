//! Command line for the evidence verbs: `protocol`, `decide`, `code`,
//! `extract` and `map`. Each arm turns its arguments into library calls once
//! and prints; the work is in `lacuna::pipeline::evidence`.

use crate::cli::Bars;
use anyhow::Context;
use clap::Args;
use lacuna::gapmap::Filter;
use lacuna::model::Label;
use lacuna::pipeline::evidence as ev;
use lacuna::progress::Reporter;
use lacuna::protocol::{self, DimensionKind, Protocol};
use lacuna::store::log::EditAction;
use lacuna::store::Review;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The protocol a review uses is kept as `protocol.toml` in its folder.
const REVIEW_PROTOCOL: &str = "protocol.toml";

/// Arguments of `lacuna decide`.
#[derive(Debug, Args)]
pub struct DecideArgs {
    /// The review folder.
    dir: PathBuf,
    /// Records: PMIDs, DOIs or record keys.
    keys: Vec<String>,
    /// The label: include, exclude or maybe.
    #[arg(long, short = 'l', value_parser = parse_label)]
    label: Option<Label>,
    /// Exclusion reason id (from the protocol's [screening] exclusion_reasons).
    #[arg(long)]
    reason: Option<String>,
    /// Who decides.
    #[arg(long, default_value = "reviewer")]
    reviewer: String,
    /// Screening stage: title_abstract or full_text.
    #[arg(long, default_value = "title_abstract")]
    stage: String,
    /// A CSV of decisions with columns key,label[,reason] (instead of KEYS and --label).
    #[arg(long)]
    from: Option<PathBuf>,
    /// Record the decision as the resolution of a dual-screening conflict.
    #[arg(long)]
    resolve: bool,
    /// Dual screening: Cohen's κ for each pair of reviewers and the unresolved conflicts.
    #[arg(long, conflicts_with_all = ["keys", "from", "label"])]
    agreement: bool,
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
    /// Who makes the edits.
    #[arg(long, default_value = "reviewer")]
    reviewer: String,
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

fn parse_label(s: &str) -> Result<Label, String> {
    Label::parse(s).ok_or_else(|| format!("unknown label {s:?}: use include, exclude or maybe"))
}

pub(crate) fn load_protocol(dir: &Path, given: Option<&Path>) -> anyhow::Result<Protocol> {
    let path = match given {
        Some(p) => p.to_path_buf(),
        None => {
            let p = dir.join(REVIEW_PROTOCOL);
            if !p.is_file() {
                return Err(lacuna::Error::Usage(format!(
                    "{} has no protocol yet: give one with --protocol FILE (e.g. protocols/complex-emotional-needs.toml)",
                    dir.display()
                ))
                .into());
            }
            p
        }
    };
    Ok(protocol::load(&path).map_err(lacuna::Error::from)?)
}

/// `lacuna protocol FILE`.
pub fn protocol(out: &mut dyn Write, file: &Path) -> anyhow::Result<()> {
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
    let coder = lacuna::code::Coder::new(&p.frame);
    writeln!(
        out,
        "  {} rules; {} PubMed search strings; {} exclusion reasons",
        coder.rule_count(),
        p.searches.len(),
        p.exclusion_reasons.len()
    )?;
    writeln!(out, "  synthesis: {:?} with {:?} intervals; pooled from k >= {}, prediction interval from k >= {}", p.synthesis.method, p.synthesis.test, p.synthesis.min_k_pool, p.synthesis.pi_min_k)?;
    Ok(())
}

/// `lacuna decide`.
pub fn decide(bars: &Bars, a: DecideArgs) -> anyhow::Result<()> {
    let mut review = Review::open(&a.dir)?;
    if a.agreement {
        return agreement(&review, &a.dir);
    }
    let mut todo: Vec<(String, Label, Option<String>)> = Vec::new();
    if let Some(f) = &a.from {
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(f)
            .with_context(|| format!("{}: cannot read", f.display()))?;
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.with_context(|| format!("{}: row {}", f.display(), i + 2))?;
            let key = rec.get(0).unwrap_or("").to_string();
            let label = Label::parse(rec.get(1).unwrap_or("")).ok_or_else(|| {
                lacuna::Error::Usage(format!(
                    "{}: row {}, column label: {:?} is not include, exclude or maybe",
                    f.display(),
                    i + 2,
                    rec.get(1).unwrap_or("")
                ))
            })?;
            let reason = rec.get(2).filter(|r| !r.is_empty()).map(str::to_string);
            todo.push((key, label, reason));
        }
    } else {
        let label = a.label.ok_or_else(|| {
            lacuna::Error::Usage("give --label include|exclude|maybe (or --from FILE.csv)".into())
        })?;
        for k in &a.keys {
            todo.push((k.clone(), label, a.reason.clone()));
        }
    }
    if let Ok(p) = load_protocol(&a.dir, None) {
        for (_, _, r) in &todo {
            if let Some(r) = r {
                if !p.exclusion_reasons.iter().any(|x| &x.id == r) {
                    let ids: Vec<&str> =
                        p.exclusion_reasons.iter().map(|x| x.id.as_str()).collect();
                    return Err(lacuna::Error::Usage(format!(
                        "{r:?} is not an exclusion reason of the protocol ({})",
                        ids.join(", ")
                    ))
                    .into());
                }
            }
        }
    }
    let mut ids = Vec::with_capacity(todo.len());
    for (k, l, r) in todo {
        let id = review
            .resolve(&k)?
            .ok_or_else(|| lacuna::Error::Usage(format!("{k:?} is not a record of this review")))?;
        ids.push((id, l, r));
    }
    for (id, l, r) in &ids {
        let stage = if a.resolve {
            "resolution"
        } else {
            a.stage.as_str()
        };
        review.add_decision(*id, stage, *l, r.as_deref(), &a.reviewer)?;
    }
    bars.message(&format!("{} decision(s) recorded", ids.len()));
    Ok(())
}

fn agreement(review: &Review, dir: &Path) -> anyhow::Result<()> {
    use std::collections::BTreeMap;
    let labels = review.reviewer_labels()?;
    let briefs = review.briefs()?;
    let mut by_record: BTreeMap<i64, Vec<(String, Label, bool)>> = BTreeMap::new();
    for (id, who, l, resolved) in labels {
        by_record.entry(id).or_default().push((who, l, resolved));
    }
    let mut reviewers: Vec<String> = by_record.values().flatten().map(|x| x.0.clone()).collect();
    reviewers.sort();
    reviewers.dedup();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if reviewers.len() < 2 {
        writeln!(
            out,
            "{}: fewer than two reviewers have screened; nothing to compare",
            dir.display()
        )?;
        return Ok(());
    }
    for (i, a) in reviewers.iter().enumerate() {
        for b in reviewers.iter().skip(i + 1) {
            let pairs: Vec<(Label, Label)> = by_record
                .values()
                .filter_map(|v| {
                    let x = v.iter().find(|r| &r.0 == a)?;
                    let y = v.iter().find(|r| &r.0 == b)?;
                    Some((x.1, y.1))
                })
                .collect();
            let agree = pairs.iter().filter(|(x, y)| x == y).count();
            match lacuna::screen::agreement::kappa(&pairs) {
                Some(k) => writeln!(out, "{a} and {b}: {} records screened by both, {agree} agreed, Cohen's kappa {k:.3}", pairs.len())?,
                None => writeln!(out, "{a} and {b}: no record screened by both")?,
            }
        }
    }
    type Votes = Vec<(String, Label, bool)>;
    let conflicts: Vec<(&i64, &Votes)> = by_record
        .iter()
        .filter(|(_, v)| {
            v.len() >= 2
                && v.iter().any(|x| x.1 != v.first().map_or(x.1, |f| f.1))
                && !v.iter().all(|x| x.2)
        })
        .collect();
    writeln!(
        out,
        "{} unresolved conflict(s){}",
        conflicts.len(),
        if conflicts.is_empty() {
            ""
        } else {
            "; resolve with: lacuna decide DIR KEY --label L --resolve --reviewer NAME"
        }
    )?;
    for (id, v) in conflicts {
        let b = briefs.get(id);
        let who: Vec<String> = v
            .iter()
            .map(|x| format!("{} {}", x.0, x.1.as_str()))
            .collect();
        writeln!(
            out,
            "  {}  {}  ({})",
            b.map_or("?", |b| b.key.as_str()),
            b.map_or("", |b| b.title.as_str()),
            who.join(", ")
        )?;
    }
    Ok(())
}

fn parse_code(s: &str, p: &Protocol) -> anyhow::Result<(String, String)> {
    let (d, c) = s.split_once(':').ok_or_else(|| {
        lacuna::Error::Usage(format!(
            "{s:?}: write DIMENSION:CATEGORY, e.g. intervention:peer"
        ))
    })?;
    let dim = DimensionKind::parse(d).ok_or_else(|| {
        lacuna::Error::Usage(format!(
            "{d:?} is not a dimension (intervention, outcome, population, design)"
        ))
    })?;
    if !p.frame.of(dim).any(|x| x.id == c) {
        let ids: Vec<&str> = p.frame.of(dim).map(|x| x.id.as_str()).collect();
        return Err(lacuna::Error::Usage(format!(
            "{c:?} is not one of the {d} ids ({})",
            ids.join(", ")
        ))
        .into());
    }
    Ok((d.to_string(), c.to_string()))
}

/// `lacuna code`.
pub fn code(out: &mut dyn Write, bars: &Bars, a: CodeArgs) -> anyhow::Result<()> {
    let mut review = Review::open(&a.dir)?;
    let p = load_protocol(&a.dir, a.protocol.as_deref())?;
    let edits =
        !(a.add.is_empty() && a.remove.is_empty() && a.confirm.is_empty() && a.study.is_none());
    if edits {
        let key = a.record.as_deref().ok_or_else(|| {
            lacuna::Error::Usage("edits need --record KEY (a PMID, DOI or record key)".into())
        })?;
        let id = review.resolve(key)?.ok_or_else(|| {
            lacuna::Error::Usage(format!("{key:?} is not a record of this review"))
        })?;
        for (list, action) in [
            (&a.add, EditAction::Add),
            (&a.remove, EditAction::Remove),
            (&a.confirm, EditAction::Confirm),
        ] {
            for s in list {
                let (d, c) = parse_code(s, &p)?;
                review.add_code_edit(id, &d, &c, action, &a.reviewer, a.note.as_deref())?;
            }
        }
        if let Some(s) = &a.study {
            review.link_study(id, s, &a.reviewer)?;
        }
        bars.message(&format!("edits to {key} recorded by {}", a.reviewer));
    }
    if a.review {
        let codings = ev::codings(&review)?;
        let briefs = review.briefs()?;
        let only = match &a.record {
            Some(k) => Some(review.resolve(k)?.ok_or_else(|| {
                lacuna::Error::Usage(format!("{k:?} is not a record of this review"))
            })?),
            None => None,
        };
        let shown: Vec<_> = codings
            .iter()
            .filter(|(id, _)| only.is_none_or(|o| o == **id))
            .collect();
        if a.json {
            let v: Vec<serde_json::Value> = shown
                .iter()
                .map(|(id, c)| serde_json::json!({"record": briefs.get(id).map(|b| b.key.clone()), "coding": c}))
                .collect();
            serde_json::to_writer_pretty(&mut *out, &v)?;
            writeln!(out)?;
        } else {
            for (id, c) in shown {
                let b = briefs.get(id);
                writeln!(
                    out,
                    "{}  {}",
                    b.map_or("?", |b| b.key.as_str()),
                    b.map_or("", |b| b.title.as_str())
                )?;
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
                writeln!(out)?;
            }
        }
        return Ok(());
    }
    if edits {
        return Ok(());
    }
    if let Some(given) = &a.protocol {
        let keep = a.dir.join(REVIEW_PROTOCOL);
        if std::fs::canonicalize(given).ok() != std::fs::canonicalize(&keep).ok() {
            std::fs::copy(given, &keep)
                .with_context(|| format!("cannot keep the protocol as {}", keep.display()))?;
        }
    }
    let s = ev::code(&mut review, &p, bars)?;
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
            a.dir.display(),
            a.dir.display()
        ));
    }
    Ok(())
}

/// `lacuna extract`.
pub fn extract(out: &mut dyn Write, bars: &Bars, a: ExtractArgs) -> anyhow::Result<()> {
    if a.template {
        writeln!(out, "{}", lacuna::extract::rows::TEMPLATE_COLUMNS.join(","))?;
        return Ok(());
    }
    let file = a.import.ok_or_else(|| {
        lacuna::Error::Usage("give --import FILE.csv, or --template for an empty sheet".into())
    })?;
    let mut review = Review::open(&a.dir)?;
    let p = load_protocol(&a.dir, a.protocol.as_deref())?;
    let n = ev::extract_import(&mut review, &p, &file)?;
    bars.message(&format!(
        "{n} effect-size row(s) attached from {}; next: lacuna map {}",
        file.display(),
        a.dir.display()
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
    // the filtered map first, so that a wrong filter id is reported before anything else
    let filtered = filter != Filter::default();
    let (m, notes) = ev::map(&review, &p, filter)?;
    let all = if filtered {
        ev::map(&review, &p, Filter::default())?.0
    } else {
        m.clone()
    };
    for n in &notes {
        bars.message(&format!("note: {n}"));
    }
    let dir = a.out.unwrap_or_else(|| a.dir.join("reports"));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let write = |name: &str, text: String| -> anyhow::Result<PathBuf> {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    };
    let html = write("gapmap.html", lacuna::report::gapmap::html(&all))?;
    write("gapmap.svg", lacuna::report::gapmap::svg(&m))?;
    write("gapmap-cells.csv", lacuna::report::gapmap::csv(&m))?;
    write("gapmap.json", serde_json::to_string_pretty(&m)?)?;
    if a.json {
        serde_json::to_writer_pretty(&mut *out, &m)?;
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
        writeln!(out, "map written to {} (open it in a browser; also gapmap.svg, gapmap-cells.csv, gapmap.json)", html.display())?;
    }
    Ok(())
}
