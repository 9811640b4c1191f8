//! The settings a planner might prefer to the plan's choice: the most coverage any searched
//! setting reached, the most within the failure bound, and what a little past it covers.

use super::super::{Evaluation, Figure, Plan};
use super::COVERAGE_TIE;
use crate::output::text::{pct, thousands};

/// The settings a planner might prefer to the closest: the most coverage any reached, the
/// most within the failure bound (when the choice is past it), and what a little past the
/// bound covers (when the choice keeps it, as it does where some setting can).
pub(super) fn alternatives(p: &Plan) -> Vec<String> {
    let r = &p.recommendation;
    let cov = |e: &Evaluation| e.figures.mean(Figure::Coverage);
    let most = |pool: &mut dyn Iterator<Item = &Evaluation>| {
        pool.max_by(|a, b| cov(a).total_cmp(&cov(b))).cloned()
    };
    let mut out = Vec::new();
    if let Some(top) = most(&mut p.candidates.iter()).filter(|e| cov(e) > cov(r) + COVERAGE_TIE) {
        out.push(format!(
            "the most coverage any searched setting reached is {} ({}), with {} API calls a day \
             and {} of its attempts failing by {}",
            pct(cov(&top)),
            top.label,
            thousands(top.figures.mean(Figure::ApiCallsPerDay)),
            pct(top.figures.mean(p.targets.scope.figure())),
            p.targets.scope.phrase()
        ));
    }
    let safe = most(&mut p.candidates.iter().filter(|e| e.met.failure_rate));
    if let Some(safe) = safe.filter(|e| !r.met.failure_rate && e.strategy != r.strategy) {
        out.push(format!(
            "within the failure bound, the most coverage is {} ({})",
            pct(cov(&safe)),
            safe.label
        ));
    }
    // The choice keeps a bound it can: what a little past it buys, where that is more.
    let bound = p.targets.max_failure_rate;
    let failing = |e: &Evaluation| e.figures.mean(p.targets.scope.figure());
    let near = most(
        &mut p
            .candidates
            .iter()
            .filter(|e| !e.met.failure_rate && failing(e) <= 2.0 * bound.max(0.001)),
    );
    if let Some(near) = near.filter(|e| r.met.failure_rate && cov(e) > cov(r) + COVERAGE_TIE) {
        out.push(format!(
            "a little past the failure bound (at most twice it), {} covers {}, failing {} of \
             its attempts by {}",
            near.label,
            pct(cov(&near)),
            pct(failing(&near)),
            p.targets.scope.phrase()
        ));
    }
    out
}
