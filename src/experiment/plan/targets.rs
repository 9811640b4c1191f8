//! What a plan must achieve, and which of it an evaluated setting meets.

use super::figures::{Figure, Figures};

/// Which failures the failure target bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureScope {
    /// The 429s the client's traffic causes (the default: what a strategy can change).
    Client,
    /// The 429s of the client's background refreshes alone: its customers' own calls apart,
    /// which a bank may refuse whatever the background does.
    Background,
    /// Every failure, the floor of 5xx errors and maintenance rejections included.
    All,
}

impl FailureScope {
    /// The figure the failure target bounds.
    pub fn figure(self) -> Figure {
        match self {
            FailureScope::Client => Figure::ClientFailureRate,
            FailureScope::Background => Figure::BackgroundFailureRate,
            FailureScope::All => Figure::FailureRate,
        }
    }

    /// The failures bounded, in a sentence about a setting: `its own 429s`.
    pub fn phrase(self) -> &'static str {
        match self {
            FailureScope::Client => "its own 429s",
            FailureScope::Background => "its background refreshes' 429s",
            FailureScope::All => "its 429s, 5xx errors and maintenance rejections",
        }
    }

    /// The bounded failures' column in the memo's tables.
    pub fn column(self) -> &'static str {
        match self {
            FailureScope::Client => "own 429s",
            FailureScope::Background => "background 429s",
            FailureScope::All => "failures",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FailureScope::Client => "client",
            FailureScope::Background => "background",
            FailureScope::All => "all",
        }
    }
}

/// The targets of a plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Targets {
    /// Share of due connections covered each day (refreshed that day, or within a period of
    /// days), or with a period shorter than a day, each period, 0 < x ≤ 1.
    pub coverage: f64,
    /// Bound on the failure rate of `scope`, 0 ≤ x ≤ 1.
    pub max_failure_rate: f64,
    pub scope: FailureScope,
    /// Bound on the 95th percentile of data age, in hours.
    pub staleness_p95_hours: Option<f64>,
    /// Bound on the 95th percentile of the data's age when customers open the app, in
    /// hours: what they see, where `staleness_p95_hours` weighs every hour alike.
    pub at_open_p95_hours: Option<f64>,
    /// Bound on API calls (refresh requests and status polls) a day.
    pub max_api_calls_per_day: Option<f64>,
    /// Least coverage of every bank, 0 < x ≤ 1: a population's coverage can be met by
    /// starving one bank's customers, which this forbids.
    pub min_bank_coverage: Option<f64>,
}

/// Which targets a setting meets (on the means of its figures). Targets not set are met.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Met {
    pub coverage: bool,
    /// Every bank's coverage reaches `min_bank_coverage`.
    pub bank_coverage: bool,
    pub failure_rate: bool,
    pub staleness: bool,
    pub at_open: bool,
    pub api_calls: bool,
}

impl Met {
    pub fn all(&self) -> bool {
        self.coverage
            && self.bank_coverage
            && self.failure_rate
            && self.staleness
            && self.at_open
            && self.api_calls
    }

    pub fn count(&self) -> usize {
        [
            self.coverage,
            self.bank_coverage,
            self.failure_rate,
            self.staleness,
            self.at_open,
            self.api_calls,
        ]
        .iter()
        .filter(|&&x| x)
        .count()
    }
}

impl Targets {
    /// How far the banks fall short of `min_bank_coverage`: the sum of each bank's shortfall
    /// (0 when every bank reaches it, or when there is no floor).
    pub fn bank_shortfall(&self, f: &Figures) -> f64 {
        let Some(floor) = self.min_bank_coverage else {
            return 0.0;
        };
        f.banks
            .iter()
            .map(|b| (floor - b[Figure::Coverage as usize].mean).max(0.0))
            .sum()
    }

    pub fn met(&self, f: &Figures) -> Met {
        Met {
            coverage: f.mean(Figure::Coverage) >= self.coverage,
            bank_coverage: self.bank_shortfall(f) == 0.0,
            failure_rate: f.mean(self.scope.figure()) <= self.max_failure_rate,
            staleness: self
                .staleness_p95_hours
                .is_none_or(|h| f.mean(Figure::StalenessP95Hours) <= h),
            at_open: self
                .at_open_p95_hours
                .is_none_or(|h| f.mean(Figure::AtOpenP95Hours) <= h),
            api_calls: self
                .max_api_calls_per_day
                .is_none_or(|a| f.mean(Figure::ApiCallsPerDay) <= a),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Estimate;

    /// The bound on the age at app open is met at or under it, and by any setting without
    /// one; the others are untouched by it.
    #[test]
    fn the_age_at_app_open_is_a_target_of_its_own() {
        let figures = |p95: f64| {
            let mut all = [Estimate::of(&[0.5, 0.5]).unwrap(); super::super::figures::N];
            all[Figure::AtOpenP95Hours as usize] = Estimate::of(&[p95, p95]).unwrap();
            Figures {
                all,
                banks: Vec::new(),
            }
        };
        let mut t = Targets {
            coverage: 0.4,
            max_failure_rate: 0.6,
            scope: FailureScope::Client,
            staleness_p95_hours: None,
            at_open_p95_hours: Some(20.0),
            max_api_calls_per_day: None,
            min_bank_coverage: None,
        };
        assert!(t.met(&figures(20.0)).all());
        let over = t.met(&figures(20.5));
        assert!(
            !over.at_open && !over.all() && over.count() == 5,
            "{over:?}"
        );
        t.at_open_p95_hours = None;
        assert!(t.met(&figures(99.0)).all());
    }
}
