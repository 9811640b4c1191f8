//! Each bank's failure rate against a swept field, where the sweep's runs have two banks or
//! more (`sweep_banks_summary.csv`): which bank gives way first as the grid moves, which a
//! sweep's all-bank figures hide (a trial sweeping a queue's slots ran each point again to
//! learn that its building society failed 89 % at 64 slots).

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
/// one field varies; where more do, against the concurrency (else the first such field),
/// one chart per combination of the others' values.
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
    if varying.len() > 1 {
        let conc = sw.param("concurrency").filter(|c| axes.contains(c));
        axes = conc.or(axes.first().copied()).into_iter().collect();
    }
    for x in axes {
        let groups = groups(sw, x);
        if groups.len() > MAX_CHARTS {
            p.skipped.push(Skipped {
                chart: CHART,
                why: format!(
                    "against {}: the other swept values make {} charts, more than \
                     {MAX_CHARTS} (each bank's figures are in sweep_banks_summary.csv)",
                    sw.params[x],
                    groups.len()
                ),
            });
            continue;
        }
        for (label, slug, part) in groups {
            by_bank_chart(ds, &part, x, (&label, &slug), p);
        }
    }
}

/// The sweep's points split by the values of the swept fields other than `x` and the bank:
/// each group's label (`connections 20,000`; empty for one), its file name's part
/// (`population-connections-20000`) and its points.
fn groups(sw: &SweepData, x: usize) -> Vec<(String, String, SweepData)> {
    let bank = sw.params.len() - 1;
    let others: Vec<usize> = (0..bank)
        .filter(|&i| i != x && sw.values(i).len() > 1)
        .collect();
    let names = param_names(&sw.params);
    let mut out: Vec<(String, String, SweepData)> = Vec::new();
    for pt in &sw.points {
        let label = others
            .iter()
            .map(|&i| param_text(sw, &names, i, &pt.params[i]))
            .collect::<Vec<_>>()
            .join(", ");
        let raw = others
            .iter()
            .map(|&i| format!("{}-{}", sw.params[i], pt.params[i]))
            .collect::<Vec<_>>()
            .join("-");
        match out.iter_mut().find(|g| g.0 == label) {
            Some(g) => g.2.points.push(pt.clone()),
            None => out.push((
                label,
                field_slug(&raw),
                SweepData {
                    points: vec![pt.clone()],
                    ..sw.clone_without_points()
                },
            )),
        }
    }
    out
}

/// One chart: each bank's failure rate against `x` over `sw`'s points (one group's).
fn by_bank_chart(
    ds: &Dataset,
    sw: &SweepData,
    x: usize,
    (group, slug): (&str, &str),
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
    let (stem, title) = match group {
        "" => (String::new(), String::new()),
        g => (format!("_at_{slug}"), format!(", {g}")),
    };
    p.charts.push(Planned {
        stem: format!("{BASE}_vs_{}{stem}", field_slug(&sw.params[x])),
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
        caption: most_refused_sentence(sw, x),
        per_bank: false,
    });
}

/// A series' label without the `bank` parameter's name (`connections 600,000,
/// building-society`).
fn bank_label(label: &str) -> String {
    let label = label.strip_prefix("bank ").unwrap_or(label);
    label.replace(", bank ", ", ")
}

/// Which bank refuses the largest share of attempts at each point of the grid: one bank
/// at every point, with its range along `x`; else each bank with the points where it does.
fn most_refused_sentence(sw: &SweepData, x: usize) -> String {
    let bank = sw.params.len() - 1;
    let rate = |p: &SweepPoint| p.metrics.get(&Metric::FailureRate).map(|e| e.mean);
    // The worst bank of each point (the grid's values, the bank left out), in grid order.
    let mut worst: Vec<(&[String], &SweepPoint)> = Vec::new();
    for pt in sw.points.iter().filter(|p| rate(p).is_some()) {
        let key = &pt.params[..bank];
        match worst.iter_mut().find(|w| w.0 == key) {
            Some(w) if rate(pt) > rate(w.1) => w.1 = pt,
            Some(_) => {}
            None => worst.push((key, pt)),
        }
    }
    let mut banks: Vec<(&str, Vec<&SweepPoint>)> = Vec::new();
    for (_, pt) in &worst {
        let name = pt.params[bank].as_str();
        match banks.iter_mut().find(|b| b.0 == name) {
            Some(b) => b.1.push(pt),
            None => banks.push((name, vec![pt])),
        }
    }
    let xname = param_names(&sw.params)[x].clone();
    let at = |pt: &SweepPoint| {
        let xv = swept_number(&pt.params[x]).unwrap_or(f64::NAN);
        format!(
            "{} at {xname} {}",
            pct(rate(pt).unwrap_or(0.0)),
            x_text(sw, x, xv)
        )
    };
    match &banks[..] {
        [] => String::new(),
        [(name, pts)] => format!(
            "{name} refuses the largest share of attempts at every {xname} ({}).",
            and_list(&distinct_ends(pts).iter().map(|p| at(p)).collect::<Vec<_>>())
        ),
        _ => format!(
            "The bank refusing the largest share of attempts changes with the {xname}: {}.",
            and_list(
                &banks
                    .iter()
                    .map(|(name, pts)| format!("{name} at {} point(s) ({})", pts.len(), at(pts[0])))
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

    /// The most refused bank is each point's highest failure rate, said once where one bank
    /// is it at every point, else bank by bank; the grid's other values split the charts.
    #[test]
    fn the_most_refused_bank_is_named_and_other_values_split_the_charts() {
        let one = banks(&[
            ("1000", "8", "a", 0.01),
            ("1000", "8", "b", 0.02),
            ("1000", "64", "a", 0.10),
            ("1000", "64", "b", 0.80),
        ]);
        assert_eq!(
            most_refused_sentence(&one, 1),
            "b refuses the largest share of attempts at every concurrency (2.00 % at \
             concurrency 8 and 80.00 % at concurrency 64)."
        );
        let changes = banks(&[
            ("1000", "8", "a", 0.05),
            ("1000", "8", "b", 0.02),
            ("1000", "64", "a", 0.10),
            ("1000", "64", "b", 0.80),
        ]);
        assert_eq!(
            most_refused_sentence(&changes, 1),
            "The bank refusing the largest share of attempts changes with the concurrency: a \
             at 1 point(s) (5.00 % at concurrency 8) and b at 1 point(s) (80.00 % at \
             concurrency 64)."
        );
        let two = banks(&[
            ("1000", "8", "a", 0.01),
            ("1000", "64", "a", 0.10),
            ("5000", "8", "a", 0.03),
            ("5000", "64", "a", 0.30),
        ]);
        let g = groups(&two, 1);
        let labels: Vec<(&str, &str, usize)> = g
            .iter()
            .map(|(l, s, d)| (l.as_str(), s.as_str(), d.points.len()))
            .collect();
        assert_eq!(
            labels,
            [
                ("connections 1,000", "population-connections-1000", 2),
                ("connections 5,000", "population-connections-5000", 2)
            ]
        );
        let stem = "failure_rate_by_bank_vs_strategy-concurrency_at_population-connections-1000";
        assert!(is_by_bank_stem(stem) && !is_by_bank_stem("failure_rate_by_bank_vs_"));
    }
}
