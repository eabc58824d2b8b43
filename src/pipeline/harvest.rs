//! Sequencing of a harvest: search (split past the cap), log the plan, fetch
//! in batches, store each batch with its progress, bring the index up to
//! date. Resume picks up the PMIDs still pending; `since_last` searches only
//! the window since the last completed harvest of the same query.

use crate::error::Error;
use crate::harvest::{self, eutils, Client, FetchBy};
use crate::model::Pmid;
use crate::progress::Reporter;
use crate::store::harvest::{HarvestRow, HarvestStart};
use crate::store::index::{self, Updater};
use crate::store::Review;

/// What to harvest.
#[derive(Debug, Clone, Default)]
pub struct HarvestSpec {
    /// Search-string id from the protocol, or `term`.
    pub name: String,
    /// The PubMed query.
    pub term: String,
    /// Only what was added or revised since the last completed harvest of `term`.
    pub since_last: bool,
    /// Carry on the unfinished harvest instead of starting one.
    pub resume: bool,
    /// Fetch at most this many records.
    pub max: Option<u64>,
    /// Search and report the count and translation; store nothing.
    pub dry_run: bool,
    /// Days of overlap before the last harvest's start for new records.
    pub overlap_days: u64,
}

/// What a harvest did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct HarvestReport {
    /// The harvest's log id (0 for a dry run).
    pub harvest_id: i64,
    /// Search-string id or `term`.
    pub name: String,
    /// The query.
    pub term: String,
    /// How PubMed read it.
    pub translation: Option<String>,
    /// esearch Count (for a since-last harvest: of the new-records window).
    pub count: u64,
    /// PMIDs planned.
    pub planned: u64,
    /// Records new to the review.
    pub new: u64,
    /// Records stored as a new version.
    pub changed: u64,
    /// Records already stored as they are.
    pub unchanged: u64,
    /// PMIDs that PubMed reports deleted.
    pub deleted: u64,
    /// PMIDs that never came back from efetch.
    pub missing: u64,
    /// Start of a since-last window (YYYY/MM/DD).
    pub window_from: Option<String>,
    /// Whether this carried on an earlier, unfinished harvest.
    pub resumed: bool,
    /// Whether nothing was stored.
    pub dry_run: bool,
    /// Requests, retries and 429s of the client.
    pub http: harvest::StatsSnapshot,
}

/// The harvests a command asks for: the one to resume (`base.resume`), the
/// query given as `term`, or the protocol's search strings (all, or those
/// named in `queries`). An error that says what to give when there is none.
pub fn specs(
    dir: &std::path::Path,
    protocol: Option<&crate::protocol::Protocol>,
    queries: &[String],
    term: Option<&str>,
    base: &HarvestSpec,
) -> Result<Vec<HarvestSpec>, Error> {
    if base.resume {
        return Ok(vec![base.clone()]);
    }
    if let Some(t) = term {
        return Ok(vec![HarvestSpec {
            name: "term".into(),
            term: t.to_string(),
            ..base.clone()
        }]);
    }
    let Some(protocol) = protocol else {
        return Err(Error::NotReady(format!(
            "{} has no protocol yet: give the query with --term TEXT, or a protocol with --protocol FILE (its [[search.strings]] are harvested)",
            dir.display()
        )));
    };
    if protocol.searches.is_empty() {
        return Err(Error::NotReady(format!(
            "the protocol {:?} has no [[search.strings]]; give a query with --term TEXT",
            protocol.id
        )));
    }
    let mut wanted = Vec::new();
    if queries.is_empty() {
        wanted.extend(protocol.searches.iter());
    }
    for q in queries {
        match protocol.searches.iter().find(|s| &s.id == q) {
            Some(s) => wanted.push(s),
            None => {
                return Err(Error::NotReady(format!(
                    "the protocol has no search string {q:?}; it has: {}",
                    protocol
                        .searches
                        .iter()
                        .map(|s| s.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        }
    }
    Ok(wanted
        .into_iter()
        .map(|s| HarvestSpec {
            name: s.id.clone(),
            term: s.query.clone(),
            ..base.clone()
        })
        .collect())
}

fn today() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0)
}

/// Run a harvest (see [`HarvestSpec`]).
pub fn harvest(
    review: &mut Review,
    client: &Client,
    spec: &HarvestSpec,
    reporter: &dyn Reporter,
) -> Result<HarvestReport, Error> {
    if !spec.dry_run {
        review.lock_for_writing()?;
    }
    let open = review.unfinished_harvest()?;
    let row = if spec.resume {
        match open {
            Some(row) => row,
            None => {
                return Err(Error::NotReady(
                    "there is no unfinished harvest to resume; start one with `lacuna harvest DIR --query NAME` (or --term TEXT)".into(),
                ))
            }
        }
    } else {
        if let Some(row) = open {
            if !spec.dry_run {
                return Err(Error::NotReady(format!(
                    "harvest {} ({:?}) stopped before it finished ({} of {} PMIDs stored); run `lacuna harvest {} --resume` to finish it first",
                    row.id,
                    row.name,
                    row.stored + row.deleted + row.missing,
                    row.planned,
                    review.dir().display()
                )));
            }
        }
        match plan(review, client, spec, reporter)? {
            Planned::Row(row) => *row,
            Planned::Dry(report) => return Ok(*report),
        }
    };
    fetch(review, client, row, spec.resume, reporter)
}

enum Planned {
    Row(Box<HarvestRow>),
    Dry(Box<HarvestReport>),
}

fn plan(
    review: &mut Review,
    client: &Client,
    spec: &HarvestSpec,
    reporter: &dyn Reporter,
) -> Result<Planned, Error> {
    let day = today();
    reporter.message(&format!("searching PubMed: {}", spec.term));
    let (first, ids, window_from, history) = if spec.since_last {
        let Some(last) = review.last_completed_harvest(&spec.term)? else {
            return Err(Error::NotReady(format!(
                "no completed harvest of this query yet, so there is nothing to update from; run `lacuna harvest {} ` without --since-last first",
                review.dir().display()
            )));
        };
        let new_from = harvest::civil_date(last.started_day.saturating_sub(spec.overlap_days));
        let changed_from = harvest::civil_date(last.started_day);
        let (first, mut ids) =
            client.search_all(&eutils::created_since(&spec.term, &new_from), &[], None)?;
        let revised = [
            ("datetype", "mdat".to_string()),
            ("mindate", changed_from),
            ("maxdate", "3000/12/31".to_string()),
        ];
        let (_, changed) = client.search_all(&spec.term, &revised, None)?;
        ids.extend(changed);
        // Deleted records never match a search: PMIDs held from this query that
        // no longer match are fetched again, and efetch says which are deleted.
        let (_, now) = client.search_all(&spec.term, &[], None)?;
        let now: std::collections::BTreeSet<Pmid> = now.into_iter().collect();
        let vanished: Vec<Pmid> = review
            .harvested_pmids(&spec.term)?
            .into_iter()
            .filter(|p| !now.contains(p))
            .collect();
        if !vanished.is_empty() {
            reporter.message(&format!(
                "{} record(s) held from this query no longer match it; asking PubMed about them",
                vanished.len()
            ));
        }
        ids.extend(vanished);
        ids.sort_unstable();
        ids.dedup();
        if let Some(m) = spec.max {
            ids.truncate(m as usize);
        }
        (first, ids, Some(new_from), false)
    } else {
        let (first, ids) = client.search_all(&spec.term, &[], spec.max)?;
        // The History server holds the result in IdList order only when one
        // search brought every PMID.
        let history = first.ids.len() as u64 >= first.count
            || spec.max.is_some_and(|m| first.ids.len() as u64 >= m);
        (first, ids, None, history)
    };
    if spec.dry_run {
        return Ok(Planned::Dry(Box::new(HarvestReport {
            name: spec.name.clone(),
            term: spec.term.clone(),
            translation: first.translation.clone(),
            count: first.count,
            planned: ids.len() as u64,
            window_from,
            dry_run: true,
            http: client.stats(),
            ..HarvestReport::default()
        })));
    }
    let (webenv, query_key) = if history {
        (first.webenv.as_deref(), first.query_key.as_deref())
    } else {
        (None, None)
    };
    let start = HarvestStart {
        name: &spec.name,
        term: &spec.term,
        mode: if spec.since_last {
            "since-last"
        } else {
            "full"
        },
        window_from: window_from.as_deref(),
        translation: first.translation.as_deref(),
        count: first.count,
        webenv,
        query_key,
        batch: client.config().batch,
        day,
    };
    let id = review.start_harvest(&start, &ids)?;
    let row = review
        .harvests()?
        .into_iter()
        .find(|h| h.id == id)
        .ok_or_else(|| Error::NotReady(format!("harvest {id} vanished from the store")))?;
    Ok(Planned::Row(Box::new(row)))
}

fn fetch(
    review: &mut Review,
    client: &Client,
    row: HarvestRow,
    resumed: bool,
    reporter: &dyn Reporter,
) -> Result<HarvestReport, Error> {
    let pending = review.pending_pmids(row.id)?;
    let done_before = row.planned - pending.len() as u64;
    if resumed {
        reporter.message(&format!(
            "resuming harvest {} ({}): {} of {} PMIDs already stored, {} to fetch",
            row.id,
            row.name,
            done_before,
            row.planned,
            pending.len()
        ));
    }
    super::ensure_index(review, reporter)?;
    let mut updater = Some(Updater::open(review)?);
    let mut generation = review.generation()?;
    reporter.start("harvest", Some(pending.len() as u64), "records");
    let batch = row.batch.max(1);
    // Fetch on one thread, store on this one: the next request goes out while
    // a batch is parsed and stored, so the rate limit, not our work, sets the
    // pace. The channel holds one batch: a kill loses at most two unstored
    // batches, which --resume fetches again.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<(Vec<Pmid>, harvest::Fetched), Error>>(1);
    let row_ref = &row;
    let result: Result<(), Error> = std::thread::scope(|sc| {
        sc.spawn(move || {
            for chunk in pending.chunks(batch) {
                let ids: Vec<Pmid> = chunk.iter().map(|(_, p)| *p).collect();
                let first_seq = chunk.first().map(|(s, _)| *s).unwrap_or(0);
                let contiguous = chunk
                    .last()
                    .is_some_and(|(s, _)| *s + 1 - first_seq == chunk.len() as u64);
                let by = match (&row_ref.webenv, &row_ref.query_key) {
                    (Some(w), Some(k)) if contiguous && !resumed => FetchBy::History {
                        webenv: w,
                        query_key: k,
                        start: first_seq as usize,
                    },
                    _ => FetchBy::Ids,
                };
                let r = client.efetch(&ids, by).map_err(Error::from);
                let failed = r.is_err();
                if tx.send(r.map(|f| (ids, f))).is_err() || failed {
                    return;
                }
            }
        });
        // Owned here, so an early return drops it and stops the fetcher.
        let rx = rx;
        for msg in rx.iter() {
            let (ids, fetched) = msg?;
            for w in &fetched.warnings {
                reporter.message(w);
            }
            let stored =
                review.store_harvest_batch(row_ref, &ids, &fetched.items, &fetched.missing)?;
            generation = stored.generation;
            if let Some(u) = updater.as_mut() {
                for (id, i) in &stored.upserted {
                    if let Some(crate::model::Item::Record(rec)) = fetched.items.get(*i) {
                        u.upsert(*id, rec)?;
                    }
                }
                for id in &stored.removed {
                    u.remove(*id);
                }
            }
            reporter.advance(ids.len() as u64);
        }
        Ok(())
    });
    if let Err(e) = result {
        if let Some(u) = updater {
            let _ = u.rollback();
        }
        reporter.finish();
        return Err(e);
    }
    reporter.finish();
    let done = review.finish_harvest(row.id)?;
    let index_ok = super::commit_index(updater, generation, reporter);
    if !index_ok {
        reporter.message("building the search index");
        index::rebuild(review, reporter)?;
    }
    let counts = review.source_counts(done.source_id)?;
    Ok(HarvestReport {
        harvest_id: done.id,
        name: done.name,
        term: done.term,
        translation: done.translation,
        count: done.count,
        planned: done.planned,
        new: counts.new,
        changed: counts.changed,
        unchanged: counts.unchanged,
        deleted: done.deleted,
        missing: done.missing,
        window_from: done.window_from,
        resumed,
        dry_run: false,
        http: client.stats(),
    })
}
