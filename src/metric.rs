//! The figures a run reports, by name: the vocabulary shared by the writers (`summary.csv`'s
//! columns, `sweep_summary.csv`'s `<metric>_mean` columns), the experiments (the sweep's
//! summary, the planner's targets) and the report (which metric a chart or a sentence is
//! about).
//!
//! A closed enum rather than column-name strings: a misspelt metric does not compile, and
//! one that a file lacks is a clear error instead of a silent fallback.

use std::fmt;

/// A figure of `summary.csv` that a sweep summarises over its replications.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    FailureRate,
    Coverage,
    UsersPerDay,
    RefreshesPerHour,
    Attempts,
    Successes,
    RateLimited,
    Errors,
    ReconnectRequired,
    Deduplicated,
    ApiCalls,
    PeakInFlight,
    MeanInFlight,
    PeakOutstanding,
    StalenessP50Hours,
    StalenessP95Hours,
    StalenessP99Hours,
    Stale24hShare,
    Stale48hShare,
    AttemptsPerSuccess,
    ApiCallsPerSuccess,
    OnDemandFailureRate,
    OnDemandP95Seconds,
    AtOpenP50Hours,
    AtOpenP95Hours,
    Stale24hAtOpenShare,
    BackgroundCoverage,
    BankCalls,
    /// The 429s the client's own traffic caused (its customers' calls included), over its
    /// attempts: what `plan` bounds by default.
    ClientFailureRate,
    /// With a period shorter than a day, the share of due connections refreshed in each of
    /// the client's periods (`coverage` counts one success a day).
    PeriodCoverage,
    /// The client's own 429s at the bank where they are highest (over that bank's
    /// attempts): what a risk rule of "under 2 % at any bank" bounds, which the own 429s
    /// over every bank's attempts can hide (a trial's pace read 3.9 % in all and 25.8 % at
    /// its building society).
    WorstBankClientFailureRate,
    /// App opens finding data `window.fresh_within` old or older (a product's own freshness:
    /// "under 12 hours old"), or none.
    NotFreshAtOpenShare,
}

impl Metric {
    /// Every metric, in the order of `sweep_summary.csv`'s columns.
    pub const ALL: [Metric; 32] = [
        Metric::FailureRate,
        Metric::Coverage,
        Metric::UsersPerDay,
        Metric::RefreshesPerHour,
        Metric::Attempts,
        Metric::Successes,
        Metric::RateLimited,
        Metric::Errors,
        Metric::ReconnectRequired,
        Metric::Deduplicated,
        Metric::ApiCalls,
        Metric::PeakInFlight,
        Metric::MeanInFlight,
        Metric::PeakOutstanding,
        Metric::StalenessP50Hours,
        Metric::StalenessP95Hours,
        Metric::StalenessP99Hours,
        Metric::Stale24hShare,
        Metric::Stale48hShare,
        Metric::AttemptsPerSuccess,
        Metric::ApiCallsPerSuccess,
        Metric::OnDemandFailureRate,
        Metric::OnDemandP95Seconds,
        Metric::AtOpenP50Hours,
        Metric::AtOpenP95Hours,
        Metric::Stale24hAtOpenShare,
        Metric::BackgroundCoverage,
        Metric::BankCalls,
        Metric::ClientFailureRate,
        Metric::PeriodCoverage,
        Metric::WorstBankClientFailureRate,
        Metric::NotFreshAtOpenShare,
    ];

    /// The column name in `summary.csv` (and the stem of `sweep_summary.csv`'s columns).
    pub fn column(self) -> &'static str {
        use Metric::*;
        match self {
            FailureRate => "failure_rate",
            Coverage => "coverage",
            UsersPerDay => "users_per_day",
            RefreshesPerHour => "refreshes_per_hour",
            Attempts => "attempts",
            Successes => "successes",
            RateLimited => "rate_limited",
            Errors => "errors",
            ReconnectRequired => "reconnect_required",
            Deduplicated => "deduplicated",
            ApiCalls => "api_calls",
            PeakInFlight => "peak_in_flight",
            MeanInFlight => "mean_in_flight",
            PeakOutstanding => "peak_outstanding",
            StalenessP50Hours => "staleness_p50_hours",
            StalenessP95Hours => "staleness_p95_hours",
            StalenessP99Hours => "staleness_p99_hours",
            Stale24hShare => "stale_24h_share",
            Stale48hShare => "stale_48h_share",
            AttemptsPerSuccess => "attempts_per_success",
            ApiCallsPerSuccess => "api_calls_per_success",
            OnDemandFailureRate => "on_demand_failure_rate",
            OnDemandP95Seconds => "on_demand_p95_seconds",
            AtOpenP50Hours => "at_open_p50_hours",
            AtOpenP95Hours => "at_open_p95_hours",
            Stale24hAtOpenShare => "stale_24h_at_open_share",
            BackgroundCoverage => "background_coverage",
            BankCalls => "bank_calls",
            ClientFailureRate => "client_failure_rate",
            PeriodCoverage => "period_coverage",
            WorstBankClientFailureRate => "worst_bank_client_failure_rate",
            NotFreshAtOpenShare => "not_fresh_at_open_share",
        }
    }

    /// The metric whose column is `name`.
    pub fn from_column(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.column() == name)
    }

    /// How prose and axes name it: `failure rate`, `users per day`.
    pub fn label(self) -> &'static str {
        use Metric::*;
        match self {
            FailureRate => "failure rate",
            Coverage => "coverage",
            UsersPerDay => "users per day",
            RefreshesPerHour => "refreshes per hour",
            Attempts => "attempts",
            Successes => "successes",
            RateLimited => "429s",
            Errors => "errors",
            ReconnectRequired => "reconnects required",
            Deduplicated => "deduplicated requests",
            ApiCalls => "API calls",
            PeakInFlight => "peak in flight",
            MeanInFlight => "mean in flight",
            PeakOutstanding => "peak outstanding",
            StalenessP50Hours => "median data age (h)",
            StalenessP95Hours => "p95 data age (h)",
            StalenessP99Hours => "p99 data age (h)",
            Stale24hShare => "time with data ≥ 24 h old",
            Stale48hShare => "time with data ≥ 48 h old",
            AttemptsPerSuccess => "attempts per success",
            ApiCallsPerSuccess => "API calls per success",
            OnDemandFailureRate => "on-demand failure rate",
            OnDemandP95Seconds => "on-demand p95 wait (s)",
            AtOpenP50Hours => "median data age at app opens (h)",
            AtOpenP95Hours => "p95 data age at app opens (h)",
            Stale24hAtOpenShare => "app opens finding data ≥ 24 h old",
            BackgroundCoverage => "background coverage",
            BankCalls => "API calls at the banks",
            ClientFailureRate => "the client's own 429s",
            PeriodCoverage => "coverage of each period",
            WorstBankClientFailureRate => "the client's own 429s at its worst bank",
            NotFreshAtOpenShare => "app opens finding data past window.fresh_within",
        }
    }

    /// The label without its unit, for prose: `p95 data age at app opens`.
    pub fn name(self) -> &'static str {
        let l = self.label();
        (l.strip_suffix(" (h)").or_else(|| l.strip_suffix(" (s)"))).unwrap_or(l)
    }

    /// The unit a value is written with, after a space: ` h` for data ages, ` s` for waits;
    /// none for shares (written as percentages) and counts.
    pub fn unit(self) -> &'static str {
        match self {
            _ if self.is_age() => " h",
            Metric::OnDemandP95Seconds => " s",
            _ => "",
        }
    }

    /// A share in [0, 1], shown as a percentage.
    pub fn is_share(self) -> bool {
        matches!(
            self,
            Metric::FailureRate
                | Metric::Coverage
                | Metric::Stale24hShare
                | Metric::Stale48hShare
                | Metric::OnDemandFailureRate
                | Metric::Stale24hAtOpenShare
                | Metric::BackgroundCoverage
                | Metric::ClientFailureRate
                | Metric::PeriodCoverage
                | Metric::WorstBankClientFailureRate
                | Metric::NotFreshAtOpenShare
        )
    }

    /// More is better: coverage, users and refreshes served. Of every other metric (failures,
    /// costs, ages, waits), less is.
    pub fn higher_is_better(self) -> bool {
        matches!(
            self,
            Metric::Coverage
                | Metric::BackgroundCoverage
                | Metric::PeriodCoverage
                | Metric::UsersPerDay
                | Metric::RefreshesPerHour
                | Metric::Successes
        )
    }

    /// A percentile of data age in hours, which the age histogram's horizon bounds (one
    /// past it is a lower bound).
    pub fn is_age(self) -> bool {
        matches!(
            self,
            Metric::StalenessP50Hours
                | Metric::StalenessP95Hours
                | Metric::StalenessP99Hours
                | Metric::AtOpenP50Hours
                | Metric::AtOpenP95Hours
        )
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.column())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_distinct_and_round_trip() {
        for (i, m) in Metric::ALL.into_iter().enumerate() {
            assert_eq!(Metric::from_column(m.column()), Some(m));
            assert!(Metric::ALL[..i].iter().all(|o| o.column() != m.column()));
        }
        assert_eq!(Metric::from_column("coverag"), None);
    }
}
