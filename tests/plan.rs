//! The planner (`refresh-sim plan`): ceilings, the binding limit, failure floors, the
//! recommendation re-run on fresh seeds, the vendor table, determinism across threads.

mod common;

use common::{root, sim, TempDir};
use refresh_sim::experiment::plan::{self, FailureScope, Figure, Request, Targets};
use refresh_sim::experiment::{sweep, table};
use refresh_sim::{scenario, sim};
use serde_json::Value;
use std::path::Path;

fn json(args: &[&str]) -> Value {
    let o = sim(args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

/// Two banks, one day: `open` without limits, `metered` with `limits` and `extra` fields.
fn two_banks(dir: &Path, limits: &str, extra: &str) -> String {
    let text = format!(
        r#"
name = "two-banks"
seed = 3
[window]
length = "24h"
[population]
connections = 1000
[platform]
status = "poll"
poll_interval = "10s"
[strategy]
kind = "queued"
concurrency = 4
[[banks]]
name = "open"
share = 0.5
service_time = {{ dist = "lognormal", median = "4s", p95 = "12s" }}
[[banks]]
name = "metered"
share = 0.5
service_time = {{ dist = "lognormal", median = "4s", p95 = "12s" }}
limits = {limits}
{extra}
"#
    );
    let path = dir.join("two-banks.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// A token bucket of one call every 10 s and a burst of 4: 8,644 calls a day.
const BUCKET: &str = r#"[{ kind = "token_bucket", rate = 0.1, burst = 4 }]"#;

/// The vendor table's answer: the smallest queued concurrency its per-slot throughput
/// implies, and every strategy searched.
#[test]
fn the_vendor_table_gets_the_concurrency_its_slot_throughput_implies() {
    let j = json(&[
        "plan",
        "scenarios/vendor-table.toml",
        "--users",
        "100000",
        "--replications",
        "3",
        "--json",
    ]);
    assert_eq!(j["strategy"], "queued", "{j}");
    assert_eq!(j["targets_met"], true);
    let c = j["parameters"]["concurrency"].as_u64().unwrap() as i64;
    let vendor = scenario::load(&root().join("scenarios/vendor-table.toml"), &[]).unwrap();
    let one = table::row_scenario(&vendor, 1);
    let per_slot = sim::run(&one, one.seed).summary(None).users_per_day;
    let implied = (100_000.0 / per_slot).ceil() as i64;
    assert!((c - implied).abs() <= 1, "plan {c}, implied {implied}");
    assert!(j["coverage"].as_f64().unwrap() >= 0.99);
    assert!(j["coverage_ci95"].as_f64().is_some());
    let kinds: Vec<&str> = j["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["strategy"].as_str().unwrap())
        .collect();
    for k in ["queued", "per_bank", "paced", "aimd", "random_offset"] {
        assert!(kinds.contains(&k), "{k} not searched: {kinds:?}");
    }
    let bank = &j["banks"][0];
    assert_eq!(bank["ceiling_method"], "unlimited");
    assert!(bank["ceiling_per_day"].is_null() && bank["binding_limit"].is_null());
    for key in [
        "staleness_p50_hours",
        "stale_24h_share",
        "api_calls_per_day",
    ] {
        assert!(bank.get(key).is_some(), "banks[0] lacks {key}");
    }
}

/// A nightly client (`strategy.hours`, which `plan --set` takes, as the client's timing)
/// has a quarter of the day for the same connections: by Little's law, four times the
/// slots of one that runs all day.
#[test]
fn a_nightly_client_needs_the_slots_its_hours_imply() {
    let slots = |more: &[&str]| {
        let mut args = vec!["plan", "scenarios/vendor-table.toml", "--users", "100000"];
        args.extend(more);
        args.extend(["--replications", "2", "--json"]);
        let j = json(&args);
        assert_eq!(
            (&j["strategy"], &j["targets_met"]),
            (&"queued".into(), &true.into()),
            "{j}"
        );
        j["parameters"]["concurrency"].as_f64().unwrap()
    };
    let (day, night) = (
        slots(&[]),
        slots(&["--set", r#"strategy.hours=["00:00","06:00"]"#]),
    );
    assert!(
        (3.6..=4.2).contains(&(night / day)),
        "{day} all day, {night} by night"
    );
}

/// A nightly pace per bank is capped by what the bank admits through the band, not by its
/// day's average: 172,800 users need 4 a second a bank through 00:00–06:00, which the
/// metered bank's night bucket (10/s) admits though its day's average (2.6/s, with 0.1/s by
/// day) does not; the pace per bank covers everyone without a 429.
#[test]
fn a_nightly_pace_is_capped_by_the_night_not_the_day() {
    let t = TempDir::new("plan-night");
    let limits = r#"[{ kind = "token_bucket", rate = 10, burst = 10, during = ["00:00", "06:00"] }, { kind = "token_bucket", rate = 0.1, burst = 10, during = ["06:00", "24:00"] }]"#;
    let s = two_banks(t.path(), limits, "");
    let j = json(&[
        "plan",
        &s,
        "--users",
        "172800",
        "--set",
        r#"strategy.hours=["00:00","06:00"]"#,
        "--replications",
        "2",
        "--json",
    ]);
    let f = |c: &Value, key: &str| c[key].as_f64().unwrap();
    let best = j["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["parameters"]["rates"].is_object())
        .max_by(|a, b| f(a, "coverage").total_cmp(&f(b, "coverage")))
        .expect("a pace per bank");
    assert!(
        best["parameters"]["rates"]["metered"].as_f64().unwrap() >= 3.9,
        "{best}"
    );
    assert!(f(best, "coverage") > 0.99, "{best}");
    assert_eq!(f(best, "client_failure_rate"), 0.0, "{best}");
    // The ceiling is the night's: 10/s over six hours and the burst, named as the band's.
    let metered = &j["banks"][1];
    assert_eq!(j["ceiling_hours"], "00:00–06:00", "{j}");
    assert!(
        (f(metered, "bound_per_day") - 216_010.0).abs() < 1e-6,
        "{metered}"
    );
    assert_eq!(
        metered["binding_limit"], "scheduled token bucket 10/s, burst 10",
        "{metered}"
    );
}

/// A nightly client's ceilings are the band's: the metered bank's bucket of 0.1/s (burst 4)
/// serves 0.1 · 21,600 + 4 = 2,164 refreshes in 00:00–06:00, a fifth of its 10,000
/// connections, where it serves 8,644 in a whole day; the memo's table says whose hours.
#[test]
fn a_nightly_clients_ceilings_are_the_bands() {
    let t = TempDir::new("plan-night-ceiling");
    let s = two_banks(t.path(), BUCKET, "");
    let args = [
        "plan",
        &s,
        "--users",
        "20000",
        "--set",
        r#"strategy.hours=["00:00","06:00"]"#,
        "--replications",
        "2",
    ];
    let j = json(&[&args[..], &["--json"]].concat());
    let metered = &j["banks"][1];
    assert_eq!(metered["ceiling_method"], "arithmetic");
    assert!((metered["ceiling_per_day"].as_f64().unwrap() - 2_164.0).abs() < 1e-6);
    assert!((metered["coverage_ceiling"].as_f64().unwrap() - 0.2164).abs() < 1e-6);
    assert_eq!(j["ceiling_hours"], "00:00–06:00");
    assert!(j["banks"][0]["binding_limit"].is_null());
    let memo = String::from_utf8(sim(&args).stdout).unwrap();
    assert!(
        memo.contains(
            "What each bank can serve in a day's 00:00–06:00, the client's band of hours"
        ),
        "{memo}"
    );
    // Both ceilings by arithmetic, no customers: one figure, the table's, with no "by
    // saturating clients" (a trial read it over rows all found by arithmetic).
    let head = memo
        .lines()
        .find(|l| l.starts_with("What each bank"))
        .unwrap();
    assert!(
        head.contains(
            "% by the table's coverage ceilings (each bank's as its `found by` column says)):"
        ) && !head.contains("at most"),
        "{head}"
    );
    // Customers who fetch by day, outside the band, add to the night's ceiling what they
    // fetch themselves: 0.3 a connection a day, all but the default profile's night share.
    let with = two_banks(t.path(), BUCKET, "[on_demand]\nper_connection = 0.3\n");
    let j = json(&[&["plan", &with], &args[2..], &["--json"]].concat());
    let p = refresh_sim::demand::DEFAULT_PROFILE;
    let by_day = 3_000.0 * p[6..].iter().sum::<f64>() / p.iter().sum::<f64>();
    let fetched = 1.0 - (-by_day / 10_000.0f64).exp();
    let expected = 0.2164 + (1.0 - 0.2164) * fetched;
    let got = j["banks"][1]["coverage_ceiling"].as_f64().unwrap();
    assert!((got - expected).abs() < 1e-6, "{got} vs {expected}");
    // The finding gives the bound (every fetch of a connection the night left) beside the
    // table's coverage, and says which is which (a trial read them as contradicting).
    let finding = j["findings"][0].as_str().unwrap();
    let bound = 0.2164 + fetched;
    assert!(
        finding.contains("metered's token bucket 0.1/s, burst 4 serves at most 2,164 refreshes a day in 00:00–06:00, beside about")
            && finding.contains(&format!(
                "(at most {:.2} % of its 10,000 connections due, were none of those fetches of a \
                 connection the pass refreshed; {:.2} % with them falling independently of it,",
                100.0 * bound,
                100.0 * expected
            )),
        "{finding}"
    );
    // Short of the target, which it names (a trial read "8,202 a day short" as short of all).
    assert!(
        finding.contains(" a day short of 99.00 % coverage)"),
        "{finding}"
    );
    // The whole day's, without the band.
    let day = json(&[&args[..4], &args[6..], &["--json"]].concat());
    assert_eq!(day["ceiling_hours"], Value::Null);
    assert!((day["banks"][1]["ceiling_per_day"].as_f64().unwrap() - 8_644.0).abs() < 1e-6);
}

/// One bank's 1/10 s token bucket is the only limit that binds: the plan names that bank and
/// that limit, with the arithmetic ceiling, and says coverage cannot reach the target.
#[test]
fn a_lone_binding_token_bucket_is_named_with_its_bank() {
    let t = TempDir::new("plan-bucket");
    let s = two_banks(t.path(), BUCKET, "");
    let j = json(&[
        "plan",
        &s,
        "--users",
        "20000",
        "--replications",
        "3",
        "--json",
    ]);
    assert_eq!(j["targets_met"], false, "{j}");
    assert_eq!(j["banks"][1]["calls_per_refresh"], 1);
    let limiting = j["limiting_banks"].as_array().unwrap();
    assert_eq!(limiting.len(), 1, "{limiting:?}");
    assert_eq!(limiting[0]["bank"], "metered");
    assert_eq!(limiting[0]["binding_limit"], "token bucket 0.1/s, burst 4");
    // 0.1/s over a day plus the burst: 8,644 refreshes for 10,000 connections.
    let metered = &j["banks"][1];
    assert_eq!(metered["ceiling_method"], "arithmetic");
    assert!((metered["ceiling_per_day"].as_f64().unwrap() - 8_644.0).abs() < 1e-6);
    assert!((metered["coverage_ceiling"].as_f64().unwrap() - 0.8644).abs() < 1e-6);
    assert!((j["coverage_ceiling"].as_f64().unwrap() - 0.9322).abs() < 1e-6);
    assert!(j["banks"][0]["binding_limit"].is_null());
    let findings = j["findings"].as_array().unwrap();
    assert!(
        findings[0]
            .as_str()
            .unwrap()
            .contains("metered's token bucket"),
        "{findings:?}"
    );
    // The best achievable gets near the ceiling and never above it.
    let best = j["coverage"].as_f64().unwrap();
    // (the bank's share of the connections is drawn: about ±0.5 % at 10,000 connections)
    assert!(best <= 0.9322 + 0.005 && best > 0.85, "{best}");
}

/// A CDR data holder at eight calls a refresh allows 6.25 refreshes a second by night and
/// 0.625 by day: no constant pace covers 100,000 connections within the failure bound (a
/// pace under the day's rate refreshes 54,000; any faster meets the day's 429s), where a
/// pace ten times faster by night does, without a 429. The plan finds that shape in the
/// bank's limits itself, or follows the scenario's profile, and says which. (A pool large
/// enough to finish its pass by 06:00, from the window's midnight, meets the targets too,
/// idle by day, where smaller pools meet the day's 429s: the pools' ladder climbs past them
/// while the bank's coverage grows, and reaches it.)
#[test]
fn a_pace_by_the_hour_covers_what_no_constant_client_can() {
    let t = TempDir::new("plan-profile");
    let text = |profile: &str| {
        format!(
            "name = \"cdr\"\n[window]\nlength = \"24h\"\n[population]\nconnections = 1000\n\
             [platform]\nstatus = \"callback\"\n[strategy]\nkind = \"paced\"\n{profile}\n\
             [[banks]]\nname = \"holder\"\nshare = 1.0\npreset = \"cdr-au\"\ncalls_per_refresh = 8\n"
        )
    };
    let plan = |name: &str, profile: &str| {
        let path = t.path().join(name);
        std::fs::write(&path, text(profile)).unwrap();
        let path = path.to_str().unwrap().to_string();
        json(&[
            "plan",
            &path,
            "--users",
            "100000",
            "--replications",
            "3",
            "--json",
        ])
    };
    let shaped = plan("constant.toml", "");
    assert_eq!(shaped["targets_met"], true, "{shaped}");
    let profile = &shaped["parameters"]["pace_profiles"]["holder"];
    assert!(profile[0] == 1.0 && profile[5] == 1.0, "{profile}");
    assert!(profile[6] == 0.1 && profile[23] == 0.1, "{profile}");
    assert!(shaped["setting"].as_str().unwrap().ends_with("by the hour"));
    let mut pools_meeting = 0;
    for c in shaped["candidates"].as_array().unwrap() {
        let setting = c["setting"].as_str().unwrap();
        let by_the_hour = setting.contains("by the hour");
        if setting.starts_with("per_bank") && c["meets_targets"] == true {
            // Its pass done by night: 100,000 refreshes at 6.25 a second take 4.4 h.
            assert!(c["coverage"].as_f64().unwrap() > 0.99, "{c}");
            pools_meeting += 1;
            continue;
        }
        assert!(by_the_hour || c["meets_targets"] == false, "{c}");
    }
    assert!(pools_meeting > 0, "{shaped}");
    let finding = |j: &Value, start: &str| {
        let f = j["findings"].as_array().unwrap();
        assert!(
            f.iter().any(|f| f.as_str().unwrap().starts_with(start)),
            "{f:?}"
        );
    };
    finding(&shaped, "the banks allow different paces by the hour");
    let night = format!(
        "pace_profile = [{}, {}]",
        ["10"; 6].join(", "),
        ["1"; 18].join(", ")
    );
    let j = plan("profiled.toml", &night);
    assert_eq!(j["targets_met"], true, "{j}");
    assert_eq!(j["strategy"], "paced");
    assert!(
        j["setting"].as_str().unwrap().ends_with("by the hour"),
        "{j}"
    );
    assert_eq!(j["parameters"]["pace_profile"][0], 10.0);
    assert_eq!(j["parameters"]["pace_profile"][6], 1.0);
    assert_eq!(j["client_failure_rate"], 0.0, "{j}");
    assert_eq!(j["banks"][0]["calls_per_refresh"], 8);
    finding(
        &j,
        "paced settings follow the scenario's strategy.pace_profile (×10 00:00–06:00, ×1 \
         06:00–24:00)",
    );
}

/// Under one bank's token bucket, a pace per bank at the bucket's rate or under it covers
/// near the ceiling without a 429, where one pace split by share overruns the bucket (the
/// metered bank's share of 20,000 users a day is 0.116 a second against its 0.1): the plan
/// searches the paces bank by bank, and its best achievable keeps within the failure bound.
#[test]
fn a_pace_per_bank_under_a_bucket_covers_without_429s() {
    let t = TempDir::new("plan-paced-under");
    let s = two_banks(t.path(), BUCKET, "");
    let j = json(&[
        "plan",
        &s,
        "--users",
        "20000",
        "--replications",
        "3",
        "--json",
    ]);
    let f = |c: &Value, key: &str| c[key].as_f64().unwrap();
    let candidates = j["candidates"].as_array().unwrap();
    let paced = |own: bool| {
        candidates.iter().filter(move |c| {
            c["strategy"] == "paced" && c["parameters"]["rates"].is_object() == own
        })
    };
    for c in paced(false) {
        assert!(f(c, "client_failure_rate") > 0.05, "split by share: {c}");
    }
    let metered = |c: &Value| c["parameters"]["rates"]["metered"].as_f64().unwrap();
    assert!(paced(true).count() >= 3, "{candidates:?}");
    let under = paced(true)
        .filter(|c| metered(c) <= 0.1)
        .max_by(|a, b| f(a, "coverage").total_cmp(&f(b, "coverage")))
        .expect("a pace at the bucket's rate or under");
    assert_eq!(f(under, "client_failure_rate"), 0.0, "{under}");
    // The ceiling is 93.22 % (the bank's share drawn: about ±0.5 % at 10,000 connections).
    assert!(f(under, "coverage") > 0.92, "{under}");
    assert!(paced(true).any(|c| metered(c) > 0.1 && f(c, "client_failure_rate") > 0.0));
    assert!(f(&j, "client_failure_rate") <= 0.01, "{j}");
    assert!(f(&j, "coverage") > 0.92, "{j}");
    // The scenario's own client (a queue of 4 slots) is run for comparison: it hammers the
    // bucket, and the memo says what the change buys.
    let current = &j["current"];
    assert_eq!(current["setting"], "queued, concurrency 4", "{current}");
    assert_eq!(current["is_recommendation"], false);
    assert!(f(current, "client_failure_rate") > 0.05, "{current}");
    let said = j["findings"].as_array().unwrap().iter().any(|x| {
        x.as_str()
            .unwrap()
            .starts_with("against the scenario's own client (queued, concurrency 4), the recommendation moves coverage from")
    });
    assert!(said, "{}", j["findings"]);
}

/// The memo's last line is the `refresh-sim run` command of its recommendation: pasted into a
/// shell it runs that client (the file's own pace per bank, which the plan replaces, set
/// aside), as summary.csv's `client` says; a `--set` of the plan's that the recommendation
/// sets again is given once, the recommendation's.
#[test]
fn the_memo_ends_with_the_command_that_runs_its_recommendation() {
    let t = TempDir::new("plan-run-line");
    let s = two_banks(t.path(), BUCKET, "");
    let text = std::fs::read_to_string(&s).unwrap().replace(
        "kind = \"queued\"\nconcurrency = 4",
        "kind = \"paced\"\nrates = { metered = 0.001 }\noutstanding = { open = 1 }",
    );
    std::fs::write(&s, text).unwrap();
    // 20,000 users: more than the bucket lets through, so the best achievable is a pace
    // per bank, whose outstanding bound the file's own would otherwise set.
    let bound = "strategy.jitter=10m";
    let o = sim(&[
        "plan",
        &s,
        "--users",
        "20000",
        "--replications",
        "2",
        "--set",
        bound,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let memo = String::from_utf8(o.stdout).unwrap();
    let best = "No searched setting meets every target. Best achievable: ";
    let setting = memo.lines().find_map(|l| l.strip_prefix(best));
    let line = memo.lines().last().unwrap();
    let command = line
        .strip_prefix("To run the best achievable: refresh-sim ")
        .unwrap_or_else(|| panic!("{memo}"));
    assert_eq!(command.matches("strategy.jitter=").count(), 1, "{command}");
    assert!(command.contains("'strategy.jitter=\"0s\"'"), "{command}");
    let out = t.join("out");
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' {command} --out '{}'",
            env!("CARGO_BIN_EXE_refresh-sim"),
            out.display()
        ))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(summary.as_bytes());
    let headers = rows.headers().unwrap().clone();
    let client = headers.iter().position(|h| h == "client").unwrap();
    let row = rows.records().last().unwrap().unwrap();
    let setting = setting.unwrap_or_else(|| panic!("{memo}"));
    assert!(setting.starts_with("paced per bank"), "{memo}");
    assert!(
        row[client].starts_with(setting),
        "{} against {setting}",
        &row[client]
    );
    assert!(!row[client].contains("out"), "{}", &row[client]);
}

/// A nightly queue meets 50 % coverage at 10 slots, and the 24 h bound on the data's age at
/// app open only once it covers every connection each night, at 19: the queue's search goes
/// on past the coverage target while the bounded age falls (it stopped at 10 before, no
/// queue meeting the bound).
#[test]
fn the_queue_search_goes_on_for_an_age_bound() {
    let t = TempDir::new("plan-age-bound");
    let path = t.join("night.toml");
    std::fs::write(
        &path,
        "name = \"nightly\"\nseed = 2\n[window]\nlength = \"3d\"\nwarmup = \"1d\"\n\
         [population]\nconnections = 20000\n[platform]\nstatus = \"callback\"\n[strategy]\n\
         kind = \"queued\"\nconcurrency = 1\nhours = [\"00:00\", \"06:00\"]\n[[banks]]\n\
         name = \"b\"\nshare = 1.0\nservice_time = { dist = \"constant\", value = \"20s\" }\n",
    )
    .unwrap();
    let p = path.to_str().unwrap();
    // At 30 % the first covering queue (8 slots) still reads "never" at app open: the
    // search goes on while coverage grows.
    for coverage in ["0.5", "0.3"] {
        let bound = ["--coverage", coverage, "--at-open-p95", "24", "--json"];
        let j = json(&[&["plan", p, "--users", "20000"][..], &bound[..]].concat());
        let queues: Vec<&Value> = j["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["strategy"] == "queued")
            .collect();
        let meeting = queues.iter().find(|c| c["meets_targets"] == true);
        let c = meeting.unwrap_or_else(|| panic!("{coverage}: {queues:?}"));
        assert!(c["at_open_p95_hours"].as_f64().unwrap() <= 24.0, "{c}");
        assert!(c["coverage"].as_f64().unwrap() > 0.9, "{c}");
        assert_eq!(j["timing"], "within 00:00–06:00", "{j}");
    }
}

/// Polls every 10 s beside 2 s calls hold a queue's slot five times the call: the memo says
/// so, and that a platform calling back frees it; with callbacks it says nothing of it.
#[test]
fn polling_that_holds_slots_is_told() {
    let t = TempDir::new("plan-polling");
    let path = t.join("poll.toml");
    std::fs::write(
        &path,
        "name = \"poll\"\n[window]\nlength = \"24h\"\n[population]\nconnections = 1000\n\
         [platform]\nstatus = \"poll\"\npoll_interval = \"10s\"\n[strategy]\n\
         kind = \"queued\"\nconcurrency = 4\n[[banks]]\nname = \"b\"\nshare = 1.0\n\
         service_time = { dist = \"constant\", value = \"2s\" }\n",
    )
    .unwrap();
    let p = path.to_str().unwrap();
    let told = |sets: &[&str]| {
        let j = json(&[&["plan", p, "--users", "2000", "--json"][..], sets].concat());
        let findings = j["findings"].as_array().unwrap().clone();
        findings.into_iter().find(|f| {
            f.as_str()
                .unwrap()
                .starts_with("outcomes are learned by polling")
        })
    };
    let f = told(&[]).expect("a finding on polling");
    assert!(
        f.as_str()
            .unwrap()
            .contains("about 10 s, 5.0 times the call"),
        "{f}"
    );
    assert_eq!(told(&["--set", "platform.status=callback"]), None);
}

/// Under a concurrency cap, a pace refuses some calls (long calls overlap), so the plan
/// tries its pace per bank again with the capped bank's refreshes outstanding bounded by its
/// cap: none refused there.
#[test]
fn a_pace_per_bank_is_tried_bounded_by_the_cap() {
    let t = TempDir::new("plan-paced-cap");
    let s = two_banks(
        t.path(),
        r#"[{ kind = "concurrency", max_in_flight = 2 }]"#,
        "",
    );
    let j = json(&[
        "plan",
        &s,
        "--users",
        "20000",
        "--replications",
        "2",
        "--json",
    ]);
    let capped: Vec<&Value> = j["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["parameters"]["outstanding"].is_object())
        .collect();
    assert_eq!(capped.len(), 1, "{j}");
    let c = capped[0];
    assert_eq!(c["parameters"]["outstanding"]["metered"], 2, "{c}");
    assert!(c["parameters"]["outstanding"]["open"].is_null(), "{c}");
    assert_eq!(c["client_failure_rate"], 0.0, "{c}");
    assert!(
        c["setting"].as_str().unwrap().contains("metered")
            && c["setting"].as_str().unwrap().contains("≤ 2 out"),
        "{c}"
    );
}

/// With a period of two days a refresh covers two: the same bucket's 8,644 refreshes a day
/// cover 17,288 of twice as many connections due, and the best achievable gets near that
/// ceiling and never above it (a day's rule would put the ceiling at half of it).
#[test]
fn a_period_of_days_lifts_the_ceiling_by_its_days() {
    let t = TempDir::new("plan-period");
    let s = two_banks(t.path(), BUCKET, "");
    let j = json(&[
        "plan",
        &s,
        "--users",
        "40000",
        "--replications",
        "2",
        "--set",
        "window.length=6d",
        "--set",
        "window.warmup=2d",
        "--set",
        "strategy.period=48h",
        "--json",
    ]);
    let metered = &j["banks"][1];
    assert!((metered["ceiling_per_day"].as_f64().unwrap() - 8_644.0).abs() < 1e-6);
    assert!((metered["coverage_ceiling"].as_f64().unwrap() - 0.8644).abs() < 1e-6);
    assert!((j["coverage_ceiling"].as_f64().unwrap() - 0.9322).abs() < 1e-6);
    // 99 % of 10,000 refreshes a day needed, 8,644 served.
    let limiting = &j["limiting_banks"][0];
    assert_eq!(limiting["bank"], "metered");
    let short = limiting["short_per_day"].as_f64().unwrap();
    assert!((short - (9_900.0 - 8_644.0)).abs() < 1e-6, "{short}");
    let best = j["coverage"].as_f64().unwrap();
    assert!(best <= 0.9322 + 0.005 && best > 0.85, "{best}");
}

/// A floor on every bank's coverage: the population's target alone is met by leaving the
/// metered bank at three quarters; a floor above what its bucket allows is reported as out
/// of any client's reach, naming the bank and its limit.
#[test]
fn a_floor_on_each_banks_coverage_is_a_target() {
    let t = TempDir::new("plan-bank-floor");
    let s = two_banks(t.path(), BUCKET, "");
    let args = |floor: Option<&'static str>| {
        let mut a = vec![
            "plan".to_string(),
            s.clone(),
            "--users".into(),
            "20000".into(),
            "--coverage".into(),
            "0.5".into(),
            "--replications".into(),
            "3".into(),
            "--json".into(),
        ];
        if let Some(f) = floor {
            a.extend(["--min-bank-coverage".to_string(), f.to_string()]);
        }
        a
    };
    let run = |floor| json(&args(floor).iter().map(String::as_str).collect::<Vec<_>>());
    let j = run(None);
    assert_eq!(j["targets_met"], true, "{j}");
    assert!(j["targets"]["min_bank_coverage"].is_null());
    // The bucket allows 8,644 of the metered bank's ~10,000 connections a day: 86 %.
    let j = run(Some("0.9"));
    assert_eq!(j["targets"]["min_bank_coverage"], 0.9);
    assert_eq!(j["targets_met"], false, "{j}");
    assert_eq!(j["met"]["coverage"], true, "{j}");
    assert_eq!(j["met"]["bank_coverage"], false, "{j}");
    let findings = j["findings"].to_string();
    assert!(
        findings.contains("metered gets") && findings.contains("no client can"),
        "{findings}"
    );
    assert!(!findings.contains("open gets"), "{findings}");
}

/// A bound at each bank: the metered bank's cap of 2 calls in flight serves about 76 % of its
/// connections to a pool within the cap, so the cheapest plan for 85 % in all takes the
/// cap's 429s there, within 5 % in all (one bank of two) and past 2 % at that bank; bounded
/// at 2 % at each bank, the plan keeps every bank within it and says so in the memo.
#[test]
fn a_bound_at_each_bank_holds_every_bank() {
    let t = TempDir::new("plan-bank-bound");
    let s = two_banks(
        t.path(),
        r#"[{ kind = "concurrency", max_in_flight = 2 }]"#,
        "",
    );
    let args = |more: &[&'static str]| {
        let mut a = vec![
            "plan",
            s.as_str(),
            "--users",
            "40000",
            "--coverage",
            "0.85",
            "--max-failure-rate",
            "0.05",
            "--replications",
            "3",
        ];
        a.extend(more);
        a
    };
    let own = |j: &Value, bank: usize| j["banks"][bank]["client_failure_rate"].as_f64().unwrap();
    let j = json(&args(&["--json"]));
    assert!(j["targets"]["max_bank_failure_rate"].is_null(), "{j}");
    assert_eq!(j["targets_met"], true, "{j}");
    assert!(j["client_failure_rate"].as_f64().unwrap() <= 0.05, "{j}");
    assert_eq!(j["worst_bank"], "metered", "{j}");
    let worst = j["worst_bank_failure_rate"].as_f64().unwrap();
    assert!(worst > 0.02 && worst == own(&j, 1), "{j}");
    let j = json(&args(&["--json", "--max-bank-failure-rate", "2%"]));
    assert_eq!(j["targets"]["max_bank_failure_rate"], 0.02, "{j}");
    assert_eq!(j["met"]["bank_failure_rate"], true, "{j}");
    assert_eq!(j["targets_met"], true, "{j}");
    assert!(own(&j, 0) <= 0.02 && own(&j, 1) <= 0.02, "{j}");
    assert!(
        j["worst_bank_failure_rate"].as_f64().unwrap() <= 0.02,
        "{j}"
    );
    let o = sim(&args(&["--max-bank-failure-rate", "2%"]));
    let memo = String::from_utf8_lossy(&o.stdout);
    assert!(
        memo.contains("client-caused failures ≤ 2.00 % at each bank"),
        "{memo}"
    );
    assert!(memo.contains("own 429s at worst bank"), "{memo}");
    // Under the recommendation's figures, its worst bank's (none here, every bank clean, or
    // the metered bank within the bound), and no finding of a bank past it.
    assert!(
        memo.contains("  at every bank: own 429s 0.00 % (bound 2.00 % at each bank)")
            || memo.contains("  at the worst bank, metered: own 429s "),
        "{memo}"
    );
    assert!(
        !memo.contains("pass the 2.00 % bound at each bank"),
        "{memo}"
    );
}

/// The population's target met by starving a small, slow bank: the cheapest setting gives it
/// one slot, which serves about 86,400 / 70 s ≈ 1,200 of its 2,000 connections a day, and
/// the plan says so, with the lever; asked for a floor on every bank, it lifts that bank.
#[test]
fn a_bank_left_far_behind_is_named() {
    let t = TempDir::new("plan-left-behind");
    let path = t.path().join("slow-bank.toml");
    std::fs::write(
        &path,
        r#"
[window]
length = "24h"
[population]
connections = 1000
[platform]
poll_interval = "10s"
[strategy]
kind = "queued"
concurrency = 4
[[banks]]
name = "open"
share = 0.9
service_time = { dist = "lognormal", median = "4s", p95 = "12s" }
[[banks]]
name = "slow"
share = 0.1
service_time = { dist = "lognormal", median = "60s", p95 = "120s" }
limits = [{ kind = "concurrency", max_in_flight = 4 }]
"#,
    )
    .unwrap();
    let s = path.to_str().unwrap();
    let plan = |extra: &[&str]| {
        let mut args = vec!["plan", s, "--users", "20000", "--coverage", "0.85"];
        args.extend(extra);
        args.extend(["--replications", "2", "--json"]);
        json(&args)
    };
    let j = plan(&[]);
    let slow = j["banks"][1]["coverage"].as_f64().unwrap();
    assert!(slow < j["coverage"].as_f64().unwrap() - 0.1, "{j}");
    let findings = j["findings"].to_string();
    assert!(
        findings.contains("far behind") && findings.contains("slow at"),
        "{findings}"
    );
    let j = plan(&["--min-bank-coverage", "0.85"]);
    assert_eq!(j["targets_met"], true, "{j}");
    assert!(j["banks"][1]["coverage"].as_f64().unwrap() >= 0.85, "{j}");
    assert!(!j["findings"].to_string().contains("far behind"), "{j}");
}

/// 5xx errors and a maintenance window put a floor above the 1 % bound: the plan still
/// recommends a client (the bound is on the client's own 429s) and reports the floor apart;
/// bounding every failure instead, it says that is out of reach. The window closes two hours
/// of the day, so paces by the hour that stop in them are searched, and chosen: they meet no
/// maintenance rejection, where the scenario's own queue meets 6 %. The open bank, its limits
/// the same every hour, keeps a constant pace.
#[test]
fn a_failure_floor_above_the_bound_is_reported_apart() {
    let t = TempDir::new("plan-floor");
    let s = two_banks(
        t.path(),
        r#"[{ kind = "maintenance", start = "01:00", end = "03:00" }, { kind = "concurrency", max_in_flight = 6 }]"#,
        "error_rate = 0.03",
    );
    let args = [
        "plan",
        &s,
        "--users",
        "20000",
        "--coverage",
        "0.95",
        "--replications",
        "3",
        "--json",
    ];
    let j = json(&args);
    assert_eq!(j["targets_met"], true, "{j}");
    assert!(j["parameters"].is_object() && j["strategy"].is_string());
    let floor = j["failure_floor"].as_f64().unwrap();
    assert!(floor > 0.01, "floor {floor}");
    let profile = &j["parameters"]["pace_profiles"]["metered"];
    assert!(
        profile[1] == 0.0 && profile[2] == 0.0 && profile[3] == 1.0,
        "{j}"
    );
    assert!(j["parameters"]["pace_profiles"]["open"].is_null(), "{j}");
    assert!(j["outage_rate"].as_f64().unwrap() < 0.001, "{j}");
    assert!(j["current"]["outage_rate"].as_f64().unwrap() > 0.03, "{j}");
    assert!(j["client_failure_rate"].as_f64().unwrap() <= 0.01);
    let findings = j["findings"].to_string();
    assert!(
        findings.contains("failures the client's pace does not cause"),
        "{findings}"
    );
    assert_eq!(j["banks"][1]["ceiling_method"], "simulation");
    // The maintenance window's Retry-After outlasts the poll: pausing was tried.
    let candidates = j["candidates"].as_array().unwrap();
    let paused = |c: &&Value| c["parameters"]["pause_on_retry_after"] == true;
    assert!(candidates.iter().any(|c| paused(&c)), "{candidates:?}");

    let mut all = args.to_vec();
    all.extend(["--failure-scope", "all"]);
    let j = json(&all);
    assert_eq!(j["targets_met"], false);
    let findings = j["findings"].to_string();
    assert!(findings.contains("is out of reach"), "{findings}");
    // Counting every failure, the closest setting stops calling the closed bank (by the hour;
    // a client that pauses on the Retry-After was tried too), so it meets a small share of
    // the maintenance rejections the others do.
    assert!(
        j["setting"].as_str().unwrap().ends_with("by the hour"),
        "{j}"
    );
    let outage = |c: &Value| c["outage_rate"].as_f64().unwrap();
    let unpaused = j["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            let p = &c["parameters"];
            p["pause_on_retry_after"].is_null() && p["pace_profiles"].is_null()
        })
        .map(outage)
        .fold(f64::INFINITY, f64::min);
    assert!(outage(&j) < 0.2 * unpaused, "{} vs {unpaused}", outage(&j));
}

/// Banks whose Retry-After never outlasts the poll that reveals a 429 (a fast token bucket)
/// leave pausing nothing to change: no paused setting is listed.
#[test]
fn pausing_that_changes_nothing_is_not_listed() {
    let t = TempDir::new("plan-no-pause");
    let s = two_banks(
        t.path(),
        r#"[{ kind = "token_bucket", rate = 2.0, burst = 4 }]"#,
        "",
    );
    let j = json(&[
        "plan",
        &s,
        "--users",
        "20000",
        "--replications",
        "2",
        "--json",
    ]);
    let candidates = j["candidates"].as_array().unwrap();
    assert!(
        candidates
            .iter()
            .all(|c| c["parameters"]["pause_on_retry_after"].is_null()),
        "{candidates:?}"
    );
}

/// The recommended strategy, run again on seeds the planner never used, meets its targets.
#[test]
fn the_recommendation_meets_its_targets_on_fresh_seeds() {
    let t = TempDir::new("plan-fresh");
    let s = two_banks(
        t.path(),
        r#"[{ kind = "concurrency", max_in_flight = 6 }, { kind = "token_bucket", rate = 0.5, burst = 5 }]"#,
        "error_rate = 0.005",
    );
    let base = scenario::load(Path::new(&s), &[]).unwrap();
    let targets = Targets {
        coverage: 0.9,
        max_failure_rate: 0.02,
        scope: FailureScope::Client,
        staleness_p95_hours: None,
        at_open_p95_hours: None,
        max_api_calls_per_day: None,
        min_bank_coverage: None,
        max_bank_failure_rate: None,
        max_customer_failure_rate: None,
        max_customer_wait_seconds: None,
    };
    let req = Request {
        users: 40_000,
        grown: None,
        targets: targets.clone(),
        replications: 5,
        seed: None,
    };
    let pool = sweep::pool(Some(2)).unwrap();
    let p = plan::plan(&base, &req, &pool).unwrap();
    assert!(p.targets_met, "{}", p.human());
    let mut sc = base.clone();
    sc.connections = 40_000;
    sc.strategy = p.recommendation.strategy.clone();
    let (mut coverage, mut failures) = (0.0, 0.0);
    for seed in 1_000..1_005 {
        let r = sim::run(&sc, seed);
        let all = r.summary(None);
        coverage += all.coverage / 5.0;
        let t = all.tally;
        failures += (t.rate_limited - t.outage_rejected) as f64 / t.attempts as f64 / 5.0;
    }
    assert!(coverage >= targets.coverage, "{coverage}\n{}", p.human());
    assert!(failures <= targets.max_failure_rate, "{failures}");
    let planned = p.recommendation.figures.mean(Figure::Coverage);
    assert!((planned - coverage).abs() < 0.01, "{planned} vs {coverage}");
}

/// The same plan at 1, 2 and 5 threads, byte for byte: with more workers than a setting's
/// replications, the search's next settings run ahead of its asking (at 5 threads, two or
/// three beside each screened one; at `--replications 1`, one a worker), and the plan is the
/// one asked for.
#[test]
fn plans_do_not_depend_on_threads() {
    let t = TempDir::new("plan-threads");
    let s = two_banks(
        t.path(),
        r#"[{ kind = "concurrency", max_in_flight = 3 }, { kind = "penalty_box", duration = "2m" }]"#,
        "",
    );
    let run = |threads: &str, replications: &str| {
        let o = sim(&[
            "plan",
            &s,
            "--users",
            "5000",
            "--threads",
            threads,
            "--replications",
            replications,
            "--json",
        ]);
        assert!(o.status.success());
        o.stdout
    };
    let one = run("1", "5");
    assert_eq!(one, run("2", "5"));
    assert_eq!(one, run("5", "5"));
    let single = run("1", "1");
    assert_eq!(single, run("5", "1"));
    assert_ne!(one, single, "the replications matter, so the test can tell");
    let memo = sim(&["plan", &s, "--users", "5000", "--threads", "2"]);
    let memo = String::from_utf8_lossy(&memo.stdout);
    for part in [
        "What each bank can serve",
        "bank by bank",
        "Settings searched",
    ] {
        assert!(memo.contains(part), "{part}: {memo}");
    }
}

/// Staleness and API-call targets bind like the others: out of reach, the plan says so, and
/// a loose budget changes nothing.
#[test]
fn staleness_and_api_call_targets_are_checked() {
    let base = [
        "plan",
        "scenarios/vendor-table.toml",
        "--users",
        "20000",
        "--replications",
        "2",
        "--json",
    ];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend(extra);
        json(&a)
    };
    let j = with(&["--max-api-calls-per-day", "1000"]);
    assert_eq!(j["targets_met"], false);
    assert_eq!(j["met"]["api_calls"], false);
    assert!(j["findings"].to_string().contains("budget"), "{j}");
    // A one-day window from an empty start: no data age of an hour can be kept.
    let j = with(&["--staleness-p95", "1"]);
    assert_eq!(j["met"]["staleness"], false);
    assert!(j["findings"].to_string().contains("data age"), "{j}");
    // A duration is read as its hours: the same plan.
    assert_eq!(with(&["--staleness-p95", "60m"]), j);
    // The age when customers open the app is a target of its own, said when out of reach.
    let j = with(&["--at-open-p95", "1"]);
    assert_eq!(
        (j["met"]["at_open"].clone(), j["met"]["staleness"].clone()),
        (false.into(), true.into())
    );
    assert_eq!(j["targets"]["at_open_p95_hours"], 1.0);
    assert!(
        j["findings"]
            .to_string()
            .contains("when customers open the app within 1 h"),
        "{j}"
    );
    assert!(j["at_open_p95_hours"].as_f64().unwrap() > 1.0, "{j}");
    // A budget some settings fit is a hard limit: the best achievable keeps to it.
    let j = with(&["--max-api-calls-per-day", "30000"]);
    assert_eq!(j["targets_met"], false);
    assert!(j["api_calls_per_day"].as_f64().unwrap() <= 30_000.0, "{j}");
    assert!(j["coverage"].as_f64().unwrap() > 0.2, "{j}");
    let loose = with(&["--max-api-calls-per-day", "1000000000"]);
    let plain = json(&base);
    assert_eq!(loose["setting"], plain["setting"]);
    assert_eq!(loose["targets_met"], true);
}

/// Bad targets are clear errors naming the flag, with exit status 2: a failure rate of 1
/// (meant as 1 %, taken as every attempt) and a negative population among them.
#[test]
fn bad_targets_name_their_flag() {
    for (flag, value, why) in [
        ("--max-failure-rate", "1", "for 1 % write 0.01"),
        ("--users", "-5", "at least 1"),
        ("--staleness-p95", "0", "positive"),
        ("--staleness-p95", "2x", "unknown unit"),
        ("--at-open-p95", "-3", "positive"),
        ("--max-api-calls-per-day", "-5", "positive"),
        ("--coverage", "1.5", "at most 1"),
        ("--max-failure-rate", "2", "below 1"),
        ("--failure-scope", "mine", "possible values"),
        ("--min-bank-coverage", "0", "greater than 0"),
        ("--min-bank-coverage", "1.2", "at most 1"),
        ("--max-bank-failure-rate", "1", "below 1"),
    ] {
        let users = if flag == "--users" { value } else { "100" };
        let mut args = vec!["plan", "scenarios/vendor-table.toml", "--users", users];
        if flag != "--users" {
            args.extend([flag, value]);
        }
        let o = sim(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}: {err}");
        assert!(err.contains(flag) && err.contains(why), "{flag}: {err}");
    }
}

/// Customers' requests spend a bank's limit too: 0.3 a connection a day at 20,000 users put
/// 3,000 calls a day on the metered bank's 10,000 connections, 34.71 % of its bucket's 8,644;
/// they fetch 10,000 (1 − e^−0.3) ≈ 2,592 distinct connections, so served in full they
/// leave the background 5,644 and the bank's coverage near (5,644 + 2,592) / 10,000. The
/// open bank has no limit to spend, and without customers nothing is said.
#[test]
fn customers_requests_are_counted_against_a_banks_limit() {
    let t = TempDir::new("plan-customers");
    let s = two_banks(t.path(), BUCKET, "[on_demand]\nper_connection = 0.3\n");
    let args = [
        "plan",
        &s,
        "--users",
        "20000",
        "--replications",
        "2",
        "--json",
    ];
    let j = json(&args);
    let said: Vec<&str> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.as_str())
        .filter(|f| f.starts_with("customers' requests spend the banks' limits too"))
        .collect();
    assert_eq!(said.len(), 1, "{j}");
    let expected = format!(
        "at metered, about 3,000 calls a day, 34.71 % of the 8,644 it serves, fetching about \
         2,592 distinct connections: served in full they leave the background about 5,644 a \
         day and the bank's coverage near {:.2} %",
        100.0 * (5_644.0 + 10_000.0 * (1.0 - (-0.3f64).exp())) / 10_000.0
    );
    assert!(said[0].contains(&expected), "{}\n{expected}", said[0]);
    assert!(!said[0].contains("at open"), "{}", said[0]);
    // The recommendation's coverage, and the part of it its background refreshes gave.
    let (all, own) = (j["coverage"].as_f64(), j["background_coverage"].as_f64());
    assert!(own.unwrap() < all.unwrap(), "{j}");
    let s = two_banks(t.path(), BUCKET, "");
    let j = json(&[
        "plan",
        &s,
        "--users",
        "20000",
        "--replications",
        "2",
        "--json",
    ]);
    assert!(
        !j["findings"]
            .to_string()
            .contains("customers' requests spend"),
        "{j}"
    );
    assert_eq!(j["background_coverage"], j["coverage"], "{j}");
}

/// A bucket for unattended calls (the CDR's thresholds are written so) is the background's
/// alone: the customers' 3,000 calls a day spend none of it, so the plan does not say they
/// do, and its pace per bank at the metered bank reaches the bucket's 0.1/s where, shared
/// with the customers, it stops below 0.1 − 3,000 / 86,400 ≈ 0.065/s (× 1.25 at most).
#[test]
fn customers_do_not_spend_a_limit_for_unattended_calls() {
    let t = TempDir::new("plan-unattended");
    let metered_paces = |limits: &str| {
        let s = two_banks(t.path(), limits, "[on_demand]\nper_connection = 0.3\n");
        let j = json(&[
            "plan",
            &s,
            "--users",
            "20000",
            "--replications",
            "2",
            "--json",
        ]);
        let paces: Vec<f64> = j["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["parameters"]["rates"]["metered"].as_f64())
            .collect();
        let said = j["findings"]
            .to_string()
            .contains("customers' requests spend");
        let ceiling = j["banks"][1]["coverage_ceiling"].as_f64().unwrap();
        (paces.into_iter().fold(0.0, f64::max), said, ceiling)
    };
    // Shared, the bucket's 8,644 a day bound every call, the customers' too.
    let (shared, said, ceiling) = metered_paces(BUCKET);
    assert!(said);
    assert!(shared < 0.09, "{shared}");
    assert!((ceiling - 0.8644).abs() < 1e-6, "{ceiling}");
    // The background's alone, the customers' own fetches (10,000 (1 − e^−0.3) ≈ 2,592
    // distinct connections a day) add to what it covers: of the 13.56 % the bucket leaves,
    // taken as independent of it, they fetch a 25.92 % share.
    let unattended = BUCKET.replace("burst = 4", "burst = 4, applies_to = \"unattended\"");
    let (own, said, ceiling) = metered_paces(&unattended);
    assert!(!said);
    assert!(own >= 0.1, "{own}");
    let fetched = 1.0 - (-0.3f64).exp();
    let expected = 0.8644 + (1.0 - 0.8644) * fetched;
    assert!((ceiling - expected).abs() < 1e-9, "{ceiling} vs {expected}");
}

/// Customers' calls at a capped bank whose cap the background fills fail far more than the
/// whole says: the memo names the bank and its share refused.
#[test]
fn customers_refused_at_one_bank_are_named() {
    let t = TempDir::new("plan-customers-bank");
    let s = two_banks(
        t.path(),
        r#"[{ kind = "concurrency", max_in_flight = 2 }]"#,
        "[on_demand]\nper_day = 20000",
    );
    let j = json(&[
        "plan",
        &s,
        "--users",
        "30000",
        "--failure-scope",
        "background",
        "--replications",
        "2",
        "--json",
    ]);
    let metered = j["banks"][1]["customer_failure_rate"].as_f64().unwrap();
    let whole = j["customer_failure_rate"].as_f64().unwrap();
    let said = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.as_str())
        .find(|f| f.starts_with("at metered, "));
    assert!(
        metered >= 0.10 && metered > 1.5 * whole,
        "{metered} {whole}"
    );
    assert!(
        said.is_some_and(|f| f.contains("of the customers' calls are refused")),
        "{metered} {whole}: {}",
        j["findings"]
    );
}

/// With a period shorter than a day, each connection needs a refresh every period: the
/// plan's coverage is of each period (a day's counts one success a day, which a trial's
/// 12-hour plan met with a queue refreshing each connection once a day), a bank's ceiling
/// is set against twice the refreshes at 12 hours, and the queue doubles its slots for
/// twice the API calls.
#[test]
fn a_twelve_hour_period_is_planned_period_by_period() {
    let t = TempDir::new("plan-short-period");
    // The metered bank's bucket lets through 1.5 refreshes a day of each of its 1,250
    // connections: all of them once a day, three quarters of them twice.
    let rate = 1250.0 * 1.5 / 86_400.0;
    let s = two_banks(
        t.path(),
        &format!(r#"[{{ kind = "token_bucket", rate = {rate}, burst = 1 }}]"#),
        "",
    );
    let plan = |period: &str| {
        let o = sim(&[
            "plan",
            &s,
            "--users",
            "2500",
            "--replications",
            "2",
            "--json",
            "--set",
            &format!("strategy.period={period}"),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let (day, half) = (plan("24h"), plan("12h"));
    let ceiling = |j: &serde_json::Value| j["banks"][1]["coverage_ceiling"].as_f64().unwrap();
    assert!((ceiling(&day) - 1.0).abs() < 1e-9, "{}", ceiling(&day));
    assert!((ceiling(&half) - 0.75).abs() < 0.01, "{}", ceiling(&half));
    assert_eq!(day["coverage_counts"], "day");
    assert_eq!(half["coverage_counts"], "12 h period");
    // Out of reach at 12 hours: the best achievable covers no more than the bound.
    assert_eq!(half["targets_met"], false, "{half}");
    assert!(half["coverage"].as_f64().unwrap() <= half["coverage_bound"].as_f64().unwrap() + 0.01);
    let vendor = |period: &str| {
        let o = sim(&[
            "plan",
            "scenarios/vendor-table.toml",
            "--users",
            "20000",
            "--replications",
            "2",
            "--json",
            "--set",
            &format!("strategy.period={period}"),
        ]);
        assert!(o.status.success());
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let (once, twice) = (vendor("24h"), vendor("12h"));
    let calls = |j: &serde_json::Value| j["api_calls_per_day"].as_f64().unwrap();
    let ratio = calls(&twice) / calls(&once);
    assert!(
        (1.9..2.1).contains(&ratio),
        "API calls {ratio}× at 12 hours"
    );
    assert!(twice["coverage"].as_f64().unwrap() >= 0.99, "{twice}");
}
