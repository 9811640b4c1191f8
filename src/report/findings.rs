//! Findings: sentences computed from the data of runs and vendor tables, for captions.

use crate::output::text::{age_or_more, pct, thousands};
use crate::report::dataset::{self, Dataset, RunData};
use crate::report::document::paragraphs::measured_days;
use crate::report::figures::scenarios_of;
use crate::report::figures::staleness::share;
use crate::report::figures::{run_name, COVERAGE_TARGET};
use crate::report::findings::at_open::at_open_phrase;
use crate::report::findings::sweep::sweep_findings;
use crate::report::phrases::{and_list, ratio};
use std::fmt::Write as _;

pub(crate) mod at_open;
mod days;
pub(crate) use days::troubled_bank;
mod minutes;
pub(crate) mod paired;
pub(crate) mod sweep;
pub(crate) use minutes::{bank_sentence, busiest_sentence, clock_sentence};

/// Growth of the model's refreshes per day over the table's rows on the same scenario, and the
/// first step where doubling the slots gained clearly less than double.
pub(crate) fn table_growth_sentence(rows: &[dataset::TableRow]) -> Option<String> {
    let mut out = Vec::new();
    let mut scenarios: Vec<&str> = Vec::new();
    for r in rows {
        if !scenarios.contains(&r.scenario.as_str()) {
            scenarios.push(&r.scenario);
        }
    }
    for s in scenarios {
        let g: Vec<&dataset::TableRow> = rows.iter().filter(|r| r.scenario == s).collect();
        if g.len() < 2 {
            continue;
        }
        let (a, b) = (g[0], g[g.len() - 1]);
        if a.concurrency == 0 || a.refreshes_per_day <= 0.0 {
            continue;
        }
        let on = if s.is_empty() {
            String::new()
        } else {
            format!(" on {s}")
        };
        let mut sentence = format!(
            "From concurrency {} to {}{on} ({} the slots), the model's refreshes per day went from {} to {} ({})",
            a.concurrency,
            b.concurrency,
            ratio(b.concurrency as f64 / a.concurrency as f64),
            thousands(a.refreshes_per_day),
            thousands(b.refreshes_per_day),
            ratio(b.refreshes_per_day / a.refreshes_per_day)
        );
        let (fa, fb) = (a.failure_rate, b.failure_rate);
        if pct(fa) == pct(fb) {
            let _ = write!(sentence, ", with a failure rate of {} throughout", pct(fa));
        } else {
            let _ = write!(
                sentence,
                ", and the failure rate from {} to {}",
                pct(fa),
                pct(fb)
            );
        }
        sentence.push('.');
        out.push(sentence);
        // The first step that gained less than 75 % of proportional growth.
        for w in g.windows(2) {
            let (x, y) = (w[0], w[1]);
            if x.refreshes_per_day <= 0.0 || x.concurrency == 0 {
                continue;
            }
            let slots = y.concurrency as f64 / x.concurrency as f64;
            let gain = y.refreshes_per_day / x.refreshes_per_day;
            if slots > 1.0 && (gain - 1.0) < 0.75 * (slots - 1.0) {
                out.push(format!(
                    "The curve bends{on} between concurrency {} and {}: {} the slots gave {} the refreshes per day.",
                    x.concurrency,
                    y.concurrency,
                    ratio(slots),
                    ratio(gain)
                ));
                break;
            }
        }
    }
    (!out.is_empty()).then(|| out.join(" "))
}

/// How many documented rows the model reproduced, and the range of deviations.
pub(crate) fn table_calibration_sentence(rows: &[dataset::TableRow]) -> Option<String> {
    let doc: Vec<&dataset::TableRow> = rows
        .iter()
        .filter(|r| r.documented_users_per_day.is_some_and(|d| d > 0.0))
        .collect();
    if doc.is_empty() {
        return None;
    }
    let devs: Vec<f64> = doc.iter().filter_map(|r| r.deviation_per_day).collect();
    let lo = devs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = devs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let tol = crate::vendor::TOLERANCE;
    let within = doc
        .iter()
        .filter(|r| r.within_5_percent == Some(true))
        .count();
    let marked = doc.iter().filter(|r| r.within_5_percent.is_some()).count();
    let mut s = format!(
        "The model's refreshes per day (a looping queue over a backlog, so each is a distinct user) were between {:+.1} % and {:+.1} % of the vendor's {} documented users per day",
        100.0 * lo,
        100.0 * hi,
        doc.len()
    );
    if marked == doc.len() {
        let _ = write!(
            s,
            "; {within} of {} rows were within ±{:.0} % on both refreshes per hour and per day",
            doc.len(),
            100.0 * tol
        );
    }
    s.push('.');
    Some(s)
}

/// Runs grouped by scenario (in order), only groups with at least two runs.
pub(crate) fn comparable(ds: &Dataset) -> Vec<(String, Vec<&RunData>)> {
    let mut groups: Vec<(String, Vec<&RunData>)> = Vec::new();
    for r in &ds.runs {
        let s = r.total().scenario.clone();
        match groups.iter_mut().find(|g| g.0 == s) {
            Some(g) => g.1.push(r),
            None => groups.push((s, vec![r])),
        }
    }
    groups.retain(|g| g.1.len() >= 2);
    groups
}

pub(crate) fn on_scenario(s: &str, show: bool) -> String {
    if show && !s.is_empty() {
        format!(" on {s}")
    } else {
        String::new()
    }
}

/// The bank with the lowest coverage (of each period, where shorter than a day), if there
/// are several and they differ.
pub(crate) fn lowest_coverage_bank<'a>(
    banks: &[&'a dataset::SummaryRow],
) -> Option<&'a dataset::SummaryRow> {
    let low = banks
        .iter()
        .min_by(|a, b| judged(a).total_cmp(&judged(b)))?;
    let high = banks
        .iter()
        .max_by(|a, b| judged(a).total_cmp(&judged(b)))?;
    (banks.len() > 1 && pct(judged(low)) != pct(judged(high))).then_some(*low)
}

/// Which strategy failed least and which most.
pub(crate) fn failure_caption(ds: &Dataset) -> String {
    let groups = comparable(ds);
    let show = groups.len() > 1;
    let mut out = Vec::new();
    for (s, runs) in &groups {
        let best = runs
            .iter()
            .min_by(|a, b| a.total().failure_rate.total_cmp(&b.total().failure_rate))
            .unwrap();
        let worst = runs
            .iter()
            .max_by(|a, b| a.total().failure_rate.total_cmp(&b.total().failure_rate))
            .unwrap();
        let (fb, fw) = (best.total().failure_rate, worst.total().failure_rate);
        if pct(fb) == pct(fw) {
            out.push(format!(
                "All {} strategies{} had the same failure rate, {}.",
                runs.len(),
                on_scenario(s, show),
                pct(fb)
            ));
        } else {
            // With each one's coverage: a low failure rate may come of covering little (a
            // trial's report praised a queue that covered 58.5 % first; another's "kept the
            // failure rate at 6.64 %" of a nightly job covering 5.57 %).
            out.push(format!(
                "{}{} failed least, {} of attempts (covering {}), and {} most, {} (covering \
                 {}).{}",
                capitalise(&best.label()),
                on_scenario(s, show),
                pct(fb),
                coverage_words(best.total()),
                worst.label(),
                pct(fw),
                coverage_words(worst.total()),
                covered_most(runs, best, worst)
            ));
        }
    }
    if let Some(rows) = &ds.table {
        if let Some(s) = table_failure_sentence(rows) {
            out.push(s);
        }
    }
    out.join(" ")
}

/// Where the run that failed least covered 5 points or more less than another, the one
/// that covered most (unless it is the one that failed most, whose coverage is said):
/// failing least is not the better client.
fn covered_most(runs: &[&RunData], least: &RunData, worst: &RunData) -> String {
    let cov = |r: &RunData| judged(r.total());
    let Some(most) = runs.iter().max_by(|a, b| cov(a).total_cmp(&cov(b))) else {
        return String::new();
    };
    match cov(most) >= cov(least) + 0.05 && !std::ptr::eq(*most, worst) {
        true => format!(
            " Failing least is not covering most: {} covered {} at {} failures.",
            most.label(),
            coverage_words(most.total()),
            pct(most.total().failure_rate)
        ),
        false => String::new(),
    }
}

/// The smallest table concurrency with failures above 1 %, on the table's last scenario.
pub(crate) fn table_failure_sentence(rows: &[dataset::TableRow]) -> Option<String> {
    let first_failing = rows
        .iter()
        .filter(|r| r.failure_rate > 0.01)
        .min_by_key(|r| r.concurrency)?;
    let clean: Vec<&dataset::TableRow> = rows
        .iter()
        .filter(|r| r.concurrency < first_failing.concurrency)
        .filter(|r| r.failure_rate <= 0.01)
        .collect();
    let all_below_clean = rows
        .iter()
        .filter(|r| r.concurrency < first_failing.concurrency)
        .all(|r| r.failure_rate <= 0.01);
    let mut s = format!(
        "In the vendor table rows, failures first exceeded 1 % at concurrency {} on {} ({})",
        first_failing.concurrency,
        first_failing.scenario,
        pct(first_failing.failure_rate)
    );
    if let Some(top) = clean
        .iter()
        .filter(|_| all_below_clean)
        .max_by_key(|r| r.concurrency)
    {
        let _ = write!(
            s,
            "; up to concurrency {} on {} they stayed at or below 1 %",
            top.concurrency, top.scenario
        );
    }
    s.push('.');
    Some(s)
}

/// `s` with its first letter in capitals, a sentence's start: "Random offset failed…";
/// AIMD, an acronym, in capitals whole (a trial's report read "Aimd failed least").
pub(crate) fn capitalise(s: &str) -> String {
    if let Some(rest) = s.strip_prefix("aimd") {
        if !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
            return format!("AIMD{rest}");
        }
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A run's coverage as the target judges it: of each period where the client's is shorter
/// than a day (a trial's report said a 6-hour client "met the 99 % target" covering 94 % of
/// its periods, 99.22 % of its days), else of each day.
/// Of a run's `all` row or a bank's.
fn judged(t: &dataset::SummaryRow) -> f64 {
    t.period_coverage.unwrap_or(t.coverage)
}

/// A run's (or a bank's) coverage in words: of its periods, with its days' where they
/// read otherwise.
fn coverage_words(t: &dataset::SummaryRow) -> String {
    match t.period_coverage {
        Some(p) if pct(p) != pct(t.coverage) => {
            format!("{} of its periods ({} a day)", pct(p), pct(t.coverage))
        }
        Some(p) => format!("{} of its periods", pct(p)),
        None => pct(t.coverage),
    }
}

/// Coverage per strategy (of each period where a period is shorter than a day), the
/// target, and the bank with the lowest coverage.
pub(crate) fn coverage_caption(ds: &Dataset) -> String {
    let groups = comparable(ds);
    let show = groups.len() > 1;
    let mut out = Vec::new();
    for (s, runs) in &groups {
        let mut sorted = runs.clone();
        sorted.sort_by(|a, b| judged(b.total()).total_cmp(&judged(a.total())));
        let parts: Vec<String> = (sorted.iter())
            .map(|r| format!("{} {}", r.label(), coverage_words(r.total())))
            .collect();
        let periods = runs.iter().any(|r| r.total().period_coverage.is_some());
        let over = match (measured_days(runs[0].total()), periods) {
            (Some(m), false) => format!(
                " (due connection-days refreshed that day or within a period of days, over {m})"
            ),
            (Some(m), true) => format!(
                " (due connections refreshed in each of the client's periods where it is \
                 shorter than a day, else each day, over {m})"
            ),
            (None, _) => String::new(),
        };
        out.push(format!(
            "Coverage{}{over}: {}.",
            on_scenario(s, show),
            and_list(&parts)
        ));
        let meeting: Vec<String> = sorted
            .iter()
            .filter(|r| judged(r.total()) >= COVERAGE_TARGET)
            .map(|r| r.label())
            .collect();
        if meeting.is_empty() {
            out.push(format!(
                "None reached the {:.0} % target; the closest was {}.",
                100.0 * COVERAGE_TARGET,
                sorted[0].label()
            ));
        } else {
            out.push(format!(
                "{} met the {:.0} % target.",
                capitalise(&and_list(&meeting)),
                100.0 * COVERAGE_TARGET
            ));
        }
        let best = sorted[0];
        let banks = best.banks();
        if let Some(low) = lowest_coverage_bank(&banks) {
            out.push(format!(
                "Under {}, {} had the lowest coverage, {}, with {} of its attempts failing.",
                best.label(),
                low.bank,
                coverage_words(low),
                pct(low.failure_rate)
            ));
        }
    }
    if groups.is_empty() {
        if let Some(r) = ds.runs.first() {
            let c = coverage_words(r.total());
            out.push(format!(
                "{} reached a coverage of {c}.",
                capitalise(&r.label())
            ));
        }
    }
    out.join(" ")
}

pub(crate) fn clock(minute: u32) -> String {
    let m = minute % 1440;
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// A data-age percentile: `14.1 h`, or `never refreshed` when it falls among connections
/// never refreshed.
/// An age as report.md writes it: "never refreshed", or `≥` the horizon `horizon` (the
/// row's `age_horizon_hours`) where it is a lower bound.
pub(crate) fn age(h: f64, horizon: f64) -> String {
    if h.is_infinite() {
        "never refreshed".into()
    } else {
        age_or_more(h, horizon, |h| format!("{h:.1} h"))
    }
}

/// `median data age 14.1 h, 95th percentile 23.4 h` and, for percentiles among connections
/// never refreshed, `the 99th percentile falls among connections never refreshed`.
pub(crate) fn percentiles_phrase(t: &dataset::SummaryRow) -> Option<String> {
    let ps = [
        ("median", t.staleness_p50_hours),
        ("95th", t.staleness_p95_hours),
        ("99th", t.staleness_p99_hours),
    ];
    let finite: Vec<String> = ps
        .iter()
        .filter_map(|(n, h)| {
            let h = h.filter(|h| h.is_finite())?;
            Some(if *n == "median" {
                format!("median data age {}", age(h, t.age_horizon_hours))
            } else {
                format!("{n} percentile {}", age(h, t.age_horizon_hours))
            })
        })
        .collect();
    let never: Vec<String> = ps
        .iter()
        .filter(|(_, h)| h.is_some_and(f64::is_infinite))
        .map(|(n, _)| n.to_string())
        .collect();
    let mut out = finite.join(", ");
    if !never.is_empty() {
        if !out.is_empty() {
            out.push_str(", while ");
        }
        let _ = write!(
            out,
            "the {} {} among connections never refreshed",
            and_list(&never),
            if never.len() == 1 {
                "percentile falls"
            } else {
                "percentiles fall"
            }
        );
    }
    (!out.is_empty()).then_some(out)
}

/// `older than 24 h for 16.40 % of connection-time (older than 48 h for 8.66 %; 6.54 %
/// never refreshed)`, for one bank (or `all`) of one run.
pub(crate) fn stale_phrase(r: &RunData, t: &dataset::SummaryRow, whose: &str) -> Option<String> {
    let s24 = t.stale_24h_share?;
    let mut s = format!(
        "older than 24 h for {} of {whose}connection-time",
        share(s24)
    );
    let mut more = Vec::new();
    if let Some(s48) = t.stale_48h_share {
        more.push(format!("older than 48 h for {}", share(s48)));
    }
    if r.has_staleness {
        let (_, never) = r.age_shares(&t.bank);
        more.push(format!("{} never refreshed", share(never)));
    }
    if !more.is_empty() {
        let _ = write!(s, " ({})", more.join("; "));
    }
    Some(s)
}

/// Per run: how much connection-time had data older than 24 h and 48 h, and the data age's
/// percentiles, over the measured time (every connection with valid consent counted).
pub(crate) fn staleness_sentence(runs: &[&RunData], several: bool) -> Option<String> {
    let parts: Vec<String> = runs
        .iter()
        .filter_map(|r| {
            let t = r.total();
            let (who, open) = (format!("Under {}", run_name(r, several)), at_open_phrase(r));
            Some(match (stale_phrase(r, t, ""), percentiles_phrase(t)) {
                (Some(a), Some(b)) => format!("{who}, data was {a}; {b}.{open}"),
                (Some(a), None) => format!("{who}, data was {a}.{open}"),
                (None, Some(b)) => format!("{who}, {b}.{open}"),
                (None, None) => return None,
            })
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// The bank of a run whose data was older than 24 h for the most connection-time.
pub(crate) fn stalest_bank_sentence(r: &RunData) -> Option<String> {
    let banks = r.banks();
    if banks.len() < 2 {
        return None;
    }
    let share = |b: &&&dataset::SummaryRow| b.stale_24h_share.unwrap_or(0.0);
    let with: Vec<&&dataset::SummaryRow> = banks
        .iter()
        .filter(|b| b.stale_24h_share.is_some())
        .collect();
    let worst = with.iter().max_by(|a, b| share(a).total_cmp(&share(b)))?;
    let best = with.iter().min_by(|a, b| share(a).total_cmp(&share(b)))?;
    if pct(worst.stale_24h_share?) == pct(best.stale_24h_share?) {
        return None;
    }
    Some(format!(
        "The stalest bank was {}, whose data was {}; at the freshest, {}, data was {}.",
        worst.bank,
        stale_phrase(r, worst, "its ")?,
        best.bank,
        stale_phrase(r, best, "its ")?
    ))
}

/// Per run, the data age at one bank.
pub(crate) fn bank_staleness_sentence(
    runs: &[&RunData],
    bank: &str,
    several: bool,
) -> Option<String> {
    let parts: Vec<String> = runs
        .iter()
        .filter_map(|r| {
            let t = r.summary.iter().find(|s| s.bank == bank)?;
            let mut s = format!(
                "under {}, data was {}",
                run_name(r, several),
                stale_phrase(r, t, "its ")?
            );
            if let Some(p) = percentiles_phrase(t) {
                let _ = write!(s, "; {p}");
            }
            Some(s)
        })
        .collect();
    (!parts.is_empty()).then(|| format!("At {bank}: {}.", parts.join("; ")))
}

/// The report's key findings: every sentence computed from the data, none empty.
pub(crate) fn key_findings(ds: &Dataset) -> Vec<String> {
    let mut findings: Vec<String> = Vec::new();
    if let Some(rows) = &ds.table {
        findings.extend(table_calibration_sentence(rows));
        findings.extend(table_growth_sentence(rows));
    }
    findings.push(failure_caption(ds));
    if !comparable(ds).is_empty() {
        findings.push(coverage_caption(ds));
    } else if let Some(r) = ds.runs.first() {
        let t = r.total();
        findings.push(format!(
            "{} had a failure rate of {}, a coverage of {}{} and {} users refreshed per day ({}).",
            capitalise(&r.label()),
            pct(t.failure_rate),
            pct(t.coverage),
            t.period_coverage.map_or(String::new(), |p| format!(
                " ({} per period, its period shorter than a day)",
                pct(p)
            )),
            thousands(t.users_per_day),
            match measured_days(t) {
                Some(m) => format!("per-day averages over {m}"),
                None => "per-day averages".into(),
            }
        ));
        if let Some(low) = lowest_coverage_bank(&r.banks()) {
            findings.push(format!(
                "Of its {} banks, {} had the lowest coverage, {}, with {} of its attempts failing.",
                r.banks().len(),
                low.bank,
                coverage_words(low),
                pct(low.failure_rate)
            ));
        }
    }
    let runs: Vec<&RunData> = ds.runs.iter().collect();
    let several = scenarios_of(&runs).len() > 1;
    findings.extend(busiest_sentence(&runs, several));
    findings.extend(clock_sentence(&runs, several));
    let stale: Vec<&RunData> = runs.iter().copied().filter(|r| r.has_staleness).collect();
    findings.extend(staleness_sentence(&stale, several));
    if let [r] = stale[..] {
        findings.extend(stalest_bank_sentence(r));
    }
    findings.extend(at_open::never_refreshed_sentence(&stale, several));
    for r in &runs {
        let whose = match runs.len() {
            1 => String::new(),
            _ => format!("under {}, ", r.label()),
        };
        findings.extend(days::bad_day_sentences(r, &whose));
    }
    findings.extend(at_open::customers_sentence(&runs, several));
    if let Some(sw) = &ds.sweep {
        findings.extend(sweep_findings(sw, ds.sweep_banks.as_ref()));
    }
    if let Some(pd) = &ds.paired {
        findings.push(paired::paired_caption(pd));
    }
    findings.retain(|f| !f.is_empty());
    findings
}
