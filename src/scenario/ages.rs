//! The data ages a run resolves and counts from: `window.age_horizon` (the oldest resolved)
//! and `window.fresh_within` (the age a product counts fresh), each checked against the other.

use super::*;

/// `window.age_horizon`: at least two days, or the window (the share of data 48 h old or older is read from
/// the ages it resolves: a trial's horizon of a day read 0.08 % where 0.93 % was), at most a
/// year.
pub(super) fn given_age_horizon(
    given: Option<SimDuration>,
    window: SimDuration,
) -> Result<Option<SimDuration>, FieldError> {
    match given {
        None => Ok(None),
        // Within a window no longer than the horizon every age is resolved anyway.
        Some(h) if h < SimDuration::from_hours(48) && h < window => err(
            "window.age_horizon",
            format!(
                "\"{h}\" is shorter than 48h: the share of data 48 h old or older (and the \
                 figures past the horizon) would be read from ages it counts together"
            ),
        ),
        Some(h) if h > SimDuration::from_hours(24 * 366) => err(
            "window.age_horizon",
            format!("\"{h}\" is longer than a year"),
        ),
        Some(h) => Ok(Some(h)),
    }
}

/// `window.fresh_within`: 24 h unless given; from ten minutes to a year, in whole ten minutes
/// (the at-open ages are counted by ten minutes, so the share is exact at those).
pub(super) fn fresh_within(given: Option<SimDuration>) -> Result<SimDuration, FieldError> {
    let ten = SimDuration::from_mins(10).as_micros();
    match given {
        None => Ok(SimDuration::from_hours(24)),
        Some(d) if d.is_zero() => err(
            "window.fresh_within",
            "must be at least \"10m\" (the at-open ages' resolution), e.g. \"12h\"",
        ),
        Some(d) if d.as_micros() % ten != 0 => err(
            "window.fresh_within",
            format!(
                "\"{d}\" is not a whole number of ten minutes (the at-open ages' resolution), \
                 e.g. \"12h\" or \"90m\""
            ),
        ),
        Some(d) if d > SimDuration::from_hours(24 * 366) => err(
            "window.fresh_within",
            format!("\"{d}\" is longer than a year"),
        ),
        Some(d) => Ok(d),
    }
}

/// `window.fresh_within` within the ages resolved, where the horizon is shorter than the
/// window: past it ages are counted together, and the share would miss them.
pub(super) fn within_horizon(sc: &Scenario) -> Result<(), FieldError> {
    let horizon = sc.age_horizon();
    if sc.fresh_within > horizon && horizon < sc.window {
        return err(
            "window.fresh_within",
            format!(
                "\"{}\" is past the oldest data age resolved, \"{horizon}\" (window.age_horizon), \
                 where older ages are counted together: raise window.age_horizon to it",
                sc.fresh_within
            ),
        );
    }
    Ok(())
}
