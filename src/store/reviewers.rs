//! The reviewers of a team review (`lacuna reviewer add|list|remove`): a
//! name and the SHA-256 of a random token. The token itself is printed once
//! when the reviewer is added and never stored, so a copy of the review
//! folder does not give access to a server serving it. Logins to the team
//! server are session ids, also stored only as their hash.

use super::{Review, StoreError, NOW};
use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

/// Schema for reviewers (migration 6).
pub(super) const MIGRATION: &str = r#"
    CREATE TABLE reviewers (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        token_sha256 TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    );
"#;

/// Schema for the team server's logins (migration 12): a session id per
/// login, kept as its SHA-256 only, ended by logout and by removing the
/// reviewer.
pub(super) const LOGINS: &str = r#"
    CREATE TABLE logins (
        id INTEGER PRIMARY KEY,
        reviewer_id INTEGER NOT NULL REFERENCES reviewers(id) ON DELETE CASCADE,
        session_sha256 TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    );
    CREATE INDEX logins_reviewer ON logins(reviewer_id);
"#;

/// A reviewer as listed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reviewer {
    /// Name (kept with each decision).
    pub name: String,
    /// When added (UTC).
    pub created_at: String,
}

/// Lower-case hex of bytes.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex SHA-256 of a text (a token is hashed trimmed).
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// Hex SHA-256 of a token.
fn hash(token: &str) -> String {
    sha256_hex(token.trim())
}

/// A fresh token: 32 bytes from the operating system's generator, as hex.
fn fresh_token() -> Result<String, StoreError> {
    let mut buf = [0u8; 32];
    getrandom::getrandom(&mut buf).map_err(|e| StoreError::Io {
        path: "the system's random generator".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(hex(&buf))
}

impl Review {
    /// Add a reviewer and return their token (shown once; only its hash is
    /// stored). An error if the name is empty or taken.
    pub fn add_reviewer(&mut self, name: &str) -> Result<String, StoreError> {
        let name = name.trim();
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(StoreError::Invalid(
                "a reviewer's name must be non-empty printable text".into(),
            ));
        }
        let exists: Option<i64> = self
            .conn
            .query_row("SELECT id FROM reviewers WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        if exists.is_some() {
            return Err(StoreError::Invalid(format!(
                "there is already a reviewer {name:?} (lacuna reviewer remove first to give them a new token)"
            )));
        }
        let token = fresh_token()?;
        self.conn.execute(
            &format!(
                "INSERT INTO reviewers(name, token_sha256, created_at) VALUES (?1, ?2, {NOW})"
            ),
            params![name, hash(&token)],
        )?;
        Ok(token)
    }

    /// Every reviewer, by name.
    pub fn reviewers(&self) -> Result<Vec<Reviewer>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT name, created_at FROM reviewers ORDER BY name")?;
        let rows = st.query_map([], |r| {
            Ok(Reviewer {
                name: r.get(0)?,
                created_at: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Remove a reviewer (their token and their logins stop working; their
    /// decisions stay). False if there was none by that name.
    pub fn remove_reviewer(&mut self, name: &str) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM logins WHERE reviewer_id IN (SELECT id FROM reviewers WHERE name = ?1)",
            [name.trim()],
        )?;
        let n = tx.execute("DELETE FROM reviewers WHERE name = ?1", [name.trim()])?;
        tx.commit()?;
        Ok(n > 0)
    }

    /// Start a login for a reviewer: a fresh session id (32 random bytes, as
    /// hex), of which only the SHA-256 is stored. `None` when there is no
    /// reviewer by that name.
    pub fn start_login(&mut self, name: &str) -> Result<Option<String>, StoreError> {
        let session = fresh_token()?;
        let n = self.conn.execute(
            &format!(
                "INSERT INTO logins(reviewer_id, session_sha256, created_at)
                 SELECT id, ?2, {NOW} FROM reviewers WHERE name = ?1"
            ),
            params![name.trim(), hash(&session)],
        )?;
        Ok((n > 0).then_some(session))
    }

    /// The reviewer a login's session id belongs to, if the login stands.
    pub fn reviewer_for_login(&self, session: &str) -> Result<Option<String>, StoreError> {
        if session.trim().is_empty() {
            return Ok(None);
        }
        Ok(self
            .conn
            .query_row(
                "SELECT r.name FROM logins l JOIN reviewers r ON r.id = l.reviewer_id
                 WHERE l.session_sha256 = ?1",
                [hash(session)],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// End a login (logout); false when it had ended already.
    pub fn end_login(&mut self, session: &str) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "DELETE FROM logins WHERE session_sha256 = ?1",
            [hash(session)],
        )?;
        Ok(n > 0)
    }

    /// The reviewer a token belongs to, if any.
    pub fn reviewer_for_token(&self, token: &str) -> Result<Option<String>, StoreError> {
        if token.trim().is_empty() {
            return Ok(None);
        }
        Ok(self
            .conn
            .query_row(
                "SELECT name FROM reviewers WHERE token_sha256 = ?1",
                [hash(token)],
                |r| r.get(0),
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_hash_is_sha256_hex() {
        // SHA-256("abc"), FIPS 180-2 example
        assert_eq!(
            super::hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
