//! `paired.csv`: a paired comparison of strategies (`refresh-sim compare`), one row per
//! variant and metric: the variant's mean, the baseline's mean, and the paired difference
//! (variant − baseline, replication by replication) with its standard deviation and Student-t
//! 95 % half-width.
//!
//! Replication `r` of every variant runs on the same seed (common random numbers), so the
//! differences are taken within pairs; their spread is the model's, not the luck's.

use super::summary::SummaryRow;
use super::Record;
use crate::metric::Metric;
use crate::metrics::past_horizon;
use crate::stats::Estimate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod bound;
mod cells;
mod ranking;
pub use bound::{bound, bound_words, over_bound, over_bound_legend, Bound};
pub use cells::{difference, mean};
pub use ranking::{
    covered, marks, ranked_by, ranking, ranking_brief, ranking_words, ranks_after, set_back,
    RANK_FAILURE_MARGIN, SET_BACK_LEGEND,
};

/// The file's name in a results directory.
pub const FILE: &str = "paired.csv";
/// The Markdown table beside it.
pub const MARKDOWN_FILE: &str = "paired.md";
/// The Markdown's first line, before the scenario's name (`# Paired comparison · uk-mix`).
pub const MARKDOWN_TITLE: &str = "# Paired comparison · ";
/// The heading of `paired.md`'s notes on the items' scenarios (what `run` would note), each
/// a `- ` line after it: the report quotes them.
pub const NOTES_HEADING: &str = "Notes on the scenarios, as `run` gives them:";

/// The notes under [`NOTES_HEADING`] in `paired.md`'s text, each without its `- `.
pub fn notes_of(markdown: &str) -> Vec<&str> {
    let Some((_, after)) = markdown.split_once(NOTES_HEADING) else {
        return Vec::new();
    };
    (after.trim_start().lines())
        .map_while(|l| l.strip_prefix("- "))
        .collect()
}

/// The directory the default experiment writes a scenario's comparison into:
/// `<scenario>/paired/`.
pub const DIR: &str = "paired";

/// What the background's coverage leaves out, where customers fetch: a trial's planning doc
/// credited the strategy with what its customers fetched for themselves
/// (`paired.md`'s and `report`'s legend of the column; `customers`: some strategy's customers
/// asked, else reconnections alone made the difference).
pub fn background_legend(customers: bool) -> String {
    let what = match customers {
        true => "customers' requests and the fetches of their linking and reconnecting",
        false => "the fetches of customers' linking and reconnecting",
    };
    let mut legend = format!(
        "Background coverage: the coverage the client's own refreshes give, leaving out \
         {what}, which Coverage counts too."
    );
    if customers {
        legend.push_str(
            " The ages at app open are of the data each customer finds before their own \
             fetch, so with customers who open the app several times a day they read mostly \
             the customers' earlier fetches: compare an item with \
             `on_demand.per_connection=0` for the background's alone.",
        );
    }
    legend
}

/// What the coverage of each period counts (`report`'s legend of its column; `paired.md`
/// names the items' periods too): coverage counts one success a day.
pub const PERIODS_LEGEND: &str = "Coverage of each period: the share of the connections due \
    that are refreshed in each of the strategy's own periods, counted from the window's start; \
    a daily strategy's is its coverage, and one with a period of days has none (—). Coverage \
    counts one success a day, so there a strategy with a shorter period reads as if it \
    refreshed once a day.";

/// Whether some strategy's customers asked (their requests' failure rate is measured; not
/// where their requests made no attempt): what the background's legend says it leaves out.
pub fn customers_asked(rows: &[PairedRow]) -> bool {
    (rows.iter()).any(|r| r.metric == Metric::OnDemandFailureRate && r.variant_mean.is_some())
}

/// Whether some strategy's background coverage differs from its coverage (as `paired.csv`
/// writes them): where customers or reconnections fetch. Elsewhere it is the coverage, and
/// its column is not shown.
pub fn background_differs(rows: &[PairedRow]) -> bool {
    differs(rows, Metric::BackgroundCoverage, Metric::Coverage)
}

/// Whether some strategy's mean of `m` differs from its mean of `from` (as `paired.csv`
/// writes them): where it does not, a column of `m` repeats one of `from`. The own 429s at
/// the worst bank are those in all with one bank, or where every bank refuses the same share.
pub fn differs(rows: &[PairedRow], m: Metric, from: Metric) -> bool {
    let mean = |v: &str, m: Metric| {
        (rows.iter().find(|r| r.variant == v && r.metric == m))
            .and_then(|r| r.variant_mean.map(crate::output::text::as_written))
    };
    (rows.iter().filter(|r| r.metric == m)).any(|r| mean(&r.variant, m) != mean(&r.variant, from))
}

/// One metric of one variant, against the baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairedRow {
    /// The `--strategies` item as written (`per_bank:concurrency=13`).
    pub variant: String,
    /// The baseline's item.
    pub baseline: String,
    #[serde(serialize_with = "metric_name", deserialize_with = "metric_of_name")]
    pub metric: Metric,
    /// Means over the replications that measured the metric (`inf` when a staleness
    /// percentile was infinite in one of them; empty when none measured it).
    #[serde(serialize_with = "six")]
    pub variant_mean: Option<f64>,
    #[serde(serialize_with = "six")]
    pub baseline_mean: Option<f64>,
    /// The paired difference's mean, sample standard deviation and 95 % half-width; all
    /// three empty when a replication of either side has no finite value (a staleness
    /// percentile that is `inf`), since a difference with infinity has no size.
    #[serde(serialize_with = "six")]
    pub difference_mean: Option<f64>,
    #[serde(serialize_with = "six")]
    pub difference_sd: Option<f64>,
    #[serde(serialize_with = "six")]
    pub difference_ci95: Option<f64>,
    pub replications: u32,
    /// A replication of the variant had a data age past the age histogram's horizon
    /// (`summary.csv`'s `age_horizon_hours`), a lower bound: its mean is one too (`paired.md`
    /// writes "≥"), and no difference is taken with it, on either side.
    pub lower_bound: bool,
    /// The metric the comparison ranked its strategies by (`compare --rank-by`; `coverage`
    /// by default), the same in every row: how the report ranks them again.
    #[serde(serialize_with = "metric_name", deserialize_with = "metric_of_name")]
    pub ranked_by: Metric,
    /// `compare --max-failure-rate`: the bound on each strategy's own 429s, the same in every
    /// row (empty without one); a strategy over it ranks after those within it. A
    /// `paired.csv` written before 2026-12-06 lacks the column and reads without a bound.
    #[serde(serialize_with = "six", default)]
    pub max_failure_rate: Option<f64>,
    /// `compare --max-bank-failure-rate`: the bound on each strategy's own 429s at each bank
    /// (its `worst_bank_client_failure_rate`), the same in every row (empty without one). A
    /// `paired.csv` written before 2026-12-06's second change lacks the column.
    #[serde(serialize_with = "six", default)]
    pub max_bank_failure_rate: Option<f64>,
}

impl Record for PairedRow {
    const HEADER: &'static [&'static str] = &[
        "variant",
        "baseline",
        "metric",
        "variant_mean",
        "baseline_mean",
        "difference_mean",
        "difference_sd",
        "difference_ci95",
        "replications",
        "lower_bound",
        "ranked_by",
        "max_failure_rate",
        "max_bank_failure_rate",
    ];
    const ADDED: usize = 2;
}

impl PairedRow {
    /// Pairs `variant`'s runs with `baseline`'s, replication by replication (equal lengths,
    /// in replication order), on metric `m`.
    pub fn of(
        labels: (&str, &str),
        m: Metric,
        variant: &[SummaryRow],
        baseline: &[SummaryRow],
    ) -> PairedRow {
        debug_assert_eq!(variant.len(), baseline.len());
        // Only ages have a horizon (users a day do not).
        let past = |r: &SummaryRow| {
            m.is_age()
                && r.metric(m)
                    .is_some_and(|x| past_horizon(x, r.age_horizon_hours))
        };
        let mean = |runs: &[SummaryRow]| {
            Estimate::of(&runs.iter().filter_map(|r| r.metric(m)).collect::<Vec<_>>())
                .map(|e| e.mean)
        };
        let differences: Option<Vec<f64>> = variant
            .iter()
            .zip(baseline)
            .map(|(v, b)| match (v.metric(m), b.metric(m)) {
                _ if past(v) || past(b) => None,
                (Some(v), Some(b)) if v.is_finite() && b.is_finite() => Some(v - b),
                _ => None,
            })
            .collect();
        let d = differences.and_then(|d| Estimate::of(&d));
        PairedRow {
            variant: labels.0.to_string(),
            baseline: labels.1.to_string(),
            metric: m,
            variant_mean: mean(variant),
            baseline_mean: mean(baseline),
            difference_mean: d.map(|d| d.mean),
            difference_sd: d.and_then(|d| d.sd),
            difference_ci95: d.and_then(|d| d.ci95),
            replications: variant.len() as u32,
            lower_bound: variant.iter().any(past),
            ranked_by: Metric::Coverage,
            max_failure_rate: None,
            max_bank_failure_rate: None,
        }
    }

    /// The difference is significant at 95 %: its interval excludes 0.
    pub fn significant(&self) -> bool {
        match (self.difference_mean, self.difference_ci95) {
            (Some(d), Some(h)) => d.abs() > h,
            _ => false,
        }
    }
}

/// The rows grouped by variant, in file order (the writer writes each variant's rows
/// together).
pub fn by_variant(rows: &[PairedRow]) -> Vec<&[PairedRow]> {
    rows.chunk_by(|a, b| a.variant == b.variant).collect()
}

/// Six decimals, without a negative zero (`-0.000000` reads as a sign where there is none);
/// `inf` for infinity, empty when absent.
fn six<S: Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    let Some(x) = x else {
        return s.serialize_none();
    };
    let text = format!("{x:.6}");
    match text.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => s.serialize_str(rest),
        _ => s.serialize_str(&text),
    }
}

fn metric_name<S: Serializer>(m: &Metric, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(m.column())
}

fn metric_of_name<'de, D: Deserializer<'de>>(d: D) -> Result<Metric, D::Error> {
    let name = String::deserialize(d)?;
    Metric::from_column(&name)
        .ok_or_else(|| serde::de::Error::custom(format!("`{name}` is not a metric")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The background's legend tells of customers' requests only where they asked.
    #[test]
    fn the_backgrounds_legend_names_what_it_leaves_out() {
        let with = background_legend(true);
        assert!(
            with.contains("leaving out customers' requests and the fetches"),
            "{with}"
        );
        assert!(with.contains("on_demand.per_connection=0"), "{with}");
        let without = background_legend(false);
        assert!(
            without.contains("leaving out the fetches of customers' linking"),
            "{without}"
        );
        assert!(!without.contains("on_demand"), "{without}");
    }

    fn run(coverage: f64, p95: Option<f64>) -> SummaryRow {
        SummaryRow {
            bank: "all".into(),
            coverage,
            staleness_p95_hours: p95,
            ..SummaryRow::default()
        }
    }

    #[test]
    fn header_is_the_fields_and_rows_round_trip() {
        super::super::testing::round_trips(PairedRow {
            variant: "per_bank:pools={ a = 1, b = 2 }".into(),
            baseline: "queued".into(),
            metric: Metric::StalenessP95Hours,
            variant_mean: Some(f64::INFINITY),
            baseline_mean: Some(12.5),
            difference_mean: None,
            difference_sd: None,
            difference_ci95: None,
            replications: 3,
            lower_bound: false,
            ranked_by: Metric::Stale24hAtOpenShare,
            max_failure_rate: None,
            max_bank_failure_rate: None,
        });
        super::super::testing::round_trips(PairedRow {
            variant: "bulk".into(),
            baseline: "queued".into(),
            metric: Metric::Coverage,
            variant_mean: Some(0.5),
            baseline_mean: Some(0.25),
            difference_mean: Some(-0.125),
            difference_sd: Some(0.0625),
            difference_ci95: Some(0.25),
            replications: 2,
            lower_bound: true,
            ranked_by: Metric::Coverage,
            max_failure_rate: Some(0.05),
            max_bank_failure_rate: Some(0.02),
        });
    }

    #[test]
    fn differences_are_paired_and_infinity_has_none() {
        let v = [run(0.5, Some(1.0)), run(0.7, Some(f64::INFINITY))];
        let b = [run(0.4, Some(2.0)), run(0.6, Some(3.0))];
        let cov = PairedRow::of(("v", "b"), Metric::Coverage, &v, &b);
        assert!((cov.difference_mean.unwrap() - 0.1).abs() < 1e-12);
        // Both pairs differ by 0.1: no spread, though each side varies by 0.2.
        assert!(cov.difference_sd.unwrap() < 1e-12);
        assert!(cov.significant());
        let p95 = PairedRow::of(("v", "b"), Metric::StalenessP95Hours, &v, &b);
        assert_eq!(p95.variant_mean, Some(f64::INFINITY));
        assert_eq!(p95.baseline_mean, Some(2.5));
        assert_eq!(
            (p95.difference_mean, p95.difference_sd, p95.difference_ci95),
            (None, None, None)
        );
        assert!(!p95.significant());
        assert!(!p95.lower_bound);
        // A baseline past its horizon (192 h) in one replication: a lower bound, with no
        // difference; the variant's own mean is exact.
        let horizon = |mut r: SummaryRow| {
            r.age_horizon_hours = 192.0;
            r
        };
        let v = [horizon(run(0.5, Some(20.0))), horizon(run(0.5, Some(30.0)))];
        let b = [
            horizon(run(0.5, Some(192.02))),
            horizon(run(0.5, Some(90.0))),
        ];
        let p95 = PairedRow::of(("v", "b"), Metric::StalenessP95Hours, &v, &b);
        assert_eq!((p95.variant_mean, p95.lower_bound), (Some(25.0), false));
        assert_eq!(p95.difference_mean, None);
        assert!(PairedRow::of(("b", "b"), Metric::StalenessP95Hours, &b, &b).lower_bound);
        // Users a day in the thousands are no age.
        let users = |mut r: SummaryRow| {
            r.users_per_day = 5000.0;
            r
        };
        let v = [
            users(horizon(run(0.5, None))),
            users(horizon(run(0.5, None))),
        ];
        let u = PairedRow::of(("v", "v"), Metric::UsersPerDay, &v, &v);
        assert_eq!((u.difference_mean, u.lower_bound), (Some(0.0), false));
    }

    #[test]
    fn a_negative_zero_is_written_as_zero() {
        let runs = [run(0.5, None)];
        let mut row = PairedRow::of(("a", "a"), Metric::Coverage, &runs, &runs);
        row.difference_mean = Some(-1e-9);
        let text = String::from_utf8(crate::output::to_csv(&[row]).unwrap()).unwrap();
        assert!(
            text.lines().nth(1).unwrap().contains(",0.000000,"),
            "{text}"
        );
    }
}
