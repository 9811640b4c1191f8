//! Validation of the `[strategy]` table: the strategy and its parameters, and the schedule
//! the client runs it on. Every error names the field (`strategy.pools.neobank`).

use super::*;
use crate::strategy::{AimdRule, OnFailure, Order, PaceProfile, PaceProfiles};
use std::collections::BTreeMap;

/// The client's schedule. The period defaults to a day, or to the whole window when that is
/// shorter (a run of a few hours refreshes each connection once within it, rather than
/// spreading offsets over a day it does not see).
pub(super) fn schedule(
    s: &file::StrategyFile,
    window: SimDuration,
) -> Result<Schedule, FieldError> {
    let period = s
        .period
        .map(|d| d.0)
        .unwrap_or(SimDuration::from_hours(24).min(window));
    if period < SimDuration::from_secs(1) {
        return err(
            "strategy.period",
            format!("\"{period}\" is shorter than a second (e.g. \"24h\")"),
        );
    }
    if period > SimDuration::from_hours(24 * 366) {
        return err(
            "strategy.period",
            format!("\"{period}\" is longer than a year"),
        );
    }
    let hours = match s.hours.as_deref() {
        None | Some([]) => None,
        Some(other @ ([_] | [_, _, _, ..])) => {
            return err(
                "strategy.hours",
                format!(
                    "a band is two times of day ([\"00:00\", \"06:00\"]) or none ([], the \
                     whole day), not {}",
                    other.len()
                ),
            )
        }
        Some(_) if period != SimDuration::from_hours(24) => {
            return err(
                "strategy.hours",
                format!("a band of hours needs a daily period, but period is \"{period}\""),
            )
        }
        Some([from, to]) => Some(band(from.0, to.0)?),
    };
    let overhead = match &s.worker_overhead {
        None => Schedule::default_overhead(),
        Some(st) => service_time(st, "strategy.worker_overhead")?,
    };
    let jitter = jitter(s, period, hours)?;
    let pause_on_retry_after = s.pause_on_retry_after.unwrap_or(false);
    if pause_on_retry_after && matches!(s.kind, StrategyKind::Bulk | StrategyKind::RandomOffset) {
        return err(
            "strategy.pause_on_retry_after",
            "only a client with a queue (queued, per_bank, aimd, paced) can hold a bank's \
             submissions; bulk and random offsets submit at planned instants",
        );
    }
    let order = match s.order {
        None | Some(file::OrderKind::Fifo) => Order::Fifo,
        Some(file::OrderKind::Stalest) => Order::Stalest,
    };
    let on_failure = match s.on_failure {
        None | Some(file::OnFailureKind::Requeue) => OnFailure::Requeue,
        Some(file::OnFailureKind::NextPeriod) => OnFailure::NextPeriod,
    };
    Ok(Schedule {
        period,
        looping: s.looping.unwrap_or(false),
        hours,
        overhead,
        jitter,
        pause_on_retry_after,
        order,
        on_failure,
    })
}

/// `strategy.jitter`, shorter than the period and than the band of hours random offsets
/// would keep to (none by default).
fn jitter(
    s: &file::StrategyFile,
    period: SimDuration,
    hours: Option<(SimDuration, SimDuration)>,
) -> Result<SimDuration, FieldError> {
    let jitter = s.jitter.map_or(SimDuration::ZERO, |d| d.0);
    // Whatever the kind: `plan`, `compare` and `--set` may run random offsets on the file.
    if let Some((from, to)) = hours {
        let band = SimDuration(to.0 - from.0);
        if jitter >= band {
            return err(
                "strategy.jitter",
                format!(
                    "\"{jitter}\" is not shorter than the band of strategy.hours ({band} long): \
                     random offsets are drawn where a refresh late by the jitter still falls \
                     in the band"
                ),
            );
        }
    }

    if jitter >= period {
        return err(
            "strategy.jitter",
            format!(
                "\"{jitter}\" is not shorter than the period \"{period}\": a refresh late by \
                 a period or more would fall in the next one (a few minutes is a scheduler's \
                 drift)"
            ),
        );
    }
    Ok(jitter)
}

/// A band of hours from two times of day: one that starts at 24:00 starts at midnight; one
/// across midnight (`["22:00", "06:00"]`) ends on the next day's clock; the same time twice
/// is none.
fn band(from: SimDuration, to: SimDuration) -> Result<(SimDuration, SimDuration), FieldError> {
    let day = SimDuration::from_hours(24);
    let from = if from == day { SimDuration::ZERO } else { from };
    match (from, to) {
        (from, to) if from < to => Ok((from, to)),
        (from, to) if from > to => Ok((from, to + day)),
        (from, _) => err(
            "strategy.hours",
            format!(
                "starts and ends at {}: a band is two different times of day, or none ([], \
                 the whole day)",
                from.time_of_day()
            ),
        ),
    }
}

/// `strategy.pace_profile` (`field`) or a bank's in `strategy.pace_profiles`: 24 weights of
/// the hours of a daily period, one at least positive within the band of hours.
fn pace_profile(
    field: &str,
    weights: &[f64],
    schedule: &Schedule,
) -> Result<PaceProfile, FieldError> {
    let (period, hours) = (schedule.period, schedule.hours);
    if period != SimDuration::from_hours(24) {
        return err(
            field,
            format!(
                "weights the hours of a day, so needs a daily period (strategy.period = \"24h\"), \
                 but period is \"{period}\""
            ),
        );
    }
    let Ok(w) = <[f64; 24]>::try_from(weights) else {
        return err(
            field,
            format!(
                "needs 24 weights, one per hour from 00:00, got {}",
                weights.len()
            ),
        );
    };
    let Some(profile) = PaceProfile::new(w) else {
        return err(
            field,
            "weights must be non-negative numbers, not all zero, a positive one at least a \
             millionth of the largest",
        );
    };
    if let Some((from, to)) = hours {
        // The band's hours, those after midnight of a band across it included.
        let open =
            crate::time::hours_in((from.as_micros(), to.as_micros())).any(|(h, _)| w[h] > 0.0);
        if !open {
            return err(
                field,
                "every hour of strategy.hours has weight 0: the client would never submit",
            );
        }
    }
    Ok(profile)
}

/// A number of slots: at least 1, at most 10,000,000.
fn slots(field: &str, c: i64) -> Result<u32, FieldError> {
    if c <= 0 {
        return err(field, format!("must be at least 1, got {c}"));
    }
    if c > 10_000_000 {
        return err(field, format!("{c} is more than the 10000000 supported"));
    }
    Ok(c as u32)
}

pub(super) fn strategy(
    s: &file::StrategyFile,
    banks: &[Bank],
    platform: &Platform,
    schedule: &Schedule,
) -> Result<Strategy, FieldError> {
    if let Some(c) = s.concurrency {
        slots("strategy.concurrency", c)?;
    }
    // The paced fields are checked whatever the kind: accepted with another (a note says
    // so), so that the file a plan's paced setting was pasted into can still be compared or
    // swept over kinds. (`aimd`'s table is checked with its kind, as its bounds hold the
    // initial slots, which another kind's `concurrency` is not.)
    let rate = s.rate.map(|r| pace("strategy.rate", r)).transpose()?;
    let rates = by_bank(s, ("rates", s.rates.as_ref()), banks, pace)?;
    let outstanding = by_bank(s, ("outstanding", s.outstanding.as_ref()), banks, slots)?;
    let all = (s.pace_profile.as_deref())
        .map(|w| pace_profile("strategy.pace_profile", w, schedule))
        .transpose()?;
    let profiles = PaceProfiles {
        all: all.map(Box::new),
        banks: by_bank(
            s,
            ("pace_profiles", s.pace_profiles.as_ref()),
            banks,
            |field, w: Vec<f64>| pace_profile(field, &w, schedule),
        )?,
    };
    Ok(match s.kind {
        StrategyKind::Bulk => Strategy::Bulk,
        StrategyKind::RandomOffset => Strategy::RandomOffset,
        StrategyKind::Queued => match s.concurrency {
            Some(c) => Strategy::Queued {
                concurrency: c as u32,
            },
            None => {
                return err(
                    "strategy.concurrency",
                    "is required when kind = \"queued\" (e.g. concurrency = 4)",
                )
            }
        },
        StrategyKind::PerBank => Strategy::PerBank {
            pools: pools(s, banks)?,
        },
        StrategyKind::Aimd => Strategy::Aimd(aimd(s, platform)?),
        StrategyKind::Paced => Strategy::Paced {
            rate,
            per_bank: s.per_bank.unwrap_or(true),
            rates,
            outstanding,
            profiles,
        },
    })
}

/// A pace a second, checked.
fn pace(field: &str, r: f64) -> Result<f64, FieldError> {
    match r > 0.0 && r <= 100_000.0 {
        true => Ok(r),
        false => err(
            field,
            format!("must be a positive number of submissions a second, at most 100000, got {r}"),
        ),
    }
}

/// `paced`'s settings of the banks a `strategy.<field>` table names, each checked by
/// `check`, in bank order (empty when it names none). A setting per bank needs a pool per
/// bank.
fn by_bank<T: Clone, V: Copy>(
    s: &file::StrategyFile,
    (field, named): (&str, Option<&BTreeMap<String, T>>),
    banks: &[Bank],
    check: impl Fn(&str, T) -> Result<V, FieldError>,
) -> Result<Vec<Option<V>>, FieldError> {
    let Some(named) = named.filter(|r| !r.is_empty()) else {
        return Ok(Vec::new());
    };
    if s.per_bank == Some(false) {
        return err(
            format!("strategy.{field}"),
            "sets banks one by one, so needs a pool per bank: drop `per_bank = false`",
        );
    }
    let mut checked = BTreeMap::new();
    for (name, v) in named {
        let field = format!("strategy.{field}.{name}");
        known_bank(&field, name, banks)?;
        checked.insert(name, check(&field, v.clone())?);
    }
    Ok(banks
        .iter()
        .map(|b| checked.get(&b.name).copied())
        .collect())
}

/// `name` is one of the scenario's banks.
fn known_bank(field: &str, name: &str, banks: &[Bank]) -> Result<(), FieldError> {
    if banks.iter().any(|b| b.name == name) {
        return Ok(());
    }
    let known: Vec<&str> = banks.iter().map(|b| b.name.as_str()).collect();
    err(
        field,
        format!("no bank is named `{name}` (banks: {})", known.join(", ")),
    )
}

/// `per_bank`'s slots, bank by bank: those `strategy.pools` names, else `concurrency`.
/// Accepted with other kinds, as `concurrency` is, so that `kind` can be swept (and noted as
/// doing nothing there: `unread_fields`); the banks it leaves at `concurrency` are noted
/// ([`pools_unnamed`]).
fn pools(s: &file::StrategyFile, banks: &[Bank]) -> Result<Vec<u32>, FieldError> {
    let named = s.pools.clone().unwrap_or_default();
    for (name, &n) in &named {
        let field = format!("strategy.pools.{name}");
        known_bank(&field, name, banks)?;
        slots(&field, n)?;
    }
    banks
        .iter()
        .map(|b| match (named.get(&b.name), s.concurrency) {
            (Some(&n), _) | (None, Some(n)) => Ok(n as u32),
            (None, None) => err(
                "strategy.concurrency",
                format!(
                    "is required when kind = \"per_bank\" and strategy.pools does not name every \
                     bank (here `{}`): it is the slots of each bank not named",
                    b.name
                ),
            ),
        })
        .collect()
}

/// `aimd`'s rule: `concurrency` is each bank's initial slots (default 4), `strategy.aimd`
/// the bounds, the decrease ratio and whether 5xx count; one decrease per poll interval (or
/// callback delay).
fn aimd(s: &file::StrategyFile, platform: &Platform) -> Result<AimdRule, FieldError> {
    let d = AimdRule::DEFAULT;
    let a = s.aimd.as_ref();
    let bound = |field: &str, v: Option<i64>, default: u32| match v {
        Some(v) => slots(&format!("strategy.aimd.{field}"), v),
        None => Ok(default),
    };
    let min = bound("min", a.and_then(|a| a.min), d.min)?;
    let max = bound("max", a.and_then(|a| a.max), d.max)?;
    let initial = match s.concurrency {
        Some(c) => c as u32,
        None => d.initial.clamp(min, max),
    };
    if min > max {
        return err("strategy.aimd.min", format!("{min} is above max = {max}"));
    }
    if !(min..=max).contains(&initial) {
        return err(
            "strategy.concurrency",
            format!("the initial slots {initial} must lie within aimd's min {min} and max {max}"),
        );
    }
    let decrease = a.and_then(|a| a.decrease).unwrap_or(d.decrease);
    if !(decrease > 0.0 && decrease < 1.0) {
        return err(
            "strategy.aimd.decrease",
            format!("must be between 0 and 1 (exclusive), got {decrease}: 0.9 shrinks by 10 %"),
        );
    }
    let gap = match platform.status {
        StatusMode::Poll { interval, .. } => interval,
        StatusMode::Callback { delay } => delay,
    };
    Ok(AimdRule {
        initial,
        min,
        max,
        decrease,
        on_error: a.and_then(|a| a.on_error).unwrap_or(d.on_error),
        gap,
    })
}

/// A `strategy.pools` table that names some banks and not the others, which take
/// `concurrency` slots each: as documented, but unsaid (a trial's table of one bank's pool
/// was checked "ok … 163 slots in all", the other four at 32 each). The slots in all are
/// `check`'s summary's.
pub(super) fn pools_unnamed(s: &file::StrategyFile, banks: &[Bank]) -> Option<String> {
    let named = s.pools.as_ref().filter(|p| !p.is_empty())?;
    s.concurrency.filter(|_| s.kind == StrategyKind::PerBank)?;
    let others: Vec<&str> = (banks.iter().map(|b| b.name.as_str()))
        .filter(|n| !named.contains_key(*n))
        .collect();
    // No figure that a sweep's points vary (the slots, the sum): one note for them all.
    (!others.is_empty()).then(|| {
        format!(
            "strategy.pools names {} of {} banks: the others ({}) take strategy.concurrency \
             slots each (name a bank in strategy.pools to size its own)",
            named.len(),
            banks.len(),
            others.join(", ")
        )
    })
}

/// The fields of one kind given with another, each with the kind that reads it: accepted
/// (the scenario's notes say so) so that `kind` can be swept or compared over a file that
/// sets them, as `loop`, `hours` and `worker_overhead` always were (a trial's `--set
/// strategy.concurrency=10` on random offsets was checked "ok").
pub(super) fn unread_fields(s: &file::StrategyFile) -> Vec<String> {
    let paced = [
        ("rate", s.rate.is_some()),
        ("per_bank", s.per_bank.is_some()),
        ("rates", s.rates.is_some()),
        ("outstanding", s.outstanding.is_some()),
        ("pace_profile", s.pace_profile.is_some()),
        ("pace_profiles", s.pace_profiles.is_some()),
    ];
    let fields = paced
        .map(|(f, given)| (f, given, StrategyKind::Paced, "paced"))
        .into_iter()
        .chain([("aimd", s.aimd.is_some(), StrategyKind::Aimd, "aimd")])
        .chain([(
            "pools",
            s.pools.is_some(),
            StrategyKind::PerBank,
            "per_bank",
        )]);
    let kind = s.kind.name();
    // Slots: a queue's, each bank's pool, AIMD's initial slots.
    let slots = [
        StrategyKind::Queued,
        StrategyKind::PerBank,
        StrategyKind::Aimd,
    ];
    let concurrency = (s.concurrency.is_some() && !slots.contains(&s.kind)).then(|| {
        format!(
            "strategy.concurrency: only a client with slots (kind = \"queued\", \"per_bank\" \
             or \"aimd\") reads it, not kind = \"{kind}\""
        )
    });
    let planned = matches!(s.kind, StrategyKind::Bulk | StrategyKind::RandomOffset);
    let on_failure = (s.on_failure.is_some() && planned).then(|| {
        format!(
            "strategy.on_failure: only a client with a queue reads it, not kind = \"{kind}\" \
             (which leaves a failure not retried to the next period)"
        )
    });
    fields
        .filter(|&(_, given, by, _)| given && s.kind != by)
        .map(|(field, _, _, name)| {
            format!("strategy.{field}: only kind = \"{name}\" reads it, not kind = \"{kind}\"")
        })
        .chain(concurrency)
        .chain(on_failure)
        .collect()
}
