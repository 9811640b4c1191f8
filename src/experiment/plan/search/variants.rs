//! Variants of the best settings found: the same strategy and knob with the client acting
//! otherwise ([`Conduct`]), pausing a bank's pool on a Retry-After, or sending its customers'
//! calls through the priority lane. Each is tried on each kind's best setting, not searched
//! over its whole knob: what it changes is who meets the limits, not how many calls are sent.

use super::{Conduct, Evaluation, Figure, Search};
use crate::demand::Lane;
use crate::experiment::plan::figures::Figures;
use crate::platform::StatusMode;
use crate::scenario::Scenario;
use crate::strategy::Strategy;

/// The most settings of a kind tried through the priority lane: its best, and the next
/// dearer ones searched where the lane cost another target.
const LANE_STEPS: usize = 3;

impl Search<'_> {
    /// Each queued kind's best setting so far (its cheapest meeting every target, or else
    /// its closest, as `best` picks), tried again pausing on a Retry-After. Nothing to try
    /// when the scenario's client already pauses, or for random offsets (no pool to pause).
    pub fn pausing(&mut self, reps: u32, best: impl Fn(&[Evaluation]) -> Option<Evaluation>) {
        if self.base.schedule.pause_on_retry_after || !pausing_can_matter(self.base) {
            return;
        }
        let bests = self.bests(&["queued", "per_bank", "paced", "aimd"], |c| !c.pause, best);
        let pausing = |c: Conduct| Conduct { pause: true, ..c };
        self.try_variants(bests, pausing, reps);
    }

    /// With a bound on the customers' 429s, each kind with slots' best setting so far (as
    /// `best` picks) that passes it, tried again sending the customers' calls through the
    /// priority lane, the client's slots ahead of the background
    /// (`on_demand.lane = "priority"`): where the background fills a bank's cap or bucket,
    /// the customers calling directly meet its 429s, and a pool at the bank's cap that
    /// serves them first keeps them out of it (a lender's trial: 72.60 % of its applicants'
    /// calls refused at a credit union's cap of one, none with the lane). Their calls then
    /// take slots the background had: where that costs another target while their 429s keep
    /// within the bound, the kind's settings searched that covered more are tried with it,
    /// the cheapest first, up to [`LANE_STEPS`] (a review's lender plan met every target a
    /// ladder step up).
    /// Nothing to try where the customers already take the lane. A setting whose slots the
    /// customers' load over the day alone fills ([`Scenario::lane_overflows`]: their queue
    /// would grow from day to day, and a trial's queue of one slot through the lane served
    /// none of its requests, its background nothing, and so kept the failure bound) is tried
    /// with their busiest hour's slots on top ([`Search::lane_sized`]), or not at all where
    /// that still overflows (a pool held at a bank's cap). (A band of hours holds the
    /// background alone: the lane's slots serve the customers all day.)
    pub fn lanes(&mut self, reps: u32, best: impl Fn(&[Evaluation]) -> Option<Evaluation>) {
        let direct = self.base.customers_lane() == Some(Lane::Direct);
        let bounded = self.targets.max_customer_failure_rate.is_some();
        if !(direct && bounded) {
            return;
        }
        let bests = self.bests(&["queued", "per_bank", "aimd"], |c| !c.lane, best);
        let mut ladders: Vec<Vec<Evaluation>> = (bests.into_iter())
            .filter(|e| !e.met.customer_failure_rate)
            .map(|first| self.lane_ladder(first))
            .collect();
        let lane = |c: Conduct| Conduct { lane: true, ..c };
        for step in 0..LANE_STEPS {
            let at: Vec<Evaluation> = (ladders.iter())
                .filter_map(|l| l.get(step).cloned())
                .collect();
            if at.is_empty() {
                return;
            }
            let tried = self.try_variants(at, lane, reps);
            // A kind stops climbing once the lane meets every target, or leaves its
            // customers' 429s past the bound (more slots only send more background); a wait
            // past the hour, which more slots shorten, does not stop it.
            let bound = self.targets.max_customer_failure_rate.unwrap_or(1.0);
            let refused = |v: &Evaluation| v.figures.mean(Figure::CustomerFailureRate);
            let climbing = |v: &Evaluation| !v.met.all() && refused(v) <= bound;
            let mut tried = tried.iter();
            ladders.retain(|l| l.get(step).is_some() && tried.next().is_some_and(climbing));
        }
    }

    /// A kind's ladder for the lane: its best, then its settings searched that covered more
    /// (a setting dearer in calls may be so for its 429s alone, a pool past a bank's cap: a
    /// review's), by cost, up to [`LANE_STEPS`] in all, each pausing as the best does
    /// (pausing was tried on the best alone); one whose slots the customers' load over the
    /// day fills resized by [`Search::lane_sized`], left out where that still overflows.
    /// A resized rung keeps the figures of the setting it was sized from: what its lane run
    /// is compared with in `try_variants` (which keeps it, its runs differing).
    fn lane_ladder(&self, first: Evaluation) -> Vec<Evaluation> {
        let cost = |e: &Evaluation| e.figures.mean(Figure::ApiCallsPerDay);
        let covers = |e: &Evaluation| e.figures.mean(Figure::Coverage);
        let mut up: Vec<&Evaluation> = (self.evaluated.iter())
            .filter(|e| e.strategy.name() == first.strategy.name() && !e.conduct.lane)
            .filter(|e| covers(e) > covers(&first) && e.strategy != first.strategy)
            .collect();
        up.sort_by(|a, b| cost(a).total_cmp(&cost(b)));
        let conduct = first.conduct;
        let mut ladder: Vec<Evaluation> = Vec::new();
        for e in std::iter::once(&first).chain(up) {
            if ladder.len() == LANE_STEPS {
                break;
            }
            // Slots the customers would fill from day to day take theirs on top.
            let strategy = match self.laned(&e.strategy).lane_overflows() {
                true => self.lane_sized(&e.strategy),
                false => e.strategy.clone(),
            };
            let new = ladder.iter().all(|l| l.strategy != strategy);
            if new && !self.laned(&strategy).lane_overflows() {
                ladder.push(Evaluation {
                    strategy,
                    conduct,
                    ..e.clone()
                });
            }
        }
        ladder
    }

    /// The scenario with `strategy`, its customers through the lane.
    fn laned(&self, strategy: &Strategy) -> Scenario {
        let mut sc = self.base.clone();
        sc.strategy = strategy.clone();
        let lane = Conduct {
            lane: true,
            ..Conduct::of(&sc)
        };
        lane.apply(&mut sc);
        sc
    }

    /// `strategy` with its slots raised by those the customers' busiest hour takes through
    /// the lane (Little's law), a bank's pool no further than its concurrency cap: slots
    /// sized for the background alone leave the customers queueing from day to day (a
    /// trial's per-bank best, pools of one or two at its small banks, was never tried with
    /// the lane, which met every target with the scenario's larger ones).
    fn lane_sized(&self, strategy: &Strategy) -> Strategy {
        let sc = self.laned(strategy);
        let need = |b: usize| sc.lane_offered(b).ceil() as u32;
        match strategy {
            Strategy::Queued { concurrency } => Strategy::Queued {
                concurrency: concurrency + (0..sc.banks.len()).map(need).sum::<u32>(),
            },
            Strategy::PerBank { pools } => Strategy::PerBank {
                pools: (pools.iter().enumerate())
                    .map(|(b, &p)| {
                        let cap = sc.banks[b].concurrency_cap().unwrap_or(u32::MAX);
                        (p + need(b)).min(cap.max(p))
                    })
                    .collect(),
            },
            other => other.clone(),
        }
    }

    /// The best of each of `kinds`' settings evaluated so far whose conduct is `of`.
    fn bests(
        &self,
        kinds: &[&str],
        of: impl Fn(&Conduct) -> bool,
        best: impl Fn(&[Evaluation]) -> Option<Evaluation>,
    ) -> Vec<Evaluation> {
        (kinds.iter())
            .filter_map(|&kind| {
                let family: Vec<Evaluation> = (self.evaluated.iter())
                    .filter(|e| e.strategy.name() == kind && of(&e.conduct))
                    .cloned()
                    .collect();
                best(&family)
            })
            .collect()
    }

    /// Runs each of `bests` again with its conduct changed by `variant`, all together (so
    /// that no kind's last replications leave workers idle), keeping those whose runs
    /// differ; returns every run, in order.
    fn try_variants(
        &mut self,
        bests: Vec<Evaluation>,
        variant: impl Fn(Conduct) -> Conduct,
        reps: u32,
    ) -> Vec<Evaluation> {
        let order = self.order();
        let settings = (bests.iter())
            .map(|e| (order, e.strategy.clone(), variant(e.conduct)))
            .collect();
        let varied = self.evaluate_all(settings, reps);
        for (v, e) in varied.iter().zip(&bests) {
            // (A ladder's later steps are compared with their own runs, which paused
            // otherwise: a change either way keeps them.)
            // Identical runs: the variant changed nothing (a pool that never paused, every
            // Retry-After having passed by the time the client learned its 429), so there is
            // nothing to choose between.
            if !same_bits(&v.figures, &e.figures) {
                self.evaluated.push(v.clone());
            }
        }
        varied
    }
}

/// Whether two settings' figures are the same to the bit (a figure that measured nothing is
/// NaN in both, which `==` would call different).
fn same_bits(a: &Figures, b: &Figures) -> bool {
    let bits = |e: &crate::stats::Estimate| {
        (
            e.n,
            e.mean.to_bits(),
            e.sd.map(f64::to_bits),
            e.ci95.map(f64::to_bits),
        )
    };
    let all = |f: &Figures| {
        f.all
            .iter()
            .chain(f.banks.iter().flatten())
            .map(bits)
            .collect::<Vec<_>>()
    };
    all(a) == all(b)
}

/// Whether pausing on a Retry-After can change a run of `sc`: some bank's longest Retry-After
/// for every call (plus the client's jitter) outlasts the delay before the client learns of
/// a 429, its first poll or its callback. Otherwise the pause always ends before it starts.
pub(in crate::experiment::plan) fn pausing_can_matter(sc: &Scenario) -> bool {
    let learn = match sc.platform.status {
        StatusMode::Poll { first, .. } => first,
        StatusMode::Callback { delay } => delay,
    };
    let jitter = sc.retry.retry_after_jitter;
    sc.banks
        .iter()
        .any(|b| b.longest_retry_after() + jitter > learn)
}
