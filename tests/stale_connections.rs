//! `daily.csv`'s count of stale connections, against a recount from the attempt log: the
//! customers a bad day reached, not its connection-time. With callbacks a fixed millisecond
//! after the bank, the log gives each success's instant, so each connection's data age can
//! be replayed independently of the run's bookkeeping, day by day.

use refresh_sim::metrics::RunResult;
use refresh_sim::output::daily::DailyRow;
use refresh_sim::scenario;
use refresh_sim::sim::{self, Outcome, Reason};
use refresh_sim::time::{SimDuration, SimTime, DAY_US, HOUR_US};

/// Two banks, one cutting its rate to a trickle on days 2 and 3, daily random offsets retried on
/// a 429, customers joining through the window (their age runs from their link).
const SCENARIO: &str = "[window]\nlength = \"5d\"\n\
     [population]\nconnections = 12000\njoin_share = 0.02\n\
     [platform]\nstatus = \"callback\"\ncallback_delay = \"1ms\"\n\
     [strategy]\nkind = \"random_offset\"\n\
     [retry]\nmax_attempts = 3\n\
     [[banks]]\nname = \"steady\"\nshare = 0.5\n\
     service_time = { dist = \"lognormal\", median = \"2s\", p95 = \"6s\" }\n\
     [[banks]]\nname = \"cut\"\nshare = 0.5\n\
     service_time = { dist = \"lognormal\", median = \"2s\", p95 = \"6s\" }\n\
     limits = [{ kind = \"token_bucket\", rate = 0.02, burst = 5, days = [2, 3] }]\n";

/// Per day and bank, the connections (a day, two days old or older for an hour or more)
/// replayed from each connection's link and successes.
fn recount(
    pieces: &[(u16, SimTime, Vec<SimTime>)],
    start: SimTime,
    end: SimTime,
    days: usize,
) -> Vec<[[u64; 2]; 2]> {
    let mut n = vec![[[0u64; 2]; 2]; days];
    for (bank, linked, successes) in pieces {
        // The instants the data changes: the link (no data), then each success.
        let mut from = *linked;
        let mut last: Option<SimTime> = None;
        for &to in successes.iter().chain([&end]) {
            for (k, hours) in [24u64, 48].into_iter().enumerate() {
                let age = SimDuration(hours * HOUR_US);
                let stale = last.map_or(from + age, |l| (l + age).max(from));
                for (d, count) in n.iter_mut().enumerate() {
                    let d0 = start + SimDuration(d as u64 * DAY_US);
                    let d1 = d0 + SimDuration(DAY_US);
                    let held = to.min(d1).saturating_since(stale.max(d0));
                    count[*bank as usize][k] += (held.as_micros() >= HOUR_US) as u64;
                }
            }
            (from, last) = (to, Some(to));
        }
    }
    n
}

#[test]
fn stale_connections_are_the_attempt_logs_recount() {
    let sc = scenario::parse(SCENARIO, "inline", "stale", &[]).unwrap();
    let (r, log) = sim::Simulation::new(&sc, 11)
        .with_attempt_log()
        .run_logged();
    let (start, end) = (sc.window_start, sc.window_start + sc.window);
    let n = log.rows.iter().map(|a| a.conn as usize + 1).max().unwrap();
    // Each connection: its bank, when its data age starts (the window, or its link) and
    // its successes' instants (the bank's, a callback's millisecond before the log's).
    let mut pieces: Vec<(u16, SimTime, Vec<SimTime>)> = vec![(0, SimTime::NEVER, vec![]); n];
    let delay = SimDuration::from_millis(1);
    for a in &log.rows {
        let p = &mut pieces[a.conn as usize];
        p.0 = a.bank;
        if a.reason == Reason::Link {
            p.1 = p.1.min(a.submitted);
        }
        let done = SimTime(a.learned.as_micros() - delay.as_micros());
        if a.outcome == Outcome::Success && done < end {
            p.2.push(done);
        }
    }
    let joined: usize = (0..n).filter(|&c| pieces[c].1 != SimTime::NEVER).count();
    assert!(joined > 500, "joiners: {joined}");
    for (c, p) in pieces.iter_mut().enumerate() {
        if c < 12000 {
            p.1 = start;
        }
        p.2.sort();
    }
    // A joiner the log never saw linked nothing; every other connection has attempts.
    pieces.retain(|p| p.1 != SimTime::NEVER);
    let expected = recount(&pieces, start, end, 5);
    let rows = DailyRow::of_run(&r);
    for (d, want) in expected.iter().enumerate() {
        for (b, name) in ["steady", "cut"].into_iter().enumerate() {
            let row = rows.iter().find(|x| x.day == d && x.bank == name).unwrap();
            let got = [row.stale_24h_connections, row.stale_48h_connections];
            assert_eq!(got, want[b], "day {d}, {name}");
        }
        let all = rows.iter().find(|x| x.day == d && x.bank == "all").unwrap();
        assert_eq!(all.stale_24h_connections, want[0][0] + want[1][0]);
    }
    // The cut reaches most of its bank's connections, its second day missing a whole day's
    // refresh for many; the steady bank's daily offsets keep its data under a day old.
    let cut = |d: usize| expected[d][1];
    assert!(cut(2)[0] > 3000 && cut(3)[1] > 3000, "{:?}", expected);
    assert!(
        expected[3][0] == [0, 0] && cut(1) == [0, 0],
        "{:?}",
        expected
    );
}

/// With consents lapsing and customers reconnecting (the time between is no connection's),
/// the counts keep their bounds: a connection counted has spent an hour or more of the
/// day's connection-time a day old or older (so the day's stale time bounds the count), one
/// two days old was a day old, and no day counts more connections than the bank has.
#[test]
fn lapses_and_reconnects_keep_the_counts_within_their_bounds() {
    let text = "[window]\nlength = \"8d\"\nwarmup = \"1d\"\n\
         [population]\nconnections = 20000\nconsent_expiry_share = 0.05\n\
         reconnect_share = 0.8\njoin_share = 0.01\n\
         [strategy]\nkind = \"queued\"\nconcurrency = 2\n\
         [[banks]]\nname = \"a\"\nshare = 0.7\n\
         service_time = { dist = \"lognormal\", median = \"3s\", p95 = \"9s\" }\n\
         [[banks]]\nname = \"b\"\nshare = 0.3\n\
         service_time = { dist = \"constant\", value = \"4s\" }\n";
    let sc = scenario::parse(text, "inline", "lapses", &[]).unwrap();
    let r = sim::run(&sc, 3);
    let rows = DailyRow::of_run(&r);
    let mut reconnected = 0;
    for x in &rows {
        let (n24, n48) = (x.stale_24h_connections, x.stale_48h_connections);
        let stale_hours = x.stale_24h_share.unwrap_or(0.0) * x.connection_hours;
        assert!(n48 <= n24, "{x:?}");
        assert!(n24 as f64 <= stale_hours + 1e-6, "{x:?}");
        assert!(n24 <= 20000 + 8 * 200, "{x:?}");
        reconnected += x.reconnected;
    }
    // Something to bound: the queue falls behind (a day-old share), customers come back.
    let day7 = rows.iter().find(|x| x.day == 7 && x.bank == "all").unwrap();
    assert!(day7.stale_24h_connections > 1000, "{day7:?}");
    assert!(reconnected > 500, "{reconnected}");
}

/// A run of five days, the first a warm-up, of random offsets at one bank closed from 06:00
/// to 18:00 on day 3, with `window` and `strategy` lines added; and its `all` rows.
fn closed_on_day_3(window: &str, strategy: &str) -> (RunResult, Vec<DailyRow>) {
    let text = format!(
        "[window]\nlength = \"5d\"\nwarmup = \"1d\"\n{window}\
         [population]\nconnections = 20000\nconsent_expiry_share = 0.0\n\
         [strategy]\nkind = \"random_offset\"\n{strategy}\
         [[banks]]\nname = \"a\"\nshare = 1.0\n\
         service_time = {{ dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }}\n\
         limits = [{{ kind = \"maintenance\", start = \"06:00\", end = \"18:00\", days = [3] }}]\n"
    );
    let sc = scenario::parse(&text, "inline", "closed", &[]).unwrap();
    let r = sim::run(&sc, 3);
    let rows: Vec<DailyRow> = (DailyRow::of_run(&r).into_iter())
        .filter(|d| d.bank == "all")
        .collect();
    (r, rows)
}

/// `daily.csv`'s share of app opens finding data a day old, day by day: a bank closed from
/// 06:00 to 18:00 on day 3 leaves a fixed offset's connections due then a day old until
/// their offset on day 4 (a trial measured such a morning by a warm-up ending on it). Nil
/// on the days before, empty on the warm-up's; with every connection's time the same each
/// day (no lapse, no join), the days' mean is the run's figure (which reads ages by ten
/// minutes: within a hair).
#[test]
fn opens_finding_day_old_data_are_counted_day_by_day() {
    let (r, rows) = closed_on_day_3("", "");
    let share: Vec<Option<f64>> = rows.iter().map(|d| d.stale_24h_at_open_share).collect();
    assert_eq!(share[0], None, "the warm-up's day");
    let [d1, d2, d3, d4] = [1, 2, 3, 4].map(|d| share[d].unwrap());
    assert!(d1 < 0.001 && d2 < 0.001, "{share:?}");
    // Half the connections are due in the closed hours, each a day old for the 24 h from its
    // offset on day 3 to its offset on day 4: day 3's opens after 06:00 find many of them
    // so, and day 4's before 18:00 fewer.
    assert!(d3 > 0.25 && d4 > 0.1, "{share:?}");
    let run = r.summary(None).stale_24h_at_open_share.unwrap();
    let mean = (d1 + d2 + d3 + d4) / 4.0;
    assert!((mean - run).abs() < 0.001, "{mean} vs {run}");
}

/// `daily.csv`'s share of app opens finding data past `window.fresh_within`, day by day: a
/// client refreshing every 6 h against a 6-hour freshness keeps every day's opens fresh but
/// for a call's seconds, until a bank closed from 06:00 to 18:00 on day 3 fails the refreshes
/// due in it, two of each connection's four that day; the days' mean is the run's figure,
/// and the day-old share is its own column. The day's periods lose those two refreshes
/// (`period_coverage` a half), where its calendar coverage, one success a day, reads all.
#[test]
fn opens_finding_data_not_fresh_are_counted_day_by_day() {
    let (r, rows) = closed_on_day_3("fresh_within = \"6h\"\n", "period = \"6h\"\n");
    let share: Vec<Option<f64>> = rows.iter().map(|d| d.not_fresh_at_open_share).collect();
    assert_eq!(share[0], None, "the warm-up's day");
    let [d1, d2, d3, d4] = [1, 2, 3, 4].map(|d| share[d].unwrap());
    assert!(d1 < 0.005 && d2 < 0.005 && d4 < 0.005, "{share:?}");
    // From each connection's first failed refresh (06:00–12:00) to its first after 18:00,
    // data is 6 h old for between 6 and 12 hours of the day: a third of it or more.
    assert!(d3 > 0.25, "{share:?}");
    // Nothing reaches a day old.
    assert!(
        rows[3].stale_24h_at_open_share.unwrap() < 0.001,
        "{:?}",
        rows[3]
    );
    let run = r.summary(None).not_fresh_at_open_share.unwrap();
    let mean = (d1 + d2 + d3 + d4) / 4.0;
    assert!((mean - run).abs() < 0.002, "{mean} vs {run}");
    let periods: Vec<f64> = rows.iter().map(|d| d.period_coverage.unwrap()).collect();
    assert!((periods[3] - 0.5).abs() < 0.01, "{periods:?}");
    assert_eq!(rows[3].coverage, 1.0);
    for d in [0, 1, 2, 4] {
        assert!(periods[d] > 0.999, "{periods:?}");
    }
    // The measured days pooled by their due periods (alike here) are the run's.
    let run = r.summary(None).period_coverage.unwrap();
    let mean = periods[1..].iter().sum::<f64>() / 4.0;
    assert!((mean - run).abs() < 1e-9, "{mean} vs {run}");
}

/// `daily.csv`'s `period_coverage`, weighed by `period_due` over the measured days, is the
/// run's, for a period that does not divide the day (7 h: periods crossing midnight), a
/// warm-up off the day (30 h), customers joining, consents lapsing and reconnecting; a
/// plain mean of the days is not (their due periods differ).
#[test]
fn the_days_period_coverage_pools_to_the_runs() {
    let text = "[window]\nlength = \"6d\"\nwarmup = \"30h\"\n\
         [population]\nconnections = 6000\njoin_share = 0.03\nconsent_expiry_share = 0.05\n\
         reconnect_share = 0.5\n\
         [strategy]\nkind = \"queued\"\nconcurrency = 12\nperiod = \"7h\"\n\
         [[banks]]\nname = \"a\"\nshare = 0.6\n\
         service_time = { dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }\n\
         [[banks]]\nname = \"b\"\nshare = 0.4\n\
         service_time = { dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }\n\
         limits = [{ kind = \"maintenance\", start = \"06:00\", end = \"18:00\", days = [3] }]\n";
    let sc = scenario::parse(text, "inline", "pooled", &[]).unwrap();
    let r = sim::run(&sc, 5);
    for bank in ["a", "b", "all"] {
        let days: Vec<DailyRow> = (DailyRow::of_run(&r).into_iter())
            .filter(|d| d.bank == bank && d.measured)
            .collect();
        assert!(days.len() >= 4, "{days:?}");
        let due: u64 = days.iter().map(|d| d.period_due).sum();
        let covered: f64 = (days.iter())
            .map(|d| d.period_coverage.unwrap() * d.period_due as f64)
            .sum();
        let b = r.bank_names.iter().position(|n| n == bank);
        let run = r.summary(b).period_coverage.unwrap();
        assert!((covered / due as f64 - run).abs() < 1e-12, "{bank}: {run}");
        let dues: Vec<u64> = days.iter().map(|d| d.period_due).collect();
        assert!(dues.windows(2).any(|w| w[0] != w[1]), "{dues:?}");
        // The closed bank's periods missed, something to pool.
        assert!(bank == "a" || run < 0.99, "{bank}: {run}");
    }
}
