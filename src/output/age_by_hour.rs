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
/// `at_open_*` figures.
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
    ];
}

impl HourRow {
    /// The rows of a run: 24 for each bank in order, then 24 for `all`, midnight first.
    pub fn of_run(r: &RunResult) -> Vec<HourRow> {
        let banks = (0..r.bank_names.len()).map(Some).chain([None]);
        let rows = banks.flat_map(|b| {
            let bank = b.map_or("all", |b| r.bank_names[b].as_str());
            let hours = r.at_open.hours(b);
            hours.into_iter().map(move |h| HourRow::of(bank, &h))
        });
        rows.collect()
    }

    fn of(bank: &str, h: &HourAge) -> Self {
        HourRow {
            bank: bank.to_string(),
            hour: h.hour as u8,
            app_open_share: h.app_open_share,
            connection_hours: h.connection_hours,
            data_age_p50_hours: h.p50_hours,
            data_age_p95_hours: h.p95_hours,
            stale_24h_share: h.stale_24h_share,
            never_share: h.never_share,
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
            });
        }
    }
}
