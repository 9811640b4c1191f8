//! A sweep over `strategy.period` is read by what customers find, not by coverage: coverage
//! counts each point's own period and users per day one refresh a day, so neither says which
//! period keeps data fresher (a trial's report led with the best coverage at 24 h, pointing
//! at daily refreshes, where its opens finding data past its 6 h fell from 56 % to 11 %).

mod common;
use common::*;

/// Random offsets every 6 h and every 24 h, for a product whose data is fresh within 6 h:
/// daily offsets leave each connection's data age uniform over the day, so about 1 − 6/24 =
/// 75 % of opens find it 6 h old or older; every 6 h, about none. The terminal's table and
/// the report's give the share, and the report's first finding reads the sweep by it.
#[test]
fn a_sweep_over_periods_is_read_by_the_opens_not_fresh() {
    let dir = TempDir::new("sweep-periods");
    let file = dir.join("fresh.toml");
    let scenario = |fresh: &str| {
        format!(
            "[window]\nlength = \"3d\"\nwarmup = \"1d\"\n{fresh}\n[population]\n\
             connections = 4000\n[strategy]\nkind = \"random_offset\"\n[on_demand]\n\
             per_day = 0\n[[banks]]\nname = \"b\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"2s\" }}\n"
        )
    };
    std::fs::write(&file, scenario("fresh_within = \"6h\"")).unwrap();
    let out = dir.join("sweep");
    let sweep = |file: &std::path::Path, out: &std::path::Path| {
        let args = [
            "--set",
            "strategy.period=6h,24h",
            "--replications",
            "2",
            "--out",
        ];
        succeed(
            std::process::Command::new(env!("CARGO_BIN_EXE_refresh-sim"))
                .arg("sweep")
                .arg(file)
                .args(args)
                .arg(out),
        )
    };
    let terminal = text(&sweep(&file, &out).stdout);
    let lines: Vec<&str> = terminal.lines().collect();
    // The table's cells are apart by two spaces or more.
    let cells = |line: &str| -> Vec<String> {
        (line.split("  ").map(str::trim).filter(|c| !c.is_empty()))
            .map(String::from)
            .collect()
    };
    let column = (cells(lines[1]).iter().position(|c| c == "opens not fresh")).expect(&terminal);
    let share = |line: &str| -> f64 {
        let cell = cells(line)[column].clone();
        let mean = cell.split(' ').next().unwrap();
        mean.parse::<f64>().unwrap() / 100.0
    };
    let (six, day) = (share(lines[2]), share(lines[3]));
    assert!(six < 0.05 && (day - 0.75).abs() < 0.05, "{terminal}");

    succeed(
        std::process::Command::new(env!("CARGO_BIN_EXE_refresh-sim"))
            .arg("report")
            .arg(&out),
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    let findings = report.split("## Key findings").nth(1).unwrap();
    let first = findings.trim_start().lines().next().unwrap();
    assert!(
        first.starts_with("- The points refresh at different periods")
            && first.contains("app opens finding data past window.fresh_within went from"),
        "{first}"
    );
    assert!(
        report.contains("| app opens finding data past window.fresh_within (mean ± 95 % CI) |"),
        "{report}"
    );

    // At a freshness of a day the share is the day-old one: no column of its own.
    let daily = dir.join("daily.toml");
    std::fs::write(&daily, scenario("")).unwrap();
    let terminal = text(&sweep(&daily, &dir.join("daily")).stdout);
    assert!(!terminal.contains("opens not fresh"), "{terminal}");
}
