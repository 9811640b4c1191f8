//! Per-bank settings (pools of slots, or paces) chosen bank by bank.
//!
//! With a pool of slots per bank, or a pace per bank, each bank's figures depend on its own
//! setting only: its connections are queued for it alone and its limits see only its pool's
//! calls. So one run in which every bank's setting is at step `i` of its own ladder measures
//! every bank at step `i` at once, and a handful of runs measure each bank at every step.
//! [`combine`] then picks
//! one step per bank: the fewest API calls a day whose coverage (the banks' weighted by their
//! connections) and failure rate (their failures over their attempts, and each bank's over
//! its own where the targets bound it) meet the targets, or,
//! when no choice does, the one closest to them. The choice is then run as a whole, which
//! checks the independence it assumes (customers' requests and D•One's per-customer skips
//! cross banks).

/// One bank at one step of its ladder, as measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// The bank's setting: its pool's slots, or its pace a second.
    pub knob: f64,
    pub coverage: f64,
    pub attempts: f64,
    /// Failures counted by the target's scope, a day.
    pub failures: f64,
    pub api_calls: f64,
}

/// What the choice must meet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Goal {
    pub coverage: f64,
    /// Least coverage of every bank, if any.
    pub min_bank_coverage: Option<f64>,
    pub max_failure_rate: f64,
    /// Bound on each bank's failures over its attempts, if any.
    pub max_bank_failure_rate: Option<f64>,
    pub max_api_calls: Option<f64>,
}

/// Most combinations tried exhaustively; beyond, a greedy ascent.
const EXHAUSTIVE: usize = 2_000_000;

/// One step per bank (`steps[b]` is bank `b`'s ladder, `weights[b]` its connections): each
/// bank's chosen setting.
pub fn combine(steps: &[Vec<Step>], weights: &[f64], goal: &Goal) -> Vec<f64> {
    let by_rate = goal.max_bank_failure_rate.is_some();
    let frontier: Vec<Vec<Step>> = steps.iter().map(|s| pareto(s, by_rate)).collect();
    let combos = frontier
        .iter()
        .try_fold(1usize, |n, s| n.checked_mul(s.len().max(1)))
        .unwrap_or(usize::MAX);
    let pick = if combos <= EXHAUSTIVE {
        exhaustive(&frontier, weights, goal)
    } else {
        greedy(&frontier, weights, goal)
    };
    pick.iter()
        .zip(&frontier)
        .map(|(&i, s)| s[i].knob)
        .collect()
}

/// The steps no other step beats on every count (more coverage, fewer failures, fewer
/// calls, and with `by_rate`, a bound on each bank's rate, a lower rate of failures: fewer
/// failures over far fewer attempts may pass it where the other keeps it), by fewest calls.
fn pareto(steps: &[Step], by_rate: bool) -> Vec<Step> {
    let rate = |s: &Step| match s.attempts > 0.0 {
        true => s.failures / s.attempts,
        false => 0.0,
    };
    let beats = |a: &Step, b: &Step| {
        a.coverage >= b.coverage
            && a.failures <= b.failures
            && (!by_rate || rate(a) <= rate(b))
            && a.api_calls <= b.api_calls
            && (a.coverage, a.failures, a.api_calls) != (b.coverage, b.failures, b.api_calls)
    };
    let mut kept: Vec<Step> = Vec::new();
    for s in steps {
        let dominated = steps.iter().any(|o| beats(o, s));
        if !dominated && !kept.iter().any(|k| k.knob == s.knob) {
            kept.push(*s);
        }
    }
    kept.sort_by(|a, b| {
        a.api_calls
            .total_cmp(&b.api_calls)
            .then(a.knob.total_cmp(&b.knob))
    });
    kept
}

/// Whether a choice is past a failure bound, the population's or a bank's (1), or within
/// them (0), how far it is from the
/// goal (0 when it meets it), and its cost: in that order, so that a choice within the bound
/// is preferred to any past it, as the plan's best achievable keeps a bound some setting
/// keeps (a review found the per-bank pools chosen past it, and so dropped by the plan).
fn score(frontier: &[Vec<Step>], pick: &[usize], weights: &[f64], goal: &Goal) -> (f64, f64, f64) {
    let (mut covered, mut weight, mut attempts, mut failures, mut calls) =
        (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut starved, mut excess) = (0.0, 0.0);
    for ((s, &i), w) in frontier.iter().zip(pick).zip(weights) {
        let st = &s[i];
        if let (Some(bound), true) = (goal.max_bank_failure_rate, st.attempts > 0.0) {
            excess += (st.failures / st.attempts - bound).max(0.0);
        }
        // A bank with nothing due in the run (NaN) has no coverage to weigh.
        if !st.coverage.is_nan() {
            starved += goal
                .min_bank_coverage
                .map_or(0.0, |floor| (floor - st.coverage).max(0.0));
            covered += w * st.coverage;
            weight += w;
        }
        attempts += st.attempts;
        failures += st.failures;
        calls += st.api_calls;
    }
    let coverage = if weight > 0.0 { covered / weight } else { 1.0 };
    let rate = if attempts > 0.0 {
        failures / attempts
    } else {
        0.0
    };
    let distance = (goal.coverage - coverage).max(0.0)
        + starved
        + (rate - goal.max_failure_rate).max(0.0)
        + excess
        + goal
            .max_api_calls
            .map_or(0.0, |a| (calls / a - 1.0).max(0.0));
    let past = if rate > goal.max_failure_rate || excess > 0.0 {
        1.0
    } else {
        0.0
    };
    (past, distance, calls)
}

fn exhaustive(frontier: &[Vec<Step>], weights: &[f64], goal: &Goal) -> Vec<usize> {
    let mut pick = vec![0usize; frontier.len()];
    let mut best = (pick.clone(), score(frontier, &pick, weights, goal));
    loop {
        // The next combination, odometer order.
        let mut b = 0;
        while b < pick.len() {
            pick[b] += 1;
            if pick[b] < frontier[b].len() {
                break;
            }
            pick[b] = 0;
            b += 1;
        }
        if b == pick.len() {
            return best.0;
        }
        let s = score(frontier, &pick, weights, goal);
        if s.partial_cmp(&best.1) == Some(std::cmp::Ordering::Less) {
            best = (pick.clone(), s);
        }
    }
}

/// From the cheapest step of every bank, the one move up a bank's ladder that most reduces
/// the distance (then costs least), until none does.
fn greedy(frontier: &[Vec<Step>], weights: &[f64], goal: &Goal) -> Vec<usize> {
    let mut pick = vec![0usize; frontier.len()];
    let mut current = score(frontier, &pick, weights, goal);
    loop {
        let mut best: Option<(usize, (f64, f64, f64))> = None;
        for b in 0..pick.len() {
            if pick[b] + 1 < frontier[b].len() {
                pick[b] += 1;
                let s = score(frontier, &pick, weights, goal);
                pick[b] -= 1;
                if (s.0, s.1) < (current.0, current.1) && best.is_none_or(|(_, x)| s < x) {
                    best = Some((b, s));
                }
            }
        }
        match best {
            Some((b, s)) => {
                pick[b] += 1;
                current = s;
            }
            None => return pick,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(pool: u32, coverage: f64, failures: f64, api_calls: f64) -> Step {
        Step {
            knob: pool as f64,
            coverage,
            attempts: 100.0,
            failures,
            api_calls,
        }
    }

    /// A limited bank cannot reach the target, so the free bank must cover more: the choice
    /// is the cheapest pair meeting both targets on the weighted whole.
    #[test]
    fn the_cheapest_pair_meeting_the_weighted_targets() {
        let free = vec![
            step(1, 0.5, 0.0, 100.0),
            step(2, 0.9, 0.0, 200.0),
            step(3, 1.0, 0.0, 300.0),
        ];
        let limited = vec![
            step(1, 0.5, 0.0, 100.0),
            step(2, 0.7, 1.0, 150.0),
            step(3, 0.75, 8.0, 220.0),
        ];
        let goal = Goal {
            coverage: 0.849,
            min_bank_coverage: None,
            max_failure_rate: 0.01,
            max_bank_failure_rate: None,
            max_api_calls: None,
        };
        // 1.0 and 0.7 weighted equally is 0.85, at 1 failure in 200 attempts.
        assert_eq!(
            combine(&[free.clone(), limited.clone()], &[1.0, 1.0], &goal),
            [3.0, 2.0]
        );
        // Weighted 3:1 towards the free bank, 0.9 there and 0.7 at the other reach 0.85.
        assert_eq!(combine(&[free, limited], &[3.0, 1.0], &goal), [2.0, 2.0]);
    }

    /// A floor on each bank's coverage moves a starved bank up its ladder even when the
    /// weighted whole already meets the target.
    #[test]
    fn a_floor_lifts_the_starved_bank() {
        let free = vec![step(1, 0.9, 0.0, 100.0), step(2, 1.0, 0.0, 200.0)];
        let limited = vec![step(1, 0.6, 0.0, 100.0), step(2, 0.75, 0.0, 150.0)];
        let mut goal = Goal {
            coverage: 0.75,
            min_bank_coverage: None,
            max_failure_rate: 0.01,
            max_bank_failure_rate: None,
            max_api_calls: None,
        };
        let banks = [free, limited];
        assert_eq!(combine(&banks, &[1.0, 1.0], &goal), [1.0, 1.0]);
        goal.min_bank_coverage = Some(0.7);
        assert_eq!(combine(&banks, &[1.0, 1.0], &goal), [1.0, 2.0]);
    }

    /// No choice meets the failure bound and the coverage: the closest within the bound
    /// wins (one within it is kept), and the greedy ascent agrees with the exhaustive search
    /// on a small case.
    #[test]
    fn the_closest_when_nothing_meets_and_greedy_agrees() {
        let a = vec![step(1, 0.6, 0.0, 10.0), step(2, 0.8, 5.0, 20.0)];
        let b = vec![step(1, 0.6, 0.0, 10.0), step(2, 0.9, 1.0, 30.0)];
        let goal = Goal {
            coverage: 0.99,
            min_bank_coverage: None,
            max_failure_rate: 0.01,
            max_bank_failure_rate: None,
            max_api_calls: None,
        };
        let f: Vec<Vec<Step>> = vec![pareto(&a, false), pareto(&b, false)];
        let ex = exhaustive(&f, &[1.0, 1.0], &goal);
        assert_eq!(ex, greedy(&f, &[1.0, 1.0], &goal));
        // Both up: coverage 0.85 (0.14 short), failures 6/200 = 0.03 (0.02 over): 0.16, the
        // least sum, but past the bound; b up only: 0.75 (0.24 short), failures 1/200 within:
        // the closest within it; a up only: 0.29 + 0.015, past it.
        assert_eq!(ex, [0, 1]);
        // With a looser bound, both up is within it, and closest.
        let loose = Goal {
            max_failure_rate: 0.05,
            ..goal
        };
        let ex = exhaustive(&f, &[1.0, 1.0], &loose);
        assert_eq!(
            (ex.clone(), greedy(&f, &[1.0, 1.0], &loose)),
            (vec![1, 1], ex)
        );
    }

    /// A bound at each bank keeps the tight bank within it, even where the population's
    /// rate would hide its 429s: the free bank covers more instead, or the choice falls
    /// short of the coverage rather than past the bound (exhaustive and greedy alike).
    #[test]
    fn a_bound_at_each_bank_holds_the_tight_bank() {
        let free = vec![step(1, 0.9, 0.0, 100.0), step(2, 1.0, 0.0, 200.0)];
        let tight = vec![step(1, 0.7, 0.0, 100.0), step(2, 0.9, 3.0, 150.0)];
        let mut goal = Goal {
            coverage: 0.9,
            min_bank_coverage: None,
            max_failure_rate: 0.02,
            max_bank_failure_rate: None,
            max_api_calls: None,
        };
        let banks = [free, tight];
        // 3 failures in 200 attempts is 1.5 % in all, within 2 %: the cheapest pair.
        assert_eq!(combine(&banks, &[1.0, 1.0], &goal), [1.0, 2.0]);
        // 3 % at the tight bank passes 1 % there: its lower step, the coverage 0.85.
        goal.max_bank_failure_rate = Some(0.01);
        assert_eq!(combine(&banks, &[1.0, 1.0], &goal), [2.0, 1.0]);
        let f: Vec<Vec<Step>> = banks.iter().map(|b| pareto(b, true)).collect();
        assert_eq!(
            exhaustive(&f, &[1.0, 1.0], &goal),
            greedy(&f, &[1.0, 1.0], &goal)
        );
        // Fewer failures over far fewer attempts beat a step within the bound on counts,
        // not on the rate the bound reads: kept where the bound is at each bank.
        let over = |failures: f64, attempts: f64, api_calls: f64| Step {
            knob: api_calls,
            coverage: 0.8,
            attempts,
            failures,
            api_calls,
        };
        let steps = [over(15.0, 1000.0, 100.0), over(20.0, 2000.0, 150.0)];
        assert_eq!(pareto(&steps, false).len(), 1);
        assert_eq!(pareto(&steps, true).len(), 2);
    }
}
