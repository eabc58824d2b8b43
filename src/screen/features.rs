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

mod io;

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
    /// Per row: Σ w and Σ w² over the features no other record has.
    pub(super) own_sum: Vec<f32>,
    pub(super) own_sq: Vec<f32>,
    /// Per stored weight: the term's count in the record (255 and more:
    /// the count is in `tf_big`, by place), for the column copy and the
    /// cache; and per row the norm its weights were divided by, per shared
    /// feature its idf. A weight is `(idf × (1 + ln tf)) / norm`, computed
    /// so in `f32` when the rows are made: [`Features::col_value`] gives
    /// the same bits again.
    tf: Vec<u8>,
    tf_big: FxHashMap<u32, u32>,
    norm: Vec<f32>,
    idf: Vec<f32>,
    /// `1 + ln tf` for the counts below 255.
    sub: Vec<f32>,
    /// The same shared features by column, for moving the scores by a
    /// change in a few weights: feature `c`'s rows (ascending) and counts
    /// are `col_row[col_start[c]..col_start[c + 1]]` and `col_tf[..]`
    /// (255: see `col_tf_big`); the weight is recomputed, not stored twice.
    pub(super) col_start: Vec<usize>,
    pub(super) col_row: Vec<u32>,
    col_tf: Vec<u8>,
    col_tf_big: FxHashMap<u32, u32>,
    /// Shared features get ids `0..shared`, most frequent first.
    pub(super) shared: usize,
    /// Number of features (shared and own).
    pub dim: usize,
}

/// One row's shared features: their ids (ascending) and, computed as
/// they are read, their weights.
#[derive(Clone, Copy)]
pub struct Row<'a> {
    /// The features' ids.
    pub ids: &'a [u32],
    tf: &'a [u8],
    first: usize,
    norm: f32,
    f: &'a Features,
}

impl<'a> Row<'a> {
    /// Number of shared features in the row.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// The row has no shared feature.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The weight of the row's `k`th feature.
    pub fn val(&self, k: usize) -> f32 {
        match (self.ids.get(k), self.tf.get(k)) {
            (Some(c), Some(t)) => self.weight_of(*c, *t, k),
            _ => 0.0,
        }
    }

    /// Σ `w[id]` × weight over the row, summed in four lanes (the order the
    /// scores have always been summed in).
    pub fn dot(&self, w: &[f32]) -> f32 {
        let at = |i: u32| w.get(i as usize).copied().unwrap_or(0.0);
        let mut acc = [0.0f32; 4];
        let whole = self.ids.len() / 4 * 4;
        let mut k = 0;
        for (i4, t4) in self.ids.chunks_exact(4).zip(self.tf.chunks_exact(4)) {
            for ((a, i), t) in acc.iter_mut().zip(i4).zip(t4) {
                *a += at(*i) * self.weight_of(*i, *t, k);
                k += 1;
            }
        }
        let tail: f32 = (whole..self.ids.len())
            .map(|k| match (self.ids.get(k), self.tf.get(k)) {
                (Some(i), Some(t)) => at(*i) * self.weight_of(*i, *t, k),
                _ => 0.0,
            })
            .sum();
        (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
    }

    /// The weight of feature `c` counted `t` (255: see the large counts) at
    /// place `k` of the row.
    #[inline]
    fn weight_of(&self, c: u32, t: u8, k: usize) -> f32 {
        let sub = match t {
            255 => {
                let n = self
                    .f
                    .tf_big
                    .get(&((self.first + k) as u32))
                    .copied()
                    .unwrap_or(255);
                1.0 + (n as f32).ln()
            }
            t => self.f.sub.get(t as usize).copied().unwrap_or(0.0),
        };
        let w = self.f.idf.get(c as usize).copied().unwrap_or(0.0) * sub;
        if self.norm > 0.0 {
            w / self.norm
        } else {
            w
        }
    }

    /// The weights, in the order of `ids`.
    pub fn vals(&self) -> impl Iterator<Item = f32> + 'a {
        let r = *self;
        (0..r.ids.len()).map(move |k| r.val(k))
    }

    /// (id, weight) pairs.
    pub fn iter(&self) -> impl Iterator<Item = (u32, f32)> + 'a {
        let r = *self;
        (0..r.ids.len()).map(move |k| (r.ids.get(k).copied().unwrap_or(0), r.val(k)))
    }
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

    /// Stored (shared) feature weights.
    pub fn nnz(&self) -> usize {
        self.idx.len()
    }

    /// Number of features seen in two records or more.
    pub fn shared(&self) -> usize {
        self.shared
    }

    /// Row `i`'s shared features: ids (sorted) and weights (empty past the end).
    pub fn row(&self, i: usize) -> Row<'_> {
        let (a, b) = match (self.start.get(i), self.start.get(i + 1)) {
            (Some(&a), Some(&b)) => (a, b),
            _ => (0, 0),
        };
        Row {
            ids: self.idx.get(a..b).unwrap_or(&[]),
            tf: self.tf.get(a..b).unwrap_or(&[]),
            first: a,
            norm: self.norm.get(i).copied().unwrap_or(0.0),
            f: self,
        }
    }

    /// Σ w² over all of row `i`'s features (1 for a record with any feature).
    pub fn sq_norm(&self, i: usize) -> f32 {
        self.row(i).vals().map(|x| x * x).sum::<f32>() + self.own_sq.get(i).copied().unwrap_or(0.0)
    }

    fn push_row(&mut self, ids: &[u32], tfs: &[u32], norm: f32, own: (f32, f32)) {
        if self.start.is_empty() {
            self.start.push(0);
        }
        for t in tfs {
            if *t >= 255 {
                self.tf_big.insert(self.tf.len() as u32, *t);
            }
            self.tf.push((*t).min(255) as u8);
        }
        self.idx.extend_from_slice(ids);
        self.start.push(self.idx.len());
        self.own_sum.push(own.0);
        self.own_sq.push(own.1);
        self.norm.push(norm);
    }

    /// The rows of a block of term lists: each term's feature and idf
    /// looked up in `feature` (by term id; none for a dropped term),
    /// weighted `idf × (1 + ln tf)`, divided by the row's norm; features of
    /// a single record folded into the row's two sums.
    fn push_block(&mut self, block: &Block, feature: &[Option<(u32, f32)>]) {
        let shared = self.shared;
        let mut row: Vec<(u32, f32, u32)> = Vec::new();
        let (mut ids, mut tfs) = (Vec::new(), Vec::new());
        let mut at = 0usize;
        for end in &block.ends {
            let end = *end as usize;
            row.clear();
            for (k, t) in block.terms.get(at..end).unwrap_or(&[]).iter().enumerate() {
                if let Some((i, idf)) = feature.get(*t as usize).copied().flatten() {
                    row.push((i, idf, block.count(at + k)));
                }
            }
            at = end;
            row.sort_unstable_by_key(|(i, _, _)| *i);
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
            tfs.clear();
            let (mut own_sum, mut own_sq) = (0.0f32, 0.0f32);
            for &(i, w, c) in &row {
                if (i as usize) < shared {
                    ids.push(i);
                    tfs.push(c);
                } else {
                    own_sum += w;
                    own_sq += w * w;
                }
            }
            self.push_row(&ids, &tfs, norm, (own_sum, own_sq));
        }
    }

    /// Add the rows of `other` (made with the same vocabulary) after these.
    fn append(&mut self, other: Features) {
        if self.start.is_empty() {
            self.start.push(0);
        }
        let base = self.idx.len();
        self.start
            .extend(other.start.iter().skip(1).map(|x| x + base));
        self.tf_big
            .extend(other.tf_big.into_iter().map(|(k, v)| (k + base as u32, v)));
        self.idx.extend_from_slice(&other.idx);
        self.tf.extend_from_slice(&other.tf);
        self.norm.extend_from_slice(&other.norm);
        self.own_sum.extend_from_slice(&other.own_sum);
        self.own_sq.extend_from_slice(&other.own_sq);
    }

    /// `d[r] += dw × w` for every row `r` holding shared feature `c` with
    /// weight `w` (the column copy walked once, each weight recomputed as
    /// the row holds it).
    pub(super) fn add_column(&self, c: usize, dw: f32, d: &mut [f32]) {
        let (Some(&a), Some(&b)) = (self.col_start.get(c), self.col_start.get(c + 1)) else {
            return;
        };
        let Some(&idf) = self.idf.get(c) else {
            return;
        };
        let rows = self.col_row.get(a..b).unwrap_or(&[]);
        let tfs = self.col_tf.get(a..b).unwrap_or(&[]);
        for (k, (r, t)) in rows.iter().zip(tfs).enumerate() {
            let sub = match t {
                255 => {
                    let n = self
                        .col_tf_big
                        .get(&((a + k) as u32))
                        .copied()
                        .unwrap_or(255);
                    1.0 + (n as f32).ln()
                }
                t => self.sub.get(*t as usize).copied().unwrap_or(0.0),
            };
            let r = *r as usize;
            let norm = self.norm.get(r).copied().unwrap_or(0.0);
            let w = idf * sub;
            let w = if norm > 0.0 { w / norm } else { w };
            if let Some(m) = d.get_mut(r) {
                *m += dw * w;
            }
        }
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
        let (mut rows, mut tfs) = (vec![0u32; sum], vec![0u8; sum]);
        let mut big = FxHashMap::default();
        for r in 0..self.len() {
            let (a, b) = match (self.start.get(r), self.start.get(r + 1)) {
                (Some(&a), Some(&b)) => (a, b),
                _ => (0, 0),
            };
            for p in a..b {
                let (Some(i), Some(t)) = (self.idx.get(p), self.tf.get(p)) else {
                    continue;
                };
                let Some(k) = next.get_mut(*i as usize) else {
                    continue;
                };
                if let (Some(x), Some(y)) = (rows.get_mut(*k), tfs.get_mut(*k)) {
                    (*x, *y) = (r as u32, *t);
                }
                if *t == 255 {
                    if let Some(n) = self.tf_big.get(&(p as u32)) {
                        big.insert(*k as u32, *n);
                    }
                }
                *k += 1;
            }
        }
        self.col_start = start;
        self.col_row = rows;
        self.col_tf = tfs;
        self.col_tf_big = big;
    }
}

/// A text in lower case and where its tokens are in it: lower-case words
/// of letters and digits, two characters or more (English stop words
/// removed on request). One string and one list per text, none per token.
struct Tokens {
    lower: String,
    spans: Vec<(u32, u32)>,
}

impl Tokens {
    fn of(text: &str, stop_words: bool) -> Tokens {
        let lower = text.to_lowercase();
        let base = lower.as_ptr() as usize;
        let spans = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().nth(1).is_some() && !(stop_words && STOP.contains(w)))
            .map(|w| {
                let a = w.as_ptr() as usize - base;
                (a as u32, (a + w.len()) as u32)
            })
            .collect();
        Tokens { lower, spans }
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        self.spans
            .iter()
            .filter_map(|(a, b)| self.lower.get(*a as usize..*b as usize))
    }
}

/// Build TF-IDF features (uni- and bigrams) for texts.
///
/// ```
/// use lacuna::screen::features::tfidf;
/// let f = tfidf(&["dialectical behaviour therapy", "dialectical behaviour therapy for self-harm", "mouse model"], 2);
/// assert_eq!(f.dim, 5); // dialectical, behaviour, therapy, dialectical behaviour, behaviour therapy
/// assert!((f.sq_norm(1) - 1.0).abs() < 1e-5);
/// assert!(f.row(2).ids.is_empty());
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
    let mut b = Builder::new(voc);
    b.fold = fold;
    for chunk in texts.chunks(BATCH) {
        b.push_batch(chunk);
    }
    b.finish()
}

/// Texts tokenised at once (in parallel) by [`build`].
const BATCH: usize = 4096;

/// Records of one block of a [`Builder`]'s term lists: large enough that
/// each block's lists are mapped (and given back) on their own, not left
/// in the heap when the block goes.
const BLOCK: usize = 32_768;

/// TF-IDF features built from texts given a batch at a time, so that no
/// text, token or record need be held for all records at once: each text
/// becomes its distinct terms (as numbers) and their counts as soon as it
/// is read, and [`Builder::finish`] turns those into the rows, a block of
/// records at a time, letting each block go as it is done. The result is
/// the same as [`tfidf_with`] over all the texts at once.
///
/// ```
/// use lacuna::screen::features::{tfidf_with, Builder, Vocabulary};
/// let texts = ["dialectical behaviour therapy", "dialectical behaviour therapy for self-harm", "mouse model"];
/// let mut b = Builder::new(&Vocabulary::default());
/// b.push_batch(&texts[..1]);
/// b.push_batch(&texts[1..]);
/// let f = b.finish();
/// let g = tfidf_with(&texts, &Vocabulary::default());
/// assert_eq!((f.len(), f.dim, f.row(1).ids), (g.len(), g.dim, g.row(1).ids));
/// assert!(f.row(1).vals().eq(g.row(1).vals()));
/// ```
pub struct Builder {
    voc: Vocabulary,
    fold: bool,
    /// Words as numbers: a word is its id, a word pair (a, b) is
    /// (a + 1) << 32 | b, so no pair needs a string of its own.
    words: FxHashMap<String, u32>,
    /// Each distinct term (word or word pair) gets an id as it is first
    /// seen; `codes` keeps its number, for a tie-break that does not depend
    /// on order, and `df` the number of records it is in.
    term_id: FxHashMap<u64, u32>,
    codes: Vec<u64>,
    df: Vec<u32>,
    /// Per block of [`BLOCK`] records: each record's distinct terms
    /// (ascending) and their counts, and where each record's run ends.
    blocks: Vec<Block>,
    records: usize,
}

#[derive(Default)]
struct Block {
    terms: Vec<u32>,
    /// A term's count in its record; 255 and more: in `big`, by place.
    counts: Vec<u8>,
    big: FxHashMap<u32, u32>,
    ends: Vec<u32>,
}

impl Block {
    fn count(&self, at: usize) -> u32 {
        match self.counts.get(at) {
            Some(255) => self.big.get(&(at as u32)).copied().unwrap_or(255),
            Some(c) => u32::from(*c),
            None => 0,
        }
    }
}

impl Builder {
    /// A builder with these vocabulary rules.
    pub fn new(voc: &Vocabulary) -> Builder {
        Builder {
            voc: *voc,
            fold: true,
            words: FxHashMap::default(),
            term_id: FxHashMap::default(),
            codes: Vec::new(),
            df: Vec::new(),
            blocks: Vec::new(),
            records: 0,
        }
    }

    /// Records given so far.
    pub fn len(&self) -> usize {
        self.records
    }

    /// No record given yet.
    pub fn is_empty(&self) -> bool {
        self.records == 0
    }

    /// Add the next texts (one per record, in order), tokenised in parallel.
    pub fn push_batch<S: AsRef<str> + Sync>(&mut self, texts: &[S]) {
        let toks: Vec<Tokens> = {
            use rayon::prelude::*;
            texts
                .par_iter()
                .map(|t| Tokens::of(t.as_ref(), self.voc.stop_words))
                .collect()
        };
        let mut doc: Vec<u32> = Vec::new();
        let mut ids: Vec<u32> = Vec::new();
        for t in toks {
            ids.clear();
            for w in t.iter() {
                let id = match self.words.get(w) {
                    Some(id) => *id,
                    None => {
                        let n = self.words.len() as u32;
                        self.words.insert(w.to_string(), n);
                        n
                    }
                };
                ids.push(id);
            }
            doc.clear();
            let pairs = ids.windows(2).map(|p| match p {
                [a, b] => (u64::from(*a) + 1) << 32 | u64::from(*b),
                _ => 0,
            });
            for code in ids.iter().map(|i| u64::from(*i)).chain(pairs) {
                let (codes, df) = (&mut self.codes, &mut self.df);
                doc.push(*self.term_id.entry(code).or_insert_with(|| {
                    codes.push(code);
                    df.push(0);
                    codes.len() as u32 - 1
                }));
            }
            self.push_terms(&mut doc);
        }
    }

    /// Keep one record's terms as distinct terms and counts.
    fn push_terms(&mut self, doc: &mut [u32]) {
        doc.sort_unstable();
        if self.records.is_multiple_of(BLOCK) {
            self.blocks.push(Block::default());
        }
        self.records += 1;
        let Some(block) = self.blocks.last_mut() else {
            return;
        };
        for t in doc.iter() {
            if block.terms.len() > block.ends.last().copied().unwrap_or(0) as usize
                && block.terms.last() == Some(t)
            {
                let at = block.counts.len().saturating_sub(1);
                match block.counts.last_mut() {
                    Some(c) if *c < 254 => *c += 1,
                    Some(c) => {
                        *c = 255;
                        *block.big.entry(at as u32).or_insert(254) += 1;
                    }
                    None => {}
                }
                continue;
            }
            block.terms.push(*t);
            block.counts.push(1);
            if let Some(d) = self.df.get_mut(*t as usize) {
                *d += 1;
            }
        }
        block.ends.push(block.terms.len() as u32);
    }

    /// The features: vocabulary chosen, rows weighted and normalised.
    pub fn finish(mut self) -> Features {
        self.words = FxHashMap::default();
        self.term_id = FxHashMap::default();
        let voc = self.voc;
        let n_docs = self.records;
        let mut vocab: Vec<(u32, usize)> = self
            .df
            .iter()
            .enumerate()
            .filter(|(_, n)| {
                **n as usize >= voc.min_df.max(1) && (**n as f64) <= voc.max_df * n_docs as f64
            })
            .map(|(t, n)| (t as u32, *n as usize))
            .collect();
        // Most frequent first (the hot part of a weight vector stays together);
        // the features of a single record come last and are folded per row.
        let codes = std::mem::take(&mut self.codes);
        let code = |t: u32| codes.get(t as usize).copied().unwrap_or(0);
        vocab.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(code(a.0).cmp(&code(b.0))));
        let shared = if self.fold {
            vocab.iter().take_while(|(_, n)| *n >= 2).count()
        } else {
            vocab.len()
        };
        let n = n_docs as f64;
        // Per term id: its feature and idf (none for a dropped term).
        let mut feature: Vec<Option<(u32, f32)>> = vec![None; codes.len()];
        drop(codes);
        self.df = Vec::new();
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
        f.idf = vocab
            .iter()
            .take(shared)
            .map(|(t, _)| {
                feature
                    .get(*t as usize)
                    .copied()
                    .flatten()
                    .map_or(0.0, |x| x.1)
            })
            .collect();
        drop(vocab);
        f.sub = (0..255u32).map(|c| 1.0 + (c as f32).ln()).collect();
        // Two blocks at a time, on both cores; each block's terms go as
        // soon as its rows are made, and the rows are kept in order.
        let mut blocks = std::mem::take(&mut self.blocks).into_iter();
        loop {
            let two: Vec<Block> = blocks.by_ref().take(2).collect();
            if two.is_empty() {
                break;
            }
            let parts: Vec<Features> = {
                use rayon::prelude::*;
                let proto = &f;
                two.into_par_iter()
                    .map(|b| {
                        let mut part = Features {
                            shared: proto.shared,
                            sub: proto.sub.clone(),
                            ..Features::default()
                        };
                        part.push_block(&b, &feature);
                        part
                    })
                    .collect()
            };
            for part in parts {
                f.append(part);
            }
        }
        if f.start.is_empty() {
            f.start.push(0);
        }
        f.idx.shrink_to_fit();
        f.tf.shrink_to_fit();
        f.index_columns();
        f
    }
}
