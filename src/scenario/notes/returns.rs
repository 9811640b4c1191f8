//! Retries told to come back when a bank's maintenance window ends: its Retry-After is the
//! window's end, so every refusal in it comes back in that second, with no jitter, against
//! the bank's other limits (a trial's retries through a 10-hour outage drew 84,422 429s in
//! the minute it ended; its nightly 00:30–02:30 window, 18,872 at 02:30 each night, and
//! `check` said nothing).
//!
//! Said where the client sends background calls into the window (every day's, windows that
//! touch read as one, or one on days within the run) and more come back than the bank's
//! other limits admit at once: a token bucket's burst, a window's limit, a concurrency cap.
//! Random offsets, and a pace over the period whose retries hold its slots, send the
//! window's share of the day's refreshes; bulk its whole book, where a period starts inside the window; a queue (one, or
//! a bank's own pool) where a pass reaches the window, its slots each holding a refused
//! refresh through the wait (`retry.backoff_slot = "hold"`), so no more than its slots.
//! Not read: clients with slots that free them (their refused refreshes come back through
//! the slots, not together: a review's queue saw none at the window's end), a pace with its
//! own rate or profile, AIMD. A client pausing on the Retry-After sends none into the
//! window (its own notes).

use super::super::Scenario;
use super::maintenance::span_words;
use crate::bank::capacity::day_list;
use crate::bank::{Bank, Limit, MaintenanceMode, RetryAfter};
use crate::numbers::thousands;
use crate::strategy::Strategy;
use crate::time::{daily_overlap, SimDuration, DAY_US};

/// A closed window: its hours (the end past a day where it runs over midnight) and the
/// days it opens on (`None`: every day).
type Closed = ((u64, u64), Option<Vec<u32>>);

impl Scenario {
    /// Each bank's closed windows whose refusals come back at their end in a crowd larger
    /// than its other limits admit at once.
    pub fn maintenance_returns(&self) -> Vec<String> {
        let r = &self.retry;
        let told = r.enabled() && r.on_rate_limited && r.honour_retry_after;
        let pausing = self.schedule.pause_on_retry_after
            && !matches!(self.strategy, Strategy::Bulk | Strategy::RandomOffset);
        if !told || r.retry_after_jitter > SimDuration::ZERO || pausing {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (b, bank) in self.banks.iter().enumerate() {
            let Some((room, limit)) = room(bank) else {
                continue;
            };
            if bank.retry_after != RetryAfter::Policy {
                continue;
            }
            for (window, days) in self.closed_windows(bank) {
                let Some((crowd, words)) = self.crowd(b, window) else {
                    continue;
                };
                if crowd <= room {
                    continue;
                }
                let on = days.map_or(String::new(), |d| format!(" on {}", day_list(&d)));
                let end = SimDuration(of_day(window.1)).time_of_day();
                out.push(format!(
                    "bank `{}`: its maintenance window{on} ({}) answers with a Retry-After of \
                     its end, and retries honour it with no jitter (retry.retry_after_jitter = \
                     \"0s\"), so the refusals in it ({words}) come back together at {end}, \
                     more than {limit} admits at once (a trial's 10-hour outage drew 84,422 \
                     429s in the minute it ended); a retry.retry_after_jitter of some minutes \
                     spreads them (under a per-connection quota, into the next refreshes: \
                     weigh both)",
                    bank.name,
                    span_words((window.0, of_day(window.1))),
                ));
            }
        }
        out
    }

    /// The bank's closed windows counting background calls: the every-day ones (those that
    /// touch joined, across midnight too: a file writes a night's as 23:00–24:00 and
    /// 00:00–01:00), then each on days within the run.
    fn closed_windows(&self, bank: &Bank) -> Vec<Closed> {
        let mut daily: Vec<(u64, u64)> = Vec::new();
        let mut dated: Vec<Closed> = Vec::new();
        for l in &bank.limits {
            let Limit::Maintenance(m) = l.unscoped() else {
                continue;
            };
            if m.window().1 != MaintenanceMode::Reject || !l.counts(false) {
                continue;
            }
            match m.every_day() {
                true => daily.push(m.span_us()),
                false => {
                    let days = self.days_in_run(m.days(), m.span_us());
                    if !days.is_empty() {
                        dated.push((m.span_us(), Some(days)));
                    }
                }
            }
        }
        daily.sort_unstable();
        let mut joined: Vec<(u64, u64)> = Vec::new();
        for (from, to) in daily {
            match joined.last_mut() {
                Some(last) if from <= last.1 => last.1 = last.1.max(to),
                _ => joined.push((from, to)),
            }
        }
        // One ending at midnight and one starting then are one night's.
        if joined.len() > 1 && joined[0].0 == 0 && joined[joined.len() - 1].1 == DAY_US {
            let first = joined.remove(0);
            joined.last_mut().expect("two or more").1 = DAY_US + first.1;
        }
        (joined.into_iter().map(|w| (w, None)))
            .chain(dated)
            .collect()
    }

    /// The refreshes of bank `b` the client sends into `window` a day that come back at its
    /// end together, and in words; `None` where it sends none, or they do not come back
    /// together (a client with slots that frees them: its refused refreshes come back
    /// through its slots), or it is not read (a pace with its own rate or profile).
    fn crowd(&self, b: usize, window: (u64, u64)) -> Option<(f64, String)> {
        let bank = &self.banks[b];
        let due = self.due_a_day(b);
        let band = self.schedule.band_or_day();
        let spread = (band.1 - band.0).max(1) as f64;
        let held = self.retry.hold_slot;
        let some = |n: f64, words: String| (n >= 0.5).then_some((n, words));
        match &self.strategy {
            Strategy::RandomOffset => {
                let n = due * overlap(band, window) as f64 / spread;
                some(
                    n,
                    format!(
                        "random offsets send about {} refreshes into it",
                        thousands(n)
                    ),
                )
            }
            Strategy::Paced {
                rate: None,
                rates,
                profiles,
                ..
            } if held && rates.get(b).copied().flatten().is_none() && profiles.of(b).is_none() => {
                let n = due * overlap(band, window) as f64 / spread;
                some(
                    n,
                    format!("a pace sends about {} refreshes into it", thousands(n)),
                )
            }
            Strategy::Bulk => {
                let inside =
                    (self.starts(1, false).iter()).any(|&t| overlap((t, t + 1), window) > 0);
                let n = bank.share * self.connections as f64;
                (inside && n > 0.0)
                    .then(|| (n, format!("bulk's {} refreshes, all of them", thousands(n))))
            }
            &Strategy::Queued { concurrency } if held => {
                let (pass, _) = self.pass()?;
                self.passes_meet(pass.as_micros(), window)
                    .then(|| slots_words(self.background_slots(concurrency) as u32))
            }
            Strategy::PerBank { pools } if held => {
                let pass = self.pass_work()[b] / self.background_slots(pools[b]);
                self.passes_meet((pass * 1e6) as u64, window)
                    .then(|| slots_words(self.background_slots(pools[b]) as u32))
            }
            _ => None,
        }
    }

    /// Whether a queue's passes of `pass` microseconds, one from each period's start (or
    /// its band's), meet `window`: all day where it loops or the pass fills the band.
    fn passes_meet(&self, pass: u64, window: (u64, u64)) -> bool {
        let band = self.schedule.band_or_day();
        let whole = band.1 - band.0;
        if self.schedule.looping || pass >= whole {
            return overlap(band, window) > 0;
        }
        (self.starts(pass, true).iter()).any(|&from| overlap((from, from + pass), window) > 0)
    }

    /// The instants of the day a period starts (or its band, where the client keeps to it:
    /// bulk does not), from the window's start: several where the period is shorter than a
    /// day, each with `span` after it kept within two days for [`overlap`].
    fn starts(&self, span: u64, banded: bool) -> Vec<u64> {
        let start = match self.schedule.band_micros().filter(|_| banded) {
            Some((from, _)) => from,
            None => self.window_start.as_micros() % DAY_US,
        };
        let period = self.schedule.period.as_micros().max(1);
        (0..DAY_US.div_ceil(period).max(1))
            .map(|k| (start + k * period) % DAY_US)
            .filter(|&t| t + span <= 2 * DAY_US)
            .collect()
    }
}

/// A client whose slots each hold a refused refresh until the window ends: no more come
/// back than its slots (those kept for customers' priority lane apart).
fn slots_words(slots: u32) -> (f64, String) {
    let words = format!("up to its {slots} slots' refreshes, each slot held");
    (slots as f64, words)
}

/// The most refreshes the bank's other limits counting background calls admit at once, and
/// that limit in words: the smallest of a token bucket's burst, a window's limit and a
/// concurrency cap (`None` without any: a crowd then meets nothing).
fn room(bank: &Bank) -> Option<(f64, String)> {
    (bank.limits.iter())
        .filter(|l| l.counts(false))
        .filter_map(|l| match l.unscoped() {
            Limit::TokenBucket(t) => {
                let at_once = t.most_in(SimDuration::ZERO).floor();
                let refreshes = match t.calls() {
                    1 => String::new(),
                    _ => format!(" calls ({at_once} refreshes)"),
                };
                let words = format!("its token bucket's burst of {}{refreshes}", t.burst());
                Some((at_once, words))
            }
            Limit::FixedWindow(w) => Some((
                w.admissions().0 as f64,
                format!("its fixed window's {} a {}", w.limit().0, w.limit().1),
            )),
            Limit::SlidingWindow(w) => Some((
                w.admissions().0 as f64,
                format!("its sliding window's {} a {}", w.limit().0, w.limit().1),
            )),
            Limit::Concurrency(c) => Some((
                c.max_in_flight() as f64,
                format!("its concurrency cap of {}", c.max_in_flight()),
            )),
            _ => None,
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
}

/// An instant of the day from one up to two days on (a window's end past midnight); 24:00
/// stays itself.
fn of_day(us: u64) -> u64 {
    if us > DAY_US {
        us - DAY_US
    } else {
        us
    }
}

/// The time of `span` (of the day, its end up to two days) within `window` (likewise), each
/// day.
fn overlap(span: (u64, u64), window: (u64, u64)) -> u64 {
    let parts = |(a, b): (u64, u64)| match b > DAY_US {
        true => vec![(a, DAY_US), (0, b - DAY_US)],
        false => vec![(a, b)],
    };
    let (spans, windows) = (parts(span), parts(window));
    (spans.iter())
        .flat_map(|&s| windows.iter().map(move |&w| daily_overlap(s, w)))
        .sum()
}

#[cfg(test)]
mod tests {
    use crate::scenario;

    /// 10,000 connections from `start`, half at `m` (the nightly-maintenance preset: closed
    /// 01:00–03:00, a cap of 10, unless `limits` replaces them), retries of `retry`.
    fn returns(start: &str, strategy: &str, retry: &str, limits: &str) -> Vec<String> {
        let text = format!(
            "[window]\nstart = \"{start}\"\nlength = \"2d\"\n[population]\n\
             connections = 10000\n[strategy]\n{strategy}\n[retry]\n{retry}\n\
             [[banks]]\nname = \"m\"\nshare = 0.5\npreset = \"nightly-maintenance\"\n{limits}\n\
             [[banks]]\nname = \"open\"\nshare = 0.5\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
        );
        let sc = scenario::parse(&text, "inline", "t", &[]).unwrap();
        let (notes, returns) = (sc.notes(), sc.maintenance_returns());
        assert!(returns.iter().all(|n| notes.contains(n)), "{notes:?}");
        returns
    }

    const OFFSETS: &str = "kind = \"random_offset\"";
    const THREE: &str = "max_attempts = 3";

    /// Random offsets send the window's share of the day's refreshes (5,000 over 01:00–03:00:
    /// 417), more than the cap of 10: noted with the window and its end; not where a jitter
    /// spreads them, nothing retries, the band misses the window, no other limit meets the
    /// crowd or it is within one, or a dated window falls outside the run.
    #[test]
    fn retries_returning_at_a_windows_end_are_noted() {
        let n = returns("00:00", OFFSETS, THREE, "");
        assert_eq!(n.len(), 1, "{n:?}");
        assert!(
            n[0].starts_with(
                "bank `m`: its maintenance window (01:00–03:00) answers with a Retry-After of \
                 its end, and retries honour it with no jitter (retry.retry_after_jitter = \
                 \"0s\"), so the refusals in it (random offsets send about 417 refreshes into \
                 it) come back together at 03:00, more than its concurrency cap of 10 admits \
                 at once"
            ),
            "{n:?}"
        );
        let spread = format!("{THREE}\nretry_after_jitter = \"5m\"");
        assert!(returns("00:00", OFFSETS, &spread, "").is_empty());
        assert!(returns("00:00", OFFSETS, "max_attempts = 1", "").is_empty());
        let by_day = "kind = \"random_offset\"\nhours = [\"06:00\", \"22:00\"]";
        assert!(returns("00:00", by_day, THREE, "").is_empty());
        let alone = r#"limits = [{ kind = "maintenance", start = "01:00", end = "03:00" }]"#;
        assert!(returns("00:00", OFFSETS, THREE, alone).is_empty());
        let deep = r#"limits = [{ kind = "maintenance", start = "01:00", end = "03:00" },
                      { kind = "token_bucket", rate = 100.0, burst = 1000 }]"#;
        assert!(returns("00:00", OFFSETS, THREE, deep).is_empty());
        let dated = |day: u32| {
            format!(
                r#"limits = [{{ kind = "maintenance", start = "01:00", end = "03:00", days = [{day}] }},
                   {{ kind = "concurrency", max_in_flight = 10 }}]"#
            )
        };
        let on = returns("00:00", OFFSETS, THREE, &dated(1));
        assert!(on[0].contains("window on day 1 (01:00–03:00)"), "{on:?}");
        assert!(returns("00:00", OFFSETS, THREE, &dated(5)).is_empty());
        // A night written as two windows that touch at midnight is one, ending at 01:00.
        let night = r#"limits = [{ kind = "maintenance", start = "23:00", end = "24:00" },
                       { kind = "maintenance", start = "00:00", end = "01:00" },
                       { kind = "concurrency", max_in_flight = 10 }]"#;
        let one = returns("00:00", OFFSETS, THREE, night);
        assert!(
            one.len() == 1
                && one[0].contains("window (23:00–01:00)")
                && one[0].contains("come back together at 01:00"),
            "{one:?}"
        );
    }

    /// Bulk only where it submits inside the window; a queue only where its pass (about an
    /// hour here) reaches the window, and holding its slots, only where they outnumber the
    /// cap; freeing them, the refreshes it sends in.
    #[test]
    fn bulk_and_queues_returning_at_a_windows_end() {
        assert!(returns("00:00", "kind = \"bulk\"", THREE, "").is_empty());
        let bulk = returns("01:30", "kind = \"bulk\"", THREE, "");
        assert!(
            bulk[0].contains("(bulk's 5,000 refreshes, all of them)"),
            "{bulk:?}"
        );
        let queue = |c: u32| format!("kind = \"queued\"\nconcurrency = {c}");
        // From midnight the pass is over before 01:00.
        assert!(returns("00:00", &queue(40), THREE, "").is_empty());
        let q = returns("00:50", &queue(40), THREE, "");
        assert!(
            q[0].contains("(up to its 40 slots' refreshes, each slot held)"),
            "{q:?}"
        );
        assert!(returns("00:50", &queue(8), THREE, "").is_empty());
        // Freed slots send the refused refreshes back through them, not together.
        let free = format!("{THREE}\nbackoff_slot = \"free\"");
        assert!(returns("00:50", &queue(40), &free, "").is_empty());
        // Every 12 h from 14:00: the second pass starts at 02:00; bulk every 6 h from 20:00
        // submits at 02:00.
        let twice = format!("{}\nperiod = \"12h\"", queue(40));
        assert!(!returns("14:00", &twice, THREE, "").is_empty());
        assert!(returns("15:00", &twice, THREE, "").is_empty());
        let bulk = "kind = \"bulk\"\nperiod = \"6h\"";
        assert!(!returns("20:00", bulk, THREE, "").is_empty());
        assert!(returns("21:30", bulk, THREE, "").is_empty());
        // Bulk ignores a band: it submits at the window's start still.
        let banded = "kind = \"bulk\"\nhours = [\"06:00\", \"20:00\"]";
        assert!(!returns("01:30", banded, THREE, "").is_empty());
        // A bank's own pool: its pass, not the slowest pool's (the open bank's pool of 1
        // takes all day; m's of 200 is done before 01:00).
        let pools = "kind = \"per_bank\"\npools = { m = 200, open = 1 }";
        assert!(returns("00:00", pools, THREE, "").is_empty());
        let pools = "kind = \"per_bank\"\npools = { m = 20, open = 1 }";
        assert!(!returns("00:50", pools, THREE, "").is_empty());
        // A pace over the period is read; one with its own profile is not.
        assert!(!returns("00:00", "kind = \"paced\"", THREE, "").is_empty());
        let night_off = format!(
            "kind = \"paced\"\npace_profile = [1, 0, 0, {}]",
            ["1"; 21].join(", ")
        );
        assert!(returns("00:00", &night_off, THREE, "").is_empty());
    }
}
