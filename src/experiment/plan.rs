//! The capacity planner: which strategy, with which parameters, refreshes a population at
//! the least cost while meeting the planner's targets, and what the banks allow at all.
//!
//! A plan has three parts:
//! 1. **What each bank can serve** ([`ceiling`]): the most refreshes a day its policies allow,
//!    by arithmetic where one policy binds alone and by simulation where they combine, the
//!    coverage ceiling that implies for its share of the users, and the policy that binds.
//! 2. **A search** ([`search`]) over queued concurrency, per-bank pools, AIMD bounds, the
//!    pace and random offsets, each setting run with a few *screening* replications
//!    (common random numbers: replication `r` of every setting uses the same seed).
//! 3. **A choice**: among the settings meeting every target, the one with the fewest API
//!    calls a day (settings within 0.5 % of it count as equal, and the first searched wins:
//!    the simpler strategy); it is then re-run with the full replications for its
//!    confidence intervals. When none meets every target, the closest among those keeping
//!    the most of the targets some setting keeps (then the least sum of shortfalls) is the
//!    best achievable, and the plan says which bank and which of its limits stops it, and by
//!    how much.
//!
//! Failures are split ([`figures`]): the failure target bounds the 429s the client causes
//! unless the user asks for every failure; 5xx errors and maintenance rejections are a
//! floor the client's pace does not cause (a client that pauses on a Retry-After, or paces
//! by the hour around a maintenance window, meets fewer of the latter),
//! reported apart.

use crate::error::{Error, Result};
use crate::experiment::sweep;
use crate::scenario::Scenario;
use crate::strategy::{Order, Strategy};

mod ceiling;
mod choice;
mod figures;
mod findings;
mod json;
mod paces;
mod pools;
mod progress;
mod render;
mod search;
mod targets;

pub use ceiling::{BankCeiling, Method};
pub use figures::{Figure, Figures};
pub use findings::fixed_demand_finding;
pub use search::{Evaluation, MAX_CONCURRENCY};
pub use targets::{FailureScope, Met, Targets};

/// Replications each setting gets while searching (the choice gets the full count).
const SCREENING: u32 = 2;
/// Settings whose cost is within this share of the least count as equally cheap.
const COST_TIE: f64 = 0.005;

/// What to plan for.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// Connections to refresh (one customer's consent at one bank).
    pub users: u64,
    /// The book `users` is, where it is grown from another (`--at-week`).
    pub grown: Option<Grown>,
    pub targets: Targets,
    pub replications: u32,
    /// Base seed; `None`: the scenario's.
    pub seed: Option<u64>,
}

impl Request {
    /// Checks the request's numbers (errors name the flag).
    pub fn validate(&self) -> Result<()> {
        let t = &self.targets;
        let bad = |flag: &str, v: f64, why: &str| Err(Error::input(format!("{flag} {v}: {why}")));
        if self.users == 0 || self.users >= u32::MAX as u64 {
            return Err(Error::input(format!(
                "--users {}: must be between 1 and {}",
                self.users,
                u32::MAX - 1
            )));
        }
        if !(t.coverage > 0.0 && t.coverage <= 1.0) {
            return bad(
                "--coverage",
                t.coverage,
                "must be greater than 0 and at most 1 (e.g. 0.99)",
            );
        }
        if !(0.0..1.0).contains(&t.max_failure_rate) {
            return bad(
                "--max-failure-rate",
                t.max_failure_rate,
                "must be at least 0 and below 1, a share (1 would let every attempt fail: for \
                 1 % write 0.01)",
            );
        }
        check_bounds(t)?;
        if !(1..=sweep::MAX_REPLICATIONS).contains(&self.replications) {
            return Err(Error::input(format!(
                "--replications {}: must be between 1 and {}",
                self.replications,
                sweep::MAX_REPLICATIONS
            )));
        }
        Ok(())
    }
}

/// The optional targets' numbers, each in its range (errors name the flag).
fn check_bounds(t: &Targets) -> Result<()> {
    let below_one: fn(f64) -> bool = |x| (0.0..1.0).contains(&x);
    let positive: fn(f64) -> bool = |x| x.is_finite() && x > 0.0;
    let checks = [
        (
            "--max-bank-failure-rate",
            t.max_bank_failure_rate,
            below_one,
            "must be at least 0 and below 1, a share at each bank (for 1 % write 0.01)",
        ),
        (
            "--max-customer-failure-rate",
            t.max_customer_failure_rate,
            below_one,
            "must be at least 0 and below 1, a share of the customers' calls (for 1 % write \
             0.01)",
        ),
        (
            "--staleness-p95",
            t.staleness_p95_hours,
            positive,
            "must be a positive number of hours (e.g. 30)",
        ),
        (
            "--at-open-p95",
            t.at_open_p95_hours,
            positive,
            "must be a positive number of hours (e.g. 20)",
        ),
        (
            "--max-api-calls-per-day",
            t.max_api_calls_per_day,
            positive,
            "must be a positive number (e.g. 2000000)",
        ),
        (
            "--max-customer-wait",
            t.max_customer_wait_seconds,
            |x| (0.1..3600.0).contains(&x),
            "must be at least 0.1 (the waits' histogram's step) and below 3600 seconds (they \
             are measured to an hour, past which a percentile reads \"≥ 1 h\" and cannot be \
             judged)",
        ),
        (
            "--min-bank-coverage",
            t.min_bank_coverage,
            |x| x > 0.0 && x <= 1.0,
            "must be greater than 0 and at most 1 (e.g. 0.9)",
        ),
    ];
    for (flag, value, ok, why) in checks {
        if let Some(x) = value.filter(|&x| !ok(x)) {
            return Err(Error::input(format!("{flag} {x}: {why}")));
        }
    }
    Ok(())
}

/// A book grown from the scenario's start by its joins and consent expiry: `plan --at-week`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Grown {
    pub weeks: u32,
    /// The connections at the start it grew from.
    pub from: u64,
    /// Whether the scenario has joins (else the book only loses the consents that lapse).
    pub joins: bool,
}

impl Grown {
    /// The book `weeks` weeks after the start of `sc`'s window from `from` connections then.
    pub fn new(sc: &Scenario, from: u64, weeks: u32) -> Grown {
        Grown {
            weeks,
            from,
            joins: sc.join_share > 0.0 || sc.growth_per_week > 0.0,
        }
    }

    /// The connections due `weeks` weeks after the start of `sc`'s window, grown from
    /// `from` at its start ([`ceiling::due_share_after`]).
    pub fn book(sc: &Scenario, from: u64, weeks: u32) -> u64 {
        let mut at = sc.clone();
        at.connections = from.min(u32::MAX as u64) as u32;
        (from as f64 * ceiling::due_share_after(&at, 7 * weeks)).round() as u64
    }
}

/// The planner's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub scenario: String,
    pub users: u32,
    /// The book `users` is grown to (`--at-week`), if it is.
    pub grown: Option<Grown>,
    pub targets: Targets,
    pub replications: u32,
    /// Replications of each setting while searching.
    pub screening: u32,
    pub seed: u64,
    /// What each bank can serve, in the scenario's order: in a day, or in the client's band
    /// of hours of a day (`band`, e.g. `00:00–06:00`).
    pub ceilings: Vec<BankCeiling>,
    pub band: Option<String>,
    /// The scenario's timing and retries, which every setting searched keeps, in words
    /// (`within 00:00–06:00, up to 4 attempts`; empty at the defaults).
    pub timing: String,
    /// The coverage the banks' ceilings give (each by arithmetic or saturating clients, as
    /// its method says): each bank's ceiling weighted by its share.
    pub coverage_ceiling: f64,
    /// The coverage no client can exceed: the policies' arithmetic, weighted by share.
    pub coverage_bound: f64,
    /// The oldest data age the runs resolve, in hours (`staleness_horizon`): an age past it is
    /// a lower bound, written `≥` it.
    pub age_horizon_hours: f64,
    /// What the customers' calls are: "customers' calls" with in-app requests
    /// (`[on_demand]` with some), else "link and reconnect fetches", the only calls customers
    /// make then
    /// (a trial without `[on_demand]` read "its customers' calls' 429s" as in-app failures).
    pub customer_calls: &'static str,
    /// The recommendation (the best achievable when no setting meets every target), at the
    /// full replications.
    pub recommendation: Evaluation,
    pub targets_met: bool,
    /// Every setting searched, at the screening replications, in the order searched.
    pub candidates: Vec<Evaluation>,
    /// The scenario's own client (its `[strategy]`), at the full replications: what the
    /// planner's user runs today, for comparison (a trial's memo never said its queue of 8
    /// covered 41 %, nor that the recommendation failed more of its customers' calls).
    pub current: Evaluation,
    /// The recommendation taking the oldest data first (`strategy.order = "stalest"`), at
    /// the full replications, where its pools are per bank and the scenario's client takes
    /// connections in turn: for [`findings`], not a candidate (one pool over banks would
    /// give its slots to the tightest bank's connections).
    pub stalest: Option<Evaluation>,
    /// What the planner found: why a target is out of reach, the failure floor, caveats.
    pub findings: Vec<String>,
}

impl Plan {
    /// The client's period in hours where shorter than a day: coverage is then of each
    /// period (each connection needs a refresh every period), not of each day.
    pub fn short_period_hours(&self) -> Option<f64> {
        let days = self.ceilings.first()?.cover_days;
        (days < 1.0).then_some(days * 24.0)
    }

    /// The scenario's own client where it is not the recommendation.
    pub fn current_apart(&self) -> Option<&Evaluation> {
        let (c, r) = (&self.current, &self.recommendation);
        (c.strategy != r.strategy || c.conduct != r.conduct).then_some(c)
    }

    /// Banks whose ceiling is below the coverage target, most connections short first.
    pub fn limiting(&self) -> Vec<&BankCeiling> {
        let c = self.targets.coverage;
        let mut banks: Vec<&BankCeiling> =
            self.ceilings.iter().filter(|b| b.coverage() < c).collect();
        banks.sort_by(|a, b| short(b, c).total_cmp(&short(a, c)));
        banks
    }
}

/// An age target at or past the oldest age the runs resolve (`window.age_horizon`) cannot be
/// judged where the window holds older ages: a percentile there is a lower bound.
fn check_ages(sc: &Scenario, t: &Targets) -> Result<()> {
    let horizon = sc.age_horizon();
    let hours = horizon.as_hours_f64();
    let ages = [
        ("--staleness-p95", t.staleness_p95_hours),
        ("--at-open-p95", t.at_open_p95_hours),
    ];
    match ages.iter().find(|(_, h)| h.is_some_and(|h| h >= hours)) {
        Some((flag, Some(h))) if sc.window > horizon => Err(Error::input(format!(
            "{flag} {h}: at or past the {hours} h of data age the runs resolve \
             (window.age_horizon; older ages are counted together), so a percentile there is \
             a lower bound and the target cannot be judged"
        ))),
        _ => Ok(()),
    }
}

/// A bound on the customers' failures or wait needs customers: a scenario without
/// `[on_demand]` would meet it by having none.
fn check_customers(sc: &Scenario, t: &Targets) -> Result<()> {
    let bounds = [
        (
            "--max-customer-failure-rate",
            t.max_customer_failure_rate,
            "calls",
        ),
        ("--max-customer-wait", t.max_customer_wait_seconds, "waits"),
    ];
    match (bounds.iter().find(|b| b.1.is_some()), &sc.on_demand) {
        (Some((flag, Some(x), what)), None) => Err(Error::input(format!(
            "{flag} {x}: the scenario has no customers' requests (no [on_demand] section), \
             so there are no customers' {what} to bound"
        ))),
        _ => Ok(()),
    }
}

/// The scenario's own client ([`Plan::current`]: the recommendation, or else run), and the
/// recommendation run stalest first ([`Plan::stalest`]) where its pools are per bank and the
/// scenario's client takes connections in turn; the two run together, so that neither's last
/// replications leave workers idle.
fn current_and_stalest(
    s: &search::Search,
    base: &Scenario,
    r: &Evaluation,
    replications: u32,
) -> (Evaluation, Option<Evaluation>) {
    let conduct = s.conduct();
    let own = (r.strategy != base.strategy || r.conduct != conduct)
        .then(|| (s.order(), base.strategy.clone(), conduct));
    let per_bank = matches!(
        r.strategy,
        Strategy::PerBank { .. } | Strategy::Aimd(_) | Strategy::Paced { per_bank: true, .. }
    );
    let stalest = (per_bank && s.order() == Order::Fifo)
        .then(|| (Order::Stalest, r.strategy.clone(), r.conduct));
    let settings = own.iter().chain(&stalest).cloned().collect();
    let mut runs = s.evaluate_all(settings, replications).into_iter();
    let current = match own {
        Some(_) => runs.next().expect("the scenario's client, evaluated"),
        None => r.clone(),
    };
    (current, runs.next())
}

/// Refreshes a day bank `b` falls short of coverage `c` of its connections (each needing
/// one a period).
pub fn short(b: &BankCeiling, c: f64) -> f64 {
    ((c - b.coverage()) * b.needed_per_day()).max(0.0)
}

/// Plans `req` on `base` (whose own population and strategy are replaced), running
/// replications on `pool`.
pub fn plan(base: &Scenario, req: &Request, pool: &rayon::ThreadPool) -> Result<Plan> {
    req.validate()?;
    check_ages(base, &req.targets)?;
    check_customers(base, &req.targets)?;
    let seed = req.seed.unwrap_or(base.seed);
    let mut sc = base.clone();
    sc.connections = req.users as u32;
    if let Some(p) = sc.on_demand.as_ref().and_then(|d| d.per_connection) {
        if p * req.users as f64 > 1e9 {
            return Err(crate::error::Error::input(format!(
                "--users {}: on_demand.per_connection = {p} makes {:.3e} customers' requests a \
                 day, above the 1e9 the model takes",
                req.users,
                p * req.users as f64
            )));
        }
    }
    // The daily client the question is about, even on a scenario that loops (the vendor
    // table's): each connection once a period, the slots idle when it is done.
    sc.schedule.looping = false;
    let ceilings = ceiling::ceilings(&sc, req.users, pool);
    // Paces by the hour: the scenario's profile for every paced setting, or else, where the
    // banks allow different paces by the hour, a family following their shape as well.
    let given = base.strategy.pace_profiles().cloned().unwrap_or_default();
    let shaped = given.is_empty().then(|| paces::shape(&sc)).flatten();
    let screening = SCREENING.min(req.replications);
    let mut s = search::Search::new(&sc, &req.targets, seed, pool);
    // The customers' priority lane runs through slots: a pace or random offsets would send
    // them direct, and the memo's run command would be refused (a review).
    let priority = sc.customers_lane() == Some(crate::demand::Lane::Priority);
    s.queued(screening);
    s.per_bank(&ceilings, screening);
    if !priority {
        s.paced(screening, &given);
        s.paced_per_bank(&ceilings, screening, &given);
        if let Some(shaped) = &shaped {
            s.paced_per_bank(&ceilings, screening, shaped);
        }
    }
    s.aimd(&ceilings, screening);
    if !priority {
        s.random_offset(screening);
    }
    s.pausing(screening, |family| {
        choice::provisional(family, &req.targets).cloned()
    });
    s.lanes(screening, |family| {
        choice::lane_trial(family, &req.targets).cloned()
    });
    let (recommendation, confirmed) = choice::choose(&s, req.replications, screening);
    let (current, stalest) = current_and_stalest(&s, base, &recommendation, req.replications);
    s.done();
    let mut p = Plan {
        scenario: base.name.clone(),
        users: req.users as u32,
        grown: req.grown,
        targets: req.targets.clone(),
        replications: req.replications,
        screening,
        seed,
        coverage_ceiling: ceiling::coverage_ceiling(&ceilings),
        coverage_bound: ceiling::coverage_bound(&ceilings),
        age_horizon_hours: base.age_horizon().as_hours_f64(),
        customer_calls: customer_calls(base, req.users),
        ceilings,
        band: sc.schedule.band_label(),
        timing: timing(&sc),
        targets_met: recommendation.met.all(),
        recommendation,
        candidates: s.evaluated,
        current,
        stalest,
        findings: Vec::new(),
    };
    p.findings = findings::findings(&p, confirmed, &sc);
    p.findings.extend(findings::fixed_demand_finding(base, &sc));
    let banks = &base.banks;
    (p.findings).extend(findings::profile_finding(&given, shaped.as_ref(), banks));
    Ok(p)
}

/// An age as the memo writes it ([`hours`]), or `≥` the age histogram's horizon where it is
/// past it (a lower bound).
pub fn age(h: f64, horizon: f64) -> String {
    crate::output::text::age_or_more(h, horizon, hours)
}

/// Hours as the memo writes them (`never` for data never refreshed).
pub fn hours(h: f64) -> String {
    if h.is_infinite() {
        "never (connections never refreshed)".to_string()
    } else if h.is_nan() {
        "—".to_string()
    } else {
        format!("{h:.1} h")
    }
}

#[cfg(test)]
mod age_tests;

/// What the customers' calls are ([`Plan::customer_calls`]): an `[on_demand]` section of no
/// requests (a trial's, given for its app-open profile) asks for nothing.
fn customer_calls(sc: &Scenario, users: u64) -> &'static str {
    match &sc.on_demand {
        Some(d) if d.for_connections(users as u32).per_day > 0.0 => "customers' calls",
        _ => "link and reconnect fetches",
    }
}

/// Every setting's timing, the scenario's: period, band and retries (a queue's order and
/// pausing its label says), and random offsets' jitter, which only they read.
fn timing(sc: &Scenario) -> String {
    let shared = crate::strategy::Schedule {
        jitter: crate::time::SimDuration::ZERO,
        ..sc.schedule.clone()
    };
    let mut s = crate::strategy::habits((&shared, sc.window), &sc.retry, false, false);
    if !sc.schedule.jitter.is_zero() {
        s = format!("{s}, random offsets up to {} late", sc.schedule.jitter);
    }
    s.trim_start_matches(", ").to_string()
}

#[cfg(test)]
mod tests {
    /// Customers' calls are in-app requests where there are any, else the fetches of the
    /// customers who link or reconnect.
    #[test]
    fn customers_calls_are_named_by_what_customers_ask() {
        let named = |on_demand: &str| {
            let text = format!(
                "[window]\nlength = \"1d\"\n[population]\nconnections = 10\n[strategy]\n\
                 kind = \"random_offset\"\n{on_demand}[[banks]]\nname = \"b\"\nshare = 1.0\n\
                 service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
            );
            let sc = crate::scenario::parse(&text, "inline", "t", &[]).unwrap();
            super::customer_calls(&sc, 10)
        };
        assert_eq!(named("[on_demand]\nper_day = 5\n"), "customers' calls");
        assert_eq!(
            named("[on_demand]\nper_day = 0\n"),
            "link and reconnect fetches"
        );
        assert_eq!(named(""), "link and reconnect fetches");
    }
}
