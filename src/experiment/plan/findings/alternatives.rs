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
    let t = &p.targets;
    // Within the bound in all, and at each bank where there is one there too.
    let (bound_words, at_most) = match t.max_bank_failure_rate {
        Some(_) => (
            "bounds",
            "at most twice each bound, in all and at each bank",
        ),
        None => ("bound", "at most twice it"),
    };
    // Within the budget too where the choice is: the budget is the rule before the bounds.
    let budget = |e: &&Evaluation| e.met.api_calls || !r.met.api_calls;
    let safe = most(&mut p.candidates.iter().filter(|e| within(e)).filter(budget));
    if let Some(safe) = safe.filter(|e| !within(r) && e.strategy != r.strategy) {
        out.push(format!(
            "within {}, the most coverage is {} ({})",
            super::bounds(p),
            pct(cov(&safe)),
            safe.label
        ));
    }
    // The choice keeps the bounds it can: what a little past them buys, where that is more.
    let failing = |e: &Evaluation| e.figures.mean(t.scope.figure());
    let worst = |e: &Evaluation| t.worst_bank_rate(&e.figures);
    let twice = |x: f64, bound: f64| x <= 2.0 * bound.max(0.001);
    let near = most(&mut p.candidates.iter().filter(|e| {
        !within(e)
            && twice(failing(e), t.max_failure_rate)
            && t.max_bank_failure_rate.is_none_or(|b| twice(worst(e), b))
    }));
    if let Some(near) = near.filter(|e| within(r) && cov(e) > cov(r) + COVERAGE_TIE) {
        let at_worst = match t.max_bank_failure_rate {
            Some(_) => format!(" ({} at its worst bank)", pct(worst(&near))),
            None => String::new(),
        };
        out.push(format!(
            "a little past the failure {bound_words} ({at_most}), {} covers {}, failing {} of \
             its attempts by {}{at_worst}",
            near.label,
            pct(cov(&near)),
            pct(failing(&near)),
            t.scope.phrase()
        ));
    }
    out.extend(gentler(p));
    out
}

fn within(e: &Evaluation) -> bool {
    e.met.within_failure_bounds()
}

/// The choice buys its last tenths of a point of coverage with 429s: a setting within half
/// a point of its coverage that fails at most half as often (and a point less) is named (a
/// trial's choice covered 91.37 % failing 4.70 % of its attempts by its own 429s, where one
/// searched covered 90.99 % with none).
fn gentler(p: &Plan) -> Option<String> {
    let r = &p.recommendation;
    let cov = |e: &Evaluation| e.figures.mean(Figure::Coverage);
    let failing = |e: &Evaluation| e.figures.mean(p.targets.scope.figure());
    let calm = |e: &&Evaluation| {
        within(e)
            && cov(e) >= cov(r) - 0.005
            && failing(e) <= (failing(r) / 2.0).min(failing(r) - 0.01)
    };
    let best = p
        .candidates
        .iter()
        .filter(calm)
        .max_by(|a, b| cov(a).total_cmp(&cov(b)))?;
    Some(format!(
        "{} covers {} (the choice {}) failing {} of its attempts by {} (the choice {}): the \
         last tenths of a point cost 429s",
        best.label,
        pct(cov(best)),
        pct(cov(r)),
        pct(failing(best)),
        p.targets.scope.phrase(),
        pct(failing(r))
    ))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{all_met, made_up_plan, setting, targets};
    use super::super::Figure;
    use crate::stats::Estimate;

    /// A choice that buys its last tenths of a point with 429s names the gentler setting; one
    /// that fails little already, or whose nearest gentler setting covers half a point less,
    /// does not.
    #[test]
    fn a_gentler_setting_within_half_a_point_is_named() {
        let with = |label: &str, coverage: f64, failing: f64| {
            let mut e = setting(label, 20.0, 1_000.0, all_met());
            let mut set =
                |f: Figure, x: f64| e.figures.all[f as usize] = Estimate::of(&[x, x]).unwrap();
            set(Figure::Coverage, coverage);
            set(Figure::ClientFailureRate, failing);
            e
        };
        let chosen = with("paced fast", 0.9137, 0.047);
        let calm = with("paced, by the hour", 0.9099, 0.0);
        let plan = |candidates| made_up_plan(targets(), chosen.clone(), candidates);
        let all = super::alternatives(&plan(vec![chosen.clone(), calm.clone()]));
        assert!(
            all.iter().any(|f| {
                f.starts_with(
            "paced, by the hour covers 90.99 % (the choice 91.37 %) failing 0.00 % of its attempts"
        )
            }),
            "{all:?}"
        );
        let far = with("paced slow", 0.9080, 0.0);
        let none = super::alternatives(&plan(vec![chosen.clone(), far]));
        assert!(none.iter().all(|f| !f.contains("last tenths")), "{none:?}");
    }
}
