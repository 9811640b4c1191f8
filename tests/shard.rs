//! Sweeps split into shards (`sweep --shard K/N`, or a scheduler's array index) and put back
//! together (`merge`): byte-identical to the sweep run on one machine for several splits;
//! mixed sweeps and splits, missing, duplicated and unfinished shards refused with the shard
//! named; a re-run shard replaces its output; `--resume` within a shard.

mod common;
use common::*;
use std::path::Path;

/// A sweep of [`SMALL`] with 2 × 2 points × 3 replications = 12 runs.
fn sweep_args<'a>(scenario: &'a str, out: &'a str) -> Vec<&'a str> {
    vec![
        "sweep",
        scenario,
        "--set",
        "banks[0].error_rate=0.01,0.05",
        "--replications",
        "3",
        "--seed",
        "11",
        "--out",
        out,
    ]
}

fn ok(args: &[&str]) -> String {
    let o = sim(args);
    assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
    text(&o.stdout)
}

fn refused(args: &[&str]) -> String {
    let o = sim(args);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stdout));
    text(&o.stderr)
}

/// Splits a command line quoted as the messages quote it (single quotes).
fn shell_words(line: &str) -> Vec<String> {
    let (mut words, mut word, mut quoted, mut started) = (vec![], String::new(), false, false);
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                started = true;
            }
            ' ' if !quoted => {
                if started {
                    words.push(std::mem::take(&mut word));
                }
                started = false;
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

fn read(dir: &Path, f: &str) -> Vec<u8> {
    std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(f).display()))
}

/// Runs every shard of an `n`-way split under `dir`, in reverse order, on varying threads.
fn run_shards(scenario: &str, dir: &str, n: u64) {
    for k in (1..=n).rev() {
        let shard = format!("{k}/{n}");
        let threads = (1 + k % 2).to_string();
        let mut args = sweep_args(scenario, dir);
        args.extend(["--shard", &shard, "--threads", &threads]);
        ok(&args);
    }
}

#[test]
fn merged_shards_are_byte_identical_to_one_machine() {
    let t = TempDir::new("shard-identity");
    let scenario = write_small(t.path());
    let s = scenario.to_str().unwrap();
    let whole = t.join("whole");
    ok(&sweep_args(s, whole.to_str().unwrap()));
    for n in [1u64, 3, 7] {
        let dir = t.join(&format!("split{n}"));
        let d = dir.to_str().unwrap();
        run_shards(s, d, n);
        let shards: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(shards.len() as u64, n, "one directory per shard");
        let out = ok(&["merge", d]);
        assert!(out.contains(&format!("merged from {n} shard(s)")), "{out}");
        let files = [
            "sweep.csv",
            "sweep_summary.csv",
            "sweep_banks.csv",
            "sweep_banks_summary.csv",
        ];
        for f in files {
            assert_eq!(
                read(&dir, f),
                read(&whole, f),
                "{f} after merging {n} shards"
            );
        }
    }
    // Shards named one by one, into another directory, in any order.
    let to = t.join("elsewhere");
    let split = t.join("split3");
    let dirs: Vec<String> = [3, 1, 2]
        .map(|k| split.join(format!("shard-{k}-of-3")).display().to_string())
        .to_vec();
    let mut args = vec!["merge"];
    args.extend(dirs.iter().map(String::as_str));
    args.extend(["--out", to.to_str().unwrap()]);
    ok(&args);
    assert_eq!(read(&to, "sweep.csv"), read(&whole, "sweep.csv"));
}

#[test]
fn check_validates_and_sizes_a_shard_without_running_it() {
    let t = TempDir::new("shard-check");
    let scenario = write_small(t.path());
    let out = t.join("never");
    let mut args = sweep_args(scenario.to_str().unwrap(), out.to_str().unwrap());
    args.extend(["--shard", "2/5", "--check"]);
    let said = ok(&args);
    assert!(
        said.contains("12 runs, of which shard 2/5 holds 3"),
        "{said}"
    );
    assert!(!out.exists(), "--check wrote {}", out.display());
    args[3] = "banks[0].error_rate=0.01,-1";
    assert!(refused(&args).contains("value 2 of 2"));
}

#[test]
fn the_scheduler_environment_picks_the_shard() {
    let t = TempDir::new("shard-env");
    let scenario = write_small(t.path());
    let s = scenario.to_str().unwrap();
    let dir = t.join("env");
    let d = dir.to_str().unwrap();
    // A Slurm array numbered 0..2 and a Kubernetes Indexed Job write the same shards.
    for task in ["0", "1"] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_refresh-sim"))
            .args(sweep_args(s, d))
            .env("SLURM_ARRAY_TASK_ID", task)
            .env("SLURM_ARRAY_TASK_MIN", "0")
            .env("SLURM_ARRAY_TASK_MAX", "2")
            .env("SLURM_ARRAY_TASK_COUNT", "3")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert!(text(&o.stderr).contains("SLURM_ARRAY_TASK_ID"));
    }
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_refresh-sim"))
        .args(sweep_args(s, d))
        .args(["--shards", "3"])
        .env("JOB_COMPLETION_INDEX", "2")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(dir.join("shard-3-of-3/shard.toml").is_file());
    ok(&["merge", d]);
    let whole = t.join("whole");
    ok(&sweep_args(s, whole.to_str().unwrap()));
    assert_eq!(read(&dir, "sweep.csv"), read(&whole, "sweep.csv"));
}

#[test]
fn merge_refuses_missing_duplicate_mixed_and_unfinished_shards() {
    let t = TempDir::new("shard-refusals");
    let scenario = write_small(t.path());
    let s = scenario.to_str().unwrap();
    let dir = t.join("a");
    let d = dir.to_str().unwrap();
    run_shards(s, d, 3);
    let shard = |k: u64| dir.join(format!("shard-{k}-of-3")).display().to_string();

    // Missing: named, with the runs it holds and the command that makes it, which works.
    let kept = t.join("kept");
    std::fs::rename(shard(2), &kept).unwrap();
    let e = refused(&["merge", d]);
    assert!(e.contains("shard 2/3") && e.contains("replication"), "{e}");
    let command = e.split('`').nth(1).expect("a command in backquotes");
    let words = shell_words(command);
    assert_eq!(words[0], "refresh-sim");
    let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    ok(&args);
    assert_eq!(
        read(Path::new(&shard(2)), "shard.csv"),
        read(&kept, "shard.csv")
    );
    // Merging into a shard's directory is refused.
    let e = refused(&["merge", d, "--out", &shard(1)]);
    assert!(e.contains("a shard's"), "{e}");
    // Given twice (the same directory, or a copy).
    let e = refused(&[
        "merge",
        &shard(1),
        &shard(2),
        &shard(3),
        &shard(2),
        "--out",
        d,
    ]);
    assert!(e.contains("shard 2/3 is given twice"), "{e}");

    // Another sweep (another seed), and another split of this one.
    let other = t.join("b");
    let mut args = sweep_args(s, other.to_str().unwrap());
    args[7] = "12";
    args.extend(["--shard", "2/3"]);
    ok(&args);
    let foreign = other.join("shard-2-of-3").display().to_string();
    let e = refused(&["merge", &shard(1), &foreign, &shard(3), "--out", d]);
    assert!(
        e.contains("2 different sweeps") && e.contains(&foreign),
        "{e}"
    );
    let mut args = sweep_args(s, d);
    args.extend(["--shard", "1/2"]);
    ok(&args);
    let e = refused(&["merge", d]);
    assert!(e.contains("different ways"), "{e}");
    std::fs::remove_dir_all(dir.join("shard-1-of-2")).unwrap();

    // A run removed from a shard's file, and one copied in twice.
    let runs = dir.join("shard-2-of-3/shard.csv");
    let good = std::fs::read_to_string(&runs).unwrap();
    let lines: Vec<&str> = good.lines().collect();
    std::fs::write(&runs, lines[..lines.len() - 3].join("\n") + "\n").unwrap();
    let e = refused(&["merge", d]);
    assert!(e.contains("shard 2/3") && e.contains("missing"), "{e}");
    // A run is its banks' lines and its `all` line.
    std::fs::write(&runs, format!("{good}{}\n", lines[1..4].join("\n"))).unwrap();
    let e = refused(&["merge", d]);
    assert!(e.contains("twice"), "{e}");
    // A run's banks' lines without its last: no run, and refused, not skipped.
    std::fs::write(&runs, format!("{good}{}\n", lines[1])).unwrap();
    let e = refused(&["merge", d]);
    assert!(
        e.contains("shard 2/3") && e.contains("unfinished run"),
        "{e}"
    );
    // A figure edited by hand: its checksum no longer matches.
    let edited = good.replacen(",0.0", ",0.5", 1);
    assert_ne!(edited, good);
    std::fs::write(&runs, edited).unwrap();
    let e = refused(&["merge", d]);
    assert!(
        e.contains("does not match") && e.contains("run the shard again"),
        "{e}"
    );
    std::fs::write(&runs, &good).unwrap();

    // An unfinished shard (its journal and manifest, no record).
    std::fs::remove_file(dir.join("shard-3-of-3/shard.toml")).unwrap();
    std::fs::write(dir.join("shard-3-of-3/sweep.manifest"), "x").unwrap();
    let e = refused(&["merge", d]);
    assert!(
        e.contains("unfinished shard") && e.contains("--resume"),
        "{e}"
    );
    // Nothing written by any refusal.
    assert!(!dir.join("sweep.csv").exists());
}

#[test]
fn a_rerun_shard_replaces_its_output() {
    let t = TempDir::new("shard-rerun");
    let scenario = write_small(t.path());
    let s = scenario.to_str().unwrap();
    let dir = t.join("a");
    let d = dir.to_str().unwrap();
    run_shards(s, d, 2);
    let one = dir.join("shard-1-of-2");
    let before = read(&one, "shard.csv");
    // Requeued after finishing: --resume has nothing to do; without it the shard runs again
    // and its files are replaced by the same bytes.
    let mut args = sweep_args(s, d);
    args.extend(["--shard", "1/2", "--resume"]);
    let out = ok(&args);
    assert!(out.contains("6 run(s) (already complete)"), "{out}");
    args.pop();
    ok(&args);
    assert_eq!(read(&one, "shard.csv"), before);
    // A shard of another sweep in the directory is replaced, not mixed in.
    let mut other = sweep_args(s, d);
    other[7] = "99";
    other.extend(["--shard", "1/2"]);
    ok(&other);
    assert_ne!(read(&one, "shard.csv"), before);
    assert!(refused(&["merge", d]).contains("different sweeps"));
    ok(&args);
    assert_eq!(read(&one, "shard.csv"), before);
}

/// A shard killed part-way keeps its finished runs; `--resume` runs only the rest, and the
/// shard's files equal an uninterrupted shard's.
#[test]
fn resume_finishes_a_killed_shard() {
    use std::time::{Duration, Instant};
    let t = TempDir::new("shard-kill");
    let args = |out: &Path| -> Vec<String> {
        [
            "sweep",
            "vendor-table",
            "--set",
            "population.connections=100000",
            "--set",
            "strategy.concurrency=4,8,12,16",
            "--replications",
            "5",
            "--threads",
            "1",
            "--shard",
            "2/2",
            "--out",
            out.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec()
    };
    let killed = t.join("killed");
    let shard = killed.join("shard-2-of-2");
    let partial = shard.join("sweep.partial.csv");
    let rows = || {
        std::fs::read_to_string(&partial)
            .map(|s| s.lines().count().saturating_sub(1))
            .unwrap_or(0)
    };
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_refresh-sim"))
        .args(args(&killed))
        .current_dir(root())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while rows() < 2 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before the kill"
        );
        assert!(start.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let finished = rows();
    assert!((2..10).contains(&finished), "{finished} rows");
    assert!(!shard.join("shard.toml").exists());
    assert!(refused(&["merge", killed.to_str().unwrap()]).contains("unfinished shard"));

    let mut resume = args(&killed);
    resume.push("--resume".into());
    let out = ok(&resume.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.contains(&format!("{finished} resumed")), "{out}");
    let whole = t.join("whole");
    ok(&args(&whole).iter().map(String::as_str).collect::<Vec<_>>());
    let whole_shard = whole.join("shard-2-of-2");
    assert_eq!(read(&shard, "shard.csv"), read(&whole_shard, "shard.csv"));
    assert!(!shard.join("sweep.partial.csv").exists());
}
