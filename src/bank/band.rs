//! What a bank's policies admit through a band of hours of each day (a nightly client's
//! `strategy.hours`), by the arithmetic of [`super::capacity`] taken over the band: a cap's
//! or the servers' slots for the band's seconds, a rate policy's guarantee over them (a daily
//! window's calls may all fall inside), and scheduled policies piece by piece over the hours
//! they share with the band, with the rate policies of every hour, bounding it only when
//! they meter all of it. Two questions, two
//! answers: what the band can hold at most (its capacity, the planner's ceiling: the pieces
//! add up), and the fastest steady pace no part of the band refuses (the planner's pace: the
//! tightest piece binds). Maintenance windows and penalty boxes are left to simulation.

use super::capacity::{policy_bound, rate_bound, scheduled, Scope};
use super::{Bank, Capacity, FixedWindow, Limit, PolicyBound};

impl Bank {
    /// The calls the bank's policies admit through the band `(from, to)` (microseconds into
    /// the day) on one day, for `connections` connections (a quota's, listed): an upper
    /// bound, exact when one policy alone binds and none is scheduled, a penalty box or a
    /// maintenance window.
    pub fn band_capacity(&self, band: (u64, u64), connections: f64) -> Capacity {
        let mut bounds = self.band_bounds(band, 0.0, connections);
        bounds.extend(scheduled(&self.limits, band));
        let simulate = self.limits.iter().any(|l| {
            matches!(
                l.unscoped(),
                Limit::PenaltyBox(_) | Limit::During { .. } | Limit::Maintenance(_)
            )
        });
        Capacity::of(bounds, simulate, self.error_rate)
    }

    /// The fastest steady pace of background calls a second that no policy refuses anywhere
    /// in the band `(from, to)`, beside `present` customer-present calls a second that spend
    /// the policies counting them (not one for unattended calls): each policy's calls over
    /// the band, and a scheduled one's rate where its hours meet the band (infinite without
    /// a bound).
    pub fn band_rate(&self, band: (u64, u64), present: f64) -> f64 {
        let secs = (band.1 - band.0) as f64 / 1e6;
        let steady = self.scheduled_meeting(band).filter_map(|(l, inner, _)| {
            let spent = if l.counts(true) { present * secs } else { 0.0 };
            Some(rate_bound(inner, secs)?.1 - spent)
        });
        let calls = self.band_bounds(band, present, 0.0);
        let least = calls.iter().filter(|b| b.binds).map(|b| b.calls);
        least.chain(steady).fold(f64::INFINITY, f64::min).max(0.0) / secs
    }

    /// The steady pace of background calls a second the bank's policies allow through the
    /// hour starting `from` microseconds into the day: each unscheduled policy at its rate
    /// over a whole day (a window's admissions a window, a bucket's rate: not all one hour
    /// alone could hold), each scheduled one at its rate over its own hours where they hold
    /// the hour (infinite without a bound). What a pace by the hour may take then.
    pub fn hour_rate(&self, from: u64) -> f64 {
        self.hour_rate_beside(from, 0.0)
    }

    /// [`Bank::hour_rate`] beside `present` customer-present calls a second in that hour:
    /// a scheduled policy that counts them has that much less room then (a day-averaged one
    /// has them in its day's volume, which the planner takes them out of).
    pub fn hour_rate_beside(&self, from: u64, present: f64) -> f64 {
        const HOUR: u64 = crate::time::HOUR_US;
        let scheduled =
            self.scheduled_meeting((from, from + HOUR))
                .filter_map(|(l, inner, (on, off))| {
                    let secs = (off - on) as f64 / 1e6;
                    let spent = if l.counts(true) { present } else { 0.0 };
                    Some(rate_bound(inner, secs)?.1 / secs - spent)
                });
        let day = self.band_bounds((0, 24 * HOUR), 0.0, 0.0);
        let unscheduled = day.iter().filter(|b| b.binds).map(|b| b.calls / 86_400.0);
        unscheduled
            .chain(scheduled)
            .fold(f64::INFINITY, f64::min)
            .max(0.0)
    }

    /// Whether a maintenance window refuses every call through at least half of `span`
    /// (microseconds into the day; an hour, or its part in a client's band): a pace by the
    /// hour stops then (a trial's paced client sent 62,700 calls a day into a bank's
    /// 01:00–03:00 window, 3,043 once its profile stopped there).
    pub fn closed_during(&self, span: (u64, u64)) -> bool {
        self.limits.iter().any(|l| match l.unscoped() {
            Limit::Maintenance(m) => m.closed_share(span) >= 0.5,
            _ => false,
        })
    }

    /// The scheduled policies counting background calls whose hours meet `span`: each with
    /// its policy (scope included), the policy it schedules, and its hours.
    fn scheduled_meeting(
        &self,
        span: (u64, u64),
    ) -> impl Iterator<Item = (&Limit, &Limit, (u64, u64))> {
        self.limits.iter().filter_map(move |l| match l.unscoped() {
            Limit::During {
                from_us,
                to_us,
                inner,
            } if crate::time::daily_overlap(span, (*from_us, *to_us)) > 0 && l.counts(false) => {
                Some((l, &**inner, (*from_us, *to_us)))
            }
            _ => None,
        })
    }

    /// Every unscheduled policy's bound over the band (and the servers'), less `present`
    /// customer-present calls a second where it counts them.
    fn band_bounds(
        &self,
        (from, to): (u64, u64),
        present: f64,
        connections: f64,
    ) -> Vec<PolicyBound> {
        let secs = (to - from) as f64 / 1e6;
        let scope = Scope {
            open_secs: secs,
            per_slot: secs / self.service_time.mean_secs(),
            connections,
            days: 1.0,
        };
        let spent = present * secs;
        let mut bounds = Vec::new();
        if let Some(k) = self.servers {
            bounds.push(PolicyBound {
                policy: format!("{k} servers"),
                calls: k as f64 * scope.per_slot - spent,
                binds: true,
            });
        }
        for l in &self.limits {
            if let Some(mut b) = policy_bound(l, &scope) {
                if let Limit::FixedWindow(w) = l.unscoped() {
                    b.calls = w.admissions().0 as f64 * fixed_windows_met(w, (from, to));
                }
                if b.binds && l.counts(true) {
                    b.calls -= spent;
                }
                bounds.push(b);
            }
        }
        bounds
    }
}

/// The windows of a fixed window a band `(from, to)` meets each day: they are aligned to
/// midnight of the first day, so `⌈to / W⌉ − ⌊from / W⌋` of them when `W` divides the day (a
/// band of 02:00–04:00 meets two 3 h windows), and at most one more than its length holds
/// otherwise (the alignment moves from day to day).
fn fixed_windows_met(w: &FixedWindow, (from, to): (u64, u64)) -> f64 {
    use crate::time::DAY_US;
    let win = w.limit().1.as_micros();
    match DAY_US.is_multiple_of(win) {
        // A band across midnight meets the same windows of the day at most once a day (a
        // day's window serves one night's evening and the next night's morning).
        true => (to.div_ceil(win) - from / win).min(DAY_US / win) as f64,
        false => ((to - from).div_ceil(win) + 1) as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::capacity::tests::bank;
    use crate::bank::{ConcurrencyCap, FixedWindow, Maintenance, MaintenanceMode, TokenBucket};
    use crate::time::SimDuration;

    const DAY: SimDuration = SimDuration::from_hours(24);

    /// Microseconds of `x` hours into the day.
    fn h(x: u64) -> u64 {
        x * 3_600_000_000
    }

    /// A token bucket of `rate` a second (burst 1) from `from` to `to` o'clock.
    fn during(from: u64, to: u64, rate: f64) -> Limit {
        Limit::During {
            from_us: h(from),
            to_us: h(to),
            inner: Box::new(Limit::TokenBucket(TokenBucket::new(rate, 1))),
        }
    }

    /// A token bucket of `rate` a second (burst 10) from `from` to `to` o'clock, built as
    /// scenarios build it.
    fn bucket_during(from: u64, to: u64, rate: f64) -> Limit {
        Limit::during(
            SimDuration::from_hours(from),
            SimDuration::from_hours(to),
            Limit::TokenBucket(TokenBucket::new(rate, 10)),
        )
    }

    fn near(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-3 * b
    }

    /// An hour's steady pace: a scheduled rate in its hours, an unscheduled policy's rate over
    /// the day (a daily window's 1,000 are 1,000 a day, not 1,000 an hour).
    #[test]
    fn an_hours_steady_pace_is_its_policies_rates() {
        let cdr = bank(vec![during(0, 6, 50.0), during(6, 24, 5.0)], 2, 0.0);
        assert!(near(cdr.hour_rate(h(2)), 50.0) && near(cdr.hour_rate(h(7)), 5.0));
        let daily = bank(
            vec![Limit::FixedWindow(FixedWindow::new(1_000, DAY))],
            1,
            0.0,
        );
        assert!(
            near(daily.hour_rate(h(3)), 1_000.0 / 86_400.0),
            "{}",
            daily.hour_rate(h(3))
        );
        assert_eq!(bank(Vec::new(), 1, 0.0).hour_rate(0), f64::INFINITY);
    }

    /// Through a band of hours a rate scheduled for those hours binds, one for other hours
    /// does not, a cap serves its slots' calls, and a daily window may spend it all there.
    #[test]
    fn a_band_is_bound_by_the_policies_that_hold_in_it() {
        let cdr = bank(vec![during(0, 6, 50.0), during(6, 24, 5.0)], 2, 0.0);
        assert!(
            near(cdr.band_rate((h(0), h(6)), 0.0), 50.0),
            "{}",
            cdr.band_rate((h(0), h(6)), 0.0)
        );
        assert!(near(cdr.band_rate((h(8), h(12)), 0.0), 5.0));
        // Both: the tighter binds.
        assert!(near(cdr.band_rate((h(4), h(8)), 0.0), 5.0));
        let capped = bank(vec![Limit::Concurrency(ConcurrencyCap::new(16))], 4, 0.0);
        assert!(near(capped.band_rate((h(0), h(6)), 0.0), 4.0));
        let daily = bank(
            vec![Limit::FixedWindow(FixedWindow::new(86_400, DAY))],
            1,
            0.0,
        );
        assert!(near(daily.band_rate((h(0), h(6)), 0.0), 4.0));
        assert!(bank(vec![], 1, 0.0)
            .band_rate((h(0), h(6)), 0.0)
            .is_infinite());
    }

    /// What a band holds: a night rate over the night (the day's rate has no hours there), the
    /// pieces of a band across both added up, a cap's slots for the band's seconds, nothing
    /// where scheduled rates leave hours unmetered; exact only for one unscheduled policy.
    #[test]
    fn a_bands_capacity_adds_up_its_hours() {
        let during = bucket_during;
        let cdr = bank(vec![during(0, 6, 50.0), during(6, 24, 5.0)], 2, 0.0);
        let night = cdr.band_capacity((h(0), h(6)), 1e5);
        assert_eq!(night.calls, 50.0 * 21_600.0 + 10.0);
        assert_eq!(
            night.binding_policy(),
            Some("scheduled token bucket 50/s, burst 10")
        );
        assert!(!night.exact);
        let across = cdr.band_capacity((h(4), h(8)), 1e5);
        assert_eq!(
            across.calls,
            (50.0 * 7_200.0 + 10.0) + (5.0 * 7_200.0 + 10.0)
        );
        // A steady pace across it keeps to the day's 5/s (and the burst over the band).
        assert!((cdr.band_rate((h(4), h(8)), 0.0) - (5.0 + 10.0 / 14_400.0)).abs() < 1e-9);
        // Two policies on the same hours leave the rest of a longer band unmetered.
        let stacked = bank(vec![during(0, 6, 50.0), during(0, 6, 5.0)], 2, 0.0);
        assert!(stacked
            .band_capacity((h(0), h(12)), 1e5)
            .calls
            .is_infinite());
        // A fixed window's windows are aligned to midnight: 02:00–04:00 meets two of 3 h.
        let three = Limit::FixedWindow(FixedWindow::new(100, SimDuration::from_hours(3)));
        assert_eq!(
            bank(vec![three], 1, 0.0)
                .band_capacity((h(2), h(4)), 1e5)
                .calls,
            200.0
        );
        let nights_only = bank(vec![during(0, 6, 50.0)], 2, 0.0);
        assert!(nights_only
            .band_capacity((h(6), h(12)), 1e5)
            .calls
            .is_infinite());
        let capped = bank(vec![Limit::Concurrency(ConcurrencyCap::new(16))], 4, 0.01);
        let c = capped.band_capacity((h(0), h(6)), 1e5);
        assert_eq!(c.calls, 16.0 * 21_600.0 / 4.0);
        assert!((c.refreshes - 0.99 * c.calls).abs() < 1e-6);
        assert!(c.exact);
        let closing = Limit::Maintenance(Maintenance::new(
            SimDuration::from_hours(1),
            SimDuration::from_hours(2),
            MaintenanceMode::Reject,
        ));
        let daily = Limit::FixedWindow(FixedWindow::new(5_000, DAY));
        let c = bank(vec![daily, closing], 1, 0.0).band_capacity((h(0), h(6)), 1e5);
        assert_eq!(c.calls, 5_000.0);
        assert!(!c.exact, "a maintenance window is left to simulation");
    }

    /// A band across midnight (22:00–04:00 is `(22 h, 28 h)`, the next day's clock) meets the
    /// hours after midnight as the next day's: the night rate there and the day's before it,
    /// added up; a steady pace keeps to the tighter; a maintenance window after midnight
    /// closes its share of it; an unscheduled policy sees only the band's length.
    #[test]
    fn a_band_across_midnight_meets_the_next_days_hours() {
        let during = bucket_during;
        let cdr = bank(vec![during(0, 6, 50.0), during(6, 24, 5.0)], 2, 0.0);
        let night = cdr.band_capacity((h(22), h(28)), 1e5);
        assert_eq!(
            night.calls,
            (5.0 * 7_200.0 + 10.0) + (50.0 * 14_400.0 + 10.0)
        );
        assert!((cdr.band_rate((h(22), h(28)), 0.0) - (5.0 + 10.0 / 21_600.0)).abs() < 1e-9);
        let capped = bank(vec![Limit::Concurrency(ConcurrencyCap::new(16))], 4, 0.0);
        assert_eq!(
            capped.band_capacity((h(22), h(28)), 1e5).calls,
            capped.band_capacity((h(0), h(6)), 1e5).calls
        );
        let closing = Maintenance::new(
            SimDuration::from_hours(1),
            SimDuration::from_hours(2),
            MaintenanceMode::Reject,
        );
        assert_eq!(closing.closed_share((h(22), h(26))), 0.25);
        assert_eq!(closing.closed_share((h(2), h(6))), 0.0);
        // A daily window serves one night's evening and the next night's morning: once.
        let daily = Limit::FixedWindow(FixedWindow::new(1_000, DAY));
        assert_eq!(
            bank(vec![daily], 1, 0.0)
                .band_capacity((h(22), h(30)), 1e5)
                .calls,
            1_000.0
        );
        let hourly = Limit::FixedWindow(FixedWindow::new(10, SimDuration::from_hours(1)));
        assert_eq!(
            bank(vec![hourly], 1, 0.0)
                .band_capacity((h(22), h(30)), 1e5)
                .calls,
            80.0
        );
        // The hours of the band, each with its part on the band's clock.
        let hours: Vec<usize> = crate::time::hours_in((h(22), h(28)))
            .map(|(h, _)| h)
            .collect();
        assert_eq!(hours, [22, 23, 0, 1, 2, 3]);
    }
}
