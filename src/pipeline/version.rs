//! What a version of the living review holds, assembled from the store: the
//! included studies with their names and references, the PRISMA 2020 flow
//! of the version (what it brought, and what was still awaiting screening
//! from the version before), every pooled result with its rows, weights and
//! cumulative meta-analysis, the screening figures, and, frozen for the
//! version's briefing, the map and the protocol's text.
//!
//! `pipeline::living` decides when a version is taken and stores it; this
//! file only reads the store and fills a [`Snapshot`].

use super::evidence;
use crate::error::Error;
use crate::gapmap::{Filter, Map};
use crate::living::{
    CellState, DatabaseCount, IncludedStudy, Marks, Prisma, ReasonCount, Report, Screening,
    SearchRun, Snapshot, SNAPSHOT_FORMAT,
};
use crate::model::pooled::Pooled;
use crate::model::Label;
use crate::protocol::Protocol;
use crate::store::living::StoreMarks;
use crate::store::Review;
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn build(
    review: &Review,
    protocol: &Protocol,
    version: i64,
    label: Option<&str>,
    previous: Option<&Snapshot>,
) -> Result<Snapshot, Error> {
    let marks = review.marks()?;
    let (map, included, pooled) = if review.has_coding()? {
        let (map, _) = evidence::map(review, protocol, Filter::default())?;
        let included = included_studies(review, &map)?;
        let pooled = pooled_results(&map);
        (Some(map), included, pooled)
    } else {
        (None, Vec::new(), Vec::new())
    };
    let cells = map
        .as_ref()
        .map(|m| {
            m.cells
                .iter()
                .map(|c| CellState {
                    intervention: c.intervention.clone(),
                    outcome: c.outcome.clone(),
                    n_studies: c.n_studies,
                    n_reviews: c.n_reviews,
                    n_ongoing: c.n_ongoing,
                    gaps: c.gaps.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let prisma = prisma(review, &included, previous)?;
    let searches = review
        .search_log()?
        .into_iter()
        .map(|(database, name, window_from, at)| SearchRun {
            database,
            name,
            window_from,
            at,
        })
        .collect();
    let mut snap = Snapshot {
        format: SNAPSHOT_FORMAT,
        version,
        label: label.map(str::to_string),
        created_at: super::living::now_utc(),
        lacuna_version: env!("CARGO_PKG_VERSION").into(),
        protocol_id: protocol.id.clone(),
        protocol_version: protocol.version.clone(),
        protocol_hash: format!("{:016x}", protocol.hash),
        searches,
        prisma,
        included,
        cells,
        pooled,
        marks: Marks {
            source: marks.source,
            record: marks.record,
            decision: marks.decision,
        },
        map,
        screening: Some(screening(review, protocol)?),
        protocol_text: Some(protocol.text.clone()),
        certainty: Vec::new(),
    };
    // Certainty from the version's own rows and the judgements as they stand.
    snap.certainty = super::certainty::rate_version(
        &snap,
        protocol,
        &review.rob_judgements()?,
        &review.certainty_overrides()?,
    );
    super::certainty::attach_to_snapshot(&mut snap);
    Ok(snap)
}

/// The screening figures of the review as it stands (the Methods of a
/// version's briefing).
pub fn screening(review: &Review, protocol: &Protocol) -> Result<Screening, Error> {
    let seq = review.decision_sequence()?;
    let mut seen = Vec::new();
    for (_, l) in &seq {
        match l {
            Label::Include => seen.push(true),
            Label::Exclude => seen.push(false),
            Label::Maybe => {}
        }
    }
    let records = review.count_current()? as usize;
    let alpha = 0.05;
    let (lower, point) = crate::screen::stop::recall_estimate(&seen, records, alpha, 100);
    let reviewers: BTreeSet<String> = review
        .reviewer_labels()?
        .into_iter()
        .map(|(_, who, _, _)| who)
        .collect();
    Ok(Screening {
        screened: seen.len(),
        records,
        reviewers: reviewers.into_iter().collect(),
        recall: point,
        recall_lower: lower,
        // never with no relevant record found (recall is then 0/0)
        can_stop: seen.contains(&true)
            && crate::screen::stop::buscar_stops(&seen, records, 0.95, alpha),
        to_stop: crate::screen::stop::more_to_stop(&seen, records, 0.95, alpha),
        rules: evidence::rule_count(protocol),
        code_edits: review.code_edits()?.len(),
        effect_rows: review.effects()?.len(),
    })
}

/// The included studies, each report with what its reference lists
/// (authors, journal, volume, issue, pages, DOI), read from the records.
fn included_studies(review: &Review, map: &Map) -> Result<Vec<IncludedStudy>, Error> {
    let wanted: BTreeSet<&str> = map
        .studies
        .iter()
        .flat_map(|s| s.papers.iter().map(|p| p.key.as_str()))
        .collect();
    let mut details: BTreeMap<String, Report> = BTreeMap::new();
    review.for_each_current(|_, r| {
        let key = crate::store::key_text(&r.key());
        if wanted.contains(key.as_str()) {
            details.insert(
                key.clone(),
                Report {
                    key,
                    authors: r.authors.clone(),
                    journal: r.journal.clone().or_else(|| r.book_title.clone()),
                    volume: r.volume.clone(),
                    issue: r.issue.clone(),
                    pages: r.pages.clone(),
                    doi: r.doi.as_ref().map(|d| d.as_str().to_string()),
                    ..Default::default()
                },
            );
        }
        Ok(())
    })?;
    Ok(map
        .studies
        .iter()
        .map(|s| IncludedStudy {
            id: s.id.clone(),
            name: s.name.clone(),
            reports: s
                .papers
                .iter()
                .map(|p| {
                    let d = details.remove(&p.key).unwrap_or_default();
                    Report {
                        key: p.key.clone(),
                        pmid: p.pmid,
                        title: p.title.clone(),
                        year: p.year,
                        retracted: p.retracted,
                        ..d
                    }
                })
                .collect(),
            interventions: s.interventions.clone(),
            outcomes: s.outcomes.clone(),
            designs: s.designs.clone(),
            ongoing: s.status == crate::model::coding::Status::Ongoing,
        })
        .collect())
}

/// The PRISMA 2020 counts of a version. The first version uses the
/// new-review template (everything is new); from the second on, the
/// updated-review template: the identification and screening boxes count
/// only this version's flow (the searches and imports after the previous
/// version, the records they stored, and earlier records still awaiting
/// screening then), `previous_*` are the previous version's totals, and
/// previous − withdrawn + new = total.
fn prisma(
    review: &Review,
    included: &[IncludedStudy],
    previous: Option<&Snapshot>,
) -> Result<Prisma, Error> {
    let since = match previous {
        // Snapshots taken before they kept their marks: read them back.
        Some(p) if p.marks == Marks::default() => {
            review.marks_of_snapshot(p.version, &p.created_at)?
        }
        Some(p) => StoreMarks {
            source: p.marks.source,
            record: p.marks.record,
            decision: p.marks.decision,
        },
        None => StoreMarks::default(),
    };
    let f = review.flow_counts(since)?;
    let flow = review.flow_keys(since)?;
    let database_results: u64 = f.per_database.iter().map(|(_, n)| n).sum();
    let done: Vec<&IncludedStudy> = included.iter().filter(|s| !s.ongoing).collect();
    let reports_now: BTreeSet<&str> = done
        .iter()
        .flat_map(|s| s.reports.iter().map(|r| r.key.as_str()))
        .collect();
    let reports_before: BTreeSet<&str> = previous
        .map(|p| {
            p.included
                .iter()
                .filter(|s| !s.ongoing)
                .flat_map(|s| s.reports.iter().map(|r| r.key.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let total_studies = done.len() as u64;
    let total_reports = reports_now.len() as u64;
    // A study is new when none of its reports was a report of an included
    // study before; the others continue a study of the version before.
    let new_studies = done
        .iter()
        .filter(|s| {
            s.reports
                .iter()
                .all(|r| !reports_before.contains(r.key.as_str()))
        })
        .count() as u64;
    let new_reports = reports_now
        .iter()
        .filter(|k| flow.contains(**k) && !reports_before.contains(**k))
        .count() as u64;
    let reports_from_earlier = reports_now
        .iter()
        .filter(|k| !flow.contains(**k) && !reports_before.contains(**k))
        .count() as u64;
    let reports_withdrawn = reports_before.difference(&reports_now).count() as u64;
    let (previous_studies, previous_reports) = previous
        .map(|p| (p.prisma.total_studies, p.prisma.total_reports))
        .unwrap_or_default();
    let assessed = if f.full_text_stage {
        f.ft_assessed
    } else {
        f.ta_included
    };
    let mut dbr_excluded: Vec<ReasonCount> = f
        .ft_excluded
        .iter()
        .map(|(reason, n)| ReasonCount {
            reason: reason.clone(),
            n: *n,
        })
        .collect();
    // Included reports of this flow that are not reports of a completed
    // study: of ongoing studies (protocols, registrations), or not coded.
    let in_any: BTreeSet<&str> = included
        .iter()
        .flat_map(|s| s.reports.iter().map(|r| r.key.as_str()))
        .collect();
    let ongoing_reports = included
        .iter()
        .filter(|s| s.ongoing)
        .flat_map(|s| s.reports.iter())
        .filter(|r| flow.contains(&r.key) && !reports_now.contains(r.key.as_str()))
        .count() as u64;
    if ongoing_reports > 0 {
        dbr_excluded.push(ReasonCount {
            reason: "ongoing study (protocol or registration; no results yet)".into(),
            n: ongoing_reports,
        });
    }
    let uncoded = review
        .included_keys()?
        .iter()
        .filter(|k| flow.contains(*k) && !in_any.contains(k.as_str()))
        .count() as u64;
    if uncoded > 0 {
        dbr_excluded.push(ReasonCount {
            reason: "included, not coded yet".into(),
            n: uncoded,
        });
    }
    Ok(Prisma {
        previous_studies,
        previous_reports,
        database_results,
        database_specific_results: f
            .per_database
            .iter()
            .map(|(d, n)| DatabaseCount {
                database: d.clone(),
                n: *n,
            })
            .collect(),
        register_results: 0,
        duplicates: database_results.saturating_sub(f.distinct),
        excluded_automatic: f.undecided,
        excluded_other: f.deleted,
        records_screened: f.current.saturating_sub(f.undecided),
        records_excluded: f.ta_excluded,
        dbr_sought_reports: f.ta_included,
        dbr_notretrieved_reports: 0,
        dbr_assessed: assessed,
        dbr_excluded,
        new_studies,
        new_reports,
        total_studies,
        total_reports,
        records_awaiting: f.maybe,
        records_carried_over: f.carried_over,
        studies_withdrawn: (previous_studies + new_studies).saturating_sub(total_studies),
        reports_withdrawn,
        reports_from_earlier,
        pairs_awaiting: review.pairs_awaiting()?,
    })
}

/// Every pooled result of the map, as `meta` filled it (each study's share
/// of the weight and the cumulative analysis by year included).
fn pooled_results(map: &Map) -> Vec<Pooled> {
    map.cells
        .iter()
        .flat_map(|c| c.pooled.iter().cloned())
        .collect()
}
