//! Charts against a swept field other than the concurrency and the user base (a bank's cap
//! or rate, a pace, the poll interval, a share): the failure rate, the coverage and the
//! time with day-old data, one chart each. A sweep over anything a planner is unsure of
//! then draws its curves, not only a table.

use crate::metric::Metric;
use crate::report::charts::{Chart, ChartAxis, Format, RefLine, Scale, XyChart};
use crate::report::dataset::SweepData;
use crate::report::figures::curves::coverage_floor;
use crate::report::figures::sweep_series::{
    sweep_by, sweep_lines, sweep_series, swept_number, with_series_note,
};
use crate::report::figures::TARGET_LOOK;
use crate::report::figures::{ChartPlan, Planned, Skipped, COVERAGE_MEANING, COVERAGE_TARGET};
use crate::report::findings::capitalise;
use crate::report::findings::sweep::{sweep_range_sentence, sweep_target_sentence};
use crate::report::phrases::{is_kind, param_names, subtitle, sweep_provenance};

/// In notes about these charts.
const CHART: &str = "charts against a swept field";

/// The coverage chart's stem where a point's period is shorter than a day (it reads each
/// period's coverage in place of the day's).
const PERIOD_COVERAGE: &str = "period_coverage";

/// The metrics drawn against each swept field, with the stem each chart's file begins with
/// (`<stem>_vs_<field>`) and what its axis shows.
const DRAWN: [(Metric, &str, &str); 3] = [
    (
        Metric::FailureRate,
        "failure_rate",
        "failed attempts (429 and 5xx) per attempt",
    ),
    (Metric::Coverage, "coverage", COVERAGE_MEANING),
    (
        Metric::Stale24hShare,
        "stale_24h",
        "share of connection-time whose data was 24 h old or older",
    ),
];

/// Whether `stem` is one of these charts' (`coverage_vs_banks-challenger-…`). The
/// concurrency and user-base charts' stems have the same form.
pub(crate) fn is_swept_field_stem(stem: &str) -> bool {
    let bases = DRAWN
        .iter()
        .map(|(_, base, _)| *base)
        .chain([PERIOD_COVERAGE]);
    bases.into_iter().any(|base| {
        stem.strip_prefix(base)
            .and_then(|rest| rest.strip_prefix("_vs_"))
            .is_some_and(|field| !field.is_empty() && field_slug(field) == field)
    })
}

/// A field's path in a file name: lower case, each run of other characters than letters,
/// digits and `_` one `-` (`banks.capped.limits[0].max_in_flight` →
/// `banks-capped-limits-0-max_in_flight`).
pub(crate) fn field_slug(path: &str) -> String {
    let mut out = String::new();
    for c in path.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The swept fields these charts are drawn against: those that vary, are neither the
/// strategy's kind, nor the concurrency or the user base (their own charts draw those), and
/// whose values are all numbers or durations. A field with other values gets a note.
pub(crate) fn swept_fields(sw: &SweepData, p: &mut ChartPlan) -> Vec<usize> {
    let own = [sw.param("concurrency"), sw.param("connections")];
    let mut fields = Vec::new();
    for i in 0..sw.params.len() {
        let values = sw.values(i);
        if values.len() < 2 || is_kind(&sw.params[i]) || own.contains(&Some(i)) {
            continue;
        }
        match values.iter().find(|v| swept_number(v).is_none()) {
            None => fields.push(i),
            Some(v) => p.skipped.push(Skipped {
                chart: CHART,
                why: format!(
                    "`{}` takes a value that is neither a number nor a duration (`{v}`)",
                    sw.params[i]
                ),
            }),
        }
    }
    fields
}

/// Plans the three charts against each swept field, and against a swept concurrency the
/// time with day-old data (its coverage and failures have their own charts; a trial's sweep
/// over a queue's slots had staleness in its table and no chart of it).
pub(crate) fn swept_field_charts(sw: &SweepData, p: &mut ChartPlan) {
    // Each period's coverage where a point's period is shorter than a day.
    let period = super::sweep_coverage(Some(sw));
    for x in swept_fields(sw, p) {
        for (metric, base, meaning) in DRAWN {
            let drawn = match (metric, period) {
                (Metric::Coverage, (Metric::PeriodCoverage, what, _)) => {
                    (Metric::PeriodCoverage, PERIOD_COVERAGE, what)
                }
                _ => (metric, base, meaning),
            };
            if sw.has_metric(drawn.0) {
                field_chart(sw, x, drawn, p);
            }
        }
    }
    let stale = DRAWN[2];
    if let Some(x) = sw.axis("concurrency") {
        if sw.has_metric(stale.0) {
            field_chart(sw, x, stale, p);
        }
    }
}

/// One metric against field `x`.
fn field_chart(
    sw: &SweepData,
    x: usize,
    (metric, base, meaning): (Metric, &str, &str),
    p: &mut ChartPlan,
) {
    let name = param_names(&sw.params)[x].clone();
    let (lines, mut refs) = sweep_lines(sweep_series(sw, x, metric), true);
    let coverage = matches!(metric, Metric::Coverage | Metric::PeriodCoverage);
    let caption = if coverage {
        refs.push(RefLine {
            label: format!(
                "{:.0} % coverage target (plan's default)",
                100.0 * COVERAGE_TARGET
            ),
            look: TARGET_LOOK,
            y: COVERAGE_TARGET,
        });
        sweep_target_sentence(sw, x)
    } else {
        sweep_range_sentence(sw, x, metric, metric.label())
    };
    let (bottom, top) = match metric {
        Metric::FailureRate => (0.0, None),
        Metric::Coverage | Metric::PeriodCoverage => (coverage_floor(&lines, &refs), Some(1.0)),
        _ => (0.0, Some(1.0)),
    };
    p.charts.push(Planned {
        stem: format!("{base}_vs_{}", field_slug(&sw.params[x])),
        chart: Chart::Xy(XyChart {
            title: format!(
                "{} against {name}{}",
                capitalise(metric.label()),
                sweep_by(sw, x)
            ),
            subtitle: Some(subtitle(meaning, [Some(sweep_provenance(sw))])),
            x: field_axis(sw, x),
            y: ChartAxis::new(metric.label(), Scale::Linear, Format::Percent)
                .range(Some(bottom), top),
            lines,
            refs,
        }),
        caption: with_series_note(sw, x, metric, caption.unwrap_or_default()),
        per_bank: false,
    });
}

/// The field's axis: its path (in seconds for durations), on a log scale when its values are
/// powers of two (caps and slots usually are) or durations, all above zero and spanning a
/// factor of 8 or more (a trial's dedup windows of 5 min to 25 h bunched at the left of a
/// linear axis of 90,000 s).
pub(crate) fn field_axis(sw: &SweepData, x: usize) -> ChartAxis {
    if sw.param("concurrency") == Some(x) {
        // As the charts against concurrency draw it (a trial found the two axes of one
        // sweep's charts labelled and scaled apart).
        return crate::report::figures::curves::concurrency_axis();
    }
    let values = sw.values(x);
    let numbers: Vec<f64> = values.iter().filter_map(|v| swept_number(v)).collect();
    let durations = values.iter().any(|v| v.parse::<f64>().is_err());
    let (lo, hi) = numbers
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let powers = numbers
        .iter()
        .all(|&v| v >= 1.0 && v.fract() == 0.0 && (v as u64).is_power_of_two());
    let log = (powers || (durations && lo > 0.0)) && hi >= 8.0 * lo;
    let label = format!(
        "{}{}",
        sw.params[x],
        match (durations, log) {
            (true, true) => " (seconds, log scale)",
            (true, false) => " (seconds)",
            (false, true) => " (log scale)",
            (false, false) => "",
        }
    );
    let scale = if log { Scale::Log2 } else { Scale::Linear };
    let axis = ChartAxis::new(&label, scale, Format::Count);
    if log {
        axis
    } else {
        axis.range(Some(0.0), None)
    }
}
