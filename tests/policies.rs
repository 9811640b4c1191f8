//! Bank policies, client retries and validation against theory (issue 3), end to end.

use refresh_sim::metrics::RunResult;
use refresh_sim::scenario::{self, Scenario};
use refresh_sim::{experiment::validate, sim};
use std::process::Command;

const MIN: usize = 1; // minutes per series bucket

fn scenario(body: &str) -> Scenario {
    scenario::parse(body, "test.toml", "test", &[]).unwrap_or_else(|e| panic!("{e}"))
}

fn run(body: &str) -> RunResult {
    let sc = scenario(body);
    sim::run(&sc, sc.seed)
}

/// A one-bank scenario: `strategy` and `bank` are TOML bodies of their tables.
fn one_bank(connections: u32, strategy: &str, bank: &str, extra: &str) -> String {
    format!(
        "[window]\nlength = \"24h\"\n[population]\nconnections = {connections}\n\
         [platform]\nstatus = \"callback\"\ndedup_window = \"0s\"\n\
         [strategy]\n{strategy}\n{extra}\n[[banks]]\nname = \"b\"\nshare = 1.0\n{bank}\n"
    )
}

fn conservation(r: &RunResult) {
    for t in r.banks.iter().chain(std::iter::once(&r.total())) {
        assert_eq!(t.attempts, t.outcomes(), "{t:?}");
    }
}

#[test]
fn validation_against_theory_passes() {
    // The same checks as `refresh-sim validate`, with fewer replications (wider intervals).
    let checks = validate::run_all(6, 7);
    assert!(checks.len() >= 18);
    for c in &checks {
        assert!(c.pass, "{c:?}");
    }
    // At least four Erlang B points, one with A > c.
    let erlang_b: Vec<_> = checks
        .iter()
        .filter(|c| c.name.starts_with("Erlang B"))
        .collect();
    assert!(erlang_b.len() >= 4);
    assert!(erlang_b.iter().any(|c| c.name.contains("c = 4, A = 6")));
}

#[test]
fn validation_detects_a_wrong_model() {
    // The check must be able to fail: compare Erlang B's figures against the wrong load.
    let checks = validate::erlang_b_checks(6, 3);
    for c in &checks {
        let wrong = refresh_sim::stats::erlang_b(1, c.theory + 0.5);
        assert!(
            (c.model - wrong).abs() > c.tolerance,
            "tolerance too loose to catch {c:?}"
        );
    }
}

#[test]
fn full_jitter_needs_fewer_calls_than_plain_exponential_backoff() {
    let rows = validate::contention(200, 1);
    let get = |m: &str| rows.iter().find(|r| r.mode.starts_with(m)).unwrap().clone();
    let (none, full, exp) = (get("no backoff"), get("full"), get("exponential"));
    for r in &rows {
        assert_eq!(r.succeeded, 200, "{r:?}");
    }
    assert!(full.calls < exp.calls, "{full:?} vs {exp:?}");
    assert!(full.completion_secs < exp.completion_secs);
    // No backoff finishes first, near the bank's capacity (200 calls of 1 s, 2 at a time:
    // 100 s; each of a slot's 100 calls can leave it idle for at most one retry interval plus
    // the callback, 51 ms), but makes by far the most calls.
    assert!(
        none.completion_secs >= 100.0 && none.completion_secs <= 100.0 + 100.0 * 0.051,
        "{none:?}"
    );
    assert!(rows
        .iter()
        .all(|r| r.completion_secs >= none.completion_secs));
    assert!(rows.iter().all(|r| r.calls <= none.calls));
}

#[test]
fn retries_follow_the_binomial_law_on_errors() {
    // Errors only, p = 0.3, up to 3 attempts: a refresh fails for good with p³.
    let n = 50_000;
    let r = run(&one_bank(
        n,
        "kind = \"random_offset\"",
        "error_rate = 0.3\nservice_time = { dist = \"constant\", value = \"1s\" }",
        "[retry]\nmax_attempts = 3\nbase = \"1s\"\ncap = \"10s\"\njitter = \"full\"",
    ));
    conservation(&r);
    let t = r.total();
    let p: f64 = 0.3;
    let expect_share = 1.0 - p.powi(3);
    let share = t.refreshed as f64 / n as f64;
    let sd = (expect_share * (1.0 - expect_share) / n as f64).sqrt();
    assert!(
        (share - expect_share).abs() < 5.0 * sd,
        "share {share} vs {expect_share}"
    );
    // Expected retries per refresh: p + p².
    let expect_retries = n as f64 * (p + p * p);
    assert!(
        (t.retries as f64 - expect_retries).abs() < 0.02 * expect_retries,
        "{}",
        t.retries
    );
    assert_eq!(t.attempts, n as u64 + t.retries);
}

#[test]
fn reconnect_required_is_never_retried() {
    let r = run(&one_bank(
        5_000,
        "kind = \"random_offset\"",
        "service_time = { dist = \"constant\", value = \"1s\" }",
        "[retry]\nmax_attempts = 5",
    )
    .replace(
        "connections = 5000",
        "connections = 5000\nconsent_expiry_share = 1.0",
    ));
    let t = r.total();
    assert!(t.reconnect_required > 1_000);
    assert_eq!(t.retries, 0);
}

#[test]
fn retry_after_is_honoured_exactly() {
    // 10 calls per hour (fixed window), 100 refreshes at 00:00, up to 3 attempts each.
    let bank = "service_time = { dist = \"constant\", value = \"1s\" }\nretry_after = \"policy\"\n\
                limits = [{ kind = \"fixed_window\", limit = 10, window = \"1h\" }]";
    let body = |honour: bool| {
        one_bank(
            100,
            "kind = \"bulk\"",
            bank,
            &format!("[retry]\nmax_attempts = 3\nbase = \"1s\"\ncap = \"4s\"\njitter = \"none\"\nhonour_retry_after = {honour}"),
        )
    };
    let honoured = run(&body(true)).total();
    // 10 succeed at 00:00, 10 of the 90 retries at 01:00, 10 of the last 80 at 02:00.
    assert_eq!((honoured.successes, honoured.attempts), (30, 100 + 90 + 80));
    // Ignoring Retry-After, both retries land within seconds, in the same window.
    let ignored = run(&body(false)).total();
    assert_eq!((ignored.successes, ignored.attempts), (10, 100 + 90 + 90));
}

#[test]
fn a_backing_off_retry_frees_its_queued_slot() {
    // `backoff_slot = "free"`: a backing-off retry hands its slot to the next refresh (as job
    // queues do) and takes one back when due; `hold` (the default) keeps it. Either way no
    // more than 8 refreshes are outstanding.
    let body = |slot: &str| {
        one_bank(
            2_000,
            "kind = \"queued\"\nconcurrency = 8",
            "service_time = { dist = \"constant\", value = \"2s\" }\nlimits = [{ kind = \"concurrency\", max_in_flight = 3 }]",
            &format!("[retry]\nmax_attempts = 4\nbase = \"30s\"\ncap = \"5m\"\nbackoff_slot = \"{slot}\""),
        )
    };
    for slot in ["free", "hold"] {
        let r = run(&body(slot));
        conservation(&r);
        let t = r.total();
        assert!(t.retries > 0 && t.rate_limited > 0, "{slot}: {t:?}");
        assert!(
            t.peak_outstanding <= 8,
            "{slot}: slots exceeded: {}",
            t.peak_outstanding
        );
        assert!(t.peak_in_flight <= 3);
    }
}

#[test]
fn psd2_quota_caps_accesses_per_connection() {
    // 50 connections refreshed by a looping queue in passes every ~10 s: without the quota
    // each would be refreshed thousands of times a day.
    let r = run(&one_bank(
        50,
        "kind = \"queued\"\nconcurrency = 10\nloop = true",
        "preset = \"psd2-4-per-day\"\nerror_rate = 0.0",
        "",
    ));
    conservation(&r);
    let t = r.total();
    assert_eq!(t.successes, 4 * 50, "4 per connection per rolling 24 h");
    assert!(t.rate_limited > 1_000);
}

#[test]
fn maintenance_window_rejects_everything_while_open() {
    let r = run(&one_bank(
        200_000,
        "kind = \"random_offset\"",
        "preset = \"nightly-maintenance\"",
        "",
    ));
    conservation(&r);
    let m = &r.series.minutes; // one bank: one bucket per minute
    for (i, x) in m.iter().enumerate().take(180 * MIN).skip(60 * MIN) {
        assert_eq!(x.admitted, 0, "minute {i} inside 01:00-03:00");
        assert!(x.rate_limited > 0, "minute {i}");
    }
    assert!(m[59].admitted > 0 && m[180].admitted > 0);
    // The client's own 429s leave the window's 503s out: counted again from the minutes.
    let row = &refresh_sim::output::summary::SummaryRow::of_run(&r)[1];
    let own: u64 = m
        .iter()
        .map(|x| (x.rate_limited - x.outage_rejected) as u64)
        .sum();
    assert!(row.outage_rejected > 0 && row.client_failure_rate < row.failure_rate);
    let want = own as f64 / row.attempts as f64;
    assert!(
        (row.client_failure_rate - want).abs() < 1e-6,
        "{row:?} {want}"
    );
}

#[test]
fn penalty_box_blocks_after_a_breach() {
    let r = run(&one_bank(
        300_000,
        "kind = \"random_offset\"",
        "preset = \"penalty-box\"",
        "",
    ));
    conservation(&r);
    let t = r.total();
    // Offered ≈ 3.5/s against 2/s: breaches are constant, and each closes the bank for 2 min,
    // so far fewer than 2/s get through.
    assert!(t.admitted as f64 / 86_400.0 < 1.0, "{}", t.admitted);
    // Some minutes admit nothing at all.
    assert!(r
        .series
        .minutes
        .iter()
        .any(|x| x.admitted == 0 && x.rate_limited > 0));
}

#[test]
fn cdr_thresholds_follow_the_time_of_day() {
    let r = run(&one_bank(
        3_000_000,
        "kind = \"random_offset\"",
        "preset = \"cdr-au\"",
        "",
    ));
    let per_min: Vec<u32> = r.series.minutes.iter().map(|x| x.admitted).collect();
    let night = per_min[..360].iter().max().unwrap();
    let day = per_min[360..1440].iter().max().unwrap();
    // 50 TPS (burst 50) at night, 5 TPS (burst 10) by day.
    assert!(
        *night <= 50 * 60 + 50 && *night > 5 * 60 + 10,
        "night {night}"
    );
    assert!(*day <= 5 * 60 + 10, "day {day}");
    // Eight calls a refresh: the night's 50 calls a second are 6.25 refreshes, the day's 5
    // are 0.625 (a burst of 10 holds one refresh).
    let r = run(&one_bank(
        3_000_000,
        "kind = \"random_offset\"",
        "preset = \"cdr-au\"\ncalls_per_refresh = 8",
        "",
    ));
    let per_min: Vec<u32> = r.series.minutes.iter().map(|x| x.admitted).collect();
    let night = per_min[..360].iter().max().unwrap();
    let day = per_min[360..1440].iter().max().unwrap();
    assert!((6 * 60..=6 * 60 + 32).contains(night), "night {night}");
    assert!((36..=38 + 1).contains(day), "day {day}");
}

/// The calls at the bank are its admitted refreshes times its calls a refresh, in the
/// summary (the bank's row and `all`) and minute by minute; the limit counts them as calls.
#[test]
fn calls_at_the_bank_count_each_refreshs_calls() {
    use refresh_sim::output::{daily::DailyRow, summary::SummaryRow, timeseries::MinuteRow};
    let r = run(&one_bank(
        2_000,
        "kind = \"random_offset\"",
        "service_time = { dist = \"constant\", value = \"1s\" }\ncalls_per_refresh = 3\n\
         limits = [{ kind = \"token_bucket\", rate = 0.03, burst = 300 }]",
        "",
    ));
    let t = &r.banks[0];
    // The burst holds 100 refreshes, the day adds 0.03 × 86,400 / 3 = 864.
    assert!((900..=964).contains(&t.admitted), "{t:?}");
    let rows = SummaryRow::of_run(&r);
    for row in &rows {
        assert_eq!(row.bank_calls, 3 * row.admitted, "{row:?}");
    }
    let minutes: u64 = MinuteRow::of_run(&r).iter().map(|m| m.bank_calls).sum();
    assert_eq!(minutes, 3 * t.admitted);
    assert_eq!(t.customer_bank_calls, 0);
    // With customers, their part is told apart: their admitted calls, three calls each;
    // over three days, each day's calls in `daily.csv` add up to the run's.
    let r = run(&one_bank(
        2_000,
        "kind = \"random_offset\"",
        "service_time = { dist = \"constant\", value = \"1s\" }\ncalls_per_refresh = 3",
        "[on_demand]\nper_day = 500.0",
    )
    .replace("length = \"24h\"", "length = \"3d\""));
    let t = &r.banks[0];
    assert!(
        t.present_admitted > 400 && t.present_admitted < t.admitted,
        "{t:?}"
    );
    assert_eq!(t.customer_bank_calls, 3 * t.present_admitted);
    let rows = MinuteRow::of_run(&r);
    let customers: u64 = rows.iter().map(|m| m.customer_bank_calls).sum();
    assert_eq!(customers, t.customer_bank_calls);
    assert_eq!(SummaryRow::of_run(&r)[1].customer_bank_calls, customers);
    let days: Vec<DailyRow> = DailyRow::of_run(&r)
        .into_iter()
        .filter(|d| d.bank == "b")
        .collect();
    assert_eq!(days.len(), 3);
    let sum = |f: fn(&DailyRow) -> u64| days.iter().map(f).sum::<u64>();
    assert_eq!(sum(|d| d.bank_calls), t.bank_calls);
    assert_eq!(sum(|d| d.customer_bank_calls), t.customer_bank_calls);
    for d in &days {
        // A day's calls: about its 2,000 refreshes' and 500 requests', three calls each.
        assert!((6_000..9_000).contains(&d.bank_calls), "{d:?}");
        assert!((1_000..2_000).contains(&d.customer_bank_calls), "{d:?}");
    }
}

/// A refresh's calls must fit in a policy: a burst or a window smaller than the bank's
/// calls a refresh is refused, naming the policy's field.
#[test]
fn a_refresh_that_never_fits_is_refused() {
    let text = one_bank(
        1_000,
        "kind = \"bulk\"",
        "service_time = { dist = \"constant\", value = \"1s\" }\ncalls_per_refresh = 8\n\
         limits = [{ kind = \"token_bucket\", rate = 10.0, burst = 4 }]",
        "",
    );
    let e = refresh_sim::scenario::parse(&text, "s.toml", "s", &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("banks[0].limits[0].burst") && e.contains("no refresh ever fits"),
        "{e}"
    );
    // A preset's limits are named as the preset's.
    let text = one_bank(
        1_000,
        "kind = \"bulk\"",
        "preset = \"cdr-au\"\ncalls_per_refresh = 16",
        "",
    );
    let e = refresh_sim::scenario::parse(&text, "s.toml", "s", &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("limits[1].burst") && e.contains("preset \"cdr-au\""),
        "{e}"
    );
}

#[test]
fn a_queueing_bank_delays_instead_of_rejecting() {
    let r = run(&one_bank(
        250_000,
        "kind = \"random_offset\"",
        "preset = \"queueing-bank\"",
        "",
    ));
    let t = r.total();
    assert_eq!(t.rate_limited, 0);
    assert!(t.waited > 0);
    assert!(t.peak_in_flight > 8, "waiting calls count as in flight");
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_refresh-sim"))
}

#[test]
fn presets_command_lists_them_with_descriptions() {
    let out = bin().arg("presets").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for name in [
        "psd2-4-per-day",
        "cdr-au",
        "strict-concurrency",
        "fixed-window",
        "nightly-maintenance",
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} missing"));
        assert!(line.len() > name.len() + 10, "{line}");
    }
}

#[test]
fn validate_command_prints_pass_and_exits_zero() {
    let out = bin()
        .args(["validate", "--replications", "4"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("PASS") && !text.contains("FAIL"));
    assert!(
        text.contains("Erlang C") && text.contains("Little") && text.contains("sliding window")
    );
}

/// Writes `body` to a fresh file and runs `check` on it; returns (status, stderr).
fn check_text(name: &str, body: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.toml"));
    std::fs::write(&path, body).unwrap();
    let out = bin().arg("check").arg(&path).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_policy_and_retry_input_is_named() {
    let st = "service_time = { dist = \"constant\", value = \"1s\" }";
    let cases = [
        (
            "window0",
            format!("{st}\nlimits = [{{ kind = \"fixed_window\", limit = 5, window = \"0s\" }}]"),
            "",
            "banks[0].limits[0].window",
        ),
        (
            "k0",
            format!("{st}\nlimits = [{{ kind = \"quota\", k = 0 }}]"),
            "",
            "banks[0].limits[0].k",
        ),
        (
            "maint",
            format!(
                "{st}\nlimits = [{{ kind = \"maintenance\", start = \"03:00\", end = \"01:00\" }}]"
            ),
            "",
            "banks[0].limits[0].end",
        ),
        (
            "preset",
            "preset = \"no-such-bank\"".to_string(),
            "",
            "banks[0].preset",
        ),
        (
            "retryon",
            st.to_string(),
            "[retry]\nmax_attempts = 3\non = [\"reconnect_required\"]",
            "retry.on",
        ),
        (
            "jitter",
            st.to_string(),
            "[retry]\nmax_attempts = 3\njitter = \"wobbly\"",
            "retry.jitter",
        ),
        (
            "attempts",
            st.to_string(),
            "[retry]\nmax_attempts = 0",
            "retry.max_attempts",
        ),
    ];
    for (name, bank, extra, field) in cases {
        let (code, err) = check_text(name, &one_bank(10, "kind = \"bulk\"", &bank, extra));
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains(field), "{name}: expected `{field}` in: {err}");
        assert!(
            err.contains(&format!("{name}.toml")),
            "{name}: file not named: {err}"
        );
    }
    let (_, err) = check_text(
        "preset2",
        &one_bank(10, "kind = \"bulk\"", "preset = \"nope\"", ""),
    );
    assert!(
        err.contains("psd2-4-per-day"),
        "known presets are listed: {err}"
    );
}

#[test]
fn warmup_is_left_out_of_time_averages_only() {
    // 100 calls of one hour at 00:00 in a 10 h window: all activity lies in the first hour.
    let body = |warmup: &str| {
        one_bank(
            100,
            "kind = \"bulk\"",
            "service_time = { dist = \"constant\", value = \"1h\" }",
            "",
        )
        .replace(
            "length = \"24h\"",
            &format!("length = \"10h\"\nwarmup = \"{warmup}\""),
        )
    };
    let cold = run(&body("0s"));
    let s = cold.summary(None);
    assert!(
        (s.mean_in_flight - 10.0).abs() < 1e-9,
        "{}",
        s.mean_in_flight
    );
    assert!((s.refreshes_per_hour - 10.0).abs() < 1e-9);
    let warm = run(&body("2h"));
    let s = warm.summary(None);
    assert_eq!(s.mean_in_flight, 0.0);
    assert_eq!(s.refreshes_per_hour, 0.0);
    // Counts and shares still cover the whole window.
    assert_eq!(s.tally.successes, 100);
    assert_eq!(s.coverage, 1.0);
    let (code, err) = check_text("warmup", &body("10h"));
    assert_eq!(code, 2);
    assert!(err.contains("window.warmup"), "{err}");
}

#[test]
fn queued_slots_keep_cycling_with_retries() {
    // 8 slots of zero-overhead workers, a 2 s call and a 200 ms callback over a population
    // no day can clear. A leaked slot would show as missing attempts (1/8 of them).
    let body = |slot: &str| {
        one_bank(
            1_000_000,
            "kind = \"queued\"\nconcurrency = 8\n\
             worker_overhead = { dist = \"constant\", value = \"0s\" }",
            "error_rate = 0.5\nservice_time = { dist = \"constant\", value = \"2s\" }",
            &format!(
                "[retry]\nmax_attempts = 4\nbase = \"5s\"\ncap = \"1m\"\nbackoff_slot = \"{slot}\""
            ),
        )
    };

    // A backing-off retry frees its slot and takes one back when due: every slot cycle is
    // one attempt of 2.2 s, whether it succeeds, fails or retries.
    let r = run(&body("free"));
    conservation(&r);
    let t = r.total();
    let slot_cycles = 8.0 * 86_400.0 / 2.2;
    assert!(t.retries > 10_000);
    assert!(
        t.attempts as f64 <= slot_cycles + 8.0 && t.attempts as f64 >= 0.999 * slot_cycles,
        "free: attempts {} vs {slot_cycles}",
        t.attempts
    );

    // A worker that keeps its slot while it waits spends, per refresh (a chain of up to 4
    // attempts, each failing with p = 1/2), 2.2 s per attempt plus the waits after each
    // failure, full jitter U[0, 5 s · 2^k) (mean 2.5 s · 2^k), the last before the refresh
    // rejoins the queue. Per chain: E[attempts] = 1 + 1/2 + 1/4 + 1/8 = 1.875, E[wait] =
    // 1/2 · 2.5 + 1/4 · 5 + 1/8 · 10 + 1/16 · 20 = 5 s, so E[slot time] = 1.875 · 2.2 + 5 =
    // 9.125 s and attempts ≈ 8 · 86,400 · 1.875 / 9.125 (renewal reward). About 75,000
    // chains with a slot-time sd of about 12 s each: a relative sd of 0.5 %; allow 2 %.
    let r = run(&body("hold"));
    conservation(&r);
    let t = r.total();
    let expected = 8.0 * 86_400.0 * 1.875 / 9.125;
    assert!(
        (t.attempts as f64 / expected - 1.0).abs() < 0.02,
        "hold: attempts {} vs {expected}",
        t.attempts
    );
    assert!(t.attempts as f64 <= slot_cycles + 8.0);
}

#[test]
fn calls_finishing_after_the_window_do_not_count_as_refreshed_in_it() {
    // One server, 1 s calls, 10,000 submitted at once into a 1 h window: the bank can
    // answer 3,600 within the hour; the rest drain afterwards.
    let r = run(&one_bank(
        10_000,
        "kind = \"bulk\"",
        "service_time = { dist = \"constant\", value = \"1s\" }\nservers = 1",
        "",
    )
    .replace("length = \"24h\"", "length = \"1h\""));
    conservation(&r);
    let s = r.summary(None);
    assert_eq!(
        s.tally.successes, 10_000,
        "every attempt still has its outcome"
    );
    assert_eq!(s.tally.late_successes, 10_000 - 3_599);
    assert_eq!(
        s.tally.refreshed, 3_599,
        "the call finishing exactly at 01:00 is outside [00:00, 01:00)"
    );
    assert!((s.refreshes_per_hour - 3_599.0).abs() < 1e-9);
    assert!((s.coverage - 0.3599).abs() < 1e-12);
}

#[test]
fn a_retry_after_does_not_outlive_its_429() {
    // 429s are not retried here (only errors are), and a random-offset client gives up a
    // refresh the policy does not retry until the connection's next period (an hour later).
    // A Retry-After speaks for its 429 only, never for the connection's later attempts
    // (retries of errors included), so the bank's Retry-After, even one reaching past the
    // next period, must change nothing at all.
    let body = |ra: &str| {
        one_bank(
            1_000,
            "kind = \"random_offset\"\nperiod = \"1h\"",
            &format!(
                "error_rate = 0.2\nservice_time = {{ dist = \"constant\", value = \"2s\" }}\nretry_after = \"{ra}\"\n\
                 limits = [{{ kind = \"concurrency\", max_in_flight = 1 }}]"
            ),
            "[retry]\nmax_attempts = 3\nbase = \"1s\"\non = [\"error\"]",
        )
    };
    let a = run(&body("none")).total();
    let b = run(&body("20h")).total();
    assert!(a.rate_limited > 0 && a.retries > 0);
    assert_eq!(
        (a.attempts, a.successes, a.retries, a.rate_limited),
        (b.attempts, b.successes, b.retries, b.rate_limited)
    );
    // Every connection is submitted every hour: 24 periods.
    assert_eq!(a.attempts, 24 * 1_000 + a.retries);
}

#[test]
fn reserved_and_degenerate_values_are_rejected() {
    let st = "service_time = { dist = \"constant\", value = \"1s\" }";
    let (code, err) = check_text(
        "all",
        &one_bank(10, "kind = \"bulk\"", st, "").replace("name = \"b\"", "name = \"all\""),
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("banks[0].name") && err.contains("reserved"),
        "{err}"
    );
    let tiny = format!("{st}\nlimits = [{{ kind = \"token_bucket\", rate = 2e-10, burst = 6 }}]");
    let (code, err) = check_text("tiny", &one_bank(10, "kind = \"bulk\"", &tiny, ""));
    assert_eq!(code, 2);
    assert!(err.contains("banks[0].limits[0].rate"), "{err}");
}
