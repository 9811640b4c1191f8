//! A paced client's pace hour by hour (`strategy.pace_profile`): a weight for each hour of
//! the day that multiplies its pace, so that a client can go fast while a bank's limits are
//! loose and slow (or not at all) while they are tight. The Australian CDR's thresholds
//! are the case: unattended calls get 50 a second from 00:00 to 06:00 and "best effort"
//! (the preset's 5) by day, so a client that knows it paces ten times faster at night.
//!
//! The pace is a rate that changes with the hour; a tick is due once one tick's worth of it
//! has accrued. So a slow tick that started in a slow hour does not hold up the fast hour
//! that follows, and a weight of zero stops the ticks until the next hour that has one.

use crate::bank::Bank;
use crate::time::{SimDuration, SimTime};

use crate::time::{DAY_US as DAY, HOUR_US as HOUR};

/// A paced client's weights of the hours: one profile for every bank (`strategy.pace_profile`)
/// and banks' own (`strategy.pace_profiles`, in the scenario's bank order, empty when none is
/// named), a bank's own in place of every bank's. A bank's limits have their own hours (a
/// CDR holder's night, another bank's maintenance window), so one profile for all holds a
/// generous bank to the tightest one's.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PaceProfiles {
    pub all: Option<Box<PaceProfile>>,
    pub banks: Vec<Option<PaceProfile>>,
}

impl PaceProfiles {
    /// One profile for every bank.
    pub fn every_bank(profile: Option<PaceProfile>) -> PaceProfiles {
        PaceProfiles {
            all: profile.map(Box::new),
            banks: Vec::new(),
        }
    }

    /// Bank `b`'s weights (its own, else every bank's); a pool over every bank reads `all`.
    pub fn of(&self, b: usize) -> Option<&PaceProfile> {
        self.banks
            .get(b)
            .and_then(Option::as_ref)
            .or(self.all.as_deref())
    }

    /// Whether no hour is weighted: a constant pace.
    pub fn is_empty(&self) -> bool {
        self.all.is_none() && self.banks.iter().all(Option::is_none)
    }

    /// In words: `×10 00:00–06:00, ×1 06:00–24:00` for every bank, else bank by bank
    /// (`banks` in the scenario's order), `flat` for a bank without one.
    pub fn describe(&self, banks: &[Bank]) -> String {
        if self.banks.iter().all(Option::is_none) {
            return self.all.as_ref().map_or("flat".into(), |p| p.describe());
        }
        let each: Vec<String> = (0..banks.len())
            .map(|b| {
                let hours = self.of(b).map_or("flat".into(), PaceProfile::describe);
                format!("{} {hours}", banks[b].name)
            })
            .collect();
        each.join("; ")
    }
}

/// The 24 weights of the hours of the day (the window's clock), at least one positive.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PaceProfile([f64; 24]);

impl PaceProfile {
    /// The least positive weight, as a share of the largest: below it a tick's weighted time
    /// would take ages of hours to accrue (a weight of 1e-300 never did).
    pub const LEAST: f64 = 1e-6;

    /// `None` when a weight is negative or not finite, none is positive, or a positive one
    /// is below [`PaceProfile::LEAST`] of the largest.
    pub fn new(weights: [f64; 24]) -> Option<PaceProfile> {
        let valid = weights.iter().all(|w| w.is_finite() && *w >= 0.0);
        let most = weights.iter().copied().fold(0.0, f64::max);
        let tiny = weights.iter().any(|&w| w > 0.0 && w < Self::LEAST * most);
        (valid && most > 0.0 && !tiny).then_some(PaceProfile(weights))
    }

    pub fn weights(&self) -> &[f64; 24] {
        &self.0
    }

    /// The weight of the hour holding `t`.
    #[inline]
    pub fn at(&self, t: SimTime) -> f64 {
        self.0[((t.as_micros() % DAY) / HOUR) as usize]
    }

    /// The next tick of a pace whose unweighted interval is `interval`, the last tick at
    /// `now`: the first instant by which the weighted time since `now` reaches it. Kept out
    /// of line: the clients without a profile pay nothing for its loop.
    #[inline(never)]
    pub fn next_tick(&self, now: SimTime, interval: SimDuration) -> SimTime {
        // Whole days first (a slow pace's interval may span many), then hour by hour: at
        // most two days' hours.
        let per_day = self.0.iter().sum::<f64>() * HOUR as f64;
        let mut left = interval.as_micros() as f64;
        let days = ((left / per_day).floor() - 1.0).max(0.0);
        let Some(mut t) = now.as_micros().checked_add((days * DAY as f64) as u64) else {
            return SimTime::NEVER;
        };
        if t > u64::MAX - 3 * DAY {
            return SimTime::NEVER;
        }
        left -= days * per_day;
        loop {
            let end = (t / HOUR + 1) * HOUR;
            let w = self.at(SimTime(t));
            let span = (end - t) as f64;
            if w * span >= left {
                return SimTime(t + ((left / w).ceil() as u64).max(1));
            }
            left -= w * span;
            t = end;
        }
    }

    /// When a pool may next submit from `now`: at once in an hour with a weight, else as
    /// the next hour with one begins.
    #[inline(never)]
    pub fn open_from(&self, now: SimTime) -> SimTime {
        let mut t = now.as_micros();
        while self.at(SimTime(t)) == 0.0 {
            t = (t / HOUR + 1) * HOUR;
        }
        SimTime(t)
    }

    /// The profile as runs of hours of equal weight: `×10 00:00–06:00, ×1 06:00–24:00`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = crate::time::key_runs(&self.0)
            .into_iter()
            .map(|(w, from, to)| format!("×{w} {from:02}:00–{to:02}:00"))
            .collect();
        parts.join(", ")
    }

    /// The weighted length of the times of day `[from, to)` (microseconds into the day):
    /// what a pass spread over them takes at weight 1, so that a pace over the period
    /// still spreads its connections over the whole band.
    pub fn weighted(&self, (from, to): (u64, u64)) -> SimDuration {
        let mut t = from;
        let mut sum = 0.0;
        while t < to {
            let end = ((t / HOUR + 1) * HOUR).min(to);
            sum += self.0[(t / HOUR) as usize % 24] * (end - t) as f64;
            t = end;
        }
        SimDuration((sum.round() as u64).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: u64 = HOUR;

    /// Ten at night (00:00–06:00), one by day: the CDR's unattended thresholds.
    fn cdr() -> PaceProfile {
        let mut w = [1.0; 24];
        w[..6].fill(10.0);
        PaceProfile::new(w).unwrap()
    }

    #[test]
    fn weights_must_be_finite_non_negative_and_not_all_zero() {
        assert!(PaceProfile::new([0.0; 24]).is_none());
        let mut w = [1.0; 24];
        w[5] = 1e-300;
        assert!(
            PaceProfile::new(w).is_none(),
            "a weight a tick would never accrue in"
        );
        w[5] = 2e-6;
        assert!(PaceProfile::new(w).is_some());
        let mut w = [1.0; 24];
        w[3] = -1.0;
        assert!(PaceProfile::new(w).is_none());
        w[3] = f64::NAN;
        assert!(PaceProfile::new(w).is_none());
        assert!(PaceProfile::new([2.0; 24]).is_some());
    }

    /// A flat weight divides the interval; across hours of different weights the tick
    /// comes when the weighted time accrued reaches one interval.
    #[test]
    fn a_tick_is_due_when_one_intervals_weighted_time_has_accrued() {
        let p = cdr();
        let s = SimDuration::from_secs;
        // At night, ten times faster; by day as given.
        assert_eq!(p.next_tick(SimTime(H), s(10)), SimTime(H + 1_000_000));
        assert_eq!(
            p.next_tick(SimTime(7 * H), s(10)),
            SimTime(7 * H + 10_000_000)
        );
        // Five minutes before 06:00, a 2 h interval: the 5 minutes give 50 minutes' worth,
        // the remaining 70 minutes come at weight 1 after 06:00.
        let t = SimTime(6 * H - 300_000_000);
        assert_eq!(
            p.next_tick(t, SimDuration::from_hours(2)),
            SimTime(6 * H + 70 * 60_000_000)
        );
        // A day pace that would run past midnight speeds up at 00:00: 23:59:50 with 100 s
        // left gives 10 s at weight 1, then 90 s of weight at 10 (9 s).
        let t = SimTime(24 * H - 10_000_000);
        assert_eq!(p.next_tick(t, s(100)), SimTime(24 * H + 9_000_000));
        // Never earlier than a microsecond after the last.
        assert_eq!(p.next_tick(SimTime(5), SimDuration(1)), SimTime(6));
        // A slow pace's interval of many days skips them whole: 780 h of weighted time is
        // ten days from 00:00; an interval past any window lands past it, in a few steps.
        let ten = p.next_tick(SimTime(0), SimDuration::from_hours(780));
        assert_eq!(ten, SimTime(10 * DAY));
        let far = p.next_tick(SimTime(H), SimDuration(u64::MAX));
        assert!(far > SimTime(1_000 * 365 * DAY), "{far:?}");
    }

    #[test]
    fn described_as_runs_of_equal_weight() {
        assert_eq!(cdr().describe(), "×10 00:00–06:00, ×1 06:00–24:00");
        let mut w = [0.0; 24];
        w[23] = 0.5;
        assert_eq!(
            PaceProfile::new(w).unwrap().describe(),
            "×0 00:00–23:00, ×0.5 23:00–24:00"
        );
    }

    /// Hours of weight zero are skipped, on the next day if need be.
    #[test]
    fn hours_of_weight_zero_stop_the_ticks() {
        let mut w = [0.0; 24];
        w[1] = 1.0; // only 01:00–02:00
        let p = PaceProfile::new(w).unwrap();
        assert_eq!(p.open_from(SimTime(H / 2)), SimTime(H));
        assert_eq!(p.open_from(SimTime(H + 5)), SimTime(H + 5));
        assert_eq!(p.open_from(SimTime(3 * H)), SimTime(DAY + H));
        // 30 minutes into the hour with a 45-minute interval: 30 minutes now, 15 tomorrow.
        let t = SimTime(H + 30 * 60_000_000);
        let tick = p.next_tick(t, SimDuration::from_mins(45));
        assert_eq!(tick, SimTime(DAY + H + 15 * 60_000_000));
    }

    /// The weighted length of a band: the whole day of the CDR's profile is 6 × 10 + 18
    /// hours; the night band alone 60 hours' worth; a part-hour counts its part.
    #[test]
    fn the_weighted_length_of_a_band() {
        let p = cdr();
        assert_eq!(p.weighted((0, DAY)), SimDuration::from_hours(78));
        assert_eq!(p.weighted((0, 6 * H)), SimDuration::from_hours(60));
        let half = p.weighted((5 * H + H / 2, 6 * H + H / 2));
        assert_eq!(half, SimDuration::from_mins(5 * 60 + 30));
    }
}
