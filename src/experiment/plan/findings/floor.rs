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
         maintenance windows {} of attempts (a floor of {}), kept apart from the client's own \
         429s ({}); consent expiry ends {} of attempts in reconnect_required{pause}{stops}",
        pct(f.mean(Figure::ErrorRate)),
        pct(outage),
        pct(f.mean(Figure::FailureFloor)),
        pct(f.mean(Figure::ClientFailureRate)),
        pct(f.mean(Figure::ReconnectRate))
    )
}
