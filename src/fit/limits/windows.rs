//! The window and quota candidates: fixed and sliding windows of common lengths, and a
//! per-connection quota per calendar day or rolling 24 h (see `limits.rs`).

use super::{Call, Candidate, Policy, DAY, SEC};
use std::collections::{BTreeMap, VecDeque};

/// Window lengths tried, in seconds.
const WINDOWS: [i64; 17] = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400,
];

/// Of `cs`, the one that explains the most of the 429s still `open` (the first on ties).
fn best(cs: impl Iterator<Item = Candidate>, open: &[bool]) -> Candidate {
    cs.max_by(|a, b| {
        let (x, y) = (
            super::covered(&a.explains, open),
            super::covered(&b.explains, open),
        );
        x.cmp(&y).then(std::cmp::Ordering::Greater)
    })
    .expect("candidates")
}

pub(super) fn fixed(calls: &[Call], rejected: &[usize], open: &[bool]) -> Candidate {
    best(
        WINDOWS.iter().map(|&w| fixed_window(calls, rejected, w)),
        open,
    )
}

pub(super) fn sliding(calls: &[Call], rejected: &[usize], open: &[bool]) -> Candidate {
    best(
        WINDOWS.iter().map(|&w| sliding_window(calls, rejected, w)),
        open,
    )
}

/// A window fitted in refreshes, in the calls a window counts (`cost` a refresh): a window
/// that admitted `k` refreshes of `cost` calls at most holds `k × cost` calls, and refuses
/// where the `k` refreshes of the 429s above were.
pub(super) fn in_calls(mut c: Candidate, cost: u32) -> Candidate {
    if let Policy::FixedWindow { limit, .. } | Policy::SlidingWindow { limit, .. } = &mut c.policy {
        if cost > 1 {
            *limit *= cost;
            c.evidence += &format!("; {cost} calls an admission");
        }
    }
    c
}

pub(super) fn quota(calls: &[Call], rejected: &[usize], open: &[bool]) -> Candidate {
    best(
        [false, true]
            .into_iter()
            .map(|r| quota_of(calls, rejected, r)),
        open,
    )
}

/// The most admissions in any window `[k·w, (k+1)·w)` of `w` microseconds.
pub(super) fn peak_in(calls: &[Call], w: i64) -> u32 {
    let mut per: BTreeMap<i64, u32> = BTreeMap::new();
    for c in calls.iter().filter(|c| c.admitted) {
        *per.entry(c.t.div_euclid(w)).or_default() += 1;
    }
    per.values().copied().max().unwrap_or(0)
}

/// The most admissions in any `w` microseconds, the window sliding (`[t, t + w)`): what a
/// client's busiest hour sent past the bank, set against the hours a plan's setting sends.
pub(super) fn peak_sliding(calls: &[Call], w: i64) -> u32 {
    let mut t: Vec<i64> = calls.iter().filter(|c| c.admitted).map(|c| c.t).collect();
    t.sort_unstable();
    let (mut lo, mut most) = (0usize, 0usize);
    for hi in 0..t.len() {
        while t[hi] - t[lo] >= w {
            lo += 1;
        }
        most = most.max(hi + 1 - lo);
    }
    most as u32
}

fn fixed_window(calls: &[Call], rejected: &[usize], window_s: i64) -> Candidate {
    let w = window_s * SEC;
    let limit = peak_in(calls, w).max(1);
    let (mut idx, mut count) = (i64::MIN, 0u32);
    let mut explains = Vec::with_capacity(rejected.len());
    for c in calls {
        let k = c.t.div_euclid(w);
        if k != idx {
            (idx, count) = (k, 0);
        }
        if c.admitted {
            count += 1;
        } else {
            explains.push(count >= limit);
        }
    }
    Candidate {
        policy: Policy::FixedWindow { limit, window_s },
        likely: None,
        explains,
        evidence: format!("at most {limit} admissions in any {window_s} s window from midnight; 429s once a window had {limit}"),
    }
}

fn sliding_window(calls: &[Call], rejected: &[usize], window_s: i64) -> Candidate {
    let w = window_s * SEC;
    let mut recent: VecDeque<i64> = VecDeque::new();
    let mut limit = 1u32;
    let mut counts = Vec::with_capacity(rejected.len());
    for c in calls {
        while recent.front().is_some_and(|&t| t <= c.t - w) {
            recent.pop_front();
        }
        if c.admitted {
            recent.push_back(c.t);
            limit = limit.max(recent.len() as u32);
        } else {
            counts.push(recent.len() as u32);
        }
    }
    Candidate {
        policy: Policy::SlidingWindow { limit, window_s },
        likely: None,
        explains: counts.iter().map(|&n| n >= limit).collect(),
        evidence: format!(
            "at most {limit} admissions in any trailing {window_s} s; 429s when {limit} were"
        ),
    }
}

/// A per-connection quota on unattended calls (customer-present ones pass, and do not count).
fn quota_of(calls: &[Call], rejected: &[usize], rolling: bool) -> Candidate {
    let mut per: BTreeMap<u32, VecDeque<i64>> = BTreeMap::new();
    let mut k = 1u32;
    let mut counts = Vec::with_capacity(rejected.len());
    for c in calls {
        let q = per.entry(c.conn).or_default();
        if rolling {
            while q.front().is_some_and(|&t| t <= c.t - DAY) {
                q.pop_front();
            }
        } else if q
            .front()
            .is_some_and(|&t| t.div_euclid(DAY) != c.t.div_euclid(DAY))
        {
            q.clear();
        }
        if c.on_demand {
            if !c.admitted {
                counts.push(0);
            }
        } else if c.admitted {
            q.push_back(c.t);
            k = k.max(q.len() as u32);
        } else {
            counts.push(q.len() as u32);
        }
    }
    let period = if rolling {
        "rolling 24 h"
    } else {
        "calendar day"
    };
    Candidate {
        policy: Policy::Quota { k, rolling },
        likely: None,
        explains: counts.iter().map(|&n| n >= k).collect(),
        evidence: format!("at most {k} unattended admissions per connection per {period}; 429s for connections that had {k}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(t: i64, admitted: bool) -> Call {
        Call {
            t,
            end_lo: t,
            end_hi: t + 1,
            admitted,
            conn: 0,
            on_demand: false,
            retry_after: None,
        }
    }

    /// A burst across a window's boundary: the fixed windows split it, the sliding one
    /// holds it whole; refused calls count in neither.
    #[test]
    fn a_sliding_window_holds_a_burst_the_fixed_ones_split() {
        let calls: Vec<Call> = [95, 97, 99, 101, 103, 250, 98]
            .into_iter()
            .enumerate()
            .map(|(i, t)| call(t, i != 6))
            .collect();
        assert_eq!(peak_in(&calls, 100), 3);
        assert_eq!(peak_sliding(&calls, 100), 5);
        assert_eq!(peak_sliding(&calls, 5), 3);
        assert_eq!(peak_sliding(&[], 100), 0);
    }
}
