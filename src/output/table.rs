//! `table.csv`: the vendor sizing table, the model's figures beside the documented ones.

use super::{fixed, fixed_opt, Record};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The file's name in a results directory.
pub const FILE: &str = "table.csv";

/// One concurrency of the table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    pub concurrency: u32,
    #[serde(serialize_with = "fixed::<1, _>")]
    pub refreshes_per_hour: f64,
    /// The model's figure: refreshes per day of a looping queue over a backlog no day can
    /// clear (each refresh a distinct connection), compared with the vendor's users per day.
    #[serde(serialize_with = "fixed::<0, _>")]
    pub refreshes_per_day: f64,
    #[serde(serialize_with = "fixed_opt::<0, _>")]
    pub documented_refreshes_per_hour: Option<f64>,
    #[serde(serialize_with = "fixed_opt::<0, _>")]
    pub documented_users_per_day: Option<f64>,
    /// The model's refreshes per hour and per day relative to the documented figures, less
    /// one (`-0.0351` is 3.51 % below).
    #[serde(serialize_with = "fixed_opt::<4, _>")]
    pub deviation_per_hour: Option<f64>,
    #[serde(serialize_with = "fixed_opt::<4, _>")]
    pub deviation_per_day: Option<f64>,
    #[serde(serialize_with = "fixed::<6, _>")]
    pub failure_rate: f64,
    pub scenario: String,
    pub connections: u32,
    /// The seed the row ran with and its window's length: with the scenario, what
    /// reproduces the row.
    pub seed: u64,
    #[serde(serialize_with = "fixed::<3, _>")]
    pub window_hours: f64,
    /// Both deviations within the tolerance (`yes` / `no`; empty without documented figures).
    #[serde(serialize_with = "yes_no", deserialize_with = "from_yes_no")]
    pub within_5_percent: Option<bool>,
}

impl Record for TableRow {
    const HEADER: &'static [&'static str] = &[
        "concurrency",
        "refreshes_per_hour",
        "refreshes_per_day",
        "documented_refreshes_per_hour",
        "documented_users_per_day",
        "deviation_per_hour",
        "deviation_per_day",
        "failure_rate",
        "scenario",
        "connections",
        "seed",
        "window_hours",
        "within_5_percent",
    ];
}

fn yes_no<S: Serializer>(x: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(match x {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    })
}

fn from_yes_no<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match String::deserialize(d)?.as_str() {
        "yes" => Ok(Some(true)),
        "no" => Ok(Some(false)),
        "" => Ok(None),
        other => Err(serde::de::Error::custom(format!(
            "expected yes, no or nothing, found `{other}`"
        ))),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn header_is_the_fields_and_rows_round_trip() {
        for within in [Some(true), Some(false), None] {
            super::super::testing::round_trips(super::TableRow {
                concurrency: 4,
                refreshes_per_day: 28000.0,
                documented_users_per_day: Some(28000.0),
                deviation_per_day: Some(-0.0351),
                scenario: "vendor-table".into(),
                seed: 7,
                window_hours: 1.5,
                within_5_percent: within,
                ..Default::default()
            });
        }
    }
}
