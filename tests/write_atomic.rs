//! `output::write_atomic`, which every output file goes through: the directory is created,
//! the file is replaced whole, it gets the permissions `File::create` gives, and a failed
//! write names the path and leaves no temporary file behind.

mod common;

use common::TempDir;
use refresh_sim::output::write_atomic;

/// The names in `dir`, sorted.
fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn creates_the_directory_and_replaces_the_file_whole() {
    let tmp = TempDir::new("atomic");
    let path = tmp.join("a/b/out.csv");
    write_atomic(&path, b"first\n").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"first\n");
    write_atomic(&path, b"second\n").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"second\n");
    assert_eq!(
        names(&tmp.join("a/b")),
        ["out.csv"],
        "no temporary file left"
    );
}

#[cfg(unix)]
#[test]
fn gets_the_permissions_file_create_gives() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = TempDir::new("atomic-mode");
    let plain = tmp.join("plain");
    std::fs::File::create(&plain).unwrap();
    let atomic = tmp.join("atomic");
    write_atomic(&atomic, b"x").unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&atomic), mode(&plain));
}

#[test]
fn a_failed_write_names_the_path_and_leaves_nothing() {
    let tmp = TempDir::new("atomic-fail");
    // A directory where the file should go: the rename fails.
    let path = tmp.join("taken");
    std::fs::create_dir(&path).unwrap();
    std::fs::write(path.join("inside"), b"x").unwrap();
    let err = write_atomic(&path, b"data").unwrap_err();
    assert!(
        err.message.contains(&path.display().to_string()),
        "{}",
        err.message
    );
    assert_eq!(names(tmp.path()), ["taken"], "no temporary file left");

    // A file where the directory should be.
    let file = tmp.join("file");
    std::fs::write(&file, b"x").unwrap();
    let err = write_atomic(&file.join("out.csv"), b"data").unwrap_err();
    assert!(
        err.message.contains("cannot create directory")
            && err.message.contains(&file.display().to_string()),
        "{}",
        err.message
    );
}

/// An output path that is the command's own input is refused (exit 2, naming it), and the
/// input is left as it was: a trial's `run s.toml --attempt-log s.toml` replaced its scenario
/// with a 16 MB log, and `fit log.csv --out log.csv` its log with the fitted file.
#[test]
fn an_output_over_the_commands_own_input_is_refused() {
    let tmp = TempDir::new("own-input");
    let sc = common::write_small(tmp.path());
    let scenario = std::fs::read(&sc).unwrap();
    let s = sc.to_str().unwrap();
    let out = tmp.join("out");
    let o = out.to_str().unwrap();
    let refused = common::sim(&["run", s, "--attempt-log", s, "--out", o]);
    assert_eq!(refused.status.code(), Some(2));
    let err = common::text(&refused.stderr);
    assert!(
        err.contains(s) && err.contains("is the scenario this command reads"),
        "{err}"
    );
    assert_eq!(std::fs::read(&sc).unwrap(), scenario);
    assert!(!out.exists());

    let log = tmp.join("log.csv");
    let l = log.to_str().unwrap();
    common::succeed(
        std::process::Command::new(env!("CARGO_BIN_EXE_refresh-sim")).args([
            "run",
            s,
            "--attempt-log",
            l,
            "--out",
            o,
        ]),
    );
    let logged = std::fs::read(&log).unwrap();
    // Spelled another way, the same file.
    let again = format!("{o}/../log.csv");
    let refused = common::sim(&["fit", l, "--out", &again]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(common::text(&refused.stderr).contains("is the log this command reads"));
    assert_eq!(std::fs::read(&log).unwrap(), logged);
}

/// A device is written in place, not replaced by a file renamed over it (a session's
/// `fit --out /dev/null` left the machine's /dev/null a regular file, and a later set-up
/// failed to open it).
#[cfg(unix)]
#[test]
fn a_device_is_written_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let null = std::path::Path::new("/dev/null");
    write_atomic(null, b"gone\n").unwrap();
    let kind = std::fs::metadata(null).unwrap().file_type();
    assert!(kind.is_char_device(), "{kind:?}");
}
