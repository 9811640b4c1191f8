//! `strategy.on_failure`: what a client with a queue does with a refresh that failed and is
//! not retried. `"requeue"` (the default) sends it to the back of the queue, still due, so
//! a queue keeps taking refused connections for as long as the period lasts; `"next_period"`
//! leaves it to the next period's pass, as a job queue without retries drops a failed job.
//! The expectations are counts the settings fix: at most one attempt a connection a period
//! (or the retry policy's attempts), and a bank's fixed window's allowance.

use refresh_sim::metrics::Tally;
use refresh_sim::scenario;
use refresh_sim::sim;

mod common;
use common::*;

/// 2,000 connections at a bank admitting 20 calls an hour (a fixed window), refreshed daily
/// for `days` by `strategy` (its table's body), with `extra` after it (a `[retry]`).
fn saturated(days: u32, strategy: &str, extra: &str) -> Tally {
    let text = format!(
        "name = \"of\"\nseed = 3\n[window]\nlength = \"{days}d\"\n\
         [population]\nconnections = 2000\n\
         [strategy]\n{strategy}\n{extra}\n\
         [[banks]]\nname = \"a\"\nshare = 1.0\nerror_rate = 0.0\n\
         service_time = {{ dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }}\n\
         limits = [{{ kind = \"fixed_window\", limit = 20, window = \"1h\" }}]\n"
    );
    let sc = scenario::parse(&text, "of", "t", &[]).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let r = sim::run(&sc, sc.seed);
    r.banks[0].clone()
}

/// Every client with a queue, leaving failures to the next period, attempts each due
/// connection once a period: 2,000 a day, however many the bank refused. Its pass is over
/// in well under a day (a refusal is learned at the next 10 s poll), so of the bank's 480
/// admissions a day it takes only those of the hours the pass lasts.
#[test]
fn a_queue_leaving_failures_to_the_next_period_attempts_each_connection_once_a_period() {
    let kinds = [
        "kind = \"queued\"\nconcurrency = 4",
        "kind = \"queued\"\nconcurrency = 4\norder = \"stalest\"",
        "kind = \"per_bank\"\nconcurrency = 4",
        "kind = \"aimd\"\nconcurrency = 4",
        "kind = \"paced\"\nrate = 0.5",
    ];
    for kind in kinds {
        let t = saturated(2, &format!("{kind}\non_failure = \"next_period\""), "");
        assert_eq!(t.attempts, 4_000, "{kind}: {t:?}");
        assert_eq!(t.retries, 0, "{kind}");
        assert!(t.rate_limited >= 3_000, "{kind}: {t:?}");
        assert!(t.successes <= 2 * 240, "{kind}: {t:?}");
    }
}

/// The default sends each refusal to the back of the queue: the queue keeps trying all day
/// and takes every admission the bank's window allows, 20 an hour, 480 a day (the last
/// hour's may finish after the window, still successes), at the cost of attempts many
/// times the connections.
#[test]
fn a_queue_requeueing_failures_takes_every_admission_the_bank_allows() {
    let requeue = saturated(1, "kind = \"queued\"\nconcurrency = 4", "");
    assert_eq!(requeue.successes, 480, "{requeue:?}");
    assert!(requeue.attempts > 5 * 2_000, "{requeue:?}");
    let next = saturated(
        1,
        "kind = \"queued\"\nconcurrency = 4\non_failure = \"next_period\"",
        "",
    );
    assert_eq!(next.attempts, 2_000, "{next:?}");
    assert!(next.successes < requeue.successes, "{next:?}");
}

/// With a `[retry]` policy of three attempts, a refresh whose retries gave up lets its slot
/// go at once and waits for the next period: at most three attempts a connection a period.
/// Requeued instead, it rejoins the queue and is taken again, past three.
#[test]
fn retries_that_give_up_leave_the_connection_to_the_next_period() {
    let retry =
        "[retry]\nmax_attempts = 3\nbase = \"1s\"\ncap = \"4s\"\nhonour_retry_after = false";
    let next = saturated(
        1,
        "kind = \"queued\"\nconcurrency = 4\non_failure = \"next_period\"",
        retry,
    );
    assert!(next.attempts <= 3 * 2_000, "{next:?}");
    assert!(next.retries > 0 && next.retries <= 2 * 2_000, "{next:?}");
    let requeue = saturated(1, "kind = \"queued\"\nconcurrency = 4", retry);
    assert!(requeue.attempts > 3 * 2_000, "{requeue:?}");
    // A slot freed while backing off changes nothing of that.
    let free = format!("{retry}\nbackoff_slot = \"free\"");
    let next = saturated(
        1,
        "kind = \"queued\"\nconcurrency = 4\non_failure = \"next_period\"",
        &free,
    );
    assert!(next.attempts <= 3 * 2_000, "{next:?}");
}

/// Customers' calls through the pool's priority lane, some failing, do not put a connection
/// the background already tried this period back into its pass: the background's attempts
/// stay at most one a connection a period, stalest first too (whose pass a customer's
/// failed call meets again), and fall short of one each only by the connections the
/// customers' admitted calls refreshed.
#[test]
fn customers_failing_calls_do_not_add_background_attempts() {
    let lane = "[on_demand]\nper_connection = 2.0\nlane = \"priority\"";
    for order in ["fifo", "stalest"] {
        let strategy = format!(
            "kind = \"queued\"\nconcurrency = 4\norder = \"{order}\"\non_failure = \"next_period\""
        );
        let t = saturated(2, &strategy, lane);
        assert!(t.present_attempts > 1_000, "{order}: {t:?}");
        let background = t.attempts - t.present_attempts;
        assert!(background <= 4_000, "{order}: {t:?}");
        // Nor do they drop any: a customer's call admitted may spare one connection the
        // background's attempt that period, no more.
        assert!(background + t.present_admitted >= 4_000, "{order}: {t:?}");
    }
}

/// A failure learned after the next period began is due in that period: 8 connections
/// submitted at once to a bank closed all day, polled every 12 minutes, every 10 minutes.
/// Each refusal is learned 12 minutes on, after the next period's pass skipped the
/// connection (still under way): left to "the next period", it would wait for the one after
/// (rounds at 0, 20 and 40 minutes: 24 attempts in the hour); due in the period it is
/// learned in, it goes round every 12 minutes (0, 12, 24, 36, 48: 40 attempts), as it does
/// requeued.
#[test]
fn a_failure_learned_after_the_period_began_is_due_in_it() {
    let run = |on_failure: &str| {
        let text = format!(
            "name = \"late\"\nseed = 1\n[window]\nlength = \"1h\"\n\
             [population]\nconnections = 8\n\
             [platform]\npoll_interval = \"12m\"\n\
             [strategy]\nkind = \"queued\"\nconcurrency = 8\nperiod = \"10m\"\n\
             on_failure = \"{on_failure}\"\n\
             [[banks]]\nname = \"shut\"\nshare = 1.0\nerror_rate = 0.0\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n\
             limits = [{{ kind = \"maintenance\", start = \"00:00\", end = \"23:59\" }}]\n"
        );
        let sc = scenario::parse(&text, "late", "t", &[]).unwrap_or_else(|e| panic!("{e}"));
        sim::run(&sc, sc.seed).banks[0].attempts
    };
    assert_eq!(run("next_period"), 40);
    assert_eq!(run("requeue"), 40);
}

/// `run` says which the figures describe: a requeueing queue that does not retry its 429s,
/// most of whose attempts at a bank were refused, gets a note naming the bank, its figures
/// and the settings that leave failures be; the client line says `next_period` where set,
/// and no note follows it. A bulk client is told the setting does nothing.
#[test]
fn run_notes_a_queue_that_spins_on_refused_connections() {
    let dir = TempDir::new("on-failure");
    let path = dir.join("of.toml");
    let toml = "name = \"of\"\nseed = 3\n[window]\nlength = \"1d\"\n\
         [population]\nconnections = 2000\n\
         [strategy]\nkind = \"queued\"\nconcurrency = 4\n\
         [[banks]]\nname = \"tight\"\nshare = 1.0\n\
         service_time = { dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }\n\
         limits = [{ kind = \"fixed_window\", limit = 20, window = \"1h\" }]\n";
    std::fs::write(&path, toml).unwrap();
    let run = |set: &[&str]| {
        let mut args = vec!["run", path.to_str().unwrap()];
        for s in set {
            args.extend(["--set", s]);
        }
        let out_dir = dir.join("out");
        args.extend(["--out", out_dir.to_str().unwrap()]);
        let out = sim(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        (text(&out.stdout), text(&out.stderr))
    };
    let (_, err) = run(&[]);
    let note = |err: &str| {
        (err.lines())
            .find(|l| l.starts_with("note: ") && l.contains("attempts at tight were 429s"))
            .map(str::to_string)
    };
    let said = note(&err).expect(&err);
    assert!(
        said.contains("takes it again once the pass has gone by"),
        "{said}"
    );
    assert!(
        said.contains("queued,queued:on_failure=next_period"),
        "{said}"
    );
    let (out, err) = run(&["strategy.on_failure=next_period"]);
    assert!(
        out.contains("client: queued, concurrency 4, leaving failures to the next period"),
        "{out}"
    );
    assert_eq!(note(&err), None, "{err}");
    // Retrying 429s, holding its slots through the hour's Retry-After, the queue waits: no
    // note. Freeing them, it takes other refused connections meanwhile, and is told so.
    let (_, err) = run(&["retry.max_attempts=3"]);
    assert_eq!(note(&err), None, "{err}");
    let (_, err) = run(&["retry.max_attempts=3", "retry.backoff_slot=free"]);
    let said = note(&err).expect(&err);
    assert!(said.contains("retries that free their slot"), "{said}");
    // Nor where the pass never ends, each connection tried once however many were refused,
    // with retries too (their attempts are not the queue coming round).
    let (_, err) = run(&["population.connections=400000"]);
    assert_eq!(note(&err), None, "{err}");
    let free = ["retry.max_attempts=3", "retry.backoff_slot=free"];
    let (_, err) = run(&["population.connections=20000", free[0], free[1]]);
    assert_eq!(note(&err), None, "{err}");
    let check = sim(&[
        "check",
        path.to_str().unwrap(),
        "--set",
        "strategy.kind=bulk",
        "--set",
        "strategy.on_failure=next_period",
    ]);
    let err = text(&check.stderr);
    assert!(
        err.contains(
            "strategy.on_failure: only a client with a queue reads it, not kind = \"bulk\" \
             (which leaves a failure not retried to the next period); it does nothing here"
        ),
        "{err}"
    );
}

/// A period may begin while a worker is in its overhead: the attempt it then sends is the new
/// period's, and its failure is left to the period after, not taken again in the same one.
/// 20 workers whose overhead is often minutes take 20 connections from a bank closed all day,
/// polled every minute, every 10 minutes: each connection's attempts fall in distinct
/// periods, in turn and stalest first.
#[test]
fn an_attempt_sent_after_the_period_began_is_that_periods() {
    for order in ["fifo", "stalest"] {
        straddling(order);
    }
}

fn straddling(order: &str) {
    let text = format!(
        "name = \"straddle\"\nseed = 2\n[window]\nlength = \"3h\"\n\
         [population]\nconnections = 20\n\
         [platform]\npoll_interval = \"1m\"\n\
         [strategy]\nkind = \"queued\"\nconcurrency = 20\nperiod = \"10m\"\n\
         on_failure = \"next_period\"\norder = \"{order}\"\n\
         worker_overhead = {{ dist = \"lognormal\", median = \"5m\", p95 = \"12m\" }}\n\
         [[banks]]\nname = \"shut\"\nshare = 1.0\nerror_rate = 0.0\n\
         service_time = {{ dist = \"constant\", value = \"1s\" }}\n\
         limits = [{{ kind = \"maintenance\", start = \"00:00\", end = \"23:59\" }}]\n"
    );
    let sc = scenario::parse(&text, "straddle", "t", &[]).unwrap_or_else(|e| panic!("{e}"));
    let (_, log) = sim::Simulation::new(&sc, sc.seed)
        .with_attempt_log()
        .run_logged();
    let period = 600_000_000;
    let mut seen = std::collections::BTreeSet::new();
    for a in &log.rows {
        let key = (a.conn, a.submitted.as_micros() / period);
        assert!(
            seen.insert(key),
            "{order}: connection {} twice in period {}",
            key.0,
            key.1
        );
    }
    assert!(seen.len() > 100, "{order}: {}", seen.len());
}
