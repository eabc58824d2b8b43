//! Screening: the records' TF-IDF [`features`], the active-learning ranker
//! ([`rank`]: one settings type, three classifiers), a screening session's
//! queue ([`queue`]), the stopping rules and recall estimate ([`stop`]),
//! the replay of screening on labelled data ([`simulate`]) and Cohen's κ
//! ([`agreement`]). Pure: decisions live in the store (`store::log`), and
//! `pipeline::session` asks these functions what to show next.

pub mod agreement;
pub mod features;
pub mod queue;
pub mod rank;
pub mod simulate;
pub mod stop;

/// Shuffle `v` in place (Fisher–Yates) with a xorshift64 stream started at
/// `state` (not 0): the one seeded shuffle of screening.
pub(crate) fn shuffle(v: &mut [usize], mut state: u64) {
    for i in (1..v.len()).rev() {
        let j = (xorshift(&mut state) % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

/// The next number of a xorshift64 sequence (state must not be 0): the one
/// seeded generator of screening, so that a seed gives the same run.
pub(crate) fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}
