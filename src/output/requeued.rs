//! After a run: a queue that sends a failed refresh back to the queue and, at a bank, took
//! refused connections again within their period. Once a pass has gone by only refused
//! connections are left, so its slots take them again as fast as they learn each refusal
//! (uk-mix's queue of 64: 405,116 attempts at its building society for 109,689 successes),
//! and retries that free their slot while backing off let it take other refused connections
//! meanwhile (a trial's retries with `backoff_slot = "free"` drew as many 429s as none). A
//! client that writes its failures back to the queue this way does that, so the figures are
//! the client's, not an artefact; but a job queue without retries more often drops a failed
//! job until its next run (`strategy.on_failure = "next_period"`), and a planner should know
//! which one the figures describe.

use super::text::{pct, thousands};
use crate::metrics::{RunResult, Tally};
use crate::scenario::Scenario;
use crate::strategy::OnFailure;

/// The banks where the client's background refreshes came round again within their periods
/// (more first attempts, retries apart, than the bank's connections, joiners included, times
/// the periods) and a tenth or more of its attempts were 429s, where the client is a queue
/// with slots (not a pace, which keeps its pace whatever it meets), not looping, that sends
/// its failures back to the queue: each bank's figures, most refused first, and the settings
/// that leave failures be.
pub fn requeued_note(sc: &Scenario, r: &RunResult) -> Option<String> {
    let slots = sc.strategy.has_slots();
    let requeues = sc.schedule.on_failure == OnFailure::Requeue && !sc.schedule.looping;
    if !slots || !requeues {
        return None;
    }
    let retries = sc.retry.enabled() && sc.retry.on_rate_limited;
    // The background's own: customers' calls and a closed bank's 503s apart; a first attempt
    // is one that is not a retry (customers' calls are never retried).
    let refused = |t: &Tally| t.rate_limited - t.outage_rejected - t.present_rate_limited;
    let attempts = |t: &Tally| t.attempts - t.present_attempts;
    let first = |t: &Tally| attempts(t) - t.retries;
    let share = |t: &Tally| refused(t) as f64 / attempts(t).max(1) as f64;
    let periods = sc.schedule.periods(sc.window);
    let again = |t: &Tally| first(t) > t.connections.saturating_mul(periods);
    let mut banks: Vec<(usize, &Tally)> = (r.banks.iter().enumerate())
        .filter(|(_, t)| again(t) && share(t) >= 0.1)
        .collect();
    banks.sort_by(|a, b| share(b.1).total_cmp(&share(a.1)));
    if banks.is_empty() {
        return None;
    }
    let figures: Vec<String> = (banks.iter())
        .map(|&(b, t)| {
            format!(
                "{} of the background's {} attempts at {} were 429s ({})",
                thousands(refused(t) as f64),
                thousands(attempts(t) as f64),
                r.bank_names[b],
                pct(share(t)),
            )
        })
        .collect();
    let (pace, instead) = match (retries, sc.retry.enabled(), sc.retry.hold_slot) {
        (false, false, _) => (
            ", as fast as its slots learn each refusal",
            ", or backs off holding its slot ([retry])",
        ),
        (false, true, _) => (
            ", as fast as its slots learn each refusal (retry.on leaves 429s out)",
            ", or retries its 429s holding its slot (\"rate_limited\" in retry.on)",
        ),
        (true, _, false) => (
            ", and retries that free their slot while backing off let it take other refused \
             connections meanwhile",
            ", or holds its slot while backing off (retry.backoff_slot = \"hold\")",
        ),
        (true, _, true) => (", each after its retries' waits", ""),
    };
    let (each, kind) = (
        if banks.len() > 1 { " at each" } else { "" },
        sc.strategy.name(),
    );
    Some(format!(
        "{}: more first attempts{each} than its connections were due. A queue that sends a \
         refused connection back takes it again once the pass has gone by{pace}; a client that \
         leaves a failure to the next period (strategy.on_failure = \"next_period\", as a job \
         queue without retries drops a failed job){instead} sends fewer and may cover less: \
         `compare --strategies {kind},{kind}:on_failure=next_period` weighs them",
        figures.join("; "),
    ))
}
