//! What the fit leaves at defaults, said plainly.
//!
//! The scenario `fit` writes differs from the client's own beyond the banks and customers: it
//! has no time-of-day limits but a token bucket over one band of hours, nor internal servers (nor penalty boxes whose 429s carry no
//! Retry-After), and its retrying workers keep their slots, because a log does not
//! determine them or the fit does not try (nor joins, in a log without a `reason` column).
//! Left unsaid, a user comparing a run of the fitted file with their own would find figures
//! that differ for reasons no number in the file shows. So the file's header lists them, and
//! the summary says the same in one line.
//!
//! A bank whose 503s of a closed bank recur on two days or more within one run of whole
//! hours gets that run as its maintenance window, in its `limits`, said to be a lower bound
//! (the hours the client happened to call in): left out, the window made a trial's plan
//! promise "maintenance 0.00 %" where a quarter of a bank's nights were closed, and none is
//! a worse bound than those hours. 503s on one day only (an incident, perhaps) or in no one
//! run are a commented-out suggestion, listed as not fitted.

use super::log::Row;
use super::{BankFit, Fit};
use std::fmt::Write as _;

const HOUR_US: i64 = 3_600_000_000;
const DAY_US: i64 = 24 * HOUR_US;

/// What the log shows of what the fit leaves at defaults, over the whole log.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Unfitted {
    /// Whether joins were told apart (the log has a `reason` column).
    pub reasons: bool,
}

/// The hours of the day in which a bank's 503s (a closed bank) fell.
#[derive(Clone, Debug, PartialEq)]
pub struct ClosedHours {
    pub count: u64,
    /// Calendar days with a 503.
    pub days: usize,
    /// Runs of whole hours `[start, end)` holding every 503 (end up to 24), in order; one run
    /// across midnight is two.
    pub runs: Vec<(u8, u8)>,
    /// Whether the 503s fall in one run of at most 12 consecutive hours (across midnight or
    /// not): a window to suggest.
    pub one_window: bool,
}

impl ClosedHours {
    /// Whether the 503s are a daily maintenance window to fit: one run of hours, on two
    /// days or more.
    pub fn window(&self) -> bool {
        self.one_window && self.days >= 2
    }
}

/// Whether the log tells joins apart.
pub fn unfitted(reasons: bool) -> Unfitted {
    Unfitted { reasons }
}

/// The whole hours of the day that hold the 503s submitted at `times` (µs from a midnight).
pub fn closed_hours(times: &[i64]) -> Option<ClosedHours> {
    if times.is_empty() {
        return None;
    }
    let mut hours = [false; 24];
    for &t in times {
        hours[(t.rem_euclid(DAY_US) / HOUR_US) as usize] = true;
    }
    let empty = (0..24).find(|&h| !hours[h]);
    let (runs, one_window) = match empty {
        Some(empty) => runs_after(&hours, empty),
        None => (vec![(0, 24)], false),
    };
    // Days counted from an hour with no 503s, so that one night's window across midnight is
    // one day, not two (a single incident is no daily window).
    let origin = empty.unwrap_or(0) as i64 * HOUR_US;
    let days: std::collections::BTreeSet<i64> = times
        .iter()
        .map(|t| (t - origin).div_euclid(DAY_US))
        .collect();
    Some(ClosedHours {
        count: times.len() as u64,
        days: days.len(),
        runs,
        one_window,
    })
}

/// The client's band of hours (`strategy.hours`): the day less its longest stretch of hours
/// without its first attempts (customers' calls apart; an hour with under a thousandth of
/// them counts as without: a worker's submission at the band's last instant), when the
/// client did not get through its book each day (its first attempts under nine tenths of the
/// connections a day), as a job its band cuts off does not, and a pass that finished early
/// does; across midnight, `from > to` (22:00–06:00 is `(22, 6)`). A trial's nightly job,
/// 01:00–06:00, was fitted as a queue working all day.
pub fn client_band(rows: &[Row], connections: usize, span_days: f64) -> Option<(u8, u8)> {
    // A log of under a day has not seen every hour: an hour it missed is no idle one.
    if span_days < 1.0 {
        return None;
    }
    let mut per_hour = [0u64; 24];
    let mut days = std::collections::BTreeSet::new();
    for r in rows.iter().filter(|r| r.attempt == 1 && !r.on_demand) {
        per_hour[(r.submitted.rem_euclid(DAY_US) / HOUR_US) as usize] += 1;
        days.insert(r.submitted.div_euclid(DAY_US));
    }
    let total: u64 = per_hour.iter().sum();
    // Over the days it worked (a span's first to last submission undercounts them).
    if total as f64 >= 0.9 * connections as f64 * days.len() as f64 {
        return None;
    }
    let idle: [bool; 24] = std::array::from_fn(|h| per_hour[h] * 1000 < total);
    // The longest circular run of idle hours: (its first hour, its length).
    let (start, len) = (0..24)
        .map(|h| (h, (0..24).take_while(|k| idle[(h + k) % 24]).count()))
        .filter(|&(h, len)| len > 0 && !idle[(h + 23) % 24])
        .max_by_key(|&(h, len)| (len, std::cmp::Reverse(h)))?;
    let (from, to) = ((start + len) % 24, start);
    let to = if to == 0 { 24 } else { to };
    (len < 24).then_some((from as u8, to as u8))
}

/// The runs of consecutive hours set in `hours`, read from the hour after `empty` (one that
/// is not set) so that a run across midnight is found whole, then written as the model
/// writes windows, within the day; and whether there is one run of at most 12 hours.
fn runs_after(hours: &[bool; 24], empty: usize) -> (Vec<(u8, u8)>, bool) {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for h in (1..=24).map(|k| (empty + k) % 24).filter(|&h| hours[h]) {
        match runs.last_mut() {
            Some(r) if r.1 % 24 == h => r.1 = h + 1,
            _ => runs.push((h, h + 1)),
        }
    }
    let one_window = runs.len() == 1 && (runs[0].1 + 24 - runs[0].0) % 24 <= 12;
    let mut split: Vec<(u8, u8)> = Vec::new();
    for (a, b) in runs {
        if b > a {
            split.push((a as u8, b as u8));
        } else {
            split.extend(
                [(a as u8, 24), (0, b as u8)]
                    .into_iter()
                    .filter(|r| r.1 > r.0),
            );
        }
    }
    split.sort_unstable();
    (split, one_window)
}

fn hours_text(runs: &[(u8, u8)]) -> String {
    let each: Vec<String> = runs
        .iter()
        .map(|(a, b)| format!("{a:02}:00–{b:02}:00"))
        .collect();
    each.join(" and ")
}

/// The fitted maintenance window (its runs of hours, within the day), as lines of a bank's
/// `limits`, with its evidence; `None` unless the 503s are one ([`ClosedHours::window`]).
pub fn closed_limits(c: &ClosedHours) -> Option<String> {
    if !c.window() {
        return None;
    }
    let mut s = String::new();
    for (a, b) in &c.runs {
        let _ = writeln!(
            s,
            "  {{ kind = \"maintenance\", start = \"{a:02}:00\", end = \"{b:02}:00\" }},  # {} 503s \
             of a closed bank on {} days, all within {}: at least those hours (the client called \
             in no others)",
            c.count,
            c.days,
            hours_text(&c.runs)
        );
    }
    Some(s)
}

/// The commented-out maintenance window(s) to copy into a bank's `limits`, or what its 503s
/// showed when they fall in no one window; nothing when they are fitted.
pub fn closed_note(c: &ClosedHours) -> String {
    if c.window() {
        return String::new();
    }
    let mut s = String::new();
    let said = format!(
        "NOT FITTED: {} 503s of a closed bank (a maintenance window), on {} day(s), all within {}",
        c.count,
        c.days,
        hours_text(&c.runs)
    );
    if !c.one_window {
        let why = "no one window of at most 12 whole hours holds them, so none is fitted.";
        comment(&mut s, &format!("{said}: {why}"));
        return s;
    }
    comment(
        &mut s,
        &format!(
            "{said}. One day's 503s may be an incident rather than a daily window, which would \
             be at least those hours (the client called in no others); to model one, add to \
             limits:"
        ),
    );
    for (a, b) in &c.runs {
        let _ = writeln!(
            s,
            "#     {{ kind = \"maintenance\", start = \"{a:02}:00\", end = \"{b:02}:00\" }},"
        );
    }
    s
}

/// `text` as comment lines of at most 95 columns, continuations indented.
pub(super) fn comment(s: &mut String, text: &str) {
    let mut line = String::from("#");
    for word in text.split(' ') {
        if line.chars().count() + 1 + word.chars().count() > 95 && line.len() > 4 {
            let _ = writeln!(s, "{line}");
            line = String::from("#  ");
        }
        line.push(' ');
        line.push_str(word);
    }
    let _ = writeln!(s, "{line}");
}

/// The file's header lines: what is left at defaults, and what the log showed of it.
pub fn header(fit: &Fit) -> String {
    let u = &fit.unfitted;
    let mut s = String::from("#\n");
    let items = [
        "NOT FITTED, left at their defaults (a log does not determine them; set them by hand):"
            .to_string(),
        match (closed_banks(fit, false), closed_banks(fit, true)) {
            (Some(left), fitted) => format!(
                "- maintenance windows: none for the 503s of a closed bank at {left} (on one day \
                 only, or in no one run of hours: the bank's section says what they showed){}.",
                fitted.map_or(String::new(), |f| format!(
                    "; fitted for {f}, at least those hours"
                ))
            ),
            (None, Some(f)) => format!(
                "- maintenance windows in hours the client never called in (the log cannot show \
                 them); those its 503s show are fitted ({f}), at least those hours."
            ),
            (None, None) => {
                "- maintenance windows: none (the log has no 503s of a closed bank).".into()
            }
        },
        "- time-of-day (`during`) limits but a token bucket over one band of whole hours \
         within the day, maintenance slowdowns and internal servers \
         (`servers`), penalty boxes whose 429s carry no Retry-After (and how many rejections \
         a fitted box waits for: `after`, fitted as the first), limits for one kind \
         of call (`applies_to`) other than a token bucket counting the unattended calls alone, and a \
         rate limit on given \
         days (`days`: a day's rate cut, an incident): never fitted; they show as \
         429s that no policy explains and as longer latencies."
            .to_string(),
        match fit.retries {
            Some(_) => "- whether a worker waiting to retry kept its slot ([retry] backoff_slot: \
                        \"hold\", the default; a log does not say), and how customers' requests \
                        reach the bank (on_demand.lane: direct, outside the client's slots)."
                .to_string(),
            None => "- how customers' requests reach the bank (on_demand.lane: direct, outside \
                     the client's slots); no retry policy in the log ([retry]: none)."
                .to_string(),
        },
    ];
    for item in items.iter().chain(&joins_item(u)) {
        comment(&mut s, item);
    }
    s
}

/// Without a `reason` column, a link cannot be told from a connection present from the start.
fn joins_item(u: &Unfitted) -> Option<String> {
    (!u.reasons).then(|| {
        "- customers who join: none ([population] join_share); the log has no `reason` column, \
         so a connection's first call (a link fetch) cannot be told from one present from the \
         start: every connection seen is taken as present, its link fetch as a request."
            .to_string()
    })
}

/// The summary's line saying the same.
pub fn line(fit: &Fit) -> String {
    let u = &fit.unfitted;
    format!(
        "not fitted, left at defaults (the file's header lists them): {}time-of-day limits \
         but one bucket over a band of hours, internal servers, penalty boxes without Retry-After{}{}",
        match (closed_banks(fit, false), closed_banks(fit, true)) {
            (Some(b), _) => format!("maintenance windows (503s of a closed bank: {b}); "),
            (None, Some(_)) => String::new(),
            (None, None) => "maintenance windows (no 503s of a closed bank in the log); ".into(),
        },
        match fit.retries {
            Some(_) => "; whether a worker waiting to retry kept its slot",
            None => "",
        },
        if u.reasons {
            ""
        } else {
            "; joins (no `reason` column)"
        }
    )
}

/// The banks with 503s of a closed bank and their hours, if any: those whose window is
/// fitted (`fitted`), or the others.
fn closed_banks(fit: &Fit, fitted: bool) -> Option<String> {
    let each: Vec<String> = fit
        .banks
        .iter()
        .filter_map(|b: &BankFit| {
            let c = b.closed.as_ref().filter(|c| c.window() == fitted)?;
            Some(format!(
                "{} {} within {}",
                b.name,
                c.count,
                hours_text(&c.runs)
            ))
        })
        .collect();
    (!each.is_empty()).then(|| each.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: i64, m: i64) -> i64 {
        h * HOUR_US + m * 60_000_000
    }

    /// A job its band cuts off (a few of the book a day, within 01:00–06:00, quiet at 02:00
    /// while its workers wait out a window, one submission at 06:00:00) is fitted its band;
    /// one that got through its book, or works all day, is not; one across midnight is, as
    /// the model takes it (22:00–02:00).
    #[test]
    fn a_client_cut_off_by_its_band_is_fitted_it() {
        let rows = |hours: &[(i64, usize)], days: i64| {
            let mut out = Vec::new();
            for d in 0..days {
                for &(h, n) in hours {
                    for i in 0..n {
                        let t = d * DAY_US + h * HOUR_US + i as i64 * 1_000_000;
                        out.push(Row {
                            submitted: t,
                            learned: t + 10_000_000,
                            conn: i as u32,
                            bank: 0,
                            seen: super::super::log::Seen::Success,
                            retry_after: None,
                            attempt: 1,
                            on_demand: false,
                            reason: crate::sim::Reason::Schedule,
                        });
                    }
                }
            }
            out
        };
        let night = rows(&[(1, 900), (3, 1000), (4, 1000), (5, 1000), (6, 1)], 3);
        assert_eq!(client_band(&night, 100_000, 3.0), Some((1, 6)));
        // A log of under a day has not seen the hours it would call idle.
        assert_eq!(client_band(&night, 100_000, 0.5), None);
        // Through its book: a pass that finished early.
        assert_eq!(client_band(&night, 3_500, 3.0), None);
        let all_day: Vec<(i64, usize)> = (0..24).map(|h| (h, 100)).collect();
        assert_eq!(client_band(&rows(&all_day, 3), 100_000, 3.0), None);
        let across = rows(&[(22, 1000), (23, 1000), (0, 1000), (1, 1000)], 3);
        assert_eq!(client_band(&across, 100_000, 3.0), Some((22, 2)));
    }

    #[test]
    fn closed_hours_are_the_whole_hours_holding_the_503s() {
        let c = closed_hours(&[at(2, 5), at(2, 59), at(24 + 2, 30)]).unwrap();
        assert_eq!(
            (c.count, c.days, c.runs.clone(), c.one_window),
            (3, 2, vec![(2, 3)], true)
        );
        // Across midnight: one window, written as two.
        let c = closed_hours(&[at(23, 10), at(24, 20), at(48 + 1, 0)]).unwrap();
        assert_eq!(
            (c.runs.clone(), c.one_window, c.days),
            (vec![(0, 2), (23, 24)], true, 2)
        );
        // One night across midnight is one day's 503s: no daily window.
        let c = closed_hours(&[at(23, 10), at(24, 20), at(25, 0)]).unwrap();
        assert_eq!((c.days, c.window()), (1, false));
        // Scattered: no window to suggest.
        let c = closed_hours(&[at(1, 0), at(7, 0)]).unwrap();
        assert_eq!(
            (c.runs.clone(), c.one_window),
            (vec![(1, 2), (7, 8)], false)
        );
        assert_eq!(closed_hours(&[]), None);
    }
}
