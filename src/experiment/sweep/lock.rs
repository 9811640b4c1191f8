//! One writer per sweep directory: `sweep.lock`, created exclusively with the writer's
//! process id, removed when it ends. Two sweeps (or two `--resume`s) into one directory would
//! otherwise append to one journal and replace each other's files.
//!
//! The lock records the process id and the host. A lock whose process is gone (a killed
//! sweep) is stale and taken over; where the system cannot say whether a process lives (no
//! `/proc`), a lock is held until removed by hand. A lock taken on another host (a shared
//! file system) cannot be checked from here: it is taken over only by a shard that a
//! scheduler started, since Slurm and Kubernetes run one task per index at a time (a
//! requeued task or a replaced pod starts after the old one is gone).

use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The lock file's name in a sweep directory.
pub const LOCK_FILE: &str = "sweep.lock";

/// A held lock; dropping it removes the file.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

impl Lock {
    /// Takes the lock of `dir` (creating the directory), or says who holds it.
    /// `scheduled`: the caller is a shard a scheduler started (see the module docs).
    pub fn take(dir: &Path, scheduled: bool) -> Result<Lock> {
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::input(format!("{}: cannot create directory: {e}", dir.display()))
        })?;
        let path = dir.join(LOCK_FILE);
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    let _ = writeln!(f, "{} {}", std::process::id(), host());
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    let mut fields = holder.split_whitespace();
                    let pid: Option<u32> = fields.next().and_then(|p| p.parse().ok());
                    let elsewhere = fields.next().is_some_and(|h| h != host());
                    if elsewhere && scheduled {
                        eprintln!(
                            "taking over {} from {} (another host; the scheduler runs one task \
                             per shard)",
                            path.display(),
                            holder.trim()
                        );
                        let _ = std::fs::remove_file(&path);
                        continue;
                    }
                    if !elsewhere && pid.is_some_and(gone) {
                        // A killed sweep's lock: take it over.
                        let _ = std::fs::remove_file(&path);
                        continue;
                    }
                    return Err(Error::input(format!(
                        "{}: another sweep (process {}) is writing this directory; wait for it to \
                         end, or delete {} if it is no longer running",
                        dir.display(),
                        holder.trim(),
                        path.display()
                    )));
                }
                Err(e) => return Err(Error::io(format!("{}: cannot create: {e}", path.display()))),
            }
        }
        Err(Error::io(format!(
            "{}: cannot take the lock",
            path.display()
        )))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// This machine's name (empty where the system does not say).
fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// Whether process `pid` has ended (false where the system cannot say).
fn gone(pid: u32) -> bool {
    Path::new("/proc/self").exists() && !Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_stale_locks_are_taken_over() {
        let t = tempfile::tempdir().unwrap();
        let held = Lock::take(t.path(), true).unwrap();
        let err = Lock::take(t.path(), true).unwrap_err().to_string();
        assert!(err.contains("another sweep"), "{err}");
        drop(held);
        assert!(!t.path().join(LOCK_FILE).exists());
        // A lock left by a process that no longer exists.
        std::fs::write(t.path().join(LOCK_FILE), "4294967000\n").unwrap();
        if Path::new("/proc/self").exists() {
            drop(Lock::take(t.path(), false).unwrap());
        }
        // A lock from another host: a scheduled shard takes it over, anything else refuses.
        let mine = std::process::id();
        std::fs::write(t.path().join(LOCK_FILE), format!("{mine} node-elsewhere\n")).unwrap();
        assert!(Lock::take(t.path(), false).is_err());
        assert!(Lock::take(t.path(), true).is_ok());
    }
}
