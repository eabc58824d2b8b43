//! Append-only logs beside the records: screening decisions, people's edits
//! to codes, study links, and extracted effect-size rows (the coding runs
//! themselves are written by `coding.rs`; their tables are created here).
//!
//! Nothing here is updated or deleted: a later row supersedes an earlier one
//! and the history stays. Each write is its own transaction (or one per
//! import), so a killed process loses at most the write in flight.

use super::{Review, StoreError, NOW};
use crate::model::input::{check_reason_label, check_text};
use crate::model::{Doi, EffectRow, Label, Pmid};
use rusqlite::{params, OptionalExtension};
use std::collections::{BTreeMap, BTreeSet};

/// Schema for the logs (migration 2).
pub(super) const MIGRATION: &str = r#"
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        record_id INTEGER NOT NULL REFERENCES records(id),
        stage TEXT NOT NULL,             -- 'title_abstract' | 'full_text'
        label TEXT NOT NULL CHECK (label IN ('include', 'exclude', 'maybe')),
        reason TEXT,
        reviewer TEXT NOT NULL,
        at TEXT NOT NULL,
        rank INTEGER,
        score REAL
    );
    CREATE INDEX decisions_record ON decisions(record_id, id);
    CREATE TABLE coding_runs (
        id INTEGER PRIMARY KEY,
        protocol_id TEXT NOT NULL,
        protocol_hash TEXT NOT NULL,
        at TEXT NOT NULL,
        records INTEGER NOT NULL
    );
    CREATE TABLE auto_codes (
        run_id INTEGER NOT NULL REFERENCES coding_runs(id),
        record_id INTEGER NOT NULL REFERENCES records(id),
        json TEXT NOT NULL,
        PRIMARY KEY (run_id, record_id)
    ) WITHOUT ROWID;
    CREATE TABLE code_edits (
        id INTEGER PRIMARY KEY,
        record_id INTEGER NOT NULL REFERENCES records(id),
        dimension TEXT NOT NULL,
        category TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('add', 'remove', 'confirm')),
        reviewer TEXT NOT NULL,
        note TEXT,
        at TEXT NOT NULL
    );
    CREATE TABLE study_links (
        id INTEGER PRIMARY KEY,
        record_id INTEGER NOT NULL REFERENCES records(id),
        study TEXT NOT NULL,
        by TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE effect_imports (
        id INTEGER PRIMARY KEY,
        file TEXT NOT NULL,
        at TEXT NOT NULL,
        rows INTEGER NOT NULL
    );
    CREATE TABLE effects (
        import_id INTEGER NOT NULL REFERENCES effect_imports(id),
        row INTEGER NOT NULL,
        record_id INTEGER NOT NULL REFERENCES records(id),
        key TEXT NOT NULL,               -- study|intervention|outcome|measure|comparison
        json TEXT NOT NULL,
        PRIMARY KEY (import_id, row)
    ) WITHOUT ROWID;
"#;

/// A stored coding run: its protocol hash and each record's coding JSON.
pub type CodingRun = (String, Vec<(i64, String)>);

/// A person's change to the auto-coding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditAction {
    /// Add a code the coder missed.
    Add,
    /// Remove a wrong code.
    Remove,
    /// Confirm a code.
    Confirm,
}

impl EditAction {
    fn as_str(self) -> &'static str {
        match self {
            EditAction::Add => "add",
            EditAction::Remove => "remove",
            EditAction::Confirm => "confirm",
        }
    }
}

/// A code edit as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CodeEdit {
    /// Record row id.
    pub record_id: i64,
    /// Dimension.
    pub dimension: String,
    /// Category id.
    pub category: String,
    /// `add`, `remove` or `confirm`.
    pub action: String,
    /// Who.
    pub reviewer: String,
    /// Why.
    pub note: Option<String>,
    /// When (UTC).
    pub at: String,
}

/// What the map needs to show a record.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Brief {
    /// Record key.
    pub key: String,
    /// PMID.
    pub pmid: Option<u64>,
    /// DOI.
    pub doi: Option<String>,
    /// Title.
    pub title: String,
    /// Year.
    pub year: Option<i32>,
    /// Retracted (see [`crate::model::Record::retracted`]).
    pub retracted: bool,
    /// Journal.
    pub journal: Option<String>,
    /// First author of the current version ("Last FM", or a collective name).
    pub first_author: Option<String>,
}

/// A decision as the log holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedDecision {
    /// Its id: decisions are numbered in the order they were made.
    pub id: i64,
    /// The record's store id.
    pub record: i64,
    /// `title_abstract`, `full_text` or `resolution`.
    pub stage: String,
    /// The label.
    pub label: Label,
    /// Who decided.
    pub reviewer: String,
}

impl Review {
    /// Find a record by PMID (`12345` or `pmid:12345`), DOI (`10.…` or
    /// `doi:10.…`) or its key (`src:…`, a bare source id).
    pub fn resolve(&self, key: &str) -> Result<Option<i64>, StoreError> {
        let k = key.trim();
        let pmid = k.strip_prefix("pmid:").unwrap_or(k);
        if let Ok(p) = Pmid::parse(pmid) {
            if pmid.bytes().all(|b| b.is_ascii_digit()) {
                return Ok(self
                    .conn
                    .query_row(
                        "SELECT id FROM records WHERE pmid = ?1",
                        [p.get() as i64],
                        |r| r.get(0),
                    )
                    .optional()?);
            }
        }
        let doi = k.strip_prefix("doi:").unwrap_or(k);
        if doi.starts_with("10.") || doi.contains("doi.org/") {
            if let Ok(d) = Doi::parse(doi) {
                return Ok(self
                    .conn
                    .query_row(
                        "SELECT id FROM records WHERE doi = ?1 ORDER BY id LIMIT 1",
                        [d.as_str()],
                        |r| r.get(0),
                    )
                    .optional()?);
            }
        }
        let src = if k.contains(':') {
            k.to_string()
        } else {
            format!("src:{k}")
        };
        Ok(self
            .conn
            .query_row("SELECT id FROM records WHERE key = ?1", [src], |r| r.get(0))
            .optional()?)
    }

    /// Record a screening decision (its own transaction: durable when this returns).
    pub fn add_decision(
        &mut self,
        record_id: i64,
        stage: &str,
        label: Label,
        reason: Option<&str>,
        reviewer: &str,
    ) -> Result<(), StoreError> {
        self.add_noted_decision(record_id, stage, label, reason, None, reviewer)
    }

    /// [`Review::add_decision`] with the reviewer's note.
    pub fn add_noted_decision(
        &mut self,
        record_id: i64,
        stage: &str,
        label: Label,
        reason: Option<&str>,
        note: Option<&str>,
        reviewer: &str,
    ) -> Result<(), StoreError> {
        check_reason_label(label, reason)?;
        check_text("the reviewer's name", reviewer)?;
        if let Some(n) = note {
            check_text("the note", n)?;
        }
        self.conn.execute(
            &format!("INSERT INTO decisions(record_id, stage, label, reason, note, reviewer, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, {NOW})"),
            params![record_id, stage, label.as_str(), reason, note, reviewer],
        )?;
        Ok(())
    }

    /// Record a decision made from the ranked queue, with the model's rank
    /// and score and the reviewer's note (its own transaction: durable when
    /// this returns). The decision's id.
    #[allow(clippy::too_many_arguments)]
    pub fn add_ranked_decision(
        &mut self,
        record_id: i64,
        label: Label,
        reason: Option<&str>,
        note: Option<&str>,
        reviewer: &str,
        rank: usize,
        score: f32,
    ) -> Result<i64, StoreError> {
        check_reason_label(label, reason)?;
        check_text("the reviewer's name", reviewer)?;
        if let Some(n) = note {
            check_text("the note", n)?;
        }
        self.conn.execute(
            &format!("INSERT INTO decisions(record_id, stage, label, reason, note, reviewer, at, rank, score) VALUES (?1, 'title_abstract', ?2, ?3, ?4, ?5, {NOW}, ?6, ?7)"),
            params![record_id, label.as_str(), reason, note, reviewer, rank as i64, f64::from(score)],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The id of the latest decision (0 before any): decisions after it are
    /// new to whoever read the log up to here.
    pub fn last_decision_id(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT coalesce(max(id), 0) FROM decisions", [], |r| {
                r.get(0)
            })?)
    }

    /// Every decision after decision `after`, in the order they were made.
    pub fn decisions_since(&self, after: i64) -> Result<Vec<LoggedDecision>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, record_id, stage, label, reviewer FROM decisions WHERE id > ?1 ORDER BY id",
        )?;
        let rows = st.query_map([after], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, record, stage, label, reviewer) = row?;
            if let Some(label) = Label::parse(&label) {
                out.push(LoggedDecision {
                    id,
                    record,
                    stage,
                    label,
                    reviewer,
                });
            }
        }
        Ok(out)
    }

    /// What one reviewer of a blind dual screening may see: each record's
    /// latest label among this reviewer's own title/abstract decisions and
    /// the resolutions of conflicts, ordered by the first of them.
    pub fn blind_sequence(&self, reviewer: &str) -> Result<Vec<(i64, Label)>, StoreError> {
        let mut st = self.conn.prepare(
            "WITH mine AS (SELECT id, record_id, label FROM decisions
                           WHERE (stage = 'title_abstract' AND reviewer = ?1) OR stage = 'resolution')
             SELECT d.record_id, d.label FROM mine d
             WHERE d.id = (SELECT max(id) FROM mine e WHERE e.record_id = d.record_id)
             ORDER BY (SELECT min(id) FROM mine f WHERE f.record_id = d.record_id)",
        )?;
        let rows = st.query_map([reviewer], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, l) = row?;
            if let Some(l) = Label::parse(&l) {
                out.push((id, l));
            }
        }
        Ok(out)
    }

    /// For each record, the reviewers with a title/abstract decision on it.
    pub fn screened_by(&self) -> Result<BTreeMap<i64, BTreeSet<String>>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT DISTINCT record_id, reviewer FROM decisions WHERE stage = 'title_abstract'",
        )?;
        let rows = st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        let mut out: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
        for row in rows {
            let (id, who) = row?;
            out.entry(id).or_default().insert(who);
        }
        Ok(out)
    }

    /// Each reviewer's latest title/abstract label per record, and whether a
    /// resolution (stage `resolution`) was recorded for the record after it.
    pub fn reviewer_labels(&self) -> Result<Vec<(i64, String, Label, bool)>, StoreError> {
        self.labels_where("1", None)
    }

    /// [`Review::reviewer_labels`] of one record.
    pub fn reviewer_labels_of(
        &self,
        record_id: i64,
    ) -> Result<Vec<(i64, String, Label, bool)>, StoreError> {
        self.labels_where("d.record_id = ?1", Some(record_id))
    }

    fn labels_where(
        &self,
        filter: &str,
        record_id: Option<i64>,
    ) -> Result<Vec<(i64, String, Label, bool)>, StoreError> {
        let mut st = self.conn.prepare(&format!(
            "SELECT d.record_id, d.reviewer, d.label,
                    EXISTS (SELECT 1 FROM decisions r WHERE r.record_id = d.record_id AND r.stage = 'resolution' AND r.id > d.id)
             FROM decisions d
             WHERE d.stage = 'title_abstract' AND {filter}
               AND d.id = (SELECT max(id) FROM decisions e WHERE e.record_id = d.record_id AND e.reviewer = d.reviewer AND e.stage = 'title_abstract')
             ORDER BY d.record_id, d.reviewer"
        ))?;
        let params: Vec<i64> = record_id.into_iter().collect();
        let rows = st.query_map(rusqlite::params_from_iter(params), |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, who, l, resolved) = row?;
            if let Some(l) = Label::parse(&l) {
                out.push((id, who, l, resolved));
            }
        }
        Ok(out)
    }

    /// Each decided record's latest label, ordered by its first decision.
    pub fn decision_sequence(&self) -> Result<Vec<(i64, Label)>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT d.record_id, d.label FROM decisions d
             WHERE d.id = (SELECT max(id) FROM decisions e WHERE e.record_id = d.record_id)
             ORDER BY (SELECT min(id) FROM decisions f WHERE f.record_id = d.record_id)",
        )?;
        let rows = st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, l) = row?;
            if let Some(l) = Label::parse(&l) {
                out.push((id, l));
            }
        }
        Ok(out)
    }

    /// Keys of the current records whose latest decision (any stage) is
    /// `include` (none while the review has no decision).
    pub fn included_keys(&self) -> Result<BTreeSet<String>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT r.key FROM decisions d JOIN records r ON r.id = d.record_id
             WHERE r.deleted = 0
               AND d.id = (SELECT max(id) FROM decisions e WHERE e.record_id = d.record_id)
               AND d.label = 'include'",
        )?;
        let keys = st
            .query_map([], |r| r.get(0))?
            .collect::<Result<BTreeSet<String>, _>>()?;
        Ok(keys)
    }

    /// Row ids of the records whose latest decision (any stage) is include;
    /// `None` while the review has no decision at all (then every record
    /// counts as included).
    pub fn included(&self) -> Result<Option<BTreeSet<i64>>, StoreError> {
        let any: i64 = self
            .conn
            .query_row("SELECT count(*) FROM decisions", [], |r| r.get(0))?;
        if any == 0 {
            return Ok(None);
        }
        let mut st = self.conn.prepare(
            "SELECT d.record_id FROM decisions d
             WHERE d.id = (SELECT max(id) FROM decisions e WHERE e.record_id = d.record_id)
               AND d.label = 'include'",
        )?;
        let ids = st
            .query_map([], |r| r.get(0))?
            .collect::<Result<BTreeSet<i64>, _>>()?;
        Ok(Some(ids))
    }

    /// Record a person's edit to a code.
    pub fn add_code_edit(
        &mut self,
        record_id: i64,
        dimension: &str,
        category: &str,
        action: EditAction,
        reviewer: &str,
        note: Option<&str>,
    ) -> Result<(), StoreError> {
        check_text("the reviewer's name", reviewer)?;
        if let Some(n) = note {
            check_text("the note", n)?;
        }
        self.conn.execute(
            &format!("INSERT INTO code_edits(record_id, dimension, category, action, reviewer, note, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, {NOW})"),
            params![record_id, dimension, category, action.as_str(), reviewer, note],
        )?;
        Ok(())
    }

    /// Every code edit, oldest first.
    pub fn code_edits(&self) -> Result<Vec<CodeEdit>, StoreError> {
        let mut st = self.conn.prepare("SELECT record_id, dimension, category, action, reviewer, note, at FROM code_edits ORDER BY id")?;
        let rows = st
            .query_map([], |r| {
                Ok(CodeEdit {
                    record_id: r.get(0)?,
                    dimension: r.get(1)?,
                    category: r.get(2)?,
                    action: r.get(3)?,
                    reviewer: r.get(4)?,
                    note: r.get(5)?,
                    at: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Link a record to a study (several papers of one trial share a study).
    pub fn link_study(&mut self, record_id: i64, study: &str, by: &str) -> Result<(), StoreError> {
        check_text("the study label", study)?;
        check_text("the reviewer's name", by)?;
        self.conn.execute(
            &format!(
                "INSERT INTO study_links(record_id, study, by, at) VALUES (?1, ?2, ?3, {NOW})"
            ),
            params![record_id, study, by],
        )?;
        Ok(())
    }

    /// Each linked record's current study.
    pub fn study_links(&self) -> Result<BTreeMap<i64, String>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT record_id, study FROM study_links ORDER BY id")?;
        let mut out = BTreeMap::new();
        let rows = st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (id, s) = row?;
            out.insert(id, s);
        }
        Ok(out)
    }

    /// Store validated effect rows from one sheet, with the study links they
    /// name, in one transaction.
    pub fn import_effects(
        &mut self,
        file: &str,
        rows: &[(i64, EffectRow)],
    ) -> Result<i64, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            &format!("INSERT INTO effect_imports(file, at, rows) VALUES (?1, {NOW}, ?2)"),
            params![file, rows.len() as i64],
        )?;
        let imp = tx.last_insert_rowid();
        {
            let mut st = tx.prepare("INSERT INTO effects(import_id, row, record_id, key, json) VALUES (?1, ?2, ?3, ?4, ?5)")?;
            let mut link = tx.prepare(&format!("INSERT INTO study_links(record_id, study, by, at) VALUES (?1, ?2, 'extract', {NOW})"))?;
            let mut linked = BTreeSet::new();
            for (id, r) in rows {
                let key = format!(
                    "{}|{}|{}|{:?}|{}",
                    r.study, r.intervention, r.outcome, r.measure, r.comparison
                );
                let json = serde_json::to_string(r).map_err(|e| StoreError::Corrupt {
                    id: *id,
                    message: e.to_string(),
                })?;
                st.execute(params![imp, r.row as i64, id, key, json])?;
                if linked.insert((*id, r.study.clone())) {
                    link.execute(params![id, r.study])?;
                }
            }
        }
        tx.commit()?;
        Ok(imp)
    }

    /// Current effect rows: for each study × intervention × outcome × measure ×
    /// comparison, the row from the latest import.
    pub fn effects(&self) -> Result<Vec<(i64, EffectRow)>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT e.record_id, e.json FROM effects e
             WHERE e.import_id = (SELECT max(import_id) FROM effects f WHERE f.key = e.key)
             ORDER BY e.import_id, e.row",
        )?;
        let rows = st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, json) = row?;
            let e: EffectRow = serde_json::from_str(&json).map_err(|e| StoreError::Corrupt {
                id,
                message: e.to_string(),
            })?;
            out.push((id, e));
        }
        Ok(out)
    }

    /// Key, identifiers, title and year of records.
    pub fn briefs(&self) -> Result<BTreeMap<i64, Brief>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT r.id, r.key, r.pmid, r.doi, r.title, r.year, r.retracted, r.journal,
                    json_extract(v.json, '$.authors[0]')
             FROM records r LEFT JOIN record_versions v
               ON v.record_id = r.id AND v.version = r.current_version
             WHERE r.deleted = 0",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                Brief {
                    key: r.get(1)?,
                    pmid: r
                        .get::<_, Option<i64>>(2)?
                        .and_then(|p| u64::try_from(p).ok()),
                    doi: r.get(3)?,
                    title: r.get(4)?,
                    year: r.get(5)?,
                    retracted: r.get(6)?,
                    journal: r.get(7)?,
                    first_author: r.get::<_, Option<String>>(8).ok().flatten(),
                },
            ))
        })?;
        rows.collect::<Result<BTreeMap<_, _>, _>>()
            .map_err(StoreError::from)
    }
}
