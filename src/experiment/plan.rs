//! The capacity planner: the smallest queued concurrency that refreshes a population within
//! the window, for the user's own banks.
//!
//! The vendors advise "start with the minimum concurrency necessary to refresh your user base
//! during a one-day window". [`plan`] answers that by simulation: it runs the scenario with
//! `population.connections = users` and `strategy = queued` at candidate concurrencies, each
//! with `R` replications (common random numbers: replication `r` of every candidate uses the
//! same seed), and looks for the smallest concurrency whose mean coverage reaches the target.
//!
//! Search: exponential bracketing (1, 2, 4, …) until the coverage target is met, then
//! bisection over the integers in the last bracket. It assumes what the model makes true:
//! coverage does not fall when concurrency grows, and the failure rate does not fall either
//! (more slots put more calls against the same bank limits). So the answer, if there is one,
//! is the smallest concurrency reaching the coverage, provided its failure rate is within the
//! bound. There is no answer, and the planner says why, when
//!
//! - the failure rate exceeds the bound already below the needed concurrency (it only grows);
//! - coverage stops growing: doubling the concurrency gains nothing beyond noise, because the
//!   banks' limits, not the client, cap the throughput;
//! - one slot per connection still does not reach the coverage.
//!
//! The evidence is every concurrency evaluated (always including the answer's neighbours),
//! with 95 % confidence half-widths, and what `random_offset` achieves for the same population.

use crate::error::{Error, Result};
use crate::experiment::sweep;
use crate::metrics::RunResult;
use crate::output::text::{pct, thousands};
use crate::scenario::Scenario;
use crate::stats::Estimate;
use crate::strategy::Strategy;
use std::collections::BTreeMap;

mod render;

/// Most slots the planner will try.
pub const MAX_CONCURRENCY: u32 = 10_000_000;
/// Coverage gains below this (absolute) count as no gain, whatever the noise.
const MIN_GAIN: f64 = 1e-4;

/// What to plan for.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// Connections to refresh (one customer's consent at one bank).
    pub users: u64,
    /// Target share of (eligible) connections refreshed within the window, 0 < x ≤ 1.
    pub coverage: f64,
    /// Bound on (429s + 5xx errors) / attempts, 0 ≤ x ≤ 1.
    pub max_failure_rate: f64,
    pub replications: u32,
    /// Base seed; `None`: the scenario's.
    pub seed: Option<u64>,
}

impl Request {
    /// Checks the request's numbers (errors name the flag).
    pub fn validate(&self) -> Result<()> {
        if self.users == 0 || self.users >= u32::MAX as u64 {
            return Err(Error::input(format!(
                "--users {}: must be between 1 and {}",
                self.users,
                u32::MAX - 1
            )));
        }
        if !(self.coverage > 0.0 && self.coverage <= 1.0) {
            return Err(Error::input(format!(
                "--coverage {}: must be greater than 0 and at most 1 (e.g. 0.99)",
                self.coverage
            )));
        }
        if !(0.0..=1.0).contains(&self.max_failure_rate) {
            return Err(Error::input(format!(
                "--max-failure-rate {}: must be between 0 and 1 (e.g. 0.01)",
                self.max_failure_rate
            )));
        }
        if !(1..=sweep::MAX_REPLICATIONS).contains(&self.replications) {
            return Err(Error::input(format!(
                "--replications {}: must be between 1 and {}",
                self.replications,
                sweep::MAX_REPLICATIONS
            )));
        }
        Ok(())
    }
}

/// One strategy setting evaluated over the replications.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Queued concurrency; `None` for random_offset.
    pub concurrency: Option<u32>,
    pub coverage: Estimate,
    pub failure_rate: Estimate,
    /// 429s / attempts.
    pub rate_limited_rate: Estimate,
    /// 5xx errors / attempts.
    pub error_rate: Estimate,
    pub users_per_day: Estimate,
    pub refreshes_per_hour: Estimate,
    pub peak_in_flight: Estimate,
    /// The bank with the lowest mean coverage, and that coverage.
    pub weakest_bank: Option<(String, f64)>,
    /// Mean coverage ≥ target and mean failure rate ≤ bound.
    pub meets: bool,
}

/// The planner's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub scenario: String,
    pub users: u32,
    pub target_coverage: f64,
    pub max_failure_rate: f64,
    pub replications: u32,
    pub seed: u64,
    /// The smallest concurrency meeting the targets; `None` when none does.
    pub concurrency: Option<u32>,
    /// Why no concurrency meets the targets.
    pub reason: Option<String>,
    /// A caveat on the answer (e.g. its confidence interval straddles the target).
    pub note: Option<String>,
    /// Every concurrency evaluated, ascending.
    pub evidence: Vec<Evaluation>,
    pub random_offset: Evaluation,
}

/// What one run contributes.
struct RunFigures {
    coverage: f64,
    failure_rate: f64,
    rate_limited_rate: f64,
    error_rate: f64,
    users_per_day: f64,
    refreshes_per_hour: f64,
    peak_in_flight: f64,
    bank_coverage: Vec<f64>,
}

fn figures(r: &RunResult) -> RunFigures {
    let all = r.summary(None);
    let t = &all.tally;
    let share = |x: u64| {
        if t.attempts == 0 {
            0.0
        } else {
            x as f64 / t.attempts as f64
        }
    };
    RunFigures {
        coverage: all.coverage,
        failure_rate: all.failure_rate,
        rate_limited_rate: share(t.rate_limited),
        error_rate: share(t.errors),
        users_per_day: all.users_per_day,
        refreshes_per_hour: all.refreshes_per_hour,
        peak_in_flight: t.peak_in_flight as f64,
        bank_coverage: (0..r.banks.len())
            .map(|b| r.summary(Some(b)).coverage)
            .collect(),
    }
}

struct Planner<'a> {
    base: &'a Scenario,
    req: &'a Request,
    seed: u64,
    pool: &'a rayon::ThreadPool,
    evaluated: BTreeMap<u32, Evaluation>,
}

impl Planner<'_> {
    fn scenario(&self, strategy: Strategy) -> Scenario {
        let mut sc = self.base.clone();
        sc.connections = self.req.users as u32;
        sc.strategy = strategy;
        // The daily client the question is about, even on a scenario that loops (the vendor
        // table's): each connection once a day, the slots idle when it is done.
        sc.schedule.looping = false;
        sc
    }

    fn evaluate(&self, strategy: Strategy) -> Evaluation {
        let concurrency = strategy.concurrency();
        let sc = self.scenario(strategy);
        let runs = self
            .pool
            .install(|| sweep::replicate(&sc, self.seed, self.req.replications, figures));
        let est = |f: fn(&RunFigures) -> f64| {
            Estimate::of(&runs.iter().map(f).collect::<Vec<_>>()).expect("replications >= 1")
        };
        let coverage = est(|r| r.coverage);
        let failure_rate = est(|r| r.failure_rate);
        let weakest_bank = (0..sc.banks.len())
            .map(|b| {
                let mean = runs.iter().map(|r| r.bank_coverage[b]).sum::<f64>() / runs.len() as f64;
                (sc.banks[b].name.clone(), mean)
            })
            .min_by(|a, b| a.1.total_cmp(&b.1));
        Evaluation {
            concurrency,
            meets: coverage.mean >= self.req.coverage
                && failure_rate.mean <= self.req.max_failure_rate,
            coverage,
            failure_rate,
            rate_limited_rate: est(|r| r.rate_limited_rate),
            error_rate: est(|r| r.error_rate),
            users_per_day: est(|r| r.users_per_day),
            refreshes_per_hour: est(|r| r.refreshes_per_hour),
            peak_in_flight: est(|r| r.peak_in_flight),
            weakest_bank,
        }
    }

    fn at(&mut self, c: u32) -> Evaluation {
        if let Some(e) = self.evaluated.get(&c) {
            return e.clone();
        }
        let e = self.evaluate(Strategy::Queued { concurrency: c });
        self.evaluated.insert(c, e.clone());
        e
    }

    fn covers(&self, e: &Evaluation) -> bool {
        e.coverage.mean >= self.req.coverage
    }

    fn fails(&self, e: &Evaluation) -> bool {
        e.failure_rate.mean > self.req.max_failure_rate
    }

    /// The answer, or why there is none.
    fn search(&mut self) -> std::result::Result<u32, String> {
        let max_c = (self.req.users.min(MAX_CONCURRENCY as u64)) as u32;
        let (mut lo, mut hi) = (0u32, None);
        let mut c = 1u32;
        let mut prev: Option<Evaluation> = None;
        while hi.is_none() {
            let e = self.at(c);
            if self.covers(&e) {
                hi = Some(c);
                break;
            }
            if self.fails(&e) {
                return Err(self.failing_below_coverage(c, &e));
            }
            if let Some(p) = &prev {
                let gain = e.coverage.mean - p.coverage.mean;
                let noise = p
                    .coverage
                    .half_width()
                    .max(e.coverage.half_width())
                    .max(MIN_GAIN);
                if gain <= noise {
                    return Err(self.plateau(lo, p, c, &e, gain));
                }
            }
            if c == max_c {
                return Err(format!(
                    "even {c} slots — one per connection, everything at once — reach only {} coverage (target {}){}",
                    pct(e.coverage.mean),
                    pct(self.req.coverage),
                    weakest(&e)
                ));
            }
            lo = c;
            prev = Some(e);
            c = c.saturating_mul(2).min(max_c);
        }
        let mut hi = hi.expect("bracketed");
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            let e = self.at(mid);
            if self.covers(&e) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let e = self.at(hi);
        if self.fails(&e) {
            let below = match self.evaluated.get(&(hi - 1)) {
                Some(b) if hi > 1 => format!(
                    "; concurrency {} reaches only {} coverage",
                    hi - 1,
                    pct(b.coverage.mean)
                ),
                _ => String::new(),
            };
            return Err(format!(
                "concurrency {hi} is the smallest that reaches the coverage target ({} ≥ {}), but its failure rate is {} \
                 (429s {}, 5xx errors {}), above the bound {}{below}; more concurrency only adds calls against the same \
                 bank limits, so the failure rate does not come down",
                pct(e.coverage.mean),
                pct(self.req.coverage),
                pct(e.failure_rate.mean),
                pct(e.rate_limited_rate.mean),
                pct(e.error_rate.mean),
                pct(self.req.max_failure_rate)
            ));
        }
        Ok(hi)
    }

    fn failing_below_coverage(&self, c: u32, e: &Evaluation) -> String {
        let errors_alone = e.error_rate.mean > self.req.max_failure_rate;
        let why = if errors_alone {
            format!(
                "5xx errors alone fail {} of calls, more than the bound {}, at any concurrency",
                pct(e.error_rate.mean),
                pct(self.req.max_failure_rate)
            )
        } else {
            format!(
                "more concurrency only adds calls against the same bank limits, so the failure rate (429s {}, 5xx {}) \
                 does not come down{}",
                pct(e.rate_limited_rate.mean),
                pct(e.error_rate.mean),
                weakest(e)
            )
        };
        format!(
            "{} concurrency {c} the failure rate is {} (bound {}) while coverage is only {} (target {}): \
             reaching the coverage needs more concurrency, and {why}",
            if c == 1 { "even at" } else { "at" },
            pct(e.failure_rate.mean),
            pct(self.req.max_failure_rate),
            pct(e.coverage.mean),
            pct(self.req.coverage),
        )
    }

    fn plateau(&self, c0: u32, p: &Evaluation, c: u32, e: &Evaluation, gain: f64) -> String {
        let trend = if gain < 0.0 {
            format!(
                "coverage falls as concurrency grows: {} at {c0}, {} at {c}",
                pct(p.coverage.mean),
                pct(e.coverage.mean)
            )
        } else {
            format!(
                "coverage stops growing with concurrency: {} at {c0}, {} at {c} ({:+.3} percentage points, within noise)",
                pct(p.coverage.mean),
                pct(e.coverage.mean),
                100.0 * gain
            )
        };
        let best = self
            .evaluated
            .values()
            .max_by(|a, b| a.coverage.mean.total_cmp(&b.coverage.mean))
            .unwrap_or(e);
        format!(
            "{trend}, below the target {}. The banks' limits, not the client, cap the throughput: the best seen is {} \
             coverage at concurrency {} ({} refreshes/h, {} users/day){}; at {c}, {} of calls get 429 (each holds a \
             slot until the client learns of it)",
            pct(self.req.coverage),
            pct(best.coverage.mean),
            best.concurrency.unwrap_or(0),
            thousands(best.refreshes_per_hour.mean),
            thousands(best.users_per_day.mean),
            weakest(best),
            pct(e.rate_limited_rate.mean),
        )
    }
}

fn weakest(e: &Evaluation) -> String {
    match &e.weakest_bank {
        Some((name, cov)) if *cov < e.coverage.mean => {
            format!("; the lowest coverage is at bank {name} ({})", pct(*cov))
        }
        _ => String::new(),
    }
}

/// Finds the smallest queued concurrency meeting `req` on `base` (whose own population and
/// strategy are replaced), running replications on `pool`.
pub fn plan(base: &Scenario, req: &Request, pool: &rayon::ThreadPool) -> Result<Plan> {
    req.validate()?;
    let seed = req.seed.unwrap_or(base.seed);
    let mut p = Planner {
        base,
        req,
        seed,
        pool,
        evaluated: BTreeMap::new(),
    };
    let answer = p.search();
    let (concurrency, reason) = match answer {
        Ok(c) => (Some(c), None),
        Err(r) => (None, Some(r)),
    };
    let mut note = None;
    if let Some(c) = concurrency {
        // Evidence on both sides of the answer.
        let max_c = req.users.min(MAX_CONCURRENCY as u64) as u32;
        if c < max_c {
            p.at(c + 1);
        }
        if c > 1 {
            p.at(c - 1);
        }
        let e = &p.evaluated[&c];
        if let Some(h) = e.coverage.ci95 {
            if e.coverage.mean - h < req.coverage {
                note = Some(format!(
                    "borderline: the 95 % confidence interval of coverage at {c} ({} ± {:.2}) reaches below the \
                     target; use more replications, or {} for a margin",
                    pct(e.coverage.mean),
                    100.0 * h,
                    c + 1
                ));
            }
        }
    }
    let random_offset = p.evaluate(Strategy::RandomOffset);
    Ok(Plan {
        scenario: base.name.clone(),
        users: req.users as u32,
        target_coverage: req.coverage,
        max_failure_rate: req.max_failure_rate,
        replications: req.replications,
        seed,
        concurrency,
        reason,
        note,
        evidence: p.evaluated.into_values().collect(),
        random_offset,
    })
}
