//! Methods: sources and searches, screening and its stopping rule, coding,
//! synthesis (the estimator and interval method in words, REML and
//! Knapp–Hartung explained), software; and the search strings in full, as a
//! visible list (printed, never folded away).

use super::doc::{text, Block, Inline, Line};
use super::words::{method_words, test_words, Terms};
use super::Briefing;

/// The section's blocks.
pub(super) fn blocks(b: &Briefing<'_>, terms: &mut Terms) -> Vec<Block> {
    let s = b.snapshot;
    let p = &s.prisma;
    let m = &b.methods;
    let syn = &b.protocol.synthesis;
    let databases: Vec<String> = p
        .database_specific_results
        .iter()
        .map(|d| format!("{} ({} records)", d.database, d.n))
        .collect();
    let searches: Vec<String> = s
        .searches
        .iter()
        .map(|r| {
            format!(
                "{} {} on {}{}",
                r.database,
                r.name,
                r.at.get(..10).unwrap_or(&r.at),
                r.window_from
                    .as_deref()
                    .map(|w| format!(" (new or revised since {w})"))
                    .unwrap_or_default()
            )
        })
        .collect();
    let para = |head: &str, rest: Line| {
        let mut t = vec![Inline::Strong(format!("{head}."))];
        t.extend(rest);
        Block::Para {
            class: None,
            text: t,
        }
    };
    let mut synthesis =
        text(" Random-effects meta-analysis; the between-study variance τ² estimated by ");
    synthesis.extend(method_words(syn.method, terms));
    synthesis.push(Inline::Text(format!(
        "; confidence intervals from {}. Cells are pooled when they have at least {} comparable studies (one row per study); prediction intervals are given from k = {} studies. The results equal those of R's metafor package. Retracted studies are {}.",
        test_words(syn.test),
        syn.min_k_pool,
        syn.pi_min_k,
        if b.protocol.living.keep_retracted {
            "kept in the pooled results"
        } else {
            "left out of the pooled results"
        }
    )));
    let out = vec![
        Block::Heading {
            level: 2,
            id: Some("methods"),
            text: "Methods".into(),
        },
        para(
            "Sources",
            text(format!(
                " {}. Searches and imports: {}.",
                databases.join("; "),
                searches.join("; ")
            )),
        ),
        para(
            "Screening",
            text(format!(
                " {} of {} records were screened by title and abstract ({}), in the order of an active-learning model (a linear support vector machine on TF-IDF features: the words of title, abstract, keywords and MeSH headings, the Medical Subject Headings PubMed indexes articles with, weighted by their rarity; retrained after every decision). The stopping rule (a hypergeometric test for 95 % recall at 95 % confidence) estimates recall at {:.0} % (95 % lower bound {:.0} %){}.",
                m.screened,
                m.records,
                if m.reviewers.is_empty() {
                    "no reviewer named".to_string()
                } else {
                    m.reviewers.join(", ")
                },
                m.recall.0 * 100.0,
                m.recall.1 * 100.0,
                if m.can_stop {
                    ", which lets screening stop".to_string()
                } else {
                    match m.to_stop {
                        Some(n) => format!(
                            "; it would let screening stop after {n} more irrelevant records in a row"
                        ),
                        None => String::new(),
                    }
                },
            )),
        ),
        para(
            "Coding",
            text(format!(
                " Included studies were coded by intervention, outcome, population and design with the protocol's {} rules (MeSH headings and title/abstract patterns, with negation and exclusion-criteria handling); people made {} edits to the codes. {} effect-size rows were extracted.",
                m.rules, m.code_edits, m.effect_rows
            )),
        ),
        para("Synthesis", synthesis),
        para(
            "Certainty",
            text(format!(
                " Risk of bias was judged per study with RoB 2 (randomised trials) or ROBINS-I (other studies) and imported as robvis's sheet; each pooled result's certainty was rated with GRADE (GRADE handbook; Guyatt et al. 2011, guidelines 6–8; Cochrane Handbook chapters 8 and 14): high when every study is randomised, else low, then down for risk of bias (by the studies' shares of the pooled weight), inconsistency, imprecision (against the optimal information size), publication bias (Egger's test from 10 studies) and indirectness, with people's judgements last. Thresholds: {}.",
                {
                    let named = b.protocol.certainty.named();
                    if named.is_empty() {
                        "Lacuna's defaults (the README gives them)".to_string()
                    } else {
                        format!("the protocol's [certainty] sets {}, the rest Lacuna's defaults", named.join(", "))
                    }
                }
            )),
        ),
        para(
            "Software",
            text(format!(
                " Lacuna {}; protocol {} version {} (hash {}).",
                s.lacuna_version, s.protocol_id, s.protocol_version, s.protocol_hash
            )),
        ),
    ];
    out.into_iter().chain(search_strings(b)).collect()
}

/// The protocol's search strings in full, as a visible list (printed, never
/// folded away).
fn search_strings(b: &Briefing<'_>) -> Vec<Block> {
    if b.protocol.searches.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    out.push(Block::Heading {
        level: 3,
        id: Some("search-strings"),
        text: "Search strings".into(),
    });
    out.push(Block::List {
        ordered: false,
        class: Some("searches"),
        items: b
            .protocol
            .searches
            .iter()
            .map(|q| {
                let short = q.id.split('_').next().unwrap_or(&q.id);
                let mut l = vec![Inline::Strong(format!("Search {short}"))];
                if !q.purpose.trim().is_empty() {
                    l.push(Inline::Text(format!(" ({})", q.purpose.trim())));
                }
                l.push(Inline::Text(": ".into()));
                l.push(Inline::Code(q.query.clone()));
                l
            })
            .collect(),
    });
    out
}
