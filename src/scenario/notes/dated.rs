//! A rate cut on given days (an incident) that its bank's every-day limits already go
//! below: the run with it is the run without it, and a planner who wrote "half the rate"
//! reads no effect into a bad day that never happened (a trial halved a bank's bucket from
//! 5/s to 2.5/s for a day; its concurrency cap of 20 already held it to about 2.3 a second,
//! and the output was byte-identical to the baseline's). Its cap's arithmetic bound was
//! 3.1 a second: the client's own pace was what the cut stayed above, so `run` says so
//! after the run, from what the bank refused.

use super::super::Scenario;
use crate::bank::capacity::day_list;
use crate::bank::{Bank, Limit};
use crate::metrics::RunResult;
use crate::time::{SimDuration, DAY_US};

impl Scenario {
    /// Each whole-day rate limit on given days that admits no fewer calls a day than the
    /// bank's every-day limits already allow (their arithmetic bound, an upper bound where
    /// policies combine: so what they let through is lower still), with that bound a second.
    pub fn incidents_without_effect(&self) -> Vec<String> {
        let mut out = Vec::new();
        for bank in &self.banks {
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
                if calls < every_day.calls {
                    continue;
                }
                out.push(format!(
                    "banks.{}.limits[{i}]: the {name} on {} admits {:.2} calls a second, no \
                     fewer than its every-day limits already allow ({:.2} a second at most, \
                     the {binding}): the incident changes little or nothing (a rate under that \
                     is a cut)",
                    bank.name,
                    day_list(days),
                    calls / 86_400.0,
                    every_day.calls / 86_400.0,
                ));
            }
        }
        out
    }

    /// After run `r`: each whole-day rate limit on given days on whose (whole, simulated)
    /// days its bank sent no more 429s than on its most refused other day, where the
    /// client's busiest hour there stayed under the limit's rate: the cut met a client
    /// already slower than it. With that busiest hour's pace, so that a cut can be set
    /// below it.
    pub fn incidents_unfelt(&self, r: &RunResult) -> Vec<String> {
        let (s, end) = (&r.series, r.window_start + r.window);
        let first = r.window_start.as_micros() / DAY_US;
        let last = end.as_micros().div_ceil(DAY_US);
        let mut out = Vec::new();
        for (b, bank) in self.banks.iter().enumerate() {
            for (i, limit) in bank.limits.iter().enumerate() {
                let (Limit::Dated { days, .. }, Some((name, calls))) =
                    (limit, Bank::dated_day_bound(limit))
                else {
                    continue;
                };
                let whole = |d: u64| s.clock_day(d, end).map(|m| (d, m));
                let (on, off): (Vec<_>, Vec<_>) = (first..last)
                    .filter_map(whole)
                    .partition(|(d, _)| days.contains(&(*d as u32)));
                let Some(usual) = off.iter().map(|&(_, m)| s.refused(b, m)).max() else {
                    continue;
                };
                let busiest = |m| s.busiest(Some(b), m, 60) as f64 / 3600.0;
                let unfelt: Vec<(u32, f64)> = (on.iter())
                    .filter(|&&(_, m)| s.refused(b, m) <= usual && busiest(m) * 86_400.0 < calls)
                    .map(|&(d, m)| (d as u32, busiest(m)))
                    .collect();
                let Some(peak) = unfelt.iter().map(|x| x.1).max_by(f64::total_cmp) else {
                    continue;
                };
                let list: Vec<u32> = unfelt.iter().map(|x| x.0).collect();
                out.push(format!(
                    "banks.{}.limits[{i}]: the {name} on {} refused no more than an ordinary \
                     day there ({} 429s at most on another day): the client's busiest hour at \
                     the bank that day was {peak:.2} calls a second, under the limit's \
                     {:.2}, so the incident changed little (a rate under that pace is a cut)",
                    bank.name,
                    day_list(&list),
                    usual,
                    calls / 86_400.0,
                ));
            }
        }
        out
    }
}
