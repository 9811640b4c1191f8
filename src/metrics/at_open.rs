//! Data age when customers open the app: connection-time weighted by the app-open profile
//! (`on_demand.profile`, or the default daytime one) at each instant's hour of day.
//!
//! A customer sees their data when they open the app, and they open it by day, mostly in
//! the evening: a nightly bulk refresh at 02:00 leaves data about 12 h old on average over
//! the clock, but 17–20 h old when most customers look. [`super::Staleness`] weighs every
//! instant alike; this weighs each by how likely a customer is to look then.
//!
//! It keeps the O(1)-per-refresh ramps: a segment whose last success fell in the `p`-th ten
//! minutes of the day is recorded, unweighted, in row `p` of 144 rows of ramps by ten minutes
//! of age. The weight of age bucket `i` in that row is then known: the clock is at
//! `10(p + i) + s` minutes, `s` in [0, 20) the sum of the success's minute within its ten
//! and the age's within its bucket, taken as uniform; that span lies within one hour of the
//! day, or (when `p + i` is the hour's sixth ten minutes) half in it and half in the next.
//! The weighted histogram is summed once, at the end. Time with no data yet is weighted
//! exactly, instant by instant. Ages are resolved by ten minutes, and a refresh at a fixed
//! instant (a bulk run at 02:00) is read as spread over its ten minutes.

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
    /// Unweighted ramps by the ten minutes of the day of the segment's last success.
    by_phase: Ramps<TEN_MIN_US>,
    /// The profile, scaled to a mean of 1 over the day.
    weight: [f64; 24],
    /// Time with no data yet, by the hour of the clock from `first_hour`: each segment's end
    /// counts +1 and its start −1 in `ends`, and their offsets into their hours (µs) in
    /// `offsets`, so that a segment costs two additions and the time in each hour is summed
    /// once, at the end (in integers: the order of the records, which differs between a
    /// settled run and the run with events, changes nothing).
    first_hour: u64,
    ends: Vec<i64>,
    offsets: Vec<i64>,
    /// Segments with no data that start where the measured time does (nearly all: a
    /// connection's time before its first refresh), counted apart: one addition each.
    from: SimTime,
    from_starts: i64,
}

impl AtOpen {
    /// Ages up to `horizon`, for connection-time within `measured` (from, to).
    pub fn new(profile: &[f64; 24], horizon: SimDuration, measured: (SimTime, SimTime)) -> AtOpen {
        let sum: f64 = profile.iter().sum();
        let first_hour = measured.0.as_micros() / HOUR_US;
        let hours = (measured.1.as_micros() / HOUR_US - first_hour) as usize + 1;
        AtOpen {
            by_phase: Ramps::new(PHASES, horizon),
            weight: profile.map(|w| w * 24.0 / sum),
            first_hour,
            ends: vec![0; hours],
            offsets: vec![0; hours],
            from: measured.0,
            from_starts: 0,
        }
    }

    /// Connection-time `[t0, t1)` with its last success at `last` (see `Ramps::record`).
    #[inline]
    pub fn record(&mut self, last: SimTime, t0: SimTime, t1: SimTime) {
        if last == SimTime::NEVER || t1 <= t0 {
            return self.add(last, t0, t1, 1);
        }
        let phase = (last.as_micros() / TEN_MIN_US % PHASES as u64) as usize;
        self.by_phase.record(phase, last, t0, t1);
    }

    /// Takes back connection-time `[t0, t1)` (see `Ramps::unrecord`).
    pub fn unrecord(&mut self, last: SimTime, t0: SimTime, t1: SimTime) {
        self.add(last, t0, t1, -1);
    }

    fn add(&mut self, last: SimTime, t0: SimTime, t1: SimTime, sign: i8) {
        if t1 <= t0 {
            return;
        }
        if last == SimTime::NEVER {
            self.end(t1, sign as i64);
            match t0 == self.from {
                true => self.from_starts -= sign as i64,
                false => self.end(t0, -(sign as i64)),
            }
            return;
        }
        let phase = (last.as_micros() / TEN_MIN_US % PHASES as u64) as usize;
        if sign > 0 {
            self.by_phase.record(phase, last, t0, t1);
        } else {
            self.by_phase.unrecord(phase, last, t0, t1);
        }
    }

    /// One end of a segment with no data (+1 its end, −1 its start).
    #[inline]
    fn end(&mut self, t: SimTime, sign: i64) {
        let us = t.as_micros();
        let hour =
            ((us / HOUR_US).saturating_sub(self.first_hour) as usize).min(self.ends.len() - 1);
        self.ends[hour] += sign;
        self.offsets[hour] += sign * (us % HOUR_US) as i64;
    }

    /// Weighted connection-time with no data yet (µs): the time in each hour of the clock
    /// is the hour for each segment ending after it, and the offsets of those ending or
    /// starting within it.
    fn never(&self) -> f64 {
        // Summed from the last hour back, as the times are built (the same bytes in files).
        let times = self.never_by_clock_hour();
        (0..times.len()).rev().fold(0.0, |never, h| {
            never + self.weight[((self.first_hour + h as u64) % 24) as usize] * times[h]
        })
    }

    /// Unweighted connection-time with no data yet (µs) in each hour of the clock from
    /// `first_hour`: the hour for each segment ending after it, and the offsets of those
    /// ending or starting within it.
    fn never_by_clock_hour(&self) -> Vec<f64> {
        let (mut ends, mut offsets) = (self.ends.clone(), self.offsets.clone());
        ends[0] += self.from_starts;
        offsets[0] += self.from_starts * (self.from.as_micros() % HOUR_US) as i64;
        let mut after = 0i64;
        let mut out = vec![0.0; ends.len()];
        for h in (0..ends.len()).rev() {
            out[h] = after as f64 * HOUR_US as f64 + offsets[h] as f64;
            after += ends[h];
        }
        out
    }

    /// Weighted connection-time (µs) at each ten minutes of age, the last entry at the
    /// horizon or older (weighted by the day's mean, 1), and with no data yet.
    pub fn histogram(&self) -> (Vec<f64>, f64) {
        let s = &self.by_phase;
        let mut out = vec![0.0; s.buckets + 1];
        for p in 0..PHASES {
            let h = s.histogram(Some(p));
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
        (out, self.never())
    }

    /// Unweighted connection-time (µs) by the hour of the day it was lived, each hour's by
    /// ten minutes of age (the last entry at the horizon or older) and with no data yet:
    /// what a customer opening the app at that hour finds. A bucket whose clock straddles
    /// two hours is split half and half, as [`histogram`](Self::histogram) weighs it; time
    /// at the horizon or older, whose hour the ramps do not keep, is spread evenly.
    pub fn by_hour(&self) -> Vec<(Vec<f64>, f64)> {
        let s = &self.by_phase;
        let mut out = vec![(vec![0.0; s.buckets + 1], 0.0); 24];
        for p in 0..PHASES {
            let h = s.histogram(Some(p));
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
        for (h, time) in self.never_by_clock_hour().into_iter().enumerate() {
            out[((self.first_hour + h as u64) % 24) as usize].1 += time;
        }
        out
    }

    /// Data age at each hour of the day, as `data_age_by_hour.csv` reads it.
    pub fn hours(&self) -> Vec<HourAge> {
        let sum: f64 = self.weight.iter().sum();
        self.by_hour()
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

    /// A summary's figures: the median and 95th percentile of data age at app opens, and
    /// the share of opens finding data 24 h old or older.
    pub fn summarise(&self, s: &mut Summary) {
        let (h, never) = self.histogram();
        s.at_open_p50_hours = self.quantile_hours(&h, never, 0.5);
        s.at_open_p95_hours = self.quantile_hours(&h, never, 0.95);
        s.stale_24h_at_open_share = share_older_than(&h, never, 24);
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

/// Data age at one hour of the day (all banks): what a customer opening the app then finds.
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
        let mut a = AtOpen::new(&profile, SimDuration::from_hours(72), window);
        let weight = profile.map(|w| w * 24.0 / profile.iter().sum::<f64>());
        let mut brute = vec![0.0; 72 * 60 + 1];
        let mut brute_never = 0.0;
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
                a.record(last_t, at(t0), at(t1));
                let (g0, g1) = (t0 + len / 3, t0 + 2 * len / 3);
                if gap {
                    a.unrecord(last_t, at(g0), at(g1));
                }
                for m in (t0..t1).filter(|m| !gap || !(g0..g1).contains(m)) {
                    let w = weight[(m / 60 % 24) as usize] * MIN as f64;
                    match never {
                        true => brute_never += w,
                        false => brute[((m - last) as usize).min(72 * 60)] += w,
                    }
                }
            }
        }
        let (h, never) = a.histogram();
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
        let total = brute.iter().sum::<f64>() + brute_never;
        let brute_q = |q: f64| {
            let mut acc = 0.0;
            let m = brute.iter().position(|x| {
                acc += x;
                acc >= q * total
            });
            m.map_or(f64::INFINITY, |m| (m + 1) as f64 / 60.0)
        };
        for q in [0.5, 0.8, 0.95] {
            let (got, want) = (a.quantile_hours(&h, never, q).unwrap(), brute_q(q));
            let same = got == want || (got - want).abs() <= 1.0 / 6.0;
            assert!(same, "p{q}: {got} vs {want}");
        }
        let old = (brute[24 * 60..].iter().sum::<f64>() + brute_never) / total;
        let got = share_older_than(&h, never, 24).unwrap();
        assert!((got - old).abs() < 0.005, "{got} vs {old}");
    }

    /// Refreshed at 02:00 each night and looked at only from 19:00 to 22:00: the data seen
    /// is 17–20 h old, though 12 h old on average over the clock.
    #[test]
    fn a_nightly_refresh_is_seen_in_the_evening() {
        let mut profile = [0.0; 24];
        profile[19..22].fill(1.0);
        let window = (SimTime(0), SimTime(150 * HOUR_US));
        let mut a = AtOpen::new(&profile, SimDuration::from_hours(48), window);
        for d in 0..5u64 {
            let last = SimTime((d * 24 + 2) * HOUR_US);
            a.record(last, last, SimTime(((d + 1) * 24 + 2) * HOUR_US));
        }
        // Within ten minutes of the truth: the refresh at 02:00 sharp is read as spread over
        // its ten minutes.
        let (h, never) = a.histogram();
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
        let mut a = AtOpen::new(&profile, SimDuration::from_hours(48), window);
        a.record(SimTime::NEVER, SimTime(0), SimTime(2 * HOUR_US));
        for d in 0..5u64 {
            let last = SimTime((d * 24 + 2) * HOUR_US);
            a.record(last, last, SimTime(((d + 1) * 24 + 2) * HOUR_US));
        }
        let (h, never) = a.histogram();
        let by_hour = a.by_hour();
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
        let hours = a.hours();
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
