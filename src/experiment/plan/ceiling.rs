//! What each bank can serve in a day, and the coverage ceiling that implies.
//!
//! Where one policy bounds a bank on its own, the ceiling is the arithmetic of
//! [`crate::bank::capacity`]. Where policies combine (a cap and a bucket, a maintenance
//! window, a penalty box, scheduled hours) the least bound is only an upper bound, so the
//! ceiling is measured: the bank alone, with a backlog of twice its bound, under clients
//! that saturate it (a looping queue at one, two and four times the slots Little's law says
//! keep it busy, one at its concurrency cap where that is fewer, which never passes the cap
//! and so never closes a penalty box by itself, and a pace just under its bound, which never
//! breaches a bucket), for one day of the scenario's clock; the best of them is the ceiling.
//! That is a lower bound on what some cleverer client might get, and the arithmetic an upper
//! bound: both are reported. A client that keeps to a band of hours
//! (`strategy.hours`) has the band for its day: the arithmetic is over the band
//! ([`crate::bank::band`]: a night rate, a cap's slots for the band's hours, a daily window
//! spent there) and the saturating clients keep to it too.

use crate::bank::{Bank, Capacity};
use crate::consent::{Consents, Joins};
use crate::experiment::sweep;
use crate::metrics::{cover_days, RunResult};
use crate::retry::RetryPolicy;
use crate::scenario::Scenario;
use crate::strategy::Strategy;
use crate::time::SimDuration;
use rayon::prelude::*;

const DAY: SimDuration = SimDuration::from_hours(24);
/// Most connections a probe simulates (a bank bounded above this is effectively unbounded
/// for any population the planner takes).
const MAX_PROBE_CONNECTIONS: f64 = 4_000_000.0;

/// How a ceiling was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// No policy bounds the bank.
    Unlimited,
    /// One policy on its own: exact arithmetic.
    Arithmetic,
    /// Policies that combine: the best a saturating client achieved.
    Simulation,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Unlimited => "unlimited",
            Method::Arithmetic => "arithmetic",
            Method::Simulation => "simulation",
        }
    }
}

/// One bank's ceiling for its share of the population.
#[derive(Clone, Debug, PartialEq)]
pub struct BankCeiling {
    pub name: String,
    pub share: f64,
    /// The bank's connections due on a measured day: its share of the users whose consent
    /// is still valid (the population coverage divides by).
    pub connections: f64,
    /// The arithmetic of its policies over a day (over its band, for a nightly client).
    pub capacity: Capacity,
    /// Successful refreshes a day (infinite when unlimited).
    pub per_day: f64,
    pub method: Method,
    /// The days a refresh covers: the client's period in days, rounded up past a day, and
    /// a fraction for a period shorter than a day, whose connections each need a refresh
    /// every period (a trial's 12-hour plan gave a bank the ceiling of a daily client).
    pub cover_days: f64,
    /// Distinct connections a day the customers' own fetches refresh beside the background
    /// where no limit of the bank counts them (the CDR's limits are for unattended calls):
    /// they add to what the bank's limits let it cover. Zero where the customers spend the
    /// limits (their fetches are then within `per_day`) or do not ask.
    pub fetched: f64,
    /// The API calls one of its refreshes makes: its policies' figures count refreshes.
    pub calls_per_refresh: u32,
    /// What a pool that keeps within the bank's concurrency cap gets, where that is less
    /// than the ceiling: the ceiling keeps the cap busy, which a client learning outcomes by
    /// polling nears only with more outstanding than the cap, and so with its 429s.
    pub within_cap: Option<WithinCap>,
    /// A per-connection quota the client's period meets ([`quota_share`]): its name, and
    /// the most of each connection's periods its background refreshes can cover under it.
    pub quota: Option<(String, f64)>,
}

/// The refreshes a day of a pool that never has more of a bank's refreshes outstanding
/// than its concurrency cap (and so draws none of its 429s but by customers' calls): each holds a slot from submission until the client learns the
/// outcome (the poll after the call ends), where the cap counts the call alone; customers'
/// calls hold the cap's slots for their service time. A trial's plan said a client could
/// reach 100 % at a bank capped at 2 (26,753 refreshes a day, the cap always busy), where
/// clients within the cap got about half of that and those above it failed most calls. A
/// pace is not bounded by it: its calls in flight, not its outstanding refreshes, meet the
/// cap (a pace at 60 % of a cap of 8 got 99.9 % coverage with 0.4 % 429s).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WithinCap {
    pub cap: u32,
    /// Seconds the client holds a slot per refresh (overhead, call, wait for the poll).
    pub hold_secs: f64,
    /// Mean seconds of the call at the bank: what the cap counts.
    pub call_secs: f64,
    /// Refreshes a day in all, and of those the customers' calls (as if none were refused):
    /// the pool's own are the rest (a trial could not get its figure from the slots and the
    /// hold alone, the customers' part unsaid).
    pub per_day: f64,
    pub customers: f64,
}

impl BankCeiling {
    /// The refreshes a day that cover all its due connections: one each per period.
    pub fn needed_per_day(&self) -> f64 {
        self.connections / self.cover_days
    }

    /// The most of its connections the bank can cover on a day, at most 1: its ceiling, and
    /// the customers' own fetches ([`BankCeiling::fetched`]) of the connections it leaves,
    /// taken as falling on them independently.
    pub fn coverage(&self) -> f64 {
        self.coverage_at(self.per_day)
    }

    /// [`BankCeiling::coverage`] for a client within the bank's cap, where that is less
    /// (by more than a tenth of a point).
    pub fn within_cap_coverage(&self) -> Option<f64> {
        let within = self.coverage_at(self.within_cap?.per_day);
        (within < self.coverage() - 0.001).then_some(within)
    }

    /// The coverage `per_day` refreshes give, with the customers' own fetches.
    fn coverage_at(&self, per_day: f64) -> f64 {
        if self.connections <= 0.0 {
            1.0
        } else {
            let served = self.served(per_day);
            // A fetch covers one of a short period's periods a day.
            let fetched = (self.fetched * self.cover_days.min(1.0) / self.connections).min(1.0);
            served + (1.0 - served) * fetched
        }
    }

    /// The most of its connections the bank's policies let it cover on a day, by their arithmetic
    /// alone and the customers' own fetches added whole (an upper bound: no client can exceed
    /// it), at most 1.
    pub fn bound_coverage(&self) -> f64 {
        if self.connections <= 0.0 {
            1.0
        } else {
            let fetched = self.fetched / self.needed_per_day();
            (self.served(self.capacity.refreshes) + fetched).min(1.0)
        }
    }

    /// The policy that binds: a quota where it covers less than the bank's ceiling lets the
    /// background, else the least of the arithmetic bounds.
    pub fn binding(&self) -> Option<&str> {
        let rated = (self.per_day / self.needed_per_day()).min(1.0);
        match &self.quota {
            Some((name, share)) if *share < rated => Some(name),
            _ => self.capacity.binding_policy(),
        }
    }

    /// `per_day` refreshes, at most those its quota lets the background make (`k` a
    /// connection a day, a 5xx spent): what the memo and `--json` give beside a binding
    /// quota, whose refreshes a day the bank's `per_day` (its rate limits') does not bound.
    pub fn within_quota(&self, per_day: f64) -> f64 {
        match &self.quota {
            Some((_, q)) => per_day.min(q * self.needed_per_day()),
            None => per_day,
        }
    }

    /// The share of its due connections (or connection-periods) `per_day` background
    /// refreshes cover, at most what its quota allows each connection.
    fn served(&self, per_day: f64) -> f64 {
        let served = (per_day / self.needed_per_day()).min(1.0);
        self.quota.as_ref().map_or(served, |(_, q)| served.min(*q))
    }
}

/// The days one refresh covers ([`BankCeiling::cover_days`]).
fn period_days(period: SimDuration) -> f64 {
    match period.as_micros() < DAY.as_micros() {
        true => period.as_micros() as f64 / DAY.as_micros() as f64,
        false => cover_days(period) as f64,
    }
}

/// The seconds of a day a ceiling is served in: the client's band of hours, else the day.
pub fn served_secs(sc: &Scenario) -> f64 {
    let band = sc.schedule.band_micros();
    band.map_or(DAY, |(from, to)| SimDuration(to - from))
        .as_secs_f64()
}

/// The ceilings of every bank of `base` (whose population is `users`), probes run on `pool`.
pub fn ceilings(base: &Scenario, users: u64, pool: &rayon::ThreadPool) -> Vec<BankCeiling> {
    let due = due_share(base);
    base.banks
        .iter()
        .map(|bank| {
            let connections = bank.share * users as f64 * due;
            // A nightly client's day is its band of hours.
            let capacity = match base.schedule.band_micros() {
                Some(band) => bank.band_capacity(band, connections),
                None => bank.capacity(DAY, connections),
            };
            let (per_day, method) = if capacity.calls.is_infinite() {
                (f64::INFINITY, Method::Unlimited)
            } else if capacity.exact {
                (capacity.refreshes, Method::Arithmetic)
            } else {
                (probe(base, bank, &capacity, pool), Method::Simulation)
            };
            let quota = quota_share(bank, base.schedule.period);
            // A quota binding before the rate limits leaves the customers' fetches, which it
            // does not count, to cover what it refuses the background.
            let cover_days = period_days(base.schedule.period);
            let rated = (per_day * cover_days / connections.max(1e-9)).min(1.0);
            let quota_binds = quota.as_ref().is_some_and(|(_, q)| *q < rated);
            BankCeiling {
                name: bank.name.clone(),
                share: bank.share,
                connections,
                capacity,
                per_day,
                method,
                cover_days,
                fetched: fetched(base, bank, users, connections, quota_binds),
                calls_per_refresh: bank.calls_per_refresh,
                within_cap: within_cap(base, bank, users, per_day),
                quota,
            }
        })
        .collect()
}

/// The distinct connections of `bank`'s `connections` due (with a period shorter than a day,
/// connection-periods) that its customers' requests fetch in a day beyond what its ceiling counts ([`crate::demand::OnDemand::fetched`]):
/// all their requests where no limit of the bank counts them, or a quota (which counts none)
/// binds before the limits that do (`quota`); where the limits do, those outside a nightly
/// client's band, whose ceiling is the band's; else none (they are within the ceiling).
fn fetched(base: &Scenario, bank: &Bank, users: u64, connections: f64, quota: bool) -> f64 {
    let Some(d) = base
        .on_demand
        .as_ref()
        .map(|d| d.for_connections(users as u32))
    else {
        return 0.0;
    };
    let spend = bank.customers_spend_limits() && !quota;
    let per_day = match (spend, base.schedule.band_micros()) {
        (false, _) => d.per_day,
        (true, Some(band)) => d.per_day - d.rate_within(band) * (band.1 - band.0) as f64 / 1e6,
        (true, None) => 0.0,
    };
    let period = base.schedule.period.as_micros();
    if per_day <= 0.0 || period >= DAY.as_micros() {
        return d.fetched(bank.share * per_day, connections);
    }
    // With a period shorter than a day, the connection-periods a day they fetch: each of the
    // day's periods (from the window's time of day, the clock of their hours), its own
    // requests' distinct connections; a connection fetched twice a day covers two periods.
    let from = base.window_start.as_micros() % DAY.as_micros();
    (0..DAY.as_micros().div_ceil(period))
        .map(|k| {
            let (a, b) = (k * period, ((k + 1) * period).min(DAY.as_micros()));
            let calls = d.rate_within((from + a, from + b)) * (b - a) as f64 / 1e6;
            d.fetched(bank.share * calls, connections)
        })
        .sum()
}

/// The most of each connection's periods `bank`'s tightest per-connection quota lets a
/// client refreshing every `period` cover, where the period meets it (`k` accesses a day for
/// as many periods or more): `k` a day over the periods a day, a 5xx among them spent, so at
/// most 1 − the error rate where they are as many (PSD2's four a day, every 6 hours: no
/// room for a retry; a trial's plan named the bank's token bucket as binding, the quota
/// nowhere). A quota counts no customer's call, so their fetches add to it. `None` where the
/// period leaves room (a daily client under four a day).
fn quota_share(bank: &Bank, period: SimDuration) -> Option<(String, f64)> {
    let k = (bank.limits.iter())
        .filter_map(|l| match l {
            crate::bank::Limit::Quota(q) => Some(q.k()),
            _ => None,
        })
        .min()?;
    let share = k as f64 * period_days(period) * (1.0 - bank.error_rate);
    (k as f64 * period_days(period) <= 1.0 + 1e-9)
        .then(|| (format!("quota {k} per connection a day"), share))
}

/// What a client within `bank`'s concurrency cap gets ([`WithinCap`]), where it is under
/// 97 % of the ceiling's `per_day`: the customers' calls (a cap counts them all), and the
/// cap's slot-seconds over the served span less theirs over the client's hold per refresh.
fn within_cap(base: &Scenario, bank: &Bank, users: u64, per_day: f64) -> Option<WithinCap> {
    let cap = bank.concurrency_cap()?;
    // The served span's open seconds: a maintenance window that refuses every call closes
    // the cap too.
    let band = base.schedule.band_or_day();
    let closed: f64 = bank
        .limits
        .iter()
        .filter_map(|l| match l.unscoped() {
            crate::bank::Limit::Maintenance(m) => Some(m.closed_share(band)),
            _ => None,
        })
        .sum();
    let secs = served_secs(base) * (1.0 - closed).max(0.0);
    let call_secs = bank.service_time.mean_secs();
    let customers = match (&base.on_demand, base.schedule.band_micros()) {
        (Some(d), band) => {
            let d = d.for_connections(users as u32);
            let band = band.unwrap_or((0, DAY.as_micros()));
            bank.share * d.rate_within(band) * secs
        }
        (None, _) => 0.0,
    };
    let hold_secs = base.slot_hold_secs(bank);
    let free = (cap as f64 * secs - customers * call_secs).max(0.0);
    // Refreshes, as the ceiling counts them: the calls that do not fail by 5xx.
    let served = 1.0 - bank.error_rate;
    let within = ((customers + free / hold_secs) * served).min(per_day);
    (within < 0.97 * per_day).then_some(WithinCap {
        cap,
        hold_secs,
        call_secs,
        per_day: within,
        customers: customers * served,
    })
}

/// The connections due on a measured day (consent valid through its end), as a share of
/// those at the start and averaged over the measured days: what coverage divides by. Those
/// that join count from their join; with joins the share may pass 1.
fn due_share(sc: &Scenario) -> f64 {
    let shares = Consents::due_shares(sc);
    shares.iter().sum::<f64>() / shares.len() as f64
}

/// The connections due `days` after the window's start (consent valid then, joiners counted
/// from their join), as a share of those at the start: the scenario's joins and consent
/// expiry carried on past its window. `plan --at-week` sizes for the book so grown (a
/// trial could not tell whether to give week 12's gross sign-ups or the book then due).
pub fn due_share_after(sc: &Scenario, days: u32) -> f64 {
    let mut long = sc.clone();
    let span = SimDuration(DAY.as_micros() * days as u64);
    long.window = long.window.max(span);
    let at = [sc.window_start + span];
    let consents = Consents::new(&long);
    consents.valid_shares(&at)[0] + consents.joined_shares(&Joins::new(&long), &at)[0]
}

/// With joins, the growth a week of the connections due over the measured days (`None`
/// without joins, or with a single measured day).
pub fn weekly_growth(sc: &Scenario) -> Option<f64> {
    if Joins::new(sc).count == 0 {
        return None;
    }
    let shares = Consents::due_shares(sc);
    let (first, last) = (*shares.first()?, *shares.last()?);
    let days = shares.len().checked_sub(1).filter(|&d| d > 0)? as f64;
    Some((last / first).powf(7.0 / days) - 1.0)
}

/// With joins, the share due on the last measured day and on average (`None` without
/// joins): the population the window ends with, which averaged targets hide.
pub fn growth(sc: &Scenario) -> Option<(f64, f64)> {
    if Joins::new(sc).count == 0 {
        return None;
    }
    let shares = Consents::due_shares(sc);
    let mean = shares.iter().sum::<f64>() / shares.len() as f64;
    Some((*shares.last()?, mean))
}

/// The coverage ceiling of the whole population: each bank's, weighted by its share.
pub fn coverage_ceiling(ceilings: &[BankCeiling]) -> f64 {
    ceilings.iter().map(|c| c.share * c.coverage()).sum()
}

/// [`coverage_ceiling`] for clients within the banks' concurrency caps.
pub fn within_caps_ceiling(ceilings: &[BankCeiling]) -> f64 {
    ceilings
        .iter()
        .map(|c| c.share * c.within_cap_coverage().unwrap_or(c.coverage()))
        .sum()
}

/// The population's coverage by the policies' arithmetic alone: no client exceeds it.
pub fn coverage_bound(ceilings: &[BankCeiling]) -> f64 {
    ceilings.iter().map(|c| c.share * c.bound_coverage()).sum()
}

/// The most refreshes a day saturating clients get from `bank` alone (within the client's
/// band of hours, if it keeps to one).
fn probe(base: &Scenario, bank: &Bank, capacity: &Capacity, pool: &rayon::ThreadPool) -> f64 {
    let rate = capacity.calls / served_secs(base);
    let mut sc = base.clone();
    sc.banks = vec![Bank {
        share: 1.0,
        ..bank.clone()
    }];
    sc.connections = (2.0 * capacity.calls).clamp(1_000.0, MAX_PROBE_CONNECTIONS) as u32;
    sc.window = DAY;
    sc.warmup = SimDuration::ZERO;
    sc.consent_expiry_share = 0.0;
    sc.join_share = 0.0;
    sc.growth_per_week = 0.0;
    sc.on_demand = None;
    // The bank's capacity, not the scenario client's habits: no backoff, no pauses.
    sc.retry = RetryPolicy::default();
    sc.schedule.pause_on_retry_after = false;
    sc.schedule.order = crate::strategy::Order::Fifo;
    sc.schedule.looping = true;
    let slots = (rate * base.slot_hold_secs(bank)).ceil().max(1.0) as u32;
    let mut clients: Vec<Strategy> = [1, 2, 4]
        .iter()
        .map(|k| Strategy::Queued {
            concurrency: slots.saturating_mul(*k),
        })
        .collect();
    // A queue within the bank's cap, where those above it pass it: behind a penalty box
    // every client past the cap shuts the bank, and a trial's bank capped at 5 served 4.3
    // times the "ceiling" they measured to a pool of 5.
    if let Some(cap) = bank.concurrency_cap().filter(|&cap| cap < slots) {
        clients.push(Strategy::Queued { concurrency: cap });
    }
    clients.push(Strategy::Paced {
        profiles: Default::default(),
        rate: Some(0.97 * rate),
        per_bank: false,
        rates: Vec::new(),
        outstanding: Vec::new(),
    });
    let refreshes = |r: &RunResult| r.total().successes_after_warmup as f64;
    pool.install(|| {
        clients
            .into_par_iter()
            .map(|strategy| {
                let mut s = sc.clone();
                s.strategy = strategy;
                sweep::replicate(&s, base.seed, 1, refreshes)[0]
            })
            .reduce(|| 0.0, f64::max)
    })
    .min(capacity.refreshes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bank capped at 2 calls of 5 s, 10 % failing by 5xx, outcomes learned by polling
    /// every 10 s (with no worker overhead): its cap always busy serves 0.9 × 2 × 86,400 / 5
    /// = 31,104 refreshes a day; a client within it holds each slot for the 10 s until the
    /// first poll, so gets half, as a simulated queue of 2 slots does.
    #[test]
    fn a_client_within_a_cap_holds_its_slots_until_the_poll() {
        let text = "[window]\nlength = \"1d\"\n[population]\nconnections = 40000\n\
                    [platform]\nstatus = \"poll\"\npoll_interval = \"10s\"\n\
                    [strategy]\nkind = \"queued\"\nconcurrency = 2\nloop = true\n\
                    worker_overhead = { dist = \"constant\", value = \"0s\" }\n\
                    [[banks]]\nname = \"b\"\nshare = 1.0\nerror_rate = 0.1\n\
                    service_time = { dist = \"constant\", value = \"5s\" }\n\
                    limits = [{ kind = \"concurrency\", max_in_flight = 2 }]\n";
        let sc = crate::scenario::parse(text, "inline", "t", &[]).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let c = &ceilings(&sc, 40_000, &pool)[0];
        assert!((c.per_day - 31_104.0).abs() < 1e-6, "{}", c.per_day);
        let w = c.within_cap.expect("polling halves the cap's throughput");
        assert_eq!((w.cap, w.hold_secs, w.call_secs), (2, 10.0, 5.0));
        assert!((w.per_day - 15_552.0).abs() < 1e-6, "{}", w.per_day);
        assert_eq!(w.customers, 0.0);
        assert!((c.within_cap_coverage().unwrap() - 15_552.0 / 40_000.0).abs() < 1e-9);
        // Customers' 4,000 calls a day take 20,000 s of the cap's 172,800: the pool's own
        // are 0.9 × 152,800 / 10 = 13,752, and the customers' served 3,600, in all 17,352.
        let with = format!("{text}[on_demand]\nper_day = 4000\n");
        let customers = crate::scenario::parse(&with, "inline", "t", &[]).unwrap();
        let shared = ceilings(&customers, 40_000, &pool)[0].within_cap.unwrap();
        assert!((shared.customers - 3_600.0).abs() < 1e-6, "{shared:?}");
        assert!((shared.per_day - 17_352.0).abs() < 1e-6, "{shared:?}");
        let run = crate::sim::run(&sc, 1);
        let got = run.total().successes as f64;
        assert!((got - w.per_day).abs() < 0.01 * w.per_day, "{got}");
        // Learned by callback, a slot is held for the call and the callback's delay: nearly
        // the cap's full throughput.
        let sc = crate::scenario::parse(
            &text.replace("status = \"poll\"", "status = \"callback\""),
            "inline",
            "t",
            &[],
        )
        .unwrap();
        let w = ceilings(&sc, 40_000, &pool)[0].within_cap;
        assert!(w.is_none_or(|w| w.per_day > 0.95 * 31_104.0), "{w:?}");
    }

    /// Behind a penalty box, clients past the cap shut the bank, so its ceiling is what a
    /// queue at the cap serves, by Little's law its slots over their hold (less the 5xx):
    /// a trial's saturating clients measured a quarter of it, and the plan kept the bank's
    /// pool at 2 slots where 5 covered 84 %.
    #[test]
    fn behind_a_penalty_box_the_ceiling_keeps_within_the_cap() {
        let text =
            "[window]\nlength = \"2d\"\nwarmup = \"1d\"\n[population]\nconnections = 40000\n\
                    [platform]\nstatus = \"poll\"\npoll_interval = \"10s\"\n\
                    [strategy]\nkind = \"random_offset\"\n\
                    [[banks]]\nname = \"b\"\nshare = 1.0\nerror_rate = 0.01\n\
                    service_time = { dist = \"lognormal\", median = \"7s\", p95 = \"22s\" }\n\
                    limits = [{ kind = \"concurrency\", max_in_flight = 5 }, \
                    { kind = \"token_bucket\", rate = 0.6, burst = 5 }, \
                    { kind = \"penalty_box\", duration = \"2m\" }]\n";
        let sc = crate::scenario::parse(text, "inline", "t", &[]).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let c = &ceilings(&sc, 40_000, &pool)[0];
        assert_eq!(c.method, Method::Simulation);
        let little = 5.0 * 86_400.0 / sc.slot_hold_secs(&sc.banks[0]) * 0.99;
        assert!(
            (c.per_day - little).abs() < 0.03 * little,
            "{} vs {little}",
            c.per_day
        );
    }

    /// PSD2's four accesses a day bind a client every 6 hours: each 5xx spends an access, so
    /// at most 99 % of the periods are covered where 1 % fail, and the quota, not the bank's
    /// generous bucket, is the binding limit (a trial's plan named the bucket). Simulated
    /// random offsets every 6 hours cover what it says (98.96 %), every 4 hours four of
    /// their six periods (65.98 %). Customers' fetches add; a daily client has room.
    #[test]
    fn a_quota_binds_a_client_as_often_as_it_allows() {
        let text = |period: &str| {
            format!(
                "[window]\nlength = \"2d\"\nwarmup = \"1d\"\n[population]\n\
                 connections = 2000\n[platform]\nstatus = \"callback\"\n\
                 [strategy]\nkind = \"random_offset\"\nperiod = \"{period}\"\n\
                 [[banks]]\nname = \"b\"\nshare = 1.0\nerror_rate = 0.01\n\
                 service_time = {{ dist = \"constant\", value = \"1s\" }}\n\
                 limits = [{{ kind = \"quota\", k = 4 }}, \
                 {{ kind = \"token_bucket\", rate = 50.0, burst = 50 }}]\n"
            )
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let sc = crate::scenario::parse(&text("6h"), "inline", "t", &[]).unwrap();
        let c = &ceilings(&sc, 2000, &pool)[0];
        assert_eq!(c.binding(), Some("quota 4 per connection a day"));
        // The bank serves what its bucket lets through; the quota caps each connection, at
        // four a day less the 5xx, which the memo gives as its refreshes a day.
        assert!(
            (c.per_day - (50.0 * 86_400.0 + 50.0) * 0.99).abs() < 1e-6,
            "{c:?}"
        );
        let quota = 4.0 * 0.99 * c.connections;
        assert!((c.within_quota(c.per_day) - quota).abs() < 1e-6, "{c:?}");
        assert!((c.coverage() - 0.99).abs() < 1e-9, "{}", c.coverage());
        assert!((c.bound_coverage() - 0.99).abs() < 1e-9);
        let run = crate::sim::run(&sc, 1).summary(None);
        let got = run.period_coverage.unwrap();
        assert!((got - c.coverage()).abs() < 0.005, "{got}");
        // Every 4 hours: six refreshes a day wanted, four allowed.
        let sc = crate::scenario::parse(&text("4h"), "inline", "t", &[]).unwrap();
        let c = &ceilings(&sc, 2000, &pool)[0];
        assert!(
            (c.coverage() - 4.0 * 0.99 / 6.0).abs() < 1e-9,
            "{}",
            c.coverage()
        );
        let got = crate::sim::run(&sc, 1)
            .summary(None)
            .period_coverage
            .unwrap();
        assert!((got - c.coverage()).abs() < 0.005, "{got}");
        // Customers' fetches, which no quota counts, cover some of the periods it leaves.
        let with = format!("{}[on_demand]\nper_connection = 1\n", text("6h"));
        let sc = crate::scenario::parse(&with, "inline", "t", &[]).unwrap();
        let c = &ceilings(&sc, 2000, &pool)[0];
        assert!(c.fetched > 0.0 && c.coverage() > 0.99, "{c:?}");
        // A daily client has room under it: the bucket binds, and covers all.
        let sc = crate::scenario::parse(&text("24h"), "inline", "t", &[]).unwrap();
        let c = &ceilings(&sc, 2000, &pool)[0];
        assert_eq!(c.binding(), Some("token bucket 50/s, burst 50"));
        assert_eq!((c.quota.clone(), c.coverage()), (None, 1.0));
    }
}
