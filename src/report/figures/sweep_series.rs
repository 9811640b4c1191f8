//! A sweep's points as chart series: one per combination of the other swept parameters.

use crate::metric::Metric;
use crate::output::text::thousands;
use crate::report::charts::{cycle_look, strategy_look, Line, RefLine};
use crate::report::dataset::{strategy_label, Dataset, SweepData, SweepPoint};
use crate::report::figures::MAX_SERIES;
use crate::report::findings::sweep::{sweep_range_sentence, sweep_target_sentence};
use crate::report::phrases::{and_list, distinct, is_kind, param_names, param_text, value_text};

/// One series of a sweep chart against parameter `x`.
#[derive(Clone, Debug)]
pub(crate) struct SweepSeries {
    /// What tells it from the others: the values of the other parameters that vary
    /// (`queued, connections 100,000`), or, alone, its strategy.
    pub(crate) label: String,
    /// The strategy, when the sweep varies it (`random offset`).
    pub(crate) kind: Option<String>,
    /// The other parameters' values (`connections 100,000`).
    pub(crate) parts: Vec<String>,
    /// The points' strategy, when they share one.
    pub(crate) strategy: Option<String>,
    /// Its strategy has no concurrency and `x` is the concurrency: one value (the runs are
    /// the same at every concurrency), drawn as a horizontal reference.
    pub(crate) flat: bool,
    /// `(x, mean, ci95)`, in increasing x.
    pub(crate) pts: Vec<(f64, f64, Option<f64>)>,
}

/// A sweep's series of `metric` against parameter `x`, with what tells them apart.
#[derive(Clone, Debug, Default)]
pub(crate) struct SweepSeriesSet {
    pub(crate) series: Vec<SweepSeries>,
    /// The strategy alone tells the series apart (or there is one series).
    pub(crate) strategies_only: bool,
}

/// A sweep's series against parameter `x`: one per combination of the other parameters
/// that vary. A parameter that does not apply to a point (the concurrency of bulk or random
/// offset) is left out of its series' key and label, so that such a strategy is one series,
/// not one per swept concurrency.
pub(crate) fn sweep_series(sw: &SweepData, x: usize, metric: Metric) -> SweepSeriesSet {
    let conc = sw.param("concurrency");
    let varying: Vec<usize> = (0..sw.params.len())
        .filter(|&i| i != x && sw.values(i).len() > 1)
        .collect();
    let mut keys: Vec<Vec<(usize, String)>> = Vec::new();
    let mut out: Vec<SweepSeries> = Vec::new();
    for pt in &sw.points {
        let (Some(xv), Some(st)) = (swept_number(&pt.params[x]), pt.metrics.get(&metric)) else {
            continue;
        };
        // On the concurrency axis (calls in parallel), per-bank pools stand at their slots
        // in all: `strategy.concurrency` is each bank's pool.
        let all_slots = Some(x) == conc && pt.strategy.as_deref() == Some("per_bank");
        let xv = match (all_slots, pt.slots) {
            (true, Some(n)) => n as f64,
            _ => xv,
        };
        let applies = |i: &usize| !(pt.ignores_concurrency && Some(*i) == conc);
        let key: Vec<(usize, String)> = varying
            .iter()
            .filter(|i| applies(i))
            .map(|&i| (i, pt.params[i].clone()))
            .collect();
        let k = match keys.iter().position(|k| *k == key) {
            Some(k) => k,
            None => {
                out.push(new_series(sw, &key, pt, all_slots, Some(x) == conc));
                keys.push(key);
                keys.len() - 1
            }
        };
        let s = &mut out[k];
        if s.strategy != pt.strategy {
            s.strategy = None;
        }
        // The same run again at another value of a parameter it ignores.
        if s.pts.iter().any(|p| p.0 == xv) {
            continue;
        }
        s.pts.push((xv, st.mean, st.ci95.filter(|c| c.is_finite())));
    }
    for s in &mut out {
        s.pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let strategies_only = keys
        .iter()
        .all(|k| k.iter().all(|(i, _)| is_kind(&sw.params[*i])));
    SweepSeriesSet {
        series: out,
        strategies_only,
    }
}

/// A new series for `key` (the other parameters' values), starting at point `pt`; on the
/// concurrency axis (`on_conc`), per-bank pools are named by their slots in all.
fn new_series(
    sw: &SweepData,
    key: &[(usize, String)],
    pt: &SweepPoint,
    all_slots: bool,
    on_conc: bool,
) -> SweepSeries {
    let names = param_names(&sw.params);
    let in_all = |k: String| match all_slots {
        true => k.replacen("per bank", "per bank (slots in all)", 1),
        false => k,
    };
    let label = if key.is_empty() {
        pt.strategy
            .as_deref()
            .map(|s| strategy_label(s, None))
            .unwrap_or_else(|| "model".into())
    } else {
        key.iter()
            .map(|(i, v)| param_text(sw, &names, *i, v))
            .collect::<Vec<_>>()
            .join(", ")
    };
    SweepSeries {
        label: in_all(label),
        kind: key
            .iter()
            .find(|(i, _)| is_kind(&sw.params[*i]))
            .map(|(i, v)| in_all(value_text(&sw.params[*i], v))),
        parts: key
            .iter()
            .filter(|(i, _)| !is_kind(&sw.params[*i]))
            .map(|(i, v)| param_text(sw, &names, *i, v))
            .collect(),
        strategy: pt.strategy.clone(),
        flat: pt.ignores_concurrency && on_conc,
        pts: Vec::new(),
    }
}

/// A swept value as a number on a chart's axis: the number, or a duration in seconds
/// (`30s`, `2m`); `None` for anything else (a strategy, a list of limits, `true`).
pub(crate) fn swept_number(v: &str) -> Option<f64> {
    v.parse::<f64>()
        .ok()
        .or_else(|| crate::time::parse_duration(v).ok().map(|d| d.as_secs_f64()))
        .filter(|n| n.is_finite())
}

/// Value `xv` of parameter `x` as the sweep wrote it (`30s`, `64`, `100,000`), for sentences.
pub(crate) fn x_text(sw: &SweepData, x: usize, xv: f64) -> String {
    sw.values(x)
        .into_iter()
        .find(|v| swept_number(v) == Some(xv))
        .map(|v| value_text(&sw.params[x], &v))
        .unwrap_or_else(|| thousands(xv))
}

/// What tells a sweep chart's series apart, for its title: `, per strategy`,
/// `, by connections`, `, by strategy and connections`; empty for one series.
pub(crate) fn sweep_by(sw: &SweepData, x: usize) -> String {
    let names = param_names(&sw.params);
    let varying: Vec<String> = (0..sw.params.len())
        .filter(|&i| i != x && sw.values(i).len() > 1)
        .map(|i| names[i].clone())
        .collect();
    match &varying[..] {
        [] => String::new(),
        [k] if k == "strategy" => ", per strategy".into(),
        _ => format!(", by {}", and_list(&varying)),
    }
}

/// Sweep series as chart lines with their confidence bands (`clamp01` for shares), and the
/// flat ones as horizontal references. Each series gets its own look: the strategy's when
/// only strategies differ, else the next of the series cycle. At most [`MAX_SERIES`].
pub(crate) fn sweep_lines(set: SweepSeriesSet, clamp01: bool) -> (Vec<Line>, Vec<RefLine>) {
    let (mut lines, mut refs) = (Vec::new(), Vec::new());
    for (i, s) in set.series.into_iter().take(MAX_SERIES).enumerate() {
        let look = match (&s.strategy, set.strategies_only) {
            (Some(k), true) => strategy_look(k, i),
            _ => cycle_look(i),
        };
        if s.flat {
            let y = s.pts.iter().map(|p| p.1).sum::<f64>() / s.pts.len().max(1) as f64;
            refs.push(RefLine {
                label: format!("{} (no concurrency limit)", s.label),
                look,
                y,
            });
            continue;
        }
        let mut l = Line::new(
            s.label,
            look,
            s.pts.iter().map(|&(x, m, _)| (x, m)).collect(),
        );
        if s.pts.iter().any(|p| p.2.is_some_and(|c| c > 0.0)) {
            l.band = s
                .pts
                .iter()
                .map(|&(x, m, c)| {
                    let c = c.unwrap_or(0.0);
                    let (lo, hi) = (m - c, m + c);
                    if clamp01 {
                        (x, lo.max(0.0), hi.min(1.0))
                    } else {
                        (x, lo.max(0.0), hi)
                    }
                })
                .collect();
        }
        lines.push(l);
    }
    (lines, refs)
}

/// `caption`, with a note when the sweep has more series than a chart shows (the chart is
/// drawn: the note is its caption's, not among the charts not drawn).
pub(crate) fn with_series_note(
    sw: &SweepData,
    x: usize,
    metric: Metric,
    caption: String,
) -> String {
    let n = sweep_series(sw, x, metric).series.len();
    if n <= MAX_SERIES {
        return caption;
    }
    let note = format!(
        "The chart shows the first {MAX_SERIES} of the sweep's {n} series, to stay readable \
         (all are in {} and the table above).",
        sw.source
    );
    format!("{caption} {note}").trim().to_string()
}

/// Replications per point if they are the same everywhere.
pub(crate) fn sweep_reps(sw: &SweepData) -> Option<u32> {
    let r = sw.points.first()?.replications?;
    sw.points
        .iter()
        .all(|p| p.replications == Some(r))
        .then_some(r)
}

/// Sentences about the sweep's series of `metric` against the concurrency.
pub(crate) fn sweep_caption(ds: &Dataset, metric: Metric, name: &str) -> Option<String> {
    let sw = ds.sweep.as_ref()?;
    let x = sw.axis("concurrency")?;
    if matches!(metric, Metric::Coverage | Metric::PeriodCoverage) {
        sweep_target_sentence(sw, x)
    } else {
        sweep_range_sentence(sw, x, metric, name)
    }
}

/// The sweep's scenario is the vendor table's calibration (its documented figures are about
/// that scenario, so only there are they drawn beside the sweep).
pub(crate) fn is_vendor_calibration(sw: &SweepData) -> bool {
    sw.context.scenarios == [VENDOR_CALIBRATION]
}

/// The scenario the vendor's documented table is calibrated on.
pub(crate) const VENDOR_CALIBRATION: &str = "vendor-table";

/// What tells the series of a chart against concurrency apart, for its title: the sweep's
/// parameters; else `, per strategy` for runs of several strategies.
pub(crate) fn series_by(ds: &Dataset) -> String {
    if let Some(sw) = &ds.sweep {
        if let Some(x) = sw.axis("concurrency") {
            return sweep_by(sw, x);
        }
    }
    let strategies = distinct(ds.runs.iter().map(|r| r.total().strategy.clone()));
    if strategies.len() > 1 {
        ", per strategy".into()
    } else if ds.runs.is_empty() && ds.table.is_some() {
        " (queued, vendor table rows)".into()
    } else {
        String::new()
    }
}
