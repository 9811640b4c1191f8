//! The scenario's own client against the recommendation: what changing to it buys, and what
//! it costs the customers (a pace that fills a bank's limits leaves their calls the 429s).

use super::super::{Evaluation, Figure, Plan};
use crate::output::text::pct;

/// Customers' failures rising by more than this (a share of their attempts) are told.
const WORSE_FOR_CUSTOMERS: f64 = 0.005;

/// How the recommendation differs from the scenario's own client, where they differ:
/// coverage, the client's own 429s, its customers' calls' failures and the data's age.
pub fn current_finding(p: &Plan) -> Option<String> {
    let c = p.current_apart()?;
    let r = &p.recommendation;
    let m = |e: &Evaluation, f: Figure| e.figures.mean(f);
    let own = Figure::ClientFailureRate;
    let mut s = format!(
        "against the scenario's own client ({}{}), the recommendation moves coverage from {} \
         to {}, the client's own 429s from {} to {}",
        c.label,
        if c.met.all() {
            ", which meets every target"
        } else {
            ""
        },
        pct(m(c, Figure::Coverage)),
        pct(m(r, Figure::Coverage)),
        pct(m(c, own)),
        pct(m(r, own)),
    );
    let (was, is) = (
        m(c, Figure::CustomerFailureRate),
        m(r, Figure::CustomerFailureRate),
    );
    if !was.is_nan() && !is.is_nan() {
        s += &format!(
            ", its customers' calls' 429s from {} to {}",
            pct(was),
            pct(is)
        );
        if is > was + WORSE_FOR_CUSTOMERS {
            s += " (worse for the customers: the background takes more of the banks' limits \
                  their calls spend)";
        }
    }
    s += &format!(
        " and the data's 95th-percentile age from {} to {}",
        super::super::hours(m(c, Figure::StalenessP95Hours)),
        super::super::hours(m(r, Figure::StalenessP95Hours))
    );
    Some(s)
}
