//! Customers in the priority lane take the client's slots ahead of the background, and wait
//! for one where their own calls fill them: at their busiest hour, a Poisson stream of
//! requests each holding a slot for the call and the poll that reveals it is an M/G/c queue
//! of the client's `c` slots (the background yields every slot it frees to them), offered
//! `a` = the rate times the mean hold (Little's law). Past `c` they queue through the hour
//! and their wait grows (a trial's 128 slots, offered about 172 by its month-end
//! accountants, kept them 2,055 s at p95, and nothing warned); below it, Erlang C gives the
//! share that wait for a slot at all and their mean wait (exact for exponential holds, close
//! for others: a review's 16 slots read 87 % and 23.1 s, its run's p95 20.8 s → 32.3 s). It
//! counts their calls alone: a busy background in their busiest hour adds to the wait.

use super::super::Scenario;
use crate::demand::Lane;
use crate::numbers::thousands;
use crate::stats::erlang_c;
use crate::strategy::Strategy;

/// The load, as a share of the slots, from which the lane is noted.
const NOTED_FROM: f64 = 0.8;

impl Scenario {
    /// The priority lane where the customers' busiest hour offers 80 % or more of the slots
    /// it runs through (one pool over every bank, or the bank's own where that share is
    /// highest); adaptive slots (AIMD) are not read.
    pub fn lane_past_slots(&self) -> Option<String> {
        let (at, rate, hold, c) = self.lane_load()?;
        let a = rate * hold;
        if a < NOTED_FROM * c as f64 {
            return None;
        }
        let verdict = match a >= c as f64 {
            true => format!(
                "more than there are: about {} requests an hour more than the slots serve \
                 queue up, their wait growing with the queue through the hour",
                thousands((rate - c as f64 / hold) * 3600.0)
            ),
            // M/M/c: the wait in queue averages C h / (c − a).
            false => {
                let waits = erlang_c(c, a);
                format!(
                    "Erlang C has {:.0} % of them wait for a slot, {:.1} s on average over all \
                     of them, beside the poll's",
                    100.0 * waits,
                    waits * hold / (c as f64 - a)
                )
            }
        };
        // Within a twentieth of the slots is not "about 28.0 … to the client's 28" (a review
        // read that as a contradiction either side).
        let a = match (a - c as f64).abs() < 0.05 {
            true => format!("{a:.2}"),
            false => format!("{a:.1}"),
        };
        Some(format!(
            "on_demand.lane: through the priority lane, the customers' busiest hour offers \
             about {a} slots' worth of calls to the client's {c}{at} ({rate:.3} requests a \
             second{at}, each holding a slot {hold:.1} s with its poll; their calls alone, a busy \
             background's adding to it): {verdict}; more \
             slots, or customers calling directly (lane = \"direct\"), keep them to the poll's \
             wait"
        ))
    }
}

impl Scenario {
    /// Whether the customers offer the priority lane at least as many slots' worth of calls
    /// as its pool has over the day (at the fullest pool, per bank): their queue then grows
    /// from day to day whatever the background does, and a plan does not try the lane there
    /// (a trial's queue of one slot, offered 22 over the day, served none of its measured
    /// days' requests and kept the failure bound by sending no background at all). A busiest
    /// hour past the slots queues them for that hour alone, which a run measures (the same
    /// trial's per-bank pools, past their slots at the busiest hour, kept them 204 s at p95).
    pub fn lane_overflows(&self) -> bool {
        let (Some((_, peak, hold, c)), Some(d)) = (self.lane_load(), self.on_demand.as_ref())
        else {
            return false;
        };
        // (The profile's shape alone: the rate is the connections' there are.)
        let total: f64 = d.profile.iter().sum();
        let busiest = d.profile.iter().copied().fold(0.0, f64::max);
        // The day's mean rate: the busiest hour's over its weight against the mean hour's.
        let mean = peak * total / (24.0 * busiest);
        mean * hold >= c as f64
    }

    /// The customers' busiest hour through the priority lane, at its fullest pool: where
    /// (` at bank`, or empty for one pool over every bank), the requests a second there,
    /// the mean hold of a slot, the slots. `None` without the lane or a pool of slots.
    fn lane_load(&self) -> Option<(String, f64, f64, u32)> {
        let rate = self.lane_peak_rate()?;
        let hold = |b: usize| self.slot_hold_secs(&self.banks[b]);
        let share = |b: usize| self.banks[b].share;
        match &self.strategy {
            Strategy::Queued { concurrency } => {
                let mean: f64 = (0..self.banks.len()).map(|b| share(b) * hold(b)).sum();
                Some((String::new(), rate, mean, *concurrency))
            }
            Strategy::PerBank { pools } => (0..self.banks.len())
                .filter(|&b| pools[b] > 0)
                .map(|b| (b, rate * share(b), hold(b), pools[b]))
                .max_by(|x, y| (x.1 * x.2 / x.3 as f64).total_cmp(&(y.1 * y.2 / y.3 as f64)))
                .map(|(b, r, h, c)| (format!(" at {}", self.banks[b].name), r, h, c)),
            _ => None,
        }
    }

    /// The slots' worth of calls the customers' busiest hour offers bank `b`'s pool through
    /// the priority lane (their requests a second there times a slot's mean hold: Little's
    /// law), 0 where they call directly: what a pool at the bank needs beside the
    /// background's.
    pub fn lane_offered(&self, b: usize) -> f64 {
        self.lane_peak_rate().map_or(0.0, |rate| {
            rate * self.banks[b].share * self.slot_hold_secs(&self.banks[b])
        })
    }

    /// The customers' requests a second at their busiest hour, over every bank, where they
    /// take the priority lane.
    fn lane_peak_rate(&self) -> Option<f64> {
        let d = self
            .on_demand
            .as_ref()
            .filter(|d| d.lane == Lane::Priority)?;
        // At the connections there are (a plan's --users, not the file's: a trial's memo
        // told the lane at 150,000 connections of a plan for 400,000).
        let d = d.for_connections(self.connections);
        let total: f64 = d.profile.iter().sum();
        let peak = d.profile.iter().copied().fold(0.0, f64::max);
        Some(d.per_day * peak / total / 3600.0)
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario;

    /// Customers asking one a second all day, each call revealed by the first poll (10 s):
    /// about 10 slots' worth, past a queue of 8, waiting by Erlang C behind 12, unsaid behind
    /// 40 or calling directly.
    fn lane_notes(concurrency: u32, lane: &str) -> Vec<String> {
        (lane_scenario(concurrency, lane).notes().into_iter())
            .filter(|n| n.starts_with("on_demand.lane"))
            .collect()
    }

    fn lane_scenario(concurrency: u32, lane: &str) -> crate::scenario::Scenario {
        let text = format!(
            "[window]\nlength = \"1d\"\n[population]\nconnections = 1000\n[strategy]\n\
             kind = \"queued\"\nconcurrency = {concurrency}\n[on_demand]\nper_day = 86400\n\
             profile = [{}]\nlane = \"{lane}\"\n[[banks]]\nname = \"b\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n",
            ["1"; 24].join(", ")
        );
        scenario::parse(&text, "inline", "t", &[]).unwrap()
    }

    /// The lane overflows where the customers alone offer its slots' worth or more over the
    /// day (about 10.4 here, all day alike): a queue of 8 or 10, not 11 or one calling
    /// directly.
    #[test]
    fn a_lane_offered_its_slots_overflows() {
        let overflows = |c: u32, lane: &str| lane_scenario(c, lane).lane_overflows();
        assert!(overflows(8, "priority") && overflows(10, "priority"));
        assert!(!overflows(11, "priority") && !overflows(8, "direct"));
        // The same day's requests in half its hours: twice the load at the busiest hour,
        // past 12 slots, the day's within them.
        let mut by_day = lane_scenario(12, "priority");
        let half: [f64; 24] = std::array::from_fn(|h| if h < 12 { 1.0 } else { 0.0 });
        by_day.on_demand.as_mut().unwrap().profile = half;
        assert!(by_day
            .lane_past_slots()
            .unwrap()
            .contains("more than there are"));
        assert!(!by_day.lane_overflows());
        let offered = |lane: &str| lane_scenario(8, lane).lane_offered(0);
        assert!(
            (offered("priority") - 10.39).abs() < 0.01,
            "{}",
            offered("priority")
        );
        assert_eq!(offered("direct"), 0.0);
    }

    #[test]
    fn a_lane_its_customers_fill_is_noted() {
        let past = lane_notes(8, "priority");
        assert_eq!(past.len(), 1, "{past:?}");
        assert!(
            past[0].contains("the client's 8 (1.000 requests a second, each holding a slot 10.")
                && past[0].contains("more than there are"),
            "{past:?}"
        );
        // Offered about 10.39 (1 a second, a slot held 10.39 s): Erlang C with 12 servers
        // has 54 % wait, C h / (c − a) = 3.5 s on average.
        let near = lane_notes(12, "priority");
        assert!(
            near[0].contains("offers about 10.4 slots' worth")
                && near[0].contains("Erlang C has 54 % of them wait for a slot, 3.5 s on average"),
            "{near:?}"
        );
        assert_eq!(lane_notes(40, "priority"), Vec::<String>::new());
        assert_eq!(lane_notes(8, "direct"), Vec::<String>::new());
    }

    /// Per-bank pools: the bank whose pool its customers' share fills most is named, with
    /// its own rate.
    #[test]
    fn per_bank_pools_name_the_fullest() {
        let text = format!(
            "[window]\nlength = \"1d\"\n[population]\nconnections = 1000\n[strategy]\n\
             kind = \"per_bank\"\npools = {{ a = 20, b = 2 }}\n[on_demand]\nper_day = 86400\n\
             profile = [{}]\nlane = \"priority\"\n\
             [[banks]]\nname = \"a\"\nshare = 0.8\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n\
             [[banks]]\nname = \"b\"\nshare = 0.2\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n",
            ["1"; 24].join(", ")
        );
        let sc = scenario::parse(&text, "inline", "t", &[]).unwrap();
        let note = sc.lane_past_slots().unwrap();
        assert!(
            note.contains("to the client's 2 at b (0.200 requests a second at b,")
                && note.contains("more than there are"),
            "{note}"
        );
    }
}
