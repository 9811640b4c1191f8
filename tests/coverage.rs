//! Coverage with a period of days: a client that refreshes each connection once every `k`
//! days covers it on the day of the refresh and the `k − 1` days after, so a client that
//! keeps its schedule covers every connection every day, and each failure leaves its
//! connection uncovered for the `k` days until its next turn. Expectations come from those
//! rules by hand, not from a run.

use refresh_sim::metrics::RunResult;
use refresh_sim::scenario::{self, Scenario};
use refresh_sim::sim;

/// One bank that admits everything and answers in 2 s, failing a share `errors` of calls
/// (never retried), refreshed by random offsets once per `period`; `population` adds TOML
/// lines to its table.
fn scenario(period: &str, days: u32, warmup: &str, errors: f64, population: &str) -> Scenario {
    let text = format!(
        "[window]\nstart = \"00:00\"\nlength = \"{days}d\"\nwarmup = \"{warmup}\"\n\
         [population]\nconnections = 30000\n{population}\n\
         [platform]\npoll_interval = \"10s\"\n\
         [strategy]\nkind = \"random_offset\"\nperiod = \"{period}\"\n\
         [[banks]]\nname = \"b\"\nshare = 1.0\nerror_rate = {errors}\n\
         service_time = {{ dist = \"constant\", value = \"2s\" }}\n"
    );
    scenario::parse(&text, "inline", "coverage", &[]).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn coverage(r: &RunResult) -> f64 {
    r.summary(None).coverage
}

/// Without failures every due connection is covered every measured day, whatever the
/// period (a day's rule alone would read 1/2 for two days, 1/3 for three); a 36 h period
/// refreshes within every two calendar days. Users a day are the refreshes of the day.
#[test]
fn a_client_that_keeps_its_period_covers_every_day() {
    for (period, k) in [("24h", 1.0), ("36h", 1.5), ("48h", 2.0), ("72h", 3.0)] {
        let r = sim::run(&scenario(period, 12, "3d", 0.0, ""), 1);
        assert_eq!(coverage(&r), 1.0, "period {period}");
        let users = r.summary(None).users_per_day;
        assert!(
            (users - 30_000.0 / k).abs() < 0.02 * 30_000.0 / k,
            "period {period}: {users} users a day"
        );
    }
}

/// Each day of a period is covered by the one refresh of the period before it that falls
/// within `k` days (offsets are fixed, so exactly one does): covered with probability
/// `1 − e` for a failure share `e`, whatever `k`. Refreshes are independent, about
/// 30,000 × 9 / k of them over the measured days.
#[test]
fn each_failure_uncovers_its_connection_for_a_period() {
    let e = 0.1;
    for (period, k) in [("24h", 1.0), ("48h", 2.0), ("72h", 3.0)] {
        let r = sim::run(&scenario(period, 12, "3d", e, ""), 2);
        let refreshes = 30_000.0 * 9.0 / k;
        let sd = (e * (1.0 - e) / refreshes).sqrt();
        let got = coverage(&r);
        assert!(
            (got - (1.0 - e)).abs() < 5.0 * sd,
            "period {period}: coverage {got}, expected {} ± {:.4}",
            1.0 - e,
            5.0 * sd
        );
    }
}

/// A warm-up shorter than a period of days leaves in days whose cover is still building:
/// the first measured day of a 7-day random offset has a seventh of the connections
/// refreshed since the window's start. Coverage reads low, and the scenario says why.
#[test]
fn a_short_warm_up_is_a_caveat() {
    // Measured days 1–13: days 1–5 covered 2/7 … 6/7, the rest fully: 0.835.
    let short = scenario("168h", 14, "1d", 0.0, "");
    let caveat = short.coverage_caveat().expect("a caveat");
    assert!(caveat.contains("window.warmup = \"6d\""), "{caveat}");
    let got = coverage(&sim::run(&short, 1));
    assert!((got - (20.0 / 7.0 + 8.0) / 13.0).abs() < 0.01, "{got}");
    let steady = scenario("168h", 14, "6d", 0.0, "");
    assert_eq!(steady.coverage_caveat(), None);
    assert_eq!(coverage(&sim::run(&steady, 1)), 1.0);
    assert_eq!(scenario("24h", 12, "0s", 0.0, "").coverage_caveat(), None);
}

/// Consents that expire and customers who reconnect, every two days: a day is covered only
/// while it is due, on no day more than are due, and a reconnection's fetch covers the days
/// its lapsed consent could not, so with no failures every due day is covered.
#[test]
fn covered_days_stay_within_the_due_under_reconnections() {
    let population = "consent_expiry_share = 0.1\nreconnect_share = 1.0\nreconnect_mean_days = 0.5";
    let r = sim::run(&scenario("48h", 12, "2d", 0.0, population), 3);
    assert!(r.total().reconnected > 5_000);
    for (d, day) in r.daily.days.iter().enumerate() {
        assert!(day.covered <= day.eligible, "day {d}: {day:?}");
    }
    let got = coverage(&r);
    assert!(got > 0.999, "coverage {got}");
    // Every 12 or 10 hours (periods across midnight): a period is covered only while due,
    // the periods of the day before the one a connection reconnected in are not due, and the
    // reconnect's fetch covers its own. (A 10-hour period due from its first day whose
    // consent lapses after midnight, before its turn, is due and missed: 0.1 % of them.)
    for (period, least) in [("12h", 0.999), ("10h", 0.998)] {
        let r = sim::run(&scenario(period, 12, "2d", 0.0, population), 3);
        assert!(r.total().reconnected > 5_000);
        let t = r.total();
        assert!(t.period_covered <= t.period_due, "{period}: {t:?}");
        let got = r.summary(None).period_coverage.unwrap();
        assert!(got > least, "{period}: period coverage {got}");
    }
}

/// Every period's refresh, whatever the period (one that does not divide the day, 10 or
/// 16 hours, straddles days; a window of an hour is its own period) and however often the
/// client refreshes in a period (a looping queue of ample slots several times): each
/// period is covered once, never more, so the coverage of every period is 1 but for the
/// odd refresh whose call ends in the next period (a call of 2 s: about 1 in 20,000).
#[test]
fn every_period_counts_once() {
    for (period, days) in [("10h", 6), ("16h", 6), ("12h", 4)] {
        let r = sim::run(&scenario(period, days, "1d", 0.0, ""), 5);
        let got = r.summary(None).period_coverage.unwrap();
        assert!((0.999..=1.0).contains(&got), "period {period}: {got}");
    }
    let hour = scenario::parse(
        "[window]\nlength = \"1h\"\n[population]\nconnections = 3000\n\
         [strategy]\nkind = \"random_offset\"\n[[banks]]\nname = \"b\"\nshare = 1.0\n\
         error_rate = 0.0\nservice_time = { dist = \"constant\", value = \"2s\" }\n",
        "inline",
        "hour",
        &[],
    )
    .unwrap();
    let got = sim::run(&hour, 6).summary(None).period_coverage.unwrap();
    assert!((0.99..=1.0).contains(&got), "an hour's window: {got}");
    let mut looping = scenario("12h", 4, "1d", 0.0, "");
    looping.strategy = refresh_sim::strategy::Strategy::Queued { concurrency: 200 };
    looping.schedule.looping = true;
    let r = sim::run(&looping, 7);
    let t = r.total();
    assert!(
        t.successes > 3 * 30_000 * 2 * 4,
        "{} successes",
        t.successes
    );
    let got = r.summary(None).period_coverage.unwrap();
    assert!((0.999..=1.0).contains(&got), "looping: {got}");
}

/// With a period shorter than a day, `coverage` counts one success a day and
/// `period_coverage` each period's: random offsets refresh every connection once a period,
/// each refresh failing with probability `e` independently, so a period is covered with
/// probability `1 − e` and a day (at least one of its `n` periods' refreshes) with
/// `1 − eⁿ`. A period of a day or more has no period coverage.
#[test]
fn a_short_period_is_covered_period_by_period() {
    let e = 0.2;
    for (period, n) in [("12h", 2), ("8h", 3), ("6h", 4)] {
        let r = sim::run(&scenario(period, 8, "1d", e, ""), 3);
        let s = r.summary(None);
        let per_period = s.period_coverage.expect("a short period's coverage");
        let refreshes = 30_000.0 * 7.0 * n as f64;
        let sd = (e * (1.0 - e) / refreshes).sqrt();
        assert!(
            (per_period - (1.0 - e)).abs() < 5.0 * sd,
            "period {period}: {per_period}, expected {} ± {sd:.4}",
            1.0 - e
        );
        let day = 1.0 - e.powi(n);
        let sd = (day * (1.0 - day) / (30_000.0 * 7.0)).sqrt();
        assert!(
            (s.coverage - day).abs() < 5.0 * sd,
            "period {period}: a day's coverage {}, expected {day}",
            s.coverage
        );
    }
    let daily = sim::run(&scenario("24h", 4, "1d", e, ""), 3);
    assert_eq!(daily.summary(None).period_coverage, None);
}

/// A queue too small for its period refreshes each connection once a pass, longer than the
/// period: each success is its connection's first of its period, so the periods covered a
/// day are the successes a day, and the period coverage their share of the due connections
/// times the periods a day, about half the day's coverage at 12 hours.
#[test]
fn a_queue_slower_than_its_period_covers_its_successes() {
    let mut sc = scenario("12h", 6, "2d", 0.0, "");
    sc.strategy = refresh_sim::strategy::Strategy::Queued { concurrency: 2 };
    let r = sim::run(&sc, 4);
    let s = r.summary(None);
    let per_day = s.refreshes_per_hour * 24.0;
    let expected = per_day / (2.0 * 30_000.0);
    let got = s.period_coverage.expect("a short period's coverage");
    assert!(
        (got - expected).abs() < 0.01 * expected,
        "{got} vs {expected}"
    );
    assert!(
        got < 0.6 * s.coverage,
        "{got} against a day's {}",
        s.coverage
    );
}
