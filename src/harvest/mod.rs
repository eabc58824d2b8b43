//! The E-utilities client: esearch with history, efetch in batches, a
//! process-wide rate limit, retries with backoff, and the split of big
//! queries into PMID ranges past PubMed's 9,999 cap.
//!
//! This is the only module that talks to the network (blocking reqwest). It
//! does not touch the store: it hands parsed items to its caller, which
//! decides what to keep (see `pipeline::harvest`). Reply reading that needs no
//! network lives in [`eutils`].

pub mod eutils;
pub mod limit;

use crate::model::{Item, Pmid};
use eutils::{ReplyError, SearchReply, PUBMED_CAP};
pub use limit::RateLimiter;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// NCBI's E-utilities base; `esearch.fcgi` and `efetch.fcgi` are appended.
pub const NCBI_BASE: &str = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/";

/// Above this many characters of form data a request goes by POST (long GET
/// URLs fail with HTTP 414).
const POST_OVER: usize = 1_500;

/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);

/// Errors of the harvest client.
#[derive(Debug, thiserror::Error)]
pub enum HarvestError {
    /// PubMed refused or misread the query: a typo must not pass as "0 records".
    #[error("PubMed could not run the query: {0}")]
    Query(String),
    /// The server kept failing after every retry. (What to run next is the
    /// command's to say: `harvest --resume`, or `update` again.)
    #[error("{util}: gave up after {attempts} attempts; last problem: {last}")]
    GaveUp {
        /// `esearch` or `efetch`.
        util: &'static str,
        /// How many requests were made.
        attempts: u32,
        /// The last failure.
        last: String,
    },
    /// The host could not be reached at all (no reply yet, and a connection
    /// failed twice): the machine is offline, or the address is wrong. Said
    /// at once rather than after every retry.
    #[error("cannot reach {host} ({why}): this machine seems to be offline, or the E-utilities address (--eutils-url) is wrong; nothing was fetched")]
    Unreachable {
        /// The host asked for.
        host: String,
        /// What the connection said.
        why: String,
    },
    /// A reply the client cannot use and will not retry (e.g. HTTP 400).
    #[error("{util}: {message}")]
    Refused {
        /// `esearch` or `efetch`.
        util: &'static str,
        /// What NCBI said (never the API key).
        message: String,
    },
    /// The base URL or another setting is unusable.
    #[error("{0}")]
    Config(String),
}

/// Who we are to NCBI, and how hard we may knock.
#[derive(Debug, Clone)]
pub struct Config {
    /// E-utilities base URL, ending in `/`.
    pub base_url: String,
    /// `tool` parameter (no spaces).
    pub tool: String,
    /// `email` parameter.
    pub email: Option<String>,
    /// `api_key` parameter (raises the limit from 3 to 10 requests/s).
    pub api_key: Option<String>,
    /// PMIDs per efetch request.
    pub batch: usize,
    /// Retries after the first attempt.
    pub retries: u32,
    /// First backoff delay; doubled on each retry, with jitter.
    pub backoff: Duration,
    /// Longest single wait between retries.
    pub max_backoff: Duration,
    /// Timeout of one request.
    pub timeout: Duration,
    /// The limiter; `None` = the process-wide one for this rate.
    pub limiter: Option<Arc<RateLimiter>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            base_url: NCBI_BASE.to_string(),
            tool: "lacuna".to_string(),
            email: None,
            api_key: None,
            batch: 500,
            retries: 6,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            timeout: Duration::from_secs(120),
            limiter: None,
        }
    }
}

/// Counters of what the client did (requests, retries, 429s).
#[derive(Debug, Default)]
pub struct Stats {
    /// Requests sent (including retries).
    pub requests: AtomicU64,
    /// Requests that were retries.
    pub retries: AtomicU64,
    /// HTTP 429 replies seen.
    pub rate_limited: AtomicU64,
    /// Bodies that were cut short or not valid XML.
    pub bad_bodies: AtomicU64,
}

/// A snapshot of [`Stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct StatsSnapshot {
    /// Requests sent (including retries).
    pub requests: u64,
    /// Requests that were retries.
    pub retries: u64,
    /// HTTP 429 replies seen.
    pub rate_limited: u64,
    /// Bodies that were cut short or not valid XML.
    pub bad_bodies: u64,
}

/// The blocking E-utilities client.
pub struct Client {
    http: reqwest::blocking::Client,
    cfg: Config,
    limiter: Arc<RateLimiter>,
    stats: Stats,
    seed: AtomicU64,
    /// Whether any reply has come back (then a failed connection is a blip
    /// worth retrying, not a machine that is offline).
    reached: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.cfg.base_url)
            .finish()
    }
}

/// What a reply body turned out to be.
enum Verdict<T> {
    Ok(T),
    /// Ask again (cut body, HTML error page, history lost...).
    Retry(String),
    /// Do not ask again.
    Fatal(HarvestError),
}

/// Where the PMIDs of one efetch come from.
#[derive(Debug, Clone)]
pub enum FetchBy<'a> {
    /// The History server: rows `start..start+count` of a stored result.
    History {
        /// `WebEnv`.
        webenv: &'a str,
        /// `query_key`.
        query_key: &'a str,
        /// `retstart`.
        start: usize,
    },
    /// An explicit list, sent by POST when long.
    Ids,
}

/// One efetch batch, reconciled.
#[derive(Debug, Default)]
pub struct Fetched {
    /// Records and deletions for the PMIDs asked for.
    pub items: Vec<Item>,
    /// PMIDs asked for that never came back, even when asked again.
    pub missing: Vec<Pmid>,
    /// Records skipped by the parser (with their message).
    pub warnings: Vec<String>,
}

impl Client {
    /// A client for `cfg`.
    pub fn new(cfg: Config) -> Result<Client, HarvestError> {
        if !cfg.base_url.starts_with("http://") && !cfg.base_url.starts_with("https://") {
            return Err(HarvestError::Config(format!(
                "E-utilities URL {:?} must start with http:// or https://",
                cfg.base_url
            )));
        }
        if cfg.tool.is_empty() || cfg.tool.contains(char::is_whitespace) {
            return Err(HarvestError::Config(
                "the tool name sent to NCBI must be one word (no spaces)".into(),
            ));
        }
        if cfg.batch == 0 || cfg.batch > 10_000 {
            return Err(HarvestError::Config(
                "the efetch batch must be between 1 and 10000".into(),
            ));
        }
        let http = reqwest::blocking::Client::builder()
            .timeout(cfg.timeout)
            .user_agent(concat!("lacuna/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| HarvestError::Config(format!("cannot start the HTTP client: {e}")))?;
        let per_sec = if cfg.api_key.is_some() { 10 } else { 3 };
        let limiter = cfg
            .limiter
            .clone()
            .unwrap_or_else(|| RateLimiter::process(per_sec));
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9);
        Ok(Client {
            http,
            cfg,
            limiter,
            stats: Stats::default(),
            seed: AtomicU64::new(seed | 1),
            reached: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// What the client has done so far.
    pub fn stats(&self) -> StatsSnapshot {
        StatsSnapshot {
            requests: self.stats.requests.load(Ordering::Relaxed),
            retries: self.stats.retries.load(Ordering::Relaxed),
            rate_limited: self.stats.rate_limited.load(Ordering::Relaxed),
            bad_bodies: self.stats.bad_bodies.load(Ordering::Relaxed),
        }
    }

    fn jitter(&self) -> f64 {
        // xorshift64*: jitter only, never security.
        let mut x = self.seed.load(Ordering::Relaxed);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.seed.store(x, Ordering::Relaxed);
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.cfg.backoff.as_secs_f64() * 2f64.powi(attempt.min(20) as i32);
        let capped = base.min(self.cfg.max_backoff.as_secs_f64());
        Duration::from_secs_f64(capped * (0.5 + 0.5 * self.jitter()))
    }

    fn common(&self) -> Vec<(&'static str, String)> {
        let mut p = vec![
            ("db", "pubmed".to_string()),
            ("tool", self.cfg.tool.clone()),
        ];
        if let Some(e) = &self.cfg.email {
            p.push(("email", e.clone()));
        }
        if let Some(k) = &self.cfg.api_key {
            p.push(("api_key", k.clone()));
        }
        p
    }

    /// One E-utility call with rate limit, retries and backoff; `accept`
    /// judges each body.
    fn call<T>(
        &self,
        util: &'static str,
        params: &[(&'static str, String)],
        accept: &mut dyn FnMut(&[u8]) -> Verdict<T>,
    ) -> Result<T, HarvestError> {
        let url = format!("{}{util}.fcgi", self.cfg.base_url);
        let mut form = self.common();
        form.extend(params.iter().cloned());
        let len: usize = form.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
        let post = len > POST_OVER;
        let mut last = String::new();
        let attempts = self.cfg.retries + 1;
        for attempt in 0..attempts {
            if attempt > 0 {
                self.stats.retries.fetch_add(1, Ordering::Relaxed);
            }
            self.limiter.acquire();
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
            let req = if post {
                self.http.post(&url).form(&form)
            } else {
                self.http.get(&url).query(&form)
            };
            let wait = match req.send() {
                Err(e) if e.is_builder() => {
                    return Err(HarvestError::Config(format!("bad request to {url}: {e}")))
                }
                Err(e)
                    if e.is_connect() && attempt > 0 && !self.reached.load(Ordering::Relaxed) =>
                {
                    return Err(HarvestError::Unreachable {
                        host: e
                            .url()
                            .and_then(|u| u.host_str())
                            .unwrap_or("the E-utilities host")
                            .to_string(),
                        why: connect_cause(&e),
                    });
                }
                Err(e) => {
                    last = describe(&e);
                    self.backoff(attempt)
                }
                Ok(resp) => {
                    self.reached.store(true, Ordering::Relaxed);
                    let status = resp.status();
                    let retry_after = resp
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let body = resp.bytes();
                    match (status.as_u16(), body) {
                        (200, Ok(body)) => match accept(&body) {
                            Verdict::Ok(v) => return Ok(v),
                            Verdict::Fatal(e) => return Err(e),
                            Verdict::Retry(why) => {
                                self.stats.bad_bodies.fetch_add(1, Ordering::Relaxed);
                                last = why;
                                self.backoff(attempt)
                            }
                        },
                        (200, Err(e)) => {
                            self.stats.bad_bodies.fetch_add(1, Ordering::Relaxed);
                            last = format!("the reply was cut short ({})", describe(&e));
                            self.backoff(attempt)
                        }
                        (429, _) => {
                            self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                            last = "HTTP 429: API rate limit exceeded".into();
                            match retry_after {
                                // NCBI's word wins over our backoff cap (within reason).
                                Some(d) => d.min(MAX_RETRY_AFTER),
                                None => self.backoff(attempt),
                            }
                        }
                        (s, _) if s >= 500 => {
                            last = format!("HTTP {s} from the server");
                            retry_after
                                .map(|d| d.min(MAX_RETRY_AFTER))
                                .unwrap_or_else(|| self.backoff(attempt))
                        }
                        (s, body) => {
                            // 4xx: our request is wrong; retrying will not help.
                            let hint = if body
                                .as_ref()
                                .is_ok_and(|b| String::from_utf8_lossy(b).contains("API key"))
                            {
                                "NCBI rejected the API key (check NCBI_API_KEY or --api-key)"
                                    .to_string()
                            } else if s == 414 {
                                "the request URL is too long".to_string()
                            } else {
                                format!("HTTP {s}")
                            };
                            return Err(HarvestError::Refused {
                                util,
                                message: hint,
                            });
                        }
                    }
                }
            };
            tracing::debug!(util, attempt, %last, ?wait, "retrying");
            if attempt + 1 < attempts {
                std::thread::sleep(wait);
            }
        }
        Err(HarvestError::GaveUp {
            util,
            attempts,
            last,
        })
    }

    /// Run esearch with `usehistory=y`; refuses replies with `<ERROR>` or
    /// terms PubMed did not find.
    pub fn esearch(
        &self,
        term: &str,
        extra: &[(&'static str, String)],
        retmax: u64,
    ) -> Result<SearchReply, HarvestError> {
        let mut params = vec![
            ("term", term.to_string()),
            ("usehistory", "y".to_string()),
            ("retmax", retmax.min(PUBMED_CAP).to_string()),
        ];
        params.extend(extra.iter().cloned());
        self.call("esearch", &params, &mut |body| {
            if eutils::is_rate_limit_body(body) {
                return Verdict::Retry("rate-limit body with HTTP 200".into());
            }
            match eutils::read_esearch(body) {
                Err(e @ (ReplyError::Malformed(_) | ReplyError::WrongRoot(_))) => {
                    Verdict::Retry(e.to_string())
                }
                Ok(r) => {
                    if let Some(err) = &r.error {
                        Verdict::Fatal(HarvestError::Query(format!(
                            "{err} (query: {term})"
                        )))
                    } else if !r.not_found.is_empty() {
                        Verdict::Fatal(HarvestError::Query(format!(
                            "PubMed did not recognise {}; it would have searched without {}. Check the spelling and field tags of the query{}",
                            r.not_found.iter().map(|t| format!("{t:?}")).collect::<Vec<_>>().join(", "),
                            if r.not_found.len() == 1 { "it" } else { "them" },
                            r.translation.as_ref().map(|t| format!(" (PubMed read it as: {t})")).unwrap_or_default()
                        )))
                    } else if r.ids.len() as u64 > r.count {
                        Verdict::Retry("more IDs than Count".into())
                    } else {
                        Verdict::Ok(r)
                    }
                }
            }
        })
    }

    /// Every PMID matching `term`: one esearch when the count is within the
    /// cap, else the query split into PMID ranges, halving any range still
    /// over the cap (EDirect's method). Returns the first reply (count,
    /// translation, history) and the sorted, de-duplicated PMIDs.
    pub fn search_all(
        &self,
        term: &str,
        extra: &[(&'static str, String)],
        max: Option<u64>,
    ) -> Result<(SearchReply, Vec<Pmid>), HarvestError> {
        let first = self.esearch(term, extra, PUBMED_CAP)?;
        let complete = first.ids.len() as u64 >= first.count;
        let enough = max.is_some_and(|m| first.ids.len() as u64 >= m);
        if complete || enough {
            let mut ids = first.ids.clone();
            if let Some(m) = max {
                ids.truncate(m as usize);
            }
            return Ok((first, ids));
        }
        let mut ids: Vec<Pmid> = Vec::with_capacity(first.count as usize);
        // Ranges cut at quantiles of the IDs already in hand; popped low first.
        let mut stack: Vec<(u64, u64)> = eutils::plan_ranges(&first.ids, first.count);
        stack.reverse();
        while let Some((lo, hi)) = stack.pop() {
            let r = self.esearch(&eutils::uid_range(term, lo, hi), extra, PUBMED_CAP)?;
            if r.ids.len() as u64 >= r.count {
                ids.extend(r.ids);
                if max.is_some_and(|m| ids.len() as u64 >= m) {
                    break;
                }
            } else {
                match eutils::split_at_median(lo, hi, &r.ids) {
                    // Pop the low half first so PMIDs come in ascending order.
                    Some((low, high)) => {
                        stack.push(high);
                        stack.push(low);
                    }
                    None => {
                        return Err(HarvestError::Query(format!(
                            "PMID {lo} alone matches {} records; the server is inconsistent",
                            r.count
                        )))
                    }
                }
            }
        }
        ids.sort_unstable();
        ids.dedup();
        if let Some(m) = max {
            ids.truncate(m as usize);
        } else if ids.len() as u64 != first.count {
            tracing::warn!(
                expected = first.count,
                got = ids.len(),
                "PMID-range split found a different number of records than Count"
            );
        }
        Ok((first, ids))
    }

    /// Fetch PubMed XML for `ids` (one batch), parse it, and ask again for
    /// any PMID the reply left out. A cut or invalid body is retried, never
    /// returned.
    pub fn efetch(&self, ids: &[Pmid], by: FetchBy<'_>) -> Result<Fetched, HarvestError> {
        let mut out = Fetched::default();
        let mut want: Vec<Pmid> = ids.to_vec();
        let mut by = by;
        for round in 0..3 {
            if want.is_empty() {
                break;
            }
            let mut params = vec![("retmode", "xml".to_string())];
            match &by {
                FetchBy::History {
                    webenv,
                    query_key,
                    start,
                } => {
                    params.push(("WebEnv", webenv.to_string()));
                    params.push(("query_key", query_key.to_string()));
                    params.push(("retstart", start.to_string()));
                    params.push(("retmax", want.len().to_string()));
                }
                FetchBy::Ids => {
                    let list: Vec<String> = want.iter().map(|p| p.to_string()).collect();
                    params.push(("id", list.join(",")));
                }
            }
            let mut history_lost = false;
            let parsed = self.call("efetch", &params, &mut |body| {
                if eutils::is_rate_limit_body(body) {
                    return Verdict::Retry("rate-limit body with HTTP 200".into());
                }
                let mut items = Vec::new();
                match crate::parse::pubmed::read_slice(body, &mut |it| {
                    items.push(it);
                    true
                }) {
                    Ok(w) => Verdict::Ok((items, w.into_vec())),
                    Err(crate::parse::ParseError::NotPubmed { root })
                        if root == "eFetchResult" && matches!(by, FetchBy::History { .. }) =>
                    {
                        // History expired or out of range: fall back to the ID list.
                        history_lost = true;
                        Verdict::Ok((Vec::new(), Vec::new()))
                    }
                    Err(e) => Verdict::Retry(format!("unusable efetch reply: {e}")),
                }
            })?;
            if history_lost {
                by = FetchBy::Ids;
                continue;
            }
            let (items, warnings) = parsed;
            let rec = eutils::reconcile(&want, &items);
            out.warnings
                .extend(warnings.iter().map(crate::parse::Warning::to_string));
            let keep = |it: &Item| match it {
                Item::Record(r) => r
                    .pmid
                    .is_some_and(|p| rec.returned.contains(&p) || rec.deleted.contains(&p)),
                Item::Deletion(d) => rec.deleted.contains(&d.pmid),
            };
            out.items.extend(items.into_iter().filter(keep));
            if !rec.missing.is_empty() {
                tracing::debug!(round, missing = rec.missing.len(), "asking again");
            }
            want = rec.missing;
            by = FetchBy::Ids;
        }
        out.missing = want;
        Ok(out)
    }

    /// The rate limiter this client waits on.
    pub fn limiter(&self) -> &RateLimiter {
        &self.limiter
    }
}

/// The innermost cause of a failed connection ("Connection refused", "failed
/// to lookup address information: …"), never the URL (it may carry the key).
fn connect_cause(e: &reqwest::Error) -> String {
    let mut why = String::from("the connection failed");
    let mut src = std::error::Error::source(e);
    while let Some(x) = src {
        why = x.to_string();
        src = x.source();
    }
    why
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "the request timed out".into()
    } else if e.is_connect() {
        format!(
            "cannot connect ({})",
            e.url().map(|u| u.as_str()).unwrap_or("?")
        )
    } else {
        // Not e.to_string(): it holds the URL, which may carry the API key.
        let mut s = String::from(if e.is_body() || e.is_decode() {
            "reading the reply failed"
        } else {
            "the request failed"
        });
        let mut src = std::error::Error::source(e);
        while let Some(x) = src {
            s.push_str(": ");
            s.push_str(&x.to_string());
            src = x.source();
        }
        s
    }
}

/// Today's date (UTC) as `YYYY/MM/DD`, minus `days`.
///
/// ```
/// let d = lacuna::harvest::date_days_ago(0);
/// assert_eq!(d.len(), 10);
/// assert_eq!(&d[4..5], "/");
/// ```
pub fn date_days_ago(days: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    civil_date(now / 86_400 - days.min(now / 86_400))
}

/// Days since 1970-01-01 as `YYYY/MM/DD` (Howard Hinnant's civil_from_days).
///
/// ```
/// assert_eq!(lacuna::harvest::civil_date(0), "1970/01/01");
/// assert_eq!(lacuna::harvest::civil_date(20_419), "2025/11/27");
/// assert_eq!(lacuna::harvest::civil_date(11_016), "2000/02/29");
/// ```
pub fn civil_date(days: u64) -> String {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}/{m:02}/{d:02}")
}
