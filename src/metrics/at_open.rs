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
//! exactly, instant by instant. Ages are counted by ten minutes (a percentile interpolated
//! within its ten), and a refresh at a fixed instant (a bulk run at 02:00) is read as
//! spread over its ten minutes. All banks' figures
//! sum the banks' integer rows before weighing them, so they do not depend on how the time
//! is split between banks (and are those the all-bank rows alone gave).

use super::staleness::{interpolated_hours, Ramps};
use super::Summary;
use crate::time::{SimDuration, SimTime};
pub use by_day::DayShares;
use by_day::OpensByDay;

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
    /// The share of opens finding data a day old, day by day.
    by_day: OpensByDay,
    /// The connections whose customers do not open the app, kept alike where some do not
    /// (`on_demand.active_share` < 1): with these, the whole book by the clock (`book.rs`).
    rest: Option<Box<AtOpen>>,
    /// The data age counted fresh (`window.fresh_within`, whole ten minutes): the
    /// not-fresh shares are of data this old or older, or none.
    fresh_within: SimDuration,
}

impl AtOpen {
    /// Ages up to `horizon`, for `banks` banks' connection-time within `measured` (from, to),
    /// day by day from `day_zero` (the window's start: `daily.csv`'s days).
    pub fn new(
        banks: usize,
        profile: &[f64; 24],
        horizon: SimDuration,
        measured: (SimTime, SimTime),
        day_zero: SimTime,
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
            by_day: OpensByDay::new(day_zero, measured.1.saturating_since(day_zero), banks),
            rest: None,
            fresh_within: SimDuration::from_hours(24),
        }
    }

    /// Counts data `d` old or older as not fresh (24 h unless said); before
    /// [`with_rest`](Self::with_rest), which copies it.
    pub fn fresh_within(mut self, d: SimDuration) -> Self {
        self.fresh_within = d;
        self.by_day.fresh_within(d);
        self
    }

    /// The data age counted fresh.
    pub fn fresh_limit(&self) -> SimDuration {
        self.fresh_within
    }

    /// Day `d`'s shares of app opens finding data 24 h old or older and past
    /// `fresh_within`, for one bank or all (`None`); `None` where no customer who opens the
    /// app had connection-time that day in an hour the profile gives opens (the warm-up's
    /// days, or no one asking).
    pub fn day_shares(&self, d: usize, bank: Option<usize>) -> Option<DayShares> {
        self.by_day.shares(d, bank, &self.weight)
    }

    /// Connection-time `[t0, t1)` of `bank` with its last success at `last` (see
    /// `Ramps::record`).
    #[inline]
    pub fn record(&mut self, bank: usize, last: SimTime, t0: SimTime, t1: SimTime) {
        if last == SimTime::NEVER || t1 <= t0 {
            return self.add(bank, last, t0, t1, 1);
        }
        self.by_phase.record(Self::row(bank, last), last, t0, t1);
        self.by_day.add(bank, last, (t0, t1), 1);
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
        self.by_day.add(bank, last, (t0, t1), sign as i64);
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
        self.hours_of(self.by_hour(bank))
    }

    /// [`hours`](Self::hours) of the connection-time `by_hour` ([`by_hour`](Self::by_hour)'s
    /// layout).
    fn hours_of(&self, by_hour: Vec<(Vec<f64>, f64)>) -> Vec<HourAge> {
        let sum: f64 = self.weight.iter().sum();
        by_hour
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
                    stale_24h_share: share_older_than(&h, never, DAY),
                    not_fresh_share: share_older_than(&h, never, self.fresh_within),
                    never_share: (total > 0.0).then(|| never / total),
                }
            })
            .collect()
    }

    /// A summary's figures for one bank or all: the median and 95th percentile of data age
    /// at app opens, and the shares of opens finding data 24 h old or older, and not fresh.
    pub fn summarise(&self, bank: Option<usize>, s: &mut Summary) {
        let (h, never) = self.histogram(bank);
        s.at_open_p50_hours = self.quantile_hours(&h, never, 0.5);
        s.at_open_p95_hours = self.quantile_hours(&h, never, 0.95);
        s.stale_24h_at_open_share = share_older_than(&h, never, DAY);
        s.not_fresh_at_open_share = share_older_than(&h, never, self.fresh_within);
    }

    /// Data age at the app opens in the hours `hours` of the clock (ending past 24: across
    /// midnight) for one bank or all, each hour weighted by its opens: the median (hours)
    /// and the shares 24 h old or older and not fresh, or none. Over the whole day, the summary's figures
    /// (a trial's CFO asked for the morning's, which the day's weighting hides: night
    /// pacing leaves 5 h at 08:00 and 17 h in the evening).
    pub fn between(&self, bank: Option<usize>, hours: std::ops::Range<usize>) -> Between {
        self.between_of(&self.by_hour(bank), hours, &self.weight)
    }

    /// [`between`](Self::between) of the connection-time `by_hour`, each hour weighted by
    /// `weight`'s.
    fn between_of(
        &self,
        by_hour: &[(Vec<f64>, f64)],
        hours: std::ops::Range<usize>,
        weight: &[f64; 24],
    ) -> Between {
        let (mut h, mut never) = (vec![0.0; self.by_phase.buckets + 1], 0.0);
        for hour in hours.map(|h| h % 24) {
            let w = weight[hour];
            for (sum, x) in h.iter_mut().zip(&by_hour[hour].0) {
                *sum += x * w;
            }
            never += by_hour[hour].1 * w;
        }
        Between {
            p50_hours: self.quantile_hours(&h, never, 0.5),
            stale_24h_share: share_older_than(&h, never, DAY),
            not_fresh_share: share_older_than(&h, never, self.fresh_within),
        }
    }

    /// The `q`-quantile of the weighted ages `h` and time with no data `never`, in hours:
    /// interpolated within its ten minutes of age, where a ramp's time is spread evenly
    /// (the bucket's upper edge would put every figure on a ten-minute grid, and two
    /// strategies' paired difference would read "+2.17 ± 0.00" replication after
    /// replication); the horizon among ages at it or older, infinite among connections
    /// never refreshed, `None` with nothing measured.
    fn quantile_hours(&self, h: &[f64], never: f64, q: f64) -> Option<f64> {
        interpolated_hours(h, never, q, self.by_phase.buckets, TEN_MIN_US as f64)
    }
}

/// Data age at the app opens in some hours of the clock ([`AtOpen::between`]): the median
/// (hours), the shares 24 h old or older and `window.fresh_within` old or older, or none;
/// `None` each with no time measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Between {
    pub p50_hours: Option<f64>,
    pub stale_24h_share: Option<f64>,
    pub not_fresh_share: Option<f64>,
}

/// A day of age: the day-old shares' threshold.
const DAY: SimDuration = SimDuration::from_hours(24);

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
    /// Median and 95th percentile of data age in this hour (hours, interpolated within ten
    /// minutes of age; infinite
    /// among connections never refreshed; `None` with no time measured).
    pub p50_hours: Option<f64>,
    pub p95_hours: Option<f64>,
    /// Share of this hour's connection-time with data 24 h old or older, or none.
    pub stale_24h_share: Option<f64>,
    /// Share of it with data `window.fresh_within` old or older, or none.
    pub not_fresh_share: Option<f64>,
    /// Share of this hour's connection-time with no data yet (never refreshed).
    pub never_share: Option<f64>,
}

/// Share of app opens that find data at least `hours` old (never refreshed included).
fn share_older_than(h: &[f64], never: f64, age: SimDuration) -> Option<f64> {
    let total = h.iter().sum::<f64>() + never;
    if total <= 0.0 {
        return None;
    }
    let from = ((age.as_micros() / TEN_MIN_US) as usize).min(h.len());
    Some((h[from..].iter().sum::<f64>() + never) / total)
}

mod book;
mod by_day;
#[cfg(test)]
mod tests;
