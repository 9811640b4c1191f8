//! A paced client whose pace goes on through a bank's closed maintenance window; an
//! incident (a window on some days) that the window or its measured days miss; one pool
//! over every bank pausing on a Retry-After, which a bank's outage holds for every bank, or
//! whose retries wait out a bank's window holding their slots.

use super::super::Scenario;
use crate::bank::capacity::day_list;
use crate::bank::{Bank, Limit, MaintenanceMode, RetryAfter};
use crate::strategy::Strategy;
use crate::time::hour_runs;
use crate::time::SimDuration;

impl Scenario {
    /// One queue over every bank pausing on a Retry-After: a bank's holds the one pool, so
    /// every bank waits (a trial's runbook would have paused the queue for one bank's
    /// nine-hour outage, and the other banks' submissions fell from 12,400 an hour to 80).
    pub fn pausing_one_pool(&self) -> Vec<String> {
        // A limit refusing the whole bank (not one connection's quota, not a window that only
        // slows), at a bank that says until when.
        let whole = |l: &Limit| match l.unscoped() {
            Limit::Quota(_) => false,
            Limit::Maintenance(m) => m.window().1 == MaintenanceMode::Reject,
            _ => true,
        };
        let tells =
            |b: &crate::bank::Bank| b.retry_after != RetryAfter::None && b.limits.iter().any(whole);
        let (client, instead) = match self.strategy {
            Strategy::Queued { .. } => ("one queue", "per-bank pools (kind = \"per_bank\")"),
            Strategy::Paced {
                per_bank: false, ..
            } => ("one pace", "a pace per bank (per_bank = true)"),
            _ => return Vec::new(),
        };
        if !(self.schedule.pause_on_retry_after && self.banks.len() > 1) {
            return Vec::new();
        }
        let Some(bank) = self.banks.iter().find(|b| tells(b)) else {
            return Vec::new();
        };
        vec![format!(
            "strategy.pause_on_retry_after with {client} over every bank: a bank's Retry-After \
             (bank `{}` tells one) holds the one pool, so every bank waits until it passes (an \
             outage at one bank stops the others); {instead} hold only that bank's",
            bank.name
        )]
    }

    /// One queue over every bank whose retries wait out a bank's maintenance window holding
    /// their slots: the window's Retry-After runs to its end, so the queue's slots fill with
    /// that bank's waiting refreshes and every bank's refreshes slow until it reopens (a
    /// trial's: another bank's submissions fell from 13,993 an hour to 155 through a
    /// 01:00–03:00 window, and nothing said why). Pausing on the Retry-After has its own note.
    pub fn held_through_maintenance(&self) -> Vec<String> {
        let r = &self.retry;
        let held = r.enabled() && r.on_rate_limited && r.honour_retry_after && r.hold_slot;
        let queue = matches!(self.strategy, Strategy::Queued { .. });
        if !(queue && held && self.banks.len() > 1 && !self.schedule.pause_on_retry_after) {
            return Vec::new();
        }
        (self.banks.iter())
            .filter(|b| b.retry_after == RetryAfter::Policy)
            .filter_map(|b| {
                // The window's hours the queue works in (none outside its band).
                let band = self.schedule.band_or_day();
                let closed: Vec<usize> = crate::time::hours_in(band)
                    .filter(|&(_, span)| b.closed_during(span))
                    .map(|(h, _)| h)
                    .collect();
                (!closed.is_empty()).then(|| {
                    format!(
                        "bank `{}` closes for maintenance ({}) and its Retry-After says until \
                         when: a retry waits for it holding its slot (retry.backoff_slot = \
                         \"hold\", the default), so the one queue's slots fill with its waiting \
                         refreshes and every bank's refreshes slow until it reopens (a trial's: \
                         another bank's submissions fell from 13,993 an hour to 155); per-bank \
                         pools (kind = \"per_bank\") or retry.backoff_slot = \"free\" keep the \
                         other banks' going",
                        b.name,
                        daily_windows(b, band)
                    )
                })
            })
            .collect()
    }

    /// Pausing on a Retry-After at a bank that sends a fixed one of half a minute or more with
    /// every refusal, where a rate policy or a cap refuses: each 429 stops the bank's pool
    /// for that long, and a pool pressing a limit meets one often (a trial's rate cut with a
    /// fixed 60 s: 13,906 refreshes that day against 171,592 without pausing, and a burst of
    /// the whole pool at every pause's end). Pausing suits a window's Retry-After, which says
    /// when it reopens.
    pub fn pausing_on_fixed(&self) -> Vec<String> {
        use crate::bank::{Limit, RetryAfter};
        if !self.schedule.pause_on_retry_after {
            return Vec::new();
        }
        let rated = |l: &Limit| !matches!(l.unscoped(), Limit::Maintenance(_) | Limit::Quota(_));
        (self.banks.iter())
            .filter_map(|b| match b.retry_after {
                RetryAfter::Fixed(d)
                    if d >= SimDuration::from_secs(30) && b.limits.iter().any(rated) =>
                {
                    Some(format!(
                        "strategy.pause_on_retry_after with banks.{}.retry_after = \"{d}\" on \
                         every refusal: each 429 of its rate limits or cap stops the bank's pool \
                         for {d}, and a pool pressing a limit meets one often (throughput falls \
                         far below the limit, and each pause ends in a burst of the whole pool); \
                         pausing suits a maintenance window's Retry-After, which says when it \
                         reopens (retry_after = \"policy\" tells each limit's own)",
                        b.name
                    ))
                }
                _ => None,
            })
            .collect()
    }

    /// An incident's `days` (a maintenance window's, a dated rate policy's) past the window's
    /// last day, which never come, or within the warm-up, whose own day is not measured (its
    /// aftermath is).
    pub fn incidents_missed(&self) -> Vec<String> {
        const DAY: u64 = crate::time::DAY_US;
        let start = self.window_start.as_micros();
        let (end, measured) = (
            start + self.window.as_micros(),
            start + self.warmup.as_micros(),
        );
        let mut out = Vec::new();
        for bank in &self.banks {
            for (i, limit) in bank.limits.iter().enumerate() {
                let Some(((from, to), dated)) = limit.incident() else {
                    continue;
                };
                // Each day's hours, as instants of the clock.
                let when = |d: &u32| (*d as u64 * DAY + from, *d as u64 * DAY + to);
                let days = |keep: &dyn Fn((u64, u64)) -> bool| -> Vec<u32> {
                    dated.iter().filter(|d| keep(when(d))).copied().collect()
                };
                let at = format!("banks.{}.limits[{i}].days", bank.name);
                let what = match limit.unscoped() {
                    crate::bank::Limit::Maintenance(_) => "the window",
                    _ => "the limit",
                };
                let outside = days(&|(a, b)| a >= end || b <= start);
                let early = days(&|(a, b)| a < end && b > start && b <= measured);
                if !outside.is_empty() {
                    out.push(format!(
                        "{at}: {what} on {} falls outside the simulated window (from {} of \
                         day 0 for {}): never met (day 0 is the clock's first calendar \
                         day, the one the window opens on)",
                        day_list(&outside),
                        SimDuration(self.window_start.as_micros()).time_of_day(),
                        self.window
                    ));
                }
                if !early.is_empty() {
                    out.push(format!(
                        "{at}: {what} on {} falls in the warm-up: the incident itself is \
                         not measured, its aftermath is",
                        day_list(&early)
                    ));
                }
            }
        }
        out
    }

    /// A paced client whose pace goes on through a bank's closed maintenance window, every
    /// day's or one on given days within the run: its calls there are refused (503s), which
    /// a weight of 0 in those hours avoids (a trial's pace sent 71,610 calls into a
    /// 01:00–03:00 window, and `check` said nothing; another's one-morning window at a bank
    /// paced all day cost 19 points of its coverage that day, unnoted).
    pub fn paces_into_maintenance(&self) -> Vec<String> {
        let Strategy::Paced {
            profiles, per_bank, ..
        } = &self.strategy
        else {
            return Vec::new();
        };
        let band = self.schedule.band_or_day();
        let mut out = Vec::new();
        for (b, bank) in self.banks.iter().enumerate() {
            // (One pool over every bank has no bank's own: `pace_profiles` needs per_bank.)
            let weight = |h: usize| profiles.of(b).map_or(1.0, |p| p.weights()[h]);
            let paced_into = |closed: &dyn Fn((u64, u64)) -> bool| -> Vec<usize> {
                crate::time::hours_in(band)
                    .filter(|&(h, span)| weight(h) > 0.0 && closed(span))
                    .map(|(h, _)| h)
                    .collect()
            };
            let daily = paced_into(&|span| bank.closed_during(span));
            if !daily.is_empty() {
                let windows = daily_windows(bank, band);
                out.push(self.paced_through(bank, (&windows, &daily), None, *per_bank));
            }
            // (A window for customers' calls alone refuses no pace.)
            for m in bank.limits.iter().filter_map(|l| match l.unscoped() {
                Limit::Maintenance(m) if !m.every_day() && l.counts(false) => Some(m),
                _ => None,
            }) {
                let (window, mode) = (m.span_us(), m.window().1);
                let into = paced_into(&|s: (u64, u64)| {
                    2 * crate::time::daily_overlap(s, window) >= s.1 - s.0
                });
                let days = self.days_in_run(m.days(), window);
                if mode == MaintenanceMode::Reject && !into.is_empty() && !days.is_empty() {
                    let words = span_words(window);
                    out.push(self.paced_through(bank, (&words, &into), Some(&days), *per_bank));
                }
            }
        }
        out
    }

    /// The clock's days among `days` whose hours `(from, to)` (of the day) the run
    /// simulates, its warm-up included: a run from 06:00 meets day 0's 01:00–03:00 never.
    pub(super) fn days_in_run(&self, days: &[u32], (from, to): (u64, u64)) -> Vec<u32> {
        const DAY: u64 = crate::time::DAY_US;
        let start = self.window_start.as_micros();
        let end = start + self.window.as_micros();
        (days.iter().copied())
            .filter(|&d| d as u64 * DAY + from < end && d as u64 * DAY + to > start)
            .collect()
    }

    /// The note of `bank` paced through its window (`window`, in words) in hours `into`
    /// (those at least half in it), every day (`days`: `None`) or on `days`.
    fn paced_through(
        &self,
        bank: &Bank,
        (window, into): (&str, &[usize]),
        days: Option<&[u32]>,
        per_bank: bool,
    ) -> String {
        let daily = self.schedule.period == SimDuration::from_hours(24);
        let field = match per_bank {
            true => format!("strategy.pace_profiles.{}", bank.name),
            false => "strategy.pace_profile".to_string(),
        };
        // Weights move a pace every day: for a window on some days, that is a choice to weigh.
        let move_them = match (daily, days) {
            (true, None) => format!(
                "weights of 0 in those hours ({field}) move them to the others, the pass \
                 complete; "
            ),
            (true, Some(_)) => {
                format!("weights of 0 in those hours ({field}) would move them every day; ")
            }
            (false, _) => String::new(),
        };
        // The window's first 503 holds a pausing bank's pool (where it tells when to come
        // back): no 503s, but no pass.
        let told = bank.retry_after != RetryAfter::None;
        let (calls, pause) = match self.schedule.pause_on_retry_after && told {
            false => (
                "its calls then are refused with 503s",
                "strategy.pause_on_retry_after = true would hold them back",
            ),
            true => (
                "pausing on its Retry-After holds its calls back",
                "pausing sends none",
            ),
        };
        let trial = match (daily, days) {
            (true, None) => {
                " (a trial's bank closed 01:00–03:00: 93 % covered pausing, 99.96 % with \
                 weights of 0)"
            }
            _ => "",
        };
        let on = days
            .map(|d| format!(" on {}", day_list(d)))
            .unwrap_or_default();
        // The pace's weights are by the hour: the hours it fills, where they are not the
        // window's own.
        let hours = match hour_runs(into) {
            h if h == window => String::new(),
            h => format!("; the hours {h}, at least half in it"),
        };
        format!(
            "strategy: bank `{}` is paced through its maintenance {}{on} ({window}, \
             closed{hours}): {calls}; {move_them}{pause}, but a pace has no slack to make up \
             the hours paused, so the window's share of the pass is missed{trial}",
            bank.name,
            window_word(window),
        )
    }
}

/// A bank's every-day windows that close it to background calls within `band`, as
/// scenarios write them: `00:30–02:30` (not one that only slows it, nor one outside the
/// band).
fn daily_windows(bank: &Bank, band: (u64, u64)) -> String {
    let windows: Vec<String> = (bank.limits.iter())
        .filter_map(|l| match l.unscoped() {
            Limit::Maintenance(m)
                if m.every_day()
                    && m.window().1 == MaintenanceMode::Reject
                    && l.counts(false)
                    && crate::time::daily_overlap(band, m.span_us()) > 0 =>
            {
                Some(span_words(m.span_us()))
            }
            _ => None,
        })
        .collect();
    windows.join(", ")
}

/// "window" or "windows", as `windows` (from [`daily_windows`]) lists one or more.
fn window_word(windows: &str) -> &'static str {
    match windows.contains(", ") {
        true => "windows",
        false => "window",
    }
}

/// A window's hours of the day as scenarios write them: `00:30–02:30`.
pub(super) fn span_words((from, to): (u64, u64)) -> String {
    let at = |us: u64| SimDuration(us).time_of_day();
    format!("{}–{}", at(from), at(to))
}

#[cfg(test)]
mod tests {
    use crate::scenario;

    /// A pace through a bank's maintenance window is noted with its hours; one whose own
    /// profile stops then, or another bank's pace, is not.
    #[test]
    fn paces_through_a_maintenance_window_are_noted() {
        let with = |strategy: &str, sets: &[String]| {
            let text = format!(
                "[window]\nlength = \"1d\"\n[population]\nconnections = 1000\n[strategy]\n\
                 kind = \"paced\"\n{strategy}\n[[banks]]\nname = \"m\"\nshare = 0.5\n\
                 preset = \"nightly-maintenance\"\n[[banks]]\nname = \"open\"\nshare = 0.5\n\
                 service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
            );
            scenario::parse(&text, "inline", "t", sets)
                .unwrap()
                .paces_into_maintenance()
        };
        let paced = |strategy: &str| with(strategy, &[]);
        // A bank that tells no Retry-After is not held back by pausing.
        let untold = with(
            "pause_on_retry_after = true",
            &["banks.m.retry_after=\"none\"".to_string()],
        );
        assert!(
            untold[0].contains("closed): its calls then are refused with 503s"),
            "{untold:?}"
        );
        let n = paced("");
        assert_eq!(n.len(), 1, "{n:?}");
        assert!(
            n[0].contains("(strategy.pace_profiles.m) move them to the others, the pass complete"),
            "{n:?}"
        );
        assert!(
            n[0].starts_with(
                "strategy: bank `m` is paced through its maintenance window (01:00–03:00, closed)"
            ),
            "{n:?}"
        );
        // A window off the hour is said as the bank has it, with the hours the pace fills.
        let half = with(
            "",
            &[
                r#"banks.m.limits=[{ kind = "maintenance", start = "00:30", end = "03:00" }]"#
                    .to_string(),
            ],
        );
        assert!(
            half[0].contains(
                "window (00:30–03:00, closed; the hours 00:00–03:00, at least half in it): "
            ),
            "{half:?}"
        );
        let mut w = ["1"; 24];
        w[1..3].fill("0");
        assert!(paced(&format!("pace_profiles = {{ m = [{}] }}", w.join(", "))).is_empty());
        let n = paced(&format!("pace_profiles = {{ open = [{}] }}", w.join(", ")));
        assert!(
            n.len() == 1 && n[0].starts_with("strategy: bank `m`"),
            "{n:?}"
        );
        // Pausing sends no call into the window, but misses its share of the pass.
        let n = paced("pause_on_retry_after = true");
        assert!(
            n.len() == 1
                && n[0].contains(
                    "(01:00–03:00, closed): pausing on its Retry-After holds its calls back;"
                ),
            "{n:?}"
        );
        let n = paced("per_bank = false");
        assert!(
            n.len() == 1 && n[0].contains("(strategy.pace_profile) move them"),
            "{n:?}"
        );
    }

    /// A window on given days (a trial's maintenance morning on day 5, paced through all
    /// day, and `check` said nothing) is noted on its days in the run, with its hours; not
    /// where the run misses its day, nor where the pace stops in those hours.
    #[test]
    fn paces_through_a_dated_window_are_noted_on_its_days() {
        let from = |days: &str, strategy: &str, sets: &[String]| {
            let text = format!(
                "[window]\nlength = \"3d\"\n[population]\nconnections = 1000\n[strategy]\n\
                 kind = \"paced\"\n{strategy}\n[[banks]]\nname = \"nl\"\nshare = 1.0\n\
                 service_time = {{ dist = \"constant\", value = \"1s\" }}\n\
                 limits = [{{ kind = \"maintenance\", start = \"06:00\", end = \"11:00\", \
                 days = [{days}] }}]\n"
            );
            scenario::parse(&text, "inline", "t", sets)
                .unwrap()
                .paces_into_maintenance()
        };
        let with = |days: &str, strategy: &str| from(days, strategy, &[]);
        let n = with("2, 7", "");
        assert_eq!(n.len(), 1, "{n:?}");
        assert!(
            n[0].starts_with(
                "strategy: bank `nl` is paced through its maintenance window on day 2 \
                 (06:00–11:00, closed): its calls then are refused with 503s; weights of 0 in \
                 those hours (strategy.pace_profiles.nl) would move them every day;"
            ),
            "{n:?}"
        );
        assert!(with("7", "").is_empty(), "past the run");
        // A run from 12:00 never meets day 0's morning, nor day 3's from 06:00 over 3 days
        // (it ends at 06:00 of day 3); it meets day 1's.
        let at =
            |start: &str, days: &str| from(days, "", &[format!("window.start=\"{start}\"")]).len();
        assert_eq!((at("12:00", "0"), at("12:00", "1")), (0, 1));
        assert_eq!((at("06:00", "3"), at("06:00", "2")), (0, 1));
        let mut w = ["1"; 24];
        w[6..11].fill("0");
        let stopped = format!("pace_profiles = {{ nl = [{}] }}", w.join(", "));
        assert!(with("1", &stopped).is_empty(), "the pace stops then");
    }

    /// One queue whose retries hold their slots through a bank's window, which says when it
    /// reopens, is noted with the window's hours; freeing the slot, per-bank pools, no
    /// retries or a bank that says nothing are not.
    #[test]
    fn retries_holding_one_queue_through_a_window_are_noted() {
        let noted = |kind: &str, sets: &[&str]| {
            let text = format!(
                "[window]\nlength = \"1d\"\n[population]\nconnections = 1000\n[strategy]\n\
                 kind = \"{kind}\"\nconcurrency = 8\n[retry]\nmax_attempts = 3\n[[banks]]\n\
                 name = \"m\"\nshare = 0.5\npreset = \"nightly-maintenance\"\n\
                 retry_after = \"policy\"\n[[banks]]\nname = \"open\"\nshare = 0.5\n\
                 service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
            );
            let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
            scenario::parse(&text, "inline", "t", &sets)
                .unwrap()
                .held_through_maintenance()
        };
        let n = noted("queued", &[]);
        assert!(
            n.len() == 1
                && n[0].starts_with("bank `m` closes for maintenance (01:00–03:00)")
                && n[0].contains("backoff_slot = \"free\""),
            "{n:?}"
        );
        assert!(noted("queued", &["retry.backoff_slot=\"free\""]).is_empty());
        assert!(noted("per_bank", &[]).is_empty());
        assert!(noted("queued", &["retry.max_attempts=1"]).is_empty());
        assert!(noted("queued", &["banks.m.retry_after=\"none\""]).is_empty());
        // A band of hours the window does not meet.
        assert!(noted("queued", &["strategy.hours=[\"06:00\", \"20:00\"]"]).is_empty());
        // In the band, the windows that close the bank there, not one outside it nor one
        // that only slows it.
        let windows = r#"banks.m.limits=[{ kind = "maintenance", start = "01:00", end = "03:00" },
            { kind = "maintenance", start = "12:00", end = "13:00", slowdown = 3 },
            { kind = "maintenance", start = "14:00", end = "15:00" }]"#;
        let by_day = noted(
            "queued",
            &["strategy.hours=[\"06:00\", \"20:00\"]", windows],
        );
        assert!(
            by_day[0].starts_with("bank `m` closes for maintenance (14:00–15:00)"),
            "{by_day:?}"
        );
        let all_day = noted("queued", &[windows]);
        assert!(
            all_day[0].starts_with("bank `m` closes for maintenance (01:00–03:00, 14:00–15:00)"),
            "{all_day:?}"
        );
    }
}
