//! Reliability: a killed run leaves a complete set of results, sizes and time scales that
//! would not fit are refused up front, output paths stay where they belong, a sweep's
//! journal and directory are guarded. (RELIABILITY.md lists the promises and their figures.)

mod common;

use common::TempDir;
use refresh_sim::output::run_dir;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_refresh-sim");

fn sim_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run refresh-sim")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A run long enough to be killed in its writes: a month of per-minute series.
const LONG: [&str; 8] = [
    "--set",
    "strategy.kind=random_offset",
    "--set",
    "window.length=\"30d\"",
    "--set",
    "population.connections=20000",
    "--set",
    "window.warmup=\"0s\"",
];

fn run_args<'a>(out: &'a str, seed: &'a str) -> Vec<&'a str> {
    let mut a = vec!["run", "vendor-table"];
    a.extend(LONG);
    a.extend(["--seed", seed, "--out", out]);
    a
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect();
    v.sort();
    v
}

/// Killed at moments spread over a run that replaces an earlier one, the directory is, after
/// the next write's (or report's) recovery, byte for byte the earlier run's set or the new
/// run's, with nothing else left in it.
#[test]
fn a_killed_run_leaves_one_complete_set() {
    let t = TempDir::new("kill");
    let dir = t.path();
    for (seed, name) in [("7", "ref7"), ("1", "ref1")] {
        let o = sim_in(dir, &run_args(name, seed));
        assert!(o.status.success(), "{}", err(&o));
    }
    let (seven, one) = (files(&dir.join("ref7")), files(&dir.join("ref1")));
    assert_ne!(seven, one);
    // How long a run takes, to spread the kills over it.
    let start = Instant::now();
    let o = sim_in(dir, &run_args("timing", "1"));
    assert!(o.status.success());
    let full = start.elapsed();
    let (mut old, mut new) = (0, 0);
    for i in 0..12u32 {
        let out = dir.join("d");
        let o = sim_in(dir, &run_args("d", "7"));
        assert!(o.status.success());
        let mut child = Command::new(BIN)
            .args(run_args("d", "1"))
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full.mul_f64(0.1 + 0.09 * i as f64));
        let _ = child.kill();
        let _ = child.wait();
        run_dir::recover(&out).unwrap();
        let got = files(&out);
        if got == seven {
            old += 1;
        } else if got == one {
            new += 1;
        } else {
            panic!(
                "kill {i}: a mixture: {:?}",
                got.iter().map(|f| &f.0).collect::<Vec<_>>()
            );
        }
    }
    eprintln!("12 kills: {old} left the old set, {new} the new one");
    // The first kills land long before the run's writes: they must have left the old set.
    assert!(old >= 1, "no kill landed before the end of the run");
}

/// Runs started together into one directory take turns writing it: each succeeds, and the
/// directory holds one run's set, whole. (Before the directory lock, five of six such runs
/// failed: one removed another's staging directory as a killed run's.)
#[test]
fn concurrent_runs_into_one_directory_take_turns() {
    let t = TempDir::new("concurrent");
    let dir = t.path();
    let args = |out: &str, seed: &str| -> Vec<String> {
        ["run", "uk-mix", "--set", "population.connections=20000"]
            .iter()
            .chain(&["--seed", seed, "--out", out])
            .map(|a| a.to_string())
            .collect()
    };
    let seeds = ["1", "2", "3", "4"];
    let sets: Vec<_> = seeds
        .iter()
        .map(|s| {
            let out = format!("ref{s}");
            let a = args(&out, s);
            let o = sim_in(dir, &a.iter().map(|x| x.as_str()).collect::<Vec<_>>());
            assert!(o.status.success(), "{}", err(&o));
            files(&dir.join(out))
        })
        .collect();
    let children: Vec<_> = seeds
        .iter()
        .map(|s| {
            Command::new(BIN)
                .args(args("d", s))
                .current_dir(dir)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "a concurrent run failed: {}", err(&o));
    }
    let got = files(&dir.join("d"));
    assert!(
        sets.contains(&got),
        "not one run's set: {:?}",
        got.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
}

/// Sizes that validation accepts but no machine holds are refused before allocating, with
/// the estimate and the field; `--memory` is the override.
#[test]
fn sizes_that_would_not_fit_are_refused_up_front() {
    let t = TempDir::new("size");
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "run",
                "vendor-table",
                "--set",
                "population.connections=2000000000",
                "--memory",
                "4",
            ],
            "population.connections = 2000000000",
        ),
        (
            &["plan", "vendor-table", "--users", "4000000000"],
            "4000000000",
        ),
        (
            &[
                "plan",
                "vendor-table",
                "--users",
                "2000000000",
                "--memory",
                "4",
            ],
            "population.connections = 2000000000",
        ),
        (
            &["validate", "--replications", "4294967295"],
            "--replications",
        ),
        (
            &[
                "sweep",
                "vendor-table",
                "--set",
                "population.connections=1000,2000000000",
                "--memory",
                "4",
            ],
            "population.connections = 2000000000",
        ),
        (&["contention", "--clients", "0"], "--clients"),
        (&["run", "uk-mix", "--seed", "-1"], "--seed"),
        (
            &["sweep", "uk-mix", "--replications", "-1"],
            "--replications",
        ),
        (
            &["check", "uk-mix", "--set", "seed=99999999999999999999999"],
            "seed",
        ),
        (&["sweep", "uk-mix", "--threads", "1000000"], "--threads"),
    ];
    for (args, needle) in cases {
        let o = sim_in(t.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", err(&o));
        assert!(err(&o).contains(needle), "{args:?}: {}", err(&o));
        assert!(
            std::fs::read_dir(t.path()).unwrap().next().is_none(),
            "{args:?} wrote something"
        );
    }
    let o = sim_in(
        t.path(),
        &[
            "run",
            "vendor-table",
            "--set",
            "population.connections=2000000000",
            "--memory",
            "4",
        ],
    );
    assert!(err(&o).contains("GB"), "{}", err(&o));
}

/// Time scales far below any platform's are refused with the numbers; a scenario's name
/// cannot lead outside the output directory; a huge file is refused unread.
#[test]
fn unreasonable_inputs_are_refused_with_their_field() {
    let t = TempDir::new("inputs");
    let d = t.path();
    let cases: &[(&[&str], &str)] = &[
        (
            &["run", "uk-mix", "--set", "platform.poll_interval=\"1ms\""],
            "platform.poll_interval",
        ),
        (
            &[
                "run",
                "uk-mix",
                "--set",
                "platform.status=\"callback\"",
                "--set",
                "platform.callback_delay=\"1us\"",
            ],
            "platform.callback_delay",
        ),
        (&["run", "uk-mix", "--set", "name=\"../escaped\""], "name"),
        (&["sweep", "uk-mix", "--set", "name=\"/tmp/abs\""], "name"),
        (&["run", "uk-mix", "--set", "name=\".hidden\""], "name"),
        (
            &["run", "uk-mix", "--set", "window.age_horizon=\"1d\""],
            "window.age_horizon",
        ),
    ];
    for (args, needle) in cases {
        let o = sim_in(d, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", err(&o));
        assert!(err(&o).contains(needle), "{args:?}: {}", err(&o));
    }
    assert!(std::fs::read_dir(d).unwrap().next().is_none());
    assert!(!d.parent().unwrap().join("escaped").exists());
    // An integer past 64 bits in a file says so, not "as i128".
    let huge = d.join("huge.toml");
    std::fs::write(&huge, "seed = 99999999999999999999999\n").unwrap();
    let o = sim_in(d, &["check", huge.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("too large") && !err(&o).contains("i128"),
        "{}",
        err(&o)
    );
    let big = d.join("big.toml");
    std::fs::write(&big, vec![b'#'; 5_000_000]).unwrap();
    let o = sim_in(d, &["check", big.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("too large"), "{}", err(&o));
}

/// A run replaces only its own files (and the report drawn from them) in a directory that
/// holds other things, and an unwritable output path is bad input (exit 2).
#[test]
fn output_paths_are_guarded() {
    let t = TempDir::new("paths");
    let d = t.path();
    std::fs::create_dir(d.join("mine")).unwrap();
    std::fs::write(d.join("mine/notes.txt"), "keep").unwrap();
    let o = sim_in(d, &["run", "vendor-table", "--out", "mine"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(
        std::fs::read_to_string(d.join("mine/notes.txt")).unwrap(),
        "keep"
    );
    assert!(d.join("mine/summary.csv").is_file());
    std::fs::write(d.join("file"), "x").unwrap();
    let o = sim_in(d, &["run", "vendor-table", "--out", "file/sub"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    // An output path that cannot be a directory is refused before the work: nothing runs
    // (no table announced, no comparison), nothing is written (not even the attempt log a
    // run writes before its directory), and the file stays.
    let refused: [&[&str]; 4] = [
        &[
            "run",
            "vendor-table",
            "--out",
            "file",
            "--attempt-log",
            "a.csv",
        ],
        &["run", "vendor-table", "--attempt-log", "mine"],
        &["table", "--out", "file/t"],
        &[
            "compare",
            "vendor-table",
            "--strategies",
            "queued,random_offset",
            "--out",
            "file",
        ],
    ];
    for args in refused {
        let o = sim_in(d, args);
        let e = err(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
        assert!(
            e.contains("is a file") || e.contains("is a directory"),
            "{args:?}: {e}"
        );
        assert!(
            !e.contains("running") && !e.contains("comparing"),
            "{args:?} ran: {e}"
        );
        assert!(o.stdout.is_empty(), "{args:?} printed results");
    }
    assert!(!d.join("a.csv").exists());
    assert_eq!(std::fs::read_to_string(d.join("file")).unwrap(), "x");
    let o = sim_in(d, &["report", "file"]);
    assert!(
        err(&o).contains("is a file, not a results directory"),
        "{}",
        err(&o)
    );
}

/// A journal row edited by hand is refused on resume; a second sweep into a directory that
/// one is writing is refused.
#[test]
fn sweep_journals_and_directories_are_guarded() {
    let t = TempDir::new("journal");
    let d = t.path();
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "sweep",
            "vendor-table",
            "--set",
            "strategy.concurrency=1,2,3,4,5,6,7,8",
            "--set",
            "population.connections=20000",
            "--replications",
            "8",
            "--threads",
            "1",
            "--out",
            "s",
        ];
        a.extend(extra);
        a
    };
    // Killed once its journal holds a few runs.
    let mut child = Command::new(BIN)
        .args(args(&[]))
        .current_dir(d)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let journal = d.join("s/sweep.partial.csv");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::read_to_string(&journal).map_or(0, |j| j.lines().count()) < 4 {
        assert!(Instant::now() < deadline, "the sweep wrote no journal");
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    // Its lock is stale (the process is gone): a resume takes it over. Another live holder
    // (this test's own process) is refused.
    let lock = d.join("s/sweep.lock");
    std::fs::write(&lock, format!("{}\n", std::process::id())).unwrap();
    let o = sim_in(d, &args(&["--resume"]));
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("another sweep"), "{}", err(&o));
    std::fs::remove_file(&lock).unwrap();
    // Edit one figure of the second row (its coverage, say): refused, naming the line.
    let text = std::fs::read_to_string(&journal).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let fields: Vec<&str> = lines[2].split(',').collect();
    let i = fields.len() - 4;
    let mut edited: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
    edited[i] = format!("{}1", edited[i]);
    lines[2] = edited.join(",");
    std::fs::write(&journal, lines.join("\n") + "\n").unwrap();
    let o = sim_in(d, &args(&["--resume"]));
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("line 3"), "{}", err(&o));
    assert!(err(&o).contains("does not match"), "{}", err(&o));
    // Put back, it resumes.
    std::fs::write(&journal, text).unwrap();
    let o = sim_in(d, &args(&["--resume"]));
    assert!(o.status.success(), "{}", err(&o));
    assert!(!lock.exists());
}
