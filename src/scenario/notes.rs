//! What a valid scenario should still be told: a warm-up too short for its period, and
//! settings that do nothing in it. Accepted, since a sweep may vary what makes them matter
//! (`kind`, the expiry share), but said by `run` and `check`, so that a user who set one does
//! not read its effect into the figures.

mod caps;
mod dated;
mod lane;
mod maintenance;
mod paces;
mod period;
mod quota;
mod rates;
mod returns;

use super::Scenario;
use crate::strategy::{OnFailure, Order, Schedule, Strategy};
use crate::time::SimDuration;

impl Scenario {
    /// Every note, the coverage caveat first.
    pub fn notes(&self) -> Vec<String> {
        let mut out: Vec<String> = self.coverage_caveat().into_iter().collect();
        out.extend(self.dropped_preset_limits.iter().cloned());
        out.extend(self.band_across_days());
        out.extend(self.few_askers());
        out.extend(self.lane_past_slots());
        out.extend(self.paces_over_limits());
        out.extend(self.paces_into_maintenance());
        out.extend(self.incidents_missed());
        out.extend(self.incidents_without_effect());
        out.extend(self.pausing_one_pool());
        out.extend(self.held_through_maintenance());
        out.extend(self.maintenance_returns());
        out.extend(self.pausing_on_fixed());
        out.extend(self.idle_settings());
        out.extend(self.pools_unnamed.iter().cloned());
        out.extend(self.stalest_over_banks());
        out.extend(self.shrinking_book());
        out.extend(self.past_boxed_caps());
        out.extend(self.past_boxed_rates());
        out.extend(self.period_past_quotas());
        out.extend(self.quota_waits_hold_slots());
        out.extend(self.quota_midnight_returns());
        out.extend(self.period_past_tested());
        out.extend(self.period_past_passes());
        out.extend(self.loop_past_quotas());
        out.extend(self.band_past_passes());
        out
    }

    /// Bank `b`'s background refreshes due a day: one per connection each period.
    pub(super) fn due_a_day(&self, b: usize) -> f64 {
        self.banks[b].share * self.connections as f64 * 86_400.0
            / self.schedule.period.as_secs_f64().max(1.0)
    }

    /// Consents lapsing faster than customers reconnect or join: the connections due fall
    /// day by day, and with them the banks' load, so coverage and failures read better than
    /// a steady book's of the size at the start. An artefact of a window without the
    /// customers who come back, not a fact about refreshes (a trial: 95.8 % covered over 10
    /// days, 88.6 % for a steady book). Said where the measured days hold on average less
    /// than 95 % of the start (uk-mix's four days hold 96.7 %).
    pub fn shrinking_book(&self) -> Option<String> {
        let shares = crate::consent::Consents::due_shares(self);
        let mean = shares.iter().sum::<f64>() / shares.len().max(1) as f64;
        let last = *shares.last()?;
        (mean < 0.95).then(|| {
            format!(
                "the book shrinks: consents lapse ({:.1} % a day) faster than customers \
                 reconnect or join, so the measured days hold on average {:.1} % of the {} \
                 connections at the start ({:.1} % on the last); the banks' load falls with \
                 it, and coverage and failures read better than a steady book's (give \
                 population.reconnect_share or population.join_share, or a shorter window)",
                self.consent_expiry_share * 100.0,
                mean * 100.0,
                self.connections,
                last * 100.0
            )
        })
    }

    /// Stalest first in one pool over banks of differing limits: the tightest bank's
    /// connections grow stalest, are taken first and fail, and hold the slots the others
    /// would use (uk-mix's queue of 32 covered 48.0 % stalest first against 52.6 % in turn,
    /// with twice the 429s; per-bank pools covered the same either way, with a shorter tail),
    /// where failures go back to the queue.
    pub fn stalest_over_banks(&self) -> Option<String> {
        let one_pool = match &self.strategy {
            Strategy::Queued { .. } => true,
            Strategy::Paced { per_bank, .. } => !per_bank,
            _ => false,
        };
        // Failures left to the next period are not taken again and again.
        let again = self.schedule.on_failure == OnFailure::Requeue || self.schedule.looping;
        let stalest = self.schedule.order == Order::Stalest;
        (stalest && again && one_pool && self.banks.len() > 1).then(|| {
            format!(
                "strategy.order = \"stalest\" with one pool over {} banks: where one bank \
                 refuses most attempts, its connections grow stalest and, taken first and \
                 refused again and again, can take the pool's turns from the other banks (a \
                 trial's six banks fell from 77 % covered to 15 %, a penalty box kept shut; \
                 compare it with \"fifo\"); per-bank pools (per_bank, aimd, paced per bank) \
                 order each bank's own",
                self.banks.len()
            )
        })
    }

    /// When the customers' requests fall on so few connections that each is asked about more
    /// than once an hour: valid (a test may want it), but more likely an `active_share` typed
    /// a few places off (0.0001 made 20 customers open the app 2,500 times a day each).
    pub fn few_askers(&self) -> Option<String> {
        let d = self.on_demand.as_ref()?;
        let askers = d.active_share * self.connections as f64;
        let each = d.per_day / askers;
        (each > 24.0).then(|| {
            format!(
                "on_demand: {} requests a day fall on about {} connection{} \
                 (on_demand.active_share = {} of {}), {} a connection a day: more than once an \
                 hour each; is the share as meant?",
                d.per_day.round(),
                askers.round(),
                if askers.round() == 1.0 { "" } else { "s" },
                d.active_share,
                self.connections,
                each.round()
            )
        })
    }

    /// Why coverage may read low for want of history: with a period of `k` days a day is
    /// covered by a refresh on it or the `k − 1` days before, and a window holds none from
    /// before its start, so a warm-up shorter than `k − 1` days measures days whose cover
    /// is still building (a random offset's 7-day period reads 14 % on its first day).
    pub fn coverage_caveat(&self) -> Option<String> {
        let k = crate::metrics::cover_days(self.schedule.period) as u64;
        let needed = SimDuration::from_hours(24 * (k - 1));
        (k > 1 && self.warmup < needed).then(|| {
            format!(
                "with a period of {k} days a refresh covers its connection for {k} days, and the \
                 warm-up ({}) leaves in days whose cover is still building: coverage reads low \
                 (window.warmup = \"{}d\" measures a steady state)",
                self.warmup,
                k - 1
            )
        })
    }

    /// A band of hours that holds the instant the days begin (24 h from the window's start):
    /// a pass across it refreshes some connections on one side of it on one day and on the
    /// other the next, as its pace varies, so they are refreshed twice on one day and not on
    /// the next. Coverage counts that as a missed day; data age does not change. A fact
    /// about counting by calendar day, not about refreshes (a trial's band from 22:00, days
    /// from 01:00: 3.5 points of coverage less, data age 11.8 h against 12.0 h).
    pub fn band_across_days(&self) -> Option<String> {
        const DAY: u64 = crate::time::DAY_US;
        let (from, to) = self.schedule.band_micros()?;
        let start = self.window_start.as_micros() % DAY;
        let inside = |t: u64| from < t && t < to;
        (inside(start) || inside(start + DAY)).then(|| {
            let day_start = SimDuration(start).time_of_day();
            format!(
                "the band {} holds the instant each measured day begins ({day_start}, 24 h \
                 from the window's start): a pass across it may refresh a connection twice on \
                 one day and not on the next, which coverage counts as a missed day though \
                 the data's age does not change; window.start = \"{}\" counts passes",
                self.schedule.band_label().unwrap_or_default(),
                SimDuration(from % DAY).time_of_day()
            )
        })
    }

    /// The settings given that change nothing in this scenario, each with why (an overhead
    /// is told given by differing from the default's).
    pub fn idle_settings(&self) -> Vec<String> {
        let kind = self.strategy.name();
        let pooled = !matches!(self.strategy, Strategy::Bulk | Strategy::RandomOffset);
        let s = &self.schedule;
        let unread = self.unread_fields.iter().cloned();
        let idle = [
            (
                (self.join_share > 0.0 || self.growth_per_week > 0.0)
                    && crate::consent::Joins::new(self).count == 0,
                match self.growth_per_week > 0.0 {
                    true => format!(
                        "population.growth_per_week: {} a week of {} connections rounds to no \
                         joiner over this window",
                        self.growth_per_week, self.connections
                    ),
                    false => format!(
                        "population.join_share: {} of {} connections a day rounds to no \
                         joiner over this window",
                        self.join_share, self.connections
                    ),
                },
            ),
            (
                self.reconnect.is_some() && self.consent_expiry_share == 0.0,
                "population.reconnect_share: no consent expires \
                 (population.consent_expiry_share = 0), so nobody reconnects"
                    .to_string(),
            ),
            (
                s.looping && !pooled,
                format!("strategy.loop: only a client with slots loops, not kind = \"{kind}\""),
            ),
            (
                s.on_failure == OnFailure::NextPeriod && pooled && s.looping,
                "strategy.on_failure: a looping queue takes every connection round again, failed \
                 or not"
                    .to_string(),
            ),
            (
                s.order == Order::Stalest && !pooled,
                format!(
                    "strategy.order: only a client with a queue chooses which connection to \
                     take next, not kind = \"{kind}\" (it submits at planned instants)"
                ),
            ),
            (
                s.hours.is_some() && matches!(self.strategy, Strategy::Bulk),
                "strategy.hours: bulk submits every due connection at the period's start; \
                 random offsets and the clients with slots or a pace keep to a band of hours"
                    .to_string(),
            ),
            (
                s.overhead != Schedule::default_overhead() && !self.strategy.has_slots(),
                format!(
                    "strategy.worker_overhead: only a queued client's workers have one, not \
                     kind = \"{kind}\""
                ),
            ),
            (
                !s.jitter.is_zero()
                    && !matches!(self.strategy, Strategy::Bulk | Strategy::RandomOffset),
                format!(
                    "strategy.jitter: only bulk and random offsets submit at planned instants a \
                     scheduler can be late for, not kind = \"{kind}\" (which takes its \
                     connections from a queue)"
                ),
            ),
        ];
        idle.into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, why)| why)
            .chain(unread)
            .map(|why| format!("{why}; it does nothing here"))
            .collect()
    }
}

/// Notes alike for several banks, as one each: the note and "bank `a`" or "banks `a`,
/// `b`", in the order each note first comes.
fn by_note<'a>(notes: impl IntoIterator<Item = (String, &'a str)>) -> Vec<(String, String)> {
    let mut by: Vec<(String, Vec<String>)> = Vec::new();
    for (note, bank) in notes {
        let name = format!("`{bank}`");
        match by.iter_mut().find(|(n, _)| *n == note) {
            Some((_, names)) => names.push(name),
            None => by.push((note, vec![name])),
        }
    }
    (by.into_iter())
        .map(|(note, names)| {
            let banks = if names.len() == 1 { "bank" } else { "banks" };
            (note, format!("{banks} {}", names.join(", ")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::scenario;

    fn notes(population: &str, strategy: &str) -> Vec<String> {
        let text = format!(
            "[window]\nlength = \"1d\"\n[population]\nconnections = 10\n{population}\n\
             [strategy]\n{strategy}\n[[banks]]\nname = \"b\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
        );
        scenario::parse(&text, "inline", "t", &[]).unwrap().notes()
    }

    /// A band that holds the instant the measured days begin is noted; one that starts with
    /// them, or ends before them, is not.
    #[test]
    fn a_band_across_the_days_boundary_is_noted() {
        let noted = |start: &str, hours: &str| {
            let text = format!(
                "[window]\nstart = \"{start}\"\nlength = \"2d\"\n[population]\nconnections = 10\n\
                 [strategy]\nkind = \"queued\"\nconcurrency = 2\nhours = {hours}\n[[banks]]\nname = \"b\"\n\
                 share = 1.0\nservice_time = {{ dist = \"constant\", value = \"1s\" }}\n"
            );
            let sc = scenario::parse(&text, "inline", "t", &[]).unwrap();
            sc.band_across_days()
        };
        let across = noted("01:00", r#"["22:00", "21:59"]"#).unwrap();
        assert!(
            across.contains("22:00–21:59")
                && across.contains("(01:00,")
                && across.contains("window.start = \"22:00\""),
            "{across}"
        );
        assert!(noted("12:00", r#"["06:00", "18:00"]"#).is_some());
        assert_eq!(noted("22:00", r#"["22:00", "21:59"]"#), None);
        assert_eq!(noted("00:00", r#"["01:00", "06:00"]"#), None);
        assert_eq!(noted("06:00", r#"["22:00", "06:00"]"#), None);
    }

    /// Each setting that does nothing is named, with why; where it acts, nothing is said.
    #[test]
    fn settings_that_do_nothing_are_named() {
        let ro = "kind = \"random_offset\"";
        assert!(notes("", ro).is_empty());
        let n = notes("join_share = 0.0001", ro);
        assert!(n.len() == 1 && n[0].contains("no joiner"), "{n:?}");
        let n = notes("reconnect_share = 0.5", ro);
        assert!(
            n.len() == 1 && n[0].contains("population.reconnect_share"),
            "{n:?}"
        );
        assert!(notes("reconnect_share = 0.5\nconsent_expiry_share = 0.01", ro).is_empty());
        let n = notes(
            "",
            "kind = \"bulk\"\nloop = true\nhours = [\"01:00\", \"05:00\"]",
        );
        assert!(
            n[0].contains("strategy.loop") && n[1].contains("strategy.hours"),
            "{n:?}"
        );
        assert!(notes("", "kind = \"queued\"\nconcurrency = 4\nloop = true").is_empty());
        let band = "hours = [\"01:00\", \"05:00\"]";
        assert!(notes("", &format!("kind = \"paced\"\n{band}")).is_empty());
        // A plan's paced setting pasted into a file, run as a queue: noted, not refused.
        let pasted = "kind = \"queued\"\nconcurrency = 4\nrate = 2\nper_bank = true";
        let n = notes("", pasted);
        assert!(
            n.len() == 2
                && n[0].starts_with("strategy.rate: only kind = \"paced\" reads it")
                && n[1].contains("strategy.per_bank"),
            "{n:?}"
        );
        // The platform's status fields of the other mode, likewise (a trial's poll settings
        // under callbacks did nothing unsaid).
        let q = "kind = \"queued\"\nconcurrency = 4";
        let n = notes(
            "[platform]\nstatus = \"callback\"\npoll_interval = \"5s\"",
            q,
        );
        assert_eq!(
            n,
            ["platform.poll_interval: only status = \"poll\" reads it, not status = \"callback\"; \
              it does nothing here"]
        );
        let n = notes(
            "[platform]\ncallback_delay = \"1s\"\nfirst_poll = \"2s\"",
            q,
        );
        assert!(
            n.len() == 1 && n[0].starts_with("platform.callback_delay: only status = \"callback\""),
            "{n:?}"
        );
        for name in crate::scenario::file::StrategyKind::NAMES {
            let k: crate::scenario::file::StrategyKind =
                toml::from_str::<std::collections::BTreeMap<String, _>>(&format!("k = \"{name}\""))
                    .unwrap()["k"];
            assert_eq!(k.name(), name);
        }
        let overhead = "worker_overhead = { dist = \"constant\", value = \"2s\" }";
        let n = notes("", &format!("{ro}\n{overhead}"));
        assert!(n.len() == 1 && n[0].contains("worker_overhead"), "{n:?}");
        assert!(notes(
            "",
            &format!("kind = \"queued\"\nconcurrency = 4\n{overhead}")
        )
        .is_empty());
    }

    /// Customers' requests on so few connections that each is asked about more than hourly
    /// are noted; the same requests over a plausible share are not.
    #[test]
    fn customers_asking_more_than_hourly_are_noted() {
        let ro = "kind = \"random_offset\"";
        let on_demand =
            |share: &str| format!("{ro}\n[on_demand]\nper_day = 30.0\nactive_share = {share}");
        assert!(notes("", &on_demand("0.5")).is_empty());
        let n = notes("", &on_demand("0.1"));
        assert!(
            n.len() == 1
                && n[0].starts_with("on_demand: 30 requests a day fall on about 1 connection (")
                && n[0].contains("30 a connection a day"),
            "{n:?}"
        );
    }

    /// A book that consents leave faster than customers come back is noted over a long
    /// window, with the shares due; a short window, or reconnections and joins that hold the
    /// book, are not.
    #[test]
    fn a_shrinking_book_is_noted() {
        let noted = |length: &str, population: &str| {
            let text = format!(
                "[window]\nlength = \"{length}\"\nwarmup = \"1d\"\n[population]\nconnections = 10\n\
                 consent_expiry_share = 0.011\n{population}\n[strategy]\nkind = \"random_offset\"\n\
                 [[banks]]\nname = \"b\"\nshare = 1.0\n\
                 service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
            );
            scenario::parse(&text, "inline", "t", &[])
                .unwrap()
                .shrinking_book()
        };
        assert_eq!(noted("4d", ""), None, "three measured days hold 96.7 %");
        let long = noted("30d", "").unwrap();
        // 29 measured days ending 2..=30 days in: the mean of 0.989^d, and the last 0.989^30.
        let mean = (2..=30).map(|d| 0.989f64.powi(d)).sum::<f64>() / 29.0;
        let expect = format!("on average {:.1} % of the 10 connections", mean * 100.0);
        assert!(long.contains(&expect), "{long} lacks {expect}");
        assert!(long.contains(&format!("({:.1} % on the last)", 0.989f64.powi(30) * 100.0)));
        assert_eq!(
            noted("30d", "join_share = 0.011"),
            None,
            "joins replace the lapsed"
        );
        let back = "reconnect_share = 0.9\nreconnect_mean_days = 1.0";
        assert_eq!(noted("30d", back), None, "customers come back");
    }

    /// Slots and pools given to a client without them (a trial's random offsets with
    /// `concurrency = 10` were checked "ok"); AIMD reads the concurrency as its first slots.
    #[test]
    fn slots_given_to_a_client_without_them_are_named() {
        let n = notes(
            "",
            "kind = \"random_offset\"\nconcurrency = 10\npools = { b = 3 }",
        );
        assert!(
            n.len() == 2
                && n[0].starts_with("strategy.pools: only kind = \"per_bank\" reads it")
                && n[1].starts_with("strategy.concurrency: only a client with slots"),
            "{n:?}"
        );
        assert!(notes("", "kind = \"aimd\"\nconcurrency = 10").is_empty());
        assert!(notes(
            "",
            "kind = \"per_bank\"\nconcurrency = 2\npools = { b = 3 }"
        )
        .is_empty());
    }

    /// A pools table naming some banks says what the others take (a trial's was "ok").
    #[test]
    fn banks_a_pools_table_leaves_at_concurrency_are_named() {
        let with = |pools: &str| {
            let bank = |n: &str| {
                format!(
                    "[[banks]]\nname = \"{n}\"\nshare = 0.5\n\
                     service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
                )
            };
            let text = format!(
                "[window]\nlength = \"1d\"\n[population]\nconnections = 10\n[strategy]\n\
                 kind = \"per_bank\"\nconcurrency = 32\npools = {pools}\n{}{}",
                bank("a"),
                bank("b")
            );
            scenario::parse(&text, "inline", "t", &[]).unwrap().notes()
        };
        assert_eq!(
            with("{ a = 3 }"),
            [
                "strategy.pools names 1 of 2 banks: the others (b) take strategy.concurrency \
                 slots each (name a bank in strategy.pools to size its own)"
            ]
        );
        assert!(with("{ a = 3, b = 4 }").is_empty());
        assert!(with("{}").is_empty());
    }
}
