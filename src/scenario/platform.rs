//! The `[platform]` table: how the client learns outcomes, and the vendors' deduplication.

use super::file::{self, StatusKind};
use super::{err, FieldError};
use crate::platform::{Dedup, Platform, StatusMode};
use crate::time::SimDuration;

/// The shortest poll interval accepted: the vendors poll every 5–10 s.
pub const MIN_POLL: SimDuration = SimDuration::from_millis(100);
/// The shortest callback delay (and first poll) accepted: an HTTP request takes longer.
const MIN_CALLBACK: SimDuration = SimDuration::from_millis(1);

/// Refuses a time scale far below any real platform's: a client whose failures come back
/// after `d` can resubmit every `d`, so a run's attempts grow as `1 / d` (a poll of 1 µs is
/// 86 billion attempts a connection-day), with no model to gain from it.
fn at_least(field: &str, d: SimDuration, min: SimDuration) -> Result<(), FieldError> {
    if d >= min {
        return Ok(());
    }
    let per_day = 86_400.0 / d.as_secs_f64();
    err(
        field,
        format!(
            "{d} is far below any real platform's (at least {min}): a connection whose refresh \
             fails at once could be resubmitted every {d}, up to {} attempts a day, \
             which would take hours to simulate",
            crate::numbers::thousands(per_day)
        ),
    )
}

/// The status fields of the mode the platform is not in: accepted, so that `status` can be
/// swept or compared over a file that sets them, and noted (a trial's 10 s poll under
/// callbacks was silently idle).
pub(super) fn unread_fields(p: &file::PlatformFile) -> Vec<String> {
    let callback = p.status == Some(StatusKind::Callback);
    let fields = [
        ("poll_interval", p.poll_interval.is_some(), true),
        ("first_poll", p.first_poll.is_some(), true),
        ("callback_delay", p.callback_delay.is_some(), false),
    ];
    let (status, other) = match callback {
        true => ("callback", "poll"),
        false => ("poll", "callback"),
    };
    (fields.into_iter())
        .filter(|&(_, given, polling)| given && polling == callback)
        .map(|(field, _, _)| {
            format!(
                "platform.{field}: only status = \"{other}\" reads it, not status = \"{status}\""
            )
        })
        .collect()
}

pub(super) fn platform(p: &file::PlatformFile) -> Result<Platform, FieldError> {
    let status = match p.status.unwrap_or(StatusKind::Poll) {
        StatusKind::Poll => {
            let interval = p
                .poll_interval
                .map(|d| d.0)
                .unwrap_or(SimDuration::from_secs(10));
            if interval.is_zero() {
                return err("platform.poll_interval", "must be longer than zero (the vendors poll every \"10s\", or \"5s\" when time-sensitive)");
            }
            at_least("platform.poll_interval", interval, MIN_POLL)?;
            let first = p.first_poll.map(|d| d.0).unwrap_or(interval);
            if first.is_zero() {
                return err("platform.first_poll", "must be longer than zero (a poll at the instant of submission would see every task pending; Bud's first poll comes after its `next_url_delay`)");
            }
            at_least("platform.first_poll", first, MIN_CALLBACK)?;
            StatusMode::Poll { interval, first }
        }
        StatusKind::Callback => {
            let delay = p
                .callback_delay
                .map(|d| d.0)
                .unwrap_or(SimDuration::from_millis(200));
            if delay.is_zero() {
                // A zero-latency answer lets a queued client resubmit at the same instant
                // forever (a dedup or a 429 answered in no time): no real callback is instant.
                return err(
                    "platform.callback_delay",
                    "must be longer than zero: a callback is an HTTP request (e.g. \"200ms\")",
                );
            }
            at_least("platform.callback_delay", delay, MIN_CALLBACK)?;
            StatusMode::Callback { delay }
        }
    };
    let dedup = match p.dedup {
        None | Some(file::DedupKind::LastFetch) => Dedup::LastFetch,
        Some(file::DedupKind::SameRequest) => Dedup::SameRequest,
        Some(file::DedupKind::Skip) => Dedup::Skip,
    };
    let dedup_window = p
        .dedup_window
        .map(|d| d.0)
        .unwrap_or(dedup.default_window());
    Ok(Platform {
        status,
        dedup,
        dedup_window,
    })
}
