//! The busiest minutes of a run: the most 429s in one minute, and a bank's peak in flight.

use crate::output::text::thousands;
use crate::report::dataset::RunData;
use crate::report::figures::day::{minute_series, outage_503s, when};
use crate::report::figures::run_name;
use crate::report::phrases::and_list;

/// The most 429s in one minute, per run: in its measured days where it has some (a trial's
/// peaks were a warm-up day's, a slow client's backlog at the start, not its steady state).
pub(crate) fn busiest_sentence(runs: &[&RunData], several: bool) -> Option<String> {
    let parts: Vec<String> = runs
        .iter()
        .filter(|r| r.has_series)
        .map(|r| {
            let (_, b) = minute_series(r, None);
            let days = r.daily_totals();
            let some = days.iter().any(|d| d.measured);
            let n = b.len() / 1440 + 1;
            let mut day_measured = vec![!some; n];
            for d in days.iter().filter(|d| d.measured && d.day < n) {
                day_measured[d.day] = true;
            }
            let measured = |m: usize| day_measured[m / 1440];
            let (m, v) = b.iter().enumerate().filter(|&(i, _)| measured(i)).fold(
                (0, 0.0),
                |acc, (i, &v)| if v > acc.1 { (i, v) } else { acc },
            );
            if v > 0.0 {
                format!(
                    "{} {} ({}{})",
                    run_name(r, several),
                    thousands(v),
                    when(r, m),
                    most_at(r, m, v)
                )
            } else {
                format!("{} none", run_name(r, several))
            }
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    let closed: Vec<String> = runs
        .iter()
        .filter(|r| r.has_series)
        .filter_map(|r| {
            let n = outage_503s(r, None);
            (n > 0).then(|| format!("{} {}", run_name(r, several), thousands(n as f64)))
        })
        .collect();
    let outage = match &closed[..] {
        [] => String::new(),
        _ => format!(
            " Calls refused by a closed maintenance window (503s, not rate limits, not drawn): \
             {}.",
            and_list(&closed)
        ),
    };
    Some(format!(
        "Most 429 responses in one minute: {}.{outage}",
        and_list(&parts)
    ))
}

/// Where a run has several banks, the one with most of minute `m`'s `v` 429s: `, 90 of
/// them at uk-fixedwin` (a trial's peak was a bank its day chart had no row for).
fn most_at(r: &RunData, m: usize, v: f64) -> String {
    if r.bank_names().len() < 2 {
        return String::new();
    }
    // Minute m's rows, one a bank: their 429s as `minute_series` counts them (503s apart).
    let worst = (r.series.iter())
        .filter(|x| x.minute == m)
        .map(|x| {
            (
                x.rate_limited.saturating_sub(x.outage_rejected) as f64,
                &x.bank,
            )
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match worst {
        Some((n, bank)) if n >= v => format!(", all at {bank}"),
        Some((n, bank)) if n > 0.0 => format!(", {} of them at {bank}", thousands(n)),
        _ => String::new(),
    }
}

/// The busiest minute at one bank, per run.
pub(crate) fn bank_sentence(runs: &[&RunData], bank: &str, several: bool) -> Option<String> {
    let parts: Vec<String> = runs
        .iter()
        .map(|r| {
            let (a, b) = minute_series(r, Some(bank));
            let busiest = a.iter().copied().fold(0.0, f64::max);
            let total: f64 = b.iter().sum();
            let mut n429 = if total > 0.0 {
                format!("{} 429s in all", thousands(total))
            } else {
                "no 429s".to_string()
            };
            let closed = outage_503s(r, Some(bank));
            if closed > 0 {
                let n = thousands(closed as f64);
                n429.push_str(&format!(" and {n} 503s of its maintenance window"));
            }
            // Peak in flight is the instantaneous maximum (summary.csv); the chart's curve
            // is of minute means, whose highest is lower.
            let peak = r
                .summary
                .iter()
                .find(|s| s.bank == bank)
                .map(|s| format!("peak in flight {}, ", thousands(s.peak_in_flight as f64)))
                .unwrap_or_default();
            format!(
                "{}: {n429}, {peak}busiest minute's mean {:.1} calls in flight",
                run_name(r, several),
                busiest
            )
        })
        .collect();
    (!parts.is_empty()).then(|| format!("At {bank}: {}.", parts.join("; ")))
}
