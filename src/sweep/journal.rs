//! The sweep's journal: `sweep.partial.csv`, appended one finished run per line so that a
//! killed sweep keeps what it finished, read back by `--resume`; and the progress bar.

use super::*;

/// Finished runs read back from `sweep.partial.csv`.
#[derive(Debug)]
pub(super) struct Journal {
    /// The full header (`point`, grid columns, `replication`, summary columns), if written.
    pub(super) header: Option<Vec<String>>,
    /// `(point, replication)` → the full row, `point` first.
    pub(super) rows: BTreeMap<(usize, u32), Vec<String>>,
    /// Bytes of the file up to its last complete line (a kill can tear the last line).
    pub(super) complete: u64,
    pub(super) len: u64,
}

impl Journal {
    pub(super) fn empty() -> Journal {
        Journal {
            header: None,
            rows: BTreeMap::new(),
            complete: 0,
            len: 0,
        }
    }

    /// Reads the journal, checking each row against the sweep's grid. A missing file is an
    /// empty journal.
    pub(super) fn read(path: &Path, prefix: &[String], sweep: &Sweep) -> Result<Journal> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Journal::empty()),
            Err(e) => return Err(Error::io(format!("{}: cannot read: {e}", path.display()))),
        };
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let bad = |what: String| {
            Error::input(format!(
                "{}: {what}; delete it and {} to start the sweep over",
                path.display(),
                MANIFEST_FILE
            ))
        };
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&bytes[..complete]);
        let mut journal = Journal {
            header: None,
            rows: BTreeMap::new(),
            complete: complete as u64,
            len: bytes.len() as u64,
        };
        let ncols = sweep.grid.axes.len();
        for (line, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| bad(format!("unreadable line {}: {e}", line + 1)))?;
            let fields: Vec<String> = rec.iter().map(String::from).collect();
            match &journal.header {
                None => {
                    if fields.len() < prefix.len() || fields[..prefix.len()] != *prefix {
                        return Err(bad(format!(
                            "its header does not start with {}",
                            prefix.join(",")
                        )));
                    }
                    journal.header = Some(fields);
                }
                Some(h) => {
                    if fields.len() != h.len() {
                        return Err(bad(format!(
                            "line {} has {} fields, the header {}",
                            line + 1,
                            fields.len(),
                            h.len()
                        )));
                    }
                    let p: usize = fields[0]
                        .parse()
                        .ok()
                        .filter(|&p| p < sweep.points.len())
                        .ok_or_else(|| {
                            bad(format!("line {}: bad point \"{}\"", line + 1, fields[0]))
                        })?;
                    let r: u32 = fields[ncols + 1].parse().map_err(|_| {
                        bad(format!(
                            "line {}: bad replication \"{}\"",
                            line + 1,
                            fields[ncols + 1]
                        ))
                    })?;
                    if fields[1..=ncols] != sweep.points[p].labels[..] {
                        return Err(bad(format!(
                            "line {}: point {p} has values {} here but {} in this sweep",
                            line + 1,
                            fields[1..=ncols].join(","),
                            sweep.points[p].labels.join(",")
                        )));
                    }
                    // A run is deterministic: a duplicate (two writers) is the same row.
                    journal.rows.entry((p, r)).or_insert(fields);
                }
            }
        }
        Ok(journal)
    }

    /// Opens the journal for appending: drops a torn last line, or starts a new file.
    pub(super) fn open_for_append(&self, path: &Path) -> Result<std::fs::File> {
        let io = |e: std::io::Error| Error::io(format!("{}: cannot write: {e}", path.display()));
        if self.header.is_some() {
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

/// Appends finished runs to the journal, one `write` per line.
pub(super) struct Appender {
    pub(super) file: std::fs::File,
    pub(super) path: PathBuf,
    pub(super) header: Option<Vec<String>>,
    pub(super) last_sync: Instant,
}

impl Appender {
    pub(super) fn append(
        &mut self,
        prefix: &[String],
        summary_header: &[String],
        record: &[String],
    ) -> Result<()> {
        let mut header = prefix.to_vec();
        header.extend(summary_header.iter().cloned());
        let mut w = csv::Writer::from_writer(Vec::new());
        let csv_err = |e: csv::Error| Error::io(format!("csv: {e}"));
        match &self.header {
            None => {
                w.write_record(&header).map_err(csv_err)?;
                self.header = Some(header);
            }
            Some(h) if *h != header => {
                return Err(Error::input(format!(
                    "{}: its rows have other columns than this version of refresh-sim writes; \
                     delete it and {MANIFEST_FILE} to start the sweep over",
                    self.path.display()
                )))
            }
            Some(_) => {}
        }
        w.write_record(record).map_err(csv_err)?;
        let bytes = w.into_inner().map_err(|e| Error::io(format!("csv: {e}")))?;
        let io =
            |e: std::io::Error| Error::io(format!("{}: cannot write: {e}", self.path.display()));
        // One write per line: a kill leaves whole lines, or a torn last one that is dropped.
        self.file.write_all(&bytes).map_err(io)?;
        // On disk at least once a second (the OS has every line at once, which survives a
        // kill; syncing bounds what a power cut can take).
        if self.last_sync.elapsed() >= Duration::from_secs(1) {
            self.file.sync_data().map_err(io)?;
            self.last_sync = Instant::now();
        }
        Ok(())
    }
}

pub(super) fn progress_bar(show: bool, total: u64, done: u64) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{elapsed_precise} [{bar:30}] {pos}/{len} runs · ETA {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_position(done);
    bar.reset_eta();
    bar
}
