//! The per-minute, per-bank time series (`timeseries.csv`): what was submitted, admitted,
//! succeeded and refused each minute, and the calls in flight integrated over it.

use crate::time::{SimDuration, SimTime, DAY_US};

/// One minute of one bank's activity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Minute {
    pub submitted: u32,
    /// Calls the bank admitted in this minute.
    pub admitted: u32,
    /// Of those, the customer-present ones (in-app requests, link and reconnect fetches).
    pub present_admitted: u32,
    pub successes: u32,
    pub rate_limited: u32,
    /// Of `rate_limited`, the calls a closed maintenance window refused (503s, not 429s).
    pub outage_rejected: u32,
    pub errors: u32,
    /// Integral of in-flight calls over the minute, in call·microseconds.
    pub in_flight_area: u64,
}

pub(crate) const MINUTE_US: u64 = 60_000_000;

/// How long after the window the per-minute series goes on: calls admitted in the window
/// and still running then are followed for a day. Later events (a call lasting more than a
/// day after the window) are in the totals only: a heavy-tailed service time could otherwise
/// stretch the series to years of minutes.
const TAIL: SimDuration = SimDuration::from_hours(24);

/// Per-minute, per-bank series from the window start until the last event, at most `TAIL`
/// after the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeSeries {
    pub start: SimTime,
    pub banks: usize,
    /// Minute-major: `minutes[m * banks + b]`.
    pub minutes: Vec<Minute>,
    /// Minutes the series may grow to (window plus tail).
    limit: usize,
    /// Where events after the limit are counted, and discarded.
    beyond: Minute,
    /// Calls in flight through each whole minute, as differences (`minutes`' layout):
    /// added by `close`; empty until a call spans a whole minute.
    spanning: Vec<i64>,
}

impl TimeSeries {
    pub fn new(start: SimTime, banks: usize, window: SimDuration) -> Self {
        let n = (window.as_micros().div_ceil(MINUTE_US) as usize + 1) * banks;
        TimeSeries {
            start,
            banks,
            minutes: Vec::with_capacity(n),
            limit: (window + TAIL).as_micros().div_ceil(MINUTE_US) as usize,
            beyond: Minute::default(),
            spanning: Vec::new(),
        }
    }

    pub fn len_minutes(&self) -> usize {
        self.minutes.len() / self.banks.max(1)
    }

    /// The bucket of `bank` for the minute holding `t` (growing the series when needed; a
    /// scratch bucket past the limit).
    #[inline]
    pub fn at(&mut self, bank: usize, t: SimTime) -> &mut Minute {
        let m = (t.saturating_since(self.start).as_micros() / MINUTE_US) as usize;
        if m >= self.limit {
            return &mut self.beyond;
        }
        self.at_minute(m, bank)
    }

    /// Bank `bank`'s bucket of minute `m`, below the limit.
    #[inline]
    fn at_minute(&mut self, m: usize, bank: usize) -> &mut Minute {
        let idx = m * self.banks + bank;
        if idx >= self.minutes.len() {
            self.minutes.resize((m + 1) * self.banks, Minute::default());
        }
        &mut self.minutes[idx]
    }

    /// A call in flight at `bank` over `[from, to)`: its time adds to each minute it spans
    /// (up to the limit). A minute's in-flight integral is the sum of its calls' times in it,
    /// so nothing is integrated when a call ends, and the series grows to the same minutes as
    /// the level would. The minutes a call spans whole are counted in `spanning` and added by
    /// [`TimeSeries::close`], so that a long call costs no more than a short one.
    #[inline]
    pub fn add_call(&mut self, bank: usize, from: SimTime, to: SimTime) {
        let s = self.start.as_micros();
        let to = to.as_micros().min(s + self.limit as u64 * MINUTE_US);
        let from = from.as_micros().max(s);
        if to <= from {
            return;
        }
        let (first, last) = ((from - s) / MINUTE_US, (to - 1 - s) / MINUTE_US);
        if first == last {
            self.at_minute(first as usize, bank).in_flight_area += to - from;
            return;
        }
        self.at_minute(first as usize, bank).in_flight_area += s + (first + 1) * MINUTE_US - from;
        self.at_minute(last as usize, bank).in_flight_area += to - (s + last * MINUTE_US);
        if last > first + 1 {
            if self.spanning.is_empty() {
                self.spanning = vec![0; (self.limit + 1) * self.banks];
            }
            self.spanning[(first as usize + 1) * self.banks + bank] += 1;
            self.spanning[last as usize * self.banks + bank] -= 1;
        }
    }

    /// The most calls `bank` (`None`: all banks) admitted in any `width` consecutive minutes
    /// of minutes `[from, to)`: the busiest hour a fitted bank's log is set against (a log's
    /// hour slides too). Minutes past the series hold nothing.
    pub fn busiest(&self, bank: Option<usize>, (from, to): (usize, usize), width: usize) -> u64 {
        let to = to.min(self.len_minutes());
        let at = |m: usize| -> u64 {
            let row = &self.minutes[m * self.banks..(m + 1) * self.banks];
            match bank {
                Some(b) => row[b].admitted as u64,
                None => row.iter().map(|x| x.admitted as u64).sum(),
            }
        };
        let (mut sum, mut most) = (0u64, 0u64);
        for m in from..to {
            sum += at(m);
            if m >= from + width {
                sum -= at(m - width);
            }
            most = most.max(sum);
        }
        most
    }

    /// The minutes `[from, to)` of the clock's day `day` (from its midnight), where the
    /// series starts by then and `end` (the window's) comes no earlier than its end.
    pub fn clock_day(&self, day: u64, end: SimTime) -> Option<(usize, usize)> {
        let (d0, d1, start) = (day * DAY_US, (day + 1) * DAY_US, self.start.as_micros());
        let minute = |t: u64| ((t - start) / MINUTE_US) as usize;
        (d0 >= start && d1 <= end.as_micros()).then(|| (minute(d0), minute(d1)))
    }

    /// The 429s `bank` sent in minutes `[from, to)`, a closed maintenance window's 503s
    /// apart.
    pub fn refused(&self, bank: usize, (from, to): (usize, usize)) -> u64 {
        let to = to.min(self.len_minutes());
        (from..to)
            .map(|m| &self.minutes[m * self.banks + bank])
            .map(|x| (x.rate_limited - x.outage_rejected) as u64)
            .sum()
    }

    /// Adds the whole minutes of long calls (`add_call`): call once, when the run is over.
    pub fn close(&mut self) {
        let spanning = std::mem::take(&mut self.spanning);
        if spanning.is_empty() {
            return;
        }
        for b in 0..self.banks {
            let mut calls = 0i64;
            for m in 0..self.len_minutes() {
                calls += spanning[m * self.banks + b];
                let calls = u64::try_from(calls).expect("calls spanning a minute >= 0");
                self.minutes[m * self.banks + b].in_flight_area += calls * MINUTE_US;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The busiest run of minutes, against a sum over every run of that width.
    #[test]
    fn the_busiest_minutes_are_the_largest_sum_of_that_many() {
        let mut series = TimeSeries::new(SimTime(0), 2, SimDuration::from_hours(2));
        for m in 0..120u64 {
            series.at(0, SimTime(m * MINUTE_US)).admitted = ((m * 37) % 11) as u32;
            series.at(1, SimTime(m * MINUTE_US)).admitted = ((m * 13) % 7) as u32;
        }
        let admitted = |b: usize, m: usize| series.minutes[m * 2 + b].admitted as u64;
        let cases: [(Option<usize>, usize, (usize, usize)); 3] = [
            (Some(0), 60, (0, 120)),
            (None, 7, (30, 100)),
            (Some(1), 200, (5, 120)),
        ];
        for (bank, width, range) in cases {
            let want = (range.0..range.1)
                .map(|end: usize| {
                    (end.saturating_sub(width - 1).max(range.0)..=end)
                        .map(|m| match bank {
                            Some(b) => admitted(b, m),
                            None => admitted(0, m) + admitted(1, m),
                        })
                        .sum::<u64>()
                })
                .max()
                .unwrap();
            assert_eq!(series.busiest(bank, range, width), want, "{bank:?} {width}");
        }
        assert_eq!(series.busiest(None, (200, 300), 60), 0);
    }

    /// Each minute's in-flight integral is the sum of each call's overlap with the minute,
    /// computed here directly: calls within a minute, across one boundary, spanning many
    /// minutes, starting before the series and running past its limit.
    #[test]
    fn a_minutes_in_flight_time_is_its_calls_overlaps() {
        let start = SimTime(7 * MINUTE_US + 123);
        let mut series = TimeSeries::new(start, 2, SimDuration::from_hours(1));
        let limit_end = start.as_micros() + series.limit as u64 * MINUTE_US;
        let calls: Vec<(usize, u64, u64)> = vec![
            (0, start.as_micros() + 5, start.as_micros() + 9),
            (
                1,
                start.as_micros() + MINUTE_US - 3,
                start.as_micros() + MINUTE_US + 4,
            ),
            (
                0,
                start.as_micros() + 90_000_000,
                start.as_micros() + 400_000_001,
            ),
            (1, start.as_micros() - 50, start.as_micros() + 3 * MINUTE_US),
            (0, 0, start.as_micros()),
            (
                1,
                start.as_micros() + 20 * MINUTE_US,
                limit_end + 5 * MINUTE_US,
            ),
            (
                0,
                start.as_micros() + 2 * MINUTE_US,
                start.as_micros() + 4 * MINUTE_US,
            ),
        ];
        for &(b, from, to) in &calls {
            series.add_call(b, SimTime(from), SimTime(to));
        }
        series.close();
        assert_eq!(series.len_minutes(), series.limit);
        for m in 0..series.len_minutes() {
            let lo = start.as_micros() + m as u64 * MINUTE_US;
            let hi = lo + MINUTE_US;
            for b in 0..2 {
                let want: u64 = calls
                    .iter()
                    .filter(|c| c.0 == b)
                    .map(|&(_, from, to)| to.min(hi).saturating_sub(from.max(lo)))
                    .sum();
                let got = series.minutes[m * 2 + b].in_flight_area;
                assert_eq!(got, want, "minute {m}, bank {b}");
            }
        }
    }
}
