//! Data age by the hour of the day (`data_age_by_hour.csv`): what customers opening the app
//! at each hour find. A nightly refresh reads as 12 h old over the clock and as 18 h old to
//! evening customers; this chart shows the whole day.

use crate::output::age_by_hour::HourRow;
use crate::output::text::{past_horizon, pct};
use crate::report::charts::{
    cycle_look, palette, Chart, ChartAxis, Dash, Format, Line, Look, Marker, RefLine, Scale,
    XyChart,
};
use crate::report::dataset::{Dataset, RunData};
use crate::report::figures::{
    on_scenario, run_looks, run_name, scenarios_of, ChartPlan, Planned, Skipped, DATA_AGE_BY_HOUR,
    MAX_SERIES,
};
use crate::report::findings::{age, capitalise};
use crate::report::phrases::{hours, runs_provenance, subtitle};

/// Plans the chart: one run's median and 95th percentile, or several runs' medians.
pub(crate) fn by_hour_chart(ds: &Dataset, p: &mut ChartPlan) {
    let runs: Vec<&RunData> = ds.runs.iter().filter(|r| r.by_hour.len() == 24).collect();
    if runs.is_empty() {
        p.skipped.push(Skipped {
            chart: "data age by hour of day",
            why: "the directory has no data_age_by_hour.csv (written by `run` and the default \
                  experiment)"
                .into(),
        });
        return;
    }
    let runs = &runs[..runs.len().min(MAX_SERIES)];
    let scenarios = scenarios_of(runs);
    let several = scenarios.len() > 1;
    let (title, lines) = match runs {
        [r] => (
            format!("Data age by hour of day: {}", r.label()),
            one_run_lines(r),
        ),
        _ => {
            let strategies: Vec<String> = runs.iter().map(|r| r.total().strategy.clone()).collect();
            let lines = runs
                .iter()
                .zip(run_looks(&strategies))
                .map(|(r, look)| {
                    let mut l = line(
                        &run_name(r, several),
                        &r.by_hour,
                        |h| h.data_age_p50_hours,
                        0,
                    );
                    l.look = look;
                    l
                })
                .collect();
            ("Median data age by hour of day, per run".to_string(), lines)
        }
    };
    let caption: Vec<String> = runs
        .iter()
        .filter_map(|r| sentence(r, runs.len() > 1))
        .collect();
    p.charts.push(Planned {
        stem: DATA_AGE_BY_HOUR.into(),
        chart: Chart::Xy(XyChart {
            title: format!("{title}{}", on_scenario(&scenarios)),
            subtitle: Some(subtitle(
                &format!(
                    "data age over the connection-time in each hour (the scenario's clock) of \
                     the connections whose customers open the app{}, after the warm-up; a \
                     percentile among the never refreshed is not drawn",
                    match runs.len() == 1 && book_differs(&runs[0].by_hour) {
                        true => ", and of every connection",
                        false => "",
                    }
                ),
                [runs_provenance(runs)],
            )),
            x: clock_axis(),
            y: age_axis(),
            lines,
            refs: vec![day_old()],
        }),
        caption: caption.join(" "),
        per_bank: false,
    });
}

/// One run's median and 95th percentile by the hour, and, where some customers never open
/// the app, every connection's too (a lender's analysts read the whole book at 08:00).
fn one_run_lines(r: &RunData) -> Vec<Line> {
    let mut lines = vec![
        line("median", &r.by_hour, |h| h.data_age_p50_hours, 0),
        line("95th percentile", &r.by_hour, |h| h.data_age_p95_hours, 1),
    ];
    if book_differs(&r.by_hour) {
        lines.extend([
            line(
                "median, every connection",
                &r.by_hour,
                |h| h.book_data_age_p50_hours,
                2,
            ),
            line(
                "95th percentile, every connection",
                &r.by_hour,
                |h| h.book_data_age_p95_hours,
                3,
            ),
        ]);
    }
    lines
}

/// Whether the whole book's hours differ from the opens' (a file from before its columns:
/// no).
fn book_differs(rows: &[HourRow]) -> bool {
    // Over the day, as `run`'s line judges it: the book's time more than 2 % over the opens'.
    let book: f64 = rows
        .iter()
        .map(|h| h.book_connection_hours.unwrap_or(0.0))
        .sum();
    book > 1.02 * rows.iter().map(|h| h.connection_hours).sum::<f64>()
}

/// A day old: where the share of opens finding data a day old begins (a trial's board
/// asked how far evening customers' data stood from it, and the chart had no line).
pub(crate) fn day_old() -> RefLine {
    RefLine {
        label: "24 h: a day old".into(),
        look: Look::new(palette::GREY, Dash::LongDash, Marker::None),
        y: 24.0,
    }
}

/// The hours of the clock, midnight to midnight.
pub(crate) fn clock_axis() -> ChartAxis {
    ChartAxis::new("time of day", Scale::Linear, Format::Clock).range(Some(0.0), Some(24.0))
}

/// Data age in hours, from zero.
pub(crate) fn age_axis() -> ChartAxis {
    ChartAxis::new("data age (hours)", Scale::Linear, Format::Hours).range(Some(0.0), None)
}

/// A percentile of each hour, drawn at the hour's middle; hours where it is infinite (among
/// connections never refreshed) or unmeasured are left out.
pub(crate) fn line(
    label: &str,
    hours: &[HourRow],
    of: fn(&HourRow) -> Option<f64>,
    look: usize,
) -> Line {
    let pts = hours
        .iter()
        .filter_map(|h| {
            of(h)
                .filter(|v| v.is_finite())
                .map(|v| (h.hour as f64 + 0.5, v))
        })
        .collect();
    Line::new(label, cycle_look(look), pts)
}

/// When customers open the app most, and what they find then; the youngest and oldest
/// hours' medians.
fn sentence(r: &RunData, named: bool) -> Option<String> {
    let median = |x: &HourRow| x.data_age_p50_hours.unwrap_or(f64::NAN);
    let horizon = r.total().age_horizon_hours;
    let age = |h: f64| age(h, horizon);
    let measured: Vec<&HourRow> = r
        .by_hour
        .iter()
        .filter(|x| x.data_age_p50_hours.is_some())
        .collect();
    let busiest = measured
        .iter()
        .max_by(|a, b| a.app_open_share.total_cmp(&b.app_open_share))?;
    let youngest = measured
        .iter()
        .min_by(|a, b| median(a).total_cmp(&median(b)))?;
    let oldest = measured
        .iter()
        .max_by(|a, b| median(a).total_cmp(&median(b)))?;
    let mut who = match named {
        true => format!("{}: ", r.label()),
        false => String::new(),
    };
    // A window shorter than a day measures some hours only.
    if measured.len() < 24 {
        who += "of the hours the window measured, ";
    }
    // The hours that tie with the youngest or the oldest as written, together (a trial's
    // "oldest from 12:00" was one of thirteen hours alike).
    let when = |target: &HourRow| {
        let v = age(median(target));
        let hours: Vec<usize> = (measured.iter())
            .filter(|x| age(median(x)) == v)
            .map(|x| x.hour as usize)
            .collect();
        match hours.len() {
            1 => format!("from {:02}:00 ({v})", target.hour),
            _ => format!("in {} ({v})", crate::time::hour_runs(&hours)),
        }
    };
    // A spread of minutes is the luck of the hours, not a pattern (a trial's memo read
    // "youngest from 05:00 (12.0 h) and oldest in 02:00–14:00 (12.3 h)" of a flat client).
    let (lo, hi) = (median(youngest), median(oldest));
    let flat = hi.is_finite() && hi - lo <= (0.05 * lo).max(0.5);
    let range = match (age(lo) == age(hi), flat) {
        (true, _) => format!("the median is the same every hour, {}", age(lo)),
        (false, true) => format!(
            "the median barely moves with the hour ({} to {})",
            age(lo),
            age(hi)
        ),
        (false, false) => format!(
            "the median is youngest {} and oldest {}",
            when(youngest),
            when(oldest)
        ),
    };
    Some(capitalise(&format!(
        "{who}{}; {range}.{}{}",
        busiest_phrase(&measured, busiest, &age),
        askers_sentence(r),
        horizon_sentence(&r.by_hour, horizon),
    )))
}

/// When customers open the app most and the data age then: one hour, or the hours that tie
/// with it (a trial's nine hours alike were reported as the last of them, the stalest).
fn busiest_phrase(measured: &[&HourRow], busiest: &HourRow, age: &dyn Fn(f64) -> String) -> String {
    let share = pct(busiest.app_open_share);
    let tied: Vec<&HourRow> = (measured.iter().copied())
        .filter(|x| pct(x.app_open_share) == share)
        .collect();
    let median = |x: &HourRow| x.data_age_p50_hours.unwrap_or(f64::NAN);
    if tied.len() < 2 {
        return format!(
            "customers open the app most from {:02}:00 to {:02}:00 ({share} of opens), when \
             the median data age is {} (95th percentile {})",
            busiest.hour,
            (busiest.hour + 1) % 24,
            age(median(busiest)),
            busiest
                .data_age_p95_hours
                .map_or("not measured".into(), age),
        );
    }
    let lo = tied.iter().map(|x| median(x)).fold(f64::INFINITY, f64::min);
    let hi = tied
        .iter()
        .map(|x| median(x))
        .fold(f64::NEG_INFINITY, f64::max);
    let hours: Vec<usize> = tied.iter().map(|x| x.hour as usize).collect();
    // Not "from 13.2 h to 13.2 h" (a trial read it so).
    let ages = match age(lo) == age(hi) {
        true => format!("is {}", age(lo)),
        false => format!("runs from {} to {}", age(lo), age(hi)),
    };
    format!(
        "customers open the app most in {} hours alike ({share} of opens each, {}), when the \
         median data age {ages}",
        tied.len(),
        crate::time::hour_runs(&hours),
    )
}

/// Where a percentile drawn is past the age histogram's horizon, that it is drawn at the
/// horizon and is a lower bound (a 30-day nightly job's 95th percentile read "192.17 h at
/// every hour", as if measured).
pub(crate) fn horizon_sentence(rows: &[HourRow], horizon: f64) -> String {
    let past = rows.iter().any(|x| {
        [x.data_age_p50_hours, x.data_age_p95_hours]
            .iter()
            .flatten()
            .any(|&h| past_horizon(h, horizon))
    });
    match past {
        true => format!(
            " Ages of {} or more (the oldest the run's histogram resolves, \
             window.age_horizon) are drawn at it, as lower bounds.",
            hours(horizon)
        ),
        false => String::new(),
    }
}

/// Where only some customers open the app (`on_demand.active_share`), the hours measure
/// their connections alone, whose own requests keep them fresher than the book: said, with
/// the run's median over every connection (a trial read 21–24 h by the hour against a
/// headline of 31.7 h, and took them for a contradiction).
fn askers_sentence(r: &RunData) -> String {
    let hours: f64 = r.by_hour.iter().map(|h| h.connection_hours).sum();
    let all: f64 = r
        .staleness
        .iter()
        .filter(|a| a.bank == "all")
        .map(|a| a.connection_hours)
        .sum();
    let share = hours / all;
    if share.is_nan() || share >= 0.98 {
        return String::new();
    }
    let book = match r.total().staleness_p50_hours {
        Some(h) if h.is_finite() => format!(
            " (the median over every connection is {})",
            age(h, r.total().age_horizon_hours)
        ),
        _ => String::new(),
    };
    // A file from before the whole book's columns has none to point to.
    let columns = match book_differs(&r.by_hour) {
        true => {
            "; every connection's by the hour are `data_age_by_hour.csv`'s `book_*` \
                 columns (drawn, \"every connection\", where the chart has one run)"
        }
        false => "",
    };
    format!(
        " These ages are of the {} of connections whose customers open the app \
         (`on_demand.active_share`), whose own requests keep them fresher than the \
         rest{book}{columns}.",
        pct(share)
    )
}
