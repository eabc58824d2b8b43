//! The active-learning ranker: a linear classifier over the records'
//! [`Features`], retrained from the labels so far, scoring every unlabelled
//! record. Three classifiers, each in its own file with its own state: a
//! class-weighted linear SVM ([`svm`], the default), class-balanced L2
//! logistic regression ([`logistic`]) and multinomial naive Bayes
//! ([`bayes`]). Every knob of the three and of the vocabulary is in one
//! [`Settings`], whose defaults are the constants here. Pure and seeded: the
//! same inputs give the same ranking.
//!
//! The SVM's defaults (squared hinge, C = 0.11) are those of ASReview's ELAS
//! u4 model; only the class weight differs ([`DEFAULT_RATIO`]). Ranking moves
//! each kept score by the change in the weights since it was computed,
//! walking a column copy of the matrix for the features whose weight
//! changed, and scores every record anew (in parallel) every hundred steps.
//! One step with 1,000 labelled among 10,000 records takes about 0.16 ms,
//! among 100,000 about 1 ms (`cargo bench --bench rank`).
//!
//! No crate is used: the linfa/smartcore classifiers want dense or
//! ndarray-backed sparse matrices and retrain from scratch.

pub mod bayes;
mod kept;
pub mod logistic;
pub mod svm;

use super::features::{Features, Row, Vocabulary};
use kept::Kept;

/// Which classifier ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Classifier {
    /// Multinomial naive Bayes on the TF-IDF weights (α = 1, balanced priors).
    Nb,
    /// L2 logistic regression, class-balanced, warm-started SGD.
    Logistic,
    /// Linear SVM (L2-regularised hinge loss), class-balanced, solved by dual
    /// coordinate descent (Hsieh et al. 2008, as LIBLINEAR) with warm starts.
    Svm,
}

impl Classifier {
    /// Parse `svm`, `logistic` (or `lr`) or `nb` (or `naive_bayes`).
    pub fn parse(s: &str) -> Option<Classifier> {
        match s.to_ascii_lowercase().as_str() {
            "nb" | "naive_bayes" => Some(Classifier::Nb),
            "logistic" | "lr" => Some(Classifier::Logistic),
            "svm" => Some(Classifier::Svm),
            _ => None,
        }
    }
}

/// Loss of the linear SVM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// max(0, 1 − y·f(x)): the dual variables are bounded by C.
    Hinge,
    /// max(0, 1 − y·f(x))²: unbounded dual variables and a 1/(2C) ridge
    /// (LIBLINEAR's and scikit-learn's `LinearSVC` default).
    SquaredHinge,
}

impl Loss {
    /// Parse `squared-hinge` (or `l2`) or `hinge` (or `l1`).
    pub fn parse(s: &str) -> Option<Loss> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "squared-hinge" | "l2" => Some(Loss::SquaredHinge),
            "hinge" | "l1" => Some(Loss::Hinge),
            _ => None,
        }
    }
}

/// SVM cost C by default: ASReview's ELAS u4 value.
pub const DEFAULT_C: f32 = 0.11;
/// Class balance by default: the relevant records weigh 12 times the
/// irrelevant ones in all. ASReview's ELAS u4 uses 9.8; 12 gave the same
/// WSS@95 (within 0.003) and a better recall at 10 % on the six reference
/// datasets (chosen on those same datasets, 5 seeds each). On other priors
/// (seeds 6 to 25 of `lacuna simulate`, not used for the choice), 9.8 and 12
/// differ by 0.002 in mean WSS@95 and 0.001 in mean recall at 10 %, less than
/// the spread between seeds: the choice hardly matters
/// (`scripts/paired-settings.py`).
pub const DEFAULT_RATIO: f32 = 12.0;

/// SVM rounds per retrain by default. One, two, three or ten rounds (ten is
/// nearly converged each time) gave mean WSS@95 within 0.01 of each other on
/// each of the six reference datasets, and recall at 10 % within 0.06 (five
/// seeds each; no setting better throughout); one round is twice as fast as
/// ten on 6,000 records.
pub const DEFAULT_ROUNDS: usize = 1;

/// SVM: a labelled record is revisited while the size of its projected
/// gradient exceeds this. LIBLINEAR stops its dual solver at 0.1 (on the
/// spread of all projected gradients). Per record, 0.1 made about 360
/// coordinate updates after each label on a 6,000-record simulation, and 0.3
/// halves that simulation's time. On the six reference datasets (five seeds
/// each) tolerances 0.1, 0.2, 0.3 and 0.4 gave mean WSS@95 0.484, 0.483,
/// 0.486, 0.483 and mean recall at 10 % 0.579, 0.581, 0.577, 0.576; 0.3 was
/// chosen after seeing these figures, on those same datasets. On other priors
/// (seeds 6 to 25 of `lacuna simulate`, paired with the same priors), 0.1 and
/// 0.01 (three rounds, near the optimum ASReview solves for) differ from 0.3
/// by at most 0.0015 in mean WSS@95 and 0.004 in mean recall at 10 %, within
/// the spread between seeds (`scripts/paired-settings.py`).
pub const DEFAULT_TOLERANCE: f32 = 0.3;

/// L2 strength of the logistic regression by default.
pub const DEFAULT_LAMBDA: f32 = 1e-4;

/// Logistic regression: passes over the labelled records per retrain, by default.
pub const DEFAULT_EPOCHS: usize = 10;

/// Every setting of the ranker: the classifier, each classifier's knobs and
/// the vocabulary. The defaults (the constants of this module and of
/// [`super::features`]) are in [`Settings::default`] alone; front ends fill
/// what their users change.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// The classifier.
    pub classifier: Classifier,
    /// Which terms become features.
    pub vocabulary: Vocabulary,
    /// SVM cost C (before class balancing).
    pub c: f32,
    /// SVM loss.
    pub loss: Loss,
    /// Class balance (SVM): total weight of the relevant records over that of
    /// the irrelevant ones (1 = equal totals).
    pub ratio: f32,
    /// SVM: rounds per retrain (each: find the labelled records off the
    /// optimum by more than `tolerance`, one pass over them). One by default:
    /// a new label moves the optimum little, and the next retrain resumes.
    pub rounds: usize,
    /// SVM: a labelled record is revisited while its projected gradient
    /// exceeds this.
    pub tolerance: f32,
    /// L2 strength (logistic regression).
    pub lambda: f32,
    /// Logistic regression: passes over the labelled records per retrain.
    pub epochs: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            classifier: Classifier::Svm,
            vocabulary: Vocabulary::default(),
            c: DEFAULT_C,
            loss: Loss::SquaredHinge,
            ratio: DEFAULT_RATIO,
            rounds: DEFAULT_ROUNDS,
            tolerance: DEFAULT_TOLERANCE,
            lambda: DEFAULT_LAMBDA,
            epochs: DEFAULT_EPOCHS,
        }
    }
}

impl Settings {
    /// Why these settings cannot rank, if they cannot (named as the command
    /// line's flags).
    pub fn check(&self) -> Result<(), String> {
        let v = &self.vocabulary;
        if !(v.max_df > 0.0 && v.max_df <= 1.0) {
            return Err("--max-df must be above 0 and at most 1".into());
        }
        if !(self.c > 0.0 && self.c.is_finite() && self.ratio > 0.0 && self.ratio.is_finite()) {
            return Err("--svm-c and --balance-ratio must be positive numbers".into());
        }
        if !(self.tolerance > 0.0 && self.tolerance.is_finite()) {
            return Err("--tolerance must be a positive number".into());
        }
        if self.rounds == 0 || self.epochs == 0 {
            return Err("--rounds and --epochs must be at least 1".into());
        }
        Ok(())
    }
}

/// The weights of a linear model over [`Features`], shared by the three
/// classifiers: a weight per shared feature, the bias, and for the features
/// only one record has, one factor per row (their weight is that factor
/// times the feature's value) and one weight for any such feature (naive
/// Bayes).
#[derive(Debug, Clone, Default)]
pub struct Linear {
    w: Vec<f32>,
    b: f32,
    /// Per row: the weight of each of its own features is this times the
    /// feature's value (SVM: αᵢyᵢ).
    own: Vec<f32>,
    /// Naive Bayes: the weight of a feature no labelled record has, per unit.
    own_w: f32,
}

impl Linear {
    /// Score row `i` of `f`.
    fn score(&self, f: &Features, i: usize) -> f32 {
        dot(&self.w, f.row(i))
            + self.b
            + self.own.get(i).copied().unwrap_or(0.0) * f.own_sq.get(i).copied().unwrap_or(0.0)
            + self.own_w * f.own_sum.get(i).copied().unwrap_or(0.0)
    }
}

/// A trainable linear ranker over [`Features`]: the classifier the
/// [`Settings`] name, its weights, and the scores the last ranking kept.
#[derive(Debug, Clone)]
pub struct Ranker {
    settings: Settings,
    rng: u64,
    lin: Linear,
    kept: Kept,
    svm: svm::Svm,
}

/// w·x over a row's shared features. Four running sums, so that the
/// additions need not wait for each other.
fn dot(w: &[f32], row: Row<'_>) -> f32 {
    row.dot(w)
}

fn axpy(w: &mut [f32], d: f32, row: Row<'_>) {
    for (i, v) in row.iter() {
        if let Some(wi) = w.get_mut(i as usize) {
            *wi += d * v;
        }
    }
}

/// Shuffle `order` with the ranker's seeded generator.
fn shuffle(rng: &mut u64, order: &mut [usize]) {
    for i in (1..order.len()).rev() {
        let j = (super::xorshift(rng) % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
}

impl Ranker {
    /// A fresh ranker for `dim` features.
    pub fn new(settings: &Settings, dim: usize, seed: u64) -> Ranker {
        Ranker {
            settings: *settings,
            rng: seed | 1,
            lin: Linear {
                w: vec![0.0; dim],
                ..Linear::default()
            },
            kept: Kept::default(),
            svm: svm::Svm::default(),
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Change settings between retrains (a session's first fit runs more
    /// SVM rounds than the later ones).
    pub fn settings_mut(&mut self) -> &mut Settings {
        &mut self.settings
    }

    /// Retrain on labelled rows (`true` = relevant), starting from the
    /// previous weights (warm start); nothing until both classes are seen.
    pub fn train(&mut self, f: &Features, labelled: &[(usize, bool)]) {
        let pos = labelled.iter().filter(|(_, y)| *y).count();
        let neg = labelled.len() - pos;
        if pos == 0 || neg == 0 {
            return;
        }
        if self.lin.own.len() != f.len() {
            self.lin.own = vec![0.0; f.len()];
            self.svm.reset(f.len());
            self.lin.w.iter_mut().for_each(|w| *w = 0.0);
            self.lin.b = 0.0;
            self.kept.fresh = false;
        }
        let s = self.settings;
        match s.classifier {
            Classifier::Nb => {
                self.kept.fresh = false;
                bayes::train(&mut self.lin, f, labelled);
            }
            Classifier::Logistic => {
                self.kept.fresh = false;
                logistic::train(&mut self.lin, &mut self.rng, &s, f, labelled, pos, neg);
            }
            Classifier::Svm => self.svm.train(
                &mut self.lin,
                &mut self.kept,
                &mut self.rng,
                &s,
                f,
                labelled,
                pos,
                neg,
            ),
        }
    }

    /// Score row `i` of `f` (higher = more likely relevant). Exact for every
    /// row under the SVM and logistic regression; under naive Bayes, for the
    /// rows without a label (the ones ranked).
    pub fn score(&self, f: &Features, i: usize) -> f32 {
        self.lin.score(f, i)
    }

    /// The row with the highest score among those not `done` (ties: the
    /// lowest row), rows scored in parallel.
    ///
    /// ```
    /// use lacuna::screen::features::tfidf;
    /// use lacuna::screen::rank::{Ranker, Settings};
    /// let f = tfidf(&["mbt trial", "mbt trial", "mouse assay", "mouse assay"], 1);
    /// let mut m = Ranker::new(&Settings::default(), f.dim, 1);
    /// m.train(&f, &[(0, true), (2, false)]);
    /// let (row, _) = m.best(&f, &[true, false, true, false]).expect("two left");
    /// assert_eq!(row, 1);
    /// ```
    pub fn best(&self, f: &Features, done: &[bool]) -> Option<(usize, f32)> {
        use rayon::prelude::*;
        (0..f.len())
            .into_par_iter()
            .with_min_len(1024)
            .filter(|i| !done.get(*i).copied().unwrap_or(false))
            .map(|i| (i, self.score(f, i)))
            .reduce_with(pick)
    }

    /// As [`Ranker::best`], keeping every row's score, so that the next
    /// retrain finds the labelled rows to revisit without scoring them again,
    /// and the next `rank` moves the scores by the change in the weights
    /// rather than computing them anew (equal up to rounding; every hundredth
    /// call scores all rows anew). Meant to be called on the same
    /// [`Features`] every time.
    ///
    /// ```
    /// use lacuna::screen::features::tfidf;
    /// use lacuna::screen::rank::{Ranker, Settings};
    /// let f = tfidf(&["mbt trial", "mbt trial", "mouse assay", "mouse assay"], 1);
    /// let mut m = Ranker::new(&Settings::default(), f.dim, 1);
    /// m.train(&f, &[(0, true), (2, false)]);
    /// let done = [true, false, true, false];
    /// assert_eq!(m.rank(&f, &done), m.best(&f, &done));
    /// ```
    pub fn rank(&mut self, f: &Features, done: &[bool]) -> Option<(usize, f32)> {
        if !self.kept.rescore_change(&self.lin, f) {
            self.kept.rescore_all(&self.lin, f);
        }
        self.kept.fresh = true;
        self.kept
            .margin
            .iter()
            .copied()
            .enumerate()
            .filter(|(i, _)| !done.get(*i).copied().unwrap_or(false))
            .reduce(pick)
    }

    /// The scores the last [`Ranker::rank`] kept, if the ranker has not been
    /// retrained since (by row of `f`).
    pub fn kept_scores(&self, f: &Features) -> Option<&[f32]> {
        self.kept.scores(f)
    }
}

/// The higher score; on a tie, the lower row.
fn pick(a: (usize, f32), b: (usize, f32)) -> (usize, f32) {
    if b.1 > a.1 || (b.1 == a.1 && b.0 < a.0) {
        b
    } else {
        a
    }
}

#[cfg(test)]
mod tests;
