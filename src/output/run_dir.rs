//! A run's files replaced as one unit: they appear together or not at all.
//!
//! Files written one by one, each atomically, can still be a mixture after a kill: the new
//! `summary.csv` beside the previous run's `timeseries.csv`, and a report drawn from both.
//! So a run's files are committed like a journaled transaction, inside their directory (which
//! may hold other things, e.g. the default experiment's per-strategy directories):
//!
//! 1. the files are written into `DIR/.new-PID/` (a kill here leaves the old set whole, and
//!    an incomplete one that the next write removes);
//! 2. `DIR/.commit` is written atomically, naming `.new-PID` and its files: from here on the
//!    new set is complete and will win;
//! 3. the report drawn from the old files (`report.md`, `charts/`) is removed, and each new
//!    file renamed over the old one;
//! 4. `.new-PID` and `.commit` are removed.
//!
//! A kill between 2 and 4 leaves `.commit`: the next write to the directory, or a report read
//! from it, first rolls the commit forward ([`recover`]). So after recovery the directory
//! holds the previous complete set or the new one, never a mixture.
//!
//! Two runs writing one directory at once take turns: steps 1–4, and a reader's recovery,
//! hold an advisory lock on the directory itself ([`hold`]), so that neither removes the
//! other's staging directory as a killed run's or rolls its commit forward half-way; the last
//! to write wins, whole. The lock goes with its holder, even a killed one.

use super::write_atomic;
use crate::error::{Error, Result};
use std::path::Path;

/// The commit record's name in a results directory.
const COMMIT: &str = ".commit";
/// What a report writes from a run's files: stale once the files change.
const DERIVED: [&str; 2] = ["report.md", "charts"];

/// Writes `files` into `dir` as one unit: `fill` writes them into the staging directory it
/// is given (see the module docs).
pub fn replace_files(
    dir: &Path,
    files: &[&str],
    fill: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    // The user chose the path: one that cannot be a directory is bad input (exit 2).
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::input(format!("{}: cannot create directory: {e}", dir.display())))?;
    let _held = hold(dir);
    recover_held(dir)?;
    let staging = dir.join(format!(".new-{}", std::process::id()));
    std::fs::create_dir(&staging).map_err(|e| io("create directory", &staging, e))?;
    if let Err(e) = fill(&staging) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    let mut record = staging
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for f in files {
        record.push('\n');
        record.push_str(f);
    }
    write_atomic(&dir.join(COMMIT), record.as_bytes())?;
    roll_forward(dir)
}

/// Finishes what a killed [`replace_files`] left in `dir`: a committed set is moved into
/// place, uncommitted staging directories and stray temporary files are removed. Waits for
/// a run writing the directory to finish first.
pub fn recover(dir: &Path) -> Result<()> {
    let _held = hold(dir);
    recover_held(dir)
}

/// Holds `dir` until the returned file is dropped: an exclusive `flock` on the directory,
/// waiting for another holder (a process or a thread) to let go. The kernel releases it when
/// its holder ends, so a killed run leaves no lock behind. Where the directory cannot be
/// opened or locked (a file system without such locks), nothing is held, as before locks:
/// concurrent writers of such a directory are the user's to avoid (docs/manual.md).
fn hold(dir: &Path) -> Option<std::fs::File> {
    let f = std::fs::File::open(dir).ok()?;
    f.lock().ok()?;
    Some(f)
}

/// [`recover`], with `dir` held by the caller.
fn recover_held(dir: &Path) -> Result<()> {
    if dir.join(COMMIT).is_file() {
        roll_forward(dir)?;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for e in entries.filter_map(|e| e.ok()) {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(".new-") {
            let _ = std::fs::remove_dir_all(e.path());
        } else if name.starts_with('.') && name.ends_with(".tmp") {
            // A killed atomic write's temporary file (`.summary.csv.XXXXXX.tmp`).
            let _ = std::fs::remove_file(e.path());
        }
    }
    Ok(())
}

/// Removes the report drawn from a directory's earlier files (`report.md`, `charts/`): stale
/// once new results are written there (a trial re-ran a sweep into a directory and read the
/// old 16-point report beside the new 2-point CSVs). `refresh-sim report DIR` redraws it.
pub fn remove_derived(dir: &Path) {
    for d in DERIVED {
        let p = dir.join(d);
        let _ = if p.is_dir() {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        };
    }
}

/// Applies the commit record: the report goes, each file moves into place, the staging
/// directory and the record go. Idempotent, so a kill during it is finished by the next.
fn roll_forward(dir: &Path) -> Result<()> {
    let path = dir.join(COMMIT);
    let record = std::fs::read_to_string(&path).map_err(|e| io("read", &path, e))?;
    let mut lines = record.lines();
    let staging = dir.join(lines.next().unwrap_or_default());
    remove_derived(dir);
    for f in lines {
        let from = staging.join(f);
        if from.exists() {
            std::fs::rename(&from, dir.join(f)).map_err(|e| io("rename", &from, e))?;
        }
    }
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::remove_file(&path).map_err(|e| io("remove", &path, e))
}

fn io(what: &str, p: &Path, e: std::io::Error) -> Error {
    Error::io(format!("{}: cannot {what}: {e}", p.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILES: [&str; 2] = ["a.csv", "b.csv"];

    /// The names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn fill_with(text: &'static str) -> impl FnOnce(&Path) -> Result<()> {
        move |d: &Path| {
            for f in FILES {
                std::fs::write(d.join(f), text).unwrap();
            }
            Ok(())
        }
    }

    fn read(d: &Path, f: &str) -> String {
        std::fs::read_to_string(d.join(f)).unwrap()
    }

    /// The new set replaces the old (a stale report goes with it); other things stay, and
    /// nothing is left behind.
    #[test]
    fn replaces_the_set_and_its_report_only() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        std::fs::create_dir(d.join("queued")).unwrap();
        replace_files(d, &FILES, fill_with("one")).unwrap();
        std::fs::write(d.join("report.md"), "from one").unwrap();
        replace_files(d, &FILES, fill_with("two")).unwrap();
        assert_eq!(names(d), ["a.csv", "b.csv", "queued"]);
        assert_eq!(read(d, "a.csv"), "two");
    }

    /// A kill after the commit record is rolled forward by the next recovery, even one that
    /// had moved a file already; a kill before it leaves the old set.
    #[test]
    fn recovers_what_a_kill_left() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        replace_files(d, &FILES, fill_with("old")).unwrap();
        // Committed, one file moved, then killed.
        let s = d.join(".new-9");
        std::fs::create_dir(&s).unwrap();
        std::fs::write(d.join("a.csv"), "new").unwrap();
        std::fs::write(s.join("b.csv"), "new").unwrap();
        std::fs::write(d.join(COMMIT), ".new-9\na.csv\nb.csv").unwrap();
        std::fs::write(d.join("report.md"), "stale").unwrap();
        recover(d).unwrap();
        assert_eq!(
            (read(d, "a.csv"), read(d, "b.csv")),
            ("new".into(), "new".into())
        );
        assert_eq!(names(d), ["a.csv", "b.csv"]);
        // Killed while filling, and a torn atomic write: the old set stays.
        std::fs::create_dir(d.join(".new-10")).unwrap();
        std::fs::write(d.join(".new-10/a.csv"), "half").unwrap();
        std::fs::write(d.join(".a.csv.x1y2.tmp"), "half").unwrap();
        recover(d).unwrap();
        assert_eq!(names(d), ["a.csv", "b.csv"]);
        assert_eq!(read(d, "a.csv"), "new");
    }

    /// Two writers of one directory take turns: the second waits while the first fills its
    /// staging directory (rather than removing it as a killed run's), then replaces the first
    /// one's set with its own, whole.
    #[test]
    fn concurrent_writers_take_turns() {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::mpsc;
        use std::sync::Arc;
        let t = tempfile::tempdir().unwrap();
        let d = t.path().to_path_buf();
        let (started, on_start) = mpsc::channel();
        let (go, on_go) = mpsc::channel::<()>();
        let first = {
            let d = d.clone();
            std::thread::spawn(move || {
                replace_files(&d, &FILES, |s| {
                    started.send(()).unwrap();
                    on_go.recv().unwrap();
                    fill_with("first")(s)
                })
            })
        };
        on_start.recv().unwrap();
        let filled = Arc::new(AtomicBool::new(false));
        let second = {
            let (d, filled) = (d.clone(), filled.clone());
            std::thread::spawn(move || {
                replace_files(&d, &FILES, |s| {
                    filled.store(true, Ordering::SeqCst);
                    fill_with("second")(s)
                })
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert!(
            !filled.load(Ordering::SeqCst),
            "the second writer went ahead while the first was filling"
        );
        go.send(()).unwrap();
        first.join().unwrap().unwrap();
        second.join().unwrap().unwrap();
        assert_eq!(names(&d), ["a.csv", "b.csv"]);
        assert_eq!(
            (read(&d, "a.csv"), read(&d, "b.csv")),
            ("second".into(), "second".into())
        );
    }

    /// A failed fill leaves the old set and nothing else.
    #[test]
    fn a_failed_fill_keeps_the_old_set() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        replace_files(d, &FILES, fill_with("one")).unwrap();
        assert!(replace_files(d, &FILES, |_| Err(Error::io("disk full"))).is_err());
        assert_eq!(names(d), ["a.csv", "b.csv"]);
        assert_eq!(read(d, "b.csv"), "one");
    }
}
