//! The client's retries, read off the log: the most attempts a refresh had, which outcomes
//! it retried, how long it waited before each retry (the backoff's base, cap and jitter,
//! `crate::retry`) and whether it waited out a 429's Retry-After.
//!
//! Left out, they made a trial's fitted file 4.5 points too optimistic about the client the
//! log came from: its workers held their slots through a maintenance window's Retry-After.
//! A retry is a row whose `attempt` follows the same connection's previous row's, which
//! failed; its wait is from when the client learned that failure to the retry's submission
//! (a worker that keeps its slot retries at once when the wait is over). Whether a waiting
//! worker kept its slot is not in a log: the file keeps the default (`hold`) and says so.

use super::bank_file::duration;
use super::log::{Row, Seen, Warning};
use crate::output::text::thousands;
use crate::retry::Jitter;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Waits within this of the Retry-After (µs) waited it out (HTTP gives whole seconds).
const SLACK_US: i64 = 1_000;
/// A share of retries after a Retry-After that waited it out, at least this: honoured.
const HONOURED: f64 = 0.95;
/// Waits before a retry needed to read a cap from their longest.
const CAP_WAITS: u64 = 20;
/// A wait this many times its retry's median is no backoff ([`backoffs_only`]).
const OUTLIER: f64 = 8.0;
/// Waits before the first retry whose median is longer than this (seconds) are no
/// backoff but passes back through the client's queue ([`requeued`]): retry libraries cap
/// their backoffs at seconds to minutes (refresh-sim's default cap is 5 minutes).
const PASS_S: f64 = 300.0;
/// How a warning about passes numbered as retries begins.
pub const REQUEUED: &str = "attempts numbered 2 or more";

/// What the log shows of the client's retries.
#[derive(Clone, Debug, PartialEq)]
pub struct RetriesFit {
    /// Retries seen (attempts after a failed one of the same connection).
    pub retries: u64,
    pub max_attempts: u32,
    /// Retries after a 429 (or a closed bank's 503) and after a 5xx, and how many of each
    /// failure the log had.
    pub after_rate_limited: u64,
    pub after_error: u64,
    pub rate_limited: u64,
    pub errors: u64,
    /// The backoff, from the retries whose failure carried no Retry-After.
    pub backoff: Option<Backoff>,
    /// Of the retries after a Retry-After that outlasted the longest backoff (the ones that
    /// tell), those that waited it out, and how many there were.
    pub waited_out: (u64, u64),
    /// The jitter past an honoured Retry-After (seconds): the most a retry came after it
    /// where the backoff could not have been longer.
    pub retry_after_jitter_s: f64,
}

/// The backoff before retry `n`: `min(cap, base·2^n)`, jittered.
#[derive(Clone, Debug, PartialEq)]
pub struct Backoff {
    pub base_s: f64,
    /// `None`: the waits doubled at every retry seen, so no cap was reached.
    pub cap_s: Option<f64>,
    pub jitter: Jitter,
    /// The waits it is read from, their shortest and longest before the first retry seen,
    /// and the longest of all (seconds).
    pub waits: u64,
    pub first: (f64, f64),
    pub longest: f64,
}

impl RetriesFit {
    /// Whether waits after a Retry-After lasted at least it.
    pub fn honours_retry_after(&self) -> Option<bool> {
        let (k, n) = self.waited_out;
        (n > 0).then_some(k as f64 >= HONOURED * n as f64)
    }

    /// The `[retry]` section, each setting with its evidence.
    pub fn toml(&self, s: &mut String) {
        let n = |x: u64| thousands(x as f64);
        let _ = writeln!(
            s,
            "[retry]\nmax_attempts = {}  # the most attempts a refresh had: {} retries in the \
             log, {} after a 429 or a closed bank's 503 (of the client's {}), {} after a 5xx \
             (of {})",
            self.max_attempts,
            n(self.retries),
            n(self.after_rate_limited),
            n(self.rate_limited),
            n(self.after_error),
            n(self.errors)
        );
        let on: Vec<String> = self.on().iter().map(|o| format!("\"{o}\"")).collect();
        let _ = writeln!(
            s,
            "on = [{}]  # the failures a retry followed (and any the log never had)",
            on.join(", ")
        );
        match &self.backoff {
            Some(b) => b.toml(s),
            None => {
                let _ = writeln!(
                    s,
                    "# backoff: every retry followed a Retry-After, so the waits say nothing of \
                     one (base, cap and jitter left at their defaults)"
                );
            }
        }
        if let Some(honour) = self.honours_retry_after() {
            let (k, of) = self.waited_out;
            let _ = writeln!(
                s,
                "honour_retry_after = {honour}  # {} of {} retries after a Retry-After longer \
                 than the backoff waited it out",
                n(k),
                n(of)
            );
            if honour && self.retry_after_jitter_s > 0.0 {
                let _ = writeln!(
                    s,
                    "retry_after_jitter = \"{}\"  # the most a retry came after a Retry-After \
                     the backoff did not outlast",
                    duration(self.retry_after_jitter_s)
                );
            }
        }
        let _ = writeln!(
            s,
            "# backoff_slot: a log does not say whether a worker waiting to retry kept its \
             slot; \"hold\", the default, keeps it\n"
        );
    }

    /// The outcomes retried (`[retry] on`): those a retry followed, and those the log never
    /// had (nothing says the client would not retry them).
    pub fn on(&self) -> Vec<&'static str> {
        let mut on = Vec::new();
        if self.after_rate_limited > 0 || self.rate_limited == 0 {
            on.push("rate_limited");
        }
        if self.after_error > 0 || self.errors == 0 {
            on.push("error");
        }
        on
    }
}

/// The retries of `rows` (sorted by submission), `None` when the log has none, or when its
/// attempts numbered 2 and up are passes back through the queue ([`requeued`]).
pub fn fit(rows: &[Row]) -> Option<RetriesFit> {
    let pairs = retries(rows);
    if pairs.is_empty() || requeued(rows).is_some() {
        return None;
    }
    let limited = |s: Seen| matches!(s, Seen::RateLimited | Seen::Outage);
    let own = rows.iter().filter(|r| !r.on_demand);
    let plain = plain_waits(&pairs);
    let backoff = backoff(&plain);
    // A Retry-After counts from the refusal (the call's submission), the backoff from when
    // the client learned of it: `(the retry's time after the refusal, after the learning,
    // the Retry-After, the retry's n)`, in µs.
    let after_ra: Vec<(i64, i64, i64, u32)> = pairs
        .iter()
        .filter_map(|(p, r)| {
            let ra = (p.retry_after? * 1e6).round() as i64;
            let (since, gap) = (r.submitted - p.submitted, r.submitted - p.learned);
            Some((since, gap, ra, p.attempt - 1))
        })
        .collect();
    // Only a Retry-After that ends after the longest backoff could tells whether it was
    // waited out (a long backoff outlasts a short one whatever the client does); there, the
    // wait is it plus the jitter.
    let longest = |n: u32| backoff.as_ref().map_or(0, |b| (b.at(n) * 1e6) as i64);
    let telling: Vec<(i64, i64)> = after_ra
        .iter()
        .filter(|(since, gap, ra, n)| ra - (since - gap) > longest(*n))
        .map(|&(since, _, ra, _)| (since, ra))
        .collect();
    let past: Vec<i64> = telling
        .iter()
        .filter(|(since, ra)| since + SLACK_US >= *ra)
        .map(|(since, ra)| (since - ra).max(0))
        .collect();
    let waited = past.len() as u64;
    let jitter = past.iter().copied().max().unwrap_or(0);
    Some(RetriesFit {
        retries: pairs.len() as u64,
        max_attempts: pairs.iter().map(|(_, r)| r.attempt).max().unwrap_or(1),
        after_rate_limited: pairs.iter().filter(|(p, _)| limited(p.seen)).count() as u64,
        after_error: pairs.iter().filter(|(p, _)| p.seen == Seen::Error).count() as u64,
        rate_limited: own.clone().filter(|r| limited(r.seen)).count() as u64,
        errors: own.filter(|r| r.seen == Seen::Error).count() as u64,
        backoff,
        waited_out: (waited, telling.len() as u64),
        retry_after_jitter_s: jitter as f64 / 1e6,
    })
}

/// `(n, wait µs)` of each retry after a failure without a Retry-After: its number (1 for
/// the first retry) and the wait from when the client learned of the failure.
fn plain_waits(pairs: &[(&Row, &Row)]) -> Vec<(u32, i64)> {
    pairs
        .iter()
        .filter(|(p, _)| p.retry_after.is_none())
        .map(|(p, r)| (p.attempt - 1, r.submitted - p.learned))
        .collect()
}

/// A log whose attempts numbered 2 and up are passes back through the client's queue, not
/// a retry policy's: the median wait before the first retry seen is over [`PASS_S`] (the
/// default backoff cap; retry libraries cap theirs at seconds to minutes). A wait counts
/// from when the client learned of the failure, or from the end of its Retry-After where it
/// had one (a bank that sends one on every 429 left no other wait to read); waits after a
/// closed bank's 503 are left out (a client may wait for it to reopen). A worker does not
/// hold its slot that long to retry; a queue that takes a failed connection up again on its
/// next pass does, and refresh-sim's clients do that themselves. Fitted as retries, a
/// trial's log that numbered each pass read a 98-attempt policy with a 20.6-hour backoff,
/// which held slots for a day and cut the simulated coverage from 84 % to 22 %; a smaller
/// book's passes came round in half an hour, and read a 58-attempt policy. The warning says
/// what was seen and why no `[retry]` is written.
pub fn requeued(rows: &[Row]) -> Option<Warning> {
    let pairs = retries(rows);
    let waits: Vec<(u32, i64)> = pairs
        .iter()
        .filter(|(p, _)| p.seen != Seen::Outage)
        .map(|(p, r)| {
            let wait = match p.retry_after {
                Some(ra) => r.submitted - p.submitted - (ra * 1e6).round() as i64,
                None => r.submitted - p.learned,
            };
            (p.attempt - 1, wait)
        })
        .collect();
    let n0 = waits.iter().map(|w| w.0).min()?;
    let mut first: Vec<i64> = waits.iter().filter(|w| w.0 == n0).map(|w| w.1).collect();
    first.sort_unstable();
    let s = |us: i64| match us.max(0) as f64 / 1e6 {
        x if x >= 3600.0 => format!("{:.1} h", x / 3600.0),
        x if x >= 60.0 => format!("{:.1} min", x / 60.0),
        x => format!("{x:.0} s"),
    };
    let median = first[(first.len() - 1) / 2];
    (median as f64 / 1e6 > PASS_S).then(|| Warning {
        count: first.len() as u64,
        what: format!(
            "{REQUEUED} came {} to {} (median {}) after the failure before them (after its \
             Retry-After, where it had one) at the first retry seen: passes back through the \
             client's queue, not a retry policy's backoff (a worker would hold its slot that \
             long; retry libraries cap their waits at seconds to minutes), so the file has no \
             [retry]; refresh-sim's clients take a failed connection up again on their next \
             pass themselves (number each pass's first attempt 1, as --attempt-log does, or \
             add a [retry] by hand if the client does wait that long)",
            s(first[0]),
            s(*first.last().expect("a wait")),
            s(median)
        ),
        first_line: 0,
    })
}

/// Each retry with the failed attempt it follows.
fn retries(rows: &[Row]) -> Vec<(&Row, &Row)> {
    let mut last: BTreeMap<u32, &Row> = BTreeMap::new();
    let mut out = Vec::new();
    // The client's own refreshes: a customer's call between a failure and its retry would
    // pair them wrongly (and their retries are the client's too only by its policy).
    for r in rows.iter().filter(|r| !r.on_demand) {
        if let Some(p) = last.insert(r.conn, r) {
            let failed = matches!(p.seen, Seen::RateLimited | Seen::Outage | Seen::Error);
            if r.attempt > 1 && p.attempt + 1 == r.attempt && failed {
                out.push((p, r));
            }
        }
    }
    out
}

/// The waits that are backoffs: a retry due while the client was shut (a nightly job's
/// retry due after its band waits for the next night) waited longer than its backoff, so a
/// wait over [`OUTLIER`] times the (lower) median before its retry is dropped (a backoff's
/// longest is twice its median under full jitter, less under equal and none, a few times under
/// decorrelated). A trial's nightly job read a 19-hour backoff without it.
fn backoffs_only(waits: &[(u32, i64)]) -> Vec<(u32, i64)> {
    let mut by_n: BTreeMap<u32, Vec<i64>> = BTreeMap::new();
    for &(n, w) in waits {
        by_n.entry(n).or_default().push(w);
    }
    let median: BTreeMap<u32, i64> = by_n
        .into_iter()
        .map(|(n, mut v)| {
            let mid = (v.len() - 1) / 2;
            (n, *v.select_nth_unstable(mid).1)
        })
        .collect();
    waits
        .iter()
        .copied()
        .filter(|(n, w)| *w as f64 <= OUTLIER * median[n].max(1) as f64)
        .collect()
}

impl Backoff {
    fn toml(&self, s: &mut String) {
        let _ = writeln!(
            s,
            "base = \"{}\"  # {} waits after failures without a Retry-After; before the first \
             retry seen, {} to {}",
            duration(self.base_s),
            thousands(self.waits as f64),
            duration(self.first.0),
            duration(self.first.1)
        );
        match self.cap_s {
            Some(c) => {
                let _ = writeln!(
                    s,
                    "cap = \"{}\"  # where the longest waits stopped doubling",
                    duration(c)
                );
            }
            None if self.longest > 300.0 => {
                let _ = writeln!(
                    s,
                    "cap = \"{}\"  # not reached (the longest waits doubled at every retry \
                     seen): at least the longest wait, past the default 5 minutes",
                    duration(self.longest)
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "# cap: not reached (the longest waits doubled at every retry seen); the \
                     default, 5 minutes, kept"
                );
            }
        }
        let _ = writeln!(
            s,
            "jitter = \"{}\"  # the shortest wait before a retry {} of the longest",
            self.jitter.name(),
            match self.jitter {
                Jitter::None => "the same as",
                Jitter::Equal => "about half",
                _ => "a small share",
            }
        );
    }

    /// The longest wait before retry `n` (seconds).
    pub fn at(&self, n: u32) -> f64 {
        let v = self.base_s * 2f64.powi(n.min(60) as i32);
        self.cap_s.map_or(v, |c| v.min(c))
    }
}

/// The backoff from `(n, wait µs)` of retries after no Retry-After: the longest wait before
/// each retry `n` bounds `min(cap, base·2^n)`; the cap is where they stop doubling; the
/// jitter is the shortest wait's share of the longest (the same: none; about half: equal;
/// near none: full, where decorrelated jitter reads too).
fn backoff(waits: &[(u32, i64)]) -> Option<Backoff> {
    let waits = &backoffs_only(waits);
    let mut by_n: BTreeMap<u32, (i64, i64)> = BTreeMap::new();
    for &(n, w) in waits {
        let e = by_n.entry(n).or_insert((w, w));
        e.0 = e.0.min(w);
        e.1 = e.1.max(w);
    }
    let (&n0, &(lo0, hi0)) = by_n.iter().next()?;
    let s = |us: i64| us.max(0) as f64 / 1e6;
    let base_s = s(hi0) / 2f64.powi(n0 as i32);
    let mut count: BTreeMap<u32, u64> = BTreeMap::new();
    for &(n, _) in waits {
        *count.entry(n).or_default() += 1;
    }
    // Where the longest waits stop doubling, at retries with waits enough that their longest
    // is near the bound (three full-jitter waits' longest falls short of it by half in one
    // case out of eight, and read a cap that is not there).
    let mut cap_s = None;
    let mut prev: Option<(u32, f64)> = None;
    for (&n, &(_, hi)) in by_n.iter().filter(|(n, _)| count[n] >= CAP_WAITS) {
        if let Some((pn, phi)) = prev {
            if pn + 1 == n && s(hi) < 1.5 * phi {
                cap_s = Some(s(hi).max(phi));
                break;
            }
        }
        prev = Some((n, s(hi)));
    }
    let share = if hi0 > 0 {
        lo0 as f64 / hi0 as f64
    } else {
        1.0
    };
    let jitter = match share {
        x if x >= 0.9 => Jitter::None,
        x if x >= 0.35 => Jitter::Equal,
        _ => Jitter::Full,
    };
    Some(Backoff {
        base_s,
        cap_s,
        jitter,
        waits: waits.len() as u64,
        first: (s(lo0), s(hi0)),
        longest: s(by_n.values().map(|x| x.1).max().unwrap_or(0)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Reason;

    fn row(conn: u32, attempt: u32, submitted: i64, learned: i64, seen: Seen) -> Row {
        Row {
            submitted,
            learned,
            conn,
            bank: 0,
            seen,
            retry_after: None,
            attempt,
            on_demand: false,
            reason: Reason::Schedule,
        }
    }

    /// Retries are read off the rows that follow a failure of the same connection; a
    /// first attempt after a success is none.
    #[test]
    fn a_retry_follows_its_connections_failure() {
        let s = 1_000_000;
        let mut rows = vec![
            row(1, 1, 0, 10 * s, Seen::Error),
            row(2, 1, s, 11 * s, Seen::RateLimited),
            row(1, 2, 14 * s, 24 * s, Seen::Success),
            row(2, 2, 19 * s, 29 * s, Seen::RateLimited),
            row(2, 3, 50 * s, 60 * s, Seen::Success),
            row(3, 1, 51 * s, 60 * s, Seen::Success),
            row(3, 1, 90 * s, 99 * s, Seen::Success),
        ];
        rows[3].retry_after = Some(30.0);
        let f = fit(&rows).unwrap();
        assert_eq!(
            (
                f.retries,
                f.max_attempts,
                f.after_error,
                f.after_rate_limited
            ),
            (3, 3, 1, 2)
        );
        // Waits before the first retry: 4 s and 8 s, so base 8 s, jitter equal (4/8).
        let b = f.backoff.as_ref().unwrap();
        assert_eq!(
            (b.base_s, b.jitter, b.waits, b.first),
            (8.0, Jitter::Equal, 2, (4.0, 8.0))
        );
        // The 30 s Retry-After, 20 s of it left when the client learned of it (past the
        // 16 s the backoff before a second retry could be), was waited out, 1 s past.
        assert_eq!(f.waited_out, (1, 1));
        assert_eq!(f.honours_retry_after(), Some(true));
        assert_eq!(f.retry_after_jitter_s, 1.0);
        // One shorter than the backoff tells nothing.
        rows[3].retry_after = Some(12.0);
        assert_eq!(fit(&rows).unwrap().honours_retry_after(), None);
        assert_eq!(fit(&rows[5..]), None);
        assert_eq!(requeued(&rows), None);
    }

    /// Attempts numbered on through a queue's passes (hours apart) are no retries: no
    /// `[retry]`, and a warning with the waits; a few such among seconds-long backoffs are
    /// dropped as outliers, the backoff kept.
    #[test]
    fn passes_numbered_as_retries_are_not_a_retry_policy() {
        let (s, h) = (1_000_000i64, 3_600_000_000i64);
        let mut rows = Vec::new();
        for c in 0..5u32 {
            // Failures learned at c·1 s, retried (c + 2) hours later, then again.
            let t = c as i64 * s;
            rows.push(row(c, 1, t, t + s, Seen::RateLimited));
            let t2 = t + s + (c as i64 + 2) * h;
            rows.push(row(c, 2, t2, t2 + s, Seen::RateLimited));
            rows.push(row(c, 3, t2 + 9 * h, t2 + 9 * h + s, Seen::Success));
        }
        rows.sort_by_key(|r| r.submitted);
        assert_eq!(fit(&rows), None);
        let w = requeued(&rows).unwrap();
        assert_eq!(w.count, 5, "the first retries'");
        assert!(
            w.what.starts_with(&format!(
                "{REQUEUED} came 2.0 h to 6.0 h (median 4.0 h) after"
            )),
            "{}",
            w.what
        );
        // The same passes where every 429 carried a Retry-After: the waits past it tell.
        let with_ra: Vec<Row> = rows
            .iter()
            .map(|r| Row {
                retry_after: Some(30.0),
                ..*r
            })
            .collect();
        assert_eq!(fit(&with_ra), None);
        assert!(requeued(&with_ra).is_some());
        // Passes that come round in half an hour are passes still.
        let mut quick = rows.clone();
        for r in quick.iter_mut().filter(|r| r.attempt > 1) {
            r.submitted /= 8;
            r.learned = r.submitted + s;
        }
        quick.sort_by_key(|r| r.submitted);
        assert!(requeued(&quick).is_some(), "half-hour passes");
        // Backoffs of 2 s to 5 s and one retry a day later: a policy, its outlier dropped.
        let mut rows = Vec::new();
        for c in 0..5u32 {
            let t = c as i64 * 100 * s;
            let wait = if c == 4 { 24 * h } else { (2 + c as i64) * s };
            rows.push(row(c, 1, t, t + s, Seen::Error));
            rows.push(row(c, 2, t + s + wait, t + 2 * s + wait, Seen::Success));
        }
        rows.sort_by_key(|r| r.submitted);
        assert_eq!(requeued(&rows), None);
        assert_eq!(fit(&rows).unwrap().backoff.unwrap().base_s, 5.0);
    }

    /// Waits drawn as the simulator draws them, read back: base, cap and each jitter.
    #[test]
    fn the_backoff_is_read_back_from_its_waits() {
        use rand::SeedableRng;
        let policy = |jitter| crate::retry::RetryPolicy {
            max_attempts: 6,
            base: crate::time::SimDuration::from_secs(2),
            cap: crate::time::SimDuration::from_secs(20),
            jitter,
            ..Default::default()
        };
        let waits_of = |jitter| {
            let p = policy(jitter);
            let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
            (0..400)
                .map(|i| {
                    let n = i % 5;
                    let w = p.delay(n, p.base, crate::time::SimTime(0), None, &mut rng);
                    (n, w.as_micros() as i64)
                })
                .collect::<Vec<(u32, i64)>>()
        };
        for jitter in [Jitter::None, Jitter::Equal, Jitter::Full] {
            let b = backoff(&waits_of(jitter)).unwrap();
            assert_eq!(b.jitter, jitter);
            assert!((b.base_s - 2.0).abs() < 0.1, "{b:?}");
            let cap = b.cap_s.unwrap();
            assert!((cap - 20.0).abs() < 1.0, "{b:?}");
        }
        // A retry that waited for the client's band to open is no backoff.
        let mut night = waits_of(Jitter::Full);
        night.push((0, 19 * 3_600_000_000));
        // Two waits, one of them the night's: the lower median keeps the backoff.
        let two = backoff(&[(0, 2_000_000), (0, 19 * 3_600_000_000)]).unwrap();
        assert_eq!(two.base_s, 2.0);
        let b = backoff(&night).unwrap();
        assert!((b.base_s - 2.0).abs() < 0.1 && b.longest < 21.0, "{b:?}");
        // Waits still doubling at the last retry seen: no cap reached.
        let b = backoff(&[(0, 1_000_000), (1, 2_000_000), (2, 4_000_000)]).unwrap();
        assert_eq!(b.cap_s, None);
    }
}
