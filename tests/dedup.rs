//! The three vendors' deduplication rules on hand-made cases: one connection, refreshed by
//! `bulk` every `period`, against a bank that answers in 3 s (or always fails).

use refresh_sim::metrics::Tally;
use refresh_sim::scenario;
use refresh_sim::sim;

/// A one-connection run over `length`, refreshed every `period`, under `dedup`.
fn tally(dedup: &str, period: &str, length: &str, error_rate: f64) -> Tally {
    let text = format!(
        "[window]\nstart = \"00:00\"\nlength = \"{length}\"\n\
         [population]\nconnections = 1\n\
         [platform]\npoll_interval = \"10s\"\ndedup = \"{dedup}\"\n\
         [strategy]\nkind = \"bulk\"\nperiod = \"{period}\"\n\
         [[banks]]\nname = \"b\"\nshare = 1.0\nerror_rate = {error_rate}\n\
         service_time = {{ dist = \"constant\", value = \"3s\" }}\n"
    );
    let sc = scenario::parse(&text, "t.toml", "t", &[]).unwrap_or_else(|e| panic!("{e}"));
    sim::run(&sc, 1).summary(None).tally
}

/// Bud: within an hour of the last successful fetch, the previous task. Requests at 0, 30,
/// 60 and 90 min: the fetch at 0 (ending at 3 s) covers 30 and 60 min (59 min 57 s later);
/// 90 min fetches again. Each answer is learned by polling the earlier task.
#[test]
fn bud_returns_the_previous_task_within_an_hour_of_the_last_fetch() {
    let t = tally("last_fetch", "30m", "2h", 0.0);
    assert_eq!((t.attempts, t.successes, t.deduplicated), (4, 2, 2));
    assert_eq!(t.api_calls, 4 + 4, "a request and one poll each");
}

/// D•One: an account refreshed within 20 minutes is SKIPPED in the response: no job, no
/// poll. Requests at 0, 15, 30 and 45 min: 15 and 45 are skipped (12 min 57 s after the
/// last success), 30 is refreshed (29 min 57 s after it).
#[test]
fn d_one_skips_accounts_refreshed_within_twenty_minutes_without_a_poll() {
    let t = tally("skip", "15m", "1h", 0.0);
    assert_eq!((t.attempts, t.successes, t.deduplicated), (4, 2, 2));
    assert_eq!(t.api_calls, 4 + 2, "polls for the two refreshes only");
}

/// Mastercard: an identical request within five minutes of the one that triggered a
/// refresh returns that refresh, whatever its outcome. Requests every 2 min for 10 min: 0
/// triggers, 2 and 4 are the same refresh, 6 triggers, 8 is the same. Against a bank that
/// always fails, the duplicates fail without a bank call: two 5xx for five requests, where
/// Bud's rule (keyed on success) sends all five to the bank.
#[test]
fn mastercard_returns_the_same_refresh_within_five_minutes_whatever_its_outcome() {
    let t = tally("same_request", "2m", "10m", 0.0);
    assert_eq!((t.attempts, t.successes, t.deduplicated), (5, 2, 3));
    let failing = tally("same_request", "2m", "10m", 1.0);
    assert_eq!((failing.errors, failing.deduplicated), (2, 3));
    let bud = tally("last_fetch", "2m", "10m", 1.0);
    assert_eq!((bud.errors, bud.deduplicated), (5, 0));
}

#[test]
fn each_rule_has_its_vendors_window_unless_told() {
    use refresh_sim::platform::Dedup;
    use refresh_sim::time::SimDuration;
    let window = |dedup: &str, extra: &str| {
        let text = format!(
            "[window]\nstart = \"00:00\"\nlength = \"1h\"\n[population]\nconnections = 1\n\
             [platform]\ndedup = \"{dedup}\"\n{extra}\n[strategy]\nkind = \"bulk\"\n\
             [[banks]]\nname = \"b\"\nshare = 1.0\nservice_time = {{ dist = \"constant\", value = \"1s\" }}\n"
        );
        scenario::parse(&text, "t.toml", "t", &[]).unwrap().platform
    };
    assert_eq!(
        window("last_fetch", "").dedup_window,
        SimDuration::from_hours(1)
    );
    assert_eq!(
        window("same_request", "").dedup_window,
        SimDuration::from_mins(5)
    );
    let p = window("skip", "");
    assert_eq!(
        (p.dedup, p.dedup_window),
        (Dedup::Skip, SimDuration::from_mins(20))
    );
    let custom = window("skip", "dedup_window = \"7m\"");
    assert_eq!(custom.dedup_window, SimDuration::from_mins(7));
}

/// D•One refreshes a customer's accounts together: a request for one account triggers every
/// eligible account of the customer (bank calls the client did not make, counted as
/// `triggered`), and is SKIPPED only when every one of them is fresh. Two accounts per
/// customer, both requested by `bulk` at 0, 15, 30 and 45 min: at 0 the first request
/// triggers both (the second, finding its account's call in progress, is deduplicated); at
/// 15 both accounts are fresh (refreshed at 3 s) and both requests are skipped; at 30 the
/// first triggers both again; at 45 both are skipped.
#[test]
fn d_one_refreshes_a_customers_accounts_together() {
    let text = "[window]\nstart = \"00:00\"\nlength = \"1h\"\n\
         [population]\nconnections = 2\nconnections_per_customer = 2\n\
         [platform]\npoll_interval = \"10s\"\ndedup = \"skip\"\n\
         [strategy]\nkind = \"bulk\"\nperiod = \"15m\"\n\
         [[banks]]\nname = \"b\"\nshare = 1.0\nerror_rate = 0.0\n\
         service_time = { dist = \"constant\", value = \"3s\" }\n";
    let sc = scenario::parse(text, "t.toml", "t", &[]).unwrap_or_else(|e| panic!("{e}"));
    let r = sim::run(&sc, 1);
    let t = r.summary(None).tally;
    assert_eq!((t.attempts, t.successes, t.deduplicated), (8, 2, 6));
    assert_eq!(t.triggered, 2, "the second account's calls at 0 and 30 min");
    assert_eq!(t.admitted, 4, "four bank calls for eight requests");
    // Every account was refreshed: both are covered though the client's own call for the
    // second never reached the bank.
    assert_eq!(t.refreshed, 2);
    let other = text.replace("dedup = \"skip\"", "dedup = \"last_fetch\"");
    let e = scenario::parse(&other, "t.toml", "t", &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("population.connections_per_customer"), "{e}");
}

/// Mastercard's rule replays a failed refresh to the customers who ask again within the
/// window: they meet it as their own failure, an attempt that failed (it was counted a
/// failure but no attempt: a trial's customers failed 160 % of their attempts). Against a
/// bank that always fails, every customer's attempt fails, the replays among them; against
/// one that fails three calls in ten, each attempt is served or failed, no more.
#[test]
fn customers_meet_a_replayed_failure_as_a_failed_attempt() {
    let customers = |error_rate: f64| {
        let text = format!(
            "[window]\nstart = \"00:00\"\nlength = \"2d\"\nwarmup = \"1d\"\n\
             [population]\nconnections = 500\n\
             [platform]\ndedup = \"same_request\"\ndedup_window = \"6h\"\n\
             [on_demand]\nper_connection = 4.0\n\
             [strategy]\nkind = \"random_offset\"\n\
             [[banks]]\nname = \"b\"\nshare = 1.0\nerror_rate = {error_rate}\n\
             service_time = {{ dist = \"constant\", value = \"3s\" }}\n"
        );
        let sc = scenario::parse(&text, "t.toml", "t", &[]).unwrap_or_else(|e| panic!("{e}"));
        let r = sim::run(&sc, 1);
        let d = &r.demand;
        let sum = |v: &[u64]| v.iter().sum::<u64>();
        // Conservation: each attempt ended served or failed (no consent lapses here).
        assert_eq!(
            sum(&d.attempts),
            sum(&d.successes) + sum(&d.failed),
            "{d:?}"
        );
        r.summary(None)
    };
    let failing = customers(1.0);
    assert!(
        failing.tally.deduplicated > 500,
        "replays: {:?}",
        failing.tally
    );
    assert!(
        failing.on_demand_attempts > failing.tally.errors / 2,
        "{failing:?}"
    );
    assert_eq!(failing.on_demand_failure_rate, Some(1.0), "{failing:?}");
    let some = customers(0.3);
    let rate = some.on_demand_failure_rate.unwrap();
    // Replays repeat either outcome: about the bank's 30 %.
    assert!((0.2..0.4).contains(&rate), "{some:?}");
}
