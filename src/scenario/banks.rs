//! Validation of the `[[banks]]` tables: shares, service times and rate-limit policies, into
//! the model's [`Bank`]s. Every error names the field (`banks[1].limits[0].rate`).

use super::*;

/// Validates the `[[banks]]` tables into the model's banks, in file order.
pub(super) fn banks(list: &[BankFile]) -> Result<Vec<Bank>, FieldError> {
    bank_count(list)?;
    let mut out = Vec::with_capacity(list.len());
    let mut total = 0.0;
    for (i, b) in list.iter().enumerate() {
        out.push(bank(b, i, &list[..i])?);
        total += b.share;
    }
    shares_sum_to_one(list, total)?;
    Ok(out)
}

/// Checks there is at least one bank, and no more than a connection's `u16` bank index
/// can name.
fn bank_count(list: &[BankFile]) -> Result<(), FieldError> {
    if list.is_empty() {
        return err(
            "banks",
            "at least one bank is required ([[banks]] with name, share, service_time)",
        );
    }
    if list.len() > u16::MAX as usize {
        return err(
            "banks",
            format!(
                "{} banks is more than the {} supported",
                list.len(),
                u16::MAX
            ),
        );
    }
    Ok(())
}

/// Validates bank `i` (`earlier`: the banks listed before it) into a model bank.
fn bank(b: &BankFile, i: usize, earlier: &[BankFile]) -> Result<Bank, FieldError> {
    let at = |field: &str| format!("banks[{i}].{field}");
    bank_name(&b.name, earlier, at("name"))?;
    if !(b.share > 0.0 && b.share <= 1.0) {
        return err(
            at("share"),
            format!("must be greater than 0 and at most 1, got {}", b.share),
        );
    }
    let error_rate = b.error_rate.unwrap_or(0.0);
    probability(&at("error_rate"), error_rate)?;
    let Some(st) = &b.service_time else {
        return err(at("service_time"), "is required (e.g. { dist = \"lognormal\", median = \"5s\", p95 = \"16s\" }) unless a preset gives it");
    };
    let service_time = service_time(st, &at("service_time"))?;
    let servers = match b.servers {
        None => None,
        Some(k) if k >= 1 && k <= u32::MAX as i64 => Some(k as u32),
        Some(k) => return err(at("servers"), format!("must be at least 1, got {k}")),
    };
    let retry_after = match &b.retry_after {
        None | Some(RetryAfterFile::Policy) => RetryAfter::Policy,
        Some(RetryAfterFile::None) => RetryAfter::None,
        Some(RetryAfterFile::Fixed(d)) => RetryAfter::Fixed(*d),
    };
    let calls = match b.calls_per_refresh {
        None => 1,
        Some(k) if (1..=1_000).contains(&k) => k as u32,
        Some(k) => {
            return err(
                at("calls_per_refresh"),
                format!("must be 1 to 1,000, got {k}"),
            )
        }
    };
    let tested = tested(b.tested.as_ref(), &at("tested"))?;
    let limits = b
        .limits
        .iter()
        .enumerate()
        .map(|(j, l)| {
            let at = at(&format!("limits[{j}]"));
            let l = LimitFile::deserialize(l.clone()).map_err(|e| FieldError {
                field: at.clone(),
                reason: friendly(e.message()),
            })?;
            per_refresh(limit(&l, &at)?, calls, &at).map_err(|mut e| {
                if let Some(p) = &b.preset {
                    e.reason +=
                        &format!(" (with preset \"{p}\", its limits unless the bank sets its own)");
                }
                e
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Bank {
        name: b.name.clone(),
        description: b.description.clone().unwrap_or_default(),
        share: b.share,
        service_time,
        error_rate,
        limits,
        servers,
        retry_after,
        calls_per_refresh: calls,
        tested,
    })
}

/// A fitted bank's tested traffic (at `field`): positive counts.
fn tested(t: Option<&TestedFile>, field: &str) -> Result<Tested, FieldError> {
    let Some(t) = t else {
        return Ok(Tested::default());
    };
    let count = |x: Option<i64>, name: &str| match x {
        None => Ok(None),
        Some(k) if k >= 1 && k <= u32::MAX as i64 => Ok(Some(k as u32)),
        Some(k) => err(
            format!("{field}.{name}"),
            format!("must be at least 1, got {k}"),
        ),
    };
    Ok(Tested {
        per_hour: count(t.per_hour, "per_hour")?.map(u64::from),
        in_flight: count(t.in_flight, "in_flight")?,
        per_connection_day: count(t.per_connection_day, "per_connection_day")?,
    })
}

/// Checks a bank's name (at `field`): not empty, not the reports' reserved "all", and not
/// the name of a bank listed before it.
fn bank_name(name: &str, earlier: &[BankFile], field: String) -> Result<(), FieldError> {
    if name == "all" {
        return err(
            field,
            "\"all\" is reserved for the all-banks row of the reports; choose another name",
        );
    }
    if name.trim().is_empty() {
        return err(field, "must not be empty");
    }
    if earlier.iter().any(|o| o.name == name) {
        return err(
            field,
            format!("\"{name}\" is used by another bank; names must be unique"),
        );
    }
    Ok(())
}

/// Checks the banks' shares sum to 1 (within rounding), listing them when they do not.
fn shares_sum_to_one(list: &[BankFile], total: f64) -> Result<(), FieldError> {
    if (total - 1.0).abs() > SHARE_TOLERANCE {
        let shares: Vec<String> = list
            .iter()
            .map(|b| format!("{} = {}", b.name, b.share))
            .collect();
        return err(
            "banks",
            format!(
                "shares must sum to 1, but they sum to {} ({})",
                (total * 1e9).round() / 1e9,
                shares.join(", ")
            ),
        );
    }
    Ok(())
}

pub(super) fn service_time(s: &ServiceTimeFile, at: &str) -> Result<ServiceTime, FieldError> {
    Ok(match s {
        ServiceTimeFile::Constant { value } => ServiceTime::constant(value.0),
        ServiceTimeFile::Exponential { mean } => {
            if mean.0.is_zero() {
                return err(format!("{at}.mean"), "must be longer than zero");
            }
            ServiceTime::exponential(mean.0)
        }
        ServiceTimeFile::Lognormal { median, p95, sigma } => {
            if median.0.is_zero() {
                return err(format!("{at}.median"), "must be longer than zero");
            }
            match (p95, sigma) {
                (Some(p95), None) => {
                    if p95.0 < median.0 {
                        return err(format!("{at}.p95"), format!("\"{}\" is below the median \"{}\"", p95.0, median.0));
                    }
                    ServiceTime::lognormal_p95(median.0, p95.0)
                }
                (None, Some(sigma)) => {
                    if !(sigma.is_finite() && *sigma >= 0.0 && *sigma <= 10.0) {
                        return err(format!("{at}.sigma"), format!("must be between 0 and 10, got {sigma}"));
                    }
                    ServiceTime::lognormal_sigma(median.0, *sigma)
                }
                _ => return err(at, "a lognormal needs exactly one of p95 (e.g. \"15s\") or sigma (e.g. 0.7) besides its median"),
            }
        }
    })
}

fn count(field: String, n: i64, what: &str) -> Result<u32, FieldError> {
    if n <= 0 || n > u32::MAX as i64 {
        return err(field, format!("must be at least 1 ({what}), got {n}"));
    }
    Ok(n as u32)
}

fn positive(field: String, d: SimDuration) -> Result<SimDuration, FieldError> {
    if d.is_zero() {
        return err(field, "must be longer than zero");
    }
    Ok(d)
}

/// Wraps a rate policy in its `during = ["HH:MM", "HH:MM"]` schedule, if any.
fn scheduled(limit: Limit, during: &Option<[TimeOfDay; 2]>, at: &str) -> Result<Limit, FieldError> {
    match during {
        None => Ok(limit),
        Some([from, to]) if from.0 < to.0 => Ok(Limit::during(from.0, to.0, limit)),
        Some([from, to]) => err(
            format!("{at}.during"),
            format!(
                "ends ({}) at or before it starts ({}); write an overnight period as two limits",
                to.0.time_of_day(),
                from.0.time_of_day()
            ),
        ),
    }
}

/// A rate policy on its `days` only (an incident), if given.
fn dated(limit: Limit, days: &Option<Vec<i64>>, at: &str) -> Result<Limit, FieldError> {
    match days {
        None => Ok(limit),
        Some(days) => Ok(Limit::dated(dates(Some(days), at)?, limit)),
    }
}

/// A rate policy counting `calls` API calls an admission (a refresh of that many calls; the
/// bank's `calls_per_refresh`), under its hours and scope: refused where a refresh cannot fit.
fn per_refresh(limit: Limit, calls: u32, at: &str) -> Result<Limit, FieldError> {
    let fits = |field: &str, n: u64| match n >= calls as u64 {
        true => Ok(()),
        false => err(
            format!("{at}.{field}"),
            format!(
                "{n} is fewer than the bank's calls_per_refresh ({calls}): no refresh ever fits"
            ),
        ),
    };
    Ok(match limit {
        _ if calls == 1 => limit,
        Limit::TokenBucket(b) => {
            fits("burst", b.burst())?;
            Limit::TokenBucket(b.per_refresh(calls))
        }
        Limit::FixedWindow(w) => {
            fits("limit", w.limit().0 as u64)?;
            Limit::FixedWindow(w.per_refresh(calls))
        }
        Limit::SlidingWindow(w) => {
            fits("limit", w.limit().0 as u64)?;
            Limit::SlidingWindow(w.per_refresh(calls))
        }
        Limit::During {
            from_us,
            to_us,
            inner,
        } => Limit::During {
            from_us,
            to_us,
            inner: Box::new(per_refresh(*inner, calls, at)?),
        },
        Limit::Only { present, inner } => Limit::Only {
            present,
            inner: Box::new(per_refresh(*inner, calls, at)?),
        },
        Limit::Dated { days, inner } => Limit::Dated {
            days,
            inner: Box::new(per_refresh(*inner, calls, at)?),
        },
        other => other,
    })
}

/// Scopes a rate policy to the calls its `applies_to` names, if not all.
fn scoped(limit: Limit, applies_to: Option<Traffic>) -> Limit {
    match applies_to {
        None | Some(Traffic::All) => limit,
        Some(Traffic::Unattended) => Limit::only(false, limit),
        Some(Traffic::CustomerPresent) => Limit::only(true, limit),
    }
}

/// Validates one `[[banks.limits]]` table (at field path `at`) into its rate-limit policy.
fn limit(l: &LimitFile, at: &str) -> Result<Limit, FieldError> {
    let f = |name: &str| format!("{at}.{name}");
    Ok(match l {
        LimitFile::Concurrency { max_in_flight } => Limit::Concurrency(ConcurrencyCap::new(count(
            f("max_in_flight"),
            *max_in_flight,
            "calls in flight",
        )?)),
        LimitFile::TokenBucket {
            rate,
            burst,
            during,
            applies_to,
            days,
        } => {
            let rate = token_rate(f("rate"), *rate)?;
            let burst = count(f("burst"), *burst, "calls")?;
            let bucket = Limit::TokenBucket(TokenBucket::new(rate, burst));
            scoped(
                dated(scheduled(bucket, during, at)?, days, at)?,
                *applies_to,
            )
        }
        LimitFile::FixedWindow {
            limit,
            window,
            during,
            applies_to,
            days,
        } => {
            let n = count(f("limit"), *limit, "calls per window")?;
            let w = positive(f("window"), window.0)?;
            let window = Limit::FixedWindow(FixedWindow::new(n, w));
            scoped(
                dated(scheduled(window, during, at)?, days, at)?,
                *applies_to,
            )
        }
        LimitFile::SlidingWindow {
            limit,
            window,
            during,
            applies_to,
            days,
        } => {
            let n = sliding_limit(f("limit"), *limit)?;
            let w = positive(f("window"), window.0)?;
            let window = Limit::SlidingWindow(SlidingWindow::new(n, w));
            scoped(
                dated(scheduled(window, during, at)?, days, at)?,
                *applies_to,
            )
        }
        LimitFile::Quota { k, period } => quota(f("k"), *k, *period)?,
        LimitFile::PenaltyBox {
            duration,
            after,
            within,
        } => penalty_box(at, positive(f("duration"), duration.0)?, *after, *within)?,
        LimitFile::Maintenance {
            start,
            end,
            slowdown,
            days,
        } => Limit::Maintenance(
            maintenance(*start, *end, *slowdown, at)?.on_days(dates(days.as_deref(), at)?),
        ),
    })
}

/// A token bucket's refill rate (calls per second), within the range the bucket's
/// arithmetic supports.
fn token_rate(field: String, rate: f64) -> Result<f64, FieldError> {
    if !(rate.is_finite() && rate > 0.0) {
        return err(
            field,
            format!("must be greater than 0 (calls per second), got {rate}"),
        );
    }
    if rate < 1e-6 {
        return err(
            field,
            format!("{rate} per second is below the 1e-6 supported (one call in 11.6 days)"),
        );
    }
    if rate > 1e9 {
        return err(
            field,
            format!("{rate} per second is more than the 1e9 supported"),
        );
    }
    Ok(rate)
}

/// A sliding window's call limit: its log keeps one entry per call, so it is capped.
fn sliding_limit(field: String, limit: i64) -> Result<u32, FieldError> {
    let n = count(field.clone(), limit, "calls per window")?;
    if n > 10_000_000 {
        return err(
            field,
            format!("{n} is more than the 10000000 a sliding log supports"),
        );
    }
    Ok(n)
}

/// A penalty box, closing at every breach or at the `after`-th within `within` (required
/// with `after` above 1, and read only then: a sweep over `after` keeps the file's span).
fn penalty_box(
    at: &str,
    duration: SimDuration,
    after: Option<i64>,
    within: Option<file::Duration>,
) -> Result<Limit, FieldError> {
    let after = match after {
        None => 1,
        Some(n) if n > 1_000 => {
            return err(
                format!("{at}.after"),
                format!("{n} is more than the 1000 supported"),
            )
        }
        Some(n) => count(format!("{at}.after"), n, "rejections that close the box")?,
    };
    let within = match (after, within) {
        (1, _) => SimDuration::ZERO,
        (_, None) => {
            let why = format!(
                "is required with after = {after}: the span the {after} rejections must fall \
                 within (e.g. within = \"1m\")"
            );
            return err(format!("{at}.within"), why);
        }
        (_, Some(w)) => positive(format!("{at}.within"), w.0)?,
    };
    Ok(Limit::PenaltyBox(PenaltyBox::after(
        duration, after, within,
    )))
}

/// A per-connection quota: `k` accesses (4 unless given) per rolling 24 hours or calendar
/// day.
fn quota(
    field: String,
    k: Option<i64>,
    period: Option<QuotaPeriodKind>,
) -> Result<Limit, FieldError> {
    let k = count(
        field.clone(),
        k.unwrap_or(4),
        "accesses per connection per period",
    )?;
    if k > 1_000 {
        return err(field, format!("{k} is more than the 1000 supported"));
    }
    let period = match period.unwrap_or(QuotaPeriodKind::Rolling24h) {
        QuotaPeriodKind::Rolling24h => QuotaPeriod::Rolling,
        QuotaPeriodKind::CalendarDay => QuotaPeriod::CalendarDay,
    };
    Ok(Limit::Quota(Quota::new(k, period)))
}

/// A daily maintenance window that rejects calls, or slows them by a latency multiplier.
fn maintenance(
    start: TimeOfDay,
    end: TimeOfDay,
    slowdown: Option<f64>,
    at: &str,
) -> Result<Maintenance, FieldError> {
    if end.0 <= start.0 {
        return err(
            format!("{at}.end"),
            format!(
                "the window ends ({}) at or before it starts ({}); write an overnight window as two",
                end.0.time_of_day(),
                start.0.time_of_day()
            ),
        );
    }
    let mode = match slowdown {
        None => MaintenanceMode::Reject,
        Some(x) if x.is_finite() && (1.0..=1000.0).contains(&x) => {
            MaintenanceMode::Slow { factor: x }
        }
        Some(x) => {
            return err(
                format!("{at}.slowdown"),
                format!("must be between 1 and 1000 (a latency multiplier), got {x}"),
            )
        }
    };
    Ok(Maintenance::new(start.0, end.0, mode))
}

/// An incident's `days` (a maintenance window's, a rate policy's), sorted: each a day of
/// the clock from 0 (the calendar day the window opens on), given once; none given, every
/// day.
fn dates(days: Option<&[i64]>, at: &str) -> Result<Vec<u32>, FieldError> {
    let Some(days) = days else {
        return Ok(Vec::new());
    };
    let field = format!("{at}.days");
    if days.is_empty() {
        return err(
            field,
            "is empty: leave it out for every day, or list the days (e.g. [3])",
        );
    }
    let mut out = Vec::with_capacity(days.len());
    for &d in days {
        if !(0..=36_500).contains(&d) {
            return err(
                field,
                format!("{d} is not a day of the clock (0 to 36,500; 0 is the calendar day the window opens on)"),
            );
        }
        out.push(d as u32);
    }
    out.sort_unstable();
    if let Some(w) = out.windows(2).find(|w| w[0] == w[1]) {
        return err(field, format!("day {} is given twice", w[0]));
    }
    Ok(out)
}
