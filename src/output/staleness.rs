//! `staleness.csv`: how much connection-time each bank's connections spent with data of
//! each age.

use super::{fixed, Record};
use crate::metrics::RunResult;
use serde::{Deserialize, Serialize};

/// The file's name in a results directory.
pub const FILE: &str = "staleness.csv";

/// How much connection-time a bank's connections spent with data `age_minutes` old (whole
/// minutes), over the measured part of the window while consent was valid, as a share of
/// that bank's connection-time (`all`: over every bank). Time with no data yet (never
/// refreshed) is the row with an empty `age_minutes`. Only non-empty buckets are written.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AgeRow {
    pub bank: String,
    pub age_minutes: Option<usize>,
    #[serde(serialize_with = "fixed::<4, _>")]
    pub connection_hours: f64,
    #[serde(serialize_with = "fixed::<8, _>")]
    pub share: f64,
}

impl Record for AgeRow {
    const HEADER: &'static [&'static str] = &["bank", "age_minutes", "connection_hours", "share"];
}

impl AgeRow {
    /// The rows of a run (see [`AgeRow::each_of_run`]).
    pub fn of_run(r: &RunResult) -> Vec<AgeRow> {
        super::collect_rows(|sink| Self::each_of_run(r, sink))
    }

    /// Passes each row of a run to `f`: its banks in order, then `all`; each by increasing
    /// age, then the time never refreshed. One row is filled in place for them all (a string
    /// a bank), so writing the file ([`super::write_each`]) allocates nothing per row.
    pub fn each_of_run<E>(
        r: &RunResult,
        mut f: impl FnMut(&AgeRow) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut row = AgeRow::default();
        let banks = (0..r.bank_names.len()).map(Some).chain([None]);
        for b in banks {
            row.bank = b.map_or("all", |b| r.bank_names[b].as_str()).to_string();
            let h = r.staleness.histogram(b);
            let never = r.staleness.never_us(b);
            let total = (h.iter().map(|&x| x as u128).sum::<u128>() + never).max(1) as f64;
            let cells = h
                .iter()
                .enumerate()
                .map(|(m, &us)| (Some(m), us as f64))
                .chain([(None, never as f64)]);
            for (age, us) in cells.filter(|c| c.1 > 0.0) {
                row.age_minutes = age;
                row.connection_hours = us / 3.6e9;
                row.share = us / total;
                f(&row)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn header_is_the_fields_and_rows_round_trip() {
        for age in [Some(90), None] {
            super::super::testing::round_trips(super::AgeRow {
                bank: "all".into(),
                age_minutes: age,
                connection_hours: 2.5,
                share: 0.125,
            });
        }
    }
}
