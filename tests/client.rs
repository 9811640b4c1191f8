//! The client as real clients run it: a refresh period (each connection due once a day),
//! idle slots when nothing is due, worker overhead off the poll lattice, daily random offsets,
//! Retry-After in whole seconds, consent expiry as a daily hazard, and the per-day metrics
//! (users per day as a daily distinct count, coverage per connection-day, staleness over
//! connection-time).
//!
//! Every expectation is hand arithmetic or a closed formula, with the tolerance stated where
//! the draws are random; nothing here is a number copied from a run.

use refresh_sim::metrics::{DayTally, RunResult};
use refresh_sim::output::daily::DailyRow;
use refresh_sim::output::staleness::AgeRow;
use refresh_sim::output::summary::SummaryRow;
use refresh_sim::output::timeseries::MinuteRow;
use refresh_sim::output::to_csv;
use refresh_sim::scenario::{self, Scenario};
use refresh_sim::sim;
use refresh_sim::time::SimTime;
use std::process::Command;

mod common;
use common::*;

const DAY_SECS: f64 = 86_400.0;

/// The zero-overhead worker: it submits at the instant it learns the previous outcome (the
/// idealised lattice client).
const NO_OVERHEAD: &str = r#"worker_overhead = { dist = "constant", value = "0s" }"#;

fn parse(text: &str) -> Scenario {
    scenario::parse(text, "inline", "client", &[]).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn run(text: &str, seed: u64) -> RunResult {
    sim::run(&parse(text), seed)
}

/// One bank and no `[retry]` unless `extra` adds one. `strategy` and `bank` are the bodies
/// of their tables (TOML lines); the platform polls every 10 s unless `platform` says
/// otherwise.
fn one_bank(
    window: &str,
    connections: u32,
    platform: &str,
    strategy: &str,
    bank: &str,
    extra: &str,
) -> String {
    format!(
        "[window]\nstart = \"00:00\"\n{window}\n\
         [population]\nconnections = {connections}\n\
         [platform]\n{platform}\n\
         [strategy]\n{strategy}\n\
         {extra}\n\
         [[banks]]\nname = \"b\"\nshare = 1.0\nerror_rate = 0.0\n{bank}\n"
    )
}

/// Each day's counters summed over banks.
fn days(r: &RunResult) -> Vec<DayTally> {
    (0..r.daily.len_days()).map(|d| r.daily.total(d)).collect()
}

/// The mean of the default worker overhead (lognormal, median 300 ms, p95 1 s), by hand:
/// sigma = ln(p95 / median) / z95, mean = median · exp(sigma² / 2) ≈ 0.392 s.
fn default_overhead_mean_secs() -> f64 {
    let z95 = 1.644_853_626_951_472; // the standard normal's 95th percentile
    let sigma = (1.0f64 / 0.3).ln() / z95;
    0.3 * (sigma * sigma / 2.0).exp()
}

// ---------------------------------------------------------------------------------------
// (a), (b) Once per connection per day
// ---------------------------------------------------------------------------------------

/// A daily queue with ample capacity refreshes every connection exactly once a day, then
/// idles: a looping queue would make hundreds of thousands of attempts a day here.
#[test]
fn a_daily_queue_with_ample_capacity_refreshes_each_connection_once_a_day() {
    let n: u64 = 5_000;
    let text = one_bank(
        "length = \"3d\"",
        n as u32,
        "poll_interval = \"10s\"",
        "kind = \"queued\"\nconcurrency = 64",
        r#"service_time = { dist = "lognormal", median = "3s", p95 = "8s" }"#,
        "",
    );
    let r = run(&text, 1);
    let ds = days(&r);
    assert_eq!(ds.len(), 3);
    for (d, t) in ds.iter().enumerate() {
        // A pass takes n / 64 slot cycles of about 10.4 s: 14 minutes, well inside the day.
        assert_eq!(t.users, n, "day {d}: {t:?}");
        assert_eq!(t.successes, n, "day {d}: {t:?}");
        assert_eq!(t.attempts, n, "day {d}: {t:?}");
        assert_eq!((t.eligible, t.covered), (n, n), "day {d}: {t:?}");
        assert_eq!(t.deduplicated + t.rate_limited + t.errors, 0, "day {d}");
    }
    let s = r.summary(None);
    assert_eq!(
        s.tally.attempts,
        3 * n,
        "the slots idle once the day's pass is done"
    );
    assert_eq!(s.tally.successes, 3 * n);
    assert_eq!(r.measured_days, 3.0);
    assert_eq!(s.users_per_day, n as f64);
    assert_eq!(s.coverage, 1.0);

    // daily.csv says the same.
    let rows = DailyRow::of_run(&r);
    let all: Vec<_> = rows.iter().filter(|x| x.bank == "all").collect();
    assert_eq!(all.len(), 3);
    for (d, x) in all.iter().enumerate() {
        assert_eq!(x.day, d);
        assert!(x.measured);
        assert_eq!((x.attempts, x.successes, x.users, x.due), (n, n, n, n));
        assert_eq!(x.coverage, 1.0);
    }
}

/// Random offsets are drawn once per connection and repeated every day: over 7 days each
/// connection is submitted exactly 7 times, once each day, at the same time of day.
#[test]
fn seven_days_of_random_offsets_make_seven_attempts_per_connection() {
    let n: u64 = 10_000;
    // A 0 s call ends at its submission, so each refresh lands on its submission's day.
    let text = one_bank(
        "length = \"7d\"",
        n as u32,
        "poll_interval = \"10s\"",
        "kind = \"random_offset\"",
        r#"service_time = { dist = "constant", value = "0s" }"#,
        "",
    );
    let r = run(&text, 3);
    let t = r.total();
    assert_eq!(t.attempts, 7 * n);
    assert_eq!(t.successes, 7 * n);
    assert_eq!(
        t.deduplicated, 0,
        "a day apart is outside the 1 h dedup window"
    );
    let ds = days(&r);
    assert_eq!(ds.len(), 7);
    for (d, x) in ds.iter().enumerate() {
        // n attempts and n distinct users each day: every connection exactly once.
        assert_eq!((x.attempts, x.users), (n, n), "day {d}");
    }
    // The same offsets every day: each minute of the day sees the same submissions on
    // every one of the seven days.
    let per_minute: Vec<u32> = r.series.minutes.iter().map(|m| m.submitted).collect();
    assert!(per_minute.len() >= 7 * 1440);
    for m in 0..1440 {
        for d in 1..7 {
            assert_eq!(
                per_minute[d * 1440 + m],
                per_minute[m],
                "minute {m} of day {d} differs from day 0"
            );
        }
    }
    assert_eq!(per_minute[..1440].iter().map(|&x| x as u64).sum::<u64>(), n);
}

/// A band of hours: with `hours = ["00:00", "06:00"]` every submission of every day falls
/// between 00:00 and 06:00, uniformly (each hour holds about a sixth), even when the window
/// starts at 02:00, inside the band (the band then wraps: 02:00–06:00 of the first day,
/// 00:00–02:00 of the next).
#[test]
fn random_offsets_stay_within_their_band_of_hours() {
    let n: u64 = 60_000;
    for start in ["00:00", "02:00"] {
        let text = one_bank(
            "length = \"3d\"",
            n as u32,
            "poll_interval = \"10s\"",
            "kind = \"random_offset\"\nhours = [\"00:00\", \"06:00\"]",
            r#"service_time = { dist = "constant", value = "0s" }"#,
            "",
        )
        .replace("start = \"00:00\"", &format!("start = \"{start}\""));
        let r = run(&text, 5);
        assert_eq!(r.total().attempts, 3 * n, "start {start}");
        let offset_min = if start == "02:00" { 120 } else { 0 };
        let mut per_hour = [0u64; 24];
        for (m, minute) in r.series.minutes.iter().enumerate() {
            let hour = ((m + offset_min) / 60) % 24;
            per_hour[hour] += minute.submitted as u64;
        }
        assert_eq!(
            per_hour[6..].iter().sum::<u64>(),
            0,
            "start {start}: {per_hour:?}"
        );
        for (h, &c) in per_hour[..6].iter().enumerate() {
            // Binomial(3n, 1/6): 5 standard deviations.
            let (mean, sd) = (3.0 * n as f64 / 6.0, (3.0 * n as f64 * 5.0 / 36.0).sqrt());
            assert!(
                (c as f64 - mean).abs() < 5.0 * sd,
                "start {start}, hour {h}: {c} submissions, expected about {mean}"
            );
        }
    }
    // A band needs a daily period.
    let text = one_bank(
        "length = \"1d\"",
        10,
        "poll_interval = \"10s\"",
        "kind = \"random_offset\"\nperiod = \"12h\"\nhours = [\"00:00\", \"06:00\"]",
        r#"service_time = { dist = "constant", value = "0s" }"#,
        "",
    );
    let e = refresh_sim::scenario::parse(&text, "inline", "band", &[]).unwrap_err();
    assert!(e.message.contains("strategy.hours"), "{}", e.message);
    // `[]` lifts a band (the whole day, a --set on a nightly file), and a 12 h period takes
    // it; one time of day is no band.
    let lifted = ["strategy.hours=[]".to_string()];
    let sc = refresh_sim::scenario::parse(&text, "inline", "band", &lifted).unwrap();
    assert_eq!(sc.schedule.hours, None);
    let one = [r#"strategy.hours=["01:00"]"#.to_string()];
    let e = refresh_sim::scenario::parse(&text, "inline", "band", &one).unwrap_err();
    assert!(e.message.contains("not 1"), "{}", e.message);
    // A band across midnight is the night's (on a daily period); one of no length is none.
    let daily = text.replace("period = \"12h\"\n", "");
    let night = [r#"strategy.hours=["22:00", "06:00"]"#.to_string()];
    let sc = refresh_sim::scenario::parse(&daily, "inline", "band", &night).unwrap();
    assert_eq!(sc.schedule.band_label().as_deref(), Some("22:00–06:00"));
    assert_eq!(sc.schedule.spread().as_secs_f64(), 8.0 * 3_600.0);
    for (band, why) in [
        (r#"["06:00", "06:00"]"#, "starts and ends at 06:00"),
        (r#"["24:00", "00:00"]"#, "starts and ends at 00:00"),
    ] {
        let set = [format!("strategy.hours={band}")];
        let e = refresh_sim::scenario::parse(&daily, "inline", "band", &set).unwrap_err();
        assert!(e.message.contains(why), "{band}: {}", e.message);
    }
    let to_midnight = [r#"strategy.hours=["22:00", "00:00"]"#.to_string()];
    let sc = refresh_sim::scenario::parse(&daily, "inline", "band", &to_midnight).unwrap();
    assert_eq!(sc.schedule.band_label().as_deref(), Some("22:00–24:00"));
    // A pace profile weighing only the hours after midnight is open in a band across it.
    let weights = (0..24)
        .map(|h| if h < 6 { "1" } else { "0" })
        .collect::<Vec<_>>();
    let paced = [
        "strategy.kind=paced".to_string(),
        r#"strategy.hours=["22:00", "06:00"]"#.to_string(),
        format!("strategy.pace_profile=[{}]", weights.join(", ")),
    ];
    refresh_sim::scenario::parse(&daily, "inline", "band", &paced).unwrap();
}

/// A band across midnight (22:00–04:00) is the band 00:00–06:00 on a clock two hours later:
/// every client's attempts (a queue with failures and retries, a pace, random offsets) are
/// those of the scenario with its window starting at 02:00 and its band at 00:00–06:00,
/// shifted by the two hours, attempt for attempt, from a window that opens inside the band
/// (its first night began the evening before). Every background submission falls in the
/// band.
#[test]
fn a_band_across_midnight_is_a_band_on_a_shifted_clock() {
    const TWO_HOURS: u64 = 2 * 3_600_000_000;
    let retry = "[retry]\nmax_attempts = 3\nbase = \"20m\"\ncap = \"1h\"";
    for (strategy, extra) in [
        ("kind = \"queued\"\nconcurrency = 4", retry),
        ("kind = \"paced\"", ""),
        ("kind = \"random_offset\"", ""),
    ] {
        let log = |start: &str, hours: &str| {
            let text = one_bank(
                "length = \"3d\"\nwarmup = \"0s\"",
                3_000,
                "poll_interval = \"10s\"",
                &format!("{strategy}\nhours = {hours}"),
                "service_time = { dist = \"lognormal\", median = \"3s\", p95 = \"9s\" }\n\
                 limits = [{ kind = \"token_bucket\", rate = 0.5, burst = 5 }]",
                extra,
            )
            .replace("start = \"00:00\"", &format!("start = \"{start}\""))
            .replace("error_rate = 0.0", "error_rate = 0.1");
            let sc = parse(&text);
            sim::Simulation::new(&sc, 7)
                .with_attempt_log()
                .run_logged()
                .1
                .rows
        };
        // From inside the band, and from noon, outside it.
        for (start, later) in [("00:00", "02:00"), ("12:00", "14:00")] {
            let night = log(start, r#"["22:00", "04:00"]"#);
            let shifted = log(later, r#"["00:00", "06:00"]"#);
            assert!(night.len() > 3_000, "{strategy}: {} attempts", night.len());
            assert_eq!(night.len(), shifted.len(), "{strategy} from {start}");
            for (a, b) in night.iter().zip(&shifted) {
                let moved = (a.submitted.0 + TWO_HOURS, a.conn, a.attempt, a.outcome);
                assert_eq!(
                    moved,
                    (b.submitted.0, b.conn, b.attempt, b.outcome),
                    "{strategy}"
                );
                let hour = a.submitted.0 / 3_600_000_000 % 24;
                assert!(
                    !(4..22).contains(&hour),
                    "{strategy}: submitted at hour {hour}"
                );
            }
        }
    }
}

/// The queued kinds keep to the band too. A queue of 4 slots, each refresh learned at the
/// first poll 10 s after its submission (a 0 s call, no worker overhead), submits only from
/// 02:00 to 06:00, 4 every 10 s there: 4 · 14,400 / 10 = 5,760 a day, Little's law on the
/// client side. A pacer spreads the day's 3,000 connections over the band's 14,400 s, one
/// every 4.8 s: 12 or 13 a minute there, every connection each day. Customers through the
/// pools' priority lane would find them shut at night: refused.
#[test]
fn queued_and_paced_clients_keep_to_their_band_of_hours() {
    let client = |connections: u32, strategy: &str| {
        let text = one_bank(
            "length = \"2d\"",
            connections,
            "poll_interval = \"10s\"",
            &format!("{strategy}\nhours = [\"02:00\", \"06:00\"]"),
            r#"service_time = { dist = "constant", value = "0s" }"#,
            "",
        );
        let r = run(&text, 3);
        let minutes: Vec<u64> = r
            .series
            .minutes
            .iter()
            .map(|m| m.submitted as u64)
            .collect();
        let outside: u64 = (0..minutes.len())
            .filter(|m| !(120..360).contains(&(m % 1440)))
            .map(|m| minutes[m])
            .sum();
        (r.total().attempts, minutes, outside, text)
    };
    let overhead = r#"worker_overhead = { dist = "constant", value = "0s" }"#;
    let (attempts, _, outside, _) = client(
        100_000,
        &format!("kind = \"queued\"\nconcurrency = 4\n{overhead}"),
    );
    assert_eq!((attempts, outside), (2 * 5_760, 0));
    // From inside the band (03:00), with a third of calls failing and retried 20 to 60
    // minutes later by the worker that keeps its slot: a retry due after 06:00 waits too.
    let failing = one_bank(
        "length = \"2d\"",
        100_000,
        "poll_interval = \"10s\"",
        &format!("kind = \"queued\"\nconcurrency = 4\n{overhead}\nhours = [\"02:00\", \"06:00\"]"),
        "service_time = { dist = \"constant\", value = \"0s\" }",
        "[retry]\nmax_attempts = 4\nbase = \"20m\"\ncap = \"1h\"",
    )
    .replace("start = \"00:00\"", "start = \"03:00\"")
    .replace("error_rate = 0.0", "error_rate = 0.3");
    let r = run(&failing, 3);
    let late: u64 = (r.series.minutes.iter().enumerate())
        .filter(|(m, _)| !(120..360).contains(&((m + 180) % 1440)))
        .map(|(_, x)| x.submitted as u64)
        .sum();
    assert!(r.total().retries > 50, "{:?}", r.total());
    assert_eq!(late, 0, "submissions outside the band");
    let (attempts, minutes, outside, text) = client(3_000, "kind = \"paced\"");
    assert_eq!((attempts, outside), (2 * 3_000, 0));
    for day in 0..2 {
        for m in 120..360 {
            let n = minutes[day * 1440 + m];
            assert!(n == 12 || n == 13, "day {day}, minute {m}: {n}");
        }
    }
    // The priority lane is taken with a band: it holds the background alone (its customers
    // served at any hour: tests/on_demand.rs).
    let laned = scenario::parse(
        &text.replace("kind = \"paced\"", "kind = \"queued\"\nconcurrency = 4"),
        "inline",
        "band",
        &[
            "on_demand.per_day=10".into(),
            "on_demand.lane=priority".into(),
        ],
    );
    assert!(laned.is_ok(), "{:?}", laned.err());
}

// ---------------------------------------------------------------------------------------
// (c) The poll lattice: phase lock with zero overhead, gone with the default
// ---------------------------------------------------------------------------------------

/// A token bucket of 2.5/s with a burst of 10 against 32 slots polling every 10 s. The
/// zero-overhead client submits only on the 10 s lattice (every outcome is learned at a
/// poll, and the worker resubmits at that instant), so the bucket sees 32 requests at once
/// every 10 s and admits its burst: 10 per poll, 86,400 a day, 40 % of its 216,000. Workers
/// that take a drawn overhead spread their requests off the lattice and the bucket runs near
/// its rate.
#[test]
fn worker_overhead_breaks_the_phase_lock_with_the_poll_lattice() {
    let body = |overhead: &str| {
        one_bank(
            "length = \"24h\"",
            300_000,
            "status = \"poll\"\npoll_interval = \"10s\"",
            &format!("kind = \"queued\"\nconcurrency = 32\n{overhead}"),
            "service_time = { dist = \"lognormal\", median = \"4.2s\", p95 = \"14.5s\" }\n\
             limits = [{ kind = \"token_bucket\", rate = 2.5, burst = 10 }]",
            "",
        )
    };
    let capacity = 2.5 * DAY_SECS;
    let lattice = 10.0 * DAY_SECS / 10.0; // burst per poll interval, 8,640 polls
    let default = run(&body(""), 1).total();
    assert!(
        default.successes as f64 >= 0.8 * capacity,
        "default overhead: {} successes of {capacity}",
        default.successes
    );
    assert!(default.admitted as f64 <= capacity + 10.0);

    let locked = run(&body(NO_OVERHEAD), 1).total();
    assert!(
        locked.admitted as f64 <= lattice + 10.0,
        "zero overhead: {} admitted, more than the burst per poll ({lattice})",
        locked.admitted
    );
    // And it is the lock, not a slow client: the bucket's burst is taken at every poll.
    assert!(locked.admitted as f64 >= 0.99 * lattice, "{locked:?}");
    assert_eq!(locked.successes, locked.admitted);
}

// ---------------------------------------------------------------------------------------
// (d) Staleness against hand arithmetic
// ---------------------------------------------------------------------------------------

fn close(got: Option<f64>, want: f64, tol: f64, what: &str) {
    let g = got.unwrap_or_else(|| panic!("{what}: none"));
    assert!((g - want).abs() <= tol, "{what}: {g} vs {want} ± {tol}");
}

/// Daily random offsets with ample capacity: each connection is refreshed at its own time
/// of day every day, so over whole measured days its data age sweeps [0, 24 h) uniformly
/// once a day. Percentiles are at minute resolution (the upper edge of the minute):
/// p50 = 12 h, p95 = 22.8 h, p99 = 23.76 h (+ up to a minute). No connection-time is 24 h
/// old, and every minute of age holds the same connection-time.
#[test]
fn daily_offsets_give_ages_uniform_over_the_day() {
    let n: u64 = 20_000;
    let text = one_bank(
        "length = \"4d\"\nwarmup = \"1d\"",
        n as u32,
        "poll_interval = \"10s\"",
        "kind = \"random_offset\"",
        r#"service_time = { dist = "constant", value = "0s" }"#,
        "",
    );
    let r = run(&text, 5);
    let s = r.summary(None);
    let minute = 1.0 / 60.0;
    // The flat histogram below makes these exact; allow two minutes of rounding.
    close(s.staleness_p50_hours, 12.0, 2.0 * minute, "p50");
    close(s.staleness_p95_hours, 22.8, 2.0 * minute, "p95");
    close(s.staleness_p99_hours, 23.76, 2.0 * minute, "p99");
    assert_eq!(s.stale_24h_share, Some(0.0));
    assert_eq!(s.stale_48h_share, Some(0.0));
    assert_eq!(
        r.staleness.never_us(None),
        0,
        "all refreshed in the warm-up day"
    );

    // Flat: each of the 1,440 minutes of age holds n connections × 3 days × 60 s.
    let h = r.staleness.histogram(None);
    let want = n as f64 * 3.0 * 60e6;
    for (m, &us) in h.iter().enumerate() {
        if m < 1440 {
            assert!(
                (us as f64 / want - 1.0).abs() < 1e-3,
                "minute {m}: {us} µs vs {want}"
            );
        } else {
            assert_eq!(us, 0, "minute {m}: no data is a day old");
        }
    }
    assert_eq!(s.users_per_day, n as f64);
}

/// A queue that can refresh only half its connections a day, in FIFO order (the client's own
/// capacity is the limit: 10 slots of exactly 86.4 s, no rejections to reorder the queue).
/// Each day's pass resumes where the last stopped, so the queue serves connections round
/// robin: each is refreshed every 2 days, its age sweeps [0, 48 h) uniformly, so
/// stale_24h_share = 0.5, p50 = 24 h, p95 = 45.6 h, and nothing is 48 h old.
#[test]
fn a_client_that_serves_half_a_day_refreshes_round_robin_every_two_days() {
    let n: u64 = 20_000;
    // 10 slots × 86,400 s / (86.2 s + 0.2 s callback) = 10,000 refreshes a day = n / 2.
    let text = one_bank(
        "length = \"6d\"\nwarmup = \"2d\"",
        n as u32,
        "status = \"callback\"\ncallback_delay = \"200ms\"",
        &format!("kind = \"queued\"\nconcurrency = 10\n{NO_OVERHEAD}"),
        r#"service_time = { dist = "constant", value = "86.2s" }"#,
        "",
    );
    let r = run(&text, 1);
    let s = r.summary(None);
    for (d, t) in days(&r).iter().enumerate() {
        // At most one refresh per slot cycle, and each day's are distinct connections.
        assert!(t.users.abs_diff(n / 2) <= 10, "day {d}: {t:?}");
        assert_eq!(t.users, t.successes, "day {d}: refreshed twice in a day");
    }
    assert!((s.users_per_day / (n as f64 / 2.0) - 1.0).abs() < 1e-3);
    assert!((s.coverage - 0.5).abs() < 1e-3);
    // The last 10 connections in flight at a day's end shift the cycle by at most a slot
    // cycle (86.4 s) per day: a tolerance of a few minutes on ages, 0.5 % on shares.
    let tol = 5.0 / 60.0;
    close(s.staleness_p50_hours, 24.0, tol, "p50");
    close(s.staleness_p95_hours, 45.6, tol, "p95");
    close(s.stale_24h_share, 0.5, 0.005, "stale_24h_share");
    close(s.stale_48h_share, 0.0, 0.005, "stale_48h_share");
}

/// The same half-a-day capacity, imposed by the bank: a token bucket of n/2 per day. The
/// bucket caps the day's refreshes; the queue's rejected refreshes go to its back, so which
/// connections get the day's tokens is no longer strictly round robin. Round robin gives a
/// share of time with data a day old or more of 1/2 (and 0 at 48 h); independent daily coin
/// flips (each connection refreshed on a day with probability 1/2, at a uniform time) give
/// 13/24 ≈ 0.54: at a fraction x of the day, no refresh in the last 24 h needs none today
/// before x (1 − x/2) and none yesterday after x (1 − (1 − x)/2), averaged over x; at 48 h
/// half that, 13/48 ≈ 0.27. The test accepts 0.45–0.6 (and at most 0.3 at 48 h): well
/// above the 0 of a client that keeps up.
#[test]
fn a_bank_that_serves_half_a_day_shows_in_users_and_staleness() {
    let n: u64 = 20_000;
    let rate = n as f64 / 2.0 / DAY_SECS;
    let text = one_bank(
        "length = \"6d\"\nwarmup = \"2d\"",
        n as u32,
        "poll_interval = \"10s\"",
        "kind = \"queued\"\nconcurrency = 64",
        &format!(
            "service_time = {{ dist = \"constant\", value = \"2s\" }}\n\
             limits = [{{ kind = \"token_bucket\", rate = {rate}, burst = 10 }}]"
        ),
        "",
    );
    let r = run(&text, 1);
    let s = r.summary(None);
    let half = n as f64 / 2.0;
    // The bucket admits at most burst + rate × day a day; 64 slots keep it busy.
    for (d, t) in days(&r).iter().enumerate() {
        assert!(t.successes as f64 <= half + 10.0, "day {d}: {t:?}");
        assert!(t.successes as f64 >= 0.95 * half, "day {d}: {t:?}");
    }
    assert!(
        s.users_per_day <= half + 10.0 && s.users_per_day >= 0.9 * half,
        "{}",
        s.users_per_day
    );
    let s24 = s.stale_24h_share.unwrap();
    assert!((0.45..=0.6).contains(&s24), "stale_24h_share {s24}");
    let s48 = s.stale_48h_share.unwrap();
    assert!((0.0..=0.3).contains(&s48), "stale_48h_share {s48}");
    let p50 = s.staleness_p50_hours.unwrap();
    assert!((20.0..=32.0).contains(&p50), "p50 {p50}");
}

/// With no warm-up, a 1-day run of random offsets counts the time before each connection's
/// first refresh as data never refreshed (infinitely old): half the connection-time on
/// average (offsets are uniform), so p95 is infinite. The refreshed part has age a for
/// connection-time ∫ P(24 h − U > a) = (1 − a/24 h) per unit, so the share younger than a is
/// (a − a²/48)/24 (a in hours), and the 25th percentile is 24 − √288 ≈ 7.03 h.
#[test]
fn a_day_without_warm_up_counts_never_refreshed_time() {
    let n: u64 = 20_000;
    let text = one_bank(
        "length = \"24h\"",
        n as u32,
        "poll_interval = \"10s\"",
        "kind = \"random_offset\"",
        r#"service_time = { dist = "constant", value = "0s" }"#,
        "",
    );
    let r = run(&text, 2);
    let s = r.summary(None);
    assert_eq!(s.staleness_p95_hours, Some(f64::INFINITY));
    assert_eq!(s.staleness_p99_hours, Some(f64::INFINITY));
    let h = r.staleness.histogram(None);
    let never = r.staleness.never_us(None) as f64;
    let total = h.iter().map(|&x| x as f64).sum::<f64>() + never;
    assert!((total / (n as f64 * DAY_SECS * 1e6) - 1.0).abs() < 1e-9);
    // The never share is the mean of n uniform offsets over the day: sd = 1/√(12 n).
    let sd = 1.0 / (12.0 * n as f64).sqrt();
    assert!(
        (never / total - 0.5).abs() <= 5.0 * sd,
        "never-refreshed share {}",
        never / total
    );
    // Nothing refreshed is a day old, so the share 24 h old or older is the never share.
    close(s.stale_24h_share, never / total, 1e-9, "stale_24h_share");
    // The 25th percentile: per connection the share younger than a is min(a, 24 − U)/24,
    // sd ≈ 0.081 per connection at a = 7.03 h, so 0.00057 over n; the density there is
    // (1 − 7.03/24)/24 per hour, so the percentile's sd is about 0.02 h. Allow 0.1 h plus a
    // minute of resolution.
    let p25 = r.staleness.quantile_hours(None, 0.25);
    close(p25, 24.0 - 288f64.sqrt(), 0.1 + 1.0 / 60.0, "p25");
}

// ---------------------------------------------------------------------------------------
// (e) Users per day is a daily distinct count
// ---------------------------------------------------------------------------------------

/// Summary.users_per_day is the mean over the measured days of each day's distinct users.
/// Consent expiry makes the days differ, so a wrong average would show.
#[test]
fn users_per_day_is_the_mean_of_the_measured_days() {
    let text = one_bank(
        "length = \"7d\"\nwarmup = \"1d\"",
        20_000,
        "poll_interval = \"10s\"",
        "kind = \"random_offset\"",
        r#"service_time = { dist = "constant", value = "3s" }"#,
        "",
    )
    .replace(
        "connections = 20000",
        "connections = 20000\nconsent_expiry_share = 0.1",
    );
    let r = run(&text, 4);
    let s = r.summary(None);
    let ds = days(&r);
    assert_eq!(ds.len(), 7);
    assert_eq!(r.measured_days, 6.0);
    let users: Vec<u64> = ds[1..].iter().map(|t| t.users).collect();
    let mean = users.iter().sum::<u64>() as f64 / 6.0;
    assert!(
        (s.users_per_day - mean).abs() < 1e-9,
        "{} vs {mean}",
        s.users_per_day
    );
    assert_eq!(s.tally.users, users.iter().sum::<u64>());
    // Expiry as a daily hazard of 10 %: a connection is refreshed on day d if its consent
    // outlives its offset U that day, with probability 0.9^(d + U), so day d expects
    // n · 0.9^d · E[0.9^U] = n · 0.9^d · 0.1 / λ users (λ = −ln 0.9), within binomial noise.
    let lambda = -(0.9f64.ln());
    for (d, &u) in (1..).zip(&users) {
        let p = 0.9f64.powi(d) * 0.1 / lambda;
        let (expect, sd) = (20_000.0 * p, (20_000.0 * p * (1.0 - p)).sqrt());
        assert!(
            (u as f64 - expect).abs() < 5.0 * sd,
            "day {d}: {u} users, expected {expect:.0} ± {sd:.0}"
        );
    }
    // Measured days only: day 0 (the warm-up) is left out.
    assert!(ds[0].users > users[0]);

    // A window ending mid-day: only whole days are measured (half a day's distinct users
    // are not a day's), so users per day are those of the three whole days: n each.
    let n: u64 = 20_000;
    let text = one_bank(
        "length = \"3d12h\"",
        n as u32,
        "poll_interval = \"10s\"",
        "kind = \"random_offset\"",
        r#"service_time = { dist = "constant", value = "0s" }"#,
        "",
    );
    let r = run(&text, 4);
    assert_eq!(r.measured_days, 3.0);
    let s = r.summary(None);
    assert_eq!(s.users_per_day, n as f64);
    // The half day has its own users (about n/2: the offsets in its 12 hours), left out.
    let ds = days(&r);
    assert_eq!(ds.len(), 4);
    let sd = (n as f64 * 0.25).sqrt();
    assert!(
        (ds[3].users as f64 - n as f64 / 2.0).abs() <= 5.0 * sd,
        "{:?}",
        ds[3]
    );
    assert!(!DailyRow::of_run(&r)
        .iter()
        .any(|x| x.day == 3 && x.measured));
}

/// A looping queue refreshes each of its few connections many times a day: successes per
/// day run into the thousands, users per day stay the population.
#[test]
fn users_per_day_never_exceed_the_connections() {
    let n: u64 = 100;
    let text = one_bank(
        "length = \"3d\"",
        n as u32,
        "status = \"callback\"\ndedup_window = \"0s\"",
        "kind = \"queued\"\nconcurrency = 4\nloop = true",
        r#"service_time = { dist = "constant", value = "2s" }"#,
        "",
    );
    let r = run(&text, 1);
    let s = r.summary(None);
    assert_eq!(s.users_per_day, n as f64);
    for (d, t) in days(&r).iter().enumerate() {
        assert_eq!(t.users, n, "day {d}");
        // 4 slots of about 2.2 s + overhead: over 100,000 refreshes a day.
        assert!(t.successes > 1_000 * n, "day {d}: {t:?}");
    }
    assert!(s.tally.successes as f64 / 3.0 > 100.0 * s.users_per_day);
}

// ---------------------------------------------------------------------------------------
// (f) Retry-After in whole seconds
// ---------------------------------------------------------------------------------------

/// `Bank::try_admit` sends the earliest instant it knows, rounded up to whole seconds after
/// the rejection: a penalty box of 1.5 s closed at 0.3 s says "2 s" (back at 2.3 s, not at
/// 1.8 s), a fixed 1500 ms says 2 s, a whole 3 s stays 3 s.
#[test]
fn retry_after_is_whole_seconds_after_the_rejection() {
    let bank = |limits_and_ra: &str| {
        let text = one_bank(
            "length = \"1h\"",
            10,
            "",
            "kind = \"bulk\"",
            &format!("service_time = {{ dist = \"constant\", value = \"1s\" }}\n{limits_and_ra}"),
            "",
        );
        parse(&text).banks[0].clone()
    };
    let ms = |x: u64| SimTime(x * 1_000);
    let mut b = bank(
        "retry_after = \"policy\"\n\
         limits = [{ kind = \"token_bucket\", rate = 1.0, burst = 1 }, \
                   { kind = \"penalty_box\", duration = \"1500ms\" }]",
    );
    assert!(b.try_admit(ms(0), 0, false).is_ok());
    // The bucket's next token is at 1 s; the breach closes the box until 1.8 s.
    let r = b.try_admit(ms(300), 0, false).unwrap_err();
    assert_eq!(r.retry_at, Some(ms(2_300)));
    // Rejected by the closed box itself: earliest 1.8 s, 0.8 s away, said as 1 s.
    let r = b.try_admit(ms(1_000), 0, false).unwrap_err();
    assert_eq!(r.retry_at, Some(ms(2_000)));
    assert!(b.try_admit(ms(1_800), 0, false).is_ok());

    for (ra, want) in [("1500ms", 2_000), ("3s", 3_000), ("1ms", 1_000)] {
        let mut b = bank(&format!(
            "retry_after = \"{ra}\"\n\
             limits = [{{ kind = \"token_bucket\", rate = 0.001, burst = 1 }}]"
        ));
        assert!(b.try_admit(ms(0), 0, false).is_ok());
        let r = b.try_admit(ms(700), 0, false).unwrap_err();
        assert_eq!(r.retry_at, Some(ms(700 + want)), "retry_after {ra}");
    }
}

/// End to end: retries that honour a Retry-After of 1.5 s come back 2 s after their 429.
/// Backoff is 100 ms and the callback 200 ms, so the Retry-After decides every wait: a
/// connection rejected from 0 s on is tried at 0, 2, 4, …, 58 s in a 60 s window (30
/// attempts; 1.5 s would give 40).
#[test]
fn retries_honouring_retry_after_land_whole_seconds_after_their_429() {
    let body = |bank: &str, jitter: &str| {
        one_bank(
            "length = \"60s\"",
            2,
            "status = \"callback\"\ncallback_delay = \"200ms\"\ndedup_window = \"0s\"",
            "kind = \"bulk\"",
            &format!("service_time = {{ dist = \"constant\", value = \"1s\" }}\n{bank}"),
            &format!(
                "[retry]\nmax_attempts = 1000\nbase = \"100ms\"\ncap = \"100ms\"\n\
                 jitter = \"none\"\nretry_after_jitter = \"{jitter}\""
            ),
        )
    };
    // Connection 0 takes the bucket's only token for the window; connection 1 is rejected
    // every time, with a fixed Retry-After of 1.5 s.
    let fixed = "retry_after = \"1500ms\"\n\
                 limits = [{ kind = \"token_bucket\", rate = 0.001, burst = 1 }]";
    let t = run(&body(fixed, "0s"), 1).total();
    assert_eq!(
        (t.attempts, t.successes, t.rate_limited, t.retries),
        (1 + 30, 1, 30, 29)
    );

    // A penalty box of 1.5 s behind a bucket of 1/s: from 50 connections submitted at once,
    // one is admitted per Retry-After, at 0, 2, 4, …, 58 s: 30 admissions (40 at 1.5 s).
    let boxed = "retry_after = \"policy\"\n\
                 limits = [{ kind = \"token_bucket\", rate = 1.0, burst = 1 }, \
                           { kind = \"penalty_box\", duration = \"1500ms\" }]";
    let t = run(
        &body(boxed, "0s").replace("connections = 2", "connections = 50"),
        1,
    )
    .total();
    assert_eq!(t.admitted, 30, "{t:?}");

    // A jitter of U[0, 2 s) on top: each gap is in [2 s, 4 s), so 16 to 30 attempts of
    // connection 1 (20 on average), fewer than without it.
    let t = run(&body(fixed, "2s"), 1).total();
    assert!(
        (1 + 16..1 + 30).contains(&t.attempts),
        "{} attempts with a Retry-After jitter",
        t.attempts
    );
}

// ---------------------------------------------------------------------------------------
// (g) Multi-day determinism
// ---------------------------------------------------------------------------------------

/// Two banks with limits, errors, retries and expiry, three days with a warm-up: every
/// part of the multi-day machinery runs.
const THREE_DAYS: &str = r#"
name = "three-days"
seed = 5

[window]
start = "06:00"
length = "3d"
warmup = "1d"

[population]
connections = 4000
consent_expiry_share = 0.05

[platform]
poll_interval = "10s"
dedup_window = "1h"

[strategy]
kind = "queued"
concurrency = 8

[retry]
max_attempts = 3
base = "2s"

[[banks]]
name = "a"
share = 0.6
error_rate = 0.02
service_time = { dist = "lognormal", median = "3s", p95 = "10s" }
limits = [{ kind = "concurrency", max_in_flight = 4 }]

[[banks]]
name = "b"
share = 0.4
error_rate = 0.01
service_time = { dist = "exponential", mean = "4s" }
limits = [{ kind = "token_bucket", rate = 0.02, burst = 5 }]

[sweep]
replications = 2
grid = [{ path = "strategy.concurrency", values = [4, 16] }]
"#;

#[test]
fn a_multi_day_run_is_deterministic() {
    for kind in ["queued", "random_offset", "bulk"] {
        let text = THREE_DAYS.replace("kind = \"queued\"", &format!("kind = \"{kind}\""));
        let sc = parse(&text);
        let a = sim::run(&sc, 11);
        let b = sim::run(&sc, 11);
        assert!(a == b, "{kind}: two runs with seed 11 differ");
        assert!(a.daily.len_days() == 3 && a.measured_days == 2.0);
        let bytes = |r: &RunResult| {
            [
                to_csv(&SummaryRow::of_run(r)).unwrap(),
                to_csv(&DailyRow::of_run(r)).unwrap(),
                to_csv(&MinuteRow::of_run(r)).unwrap(),
                to_csv(&AgeRow::of_run(r)).unwrap(),
            ]
        };
        assert_eq!(bytes(&a), bytes(&b), "{kind}: CSV bytes differ");
        let c = sim::run(&sc, 12);
        assert!(
            a.daily != c.daily,
            "{kind}: seeds 11 and 12 give the same days"
        );
        // Not vacuous: every day had work, and the limits bit.
        let t = a.total();
        assert!(t.rate_limited > 0 && t.successes > 0, "{kind}: {t:?}");
        assert!(days(&a).iter().all(|d| d.attempts > 0), "{kind}");
    }
}

#[test]
fn a_multi_day_sweep_is_byte_identical_for_one_and_two_threads() {
    let tmp = TempDir::new("client-sweep");
    let path = tmp.join("three-days.toml");
    std::fs::write(&path, THREE_DAYS).unwrap();
    let sweep = |threads: &str| {
        let out = tmp.join(&format!("t{threads}"));
        let o = Command::new(env!("CARGO_BIN_EXE_refresh-sim"))
            .arg("sweep")
            .arg(&path)
            .args(["--set", "strategy.kind=queued,random_offset"])
            .args(["--threads", threads, "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    };
    let (one, two) = (sweep("1"), sweep("2"));
    for f in ["sweep.csv", "sweep_summary.csv"] {
        let a = std::fs::read(one.join(f)).unwrap();
        assert_eq!(a, std::fs::read(two.join(f)).unwrap(), "{f} differs");
    }
    // Two concurrencies × two strategies × two replications, each with a multi-day figure.
    let (_, rows) = refresh_sim::output::sweep::read_sweep(&one.join("sweep.csv")).unwrap();
    assert_eq!(rows.len(), 8);
    assert!(rows.iter().all(|r| r.run.users_per_day > 0.0));
}

// ---------------------------------------------------------------------------------------
// (h) Consent expiry as a daily hazard
// ---------------------------------------------------------------------------------------

/// With a daily hazard p = 0.05, a consent lapses within d days with probability
/// 1 − 0.95^d, at an exponential instant (rate λ = −ln 0.95 a day). Random offsets submit
/// each connection once a day at its offset U (uniform on the day); one whose consent has
/// lapsed gets reconnect_required once, and is never submitted again. So over 10 days the
/// share of connections ending reconnect_required is P(T < 9 + U) =
/// 1 − 0.95⁹ · E[0.95^U] = 1 − 0.95⁹ · p/λ (the consents lapsing in the last day after the
/// offset are not met): 0.3856, where 1 − 0.95¹⁰ = 0.4013 lapse in all.
#[test]
fn consent_expiry_is_a_daily_hazard_met_once_per_connection() {
    let n: u64 = 100_000;
    let nf = n as f64;
    let p: f64 = 0.05;
    let lambda = -(1.0 - p).ln();
    let text = |kind: &str| {
        one_bank(
            "length = \"10d\"",
            n as u32,
            "poll_interval = \"10s\"",
            kind,
            r#"service_time = { dist = "constant", value = "0s" }"#,
            "",
        )
        .replace(
            "connections = 100000",
            "connections = 100000\nconsent_expiry_share = 0.05",
        )
    };
    let binomial = |q: f64| 5.0 * (nf * q * (1.0 - q)).sqrt();

    let r = run(&text("kind = \"random_offset\""), 1);
    let t = r.total();
    let q = 1.0 - 0.95f64.powi(9) * p / lambda;
    assert!((q - 0.3856).abs() < 1e-4);
    assert!(
        (t.reconnect_required as f64 - nf * q).abs() <= binomial(q),
        "{} reconnect_required, expected {:.0} ± {:.0}",
        t.reconnect_required,
        nf * q,
        binomial(q)
    );
    // The consents still valid at the end: 0.95^10 of them.
    let last = days(&r)[9];
    let valid = 0.95f64.powi(10);
    assert!((last.eligible as f64 - nf * valid).abs() <= binomial(valid));
    // Each lapsed connection meets the client once at most. A client that kept submitting
    // would count one per day after the lapse: 10 − Σₖ 0.95ᵏ · p/λ (k = 0..9) ≈ 2.2 days
    // per connection, about 2.2 n here.
    assert!(t.reconnect_required <= n - last.eligible);
    assert_eq!(t.attempts, t.successes + t.reconnect_required);

    // A daily queue with ample capacity submits everyone within 40 minutes of each day's
    // start: the share is P(T < 9 days + s) for s under 40 minutes, between 1 − 0.95⁹ and
    // 1 − 0.95^(9 + 40/1440).
    let r = run(&text("kind = \"queued\"\nconcurrency = 500"), 1);
    let t = r.total();
    let (lo, hi) = (
        1.0 - 0.95f64.powi(9),
        1.0 - 0.95f64.powf(9.0 + 40.0 / 1440.0),
    );
    let got = t.reconnect_required as f64;
    assert!(
        got >= nf * lo - binomial(lo) && got <= nf * hi + binomial(hi),
        "queued: {got} reconnect_required, expected {:.0}–{:.0}",
        nf * lo,
        nf * hi
    );
    assert!(t.reconnect_required <= n - days(&r)[9].eligible);
    assert_eq!(t.attempts, t.successes + t.reconnect_required);
}

// ---------------------------------------------------------------------------------------
// (i) Retries cannot spin on a rejecting bank
// ---------------------------------------------------------------------------------------

/// A bank that admits one call per 100 s, 8 queued slots over 1,000 connections for an
/// hour, callbacks (200 ms), and `[retry]` with 4 attempts from a 1 s base (full jitter,
/// Retry-After ignored so the backoff alone decides). A worker keeps its slot through a
/// refresh's backoffs, and a refresh whose 4 attempts fail rejoins the queue after one more
/// wait. So a slot spends, per refresh, its overhead (mean 0.39 s), 4 callbacks (0.8 s)
/// and 4 waits of U[0, 1 s), U[0, 2 s), U[0, 4 s), U[0, 8 s) (mean 7.5 s): 4 attempts per
/// 8.69 s on average, about 13,250 in the hour. The old hot loop (a failure straight back
/// to the queue, resubmitted the instant it is learned) makes one attempt per callback
/// delay per slot: 8 × 3,600 / 0.2 = 144,000.
#[test]
fn retries_against_a_rejecting_bank_stay_bounded() {
    let body = |strategy: &str, retry: &str| {
        one_bank(
            "length = \"1h\"",
            1_000,
            "status = \"callback\"\ncallback_delay = \"200ms\"\ndedup_window = \"0s\"",
            strategy,
            "service_time = { dist = \"constant\", value = \"1s\" }\n\
             limits = [{ kind = \"token_bucket\", rate = 0.01, burst = 1 }]",
            retry,
        )
    };
    let retry = "[retry]\nmax_attempts = 4\nbase = \"1s\"\nhonour_retry_after = false";
    let chain = default_overhead_mean_secs() + 4.0 * 0.2 + (0.5 + 1.0 + 2.0 + 4.0);
    let expected = 8.0 * 3600.0 * 4.0 / chain;
    let hot_loop = 8.0 * 3600.0 / 0.2;

    let t = run(&body("kind = \"queued\"\nconcurrency = 8", retry), 1).total();
    // The bucket admits at most 1 + 36 calls; the rest are 429s.
    assert!(t.admitted <= 37 && t.rate_limited + t.admitted == t.attempts);
    // About 3,300 chains: the wait's sd is 2.7 s per chain of 8.7 s, 0.5 % of the hour's
    // total; allow 5 %.
    assert!(
        (t.attempts as f64 / expected - 1.0).abs() < 0.05,
        "{} attempts, expected about {expected:.0}",
        t.attempts
    );
    assert!(t.retries as f64 > 0.7 * t.attempts as f64, "{t:?}");
    assert!(10.0 * expected < hot_loop);

    // Honouring the bank's Retry-After (up to 100 s, the next token) only lengthens waits.
    let honoured = run(
        &body(
            "kind = \"queued\"\nconcurrency = 8",
            "[retry]\nmax_attempts = 4\nbase = \"1s\"",
        ),
        1,
    )
    .total();
    assert!(honoured.attempts < t.attempts, "{honoured:?}");

    // A client with no backoff does spin: without a `[retry]` section a failure goes straight
    // back to the queue, and zero-overhead workers resubmit as soon as the callback lands.
    let old = run(
        &body(
            &format!("kind = \"queued\"\nconcurrency = 8\n{NO_OVERHEAD}"),
            "",
        ),
        1,
    )
    .total();
    assert!(
        (old.attempts as f64 / hot_loop - 1.0).abs() < 0.01,
        "{} attempts in the hot loop, expected {hot_loop}",
        old.attempts
    );
}

// ---------------------------------------------------------------------------------------
// A connection is refreshed at most once per period
// ---------------------------------------------------------------------------------------

/// A daily queue that cannot clear its connections in a day carries the rest into the
/// next day, ahead of the new pass. A carried connection refreshed on the next day is done
/// for that day ("a success makes it not due until the next period"), so with days equal to
/// periods no connection is refreshed twice in a day: each day's successes are its users,
/// and no refresh is submitted twice within the dedup window.
#[test]
fn a_connection_is_refreshed_at_most_once_per_period() {
    let n: u64 = 20_000;
    let rate = n as f64 / 2.0 / DAY_SECS;
    let text = one_bank(
        "length = \"4d\"",
        n as u32,
        "poll_interval = \"10s\"",
        "kind = \"queued\"\nconcurrency = 4",
        &format!(
            "service_time = {{ dist = \"constant\", value = \"2s\" }}\n\
             limits = [{{ kind = \"token_bucket\", rate = {rate}, burst = 1 }}]"
        ),
        "",
    );
    let r = run(&text, 1);
    for (d, t) in days(&r).iter().enumerate() {
        assert_eq!(
            t.successes, t.users,
            "day {d}: a connection refreshed twice"
        );
    }
    assert_eq!(r.total().deduplicated, 0);
}

/// A refresh that succeeds just before a period starts and is learned just after is due
/// again in the new period: the new pass skipped it while the client held it, so it rejoins
/// the queue rather than missing a whole day. Here a bank rejects everything but the last
/// ten seconds of each day; a 5 s refresh sent then succeeds at 23:59:55 and is learned at
/// the 00:00:00 poll, and with free slots at the period start every day must still count
/// all ten users.
#[test]
fn a_success_learned_after_the_period_start_is_due_again() {
    let n = 10u64;
    let text = one_bank(
        "length = \"4d\"",
        n as u32,
        "poll_interval = \"10s\"\ndedup_window = \"0s\"",
        &format!("kind = \"queued\"\nconcurrency = 20\n{NO_OVERHEAD}"),
        r#"service_time = { dist = "constant", value = "5s" }
limits = [{ kind = "maintenance", start = "00:00", end = "23:59:50" }]"#,
        "",
    );
    let r = run(&text, 1);
    for (d, x) in days(&r).iter().enumerate() {
        assert_eq!(x.users, n, "day {d}: {x:?}");
    }
}

/// A 429 the retry policy does not retry (`on = ["error"]`) is a failure like any other for
/// the queue: it goes straight back, whatever Retry-After the bank sent (the worker does not
/// sleep on it), so an hour's Retry-After changes nothing.
#[test]
fn a_429_the_policy_does_not_retry_is_requeued_at_once() {
    let attempts = |retry_after: &str| {
        let text = one_bank(
            "length = \"1h\"",
            2_000,
            "status = \"callback\"",
            "kind = \"queued\"\nconcurrency = 8",
            &format!(
                r#"service_time = {{ dist = "constant", value = "1s" }}
retry_after = "{retry_after}"
limits = [{{ kind = "token_bucket", rate = 0.5, burst = 1 }}]"#
            ),
            "[retry]\nmax_attempts = 4\nbase = \"1s\"\non = [\"error\"]",
        );
        run(&text, 1).total()
    };
    let (none, hour) = (attempts("none"), attempts("1h"));
    assert!(none.rate_limited > 1_000, "{none:?}");
    assert_eq!(
        (hour.attempts, hour.rate_limited),
        (none.attempts, none.rate_limited)
    );
}

/// A run shorter than a day refreshes each connection once within it: the period defaults
/// to the window when the window is shorter than a day (offsets spread over a day the run
/// does not see would leave most connections out).
#[test]
fn a_run_shorter_than_a_day_refreshes_every_connection_once() {
    let n = 5_000u64;
    for kind in ["random_offset", "queued\nconcurrency = 50", "bulk"] {
        let text = one_bank(
            "length = \"8h\"",
            n as u32,
            "poll_interval = \"10s\"",
            &format!("kind = \"{kind}\""),
            r#"service_time = { dist = "constant", value = "1s" }"#,
            "",
        )
        .replace(
            "kind = \"queued\nconcurrency = 50\"",
            "kind = \"queued\"\nconcurrency = 50",
        );
        let t = run(&text, 2).total();
        assert_eq!((t.attempts, t.successes), (n, n), "{kind}");
    }
}
