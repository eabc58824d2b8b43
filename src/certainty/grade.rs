//! GRADE's certainty of evidence for one pooled cell and measure (issue 27):
//! a start level, the five domains' downgrades by rule, a person's override
//! last, and the rating that results, never below very low.
//!
//! Pure: plain numbers in, a [`Rating`] out. It does not pool, read the
//! store or the protocol, or find the risk-of-bias sheet; `pipeline` gives it
//! the pooled result, the studies' weights and judgements (from
//! [`super::rob`]) and the overrides people recorded.
//!
//! Sources: the GRADE handbook (Schünemann et al., 2013); Guyatt et al.
//! 2011, GRADE guidelines 6 (imprecision), 7 (inconsistency) and 8
//! (indirectness), J Clin Epidemiol 64; Cochrane Handbook, chapters 8 (risk
//! of bias) and 14 (summary of findings and GRADE).

use serde::{Deserialize, Serialize};

use super::rob::Judgement;
use crate::model::Measure;

/// Tolerance for the threshold comparisons, so that weights that sum to a
/// share in floating point (0.2 + 0.3) still meet a threshold of 0.5.
const EPS: f64 = 1e-9;

/// Every threshold the rules use, with GRADE's defaults.
///
/// ```
/// use lacuna::certainty::grade::Settings;
/// let s = Settings::default();
/// assert_eq!((s.i2_very_serious, s.smd_mid, s.rrr), (75.0, 0.2, 0.25));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Risk of bias: down 2 when studies at high risk hold at least this
    /// share of the weight (0.5). GRADE handbook 5.2.1; Cochrane Handbook
    /// ch. 14.2.2 (the contribution of each study by its weight).
    pub rob_high_share: f64,
    /// Risk of bias: down 1 when studies at high risk or with some concerns
    /// hold at least this share of the weight (0.5). GRADE handbook 5.2.1;
    /// Cochrane Handbook ch. 8 and 14.2.2.
    pub rob_concern_share: f64,
    /// Inconsistency is not assessed below this many studies (3). GRADE
    /// guidelines 7 (Guyatt et al. 2011).
    pub inconsistency_min_k: usize,
    /// Inconsistency: down 1 at I² at least this, in percent (50). GRADE
    /// guidelines 7; Cochrane Handbook ch. 10.10.2 ("may represent
    /// substantial heterogeneity").
    pub i2_serious: f64,
    /// Inconsistency: down 2 at I² at least this, in percent (75), when
    /// some study's 95 % CI lies wholly on each side of the null. GRADE
    /// guidelines 7; Cochrane Handbook ch. 10.10.2 ("considerable").
    pub i2_very_serious: f64,
    /// Imprecision: the normal quantile for a two-sided alpha of 0.05
    /// (1.959964). GRADE guidelines 6 (optimal information size).
    pub z_alpha: f64,
    /// Imprecision: the normal quantile for a power of 0.8 (0.841621).
    /// GRADE guidelines 6.
    pub z_beta: f64,
    /// Imprecision: the minimal important difference of an SMD when the
    /// outcome names none (0.2, a small effect). GRADE guidelines 6; GRADE
    /// handbook 5.2.4.1. Mean differences have no default.
    pub smd_mid: f64,
    /// Imprecision: the relative risk reduction a binary outcome's optimal
    /// information size is powered for (0.25). GRADE guidelines 6.
    pub rrr: f64,
    /// Imprecision: a ratio below this is an appreciable benefit (0.75).
    /// GRADE guidelines 6; GRADE handbook 5.2.4.1.
    pub ratio_low: f64,
    /// Imprecision: a ratio above this is an appreciable harm (1.25).
    /// GRADE guidelines 6; GRADE handbook 5.2.4.1.
    pub ratio_high: f64,
    /// Publication bias is not assessable below this many studies (10).
    /// Cochrane Handbook ch. 13.3.5.4; GRADE handbook 5.2.5.
    pub publication_bias_min_k: usize,
    /// Publication bias: down 1 when Egger's test gives p below this (0.10).
    /// Cochrane Handbook ch. 13.3.5.4 (Egger et al. 1997).
    pub egger_p: f64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            rob_high_share: 0.5,
            rob_concern_share: 0.5,
            inconsistency_min_k: 3,
            i2_serious: 50.0,
            i2_very_serious: 75.0,
            z_alpha: 1.959964,
            z_beta: 0.841621,
            smd_mid: 0.2,
            rrr: 0.25,
            ratio_low: 0.75,
            ratio_high: 1.25,
            publication_bias_min_k: 10,
            egger_p: 0.10,
        }
    }
}

/// One study of the analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Study {
    /// Its share of the random-effects weight (the shares sum to 1; other
    /// weights are normalised, and the reason says so).
    pub weight: f64,
    /// A randomised trial.
    pub randomised: bool,
    /// The overall risk-of-bias judgement (RoB 2 or ROBINS-I), if any.
    pub overall: Option<Judgement>,
    /// Lower end of the study's 95 % CI, on the analysis scale.
    pub ci_lb: f64,
    /// Upper end of the study's 95 % CI, on the analysis scale.
    pub ci_ub: f64,
}

/// One pooled cell and measure: what the rules read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// The effect measure (the analysis scale is log for OR, RR, Peto, ROM).
    pub measure: Measure,
    /// Number of studies pooled.
    pub k: usize,
    /// Participants in all studies, if known.
    pub participants: Option<f64>,
    /// I², in percent.
    pub i2: f64,
    /// Pooled estimate, on the analysis scale.
    pub estimate: f64,
    /// Lower end of the pooled 95 % CI, on the analysis scale.
    pub ci_lb: f64,
    /// Upper end of the pooled 95 % CI, on the analysis scale.
    pub ci_ub: f64,
    /// The studies, for risk of bias, the start level and inconsistency.
    pub studies: Vec<Study>,
    /// Control-arm risks (0 to 1) of the studies of a binary outcome.
    pub control_risks: Vec<f64>,
    /// Egger's test p value, when computed.
    pub egger_p: Option<f64>,
    /// The outcome's minimal important difference on the measure's scale
    /// (SMD units, or the outcome's units for MD), if the protocol names one.
    pub mid: Option<f64>,
}

/// A GRADE level of certainty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Very low: the true effect is probably markedly different.
    VeryLow,
    /// Low: the true effect might be markedly different.
    Low,
    /// Moderate: the true effect is probably close to the estimate.
    Moderate,
    /// High: the true effect lies close to the estimate.
    High,
}

impl Level {
    /// GRADE's symbols: ⊕⊕⊕⊕, ⊕⊕⊕◯, ⊕⊕◯◯ or ⊕◯◯◯.
    ///
    /// ```
    /// use lacuna::certainty::grade::Level;
    /// assert_eq!(Level::Low.symbols(), "⊕⊕◯◯");
    /// ```
    pub fn symbols(self) -> &'static str {
        match self {
            Level::High => "⊕⊕⊕⊕",
            Level::Moderate => "⊕⊕⊕◯",
            Level::Low => "⊕⊕◯◯",
            Level::VeryLow => "⊕◯◯◯",
        }
    }

    /// In words: `high`, `moderate`, `low`, `very low`.
    pub fn label(self) -> &'static str {
        match self {
            Level::High => "high",
            Level::Moderate => "moderate",
            Level::Low => "low",
            Level::VeryLow => "very low",
        }
    }

    /// As serialised: `high`, `moderate`, `low`, `very_low`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::High => "high",
            Level::Moderate => "moderate",
            Level::Low => "low",
            Level::VeryLow => "very_low",
        }
    }

    /// `n` levels lower, never below very low.
    ///
    /// ```
    /// use lacuna::certainty::grade::Level;
    /// assert_eq!(Level::High.down(2), Level::Low);
    /// assert_eq!(Level::Low.down(5), Level::VeryLow);
    /// ```
    pub fn down(self, n: u32) -> Level {
        let points = match self {
            Level::High => 4u32,
            Level::Moderate => 3,
            Level::Low => 2,
            Level::VeryLow => 1,
        };
        match points.saturating_sub(n) {
            4.. => Level::High,
            3 => Level::Moderate,
            2 => Level::Low,
            _ => Level::VeryLow,
        }
    }
}

/// One of GRADE's five domains for rating down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    /// Risk of bias of the studies.
    RiskOfBias,
    /// Inconsistency between studies.
    Inconsistency,
    /// Imprecision of the pooled estimate.
    Imprecision,
    /// Publication bias.
    PublicationBias,
    /// Indirectness of population, intervention, comparison or outcome.
    Indirectness,
}

impl Domain {
    /// All five, in GRADE's order.
    pub const ALL: [Domain; 5] = [
        Domain::RiskOfBias,
        Domain::Inconsistency,
        Domain::Indirectness,
        Domain::Imprecision,
        Domain::PublicationBias,
    ];

    /// The snake_case name: `risk_of_bias`, `inconsistency`, `imprecision`,
    /// `publication_bias`, `indirectness`.
    pub fn as_str(self) -> &'static str {
        match self {
            Domain::RiskOfBias => "risk_of_bias",
            Domain::Inconsistency => "inconsistency",
            Domain::Imprecision => "imprecision",
            Domain::PublicationBias => "publication_bias",
            Domain::Indirectness => "indirectness",
        }
    }

    /// Read a name as [`Domain::as_str`] spells it (any case; `-` or a space
    /// for `_`).
    ///
    /// ```
    /// use lacuna::certainty::grade::Domain;
    /// assert_eq!(Domain::parse("Risk-of-bias"), Some(Domain::RiskOfBias));
    /// assert_eq!(Domain::parse("bias"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Domain> {
        let t: String = s
            .trim()
            .chars()
            .map(|c| match c {
                '-' | ' ' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        Domain::ALL.into_iter().find(|d| d.as_str() == t)
    }
}

/// A person's judgement of one domain, which replaces the rule's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    /// The domain judged.
    pub domain: Domain,
    /// Levels down: 0, 1 or 2 (more counts as 2).
    pub down: u8,
    /// Why.
    pub reason: String,
    /// Who.
    pub reviewer: String,
}

/// One domain's downgrade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainRating {
    /// Levels down that count: the override's if any, else the rule's.
    pub down: u8,
    /// Levels down by the rule.
    pub rule_down: u8,
    /// Why `down`: the reviewer's reason, else the rule's.
    pub reason: String,
    /// The rule's reason, kept when a reviewer overrode it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_reason: Option<String>,
    /// The reviewer who overrode the rule, or `None`.
    pub by: Option<String>,
}

impl DomainRating {
    fn rule(down: u8, reason: impl Into<String>) -> DomainRating {
        DomainRating {
            down,
            rule_down: down,
            reason: reason.into(),
            rule_reason: None,
            by: None,
        }
    }
}

/// The five domains' downgrades.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domains {
    /// Risk of bias.
    pub risk_of_bias: DomainRating,
    /// Inconsistency.
    pub inconsistency: DomainRating,
    /// Imprecision.
    pub imprecision: DomainRating,
    /// Publication bias.
    pub publication_bias: DomainRating,
    /// Indirectness.
    pub indirectness: DomainRating,
}

impl Domains {
    /// The rating of `domain`.
    pub fn get(&self, domain: Domain) -> &DomainRating {
        match domain {
            Domain::RiskOfBias => &self.risk_of_bias,
            Domain::Inconsistency => &self.inconsistency,
            Domain::Imprecision => &self.imprecision,
            Domain::PublicationBias => &self.publication_bias,
            Domain::Indirectness => &self.indirectness,
        }
    }

    fn get_mut(&mut self, domain: Domain) -> &mut DomainRating {
        match domain {
            Domain::RiskOfBias => &mut self.risk_of_bias,
            Domain::Inconsistency => &mut self.inconsistency,
            Domain::Imprecision => &mut self.imprecision,
            Domain::PublicationBias => &mut self.publication_bias,
            Domain::Indirectness => &mut self.indirectness,
        }
    }

    /// Levels down in all, as they count.
    pub fn total(&self) -> u32 {
        Domain::ALL
            .into_iter()
            .map(|d| u32::from(self.get(d).down))
            .sum()
    }
}

/// Shares of the weight by overall risk-of-bias judgement (they sum to 1
/// when there are studies, else all 0).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct RobWeights {
    /// Judged at low risk.
    pub low: f64,
    /// Judged with some concerns (RoB 2), moderate or no information
    /// (ROBINS-I).
    pub some_concerns: f64,
    /// Judged at high risk (RoB 2 high; ROBINS-I serious or critical).
    pub high: f64,
    /// Not judged (counted as some concerns by the rule).
    pub unjudged: f64,
}

/// GRADE's certainty of one pooled cell and measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    /// Where the rating starts: high when every study is randomised.
    pub start: Level,
    /// The start less the domains' downgrades, never below very low.
    pub rating: Level,
    /// The optimal information size in participants (rounded up), when the
    /// measure and inputs allow one.
    pub ois: Option<f64>,
    /// Shares of the weight by risk-of-bias judgement.
    pub rob_weights: RobWeights,
    /// The five domains.
    pub domains: Domains,
}

/// Rate one pooled cell: start level, each domain by rule, then the
/// overrides (the last one given for a domain wins), then the rating.
/// Never panics: unusable numbers are named in the domain's reason.
///
/// ```
/// use lacuna::certainty::grade::{rate, Cell, Domain, Level, Override, Settings, Study};
/// use lacuna::certainty::Judgement;
/// use lacuna::model::Measure;
///
/// let study = |w: f64, j: Judgement, lb: f64, ub: f64| Study {
///     weight: w, randomised: true, overall: Some(j), ci_lb: lb, ci_ub: ub,
/// };
/// let cell = Cell {
///     measure: Measure::Smd,
///     k: 3,
///     participants: Some(1200.0),
///     i2: 20.0,
///     estimate: -0.40,
///     ci_lb: -0.55,
///     ci_ub: -0.25,
///     studies: vec![
///         study(0.5, Judgement::Low, -0.6, -0.2),
///         study(0.3, Judgement::SomeConcerns, -0.7, 0.0),
///         study(0.2, Judgement::High, -0.5, 0.1),
///     ],
///     control_risks: vec![],
///     egger_p: None,
///     mid: None,
/// };
/// let r = rate(&cell, &Settings::default(), &[]);
/// // High + some concerns hold exactly 50 % of the weight: down 1.
/// assert_eq!(r.domains.risk_of_bias.down, 1);
/// assert_eq!(r.ois, Some(785.0));
/// assert_eq!(r.rating, Level::Moderate);
///
/// let person = Override {
///     domain: Domain::Indirectness,
///     down: 1,
///     reason: "adolescents only".into(),
///     reviewer: "ak".into(),
/// };
/// let r = rate(&cell, &Settings::default(), &[person]);
/// assert_eq!((r.rating, r.domains.indirectness.rule_down), (Level::Low, 0));
/// assert_eq!(r.domains.indirectness.by.as_deref(), Some("ak"));
/// ```
pub fn rate(cell: &Cell, settings: &Settings, overrides: &[Override]) -> Rating {
    let start = start_level(&cell.studies);
    let (rob_weights, risk_of_bias) = risk_of_bias(&cell.studies, settings);
    let (ois, imprecision) = imprecision(cell, settings);
    let mut domains = Domains {
        risk_of_bias,
        inconsistency: inconsistency(cell, settings),
        imprecision,
        publication_bias: publication_bias(cell, settings),
        indirectness: DomainRating::rule(0, "direct unless a reviewer says otherwise"),
    };
    for o in overrides {
        let d = domains.get_mut(o.domain);
        if d.by.is_none() {
            d.rule_reason = Some(std::mem::take(&mut d.reason));
        }
        d.down = o.down.min(2);
        d.reason = o.reason.clone();
        d.by = Some(o.reviewer.clone());
    }
    let rating = start.down(domains.total());
    Rating {
        start,
        rating,
        ois,
        rob_weights,
        domains,
    }
}

/// High when every study is randomised (and there is at least one), else low.
pub fn start_level(studies: &[Study]) -> Level {
    if !studies.is_empty() && studies.iter().all(|s| s.randomised) {
        Level::High
    } else {
        Level::Low
    }
}

fn pct(share: f64) -> String {
    format!("{:.0} %", share * 100.0)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The studies' shares of the weight, normalised: unusable weights (not
/// finite, negative) count 0; if none is usable, all weigh the same. The
/// note says what was done, if anything.
fn shares(studies: &[Study]) -> (Vec<f64>, Option<String>) {
    let usable = |w: f64| w.is_finite() && w >= 0.0;
    let bad = studies.iter().filter(|s| !usable(s.weight)).count();
    let sum: f64 = studies
        .iter()
        .map(|s| s.weight)
        .filter(|&w| usable(w))
        .sum();
    if !(sum > 0.0 && sum.is_finite()) {
        let n = studies.len().max(1) as f64;
        let note =
            (!studies.is_empty()).then(|| "no usable weights; studies weighed equally".into());
        return (studies.iter().map(|_| 1.0 / n).collect(), note);
    }
    let mut notes = Vec::new();
    if bad > 0 {
        notes.push(format!(
            "{} counted as 0",
            plural(bad, "unusable weight", "unusable weights")
        ));
    }
    if (sum - 1.0).abs() > 1e-6 {
        notes.push(format!("weights summed to {sum:.3} and were normalised"));
    }
    let out = studies
        .iter()
        .map(|s| {
            if usable(s.weight) {
                s.weight / sum
            } else {
                0.0
            }
        })
        .collect();
    (out, (!notes.is_empty()).then(|| notes.join("; ")))
}

/// Risk of bias: the studies' overall judgements weighted by their share of
/// the weight; unjudged studies count as some concerns.
fn risk_of_bias(studies: &[Study], s: &Settings) -> (RobWeights, DomainRating) {
    if studies.is_empty() {
        return (
            RobWeights::default(),
            DomainRating::rule(0, "no studies to judge"),
        );
    }
    let (w, note) = shares(studies);
    let mut rw = RobWeights::default();
    let mut unjudged = 0usize;
    for (study, share) in studies.iter().zip(w) {
        match study.overall {
            None => {
                unjudged += 1;
                rw.unjudged += share;
            }
            Some(j) if j.is_high() => rw.high += share,
            Some(j) if j.is_concern() => rw.some_concerns += share,
            Some(_) => rw.low += share,
        }
    }
    let concerns = rw.high + rw.some_concerns + rw.unjudged;
    let (down, why) = if rw.high >= s.rob_high_share - EPS {
        (
            2,
            format!("studies at high risk hold {} of the weight", pct(rw.high)),
        )
    } else if concerns >= s.rob_concern_share - EPS {
        (
            1,
            format!(
                "studies at high risk or with some concerns hold {} of the weight",
                pct(concerns)
            ),
        )
    } else {
        (
            0,
            format!("studies at low risk hold {} of the weight", pct(rw.low)),
        )
    };
    let mut reason = why;
    if unjudged > 0 {
        reason.push_str(&format!(
            "; {} unjudged, counted as some concerns",
            plural(unjudged, "study", "studies")
        ));
    }
    if let Some(n) = note {
        reason.push_str("; ");
        reason.push_str(&n);
    }
    (rw, DomainRating::rule(down, reason))
}

/// Inconsistency: I², and whether some study's CI lies wholly on each side
/// of the null (0 on the analysis scale).
fn inconsistency(cell: &Cell, s: &Settings) -> DomainRating {
    if cell.k < s.inconsistency_min_k {
        return DomainRating::rule(0, format!("not assessed: k < {}", s.inconsistency_min_k));
    }
    if !cell.i2.is_finite() {
        return DomainRating::rule(0, "not assessed: I² unknown");
    }
    let above = cell.studies.iter().any(|st| st.ci_lb > 0.0);
    let below = cell.studies.iter().any(|st| st.ci_ub < 0.0);
    let i2 = format!("I² = {:.0} %", cell.i2);
    if cell.i2 >= s.i2_very_serious - EPS && above && below {
        DomainRating::rule(
            2,
            format!("{i2}, and study CIs lie wholly on both sides of the null"),
        )
    } else if cell.i2 >= s.i2_serious - EPS {
        DomainRating::rule(1, format!("{i2} (at least {:.0} %)", s.i2_serious))
    } else {
        DomainRating::rule(0, format!("{i2} (below {:.0} %)", s.i2_serious))
    }
}

/// The median of the usable control-arm risks (strictly between 0 and 1).
fn median_risk(risks: &[f64]) -> Option<f64> {
    let mut r: Vec<f64> = risks
        .iter()
        .copied()
        .filter(|&p| p.is_finite() && p > 0.0 && p < 1.0)
        .collect();
    r.sort_by(f64::total_cmp);
    let n = r.len();
    if n == 0 {
        return None;
    }
    if n % 2 == 1 {
        r.get(n / 2).copied()
    } else {
        Some((r.get(n / 2 - 1)? + r.get(n / 2)?) / 2.0)
    }
}

/// Optimal information size, in participants in all (rounded up), of a
/// continuous outcome with minimal important difference `delta`:
/// 2 × 2 × (zα + zβ)² ÷ δ².
///
/// ```
/// use lacuna::certainty::grade::{ois_continuous, Settings};
/// assert_eq!(ois_continuous(0.2, &Settings::default()), Some(785.0));
/// assert_eq!(ois_continuous(0.0, &Settings::default()), None);
/// ```
pub fn ois_continuous(delta: f64, s: &Settings) -> Option<f64> {
    let z = s.z_alpha + s.z_beta;
    let n = 2.0 * 2.0 * z * z / (delta * delta);
    (n.is_finite() && n > 0.0).then(|| n.ceil())
}

/// Optimal information size, in participants in all (rounded up), of a
/// binary outcome with control risk `p0` and relative risk reduction
/// `s.rrr`: per arm (zα + zβ)² × (p₀(1−p₀) + p₁(1−p₁)) ÷ (p₀ − p₁)², with
/// p₁ = p₀ × (1 − rrr), times 2.
///
/// ```
/// use lacuna::certainty::grade::{ois_binary, Settings};
/// assert_eq!(ois_binary(0.20, &Settings::default()), Some(1806.0));
/// assert_eq!(ois_binary(0.0, &Settings::default()), None);
/// ```
pub fn ois_binary(p0: f64, s: &Settings) -> Option<f64> {
    if !(p0 > 0.0 && p0 < 1.0) {
        return None;
    }
    let p1 = p0 * (1.0 - s.rrr);
    if !(p1 >= 0.0 && p1 <= 1.0) {
        return None;
    }
    let z = s.z_alpha + s.z_beta;
    let per_arm = z * z * (p0 * (1.0 - p0) + p1 * (1.0 - p1)) / ((p0 - p1) * (p0 - p1));
    let n = 2.0 * per_arm;
    (n.is_finite() && n > 0.0).then(|| n.ceil())
}

/// What the imprecision rule has to go on for a measure: the OIS (or why
/// none) and the bounds of appreciable benefit and harm on the analysis
/// scale, if any.
struct ImprecisionBasis {
    ois: Result<f64, String>,
    appreciable: Option<(f64, f64, String)>,
}

fn basis(cell: &Cell, s: &Settings) -> ImprecisionBasis {
    let usable_mid = cell.mid.filter(|m| m.is_finite() && *m > 0.0);
    let ratio_bounds = || {
        (s.ratio_low > 0.0 && s.ratio_high > 0.0).then(|| {
            (
                s.ratio_low.ln(),
                s.ratio_high.ln(),
                format!(
                    "below {} and above {} on the ratio scale",
                    s.ratio_low, s.ratio_high
                ),
            )
        })
    };
    let binary_ois = || match median_risk(&cell.control_risks) {
        None => Err("no control-arm risk".to_string()),
        Some(p0) => ois_binary(p0, s).ok_or_else(|| format!("no OIS at control risk {p0:.3}")),
    };
    let mid_bounds = |m: f64| Some((-m, m, format!("below −{m} and above +{m}")));
    match cell.measure {
        Measure::Rr | Measure::Or | Measure::Peto => ImprecisionBasis {
            ois: binary_ois(),
            appreciable: ratio_bounds(),
        },
        Measure::Rd => ImprecisionBasis {
            ois: binary_ois(),
            appreciable: None,
        },
        Measure::Smd => {
            let m = usable_mid.unwrap_or(s.smd_mid);
            ImprecisionBasis {
                ois: ois_continuous(m, s).ok_or_else(|| format!("no OIS for a MID of {m}")),
                appreciable: mid_bounds(m),
            }
        }
        Measure::Md => match usable_mid {
            Some(m) => ImprecisionBasis {
                ois: ois_continuous(m, s).ok_or_else(|| format!("no OIS for a MID of {m}")),
                appreciable: mid_bounds(m),
            },
            None => ImprecisionBasis {
                ois: Err("no minimal important difference for MD".into()),
                appreciable: None,
            },
        },
        Measure::Rom | Measure::Zcor | Measure::Cor | Measure::Gen => ImprecisionBasis {
            ois: Err(format!("no OIS rule for {}", cell.measure.label())),
            appreciable: None,
        },
    }
}

/// Imprecision: the pooled CI against appreciable benefit and harm, the
/// null, and the optimal information size.
fn imprecision(cell: &Cell, s: &Settings) -> (Option<f64>, DomainRating) {
    let b = basis(cell, s);
    let ois = b.ois.as_ref().ok().copied();
    let (lb, ub) = (cell.ci_lb, cell.ci_ub);
    if !(lb.is_finite() && ub.is_finite()) {
        return (
            ois,
            DomainRating::rule(0, "not assessed: the pooled CI is not finite"),
        );
    }
    let show = |x: f64| {
        let v = cell.measure.back_transform(x).unwrap_or(x);
        format!("{v:.2}")
    };
    let ci = format!("95 % CI {} to {}", show(lb), show(ub));
    if let Some((low, high, words)) = &b.appreciable {
        if lb < *low && ub > *high {
            return (
                ois,
                DomainRating::rule(
                    2,
                    format!("{ci} includes appreciable benefit and harm ({words})"),
                ),
            );
        }
    }
    let crosses_null = lb <= 0.0 && ub >= 0.0;
    let participants = cell.participants.filter(|n| n.is_finite() && *n >= 0.0);
    let mut why = Vec::new();
    if crosses_null {
        why.push(format!("{ci} includes the null"));
    }
    let mut notes = Vec::new();
    match (&b.ois, participants) {
        (Ok(o), Some(n)) if n < *o => {
            why.push(format!("{n:.0} participants, fewer than the OIS of {o:.0}"))
        }
        (Ok(o), Some(n)) => notes.push(format!("{n:.0} participants reach the OIS of {o:.0}")),
        (Ok(o), None) => notes.push(format!(
            "participants unknown (OIS {o:.0}); null rule alone"
        )),
        (Err(e), _) => notes.push(format!("{e}; null rule alone")),
    }
    if why.is_empty() {
        why.push(format!("{ci} excludes the null"));
        why.extend(notes);
        (ois, DomainRating::rule(0, why.join("; ")))
    } else {
        why.extend(notes);
        (ois, DomainRating::rule(1, why.join("; ")))
    }
}

/// Publication bias: Egger's test, from 10 studies.
fn publication_bias(cell: &Cell, s: &Settings) -> DomainRating {
    if cell.k < s.publication_bias_min_k {
        return DomainRating::rule(
            0,
            format!(
                "not assessable: fewer than {} studies",
                s.publication_bias_min_k
            ),
        );
    }
    match cell.egger_p.filter(|p| p.is_finite()) {
        None => DomainRating::rule(0, "Egger's test not available"),
        Some(p) if p < s.egger_p => {
            DomainRating::rule(1, format!("Egger's test p = {p:.3} (below {})", s.egger_p))
        }
        Some(p) => DomainRating::rule(
            0,
            format!("Egger's test p = {p:.3} (not below {})", s.egger_p),
        ),
    }
}
