//! A rate limiter that spaces requests evenly: at most `n` request starts in
//! any one-second window, shared by every client of the process that uses
//! the same rate (NCBI counts all E-utilities calls of an IP or key together).
//!
//! It holds its lock while a caller sleeps, so callers are served in turn and
//! no burst can form after an idle spell.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Spacing margin over `1/n` s, so that even a window that starts exactly on
/// a grant holds no more than `n` grants.
const MARGIN: f64 = 1.03;

/// Evenly spaced grants, at most `per_sec` in any second.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next: Mutex<Option<Instant>>,
    per_sec: u32,
}

impl RateLimiter {
    /// A private limiter (tests, benches, or a user with a raised NCBI limit).
    ///
    /// ```
    /// let l = lacuna::harvest::RateLimiter::new(50);
    /// let t = std::time::Instant::now();
    /// for _ in 0..3 { l.acquire(); }
    /// assert!(t.elapsed() >= std::time::Duration::from_millis(40));
    /// ```
    pub fn new(per_sec: u32) -> RateLimiter {
        let per_sec = per_sec.max(1);
        RateLimiter {
            interval: Duration::from_secs_f64(MARGIN / f64::from(per_sec)),
            next: Mutex::new(None),
            per_sec,
        }
    }

    /// The process-wide limiter for `per_sec` requests per second.
    pub fn process(per_sec: u32) -> Arc<RateLimiter> {
        static ALL: OnceLock<Mutex<HashMap<u32, Arc<RateLimiter>>>> = OnceLock::new();
        let all = ALL.get_or_init(|| Mutex::new(HashMap::new()));
        let mut map = all.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(per_sec)
            .or_insert_with(|| Arc::new(RateLimiter::new(per_sec)))
            .clone()
    }

    /// The allowed rate.
    pub fn per_sec(&self) -> u32 {
        self.per_sec
    }

    /// Wait until a request may start.
    pub fn acquire(&self) {
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let at = match *next {
            Some(t) if t > now => {
                std::thread::sleep(t - now);
                t
            }
            _ => now,
        };
        *next = Some(at + self.interval);
    }
}
