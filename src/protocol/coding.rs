//! The `[coding]` section into a validated [`Frame`], in the order the file
//! reads: the coding settings, the intervention groups, the context rules,
//! the categories of each dimension, then the cross-references between
//! categories and the status rules and section weights.

use super::raw::{RawCategory, RawCoding};
use super::{
    check_pattern, Category, Context, Ctx, DimensionKind, EquityContext, Frame, ProtocolError,
};
use std::collections::BTreeMap;
use toml::Spanned;

/// A category id named inside another category: where, and the dimension it must be in.
struct Ref {
    key: String,
    at: usize,
    id: String,
    want: Option<DimensionKind>,
}

/// Validate `[coding]` into the framework.
pub(super) fn frame(cx: &Ctx, c: RawCoding) -> Result<Frame, ProtocolError> {
    settings(cx, &c)?;
    let groups = groups(cx, c.groups.as_ref())?;
    let context = c.context;
    context_rules(cx, &context)?;
    let (cats, refs) = categories(
        cx,
        [
            (DimensionKind::Intervention, c.intervention),
            (DimensionKind::Outcome, c.outcome),
            (DimensionKind::Population, c.population),
            (DimensionKind::Design, c.design),
            (DimensionKind::Equity, c.equity),
        ],
        &groups,
    )?;
    let has_equity = cats.iter().any(|c| c.dimension == DimensionKind::Equity);
    let equity_context = equity_rules(cx, c.equity_context, has_equity)?;
    check_refs(cx, &cats, &refs)?;
    let dim_of = |id: &str| cats.iter().find(|c| c.id == id).map(|c| c.dimension);
    for d in &context.carer_reroute_domains {
        if dim_of(d) != Some(DimensionKind::Outcome) {
            return Err(cx.err(
                None,
                "coding.context.carer_reroute_domains".into(),
                format!("{d:?} is not an outcome id"),
            ));
        }
    }
    for d in &context.reviews_exempt {
        if dim_of(d) != Some(DimensionKind::Design) {
            return Err(cx.err(
                None,
                "coding.context.reviews_exempt".into(),
                format!("{d:?} is not a design id"),
            ));
        }
    }
    let carer_outcome = cats
        .iter()
        .find(|c| c.dimension == DimensionKind::Outcome && c.id.contains("carer"))
        .map(|c| c.id.clone());
    for p in &c.status.ongoing_title {
        check_pattern(p).map_err(|m| cx.err(None, "coding.status.ongoing_title".into(), m))?;
    }
    let mut status = c.status;
    status.ongoing_publication_types = status
        .ongoing_publication_types
        .iter()
        .map(|s| s.to_lowercase())
        .collect();
    for (k, w) in &c.section_weights {
        if !(w.is_finite() && *w >= 0.0) {
            return Err(cx.err(
                None,
                format!("coding.section_weights.{k}"),
                "must be a number >= 0".into(),
            ));
        }
    }
    Ok(Frame {
        min_score: c.min_score,
        section_weights: c.section_weights,
        groups,
        categories: cats,
        context,
        equity_context,
        status,
        carer_outcome,
    })
}

/// The coding settings Lacuna supports, and a usable threshold.
fn settings(cx: &Ctx, c: &RawCoding) -> Result<(), ProtocolError> {
    if let Some(me) = c.mesh_explode.as_ref().filter(|m| *m.get_ref()) {
        return Err(cx.err(
            Some(me.span().start),
            "coding.mesh_explode".into(),
            "MeSH explosion needs the MeSH tree file, which Lacuna does not read yet; set it to false and list child headings explicitly".into(),
        ));
    }
    if c.multi_label == Some(false) {
        return Err(cx.err(
            None,
            "coding.multi_label".into(),
            "single-label coding is not supported; set multi_label = true".into(),
        ));
    }
    if !(c.min_score.is_finite() && c.min_score > 0.0) {
        return Err(cx.err(
            None,
            "coding.min_score".into(),
            "must be a positive number".into(),
        ));
    }
    Ok(())
}

/// `[coding.groups]`: id → label, in file order.
fn groups(cx: &Ctx, raw: Option<&toml::Table>) -> Result<Vec<(String, String)>, ProtocolError> {
    let mut groups = Vec::new();
    for (k, v) in raw.into_iter().flatten() {
        let label = v.as_str().ok_or_else(|| {
            cx.err(
                None,
                format!("coding.groups.{k}"),
                "a group label must be a string".into(),
            )
        })?;
        groups.push((k.clone(), label.to_string()));
    }
    Ok(groups)
}

/// `[coding.context]`: every cue a usable pattern, every dimension named known.
fn context_rules(cx: &Ctx, context: &Context) -> Result<(), ProtocolError> {
    for (key, list) in [
        ("negation_cues", &context.negation_cues),
        ("negation_prefixes", &context.negation_prefixes),
        ("exclusion_cues", &context.exclusion_cues),
        ("comparator_cues", &context.comparator_cues),
        ("outcome_cues", &context.outcome_cues),
        ("carer_cues", &context.carer_cues),
        ("carer_study_cues", &context.carer_study_cues),
        ("service_user_cues", &context.service_user_cues),
        ("elsewhere_cues", &context.elsewhere_cues),
        ("example_cues", &context.example_cues),
        ("share_words", &context.share_words),
        ("setting_cues", &context.setting_cues),
        ("component_cues", &context.component_cues),
        ("use_cues", &context.use_cues),
        ("reference_group_cues", &context.reference_group_cues),
        ("staff_cues", &context.staff_cues),
        ("covariate_cues", &context.covariate_cues),
        ("measured_cues", &context.measured_cues),
        ("sample_words", &context.sample_words),
        ("comparison_cues", &context.comparison_cues),
        ("cotreatment_cues", &context.cotreatment_cues),
    ] {
        for (i, p) in list.iter().enumerate() {
            check_pattern(p).map_err(|m| cx.err(None, format!("coding.context.{key}[{i}]"), m))?;
        }
    }
    for (key, list) in [
        ("negation_applies_to", &context.negation_applies_to),
        ("mesh_needs_text", &context.mesh_needs_text),
        ("background_skips", &context.background_skips),
        ("late_only_is_finding", &context.late_only_is_finding),
    ] {
        if let Some(d) = list.iter().find(|d| DimensionKind::parse(d).is_none()) {
            return Err(cx.err(
                None,
                format!("coding.context.{key}"),
                format!(
                    "{d:?} is not a dimension (intervention, outcome, population, design, equity)"
                ),
            ));
        }
    }
    Ok(())
}

/// `[coding.equity_context]`: needed (with analysis cues) when the protocol
/// has equity categories; every cue a usable pattern, a window of at least
/// one word.
fn equity_rules(
    cx: &Ctx,
    raw: Option<Spanned<EquityContext>>,
    has_equity: bool,
) -> Result<EquityContext, ProtocolError> {
    let Some(raw) = raw else {
        if has_equity {
            return Err(cx.err(
                None,
                "coding.equity_context".into(),
                "[[coding.equity]] categories need a [coding.equity_context] table with analysis_cues (the words that say results are reported by a factor, e.g. \"differ*\", \"subgroup*\")".into(),
            ));
        }
        return Ok(EquityContext::default());
    };
    let at = Some(raw.span().start);
    let e = raw.into_inner();
    for (key, list) in [
        ("analysis_cues", &e.analysis_cues),
        ("subject_cues", &e.subject_cues),
        ("baseline_cues", &e.baseline_cues),
        ("negation_cues", &e.negation_cues),
    ] {
        for (i, p) in list.iter().enumerate() {
            check_pattern(p)
                .map_err(|m| cx.err(at, format!("coding.equity_context.{key}[{i}]"), m))?;
        }
    }
    if e.analysis_cues.is_empty() && has_equity {
        return Err(cx.err(
            at,
            "coding.equity_context.analysis_cues".into(),
            "is empty: no equity hit could code; list the words that say results are reported by a factor (\"differ*\", \"subgroup*\", \"stratif*\")".into(),
        ));
    }
    if e.window == 0 {
        return Err(cx.err(
            at,
            "coding.equity_context.window".into(),
            "must be at least 1 (words either side of a hit)".into(),
        ));
    }
    Ok(e)
}

/// The `[[coding.<dimension>]]` tables: each category checked on its own,
/// the ids it names kept for [`check_refs`]. Every dimension but equity
/// needs at least one category.
fn categories(
    cx: &Ctx,
    dimensions: [(DimensionKind, Vec<RawCategory>); 5],
    groups: &[(String, String)],
) -> Result<(Vec<Category>, Vec<Ref>), ProtocolError> {
    let mut cats = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut refs = Vec::new();
    for (dim, list) in dimensions {
        if list.is_empty() && dim != DimensionKind::Equity {
            return Err(cx.err(
                None,
                format!("coding.{}", dim.as_str()),
                "no categories: add at least one [[coding.".to_string() + dim.as_str() + "]] table",
            ));
        }
        for (i, rc) in list.into_iter().enumerate() {
            let key = format!("coding.{}[{}]", dim.as_str(), i);
            cats.push(category(cx, &key, dim, rc, groups, &mut seen, &mut refs)?);
        }
    }
    Ok((cats, refs))
}

/// One category: a usable, unique id, usable patterns, a known group, at
/// least one rule.
fn category(
    cx: &Ctx,
    key: &str,
    dim: DimensionKind,
    rc: RawCategory,
    groups: &[(String, String)],
    seen: &mut BTreeMap<String, usize>,
    refs: &mut Vec<Ref>,
) -> Result<Category, ProtocolError> {
    let id = rc.id.get_ref().trim().to_string();
    let at = rc.id.span().start;
    if id.is_empty() || id.contains(char::is_whitespace) {
        return Err(cx.err(
            Some(at),
            format!("{key}.id"),
            format!("{id:?} is not a usable id (no spaces, not empty)"),
        ));
    }
    if let Some(prev) = seen.insert(id.clone(), at) {
        return Err(cx.err(
            Some(at),
            format!("{key}.id"),
            format!(
                "duplicate category id {id:?} (first at line {})",
                cx.line(prev)
            ),
        ));
    }
    if let Some(p) = rc.sample.first().filter(|_| dim != DimensionKind::Equity) {
        return Err(cx.err(
            Some(p.span().start),
            format!("{key}.sample"),
            "`sample` patterns are for equity categories only ([[coding.equity]])".into(),
        ));
    }
    for (lk, list) in [
        ("tiab", &rc.tiab),
        ("tiab_weak", &rc.tiab_weak),
        ("tiab_fallback", &rc.tiab_fallback),
        ("sample", &rc.sample),
    ] {
        for (j, p) in list.iter().enumerate() {
            check_pattern(p.get_ref())
                .map_err(|m| cx.err(Some(p.span().start), format!("{key}.{lk}[{j}]"), m))?;
        }
    }
    let group = match (&rc.group, dim) {
        (Some(g), _) => {
            if !groups.iter().any(|(k, _)| k == g.get_ref()) {
                return Err(cx.err(
                    Some(g.span().start),
                    format!("{key}.group"),
                    format!("group {:?} is not in [coding.groups]", g.get_ref()),
                ));
            }
            Some(g.get_ref().clone())
        }
        (None, DimensionKind::Intervention) if !groups.is_empty() => {
            return Err(cx.err(
                Some(at),
                format!("{key}.group"),
                "every intervention needs a group from [coding.groups]".into(),
            ));
        }
        (None, _) => None,
    };
    if rc.mesh.is_empty()
        && rc.mesh_weak.is_empty()
        && rc.tiab.is_empty()
        && rc.tiab_weak.is_empty()
        && rc.publication_types.is_empty()
        && rc.sample.is_empty()
    {
        return Err(cx.err(Some(at), key.to_string(), format!("category {id:?} has no rules (mesh, mesh_weak, tiab, tiab_weak, publication_types or sample)")));
    }
    for (field, list, want) in [
        ("fallback_suppressed_by", &rc.fallback_suppressed_by, None),
        ("fallback_alongside", &rc.fallback_alongside, Some(dim)),
        ("suppresses", &rc.suppresses, Some(DimensionKind::Design)),
        (
            "implied_by_designs",
            &rc.implied_by_designs,
            Some(DimensionKind::Design),
        ),
        (
            "alone_keeps_outcomes",
            &rc.alone_keeps_outcomes,
            Some(DimensionKind::Outcome),
        ),
        (
            "implies_equity",
            &rc.implies_equity,
            Some(DimensionKind::Equity),
        ),
    ] {
        for s in list {
            refs.push(Ref {
                key: format!("{key}.{field}"),
                at: s.span().start,
                id: s.get_ref().clone(),
                want,
            });
        }
    }
    let low = |v: Vec<String>| v.into_iter().map(|s| s.trim().to_lowercase()).collect();
    Ok(Category {
        id,
        dimension: dim,
        label: rc.label,
        group,
        mesh: low(rc.mesh),
        mesh_weak: low(rc.mesh_weak),
        tiab: rc.tiab.into_iter().map(Spanned::into_inner).collect(),
        tiab_weak: rc.tiab_weak.into_iter().map(Spanned::into_inner).collect(),
        publication_types: low(rc.publication_types),
        fallback: rc.fallback,
        fallback_suppressed_by: rc
            .fallback_suppressed_by
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        tau_like: rc.tau_like,
        setting_like: rc.setting_like,
        suppresses: rc.suppresses.into_iter().map(Spanned::into_inner).collect(),
        implied_by_designs: rc
            .implied_by_designs
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        alone_keeps_outcomes: rc
            .alone_keeps_outcomes
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        mesh_needs_context: rc.mesh_is_outcome_only_with_context,
        tiab_fallback: rc
            .tiab_fallback
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        fallback_alongside: rc
            .fallback_alongside
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        sample: rc.sample.into_iter().map(Spanned::into_inner).collect(),
        implies_equity: rc
            .implies_equity
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
    })
}

/// Every id a category names is a category of the right dimension.
fn check_refs(cx: &Ctx, cats: &[Category], refs: &[Ref]) -> Result<(), ProtocolError> {
    let dim_of = |id: &str| cats.iter().find(|c| c.id == id).map(|c| c.dimension);
    for r in refs {
        match (dim_of(&r.id), r.want) {
            (None, _) => {
                return Err(cx.err(
                    Some(r.at),
                    r.key.clone(),
                    format!("{:?} is not a category id of this protocol", r.id),
                ));
            }
            (Some(d), Some(w)) if d != w => {
                return Err(cx.err(
                    Some(r.at),
                    r.key.clone(),
                    format!(
                        "{:?} is in the {} dimension; a {} id is needed",
                        r.id,
                        d.as_str(),
                        w.as_str()
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}
