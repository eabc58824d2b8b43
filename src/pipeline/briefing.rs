//! `lacuna report` and `lacuna prisma`: gather a snapshot, the diff against
//! an earlier one, the map, one forest plot per pooled cell, the methods'
//! figures and the references, and write the briefing (HTML, Markdown, the
//! figures as SVG, the interactive map, the PRISMA CSV, and a PDF when
//! Chromium is on the machine).

use super::evidence;
use super::living::{self as living_step};
use crate::error::Error;
use crate::gapmap::Filter;
use crate::living::{Prisma, Snapshot};
use crate::protocol::Protocol;
use crate::report::briefing::{self, Briefing, Forest, Methods, Reference};
use crate::store::Review;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What `report` wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Written {
    /// The briefing page.
    pub html: PathBuf,
    /// The Markdown text (figures beside it).
    pub markdown: PathBuf,
    /// The PDF, when Chromium printed one.
    pub pdf: Option<PathBuf>,
    /// Why there is no PDF, when there is none.
    pub pdf_note: Option<String>,
    /// What a person should know about how the briefing was made (a version
    /// from an older Lacuna, a protocol that no longer reads).
    pub notes: Vec<String>,
    /// The version reported and the one it is compared with.
    pub version: i64,
    /// The earlier version.
    pub since: Option<i64>,
    /// Bytes of the HTML page.
    pub html_bytes: u64,
}

/// The snapshot to report: the one asked for, else the latest.
fn pick(review: &Review, version: Option<i64>) -> Result<Snapshot, Error> {
    match version {
        Some(v) => living_step::load(review, v),
        None => {
            let last = review.snapshots()?.last().map(|s| s.id).ok_or_else(|| {
                Error::NotReady(format!(
                    "the review has no snapshot yet: take one with `lacuna snapshot {}`",
                    review.dir().display()
                ))
            })?;
            living_step::load(review, last)
        }
    }
}

/// The PRISMA counts of a snapshot (the latest by default).
pub fn prisma(review: &Review, version: Option<i64>) -> Result<(i64, Prisma), Error> {
    let s = pick(review, version)?;
    Ok((s.version, s.prisma))
}

/// The counts as the PRISMA2020 package's CSV.
pub fn prisma_csv(p: &Prisma) -> String {
    crate::report::prisma::csv(p)
}

/// A forest plot per pooled result, drawn from the rows the snapshot froze
/// (snapshots taken before rows were kept: from the review's effect rows).
fn forests(review: &Review, protocol: &Protocol, s: &Snapshot) -> Result<Vec<Forest>, Error> {
    let frozen = s.pooled.iter().all(|p| !p.rows.is_empty());
    let effects = if frozen {
        Vec::new()
    } else {
        evidence::pooling_effects(review, protocol, review.effects()?)?.0
    };
    let live = (!frozen).then(|| evidence::cell_rows(&effects));
    let opts = evidence::synthesis_options(protocol);
    let name = |id: &str| -> String {
        protocol
            .frame
            .categories
            .iter()
            .find(|c| c.id == id)
            .map_or(id, |c| crate::model::short_label(&c.label))
            .to_string()
    };
    let mut out = Vec::new();
    for p in &s.pooled {
        let Some(measure) = crate::model::Measure::parse(&p.measure) else {
            continue;
        };
        let mut labels = Vec::new();
        let mut es = Vec::new();
        if let Some(cells) = &live {
            let key = (p.intervention.clone(), p.outcome.clone(), p.measure.clone());
            let Some((_, rows)) = cells.get(&key) else {
                continue;
            };
            for (_, e) in rows {
                if let Ok(x) = crate::model::EffectSize::new(e.yi, e.vi) {
                    labels.push(e.study.clone());
                    es.push(x);
                }
            }
        } else {
            for r in &p.rows {
                if let Ok(x) = crate::model::EffectSize::new(r.yi, r.vi) {
                    labels.push(r.study.clone());
                    es.push(x);
                }
            }
        }
        let Ok(report) = crate::meta::analysis::analyse(
            measure,
            &labels,
            &es,
            &opts,
            &crate::meta::analysis::Request::default(),
        ) else {
            continue;
        };
        out.push(Forest {
            intervention: p.intervention.clone(),
            outcome: p.outcome.clone(),
            measure: p.measure.clone(),
            svg: {
                let title = format!("{} × {}", name(&p.intervention), name(&p.outcome));
                let favours = protocol.favours.get(&p.outcome).map_or_else(
                    crate::report::svg::Favours::default,
                    |(l, r)| crate::report::svg::Favours {
                        left: l.clone(),
                        right: r.clone(),
                    },
                );
                // the studies' risk of bias as the version judged them, in
                // columns beside the plot
                let rated = s.certainty.iter().find(|c| {
                    c.intervention == p.intervention
                        && c.outcome == p.outcome
                        && c.measure == p.measure
                });
                let rob: Vec<crate::report::svg::RobColumns> = report
                    .studies
                    .iter()
                    .map(|st| {
                        rated
                            .and_then(|c| c.studies.iter().find(|x| x.study == st.study))
                            .and_then(|x| Some((x.domains.clone(), x.overall?)))
                    })
                    .collect();
                crate::report::svg::forest_with_rob(&report, &title, &favours, &rob)
            },
        });
    }
    Ok(out)
}

/// One reference per report of an included (completed) study, from what the
/// snapshot froze.
fn references(s: &Snapshot) -> Vec<Reference> {
    let mut out = Vec::new();
    for st in s.included.iter().filter(|x| !x.ongoing) {
        for r in &st.reports {
            out.push(Reference {
                study: st.id.clone(),
                study_name: st.name.clone(),
                authors: r.authors.clone(),
                year: r.year,
                title: r.title.clone(),
                journal: r.journal.clone(),
                volume: r.volume.clone(),
                issue: r.issue.clone(),
                pages: r.pages.clone(),
                pmid: r.pmid,
                doi: r.doi.clone(),
                retracted: r.retracted,
            });
        }
    }
    out.sort_by(|a, b| {
        let key = |r: &Reference| {
            if r.study_name.is_empty() {
                r.authors
                    .first()
                    .cloned()
                    .unwrap_or_else(|| r.title.clone())
            } else {
                r.study_name.clone()
            }
        };
        key(a)
            .to_lowercase()
            .cmp(&key(b).to_lowercase())
            .then(a.year.cmp(&b.year))
            .then(a.title.cmp(&b.title))
    });
    out
}

/// References of a snapshot taken before reports kept their details: from
/// the records as they are now.
fn references_now(review: &Review, s: &Snapshot) -> Result<Vec<Reference>, Error> {
    let mut wanted: BTreeMap<String, (String, String, bool)> = BTreeMap::new();
    for st in s.included.iter().filter(|x| !x.ongoing) {
        for r in &st.reports {
            wanted.insert(r.key.clone(), (st.id.clone(), st.name.clone(), r.retracted));
        }
    }
    let mut out = Vec::new();
    review.for_each_current(|_, r| {
        let key = crate::store::key_text(&r.key());
        if let Some((study, name, retracted)) = wanted.get(&key) {
            out.push(Reference {
                study: study.clone(),
                study_name: name.clone(),
                volume: r.volume.clone(),
                issue: r.issue.clone(),
                pages: r.pages.clone(),
                authors: r.authors.clone(),
                year: r.year,
                title: r.title.clone(),
                journal: r.journal.clone(),
                pmid: r.pmid.map(|p| p.get()),
                doi: r.doi.as_ref().map(|d| d.as_str().to_string()),
                retracted: *retracted,
            });
        }
        Ok(())
    })?;
    out.sort_by(|a, b| {
        let first = |r: &Reference| {
            r.authors
                .first()
                .cloned()
                .unwrap_or_else(|| r.title.clone())
        };
        first(a).cmp(&first(b)).then(a.year.cmp(&b.year))
    });
    Ok(out)
}

fn methods(m: &crate::living::Screening) -> Methods {
    Methods {
        screened: m.screened,
        records: m.records,
        reviewers: m.reviewers.clone(),
        recall: (m.recall, m.recall_lower),
        can_stop: m.can_stop,
        to_stop: m.to_stop,
        rules: m.rules,
        code_edits: m.code_edits,
        effect_rows: m.effect_rows,
    }
}

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in [
            "chromium",
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Print the page to PDF with headless Chromium; the reason when it cannot.
fn print_pdf(html: &Path, pdf: &Path) -> Result<(), String> {
    let Some(bin) = chromium() else {
        return Err("no Chromium on this machine: install it (apt-get install chromium) and run `lacuna report` again, or print the HTML page from a browser".into());
    };
    let abs = std::fs::canonicalize(html).map_err(|e| e.to_string())?;
    let profile = std::env::temp_dir().join(format!("lacuna-pdf-{}", std::process::id()));
    let mut child = std::process::Command::new(&bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", abs.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    let start = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed().as_secs() < 60 => {
                std::thread::sleep(std::time::Duration::from_millis(100))
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = std::fs::remove_dir_all(&profile);
                return Err("Chromium took over 60 s to print the PDF".into());
            }
            Err(e) => return Err(e.to_string()),
        }
    };
    let _ = std::fs::remove_dir_all(&profile);
    if status.success() && pdf.is_file() {
        Ok(())
    } else {
        Err(format!("Chromium could not print the PDF ({status})"))
    }
}

pub use crate::report::briefing::PaperSize;

/// What `report` is asked for.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// The snapshot to report (default: the latest).
    pub version: Option<i64>,
    /// The earlier snapshot to compare with (default: the one before).
    pub since: Option<i64>,
    /// Print a PDF when Chromium is on the machine.
    pub pdf: bool,
    /// The paper the print layout is for.
    pub paper: PaperSize,
}

/// Write the briefing for snapshot `opts.version` (default: the latest)
/// against `opts.since` (default: the version before it) into `out`.
pub fn report(
    review: &mut Review,
    protocol: &Protocol,
    opts: &ReportOptions,
    out: &Path,
) -> Result<Written, Error> {
    let (since, pdf) = (opts.since, opts.pdf);
    let s = pick(review, opts.version)?;
    // A version is frozen: its briefing reads what the snapshot stored (the
    // protocol, the map, the pooled rows, the screening figures), never the
    // review as it is now. Snapshots taken before Lacuna kept these fall
    // back on the review as it is (their briefing says so in Methods).
    let mut notes = Vec::new();
    let frozen_protocol = match &s.protocol_text {
        Some(t) => match crate::protocol::parse(
            Path::new(&format!("protocol.toml (as of version {})", s.version)),
            t,
        ) {
            Ok(p) => Some(p),
            // A protocol this Lacuna no longer reads (a check added since):
            // the briefing uses today's protocol for its wording, and says so.
            Err(e) => {
                notes.push(format!(
                    "version {}'s protocol no longer reads ({e}); its wording and search strings come from the protocol given now",
                    s.version
                ));
                None
            }
        },
        None => {
            notes.push(format!(
                "version {} was taken by a Lacuna that did not freeze its protocol, map and screening figures: those parts of the briefing come from the review as it is now",
                s.version
            ));
            None
        }
    };
    let protocol = frozen_protocol.as_ref().unwrap_or(protocol);
    let since = match since {
        Some(m) if m >= s.version => {
            return Err(Error::NotReady(format!(
                "--since {m} is not earlier than the version reported ({})",
                s.version
            )))
        }
        Some(m) => Some(m),
        None => (s.version > 1).then_some(s.version - 1),
    };
    let earlier = since.map(|m| living_step::load(review, m)).transpose()?;
    let diff = match &earlier {
        Some(e) => Some(living_step::diff(
            review,
            protocol,
            Some(e.version),
            Some(s.version),
        )?),
        None => None,
    };
    let history: Vec<Snapshot> = living_step::history(review)?
        .into_iter()
        .filter(|h| h.version <= s.version)
        .collect();
    let map = match &s.map {
        Some(m) => m.clone(),
        None => {
            if s.protocol_text.is_some() {
                notes.push(format!(
                    "version {}'s frozen map could not be read by this Lacuna: the map comes from the review as it is now",
                    s.version
                ));
            }
            evidence::map(review, protocol, Filter::default())?.0
        }
    };
    let fail = |path: &Path, source: std::io::Error| Error::Write {
        path: path.to_path_buf(),
        what: "the briefing",
        source,
    };
    std::fs::create_dir_all(out).map_err(|e| fail(out, e))?;
    let write = |name: &str, text: &str| -> Result<PathBuf, Error> {
        let path = out.join(name);
        super::folder::write_atomic(&path, text.as_bytes()).map_err(|e| fail(&path, e))?;
        Ok(path)
    };
    write("gapmap.html", &crate::report::gapmap::html(&map))?;
    // the whole map in one figure, beside the parts the briefing prints
    write("gapmap.svg", &crate::report::gapmap::svg(&map))?;
    write("prisma.csv", &crate::report::prisma::csv(&s.prisma))?;
    let references = if s.format >= 2 {
        references(&s)
    } else {
        references_now(review, &s)?
    };
    let methods = match &s.screening {
        Some(m) => methods(m),
        None => methods(&super::version::screening(review, protocol)?),
    };
    let b = Briefing {
        snapshot: &s,
        since: earlier.as_ref().zip(diff.as_ref()),
        history: &history,
        map: &map,
        protocol,
        forests: forests(review, protocol, &s)?,
        references,
        methods,
        map_page: "gapmap.html",
        prisma_csv: "prisma.csv",
        paper: opts.paper,
        off_grid: crate::gapmap::off_grid(&map)
            .into_iter()
            .filter_map(|o| {
                let st = map.studies.get(o.study)?;
                Some(crate::report::briefing::OffGrid {
                    study: if st.name.is_empty() {
                        st.id.clone()
                    } else {
                        st.name.clone()
                    },
                    reason: o.reason,
                    detail: crate::gapmap::missing_words(&map, st),
                })
            })
            .collect(),
        pairs_awaiting: s.prisma.pairs_awaiting as usize,
    };
    let r = briefing::render(&b);
    let html = write("briefing.html", &r.html)?;
    let markdown = write("briefing.md", &r.markdown)?;
    for (name, svg) in &r.figures {
        write(name, svg)?;
    }
    let (pdf_path, pdf_note) = if pdf {
        let p = out.join("briefing.pdf");
        // Printed beside it, then renamed: a failed print leaves the last good PDF.
        let tmp = out.join(format!(".briefing.pdf.{}.tmp", std::process::id()));
        match print_pdf(&html, &tmp)
            .and_then(|()| std::fs::rename(&tmp, &p).map_err(|e| format!("{}: {e}", p.display())))
        {
            Ok(()) => (Some(p), None),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                (None, Some(e))
            }
        }
    } else {
        (None, Some("not asked for (--no-pdf)".into()))
    };
    Ok(Written {
        html_bytes: r.html.len() as u64,
        html,
        markdown,
        pdf: pdf_path,
        pdf_note,
        notes,
        version: s.version,
        since,
    })
}
