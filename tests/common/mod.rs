//! Helpers shared by the integration tests (each test crate uses a subset).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh directory under the system temp dir, removed when dropped: a `tempfile::TempDir`
/// whose name carries the test's tag (`refresh-sim-test-{tag}-XXXXXX`).
pub struct TempDir(tempfile::TempDir);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix(&format!("refresh-sim-test-{tag}-"))
            .tempdir()
            .expect("a temporary directory");
        TempDir(dir)
    }
    pub fn path(&self) -> &Path {
        self.0.path()
    }
    pub fn join(&self, p: &str) -> PathBuf {
        self.0.path().join(p)
    }
}

/// The repository's root: commands run from it, as README's do.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `refresh-sim ARGS`, run from the repository's root.
pub fn sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_refresh-sim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run refresh-sim")
}

/// Output bytes as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Two banks with limits, a small population and a short window: runs take milliseconds.
pub const SMALL: &str = r#"
name = "small"
seed = 7

[window]
length = "2h"

[population]
connections = 3000
consent_expiry_share = 0.01

[platform]
poll_interval = "10s"

[strategy]
kind = "queued"
concurrency = 4
# The refresh period is the window, so a random_offset point submits every connection
# within it (with the default daily period only a twelfth of the offsets would fall in).
period = "2h"

[[banks]]
name = "a"
share = 0.6
error_rate = 0.01
service_time = { dist = "lognormal", median = "3s", p95 = "10s" }
limits = [{ kind = "concurrency", max_in_flight = 6 }]

[[banks]]
name = "b"
share = 0.4
error_rate = 0.005
service_time = { dist = "exponential", mean = "4s" }
limits = [{ kind = "token_bucket", rate = 0.5, burst = 5 }]

[sweep]
replications = 3
grid = [{ path = "strategy.concurrency", values = [4, 16] }]
"#;

/// Writes [`SMALL`] into `dir`.
pub fn write_small(dir: &Path) -> PathBuf {
    let path = dir.join("small.toml");
    std::fs::write(&path, SMALL).unwrap();
    path
}

/// Runs `cmd`, which must succeed (its stderr shown if not); its output.
pub fn succeed(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run a command");
    assert!(out.status.success(), "{}", text(&out.stderr));
    out
}

/// `refresh-sim run SCENARIO ARGS --out DIR/out`, which must succeed; the `all` row of its
/// summary.csv, by column (the columns that hold numbers).
pub fn run_all_row(dir: &Path, scenario: &Path, args: &[&str]) -> BTreeMap<String, f64> {
    let out_dir = dir.join("out");
    succeed(
        Command::new(env!("CARGO_BIN_EXE_refresh-sim"))
            .arg("run")
            .arg(scenario)
            .args(args)
            .arg("--out")
            .arg(&out_dir),
    );
    summary_row(&out_dir, "all")
}

/// The row of `bank` (or `all`) in `out_dir`'s summary.csv, by column (the columns that
/// hold numbers).
pub fn summary_row(out_dir: &Path, bank: &str) -> BTreeMap<String, f64> {
    let mut rd = csv::Reader::from_path(out_dir.join("summary.csv")).unwrap();
    let headers = rd.headers().unwrap().clone();
    let at = headers.iter().position(|h| h == "bank").unwrap();
    let row = rd
        .records()
        .map(|r| r.unwrap())
        .find(|r| &r[at] == bank)
        .unwrap();
    headers
        .iter()
        .zip(row.iter())
        .filter_map(|(h, v)| Some((h.to_string(), v.parse().ok()?)))
        .collect()
}
