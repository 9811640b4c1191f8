//! A bank call's life from its admission to its end: its service time and 5xx coin drawn, a
//! server taken or waited for, the in-flight levels and their integrals, and its outcome
//! counted and learned. Kept apart from the run loop in `sim.rs`; both are `impl World`.

use super::{BankState, Event, Outcome, Waiting, World, SIBLING};
use crate::bank::Bank;
use crate::rng::Purpose;
use crate::time::SimTime;

impl World {
    /// An admitted call of connection `c` (its attempt `attempt`) starts at the bank: its
    /// service time and 5xx coin are drawn, and it is served at once or waits for a server.
    pub(super) fn start_call(&mut self, now: SimTime, c: u32, attempt: u32, present: bool) {
        let ci = c as usize;
        let b = self.conns[ci].bank as usize;
        let (service, failed) =
            self.banks[b].draw_call(now, &mut self.streams.at(Purpose::Call, c, attempt));
        let minute = self.series.at(b, now);
        minute.admitted += 1;
        minute.present_admitted += present as u32;
        let t = &mut self.tally[b];
        t.admitted += 1;
        t.present_admitted += present as u64;
        self.call_admitted(b);
        self.conns[ci].pending_since = now;
        let st = &mut self.state[b];
        match self.banks[b].servers {
            Some(k) if st.busy_servers >= k => {
                st.waiting.push_back(Waiting {
                    conn: c,
                    since: now,
                    service,
                    failed,
                    present,
                });
            }
            _ => {
                st.busy_servers += 1;
                let end = now + service;
                self.in_flight_over(b, now, end);
                let Some(settled) = &mut self.settled else {
                    let event = Event::BankDone {
                        conn: c,
                        failed,
                        present,
                    };
                    self.queue.schedule(end, event);
                    return;
                };
                // Settled now, ended later (`settled.rs`); the model's event all the same.
                settled.call_ends(end, b);
                self.tally[b].events += 1;
                self.settle_call(end, c, failed, now, present);
                self.conns[ci].pending_since = end;
            }
        }
    }

    pub(super) fn bank_done(&mut self, now: SimTime, c: u32, failed: bool, present: bool) {
        let ci = c as usize;
        let b = self.conns[ci].bank as usize;
        self.call_ended(now, b);
        if self.conns[ci].flags & SIBLING != 0 {
            self.sibling_done(now, c, failed, present);
            return;
        }
        let submitted = std::mem::replace(&mut self.conns[ci].pending_since, SimTime::NEVER);
        self.settle_call(now, c, failed, submitted, present);
    }

    /// A call at bank `b` ends at `now`: its concurrency and a server are freed, and the
    /// in-flight levels fall (its time in flight was counted when its end was known).
    #[inline]
    fn call_ended(&mut self, now: SimTime, b: usize) {
        end_call(
            &mut self.banks[b],
            &mut self.state[b],
            &mut self.in_flight_all,
        );
        // A freed server takes the longest-waiting call.
        let st = &mut self.state[b];
        if let Some(w) = st.waiting.pop_front() {
            st.busy_servers += 1;
            let t = &mut self.tally[b];
            t.waited += 1;
            t.wait_total += (now - w.since).as_micros() as u128;
            self.in_flight_over(b, w.since, now + w.service);
            self.queue.schedule(
                now + w.service,
                Event::BankDone {
                    conn: w.conn,
                    failed: w.failed,
                    present: w.present,
                },
            );
        }
    }

    /// Connection `c`'s call, submitted at `submitted`, ends at `now` in success or a 5xx
    /// (`failed`): counted, its data refreshed, and learned by the client at the next poll
    /// or by callback.
    #[inline(always)]
    fn settle_call(
        &mut self,
        now: SimTime,
        c: u32,
        failed: bool,
        submitted: SimTime,
        present: bool,
    ) {
        let ci = c as usize;
        let b = self.conns[ci].bank as usize;
        let learned = self.platform.learn(submitted, now);
        let t = &mut self.tally[b];
        t.api_calls += learned.polls as u64;
        let day = self.daily.at(b, now);
        day.api_calls += learned.polls as u64;
        let outcome = if failed {
            t.errors += 1;
            day.errors += 1;
            self.series.at(b, now).errors += 1;
            Outcome::Error
        } else {
            t.successes += 1;
            day.successes += 1;
            self.series.at(b, now).successes += 1;
            if now < self.window_end {
                t.successes_after_warmup += (now >= self.measured_from) as u64;
                self.refreshed(now, ci, !present);
            } else {
                // A call admitted in the window that ends after it: an outcome like any
                // other, but not a refresh "within the window" (no submission follows, so
                // dedup no longer needs its time either).
                t.late_successes += 1;
            }
            Outcome::Success
        };
        self.note_decided(ci, outcome);
        self.tally[b].sojourn_total += (now - submitted).as_micros() as u128;
        self.learn_at(learned.at, c, outcome, false, present);
        self.log_done(c, learned.at, outcome);
    }

    /// A call is admitted at bank `b`: the in-flight levels rise (so their peaks can move
    /// only here).
    #[inline]
    fn call_admitted(&mut self, b: usize) {
        let st = &mut self.state[b];
        st.in_flight += 1;
        self.tally[b].peak_in_flight = self.tally[b].peak_in_flight.max(st.in_flight);
        self.in_flight_all += 1;
        self.peak_in_flight_all = self.peak_in_flight_all.max(self.in_flight_all);
    }

    /// Bank `b`'s call is in flight over `[from, to)`, known once a server takes it: its
    /// time adds to the in-flight integrals (the levels' integrals are the sums of the
    /// calls' times, see `TimeSeries::add_call`).
    #[inline]
    fn in_flight_over(&mut self, b: usize, from: SimTime, to: SimTime) {
        let window = (self.measured_from, self.window_end);
        self.tally[b].add_in_flight(window, from, to);
        self.series.add_call(b, from, to);
    }
}

/// A call ends at `bank`: its concurrency and server are freed, and the in-flight levels
/// (`st`'s and `all`, every bank's) fall.
#[inline(always)]
pub(super) fn end_call(bank: &mut Bank, st: &mut BankState, all: &mut u64) {
    bank.release();
    st.in_flight -= 1;
    st.busy_servers -= 1;
    *all -= 1;
}
