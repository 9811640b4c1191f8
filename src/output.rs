//! The output writers: one typed record per result file, written atomically, read back by
//! the same type.
//!
//! Each CSV file's layout is defined in exactly one place, its record type in a submodule
//! (`summary.csv` in [`summary`], `daily.csv` in [`daily`], …): the fields are the columns,
//! [`Record::HEADER`] spells them, the `serialize_with` attributes fix each float's
//! precision (so equal results give equal bytes), and [`read`] refuses a file whose header
//! differs instead of guessing. The experiments write through these types and the report
//! reads through them; neither knows a column by name.
//!
//! This is the only module that writes result files, and every file is written atomically:
//! the bytes go to a temporary file beside the target, which is then renamed over it, so a
//! reader (or an interrupted run) never sees half a file.

pub mod age_by_hour;
pub mod attempt_log;
pub mod daily;
mod decimal;
pub mod never;
pub mod paired;
pub mod requeued;
pub mod run_dir;
pub mod shard;
pub mod staleness;
pub mod summary;
pub mod sweep;
pub mod table;
pub mod terminal;
pub mod text;
pub mod timeseries;
pub mod unfelt;

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use std::convert::Infallible;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// A row type that is a file's schema.
pub trait Record: Serialize + DeserializeOwned {
    /// The file's columns, in order: the serialized field names (a unit test per type checks
    /// that they agree), what [`read`] requires on the first line.
    const HEADER: &'static [&'static str];
    /// How many of the last columns were added since the file was first written: [`read`]
    /// takes a file without them, or without the last few of them (each such field
    /// `#[serde(default)]`), so that results an earlier version wrote still read.
    const ADDED: usize = 0;
}

/// Writes `bytes` to `path` atomically (a `tempfile` temporary file in the same directory,
/// synced, then renamed over `path`), creating the directory if needed. On an error the
/// temporary file is removed (dropping it does) and the message names `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Refuses, before any work, an output directory that cannot be one: a file stands at the
/// path or at one of its ancestors. Writing would find out only after the simulation.
pub fn check_dir(dir: &Path) -> Result<()> {
    let mut at = Some(dir);
    while let Some(p) = at {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => return Ok(()),
            Ok(_) => {
                return Err(Error::input(format!(
                    "{}: cannot create directory: {} is a file",
                    dir.display(),
                    p.display()
                )))
            }
            Err(_) => at = p.parent(),
        }
    }
    Ok(())
}

/// [`check_dir`] for a file to be written: its directory can be one, and the path itself is
/// not a directory.
pub fn check_file(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(Error::input(format!(
            "{}: cannot write a file: it is a directory",
            path.display()
        )));
    }
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => check_dir(dir),
        None => Ok(()),
    }
}

/// Refuses to write `path` when it is one of the files the command reads (`inputs`, each
/// with what it is: `the scenario`): `run --attempt-log scenario.toml` or `fit log.csv --out
/// log.csv` would replace the input with the output. Paths that do not exist yet, or are not
/// files (a built-in scenario's name), cannot be an input.
pub fn check_not_input(path: &Path, inputs: &[(&Path, &str)]) -> Result<()> {
    let Ok(out) = path.canonicalize() else {
        return Ok(());
    };
    for (input, what) in inputs {
        if input.canonicalize().is_ok_and(|i| i == out) {
            return Err(Error::input(format!(
                "{}: is {what} this command reads; refusing to write over it (choose another path)",
                path.display()
            )));
        }
    }
    Ok(())
}

/// [`write_atomic`] for a file written piece by piece: `fill` writes into a buffered writer
/// over the temporary file (so a large file never has to be held in memory whole).
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<()> {
    // A device or a pipe (`--out /dev/null`) is written in place: a temporary file renamed
    // over it would replace the device with a file (a session's `fit --out /dev/null` left
    // the machine without its /dev/null).
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let write = || -> std::io::Result<()> {
            let f = std::fs::OpenOptions::new().write(true).open(path)?;
            let mut w = std::io::BufWriter::new(f);
            fill(&mut w)?;
            w.flush()
        };
        return write().map_err(|e| Error::io(format!("{}: cannot write: {e}", path.display())));
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // The user chose the path: one that cannot be a directory is bad input (exit 2).
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::input(format!("{}: cannot create directory: {e}", dir.display())))?;
    // Hidden and named after the target (`.summary.csv.XXXXXX.tmp`), should a kill leave one.
    let prefix = format!(
        ".{}.",
        path.file_name().unwrap_or_default().to_string_lossy()
    );
    let write = move || -> std::io::Result<()> {
        let mut b = tempfile::Builder::new();
        b.prefix(&prefix).suffix(".tmp");
        // The permissions `File::create` gives (0o666 less the umask), not tempfile's 0o600.
        #[cfg(unix)]
        b.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let mut f = b.tempfile_in(dir)?;
        {
            let mut w = std::io::BufWriter::with_capacity(1 << 16, f.as_file_mut());
            fill(&mut w)?;
            w.flush()?;
        }
        f.as_file().sync_all()?;
        f.persist(path)?;
        Ok(())
    };
    write().map_err(|e| Error::io(format!("{}: cannot write: {e}", path.display())))
}

/// Writes a run's files into `dir` (`summary.csv`, `daily.csv`, `timeseries.csv`,
/// `staleness.csv`, `data_age_by_hour.csv`) as one unit, committed like a transaction ([`run_dir`]), so a kill leaves
/// the previous complete set or the new one, never a mixture. Returns their paths.
pub fn write_run(dir: &Path, r: &crate::metrics::RunResult) -> Result<Vec<PathBuf>> {
    let files = [
        summary::FILE,
        daily::FILE,
        timeseries::FILE,
        staleness::FILE,
        age_by_hour::FILE,
    ];
    run_dir::replace_files(dir, &files, |tmp| {
        let at = |f: &str| tmp.join(f);
        write(&at(files[0]), &summary::SummaryRow::of_run(r))?;
        write(&at(files[1]), &daily::DailyRow::of_run(r))?;
        // The two long files, streamed: each row filled in place and serialized.
        write_each(&at(files[2]), |sink| {
            timeseries::MinuteRow::each_of_run(r, sink)
        })?;
        write_each(&at(files[3]), |sink| {
            staleness::AgeRow::each_of_run(r, sink)
        })?;
        write(&at(files[4]), &age_by_hour::HourRow::of_run(r))
    })?;
    Ok(files.map(|f| dir.join(f)).to_vec())
}

/// Rows as CSV bytes, the header line first.
pub fn to_csv<T: Record>(rows: &[T]) -> Result<Vec<u8>> {
    write_csv(Vec::new(), |sink| rows.iter().try_for_each(sink)).map_err(csv_error)
}

/// Writes `rows` to `path` atomically.
pub fn write<T: Record>(path: &Path, rows: &[T]) -> Result<()> {
    write_each(path, |sink| rows.iter().try_for_each(sink))
}

/// [`write`] for rows made one at a time: `each` passes every row to the sink it is given,
/// which serializes it straight into the file's buffer. A file is not held in memory whole,
/// nor its rows (so a row type can be filled in place, row after row).
pub fn write_each<T: Record>(
    path: &Path,
    each: impl FnOnce(Sink<T>) -> csv::Result<()>,
) -> Result<()> {
    write_atomic_with(path, |w| {
        write_csv(w, each)?;
        Ok(())
    })
}

/// Where [`write_each`] takes each row.
pub type Sink<'s, T> = &'s mut dyn FnMut(&T) -> csv::Result<()>;

/// Every row `each` passes to the sink it is given, collected: for callers that want the
/// rows of a file made one at a time (`each_of_run`) all at once.
pub(crate) fn collect_rows<T: Clone>(
    each: impl FnOnce(
        &mut dyn FnMut(&T) -> std::result::Result<(), Infallible>,
    ) -> std::result::Result<(), Infallible>,
) -> Vec<T> {
    let mut rows = Vec::new();
    let Ok(()) = each(&mut |row: &T| {
        rows.push(row.clone());
        Ok(())
    });
    rows
}

/// The rows `each` passes to its sink, as CSV into `w`: the header line first, alone when
/// there are no rows.
fn write_csv<T: Record, W: std::io::Write>(
    w: W,
    each: impl FnOnce(Sink<T>) -> csv::Result<()>,
) -> csv::Result<W> {
    let mut csv = csv::Writer::from_writer(w);
    let mut empty = true;
    each(&mut |row| {
        empty = false;
        csv.serialize(row)
    })?;
    if empty {
        csv.write_record(T::HEADER)?;
    }
    csv.into_inner().map_err(|e| e.into_error().into())
}

/// A CSV file opened for reading, and its header; the errors name the file.
pub(crate) fn open(path: &Path) -> Result<(csv::Reader<std::fs::File>, csv::StringRecord)> {
    let mut r = csv::Reader::from_path(path)
        .map_err(|e| Error::input(format!("{}: cannot read: {e}", path.display())))?;
    let header = r
        .headers()
        .map_err(|e| Error::input(format!("{}: bad csv header: {e}", path.display())))?
        .clone();
    Ok((r, header))
}

/// Reads a file written by [`write`]. The error names the file and, for a bad header, the
/// first column that differs; for a bad row, its line and field.
pub fn read<T: Record>(path: &Path) -> Result<Vec<T>> {
    let (mut r, header) = open(path)?;
    let older = |k: usize| &T::HEADER[..T::HEADER.len() - k];
    let fits =
        |k: usize| header.len() == older(k).len() && check_header(path, &header, older(k)).is_ok();
    if !(1..=T::ADDED).any(fits) {
        check_header(path, &header, T::HEADER)?;
    }
    r.deserialize()
        .map(|row| row.map_err(|e| row_error(path, e)))
        .collect()
}

/// `header` is `expected`, or an error naming the first column that differs.
pub fn check_header(path: &Path, header: &csv::StringRecord, expected: &[&str]) -> Result<()> {
    let found: Vec<&str> = header.iter().collect();
    if found == expected {
        return Ok(());
    }
    let i = (0..found.len().max(expected.len()))
        .find(|&i| found.get(i) != expected.get(i))
        .unwrap_or(0);
    Err(Error::input(format!(
        "{}: column {} is `{}` where this version of refresh-sim writes `{}`: not a file it \
         wrote, or one from another version (run it again to rewrite it)",
        path.display(),
        i + 1,
        found.get(i).copied().unwrap_or("(none)"),
        expected.get(i).copied().unwrap_or("(none)"),
    )))
}

/// A row that does not parse, named by file, line and field.
pub fn row_error(path: &Path, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    let what = match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(f) => format!("field {}: {}", f + 1, err.kind()),
            None => err.kind().to_string(),
        },
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len} (a cut-off or edited row)"),
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
        k => format!("{k:?}"),
    };
    Error::input(format!("{}: line {line}: {what}", path.display()))
}

pub(crate) fn csv_error(e: csv::Error) -> Error {
    Error::io(format!("csv: {e}"))
}

/// Serializes a float with `D` decimals (stable bytes, no exponent; infinity as `inf`): the
/// bytes of `format!("{:.D}")`, written by [`decimal::format`] into a buffer on the stack
/// (std's float formatting and a `String` a float were most of the cost of a run's files).
pub(crate) fn fixed<const D: usize, S: Serializer>(
    x: &f64,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    let mut buf = [0; decimal::LEN];
    match decimal::format::<D>(*x, &mut buf) {
        Some(text) => s.serialize_str(text),
        None => s.collect_str(&format_args!("{:.*}", D, x)),
    }
}

/// [`fixed`] for an optional float: empty when absent.
pub(crate) fn fixed_opt<const D: usize, S: Serializer>(
    x: &Option<f64>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match x {
        Some(x) => fixed::<D, S>(x, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// The header serde writes for `row` is `T::HEADER`, and the row reads back equal.
    pub fn round_trips<T: Record + PartialEq + std::fmt::Debug>(row: T) {
        let bytes = to_csv(std::slice::from_ref(&row)).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert_eq!(text.lines().next().unwrap(), T::HEADER.join(","));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.csv");
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(read::<T>(&path).unwrap(), vec![row]);
    }
}

#[cfg(test)]
mod tests {
    use super::daily::DailyRow;
    use super::*;

    /// A cut-off row is named by its line and its field count, not by the csv crate's
    /// debug structure (a trial's truncated timeseries.csv printed `UnequalLengths { … }`).
    #[test]
    fn a_cut_off_row_says_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("daily.csv");
        let mut text = String::from_utf8(to_csv(&[DailyRow::default()]).unwrap()).unwrap();
        text.push_str("1,all,true\n");
        std::fs::write(&path, text).unwrap();
        let e = read::<DailyRow>(&path).unwrap_err().to_string();
        let want = format!(
            "daily.csv: line 3: 3 fields where the header has {}",
            DailyRow::HEADER.len()
        );
        assert!(e.contains(&want), "{e}");
    }
}
