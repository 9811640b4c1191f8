//! Which share of a sweep one machine runs: shard `K` of `N` (1 ≤ K ≤ N) holds the runs whose
//! index `point × replications + replication` is `K − 1` modulo `N`.
//!
//! Round robin over the run index, not blocks of points, so that every shard gets a similar
//! mix of cheap and expensive points (a grid over connections or horizons varies a run's cost
//! by orders of magnitude), and the assignment depends on nothing but the sweep's size.
//!
//! The shard comes from `--shard K/N`, else from the scheduler that started the process:
//!
//! 1. `--shard K/N` on the command line, or `--shard none` to run the whole sweep as one, whatever
//!    the environment says;
//! 2. a Slurm job array task: with `--shards N`, shard `SLURM_ARRAY_TASK_ID` + 1 of `N` (the
//!    array numbered from 0, as `deploy/slurm/submit.sh` submits it; so one task can be
//!    resubmitted alone, `--array=K-1`, and still be shard K); without, shard
//!    `SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` + 1 of `SLURM_ARRAY_TASK_COUNT` (the array
//!    must be contiguous, e.g. `--array=0-6` or `1-7`);
//! 3. a Kubernetes Indexed Job: `JOB_COMPLETION_INDEX` + 1 of `--shards N` (the pod is not
//!    told the Job's completions, so the count is given on the command line).

use crate::error::{Error, Result};

/// One shard of a sweep: `index` of `count`, both from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

/// The most shards a sweep may be split into.
pub const MAX_SHARDS: u64 = 1_000_000;

impl Shard {
    /// Parses `K/N` (the value of `--shard`).
    pub fn parse(s: &str) -> Result<Shard> {
        let bad = |why: &str| Error::input(format!("--shard {s}: {why}"));
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| bad("expected K/N, e.g. 3/7 (the third of seven shards), or none"))?;
        let num = |v: &str, what: &str| -> Result<u64> {
            v.trim()
                .parse::<u64>()
                .map_err(|_| bad(&format!("{what} \"{v}\" is not a whole number")))
        };
        Shard::new(num(k, "K")?, num(n, "N")?).map_err(|why| bad(&why))
    }

    fn new(index: u64, count: u64) -> std::result::Result<Shard, String> {
        if !(1..=MAX_SHARDS).contains(&count) {
            return Err(format!("N must be between 1 and {MAX_SHARDS}, got {count}"));
        }
        if !(1..=count).contains(&index) {
            return Err(format!(
                "K must be between 1 and N = {count}, got {index} (shards count from 1)"
            ));
        }
        Ok(Shard { index, count })
    }

    /// Whether run `run` (`point × replications + replication`) is this shard's.
    pub fn holds(&self, run: usize) -> bool {
        run as u64 % self.count == self.index - 1
    }

    /// The shard's directory under the sweep's output directory.
    pub fn dir_name(&self) -> String {
        format!("shard-{}-of-{}", self.index, self.count)
    }

    /// The shard to run: from `--shard`, else from the scheduler's environment (read with
    /// `var`), with a description of where it came from; `None` to run the whole sweep.
    pub fn resolve(
        flag: Option<&str>,
        shards: Option<u64>,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<(Shard, String)>> {
        if let Some(s) = flag {
            if s == "none" {
                return Ok(None);
            }
            let shard = Shard::parse(s)?;
            if let Some(n) = shards.filter(|&n| n != shard.count) {
                return Err(Error::input(format!(
                    "--shards {n} contradicts --shard {s}: give one of them"
                )));
            }
            return Ok(Some((shard, format!("--shard {s}"))));
        }
        if let Some(id) = var("SLURM_ARRAY_TASK_ID") {
            return slurm(&id, shards, &var).map(Some);
        }
        if let Some(i) = var("JOB_COMPLETION_INDEX") {
            return kubernetes(&i, shards).map(Some);
        }
        match shards {
            Some(n) => Err(Error::input(format!(
                "--shards {n}: no shard index (neither SLURM_ARRAY_TASK_ID nor \
                 JOB_COMPLETION_INDEX is set); use --shard K/{n} to choose one"
            ))),
            None => Ok(None),
        }
    }
}

/// An environment variable's whole number, or an error naming it.
fn env_number(name: &str, value: &str) -> Result<u64> {
    value.trim().parse().map_err(|_| {
        Error::input(format!(
            "{name}={value}: not a whole number (set by the scheduler; pass --shard K/N to override)"
        ))
    })
}

/// Shard of a Slurm job array task.
fn slurm(
    id: &str,
    shards: Option<u64>,
    var: &impl Fn(&str) -> Option<String>,
) -> Result<(Shard, String)> {
    let id = env_number("SLURM_ARRAY_TASK_ID", id)?;
    if let Some(n) = shards {
        let shard = Shard::new(id.saturating_add(1), n).map_err(|why| {
            Error::input(format!(
                "SLURM_ARRAY_TASK_ID={id} with --shards {n}: shard {why} (with --shards, array \
                 tasks are numbered from 0: --array=0-{})",
                n.saturating_sub(1)
            ))
        })?;
        return Ok((shard, format!("SLURM_ARRAY_TASK_ID={id} of --shards {n}")));
    }
    let get = |name: &str| var(name).map(|v| env_number(name, &v)).transpose();
    let (min, max, count) = (
        get("SLURM_ARRAY_TASK_MIN")?,
        get("SLURM_ARRAY_TASK_MAX")?,
        get("SLURM_ARRAY_TASK_COUNT")?,
    );
    let min = min.unwrap_or(0);
    let span = max.map(|max| max.saturating_sub(min) + 1);
    let count = match (count, span) {
        (Some(c), Some(s)) if c != s => {
            return Err(Error::input(format!(
                "the Slurm array is not contiguous (SLURM_ARRAY_TASK_COUNT={c} tasks between \
                 SLURM_ARRAY_TASK_MIN={min} and SLURM_ARRAY_TASK_MAX={}): submit it as \
                 --array=0-{} with --shards {c}",
                max.unwrap_or(0),
                c.saturating_sub(1)
            )))
        }
        (Some(c), _) | (None, Some(c)) => c,
        (None, None) => {
            return Err(Error::input(
                "SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT: pass --shards N \
                 (the array's size, numbered from 0) or --shard K/N",
            ))
        }
    };
    let index = id.checked_sub(min).map(|i| i + 1).unwrap_or(0);
    let shard = Shard::new(index, count).map_err(|why| {
        Error::input(format!(
            "SLURM_ARRAY_TASK_ID={id} (array from {min}, {count} tasks): shard {why}"
        ))
    })?;
    let from = format!("SLURM_ARRAY_TASK_ID={id} of {count} tasks from {min}");
    Ok((shard, from))
}

/// Shard of a Kubernetes Indexed Job's pod.
fn kubernetes(index: &str, shards: Option<u64>) -> Result<(Shard, String)> {
    let i = env_number("JOB_COMPLETION_INDEX", index)?;
    let Some(n) = shards else {
        return Err(Error::input(format!(
            "JOB_COMPLETION_INDEX={i} is set (a Kubernetes Indexed Job) but not the number of \
             shards: pass --shards N with N the Job's completions"
        )));
    };
    let shard = Shard::new(i.saturating_add(1), n).map_err(|why| {
        Error::input(format!(
            "JOB_COMPLETION_INDEX={i} with --shards {n}: shard {why} (indexes run from 0 to N − 1)"
        ))
    })?;
    Ok((shard, format!("JOB_COMPLETION_INDEX={i} of --shards {n}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn every_run_is_in_exactly_one_shard() {
        for n in [1u64, 2, 3, 7, 64] {
            let shards: Vec<Shard> = (1..=n).map(|k| Shard::new(k, n).unwrap()).collect();
            for run in 0..1000 {
                assert_eq!(shards.iter().filter(|s| s.holds(run)).count(), 1);
            }
            // Balanced: sizes differ by at most one.
            let sizes: Vec<usize> = shards
                .iter()
                .map(|s| (0..1000).filter(|&r| s.holds(r)).count())
                .collect();
            assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
        }
    }

    #[test]
    fn parses_k_of_n_and_refuses_nonsense() {
        assert_eq!(Shard::parse("3/7").unwrap(), Shard { index: 3, count: 7 });
        for (bad, why) in [
            ("0/7", "count from 1"),
            ("8/7", "between 1 and N"),
            ("3", "expected K/N"),
            ("a/7", "not a whole number"),
            ("1/0", "N must be"),
        ] {
            let e = Shard::parse(bad).unwrap_err().to_string();
            assert!(e.contains(why) && e.contains("--shard"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_flag_wins_then_slurm_then_kubernetes() {
        let slurm = [
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_MAX", "6"),
            ("SLURM_ARRAY_TASK_COUNT", "7"),
            ("JOB_COMPLETION_INDEX", "0"),
        ];
        let got = |flag, shards, e: &[(&str, &str)]| {
            Shard::resolve(flag, shards, env(e)).map(|o| o.map(|(s, _)| (s.index, s.count)))
        };
        assert_eq!(got(Some("1/1"), None, &slurm).unwrap(), Some((1, 1)));
        assert_eq!(got(Some("none"), None, &slurm).unwrap(), None);
        assert_eq!(got(None, None, &slurm).unwrap(), Some((3, 7)));
        assert_eq!(got(None, Some(7), &slurm).unwrap(), Some((3, 7)));
        // With --shards, the task id alone: one task resubmitted (--array=2) is still shard 3.
        let alone = [
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_MIN", "2"),
            ("SLURM_ARRAY_TASK_MAX", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "1"),
        ];
        assert_eq!(got(None, Some(4), &alone).unwrap(), Some((3, 4)));
        assert_eq!(got(None, None, &alone).unwrap(), Some((1, 1)));
        let e = got(None, Some(2), &alone).unwrap_err().to_string();
        assert!(e.contains("numbered from 0"), "{e}");
        // An array numbered from 1: task 1 is the first shard.
        let from_one = [
            ("SLURM_ARRAY_TASK_ID", "1"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_MAX", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert_eq!(got(None, None, &from_one).unwrap(), Some((1, 4)));
        // MIN and MAX alone give the count.
        let no_count = [
            ("SLURM_ARRAY_TASK_ID", "5"),
            ("SLURM_ARRAY_TASK_MIN", "5"),
            ("SLURM_ARRAY_TASK_MAX", "6"),
        ];
        assert_eq!(got(None, None, &no_count).unwrap(), Some((1, 2)));
        // A stepped array (--array=0-12:4) is not contiguous.
        let stepped = [
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_MAX", "12"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        let e = got(None, None, &stepped).unwrap_err().to_string();
        assert!(e.contains("not contiguous"), "{e}");
        // Kubernetes: the index is from 0, the count from the command line.
        let k8s = [("JOB_COMPLETION_INDEX", "6")];
        assert_eq!(got(None, Some(7), &k8s).unwrap(), Some((7, 7)));
        assert!(got(None, None, &k8s)
            .unwrap_err()
            .to_string()
            .contains("--shards"));
        assert!(got(None, Some(6), &k8s).is_err());
        // Nothing set: the whole sweep; --shards alone names what is missing.
        assert_eq!(got(None, None, &[]).unwrap(), None);
        assert!(got(None, Some(3), &[])
            .unwrap_err()
            .to_string()
            .contains("--shard K/3"));
    }
}
