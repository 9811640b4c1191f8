//! A paired comparison: each strategy's paired difference from the baseline in coverage and
//! failure rate (the own 429s a bound reads, with `--max-failure-rate` or `--max-bank-failure-rate`), with its 95 % interval,
//! strategies in `paired.md`'s ranked order.

use crate::metric::Metric;
use crate::output::paired::PairedRow;
use crate::report::charts::{
    palette, Chart, ChartAxis, Dash, Format, Line, Look, Marker, RefLine, Scale, XyChart, SERIES,
};
use crate::report::dataset::{metric_row, Dataset, PairedData};
use crate::report::figures::{ChartPlan, Planned, PAIRED_DIFFERENCES};
use crate::report::findings::paired::paired_caption;
use crate::report::phrases::subtitle;

/// The metrics drawn (shares, so their differences share the axis's percentage points), with
/// their legend entries: which way is better differs, so the legend says.
const DRAWN: [(Metric, &str); 2] = [
    (Metric::Coverage, "coverage difference (higher is better)"),
    (
        Metric::FailureRate,
        "failure-rate difference (lower is better)",
    ),
];

/// What is drawn: [`DRAWN`], the coverage the ranking reads (of each period, where a
/// strategy's is shorter than a day), or with a bound the own 429s it bounds in place of the
/// failure rate (a trial's chart showed the failures its ranking did not read).
fn drawn(ranked: &[&[PairedRow]]) -> [(Metric, &'static str); 2] {
    let own = |b: crate::output::paired::Bound| match b.at_each_bank() {
        true => "own 429s at the worst bank difference (lower is better)",
        false => "own 429s difference (lower is better)",
    };
    let coverage = match crate::output::paired::covered(ranked) {
        Metric::PeriodCoverage => (
            Metric::PeriodCoverage,
            "coverage-of-each-period difference (higher is better)",
        ),
        _ => DRAWN[0],
    };
    match crate::output::paired::bound(ranked) {
        Some(b) => [coverage, (b.metric, own(b))],
        None => [coverage, DRAWN[1]],
    }
}

/// How far each metric's point sits to either side of its strategy's tick, so that a
/// strategy's two intervals never overlap.
const DODGE: f64 = 0.12;

/// Grey, so that the points on and near it stand out.
const BASELINE_LOOK: Look = Look::new(palette::GREY, Dash::LongDash, Marker::None);

/// An interval drawn shorter than this share of the y axis is hidden by its marker (a
/// marker is about 14 px of a plot about 500 px high).
const HIDDEN: f64 = 1.0 / 36.0;

/// The chart of `ds`'s paired comparison, if it has one (no note otherwise: only `compare`
/// and the default experiment write one).
pub(crate) fn paired_chart(ds: &Dataset, p: &mut ChartPlan) {
    let Some(pd) = &ds.paired else { return };
    p.charts.push(Planned {
        stem: PAIRED_DIFFERENCES.into(),
        chart: Chart::Xy(chart(pd)),
        caption: paired_caption(pd),
        per_bank: false,
    });
}

/// How a strategy is named on the axis: its item as written, the baseline's marked.
pub(crate) fn strategy_name(rows: &[PairedRow]) -> String {
    if rows[0].variant == rows[0].baseline {
        format!("{} (baseline)", rows[0].variant)
    } else {
        rows[0].variant.clone()
    }
}

/// Metric `j` of those [`drawn`] as a series: one point per strategy that has its difference (at
/// the strategy's position, dodged), an error bar where the interval has a width.
fn series(ranked: &[&[PairedRow]], j: usize) -> Line {
    let (metric, name) = drawn(ranked)[j];
    let offset = if j == 0 { -DODGE } else { DODGE };
    let mut line = Line::new(name, SERIES[j], Vec::new());
    line.line = false;
    line.bars = true;
    for (k, rows) in ranked.iter().enumerate() {
        let Some(r) = metric_row(rows, metric) else {
            continue;
        };
        let Some(d) = r.difference_mean.filter(|d| d.is_finite()) else {
            continue;
        };
        let x = (k + 1) as f64 + offset;
        line.points.push((x, d));
        if let Some(h) = r.difference_ci95.filter(|h| *h > 0.0) {
            line.band.push((x, d - h, d + h));
        }
    }
    line
}

/// A subtitle line on intervals too narrow to see, if any are.
fn hidden_note(lines: &[Line]) -> Option<String> {
    let ys = lines
        .iter()
        .flat_map(|l| l.band.iter().flat_map(|b| [b.1, b.2]))
        .chain(lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)))
        .chain([0.0]);
    let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
        (lo.min(y), hi.max(y))
    });
    let widths: Vec<f64> = lines
        .iter()
        .flat_map(|l| l.band.iter().map(|b| b.2 - b.1))
        .collect();
    let hidden = widths.iter().filter(|w| **w < HIDDEN * (hi - lo)).count();
    let widest = widths.iter().copied().fold(0.0, f64::max);
    match hidden {
        0 => None,
        n if n == widths.len() => Some(format!(
            "every 95 % interval is narrower than its marker: the widest is ± {:.2} pp",
            50.0 * widest
        )),
        _ => Some("an interval narrower than its marker is hidden by it".into()),
    }
}

/// The chart: strategies along x in ranked order, the differences up y in percentage points,
/// the baseline's zero as a reference.
fn chart(pd: &PairedData) -> XyChart {
    let ranked = pd.ranked();
    let base = pd.baseline();
    let reps = pd.replications();
    let lines: Vec<Line> = (0..DRAWN.len()).map(|j| series(&ranked, j)).collect();
    let failures = match crate::output::paired::bound(&ranked) {
        Some(b) => b.measure(),
        None => "failure rate",
    };
    let on = match &pd.scenario {
        Some(s) => format!(" on {s}"),
        None => String::new(),
    };
    let what = format!(
        "each strategy minus the baseline, replication by replication: the mean of {reps} paired \
         differences, with its 95 % interval (Student's t)"
    );
    let provenance = format!(
        "{}{} strategies ranked as in paired.md ({}) · {reps} replications each on common \
         random numbers",
        pd.scenario
            .as_ref()
            .map(|s| format!("{s} · "))
            .unwrap_or_default(),
        ranked.len(),
        crate::output::paired::ranking_brief(&ranked)
    );
    let hidden = hidden_note(&lines);
    XyChart {
        title: format!("Coverage and {failures}: paired differences from {base}{on}"),
        subtitle: Some(subtitle(&what, [Some(provenance), hidden])),
        x: ChartAxis::categorical(
            "strategy, ranked as in paired.md",
            // Past the bound marked as in paired.md (the subtitle says so).
            (ranked.iter())
                .map(|rows| match crate::output::paired::over_bound(rows) {
                    true => strategy_name(rows) + " ‡",
                    false => strategy_name(rows),
                })
                .collect(),
        ),
        y: ChartAxis::new(
            format!("difference from {base} (percentage points)"),
            Scale::Linear,
            Format::Points,
        ),
        lines,
        refs: vec![RefLine {
            label: format!("baseline {base}: no difference"),
            look: BASELINE_LOOK,
            y: 0.0,
        }],
    }
}
