//! A token bucket for some hours of the day (`during`, as a scenario file writes one): a
//! bank that throttles by day and lets the night through. Its 429s fall in a band of hours
//! in which it admits far less than outside, so no bucket of every hour explains them (one
//! must let the night's admissions through), and a trial's fit put them down to a penalty
//! box that never closed when its scenario ran again.
//!
//! The band is read from the hours of the day: those whose calls met 429s still open (at
//! least a quarter of the worst hour's share) and admitted at most 1.5 times as many as the
//! least of them. It must be one run of whole hours within the day (a band across midnight
//! is two limits in a scenario file: not fitted), and some hour outside it must have
//! admitted at least twice the band's mean, or the log cannot tell a band from a client
//! that only called in those hours. The bucket is then fitted on the band's calls alone, as
//! one of every hour is on all of them: between one day's band and the next it refills, as
//! the model's does.

use super::bucket::admits_all;
use super::subset::Subset;
use super::{covered, token_bucket, Call, Candidate, Policy, SEC};

const HOUR: i64 = 3_600 * SEC;

/// A call's hour of the day.
pub(super) fn hour(t: i64) -> usize {
    (t.rem_euclid(24 * HOUR) / HOUR) as usize
}

/// Each hour of the day's calls, admissions and 429s still open.
struct Hours {
    n: [u64; 24],
    ok: [u64; 24],
    refused: [u64; 24],
}

impl Hours {
    fn share(&self, h: usize) -> f64 {
        self.refused[h] as f64 / self.n[h].max(1) as f64
    }

    /// Hours whose share of 429s is at least a quarter of the worst hour's.
    fn throttled(&self) -> Vec<bool> {
        let top = (0..24).map(|h| self.share(h)).fold(0.0, f64::max);
        (0..24)
            .map(|h| top > 0.0 && self.share(h) >= top / 4.0)
            .collect()
    }

    /// `hours` as one run of whole hours `(from, to)` within the day, not all of it, each
    /// of which admitted something (hours that admitted nothing, a closed bank or a spent
    /// quota, are no bucket's); and the run's mean admissions an hour.
    fn run(&self, hours: &[usize]) -> Option<((usize, usize), f64)> {
        let (from, to) = (*hours.first()?, hours[hours.len() - 1] + 1);
        let admits = hours.iter().all(|&h| self.ok[h] > 0);
        let sum = hours.iter().map(|&h| self.ok[h]).sum::<u64>();
        (hours.len() == to - from && hours.len() < 24 && admits)
            .then_some(((from, to), sum as f64 / hours.len() as f64))
    }
}

/// The bands of whole hours `(from, to)`, `0 ≤ from < to ≤ 24`, whose open 429s a bucket
/// of those hours alone may explain: a saturated bank's, an unsaturated one's, both where
/// they differ (the bucket that explains more decides), or none.
fn bands(calls: &[Call], rejected: &[usize], open: &[bool]) -> Vec<(u8, u8)> {
    let mut h = Hours {
        n: [0; 24],
        ok: [0; 24],
        refused: [0; 24],
    };
    for c in calls {
        h.n[hour(c.t)] += 1;
        h.ok[hour(c.t)] += c.admitted as u64;
    }
    for (&i, _) in rejected.iter().zip(open).filter(|(_, &o)| o) {
        h.refused[hour(calls[i].t)] += 1;
    }
    let mut out: Vec<(u8, u8)> = [saturated(&h), calm_outside(&h)]
        .into_iter()
        .flatten()
        .map(|(from, to)| (from as u8, to as u8))
        .collect();
    out.dedup();
    out
}

/// The band of a bank the client saturates: the throttled hours that admitted at most 1.5
/// times the least of them, outside which some hour admitted at least twice their mean.
fn saturated(h: &Hours) -> Option<(usize, usize)> {
    let throttled = h.throttled();
    let least = (0..24).filter(|&x| throttled[x]).map(|x| h.ok[x]).min()?;
    let inside = |x: usize| throttled[x] && h.ok[x] as f64 <= 1.5 * least as f64;
    let hours: Vec<usize> = (0..24).filter(|&x| inside(x)).collect();
    let ((from, to), mean) = h.run(&hours)?;
    let faster = (0..24).any(|x| !inside(x) && h.ok[x] as f64 >= 2.0 * mean);
    faster.then_some((from, to))
}

/// The band of a bank that the client does not saturate: its 429s (a burst the bucket
/// refuses) fall in one run of hours, and outside it some hour admitted at least the band's
/// mean yet met under a tenth of the 429s the band's least share would give its calls (ten
/// or more): more traffic let through unthrottled, which no bucket of every hour does. A
/// trial's CDR data holders (5 calls a second by day, 50 at night, a queue using a tenth
/// of it) met 429s from 06:00 to 24:00 and none at night, where they admitted 1.6 times as
/// much: no band was fitted, and their 429s were put down to a penalty box.
fn calm_outside(h: &Hours) -> Option<(usize, usize)> {
    let throttled = h.throttled();
    let hours: Vec<usize> = (0..24).filter(|&x| throttled[x]).collect();
    let ((from, to), mean) = h.run(&hours)?;
    let least = hours
        .iter()
        .map(|&x| h.share(x))
        .fold(f64::INFINITY, f64::min);
    let calm = |x: usize| {
        let expected = h.n[x] as f64 * least;
        expected >= 10.0 && h.refused[x] as f64 * 10.0 < expected && h.ok[x] as f64 >= mean
    };
    (0..24)
        .any(|x| !(from..to).contains(&x) && calm(x))
        .then_some((from, to))
}

/// The bucket of a band of hours, judged on the rejections still `open` (explaining none
/// where the log shows no band): of two bands, the one whose bucket explains more (a
/// trial's lightly loaded bank admitted less from 06:00 to 10:00, as its client sent less,
/// which read as a saturated band there; its bucket of 06:00–24:00 explains every 429).
pub(super) fn banded_bucket(
    calls: &[Call],
    rejected: &[usize],
    open: &[bool],
    cost: u32,
) -> Candidate {
    let fitted = bands(calls, rejected, open)
        .into_iter()
        .filter_map(|b| bucket_of(calls, rejected, open, cost, b));
    let mut best: Option<Candidate> = None;
    for c in fitted {
        let more = |b: &Candidate| covered(&c.explains, open) > covered(&b.explains, open);
        if best.as_ref().is_none_or(more) {
            best = Some(c);
        }
    }
    best.unwrap_or_else(|| Candidate {
        policy: Policy::TokenBucket {
            rate: 0.0,
            burst: 0,
            rate_lo: 0.0,
            rate_hi: 0.0,
            burst_lo: 0,
            burst_hi: 0,
            during: None,
            unattended: false,
        },
        explains: vec![false; rejected.len()],
        likely: None,
        evidence: String::new(),
    })
}

/// The bucket of the band `(from, to)`, fitted on its calls alone; none where the hours
/// outside it admitted nothing that bucket would have refused (a band of hours is shown by
/// more let through outside it than its bucket allows, not by hourly counts: smooth calls at
/// night and bursty ones by day meet the same bucket differently).
fn bucket_of(
    calls: &[Call],
    rejected: &[usize],
    open: &[bool],
    cost: u32,
    (from, to): (u8, u8),
) -> Option<Candidate> {
    let within = |c: &Call| (from as usize..to as usize).contains(&hour(c.t));
    let band = Subset::of(calls, rejected, open, within);
    let mut c = token_bucket(&band.calls, &band.rejected, &band.open, cost);
    c.explains = band.widen(&c.explains);
    if let Policy::TokenBucket {
        during,
        rate,
        burst,
        ..
    } = &mut c.policy
    {
        *during = Some((from, to));
        let outside: Vec<Call> = calls.iter().filter(|c| !within(c)).copied().collect();
        if admits_all(&outside, *rate, *burst, cost) {
            return None;
        }
    }
    // The calls a second admitted inside and outside, over the days the log spans.
    let span = calls.last().map_or(0, |c| c.t) - calls.first().map_or(0, |c| c.t);
    let days = (span as f64 / (24 * HOUR) as f64).max(1.0 / 24.0);
    let rate = |inside: bool, hours: u8| {
        let n = calls.iter().filter(|c| c.admitted && within(c) == inside);
        n.count() as f64 / (hours as f64 * 3_600.0 * days)
    };
    let unit = if cost > 1 { " refreshes" } else { "" };
    c.evidence = format!(
        "429s in {from:02}:00–{to:02}:00, which admitted {:.3}{unit}/s against {:.3}{unit}/s outside; {}",
        rate(true, to - from),
        rate(false, 24 - (to - from)),
        c.evidence
    );
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two days of one call a second, admitted as `admits(hour, second)` says.
    fn calls(admits: impl Fn(usize, i64) -> Option<bool>) -> (Vec<Call>, Vec<usize>) {
        let calls: Vec<Call> = (0..2 * 86_400)
            .filter_map(|s: i64| {
                let admitted = admits((s % 86_400 / 3_600) as usize, s)?;
                let t = s * SEC;
                Some(Call {
                    t,
                    end_lo: t,
                    end_hi: t + SEC,
                    admitted,
                    conn: 0,
                    on_demand: false,
                    retry_after: None,
                })
            })
            .collect();
        let rejected = (0..calls.len()).filter(|&i| !calls[i].admitted).collect();
        (calls, rejected)
    }

    fn band_of(admits: impl Fn(usize, i64) -> Option<bool>) -> Vec<(u8, u8)> {
        let (calls, rejected) = calls(admits);
        bands(&calls, &rejected, &vec![true; rejected.len()])
    }

    /// A bank admitting one call in four from 06:00 to 22:00 and every call outside.
    #[test]
    fn a_bank_throttled_by_day_has_a_band() {
        let by_day = |h: usize, s: i64| Some(!(6..22).contains(&h) || s % 4 == 0);
        assert_eq!(band_of(by_day), vec![(6, 22)]);
    }

    /// A bank the client does not saturate: one call in ten refused by day (a burst the
    /// bucket refuses) and none at night, where as many calls pass, or more.
    #[test]
    fn a_bank_refusing_bursts_by_day_has_a_band() {
        let bursts = |h: usize, s: i64| Some(!(6..24).contains(&h) || s % 10 != 0);
        assert_eq!(band_of(bursts), vec![(6, 24)]);
        // Fewer calls by day than at night: the day's admissions vary with the client.
        let varying = |h: usize, s: i64| match (6..24).contains(&h) {
            true => (s % (1 + h as i64 % 3) == 0).then_some(s % 10 != 0),
            false => Some(true),
        };
        assert!(band_of(varying).contains(&(6, 24)));
        // But not where the night admitted less than the day's mean: a quieter client.
        let quiet = |h: usize, s: i64| match (6..24).contains(&h) {
            true => Some(s % 10 != 0),
            false => (s % 2 == 0).then_some(true),
        };
        assert_eq!(band_of(quiet), vec![]);
    }

    /// Smooth calls at night (one every 1.25 s) and bursty ones by day (a pair 0.1 s apart
    /// every 2 s, the second refused) meet one bucket of every hour (1/s, burst 1)
    /// differently: the hourly counts read as a band, but the day's bucket admits every
    /// night call, so no band is fitted.
    #[test]
    fn no_band_where_its_bucket_admits_the_hours_outside() {
        let call = |t: i64, admitted: bool| Call {
            t,
            end_lo: t,
            end_hi: t + SEC / 2,
            admitted,
            conn: 0,
            on_demand: false,
            retry_after: None,
        };
        let mut calls = Vec::new();
        for day in 0..2i64 {
            let base = day * 24 * HOUR;
            calls.extend((0..6 * 2880i64).map(|k| call(base + k * 1_250_000, true)));
            for k in 0..9 * 3600i64 {
                let t = base + 6 * HOUR + k * 2 * SEC;
                calls.extend([call(t, true), call(t + SEC / 10, false)]);
            }
        }
        let rejected: Vec<usize> = (0..calls.len()).filter(|&i| !calls[i].admitted).collect();
        let open = vec![true; rejected.len()];
        assert_eq!(bands(&calls, &rejected, &open), vec![(6, 24)]);
        let c = banded_bucket(&calls, &rejected, &open, 1);
        assert!(c.explains.iter().all(|e| !e), "{:?}", c.policy);
    }

    /// No band where the log cannot show one: a client calling only at night against a
    /// limit of every hour, a limit throttling every hour alike, hours that admit nothing
    /// (a closed bank), and a band across midnight (two limits in a scenario file).
    #[test]
    fn no_band_without_faster_hours_outside_it() {
        let nightly = |h: usize, s: i64| (1..7).contains(&h).then_some(s % 4 == 0);
        assert_eq!(band_of(nightly), vec![]);
        assert_eq!(band_of(|_, s| Some(s % 4 == 0)), vec![]);
        assert_eq!(band_of(|h, _| Some(h >= 2)), vec![]);
        let across = |h: usize, s: i64| Some((6..22).contains(&h) || s % 4 == 0);
        assert_eq!(band_of(across), vec![]);
    }
}
