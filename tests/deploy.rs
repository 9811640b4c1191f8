//! The cluster files in `deploy/` stay runnable: the Kubernetes Jobs' commands parse as
//! refresh-sim command lines, the Indexed Job's `--shards` is its `completions`, the merge
//! reads where the shards write; the Slurm scripts are valid shell. (`.ci/slurm` runs the
//! Slurm scripts on a real cluster; no Kubernetes cluster runs in CI.)

mod common;
use clap::Parser;
use common::root;
use refresh_sim::cli::{Cli, Command};

/// The `command:` of a manifest's container, as arguments (a YAML flow sequence of
/// double-quoted strings, which is JSON).
fn command(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join("deploy/kubernetes").join(file)).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("command:"))
        .unwrap_or_else(|| panic!("{file}: no command"));
    serde_json::from_str(line.trim()).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// A top-level `key: value` of a Job's spec.
fn spec_value(file: &str, key: &str) -> u64 {
    let text = std::fs::read_to_string(root().join("deploy/kubernetes").join(file)).unwrap();
    text.lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{key}:")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{file}: no {key}"))
}

#[test]
fn the_indexed_job_and_its_merge_are_refresh_sim_commands_that_fit_together() {
    let sweep = command("sweep-job.yaml");
    let Command::Sweep(a) = Cli::try_parse_from(&sweep).unwrap().command.unwrap() else {
        panic!("sweep-job.yaml does not run a sweep: {sweep:?}")
    };
    let completions = spec_value("sweep-job.yaml", "completions");
    assert_eq!(
        a.shards,
        Some(completions),
        "--shards must be the Job's completions"
    );
    assert!(spec_value("sweep-job.yaml", "parallelism") <= completions);
    assert!(a.resume, "a replaced pod must finish its shard's journal");
    assert!(
        a.shard.is_none(),
        "the shard comes from JOB_COMPLETION_INDEX"
    );

    let merge = command("merge-job.yaml");
    let Command::Merge(m) = Cli::try_parse_from(&merge).unwrap().command.unwrap() else {
        panic!("merge-job.yaml does not merge: {merge:?}")
    };
    assert_eq!(
        m.shards,
        [a.out.unwrap()],
        "the merge reads where the shards write"
    );
}

#[test]
fn the_slurm_scripts_are_valid_shell() {
    for f in [
        "submit.sh",
        "sweep.sbatch",
        "merge.sbatch",
        "../../.ci/slurm",
    ] {
        let path = root().join("deploy/slurm").join(f);
        let o = std::process::Command::new("bash")
            .arg("-n")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{}: {}",
            path.display(),
            common::text(&o.stderr)
        );
    }
    let submit = std::fs::read_to_string(root().join("deploy/slurm/submit.sh")).unwrap();
    assert!(submit.contains("--dependency=\"afterok:$array\""));
}
