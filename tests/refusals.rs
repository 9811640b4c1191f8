//! Which of a bank's limits refused its calls (`Tally::refused_by`, `run`'s "refused by"
//! line): a trial asking whether a PSD2 quota of four a day ever refused a call had only the
//! attempt log's Retry-After to tell by.

mod common;

use refresh_sim::metrics::RunResult;
use refresh_sim::scenario;
use refresh_sim::sim;

/// One bank, every connection offered every 6 hours at once (bulk, no retries, no 5xx),
/// under `limits`.
fn run(connections: u32, limits: &str) -> RunResult {
    let text = format!(
        "[window]\nlength = \"24h\"\n[population]\nconnections = {connections}\n\
         [platform]\nstatus = \"callback\"\ndedup_window = \"0s\"\n\
         [strategy]\nkind = \"bulk\"\nperiod = \"6h\"\n[retry]\nmax_attempts = 1\n\
         [[banks]]\nname = \"b\"\nshare = 1.0\nerror_rate = 0.0\n\
         service_time = {{ dist = \"constant\", value = \"1s\" }}\nlimits = {limits}\n"
    );
    let sc = scenario::parse(&text, "inline", "refusals", &[]).unwrap_or_else(|e| panic!("{e}"));
    sim::run(&sc, 1)
}

/// A quota of two a day over four offers a day refuses exactly the last two of each
/// connection, all of them its own; a cap beside it refuses its share too, each refusal
/// counted at every policy that refused it (so at least once, at most at both).
#[test]
fn each_refusal_is_counted_at_the_policy_that_refused_it() {
    let n = 500;
    let quota = r#"[{ kind = "quota", k = 2, period = "calendar_day" }]"#;
    let r = run(n, quota);
    let t = &r.banks[0];
    assert_eq!(t.rate_limited, 2 * n as u64, "{t:?}");
    assert_eq!(t.refused_by, vec![2 * n as u64]);
    assert_eq!(r.limit_kinds, vec![vec!["quota"]]);

    let both = r#"[{ kind = "quota", k = 2, period = "calendar_day" }, { kind = "concurrency", max_in_flight = 50 }]"#;
    let r = run(n, both);
    let t = &r.banks[0];
    let (quota, cap) = (t.refused_by[0], t.refused_by[1]);
    assert!(quota > 0 && cap > 0, "{t:?}");
    assert!(quota.max(cap) <= t.rate_limited, "{t:?}");
    assert!(quota + cap >= t.rate_limited, "{t:?}");
    assert_eq!(r.limit_kinds, vec![vec!["quota", "concurrency"]]);
}

/// `run` on one bank of 400 connections refreshed every `period` at once (bulk, no
/// retries), with `bank` its error rate and limits: its stdout, and the temporary
/// directory it ran in (tagged `name`, removed when dropped).
fn run_cli(name: &str, period: &str, bank: &str) -> (String, common::TempDir) {
    let dir = common::TempDir::new(name);
    let file = dir.join("one.toml");
    std::fs::write(
        &file,
        format!(
            "[window]\nlength = \"24h\"\n[population]\nconnections = 400\n\
             [strategy]\nkind = \"bulk\"\nperiod = \"{period}\"\n[retry]\nmax_attempts = 1\n\
             [[banks]]\nname = \"b\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n{bank}\n"
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_refresh-sim"))
        .args(["run", file.to_str().unwrap(), "--out"])
        .arg(dir.join("out"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), dir)
}

/// `run` says it, bank by bank, for a bank with more than one policy.
#[test]
fn run_says_which_limit_refused() {
    let (text, _dir) = run_cli(
        "refusals",
        "6h",
        "error_rate = 0.0\nlimits = [{ kind = \"quota\", k = 2, period = \"calendar_day\" }, \
         { kind = \"token_bucket\", rate = 1000.0, burst = 1000 }]",
    );
    assert!(
        text.contains("refused by: b: limits[0] quota 800, limits[1] token_bucket 0"),
        "{text}"
    );
}

/// `run`'s table gives the client's own 429s beside every failure, what a risk rule bounds:
/// a trial read a bank's 0.94 % failures, all of them 5xx errors, as near its rule of 1 %
/// own 429s. Here a bank failing a tenth of its calls with 5xx and refusing none.
#[test]
fn run_gives_own_429s_beside_every_failure() {
    let (text, dir) = run_cli(
        "own-429s",
        "6h",
        "error_rate = 0.1\nlimits = [{ kind = \"token_bucket\", rate = 1000.0, burst = 1000 }]",
    );
    let header = text.lines().find(|l| l.starts_with("bank ")).unwrap();
    assert!(header.contains(" failure  own 429s "), "{header}");
    let b = common::summary_row(&dir.join("out"), "b");
    let (failure, own) = (b["failure_rate"], b["client_failure_rate"]);
    assert!(failure > 0.05 && own == 0.0, "{b:?}");
    let row = text.lines().find(|l| l.starts_with("b ")).unwrap();
    let failure = format!("{:.2} %", 100.0 * failure);
    let after = &row[row.find(&failure).unwrap_or_else(|| panic!("{row}")) + failure.len()..];
    assert!(after.trim_start().starts_with("0.00 % "), "{row}");
}

/// With a period shorter than a day, `run`'s table gives each period's coverage beside the
/// day's (a trial read a bank's 100.00 % a day where its periods were covered 72 %): two
/// accesses a calendar day against four periods cover every day and half the periods. A
/// daily client's table has no such column.
#[test]
fn run_gives_each_periods_coverage_beside_the_days() {
    let quota =
        "error_rate = 0.0\nlimits = [{ kind = \"quota\", k = 2, period = \"calendar_day\" }]";
    let (text, _dir) = run_cli("per-period", "6h", quota);
    let header = text.lines().find(|l| l.starts_with("bank ")).unwrap();
    assert!(header.contains(" coverage per period "), "{header}");
    let row = text.lines().find(|l| l.starts_with("b ")).unwrap();
    assert!(row.contains(" 100.00 %    50.00 % "), "{row}");
    let (text, _dir) = run_cli("daily", "24h", quota);
    let header = text.lines().find(|l| l.starts_with("bank ")).unwrap();
    assert!(!header.contains("per period"), "{header}");
}
