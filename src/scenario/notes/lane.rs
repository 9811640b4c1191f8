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
use crate::stats::erlang_c;
use crate::strategy::Strategy;

/// The load, as a share of the slots, from which the lane is noted.
const NOTED_FROM: f64 = 0.8;

impl Scenario {
    /// The priority lane where the customers' busiest hour offers 80 % or more of the slots
    /// it runs through (one pool over every bank, or the bank's own where that share is
    /// highest); adaptive slots (AIMD) are not read.
    pub fn lane_past_slots(&self) -> Option<String> {
        let d = self
            .on_demand
            .as_ref()
            .filter(|d| d.lane == Lane::Priority)?;
        let total: f64 = d.profile.iter().sum();
        let peak = d.profile.iter().copied().fold(0.0, f64::max);
        let rate = d.per_day * peak / total / 3600.0;
        let hold = |b: usize| self.slot_hold_secs(&self.banks[b]);
        let share = |b: usize| self.banks[b].share;
        // Where, the requests a second there, the mean hold, the slots.
        let (at, rate, hold, c) = match &self.strategy {
            Strategy::Queued { concurrency } => {
                let mean: f64 = (0..self.banks.len()).map(|b| share(b) * hold(b)).sum();
                (String::new(), rate, mean, *concurrency)
            }
            Strategy::PerBank { pools } => (0..self.banks.len())
                .filter(|&b| pools[b] > 0)
                .map(|b| (b, rate * share(b), hold(b), pools[b]))
                .max_by(|x, y| (x.1 * x.2 / x.3 as f64).total_cmp(&(y.1 * y.2 / y.3 as f64)))
                .map(|(b, r, h, c)| (format!(" at {}", self.banks[b].name), r, h, c))?,
            _ => return None,
        };
        let a = rate * hold;
        if a < NOTED_FROM * c as f64 {
            return None;
        }
        let verdict = match a >= c as f64 {
            true => format!(
                "more than there are: about {:.0} requests an hour more than the slots serve \
                 queue up, their wait growing with the queue through the hour",
                (rate - c as f64 / hold) * 3600.0
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
        Some(format!(
            "on_demand.lane: through the priority lane, the customers' busiest hour offers \
             about {a:.1} slots' worth of calls to the client's {c}{at} ({rate:.3} requests a \
             second{at}, each holding a slot {hold:.1} s with its poll; their calls alone, a busy \
             background's adding to it): {verdict}; more \
             slots, or customers calling directly (lane = \"direct\"), keep them to the poll's \
             wait"
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario;

    /// Customers asking one a second all day, each call revealed by the first poll (10 s):
    /// about 10 slots' worth, past a queue of 8, waiting by Erlang C behind 12, unsaid behind
    /// 40 or calling directly.
    fn lane_notes(concurrency: u32, lane: &str) -> Vec<String> {
        let text = format!(
            "[window]\nlength = \"1d\"\n[population]\nconnections = 1000\n[strategy]\n\
             kind = \"queued\"\nconcurrency = {concurrency}\n[on_demand]\nper_day = 86400\n\
             profile = [{}]\nlane = \"{lane}\"\n[[banks]]\nname = \"b\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n",
            ["1"; 24].join(", ")
        );
        let sc = scenario::parse(&text, "inline", "t", &[]).unwrap();
        sc.notes()
            .into_iter()
            .filter(|n| n.starts_with("on_demand.lane"))
            .collect()
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
