//! A bad day and its aftermath, from `daily.csv`'s data age: the bank whose share of data a
//! day old or older rose most above its best day before it, on which day, and when it came
//! back. A
//! day's coverage starts afresh each day, so the day after an outage reads "normal" while
//! its data is still old; the age says how long the aftermath lasts.

use crate::output::text::pct;
use crate::report::dataset::RunData;
use crate::report::findings::capitalise;

/// How far above its best measured day before it a bank's share 24 h old or older must rise
/// to be told (five points), and how near that it must come back to count as recovered (one
/// point).
const RISE: f64 = 0.05;
const BACK: f64 = 0.01;
/// The share of a day's connection-time with no data yet under which the first pass is
/// over (a tenth of a per cent).
const NO_DATA: f64 = 0.001;

/// A bank's measured days' shares of data 24 h old or older: (day, share), from the first
/// day with next to no connection-time lacking data (before it, the run's first pass ages
/// the data, not a bad day).
fn shares(r: &RunData, bank: &str) -> Vec<(usize, f64)> {
    let mut v: Vec<(usize, f64)> = (r.daily.iter())
        .filter(|d| d.bank == bank && d.measured)
        .skip_while(|d| d.never_share.is_none_or(|n| n > NO_DATA))
        .filter_map(|d| Some((d.day, d.stale_24h_share?)))
        .collect();
    v.sort_by_key(|d| d.0);
    v
}

/// A bank's worst measured day against its best day before it.
struct WorstDay {
    bank: String,
    /// Its measured days: (day, share 24 h old or older).
    days: Vec<(usize, f64)>,
    /// The worst day's index in `days`.
    worst: usize,
    /// The best share before it: the bank's usual (a day after it is aftermath).
    low: f64,
}

impl WorstDay {
    fn rise(&self) -> f64 {
        self.days[self.worst].1 - self.low
    }
}

/// The bank whose data aged most on one day against its best day before it, by five
/// points or more (a first counted day has none before it to rise from). Banks in
/// `summary.csv`'s order, days in order; the first of equals.
fn worst_day(r: &RunData) -> Option<WorstDay> {
    let mut best: Option<WorstDay> = None;
    for bank in r.banks() {
        let days = shares(r, &bank.bank);
        let mut low = f64::INFINITY;
        let mut most: Option<(usize, f64)> = None;
        for (i, &(_, x)) in days.iter().enumerate() {
            if i > 0 && most.is_none_or(|m| x - low > days[m.0].1 - m.1) {
                most = Some((i, low));
            }
            low = low.min(x);
        }
        let Some((worst, low)) = most else {
            continue;
        };
        let w = WorstDay {
            bank: bank.bank.clone(),
            days,
            worst,
            low,
        };
        let beaten = best.as_ref().is_some_and(|b| b.rise() >= w.rise());
        if w.rise() >= RISE && !beaten {
            best = Some(w);
        }
    }
    best
}

/// "At troubled, data a day old or older rose to 39.55 % of the connection-time on day 2,
/// against 0.01 % on its best day before it, and was back within a point of that on day 5",
/// or "… and was still 8.63 % on day 4, the last measured day". `None` where no bank's share
/// rose five points above its best day before it, or daily.csv holds no data age.
pub(crate) fn bad_day_sentence(r: &RunData, whose: &str) -> Option<String> {
    let WorstDay {
        bank,
        days,
        worst,
        low,
    } = worst_day(r)?;
    let (day, high) = days[worst];
    let after = &days[worst + 1..];
    let end = match after.iter().find(|d| d.1 <= low + BACK) {
        Some(&(back, _)) => format!("was back within a point of that on day {back}"),
        None => match after.last() {
            Some(&(last, x)) => {
                format!("was still {} on day {last}, the last measured day", pct(x))
            }
            None => "the measured days ended that day".into(),
        },
    };
    Some(capitalise(&format!(
        "{whose}at {bank}, data a day old or older rose to {} of the connection-time on day {day}, \
         against {} on its best day before it, and {end} (daily.csv's `stale_24h_share`; the day's \
         coverage starts afresh, its data age carries the day over).",
        pct(high),
        pct(low),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::dataset::{DailyRow, SummaryRow};

    /// A run of banks `a` and `b` whose measured days' shares a day old are `a` and `b`,
    /// after a first day with no data yet.
    fn run(a: &[f64], b: &[f64]) -> RunData {
        let day = |bank: &str, day: usize, share: f64, never: f64| DailyRow {
            day,
            bank: bank.into(),
            measured: true,
            stale_24h_share: Some(share),
            never_share: Some(never),
            ..DailyRow::default()
        };
        let mut daily = vec![day("a", 0, 0.9, 0.5), day("b", 0, 0.9, 0.5)];
        for (bank, shares) in [("a", a), ("b", b)] {
            daily.extend((shares.iter().enumerate()).map(|(d, &x)| day(bank, d + 1, x, 0.0)));
        }
        let row = |bank: &str| SummaryRow {
            bank: bank.into(),
            ..SummaryRow::default()
        };
        RunData {
            rel_dir: None,
            summary: vec![row("a"), row("b"), row("all")],
            start_minute_of_day: None,
            series: vec![],
            staleness: vec![],
            daily,
            by_hour: vec![],
            by_hour_banks: vec![],
            has_series: false,
            has_staleness: false,
            dir_name: None,
        }
    }

    /// The bank that rose most above its best day before, past the first pass, on its worst
    /// day, and the day it came back within a point of that; or its share on the last
    /// measured day; nothing under five points, nor on the first counted day.
    #[test]
    fn the_worst_day_and_its_recovery() {
        let s = bad_day_sentence(&run(&[0.0, 0.1, 0.03, 0.005], &[0.0, 0.2, 0.1, 0.06]), "");
        let s = s.unwrap();
        let says = |s: &str, part: &str| assert!(s.contains(part), "{part}: {s}");
        says(&s, "At b, data a day old or older rose to 20.00 %");
        says(&s, "on day 2, against 0.00 % on its best day before it");
        says(&s, "was still 6.00 % on day 4, the last measured day");
        let s = bad_day_sentence(&run(&[0.01, 0.3, 0.1, 0.015], &[0.0; 4]), "under x, ");
        let s = s.unwrap();
        says(&s, "Under x, at a, data a day old or older rose to 30.00 %");
        says(&s, "was back within a point of that on day 4");
        let s = bad_day_sentence(&run(&[0.01, 0.02, 0.3], &[0.0; 3]), "").unwrap();
        says(&s, "on day 3");
        says(&s, "the measured days ended that day");
        // The first day's 90 % (its first pass) is not a bad day; 4.9 points is none; nor is
        // the first counted day, with no day before it (its fall after is aftermath).
        assert_eq!(bad_day_sentence(&run(&[0.0, 0.049], &[0.0, 0.0]), ""), None);
        assert_eq!(
            bad_day_sentence(&run(&[0.4, 0.04, 0.0], &[0.0; 3]), ""),
            None
        );
        // The baseline is the best day before the worst, not one after it.
        let s = bad_day_sentence(&run(&[0.02, 0.3, 0.0], &[0.0; 3]), "").unwrap();
        says(&s, "against 2.00 %");
        says(&s, "back within a point of that on day 3");
    }
}
