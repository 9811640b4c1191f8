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
    let tried = p.candidates.iter().any(|e| e.pause);
    let pause = match outage > 0.0 && !r.pause && pausing_can_matter(sc) {
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
}
