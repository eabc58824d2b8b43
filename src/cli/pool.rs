//! `lacuna pool`: a random-effects meta-analysis of an effect-size sheet.
//! The flags become a `pipeline::PoolConfig` once; `pipeline::pool` reads
//! the sheet, computes (one analysis per measure), and draws the plots; this
//! file prints the reports. No statistic is computed here.

use super::Bars;
use clap::Args;
use lacuna::meta::{Method, Options, Test};
use lacuna::model::Measure;
use lacuna::pipeline;
use lacuna::pipeline::Favours;
use lacuna::progress::Reporter;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `lacuna pool`.
#[derive(Debug, Args)]
pub struct PoolArgs {
    /// The CSV sheet.
    #[arg(long)]
    data: PathBuf,
    /// Effect measure: OR, RR, RD, PETO, MD, SMD, ROM, ZCOR, COR, GEN. With a `measure`
    /// column, only its rows are pooled; without --measure, one analysis per measure of
    /// that column.
    #[arg(long, value_parser = parse_measure)]
    measure: Option<Measure>,
    /// Between-study variance estimator: REML, DL, PM, ML, HE, SJ, HS, EB, or EE (common effect).
    #[arg(long, default_value = "REML", value_parser = parse_method)]
    method: Method,
    /// Knapp-Hartung adjustment (t tests and intervals with k-1 df).
    #[arg(long)]
    knha: bool,
    /// Subgroup analysis by this column.
    #[arg(long)]
    by: Option<String>,
    /// Meta-regression on these columns (numbers: continuous; text: categorical).
    #[arg(long, num_args = 1..)]
    mods: Vec<String>,
    /// Egger's regression test for funnel asymmetry.
    #[arg(long)]
    egger: bool,
    /// Trim-and-fill (L0 estimator).
    #[arg(long)]
    trimfill: bool,
    /// Leave-one-out analysis.
    #[arg(long)]
    leave1out: bool,
    /// Cumulative meta-analysis ordered by this column (e.g. year).
    #[arg(long)]
    cumulative: Option<String>,
    /// Write a forest plot (SVG).
    #[arg(long)]
    forest: Option<PathBuf>,
    /// Write a funnel plot (SVG).
    #[arg(long)]
    funnel: Option<PathBuf>,
    /// The arms the forest plot's left and right sides favour [default: intervention,control,
    /// right when lower is better; give control,intervention when higher is better].
    #[arg(long, value_name = "LEFT,RIGHT", value_parser = parse_favours)]
    favours: Option<Favours>,
    /// Print the results as JSON on stdout.
    #[arg(long)]
    json: bool,
}

fn parse_measure(s: &str) -> Result<Measure, String> {
    Measure::parse(s).ok_or_else(|| {
        format!("unknown measure {s:?}: use OR, RR, RD, PETO, MD, SMD, ROM, ZCOR, COR or GEN")
    })
}

fn parse_favours(s: &str) -> Result<Favours, String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    match parts.as_slice() {
        [l, r] if !l.is_empty() && !r.is_empty() => Ok(Favours {
            left: (*l).to_string(),
            right: (*r).to_string(),
        }),
        _ => Err(format!(
            "{s:?} is not two names: give LEFT,RIGHT, e.g. control,intervention when higher is better"
        )),
    }
}

fn parse_method(s: &str) -> Result<Method, String> {
    Method::parse(s)
        .ok_or_else(|| format!("unknown method {s:?}: use REML, DL, PM, ML, HE, SJ, HS, EB or EE"))
}

/// `lacuna pool`.
pub fn pool(out: &mut dyn Write, bars: &Bars, a: PoolArgs) -> anyhow::Result<()> {
    let cfg = pipeline::PoolConfig {
        data: a.data,
        measure: a.measure,
        options: Options {
            method: a.method,
            test: if a.knha { Test::Knha } else { Test::Z },
            ..Options::default()
        },
        correction: lacuna::extract::Correction::default(),
        by: a.by,
        mods: a.mods,
        egger: a.egger,
        trimfill: a.trimfill,
        leave1out: a.leave1out,
        cumulative: a.cumulative,
        forest: a.forest,
        funnel: a.funnel,
        favours: a.favours.unwrap_or_default(),
    };
    let outcome = pipeline::pool(&cfg)?;
    for n in &outcome.notes {
        bars.message(&format!("note: {n}"));
    }
    let several = outcome.analyses.len() > 1;
    for x in &outcome.analyses {
        let tag = if several {
            format!("{}: ", pipeline::measure_code(x.measure))
        } else {
            String::new()
        };
        for (study, why) in &x.dropped {
            bars.message(&format!("note: {tag}{study} left out: {why}"));
        }
        for n in &x.notes {
            bars.message(&format!("note: {tag}{n}"));
        }
    }
    for what in ["forest", "funnel"] {
        let files: Vec<String> = outcome
            .analyses
            .iter()
            .flat_map(|x| &x.written)
            .filter(|(w, _)| *w == what)
            .map(|(_, p)| p.display().to_string())
            .collect();
        match files.as_slice() {
            [] => {}
            [one] => bars.message(&format!("{what} plot written to {one}")),
            many => bars.message(&format!(
                "{what} plots written, one per measure: {}",
                many.join(", ")
            )),
        }
    }
    if a.json {
        match outcome.analyses.as_slice() {
            [one] => serde_json::to_writer_pretty(&mut *out, &one.report)?,
            many => {
                let by: serde_json::Map<String, serde_json::Value> = many
                    .iter()
                    .map(|x| {
                        Ok((
                            pipeline::measure_code(x.measure).to_string(),
                            serde_json::to_value(&x.report)?,
                        ))
                    })
                    .collect::<Result<_, serde_json::Error>>()?;
                serde_json::to_writer_pretty(&mut *out, &by)?;
            }
        }
        writeln!(out)?;
    } else {
        for (i, x) in outcome.analyses.iter().enumerate() {
            if several {
                if i > 0 {
                    writeln!(out)?;
                }
                writeln!(
                    out,
                    "== {} ({}) ==",
                    pipeline::measure_code(x.measure),
                    x.measure.label()
                )?;
            }
            print_pool(out, &x.report)?;
        }
    }
    Ok(())
}

fn print_pool(out: &mut dyn Write, r: &lacuna::meta::analysis::Report) -> anyhow::Result<()> {
    let p = |x: f64| {
        if x.is_nan() {
            "NA".to_string()
        } else if x < 0.0001 {
            "< 0.0001".to_string()
        } else {
            format!("{x:.4}")
        }
    };
    writeln!(
        out,
        "{} studies, {}, tau^2 by {:?}{}",
        r.k,
        r.measure.label(),
        r.method,
        if r.df.is_some() {
            ", Knapp-Hartung"
        } else {
            ""
        }
    )?;
    writeln!(
        out,
        "pooled estimate  {:.4}  SE {:.4}  95% CI [{:.4}, {:.4}]  p {}",
        r.estimate,
        r.se,
        r.ci_lb,
        r.ci_ub,
        p(r.pval)
    )?;
    if let Some(b) = &r.back_transformed {
        writeln!(
            out,
            "  back-transformed  {:.4}  95% CI [{:.4}, {:.4}]  95% PI [{:.4}, {:.4}]",
            b.estimate, b.ci_lb, b.ci_ub, b.pi_lb, b.pi_ub
        )?;
    }
    writeln!(out, "prediction interval  [{:.4}, {:.4}]", r.pi_lb, r.pi_ub)?;
    if r.pval.is_nan() {
        writeln!(
            out,
            "note: the effects do not vary at all around the pooled estimate, so the Knapp-Hartung \
             standard error is 0 and its test is undefined (NA, as in metafor); without --knha the \
             z test uses the studies' own variances"
        )?;
    }
    let ci = |c: Option<(f64, f64)>| {
        c.map(|(a, b)| format!(" [{a:.4}, {b:.4}]"))
            .unwrap_or_default()
    };
    writeln!(
        out,
        "tau^2 {:.4}{}   I^2 {:.1}%{}   H^2 {:.2}{}",
        r.tau2,
        ci(r.tau2_ci),
        r.i2,
        ci(r.i2_ci),
        r.h2,
        ci(r.h2_ci)
    )?;
    writeln!(out, "Q = {:.3} (df = {}), p {}", r.q, r.q_df, p(r.q_pval))?;
    if let Some(sub) = &r.subgroups {
        print_subgroups(out, r, sub)?;
    }
    if let Some(e) = &r.egger {
        writeln!(out, "Egger's test: z = {:.3}, p = {:.4}", e.zval, e.pval)?;
    }
    if let Some(t) = &r.trimfill {
        writeln!(out, "trim-and-fill: {} studies filled on the {:?} side; adjusted estimate {:.4} [{:.4}, {:.4}]", t.k0, t.side, t.fit.estimate(), t.fit.ci_lb.first().copied().unwrap_or(f64::NAN), t.fit.ci_ub.first().copied().unwrap_or(f64::NAN))?;
    }
    writeln!(
        out,
        "(--json for every figure, per study and per diagnostic)"
    )?;
    Ok(())
}

/// One line per subgroup (k, estimate, CI, I²) and the test for subgroup
/// differences, as `meta::analysis` computed them.
fn print_subgroups(
    out: &mut dyn Write,
    r: &lacuna::meta::analysis::Report,
    sub: &lacuna::meta::analysis::BySubgroup,
) -> anyhow::Result<()> {
    let first = |v: &[f64]| v.first().copied().unwrap_or(f64::NAN);
    writeln!(out, "subgroups by {}:", sub.by)?;
    let width = sub
        .result
        .groups
        .iter()
        .map(|g| g.level.chars().count())
        .max()
        .unwrap_or(0);
    for g in &sub.result.groups {
        let (est, lb, ub) = (g.fit.estimate(), first(&g.fit.ci_lb), first(&g.fit.ci_ub));
        let back = match (
            r.measure.back_transform(est),
            r.measure.back_transform(lb),
            r.measure.back_transform(ub),
        ) {
            (Some(e), Some(l), Some(u)) => {
                format!("  (back-transformed {e:.4} [{l:.4}, {u:.4}])")
            }
            _ => String::new(),
        };
        writeln!(
            out,
            "  {:<width$}  k = {:<3} estimate {:.4}  95% CI [{:.4}, {:.4}]  I^2 {:.1}%{back}",
            g.level, g.fit.k, est, lb, ub, g.fit.i2
        )?;
    }
    let p = sub.result.q_between_pval;
    writeln!(
        out,
        "test for subgroup differences: Q_between = {:.4} (df = {}), p {}",
        sub.result.q_between,
        sub.result.q_between_df,
        if p.is_nan() {
            "NA".to_string()
        } else if p < 0.0001 {
            "< 0.0001".to_string()
        } else {
            format!("{p:.4}")
        }
    )?;
    Ok(())
}
