//! Fuzz target: any text as a search query on a small review (made once):
//! hits or an error saying what is wrong with the query, never a panic, and
//! in bounded time (libFuzzer's -timeout catches a slow one).
//! Run: `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run query -- -timeout=5`.

#![no_main]

use lacuna::progress::Silent;
use lacuna::store::Review;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static REVIEW: OnceLock<Option<Review>> = OnceLock::new();

fn review() -> Option<&'static Review> {
    REVIEW
        .get_or_init(|| {
            let dir = std::env::temp_dir().join(format!("lacuna-fuzz-query-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let mut r = Review::init(&dir).ok()?;
            let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/cen-demo.jsonl");
            lacuna::pipeline::import(&mut r, &[corpus], &Silent).ok()?;
            Some(r)
        })
        .as_ref()
}

fuzz_target!(|data: &[u8]| {
    let (Some(r), Ok(q)) = (review(), std::str::from_utf8(data)) else {
        return;
    };
    let _ = lacuna::pipeline::records::search(r, q, 10, &Silent);
});
