//! Screening: the active-learning ranker ([`rank`]), the stopping rules and
//! recall estimate ([`stop`]), and the replay of screening on labelled data
//! ([`simulate`]). Pure: decisions live in the store (`store::log`), and the
//! binary or a page asks these functions what to show next.

pub mod agreement;
pub mod queue;
pub mod rank;
pub mod simulate;
pub mod stop;
