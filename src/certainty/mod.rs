//! How sure: risk-of-bias judgements per study (RoB 2 and ROBINS-I, in
//! robvis's sheet layout) and, from them and a pooled result, GRADE's
//! certainty per pooled cell.
//!
//! Pure: no I/O, no clock. A sheet comes in as bytes and goes out as checked
//! [`RobRow`]s (every problem named by row and column, so that nothing is
//! stored when any row is wrong); `store::rob` keeps them append-only and
//! `pipeline::certainty` joins them to the pooled results.

pub mod grade;
pub mod rob;

pub use rob::{read_sheet, template, Judgement, RobRow, RobSheetError, Tool};
