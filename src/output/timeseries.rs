//! `timeseries.csv`: every minute from the window's start to the last event, for every
//! bank.

use super::{fixed, Record};
use crate::metrics::RunResult;
use crate::time::SimDuration;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// The file's name in a results directory.
pub const FILE: &str = "timeseries.csv";

/// One minute of one bank.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MinuteRow {
    /// Minutes since the window opened.
    pub minute: usize,
    /// Time of day (`07:30`), with the day after the first (`07:30+1d`).
    pub time: String,
    pub bank: String,
    /// The minute's time-average of calls being served (a per-minute mean, not a peak).
    #[serde(serialize_with = "fixed::<3, _>")]
    pub in_flight: f64,
    pub submitted: u32,
    pub admitted: u32,
    pub successes: u32,
    pub rate_limited: u32,
    pub errors: u32,
    /// Of `rate_limited`, the calls a closed maintenance window refused (HTTP 503).
    pub outage_rejected: u32,
    /// The API calls made at the bank in the minute: `admitted` times the bank's
    /// `calls_per_refresh` (divide by 60 for a rate a second, averaged over the minute).
    pub bank_calls: u64,
    /// Of those, the customers' (customer-present calls).
    pub customer_bank_calls: u64,
}

impl Record for MinuteRow {
    const HEADER: &'static [&'static str] = &[
        "minute",
        "time",
        "bank",
        "in_flight",
        "submitted",
        "admitted",
        "successes",
        "rate_limited",
        "errors",
        "outage_rejected",
        "bank_calls",
        "customer_bank_calls",
    ];
}

impl MinuteRow {
    /// The rows of a run (see [`MinuteRow::each_of_run`]).
    pub fn of_run(r: &RunResult) -> Vec<MinuteRow> {
        super::collect_rows(|sink| Self::each_of_run(r, sink))
    }

    /// Passes each row of a run to `f`, minute by minute, its banks in order. One row is
    /// filled in place for them all (its strings rewritten in their own buffers), so writing
    /// the file ([`super::write_each`]) allocates nothing per row.
    pub fn each_of_run<E>(
        r: &RunResult,
        mut f: impl FnMut(&MinuteRow) -> Result<(), E>,
    ) -> Result<(), E> {
        let s = &r.series;
        let mut row = MinuteRow::default();
        for m in 0..s.len_minutes() {
            row.minute = m;
            row.time.clear();
            let clock = (r.window_start + SimDuration::from_mins(m as u64)).clock();
            write!(row.time, "{clock}").expect("a String takes any text");
            for (b, name) in r.bank_names.iter().enumerate() {
                let x = s.minutes[m * s.banks + b];
                row.bank.clone_from(name);
                row.in_flight = x.in_flight_area as f64 / 60e6;
                row.submitted = x.submitted;
                row.admitted = x.admitted;
                row.successes = x.successes;
                row.rate_limited = x.rate_limited;
                row.errors = x.errors;
                row.outage_rejected = x.outage_rejected;
                let k = r.calls_per_refresh[b] as u64;
                row.bank_calls = x.admitted as u64 * k;
                row.customer_bank_calls = x.present_admitted as u64 * k;
                f(&row)?;
            }
        }
        Ok(())
    }

    /// The time of day as minutes after midnight (`07:30+1d` → 450).
    pub fn minute_of_day(&self) -> Option<u32> {
        let hm = self.time.split('+').next()?;
        let (h, m) = hm.split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.get(..2)?.parse().ok()?);
        (h <= 24 && m < 60).then_some((h * 60 + m) % 1440)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_the_fields_and_rows_round_trip() {
        super::super::testing::round_trips(MinuteRow {
            minute: 1500,
            time: "01:00+1d".into(),
            bank: "b".into(),
            in_flight: 1.5,
            ..Default::default()
        });
    }

    #[test]
    fn time_of_day_ignores_the_day() {
        let at = |t: &str| {
            MinuteRow {
                time: t.into(),
                ..Default::default()
            }
            .minute_of_day()
        };
        assert_eq!(at("07:30"), Some(450));
        assert_eq!(at("07:30+2d"), Some(450));
        assert_eq!(at("7h"), None);
    }
}
