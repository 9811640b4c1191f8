//! Sweeps and the planner, end to end: grid expansion, seeds independent of the thread count
//! (byte-identical files), resume after a kill, the planner against the vendor table, and
//! clear errors for bad `--set` values.

use refresh_sim::experiment::sweep::{split_values, Grid, GridAxis, Sweep};
use refresh_sim::metric::Metric;
use refresh_sim::output::summary::SummaryRow;
use refresh_sim::output::sweep as files;
use refresh_sim::rng::replication_seed;
use refresh_sim::scenario::Source;
use refresh_sim::stats::Estimate;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_refresh-sim");

#[test]
fn grid_expands_in_row_major_order_file_axes_first() {
    assert_eq!(split_values("8,[1, 2],\"a,b\""), ["8", "[1, 2]", "\"a,b\""]);
    let kind = GridAxis::from_set("strategy.kind=queued,\"random_offset\"").unwrap();
    assert_eq!(kind.labels, ["queued", "random_offset"]);
    let conc = GridAxis::from_set("strategy.concurrency=1,2,4").unwrap();
    let grid = Grid::new(vec![], vec![kind.clone(), conc.clone()]).unwrap();
    assert_eq!(grid.len(), 6);
    let labels: Vec<Vec<String>> = grid.points().into_iter().map(|p| p.labels).collect();
    let want = [
        ["queued", "1"],
        ["queued", "2"],
        ["queued", "4"],
        ["random_offset", "1"],
        ["random_offset", "2"],
        ["random_offset", "4"],
    ];
    assert_eq!(labels, want.map(|r| r.map(String::from).to_vec()));

    // The file's [sweep] axes come first; a command-line axis for the same field replaces
    // the file's in its place (`banks[0]` and `banks.0` are the same field).
    let source = Source {
        origin: "small.toml".into(),
        text: SMALL.replace(
            "grid = [",
            "grid = [{ path = \"banks[0].error_rate\", values = [0.0, 0.02] }, ",
        ),
        default_name: "small".into(),
    };
    let sw = Sweep::prepare(
        &source,
        &[
            "strategy.kind=bulk,queued".into(),
            "banks.0.error_rate=0.01".into(),
        ],
        None,
        None,
    )
    .unwrap();
    assert_eq!(
        sw.grid.columns(),
        [
            "banks.0.error_rate",
            "strategy.concurrency",
            "strategy.kind"
        ]
    );
    assert_eq!(sw.points.len(), 4);
    assert_eq!(sw.replications, 3, "from [sweep] replications");
    assert_eq!(
        sw.points[1].sets,
        [
            "banks.0.error_rate=0.01",
            "strategy.concurrency=4",
            "strategy.kind=queued"
        ]
    );
    assert_eq!(sw.scenarios[3].banks[0].error_rate, 0.01);
    assert_eq!(sw.base_seeds, [7; 4]);
    // A grid with no axes is the scenario itself.
    assert_eq!(Grid::default().points().len(), 1);
    assert!(Grid::new(vec![], vec![conc.clone(), conc]).is_err());
}

#[test]
fn output_is_byte_identical_for_one_and_two_threads() {
    let tmp = TempDir::new("sweep-threads");
    let dir = tmp.path();
    let scenario = write_small(dir);
    let run = |threads: &str| {
        let out = dir.join(format!("t{threads}"));
        // A report drawn from earlier results there goes with them (redrawn by `report`).
        std::fs::create_dir_all(out.join("charts")).unwrap();
        std::fs::write(out.join("report.md"), "an earlier sweep's").unwrap();
        std::fs::write(out.join("charts").join("old.svg"), "").unwrap();
        let o = sim(&[
            "sweep",
            scenario.to_str().unwrap(),
            "--set",
            "strategy.kind=queued,random_offset",
            "--threads",
            threads,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        // No progress off a terminal: only the notes `run` would give its points, once.
        let said = text(&o.stderr);
        assert!(
            said.lines().all(|l| l.starts_with("note: at strategy.")),
            "quiet when stderr is not a terminal: {said}"
        );
        out
    };
    let (one, two) = (run("1"), run("2"));
    assert!(!one.join("report.md").exists() && !one.join("charts").exists());
    let all_files = [
        "sweep.csv",
        "sweep_summary.csv",
        "sweep_banks.csv",
        "sweep_banks_summary.csv",
    ];
    for f in all_files {
        let a = std::fs::read(one.join(f)).unwrap();
        assert!(!a.is_empty());
        assert_eq!(
            a,
            std::fs::read(two.join(f)).unwrap(),
            "{f} differs between --threads 1 and 2"
        );
    }
    // The journal is gone once the sweep is assembled.
    let left: Vec<_> = std::fs::read_dir(&one)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 4, "{left:?}");

    // One row per point × replication, grid order then replication; every point of
    // replication r runs with the same seed (common random numbers).
    let (columns, rows) = files::read_sweep(&one.join("sweep.csv")).unwrap();
    assert_eq!(columns, ["strategy.concurrency", "strategy.kind"]);
    assert_eq!(rows.len(), 4 * 3);
    for (i, row) in rows.iter().enumerate() {
        let r = (i % 3) as u32;
        assert_eq!(row.replication, r);
        assert_eq!(row.run.seed, replication_seed(7, r));
        assert_eq!(row.run.bank, "all");
    }
    assert_eq!(rows[0].params, ["4", "queued"]);
    assert_eq!(rows[3].params, ["4", "random_offset"]);
    assert_eq!(rows[6].params, ["16", "queued"]);

    // The summary's mean and half-width are those of the rows.
    let (_, points) = files::read_summary(&one.join("sweep_summary.csv")).unwrap();
    assert_eq!(points.len(), 4);
    for (p, s) in points.iter().enumerate() {
        assert_eq!(s.replications, 3);
        let xs: Vec<f64> = rows[3 * p..3 * p + 3]
            .iter()
            .map(|r| r.run.coverage)
            .collect();
        let e = Estimate::of(&xs).unwrap();
        let got = s.stat(Metric::Coverage).unwrap();
        assert!((got.mean - e.mean).abs() < 1e-6);
        assert!((got.sd.unwrap() - e.sd.unwrap()).abs() < 1e-6);
        assert!((got.ci95.unwrap() - 4.302_652_73 * e.sd.unwrap() / 3f64.sqrt()).abs() < 1e-5);
        // The data age at app opens is summarised too.
        let opens: Vec<f64> = rows[3 * p..3 * p + 3]
            .iter()
            .map(|r| r.run.stale_24h_at_open_share.unwrap())
            .collect();
        let got = s.stat(Metric::Stale24hAtOpenShare).unwrap();
        assert!((got.mean - Estimate::of(&opens).unwrap().mean).abs() < 1e-6);
    }
    banks_add_up_to_the_book(&one, &rows);
}

/// `sweep_banks.csv` holds each run's banks in its place, their counts adding up to its
/// `all` row's, and `sweep_banks_summary.csv` each point's banks, summarised from them.
fn banks_add_up_to_the_book(dir: &Path, rows: &[files::SweepRow]) {
    let (columns, banks) = files::read_sweep(&dir.join("sweep_banks.csv")).unwrap();
    assert_eq!(columns, ["strategy.concurrency", "strategy.kind"]);
    assert_eq!(banks.len(), 2 * rows.len(), "two banks a run");
    for (run, pair) in rows.iter().zip(banks.chunks(2)) {
        let names: Vec<&str> = pair.iter().map(|b| b.run.bank.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        for b in pair {
            assert_eq!((&b.params, b.replication), (&run.params, run.replication));
            assert_eq!(b.run.seed, run.run.seed);
        }
        let sum = |f: fn(&SummaryRow) -> u64| pair.iter().map(|b| f(&b.run)).sum::<u64>();
        assert_eq!(sum(|r| r.attempts), run.run.attempts);
        assert_eq!(sum(|r| r.successes), run.run.successes);
        assert_eq!(sum(|r| r.rate_limited), run.run.rate_limited);
    }
    let (columns, points) = files::read_summary(&dir.join("sweep_banks_summary.csv")).unwrap();
    assert_eq!(columns, ["strategy.concurrency", "strategy.kind", "bank"]);
    assert_eq!(points.len(), 4 * 2);
    for (i, s) in points.iter().enumerate() {
        let (p, b) = (i / 2, i % 2);
        let runs: Vec<&files::SweepRow> =
            banks[6 * p..6 * p + 6].iter().skip(b).step_by(2).collect();
        assert_eq!(s.params[..2], rows[3 * p].params[..]);
        assert_eq!(s.params[2], runs[0].run.bank);
        let xs: Vec<f64> = runs.iter().map(|r| r.run.failure_rate).collect();
        let got = s.stat(Metric::FailureRate).unwrap().mean;
        assert!((got - Estimate::of(&xs).unwrap().mean).abs() < 1e-6);
    }
}

#[test]
fn a_killed_sweep_resumes_to_the_same_files() {
    let tmp = TempDir::new("sweep-resume");
    let dir = tmp.path();
    let (killed, whole) = (dir.join("killed"), dir.join("whole"));
    let vendor = root().join("scenarios/vendor-table.toml");
    let args = |out: &Path, threads: &str| -> Vec<String> {
        [
            "sweep",
            vendor.to_str().unwrap(),
            "--set",
            "population.connections=100000",
            "--set",
            "strategy.concurrency=4,8,12,16",
            "--replications",
            "5",
            "--threads",
            threads,
            "--out",
            out.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec()
    };
    let partial = killed.join("sweep.partial.csv");
    let rows_in = |p: &Path| {
        std::fs::read_to_string(p)
            .map(|s| s.lines().count().saturating_sub(1))
            .unwrap_or(0)
    };

    // Kill it once a few runs are on disk.
    let mut child = Command::new(BIN)
        .args(args(&killed, "1"))
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while rows_in(&partial) < 3 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sweep finished before it could be killed"
        );
        assert!(start.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the sweep finished before it could be killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let finished = rows_in(&partial);
    assert!((3..20).contains(&finished), "{finished} rows");
    assert!(!killed.join("sweep.csv").exists());

    // Without --resume, an interrupted sweep is refused and left as it is.
    let before = std::fs::read(&partial).unwrap();
    let o = sim(&args(&killed, "2")
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--resume"), "{}", text(&o.stderr));
    assert_eq!(std::fs::read(&partial).unwrap(), before);

    // --check judges the directory as the run would: without --resume, or for another
    // sweep, it refuses; with it, it counts what is finished. Nothing is touched.
    let check = |extra: &[&str], set: &str| {
        let mut a: Vec<String> = args(&killed, "2")
            .into_iter()
            .map(|x| {
                if x.starts_with("strategy.concurrency=") {
                    set.to_string()
                } else {
                    x
                }
            })
            .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        sim(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let same = "strategy.concurrency=4,8,12,16";
    assert_eq!(check(&["--check"], same).status.code(), Some(2));
    let other = check(&["--check", "--resume"], "strategy.concurrency=4,8");
    assert_eq!(other.status.code(), Some(2));
    assert!(
        text(&other.stderr).contains("a different sweep"),
        "{}",
        text(&other.stderr)
    );
    // A sweep writing there (this process, alive, holds its lock) stops the check as it
    // would the run.
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let lock = killed.join("sweep.lock");
    std::fs::write(&lock, format!("{} {}", std::process::id(), host.trim())).unwrap();
    let busy = check(&["--check", "--resume"], same);
    assert_eq!(busy.status.code(), Some(2), "{}", text(&busy.stderr));
    assert!(
        text(&busy.stderr).contains("another sweep"),
        "{}",
        text(&busy.stderr)
    );
    std::fs::remove_file(&lock).unwrap();
    let ok = check(&["--check", "--resume"], same);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    let said = text(&ok.stdout);
    assert!(
        said.contains(&format!("{finished} of them finished in")),
        "{said}"
    );
    assert_eq!(std::fs::read(&partial).unwrap(), before);

    // A torn last line (a kill mid-write) is dropped.
    let mut torn = before.clone();
    torn.extend_from_slice(b"3,16,2,vendor-ta");
    std::fs::write(&partial, torn).unwrap();

    let mut resume = args(&killed, "2");
    resume.push("--resume".into());
    let o = sim(&resume.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains(&format!("{} resumed", finished)),
        "{}",
        text(&o.stdout)
    );
    // The table's columns are the field that varies; the one fixed is said once.
    let table = text(&o.stdout);
    assert!(
        table.contains("every point: population.connections = 100000\nstrategy.concurrency  "),
        "{table}"
    );
    assert!(!partial.exists() && !killed.join("sweep.manifest").exists());

    let o = sim(&args(&whole, "2")
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>());
    assert!(o.status.success(), "{}", text(&o.stderr));
    for f in ["sweep.csv", "sweep_summary.csv"] {
        assert_eq!(
            std::fs::read(killed.join(f)).unwrap(),
            std::fs::read(whole.join(f)).unwrap(),
            "{f}: resumed and uninterrupted sweeps differ"
        );
    }
    assert_eq!(
        files::read_sweep(&whole.join("sweep.csv")).unwrap().1.len(),
        20
    );

    // A signal (Ctrl-C, a scheduler's SIGTERM at its time limit) stops it cleanly: the runs
    // in progress finish into the journal, the lock goes, it says how to resume, and the
    // resumed sweep is the uninterrupted one.
    let signalled = dir.join("signalled");
    let partial = signalled.join("sweep.partial.csv");
    let child = Command::new(BIN)
        .args(args(&signalled, "2"))
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while rows_in(&partial) < 3 {
        assert!(start.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(10));
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let o = child.wait_with_output().unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(
        err.contains("stopped by a signal") && err.contains("--resume"),
        "{err}"
    );
    assert!(!signalled.join("sweep.lock").exists(), "the lock was left");
    let kept = rows_in(&partial);
    assert!((3..20).contains(&kept), "{kept} rows");
    assert!(err.contains(&format!("after {kept} of 20 runs")), "{err}");
    let mut resume = args(&signalled, "2");
    resume.push("--resume".into());
    let o = sim(&resume.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", text(&o.stderr));
    for f in ["sweep.csv", "sweep_summary.csv"] {
        assert_eq!(
            std::fs::read(signalled.join(f)).unwrap(),
            std::fs::read(whole.join(f)).unwrap(),
            "{f}: a signalled and resumed sweep differs"
        );
    }
}

#[test]
fn bad_set_values_are_clear_errors_and_write_nothing() {
    let tmp = TempDir::new("sweep-bad");
    let dir = tmp.path();
    let scenario = write_small(dir);
    let s = scenario.to_str().unwrap();
    let out = dir.join("out");
    let o = out.to_str().unwrap();
    let cases: &[(&[&str], &[&str])] = &[
        // Unknown path.
        (
            &["sweep", s, "--set", "strategy.concurency=8,16", "--out", o],
            &["small.toml", "concurency", "value 1 of 2"],
        ),
        // A value of the wrong type in a list.
        (
            &["sweep", s, "--set", "strategy.concurrency=8,x", "--out", o],
            &["\"x\"", "integer", "value 2 of 2"],
        ),
        (
            &[
                "sweep",
                s,
                "--set",
                "strategy.kind=queued,sideways",
                "--out",
                o,
            ],
            &["sideways", "strategy.kind"],
        ),
        // A value that parses but does not validate.
        (
            &["sweep", s, "--set", "strategy.concurrency=8,0", "--out", o],
            &["strategy.concurrency", "at least 1"],
        ),
        (
            &[
                "sweep",
                s,
                "--set",
                "strategy.concurrency=8,,16",
                "--out",
                o,
            ],
            &["empty"],
        ),
        (
            &["sweep", s, "--set", "strategy.concurrency=8,8", "--out", o],
            &["twice"],
        ),
        (
            &["sweep", s, "--replications", "0", "--out", o],
            &["--replications"],
        ),
        (&["sweep", s, "--threads", "0", "--out", o], &["--threads"]),
        // A list where one value is allowed.
        (
            &[
                "plan",
                s,
                "--users",
                "100",
                "--set",
                "banks.a.error_rate=0.1,0.2",
            ],
            &["one value per --set", "sweep"],
        ),
        (&["plan", s, "--users", "0"], &["--users"]),
    ];
    for (args, needles) in cases {
        let r = sim(args);
        let err = text(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {err}");
        for n in *needles {
            assert!(err.contains(n), "{args:?}: expected {n:?} in: {err}");
        }
        assert_eq!(err.lines().count(), 1, "one message: {err}");
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }

    // A bad value in the file's own [sweep] grid names the grid entry.
    let bad = dir.join("bad-grid.toml");
    std::fs::write(
        &bad,
        SMALL.replace("values = [4, 16]", "values = [4, \"many\"]"),
    )
    .unwrap();
    let r = sim(&["sweep", bad.to_str().unwrap(), "--out", o]);
    let err = text(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{err}");
    assert!(
        err.contains("[sweep] grid[0]") && err.contains("many"),
        "{err}"
    );
    assert!(!out.exists());
    // `check` checks the grid as `sweep` would, and says what it holds when it is good.
    let r = sim(&["check", bad.to_str().unwrap()]);
    let err = text(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "check passed a bad grid: {err}");
    assert!(
        err.contains("[sweep] grid[0]") && err.contains("many"),
        "{err}"
    );
    let typo = dir.join("typo-grid.toml");
    std::fs::write(
        &typo,
        SMALL.replace("strategy.concurrency", "strategy.concurency"),
    )
    .unwrap();
    let r = sim(&["check", typo.to_str().unwrap()]);
    assert_eq!(
        r.status.code(),
        Some(2),
        "check passed a grid typo: {}",
        text(&r.stdout)
    );
    let good = dir.join("good-grid.toml");
    std::fs::write(&good, SMALL).unwrap();
    let r = sim(&["check", good.to_str().unwrap()]);
    assert!(r.status.success(), "{}", text(&r.stderr));
    assert!(
        text(&r.stdout).contains("[sweep] grid: 2 points × 3 replications"),
        "{}",
        text(&r.stdout)
    );
}

#[test]
fn sweeping_the_seed_is_refused_in_favour_of_replications() {
    let tmp = TempDir::new("sweep-seed");
    let out = tmp.join("out");
    let scenario =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/vendor-table.toml");
    let res = Command::new(BIN)
        .arg("sweep")
        .arg(&scenario)
        .args(["--set", "seed=1,2", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(2));
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(
        err.contains("seed") && err.contains("--replications"),
        "{err}"
    );
    assert!(!out.exists());
}
