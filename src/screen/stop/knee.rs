//! The knee method (Cormack & Grossman 2016, "Engineering quality and
//! reliability in technology-assisted review", SIGIR): stop once the gain
//! curve has bent enough. A heuristic: it states no error rate.

/// The knee method: stop when the slope of the gain curve before its knee is
/// at least 6 times the slope after it, once 150 records are screened.
pub fn knee(seen: &[bool]) -> bool {
    let n = seen.len();
    if n < 150 {
        return false;
    }
    let mut cum = Vec::with_capacity(n);
    let mut r = 0.0f64;
    for x in seen {
        if *x {
            r += 1.0;
        }
        cum.push(r);
    }
    let (xc, yc) = (n as f64, r);
    if yc == 0.0 {
        return false;
    }
    // knee: the point farthest above the chord from (0, 0) to (xc, yc)
    let mut best = (0usize, f64::MIN);
    for (i, y) in cum.iter().enumerate() {
        let x = i as f64 + 1.0;
        let d = y * xc - x * yc;
        if d > best.1 {
            best = (i, d);
        }
    }
    let xk = best.0 as f64 + 1.0;
    let yk = cum.get(best.0).copied().unwrap_or(0.0);
    if xk >= xc {
        return false;
    }
    let ratio = (yk / xk) / ((yc - yk + 1.0) / (xc - xk));
    ratio >= 6.0
}
