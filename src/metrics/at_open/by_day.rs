//! App opens finding data a day old, or past `window.fresh_within`, day by day
//! (`daily.csv`'s `stale_24h_at_open_share` and `not_fresh_at_open_share`): what a bad day
//! cost the customers who looked that day, where `daily.csv`'s other age
//! columns weigh every instant alike and count connections whether or not anyone opens the
//! app (two trials measured an incident day's opens alone with a warm-up ending on it).
//!
//! Exact and O(1) per segment: each bank's connection-time, and its time with data 24 h old
//! or older and past `fresh_within` (none yet included, as the run's figures count it; the
//! third kept only where `fresh_within` is not a day), is kept by the hour of the
//! clock in which it was lived, as differences: a segment's end counts +1 in its hour and its
//! start −1, with their offsets into their hours, and each hour's time is summed once, at the
//! end (in integers, so the order of the records changes nothing). Each hour is then weighed
//! by the app-open profile. Days are `daily.csv`'s (24 h from the window's start): a day
//! starting off the hour (at minute `m` of it) splits two hours of the clock, and the part of
//! each before `m` is kept alike, by the offsets clamped at `m`. No segment is split at the
//! days' boundaries, which cost a loop a refresh (+8 % on 30 days of 1M connections).

use crate::time::{SimDuration, SimTime, HOUR_US};

/// A day old, as the run's share of opens counts it.
const STALE_US: u64 = 24 * HOUR_US;

/// The columns an hour keeps: all time, time a day old, time past `fresh_within`.
const COLUMNS: usize = 3;

/// One hour of the clock at one bank: for each column, the ends (+1) and starts (−1) in it,
/// their offsets into the hour, and those offsets clamped at the days' boundary minute.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Hour {
    ends: [i64; COLUMNS],
    offsets: [i64; COLUMNS],
    before: [i64; COLUMNS],
}

/// A day's shares of app opens: finding data a day old, and past `fresh_within` (the
/// same where it is a day); each counts opens finding no data yet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DayShares {
    pub stale_24h: f64,
    pub not_fresh: f64,
}

/// Connection-time and time with data a day old, by bank and hour of the clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpensByDay {
    /// The clock's hour holding the window's start, and the start's offset into it (µs):
    /// each day begins that far into its first hour.
    first_hour: u64,
    boundary: u64,
    /// Hours a bank: the window's days' and one more (a day off the hour ends in its 25th,
    /// and the window's end on the hour marks the hour after it).
    hours: usize,
    /// Bank-major, `hours` a bank.
    cells: Vec<Hour>,
    /// The data age counted fresh (µs): a day unless [`Self::fresh_within`] says.
    fresh: u64,
}

impl OpensByDay {
    /// The days of `window` from `start`, for `banks` banks.
    pub fn new(start: SimTime, window: SimDuration, banks: usize) -> Self {
        let days = window.as_micros().div_ceil(24 * HOUR_US).max(1) as usize;
        let hours = days * 24 + 1;
        OpensByDay {
            first_hour: start.as_micros() / HOUR_US,
            boundary: start.as_micros() % HOUR_US,
            hours,
            cells: vec![Hour::default(); banks * hours],
            fresh: STALE_US,
        }
    }

    /// Keeps nothing: the whole book's rest, whose days nothing reads.
    pub fn unkept() -> Self {
        OpensByDay {
            first_hour: 0,
            boundary: 0,
            hours: 0,
            cells: Vec::new(),
            fresh: STALE_US,
        }
    }

    /// Counts data `d` old or older as not fresh; before anything is recorded.
    pub fn fresh_within(&mut self, d: SimDuration) {
        self.fresh = d.as_micros();
    }

    /// Connection-time `[t0, t1)` of `bank` whose last success was `last` (`NEVER`: none),
    /// recorded (`sign` 1) or taken back (−1).
    #[inline]
    pub fn add(&mut self, bank: usize, last: SimTime, (t0, t1): (SimTime, SimTime), sign: i64) {
        if self.hours == 0 {
            return;
        }
        let past = |age: u64| match last == SimTime::NEVER {
            true => t0,
            false => t0.max(last + SimDuration(age)),
        };
        self.mark(bank, 0, (t0, t1), sign);
        let old = past(STALE_US);
        if old < t1 {
            self.mark(bank, 1, (old, t1), sign);
        }
        if self.fresh != STALE_US {
            let stale = past(self.fresh);
            if stale < t1 {
                self.mark(bank, 2, (stale, t1), sign);
            }
        }
    }

    /// `[a, b)` of `bank` in column `k` (0: all, 1: a day old, 2: not fresh), within the window (as every
    /// piece of at-open time is: from the warm-up's end to the window's).
    #[inline]
    fn mark(&mut self, bank: usize, k: usize, (a, b): (SimTime, SimTime), sign: i64) {
        let row = bank * self.hours;
        for (t, s) in [(b, sign), (a, -sign)] {
            let us = t.as_micros();
            let (hour, offset) = (us / HOUR_US, us % HOUR_US);
            debug_assert!(hour >= self.first_hour && hour - self.first_hour < self.hours as u64);
            let at = (hour.saturating_sub(self.first_hour) as usize).min(self.hours - 1);
            let c = &mut self.cells[row + at];
            c.ends[k] += s;
            c.offsets[k] += s * offset as i64;
            // (Nothing before the boundary where days start on the hour: most windows.)
            if self.boundary > 0 {
                c.before[k] += s * offset.min(self.boundary) as i64;
            }
        }
    }

    /// Day `d`'s shares of app opens finding data 24 h old or older, and past
    /// `fresh_within`, for one bank or all (`None`), each hour of the clock weighed by
    /// `weight` (the profile, by hour of the day); `None` with no connection-time of
    /// customers who open the app that day.
    pub fn shares(&self, d: usize, bank: Option<usize>, weight: &[f64; 24]) -> Option<DayShares> {
        if self.hours == 0 {
            return None;
        }
        let banks = bank.map_or(0..self.cells.len() / self.hours, |b| b..b + 1);
        let first = d * 24;
        // From the last hour back, as the differences are built: `after`, the segments
        // ending past each hour; each hour's time, and its time before the boundary minute.
        let (mut after, mut sums) = ([0i64; COLUMNS], [0.0f64; COLUMNS]);
        for h in (first..self.hours).rev() {
            let mut c = Hour::default();
            for b in banks.clone() {
                let x = &self.cells[b * self.hours + h];
                for k in 0..COLUMNS {
                    c.ends[k] += x.ends[k];
                    c.offsets[k] += x.offsets[k];
                    c.before[k] += x.before[k];
                }
            }
            let w = weight[((self.first_hour + h as u64) % 24) as usize];
            for k in 0..COLUMNS {
                let all = after[k] * HOUR_US as i64 + c.offsets[k];
                let before = after[k] * self.boundary as i64 + c.before[k];
                // The day holds its first hour after the boundary, its last before it.
                let part = match h - first {
                    0 => all - before,
                    24 => before,
                    25.. => 0,
                    _ => all,
                };
                sums[k] += w * part as f64;
                after[k] += c.ends[k];
            }
        }
        let not_fresh = match self.fresh == STALE_US {
            true => sums[1],
            false => sums[2],
        };
        (sums[0] > 0.0).then(|| DayShares {
            stale_24h: sums[1] / sums[0],
            not_fresh: not_fresh / sums[0],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: u64 = HOUR_US;

    fn at(h: u64) -> SimTime {
        SimTime(h * H)
    }

    /// The day's share of opens finding data a day old.
    fn old(o: &OpensByDay, d: usize, bank: Option<usize>, w: &[f64; 24]) -> Option<f64> {
        o.shares(d, bank, w).map(|s| s.stale_24h)
    }

    /// The day's share of opens finding data past `fresh_within`.
    fn not_fresh(o: &OpensByDay, d: usize, w: &[f64; 24]) -> Option<f64> {
        o.shares(d, None, w).map(|s| s.not_fresh)
    }

    /// The connection of the first test, data past 12 h counted not fresh: none until
    /// 06:00 of day 0, past 12 h from 18:00 to 12:00 of day 1, fresh after. Where fresh is a
    /// day, the not-fresh share is the day-old one.
    #[test]
    fn not_fresh_counts_data_past_fresh_within() {
        let twice = |fresh: Option<u64>| {
            let mut o = OpensByDay::new(SimTime(0), SimDuration::from_hours(48), 1);
            if let Some(h) = fresh {
                o.fresh_within(SimDuration::from_hours(h));
            }
            o.add(0, SimTime::NEVER, (at(0), at(6)), 1);
            o.add(0, at(6), (at(6), at(36)), 1);
            o.add(0, at(36), (at(36), at(48)), 1);
            o
        };
        let o = twice(Some(12));
        let mut morning = [0.0; 24];
        morning[8..10].fill(1.0);
        assert_eq!(not_fresh(&o, 0, &[1.0; 24]), Some(0.5));
        assert_eq!(not_fresh(&o, 1, &[1.0; 24]), Some(0.5));
        assert_eq!(not_fresh(&o, 0, &morning), Some(0.0));
        assert_eq!(not_fresh(&o, 1, &morning), Some(1.0));
        assert_eq!(old(&o, 1, None, &[1.0; 24]), Some(0.25));
        let day = twice(None);
        for d in [0, 1] {
            let s = day.shares(d, None, &[1.0; 24]).unwrap();
            assert_eq!(s.not_fresh, s.stale_24h);
        }
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
        assert_eq!(old(&o, 1, Some(0), &morning), Some(1.0));
        assert_eq!(old(&o, 1, None, &[1.0; 24]), Some(0.25));
        assert_eq!(old(&o, 0, Some(0), &morning), Some(0.0));
        // Day 0's six hours with no data count, as the run's figure counts them.
        assert_eq!(old(&o, 0, Some(0), &[1.0; 24]), Some(0.25));
        // Taken back (a lapse's gap), the time is gone.
        o.add(0, at(6), (at(30), at(36)), -1);
        assert_eq!(old(&o, 1, None, &[1.0; 24]), Some(0.0));
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
        assert_eq!(old(&o, 0, Some(0), &w), Some(0.5));
        assert_eq!(old(&o, 0, Some(1), &w), Some(1.0));
        assert_eq!(old(&o, 0, None, &w), Some(0.75));
        assert_eq!(old(&o, 1, None, &w), None);
    }
}
