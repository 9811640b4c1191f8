//! A refresh period shorter than the queue's pass: the next period begins with the last
//! pass unfinished, so refreshing more often refreshes no one more often (a trial's
//! `queued:period=12h` under a queue that covered 23 % a day changed coverage by −0.03
//! points and its API calls not at all, and nothing said why). And a band of hours shorter
//! than the pass: the book takes nights to get round (a trial's nightly queue of 64 in
//! 01:00–06:00 over 1,000,000 connections was checked "ok", each connection waiting about
//! 19 days for its turn).

use super::super::Scenario;
use crate::bank::quota::QuotaPeriod;
use crate::bank::Limit;
use crate::strategy::Strategy;
use crate::time::SimDuration;

impl Scenario {
    /// A queue (one pool, or a bank's own) whose pass over its connections takes longer
    /// than a period shorter than a day, about: each slot held a refresh's mean
    /// hold (`Scenario::slot_hold_secs`), no 429 or retry counted.
    pub fn period_past_passes(&self) -> Vec<String> {
        let period = self.schedule.period;
        // A looping queue's passes follow one another whatever the period.
        if self.schedule.looping {
            return Vec::new();
        }
        let Some((pass, who)) = self.pass() else {
            return Vec::new();
        };
        if pass <= period {
            return Vec::new();
        }
        if period >= SimDuration::from_hours(24) {
            return self.day_past_pass(pass, &who);
        }
        vec![format!(
            "strategy.period: {who} takes about {} to refresh its connections once (each \
             slot held a refresh's mean time: 429s and retries make it longer, connections \
             whose customers' own requests or lapsed consents leave them out shorter), longer than the period \
             of {period}: each period begins with the last pass unfinished, so refreshing more \
             often refreshes no one more often, and may cover less; more slots would, where the \
             banks let them through",
            hours(pass)
        )]
    }

    /// A daily queue (or one of days) whose pass takes longer than its period, the band of
    /// hours apart (its own note): each period starts with the last pass unfinished, so the
    /// queue works round the clock and comes round to each connection once a pass (a trial's
    /// queue of 32 over 650,000 connections, about 3 days a pass, was checked "ok" daily and
    /// noted only at a period of 12 h).
    fn day_past_pass(&self, pass: SimDuration, who: &str) -> Vec<String> {
        if self.schedule.hours.is_some() {
            return Vec::new();
        }
        let period = self.schedule.period;
        let share = period.as_secs_f64() / pass.as_secs_f64();
        vec![format!(
            "strategy.period: {who} takes about {} to refresh its connections once (each slot \
             held a refresh's mean time: 429s and retries make it longer, connections whose \
             customers' own requests or lapsed consents leave them out shorter), longer than the \
             period of {period}: each period begins with the last pass unfinished, so it comes \
             round to each connection about every {} instead, each waiting that long for its \
             turn, and refreshes at most about {:.0} % of them a period; more slots would, where \
             the banks let them through (`plan` gives what they let through)",
            hours(pass),
            hours(pass),
            100.0 * share
        )]
    }

    /// A queue kept to a band of hours whose pass over its connections takes longer than
    /// the band, about (as [`Scenario::period_past_passes`] counts it): it gets round
    /// the book only in several days.
    pub fn band_past_passes(&self) -> Vec<String> {
        let Some((from, to)) = self.schedule.band_micros() else {
            return Vec::new();
        };
        let Some((pass, who)) = self.pass() else {
            return Vec::new();
        };
        let band = SimDuration(to - from);
        if pass <= band {
            return Vec::new();
        }
        let days = pass.as_secs_f64() / band.as_secs_f64();
        vec![format!(
            "strategy.hours: {who} takes about {:.1} h of its band's time to refresh its \
             connections once (each slot held a refresh's mean time: 429s and retries make it \
             longer, connections whose customers' own requests or lapsed consents leave them \
             out shorter), longer than the band's {} a day: it gets round its connections in \
             about {days:.1} days, each waiting that long for its turn; more slots, or more hours, would, \
             where the banks let them through (`plan` gives what they let through in the band)",
            pass.as_hours_f64(),
            hours(band)
        )]
    }

    /// A looping queue, which comes round to each connection once a pass whatever its
    /// period, where its passes come more often a day (in its band, or round the clock) than
    /// a bank's per-connection quota allows: the passes past it are refused (a trial's looping
    /// queue of 256 in 07:00–18:00 over 180,000 feeds drew 20 % own 429s at two PSD2 banks,
    /// and `check` said "ok", as it says of a period past the quota). Banks of the same quota
    /// in one note.
    pub fn loop_past_quotas(&self) -> Vec<String> {
        if !self.schedule.looping {
            return Vec::new();
        }
        // Each bank's pass: the one queue's, or the bank's own pool's.
        let work = self.pass_work();
        let free = |slots: u32| self.background_slots(slots);
        let passes: Vec<(f64, String)> = match &self.strategy {
            Strategy::Queued { .. } => match self.pass() {
                Some((pass, who)) => vec![(pass.as_secs_f64(), who); self.banks.len()],
                None => return Vec::new(),
            },
            Strategy::PerBank { pools } => (work.iter().zip(pools))
                .map(|(w, &p)| (w / free(p), format!("its pool of {p} slots")))
                .collect(),
            _ => return Vec::new(),
        };
        let (day, within) = match self.schedule.band_micros() {
            Some((from, to)) => (SimDuration(to - from), "in its band"),
            None => (SimDuration::from_hours(24), "round the clock"),
        };
        let mut notes: Vec<(String, &str)> = Vec::new();
        for (bank, (pass, who)) in self.banks.iter().zip(passes) {
            let a_day = day.as_secs_f64() / pass.max(1e-6);
            let quota = (bank.limits.iter())
                .filter_map(|l| match l.unscoped() {
                    Limit::Quota(q) => Some(q),
                    _ => None,
                })
                .min_by_key(|q| q.k());
            let Some(q) = quota.filter(|q| a_day > q.k() as f64) else {
                continue;
            };
            let over = match q.period() {
                QuotaPeriod::Rolling => "rolling 24 h",
                QuotaPeriod::CalendarDay => "calendar day",
            };
            let note = format!(
                "{who} comes round to each connection about every {} (each slot held a \
                 refresh's mean time), about {a_day:.1} times a day {within}, more than the \
                 quota of {} accesses per connection per {over}",
                hours(SimDuration::from_secs_f64(pass)),
                q.k()
            );
            notes.push((note, &bank.name));
        }
        (super::by_note(notes).into_iter())
            .map(|(note, banks)| {
                format!(
                    "strategy.loop at {banks}: {note}: the passes past it are refused with 429s \
                     (quick ones, which hasten the next pass); fewer slots, or a period \
                     (strategy.loop = false), keep within it"
                )
            })
            .collect()
    }

    /// The slot-seconds a pass takes at each bank: its connections times a refresh's mean
    /// hold there.
    pub(super) fn pass_work(&self) -> Vec<f64> {
        let shares: f64 = (self.banks.iter().map(|b| b.share).sum::<f64>()).max(f64::MIN_POSITIVE);
        (self.banks.iter())
            .map(|b| self.connections as f64 * b.share / shares * self.slot_hold_secs(b))
            .collect()
    }

    /// About the time a queue's pass over its connections takes, at a refresh's mean hold (the
    /// slowest pool's, with pools per bank) over the slots not kept for customers, and the
    /// queue in words; `None` for a client without slots.
    pub(super) fn pass(&self) -> Option<(SimDuration, String)> {
        let work = self.pass_work();
        let free = |slots: u32| self.background_slots(slots);
        let (pass, who) = match &self.strategy {
            Strategy::Queued { concurrency } => (
                work.iter().sum::<f64>() / free(*concurrency),
                format!(
                    "a queue of {concurrency} slot{}",
                    if *concurrency == 1 { "" } else { "s" }
                ),
            ),
            Strategy::PerBank { pools } => {
                let (b, secs) = (work.iter().zip(pools))
                    .map(|(w, &p)| w / free(p))
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(&b.1))?;
                (
                    secs,
                    format!("bank `{}`'s pool of {} slots", self.banks[b].name, pools[b]),
                )
            }
            _ => return None,
        };
        Some((SimDuration::from_secs_f64(pass), who))
    }
}

impl Scenario {
    /// The slots of a pool of `slots` that background work may take: those kept for
    /// customers' priority lane apart (the pool's share, rounded down, as the pools keep
    /// them), at least one.
    pub(super) fn background_slots(&self, slots: u32) -> f64 {
        let reserved = (self.on_demand.as_ref()).map_or(0.0, |d| d.reserved);
        (slots - (reserved * slots as f64) as u32).max(1) as f64
    }
}

/// A span as people say it: "5.8 days", "14.2 h".
fn hours(d: SimDuration) -> String {
    let h = d.as_hours_f64();
    match h >= 48.0 {
        true => format!("{:.1} days", h / 24.0),
        false => format!("{h:.1} h"),
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario;

    /// 10,000 connections under a queue, each slot held about 10.4 s a refresh (0.4 s of
    /// overhead, the answer learned at the first poll, 10 s): a pass of about 7.2 h.
    fn noted(strategy: &str, period: &str) -> Vec<String> {
        let text = format!(
            "[window]\nlength = \"1d\"\n[population]\nconnections = 10000\n\
             [platform]\npoll_interval = \"10s\"\n[strategy]\n{strategy}\nperiod = \"{period}\"\n\
             [[banks]]\nname = \"b\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
        );
        scenario::parse(&text, "inline", "t", &[])
            .unwrap()
            .period_past_passes()
    }

    /// A period of 4 h under a pass of 7.2 h is noted, with the pass; 12 h, or a day, is
    /// not; a bank's own pool of 2 takes 14.4 h, past 12 h.
    #[test]
    fn a_period_shorter_than_the_pass_is_noted() {
        let queue = "kind = \"queued\"\nconcurrency = 4";
        let n = noted(queue, "4h");
        assert!(
            n.len() == 1
                && n[0].starts_with(
                    "strategy.period: a queue of 4 slots takes about 7.2 h to refresh its \
                     connections once"
                )
                && n[0].contains("longer than the period of 4h"),
            "{n:?}"
        );
        assert!(noted(queue, "12h").is_empty() && noted(queue, "24h").is_empty());
        // One slot takes 28.9 h: past a day, and said how often it comes round.
        let one = noted("kind = \"queued\"\nconcurrency = 1", "24h");
        assert!(
            one.len() == 1
                && one[0].contains("a queue of 1 slot takes about 28.9 h")
                && one[0].contains("about every 28.9 h instead")
                && one[0].contains("at most about 83 % of them a period"),
            "{one:?}"
        );
        let pools = "kind = \"per_bank\"\npools = { b = 2 }";
        let n = noted(pools, "12h");
        assert!(
            n.len() == 1 && n[0].contains("bank `b`'s pool of 2 slots takes about 14.4 h"),
            "{n:?}"
        );
    }

    /// A band of 5 h under a pass of 7.2 h is noted, with the days the book takes; one of
    /// 8 h is not (a trial's nightly queue over a book of a million was checked "ok").
    #[test]
    fn a_band_shorter_than_the_pass_is_noted() {
        let queue = "kind = \"queued\"\nconcurrency = 4";
        let banded = |hours: &str| {
            let text = format!(
                "[window]\nlength = \"1d\"\n[population]\nconnections = 10000\n\
                 [platform]\npoll_interval = \"10s\"\n[strategy]\n{queue}\nhours = {hours}\n\
                 [[banks]]\nname = \"b\"\nshare = 1.0\n\
                 service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
            );
            let sc = scenario::parse(&text, "inline", "t", &[]).unwrap();
            sc.band_past_passes()
        };
        let n = banded("[\"01:00\", \"06:00\"]");
        assert!(
            n.len() == 1
                && n[0].starts_with(
                    "strategy.hours: a queue of 4 slots takes about 7.2 h of its band's time"
                )
                && n[0].contains(
                    "longer than the band's 5.0 h a day: it gets round its connections in about 1.4 days"
                ),
            "{n:?}"
        );
        assert!(banded("[\"22:00\", \"06:00\"]").is_empty());
    }

    /// A looping queue's passes of 7.2 h come 3.3 times a day round the clock: past a quota
    /// of 2 or 3 a day, within one of 4; kept to a band of 5 h, under one a pass a day.
    #[test]
    fn a_loop_past_a_quota_is_noted() {
        let looping = |hours: &str, k: u32, over: &str| {
            let text = format!(
                "[window]\nlength = \"1d\"\n[population]\nconnections = 10000\n\
                 [platform]\npoll_interval = \"10s\"\n[strategy]\nkind = \"queued\"\n\
                 concurrency = 4\nloop = true\nhours = {hours}\n\
                 [[banks]]\nname = \"b\"\nshare = 1.0\n\
                 service_time = {{ dist = \"constant\", value = \"1s\" }}\n\
                 limits = [{{ kind = \"quota\", k = {k}, period = \"{over}\" }}]\n"
            );
            let sc = scenario::parse(&text, "inline", "t", &[]).unwrap();
            let (notes, loops) = (sc.notes(), sc.loop_past_quotas());
            assert!(loops.iter().all(|n| notes.contains(n)), "{notes:?}");
            loops
        };
        let n = looping("[]", 2, "rolling_24h");
        assert!(
            n.len() == 1
                && n[0].starts_with(
                    "strategy.loop at bank `b`: a queue of 4 slots comes round to each \
                     connection about every 7.2 h (each slot held a refresh's mean time), about \
                     3.3 times a day round the clock, more than the quota of 2 accesses per \
                     connection per rolling 24 h: the passes past it are refused"
                ),
            "{n:?}"
        );
        assert!(looping("[]", 3, "calendar_day")[0]
            .contains("quota of 3 accesses per connection per calendar day"));
        assert!(looping("[]", 4, "rolling_24h").is_empty());
        assert!(looping("[\"01:00\", \"06:00\"]", 1, "rolling_24h").is_empty());
        // Its period does not govern it: the loop's note, not the period's.
        let text = "[window]\nlength = \"1d\"\n[population]\nconnections = 10000\n\
                    [platform]\npoll_interval = \"10s\"\n[strategy]\nkind = \"queued\"\n\
                    concurrency = 4\nloop = true\nperiod = \"4h\"\n\
                    [[banks]]\nname = \"b\"\nshare = 1.0\n\
                    service_time = { dist = \"constant\", value = \"1s\" }\n\
                    limits = [{ kind = \"quota\", k = 2, period = \"rolling_24h\" }]\n";
        let sc = scenario::parse(text, "inline", "t", &[]).unwrap();
        assert!(sc.period_past_quotas().is_empty() && !sc.loop_past_quotas().is_empty());
        // Per-bank pools: each bank's own pass (a review's quick bank beside a slow one was
        // "ok", its pool's slowest pass read for both, and drew 76 % 429s).
        let text = "[window]\nlength = \"1d\"\n[population]\nconnections = 4000\n\
                    [platform]\npoll_interval = \"10s\"\n[strategy]\nkind = \"per_bank\"\n\
                    concurrency = 4\nloop = true\n\
                    [[banks]]\nname = \"psd\"\nshare = 0.5\n\
                    service_time = { dist = \"constant\", value = \"1s\" }\n\
                    limits = [{ kind = \"quota\", k = 4, period = \"rolling_24h\" }]\n\
                    [[banks]]\nname = \"slow\"\nshare = 0.5\n\
                    service_time = { dist = \"constant\", value = \"120s\" }\n";
        let pools = scenario::parse(text, "inline", "t", &[])
            .unwrap()
            .loop_past_quotas();
        assert!(
            pools.len() == 1
                && pools[0].starts_with(
                    "strategy.loop at bank `psd`: its pool of 4 slots comes round to each \
                     connection about every 1.4 h"
                ),
            "{pools:?}"
        );
    }
}
