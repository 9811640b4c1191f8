//! Stalest first: the recommendation's per-bank pools (or paces) taking the oldest data
//! first rather than in turn (`strategy.order`). The order does not change what the banks
//! admit but which connections get it, so the coverage and the 429s stay and the tail of
//! data age shortens (uk-mix's per-bank pools: the 95th percentile from 45.8 h to 28.9 h,
//! docs/manual.md).

use super::super::{age, Evaluation, Figure, Plan};
use crate::output::text::pct;

/// An age this much shorter (hours) is worth a finding.
const SHORTER: f64 = 1.0;

/// The recommendation run stalest first ([`Plan::stalest`]), where it shortens the data's
/// 95th-percentile age (over the clock, or when customers open the app): its figures beside
/// the choice's, and the targets it meets that the choice does not.
pub(super) fn stalest_finding(p: &Plan) -> Option<String> {
    let (r, s) = (&p.recommendation, p.stalest.as_ref()?);
    let m = |e: &Evaluation, f: Figure| e.figures.mean(f);
    let shorter =
        |f: Figure| m(s, f) < m(r, f) - SHORTER || m(r, f).is_infinite() && m(s, f).is_finite();
    if !shorter(Figure::StalenessP95Hours) && !shorter(Figure::AtOpenP95Hours) {
        return None;
    }
    let h = |e: &Evaluation, f: Figure| age(m(e, f), p.age_horizon_hours);
    // "from A to B", or "stays A" where it does not move as written ("from never to never").
    let moves = |f: Figure| match (h(r, f), h(s, f)) {
        (a, b) if a == b => format!("stays {a}"),
        (a, b) => format!("from {a} to {b}"),
    };
    let at_open = match m(r, Figure::AtOpenP95Hours).is_nan() {
        true => String::new(),
        false => format!(
            ", and when customers open the app {}",
            moves(Figure::AtOpenP95Hours)
        ),
    };
    let meets = match (s.met.all(), r.met.all()) {
        (true, false) => "; it meets every target",
        (false, true) => "; but it misses a target the recommendation meets",
        _ => "",
    };
    let own = p.targets.scope.figure();
    // A pace per bank has a queue of due connections per bank too, but no pools (a trial
    // read "the recommendation's pools" of a pace).
    let whose = match r.strategy {
        crate::strategy::Strategy::Paced { .. } => "paces per bank",
        _ => "pools",
    };
    Some(format!(
        "stalest first (strategy.order = \"stalest\"), the recommendation's {whose} give the \
         banks' admissions to the oldest data rather than in turn: {} covered (in turn {}), {} \
         failing by {} (in turn {}), and the data's 95th-percentile age {}{at_open}{meets}",
        pct(m(s, Figure::Coverage)),
        pct(m(r, Figure::Coverage)),
        pct(m(s, own)),
        p.targets.scope.phrase(),
        pct(m(r, own)),
        moves(Figure::StalenessP95Hours),
    ))
}
