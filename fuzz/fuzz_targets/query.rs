//! Fuzz target: any text as a search query on a small review (made once,
//! the demo corpus):
//! hits or an error saying what is wrong with the query, never a panic, and
//! in bounded time (libFuzzer's -timeout catches a slow one).
//! Run: `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run query -- -timeout=5`.

#![no_main]

use lacuna::progress::Silent;
use lacuna::store::index::Searcher;
use lacuna::store::Review;
use libfuzzer_sys::fuzz_target;

thread_local! {
    // libFuzzer calls the target from one thread: one review and one
    // searcher for the run (a search's text goes to `Searcher::search`).
    static SEARCHER: Option<Searcher> = {
        let dir = std::env::temp_dir().join(format!("lacuna-fuzz-query-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Review::init(&dir).ok().and_then(|mut r| {
            let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/cen-demo.jsonl");
            lacuna::pipeline::import(&mut r, &[corpus], &Silent).ok()?;
            Searcher::open(&r).ok()
        })
    };
}

fuzz_target!(|data: &[u8]| {
    let Ok(q) = std::str::from_utf8(data) else {
        return;
    };
    SEARCHER.with(|s| {
        if let Some(s) = s {
            let _ = s.search(q, 10);
        }
    });
});
