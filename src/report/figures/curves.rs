//! Curves against concurrency or users: failure rate and coverage (users per day in `users.rs`).

use crate::metric::Metric;
use crate::report::charts::{
    strategy_look, Chart, ChartAxis, Dash, Format, Line, Look, Marker, RefLine, Scale, XyChart,
};
use crate::report::dataset::{self, strategy_label, Dataset, RunData};
use crate::report::figures::sweep_series::{
    series_by, sweep_by, sweep_caption, sweep_lines, sweep_series, with_series_note,
};
use crate::report::figures::{
    group_look, run_looks, scenarios_of, ChartPlan, Planned, Skipped, COVERAGE_TARGET,
    COVERAGE_VS_CONCURRENCY, COVERAGE_VS_USERS, FAILURE_RATE, MAX_SERIES, TARGET_LOOK,
};
use crate::report::findings::sweep::sweep_target_sentence;
use crate::report::findings::{capitalise, coverage_caption, failure_caption};
use crate::report::phrases::{provenance, subtitle, sweep_provenance, table_provenance};

pub(crate) fn concurrency_axis() -> ChartAxis {
    ChartAxis::new(
        "concurrency (refreshes in parallel, log scale)",
        Scale::Log2,
        Format::Count,
    )
}

/// Lines and references of a per-strategy metric against concurrency, from the table, the
/// runs and the sweep. `None` if there is no point with a concurrency.
pub(crate) fn strategy_metric_lines(
    ds: &Dataset,
    metric: Metric,
    from_table: bool,
) -> Option<(Vec<Line>, Vec<RefLine>)> {
    let runs: Vec<&RunData> = ds.runs.iter().collect();
    let run_scenarios = scenarios_of(&runs);
    // Scenario names in labels only where series of several scenarios meet.
    let show_scenario = run_scenarios.len() > 1 || (from_table && ds.table.is_some());
    let (mut lines, table_keys) = match (&ds.table, from_table) {
        (Some(rows), true) => table_failure_lines(rows, &run_scenarios),
        _ => (Vec::new(), Vec::new()),
    };
    let (run_lines, mut refs) = run_metric_lines(&runs, metric, &table_keys, show_scenario);
    lines.extend(run_lines);
    if let Some(sw) = &ds.sweep {
        if let Some(x) = sw.axis("concurrency").filter(|_| sw.has_metric(metric)) {
            let (l, r) = sweep_lines(sweep_series(sw, x, metric), true);
            lines.extend(l);
            refs.extend(r);
        }
    }
    if lines.iter().all(|l| l.points.is_empty()) && (ds.sweep.is_none() || refs.is_empty()) {
        return None;
    }
    // A single run is one number: nothing to draw against concurrency.
    let items: usize = lines.iter().map(|l| l.points.len()).sum::<usize>() + refs.len();
    if ds.sweep.is_none() && ds.table.is_none() && items < 2 {
        return None;
    }
    lines.truncate(MAX_SERIES);
    refs.truncate(MAX_SERIES);
    Some((lines, refs))
}

/// The vendor table's failure rates, one line per scenario, and the (scenario, concurrency)
/// points they cover (runs at the same point are not drawn again).
fn table_failure_lines(
    rows: &[dataset::TableRow],
    run_scenarios: &[String],
) -> (Vec<Line>, Vec<(String, u32)>) {
    let mut keys = Vec::new();
    let mut groups: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for r in rows {
        keys.push((r.scenario.clone(), r.concurrency));
        let point = (r.concurrency as f64, r.failure_rate);
        match groups.iter_mut().find(|g| g.0 == r.scenario) {
            Some(g) => g.1.push(point),
            None => groups.push((r.scenario.clone(), vec![point])),
        }
    }
    let mut other = 0;
    let lines = groups
        .into_iter()
        .map(|(scenario, pts)| {
            // The runs' scenario keeps queued's colour, with its own dash and marker: the
            // table's rows (a backlog population per row) and the runs' queued points (the
            // scenario's population) are different experiments, so they must not read as
            // one line. Other scenarios get group looks.
            let look = if run_scenarios.contains(&scenario) {
                Look {
                    dash: Dash::LongDash,
                    marker: Marker::Diamond,
                    ..strategy_look("queued", 0)
                }
            } else {
                other += 1;
                group_look(other)
            };
            Line::new(
                format!("queued on {scenario} (vendor table rows)"),
                look,
                pts,
            )
        })
        .collect();
    (lines, keys)
}

/// One series of the runs' values: its strategy, its scenario label and its points.
type RunSeries = (String, String, Vec<(f64, f64)>);

/// The runs' values of `metric`: with a concurrency, a line per (strategy, scenario);
/// without, a reference line each.
fn run_metric_lines(
    runs: &[&RunData],
    metric: Metric,
    table_keys: &[(String, u32)],
    show_scenario: bool,
) -> (Vec<Line>, Vec<RefLine>) {
    // A daily run's coverage of each period is its coverage (its period is the day).
    let value = |t: &dataset::SummaryRow| match (metric, t.metric(metric)) {
        (_, Some(v)) => v,
        (Metric::PeriodCoverage, None) => t.coverage,
        (_, None) => f64::NAN,
    };
    // The scenario, where runs of several are drawn, and the directory of a run whose
    // label another shares (`RunData::dir_name`): a line (or reference) of its own.
    let on = |r: &RunData| {
        let t = r.total();
        let mut s = match show_scenario && !t.scenario.is_empty() {
            true => format!(" on {}", t.scenario),
            false => String::new(),
        };
        if let Some(d) = &r.dir_name {
            s += &format!(" in {d}/");
        }
        s
    };
    let mut groups: Vec<RunSeries> = Vec::new();
    let mut refs: Vec<RefLine> = Vec::new();
    // The strategy of each reference line, for its look.
    let mut ref_strategies: Vec<String> = Vec::new();
    for r in runs {
        let (t, on) = (r.total(), on(r));
        // AIMD's concurrency is the slots each bank starts at, not a total on this axis.
        let Some(c) = t.concurrency.filter(|_| t.strategy != "aimd") else {
            let why = match t.strategy.as_str() {
                "aimd" => "adaptive slots",
                _ => "no concurrency limit",
            };
            refs.push(RefLine {
                label: format!("{}{on} ({why})", strategy_label(&t.strategy, None)),
                look: strategy_look(&t.strategy, refs.len()),
                y: value(t),
            });
            ref_strategies.push(t.strategy.clone());
            continue;
        };
        if table_keys.contains(&(t.scenario.clone(), c)) {
            continue;
        }
        let point = (c as f64, value(t));
        match groups.iter_mut().find(|g| g.0 == t.strategy && g.1 == on) {
            Some(g) => g.2.push(point),
            None => groups.push((t.strategy.clone(), on, vec![point])),
        }
    }
    // A strategy on several scenarios is several series: then each takes its own look.
    let mut all: Vec<String> = groups.iter().map(|g| g.0.clone()).collect();
    let lines_n = all.len();
    all.extend(ref_strategies);
    let looks = run_looks(&all);
    for (i, r) in refs.iter_mut().enumerate() {
        r.look = looks[lines_n + i];
    }
    let lines = groups
        .into_iter()
        .zip(looks)
        .map(|((strategy, on, mut pts), look)| {
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            Line::new(
                format!("{}{on}", strategy_label(&strategy, None)),
                look,
                pts,
            )
        })
        .collect();
    (lines, refs)
}

/// What tells one chart of a per-strategy metric against concurrency from another; the
/// steps they share are its methods.
struct ConcurrencyChart {
    stem: &'static str,
    /// The chart, in the notes on charts left out or cut short.
    chart: &'static str,
    /// Why the chart is left out when the data has too few points.
    why: &'static str,
    metric: Metric,
    /// The metric, in the sweep's sentences.
    name: &'static str,
    /// The vendor table's rows are drawn.
    from_table: bool,
    /// The title, before what tells the series apart.
    title: &'static str,
    y: ChartAxis,
}

impl ConcurrencyChart {
    /// The chart's lines and references, or `None` with a note why it is left out.
    fn lines(&self, ds: &Dataset, p: &mut ChartPlan) -> Option<(Vec<Line>, Vec<RefLine>)> {
        let found = strategy_metric_lines(ds, self.metric, self.from_table);
        let runs_only = ds.sweep.is_none() && ds.table.is_none();
        let why = found.as_ref().and_then(|(l, r)| {
            shared_points(l, r).or_else(|| one_concurrency(l, r).filter(|_| runs_only))
        });
        if let Some(why) = why {
            p.skipped.push(Skipped {
                chart: self.chart,
                why,
            });
            return None;
        }
        if found.is_none() {
            // A sweep over something else (a bank's cap) has strategies, not concurrencies.
            let sweep_elsewhere = ds
                .sweep
                .as_ref()
                .is_some_and(|sw| sw.axis("concurrency").is_none());
            p.skipped.push(Skipped {
                chart: self.chart,
                why: match sweep_elsewhere && ds.runs.is_empty() && ds.table.is_none() {
                    true => "the sweep does not vary the concurrency".into(),
                    false => self.why.into(),
                },
            });
        }
        found
    }

    /// `caption` followed by the sweep's sentences about the metric against concurrency.
    fn caption(&self, ds: &Dataset, caption: String) -> String {
        match sweep_caption(ds, self.metric, self.name) {
            Some(c) => format!("{caption} {c}").trim().to_string(),
            None => caption,
        }
    }

    /// Plans the chart, with a note when the sweep has more series than it shows.
    fn plan(
        self,
        ds: &Dataset,
        p: &mut ChartPlan,
        subtitle: String,
        caption: String,
        (lines, refs): (Vec<Line>, Vec<RefLine>),
    ) {
        let caption = match ds
            .sweep
            .as_ref()
            .and_then(|sw| Some((sw, sw.axis("concurrency")?)))
        {
            Some((sw, x)) => with_series_note(sw, x, self.metric, caption),
            None => caption,
        };
        p.charts.push(Planned {
            stem: self.stem.into(),
            chart: Chart::Xy(XyChart {
                title: format!("{}{}", self.title, series_by(ds)),
                subtitle: Some(subtitle),
                x: concurrency_axis(),
                y: self.y,
                lines,
                refs,
            }),
            caption,
            per_bank: false,
        });
    }
}

/// Why runs cannot be drawn against concurrency: two of one kind at one concurrency (or
/// without one), which differ in what the axis does not show (a trial's five labelled runs
/// of a queue of 64, each with other platform settings, were five dots stacked on one line).
fn shared_points(lines: &[Line], refs: &[RefLine]) -> Option<String> {
    let stacked = lines.iter().find_map(|l| {
        let mut xs: Vec<f64> = l.points.iter().map(|p| p.0).collect();
        xs.sort_by(f64::total_cmp);
        let x = xs.windows(2).find(|w| w[0] == w[1])?[0];
        Some(format!("{} at a concurrency of {x}", l.label))
    });
    let twice = (refs.iter().enumerate())
        .find(|(i, r)| refs[..*i].iter().any(|o| o.label == r.label))
        .map(|(_, r)| r.label.clone());
    let which = stacked.or(twice)?;
    Some(format!(
        "several runs are {which}: they differ in what the axis does not show, and a line \
         through them would read as a curve; `compare` sets such runs side by side, with \
         paired intervals, and the runs table gives each"
    ))
}

/// Why runs cannot be drawn against concurrency: every one at the same concurrency, with no
/// strategy without one beside them (a trial's two runs of one client, with and without a
/// maintenance morning, were two dots on one tick of a log axis).
fn one_concurrency(lines: &[Line], refs: &[RefLine]) -> Option<String> {
    let mut xs = (lines.iter().flat_map(|l| &l.points)).map(|p| p.0);
    let x = xs.next()?;
    (refs.is_empty() && xs.all(|o| o == x)).then(|| {
        format!(
            "every run is at a concurrency of {x}: nothing to draw against it (the runs table \
             gives each; `compare` sets runs of one client side by side, with paired intervals)"
        )
    })
}

/// The coverage target, as a horizontal reference.
fn coverage_target() -> RefLine {
    RefLine {
        label: format!(
            "{:.0} % coverage target (plan's default)",
            100.0 * COVERAGE_TARGET
        ),
        look: TARGET_LOOK,
        y: COVERAGE_TARGET,
    }
}

/// Plans the failure rate against concurrency, the vendor table's rows included.
pub(crate) fn failure_chart(ds: &Dataset, p: &mut ChartPlan) {
    let c = ConcurrencyChart {
        stem: FAILURE_RATE,
        chart: "failure rate against concurrency",
        why: "needs results at several concurrencies or for several strategies (the vendor \
              table, the default experiment or a sweep over the concurrency)",
        metric: Metric::FailureRate,
        name: "failure rate",
        from_table: true,
        title: "Failure rate against concurrency",
        y: ChartAxis::new(
            "failure rate (share of attempts)",
            Scale::Linear,
            Format::Percent,
        )
        .range(Some(0.0), None),
    };
    let Some((lines, refs)) = c.lines(ds, p) else {
        return;
    };
    let base = if refs.is_empty() {
        "failed attempts (429 and 5xx) per attempt"
    } else {
        "failed attempts (429 and 5xx) per attempt; strategies without a concurrency limit as horizontal lines"
    };
    let sources = [
        provenance(ds),
        ds.table.as_deref().and_then(table_provenance),
    ];
    let caption = c.caption(ds, failure_caption(ds));
    c.plan(ds, p, subtitle(base, sources), caption, (lines, refs));
}

/// Plans the coverage against concurrency, with the coverage target: of each period where
/// runs (without a sweep) have periods shorter than a day, as the caption judges them (a
/// daily run's is its coverage).
pub(crate) fn coverage_chart(ds: &Dataset, p: &mut ChartPlan) {
    let periods = match &ds.sweep {
        Some(sw) => sw.has_metric(Metric::PeriodCoverage),
        None => (ds.runs.iter()).any(|r| r.total().period_coverage.is_some()),
    };
    let (metric, meaning, axis) = super::coverage_read(periods);
    let c = ConcurrencyChart {
        stem: COVERAGE_VS_CONCURRENCY,
        chart: "coverage against concurrency",
        why: "needs coverage at several concurrencies or for several strategies (the default \
              experiment or a sweep over the concurrency); the vendor table does not record \
              coverage",
        metric,
        name: "coverage",
        from_table: false,
        title: match metric {
            Metric::PeriodCoverage => "Coverage of each period against concurrency",
            _ => "Coverage against concurrency",
        },
        y: ChartAxis::new(axis, Scale::Linear, Format::Percent).range(Some(0.0), Some(1.0)),
    };
    let Some((lines, mut refs)) = c.lines(ds, p) else {
        return;
    };
    refs.push(coverage_target());
    let caption = single_concurrency_note(ds, c.caption(ds, coverage_caption(ds)));
    let subtitle = subtitle(meaning, [provenance(ds)]);
    c.plan(ds, p, subtitle, caption, (lines, refs));
}

/// `caption`, with a note that a sweep draws the whole curve when runs without one have
/// coverage at a single concurrency.
fn single_concurrency_note(ds: &Dataset, caption: String) -> String {
    let concurrencies: Vec<u32> = ds
        .runs
        .iter()
        .filter_map(|r| r.total().concurrency)
        .collect();
    match concurrencies[..] {
        [c] if ds.sweep.is_none() => format!(
            "{caption} These runs have coverage at a single concurrency ({c}); a sweep over \
             `strategy.concurrency` draws the whole curve."
        )
        .trim()
        .to_string(),
        _ => caption,
    }
}

/// Plans the coverage against the user base, from a sweep over the connections.
pub(crate) fn coverage_users_chart(ds: &Dataset, p: &mut ChartPlan) {
    let Some(sw) = &ds.sweep else { return };
    let Some(x) = sw.axis("connections") else {
        p.skipped.push(Skipped {
            chart: "coverage against user base",
            why: "the sweep does not vary the number of connections".into(),
        });
        return;
    };
    if !sw.has_metric(Metric::Coverage) {
        p.skipped.push(Skipped {
            chart: "coverage against user base",
            why: "the sweep's results have no coverage column".into(),
        });
        return;
    }
    let (metric, meaning, axis) = super::sweep_coverage(Some(sw));
    let (lines, mut refs) = sweep_lines(sweep_series(sw, x, metric), true);
    refs.push(coverage_target());
    let floor = coverage_floor(&lines, &refs);
    p.charts.push(Planned {
        stem: COVERAGE_VS_USERS.into(),
        chart: Chart::Xy(XyChart {
            title: format!(
                "{} against user base{}",
                capitalise(metric.label()),
                sweep_by(sw, x)
            ),
            subtitle: Some(subtitle(meaning, [Some(sweep_provenance(sw))])),
            // The swept sizes, not from 0 (a trial's 250,000–300,000 filled a sixth of it).
            x: ChartAxis::new(
                "connections to refresh (user base)",
                Scale::Linear,
                Format::Count,
            ),
            y: ChartAxis::new(axis, Scale::Linear, Format::Percent).range(Some(floor), Some(1.0)),
            lines,
            refs,
        }),
        caption: with_series_note(
            sw,
            x,
            metric,
            sweep_target_sentence(sw, x).unwrap_or_default(),
        ),
        per_bank: false,
    });
}

/// The coverage axis's lower end: 0, unless every point, band and reference line sits at
/// 50 % or more; then the 5-point step below the lowest, less a point, so that curves
/// between 97 and 100 % are not one flat line on the target. (The axis prints its ends.)
pub(crate) fn coverage_floor(lines: &[Line], refs: &[RefLine]) -> f64 {
    let low = lines
        .iter()
        .flat_map(|l| {
            l.points
                .iter()
                .map(|p| p.1)
                .chain(l.band.iter().map(|b| b.1))
        })
        .chain(refs.iter().map(|r| r.y))
        .fold(f64::INFINITY, f64::min);
    if low.is_finite() && low >= 0.5 {
        ((low - 0.01) * 20.0).floor() / 20.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_coverage_axis_zooms_only_when_everything_sits_high() {
        let line = |ys: &[f64]| {
            let points = ys.iter().enumerate().map(|(i, &y)| (i as f64, y)).collect();
            Line::new("x", TARGET_LOOK, points)
        };
        let target = [coverage_target()];
        assert_eq!(coverage_floor(&[line(&[0.975, 0.99, 1.0])], &target), 0.95);
        assert_eq!(coverage_floor(&[line(&[0.62, 0.99])], &target), 0.6);
        assert_eq!(coverage_floor(&[line(&[0.3, 0.99])], &target), 0.0);
        assert_eq!(coverage_floor(&[], &[]), 0.0);
    }
}
