//! A bad day and its aftermath, from `daily.csv`'s data age: the bank whose share of data a
//! day old or older rose most above its best day before it, on which day, and when it came
//! back. A day's coverage starts afresh each day, so the day after an outage reads "normal"
//! while its data is still old; the age says how long the aftermath lasts. Where the run's
//! `window.fresh_within` is not a day, also the bank whose app opens found data that old
//! rose most: a client refreshing every 6 h keeps its data younger than a day through a
//! half-day outage, and its day's coverage (one success a day) reads whole.

use crate::output::text::{pct, thousands};
use crate::report::dataset::{DailyRow, RunData};
use crate::report::findings::capitalise;
use crate::report::phrases::and_list;
use crate::time::SimDuration;

/// How far above its best measured day before it a bank's share (by its [`Measure`]) must rise
/// to be told (five points), and how near that it must come back to count as recovered (one
/// point).
const RISE: f64 = 0.05;
const BACK: f64 = 0.01;
/// The run's first pass is over on the first day whose time with no data yet is at most a
/// tenth of a per cent of the day, or a tenth of its time a day old or older: the no-data
/// then sways the share by little. Not a fixed floor alone: joiners and a client that never
/// reaches its whole book leave a little time without data every day (a trial's paced
/// client at a bank covered 87 % a day kept 0.08 % to 0.11 %, and an incident on the day
/// after 0.11 % went unsaid).
const NO_DATA: f64 = 0.001;
const NO_DATA_PART: f64 = 0.1;

/// What a bad day is read from: the connection-time with data a day old or older
/// (`stale_24h_share`), or the app opens finding data `window.fresh_within` old or older
/// (`not_fresh_at_open_share`), for a run whose `fresh_within` is not a day.
#[derive(Clone, Copy, PartialEq)]
enum Measure {
    DayOld,
    NotFresh(SimDuration),
}

impl Measure {
    fn of(self, d: &DailyRow) -> Option<f64> {
        match self {
            Measure::DayOld => d.stale_24h_share,
            Measure::NotFresh(_) => d.not_fresh_at_open_share,
        }
    }

    /// The sentence's column, what its share is of, and why its day is worth telling.
    fn cited(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Measure::DayOld => (
                "`stale_24h_share`",
                " of the connection-time",
                "; the day's coverage starts afresh, its data age carries the day over",
            ),
            Measure::NotFresh(_) => ("`not_fresh_at_open_share`", "", ""),
        }
    }

    /// What rose, as the sentences and the troubled bank's table say it.
    fn what(self) -> String {
        match self {
            Measure::DayOld => "data a day old or older".into(),
            Measure::NotFresh(f) => format!(
                "app opens finding data {} old or older",
                crate::output::terminal::old_words(f)
            ),
        }
    }
}

/// A bank's measured days' shares by `m`: (day, share), from the first day past the run's
/// first pass (before it, the first pass ages the data, not a bad day).
fn shares(r: &RunData, bank: &str, m: Measure) -> Vec<(usize, f64)> {
    let first_pass = |d: &DailyRow| {
        let stale = d.stale_24h_share.unwrap_or(0.0);
        d.never_share
            .is_none_or(|n| n > NO_DATA.max(stale * NO_DATA_PART))
    };
    let mut v: Vec<(usize, f64)> = (r.daily.iter())
        .filter(|d| d.bank == bank && d.measured)
        .skip_while(|d| first_pass(d))
        .filter_map(|d| Some((d.day, m.of(d)?)))
        .collect();
    v.sort_by_key(|d| d.0);
    v
}

/// A bank's worst measured day against its usual: its best day before it, or, where the
/// worst is the first day counted (an incident on the first measured day), its best after.
struct WorstDay {
    bank: String,
    /// Its measured days: (day, share by its measure).
    days: Vec<(usize, f64)>,
    /// The worst day's index in `days`.
    worst: usize,
    /// The usual share it rose from, and its day.
    low: f64,
    low_day: usize,
    /// Whether `low` is the best day before the worst (else after it: the first day counted).
    before: bool,
}

impl WorstDay {
    fn rise(&self) -> f64 {
        self.days[self.worst].1 - self.low
    }

    /// The bank's day of most rise over the best day before it; where that rises less than
    /// five points, its first counted day over the best after it.
    fn of(bank: &str, days: Vec<(usize, f64)>) -> Option<WorstDay> {
        let mut low = (f64::INFINITY, 0);
        let mut most: Option<(usize, (f64, usize))> = None;
        for (i, &(day, x)) in days.iter().enumerate() {
            if i > 0 && most.is_none_or(|m| x - low.0 > days[m.0].1 - m.1 .0) {
                most = Some((i, low));
            }
            if x < low.0 {
                low = (x, day);
            }
        }
        let after = (days.iter().skip(1).map(|&(d, x)| (x, d))).min_by(|a, b| a.0.total_cmp(&b.0));
        let w = |(worst, (low, low_day)), before| WorstDay {
            bank: bank.to_string(),
            days: days.clone(),
            worst,
            low,
            low_day,
            before,
        };
        let rising = (most.map(|m| w(m, true))).filter(|w| w.rise() >= RISE && !w.drifted());
        // The first day counted is an incident where the next day took back half its rise
        // or more; a share falling slowly from it is a client still settling after a short
        // warm-up (a trial's queue: 5.73 %, 4.79 %, 4.13 % … read as a bad first day).
        // A rise of twice the threshold is an incident however slowly it went (a cut over the
        // first two days counted: 59.8 %, 35.6 %, then 1.6 %).
        let sharp = |w: &WorstDay| {
            let next = days
                .get(1)
                .is_none_or(|d| d.1 <= days[0].1 - w.rise() / 2.0);
            w.rise() >= 2.0 * RISE || next
        };
        rising.or_else(|| Some(w((0, after?), false)).filter(|w| w.rise() >= RISE && sharp(w)))
    }

    /// A client settling after the warm-up, not a bad day: the usual is the first day
    /// counted, no later day comes back within a point of it, and the later days sit, at
    /// their median, less than five points above it, the worst less than five above that
    /// median (a trial's queue read 8.54 % on the first day after a 1-day warm-up, then
    /// 10.6–14.5 %, and the report told "rose to 14.54 % on day 2 … still 12.11 % on day 6"
    /// as if an outage had never recovered). An incident of that shape reads the same, and
    /// goes unsaid with it: one run cannot tell them apart.
    fn drifted(&self) -> bool {
        let later = &self.days[1..];
        if self.low_day != self.days[0].0 || later.iter().any(|d| d.1 <= self.low + BACK) {
            return false;
        }
        let mut level: Vec<f64> = later.iter().map(|d| d.1).collect();
        level.sort_by(f64::total_cmp);
        let n = level.len();
        let median = match n % 2 {
            1 => level[n / 2],
            _ => (level[n / 2 - 1] + level[n / 2]) / 2.0,
        };
        median - self.low < RISE && self.days[self.worst].1 - median < RISE
    }

    /// The other days it rose five points or more above its usual, outside the run of days
    /// up around its worst (a point above before it, five after it, so that a bank never
    /// back keeps a later peak): each run of such days' highest, the three highest (a
    /// trial's weekly maintenance read only its second week's).
    fn others(&self) -> Vec<(usize, f64)> {
        let before = (self.days[..self.worst].iter().rev())
            .take_while(|d| d.1 > self.low + BACK)
            .last()
            .map_or(self.days[self.worst].0, |d| d.0);
        let after = (self.days[self.worst..].iter())
            .take_while(|d| d.1 >= self.low + RISE)
            .last()
            .map_or(self.days[self.worst].0, |d| d.0);
        let mut peaks: Vec<(usize, f64)> = Vec::new();
        let mut last_day = None;
        for &(day, x) in self.days.iter().filter(|d| d.0 < before || d.0 > after) {
            if x < self.low + RISE {
                last_day = None;
                continue;
            }
            match (last_day, peaks.last_mut()) {
                (Some(l), Some(p)) if l + 1 == day => {
                    if x > p.1 {
                        *p = (day, x);
                    }
                }
                _ => peaks.push((day, x)),
            }
            last_day = Some(day);
        }
        peaks.sort_by(|a, b| b.1.total_cmp(&a.1));
        peaks.truncate(3);
        peaks.sort_by_key(|p| p.0);
        peaks
    }
}

/// Every bank whose share by `m` rose on one day five points or more above its usual, most
/// first (banks in `summary.csv`'s order among equals).
fn worst_days(r: &RunData, m: Measure) -> Vec<WorstDay> {
    let mut v: Vec<WorstDay> = (r.banks().iter())
        .filter_map(|b| WorstDay::of(&b.bank, shares(r, &b.bank, m)))
        .collect();
    v.sort_by(|a, b| b.rise().total_cmp(&a.rise()));
    v
}

/// The measures a run's bad days are read by: the day-old share, and the opens past
/// `window.fresh_within` where that is not a day.
fn measures(r: &RunData) -> impl Iterator<Item = Measure> {
    std::iter::once(Measure::DayOld).chain(r.fresh_within().map(Measure::NotFresh))
}

/// The bank whose share of data a day old rose most on one day in any of `runs` (the first
/// of equals), where one rose five points or more; else the bank whose opens past
/// `window.fresh_within` did. With what rose: "data a day old or older".
pub(crate) fn troubled_bank(runs: &[&RunData]) -> Option<(String, String)> {
    // Each run by its own measure (runs may differ in `fresh_within`).
    let by = |m: fn(&RunData) -> Option<Measure>| {
        let worst = (runs.iter()).filter_map(|r| worst_days(r, m(r)?).into_iter().next());
        worst.reduce(|a, b| if b.rise() > a.rise() { b } else { a })
    };
    let fresh = |r: &RunData| r.fresh_within().map(Measure::NotFresh);
    if let Some(w) = by(|_| Some(Measure::DayOld)) {
        return Some((w.bank, Measure::DayOld.what()));
    }
    let w = by(fresh)?;
    let limits: Vec<Measure> = runs.iter().filter_map(|r| fresh(r)).collect();
    let what = match limits.iter().all(|l| *l == limits[0]) {
        true => limits[0].what(),
        false => "app opens finding data window.fresh_within old or older".into(),
    };
    Some((w.bank, what))
}

/// For each bank whose share of data a day old or older rose five points above its usual:
/// "At troubled, data a day old or older rose to 39.55 % of the connection-time on day 2,
/// against 0.01 % on its best day before it, and was back within a point of that on day 5",
/// or "… and was still 8.63 % on day 4, the last measured day"; for an incident on the
/// first day counted, "… was 52.01 % … on day 1, the first day counted, against 0.84 % on
/// its best day after it, and was within a point of that on day 2". Then, where
/// `window.fresh_within` is not a day, each other bank whose opens past it rose so: "At a,
/// app opens finding data 6 h old or older rose to 68.67 % on day 3 (50.00 % of its periods
/// covered; …)". None where daily.csv holds no data age.
pub(crate) fn bad_day_sentences(r: &RunData, whose: &str) -> Vec<String> {
    // A bank told by its day-old share is not told again by its opens (on another day
    // either: one sentence a bank), and four at most by each.
    let mut told: Vec<String> = Vec::new();
    let mut v = Vec::new();
    for m in measures(r) {
        let worst: Vec<WorstDay> = (worst_days(r, m).into_iter())
            .filter(|w| !told.contains(&w.bank))
            .take(4)
            .collect();
        v.extend(worst.iter().map(|w| sentence(w, r, whose, m)));
        told.extend(worst.into_iter().map(|w| w.bank));
    }
    v
}

/// What the worst day's parenthesis and the usual day's say of customers, and the columns
/// they quote.
#[derive(Default)]
struct Counts {
    worst: String,
    usual: String,
    columns: Vec<&'static str>,
}

/// The customers on the worst `day` and the usual one, what moved first: the share of app
/// opens finding data a day old, the connections two days old (with, through `until`, the
/// day before the recovery or the last measured day, the day with most where that is more
/// than on either: a queue's backlog misses a whole day's refresh the day after the
/// incident, as a trial's cut left none two days old on its day and 15,091 the next), and
/// the connections a day old only where they moved (under a busy queue nearly every
/// connection is a day old for an hour every day: a trial's cut read 144,709 against
/// 141,597 first, its two days old and its opens unsaid behind them). Empty where
/// daily.csv has no counts.
fn counts(w: &WorstDay, r: &RunData, day: usize, until: usize) -> Counts {
    let row = |at: usize| (r.daily.iter()).find(|d| d.day == at && d.bank == w.bank);
    let (Some(d), Some(usual)) = (
        row(day).filter(|d| d.stale_24h_connections > 0),
        row(w.low_day),
    ) else {
        return Counts::default();
    };
    let n = |x: u64| thousands(x as f64);
    let (mut worst, mut was, mut columns) = (Vec::new(), Vec::new(), Vec::new());
    if let (Some(a), Some(b)) = (d.stale_24h_at_open_share, usual.stale_24h_at_open_share) {
        worst.push(format!("{} of the app opens finding data that old", pct(a)));
        was.push(format!("{} of opens", pct(b)));
        columns.push("`stale_24h_at_open_share`");
    }
    let most = d.stale_48h_connections.max(usual.stale_48h_connections);
    let later = ((day + 1..=until).filter_map(row))
        .filter(|x| rose(x.stale_48h_connections, most, x.due))
        .max_by_key(|x| (x.stale_48h_connections, std::cmp::Reverse(x.day)))
        .map_or(String::new(), |x| {
            let (at, k) = (x.day, n(x.stale_48h_connections));
            let span = match until > day + 1 {
                true => format!(", the most of days {}–{until}", day + 1),
                false => String::new(),
            };
            format!("on day {at}, {k} of its connections two days old or older{span}")
        });
    let ages = [
        (
            "two days",
            d.stale_48h_connections,
            usual.stale_48h_connections,
        ),
        (
            "a day",
            d.stale_24h_connections,
            usual.stale_24h_connections,
        ),
    ];
    let mut counted = false;
    for (age, a, b) in ages.into_iter().filter(|&(_, a, b)| rose(a, b, d.due)) {
        worst.push(match counted {
            false => format!(
                "{} of its connections {age} old or older for an hour or more that day",
                n(a)
            ),
            true => format!("{} {age} old or older", n(a)),
        });
        was.push(match counted {
            false if b == 1 => format!("1 connection {age} old or older"),
            false => format!("{} connections {age} old or older", n(b)),
            true => format!("{} {age} old or older", n(b)),
        });
        columns.push(match age {
            "two days" => "`stale_48h_connections`",
            _ => "`stale_24h_connections`",
        });
        counted = true;
    }
    if !later.is_empty() && !columns.contains(&"`stale_48h_connections`") {
        columns.push("`stale_48h_connections`");
    }
    let worst = match (worst.is_empty(), later.is_empty()) {
        (true, true) => return Counts::default(),
        (true, false) => format!(" ({later})"),
        (false, true) => format!(" ({})", worst.join(", ")),
        (false, false) => format!(" ({}; {later})", worst.join(", ")),
    };
    let usual = match was.is_empty() {
        true => String::new(),
        false => format!(" (day {}: {})", w.low_day, was.join(", ")),
    };
    Counts {
        worst,
        usual,
        columns,
    }
}

/// The worst `day`'s and the usual day's coverage of each period, where daily.csv has it (a
/// client refreshing more often than daily), with the day's coverage where that read more
/// (one success a day: a trial's outage day read 100 % with half its periods lost).
fn periods(w: &WorstDay, r: &RunData, day: usize) -> Counts {
    let row = |at: usize| (r.daily.iter()).find(|d| d.day == at && d.bank == w.bank);
    let (Some(d), Some(usual)) = (row(day), row(w.low_day)) else {
        return Counts::default();
    };
    let (Some(a), Some(b)) = (d.period_coverage, usual.period_coverage) else {
        return Counts::default();
    };
    let whole = match d.coverage > a + 0.005 {
        true => format!(
            "; its day's coverage, one success a day, read {}",
            pct(d.coverage)
        ),
        false => String::new(),
    };
    Counts {
        worst: format!(" ({} of its periods covered{whole})", pct(a)),
        usual: format!(" (day {}: {} of its periods)", w.low_day, pct(b)),
        columns: vec!["`period_coverage`"],
    }
}

/// Whether a count of connections rose from the usual day's `b` to `a`: by a tenth of it and
/// a thousandth of the bank's `due` connections or more (at least one: a trial's parenthesis
/// led with 2 connections two days old against 1).
fn rose(a: u64, b: u64, due: u64) -> bool {
    a > b && (a - b) as f64 >= (0.1 * b as f64).max(0.001 * due as f64).max(1.0)
}

/// Where the share came back within a point while connections two days old had not (more
/// than a hundredth of the bank's due connections over the usual day's): ", though 17,483
/// of its connections were still two days old or older that day, down to 600 on day 7", or
/// "… that day and 3,859 on day 6, the last measured day" (a trial's cut read "back" with
/// 47,938 of a bank's connections still two days old). Empty otherwise.
fn tail(w: &WorstDay, r: &RunData, back: usize) -> String {
    let rows = || (r.daily.iter()).filter(|d| d.bank == w.bank && d.measured);
    let row = |at: usize| rows().find(|d| d.day == at);
    let (Some(usual), Some(b)) = (row(w.low_day), row(back)) else {
        return String::new();
    };
    let near = |x: &DailyRow| !two_days_behind(x, usual);
    if b.stale_24h_connections == 0 || near(b) {
        return String::new();
    }
    let n = |x: u64| thousands(x as f64);
    let mut after: Vec<&DailyRow> = rows().filter(|d| d.day > back).collect();
    after.sort_by_key(|d| d.day);
    let then = match (after.iter().find(|x| near(x)), after.last()) {
        (Some(x), _) => format!(", down to {} on day {}", n(x.stale_48h_connections), x.day),
        (None, Some(x)) => format!(
            " and {} on day {}, the last measured day",
            n(x.stale_48h_connections),
            x.day
        ),
        (None, None) => String::new(),
    };
    format!(
        ", though {} of its connections were still two days old or older that day{then}",
        n(b.stale_48h_connections)
    )
}

/// Whether day `d` holds more connections two days old than the `usual` day by over a
/// hundredth of its due connections: a backlog the day-old share does not show.
fn two_days_behind(d: &DailyRow, usual: &DailyRow) -> bool {
    d.stale_48h_connections as f64 > usual.stale_48h_connections as f64 + 0.01 * d.due as f64
}

/// On the last measured day, still not back: its connections two days old, where more than
/// a hundredth of its due over the usual day's (a trial's queue still held 1,630 of a bank's
/// connections two days old at the end, said only as a share of time). Empty otherwise.
fn held_back(w: &WorstDay, r: &RunData, last: usize) -> String {
    let row = |at: usize| (r.daily.iter()).find(|d| d.day == at && d.bank == w.bank);
    let (Some(usual), Some(d)) = (row(w.low_day), row(last)) else {
        return String::new();
    };
    match d.stale_24h_connections > 0 && two_days_behind(d, usual) {
        true => format!(
            ", with {} of its connections two days old or older",
            thousands(d.stale_48h_connections as f64)
        ),
        false => String::new(),
    }
}

/// The other days the bank rose five points or more, outside its worst's run of days:
/// "; it rose five points or more above that on day 6 too (17.21 %)". Empty where none.
fn also(w: &WorstDay) -> String {
    let others = w.others();
    if others.is_empty() {
        return String::new();
    }
    let days: Vec<String> = others.iter().map(|d| d.0.to_string()).collect();
    let shares: Vec<String> = others.iter().map(|d| pct(d.1)).collect();
    let s = if others.len() > 1 { "s" } else { "" };
    format!(
        "; it rose five points or more above that on day{s} {} too ({})",
        and_list(&days),
        and_list(&shares)
    )
}

fn sentence(w: &WorstDay, r: &RunData, whose: &str, m: Measure) -> String {
    let (day, high) = w.days[w.worst];
    let after = &w.days[w.worst + 1..];
    let back = after.iter().find(|d| d.1 <= w.low + BACK).map(|d| d.0);
    // Up to the day before the recovery, or before the last measured day (whose own count
    // the end says: a review read one count twice).
    let until = (back.or(after.last().map(|d| d.0))).map_or(day, |b| (b - 1).max(day));
    let day_old = m == Measure::DayOld;
    let mut counts = match day_old {
        true => counts(w, r, day, until),
        false => periods(w, r, day),
    };
    let tail = (back.filter(|_| day_old)).map_or(String::new(), |back| tail(w, r, back));
    if !tail.is_empty() && !counts.columns.contains(&"`stale_48h_connections`") {
        counts.columns.push("`stale_48h_connections`");
    }
    let end = match back {
        Some(back) if w.before => format!("was back within a point of that on day {back}{tail}"),
        Some(back) => format!("was within a point of that on day {back}{tail}"),
        None => match after.last() {
            Some(&(last, x)) => {
                let held = match day_old {
                    true => held_back(w, r, last),
                    false => String::new(),
                };
                if !held.is_empty() && !counts.columns.contains(&"`stale_48h_connections`") {
                    counts.columns.push("`stale_48h_connections`");
                }
                format!(
                    "was still {} on day {last}, the last measured day{held}",
                    pct(x)
                )
            }
            None => "the measured days ended that day".into(),
        },
    };
    // Where it was up before its worst day (a week's rate cut peaking on its second day), the
    // first day of that run: a day more than a point above the usual ("was up from day 3,
    // rising to"; a trial read "after 15.11 % on day 3, the first day it was up" as hard to
    // parse).
    let since = (w.days[..w.worst].iter().rev())
        .take_while(|d| w.before && d.1 > w.low + BACK)
        .last();
    let end = format!("{end}{}", also(w));
    let (rose, usual) = match (w.before, since) {
        (true, Some(&(d, _))) => (
            format!("was up from day {d}, rising to"),
            "its best day before it",
        ),
        (true, None) => ("rose to".into(), "its best day before it"),
        (false, _) => (
            "was".into(),
            "its best day after it (this the first day counted)",
        ),
    };
    // The columns quoted: the counts and the opens only where the day had them.
    let (column, of, why) = m.cited();
    let columns: Vec<String> = std::iter::once(column)
        .chain(counts.columns.iter().copied())
        .map(String::from)
        .collect();
    capitalise(&format!(
        "{whose}at {}, {} {rose} {}{of} on day {day}{}, against {}{} on {usual}, and {end} \
         (daily.csv's {}{why}).",
        w.bank,
        m.what(),
        pct(high),
        counts.worst,
        pct(w.low),
        counts.usual,
        and_list(&columns),
    ))
}

#[cfg(test)]
mod tests;
