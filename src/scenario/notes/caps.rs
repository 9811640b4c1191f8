//! A client whose calls can pass a bank's concurrency cap where a penalty box stands behind
//! it: a call past the cap shuts the bank to every call, its customers' too, for the box's
//! length. Over a cap alone a client may gain (its slots are held past the call while it
//! polls), so only boxed caps are said.
//!
//! Clients without a bound per bank pass it by chance. Random offsets' calls arrive at a
//! bank as a Poisson stream, and the cap turns away Erlang B's share of them (the cap a loss
//! system of `cap` servers, offered the arrival rate times the mean call; checked against
//! simulated 429s without the box); a pace over every bank is read the same way. A queue's
//! slots each hold one of its refreshes, at the bank with its share of the slot-time and in
//! the call for the call's part of it: the chance that `cap` of the others' are in calls
//! there is binomial. These count the background's first attempts only (customers' calls
//! and retries add to them), and the queue's and the pace's are rougher (a queue's slots are
//! not always full), so only random offsets' notes give a count. Said where a day's calls
//! would find the cap full once or more (a trial's random offsets lost 79 % of a building
//! society's attempts to its box, and `check` said nothing); bulk wherever a bank has more
//! connections than its cap.

use super::super::Scenario;
use crate::bank::penalty_box::PenaltyBox;
use crate::bank::{Bank, Limit};
use crate::strategy::Strategy;
use statrs::distribution::{Binomial, DiscreteCDF, Poisson};

impl Scenario {
    /// Per-bank pools, AIMD's slots or a pace's refreshes outstanding that may pass a boxed
    /// cap, with the setting that keeps within it (a trial's pools of 8 at a building
    /// society capped at 2 behind a 60 s box cost it 3.7 points of coverage against pools of
    /// 2; AIMD and an unbounded pace there, about 8).
    pub fn past_boxed_caps(&self) -> Vec<String> {
        (self.banks.iter().enumerate())
            .filter_map(|(b, bank)| {
                let (cap, boxed) = (bank.concurrency_cap()?, penalty(bank)?);
                let (what, fix) = self.past_cap(b, &bank.name, cap, boxed)?;
                let wait = boxed.longest_wait();
                let shuts = match boxed.threshold() {
                    None => "a call past the cap shuts".to_string(),
                    Some((n, within)) => {
                        format!(
                            "{n} rejections within {within} (calls past the cap among them) shut"
                        )
                    }
                };
                Some(format!(
                    "{}: {what}, past its concurrency cap of {cap}, behind a penalty box of \
                     {wait}: {shuts} the bank to every call, its customers' too, for that long \
                     ({fix} keeps within it)",
                    bank.name
                ))
            })
            .collect()
    }

    /// What of the client may pass bank `b`'s cap, and what keeps it within (`None` where
    /// nothing does).
    fn past_cap(
        &self,
        b: usize,
        name: &str,
        cap: u32,
        boxed: &PenaltyBox,
    ) -> Option<(String, String)> {
        let pools = format!("strategy.pools = {{ {name} = {cap} }}");
        match &self.strategy {
            Strategy::PerBank { pools: p } => {
                (p[b] > cap).then(|| (format!("a pool of {} slots", p[b]), pools))
            }
            Strategy::Aimd(rule) => (rule.max > cap).then(|| {
                let what = format!("aimd's slots, which grow to {}", rule.max);
                (what, format!("per_bank with {pools}"))
            }),
            Strategy::Paced {
                per_bank: true,
                outstanding,
                ..
            } => match outstanding.get(b).copied().flatten() {
                Some(o) if o <= cap => None,
                o => Some((
                    o.map_or(
                        "a pace with no bound on its refreshes outstanding".into(),
                        |o| format!("a pace with up to {o} refreshes outstanding"),
                    ),
                    format!("strategy.outstanding = {{ {name} = {cap} }}"),
                )),
            },
            _ => self.past_cap_by_chance(b, name, cap, boxed, &pools),
        }
    }

    /// [`Scenario::past_cap`] for clients with no bound per bank, which pass the cap by
    /// chance (random offsets, a pace over every bank, a queue larger than the cap, bulk).
    fn past_cap_by_chance(
        &self,
        b: usize,
        name: &str,
        cap: u32,
        boxed: &PenaltyBox,
        pools: &str,
    ) -> Option<(String, String)> {
        match &self.strategy {
            Strategy::RandomOffset => {
                let (load, calls) = self.offered(b, cap, self.calls_per_sec(b), boxed)?;
                let what = format!(
                    "random offsets, offering about {load:.1} calls in flight on average \
                     (without the box, about {calls} of its calls a day would find {cap} in \
                     flight)"
                );
                Some((what, format!("per_bank with {pools}")))
            }
            Strategy::Paced {
                per_bank: false,
                rate,
                ..
            } => {
                let r = rate.map_or(self.calls_per_sec(b), |r| r * self.banks[b].share);
                let (load, _) = self.offered(b, cap, r, boxed)?;
                let what = format!(
                    "a pace over every bank, offering about {load:.1} calls in flight on average"
                );
                let fix =
                    format!("a pace per bank with strategy.outstanding = {{ {name} = {cap} }}");
                Some((what, fix))
            }
            &Strategy::Queued { concurrency: c } if c > cap => {
                let others = Binomial::new(self.in_call_share(b), (c - 1) as u64);
                let full = others.map_or(0.0, |x| 1.0 - x.cdf(cap as u64 - 1));
                let found = self.found_full(b, full);
                found
                    .filter(|&calls| closes(calls, boxed.threshold()))
                    .map(|_| {
                        let what = format!(
                            "a queue of {c} slots over every bank, more than {cap} of which can \
                         be on its calls at once"
                        );
                        (what, format!("per_bank with {pools}"))
                    })
            }
            Strategy::Bulk => {
                (self.banks[b].share * self.connections as f64 > cap as f64).then(|| {
                    (
                        "bulk, every connection submitted at once".to_string(),
                        format!("per_bank with {pools}"),
                    )
                })
            }
            _ => None,
        }
    }

    /// Calls at `rate` a second to bank `b` as a Poisson stream: the calls in flight they
    /// offer, and those a day finding the cap full (Erlang B), where they would close `boxed`.
    fn offered(&self, b: usize, cap: u32, rate: f64, boxed: &PenaltyBox) -> Option<(f64, u64)> {
        let load = rate * self.banks[b].service_time.mean_secs();
        let calls = self.found_full(b, crate::stats::erlang_b(cap, load))?;
        closes(calls, boxed.threshold()).then_some((load, calls))
    }

    /// Bank `b`'s refreshes a second while the client submits: one per connection a period,
    /// over the band or the period.
    pub(super) fn calls_per_sec(&self, b: usize) -> f64 {
        let spread = self.schedule.spread().as_secs_f64().max(1.0);
        self.banks[b].share * self.connections as f64 / spread
    }

    /// The calls a day that find the cap full, rounded (`None` under one).
    fn found_full(&self, b: usize, full: f64) -> Option<u64> {
        let calls = self.due_a_day(b) * full;
        (calls >= 1.0).then_some(calls.round() as u64)
    }

    /// The chance that a busy slot of a queue is in a call at bank `b`: the bank's share of
    /// the connections times its mean call, over the slot-time a refresh takes summed over
    /// the banks (each bank's share times its hold: overhead, call, and wait to learn it).
    fn in_call_share(&self, b: usize) -> f64 {
        let hold = |bank: &Bank| bank.share * self.slot_hold_secs(bank);
        let all: f64 = self.banks.iter().map(hold).sum();
        let bank = &self.banks[b];
        (bank.share * bank.service_time.mean_secs() / all.max(f64::MIN_POSITIVE)).min(1.0)
    }
}

/// Whether `calls` a day refused at random (a Poisson stream) close a box that waits for
/// `n` within a span: the day's spans each hold a Poisson count of mean `calls` over the
/// spans a day, and the box closes about once a day or more where that many of them reach
/// `n` (always, for a box closing at the first).
fn closes(calls: u64, threshold: Option<(u32, crate::time::SimDuration)>) -> bool {
    let Some((n, within)) = threshold else {
        return true;
    };
    let spans = 86_400.0 / within.as_secs_f64().max(1e-6);
    let mean = calls as f64 / spans;
    let reach = Poisson::new(mean).map_or(0.0, |p| 1.0 - p.cdf(n as u64 - 1));
    spans * reach >= 1.0
}

/// The bank's penalty box, if it has one.
pub(super) fn penalty(bank: &Bank) -> Option<&PenaltyBox> {
    bank.limits.iter().find_map(|l| match l.unscoped() {
        Limit::PenaltyBox(p) => Some(p),
        _ => None,
    })
}

#[cfg(test)]
pub(super) mod tests {
    use crate::scenario;

    fn noted(strategy: &str, limits: &str) -> Vec<String> {
        with(10, strategy, limits).past_boxed_caps()
    }

    /// `connections` over two banks, `bs` (40 %, calls of 9 s on average, behind `limits`)
    /// and `big` (calls of 5 s).
    pub(in crate::scenario::notes) fn with(
        connections: u32,
        strategy: &str,
        limits: &str,
    ) -> scenario::Scenario {
        let text = format!(
            "[window]\nlength = \"2d\"\nwarmup = \"1d\"\n[population]\n\
             connections = {connections}\n[strategy]\n{strategy}\n\
             [[banks]]\nname = \"bs\"\nshare = 0.4\n\
             service_time = {{ dist = \"lognormal\", median = \"7s\", p95 = \"22s\" }}\n\
             limits = [{limits}]\n\
             [[banks]]\nname = \"big\"\nshare = 0.6\n\
             service_time = {{ dist = \"constant\", value = \"5s\" }}\n"
        );
        scenario::parse(&text, "inline", "t", &[]).unwrap()
    }

    /// Clients with no bound per bank are noted where a day's calls would find the cap
    /// full: random offsets by Erlang B, which the simulated 429s without the box match; a
    /// queue larger than the cap, and bulk.
    #[test]
    fn unbounded_clients_past_a_boxed_cap_are_noted() {
        let cap = r#"{ kind = "concurrency", max_in_flight = 5 }"#;
        let boxed = format!(r#"{cap}, {{ kind = "penalty_box", duration = "2m" }}"#);
        // 36,000 a day at bs: 0.4167 calls a second of 8.92 s offer 3.72 in flight.
        let n = with(90_000, "kind = \"random_offset\"", &boxed).past_boxed_caps();
        assert_eq!(n.len(), 1, "{n:?}");
        assert!(
            n[0].starts_with("bs: random offsets, offering about 3.7 calls"),
            "{n:?}"
        );
        let said: f64 = n[0]
            .split("about ")
            .nth(2)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .replace(',', "")
            .parse()
            .unwrap();
        let run = crate::sim::run(&with(90_000, "kind = \"random_offset\"", cap), 7);
        let bs = run.summary(Some(0)).tally;
        let per_day = bs.rate_limited as f64 / 2.0;
        assert!(
            (said - per_day).abs() < 0.1 * per_day,
            "{said} said, {per_day} simulated"
        );
        // A tenth of the book offers 0.37 in flight: about one call a week finds 5.
        assert!(with(9_000, "kind = \"random_offset\"", &boxed)
            .past_boxed_caps()
            .is_empty());
        let queued = |c: u32| format!("kind = \"queued\"\nconcurrency = {c}");
        let q = with(90_000, &queued(16), &boxed).past_boxed_caps();
        assert!(
            q[0].starts_with("bs: a queue of 16 slots over every bank, more than 5"),
            "{q:?}"
        );
        assert!(with(90_000, &queued(5), &boxed)
            .past_boxed_caps()
            .is_empty());
        let bulk = with(90_000, "kind = \"bulk\"", &boxed).past_boxed_caps();
        assert!(
            bulk[0].starts_with("bs: bulk, every connection submitted at once"),
            "{bulk:?}"
        );
        assert!(with(90_000, "kind = \"bulk\"", cap)
            .past_boxed_caps()
            .is_empty());
        // A box waiting for 20 rejections a minute: 6,250 a day (4.3 a minute) rarely reach
        // it; 3 a minute are reached often.
        let waits_for = |client: &str, n: u32| {
            let b = format!(
                r#"{cap}, {{ kind = "penalty_box", duration = "2m", after = {n}, within = "1m" }}"#
            );
            with(90_000, client, &b).past_boxed_caps()
        };
        let waits = |n: u32| waits_for("kind = \"random_offset\"", n);
        assert!(waits(20).is_empty(), "{:?}", waits(20));
        // A pace over both banks waits for the threshold too.
        let pace = "kind = \"paced\"\nper_bank = false\nrate = 1.04";
        assert!(waits_for(pace, 20).is_empty());
        let three = waits(3);
        assert!(
            three[0].contains("3 rejections within 1m (calls past the cap among them) shut"),
            "{three:?}"
        );
        // Bulk with fewer connections at the bank than its cap cannot pass it.
        assert!(with(10, "kind = \"bulk\"", &boxed)
            .past_boxed_caps()
            .is_empty());
        // One pace over both banks offers bs its share, as random offsets do.
        let pace = "kind = \"paced\"\nper_bank = false\nrate = 1.04";
        let p = with(90_000, pace, &boxed).past_boxed_caps();
        assert!(
            p[0].starts_with("bs: a pace over every bank, offering about 3.7"),
            "{p:?}"
        );
    }

    /// Pools, AIMD's slots and paces past a cap are said where a penalty box stands behind
    /// it, not where the client keeps within the cap or no box does.
    #[test]
    fn clients_past_a_boxed_cap_are_noted() {
        let cap = r#"{ kind = "concurrency", max_in_flight = 2 }"#;
        let boxed = format!(r#"{cap}, {{ kind = "penalty_box", duration = "60s" }}"#);
        let pools = |n: u32| format!("kind = \"per_bank\"\nconcurrency = {n}");
        let n = noted(&pools(8), &boxed);
        assert_eq!(n.len(), 1, "{n:?}");
        assert!(
            n[0].starts_with(
                "bs: a pool of 8 slots, past its concurrency cap of 2, behind a penalty box of 1m"
            ) && n[0].ends_with("(strategy.pools = { bs = 2 } keeps within it)"),
            "{n:?}"
        );
        assert!(noted(&pools(2), &boxed).is_empty());
        assert!(noted(&pools(8), cap).is_empty());
        let aimd = noted("kind = \"aimd\"", &boxed);
        assert!(
            aimd[0].starts_with("bs: aimd's slots, which grow to"),
            "{aimd:?}"
        );
        let paced = noted("kind = \"paced\"", &boxed);
        assert!(paced[0].contains("a pace with no bound"), "{paced:?}");
        let within = "kind = \"paced\"\noutstanding = { bs = 2 }";
        assert!(noted(within, &boxed).is_empty());
    }
}
