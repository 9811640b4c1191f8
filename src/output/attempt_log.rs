//! `--attempt-log FILE.csv`: one row per attempt, in the shape of a client's own refresh log
//! (what `refresh-sim fit` reads back).
//!
//! Times are ISO 8601 in UTC with microseconds, on the run's nominal calendar: the simulated
//! clock's zero is midnight of [`NOMINAL_DATE`], so a window starting at 02:00 starts at
//! `2026-01-01T02:00:00.000000Z`. `fit` also accepts plain seconds (see [`parse_time`]).

use super::Record;
use crate::error::Result;
use crate::sim::{Attempt, AttemptLog, Outcome};
use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The nominal date of the simulated clock's day 0 (year, month, day).
pub const NOMINAL_DATE: (i64, u32, u32) = (2026, 1, 1);

/// One attempt: the file's columns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttemptRow {
    pub connection: u32,
    pub bank: String,
    pub submitted_at: String,
    /// The poll or callback that revealed the outcome.
    pub learned_at: String,
    /// `success`, `rate_limited`, `error`, `reconnect_required` or `deduplicated`.
    pub outcome: String,
    /// 200, 429 (503 when a maintenance window closed the bank), 500 for a 5xx, 403 for a
    /// reconnect; a duplicate answered from an earlier task is 200.
    pub http_status: u16,
    /// Retry-After in seconds (to the millisecond); empty if the 429 had none.
    #[serde(serialize_with = "super::fixed_opt::<3, _>")]
    pub retry_after: Option<f64>,
    /// 1 for a refresh's first attempt, 2 for its first retry, …
    pub attempt: u32,
    /// A customer-present call (a customer's request, or the link or reconnect flow's
    /// fetch): a PSD2 quota does not count it.
    pub on_demand: bool,
    /// Who asked for the call: `schedule` (the client's refresh or its retry), `customer`,
    /// `reconnect` or `link` ([`Reason`]).
    pub reason: String,
}

impl Record for AttemptRow {
    const HEADER: &'static [&'static str] = &[
        "connection",
        "bank",
        "submitted_at",
        "learned_at",
        "outcome",
        "http_status",
        "retry_after",
        "attempt",
        "on_demand",
        "reason",
    ];
}

/// The outcome's name in the log.
pub fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Success => "success",
        Outcome::RateLimited => "rate_limited",
        Outcome::Error => "error",
        Outcome::ReconnectRequired => "reconnect_required",
        Outcome::Deduplicated => "deduplicated",
    }
}

/// The HTTP status the log gives an attempt.
fn http_status(a: &Attempt) -> u16 {
    match a.outcome {
        Outcome::Success | Outcome::Deduplicated => 200,
        Outcome::RateLimited if a.outage => 503,
        Outcome::RateLimited => 429,
        Outcome::Error => 500,
        Outcome::ReconnectRequired => 403,
    }
}

impl AttemptRow {
    pub fn of(a: &Attempt, banks: &[String]) -> Self {
        AttemptRow {
            connection: a.conn,
            bank: banks[a.bank as usize].clone(),
            submitted_at: iso8601(a.submitted),
            learned_at: iso8601(a.learned),
            outcome: outcome_name(a.outcome).to_string(),
            http_status: http_status(a),
            retry_after: a.retry_after.map(|d| d.as_secs_f64()),
            attempt: a.attempt,
            on_demand: a.reason.present(),
            reason: a.reason.name().to_string(),
        }
    }
}

/// Writes the log to `path` atomically, row by row (never the whole file in memory).
/// The bytes are those [`AttemptRow`] serializes to (a unit test holds them equal), written
/// without a `String` per field: a log of millions of rows costs little more than its I/O.
pub fn write(path: &Path, log: &AttemptLog, banks: &[String]) -> Result<()> {
    super::write_atomic_with(path, |w| {
        let mut line = AttemptRow::HEADER.join(",").into_bytes();
        line.push(b'\n');
        w.write_all(&line)?;
        let names: Vec<Vec<u8>> = banks.iter().map(|b| csv_field(b)).collect();
        let mut date = Dates::default();
        for a in &log.rows {
            line.clear();
            row_bytes(&mut line, a, &names, &mut date);
            w.write_all(&line)?;
        }
        Ok(())
    })
}

/// A field as the csv crate writes it: quoted (quotes doubled) when it must be.
fn csv_field(s: &str) -> Vec<u8> {
    if s.contains([',', '"', '\n', '\r']) || s.is_empty() {
        format!("\"{}\"", s.replace('"', "\"\"")).into_bytes()
    } else {
        s.as_bytes().to_vec()
    }
}

/// The last day's date, formatted once.
#[derive(Default)]
struct Dates {
    day: Option<i64>,
    text: [u8; 10],
}

impl Dates {
    fn of(&mut self, day: i64) -> &[u8; 10] {
        if self.day != Some(day) {
            let (y, m, d) = NOMINAL_DATE;
            let (y, m, d) = civil_from_days(days_from_civil(y, m, d) + day);
            let t = format!("{y:04}-{m:02}-{d:02}");
            self.text.copy_from_slice(&t.as_bytes()[..10]);
            self.day = Some(day);
        }
        &self.text
    }
}

/// Appends `n` as `width` zero-padded digits.
fn digits(out: &mut Vec<u8>, n: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut n = n;
    for i in (0..width).rev() {
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out.extend_from_slice(&buf[..width]);
}

fn iso_bytes(out: &mut Vec<u8>, t: SimTime, dates: &mut Dates) {
    let us = t.as_micros();
    let day = us / DAY_US as u64;
    let r = us % DAY_US as u64;
    out.extend_from_slice(dates.of(day as i64));
    out.push(b'T');
    let s = r / 1_000_000;
    digits(out, s / 3600, 2);
    out.push(b':');
    digits(out, s / 60 % 60, 2);
    out.push(b':');
    digits(out, s % 60, 2);
    out.push(b'.');
    digits(out, r % 1_000_000, 6);
    out.push(b'Z');
}

/// Appends `n` in decimal.
fn uint(out: &mut Vec<u8>, n: u64) {
    let width = n.checked_ilog10().map_or(1, |l| l as usize + 1);
    digits(out, n, width);
}

fn row_bytes(out: &mut Vec<u8>, a: &Attempt, names: &[Vec<u8>], dates: &mut Dates) {
    uint(out, a.conn as u64);
    out.push(b',');
    out.extend_from_slice(&names[a.bank as usize]);
    out.push(b',');
    iso_bytes(out, a.submitted, dates);
    out.push(b',');
    iso_bytes(out, a.learned, dates);
    out.push(b',');
    out.extend_from_slice(outcome_name(a.outcome).as_bytes());
    out.push(b',');
    uint(out, http_status(a) as u64);
    out.push(b',');
    if let Some(d) = a.retry_after {
        use std::io::Write as _;
        let _ = write!(out, "{:.3}", d.as_secs_f64());
    }
    out.push(b',');
    uint(out, a.attempt as u64);
    out.extend_from_slice(if a.reason.present() {
        b",true,"
    } else {
        b",false,"
    });
    out.extend_from_slice(a.reason.name().as_bytes());
    out.push(b'\n');
}

const DAY_US: i64 = 86_400_000_000;

/// Days from 1970-01-01 to the civil date `(y, m, d)` (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of `days` after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + (m <= 2) as i64, m, d)
}

/// The simulated instant `t` as ISO 8601 UTC on the nominal calendar, to the microsecond.
pub fn iso8601(t: SimTime) -> String {
    let (y, m, d) = NOMINAL_DATE;
    let us = t.as_micros() as i64;
    let days = days_from_civil(y, m, d) + us.div_euclid(DAY_US);
    let (y, m, d) = civil_from_days(days);
    let r = us.rem_euclid(DAY_US);
    let (s, frac) = (r / 1_000_000, r % 1_000_000);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:06}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// How a log writes its times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeFormat {
    /// ISO 8601 (`2026-01-01T02:00:00.5Z`, a `T` or a space, an optional fraction, `Z` or an
    /// offset such as `+01:00`; no zone means UTC): microseconds since 1970-01-01 UTC.
    Iso8601,
    /// Seconds (a decimal number) from the log's own origin, taken to be a midnight (which
    /// matters only for calendar-day quotas and window boundaries).
    Seconds,
}

impl TimeFormat {
    /// How an error names a time of the format: `an ISO 8601 date-time`.
    pub fn words(self) -> &'static str {
        match self {
            TimeFormat::Iso8601 => "an ISO 8601 date-time",
            TimeFormat::Seconds => "a time in seconds",
        }
    }
}

/// Parses a log time into microseconds (since 1970 UTC for ISO 8601, since the log's origin
/// for seconds) and says which format it was; the error says what is wrong.
pub fn parse_time(s: &str) -> std::result::Result<(i64, TimeFormat), String> {
    parse_time_zoned(s).map(|(t, f, _)| (t, f))
}

/// [`parse_time`], with the time's offset from UTC in seconds (`+10:00` is 36,000; 0 for
/// `Z`, no zone, or seconds).
pub fn parse_time_zoned(s: &str) -> std::result::Result<(i64, TimeFormat, i32), String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty time".into());
    }
    if s.len() >= 10 && s.as_bytes()[4] == b'-' {
        return parse_iso(s).map(|(t, offset)| (t, TimeFormat::Iso8601, offset));
    }
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x.abs() < 1e12 => {
            Ok(((x * 1e6).round() as i64, TimeFormat::Seconds, 0))
        }
        _ => Err(format!(
            "`{s}` is neither ISO 8601 (2026-01-01T02:00:00Z) nor seconds (7200.5)"
        )),
    }
}

fn parse_iso(s: &str) -> std::result::Result<(i64, i32), String> {
    let bad = || format!("`{s}` is not an ISO 8601 date-time (2026-01-01T02:00:00.5Z)");
    let num = |a: usize, b: usize| -> std::result::Result<i64, String> {
        let part = s.get(a..b).ok_or_else(bad)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse::<i64>().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    let b = s.as_bytes();
    if b.len() < 19 || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return Err(bad());
    }
    if b[13] != b':' || b[16] != b':' {
        return Err(bad());
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (h, mi, sec) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return Err(bad());
    }
    let mut i = 19;
    let mut micros = 0i64;
    if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 6 {
                micros = micros * 10 + (b[i] - b'0') as i64;
            }
            i += 1;
        }
        if i == start {
            return Err(bad());
        }
        for _ in (i - start)..6 {
            micros *= 10;
        }
    }
    let offset_s = match &s[i..] {
        "" | "Z" | "z" => 0,
        z if z.len() == 6 && (z.starts_with('+') || z.starts_with('-')) => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            sign * (num(i + 1, i + 3)? * 3600 + num(i + 4, i + 6)? * 60)
        }
        _ => return Err(bad()),
    };
    let days = days_from_civil(y, mo as u32, d as u32);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_s;
    Ok((secs * 1_000_000 + micros, offset_s as i32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Reason;

    #[test]
    fn header_is_the_fields() {
        crate::output::testing::round_trips(AttemptRow {
            connection: 7,
            bank: "b".into(),
            submitted_at: iso8601(SimTime(7_200_000_000)),
            learned_at: iso8601(SimTime(7_210_000_000)),
            outcome: "rate_limited".into(),
            http_status: 429,
            retry_after: Some(3.0),
            attempt: 2,
            on_demand: false,
            reason: "schedule".into(),
        });
    }

    /// The fast writer's bytes are exactly those of the serialized record.
    #[test]
    fn the_writer_writes_what_the_record_serializes_to() {
        use crate::sim::Outcome::*;
        use crate::time::SimDuration;
        let banks = vec!["plain".to_string(), "with, comma \"q\"".to_string()];
        let rows: Vec<Attempt> = [Success, RateLimited, Error, ReconnectRequired, Deduplicated]
            .into_iter()
            .enumerate()
            .map(|(i, outcome)| Attempt {
                submitted: SimTime(86_400_000_000 * i as u64 * 40 + 7_200_123_456),
                learned: SimTime(86_400_000_000 * i as u64 * 40 + 7_210_123_456),
                retry_after: (i == 1).then_some(SimDuration(1_500_000)),
                conn: 3 + i as u32,
                attempt: 1 + i as u32,
                bank: (i % 2) as u16,
                outcome,
                reason: [
                    Reason::Schedule,
                    Reason::Customer,
                    Reason::Reconnect,
                    Reason::Link,
                ][i % 4],
                outage: false,
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.csv");
        let log = AttemptLog::of_rows(rows.clone());
        write(&path, &log, &banks).unwrap();
        let records: Vec<AttemptRow> = rows.iter().map(|a| AttemptRow::of(a, &banks)).collect();
        let expected = crate::output::to_csv(&records).unwrap();
        assert_eq!(
            String::from_utf8(std::fs::read(&path).unwrap()).unwrap(),
            String::from_utf8(expected).unwrap()
        );
        assert_eq!(crate::output::read::<AttemptRow>(&path).unwrap(), records);
    }

    #[test]
    fn iso_times_round_trip_on_the_nominal_calendar() {
        assert_eq!(iso8601(SimTime(0)), "2026-01-01T00:00:00.000000Z");
        assert_eq!(
            iso8601(SimTime(86_400_000_000 * 31 + 3_723_000_001)),
            "2026-02-01T01:02:03.000001Z"
        );
        let origin = days_from_civil(2026, 1, 1) * DAY_US;
        for t in [0u64, 1, 999_999, 7_200_123_456, 86_400_000_000 * 400 + 5] {
            let (us, f) = parse_time(&iso8601(SimTime(t))).unwrap();
            assert_eq!((us - origin, f), (t as i64, TimeFormat::Iso8601));
        }
    }

    #[test]
    fn other_spellings_parse_and_bad_ones_say_why() {
        let z = parse_time("2026-01-01T01:00:00Z").unwrap().0;
        assert_eq!(parse_time("2026-01-01 02:00:00+01:00").unwrap().0, z);
        assert_eq!(parse_time("2026-01-01T01:00:00.5").unwrap().0, z + 500_000);
        assert_eq!(
            parse_time("12.5").unwrap(),
            (12_500_000, TimeFormat::Seconds)
        );
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-01-01T00:00",
            "1e300",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }
}
