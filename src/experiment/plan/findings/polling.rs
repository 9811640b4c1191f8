//! What polling costs a client whose slots wait for outcomes. A queued worker's slot is held
//! from the submission to the poll after the call ends, so with polls far apart beside short
//! calls a queue needs several slots for each call in flight: a fact of learning by polling
//! (the platform's choice, `platform.status`), not of the banks. A trial's 24 workers, each
//! holding its slot through a 10 s poll for a 1.5 s call, averaged about 4 calls in flight.

use super::super::Plan;
use crate::platform::StatusMode;
use crate::scenario::Scenario;

/// Where outcomes are learned by polling and a slot is held at least twice the banks' mean
/// call (the poll after a call of the mean length), and the recommendation or the scenario's
/// own client holds slots: how long, and that a platform calling back frees them at the
/// call's end.
pub(super) fn polling_finding(p: &Plan, sc: &Scenario) -> Option<String> {
    let StatusMode::Poll { interval, first } = sc.platform.status else {
        return None;
    };
    if !p.recommendation.strategy.has_slots() && !p.current.strategy.has_slots() {
        return None;
    }
    let call: f64 = (sc.banks.iter())
        .map(|b| b.share * b.service_time.mean_secs())
        .sum();
    let (after, every) = (first.as_secs_f64(), interval.as_secs_f64());
    let hold = match call <= after {
        true => after,
        false => after + every * ((call - after) / every).ceil(),
    };
    (hold >= 2.0 * call).then(|| {
        format!(
            "outcomes are learned by polling (first after {first}, then every {interval}) while \
             the banks' calls take {call:.1} s on average: a queued worker's slot is held until \
             the poll after its call ends, about {hold:.0} s, {:.1} times the call, so a queue \
             needs that many slots for each call in flight; a platform that calls back frees \
             the slot at the call's end (where the aggregator offers it: compare with --set \
             platform.status=callback)",
            hold / call
        )
    })
}
