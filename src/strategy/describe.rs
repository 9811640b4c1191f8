//! A strategy's setting in words, bank by bank where it has settings per bank: what the
//! planner's memo lists; and the whole client in words (the setting, its hours, order,
//! pausing and retries): what `run` prints under its summary, `summary.csv`'s `client`
//! column and compare's "As run" say.

use super::{OnFailure, Order, Schedule, Strategy};
use crate::bank::Bank;
use crate::retry::RetryPolicy;
use crate::time::SimDuration;

/// The whole client in words: `queued, concurrency 32, within 01:00–07:00, stalest first,
/// up to 3 attempts`. The strategy's [`Strategy::describe`] and its pace profile, then only
/// what differs from the defaults: a period other than a day and the `window` (or a looping
/// queue), the band of hours (`all_day`: say "all day" without one, beside clients that have
/// one), the stalest-first order, pausing on Retry-After and retries (on what, a slot freed
/// while backing off, Retry-After ignored). One string a run, never per event.
pub fn client_words(
    strategy: &Strategy,
    (schedule, window): (&Schedule, SimDuration),
    retry: &RetryPolicy,
    banks: &[Bank],
    all_day: bool,
) -> String {
    let mut s = strategy.describe(banks);
    if let Strategy::PerBank { pools } = strategy {
        s = format!("{s} ({} slots in all)", pools.iter().sum::<u32>());
    }
    if let Some(p) = strategy.pace_profiles() {
        s = format!("{s} ({})", p.describe(banks));
    }
    let queues = !matches!(strategy, Strategy::Bulk | Strategy::RandomOffset);
    let s = s + &habits((schedule, window), retry, queues, all_day);
    // A pace has no slots: a refresh backing off leaves the count its `outstanding` bounds.
    match strategy {
        Strategy::Paced { .. } => s.replace(
            FREEING_A_SLOT,
            ", not counting it outstanding while backing off",
        ),
        _ => s,
    }
}

/// The client's habits where they differ from the defaults, each after a comma: its period,
/// band, planned refreshes' jitter, order, pausing, failures left to the next period and
/// retries (`queues`: a client with a queue, which alone loops, orders, pauses, leaves
/// failures and holds a slot; one without, which alone is late by a jitter). What `plan`
/// keeps for every setting it searches.
pub fn habits(
    (schedule, window): (&Schedule, SimDuration),
    retry: &RetryPolicy,
    queues: bool,
    all_day: bool,
) -> String {
    let mut s = String::new();
    // A period is said where it is not a day (a window shorter than a day is its default).
    if schedule.looping && queues {
        s.push_str(", looping");
    } else if schedule.period != SimDuration::from_hours(24) && schedule.period != window {
        s = format!("{s}, every {}", schedule.period);
    }
    match schedule.band_label() {
        Some(b) => s = format!("{s}, within {b}"),
        None if all_day => s.push_str(", all day"),
        None => {}
    }
    if !queues && !schedule.jitter.is_zero() {
        s = format!("{s}, up to {} late", schedule.jitter);
    }
    if queues && schedule.order == Order::Stalest {
        s.push_str(", stalest first");
    }
    if queues && schedule.pause_on_retry_after {
        s.push_str(", pausing on Retry-After");
    }
    if queues && !schedule.looping && schedule.on_failure == OnFailure::NextPeriod {
        s.push_str(", leaving failures to the next period");
    }
    if retry.max_attempts > 1 {
        s += &retries(retry, queues);
    }
    s
}

/// What a queued client's retry policy says of a refresh backing off without its slot.
const FREEING_A_SLOT: &str = ", freeing its slot while backing off";

/// A retry policy's words where they differ from the defaults: `, up to 3 attempts (429s
/// only), freeing its slot while backing off, ignoring Retry-After`.
fn retries(retry: &RetryPolicy, queues: bool) -> String {
    let mut s = format!(", up to {} attempts", retry.max_attempts);
    match (retry.on_rate_limited, retry.on_error) {
        (true, false) => s.push_str(" (429s only)"),
        (false, true) => s.push_str(" (5xx only)"),
        _ => {}
    }
    if queues && !retry.hold_slot {
        s.push_str(FREEING_A_SLOT);
    }
    if !retry.honour_retry_after {
        s.push_str(", ignoring Retry-After");
    }
    s
}

impl Strategy {
    /// The setting in words: `queued, concurrency 54`, `per_bank, pools a 3, b 5`,
    /// `paced per bank, a 1.2/s, b 0.95/s ≤ 4 out` (`banks` in the scenario's order), `, by the
    /// hour` when a pace profile weights it (its weights are its weight-1 hours' paces).
    pub fn describe(&self, banks: &[Bank]) -> String {
        let setting = self.setting(banks);
        match self.pace_profiles() {
            Some(_) => format!("{setting}, by the hour"),
            None => setting,
        }
    }

    pub(crate) fn setting(&self, banks: &[Bank]) -> String {
        match self {
            Strategy::Queued { concurrency } => format!("queued, concurrency {concurrency}"),
            Strategy::PerBank { pools } => {
                let p: Vec<String> = banks
                    .iter()
                    .zip(pools)
                    .map(|(b, n)| format!("{} {n}", b.name))
                    .collect();
                format!("per_bank, pools {}", p.join(", "))
            }
            Strategy::Aimd(r) => format!(
                "aimd, {}–{} slots per bank from {}, ×{} on a 429",
                r.min, r.max, r.initial, r.decrease
            ),
            Strategy::Paced {
                rates, outstanding, ..
            } if rates.iter().any(Option::is_some) || outstanding.iter().any(Option::is_some) => {
                let p: Vec<String> = (0..banks.len())
                    .map(|b| {
                        let pace = match rates.get(b).copied().flatten() {
                            Some(r) => format!("{r}/s"),
                            None => "by share".to_string(),
                        };
                        match outstanding.get(b).copied().flatten() {
                            Some(k) => format!("{} {pace} ≤ {k} out", banks[b].name),
                            None => format!("{} {pace}", banks[b].name),
                        }
                    })
                    .collect();
                format!("paced per bank, {}", p.join(", "))
            }
            Strategy::Paced {
                rate: Some(r),
                per_bank,
                ..
            } => format!(
                "paced, {r}/s{}",
                if *per_bank {
                    " split by bank share"
                } else {
                    ""
                }
            ),
            Strategy::Paced { per_bank, .. } => match per_bank {
                true => "paced, each bank's connections over the period".to_string(),
                false => "paced, every connection over the period".to_string(),
            },
            Strategy::RandomOffset => "random_offset".to_string(),
            Strategy::Bulk => "bulk".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A retry freeing its slot is said so of a client with slots, and of a pace as the count
    /// its `outstanding` bounds (a pace has no slots: a trial read the line as one).
    #[test]
    fn backing_off_is_told_as_the_client_holds_it() {
        let retry = RetryPolicy {
            max_attempts: 3,
            hold_slot: false,
            ..RetryPolicy::default()
        };
        let words = |s: &Strategy| {
            let schedule = Schedule::daily();
            client_words(
                s,
                (&schedule, SimDuration::from_hours(24)),
                &retry,
                &[],
                false,
            )
        };
        let queued = words(&Strategy::Queued { concurrency: 4 });
        assert!(
            queued.ends_with("up to 3 attempts, freeing its slot while backing off"),
            "{queued}"
        );
        let paced = words(&Strategy::Paced {
            rate: Some(1.0),
            per_bank: false,
            rates: Vec::new(),
            outstanding: Vec::new(),
            profiles: Default::default(),
        });
        assert!(
            paced.ends_with("up to 3 attempts, not counting it outstanding while backing off"),
            "{paced}"
        );
    }
}
