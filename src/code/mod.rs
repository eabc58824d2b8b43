//! Auto-coding: a protocol's framework applied to a record.
//!
//! [`Coder::new`] compiles a [`Frame`] once; [`Coder::code`] applies it to one
//! record: MeSH descriptors and publication types first, then title and
//! abstract patterns with the protocol's context rules (negation, exclusion
//! criteria, usual-care comparators, outcome cues, carer re-routing, section
//! weights), then the framework's post rules (fallbacks, designs that suppress
//! others, designs that imply outcomes). Every code keeps the rules and text
//! spans that fired it, and every hit that was set aside keeps its reason, so
//! a reviewer can see why. Pure and `Sync`: no I/O, safe to run with rayon.

pub mod text;

use crate::model::coding::DimensionKind;
pub use crate::model::coding::{Code, Coding, Evidence, SetAside, Status};
use crate::model::Record;
use crate::protocol::{Category, Frame};
use std::collections::{BTreeMap, BTreeSet};
use text::{Hit, Norm, PatternSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    Negation,
    Exclusion,
    Comparator,
    Outcome,
    Carer,
    CarerStudy,
    ServiceUser,
    Elsewhere,
    Example,
    EquityAnalysis,
    EquitySubject,
    EquityBaseline,
    EquityNegation,
    Setting,
    Component,
    Reference,
    Staff,
    Covariate,
    Use,
    Measured,
    SampleWord,
    Comparison,
    ShareWord,
    Cotreatment,
}

/// A compiled framework.
#[derive(Debug)]
pub struct Coder<'f> {
    frame: &'f Frame,
    tiab: PatternSet,
    /// Per tiab pattern: category index, strong?, the pattern text.
    tiab_meta: Vec<(usize, bool, String)>,
    /// Tiab patterns that name a sample chosen for an equity factor.
    samples: BTreeSet<usize>,
    cues: PatternSet,
    cue_meta: Vec<(Cue, String)>,
    prefixes: Vec<Vec<u8>>,
    ongoing: PatternSet,
    negation_dims: BTreeSet<DimensionKind>,
    /// Dimensions whose MeSH terms count only beside a text hit.
    mesh_needs_text: BTreeSet<DimensionKind>,
    /// Dimensions whose hits in a BACKGROUND section are set aside.
    background_skips: BTreeSet<DimensionKind>,
    reroute: BTreeSet<usize>,
    carer_outcome: Option<usize>,
    /// Fallback patterns (`tiab_fallback`) and, per pattern, its category.
    fallback: PatternSet,
    fallback_meta: Vec<(usize, String)>,
}

struct Field<'r> {
    name: String,
    text: &'r str,
    weight: f64,
    results: bool,
    /// A RESULTS or CONCLUSIONS section.
    late: bool,
    title: bool,
    background: bool,
}

/// A record's coding while it is made: per category what has been found,
/// the subgroups named only in exclusion criteria, the hits set aside.
struct Draft {
    acc: Vec<Acc>,
    excluded: BTreeMap<usize, Vec<Evidence>>,
    set_aside: Vec<SetAside>,
    status: Status,
    registrations: BTreeSet<String>,
    /// Per category, the fallback hits that passed negation (first one kept).
    fallback: BTreeMap<usize, Evidence>,
    /// The title says the participants are carers or relatives.
    carer_study: bool,
    /// Per `setting_like` category, its hits that name the study's setting:
    /// they count only when no other intervention is coded.
    setting: BTreeMap<usize, Vec<Placed>>,
}

/// The dimensions a list names.
fn dimensions(list: &[String]) -> BTreeSet<DimensionKind> {
    list.iter()
        .filter_map(|d| DimensionKind::parse(d))
        .collect()
}

/// A title/abstract hit held back, with where it was found.
struct Placed {
    strong: bool,
    title: bool,
    results: bool,
    late: bool,
    ev: Evidence,
}

#[derive(Default, Clone)]
struct Acc {
    /// Best contribution of each list: mesh, mesh_weak, tiab, tiab_weak, pubtype.
    lists: [f64; 5],
    evidence: Vec<Evidence>,
    from_title_or_pubtype: bool,
    tiab_ok: bool,
    /// A title/abstract hit outside a RESULTS section counted.
    outside_results: bool,
    /// A title/abstract hit outside RESULTS and CONCLUSIONS sections counted.
    outside_late: bool,
    /// A hit counted in a sentence that compares arms ("randomised to",
    /// "versus").
    compared: bool,
    /// A title hit counted (weak or strong).
    in_title: bool,
    mesh_pending: Vec<(usize, Evidence)>,
}

impl Acc {
    /// Named only in RESULTS and CONCLUSIONS sections and by no MeSH term:
    /// a finding or a recommendation.
    fn finding(&self) -> bool {
        self.tiab_ok && !self.outside_late && self.lists[0] + self.lists[1] == 0.0
    }
}

impl<'f> Coder<'f> {
    /// Compile a framework.
    pub fn new(frame: &'f Frame) -> Coder<'f> {
        let mut pats = Vec::new();
        let mut tiab_meta = Vec::new();
        let mut samples = BTreeSet::new();
        for (ci, c) in frame.categories.iter().enumerate() {
            for (list, strong) in [(&c.tiab, true), (&c.tiab_weak, false)] {
                for p in list {
                    pats.push(p.clone());
                    tiab_meta.push((ci, strong, p.clone()));
                }
            }
            for p in &c.sample {
                samples.insert(pats.len());
                pats.push(p.clone());
                tiab_meta.push((ci, true, p.clone()));
            }
        }
        let cx = &frame.context;
        let mut cue_pats = Vec::new();
        let mut cue_meta = Vec::new();
        for (kind, list) in [
            (Cue::Negation, &cx.negation_cues),
            (Cue::Exclusion, &cx.exclusion_cues),
            (Cue::Comparator, &cx.comparator_cues),
            (Cue::Outcome, &cx.outcome_cues),
            (Cue::Carer, &cx.carer_cues),
            (Cue::CarerStudy, &cx.carer_study_cues),
            (Cue::ServiceUser, &cx.service_user_cues),
            (Cue::Elsewhere, &cx.elsewhere_cues),
            (Cue::Example, &cx.example_cues),
            (Cue::EquityAnalysis, &frame.equity_context.analysis_cues),
            (Cue::EquitySubject, &frame.equity_context.subject_cues),
            (Cue::EquityBaseline, &frame.equity_context.baseline_cues),
            (Cue::EquityNegation, &frame.equity_context.negation_cues),
            (Cue::Setting, &cx.setting_cues),
            (Cue::Component, &cx.component_cues),
            (Cue::Reference, &cx.reference_group_cues),
            (Cue::Staff, &cx.staff_cues),
            (Cue::Covariate, &cx.covariate_cues),
            (Cue::Use, &cx.use_cues),
            (Cue::Measured, &cx.measured_cues),
            (Cue::SampleWord, &cx.sample_words),
            (Cue::Comparison, &cx.comparison_cues),
            (Cue::ShareWord, &cx.share_words),
            (Cue::Cotreatment, &cx.cotreatment_cues),
        ] {
            for p in list {
                cue_pats.push(p.clone());
                cue_meta.push((kind, p.clone()));
            }
        }
        let idx = |id: &str| frame.categories.iter().position(|c| c.id == id);
        let mut fallback_pats = Vec::new();
        let mut fallback_meta = Vec::new();
        for (ci, c) in frame.categories.iter().enumerate() {
            for p in &c.tiab_fallback {
                fallback_pats.push(p.clone());
                fallback_meta.push((ci, p.clone()));
            }
        }
        Coder {
            fallback: PatternSet::new(&fallback_pats),
            fallback_meta,
            frame,
            tiab: PatternSet::new(&pats),
            tiab_meta,
            samples,
            cues: PatternSet::new(&cue_pats),
            cue_meta,
            prefixes: cx
                .negation_prefixes
                .iter()
                .map(|p| {
                    let mut v = Norm::new(p).s;
                    if v.last() != Some(&b' ') {
                        v.push(b' ');
                    }
                    v
                })
                .collect(),
            ongoing: PatternSet::new(&frame.status.ongoing_title),
            negation_dims: dimensions(&cx.negation_applies_to),
            mesh_needs_text: dimensions(&cx.mesh_needs_text),
            background_skips: dimensions(&cx.background_skips),
            reroute: cx
                .carer_reroute_domains
                .iter()
                .filter_map(|d| idx(d))
                .collect(),
            carer_outcome: frame.carer_outcome.as_deref().and_then(idx),
        }
    }

    /// Number of rules (patterns, MeSH names, publication types).
    pub fn rule_count(&self) -> usize {
        self.tiab.len()
            + self
                .frame
                .categories
                .iter()
                .map(|c| c.mesh.len() + c.mesh_weak.len() + c.publication_types.len())
                .sum::<usize>()
    }

    fn fields<'r>(&self, r: &'r Record) -> Vec<Field<'r>> {
        let w = |k: &str| self.frame.section_weights.get(k).copied().unwrap_or(1.0);
        let mut f = vec![Field {
            name: "title".into(),
            text: &r.title,
            weight: w("title"),
            results: false,
            late: false,
            title: true,
            background: false,
        }];
        if r.abstract_sections.is_empty() {
            if let Some(a) = &r.abstract_text {
                f.push(Field {
                    name: "abstract".into(),
                    text: a,
                    weight: w("unlabeled"),
                    results: false,
                    late: false,
                    title: false,
                    background: false,
                });
            }
        } else {
            for s in &r.abstract_sections {
                let cat = s
                    .nlm_category
                    .as_deref()
                    .unwrap_or("unlabeled")
                    .to_lowercase();
                let weight = if self.frame.section_weights.contains_key(&cat) {
                    w(&cat)
                } else {
                    w("unlabeled")
                };
                let label = s.label.clone().or_else(|| s.nlm_category.clone());
                f.push(Field {
                    name: label.map_or_else(|| "abstract".into(), |l| format!("abstract:{l}")),
                    text: &s.text,
                    weight,
                    results: cat == "results",
                    late: cat == "results" || cat == "conclusions",
                    title: false,
                    background: cat == "background",
                });
            }
        }
        f
    }

    /// Code one record, in the three phases of the module docs: MeSH and
    /// publication types, then title and abstract under the context rules,
    /// then scores and the post rules.
    pub fn code(&self, r: &Record) -> Coding {
        let mut d = Draft {
            acc: vec![Acc::default(); self.frame.categories.len()],
            excluded: BTreeMap::new(),
            set_aside: Vec::new(),
            status: Status::Completed,
            registrations: BTreeSet::new(),
            fallback: BTreeMap::new(),
            carer_study: false,
            setting: BTreeMap::new(),
        };
        self.metadata(r, &mut d);
        self.title_abstract(r, &mut d);
        self.finish(d)
    }

    /// Phase 1: MeSH descriptors (held back when the category needs a text
    /// hit too) and publication types; an "ongoing" publication type.
    fn metadata(&self, r: &Record, d: &mut Draft) {
        let mesh: BTreeSet<String> = r
            .mesh
            .iter()
            .map(|m| {
                m.split('/')
                    .next()
                    .unwrap_or("")
                    .trim_matches(|c: char| c == '*' || c.is_whitespace())
                    .to_lowercase()
            })
            .collect();
        let ptypes: BTreeSet<String> = r
            .publication_types
            .iter()
            .map(|p| p.to_lowercase())
            .collect();
        if ptypes
            .iter()
            .any(|p| self.frame.status.ongoing_publication_types.contains(p))
        {
            d.status = Status::Ongoing;
        }
        for (ci, c) in self.frame.categories.iter().enumerate() {
            let Some(a) = d.acc.get_mut(ci) else { continue };
            for (li, list, w, what) in [
                (0, &c.mesh, 1.0, "mesh"),
                (1, &c.mesh_weak, 0.5, "mesh (weak)"),
            ] {
                for m in list.iter().filter(|m| mesh.contains(*m)) {
                    let ev = Evidence {
                        rule: format!("{what} {m:?}"),
                        field: "mesh".into(),
                        span: None,
                        text: original_case(&r.mesh, m),
                        weight: w,
                    };
                    if c.mesh_needs_context
                        || c.setting_like
                        || self.mesh_needs_text.contains(&c.dimension)
                    {
                        a.mesh_pending.push((li, ev));
                    } else {
                        set_max(&mut a.lists, li, w);
                        a.evidence.push(ev);
                    }
                }
            }
            for p in c.publication_types.iter().filter(|p| ptypes.contains(*p)) {
                set_max(&mut a.lists, 4, 1.0);
                a.from_title_or_pubtype = true;
                a.evidence.push(Evidence {
                    rule: format!("publication type {p:?}"),
                    field: "publication_type".into(),
                    span: None,
                    text: original_case(&r.publication_types, p),
                    weight: 1.0,
                });
            }
        }
    }

    /// Phase 2: title and abstract patterns, each hit kept, set aside
    /// (negated, a usual-care comparator, no outcome cue) or kept as a
    /// subgroup named only in the exclusion criteria; registration numbers
    /// and an "ongoing" title on the way.
    fn title_abstract(&self, r: &Record, d: &mut Draft) {
        let title = Norm::new(&r.title);
        d.carer_study = self.cues.find(&title).iter().any(|h| {
            self.cue_meta
                .get(h.pattern)
                .is_some_and(|(k, _)| *k == Cue::CarerStudy)
        });
        for f in self.fields(r) {
            let n = Norm::new(f.text);
            registrations(&n, &mut d.registrations);
            if f.title && !self.ongoing.find(&n).is_empty() {
                d.status = Status::Ongoing;
            }
            let cues: Vec<(Cue, Hit)> = self
                .cues
                .find(&n)
                .into_iter()
                .filter_map(|h| self.cue_meta.get(h.pattern).map(|(k, _)| (*k, h)))
                .collect();
            let hits = self.tiab.find(&n);
            for h in hits
                .iter()
                .filter(|h| !self.abbreviation_of_hit(f.text, &n, h, &hits))
            {
                self.place_hit(&f, &n, *h, &cues, d);
            }
            for h in self.fallback.find(&n) {
                self.place_fallback(&f, &n, h, &cues, d);
            }
        }
    }

    /// Whether `h` is an abbreviation in brackets straight after another hit
    /// of its category, no weaker than it ("community mental health teams
    /// (CMHTs)"): the same mention, which the first hit already stands for.
    fn abbreviation_of_hit(&self, text: &str, n: &Norm, h: &Hit, hits: &[Hit]) -> bool {
        let cat = |h: &Hit| self.tiab_meta.get(h.pattern).map(|m| m.0);
        let strong = |h: &Hit| self.tiab_meta.get(h.pattern).is_some_and(|m| m.1);
        let (start, _) = n.original(h.start, h.end);
        hits.iter().any(|o| {
            // a stronger pattern in brackets is kept ("a psychological
            // therapy (CBT)")
            o.end <= h.start && cat(o) == cat(h) && (strong(o) || !strong(h)) && {
                let (_, end) = n.original(o.start, o.end);
                text.get(end..start).is_some_and(|between| {
                    between.contains('(') && between.chars().all(|c| c == '(' || c.is_whitespace())
                })
            }
        })
    }

    /// One title/abstract hit under the context rules.
    fn place_hit(&self, f: &Field, n: &Norm, h: Hit, cues: &[(Cue, Hit)], d: &mut Draft) {
        let cats = &self.frame.categories;
        let Some((ci0, strong, pat)) = self.tiab_meta.get(h.pattern) else {
            return;
        };
        let mut ci = *ci0;
        let Some(c) = cats.get(ci) else { return };
        let (oa, ob) = n.original(h.start, h.end);
        let w = f.weight * if *strong { 1.0 } else { 0.5 };
        let sample = self.samples.contains(&h.pattern);
        let mut ev = Evidence {
            rule: if sample {
                format!("sample {pat:?}")
            } else {
                format!("tiab{} {pat:?}", if *strong { "" } else { " (weak)" })
            },
            field: f.name.clone(),
            span: Some((oa, ob)),
            text: n.original_text(oa, ob).to_string(),
            weight: w,
        };
        let (sa, sb) = n.sentence_range(h.start);
        let in_sentence = |k: Cue| {
            cues.iter()
                .filter(move |(kk, ch)| *kk == k && ch.start >= sa && ch.end <= sb)
        };
        if f.background && self.background_skips.contains(&c.dimension) {
            d.set_aside.push(SetAside {
                category: c.id.clone(),
                evidence: ev,
                reason: "named in the background, not of this study's sample or analysis".into(),
            });
            return;
        }
        if c.dimension == DimensionKind::Equity {
            match self.equity_rule(n, h, cues, (sa, sb), sample) {
                Ok(why) => ev.rule = format!("{} ({why})", ev.rule),
                Err(reason) => {
                    d.set_aside.push(SetAside {
                        category: c.id.clone(),
                        evidence: ev,
                        reason,
                    });
                    return;
                }
            }
        }
        if self.negation_dims.contains(&c.dimension) {
            if let Some(reason) = self.negated(n, h, cues, sa) {
                d.set_aside.push(SetAside {
                    category: c.id.clone(),
                    evidence: ev,
                    reason,
                });
                return;
            }
        }
        if c.dimension == DimensionKind::Population {
            if let Some((_, cue)) = in_sentence(Cue::Exclusion).next() {
                let cue_text = self.cue_text(cue);
                let mut ev = ev;
                ev.rule = format!("{} in an exclusion criterion ({cue_text:?})", ev.rule);
                d.excluded.entry(ci).or_default().push(ev);
                return;
            }
            // "criminal justice agencies", "prison staff": who works there
            let staff = in_sentence(Cue::Staff)
                .find(|(_, ch)| ch.start >= h.end && n.words_between(h.end, ch.start) == 0);
            // "Black, Hispanic and White patients": groups compared
            let reference =
                in_sentence(Cue::Reference).find(|(_, ch)| ch.end <= h.start || ch.start >= h.end);
            // "adjusted for age, sex and substance misuse"
            let covariate = in_sentence(Cue::Covariate)
                .find(|(_, ch)| ch.end <= h.start)
                .or_else(|| {
                    // "outcomes were arrests and housing stability", but not
                    // "social outcomes among offenders"
                    let of_sample = in_sentence(Cue::SampleWord)
                        .any(|(_, ch)| ch.end <= h.start && n.words_between(ch.end, h.start) <= 1);
                    in_sentence(Cue::Measured)
                        .find(|(_, ch)| ch.end <= h.start || ch.start >= h.end)
                        .filter(|_| !f.title && !of_sample)
                });
            let why = match (staff, reference, covariate) {
                (Some((_, ch)), _, _) => Some(format!(
                    "names staff or agencies ({:?}), not the people studied",
                    self.cue_text(ch)
                )),
                (None, Some((_, ch)), _) => Some(format!(
                    "groups compared within the sample ({:?}), not the sample",
                    self.cue_text(ch)
                )),
                (None, None, Some((k, ch))) => Some(format!(
                    "{} ({:?}), not the sample",
                    if *k == Cue::Covariate {
                        "a covariate"
                    } else {
                        "measured as an outcome"
                    },
                    self.cue_text(ch)
                )),
                _ => None,
            };
            if let Some(reason) = why {
                d.set_aside.push(SetAside {
                    category: c.id.clone(),
                    evidence: ev,
                    reason,
                });
                return;
            }
        }
        if c.dimension == DimensionKind::Intervention {
            let win = self.frame.context.negation_window;
            let example = in_sentence(Cue::Example)
                .find(|(_, ch)| ch.end <= h.start && n.words_between(ch.end, h.start) < win);
            if let Some((_, ch)) = example {
                d.set_aside.push(SetAside {
                    category: c.id.clone(),
                    evidence: ev,
                    reason: format!("named as an example ({:?})", self.cue_text(ch)),
                });
                return;
            }
        }
        if c.dimension == DimensionKind::Population {
            let share_window = self.frame.context.share_window;
            let share_word = in_sentence(Cue::ShareWord)
                .rfind(|(_, ch)| {
                    share_window > 0
                        && ch.end <= h.start
                        && n.words_between(ch.end, h.start) <= share_window
                })
                .map(|(_, ch)| self.cue_text(ch).to_string());
            if let Some(share) = self.share_before(n, h.start, sa).or(share_word) {
                d.set_aside.push(SetAside {
                    category: c.id.clone(),
                    evidence: ev,
                    reason: format!("a share of the sample ({share:?}), not the sample"),
                });
                return;
            }
        }
        if c.tau_like {
            let win = self.frame.context.comparator_window;
            let near = in_sentence(Cue::Comparator).find(|(_, ch)| {
                (ch.end <= h.start && n.words_between(ch.end, h.start) < win)
                    || (ch.start >= h.end && n.words_between(h.end, ch.start) < win)
            });
            if let Some((_, ch)) = near {
                d.set_aside.push(SetAside {
                    category: c.id.clone(),
                    evidence: ev,
                    reason: format!("usual-care comparator ({:?})", self.cue_text(ch)),
                });
                return;
            }
        }
        if c.dimension == DimensionKind::Intervention {
            let sw = self.frame.context.setting_window;
            // "contacts with crisis teams", "use of the CMHT": counted as
            // service use, an outcome
            let used = in_sentence(Cue::Use).find(|(_, ch)| {
                (ch.end <= h.start && n.words_between(ch.end, h.start) <= sw)
                    || (ch.start >= h.end && n.words_between(h.end, ch.start) <= 1)
            });
            if let (true, Some((_, ch))) = (c.setting_like, used) {
                d.set_aside.push(SetAside {
                    category: c.id.clone(),
                    evidence: ev,
                    reason: format!(
                        "counted as service use ({:?}), an outcome, not the intervention",
                        self.cue_text(ch)
                    ),
                });
                return;
            }
            let setting = in_sentence(Cue::Setting)
                .rfind(|(_, ch)| {
                    sw > 0 && ch.end <= h.start && n.words_between(ch.end, h.start) <= sw
                })
                .or_else(|| in_sentence(Cue::Component).next());
            if let (true, Some((_, ch))) = (c.setting_like, setting) {
                let mut ev = ev;
                ev.rule = format!("{} after {:?}", ev.rule, self.cue_text(ch));
                d.setting.entry(ci).or_default().push(Placed {
                    strong: *strong,
                    title: f.title,
                    results: f.results,
                    late: f.late,
                    ev,
                });
                return;
            }
            if let Some(cue) = self.cotreatment(n, h, cues, (sa, sb)) {
                let mut ev = ev;
                ev.rule = format!("{} after {cue:?}", ev.rule);
                d.setting.entry(ci).or_default().push(Placed {
                    strong: *strong,
                    title: f.title,
                    results: f.results,
                    late: f.late,
                    ev,
                });
                return;
            }
        }
        if c.dimension == DimensionKind::Outcome {
            if let Some((_, cue)) = in_sentence(Cue::Elsewhere).next() {
                d.set_aside.push(SetAside {
                    category: c.id.clone(),
                    evidence: ev,
                    reason: format!("not reported here ({:?})", self.cue_text(cue)),
                });
                return;
            }
            // Whose outcome: a sentence naming carers, or a carers' study
            // whose sentence does not name the service user.
            let carers = in_sentence(Cue::Carer).next().is_some()
                || (d.carer_study && in_sentence(Cue::ServiceUser).next().is_none());
            if self.reroute.contains(&ci) && carers {
                if let Some(co) = self.carer_outcome {
                    ci = co;
                }
            }
            let cued = f.results
                || f.title
                || in_sentence(Cue::Outcome).any(|(_, ch)| ch.end <= h.start || ch.start >= h.end);
            if !cued {
                d.set_aside.push(SetAside {
                    category: c.id.clone(),
                    evidence: ev,
                    reason: "no outcome cue in the sentence".into(),
                });
                return;
            }
        }
        let Some(a) = d.acc.get_mut(ci) else { return };
        set_max(&mut a.lists, if *strong { 2 } else { 3 }, w);
        a.tiab_ok = true;
        a.outside_results |= !f.results;
        a.outside_late |= !f.late;
        a.compared |= in_sentence(Cue::Comparison).next().is_some();
        a.in_title |= f.title;
        if f.title && *strong {
            a.from_title_or_pubtype = true;
        }
        a.evidence.push(ev);
    }

    /// A fallback hit: kept (the first per category) unless negated.
    fn place_fallback(&self, f: &Field, n: &Norm, h: Hit, cues: &[(Cue, Hit)], d: &mut Draft) {
        let Some((ci, pat)) = self.fallback_meta.get(h.pattern) else {
            return;
        };
        let Some(c) = self.frame.categories.get(*ci) else {
            return;
        };
        let (sa, _) = n.sentence_range(h.start);
        if self.negation_dims.contains(&c.dimension) && self.negated(n, h, cues, sa).is_some() {
            return;
        }
        let (oa, ob) = n.original(h.start, h.end);
        d.fallback.entry(*ci).or_insert_with(|| Evidence {
            rule: format!("tiab (fallback) {pat:?}"),
            field: f.name.clone(),
            span: Some((oa, ob)),
            text: n.original_text(oa, ob).to_string(),
            weight: f.weight,
        });
    }

    /// Categories that only fallback hits found, coded when no other
    /// category of their dimension is coded but those allowed beside them.
    fn fallbacks(&self, coded: &mut [bool], acc: &mut [Acc], hits: BTreeMap<usize, Evidence>) {
        let cats = &self.frame.categories;
        for (ci, ev) in hits {
            let Some(c) = cats.get(ci) else { continue };
            if coded.get(ci) == Some(&true) {
                continue;
            }
            let other = cats.iter().enumerate().any(|(j, o)| {
                j != ci
                    && o.dimension == c.dimension
                    && coded.get(j) == Some(&true)
                    && !c.fallback_alongside.contains(&o.id)
            });
            if other {
                continue;
            }
            if let (Some(x), Some(a)) = (coded.get_mut(ci), acc.get_mut(ci)) {
                *x = true;
                a.lists = [0.0, 0.0, 0.0, 0.0, self.frame.min_score];
                a.evidence.push(ev);
            }
        }
    }

    /// Phase 3: the held-back MeSH of categories with a text hit, each
    /// category's score against the threshold, the post rules, and the
    /// coding with its evidence.
    fn finish(&self, d: Draft) -> Coding {
        let Draft {
            mut acc,
            excluded,
            mut set_aside,
            status,
            registrations,
            fallback,
            carer_study: _,
            setting,
        } = d;
        let cats = &self.frame.categories;
        let min = self.frame.min_score;
        let mut coded: Vec<bool> = vec![false; cats.len()];
        for (ci, a) in acc.iter_mut().enumerate() {
            if a.tiab_ok {
                for (li, ev) in std::mem::take(&mut a.mesh_pending) {
                    set_max(&mut a.lists, li, ev.weight);
                    a.evidence.push(ev);
                }
            }
            if let Some(c) = coded.get_mut(ci) {
                *c = a.lists.iter().sum::<f64>() >= min - 1e-9;
            }
        }
        let review = self.is_review(&coded);
        self.settings(setting, review, &mut coded, &mut acc, &mut set_aside);
        if !review {
            self.findings_only(&mut coded, &acc, &mut set_aside);
            self.title_anchor(&mut coded, &acc, &mut set_aside);
        }
        self.late_only(&mut coded, &acc, &mut set_aside);
        self.implied_equity(&mut coded, &mut acc, &set_aside);
        self.post_rules(&mut coded, &mut acc, &mut set_aside);
        self.fallbacks(&mut coded, &mut acc, fallback);
        self.outcomes_by_design(&mut coded, &acc, &mut set_aside);
        near_misses(cats, &coded, &acc, min, &mut set_aside);

        let mut codes = Vec::new();
        for (ci, c) in cats.iter().enumerate() {
            if coded.get(ci) == Some(&true) {
                if let Some(a) = acc.get_mut(ci) {
                    codes.push(Code {
                        dimension: c.dimension.as_str().into(),
                        category: c.id.clone(),
                        score: a.lists.iter().sum(),
                        evidence: std::mem::take(&mut a.evidence),
                    });
                }
            }
        }
        let excluded_subgroups = excluded
            .into_iter()
            .filter(|(ci, _)| coded.get(*ci) != Some(&true))
            .filter_map(|(ci, evidence)| {
                cats.get(ci).map(|c| Code {
                    dimension: c.dimension.as_str().into(),
                    category: c.id.clone(),
                    score: 0.0,
                    evidence,
                })
            })
            .collect();
        Coding {
            codes,
            excluded_subgroups,
            set_aside,
            status,
            registrations: registrations.into_iter().collect(),
        }
    }

    /// The cue that makes an intervention hit something people had besides
    /// the intervention studied: a co-treatment cue at most
    /// `cotreatment_window` words before it ("had previously received",
    /// "were taking"), a usual-care comparator cue followed by a component
    /// cue before it ("usual care, comprising …"), or a share of the sample
    /// within `share_window` words before it ("most", "71 %"), in each case
    /// with no comparison cue ("randomised to") between the cue and the hit.
    fn cotreatment(
        &self,
        n: &Norm,
        h: Hit,
        cues: &[(Cue, Hit)],
        (sa, sb): (usize, usize),
    ) -> Option<String> {
        let win = self.frame.context.cotreatment_window;
        if win == 0 {
            return None;
        }
        let before = |k: Cue| {
            cues.iter()
                .filter(move |(kk, ch)| {
                    *kk == k && ch.start >= sa && ch.end <= h.start && ch.end <= sb
                })
                .map(|(_, ch)| ch)
        };
        let compared_after = |from: usize| before(Cue::Comparison).any(|x| x.start >= from);
        let share_window = self.frame.context.share_window;
        before(Cue::Cotreatment)
            .rfind(|ch| n.words_between(ch.end, h.start) <= win && !compared_after(ch.end))
            .or_else(|| {
                // a usual-care cue, not one that compares arms ("vs")
                let usual = |tc: &&Hit| {
                    !before(Cue::Comparison).any(|x| x.start == tc.start && x.end == tc.end)
                };
                before(Cue::Comparator).filter(usual).find_map(|tc| {
                    before(Cue::Component)
                        .find(|k| k.start >= tc.end && !compared_after(k.end))
                        .map(|_| tc)
                })
            })
            .or_else(|| {
                // a share of the sample had it ("most were on medication")
                before(Cue::ShareWord).rfind(|ch| {
                    n.words_between(ch.end, h.start) <= share_window && !compared_after(ch.end)
                })
            })
            .map(|ch| self.cue_text(ch).to_string())
            .or_else(|| {
                // "71 % were taking medication"
                self.share_before(n, h.start, sa)
                    .filter(|_| !compared_after(sa))
            })
    }

    /// A percentage at most `share_window` words before the hit, in its
    /// sentence ("12 % identified as lesbian, gay or bisexual"): its text.
    fn share_before(&self, n: &Norm, hit: usize, sentence_start: usize) -> Option<String> {
        let win = self.frame.context.share_window;
        if win == 0 {
            return None;
        }
        let (oa, _) = n.original(sentence_start, sentence_start + 1);
        let (ob, _) = n.original(hit, hit + 1);
        let before = n.original_text(oa, ob);
        let lower = before.to_lowercase();
        let at = [
            lower.rfind('%'),
            lower.rfind("per cent"),
            lower.rfind("percent"),
        ]
        .into_iter()
        .flatten()
        .max()?;
        let between = before.get(at..)?;
        // the percentage's own word ("%", "per cent") is not counted
        let words = between.split_whitespace().count().saturating_sub(1);
        (words <= win).then(|| {
            let from = before
                .get(..at)
                .and_then(|t| t.rfind(|c: char| c.is_whitespace() || c == '('))
                .map_or(0, |i| i + 1);
            before.get(from..).unwrap_or(between).trim().to_string()
        })
    }

    /// The equity rule for one hit: `Ok(why it counts)` when its sentence
    /// reports results by the factor (an analysis cue within the window, or
    /// a subject cue within the window after the hit) or
    /// the hit names a sample chosen for it; `Err(why not)` when the sentence
    /// is an exclusion criterion, says the factor was not analysed (a
    /// negation cue before the hit in its sentence, or within the window
    /// after it), or only describes the sample (a
    /// baseline cue in the sentence, or a percentage straight before the
    /// hit: "78 % were women").
    fn equity_rule(
        &self,
        n: &Norm,
        h: Hit,
        cues: &[(Cue, Hit)],
        (sa, sb): (usize, usize),
        sample: bool,
    ) -> Result<String, String> {
        let win = self.frame.equity_context.window;
        let near = |k: Cue| {
            cues.iter().find(|(kk, ch)| {
                *kk == k
                    && ch.start >= sa
                    && ch.end <= sb
                    && ((ch.end <= h.start && n.words_between(ch.end, h.start) < win)
                        || (ch.start >= h.end && n.words_between(h.end, ch.start) < win)
                        || (ch.start < h.end && ch.end > h.start))
            })
        };
        if let Some((_, ch)) = cues
            .iter()
            .find(|(k, ch)| *k == Cue::Exclusion && ch.start >= sa && ch.end <= sb)
        {
            return Err(format!(
                "in an exclusion criterion ({:?}), not results by it",
                self.cue_text(ch)
            ));
        }
        // a negation governs what follows it in its sentence ("no study
        // examined whether effects differ by income"), and reaches back
        // only the window ("income was not recorded")
        let negation = cues
            .iter()
            .find(|(k, ch)| *k == Cue::EquityNegation && ch.start >= sa && ch.end <= h.start);
        if let Some((_, ch)) = negation.or_else(|| near(Cue::EquityNegation)) {
            return Err(format!("not analysed by it ({:?})", self.cue_text(ch)));
        }
        if let Some((_, ch)) = cues
            .iter()
            .find(|(k, ch)| *k == Cue::EquityBaseline && ch.start >= sa && ch.end <= sb)
        {
            return Err(format!(
                "describes the sample, not results by it ({:?})",
                self.cue_text(ch)
            ));
        }
        if percent_before(n, h, sa) {
            return Err("describes the sample, not results by it (a percentage)".into());
        }
        let subject = near(Cue::EquitySubject).filter(|(_, ch)| ch.start >= h.end);
        if let Some((_, ch)) = near(Cue::EquityAnalysis).or(subject) {
            return Ok(format!("results by it: {:?}", self.cue_text(ch)));
        }
        if sample {
            return Ok("a sample chosen for it".into());
        }
        Err(format!(
            "named, but no results by it (no analysis cue within {win} words)"
        ))
    }

    fn cue_text(&self, h: &Hit) -> &str {
        self.cue_meta.get(h.pattern).map_or("", |(_, t)| t.as_str())
    }

    /// A negation cue within the window before the hit, in its sentence, or a
    /// negating prefix straight before it.
    fn negated(
        &self,
        n: &Norm,
        h: Hit,
        cues: &[(Cue, Hit)],
        sentence_start: usize,
    ) -> Option<String> {
        let before = n.s.get(..h.start).unwrap_or(&[]);
        for p in &self.prefixes {
            if before.ends_with(p)
                && (before.len() == p.len()
                    || before.get(before.len() - p.len() - 1) == Some(&b' '))
            {
                return Some(format!(
                    "negated by the prefix {:?}",
                    String::from_utf8_lossy(p).trim()
                ));
            }
        }
        let win = self.frame.context.negation_window;
        cues.iter()
            .filter(|(k, ch)| {
                *k == Cue::Negation && ch.start >= sentence_start && ch.end <= h.start
            })
            .find(|(_, ch)| n.words_between(ch.end, h.start) < win)
            .map(|(_, ch)| format!("negated by {:?}", self.cue_text(ch)))
    }

    /// When the title names the intervention studied, another one named
    /// only in the abstract, never where arms are compared, is context
    /// (what people already received, a part, the referrer), unless the
    /// record is a systematic review, which names every one it covers.
    fn title_anchor(&self, coded: &mut [bool], acc: &[Acc], set_aside: &mut Vec<SetAside>) {
        if !self.frame.context.title_names_the_intervention {
            return;
        }
        let cats = &self.frame.categories;
        let is_iv = |ci: usize| {
            cats.get(ci)
                .is_some_and(|c| c.dimension == DimensionKind::Intervention)
        };
        let before = coded.to_vec();
        let coded_with = |ci: usize, f: &dyn Fn(&Acc) -> bool| {
            before.get(ci) == Some(&true) && acc.get(ci).is_some_and(f)
        };
        let anchor = (0..cats.len())
            .find(|&ci| is_iv(ci) && coded_with(ci, &|a: &Acc| a.from_title_or_pubtype))
            .and_then(|ci| cats.get(ci));
        let Some(anchor) = anchor else {
            return;
        };
        for ci in 0..cats.len() {
            let context = is_iv(ci)
                && coded_with(ci, &|a: &Acc| {
                    !a.in_title && !a.compared && a.lists[0] + a.lists[1] == 0.0
                });
            if let (true, Some(c), Some(x)) = (context, cats.get(ci), coded.get_mut(ci)) {
                *x = false;
                set_aside.push(SetAside {
                    category: c.id.clone(),
                    evidence: summary_evidence(acc.get(ci)),
                    reason: format!(
                        "where the study took place, or a part of another intervention: the title names {}, and this is named only in the abstract, never where arms are compared",
                        anchor.id
                    ),
                });
            }
        }
    }

    /// A review: a `reviews_exempt` design is coded. A review names every
    /// intervention it covers, in its results as often as not, so the
    /// findings, title and setting rules do not apply to it.
    fn is_review(&self, coded: &[bool]) -> bool {
        self.frame.categories.iter().enumerate().any(|(ci, c)| {
            self.frame.context.reviews_exempt.contains(&c.id) && coded.get(ci) == Some(&true)
        })
    }

    /// A sample of a population chosen for a disadvantage codes its equity
    /// factor (`implies_equity`): people who are homeless, socioeconomic
    /// status. Not when the equity rules read the factor's own words as a
    /// description of the sample ("12 % identified as lesbian, gay or
    /// bisexual"), an exclusion criterion or a factor not analysed.
    fn implied_equity(&self, coded: &mut [bool], acc: &mut [Acc], set_aside: &[SetAside]) {
        let cats = &self.frame.categories;
        for (pi, p) in cats.iter().enumerate() {
            if coded.get(pi) != Some(&true) {
                continue;
            }
            for e in &p.implies_equity {
                let Some(ei) = cats.iter().position(|c| c.id == *e) else {
                    continue;
                };
                let described = set_aside.iter().any(|s| {
                    s.category == *e
                        && ["describes the sample", "in an exclusion", "not analysed"]
                            .iter()
                            .any(|r| s.reason.starts_with(r))
                });
                if described {
                    continue;
                }
                if let (Some(x), Some(a)) = (coded.get_mut(ei), acc.get_mut(ei)) {
                    if !*x {
                        *x = true;
                        set_max(&mut a.lists, 0, self.frame.min_score);
                        a.evidence.push(Evidence {
                            rule: format!("population {} (a sample chosen for it)", p.id),
                            field: "population".into(),
                            span: None,
                            text: p.label.clone(),
                            weight: self.frame.min_score,
                        });
                    }
                }
            }
        }
    }

    /// A category of a `late_only_is_finding` dimension named only in
    /// RESULTS and CONCLUSIONS sections is a finding, not the study's
    /// sample ("co-occurring substance use predicted dropout").
    fn late_only(&self, coded: &mut [bool], acc: &[Acc], set_aside: &mut Vec<SetAside>) {
        let dims = &self.frame.context.late_only_is_finding;
        for (ci, c) in self.frame.categories.iter().enumerate() {
            let Some(a) = acc.get(ci) else { continue };
            if !dims.iter().any(|d| d == c.dimension.as_str()) || !a.tiab_ok || a.outside_late {
                continue;
            }
            if let Some(x) = coded.get_mut(ci).filter(|x| **x) {
                *x = false;
                set_aside.push(SetAside {
                    category: c.id.clone(),
                    evidence: summary_evidence(Some(a)),
                    reason: "named only among the results and conclusions: a finding, not the study's sample"
                        .into(),
                });
            }
        }
    }

    /// An intervention named only in RESULTS and CONCLUSIONS sections, with
    /// no MeSH term, is a finding ("peer support from other residents",
    /// "changes of care coordinator") or a recommendation, not what the
    /// study set out to study.
    fn findings_only(&self, coded: &mut [bool], acc: &[Acc], set_aside: &mut Vec<SetAside>) {
        if !self.frame.context.results_only_is_finding {
            return;
        }
        for (ci, c) in self.frame.categories.iter().enumerate() {
            let Some(a) = acc.get(ci) else { continue };
            if c.dimension != DimensionKind::Intervention || !a.finding() {
                continue;
            }
            if let Some(x) = coded.get_mut(ci).filter(|x| **x) {
                *x = false;
                set_aside.push(SetAside {
                    category: c.id.clone(),
                    evidence: summary_evidence(Some(a)),
                    reason: "named only among the results: a finding, not the intervention studied"
                        .into(),
                });
            }
        }
    }

    /// Hits that name the study's setting count only for a category coded
    /// anyway, or when no other intervention is coded (the service is what
    /// was studied); otherwise they are set aside.
    fn settings(
        &self,
        setting: BTreeMap<usize, Vec<Placed>>,
        review: bool,
        coded: &mut [bool],
        acc: &mut [Acc],
        set_aside: &mut Vec<SetAside>,
    ) {
        let cats = &self.frame.categories;
        // what the other hits coded, before any setting hit counts: not a
        // finding named only among the results
        let finding = |a: &Acc| self.frame.context.results_only_is_finding && a.finding();
        // a category held back whose MeSH terms alone coded it (no text hit
        // counted) is not another intervention either
        let held_only = |j: usize, a: &Acc| setting.contains_key(&j) && !a.tiab_ok;
        let base: Vec<bool> = coded
            .iter()
            .zip(acc.iter())
            .enumerate()
            .map(|(j, (k, a))| *k && !finding(a) && !held_only(j, a))
            .collect();
        let titled: Vec<bool> = acc.iter().map(|a| a.in_title).collect();
        let other = |ci: usize, in_title: bool| {
            cats.iter().enumerate().find(|(j, o)| {
                *j != ci
                    && o.dimension == DimensionKind::Intervention
                    && base.get(*j) == Some(&true)
                    // a service the title names is not outdone by one the
                    // title does not name
                    && (!in_title || titled.get(*j) == Some(&true))
            })
        };
        for (&ci, hits) in &setting {
            let (Some(c), Some(a)) = (cats.get(ci), acc.get_mut(ci)) else {
                continue;
            };
            // a MeSH term does not keep a category whose every text hit
            // was held back ("Antidepressive Agents" for "most had been
            // prescribed antidepressants")
            let text = a.lists.get(2..).map_or(0.0, |l| l.iter().sum::<f64>());
            let kept = coded.get(ci) == Some(&true) && text >= self.frame.min_score - 1e-9;
            match other(ci, hits.iter().any(|p| p.title)) {
                Some((_, o)) if !kept && !review => {
                    if let Some(x) = coded.get_mut(ci) {
                        *x = false;
                    }
                    for p in hits {
                        set_aside.push(SetAside {
                            category: c.id.clone(),
                            evidence: p.ev.clone(),
                            reason: format!(
                                "where the study took place, a part of another intervention, or what people had besides, not what it studied ({} is coded)",
                                o.id
                            ),
                        });
                    }
                }
                _ => {
                    for p in hits {
                        set_max(&mut a.lists, if p.strong { 2 } else { 3 }, p.ev.weight);
                        a.from_title_or_pubtype |= p.title && p.strong;
                        a.in_title |= p.title;
                        a.outside_results |= !p.results;
                        a.outside_late |= !p.late;
                        a.evidence.push(p.ev.clone());
                    }
                    a.tiab_ok = true;
                    for (li, ev) in std::mem::take(&mut a.mesh_pending) {
                        set_max(&mut a.lists, li, ev.weight);
                        a.evidence.push(ev);
                    }
                    if let Some(x) = coded.get_mut(ci) {
                        *x = a.lists.iter().sum::<f64>() >= self.frame.min_score - 1e-9;
                    }
                }
            }
        }
    }

    fn post_rules(&self, coded: &mut [bool], acc: &mut [Acc], set_aside: &mut Vec<SetAside>) {
        let cats = &self.frame.categories;
        let is = |coded: &[bool], id: &str| {
            cats.iter()
                .position(|c| c.id == id)
                .and_then(|i| coded.get(i))
                .copied()
                .unwrap_or(false)
        };
        // Designs coded from a publication type or the title suppress others.
        for (ci, c) in cats.iter().enumerate() {
            let strong = acc.get(ci).is_some_and(|a| a.from_title_or_pubtype);
            if c.dimension == DimensionKind::Design && coded.get(ci) == Some(&true) && strong {
                for s in &c.suppresses {
                    if let Some(si) = cats.iter().position(|x| x.id == *s) {
                        if coded.get(si) == Some(&true) {
                            if let Some(x) = coded.get_mut(si) {
                                *x = false;
                            }
                            set_aside.push(SetAside {
                                category: s.clone(),
                                evidence: summary_evidence(acc.get(si)),
                                reason: format!("suppressed by design {}", c.id),
                            });
                        }
                    }
                }
            }
        }
        // Fallbacks.
        for (ci, c) in cats.iter().enumerate() {
            if !c.fallback || coded.get(ci) != Some(&true) {
                continue;
            }
            let sibling = cats.iter().enumerate().find(|(j, o)| {
                *j != ci
                    && o.dimension == c.dimension
                    && o.group == c.group
                    && coded.get(*j) == Some(&true)
                    && !o.fallback
            });
            let by = sibling.map(|(_, o)| o.id.clone()).or_else(|| {
                c.fallback_suppressed_by
                    .iter()
                    .find(|s| is(coded, s))
                    .cloned()
            });
            if let Some(by) = by {
                if let Some(x) = coded.get_mut(ci) {
                    *x = false;
                }
                set_aside.push(SetAside {
                    category: c.id.clone(),
                    evidence: summary_evidence(acc.get(ci)),
                    reason: format!("fallback not used: {by} is coded"),
                });
            }
        }
        // Designs that imply outcomes.
        for (ci, c) in cats.iter().enumerate() {
            if coded.get(ci) == Some(&true) {
                continue;
            }
            if let Some(d) = c.implied_by_designs.iter().find(|d| is(coded, d)) {
                if let Some(x) = coded.get_mut(ci) {
                    *x = true;
                }
                if let Some(a) = acc.get_mut(ci) {
                    a.lists = [0.0, 0.0, 0.0, 0.0, self.frame.min_score];
                    a.evidence.push(Evidence {
                        rule: format!("implied by design {d}"),
                        field: "design".into(),
                        span: None,
                        text: d.clone(),
                        weight: self.frame.min_score,
                    });
                }
            }
        }
    }

    /// Outcomes a record's designs allow: none without a design or an
    /// intervention (when the protocol says so), only `alone_keeps_outcomes` under a design that
    /// is the only one coded.
    fn outcomes_by_design(&self, coded: &mut [bool], acc: &[Acc], set_aside: &mut Vec<SetAside>) {
        let cats = &self.frame.categories;
        let designs: Vec<&Category> = cats
            .iter()
            .zip(coded.iter())
            .filter(|(c, k)| c.dimension == DimensionKind::Design && **k)
            .map(|(c, _)| c)
            .collect();
        let studies_something = cats
            .iter()
            .zip(coded.iter())
            .any(|(c, k)| c.dimension == DimensionKind::Intervention && *k);
        let (keep, why): (Option<&[String]>, String) = match designs.as_slice() {
            [] if self.frame.context.outcomes_need_design && !studies_something => (
                Some(&[]),
                "neither a design nor an intervention is coded: a commentary or narrative review measured nothing".into(),
            ),
            [d] if !d.alone_keeps_outcomes.is_empty() => (
                Some(&d.alone_keeps_outcomes),
                format!("the only design is {}: its findings are not this outcome", d.id),
            ),
            _ => (None, String::new()),
        };
        let Some(keep) = keep else { return };
        for (ci, c) in cats.iter().enumerate() {
            if c.dimension != DimensionKind::Outcome || keep.contains(&c.id) {
                continue;
            }
            if let Some(x) = coded.get_mut(ci).filter(|x| **x) {
                *x = false;
                set_aside.push(SetAside {
                    category: c.id.clone(),
                    evidence: summary_evidence(acc.get(ci)),
                    reason: why.clone(),
                });
            }
        }
    }

    /// The categories of the framework.
    pub fn categories(&self) -> &[Category] {
        &self.frame.categories
    }
}

/// The categories that scored but did not reach the threshold, or had only
/// a MeSH term waiting for a text hit: set aside with their best hit, so a
/// reviewer sees the nearest a category came to being coded.
fn near_misses(
    cats: &[Category],
    coded: &[bool],
    acc: &[Acc],
    min: f64,
    set_aside: &mut Vec<SetAside>,
) {
    for (ci, c) in cats.iter().enumerate() {
        let Some(a) = acc.get(ci).filter(|_| coded.get(ci) != Some(&true)) else {
            continue;
        };
        let score: f64 = a.lists.iter().sum();
        let best = a
            .evidence
            .iter()
            .max_by(|x, y| x.weight.total_cmp(&y.weight));
        let (evidence, reason) = match (best, a.mesh_pending.first()) {
            (Some(ev), _) if score < min - 1e-9 => (
                ev.clone(),
                format!("below the threshold (score {score:.1} of {min:.1})"),
            ),
            (None, Some((_, ev))) => (
                ev.clone(),
                "MeSH term alone: the category also needs a text hit".to_string(),
            ),
            _ => continue,
        };
        set_aside.push(SetAside {
            category: c.id.clone(),
            evidence,
            reason,
        });
    }
}

fn summary_evidence(a: Option<&Acc>) -> Evidence {
    a.and_then(|a| a.evidence.first().cloned())
        .unwrap_or(Evidence {
            rule: String::new(),
            field: String::new(),
            span: None,
            text: String::new(),
            weight: 0.0,
        })
}

/// A percentage written straight before a hit, perhaps with "were", "was",
/// "are", "is" or "from" between, or another group with a slash: "78 %
/// women", "78 % were women", "78 per cent were from rural areas", "30 %
/// Hispanic/Latino". The sample described, not results
/// by the factor ("45 % of women improved" is not matched).
fn percent_before(n: &Norm, h: Hit, sentence_start: usize) -> bool {
    let before = n.s.get(..h.start).unwrap_or(&[]);
    let mut starts = Vec::new();
    let mut at = 0;
    for w in before.split(|b| *b == b' ') {
        if !w.is_empty() {
            starts.push((at, w));
        }
        at += w.len() + 1;
    }
    let mut it = starts.into_iter().rev().peekable();
    // a group written with a slash before it ("30 % Hispanic/Latino")
    let (ha, _) = n.original(h.start, h.end);
    if let Some((start, w)) = it.peek() {
        let (_, we) = n.original(*start, start + w.len());
        if n.original_text(we, ha) == "/" {
            it.next();
        }
    }
    while it
        .peek()
        .is_some_and(|(_, w)| [&b"were"[..], b"was", b"are", b"is", b"from"].contains(w))
    {
        it.next();
    }
    let mut worded = false;
    while it
        .peek()
        .is_some_and(|(_, w)| [&b"percent"[..], b"cent", b"per"].contains(w))
    {
        it.next();
        worded = true;
    }
    let Some((start, w)) = it.next() else {
        return false;
    };
    // a percentage of the sentence before ("… (40 %). Age moderated …")
    // does not describe this one's factor
    if start < sentence_start || w.is_empty() || !w.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let (oa, _) = n.original(start, start + w.len());
    worded || n.original_text(oa, ha).contains('%')
}

fn set_max(lists: &mut [f64; 5], i: usize, w: f64) {
    if let Some(x) = lists.get_mut(i) {
        if w > *x {
            *x = w;
        }
    }
}

fn original_case(list: &[String], lower: &str) -> String {
    list.iter()
        .find(|m| m.to_lowercase().starts_with(lower))
        .cloned()
        .unwrap_or_else(|| lower.to_string())
}

/// Trial registration numbers: NCT + 8 digits, ISRCTN + 8, ACTRN + 14, DRKS + 8.
fn registrations(n: &Norm, out: &mut BTreeSet<String>) {
    let words: Vec<&[u8]> =
        n.s.split(|b| *b == b' ')
            .filter(|w| !w.is_empty())
            .collect();
    for (i, w) in words.iter().enumerate() {
        for (prefix, digits) in [("nct", 8), ("isrctn", 8), ("actrn", 14), ("drks", 8)] {
            let p = prefix.as_bytes();
            let rest: &[u8] = if w.starts_with(p) && w.len() > p.len() {
                w.get(p.len()..).unwrap_or(&[])
            } else if *w == p {
                words.get(i + 1).copied().unwrap_or(&[])
            } else {
                continue;
            };
            if rest.len() == digits && rest.iter().all(u8::is_ascii_digit) {
                out.insert(format!(
                    "{}{}",
                    prefix.to_uppercase(),
                    String::from_utf8_lossy(rest)
                ));
            }
        }
    }
}

/// A person's change, as [`apply_edits`] reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    /// Dimension name.
    pub dimension: String,
    /// Category id.
    pub category: String,
    /// `add`, `remove` or `confirm`.
    pub action: String,
    /// Who.
    pub reviewer: String,
}

/// Apply people's edits, oldest first, to an auto-coding: `add` codes a
/// category (evidence: the reviewer), `remove` drops it, `confirm` marks it.
pub fn apply_edits(coding: &mut Coding, edits: &[Edit]) {
    for e in edits {
        let at = coding.codes.iter().position(|c| c.category == e.category);
        match (e.action.as_str(), at) {
            ("add", None) => coding.codes.push(Code {
                dimension: e.dimension.clone(),
                category: e.category.clone(),
                score: 0.0,
                evidence: vec![Evidence {
                    rule: format!("added by {}", e.reviewer),
                    field: "person".into(),
                    span: None,
                    text: String::new(),
                    weight: 0.0,
                }],
            }),
            ("remove", Some(i)) => {
                let c = coding.codes.remove(i);
                coding.set_aside.push(SetAside {
                    category: c.category,
                    evidence: c.evidence.into_iter().next().unwrap_or(Evidence {
                        rule: String::new(),
                        field: String::new(),
                        span: None,
                        text: String::new(),
                        weight: 0.0,
                    }),
                    reason: format!("removed by {}", e.reviewer),
                });
            }
            ("confirm", Some(i)) => {
                if let Some(c) = coding.codes.get_mut(i) {
                    c.evidence.push(Evidence {
                        rule: format!("confirmed by {}", e.reviewer),
                        field: "person".into(),
                        span: None,
                        text: String::new(),
                        weight: 0.0,
                    });
                }
            }
            _ => {}
        }
    }
}
