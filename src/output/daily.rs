//! `daily.csv`: one row per day (24 h from the window's start) × bank, then `all`.

use super::{fixed, fixed_opt, Record};
use crate::metrics::RunResult;
use serde::{Deserialize, Serialize};

/// The file's name in a results directory.
pub const FILE: &str = "daily.csv";

/// One day of one bank, or of `all`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DailyRow {
    pub day: usize,
    pub bank: String,
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
    /// Due connections covered that day (refreshed on it, or within a period of days), over
    /// the due ones.
    #[serde(serialize_with = "fixed::<6, _>")]
    pub coverage: f64,
    /// Customers who reconnected that day after their consent expired.
    pub reconnected: u64,
    /// Connections linked that day (`population.join_share`).
    pub joined: u64,
    /// Of `rate_limited`, the calls a closed maintenance window refused (HTTP 503).
    pub outage_rejected: u64,
    /// Of `coverage`, the part the background's own successes gave (customers' refreshes
    /// apart); empty past 254 days of window.
    #[serde(serialize_with = "fixed_opt::<6, _>")]
    pub background_coverage: Option<f64>,
    /// The API calls made at the bank (admissions times its `calls_per_refresh`), and of
    /// them the customers', as in `summary.csv`.
    pub bank_calls: u64,
    pub customer_bank_calls: u64,
    /// Data age over the day's connection-time, as `summary.csv`'s `staleness_*` over the
    /// measured window: median and 95th percentile in hours (`inf` among connections never
    /// refreshed, at the horizon a lower bound), and the share 24 h old or older. Every day's,
    /// the warm-up's too; empty in files written before they were added.
    #[serde(default, serialize_with = "fixed_opt::<4, _>")]
    pub staleness_p50_hours: Option<f64>,
    #[serde(default, serialize_with = "fixed_opt::<4, _>")]
    pub staleness_p95_hours: Option<f64>,
    #[serde(default, serialize_with = "fixed_opt::<6, _>")]
    pub stale_24h_share: Option<f64>,
    /// Of the day's connection-time, the share with no data yet (counted in the 24 h or
    /// older): a run's first pass, before the client has come round to every connection.
    #[serde(default, serialize_with = "fixed_opt::<6, _>")]
    pub never_share: Option<f64>,
    /// The day's connection-time (hours: connections with a valid consent times the hours
    /// they held it that day): the weight that pools days' shares into a stretch's.
    #[serde(default, serialize_with = "fixed::<1, _>")]
    pub connection_hours: f64,
    /// Connections, not connection-time: the distinct connections whose data was 24 h (48 h)
    /// old or older for an hour or more of the day while their consent held, or that had
    /// none for as long since they linked or the window opened; each a customer's data,
    /// whether or not they opened the app. At 48 h a daily client missed a whole day's
    /// refresh.
    #[serde(default)]
    pub stale_24h_connections: u64,
    #[serde(default)]
    pub stale_48h_connections: u64,
    /// The share of app opens that day finding data 24 h old or older, or no data yet,
    /// each hour weighed by the app-open profile, as `summary.csv`'s
    /// `stale_24h_at_open_share` over the measured days; empty on a day not measured.
    #[serde(default, serialize_with = "fixed_opt::<6, _>")]
    pub stale_24h_at_open_share: Option<f64>,
    /// The same for data `window.fresh_within` old or older (`summary.csv`'s
    /// `fresh_within_hours`), or none, as its `not_fresh_at_open_share` over the measured
    /// days: what a client refreshing more often than daily gave the customers who looked
    /// that day. The day-old share where `fresh_within` is a day.
    #[serde(default, serialize_with = "fixed_opt::<6, _>")]
    pub not_fresh_at_open_share: Option<f64>,
    /// With a period shorter than a day, the coverage of each of the day's periods: the due
    /// connections' first successes in the client's periods that start this day, over those
    /// due (`period_due`), as `summary.csv`'s `period_coverage` over the measured days alone
    /// (each measured day's weighed by its `period_due`); empty for a day or longer, or a day
    /// no period of which ends within the window. A 6-hour client's outage day reads 100 %
    /// `coverage` (one success a day) and its lost periods here.
    #[serde(default, serialize_with = "fixed_opt::<6, _>")]
    pub period_coverage: Option<f64>,
    /// The connection-periods due that day: its due connections times the client's periods
    /// starting that day and ending within the window, less those before a connection linked
    /// or reconnected (0 for a period of a day or longer).
    #[serde(default)]
    pub period_due: u64,
}

impl Record for DailyRow {
    const HEADER: &'static [&'static str] = &[
        "day",
        "bank",
        "measured",
        "attempts",
        "successes",
        "rate_limited",
        "errors",
        "reconnect_required",
        "deduplicated",
        "api_calls",
        "users",
        "due",
        "coverage",
        "reconnected",
        "joined",
        "outage_rejected",
        "background_coverage",
        "bank_calls",
        "customer_bank_calls",
        "staleness_p50_hours",
        "staleness_p95_hours",
        "stale_24h_share",
        "never_share",
        "connection_hours",
        "stale_24h_connections",
        "stale_48h_connections",
        "stale_24h_at_open_share",
        "not_fresh_at_open_share",
        "period_coverage",
        "period_due",
    ];
    /// From `stale_24h_at_open_share` on, each added with an empty default: a results
    /// directory an earlier version wrote still reads (`report` refused one without the last
    /// three). Not the columns before them, whose counts would read as false zeros.
    const ADDED: usize = 4;
}

impl DailyRow {
    /// The rows of a run, day by day: its banks in order, then `all`.
    pub fn of_run(r: &RunResult) -> Vec<DailyRow> {
        let d = &r.daily;
        let measured: Vec<usize> = d.measured(r.window_start + r.warmup);
        let mut rows = Vec::new();
        for day in 0..d.len_days() {
            let banks = (0..d.banks).map(|b| {
                let age = r.daily_age.day(day, Some(b));
                (
                    r.bank_names[b].as_str(),
                    d.days[day * d.banks + b],
                    age,
                    Some(b),
                )
            });
            let all = ("all", d.total(day), r.daily_age.day(day, None), None);
            for (bank, t, age, b) in banks.chain([all]) {
                let measured = measured.contains(&day);
                let opens = (r.at_open.day_shares(day, b)).filter(|_| measured);
                rows.push(DailyRow {
                    day,
                    bank: bank.to_string(),
                    measured,
                    attempts: t.attempts,
                    successes: t.successes,
                    rate_limited: t.rate_limited,
                    errors: t.errors,
                    reconnect_required: t.reconnect_required,
                    deduplicated: t.deduplicated,
                    api_calls: t.api_calls,
                    users: t.users,
                    due: t.eligible,
                    coverage: share(t.covered, t.eligible),
                    background_coverage: d
                        .tracks_background()
                        .then(|| share(t.background_covered, t.eligible)),
                    reconnected: t.reconnected,
                    joined: t.joined,
                    outage_rejected: t.outage_rejected,
                    bank_calls: t.bank_calls,
                    customer_bank_calls: t.customer_bank_calls,
                    staleness_p50_hours: age.p50_hours,
                    staleness_p95_hours: age.p95_hours,
                    stale_24h_share: age.stale_24h_share,
                    never_share: age.never_share,
                    connection_hours: age.connection_hours,
                    stale_24h_connections: age.stale_24h_connections,
                    stale_48h_connections: age.stale_48h_connections,
                    stale_24h_at_open_share: opens.map(|s| s.stale_24h),
                    not_fresh_at_open_share: opens.map(|s| s.not_fresh),
                    period_coverage: (r.short_period.is_some() && t.period_due > 0)
                        .then(|| share(t.period_covered, t.period_due)),
                    period_due: t.period_due,
                });
            }
        }
        rows
    }
}

/// `part / of`, 0 when nothing is due.
fn share(part: u64, of: u64) -> f64 {
    if of == 0 {
        0.0
    } else {
        part as f64 / of as f64
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn header_is_the_fields_and_rows_round_trip() {
        super::super::testing::round_trips(super::DailyRow {
            day: 3,
            bank: "all".into(),
            measured: true,
            coverage: 0.25,
            ..Default::default()
        });
    }

    /// A file from before the added columns, or before the last three, reads: their values
    /// empty (or 0); one cut further is refused, naming the first column it lacks (its
    /// connection counts would otherwise read as zeros).
    #[test]
    fn a_file_without_the_added_columns_reads() {
        use super::super::{read, to_csv, Record};
        use super::DailyRow;
        let row = DailyRow {
            day: 1,
            bank: "a".into(),
            coverage: 0.5,
            ..Default::default()
        };
        let text = String::from_utf8(to_csv(std::slice::from_ref(&row)).unwrap()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("daily.csv");
        let cut = |k: usize| -> String {
            (text.lines())
                .map(|l| {
                    let f: Vec<&str> = l.split(',').collect();
                    f[..f.len() - k].join(",") + "\n"
                })
                .collect()
        };
        for k in [3, DailyRow::ADDED] {
            std::fs::write(&path, cut(k)).unwrap();
            assert_eq!(read::<DailyRow>(&path).unwrap(), vec![row.clone()], "{k}");
        }
        std::fs::write(&path, cut(DailyRow::ADDED + 1)).unwrap();
        let e = read::<DailyRow>(&path).unwrap_err().to_string();
        assert!(e.contains("`stale_48h_connections`"), "{e}");
    }
}
