//! A finished shard of a sweep: `shard.toml`, what the shard is and which sweep it belongs to,
//! beside `shard.csv`, its runs in the sweep journal's layout (`point`, `sweep.csv`'s columns,
//! `check`) sorted by point and replication.
//!
//! The record carries the scenario's text and the sweep's arguments, so `merge` rebuilds the
//! sweep (its grid, labels and replications) from the shards alone, without the scenario
//! file, and checks that every shard was cut from the same sweep: the `sweep` fingerprint
//! covers the scenario text, every point's overrides and seed, and the replications.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The record's file name in a shard directory.
pub const FILE: &str = "shard.toml";
/// The runs' file name in a shard directory.
pub const RUNS_FILE: &str = "shard.csv";
/// The record's layout version.
pub const FORMAT: u32 = 1;

/// `shard.toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardRecord {
    /// Layout version ([`FORMAT`]).
    pub format: u32,
    /// The sweep's fingerprint (16 hex digits).
    pub sweep: String,
    /// This shard, from 1.
    pub shard: u64,
    /// Shards the sweep was split into.
    pub shards: u64,
    /// Runs this shard holds (rows of `shard.csv`).
    pub runs: u64,
    /// Runs in the whole sweep.
    pub sweep_runs: u64,
    pub replications: u32,
    /// `--seed`, when given (a string: TOML integers stop at 2⁶³ − 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
    /// The `--set` arguments, in order.
    pub sets: Vec<String>,
    pub scenario: ScenarioText,
}

/// The scenario file a sweep ran, as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioText {
    /// The file as named on the command line (for messages).
    pub origin: String,
    /// The scenario's name when the file has none.
    pub default_name: String,
    pub text: String,
}

impl ShardRecord {
    pub fn to_toml(&self) -> Result<Vec<u8>> {
        toml::to_string(self)
            .map(String::into_bytes)
            .map_err(|e| Error::io(format!("{FILE}: cannot encode: {e}")))
    }

    /// Reads `dir/shard.toml`; the error names the file and what is wrong.
    pub fn read(dir: &Path) -> Result<ShardRecord> {
        let path = dir.join(FILE);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::input(format!("{}: cannot read: {e}", path.display())))?;
        let record: ShardRecord = toml::from_str(&text).map_err(|e| {
            Error::input(format!(
                "{}: not a shard record: {}",
                path.display(),
                e.message()
            ))
        })?;
        if record.format != FORMAT {
            return Err(Error::input(format!(
                "{}: field `format`: {} is not a layout this version reads ({FORMAT}); merge \
                 with the refresh-sim that wrote it",
                path.display(),
                record.format
            )));
        }
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_toml_with_any_text() {
        let r = ShardRecord {
            format: FORMAT,
            sweep: "00ff00ff00ff00ff".into(),
            shard: 3,
            shards: 7,
            runs: 2,
            sweep_runs: 12,
            replications: 4,
            seed: Some(u64::MAX.to_string()),
            sets: vec!["strategy.concurrency=8,16".into(), "x=\"a, b\"".into()],
            scenario: ScenarioText {
                origin: "s.toml".into(),
                default_name: "s".into(),
                text: "name = \"x\"\n# \"\"\" ''' \\ é\n[a]\nb = 1\n".into(),
            },
        };
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join(FILE), r.to_toml().unwrap()).unwrap();
        assert_eq!(ShardRecord::read(t.path()).unwrap(), r);
        std::fs::write(t.path().join(FILE), "format = 9\n").unwrap();
        let e = ShardRecord::read(t.path()).unwrap_err().to_string();
        assert!(e.contains("shard.toml"), "{e}");
    }
}
