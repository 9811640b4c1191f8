//! Data age day by day: what `daily.csv`'s age columns read, so that a bad day's aftermath
//! (how long until data is back to its usual age) shows day by day rather than averaged
//! into the run's figures.
//!
//! The same ramps as [`super::Staleness`], by the hour of age, one row per day and bank: a
//! segment of connection-time is split at the days' boundaries (24 h from the window's
//! start, as `daily.csv`'s days) and each part recorded in its day's row, still O(1) per
//! day it spans. Unlike the run's figures, every day is kept, the warm-up's too (marked
//! unmeasured in `daily.csv`): a run starts with no data, so its first days read "never".

use super::staleness::{interpolated_hours, Ramps};
use super::DAY_US;
use crate::time::{SimDuration, SimTime, HOUR_US};

/// Connection-time at each hour of age, per day and bank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyAge {
    /// Row `day * banks + bank`.
    ramps: Ramps<HOUR_US>,
    banks: usize,
    start: SimTime,
    /// The last day's index: time after the window counts in it, as `Daily::day_of` does.
    last_day: usize,
}

/// One day's data age, for one bank or all: over its connection-time, as `summary.csv`'s
/// `staleness_*` columns over the measured window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DayAge {
    /// Median and 95th percentile in hours, interpolated within the hour of age; infinite
    /// among connections never refreshed; at the horizon a lower bound; `None` with no time.
    pub p50_hours: Option<f64>,
    pub p95_hours: Option<f64>,
    /// Share of the day's connection-time with data 24 h old or older, or none.
    pub stale_24h_share: Option<f64>,
    /// Share of the day's connection-time with no data yet (never refreshed since the
    /// window opened: mostly a run's first pass, which the warm-up is for), or none.
    pub never_share: Option<f64>,
    /// The day's connection-time (hours): the shares' weight when days are pooled.
    pub connection_hours: f64,
}

impl DailyAge {
    /// The days of `window` from `start`, for `banks` banks, ages resolved up to `horizon`.
    pub fn new(start: SimTime, window: SimDuration, banks: usize, horizon: SimDuration) -> Self {
        let days = window.as_micros().div_ceil(DAY_US).max(1) as usize;
        DailyAge {
            ramps: Ramps::new(days * banks, horizon),
            banks,
            start,
            last_day: days - 1,
        }
    }

    /// Connection-time `[t0, t1)` of `bank` whose last success was `last` (see
    /// `Ramps::record`), split by day.
    #[inline]
    pub fn record(&mut self, bank: usize, last: SimTime, t0: SimTime, t1: SimTime) {
        self.add(bank, last, t0, t1, true);
    }

    /// Takes back connection-time `[t0, t1)` (see `Ramps::unrecord`).
    pub fn unrecord(&mut self, bank: usize, last: SimTime, t0: SimTime, t1: SimTime) {
        self.add(bank, last, t0, t1, false);
    }

    #[inline]
    fn add(&mut self, bank: usize, last: SimTime, t0: SimTime, t1: SimTime, record: bool) {
        let mut t = t0;
        let mut d = (t.saturating_since(self.start).as_micros() / DAY_US) as usize;
        while t < t1 {
            let end = match d >= self.last_day {
                true => t1,
                false => t1.min(self.start + SimDuration((d as u64 + 1) * DAY_US)),
            };
            let row = d.min(self.last_day) * self.banks + bank;
            match record {
                true => self.ramps.record(row, last, t, end),
                false => self.ramps.unrecord(row, last, t, end),
            }
            (t, d) = (end, d + 1);
        }
    }

    /// Day `d`'s data age for one bank, or all with `None`.
    pub fn day(&self, d: usize, bank: Option<usize>) -> DayAge {
        let mut h = vec![0u64; self.ramps.buckets + 1];
        let banks = match bank {
            Some(b) => b..b + 1,
            None => 0..self.banks,
        };
        let mut never = 0u128;
        for b in banks {
            self.ramps.add_histogram(d * self.banks + b, &mut h);
            never += self.ramps.never_us(Some(d * self.banks + b));
        }
        let h: Vec<f64> = h.into_iter().map(|x| x as f64).collect();
        let never = never as f64;
        let total = h.iter().sum::<f64>() + never;
        let unit = HOUR_US as f64;
        let buckets = self.ramps.buckets;
        DayAge {
            p50_hours: interpolated_hours(&h, never, 0.5, buckets, unit),
            p95_hours: interpolated_hours(&h, never, 0.95, buckets, unit),
            stale_24h_share: (total > 0.0)
                .then(|| (h[24.min(h.len())..].iter().sum::<f64>() + never) / total),
            never_share: (total > 0.0).then(|| never / total),
            connection_hours: total / unit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: u64 = HOUR_US;

    fn at(h: u64) -> SimTime {
        SimTime(h * H)
    }

    /// A connection refreshed at 06:00 on day 0 and again at 06:00 on day 2 lives day 1
    /// with data 18 h to 42 h old (a flat ramp: median 30 h, 95th percentile 40.8 h, three
    /// quarters of it 24 h or older), and day 0 with none for six hours.
    #[test]
    fn a_segment_is_split_at_midnight_and_read_exactly() {
        let mut a = DailyAge::new(
            SimTime(0),
            SimDuration::from_hours(72),
            1,
            SimDuration::from_hours(72),
        );
        a.record(0, SimTime::NEVER, at(0), at(6));
        a.record(0, at(6), at(6), at(54));
        a.record(0, at(54), at(54), at(72));
        let d1 = a.day(1, Some(0));
        assert!((d1.p50_hours.unwrap() - 30.0).abs() < 1e-9, "{d1:?}");
        assert!((d1.p95_hours.unwrap() - 40.8).abs() < 1e-9, "{d1:?}");
        assert!((d1.stale_24h_share.unwrap() - 0.75).abs() < 1e-12, "{d1:?}");
        // Day 0: 6 h with no data (a quarter, the oldest), then ages 0–18 h.
        let d0 = a.day(0, Some(0));
        assert_eq!(d0.p95_hours, Some(f64::INFINITY), "{d0:?}");
        assert!((d0.p50_hours.unwrap() - 12.0).abs() < 1e-9, "{d0:?}");
        assert!((d0.stale_24h_share.unwrap() - 0.25).abs() < 1e-12, "{d0:?}");
        assert_eq!((d0.never_share, d1.never_share), (Some(0.25), Some(0.0)));
        // Day 2: ages 42–48 h until 06:00, then 0–18 h.
        let d2 = a.day(2, None);
        assert!((d2.stale_24h_share.unwrap() - 0.25).abs() < 1e-12, "{d2:?}");
    }

    /// Taking back a gap (no consent) removes it from the days it spanned, and times past
    /// the window count in its last day.
    #[test]
    fn a_gap_taken_back_and_time_past_the_end() {
        let mut a = DailyAge::new(
            SimTime(0),
            SimDuration::from_hours(48),
            2,
            SimDuration::from_hours(48),
        );
        a.record(1, at(0), at(0), at(60));
        a.unrecord(1, at(0), at(20), at(30));
        assert_eq!(a.day(0, Some(0)), DayAge::default());
        let d0 = a.day(0, Some(1));
        // Day 0: ages 0–20 h only; the median 10 h, none 24 h old.
        assert!((d0.p50_hours.unwrap() - 10.0).abs() < 1e-9, "{d0:?}");
        assert_eq!(d0.stale_24h_share, Some(0.0));
        // Day 1 (the last) holds 30 h → 60 h: all of it 24 h or older.
        let d1 = a.day(1, None);
        assert!((d1.p50_hours.unwrap() - 45.0).abs() < 1e-9, "{d1:?}");
        assert_eq!(d1.stale_24h_share, Some(1.0));
    }
}
