//! Issue 31: the screening session keeps no record text and reads its
//! features from a cache in the review folder, made from the records as
//! they are. A session opened from the cache ranks exactly as one that
//! built its features; a cache out of date (an import since) or damaged
//! (cut short, a byte changed) is never used, and is made anew.

use crate::support::{demo_imported, lacuna, root, stderr};
use lacuna::model::Label;
use lacuna::pipeline::session::{features_cache, Session, SessionOptions};
use lacuna::store::Review;
use std::path::Path;

fn options() -> SessionOptions {
    SessionOptions {
        reviewer: "ana".into(),
        protocol: Some(root().join("protocols/complex-emotional-needs.toml")),
        target: 0.95,
        confidence: 0.95,
        rule: lacuna::screen::stop::DEFAULT,
    }
}

/// The first `n` picks of a session (key, rank, score bits), deciding each
/// (every third included) as it goes, in a copy of the review (its cache
/// copied back when the session made a new one).
fn picks(dir: &Path, n: usize) -> (Vec<(String, usize, u32)>, bool) {
    let copy = tempfile::tempdir().expect("tmp");
    for e in std::fs::read_dir(dir).expect("dir") {
        let e = e.expect("entry");
        if e.file_type().expect("type").is_file() {
            std::fs::copy(e.path(), copy.path().join(e.file_name())).expect("copy");
        }
    }
    // the cache goes with the copy when there is one
    let cache = features_cache(dir);
    if cache.is_file() {
        let to = features_cache(copy.path());
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(&cache, &to).expect("copy cache");
    }
    let mut review = Review::open(copy.path()).expect("open");
    let mut s = Session::open(&review, &options()).expect("session");
    // the cache the session left goes back to the review, as if it had
    // opened there
    let left = features_cache(copy.path());
    if left.is_file() && std::fs::read(&left).ok() != std::fs::read(&cache).ok() {
        std::fs::create_dir_all(cache.parent().expect("parent")).expect("mkdir");
        std::fs::copy(&left, &cache).expect("cache back");
    }
    let cached = s.features_from_cache();
    let mut out = Vec::new();
    for i in 0..n {
        let Some(p) = s.next_record() else { break };
        let key = s.key_of(p.index).expect("key");
        assert_eq!(
            s.record(p.index).map(|r| lacuna::store::key_text(&r.key())),
            Some(key.clone()),
            "the record shown is read from the store by its id"
        );
        out.push((key, p.rank, p.score.to_bits()));
        let label = if i % 3 == 0 {
            Label::Include
        } else {
            Label::Exclude
        };
        s.decide(&mut review, &p, label, None).expect("decide");
    }
    (out, cached)
}

#[test]
fn a_session_from_the_cache_ranks_exactly_as_one_that_built_its_features() {
    let (_t, dir) = demo_imported();
    let cache = features_cache(&dir);
    assert!(!cache.exists());
    // the first session builds the features and writes the cache
    let (built, from_cache) = picks(&dir, 30);
    assert!(!from_cache);
    assert!(cache.is_file(), "the first session leaves a cache");
    let (cached, from_cache) = picks(&dir, 30);
    assert!(from_cache, "the second session reads the cache");
    assert_eq!(built.len(), 30);
    assert_eq!(built, cached);
}

#[test]
fn a_cache_out_of_date_or_damaged_is_never_used() {
    let (t, dir) = demo_imported();
    let (fresh, _) = picks(&dir, 12);
    let cache = features_cache(&dir);
    let good = std::fs::read(&cache).expect("cache");

    // cut short, a byte changed in the weights' counts, garbage: the same
    // picks as a session that built its features, and a good cache again
    let mut bad = vec![
        good[..good.len() / 2].to_vec(),
        good[..good.len() - 1].to_vec(),
        b"not a cache".to_vec(),
    ];
    // a byte changed in each eighth of the file past its header
    for k in 1..8 {
        let mut flipped = good.clone();
        flipped[24 + (good.len() - 24) * k / 8] ^= 0x01;
        bad.push(flipped);
    }
    let mut longer = good.clone();
    longer.push(0);
    bad.push(longer);
    for (k, b) in bad.iter().enumerate() {
        std::fs::write(&cache, b).expect("write");
        let (p, from_cache) = picks(&dir, 12);
        assert!(!from_cache, "damaged cache {k} was used");
        assert_eq!(p, fresh, "damaged cache {k}");
    }

    // an import since: the cache is out of date, and is made anew
    std::fs::write(&cache, &good).expect("write");
    let file = t.path().join("new.jsonl");
    std::fs::write(
        &file,
        "{\"source_id\":\"zebra-1\",\"title\":\"Zebrafinch peer support for people with a personality disorder diagnosis: a randomised trial\",\"year\":2026}\n",
    )
    .expect("write");
    let o = lacuna(&[&"import", &dir, &file, &"-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let review = Review::open(&dir).expect("open");
    let s = Session::open(&review, &options()).expect("session");
    assert!(!s.features_from_cache(), "an out-of-date cache was used");
    assert_eq!(s.len(), review.count_current().expect("count") as usize);
    assert!(s.index_of_key("src:zebra-1").is_some());
    assert_ne!(std::fs::read(&cache).expect("cache"), good, "made anew");
}
