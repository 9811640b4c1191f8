//! The report's table of a paired comparison: strategies in `paired.md`'s ranked order, each
//! one's coverage (and, where an item's period is shorter than a day, the coverage of each
//! period, and the background's) and failure-rate differences from the baseline, the own 429s
//! a bound reads (in all, or at the worst bank), the difference in the
//! metric it was ranked by where that is another, its means, and the data age customers see.

use crate::metric::Metric;
use crate::output::paired::{self, difference, ranked_by, set_back, SET_BACK_LEGEND};
use crate::output::text::{estimate, pct, LOWER_BOUND_LEGEND, NEVER_LEGEND};
use crate::report::dataset::{metric_row, PairedData, PairedRow};
use crate::report::findings::capitalise;
use crate::report::phrases::cell;
use std::fmt::Write as _;

/// The table, then the legends of its marks.
pub(crate) fn paired_table(pd: &PairedData) -> String {
    let ranked = pd.ranked();
    // The data age customers see (at app open where measured, else over time): a trial found
    // it only in paired.md.
    let has = |m: Metric| (pd.rows.iter()).any(|r| r.metric == m && r.variant_mean.is_some());
    // A ranking by another metric shows its difference and its mean, which the order is
    // read from (the mean where the baseline's is `inf` and no difference is taken).
    let by =
        Some(ranked_by(&ranked)).filter(|m| !matches!(m, Metric::Coverage | Metric::FailureRate));
    let age = [Metric::AtOpenP95Hours, Metric::StalenessP95Hours]
        .into_iter()
        .find(|&m| has(m))
        .filter(|&m| by != Some(m));
    // Where an item's period is shorter than a day, its periods' coverage beside the day's;
    // where customers or reconnections fetch, the background's own (theirs count in
    // coverage).
    let extra: Vec<Metric> = [
        (Metric::PeriodCoverage, true),
        (
            Metric::BackgroundCoverage,
            paired::background_differs(&pd.rows),
        ),
    ]
    .into_iter()
    .filter(|&(m, when)| when && has(m) && by != Some(m))
    .map(|(m, _)| m)
    .collect();
    let mut heads = vec!["Coverage difference".to_string()];
    heads.extend(
        extra
            .iter()
            .map(|m| format!("{} difference", capitalise(m.label()))),
    );
    heads.push("Failure-rate difference".into());
    heads.extend(by.map(|m| {
        let unit = &m.label()[m.name().len()..];
        format!("{} difference{unit}", capitalise(m.name()))
    }));
    heads.extend(["Coverage".to_string(), "Failure rate".into()]);
    // With a bound, the own 429s it bounds (a trial could not check the ‡).
    let own = paired::bound(&ranked).filter(|b| by != Some(b.metric));
    heads.extend(own.map(|b| capitalise(b.measure())));
    let own = own.map(|b| b.metric);
    heads.extend(by.map(|m| capitalise(m.label())));
    heads.extend(age.map(|m| capitalise(m.label().trim_end_matches(" (h)"))));
    let mut s = format!("| Rank | Strategy | {} |\n", heads.join(" | "));
    let _ = writeln!(s, "|---:|---|{}", "---:|".repeat(heads.len()));
    let diff = |rows: &[PairedRow], m: Metric| metric_row(rows, m).map_or("—".into(), difference);
    let mean = |rows: &[PairedRow], m: Metric| {
        (metric_row(rows, m).and_then(|r| r.variant_mean)).map_or("—".into(), pct)
    };
    for (k, rows) in ranked.iter().enumerate() {
        let mark = paired::marks(&ranked, rows);
        let name = match rows[0].variant == rows[0].baseline {
            true => format!("`{}` (baseline){mark}", cell(&rows[0].variant)),
            false => format!("`{}`{mark}", cell(&rows[0].variant)),
        };
        let mut cells = vec![diff(rows, Metric::Coverage)];
        cells.extend(extra.iter().map(|&m| diff(rows, m)));
        cells.push(diff(rows, Metric::FailureRate));
        cells.extend(by.map(|m| diff(rows, m)));
        cells.extend([
            mean(rows, Metric::Coverage),
            mean(rows, Metric::FailureRate),
        ]);
        cells.extend(own.map(|m| own_cell(metric_row(rows, m))));
        cells.extend(by.map(|m| match (metric_row(rows, m), m.is_age()) {
            (r, true) => age_cell(r),
            (Some(r), false) => paired::mean(m, r.variant_mean, r.lower_bound),
            (None, false) => "—".into(),
        }));
        cells.extend(age.map(|m| age_cell(metric_row(rows, m))));
        let _ = writeln!(s, "| {} | {name} | {} |", k + 1, cells.join(" | "));
    }
    let legends_of = [Metric::PeriodCoverage, Metric::BackgroundCoverage]
        .map(|m| extra.contains(&m) || by == Some(m));
    s + &legends(pd, age.or(by.filter(|m| m.is_age())), legends_of)
}

/// A strategy's own 429s, to four decimals where two would read as the bound it passes (a mean
/// of 1.004 % past a bound of 1 % is not "1.00 %").
fn own_cell(r: Option<&PairedRow>) -> String {
    let Some((r, m)) = r.and_then(|r| Some((r, r.variant_mean?))) else {
        return "—".into();
    };
    match paired::Bound::of_row(r) {
        Some(b) if paired::over_bound(std::slice::from_ref(r)) && pct(m) == pct(b.share) => {
            format!("{:.4} %", 100.0 * m)
        }
        _ => pct(m),
    }
}

/// A strategy's mean data age: `≥` where a lower bound, `—` where unmeasured.
fn age_cell(r: Option<&PairedRow>) -> String {
    match r.and_then(|r| Some((r, r.variant_mean?))) {
        Some((r, mean)) => {
            let e = crate::stats::Estimate {
                n: r.replications as usize,
                mean,
                sd: None,
                ci95: None,
            };
            estimate(r.metric, &e, r.lower_bound)
        }
        None => "—".to_string(),
    }
}

/// What the paired table's marks mean, where one shows them: "†" beside a strategy ranked
/// after the others, "≥" or "never" in an age cell (`age`: the column's metric), and what the
/// coverage of each period counts and the background's leaves out, where their columns are
/// shown (`[periods, background]`).
fn legends(pd: &PairedData, age: Option<Metric>, [periods, background]: [bool; 2]) -> String {
    let ranked = pd.ranked();
    let ages: Vec<&PairedRow> = (ranked.iter())
        .filter_map(|rows| metric_row(rows, age?))
        .collect();
    let mut s = String::new();
    if ranked.iter().any(|rows| set_back(&ranked, rows)) {
        let _ = writeln!(s, "\n{SET_BACK_LEGEND}");
    }
    if let Some(legend) = paired::over_bound_legend(&ranked) {
        let _ = writeln!(s, "\n{legend}");
    }
    if (ages.iter()).any(|r| r.lower_bound && r.variant_mean.is_some_and(f64::is_finite)) {
        let _ = writeln!(s, "\n{LOWER_BOUND_LEGEND}");
    }
    if (ages.iter()).any(|r| r.variant_mean.is_some_and(f64::is_infinite)) {
        let _ = writeln!(s, "\n{NEVER_LEGEND}");
    }
    if periods {
        let _ = writeln!(s, "\n{}", paired::PERIODS_LEGEND);
    }
    if background {
        let customers = paired::customers_asked(&pd.rows);
        let _ = writeln!(s, "\n{}", paired::background_legend(customers));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Own 429s past the bound by less than two decimals show four; others two.
    #[test]
    fn own_429s_past_the_bound_never_read_as_it() {
        let row = |mean: f64| PairedRow {
            variant: "v".into(),
            baseline: "b".into(),
            metric: Metric::ClientFailureRate,
            variant_mean: Some(mean),
            baseline_mean: Some(0.0),
            difference_mean: Some(mean),
            difference_sd: Some(0.0),
            difference_ci95: Some(0.0),
            replications: 2,
            lower_bound: false,
            ranked_by: Metric::Coverage,
            max_failure_rate: Some(0.01),
            max_bank_failure_rate: None,
        };
        assert_eq!(own_cell(Some(&row(0.01004))), "1.0040 %");
        assert_eq!(own_cell(Some(&row(0.01))), "1.00 %");
        assert_eq!(own_cell(Some(&row(0.02))), "2.00 %");
        assert_eq!(own_cell(None), "—");
    }
}
