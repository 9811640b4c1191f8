//! `merge`: the shards of one sweep put back together. It checks that they were cut from one
//! sweep and one split, that every shard is there once and holds exactly its runs, then
//! assembles `sweep.csv` and `sweep_summary.csv` with the same code, from the same journal
//! lines, as a sweep run on one machine: the files are byte-identical to it.

use super::*;
use crate::output::run_dir;

/// At most this many runs or directories are listed in one message.
const LISTED: usize = 5;

/// Merges the shards in `args` (shard directories, or directories holding `shard-*`
/// directories) into `out`.
pub fn merge(args: &[PathBuf], out: &Path) -> Result<SweepOutcome> {
    let shards = read_records(&shard_dirs(args)?)?;
    let first = &shards[0].1;
    one_sweep(&shards)?;
    let count = first.shards;
    let by_index = each_shard_once(&shards, count)?;
    let sweep = rebuild(&shards[0].0, first)?;
    // Where the shards live: a missing one is made there.
    let home = shards[0].0.parent().unwrap_or(Path::new("."));
    let missing: Vec<String> = (1..=count)
        .filter(|k| !by_index.contains_key(k))
        .map(|k| missing_shard(&sweep, Shard { index: k, count }, home))
        .collect();
    if !missing.is_empty() {
        return Err(Error::input(format!(
            "{} of {count} shard(s) missing: {}",
            missing.len(),
            listed(&missing)
        )));
    }
    let header = sweep.journal_header();
    let mut all = Journal::empty();
    for (dir, record) in &shards {
        let shard = Shard {
            index: record.shard,
            count,
        };
        all.rows
            .extend(shard_runs(&sweep, dir, shard, &header, home)?);
    }
    let _lock = lock::Lock::take(out, false)?;
    let from = home.join("shard-*").join(shard_files::RUNS_FILE);
    let (files, summaries, bank_summaries) = sweep.assemble(&all, out, &from)?;
    Ok(SweepOutcome {
        files,
        ran: 0,
        resumed: sweep.runs(),
        threads: 0,
        columns: sweep.grid.columns(),
        summaries,
        bank_summaries,
        shard: None,
        merged: shards.len(),
    })
}

/// The shard directories named by `args`, in order: each argument is one, or holds them as
/// `shard-*` directories.
fn shard_dirs(args: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut dirs = vec![];
    for a in args {
        run_dir::recover(a)?;
        if a.join(shard_files::FILE).is_file() {
            dirs.push(a.clone());
            continue;
        }
        let mut inner: Vec<PathBuf> = std::fs::read_dir(a)
            .map_err(|e| Error::input(format!("{}: cannot read: {e}", a.display())))?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with("shard-"))
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        inner.sort();
        if inner.is_empty() {
            return Err(unfinished_or_not(a));
        }
        for d in inner {
            run_dir::recover(&d)?;
            if !d.join(shard_files::FILE).is_file() {
                return Err(unfinished_or_not(&d));
            }
            dirs.push(d);
        }
    }
    if dirs.is_empty() {
        return Err(Error::input("merge: no shard directories given"));
    }
    Ok(dirs)
}

/// Why `dir` is not a finished shard.
fn unfinished_or_not(dir: &Path) -> Error {
    if dir.join(MANIFEST_FILE).is_file() {
        Error::input(format!(
            "{}: an unfinished shard (interrupted, or still running): finish it with the same \
             `refresh-sim sweep ...` command and --resume, then merge",
            dir.display()
        ))
    } else {
        Error::input(format!(
            "{}: not a shard directory (no {} in it or in shard-* directories below it)",
            dir.display(),
            shard_files::FILE
        ))
    }
}

fn read_records(dirs: &[PathBuf]) -> Result<Vec<(PathBuf, ShardRecord)>> {
    dirs.iter()
        .map(|d| ShardRecord::read(d).map(|r| (d.clone(), r)))
        .collect()
}

/// All shards are of one sweep and one split, or an error naming the groups.
fn one_sweep(shards: &[(PathBuf, ShardRecord)]) -> Result<()> {
    let mut groups: BTreeMap<(String, u64), Vec<String>> = BTreeMap::new();
    for (dir, r) in shards {
        groups
            .entry((r.sweep.clone(), r.shards))
            .or_default()
            .push(dir.display().to_string());
    }
    if groups.len() == 1 {
        return Ok(());
    }
    let sweeps: std::collections::BTreeSet<&String> = groups.keys().map(|(s, _)| s).collect();
    let described: Vec<String> = groups
        .iter()
        .map(|((sweep, n), dirs)| {
            let r = &shards
                .iter()
                .find(|(_, r)| &r.sweep == sweep)
                .expect("a group's")
                .1;
            let sets: Vec<String> = r.sets.iter().map(|s| format!("--set {s}")).collect();
            format!(
                "sweep {sweep} ({}{}, {} replications{}) split into {n} shards, of which {}",
                r.scenario.origin,
                if sets.is_empty() {
                    String::new()
                } else {
                    format!(" {}", sets.join(" "))
                },
                r.replications,
                r.seed
                    .as_ref()
                    .map_or(String::new(), |s| format!(", seed {s}")),
                listed(dirs)
            )
        })
        .collect();
    Err(Error::input(if sweeps.len() > 1 {
        format!(
            "the shards belong to {} different sweeps (scenario text, overrides, seed or \
             replications differ): {}; merge the shards of one sweep",
            sweeps.len(),
            described.join("; ")
        )
    } else {
        format!(
            "the shards split one sweep in different ways: {}; merge the shards of one split",
            described.join("; ")
        )
    }))
}

/// Shard index → directory, or an error naming a shard given twice.
fn each_shard_once(shards: &[(PathBuf, ShardRecord)], count: u64) -> Result<BTreeMap<u64, &Path>> {
    let mut by_index: BTreeMap<u64, &Path> = BTreeMap::new();
    for (dir, r) in shards {
        if !(1..=count).contains(&r.shard) {
            return Err(Error::input(format!(
                "{}: field `shard`: {} is not between 1 and {count}",
                dir.join(shard_files::FILE).display(),
                r.shard
            )));
        }
        if let Some(other) = by_index.insert(r.shard, dir) {
            return Err(Error::input(format!(
                "shard {}/{count} is given twice: {} and {} (its runs would count twice); \
                 merge one of them",
                r.shard,
                other.display(),
                dir.display()
            )));
        }
    }
    Ok(by_index)
}

/// The sweep the shards were cut from, rebuilt from a record and checked against its
/// fingerprint.
fn rebuild(dir: &Path, r: &ShardRecord) -> Result<Sweep> {
    let path = dir.join(shard_files::FILE);
    let seed = match &r.seed {
        Some(s) => Some(s.parse::<u64>().map_err(|_| {
            Error::input(format!(
                "{}: field `seed`: \"{s}\" is not a seed",
                path.display()
            ))
        })?),
        None => None,
    };
    let source = Source {
        origin: r.scenario.origin.clone(),
        text: r.scenario.text.clone(),
        default_name: r.scenario.default_name.clone(),
    };
    let sweep = Sweep::prepare(&source, &r.sets, Some(r.replications), seed)
        .map_err(|e| Error::input(format!("{}: {}", path.display(), e.message)))?;
    let fp = format!("{:016x}", sweep.fingerprint());
    if fp != r.sweep || r.sweep_runs != sweep.runs() as u64 {
        return Err(Error::input(format!(
            "{}: the sweep it records rebuilds as {fp} ({} runs), not {} ({} runs): written by \
             another version of refresh-sim, or edited; merge with the version that ran it",
            path.display(),
            sweep.runs(),
            r.sweep,
            r.sweep_runs
        )));
    }
    Ok(sweep)
}

/// "shard K/N (its runs)": what a missing shard would have held.
fn missing_shard(sweep: &Sweep, shard: Shard, home: &Path) -> String {
    let runs: Vec<String> = sweep
        .runs_of(Some(shard))
        .map(|(p, r)| run_name(sweep, p, r))
        .collect();
    format!(
        "shard {}/{} ({} run(s): {}; make it with `{}`)",
        shard.index,
        shard.count,
        runs.len(),
        listed(&runs),
        sweep.shard_command(shard, home)
    )
}

/// A shard's runs, checked: each belongs to the shard, none twice, none missing.
fn shard_runs(
    sweep: &Sweep,
    dir: &Path,
    shard: Shard,
    header: &[String],
    home: &Path,
) -> Result<BTreeMap<(usize, u32), SweepRow>> {
    let path = dir.join(shard_files::RUNS_FILE);
    let at = format!("{} (shard {}/{})", path.display(), shard.index, shard.count);
    let journal = Journal::read(&path, header, sweep, "run the shard again").map_err(|e| {
        Error::input(format!(
            "shard {}/{}: {}",
            shard.index, shard.count, e.message
        ))
    })?;
    let reps = sweep.replications as usize;
    let name = |&(p, r): &(usize, u32)| run_name(sweep, p, r);
    let problem = |what: &str, runs: Vec<String>| {
        Err(Error::input(format!(
            "{at}: {} run(s) {what}: {}; run the shard again (`{}`)",
            runs.len(),
            listed(&runs),
            sweep.shard_command(shard, home)
        )))
    };
    if journal.complete < journal.len {
        return Err(Error::input(format!(
            "{at}: ends in an unfinished run (a torn line, or a run's banks' lines without its \
             `all` line); run the shard again (`{}`)",
            sweep.shard_command(shard, home)
        )));
    }
    if !journal.duplicates.is_empty() {
        return problem("twice", journal.duplicates.iter().map(name).collect());
    }
    let foreign: Vec<String> = (journal.rows.keys())
        .filter(|&&(p, r)| !shard.holds(p * reps + r as usize))
        .map(name)
        .collect();
    if !foreign.is_empty() {
        return problem("that belong to other shards", foreign);
    }
    let absent: Vec<String> = (sweep.runs_of(Some(shard)))
        .filter(|k| !journal.rows.contains_key(k))
        .map(|k| name(&k))
        .collect();
    if !absent.is_empty() {
        return problem("missing", absent);
    }
    Ok(journal.rows)
}

/// "point P (labels) replication R".
fn run_name(sweep: &Sweep, p: usize, r: u32) -> String {
    let labels = &sweep.points[p].labels;
    if labels.is_empty() {
        format!("replication {r}")
    } else {
        format!("point {p} ({}) replication {r}", labels.join(", "))
    }
}

/// The first few items, and how many more.
fn listed(items: &[String]) -> String {
    let mut s = items[..items.len().min(LISTED)].join(", ");
    if items.len() > LISTED {
        let _ = write!(s, " and {} more", items.len() - LISTED);
    }
    s
}
