//! The token bucket candidate: for a rate, the least burst the admissions allow (their
//! levels, drained at the rate, each admission adding the refresh's calls), and the 429s
//! where such a bucket holds too few tokens; the rate is the one that explains the most
//! 429s (see `limits.rs`).

use super::{peak_in, Call, Candidate, Policy, SEC};

const TOKEN_SLACK: f64 = 0.02;

/// For rate `r`: the least burst the admissions allow, and which rejections it explains.
/// `times`: each call's time in seconds from the first, and whether it was admitted.
fn bucket_at(times: &[(f64, bool)], rejected: &[usize], r: f64, cost: u32) -> (f64, Vec<bool>) {
    let cost = cost as f64;
    let mut e_last = 0.0f64;
    let mut t_last = f64::NEG_INFINITY;
    let mut need = cost;
    let mut before = Vec::with_capacity(rejected.len());
    for &(t, admitted) in times {
        // The level before the call (the tokens missing), not floored at a full bucket: one
        // full for longer than the slack's time reads below the slack, and refuses nothing.
        let level = e_last - r * (t - t_last);
        if admitted {
            e_last = level.max(0.0) + cost;
            t_last = t;
            need = need.max(e_last);
        } else {
            before.push(level);
        }
    }
    // A rate a hair from the true one moves the bucket's level by a hair: tolerate
    // `TOKEN_SLACK` of a token either way, or the exact rate is a knife-edge no grid finds.
    // The level is not floored, so a bucket full for longer than the slack's time refuses
    // nothing: floored, the slack had every 429 explained at a burst of one refresh by any
    // rate fast enough (a log of 8-call refreshes at 5 calls a second, burst 10, fitted as
    // 1.364 refreshes a second, burst 1, "explaining" all).
    let burst = (need - TOKEN_SLACK).ceil();
    let floor = burst - cost - TOKEN_SLACK;
    let explains = before.iter().map(|&d| d > floor).collect();
    debug_assert_eq!(before.len(), rejected.len());
    (burst, explains)
}

/// The least burst the admissions need at rate `r` ([`bucket_at`]'s, without the 429s).
fn need_at(times: &[(f64, bool)], r: f64, cost: u32) -> u32 {
    let cost = cost as f64;
    let (mut e_last, mut t_last, mut need) = (0.0f64, f64::NEG_INFINITY, cost);
    for &(t, _) in times.iter().filter(|c| c.1) {
        e_last = (e_last - r * (t - t_last)).max(0.0) + cost;
        t_last = t;
        need = need.max(e_last);
    }
    (need - TOKEN_SLACK).ceil() as u32
}

/// Whether a bucket of `rate` and `burst` admits every admitted call of `calls`.
pub(super) fn admits_all(calls: &[Call], rate: f64, burst: u32, cost: u32) -> bool {
    let t0 = calls.first().map_or(0, |c| c.t);
    let times: Vec<(f64, bool)> = (calls.iter())
        .map(|c| ((c.t - t0) as f64 / SEC as f64, c.admitted))
        .collect();
    need_at(&times, rate, cost) <= burst
}

/// The slowest rate in `(lo, hi)` at which the admissions need no more than `burst` (their
/// need falls as the rate rises), to a part in 100,000; `None` if even `hi` needs more.
fn slowest(
    times: &[(f64, bool)],
    cost: u32,
    burst: u32,
    (mut lo, mut hi): (f64, f64),
) -> Option<f64> {
    let fits = |r: f64| need_at(times, r, cost) <= burst;
    if !fits(hi) {
        return None;
    }
    while hi / lo > 1.000_01 {
        let mid = (lo * hi).sqrt();
        match fits(mid) {
            true => hi = mid,
            false => lo = mid,
        }
    }
    Some(hi)
}

/// The range of rates within `(lo, hi)` whose least bursts explain the most of the 429s
/// still `open`.
fn rates(
    times: &[(f64, bool)],
    rejected: &[usize],
    open: &[bool],
    cost: u32,
    (lo, hi): (f64, f64),
) -> (f64, f64) {
    let score = |e: &[bool]| e.iter().zip(open).filter(|(e, o)| **e && **o).count();
    let grid = |lo: f64, hi: f64, n: usize| -> Vec<f64> {
        (0..n)
            .map(|i| lo * (hi / lo).powf(i as f64 / (n - 1) as f64))
            .collect()
    };
    let scan = |rates: Vec<f64>| -> (usize, f64, f64) {
        let mut best = (0usize, rates[0], rates[0]);
        for r in rates {
            let (_, e) = bucket_at(times, rejected, r, cost);
            let s = score(&e);
            if s > best.0 {
                best = (s, r, r);
            } else if s == best.0 && s > 0 {
                best.2 = r;
            }
        }
        best
    };
    // A coarse scan, then zooms around the best range (the score is a step function).
    let mut best = scan(grid(lo, hi, 150));
    let mut step = (hi / lo).powf(1.0 / 149.0);
    // At a burst, the slowest rate the admissions allow explains the most (a faster one
    // drains the bucket more before each 429); where the refusals leave a burst's rate
    // within a hair, as a refresh of several calls does, the grid steps over it: a trial's
    // bucket of 5 calls a second, burst 10, for 8-call refreshes was fitted at 6.7, burst 8
    // (99 % of its 429s, where 5 and 10 explain all). The least bursts, and those beside
    // the grid's, are tried.
    let found = bucket_at(times, rejected, best.1, cost).0 as u32;
    let near = found.saturating_sub(2).max(cost + 9)..=found.saturating_add(2);
    for burst in (cost..=cost + 8).chain(near) {
        if let Some(r) = slowest(times, cost, burst, (lo, hi)) {
            let s = score(&bucket_at(times, rejected, r, cost).1);
            if s > best.0 {
                (best, step) = ((s, r, r), 1.01);
            }
        }
    }
    // Each zoom keeps the best found, where its grid steps over a narrower plateau.
    for _ in 0..5 {
        let (a, b) = (best.1 / step, best.2 * step);
        let zoomed = scan(grid(a, b, 40));
        if zoomed.0 >= best.0 {
            best = zoomed;
        }
        step = (b / a).powf(1.0 / 39.0);
    }
    (best.1, best.2)
}

pub(super) fn token_bucket(
    calls: &[Call],
    rejected: &[usize],
    open: &[bool],
    cost: u32,
) -> Candidate {
    let t0 = calls.first().map_or(0, |c| c.t);
    let times: Vec<(f64, bool)> = calls
        .iter()
        .map(|c| ((c.t - t0) as f64 / SEC as f64, c.admitted))
        .collect();
    let admitted = calls.iter().filter(|c| c.admitted).count().max(1) as f64;
    let span = ((calls.last().map_or(0, |c| c.t) - calls.first().map_or(0, |c| c.t)) as f64
        / SEC as f64)
        .max(1.0);
    let peak = peak_in(calls, SEC).max(1) as f64;
    let bounds = (
        (admitted * cost as f64 / span / 2.0).max(1e-6),
        peak * cost as f64 * 2.0,
    );
    let (rate_lo, rate_hi) = rates(&times, rejected, open, cost, bounds);
    let rate = (rate_lo * rate_hi).sqrt();
    let (b, explains) = bucket_at(&times, rejected, rate, cost);
    let burst_at = |r: f64| bucket_at(&times, rejected, r, cost).0 as u32;
    let (each, empty) = match cost {
        1 => (String::new(), "is empty".to_string()),
        c => (format!(" of {c} calls"), format!("holds fewer than {c}")),
    };
    let mut evidence = format!(
        "admissions{each} need a burst of {} at {:.3}/s; 429s where such a bucket {empty}",
        b as u32, rate
    );
    if cost == 1 && b <= 1.0 {
        // A bank counting calls refuses a refresh of several at a fraction of a refresh's
        // burst, which no bucket of whole refreshes does.
        evidence += "; a burst of one refresh: if a refresh makes several API calls at the \
                     bank, fit again with --calls-per-refresh";
    }
    Candidate {
        policy: Policy::TokenBucket {
            rate,
            burst: b as u32,
            rate_lo,
            rate_hi,
            burst_lo: burst_at(rate_hi),
            burst_hi: burst_at(rate_lo),
            during: None,
            unattended: false,
        },
        explains,
        likely: None,
        evidence,
    }
}
