//! The whole book by the clock. Where only some customers open the app
//! (`on_demand.active_share` < 1) the at-open figures are of their connections alone, yet an
//! analyst, an accountant or a risk check reading every account at 08:00 sees the others too
//! (two trials asked: a lender's analysts at 08:00 over a book half of whose customers open
//! the app, an accounting SaaS whose accountants read every business account by day). The
//! others' connection-time is kept alike, in a second [`AtOpen`], and the two summed by the
//! hour: every connection's data age at each hour of the day, each counted alike (a customer
//! who never opens the app weighs as much as one who does; the app-open profile weighs no
//! hour).

use super::{AtOpen, Between, HourAge};
use crate::time::SimTime;

impl AtOpen {
    /// Keeps the connections whose customers do not open the app too
    /// ([`record_of`](Self::record_of)): the whole book's hours then differ from the opens'.
    /// The rest keeps no days: `daily.csv`'s opens are the opens' alone.
    pub fn with_rest(mut self) -> AtOpen {
        let mut rest = self.clone();
        rest.by_day = super::OpensByDay::unkept();
        self.rest = Some(Box::new(rest));
        self
    }

    /// Whether the whole book's figures differ from the opens' (some customers do not open
    /// the app).
    pub fn keeps_rest(&self) -> bool {
        self.rest.is_some()
    }

    /// Connection-time `[t0, t1)` of a connection whose customer opens the app (`opens`), as
    /// [`record`](Self::record), or of one whose customer does not, kept with the rest where
    /// it is kept.
    #[inline]
    pub fn record_of(&mut self, opens: bool, bank: usize, last: SimTime, t0: SimTime, t1: SimTime) {
        match (opens, self.rest.as_deref_mut()) {
            (true, _) => self.record(bank, last, t0, t1),
            (false, Some(rest)) => rest.record(bank, last, t0, t1),
            (false, None) => {}
        }
    }

    /// Takes back what [`record_of`](Self::record_of) recorded.
    pub fn unrecord_of(
        &mut self,
        opens: bool,
        bank: usize,
        last: SimTime,
        t0: SimTime,
        t1: SimTime,
    ) {
        match (opens, self.rest.as_deref_mut()) {
            (true, _) => self.unrecord(bank, last, t0, t1),
            (false, Some(rest)) => rest.unrecord(bank, last, t0, t1),
            (false, None) => {}
        }
    }

    /// Every connection's data age at each hour of the day, for one bank or all: the opens'
    /// [`hours`](Self::hours) with the rest's time added (the same where none is kept).
    pub fn book_hours(&self, bank: Option<usize>) -> Vec<HourAge> {
        self.hours_of(self.book_by_hour(bank))
    }

    /// Every connection's data age in the hours `hours` of the clock (ending past 24:
    /// across midnight), each hour's connection-time counted alike: the median (hours) and
    /// the shares 24 h old or older and not fresh, or none.
    pub fn book_between(&self, bank: Option<usize>, hours: std::ops::Range<usize>) -> Between {
        self.between_of(&self.book_by_hour(bank), hours, &[1.0; 24])
    }

    /// [`by_hour`](Self::by_hour) of every connection: the opens' and the rest's summed.
    fn book_by_hour(&self, bank: Option<usize>) -> Vec<(Vec<f64>, f64)> {
        let mut out = self.by_hour(bank);
        if let Some(rest) = &self.rest {
            for (o, (h, never)) in out.iter_mut().zip(rest.by_hour(bank)) {
                o.0.iter_mut().zip(&h).for_each(|(a, b)| *a += b);
                o.1 += never;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{SimDuration, HOUR_US};
    use rand::{RngExt, SeedableRng};

    /// Random segments at two banks, some never refreshed, some with a gap taken back,
    /// each of a customer who opens the app or not: the whole book's hours are those of one
    /// `AtOpen` that recorded every segment (with a flat profile, whose hours count alike),
    /// and the opens' those of one that recorded theirs alone.
    #[test]
    fn the_book_is_every_segment_and_the_opens_are_theirs() {
        let mut profile = [0.5; 24];
        profile[19] = 4.0;
        let window = (SimTime(0), SimTime(100 * HOUR_US));
        let horizon = SimDuration::from_hours(48);
        let new = |p: &[f64; 24]| AtOpen::new(2, p, horizon, window, SimTime(0));
        let (mut a, mut every, mut opens) =
            (new(&profile).with_rest(), new(&[1.0; 24]), new(&profile));
        let mut rng = rand_xoshiro::SplitMix64::seed_from_u64(5);
        let min = |m: u64| SimTime(m * 60_000_000);
        for _ in 0..400 {
            let (bank, open) = (rng.random_range(0..2usize), rng.random::<f64>() < 0.4);
            let last = rng.random_range(0..4000u64);
            let (t0, t1) = (
                last + rng.random_range(0..300u64),
                last + rng.random_range(300..3000u64),
            );
            let last = match rng.random::<f64>() < 0.1 {
                true => SimTime::NEVER,
                false => min(last),
            };
            let (t0, t1) = (min(t0.min(5999)), min(t1.min(6000)));
            a.record_of(open, bank, last, t0, t1);
            every.record(bank, last, t0, t1);
            if open {
                opens.record(bank, last, t0, t1);
            }
            if rng.random::<f64>() < 0.3 {
                let len = (t1 - t0).as_micros();
                let (g0, g1) = (t0 + SimDuration(len / 3), t0 + SimDuration(len / 2));
                a.unrecord_of(open, bank, last, g0, g1);
                every.unrecord(bank, last, g0, g1);
                if open {
                    opens.unrecord(bank, last, g0, g1);
                }
            }
        }
        let close = |x: Option<f64>, y: Option<f64>| match (x, y) {
            (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-9 * x.abs().max(1.0),
            (x, y) => x == y,
        };
        for bank in [None, Some(0), Some(1)] {
            let pairs = [
                (a.book_hours(bank), every.hours(bank)),
                (a.hours(bank), opens.hours(bank)),
            ];
            for (got, want) in pairs {
                for (g, w) in got.iter().zip(&want) {
                    assert!(
                        close(Some(g.connection_hours), Some(w.connection_hours)),
                        "{g:?} {w:?}"
                    );
                    assert!(
                        close(g.p50_hours, w.p50_hours) && close(g.p95_hours, w.p95_hours),
                        "{g:?} {w:?}"
                    );
                    assert!(close(g.stale_24h_share, w.stale_24h_share), "{g:?} {w:?}");
                    assert!(close(g.never_share, w.never_share), "{g:?} {w:?}");
                }
            }
            for hours in [0..6, 6..12, 18..30] {
                let (g, w) = (
                    a.book_between(bank, hours.clone()),
                    every.between(bank, hours),
                );
                assert!(
                    close(g.p50_hours, w.p50_hours)
                        && close(g.stale_24h_share, w.stale_24h_share)
                        && close(g.not_fresh_share, w.not_fresh_share),
                    "{g:?} {w:?}"
                );
            }
        }
        // The opens' are not the book's.
        assert_ne!(a.hours(None), a.book_hours(None));
    }
}
