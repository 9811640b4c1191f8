//! A bad day at one bank (a maintenance window on given `days`): a trial asked whether one
//! carries over, and every limit repeated daily. The incident refuses on its day alone, at
//! its bank alone; a queue with slack makes it up once the bank reopens, one without loses
//! that day's coverage, and its next day's pass, starting afresh, is whole again.

mod common;

use common::TempDir;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_refresh-sim");

/// `daily.csv`'s rows of `bank`: (day, outage_rejected, coverage).
fn days(dir: &std::path::Path, bank: &str) -> Vec<(u32, u64, f64)> {
    let mut r = csv::Reader::from_path(dir.join("daily.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (day, b, out, cov) = (
        col("day"),
        col("bank"),
        col("outage_rejected"),
        col("coverage"),
    );
    (r.records().map(|x| x.unwrap()))
        .filter(|x| &x[b] == bank)
        .map(|x| {
            (
                x[day].parse().unwrap(),
                x[out].parse().unwrap(),
                x[cov].parse().unwrap(),
            )
        })
        .collect()
}

fn run(t: &TempDir, busy: u32, name: &str) -> std::path::PathBuf {
    let file = t.join(&format!("{name}.toml"));
    std::fs::write(
        &file,
        format!(
            "name = \"incident\"\nseed = 2\n[window]\nlength = \"5d\"\n\
             [population]\nconnections = {busy}\n[strategy]\nkind = \"queued\"\nconcurrency = 16\n\
             [[banks]]\nname = \"steady\"\nshare = 0.5\n\
             service_time = {{ dist = \"lognormal\", median = \"2s\", p95 = \"6s\" }}\n\
             [[banks]]\nname = \"troubled\"\nshare = 0.5\nretry_after = \"policy\"\n\
             service_time = {{ dist = \"lognormal\", median = \"2s\", p95 = \"6s\" }}\n\
             limits = [{{ kind = \"maintenance\", start = \"00:00\", end = \"12:00\", days = [2] }}]\n"
        ),
    )
    .unwrap();
    let out = t.join(name);
    let o = Command::new(BIN)
        .args([
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

#[test]
fn an_incident_refuses_on_its_day_at_its_bank_and_the_next_pass_is_whole() {
    let t = TempDir::new("incident");
    // A book the queue gets through in a few hours: day 2's twelve closed hours are made up
    // once the bank reopens.
    let light = run(&t, 20_000, "light");
    let troubled = days(&light, "troubled");
    for &(day, outage, coverage) in &troubled {
        assert_eq!(outage > 0, day == 2, "{troubled:?}");
        assert!(coverage > 0.999, "{troubled:?}");
    }
    assert!(days(&light, "steady").iter().all(|d| d.1 == 0));
    // A book that takes the queue most of the day: the closed hours' refreshes are not made
    // up that day; the next day's pass covers the whole book again (coverage does not carry
    // the loss; the data's age does, until each connection's turn comes).
    let busy = run(&t, 125_000, "busy");
    let troubled = days(&busy, "troubled");
    let cov = |d: u32| troubled.iter().find(|x| x.0 == d).unwrap().2;
    assert!(cov(2) < cov(1) - 0.2, "{troubled:?}");
    assert!(cov(1) > 0.999 && cov(3) > 0.999, "{troubled:?}");
}
