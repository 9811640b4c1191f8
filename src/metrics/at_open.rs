//! Data age when customers open the app: connection-time weighted by the app-open profile
//! (`on_demand.profile`, or the default daytime one) at each instant's hour of day, per bank
//! and for all banks.
//!
//! A customer sees their data when they open the app, and they open it by day, mostly in
//! the evening: a nightly bulk refresh at 02:00 leaves data about 12 h old on average over
//! the clock, but 17–20 h old when most customers look. [`super::Staleness`] weighs every
//! instant alike; this weighs each by how likely a customer is to look then.
//!
//! It keeps the O(1)-per-refresh ramps: a segment of bank `b` whose last success fell in the
//! `p`-th ten minutes of the day is recorded, unweighted, in row `p` of the bank's 144 rows of
//! ramps by ten minutes of age. The weight of age bucket `i` in that row is then known: the clock is at
//! `10(p + i) + s` minutes, `s` in [0, 20) the sum of the success's minute within its ten
//! and the age's within its bucket, taken as uniform; that span lies within one hour of the
//! day, or (when `p + i` is the hour's sixth ten minutes) half in it and half in the next.
//! The weighted histogram is summed once, at the end. Time with no data yet is weighted
//! exactly, instant by instant. Ages are resolved by ten minutes, and a refresh at a fixed
//! instant (a bulk run at 02:00) is read as spread over its ten minutes. All banks' figures
//! sum the banks' integer rows before weighing them, so they do not depend on how the time
//! is split between banks (and are those the all-bank rows alone gave).

use super::staleness::Ramps;
use super::Summary;
use crate::time::{SimDuration, SimTime};

use crate::time::HOUR_US;
/// The rows' phase and the ages' resolution.
const TEN_MIN_US: u64 = 600_000_000;
const PHASES: usize = 144;

/// Connection-time at each age, as customers opening the app see it.
#[derive(Clone, Debug, PartialEq)]
pub struct AtOpen {
    banks: usize,
    /// Unweighted ramps, bank-major, by the ten minutes of the day of the segment's last
    /// success (row `bank * 144 + phase`).
    by_phase: Ramps<TEN_MIN_US>,
    /// The profile, scaled to a mean of 1 over the day.
    weight: [f64; 24],
    /// Time with no data yet, by the hour of the clock from `first_hour`: each segment's end
    /// counts +1 and its start −1 in `ends`, and their offsets into their hours (µs) in
    /// `offsets`, so that a segment costs two additions and the time in each hour is summed
    /// once, at the end (in integers: the order of the records, which differs between a
    /// settled run and the run with events, changes nothing). Bank-major, `hours` a bank.
    first_hour: u64,
    hours: usize,
    ends: Vec<i64>,
    offsets: Vec<i64>,
    /// Segments with no data that start where the measured time does (nearly all: a
    /// connection's time before its first refresh), counted apart per bank: one addition each.
    from: SimTime,
    from_starts: Vec<i64>,
}

impl AtOpen {
    /// Ages up to `horizon`, for `banks` banks' connection-time within `measured` (from, to).
    pub fn new(
        banks: usize,
        profile: &[f64; 24],
        horizon: SimDuration,
        measured: (SimTime, SimTime),
    ) -> AtOpen {
        let sum: f64 = profile.iter().sum();
        let first_hour = measured.0.as_micros() / HOUR_US;
        let hours = (measured.1.as_micros() / HOUR_US - first_hour) as usize + 1;
        AtOpen {
            banks,
            by_phase: Ramps::new(banks * PHASES, horizon),
            weight: profile.map(|w| w * 24.0 / sum),
            first_hour,
            hours,
            ends: vec![0; banks * hours],
            offsets: vec![0; banks * hours],
            from: measured.0,
            from_starts: vec![0; banks],
        }
    }

    /// Connection-time `[t0, t1)` of `bank` with its last success at `last` (see
    /// `Ramps::record`).
    #[inline]
    pub fn record(&mut self, bank: usize, last: SimTime, t0: SimTime, t1: SimTime) {
        if last == SimTime::NEVER || t1 <= t0 {
            return self.add(bank, last, t0, t1, 1);
        }
        self.by_phase.record(Self::row(bank, last), last, t0, t1);
    }

    /// Takes back connection-time `[t0, t1)` (see `Ramps::unrecord`).
    pub fn unrecord(&mut self, bank: usize, last: SimTime, t0: SimTime, t1: SimTime) {
        self.add(bank, last, t0, t1, -1);
    }

    /// The ramps' row of `bank`'s segments whose last success was `last`.
    #[inline]
    fn row(bank: usize, last: SimTime) -> usize {
        bank * PHASES + (last.as_micros() / TEN_MIN_US % PHASES as u64) as usize
    }

    fn add(&mut self, bank: usize, last: SimTime, t0: SimTime, t1: SimTime, sign: i8) {
        if t1 <= t0 {
            return;
        }
        if last == SimTime::NEVER {
            self.end(bank, t1, sign as i64);
            match t0 == self.from {
                true => self.from_starts[bank] -= sign as i64,
                false => self.end(bank, t0, -(sign as i64)),
            }
            return;
        }
        let row = Self::row(bank, last);
        if sign > 0 {
            self.by_phase.record(row, last, t0, t1);
        } else {
            self.by_phase.unrecord(row, last, t0, t1);
        }
    }

    /// One end of a segment of `bank` with no data (+1 its end, −1 its start).
    #[inline]
    fn end(&mut self, bank: usize, t: SimTime, sign: i64) {
        let us = t.as_micros();
        let hour = ((us / HOUR_US).saturating_sub(self.first_hour) as usize).min(self.hours - 1);
        self.ends[bank * self.hours + hour] += sign;
        self.offsets[bank * self.hours + hour] += sign * (us % HOUR_US) as i64;
    }

    /// The banks a figure sums: one, or all with `None`.
    fn banks_of(&self, bank: Option<usize>) -> std::ops::Range<usize> {
        bank.map_or(0..self.banks, |b| b..b + 1)
    }

    /// Weighted connection-time with no data yet (µs) of one bank or all: the time in each
    /// hour of the clock is the hour for each segment ending after it, and the offsets of
    /// those ending or starting within it.
    fn never(&self, bank: Option<usize>) -> f64 {
        // Summed from the last hour back, as the times are built (the same bytes in files).
        let times = self.never_by_clock_hour(bank);
        (0..times.len()).rev().fold(0.0, |never, h| {
            never + self.weight[((self.first_hour + h as u64) % 24) as usize] * times[h]
        })
    }

    /// Unweighted connection-time with no data yet (µs) of one bank or all in each hour of
    /// the clock from `first_hour`: the hour for each segment ending after it, and the
    /// offsets of those ending or starting within it (the banks' integers summed first).
    fn never_by_clock_hour(&self, bank: Option<usize>) -> Vec<f64> {
        let (mut ends, mut offsets) = (vec![0i64; self.hours], vec![0i64; self.hours]);
        for b in self.banks_of(bank) {
            let at = b * self.hours;
            for h in 0..self.hours {
                ends[h] += self.ends[at + h];
                offsets[h] += self.offsets[at + h];
            }
            ends[0] += self.from_starts[b];
            offsets[0] += self.from_starts[b] * (self.from.as_micros() % HOUR_US) as i64;
        }
        let mut after = 0i64;
        let mut out = vec![0.0; ends.len()];
        for h in (0..ends.len()).rev() {
            out[h] = after as f64 * HOUR_US as f64 + offsets[h] as f64;
            after += ends[h];
        }
        out
    }

    /// Unweighted connection-time (µs) of one bank or all at each ten minutes of age, from
    /// the segments whose last success fell in the `p`-th ten minutes of the day.
    fn phase(&self, bank: Option<usize>, p: usize) -> Vec<u64> {
        let mut out = vec![0; self.by_phase.buckets + 1];
        for b in self.banks_of(bank) {
            self.by_phase.add_histogram(b * PHASES + p, &mut out);
        }
        out
    }

    /// Weighted connection-time (µs) of one bank or all at each ten minutes of age, the last
    /// entry at the horizon or older (weighted by the day's mean, 1), and with no data yet.
    pub fn histogram(&self, bank: Option<usize>) -> (Vec<f64>, f64) {
        let s = &self.by_phase;
        let mut out = vec![0.0; s.buckets + 1];
        for p in 0..PHASES {
            let h = self.phase(bank, p);
            for (i, &x) in h[..s.buckets].iter().enumerate() {
                let hour = (p + i) / 6 % 24;
                let w = match (p + i) % 6 {
                    5 => (self.weight[hour] + self.weight[(hour + 1) % 24]) / 2.0,
                    _ => self.weight[hour],
                };
                out[i] += x as f64 * w;
            }
            out[s.buckets] += h[s.buckets] as f64;
        }
        (out, self.never(bank))
    }

    /// Unweighted connection-time (µs) by the hour of the day it was lived, each hour's by
    /// ten minutes of age (the last entry at the horizon or older) and with no data yet:
    /// what a customer opening the app at that hour finds. A bucket whose clock straddles
    /// two hours is split half and half, as [`histogram`](Self::histogram) weighs it; time
    /// at the horizon or older, whose hour the ramps do not keep, is spread evenly. For one
    /// bank or all.
    pub fn by_hour(&self, bank: Option<usize>) -> Vec<(Vec<f64>, f64)> {
        let s = &self.by_phase;
        let mut out = vec![(vec![0.0; s.buckets + 1], 0.0); 24];
        for p in 0..PHASES {
            let h = self.phase(bank, p);
            for (i, &x) in h[..s.buckets].iter().enumerate() {
                let hour = (p + i) / 6 % 24;
                match (p + i) % 6 {
                    5 => {
                        out[hour].0[i] += x as f64 / 2.0;
                        out[(hour + 1) % 24].0[i] += x as f64 / 2.0;
                    }
                    _ => out[hour].0[i] += x as f64,
                }
            }
            for o in &mut out {
                o.0[s.buckets] += h[s.buckets] as f64 / 24.0;
            }
        }
        for (h, time) in self.never_by_clock_hour(bank).into_iter().enumerate() {
            out[((self.first_hour + h as u64) % 24) as usize].1 += time;
        }
        out
    }

    /// Data age at each hour of the day for one bank or all, as `data_age_by_hour.csv`
    /// reads it.
    pub fn hours(&self, bank: Option<usize>) -> Vec<HourAge> {
        let sum: f64 = self.weight.iter().sum();
        self.by_hour(bank)
            .into_iter()
            .enumerate()
            .map(|(hour, (h, never))| {
                let total = h.iter().sum::<f64>() + never;
                HourAge {
                    hour,
                    app_open_share: self.weight[hour] / sum,
                    connection_hours: total / HOUR_US as f64,
                    p50_hours: self.quantile_hours(&h, never, 0.5),
                    p95_hours: self.quantile_hours(&h, never, 0.95),
                    stale_24h_share: share_older_than(&h, never, 24),
                    never_share: (total > 0.0).then(|| never / total),
                }
            })
            .collect()
    }

    /// A summary's figures for one bank or all: the median and 95th percentile of data age
    /// at app opens, and the share of opens finding data 24 h old or older.
    pub fn summarise(&self, bank: Option<usize>, s: &mut Summary) {
        let (h, never) = self.histogram(bank);
        s.at_open_p50_hours = self.quantile_hours(&h, never, 0.5);
        s.at_open_p95_hours = self.quantile_hours(&h, never, 0.95);
        s.stale_24h_at_open_share = share_older_than(&h, never, 24);
    }

    /// Data age at the app opens in the hours `hours` of the clock (ending past 24: across
    /// midnight) for one bank or all, each hour weighted by its opens: the median (hours)
    /// and the share 24 h old or older, or none. Over the whole day, the summary's figures
    /// (a trial's CFO asked for the morning's, which the day's weighting hides: night
    /// pacing leaves 5 h at 08:00 and 17 h in the evening).
    pub fn between(
        &self,
        bank: Option<usize>,
        hours: std::ops::Range<usize>,
    ) -> (Option<f64>, Option<f64>) {
        let by_hour = self.by_hour(bank);
        let (mut h, mut never) = (vec![0.0; self.by_phase.buckets + 1], 0.0);
        for hour in hours.map(|h| h % 24) {
            let w = self.weight[hour];
            for (sum, x) in h.iter_mut().zip(&by_hour[hour].0) {
                *sum += x * w;
            }
            never += by_hour[hour].1 * w;
        }
        (
            self.quantile_hours(&h, never, 0.5),
            share_older_than(&h, never, 24),
        )
    }

    /// The `q`-quantile of the weighted ages `h` and time with no data `never`, in hours
    /// (as `Staleness::quantile_hours`, by ten minutes: the bucket's upper edge, infinite
    /// among connections never refreshed, `None` with nothing measured).
    fn quantile_hours(&self, h: &[f64], never: f64, q: f64) -> Option<f64> {
        let total = h.iter().sum::<f64>() + never;
        if total <= 0.0 {
            return None;
        }
        let rank = q * total;
        let mut acc = 0.0;
        for (m, &x) in h.iter().enumerate() {
            acc += x;
            if acc >= rank && x > 0.0 {
                let buckets = (m + 1).min(self.by_phase.buckets);
                return Some(buckets as f64 * TEN_MIN_US as f64 / HOUR_US as f64);
            }
        }
        Some(f64::INFINITY)
    }
}

/// Data age at one hour of the day (one bank's or all banks'): what a customer opening the
/// app then finds.
#[derive(Clone, Debug, PartialEq)]
pub struct HourAge {
    /// The hour of the clock, 0–23 (`hour` to `hour + 1`).
    pub hour: usize,
    /// The share of app opens in this hour (the profile's).
    pub app_open_share: f64,
    /// Connection-time lived in this hour over the measured window (hours).
    pub connection_hours: f64,
    /// Median and 95th percentile of data age in this hour (hours, by ten minutes; infinite
    /// among connections never refreshed; `None` with no time measured).
    pub p50_hours: Option<f64>,
    pub p95_hours: Option<f64>,
    /// Share of this hour's connection-time with data 24 h old or older, or none.
    pub stale_24h_share: Option<f64>,
    /// Share of this hour's connection-time with no data yet (never refreshed).
    pub never_share: Option<f64>,
}

/// Share of app opens that find data at least `hours` old (never refreshed included).
fn share_older_than(h: &[f64], never: f64, hours: u64) -> Option<f64> {
    let total = h.iter().sum::<f64>() + never;
    if total <= 0.0 {
        return None;
    }
    let from = ((hours * HOUR_US / TEN_MIN_US) as usize).min(h.len());
    Some((h[from..].iter().sum::<f64>() + never) / total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    const MIN: u64 = 60_000_000;

    /// Against brute force: random segments, each recorded from a last success at every
    /// minute of its hour (the uniform minute the weights assume), some never refreshed,
    /// some taken back; the weighted time at each hour of age found by walking every minute
    /// of every segment with the weight of its hour of day.
    #[test]
    fn the_ramps_weigh_each_age_by_the_hour_it_was_seen() {
        let mut profile = [0.0; 24];
        for (h, w) in profile.iter_mut().enumerate() {
            *w = 0.2 + (h as f64 - 19.0).abs().recip().min(3.0);
        }
        let window = (SimTime(0), SimTime(200 * HOUR_US));
        let mut a = AtOpen::new(1, &profile, SimDuration::from_hours(72), window);
        let weight = profile.map(|w| w * 24.0 / profile.iter().sum::<f64>());
        let mut brute = vec![0.0; 72 * 60 + 1];
        let mut brute_never = 0.0;
        // The same, for the opens from 06:00 to 12:00 alone.
        let (mut morning, mut morning_never) = (vec![0.0; 72 * 60 + 1], 0.0);
        let mut rng = rand_xoshiro::SplitMix64::seed_from_u64(3);
        let at = |m: u64| SimTime(m * MIN);
        for _ in 0..60 {
            let hour = rng.random_range(0..96u64) * 60;
            let (ahead, len) = (rng.random_range(0..600u64), rng.random_range(1..2880u64));
            let never = rng.random::<f64>() < 0.1;
            // A gap taken back from the middle third (a lapsed consent), one time in three.
            let gap = rng.random::<f64>() < 0.3;
            for u in 0..60 {
                let last = hour + u;
                let (t0, t1) = (last + ahead, last + ahead + len);
                let last_t = if never { SimTime::NEVER } else { at(last) };
                a.record(0, last_t, at(t0), at(t1));
                let (g0, g1) = (t0 + len / 3, t0 + 2 * len / 3);
                if gap {
                    a.unrecord(0, last_t, at(g0), at(g1));
                }
                for m in (t0..t1).filter(|m| !gap || !(g0..g1).contains(m)) {
                    let w = weight[(m / 60 % 24) as usize] * MIN as f64;
                    let age = ((m - last) as usize).min(72 * 60);
                    match never {
                        true => brute_never += w,
                        false => brute[age] += w,
                    }
                    if (6..12).contains(&(m / 60 % 24)) {
                        match never {
                            true => morning_never += w,
                            false => morning[age] += w,
                        }
                    }
                }
            }
        }
        let (h, never) = a.histogram(None);
        assert!((never - brute_never).abs() < 1e-6 * brute_never.max(1.0));
        // Hour by hour of age within 3 % (the weights split an hour's boundary half and
        // half, where whole-minute successes put 45 % past it; the profile's hours differ
        // by up to 16 times).
        for k in 0..72 {
            let got: f64 = h[k * 6..(k + 1) * 6].iter().sum();
            let want: f64 = brute[k * 60..(k + 1) * 60].iter().sum();
            assert!(
                (got - want).abs() <= 0.03 * want.abs() + 1.0,
                "hour {k} of age: {got} vs {want}"
            );
        }
        // What the files say: percentiles within a bucket and the share within half a point.
        for q in [0.5, 0.8, 0.95] {
            let got = a.quantile_hours(&h, never, q);
            near_brute(
                got,
                share_older_than(&h, never, 24),
                (&brute, brute_never),
                q,
            );
        }
        // The morning's opens alone, as brute force has them; the whole day's, the summary's.
        let (p50, stale) = a.between(None, 6..12);
        near_brute(p50, stale, (&morning, morning_never), 0.5);
        let mut s = summary();
        a.summarise(None, &mut s);
        let (p50, stale) = a.between(None, 0..24);
        assert_eq!(p50, s.at_open_p50_hours);
        assert!((stale.unwrap() - s.stale_24h_at_open_share.unwrap()).abs() < 1e-12);
    }

    /// A `q`-quantile (hours) within a bucket of the brute force's minutes `(ages, never)`,
    /// and a share 24 h old or older within half a point of theirs.
    fn near_brute(got: Option<f64>, stale: Option<f64>, (ages, never): (&[f64], f64), q: f64) {
        let total = ages.iter().sum::<f64>() + never;
        let mut acc = 0.0;
        let m = ages.iter().position(|x| {
            acc += x;
            acc >= q * total
        });
        let want = m.map_or(f64::INFINITY, |m| (m + 1) as f64 / 60.0);
        let got = got.unwrap();
        assert!(
            got == want || (got - want).abs() <= 1.0 / 6.0,
            "p{q}: {got} vs {want}"
        );
        let old = (ages[24 * 60..].iter().sum::<f64>() + never) / total;
        assert!((stale.unwrap() - old).abs() < 0.005, "{stale:?} vs {old}");
    }

    fn summary() -> Summary {
        let day = SimDuration::from_hours(24);
        Summary::new(Default::default(), day, SimDuration::ZERO, 1.0)
    }

    /// Each bank's figures are its own, and all banks' are those of one bank holding every
    /// bank's time (to the bit: the banks' integers are summed before they are weighed).
    #[test]
    fn each_bank_sees_its_own_ages_and_all_banks_their_sum() {
        let mut profile = [0.0; 24];
        profile[19..22].fill(1.0);
        let window = (SimTime(HOUR_US), SimTime(150 * HOUR_US));
        let horizon = SimDuration::from_hours(48);
        let (mut two, mut one) = (
            AtOpen::new(2, &profile, horizon, window),
            AtOpen::new(1, &profile, horizon, window),
        );
        // Bank 0 refreshed at 02:00, bank 1 at 18:00, each from its first success on; bank
        // 1 has a connection never refreshed from 01:00 to 30:00, and a lapse taken back.
        let mut both = |b: usize, last: SimTime, t0: u64, t1: u64| {
            two.record(b, last, SimTime(t0 * HOUR_US), SimTime(t1 * HOUR_US));
            one.record(0, last, SimTime(t0 * HOUR_US), SimTime(t1 * HOUR_US));
        };
        both(1, SimTime::NEVER, 1, 30);
        for d in 0..6u64 {
            for (b, at) in [(0, 2), (1, 18)] {
                let t = d * 24 + at;
                both(b, SimTime(t * HOUR_US), t, t + 24);
            }
        }
        two.unrecord(
            1,
            SimTime(18 * HOUR_US),
            SimTime(20 * HOUR_US),
            SimTime(22 * HOUR_US),
        );
        one.unrecord(
            0,
            SimTime(18 * HOUR_US),
            SimTime(20 * HOUR_US),
            SimTime(22 * HOUR_US),
        );
        assert_eq!(two.histogram(None), one.histogram(None));
        assert_eq!(two.hours(None), one.hours(None));
        let (mut s2, mut s1) = (summary(), summary());
        two.summarise(None, &mut s2);
        one.summarise(None, &mut s1);
        assert_eq!(s2, s1);
        // Opened only 19:00–22:00: bank 0's data is 17–20 h old then, bank 1's 1–4 h.
        let (mut a, mut b) = (summary(), summary());
        two.summarise(Some(0), &mut a);
        two.summarise(Some(1), &mut b);
        let (a50, b50) = (a.at_open_p50_hours.unwrap(), b.at_open_p50_hours.unwrap());
        assert!(
            (17.0..=20.0).contains(&a50) && (1.0..=4.0).contains(&b50),
            "{a50} vs {b50}"
        );
        // Bank 1's never-refreshed hours are its own.
        let never = |b: Option<usize>| two.hours(b)[5].never_share.unwrap();
        assert_eq!(never(Some(0)), 0.0);
        assert!(never(Some(1)) > 0.0 && never(None) < never(Some(1)));
        let (h0, n0) = two.histogram(Some(0));
        let (h1, n1) = two.histogram(Some(1));
        let (h, n) = two.histogram(None);
        assert_eq!(n0, 0.0);
        assert!((n1 - n).abs() <= 1e-9 * n);
        for i in 0..h.len() {
            assert!(
                (h0[i] + h1[i] - h[i]).abs() <= 1e-9 * h[i].max(1.0),
                "bucket {i}"
            );
        }
    }

    /// Refreshed at 02:00 each night and looked at only from 19:00 to 22:00: the data seen
    /// is 17–20 h old, though 12 h old on average over the clock.
    #[test]
    fn a_nightly_refresh_is_seen_in_the_evening() {
        let mut profile = [0.0; 24];
        profile[19..22].fill(1.0);
        let window = (SimTime(0), SimTime(150 * HOUR_US));
        let mut a = AtOpen::new(1, &profile, SimDuration::from_hours(48), window);
        for d in 0..5u64 {
            let last = SimTime((d * 24 + 2) * HOUR_US);
            a.record(0, last, last, SimTime(((d + 1) * 24 + 2) * HOUR_US));
        }
        // Within ten minutes of the truth: the refresh at 02:00 sharp is read as spread over
        // its ten minutes.
        let (h, never) = a.histogram(None);
        let p50 = a.quantile_hours(&h, never, 0.5).unwrap();
        assert!((18.3..=18.7).contains(&p50), "{p50}");
        assert!(share_older_than(&h, never, 20).unwrap() < 0.03);
        assert!(share_older_than(&h, never, 17).unwrap() > 0.97);
    }

    /// Hour by hour, weighted by the profile, the ages are the app-open histogram; and a
    /// nightly refresh at 02:00 is 1–2 h old from 03:00 to 04:00 and 17–18 h old from 19:00.
    #[test]
    fn each_hour_of_the_day_sees_its_own_ages() {
        let mut profile = [1.0; 24];
        profile[19..22].fill(4.0);
        let window = (SimTime(0), SimTime(150 * HOUR_US));
        let mut a = AtOpen::new(1, &profile, SimDuration::from_hours(48), window);
        a.record(0, SimTime::NEVER, SimTime(0), SimTime(2 * HOUR_US));
        for d in 0..5u64 {
            let last = SimTime((d * 24 + 2) * HOUR_US);
            a.record(0, last, last, SimTime(((d + 1) * 24 + 2) * HOUR_US));
        }
        let (h, never) = a.histogram(None);
        let by_hour = a.by_hour(None);
        for (i, want) in h.iter().enumerate() {
            let got: f64 = (0..24).map(|k| a.weight[k] * by_hour[k].0[i]).sum();
            assert!(
                (got - want).abs() <= 1e-9 * want.max(1.0),
                "bucket {i}: {got} vs {want}"
            );
        }
        let got_never: f64 = (0..24).map(|k| a.weight[k] * by_hour[k].1).sum();
        assert!(
            (got_never - never).abs() <= 1e-9 * never,
            "{got_never} vs {never}"
        );
        let hours = a.hours(None);
        let p50 = |k: usize| hours[k].p50_hours.unwrap();
        assert!((1.3..=1.8).contains(&p50(3)), "{}", p50(3));
        assert!((17.3..=17.8).contains(&p50(19)), "{}", p50(19));
        // The first night's two hours with no data, one of six nights at 00:00 and 01:00.
        assert_eq!(hours[0].never_share, Some(1.0 / 6.0));
        assert_eq!(hours[5].never_share, Some(0.0));
        let opens: f64 = hours.iter().map(|h| h.app_open_share).sum();
        assert!(
            (opens - 1.0).abs() < 1e-12 && (hours[20].app_open_share - 4.0 / 33.0).abs() < 1e-12
        );
    }
}
