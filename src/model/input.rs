//! Checks on what people type into a review: the free text kept beside their
//! work (decision notes, code-edit notes, reviewer names, snapshot labels)
//! and the shape of a screening decision (a reason goes with an exclusion).
//!
//! Every front end (the command line, a decisions CSV, the terminal and the
//! web app) stores through `store`, which calls these before writing, so
//! none can store what they refuse. Pure: no I/O.

use super::Label;

/// Something a person typed that the review will not keep.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// A control character other than tab and newline.
    #[error("{what} holds the control character U+{code:04X} at character {at}: only tab and newline may appear in it; remove it and try again")]
    ControlCharacter {
        /// What the text is (`note`, `reviewer name`, `snapshot label`).
        what: String,
        /// The character's code point.
        code: u32,
        /// Its position (1-based, in characters).
        at: usize,
    },
    /// An exclusion reason on a decision that does not exclude.
    #[error("an exclusion reason ({reason:?}) goes only with exclude, and this decision is {label}: drop the reason, or label the record exclude")]
    ReasonWithoutExclude {
        /// The decision's label.
        label: &'static str,
        /// The reason given.
        reason: String,
    },
    /// One of the above, on the decision of a record given by key.
    #[error("record {record}: {error}")]
    OfRecord {
        /// The record's key, as given.
        record: String,
        /// What is wrong.
        error: Box<InputError>,
    },
}

impl InputError {
    /// The same error, naming the record it is about.
    pub fn of_record(self, record: &str) -> InputError {
        InputError::OfRecord {
            record: record.to_string(),
            error: Box::new(self),
        }
    }
}

/// Refuse control characters other than tab and newline in `text` (a
/// carriage return just before a newline is part of the newline: text
/// written on Windows). `what` names the text in the error.
///
/// ```
/// use lacuna::model::input::check_text;
/// assert!(check_text("note", "line one\n\tline two\r\n").is_ok());
/// let e = check_text("note", "a\u{0}b").unwrap_err();
/// assert!(e.to_string().contains("U+0000 at character 2"));
/// ```
pub fn check_text(what: &str, text: &str) -> Result<(), InputError> {
    let mut chars = text.chars().enumerate().peekable();
    while let Some((i, c)) = chars.next() {
        let newline = c == '\n' || (c == '\r' && chars.peek().is_some_and(|(_, n)| *n == '\n'));
        if c.is_control() && c != '\t' && !newline {
            return Err(InputError::ControlCharacter {
                what: what.to_string(),
                code: u32::from(c),
                at: i + 1,
            });
        }
    }
    Ok(())
}

/// Refuse an exclusion reason on a decision that does not exclude (include
/// or maybe): the reason would be stored, and counted, against a record that
/// was kept.
///
/// ```
/// use lacuna::model::{input::check_reason_label, Label};
/// assert!(check_reason_label(Label::Exclude, Some("wrong_population")).is_ok());
/// assert!(check_reason_label(Label::Include, None).is_ok());
/// assert!(check_reason_label(Label::Include, Some("wrong_population")).is_err());
/// ```
pub fn check_reason_label(label: Label, reason: Option<&str>) -> Result<(), InputError> {
    match reason {
        Some(r) if label != Label::Exclude => Err(InputError::ReasonWithoutExclude {
            label: label.as_str(),
            reason: r.to_string(),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_character_but_tab_and_newline_is_refused() {
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            let r = check_text("note", &format!("ok{c}"));
            if c == '\t' || c == '\n' {
                assert!(r.is_ok(), "{c:?}");
            } else {
                assert_eq!(
                    r,
                    Err(InputError::ControlCharacter {
                        what: "note".into(),
                        code: u32::from(c),
                        at: 3
                    }),
                    "{c:?}"
                );
            }
        }
        assert!(check_text("note", "a lone \r here").is_err());
        assert!(check_text("label", "Überprüfung — 2026 ✓").is_ok());
    }

    #[test]
    fn a_reason_goes_with_exclude_only() {
        assert!(check_reason_label(Label::Maybe, Some("x")).is_err());
        assert!(check_reason_label(Label::Maybe, None).is_ok());
        let e = check_reason_label(Label::Include, Some("wrong_design")).unwrap_err();
        assert!(e.to_string().contains("this decision is include"), "{e}");
    }
}
