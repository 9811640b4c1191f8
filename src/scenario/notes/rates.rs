//! A client whose calls can find a bank's token bucket empty, or its fixed window spent, by
//! chance where a penalty box stands behind it: that refusal shuts the bank to every call,
//! its customers' too, for the box's length, and the box's refusals become most of the
//! bank's (a trial's random offsets at the shipped `penalty-box` preset, 1.5 calls a second
//! against a bucket of 2, covered 29 % of its connections a day, and `check` said "ok").
//! The rate limits' counterpart of the caps' notes (`caps.rs`).
//!
//! Random offsets' calls arrive at a bank as a Poisson stream. A token bucket refuses them
//! as an M/D/1/K queue loses its arrivals ([`crate::stats::token_bucket_loss`]), a fixed
//! window those past its limit ([`crate::stats::fixed_window_loss`]); checked against the
//! simulated 429s without the box. A queue's, pools' and a pace over every bank's calls at
//! one bank (each connection's bank drawn at random) are read the same way, at the rate
//! they offer while they work: rougher (a queue's calls come more evenly than Poisson's,
//! and its slots are not always full), so only random offsets' notes give a count. A pace
//! per bank meters its calls evenly: under the limit's rate it never empties the bucket,
//! and over it `paces_over_limits` speaks. These count the background's first attempts only
//! (customers' calls and retries add to them). Sliding windows and limits of some hours or
//! days only are not read.

use super::super::Scenario;
use super::caps::{closes, penalty};
use crate::bank::{Bank, Limit};
use crate::stats::{fixed_window_loss, token_bucket_loss};
use crate::strategy::Strategy;
use crate::time::SimDuration;

/// A bank's rate limit of every hour that counts background calls, in admissions (refreshes).
enum Steady {
    Bucket { rate: f64, depth: u32 },
    Window { limit: u32, window: SimDuration },
}

/// What a client offers one bank: in words, its refreshes a second while it works (`None`
/// for bulk: all at once), and whether the figure is random offsets' Poisson stream.
struct Offer {
    who: String,
    rate: Option<f64>,
    poisson: bool,
}

impl Scenario {
    /// Clients whose calls a day would find a boxed bank's token bucket empty or its fixed
    /// window spent once or more (as often as the box's threshold asks), with the client that
    /// keeps within it.
    pub fn past_boxed_rates(&self) -> Vec<String> {
        (self.banks.iter().enumerate())
            .filter_map(|(b, bank)| {
                let boxed = penalty(bank)?;
                let limit = steady(bank)?;
                let offer = self.offer(b)?;
                let refused = self.refused_a_day(b, &offer, &limit)?;
                closes(refused, boxed.threshold()).then(|| {
                    let count = match offer.poisson {
                        true => format!(
                            "without the box, about {refused} of its calls a day would find {}, \
                             and ",
                            limit.spent()
                        ),
                        false => String::new(),
                    };
                    let shuts = match boxed.threshold() {
                        None => "a refusal shuts".to_string(),
                        Some((n, within)) => format!("{n} refusals within {within} shut"),
                    };
                    let offers = offer.rate.map_or(String::new(), |r| {
                        format!(", offering about {r:.2} refreshes a second")
                    });
                    format!(
                        "{}: {}{offers} against {}, behind a penalty box of {}: {count}{shuts} \
                         the bank to every call, its customers' too, for that long (a pace per \
                         bank under the limit's rate, strategy.kind = \"paced\", whose calls \
                         come evenly, keeps within it)",
                        bank.name,
                        offer.who,
                        limit.words(),
                        boxed.longest_wait()
                    )
                })
            })
            .collect()
    }

    /// What the client offers bank `b`; `None` for a client that meters its calls there.
    fn offer(&self, b: usize) -> Option<Offer> {
        let share = self.banks[b].share;
        let hold = |bank: &Bank| self.slot_hold_secs(bank);
        let (who, rate, poisson) = match &self.strategy {
            Strategy::RandomOffset => ("random offsets".into(), self.calls_per_sec(b), true),
            Strategy::Paced {
                per_bank: false,
                rate,
                ..
            } => {
                let r = rate.map_or(self.calls_per_sec(b), |r| r * share);
                ("a pace over every bank".into(), r, false)
            }
            &Strategy::Queued { concurrency: c } => {
                let shares: f64 = self.banks.iter().map(|b| b.share).sum();
                let mean: f64 = self.banks.iter().map(|b| b.share * hold(b)).sum::<f64>();
                let all = self.background_slots(c) * shares / mean.max(f64::MIN_POSITIVE);
                let who = format!("a queue of {c} slots over every bank");
                (who, all * share / shares.max(f64::MIN_POSITIVE), false)
            }
            Strategy::PerBank { pools } => {
                let who = format!("a pool of {} slots", pools[b]);
                (
                    who,
                    self.background_slots(pools[b]) / hold(&self.banks[b]),
                    false,
                )
            }
            Strategy::Aimd(rule) => {
                let who = format!("aimd's slots, which grow to {}", rule.max);
                (who, rule.max as f64 / hold(&self.banks[b]), false)
            }
            Strategy::Bulk => {
                let who = "bulk, every connection submitted at once".into();
                return Some(Offer {
                    who,
                    rate: None,
                    poisson: false,
                });
            }
            _ => return None,
        };
        Some(Offer {
            who,
            rate: Some(rate),
            poisson,
        })
    }

    /// The background's first attempts a day at bank `b` that `limit` would refuse, rounded
    /// (`None` under one): the refreshes due a day, or as many as the client's rate reaches.
    fn refused_a_day(&self, b: usize, offer: &Offer, limit: &Steady) -> Option<u64> {
        let due = self.banks[b].share * self.connections as f64 * 86_400.0
            / self.schedule.period.as_secs_f64().max(1.0);
        let refused = match offer.rate {
            // Bulk: the bank's connections at once, past a full bucket or a window's limit.
            None => (self.banks[b].share * self.connections as f64 - limit.at_once()).max(0.0),
            Some(rate) => due.min(rate * 86_400.0) * limit.loss(rate),
        };
        (refused >= 1.0).then_some(refused.round() as u64)
    }
}

impl Steady {
    /// The share of a Poisson stream at `rate` refreshes a second it refuses.
    fn loss(&self, rate: f64) -> f64 {
        match *self {
            Steady::Bucket { rate: r, depth } => token_bucket_loss(rate / r, depth),
            Steady::Window { limit, window } => {
                fixed_window_loss(rate * window.as_secs_f64(), limit)
            }
        }
    }

    /// The most it admits at once.
    fn at_once(&self) -> f64 {
        match *self {
            Steady::Bucket { depth, .. } => depth as f64,
            Steady::Window { limit, .. } => limit as f64,
        }
    }

    fn words(&self) -> String {
        match self {
            Steady::Bucket { rate, depth } => {
                format!("its token bucket of {rate:.2} a second (burst {depth})")
            }
            Steady::Window { limit, window } => {
                format!("its fixed window of {limit} every {window}")
            }
        }
    }

    fn spent(&self) -> &'static str {
        match self {
            Steady::Bucket { .. } => "the bucket empty",
            Steady::Window { .. } => "the window spent",
        }
    }
}

/// The bank's first token bucket or fixed window that holds every hour and counts the
/// background's calls (alone or with its customers').
fn steady(bank: &Bank) -> Option<Steady> {
    bank.limits.iter().find_map(|l| {
        let limit = match l {
            Limit::Only {
                present: false,
                inner,
            } => inner,
            l => l,
        };
        match limit {
            Limit::TokenBucket(t) => Some(Steady::Bucket {
                rate: t.rate() / t.calls() as f64,
                depth: t.most_in(SimDuration::ZERO) as u32,
            }),
            Limit::FixedWindow(w) => {
                let (limit, window) = (w.admissions().0, w.limit().1);
                Some(Steady::Window { limit, window })
            }
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use crate::scenario;

    /// `connections` over two banks, `bs` (40 %, calls of 9 s on average, behind `limits`)
    /// and `big` (calls of 5 s).
    fn with(connections: u32, strategy: &str, limits: &str) -> scenario::Scenario {
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

    const BOX: &str = r#"{ kind = "penalty_box", duration = "2m" }"#;
    const OFFSETS: &str = "kind = \"random_offset\"";

    /// The count a note gives: the number after "without the box, about".
    fn count(note: &str) -> f64 {
        let after = note.split("without the box, about ").nth(1).unwrap();
        after.split(' ').next().unwrap().parse().unwrap()
    }

    /// Asserts that `said` is the bank's calls a day refused without the box, simulated: a
    /// connection keeps its offset every day, so each seed is one draw of the day; their
    /// mean within 4 standard errors (and 10 %).
    fn matches_simulated(said: f64, limit: &str) {
        let days: Vec<f64> = (1..=8)
            .map(|seed| {
                let run = crate::sim::run(&with(90_000, OFFSETS, limit), seed);
                run.summary(Some(0)).tally.rate_limited as f64 / 2.0
            })
            .collect();
        let e = crate::stats::Estimate::of(&days).unwrap();
        let se = e.sd.unwrap() / (days.len() as f64).sqrt();
        let off = (said - e.mean).abs();
        assert!(
            off < 4.0 * se && off < 0.1 * said,
            "{said} said, {days:?} simulated"
        );
    }

    /// Random offsets' refusals by a token bucket (an M/D/1/K queue's loss) and by a fixed
    /// window (a Poisson count past its limit) match the simulated 429s without the box.
    #[test]
    fn random_offsets_past_a_boxed_rate_are_counted() {
        // 36,000 a day at bs: 0.4167 a second against 0.5, burst 5, lose 4.38 %: 1,576.
        let bucket = r#"{ kind = "token_bucket", rate = 0.5, burst = 5 }"#;
        let n = with(90_000, OFFSETS, &format!("{bucket}, {BOX}")).past_boxed_rates();
        assert_eq!(n.len(), 1, "{n:?}");
        assert!(
            n[0].starts_with(
                "bs: random offsets, offering about 0.42 refreshes a second against its token \
                 bucket of 0.50 a second (burst 5), behind a penalty box of 2m: without the box, \
                 about 1576 of its calls"
            ),
            "{n:?}"
        );
        assert!(
            n[0].contains("empty, and a refusal shuts the bank to every call"),
            "{n:?}"
        );
        matches_simulated(count(&n[0]), bucket);
        // 25 calls a minute on average against 30 a minute.
        let window = r#"{ kind = "fixed_window", limit = 30, window = "1m" }"#;
        let w = with(90_000, OFFSETS, &format!("{window}, {BOX}")).past_boxed_rates();
        assert!(
            w[0].contains("its fixed window of 30 every 1m, behind"),
            "{w:?}"
        );
        matches_simulated(count(&w[0]), window);
        // A tenth of the book loses about one call in a million a day; no box, no note.
        assert!(with(9_000, OFFSETS, &format!("{bucket}, {BOX}"))
            .past_boxed_rates()
            .is_empty());
        assert!(with(90_000, OFFSETS, bucket).past_boxed_rates().is_empty());
        // A box waiting for 30 refusals a minute is rarely reached by 1.1 a minute.
        let patient = r#"{ kind = "penalty_box", duration = "2m", after = 30, within = "1m" }"#;
        assert!(with(90_000, OFFSETS, &format!("{bucket}, {patient}"))
            .past_boxed_rates()
            .is_empty());
        // A bucket of customers' calls only leaves the background alone; one of unattended
        // calls only does not.
        let of = |who: &str| {
            let b = format!(
                r#"{{ kind = "token_bucket", rate = 0.5, burst = 5, applies_to = "{who}" }}"#
            );
            with(90_000, OFFSETS, &format!("{b}, {BOX}")).past_boxed_rates()
        };
        assert!(of("customer_present").is_empty());
        assert_eq!(count(&of("unattended")[0]), 1576.0);
    }

    /// Queues, pools, AIMD, a pace over every bank and bulk are noted without a count; a pace
    /// per bank, whose calls come evenly, and clients offering little are not.
    #[test]
    fn other_clients_past_a_boxed_rate_are_noted() {
        let limits = format!(r#"{{ kind = "token_bucket", rate = 0.5, burst = 5 }}, {BOX}"#);
        let noted = |n: u32, strategy: &str| with(n, strategy, &limits).past_boxed_rates();
        let q = noted(90_000, "kind = \"queued\"\nconcurrency = 16");
        assert!(q[0].starts_with("bs: a queue of 16 slots over every bank, offering about"));
        assert!(!q[0].contains("without the box"), "{q:?}");
        assert!(noted(90_000, "kind = \"queued\"\nconcurrency = 1").is_empty());
        let pools = noted(90_000, "kind = \"per_bank\"\nconcurrency = 8");
        assert!(pools[0].starts_with("bs: a pool of 8 slots"), "{pools:?}");
        let aimd = noted(90_000, "kind = \"aimd\"");
        assert!(
            aimd[0].starts_with("bs: aimd's slots, which grow to"),
            "{aimd:?}"
        );
        let over_all = noted(90_000, "kind = \"paced\"\nper_bank = false\nrate = 1.04");
        assert!(over_all[0].starts_with("bs: a pace over every bank, offering about 0.42"));
        assert!(noted(90_000, "kind = \"paced\"").is_empty());
        let bulk = noted(90_000, "kind = \"bulk\"");
        assert!(bulk[0].starts_with("bs: bulk, every connection submitted at once against"));
        assert!(noted(10, "kind = \"bulk\"").is_empty());
    }
}
