//! A shard's directory: its finished files (`shard.csv`, `shard.toml`) written as one unit,
//! and what a shard finds there when it starts (its own finished output, or another sweep's).

use super::*;
use crate::output::text::shell_word;

impl Sweep {
    /// This shard's record: what `merge` needs to rebuild and check the sweep.
    pub(super) fn shard_record(&self, shard: Shard, runs: u64) -> ShardRecord {
        ShardRecord {
            format: shard_files::FORMAT,
            sweep: format!("{:016x}", self.fingerprint()),
            shard: shard.index,
            shards: shard.count,
            runs,
            sweep_runs: self.runs() as u64,
            replications: self.replications,
            seed: self.seed.map(|s| s.to_string()),
            sets: self.sets.clone(),
            scenario: shard_files::ScenarioText {
                origin: self.origin.clone(),
                default_name: self.source.default_name.clone(),
                text: self.source.text.clone(),
            },
        }
    }

    /// A finished shard of this sweep already in the directory: with `--resume`, its outcome
    /// (nothing to run: a requeued task that had finished ends at once). A finished shard of
    /// another sweep or split is removed, so the directory never holds a mixture.
    pub(super) fn finished_shard(
        &self,
        opts: &Options,
        shard: Shard,
    ) -> Result<Option<SweepOutcome>> {
        let dir = &opts.out;
        crate::output::run_dir::recover(dir)?;
        if !dir.join(shard_files::FILE).exists() {
            return Ok(None);
        }
        let runs = self.runs_of(Some(shard)).count() as u64;
        let ours = self.shard_record(shard, runs);
        // The same sweep and shard, whatever the scenario file was called this time.
        let same = ShardRecord::read(dir).is_ok_and(|t| {
            (t.sweep, t.shard, t.shards, t.runs) == (ours.sweep, ours.shard, ours.shards, ours.runs)
        });
        if !same {
            for f in [shard_files::FILE, shard_files::RUNS_FILE] {
                let p = dir.join(f);
                std::fs::remove_file(&p)
                    .map_err(|e| Error::io(format!("{}: cannot remove: {e}", p.display())))?;
            }
            return Ok(None);
        }
        if !opts.resume || dir.join(MANIFEST_FILE).exists() {
            return Ok(None);
        }
        eprintln!(
            "shard {}/{} in {} is already complete",
            shard.index,
            shard.count,
            dir.display()
        );
        Ok(Some(SweepOutcome {
            files: vec![
                dir.join(shard_files::RUNS_FILE),
                dir.join(shard_files::FILE),
            ],
            ran: 0,
            resumed: runs as usize,
            threads: 0,
            columns: self.grid.columns(),
            summaries: vec![],
            bank_summaries: vec![],
            shard: Some(shard),
            merged: 0,
        }))
    }

    /// Writes the shard's runs (`shard.csv`, sorted) and its record (`shard.toml`) as one unit.
    pub(super) fn write_shard(
        &self,
        journal: &Journal,
        dir: &Path,
        shard: Shard,
        header: &[String],
    ) -> Result<Vec<PathBuf>> {
        let mut runs = journal::header_line(header)?;
        let mut count = 0;
        for (p, r) in self.runs_of(Some(shard)) {
            let row = journal.rows.get(&(p, r)).ok_or_else(|| {
                Error::io(format!(
                    "{}: run (point {p}, replication {r}) is missing",
                    dir.join(PARTIAL_FILE).display()
                ))
            })?;
            runs.extend(journal::line(p, row)?);
            count += 1;
        }
        let record = self.shard_record(shard, count).to_toml()?;
        let names = [shard_files::RUNS_FILE, shard_files::FILE];
        crate::output::run_dir::replace_files(dir, &names, |tmp| {
            write_atomic(&tmp.join(names[0]), &runs)?;
            write_atomic(&tmp.join(names[1]), &record)
        })?;
        Ok(names.iter().map(|n| dir.join(n)).collect())
    }

    /// The command line that runs `shard` of this sweep into `out` (the shards' parent
    /// directory), for messages that say how to make a missing shard.
    pub(super) fn shard_command(&self, shard: Shard, out: &Path) -> String {
        let mut words = vec![
            "refresh-sim".to_string(),
            "sweep".into(),
            crate::scenario::argument_of(&self.origin).to_string(),
        ];
        for s in &self.sets {
            words.extend(["--set".to_string(), s.clone()]);
        }
        words.extend(["--replications".into(), self.replications.to_string()]);
        if let Some(seed) = self.seed {
            words.extend(["--seed".into(), seed.to_string()]);
        }
        words.extend([
            "--shard".into(),
            format!("{}/{}", shard.index, shard.count),
            "--out".into(),
            out.display().to_string(),
        ]);
        words
            .iter()
            .map(|w| shell_word(w))
            .collect::<Vec<_>>()
            .join(" ")
    }
}
