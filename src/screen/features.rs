//! TF-IDF features of the records a ranker learns from: lower-case words
//! (letters and digits, two characters or more; English stop words removed
//! only on request) and adjacent word pairs, sublinear term frequency
//! (1 + ln tf), smoothed IDF, rows L2-normalised, terms seen in fewer than
//! `min_df` records or in more than `max_df` of them dropped. The defaults
//! are those of ASReview's ELAS u4 model (scikit-learn's `TfidfVectorizer`).
//!
//! The matrix is stored row-compressed, with a column copy for moving kept
//! scores by a change in a few weights; the features only one record has are
//! folded into two numbers per row (see [`Features`]), which removes about a
//! quarter of the stored weights and most of the weight vector; no record
//! holds a dense vector. Pure: no classifier lives here (they are in
//! [`super::rank`]).

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
    pub(super) own_sum: Vec<f32>,
    pub(super) own_sq: Vec<f32>,
    /// The same shared features by column, for moving the scores by a
    /// change in a few weights: feature `c`'s rows (ascending) and weights are
    /// `col_row[col_start[c]..col_start[c + 1]]` and `col_val[..]`.
    pub(super) col_start: Vec<usize>,
    pub(super) col_row: Vec<u32>,
    pub(super) col_val: Vec<f32>,
    /// Shared features get ids `0..shared`, most frequent first.
    pub(super) shared: usize,
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
/// use lacuna::screen::features::tfidf;
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

/// Fewest records a term must be seen in, by default (as ASReview's ELAS u4).
pub const DEFAULT_MIN_DF: usize = 1;
/// Largest share of the records a term may be seen in, by default (as ELAS u4).
pub const DEFAULT_MAX_DF: f64 = 0.95;

/// Which terms become features.
#[derive(Debug, Clone, Copy, PartialEq)]
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
            min_df: DEFAULT_MIN_DF,
            max_df: DEFAULT_MAX_DF,
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
pub(super) fn build<S: AsRef<str> + Sync>(texts: &[S], voc: &Vocabulary, fold: bool) -> Features {
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
