//! Data age day by day: what `daily.csv`'s age columns read, so that a bad day's aftermath
//! (how long until data is back to its usual age) shows day by day rather than averaged
//! into the run's figures.
//!
//! The same ramps as [`super::Staleness`], by the hour of age, one row per day and bank: a
//! segment of connection-time is split at the days' boundaries (24 h from the window's
//! start, as `daily.csv`'s days) and each part recorded in its day's row, still O(1) per
//! day it spans. Unlike the run's figures, every day is kept, the warm-up's too (marked
//! unmeasured in `daily.csv`): a run starts with no data, so its first days read "never".
//!
//! Shares of connection-time do not say how many customers a bad day reached, and a planner
//! asks "how many customers". So each day also counts the distinct connections whose data
//! was [`STALE_HOURS`] old or older for an hour or more of the day ([`STALE_FOR`]), while
//! their consent held (none since they linked, or since the window opened, counts once it
//! has lasted as long). An hour, not an instant: a daily client's drift takes most of its
//! connections past 24 h for a few minutes a day (uk-mix's queue: 55 % of high-street-a's
//! connections, whose data was a day old for 0.7 % of the time), which no customer would
//! notice. A connection's refreshes split its time into pieces that count on disjoint days
//! at these thresholds (data a day old after one refresh, on a day after it), so each counts
//! once a day without a set of whom was counted: O(days stale) per refresh.

use super::staleness::{interpolated_hours, Ramps};
use super::DAY_US;
use crate::time::{SimDuration, SimTime, HOUR_US};

/// The data ages at which `daily.csv` counts connections (hours): a day old (with a daily
/// client's drift of minutes, many connections touch it), and a whole day's refresh missed.
/// At least a day each: the pieces a refresh splits a connection's time into then count on
/// disjoint days.
pub const STALE_HOURS: [u64; 2] = [24, 48];

/// How long within a day a connection must be that old to count (µs): an hour.
pub const STALE_FOR: u64 = HOUR_US;
// [`Held`] keeps up to this much in a `u32`.
const _: () = assert!(STALE_FOR <= u32::MAX as u64);

/// When a connection's data (last success `last`, `NEVER`: none since `from`, the start
/// of its piece of connected time) reaches `hours` old.
#[inline]
fn stale_from(hours: u64, last: SimTime, from: SimTime) -> SimTime {
    let age = SimDuration(hours * HOUR_US);
    match last == SimTime::NEVER {
        true => from + age,
        false => (last + age).max(from),
    }
}

/// A connection's time at each of [`STALE_HOURS`] or older already spent on `day` (µs, up
/// to [`STALE_FOR`]) by its piece before a lapse, which the piece after its reconnect adds
/// to: a customer who reconnects the day their consent lapsed counts once that day, by
/// the two pieces' time together (the reconnect's own fetch often ends the second within
/// seconds). `Held::NONE` for a piece with none before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Held {
    pub day: u32,
    pub us: [u32; 2],
}

impl Held {
    pub const NONE: Held = Held {
        day: u32::MAX,
        us: [0; 2],
    };
}

/// Connection-time at each hour of age, per day and bank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyAge {
    /// Row `day * banks + bank`.
    ramps: Ramps<HOUR_US>,
    banks: usize,
    start: SimTime,
    /// The last day's index: time after the window counts in it, as `Daily::day_of` does.
    last_day: usize,
    /// Row `day * banks + bank`: the connections counted at each of [`STALE_HOURS`].
    stale: Vec<[u64; 2]>,
    /// In tests, every piece the run counted: (connection, bank, last success, from, to),
    /// for a count by brute force (`sim/reconnect.rs`).
    #[cfg(test)]
    pub pieces: Vec<(usize, usize, SimTime, SimTime, SimTime)>,
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
    /// Distinct connections whose data was 24 h (48 h) old or older for an hour or more of
    /// the day, or that had none for as long since they linked or the window opened.
    pub stale_24h_connections: u64,
    pub stale_48h_connections: u64,
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
            stale: vec![[0; 2]; days * banks],
            #[cfg(test)]
            pieces: Vec::new(),
        }
    }

    /// Counts the connection of `bank` whose last success was `last` (`NEVER`: none) on
    /// each day of `[from, to)` it spent [`STALE_FOR`] or longer at each of [`STALE_HOURS`]
    /// or older, its time on `held.day` added to `held`'s (an earlier piece's, before a
    /// lapse). `[from, to)` is a piece of its connected time from its last refresh or, when
    /// later, its (re)link, to its next refresh, its consent's end or the window's. Without
    /// data, the age runs from `from`: a connection just linked is not a day old.
    #[inline]
    pub fn count_stale(
        &mut self,
        bank: usize,
        last: SimTime,
        piece: (SimTime, SimTime),
        held: Held,
    ) {
        let to = piece.1;
        for (k, hours) in STALE_HOURS.into_iter().enumerate() {
            let stale = stale_from(hours, last, piece.0);
            let before = held.us[k] as u64;
            // Under an hour that old in all (a daily client's usual drift) and nothing held
            // before: no day counts it, nor at the older threshold (later still, and held
            // no longer than the younger).
            if before == 0 && to.saturating_since(stale).as_micros() < STALE_FOR {
                return;
            }
            let last_day = self.day_of(SimTime(to.as_micros().saturating_sub(1)));
            for d in self.day_of(stale)..=last_day {
                let earlier = if d as u32 == held.day { before } else { 0 };
                let spent = earlier + self.within(d, stale, to);
                let row = &mut self.stale[d * self.banks + bank][k];
                *row += (spent >= STALE_FOR && earlier < STALE_FOR) as u64;
            }
        }
    }

    /// What the piece `count_stale` counted (`last`, `piece`, `held` as there) spent at each
    /// threshold on its last day, `held`'s time that day included, up to [`STALE_FOR`]: what
    /// the piece after a lapse adds to.
    pub fn held_at_end(&self, last: SimTime, piece: (SimTime, SimTime), held: Held) -> Held {
        let to = piece.1;
        let day = self.day_of(SimTime(to.as_micros().saturating_sub(1)));
        let mut us = [0; 2];
        for (k, hours) in STALE_HOURS.into_iter().enumerate() {
            let earlier = if day as u32 == held.day {
                held.us[k]
            } else {
                0
            } as u64;
            let spent = earlier + self.within(day, stale_from(hours, last, piece.0), to);
            us[k] = spent.min(STALE_FOR) as u32;
        }
        Held {
            day: day as u32,
            us,
        }
    }

    /// How long of `[t0, t1)` falls on day `d` (µs); the last day runs on past the window.
    #[inline]
    fn within(&self, d: usize, t0: SimTime, t1: SimTime) -> u64 {
        let start = self.start + SimDuration(d as u64 * DAY_US);
        let end = match d == self.last_day {
            true => SimTime::NEVER,
            false => start + SimDuration(DAY_US),
        };
        t1.min(end).saturating_since(t0.max(start)).as_micros()
    }

    /// The day holding `t`: time past the window counts in the last.
    #[inline]
    pub fn day_of(&self, t: SimTime) -> usize {
        ((t.saturating_since(self.start).as_micros() / DAY_US) as usize).min(self.last_day)
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
        let (mut t, mut d) = (t0, self.day_of(t0));
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
        let (mut never, mut stale) = (0u128, [0u64; 2]);
        for b in banks {
            self.ramps.add_histogram(d * self.banks + b, &mut h);
            never += self.ramps.never_us(Some(d * self.banks + b));
            let s = self.stale[d * self.banks + b];
            stale = [stale[0] + s[0], stale[1] + s[1]];
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
            stale_24h_connections: stale[0],
            stale_48h_connections: stale[1],
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

    /// Counts of connections by the day: the 06:00-to-06:00-two-days-later connection is a
    /// day old from 06:00 on day 1 through its refresh (day 1, 18 h; day 2, 6 h: both
    /// count) and never 48 h old; one a day old for half an hour does not count; one with
    /// no data since it linked at 10:00 counts from 10:00 the next day.
    #[test]
    fn connections_count_once_a_day_for_an_hour_or_more() {
        let mut a = DailyAge::new(
            SimTime(0),
            SimDuration::from_hours(96),
            2,
            SimDuration::from_hours(96),
        );
        let mut piece = |b, last, from, to| a.count_stale(b, last, (from, to), Held::NONE);
        piece(0, at(6), at(6), at(54));
        // Half an hour past 24 h on day 1: not counted. From 20:00 on day 0 to 22:00 on day
        // 2: 4 h a day old on day 1, 2 h two days old on day 2.
        piece(0, at(0), at(0), SimTime(24 * H + H / 2));
        piece(1, at(20), at(20), at(70));
        // No data since a link at 10:00 on day 0, to 12:00 on day 1: 2 h at 24 h or more.
        piece(1, SimTime::NEVER, at(10), at(36));
        // Time past the window counts in its last day.
        piece(1, at(60), at(60), at(200));
        let n = |d, b| {
            let x = a.day(d, b);
            (x.stale_24h_connections, x.stale_48h_connections)
        };
        assert_eq!(
            [0, 1, 2, 3].map(|d| n(d, Some(0))),
            [(0, 0), (1, 0), (1, 0), (0, 0)]
        );
        assert_eq!([1, 2, 3].map(|d| n(d, Some(1))), [(2, 0), (1, 1), (1, 1)]);
        // All banks sum them.
        assert_eq!(n(1, None), (3, 0));
    }

    /// A consent lapsing and the customer back the same day: the piece before the lapse and
    /// the one after it count that day once, by their time together: half an hour before
    /// and forty minutes after (the reconnect's fetch) make one; an hour before and two after
    /// make one, not two.
    #[test]
    fn a_lapse_and_a_reconnect_the_same_day_count_once() {
        let mut a = DailyAge::new(
            SimTime(0),
            SimDuration::from_hours(96),
            2,
            SimDuration::from_hours(96),
        );
        let minutes = |m: u64| SimTime(m * 60_000_000);
        let first = (at(0), minutes(48 * 60 + 30));
        a.count_stale(0, at(0), first, Held::NONE);
        let held = a.held_at_end(at(0), first, Held::NONE);
        assert_eq!(held.day, 2);
        assert_eq!(held.us, [1_800_000_000; 2]);
        a.count_stale(0, at(0), (at(50), minutes(50 * 60 + 40)), held);
        a.count_stale(1, at(0), (at(0), at(49)), Held::NONE);
        let held = a.held_at_end(at(0), (at(0), at(49)), Held::NONE);
        assert_eq!(held.us, [HOUR_US as u32; 2], "counted: held whole");
        a.count_stale(1, at(0), (at(50), at(52)), held);
        // Without what the first held, the second alone is under the hour.
        let mut b = a.clone();
        b.count_stale(0, at(0), (at(50), minutes(50 * 60 + 40)), Held::NONE);
        let n = |a: &DailyAge, d, b| {
            let x = a.day(d, b);
            (x.stale_24h_connections, x.stale_48h_connections)
        };
        assert_eq!((n(&a, 2, Some(0)), n(&a, 2, Some(1))), ((1, 1), (1, 1)));
        assert_eq!(
            n(&b, 2, Some(0)),
            (1, 1),
            "nothing more from the piece alone"
        );
        assert_eq!(n(&a, 1, None), (2, 0));
    }
}
