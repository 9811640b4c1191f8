//! A rate cut on given days (an incident) that its bank's every-day limits already go
//! below: the run with it is the run without it, and a planner who wrote "half the rate"
//! reads no effect into a bad day that never happened (a trial halved a bank's bucket from
//! 5/s to 2.5/s for a day; its concurrency cap of 20 already held it to about 2.3 a second,
//! and the output was byte-identical to the baseline's). Its cap's arithmetic bound was
//! 3.1 a second: the client's own pace was what the cut stayed above, so `run` says so
//! after the run, from what the bank refused (`output/unfelt.rs`).

use super::super::Scenario;
use crate::bank::capacity::day_list;
use crate::bank::{Bank, Limit};
use crate::time::SimDuration;

impl Scenario {
    /// Each whole-day rate limit on given days that admits a tenth more refreshes a day
    /// than the bank's every-day limits already allow (their arithmetic bound, an upper
    /// bound where policies combine: so what they let through is lower still), with that
    /// bound a second. Only where those limits meter every hour alike and every call (no
    /// maintenance, hours, penalty box or policy for one kind of call: a cut to 7/s under
    /// 20/s by night and 2/s by day averages above the day's bound, and binds all night).
    pub fn incidents_without_effect(&self) -> Vec<String> {
        let mut out = Vec::new();
        let uniform = |l: &Limit| {
            matches!(
                l,
                Limit::Concurrency(_)
                    | Limit::TokenBucket(_)
                    | Limit::FixedWindow(_)
                    | Limit::SlidingWindow(_)
                    | Limit::Quota(_)
                    | Limit::Dated { .. }
            )
        };
        for bank in self.banks.iter().filter(|b| b.limits.iter().all(uniform)) {
            let every_day = bank.capacity(
                SimDuration::from_hours(24),
                bank.share * self.connections as f64,
            );
            let Some(binding) = every_day.binding_policy() else {
                continue;
            };
            for (i, limit) in bank.limits.iter().enumerate() {
                let (Limit::Dated { days, .. }, Some((name, calls))) =
                    (limit, Bank::dated_day_bound(limit))
                else {
                    continue;
                };
                if calls < 1.1 * every_day.calls {
                    continue;
                }
                out.push(format!(
                    "banks.{}.limits[{i}]: the {name} on {} admits {:.2} refreshes a second, \
                     more than its every-day limits already allow ({:.2} a second at most, the \
                     {binding}): the incident changes little or nothing (a rate under that is \
                     a cut)",
                    bank.name,
                    day_list(days),
                    calls / 86_400.0,
                    every_day.calls / 86_400.0,
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    /// A cut said only past a tenth over the every-day bound (a cap of 2 over 4 s calls: 0.5
    /// a second), and only where every hour and call is metered alike.
    #[test]
    fn a_cut_is_said_past_a_tenth_over_a_uniform_bound() {
        let said = |rate: f64, more: &str| {
            let text = format!(
                "[window]\nlength = \"3d\"\n[population]\nconnections = 1000\n\
                 [strategy]\nkind = \"queued\"\nconcurrency = 8\n\
                 [[banks]]\nname = \"capped\"\nshare = 1.0\n\
                 service_time = {{ dist = \"constant\", value = \"4s\" }}\n\
                 limits = [{{ kind = \"concurrency\", max_in_flight = 2 }},\n\
                 {{ kind = \"token_bucket\", rate = {rate}, burst = 5, days = [1] }}{more}]\n"
            );
            let sc = crate::scenario::parse(&text, "inline", "cut", &[]).unwrap();
            !sc.incidents_without_effect().is_empty()
        };
        assert!(!said(0.52, ""));
        assert!(said(0.6, ""));
        let night = ",\n{ kind = \"token_bucket\", rate = 5.0, burst = 5, during = [\"00:00\", \"06:00\"] }";
        assert!(!said(0.6, night));
        let closed = ",\n{ kind = \"maintenance\", start = \"01:00\", end = \"02:00\" }";
        assert!(!said(0.6, closed));
    }
}
