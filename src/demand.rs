//! Customer-initiated refreshes: a customer who opens the app triggers a refresh of one of
//! their connections, on demand, beside the client's background work.
//!
//! Requests arrive as a Poisson process over the window whose rate follows the hour of day:
//! `per_day` requests a day, spread over the hours by `profile` (24 weights), each for a
//! connection drawn uniformly among those whose customers open the app (`active_share` of
//! them, each connection's chance drawn once a run; every connection by default). The process is drawn by thinning (Lewis and Shedler): candidate
//! instants at the busiest hour's rate, each kept with probability rate(hour) / busiest rate,
//! which gives exactly the piecewise-constant rate. Every draw is keyed by the request's
//! index, so the requests do not depend on the strategy or on anything else in the run.
//!
//! On-demand calls are customer-present: a bank's unattended-access quota (PSD2's four a
//! day) does not count them, as PSD2 and the UK FAPI customer-IP header provide.

use crate::rng::{below, Purpose, Streams};
use crate::time::{SimDuration, SimTime};
use rand::{Rng, RngExt};

/// How on-demand requests reach the bank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    /// The app calls the aggregator at once, outside the background slots.
    Direct,
    /// Through the queued client's slots, ahead of every background refresh.
    Priority,
}

/// The customer-initiated refreshes of a scenario (validated).
#[derive(Clone, Debug, PartialEq)]
pub struct OnDemand {
    /// Requests a day over every connection. With `per_connection`, that rate times the
    /// connections, set again wherever the connections change (`OnDemand::for_connections`).
    pub per_day: f64,
    /// Requests a connection a day, when the scenario gives the rate per connection.
    pub per_connection: Option<f64>,
    /// Relative weights of the 24 hours of the day (local time of the window's clock).
    pub profile: [f64; 24],
    pub lane: Lane,
    /// With the priority lane: the share of each pool's slots kept for customers
    /// (background work never takes them).
    pub reserved: f64,
    /// The share of connections whose customers open the app at all: the requests fall on
    /// those alone (many customers of a fintech never open it; their connections rely on
    /// the background).
    pub active_share: f64,
}

/// A run's customers: their requests, and the connections whose customers ask (drawn once a
/// run; empty when every connection's do).
#[derive(Clone, Debug)]
pub struct Customers {
    pub demand: OnDemand,
    pub askers: Vec<u32>,
}

impl Customers {
    /// The customers of `connections` connections (a rate a connection scales), over the
    /// `records` connection records of a run (those who join later among them): each
    /// customer (`per_customer` consecutive connections, linked together) asks with
    /// probability `active_share`, from their own keyed draw.
    pub fn new(
        d: &OnDemand,
        (connections, records, per_customer): (u32, u32, u32),
        streams: &Streams,
    ) -> Customers {
        let asks = |c: u32| {
            let customer = c / per_customer.max(1);
            streams.at(Purpose::Customer, customer, 1).random::<f64>() < d.active_share
        };
        let askers = match d.active_share < 1.0 {
            true => (0..records).filter(|&c| asks(c)).collect(),
            false => Vec::new(),
        };
        Customers {
            demand: d.for_connections(connections),
            askers,
        }
    }

    /// Whether connection `c`'s customer opens the app.
    #[inline]
    pub fn asks(&self, c: u32) -> bool {
        self.demand.active_share >= 1.0 || self.askers.binary_search(&c).is_ok()
    }

    /// The next request after `after` (see [`OnDemand::next`]), for one of the askers.
    pub fn next(
        &self,
        after: SimTime,
        index: &mut u32,
        (connections, linked): (u32, impl Fn(u32) -> bool),
        end: SimTime,
        streams: &Streams,
    ) -> Option<Request> {
        let among = match self.demand.active_share < 1.0 {
            true => Among::Listed(&self.askers),
            false => Among::All(connections),
        };
        self.demand
            .next(after, index, (among, linked), end, streams)
    }
}

/// The connections a request may fall on: every one of `n`, or those listed.
#[derive(Clone, Copy, Debug)]
pub enum Among<'a> {
    All(u32),
    Listed(&'a [u32]),
}

impl Among<'_> {
    fn len(self) -> u64 {
        match self {
            Among::All(n) => n as u64,
            Among::Listed(l) => l.len() as u64,
        }
    }

    fn pick(self, word: u64) -> u32 {
        match self {
            Among::All(n) => below(word, n as u64) as u32,
            Among::Listed(l) => l[below(word, l.len() as u64) as usize],
        }
    }
}

/// Hour-of-day weights of app opens: quiet at night, a rise from 7 h, peaks at the morning
/// commute, lunch and the evening (19–21 h), as mobile-banking usage is usually described.
/// A modelling choice, not a published measurement (docs/sources.md): give a profile of
/// your own app's opens where you have one.
pub const DEFAULT_PROFILE: [f64; 24] = [
    0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.5, 1.0, 1.4, 1.3, 1.2, 1.3, //
    1.6, 1.5, 1.2, 1.1, 1.2, 1.4, 1.6, 1.8, 1.8, 1.5, 1.0, 0.6,
];

/// One request: when, and for which connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    pub at: SimTime,
    pub conn: u32,
}

impl OnDemand {
    /// The requests for `connections` connections: a rate per connection scales with them;
    /// an absolute `per_day` does not.
    pub fn for_connections(&self, connections: u32) -> OnDemand {
        let mut d = self.clone();
        if let Some(p) = self.per_connection {
            d.per_day = p * connections as f64;
        }
        d
    }

    /// The requests a second on average through a band of hours `(from, to)` (microseconds
    /// into the day), by the profile's weights (a part hour by its part).
    pub fn rate_within(&self, (from, to): (u64, u64)) -> f64 {
        const HOUR: u64 = crate::time::HOUR_US;
        let total: f64 = self.profile.iter().sum();
        let within: f64 = crate::time::hours_in((from, to))
            .map(|(h, (a, b))| self.profile[h] * (b - a) as f64 / HOUR as f64)
            .sum();
        self.per_day * within / total / ((to - from) as f64 / 1e6)
    }

    /// The distinct connections `calls` requests a day fetch among `connections`: they fall
    /// uniformly on the askers' share of them, so `a n (1 − e^{−c / (a n)})`.
    pub fn fetched(&self, calls: f64, connections: f64) -> f64 {
        let askers = self.active_share * connections;
        if askers <= 0.0 {
            return 0.0;
        }
        askers * (1.0 - (-calls / askers).exp())
    }

    /// The busiest hour's rate, in requests per microsecond.
    fn peak_rate(&self) -> f64 {
        let total: f64 = self.profile.iter().sum();
        let peak = self.profile.iter().copied().fold(0.0, f64::max);
        self.per_day * peak / total / 3.6e9
    }

    /// Request `k`, the first after `after` (the previous request's instant), for one of
    /// the connections `among` that `linked` says is one by then; `None` when the rate is
    /// zero (or no connection's customer asks) or the request would fall at or after `end`. `index` counts candidate instants, so that each
    /// is keyed once. A connection not yet linked (its customer joins later) is drawn again,
    /// so that `per_day` holds over the connections there are.
    pub fn next(
        &self,
        after: SimTime,
        index: &mut u32,
        (among, linked): (Among, impl Fn(u32) -> bool),
        end: SimTime,
        streams: &Streams,
    ) -> Option<Request> {
        let peak = self.peak_rate();
        let max = self.profile.iter().copied().fold(0.0, f64::max);
        if peak <= 0.0 || among.len() == 0 {
            return None;
        }
        let mut t = after.as_micros() as f64;
        loop {
            let mut rng = streams.at(Purpose::Demand, *index, 0);
            *index = index.wrapping_add(1);
            let u: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
            t += -u.ln() / peak;
            if t >= end.as_micros() as f64 {
                return None;
            }
            let at = SimTime(t as u64);
            let hour = (at.as_micros() / SimDuration::from_hours(1).as_micros() % 24) as usize;
            if rng.random::<f64>() * max < self.profile[hour] {
                // At most a few draws: the connections linked are most of them.
                for _ in 0..64 {
                    let conn = among.pick(rng.next_u64());
                    if linked(conn) {
                        return Some(Request { at, conn });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Over many days the requests per hour follow the profile, and the daily count its
    /// volume, within Poisson noise.
    #[test]
    fn requests_follow_the_volume_and_the_profile() {
        let d = OnDemand {
            per_day: 24_000.0,
            per_connection: None,
            profile: DEFAULT_PROFILE,
            lane: Lane::Direct,
            reserved: 0.0,
            active_share: 1.0,
        };
        let streams = Streams::new(5);
        let days = 20u64;
        let end = SimTime::ZERO + SimDuration::from_hours(24 * days);
        let (mut at, mut index, mut per_hour) = (SimTime::ZERO, 0u32, [0u64; 24]);
        // Requests in a band with part hours, 05:30–07:30, against its average rate.
        let band = (19_800_000_000, 27_000_000_000);
        let mut in_band = 0u64;
        while let Some(r) = d.next(at, &mut index, (Among::All(1000), |_| true), end, &streams) {
            per_hour[(r.at.as_micros() / 3_600_000_000 % 24) as usize] += 1;
            in_band += (band.0..band.1).contains(&(r.at.as_micros() % 86_400_000_000)) as u64;
            assert!(r.conn < 1000 && r.at >= at);
            at = r.at;
        }
        let want = d.rate_within(band) * 7_200.0 * days as f64;
        assert!(
            (in_band as f64 - want).abs() < 4.0 * want.sqrt(),
            "{in_band} vs {want}"
        );
        assert!((d.rate_within((0, 86_400_000_000)) - 24_000.0 / 86_400.0).abs() < 1e-12);
        let total: u64 = per_hour.iter().sum();
        let want = 24_000.0 * days as f64;
        assert!((total as f64 - want).abs() < 4.0 * want.sqrt(), "{total}");
        let weights: f64 = DEFAULT_PROFILE.iter().sum();
        for (h, &n) in per_hour.iter().enumerate() {
            let want = want * DEFAULT_PROFILE[h] / weights;
            assert!(
                (n as f64 - want).abs() < 4.5 * want.sqrt(),
                "hour {h}: {n} vs {want}"
            );
        }
    }

    /// With `active_share`, the requests fall only on the connections whose customers ask,
    /// a binomial share of them (250 of 1,000 expected), and keep their volume: each asker
    /// asks four times as often.
    #[test]
    fn requests_fall_on_the_askers_alone() {
        let d = OnDemand {
            per_day: 2_000.0,
            per_connection: None,
            profile: DEFAULT_PROFILE,
            lane: Lane::Direct,
            reserved: 0.0,
            active_share: 0.25,
        };
        let streams = Streams::new(9);
        let customers = Customers::new(&d, (1_000, 1_000, 1), &streams);
        let n = customers.askers.len() as f64;
        assert!(
            (n - 250.0).abs() < 4.0 * (1_000.0f64 * 0.25 * 0.75).sqrt(),
            "{n}"
        );
        let end = SimTime::ZERO + SimDuration::from_hours(24 * 5);
        let (mut at, mut index, mut count) = (SimTime::ZERO, 0u32, 0u64);
        let mut asked = std::collections::BTreeSet::new();
        while let Some(r) = customers.next(at, &mut index, (1_000, |_| true), end, &streams) {
            asked.insert(r.conn);
            (at, count) = (r.at, count + 1);
        }
        assert!((count as f64 - 10_000.0).abs() < 400.0, "{count}");
        // Every asker asked (40 times each on average), and no one else.
        assert_eq!(asked.into_iter().collect::<Vec<_>>(), customers.askers);
        // Everyone asks by default: no list is drawn.
        let all = OnDemand {
            active_share: 1.0,
            ..d
        };
        assert!(Customers::new(&all, (1_000, 1_000, 1), &streams)
            .askers
            .is_empty());
        // A customer's connections ask together, joiners' too.
        let pairs = Customers::new(&d, (1_000, 1_200, 2), &streams).askers;
        assert!(pairs
            .chunks(2)
            .all(|p| p.len() == 2 && p[1] == p[0] + 1 && p[0] % 2 == 0));
        assert!(pairs.iter().any(|&c| c >= 1_000), "a joiner asks");
    }
}
