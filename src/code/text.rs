//! Normalised text and word patterns for the auto-coder.
//!
//! [`Norm`] lower-cases a field, turns every run of non-alphanumeric
//! characters into one space (so hyphen and whitespace are interchangeable),
//! remembers where each byte came from in the original, and where sentences
//! start. [`PatternSet`] finds protocol patterns in it with one Aho–Corasick
//! pass over the literal heads, then checks word boundaries, `*` wildcards
//! (letters and digits inside one word) and case for UPPER-CASE acronyms.
//! Pure: no I/O, no regular expressions.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

/// A field's text, normalised for matching.
#[derive(Debug, Clone, Default)]
pub struct Norm {
    /// Lower-case letters and digits, single spaces between words.
    pub s: Vec<u8>,
    start: Vec<u32>,
    end: Vec<u32>,
    /// Offsets in `s` where sentences start (the first is 0).
    sentences: Vec<usize>,
    text: String,
}

/// Words that end with a full stop without ending a sentence.
const ABBREVIATIONS: &[&str] = &[
    "vs", "al", "eg", "ie", "approx", "fig", "ca", "cf", "dr", "mr", "mrs", "ms",
];

impl Norm {
    /// Normalise `text`.
    ///
    /// ```
    /// use lacuna::code::text::Norm;
    /// let n = Norm::new("Self-harm, e.g. cutting. Then DBT!");
    /// assert_eq!(n.as_str(), "self harm e g cutting then dbt ");
    /// assert_eq!(n.sentence_of(0), n.sentence_of(10));
    /// assert_ne!(n.sentence_of(0), n.sentence_of(25));
    /// ```
    pub fn new(text: &str) -> Norm {
        let mut n = Norm {
            s: Vec::with_capacity(text.len()),
            start: Vec::with_capacity(text.len()),
            end: Vec::with_capacity(text.len()),
            sentences: vec![0],
            text: text.to_string(),
        };
        let mut pending_break = false;
        let mut chars = text.char_indices().peekable();
        let mut buf = [0u8; 4];
        while let Some((i, c)) = chars.next() {
            let e = (i + c.len_utf8()) as u32;
            if c.is_alphanumeric() {
                if pending_break && !n.s.is_empty() {
                    n.sentences.push(n.s.len());
                }
                pending_break = false;
                for lc in c.to_lowercase() {
                    for b in lc.encode_utf8(&mut buf).bytes() {
                        n.s.push(b);
                        n.start.push(i as u32);
                        n.end.push(e);
                    }
                }
            } else {
                if matches!(c, '.' | '?' | '!' | ';')
                    && chars.peek().is_none_or(|(_, nx)| nx.is_whitespace())
                    && !n.ends_with_abbreviation()
                {
                    pending_break = true;
                }
                if n.s.last().is_some_and(|b| *b != b' ') {
                    n.s.push(b' ');
                    n.start.push(i as u32);
                    n.end.push(e);
                }
            }
        }
        if n.s.last().is_some_and(|b| *b != b' ') {
            let l = text.len() as u32;
            n.s.push(b' ');
            n.start.push(l);
            n.end.push(l);
        }
        n
    }

    fn ends_with_abbreviation(&self) -> bool {
        let s = &self.s;
        let w0 = s.iter().rposition(|b| *b == b' ').map_or(0, |p| p + 1);
        let word = s.get(w0..).unwrap_or(&[]);
        word.len() == 1 || ABBREVIATIONS.iter().any(|a| a.as_bytes() == word)
    }

    /// The original text of original byte range `a..b`.
    pub fn original_text(&self, a: usize, b: usize) -> &str {
        self.text.get(a..b).unwrap_or("")
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.s).unwrap_or("")
    }

    /// Sentence number of normalised offset `pos`.
    pub fn sentence_of(&self, pos: usize) -> usize {
        self.sentences
            .partition_point(|s| *s <= pos)
            .saturating_sub(1)
    }

    /// Normalised range of the sentence holding `pos`.
    pub fn sentence_range(&self, pos: usize) -> (usize, usize) {
        let i = self.sentence_of(pos);
        let a = self.sentences.get(i).copied().unwrap_or(0);
        let b = self.sentences.get(i + 1).copied().unwrap_or(self.s.len());
        (a, b)
    }

    /// Original byte range of normalised range `a..b`.
    pub fn original(&self, a: usize, b: usize) -> (usize, usize) {
        let s = self.start.get(a).copied().unwrap_or(0) as usize;
        let e = b
            .checked_sub(1)
            .and_then(|i| self.end.get(i))
            .copied()
            .unwrap_or(0) as usize;
        (s, e.max(s))
    }

    /// Number of words in normalised range `a..b`.
    pub fn words_between(&self, a: usize, b: usize) -> usize {
        if b <= a {
            return 0;
        }
        self.s.get(a..b).map_or(0, |w| {
            w.split(|c| *c == b' ').filter(|x| !x.is_empty()).count()
        })
    }
}

/// A pattern as compiled.
#[derive(Debug, Clone)]
struct Pat {
    tail: Vec<u8>,
    /// For UPPER-CASE patterns: the letters and digits the original must start with.
    case: Option<String>,
}

/// Where a pattern matched, in normalised offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Index of the pattern in the list given to [`PatternSet::new`].
    pub pattern: usize,
    /// Start (normalised).
    pub start: usize,
    /// End (normalised, exclusive).
    pub end: usize,
}

/// Many patterns, matched in one pass.
#[derive(Debug, Clone)]
pub struct PatternSet {
    ac: Option<AhoCorasick>,
    heads: Vec<Vec<usize>>,
    pats: Vec<Pat>,
}

fn norm_segment(seg: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4];
    for c in seg.chars() {
        if c.is_alphanumeric() {
            for lc in c.to_lowercase() {
                out.extend_from_slice(lc.encode_utf8(&mut buf).as_bytes());
            }
        } else if out.last() != Some(&b' ') {
            out.push(b' ');
        }
    }
    out
}

impl PatternSet {
    /// Compile patterns (already checked by [`crate::protocol::check_pattern`]).
    ///
    /// ```
    /// use lacuna::code::text::{Norm, PatternSet};
    /// let set = PatternSet::new(&["self-harm*", "DBT", "cognitive behavio* therap*"]);
    /// let n = Norm::new("CBT (cognitive behavioural therapy) vs dbt for self harming youth");
    /// let hits: Vec<usize> = set.find(&n).iter().map(|h| h.pattern).collect();
    /// assert_eq!(hits, [2, 0]); // "dbt" is lower case, so the acronym does not match
    /// ```
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> PatternSet {
        let mut head_ids: Vec<Vec<u8>> = Vec::new();
        let mut heads: Vec<Vec<usize>> = Vec::new();
        let mut pats = Vec::with_capacity(patterns.len());
        for (i, p) in patterns.iter().enumerate() {
            let p = p.as_ref().trim();
            let (h, rest) = p.split_once('*').map_or((p, None), |(a, b)| (a, Some(b)));
            let mut head = norm_segment(h);
            while head.first() == Some(&b' ') {
                head.remove(0);
            }
            let mut tail = Vec::new();
            if let Some(rest) = rest {
                tail.push(b'*');
                for (j, seg) in rest.split('*').enumerate() {
                    if j > 0 {
                        tail.push(b'*');
                    }
                    tail.extend(norm_segment(seg));
                }
                if tail.last() == Some(&b' ') {
                    tail.pop();
                }
            } else if head.last() == Some(&b' ') {
                head.pop();
            }
            let upper = h.chars().any(char::is_uppercase) && !p.chars().any(char::is_lowercase);
            let case = upper.then(|| h.chars().filter(|c| c.is_alphanumeric()).collect());
            pats.push(Pat { tail, case });
            match head_ids.iter().position(|x| *x == head) {
                Some(k) => {
                    if let Some(v) = heads.get_mut(k) {
                        v.push(i);
                    }
                }
                None => {
                    head_ids.push(head);
                    heads.push(vec![i]);
                }
            }
        }
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&head_ids)
            .ok()
            .or_else(|| AhoCorasick::new(&head_ids).ok());
        PatternSet { ac, heads, pats }
    }

    /// Number of patterns.
    pub fn len(&self) -> usize {
        self.pats.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.pats.is_empty()
    }

    /// Every match in `n`, ordered by start, then pattern.
    pub fn find(&self, n: &Norm) -> Vec<Hit> {
        let mut out = Vec::new();
        let Some(ac) = &self.ac else { return out };
        let s = &n.s;
        for m in ac.find_overlapping_iter(s.as_slice()) {
            let a = m.start();
            if a > 0 && s.get(a - 1) != Some(&b' ') {
                continue;
            }
            for &pi in self.heads.get(m.pattern().as_usize()).into_iter().flatten() {
                let Some(p) = self.pats.get(pi) else { continue };
                let Some(end) = glob(&p.tail, s, m.end()) else {
                    continue;
                };
                if let Some(want) = &p.case {
                    if !case_ok(n, a, end, want) {
                        continue;
                    }
                }
                // A pattern never runs across a sentence's end ("… personality
                // disorder. Service users …" is no "personality disorder service").
                if n.sentence_of(a) != n.sentence_of(end.saturating_sub(2).max(a)) {
                    continue;
                }
                out.push(Hit {
                    pattern: pi,
                    start: a,
                    end,
                });
            }
        }
        out.sort_by_key(|h| (h.start, h.pattern));
        out
    }
}

/// An UPPER-CASE pattern matches only text written with the same letters.
fn case_ok(n: &Norm, a: usize, b: usize, want: &str) -> bool {
    let (oa, ob) = n.original(a, b);
    let got = n.text.get(oa..ob).unwrap_or("");
    let mut got = got.chars().filter(|c| c.is_alphanumeric());
    want.chars().all(|w| got.next() == Some(w))
}

fn at_boundary(s: &[u8], p: usize) -> bool {
    p >= s.len() || s.get(p) == Some(&b' ')
}

/// Match `tail` at `p`; `*` takes letters and digits within one word (greedy).
fn glob(tail: &[u8], s: &[u8], p: usize) -> Option<usize> {
    match tail.split_first() {
        None => at_boundary(s, p).then_some(p),
        Some((b'*', rest)) => {
            let word_end = s
                .get(p..)
                .and_then(|w| w.iter().position(|c| *c == b' '))
                .map_or(s.len(), |i| p + i);
            (p..=word_end).rev().find_map(|q| glob(rest, s, q))
        }
        Some((c, rest)) => (s.get(p) == Some(c))
            .then(|| glob(rest, s, p + 1))
            .flatten(),
    }
}
