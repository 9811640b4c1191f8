//! The plan's failure target when customers call a tight bank straight from the app: their
//! own calls' 429s are kept apart from the background refreshes', so that a background that
//! fails nobody is not judged by calls it does not send (a trial's plan found nothing within
//! 1 % whatever the background did, without saying why).

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_refresh-sim");

/// 2,000 connections, half at a bank that serves two calls at a time; customers ask for
/// 30,000 refreshes a day, by the app-open profile, straight to the platform.
const SCENARIO: &str = "name = \"busy-customers\"\nseed = 2\n[window]\nlength = \"1d\"\n\
    [population]\nconnections = 2000\n[on_demand]\nper_day = 30000\n\
    [strategy]\nkind = \"queued\"\nconcurrency = 2\n\
    [[banks]]\nname = \"tight\"\nshare = 0.5\n\
    service_time = { dist = \"lognormal\", median = \"4s\", p95 = \"10s\" }\n\
    limits = [{ kind = \"concurrency\", max_in_flight = 2 }]\n\
    [[banks]]\nname = \"open\"\nshare = 0.5\n\
    service_time = { dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }\n";

fn plan(scope: &str) -> (String, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("s.toml");
    std::fs::write(&sc, SCENARIO).unwrap();
    let run = |json: bool| {
        let mut cmd = Command::new(BIN);
        cmd.arg("plan")
            .arg(&sc)
            .args(["--users", "2000", "--failure-scope", scope]);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    (run(false), serde_json::from_str(&run(true)).unwrap())
}

#[test]
fn customers_calls_are_kept_apart_from_the_background() {
    let (text, j) = plan("client");
    let f = |k: &str| j[k].as_f64().unwrap_or_else(|| panic!("{k}: {j}"));
    // The split adds up: the client's 429s are the background's and the customers', each
    // rate over its own attempts (one day, no warm-up: the rates and the attempts a day
    // cover the same calls; means over replications, so within a few per cent).
    let (all, background) = (f("attempts_per_day"), f("background_attempts_per_day"));
    let parts =
        f("background_failure_rate") * background + f("customer_failure_rate") * (all - background);
    let whole = f("client_failure_rate") * all;
    assert!(
        (parts / whole - 1.0).abs() < 0.03,
        "{parts} vs {whole}: {j}"
    );
    assert!(background > 0.0 && background < all, "{j}");
    assert!(f("customer_failure_rate") > 0.01, "{j}");
    assert!(f("background_failure_rate") < 0.01, "{j}");
    assert!(
        f("background_failure_rate") < f("client_failure_rate")
            && f("client_failure_rate") < f("customer_failure_rate"),
        "{j}"
    );
    assert_eq!(j["targets_met"], false);
    assert!(
        text.contains("its customers' own calls") && text.contains("(--failure-scope background)"),
        "{text}"
    );

    let (text, j) = plan("background");
    assert_eq!(j["targets_met"], true, "{text}");
    assert_eq!(j["targets"]["failure_scope"], "background");
    assert!(
        text.contains("background refreshes' failures ≤ 1.00 %"),
        "{text}"
    );
}

/// A search does not stop climbing for 429s its knob does not cause: a bank whose bucket for
/// customer-present calls (0.05/s) refuses a share of the customers' 10,000 requests a day,
/// and nothing of the background's. A queue of one slot fails the client's 1 % bound by its
/// customers' calls alone, and covers too little; the walk goes on to the slots that cover
/// (it stopped at one, where no more slots could lower its background's 429s, none).
#[test]
fn the_search_climbs_past_429s_its_knob_does_not_cause() {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("s.toml");
    std::fs::write(
        &sc,
        "name = \"present-bucket\"\nseed = 3\n[window]\nlength = \"2d\"\nwarmup = \"1d\"\n\
         [population]\nconnections = 20000\n[on_demand]\nper_connection = 0.5\n\
         [strategy]\nkind = \"queued\"\nconcurrency = 1\n\
         [[banks]]\nname = \"b\"\nshare = 1.0\nerror_rate = 0.0\n\
         service_time = { dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }\n\
         limits = [{ kind = \"token_bucket\", rate = 0.05, burst = 5, applies_to = \"customer_present\" }]\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .arg("plan")
        .arg(&sc)
        .args(["--users", "20000", "--replications", "2", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let queued: Vec<&serde_json::Value> = j["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["strategy"] == "queued")
        .collect();
    let one = queued[0];
    assert_eq!(one["parameters"]["concurrency"], 1, "{j}");
    assert!(one["client_failure_rate"].as_f64().unwrap() > 0.01, "{one}");
    assert_eq!(
        one["background_failure_rate"].as_f64().unwrap(),
        0.0,
        "{one}"
    );
    assert!(
        queued
            .iter()
            .any(|c| c["coverage"].as_f64().unwrap() >= 0.99),
        "{queued:?}"
    );
}
