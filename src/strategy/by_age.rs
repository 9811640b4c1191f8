//! Stalest first (`strategy.order = "stalest"`): a pool's due connections kept by the age of
//! their data, so that a free slot takes the oldest, whatever the order they became due in.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A stalest-first pool's due connections, by the age of their data: the key is the
/// connection's last success plus one (0: never refreshed, first of all), ties by connection.
#[derive(Default)]
pub(super) struct ByAge {
    /// This period's pass over every member, taken unless `skip` passes over it when it
    /// comes up (as the FIFO's pass).
    pass: BinaryHeap<Reverse<(u64, u32)>>,
    /// Connections back in the queue (a failure not retried, a looping queue's outcomes):
    /// held by the client, taken as they come up.
    back: BinaryHeap<Reverse<(u64, u32)>>,
}

impl ByAge {
    /// The due connection with the oldest data, of either heap. `age` gives a connection's
    /// key now: one set back whose data a customer's call refreshed since takes its new
    /// place (keys only grow).
    #[inline]
    pub(super) fn next(
        &mut self,
        skip: &mut impl FnMut(u32) -> bool,
        age: impl Fn(u32) -> u64,
    ) -> Option<u32> {
        loop {
            let from_pass = match (self.pass.peek(), self.back.peek()) {
                (Some(p), Some(b)) => p.0 < b.0,
                (Some(_), None) => true,
                (None, _) => false,
            };
            if !from_pass {
                let Reverse((key, c)) = self.back.pop()?;
                match age(c) {
                    now if now != key => self.back.push(Reverse((now, c))),
                    _ => return Some(c),
                }
                continue;
            }
            let Reverse((_, c)) = self.pass.pop()?;
            if !skip(c) {
                return Some(c);
            }
        }
    }

    /// A period starts: the pass is every one of `members`, by `age`; the connections set
    /// back in the last period take their places by age again.
    pub(super) fn period_start(
        &mut self,
        members: impl Iterator<Item = u32>,
        age: impl Fn(u32) -> u64,
    ) {
        let mut pass = std::mem::take(&mut self.pass).into_vec();
        pass.clear();
        pass.extend(members.map(|c| Reverse((age(c), c))));
        self.pass = BinaryHeap::from(pass);
        let back = std::mem::take(&mut self.back).into_vec();
        self.back = back
            .into_iter()
            .map(|Reverse((_, c))| Reverse((age(c), c)))
            .collect();
    }

    /// A connection still due, held by the client, set back in its place by `age`.
    #[inline]
    pub(super) fn set_back(&mut self, conn: u32, age: u64) {
        self.back.push(Reverse((age, conn)));
    }

    /// A connection the pass may have skipped meets it again, by `age`.
    #[inline]
    pub(super) fn due_again(&mut self, conn: u32, age: u64) {
        self.pass.push(Reverse((age, conn)));
    }
}
