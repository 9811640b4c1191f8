//! The failures the client's pace does not cause (5xx errors, maintenance rejections), and
//! how a client meets fewer of the latter: pausing on a Retry-After, or a pace by the hour.

use super::super::search::pausing_can_matter;
use super::super::{Figure, Plan};
use crate::output::text::pct;
use crate::scenario::Scenario;

/// The failures the client's pace does not cause (5xx, maintenance), and how to meet fewer
/// of the latter.
/// (A client pausing on Retry-After meets fewer maintenance rejections: said when the
/// recommendation does not pause and pausing could change something.)
pub(super) fn floor_finding(p: &Plan, sc: &Scenario) -> String {
    let r = &p.recommendation;
    let f = &r.figures;
    let outage = f.mean(Figure::OutageRate);
    let tried = p.candidates.iter().any(|e| e.conduct.pause);
    let pause = match outage > 0.0 && !r.conduct.pause && pausing_can_matter(sc) {
        false => "",
        true if tried => {
            "; a client that pauses a bank on a Retry-After meets far fewer maintenance \
             rejections: the settings searched include such clients (\"pausing on Retry-After\"), \
             not chosen for the targets"
        }
        true => {
            "; a client that pauses a bank on a Retry-After (strategy.pause_on_retry_after = \
             true) meets far fewer maintenance rejections"
        }
    };
    // A pace that stops in the windows' hours (a profile with weight 0 there, daily periods
    // only) meets few: worth saying where they are half a percent of attempts or more.
    let daily = sc.schedule.period == crate::time::SimDuration::from_hours(24);
    let hourly = p
        .candidates
        .iter()
        .any(|e| e.strategy.pace_profiles().is_some());
    let stops = match (outage >= 0.005 && daily, hourly) {
        (false, _) => "",
        (true, true) => {
            "; paced settings by the hour were searched (\"by the hour\"), not chosen for the \
             targets: one whose pace profile (strategy.pace_profiles, the windowed bank's) \
             stops in the windows' hours meets few of them"
        }
        (true, false) => {
            "; a paced client whose pace profile (strategy.pace_profiles, the windowed bank's) \
             stops in the windows' hours meets few of them"
        }
    };
    format!(
        "failures the client's pace does not cause: 5xx errors {} and rejections during \
         maintenance windows {} of attempts (a floor of {}, of this client's attempts: \
         5xx errors fall on the calls a bank admits, so a client refused more reads a \
         smaller share), kept apart from the client's own 429s ({}); consent expiry ends {} \
         of attempts in reconnect_required{pause}{stops}",
        pct(f.mean(Figure::ErrorRate)),
        pct(outage),
        pct(f.mean(Figure::FailureFloor)),
        pct(f.mean(Figure::ClientFailureRate)),
        pct(f.mean(Figure::ReconnectRate))
    )
}

/// A rate policy on given days (an incident, a bank cutting its rate for a day): its 429s
/// come whatever the client does, but count among the client's own, which the failure bound
/// judges, unlike a maintenance window's 503s (a trial's plan chose a client for its fewer
/// 429s on the incident's day, covering less); and the ceilings leave it out.
pub(super) fn incident_finding(sc: &Scenario) -> Option<String> {
    let dated: Vec<String> = (sc.banks.iter())
        .flat_map(|b| {
            (b.limits.iter().enumerate())
                .filter(|(_, l)| matches!(l.unscoped(), crate::bank::Limit::Dated { .. }))
                .map(move |(i, _)| format!("banks.{}.limits[{i}]", b.name))
        })
        .collect();
    (!dated.is_empty()).then(|| {
        format!(
            "{} {} a rate policy on given days (an incident): its 429s on those days come \
             whatever the client does, yet count among the client's own 429s, which the \
             failure bound judges (a maintenance window's 503s are kept apart), so a bound \
             may be out of reach or favour a client that sends less that day; the ceilings \
             leave it out. Plan on the scenario without it, and compare clients on the \
             incident with `compare` and `daily.csv`",
            dated.join(", "),
            if dated.len() == 1 { "is" } else { "are" }
        )
    })
}

/// A maintenance window on given days (a bank's outage, or a weekly night given by its
/// days): the ceilings count every day's steady capacity and leave it out, so a bank's
/// ceiling, and what "a client can reach" there, overstate those days (a trial's bank closed
/// 01:00–04:00 one night of eight, three of its client's six hours, read a ceiling of 100 %
/// where it covered 75.49 % that day). Only its days within the measured days, and where
/// its hours meet the client's band.
pub(super) fn dated_window_finding(sc: &Scenario) -> Option<String> {
    const DAY: u64 = crate::time::DAY_US;
    let start = (sc.window_start + sc.warmup).as_micros();
    let end = (sc.window_start + sc.window).as_micros();
    let band = sc.schedule.band_or_day();
    // Spans of the day, each past midnight where it crosses it, meet on some day.
    let meet = |(a, b): (u64, u64)| {
        [0, DAY, 2 * DAY]
            .iter()
            .any(|&s| (a + s < band.1 && band.0 < b + s) || (band.0 + s < b && a < band.1 + s))
    };
    let dated: Vec<String> = (sc.banks.iter())
        .flat_map(|b| {
            (b.limits.iter().enumerate()).filter_map(move |(i, l)| match l.unscoped() {
                crate::bank::Limit::Maintenance(m) if !m.every_day() && meet(m.span_us()) => {
                    let (from, to) = m.span_us();
                    let at = |us: u64| crate::time::SimDuration(us).time_of_day();
                    let days: Vec<u64> = (m.days().iter().map(|&d| d as u64))
                        .filter(|&d| d * DAY + from < end && d * DAY + to > start)
                        .collect();
                    if days.is_empty() {
                        return None;
                    }
                    // daily.csv's days run 24 h from the window's start.
                    let ws = sc.window_start.as_micros();
                    let mut csv: Vec<u64> = (days.iter())
                        .flat_map(|&d| {
                            let first = (d * DAY + from).max(ws) - ws;
                            let last = (d * DAY + to).min(end) - 1 - ws;
                            first / DAY..=last / DAY
                        })
                        .collect();
                    csv.dedup();
                    let csv = match csv == days {
                        true => String::new(),
                        false => format!(": daily.csv's {}", day_list(&csv)),
                    };
                    Some(format!(
                        "banks.{}.limits[{i}] ({}–{} on {}{csv})",
                        b.name,
                        at(from),
                        at(to),
                        day_list(&days)
                    ))
                }
                _ => None,
            })
        })
        .collect();
    (!dated.is_empty()).then(|| {
        format!(
            "{} {} a maintenance window on given days: the ceilings count each day's steady \
             capacity and leave it out, so a bank's ceiling, and what a client can reach \
             there, overstate those days; read them, and the day after (a pass the window cut \
             short may carry its leftovers), in daily.csv, and for a window that recurs (a \
             weekly night), plan on the scenario with it every day for the worst night",
            dated.join(", "),
            if dated.len() == 1 { "is" } else { "are" }
        )
    })
}

/// "day 6", "days 2, 5".
fn day_list(days: &[u64]) -> String {
    let list: Vec<String> = days.iter().map(|d| d.to_string()).collect();
    format!(
        "day{} {}",
        if days.len() == 1 { "" } else { "s" },
        list.join(", ")
    )
}

#[cfg(test)]
mod tests {
    /// A dated rate policy is named, with why the failure bound may be out of reach; a
    /// scenario without one has no such finding.
    #[test]
    fn an_incident_of_a_rate_is_said() {
        let text = |days: &str| {
            format!(
                "[window]\nlength = \"1d\"\n[population]\nconnections = 100\n[strategy]\nkind = \"queued\"\nconcurrency = 2\n\
                 [[banks]]\nname = \"b\"\nshare = 1.0\n\
                 service_time = {{ dist = \"constant\", value = \"1s\" }}\n\
                 limits = [{{ kind = \"token_bucket\", rate = 0.5, burst = 2{days} }}]\n"
            )
        };
        let sc = |days: &str| crate::scenario::parse(&text(days), "t", "t", &[]).unwrap();
        let said = super::incident_finding(&sc(", days = [2]")).unwrap();
        assert!(
            said.starts_with("banks.b.limits[0] is a rate policy on given days"),
            "{said}"
        );
        assert!(said.contains("count among the client's own 429s"), "{said}");
        assert_eq!(super::incident_finding(&sc("")), None);
    }

    /// A maintenance window on given days is named with its hours and days, the ceilings
    /// said to leave it out; one every day (which they count) is not.
    #[test]
    fn a_dated_window_is_said() {
        let text = |days: &str| {
            format!(
                "[window]\nlength = \"8d\"\n[population]\nconnections = 100\n\
                 [strategy]\nkind = \"queued\"\nconcurrency = 2\n\
                 [[banks]]\nname = \"cba\"\nshare = 1.0\n\
                 service_time = {{ dist = \"constant\", value = \"1s\" }}\n\
                 limits = [{{ kind = \"maintenance\", start = \"01:00\", end = \"04:00\"{days} }}]\n"
            )
        };
        let sc = |days: &str| crate::scenario::parse(&text(days), "t", "t", &[]).unwrap();
        let said = super::dated_window_finding(&sc(", days = [6]")).unwrap();
        assert!(
            said.starts_with(
                "banks.cba.limits[0] (01:00–04:00 on day 6) is a maintenance window on given days: \
                 the ceilings count each day's steady capacity and leave it out"
            ),
            "{said}"
        );
        let two = super::dated_window_finding(&sc(", days = [2, 5]")).unwrap();
        assert!(
            two.starts_with("banks.cba.limits[0] (01:00–04:00 on days 2, 5) is"),
            "{two}"
        );
        assert_eq!(super::dated_window_finding(&sc("")), None);
        // Days past the window are left out, and a window entirely so is not said.
        let late = super::dated_window_finding(&sc(", days = [5, 40]")).unwrap();
        assert!(
            late.starts_with("banks.cba.limits[0] (01:00–04:00 on day 5) is"),
            "{late}"
        );
        assert_eq!(super::dated_window_finding(&sc(", days = [40]")), None);
        // Nor one outside the client's band of hours, whichever side of midnight.
        let banded = |band: &str| {
            let text = text(", days = [5]").replace(
                "concurrency = 2\n",
                &format!("concurrency = 2\nhours = {band}\n"),
            );
            let sc = crate::scenario::parse(&text, "t", "t", &[]).unwrap();
            super::dated_window_finding(&sc)
        };
        assert_eq!(banded("[\"06:00\", \"22:00\"]"), None);
        assert!(banded("[\"23:00\", \"02:00\"]").is_some());
        assert!(banded("[\"03:00\", \"08:00\"]").is_some());
        // A window starting at 22:00: daily.csv's days run from it, and are said.
        let text =
            text(", days = [6]").replace("length = \"8d\"", "start = \"22:00\"\nlength = \"8d\"");
        let sc = crate::scenario::parse(&text, "t", "t", &[]).unwrap();
        let night = super::dated_window_finding(&sc).unwrap();
        assert!(
            night.starts_with("banks.cba.limits[0] (01:00–04:00 on day 6: daily.csv's day 5) is"),
            "{night}"
        );
    }
}
