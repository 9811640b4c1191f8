//! What rate policies scheduled for hours of the day (`during`) admit through a band of
//! hours, with the rate policies of every hour beside them (see [`scheduled`]).

use super::{rate_bound, PolicyBound, UNATTENDED};
use crate::bank::Limit;

/// Rate policies scheduled for hours of the day bound the bank through a band of hours
/// `(from, to)` (microseconds into the day; the whole day for a day's capacity) when every
/// stretch of the band is metered, by them or by a rate policy of every hour: stretch by
/// stretch (between the schedules' edges), the least that any policy metering it admits,
/// summed. An upper bound: no stretch admits more than any of its policies allows. The CDR's
/// 00:00–06:00 and 06:00–24:00 thresholds bind together; so do 4/s all day and 0.5/s in
/// 06:00–22:00, at 4/s for 8 h and 0.5/s for 16 h (a trial's plan said 4/s all day).
pub(in crate::bank) fn scheduled(limits: &[Limit], (from, to): (u64, u64)) -> Option<PolicyBound> {
    let metered = metered(limits, (from, to));
    // Said once when every policy counts unattended calls only (the CDR's).
    let all_unattended = metered.iter().all(|m| m.unattended);
    let mut edges: Vec<u64> = metered.iter().flat_map(|m| [m.from, m.to]).collect();
    edges.extend([from, to]);
    edges.sort_unstable();
    edges.dedup();
    let (mut calls, mut names, mut binds) = (0.0, Vec::<String>::new(), false);
    for w in edges.windows(2) {
        let tag = |m: &Metered| match m.unattended && !all_unattended {
            true => UNATTENDED,
            false => "",
        };
        // An unmetered stretch: the scheduled policies bound nothing together.
        let (m, name, c) = (metered.iter())
            .filter(|m| m.from <= w[0] && w[1] <= m.to)
            .filter_map(|m| m.bound(w[1] - w[0]).map(|(n, c)| (m, n + tag(m), c)))
            .min_by(|a, b| a.2.total_cmp(&b.2))?;
        calls += c;
        binds |= m.scheduled;
        if !names.contains(&name) {
            names.push(name);
        }
    }
    // Where no scheduled policy is the least anywhere, the others' own bounds say it.
    binds.then(|| PolicyBound {
        policy: format!(
            "scheduled {}{}",
            names.join(" and "),
            if all_unattended { UNATTENDED } else { "" }
        ),
        calls,
        binds: true,
    })
}

/// A rate policy's hours within a band.
struct Metered<'a> {
    from: u64,
    to: u64,
    limit: &'a Limit,
    /// It counts unattended calls only.
    unattended: bool,
    /// It has hours (`during`), not every hour.
    scheduled: bool,
}

impl Metered<'_> {
    /// Its name and the calls it admits in a stretch of `us` microseconds: a fixed window of
    /// every hour one window more than the stretch spans, since its windows, aligned to
    /// midnight, need not align with the stretch (two windows of 1,000 a 3 h meet 02:00–04:00).
    fn bound(&self, us: u64) -> Option<(String, f64)> {
        let secs = us as f64 / 1e6;
        match self.limit {
            Limit::FixedWindow(w) if !self.scheduled => {
                rate_bound(self.limit, secs + w.limit().1.as_secs_f64())
            }
            l => rate_bound(l, secs),
        }
    }
}

/// The rate policies metering the band `(from, to)`: a scheduled one on the hours it shares
/// with it (on the band's day and, for a band across midnight, the next), one of every hour
/// on all of it; customer-present ones apart, which bound no background.
fn metered(limits: &[Limit], (from, to): (u64, u64)) -> Vec<Metered<'_>> {
    let mut out = Vec::new();
    for l in limits {
        let unattended = match l {
            Limit::Only { present: true, .. } => continue,
            l => matches!(l, Limit::Only { .. }),
        };
        let mut push = |from, to, limit, scheduled| {
            out.push(Metered {
                from,
                to,
                limit,
                unattended,
                scheduled,
            })
        };
        match l.unscoped() {
            Limit::During {
                from_us,
                to_us,
                inner,
            } => {
                for shift in [0, crate::time::DAY_US] {
                    let (a, b) = (from.max(from_us + shift), to.min(to_us + shift));
                    if a < b {
                        push(a, b, inner, true);
                    }
                }
            }
            all_day @ (Limit::TokenBucket(_) | Limit::FixedWindow(_) | Limit::SlidingWindow(_)) => {
                push(from, to, all_day, false)
            }
            _ => {}
        }
    }
    out
}
