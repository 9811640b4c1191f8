//! The event queue: a total order on (time, sequence number).
//!
//! Two sources feed it. *Arrivals* known before the run starts (bulk submissions, random
//! offsets) are a sorted vector read front to back, so a million of them cost one sort rather
//! than a million heap operations. Events created while running (a bank call completing, the
//! client learning an outcome) go into a binary heap. Arrivals take sequence numbers
//! `0..n` in their sorted order, heap events take `n..` in scheduling order, and [`pop`]
//! yields whichever source holds the smallest `(time, seq)`: same-instant ties are broken by
//! sequence number, never by hash order or allocation address.
//!
//! [`pop`]: EventQueue::pop

use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A scheduled event with its ordering key.
#[derive(Clone, Copy, Debug)]
struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    /// `(time, seq)` as one integer: compares in one branch-free step, unlike the tuple.
    #[inline(always)]
    fn key(&self) -> u128 {
        ((self.time.0 as u128) << 64) | self.seq as u128
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
    arrivals: Vec<(SimTime, E)>,
    next_arrival: usize,
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    now: SimTime,
    popped: u64,
}

impl<E: Copy> EventQueue<E> {
    /// A queue preloaded with `arrivals`, which must be sorted by time (ties keep their order).
    pub fn with_arrivals(arrivals: Vec<(SimTime, E)>) -> Self {
        assert!(
            arrivals.windows(2).all(|w| w[0].0 <= w[1].0),
            "arrivals must be sorted by time"
        );
        let n = arrivals.len() as u64;
        EventQueue {
            arrivals,
            next_arrival: 0,
            heap: BinaryHeap::new(),
            next_seq: n,
            now: SimTime::ZERO,
            popped: 0,
        }
    }

    /// Schedules `event` at `time`, which must not be in the past.
    #[inline]
    pub fn schedule(&mut self, time: SimTime, event: E) {
        debug_assert!(time >= self.now, "event scheduled in the past");
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { time, seq, event });
    }

    /// Removes and returns the earliest event, advancing the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let arrival = self.arrivals.get(self.next_arrival);
        let from_heap = match (arrival, self.heap.peek()) {
            (None, None) => return None,
            (Some(_), None) => false,
            (None, Some(_)) => true,
            // Arrival i has seq i, always below any heap seq: at equal times arrivals go first.
            (Some(&(t, _)), Some(top)) => top.time < t,
        };
        let (time, event) = if from_heap {
            let e = self.heap.pop().expect("peeked");
            (e.time, e.event)
        } else {
            self.next_arrival += 1;
            *arrival.expect("checked")
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
        self.arrivals.get(self.next_arrival + ahead).map(|(_, e)| e)
    }

    /// The time of the last popped event.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Events popped so far.
    pub fn popped(&self) -> u64 {
        self.popped
    }

    /// Events still pending (arrivals not yet reached plus scheduled events).
    pub fn len(&self) -> usize {
        self.arrivals.len() - self.next_arrival + self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Hints the CPU to bring `slice[i]` into cache (no effect if `i` is out of bounds, or off
/// x86-64). A hint only: it reads nothing and cannot change a result.
#[inline(always)]
pub fn prefetch<T>(slice: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if i < slice.len() {
        let p = slice.as_ptr().wrapping_add(i) as *const i8;
        // SAFETY: a prefetch never dereferences its address architecturally and cannot fault;
        // SSE is part of the x86-64 baseline. `p` points into `slice` anyway.
        unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p) }
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
}
