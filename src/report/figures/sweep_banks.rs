//! Each bank's own 429s and coverage against a swept field (`drawn.rs`: which), where the
//! sweep's runs have two banks or more (`sweep_banks_summary.csv`): which bank gives way
//! first as the grid moves, which a sweep's all-bank figures hide (a trial sweeping a
//! queue's slots had to run points one by one to learn that its building society failed
//! 89 % of its attempts at 64 slots; another asked which bank is left least covered as its
//! book grew).

use crate::metric::Metric;
use crate::output::text::pct;
use crate::report::charts::{Chart, ChartAxis, Format, Scale, XyChart};
use crate::report::dataset::{Dataset, SweepData, SweepPoint};
use crate::report::figures::sweep_series::{sweep_lines, sweep_series, swept_number, x_text};
use crate::report::figures::swept_field::{field_axis, field_slug};
use crate::report::figures::{ChartPlan, Planned, Skipped, MAX_SERIES};
use crate::report::phrases::{
    and_list, is_kind, param_names, param_text, subtitle, sweep_provenance, turn,
};

mod drawn;
mod kept;
use drawn::{Drawn, DRAWN};
use kept::keep_worst;

/// In notes about these charts.
const CHART: &str = "own 429s and coverage by bank";

/// Whether `stem` is one of these charts'.
pub(crate) fn is_by_bank_stem(stem: &str) -> bool {
    DRAWN.iter().any(|d| {
        stem.strip_prefix(d.base)
            .and_then(|rest| rest.strip_prefix("_vs_"))
            .is_some_and(|field| !field.is_empty() && field_slug(field) == field)
    })
}

/// Most charts against one field, one per combination of the other swept values.
const MAX_CHARTS: usize = 4;

/// Plans each bank's own 429s (or failure rate) and coverage, one line per bank, against
/// every swept field whose values are numbers or durations (the concurrency and the user
/// base included) where only one field varies. Where more do, against one such field, one chart
/// per combination of the others' values: the concurrency if that makes at most
/// [`MAX_CHARTS`], else the first field that does.
pub(crate) fn by_bank_charts(ds: &Dataset, p: &mut ChartPlan) {
    let Some(sw) = &ds.sweep_banks else {
        return;
    };
    let Some(axes) = axes(sw, p) else {
        return;
    };
    let missing = missing_points(ds, sw);
    for d in drawn(sw) {
        // Each figure's worst banks: kept by both figures at once, a trial's own-429s charts
        // drew banks short of coverage at 46 % own 429s and left out one at 72 %.
        let (kept, left_out) = keep_worst(sw, &[d]);
        let note = match left_out.is_empty() {
            true => missing.clone(),
            false => format!(
                " This figure's charts draw the {MAX_SERIES} of the sweep's {} banks worst by it \
                 (each point's worst first, then by their worst point, in file order where \
                 none is bad), the same banks in each of its charts; \
                 left out: {} (every bank's figures are in sweep_banks_summary.csv).{missing}",
                MAX_SERIES + left_out.len(),
                and_list(&left_out)
            ),
        };
        for &x in &axes {
            let (groups, whole) = (groups(&kept, x), groups(sw, x));
            let suffixes = suffixes(&groups);
            for ((label, part, _), suffix) in groups.into_iter().zip(suffixes) {
                // Said of every bank: beyond the charts' banks, a point's worst may be left
                // out (a review's nine banks, each worst at one point, read as b1's).
                let all = (whole.iter())
                    .find(|g| g.0 == label)
                    .map_or(&part, |g| &g.1);
                let caption = format!("{}{note}", worst_sentence(all, x, d, &left_out));
                let stem = format!("{}_vs_{}{suffix}", d.base, field_slug(&kept.params[x]));
                by_bank_chart(ds, (&part, x), (&label, stem), (d, caption), p);
            }
        }
    }
}

/// The figures [`DRAWN`] draws of `sw`: the first of the failures' it has, then the first of
/// the coverages'.
fn drawn(sw: &SweepData) -> Vec<&'static Drawn> {
    let first = |of: [Metric; 2]| of.into_iter().find(|&m| sw.has_metric(m));
    let failures = first([Metric::ClientFailureRate, Metric::FailureRate]);
    let coverage = first([Metric::PeriodCoverage, Metric::Coverage]);
    [failures, coverage]
        .into_iter()
        .flatten()
        .filter_map(|m| DRAWN.iter().find(|d| d.metric == m))
        .collect()
}

/// The fields to draw against (see [`by_bank_charts`]), or `None` (said under "Charts not
/// drawn" where the sweep varies something).
fn axes(sw: &SweepData, p: &mut ChartPlan) -> Option<Vec<usize>> {
    let bank = sw.params.len() - 1;
    let varying: Vec<usize> = (0..bank).filter(|&i| sw.values(i).len() > 1).collect();
    let numeric = |i: &usize| {
        !is_kind(&sw.params[*i]) && sw.values(*i).iter().all(|v| swept_number(v).is_some())
    };
    let axes: Vec<usize> = varying.iter().copied().filter(numeric).collect();
    let skip = |p: &mut ChartPlan, why: String| {
        p.skipped.push(Skipped { chart: CHART, why });
        None
    };
    if varying.is_empty() {
        return None;
    }
    if axes.is_empty() {
        return skip(
            p,
            "no swept field takes numbers or durations to draw against (each bank's figures \
             are in sweep_banks_summary.csv)"
                .into(),
        );
    }
    if varying.len() == 1 {
        return Some(axes);
    }
    let conc = sw.param("concurrency").filter(|c| axes.contains(c));
    let fits = |x: &usize| groups(sw, *x).len() <= MAX_CHARTS;
    match conc
        .filter(fits)
        .or_else(|| axes.iter().copied().find(fits))
    {
        Some(x) => Some(vec![x]),
        None => skip(
            p,
            format!(
                "against every swept field, the others' values make more than {MAX_CHARTS} \
                 charts (each bank's figures are in sweep_banks_summary.csv)"
            ),
        ),
    }
}

/// Where the sweep has points of one bank (a sweep over the banks themselves), a sentence
/// saying they are not drawn: they have no banks' rows.
fn missing_points(ds: &Dataset, banks: &SweepData) -> String {
    let Some(all) = &ds.sweep else {
        return String::new();
    };
    let grid = banks.params.len() - 1;
    let drawn = all
        .points
        .iter()
        .filter(|p| {
            banks
                .points
                .iter()
                .any(|b| b.params[..grid] == p.params[..])
        })
        .count();
    match all.points.len() - drawn {
        0 => String::new(),
        n => format!(
            " The sweep's {n} point(s) of a single bank are not drawn (their bank's figures \
             are the point's own)."
        ),
    }
}

/// Each group's file-name suffix: none for one group; else `_at_` and its values
/// (`_at_random_offset`, `_at_queued-20000`: a trial could not tell `_at_1` from `_at_2`
/// without opening them),
/// or its number where values are long (lists), empty as names, or alike as names (they
/// differ only in spacing or punctuation).
fn suffixes(groups: &[(String, SweepData, Vec<String>)]) -> Vec<String> {
    if groups.len() < 2 {
        return vec![String::new(); groups.len()];
    }
    let named: Vec<String> = (groups.iter())
        .map(|g| {
            // An empty value (`strategy.hours = []`) adds nothing: a trial's files ended
            // `_at_750000-`.
            (g.2.iter().map(|v| field_slug(v)))
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect();
    let fits = |n: &String| !n.is_empty() && n.len() <= 32;
    let distinct = (1..named.len()).all(|i| !named[..i].contains(&named[i]));
    match distinct && named.iter().all(fits) {
        true => named.iter().map(|n| format!("_at_{n}")).collect(),
        false => (1..=groups.len()).map(|k| format!("_at_{k}")).collect(),
    }
}

/// The sweep's points split by the values of the swept fields other than `x` and the bank:
/// each group's label (`connections 20,000`; empty for one), its points, and its values.
fn groups(sw: &SweepData, x: usize) -> Vec<(String, SweepData, Vec<String>)> {
    let bank = sw.params.len() - 1;
    let others: Vec<usize> = (0..bank)
        .filter(|&i| i != x && sw.values(i).len() > 1)
        .collect();
    let mut out: Vec<(Vec<&str>, String, SweepData)> = Vec::new();
    let names = param_names(&sw.params);
    for pt in &sw.points {
        let key: Vec<&str> = others.iter().map(|&i| pt.params[i].as_str()).collect();
        match out.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.2.points.push(pt.clone()),
            None => {
                let label = others
                    .iter()
                    .map(|&i| param_text(sw, &names, i, &pt.params[i]))
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut part = sw.clone_without_points();
                part.points.push(pt.clone());
                out.push((key, label, part));
            }
        }
    }
    out.into_iter()
        .map(|(key, label, part)| (label, part, key.into_iter().map(String::from).collect()))
        .collect()
}

/// One chart: each bank's figure `d` against `x` over `sw`'s points (one group's: its
/// label, empty for the only one, and its file's stem), under `caption`. Beyond
/// [`MAX_SERIES`] banks, `sw` holds the worst ([`keep_worst`]: file order left a trial's two
/// building societies, the banks its question was about, off the chart).
fn by_bank_chart(
    ds: &Dataset,
    (sw, x): (&SweepData, usize),
    (group, stem): (&str, String),
    (d, caption): (&Drawn, String),
    p: &mut ChartPlan,
) {
    let (mut lines, refs) = sweep_lines(sweep_series(sw, x, d.metric), true);
    for l in &mut lines {
        l.label = bank_label(&l.label);
    }
    let name = param_names(&sw.params)[x].clone();
    let book = ds.sweep.as_ref().unwrap_or(sw);
    let title = match group {
        "" => String::new(),
        g => format!(", {g}"),
    };
    let (floor, top) = match d.worse_high {
        true => (0.0, None),
        false => (coverage_floor(sw, d), Some(1.0)),
    };
    p.charts.push(Planned {
        stem,
        chart: Chart::Xy(XyChart {
            title: format!("{} by bank against {name}{title}", capitalised(d.metric)),
            subtitle: Some(subtitle(d.what, [Some(sweep_provenance(book))])),
            x: field_axis(sw, x),
            y: ChartAxis::new(d.metric.label(), Scale::Linear, Format::Percent)
                .range(Some(floor), top),
            lines,
            refs,
        }),
        caption,
        per_bank: false,
    });
}

/// "Failure rate", "Coverage".
fn capitalised(m: Metric) -> String {
    crate::report::findings::capitalise(m.label())
}

/// The bottom of a coverage axis: a little under the lowest coverage, in tenths.
fn coverage_floor(sw: &SweepData, d: &Drawn) -> f64 {
    let low = (sw.points.iter())
        .filter_map(|p| p.metrics.get(&d.metric).map(|e| e.mean))
        .fold(1.0, f64::min);
    ((low - 0.05) * 10.0).floor().max(0.0) / 10.0
}

/// The worst bank's point at each point of the grid (its values, the bank left out), by
/// `d`, the first of equals, in grid order; banks without the figure left out.
fn worst_per_point<'a>(sw: &'a SweepData, d: &Drawn) -> Vec<&'a SweepPoint> {
    let bank = sw.params.len() - 1;
    let mut worst: Vec<(&[String], &SweepPoint)> = Vec::new();
    for pt in sw.points.iter().filter(|p| !d.badness(p).is_nan()) {
        let key = &pt.params[..bank];
        match worst.iter_mut().find(|w| w.0 == key) {
            Some(w) if d.badness(pt) > d.badness(w.1) => w.1 = pt,
            Some(_) => {}
            None => worst.push((key, pt)),
        }
    }
    worst.into_iter().map(|(_, pt)| pt).collect()
}

/// Which bank is worst at each point of the grid (the first of equals): one bank at every
/// point, with its range along `x`; else each bank with the points where it is, "(not
/// drawn)" where it is `left_out`. Points where no bank is worse than the best there is (no
/// failures; full coverage) are said apart.
fn worst_sentence(sw: &SweepData, x: usize, d: &Drawn, left_out: &[String]) -> String {
    let bank = sw.params.len() - 1;
    let bad = |p: &SweepPoint| d.badness(p);
    let worst = worst_per_point(sw, d);
    let clean = worst.iter().filter(|p| bad(p) <= 0.0).count();
    let mut banks: Vec<(String, Vec<&SweepPoint>)> = Vec::new();
    for pt in worst.into_iter().filter(|p| bad(p) > 0.0) {
        let name = pt.params[bank].as_str();
        match banks.iter_mut().find(|b| b.0 == name) {
            Some(b) => b.1.push(pt),
            None => banks.push((name.to_string(), vec![pt])),
        }
    }
    for (name, _) in banks.iter_mut().filter(|b| left_out.contains(&b.0)) {
        name.push_str(" (not drawn)");
    }
    let xname = param_names(&sw.params)[x].clone();
    let at = |pt: &SweepPoint| {
        let xv = swept_number(&pt.params[x]).unwrap_or(f64::NAN);
        let v = pt.metrics.get(&d.metric).map_or(0.0, |e| e.mean);
        format!("{} at {xname} {}", pct(v), x_text(sw, x, xv))
    };
    // The ends, and a turn between them where the points are the whole curve (`whole`: one
    // bank worst at every point) and it has one (a trial's bank read "18.45 % at concurrency
    // 32 and 8.05 % at 192" where it peaked at 52 % at 96).
    let ends = |pts: &[&SweepPoint], whole: bool| -> Vec<String> {
        // Along x: the grid's order is the file's (values given as 64,8,32).
        let mut pts = pts.to_vec();
        pts.sort_by(|a, b| {
            let along = |p: &SweepPoint| swept_number(&p.params[x]).unwrap_or(f64::NAN);
            along(a).total_cmp(&along(b))
        });
        let mut shown = distinct_ends(&pts);
        let ys: Vec<f64> = (pts.iter())
            .map(|p| p.metrics.get(&d.metric).map_or(0.0, |e| e.mean))
            .collect();
        if let Some(i) = turn(&ys).filter(|_| whole) {
            shown.insert(1, pts[i]);
        }
        shown.iter().map(|p| at(p)).collect()
    };
    let rest = match clean {
        0 => String::new(),
        n => format!(" At {n} point(s) {}.", d.clean),
    };
    match &banks[..] {
        [] => d.all_clean.replace('X', &xname),
        [(name, pts)] => format!(
            "{name} {} at every {xname}{} ({}).{rest}",
            d.worst,
            if clean > 0 {
                format!(" {}", d.where_any)
            } else {
                String::new()
            },
            and_list(&ends(pts, true))
        ),
        _ => format!(
            "The bank that {} changes with the {xname}: {}.{rest}",
            d.worst,
            and_list(
                &banks
                    .iter()
                    .map(|(name, pts)| format!(
                        "{name} at {} point(s) ({})",
                        pts.len(),
                        ends(pts, false).join(" to ")
                    ))
                    .collect::<Vec<_>>()
            )
        ),
    }
}

/// A series' label without the `bank` parameter's name (`connections 600,000,
/// building-society`).
fn bank_label(label: &str) -> String {
    let label = label.strip_prefix("bank ").unwrap_or(label);
    label.replace(", bank ", ", ")
}

/// The first and last of `pts` (one where they are the same).
fn distinct_ends<'a>(pts: &[&'a SweepPoint]) -> Vec<&'a SweepPoint> {
    match pts {
        [] => vec![],
        [one] => vec![one],
        [first, .., last] => vec![first, last],
    }
}

#[cfg(test)]
pub(crate) mod tests;
