//! The library sessions every front end shares (issue 15), called directly as
//! the web app will call them: a screening session's next record, decide,
//! undo and status; decisions by key, all or none; decisions from a CSV;
//! agreement between reviewers.

use crate::support::{demo_imported, root};
use lacuna::model::Label;
use lacuna::pipeline::session::{
    agreement, read_decisions, record_decisions, DecisionInput, Session, SessionOptions,
};
use lacuna::store::Review;

fn options(reviewer: &str) -> SessionOptions {
    SessionOptions {
        reviewer: reviewer.into(),
        protocol: Some(root().join("protocols/complex-emotional-needs.toml")),
        target: 0.95,
        confidence: 0.95,
        rule: lacuna::screen::stop::DEFAULT,
    }
}

#[test]
fn a_session_decides_undoes_and_keeps_every_decision() {
    let (_t, dir) = demo_imported();
    let mut review = Review::open(&dir).expect("open");
    let mut s = Session::open(&review, &options("ana")).expect("session");
    assert_eq!(s.status().screened, 0);
    assert!(!s.exclusion_reasons().is_empty());
    let first = s.next_record().expect("a record");
    assert_eq!((first.rank, first.again), (1, false));
    let title = s.record(first.index).expect("record").title.clone();
    // the protocol's key terms are found in the record's text, in order
    let spans = s.highlights("dialectical behaviour therapy and mentalization-based treatment");
    assert!(spans.len() >= 2, "{spans:?}");
    assert!(spans.windows(2).all(|w| w[0].end <= w[1].start));

    s.decide(&mut review, &first, Label::Include, None)
        .expect("decide");
    assert_eq!((s.status().screened, s.status().relevant), (1, 1));
    let second = s.next_record().expect("a second record");
    assert_ne!(second.index, first.index);

    // undo: the same record again, and the new decision supersedes
    assert!(s.undo());
    let again = s.next_record().expect("the record again");
    assert_eq!(
        (again.index, again.again, again.rank),
        (first.index, true, 0)
    );
    s.decide(&mut review, &again, Label::Exclude, None)
        .expect("decide again");
    assert_eq!((s.status().screened, s.status().relevant), (1, 0));

    // a reason not in the protocol is refused and stores nothing
    let next = s.next_record().expect("next");
    let e = s
        .decide(&mut review, &next, Label::Exclude, Some("not_a_reason"))
        .expect_err("an unknown reason");
    assert!(e.to_string().contains("not_a_reason"), "{e}");
    let seq = review.decision_sequence().expect("decisions");
    assert_eq!(seq.len(), 1, "{seq:?}");
    // the latest decision counts, and a session opened anew replays it
    assert_eq!(seq[0].1, Label::Exclude);
    let reopened = Session::open(&review, &options("ana")).expect("session");
    assert_eq!(
        (reopened.status().screened, reopened.status().relevant),
        (1, 0)
    );
    assert!(!title.is_empty());
}

#[test]
fn decisions_by_key_are_stored_all_or_none() {
    let (_t, dir) = demo_imported();
    let mut review = Review::open(&dir).expect("open");
    let keys: Vec<String> = review
        .briefs()
        .expect("records")
        .into_values()
        .take(2)
        .map(|b| b.key)
        .collect();
    let d = |key: &str, label| DecisionInput::new(key, label);
    let e = record_decisions(
        &mut review,
        &[
            d(&keys[0], Label::Include),
            d("99999999999", Label::Exclude),
        ],
        "ana",
        "title_abstract",
    )
    .expect_err("an unknown key");
    assert!(e.to_string().contains("99999999999"), "{e}");
    assert!(review.decision_sequence().expect("seq").is_empty());
    let n = record_decisions(
        &mut review,
        &[d(&keys[0], Label::Include), d(&keys[1], Label::Exclude)],
        "ana",
        "title_abstract",
    )
    .expect("stored");
    assert_eq!(n, 2);
    record_decisions(
        &mut review,
        &[d(&keys[0], Label::Exclude), d(&keys[1], Label::Exclude)],
        "ben",
        "title_abstract",
    )
    .expect("stored");
    let ag = agreement(&review).expect("agreement");
    assert_eq!(ag.reviewers, ["ana", "ben"]);
    assert_eq!((ag.pairs[0].both, ag.pairs[0].agreed), (2, 1));
    assert_eq!(ag.conflicts.len(), 1);
    assert_eq!(ag.conflicts[0].votes.len(), 2);
}

#[test]
fn a_decision_sheet_with_a_bad_label_names_its_row() {
    let t = tempfile::tempdir().expect("tempdir");
    let p = t.path().join("d.csv");
    std::fs::write(&p, "key,label\n123,include\n456,perhaps\n").expect("write");
    let e = read_decisions(&p).expect_err("a bad label");
    assert!(e.to_string().contains("row 3"), "{e}");
    std::fs::write(
        &p,
        "key,label,reason\n123,include,\n456,exclude,wrong_population\n",
    )
    .expect("write");
    let v = read_decisions(&p).expect("read");
    assert_eq!(v.len(), 2);
    assert_eq!(v[1].reason.as_deref(), Some("wrong_population"));
}
