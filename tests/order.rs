//! `strategy.order`: which due connection a queued client's pool takes next. In turn (FIFO),
//! where the bank refuses most attempts, which connections its admissions fall on is close to
//! a lottery; stalest first gives them to the oldest data, so the book is refreshed in exact
//! rotation and data ages are uniform over a rotation, as arithmetic says.

use refresh_sim::metrics::Summary;
use refresh_sim::scenario;
use refresh_sim::sim;

/// 2,000 connections at a bank admitting 20 calls an hour (a fixed window), a queue of 4
/// that keeps trying: 480 refreshes a day, a rotation of 2,000 / 480 days = 100 h.
fn saturated(order: &str) -> Summary {
    let text = format!(
        "name = \"rr\"\nseed = 5\n[window]\nlength = \"12d\"\nwarmup = \"6d\"\n\
         [population]\nconnections = 2000\n\
         [strategy]\nkind = \"queued\"\nconcurrency = 4\norder = \"{order}\"\n\
         [[banks]]\nname = \"a\"\nshare = 1.0\n\
         service_time = {{ dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }}\n\
         limits = [{{ kind = \"fixed_window\", limit = 20, window = \"1h\" }}]\n"
    );
    let sc = scenario::parse(&text, "rr", "t", &[]).unwrap();
    sim::run(&sc, sc.seed).summary(None)
}

/// Stalest first, the bank's 480 admissions a day go round the book in turn: every
/// connection refreshed every 100 h, so its data's age is uniform on [0, 100 h] (median 50 h,
/// 95th percentile 95 h, 52 % of the time 48 h old or older) and none is never refreshed. In
/// turn, the same admissions (the same coverage) fall by lottery: some connections wait far
/// longer, and the tail is among the never refreshed.
#[test]
fn stalest_first_refreshes_a_saturated_book_in_rotation() {
    let (stalest, fifo) = (saturated("stalest"), saturated("fifo"));
    assert_eq!(stalest.coverage, 0.24, "480 a day of 2,000");
    assert_eq!(fifo.coverage, stalest.coverage, "the same admissions");
    assert_eq!(stalest.final_success_share, 1.0);
    let p = |q: Option<f64>| q.unwrap();
    assert!(
        (p(stalest.staleness_p50_hours) - 50.0).abs() < 1.5,
        "{stalest:?}"
    );
    assert!(
        (p(stalest.staleness_p95_hours) - 95.0).abs() < 1.5,
        "{stalest:?}"
    );
    assert!(p(stalest.staleness_p99_hours) <= 100.5, "{stalest:?}");
    assert!(
        (p(stalest.stale_48h_share) - 0.52).abs() < 0.01,
        "{stalest:?}"
    );
    // In turn: a lottery's tail, among the never refreshed (docs/manual.md: 1.2 %).
    assert!(
        (0.985..0.999).contains(&fifo.final_success_share),
        "{fifo:?}"
    );
    assert_eq!(fifo.staleness_p95_hours, Some(f64::INFINITY), "{fifo:?}");
}

/// Per-bank pools on uk-mix: stalest first covers what in turn covers, at the same failures,
/// with a shorter tail of data age. One pool over its five banks is warned of: the tightest
/// bank's stalest connections take its slots.
#[test]
fn per_bank_pools_keep_their_coverage_and_shorten_the_tail() {
    let parse = |set: &[&str]| {
        let mut sets = vec!["strategy.kind=per_bank", "strategy.concurrency=64"];
        sets.extend(set);
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let source = scenario::Source::read(std::path::Path::new("uk-mix")).unwrap();
        source.parse(&sets).unwrap()
    };
    let run = |set: &[&str]| {
        let sc = parse(set);
        (sim::run(&sc, sc.seed).summary(None), sc)
    };
    let (fifo, _) = run(&[]);
    let (stalest, sc) = run(&["strategy.order=stalest"]);
    assert!(
        (stalest.coverage - fifo.coverage).abs() < 0.003,
        "{stalest:?} {fifo:?}"
    );
    assert!((stalest.failure_rate - fifo.failure_rate).abs() < 0.003);
    let p95 = |s: &Summary| s.staleness_p95_hours.unwrap();
    assert!(p95(&stalest) < p95(&fifo) - 5.0, "{stalest:?} {fifo:?}");
    assert!(sc.stalest_over_banks().is_none(), "per-bank pools");
    let one = parse(&["strategy.kind=queued", "strategy.order=stalest"]);
    let note = one.stalest_over_banks().expect("one pool over five banks");
    assert!(note.contains("one pool over 5 banks"), "{note}");
}

/// With capacity to spare, stalest first loses nothing: it covers at least what in turn
/// covers, through the paths that put a connection back (a loop, retries that keep or free
/// the slot, a pace, per-bank and adaptive pools, a band of hours, reconnections, joiners and
/// customers' requests). It may cover a little more: a connection the pass skipped while a
/// customer's call was under way meets the pass again if that call fails.
#[test]
fn with_capacity_to_spare_stalest_first_loses_nothing() {
    let variants = [
        ("", "kind = \"queued\"\nconcurrency = 16", ""),
        ("", "kind = \"queued\"\nconcurrency = 16\nloop = true", ""),
        (
            "",
            "kind = \"queued\"\nconcurrency = 16",
            "[retry]\nmax_attempts = 3\nbase = \"5s\"",
        ),
        (
            "",
            "kind = \"queued\"\nconcurrency = 16",
            "[retry]\nmax_attempts = 3\nbase = \"5s\"\nbackoff_slot = \"free\"",
        ),
        ("", "kind = \"paced\"", ""),
        ("", "kind = \"per_bank\"\nconcurrency = 8", ""),
        ("", "kind = \"aimd\"\nconcurrency = 8", ""),
        (
            "",
            "kind = \"queued\"\nconcurrency = 16\nhours = [\"01:00\", \"06:00\"]",
            "",
        ),
        (
            "consent_expiry_share = 0.05\nreconnect_share = 0.8\njoin_share = 0.02",
            "kind = \"per_bank\"\nconcurrency = 8",
            "[on_demand]\nper_day = 2000",
        ),
    ];
    for (population, strategy, extra) in variants {
        let run = |order: &str| {
            let text = format!(
                "name = \"spare\"\nseed = 2\n[window]\nlength = \"3d\"\nwarmup = \"1d\"\n\
                 [population]\nconnections = 3000\n{population}\n\
                 [strategy]\n{strategy}\norder = \"{order}\"\n{extra}\n\
                 [[banks]]\nname = \"a\"\nshare = 0.5\n\
                 service_time = {{ dist = \"lognormal\", median = \"2s\", p95 = \"6s\" }}\n\
                 [[banks]]\nname = \"b\"\nshare = 0.5\nerror_rate = 0.05\n\
                 service_time = {{ dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }}\n\
                 limits = [{{ kind = \"token_bucket\", rate = 1.0, burst = 5 }}]\n"
            );
            let sc = scenario::parse(&text, "spare", "t", &[]).unwrap();
            sim::run(&sc, sc.seed).summary(None)
        };
        let (fifo, stalest) = (run("fifo"), run("stalest"));
        let case = format!("{strategy} {extra} {population}");
        let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol * a.abs().max(1.0);
        assert!(
            stalest.coverage >= fifo.coverage - 0.003 && stalest.coverage <= fifo.coverage + 0.01,
            "{case}: {} vs {}",
            stalest.coverage,
            fifo.coverage
        );
        assert!(
            close(stalest.users_per_day, fifo.users_per_day, 0.01),
            "{case}: {} vs {}",
            stalest.users_per_day,
            fifo.users_per_day
        );
        assert!(
            close(
                stalest.tally.attempts as f64,
                fifo.tally.attempts as f64,
                0.05
            ),
            "{case}: {} vs {} attempts",
            stalest.tally.attempts,
            fifo.tally.attempts
        );
        assert_eq!(
            stalest.staleness_p95_hours.map(f64::is_finite),
            Some(true),
            "{case}"
        );
    }
}

/// A looping queue keeps every connection in its loop though customers' calls are under way
/// when its one pass reaches them (it skipped those and, gone by, dropped them for good: 2 of
/// 2,000 connections never refreshed by the background in three days, at 20,000 requests a
/// day), in either order.
#[test]
fn a_looping_queue_keeps_every_connection_in_its_loop() {
    // Customers' calls; and D•One's calls for a customer's other accounts, which the first
    // pass meets under way when it reaches them, one after another.
    let customers = "[on_demand]\nper_day = 20000\n";
    let d_one = "[platform]\ndedup = \"skip\"\n";
    let cases = [
        ("fifo", 1, customers),
        ("stalest", 1, customers),
        ("fifo", 3, d_one),
        ("stalest", 3, d_one),
    ];
    for (order, per_customer, calls) in cases {
        let text = format!(
            "name = \"loop\"\nseed = 4\n[window]\nlength = \"3d\"\nwarmup = \"1d\"\n\
             [population]\nconnections = 2000\nconnections_per_customer = {per_customer}\n\
             [strategy]\nkind = \"queued\"\nconcurrency = 8\nloop = true\norder = \"{order}\"\n\
             {calls}\
             [[banks]]\nname = \"a\"\nshare = 1.0\n\
             service_time = {{ dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }}\n"
        );
        let sc = scenario::parse(&text, "loop", "t", &[]).unwrap();
        let (_, log) = sim::Simulation::new(&sc, sc.seed)
            .with_attempt_log()
            .run_logged();
        let mut background = vec![false; 2000];
        let last_day = refresh_sim::time::SimTime(2 * 86_400_000_000);
        for a in log
            .rows
            .iter()
            .filter(|a| a.reason == sim::Reason::Schedule)
        {
            if a.submitted >= last_day {
                background[a.conn as usize] = true;
            }
        }
        let missed = background.iter().filter(|&&b| !b).count();
        assert_eq!(
            missed, 0,
            "{order}, {calls}: {missed} connections out of the loop"
        );
    }
}
