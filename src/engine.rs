//! The event queue: a total order on (time, sequence number).
//!
//! Three sources feed it. *Arrivals* known before the run starts (bulk submissions, random
//! offsets) are a sorted vector read front to back, so a million of them cost one sort rather
//! than a million heap operations; a client that repeats them every period (a daily schedule)
//! has one period's vector read again for each period, shifted by the period, so memory does
//! not grow with the number of days. Events created while running (a bank call completing, the
//! client learning an outcome) go into a binary heap, except those the caller schedules
//! [`in_order`](EventQueue::schedule_in_order): events at a constant delay after the current
//! time (a rejected call's outcome, learned at the next poll) come in time order, so a FIFO
//! holds them with no heap work. Arrivals take sequence numbers `0..n` in their sorted order
//! (`0..n·periods` over the repeats),
//! scheduled events take `n..` in scheduling order whichever container holds them, and [`pop`]
//! yields whichever source holds the smallest `(time, seq)`: same-instant ties are broken by
//! sequence number, never by hash order, allocation address or container.
//!
//! [`pop`]: EventQueue::pop

use crate::time::{SimDuration, SimTime};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

/// A scheduled event with its ordering key.
#[derive(Clone, Copy, Debug)]
struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

/// `(time, seq)` as one integer: compares in one branch-free step, unlike the tuple.
#[inline(always)]
fn key(time: SimTime, seq: u64) -> u128 {
    ((time.0 as u128) << 64) | seq as u128
}

impl<E> Entry<E> {
    #[inline(always)]
    fn key(&self) -> u128 {
        key(self.time, self.seq)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed so that `BinaryHeap` (a max-heap) pops the earliest entry.
    #[inline(always)]
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

/// Pending events of type `E`, popped in `(time, seq)` order.
#[derive(Debug)]
pub struct EventQueue<E> {
    /// One period's arrivals, spanning less than `period`.
    arrivals: Vec<(SimTime, E)>,
    next_arrival: usize,
    /// Repeats of `arrivals`: the current one and how many there are, `period` apart.
    round: u64,
    rounds: u64,
    period: u64,
    /// Arrivals at or after this instant are dropped (a last period cut short).
    until: u64,
    heap: BinaryHeap<Entry<E>>,
    /// Scheduled events in `(time, seq)` order (see [`EventQueue::schedule_in_order`]).
    fifo: VecDeque<Entry<E>>,
    /// The heap's top has been popped but is still in place: the next event scheduled into
    /// the heap overwrites it (one sift-down, where removing it and pushing would take a
    /// sift to the bottom and a sift up), or the next pop removes it first. An event's
    /// handler usually schedules its successor (a bank call's end, its outcome), so most
    /// heap events are replaced rather than removed.
    stale_top: bool,
    next_seq: u64,
    now: SimTime,
    popped: u64,
}

impl<E: Copy> EventQueue<E> {
    /// A queue preloaded with `arrivals`, which must be sorted by time (ties keep their order).
    pub fn with_arrivals(arrivals: Vec<(SimTime, E)>) -> Self {
        Self::with_periodic_arrivals(arrivals, SimDuration(u64::MAX), 1, SimTime::NEVER)
    }

    /// A queue preloaded with `arrivals` (sorted by time) repeated `rounds` times, each
    /// repeat `period` later than the one before (they must span less than `period`), up to
    /// but excluding `until`.
    pub fn with_periodic_arrivals(
        arrivals: Vec<(SimTime, E)>,
        period: SimDuration,
        rounds: u64,
        until: SimTime,
    ) -> Self {
        assert!(
            arrivals.windows(2).all(|w| w[0].0 <= w[1].0),
            "arrivals must be sorted by time"
        );
        if let (Some(first), Some(last), true) = (arrivals.first(), arrivals.last(), rounds > 1) {
            assert!(
                last.0.as_micros() - first.0.as_micros() < period.as_micros(),
                "periodic arrivals must span less than their period"
            );
        }
        let rounds = if arrivals.is_empty() { 0 } else { rounds };
        let n = arrivals.len() as u64 * rounds;
        EventQueue {
            arrivals,
            next_arrival: 0,
            round: 0,
            rounds,
            period: period.as_micros(),
            until: until.as_micros(),
            heap: BinaryHeap::new(),
            fifo: VecDeque::new(),
            stale_top: false,
            next_seq: n,
            now: SimTime::ZERO,
            popped: 0,
        }
    }

    /// Schedules `event` at `time`, which must not be in the past.
    #[inline]
    pub fn schedule(&mut self, time: SimTime, event: E) {
        let entry = self.entry(time, event);
        self.push_heap(entry);
    }

    #[inline]
    fn push_heap(&mut self, entry: Entry<E>) {
        if self.stale_top {
            self.stale_top = false;
            if let Some(mut top) = self.heap.peek_mut() {
                *top = entry;
                return;
            }
        }
        self.heap.push(entry);
    }

    /// Schedules `event` at `time` like [`schedule`](Self::schedule), for callers whose
    /// events usually come in time order (a constant delay after the current time): those go
    /// to a FIFO instead of the heap. One that would break the FIFO's order goes to the heap,
    /// so the pop order is the same whatever the caller claims; only the cost differs.
    #[inline]
    pub fn schedule_in_order(&mut self, time: SimTime, event: E) {
        let entry = self.entry(time, event);
        match self.fifo.back() {
            Some(last) if last.time > time => self.push_heap(entry),
            _ => self.fifo.push_back(entry),
        }
    }

    #[inline]
    fn entry(&mut self, time: SimTime, event: E) -> Entry<E> {
        debug_assert!(time >= self.now, "event scheduled in the past");
        let seq = self.next_seq;
        self.next_seq += 1;
        Entry { time, seq, event }
    }

    /// Removes and returns the earliest event, advancing the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        // Arrival i has seq i, below any scheduled event's: at equal times arrivals go first.
        // An empty source's key is NONE, above every real key (which would need a sequence
        // number of u64::MAX).
        const NONE: u128 = u128::MAX;
        if self.stale_top {
            self.heap.pop();
            self.stale_top = false;
        }
        let arrival = if self.round < self.rounds {
            let t = self.arrivals[self.next_arrival].0.as_micros() + self.round * self.period;
            if t >= self.until {
                // Arrivals are in time order: none after this one is due either.
                self.round = self.rounds;
                self.next_arrival = 0;
                NONE
            } else {
                let seq = self.round * self.arrivals.len() as u64 + self.next_arrival as u64;
                key(SimTime(t), seq)
            }
        } else {
            NONE
        };
        let fifo = self.fifo.front().map_or(NONE, Entry::key);
        let heap = self.heap.peek().map_or(NONE, Entry::key);
        let (time, event) = if arrival < fifo && arrival < heap {
            let (time, event) = self.arrivals[self.next_arrival];
            let time = SimTime(time.as_micros() + self.round * self.period);
            self.next_arrival += 1;
            if self.next_arrival == self.arrivals.len() {
                self.next_arrival = 0;
                self.round += 1;
            }
            (time, event)
        } else if fifo < heap {
            let e = self.fifo.pop_front().expect("fifo key was not NONE");
            (e.time, e.event)
        } else if heap != NONE {
            let e = *self.heap.peek().expect("heap key was not NONE");
            self.stale_top = true;
            (e.time, e.event)
        } else {
            return None;
        };
        self.now = time;
        self.popped += 1;
        Some((time, event))
    }

    /// The arrival `ahead` places after the next one still to pop, if any: lets the model
    /// prefetch the state an arrival will touch (arrivals come in connection-random order, so
    /// each would otherwise start with a cache miss).
    #[inline]
    pub fn upcoming_arrival(&self, ahead: usize) -> Option<&E> {
        let i = self.next_arrival + ahead;
        match self.arrivals.get(i) {
            Some((_, e)) => Some(e),
            // Into the next repeat (a hint only: past the last repeat it is harmless).
            None => self.arrivals.get(i - self.arrivals.len()).map(|(_, e)| e),
        }
    }

    /// The time of the last popped event.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Events popped so far.
    pub fn popped(&self) -> u64 {
        self.popped
    }

    /// Events still pending (arrivals not yet reached plus scheduled events; arrivals at or
    /// after `until` count until the queue reaches the first of them).
    pub fn len(&self) -> usize {
        let arrivals =
            (self.rounds - self.round) as usize * self.arrivals.len() - self.next_arrival;
        arrivals + self.heap.len() - self.stale_top as usize + self.fifo.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Hints the CPU to bring `slice[i]` into cache: every line it touches, as a record may
/// straddle two (no effect if `i` is out of bounds, or off x86-64). A hint only: it reads
/// nothing and cannot change a result.
#[inline(always)]
pub fn prefetch<T>(slice: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if i < slice.len() {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let first = slice.as_ptr().wrapping_add(i) as *const i8;
        let last = first.wrapping_add(std::mem::size_of::<T>().saturating_sub(1));
        // SAFETY: a prefetch never dereferences its address architecturally and cannot fault;
        // SSE is part of the x86-64 baseline. Both addresses are inside `slice[i]` anyway.
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(first);
            _mm_prefetch::<_MM_HINT_T0>(last);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (slice, i);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_then_sequence_order() {
        let mut q = EventQueue::with_arrivals(vec![(SimTime(5), 'a'), (SimTime(5), 'b')]);
        q.schedule(SimTime(5), 'x');
        q.schedule(SimTime(1), 'y');
        q.schedule(SimTime(5), 'z');
        let order: String = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, "yabxz");
        assert_eq!(q.popped(), 5);
        assert!(q.is_empty());
    }

    /// Repeated arrivals pop period after period, in time order among scheduled events,
    /// arrivals first at equal times, and count as pending until they pop.
    #[test]
    fn periodic_arrivals_repeat_every_period() {
        let mut q = EventQueue::with_periodic_arrivals(
            vec![(SimTime(2), 'a'), (SimTime(7), 'b')],
            SimDuration(10),
            3,
            SimTime::NEVER,
        );
        assert_eq!(q.len(), 6);
        q.schedule(SimTime(12), 'x');
        q.schedule(SimTime(30), 'y');
        let got: Vec<(u64, char)> = std::iter::from_fn(|| q.pop().map(|(t, e)| (t.0, e))).collect();
        assert_eq!(
            got,
            vec![
                (2, 'a'),
                (7, 'b'),
                (12, 'a'),
                (12, 'x'),
                (17, 'b'),
                (22, 'a'),
                (27, 'b'),
                (30, 'y')
            ]
        );
        assert!(q.is_empty());

        // A last period cut short: arrivals at or after `until` never pop.
        let mut q = EventQueue::with_periodic_arrivals(
            vec![(SimTime(2), 'a'), (SimTime(7), 'b')],
            SimDuration(10),
            3,
            SimTime(22),
        );
        let got: Vec<u64> = std::iter::from_fn(|| q.pop().map(|(t, _)| t.0)).collect();
        assert_eq!(got, vec![2, 7, 12, 17]);
        assert!(q.is_empty());
    }

    #[test]
    fn events_scheduled_while_running_interleave() {
        let mut q = EventQueue::with_arrivals(vec![(SimTime(10), 0u32), (SimTime(30), 1)]);
        let (t, _) = q.pop().unwrap();
        q.schedule(t + crate::time::SimDuration(5), 2);
        q.schedule(t + crate::time::SimDuration(20), 3);
        let got: Vec<(u64, u32)> = std::iter::from_fn(|| q.pop().map(|(t, e)| (t.0, e))).collect();
        assert_eq!(got, vec![(15, 2), (30, 1), (30, 3)]);
        assert_eq!(q.now(), SimTime(30));
    }

    /// Against a reference: whatever mix of `schedule` and `schedule_in_order` (including
    /// claims of order that are false), events pop in `(time, seq)` order, arrivals first at
    /// equal times.
    #[test]
    fn fifo_and_heap_merge_in_time_then_sequence_order() {
        use rand::Rng;
        use rand_xoshiro::rand_core::SeedableRng;
        let mut rng = rand_xoshiro::SplitMix64::seed_from_u64(5);
        let arrivals: Vec<(SimTime, u64)> = (0..200).map(|i| (SimTime(i / 3 * 7), i)).collect();
        let mut q = EventQueue::with_arrivals(arrivals.clone());
        // Reference: (time, seq, id) of everything, sorted at the end.
        let mut all: Vec<(u64, u64, u64)> = arrivals.iter().map(|&(t, i)| (t.0, i, i)).collect();
        let mut seq = arrivals.len() as u64;
        let mut popped = Vec::new();
        let mut id = 1_000;
        while let Some((now, e)) = q.pop() {
            popped.push((now.0, e));
            // Pending = everything scheduled so far minus what has popped (a popped heap
            // event still in place must not count).
            assert_eq!(q.len(), all.len() - popped.len());
            assert_eq!(q.is_empty(), all.len() == popped.len());
            if id < 3_000 {
                for _ in 0..(rng.next_u64() % 3) {
                    // Mostly a constant delay (in order), sometimes a random one, some ties.
                    let delay = match rng.next_u64() % 4 {
                        0 => rng.next_u64() % 50,
                        1 => 0,
                        _ => 10,
                    };
                    let at = SimTime(now.0 + delay);
                    if rng.next_u64() % 2 == 0 {
                        q.schedule_in_order(at, id);
                    } else {
                        q.schedule(at, id);
                    }
                    all.push((at.0, seq, id));
                    seq += 1;
                    id += 1;
                }
            }
        }
        all.sort_unstable();
        let want: Vec<(u64, u64)> = all.iter().map(|&(t, _, id)| (t, id)).collect();
        assert_eq!(popped, want);
        assert!(id > 2_000, "the test scheduled too little: {id}");
    }
}
