//! Each bank's pace under its limits: the reference the search's paces per bank are
//! multiples of. It is the pace that refreshes the bank's share of the users once a period
//! (or band), at most what the bank's policies admit beside its customers' calls.
//!
//! With a pace profile (a bank's own in `strategy.pace_profiles`, else `strategy.pace_profile`)
//! the paces are those of its weight-1 hours: no hour may then get more than the bank's
//! policies admit steadily in it, weighted (the CDR's night allows ten times its day), and
//! the day's calls no more than the bank's ceiling over the band (a quota or a daily window,
//! which an hour alone does not show).

use super::ceiling::{growth, BankCeiling};
use crate::bank::Bank;
use crate::scenario::Scenario;
use crate::strategy::{PaceProfile, PaceProfiles};

use crate::time::HOUR_US as HOUR;

/// Each bank's pace a second, in the scenario's bank order: its share of the users over the
/// period, or over its band of hours, weighted by its pace profile (with joins, those due on
/// the last day), at most the calls its policies admit less its customers' calls there.
pub fn under(sc: &Scenario, ceilings: &[BankCeiling], profiles: &PaceProfiles) -> Vec<f64> {
    let last = growth(sc).map_or(1.0, |(last, _)| last.max(1.0));
    let band = sc.schedule.band_or_day();
    let customers = customers(sc);
    sc.banks
        .iter()
        .zip(ceilings)
        .enumerate()
        .map(|(b, (bank, c))| {
            let profile = profiles.of(b);
            let spread = sc.schedule.weighted_spread(profile).as_secs_f64();
            let need = bank.share * last * sc.connections as f64 / spread;
            let present = |span| bank.share * customers(span);
            let left = match profile {
                Some(p) => profiled(bank, c, p, band, &present),
                None => steady(bank, c, sc.schedule.band_micros(), present(band)),
            };
            need.min(left).max(need * 0.05)
        })
        .collect()
}

/// The banks' own paces by the hour, each bank's profile where its limits change with the
/// hour (the CDR's night and day) or its maintenance window closes one: each hour's weight
/// what the bank allows steadily in that hour over what it allows in its best hour (two
/// significant figures), 0 in an hour its maintenance window closes and outside the client's
/// band. A bank whose limits are the same every hour gets none (a constant pace); `None`
/// when no bank has one. One profile for all banks, weighed by the tightest bank's hours,
/// held a trial's digital bank to a CDR holder's night (39 % covered where 98 % was
/// reachable). Customers' calls, though fewer at night, do not shape it: a shape from their
/// daily curve alone made borderline settings that failed their confirmation.
pub fn shape(sc: &Scenario) -> Option<PaceProfiles> {
    if sc.schedule.period != crate::time::SimDuration::from_hours(24) {
        return None; // a profile weights the hours of a daily period only
    }
    let band = sc.schedule.band_or_day();
    let spans: Vec<(usize, (u64, u64))> = crate::time::hours_in(band).collect();
    let banks: Vec<Option<PaceProfile>> = sc.banks.iter().map(|b| bank_shape(b, &spans)).collect();
    banks
        .iter()
        .any(Option::is_some)
        .then_some(PaceProfiles { all: None, banks })
}

/// One bank's shape over the band's hours (`spans`), or `None` where it is flat.
fn bank_shape(bank: &Bank, spans: &[(usize, (u64, u64))]) -> Option<PaceProfile> {
    let mut w = [0.0; 24];
    let rate: Vec<f64> = spans
        .iter()
        .map(|&(h, _)| bank.hour_rate(h as u64 * HOUR))
        .collect();
    let best = rate
        .iter()
        .copied()
        .filter(|r| r.is_finite())
        .fold(0.0, f64::max);
    for (&(h, span), r) in spans.iter().zip(&rate) {
        w[h] = match (bank.closed_during(span), best > 0.0 && r.is_finite()) {
            (true, _) => 0.0,
            (false, true) => two_figures(r / best),
            (false, false) => 1.0,
        };
    }
    let flat = spans.iter().all(|&(h, _)| w[h] >= 0.99);
    (!flat).then(|| PaceProfile::new(w)).flatten()
}

/// `x` to two significant figures.
fn two_figures(x: f64) -> f64 {
    significant(x, 2)
}

/// `x` (≥ 0) to `digits` significant figures, scaled by an exact power of ten (0.57, not
/// 0.5700000000000001; 12,350, not 12,350.000000000002): the plan's paces and weights, as
/// people type them.
pub(super) fn significant(x: f64, digits: i32) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let e = x.log10().floor() as i32 + 1 - digits;
    let unit = 10f64.powi(e.abs());
    match e < 0 {
        true => (x * unit).round() / unit,
        false => (x / unit).round() * unit,
    }
}

/// The scenario's customers' calls a second within a span of the day, by their hours (few
/// at night): they spend a bank's limits beside the pace (a paced pool sends them straight
/// from the app, whatever the lane).
fn customers(sc: &Scenario) -> impl Fn((u64, u64)) -> f64 + '_ {
    let demand = sc
        .on_demand
        .as_ref()
        .map(|d| d.for_connections(sc.connections));
    move |span| demand.as_ref().map_or(0.0, |d| d.rate_within(span))
}

/// The fastest constant pace: through a band, what its policies admit there (a night rate,
/// a daily window spent in the band) beside `present` customers' calls a second; else the
/// day's ceiling, as calls, less the customers' calls where they spend its limits, and at
/// most what its tightest hour allows steadily (a trial's plan paced a CDR holder at its
/// day's average, twice what its daytime threshold admits, and every setting failed).
fn steady(bank: &Bank, c: &BankCeiling, band: Option<(u64, u64)>, present: f64) -> f64 {
    match band {
        Some(band) => bank.band_rate(band, present),
        None => {
            let tightest = (0..24u64)
                .map(|h| bank.hour_rate(h * HOUR))
                .fold(f64::INFINITY, f64::min);
            (admits(bank, c) / 86_400.0 - spent(bank, present)).min(tightest)
        }
    }
}

/// The fastest weight-1 pace of a profile over `band`: each hour's steady pace over its
/// weight, and the band's ceiling, less the customers' calls there, over its weighted length.
/// The customers' calls are taken out of the band's volume, as a constant pace's are
/// ([`steady`]), and hour by hour only from scheduled policies that count them (an evening
/// peak taken out of a capped bank's every hour paced a trial's bank at 560 refreshes a day
/// for 21,767 connections).
fn profiled(
    bank: &Bank,
    c: &BankCeiling,
    p: &PaceProfile,
    band: (u64, u64),
    present: &dyn Fn((u64, u64)) -> f64,
) -> f64 {
    let hourly = crate::time::hours_in(band)
        .filter_map(|(h, span)| {
            let w = p.weights()[h];
            let steady = || bank.hour_rate_beside(h as u64 * HOUR, present(span));
            (w > 0.0).then(|| steady() / w)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The one bank's shape.
    fn shape(sc: &Scenario) -> Option<PaceProfile> {
        super::shape(sc).map(|p| p.banks[0].expect("a bank's own"))
    }

    fn scenario(bank: &str, strategy: &str) -> Scenario {
        let text = format!(
            "[window]\nlength = \"1d\"\n[population]\nconnections = 1000\n[strategy]\n\
             kind = \"paced\"\n{strategy}\n[[banks]]\nname = \"b\"\nshare = 1.0\n{bank}\n"
        );
        crate::scenario::parse(&text, "inline", "t", &[]).unwrap()
    }

    #[test]
    fn weights_keep_two_significant_figures() {
        assert_eq!(two_figures(0.09999), 0.1);
        assert_eq!(two_figures(1.0), 1.0);
        assert_eq!(two_figures(0.1234), 0.12);
        assert_eq!(two_figures(0.0), 0.0);
        assert_eq!(two_figures(0.5712), 0.57);
        assert_eq!(two_figures(0.35), 0.35);
        assert_eq!(two_figures(1234.0), 1200.0);
        assert_eq!(significant(12_345.0, 4), 12_350.0);
        assert_eq!(significant(1.23456, 4), 1.235);
    }

    /// The CDR's night and day make a shape (0 outside a band); a bucket all day does not.
    #[test]
    fn the_shape_is_the_banks_limits_by_the_hour() {
        let cdr = "preset = \"cdr-au\"\ncalls_per_refresh = 8";
        let w = *shape(&scenario(cdr, "")).unwrap().weights();
        assert!(
            w[..6].iter().all(|&x| x == 1.0) && w[6..].iter().all(|&x| x == 0.1),
            "{w:?}"
        );
        let banded = shape(&scenario(cdr, "hours = [\"00:00\", \"12:00\"]")).unwrap();
        let w = banded.weights();
        assert!(
            w[5] == 1.0 && w[6] == 0.1 && w[11] == 0.1 && w[12] == 0.0,
            "{w:?}"
        );
        let bucket = "service_time = { dist = \"constant\", value = \"1s\" }\n\
                      limits = [{ kind = \"token_bucket\", rate = 2.0, burst = 10 }]";
        assert_eq!(shape(&scenario(bucket, "")), None);
        // A profile weights a day's hours: none for a two-day period.
        assert_eq!(shape(&scenario(cdr, "period = \"48h\"")), None);
    }

    /// Each bank gets its own shape: a CDR holder its night and day, a bank with a
    /// maintenance window its closed hours alone (not the holder's day as well), a bucket
    /// all day none.
    #[test]
    fn each_bank_has_its_own_shape() {
        let text = "[window]\nlength = \"1d\"\n[population]\nconnections = 1000\n[strategy]\n\
                    kind = \"paced\"\n[[banks]]\nname = \"cdr\"\nshare = 0.4\n\
                    preset = \"cdr-au\"\ncalls_per_refresh = 8\n[[banks]]\nname = \"m\"\n\
                    share = 0.3\npreset = \"nightly-maintenance\"\n[[banks]]\nname = \"flat\"\n\
                    share = 0.3\nservice_time = { dist = \"constant\", value = \"1s\" }\n\
                    limits = [{ kind = \"token_bucket\", rate = 2.0, burst = 10 }]\n";
        let sc = crate::scenario::parse(text, "inline", "t", &[]).unwrap();
        let shapes = super::shape(&sc).unwrap();
        assert_eq!(shapes.all, None);
        let cdr = shapes.banks[0].unwrap();
        assert!(cdr.weights()[..6].iter().all(|&x| x == 1.0));
        assert!(cdr.weights()[6..].iter().all(|&x| x == 0.1));
        let m = shapes.banks[1].unwrap();
        let closed: Vec<usize> = (0..24).filter(|&h| m.weights()[h] == 0.0).collect();
        assert_eq!(closed, [1, 2]);
        assert!((3..24).all(|h| m.weights()[h] == 1.0), "{:?}", m.weights());
        assert_eq!(shapes.banks[2], None);
    }

    /// A maintenance window that closes an hour (at least half of it) stops the pace then;
    /// one that slows calls, or closes less than half an hour, does not.
    #[test]
    fn the_shape_stops_in_a_maintenance_window() {
        let w = *shape(&scenario("preset = \"nightly-maintenance\"", ""))
            .unwrap()
            .weights();
        let closed: Vec<usize> = (0..24).filter(|&h| w[h] == 0.0).collect();
        assert_eq!(closed, [1, 2], "{w:?}");
        assert!((0..24).all(|h| w[h] == 0.0 || w[h] == 1.0), "{w:?}");
        let window = |start: &str, end: &str, mode: &str| {
            format!(
                "service_time = {{ dist = \"constant\", value = \"1s\" }}\n\
                 limits = [{{ kind = \"maintenance\", start = \"{start}\", end = \"{end}\"{mode} }}]"
            )
        };
        let half = shape(&scenario(&window("04:30", "06:00", ""), "")).unwrap();
        assert_eq!(half.weights()[4], 0.0, "half of 04:00–05:00 closed");
        assert_eq!(half.weights()[5], 0.0);
        assert_eq!(half.weights()[3], 1.0);
        assert_eq!(shape(&scenario(&window("04:31", "05:00", ""), "")), None);
        let slow = window("01:00", "03:00", ", slowdown = 3.0");
        assert_eq!(shape(&scenario(&slow, "")), None);
    }
}
