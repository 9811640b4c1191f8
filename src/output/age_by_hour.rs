//! `data_age_by_hour.csv`: the data age customers find at each hour of the day, per bank and
//! for all banks.

use super::{fixed, fixed_opt, Record};
use crate::metrics::{HourAge, RunResult};
use serde::{Deserialize, Serialize};

/// The file's name in a results directory.
pub const FILE: &str = "data_age_by_hour.csv";

/// One hour of the clock (`hour` to `hour + 1`, the scenario's clock), over the measured
/// part of the window, one bank's connections (or every bank's, `all`) while consent was
/// valid: how much
/// connection-time was lived in it, the age of the data over that time (median and 95th
/// percentile in hours, interpolated within ten minutes of age, `inf` where it falls among connections
/// never refreshed), the shares 24 h old or older and never refreshed, and the share of app
/// opens in the hour (the app-open profile's), which weighs the hours in `summary.csv`'s
/// `at_open_*` figures, and the shares not fresh (`window.fresh_within` old or older, or
/// none). These are of the connections whose customers open the app
/// (`on_demand.active_share` of them); the `book_*` columns give the same of every
/// connection, the whole book (equal where every customer opens it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HourRow {
    pub bank: String,
    pub hour: u8,
    #[serde(serialize_with = "fixed::<6, _>")]
    pub app_open_share: f64,
    #[serde(serialize_with = "fixed::<4, _>")]
    pub connection_hours: f64,
    #[serde(serialize_with = "fixed_opt::<4, _>")]
    pub data_age_p50_hours: Option<f64>,
    #[serde(serialize_with = "fixed_opt::<4, _>")]
    pub data_age_p95_hours: Option<f64>,
    #[serde(serialize_with = "fixed_opt::<6, _>")]
    pub stale_24h_share: Option<f64>,
    #[serde(serialize_with = "fixed_opt::<6, _>")]
    pub never_share: Option<f64>,
    /// The same of every connection. A file written before 2026-12-07 lacks them and reads
    /// without them.
    #[serde(serialize_with = "fixed_opt::<4, _>", default)]
    pub book_connection_hours: Option<f64>,
    #[serde(serialize_with = "fixed_opt::<4, _>", default)]
    pub book_data_age_p50_hours: Option<f64>,
    #[serde(serialize_with = "fixed_opt::<4, _>", default)]
    pub book_data_age_p95_hours: Option<f64>,
    #[serde(serialize_with = "fixed_opt::<6, _>", default)]
    pub book_stale_24h_share: Option<f64>,
    #[serde(serialize_with = "fixed_opt::<6, _>", default)]
    pub book_never_share: Option<f64>,
    /// The shares of the opens' and the book's time with data `window.fresh_within` old or
    /// older, or none (summary.csv's `fresh_within_hours`; the 24 h shares' at a day). A file
    /// written before 2026-12-07's second change lacks them and reads without them.
    #[serde(serialize_with = "fixed_opt::<6, _>", default)]
    pub not_fresh_share: Option<f64>,
    #[serde(serialize_with = "fixed_opt::<6, _>", default)]
    pub book_not_fresh_share: Option<f64>,
}

impl Record for HourRow {
    const HEADER: &'static [&'static str] = &[
        "bank",
        "hour",
        "app_open_share",
        "connection_hours",
        "data_age_p50_hours",
        "data_age_p95_hours",
        "stale_24h_share",
        "never_share",
        "book_connection_hours",
        "book_data_age_p50_hours",
        "book_data_age_p95_hours",
        "book_stale_24h_share",
        "book_never_share",
        "not_fresh_share",
        "book_not_fresh_share",
    ];
    const ADDED: usize = 7;
}

impl HourRow {
    /// The rows of a run: 24 for each bank in order, then 24 for `all`, midnight first.
    pub fn of_run(r: &RunResult) -> Vec<HourRow> {
        let banks = (0..r.bank_names.len()).map(Some).chain([None]);
        let rows = banks.flat_map(|b| {
            let bank = b.map_or("all", |b| r.bank_names[b].as_str());
            let hours = r.at_open.hours(b).into_iter();
            hours
                .zip(r.at_open.book_hours(b))
                .map(move |(h, book)| HourRow::of(bank, &h, &book))
        });
        rows.collect()
    }

    fn of(bank: &str, h: &HourAge, book: &HourAge) -> Self {
        HourRow {
            bank: bank.to_string(),
            hour: h.hour as u8,
            app_open_share: h.app_open_share,
            connection_hours: h.connection_hours,
            data_age_p50_hours: h.p50_hours,
            data_age_p95_hours: h.p95_hours,
            stale_24h_share: h.stale_24h_share,
            never_share: h.never_share,
            book_connection_hours: Some(book.connection_hours),
            book_data_age_p50_hours: book.p50_hours,
            book_data_age_p95_hours: book.p95_hours,
            book_stale_24h_share: book.stale_24h_share,
            book_never_share: book.never_share,
            not_fresh_share: h.not_fresh_share,
            book_not_fresh_share: book.not_fresh_share,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn header_is_the_fields_and_rows_round_trip() {
        for p50 in [Some(17.5), None] {
            super::super::testing::round_trips(super::HourRow {
                bank: "neobank".into(),
                hour: 19,
                app_open_share: 0.09,
                connection_hours: 1250.5,
                data_age_p50_hours: p50,
                data_age_p95_hours: Some(23.5),
                stale_24h_share: Some(0.05),
                never_share: None,
                book_connection_hours: Some(2500.25),
                book_data_age_p50_hours: p50.map(|h| h + 1.0),
                book_data_age_p95_hours: Some(30.5),
                book_stale_24h_share: Some(0.25),
                book_never_share: Some(0.125),
                not_fresh_share: Some(0.375),
                book_not_fresh_share: p50.map(|_| 0.5),
            });
        }
    }

    /// A file from before the whole book's columns reads, without them.
    #[test]
    fn a_file_from_before_the_book_columns_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(super::FILE);
        std::fs::write(
            &path,
            "bank,hour,app_open_share,connection_hours,data_age_p50_hours,data_age_p95_hours,\
             stale_24h_share,never_share\nall,8,0.05,100.0,3.5,20.0,0.01,0.0\n",
        )
        .unwrap();
        let rows = crate::output::read::<super::HourRow>(&path).unwrap();
        assert_eq!((rows[0].hour, rows[0].book_data_age_p50_hours), (8, None));
    }
}
