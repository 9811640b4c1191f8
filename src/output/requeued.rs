//! After a run: a queue that does not retry a 429 and, at a bank, took refused connections
//! again within their period. Such a queue sends a refused connection to the back of the
//! queue, and once a pass has gone by only refused connections are left, so its slots take
//! them again as fast as they learn each refusal (uk-mix's queue of 64: 405,116 attempts at
//! its building society for 109,689 successes). A client that writes its failures back to the
//! queue this way does that, so the figures are the client's, not an artefact; but a job
//! queue without retries more often drops a failed job until its next run
//! (`strategy.on_failure = "next_period"`), and a planner should know which one the figures
//! describe.

use super::text::{pct, thousands};
use crate::metrics::{RunResult, Tally};
use crate::scenario::Scenario;
use crate::strategy::{OnFailure, Strategy};

/// The bank where the client's background refreshes both came round again within their
/// periods (more attempts than the bank's connections, joiners included, times the periods)
/// and met more 429s than the bank's successes, where the client is a
/// queue with slots (not a pace, which keeps its pace whatever it meets), not looping, that
/// does not retry 429s and sends its failures back to the queue: the bank with the highest
/// share of such 429s, its figures, and the settings that leave failures be.
pub fn requeued_note(sc: &Scenario, r: &RunResult) -> Option<String> {
    let slots = matches!(
        sc.strategy,
        Strategy::Queued { .. } | Strategy::PerBank { .. } | Strategy::Aimd(_)
    );
    let requeues = sc.schedule.on_failure == OnFailure::Requeue && !sc.schedule.looping;
    if !slots || !requeues || (sc.retry.enabled() && sc.retry.on_rate_limited) {
        return None;
    }
    // The background's own: customers' calls and a closed bank's 503s apart.
    let refused = |t: &Tally| t.rate_limited - t.outage_rejected - t.present_rate_limited;
    let attempts = |t: &Tally| t.attempts - t.present_attempts;
    let periods = sc.schedule.periods(sc.window);
    let again = |t: &Tally| attempts(t) > t.connections * periods && refused(t) > t.successes;
    let share = |t: &Tally| refused(t) as f64 / attempts(t) as f64;
    let (b, t) = (r.banks.iter().enumerate())
        .filter(|&(_, t)| again(t))
        .max_by(|x, y| share(x.1).total_cmp(&share(y.1)))?;
    let kind = sc.strategy.name();
    Some(format!(
        "{}: {} of the client's {} background attempts there were 429s ({}), for {} \
         successes, more attempts than its connections were due: a queue that does not retry \
         a 429 sends the refused connection to the back of the queue, and once a pass has gone \
         by only refused connections are left, so its slots take them again as fast as they \
         learn each refusal; a client that backs off ([retry]) or leaves a failure to the next \
         period (strategy.on_failure = \"next_period\", as a job queue without retries drops a \
         failed job) sends fewer and may cover less: `compare --strategies \
         {kind},{kind}:on_failure=next_period` weighs them",
        r.bank_names[b],
        thousands(refused(t) as f64),
        thousands(attempts(t) as f64),
        pct(share(t)),
        thousands(t.successes as f64),
    ))
}
