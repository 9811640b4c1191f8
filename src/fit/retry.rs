//! Retry-After: what the bank's 429s said about when to come back, over all of them and for
//! each policy found (whether it points to that policy's own release: the next window
//! boundary, the next midnight).

use super::limits::{Call, Found, Policy};
use super::log::{self, Seen};

/// What the 429s said about when to come back.
#[derive(Clone, Debug, PartialEq)]
pub enum RetryAfterFit {
    /// No 429 carried one (or there were no 429s).
    None { rejections: u64 },
    /// Always the same delay, in seconds.
    Fixed { secs: f64, rejections: u64 },
    /// Varying: the rejecting policy's own time (min, median, max seconds).
    Policy {
        with: u64,
        rejections: u64,
        min: f64,
        median: f64,
        max: f64,
    },
}

/// What the bank's 429s said, over all of them.
pub fn overall(rows: &[&log::Row]) -> RetryAfterFit {
    let rejections = rows.iter().filter(|r| r.seen == Seen::RateLimited).count() as u64;
    let mut v: Vec<f64> = rows
        .iter()
        .filter(|r| r.seen == Seen::RateLimited)
        .filter_map(|r| r.retry_after)
        .collect();
    v.sort_by(f64::total_cmp);
    match (v.first(), v.last()) {
        (None, _) | (_, None) => RetryAfterFit::None { rejections },
        (Some(&lo), Some(&hi)) if hi - lo < 1e-9 && v.len() as u64 == rejections => {
            RetryAfterFit::Fixed {
                secs: lo,
                rejections,
            }
        }
        (Some(&min), Some(&max)) => RetryAfterFit::Policy {
            with: v.len() as u64,
            rejections,
            min,
            median: v[v.len() / 2],
            max,
        },
    }
}

/// What the Retry-After of a found policy's 429s said, and whether it matches the policy's
/// own release time (to the second, as HTTP sends it) where the policy has one the log can
/// compute: a fixed window's next boundary, a calendar-day quota's midnight.
pub fn of_policy(calls: &[Call], f: &Found) -> Option<String> {
    let mut ra: Vec<(f64, i64)> = f
        .calls
        .iter()
        .filter_map(|&i| calls[i].retry_after.map(|r| (r, calls[i].t)))
        .collect();
    if ra.is_empty() {
        return None;
    }
    let period_us = match f.policy {
        Policy::FixedWindow { window_s, .. } => Some(window_s * 1_000_000),
        Policy::Quota { rolling: false, .. } => Some(86_400_000_000),
        _ => None,
    };
    let matching = period_us.map(|w| {
        ra.iter()
            .filter(|(r, t)| {
                let wait = (t.div_euclid(w) + 1) * w - t;
                (r - wait as f64 / 1e6).abs() <= 1.0
            })
            .count()
    });
    ra.sort_by(|a, b| a.0.total_cmp(&b.0));
    let median = ra[ra.len() / 2].0;
    let mut s = format!(
        "Retry-After on {} of its {} 429s (median {} s)",
        ra.len(),
        f.calls.len(),
        super::bank_file::sig(median, 3)
    );
    if let Some(m) = matching {
        let to = match f.policy {
            Policy::FixedWindow { .. } => "the next window boundary",
            _ => "the next midnight",
        };
        s.push_str(&format!(", {m} pointing to {to}"));
    }
    Some(s)
}
