//! The sweep's journal: `sweep.partial.csv`, appended one finished run per line so that a
//! killed sweep keeps what it finished, read back by `--resume`.

use super::*;

/// The journal's last column: FNV-1a of the line's other fields (joined by 0x1f), in hex.
pub(super) const CHECK: &str = "check";

/// The check of a journal line's fields.
fn check_of<'a>(fields: impl Iterator<Item = &'a str>) -> String {
    let joined: Vec<&str> = fields.collect();
    format!("{:016x}", fnv1a(joined.join("\x1f").as_bytes()))
}

/// The journal's header line.
pub(super) fn header_line(header: &[String]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(crate::output::csv_error)?;
    w.into_inner().map_err(|e| Error::io(format!("csv: {e}")))
}

/// A run's journal lines: each bank's row (if it has them), then its `sweep.csv` row, each
/// with the point first and the check last. The `bank = all` line ends the run: bank lines
/// without it are a run that did not finish.
pub(super) fn line(point: usize, row: &SweepRow) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    for run in row.banks.iter().chain([&row.run]) {
        let line = row.line_of(run, Some(point))?;
        let fields = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&line[..])
            .records()
            .next()
            .and_then(|r| r.ok())
            .unwrap_or_default();
        bytes.extend(line.strip_suffix(b"\n").unwrap_or(&line));
        bytes.extend(format!(",{}\n", check_of(fields.iter())).into_bytes());
    }
    Ok(bytes)
}

/// A journal line's point and row, its check and its point's values checked against the
/// sweep's; the error says what is wrong.
fn row_of(
    rec: &csv::StringRecord,
    sweep: &Sweep,
) -> std::result::Result<(usize, SweepRow), String> {
    let (last, fields) = match rec.len() {
        0 => (None, csv::StringRecord::new()),
        n => (rec.get(n - 1), rec.iter().take(n - 1).collect()),
    };
    if last != Some(check_of(fields.iter()).as_str()) {
        return Err(format!(
            "its {CHECK} does not match its values (edited, or written by another version)"
        ));
    }
    let p: usize = fields[0]
        .parse()
        .ok()
        .filter(|&p| p < sweep.points.len())
        .ok_or_else(|| format!("bad point \"{}\"", &fields[0]))?;
    let row = SweepRow::parse(&fields, sweep.grid.axes.len(), true).map_err(|e| e.to_string())?;
    if row.params != sweep.points[p].labels {
        return Err(format!(
            "point {p} has values {} here but {} in this sweep",
            row.params.join(","),
            sweep.points[p].labels.join(",")
        ));
    }
    Ok((p, row))
}

/// What to do about a bad `sweep.partial.csv`.
pub(super) const START_OVER: &str = "delete it and sweep.manifest to start the sweep over";

/// Finished runs read back from `sweep.partial.csv`.
#[derive(Debug)]
pub(super) struct Journal {
    /// The header line (`point`, then `sweep.csv`'s columns) is there.
    pub(super) has_header: bool,
    /// `(point, replication)` → the run's row.
    pub(super) rows: BTreeMap<(usize, u32), SweepRow>,
    /// Runs found on more than one line (the first is kept).
    pub(super) duplicates: Vec<(usize, u32)>,
    /// Bytes of the file up to its last complete run (a kill can tear the last line, or
    /// leave a run's bank lines without its `bank = all` line).
    pub(super) complete: u64,
    pub(super) len: u64,
}

impl Journal {
    pub(super) fn empty() -> Journal {
        Journal {
            has_header: false,
            rows: BTreeMap::new(),
            duplicates: vec![],
            complete: 0,
            len: 0,
        }
    }

    /// Reads the journal, checking each row against the sweep's grid. A missing file is an
    /// empty journal. `remedy` ends the message of a bad file (what the user should do).
    pub(super) fn read(
        path: &Path,
        prefix: &[String],
        sweep: &Sweep,
        remedy: &str,
    ) -> Result<Journal> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Journal::empty()),
            Err(e) => return Err(Error::io(format!("{}: cannot read: {e}", path.display()))),
        };
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let bad = |what: String| Error::input(format!("{}: {what}; {remedy}", path.display()));
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&bytes[..complete]);
        let mut journal = Journal {
            has_header: false,
            rows: BTreeMap::new(),
            duplicates: vec![],
            complete: complete as u64,
            len: bytes.len() as u64,
        };
        // A run's bank lines, until its `bank = all` line: (line, byte offset, key, row).
        let mut banks: Vec<(usize, u64, (usize, u32), SummaryRow)> = Vec::new();
        for (line, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| bad(format!("unreadable line {}: {e}", line + 1)))?;
            let offset = rec.position().map_or(0, |p| p.byte());
            if !journal.has_header {
                if rec.iter().ne(prefix.iter().map(String::as_str)) {
                    return Err(bad(format!(
                        "its header is not this sweep's ({})",
                        prefix.join(",")
                    )));
                }
                journal.has_header = true;
                continue;
            }
            let (p, row) =
                row_of(&rec, sweep).map_err(|e| bad(format!("line {}: {e}", line + 1)))?;
            let key = (p, row.replication);
            if row.run.bank != "all" {
                banks.push((line + 1, offset, key, row.run));
                continue;
            }
            if let Some((at, ..)) = banks.iter().find(|b| b.2 != key) {
                return Err(bad(format!(
                    "line {at}: a bank's row of another run than the one ending on line {}",
                    line + 1
                )));
            }
            let row = SweepRow {
                banks: banks.drain(..).map(|b| b.3).collect(),
                ..row
            };
            match journal.rows.entry(key) {
                std::collections::btree_map::Entry::Occupied(_) => journal.duplicates.push(key),
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(row);
                }
            }
        }
        // Bank lines of a run killed before its last line: not finished, dropped on append.
        if let Some(&(_, offset, ..)) = banks.first() {
            journal.complete = offset;
        }
        Ok(journal)
    }

    /// Opens the journal for appending: drops a torn last line (or a run's banks' lines
    /// without its last), or starts a new file.
    pub(super) fn open_for_append(&self, path: &Path) -> Result<std::fs::File> {
        let io = |e: std::io::Error| Error::io(format!("{}: cannot write: {e}", path.display()));
        if self.has_header {
            let f = std::fs::OpenOptions::new()
                .append(true)
                .open(path)
                .map_err(io)?;
            if self.complete < self.len {
                f.set_len(self.complete).map_err(io)?;
            }
            Ok(f)
        } else {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    Error::io(format!("{}: cannot create directory: {e}", dir.display()))
                })?;
            }
            std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(true)
                .open(path)
                .map_err(io)
        }
    }
}

/// Appends finished runs to the journal, one `write` per run (its banks' lines and its last). Putting them on disk is the
/// caller's, through a [`Syncer`], outside the lock that orders the writes: a worker that
/// waits for the disk then holds up no other.
pub(super) struct Appender {
    pub(super) file: std::fs::File,
    pub(super) path: PathBuf,
    /// The header line is written (by an earlier run of this sweep, or by this one).
    pub(super) header_written: bool,
    pub(super) last_sync: Instant,
}

impl Appender {
    /// Appends one finished run; returns whether the journal is due to be put on disk: at
    /// least once a second (the OS has every line at once, which survives a kill; syncing
    /// bounds what a power cut can take).
    pub(super) fn append(
        &mut self,
        header: &[String],
        point: usize,
        row: &SweepRow,
    ) -> Result<bool> {
        let mut bytes = Vec::new();
        if !self.header_written {
            bytes = header_line(header)?;
            self.header_written = true;
        }
        bytes.extend(line(point, row)?);
        // One write per run: a kill leaves whole runs, or a torn last line or a run's banks'
        // lines without its last, which are dropped.
        self.file
            .write_all(&bytes)
            .map_err(|e| Error::io(format!("{}: cannot write: {e}", self.path.display())))?;
        let due = self.last_sync.elapsed() >= Duration::from_secs(1);
        if due {
            self.last_sync = Instant::now();
        }
        Ok(due)
    }

    /// A second handle on the journal, to sync it without the appender.
    pub(super) fn syncer(&self) -> Result<Syncer> {
        let file = self
            .file
            .try_clone()
            .map_err(|e| Error::io(format!("{}: cannot open: {e}", self.path.display())))?;
        Ok(Syncer {
            file,
            path: self.path.clone(),
        })
    }
}

/// Puts the journal's lines on disk.
pub(super) struct Syncer {
    file: std::fs::File,
    path: PathBuf,
}

impl Syncer {
    pub(super) fn sync(&self) -> Result<()> {
        self.file
            .sync_data()
            .map_err(|e| Error::io(format!("{}: cannot write: {e}", self.path.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run's bank lines without its `bank = all` line (killed between them) are no finished
    /// run: dropped, and the append starts where they did. Bank lines ahead of another run's
    /// last line are refused.
    #[test]
    fn a_runs_bank_lines_count_only_with_its_last_line() {
        let source = crate::scenario::Source::read(Path::new("uk-mix")).unwrap();
        let sets = ["population.connections=1000".to_string()];
        let sweep = Sweep::prepare(&source, &sets, Some(3), None).unwrap();
        let header = sweep.journal_header();
        let summary = |bank: &str| SummaryRow {
            bank: bank.into(),
            ..Default::default()
        };
        let row = |r: u32| SweepRow {
            params: sweep.points[0].labels.clone(),
            replication: r,
            run: summary("all"),
            banks: vec![summary("x"), summary("y")],
        };
        let mut bytes = header_line(&header).unwrap();
        bytes.extend(line(0, &row(0)).unwrap());
        let finished = bytes.len() as u64;
        let second = line(0, &row(1)).unwrap();
        let banks_only = &second[..second.len()
            - line(
                0,
                &SweepRow {
                    banks: vec![],
                    ..row(1)
                },
            )
            .unwrap()
            .len()];
        bytes.extend(banks_only);
        let path = std::env::temp_dir().join(format!("journal-banks-{}.csv", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let journal = Journal::read(&path, &header, &sweep, START_OVER).unwrap();
        assert_eq!(journal.rows.len(), 1);
        let banks: Vec<&str> = journal.rows[&(0, 0)]
            .banks
            .iter()
            .map(|b| b.bank.as_str())
            .collect();
        assert_eq!(banks, ["x", "y"]);
        assert_eq!(
            (journal.complete, journal.len),
            (finished, bytes.len() as u64)
        );

        // Another run's last line after them: refused, naming the first stray line.
        bytes.extend(
            line(
                0,
                &SweepRow {
                    banks: vec![],
                    ..row(2)
                },
            )
            .unwrap(),
        );
        std::fs::write(&path, &bytes).unwrap();
        let err = Journal::read(&path, &header, &sweep, START_OVER).unwrap_err();
        assert!(
            err.message
                .contains("line 5: a bank's row of another run than the one ending on line 7"),
            "{}",
            err.message
        );
        let _ = std::fs::remove_file(&path);
    }
}
