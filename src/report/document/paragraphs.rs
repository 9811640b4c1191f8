//! The paragraphs of report.md that describe the experiment: the scenario, the sweep, the
//! meaning of the results tables.

use crate::output::text::thousands;
use crate::report::dataset::{self, Dataset, PairedData, RunData, SweepData};
use crate::report::figures::day::warmup_days;
use crate::report::figures::scenarios_of;
use crate::report::figures::sweep_series::sweep_reps;
use crate::report::findings::clock;
use crate::report::phrases::{and_list, book_phrase, hours, value_text, window_phrase};
use std::fmt::Write as _;

/// Where a run's connections are: ` at 5 banks (high-street-a 24.0 %, …)`, ` at one bank
/// (vendor)`; empty without banks.
fn banks_phrase(banks: &[&dataset::SummaryRow], total: f64) -> String {
    if banks.len() > 1 && total > 0.0 {
        let parts: Vec<String> = banks
            .iter()
            .map(|b| format!("{} {:.1} %", b.bank, 100.0 * b.connections as f64 / total))
            .collect();
        format!(" at {} banks ({})", banks.len(), parts.join(", "))
    } else if let [b] = banks[..] {
        format!(" at one bank ({})", b.bank)
    } else {
        String::new()
    }
}

/// A window's length: `3-day (72 h)` for whole days beyond one, else the hours.
fn window_length(h: f64) -> String {
    let days = h / 24.0;
    if h > 24.0 && (days - days.round()).abs() < 1e-9 {
        format!("{days:.0}-day ({})", hours(h))
    } else {
        hours(h)
    }
}

/// The sentence on what the per-day figures and data age are over: the measured days
/// (the warm-up left out), or `None` without measured days.
fn measured_sentence(r: &RunData) -> Option<String> {
    let m = measured_days(r.total())?;
    let warm = match warmup_days(r) {
        Some(w) => format!(
            " ({w} and {} left out)",
            if w.starts_with("days") { "are" } else { "is" }
        ),
        None => String::new(),
    };
    // Every day of daily.csv measured: there was no warm-up to leave out.
    let days = r.daily_totals();
    let age_over = if !days.is_empty() && days.iter().all(|d| d.measured) {
        "the whole window"
    } else {
        "the time after the warm-up"
    };
    Some(format!(
        " Per-day figures (users per day, coverage) are averages over {m}{warm}; data age is over {age_over}."
    ))
}

/// The sentence naming the strategy, or the strategies compared (across which scenarios),
/// then each client as run where `summary.csv` records it: its band, order, pausing and
/// retries, which a label does not say (a nightly and an all-day queue read alike). Where
/// one says more, every run is listed: a trial's all-day queue, left out as saying nothing
/// more, was the one its nightly queue was read against.
fn strategies_sentence(ds: &Dataset) -> String {
    let labels: Vec<String> = ds.runs.iter().map(|r| r.label()).collect();
    let any = ds.runs.iter().any(|r| says_more(r.total()));
    let clients: Vec<String> = (ds.runs.iter().zip(&labels))
        .filter(|(r, _)| any && !r.total().client.is_empty())
        .map(|(r, l)| match ds.runs.len() {
            1 => r.total().client.clone(),
            _ => format!("{l}: {}", r.total().client),
        })
        .collect();
    match clients.is_empty() {
        true => strategies_named(ds, &labels),
        false => format!(
            "{} As run: {}.",
            strategies_named(ds, &labels),
            clients.join("; ")
        ),
    }
}

/// Whether a run's client in words says more than its kind and slots (as `run`'s `client:`
/// line is printed): a band, an order, retries, settings per bank.
fn says_more(t: &dataset::SummaryRow) -> bool {
    let plain = match t.concurrency {
        Some(c) if t.strategy == "queued" => format!("queued, concurrency {c}"),
        _ => t.strategy.clone(),
    };
    t.client != plain
}

/// "Strategy: …" or "Strategies compared (across …): …".
fn strategies_named(ds: &Dataset, labels: &[String]) -> String {
    if ds.runs.len() > 1 {
        let scen = scenarios_of(&ds.runs.iter().collect::<Vec<_>>());
        format!(
            " Strategies compared{}: {}.",
            if scen.len() > 1 {
                format!(" across {}", and_list(&scen))
            } else {
                String::new()
            },
            and_list(labels)
        )
    } else {
        format!(" Strategy: {}.", labels[0])
    }
}

/// The first run's scenario in a paragraph: connections, banks, window, seed, the measured
/// days, the due connection-days and the strategies compared.
fn run_paragraph(ds: &Dataset, r: &RunData) -> String {
    let t = r.total();
    let total = t.connections as f64;
    let bank_part = banks_phrase(&r.banks(), total);
    let length = window_length(t.window_hours);
    let window = match r.start_minute_of_day {
        Some(s) => format!(", refreshed in a {length} window from {}", clock(s)),
        None => format!(", refreshed in a {length} window"),
    };
    let name = if t.scenario.is_empty() {
        "The scenario".to_string()
    } else {
        format!("Scenario `{}`", t.scenario)
    };
    // A book that signs up customers in the window is the book it started with, plus them.
    let joined = match t.joined {
        0 => String::new(),
        j => format!(" (+{} joined during the window)", thousands(j as f64)),
    };
    let mut s = format!(
        "{name}: {} connections{joined}{bank_part}{window}, seed {}.",
        thousands((t.connections - t.joined) as f64),
        t.seed
    );
    if let Some(m) = measured_sentence(r) {
        s.push_str(&m);
    }
    if t.eligible > 0 {
        let _ = write!(
            s,
            " Coverage counts a connection on each day its consent is valid through the day's end: {} connection-days were due.",
            thousands(t.eligible as f64)
        );
    }
    s.push_str(&strategies_sentence(ds));
    s
}

/// The vendor table's runs in a paragraph: the concurrencies per scenario, and what the
/// model's figure measures.
fn table_paragraph(rows: &[dataset::TableRow]) -> String {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for r in rows {
        let c = format!("{}", r.concurrency);
        match groups.iter_mut().find(|g| g.0 == r.scenario) {
            Some(g) => g.1.push(c),
            None => groups.push((r.scenario.clone(), vec![c])),
        }
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|(s, cs)| format!("concurrency {} on `{s}`", and_list(cs)))
        .collect();
    format!(
        "The vendor sizing table was run with a looping queue at {}; each row's population is a backlog the window cannot clear, so it measures throughput: the model's figure is refreshes per day, set beside the vendor's users per day.",
        and_list(&parts)
    )
}

/// The scenario(s) in a paragraph, from what the files record.
pub(crate) fn scenario_paragraph(ds: &Dataset) -> String {
    let mut out = Vec::new();
    if let Some(r) = ds.runs.first() {
        out.push(run_paragraph(ds, r));
    }
    if let Some(rows) = &ds.table {
        out.push(table_paragraph(rows));
    }
    if let Some(sw) = &ds.sweep {
        out.push(sweep_paragraph(sw));
    }
    if let Some(pd) = &ds.paired {
        out.push(paired_paragraph(pd));
    }
    out.join("\n\n")
}

/// What a paired comparison ran: its scenario, strategies, baseline and replications.
pub(crate) fn paired_paragraph(pd: &PairedData) -> String {
    let items: Vec<String> = crate::output::paired::by_variant(&pd.rows)
        .iter()
        .map(|rows| format!("`{}`", rows[0].variant))
        .collect();
    let on = match &pd.scenario {
        Some(s) => format!(" on scenario `{s}`"),
        None => String::new(),
    };
    let reps = pd.replications();
    // What each item ran, as paired.md says it (a trial's board report named `rec` only).
    let as_run = (pd.markdown.as_deref())
        .and_then(|md| md.lines().find(|l| l.starts_with("As run: ")))
        .map_or(String::new(), |l| format!(" {l}"));
    format!(
        "A paired comparison{on} of {} strategies ({}), {reps} replication{} each, against the \
         baseline `{}`. Replication r of every strategy runs on the same seed, so a strategy and \
         the baseline share their connections, banks and service times replication by \
         replication, and each difference is taken within such a pair.{as_run}",
        items.len(),
        and_list(&items),
        if reps == 1 { "" } else { "s" },
        pd.baseline()
    )
}

/// A sweep's first sentence: its scenario(s), how many points and replications, and the
/// parameters it varies.
fn sweep_extent(sw: &SweepData) -> String {
    let varied: Vec<String> = (0..sw.params.len())
        .filter(|&i| sw.values(i).len() > 1)
        .map(|i| {
            let vals: Vec<String> = sw
                .values(i)
                .iter()
                .map(|v| value_text(&sw.params[i], v))
                .collect();
            format!("`{}` over {}", sw.params[i], and_list(&vals))
        })
        .collect();
    let reps = match sweep_reps(sw) {
        Some(r) => format!(", {r} replication{} each", if r == 1 { "" } else { "s" }),
        None => String::new(),
    };
    let mut s = match &sw.context.scenarios[..] {
        [] => "The sweep".to_string(),
        [one] => format!("A sweep of scenario `{one}`"),
        many => format!(
            "A sweep of scenarios {}",
            and_list(&many.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>())
        ),
    };
    let _ = write!(
        s,
        " has {} point{}{reps}{}.",
        sw.points.len(),
        if sw.points.len() == 1 { "" } else { "s" },
        if varied.is_empty() {
            String::new()
        } else {
            format!(", varying {}", and_list(&varied))
        }
    );
    s
}

/// What a sweep ran: its scenario, population, window and seeds (from `sweep.csv`), and
/// its points.
pub(crate) fn sweep_paragraph(sw: &SweepData) -> String {
    let c = &sw.context;
    let mut s = sweep_extent(sw);
    // The population, unless the sweep varies it (then it was just listed).
    let population = if sw
        .param("connections")
        .is_some_and(|i| sw.values(i).len() > 1)
    {
        None
    } else {
        book_phrase(c)
    };
    let measured = match c.measured_days[..] {
        [m] => Some(m),
        _ => None,
    };
    let windows: Vec<String> = c
        .window_hours
        .iter()
        .map(|&h| format!("a {}", window_phrase(h, measured)))
        .collect();
    match (population, windows.is_empty()) {
        (Some(p), false) => {
            let _ = write!(s, " Every run plays {p} over {}.", and_list(&windows));
        }
        (Some(p), true) => {
            let _ = write!(s, " Every run plays {p}.");
        }
        (None, false) => {
            let _ = write!(s, " Every run plays {}.", and_list(&windows));
        }
        (None, true) => {}
    }
    if let Some(m) = measured.map(|m| m.round() as u64) {
        let warm_up = match c.window_hours[..] {
            [h] => h / 24.0 > m as f64 + 1e-9,
            _ => false,
        };
        let _ = write!(
            s,
            " Per-day figures (users per day, coverage) are averages over the {}{}.",
            if m == 1 {
                "one measured day".to_string()
            } else {
                format!("{m} measured days")
            },
            if warm_up { " after the warm-up" } else { "" }
        );
    }
    match &c.base_seeds[..] {
        [] => s.push_str(" The seeds are not recorded: only the sweep's rows hold them."),
        [one] => {
            let _ = write!(
                s,
                " Base seed {one}: replication 0 runs with it and replication r with a seed derived from it and r, at every point."
            );
        }
        many => {
            let _ = write!(
                s,
                " Base seeds {}: replication 0 of a point runs with its point's and replication r with a seed derived from it and r.",
                and_list(&many.iter().map(u64::to_string).collect::<Vec<_>>())
            );
        }
    }
    s
}

/// How many days the per-day figures of a run average over: `the 3 measured days` (whole
/// days after the warm-up; a window shorter than a day counts its one partial day).
pub(crate) fn measured_days(t: &dataset::SummaryRow) -> Option<String> {
    let n = Some(t.measured_days).filter(|d| *d > 0.0)?.round() as u64;
    Some(if n == 1 {
        "the one measured day".into()
    } else {
        format!("the {n} measured days")
    })
}

/// What the run tables' columns mean.
pub(crate) fn results_note(ds: &Dataset) -> String {
    let mut notes: Vec<String> = Vec::new();
    for r in &ds.runs {
        if let Some(n) = measured_days(r.total()) {
            if !notes.contains(&n) {
                notes.push(n);
            }
        }
    }
    let over = match &notes[..] {
        [] => "the measured days".to_string(),
        [one] => one.clone(),
        _ => "each run's measured days".to_string(),
    };
    format!(
        "All banks together. Users/day and coverage are per-day averages over {over} (after the \
         warm-up): users/day counts the connections refreshed each day, coverage the share of \
         due connection-days (consent valid through the day's end) refreshed that day (or, with \
         a period of days, within the period). Data age \
         is time-weighted over the measured time, every connection with valid consent counted \
         (one never refreshed is older than any age): the percentiles are of connection-time \
         (`never refreshed` when one falls among connections never refreshed), and \
         \"older than 24 h / 48 h\" is the share of connection-time with data that old."
    )
}
