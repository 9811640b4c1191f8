//! After a run: a rate cut on given days (an incident) that changed nothing, since the
//! client was already slower than it there (a trial halved a bank's bucket from 5/s to
//! 2.5/s for a day under a client its cap and its own slots held to about 2.3 a second: the
//! run was byte-identical to the baseline's, and read as the incident's). `check` says
//! what the bank's own limits make of a cut before a run (`scenario/notes/dated.rs`); the
//! client's pace is known only after one.

use super::text::thousands;
use crate::bank::capacity::day_list;
use crate::bank::{Bank, Limit};
use crate::metrics::RunResult;
use crate::scenario::Scenario;
use crate::time::DAY_US;

/// After run `r`: each whole-day rate limit on given days on whose (whole, simulated)
/// days its bank sent no more 429s than on its most refused other day, where the
/// client's busiest hour there stayed under the limit's rate: the cut met a client
/// already slower than it (by a tenth: where the cut binds, the busiest hour runs at its
/// rate). With that busiest hour's pace, so that a cut can be set below it.
pub fn unfelt_incidents(sc: &Scenario, r: &RunResult) -> Vec<String> {
    let (s, end) = (&r.series, r.window_start + r.window);
    let first = r.window_start.as_micros() / DAY_US;
    let last = end.as_micros().div_ceil(DAY_US);
    let mut out = Vec::new();
    for (b, bank) in sc.banks.iter().enumerate() {
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
                .filter(|&&(_, m)| s.refused(b, m) <= usual && busiest(m) * 86_400.0 < 0.9 * calls)
                .map(|&(d, m)| (d as u32, busiest(m)))
                .collect();
            let Some(peak) = unfelt.iter().map(|x| x.1).max_by(f64::total_cmp) else {
                continue;
            };
            let list: Vec<u32> = unfelt.iter().map(|x| x.0).collect();
            out.push(format!(
                "banks.{}.limits[{i}]: the {name} on {} refused no more than an ordinary \
                 day there ({} 429s at most on another day): the busiest hour of calls at the \
                 bank those days (customers' among them) was {peak:.2} refreshes a second, \
                 under the limit's {:.2}, so the incident changed little (a rate under that \
                 pace is a cut)",
                bank.name,
                day_list(&list),
                thousands(usual as f64),
                calls / 86_400.0,
            ));
        }
    }
    out
}
