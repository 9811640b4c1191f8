//! App opens finding data a day old, day by day (`daily.csv`'s `stale_24h_at_open_share`):
//! what a bad day cost the customers who looked that day, where `daily.csv`'s other age
//! columns weigh every instant alike and count connections whether or not anyone opens the
//! app (two trials measured an incident day's opens alone with a warm-up ending on it).
//!
//! Exact and O(1) per day a segment spans: each day's connection-time, and its time with
//! data 24 h old or older (none yet included, as the run's figure counts it), is kept by the
//! hour of the clock in which it was lived, as differences: a segment's end counts +1 in its
//! hour and its start −1, with their offsets into their hours, and each hour's time is
//! summed once, at the end (in integers, so the order of the records changes nothing). Each
//! hour is then weighed by the app-open profile. Days are `daily.csv`'s (24 h from the
//! window's start); a day starting off the hour has 25 hours of the clock, part-hours at
//! each end, hence [`SLOTS`].

use crate::time::{SimDuration, SimTime, DAY_US, HOUR_US};

/// Hours of the clock a day's slots hold: 25 for a day starting off the hour, and one for
/// a segment ending at the day's very end.
const SLOTS: usize = 26;
/// A day old, as the run's share of opens counts it.
const STALE_US: u64 = 24 * HOUR_US;

/// Connection-time and time with data a day old, by day, bank and hour of the clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpensByDay {
    banks: usize,
    start: SimTime,
    last_day: usize,
    /// Row `(day * banks + bank) * SLOTS + slot`: `[all, a day old]` differences (+1 an
    /// end, −1 a start) and their offsets into their hours (µs).
    ends: Vec<[i64; 2]>,
    offsets: Vec<[i64; 2]>,
}

impl OpensByDay {
    /// The days of `window` from `start`, for `banks` banks.
    pub fn new(start: SimTime, window: SimDuration, banks: usize) -> Self {
        let days = window.as_micros().div_ceil(DAY_US).max(1) as usize;
        OpensByDay {
            banks,
            start,
            last_day: days - 1,
            ends: vec![[0; 2]; days * banks * SLOTS],
            offsets: vec![[0; 2]; days * banks * SLOTS],
        }
    }

    /// Connection-time `[t0, t1)` of `bank` whose last success was `last` (`NEVER`: none),
    /// recorded (`sign` 1) or taken back (−1), split at the days' boundaries.
    #[inline]
    pub fn add(&mut self, bank: usize, last: SimTime, (t0, t1): (SimTime, SimTime), sign: i64) {
        let old = match last == SimTime::NEVER {
            true => t0,
            false => t0.max(last + SimDuration(STALE_US)),
        };
        let mut t = t0;
        while t < t1 {
            let d = self.day_of(t);
            let end = match d == self.last_day {
                true => t1,
                false => t1.min(self.day_start(d + 1)),
            };
            self.mark(d, bank, 0, (t, end), sign);
            if old < end {
                self.mark(d, bank, 1, (old.max(t), end), sign);
            }
            t = end;
        }
    }

    /// `[a, b)` of day `d` in column `k` (0: all, 1: a day old).
    #[inline]
    fn mark(&mut self, d: usize, bank: usize, k: usize, (a, b): (SimTime, SimTime), sign: i64) {
        let row = (d * self.banks + bank) * SLOTS;
        let first = self.day_start(d).as_micros() / HOUR_US;
        for (t, s) in [(b, sign), (a, -sign)] {
            let us = t.as_micros();
            let slot = ((us / HOUR_US - first) as usize).min(SLOTS - 1);
            self.ends[row + slot][k] += s;
            self.offsets[row + slot][k] += s * (us % HOUR_US) as i64;
        }
    }

    fn day_start(&self, d: usize) -> SimTime {
        self.start + SimDuration(d as u64 * DAY_US)
    }

    /// The day holding `t`: time past the window counts in the last.
    fn day_of(&self, t: SimTime) -> usize {
        ((t.saturating_since(self.start).as_micros() / DAY_US) as usize).min(self.last_day)
    }

    /// Day `d`'s share of app opens finding data 24 h old or older for one bank or all
    /// (`None`), each hour of the clock weighed by `weight` (the profile, by hour of the day);
    /// `None` with no connection-time of customers who open the app that day.
    pub fn share(&self, d: usize, bank: Option<usize>, weight: &[f64; 24]) -> Option<f64> {
        let banks = bank.map_or(0..self.banks, |b| b..b + 1);
        let (mut ends, mut offsets) = ([[0i64; 2]; SLOTS], [[0i64; 2]; SLOTS]);
        for b in banks {
            let row = (d * self.banks + b) * SLOTS;
            for s in 0..SLOTS {
                for k in 0..2 {
                    ends[s][k] += self.ends[row + s][k];
                    offsets[s][k] += self.offsets[row + s][k];
                }
            }
        }
        let first = self.day_start(d).as_micros() / HOUR_US;
        let (mut after, mut sums) = ([0i64; 2], [0.0f64; 2]);
        // From the last hour back, as the differences are built.
        for s in (0..SLOTS).rev() {
            let w = weight[((first + s as u64) % 24) as usize];
            for k in 0..2 {
                let us = after[k] * HOUR_US as i64 + offsets[s][k];
                sums[k] += w * us as f64;
                after[k] += ends[s][k];
            }
        }
        (sums[0] > 0.0).then(|| sums[1] / sums[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: u64 = HOUR_US;

    fn at(h: u64) -> SimTime {
        SimTime(h * H)
    }

    /// A connection refreshed at 06:00 of day 0 and again at 12:00 of day 1: its data is a
    /// day old from 06:00 to 12:00 of day 1, before that none until 06:00 of day 0. Opens
    /// only from 08:00 to 10:00 find day 1's data a day old, day 0's never; opens all day
    /// find it so a quarter of day 1.
    #[test]
    fn each_day_weighs_its_hours_by_the_opens() {
        let mut o = OpensByDay::new(SimTime(0), SimDuration::from_hours(48), 1);
        o.add(0, SimTime::NEVER, (at(0), at(6)), 1);
        o.add(0, at(6), (at(6), at(36)), 1);
        o.add(0, at(36), (at(36), at(48)), 1);
        let mut morning = [0.0; 24];
        morning[8..10].fill(1.0);
        assert_eq!(o.share(1, Some(0), &morning), Some(1.0));
        assert_eq!(o.share(1, None, &[1.0; 24]), Some(0.25));
        assert_eq!(o.share(0, Some(0), &morning), Some(0.0));
        // Day 0's six hours with no data count, as the run's figure counts them.
        assert_eq!(o.share(0, Some(0), &[1.0; 24]), Some(0.25));
        // Taken back (a lapse's gap), the time is gone.
        o.add(0, at(6), (at(30), at(36)), -1);
        assert_eq!(o.share(1, None, &[1.0; 24]), Some(0.0));
    }

    /// A day starting off the hour (the window from 06:30 of day 1) splits its clock hours
    /// at both ends; each part is weighed by its own hour of the clock.
    #[test]
    fn days_off_the_hour_weigh_their_part_hours() {
        let start = SimTime(30 * H + H / 2);
        let day = SimDuration(24 * H);
        let mut o = OpensByDay::new(start, SimDuration::from_hours(48), 2);
        // Bank 0 refreshed at 06:00 of day 0: a day old from 06:00 of day 1 until its
        // refresh at 07:00, then fresh to the day's end at 06:30 of day 2 (23.5 h old).
        // Bank 1 has no data all day.
        o.add(0, at(6), (start, at(31)), 1);
        o.add(0, at(31), (at(31), start + day), 1);
        o.add(1, SimTime::NEVER, (start, start + day), 1);
        let mut w = [0.0; 24];
        w[6] = 1.0;
        // Opens at 06:xx: the day holds 06:30–07:00 of day 1 (a day old) and 06:00–06:30 of
        // day 2 (fresh) at bank 0; both with no data at bank 1.
        assert_eq!(o.share(0, Some(0), &w), Some(0.5));
        assert_eq!(o.share(0, Some(1), &w), Some(1.0));
        assert_eq!(o.share(0, None, &w), Some(0.75));
        assert_eq!(o.share(1, None, &w), None);
    }
}
