//! The ranker's unit tests: the features and the converged SVM against
//! scikit-learn, warm starts against fits from scratch, kept scores against
//! fresh ones, and folded features against the full matrix.

use super::*;
use crate::screen::features::{build, tfidf_with, Vocabulary};

/// Records with words and word pairs of their own, so that folding has
/// work to do, and shared ones, so that the classes can be told apart.
fn texts() -> Vec<String> {
    (0..60)
        .map(|i| {
            let topic = if i % 4 == 0 {
                "mentalization based treatment trial"
            } else {
                "mouse model assay"
            };
            format!("{topic} unique{i} alpha{i} beta{i} common words {i}")
        })
        .collect()
}

/// The features and the converged SVM against scikit-learn, which
/// ASReview's ELAS u4 uses: `TfidfVectorizer(ngram_range=(1, 2),
/// sublinear_tf=True, min_df=1, max_df=0.95)` and `LinearSVC(C=0.11,
/// loss="squared_hinge", tol=1e-10)` fitted with ASReview's balanced
/// sample weights (ratio 9.8), on fourteen titles written for this test
/// (`tests/fixtures/screening/sklearn-titles.txt`), ten of them labelled.
/// Reference values from scikit-learn 1.9.1 (`scripts/sklearn-reference.py`):
/// per row, the sorted weights of the features two records or more share,
/// then the sum and the sum of squares of the weights of the row's own
/// features; then the decision value of every row.
#[test]
#[allow(clippy::excessive_precision)] // the figures as scikit-learn printed them
fn features_and_converged_svm_equal_scikit_learns() {
    let texts: Vec<&str> = include_str!("../../../tests/fixtures/screening/sklearn-titles.txt")
        .lines()
        .collect();
    assert_eq!(texts.len(), 14);
    #[rustfmt::skip]
    let expected: [(&[f32], f32, f32); 14] = [
        (&[0.195850217, 0.195850217, 0.195850217, 0.214483984, 0.214483984, 0.214483984, 0.237289873, 0.237289873, 0.237289873, 0.237289873, 0.266691777, 0.266691777, 0.266691777, 0.266691777, 0.266691777, 0.266691777], 0.308131433, 0.094944980),
        (&[0.122701398, 0.155631165, 0.155631165, 0.155631165, 0.170438374, 0.170438374, 0.211924973, 0.211924973, 0.211924973], 2.938256885, 0.719446127),
        (&[0.128559549, 0.163061487, 0.163061487, 0.163061487, 0.178575638, 0.178575638, 0.178575638, 0.197563425, 0.197563425, 0.197563425, 0.222042939, 0.222042939], 2.308903894, 0.592337466),
        (&[0.124806732, 0.191796296, 0.191796296, 0.191796296, 0.191796296, 0.215561222, 0.215561222], 2.988672055, 0.744346721),
        (&[0.161331048, 0.195466845, 0.195466845, 0.195466845, 0.195466845, 0.219686578, 0.219686578, 0.219686578, 0.219686578, 0.219686578], 2.284401372, 0.579832181),
        (&[0.127826294, 0.196436598, 0.196436598, 0.196436598, 0.196436598, 0.22077649, 0.22077649, 0.22077649, 0.22077649, 0.22077649], 2.295734779, 0.585599797),
        (&[0.109345499, 0.1386909, 0.151886362, 0.168036302, 0.168036302, 0.168036302, 0.168036302, 0.188857195, 0.188857195, 0.188857195, 0.188857195, 0.188857195, 0.188857195, 0.188857195, 0.188857195, 0.188857195, 0.188857195], 2.182025968, 0.476123732),
        (&[0.172366822, 0.172366822, 0.172366822, 0.172366822, 0.18876631, 0.18876631, 0.18876631, 0.208837662, 0.208837662, 0.208837662, 0.234714135], 2.169479795, 0.588330322),
        (&[0.159109812, 0.159109812, 0.159109812, 0.159109812, 0.192775621, 0.216661893], 3.254260117, 0.814631455),
        (&[0.212595956, 0.212595956, 0.212595956, 0.212595956, 0.238938108], 2.760652856, 0.762120419),
        (&[0.1274338, 0.195833433, 0.195833433, 0.195833433, 0.195833433, 0.195833433, 0.220098589, 0.220098589, 0.220098589], 2.542984059, 0.646676792),
        (&[0.135951168, 0.172436818, 0.208922468, 0.208922468, 0.234809448, 0.234809448, 0.234809448, 0.234809448, 0.234809448], 2.170360787, 0.588808243),
        (&[0.142115527, 0.218395525, 0.218395525, 0.245456285, 0.245456285, 0.245456285, 0.245456285], 2.268770268, 0.643414816),
        (&[0.204512832, 0.204512832, 0.229853427, 0.229853427, 0.229853427, 0.229853427, 0.229853427, 0.229853427, 0.229853427, 0.229853427], 1.858982932, 0.493688220),
    ];
    let f = tfidf_with(&texts, &Vocabulary::default());
    assert_eq!((f.dim, f.shared()), (176, 50));
    for (i, (shared, own_sum, own_sq)) in expected.iter().enumerate() {
        let mut vals: Vec<f32> = f.row(i).vals().collect();
        vals.sort_by(f32::total_cmp);
        assert_eq!(vals.len(), shared.len(), "row {i}");
        for (a, b) in vals.iter().zip(shared.iter()) {
            assert!((a - b).abs() < 1e-6, "row {i}: {a} against {b}");
        }
        assert!((f.own_sum[i] - own_sum).abs() < 1e-5, "row {i}");
        assert!((f.own_sq[i] - own_sq).abs() < 1e-5, "row {i}");
    }
    #[rustfmt::skip]
    let labels = [
        Some(true), Some(true), Some(true), None, Some(false), Some(false), None,
        Some(true), Some(false), Some(false), Some(false), None, Some(false), None,
    ];
    let labelled: Vec<(usize, bool)> = labels
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.map(|y| (i, y)))
        .collect();
    #[rustfmt::skip]
    let decision = [0.692990282, 0.634256896, 0.683077896, 0.373785108, 0.314626518, 0.315199385, 0.392311808, 0.677946612, 0.399382058, 0.332774055, 0.338403288, 0.429480011, 0.335397428, 0.37616951];
    let mut m = Ranker::new(&Settings::default(), f.dim, 1);
    m.settings_mut().ratio = 9.8;
    m.settings_mut().tolerance = 1e-7;
    m.settings_mut().rounds = 100_000;
    m.train(&f, &labelled);
    for (i, d) in decision.iter().enumerate() {
        let s = m.score(&f, i);
        assert!(
            (s - d).abs() < 1e-4,
            "row {i}: {s} against scikit-learn's {d}"
        );
    }
}

#[test]
fn a_changed_or_undone_label_leaves_no_trace() {
    let f = tfidf_with(&texts(), &Vocabulary::default());
    let converged = |labelled: &[(usize, bool)], start: Option<Ranker>| {
        let mut m = start.unwrap_or_else(|| Ranker::new(&Settings::default(), f.dim, 3));
        m.settings_mut().tolerance = 1e-5;
        m.settings_mut().rounds = 2000;
        m.train(&f, labelled);
        m
    };
    let before: Vec<(usize, bool)> = (0..60).step_by(3).map(|i| (i, i % 4 == 0)).collect();
    let trained = converged(&before, None);
    // row 0 relabelled irrelevant, row 3 undone
    let mut after: Vec<(usize, bool)> = before.iter().copied().filter(|(r, _)| *r != 3).collect();
    if let Some(x) = after.iter_mut().find(|(r, _)| *r == 0) {
        x.1 = false;
    }
    let warm = converged(&after, Some(trained));
    let cold = converged(&after, None);
    for i in 0..60 {
        let (a, b) = (warm.score(&f, i), cold.score(&f, i));
        assert!(
            (a - b).abs() < 1e-3,
            "row {i}: {a} (warm) vs {b} (from scratch)"
        );
    }
}

#[test]
fn scores_kept_by_rank_stand_in_for_fresh_ones() {
    let f = tfidf_with(&texts(), &Vocabulary::default());
    let first: Vec<(usize, bool)> = (0..60).step_by(5).map(|i| (i, i % 4 == 0)).collect();
    let mut then = first.clone();
    then.extend([(1, false), (2, false), (8, true)]);
    let done: Vec<bool> = (0..60).map(|i| then.iter().any(|(r, _)| *r == i)).collect();
    let mut kept = Ranker::new(&Settings::default(), f.dim, 5);
    let mut plain = Ranker::new(&Settings::default(), f.dim, 5);
    kept.train(&f, &first);
    plain.train(&f, &first);
    // `kept` retrains from the scores `rank` stored, `plain` scores anew
    kept.rank(&f, &done);
    kept.train(&f, &then);
    plain.train(&f, &then);
    for i in 0..60 {
        assert_eq!(kept.score(&f, i), plain.score(&f, i), "row {i}");
    }
    // the same pick; the score up to rounding (`rank` moved the kept
    // scores by the change, `best` computes them anew)
    let (a, b) = (kept.rank(&f, &done), plain.best(&f, &done));
    let ((ra, sa), (rb, sb)) = (a.expect("rows left"), b.expect("rows left"));
    assert_eq!(ra, rb);
    assert!((sa - sb).abs() < 1e-5, "{sa} vs {sb}");
}

#[test]
fn scores_moved_by_the_change_match_scores_computed_anew() {
    let f = tfidf_with(&texts(), &Vocabulary::default());
    for loss in [Loss::Hinge, Loss::SquaredHinge] {
        let mut m = Ranker::new(&Settings::default(), f.dim, 11);
        m.settings_mut().loss = loss;
        let mut labelled = vec![(0, true), (1, false)];
        let mut done = vec![false; 60];
        done[0] = true;
        done[1] = true;
        let mut moved = 0;
        for step in 0..40 {
            m.train(&f, &labelled);
            let before = m.kept.since_full;
            let (pick, _) = m.rank(&f, &done).expect("records left");
            if m.kept.since_full > before {
                moved += 1;
            }
            for i in 0..60 {
                let (kept, fresh) = (m.kept.margin[i], m.score(&f, i));
                assert!(
                    (kept - fresh).abs() < 1e-4,
                    "{loss:?} step {step} row {i}: kept {kept}, fresh {fresh}"
                );
            }
            done[pick] = true;
            labelled.push((pick, pick % 4 == 0));
        }
        assert!(
            moved > 30,
            "{loss:?}: only {moved} rescorings by the change"
        );
    }
}

#[test]
fn folding_own_features_changes_no_score() {
    let voc = Vocabulary::default();
    let folded = build(&texts(), &voc, true);
    let full = build(&texts(), &voc, false);
    assert!(folded.shared() < full.shared(), "nothing was folded");
    assert_eq!(folded.dim, full.dim);
    let labelled: Vec<(usize, bool)> = (0..60).step_by(3).map(|i| (i, i % 4 == 0)).collect();
    for kind in [Classifier::Svm, Classifier::Logistic, Classifier::Nb] {
        for loss in [Loss::Hinge, Loss::SquaredHinge] {
            let mut a = Ranker::new(
                &Settings {
                    classifier: kind,
                    ..Settings::default()
                },
                folded.dim,
                7,
            );
            let mut b = Ranker::new(
                &Settings {
                    classifier: kind,
                    ..Settings::default()
                },
                full.dim,
                7,
            );
            a.settings_mut().loss = loss;
            b.settings_mut().loss = loss;
            a.train(&folded, &labelled);
            b.train(&full, &labelled);
            for i in 0..60 {
                if kind == Classifier::Nb && labelled.iter().any(|(r, _)| *r == i) {
                    continue; // naive Bayes scores only the rows without a label
                }
                let (x, y) = (a.score(&folded, i), b.score(&full, i));
                assert!(
                    (x - y).abs() < 1e-4,
                    "{kind:?} {loss:?} row {i}: {x} vs {y}"
                );
            }
        }
    }
}
