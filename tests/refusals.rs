//! Which of a bank's limits refused its calls (`Tally::refused_by`, `run`'s "refused by"
//! line): a trial asking whether a PSD2 quota of four a day ever refused a call had only the
//! attempt log's Retry-After to tell by.

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

/// `run` says it, bank by bank, for a bank with more than one policy.
#[test]
fn run_says_which_limit_refused() {
    let dir = std::env::temp_dir().join(format!("refusals-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("two.toml");
    std::fs::write(
        &file,
        "[window]\nlength = \"24h\"\n[population]\nconnections = 400\n\
         [strategy]\nkind = \"bulk\"\nperiod = \"6h\"\n[retry]\nmax_attempts = 1\n\
         [[banks]]\nname = \"b\"\nshare = 1.0\nerror_rate = 0.0\n\
         service_time = { dist = \"constant\", value = \"1s\" }\n\
         limits = [{ kind = \"quota\", k = 2, period = \"calendar_day\" }, \
         { kind = \"token_bucket\", rate = 1000.0, burst = 1000 }]\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_refresh-sim"))
        .args(["run", file.to_str().unwrap(), "--out"])
        .arg(dir.join("out"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("refused by: b: limits[0] quota 800, limits[1] token_bucket 0"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
