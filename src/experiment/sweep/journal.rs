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

/// A run's journal line: the point, its `sweep.csv` row, and the check.
pub(super) fn line(point: usize, row: &SweepRow) -> Result<Vec<u8>> {
    let line = row.line(Some(point))?;
    let fields = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&line[..])
        .records()
        .next()
        .and_then(|r| r.ok())
        .unwrap_or_default();
    let mut bytes = line.strip_suffix(b"\n").unwrap_or(&line).to_vec();
    bytes.extend(format!(",{}\n", check_of(fields.iter())).into_bytes());
    Ok(bytes)
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
    /// Bytes of the file up to its last complete line (a kill can tear the last line).
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
        let ncols = sweep.grid.axes.len();
        for (line, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| bad(format!("unreadable line {}: {e}", line + 1)))?;
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
            let (last, fields) = match rec.len() {
                0 => (None, csv::StringRecord::new()),
                n => (rec.get(n - 1), rec.iter().take(n - 1).collect()),
            };
            if last != Some(check_of(fields.iter()).as_str()) {
                return Err(bad(format!(
                    "line {}: its {CHECK} does not match its values (edited, or written by \
                     another version)",
                    line + 1
                )));
            }
            let rec = fields;
            let p: usize = rec[0]
                .parse()
                .ok()
                .filter(|&p| p < sweep.points.len())
                .ok_or_else(|| bad(format!("line {}: bad point \"{}\"", line + 1, &rec[0])))?;
            let row = SweepRow::parse(&rec, ncols, true)
                .map_err(|e| bad(format!("line {}: {e}", line + 1)))?;
            if row.params != sweep.points[p].labels {
                return Err(bad(format!(
                    "line {}: point {p} has values {} here but {} in this sweep",
                    line + 1,
                    row.params.join(","),
                    sweep.points[p].labels.join(",")
                )));
            }
            let key = (p, row.replication);
            match journal.rows.entry(key) {
                std::collections::btree_map::Entry::Occupied(_) => journal.duplicates.push(key),
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(row);
                }
            }
        }
        Ok(journal)
    }

    /// Opens the journal for appending: drops a torn last line, or starts a new file.
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

/// Appends finished runs to the journal, one `write` per line. Putting them on disk is the
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
        // One write per line: a kill leaves whole lines, or a torn last one that is dropped.
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
