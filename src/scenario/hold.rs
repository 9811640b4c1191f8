//! How long a client's slot is held per attempt at a bank: what a pool's throughput and a
//! queue's share of its slots at each bank follow from (Little's law).

use super::Scenario;
use crate::bank::Bank;
use crate::rng::{Purpose, Streams};
use crate::time::SimTime;

impl Scenario {
    /// Mean seconds a client's slot is held per attempt at `bank`: the worker's overhead,
    /// then the bank's service time and the wait for the poll (or callback) that reveals the
    /// outcome, averaged over 2,000 service times drawn from a fixed stream (the same every
    /// time).
    pub fn slot_hold_secs(&self, bank: &Bank) -> f64 {
        const DRAWS: u32 = 2_000;
        let mut rng = Streams::new(0).at(Purpose::Call, 0, 0);
        let learned: f64 = (0..DRAWS)
            .map(|_| {
                let ended = SimTime::ZERO + bank.service_time.sample(&mut rng);
                self.platform.learn(SimTime::ZERO, ended).at.as_secs_f64()
            })
            .sum();
        self.schedule.overhead.mean_secs() + learned / DRAWS as f64
    }
}
