//! Which rate-limit policies a bank's 429s are consistent with, from the timing of its
//! admissions and rejections.
//!
//! Every policy a bank has must admit every call it admitted, so the admitted calls bound
//! each candidate from below (the smallest cap, burst, window limit or quota that lets them
//! all through); a 429 is *explained* by a candidate when, at that instant, the candidate
//! would have refused (network calculus's two-sided bound on a token bucket; Le Boudec and
//! Thiran 2001). The candidates are the model's own policies: a concurrency cap (the
//! in-flight count at each call, from the censored end times, as a normal approximation to
//! its Poisson-binomial law), a token bucket (GCRA, for each rate on a grid the least burst
//! the admissions allow), fixed and sliding windows of common lengths, and a per-connection
//! daily quota (calendar day or rolling 24 h), and a penalty box (runs of 429s whose
//! Retry-After counts down to one instant, `penalty.rs`). Policies are chosen greedily: the
//! candidate that explains the most of the 429s not yet explained, until at most 1 % are
//! left.

use std::collections::BTreeMap;

mod band;
mod bucket;
mod penalty;
mod subset;
mod windows;
use bucket::token_bucket;
use windows::{peak_in, peak_sliding};

const SEC: i64 = 1_000_000;
const DAY: i64 = 86_400 * SEC;

/// One call at the bank (admitted or refused with 429), times in microseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Call {
    pub t: i64,
    /// Bounds on when an admitted call ended (`end_lo < end ≤ end_hi`; equal when exact).
    pub end_lo: i64,
    pub end_hi: i64,
    pub admitted: bool,
    pub conn: u32,
    pub on_demand: bool,
    /// A 429's Retry-After, in seconds.
    pub retry_after: Option<f64>,
}

/// A fitted policy, with the model's parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Policy {
    Concurrency {
        max_in_flight: u32,
        lo: u32,
        hi: u32,
    },
    TokenBucket {
        rate: f64,
        burst: u32,
        rate_lo: f64,
        rate_hi: f64,
        burst_lo: u32,
        burst_hi: u32,
        /// The band of whole hours it applies in (`during`), if not every hour.
        during: Option<(u8, u8)>,
        /// Whether it counts the unattended calls only (`applies_to = "unattended"`).
        unattended: bool,
    },
    FixedWindow {
        limit: u32,
        window_s: i64,
    },
    SlidingWindow {
        limit: u32,
        window_s: i64,
    },
    Quota {
        k: u32,
        rolling: bool,
    },
    PenaltyBox {
        duration_s: i64,
    },
}

/// A policy found, and what supports it.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    pub policy: Policy,
    /// 429s it explains (of those not explained by the policies found before it).
    pub explained: usize,
    /// 429s left to explain when it was chosen.
    pub of: usize,
    pub evidence: String,
    pub confidence: &'static str,
    /// The calls (indexes) whose 429s it explains.
    pub calls: Vec<usize>,
    /// Policies of other kinds that explain the same 429s: the log cannot tell
    /// them from this one.
    pub rivals: Vec<Policy>,
}

/// What the limits fit found for one bank.
#[derive(Clone, Debug, PartialEq)]
pub struct LimitsFit {
    pub found: Vec<Found>,
    pub rejections: usize,
    pub unexplained: usize,
    /// For each kind of policy not found: why, and what traffic would reveal one.
    pub not_identified: Vec<String>,
    /// The traffic that showed no rate limit (the busiest hour's admissions) or no cap (the
    /// most calls likely in flight): the file's `tested`.
    pub tested: crate::bank::Tested,
}

/// Ties go to the earlier in this order (indexes: cap, bucket, fixed window, sliding window,
/// quota, penalty box, bucket for a band of hours): a per-connection quota before windows,
/// which can mimic it when every connection has the same schedule.
const PREFER: [u8; KINDS] = [0, 1, 3, 4, 2, 5, 6];
/// The kinds of policy a fit tries.
const KINDS: usize = 7;
/// The penalty box's kind: its breaches are another policy's 429s.
const BOX: usize = 5;

/// A candidate's verdict on each rejection (indexes into the rejections).
struct Candidate {
    policy: Policy,
    explains: Vec<bool>,
    /// The 429s it makes likely, where that is less than consistent (a cap under polling:
    /// the chance that the calls in flight reached it is at least a half); what the
    /// candidates are ranked by.
    likely: Option<Vec<bool>>,
    evidence: String,
}

/// Fits the limits of one bank from its calls, sorted by time, each refresh `cost` API calls
/// at the bank: its token buckets and windows, which count calls, are fitted in calls (a
/// bucket of 5 calls a second and a burst of 10 admits one 8-call refresh in 1.6 s, and
/// no bucket counting refreshes, of a whole burst, refuses as it does); caps, quotas and
/// boxes count refreshes.
pub fn fit(calls: &[Call], surv: Survival, cost: u32) -> LimitsFit {
    let rejected: Vec<usize> = (0..calls.len()).filter(|&i| !calls[i].admitted).collect();
    let mut open = vec![true; rejected.len()];
    let mut found = Vec::new();
    let mut kinds_found = [false; KINDS];
    let mut identified = [false; KINDS];
    while found.len() < 4 {
        let left = open.iter().filter(|&&o| o).count();
        // A penalty box's breaches are few, but another policy refused each of them.
        let few = left * 100 <= rejected.len() && !kinds_found[BOX];
        if left == 0 || (few && !found.is_empty()) {
            break;
        }
        let Some(Choice {
            kind: k,
            candidate: c,
            likely: n,
            rivals,
        }) = choose(calls, &rejected, &open, &kinds_found, (surv, cost))
        else {
            break;
        };
        if n < 3 || n * 20 < left {
            break;
        }
        kinds_found[k] = true;
        // A rival's kind is no more unidentified than the one chosen.
        rivals.iter().for_each(|&(r, _)| identified[r] = true);
        let explained = covered(&c.explains, &open);
        let mut which = Vec::with_capacity(explained);
        for ((o, e), &i) in open.iter_mut().zip(&c.explains).zip(&rejected) {
            if *o && *e {
                which.push(i);
            }
            *o &= !e;
        }
        let confidence = confidence(explained, n, left, &c.policy, !rivals.is_empty());
        let f = Found {
            policy: c.policy,
            explained,
            of: left,
            evidence: c.evidence,
            confidence,
            calls: which,
            rivals: rivals.into_iter().map(|(_, p)| p).collect(),
        };
        found.push((k, c.explains, f));
    }
    refine(calls, &rejected, &mut found, (surv, cost));
    let band = (found.iter()).find_map(|(_, _, f)| match f.policy {
        Policy::TokenBucket {
            during: Some(b), ..
        } => Some(b),
        _ => None,
    });
    let found = found.into_iter().map(|(_, _, f)| f).collect();
    let unexplained = open.iter().filter(|&&o| o).count();
    // A bucket for a band of hours leaves the rate outside it unknown: said, and tested.
    let identified: [bool; KINDS] = std::array::from_fn(|k| identified[k] || kinds_found[k]);
    let (not_identified, tested) = not_identified(calls, &identified, surv, band);
    LimitsFit {
        not_identified,
        tested,
        found,
        rejections: rejected.len(),
        unexplained,
    }
}

/// The candidate of a kind not yet found that makes the most of the 429s still `open`
/// likely (ties by [`PREFER`]).
struct Choice {
    kind: usize,
    candidate: Candidate,
    /// How many 429s it makes likely.
    likely: usize,
    /// The other kinds' policies that make the same 429s likely: the log cannot tell them
    /// apart.
    rivals: Vec<(usize, Policy)>,
}

fn choose(
    calls: &[Call],
    rejected: &[usize],
    open: &[bool],
    kinds_found: &[bool; KINDS],
    bank: Bank,
) -> Option<Choice> {
    let mut all: Vec<(usize, Candidate, usize)> = (0..KINDS)
        .filter(|&k| !kinds_found[k])
        .map(|k| {
            let c = candidate(k, calls, rejected, open, bank);
            let n = covered(c.likely.as_ref().unwrap_or(&c.explains), open);
            (k, c, n)
        })
        .collect();
    all.sort_by(|a, b| b.2.cmp(&a.2).then(PREFER[a.0].cmp(&PREFER[b.0])));
    let mut all = all.into_iter();
    let (k, c, n) = all.next()?;
    // Which of the open 429s a candidate makes likely.
    let verdict = |c: &Candidate| -> Vec<bool> {
        let v = c.likely.as_ref().unwrap_or(&c.explains);
        v.iter().zip(open).map(|(e, o)| *e && *o).collect()
    };
    let chosen = verdict(&c);
    let rivals = all
        .filter(|r| r.2 == n && verdict(&r.1) == chosen)
        .map(|r| (r.0, r.1.policy))
        .collect();
    Some(Choice {
        kind: k,
        candidate: c,
        likely: n,
        rivals,
    })
}

/// How sure a found policy is: by the share of the 429s left that it makes consistent
/// (`explained`) and likely (`likely`), one level lower when the logs leave its numbers
/// a range (a cap known only within more than one call, a rate within more than 10 %) or
/// another kind of policy explains the same 429s (`rivalled`).
fn confidence(
    explained: usize,
    likely: usize,
    left: usize,
    p: &Policy,
    rivalled: bool,
) -> &'static str {
    let share = |k: usize| k * 100 / left.max(1);
    let level: usize = match (share(explained), share(likely), explained) {
        (95.., 50.., 20..) => 2,
        (50.., _, 5..) => 1,
        _ => 0,
    };
    let vague = match p {
        Policy::Concurrency { lo, hi, .. } => hi - lo > 1,
        Policy::TokenBucket {
            rate_lo, rate_hi, ..
        } => rate_hi / rate_lo > 1.1,
        _ => false,
    } || rivalled;
    ["low", "medium", "high"][if vague {
        level.saturating_sub(1)
    } else {
        level
    }]
}

/// What the candidates know of the bank beyond its calls: the service time's survival
/// function, and the API calls a refresh makes there.
type Bank<'a> = (Survival<'a>, u32);

/// The best candidate of a kind (0 cap, 1 bucket, 2 fixed window, 3 sliding window,
/// 4 quota, 5 penalty box, 6 bucket for a band of hours), judged on the rejections still
/// `open`.
fn candidate(
    kind: usize,
    calls: &[Call],
    rejected: &[usize],
    open: &[bool],
    (surv, cost): Bank,
) -> Candidate {
    match kind {
        0 => concurrency(calls, rejected, open, surv),
        1 => subset::or_unattended(
            token_bucket(calls, rejected, open, cost),
            (calls, rejected, open),
            |c, r, o| token_bucket(c, r, o, cost),
        ),
        2 => windows::in_calls(windows::fixed(calls, rejected, open), cost),
        3 => windows::in_calls(windows::sliding(calls, rejected, open), cost),
        4 => windows::quota(calls, rejected, open),
        5 => penalty::penalty_box(calls, rejected),
        _ => subset::or_unattended(
            band::banded_bucket(calls, rejected, open, cost),
            (calls, rejected, open),
            |c, r, o| band::banded_bucket(c, r, o, cost),
        ),
    }
}

/// How many of the rejections still `open` a verdict covers.
fn covered(verdict: &[bool], open: &[bool]) -> usize {
    verdict.iter().zip(open).filter(|(e, o)| **e && **o).count()
}

/// With several policies found, each is fitted again on the 429s the others do not explain
/// (the greedy pass fitted the first on 429s that later ones explain better), and kept if it
/// explains as many of them.
fn refine(calls: &[Call], rejected: &[usize], found: &mut [(usize, Vec<bool>, Found)], bank: Bank) {
    if found.len() < 2 {
        return;
    }
    for j in 0..found.len() {
        let open: Vec<bool> = (0..rejected.len())
            .map(|r| !found.iter().enumerate().any(|(i, f)| i != j && f.1[r]))
            .collect();
        let c = candidate(found[j].0, calls, rejected, &open, bank);
        // A candidate that explains none (a band no longer seen) replaces nothing.
        let some = c.explains.iter().zip(&open).any(|(e, o)| *e && *o);
        if some && covered(&c.explains, &open) >= covered(&found[j].1, &open) {
            found[j].2.policy = c.policy;
            found[j].2.evidence = c.evidence;
        }
    }
}

/// The calls in flight at the bank when a call arrived.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Load {
    /// Certainly in flight (their end bound is later).
    certain: u32,
    /// Mean and variance of how many of the others were (each with the chance, under the
    /// fitted service time, that its censored end is later).
    mean: f64,
    var: f64,
    /// Possibly in flight: the certain ones and every one whose end may be later.
    possible: u32,
}

/// The load at each call.
fn in_flight(calls: &[Call], surv: Survival) -> Vec<Load> {
    let mut active: Vec<(i64, i64, i64)> = Vec::new();
    let mut out = Vec::with_capacity(calls.len());
    let s = |start: i64, at: i64| surv((at - start) as f64 / SEC as f64);
    for c in calls {
        active.retain(|&(_, _, hi)| hi > c.t);
        let mut certain = 0;
        let (mut m, mut v) = (0.0, 0.0);
        let possible = active.len() as u32;
        for &(start, lo, hi) in &active {
            if lo >= c.t {
                certain += 1;
            } else {
                // P(end > t | lo < end <= hi) under the fitted service time.
                let (sl, sh) = (s(start, lo), s(start, hi));
                let p = if sl - sh > 1e-12 {
                    ((s(start, c.t) - sh) / (sl - sh)).clamp(0.0, 1.0)
                } else {
                    (hi - c.t) as f64 / (hi - lo).max(1) as f64
                };
                m += p;
                v += p * (1.0 - p);
            }
        }
        out.push(Load {
            certain,
            mean: m,
            var: v,
            possible,
        });
        if c.admitted {
            active.push((c.t, c.end_lo, c.end_hi));
        }
    }
    out
}

/// The fitted service time's survival function (seconds → probability).
pub type Survival<'a> = &'a dyn Fn(f64) -> f64;

/// P(N ≥ cap) under the normal approximation (continuity-corrected), 0 when even every
/// call possibly in flight would not reach it.
fn p_at_least(cap: u32, l: Load) -> f64 {
    if l.possible < cap {
        return 0.0;
    }
    let x = cap as f64 - 0.5 - l.certain as f64 - l.mean;
    let v = l.var;
    if v < 1e-9 {
        return if x <= 0.0 { 1.0 } else { 0.0 };
    }
    0.5 * statrs::function::erf::erfc(x / (2.0 * v).sqrt())
}

/// The cap of highest likelihood: admissions below it, the 429s still `open` at or above
/// it (those explained by policies already found say nothing about a cap). A cap no higher
/// than the calls certainly in flight at an admission is impossible, not unlikely: it is
/// not tried (else a bank whose 429s come from elsewhere, a penalty box, could be fitted a
/// cap of 1 that its own admissions rule out).
fn concurrency(calls: &[Call], rejected: &[usize], open: &[bool], surv: Survival) -> Candidate {
    let n = in_flight(calls, surv);
    let mut counts = vec![true; calls.len()];
    for (&i, &o) in rejected.iter().zip(open) {
        counts[i] = o;
    }
    // The cap exceeds every certain count at an admission.
    let lo = calls
        .iter()
        .zip(&n)
        .filter(|(c, _)| c.admitted)
        .map(|(_, l)| l.certain + 1)
        .max()
        .unwrap_or(1);
    let top = n.iter().map(|l| l.possible).max().unwrap_or(0) + 2;
    let mut best = (f64::NEG_INFINITY, lo);
    for cap in lo..=top.min(100_000) {
        let mut ll = 0.0;
        for ((c, &x), _) in calls.iter().zip(&n).zip(&counts).filter(|(_, &k)| k) {
            let p = p_at_least(cap, x);
            ll += if c.admitted {
                (1.0 - p).max(1e-6).ln()
            } else {
                p.max(1e-3).ln()
            };
        }
        if ll > best.0 {
            best = (ll, cap);
        }
    }
    let cap = best.1;
    let explains: Vec<bool> = rejected.iter().map(|&i| n[i].possible >= cap).collect();
    // A 429 is consistent with the cap when the calls possibly in flight reach it. Bounds:
    // `lo`, and at most the possible count at each 429 it explains.
    let hi = rejected
        .iter()
        .zip(&explains)
        .filter(|(_, &e)| e)
        .map(|(&i, _)| n[i].possible)
        .min()
        .unwrap_or(u32::MAX);
    let at_cap = calls
        .iter()
        .zip(&n)
        .filter(|(c, x)| c.admitted && p_at_least(cap - 1, **x) > 0.5)
        .count();
    let evidence = format!(
        "{at_cap} admissions with about {} in flight, 429s at {cap} or more",
        cap - 1
    );
    Candidate {
        policy: Policy::Concurrency {
            max_in_flight: cap,
            lo: lo.min(cap),
            hi: hi.max(cap),
        },
        likely: Some(
            rejected
                .iter()
                .map(|&i| p_at_least(cap, n[i]) >= 0.5)
                .collect(),
        ),
        explains,
        evidence,
    }
}

/// For each kind not found: the most the bank admitted without showing it, and what would
/// reveal it; and that traffic, where no rate limit or no cap was found. Where a bucket for a
/// band of hours was found, the rate outside it (a trial read a bucket fitted for 17:00–18:00
/// and then "rate limit: not identifiable" as a contradiction).
fn not_identified(
    calls: &[Call],
    found: &[bool; KINDS],
    surv: Survival,
    band: Option<(u8, u8)>,
) -> (Vec<String>, crate::bank::Tested) {
    let mut out = Vec::new();
    let mut tested = crate::bank::Tested::default();
    let n = in_flight(calls, surv);
    let admitted = || calls.iter().zip(&n).filter(|(c, _)| c.admitted);
    // Counting the admitted call itself: the calls certainly in flight bound a cap from
    // below; the likely count (the uncertain ones at their mean) is only an estimate.
    let certain = admitted().map(|(_, l)| l.certain + 1).max().unwrap_or(0);
    let likely = admitted()
        .map(|(_, l)| l.certain + l.mean.round() as u32 + 1)
        .max()
        .unwrap_or(0);
    if !found[0] {
        tested.in_flight = Some(likely.max(1));
        out.push(format!("concurrency cap: not identifiable from these logs; at one admission {certain} calls were certainly in flight counting it (about {likely} likely at the busiest), so a cap, if the bank has one, is at least {certain} (more calls at once would reveal one)"));
    }
    if !found[1] && !found[2] && !found[3] {
        let (rated, outside) = match band {
            Some((from, to)) => (
                (calls.iter())
                    .filter(|c| !(from as usize..to as usize).contains(&band::hour(c.t)))
                    .copied()
                    .collect(),
                format!(" outside {from:02}:00–{to:02}:00"),
            ),
            None => (calls.to_vec(), String::new()),
        };
        // The file's `tested` is every hour's (what a plan's busiest hour is set against).
        tested.per_hour = Some((peak_sliding(calls, 3600 * SEC) as u64).max(1));
        let hour = peak_sliding(&rated, 3600 * SEC);
        out.push(format!(
            "rate limit{outside}: not identifiable from these logs; up to {} admissions in 1 s, {} in 1 min and {hour} in 1 h passed (a burstier or faster client would reveal a bucket or window)",
            peak_in(&rated, SEC),
            peak_in(&rated, 60 * SEC),
        ));
    }
    if !found[4] {
        let mut per: BTreeMap<(u32, i64), u32> = BTreeMap::new();
        for c in calls.iter().filter(|c| c.admitted && !c.on_demand) {
            *per.entry((c.conn, c.t.div_euclid(DAY))).or_default() += 1;
        }
        let most = per.values().copied().max().unwrap_or(0);
        // (None where the log had no unattended call: it tested nothing.)
        tested.per_connection_day = (most > 0).then_some(most);
        out.push(format!("per-connection quota: not identifiable from these logs; up to {most} unattended calls per connection per day passed (more refreshes of one connection a day would reveal one)"));
    }
    (out, tested)
}
