//! The PRISMA 2020 flow diagram (Page et al. 2021) as SVG, and its counts
//! as the CSV the PRISMA2020 R package and its Shiny app read (Haddaway et
//! al. 2022: columns `data`, `node`, `box`, `description`, `boxtext`,
//! `tooltips`, `url`, `n`; one row per count, named as the package names
//! them). For an updated review the diagram follows the statement's
//! template for updated reviews: a column of previous studies, and
//! previous + new = total.

use super::svg::esc;
use crate::living::Prisma;
use std::fmt::Write;

/// The PRISMA2020 package's rows: (data, node, box, box text). The numbers
/// go in `n`.
const ROWS: &[(&str, &str, &str, &str)] = &[
    (
        "previous_studies",
        "node5",
        "box1",
        "Studies included in previous version of review",
    ),
    (
        "previous_reports",
        "NA",
        "box1",
        "Reports of studies included in previous version of review",
    ),
    ("database_results", "node7", "box2", "Databases"),
    (
        "database_specific_results",
        "NA",
        "box2",
        "Specific databases",
    ),
    ("register_results", "NA", "box2", "Registers"),
    (
        "register_specific_results",
        "NA",
        "box2",
        "Specific registers",
    ),
    ("website_results", "node17", "box11", "Websites"),
    ("organisation_results", "NA", "box11", "Organisations"),
    ("citations_results", "NA", "box11", "Citation searching"),
    ("duplicates", "node8", "box3", "Duplicate records"),
    (
        "excluded_automatic",
        "NA",
        "box3",
        "Records marked as ineligible by automation tools",
    ),
    (
        "excluded_other",
        "NA",
        "box3",
        "Records removed for other reasons",
    ),
    ("records_screened", "node9", "box4", "Records screened"),
    ("records_excluded", "node10", "box5", "Records excluded"),
    (
        "dbr_sought_reports",
        "node11",
        "box6",
        "Reports sought for retrieval",
    ),
    (
        "dbr_notretrieved_reports",
        "node12",
        "box7",
        "Reports not retrieved",
    ),
    (
        "other_sought_reports",
        "node18",
        "box12",
        "Reports sought for retrieval",
    ),
    (
        "other_notretrieved_reports",
        "node19",
        "box13",
        "Reports not retrieved",
    ),
    (
        "dbr_assessed",
        "node13",
        "box8",
        "Reports assessed for eligibility",
    ),
    ("dbr_excluded", "node14", "box9", "Reports excluded"),
    (
        "other_assessed",
        "node20",
        "box14",
        "Reports assessed for eligibility",
    ),
    ("other_excluded", "node21", "box15", "Reports excluded"),
    (
        "new_studies",
        "node15",
        "box10",
        "New studies included in review",
    ),
    (
        "new_reports",
        "NA",
        "box10",
        "Reports of new included studies",
    ),
    (
        "total_studies",
        "node22",
        "box16",
        "Total studies included in review",
    ),
    (
        "total_reports",
        "NA",
        "box16",
        "Reports of total included studies",
    ),
];

fn csv_field(s: &str) -> String {
    // a database's name or a reason's label may start the cell: never a
    // formula in a spreadsheet
    let s = super::spreadsheet_text(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

/// The counts as the PRISMA2020 package's CSV (its Shiny app loads it).
pub fn csv(p: &Prisma) -> String {
    let mut out = String::from("data,node,box,description,boxtext,tooltips,url,n\n");
    let databases = p
        .database_specific_results
        .iter()
        .map(|d| format!("{}, {}", d.database.replace([',', ';'], " "), d.n))
        .collect::<Vec<_>>()
        .join("; ");
    let reasons = p
        .dbr_excluded
        .iter()
        .map(|r| format!("{}, {}", r.reason.replace([',', ';'], " "), r.n))
        .collect::<Vec<_>>()
        .join("; ");
    for (data, node, boxid, text) in ROWS {
        let n = match *data {
            "previous_studies" => p.previous_studies.to_string(),
            "previous_reports" => p.previous_reports.to_string(),
            "database_results" => p.database_results.to_string(),
            "database_specific_results" => databases.clone(),
            "register_results" => p.register_results.to_string(),
            "duplicates" => p.duplicates.to_string(),
            "excluded_automatic" => p.excluded_automatic.to_string(),
            "excluded_other" => p.excluded_other.to_string(),
            "records_screened" => p.records_screened.to_string(),
            "records_excluded" => p.records_excluded.to_string(),
            "dbr_sought_reports" => p.dbr_sought_reports.to_string(),
            "dbr_notretrieved_reports" => p.dbr_notretrieved_reports.to_string(),
            "dbr_assessed" => p.dbr_assessed.to_string(),
            "dbr_excluded" => {
                if reasons.is_empty() {
                    "0".into()
                } else {
                    reasons.clone()
                }
            }
            "new_studies" => p.new_studies.to_string(),
            "new_reports" => p.new_reports.to_string(),
            "total_studies" => p.total_studies.to_string(),
            "total_reports" => p.total_reports.to_string(),
            // Lacuna has no other sources (websites, organisations, citation searching) yet.
            _ => "NA".into(),
        };
        let _ = writeln!(
            out,
            "{data},{node},{boxid},{},{},{},{data}.html,{}",
            csv_field(text),
            csv_field(text),
            csv_field(text),
            csv_field(&n)
        );
    }
    out
}

/// One box: its lines of text (the first bold), and the field each number is.
struct Box<'a> {
    x: f64,
    y: f64,
    w: f64,
    lines: Vec<(String, Option<&'a str>, Option<u64>)>,
}

const LINE_H: f64 = 16.0;

fn box_height(b: &Box<'_>) -> f64 {
    b.lines.len() as f64 * LINE_H + 14.0
}

fn draw_box(s: &mut String, b: &Box<'_>, fill: &str) {
    let h = box_height(b);
    let _ = writeln!(
        s,
        r##"<rect x="{}" y="{}" width="{}" height="{h}" fill="{fill}" stroke="#333" rx="2"/>"##,
        b.x, b.y, b.w
    );
    for (i, (text, field, n)) in b.lines.iter().enumerate() {
        let y = b.y + 20.0 + i as f64 * LINE_H;
        match (field, n) {
            (Some(f), Some(n)) => {
                let _ = writeln!(
                    s,
                    r#"<text x="{}" y="{y}">{} (n = <tspan data-prisma="{f}">{n}</tspan>)</text>"#,
                    b.x + 8.0,
                    esc(text)
                );
            }
            _ => {
                let _ = writeln!(s, r#"<text x="{}" y="{y}">{}</text>"#, b.x + 8.0, esc(text));
            }
        }
    }
}

fn arrow(s: &mut String, x1: f64, y1: f64, x2: f64, y2: f64) {
    let _ = writeln!(
        s,
        r##"<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#333" marker-end="url(#arr)"/>"##
    );
}

/// The flow diagram. `updated`: the review has a previous version (the
/// template for updated reviews, with a column of previous studies).
pub fn svg(p: &Prisma, updated: bool) -> String {
    let left = if updated { 250.0 } else { 40.0 };
    let (main_w, side_w, gap) = (330.0, 330.0, 40.0);
    let side_x = left + main_w + gap;
    let width = side_x + side_w + 20.0;
    let mut ident_lines = vec![("Records identified from:".to_string(), None, None)];
    ident_lines.push((
        "Databases".to_string(),
        Some("database_results"),
        Some(p.database_results),
    ));
    for d in &p.database_specific_results {
        ident_lines.push((format!("  {}", d.database), None, Some(d.n)));
    }
    if p.records_carried_over > 0 {
        ident_lines.push((
            "Awaiting screening from the version before".to_string(),
            Some("records_carried_over"),
            Some(p.records_carried_over),
        ));
    }
    // per-database lines carry their own numbers, without a field
    let ident_lines: Vec<(String, Option<&str>, Option<u64>)> = ident_lines
        .into_iter()
        .map(|(t, f, n)| match (f, n) {
            (None, Some(n)) => (format!("{t}: {n}"), None, None),
            (f, n) => (t, f, n),
        })
        .collect();
    let mut y = 70.0;
    let ident = Box {
        x: left,
        y,
        w: main_w,
        lines: ident_lines,
    };
    let removed = Box {
        x: side_x,
        y,
        w: side_w,
        lines: vec![
            ("Records removed before screening:".into(), None, None),
            (
                "Duplicate records".into(),
                Some("duplicates"),
                Some(p.duplicates),
            ),
            (
                "Marked as ineligible by automation tools".into(),
                Some("excluded_automatic"),
                Some(p.excluded_automatic),
            ),
            (
                "Removed for other reasons".into(),
                Some("excluded_other"),
                Some(p.excluded_other),
            ),
        ],
    };
    let mut removed = removed;
    if p.pairs_awaiting > 0 {
        // Never silent: pairs a person has not yet checked still count twice.
        removed.lines.insert(
            2,
            (
                "Pairs awaiting a duplicate check (each still counted)".into(),
                Some("pairs_awaiting"),
                Some(p.pairs_awaiting),
            ),
        );
    }
    let row1 = box_height(&ident).max(box_height(&removed));
    y += row1 + 40.0;
    let screened = Box {
        x: left,
        y,
        w: main_w,
        lines: vec![(
            "Records screened".into(),
            Some("records_screened"),
            Some(p.records_screened),
        )],
    };
    let mut excluded = Box {
        x: side_x,
        y,
        w: side_w,
        lines: vec![(
            "Records excluded".into(),
            Some("records_excluded"),
            Some(p.records_excluded),
        )],
    };
    if p.records_awaiting > 0 {
        excluded.lines.push((
            "Awaiting a decision (maybe)".into(),
            Some("records_awaiting"),
            Some(p.records_awaiting),
        ));
    }
    y += box_height(&screened) + 30.0;
    let sought = Box {
        x: left,
        y,
        w: main_w,
        lines: vec![(
            "Reports sought for retrieval".into(),
            Some("dbr_sought_reports"),
            Some(p.dbr_sought_reports),
        )],
    };
    let not_retrieved = Box {
        x: side_x,
        y,
        w: side_w,
        lines: vec![(
            "Reports not retrieved".into(),
            Some("dbr_notretrieved_reports"),
            Some(p.dbr_notretrieved_reports),
        )],
    };
    y += box_height(&sought) + 30.0;
    let assessed = Box {
        x: left,
        y,
        w: main_w,
        lines: vec![(
            "Reports assessed for eligibility".into(),
            Some("dbr_assessed"),
            Some(p.dbr_assessed),
        )],
    };
    let mut excl_lines = vec![(
        "Reports excluded".to_string(),
        Some("dbr_excluded_total"),
        Some(p.dbr_excluded.iter().map(|r| r.n).sum::<u64>()),
    )];
    for r in &p.dbr_excluded {
        excl_lines.push((format!("  {}: {}", r.reason, r.n), None, None));
    }
    let ft_excluded = Box {
        x: side_x,
        y,
        w: side_w,
        lines: excl_lines,
    };
    y += box_height(&assessed).max(box_height(&ft_excluded)) + 40.0;
    let new = Box {
        x: left,
        y,
        w: main_w,
        lines: vec![
            (
                "New studies included in review".into(),
                Some("new_studies"),
                Some(p.new_studies),
            ),
            (
                "Reports of new included studies".into(),
                Some("new_reports"),
                Some(p.new_reports),
            ),
        ],
    };
    y += box_height(&new) + 30.0;
    let total = Box {
        x: left,
        y,
        w: main_w,
        lines: vec![
            (
                "Total studies included in review".into(),
                Some("total_studies"),
                Some(p.total_studies),
            ),
            (
                "Reports of total included studies".into(),
                Some("total_reports"),
                Some(p.total_reports),
            ),
        ],
    };
    let height = total.y + box_height(&total) + 30.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="prisma-title" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" font-size="13">
<title id="prisma-title">PRISMA 2020 flow diagram: {} records identified, {} screened, {} studies included in total</title>
<defs><marker id="arr" markerWidth="10" markerHeight="10" refX="9" refY="5" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>
<rect width="100%" height="100%" fill="white"/>
<rect x="{left}" y="20" width="{}" height="30" fill="#ffc000" stroke="#333"/>
<text x="{}" y="40" text-anchor="middle" font-weight="bold">Identification of new studies via databases and registers</text>
"##,
        p.database_results,
        p.records_screened,
        p.total_studies,
        main_w + gap + side_w,
        left + (main_w + gap + side_w) / 2.0
    );
    if updated {
        let prev = Box {
            x: 20.0,
            y: 70.0,
            w: 210.0,
            lines: vec![
                ("Previous version:".into(), None, None),
                (
                    "Studies".into(),
                    Some("previous_studies"),
                    Some(p.previous_studies),
                ),
                (
                    "Reports".into(),
                    Some("previous_reports"),
                    Some(p.previous_reports),
                ),
            ],
        };
        let _ = writeln!(
            s,
            r##"<rect x="20" y="20" width="210" height="30" fill="#d9d9d9" stroke="#333"/><text x="125" y="40" text-anchor="middle" font-weight="bold">Previous studies</text>"##
        );
        draw_box(&mut s, &prev, "#f2f2f2");
        let py = prev.y + box_height(&prev);
        let ty = total.y + 20.0;
        let _ = writeln!(
            s,
            r##"<path d="M125,{py} L125,{ty} L{},{ty}" fill="none" stroke="#333" marker-end="url(#arr)"/>"##,
            left
        );
    }
    for (b, fill) in [
        (&ident, "#fff"),
        (&removed, "#fff"),
        (&screened, "#fff"),
        (&excluded, "#fff"),
        (&sought, "#fff"),
        (&not_retrieved, "#fff"),
        (&assessed, "#fff"),
        (&ft_excluded, "#fff"),
        (&new, "#fff"),
        (&total, "#e2efda"),
    ] {
        draw_box(&mut s, b, fill);
    }
    let mid = left + main_w / 2.0;
    for (a, b) in [
        (&ident, &screened),
        (&screened, &sought),
        (&sought, &assessed),
        (&assessed, &new),
        (&new, &total),
    ] {
        arrow(&mut s, mid, a.y + box_height(a), mid, b.y - 2.0);
    }
    for (a, b) in [
        (&ident, &removed),
        (&screened, &excluded),
        (&sought, &not_retrieved),
        (&assessed, &ft_excluded),
    ] {
        let yy = a.y + 20.0;
        arrow(&mut s, left + main_w, yy, b.x - 2.0, yy);
    }
    for (label, y0, y1) in [
        ("Identification", ident.y, ident.y + row1),
        ("Screening", screened.y, assessed.y + box_height(&assessed)),
        ("Included", new.y, total.y + box_height(&total)),
    ] {
        let cx = left - 14.0;
        let cy = (y0 + y1) / 2.0;
        let _ = writeln!(
            s,
            r##"<rect x="{}" y="{y0}" width="22" height="{}" fill="#9dc3e6" stroke="#333"/><text transform="translate({cx},{cy}) rotate(-90)" text-anchor="middle" font-weight="bold" font-size="12">{label}</text>"##,
            left - 26.0,
            y1 - y0
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::living::{DatabaseCount, ReasonCount};

    fn sample() -> Prisma {
        Prisma {
            previous_studies: 3,
            previous_reports: 4,
            database_results: 120,
            database_specific_results: vec![
                DatabaseCount {
                    database: "PubMed".into(),
                    n: 100,
                },
                DatabaseCount {
                    database: "export, 2026.ris".into(),
                    n: 20,
                },
            ],
            duplicates: 10,
            excluded_automatic: 30,
            excluded_other: 1,
            records_screened: 79,
            records_excluded: 70,
            dbr_sought_reports: 9,
            dbr_assessed: 9,
            dbr_excluded: vec![ReasonCount {
                reason: "design".into(),
                n: 2,
            }],
            new_studies: 4,
            new_reports: 3,
            total_studies: 7,
            total_reports: 7,
            ..Prisma::default()
        }
    }

    #[test]
    fn the_csv_has_every_package_field_once() {
        let text = csv(&sample());
        let mut r = ::csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<::csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
        assert_eq!(rows.len(), ROWS.len());
        let n = |field: &str| {
            rows.iter()
                .find(|x| x.get(0) == Some(field))
                .and_then(|x| x.get(7).map(str::to_string))
                .expect(field)
        };
        assert_eq!(n("records_screened"), "79");
        assert_eq!(
            n("database_specific_results"),
            "PubMed, 100; export  2026.ris, 20"
        );
        assert_eq!(n("dbr_excluded"), "design, 2");
        assert_eq!(n("website_results"), "NA");
    }

    #[test]
    fn carried_over_records_maybes_and_unchecked_pairs_are_drawn_only_when_there_are_some() {
        let plain = svg(&sample(), true);
        for f in ["records_carried_over", "records_awaiting", "pairs_awaiting"] {
            assert!(!plain.contains(&format!("data-prisma=\"{f}\"")), "{f}");
        }
        let p = Prisma {
            records_carried_over: 5,
            records_awaiting: 2,
            pairs_awaiting: 1,
            ..sample()
        };
        let s = svg(&p, true);
        for (f, n) in [
            ("records_carried_over", 5),
            ("records_awaiting", 2),
            ("pairs_awaiting", 1),
        ] {
            assert!(s.contains(&format!("data-prisma=\"{f}\">{n}<")), "{f}");
        }
    }

    #[test]
    fn the_diagram_shows_every_count() {
        let s = svg(&sample(), true);
        for (field, n) in [
            ("previous_studies", 3),
            ("database_results", 120),
            ("duplicates", 10),
            ("records_screened", 79),
            ("records_excluded", 70),
            ("dbr_assessed", 9),
            ("new_studies", 4),
            ("total_studies", 7),
        ] {
            assert!(
                s.contains(&format!(r#"data-prisma="{field}">{n}<"#)),
                "{field}"
            );
        }
        assert!(!svg(&sample(), false).contains("previous_studies"));
    }
}
