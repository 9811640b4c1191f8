//! What a scenario needs before it runs: memory, estimated from what a run allocates, checked
//! against the machine so that a size validation accepts (two billion connections, sixty
//! thousand banks over a year) is refused with the field that drives it instead of aborting
//! on a failed allocation.
//!
//! The estimate sums a run's large allocations, each an upper bound of its steady size:
//! - per connection, [`PER_CONNECTION`] bytes (its 32-byte record, its place in the
//!   arrival plan and the client's queues, the retry and dedup state, pending events, and
//!   with reconnections when it last linked and its day-old time then);
//! - a per-connection quota's ring: `k` times 8 bytes (rolling) or 12 (calendar day), for
//!   the bank's share of the connections;
//! - per bank and minute of the window and a day's tail, the per-minute series and its CSV
//!   rows ([`PER_BANK_MINUTE`]);
//! - per bank and minute of the staleness horizon, the age histogram and its rows
//!   ([`PER_BANK_AGE_MINUTE`]), and the ages at app opens ([`AT_OPEN_AGE_MINUTE`], twice
//!   where some customers never open the app and the whole book's are kept too);
//! - per bank, day of the window and hour of the horizon, `daily.csv`'s data age by day
//!   ([`PER_BANK_DAY_AGE_HOUR`]).
//!
//! It is a coarse upper bound. Measured peaks (resident set, this project's 2-core machine):
//! uk-mix, 400,000 connections over 4 days, 28 MB for an estimate of 57 MB; the vendor table
//! with 2,000,000 connections in bulk, 165 MB for 193 MB; uk-mix over 60 days with 10,000
//! connections, 26 MB for 258 MB (the age rows are sparse until read, and read pages of zeros
//! cost nothing). The check refuses only what would not fit the machine.

use super::Scenario;
use crate::bank::{Limit, QuotaPeriod};
use crate::error::{Error, Result};
use crate::time::SimDuration;
use std::sync::OnceLock;

/// Bytes a connection costs a run, bounded above.
pub const PER_CONNECTION: f64 = 120.0;
/// Bytes a bank-minute of the per-minute series costs, its output rows included.
pub const PER_BANK_MINUTE: f64 = 256.0;
/// Bytes a bank-minute of the staleness horizon costs, its output rows included.
pub const PER_BANK_AGE_MINUTE: f64 = 96.0;
/// Bytes a bank-minute of the staleness horizon costs the data age at app opens (144 rows a
/// bank of ten-minute buckets, 16 bytes each: `metrics/at_open.rs`).
pub const AT_OPEN_AGE_MINUTE: f64 = 240.0;
/// Bytes a bank-day of the window costs per hour of the staleness horizon: `daily.csv`'s
/// data age, ramps by the hour of age, a row per day and bank (`metrics/daily_age.rs`).
pub const PER_BANK_DAY_AGE_HOUR: f64 = 16.0;
/// Share of the available memory a command may plan to use.
const HEADROOM: f64 = 0.8;

/// A run's estimated memory and what drives it.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryNeed {
    pub bytes: f64,
    /// The field (or fields) whose value makes most of it, with its value, e.g.
    /// `population.connections = 2000000000`.
    pub driver: String,
}

impl Scenario {
    /// The memory one run of this scenario needs, bounded above (see the module docs).
    pub fn memory_need(&self) -> MemoryNeed {
        // Those that join included (`population.join_share`).
        let n = crate::consent::Joins::new(self).total() as f64;
        let banks = self.banks.len() as f64;
        let minutes = |d: SimDuration| d.as_secs_f64() / 60.0;
        let tail = SimDuration::from_hours(24);
        // The ages at app opens, twice where the whole book's are kept apart (some customers
        // never open the app: `metrics/at_open/book.rs`).
        let rest = self
            .on_demand
            .as_ref()
            .is_some_and(|d| d.active_share < 1.0);
        let at_open = AT_OPEN_AGE_MINUTE * if rest { 2.0 } else { 1.0 };
        let quota: f64 = self
            .banks
            .iter()
            .flat_map(|b| b.limits.iter().map(move |l| (b.share, l)))
            .map(|(share, l)| match l {
                Limit::Quota(q) => n * share * quota_bytes(q.k(), q.period()),
                _ => 0.0,
            })
            .sum();
        let terms = [
            (
                n * PER_CONNECTION,
                match (self.join_share, self.growth_per_week) {
                    (0.0, 0.0) => format!("population.connections = {}", self.connections),
                    (0.0, g) => format!(
                        "population.connections = {} with growth_per_week = {g}",
                        self.connections
                    ),
                    (j, _) => format!(
                        "population.connections = {} with join_share = {j}",
                        self.connections
                    ),
                },
            ),
            (
                quota,
                "the per-connection quotas' k (banks.*.limits)".to_string(),
            ),
            (
                banks * minutes(self.window + tail) * PER_BANK_MINUTE,
                format!(
                    "window.length = \"{}\" over {} banks (a series per bank and minute)",
                    self.window,
                    self.banks.len()
                ),
            ),
            (
                banks * (PER_BANK_AGE_MINUTE + at_open) * minutes(self.age_horizon()),
                format!(
                    "a data-age horizon of \"{}\" (window.age_horizon; by default the window, \
                     up to 60 days) over {} banks (data ages per bank and minute, and at app \
                     opens)",
                    self.age_horizon(),
                    self.banks.len()
                ),
            ),
            (
                banks
                    * (self.window.as_secs_f64() / 86_400.0).ceil().max(1.0)
                    * (self.age_horizon().as_secs_f64() / 3_600.0 + 4.0)
                    * PER_BANK_DAY_AGE_HOUR,
                format!(
                    "window.length = \"{}\" and its data-age horizon over {} banks (daily.csv's \
                     data age, per bank, day and hour of age)",
                    self.window,
                    self.banks.len()
                ),
            ),
        ];
        let bytes = terms.iter().map(|t| t.0).sum();
        let driver = terms
            .iter()
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|t| t.1.clone())
            .unwrap_or_default();
        MemoryNeed { bytes, driver }
    }
}

fn quota_bytes(k: u32, period: QuotaPeriod) -> f64 {
    match period {
        QuotaPeriod::Rolling => 8.0 * k as f64 + 4.0,
        QuotaPeriod::CalendarDay => 12.0,
    }
}

static BUDGET: OnceLock<f64> = OnceLock::new();

/// Sets the memory budget in bytes (`--memory`), instead of the machine's available memory.
pub fn set_budget(bytes: f64) {
    let _ = BUDGET.set(bytes);
}

/// The machine's available memory in bytes (`MemAvailable`), where the system says.
fn available() -> Option<f64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0)
}

/// Refuses `scenarios` when `at_once` runs of the largest would not fit the budget: the
/// `--memory` given, else 80 % of the machine's available memory (no check where the system
/// does not say).
pub fn check_memory<'a>(
    scenarios: impl IntoIterator<Item = &'a Scenario>,
    at_once: usize,
) -> Result<()> {
    let budget = match BUDGET.get() {
        Some(&b) => b,
        None => match available() {
            Some(a) => a * HEADROOM,
            None => return Ok(()),
        },
    };
    let Some((sc, need)) = scenarios
        .into_iter()
        .map(|s| (s, s.memory_need()))
        .max_by(|a, b| a.1.bytes.total_cmp(&b.1.bytes))
    else {
        return Ok(());
    };
    let total = need.bytes * at_once.max(1) as f64;
    if total <= budget {
        return Ok(());
    }
    let runs = if at_once > 1 {
        format!(", × {at_once} runs at once (--threads)")
    } else {
        String::new()
    };
    Err(Error::input(format!(
        "{}: a run needs about {} of memory, driven by {}{runs}: {} in all, over the budget of {} \
         ({}); lower it, or set --memory GB to allow more",
        sc.name,
        bytes(need.bytes),
        need.driver,
        bytes(total),
        bytes(budget),
        if BUDGET.get().is_some() {
            "--memory"
        } else {
            "80 % of this machine's available memory"
        }
    )))
}

/// A size for people, to three significant figures in MB or GB (so that a need just over
/// a 50 MB budget does not read as 0.1 GB over 0.1 GB).
fn bytes(b: f64) -> String {
    // (999.6 MB would print as "1000 MB": from 999.5 MB on, GB.)
    let (x, unit) = if b < 999.5e6 {
        (b / 1e6, "MB")
    } else {
        (b / 1e9, "GB")
    };
    let decimals = if x < 10.0 {
        2
    } else if x < 100.0 {
        1
    } else {
        0
    };
    format!("{x:.decimals$} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sizes keep three significant figures, so a need just over its budget reads as over.
    #[test]
    fn sizes_read_to_three_figures() {
        assert_eq!(bytes(50.4e6), "50.4 MB");
        assert_eq!(bytes(50.0e6), "50.0 MB");
        assert_eq!(bytes(5.04e6), "5.04 MB");
        assert_eq!(bytes(123.4e6), "123 MB");
        assert_eq!(bytes(999.6e6), "1.00 GB");
        assert_eq!(bytes(19.6e9), "19.6 GB");
        assert_eq!(bytes(192.0e9), "192 GB");
    }

    /// The estimate follows the driving field, and names it.
    #[test]
    fn the_estimate_names_what_drives_it() {
        let mut sc = super::super::parse(
            include_str!("../../scenarios/uk-mix.toml"),
            "uk-mix",
            "uk-mix",
            &[],
        )
        .unwrap();
        sc.connections = 2_000_000_000;
        let need = sc.memory_need();
        assert!(need.bytes >= 2e9 * PER_CONNECTION);
        assert_eq!(need.driver, "population.connections = 2000000000");
        sc.connections = 1_000;
        sc.window = SimDuration::from_hours(24 * 366);
        let need = sc.memory_need();
        assert!(
            need.driver
                .starts_with("window.length = \"8784h\" over 5 banks"),
            "{}",
            need.driver
        );
        // 5 banks × 367 days of minutes × 256 B: 676 MB; 60 days of ages, 5 × (96 + 240) B a
        // minute: 145 MB; daily.csv's ages, 5 × 366 days × (1,440 + 4) hours × 16 B: 42 MB;
        // and the rest is small.
        assert!((need.bytes / 1e6 - 864.0).abs() < 30.0, "{}", need.bytes);
    }
}
