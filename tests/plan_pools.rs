//! The planner's per-bank pools climb bank by bank: a bank past its cap (its own 429s, no
//! gain) holds its step while another goes on up its ladder, past three times the slots
//! Little's law gives it where a bad day's slow calls hold its slots longer than their mean.
//! (A trial's planner stopped every bank at once when one small bank passed its cap, its
//! big bank at 21 slots, short of the target a pool at its cap of 30 met without a 429.)

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_refresh-sim");

/// A big bank that slows tenfold for thirteen hours of day 3 behind a cap of 30, and a
/// small one behind a cap of 4.
const SCENARIO: &str = "name = \"two\"\nseed = 1\n[window]\nlength = \"4d\"\nwarmup = \"1d\"\n\
    [population]\nconnections = 1000\n[platform]\npoll_interval = \"10s\"\n\
    [strategy]\nkind = \"queued\"\nconcurrency = 8\n\
    [[banks]]\nname = \"big\"\nshare = 0.8\nerror_rate = 0.0\n\
    service_time = { dist = \"lognormal\", median = \"5s\", p95 = \"16s\" }\n\
    limits = [{ kind = \"concurrency\", max_in_flight = 30 },\n\
      { kind = \"maintenance\", start = \"07:00\", end = \"20:00\", slowdown = 10.0, days = [3] }]\n\
    [[banks]]\nname = \"small\"\nshare = 0.2\nerror_rate = 0.0\n\
    service_time = { dist = \"lognormal\", median = \"8s\", p95 = \"25s\" }\n\
    limits = [{ kind = \"concurrency\", max_in_flight = 4 }]\n";

#[test]
fn a_bank_past_its_cap_holds_its_pool_while_another_climbs() {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("two.toml");
    std::fs::write(&sc, SCENARIO).unwrap();
    let out = Command::new(BIN)
        .arg("plan")
        .arg(&sc)
        .args([
            "--users",
            "100000",
            "--replications",
            "2",
            "--min-bank-coverage",
            "0.99",
        ])
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["targets_met"], true, "{j}");
    // The pools searched, in order: (big, small, own 429s).
    let pools: Vec<(u64, u64, f64)> = (j["candidates"].as_array().unwrap().iter())
        .filter(|c| c["strategy"] == "per_bank" && c["setting"].as_str().unwrap().len() < 40)
        .map(|c| {
            let p = &c["parameters"]["pools"];
            let rate = c["client_failure_rate"].as_f64().unwrap();
            (
                p["big"].as_u64().unwrap(),
                p["small"].as_u64().unwrap(),
                rate,
            )
        })
        .collect();
    // The small bank's pool passes its cap once (429s, no gain), then holds below it while
    // the big bank's keeps growing; none past the cap is tried again.
    let past = pools
        .iter()
        .position(|p| p.1 > 4)
        .expect("the small pool passed its cap");
    assert!(pools[past].2 > 0.01, "{pools:?}");
    let after = &pools[past + 1..];
    assert!(after.len() >= 2, "{pools:?}");
    assert!(after.iter().all(|p| p.1 <= 4), "{pools:?}");
    assert!(after.windows(2).all(|w| w[1].0 > w[0].0), "{pools:?}");
    assert!(after.iter().any(|p| p.0 >= 23 && p.2 == 0.0), "{pools:?}");
}

/// With the customers' priority lane, which runs through the client's slots, the plan
/// searches the clients with slots alone: a pace or random offsets would send the customers
/// direct, and the memo's run command (`--set strategy.kind=paced` beside the lane) would be
/// refused (a review).
#[test]
fn the_priority_lane_is_planned_with_slots_alone() {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("two.toml");
    let text = SCENARIO.replace(
        "[[banks]]\nname = \"big\"",
        "[on_demand]\nper_connection = 0.2\nlane = \"priority\"\n[[banks]]\nname = \"big\"",
    );
    std::fs::write(&sc, text).unwrap();
    let plan = |sets: &[&str]| {
        let out = Command::new(BIN)
            .arg("plan")
            .arg(&sc)
            .args(["--users", "1000", "--replications", "2", "--threads", "2"])
            .args(sets)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let searched = |memo: &str| {
        let table = memo.split("Settings searched").nth(1).unwrap().to_string();
        table.split("\n\n").next().unwrap().to_string()
    };
    let lane = searched(&plan(&[]));
    assert!(lane.contains("queued, concurrency"), "{lane}");
    assert!(
        !lane.contains("paced") && !lane.contains("random"),
        "{lane}"
    );
    // The direct lane searches them all, so the test can tell.
    let direct = searched(&plan(&["--set", "on_demand.lane=direct"]));
    assert!(
        direct.contains("paced") && direct.contains("random"),
        "{direct}"
    );
}
