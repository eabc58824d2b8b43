//! The active-learning ranker: sparse TF-IDF features and three linear
//! classifiers (a class-weighted linear SVM, the default; class-balanced L2
//! logistic regression; multinomial naive Bayes), retrained from the labels
//! so far, scoring every unlabelled record. Pure and seeded: the same inputs
//! give the same ranking.
//!
//! Features ([`Vocabulary`]): lower-case words (letters and digits, two
//! characters or more; English stop words removed only on request) and
//! adjacent word pairs, sublinear term frequency (1 + ln tf), smoothed IDF,
//! rows L2-normalised, terms seen in fewer than `min_df` records or in more
//! than `max_df` of them dropped. The defaults and the SVM's (squared hinge,
//! C = 0.11) are those of ASReview's ELAS u4 model; only the class weight
//! differs ([`DEFAULT_RATIO`]). The matrix is stored row-compressed; the
//! features only one record has are folded into two numbers per row (see
//! [`Features`]), which removes about a quarter of the stored weights and
//! most of the weight vector; no record holds a dense vector.
//!
//! The SVM is solved in the dual by coordinate descent (LIBLINEAR's method),
//! warm-started: after a new label, a retrain checks every labelled record
//! against the optimality conditions (in parallel, from the scores the last
//! [`Model::rank`] kept) and revisits only those off by more than the
//! tolerance ([`DEFAULT_TOLERANCE`], [`Model::rounds`]). Ranking moves each
//! kept score by the change in the weights since it was computed, walking a
//! column copy of the matrix for the features whose weight changed, and
//! scores every record anew (in parallel) every hundred steps. One step with
//! 1,000 labelled among 10,000 records takes about 0.16 ms, among 100,000
//! about 1 ms (`cargo bench --bench rank`).
//!
//! No crate is used: the linfa/smartcore classifiers want dense or
//! ndarray-backed sparse matrices and retrain from scratch.

use rustc_hash::FxHashMap;

const STOP: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been",
    "before", "being", "between", "both", "but", "by", "can", "could", "did", "do", "does",
    "during", "each", "for", "from", "had", "has", "have", "he", "her", "his", "how", "however",
    "if", "in", "into", "is", "it", "its", "may", "more", "most", "no", "not", "of", "on", "one",
    "only", "or", "other", "our", "over", "she", "should", "such", "than", "that", "the", "their",
    "them", "then", "there", "these", "they", "this", "those", "through", "to", "two", "under",
    "up", "was", "we", "were", "what", "when", "where", "which", "while", "who", "will", "with",
    "within", "would", "you",
];

/// Sparse TF-IDF matrix of a set of records, stored row-compressed.
///
/// A feature seen in only one record (most word pairs are) can carry weight
/// only through that record, and never adds to the score of any other: its
/// weight is a multiple of the record's own value under every classifier
/// here. So each row keeps its *shared* features (seen in two records or
/// more) as sorted (id, weight) pairs, and only the sum and the sum of
/// squares of its *own* features. The models fold the own part into one
/// number per record; the results are those of the full matrix.
#[derive(Debug, Clone, Default)]
pub struct Features {
    /// Row `i`'s shared features are `idx[start[i]..start[i + 1]]`.
    start: Vec<usize>,
    idx: Vec<u32>,
    val: Vec<f32>,
    /// Per row: Σ w and Σ w² over the features no other record has.
    own_sum: Vec<f32>,
    own_sq: Vec<f32>,
    /// The same shared features by column, for moving the scores by a
    /// change in a few weights: feature `c`'s rows (ascending) and weights are
    /// `col_row[col_start[c]..col_start[c + 1]]` and `col_val[..]`.
    col_start: Vec<usize>,
    col_row: Vec<u32>,
    col_val: Vec<f32>,
    /// Shared features get ids `0..shared`, most frequent first.
    shared: usize,
    /// Number of features (shared and own).
    pub dim: usize,
}

impl Features {
    /// Number of records (rows).
    pub fn len(&self) -> usize {
        self.own_sq.len()
    }

    /// No records.
    pub fn is_empty(&self) -> bool {
        self.own_sq.is_empty()
    }

    /// Number of features seen in two records or more.
    pub fn shared(&self) -> usize {
        self.shared
    }

    /// Row `i`'s shared features: ids (sorted) and weights (empty past the end).
    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = match (self.start.get(i), self.start.get(i + 1)) {
            (Some(&a), Some(&b)) => (a, b),
            _ => (0, 0),
        };
        (
            self.idx.get(a..b).unwrap_or(&[]),
            self.val.get(a..b).unwrap_or(&[]),
        )
    }

    /// Σ w² over all of row `i`'s features (1 for a record with any feature).
    pub fn sq_norm(&self, i: usize) -> f32 {
        let (_, v) = self.row(i);
        v.iter().map(|x| x * x).sum::<f32>() + self.own_sq.get(i).copied().unwrap_or(0.0)
    }

    fn push_row(&mut self, ids: &[u32], vals: &[f32], own_sum: f32, own_sq: f32) {
        if self.start.is_empty() {
            self.start.push(0);
        }
        self.idx.extend_from_slice(ids);
        self.val.extend_from_slice(vals);
        self.start.push(self.idx.len());
        self.own_sum.push(own_sum);
        self.own_sq.push(own_sq);
    }

    /// Fill the column copy of the shared features.
    fn index_columns(&mut self) {
        // start[c + 1] counts the values of columns 0..=c
        let mut start = vec![0usize; self.shared + 1];
        for i in &self.idx {
            if let Some(s) = start.get_mut(*i as usize + 1) {
                *s += 1;
            }
        }
        let mut sum = 0;
        for s in &mut start {
            sum += *s;
            *s = sum;
        }
        let mut next = start.clone();
        let (mut rows, mut vals) = (vec![0u32; sum], vec![0.0f32; sum]);
        for r in 0..self.len() {
            let (ids, v) = self.row(r);
            for (i, x) in ids.iter().zip(v) {
                let Some(k) = next.get_mut(*i as usize) else {
                    continue;
                };
                if let (Some(a), Some(b)) = (rows.get_mut(*k), vals.get_mut(*k)) {
                    (*a, *b) = (r as u32, *x);
                }
                *k += 1;
            }
        }
        self.col_start = start;
        self.col_row = rows;
        self.col_val = vals;
    }
}

fn tokens(text: &str, stop_words: bool) -> Vec<String> {
    let lower = text.to_lowercase();
    lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2 && !(stop_words && STOP.contains(w)))
        .map(str::to_string)
        .collect()
}

/// Build TF-IDF features (uni- and bigrams) for texts.
///
/// ```
/// use lacuna::screen::rank::tfidf;
/// let f = tfidf(&["dialectical behaviour therapy", "dialectical behaviour therapy for self-harm", "mouse model"], 2);
/// assert_eq!(f.dim, 5); // dialectical, behaviour, therapy, dialectical behaviour, behaviour therapy
/// assert!((f.sq_norm(1) - 1.0).abs() < 1e-5);
/// assert!(f.row(2).0.is_empty());
/// ```
pub fn tfidf<S: AsRef<str> + Sync>(texts: &[S], min_df: usize) -> Features {
    tfidf_with(
        texts,
        &Vocabulary {
            min_df,
            ..Vocabulary::default()
        },
    )
}

/// Which terms become features.
#[derive(Debug, Clone, Copy)]
pub struct Vocabulary {
    /// Drop terms seen in fewer records.
    pub min_df: usize,
    /// Drop terms seen in more than this share of the records.
    pub max_df: f64,
    /// Drop English stop words.
    pub stop_words: bool,
}

impl Default for Vocabulary {
    fn default() -> Self {
        // As ASReview's ELAS u4 (scikit-learn's TfidfVectorizer with min_df 1,
        // max_df 0.95, no stop-word list): removing stop words lost 0.02 of
        // WSS@95 on average over the six reference datasets.
        Vocabulary {
            min_df: 1,
            max_df: 0.95,
            stop_words: false,
        }
    }
}

/// Sparse TF-IDF features with the given vocabulary rules.
pub fn tfidf_with<S: AsRef<str> + Sync>(texts: &[S], voc: &Vocabulary) -> Features {
    build(texts, voc, true)
}

/// `fold`: keep only the sums of each row's own features (else every
/// feature is stored, for the test that folding changes no result).
fn build<S: AsRef<str> + Sync>(texts: &[S], voc: &Vocabulary, fold: bool) -> Features {
    // Terms as numbers: a word is its id, a word pair (a, b) is
    // (a + 1) << 32 | b, so no pair needs a string of its own.
    let mut words: FxHashMap<String, u32> = FxHashMap::default();
    let toks: Vec<Vec<String>> = {
        use rayon::prelude::*;
        texts
            .par_iter()
            .map(|t| tokens(t.as_ref(), voc.stop_words))
            .collect()
    };
    // Each distinct term (word or word pair) gets an id as it is first seen;
    // `codes` keeps its number, for a tie-break that does not depend on order.
    let mut term_id: FxHashMap<u64, u32> = FxHashMap::default();
    let mut codes: Vec<u64> = Vec::new();
    let docs: Vec<Vec<u32>> = toks
        .into_iter()
        .map(|t| {
            let ids: Vec<u32> = t
                .into_iter()
                .map(|w| {
                    let n = words.len() as u32;
                    *words.entry(w).or_insert(n)
                })
                .collect();
            let pairs = ids.windows(2).map(|p| match p {
                [a, b] => (u64::from(*a) + 1) << 32 | u64::from(*b),
                _ => 0,
            });
            ids.iter()
                .map(|i| u64::from(*i))
                .chain(pairs)
                .map(|code| {
                    *term_id.entry(code).or_insert_with(|| {
                        codes.push(code);
                        codes.len() as u32 - 1
                    })
                })
                .collect()
        })
        .collect();
    let mut df = vec![0usize; codes.len()];
    let mut seen: Vec<u32> = Vec::new();
    for d in &docs {
        seen.clear();
        seen.extend_from_slice(d);
        seen.sort_unstable();
        seen.dedup();
        for t in &seen {
            if let Some(x) = df.get_mut(*t as usize) {
                *x += 1;
            }
        }
    }
    let mut vocab: Vec<(u32, usize)> = df
        .iter()
        .enumerate()
        .filter(|(_, n)| {
            **n >= voc.min_df.max(1) && (**n as f64) <= voc.max_df * texts.len() as f64
        })
        .map(|(t, n)| (t as u32, *n))
        .collect();
    // Most frequent first (the hot part of a weight vector stays together);
    // the features of a single record come last and are folded per row.
    let code = |t: u32| codes.get(t as usize).copied().unwrap_or(0);
    vocab.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(code(a.0).cmp(&code(b.0))));
    let shared = if fold {
        vocab.iter().take_while(|(_, n)| *n >= 2).count()
    } else {
        vocab.len()
    };
    let n = docs.len() as f64;
    // Per term id: its feature and idf (none for a dropped term).
    let mut feature: Vec<Option<(u32, f32)>> = vec![None; codes.len()];
    for (i, (t, d)) in vocab.iter().enumerate() {
        if let Some(x) = feature.get_mut(*t as usize) {
            *x = Some((
                i as u32,
                (((1.0 + n) / (1.0 + *d as f64)).ln() + 1.0) as f32,
            ));
        }
    }
    let mut f = Features {
        shared,
        dim: vocab.len(),
        ..Features::default()
    };
    let mut hits: Vec<(u32, f32)> = Vec::new();
    let mut row: Vec<(u32, f32, u32)> = Vec::new();
    let (mut ids, mut vals) = (Vec::new(), Vec::new());
    for d in &docs {
        hits.clear();
        hits.extend(
            d.iter()
                .filter_map(|t| feature.get(*t as usize).copied().flatten()),
        );
        hits.sort_unstable_by_key(|(i, _)| *i);
        row.clear();
        for (i, idf) in &hits {
            match row.last_mut() {
                Some(last) if last.0 == *i => last.2 += 1,
                _ => row.push((*i, *idf, 1)),
            }
        }
        for (_, w, c) in &mut row {
            *w *= 1.0 + (*c as f32).ln();
        }
        let norm = row.iter().map(|(_, w, _)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, w, _) in &mut row {
                *w /= norm;
            }
        }
        ids.clear();
        vals.clear();
        let (mut own_sum, mut own_sq) = (0.0f32, 0.0f32);
        for &(i, w, _) in &row {
            if (i as usize) < shared {
                ids.push(i);
                vals.push(w);
            } else {
                own_sum += w;
                own_sq += w * w;
            }
        }
        f.push_row(&ids, &vals, own_sum, own_sq);
    }
    if f.start.is_empty() {
        f.start.push(0);
    }
    f.index_columns();
    f
}

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
    /// Parse `nb` or `logistic`.
    pub fn parse(s: &str) -> Option<Classifier> {
        match s.to_ascii_lowercase().as_str() {
            "nb" | "naive_bayes" => Some(Classifier::Nb),
            "logistic" | "lr" => Some(Classifier::Logistic),
            "svm" => Some(Classifier::Svm),
            _ => None,
        }
    }
}

/// A trainable linear model over [`Features`].
#[derive(Debug, Clone)]
pub struct Model {
    kind: Classifier,
    w: Vec<f32>,
    b: f32,
    rng: u64,
    /// L2 strength (logistic).
    pub lambda: f32,
    /// Logistic regression: passes over the labelled records per retrain.
    pub epochs: usize,
    /// SVM: rounds per retrain (each: find the labelled records off the
    /// optimum by more than `tolerance`, one pass over them). One by default:
    /// a new label moves the optimum little, and the next retrain resumes.
    pub rounds: usize,
    /// SVM cost C (before class balancing).
    pub c: f32,
    /// SVM: a labelled record is revisited while its projected gradient
    /// exceeds this ([`DEFAULT_TOLERANCE`] by default).
    pub tolerance: f32,
    /// SVM dual variables, by record row (warm start).
    alpha: Vec<f32>,
    /// Squared norms of the feature rows (the SVM's diagonal).
    sq_norm: Vec<f32>,
    /// Per row: the weight of each of its own features (those no other
    /// record has) is this times the feature's value (SVM: αᵢyᵢ).
    own: Vec<f32>,
    /// Naive Bayes: the weight of a feature no labelled record has, per unit.
    own_w: f32,
    /// SVM: each row's label at the last retrain (1, −1, or 0 for none).
    label: Vec<i8>,
    /// Every row's score under the current weights, when `fresh`.
    margin: Vec<f32>,
    fresh: bool,
    /// The weights `margin` was computed with (shared features only), so
    /// that `rank` can rescore by the change alone.
    scored_w: Vec<f32>,
    scored_b: f32,
    scored_own: Vec<f32>,
    scored_own_w: f32,
    /// Rescorings by the change since every row was last scored in full.
    since_full: usize,
    /// SVM loss.
    pub loss: Loss,
    /// Class balance: total weight of the relevant records over that of the
    /// irrelevant ones (1 = equal totals).
    pub ratio: f32,
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

/// Loss of the linear SVM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// max(0, 1 − y·f(x)): the dual variables are bounded by C.
    Hinge,
    /// max(0, 1 − y·f(x))²: unbounded dual variables and a 1/(2C) ridge
    /// (LIBLINEAR's and scikit-learn's `LinearSVC` default).
    SquaredHinge,
}

/// w·x over a row's shared features. Four running sums, so that the
/// additions need not wait for each other.
fn dot(w: &[f32], (ids, vals): (&[u32], &[f32])) -> f32 {
    let at = |i: &u32| w.get(*i as usize).copied().unwrap_or(0.0);
    let mut acc = [0.0f32; 4];
    let (ic, vc) = (ids.chunks_exact(4), vals.chunks_exact(4));
    let (ir, vr) = (ic.remainder(), vc.remainder());
    for (i4, v4) in ic.zip(vc) {
        for ((a, i), v) in acc.iter_mut().zip(i4).zip(v4) {
            *a += at(i) * v;
        }
    }
    let tail: f32 = ir.iter().zip(vr).map(|(i, v)| at(i) * v).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

fn axpy(w: &mut [f32], d: f32, (ids, vals): (&[u32], &[f32])) {
    for (i, v) in ids.iter().zip(vals) {
        if let Some(wi) = w.get_mut(*i as usize) {
            *wi += d * v;
        }
    }
}

impl Model {
    /// A fresh model for `dim` features.
    pub fn new(kind: Classifier, dim: usize, seed: u64) -> Model {
        Model {
            kind,
            w: vec![0.0; dim],
            b: 0.0,
            rng: seed | 1,
            lambda: 1e-4,
            epochs: 4,
            rounds: DEFAULT_ROUNDS,
            c: DEFAULT_C,
            tolerance: DEFAULT_TOLERANCE,
            alpha: Vec::new(),
            sq_norm: Vec::new(),
            own: Vec::new(),
            own_w: 0.0,
            label: Vec::new(),
            margin: Vec::new(),
            fresh: false,
            scored_w: Vec::new(),
            scored_b: 0.0,
            scored_own: Vec::new(),
            scored_own_w: 0.0,
            since_full: 0,
            loss: Loss::SquaredHinge,
            ratio: DEFAULT_RATIO,
        }
    }

    /// Shuffle `order` with the model's seeded generator.
    fn shuffle(&mut self, order: &mut [usize]) {
        for i in (1..order.len()).rev() {
            let j = (super::xorshift(&mut self.rng) % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
    }

    /// Retrain on labelled rows (`true` = relevant). Logistic regression
    /// starts from the previous weights (warm start).
    pub fn train(&mut self, f: &Features, labelled: &[(usize, bool)]) {
        let pos = labelled.iter().filter(|(_, y)| *y).count();
        let neg = labelled.len() - pos;
        if pos == 0 || neg == 0 {
            return;
        }
        if self.own.len() != f.len() {
            self.own = vec![0.0; f.len()];
            self.alpha = vec![0.0; f.len()];
            self.w.iter_mut().for_each(|w| *w = 0.0);
            self.b = 0.0;
            self.fresh = false;
        }
        if self.kind != Classifier::Svm {
            self.fresh = false;
        }
        match self.kind {
            Classifier::Nb => self.train_nb(f, labelled),
            Classifier::Svm => self.train_svm(f, labelled, pos, neg),
            Classifier::Logistic => {
                let n = labelled.len() as f32;
                let (wp, wn) = (n / (2.0 * pos as f32), n / (2.0 * neg as f32));
                let mut order: Vec<usize> = (0..labelled.len()).collect();
                for epoch in 0..self.epochs {
                    self.shuffle(&mut order);
                    let eta = 0.5 / (1.0 + epoch as f32);
                    for &k in &order {
                        let Some(&(row, y)) = labelled.get(k) else {
                            continue;
                        };
                        let x = f.row(row);
                        let own_sq = f.own_sq.get(row).copied().unwrap_or(0.0);
                        let Some(c) = self.own.get_mut(row) else {
                            continue;
                        };
                        let z = dot(&self.w, x) + *c * own_sq + self.b;
                        let p = 1.0 / (1.0 + (-z).exp());
                        let g = (p - if y { 1.0 } else { 0.0 }) * if y { wp } else { wn };
                        // own features: w = c·x, so the step scales c alike
                        *c -= eta * (g + self.lambda * *c);
                        let (ids, vals) = x;
                        for (i, v) in ids.iter().zip(vals) {
                            if let Some(wi) = self.w.get_mut(*i as usize) {
                                *wi -= eta * (g * v + self.lambda * *wi);
                            }
                        }
                        self.b -= eta * g;
                    }
                }
            }
        }
    }

    fn train_svm(&mut self, f: &Features, labelled: &[(usize, bool)], pos: usize, neg: usize) {
        let n = labelled.len() as f32;
        // Per-class C: the relevant records weigh `ratio` times the irrelevant
        // ones in all, and the weights average 1 over the labelled records.
        let r = self.ratio.max(f32::MIN_POSITIVE);
        let (cp, cn) = (
            self.c * n / (pos as f32 * (1.0 + 1.0 / r)),
            self.c * n / (neg as f32 * (1.0 + r)),
        );
        let squared = self.loss == Loss::SquaredHinge;
        // w = Σ αᵢ yᵢ xᵢ over the labelled rows. A row whose label was undone
        // or changed since the last retrain leaves the sum (α back to 0).
        let mut now = vec![0i8; f.len()];
        for &(row, y) in labelled {
            if let Some(x) = now.get_mut(row) {
                *x = if y { 1 } else { -1 };
            }
        }
        if self.label.len() != f.len() {
            self.label = vec![0; f.len()];
        }
        for (row, (was, is)) in self.label.iter().zip(&now).enumerate() {
            let Some(a) = self.alpha.get_mut(row) else {
                continue;
            };
            if was != is && *a != 0.0 {
                let d = -*a * f32::from(*was);
                *a = 0.0;
                if let Some(o) = self.own.get_mut(row) {
                    *o = 0.0;
                }
                axpy(&mut self.w, d, f.row(row));
                self.b += d;
                self.fresh = false;
            }
        }
        self.label = now;
        // Class balancing moves the bounds as labels come in:
        // clamp any α above its new bound and move w with it.
        if !squared {
            for &(row, y) in labelled {
                let cap = if y { cp } else { cn };
                let Some(a) = self.alpha.get_mut(row) else {
                    continue;
                };
                if *a > cap {
                    let yv = if y { 1.0 } else { -1.0 };
                    let d = (cap - *a) * yv;
                    *a = cap;
                    if let Some(o) = self.own.get_mut(row) {
                        *o = cap * yv;
                    }
                    axpy(&mut self.w, d, f.row(row));
                    self.b += d;
                    self.fresh = false;
                }
            }
        }
        if self.sq_norm.len() != f.len() {
            self.sq_norm = (0..f.len()).map(|i| f.sq_norm(i)).collect();
        }
        let bounds = Bounds { cp, cn, squared };
        // Rounds: find the labelled records that break the optimality
        // conditions by more than the tolerance (all of them, checked in
        // parallel, from the stored scores when they are current), and make
        // one coordinate-descent pass over those alone. A new label moves the
        // optimum little, so a round touches a few hundred records at most;
        // with one round per retrain, the next retrain's check finishes what
        // this one left.
        for _ in 0..self.rounds.max(1) {
            let mut order = self.violators(f, labelled, &bounds);
            if order.is_empty() {
                break;
            }
            self.fresh = false;
            self.shuffle(&mut order);
            for &k in &order {
                let Some(&(row, y)) = labelled.get(k) else {
                    continue;
                };
                let m = self.score(f, row);
                let (pg, g, a, cap, ridge) = self.gradient(row, y, m, &bounds);
                if pg.abs() > 1e-6 {
                    let yv = if y { 1.0 } else { -1.0 };
                    let qii = self.sq_norm.get(row).copied().unwrap_or(1.0) + 1.0 + ridge;
                    let na = (a - g / qii).clamp(0.0, cap);
                    let d = (na - a) * yv;
                    if d != 0.0 {
                        axpy(&mut self.w, d, f.row(row));
                        self.b += d;
                    }
                    if let Some(x) = self.alpha.get_mut(row) {
                        *x = na;
                    }
                    if let Some(o) = self.own.get_mut(row) {
                        *o = na * yv;
                    }
                }
            }
        }
    }

    /// Projected gradient, gradient, α, upper bound and ridge of labelled
    /// row `row` whose score is `m`.
    fn gradient(&self, row: usize, y: bool, m: f32, b: &Bounds) -> (f32, f32, f32, f32, f32) {
        let yv = if y { 1.0 } else { -1.0 };
        let cap = if y { b.cp } else { b.cn };
        let a = self.alpha.get(row).copied().unwrap_or(0.0);
        // Squared hinge: no upper bound, a ridge of 1/(2C) on α.
        let (cap, ridge) = if b.squared {
            (f32::INFINITY, 0.5 / cap)
        } else {
            (cap, 0.0)
        };
        // The score includes the row's own features: yᵢ·that part = αᵢ·Σ own w².
        let g = yv * m - 1.0 + ridge * a;
        let pg = if a <= 0.0 {
            g.min(0.0)
        } else if a >= cap {
            g.max(0.0)
        } else {
            g
        };
        (pg, g, a, cap, ridge)
    }

    /// Positions in `labelled` of the rows whose projected gradient exceeds
    /// the tolerance.
    fn violators(&self, f: &Features, labelled: &[(usize, bool)], b: &Bounds) -> Vec<usize> {
        use rayon::prelude::*;
        let check = |k: usize, row: usize, y: bool, m: f32| {
            let (pg, ..) = self.gradient(row, y, m, b);
            (pg.abs() > self.tolerance).then_some(k)
        };
        if self.fresh && self.margin.len() == f.len() {
            // From the kept scores: a few nanoseconds a record, in this thread.
            return labelled
                .iter()
                .enumerate()
                .filter_map(|(k, &(row, y))| check(k, row, y, *self.margin.get(row)?))
                .collect();
        }
        labelled
            .par_iter()
            .enumerate()
            .with_min_len(256)
            .filter_map(|(k, &(row, y))| check(k, row, y, self.score(f, row)))
            .collect()
    }

    fn train_nb(&mut self, f: &Features, labelled: &[(usize, bool)]) {
        let dim = self.w.len();
        let mut cp = vec![1.0f32; dim];
        let mut cn = vec![1.0f32; dim];
        // Σ over all features of the counts (the own features' counts too)
        let (mut sp, mut sn) = (f.dim as f32, f.dim as f32);
        for (row, y) in labelled {
            let (ids, vals) = f.row(*row);
            let c = if *y { &mut cp } else { &mut cn };
            for (i, v) in ids.iter().zip(vals) {
                if let Some(ci) = c.get_mut(*i as usize) {
                    *ci += v;
                }
            }
            let total = vals.iter().sum::<f32>() + f.own_sum.get(*row).copied().unwrap_or(0.0);
            if *y {
                sp += total;
            } else {
                sn += total;
            }
        }
        for ((w, p), n) in self.w.iter_mut().zip(&cp).zip(&cn) {
            *w = (p / sp).ln() - (n / sn).ln();
        }
        // A feature no labelled record has: counts 1 in both classes.
        self.own_w = (sn / sp).ln();
        self.b = 0.0; // balanced class priors
    }

    /// Score row `i` of `f` (higher = more likely relevant). Exact for every
    /// row under the SVM and logistic regression; under naive Bayes, for the
    /// rows without a label (the ones ranked).
    pub fn score(&self, f: &Features, i: usize) -> f32 {
        dot(&self.w, f.row(i))
            + self.b
            + self.own.get(i).copied().unwrap_or(0.0) * f.own_sq.get(i).copied().unwrap_or(0.0)
            + self.own_w * f.own_sum.get(i).copied().unwrap_or(0.0)
    }

    /// The row with the highest score among those not `done` (ties: the
    /// lowest row), rows scored in parallel.
    ///
    /// ```
    /// use lacuna::screen::rank::{tfidf, Classifier, Model};
    /// let f = tfidf(&["mbt trial", "mbt trial", "mouse assay", "mouse assay"], 1);
    /// let mut m = Model::new(Classifier::Svm, f.dim, 1);
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

    /// As [`Model::best`], keeping every row's score, so that the next
    /// retrain finds the labelled rows to revisit without scoring them again,
    /// and the next `rank` moves the scores by the change in the weights
    /// rather than computing them anew (equal up to rounding; every hundredth
    /// call scores all rows anew). Meant to be
    /// called on the same [`Features`] every time.
    ///
    /// ```
    /// use lacuna::screen::rank::{tfidf, Classifier, Model};
    /// let f = tfidf(&["mbt trial", "mbt trial", "mouse assay", "mouse assay"], 1);
    /// let mut m = Model::new(Classifier::Svm, f.dim, 1);
    /// m.train(&f, &[(0, true), (2, false)]);
    /// let done = [true, false, true, false];
    /// assert_eq!(m.rank(&f, &done), m.best(&f, &done));
    /// ```
    pub fn rank(&mut self, f: &Features, done: &[bool]) -> Option<(usize, f32)> {
        if !self.rescore_change(f) {
            self.rescore_all(f);
        }
        self.fresh = true;
        self.margin
            .iter()
            .copied()
            .enumerate()
            .filter(|(i, _)| !done.get(*i).copied().unwrap_or(false))
            .reduce(pick)
    }

    /// The scores the last [`Model::rank`] kept, if the model has not been
    /// retrained since (by row of `f`).
    pub fn kept_scores(&self, f: &Features) -> Option<&[f32]> {
        (self.fresh && self.margin.len() == f.len()).then_some(self.margin.as_slice())
    }

    /// Score every row anew, in parallel, and remember the weights used.
    fn rescore_all(&mut self, f: &Features) {
        use rayon::prelude::*;
        let mut margin = std::mem::take(&mut self.margin);
        margin.resize(f.len(), 0.0);
        margin
            .par_iter_mut()
            .enumerate()
            .with_min_len(1024)
            .for_each(|(i, m)| *m = self.score(f, i));
        self.margin = margin;
        self.scored_w.clear();
        self.scored_w
            .extend_from_slice(self.w.get(..f.shared).unwrap_or(&self.w));
        self.scored_b = self.b;
        self.scored_own.clone_from(&self.own);
        self.scored_own_w = self.own_w;
        self.since_full = 0;
    }

    /// Move the kept scores by the change in the weights since they were
    /// computed, walking only the columns of the features whose weight
    /// changed (after a label in a session converged on 1,000 labels, about a
    /// tenth of the matrix; during a simulation, where each label moves many
    /// weights, nearly half; never more than the whole). Returns false,
    /// having changed nothing, when there are no kept scores for `f` or after
    /// [`FULL_RESCORE_EVERY`] such moves (which bounds the rounding the sums
    /// pick up).
    fn rescore_change(&mut self, f: &Features) -> bool {
        if self.margin.len() != f.len()
            || self.scored_w.len() != f.shared.min(self.w.len())
            || self.scored_own.len() != self.own.len()
            || self.since_full >= FULL_RESCORE_EVERY
        {
            return false;
        }
        // Changed weights, compared a block at a time (most blocks are equal).
        let mut changed: Vec<usize> = Vec::new();
        let now = self.w.get(..self.scored_w.len()).unwrap_or(&[]);
        for (k, (a, b)) in now.chunks(64).zip(self.scored_w.chunks(64)).enumerate() {
            if a.iter()
                .zip(b)
                .fold(0, |m, (x, y)| m | (x.to_bits() ^ y.to_bits()))
                != 0
            {
                changed.extend(
                    a.iter()
                        .zip(b)
                        .enumerate()
                        .filter(|(_, (x, y))| x.to_bits() != y.to_bits())
                        .map(|(c, _)| k * 64 + c),
                );
            }
        }
        // Two halves of about equal work, each adding into its own array, then
        // summed in order: the same scores whatever the number of threads.
        // (On the 6,000-record simulation this is 3 % faster than one thread:
        // a step's change is a fraction of a millisecond of work.)
        let work = |c: usize| match (f.col_start.get(c), f.col_start.get(c + 1)) {
            (Some(a), Some(b)) => b - a,
            _ => 0,
        };
        let total: usize = changed.iter().map(|c| work(*c)).sum();
        let mut half = changed.len();
        let mut acc = 0;
        for (k, c) in changed.iter().enumerate() {
            acc += work(*c);
            if acc * 2 >= total {
                half = k + 1;
                break;
            }
        }
        let (first, second) = changed.split_at(half.min(changed.len()));
        let delta = |cols: &[usize]| {
            let mut d = vec![0.0f32; f.len()];
            for &c in cols {
                let (Some(w), Some(was)) = (self.w.get(c), self.scored_w.get(c)) else {
                    continue;
                };
                let dw = w - was;
                let (a, b) = (f.col_start.get(c), f.col_start.get(c + 1));
                let (Some(&a), Some(&b)) = (a, b) else {
                    continue;
                };
                let rows = f.col_row.get(a..b).unwrap_or(&[]);
                let vals = f.col_val.get(a..b).unwrap_or(&[]);
                for (r, v) in rows.iter().zip(vals) {
                    if let Some(m) = d.get_mut(*r as usize) {
                        *m += dw * v;
                    }
                }
            }
            d
        };
        let (d1, d2) = rayon::join(|| delta(first), || delta(second));
        for &c in &changed {
            if let (Some(w), Some(was)) = (self.w.get(c), self.scored_w.get_mut(c)) {
                *was = *w;
            }
        }
        for ((m, a), b) in self.margin.iter_mut().zip(&d1).zip(&d2) {
            *m += a + b;
        }
        let db = self.b - self.scored_b;
        let dw = self.own_w - self.scored_own_w;
        for (i, m) in self.margin.iter_mut().enumerate() {
            let own_sq = f.own_sq.get(i).copied().unwrap_or(0.0);
            let own_sum = f.own_sum.get(i).copied().unwrap_or(0.0);
            let d_own = match (self.own.get(i), self.scored_own.get_mut(i)) {
                (Some(now), Some(was)) => {
                    let d = now - *was;
                    *was = *now;
                    d
                }
                _ => 0.0,
            };
            *m += db + d_own * own_sq + dw * own_sum;
        }
        self.scored_b = self.b;
        self.scored_own_w = self.own_w;
        self.since_full += 1;
        true
    }
}

/// Rescorings by the change in the weights between two full scorings of
/// every row (see `Model::rank`).
const FULL_RESCORE_EVERY: usize = 100;

/// The SVM's per-class bounds for one retrain.
struct Bounds {
    cp: f32,
    cn: f32,
    squared: bool,
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
mod tests {
    use super::*;

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
        let texts: Vec<&str> = include_str!("../../tests/fixtures/screening/sklearn-titles.txt")
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
            let mut vals = f.row(i).1.to_vec();
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
        let mut m = Model::new(Classifier::Svm, f.dim, 1);
        m.ratio = 9.8;
        m.tolerance = 1e-7;
        m.rounds = 100_000;
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
        let converged = |labelled: &[(usize, bool)], start: Option<Model>| {
            let mut m = start.unwrap_or_else(|| Model::new(Classifier::Svm, f.dim, 3));
            m.tolerance = 1e-5;
            m.rounds = 2000;
            m.train(&f, labelled);
            m
        };
        let before: Vec<(usize, bool)> = (0..60).step_by(3).map(|i| (i, i % 4 == 0)).collect();
        let trained = converged(&before, None);
        // row 0 relabelled irrelevant, row 3 undone
        let mut after: Vec<(usize, bool)> =
            before.iter().copied().filter(|(r, _)| *r != 3).collect();
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
        let mut kept = Model::new(Classifier::Svm, f.dim, 5);
        let mut plain = Model::new(Classifier::Svm, f.dim, 5);
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
            let mut m = Model::new(Classifier::Svm, f.dim, 11);
            m.loss = loss;
            let mut labelled = vec![(0, true), (1, false)];
            let mut done = vec![false; 60];
            done[0] = true;
            done[1] = true;
            let mut moved = 0;
            for step in 0..40 {
                m.train(&f, &labelled);
                let before = m.since_full;
                let (pick, _) = m.rank(&f, &done).expect("records left");
                if m.since_full > before {
                    moved += 1;
                }
                for i in 0..60 {
                    let (kept, fresh) = (m.margin[i], m.score(&f, i));
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
                let mut a = Model::new(kind, folded.dim, 7);
                let mut b = Model::new(kind, full.dim, 7);
                a.loss = loss;
                b.loss = loss;
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
}
