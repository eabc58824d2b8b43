//! One test per quirk listed in the PubMed fixtures README, each named after
//! it, on the real fixture that shows it (plus a small XML of our own where
//! the quirk needs an exact expected string).

use crate::support::{parse_file, pubmed, pubmed_fixtures, records};
use lacuna::model::{Item, Record, RecordKind};
use lacuna::parse::open::FileErrorKind;
use lacuna::parse::{parse, ParseError};

fn one(xml: &str) -> Record {
    let p = parse(xml.as_bytes()).expect("parse");
    match p.items.into_iter().next() {
        Some(Item::Record(r)) => *r,
        other => panic!("expected a record, got {other:?}"),
    }
}

fn wrap(article: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><PubmedArticleSet><PubmedArticle><MedlineCitation>\
         <PMID Version=\"2\">99</PMID><Article>{article}</Article></MedlineCitation>\
         </PubmedArticle></PubmedArticleSet>"
    )
}

fn all_text(r: &Record) -> Vec<&str> {
    let mut v = vec![r.title.as_str()];
    v.extend(r.abstract_text.as_deref());
    v.extend(r.abstract_sections.iter().map(|s| s.text.as_str()));
    v.extend(r.other_abstracts.iter().map(|s| s.text.as_str()));
    v.extend(r.keywords.iter().map(String::as_str));
    v
}

#[test]
fn quirk_efetch_numeric_char_refs_are_decoded() {
    // efetch writes non-ASCII as &#x2013; etc.
    let recs = records(&pubmed("biopython__pubmed2.xml"));
    assert_eq!(recs.len(), 2);
    let mut non_ascii = 0;
    for f in pubmed_fixtures()
        .iter()
        .filter(|p| p.to_string_lossy().contains("metapub__"))
    {
        if let Ok((items, _)) = parse_file(f) {
            for i in items {
                if let Item::Record(r) = i {
                    for t in all_text(&r) {
                        assert!(
                            !t.contains("&#"),
                            "undecoded reference in PMID {:?}",
                            r.pmid
                        );
                        non_ascii += usize::from(!t.is_ascii());
                    }
                }
            }
        }
    }
    assert!(
        non_ascii > 20,
        "numeric references should decode to non-ASCII text ({non_ascii})"
    );
    let r = one(&wrap(
        "<ArticleTitle>a &#x2013; b &#8805; c &amp; d &lt;e&gt;</ArticleTitle>",
    ));
    assert_eq!(r.title, "a – b ≥ c & d <e>");
}

#[test]
fn quirk_ftp_layout_literal_utf8_and_http_dtd() {
    // Baseline/update files: literal UTF-8, an http:// DTD URL in the DOCTYPE.
    for f in [
        "pmparser__pubmed26n1334.xml.gz",
        "pmparser__pubmed26n1335.xml.gz",
        "pmparser__pubmed20n1016.xml.gz",
    ] {
        let recs = records(&pubmed(f));
        assert!(recs.len() >= 26, "{f}");
        assert!(
            recs.iter()
                .any(|r| all_text(r).iter().any(|t| !t.is_ascii())),
            "{f}: non-ASCII kept"
        );
    }
}

#[test]
fn quirk_mixed_content_inline_markup_is_flattened() {
    let r = one(&wrap(
        "<ArticleTitle>H<sub>2</sub>O and <i>in vivo</i> CO<sub>2</sub></ArticleTitle>\
         <Abstract><AbstractText>before <b>bold</b> <u>under</u> x<sup>2</sup> after</AbstractText></Abstract>",
    ));
    assert_eq!(r.title, "H2O and in vivo CO2");
    assert_eq!(
        r.abstract_text.as_deref(),
        Some("before bold under x2 after")
    );
    // Real: pubmed4 has <i>/<sup>/<sub> inside a structured abstract; pubmed5 escaped < >.
    let r = &records(&pubmed("biopython__pubmed4.xml"))[0];
    for t in all_text(r) {
        assert!(
            !t.contains("<sub>") && !t.contains("</"),
            "markup left in text"
        );
    }
    assert!(r.abstract_text.as_deref().unwrap_or("").contains("r2<0.25"));
    let r = &records(&pubmed("biopython__pubmed5.xml"))[0];
    assert!(r.abstract_text.as_deref().unwrap_or("").len() > 500);
}

#[test]
fn quirk_mathml_with_namespace_prefix_is_flattened() {
    let r = one(&wrap(
        "<ArticleTitle>Area <mml:math xmlns:mml=\"http://www.w3.org/1998/Math/MathML\">\
         <mml:mi>π</mml:mi><mml:msup><mml:mi>r</mml:mi><mml:mn>2</mml:mn></mml:msup></mml:math> grows</ArticleTitle>",
    ));
    assert_eq!(r.title, "Area πr2 grows");
    for f in ["biopython__pubmed6.xml", "biopython__pubmed7.xml"] {
        let r = &records(&pubmed(f))[0];
        let a = r.abstract_text.as_deref().unwrap_or("");
        assert!(a.len() > 300, "{f}: abstract must run past the math");
        assert!(!a.contains("mml:"), "{f}");
    }
}

#[test]
fn quirk_structured_abstract_keeps_labels_and_flat_text() {
    let r = &records(&pubmed("biopython__pubmed4.xml"))[0];
    let labels: Vec<_> = r
        .abstract_sections
        .iter()
        .map(|s| s.label.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(labels, ["OBJECTIVE", "DESIGN", "RESULTS", "CONCLUSIONS"]);
    let joined: Vec<&str> = r
        .abstract_sections
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(r.abstract_text.as_deref(), Some(joined.join(" ").as_str()));
    assert!(!r
        .abstract_text
        .as_deref()
        .unwrap_or("")
        .contains("OBJECTIVE"));
    // NlmCategory kept where present.
    let r = records(&pubmed("pmparser__pubmed26n1335.xml.gz"));
    let s = &r[0].abstract_sections[0];
    assert_eq!(
        (s.label.as_deref(), s.nlm_category.as_deref()),
        (Some("BACKGROUND"), Some("BACKGROUND"))
    );
}

#[test]
fn quirk_other_abstract_is_kept_apart() {
    let recs = records(&pubmed("pmparser__pubmed26n1334.xml.gz"));
    let r = recs
        .iter()
        .find(|r| r.pmid.map(|p| p.get()) == Some(41583336))
        .expect("record");
    assert_eq!(r.other_abstracts.len(), 1);
    assert_eq!(r.other_abstracts[0].language.as_deref(), Some("por"));
    assert_eq!(r.other_abstracts[0].r#type.as_deref(), Some("Publisher"));
    let main = r.abstract_text.as_deref().unwrap_or("");
    assert!(!main.contains(&r.other_abstracts[0].text));
}

#[test]
fn quirk_pubdate_season_and_medline_date() {
    let recs = records(&pubmed("biopython__pubmed1.xml"));
    assert_eq!(
        (recs[0].year, recs[0].pub_date.as_deref()),
        (Some(1990), Some("1990 Spring"))
    );
    let recs = records(&pubmed("pmparser__pubmed20n1016.xml.gz"));
    let r = recs
        .iter()
        .find(|r| r.pmid.map(|p| p.get()) == Some(30688251))
        .expect("record");
    assert_eq!(
        (r.year, r.pub_date.as_deref()),
        (Some(2019), Some("2019 Jan-Feb"))
    );
    let r = one(&wrap(
        "<Journal><JournalIssue><PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate></PubDate></JournalIssue></Journal>",
    ));
    assert_eq!(r.year, Some(1998));
}

#[test]
fn quirk_collective_name_equal_contrib_orcid() {
    let r = &records(&pubmed("biopython__pubmed7.xml"))[0];
    assert_eq!(
        r.authors.last().map(String::as_str),
        Some("Canadian Respiratory Research Network")
    );
    assert_eq!(r.authors.len(), 9);
    for a in &r.authors {
        assert!(!a.contains("orcid") && !a.contains("http"), "{a}");
    }
    let r = one(&wrap(
        "<AuthorList><Author ValidYN=\"Y\" EqualContrib=\"Y\"><LastName>Smith</LastName><ForeName>Jane A</ForeName>\
         <Initials>JA</Initials><Identifier Source=\"ORCID\">0000-0001</Identifier></Author>\
         <Author><LastName>Lee</LastName><ForeName>Min-Ho</ForeName></Author>\
         <Author ValidYN=\"N\"><LastName>Wrong</LastName></Author>\
         <Author><CollectiveName>The <i>X</i> Group</CollectiveName></Author></AuthorList>",
    ));
    assert_eq!(r.authors, ["Smith JA", "Lee MH", "The X Group"]);
}

#[test]
fn quirk_article_ids_doi_pmc_and_elocation_fallback() {
    let r = &records(&pubmed("biopython__pubmed4.xml"))[0];
    assert_eq!(
        r.doi.as_ref().map(|d| d.as_str()),
        Some("10.1136/gutjnl-2016-312510")
    );
    assert_eq!(r.pmcid.as_deref(), Some("PMC5442267"));
    let r = one(&wrap("<ELocationID EIdType=\"pii\">S1</ELocationID><ELocationID EIdType=\"doi\">10.1000/ABC.1</ELocationID>"));
    assert_eq!(r.doi.as_ref().map(|d| d.as_str()), Some("10.1000/abc.1"));
    assert_eq!(r.pmid_version, Some(2));
}

#[test]
fn quirk_reference_and_comment_ids_never_leak() {
    // Every metapub fixture is named after its PMID; its references and
    // CommentsCorrections carry other PMIDs and DOIs.
    let mut checked = 0;
    for f in pubmed_fixtures() {
        let name = f.file_name().expect("name").to_string_lossy().into_owned();
        let Some(pm) = name
            .strip_prefix("metapub__")
            .and_then(|n| n.strip_suffix(".xml"))
        else {
            continue;
        };
        let Ok(pm) = pm.parse::<u64>() else { continue };
        let recs = records(&f);
        if recs.is_empty() {
            continue; // the empty set
        }
        assert_eq!(recs.len(), 1, "{name}");
        assert_eq!(recs[0].pmid.map(|p| p.get()), Some(pm), "{name}");
        checked += 1;
    }
    assert!(checked > 100, "{checked}");
    let xml = "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>5</PMID><Article><ArticleTitle>T</ArticleTitle></Article>\
        <CommentsCorrectionsList><CommentsCorrections><PMID>6</PMID></CommentsCorrections></CommentsCorrectionsList></MedlineCitation>\
        <PubmedData><ReferenceList><Reference><ArticleIdList><ArticleId IdType=\"doi\">10.9/ref</ArticleId>\
        <ArticleId IdType=\"pubmed\">7</ArticleId></ArticleIdList></Reference></ReferenceList></PubmedData></PubmedArticle></PubmedArticleSet>";
    let r = one(xml);
    assert_eq!((r.pmid.map(|p| p.get()), r.doi.clone()), (Some(5), None));
}

#[test]
fn quirk_mesh_qualifiers_and_major_topic() {
    let recs = records(&pubmed("biopython__pubmed1.xml"));
    let with_q: Vec<_> = recs
        .iter()
        .flat_map(|r| &r.mesh_headings)
        .filter(|h| !h.qualifiers.is_empty())
        .collect();
    assert!(!with_q.is_empty());
    for r in &recs {
        assert_eq!(r.mesh.len(), r.mesh_headings.len());
        for m in &r.mesh_major {
            assert!(r.mesh_headings.iter().any(|h| &h.name == m && h.major));
        }
        assert!(r
            .mesh_headings
            .iter()
            .all(|h| h.ui.as_deref().is_some_and(|u| u.starts_with('D'))));
    }
    let r = one(&wrap("").replace(
        "</Article>",
        "</Article><MeshHeadingList><MeshHeading><DescriptorName UI=\"D1\" MajorTopicYN=\"N\">A</DescriptorName>\
         <QualifierName UI=\"Q1\" MajorTopicYN=\"Y\">therapy</QualifierName></MeshHeading>\
         <MeshHeading><DescriptorName UI=\"D2\" MajorTopicYN=\"Y\">B</DescriptorName></MeshHeading></MeshHeadingList>",
    ));
    assert_eq!(r.mesh, ["A", "B"]);
    assert_eq!(r.mesh_major, ["B"]); // descriptor flag only; qualifier flags stay in mesh_headings
    assert!(r.mesh_headings[0].qualifiers[0].major && r.mesh_headings[0].is_major());
}

#[test]
fn quirk_book_article_is_parsed_not_lost() {
    let recs = records(&pubmed("klortho-eutils-json__efetch.pubmedbook.xml"));
    assert_eq!(recs.len(), 1);
    let r = &recs[0];
    assert_eq!(r.kind, RecordKind::Book);
    assert_eq!(r.pmid.map(|p| p.get()), Some(20301295));
    assert!(!r.title.is_empty() && r.abstract_text.is_some() && r.year.is_some());
}

#[test]
fn quirk_delete_citation_lists() {
    let (items, s) = parse_file(&pubmed("pmparser__pubmed20n1016.xml.gz")).expect("parse");
    assert_eq!((s.counts.articles, s.counts.deletions), (26, 262));
    assert!(items
        .iter()
        .skip(26)
        .all(|i| matches!(i, Item::Deletion(_))));
}

#[test]
fn quirk_empty_title_with_vernacular_title() {
    let recs = records(&pubmed("pmparser__pubmed26n1334.xml.gz"));
    let r = recs
        .iter()
        .find(|r| r.pmid.map(|p| p.get()) == Some(41605226))
        .expect("record");
    assert_eq!(r.title, "");
    assert!(r.vernacular_title.as_deref().is_some_and(|v| !v.is_empty()));
}

#[test]
fn quirk_records_without_abstract() {
    let r = &records(&pubmed("metapub__11618220.xml"))[0];
    assert_eq!(r.abstract_text, None);
    assert!(r.abstract_sections.is_empty());
}

#[test]
fn quirk_empty_article_set_is_not_an_error() {
    let (items, s) = parse_file(&pubmed("metapub__37909814.xml")).expect("an empty set parses");
    assert!(items.is_empty());
    assert_eq!(s.counts.articles + s.counts.books + s.counts.deletions, 0);
}

#[test]
fn quirk_truncated_document_is_an_error_with_position() {
    // einfo4 is an einfo reply cut short: it is refused (not PubMed) before its end is reached.
    let e = parse_file(&pubmed("biopython__einfo4.xml")).expect_err("truncated");
    assert!(
        matches!(e.kind, FileErrorKind::Parse(ParseError::NotPubmed { .. })),
        "{e}"
    );
    // A truncated PubmedArticleSet: the file ends inside an element.
    let full = std::fs::read(pubmed("biopython__pubmed2.xml")).expect("read");
    let cut = &full[..full.len() / 2];
    match parse(cut) {
        Err(ParseError::Xml { offset, message }) => {
            assert!(offset > 0 && offset as usize <= cut.len(), "{offset}");
            assert!(
                message.contains("truncated") || message.contains("end"),
                "{message}"
            );
        }
        other => panic!("expected an XML error, got {other:?}"),
    }
}

#[test]
fn quirk_eutils_replies_are_not_pubmed() {
    for (f, root) in [
        ("biopython__einfo2.xml", "eInfoResult"),
        ("biopython__esearch8.xml", "eSearchResult"),
        ("biopython__epost2.xml", "ePostResult"),
        ("klortho-eutils-json__esearch.baderror.xml", "eSearchResult"),
    ] {
        match parse_file(&pubmed(f)).expect_err(f).kind {
            FileErrorKind::Parse(ParseError::NotPubmed { root: r }) => assert_eq!(r, root, "{f}"),
            other => panic!("{f}: {other:?}"),
        }
    }
}

#[test]
fn unreadable_record_is_a_warning_and_the_rest_loads() {
    let xml = "<PubmedArticleSet>\
        <PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>ok</ArticleTitle></Article></MedlineCitation></PubmedArticle>\
        <PubmedArticle><MedlineCitation><PMID>12x</PMID><Article><ArticleTitle>bad</ArticleTitle></Article></MedlineCitation></PubmedArticle>\
        <PubmedArticle><MedlineCitation><Article><ArticleTitle>no pmid</ArticleTitle></Article></MedlineCitation></PubmedArticle>\
        <PubmedArticle><MedlineCitation><PMID>3</PMID><Article><ArticleTitle>ok &bogus; too</ArticleTitle></Article></MedlineCitation></PubmedArticle>\
        </PubmedArticleSet>";
    let p = parse(xml.as_bytes()).expect("parse");
    let pmids: Vec<u64> = p
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Record(r) => r.pmid.map(|p| p.get()),
            Item::Deletion(_) => None,
        })
        .collect();
    assert_eq!(pmids, [1, 3]);
    assert_eq!(p.counts.skipped, 2);
    let skipped: Vec<_> = p.warnings.iter().filter(|w| w.skipped).collect();
    assert!(skipped[0].message.contains("12x"), "{}", skipped[0]);
    assert!(skipped[0].offset > 0 && skipped[1].offset > skipped[0].offset);
    assert!(skipped[1].message.contains("no PMID"));
    let kept: Vec<_> = p.warnings.iter().filter(|w| !w.skipped).collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].pmid.map(|p| p.get()), Some(3));
    assert!(kept[0].message.contains("bogus"));
}

#[test]
fn invalid_utf8_in_text_is_kept_with_a_warning() {
    let mut xml = b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>4</PMID><Article><ArticleTitle>caf".to_vec();
    xml.push(0xE9); // Latin-1 e-acute: not UTF-8
    xml.extend_from_slice(
        b" au lait</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>",
    );
    let p = parse(&xml).expect("parse");
    let r = match &p.items[0] {
        Item::Record(r) => r,
        other => panic!("{other:?}"),
    };
    assert_eq!(r.title, "caf\u{fffd} au lait");
    assert_eq!(p.counts.skipped, 0);
    assert_eq!(p.warnings.len(), 1);
    assert!(
        !p.warnings[0].skipped && p.warnings[0].message.contains("UTF-8"),
        "{}",
        p.warnings[0]
    );
}
