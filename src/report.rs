//! Turning results into files and text: CSV, Markdown and the terminal summary.
//!
//! This is the only module that writes files, and every file is written atomically: the
//! bytes go to a temporary file beside the target, which is then renamed over it, so a
//! reader (or an interrupted run) never sees half a file. Numbers are formatted with fixed
//! precision so that equal results give equal bytes.

pub mod charts;
mod document;
mod figures;
mod findings;
pub mod inputs;
pub mod markdown;
mod phrases;

use crate::error::{Error, Result};
use crate::metrics::{RunResult, Summary};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically (a `tempfile` temporary file in the same directory,
/// synced, then renamed over `path`), creating the directory if needed. On an error the
/// temporary file is removed (dropping it does) and the message names `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("{}: cannot create directory: {e}", dir.display())))?;
    // Hidden and named after the target (`.summary.csv.XXXXXX.tmp`), should a kill leave one.
    let prefix = format!(
        ".{}.",
        path.file_name().unwrap_or_default().to_string_lossy()
    );
    let write = || -> std::io::Result<()> {
        let mut b = tempfile::Builder::new();
        b.prefix(&prefix).suffix(".tmp");
        // The permissions `File::create` gives (0o666 less the umask), not tempfile's 0o600.
        #[cfg(unix)]
        b.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let mut f = b.tempfile_in(dir)?;
        f.write_all(bytes)?;
        f.as_file().sync_all()?;
        f.persist(path)?;
        Ok(())
    };
    write().map_err(|e| Error::io(format!("{}: cannot write: {e}", path.display())))
}

/// Serializes rows to CSV bytes (header from the row type's field names).
pub fn csv_bytes<T: Serialize>(rows: &[T]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r).map_err(|e| Error::io(format!("csv: {e}")))?;
    }
    w.into_inner().map_err(|e| Error::io(format!("csv: {e}")))
}

/// Fixed-precision rendering for CSV floats (stable bytes, no exponent).
fn fixed(x: f64, decimals: usize) -> String {
    format!("{x:.decimals$}")
}

/// One row of `summary.csv`.
#[derive(Debug, Serialize)]
pub struct SummaryRow {
    pub scenario: String,
    pub strategy: String,
    pub concurrency: String,
    pub bank: String,
    pub seed: u64,
    pub connections: u64,
    pub attempts: u64,
    pub retries: u64,
    pub successes: u64,
    pub late_successes: u64,
    pub rate_limited: u64,
    pub errors: u64,
    pub reconnect_required: u64,
    pub deduplicated: u64,
    pub failure_rate: String,
    pub coverage: String,
    pub refreshes_per_hour: String,
    pub users_per_day: String,
    pub peak_in_flight: u64,
    pub mean_in_flight: String,
    pub api_calls: u64,
    pub events: u64,
    pub eligible: u64,
    pub covered: u64,
    pub refreshed: u64,
    pub peak_outstanding: u64,
    /// Share of all connections with at least one successful refresh (retries included).
    pub final_success_share: String,
    pub admitted: u64,
    pub staleness_p50_hours: String,
    pub staleness_p95_hours: String,
    pub window_hours: String,
    pub staleness_p99_hours: String,
    pub stale_24h_share: String,
    pub stale_48h_share: String,
    pub attempts_per_success: String,
    pub api_calls_per_success: String,
    /// Connection-days refreshed over the measured days (users per day × days).
    pub users: u64,
    pub measured_days: String,
}

impl SummaryRow {
    fn new(r: &RunResult, bank: &str, s: &Summary) -> Self {
        let t = &s.tally;
        SummaryRow {
            scenario: r.scenario.clone(),
            strategy: r.strategy.to_string(),
            concurrency: r.concurrency.map(|c| c.to_string()).unwrap_or_default(),
            bank: bank.to_string(),
            seed: r.seed,
            connections: t.connections,
            attempts: t.attempts,
            retries: t.retries,
            successes: t.successes,
            late_successes: t.late_successes,
            rate_limited: t.rate_limited,
            errors: t.errors,
            reconnect_required: t.reconnect_required,
            deduplicated: t.deduplicated,
            failure_rate: fixed(s.failure_rate, 6),
            coverage: fixed(s.coverage, 6),
            refreshes_per_hour: fixed(s.refreshes_per_hour, 3),
            users_per_day: fixed(s.users_per_day, 1),
            peak_in_flight: t.peak_in_flight,
            mean_in_flight: fixed(s.mean_in_flight, 4),
            api_calls: t.api_calls,
            events: t.events,
            eligible: t.eligible,
            covered: t.covered,
            refreshed: t.refreshed,
            peak_outstanding: t.peak_outstanding,
            final_success_share: fixed(s.final_success_share, 6),
            admitted: t.admitted,
            staleness_p50_hours: hours(s.staleness_p50_hours),
            staleness_p95_hours: hours(s.staleness_p95_hours),
            window_hours: fixed(r.window.as_hours_f64(), 4),
            staleness_p99_hours: hours(s.staleness_p99_hours),
            stale_24h_share: s.stale_24h_share.map(|x| fixed(x, 6)).unwrap_or_default(),
            stale_48h_share: s.stale_48h_share.map(|x| fixed(x, 6)).unwrap_or_default(),
            attempts_per_success: fixed(s.attempts_per_success, 4),
            api_calls_per_success: fixed(s.api_calls_per_success, 4),
            users: t.users,
            measured_days: fixed(r.measured_days, 4),
        }
    }
}

/// A staleness percentile in hours: `inf` when it falls among connections never refreshed,
/// empty when nothing was measured.
fn hours(h: Option<f64>) -> String {
    match h {
        Some(h) if h.is_infinite() => "inf".into(),
        Some(h) => fixed(h, 4),
        None => String::new(),
    }
}

/// The rows of `summary.csv`: one per bank, then `bank = all`.
pub fn summary_rows(r: &RunResult) -> Vec<SummaryRow> {
    let mut rows: Vec<SummaryRow> = r
        .bank_names
        .iter()
        .enumerate()
        .map(|(i, name)| SummaryRow::new(r, name, &r.summary(Some(i))))
        .collect();
    rows.push(SummaryRow::new(r, "all", &r.summary(None)));
    rows
}

/// One row of `timeseries.csv`.
#[derive(Debug, Serialize)]
pub struct SeriesRow<'a> {
    pub minute: usize,
    pub time: String,
    pub bank: &'a str,
    pub in_flight: String,
    pub submitted: u32,
    pub admitted: u32,
    pub successes: u32,
    pub rate_limited: u32,
    pub errors: u32,
}

/// The rows of `timeseries.csv`: every minute from the window start to the last event, for
/// every bank. `in_flight` is the minute's time-average of calls being served.
pub fn series_rows(r: &RunResult) -> Vec<SeriesRow<'_>> {
    let s = &r.series;
    let mut rows = Vec::with_capacity(s.minutes.len());
    for m in 0..s.len_minutes() {
        let time = (r.window_start + crate::time::SimDuration::from_mins(m as u64))
            .clock()
            .to_string();
        for (b, name) in r.bank_names.iter().enumerate() {
            let x = s.minutes[m * s.banks + b];
            rows.push(SeriesRow {
                minute: m,
                time: time.clone(),
                bank: name,
                in_flight: fixed(x.in_flight_area as f64 / 60e6, 3),
                submitted: x.submitted,
                admitted: x.admitted,
                successes: x.successes,
                rate_limited: x.rate_limited,
                errors: x.errors,
            });
        }
    }
    rows
}

/// One row of `staleness.csv`: how much connection-time a bank's connections spent with data
/// `age_minutes` old (whole minutes), over the measured part of the window while consent was
/// valid, as a share of that bank's connection-time (`all`: over every bank). Time with no
/// data yet (never refreshed) is the row with an empty `age_minutes`. Only non-empty buckets
/// are written.
#[derive(Debug, Serialize)]
pub struct StalenessRow<'a> {
    pub bank: &'a str,
    pub age_minutes: String,
    pub connection_hours: String,
    pub share: String,
}

pub fn staleness_rows(r: &RunResult) -> Vec<StalenessRow<'_>> {
    let mut rows = Vec::new();
    let banks = (0..r.bank_names.len()).map(Some).chain([None]);
    for b in banks {
        let name = b.map_or("all", |b| r.bank_names[b].as_str());
        let h = r.staleness.histogram(b);
        let never = r.staleness.never_us(b);
        let total = (h.iter().map(|&x| x as u128).sum::<u128>() + never).max(1) as f64;
        let cells = h
            .iter()
            .enumerate()
            .map(|(m, &us)| (m.to_string(), us as f64))
            .chain([(String::new(), never as f64)]);
        for (age, us) in cells {
            if us > 0.0 {
                rows.push(StalenessRow {
                    bank: name,
                    age_minutes: age,
                    connection_hours: fixed(us / 3.6e9, 4),
                    share: fixed(us / total, 8),
                });
            }
        }
    }
    rows
}

/// One row of `daily.csv`: one day (24 h from the window's start) of one bank, or of `all`.
#[derive(Debug, Serialize)]
pub struct DailyRow<'a> {
    pub day: usize,
    pub bank: &'a str,
    /// Whether the day counts in the run's per-day figures (after the warm-up).
    pub measured: bool,
    pub attempts: u64,
    pub successes: u64,
    pub rate_limited: u64,
    pub errors: u64,
    pub reconnect_required: u64,
    pub deduplicated: u64,
    pub api_calls: u64,
    /// Distinct connections refreshed successfully that day.
    pub users: u64,
    /// Connections due that day (consent valid through the day's end).
    pub due: u64,
    /// Due connections refreshed that day, over the due ones.
    pub coverage: String,
}

pub fn daily_rows(r: &RunResult) -> Vec<DailyRow<'_>> {
    let d = &r.daily;
    let measured: Vec<usize> = d.measured(r.window_start + r.warmup);
    let mut rows = Vec::new();
    for day in 0..d.len_days() {
        let banks = (0..d.banks).map(|b| (r.bank_names[b].as_str(), d.days[day * d.banks + b]));
        for (bank, t) in banks.chain([("all", d.total(day))]) {
            rows.push(DailyRow {
                day,
                bank,
                measured: measured.contains(&day),
                attempts: t.attempts,
                successes: t.successes,
                rate_limited: t.rate_limited,
                errors: t.errors,
                reconnect_required: t.reconnect_required,
                deduplicated: t.deduplicated,
                api_calls: t.api_calls,
                users: t.users,
                due: t.eligible,
                coverage: fixed(
                    if t.eligible == 0 {
                        0.0
                    } else {
                        t.covered as f64 / t.eligible as f64
                    },
                    6,
                ),
            });
        }
    }
    rows
}

/// Writes `summary.csv`, `daily.csv`, `timeseries.csv` and `staleness.csv` into `dir`;
/// returns the paths.
pub fn write_run(dir: &Path, r: &RunResult) -> Result<Vec<PathBuf>> {
    let summary = dir.join("summary.csv");
    let daily = dir.join("daily.csv");
    let series = dir.join("timeseries.csv");
    let staleness = dir.join("staleness.csv");
    write_atomic(&summary, &csv_bytes(&summary_rows(r))?)?;
    write_atomic(&daily, &csv_bytes(&daily_rows(r))?)?;
    write_atomic(&series, &csv_bytes(&series_rows(r))?)?;
    write_atomic(&staleness, &csv_bytes(&staleness_rows(r))?)?;
    Ok(vec![summary, daily, series, staleness])
}

/// The width of each column of a plain-text table: its widest cell, header included, in
/// characters.
pub fn column_widths<H: AsRef<str>, R: AsRef<[String]>>(header: &[H], rows: &[R]) -> Vec<usize> {
    (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r.as_ref()[i].chars().count())
                .chain([header[i].as_ref().chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// `1234567.8` → `1,234,568`.
pub fn thousands(x: f64) -> String {
    let n = x.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A share as a percentage with two decimals: `0.1234` → `12.34 %`.
pub fn pct(x: f64) -> String {
    format!("{:.2} %", 100.0 * x)
}

/// A short human summary of a run, one line per bank and one for all.
pub fn human_summary(r: &RunResult) -> String {
    let mut out = String::new();
    let strategy = match r.concurrency {
        Some(c) => format!("{} (concurrency {c})", r.strategy),
        None => r.strategy.to_string(),
    };
    let total = r.summary(None);
    let _ = writeln!(
        out,
        "{} · {} · seed {} · {} connections · {} window from {}",
        r.scenario,
        strategy,
        r.seed,
        thousands(total.tally.connections as f64),
        r.window,
        r.window_start.clock()
    );
    let _ = writeln!(
        out,
        "{:<18} {:>10} {:>10} {:>9} {:>7} {:>9} {:>9} {:>11} {:>8} {:>9} {:>9}",
        "bank",
        "attempts",
        "successes",
        "429s",
        "errors",
        "failure",
        "coverage",
        "users/day",
        "age p50",
        "age ≥24h",
        "peak in-flight"
    );
    let mut line = |name: &str, s: &Summary| {
        let t = &s.tally;
        let age = match s.staleness_p50_hours {
            Some(h) if h.is_infinite() => "never".to_string(),
            Some(h) => format!("{h:.1} h"),
            None => "-".to_string(),
        };
        let _ = writeln!(
            out,
            "{:<18} {:>10} {:>10} {:>9} {:>7} {:>9} {:>9} {:>11} {:>8} {:>9} {:>9}",
            name,
            thousands(t.attempts as f64),
            thousands(t.successes as f64),
            thousands(t.rate_limited as f64),
            thousands(t.errors as f64),
            pct(s.failure_rate),
            pct(s.coverage),
            thousands(s.users_per_day),
            age,
            s.stale_24h_share.map_or("-".to_string(), pct),
            t.peak_in_flight
        );
    };
    for (i, name) in r.bank_names.iter().enumerate() {
        line(name, &r.summary(Some(i)));
    }
    line("all", &total);
    out
}
