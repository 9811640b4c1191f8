//! Joins (`population.join_share`, or `population.growth_per_week`): new connections linked
//! during the window, at instants that follow the hour of day as app opens do, a constant
//! share of the book a day or at the rate that grows it by a share a week, compounding.

use super::hour;
use crate::demand::DEFAULT_PROFILE;
use crate::metrics::DAY_US;
use crate::rng::{Purpose, Streams};
use crate::scenario::Scenario;
use crate::time::{SimDuration, SimTime, HOUR_US};
use rand::{Rng, RngExt};

/// New connections linked during the window: ids `first .. first + count`, a customer's
/// accounts (`connections_per_customer` consecutive ids) linked together.
#[derive(Clone, Debug)]
pub struct Joins {
    /// Connections at the window's start: the first joiner's id.
    pub first: u32,
    /// Connections that join within the window.
    pub count: u32,
    per_customer: u32,
    window_start: SimTime,
    window_end: SimTime,
    pub(super) profile: [f64; 24],
    busiest: f64,
    /// The joins the share asks for, before rounding and the cap on connection ids.
    wanted: f64,
    /// The book's growth as a rate per µs (`ln(1 + growth_per_week)` a week): joins come at
    /// a rate growing as `e^(growth·t)` from the window's start; 0 for a constant rate.
    pub(super) growth: f64,
}

/// The profile's weight integrated over `[from, to)` (weight × µs).
fn profile_mass(profile: &[f64; 24], from: SimTime, to: SimTime) -> f64 {
    growing_mass(profile, from, to, 0.0, from)
}

/// The profile's weight times `e^(growth·(t − origin))` integrated over `[from, to)`, hour by
/// hour in closed form (with `growth` 0, the profile's mass).
pub(super) fn growing_mass(
    profile: &[f64; 24],
    from: SimTime,
    to: SimTime,
    growth: f64,
    origin: SimTime,
) -> f64 {
    let mut mass = 0.0;
    let mut t = from.as_micros();
    let since = |t: u64| t as f64 - origin.as_micros() as f64;
    while t < to.as_micros() {
        let next = ((t / HOUR_US + 1) * HOUR_US).min(to.as_micros());
        let span = match growth > 0.0 {
            true => ((growth * since(next)).exp() - (growth * since(t)).exp()) / growth,
            false => (next - t) as f64,
        };
        mass += profile[hour(SimTime(t))] * span;
        t = next;
    }
    mass
}

impl Joins {
    /// The joins of `sc`'s runs: `join_share · connections` a day over the window, a day
    /// weighted by the app-open profile (six hours of the night hold fewer joins than six
    /// of the evening; whole days hold a day's each). With `growth_per_week` instead, the
    /// book grows as `e^(r·t)`, `r = ln(1 + growth_per_week)` a week: joins at the rate
    /// `connections · r · e^(r·t)`, weighted so within the day, `connections · (e^(r·W) − 1)`
    /// over a window of whole days `W` (4 % a week over 12 weeks: 60 % more connections).
    pub fn new(sc: &Scenario) -> Self {
        let profile = sc.on_demand.as_ref().map_or(DEFAULT_PROFILE, |d| d.profile);
        let (start, end) = (sc.window_start, sc.window_start + sc.window);
        let day_mass = profile_mass(&profile, start, start + SimDuration(DAY_US));
        let days = match sc.window.as_micros() % DAY_US {
            0 => sc.window.as_micros() as f64 / DAY_US as f64,
            _ => profile_mass(&profile, start, end) / day_mass,
        };
        let growth = (1.0 + sc.growth_per_week).ln() / (7 * DAY_US) as f64;
        let wanted = match growth > 0.0 {
            // The profile's mean weight over a day is `day_mass / DAY_US`.
            true => {
                let mass = growing_mass(&profile, start, end, growth, start);
                (sc.connections as f64 * growth * mass / (day_mass / DAY_US as f64)).round()
            }
            false => (sc.join_share * sc.connections as f64 * days).round(),
        };
        let room = (u32::MAX - 1 - sc.connections) as f64;
        Joins {
            first: sc.connections,
            count: wanted.min(room) as u32,
            per_customer: sc.connections_per_customer,
            window_start: start,
            window_end: end,
            profile,
            busiest: profile.iter().copied().fold(0.0, f64::max),
            wanted,
            growth,
        }
    }

    /// Every connection of a run: those at the start and those that join.
    pub fn total(&self) -> u32 {
        self.first + self.count
    }

    /// When joiner `c` links: uniform over the window, thinned by the hour of day, drawn
    /// from its customer's stream (the customer D•One's rule knows, `c / k`) so that a
    /// customer's accounts link together; a customer with accounts from the start adds the
    /// new ones at one instant. Joins are only drawn in a window the profile gives weight
    /// ([`Joins::new`]).
    pub fn at(&self, streams: &Streams, c: u32) -> SimTime {
        debug_assert!((self.first..self.total()).contains(&c));
        let mut rng = streams.at(Purpose::Customer, c / self.per_customer, 0);
        let (start, len) = (
            self.window_start.as_micros(),
            self.window_end - self.window_start,
        );
        loop {
            let at = SimTime(start + crate::rng::below(rng.next_u64(), len.as_micros()));
            // Thinned by the growth too: e^(growth·(at − end)) is at most 1.
            let since_end = at.as_micros() as f64 - self.window_end.as_micros() as f64;
            let grown = (self.growth * since_end).exp();
            if rng.random::<f64>() * self.busiest < self.profile[hour(at)] * grown {
                return at;
            }
        }
    }

    /// Whether the joins fit the connection ids left. (Their count follows the profile's
    /// weight over the window, so a window it gives none holds none, and `at` always finds
    /// an instant.)
    pub fn check(&self) -> Result<(), String> {
        if self.wanted > self.count as f64 {
            return Err(format!(
                "{} joiners over the window, beside the connections at the start, are more than \
                 the {} connections supported",
                self.wanted,
                u32::MAX - 1
            ));
        }
        Ok(())
    }
}
