//! Reading a refresh log (the columns of `output/attempt_log.rs`, as a client's own log
//! would have them) leniently: required columns by name in any order, optional ones
//! defaulted with a warning, messy rows counted and left out with a warning, and what
//! cannot be read an error naming the file, line and column.

use crate::error::{Error, Result};
use crate::output::attempt_log::{parse_time_zoned, AttemptRow, TimeFormat};
use crate::output::Record;
use crate::sim::Reason;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// How an attempt ended, as the fit needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Seen {
    Success,
    /// A 5xx (or a timeout).
    Error,
    /// A 429.
    RateLimited,
    /// The bank was closed (503 with a rate-limited outcome): not a rate limit.
    Outage,
    /// The consent had expired (`reconnect_required`): no bank call, left out of every
    /// estimate, counted for what the fit leaves at defaults (`unfitted.rs`).
    Reconnect,
    /// No bank call (a duplicate): left out of every estimate.
    NoCall,
}

impl Seen {
    /// The bank admitted the call and answered later.
    pub fn admitted(self) -> bool {
        matches!(self, Seen::Success | Seen::Error)
    }
}

/// One attempt, times in microseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Row {
    pub submitted: i64,
    pub learned: i64,
    pub conn: u32,
    pub bank: u16,
    pub seen: Seen,
    /// Retry-After in seconds.
    pub retry_after: Option<f64>,
    pub attempt: u32,
    pub on_demand: bool,
    /// Who asked for the call; without a `reason` column, `Customer` for a customer-present
    /// call and `Schedule` otherwise (`customers.rs` tells reconnect fetches apart).
    pub reason: Reason,
}

/// Something the reader left out or assumed, counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// How many rows or columns it concerns (0: not a count, the file as a whole).
    pub count: u64,
    pub what: String,
    /// The first line it happened on (0: the whole file).
    pub first_line: u64,
}

/// A log read for fitting: rows sorted by submission, per bank.
#[derive(Clone, Debug)]
pub struct Log {
    pub banks: Vec<String>,
    /// Sorted by (submitted, learned, line).
    pub rows: Vec<Row>,
    pub connections: usize,
    pub format: TimeFormat,
    pub warnings: Vec<Warning>,
    /// Whether the log has a `reason` column (links and reconnect fetches told apart).
    pub reasons: bool,
    /// Whether it tells customers' calls from the client's (a `reason` or `on_demand` column).
    pub customers_told: bool,
    /// The clock its times are read on: the hours of the day and the calendar days.
    pub clock: Clock,
}

/// The clock a log's times are read on, which its hours of the day (a bank's band of hours,
/// the customers' profile, the window's start) and calendar days count by.
#[derive(Clone, Debug, PartialEq)]
pub enum Clock {
    /// As written: `Z`, no zone, or seconds from the log's origin.
    Written,
    /// Every time carries this one offset from UTC (seconds, `+10:00` is 36,000): read on
    /// it, the log's local clock (a trial's Sydney log, read in UTC, put a bank's 06:00–24:00
    /// at 20:00–14:00, across midnight, and its customers' evenings at 09:00–13:00).
    Local(i32),
    /// Times carry several offsets (a change to or from daylight saving), read in UTC since
    /// a local clock would repeat or skip an hour; or one, read in UTC as asked (`--utc`).
    Utc(Vec<i32>),
}

impl Log {
    /// The log read in UTC where it was read on its one offset (`fit --utc`: a bank whose
    /// days, quotas and windows turn at UTC's midnight, not the log's).
    pub fn in_utc(mut self) -> Log {
        if let Clock::Local(o) = self.clock {
            let shift = o as i64 * 1_000_000;
            for r in &mut self.rows {
                r.submitted -= shift;
                r.learned -= shift;
            }
            self.clock = Clock::Utc(vec![o]);
        }
        self
    }
}

impl Clock {
    /// The clock in words for `fit`'s summary and the fitted file's header; `None` as written.
    pub fn describe(&self) -> Option<String> {
        match self {
            Clock::Written => None,
            Clock::Utc(v) if v.len() == 1 => Some(format!(
                "UTC (--utc), not the log's own UTC{}: hours of the day and calendar days are \
                 UTC's",
                offset(v[0])
            )),
            Clock::Local(o) => Some(format!(
                "the log's own, UTC{} (every time carries it): hours of the day and calendar \
                 days as the log wrote them",
                offset(*o)
            )),
            Clock::Utc(v) => Some(format!(
                "UTC: the times carry several offsets ({}), so hours of the day and calendar \
                 days are UTC's; log local times without an offset to fit a bank's local hours",
                v.iter().map(|&o| offset(o)).collect::<Vec<_>>().join(", ")
            )),
        }
    }
}

/// An offset from UTC as ISO 8601 writes it: `+10:00`, `-05:30`.
fn offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let m = secs.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

const REQUIRED: [&str; 5] = [
    "connection",
    "bank",
    "submitted_at",
    "learned_at",
    "outcome",
];

/// Column positions by name.
struct Columns {
    at: [usize; 5],
    status: Option<usize>,
    retry_after: Option<usize>,
    attempt: Option<usize>,
    on_demand: Option<usize>,
    reason: Option<usize>,
}

fn columns(path: &Path, header: &csv::StringRecord) -> Result<(Columns, Vec<Warning>)> {
    let find = |name: &str| header.iter().position(|h| h.trim() == name);
    let mut at = [0; 5];
    for (i, name) in REQUIRED.iter().enumerate() {
        at[i] = find(name).ok_or_else(|| {
            // A spreadsheet's export with semicolons reads as one column.
            let semicolons = match header.len() == 1 && header[0].contains(';') {
                true => ": the header has semicolons and no commas; the log must be comma-separated (export it as CSV with commas)",
                false => "",
            };
            Error::input(format!(
                "{}: line 1: no `{name}` column (a refresh log needs {}; found {}){semicolons}",
                path.display(),
                REQUIRED.join(", "),
                header.iter().collect::<Vec<_>>().join(", ")
            ))
        })?;
    }
    let mut warnings = Vec::new();
    let mut optional = |name: &str, assumed: &str| {
        let p = find(name);
        if p.is_none() {
            warnings.push(Warning {
                count: 0,
                what: format!("no `{name}` column: {assumed}"),
                first_line: 0,
            });
        }
        p
    };
    let cols = Columns {
        at,
        status: optional("http_status", "statuses taken from the outcomes"),
        retry_after: optional("retry_after", "no Retry-After known"),
        attempt: optional("attempt", "every attempt taken as a first attempt"),
        on_demand: optional(
            "on_demand",
            "every attempt taken as unattended (a quota fit counts them all)",
        ),
        reason: optional(
            "reason",
            "customers' requests told from link and reconnect fetches by the calls before \
             them (joins not told apart)",
        ),
    };
    let known: Vec<&str> = AttemptRow::HEADER.to_vec();
    let extra = header.iter().filter(|h| !known.contains(&h.trim())).count();
    if extra > 0 {
        warnings.push(Warning {
            count: extra as u64,
            what: "columns not used by the fit, ignored".into(),
            first_line: 0,
        });
    }
    Ok((cols, warnings))
}

/// Counts of rows left out, by reason (BTreeMap: reported in a stable order).
#[derive(Default)]
struct Skipped(BTreeMap<String, (u64, u64)>);

impl Skipped {
    fn add(&mut self, what: String, line: u64) {
        let e = self.0.entry(what).or_insert((0, line));
        e.0 += 1;
    }
}

/// Whether the file's first line ends in CRLF (a log exported on Windows). The csv reader
/// stops a record at the `\r` and counts the `\n` with the next one, so it places every
/// record on the line before its own.
fn ends_in_crlf(path: &Path) -> bool {
    use std::io::BufRead;
    let mut first = Vec::new();
    std::fs::File::open(path)
        .map(std::io::BufReader::new)
        .and_then(|mut r| r.read_until(b'\n', &mut first))
        .is_ok_and(|_| first.ends_with(b"\r\n"))
}

/// Reads the log at `path`.
pub fn read(path: &Path) -> Result<Log> {
    let file = std::fs::File::open(path)
        .map_err(|e| Error::input(format!("{}: cannot read: {e}", path.display())))?;
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(file);
    let header = r
        .headers()
        .map_err(|e| Error::input(format!("{}: bad csv header: {e}", path.display())))?
        .clone();
    let (cols, mut warnings) = columns(path, &header)?;
    let crlf = ends_in_crlf(path) as u64;
    let mut st = State::default();
    let mut rec = csv::StringRecord::new();
    loop {
        match r.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(crate::output::row_error(path, e)),
        }
        let line = rec.position().map_or(0, |p| p.line() + crlf);
        st.row(path, &cols, &header, &rec, line)?;
    }
    st.finish(path, &mut warnings)?;
    let clock = st.clock();
    Ok(Log {
        banks: st.bank_names,
        rows: st.rows.into_iter().map(|(r, _)| r).collect(),
        connections: st.conn_ids.len(),
        format: st.format.unwrap_or(TimeFormat::Iso8601),
        warnings,
        reasons: cols.reason.is_some(),
        customers_told: cols.reason.is_some() || cols.on_demand.is_some(),
        clock,
    })
}

/// One record's fields, for errors that name the file, line and column.
struct Fields<'a> {
    path: &'a Path,
    header: &'a csv::StringRecord,
    rec: &'a csv::StringRecord,
    line: u64,
}

impl Fields<'_> {
    fn get(&self, i: usize) -> &str {
        self.rec.get(i).map(str::trim).unwrap_or("")
    }

    fn bad(&self, i: usize, why: String) -> Error {
        Error::input(format!(
            "{}: line {}, column {} (`{}`): {why}",
            self.path.display(),
            self.line,
            i + 1,
            self.header.get(i).unwrap_or("?")
        ))
    }

    /// An optional column's value: `default` when the column or the value is missing, an
    /// error saying it is not `what` when `parse` refuses it.
    fn optional<T>(
        &self,
        col: Option<usize>,
        default: T,
        what: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<T> {
        match col.map(|i| (i, self.get(i))) {
            None | Some((_, "")) => Ok(default),
            Some((i, s)) => parse(s).ok_or_else(|| self.bad(i, format!("`{s}` is not {what}"))),
        }
    }
}

#[derive(Default)]
struct State {
    rows: Vec<(Row, u64)>,
    bank_ids: HashMap<String, u16>,
    bank_names: Vec<String>,
    conn_ids: HashMap<String, u32>,
    format: Option<TimeFormat>,
    /// The offsets from UTC the times carry, in seconds.
    offsets: std::collections::BTreeSet<i32>,
    skipped: Skipped,
}

impl State {
    fn row(
        &mut self,
        path: &Path,
        cols: &Columns,
        header: &csv::StringRecord,
        rec: &csv::StringRecord,
        line: u64,
    ) -> Result<()> {
        let f = Fields {
            path,
            header,
            rec,
            line,
        };
        if rec.len() < header.len() {
            let what = "rows with fewer fields than the header, left out";
            self.skipped.add(what.into(), line);
            return Ok(());
        }
        let [c_conn, c_bank, c_sub, c_learn, c_out] = cols.at;
        let (submitted, offset) = self.time(&f, c_sub)?;
        let (learned, learned_offset) = self.time(&f, c_learn)?;
        let status = f.optional(cols.status, None, "an HTTP status", |s| {
            s.parse::<u16>().ok().map(Some)
        })?;
        let Some(seen) = classify(f.get(c_out), status) else {
            let what = format!(
                "rows with an unknown outcome (e.g. `{}`), left out",
                f.get(c_out)
            );
            self.skipped.add(what, line);
            return Ok(());
        };
        if learned < submitted {
            let what = "rows learned before they were submitted (clock skew), left out";
            self.skipped.add(what.into(), line);
            return Ok(());
        }
        let retry_after = f.optional(cols.retry_after, None, "a number of seconds", |s| {
            s.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .map(Some)
        })?;
        let attempt = f.optional(cols.attempt, 1, "an attempt number", |s| s.parse().ok())?;
        let on_demand = f.optional(cols.on_demand, false, "true or false", |s| match s {
            "false" | "0" | "no" => Some(false),
            "true" | "1" | "yes" => Some(true),
            _ => None,
        })?;
        let implied = [Reason::Schedule, Reason::Customer][usize::from(on_demand)];
        let reason = f.optional(
            cols.reason,
            implied,
            "a reason (schedule, customer, reconnect or link)",
            reason,
        )?;
        let bank = id(&mut self.bank_ids, &mut self.bank_names, f.get(c_bank));
        let bank =
            u16::try_from(bank).map_err(|_| f.bad(c_bank, "more than 65,535 banks".into()))?;
        let n = self.conn_ids.len() as u32;
        let conn = *self.conn_ids.entry(f.get(c_conn).to_string()).or_insert(n);
        let row = Row {
            submitted,
            learned,
            conn,
            bank,
            seen,
            retry_after,
            attempt,
            on_demand: on_demand || reason.present(),
            reason,
        };
        // The clock is the kept rows' (a row left out says nothing of it).
        self.offsets.extend([offset, learned_offset]);
        self.rows.push((row, line));
        Ok(())
    }

    /// A time in column `i` (in the format of the log's first time), and its offset from UTC
    /// in seconds.
    fn time(&mut self, f: &Fields, i: usize) -> Result<(i64, i32)> {
        let (t, format, offset) = parse_time_zoned(f.get(i)).map_err(|e| f.bad(i, e))?;
        match self.format {
            None => self.format = Some(format),
            Some(g) if g != format => {
                let why = format!(
                    "{} in a log whose first time was {}: one log uses one format",
                    format.words(),
                    g.words()
                );
                return Err(f.bad(i, why));
            }
            _ => {}
        }
        Ok((t, offset))
    }

    /// The clock the log is read on, its rows moved onto it: the one offset every time carries,
    /// else UTC.
    fn clock(&mut self) -> Clock {
        match self.offsets.iter().copied().collect::<Vec<i32>>()[..] {
            [] | [0] => Clock::Written,
            [o] => {
                let shift = o as i64 * 1_000_000;
                for (r, _) in &mut self.rows {
                    r.submitted += shift;
                    r.learned += shift;
                }
                Clock::Local(o)
            }
            ref several => Clock::Utc(several.to_vec()),
        }
    }

    /// Sorts, removes exact duplicates, and turns the counts into warnings.
    fn finish(&mut self, path: &Path, warnings: &mut Vec<Warning>) -> Result<()> {
        let unsorted = self
            .rows
            .windows(2)
            .filter(|w| w[1].0.submitted < w[0].0.submitted)
            .count();
        if unsorted > 0 {
            warnings.push(Warning {
                count: unsorted as u64,
                what: "rows earlier than the row before them (sorted by submitted_at)".into(),
                first_line: 0,
            });
        }
        let key = |r: &Row| (r.submitted, r.learned, r.conn, r.bank, r.attempt);
        self.rows
            .sort_by(|a, b| key(&a.0).cmp(&key(&b.0)).then(a.1.cmp(&b.1)));
        let before = self.rows.len();
        let mut first_dup = 0;
        self.rows.dedup_by(|b, a| {
            let same = a.0 == b.0;
            if same && first_dup == 0 {
                first_dup = b.1;
            }
            same
        });
        if self.rows.len() < before {
            self.skipped.0.insert(
                "duplicate rows (identical to another), left out".into(),
                ((before - self.rows.len()) as u64, first_dup),
            );
        }
        for (what, (count, first_line)) in std::mem::take(&mut self.skipped.0) {
            warnings.push(Warning {
                count,
                what,
                first_line,
            });
        }
        if self.rows.is_empty() {
            return Err(Error::input(format!(
                "{}: no usable rows (a header and no attempts, or every row left out)",
                path.display()
            )));
        }
        Ok(())
    }
}

fn id(ids: &mut HashMap<String, u16>, names: &mut Vec<String>, name: &str) -> usize {
    if let Some(&i) = ids.get(name) {
        return i as usize;
    }
    let i = names.len();
    names.push(name.to_string());
    ids.insert(name.to_string(), i.min(u16::MAX as usize) as u16);
    i
}

/// What an outcome (and its HTTP status, when given) says happened.
fn classify(outcome: &str, status: Option<u16>) -> Option<Seen> {
    let o = outcome.to_ascii_lowercase();
    Some(match (o.as_str(), status) {
        ("rate_limited", Some(503)) => Seen::Outage,
        ("success" | "succeeded" | "completed" | "ok", _) => Seen::Success,
        ("error" | "failed" | "server_error" | "timeout", _) => Seen::Error,
        ("rate_limited" | "throttled" | "429", _) => Seen::RateLimited,
        ("reconnect_required", _) => Seen::Reconnect,
        ("deduplicated" | "skipped", _) => Seen::NoCall,
        (_, Some(429)) => Seen::RateLimited,
        (_, Some(s)) if (500..600).contains(&s) => Seen::Error,
        _ => return None,
    })
}

/// Who asked for a call, as a client's log may name it.
fn reason(s: &str) -> Option<Reason> {
    Some(match s.to_ascii_lowercase().as_str() {
        "schedule" | "scheduled" | "background" | "batch" | "retry" => Reason::Schedule,
        "customer" | "user" | "on_demand" | "on-demand" | "manual" => Reason::Customer,
        "reconnect" | "reconsent" | "reauth" | "renewal" => Reason::Reconnect,
        "link" | "join" | "new" | "onboarding" => Reason::Link,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error names the line a row is on, whatever the line ending (a CRLF log's rows
    /// were named one line early).
    #[test]
    fn errors_name_the_rows_line_under_either_line_ending() {
        let dir = tempfile::tempdir().unwrap();
        for (name, eol) in [("lf.csv", "\n"), ("crlf.csv", "\r\n")] {
            let path = dir.path().join(name);
            let text = [
                "connection,bank,submitted_at,learned_at,outcome",
                "1,a,0,10,success",
            ]
            .into_iter()
            .chain(["2,a,5,15,success", "3,a,zz,10,success", ""])
            .collect::<Vec<_>>()
            .join(eol);
            std::fs::write(&path, text).unwrap();
            let e = read(&path).unwrap_err().to_string();
            assert!(e.contains("line 4, column 3"), "{name}: {e}");
        }
    }

    /// A log whose times all carry one offset is read on its own clock (its hours as
    /// written); one whose times carry several, in UTC; one without, as written.
    #[test]
    fn the_clock_is_the_logs_own_offset() {
        let dir = tempfile::tempdir().unwrap();
        let read_times = |times: [&str; 2]| {
            let path = dir.path().join("log.csv");
            let rows = times.map(|t| format!("1,a,2026-03-01T{t},2026-03-01T{t},success"));
            let text = format!(
                "connection,bank,submitted_at,learned_at,outcome\n{}\n",
                rows.join("\n")
            );
            std::fs::write(&path, text).unwrap();
            let log = read(&path).unwrap();
            let hour = |r: &Row| r.submitted.rem_euclid(86_400_000_000) / 3_600_000_000;
            (log.clock, log.rows.iter().map(hour).collect::<Vec<_>>())
        };
        let (clock, hours) = read_times(["07:00:00+10:00", "23:30:00+10:00"]);
        assert_eq!((clock.clone(), hours), (Clock::Local(36_000), vec![7, 23]));
        assert!(clock.describe().unwrap().contains("UTC+10:00"));
        let (clock, hours) = read_times(["07:00:00+10:00", "23:30:00+11:00"]);
        assert_eq!(
            (clock, hours),
            (Clock::Utc(vec![36_000, 39_600]), vec![21, 12])
        );
        let (clock, hours) = read_times(["07:00:00Z", "23:30:00"]);
        assert_eq!((clock.clone(), hours), (Clock::Written, vec![7, 23]));
        assert_eq!(clock.describe(), None);
        assert_eq!(offset(-19_800), "-05:30");
    }

    #[test]
    fn outcomes_fall_back_on_the_status() {
        assert_eq!(classify("SUCCESS", None), Some(Seen::Success));
        assert_eq!(classify("weird", Some(429)), Some(Seen::RateLimited));
        assert_eq!(classify("weird", Some(502)), Some(Seen::Error));
        assert_eq!(classify("weird", Some(200)), None);
        assert_eq!(classify("rate_limited", Some(503)), Some(Seen::Outage));
        assert_eq!(
            classify("reconnect_required", Some(403)),
            Some(Seen::Reconnect)
        );
    }
}
