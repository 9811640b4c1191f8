//! The client's refresh strategy: when each connection's refresh is submitted.
//!
//! A real client refreshes each connection once per *period* (a day unless the scenario says
//! otherwise): at each period start every connection whose consent is valid is *due*, and a
//! success makes it not due until the next period. Runs may span many periods.
//!
//! - `bulk`: every due connection at each period start, in connection order.
//! - `queued`: a FIFO of the due connections served by `concurrency` slots. A slot is busy from
//!   the moment its worker takes a connection until the client learns the outcome; the worker
//!   takes time (its *overhead*, a drawn duration) between taking a connection and submitting
//!   it, so that no two workers act in lock-step. A success leaves the queue until the next
//!   period; a failure is retried per `[retry]` when the scenario has one (and when the
//!   policy gives up, goes to the back of the queue after the policy's longest wait, so
//!   that no refresh is resubmitted without a backoff), or else goes straight to the back of
//!   the queue (it is still due); a connection that needs its customer to reconnect leaves
//!   it for good. When nothing
//!   is due the slots idle. At a period start the connections still waiting from the last
//!   period stay ahead of the new ones. With `loop`, the queue never empties instead: each
//!   outcome sends the connection to the back and a pass follows the last at once (the vendor
//!   table's backlog reading, where the population exceeds a period's capacity).
//! - `per_bank`: the queued client with a pool of slots per bank, each with its own FIFO of
//!   that bank's due connections (the provider is named in every refresh request, so a
//!   client can always do this): a slow or throttling bank holds only its own slots, never
//!   another bank's.
//! - `aimd`: per-bank pools whose slots adapt, growing while refreshes succeed and shrinking
//!   on 429s (the rule is in [`AimdRule`]'s module).
//! - `paced`: the due connections submitted at a constant pace, one every `period / n` (or at
//!   `rate` a second), per bank by its share or over every connection; a failure goes to the
//!   back of its FIFO and is submitted again at the pace. A pace profile weights the hours
//!   of the day ([`PaceProfile`]): faster where the banks' limits are loose.
//! - `random_offset`: each connection at its own instant of the period (drawn once, so the
//!   same every period, as a hash of the connection id would give), optionally only within a
//!   band of hours of the day (e.g. the Australian CDR's unattended 00:00–06:00).
//!
//! Strategies only decide *when* to submit; outcomes come from the platform and the banks.

use crate::bank::ServiceTime;
use crate::rng::{below, Purpose, Streams};
use crate::time::{SimDuration, SimTime};
use rand::Rng;

mod aimd;
mod by_age;
mod describe;
mod profile;
mod queue;
pub use aimd::{Aimd, AimdRule};
pub use describe::{client_words, habits};
pub use profile::{PaceProfile, PaceProfiles};
pub use queue::{taken_since, Members, Pools, Queue, Take};

/// Which strategy, with its parameters (validated).
#[derive(Clone, Debug, PartialEq)]
pub enum Strategy {
    Bulk,
    Queued {
        concurrency: u32,
    },
    RandomOffset,
    /// Slots per bank, in the scenario's bank order.
    PerBank {
        pools: Vec<u32>,
    },
    /// A pool per bank whose slots adapt to the bank's push-back (see [`AimdRule`]).
    Aimd(AimdRule),
    /// Submissions at a constant pace: `rate` a second (by default, the connections over
    /// the period), per bank by its share of the connections, or over every connection.
    /// `rates`, in the scenario's bank order (empty when none is named), gives a bank its own
    /// pace a second in place of its share: a client that knows a bank's limit paces under it.
    /// `outstanding` (likewise) bounds a bank's refreshes outstanding at once: a tick that
    /// finds them all out waits for one to be learned, so a pace keeps under a concurrency cap.
    /// `profiles` weight the hours of the day, every bank's or a bank's own: the paces are
    /// their weight-1 hours'.
    Paced {
        rate: Option<f64>,
        per_bank: bool,
        rates: Vec<Option<f64>>,
        outstanding: Vec<Option<u32>>,
        profiles: PaceProfiles,
    },
}

impl Strategy {
    /// Whether the client holds slots (a queue, pools per bank, AIMD's): what the customers'
    /// priority lane runs through; bulk, random offsets and a pace have none.
    pub fn has_slots(&self) -> bool {
        matches!(
            self,
            Strategy::Queued { .. } | Strategy::PerBank { .. } | Strategy::Aimd(_)
        )
    }

    /// The name used in scenario files and reports.
    pub fn name(&self) -> &'static str {
        match self {
            Strategy::Bulk => "bulk",
            Strategy::Queued { .. } => "queued",
            Strategy::RandomOffset => "random_offset",
            Strategy::PerBank { .. } => "per_bank",
            Strategy::Aimd(_) => "aimd",
            Strategy::Paced { .. } => "paced",
        }
    }

    /// A paced client's weights of the hours of the day, if it has them.
    pub fn pace_profiles(&self) -> Option<&PaceProfiles> {
        match self {
            Strategy::Paced { profiles, .. } => (!profiles.is_empty()).then_some(profiles),
            _ => None,
        }
    }

    /// The slots, for strategies that have them: the queue's, per-bank pools' in all, and
    /// AIMD's initial slots a bank (`strategy.concurrency`, which changes its runs: a trial's
    /// sweep over it read "aimd has no concurrency limit" beside rows that differed).
    pub fn concurrency(&self) -> Option<u32> {
        match self {
            Strategy::Queued { concurrency } => Some(*concurrency),
            Strategy::PerBank { pools } => Some(pools.iter().sum()),
            Strategy::Aimd(rule) => Some(rule.initial),
            _ => None,
        }
    }
}

/// How the client runs its strategy over time: the refresh period, the queued client's
/// looping, the band of hours, and its workers' overhead.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    /// Each connection is due once per period (24 h unless the scenario says otherwise).
    pub period: SimDuration,
    /// Queued only: never stop (the backlog reading); see the module docs.
    pub looping: bool,
    /// Offsets fall, and the queued kinds submit, between these times of day (`from < to`;
    /// a band across midnight ends past 24:00, on the next day's clock: `22:00`–`30:00`).
    pub hours: Option<(SimDuration, SimDuration)>,
    /// Queued only: a worker's time from taking a connection to submitting it (handling the
    /// previous outcome, fetching the next job, the request's own latency).
    pub overhead: ServiceTime,
    /// Bulk and random offsets: each period, a planned refresh goes out late by a uniform
    /// draw in `[0, jitter)`, its own each period (a cron job, a job queue's pick-up, a
    /// scheduler's drift); zero keeps every refresh at its planned instant, exactly a period
    /// after the last. Shorter than the period.
    pub jitter: SimDuration,
    /// Queued kinds: a 429 with Retry-After holds its bank's pool until then, plus a jitter.
    pub pause_on_retry_after: bool,
    /// Queued kinds: which due connection a pool takes next.
    pub order: Order,
    /// Queued kinds: what becomes of a refresh that failed and is not retried.
    pub on_failure: OnFailure,
}

/// What a client with a queue does with a refresh that failed and is not retried (a 429 or
/// 5xx without a `[retry]` policy, or whose policy gave up): `strategy.on_failure`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnFailure {
    /// Back of the queue, still due this period (the vendor's "at least once a day"). Without
    /// a `[retry]` policy nothing slows it down: where a pass has ended and only refused
    /// connections are left, the slots take them again as fast as they learn each refusal.
    #[default]
    Requeue,
    /// Left to the next period's pass, as a job queue without retries leaves a failed job
    /// (BullMQ's default of one attempt, Celery without `autoretry_for`) and as bulk and
    /// random offsets leave theirs.
    NextPeriod,
}

/// Which due connection a queued client's pool takes next (`strategy.order`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    /// In turn: the period's pass over every connection, each taken once, and a failure
    /// not retried at the back, behind the pass. Where the bank refuses most attempts,
    /// which connections its admissions fall on is then close to a lottery: some wait many
    /// passes (a trial's 22-day warm-up against a 21-day pass left a fifth of the time
    /// without data).
    #[default]
    Fifo,
    /// The connection whose data is oldest (never refreshed first of all), a failure
    /// keeping its place: the bank's admissions go to the stalest, so none waits much
    /// longer than a pass. The cost: a failing connection is tried again at once, and one
    /// pool over banks of differing limits gives its slots to the tightest bank's
    /// connections, which grow stalest (per-bank pools do not).
    Stalest,
}

impl Schedule {
    /// A period shorter than a day: a day's coverage (one success a day) then misses what
    /// the client meant, which the coverage of each period (`period_coverage`) counts.
    pub fn is_short(&self) -> bool {
        self.period < SimDuration::from_hours(24)
    }

    /// The period is the day: its coverage is the coverage of each of its periods.
    pub fn is_daily(&self) -> bool {
        self.period == SimDuration::from_hours(24)
    }

    /// What a pass over the connections is spread over: the band of hours, else the period.
    pub fn spread(&self) -> SimDuration {
        self.hours.map_or(self.period, |(from, to)| {
            SimDuration(to.as_micros() - from.as_micros())
        })
    }

    /// What a pace over the period spreads a pass over: [`Schedule::spread`], weighted by a
    /// pace profile's hours (the pass then still fills the band, faster in its heavier hours).
    pub fn weighted_spread(&self, profile: Option<&PaceProfile>) -> SimDuration {
        match profile {
            None => self.spread(),
            Some(p) => p.weighted(self.band_or_day()),
        }
    }

    /// The band of hours as people write it, `00:00–06:00`, `22:00–06:00`.
    pub fn band_label(&self) -> Option<String> {
        const DAY: SimDuration = SimDuration::from_hours(24);
        self.hours.map(|(from, to)| {
            let to = if to > DAY {
                SimDuration(to.0 - DAY.0)
            } else {
                to
            };
            format!("{}–{}", from.time_of_day(), to.time_of_day())
        })
    }

    /// The band of hours as microseconds into the day (its end past a day's for one across
    /// midnight).
    pub fn band_micros(&self) -> Option<(u64, u64)> {
        self.hours
            .map(|(from, to)| (from.as_micros(), to.as_micros()))
    }

    /// The hours of each day the client sends in, as microseconds: its band's, or the whole
    /// day's.
    pub fn band_or_day(&self) -> (u64, u64) {
        self.band_micros().unwrap_or((0, crate::time::DAY_US))
    }

    /// A worker's default overhead: lognormal, median 300 ms, 95th percentile 1 s (mean
    /// about 0.39 s). A queue worker that learns an outcome stores the refreshed data (or
    /// records the failure), acknowledges its job, fetches the next one and sends an HTTPS
    /// request to the aggregator: each of those is a network round trip of tens to hundreds
    /// of milliseconds (UK Open Banking calls average about 330 ms, docs/sources.md), so a
    /// few hundred milliseconds with a tail to a second is the low end of what real workers
    /// take. Any non-zero spread breaks the poll-grid lock-step; zero (`constant 0s`) is the
    /// idealised lattice client the checks against queueing theory use.
    pub fn default_overhead() -> ServiceTime {
        ServiceTime::lognormal_p95(SimDuration::from_millis(300), SimDuration::from_secs(1))
    }

    /// The daily schedule with the default overhead.
    pub fn daily() -> Self {
        Schedule {
            period: SimDuration::from_hours(24),
            looping: false,
            hours: None,
            overhead: Self::default_overhead(),
            jitter: SimDuration::ZERO,
            pause_on_retry_after: false,
            order: Order::Fifo,
            on_failure: OnFailure::Requeue,
        }
    }

    /// Periods that start within a window of `length` (the last may be cut short).
    pub fn periods(&self, length: SimDuration) -> u64 {
        length.as_micros().div_ceil(self.period.as_micros()).max(1)
    }
}

/// The submissions known before the run starts, sorted by time, plus the strategy's runtime
/// state for the reactive part. `arrivals` is one period's: the event queue repeats it every
/// `period` for `periods` periods.
pub struct ClientPlan {
    pub arrivals: Vec<(SimTime, u32)>,
    pub period: SimDuration,
    pub periods: u64,
    pub state: ClientState,
}

/// Runtime state of the client.
pub enum ClientState {
    /// Bulk and random offset: submissions are all planned; retries go out when due.
    Passive,
    /// The queued client: one pool of slots over every connection, or one per bank.
    Queued(Pools),
}

/// The connections a client refreshes: how many, and at which of the `banks` each is
/// (per-bank pools serve their bank's connections).
pub struct Clientele<F: Fn(u32) -> usize> {
    pub connections: u32,
    pub banks: usize,
    pub bank_of: F,
}

/// Builds the plan for the `clientele`'s connections over a window of `length` from
/// `start`.
pub fn plan<F: Fn(u32) -> usize>(
    strategy: &Strategy,
    schedule: &Schedule,
    clientele: Clientele<F>,
    start: SimTime,
    length: SimDuration,
    streams: &Streams,
) -> ClientPlan {
    let connections = clientele.connections;
    let arrivals = match strategy {
        Strategy::Bulk => (0..connections).map(|c| (start, c)).collect(),
        Strategy::RandomOffset => {
            random_offsets(connections, start, band(schedule, start), streams)
        }
        _ => Vec::new(),
    };
    ClientPlan {
        arrivals,
        period: schedule.period,
        periods: schedule.periods(length),
        state: client_state(strategy, schedule, clientele, start),
    }
}

/// The client's runtime state: nothing for the planned strategies, pools for the others.
fn client_state<F: Fn(u32) -> usize>(
    strategy: &Strategy,
    schedule: &Schedule,
    clientele: Clientele<F>,
    start: SimTime,
) -> ClientState {
    let Clientele {
        connections,
        banks,
        bank_of,
    } = clientele;
    let looping = schedule.looping;
    let mut pools = match strategy {
        Strategy::Bulk | Strategy::RandomOffset => return ClientState::Passive,
        &Strategy::Queued { concurrency } => {
            Pools::one(Queue::new(concurrency, looping, Members::All(connections)))
        }
        Strategy::PerBank { pools } => Pools::per_bank(pools, looping, connections, bank_of),
        &Strategy::Aimd(rule) => Pools::adaptive(rule, banks, looping, connections, start, bank_of),
        Strategy::Paced {
            rate,
            per_bank,
            rates,
            outstanding,
            profiles,
        } => {
            // Bank b's own pace submits every 1 / r; otherwise a pool of n connections submits
            // every period / n (re-paced each period), or every n_all / (rate · n).
            let micros = |us: f64| SimDuration((us.round() as u64).max(1));
            // A pool's hours: its bank's, or every bank's for a pool over them all.
            let hours = |bank: Option<usize>| match bank {
                Some(b) => profiles.of(b),
                None => profiles.all.as_deref(),
            };
            let pace = |bank: Option<usize>, n: u32| match (
                bank.and_then(|b| rates.get(b).copied().flatten()),
                *rate,
            ) {
                (Some(r), _) => (micros(1e6 / r), None),
                (None, Some(r)) => (
                    micros(1e6 * connections.max(1) as f64 / (r * n.max(1) as f64)),
                    None,
                ),
                (None, None) => {
                    // Paced over the period, or its band of hours (weighted by the profile).
                    let spread = schedule.weighted_spread(hours(bank));
                    (Queue::pace_over(spread, n), Some(spread))
                }
            };
            let mut pools = Pools::paced(*per_bank, banks, looping, connections, pace, bank_of);
            debug_assert!(*per_bank || outstanding.is_empty(), "validated");
            debug_assert!(*per_bank || profiles.banks.is_empty(), "validated");
            for (b, q) in pools.iter_mut().enumerate() {
                q.set_profile(hours(per_bank.then_some(b)).copied());
            }
            for (b, most) in outstanding.iter().enumerate() {
                if let Some(most) = most {
                    pools.get(b).concurrency = *most;
                }
            }
            pools
        }
    };
    if schedule.order == Order::Stalest {
        pools.iter_mut().for_each(Queue::stalest_first);
    }
    if schedule.on_failure == OnFailure::NextPeriod {
        pools.leave_failures(connections);
    }
    ClientState::Queued(pools)
}

/// The offsets' band as `(first offset from the period start, width)`: the whole period, or
/// the band of hours (less `strategy.jitter`, so that a late refresh stays in it) measured
/// from the window's time of day (wrapping past midnight when the
/// window starts inside the band, in which case the band is split and offsets fold into
/// `[0, period)` by the modulo in [`random_offsets`]).
fn band(schedule: &Schedule, start: SimTime) -> Band {
    let period = schedule.period.as_micros();
    match schedule.hours {
        None => Band {
            from: 0,
            width: period,
            period,
        },
        Some((from, to)) => {
            let tod = start.as_micros() % SimDuration::from_hours(24).as_micros();
            // Ending a jitter early, so that a refresh late by it still falls in the band.
            let width = (to.as_micros() - from.as_micros()).saturating_sub(schedule.jitter.0);
            Band {
                from: (from.as_micros() + period - tod % period) % period,
                width: width.max(1),
                period,
            }
        }
    }
}

/// Offsets `from + U[0, width)`, folded into `[0, period)`.
#[derive(Clone, Copy, Debug)]
struct Band {
    from: u64,
    width: u64,
    period: u64,
}

/// Each connection once at `start` plus its offset in the band, sorted by
/// `(time, connection)`.
///
/// Sorted by grouping, not by one big sort: a counting pass puts each arrival in one of the
/// window's slices of `2^shift` microseconds (the draws are keyed, so the second pass draws
/// them again rather than storing them), then each slice, one to two hundred arrivals that
/// fit in cache, is sorted on its own. Slices are in time order, so the result is the global
/// sort, 1.15–1.2× faster than it at 1M and 10M arrivals (BENCHMARKS.md).
fn random_offsets(
    connections: u32,
    start: SimTime,
    band: Band,
    streams: &Streams,
) -> Vec<(SimTime, u32)> {
    let length_us = band.period;
    let offset = |c: u32| {
        let w = streams.at(Purpose::Schedule, c, 0).next_u64();
        let o = band.from + below(w, band.width);
        // Folded by a division only when it is needed (rarely: a band past midnight).
        if o < band.period {
            o
        } else {
            o % band.period
        }
    };
    // The finest power-of-two slices with 128 or more arrivals each on average (128–256).
    let slices_wanted = (connections as u64 / 128).max(1);
    let mut shift = 0;
    while (length_us >> shift) > slices_wanted {
        shift += 1;
    }
    let slices = ((length_us - 1) >> shift) as usize + 1;
    let mut ends = vec![0u32; slices];
    for c in 0..connections {
        ends[(offset(c) >> shift) as usize] += 1;
    }
    let mut next = 0;
    for end in &mut ends {
        next += *end;
        *end = next;
    }
    // Fill each slice from its end backwards: `ends` becomes the starts.
    let mut arrivals = vec![(SimTime::ZERO, 0u32); connections as usize];
    for c in (0..connections).rev() {
        let o = offset(c);
        let at = &mut ends[(o >> shift) as usize];
        *at -= 1;
        arrivals[*at as usize] = (SimTime(start.as_micros() + o), c);
    }
    let mut sorter = SliceSorter::default();
    for (i, &from) in ends.iter().enumerate() {
        let to = ends.get(i + 1).map_or(arrivals.len(), |&e| e as usize);
        let base = start.as_micros() + ((i as u64) << shift);
        sorter.sort(&mut arrivals[from as usize..to], base, shift);
    }
    arrivals
}

/// Sorts the arrivals of one slice by `(time, connection)`, a pair unique to each arrival.
/// Their offsets are uniform over the slice, so a counting pass over as many sub-slices as
/// there are arrivals leaves them nearly sorted (a few per sub-slice), and an insertion pass
/// finishes in about one comparison each (the offsets of 1M connections: 184 M instructions
/// against 263 M with `sort_unstable` per slice, BENCHMARKS.md).
#[derive(Default)]
struct SliceSorter {
    counts: Vec<u32>,
    scratch: Vec<(SimTime, u32)>,
}

impl SliceSorter {
    /// Sorts `slice`, whose times lie in `[base, base + 2^shift)`.
    fn sort(&mut self, slice: &mut [(SimTime, u32)], base: u64, shift: u32) {
        if slice.len() <= 16 {
            slice.sort_unstable();
            return;
        }
        let bits = slice.len().next_power_of_two().trailing_zeros();
        let sub =
            |a: &(SimTime, u32)| ((a.0.as_micros() - base) >> shift.saturating_sub(bits)) as usize;
        self.counts.clear();
        self.counts.resize((1 << bits) + 1, 0);
        for a in slice.iter() {
            self.counts[sub(a) + 1] += 1;
        }
        for i in 1..self.counts.len() {
            self.counts[i] += self.counts[i - 1];
        }
        self.scratch.clear();
        self.scratch.resize(slice.len(), (SimTime::ZERO, 0));
        for a in slice.iter() {
            let at = &mut self.counts[sub(a)];
            self.scratch[*at as usize] = *a;
            *at += 1;
        }
        for i in 1..self.scratch.len() {
            let a = self.scratch[i];
            let mut j = i;
            while j > 0 && self.scratch[j - 1] > a {
                self.scratch[j] = self.scratch[j - 1];
                j -= 1;
            }
            self.scratch[j] = a;
        }
        slice.copy_from_slice(&self.scratch);
    }
}

impl ClientState {
    /// The pool that serves `bank`'s connections, for a queued client.
    #[inline]
    pub fn pool_of(&mut self, bank: usize) -> Option<&mut Queue> {
        match self {
            ClientState::Passive => None,
            ClientState::Queued(p) => Some(p.of_bank(bank)),
        }
    }

    /// A queued client's pools.
    #[inline]
    pub fn pools(&mut self) -> Option<&mut Pools> {
        match self {
            ClientState::Passive => None,
            ClientState::Queued(p) => Some(p),
        }
    }

    /// Busy slots of a queued client (`None` for passive strategies).
    pub fn busy(&self) -> Option<u32> {
        match self {
            ClientState::Passive => None,
            ClientState::Queued(p) => Some(p.busy()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The grouped sort equals drawing every offset and sorting them all, including when the
    /// window is so short that most instants are shared (ties go by connection) and when the
    /// population is too small to group.
    #[test]
    fn random_offsets_equal_a_plain_sort() {
        let streams = Streams::new(9);
        for (n, start, len) in [
            (0u32, 0u64, 1u64),
            (1, 7, 1),
            (1_000, 0, 5),
            (5_000, 3_600_000_000, 86_400_000_000),
            (100_000, 1, 1_000_003),
        ] {
            let band = Band {
                from: 0,
                width: len,
                period: len,
            };
            let got = random_offsets(n, SimTime(start), band, &streams);
            let mut want: Vec<(SimTime, u32)> = (0..n)
                .map(|c| {
                    let word = streams.at(Purpose::Schedule, c, 0).next_u64();
                    (SimTime(start + below(word, len)), c)
                })
                .collect();
            want.sort_unstable();
            assert_eq!(got, want, "n = {n}, length = {len}");
        }
    }
}
