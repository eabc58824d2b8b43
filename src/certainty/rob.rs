//! Risk-of-bias sheets as robvis lays them out: `Study`, the tool's domains
//! (`D1`…`D5` for RoB 2, `D1`…`D7` for ROBINS-I), `Overall`, an optional
//! `outcome` (a judgement for one outcome only) and an optional `Weight`
//! (robvis's, ignored: Lacuna weighs by the pooled result). Judgements are
//! read without regard to case.
//!
//! Pure: bytes in, checked rows out; nothing here knows the store.

pub use crate::model::rob::{Judgement, RobRow, Tool};

/// What is wrong with a sheet: each problem with its row and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .problems.join("\n"))]
pub struct RobSheetError {
    /// Each problem, naming row and column.
    pub problems: Vec<String>,
}

/// An empty sheet of `tool`, with its header and a commented example row.
///
/// ```
/// use lacuna::certainty::{template, Tool};
/// assert!(template(Tool::Rob2).starts_with("Study,D1,D2,D3,D4,D5,Overall,outcome,Weight\n"));
/// ```
pub fn template(tool: Tool) -> String {
    let mut head: Vec<String> = vec!["Study".into()];
    head.extend((1..=tool.domains()).map(|d| format!("D{d}")));
    head.extend(["Overall".into(), "outcome".into(), "Weight".into()]);
    let levels: Vec<&str> = tool.levels().iter().map(|j| j.label()).collect();
    format!(
        "{}\n# One row per study (its label as in the effect sheet, or its PMID or record key); each domain and Overall: {}; outcome: an outcome id for a judgement of one outcome only, or empty; Weight is ignored. Delete this line.\n",
        head.join(","),
        levels.join(" | ")
    )
}

/// Read a sheet of `tool` (CSV, comma or semicolon separated, UTF-8 with or
/// without BOM). Every problem is reported with its row and column; rows
/// starting with `#` are comments.
///
/// ```
/// use lacuna::certainty::{read_sheet, Judgement, Tool};
/// let rows = read_sheet(Tool::Rob2, b"Study,D1,D2,D3,D4,D5,Overall\nBateman 2009,low,Some Concerns,LOW,low,low,some concerns\n").unwrap();
/// assert_eq!(rows[0].overall, Judgement::SomeConcerns);
/// let bad = read_sheet(Tool::Rob2, b"Study,D1,D2,D3,D4,D5,Overall\nX,low,low,low,low,moderate,low\n").unwrap_err();
/// assert!(bad.to_string().contains("row 2, column D5"));
/// ```
pub fn read_sheet(tool: Tool, bytes: &[u8]) -> Result<Vec<RobRow>, RobSheetError> {
    let fail = |p: String| RobSheetError { problems: vec![p] };
    let text = std::str::from_utf8(bytes)
        .map_err(|e| fail(format!("not UTF-8 ({e}); save the sheet as UTF-8 CSV")))?;
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| fail(format!("row 1: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let find = |name: &str| -> Vec<usize> {
        headers
            .iter()
            .enumerate()
            .filter(|(_, h)| h.eq_ignore_ascii_case(name))
            .map(|(i, _)| i)
            .collect()
    };
    let mut problems = Vec::new();
    let mut column = |name: &str, required: bool| -> Option<usize> {
        let at = find(name);
        match at.as_slice() {
            [i] => Some(*i),
            [] => {
                if required {
                    problems.push(format!(
                        "row 1: no column {name} (a {} sheet has Study, {}, Overall; `lacuna rob DIR --template --tool {}` writes one)",
                        tool.as_str(),
                        (1..=tool.domains())
                            .map(|d| format!("D{d}"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        tool.as_str()
                    ));
                }
                None
            }
            _ => {
                problems.push(format!(
                    "row 1: column {name} appears {} times (compared without case): which one holds the judgement would be a guess",
                    at.len()
                ));
                None
            }
        }
    };
    let study_col = column("Study", true);
    let domain_cols: Vec<Option<usize>> = (1..=tool.domains())
        .map(|d| column(&format!("D{d}"), true))
        .collect();
    let overall_col = column("Overall", true);
    let outcome_col = column("outcome", false);
    // robvis's Weight column is read past, never used.
    let _ = column("Weight", false);
    if tool == Tool::Rob2 && !find("D6").is_empty() {
        problems.push(
            "row 1: a column D6: this looks like a ROBINS-I sheet; give --tool robins-i".into(),
        );
    }
    if !problems.is_empty() {
        return Err(RobSheetError { problems });
    }
    let levels = tool
        .levels()
        .iter()
        .map(|j| j.label())
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = Vec::new();
    let mut seen: std::collections::BTreeMap<(String, Option<String>), usize> = Default::default();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("row {row}: {e}"));
                continue;
            }
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("").trim();
        let study = cell(study_col);
        if study.is_empty() {
            problems.push(format!("row {row}, column Study: empty; name the study (its label in the effect sheet, or its PMID or record key)"));
            continue;
        }
        let mut judge = |name: String, c: Option<usize>| -> Option<Judgement> {
            let v = cell(c);
            let j = Judgement::parse(tool, v);
            if j.is_none() {
                problems.push(format!(
                    "row {row}, column {name}: {v:?} is not a {} judgement ({levels})",
                    tool.as_str()
                ));
            }
            j
        };
        let domains: Vec<Option<Judgement>> = domain_cols
            .iter()
            .enumerate()
            .map(|(d, c)| judge(format!("D{}", d + 1), *c))
            .collect();
        let overall = judge("Overall".into(), overall_col);
        let outcome = Some(cell(outcome_col))
            .filter(|o| !o.is_empty())
            .map(str::to_string);
        let key = (study.to_lowercase(), outcome.clone());
        if let Some(first) = seen.insert(key, row) {
            problems.push(format!(
                "row {row}, column Study: {study:?} is judged twice in this sheet (rows {first} and {row}){}; keep one row",
                outcome.as_deref().map(|o| format!(" for {o}")).unwrap_or_default()
            ));
            continue;
        }
        if let (Some(domains), Some(overall)) = (
            domains.into_iter().collect::<Option<Vec<Judgement>>>(),
            overall,
        ) {
            out.push(RobRow {
                row,
                study: study.to_string(),
                outcome,
                domains,
                overall,
            });
        }
    }
    if !problems.is_empty() {
        return Err(RobSheetError { problems });
    }
    if out.is_empty() {
        return Err(fail(
            "the sheet holds no judgement: one row per study under the header".into(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judgements_are_read_without_regard_to_case_and_by_tool() {
        assert_eq!(
            Judgement::parse(Tool::Rob2, " some_CONCERNS "),
            Some(Judgement::SomeConcerns)
        );
        assert_eq!(Judgement::parse(Tool::Rob2, "moderate"), None);
        assert_eq!(
            Judgement::parse(Tool::RobinsI, "No Information"),
            Some(Judgement::NoInformation)
        );
        assert_eq!(Judgement::parse(Tool::RobinsI, "some concerns"), None);
        assert!(Judgement::Critical.is_high() && !Judgement::Moderate.is_high());
        assert!(Judgement::Moderate.is_concern() && !Judgement::Low.is_concern());
    }

    #[test]
    fn a_sheet_with_any_wrong_row_is_refused_whole_with_row_and_column() {
        let sheet = "Study;D1;D2;D3;D4;D5;Overall;outcome;Weight\n\
                     A;low;low;low;low;low;low;;33\n\
                     B;low;high;low;;low;high;symptoms;1\n\
                     ;low;low;low;low;low;low;;\n\
                     A;low;low;low;low;low;high;;\n";
        let e = read_sheet(Tool::Rob2, sheet.as_bytes()).expect_err("wrong rows");
        let text = e.to_string();
        assert!(text.contains("row 3, column D4: \"\""), "{text}");
        assert!(text.contains("row 4, column Study: empty"), "{text}");
        assert!(
            text.contains("row 5, column Study: \"A\" is judged twice"),
            "{text}"
        );
        assert_eq!(e.problems.len(), 3);
    }

    #[test]
    fn a_robins_i_sheet_has_seven_domains_and_an_outcome_per_row() {
        let sheet = "study,d1,d2,d3,d4,d5,d6,d7,overall,Outcome\n\
                     Cohort 2019,low,moderate,serious,low,low,no information,low,serious,self_harm_suicidality\n\
                     Cohort 2019,low,low,low,low,low,low,low,moderate,symptoms\n";
        let rows = read_sheet(Tool::RobinsI, sheet.as_bytes()).expect("rows");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].domains.len(), 7);
        assert_eq!(rows[0].overall, Judgement::Serious);
        assert_eq!(rows[1].outcome.as_deref(), Some("symptoms"));
        let e = read_sheet(Tool::Rob2, sheet.as_bytes()).expect_err("not RoB 2");
        assert!(e.to_string().contains("--tool robins-i"), "{e}");
        let e = read_sheet(Tool::Rob2, b"Study,D1,D2,D3,D4,D5,Overall\n\xff\xfe,low\n")
            .expect_err("not UTF-8");
        assert!(e.to_string().contains("save the sheet as UTF-8"), "{e}");
        let bom = "\u{feff}Study,D1,D2,D3,D4,D5,Overall\nA,low,low,low,low,low,low\n";
        assert_eq!(
            read_sheet(Tool::Rob2, bom.as_bytes()).map(|r| r.len()),
            Ok(1)
        );
        let e = read_sheet(Tool::Rob2, b"Study,D1,D2,D3,D4,D5,Overall\n").expect_err("empty");
        assert!(e.to_string().contains("no judgement"), "{e}");
        assert!(read_sheet(Tool::Rob2, template(Tool::Rob2).as_bytes()).is_err());
    }
}
