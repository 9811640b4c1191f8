//! After a run: a queue that does not retry a 429 and spent most of its attempts at a bank on
//! connections that bank had just refused. Such a queue takes a refused connection again as
//! soon as its turn comes round, and once a pass has gone by only refused connections are
//! left, so its slots take them again as fast as they learn each refusal (uk-mix's queue of
//! 64: 405,116 attempts at its building society for 109,689 successes). A client that writes
//! its failures back to the queue this way does that, so the figures are the client's, not an
//! artefact; but a job queue without retries more often drops a failed job until its next
//! run (`strategy.on_failure = "next_period"`), and a planner should know which one the
//! figures describe.

use super::text::{pct, thousands};
use crate::metrics::{RunResult, Tally};
use crate::scenario::Scenario;
use crate::strategy::{OnFailure, Strategy};

/// The bank whose 429s from the client's own calls were, at the most, as many as its
/// successes or more (two attempts or more a success), where the client is a queue with slots
/// (not a pace, which keeps its pace whatever it meets), not looping, without a `[retry]`
/// policy for 429s, whose failures go back to the queue: which bank, its figures, and the settings
/// that leave failures be.
pub fn requeued_note(sc: &Scenario, r: &RunResult) -> Option<String> {
    let slots = matches!(
        sc.strategy,
        Strategy::Queued { .. } | Strategy::PerBank { .. } | Strategy::Aimd(_)
    );
    let requeues = sc.schedule.on_failure == OnFailure::Requeue && !sc.schedule.looping;
    if !slots || !requeues || (sc.retry.enabled() && sc.retry.on_rate_limited) {
        return None;
    }
    let own = |t: &Tally| t.rate_limited - t.outage_rejected;
    let (b, t) = (r.banks.iter().enumerate())
        .filter(|(_, t)| own(t) > 0 && own(t) >= t.successes)
        .max_by(|x, y| {
            x.1.client_failure_rate()
                .total_cmp(&y.1.client_failure_rate())
        })?;
    let kind = sc.strategy.name();
    Some(format!(
        "{}: {} of the client's {} attempts there were 429s ({}) for {} successes: a queue \
         that does not retry a 429 sends the refused connection to the back of the queue, and \
         once a pass \
         has gone by only refused connections are left, so its slots take them again as fast \
         as they learn each refusal; a client that backs off ([retry]) or leaves a failure to \
         the next period (strategy.on_failure = \"next_period\", as a job queue without \
         retries drops a failed job) sends fewer and may cover less: `compare --strategies \
         {kind},{kind}:on_failure=next_period` weighs them",
        r.bank_names[b],
        thousands(own(t) as f64),
        thousands(t.attempts as f64),
        pct(t.client_failure_rate()),
        thousands(t.successes as f64),
    ))
}
