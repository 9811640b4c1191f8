//! One writer per sweep directory: `sweep.lock`, created exclusively with the writer's
//! process id, removed when it ends. Two sweeps (or two `--resume`s) into one directory would
//! otherwise append to one journal and replace each other's files.
//!
//! A lock whose process is gone (a killed sweep) is stale and taken over; where the system
//! cannot say whether a process lives (no `/proc`), a lock is held until removed by hand.

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
    pub fn take(dir: &Path) -> Result<Lock> {
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
                    let _ = writeln!(f, "{}", std::process::id());
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    let pid: Option<u32> = holder.trim().parse().ok();
                    if pid.is_some_and(gone) {
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
        let held = Lock::take(t.path()).unwrap();
        let err = Lock::take(t.path()).unwrap_err().to_string();
        assert!(err.contains("another sweep"), "{err}");
        drop(held);
        assert!(!t.path().join(LOCK_FILE).exists());
        // A lock left by a process that no longer exists.
        std::fs::write(t.path().join(LOCK_FILE), "4294967000\n").unwrap();
        if Path::new("/proc/self").exists() {
            assert!(Lock::take(t.path()).is_ok());
        }
    }
}
