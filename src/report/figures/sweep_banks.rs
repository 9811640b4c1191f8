//! Each bank's failure rate against a swept field, where the sweep's runs have two banks or
//! more (`sweep_banks_summary.csv`): which bank gives way first as the grid moves, which a
//! sweep's all-bank figures hide (a trial sweeping a queue's slots had to run points one by
//! one to learn that its building society failed 89 % of its attempts at 64 slots).

use crate::metric::Metric;
use crate::output::text::pct;
use crate::report::charts::{Chart, ChartAxis, Format, Scale, XyChart};
use crate::report::dataset::{Dataset, SweepData, SweepPoint};
use crate::report::figures::sweep_series::{sweep_lines, sweep_series, swept_number, x_text};
use crate::report::figures::swept_field::{field_axis, field_slug};
use crate::report::figures::{ChartPlan, Planned, Skipped, MAX_SERIES};
use crate::report::phrases::{
    and_list, is_kind, param_names, param_text, subtitle, sweep_provenance,
};

/// The stem these charts' files begin with (`failure_rate_by_bank_vs_<field>`).
const BASE: &str = "failure_rate_by_bank";

/// In notes about these charts.
const CHART: &str = "failure rate by bank";

/// Whether `stem` is one of these charts'.
pub(crate) fn is_by_bank_stem(stem: &str) -> bool {
    stem.strip_prefix(BASE)
        .and_then(|rest| rest.strip_prefix("_vs_"))
        .is_some_and(|field| !field.is_empty() && field_slug(field) == field)
}

/// Most charts against one field, one per combination of the other swept values.
const MAX_CHARTS: usize = 4;

/// Plans each bank's failure rate, one line per bank, against every swept field whose
/// values are numbers or durations (the concurrency and the user base included) where only
/// one field varies. Where more do, against one such field, one chart per combination of
/// the others' values: the concurrency if that makes at most [`MAX_CHARTS`], else the
/// first field that does.
pub(crate) fn by_bank_charts(ds: &Dataset, p: &mut ChartPlan) {
    let Some(sw) = &ds.sweep_banks else {
        return;
    };
    let bank = sw.params.len() - 1;
    let varying: Vec<usize> = (0..bank).filter(|&i| sw.values(i).len() > 1).collect();
    let numeric = |i: &usize| {
        !is_kind(&sw.params[*i]) && sw.values(*i).iter().all(|v| swept_number(v).is_some())
    };
    let mut axes: Vec<usize> = varying.iter().copied().filter(numeric).collect();
    if varying.is_empty() {
        return;
    }
    if axes.is_empty() {
        p.skipped.push(Skipped {
            chart: CHART,
            why: "no swept field takes numbers or durations to draw against (each bank's \
                  figures are in sweep_banks_summary.csv)"
                .into(),
        });
        return;
    }
    if varying.len() > 1 {
        let conc = sw.param("concurrency").filter(|c| axes.contains(c));
        let fits = |x: &usize| groups(sw, *x).len() <= MAX_CHARTS;
        let pick = conc
            .filter(fits)
            .or_else(|| axes.iter().copied().find(fits));
        let Some(x) = pick else {
            p.skipped.push(Skipped {
                chart: CHART,
                why: format!(
                    "against every swept field, the others' values make more than \
                     {MAX_CHARTS} charts (each bank's figures are in sweep_banks_summary.csv)"
                ),
            });
            return;
        };
        axes = vec![x];
    }
    let note = missing_points(ds, sw);
    for x in axes {
        let groups = groups(sw, x);
        let several = groups.len() > 1;
        for (k, (label, part)) in groups.into_iter().enumerate() {
            let stem = format!(
                "{BASE}_vs_{}{}",
                field_slug(&sw.params[x]),
                if several {
                    format!("_at_{}", k + 1)
                } else {
                    String::new()
                }
            );
            by_bank_chart(ds, (&part, x), (&label, stem), &note, p);
        }
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

/// The sweep's points split by the values of the swept fields other than `x` and the bank:
/// each group's label (`connections 20,000`; empty for one) and its points. The charts'
/// files are numbered by group (values may be long lists, or differ only in spacing).
fn groups(sw: &SweepData, x: usize) -> Vec<(String, SweepData)> {
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
        .map(|(_, label, part)| (label, part))
        .collect()
}

/// One chart: each bank's failure rate against `x` over `sw`'s points (one group's: its
/// label, empty for the only one, and its file's stem); `note` ends its caption.
fn by_bank_chart(
    ds: &Dataset,
    (sw, x): (&SweepData, usize),
    (group, stem): (&str, String),
    note: &str,
    p: &mut ChartPlan,
) {
    let set = sweep_series(sw, x, Metric::FailureRate);
    if set.series.len() > MAX_SERIES {
        p.skipped.push(Skipped {
            chart: CHART,
            why: format!(
                "against {}: {} banks, more than {MAX_SERIES} lines (each is in \
                 sweep_banks_summary.csv)",
                sw.params[x],
                set.series.len()
            ),
        });
        return;
    }
    let (mut lines, refs) = sweep_lines(set, true);
    for l in &mut lines {
        l.label = bank_label(&l.label);
    }
    let name = param_names(&sw.params)[x].clone();
    let book = ds.sweep.as_ref().unwrap_or(sw);
    let title = match group {
        "" => String::new(),
        g => format!(", {g}"),
    };
    p.charts.push(Planned {
        stem,
        chart: Chart::Xy(XyChart {
            title: format!("Failure rate by bank against {name}{title}"),
            subtitle: Some(subtitle(
                "failed attempts (429 and 5xx) per attempt at each bank",
                [Some(sweep_provenance(book))],
            )),
            x: field_axis(sw, x),
            y: ChartAxis::new("failure rate", Scale::Linear, Format::Percent)
                .range(Some(0.0), None),
            lines,
            refs,
        }),
        caption: format!("{}{note}", most_failing_sentence(sw, x)),
        per_bank: false,
    });
}

/// A series' label without the `bank` parameter's name (`connections 600,000,
/// building-society`).
fn bank_label(label: &str) -> String {
    let label = label.strip_prefix("bank ").unwrap_or(label);
    label.replace(", bank ", ", ")
}

/// Which bank fails the largest share of its attempts (429s and 5xx) at each point of the
/// grid (the first of equals): one bank at every point, with its range along `x`; else each
/// bank with the points where it does. Points where no bank failed any are said apart.
fn most_failing_sentence(sw: &SweepData, x: usize) -> String {
    let bank = sw.params.len() - 1;
    let rate = |p: &SweepPoint| p.metrics.get(&Metric::FailureRate).map_or(0.0, |e| e.mean);
    // The worst bank of each point (the grid's values, the bank left out), in grid order.
    let mut worst: Vec<(&[String], &SweepPoint)> = Vec::new();
    for pt in &sw.points {
        let key = &pt.params[..bank];
        match worst.iter_mut().find(|w| w.0 == key) {
            Some(w) if rate(pt) > rate(w.1) => w.1 = pt,
            Some(_) => {}
            None => worst.push((key, pt)),
        }
    }
    let clean = worst.iter().filter(|w| rate(w.1) <= 0.0).count();
    let mut banks: Vec<(&str, Vec<&SweepPoint>)> = Vec::new();
    for (_, pt) in worst.iter().filter(|w| rate(w.1) > 0.0) {
        let name = pt.params[bank].as_str();
        match banks.iter_mut().find(|b| b.0 == name) {
            Some(b) => b.1.push(pt),
            None => banks.push((name, vec![pt])),
        }
    }
    let xname = param_names(&sw.params)[x].clone();
    let at = |pt: &SweepPoint| {
        let xv = swept_number(&pt.params[x]).unwrap_or(f64::NAN);
        format!("{} at {xname} {}", pct(rate(pt)), x_text(sw, x, xv))
    };
    let rest = match clean {
        0 => String::new(),
        n => format!(" No bank failed an attempt at {n} point(s)."),
    };
    match &banks[..] {
        [] => format!("No bank failed an attempt at any {xname}."),
        [(name, pts)] => format!(
            "{name} fails the largest share of its attempts at every {xname}{} ({}).{rest}",
            if clean > 0 { " where any failed" } else { "" },
            and_list(&distinct_ends(pts).iter().map(|p| at(p)).collect::<Vec<_>>())
        ),
        _ => format!(
            "The bank failing the largest share of its attempts changes with the {xname}: \
             {}.{rest}",
            and_list(
                &banks
                    .iter()
                    .map(|(name, pts)| {
                        let ends: Vec<String> = distinct_ends(pts).iter().map(|p| at(p)).collect();
                        format!("{name} at {} point(s) ({})", pts.len(), ends.join(" to "))
                    })
                    .collect::<Vec<_>>()
            )
        ),
    }
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
mod tests {
    use super::*;
    use crate::report::dataset::SweepContext;
    use crate::stats::Estimate;

    /// A sweep's banks: (connections, concurrency, bank, failure rate) a point.
    fn banks(points: &[(&str, &str, &str, f64)]) -> SweepData {
        SweepData {
            params: ["population.connections", "strategy.concurrency", "bank"]
                .map(String::from)
                .to_vec(),
            points: points
                .iter()
                .map(|&(n, c, b, f)| SweepPoint {
                    params: [n, c, b].map(String::from).to_vec(),
                    metrics: [(Metric::FailureRate, Estimate::of(&[f]).unwrap())].into(),
                    lower_bounds: vec![],
                    replications: Some(1),
                    strategy: Some("queued".into()),
                    ignores_concurrency: false,
                    slots: c.parse().ok(),
                })
                .collect(),
            source: "sweep_banks_summary.csv",
            context: SweepContext::default(),
        }
    }

    /// The bank failing most is each point's highest failure rate, said once where one bank
    /// is it at every point, else bank by bank; points without failures apart; the grid's
    /// other values split the charts, numbered.
    #[test]
    fn the_bank_failing_most_is_named_and_other_values_split_the_charts() {
        let one = banks(&[
            ("1000", "8", "a", 0.01),
            ("1000", "8", "b", 0.02),
            ("1000", "64", "a", 0.10),
            ("1000", "64", "b", 0.80),
        ]);
        assert_eq!(
            most_failing_sentence(&one, 1),
            "b fails the largest share of its attempts at every concurrency (2.00 % at \
             concurrency 8 and 80.00 % at concurrency 64)."
        );
        let changes = banks(&[
            ("1000", "4", "a", 0.0),
            ("1000", "4", "b", 0.0),
            ("1000", "8", "a", 0.05),
            ("1000", "8", "b", 0.02),
            ("1000", "64", "a", 0.10),
            ("1000", "64", "b", 0.80),
        ]);
        assert_eq!(
            most_failing_sentence(&changes, 1),
            "The bank failing the largest share of its attempts changes with the concurrency: \
             a at 1 point(s) (5.00 % at concurrency 8) and b at 1 point(s) (80.00 % at \
             concurrency 64). No bank failed an attempt at 1 point(s)."
        );
        let none = banks(&[("1000", "8", "a", 0.0), ("1000", "64", "a", 0.0)]);
        assert_eq!(
            most_failing_sentence(&none, 1),
            "No bank failed an attempt at any concurrency."
        );
        let two = banks(&[
            ("1000", "8", "a", 0.01),
            ("1000", "64", "a", 0.10),
            ("5000", "8", "a", 0.03),
            ("5000", "64", "a", 0.30),
        ]);
        let g = groups(&two, 1);
        let labels: Vec<(&str, usize)> = g
            .iter()
            .map(|(l, d)| (l.as_str(), d.points.len()))
            .collect();
        assert_eq!(labels, [("connections 1,000", 2), ("connections 5,000", 2)]);
        let stem = "failure_rate_by_bank_vs_strategy-concurrency_at_2";
        assert!(is_by_bank_stem(stem) && !is_by_bank_stem("failure_rate_by_bank_vs_"));
    }
}
