//! Summing a run up once its last event is played: the staleness of every connection to
//! the window's end, the connections due each day, and the tallies turned into a
//! [`RunResult`]. Kept apart from the run loop in `sim.rs`; both are `impl World`.

use super::World;
use crate::metrics::{RunResult, DAY_US};
use crate::time::{SimDuration, SimTime};

impl World {
    pub(super) fn finish(mut self) -> RunResult {
        debug_assert!(
            self.state
                .iter()
                .all(|s| s.in_flight == 0 && s.waiting.is_empty()),
            "calls left in flight"
        );
        let window = self.window_end - self.window_start;
        let last_success = self.close_connections();
        let finished = self.finished();
        self.close_requests(self.window_end);
        let measured_days = self.add_measured_days();
        for (t, b) in self.tally.iter_mut().zip(&self.banks) {
            t.bank_calls = t.admitted * b.calls_per_refresh as u64;
            t.customer_bank_calls = t.present_admitted * b.calls_per_refresh as u64;
        }
        self.series.close();
        // Sorted, so that a settled run, which applies its calls' ends in another order,
        // compares equal to the run with events where it holds the same pieces.
        #[cfg(test)]
        self.daily_age.pieces.sort_unstable();
        let per_refresh: Vec<u32> = self.banks.iter().map(|b| b.calls_per_refresh).collect();
        self.daily.add_bank_calls(&self.series, &per_refresh);
        let (start, end) = (self.window_start, self.window_end);
        let pool_slots = self
            .client
            .pools()
            .map_or(Vec::new(), |p| p.mean_slots(start, end));
        RunResult {
            scenario: self.names.scenario,
            strategy: self.strategy.name(),
            concurrency: self.strategy.concurrency(),
            order: self.client.pools().map(|p| p.order()),
            client: self.names.client,
            label: String::new(),
            seed: self.seed,
            window_start: self.window_start,
            window,
            warmup: self.measured_from - self.window_start,
            bank_names: self.banks.iter().map(|b| b.name.clone()).collect(),
            limit_kinds: (self.banks.iter())
                .map(|b| b.limits.iter().map(|l| l.kind()).collect())
                .collect(),
            calls_per_refresh: per_refresh,
            banks: self.tally,
            peak_in_flight_all: self.peak_in_flight_all,
            peak_outstanding_all: self.peak_outstanding_all,
            finished,
            last_success,
            series: self.series,
            staleness: self.staleness,
            at_open: self.at_open,
            daily_age: self.daily_age,
            daily: self.daily,
            measured_days,
            short_period: (self.short_period > 0).then_some(SimDuration(self.short_period)),
            period: self.period,
            pool_slots,
            demand: self.demand_stats,
        }
    }

    /// Each connection's staleness to the window's end (or its consent's), the connections
    /// refreshed and due each day per bank; returns the last success.
    fn close_connections(&mut self) -> Option<SimTime> {
        let nb = self.banks.len();
        let days = self.daily.len_days();
        // Connections due per day: those whose consent is valid through the day's end. A
        // connection is due on its first `k` days, by the consent it holds at the end (those
        // days it went without one before a reconnect are taken off below); count how many
        // have each `k`.
        let mut due_days = vec![0u64; nb * (days + 1)];
        let mut last_success = None;
        for (ci, conn) in self.conns.iter().enumerate() {
            let b = conn.bank as usize;
            let refreshed = conn.last_success != SimTime::NEVER;
            if refreshed {
                last_success = last_success.max(Some(conn.last_success));
            }
            let (from, to) = (
                self.segment_from(conn),
                self.window_end.min(conn.consent_expires),
            );
            self.staleness.record(b, conn.last_success, from, to);
            let opens = super::asks(&self.demand, ci);
            (self.at_open).record_of(opens, b, conn.last_success, from, to);
            let from = self.day_segment_from(conn);
            self.daily_age.record(b, conn.last_success, from, to);
            let (from, held) = self.renewals.piece_from(ci, from);
            (self.daily_age).count_stale(b, conn.last_success, (from, to), held);
            #[cfg(test)]
            (self.daily_age.pieces).push((ci, b, conn.last_success, from, to));
            let k = if conn.consent_expires >= self.window_end {
                days
            } else {
                let whole = conn
                    .consent_expires
                    .saturating_since(self.window_start)
                    .as_micros();
                ((whole / DAY_US) as usize).min(days)
            };
            due_days[b * (days + 1) + k] += 1;
            self.tally[b].refreshed += refreshed as u64;
        }
        let lapsed = |i: usize| self.renewals.lapsed.get(i).copied().unwrap_or(0);
        for b in 0..nb {
            let mut due = 0;
            for d in (0..days).rev() {
                due += due_days[b * (days + 1) + d + 1];
                // Less those whose consent had lapsed at the day's end, to be renewed later.
                self.daily.days[d * nb + b].eligible = due - lapsed(d * nb + b);
            }
        }
        last_success
    }

    /// When the last event was (or, in a settled run, would have been).
    fn finished(&self) -> SimTime {
        let settled = self.settled.as_ref().map(|s| s.last_event());
        (self.queue.now().max(self.window_end)).max(settled.unwrap_or(SimTime::ZERO))
    }

    /// Sets each day's due connection-periods, then adds the measured days' users and due
    /// and covered connection-days to the tallies; returns how many days are measured.
    fn add_measured_days(&mut self) -> f64 {
        let nb = self.banks.len();
        for d in 0..self.daily.len_days() {
            let periods = self.periods_of_day(d);
            for day in &mut self.daily.days[d * nb..(d + 1) * nb] {
                day.period_due = (day.eligible * periods + day.period_joined)
                    .saturating_sub(day.period_unreachable);
            }
        }
        let measured = self.daily.measured(self.measured_from);
        for &d in &measured {
            for (b, t) in self.tally.iter_mut().enumerate() {
                let day = &self.daily.days[d * nb + b];
                t.users += day.users;
                t.eligible += day.eligible;
                t.covered += day.covered;
                t.background_covered += day.background_covered;
                t.period_covered += day.period_covered;
                t.period_due += day.period_due;
            }
        }
        measured.len() as f64
    }
}
