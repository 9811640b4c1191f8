//! A paced client's pace by the hour (`strategy.pace_profile`), end to end: the pace each
//! hour is the weight times the given pace; paced over the period, the pass still fills
//! the day; under the CDR's time-of-day thresholds a profiled client refreshes three times
//! as many as a constant one, with no more 429s; a bank's own profile
//! (`strategy.pace_profiles`) paces its pool alone; and bad profiles are refused by field.

mod common;

use common::{sim, TempDir};
use refresh_sim::metrics::RunResult;
use refresh_sim::scenario;
use refresh_sim::sim;

/// Ten at night (00:00–06:00), one by day.
const CDR: &str = "[10, 10, 10, 10, 10, 10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]";

/// One bank `b` of `connections`, a day from 00:00, paced by `strategy`.
fn text(connections: u32, strategy: &str, bank: &str) -> String {
    format!(
        "[window]\nstart = \"00:00\"\nlength = \"24h\"\n[population]\nconnections = {connections}\n\
         [platform]\nstatus = \"callback\"\ndedup_window = \"0s\"\n\
         [strategy]\nkind = \"paced\"\n{strategy}\n\
         [[banks]]\nname = \"b\"\nshare = 1.0\n{bank}\n"
    )
}

fn run(text: &str) -> RunResult {
    let sc = scenario::parse(text, "t.toml", "t", &[]).unwrap_or_else(|e| panic!("{e}"));
    sim::run(&sc, sc.seed)
}

const ONE_SECOND: &str = "service_time = { dist = \"constant\", value = \"1s\" }";

/// Submissions in each minute of the first day, over every bank.
fn per_minute(r: &RunResult) -> Vec<u32> {
    let banks = r.series.banks;
    r.series.minutes[..1440 * banks]
        .chunks(banks)
        .map(|m| m.iter().map(|b| b.submitted).sum())
        .collect()
}

/// One a second by day, ten a second by night: 600 a minute, then 60; the change at 06:00
/// is on the minute.
#[test]
fn the_pace_each_hour_is_the_weight_times_the_rate() {
    let r = run(&text(
        500_000,
        &format!("rates = {{ b = 1.0 }}\npace_profile = {CDR}"),
        ONE_SECOND,
    ));
    let m = per_minute(&r);
    assert!(
        m[..360].iter().all(|&n| (599..=601).contains(&n)),
        "{:?}",
        &m[..360]
    );
    assert!(
        m[360..].iter().all(|&n| (59..=61).contains(&n)),
        "{:?}",
        &m[360..400]
    );
    let night: u32 = m[..360].iter().sum();
    assert!((215_990..=216_010).contains(&night), "{night}");
}

/// Paced over the period (no rate), the pass still takes the day: 7,800 connections over a
/// weighted day of 78 hours is one every 36 s at weight 1, every 3.6 s by night, so 6,000
/// by 06:00 and the rest by the day's end, every one refreshed.
#[test]
fn a_pace_over_the_period_still_fills_the_period() {
    let r = run(&text(7_800, &format!("pace_profile = {CDR}"), ONE_SECOND));
    let night: u32 = per_minute(&r)[..360].iter().sum();
    assert!((5_998..=6_001).contains(&night), "{night}");
    let t = r.total();
    assert_eq!(t.successes, 7_800);
    let last = r.series.minutes[1380..1440]
        .iter()
        .map(|m| m.submitted)
        .sum::<u32>();
    assert!(
        last >= 90,
        "the pass ends before the day does: {last} in its last hour"
    );
}

/// The CDR preset at eight calls a refresh: 6.25 refreshes a second fit its night and 0.625
/// its day. A client paced at the day's pace all day gets 54,000; one at the night's gets
/// 429s by day; the profiled one gets the night's 135,000 and the day's 40,500 with the
/// constant one's handful of 429s.
#[test]
fn a_profiled_client_follows_the_cdrs_time_of_day_thresholds() {
    let bank = "preset = \"cdr-au\"\ncalls_per_refresh = 8";
    let day = run(&text(400_000, "rates = { b = 0.625 }", bank)).total();
    let night = run(&text(400_000, "rates = { b = 6.25 }", bank)).total();
    let profiled = run(&text(
        400_000,
        &format!("rates = {{ b = 0.625 }}\npace_profile = {CDR}"),
        bank,
    ))
    .total();
    assert!((53_900..=54_000).contains(&day.admitted), "{day:?}");
    assert!(night.rate_limited > 300_000, "{night:?}");
    assert!(
        (175_000..=175_500).contains(&profiled.admitted),
        "{profiled:?}"
    );
    assert!(
        profiled.rate_limited <= day.rate_limited + 10,
        "{profiled:?} vs {day:?}"
    );
}

/// An hour of weight 0 stops the ticks; the client resumes when the next hour has weight.
#[test]
fn hours_of_weight_zero_submit_nothing() {
    let mut w = vec!["1"; 24];
    w[2..5].fill("0");
    let r = run(&text(
        500_000,
        &format!("rates = {{ b = 1.0 }}\npace_profile = [{}]", w.join(", ")),
        ONE_SECOND,
    ));
    let m = per_minute(&r);
    assert!(m[120..300].iter().all(|&n| n == 0));
    assert!(m[300..].iter().all(|&n| n >= 59), "{:?}", &m[300..310]);
}

/// A retry that comes due in an hour of weight 0 waits for the next hour with weight, as
/// the ticks do (a worker that kept its slot included): 429s from a bucket at half the
/// pace, retried after 5 s to 40 s.
#[test]
fn retries_wait_out_hours_of_weight_zero_too() {
    let mut w = vec!["1"; 24];
    w[2..5].fill("0");
    let r = run(&text(
        500_000,
        &format!(
            "rates = {{ b = 1.0 }}\npace_profile = [{}]\n[retry]\nmax_attempts = 5\nbase = \"5s\"\n\
             cap = \"40s\"\nhonour_retry_after = false",
            w.join(", ")
        ),
        &format!("{ONE_SECOND}\nlimits = [{{ kind = \"token_bucket\", rate = 0.5, burst = 2 }}]"),
    ));
    assert!(r.total().retries > 10_000, "{:?}", r.total());
    let m = per_minute(&r);
    assert!(m[120..300].iter().all(|&n| n == 0), "{:?}", &m[120..125]);
    assert!(m[300..310].iter().all(|&n| n >= 60), "{:?}", &m[300..310]);
}

/// A window opening at 18:00: the profile follows the clock, not the window.
#[test]
fn the_profile_follows_the_clock() {
    let r = run(&text(
        500_000,
        &format!("rates = {{ b = 1.0 }}\npace_profile = {CDR}"),
        ONE_SECOND,
    )
    .replace("start = \"00:00\"", "start = \"18:00\""));
    let m = per_minute(&r);
    // Minute 0 is 18:00: six hours at 60 a minute, then six at 600 from midnight.
    assert!(
        m[..360].iter().all(|&n| (59..=61).contains(&n)),
        "{:?}",
        &m[..5]
    );
    assert!(
        m[360..720].iter().all(|&n| (599..=601).contains(&n)),
        "{:?}",
        &m[360..365]
    );
}

/// Bad profiles are refused naming the field and why.
#[test]
fn bad_profiles_are_refused_by_field() {
    let refused = |strategy: &str| {
        scenario::parse(&text(100, strategy, ONE_SECOND), "t.toml", "t", &[])
            .unwrap_err()
            .to_string()
    };
    let e = refused("pace_profile = [1, 2]");
    assert!(
        e.contains("strategy.pace_profile") && e.contains("24 weights"),
        "{e}"
    );
    let zeros = format!("pace_profile = [{}]", vec!["0"; 24].join(", "));
    assert!(refused(&zeros).contains("not all zero"));
    let e = refused(&format!("period = \"12h\"\npace_profile = {CDR}"));
    assert!(e.contains("daily period"), "{e}");
    let mut w = vec!["1"; 24];
    w[1..3].fill("0");
    let e = refused(&format!(
        "hours = [\"01:00\", \"03:00\"]\npace_profile = [{}]",
        w.join(", ")
    ));
    assert!(
        e.contains("weight 0") && e.contains("strategy.hours"),
        "{e}"
    );
    // Another kind notes it reads nothing of it.
    let sc = scenario::parse(
        &text(100, &format!("pace_profile = {CDR}"), ONE_SECOND)
            .replace("kind = \"paced\"", "kind = \"queued\"\nconcurrency = 2"),
        "t.toml",
        "t",
        &[],
    )
    .unwrap();
    let notes = sc.notes();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("strategy.pace_profile: only kind = \"paced\"")),
        "{notes:?}"
    );
}

/// Two banks `a` and `b` of 250,000 connections each, a second a call, paced by `strategy`.
fn two_banks(strategy: &str) -> String {
    text(500_000, strategy, ONE_SECOND).replace(
        "name = \"b\"\nshare = 1.0",
        &format!("name = \"a\"\nshare = 0.5\n{ONE_SECOND}\n[[banks]]\nname = \"b\"\nshare = 0.5"),
    )
}

/// A bank's own profile paces its pool alone: `a` ten times faster by night, `b` flat, so
/// 600 + 60 a minute by night and 60 + 60 by day; a bank's own profile takes the place of
/// every bank's (`b` flat under a profile that stops the others from 02:00 to 05:00).
#[test]
fn a_banks_own_profile_paces_its_pool_alone() {
    let r = run(&two_banks(&format!(
        "rates = {{ a = 1.0, b = 1.0 }}\npace_profiles = {{ a = {CDR} }}"
    )));
    let m = per_minute(&r);
    assert!(
        m[..360].iter().all(|&n| (658..=662).contains(&n)),
        "{:?}",
        &m[..5]
    );
    // Until `a`'s 250,000 run out (216,000 by 06:00, the rest by 15:26).
    assert!(
        m[360..920].iter().all(|&n| (118..=122).contains(&n)),
        "{:?}",
        &m[360..365]
    );
    let mut w = vec!["1"; 24];
    w[2..5].fill("0");
    let flat = vec!["1"; 24].join(", ");
    let r = run(&two_banks(&format!(
        "rates = {{ a = 1.0, b = 1.0 }}\npace_profile = [{}]\npace_profiles = {{ b = [{flat}] }}",
        w.join(", ")
    )));
    let m = per_minute(&r);
    assert!(
        m[120..300].iter().all(|&n| (59..=61).contains(&n)),
        "{:?}",
        &m[120..125]
    );
    assert!(
        m[300..].iter().all(|&n| (118..=122).contains(&n)),
        "{:?}",
        &m[300..305]
    );
}

/// Paced over the period, each bank's pass takes the day under its own profile: `a`'s
/// connections over its weighted day of 78 hours (60 of them by 06:00), `b`'s flat (a
/// quarter by 06:00), every one refreshed.
#[test]
fn each_banks_pass_fills_the_day_under_its_own_profile() {
    let sc = two_banks(&format!("pace_profiles = {{ a = {CDR} }}"))
        .replace("connections = 500000", "connections = 15600");
    let r = run(&sc);
    let (a, b) = (r.banks[0].connections, r.banks[1].connections);
    assert_eq!(
        (a + b, r.banks[0].successes, r.banks[1].successes),
        (15_600, a, b)
    );
    let night = per_minute(&r)[..360].iter().sum::<u32>() as f64;
    let expected = a as f64 * 60.0 / 78.0 + b as f64 / 4.0;
    assert!(
        (night - expected).abs() <= 3.0,
        "{night} against {expected}"
    );
}

/// A bank's profile is refused by its field: an unknown bank, one pool over every bank, a
/// profile of the wrong length.
#[test]
fn bad_bank_profiles_are_refused_by_field() {
    let refused = |strategy: &str| {
        scenario::parse(&two_banks(strategy), "t.toml", "t", &[])
            .unwrap_err()
            .to_string()
    };
    let e = refused(&format!("pace_profiles = {{ c = {CDR} }}"));
    assert!(
        e.contains("strategy.pace_profiles.c") && e.contains("no bank is named `c`"),
        "{e}"
    );
    let e = refused(&format!(
        "per_bank = false\npace_profiles = {{ a = {CDR} }}"
    ));
    assert!(
        e.contains("strategy.pace_profiles") && e.contains("per_bank = false"),
        "{e}"
    );
    let e = refused("pace_profiles = { b = [1, 2] }");
    assert!(
        e.contains("strategy.pace_profiles.b") && e.contains("24 weights"),
        "{e}"
    );
}

/// A CDR holder beside a bank with a bucket of two a second all day: a pace by the CDR's
/// night for both would send the bucket bank's 100,000 at 3.6 a second by night, and held
/// under its bucket it covers about half; the plan gives each bank its own hours (the holder
/// its night, the bucket bank none) and meets the targets, which neither one profile nor a
/// constant pace did. The JSON's parameters are the scenario file's, and run as planned.
/// (Per-bank pools meet the targets too, at as few calls, and are searched first: the
/// holder's pool runs its pass from midnight, by night. The pace by the hour is then a
/// candidate, not the choice.)
#[test]
fn the_plan_gives_each_bank_its_own_hours() {
    let t = TempDir::new("plan-own-hours");
    let text = "name = \"mix\"\n[window]\nlength = \"24h\"\n[population]\nconnections = 1000\n\
                [platform]\nstatus = \"callback\"\n[strategy]\nkind = \"paced\"\n\
                [[banks]]\nname = \"holder\"\nshare = 0.5\npreset = \"cdr-au\"\ncalls_per_refresh = 8\n\
                [[banks]]\nname = \"bucket\"\nshare = 0.5\n{ONE_SECOND}\n\
                limits = [{ kind = \"token_bucket\", rate = 2.0, burst = 10 }]\n";
    let path = t.join("mix.toml");
    std::fs::write(&path, text.replace("{ONE_SECOND}", ONE_SECOND)).unwrap();
    let path = path.to_str().unwrap();
    let args = [
        "plan",
        path,
        "--users",
        "200000",
        "--replications",
        "3",
        "--json",
    ];
    let o = sim(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["targets_met"], true, "{j}");
    let paced = (j["candidates"].as_array().unwrap().iter())
        .find(|c| c["strategy"] == "paced" && c["meets_targets"] == true)
        .unwrap_or_else(|| panic!("no pace meets the targets: {j}"));
    let p = &paced["parameters"];
    let holder = &p["pace_profiles"]["holder"];
    assert!(holder[0] == 1.0 && holder[6] == 0.1, "{p}");
    assert!(
        p["pace_profiles"]["bucket"].is_null() && p["pace_profile"].is_null(),
        "{p}"
    );
    let bucket = j["banks"][1]["coverage"].as_f64().unwrap();
    assert!(bucket > 0.99, "{bucket}");
    assert!(
        paced["setting"].as_str().unwrap().ends_with("by the hour"),
        "{paced}"
    );
    // The parameters in the scenario file run as planned.
    let planned = |kind: &str, parameters: &serde_json::Value| {
        let mut strategy = toml::Table::new();
        strategy.insert("kind".into(), kind.into());
        for (k, v) in parameters.as_object().unwrap() {
            strategy.insert(k.clone(), serde_json::from_value(v.clone()).unwrap());
        }
        text.replace("{ONE_SECOND}", ONE_SECOND)
            .replace("connections = 1000", "connections = 200000")
            .replace("[strategy]\nkind = \"paced\"\n", "")
            + &toml::to_string(&toml::Table::from_iter([(
                "strategy".into(),
                strategy.into(),
            )]))
            .unwrap()
    };
    let paced_file = planned("paced", p);
    let r = run(&paced_file);
    assert_eq!(r.bank_names, ["holder", "bucket"]);
    let covered = r.banks[1].covered as f64 / r.banks[1].eligible.max(1) as f64;
    assert!(covered > 0.99, "{covered}: {paced_file}");
    let chosen = run(&planned(j["strategy"].as_str().unwrap(), &j["parameters"]));
    // And the JSON's `set` overrides, on the command line, run that very client.
    let out = t.join("from-set");
    let mut args = vec!["run", path, "--out", out.to_str().unwrap()];
    for s in j["set"].as_array().unwrap() {
        args.extend(["--set", s.as_str().unwrap()]);
    }
    let o = sim(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows: Vec<refresh_sim::output::summary::SummaryRow> =
        refresh_sim::output::read(&out.join("summary.csv")).unwrap();
    let all = rows.iter().find(|s| s.bank == "all").unwrap();
    let (attempts, successes) = (chosen.total().attempts, chosen.total().successes);
    assert_eq!((all.attempts, all.successes), (attempts, successes));
}
