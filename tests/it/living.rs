//! The living cycle end to end: three "months" of `lacuna update`,
//! screening, `snapshot` and `diff` against the loopback E-utilities server
//! and with `--files`; kills at every step of an update; the write lock;
//! retraction notices read from PubMed XML.
//!
//! The records are small PubMed articles written here (not recorded ones),
//! with titles that code to no category, so that each study sits only in
//! the cells its effect rows give it and the expected diff can be worked
//! out by hand.

use crate::eutils_server::Server;
use crate::support::{lacuna, root, shared, stderr, stdout};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

/// The one search string of the test protocol.
pub(crate) const TERM: &str = "living review test query";

/// Titles that share no words (so dedup merges none) and code to nothing.
const TITLES: [&str; 16] = [
    "Amber lanterns across northern valleys",
    "Basalt ridges under winter moonlight",
    "Copper kettles within coastal villages",
    "Driftwood sculptures beside quiet harbours",
    "Emerald moss covering ancient walls",
    "Feathered kites above windy meadows",
    "Granite bridges spanning slow rivers",
    "Hazel thickets along muddy lanes",
    "Indigo dyes from desert plants",
    "Juniper smoke inside mountain huts",
    "Kelp forests beneath cold tides",
    "Limestone caves holding hidden lakes",
    "Marble staircases inside old libraries",
    "Nettle soup served at spring fairs",
    "Oak barrels stacked within cellars",
    "Pewter spoons found near castle moats",
];

/// One PubMed article, written for these tests.
pub(crate) fn article(
    pmid: u64,
    n: usize,
    year: i32,
    rct: bool,
    retracted_by: Option<u64>,
) -> String {
    let title = TITLES.get(n).copied().unwrap_or("Untitled");
    let mut types =
        String::from("<PublicationType UI=\"D016428\">Journal Article</PublicationType>");
    if rct {
        types.push_str(
            "<PublicationType UI=\"D016449\">Randomized Controlled Trial</PublicationType>",
        );
    }
    let mut comments = String::new();
    if let Some(notice) = retracted_by {
        types.push_str("<PublicationType UI=\"D016441\">Retracted Publication</PublicationType>");
        comments = format!(
            "<CommentsCorrectionsList><CommentsCorrections RefType=\"RetractionIn\"><RefSource>J Living Tests. {}</RefSource><PMID Version=\"1\">{notice}</PMID></CommentsCorrections></CommentsCorrectionsList>",
            year + 1
        );
    }
    format!(
        "<PubmedArticle><MedlineCitation Status=\"MEDLINE\" Owner=\"NLM\"><PMID Version=\"1\">{pmid}</PMID>\
<Article PubModel=\"Print\"><Journal><Title>Journal of Living Tests</Title><JournalIssue><PubDate><Year>{year}</Year></PubDate></JournalIssue></Journal>\
<ArticleTitle>{title}.</ArticleTitle><Abstract><AbstractText>{title}, described at length for record {pmid}.</AbstractText></Abstract>\
<AuthorList><Author ValidYN=\"Y\"><LastName>Author{n}</LastName><Initials>Q</Initials></Author></AuthorList><Language>eng</Language>\
<PublicationTypeList>{types}</PublicationTypeList></Article>{comments}</MedlineCitation>\
<PubmedData><ArticleIdList><ArticleId IdType=\"pubmed\">{pmid}</ArticleId></ArticleIdList></PubmedData></PubmedArticle>"
    )
}

/// The repository's protocol with one search string (the term the server knows).
pub(crate) fn protocol_file(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(root().join("protocols/complex-emotional-needs.toml"))
        .expect("protocol");
    let start = text.find("\n[[search.strings]]\n").expect("search strings") + 1;
    let end = text.find("\n[mesh_verification]\n").expect("next section") + 1;
    let mut out = String::new();
    out.push_str(text.get(..start).unwrap_or(""));
    out.push_str(&format!(
        "[[search.strings]]\nid = \"T1\"\npurpose = \"test\"\nquery = \"{TERM}\"\n\n"
    ));
    out.push_str(text.get(end..).unwrap_or(""));
    let path = dir.join("test-protocol.toml");
    std::fs::write(&path, out).expect("write protocol");
    path
}

pub(crate) fn eutils(s: &Server) -> Vec<String> {
    vec![
        "--eutils-url".into(),
        s.url(),
        "--email".into(),
        "tests@example.org".into(),
        "--backoff-ms".into(),
        "20".into(),
        "--retries".into(),
        "2".into(),
        "--timeout".into(),
        "3".into(),
    ]
}

fn run(args: &[String]) -> Output {
    let refs: Vec<&dyn AsRef<std::ffi::OsStr>> = args
        .iter()
        .map(|a| a as &dyn AsRef<std::ffi::OsStr>)
        .collect();
    lacuna(&refs)
}

fn ok(o: &Output, what: &str) {
    assert!(
        o.status.success(),
        "{what} failed ({:?}): {}\n{}",
        o.status.code(),
        stderr(o),
        stdout(o)
    );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

/// Effect rows: (PMID, intervention, outcome, yi, vi).
fn effects_csv(rows: &[(u64, &str, &str, f64, f64)]) -> String {
    let mut s = String::from("record,study,intervention,outcome,comparison,measure,yi,vi\n");
    for (p, i, o, y, v) in rows {
        s.push_str(&format!(
            "{p},Study {p},{i},{o},vs usual care,SMD,{y},{v}\n"
        ));
    }
    s
}

fn pmids(v: &Value) -> Vec<Value> {
    let mut out = v.as_array().cloned().unwrap_or_default();
    out.sort_by_key(|x| x.to_string());
    out
}

/// A review harvested and screened in month 1, with its protocol and server.
struct Month1 {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    work: PathBuf,
    server: Server,
}

const DBT: &str = "psych.dbt";
const SELF_HARM: &str = "self_harm_suicidality";

fn month1() -> Month1 {
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = tmp.path().to_path_buf();
    let dir = work.join("review");
    let server = Server::start(&shared().join("fixtures/pubmed"));
    for i in 0..10u64 {
        let pmid = 1001 + i;
        server.add_article(
            TERM,
            pmid,
            &article(pmid, i as usize, 2010 + i as i32, i < 4, None),
            "2020/01/01",
        );
    }
    let protocol = protocol_file(&work);
    ok(&run(&["init".into(), dir.display().to_string()]), "init");
    let mut a = vec![
        "harvest".into(),
        dir.display().to_string(),
        "--protocol".into(),
        protocol.display().to_string(),
    ];
    a.extend(eutils(&server));
    ok(&run(&a), "month-1 harvest");
    let decisions = write(
        &work,
        "m1-decisions.csv",
        "key,label,reason\n1001,include,\n1002,include,\n1003,include,\n1004,include,\n1005,exclude,\n1006,exclude,\n1007,exclude,\n1008,exclude,\n1009,exclude,\n1010,exclude,\n",
    );
    ok(
        &run(&[
            "decide".into(),
            dir.display().to_string(),
            "--from".into(),
            decisions.display().to_string(),
            "--reviewer".into(),
            "ana".into(),
        ]),
        "month-1 decisions",
    );
    ok(
        &run(&[
            "code".into(),
            dir.display().to_string(),
            "--protocol".into(),
            protocol.display().to_string(),
        ]),
        "code",
    );
    // Three trials pooled in DBT × self-harm (large effects: the CI and the
    // prediction interval stay clear of the null whatever the update does),
    // one alone in MBT × symptoms.
    let sheet = write(
        &work,
        "m1-effects.csv",
        &effects_csv(&[
            (1001, DBT, SELF_HARM, 2.0, 0.02),
            (1002, DBT, SELF_HARM, 2.1, 0.02),
            (1003, DBT, SELF_HARM, 2.2, 0.02),
            (1004, "psych.mbt", "symptoms", 0.4, 0.05),
        ]),
    );
    ok(
        &run(&[
            "extract".into(),
            dir.display().to_string(),
            "--import".into(),
            sheet.display().to_string(),
        ]),
        "month-1 effects",
    );
    Month1 {
        _tmp: tmp,
        dir,
        work,
        server,
    }
}

fn snapshot_json(dir: &Path, label: &str) -> (Output, Value) {
    let o = run(&[
        "snapshot".into(),
        dir.display().to_string(),
        "--label".into(),
        label.into(),
        "--json".into(),
    ]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap_or(Value::Null);
    if v["prisma"].is_object() {
        crate::support::assert_prisma_adds_up(&v["prisma"], label);
    }
    (o, v)
}

#[test]
fn issue_17_three_months_of_a_living_review() {
    let m = month1();
    let dir = m.dir.display().to_string();

    // Month 1: the first version.
    let (o, s1) = snapshot_json(&m.dir, "month 1");
    ok(&o, "snapshot 1");
    assert_eq!(s1["version"], 1);
    let p1 = &s1["prisma"];
    assert_eq!(p1["database_results"], 10);
    assert_eq!(p1["records_screened"], 10);
    assert_eq!(p1["records_excluded"], 6);
    assert_eq!(p1["total_studies"], 4);
    assert_eq!(p1["new_studies"], 4);
    assert_eq!(p1["previous_studies"], 0);
    let pooled1 = s1["pooled"].as_array().expect("pooled");
    assert_eq!(pooled1.len(), 1, "one pooled cell: {pooled1:?}");
    assert_eq!(pooled1[0]["k"], 3);
    assert_eq!(pooled1[0]["cumulative"].as_array().map(Vec::len), Some(3));
    // Taking it again with nothing changed makes no new version.
    let again = run(&["snapshot".into(), dir.clone()]);
    assert_eq!(again.status.code(), Some(11), "{}", stderr(&again));
    assert!(stderr(&again).contains("nothing changed since snapshot 1"));

    // Month 2: two new trials and two other new records in PubMed, one
    // excluded record revised, an included trial retracted, an excluded
    // record deleted by NLM; and one record from another database.
    for (i, pmid) in (2001..=2004u64).enumerate() {
        m.server.add_article(
            TERM,
            pmid,
            &article(pmid, 10 + i, 2024, i < 2, None),
            "2999/01/01",
        );
    }
    m.server.replace_article(
        1006,
        &article(1006, 5, 2015, false, None)
            .replace("described at length", "described again at length"),
        "2999/01/01",
    );
    m.server.replace_article(
        1003,
        &article(1003, 2, 2012, true, Some(2999999)),
        "2999/01/01",
    );
    m.server.delete(1007);
    let mut a = vec!["update".into(), dir.clone(), "--json".into()];
    a.extend(eutils(&m.server));
    let o = run(&a);
    ok(&o, "month-2 update");
    let u: Value = serde_json::from_str(&stdout(&o)).expect("update json");
    assert_eq!(u["outcome"], "updated");
    assert_eq!(u["new"], 4);
    assert_eq!(u["revised"], 2, "1006 revised, 1003 retracted: {u}");
    assert_eq!(u["deleted"], 1);
    assert_eq!(u["batch"]["new_records"], 4);
    assert_eq!(u["batch"]["awaiting"], 4);
    let extra = write(
        &m.work,
        "other-database.jsonl",
        &format!(
            "{}\n",
            serde_json::json!({"source_id": "ext-001", "title": TITLES[14], "year": 2024, "authors": ["Author14 Q"]})
        ),
    );
    let o = run(&[
        "update".into(),
        dir.clone(),
        "--files".into(),
        extra.display().to_string(),
    ]);
    ok(&o, "month-2 update from a file");
    assert!(stdout(&o).contains("1 new records"), "{}", stdout(&o));
    // The newest records come first in the screening queue (both updates'),
    // although the model, trained on month 1, has never seen them.
    {
        let review = lacuna::store::Review::open(&m.dir).expect("open");
        let mut session = lacuna::pipeline::session::Session::open(
            &review,
            &lacuna::pipeline::session::SessionOptions {
                reviewer: "ana".into(),
                protocol: None,
                target: 0.95,
                confidence: 0.95,
                rule: lacuna::screen::stop::DEFAULT,
            },
        )
        .expect("session");
        let mut top = session.top_new(10);
        top.sort();
        assert_eq!(
            top,
            [
                "pmid:2001",
                "pmid:2002",
                "pmid:2003",
                "pmid:2004",
                "src:ext-001"
            ]
        );
        let first = session.next_record().expect("a record to screen");
        let r = session.record(first.index).expect("record");
        let key = lacuna::store::key_text(&r.key());
        assert!(top.contains(&key), "{key} shown first");
    }
    let d = write(
        &m.work,
        "m2-decisions.csv",
        "key,label,reason\n2001,include,\n2002,include,\n2003,exclude,\n2004,exclude,\nsrc:ext-001,exclude,\n",
    );
    ok(
        &run(&[
            "decide".into(),
            dir.clone(),
            "--from".into(),
            d.display().to_string(),
            "--reviewer".into(),
            "ana".into(),
        ]),
        "month-2 decisions",
    );
    // 2001 is the first study of peer support × social functioning; 2002
    // joins the pooled DBT cell with most of its weight.
    let sheet = write(
        &m.work,
        "m2-effects.csv",
        &effects_csv(&[
            (1001, DBT, SELF_HARM, 2.0, 0.02),
            (1002, DBT, SELF_HARM, 2.1, 0.02),
            (1003, DBT, SELF_HARM, 2.2, 0.02),
            (1004, "psych.mbt", "symptoms", 0.4, 0.05),
            (2001, "peer", "social_functioning", 0.3, 0.04),
            (2002, DBT, SELF_HARM, 2.05, 0.005),
        ]),
    );
    ok(
        &run(&[
            "extract".into(),
            dir.clone(),
            "--import".into(),
            sheet.display().to_string(),
        ]),
        "month-2 effects",
    );
    let (o, s2) = snapshot_json(&m.dir, "month 2");
    ok(&o, "snapshot 2");
    assert_eq!(s2["version"], 2);
    let p2 = &s2["prisma"];
    assert_eq!(p2["previous_studies"], 4);
    assert_eq!(p2["new_studies"], 2);
    assert_eq!(p2["total_studies"], 6);
    assert_eq!(p2["excluded_other"], 1, "the record deleted by NLM");

    let o = run(&["diff".into(), dir.clone(), "--json".into()]);
    ok(&o, "diff");
    let diff: Value = serde_json::from_str(&stdout(&o)).expect("diff json");
    assert_eq!(diff["from"], 1);
    assert_eq!(diff["to"], 2);
    let r = &diff["records"];
    assert_eq!(
        pmids(&r["new"]),
        pmids(&serde_json::json!([2001, 2002, 2003, 2004, "src:ext-001"]))
    );
    assert_eq!(r["revised"], serde_json::json!([1006]));
    assert_eq!(r["retracted"], serde_json::json!([1003]));
    assert_eq!(r["deleted"], serde_json::json!([1007]));
    assert_eq!(
        diff["included_new"],
        serde_json::json!(["Study 2001", "Study 2002"])
    );
    assert_eq!(
        diff["included_retracted"],
        serde_json::json!(["Study 1003"])
    );
    let closed = diff["gaps_closed"].as_array().expect("gaps_closed");
    assert!(
        closed.iter().any(|g| g["intervention"] == "peer"
            && g["outcome"] == "social_functioning"
            && g["gap"] == "absolute"),
        "{closed:?}"
    );
    assert!(!diff["gaps_opened"]
        .as_array()
        .expect("gaps_opened")
        .iter()
        .any(|g| g["intervention"] == "peer" && g["outcome"] == "social_functioning"));
    // The pooled DBT cell moved: 1003 left (retracted), 2002 came in.
    let moved = diff["pooled_moved"].as_array().expect("pooled_moved");
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(moved[0]["intervention"], DBT);
    assert_eq!(moved[0]["from"]["k"], 3);
    assert_eq!(moved[0]["to"]["k"], 3);
    // Exactly two material changes: the first study in an empty cell, and a
    // new study carrying ≥ 25 % of a pooled cell's weight (2002's variance
    // is a quarter of the others': 4 / (1 + 1 + 4) of the weight, τ² = 0).
    let material: Vec<(String, String, String, String)> = diff["material"]
        .as_array()
        .expect("material")
        .iter()
        .map(|m| {
            (
                m["trigger"].as_str().unwrap_or("").to_string(),
                m["intervention"].as_str().unwrap_or("").to_string(),
                m["outcome"].as_str().unwrap_or("").to_string(),
                m["study"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let expected = vec![
        (
            "new_study_in_empty_cell".to_string(),
            "peer".to_string(),
            "social_functioning".to_string(),
            "Study 2001".to_string(),
        ),
        (
            "new_study_weight_share".to_string(),
            DBT.to_string(),
            SELF_HARM.to_string(),
            "Study 2002".to_string(),
        ),
    ];
    assert_eq!(material, expected, "{}", diff["material"]);
    let share = s2["pooled"][0]["weights"]["Study 2002"]
        .as_f64()
        .unwrap_or(0.0);
    assert!((share - 2.0 / 3.0).abs() < 1e-6, "share {share}");
    // The retracted study is out of the pooled result, and flagged.
    assert!(s2["pooled"][0]["weights"].get("Study 1003").is_none());
    let human = run(&["diff".into(), dir.clone()]);
    ok(&human, "diff (text)");
    assert!(stdout(&human).contains("RETRACTED"), "{}", stdout(&human));

    // Month 3: nothing new in PubMed: "nothing new", exit 11, no new version.
    let mut a = vec!["update".into(), dir.clone()];
    a.extend(eutils(&m.server));
    let o = run(&a);
    assert_eq!(o.status.code(), Some(11), "{}\n{}", stderr(&o), stdout(&o));
    assert!(stdout(&o).contains("nothing new"), "{}", stdout(&o));
    let again = run(&["snapshot".into(), dir.clone()]);
    assert_eq!(again.status.code(), Some(11), "{}", stderr(&again));
    let list = run(&[
        "snapshot".into(),
        dir.clone(),
        "--list".into(),
        "--json".into(),
    ]);
    ok(&list, "snapshot --list");
    let l: Value = serde_json::from_str(&stdout(&list)).expect("list json");
    assert_eq!(l.as_array().map(Vec::len), Some(2));
    assert_eq!(l[1]["label"], "month 2");
}

/// Month 2's changes on the server (as in the three-month test).
fn month2_changes(server: &Server) {
    for (i, pmid) in (2001..=2004u64).enumerate() {
        server.add_article(
            TERM,
            pmid,
            &article(pmid, 10 + i, 2024, i < 2, None),
            "2999/01/01",
        );
    }
    server.replace_article(
        1003,
        &article(1003, 2, 2012, true, Some(2999999)),
        "2999/01/01",
    );
    server.delete(1007);
}

/// What a review holds, for comparing two of them: the stored figures, the
/// log counts, and every record as exported.
fn state(dir: &Path) -> (String, usize, usize, usize, String, String) {
    let review = lacuna::store::Review::open(dir).expect("open");
    let stats = run(&["stats".into(), dir.display().to_string(), "--json".into()]);
    let mut s: Value = serde_json::from_str(&stdout(&stats)).expect("stats json");
    // Times differ between runs; counts must not.
    if let Some(o) = s.as_object_mut() {
        o.remove("recent_sources");
        o.remove("last_update");
    }
    let export = run(&["export".into(), dir.display().to_string()]);
    let finished = review
        .updates()
        .expect("updates")
        .iter()
        .filter(|u| u.finished_at.is_some())
        .count();
    (
        s.to_string(),
        review.harvests().expect("harvests").len(),
        finished,
        review.updates().expect("updates").len(),
        review.content_fingerprint().expect("fingerprint"),
        stdout(&export),
    )
}

fn update_cmd(dir: &Path, server: &Server) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_lacuna"));
    c.arg("update")
        .arg(dir)
        .args(eutils(server))
        .arg("--batch")
        .arg("1");
    c.env_remove("LACUNA_LOG").env_remove("LACUNA_FAILPOINT");
    c
}

#[test]
fn issue_17_a_killed_update_resumes_to_the_same_end_state() {
    let reference = month1();
    month2_changes(&reference.server);
    let o = update_cmd(&reference.dir, &reference.server)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let want = state(&reference.dir);
    assert_eq!(want.2, 1, "one finished update");

    for step in ["fetched", "deduplicated", "indexed", "coded"] {
        let m = month1();
        month2_changes(&m.server);
        let killed = update_cmd(&m.dir, &m.server)
            .env("LACUNA_FAILPOINT", format!("update:{step}"))
            .output()
            .expect("run");
        assert!(
            !killed.status.success() && killed.status.code().is_none(),
            "the failpoint after {step} did not kill the process: {:?}",
            killed.status
        );
        let o = update_cmd(&m.dir, &m.server).output().expect("run");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "resume after {step}: {err}");
        assert!(err.contains("carrying on update 1"), "{err}");
        assert!(
            err.contains("took over the write lock left by process"),
            "{err}"
        );
        assert_eq!(state(&m.dir), want, "killed after {step}, then resumed");
    }

    // A kill in the middle of fetching (no failpoint: SIGKILL while efetch
    // replies are slow and come one record at a time).
    let m = month1();
    month2_changes(&m.server);
    m.server.efetch_delay(std::time::Duration::from_millis(300));
    let before = m.server.log().iter().filter(|l| l.util == "efetch").count();
    let mut child = update_cmd(&m.dir, &m.server)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let t0 = std::time::Instant::now();
    while m.server.log().iter().filter(|l| l.util == "efetch").count() < before + 2 {
        assert!(t0.elapsed().as_secs() < 60, "the update never fetched");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().expect("kill -9");
    let _ = child.wait();
    m.server.efetch_delay(std::time::Duration::ZERO);
    let o = update_cmd(&m.dir, &m.server).output().expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got = state(&m.dir);
    assert_eq!(got.0, want.0, "same records and counts");
    assert_eq!(got.5, want.5, "same records exported");
    assert_eq!(got.2, 1, "one finished update");
}

#[test]
fn issue_17_update_is_locked_and_fails_cleanly_on_the_network() {
    let m = month1();
    let dir = m.dir.display().to_string();
    // Another process writing: update and snapshot are refused with exit 9.
    {
        let holder = lacuna::store::Review::open(&m.dir).expect("open");
        holder.lock_for_writing().expect("lock");
        let mut a = vec!["update".into(), dir.clone()];
        a.extend(eutils(&m.server));
        let o = run(&a);
        assert_eq!(o.status.code(), Some(9), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("another lacuna command is writing"),
            "{}",
            stderr(&o)
        );
        let o = run(&["snapshot".into(), dir.clone()]);
        assert_eq!(o.status.code(), Some(9), "{}", stderr(&o));
    }
    // NCBI failing: exit 8, a readable message, and nothing half-written.
    month2_changes(&m.server);
    // Three attempts (--retries 2), all refused.
    for _ in 0..3 {
        m.server
            .fault(Some("esearch"), crate::eutils_server::Fault::Status(503));
    }
    let before = state(&m.dir);
    let o = update_cmd(&m.dir, &m.server).output().expect("run");
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(8), "{err}");
    assert!(err.contains("503"), "{err}");
    assert_eq!(
        err.matches("run `lacuna").count(),
        1,
        "one instruction: {err}"
    );
    assert!(err.contains("run `lacuna update"), "{err}");
    let after = state(&m.dir);
    assert_eq!(after.0, before.0, "no record stored");
    assert_eq!(after.5, before.5);
    // The network back, the same command finishes the update.
    let o = update_cmd(&m.dir, &m.server).output().expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("carrying on update 1"));
    assert_eq!(state(&m.dir).2, 1);
}

/// An offline machine: no host answers at all. Said at once (after one
/// retry, not seven), with one instruction, and nothing changed.
#[test]
fn issue_29_an_offline_update_says_so_at_once_with_one_instruction() {
    let m = month1();
    // A port nothing listens on: every connection is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let before = state(&m.dir);
    let o = run(&[
        "update".into(),
        m.dir.display().to_string(),
        "--eutils-url".into(),
        format!("http://127.0.0.1:{port}/"),
        "--retries".into(),
        "6".into(),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(8), "{err}");
    assert!(err.contains("cannot reach 127.0.0.1"), "{err}");
    assert!(err.contains("offline"), "{err}");
    assert_eq!(
        err.matches("run `lacuna").count(),
        1,
        "one instruction: {err}"
    );
    assert!(
        !err.contains("gave up after"),
        "no retries past the second: {err}"
    );
    let after = state(&m.dir);
    assert_eq!(after.0, before.0, "no record stored");
    assert_eq!(after.5, before.5);
}

#[test]
fn issue_17_dry_run_stores_nothing() {
    let m = month1();
    month2_changes(&m.server);
    let before = state(&m.dir);
    let mut c = update_cmd(&m.dir, &m.server);
    let o = c.arg("--dry-run").output().expect("run");
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("records would be fetched"), "{out}");
    assert!(out.contains("dry run: nothing was stored"), "{out}");
    assert_eq!(state(&m.dir), before);
}

#[test]
fn issue_17_retraction_notices_in_pubmed_xml() {
    // Written for this test, in the shape of PubMed's records.
    let xml = format!(
        "<PubmedArticleSet>{}{}</PubmedArticleSet>",
        article(9001, 0, 2019, true, Some(9999)),
        article(9002, 1, 2019, true, None).replace(
            "</MedlineCitation>",
            "<CommentsCorrectionsList><CommentsCorrections RefType=\"ErratumIn\"><RefSource>J Living Tests. 2020;1:2</RefSource><PMID Version=\"1\">9003</PMID></CommentsCorrections><CommentsCorrections RefType=\"CommentIn\"><RefSource>Elsewhere</RefSource><PMID Version=\"1\">9004</PMID></CommentsCorrections><CommentsCorrections RefType=\"ExpressionOfConcernIn\"><RefSource>J Living Tests. 2021;2:3</RefSource></CommentsCorrections></CommentsCorrectionsList></MedlineCitation>"
        )
    );
    let mut recs = Vec::new();
    lacuna::parse::pubmed::read_slice(xml.as_bytes(), &mut |i| {
        if let lacuna::model::Item::Record(r) = i {
            recs.push(*r);
        }
        true
    })
    .expect("parse");
    assert_eq!(recs.len(), 2);
    let a = &recs[0];
    assert!(a.retracted());
    assert_eq!(a.corrections.len(), 1);
    assert_eq!(a.corrections[0].r#type, "RetractionIn");
    assert_eq!(a.corrections[0].pmid.map(|p| p.get()), Some(9999));
    let b = &recs[1];
    assert!(!b.retracted());
    let kinds: Vec<&str> = b.corrections.iter().map(|c| c.r#type.as_str()).collect();
    assert_eq!(
        kinds,
        ["ErratumIn", "ExpressionOfConcernIn"],
        "CommentIn is not kept"
    );
    assert_eq!(b.corrections[1].pmid, None);
    assert_eq!(
        b.corrections[1].source.as_deref(),
        Some("J Living Tests. 2021;2:3")
    );
    // The correction's PMID never becomes the record's.
    assert_eq!(b.pmid.map(|p| p.get()), Some(9002));
}

/// The NLM update file the benches use holds 4 `RetractionIn`, 8
/// `RetractionOf`, 164 `ErratumIn` and 1 `ExpressionOfConcernIn` entries,
/// and 4 records typed "Retracted Publication".
#[test]
fn issue_17_retractions_in_the_nlm_update_file() {
    let path = root().join("data/pubmed21n1298.xml.gz");
    assert!(
        path.is_file(),
        "{} is missing: run scripts/fetch-bench-data.sh (scripts/test.sh does)",
        path.display()
    );
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    let mut retracted_type = 0;
    let mut retracted = 0;
    lacuna::parse::open::read_file(&path, &mut |i| {
        if let lacuna::model::Item::Record(r) = i {
            for c in &r.corrections {
                *counts.entry(c.r#type.clone()).or_default() += 1;
            }
            if r.publication_types
                .iter()
                .any(|t| t == "Retracted Publication")
            {
                retracted_type += 1;
            }
            if r.retracted() {
                retracted += 1;
            }
        }
        true
    })
    .expect("read the NLM file");
    let n = |k: &str| counts.get(k).copied().unwrap_or(0);
    assert_eq!(n("RetractionIn"), 4);
    assert_eq!(n("RetractionOf"), 8);
    assert_eq!(n("ErratumIn"), 164);
    assert_eq!(n("ExpressionOfConcernIn"), 1);
    assert_eq!(retracted_type, 4);
    assert!(retracted >= retracted_type, "{retracted}");
}

#[test]
fn issue_17_living_triggers_are_checked_in_the_protocol() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let base = std::fs::read_to_string(protocol_file(tmp.path())).expect("protocol");
    let start = base.find("\n[living]\n").expect("[living]") + 1;
    let end = start
        + base
            .get(start..)
            .and_then(|s| s.find("\n# ---"))
            .expect("end of [living]");
    let with = |living: &str| {
        let text = format!("{}{living}\n{}", &base[..start], &base[end..]);
        lacuna::protocol::parse(Path::new("p.toml"), &text)
    };
    let p = with("[living]\ntriggers = [{ kind = \"new_study_weight_share\", threshold = 0.4 }]\nkeep_retracted = true")
        .expect("valid");
    assert_eq!(
        p.living.triggers,
        [lacuna::protocol::Trigger::NewStudyWeightShare { threshold: 0.4 }]
    );
    assert!(p.living.keep_retracted);
    let e =
        with("[living]\ntriggers = [{ kind = \"new_study_somewhere\" }]").expect_err("bad kind");
    assert_eq!(e.key, "living.triggers[0].kind");
    assert!(
        e.message.contains("new_study_in_empty_cell"),
        "{}",
        e.message
    );
    assert!(e.line > 0);
    let e = with("[living]\ntriggers = [{ kind = \"new_study_weight_share\", threshold = 25 }]")
        .expect_err("threshold as a percentage");
    assert_eq!(e.key, "living.triggers[0].threshold");
    let e = with("[living]\ntriggers = [{ kind = \"new_study_weight_share\" }]")
        .expect_err("no threshold");
    assert!(e.message.contains("needs a threshold"), "{}", e.message);
    // No [living] at all: every trigger (issue 27 added certainty_change),
    // threshold 0.25.
    let p = with("").expect("valid");
    assert_eq!(p.living.triggers.len(), 6);
    assert!(p
        .living
        .triggers
        .contains(&lacuna::protocol::Trigger::CertaintyChange));
}
