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
    // one decimal near a threshold, so 74.7 is not read as 75
    let i2 = if (cell.i2 - cell.i2.round()).abs() > 0.05
        && ((cell.i2 - s.i2_serious).abs() < 1.0 || (cell.i2 - s.i2_very_serious).abs() < 1.0)
    {
        format!("I² = {:.1} %", cell.i2)
    } else {
        format!("I² = {:.0} %", cell.i2)
    };
    if cell.i2 >= s.i2_very_serious - EPS && above && below {
        DomainRating::rule(
            2,
            format!("{i2}, and study CIs lie wholly on both sides of the null"),
        )
    } else if cell.i2 >= s.i2_very_serious - EPS {
        DomainRating::rule(
            1,
            format!(
                "{i2} (at least {:.0} %, but no two studies' CIs lie wholly on opposite sides of the null)",
                s.i2_very_serious
            ),
        )
    } else if cell.i2 >= s.i2_serious - EPS {
        DomainRating::rule(1, format!("{i2} (at least {:.0} %)", s.i2_serious))
    } else {
        DomainRating::rule(0, format!("{i2} (below {:.0} %)", s.i2_serious))
    }
}

/// A p-value as a reader reads it: "= 0.090", or "< 0.001".
fn p_text(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("= {p:.3}")
    }
}

/// The median of the control-arm risks (0 to 1: a control arm with no
/// event is a risk of 0, and counts).
pub fn median_risk(risks: &[f64]) -> Option<f64> {
    let mut r: Vec<f64> = risks
        .iter()
        .copied()
        .filter(|&p| p.is_finite() && (0.0..=1.0).contains(&p))
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
    if !(0.0..=1.0).contains(&p1) {
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
        Some(p) if p < s.egger_p => DomainRating::rule(
            1,
            format!("Egger's test p {} (below {})", p_text(p), s.egger_p),
        ),
        Some(p) => DomainRating::rule(
            0,
            format!("Egger's test p {} (not below {})", p_text(p), s.egger_p),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn study(weight: f64, overall: Option<Judgement>) -> Study {
        Study {
            weight,
            randomised: true,
            overall,
            ci_lb: -0.5,
            ci_ub: 0.5,
        }
    }

    fn ci(lb: f64, ub: f64) -> Study {
        Study {
            weight: 1.0 / 3.0,
            randomised: true,
            overall: Some(Judgement::Low),
            ci_lb: lb,
            ci_ub: ub,
        }
    }

    /// A cell that the rules leave alone: three low-risk randomised studies,
    /// I² 0, an SMD whose CI excludes the null and no appreciable harm, with
    /// enough participants.
    fn cell(measure: Measure) -> Cell {
        Cell {
            measure,
            k: 3,
            participants: Some(1000.0),
            i2: 0.0,
            estimate: -0.4,
            ci_lb: -0.5,
            ci_ub: -0.3,
            studies: vec![ci(-0.6, -0.2), ci(-0.7, -0.1), ci(-0.5, -0.3)],
            control_risks: vec![],
            egger_p: None,
            mid: None,
        }
    }

    fn rob(studies: Vec<Study>) -> (RobWeights, DomainRating) {
        risk_of_bias(&studies, &Settings::default())
    }

    fn incon(k: usize, i2: f64, studies: Vec<Study>) -> DomainRating {
        let c = Cell {
            k,
            i2,
            studies,
            ..cell(Measure::Smd)
        };
        inconsistency(&c, &Settings::default())
    }

    fn imprec(c: &Cell) -> (Option<f64>, DomainRating) {
        imprecision(c, &Settings::default())
    }

    fn with_ci(measure: Measure, lb: f64, ub: f64) -> Cell {
        Cell {
            ci_lb: lb,
            ci_ub: ub,
            ..cell(measure)
        }
    }

    #[test]
    fn the_start_is_high_only_when_every_study_is_randomised() {
        let mut s = vec![study(0.5, None), study(0.5, None)];
        assert_eq!(start_level(&s), Level::High);
        s[1].randomised = false;
        assert_eq!(start_level(&s), Level::Low);
        assert_eq!(start_level(&[]), Level::Low);
        let mut c = cell(Measure::Smd);
        c.studies[0].randomised = false;
        let r = rate(&c, &Settings::default(), &[]);
        assert_eq!((r.start, r.rating), (Level::Low, Level::Low));
    }

    #[test]
    fn high_risk_holding_exactly_half_the_weight_is_down_two() {
        let (w, d) = rob(vec![
            study(0.5, Some(Judgement::High)),
            study(0.5, Some(Judgement::Low)),
        ]);
        assert_eq!((d.down, d.rule_down), (2, 2));
        assert_eq!(d.reason, "studies at high risk hold 50 % of the weight");
        assert_eq!(
            w,
            RobWeights {
                low: 0.5,
                some_concerns: 0.0,
                high: 0.5,
                unjudged: 0.0
            }
        );
        // ROBINS-I: serious and critical are both high; 0.2 + 0.3 in floating
        // point still meets 0.5.
        let (_, d) = rob(vec![
            study(0.2, Some(Judgement::Serious)),
            study(0.3, Some(Judgement::Critical)),
            study(0.5, Some(Judgement::Low)),
        ]);
        assert_eq!(d.down, 2);
    }

    #[test]
    fn high_and_some_concerns_holding_half_the_weight_is_down_one_and_less_is_none() {
        let (_, d) = rob(vec![
            study(0.4, Some(Judgement::High)),
            study(0.1, Some(Judgement::SomeConcerns)),
            study(0.5, Some(Judgement::Low)),
        ]);
        assert_eq!(d.down, 1);
        assert_eq!(
            d.reason,
            "studies at high risk or with some concerns hold 50 % of the weight"
        );
        let (_, d) = rob(vec![
            study(0.5, Some(Judgement::Moderate)),
            study(0.5, Some(Judgement::Low)),
        ]);
        assert_eq!(d.down, 1, "ROBINS-I moderate is some concerns");
        let (w, d) = rob(vec![
            study(0.3, Some(Judgement::High)),
            study(0.19, Some(Judgement::SomeConcerns)),
            study(0.51, Some(Judgement::Low)),
        ]);
        assert_eq!(d.down, 0);
        assert_eq!(d.reason, "studies at low risk hold 51 % of the weight");
        assert_eq!((w.high, w.some_concerns, w.low), (0.3, 0.19, 0.51));
    }

    #[test]
    fn an_unjudged_study_counts_as_some_concerns_and_the_reason_counts_them() {
        let (w, d) = rob(vec![
            study(0.3, None),
            study(0.3, None),
            study(0.4, Some(Judgement::Low)),
        ]);
        assert_eq!(d.down, 1);
        assert_eq!(
            d.reason,
            "studies at high risk or with some concerns hold 60 % of the weight; \
             2 studies unjudged, counted as some concerns"
        );
        assert_eq!((w.unjudged, w.some_concerns, w.low), (0.6, 0.0, 0.4));
    }

    #[test]
    fn weights_not_summing_to_one_are_normalised_and_the_reason_says_so() {
        let (w, d) = rob(vec![
            study(2.0, Some(Judgement::High)),
            study(2.0, Some(Judgement::Low)),
        ]);
        assert_eq!((w.high, w.low, d.down), (0.5, 0.5, 2));
        assert!(
            d.reason
                .ends_with("; weights summed to 4.000 and were normalised"),
            "{}",
            d.reason
        );
        let (w, d) = rob(vec![
            study(f64::NAN, Some(Judgement::High)),
            study(-1.0, Some(Judgement::Low)),
            study(0.0, Some(Judgement::Low)),
            study(0.0, Some(Judgement::Low)),
        ]);
        assert_eq!((w.high, w.low, d.down), (0.25, 0.75, 0));
        assert!(
            d.reason
                .ends_with("; no usable weights; studies weighed equally"),
            "{}",
            d.reason
        );
        let (w, d) = rob(vec![]);
        assert_eq!((w, d.down), (RobWeights::default(), 0));
    }

    #[test]
    fn inconsistency_is_not_assessed_below_three_studies() {
        let both = vec![ci(0.1, 0.9), ci(-0.9, -0.1)];
        let d = incon(2, 95.0, both.clone());
        assert_eq!((d.down, d.reason.as_str()), (0, "not assessed: k < 3"));
        assert_eq!(incon(3, 95.0, both).down, 2);
    }

    #[test]
    fn i2_of_exactly_75_with_cis_on_both_sides_is_down_two() {
        let both = vec![ci(0.1, 0.9), ci(-0.9, -0.1), ci(-0.2, 0.2)];
        let d = incon(3, 75.0, both.clone());
        assert_eq!(d.down, 2);
        assert_eq!(
            d.reason,
            "I² = 75 %, and study CIs lie wholly on both sides of the null"
        );
        assert_eq!(incon(3, 74.9, both).down, 1);
        // A CI that touches the null lies on neither side.
        let one_side = vec![ci(0.1, 0.9), ci(-0.9, 0.0), ci(0.2, 0.4)];
        let d = incon(3, 90.0, one_side);
        assert_eq!(
            (d.down, d.reason.as_str()),
            (
                1,
                "I² = 90 % (at least 75 %, but no two studies' CIs lie wholly on opposite sides of the null)"
            )
        );
    }

    #[test]
    fn i2_of_exactly_50_is_down_one_and_below_is_none() {
        let studies = || vec![ci(0.1, 0.9), ci(0.2, 0.8), ci(0.0, 1.0)];
        assert_eq!(incon(3, 50.0, studies()).down, 1);
        let d = incon(3, 49.9, studies());
        // near a threshold the reason keeps a decimal: 49.9 is not "50"
        assert_eq!((d.down, d.reason.as_str()), (0, "I² = 49.9 % (below 50 %)"));
        assert_eq!(incon(3, f64::NAN, studies()).down, 0);
    }

    /// Worked by hand: zα + zβ = 1.959964 + 0.841621 = 2.801585, squared
    /// 7.848879. SMD, δ = 0.2: 2 · 2 · 7.848879 / 0.04 = 784.89, 785
    /// participants. Binary, p₀ = 0.20, RRR 0.25: p₁ = 0.15, per arm
    /// 7.848879 · (0.16 + 0.1275) / 0.0025 = 7.848879 · 115 = 902.62, in all
    /// 1805.24, 1806 participants (rounded up).
    #[test]
    fn the_optimal_information_size_matches_the_worked_examples() {
        let s = Settings::default();
        assert_eq!(ois_continuous(0.2, &s), Some(785.0));
        // δ = 0.5: 4 · 7.848879 / 0.25 = 125.58 -> 126.
        assert_eq!(ois_continuous(0.5, &s), Some(126.0));
        assert_eq!(ois_binary(0.20, &s), Some(1806.0));
        // p₀ = 0.5, p₁ = 0.375: 7.848879 · (0.25 + 0.234375) / 0.015625
        // = 243.25 per arm, 486.5 in all -> 487.
        assert_eq!(ois_binary(0.5, &s), Some(487.0));
        assert_eq!(ois_binary(1.0, &s), None);
        assert_eq!(ois_binary(f64::NAN, &s), None);
        assert_eq!(ois_continuous(f64::NAN, &s), None);
        assert_eq!(median_risk(&[0.3, f64::NAN, 0.1, 0.2, 2.0]), Some(0.2));
        // a control arm with no event counts (issue 27: the median control risk)
        assert_eq!(median_risk(&[0.0, 0.2, 0.25]), Some(0.2));
        assert_eq!(median_risk(&[0.3, 0.1]), Some(0.2));
        assert_eq!(median_risk(&[]), None);
    }

    #[test]
    fn a_ratio_ci_below_075_and_above_125_is_down_two() {
        let (_, d) = imprec(&with_ci(Measure::Rr, 0.70f64.ln(), 1.30f64.ln()));
        assert_eq!(d.down, 2);
        assert_eq!(
            d.reason,
            "95 % CI 0.70 to 1.30 includes appreciable benefit and harm \
             (below 0.75 and above 1.25 on the ratio scale)"
        );
        // Touching 0.75 is not below it: only the null is crossed.
        let (_, d) = imprec(&with_ci(Measure::Or, 0.75f64.ln(), 1.30f64.ln()));
        assert_eq!(d.down, 1);
    }

    #[test]
    fn a_binary_ci_excluding_the_null_is_judged_against_the_ois() {
        let mut c = with_ci(Measure::Rr, 0.70f64.ln(), 0.90f64.ln());
        c.control_risks = vec![0.1, 0.2, 0.3];
        c.participants = Some(1806.0);
        let (ois, d) = imprec(&c);
        assert_eq!((ois, d.down), (Some(1806.0), 0));
        assert_eq!(
            d.reason,
            "95 % CI 0.70 to 0.90 excludes the null; 1806 participants reach the OIS of 1806"
        );
        c.participants = Some(1805.0);
        let (_, d) = imprec(&c);
        assert_eq!(d.down, 1);
        assert_eq!(d.reason, "1805 participants, fewer than the OIS of 1806");
    }

    #[test]
    fn an_smd_ci_below_minus_mid_and_above_plus_mid_is_down_two() {
        let (ois, d) = imprec(&with_ci(Measure::Smd, -0.3, 0.25));
        assert_eq!((ois, d.down), (Some(785.0), 2));
        let (_, d) = imprec(&with_ci(Measure::Smd, -0.3, 0.2));
        assert_eq!(d.down, 1, "touching +MID is not above it");
        let (_, d) = imprec(&with_ci(Measure::Smd, -0.3, 0.1));
        assert_eq!(d.down, 1);
        assert_eq!(
            d.reason,
            "95 % CI -0.30 to 0.10 includes the null; 1000 participants reach the OIS of 785"
        );
        // A protocol's MID of 0.5 replaces the default: OIS 126.
        let mut c = with_ci(Measure::Smd, -0.3, 0.25);
        c.mid = Some(0.5);
        let (ois, d) = imprec(&c);
        assert_eq!((ois, d.down), (Some(126.0), 1));
    }

    #[test]
    fn fewer_participants_than_the_ois_is_down_one() {
        let mut c = cell(Measure::Smd);
        c.participants = Some(784.0);
        let (_, d) = imprec(&c);
        assert_eq!(d.down, 1);
        assert_eq!(d.reason, "784 participants, fewer than the OIS of 785");
        c.participants = Some(785.0);
        assert_eq!(imprec(&c).1.down, 0);
    }

    #[test]
    fn unknown_participants_leave_the_null_rule_alone() {
        let mut c = cell(Measure::Smd);
        c.participants = None;
        let (ois, d) = imprec(&c);
        assert_eq!((ois, d.down), (Some(785.0), 0));
        assert_eq!(
            d.reason,
            "95 % CI -0.50 to -0.30 excludes the null; participants unknown (OIS 785); null rule alone"
        );
        c.ci_ub = 0.1;
        assert_eq!(imprec(&c).1.down, 1);
    }

    #[test]
    fn a_mean_difference_without_a_mid_uses_the_null_rule_alone() {
        let mut c = with_ci(Measure::Md, -3.0, -1.0);
        c.participants = Some(10.0);
        let (ois, d) = imprec(&c);
        assert_eq!((ois, d.down), (None, 0));
        assert_eq!(
            d.reason,
            "95 % CI -3.00 to -1.00 excludes the null; \
             no minimal important difference for MD; null rule alone"
        );
        c.ci_ub = 5.0;
        assert_eq!(imprec(&c).1.down, 1, "no appreciable bounds without a MID");
        c.mid = Some(2.0);
        let (ois, d) = imprec(&c);
        // δ = 2: 4 · 7.848879 / 4 = 7.85 -> 8.
        assert_eq!((ois, d.down), (Some(8.0), 2));
    }

    #[test]
    fn a_risk_difference_without_control_risks_has_no_ois() {
        let (ois, d) = imprec(&with_ci(Measure::Rd, -0.1, -0.02));
        assert_eq!((ois, d.down), (None, 0));
        assert!(
            d.reason.contains("no control-arm risk; null rule alone"),
            "{}",
            d.reason
        );
        let (_, d) = imprec(&with_ci(Measure::Rd, f64::NAN, -0.02));
        assert_eq!(d.down, 0);
    }

    #[test]
    fn publication_bias_needs_ten_studies_and_egger_below_010() {
        let s = Settings::default();
        let pb = |k: usize, p: Option<f64>| {
            publication_bias(
                &Cell {
                    k,
                    egger_p: p,
                    ..cell(Measure::Smd)
                },
                &s,
            )
        };
        let d = pb(9, Some(0.01));
        assert_eq!(
            (d.down, d.reason.as_str()),
            (0, "not assessable: fewer than 10 studies")
        );
        let d = pb(10, Some(0.09));
        assert_eq!(
            (d.down, d.reason.as_str()),
            (1, "Egger's test p = 0.090 (below 0.1)")
        );
        assert_eq!(pb(10, Some(0.10)).down, 0);
        assert_eq!(pb(10, None).down, 0);
        assert_eq!(pb(10, Some(f64::NAN)).down, 0);
    }

    #[test]
    fn the_rating_never_falls_below_very_low() {
        let c = Cell {
            k: 10,
            i2: 90.0,
            ci_lb: -0.5,
            ci_ub: 0.5,
            egger_p: Some(0.01),
            studies: vec![
                Study {
                    randomised: false,
                    overall: Some(Judgement::Critical),
                    ..ci(0.1, 0.9)
                },
                Study {
                    overall: Some(Judgement::Critical),
                    ..ci(-0.9, -0.1)
                },
                ci(-0.9, -0.1),
            ],
            ..cell(Measure::Smd)
        };
        let r = rate(&c, &Settings::default(), &[]);
        assert_eq!(r.start, Level::Low);
        // Risk of bias 2 (critical holds 67 %), inconsistency 2, imprecision 2
        // (the CI spans -0.2 to +0.2), publication bias 1: 7 from low.
        assert_eq!(
            [
                Domain::RiskOfBias,
                Domain::Inconsistency,
                Domain::Imprecision
            ]
            .map(|d| r.domains.get(d).down),
            [2, 2, 2]
        );
        assert_eq!(r.domains.total(), 7);
        assert_eq!(r.rating, Level::VeryLow);
        assert_eq!(Level::VeryLow.down(3), Level::VeryLow);
        assert_eq!(Level::High.down(0), Level::High);
        assert_eq!(Level::High.down(3), Level::VeryLow);
    }

    #[test]
    fn an_override_replaces_the_rule_and_keeps_both() {
        let mut c = cell(Measure::Smd);
        c.studies[0].overall = Some(Judgement::High);
        c.studies[1].overall = Some(Judgement::High);
        let r = rate(&c, &Settings::default(), &[]);
        assert_eq!((r.domains.risk_of_bias.down, r.rating), (2, Level::Low));
        let o = Override {
            domain: Domain::RiskOfBias,
            down: 0,
            reason: "bias only in blinding, not relevant to mortality".into(),
            reviewer: "ak".into(),
        };
        let r = rate(&c, &Settings::default(), std::slice::from_ref(&o));
        let d = &r.domains.risk_of_bias;
        assert_eq!((d.down, d.rule_down, r.rating), (0, 2, Level::High));
        assert_eq!(d.by.as_deref(), Some("ak"));
        assert_eq!(d.reason, o.reason);
        assert_eq!(
            d.rule_reason.as_deref(),
            Some("studies at high risk hold 67 % of the weight")
        );
        // The last override of a domain wins; more than 2 counts as 2.
        let again = Override {
            down: 9,
            reviewer: "jb".into(),
            ..o.clone()
        };
        let r = rate(&c, &Settings::default(), &[o, again]);
        let d = &r.domains.risk_of_bias;
        assert_eq!((d.down, d.by.as_deref()), (2, Some("jb")));
        assert_eq!(
            d.rule_reason.as_deref(),
            Some("studies at high risk hold 67 % of the weight")
        );
    }

    #[test]
    fn domains_are_named_in_snake_case_everywhere() {
        for d in Domain::ALL {
            assert_eq!(Domain::parse(d.as_str()), Some(d));
            assert_eq!(
                serde_json::to_value(d).unwrap(),
                serde_json::json!(d.as_str())
            );
        }
        assert_eq!(
            Domain::parse(" Publication bias"),
            Some(Domain::PublicationBias)
        );
        let r = rate(&cell(Measure::Smd), &Settings::default(), &[]);
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["rating"], "high");
        assert_eq!(v["domains"]["publication_bias"]["down"], 0);
        assert_eq!(v["domains"]["risk_of_bias"]["by"], serde_json::Value::Null);
        assert!(v["domains"]["risk_of_bias"].get("rule_reason").is_none());
        assert_eq!(v["rob_weights"]["some_concerns"], 0.0);
        assert_eq!(serde_json::to_value(Level::VeryLow).unwrap(), "very_low");
        assert_eq!(
            [Level::High, Level::Moderate, Level::Low, Level::VeryLow].map(Level::symbols),
            ["⊕⊕⊕⊕", "⊕⊕⊕◯", "⊕⊕◯◯", "⊕◯◯◯"]
        );
        assert_eq!(Level::VeryLow.label(), "very low");
    }

    #[test]
    fn nothing_usable_is_rated_without_panicking() {
        for measure in [
            Measure::Rr,
            Measure::Smd,
            Measure::Md,
            Measure::Rd,
            Measure::Gen,
        ] {
            let c = Cell {
                measure,
                k: 0,
                participants: Some(f64::NAN),
                i2: f64::NAN,
                estimate: f64::NAN,
                ci_lb: f64::NEG_INFINITY,
                ci_ub: f64::NAN,
                studies: vec![],
                control_risks: vec![f64::NAN, -1.0],
                egger_p: Some(f64::NAN),
                mid: Some(f64::NAN),
            };
            let r = rate(&c, &Settings::default(), &[]);
            assert_eq!((r.start, r.rating), (Level::Low, Level::Low));
            assert_eq!(r.domains.total(), 0);
        }
    }
}
