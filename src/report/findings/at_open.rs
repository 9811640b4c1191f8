//! What customers meet, in sentences: the data age they see when they open the app (the
//! time-weighted age weighs 04:00 like 20:00, when far more customers look), and how their
//! own in-app requests fared (their refreshes count with the background's everywhere else).

use crate::output::never::{never_refreshed_phrase, NeverPart, NeverRun, NEVER_NOTED};
use crate::output::text::{pct, thousands, wait};
use crate::report::dataset::RunData;
use crate::report::figures::run_name;
use crate::report::figures::staleness::share;
use crate::report::findings::{age, capitalise};

/// ` When customers open the app (weighted by the app-open profile), the data they see has a
/// median age of 18.2 h and a 95th percentile of 23.9 h; 4.10 % of opens find data 24 h old
/// or older.` (a percentile among connections never refreshed said so; where
/// `window.fresh_within` is not a day, `…24 h old or older, 8.14 % 6 h old or older
/// (window.fresh_within)`: a 6-hour client's opens never find data a day old), and the bank whose
/// customers most often find data a day old, where its share reads otherwise; or nothing for
/// a file without the columns.
pub(crate) fn at_open_phrase(r: &RunData) -> String {
    let t = r.total();
    let (Some(p50), Some(p95), Some(old)) = (
        t.at_open_p50_hours,
        t.at_open_p95_hours,
        t.stale_24h_at_open_share,
    ) else {
        return String::new();
    };
    let of = |h: f64| match h.is_finite() {
        true => format!("of {}", age(h, t.age_horizon_hours)),
        false => "among connections never refreshed".into(),
    };
    let banks = r.banks();
    let oldest = (banks.iter())
        .filter_map(|b| Some((b, b.stale_24h_at_open_share?, b.at_open_p50_hours?)))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(a.2.total_cmp(&b.2)))
        .filter(|w| banks.len() > 1 && share(w.1) != share(old))
        .map(|(b, old, p50)| {
            format!(
                " Customers of {} find data a day old most often: {} of their opens (their \
                 median {}).",
                b.bank,
                share(old),
                of(p50)
            )
        })
        .unwrap_or_default();
    let fresh = (r.fresh_limit().zip(t.not_fresh_at_open_share)).map_or(String::new(), |(f, x)| {
        let f = crate::output::terminal::old_words(f);
        format!(", {} {f} old or older (window.fresh_within)", share(x))
    });
    format!(
        " When customers open the app (weighted by the app-open profile), the data they see \
         has a median age {} and a 95th percentile {}; {} of opens find data 24 h old or \
         older{fresh}.{oldest}",
        of(p50),
        of(p95),
        share(old)
    )
}

/// Where a run's measured connection-time was more than 0.1 % never refreshed: whether
/// that is the window's start or the client's own (`never_refreshed_phrase`, as `run` notes
/// it), for the run with the most.
pub(crate) fn never_refreshed_sentence(runs: &[&RunData], several: bool) -> Option<String> {
    let (r, never) = runs
        .iter()
        .map(|r| (r, r.age_shares("all").1))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    (never > NEVER_NOTED).then(|| {
        let parts: Vec<NeverPart> = r.banks().into_iter().map(|b| never_part(r, b)).collect();
        let t = r.total();
        let days = t.window_hours / 24.0;
        // The warm-up, in the whole days before the measured ones.
        let warmup = (days - t.measured_days).floor().max(0.0);
        let whole = never_part(r, t);
        let run = NeverRun {
            window_days: days,
            warmup_days: warmup,
            in_turn: t.order == "fifo",
            queue: !t.order.is_empty(),
            days: (r.daily_totals().iter())
                .filter(|d| d.measured)
                .filter_map(|d| d.never_share)
                .collect(),
        };
        let phrase = never_refreshed_phrase(never, &whole, &parts, &run);
        let who = match runs.len() > 1 {
            true => format!("Under {} (the most of the runs), ", run_name(r, several)),
            false => String::new(),
        };
        capitalise(&format!("{who}{phrase}."))
    })
}

/// A bank's (or `all`'s) row as a part in the connection-time with no data.
fn never_part<'a>(r: &RunData, b: &'a crate::output::summary::SummaryRow) -> NeverPart<'a> {
    NeverPart {
        bank: &b.bank,
        connections: b.connections as f64,
        never: r.age_shares(&b.bank).1,
        coverage: b.coverage,
        background: b.background_coverage,
        // The days one refresh covers, from the client's period (1 where a file from
        // before `period_hours` does not say).
        cover_days: ((b.period_hours.unwrap_or(24.0) * 3.6e9).round() as u64)
            .div_ceil(crate::time::DAY_US)
            .max(1) as f64,
    }
}

/// Per run with customers' in-app requests: how many, the share of their attempts that
/// failed (and at the bank where most did), their wait for data; and that their refreshes
/// count in coverage, users per day and staleness with the background's.
pub(crate) fn customers_sentence(runs: &[&RunData], several: bool) -> Option<String> {
    let parts: Vec<String> = runs
        .iter()
        .filter_map(|r| {
            let t = r.total();
            let rate = t.on_demand_failure_rate?;
            let worst = r
                .banks()
                .into_iter()
                .filter_map(|b| Some((b.bank.as_str(), b.on_demand_failure_rate?)))
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .filter(|w| r.banks().len() > 1 && pct(w.1) != pct(rate))
                .map(|(b, x)| format!(" ({} at {b})", pct(x)))
                .unwrap_or_default();
            let own = match t.background_coverage {
                Some(b) => format!(
                    " Of its {} coverage, the background's own refreshes gave {}.",
                    pct(t.coverage),
                    pct(b)
                ),
                None => String::new(),
            };
            Some(format!(
                "Under {}, customers made {} in-app requests ({} attempts) over the measured \
                 days (the runs' attempts count the warm-up's too): {} of the attempts \
                 failed{worst} (those requests got no data), and the rest had data in {} at the \
                 median, {} at the 95th percentile.{own}",
                run_name(r, several),
                thousands(t.on_demand_requests as f64),
                thousands(t.on_demand_attempts as f64),
                pct(rate),
                wait(t.on_demand_p50_seconds),
                wait(t.on_demand_p95_seconds)
            ))
        })
        .collect();
    (!parts.is_empty()).then(|| {
        parts.join(" ")
            + " Their refreshes count in coverage, users per day and staleness with the \
               background's, and spend the same banks' limits (a pass skips connections \
               already refreshed this period, so the background's own share is not what it \
               would cover without them)."
    })
}
