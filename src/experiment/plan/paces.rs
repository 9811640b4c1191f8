//! Each bank's pace under its limits: the reference the search's paces per bank are
//! multiples of. It is the pace that refreshes the bank's share of the users once a period
//! (or band), at most what the bank's policies admit beside its customers' calls.
//!
//! With a pace profile (`strategy.pace_profile`) the paces are those of its weight-1 hours:
//! no hour may then get more than the bank's policies admit steadily in it, weighted (the
//! CDR's night allows ten times its day), and the day's calls no more than the bank's
//! ceiling over the band (a quota or a daily window, which an hour alone does not show).

use super::ceiling::{growth, BankCeiling};
use crate::bank::Bank;
use crate::scenario::Scenario;
use crate::strategy::PaceProfile;

const HOUR: u64 = 3_600_000_000;
const DAY: u64 = 24 * HOUR;

/// Each bank's pace a second, in the scenario's bank order: its share of the users over the
/// period, or over its band of hours, weighted by a pace profile (with joins, those due on
/// the last day), at most the calls its policies admit less its customers' calls there.
pub fn under(sc: &Scenario, ceilings: &[BankCeiling]) -> Vec<f64> {
    let last = growth(sc).map_or(1.0, |(last, _)| last.max(1.0));
    let users = last * sc.connections as f64 / sc.schedule.weighted_spread().as_secs_f64();
    let band = sc.schedule.band_micros().unwrap_or((0, DAY));
    // Customers' calls spend the bank's limits beside the pace (a paced pool sends them
    // straight from the app, whatever the lane): a second's worth within a span of the day,
    // by their hours (few at night).
    let demand = sc
        .on_demand
        .as_ref()
        .map(|d| d.for_connections(sc.connections));
    let customers = |span: (u64, u64)| demand.as_ref().map_or(0.0, |d| d.rate_within(span));
    sc.banks
        .iter()
        .zip(ceilings)
        .map(|(bank, c)| {
            let need = bank.share * users;
            let present = |span| bank.share * customers(span);
            let left = match &sc.schedule.pace_profile {
                Some(p) => profiled(bank, c, p, band, &present),
                None => steady(bank, c, sc.schedule.band_micros(), present(band)),
            };
            need.min(left).max(need * 0.05)
        })
        .collect()
}

/// The fastest constant pace: through a band, what its policies admit there (a night rate,
/// a daily window spent in the band) beside `present` customers' calls a second; else the
/// day's ceiling, as calls, less the customers' calls where they spend its limits.
fn steady(bank: &Bank, c: &BankCeiling, band: Option<(u64, u64)>, present: f64) -> f64 {
    match band {
        Some(band) => bank.band_rate(band, present),
        None => admits(bank, c) / 86_400.0 - spent(bank, present),
    }
}

/// The fastest weight-1 pace of a profile over `band`: each hour's steady pace over its
/// weight, and the band's ceiling over its weighted length.
fn profiled(
    bank: &Bank,
    c: &BankCeiling,
    p: &PaceProfile,
    band: (u64, u64),
    present: &dyn Fn((u64, u64)) -> f64,
) -> f64 {
    let hourly = (0..24u64)
        .filter_map(|h| {
            let span = ((h * HOUR).max(band.0), ((h + 1) * HOUR).min(band.1));
            let w = p.weights()[h as usize];
            (span.0 < span.1 && w > 0.0).then(|| bank.band_rate(span, present(span)) / w)
        })
        .fold(f64::INFINITY, f64::min);
    let secs = (band.1 - band.0) as f64 / 1e6;
    let volume =
        (admits(bank, c) - spent(bank, present(band)) * secs) / p.weighted(band).as_secs_f64();
    hourly.min(volume)
}

/// The calls a day (or band) the bank's ceiling admits: its successes over the share of
/// calls that do not fail by 5xx.
fn admits(bank: &Bank, c: &BankCeiling) -> f64 {
    c.per_day / (1.0 - bank.error_rate).max(0.01)
}

/// The customers' calls a second that spend the bank's limits (none where its limits are
/// for unattended calls only).
fn spent(bank: &Bank, present: f64) -> f64 {
    if bank.customers_spend_limits() {
        present
    } else {
        0.0
    }
}
