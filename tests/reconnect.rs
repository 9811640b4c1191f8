//! Customers who reconnect after their consent expired (`population.reconnect_share`): the
//! due population holds up as the consent law says, the time without consent is neither
//! data age nor due, the reconnect flow fetches the data as a customer-present call, and
//! every client takes a renewed connection back.
//!
//! Expectations come from the consent law integrated (`Consents::valid_share`, a method
//! apart from the run's draws) or from the model's rules by hand; nothing is copied from a
//! run.

use refresh_sim::consent::Consents;
use refresh_sim::metrics::{RunResult, DAY_US};
use refresh_sim::scenario::{self, Scenario};
use refresh_sim::sim::{self, Reason, Simulation};
use refresh_sim::time::SimTime;

/// One bank that admits everything, answers in 2 s and never fails; `population` and
/// `strategy` are TOML lines of their tables.
fn scenario(days: u32, population: &str, strategy: &str) -> Scenario {
    answering_in("2s", days, population, strategy)
}

/// As [`scenario`], the bank answering in `service`.
fn answering_in(service: &str, days: u32, population: &str, strategy: &str) -> Scenario {
    with_platform("", service, days, population, strategy)
}

/// As [`answering_in`], with `platform`'s TOML lines added to the table.
fn with_platform(
    platform: &str,
    service: &str,
    days: u32,
    population: &str,
    strategy: &str,
) -> Scenario {
    let text = format!(
        "[window]\nstart = \"00:00\"\nlength = \"{days}d\"\n\
         [population]\n{population}\n\
         [platform]\npoll_interval = \"10s\"\n{platform}\n\
         [strategy]\n{strategy}\n\
         [[banks]]\nname = \"b\"\nshare = 1.0\nerror_rate = 0.0\n\
         service_time = {{ dist = \"constant\", value = \"{service}\" }}\n"
    );
    scenario::parse(&text, "inline", "reconnect", &[]).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

const RECONNECTING: &str = "connections = 40000\nconsent_expiry_share = 0.03\n\
                            reconnect_share = 0.8\nreconnect_mean_days = 2";

/// Each day's due connections (consent valid through the day's end), all banks.
fn due_by_day(r: &RunResult) -> Vec<u64> {
    (0..r.daily.len_days())
        .map(|d| r.daily.total(d).eligible)
        .collect()
}

/// Asserts that each day's due count of `r` is the connections times the share valid at
/// the day's end, integrated from `sc`'s consent law.
fn assert_due_follows_the_law(sc: &Scenario, r: &RunResult) {
    let n = sc.connections as f64;
    let ends: Vec<SimTime> = (1..=r.daily.len_days() as u64)
        .map(|d| SimTime(d * DAY_US))
        .collect();
    let law = Consents::new(sc).valid_shares(&ends);
    for (d, (&due, share)) in due_by_day(r).iter().zip(law).enumerate() {
        let sd = (n * share * (1.0 - share)).sqrt();
        assert!(
            (due as f64 - n * share).abs() < 4.5 * sd + 2.0,
            "day {d}: {due} due, expected {:.0} ± {sd:.0}",
            n * share
        );
    }
}

/// The due population follows the consent law. Without reconnections it shrinks by 3 % a
/// day; with them it settles. A consent lasts 1/0.03 = 33 days, past the 30-day window, so
/// no renewed consent expires again; at 10 % a day one lasts 10 days, and renewed consents
/// expire and are renewed within the window.
#[test]
fn the_due_population_follows_the_consent_law() {
    let sc = scenario(30, RECONNECTING, "kind = \"random_offset\"");
    let r = sim::run(&sc, 1);
    assert_due_follows_the_law(&sc, &r);
    let renewing = scenario(
        30,
        "connections = 40000\nconsent_expiry_share = 0.1\n\
         reconnect_share = 0.8\nreconnect_mean_days = 2",
        "kind = \"queued\"\nconcurrency = 8",
    );
    let again = sim::run(&renewing, 2);
    assert_due_follows_the_law(&renewing, &again);
    assert!(again.total().reconnected as f64 > 40_000.0 * 0.8 * (1.0 - 0.9f64.powi(30)));
    let n = 40_000.0;
    let shrinking = sim::run(
        &scenario(
            30,
            "connections = 40000\nconsent_expiry_share = 0.03",
            "kind = \"random_offset\"",
        ),
        1,
    );
    let last = |r: &RunResult| *due_by_day(r).last().unwrap() as f64;
    assert!((last(&shrinking) / n - 0.97f64.powi(30)).abs() < 0.01);
    assert!(last(&r) > 0.85 * n, "reconnections keep the population");
    assert!(r.total().reconnected > 5_000);
}

/// A connection's time without consent is no connection-time: a daily client that never
/// fails keeps every connection's data about a day old at most (a day, or a day and an hour
/// when its refresh came within the hour after a reconnection's fetch and got that task
/// back), even though reconnections come days after the expiries. What remains at two days
/// or more is the reconnect fetches' own seconds (the customer sees the data from before
/// the expiry until the fetch ends, 2 s here): about 13,000 × 2 s of 40,000 × 456 h, under
/// 10⁻⁶. Counting the gaps (two days on average) would put about 1 % of the time there.
#[test]
fn time_without_consent_is_no_data_age() {
    let sc = scenario(20, RECONNECTING, "kind = \"random_offset\"");
    let sc = Scenario {
        warmup: refresh_sim::time::SimDuration::from_hours(24),
        ..sc
    };
    let r = sim::run(&sc, 2);
    let s = r.summary(None);
    assert!(r.total().reconnected > 3_000);
    assert!(s.stale_48h_share.unwrap() < 1e-6, "{s:?}");
    assert!(s.staleness_p99_hours.unwrap() < 24.0, "{s:?}");
}

/// The reconnect flow fetches the data at once: one customer-present call per reconnection
/// (the attempt log marks it on-demand), which the on-demand figures leave out. Calls take
/// 10 minutes, so the client's daily refresh often comes while a fetch is under way: it
/// joins the fetch's task (deduplicated), and stays the client's attempt, not the
/// customer's (an outcome told by the connection's state rather than by the attempt went
/// to the wrong one).
#[test]
fn the_reconnect_flow_fetches_the_data() {
    let sc = answering_in("10m", 10, RECONNECTING, "kind = \"random_offset\"");
    let (r, log) = Simulation::new(&sc, 3).with_attempt_log().run_logged();
    let t = r.total();
    let present = log.rows.iter().filter(|a| a.reason.present()).count() as u64;
    let fetches = log
        .rows
        .iter()
        .filter(|a| a.reason == Reason::Reconnect)
        .count() as u64;
    let reconnected: u64 = (0..r.daily.len_days())
        .map(|d| r.daily.total(d).reconnected)
        .sum();
    assert!(reconnected > 1_000);
    assert_eq!(present, reconnected, "one fetch per reconnection");
    assert_eq!(fetches, reconnected, "each named a reconnect in the log");
    assert_eq!(r.demand.requests.iter().sum::<u64>(), 0);
    // Every call succeeds: each fetch is a success beside the client's (whose refresh
    // within the hour after a fetch gets the fetch's task back: deduplicated).
    assert_eq!(
        t.attempts,
        t.successes + t.reconnect_required + t.deduplicated
    );
}

/// Every client takes a renewed connection back: a looping queue (which drops a connection
/// when it learns of the expiry) and a daily queue refresh it on the days after, so a
/// client with ample capacity covers nearly every due connection-day.
#[test]
fn every_client_takes_a_renewed_connection_back() {
    for strategy in [
        "kind = \"queued\"\nconcurrency = 512\nloop = true",
        "kind = \"queued\"\nconcurrency = 64",
        "kind = \"random_offset\"",
        "kind = \"bulk\"",
    ] {
        let sc = scenario(12, RECONNECTING, strategy);
        let r = sim::run(&sc, 4);
        let s = r.summary(None);
        let t = r.total();
        assert!(t.reconnected > 1_000, "{strategy}");
        assert!(s.coverage > 0.995, "{strategy}: coverage {}", s.coverage);
    }
}

/// The new fields are checked like every other: a share outside 0..1, a mean that is not a
/// positive number of days, and a mean without a share (which would do nothing) each name
/// the field.
#[test]
fn reconnect_fields_are_checked() {
    for (population, field, reason) in [
        (
            "reconnect_share = 1.5",
            "population.reconnect_share",
            "between 0 and 1",
        ),
        (
            "reconnect_share = 0.5\nreconnect_mean_days = 0",
            "population.reconnect_mean_days",
            "more than 0",
        ),
        (
            "reconnect_mean_days = 2",
            "population.reconnect_mean_days",
            "reconnect_share too",
        ),
    ] {
        let text = format!(
            "[window]\nlength = \"1d\"\n[population]\nconnections = 10\n{population}\n\
             [strategy]\nkind = \"bulk\"\n[[banks]]\nname = \"b\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
        );
        let e = scenario::parse(&text, "inline", "t", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains(field) && e.contains(reason), "{population}: {e}");
    }
}

/// The reconnect flow's fetch is not answered from the customer's other accounts: under
/// D•One's rule (a request is skipped when every eligible account of the customer is
/// fresh), the reconnecting account is eligible again before its fetch goes out. Counting
/// it out (as an account awaiting a reconnect) skipped about one fetch in forty here.
#[test]
fn a_fetch_is_not_skipped_for_the_customers_other_accounts() {
    let population = format!("{RECONNECTING}\nconnections_per_customer = 3");
    let sc = with_platform(
        "dedup = \"skip\"",
        "2s",
        12,
        &population,
        "kind = \"random_offset\"",
    );
    let (r, log) = Simulation::new(&sc, 5).with_attempt_log().run_logged();
    let fetches: Vec<_> = log
        .rows
        .iter()
        .filter(|a| a.reason == Reason::Reconnect)
        .collect();
    let skipped = fetches
        .iter()
        .filter(|a| a.outcome == refresh_sim::sim::Outcome::Deduplicated)
        .count();
    assert!(r.total().reconnected > 1_000);
    // Only a fetch within 20 minutes of the account's own last refresh is skipped: an
    // expiry and a reconnection within 20 minutes of one refresh, a few in ten thousand.
    assert!(
        skipped * 1000 < fetches.len(),
        "{skipped} of {} fetches skipped",
        fetches.len()
    );
}

/// A looping queue holds each connection once: a connection whose expiry the client learned
/// only through its customer's request, before the loop's first pass reached it, is taken
/// back at the reconnection and must not be taken again by that pass. One slot at 10 s an
/// attempt makes a pass of 4,000 connections last about 11 hours, so a connection the
/// client tries twice within 6 hours is in the loop twice.
#[test]
fn a_looping_queue_holds_a_reconnected_connection_once() {
    let population = "connections = 4000\nconsent_expiry_share = 0.3\n\
                      reconnect_share = 1.0\nreconnect_mean_days = 0.05";
    let mut sc = scenario(
        2,
        population,
        "kind = \"queued\"\nconcurrency = 1\nloop = true",
    );
    sc.on_demand = Some(refresh_sim::demand::OnDemand {
        per_day: 20_000.0,
        per_connection: None,
        profile: refresh_sim::demand::DEFAULT_PROFILE,
        lane: refresh_sim::demand::Lane::Direct,
        reserved: 0.0,
        active_share: 1.0,
    });
    let (r, log) = Simulation::new(&sc, 6).with_attempt_log().run_logged();
    assert!(r.total().reconnected > 500);
    let mut last = std::collections::HashMap::new();
    let mut twice = 0;
    for a in log
        .rows
        .iter()
        .filter(|a| a.reason == Reason::Schedule && a.attempt == 1)
    {
        if let Some(&t) = last.get(&a.conn) {
            twice += (a.submitted - t < refresh_sim::time::SimDuration::from_hours(6)) as u32;
        }
        last.insert(a.conn, a.submitted);
    }
    assert_eq!(twice, 0, "connections the loop took twice within 6 h");
}
