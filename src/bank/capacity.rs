//! What a bank can serve in a span of time, by arithmetic on its policies.
//!
//! Each policy bounds, on its own, the calls the bank admits in a span `T`:
//! - a token bucket: `rate · T + burst` (its guarantee over any span);
//! - a fixed or sliding window of `N` per `W`: `N · ⌈T / W⌉`;
//! - a concurrency cap of `c`, or `c` internal servers: `c · T / E[S]` by Little's law, since
//!   the bank's slot frees when its call ends, whenever the client learns of it;
//! - a per-connection quota of `k`: `k` per connection (listed, but binding no bank's calls
//!   here: it bounds each connection's, which the plan's ceiling applies per connection,
//!   `experiment::plan::ceiling`);
//! - rate policies scheduled for hours of the day: together with any rate policy of every
//!   hour, stretch by stretch, the least metering each, when every hour is metered;
//! - a maintenance window that rejects admits nothing in its hours, so every other bound
//!   shrinks to the open hours; one that slows calls stretches service times, so a cap's
//!   bound shrinks by the slowdown during its hours;
//! - a penalty box has no bound of its own (it punishes breaches; a client that breaches
//!   nothing never meets it), nor have scheduled policies that leave hours unmetered.
//!
//! The bank's bound is the least of them, and its successful refreshes that times
//! `1 − error_rate`. The bound is exact for one policy on its own. Where policies combine (a
//! cap and a bucket, a penalty box, a maintenance window, scheduled hours) it is an upper
//! bound: what a client can actually get out of the bank is then measured by simulation
//! (the planner's job, not this module's).

use super::{Bank, Limit, MaintenanceMode, Quota};

mod scheduled;
use crate::time::SimDuration;
pub(super) use scheduled::scheduled;

use crate::time::DAY_US;

/// One policy's bound on the calls its bank admits in the span.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyBound {
    /// The policy as a planner names it, e.g. `token bucket 1/s, burst 10`.
    pub policy: String,
    /// Calls a span admits (infinite: no bound of its own).
    pub calls: f64,
    /// Whether it bounds the bank's calls (a quota bounds each connection's, which the
    /// plan's ceiling applies per connection; a maintenance window acts through the others'
    /// open hours).
    pub binds: bool,
}

/// A bank's bound on calls and refreshes in a span.
#[derive(Clone, Debug, PartialEq)]
pub struct Capacity {
    /// Every policy with its bound, in the bank's order (scheduled ones together, last).
    pub bounds: Vec<PolicyBound>,
    /// The least bound (infinite when no policy bounds the bank).
    pub calls: f64,
    /// Successful refreshes: `calls · (1 − error_rate)`.
    pub refreshes: f64,
    /// Index in `bounds` of the least bound that binds.
    pub binding: Option<usize>,
    /// Whether the arithmetic is the whole truth: at most one bound, and no policy whose
    /// effect needs simulating (penalty box, maintenance, scheduled hours).
    pub exact: bool,
}

impl Capacity {
    /// The capacity the policies' `bounds` give: the least that binds, exact when it is the
    /// only finite one and nothing needs simulating.
    pub(super) fn of(bounds: Vec<PolicyBound>, simulate: bool, error_rate: f64) -> Capacity {
        let binding = (0..bounds.len())
            .filter(|&i| bounds[i].binds)
            .min_by(|&a, &b| bounds[a].calls.total_cmp(&bounds[b].calls));
        let calls = binding.map_or(f64::INFINITY, |i| bounds[i].calls);
        let binding_count = bounds
            .iter()
            .filter(|b| b.binds && b.calls.is_finite())
            .count();
        Capacity {
            exact: binding_count <= 1 && !simulate,
            refreshes: calls * (1.0 - error_rate),
            calls,
            binding,
            bounds,
        }
    }

    /// The binding policy's name, if any policy bounds the bank.
    pub fn binding_policy(&self) -> Option<&str> {
        self.binding.map(|i| self.bounds[i].policy.as_str())
    }
}

impl Bank {
    /// The bank's capacity over `span` for `connections` connections (for a quota).
    pub fn capacity(&self, span: SimDuration, connections: f64) -> Capacity {
        let t = span.as_secs_f64();
        let (closed, slow) = self.maintenance_per_day();
        let open = (1.0 - closed).max(0.0);
        // Seconds of service capacity per slot: open hours, slow hours at their pace.
        let slot_secs = t * (open - slow.iter().map(|(share, _)| share).sum::<f64>())
            + slow.iter().map(|(share, f)| t * share / f).sum::<f64>();
        let per_slot = slot_secs / self.service_time.mean_secs();
        let mut bounds = Vec::new();
        if let Some(k) = self.servers {
            bounds.push(PolicyBound {
                policy: format!("{k} servers"),
                calls: k as f64 * per_slot,
                binds: true,
            });
        }
        let scope = Scope {
            open_secs: t * open,
            per_slot,
            connections,
            days: t / 86_400.0,
        };
        bounds.extend(self.limits.iter().filter_map(|l| policy_bound(l, &scope)));
        if let Some(mut b) = scheduled(&self.limits, (0, DAY_US)) {
            // A day's worth for every day of the span.
            b.calls *= scope.days.max(1.0);
            bounds.push(b);
        }
        let simulate = closed > 0.0
            || !slow.is_empty()
            || self
                .limits
                .iter()
                .any(|l| matches!(l.unscoped(), Limit::PenaltyBox(_) | Limit::During { .. }));
        Capacity::of(bounds, simulate, self.error_rate)
    }

    /// A rate limit on given days (an incident) for the whole of those days: its name (as
    /// [`PolicyBound::policy`] without the days) and the calls it admits in a day; `None`
    /// for any other policy, or one with hours, which a day's bound compares with nothing.
    pub fn dated_day_bound(limit: &Limit) -> Option<(String, f64)> {
        match limit {
            Limit::Dated { inner, .. } => rate_bound(inner, 86_400.0),
            _ => None,
        }
    }

    /// Whether customers' calls spend what bounds the background: a cap, the bank's servers
    /// or a rate policy that counts every call (not a quota, nor a policy for unattended
    /// calls only, as the CDR's thresholds are).
    pub fn customers_spend_limits(&self) -> bool {
        self.servers.is_some()
            || self.limits.iter().any(|l| {
                matches!(
                    l,
                    Limit::Concurrency(_)
                        | Limit::TokenBucket(_)
                        | Limit::FixedWindow(_)
                        | Limit::SlidingWindow(_)
                        | Limit::During { .. }
                )
            })
    }

    /// Shares of each day closed by rejecting maintenance windows, and of slow windows with
    /// their slowdown factors.
    fn maintenance_per_day(&self) -> (f64, Vec<(f64, f64)>) {
        let mut closed = 0.0;
        let mut slow = Vec::new();
        for limit in &self.limits {
            // A window on some days only (an incident) takes no day's steady capacity.
            if let Limit::Maintenance(m) = limit {
                if !m.every_day() {
                    continue;
                }
                let (len, mode) = m.window();
                let share = len.as_secs_f64() / 86_400.0;
                match mode {
                    MaintenanceMode::Reject => closed += share,
                    MaintenanceMode::Slow { factor } => slow.push((share, factor)),
                }
            }
        }
        (closed, slow)
    }
}

/// What a policy's bound depends on besides the policy.
pub(super) struct Scope {
    /// Seconds of the span the bank is open (outside rejecting maintenance).
    pub(super) open_secs: f64,
    /// Calls one slot serves in the span (Little's law, slow hours at their pace).
    pub(super) per_slot: f64,
    pub(super) connections: f64,
    pub(super) days: f64,
}

/// One policy's bound over the span; quotas and maintenance windows are listed but do not
/// bind the bank's calls (a quota bounds each connection's; a window's effect is in the
/// open hours); a scheduled policy is counted with the others of its kind ([`scheduled`]).
pub(super) fn policy_bound(limit: &Limit, s: &Scope) -> Option<PolicyBound> {
    let bound = |policy: String, calls: f64| PolicyBound {
        policy,
        calls,
        binds: true,
    };
    Some(match limit {
        Limit::Concurrency(c) => bound(
            format!("concurrency cap {}", c.max_in_flight()),
            c.max_in_flight() as f64 * s.per_slot,
        ),
        Limit::TokenBucket(_) | Limit::FixedWindow(_) | Limit::SlidingWindow(_) => {
            let (policy, calls) = rate_bound(limit, s.open_secs)?;
            bound(policy, calls)
        }
        Limit::Quota(q) => PolicyBound {
            policy: quota_name(q),
            calls: q.k() as f64 * s.connections * s.days,
            binds: false,
        },
        Limit::Maintenance(m) => {
            let (len, mode) = m.window();
            let what = match mode {
                MaintenanceMode::Reject => "rejecting".to_string(),
                MaintenanceMode::Slow { factor } => format!("{factor}× slower"),
            };
            let when = match m.days() {
                [] => "a day".to_string(),
                days => format!("on {} (an incident: no daily bound)", day_list(days)),
            };
            PolicyBound {
                policy: format!("maintenance {len} {when}, {what}"),
                calls: f64::INFINITY,
                binds: false,
            }
        }
        Limit::PenaltyBox(_) | Limit::During { .. } => return None,
        Limit::Dated { days, inner } => PolicyBound {
            policy: format!(
                "{}{} on {} (an incident: no daily bound)",
                rate_bound(inner.unscheduled(), s.open_secs)?.0,
                match **inner {
                    Limit::During { from_us, to_us, .. } => format!(
                        " {}–{}",
                        SimDuration(from_us).time_of_day(),
                        SimDuration(to_us).time_of_day()
                    ),
                    _ => String::new(),
                },
                day_list(days)
            ),
            calls: f64::INFINITY,
            binds: false,
        },
        // A policy for unattended calls bounds the background as any does (listed by
        // [`scheduled`] when it has hours); one for customer-present calls bounds it not.
        Limit::Only {
            present: false,
            inner,
        } => {
            let mut b = policy_bound(inner, s)?;
            b.policy.push_str(UNATTENDED);
            b
        }
        Limit::Only {
            present: true,
            inner,
        } => PolicyBound {
            policy: format!(
                "{} on customer-present calls",
                rate_bound(inner.unscheduled(), s.open_secs)?.0
            ),
            calls: f64::INFINITY,
            binds: false,
        },
    })
}

/// What a bound's name adds for a policy that counts only unattended calls.
pub(super) const UNATTENDED: &str = " on unattended calls";

/// A rate policy's name and the calls it admits in `secs` seconds.
pub(super) fn rate_bound(limit: &Limit, secs: f64) -> Option<(String, f64)> {
    match limit {
        Limit::TokenBucket(b) => Some((
            format!(
                "token bucket {}/s, burst {}{}",
                round(b.rate()),
                b.burst(),
                per_refresh(b.calls())
            ),
            b.most_in(SimDuration::from_secs_f64(secs)),
        )),
        Limit::FixedWindow(w) => {
            let ((n, win), (admitted, calls)) = (w.limit(), w.admissions());
            Some((
                format!("fixed window {n} per {win}{}", per_refresh(calls)),
                windows(admitted, win, secs),
            ))
        }
        Limit::SlidingWindow(w) => {
            let ((n, win), (admitted, calls)) = (w.limit(), w.admissions());
            Some((
                format!("sliding window {n} per {win}{}", per_refresh(calls)),
                windows(admitted, win, secs),
            ))
        }
        _ => None,
    }
}

/// What a policy's name adds when a refresh spends several of its calls.
fn per_refresh(calls: u32) -> String {
    match calls {
        1 => String::new(),
        k => format!(" at {k} calls a refresh"),
    }
}

/// Days as people write them: "day 3", "days 3, 4 and 9".
pub fn day_list(days: &[u32]) -> String {
    let list: Vec<String> = days.iter().map(|d| d.to_string()).collect();
    match list.as_slice() {
        [one] => format!("day {one}"),
        [init @ .., last] => format!("days {} and {last}", init.join(", ")),
        [] => String::new(),
    }
}

/// `n` admissions in each of the `⌈t / window⌉` windows a span of `t` seconds meets.
fn windows(n: u32, window: SimDuration, t: f64) -> f64 {
    n as f64 * (t / window.as_secs_f64()).ceil()
}

fn quota_name(q: &Quota) -> String {
    format!("quota {} per connection a day", q.k())
}

/// A rate as people write it: at most three decimals, no trailing zeros.
fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::bank::{
        ConcurrencyCap, FixedWindow, Maintenance, PenaltyBox, QuotaPeriod, RetryAfter, ServiceTime,
        SlidingWindow, TokenBucket,
    };

    const DAY: SimDuration = SimDuration::from_hours(24);

    /// A bank of `limits` whose calls take `mean_secs` on average (exponentially).
    pub(in crate::bank) fn bank(limits: Vec<Limit>, mean_secs: u64, error_rate: f64) -> Bank {
        Bank {
            name: "b".into(),
            description: String::new(),
            share: 1.0,
            service_time: ServiceTime::exponential(SimDuration::from_secs(mean_secs)),
            error_rate,
            limits,
            servers: None,
            retry_after: RetryAfter::Policy,
            calls_per_refresh: 1,
            tested: Default::default(),
        }
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-6 * b.abs().max(1.0), "{a} vs {b}");
    }

    /// Each policy kind against the hand arithmetic of its bound over a day.
    #[test]
    fn each_policy_alone_is_exact() {
        // Token bucket 1/s, burst 10: 86,400 + 10.
        let c =
            bank(vec![Limit::TokenBucket(TokenBucket::new(1.0, 10))], 5, 0.0).capacity(DAY, 1e5);
        close(c.calls, 86_410.0);
        assert!(c.exact);
        assert_eq!(c.binding_policy(), Some("token bucket 1/s, burst 10"));
        // Fixed window 100 a minute: 1,440 windows.
        let c = bank(
            vec![Limit::FixedWindow(FixedWindow::new(
                100,
                SimDuration::from_mins(1),
            ))],
            5,
            0.0,
        )
        .capacity(DAY, 1e5);
        close(c.calls, 144_000.0);
        assert_eq!(c.binding_policy(), Some("fixed window 100 per 1m"));
        // Sliding window 7 per 7 minutes: 1,440 / 7 = 205.7 → 206 windows.
        let c = bank(
            vec![Limit::SlidingWindow(SlidingWindow::new(
                7,
                SimDuration::from_mins(7),
            ))],
            5,
            0.0,
        )
        .capacity(DAY, 1e5);
        close(c.calls, 7.0 * 206.0);
        // Concurrency cap 4 at a mean service of 8 s: 4 / 8 per second, Little's law.
        let c = bank(vec![Limit::Concurrency(ConcurrencyCap::new(4))], 8, 0.01).capacity(DAY, 1e5);
        close(c.calls, 43_200.0);
        close(c.refreshes, 43_200.0 * 0.99);
        assert_eq!(c.binding_policy(), Some("concurrency cap 4"));
        // Quota 4 per connection a day, 1,000 connections: 4,000 calls.
        let c = bank(
            vec![Limit::Quota(Quota::new(4, QuotaPeriod::Rolling))],
            5,
            0.0,
        )
        .capacity(DAY, 1_000.0);
        close(c.bounds[0].calls, 4_000.0);
        // Listed, but a quota bounds each connection's calls, not the bank's.
        assert!(!c.bounds[0].binds && c.calls.is_infinite() && c.binding.is_none());
        // Internal servers bound like a cap.
        let mut b = bank(vec![], 2, 0.0);
        b.servers = Some(3);
        close(b.capacity(DAY, 1e5).calls, 3.0 * 43_200.0);
        // No policy: no bound.
        let c = bank(vec![], 5, 0.0).capacity(DAY, 1e5);
        assert!(c.calls.is_infinite() && c.binding.is_none() && c.exact);
    }

    /// The least bound binds; a maintenance window shrinks the others to the open hours and
    /// makes the figure a bound to simulate; a penalty box bounds nothing on its own.
    #[test]
    fn combinations_bind_on_the_least_and_ask_for_simulation() {
        let h = SimDuration::from_hours;
        let c = bank(
            vec![
                Limit::Concurrency(ConcurrencyCap::new(4)),
                Limit::TokenBucket(TokenBucket::new(0.25, 5)),
            ],
            8,
            0.0,
        )
        .capacity(DAY, 1e5);
        close(c.calls, 21_605.0);
        assert_eq!(c.binding_policy(), Some("token bucket 0.25/s, burst 5"));
        assert!(!c.exact);

        let c = bank(
            vec![
                Limit::Concurrency(ConcurrencyCap::new(4)),
                Limit::Maintenance(Maintenance::new(h(0), h(6), MaintenanceMode::Reject)),
            ],
            8,
            0.0,
        )
        .capacity(DAY, 1e5);
        close(c.calls, 43_200.0 * 0.75);
        assert!(!c.exact);

        let c = bank(
            vec![Limit::Maintenance(Maintenance::new(
                h(0),
                h(12),
                MaintenanceMode::Slow { factor: 2.0 },
            ))],
            8,
            0.0,
        );
        let mut capped = c.clone();
        capped
            .limits
            .push(Limit::Concurrency(ConcurrencyCap::new(4)));
        // Half the day at full pace, half at half pace: 3/4 of the plain cap.
        close(capped.capacity(DAY, 1e5).calls, 43_200.0 * 0.75);
        assert!(c.capacity(DAY, 1e5).calls.is_infinite());

        // Scheduled buckets covering the day bind together (the CDR's two thresholds); one
        // that leaves hours unmetered binds nothing.
        let night = || Limit::during(h(0), h(6), Limit::TokenBucket(TokenBucket::new(1.0, 10)));
        let day = Limit::during(h(6), h(24), Limit::TokenBucket(TokenBucket::new(0.5, 10)));
        let c = bank(vec![night(), day], 8, 0.0).capacity(DAY, 1e5);
        close(c.calls, (21_600.0 + 10.0) + (32_400.0 + 10.0));
        assert!(c
            .binding_policy()
            .unwrap()
            .starts_with("scheduled token bucket 1/s"));
        assert!(!c.exact);
        assert!(bank(vec![night()], 8, 0.0)
            .capacity(DAY, 1e5)
            .calls
            .is_infinite());
        let c = bank(
            vec![Limit::PenaltyBox(PenaltyBox::new(SimDuration::from_secs(
                60,
            )))],
            8,
            0.0,
        )
        .capacity(DAY, 1e5);
        assert!(c.calls.is_infinite() && !c.exact);
    }

    /// A bucket of every hour meters the hours a scheduled one leaves: 4/s all day and 0.5/s
    /// in 06:00–22:00 allow 4/s for 8 h and 0.5/s for 16 h, each stretch with its burst, not
    /// the 4/s bucket's whole day.
    #[test]
    fn a_schedule_binds_with_the_policies_of_every_hour() {
        let h = SimDuration::from_hours;
        let all_day = Limit::TokenBucket(TokenBucket::new(4.0, 10));
        let daytime = Limit::during(h(6), h(22), Limit::TokenBucket(TokenBucket::new(0.5, 5)));
        let c = bank(vec![all_day, daytime], 8, 0.0).capacity(DAY, 1e5);
        close(
            c.calls,
            (86_400.0 + 10.0) + (28_800.0 + 5.0) + (28_800.0 + 10.0),
        );
        assert_eq!(
            c.binding_policy(),
            Some("scheduled token bucket 4/s, burst 10 and token bucket 0.5/s, burst 5")
        );
        // A fixed window of every hour meets a stretch in one window more than it spans
        // (02:00–04:00 meets two windows of 3 h, 2,000 calls), and where no scheduled policy
        // is the least, the schedule names no bound of its own.
        let window = Limit::FixedWindow(FixedWindow::new(1_000, h(3)));
        let night = Limit::during(h(0), h(6), Limit::TokenBucket(TokenBucket::new(100.0, 10)));
        let b = bank(vec![window, night], 8, 0.0);
        let band = (h(2).as_micros(), h(4).as_micros());
        assert_eq!(scheduled(&b.limits, band), None);
        assert!(b.band_capacity(band, 1e5).calls >= 2_000.0);
    }

    /// Customers' calls spend a cap's slots and a bucket for every call, not one for
    /// unattended calls (the CDR's); a bucket for customer-present calls bounds no
    /// background refresh, and is listed as not binding.
    #[test]
    fn customers_spend_only_the_policies_that_count_them() {
        let (h, hours) = (|x: u64| x * 3_600_000_000, SimDuration::from_hours);
        let bucket = |rate: f64| Limit::TokenBucket(TokenBucket::new(rate, 1));
        let near = |a: f64, b: f64| (a - b).abs() < 1e-3 * b;
        let capped = bank(vec![Limit::Concurrency(ConcurrencyCap::new(16))], 4, 0.0);
        assert!(near(capped.band_rate((h(0), h(6)), 1.0), 3.0));
        assert!(capped.customers_spend_limits());
        let shared = bank(vec![bucket(5.0)], 1, 0.0);
        assert!(near(shared.band_rate((h(0), h(6)), 1.0), 4.0));
        let unattended = |from, to, rate| {
            Limit::only(false, Limit::during(hours(from), hours(to), bucket(rate)))
        };
        let cdr = bank(
            vec![
                unattended(0, 6, 50.0),
                unattended(6, 24, 5.0),
                Limit::Quota(Quota::new(20, QuotaPeriod::CalendarDay)),
            ],
            2,
            0.0,
        );
        assert!(near(cdr.band_rate((h(0), h(6)), 10.0), 50.0));
        assert!(!cdr.customers_spend_limits());
        let c = cdr.capacity(DAY, 1e5);
        close(c.calls, (50.0 * 21_600.0 + 1.0) + (5.0 * 64_800.0 + 1.0));
        assert_eq!(
            c.binding_policy(),
            Some("scheduled token bucket 50/s, burst 1 and token bucket 5/s, burst 1 on unattended calls")
        );
        let present = bank(vec![Limit::only(true, bucket(5.0))], 1, 0.0);
        assert!(present.band_rate((h(0), h(6)), 1.0).is_infinite());
        let c = present.capacity(DAY, 1e5);
        assert!(
            c.calls.is_infinite() && !c.bounds[0].binds,
            "{:?}",
            c.bounds
        );
        assert!(c.bounds[0].policy.contains("customer-present"));
    }
}
