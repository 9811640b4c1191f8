//! Which charts a dataset supports: the chart files, the plan, the looks of series.

use crate::metric::Metric;
use crate::report::charts::{cycle_look, palette, strategy_look, Chart, Dash, Look, Marker};
use crate::report::dataset::{Dataset, RunData, SweepData};
use crate::report::figures::by_hour::by_hour_chart;
use crate::report::figures::by_hour_banks::by_hour_banks_chart;
use crate::report::figures::curves::{coverage_chart, coverage_users_chart, failure_chart};
use crate::report::figures::day::day_charts;
use crate::report::figures::paired::paired_chart;
use crate::report::figures::staleness::staleness_chart;
use crate::report::figures::sweep_banks::{by_bank_charts, is_by_bank_stem};
use crate::report::figures::swept_field::{is_swept_field_stem, swept_field_charts};
use crate::report::figures::users::users_chart;
use crate::report::phrases::{distinct, slug};

pub(crate) mod by_hour;
pub(crate) mod by_hour_banks;
pub(crate) mod curves;
pub(crate) mod day;
pub(crate) mod opens_by_day;
pub(crate) mod paired;
pub(crate) mod staleness;
pub(crate) mod sweep_banks;
pub(crate) mod sweep_series;
pub(crate) mod swept_field;
pub(crate) mod users;

/// The file stems of the charts (`charts/<stem>.svg` and `.png`); the per-bank charts add
/// `_<bank>` to the day-in-the-life and staleness stems.
pub(crate) const USERS_PER_DAY: &str = "users_per_day";
pub(crate) const FAILURE_RATE: &str = "failure_rate";
pub(crate) const COVERAGE_VS_CONCURRENCY: &str = "coverage_vs_concurrency";
pub(crate) const COVERAGE_VS_USERS: &str = "coverage_vs_users";
pub(crate) const DAY_IN_THE_LIFE: &str = "day_in_the_life";
pub(crate) const STALENESS: &str = "staleness";
pub(crate) const DATA_AGE_BY_HOUR: &str = "data_age_by_hour";
pub(crate) const DATA_AGE_BY_HOUR_BANKS: &str = "data_age_by_hour_banks";
pub(crate) const PAIRED_DIFFERENCES: &str = "paired_differences";
pub(crate) const OPENS_BY_DAY: &str = "opens_by_day";

/// Whether `name` is a file this tool writes into `charts/`: a chart's stem (with a bank's
/// slug for the per-bank ones) as `.svg` or `.png`. Only such files are ever removed.
pub fn is_chart_file(name: &str) -> bool {
    let Some(stem) = name
        .strip_suffix(".svg")
        .or_else(|| name.strip_suffix(".png"))
    else {
        return false;
    };
    let fixed = [
        USERS_PER_DAY,
        FAILURE_RATE,
        COVERAGE_VS_CONCURRENCY,
        COVERAGE_VS_USERS,
        DAY_IN_THE_LIFE,
        STALENESS,
        DATA_AGE_BY_HOUR,
        DATA_AGE_BY_HOUR_BANKS,
        PAIRED_DIFFERENCES,
        OPENS_BY_DAY,
    ];
    fixed.contains(&stem)
        || is_swept_field_stem(stem)
        || is_by_bank_stem(stem)
        || [DAY_IN_THE_LIFE, STALENESS].iter().any(|base| {
            stem.strip_prefix(base)
                .and_then(|rest| rest.strip_prefix('_'))
                .is_some_and(|bank| !bank.is_empty() && slug(bank) == bank)
        })
}

/// Coverage target drawn on coverage charts and used in findings.
pub const COVERAGE_TARGET: f64 = 0.99;

/// What coverage is, for chart subtitles.
pub(crate) const COVERAGE_MEANING: &str =
    "share of due connection-days (consent valid through the day's end) refreshed that day (or within a period of days), over the measured days";

/// What a coverage of each period means, where a sweep's client refreshes more often than
/// daily (its other points read their coverage: `SweepData::fill_period_coverage`).
pub(crate) const PERIOD_COVERAGE_MEANING: &str =
    "share of the connections due in a period refreshed within it (the client's period, shorter than a day; a point of a day or more: its coverage), over the measured days";

/// The coverage a sweep's charts and sentences read: each period's where a point's period
/// is shorter than a day (a day's read a trial's 12-hour client at 99.91 % where its
/// periods were covered 93.04 %), else the day's; with what it means and its axis label.
pub(crate) fn sweep_coverage(sw: Option<&SweepData>) -> (Metric, &'static str, &'static str) {
    coverage_read(sw.is_some_and(|sw| sw.has_metric(Metric::PeriodCoverage)))
}

/// The coverage read, with what it means and its axis label: each period's (`periods`) or
/// each day's.
pub(crate) fn coverage_read(periods: bool) -> (Metric, &'static str, &'static str) {
    match periods {
        true => (
            Metric::PeriodCoverage,
            PERIOD_COVERAGE_MEANING,
            "coverage (share of connections due in a period)",
        ),
        false => (
            Metric::Coverage,
            COVERAGE_MEANING,
            "coverage (share of due connection-days)",
        ),
    }
}

/// Most runs (rows) in one "day in the life" chart.
pub(crate) const MAX_DAY_ROWS: usize = 6;

/// A chart the data supports, with the file stem it is written under.
#[derive(Clone, Debug)]
pub struct Planned {
    pub stem: String,
    pub chart: Chart,
    /// One or two sentences for report.md, computed from the data.
    pub caption: String,
    /// Charts of one bank (listed after the overall ones).
    pub per_bank: bool,
}

/// A chart the data does not support, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub chart: &'static str,
    pub why: String,
}

/// Charts planned for a dataset, and those left out.
#[derive(Clone, Debug, Default)]
pub struct ChartPlan {
    pub charts: Vec<Planned>,
    pub skipped: Vec<Skipped>,
}

/// The looks of series that are not strategies (the table's scenario groups, the banks of a
/// run): the series cycle's looks that are not the strategies' first, each differing from
/// the others in colour, dash and marker.
pub(crate) fn group_look(i: usize) -> Look {
    // Diamond, triangle down, cross, then the strategies' looks: a cross would read as the
    // vendor's documented points, so it comes late.
    const ORDER: [usize; 7] = [3, 5, 4, 0, 1, 2, 6];
    cycle_look(ORDER[i % ORDER.len()])
}

pub(crate) const TARGET_LOOK: Look = Look::new(palette::BLACK, Dash::LongDash, Marker::None);
pub(crate) const DOCUMENTED_LOOK: Look = Look::new(palette::BLACK, Dash::Solid, Marker::Cross);
pub(crate) const LINEAR_LOOK: Look = Look::new(palette::GREY, Dash::Dotted, Marker::None);

/// Most series in one chart: beyond this, lines become unreadable.
pub(crate) const MAX_SERIES: usize = 7;

/// Decides the charts `ds` supports. A paired comparison by itself (a `compare` directory)
/// supports only its own chart: the others' notes would list every chart it never could.
pub fn plan(ds: &Dataset) -> ChartPlan {
    let mut p = ChartPlan::default();
    if ds.only_paired() {
        paired_chart(ds, &mut p);
        return p;
    }
    users_chart(ds, &mut p);
    failure_chart(ds, &mut p);
    coverage_chart(ds, &mut p);
    coverage_users_chart(ds, &mut p);
    if let Some(sw) = &ds.sweep {
        swept_field_charts(sw, &mut p);
    }
    by_bank_charts(ds, &mut p);
    day_charts(ds, &mut p);
    staleness_chart(ds, &mut p);
    by_hour_chart(ds, &mut p);
    by_hour_banks_chart(ds, &mut p);
    opens_by_day::opens_by_day_chart(ds, &mut p);
    paired_chart(ds, &mut p);
    p
}

/// ` on uk-mix` for a title when the runs share one scenario; nothing otherwise (each
/// series then names its own).
pub(crate) fn on_scenario(scenarios: &[String]) -> String {
    match scenarios {
        [one] => format!(" on {one}"),
        _ => String::new(),
    }
}

/// The scenario(s) of the runs, for titles.
pub(crate) fn scenarios_of(runs: &[&RunData]) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for r in runs {
        let s = &r.total().scenario;
        if !s.is_empty() && !v.contains(s) {
            v.push(s.clone());
        }
    }
    v
}

/// The looks of series keyed by strategy: the strategies' own looks when no strategy comes
/// twice, else one look of the cycle each (two queued runs must not look alike).
pub(crate) fn run_looks(strategies: &[String]) -> Vec<Look> {
    let unique = distinct(strategies.iter()).len() == strategies.len();
    strategies
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if unique {
                strategy_look(s, i)
            } else {
                cycle_look(i)
            }
        })
        .collect()
}

/// How a run is named where runs of several scenarios are shown together.
pub(crate) fn run_name(r: &RunData, several_scenarios: bool) -> String {
    if several_scenarios {
        format!("{} · {}", r.label(), r.total().scenario)
    } else {
        r.label()
    }
}
