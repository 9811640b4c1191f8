//! `plan --max-customer-failure-rate`: the customers' own 429s as a target, and the priority
//! lane the plan tries for it. A credit union capped at one call, whose customers, calling
//! directly, meet the background's hold on its one slot; per-bank pools that take them
//! first through that slot keep them out of its 429s, and the memo's command runs that.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_refresh-sim");

/// A big bank without limits and a credit union capped at one call; customers ask for a
/// fifth of the connections a day, by business hours, calling directly.
const SCENARIO: &str = "name = \"union\"\nseed = 3\n[window]\nlength = \"3d\"\nwarmup = \"1d\"\n\
    [population]\nconnections = 20000\n[strategy]\nkind = \"queued\"\nconcurrency = 16\n\
    [on_demand]\nper_connection = 0.2\n\
    profile = [0,0,0,0,0,0,0,0,1,2,2,2,2,2,2,2,2,1,0,0,0,0,0,0]\n\
    [[banks]]\nname = \"big\"\nshare = 0.8\nerror_rate = 0.0\n\
    service_time = { dist = \"lognormal\", median = \"4s\", p95 = \"12s\" }\n\
    [[banks]]\nname = \"union\"\nshare = 0.2\nerror_rate = 0.0\n\
    service_time = { dist = \"lognormal\", median = \"6s\", p95 = \"20s\" }\n\
    limits = [{ kind = \"concurrency\", max_in_flight = 1 }]\n";

fn plan(sc: &Path, extra: &[&str]) -> Output {
    (Command::new(BIN).arg("plan").arg(sc))
        .args(["--users", "20000", "--json"])
        .args(extra)
        .output()
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_customers_bound_is_met_through_the_priority_lane() {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("union.toml");
    std::fs::write(&sc, SCENARIO).unwrap();
    let j = json(&plan(&sc, &["--max-customer-failure-rate", "0.01"]));
    assert_eq!(j["targets"]["max_customer_failure_rate"], 0.01, "{j}");
    assert_eq!(j["targets_met"], true, "{}", j["findings"]);
    assert_eq!(j["met"]["customer_failure_rate"], true);
    let setting = j["setting"].as_str().unwrap();
    assert!(
        setting.ends_with(", customers through the priority lane"),
        "{setting}"
    );
    assert!(j["customer_failure_rate"].as_f64().unwrap() <= 0.01, "{j}");
    let candidates = j["candidates"].as_array().unwrap();
    // The lane is what meets it: the same pools calling directly leave the customers the
    // union's 429s.
    let chosen = (candidates.iter()).find(|c| c["chosen"] == true).unwrap();
    assert_eq!(chosen["customers_lane"], "priority");
    let twin = (candidates.iter())
        .find(|c| c["parameters"] == chosen["parameters"] && c["customers_lane"] == "direct")
        .expect("the direct twin searched first");
    let direct = twin["customer_failure_rate"].as_f64().unwrap();
    assert!(direct > 0.05, "{twin}");
    // The lane's wait is the twin's or longer: the customers queue for the union's slot.
    let wait = |c: &serde_json::Value| c["customer_wait_p95_seconds"].as_f64().unwrap();
    assert!(wait(chosen) >= wait(twin), "{chosen} {twin}");
    // The memo's command runs it: one run, on the plan's first seed, within the bound.
    let set: Vec<String> = (j["set"].as_array().unwrap().iter())
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    assert!(
        set.contains(&"on_demand.lane=\"priority\"".to_string()),
        "{set:?}"
    );
    let out = dir.path().join("run");
    let mut run = Command::new(BIN);
    run.arg("run").arg(&sc).arg("--out").arg(&out);
    for s in &set {
        run.args(["--set", s]);
    }
    let status = run.output().unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let mut rows = summary.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "on_demand_failure_rate")
        .unwrap();
    let all = rows.find(|r| r.contains(",all,")).unwrap();
    let refused: f64 = all.split(',').nth(col).unwrap().parse().unwrap();
    assert!(refused <= 0.01, "{all}");
}

#[test]
fn without_the_bound_the_lane_is_not_tried_and_needs_customers() {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("union.toml");
    std::fs::write(&sc, SCENARIO).unwrap();
    let j = json(&plan(&sc, &[]));
    let candidates = j["candidates"].as_array().unwrap();
    assert!(
        candidates.iter().all(|c| c["customers_lane"] == "direct"),
        "{candidates:?}"
    );
    assert_eq!(j["met"]["customer_failure_rate"], true);
    // A share out of range, and a scenario without customers, are refused naming the flag.
    let out = plan(&sc, &["--max-customer-failure-rate", "1.5"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("--max-customer-failure-rate 1.5: must be at least 0 and below 1"),
        "{err}"
    );
    let none = dir.path().join("none.toml");
    let text = SCENARIO
        .replace("[on_demand]\nper_connection = 0.2\n", "")
        .replace(
            "profile = [0,0,0,0,0,0,0,0,1,2,2,2,2,2,2,2,2,1,0,0,0,0,0,0]\n",
            "",
        );
    std::fs::write(&none, text).unwrap();
    let out = plan(&none, &["--max-customer-failure-rate", "0.01"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("the scenario has no customers' requests"),
        "{err}"
    );
}

/// `plan --max-customer-wait`: one bank without limits whose customers, a refresh per
/// connection a day by business hours, take the scenario's priority lane. The queue that
/// covers the book keeps them past the hour (its slots are busy with them all day); the bound
/// walks it to more slots, and the memo's figures say the wait either way.
#[test]
fn the_customers_wait_bound_sizes_the_lane_s_slots() {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("one.toml");
    let one_bank = &SCENARIO[..SCENARIO.find("[[banks]]\nname = \"union\"").unwrap()];
    let text = (one_bank.replace("share = 0.8", "share = 1.0")).replace(
        "per_connection = 0.2\n",
        "per_connection = 1.0\nlane = \"priority\"\n",
    );
    std::fs::write(&sc, text).unwrap();
    let wait = |j: &serde_json::Value| j["customer_wait_p95_seconds"].as_f64();
    let slots = |j: &serde_json::Value| j["parameters"]["concurrency"].as_u64().unwrap();
    let free = json(&plan(&sc, &[]));
    assert_eq!(free["strategy"], "queued", "{free}");
    // Past the hour: null, as the JSON writes an infinite figure (the key is there).
    let key = free.get("customer_wait_p95_seconds");
    assert!(key.is_some_and(|w| w.is_null()), "{free}");
    let bounded = json(&plan(&sc, &["--max-customer-wait", "60"]));
    assert_eq!(bounded["targets"]["max_customer_wait_seconds"], 60.0);
    assert_eq!(bounded["targets_met"], true, "{}", bounded["findings"]);
    assert_eq!(bounded["met"]["customer_wait"], true);
    assert!(wait(&bounded).unwrap() <= 60.0, "{bounded}");
    assert!(slots(&bounded) > slots(&free), "{bounded} {free}");
    // The memo says their wait without a bound too, and a finding names the flag.
    let out = Command::new(BIN)
        .arg("plan")
        .arg(&sc)
        .args(["--users", "20000"])
        .output()
        .unwrap();
    let memo = String::from_utf8_lossy(&out.stdout);
    assert!(
        memo.contains("their requests wait ≥ 1 h for data at the 95th percentile"),
        "{memo}"
    );
    assert!(
        memo.contains("bound their wait (--max-customer-wait, e.g. 60)"),
        "{memo}"
    );
    // Out of range (the waits are measured to an hour), and without customers: refused.
    let out = plan(&sc, &["--max-customer-wait", "1h"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains(
                "--max-customer-wait 3600: must be at least 0.1 (the waits' histogram's step) and \
                 below 3600 seconds"
            ),
        "{err}"
    );
    let none = dir.path().join("none.toml");
    std::fs::write(&none, &one_bank[..one_bank.find("[on_demand]").unwrap()]).unwrap();
    let text =
        std::fs::read_to_string(&none).unwrap() + &one_bank[one_bank.find("[[banks]]").unwrap()..];
    std::fs::write(&none, text.replace("share = 0.8", "share = 1.0")).unwrap();
    let out = plan(&none, &["--max-customer-wait", "90s"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("--max-customer-wait 90: the scenario has no customers' requests"),
        "{err}"
    );
}

/// Slots sized for the background alone, which the customers would fill from day to day
/// through the lane, are tried with the customers' own on top (Little's law at their busiest
/// hour): one bank capped at 12 calls, customers refreshing each connection four times a day
/// calling directly; the queue's search stops at one slot, and its lane trial is a queue
/// of some thirty (a trial's per-bank best, pools of one or two, was never tried with the
/// lane, which met every target with larger ones).
#[test]
fn the_lane_is_tried_with_the_customers_slots_on_top() {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("capped.toml");
    let one_bank = &SCENARIO[..SCENARIO.find("[[banks]]\nname = \"union\"").unwrap()];
    let text = (one_bank.replace("share = 0.8", "share = 1.0"))
        .replace("per_connection = 0.2\n", "per_connection = 4.0\n")
        + "limits = [{ kind = \"concurrency\", max_in_flight = 12 }]\n";
    std::fs::write(&sc, text).unwrap();
    let j = json(&plan(&sc, &["--max-customer-failure-rate", "0.01"]));
    let queues = |lane: &str| -> Vec<u64> {
        (j["candidates"].as_array().unwrap().iter())
            .filter(|c| c["strategy"] == "queued" && c["customers_lane"] == lane)
            .map(|c| c["parameters"]["concurrency"].as_u64().unwrap())
            .collect()
    };
    let (direct, laned) = (queues("direct"), queues("priority"));
    assert_eq!(laned.len(), 1, "{laned:?}");
    assert!(
        direct.iter().all(|&c| laned[0] > c + 20),
        "{direct:?} {laned:?}"
    );
}
