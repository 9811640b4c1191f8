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
//! (customers' calls and retries add to them). A box waiting for several refusals within a
//! span is not read: a rate limit's refusals come in bunches while it is spent, so the caps'
//! count of random ones misses it (a review's 3,209 a day reached 9 within a minute, failing
//! 11 % of the bank's calls), and a day holding that many over-reads it (13 a day never did).
//! Sliding windows and limits of some hours or days only are not read either.

use super::super::Scenario;
use super::caps::penalty;
use crate::bank::{Bank, Limit};
use crate::stats::{fixed_window_loss, token_bucket_loss};
use crate::strategy::Strategy;
use crate::time::SimDuration;

/// A bank's rate limit of every hour that counts background calls, as the file gives it (in
/// calls) and the calls a refresh spends.
enum Steady {
    Bucket {
        rate: f64,
        burst: u64,
        calls: u32,
    },
    Window {
        limit: u32,
        window: SimDuration,
        calls: u32,
    },
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
    /// window spent once or more (as many times as the box's threshold asks), with the client
    /// that keeps within it.
    pub fn past_boxed_rates(&self) -> Vec<String> {
        (self.banks.iter().enumerate())
            .filter_map(|(b, bank)| {
                // (A box waiting for several refusals: see the module's comment.)
                let boxed = penalty(bank).filter(|b| b.threshold().is_none())?;
                let limit = steady(bank)?;
                let offer = self.offer(b)?;
                let refused = self.refused_a_day(b, &offer, &limit)?;
                Some({
                    let count = match offer.poisson {
                        true => format!(
                            "without the box, about {refused} of its refreshes a day would find \
                             {}, and ",
                            limit.spent()
                        ),
                        false => String::new(),
                    };
                    let offers = offer.rate.map_or(String::new(), |r| {
                        format!(", offering about {r:.2} refreshes a second")
                    });
                    format!(
                        "{}: {}{offers} against {}, behind a penalty box of {}: {count}a refusal \
                         shuts the bank to every call, its customers' too, for that long (a pace per \
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
        let due = self.due_a_day(b);
        let refused = match offer.rate {
            // Bulk: the bank's connections at once, past a full bucket or a window's limit.
            None => (self.banks[b].share * self.connections as f64 - limit.at_once()).max(0.0),
            Some(rate) => due.min(rate * 86_400.0) * limit.loss(rate, due, self.band_secs()),
        };
        (refused >= 1.0).then_some(refused.round() as u64)
    }
}

impl Scenario {
    /// The seconds of each day the client sends in: its band's, or the whole day's.
    fn band_secs(&self) -> f64 {
        let (from, to) = self.schedule.band_or_day();
        (to - from) as f64 / 1e6
    }
}

impl Steady {
    /// The share of a Poisson stream of refreshes at `rate` a second, `due` a day sent over
    /// `band` seconds of each day, that it refuses. A bucket `burst / calls` refreshes deep
    /// (GCRA's depth, which may fall between two whole ones: the loss between theirs); a
    /// window of a day or more holds its days' refreshes, a shorter one its span's at the
    /// rate, the band's at most.
    fn loss(&self, rate: f64, due: f64, band: f64) -> f64 {
        match *self {
            Steady::Bucket {
                rate: r,
                burst,
                calls,
            } => {
                let (load, depth) = (rate * calls as f64 / r, burst as f64 / calls as f64);
                let (low, high) = (depth.floor(), depth.ceil());
                let at = |d: f64| token_bucket_loss(load, d as u32);
                at(low) + (depth - low) * (at(high) - at(low))
            }
            Steady::Window {
                limit,
                window,
                calls,
            } => {
                let (w, day) = (window.as_secs_f64(), 86_400.0);
                let mean = match w >= day {
                    true => due * w / day,
                    false => rate * w.min(band),
                };
                fixed_window_loss(mean, limit / calls)
            }
        }
    }

    /// The most refreshes it admits at once.
    fn at_once(&self) -> f64 {
        match *self {
            Steady::Bucket { burst, calls, .. } => burst as f64 / calls as f64,
            Steady::Window { limit, calls, .. } => (limit / calls) as f64,
        }
    }

    /// As the file gives it, and in refreshes where one spends several calls.
    fn words(&self) -> String {
        match *self {
            Steady::Bucket { rate, burst, calls } => {
                let per = match calls {
                    1 => String::new(),
                    k => format!(
                        ", {:.2} refreshes of {k} calls a second, {} at once",
                        rate / k as f64,
                        burst / k as u64
                    ),
                };
                format!("its token bucket of {rate:.2} calls a second (burst {burst}{per})")
            }
            Steady::Window {
                limit,
                window,
                calls,
            } => {
                let per = match calls {
                    1 => String::new(),
                    k => format!(" ({} refreshes of {k} calls)", limit / k),
                };
                format!("its fixed window of {limit} calls every {window}{per}")
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
                rate: t.rate(),
                burst: t.burst(),
                calls: t.calls(),
            }),
            Limit::FixedWindow(w) => {
                let ((limit, window), calls) = (w.limit(), w.admissions().1);
                Some(Steady::Window {
                    limit,
                    window,
                    calls,
                })
            }
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use crate::scenario;

    use super::super::caps::tests::with;

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
                 bucket of 0.50 calls a second (burst 5), behind a penalty box of 2m: without \
                 the box, \
                 about 1576 of its refreshes"
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
            w[0].contains("its fixed window of 30 calls every 1m, behind"),
            "{w:?}"
        );
        matches_simulated(count(&w[0]), window);
        // A tenth of the book loses about one call in a million a day; no box, no note.
        assert!(with(9_000, OFFSETS, &format!("{bucket}, {BOX}"))
            .past_boxed_rates()
            .is_empty());
        assert!(with(90_000, OFFSETS, bucket).past_boxed_rates().is_empty());
        // A box waiting for several refusals within a span is not read (their bunches).
        let waits = r#"{ kind = "penalty_box", duration = "2m", after = 9, within = "1m" }"#;
        assert!(with(90_000, OFFSETS, &format!("{bucket}, {waits}"))
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

    /// The bucket's loss ([`crate::stats::token_bucket_loss`], an M/D/1/K queue's) against
    /// the bank's own token bucket fed a Poisson stream, at depths 3 to 8 and loads under,
    /// near and over its rate: within 4 standard errors of 20 batches' means.
    #[test]
    fn a_buckets_loss_matches_the_bank_policy() {
        use crate::bank::token_bucket::TokenBucket;
        use crate::rng::{Purpose, Streams};
        use crate::time::SimTime;
        use rand_distr::{Distribution, Exp};
        for (i, (depth, load)) in [(3, 0.5), (4, 0.9), (5, 0.75), (6, 1.2), (8, 0.95), (8, 2.0)]
            .into_iter()
            .enumerate()
        {
            let mut rng = Streams::new(11).at(Purpose::Call, i as u32, 0);
            let gap = Exp::new(load).unwrap();
            let mut bucket = TokenBucket::new(1.0, depth);
            let mut now = 0.0;
            let batches: Vec<f64> = (0..20)
                .map(|_| {
                    let refused = (0..20_000)
                        .filter(|_| {
                            now += gap.sample(&mut rng);
                            let at = SimTime((now * 1e6) as u64);
                            let no = bucket.check(at).is_err();
                            if !no {
                                bucket.admit(at);
                            }
                            no
                        })
                        .count();
                    refused as f64 / 20_000.0
                })
                .collect();
            let e = crate::stats::Estimate::of(&batches).unwrap();
            let said = crate::stats::token_bucket_loss(load, depth);
            let se = e.sd.unwrap() / (20f64).sqrt();
            assert!(
                (said - e.mean).abs() < 4.0 * se + 1e-4,
                "depth {depth}, load {load}: {said} said, {} ± {se} simulated",
                e.mean
            );
        }
    }

    /// A bucket counted in refreshes of several calls says so, and its depth between two
    /// whole refreshes (burst 5 of 2 calls: 2.5) gives a loss between theirs; a window longer
    /// than the band holds the band's calls, not the window's share of a day's rate.
    #[test]
    fn refreshes_of_several_calls_and_banded_windows() {
        let bucket = r#"{ kind = "token_bucket", rate = 1.0, burst = 5 }"#;
        let text = |extra: &str, limits: &str| {
            format!(
                "[window]\nlength = \"2d\"\nwarmup = \"1d\"\n[population]\n\
                 connections = 90000\n[strategy]\n{OFFSETS}\n{extra}\n\
                 [[banks]]\nname = \"bs\"\nshare = 0.4\ncalls_per_refresh = 2\n\
                 service_time = {{ dist = \"constant\", value = \"5s\" }}\n\
                 limits = [{limits}]\n\
                 [[banks]]\nname = \"big\"\nshare = 0.6\n\
                 service_time = {{ dist = \"constant\", value = \"5s\" }}\n"
            )
        };
        let parse = |t: &str| scenario::parse(t, "inline", "t", &[]).unwrap();
        let n = parse(&text("", &format!("{bucket}, {BOX}"))).past_boxed_rates();
        assert!(
            n[0].contains(
                "its token bucket of 1.00 calls a second (burst 5, 0.50 refreshes of 2 calls \
                 a second, 2 at once)"
            ),
            "{n:?}"
        );
        let load = 0.4 * 90_000.0 / 86_400.0 / 0.5;
        let (two, three) = (
            crate::stats::token_bucket_loss(load, 2),
            crate::stats::token_bucket_loss(load, 3),
        );
        let want = 36_000.0 * (two + three) / 2.0;
        assert!((count(&n[0]) - want).abs() <= 1.0, "{n:?}: {want}");
        // 36,000 a day sent in 07:00–18:00 against a window of 50,000 refreshes a day: none;
        // every 6 h, 144,000 a day: the 94,000 past it.
        let day = r#"{ kind = "fixed_window", limit = 100000, window = "24h" }"#;
        let banded = text("hours = [\"07:00\", \"18:00\"]", &format!("{day}, {BOX}"));
        assert!(parse(&banded).past_boxed_rates().is_empty());
        let often = parse(&text("period = \"6h\"", &format!("{day}, {BOX}"))).past_boxed_rates();
        assert_eq!(count(&often[0]), 94_000.0, "{often:?}");
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
