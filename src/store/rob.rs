//! Risk-of-bias judgements (`lacuna rob --import`): append-only rows, one
//! per study (and outcome, when the judgement is for one outcome), each
//! with the sheet it came from, who imported it and when. A later
//! judgement of the same study and outcome supersedes an earlier one; the
//! earlier stays, so the history of who judged what is kept.

use super::{Review, StoreError, NOW};
use crate::model::rob::{Judgement, RobRow, Tool};
use rusqlite::params;

/// Schema for risk-of-bias judgements (migration 10).
pub(super) const MIGRATION: &str = r#"
    CREATE TABLE rob_imports (
        id INTEGER PRIMARY KEY,
        file TEXT NOT NULL,
        tool TEXT NOT NULL CHECK (tool IN ('rob2', 'robins-i')),
        reviewer TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE rob_judgements (
        id INTEGER PRIMARY KEY,
        import_id INTEGER NOT NULL REFERENCES rob_imports(id),
        row INTEGER NOT NULL,
        study TEXT NOT NULL,             -- a study label, or a record key, as the sheet gave it
        outcome TEXT,                    -- an outcome id, or NULL: every outcome
        domains TEXT NOT NULL,           -- JSON array of the domains' judgements, D1 first
        overall TEXT NOT NULL
    );
    CREATE TRIGGER rob_judgements_kept BEFORE DELETE ON rob_judgements
        BEGIN SELECT RAISE(ABORT, 'risk-of-bias judgements are kept'); END;
    CREATE TRIGGER rob_judgements_fixed BEFORE UPDATE ON rob_judgements
        BEGIN SELECT RAISE(ABORT, 'risk-of-bias judgements are kept'); END;
"#;

/// A stored judgement, with who made it and when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredRob {
    /// Its id (a later judgement has a larger one).
    #[serde(skip)]
    pub id: i64,
    /// The judged row.
    #[serde(flatten)]
    pub row: RobRow,
    /// The tool.
    pub tool: Tool,
    /// Who imported it.
    pub reviewer: String,
    /// When (UTC).
    pub at: String,
    /// The sheet it came from.
    pub file: String,
}

fn judgement(tool: Tool, s: &str) -> Result<Judgement, StoreError> {
    Judgement::parse(tool, s).ok_or_else(|| {
        StoreError::Query(format!(
            "a stored risk-of-bias judgement {s:?} is not a {} judgement",
            tool.as_str()
        ))
    })
}

impl Review {
    /// Store one sheet's judgements in one transaction. Returns how many.
    pub fn add_rob(
        &mut self,
        tool: Tool,
        rows: &[RobRow],
        file: &str,
        reviewer: &str,
    ) -> Result<usize, StoreError> {
        crate::model::input::check_text("the reviewer's name", reviewer)?;
        let tx = self.conn.transaction()?;
        tx.execute(
            &format!(
                "INSERT INTO rob_imports(file, tool, reviewer, at) VALUES (?1, ?2, ?3, {NOW})"
            ),
            params![file, tool.as_str(), reviewer],
        )?;
        let import = tx.last_insert_rowid();
        {
            let mut st = tx.prepare(
                "INSERT INTO rob_judgements(import_id, row, study, outcome, domains, overall)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for r in rows {
                let domains: Vec<&str> = r.domains.iter().map(|j| j.label()).collect();
                let domains = serde_json::to_string(&domains)
                    .map_err(|e| StoreError::Query(e.to_string()))?;
                st.execute(params![
                    import,
                    r.row as i64,
                    r.study,
                    r.outcome,
                    domains,
                    r.overall.label()
                ])?;
            }
        }
        tx.commit()?;
        Ok(rows.len())
    }

    /// The judgements that count: for each study (compared without case)
    /// and outcome, the latest one.
    pub fn rob_judgements(&self) -> Result<Vec<StoredRob>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT j.row, j.study, j.outcome, j.domains, j.overall, i.tool, i.reviewer, i.at, i.file, j.id
             FROM rob_judgements j JOIN rob_imports i ON i.id = j.import_id
             WHERE j.id = (SELECT max(k.id) FROM rob_judgements k
                           WHERE lower(k.study) = lower(j.study)
                             AND coalesce(k.outcome, '') = coalesce(j.outcome, ''))
             ORDER BY lower(j.study), j.outcome",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, i64>(9)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (n, study, outcome, domains, overall, tool, reviewer, at, file, id) = row?;
            let tool = Tool::parse(&tool)
                .ok_or_else(|| StoreError::Query(format!("unknown risk-of-bias tool {tool:?}")))?;
            let labels: Vec<String> =
                serde_json::from_str(&domains).map_err(|e| StoreError::Query(e.to_string()))?;
            let domains = labels
                .iter()
                .map(|l| judgement(tool, l))
                .collect::<Result<Vec<_>, _>>()?;
            out.push(StoredRob {
                id,
                row: RobRow {
                    row: usize::try_from(n).unwrap_or(0),
                    study,
                    outcome,
                    domains,
                    overall: judgement(tool, &overall)?,
                },
                tool,
                reviewer,
                at,
                file,
            });
        }
        Ok(out)
    }

    /// How many judgements were ever stored (superseded ones too).
    pub fn rob_rows(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM rob_judgements", [], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }
}

/// Schema for people's certainty judgements (migration 11).
pub(super) const OVERRIDES: &str = r#"
    CREATE TABLE certainty_overrides (
        id INTEGER PRIMARY KEY,
        intervention TEXT NOT NULL,
        outcome TEXT NOT NULL,
        measure TEXT,                    -- NULL: every measure of the cell
        domain TEXT NOT NULL,
        down INTEGER NOT NULL CHECK (down BETWEEN 0 AND 2),
        reason TEXT NOT NULL,
        reviewer TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TRIGGER certainty_overrides_kept BEFORE DELETE ON certainty_overrides
        BEGIN SELECT RAISE(ABORT, 'certainty judgements are kept'); END;
    CREATE TRIGGER certainty_overrides_fixed BEFORE UPDATE ON certainty_overrides
        BEGIN SELECT RAISE(ABORT, 'certainty judgements are kept'); END;
"#;

/// A person's judgement of one GRADE domain of a pooled cell.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredOverride {
    /// Its id (a later judgement has a larger one; 0 before it is stored).
    #[serde(skip)]
    pub id: i64,
    /// Intervention id.
    pub intervention: String,
    /// Outcome id.
    pub outcome: String,
    /// Measure, or every measure of the cell.
    pub measure: Option<String>,
    /// The domain (`risk_of_bias`, `inconsistency`, `imprecision`,
    /// `publication_bias`, `indirectness`).
    pub domain: String,
    /// Levels down (0 to 2).
    pub down: u8,
    /// Why.
    pub reason: String,
    /// Who.
    pub reviewer: String,
    /// When (UTC).
    pub at: String,
}

impl Review {
    /// Store a person's judgement of one domain (append-only).
    pub fn add_certainty_override(&mut self, o: &StoredOverride) -> Result<(), StoreError> {
        crate::model::input::check_text("the reason", &o.reason)?;
        crate::model::input::check_text("the reviewer's name", &o.reviewer)?;
        self.conn.execute(
            &format!(
                "INSERT INTO certainty_overrides(intervention, outcome, measure, domain, down, reason, reviewer, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, {NOW})"
            ),
            params![
                o.intervention,
                o.outcome,
                o.measure,
                o.domain,
                i64::from(o.down),
                o.reason,
                o.reviewer
            ],
        )?;
        Ok(())
    }

    /// The judgements that count: the latest per cell, measure and domain,
    /// oldest first.
    pub fn certainty_overrides(&self) -> Result<Vec<StoredOverride>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT o.intervention, o.outcome, o.measure, o.domain, o.down, o.reason, o.reviewer, o.at, o.id
             FROM certainty_overrides o
             WHERE o.id = (SELECT max(p.id) FROM certainty_overrides p
                           WHERE p.intervention = o.intervention AND p.outcome = o.outcome
                             AND coalesce(p.measure, '') = coalesce(o.measure, '')
                             AND p.domain = o.domain)
             ORDER BY o.id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(StoredOverride {
                intervention: r.get(0)?,
                outcome: r.get(1)?,
                measure: r.get(2)?,
                domain: r.get(3)?,
                down: u8::try_from(r.get::<_, i64>(4)?.clamp(0, 2)).unwrap_or(0),
                reason: r.get(5)?,
                reviewer: r.get(6)?,
                at: r.get(7)?,
                id: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
