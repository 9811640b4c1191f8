//! What a plan must achieve, and which of it an evaluated setting meets.

use super::figures::{Figure, Figures};
use crate::stats::Estimate;

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
    /// Bound on the failure rate of `scope` at each bank (over that bank's attempts), 0 ≤ x
    /// < 1: a risk rule of "at most 1 % at any bank", which the population's rate meets
    /// while one tight bank refuses far more (a trial's plan bounded at 2 % in all
    /// recommended pools past a building society's cap: 1.63 % in all, 13.39 % there).
    pub max_bank_failure_rate: Option<f64>,
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
    /// Bound on the 429s of the customers' own calls over their attempts, 0 ≤ x < 1: what a
    /// customer in the app meets, where the failure bound counts every call and theirs are a
    /// few in a hundred of them (a lender's trial lost 8.37 % of its loan applicants' calls,
    /// 72.60 % at one credit union, under a plan that kept its own 429s within 2 %).
    pub max_customer_failure_rate: Option<f64>,
    /// Bound on the 95th percentile of the customers' wait from request to data, in
    /// seconds, over the requests that got data (and those still queued at the window's end):
    /// what the priority lane costs them, where
    /// their 429s are what it saves (a trial's accountants waited 1,492 s at month-end
    /// through a lane that kept their 429s within 1 %).
    pub max_customer_wait_seconds: Option<f64>,
}

/// Which targets a setting meets (on the means of its figures). Targets not set are met.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Met {
    pub coverage: bool,
    /// Every bank's coverage reaches `min_bank_coverage`.
    pub bank_coverage: bool,
    pub failure_rate: bool,
    /// Every bank's failures within `max_bank_failure_rate`.
    pub bank_failure_rate: bool,
    pub staleness: bool,
    pub at_open: bool,
    pub api_calls: bool,
    /// The customers' calls' 429s within `max_customer_failure_rate`.
    pub customer_failure_rate: bool,
    /// The customers' wait's 95th percentile within `max_customer_wait_seconds`.
    pub customer_wait: bool,
}

impl Met {
    /// How many targets the plan counts.
    pub const N: usize = 8;

    /// Each target's verdict, in a fixed order; the failure bounds, in all and at each
    /// bank, as one (a setting past both would otherwise miss two targets, as many as one
    /// missing the coverage and an age bound).
    pub fn each(&self) -> [bool; Met::N] {
        [
            self.coverage,
            self.bank_coverage,
            self.within_failure_bounds(),
            self.staleness,
            self.at_open,
            self.api_calls,
            self.customer_failure_rate,
            self.customer_wait,
        ]
    }

    /// Within the failure bound, and the bound at each bank where there is one.
    pub fn within_failure_bounds(&self) -> bool {
        self.failure_rate && self.bank_failure_rate
    }

    pub fn all(&self) -> bool {
        self.each().iter().all(|&x| x)
    }

    pub fn count(&self) -> usize {
        self.each().iter().filter(|&&x| x).count()
    }
}

/// A data age of "never" (connections never refreshed) over its bound, in
/// [`Targets::shortfall`]: more than any finite age, yet finite, so that settings all at
/// "never" are still told apart by their other shortfalls (a trial's were all "never" at app
/// open, and the tie went to the cheapest, a queue of one slot).
const NEVER_OVER: f64 = 1_000.0;

/// What a setting keeping its customers an hour or more at the 95th percentile counts past
/// their bound, whatever their 429s: a twentieth of them waited that long
/// ([`Targets::customer_excess`]).
const KEPT_AN_HOUR: f64 = 0.05;

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

    /// How far the banks' failures pass `max_bank_failure_rate`: the sum of each bank's
    /// excess (0 when every bank keeps within it, or when there is no such bound). A bank
    /// without attempts has a rate of 0.
    pub fn bank_failure_excess(&self, f: &Figures) -> f64 {
        let Some(bound) = self.max_bank_failure_rate else {
            return 0.0;
        };
        let failing = self.scope.figure() as usize;
        (f.banks.iter())
            .map(|b| (b[failing].mean - bound).max(0.0))
            .sum()
    }

    /// The bank whose failures of `scope` are highest (its index and estimate; the first in
    /// the scenario's order among equals), or `None` where no bank failed any.
    pub fn worst_bank<'f>(&self, f: &'f Figures) -> Option<(usize, &'f Estimate)> {
        let failing = self.scope.figure() as usize;
        // Reversed, so that `max_by`, which keeps the last of equals, keeps the first.
        (f.banks.iter().enumerate().rev())
            .map(|(i, b)| (i, &b[failing]))
            .filter(|(_, e)| e.mean > 0.0)
            .max_by(|a, b| a.1.mean.total_cmp(&b.1.mean))
    }

    /// The failures of `scope` at a setting's worst bank (0 where no bank failed any).
    pub fn worst_bank_rate(&self, f: &Figures) -> f64 {
        self.worst_bank(f).map_or(0.0, |(_, e)| e.mean)
    }

    /// The bound a bank's own failures are held to: the bound at each bank where it is
    /// tighter than the population's.
    pub fn bank_bound(&self) -> f64 {
        (self.max_bank_failure_rate).map_or(self.max_failure_rate, |b| b.min(self.max_failure_rate))
    }

    /// The sum of a setting's shortfalls: coverage and failure rates as shares (0.05 short of
    /// 0.99 coverage and 0.03 over a 0.01 bound is 0.08; the failures past the bound in all
    /// or the banks' past theirs, whichever is more, as [`Met::each`] counts them as one),
    /// data ages and API calls relative to their bounds (30 h over a 24 h bound is 0.25; an
    /// age of "never" counts [`NEVER_OVER`]), the customers' 429s as a share past theirs,
    /// their wait relative to its bound (a wait past the hour the histogram holds counts as
    /// "never" does).
    pub fn shortfall(&self, f: &Figures) -> f64 {
        let m = |x| f.mean(x);
        let over = |x: f64, bound: f64| match x.is_infinite() {
            true => NEVER_OVER,
            false => (x / bound - 1.0).max(0.0),
        };
        (self.coverage - m(Figure::Coverage)).max(0.0)
            + self.bank_shortfall(f)
            + ((m(self.scope.figure()) - self.max_failure_rate).max(0.0))
                .max(self.bank_failure_excess(f))
            + (self.staleness_p95_hours).map_or(0.0, |h| over(m(Figure::StalenessP95Hours), h))
            + (self.at_open_p95_hours).map_or(0.0, |h| over(m(Figure::AtOpenP95Hours), h))
            + (self.max_api_calls_per_day).map_or(0.0, |a| over(m(Figure::ApiCallsPerDay), a))
            + self.customer_excess(f)
            + self.wait_excess(f)
    }

    /// How far the customers' wait's 95th percentile passes `max_customer_wait_seconds`,
    /// relative to it (0 within it, with no such bound, or with no customers' requests that
    /// got data; a wait past the hour counts [`NEVER_OVER`]).
    pub fn wait_excess(&self, f: &Figures) -> f64 {
        let wait = f.mean(Figure::CustomerWaitP95Seconds);
        match (self.max_customer_wait_seconds, wait.is_nan()) {
            (Some(_), false) if wait.is_infinite() => NEVER_OVER,
            (Some(bound), false) => (wait / bound - 1.0).max(0.0),
            _ => 0.0,
        }
    }

    /// How far the customers' calls' 429s pass `max_customer_failure_rate` (0 within it, with
    /// no such bound, or with no customers' calls). A setting keeping them an hour or more at
    /// the 95th percentile (past the hour the histogram holds) misses it whatever their
    /// 429s, by [`KEPT_AN_HOUR`] more: a customer kept an hour is as refused (a review's queue
    /// of one slot, its customers through the priority lane, read 0.00 % 429s and "≥ 1 h").
    pub fn customer_excess(&self, f: &Figures) -> f64 {
        let refused = f.mean(Figure::CustomerFailureRate);
        let kept = match f.mean(Figure::CustomerWaitP95Seconds).is_infinite() {
            true => KEPT_AN_HOUR,
            false => 0.0,
        };
        // No attempts (none refused), yet kept past the hour: a queue that served none.
        let past = |bound: f64| match refused.is_nan() {
            true => 0.0,
            false => (refused - bound).max(0.0),
        };
        self.max_customer_failure_rate
            .map_or(0.0, |b| past(b) + kept)
    }

    pub fn met(&self, f: &Figures) -> Met {
        Met {
            coverage: f.mean(Figure::Coverage) >= self.coverage,
            bank_coverage: self.bank_shortfall(f) == 0.0,
            failure_rate: f.mean(self.scope.figure()) <= self.max_failure_rate,
            bank_failure_rate: self.bank_failure_excess(f) == 0.0,
            staleness: self
                .staleness_p95_hours
                .is_none_or(|h| f.mean(Figure::StalenessP95Hours) <= h),
            at_open: self
                .at_open_p95_hours
                .is_none_or(|h| f.mean(Figure::AtOpenP95Hours) <= h),
            api_calls: self
                .max_api_calls_per_day
                .is_none_or(|a| f.mean(Figure::ApiCallsPerDay) <= a),
            customer_failure_rate: self.customer_excess(f) == 0.0,
            customer_wait: self.wait_excess(f) == 0.0,
        }
    }
}

/// Targets for tests: this coverage and failure bound on the client's 429s, no other.
#[cfg(test)]
impl Targets {
    pub(crate) fn only(coverage: f64, max_failure_rate: f64) -> Targets {
        Targets {
            coverage,
            max_failure_rate,
            scope: FailureScope::Client,
            staleness_p95_hours: None,
            at_open_p95_hours: None,
            max_api_calls_per_day: None,
            min_bank_coverage: None,
            max_bank_failure_rate: None,
            max_customer_failure_rate: None,
            max_customer_wait_seconds: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            at_open_p95_hours: Some(20.0),
            ..Targets::only(0.4, 0.6)
        };
        assert!(t.met(&figures(20.0)).all());
        let over = t.met(&figures(20.5));
        assert!(
            !over.at_open && !over.all() && over.count() == Met::N - 1,
            "{over:?}"
        );
        t.at_open_p95_hours = None;
        assert!(t.met(&figures(99.0)).all());
    }

    /// The bound at each bank reads each bank's mean of the bound's scope: one bank past it
    /// fails it (the population's rate within its own bound), its excess counts in the
    /// shortfall, the worst bank is the first of equals, and none where no bank failed any.
    #[test]
    fn a_bound_at_each_bank_reads_every_bank() {
        let bank = |own: f64| {
            let mut b = [Estimate::of(&[0.5, 0.5]).unwrap(); super::super::figures::N];
            b[Figure::ClientFailureRate as usize] = Estimate::of(&[own, own]).unwrap();
            b
        };
        let figures = |banks: Vec<[Estimate; super::super::figures::N]>| {
            let mut all = [Estimate::of(&[0.5, 0.5]).unwrap(); super::super::figures::N];
            all[Figure::ClientFailureRate as usize] = Estimate::of(&[0.01, 0.01]).unwrap();
            Figures { all, banks }
        };
        let mut t = Targets {
            max_bank_failure_rate: Some(0.02),
            ..Targets::only(0.4, 0.02)
        };
        let f = figures(vec![bank(0.005), bank(0.05), bank(0.05), bank(0.0)]);
        let met = t.met(&f);
        assert!(
            met.failure_rate && !met.bank_failure_rate && !met.all(),
            "{met:?}"
        );
        assert_eq!(met.count(), Met::N - 1);
        assert!((t.bank_failure_excess(&f) - 0.06).abs() < 1e-12);
        assert!((t.shortfall(&f) - 0.06).abs() < 1e-12);
        assert_eq!(t.worst_bank(&f).map(|(b, e)| (b, e.mean)), Some((1, 0.05)));
        assert_eq!(t.worst_bank_rate(&f), 0.05);
        assert_eq!(t.bank_bound(), 0.02);
        let even = figures(vec![bank(0.0), bank(0.0)]);
        assert_eq!(t.worst_bank(&even), None);
        assert_eq!(t.worst_bank_rate(&even), 0.0);
        assert!(t.met(&even).all());
        t.max_bank_failure_rate = None;
        assert!(t.met(&f).all() && t.bank_failure_excess(&f) == 0.0);
        assert_eq!(t.bank_bound(), 0.02);
    }

    /// The bound on the customers' 429s reads their own figure, not the client's: met at or
    /// under it, its excess in the shortfall, and met where no customer called (NaN).
    #[test]
    fn the_customers_429s_are_a_target_of_their_own() {
        let figures = |customers: f64| {
            let mut all = [Estimate::of(&[0.005, 0.005]).unwrap(); super::super::figures::N];
            all[Figure::Coverage as usize] = Estimate::of(&[0.99, 0.99]).unwrap();
            all[Figure::CustomerFailureRate as usize] =
                Estimate::of(&[customers, customers]).unwrap();
            Figures {
                all,
                banks: Vec::new(),
            }
        };
        let t = Targets {
            max_customer_failure_rate: Some(0.02),
            ..Targets::only(0.99, 0.01)
        };
        assert!(t.met(&figures(0.02)).all());
        let over = t.met(&figures(0.05));
        assert!(
            !over.customer_failure_rate && over.failure_rate && over.count() == Met::N - 1,
            "{over:?}"
        );
        assert!((t.shortfall(&figures(0.05)) - 0.03).abs() < 1e-12);
        assert!(t.met(&figures(f64::NAN)).all());
        // Within the bound by their 429s, but kept an hour or more at the 95th percentile.
        let mut kept = figures(0.0);
        kept.all[Figure::CustomerWaitP95Seconds as usize] =
            Estimate::of(&[f64::INFINITY, 30.0]).unwrap();
        assert!(!t.met(&kept).customer_failure_rate);
        assert!((t.shortfall(&kept) - 0.05).abs() < 1e-12);
        // Whatever the bound.
        let loose = Targets {
            max_customer_failure_rate: Some(0.2),
            ..t.clone()
        };
        assert!(!loose.met(&kept).customer_failure_rate);
        // None attempted (their 429s unmeasured), every one kept past the hour: a queue that
        // served none (a trial's plan chose one as refusing none).
        let mut unserved = figures(f64::NAN);
        unserved.all[Figure::CustomerWaitP95Seconds as usize] =
            Estimate::of(&[f64::INFINITY, f64::INFINITY]).unwrap();
        assert!(!t.met(&unserved).customer_failure_rate);
        let unbounded = Targets {
            max_customer_failure_rate: None,
            ..t
        };
        assert!(unbounded.met(&figures(0.5)).all());
        assert_eq!(unbounded.shortfall(&figures(0.5)), 0.0);
    }

    /// The bound on the customers' wait is met at or under it, missed by its relative excess
    /// over it, by "never" past the hour, and by nothing without customers' data.
    #[test]
    fn the_customers_wait_is_a_target_of_its_own() {
        let t = Targets {
            max_customer_wait_seconds: Some(60.0),
            ..Targets::only(0.5, 0.01)
        };
        let waiting = |seconds: f64| {
            let mut f = Figures {
                all: Figure::ALL.map(|_| Estimate::of(&[0.0, 0.0]).unwrap()),
                banks: Vec::new(),
            };
            f.all[Figure::Coverage as usize] = Estimate::of(&[1.0, 1.0]).unwrap();
            f.all[Figure::CustomerWaitP95Seconds as usize] =
                Estimate::of(&[seconds, seconds]).unwrap();
            f
        };
        assert!(t.met(&waiting(60.0)).all());
        let slow = t.met(&waiting(90.0));
        assert!(
            !slow.customer_wait && slow.count() == Met::N - 1,
            "{slow:?}"
        );
        assert!((t.shortfall(&waiting(90.0)) - 0.5).abs() < 1e-12);
        assert_eq!(t.wait_excess(&waiting(f64::INFINITY)), NEVER_OVER);
        assert!(
            t.met(&waiting(f64::NAN)).all(),
            "no customers' data: nothing to bound"
        );
        let unbounded = Targets {
            max_customer_wait_seconds: None,
            ..t
        };
        assert!(unbounded.met(&waiting(f64::INFINITY)).all());
    }
}
