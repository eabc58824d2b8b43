//! A loopback E-utilities server for tests and benches: `esearch.fcgi` and
//! `efetch.fcgi` over real HTTP on 127.0.0.1 (an ephemeral port), GET and
//! POST, answering from recorded NCBI responses in `shared/fixtures/pubmed/`.
//!
//! Articles are the recorded `PubmedArticle` elements, served under their
//! own PMID or, for big result sets, renumbered. Error replies are the
//! recorded files themselves (PhraseNotFound, bare ERROR). Faults are queued
//! on demand: 429 with NCBI's JSON body (with or without Retry-After), 5xx,
//! slow replies, a dropped connection, a body cut in the middle, an empty
//! 200. NCBI's 9,999 cap and its own rate limit (429 past N requests in any
//! second) are enforced. Every request is logged with its arrival time.
//! Requests are parsed with `httparse` and `form_urlencoded`.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A fault to inject into the next matching request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// HTTP 429 with NCBI's JSON body; `Retry-After` seconds if given.
    TooMany(Option<u32>),
    /// An HTTP status with an HTML error page (500, 502, 503...).
    Status(u16),
    /// Wait this long, then answer normally.
    Slow(Duration),
    /// Read the request, then close the connection without a reply.
    Drop,
    /// Send the headers and half the body, then close. `true`: with the
    /// full Content-Length (the client sees a short body); `false`: without
    /// one (the body looks complete but the XML is cut).
    Cut(bool),
    /// HTTP 200 with an empty body.
    Empty,
    /// The recorded bare `<ERROR>` esearch reply.
    SearchError,
    /// HTTP 400 with NCBI's "API key invalid" JSON, which echoes the key.
    BadKey,
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Logged {
    /// Arrival time.
    pub at: Instant,
    /// `esearch` or `efetch` (or the path).
    pub util: String,
    /// `GET` or `POST`.
    pub method: String,
    /// Decoded parameters.
    pub params: Vec<(String, String)>,
    /// HTTP status sent (0 for a dropped connection).
    pub status: u16,
}

impl Logged {
    /// A parameter's value.
    pub fn param(&self, k: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone)]
struct Rec {
    xml: String,
    crdt: String,
    mdat: String,
    deleted: bool,
}

#[derive(Default)]
struct State {
    records: BTreeMap<u64, Rec>,
    queries: HashMap<String, Vec<u64>>,
    histories: Vec<Vec<u64>>,
    faults: VecDeque<(Option<String>, Fault)>,
    log: Vec<Logged>,
    rate: Option<usize>,
    drop_once: BTreeSet<u64>,
    delay: Duration,
    max_get: Option<usize>,
}

/// The running server; stops when dropped.
pub struct Server {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    fixtures: PathBuf,
    templates: Vec<(u64, String)>,
}

const DOCTYPE_SET: &str = "<?xml version=\"1.0\" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC \"-//NLM//DTD PubMedArticle, 1st January 2025//EN\" \"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd\">\n";
const DOCTYPE_SEARCH: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<!DOCTYPE eSearchResult PUBLIC \"-//NLM//DTD esearch 20060628//EN\" \"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd\">\n";

/// The recorded `PubmedArticle` elements of the one-record fixtures, by PMID.
pub fn recorded_articles(fixtures: &Path) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(fixtures)
        .expect("fixtures/pubmed")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("metapub__") && n.ends_with(".xml"))
        })
        .collect();
    names.sort();
    for p in names {
        let text = std::fs::read_to_string(&p).expect("fixture");
        let (Some(a), Some(b)) = (text.find("<PubmedArticle>"), text.find("</PubmedArticle>"))
        else {
            continue;
        };
        if text.matches("<PubmedArticle>").count() != 1 {
            continue;
        }
        let art = &text[a..b + "</PubmedArticle>".len()];
        let Some(pmid) = art
            .split("<PMID Version=\"1\">")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .and_then(|s| s.parse::<u64>().ok())
        else {
            continue;
        };
        out.push((pmid, art.to_string()));
    }
    out
}

impl Server {
    /// Start on 127.0.0.1 with an ephemeral port; `fixtures` is `shared/fixtures/pubmed`.
    pub fn start(fixtures: &Path) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let fx = fixtures.to_path_buf();
        {
            let state = state.clone();
            let stop = stop.clone();
            let fx = fx.clone();
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let state = state.clone();
                    let fx = fx.clone();
                    std::thread::spawn(move || handle(conn, &state, &fx));
                }
            });
        }
        let templates = recorded_articles(fixtures);
        assert!(
            templates.len() > 50,
            "too few recorded articles in {}",
            fixtures.display()
        );
        Server {
            addr,
            state,
            stop,
            fixtures: fx,
            templates,
        }
    }

    /// The base URL to give the client (ends in `/`).
    pub fn url(&self) -> String {
        format!("http://{}/entrez/eutils/", self.addr)
    }

    /// The recorded articles (PMID, XML).
    pub fn templates(&self) -> &[(u64, String)] {
        &self.templates
    }

    /// Serve every recorded article under its own PMID and answer `term`
    /// with all of them (creation date `crdt`).
    pub fn add_recorded(&self, term: &str, crdt: &str) -> Vec<u64> {
        let mut st = self.state.lock().unwrap();
        let mut ids = Vec::new();
        for (pmid, xml) in &self.templates {
            st.records.insert(
                *pmid,
                Rec {
                    xml: xml.clone(),
                    crdt: crdt.into(),
                    mdat: crdt.into(),
                    deleted: false,
                },
            );
            ids.push(*pmid);
        }
        st.queries.entry(term.into()).or_default().extend(&ids);
        ids
    }

    /// Serve `n` records numbered `first..first+n`, each a recorded article
    /// renumbered, and answer `term` with them (in that order).
    pub fn add_synthetic(&self, term: &str, first: u64, n: u64, crdt: &str) -> Vec<u64> {
        let mut st = self.state.lock().unwrap();
        let mut ids = Vec::with_capacity(n as usize);
        for i in 0..n {
            let pmid = first + i;
            let (orig, xml) = &self.templates[(i as usize) % self.templates.len()];
            let xml = xml.replace(&format!(">{orig}<"), &format!(">{pmid}<"));
            st.records.insert(
                pmid,
                Rec {
                    xml,
                    crdt: crdt.into(),
                    mdat: crdt.into(),
                    deleted: false,
                },
            );
            ids.push(pmid);
        }
        st.queries.entry(term.into()).or_default().extend(&ids);
        ids
    }

    /// Serve `xml` (one whole `PubmedArticle`) under `pmid`, created on
    /// `crdt`, and answer `term` with it too.
    pub fn add_article(&self, term: &str, pmid: u64, xml: &str, crdt: &str) {
        let mut st = self.state.lock().unwrap();
        st.records.insert(
            pmid,
            Rec {
                xml: xml.into(),
                crdt: crdt.into(),
                mdat: crdt.into(),
                deleted: false,
            },
        );
        st.queries.entry(term.into()).or_default().push(pmid);
    }

    /// Replace a record's XML (a revision, a retraction notice added) and
    /// give it a modification date.
    pub fn replace_article(&self, pmid: u64, xml: &str, mdat: &str) {
        let mut st = self.state.lock().unwrap();
        let r = st.records.get_mut(&pmid).expect("known pmid");
        r.xml = xml.into();
        r.mdat = mdat.into();
    }

    /// Revise a record: a new title prefix and a modification date.
    pub fn revise(&self, pmid: u64, mdat: &str) {
        let mut st = self.state.lock().unwrap();
        let r = st.records.get_mut(&pmid).expect("known pmid");
        r.xml = r
            .xml
            .replacen("<ArticleTitle>", "<ArticleTitle>Corrected: ", 1);
        r.mdat = mdat.into();
    }

    /// Mark a record deleted (efetch lists it in DeleteCitation; searches drop it).
    pub fn delete(&self, pmid: u64) {
        let mut st = self.state.lock().unwrap();
        if let Some(r) = st.records.get_mut(&pmid) {
            r.deleted = true;
        }
    }

    /// Omit these PMIDs from the first efetch reply that asks for them.
    pub fn drop_once(&self, pmids: &[u64]) {
        self.state.lock().unwrap().drop_once.extend(pmids);
    }

    /// Queue a fault for the next request to `util` (`None`: any).
    pub fn fault(&self, util: Option<&str>, f: Fault) {
        self.state
            .lock()
            .unwrap()
            .faults
            .push_back((util.map(String::from), f));
    }

    /// Answer 429 past `n` requests in any one second, as NCBI does.
    pub fn enforce_rate(&self, n: usize) {
        self.state.lock().unwrap().rate = Some(n);
    }

    /// Answer 414 to a GET whose request target is longer than `n` bytes.
    pub fn max_get_url(&self, n: usize) {
        self.state.lock().unwrap().max_get = Some(n);
    }

    /// Delay every efetch reply.
    pub fn efetch_delay(&self, d: Duration) {
        self.state.lock().unwrap().delay = d;
    }

    /// The request log.
    pub fn log(&self) -> Vec<Logged> {
        self.state.lock().unwrap().log.clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

fn read_request(conn: &mut TcpStream) -> Option<(String, String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        if let Ok(httparse::Status::Complete(head)) = req.parse(&buf) {
            let method = req.method?.to_string();
            let path = req.path?.to_string();
            let len = req
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .and_then(|h| std::str::from_utf8(h.value).ok())
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            while buf.len() < head + len {
                let n = conn.read(&mut chunk).ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some((method, path, buf[head..head + len].to_vec()));
        }
    }
}

fn respond(conn: &mut TcpStream, status: u16, ctype: &str, extra: &[(&str, String)], body: &[u8]) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        414 => "Request-URI Too Long",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body);
    let _ = conn.flush();
}

fn handle(mut conn: TcpStream, state: &Arc<Mutex<State>>, fixtures: &Path) {
    let at = Instant::now();
    let Some((method, path, body)) = read_request(&mut conn) else {
        return;
    };
    let (route, query) = path.split_once('?').unwrap_or((&path, ""));
    let util = route
        .rsplit('/')
        .next()
        .unwrap_or("")
        .trim_end_matches(".fcgi")
        .to_string();
    let mut params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    if method == "POST" {
        params.extend(form_urlencoded::parse(&body).into_owned());
    }
    let mut st = state.lock().unwrap();
    // NCBI's own limit, counted over every request that arrived.
    let limited = st.rate.is_some_and(|n| {
        st.log
            .iter()
            .filter(|l| at.duration_since(l.at) < Duration::from_secs(1) && l.status != 429)
            .count()
            >= n
    });
    let fault = st
        .faults
        .iter()
        .position(|(u, _)| u.as_deref().is_none_or(|u| u == util))
        .and_then(|i| st.faults.remove(i))
        .map(|(_, f)| f);
    let mut entry = Logged {
        at,
        util: util.clone(),
        method,
        params: params.clone(),
        status: 200,
    };
    if limited {
        entry.status = 429;
        st.log.push(entry);
        drop(st);
        return too_many(&mut conn, None);
    }
    if entry.method == "GET" && st.max_get.is_some_and(|n| path.len() > n) {
        entry.status = 414;
        st.log.push(entry);
        drop(st);
        return respond(
            &mut conn,
            414,
            "text/html",
            &[],
            b"<html><body>Request-URI Too Long</body></html>",
        );
    }
    if matches!(fault, Some(Fault::BadKey)) {
        let key = params
            .iter()
            .find(|(k, _)| k == "api_key")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        entry.status = 400;
        st.log.push(entry);
        drop(st);
        let body = format!(
            "{{\"error\":\"API key invalid\",\"api-key\":\"{key}\",\"type\":\"invalid\",\"status\":\"unknown\"}}"
        );
        return respond(&mut conn, 400, "application/json", &[], body.as_bytes());
    }
    let reply = match util.as_str() {
        "esearch" => esearch(&mut st, &params, fixtures),
        "efetch" => efetch(&mut st, &params),
        _ => (404, b"no such utility".to_vec()),
    };
    let delay = if util == "efetch" {
        st.delay
    } else {
        Duration::ZERO
    };
    entry.status = match &fault {
        Some(Fault::TooMany(_)) => 429,
        Some(Fault::Status(s)) => *s,
        Some(Fault::Drop) => 0,
        _ => reply.0,
    };
    st.log.push(entry);
    drop(st);
    std::thread::sleep(delay);
    let xml = "text/xml; charset=UTF-8";
    match fault {
        None => respond(&mut conn, reply.0, xml, &[], &reply.1),
        Some(Fault::TooMany(after)) => too_many(&mut conn, after),
        Some(Fault::Status(s)) => respond(
            &mut conn,
            s,
            "text/html",
            &[],
            b"<html><head><title>Server Error</title></head><body><h1>Server Error</h1></body></html>",
        ),
        Some(Fault::Slow(d)) => {
            std::thread::sleep(d);
            respond(&mut conn, reply.0, xml, &[], &reply.1)
        }
        Some(Fault::Drop) => {
            let _ = conn.shutdown(std::net::Shutdown::Both);
        }
        Some(Fault::Cut(with_length)) => {
            let half = &reply.1[..reply.1.len() / 2];
            let head = if with_length {
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {xml}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    reply.1.len()
                )
            } else {
                format!("HTTP/1.1 200 OK\r\nContent-Type: {xml}\r\nConnection: close\r\n\r\n")
            };
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(half);
            let _ = conn.flush();
            let _ = conn.shutdown(std::net::Shutdown::Both);
        }
        Some(Fault::Empty) => respond(&mut conn, 200, xml, &[], b""),
        Some(Fault::SearchError) => {
            let body = std::fs::read(fixtures.join("klortho-eutils-json__esearch.baderror.xml"))
                .expect("recorded ERROR reply");
            respond(&mut conn, 200, xml, &[], &body)
        }
        Some(Fault::BadKey) => {} // answered above
    }
}

fn too_many(conn: &mut TcpStream, after: Option<u32>) {
    let mut extra = vec![
        ("X-RateLimit-Limit", "3".to_string()),
        ("X-RateLimit-Remaining", "0".to_string()),
    ];
    if let Some(a) = after {
        extra.push(("Retry-After", a.to_string()));
    }
    respond(
        conn,
        429,
        "application/json",
        &extra,
        br#"{"error":"API rate limit exceeded","api-key":"127.0.0.1","count":"5","limit":"3"}"#,
    );
}

/// Strip one trailing filter from a term; returns (inner term, filter).
fn strip_filter(term: &str) -> Option<(String, String)> {
    let (inner, filter) = term.rsplit_once(") AND ")?;
    let inner = inner.strip_prefix('(')?;
    Some((inner.to_string(), filter.to_string()))
}

fn param<'a>(params: &'a [(String, String)], k: &str) -> Option<&'a str> {
    params.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str())
}

fn esearch(st: &mut State, params: &[(String, String)], fixtures: &Path) -> (u16, Vec<u8>) {
    let term = param(params, "term").unwrap_or("").to_string();
    // Peel the filters Lacuna adds: PMID ranges and creation-date windows.
    let mut base = term.clone();
    let mut uid: Option<(u64, u64)> = None;
    let mut crdt_from: Option<String> = None;
    while let Some((inner, filter)) = strip_filter(&base) {
        if let Some(r) = filter.strip_suffix("[uid]") {
            let (lo, hi) = r.split_once(':').expect("lo:hi[uid]");
            uid = Some((lo.parse().expect("lo"), hi.parse().expect("hi")));
        } else if filter.ends_with("\"3000\"[crdt])") {
            crdt_from = filter.split('"').nth(1).map(String::from);
        } else {
            break;
        }
        base = inner;
    }
    let Some(all) = st.queries.get(&base) else {
        // PubMed's answer to a term it does not know (recorded reply).
        return (
            200,
            std::fs::read(fixtures.join("biopython__esearch8.xml"))
                .expect("recorded PhraseNotFound"),
        );
    };
    let mdat_from = (param(params, "datetype") == Some("mdat"))
        .then(|| param(params, "mindate").unwrap_or("0000").to_string());
    let hits: Vec<u64> = all
        .iter()
        .copied()
        .filter(|p| {
            let Some(r) = st.records.get(p) else {
                return false;
            };
            !r.deleted
                && uid.is_none_or(|(lo, hi)| *p >= lo && *p <= hi)
                && crdt_from
                    .as_ref()
                    .is_none_or(|f| r.crdt.as_str() >= f.as_str())
                && mdat_from
                    .as_ref()
                    .is_none_or(|f| r.mdat.as_str() >= f.as_str())
        })
        .collect();
    let count = hits.len();
    let retstart: usize = param(params, "retstart")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let retmax: usize = param(params, "retmax")
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    if retstart > 9998 {
        let body = format!("{DOCTYPE_SEARCH}<eSearchResult><ERROR>'retstart' cannot be larger than 9998. For PubMed, ESearch can only retrieve the first 9,999 records matching the query.</ERROR></eSearchResult>");
        return (200, body.into_bytes());
    }
    let end = (retstart + retmax.min(10_000)).min(9_999).min(count);
    let ids = &hits[retstart.min(end)..end];
    let history = if param(params, "usehistory") == Some("y") {
        st.histories.push(hits.clone());
        format!(
            "<QueryKey>1</QueryKey><WebEnv>MCID_{}</WebEnv>",
            st.histories.len() - 1
        )
    } else {
        String::new()
    };
    let mut body = format!(
        "{DOCTYPE_SEARCH}<eSearchResult><Count>{count}</Count><RetMax>{}</RetMax><RetStart>{retstart}</RetStart>{history}<IdList>",
        ids.len()
    );
    for id in ids {
        body.push_str(&format!("<Id>{id}</Id>"));
    }
    let esc = base
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    body.push_str(&format!(
        "</IdList><TranslationSet/><QueryTranslation>{esc}[All Fields]</QueryTranslation></eSearchResult>\n"
    ));
    (200, body.into_bytes())
}

fn efetch(st: &mut State, params: &[(String, String)]) -> (u16, Vec<u8>) {
    let ids: Vec<u64> = if let Some(list) = param(params, "id") {
        list.split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect()
    } else {
        let env = param(params, "WebEnv").unwrap_or("");
        let Some(h) = env
            .strip_prefix("MCID_")
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| st.histories.get(i))
        else {
            let body = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<eFetchResult>\n\t<ERROR>Cannot retrieve history data. query_key: 1, WebEnv: unknown</ERROR>\n</eFetchResult>\n";
            return (200, body.as_bytes().to_vec());
        };
        let start: usize = param(params, "retstart")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let max: usize = param(params, "retmax")
            .and_then(|v| v.parse().ok())
            .unwrap_or(20);
        h.iter()
            .skip(start)
            .take(max.min(10_000))
            .copied()
            .collect()
    };
    let mut body = String::from(DOCTYPE_SET);
    body.push_str("<PubmedArticleSet>\n");
    let mut deleted = Vec::new();
    for id in ids {
        if st.drop_once.remove(&id) {
            continue;
        }
        match st.records.get(&id) {
            Some(r) if r.deleted => deleted.push(id),
            Some(r) => {
                body.push_str(&r.xml);
                body.push('\n');
            }
            None => {}
        }
    }
    if !deleted.is_empty() {
        body.push_str("<DeleteCitation>");
        for d in deleted {
            body.push_str(&format!("<PMID Version=\"1\">{d}</PMID>"));
        }
        body.push_str("</DeleteCitation>\n");
    }
    body.push_str("</PubmedArticleSet>\n");
    (200, body.into_bytes())
}
