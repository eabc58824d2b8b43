//! Property tests of the pooling engine; each names its invariant.

use lacuna::meta::linalg::Design;
use lacuna::meta::{fit, Method, Options, Test};
use proptest::prelude::*;

fn studies() -> impl Strategy<Value = Vec<(f64, f64)>> {
    prop::collection::vec((-3.0f64..3.0, 0.001f64..2.0), 2..25)
}

fn run(y: &[f64], v: &[f64], m: Method) -> lacuna::meta::Fit {
    fit(
        y,
        v,
        &Design::intercept(y.len()),
        &Options {
            method: m,
            test: Test::Z,
            ..Options::default()
        },
    )
    .expect("fit")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// τ² ≥ 0 for every estimator, and never NaN.
    #[test]
    fn tau2_is_never_negative(s in studies()) {
        let (y, v): (Vec<f64>, Vec<f64>) = s.into_iter().unzip();
        for m in Method::ALL {
            let f = run(&y, &v, m);
            prop_assert!(f.tau2 >= 0.0 && f.tau2.is_finite(), "{:?}: {}", m, f.tau2);
            prop_assert!(f.estimate().is_finite());
        }
    }

    /// The estimate does not change when studies are reordered.
    #[test]
    fn study_order_is_irrelevant(s in studies(), seed in 0usize..1000) {
        let (y, v): (Vec<f64>, Vec<f64>) = s.iter().copied().unzip();
        let mut idx: Vec<usize> = (0..y.len()).collect();
        idx.rotate_left(seed % y.len());
        idx.reverse();
        let y2: Vec<f64> = idx.iter().map(|i| y[*i]).collect();
        let v2: Vec<f64> = idx.iter().map(|i| v[*i]).collect();
        for m in [Method::REML, Method::DL, Method::PM, Method::ML] {
            let (a, b) = (run(&y, &v, m), run(&y2, &v2, m));
            prop_assert!((a.estimate() - b.estimate()).abs() <= 1e-9 * (1.0 + a.estimate().abs()), "{:?}", m);
            prop_assert!((a.tau2 - b.tau2).abs() <= 1e-9 * (1.0 + a.tau2), "{:?}", m);
        }
    }

    /// DL's general method-of-moments form (traces of P) equals its textbook closed form.
    #[test]
    fn dl_equals_its_closed_form(s in studies()) {
        let (y, v): (Vec<f64>, Vec<f64>) = s.into_iter().unzip();
        let w: Vec<f64> = v.iter().map(|x| 1.0 / x).collect();
        let sw: f64 = w.iter().sum();
        let sw2: f64 = w.iter().map(|x| x * x).sum();
        let ybar: f64 = w.iter().zip(&y).map(|(a, b)| a * b).sum::<f64>() / sw;
        let q: f64 = w.iter().zip(&y).map(|(a, b)| a * (b - ybar).powi(2)).sum();
        let k = y.len() as f64;
        let closed = ((q - (k - 1.0)) / (sw - sw2 / sw)).max(0.0);
        let f = run(&y, &v, Method::DL);
        prop_assert!((f.tau2 - closed).abs() <= 1e-9 * (1.0 + closed), "{} vs {}", f.tau2, closed);
    }

    /// The common-effect estimate lies within the range of the yᵢ.
    #[test]
    fn common_effect_within_range(s in studies()) {
        let (y, v): (Vec<f64>, Vec<f64>) = s.into_iter().unzip();
        let f = run(&y, &v, Method::EE);
        let lo = y.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        prop_assert!(f.estimate() >= lo - 1e-12 && f.estimate() <= hi + 1e-12);
    }

    /// REML is the root of its score: the score is ~0 at an interior estimate.
    #[test]
    fn reml_solves_its_score_equation(s in studies()) {
        let (y, v): (Vec<f64>, Vec<f64>) = s.into_iter().unzip();
        let f = run(&y, &v, Method::REML);
        if f.tau2 > 1e-8 {
            let u = lacuna::meta::tau2::reml_score(&y, &v, &Design::intercept(y.len()), f.tau2).expect("score");
            let scale: f64 = v.iter().map(|x| 1.0 / (x + f.tau2)).sum();
            prop_assert!(u.abs() <= 1e-8 * scale * scale, "score {}", u);
        }
    }
}

#[test]
fn no_studies_or_mismatched_lengths_are_typed_errors() {
    use lacuna::meta::MetaError;
    assert_eq!(
        fit(&[], &[], &Design::intercept(0), &Options::default()).unwrap_err(),
        MetaError::Empty
    );
    assert_eq!(
        fit(
            &[0.1, 0.2],
            &[0.1],
            &Design::intercept(2),
            &Options::default()
        )
        .unwrap_err(),
        MetaError::Length(2, 1)
    );
    assert_eq!(
        lacuna::meta::pool(&[], &Options::default()).unwrap_err(),
        MetaError::Empty
    );
}
