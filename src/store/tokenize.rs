//! The index's text analysis: tantivy's `en_stem` chain with a stem cache.
//!
//! Profiling an import showed a quarter of all CPU time in the Snowball
//! stemmer, although abstracts repeat the same few thousand words. The
//! analyzer registered here is the same chain as tantivy's own `en_stem`
//! (simple tokenizer, tokens over 40 bytes dropped, lower-cased, English
//! Snowball stem) and gives the same tokens, so indexes built before it stay
//! valid; it only remembers each word's stem. Each tantivy indexing thread
//! holds its own clone, so no lock is taken per token.
//!
//! The field's own words are not cut by the stemmer ([`FIELD_WORDS`]):
//! Snowball makes *mentalization* "mental", so a search for the therapy
//! found every paper on mental health first. They are kept whole, with their
//! spellings and inflections folded into one form ("mentalisation",
//! "mentalizing" → `mentaliz`). The analyzer is registered under a new name
//! ([`EN_STEM`]), so an index built with the old chain is seen as another
//! schema and rebuilt from the store.

use rustc_hash::FxHashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};

/// Name the analyzer is registered under (the schema names it: indexes
/// built by the chain without field words used `en_stem`).
pub const EN_STEM: &str = "en_stem_field";

/// Words of the field that stemming would merge with everyday words, by
/// prefix (lower case), and the one form each is indexed and searched as.
/// Longest prefixes first.
pub const FIELD_WORDS: &[(&str, &str)] = &[
    // mentalization-based treatment: Snowball gives "mental"
    ("mentaliz", "mentaliz"),
    ("mentalis", "mentaliz"),
    // dialectical behaviour therapy: Snowball gives "dialect"
    ("dialectic", "dialectic"),
    // schema therapy: keeps "schema" apart from "schematic"
    ("schemas", "schema"),
    ("schemata", "schema"),
    // transference-focused psychotherapy: Snowball gives "transfer"
    ("transferenc", "transferenc"),
    // psychoeducation: Snowball gives "psychoeduc", kept as is
    // personality: Snowball gives "person" (personality disorder vs person)
    ("personalit", "personalit"),
    // borderline: kept whole ("border" otherwise)
    ("borderline", "borderline"),
];

/// The form a field word is indexed as, if `word` (lower case) is one.
pub fn field_word(word: &str) -> Option<&'static str> {
    let (prefix, form) = FIELD_WORDS.iter().find(|(p, _)| word.starts_with(p))?;
    // "schemas" and "schemata" only as whole words; the rest are prefixes.
    if (*prefix == "schemas" || *prefix == "schemata") && word != *prefix {
        return None;
    }
    Some(form)
}

/// Words remembered per analyzer clone before the cache is emptied (bounds memory).
const MAX_CACHED: usize = 200_000;
/// Longer tokens are stemmed without being cached.
const MAX_CACHED_LEN: usize = 24;

/// tantivy's `en_stem` chain with a stem cache of its own.
///
/// ```
/// use tantivy::tokenizer::TokenStream;
/// let mut a = lacuna::store::tokenize::en_stem();
/// let mut s = a.token_stream("Running trials");
/// let mut out = Vec::new();
/// while s.advance() {
///     out.push(s.token().text.clone());
/// }
/// assert_eq!(out, ["run", "trial"]);
/// ```
pub fn en_stem() -> TextAnalyzer {
    analyzer(CachedStemmer { shared: None })
}

/// The same chain, with one cache shared by all its clones: for snippets,
/// where tantivy clones the analyzer for every hit.
pub fn en_stem_shared() -> TextAnalyzer {
    analyzer(CachedStemmer {
        shared: Some(Arc::new(Mutex::new(FxHashMap::default()))),
    })
}

fn analyzer(stemmer: CachedStemmer) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(stemmer)
        .build()
}

/// Register Lacuna's analyzers on an index (before writing or searching it).
pub fn register(index: &tantivy::Index) {
    index.tokenizers().register(EN_STEM, en_stem());
    // Indexes built before the field words named their chain `en_stem`:
    // registered too, so that such an index opens and is seen as stale.
    index.tokenizers().register("en_stem", en_stem());
}

type Cache = FxHashMap<Box<str>, Box<str>>;

/// English Snowball stemming with a cache of stems: each clone's own, or
/// one shared by all clones.
#[derive(Clone, Debug, Default)]
pub struct CachedStemmer {
    shared: Option<Arc<Mutex<Cache>>>,
}

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemFilter<T> {
        CachedStemFilter {
            inner: tokenizer,
            own: Cache::default(),
            shared: self.shared,
        }
    }
}

/// The tokenizer made by [`CachedStemmer`].
#[derive(Clone)]
pub struct CachedStemFilter<T> {
    inner: T,
    own: Cache,
    shared: Option<Arc<Mutex<Cache>>>,
}

impl<T: Tokenizer> Tokenizer for CachedStemFilter<T> {
    type TokenStream<'a> = CachedStemStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        let mut cache = match &self.shared {
            // A poisoned cache only means another thread panicked mid-insert;
            // every entry in it is still a correct stem.
            Some(m) => CacheRef::Shared(m.lock().unwrap_or_else(PoisonError::into_inner)),
            None => CacheRef::Own(&mut self.own),
        };
        if cache.get().len() > MAX_CACHED {
            cache.get().clear();
        }
        CachedStemStream {
            tail: self.inner.token_stream(text),
            cache,
            stemmer: rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English),
        }
    }
}

enum CacheRef<'a> {
    Own(&'a mut Cache),
    Shared(MutexGuard<'a, Cache>),
}

impl CacheRef<'_> {
    fn get(&mut self) -> &mut Cache {
        match self {
            CacheRef::Own(c) => c,
            CacheRef::Shared(g) => g,
        }
    }
}

/// Token stream of [`CachedStemFilter`].
pub struct CachedStemStream<'a, S> {
    tail: S,
    cache: CacheRef<'a>,
    stemmer: rust_stemmers::Stemmer,
}

impl<S: TokenStream> TokenStream for CachedStemStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(form) = field_word(&token.text) {
            token.text.clear();
            token.text.push_str(form);
            return true;
        }
        let cache = self.cache.get();
        if let Some(stem) = cache.get(token.text.as_str()) {
            token.text.clear();
            token.text.push_str(stem);
            return true;
        }
        let stem: Box<str> = self.stemmer.stem(&token.text).into();
        if token.text.len() <= MAX_CACHED_LEN {
            cache.insert(token.text.as_str().into(), stem.clone());
        }
        token.text.clear();
        token.text.push_str(&stem);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::TokenizerManager;

    fn tokens(a: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut s = a.token_stream(text);
        let mut out = Vec::new();
        while s.advance() {
            let t = s.token();
            out.push((t.text.clone(), t.offset_from, t.offset_to, t.position));
        }
        out
    }

    #[test]
    fn the_fields_words_are_kept_apart_from_everyday_words() {
        let mut a = en_stem();
        let words = |a: &mut TextAnalyzer, t: &str| -> Vec<String> {
            tokens(a, t).into_iter().map(|x| x.0).collect()
        };
        let m = words(
            &mut a,
            "Mentalization mentalisation mentalizing MENTALISING mentalized mental",
        );
        assert_eq!(
            m,
            ["mentaliz", "mentaliz", "mentaliz", "mentaliz", "mentaliz", "mental"]
        );
        let d = words(&mut a, "dialectical Dialectic dialect");
        assert_eq!(d, ["dialectic", "dialectic", "dialect"]);
        let s = words(&mut a, "schema schemas schemata schematic");
        assert_eq!(s, ["schema", "schema", "schema", "schemat"]);
        let p = words(
            &mut a,
            "personality personalities person persons borderline border",
        );
        assert_eq!(
            p,
            [
                "personalit",
                "personalit",
                "person",
                "person",
                "borderline",
                "border"
            ]
        );
    }

    #[test]
    fn same_tokens_as_tantivys_en_stem_on_repeated_and_odd_words() {
        let mut ours = en_stem();
        let mut theirs = TokenizerManager::default()
            .get("en_stem")
            .expect("tantivy registers en_stem");
        let text = "Cognitive behaviour therapies: randomised TRIALS of therapy, \
                    therapies and therapist-led groups; naïve Ærøskøbing caféS 2019 \
                    x-ray ß STRAẞE \
                    pneumonoultramicroscopicsilicovolcanoconiosispneumonoultramicroscopicsilicovolcanoconiosis \
                    internationalisationalisations internationalisationalisations";
        // Twice through one analyzer: the second pass answers from the cache.
        for _ in 0..2 {
            assert_eq!(tokens(&mut ours, text), tokens(&mut theirs, text));
        }
        // A shared cache, filled by one clone and read by another.
        let mut shared = en_stem_shared();
        let mut other = shared.clone();
        assert_eq!(tokens(&mut shared, text), tokens(&mut theirs, text));
        assert_eq!(tokens(&mut other, text), tokens(&mut theirs, text));
    }
}
