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
use std::cmp::Ordering;

/// The file's name in a results directory.
pub const FILE: &str = "paired.csv";
/// The Markdown table beside it.
pub const MARKDOWN_FILE: &str = "paired.md";
/// The Markdown's first line, before the scenario's name (`# Paired comparison · uk-mix`).
pub const MARKDOWN_TITLE: &str = "# Paired comparison · ";
/// The directory the default experiment writes a scenario's comparison into:
/// `<scenario>/paired/`.
pub const DIR: &str = "paired";

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
    ];
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

/// A rise in the failure rate (a share) that never sets a strategy back in the ranking.
pub const RANK_FAILURE_MARGIN: f64 = 0.01;

/// How `paired.md` ranks the strategies, in words (its text, the report's and the chart's).
pub const RANKING_WORDS: &str = "Ranked by the coverage difference (highest first), except \
    that a strategy ranks after any other, the baseline included, whose failure rate is more \
    than a point lower and lower by more than its coverage is; ties by the failure-rate \
    difference (lowest first)";

/// Whether a strategy with these mean differences from another (coverage, failure rate)
/// ranks after it: its failure rate is higher by more than [`RANK_FAILURE_MARGIN`] and by
/// more than its coverage is (a trial's compare ranked an all-day pace first for 1.2 points
/// of coverage at 47.8 points more failures; another's pace, +36.6 points of coverage at
/// +2.7 points of failures, is rightly first).
pub fn ranks_after(coverage: Option<f64>, failure: Option<f64>) -> bool {
    failure.is_some_and(|f| f > RANK_FAILURE_MARGIN + 1e-12 && f > coverage.unwrap_or(0.0))
}

/// Whether strategy `v` ranks after strategy `o` ([`ranks_after`] on the difference of
/// their paired differences, the baseline's being 0).
fn after(per_variant: &[&[PairedRow]], v: usize, o: usize) -> bool {
    let diff = |v: usize, m: Metric| {
        (per_variant[v].iter().find(|r| r.metric == m)).and_then(|r| r.difference_mean)
    };
    let less = |a: Option<f64>, b: Option<f64>| Some(a? - b?);
    let c = less(diff(v, Metric::Coverage), diff(o, Metric::Coverage));
    ranks_after(
        c,
        less(diff(v, Metric::FailureRate), diff(o, Metric::FailureRate)),
    )
}

/// Whether one strategy's rows (`rows`, one of `per_variant`) rank after another's, the
/// baseline's included (against the baseline alone, a trial's baseline queue failing 90 % of
/// its attempts ranked above a random offset failing 24 % at 2 points less coverage).
pub fn set_back(per_variant: &[&[PairedRow]], rows: &[PairedRow]) -> bool {
    let same = |r: &&[PairedRow]| r.first().map(|x| &x.variant) == rows.first().map(|x| &x.variant);
    let at = per_variant.iter().position(same);
    at.is_some_and(|v| (0..per_variant.len()).any(|o| after(per_variant, v, o)))
}

/// The legend of the mark ("†") beside a strategy [`set_back`] ranks after another.
pub const SET_BACK_LEGEND: &str = "†: a strategy ranked above it fails more than a point less, \
    and by more than it covers less.";

/// Variant indices into `per_variant`, best first, as `paired.md` ranks them: each place
/// goes to the strategy with the highest coverage difference (then the lowest failure-rate
/// difference; an absent difference last; ties in item order) among those that rank after
/// no strategy still unplaced ([`ranks_after`]). So a strategy is never ranked above one it
/// ranks after, and those ranking after none stand in coverage order (ranking by how long a
/// chain of such strategies stood above each put a trial's night job at 39 % coverage above
/// a queue it did not beat).
pub fn ranking(per_variant: &[&[PairedRow]]) -> Vec<usize> {
    let diff = |v: usize, m: Metric| {
        per_variant[v]
            .iter()
            .find(|r| r.metric == m)
            .and_then(|r| r.difference_mean)
    };
    // Absent sorts after any value.
    let cmp = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    let better = |a: usize, b: usize| {
        let neg = |x: Option<f64>| x.map(|x| -x);
        cmp(
            neg(diff(a, Metric::Coverage)),
            neg(diff(b, Metric::Coverage)),
        )
        .then_with(|| cmp(diff(a, Metric::FailureRate), diff(b, Metric::FailureRate)))
        .then(a.cmp(&b))
    };
    let mut left: Vec<usize> = (0..per_variant.len()).collect();
    let mut order = Vec::with_capacity(left.len());
    while !left.is_empty() {
        let free = |v: &usize| !left.iter().any(|&o| after(per_variant, *v, o));
        // Ranking after needs a failure rate more than a point higher: some strategy is free.
        let next = (left.iter().copied().filter(free))
            .min_by(|&a, &b| better(a, b))
            .unwrap_or(left[0]);
        order.push(next);
        left.retain(|&v| v != next);
    }
    order
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

    /// A variant's coverage and failure-rate rows with these mean differences from the
    /// baseline's 0.5 (`(variant, baseline)`).
    fn differences(
        (variant, baseline): (&str, &str),
        coverage: f64,
        failure: f64,
    ) -> [PairedRow; 2] {
        [(Metric::Coverage, coverage), (Metric::FailureRate, failure)].map(|(metric, d)| {
            PairedRow {
                variant: variant.into(),
                baseline: baseline.into(),
                metric,
                variant_mean: Some(0.5 + d),
                baseline_mean: Some(0.5),
                difference_mean: Some(d),
                difference_sd: Some(0.0),
                difference_ci95: Some(0.0),
                replications: 2,
                lower_bound: false,
            }
        })
    }

    /// Coverage first, except that a strategy whose failures rise by more than a point and
    /// more than its coverage, against the baseline or another, ranks after it (a trial's all-day pace, +1.2 points of
    /// coverage for +47.8 points of failures, was ranked first; another's pace, +36.6 points
    /// for +2.7, must stay first).
    #[test]
    fn strategies_failing_far_more_rank_after_the_others() {
        let rows = |coverage: f64, failure: f64| differences(("v", "b"), coverage, failure);
        let variants = [
            rows(0.0, 0.0),     // the baseline
            rows(0.012, 0.478), // more coverage, far more failures
            rows(0.005, 0.01),  // at the margin
            rows(0.008, -0.02),
            rows(0.03, 0.02),
            rows(0.366, 0.027), // far more coverage for a little more failure
            rows(0.02, 0.025),  // failures rising more than coverage
        ];
        let per_variant: Vec<&[PairedRow]> = variants.iter().map(|v| &v[..]).collect();
        // 3 fails 4 points less than 4 for 2.2 points less coverage: 4 ranks after it.
        assert_eq!(ranking(&per_variant), [5, 3, 4, 2, 0, 6, 1]);
    }

    /// The baseline is held to the same rule against each other strategy: a queue failing
    /// 90 % of its attempts ranks after a random offset failing 24 % at 2 points less
    /// coverage (a trial's compare ranked it above), and a variant failing 5 points more
    /// than it for a point more coverage after it; a variant failing a point less, or losing
    /// more coverage than failures, leaves it in its place.
    #[test]
    fn a_baseline_failing_far_more_ranks_after_the_others() {
        let rows = |variant: &str, coverage: f64, failure: f64| {
            differences((variant, "q64"), coverage, failure)
        };
        let ranked = |variants: &[[PairedRow; 2]]| {
            let per_variant: Vec<&[PairedRow]> = variants.iter().map(|v| &v[..]).collect();
            let marked: Vec<bool> = (per_variant.iter())
                .map(|r| set_back(&per_variant, r))
                .collect();
            (ranking(&per_variant), marked)
        };
        let base = rows("q64", 0.0, 0.0);
        let (order, marked) = ranked(&[
            base.clone(),
            rows("q32", -0.01, -0.67),
            rows("random_offset", -0.02, -0.66),
            rows("q128", 0.01, 0.05),
        ]);
        assert_eq!(
            order,
            [1, 2, 0, 3],
            "q128 fails 5 points more than q64: after it"
        );
        assert_eq!(marked, [true, false, false, true]);
        let (order, marked) = ranked(&[
            base.clone(),
            rows("close", 0.0, -0.009),
            rows("thin", -0.3, -0.2),
        ]);
        assert_eq!((order, marked), (vec![1, 0, 2], vec![false; 3]));
        // Every pair is held to it, not only those with the baseline: a variant a little
        // above the baseline ranks after the random offset, as the baseline does, and stays
        // above the baseline, which it fails no point more (a review's case).
        let (order, marked) = ranked(&[
            base,
            rows("q65", 0.001, 0.005),
            rows("random_offset", -0.02, -0.66),
        ]);
        assert_eq!((order, marked), (vec![2, 1, 0], vec![true, true, false]));
        // A night job covering 60 points less for 6 points fewer failures does not beat the
        // baseline, which stays above it though three pools and paces rank above the
        // baseline (a trial's: ranked by the chains above each, the night job was fifth of
        // six and the baseline sixth).
        let (order, marked) = ranked(&[
            rows("today", 0.0, 0.0),
            rows("pools", 0.0084, -0.100),
            rows("stalest", 0.0084, -0.101),
            rows("paced", 0.0107, -0.112),
            rows("night", -0.60, -0.062),
        ]);
        assert_eq!(order, [3, 2, 1, 0, 4]);
        assert_eq!(marked, [true, true, true, false, true]);
        // Chains of differing length (a review's case, which ranking by the longest chain
        // above each got wrong): the night job ranks after the pace only, the baseline after
        // the pools and the pace; neither after the other, so coverage puts the baseline first.
        let (order, _) = ranked(&[
            rows("paced", 0.0107, -0.112),
            rows("pools", 0.0084, -0.100),
            rows("today", 0.0, 0.0),
            rows("night", -0.60, -0.095),
        ]);
        assert_eq!(order, [0, 1, 2, 3]);
    }

    /// On random differences, no strategy ranks above one it ranks after, and those marked
    /// with none stand in coverage order.
    #[test]
    fn no_strategy_ranks_above_one_it_ranks_after() {
        let rows = |v: &str, c: f64, f: f64| differences((v, "s0"), c, f);
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::SplitMix64::seed_from_u64(7);
        for _ in 0..200 {
            let n = rng.random_range(2..8);
            let variants: Vec<[PairedRow; 2]> = (0..n)
                .map(|i| {
                    let (c, f) = (rng.random_range(-0.3..0.3), rng.random_range(-0.3..0.3));
                    rows(&format!("s{i}"), c, f)
                })
                .collect();
            let per_variant: Vec<&[PairedRow]> = variants.iter().map(|v| &v[..]).collect();
            let order = ranking(&per_variant);
            for (k, &v) in order.iter().enumerate() {
                assert!(order[k..].iter().all(|&o| !after(&per_variant, v, o)));
            }
            let free: Vec<usize> = (order.iter().copied())
                .filter(|&v| !set_back(&per_variant, per_variant[v]))
                .collect();
            let cov = |v: usize| per_variant[v][0].difference_mean.unwrap();
            assert!(free.windows(2).all(|w| cov(w[0]) >= cov(w[1])), "{free:?}");
        }
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
