//! Shared nouns of every stage: [`Pmid`], [`Doi`], [`Record`] and the parsed
//! [`Item`] (an article, a book chapter, or a deletion notice).
//!
//! This module imports nothing from the rest of the crate and does no I/O.
//! Identifiers are checked once here, at the boundary ("parse, don't
//! validate"): a `Pmid` is always a positive integer, a `Doi` is always
//! normalised, so later stages never re-check them.

use serde::{Deserialize, Serialize};

pub mod coding;
pub mod dedup;
pub mod input;
pub mod names;
pub mod pooled;
pub mod rob;
mod size;
use std::fmt;

/// The 97.5% quantile of the standard normal distribution (shared by
/// `extract` and `meta`, which do not import each other).
pub const Z975: f64 = 1.959_963_984_540_054;

/// A category's label without its parenthesised gloss, as running text and
/// tight figures show it.
///
/// ```
/// use lacuna::model::short_label;
/// assert_eq!(short_label("Older adults (65+)"), "Older adults");
/// assert_eq!(short_label("Schema therapy"), "Schema therapy");
/// ```
pub fn short_label(label: &str) -> &str {
    label.split(" (").next().unwrap_or(label)
}

/// Version of the JSON Lines record format written by `lacuna parse`.
pub const SCHEMA_VERSION: u32 = 1;

/// A PubMed identifier: a positive integer.
///
/// ```
/// use lacuna::model::Pmid;
/// assert_eq!(Pmid::parse(" 12091962 ").unwrap().get(), 12091962);
/// assert!(Pmid::parse("abc").is_err());
/// assert!(Pmid::parse("0").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "PmidRepr", into = "u64")]
pub struct Pmid(u64);

/// A PMID as it may appear in JSON: a number or a string of digits.
#[derive(Deserialize)]
#[serde(untagged)]
enum PmidRepr {
    Num(u64),
    Str(String),
}

impl TryFrom<PmidRepr> for Pmid {
    type Error = IdError;
    fn try_from(r: PmidRepr) -> Result<Self, IdError> {
        match r {
            PmidRepr::Num(n) => Pmid::new(n),
            PmidRepr::Str(s) => Pmid::parse(&s),
        }
    }
}

impl From<Pmid> for u64 {
    fn from(p: Pmid) -> u64 {
        p.0
    }
}

/// An identifier that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Not a positive decimal integer.
    #[error("not a PMID (expected a positive whole number): {0:?}")]
    BadPmid(String),
    /// Not shaped like a DOI (`10.<registrant>/<suffix>`).
    #[error("not a DOI (expected 10.NNNN/...): {0:?}")]
    BadDoi(String),
}

impl Pmid {
    /// A PMID from a number; zero is rejected.
    pub fn new(n: u64) -> Result<Self, IdError> {
        if n == 0 {
            Err(IdError::BadPmid(n.to_string()))
        } else {
            Ok(Pmid(n))
        }
    }

    /// A PMID from text, surrounding whitespace allowed.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let t = s.trim();
        if t.is_empty() || t.len() > 19 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::BadPmid(s.to_string()));
        }
        let n: u64 = t.parse().map_err(|_| IdError::BadPmid(s.to_string()))?;
        Pmid::new(n)
    }

    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Pmid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A normalised DOI: prefix (`doi:`, `https://doi.org/`) removed, trimmed,
/// lower-cased (DOIs are case-insensitive), so equal DOIs compare equal.
///
/// ```
/// use lacuna::model::Doi;
/// let a = Doi::parse("https://doi.org/10.1176/APPI.AJP.2007.07040636").unwrap();
/// let b = Doi::parse("doi: 10.1176/appi.ajp.2007.07040636").unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a.as_str(), "10.1176/appi.ajp.2007.07040636");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Doi(String);

impl Doi {
    /// Normalise and check a DOI string.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let mut t = s.trim();
        for prefix in [
            "https://doi.org/",
            "http://doi.org/",
            "https://dx.doi.org/",
            "http://dx.doi.org/",
            "doi.org/",
        ] {
            if t.len() >= prefix.len()
                && t.get(..prefix.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
            {
                t = t.get(prefix.len()..).unwrap_or("").trim();
            }
        }
        if t.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("doi:")) {
            t = t.get(4..).unwrap_or("").trim();
        }
        let t = t.trim_end_matches(['.', ',', ';']);
        let ok = t.starts_with("10.")
            && t.contains('/')
            && !t.ends_with('/')
            && !t.chars().any(char::is_whitespace);
        if !ok {
            return Err(IdError::BadDoi(s.to_string()));
        }
        Ok(Doi(t.to_lowercase()))
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Doi {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Doi::parse(&s)
    }
}

impl From<Doi> for String {
    fn from(d: Doi) -> String {
        d.0
    }
}

impl fmt::Display for Doi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of bibliographic item a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    /// A journal article (`PubmedArticle`, or any imported reference).
    #[default]
    Article,
    /// A book or book chapter (`PubmedBookArticle`).
    Book,
}

impl RecordKind {
    /// The lower-case name used in JSON and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Article => "article",
            RecordKind::Book => "book",
        }
    }
}

/// One labelled section of a structured abstract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AbstractSection {
    /// The `Label` attribute, e.g. "METHODS".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The `NlmCategory` attribute, e.g. "METHODS".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nlm_category: Option<String>,
    /// Flattened text of the section.
    pub text: String,
}

/// An abstract in another language or by another owner (`OtherAbstract`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct OtherAbstract {
    /// The `Type` attribute (e.g. "Publisher", "plain-language-summary").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// The `Language` attribute (e.g. "spa").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Flattened text, sections joined by single spaces.
    pub text: String,
}

/// A MeSH qualifier (subheading) of a heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MeshQualifier {
    /// Qualifier unique ID, e.g. "Q000628".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ui: Option<String>,
    /// Qualifier name, e.g. "therapy".
    pub name: String,
    /// `MajorTopicYN="Y"`.
    #[serde(default)]
    pub major: bool,
}

/// A MeSH heading: descriptor plus qualifiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MeshHeading {
    /// Descriptor unique ID, e.g. "D001883".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ui: Option<String>,
    /// Descriptor name, e.g. "Borderline Personality Disorder".
    pub name: String,
    /// The descriptor itself is flagged major topic.
    #[serde(default)]
    pub major: bool,
    /// Qualifiers attached to this descriptor.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub qualifiers: Vec<MeshQualifier>,
}

impl MeshHeading {
    /// Major topic if the descriptor or any of its qualifiers is flagged major
    /// (NLM's rule: an asterisk on a qualifier makes the heading major).
    pub fn is_major(&self) -> bool {
        self.major || self.qualifiers.iter().any(|q| q.major)
    }
}

/// One bibliographic record: a work as one source described it.
///
/// Field names are the stable JSON Lines names documented in
/// `docs/harvest-and-import.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Record {
    /// Article or book.
    #[serde(default)]
    pub kind: RecordKind,
    /// PubMed identifier, if the record is in PubMed.
    #[serde(default)]
    pub pmid: Option<Pmid>,
    /// The `Version` attribute of the PMID (1 for nearly all records).
    #[serde(default)]
    pub pmid_version: Option<u32>,
    /// Identifier given by a non-PubMed source (e.g. a RIS `ID` or a corpus id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// Normalised DOI.
    #[serde(default)]
    pub doi: Option<Doi>,
    /// PubMed Central identifier, e.g. "PMC1234567".
    #[serde(default)]
    pub pmcid: Option<String>,
    /// Title (flattened; empty when PubMed gives only a vernacular title).
    #[serde(default)]
    pub title: String,
    /// Title in the original language.
    #[serde(default)]
    pub vernacular_title: Option<String>,
    /// Flat text of the abstract: sections joined by single spaces, no labels.
    #[serde(default, rename = "abstract")]
    pub abstract_text: Option<String>,
    /// The labelled sections of the abstract (one unlabelled section if unstructured).
    #[serde(default)]
    pub abstract_sections: Vec<AbstractSection>,
    /// Other abstracts (other languages, plain-language summaries).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_abstracts: Vec<OtherAbstract>,
    /// Journal title (for books: None; see `book_title`).
    #[serde(default)]
    pub journal: Option<String>,
    /// NLM ISO abbreviation of the journal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_iso: Option<String>,
    /// ISSN of the journal (print or electronic, as given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issn: Option<String>,
    /// Title of the book a chapter belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub book_title: Option<String>,
    /// Volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<String>,
    /// Issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue: Option<String>,
    /// Pages, e.g. "181-5".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<String>,
    /// Publication year.
    #[serde(default)]
    pub year: Option<i32>,
    /// Publication date as printed: "2016 Jan", "1998 Dec-1999 Jan", "1990 Spring".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pub_date: Option<String>,
    /// Authors as "Last FM", or a collective name; investigators and editors excluded.
    #[serde(default)]
    pub authors: Vec<String>,
    /// Languages (ISO 639-2 codes as PubMed gives them, e.g. "eng").
    #[serde(default)]
    pub language: Vec<String>,
    /// Publication types, e.g. "Randomized Controlled Trial".
    #[serde(default)]
    pub publication_types: Vec<String>,
    /// MeSH descriptor names.
    #[serde(default)]
    pub mesh: Vec<String>,
    /// MeSH descriptor names flagged as major topics.
    #[serde(default)]
    pub mesh_major: Vec<String>,
    /// Full MeSH headings with UIs and qualifiers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mesh_headings: Vec<MeshHeading>,
    /// Author or NLM keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// `DateRevised` as YYYY-MM-DD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_revised: Option<String>,
    /// Retraction, erratum, expression-of-concern and update notices that
    /// PubMed links to this record (`CommentsCorrections`), in file order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrections: Vec<Correction>,
    /// Read from a database or reference-manager export (RIS, MEDLINE text,
    /// CSV) rather than from PubMed XML or Lacuna JSON: such a record never
    /// replaces one the review already holds. Not written to JSON.
    #[serde(skip)]
    pub from_export: bool,
}

/// The `CommentsCorrections` types a record keeps: the notices that can
/// change what a study is worth to a review.
pub const CORRECTION_TYPES: [&str; 5] = [
    "RetractionIn",
    "RetractionOf",
    "ErratumIn",
    "ExpressionOfConcernIn",
    "UpdateIn",
];

/// A notice PubMed links to a record: a retraction, an erratum, an
/// expression of concern, or a later version (`UpdateIn`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Correction {
    /// The `RefType`: one of [`CORRECTION_TYPES`].
    pub r#type: String,
    /// The notice's PMID, when PubMed gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pmid: Option<Pmid>,
    /// The notice's citation (`RefSource`), e.g. "Lancet. 2020 Jun 13;395(10240):1820".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Record {
    /// Whether the record has been retracted: PubMed gives it the
    /// publication type "Retracted Publication", or links a retraction
    /// notice to it (`RetractionIn`).
    ///
    /// ```
    /// use lacuna::model::{Correction, Record};
    /// let mut r = Record::default();
    /// assert!(!r.retracted());
    /// r.corrections.push(Correction { r#type: "ErratumIn".into(), pmid: None, source: None });
    /// assert!(!r.retracted());
    /// r.publication_types.push("Retracted Publication".into());
    /// assert!(r.retracted());
    /// ```
    pub fn retracted(&self) -> bool {
        self.publication_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case("Retracted Publication"))
            || self.corrections.iter().any(|c| c.r#type == "RetractionIn")
    }

    /// The key this record is known by in a review: PMID, else source id, else DOI,
    /// else a fingerprint of the normalised title and year.
    pub fn key(&self) -> RecordKey {
        if let Some(p) = self.pmid {
            RecordKey::Pmid(p)
        } else if let Some(s) = &self.source_id {
            RecordKey::Source(s.clone())
        } else if let Some(d) = &self.doi {
            RecordKey::Doi(d.clone())
        } else {
            let mut h = Fnv64::new();
            h.write(normalise_title(&self.title).as_bytes());
            h.write(&self.year.unwrap_or(0).to_le_bytes());
            RecordKey::Source(format!("title:{:016x}", h.finish()))
        }
    }
}

/// How a review recognises a record it has seen before.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RecordKey {
    /// By PubMed identifier.
    Pmid(Pmid),
    /// By the source's own identifier.
    Source(String),
    /// By normalised DOI.
    Doi(Doi),
}

/// A PMID withdrawn by NLM (listed in a `DeleteCitation` block).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deletion {
    /// The deleted PMID.
    pub pmid: Pmid,
    /// Its version.
    pub pmid_version: Option<u32>,
}

/// One item read from a file: a record or a deletion notice.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A record (article or book).
    Record(Box<Record>),
    /// A PMID to delete.
    Deletion(Deletion),
}

/// The first column name a CSV header repeats (trimmed, compared without
/// regard to ASCII case), if any. Every CSV Lacuna reads refuses such a
/// header: which of the two columns a value belongs to would be a guess.
///
/// ```
/// use lacuna::model::repeated_column;
/// assert_eq!(repeated_column(["study", "yi", "vi", " YI"]), Some("YI"));
/// assert_eq!(repeated_column(["study", "yi", "vi"]), None);
/// ```
pub fn repeated_column<'a>(headers: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen: Vec<String> = Vec::new();
    for h in headers {
        let k = h.trim().to_ascii_lowercase();
        if k.is_empty() {
            continue;
        }
        if seen.contains(&k) {
            return Some(h.trim());
        }
        seen.push(k);
    }
    None
}

/// The message for a header that repeats `name`.
pub fn repeated_column_message(name: &str) -> String {
    format!("the column {name:?} appears twice in the header: a repeated column is ambiguous; rename or remove one")
}

/// Title normalised for deduplication: lower case, letters and digits only,
/// single spaces.
///
/// ```
/// use lacuna::model::normalise_title;
/// assert_eq!(normalise_title("  Mentalization-Based  Treatment: an RCT. "), "mentalization based treatment an rct");
/// ```
pub fn normalise_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        } else {
            pending_space = true;
        }
    }
    out
}

/// FNV-1a, 64 bit: a small stable hash for content fingerprints (not for security).
#[derive(Debug, Clone, Copy)]
pub struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Self::new()
    }
}

impl Fnv64 {
    /// A fresh hasher.
    pub fn new() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
    /// Feed bytes.
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    /// The hash so far.
    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// An effect-size measure (metafor's `measure` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Measure {
    /// Log odds ratio.
    Or,
    /// Log risk ratio.
    Rr,
    /// Risk difference.
    Rd,
    /// Log odds ratio by Peto's method.
    Peto,
    /// Raw mean difference.
    Md,
    /// Standardised mean difference, Hedges' g (exact correction).
    Smd,
    /// Log ratio of means.
    Rom,
    /// Fisher's r-to-z transformed correlation.
    Zcor,
    /// Raw correlation.
    Cor,
    /// Generic: yi and vi (or sei) given.
    Gen,
}

impl Measure {
    /// Parse metafor's name (case-insensitive).
    pub fn parse(s: &str) -> Option<Measure> {
        Some(match s.to_ascii_uppercase().as_str() {
            "OR" => Measure::Or,
            "RR" => Measure::Rr,
            "RD" => Measure::Rd,
            "PETO" => Measure::Peto,
            "MD" => Measure::Md,
            "SMD" => Measure::Smd,
            "ROM" => Measure::Rom,
            "ZCOR" => Measure::Zcor,
            "COR" => Measure::Cor,
            "GEN" => Measure::Gen,
            _ => return None,
        })
    }

    /// The analysis scale is a log scale (back-transform with exp).
    pub fn is_log(self) -> bool {
        matches!(
            self,
            Measure::Or | Measure::Rr | Measure::Peto | Measure::Rom
        )
    }

    /// From the analysis scale to the scale a reader expects (OR, RR, r), or
    /// `None` when the two are the same.
    pub fn back_transform(self, x: f64) -> Option<f64> {
        match self {
            Measure::Or | Measure::Rr | Measure::Peto | Measure::Rom => Some(x.exp()),
            Measure::Zcor => Some(x.tanh()),
            _ => None,
        }
    }

    /// Short label for plots and tables.
    pub fn label(self) -> &'static str {
        match self {
            Measure::Or => "Odds ratio",
            Measure::Rr => "Risk ratio",
            Measure::Rd => "Risk difference",
            Measure::Peto => "Odds ratio (Peto)",
            Measure::Md => "Mean difference",
            Measure::Smd => "Standardised mean difference (g)",
            Measure::Rom => "Ratio of means",
            Measure::Zcor => "Correlation (from Fisher's z)",
            Measure::Cor => "Correlation",
            Measure::Gen => "Effect",
        }
    }
}

/// One study's effect on the analysis scale: estimate `yi` and sampling
/// variance `vi`, checked finite with `vi > 0` (and not absurdly small or
/// large) at construction.
///
/// ```
/// use lacuna::model::EffectSize;
/// assert!(EffectSize::new(0.3, 0.04).is_ok());
/// assert!(EffectSize::new(f64::NAN, 0.04).is_err());
/// assert!(EffectSize::new(0.3, 0.0).is_err());
/// assert!(EffectSize::new(0.3, 1e-300).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EffectSize {
    yi: f64,
    vi: f64,
}

/// Why an effect size was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EffectError {
    /// NaN or infinite estimate.
    #[error("the estimate is not a finite number ({0})")]
    BadEstimate(f64),
    /// NaN, infinite, zero or negative variance.
    #[error("the variance must be a positive finite number (got {0})")]
    BadVariance(f64),
    /// A variance so small or large that weights overflow (outside 1e-200..1e200).
    #[error("the variance {0:e} is outside the range Lacuna can weight (1e-200 to 1e200); check the units or the SE/variance column")]
    AbsurdVariance(f64),
}

impl EffectSize {
    /// A checked effect size.
    pub fn new(yi: f64, vi: f64) -> Result<EffectSize, EffectError> {
        if !yi.is_finite() {
            return Err(EffectError::BadEstimate(yi));
        }
        if !vi.is_finite() || vi <= 0.0 {
            return Err(EffectError::BadVariance(vi));
        }
        if !(1e-200..=1e200).contains(&vi) {
            return Err(EffectError::AbsurdVariance(vi));
        }
        Ok(EffectSize { yi, vi })
    }
    /// The estimate.
    pub fn yi(&self) -> f64 {
        self.yi
    }
    /// The sampling variance.
    pub fn vi(&self) -> f64 {
        self.vi
    }
    /// The standard error.
    pub fn sei(&self) -> f64 {
        self.vi.sqrt()
    }
}

/// A screening label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// Include.
    Include,
    /// Exclude.
    Exclude,
    /// Undecided; look again.
    Maybe,
}

impl Label {
    /// Its stored name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Label::Include => "include",
            Label::Exclude => "exclude",
            Label::Maybe => "maybe",
        }
    }

    /// Parse `include`/`exclude`/`maybe` (or `i`/`e`/`m`, `1`/`0`).
    pub fn parse(s: &str) -> Option<Label> {
        match s.trim().to_ascii_lowercase().as_str() {
            "include" | "included" | "i" | "1" | "yes" => Some(Label::Include),
            "exclude" | "excluded" | "e" | "0" | "no" => Some(Label::Exclude),
            "maybe" | "m" => Some(Label::Maybe),
            _ => None,
        }
    }
}

/// One extracted effect-size row, validated and on the analysis scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EffectRow {
    /// 1-based row of the sheet it came from (header = row 1).
    pub row: usize,
    /// Study label (several records of one trial share it).
    pub study: String,
    /// Record key in the review (`pmid:N`, `doi:…`, `src:…`).
    pub record: String,
    /// Intervention category id.
    pub intervention: String,
    /// Outcome category id.
    pub outcome: String,
    /// Comparison or time point label, to tell rows of one study apart.
    #[serde(default)]
    pub comparison: String,
    /// Effect measure.
    pub measure: Measure,
    /// Estimate.
    pub yi: f64,
    /// Sampling variance.
    pub vi: f64,
    /// Participants, when the statistics give them.
    #[serde(default)]
    pub n: Option<f64>,
    /// The control arm's risk (events ÷ participants), for a 2×2 table:
    /// what GRADE's optimal information size starts from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_risk: Option<f64>,
}
