//! The fit written out: a scenario file (the fitted banks, each number with a comment giving
//! its interval and evidence, and a client guessed from the log) that `refresh-sim check`
//! accepts and `run` runs, and the readable summary.

use super::latency::{Estimate, Family, LatencyFit};
use super::limits::{Found, Policy};
use super::{BankFit, Fit, RetryAfterFit, Timing};
use std::fmt::Write as _;

/// `x` to `digits` significant digits, without trailing zeros or an exponent.
pub fn sig(x: f64, digits: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        return if x.is_finite() {
            "0".into()
        } else {
            format!("{x}")
        };
    }
    let mag = x.abs().log10().floor() as i32;
    let decimals = (digits - 1 - mag).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A duration in seconds as the scenario format writes it (whole microseconds).
pub(super) fn duration(secs: f64) -> String {
    let mut us = (secs * 1e6).round().max(1.0) as u64;
    if us >= 1_000_000 {
        us = us.div_ceil(1000) * 1000;
    }
    if us.is_multiple_of(1_000_000) {
        format!("{}s", us / 1_000_000)
    } else if us.is_multiple_of(1000) {
        format!("{}ms", us / 1000)
    } else {
        format!("{us}us")
    }
}

fn interval(e: &Estimate) -> String {
    format!("{}–{} s", sig(e.lo, 3), sig(e.hi, 3))
}

/// The scenario text. `source` names the log in the header comment.
pub fn scenario_toml(fit: &Fit, source: &str) -> String {
    let mut s = String::new();
    let days = ((fit.span.1 - fit.span.0) as f64 / 86_400e6)
        .ceil()
        .max(1.0) as u64;
    let start_s = fit.span.0.rem_euclid(86_400_000_000) / 1_000_000;
    let _ = writeln!(
        s,
        "# Banks fitted by `refresh-sim fit` from {source}: {} attempts by {} connections.\n\
         # Each fitted number's comment gives its 95 % interval and evidence (docs/fitting.md).\n\
         # The window, population, platform and client are read off the log; the client (a queue\n\
         # as deep as the most refreshes the log had outstanding, with the band of hours it kept to)\n\
         # is a guess: set it to your own.",
        fit.rows, fit.connections
    );
    for w in fit.warnings.iter().filter(|w| {
        w.what.starts_with("the log spans only") || w.what.starts_with(super::retries::REQUEUED)
    }) {
        let _ = writeln!(s, "# WARNING: {}.", w.what);
    }
    s.push_str(&timing_header(fit));
    s.push_str(&super::unfitted::header(fit));
    // The description carries what is not fitted, so that `plan` can say it.
    let description = format!(
        "{}{source}. {}",
        super::FITTED_FROM,
        super::unfitted::line(fit)
    );
    let _ = writeln!(
        s,
        "name = \"fitted\"\ndescription = \"{}\"\nseed = 1\n",
        description.replace('\\', "/").replace('"', "'")
    );
    let (warmup, why) = super::cadence::warmup(fit);
    let _ = writeln!(
        s,
        "[window]\nstart = \"{:02}:{:02}\"\nlength = \"{}d\"\nwarmup = \"{warmup}d\"  # {why}\n",
        start_s / 3600,
        start_s / 60 % 60,
        days + warmup
    );
    fit.customers.population_toml(&mut s, fit.connections);
    fit.customers.on_demand_toml(&mut s);
    platform(&mut s, fit);
    client(&mut s, fit);
    let total: usize = fit.banks.iter().map(|b| b.connections).sum();
    let mut given = 0.0;
    for (i, b) in fit.banks.iter().enumerate() {
        let share = if i + 1 == fit.banks.len() {
            1.0 - given
        } else {
            (b.connections as f64 / total as f64 * 1e6).round() / 1e6
        };
        given += share;
        bank(&mut s, b, share);
    }
    for (name, rows) in &fit.left_out {
        let _ = writeln!(
            s,
            "# {name}: left out, {rows} rows is too few to fit (at least {} admitted calls).",
            super::MIN_ADMITTED
        );
    }
    s
}

/// The header's lines on how the client learned outcomes: from a flag, inferred from the
/// durations (with what they showed), or assumed where the log cannot tell, since every
/// latency in the file is read through it.
fn timing_header(fit: &Fit) -> String {
    let b = &fit.timing_basis;
    let mut s = String::from("#\n");
    if let Some(c) = fit.clock.describe() {
        super::unfitted::comment(&mut s, &format!("CLOCK: {c}."));
    }
    let assumed = if b.assumed {
        " (check it: the latencies are read through it)"
    } else {
        ""
    };
    let mut text = format!("TIMING{assumed}: {}; {}.", b.decided, b.delay);
    if let Some(e) = &b.evidence {
        text.push_str(&format!(" Evidence: {e}."));
    }
    super::unfitted::comment(&mut s, &text);
    s
}

/// The `[platform]` section: the timing, each value with how it was decided.
fn platform(s: &mut String, fit: &Fit) {
    let decided = &fit.timing_basis.decided;
    let delay = &fit.timing_basis.delay;
    match fit.timing {
        Timing::Poll {
            interval_us,
            first_us,
        } => {
            let _ = writeln!(
                s,
                "[platform]\nstatus = \"poll\"\npoll_interval = \"{}\"  # {decided}\nfirst_poll = \"{}\"  # {delay}\n",
                duration(interval_us as f64 / 1e6),
                duration(first_us.max(1000) as f64 / 1e6),
            );
        }
        Timing::Callback { delay_us } => {
            let _ = writeln!(
                s,
                "[platform]\nstatus = \"callback\"  # {decided}\ncallback_delay = \"{}\"  # {delay}\n",
                duration(delay_us.max(1000) as f64 / 1e6),
            );
        }
    }
}

fn bank(s: &mut String, b: &BankFit, share: f64) {
    let _ = writeln!(s, "[[banks]]\nname = \"{}\"", b.name.replace('"', "'"));
    let _ = writeln!(
        s,
        "share = {}  # {} of the log's connections",
        sig(share.max(1e-6), 6),
        b.connections
    );
    if b.calls_per_refresh > 1 {
        let _ = writeln!(
            s,
            "calls_per_refresh = {}  # --calls-per-refresh: its buckets and windows count calls",
            b.calls_per_refresh
        );
    }
    let e = &b.errors;
    let _ = writeln!(
        s,
        "error_rate = {}  # 95 % {}–{} (Clopper–Pearson: {} 5xx of {} admitted calls)",
        sig(e.value, 4),
        sig(e.lo, 3),
        sig(e.hi, 3),
        e.k,
        e.n
    );
    service_time(s, &b.latency);
    let _ = writeln!(s, "limits = [");
    for (f, ra) in b.limits.found.iter().zip(&b.policy_retry_after) {
        let _ = writeln!(s, "  {},  # {}", limit(&f.policy), evidence(f, ra));
    }
    if let Some(window) = b.closed.as_ref().and_then(super::unfitted::closed_limits) {
        s.push_str(&window);
    }
    let _ = writeln!(s, "]");
    if let Some(c) = &b.closed {
        s.push_str(&super::unfitted::closed_note(c));
    }
    for n in &b.limits.not_identified {
        let _ = writeln!(s, "# {n}");
    }
    tested(s, &b.limits.tested);
    if b.limits.unexplained > 0 {
        let _ = writeln!(
            s,
            "# {} of {} 429s are explained by none of the policies above.",
            b.limits.unexplained, b.limits.rejections
        );
    }
    let _ = writeln!(s, "{}\n", retry_after_line(b));
}

/// The bank's `retry_after`: what its 429s said, unless they said nothing and a fitted
/// maintenance window's 503s did, at a bank whose fitted limits are caps (whose 429s carry
/// none under `"policy"` either): then `"policy"`, so the window's rejections tell a client
/// when it opens, as the log's did (written `"none"`, a trial's fitted client met 1.38 % of
/// its attempts in the window where the truth's waited it out and met 0.03 %).
fn retry_after_line(b: &BankFit) -> String {
    let window = b.closed.as_ref().is_some_and(|c| c.window());
    let caps = b
        .limits
        .found
        .iter()
        .all(|f| matches!(f.policy, Policy::Concurrency { .. }));
    match b.retry_after {
        RetryAfterFit::None { rejections }
            if window && caps && 2 * b.closed_retry_after >= b.outage =>
        {
            format!(
                "retry_after = \"policy\"  # none of {rejections} 429s carried Retry-After (a \
                 cap's carry none under \"policy\" either); {} of the closed bank's {} 503s did",
                b.closed_retry_after, b.outage
            )
        }
        _ => retry_after(&b.retry_after),
    }
}

/// The client read off the log: `[strategy]` (a queue as deep as its most outstanding, its
/// band of hours) and `[retry]`.
fn client(s: &mut String, fit: &Fit) {
    let _ = writeln!(s, "[strategy]\nkind = \"queued\"\nconcurrency = {}  # the most of the client's refreshes outstanding at once in the log", fit.peak_outstanding.max(1));
    if let Some((from, to)) = fit.band {
        let _ = writeln!(
            s,
            "hours = [\"{from:02}:00\", \"{to:02}:00\"]  # the client's first attempts all fell within these hours, and did not get through its book a day"
        );
    }
    s.extend(fit.cadence.toml().map(|p| p + "\n"));
    s.push('\n');
    if let Some(r) = &fit.retries {
        r.toml(s);
    }
}

/// The bank's `tested` traffic, where the log showed no rate limit or no cap.
fn tested(s: &mut String, t: &crate::bank::Tested) {
    let fields: Vec<String> = [
        t.per_hour.map(|n| format!("per_hour = {n}")),
        t.in_flight.map(|n| format!("in_flight = {n}")),
        t.per_connection_day
            .map(|n| format!("per_connection_day = {n}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if fields.is_empty() {
        return;
    }
    let what: Vec<&str> = [
        (
            t.per_hour,
            "busiest hour (any hour's), beyond which no rate limit was tested",
        ),
        (
            t.in_flight.map(u64::from),
            "calls in flight, which showed no cap",
        ),
        (
            t.per_connection_day.map(u64::from),
            "most unattended calls a connection a day, which showed no quota",
        ),
    ]
    .into_iter()
    .filter_map(|(n, what)| n.map(|_| what))
    .collect();
    let _ = writeln!(
        s,
        "tested = {{ {} }}  # the log's {}: the model knows no limit above them; `plan`, and \
         `run` and `check` for a period, say where a setting goes beyond",
        fields.join(", "),
        what.join("; ")
    );
}

fn service_time(s: &mut String, l: &LatencyFit) {
    let line = match l.family {
        Family::LogNormal { .. } => format!(
            "{{ dist = \"lognormal\", median = \"{}\", p95 = \"{}\" }}",
            duration(l.median.value),
            duration(l.p95.value.max(l.median.value))
        ),
        Family::Exponential { mean } => format!(
            "{{ dist = \"exponential\", mean = \"{}\" }}",
            duration(mean)
        ),
        Family::Constant { value } => {
            format!("{{ dist = \"constant\", value = \"{}\" }}", duration(value))
        }
    };
    let _ = writeln!(s, "service_time = {line}");
    let how = if l.exact {
        "exact durations (callbacks)".to_string()
    } else if l.censored < l.n {
        format!(
            "exact durations (callbacks), but {} learned within the callback delay, known only to be shorter than the time to their callback",
            l.censored
        )
    } else {
        "durations censored by the polls".to_string()
    };
    if l.identified {
        let _ = writeln!(
            s,
            "# {} median {} s (95 % {}), p95 {} s (95 % {}); {} calls, {how}",
            family_name(l.family),
            sig(l.median.value, 3),
            interval(&l.median),
            sig(l.p95.value, 3),
            interval(&l.p95),
            l.n
        );
    } else {
        let _ = writeln!(s, "# latency NOT IDENTIFIED from these logs ({how}): the median lies in {}, the p95 in {}; the values above are the best guess within them",
            interval(&l.median), interval(&l.p95));
    }
    let _ = writeln!(
        s,
        "# AIC lognormal {:.1}, exponential {:.1}; {}{}",
        l.aic_lognormal,
        l.aic_exponential,
        gof(l),
        rejected_lognormal(l)
    );
}

fn family_name(f: Family) -> &'static str {
    match f {
        Family::LogNormal { .. } => "lognormal",
        Family::Exponential { .. } => "exponential",
        Family::Constant { .. } => "constant",
    }
}

/// The lognormal's own figures when another family was chosen, labelled as such: a user
/// who prefers it can write them in.
fn rejected_lognormal(l: &LatencyFit) -> String {
    match l.family {
        Family::LogNormal { .. } if l.aic_exponential < l.aic_lognormal => format!(
            "; the exponential's AIC is lower by {:.2}, less than {}: the log does not choose \
             between them, and the lognormal's interval carries its shape's uncertainty (the \
             exponential would have median {} s, p95 {} s)",
            // Truncated: 1.997 is not "2.00, less than 2" (a trial read "2.0, within 2").
            ((l.aic_lognormal - l.aic_exponential) * 100.0 + 1e-9).floor() / 100.0,
            super::latency::AIC_CLEAR,
            sig(l.exponential_mean * std::f64::consts::LN_2, 3),
            sig(l.exponential_mean * 20f64.ln(), 3)
        ),
        Family::LogNormal { .. } => String::new(),
        _ => format!(
            "; the lognormal, not chosen, would have median {} s, p95 {} s",
            sig(l.lognormal.0, 3),
            sig(l.lognormal.1, 3)
        ),
    }
}

fn gof(l: &LatencyFit) -> String {
    match l.gof {
        Some((x2, df, p)) => format!("chi-square {} on {df} df, p = {}", sig(x2, 4), sig(p, 3)),
        None => "no degrees of freedom left to test the fit".into(),
    }
}

/// A policy as the scenario file writes it (an inline table).
pub(super) fn limit(p: &Policy) -> String {
    match p {
        Policy::Concurrency { max_in_flight, .. } => {
            format!("{{ kind = \"concurrency\", max_in_flight = {max_in_flight} }}")
        }
        Policy::TokenBucket {
            rate,
            burst,
            during,
            unattended,
            ..
        } => format!(
            "{{ kind = \"token_bucket\", rate = {}, burst = {burst}{}{} }}",
            sig(*rate, 4),
            during.map_or(String::new(), |(from, to)| format!(
                ", during = [\"{from:02}:00\", \"{to:02}:00\"]"
            )),
            ["", ", applies_to = \"unattended\""][usize::from(*unattended)]
        ),
        Policy::FixedWindow { limit, window_s } => {
            format!("{{ kind = \"fixed_window\", limit = {limit}, window = \"{window_s}s\" }}")
        }
        Policy::SlidingWindow { limit, window_s } => {
            format!("{{ kind = \"sliding_window\", limit = {limit}, window = \"{window_s}s\" }}")
        }
        Policy::PenaltyBox { duration_s } => {
            format!("{{ kind = \"penalty_box\", duration = \"{duration_s}s\" }}")
        }
        Policy::Quota { k, rolling } => format!(
            "{{ kind = \"quota\", k = {k}, period = \"{}\" }}",
            if *rolling {
                "rolling_24h"
            } else {
                "calendar_day"
            }
        ),
    }
}

/// The interval of a policy's numbers, where the logs leave one.
fn bounds(p: &Policy) -> String {
    match p {
        Policy::Concurrency { lo, hi, .. } if lo == hi => format!("exactly {lo}"),
        Policy::Concurrency { lo, hi, .. } if *hi == u32::MAX => format!("at least {lo}"),
        Policy::Concurrency { lo, hi, .. } => format!("between {lo} and {hi}"),
        Policy::TokenBucket {
            rate_lo,
            rate_hi,
            burst_lo,
            burst_hi,
            ..
        } => format!(
            "rate {}–{}/s, burst {burst_lo}–{burst_hi}",
            sig(*rate_lo, 4),
            sig(*rate_hi, 4)
        ),
        Policy::Quota { .. } => "k is the most admitted for one connection in one period".into(),
        Policy::PenaltyBox { .. } => {
            "the duration is what the closures' first 429s said, to the second".into()
        }
        _ => "the limit is the most admitted in one window".into(),
    }
}

fn evidence(f: &Found, retry_after: &Option<String>) -> String {
    let mut s = format!(
        "{} confidence: explains {} of the {} 429s left; {}; {}",
        f.confidence,
        f.explained,
        f.of,
        bounds(&f.policy),
        f.evidence
    );
    if let Some(r) = retry_after {
        s.push_str("; ");
        s.push_str(r);
    }
    for r in &f.rivals {
        s += &format!(
            "; {} explains the same 429s: the log cannot tell them apart",
            limit(r)
        );
    }
    s
}

fn retry_after(r: &RetryAfterFit) -> String {
    match r {
        RetryAfterFit::None { rejections } => format!("retry_after = \"none\"  # none of {rejections} 429s carried Retry-After"),
        RetryAfterFit::Fixed { secs, rejections } => format!("retry_after = \"{}\"  # every one of {rejections} 429s said {} s", duration(*secs), sig(*secs, 4)),
        RetryAfterFit::Policy { with, rejections, min, median, max } => format!(
            "retry_after = \"policy\"  # {with} of {rejections} 429s carried Retry-After, varying: {}–{} s, median {} s", sig(*min, 3), sig(*max, 3), sig(*median, 3)),
    }
}

/// The readable summary printed by `fit`.
pub fn summary(fit: &Fit) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} attempts, {} connections, {} bank(s) fitted; timing: {}; {}",
        fit.rows,
        fit.connections,
        fit.banks.len(),
        fit.timing_basis.decided,
        fit.timing_basis.delay
    );
    if let Some(e) = &fit.timing_basis.evidence {
        let lead = if fit.timing_basis.assumed {
            "warning: the timing is assumed, the log cannot tell"
        } else {
            "  evidence"
        };
        let _ = writeln!(s, "{lead}: {e}");
    }
    for w in &fit.warnings {
        let at = if w.first_line > 0 {
            format!(" (first at line {})", w.first_line)
        } else {
            String::new()
        };
        match w.count {
            0 => writeln!(s, "warning: {}{at}", w.what),
            n => writeln!(s, "warning: {n} {}{at}", w.what),
        }
        .ok();
    }
    for (name, rows) in &fit.left_out {
        let _ = writeln!(s, "warning: bank {name}: {rows} rows, too few to fit (at least {} admitted calls needed); left out", super::MIN_ADMITTED);
    }
    let clock = fit.clock.describe().map(|c| format!("clock: {c}\n"));
    s.push_str(&clock.unwrap_or_default());
    let _ = writeln!(s, "{}", fit.customers.line());
    let _ = writeln!(s, "{}", fit.cadence.line(fit.band.is_some()));
    let _ = writeln!(s, "{}", super::unfitted::line(fit));
    for b in &fit.banks {
        bank_summary(&mut s, b);
    }
    s
}

fn bank_summary(s: &mut String, b: &BankFit) {
    let _ = writeln!(
        s,
        "\n{}: {} attempts, {} connections",
        b.name, b.attempts, b.connections
    );
    let l = &b.latency;
    let fam = match l.family {
        Family::LogNormal { .. } => "lognormal".to_string(),
        Family::Exponential { mean } => {
            format!("exponential (mean {} s, lower AIC)", sig(mean, 3))
        }
        Family::Constant { value } => format!("constant ({} s)", sig(value, 3)),
    };
    if l.identified {
        let _ = writeln!(
            s,
            "  latency: {fam}; median {} s [{}], p95 {} s [{}]; {}{}",
            sig(l.median.value, 3),
            interval(&l.median),
            sig(l.p95.value, 3),
            interval(&l.p95),
            gof(l),
            rejected_lognormal(l)
        );
    } else {
        let _ = writeln!(s, "  latency: NOT IDENTIFIED (polls too coarse for these durations): median in {}, p95 in {}", interval(&l.median), interval(&l.p95));
    }
    if b.off_grid > 0 {
        let _ = writeln!(
            s,
            "  warning: {} durations not on the poll grid (read as if they were)",
            b.off_grid
        );
    }
    let e = &b.errors;
    let _ = writeln!(
        s,
        "  5xx: {} % [{}–{} %] ({} of {})",
        sig(100.0 * e.value, 3),
        sig(100.0 * e.lo, 3),
        sig(100.0 * e.hi, 3),
        e.k,
        e.n
    );
    let _ = writeln!(
        s,
        "  429s: {}{}",
        b.rate_limited,
        if b.outage > 0 {
            let fitted = b.closed.as_ref().is_some_and(|c| c.window());
            let what = if fitted {
                "a maintenance window"
            } else {
                "not fitted"
            };
            format!(" (and {} 503s of a closed bank: {what})", b.outage)
        } else {
            String::new()
        }
    );
    for (f, ra) in b.limits.found.iter().zip(&b.policy_retry_after) {
        let _ = writeln!(s, "  limit: {} — {}", limit(&f.policy), evidence(f, ra));
    }
    if b.limits.unexplained > 0 {
        let _ = writeln!(s, "  {} 429s explained by no policy", b.limits.unexplained);
    }
    for n in &b.limits.not_identified {
        let _ = writeln!(s, "  {n}");
    }
    let _ = writeln!(s, "  {}", retry_after(&b.retry_after).replace("  # ", ": "));
}
