//! The protocol's sections other than `[coding]`: `[synthesis]`, `[map]`,
//! `[search]` (the NCBI identity and the search strings) and `[screening]`
//! (the exclusion reasons), each read and checked by its own function.

use super::raw::{RawCertainty, RawMap, RawScreening, RawSearch, RawSides, RawSynthesis};
use super::{
    Ctx, DimensionKind, EutilsIdentity, Living, MapSettings, ProtocolError, Reason, SearchString,
    Synthesis, Trigger,
};
use crate::meta::{Method, Test};
use std::collections::BTreeSet;
use toml::Spanned;

/// `[synthesis]`: the pooling method, test and thresholds.
pub(super) fn synthesis(cx: &Ctx, raw: Option<RawSynthesis>) -> Result<Synthesis, ProtocolError> {
    let mut s = Synthesis {
        method: Method::REML,
        test: Test::Z,
        min_k_pool: 2,
        pi_min_k: 3,
    };
    let Some(r) = raw else { return Ok(s) };
    if let Some(m) = r.tau2_estimator {
        s.method = Method::parse(m.get_ref()).ok_or_else(|| {
            cx.err(
                Some(m.span().start),
                "synthesis.tau2_estimator".into(),
                format!(
                    "{:?} is not a tau² estimator (EE, DL, HE, HS, SJ, ML, REML, EB, PM)",
                    m.get_ref()
                ),
            )
        })?;
    }
    if let Some(t) = r.ci_method {
        s.test = match t.get_ref().to_lowercase().as_str() {
            "wald" | "z" => Test::Z,
            "t" => Test::T,
            "hartung_knapp" | "knapp_hartung" | "knha" | "hksj" => Test::Knha,
            "adhoc" | "hartung_knapp_adhoc" => Test::Adhoc,
            other => {
                return Err(cx.err(
                    Some(t.span().start),
                    "synthesis.ci_method".into(),
                    format!("{other:?} is not a CI method (wald, t, hartung_knapp, adhoc)"),
                ));
            }
        };
    }
    if let Some(k) = r.min_k_pool {
        if *k.get_ref() < 2 {
            return Err(cx.err(
                Some(k.span().start),
                "synthesis.min_k_pool".into(),
                "pooling needs at least 2 studies".into(),
            ));
        }
        s.min_k_pool = k.into_inner();
    }
    if let Some(k) = r.pi_min_k {
        s.pi_min_k = k.max(2);
    }
    Ok(s)
}

/// `[synthesis.favours]`: for an outcome, which side of a forest plot's line
/// of no difference favours which arm, as (left, right). `"lower"` (lower is
/// better: intervention left), `"higher"` (control left), or two names.
pub(super) fn favours(
    cx: &Ctx,
    raw: Option<std::collections::BTreeMap<String, Spanned<RawSides>>>,
    dim_of: &dyn Fn(&str) -> Option<DimensionKind>,
) -> Result<std::collections::BTreeMap<String, (String, String)>, ProtocolError> {
    let mut out = std::collections::BTreeMap::new();
    for (outcome, v) in raw.unwrap_or_default() {
        let at = Some(v.span().start);
        let key = format!("synthesis.favours.{outcome}");
        if dim_of(&outcome) != Some(DimensionKind::Outcome) {
            return Err(cx.err(
                at,
                key,
                format!("{outcome:?} is not an outcome category of [[coding.outcome]]"),
            ));
        }
        let (i, c) = ("intervention".to_string(), "control".to_string());
        let sides = match v.into_inner() {
            RawSides::Word(w) if w.eq_ignore_ascii_case("lower") => (i, c),
            RawSides::Word(w) if w.eq_ignore_ascii_case("higher") => (c, i),
            RawSides::Pair(p) if p.len() == 2 && p.iter().all(|x| !x.trim().is_empty()) => {
                let mut it = p.into_iter().map(|x| x.trim().to_string());
                match (it.next(), it.next()) {
                    (Some(l), Some(r)) => (l, r),
                    _ => (i, c),
                }
            }
            _ => {
                return Err(cx.err(
                    at,
                    key,
                    "give \"lower\" (lower is better), \"higher\", or the two sides by name, e.g. [\"intervention\", \"control\"] (left, right)".into(),
                ))
            }
        };
        out.insert(outcome, sides);
    }
    Ok(out)
}

/// `[certainty]`: GRADE's thresholds, each checked.
pub(super) fn certainty(
    cx: &Ctx,
    raw: Option<Spanned<RawCertainty>>,
    dim_of: &dyn Fn(&str) -> Option<DimensionKind>,
) -> Result<super::CertaintySettings, ProtocolError> {
    let Some(raw) = raw else {
        return Ok(super::CertaintySettings::default());
    };
    let at = Some(raw.span().start);
    let r = raw.into_inner();
    let bad = |key: &str, msg: String| cx.err(at, format!("certainty.{key}"), msg);
    let share = |key: &str, v: Option<f64>| -> Result<Option<f64>, ProtocolError> {
        match v {
            Some(x) if !(x > 0.0 && x <= 1.0) => {
                Err(bad(key, format!("{x} is not a share between 0 and 1")))
            }
            v => Ok(v),
        }
    };
    let positive = |key: &str, v: Option<f64>| -> Result<Option<f64>, ProtocolError> {
        match v {
            Some(x) if !(x > 0.0 && x.is_finite()) => Err(bad(key, format!("{x} must be above 0"))),
            v => Ok(v),
        }
    };
    let i2 = |key: &str, v: Option<f64>| -> Result<Option<f64>, ProtocolError> {
        match v {
            Some(x) if !(0.0..=100.0).contains(&x) => {
                Err(bad(key, format!("{x} is not an I² in percent (0 to 100)")))
            }
            v => Ok(v),
        }
    };
    let s = super::CertaintySettings {
        rob_high_share: share("rob_high_share", r.rob_high_share)?,
        rob_concern_share: share("rob_concern_share", r.rob_concern_share)?,
        inconsistency_min_k: r.inconsistency_min_k,
        i2_serious: i2("i2_serious", r.i2_serious)?,
        i2_very_serious: i2("i2_very_serious", r.i2_very_serious)?,
        smd_mid: positive("smd_mid", r.smd_mid)?,
        rrr: share("rrr", r.rrr)?,
        ratio_low: share("ratio_low", r.ratio_low)?,
        ratio_high: positive("ratio_high", r.ratio_high)?,
        publication_bias_min_k: r.publication_bias_min_k,
        egger_p: share("egger_p", r.egger_p)?,
        mid: r.mid,
    };
    if let (Some(a), Some(b)) = (s.i2_serious, s.i2_very_serious) {
        if a > b {
            return Err(bad(
                "i2_serious",
                format!("{a} is above i2_very_serious ({b})"),
            ));
        }
    }
    if s.ratio_low.is_some_and(|x| x >= 1.0) {
        return Err(bad(
            "ratio_low",
            "an appreciable benefit is a ratio below 1".into(),
        ));
    }
    if s.ratio_high.is_some_and(|x| x <= 1.0) {
        return Err(bad(
            "ratio_high",
            "an appreciable harm is a ratio above 1".into(),
        ));
    }
    for (o, m) in &s.mid {
        if dim_of(o) != Some(DimensionKind::Outcome) {
            return Err(bad(
                &format!("mid.{o}"),
                format!("{o:?} is not an outcome category of [[coding.outcome]]"),
            ));
        }
        if !(*m > 0.0 && m.is_finite()) {
            return Err(bad(&format!("mid.{o}"), format!("{m} must be above 0")));
        }
    }
    Ok(s)
}

/// `[map]`: gap thresholds and layout; `dim_of` says which dimension an id is in.
pub(super) fn map_settings(
    cx: &Ctx,
    raw: Option<RawMap>,
    dim_of: &dyn Fn(&str) -> Option<DimensionKind>,
    groups: &[String],
) -> Result<MapSettings, ProtocolError> {
    let r = raw.unwrap_or(RawMap {
        synthesis_gap_min_primary: None,
        weak_randomised_designs: None,
        weak_min_participants: None,
        review_designs: None,
        economic_designs: None,
        priorities: None,
    });
    let mut priorities = Vec::new();
    for p in r.priorities.unwrap_or_default() {
        let at = p.span().start;
        let id = p.into_inner();
        if dim_of(&id) != Some(DimensionKind::Intervention) && !groups.contains(&id) {
            return Err(cx.err(
                Some(at),
                "map.priorities".into(),
                format!("{id:?} is neither an intervention id nor an intervention group of this protocol"),
            ));
        }
        priorities.push(id);
    }
    let designs = |key: &str,
                   v: Option<Vec<Spanned<String>>>,
                   default: &[&str]|
     -> Result<Vec<String>, ProtocolError> {
        let list: Vec<(Option<usize>, String)> = match v {
            Some(v) => v
                .into_iter()
                .map(|s| (Some(s.span().start), s.into_inner()))
                .collect(),
            None => default.iter().map(|s| (None, s.to_string())).collect(),
        };
        let mut out = Vec::new();
        for (at, id) in list {
            if dim_of(&id) != Some(DimensionKind::Design) {
                if at.is_none() {
                    continue; // a default that this framework does not have
                }
                return Err(cx.err(
                    at,
                    format!("map.{key}"),
                    format!("{id:?} is not a design id of this protocol"),
                ));
            }
            out.push(id);
        }
        Ok(out)
    };
    let w = r.weak_min_participants.unwrap_or(0.0);
    if !(w.is_finite() && w >= 0.0) {
        return Err(cx.err(
            None,
            "map.weak_min_participants".into(),
            "must be a number >= 0".into(),
        ));
    }
    Ok(MapSettings {
        synthesis_gap_min_primary: r.synthesis_gap_min_primary.unwrap_or(1).max(1),
        weak_randomised_designs: designs(
            "weak_randomised_designs",
            r.weak_randomised_designs,
            &["rct"],
        )?,
        weak_min_participants: w,
        review_designs: designs("review_designs", r.review_designs, &["systematic_review"])?,
        economic_designs: designs(
            "economic_designs",
            r.economic_designs,
            &["economic_evaluation"],
        )?,
        priorities,
    })
}

/// `[[search.strings]]`: the PubMed queries, blocks substituted.
pub(super) fn searches(
    cx: &Ctx,
    raw: Option<RawSearch>,
) -> Result<Vec<SearchString>, ProtocolError> {
    let Some(r) = raw else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for (i, s) in r.strings.into_iter().enumerate() {
        let mut q = s.query.clone();
        for (name, block) in &r.blocks {
            q = q.replace(&format!("{{{name}}}"), block);
        }
        if let Some(a) = q.find('{') {
            let rest = q.get(a..).unwrap_or("");
            let name: String = rest.chars().skip(1).take_while(|c| *c != '}').collect();
            return Err(cx.err(
                Some(s.id.span().start),
                format!("search.strings[{i}].query"),
                format!("block {{{name}}} is not defined in [search.blocks]"),
            ));
        }
        out.push(SearchString {
            id: s.id.into_inner(),
            purpose: s.purpose,
            query: q,
        });
    }
    Ok(out)
}

/// `[search]`'s tool, email and API-key variable: what the harvest tells NCBI.
pub(super) fn eutils_identity(
    cx: &Ctx,
    raw: Option<&RawSearch>,
) -> Result<EutilsIdentity, ProtocolError> {
    let eutils = raw
        .map(|s| EutilsIdentity {
            tool: s.tool.clone(),
            email: s.email.clone(),
            api_key_env: s.api_key_env.clone(),
        })
        .unwrap_or_default();
    if let Some(t) = &eutils.tool {
        if t.is_empty() || t.contains(char::is_whitespace) {
            return Err(cx.err(
                None,
                "search.tool".into(),
                "must be one word (NCBI refuses spaces)".into(),
            ));
        }
    }
    if let Some(e) = &eutils.email {
        if !e.contains('@') || e.contains(char::is_whitespace) {
            return Err(cx.err(
                None,
                "search.email".into(),
                format!("{e:?} is not an e-mail address"),
            ));
        }
    }
    Ok(eutils)
}

/// `[screening]`'s exclusion reasons, with unique ids.
pub(super) fn exclusion_reasons(
    cx: &Ctx,
    raw: Option<RawScreening>,
) -> Result<Vec<Reason>, ProtocolError> {
    let exclusion_reasons = raw.map(|s| s.exclusion_reasons).unwrap_or_default();
    let mut ids = BTreeSet::new();
    for (i, r) in exclusion_reasons.iter().enumerate() {
        if !ids.insert(r.id.clone()) {
            return Err(cx.err(
                None,
                format!("screening.exclusion_reasons[{i}]"),
                format!("duplicate reason id {:?}", r.id),
            ));
        }
    }
    Ok(exclusion_reasons)
}

/// `[living]`: the search frequency, the triggers of a material change and
/// whether retracted studies stay in the pooled results. Other keys of the
/// section are notes for people and are left alone.
pub(super) fn living(cx: &Ctx, raw: Option<toml::Table>) -> Result<Living, ProtocolError> {
    let mut l = Living::default();
    let Some(t) = raw else { return Ok(l) };
    let at = cx.text.find("[living]");
    let err = |key: String, message: String| cx.err(at, key, message);
    if let Some(v) = t.get("search_frequency") {
        l.search_frequency = Some(
            v.as_str()
                .ok_or_else(|| {
                    err(
                        "living.search_frequency".into(),
                        "must be text, e.g. \"monthly\"".into(),
                    )
                })?
                .to_string(),
        );
    }
    if let Some(v) = t.get("keep_retracted") {
        l.keep_retracted = v.as_bool().ok_or_else(|| {
            err(
                "living.keep_retracted".into(),
                "must be true or false".into(),
            )
        })?;
    }
    let Some(v) = t.get("triggers") else {
        return Ok(l);
    };
    let list = v.as_array().ok_or_else(|| {
        err(
            "living.triggers".into(),
            "must be a list of tables, e.g. [{ kind = \"new_study_in_empty_cell\" }]".into(),
        )
    })?;
    l.triggers.clear();
    for (i, item) in list.iter().enumerate() {
        let key = format!("living.triggers[{i}]");
        let kind = item
            .get("kind")
            .and_then(|k| k.as_str())
            .ok_or_else(|| err(key.clone(), "needs a `kind`".into()))?;
        let trigger = match kind {
            "new_study_in_empty_cell" => Trigger::NewStudyInEmptyCell,
            "new_study_weight_share" => {
                let threshold = item
                    .get("threshold")
                    .and_then(|x| x.as_float().or_else(|| x.as_integer().map(|n| n as f64)))
                    .ok_or_else(|| {
                        err(
                            format!("{key}.threshold"),
                            "new_study_weight_share needs a threshold, a share of the weight between 0 and 1 (e.g. 0.25)".into(),
                        )
                    })?;
                if !(threshold > 0.0 && threshold <= 1.0) {
                    return Err(err(
                        format!("{key}.threshold"),
                        format!("{threshold} is not a share of the weight (between 0 and 1)"),
                    ));
                }
                Trigger::NewStudyWeightShare { threshold }
            }
            "pooled_direction_or_ci_null_crossing_change" => {
                Trigger::PooledDirectionOrCiNullCrossingChange
            }
            "prediction_interval_null_crossing_change" => {
                Trigger::PredictionIntervalNullCrossingChange
            }
            "new_systematic_review_in_cell" => Trigger::NewSystematicReviewInCell,
            "certainty_change" => Trigger::CertaintyChange,
            other => {
                return Err(err(
                    format!("{key}.kind"),
                    format!(
                    "{other:?} is not a trigger (new_study_in_empty_cell, new_study_weight_share, \
                         pooled_direction_or_ci_null_crossing_change, \
                         prediction_interval_null_crossing_change, new_systematic_review_in_cell, \
                         certainty_change)"
                ),
                ))
            }
        };
        l.triggers.push(trigger);
    }
    Ok(l)
}
