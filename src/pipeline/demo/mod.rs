//! `lacuna demo`: the whole living cycle on the bundled demo corpus,
//! offline. The corpus (two monthly batches grown from the Metapsy
//! borderline-psychotherapy trials, their screening labels and effect
//! sheets) and the protocol are built into the binary, so the demo runs
//! from any folder; they are written into the review's `inputs/` first,
//! and every later command works on the review it leaves. It ends by
//! writing what it wrote ([`MANIFEST`]), so that a later demo replaces the
//! folder only when nobody has worked in it (`folder.rs`).

mod folder;

pub use folder::MANIFEST;

use super::living::{self as living_step, SnapshotOutcome, Source, UpdateOptions};
use crate::error::Error;
use crate::progress::Reporter;
use crate::store::Review;
use std::path::{Path, PathBuf};

/// The demo's inputs: (file name, contents).
const INPUTS: &[(&str, &str)] = &[
    (
        "month-1.jsonl",
        include_str!("../../../corpus/month-1.jsonl"),
    ),
    (
        "month-1-decisions.csv",
        include_str!("../../../corpus/month-1-decisions.csv"),
    ),
    (
        "month-1-effects.csv",
        include_str!("../../../corpus/month-1-effects.csv"),
    ),
    (
        "month-2.jsonl",
        include_str!("../../../corpus/month-2.jsonl"),
    ),
    (
        "month-2-decisions.csv",
        include_str!("../../../corpus/month-2-decisions.csv"),
    ),
    (
        "month-2-effects.csv",
        include_str!("../../../corpus/month-2-effects.csv"),
    ),
    (
        "month-3.jsonl",
        include_str!("../../../corpus/month-3.jsonl"),
    ),
    (
        "month-1-rob.csv",
        include_str!("../../../corpus/month-1-rob.csv"),
    ),
    (
        "month-2-rob.csv",
        include_str!("../../../corpus/month-2-rob.csv"),
    ),
    (
        "complex-emotional-needs.toml",
        include_str!("../../../protocols/complex-emotional-needs.toml"),
    ),
];

/// The database the demo's batches are counted under in the PRISMA flow: the
/// corpus was gathered from PubMed and publishers' pages, and the trials
/// from the Metapsy database.
const DATABASE: &str = "PubMed, publishers' pages and Metapsy (demo corpus)";

/// The demo's one pair of records for one report (the same trial found on a
/// publisher's page and in the Metapsy database): resolved as a reviewer
/// would, keeping the record with its authors.
const SAME_REPORT: (&str, &str) = ("src:metapsy-hilden-2020", "src:cen-demo-018");

/// What the demo did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoReport {
    /// The review folder.
    pub review: PathBuf,
    /// The briefing page.
    pub briefing: PathBuf,
    /// The interactive map.
    pub map: PathBuf,
    /// The diff between the two versions.
    pub diff: crate::living::Diff,
    /// Whether a PDF was printed.
    pub pdf: Option<PathBuf>,
    /// Records of the third month, left unscreened (first in `lacuna screen`).
    pub unscreened: u64,
}

/// Run the demo into `out`. A folder that holds only what an earlier demo
/// wrote is replaced; one that holds anything else (a reviewer, a decision,
/// an import, a file of its own) is refused, naming it, unless `force` and
/// it holds a review (see the `folder` module).
pub fn run(
    out: &Path,
    reporter: &dyn Reporter,
    pdf: bool,
    force: bool,
) -> Result<DemoReport, Error> {
    folder::clear(out, force)?;
    let mut review = Review::init(out)?;
    let inputs = out.join("inputs");
    std::fs::create_dir_all(&inputs).map_err(|e| Error::Write {
        path: inputs.clone(),
        what: "the demo's inputs",
        source: e,
    })?;
    for (name, text) in INPUTS {
        let p = inputs.join(name);
        std::fs::write(&p, text).map_err(|e| Error::Write {
            path: p,
            what: "the demo's inputs",
            source: e,
        })?;
    }
    let input = |n: &str| inputs.join(n);
    super::keep_protocol(out, &input("complex-emotional-needs.toml"))?;
    let protocol = super::load_protocol(out, None)?;

    reporter
        .message("month 1: importing the first batch, replaying its screening, coding, extracting");
    super::import_from(
        &mut review,
        &[input("month-1.jsonl")],
        Some(DATABASE),
        reporter,
    )?;
    super::dedup(&mut review, reporter)?;
    super::records::decide_pair(
        &mut review,
        SAME_REPORT.0,
        SAME_REPORT.1,
        true,
        "demo collector",
        reporter,
    )?;
    decide(&mut review, &input("month-1-decisions.csv"))?;
    super::evidence::code(&mut review, &protocol, reporter)?;
    super::evidence::extract_import(&mut review, &protocol, &input("month-1-effects.csv"))?;
    rob(&mut review, &protocol, &input("month-1-rob.csv"))?;
    snapshot(&mut review, &protocol, "month 1")?;

    reporter.message("month 2: the update brings the next month's records");
    update(&mut review, &protocol, &input("month-2.jsonl"), reporter)?;
    decide(&mut review, &input("month-2-decisions.csv"))?;
    super::evidence::extract_import(&mut review, &protocol, &input("month-2-effects.csv"))?;
    rob(&mut review, &protocol, &input("month-2-rob.csv"))?;
    snapshot(&mut review, &protocol, "month 2")?;
    let diff = living_step::diff(&review, &protocol, None, None)?;

    reporter.message("writing the briefing");
    let reports = super::folder::reports_dir(out).join("v2");
    let opts = super::briefing::ReportOptions {
        pdf,
        ..Default::default()
    };
    let w = super::briefing::report(&mut review, &protocol, &opts, &reports)?;
    if let Some(n) = &w.pdf_note {
        reporter.message(&format!("no PDF: {n}"));
    }

    reporter.message("month 3: the next batch arrives, left for you to screen");
    let next = update(&mut review, &protocol, &input("month-3.jsonl"), reporter)?;
    drop(review);
    folder::record(out)?;
    Ok(DemoReport {
        unscreened: next.new,
        review: out.to_path_buf(),
        map: reports.join("gapmap.html"),
        briefing: w.html,
        diff,
        pdf: w.pdf,
    })
}

/// One month's update from the demo's batch file.
fn update(
    review: &mut Review,
    protocol: &crate::protocol::Protocol,
    batch: &Path,
    reporter: &dyn Reporter,
) -> Result<living_step::UpdateReport, Error> {
    living_step::update(
        review,
        protocol,
        &Source::Files(vec![batch.to_path_buf()]),
        &UpdateOptions {
            database: Some(DATABASE.into()),
            ..UpdateOptions::default()
        },
        reporter,
    )
}

/// The month's RoB 2 judgements (Metapsy's), as a reviewer imports them.
fn rob(
    review: &mut Review,
    protocol: &crate::protocol::Protocol,
    sheet: &Path,
) -> Result<(), Error> {
    let r = super::certainty::rob_import(
        review,
        protocol,
        crate::model::rob::Tool::Rob2,
        sheet,
        "Metapsy (demo)",
    )?;
    if !r.unmatched.is_empty() {
        return Err(Error::NotReady(format!(
            "the demo's risk-of-bias sheet names studies the review does not hold: {}",
            r.unmatched.join("; ")
        )));
    }
    Ok(())
}

fn decide(review: &mut Review, path: &Path) -> Result<(), Error> {
    let todo = super::session::read_decisions(path)?;
    super::session::record_decisions(review, &todo, "demo collector", "title_abstract")?;
    Ok(())
}

fn snapshot(
    review: &mut Review,
    protocol: &crate::protocol::Protocol,
    label: &str,
) -> Result<(), Error> {
    match living_step::snapshot(review, protocol, Some(label))? {
        SnapshotOutcome::Taken(_) => Ok(()),
        SnapshotOutcome::Unchanged(v) => Err(Error::NotReady(format!(
            "the demo's {label} changed nothing since snapshot {v}"
        ))),
    }
}
