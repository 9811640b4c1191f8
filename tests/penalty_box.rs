//! A penalty box that closes after repeated rejections (`after`, `within`): the bank's
//! answers call by call, the scenario's errors, and a day's admissions against the box that
//! closes at every breach.

use refresh_sim::scenario::{self, Scenario};
use refresh_sim::sim;
use refresh_sim::time::{SimDuration, SimTime};

fn scenario(limits: &str, connections: u32) -> refresh_sim::error::Result<Scenario> {
    let text = format!(
        "[window]\nlength = \"1d\"\n[population]\nconnections = {connections}\n\
         [strategy]\nkind = \"random_offset\"\n[[banks]]\nname = \"b\"\nshare = 1.0\n\
         retry_after = \"policy\"\n\
         service_time = {{ dist = \"lognormal\", median = \"7s\", p95 = \"22s\" }}\n\
         limits = [{limits}]\n"
    );
    scenario::parse(&text, "t.toml", "t", &[])
}

const CAP_1: &str = r#"{ kind = "concurrency", max_in_flight = 1 }"#;

/// Behind a cap of one call, a box closing at the second rejection within 10 s: the first
/// rejection is the cap's alone (the call waits for the cap's slot, not the bank); the
/// second, 5 s later, closes the bank to every call for the box's 60 s.
#[test]
fn the_box_closes_at_the_nth_rejection_within_its_span() {
    let limits = format!(
        r#"{CAP_1}, {{ kind = "penalty_box", duration = "60s", after = 2, within = "10s" }}"#
    );
    let mut bank = scenario(&limits, 10).unwrap().banks[0].clone();
    let s = |secs: u64| SimTime::ZERO + SimDuration::from_secs(secs);
    assert!(bank.try_admit(s(0), 0, false).is_ok());
    let first = bank.try_admit(s(1), 1, false).unwrap_err();
    assert_eq!(
        first.retry_at, None,
        "the cap alone gives no time: {first:?}"
    );
    let second = bank.try_admit(s(6), 2, false).unwrap_err();
    assert!(second.bank_wide, "{second:?}");
    assert_eq!(second.retry_at, Some(s(66)));
    // The cap's call ends; the box still refuses until 66 s.
    bank.release();
    assert!(bank.try_admit(s(30), 3, false).is_err());
    assert!(bank.try_admit(s(66), 3, false).is_ok());
}

/// `within` goes with `after` above 1, required there and ignored at 1; `after` is a count
/// of 1 or more.
#[test]
fn a_threshold_is_checked_naming_its_field() {
    let err = |limits: &str| scenario(limits, 10).unwrap_err().message;
    let m = err(r#"{ kind = "penalty_box", duration = "2m", after = 3 }"#);
    assert!(
        m.contains("banks[0].limits[0].within") && m.contains("is required with after = 3"),
        "{m}"
    );
    // A span with one rejection is read as none (a sweep over `after` keeps the file's).
    assert!(scenario(
        r#"{ kind = "penalty_box", duration = "2m", within = "1m" }"#,
        10
    )
    .is_ok());
    let m = err(r#"{ kind = "penalty_box", duration = "2m", after = 0, within = "1m" }"#);
    assert!(
        m.contains("banks[0].limits[0].after") && m.contains("at least 1"),
        "{m}"
    );
    assert!(scenario(
        r#"{ kind = "penalty_box", duration = "2m", after = 1 }"#,
        10
    )
    .is_ok());
}

/// Random offsets at a bank capped at 5 calls, offering about 3.7 in flight (Erlang B turns
/// away about 17 % of them): a box that closes at every rejection shuts the bank most of
/// the day; one that waits for five within a minute, far less often, so the bank admits
/// more. Without a box at all it admits more still.
#[test]
fn a_box_that_waits_for_repeated_rejections_admits_more() {
    let cap = r#"{ kind = "concurrency", max_in_flight = 5 }"#;
    let admitted = |limits: &str| {
        let sc = scenario(limits, 36_000).unwrap();
        sim::run(&sc, 3).total().admitted
    };
    let every = admitted(&format!(
        r#"{cap}, {{ kind = "penalty_box", duration = "2m" }}"#
    ));
    let five = admitted(&format!(
        r#"{cap}, {{ kind = "penalty_box", duration = "2m", after = 5, within = "1m" }}"#
    ));
    let none = admitted(cap);
    assert!(every < five && five < none, "{every} < {five} < {none}");
}
