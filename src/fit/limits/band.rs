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

use super::{token_bucket, Call, Candidate, Policy, SEC};

const HOUR: i64 = 3_600 * SEC;

/// A call's hour of the day.
fn hour(t: i64) -> usize {
    (t.rem_euclid(24 * HOUR) / HOUR) as usize
}

/// The band of whole hours `(from, to)`, `0 ≤ from < to ≤ 24`, whose open 429s a bucket of
/// those hours alone may explain; `None` without one.
fn band(calls: &[Call], rejected: &[usize], open: &[bool]) -> Option<(u8, u8)> {
    let (mut n, mut ok, mut refused) = ([0u64; 24], [0u64; 24], [0u64; 24]);
    for c in calls {
        n[hour(c.t)] += 1;
        ok[hour(c.t)] += c.admitted as u64;
    }
    for (&i, _) in rejected.iter().zip(open).filter(|(_, &o)| o) {
        refused[hour(calls[i].t)] += 1;
    }
    let share = |h: usize| refused[h] as f64 / n[h].max(1) as f64;
    let top = (0..24).map(share).fold(0.0, f64::max);
    let throttled = |h: usize| top > 0.0 && share(h) >= top / 4.0;
    // Hours that admitted nothing (a closed bank, a spent quota) are no bucket's.
    let least = (0..24).filter(|&h| throttled(h)).map(|h| ok[h]).min()?;
    if least == 0 {
        return None;
    }
    let inside = |h: usize| throttled(h) && ok[h] as f64 <= 1.5 * least as f64;
    let hours: Vec<usize> = (0..24).filter(|&h| inside(h)).collect();
    let (from, to) = (hours[0], hours[hours.len() - 1] + 1);
    if hours.len() != to - from || hours.len() == 24 {
        return None;
    }
    let mean = hours.iter().map(|&h| ok[h]).sum::<u64>() as f64 / hours.len() as f64;
    let faster = (0..24).any(|h| !inside(h) && ok[h] as f64 >= 2.0 * mean);
    faster.then_some((from as u8, to as u8))
}

/// The bucket of a band of hours, judged on the rejections still `open` (explaining none
/// where the log shows no band).
pub(super) fn banded_bucket(calls: &[Call], rejected: &[usize], open: &[bool]) -> Candidate {
    let Some((from, to)) = band(calls, rejected, open) else {
        return Candidate {
            policy: Policy::TokenBucket {
                rate: 0.0,
                burst: 0,
                rate_lo: 0.0,
                rate_hi: 0.0,
                burst_lo: 0,
                burst_hi: 0,
                during: None,
            },
            explains: vec![false; rejected.len()],
            likely: None,
            evidence: String::new(),
        };
    };
    let within = |c: &Call| (from as usize..to as usize).contains(&hour(c.t));
    // The band's calls, and where each of its rejections is among all of them.
    let mut index = vec![usize::MAX; calls.len()];
    let mut mine = Vec::new();
    for (i, c) in calls.iter().enumerate().filter(|(_, c)| within(c)) {
        index[i] = mine.len();
        mine.push(*c);
    }
    let (mut rej, mut still, mut back) = (Vec::new(), Vec::new(), Vec::new());
    for (r, (&i, &o)) in rejected.iter().zip(open).enumerate() {
        if index[i] != usize::MAX {
            rej.push(index[i]);
            still.push(o);
            back.push(r);
        }
    }
    let mut c = token_bucket(&mine, &rej, &still);
    let mut explains = vec![false; rejected.len()];
    for (&e, &r) in c.explains.iter().zip(&back) {
        explains[r] = e;
    }
    c.explains = explains;
    if let Policy::TokenBucket { during, .. } = &mut c.policy {
        *during = Some((from, to));
    }
    // The calls a second admitted inside and outside, over the days the log spans.
    let span = calls.last().map_or(0, |c| c.t) - calls.first().map_or(0, |c| c.t);
    let days = (span as f64 / (24 * HOUR) as f64).max(1.0 / 24.0);
    let rate = |inside: bool, hours: u8| {
        let n = calls.iter().filter(|c| c.admitted && within(c) == inside);
        n.count() as f64 / (hours as f64 * 3_600.0 * days)
    };
    c.evidence = format!(
        "429s in {from:02}:00–{to:02}:00, which admitted {:.3}/s against {:.3}/s outside; {}",
        rate(true, to - from),
        rate(false, 24 - (to - from)),
        c.evidence
    );
    c
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

    fn band_of(admits: impl Fn(usize, i64) -> Option<bool>) -> Option<(u8, u8)> {
        let (calls, rejected) = calls(admits);
        band(&calls, &rejected, &vec![true; rejected.len()])
    }

    /// A bank admitting one call in four from 06:00 to 22:00 and every call outside.
    #[test]
    fn a_bank_throttled_by_day_has_a_band() {
        let by_day = |h: usize, s: i64| Some(!(6..22).contains(&h) || s % 4 == 0);
        assert_eq!(band_of(by_day), Some((6, 22)));
    }

    /// No band where the log cannot show one: a client calling only at night against a
    /// limit of every hour, a limit throttling every hour alike, hours that admit nothing
    /// (a closed bank), and a band across midnight (two limits in a scenario file).
    #[test]
    fn no_band_without_faster_hours_outside_it() {
        let nightly = |h: usize, s: i64| (1..7).contains(&h).then_some(s % 4 == 0);
        assert_eq!(band_of(nightly), None);
        assert_eq!(band_of(|_, s| Some(s % 4 == 0)), None);
        assert_eq!(band_of(|h, _| Some(h >= 2)), None);
        let across = |h: usize, s: i64| Some((6..22).contains(&h) || s % 4 == 0);
        assert_eq!(band_of(across), None);
    }
}
