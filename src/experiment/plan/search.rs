//! The planner's search: which settings of which strategies it evaluates.
//!
//! Each strategy has one knob the search turns, in the direction that buys coverage with
//! more calls, and stops at the first setting whose mean coverage reaches the target and whose
//! data ages meet their bounds, if any (so the cheapest of that strategy), when the coverage
//! its background refreshes give stops growing and no bounded age falls (the banks' limits
//! bind, not the client; customers' own fetches, which no knob moves, are left out), or when
//! the failure bound fails and its background refreshes' own 429s pass it
//! too (more of the knob only adds calls against the same limits; customers' 429s weigh less
//! as the background sends more), or, with a bound at each bank, a bank's do and grew:
//! - `queued`: the concurrency, by doubling from 1 and then bisection over the integers;
//! - `per_bank`: a pool per bank, chosen bank by bank ([`super::pools`]): every bank's pool
//!   at 0.4 … 8 times the slots Little's law gives it for its share of the target (no more
//!   than its ceiling serves), each bank stopping where more stops paying while the others
//!   climb on ([`ladder`]), then the cheapest step per bank meeting the targets together;
//! - `paced`: the pace, the users over the period times 1, 1.1, 1.25, 1.5, 2, split by bank
//!   share; then a pace per bank under its limits, chosen bank by bank as the pools are
//!   ([`Search::paced_per_bank`]);
//! - `aimd`: the default rule, and one whose slots per bank are bounded by the per-bank
//!   pools at a headroom of 2;
//! - `random_offset`: no knob.
//!
//! The bank-by-bank choices (pools, a pace per bank) weigh each bank's coverage and failures,
//! not the data-age bounds, which are the whole population's: a bound on the age is met by
//! the queue's and the split pace's walks, or by a bank-by-bank setting that happens to.
//!
//! Then, unless the scenario's client already pauses, the best setting of each queued kind
//! is tried pausing its bank's pool on a Retry-After ([`Search::pausing`]): a client that
//! stops calling a bank that said when to come back sends fewer calls into a rate limit or a
//! maintenance window, which may meet the failure bound or cost fewer API calls.

use super::ceiling::BankCeiling;
use super::figures::{measure, Figure, Figures};
use super::progress::Progress;
use super::targets::{FailureScope, Met, Targets};
use crate::demand::Lane;
use crate::experiment::sweep;
use crate::scenario::Scenario;
use crate::strategy::{AimdRule, Order, PaceProfiles, Strategy};

mod ahead;
mod ladder;
mod variants;

pub(super) use variants::pausing_can_matter;

/// Coverage gains below this (absolute) count as no gain, whatever the noise.
const MIN_GAIN: f64 = 1e-4;
/// The least fall of a targeted data age (hours) that counts as more of a knob helping.
const AGE_GAIN_HOURS: f64 = 0.05;
/// The least fall of the customers' wait (seconds) that counts as more of a knob helping.
const WAIT_GAIN_SECONDS: f64 = 0.5;
/// Most slots the planner will try.
pub const MAX_CONCURRENCY: u32 = 10_000_000;
/// The steps of every bank's pool ladder: multiples of the slots Little's law gives it.
/// Coverage a ladder step must add, while failing, for the next step to be worth running.
const LADDER_GAIN: f64 = 0.01;
/// Past 3 for a bank whose holds its mean hides (a bad day's slow calls): a trial's
/// planner stopped a bank with a cap of 30 at 21 slots, short of its target, where a pool at
/// the cap covered every day without a 429.
const LADDER: [f64; 15] = [
    0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0,
];
const PACES: [f64; 5] = [1.0, 1.1, 1.25, 1.5, 2.0];
/// The steps of every bank's pace under its limits: multiples of the least of the pace its
/// users need and what its ceiling admits.
const UNDER: [f64; 8] = [0.5, 0.7, 0.8, 0.9, 0.95, 1.0, 1.1, 1.25];

/// How a setting's client acts beyond its strategy and knob ([`variants`]); ordered so that
/// the simpler, the scenario's usual, comes first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Conduct {
    /// The client pauses a bank's pool on a Retry-After (`strategy.pause_on_retry_after`).
    pub pause: bool,
    /// The customers' calls go through the client's slots, ahead of the background
    /// (`on_demand.lane = "priority"`): the scenario's lane, or the plan's trial of it.
    pub lane: bool,
}

impl Conduct {
    /// How `sc`'s own client acts.
    pub fn of(sc: &Scenario) -> Conduct {
        Conduct {
            pause: sc.schedule.pause_on_retry_after,
            lane: sc.customers_lane() == Some(Lane::Priority),
        }
    }

    /// Makes `sc`'s client act so.
    pub fn apply(self, sc: &mut Scenario) {
        sc.schedule.pause_on_retry_after = self.pause;
        if let Some(d) = sc.on_demand.as_mut() {
            d.lane = if self.lane {
                Lane::Priority
            } else {
                Lane::Direct
            };
        }
    }
}

/// One strategy setting evaluated over replications.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub strategy: Strategy,
    pub conduct: Conduct,
    /// The setting in words, e.g. `queued, concurrency 54`.
    pub label: String,
    pub replications: u32,
    pub figures: Figures,
    pub met: Met,
}

/// The search's state: the scenario at the planned population, and what it evaluated.
pub struct Search<'a> {
    base: &'a Scenario,
    targets: &'a Targets,
    seed: u64,
    pool: &'a rayon::ThreadPool,
    progress: Progress,
    /// Every setting evaluated at the screening replications, in order.
    pub evaluated: Vec<Evaluation>,
    /// Settings run ahead of the search's asking ([`Search::at_ahead`]), not yet asked for.
    ahead: Vec<Evaluation>,
}

impl<'a> Search<'a> {
    pub fn new(
        base: &'a Scenario,
        targets: &'a Targets,
        seed: u64,
        pool: &'a rayon::ThreadPool,
    ) -> Self {
        Search {
            base,
            targets,
            seed,
            pool,
            progress: Progress::new(),
            evaluated: Vec::new(),
            ahead: Vec::new(),
        }
    }

    /// Runs `strategy`, its client acting as `conduct` says, `replications` times (common
    /// random numbers: replication `r` of every setting uses the same seed).
    pub fn evaluate(&self, strategy: Strategy, conduct: Conduct, replications: u32) -> Evaluation {
        self.evaluate_in(self.order(), strategy, conduct, replications)
    }

    /// How the scenario's own client acts.
    pub fn conduct(&self) -> Conduct {
        Conduct::of(self.base)
    }

    /// The order the scenario's client takes due connections in.
    pub fn order(&self) -> Order {
        self.base.schedule.order
    }

    /// [`Search::evaluate`], the pools taking due connections in `order`.
    pub fn evaluate_in(
        &self,
        order: Order,
        strategy: Strategy,
        conduct: Conduct,
        replications: u32,
    ) -> Evaluation {
        let mut one = self.evaluate_all(vec![(order, strategy, conduct)], replications);
        one.pop().expect("one setting, one evaluation")
    }

    /// Each setting (the order its pools take due connections in, the strategy, and how its
    /// client acts) at `replications`, all their replications run together so
    /// that no worker idles while another setting waits; in the order given.
    pub fn evaluate_all(
        &self,
        settings: Vec<(Order, Strategy, Conduct)>,
        replications: u32,
    ) -> Vec<Evaluation> {
        let labels: Vec<String> = settings.iter().map(|s| self.label(s)).collect();
        if let Some(first) = labels.first() {
            self.progress.tell(self.evaluated.len(), first);
        }
        let scenarios: Vec<Scenario> = (settings.iter())
            .map(|(order, strategy, conduct)| {
                let mut sc = self.base.clone();
                sc.strategy = strategy.clone();
                sc.schedule.order = *order;
                conduct.apply(&mut sc);
                sc
            })
            .collect();
        let runs = (self.pool)
            .install(|| sweep::replicate_each(&scenarios, self.seed, replications, measure));
        (settings.into_iter().zip(labels).zip(runs))
            .map(|(((_, strategy, conduct), label), runs)| {
                let figures = Figures::of(&runs);
                Evaluation {
                    met: self.targets.met(&figures),
                    strategy,
                    conduct,
                    label,
                    replications,
                    figures,
                }
            })
            .collect()
    }

    /// A setting in words, e.g. `queued, concurrency 54, stalest first`.
    fn label(&self, (order, strategy, conduct): &(Order, Strategy, Conduct)) -> String {
        let mut label = strategy.describe(&self.base.banks);
        // Said of every client with a queue that takes the stalest first, the scenario's own
        // included (a trial's memo named its per-bank pools without it).
        let queue = !matches!(strategy, Strategy::Bulk | Strategy::RandomOffset);
        if *order == Order::Stalest && queue {
            label.push_str(", stalest first");
        }
        let own = self.conduct();
        if conduct.pause && !own.pause {
            label.push_str(", pausing on Retry-After");
        }
        if conduct.lane && !own.lane {
            label.push_str(", customers through the priority lane");
        }
        label
    }

    /// Clears the progress line.
    pub fn done(&self) {
        self.progress.done();
    }

    /// Evaluates `strategy` at `replications` once, acting as the scenario's client does;
    /// later asks get the same evaluation.
    fn at(&mut self, strategy: Strategy, replications: u32) -> Evaluation {
        self.at_ahead(strategy, [], replications)
    }

    pub fn targets(&self) -> &Targets {
        self.targets
    }

    /// The setting meets the targets more of a knob moves: coverage, and the data ages (a
    /// trial's plan with an age bound at app open stopped its queue at the coverage target
    /// and recommended a dearer pace than a queue meeting both), and the customers' wait
    /// (through the scenario's priority lane, more slots shorten their queue).
    fn covers(&self, e: &Evaluation) -> bool {
        let m = &e.met;
        m.coverage && m.bank_coverage && m.staleness && m.at_open && m.customer_wait
    }

    /// Whether more of the knob stopped helping from `p` to `e`: coverage stopped growing
    /// and, once it meets its targets, no targeted data age (or the customers' wait) fell by
    /// more than its noise (an age still "never" on both sides falls by nothing, but the
    /// coverage growing goes on).
    fn stalled(&self, p: &Evaluation, e: &Evaluation) -> bool {
        // Customers through the lane kept past the hour against a bound on their wait: their
        // queue for the slots, not the background's coverage, is what more slots move (a
        // review's queues of one and two slots served no background, and the walk stopped at
        // two). Calling directly, no slot holds them (a bank's own capacity may: the walk
        // would double to the book for nothing, a second review's).
        if self.lane_queues_past_the_hour(e) {
            return false;
        }
        if !Self::plateau(p, e) {
            return false;
        }
        if !(e.met.coverage && e.met.bank_coverage) {
            return true;
        }
        let t = self.targets;
        let bounded = [
            (
                t.staleness_p95_hours,
                Figure::StalenessP95Hours,
                AGE_GAIN_HOURS,
            ),
            (t.at_open_p95_hours, Figure::AtOpenP95Hours, AGE_GAIN_HOURS),
            (
                t.max_customer_wait_seconds,
                Figure::CustomerWaitP95Seconds,
                WAIT_GAIN_SECONDS,
            ),
        ];
        let fell = |f: Figure, least: f64| {
            let (a, b) = (p.figures.get(f), e.figures.get(f));
            let noise = a.ci95.unwrap_or(0.0).max(b.ci95.unwrap_or(0.0)).max(least);
            a.mean - b.mean > noise || (a.mean.is_infinite() && b.mean.is_finite())
        };
        !(bounded.iter()).any(|&(bound, f, least)| bound.is_some() && fell(f, least))
    }

    /// Whether `e`'s customers, through the priority lane (the scenario's, or the plan's
    /// trial), wait past the hour against a bound on their wait.
    fn lane_queues_past_the_hour(&self, e: &Evaluation) -> bool {
        let lane = e.conduct.lane || self.base.customers_lane() == Some(Lane::Priority);
        let wait = e.figures.mean(Figure::CustomerWaitP95Seconds);
        lane && self.targets.max_customer_wait_seconds.is_some() && wait.is_infinite()
    }

    /// The setting fails the failure bound in a way more of the knob cannot mend: its
    /// background refreshes' own 429s pass the bound too. (Customers' 429s, which the
    /// background does not cause, weigh less as it sends more: a trial's queue of one slot
    /// failed 1.15 % by its customers' calls and the walk stopped there.) Likewise at each
    /// bank, where the bound is set there: a bank whose figure and background's 429s both pass
    /// it, the latter grown from the step before, `p` (a bank past it at every setting, its
    /// quota or floor refusing whatever the knob, does not stop the walk at its first step).
    fn fails(&self, p: Option<&Evaluation>, e: &Evaluation) -> bool {
        let own = e.figures.mean(Figure::BackgroundFailureRate);
        let (scope, background) = (
            self.targets.scope.figure() as usize,
            Figure::BackgroundFailureRate as usize,
        );
        let at_a_bank = |bound: f64, p: &Evaluation| {
            (e.figures.banks.iter().zip(&p.figures.banks)).any(|(b, was)| {
                b[scope].mean > bound
                    && b[background].mean > bound
                    && b[background].mean > was[background].mean
            })
        };
        let bank = (self.targets.max_bank_failure_rate, p);
        (!e.met.failure_rate && own > self.targets.max_failure_rate)
            || matches!(bank, (Some(bound), Some(p)) if at_a_bank(bound, p))
    }

    /// The coverage a knob drives: the background's own (customers' fetches, which no knob
    /// moves, make the whole coverage's steps look flat), or the whole where unmeasured.
    fn driven(e: &Evaluation) -> Figure {
        match e.figures.mean(Figure::BackgroundCoverage).is_finite() {
            true => Figure::BackgroundCoverage,
            false => Figure::Coverage,
        }
    }

    /// Whether the coverage the knob drives stopped growing from `p` to `e`.
    fn plateau(p: &Evaluation, e: &Evaluation) -> bool {
        let (a, b) = (
            p.figures.get(Self::driven(p)),
            e.figures.get(Self::driven(e)),
        );
        let noise = a
            .ci95
            .unwrap_or(0.0)
            .max(b.ci95.unwrap_or(0.0))
            .max(MIN_GAIN);
        b.mean - a.mean <= noise
    }

    /// Walks `settings` in order until one covers (its ages within their bounds too), more of
    /// the knob stops helping ([`Search::stalled`]), or the failures pass the bound beyond
    /// what more of the knob could mend.
    fn walk(&mut self, settings: Vec<Strategy>, reps: u32) {
        let mut prev: Option<Evaluation> = None;
        for (i, s) in settings.iter().enumerate() {
            let e = self.at_ahead(s.clone(), settings[i + 1..].iter().cloned(), reps);
            let stop = self.covers(&e)
                || self.fails(prev.as_ref(), &e)
                || prev.as_ref().is_some_and(|p| self.stalled(p, &e));
            if stop {
                return;
            }
            prev = Some(e);
        }
    }

    /// The smallest queued concurrency reaching the coverage target and the age bounds, or as
    /// far as more slots help.
    pub fn queued(&mut self, reps: u32) {
        let users = self.base.connections;
        let max_c = users.min(MAX_CONCURRENCY);
        let q = |c| Strategy::Queued { concurrency: c };
        let (mut lo, mut c) = (0u32, 1u32);
        let mut prev: Option<Evaluation> = None;
        let hi = loop {
            // The doublings to come, run ahead on idle workers.
            let next = std::iter::successors(Some(c), |&n| (n < max_c).then(|| n * 2))
                .skip(1)
                .map(|n| q(n.min(max_c)));
            let e = self.at_ahead(q(c), next, reps);
            if self.covers(&e) {
                break c;
            }
            if self.fails(prev.as_ref(), &e)
                || c == max_c
                || prev.as_ref().is_some_and(|p| self.stalled(p, &e))
            {
                return;
            }
            lo = c;
            prev = Some(e);
            c = c.saturating_mul(2).min(max_c);
        };
        let mut hi = hi;
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            // Either half's middle comes next, whichever way this one goes.
            let halves = [lo + (mid - lo) / 2, mid + (hi - mid) / 2];
            let next = halves.into_iter().filter(|&m| m > lo && m < hi && m != mid);
            let e = self.at_ahead(q(mid), next.map(q), reps);
            if self.covers(&e) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
    }

    /// A pace per bank under its limits: every bank's pace at 0.5 … 1.25 times the least of
    /// the pace that refreshes its connections once a period and the calls a second its
    /// ceiling admits less its customers' calls, chosen bank by bank as the pools are. A pace
    /// under a token bucket never breaches it; one split by share over every bank either
    /// overruns the tightest bank or leaves the others short.
    pub fn paced_per_bank(&mut self, ceilings: &[BankCeiling], reps: u32, profiles: &PaceProfiles) {
        let under = super::paces::under(self.base, ceilings, profiles);
        let ladder = UNDER
            .iter()
            .map(|&f| under.iter().map(|&r| round_rate(f * r)).collect())
            .collect();
        let make = |r: &[f64]| Strategy::Paced {
            rate: None,
            per_bank: true,
            rates: r.iter().map(|&r| Some(r)).collect(),
            outstanding: Vec::new(),
            profiles: profiles.clone(),
        };
        let chosen = self.bank_by_bank(ladder, make, ceilings, reps);
        // A pace does not see the calls in flight, and long calls overlap under a cap; the
        // choice again with each capped bank's refreshes outstanding bounded by its cap
        // refuses none of the background's there (customers' direct calls aside), for the
        // throughput a refresh outstanding until the poll costs. Caps beyond any pool bind
        // nothing.
        let caps: Vec<Option<u32>> = self
            .base
            .banks
            .iter()
            .map(|b| b.concurrency_cap().filter(|&c| c <= MAX_CONCURRENCY))
            .collect();
        if let (Strategy::Paced { rates, .. }, true) = (chosen, caps.iter().any(Option::is_some)) {
            let capped = Strategy::Paced {
                rate: None,
                per_bank: true,
                rates,
                outstanding: caps,
                profiles: profiles.clone(),
            };
            self.at(capped, reps);
        }
    }

    /// A pool per bank: `headroom` times the slots that carry the bank's share of the target
    /// through each period or its band of hours (at most the rate its ceiling serves), given
    /// how long a slot is held, and those the customers' busiest hour takes through the
    /// scenario's priority lane (a review's pools sized for the background alone stopped
    /// where the customers' queue still kept them past the hour).
    fn pools(&self, ceilings: &[BankCeiling], headroom: f64) -> Vec<u32> {
        let period = self.base.schedule.spread().as_secs_f64();
        let served = super::ceiling::served_secs(self.base);
        (self.base.banks.iter().enumerate())
            .zip(ceilings)
            .map(|((b, bank), c)| {
                let wanted =
                    (self.targets.coverage * c.connections / period).min(c.per_day / served);
                let attempts = wanted / (1.0 - bank.error_rate).max(0.01);
                let background = attempts * self.base.slot_hold_secs(bank);
                let slots = headroom * (background + self.base.lane_offered(b));
                (slots.ceil() as u32).clamp(1, MAX_CONCURRENCY)
            })
            .collect()
    }

    /// Paced per bank at growing multiples of the users over the period, or over its band of
    /// hours (with joins, the connections due on the last day: a fixed pace for the first
    /// day's falls behind), weighted by `profiles` when there are some (the pace is spread
    /// over every bank's weighted day; a bank's own weights multiply its part).
    pub fn paced(&mut self, reps: u32, profiles: &PaceProfiles) {
        let last = super::ceiling::growth(self.base).map_or(1.0, |(last, _)| last.max(1.0));
        let spread = self
            .base
            .schedule
            .weighted_spread(profiles.all.as_deref())
            .as_secs_f64();
        let base = last * self.base.connections as f64 / spread;
        let settings = PACES
            .iter()
            .map(|&m| Strategy::Paced {
                rate: Some(round_rate(m * base)),
                per_bank: true,
                rates: Vec::new(),
                outstanding: Vec::new(),
                profiles: profiles.clone(),
            })
            .collect();
        self.walk(settings, reps);
    }

    /// AIMD with its defaults, and bounded by the per-bank pools at headroom 2.
    pub fn aimd(&mut self, ceilings: &[BankCeiling], reps: u32) {
        let gap = match &self.base.strategy {
            Strategy::Aimd(r) => r.gap,
            _ => match self.base.platform.status {
                crate::platform::StatusMode::Poll { interval, .. } => interval,
                crate::platform::StatusMode::Callback { delay } => delay,
            },
        };
        let rule = AimdRule {
            gap,
            ..AimdRule::DEFAULT
        };
        let max = self.pools(ceilings, 2.0).into_iter().max().unwrap_or(1);
        let bounded = AimdRule {
            max: max.max(rule.min),
            initial: rule.initial.min(max).max(rule.min),
            ..rule
        };
        // The bounded rule, and random offsets searched next, run ahead on idle workers.
        let ahead = [Strategy::Aimd(bounded), Strategy::RandomOffset];
        self.at_ahead(Strategy::Aimd(rule), ahead, reps);
        self.at(Strategy::Aimd(bounded), reps);
    }

    pub fn random_offset(&mut self, reps: u32) {
        self.at(Strategy::RandomOffset, reps);
    }
}

/// A pace people can type: four significant digits.
fn round_rate(x: f64) -> f64 {
    super::paces::significant(x, 4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Estimate;

    /// A setting whose whole coverage and background's own coverage are these.
    fn setting(coverage: f64, own: f64) -> Evaluation {
        let value = |f: Figure| match f {
            Figure::Coverage => coverage,
            Figure::BackgroundCoverage => own,
            _ => 0.5,
        };
        Evaluation {
            strategy: Strategy::Queued { concurrency: 8 },
            conduct: Conduct::default(),
            label: "queued".into(),
            replications: 2,
            figures: Figures {
                all: Figure::ALL.map(|f| Estimate::of(&[value(f), value(f)]).unwrap()),
                banks: Vec::new(),
            },
            met: Met {
                coverage: false,
                bank_coverage: false,
                failure_rate: true,
                bank_failure_rate: true,
                staleness: true,
                at_open: true,
                api_calls: true,
                customer_failure_rate: true,
                customer_wait: true,
            },
        }
    }

    /// Customers' fetches hold the whole coverage still while the knob moves the
    /// background's: the walk goes on while the background's grows, and stops when it does
    /// not; unmeasured (a window past 254 days), the whole coverage decides.
    #[test]
    fn the_walk_follows_the_coverage_its_knob_drives() {
        let more = setting(0.95, 0.60);
        assert!(!Search::plateau(&setting(0.95, 0.40), &more));
        assert!(Search::plateau(&more, &setting(0.96, 0.60)));
        let nan = f64::NAN;
        assert!(Search::plateau(&setting(0.95, nan), &setting(0.95, nan)));
        assert!(!Search::plateau(&setting(0.95, nan), &setting(0.96, nan)));
    }
}
