//! The figures drawn bank by bank: which metric, its file's stem and the words about it.

use crate::metric::Metric;
use crate::report::dataset::SweepPoint;
use crate::report::figures::{COVERAGE_MEANING, PERIOD_COVERAGE_MEANING};

/// One figure drawn bank by bank.
pub(super) struct Drawn {
    pub(super) metric: Metric,
    /// The file stem's start (`<base>_vs_<field>`).
    pub(super) base: &'static str,
    /// What the axis shows, for the subtitle.
    pub(super) what: &'static str,
    /// Higher is worse (failures), else lower (coverage).
    pub(super) worse_high: bool,
    /// "fails the largest share of its attempts": the worst bank's phrase.
    pub(super) worst: &'static str,
    /// "no bank failed an attempt": where no bank is worse than the best there is.
    pub(super) clean: &'static str,
    /// "where any failed": the points where some bank is.
    pub(super) where_any: &'static str,
    /// The sentence where no bank is at any point, `X` the field's name.
    pub(super) all_clean: &'static str,
}

/// The figures drawn bank by bank: the first of the failures' two the sweep has (the own
/// 429s, what a per-bank risk rule bounds and a setting changes; a sweep from before them,
/// every failure), and the coverage of each period where a point's period is shorter than a
/// day (a day's read a trial's cooperative bank at 99.5 % where it missed 34.5 % of its
/// 12-hour periods), else the day's.
pub(super) const DRAWN: [Drawn; 4] = [
    Drawn {
        metric: Metric::FailureRate,
        base: "failure_rate_by_bank",
        what: "failed attempts (429 and 5xx) per attempt at each bank",
        worse_high: true,
        worst: "fails the largest share of its attempts",
        clean: "no bank failed an attempt",
        where_any: "where any failed",
        all_clean: "No bank failed an attempt at any X.",
    },
    Drawn {
        metric: Metric::Coverage,
        base: "coverage_by_bank",
        what: COVERAGE_MEANING,
        worse_high: false,
        worst: "is the least covered",
        clean: "every bank was covered in full",
        where_any: "where any fell short",
        all_clean: "Every bank was covered in full at every X.",
    },
    Drawn {
        metric: Metric::ClientFailureRate,
        base: "own_429s_by_bank",
        what: "the client's own 429s per attempt at each bank (5xx errors and maintenance 503s, \
               which no setting avoids, apart)",
        worse_high: true,
        worst: "has the largest share of its attempts refused by own 429s",
        clean: "no bank refused a call for the client's traffic",
        where_any: "where any did",
        all_clean: "No bank refused a call for the client's traffic at any X.",
    },
    Drawn {
        metric: Metric::PeriodCoverage,
        base: "period_coverage_by_bank",
        what: PERIOD_COVERAGE_MEANING,
        worse_high: false,
        worst: "is the least covered",
        clean: "every bank was covered in full",
        where_any: "where any fell short",
        all_clean: "Every bank was covered in full in every period at every X.",
    },
];

impl Drawn {
    /// How bad `pt` is: higher is worse.
    pub(super) fn badness(&self, pt: &SweepPoint) -> f64 {
        let v = pt.metrics.get(&self.metric).map_or(f64::NAN, |e| e.mean);
        match self.worse_high {
            true => v,
            false => 1.0 - v,
        }
    }
}
