//! Consents: when a connection's consent expires, and whether and when its customer
//! reconnects.
//!
//! **Expiry** is a daily hazard `p` (`population.consent_expiry_share`): a consent outlives
//! `d` days with probability `(1 − p)^d`, and one that expires within the window does so at
//! an exponentially drawn instant. On expiry the aggregator answers "reconnect required" and
//! the client stops refreshing the connection.
//!
//! **Reconnection** (`population.reconnect_share`, `population.reconnect_mean_days`): the
//! customer is asked to reconnect the next time they open the app. A share `s` of customers
//! ever do; each of them opens the app as a Poisson process of `1 / mean_days` opens a day
//! whose rate follows the hour of day (the scenario's `[on_demand]` profile, or the default
//! one), and reconnects at the first open after the expiry. The renewed consent runs a full
//! lifetime of `1 / p` days: a population whose consents have evenly spread ages, each
//! lasting `L` days, sees `1 / L` of them expire a day, which is the hazard. So a renewed
//! consent expires again only in windows longer than that (91 days at the UK's 1.1 %).
//!
//! **Joins** (`population.join_share`): new customers link connections during the window,
//! `share · connections` a day, at instants that follow the hour of day as app opens do.
//! Each is a connection from its join on (ids after the first `connections`), with a new
//! consent of a full lifetime and the reconnect flow's first fetch; before it, it is no
//! connection at all. Joins are a rate of their own, as sign-ups are: a share of
//! `consent_expiry_share · (1 − reconnect_share)` replaces the first day's consents lost for
//! good, but the hazard's expiries fall as the first consents dwindle, so over a window
//! long against `1 / p` days the population grows (by 30 % over 30 days at 3 %). Or
//! (`population.growth_per_week`) the book grows by a share a week, compounding.
//!
//! Every draw is keyed: the first expiry by the connection (`Purpose::Connection`, shared
//! with its bank), the `k`-th reconnection by the connection and `k` (`Purpose::Reconnect`),
//! so a connection's consents depend on the seed and its id alone, whatever the client.

mod joins;
use joins::growing_mass;
pub use joins::Joins;

use crate::demand::DEFAULT_PROFILE;
use crate::metrics::DAY_US;
use crate::rng::{Chance, Purpose, StreamRng, Streams};
use crate::scenario::Scenario;
use crate::time::{SimDuration, SimTime};
use rand::{Rng, RngExt};

/// Customers who reconnect after their consent expired (validated).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reconnect {
    /// Share of customers who ever reconnect, in `(0, 1]`.
    pub share: f64,
    /// Mean days between a reconnecting customer's app opens.
    pub mean_days: f64,
}

/// The law of a run's consents over its window.
#[derive(Clone, Debug)]
pub struct Consents {
    /// Whether a connection's first consent expires within the window.
    expires: Chance,
    /// The probability that a consent survives the window.
    survive: f64,
    /// The daily expiry hazard's share `p`.
    share: f64,
    window_start: SimTime,
    window_end: SimTime,
    /// How long a renewed consent lasts: `1 / p` days.
    lifetime: SimDuration,
    reconnect: Option<Opens>,
}

/// A reconnecting customer's app opens: a Poisson process whose rate follows the hour of day.
#[derive(Clone, Debug)]
struct Opens {
    will: Chance,
    /// The share of customers who ever reconnect (`will`'s probability).
    share: f64,
    /// Opens per day.
    per_day: f64,
    /// Relative weights of the 24 hours, and the largest.
    profile: [f64; 24],
    busiest: f64,
}

use crate::time::HOUR_US;

impl Opens {
    /// Opens per microsecond in the hour holding `t`.
    fn rate(&self, t: SimTime) -> f64 {
        let total: f64 = self.profile.iter().sum();
        self.per_day * self.profile[hour(t)] / total * 24.0 / DAY_US as f64
    }
}

/// The hour of day (0..24) of an instant, on the window's clock (time 0 is midnight).
fn hour(t: SimTime) -> usize {
    (t.as_micros() / HOUR_US % 24) as usize
}

impl Consents {
    /// The consents of `sc`'s runs.
    pub fn new(sc: &Scenario) -> Self {
        let days = sc.window.as_micros() as f64 / DAY_US as f64;
        let p = sc.consent_expiry_share;
        let survive = (1.0 - p).powf(days);
        // Beyond the window plus a day, a lifetime changes nothing; capped so it cannot
        // overflow.
        let horizon = sc.window.as_secs_f64() + 86_400.0;
        let lifetime = SimDuration::from_secs_f64((86_400.0 / p).min(horizon));
        let profile = sc.on_demand.as_ref().map_or(DEFAULT_PROFILE, |d| d.profile);
        let reconnect = sc.reconnect.map(|r| Opens {
            will: Chance::new(r.share),
            share: r.share,
            per_day: 1.0 / r.mean_days,
            profile,
            busiest: profile.iter().copied().fold(0.0, f64::max),
        });
        Consents {
            expires: Chance::new(1.0 - survive),
            survive,
            share: p,
            window_start: sc.window_start,
            window_end: sc.window_start + sc.window,
            lifetime,
            reconnect,
        }
    }

    /// The connections due at the end of each measured day of `sc` (consent valid then,
    /// joiners counted from their join), as a share of those at the start: what each day's
    /// coverage divides by. With joins a share may pass 1.
    pub fn due_shares(sc: &Scenario) -> Vec<f64> {
        let first = sc.warmup.as_micros().div_ceil(DAY_US);
        let last = (sc.window.as_micros() / DAY_US).max(first + 1);
        let consents = Consents::new(sc);
        let day_end = |d: u64| sc.window_start + SimDuration((d + 1) * DAY_US);
        let ends: Vec<SimTime> = (first..last).map(day_end).collect();
        let joined = consents.joined_shares(&Joins::new(sc), &ends);
        let valid = consents.valid_shares(&ends);
        valid.iter().zip(&joined).map(|(v, j)| v + j).collect()
    }

    /// Whether any customer reconnects in these runs.
    pub fn reconnects(&self) -> bool {
        self.reconnect.is_some() && self.share > 0.0
    }

    /// How long a renewed consent lasts.
    pub fn lifetime(&self) -> SimDuration {
        self.lifetime
    }

    /// Draws from a connection's stream when its first consent expires: `NEVER` when it
    /// outlives the window.
    #[inline]
    pub fn first_expiry(&self, rng: &mut StreamRng) -> SimTime {
        if self.expires.hit(rng.next_u64()) {
            self.expiry_at(rng.next_u64())
        } else {
            SimTime::NEVER
        }
    }

    /// The instant, within the window, of an expiry known to happen in it, from a random
    /// word.
    fn expiry_at(&self, word: u64) -> SimTime {
        let u = (word >> 11) as f64 / (1u64 << 53) as f64;
        let p = self.share;
        if p >= 1.0 {
            return self.window_start;
        }
        let window = self.window_end - self.window_start;
        // Inverse CDF of the day-hazard −ln(1 − p), truncated at the window's length.
        let at_days = -(1.0 - u * (1.0 - self.survive)).ln() / -(1.0 - p).ln();
        let at = SimDuration::from_secs_f64(at_days * 86_400.0).min(window);
        self.window_start + SimDuration(at.as_micros().min(window.as_micros() - 1))
    }

    /// Calls `f` with each instant connection `c`, whose first consent expires at `expiry`,
    /// reconnects within the window. Whether its customer is one who reconnects is drawn
    /// once: one who is reconnects after every expiry, the renewed consent expiring a
    /// lifetime later.
    pub fn each_reconnection(
        &self,
        streams: &Streams,
        c: u32,
        mut expiry: SimTime,
        mut f: impl FnMut(SimTime),
    ) {
        let Some(o) = self.reconnect.as_ref() else {
            return;
        };
        let mut rng = streams.at(Purpose::Reconnect, c, 0);
        if !o.will.hit(rng.next_u64()) {
            return;
        }
        let mut k = 0;
        while expiry < self.window_end {
            if k > 0 {
                rng = streams.at(Purpose::Reconnect, c, k);
            }
            let Some(at) = self.first_open(o, expiry, &mut rng) else {
                return;
            };
            f(at);
            expiry = at + self.lifetime;
            k += 1;
        }
    }

    /// The customer's first app open after `expiry`, if it comes within the window: drawn by
    /// thinning (candidates at the busiest hour's rate, each kept with probability
    /// rate(hour) / busiest rate, as `demand.rs` draws requests).
    fn first_open(&self, o: &Opens, expiry: SimTime, rng: &mut StreamRng) -> Option<SimTime> {
        let total: f64 = o.profile.iter().sum();
        let peak = o.per_day * o.busiest / total * 24.0 / DAY_US as f64;
        let mut t = expiry.as_micros() as f64;
        loop {
            let u: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
            t += -u.ln() / peak;
            if t >= self.window_end.as_micros() as f64 {
                return None;
            }
            let at = SimTime(t as u64);
            if rng.random::<f64>() * o.busiest < o.profile[hour(at)] {
                return Some(at.max(expiry + SimDuration(1)));
            }
        }
    }

    /// The expected connections that joined and hold a valid consent at each instant of `at`
    /// (ascending), as a share of the connections at the start: joins by the minute
    /// following the hour of day, each consent expiring a lifetime after it began, and
    /// those customers who reconnect doing so at the rate of their opens (as
    /// [`valid_shares`](Self::valid_shares) integrates them).
    pub fn joined_shares(&self, joins: &Joins, at: &[SimTime]) -> Vec<f64> {
        const STEP: u64 = 60_000_000;
        let origin = self.window_start;
        let weight = |t: SimTime| {
            let since = t.as_micros() as f64 - origin.as_micros() as f64;
            joins.profile[hour(t)] * (joins.growth * since).exp()
        };
        let window = self
            .window_end
            .saturating_since(self.window_start)
            .as_micros();
        let mass = growing_mass(
            &joins.profile,
            self.window_start,
            self.window_end,
            joins.growth,
            self.window_start,
        );
        let per_mass = joins.count as f64 / joins.first.max(1) as f64 / mass;
        let life = (self.lifetime.as_micros() as f64 / STEP as f64).round() as usize;
        let share = self.reconnect.as_ref().map_or(0.0, |o| o.share);
        let rate = |t: SimTime| self.reconnect.as_ref().map_or(0.0, |o| o.rate(t));
        // Per step: the share that joined in it, and the share reconnected in it.
        let (mut joined, mut renewed): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
        let (mut valid, mut lapsed) = (0.0, 0.0);
        // From `valid` and `lapsed` at the start of the step from `from` of `len` µs: at its
        // end, and the shares joined and reconnected in it.
        let step =
            |valid: f64, lapsed: f64, joined: &[f64], renewed: &[f64], from: SimTime, len: u64| {
                let i = joined.len();
                let frac = len as f64 / STEP as f64;
                let old = |v: &[f64]| i.checked_sub(life).map_or(0.0, |j| v[j]) * frac;
                let (first, again) = (old(joined), old(renewed));
                let new = weight(from) * len as f64 * per_mass;
                let stay = (-rate(from) * len as f64).exp();
                let into = share * first + again;
                let end = lapsed * stay + into * stay.sqrt();
                let back = lapsed + into - end;
                (valid + new - first - again + back, end, new, back)
            };
        assert!(at.is_sorted(), "instants in ascending order");
        let mut out = Vec::with_capacity(at.len());
        for &t in at {
            let span = t
                .saturating_since(self.window_start)
                .as_micros()
                .min(window);
            while (joined.len() as u64 + 1) * STEP <= span {
                let from = self.window_start + SimDuration(joined.len() as u64 * STEP);
                let (v, l, j, r) = step(valid, lapsed, &joined, &renewed, from, STEP);
                (valid, lapsed) = (v, l);
                joined.push(j);
                renewed.push(r);
            }
            let done = joined.len() as u64 * STEP;
            let from = self.window_start + SimDuration(done);
            out.push(step(valid, lapsed, &joined, &renewed, from, span - done).0);
        }
        out
    }

    /// The probability that a connection's consent is valid at `t`: see
    /// [`valid_shares`](Self::valid_shares).
    pub fn valid_share(&self, t: SimTime) -> f64 {
        self.valid_shares(&[t])[0]
    }

    /// The probability that a connection's consent is valid at each instant of `at`
    /// (ascending), by integrating the law forward a minute at a time rather than drawing
    /// from it. Of the customers who reconnect, the share without a consent gains each
    /// step's expiries (first consents at the daily hazard, renewed ones a lifetime after
    /// their reconnection) and loses the share `1 − e^−Λ` whose customer opens the app (`Λ`
    /// the step's expected opens): opens are a Poisson process, so how long a customer has
    /// waited does not matter. An expiry within a step meets half the step's opens.
    pub fn valid_shares(&self, at: &[SimTime]) -> Vec<f64> {
        let survives = |t: SimTime| {
            let days = t.saturating_since(self.window_start).as_micros() as f64 / DAY_US as f64;
            (1.0 - self.share).powf(days)
        };
        let Some(o) = self.reconnect.as_ref().filter(|_| self.share > 0.0) else {
            return at.iter().map(|&t| survives(t)).collect();
        };
        const STEP: u64 = 60_000_000;
        let life = (self.lifetime.as_micros() as f64 / STEP as f64).round() as usize;
        // Per step: the share reconnected in it, whose renewed consents expire `life` later.
        let mut renewed: Vec<f64> = Vec::new();
        let mut lapsed = 0.0;
        // The share lapsed at the end of the step from `from` of `len` µs, and the share
        // reconnected within it, from `lapsed` at its start.
        let step = |lapsed: f64, renewed: &[f64], from: SimTime, len: u64| {
            let i = renewed.len();
            let expired = survives(from) - survives(from + SimDuration(len))
                + i.checked_sub(life).map_or(0.0, |j| renewed[j]) * len as f64 / STEP as f64;
            let stay = (-o.rate(from) * len as f64).exp();
            let end = lapsed * stay + expired * stay.sqrt();
            (end, lapsed + expired - end)
        };
        assert!(at.is_sorted(), "instants in ascending order");
        let mut out = Vec::with_capacity(at.len());
        for &t in at {
            let span = t.saturating_since(self.window_start).as_micros();
            while (renewed.len() as u64 + 1) * STEP <= span {
                let from = self.window_start + SimDuration(renewed.len() as u64 * STEP);
                let (next, back) = step(lapsed, &renewed, from, STEP);
                lapsed = next;
                renewed.push(back);
            }
            let done = renewed.len() as u64 * STEP;
            let from = self.window_start + SimDuration(done);
            let lapsed_at_t = step(lapsed, &renewed, from, span - done).0;
            out.push(o.share * (1.0 - lapsed_at_t) + (1.0 - o.share) * survives(t));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario;

    fn consents(population: &str, days: u32) -> Consents {
        let text = format!(
            "[window]\nstart = \"00:00\"\nlength = \"{days}d\"\n\
             [population]\nconnections = 10\n{population}\n\
             [strategy]\nkind = \"random_offset\"\n\
             [[banks]]\nname = \"b\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
        );
        Consents::new(&scenario::parse(&text, "inline", "t", &[]).unwrap())
    }

    /// The drawn consents (first expiry, each reconnection) agree with the integrated law
    /// at each day's end: two methods, one law. A consent lasts 1/0.1 = 10 days, so renewed
    /// consents expire again within the 30-day window, and are renewed again.
    #[test]
    fn drawn_reconnections_follow_the_integrated_law() {
        let c = consents(
            "consent_expiry_share = 0.1\nreconnect_share = 0.7\nreconnect_mean_days = 2.5",
            30,
        );
        let streams = Streams::new(3);
        let n = 200_000u32;
        let (mut valid_at_end, mut renewed_again) = ([0u64; 30], 0);
        let ends: Vec<SimTime> = (1..=30).map(|d| SimTime(d * DAY_US)).collect();
        for i in 0..n {
            let expiry = c.first_expiry(&mut streams.at(Purpose::Connection, i, 0));
            let mut renewals = Vec::new();
            c.each_reconnection(&streams, i, expiry, |at| renewals.push(at));
            renewed_again += (renewals.len() > 1) as u32;
            for (valid, &end) in valid_at_end.iter_mut().zip(&ends) {
                // Valid through its first consent, or through the last renewal before `end`.
                let last = renewals.iter().rev().find(|&&at| at <= end);
                *valid += (expiry >= end || last.is_some_and(|&at| at + c.lifetime() > end)) as u64;
            }
        }
        assert!(
            renewed_again > n / 20,
            "renewed consents expire and are renewed"
        );
        let law = c.valid_shares(&ends);
        for (d, &valid) in valid_at_end.iter().enumerate() {
            let want = law[d];
            assert_eq!(want, c.valid_share(ends[d]));
            let sd = (want * (1.0 - want) / n as f64).sqrt();
            let got = valid as f64 / n as f64;
            assert!(
                (got - want).abs() < 4.5 * sd + 1e-4,
                "day {d}: {got} vs {want}"
            );
        }
        // Without reconnections, the share is the hazard's survival.
        let none = consents("consent_expiry_share = 0.1", 30);
        let t = SimTime(5 * DAY_US);
        assert!((none.valid_share(t) - 0.9f64.powi(5)).abs() < 1e-12);
        assert!(c.valid_share(t) > none.valid_share(t) + 0.05);
    }

    /// Reconnections happen at app opens: their hours follow the profile, and the share of
    /// lapsed customers who ever come back is the share asked for.
    #[test]
    fn reconnections_follow_the_profile_and_the_share() {
        let c = consents(
            "consent_expiry_share = 1.0\nreconnect_share = 0.6\nreconnect_mean_days = 0.5",
            30,
        );
        let streams = Streams::new(9);
        let n = 100_000u32;
        let (mut per_hour, mut back) = ([0u64; 24], 0u64);
        for i in 0..n {
            let mut first = None;
            c.each_reconnection(&streams, i, SimTime::ZERO, |at| {
                first.get_or_insert(at);
            });
            if let Some(at) = first {
                back += 1;
                per_hour[hour(at)] += 1;
            }
        }
        // With two opens a day for 30 days, all who will have come back.
        let sd = (n as f64 * 0.6 * 0.4).sqrt();
        assert!((back as f64 - 0.6 * n as f64).abs() < 4.5 * sd, "{back}");
        // The first open after midnight: the hourly rate decides where it lands, and the
        // night's low rate carries many into the morning, so compare with the law's own
        // first-open density rather than with the profile's weights.
        let rate: Vec<f64> = (0..24)
            .map(|h| DEFAULT_PROFILE[h] / DEFAULT_PROFILE.iter().sum::<f64>() * 24.0 * 2.0)
            .collect();
        let (mut survive, mut want) = (1.0, [0.0; 24]);
        for _day in 0..30 {
            for h in 0..24 {
                let stay = (-rate[h] / 24.0).exp();
                want[h] += survive * (1.0 - stay);
                survive *= stay;
            }
        }
        for h in 0..24 {
            let w = want[h] * back as f64;
            assert!(
                (per_hour[h] as f64 - w).abs() < 4.5 * w.sqrt() + 5.0,
                "hour {h}: {} vs {w:.0}",
                per_hour[h]
            );
        }
    }

    /// Joins fall within the window at hours that follow the profile, as many as the share
    /// says, and a customer's accounts link together.
    #[test]
    fn joins_follow_the_profile_and_link_a_customers_accounts() {
        let text = "[window]\nstart = \"06:00\"\nlength = \"3d\"\n\
                    [population]\nconnections = 100000\njoin_share = 0.2\n\
                    connections_per_customer = 2\n[platform]\ndedup = \"skip\"\n\
                    [strategy]\nkind = \"bulk\"\n[[banks]]\nname = \"b\"\nshare = 1.0\n\
                    service_time = { dist = \"constant\", value = \"1s\" }\n";
        let sc = scenario::parse(text, "inline", "t", &[]).unwrap();
        let joins = Joins::new(&sc);
        assert_eq!((joins.first, joins.count), (100_000, 60_000));
        let streams = Streams::new(5);
        let mut per_hour = [0u64; 24];
        for c in (joins.first..joins.total()).step_by(2) {
            let at = joins.at(&streams, c);
            assert_eq!(
                at,
                joins.at(&streams, c + 1),
                "a customer's accounts link together"
            );
            assert!(at >= sc.window_start && at < sc.window_start + sc.window);
            per_hour[hour(at)] += 1;
        }
        let total: f64 = DEFAULT_PROFILE.iter().sum();
        for h in 0..24 {
            let want = 30_000.0 * DEFAULT_PROFILE[h] / total;
            let got = per_hour[h] as f64;
            assert!(
                (got - want).abs() < 4.5 * want.sqrt(),
                "hour {h}: {got} vs {want:.0}"
            );
        }
    }
}
