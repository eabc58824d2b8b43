//! Issue 30, item 5: record text and labels are literal in every page and
//! table Lacuna writes. A review whose records (titles, authors, journals,
//! abstracts, DOIs) and protocol (title, a category's label) carry HTML and
//! Markdown meant to run or fetch something is taken to a snapshot and a
//! briefing: the Markdown shows the text escaped, never as markup, links or
//! images; the gap map's page carries a Content-Security-Policy that lets
//! only its own script run; the PRISMA CSV starts no cell with a formula.

use crate::support::{lacuna, new_review, root, stderr};
use std::path::Path;

/// Record `i`, hostile everywhere a person reads it; coded as a trial of
/// dialectical behaviour therapy for self-harm, so it is on the map.
fn record(i: usize) -> serde_json::Value {
    serde_json::json!({
        "schema_version": 1,
        "kind": "article",
        "source_id": format!("h-{i}"),
        "title": format!("Dialectical behaviour therapy for self-harm <script>alert({i})</script> <iframe src=\"http://evil.example/\"></iframe> [click](javascript:alert(2)) ![x](http://evil.example/p.png) <img src=x onerror=alert(3)>: a randomised controlled trial {i}"),
        "abstract": "Randomised controlled trial of DBT versus treatment as usual; self-harm <script>alert(4)</script> reduced.",
        "journal": "Journal <b>of</b> [j](javascript:alert(5)) ![y](http://evil.example/j.png)",
        "year": 2020 + i,
        "doi": format!("10.1000/h{i})\"><script>alert(9)</script>"),
        "authors": [format!("Evil{i} <script>alert(6)</script>"), "[Link](javascript:alert(7)) A", "![z](http://evil.example/a.png) B"],
        "publication_types": ["Randomized Controlled Trial"],
    })
}

/// The demo's protocol with a hostile title and intervention label.
fn protocol(dir: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(root().join("protocols/complex-emotional-needs.toml"))
        .expect("protocol");
    let title =
        "title = \"Interventions and service models for people with complex emotional needs";
    assert!(text.contains(title));
    let label = "label = \"Dialectical behaviour therapy (DBT, incl. skills-only, DBT-A, RO-DBT)\"";
    assert!(text.contains(label));
    let text = text
        .replacen(
            title,
            "title = 'Hostile <script>alert(\"t\")</script> [p](javascript:alert(1)) review'\nold_title = \"",
            1,
        )
        .replace(
            label,
            "label = 'Dialectical behaviour therapy <iframe src=\"http://evil.example/\"></iframe> ![l](http://evil.example/l.png)'",
        );
    let p = dir.join("hostile.toml");
    std::fs::write(&p, text).expect("write");
    p
}

fn ok(o: &std::process::Output, what: &str) {
    assert_eq!(o.status.code(), Some(0), "{what}: {}", stderr(o));
}

#[test]
fn issue_30_record_text_is_escaped_in_the_markdown_briefing_and_the_map_has_a_csp() {
    let (t, dir) = new_review();
    let records = t.path().join("hostile.jsonl");
    let lines: Vec<String> = (0..3).map(|i| record(i).to_string()).collect();
    std::fs::write(&records, lines.join("\n") + "\n").expect("write");
    let protocol = protocol(t.path());
    ok(
        &lacuna(&[
            &"import",
            &dir,
            &records,
            &"--database",
            &"=HYPERLINK(\"http://evil.example/\",\"PubMed\")",
            &"-q",
        ]),
        "import",
    );
    let decisions = t.path().join("decisions.csv");
    std::fs::write(
        &decisions,
        "key,label,reason\nh-0,include,\nh-1,include,\nh-2,exclude,other\n",
    )
    .expect("write");
    ok(&lacuna(&[&"decide", &dir, &"--from", &decisions]), "decide");
    ok(
        &lacuna(&[&"code", &dir, &"--protocol", &protocol, &"-q"]),
        "code",
    );
    ok(&lacuna(&[&"snapshot", &dir, &"-q"]), "snapshot");
    let out = t.path().join("briefing");
    ok(
        &lacuna(&[&"report", &dir, &"--no-pdf", &"--out", &out, &"-q"]),
        "report",
    );

    let md = std::fs::read_to_string(out.join("briefing.md")).expect("briefing.md");
    // no markup, link, image or bare URL from record text or labels
    for bad in [
        "<script",
        "<iframe",
        "<img",
        "<b>",
        "](javascript:",
        "http://evil",
        "\">",
    ] {
        assert!(!md.contains(bad), "{bad:?} in briefing.md");
    }
    // the only images are Lacuna's figures, the only links its own files
    for (i, _) in md.match_indices("![") {
        assert!(
            md[i..].starts_with("![Figure "),
            "an image not Lacuna's: {}",
            &md[i..(i + 80).min(md.len())]
        );
    }
    for (i, _) in md.match_indices("](") {
        let target: String = md[i + 2..].chars().take_while(|c| *c != ')').collect();
        assert!(
            target
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._%".contains(c)),
            "a link to {target:?}"
        );
        assert!(
            md[..i].ends_with(|c: char| c != '\\'),
            "an escaped bracket followed by a link"
        );
    }
    // and the text is there to read, escaped rather than dropped
    for readable in [
        "# Evidence briefing: Hostile &lt;script&gt;alert(\"t\")&lt;/script&gt;",
        "&lt;script&gt;alert(0)&lt;/script&gt; &lt;iframe src=\"http\\://evil.example/\"&gt;&lt;/iframe&gt; \\[click\\]\\(javascript:alert(2)) \\!\\[x\\]\\(http\\://evil.example/p.png) &lt;img src=x onerror=alert(3)&gt;: a randomised controlled trial 0",
        "**Evil0 &lt;script&gt;alert(6)&lt;/script&gt; 2020.**",
        "\\[Link\\]\\(javascript:alert(7)) A",
        "Journal &lt;b&gt;of&lt;/b&gt; \\[j\\]\\(javascript:alert(5))",
        "Dialectical behaviour therapy &lt;iframe src=\"http\\://evil.example/\"&gt;",
    ] {
        assert!(md.contains(readable), "{readable:?} not in briefing.md");
    }

    // the pages: text escaped, and the map's page under the briefing's CSP
    let html = std::fs::read_to_string(out.join("briefing.html")).expect("briefing.html");
    assert!(!html.contains("<script"), "the briefing runs no script");
    let csp = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:";
    assert!(html.contains(csp));
    let map = std::fs::read_to_string(out.join("gapmap.html")).expect("gapmap.html");
    assert!(map.contains(csp), "the map's page has no CSP");
    assert_eq!(
        map.matches("<script").count(),
        3,
        "the map's two data blocks and its one script, nothing from records"
    );
    let script = map
        .rsplit("<script>")
        .next()
        .and_then(|s| s.split("</script>").next())
        .expect("the map's script");
    use base64::Engine as _;
    use sha2::Digest as _;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script));
    assert!(
        map.contains(&format!("script-src 'sha256-{hash}'")),
        "the CSP allows the map's own script by its hash"
    );

    // the PRISMA CSV: a database's name is text, never a formula
    let prisma = std::fs::read(out.join("prisma.csv")).expect("prisma.csv");
    let mut rows = csv::Reader::from_reader(prisma.as_slice());
    let mut named = false;
    for r in rows.records() {
        let r = r.expect("a CSV row");
        for cell in r.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "a formula in prisma.csv: {cell}"
            );
            named |= cell.contains("HYPERLINK");
        }
    }
    assert!(named, "the database's name is kept, as text");
}
