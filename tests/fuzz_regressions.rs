//! The fuzz corpus in `cargo test`: every committed input of the two cargo-fuzz targets
//! (fuzz/fuzz_targets/, docs/fuzzing.md) goes through `refresh_sim::scenario::parse` the
//! way its target feeds it, and must come back (Ok or Err) without panicking.
//!
//! - `fuzz/seeds/scenario/`, `fuzz/regressions/scenario/`: the file is the scenario text.
//! - `fuzz/seeds/overrides/`, `fuzz/regressions/overrides/`: its first three lines are
//!   `--set path=value` overrides on scenarios/uk-mix.toml.
//!
//! Inputs that are not UTF-8 are skipped, as the targets skip them.

use refresh_sim::scenario::{parse, Scenario};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

const UK_MIX: &str = include_str!("../scenarios/uk-mix.toml");

/// How a fuzz target turns its input into a call to `parse`.
#[derive(Clone, Copy)]
enum Target {
    Scenario,
    Overrides,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Scenario => "scenario",
            Target::Overrides => "overrides",
        }
    }

    /// `parse` on `text` exactly as fuzz/fuzz_targets/<target>.rs calls it.
    fn feed(self, text: &str) -> refresh_sim::error::Result<Scenario> {
        match self {
            Target::Scenario => parse(text, "fuzz.toml", "fuzz", &[]),
            Target::Overrides => {
                let sets: Vec<String> = text.split('\n').take(3).map(str::to_string).collect();
                parse(UK_MIX, "uk-mix.toml", "uk-mix", &sets)
            }
        }
    }
}

/// The files directly in `fuzz/<kind>/<target>/`, sorted (none if the folder is missing).
fn inputs(kind: &str, target: Target) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target.name());
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Feeds every input in `fuzz/<kind>/<target>/`; returns the panics as `file: message` and
/// each UTF-8 input's outcome as `(file, the error if parse refused it)`.
fn feed_all(kind: &str, target: Target) -> (Vec<String>, Vec<(PathBuf, Option<String>)>) {
    let mut panics = Vec::new();
    let mut outcomes = Vec::new();
    for path in inputs(kind, target) {
        let bytes = std::fs::read(&path).expect("readable input");
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        match catch_unwind(AssertUnwindSafe(|| target.feed(text))) {
            Ok(result) => outcomes.push((path, result.err().map(|e| e.to_string()))),
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "(non-string panic payload)".to_string());
                panics.push(format!("{}: {msg}", path.display()));
            }
        }
    }
    (panics, outcomes)
}

fn assert_no_panic(kind: &str, target: Target) -> Vec<(PathBuf, Option<String>)> {
    let (panics, outcomes) = feed_all(kind, target);
    assert!(
        panics.is_empty(),
        "parse panicked on fuzz/{kind}/{}:\n{}",
        target.name(),
        panics.join("\n")
    );
    outcomes
}

#[test]
fn scenario_seeds_never_panic() {
    let outcomes = assert_no_panic("seeds", Target::Scenario);
    assert!(outcomes.len() >= 10, "seeds missing: {outcomes:?}");
}

#[test]
fn override_seeds_never_panic() {
    let outcomes = assert_no_panic("seeds", Target::Overrides);
    assert!(outcomes.len() >= 5, "seeds missing: {outcomes:?}");
}

#[test]
fn scenario_regressions_never_panic() {
    assert_no_panic("regressions", Target::Scenario);
}

#[test]
fn override_regressions_never_panic() {
    assert_no_panic("regressions", Target::Overrides);
}

/// The seeds start the fuzzer from valid inputs: every whole scenario among them (the bank
/// presets, `bank-*.toml`, are fragments) and every override line is accepted today.
#[test]
fn seeds_are_valid_inputs() {
    let scenarios = feed_all("seeds", Target::Scenario)
        .1
        .into_iter()
        .filter(|(p, _)| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.starts_with("bank-")
        });
    let overrides = feed_all("seeds", Target::Overrides).1;
    let rejected: Vec<String> = scenarios
        .chain(overrides)
        .filter_map(|(p, err)| err.map(|e| format!("{}: {e}", p.display())))
        .collect();
    assert!(
        rejected.is_empty(),
        "seeds rejected by parse:\n{}",
        rejected.join("\n")
    );
}
