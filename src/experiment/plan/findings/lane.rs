//! The customers' own bound and the priority lane: whether the recommendation keeps their
//! calls' 429s within `--max-customer-failure-rate`, what the lane, which the plan tries for
//! that bound, costs them in waiting, and how to have it tried.

use super::super::{render, Evaluation, Figure, Plan};
use crate::output::text::pct;
use crate::scenario::Scenario;

/// The recommendation passes the bound on the customers' 429s: the closest searched setting
/// within it ([`closest_within`]), which misses another target; or, where none keeps within
/// it, the least seen (and one refusing fewer but keeping them past the hour), and what the
/// priority lane did or could not do.
pub(super) fn customer_bound_finding(p: &Plan, sc: &Scenario) -> Option<String> {
    let (r, bound) = (&p.recommendation, p.targets.max_customer_failure_rate?);
    if r.met.customer_failure_rate {
        return None;
    }
    let refused = |e: &Evaluation| e.figures.mean(Figure::CustomerFailureRate);
    let head = format!(
        "the recommendation leaves {} of its customers' calls refused (429s), past the {} \
         bound",
        pct(refused(r)),
        pct(bound)
    );
    let coverage = |e: &Evaluation| e.figures.mean(Figure::Coverage);
    if let Some(e) = closest_within(p, |e| e.met.customer_failure_rate) {
        let but = but_another(e);
        return Some(format!(
            "{head}; searched settings keep within it (the closest: {}, {} refused, \
             {} coverage), {but}",
            e.label,
            pct(refused(e)),
            pct(coverage(e))
        ));
    }
    // The least past the bound, a wait past the hour counted.
    let past = |e: &Evaluation| (p.targets.customer_excess(&e.figures), refused(e));
    let least = (p.candidates.iter())
        .filter(|e| refused(e).is_finite())
        .min_by(|a, b| past(a).partial_cmp(&past(b)).expect("finite"))?;
    let wait = least.figures.mean(Figure::CustomerWaitP95Seconds);
    let kept = match wait.is_infinite() {
        true => {
            ", its customers kept an hour or more at the 95th percentile, which misses the \
             bound"
        }
        false => "",
    };
    // Fewer refused, but kept past the hour (a review's table showed the lane at 0.00 %
    // beside a finding naming 1.74 % as the least).
    let held = (p.candidates.iter())
        .filter(|e| refused(e) < refused(least))
        .filter(|e| e.figures.mean(Figure::CustomerWaitP95Seconds).is_infinite())
        .min_by(|a, b| refused(a).total_cmp(&refused(b)))
        .map_or(String::new(), |e| {
            format!(
                "; {} refused fewer ({}) but kept them an hour or more",
                e.label,
                pct(refused(e))
            )
        });
    Some(format!(
        "no searched setting keeps its customers' calls' 429s within {}; the least seen is {} \
         ({}{kept}){held}{}",
        pct(bound),
        pct(refused(least)),
        least.label,
        lane_tried(p, sc)
    ))
}

/// What the priority lane did for the customers' bound: the scenario's own, or the plan's
/// trial of it.
fn lane_tried(p: &Plan, sc: &Scenario) -> &'static str {
    match (own_lane(sc), tried(p, sc)) {
        (true, _) => {
            "; their calls take the scenario's priority lane already: what still refuses them \
             is the banks' limits the background spends, which less background at the bank (a \
             smaller pool there) leaves them"
        }
        (false, true) => {
            "; the priority lane, their calls through the client's slots ahead of the \
             background, was tried on each kind with slots' best settings (with the slots \
             their busiest hour takes on top where their load over the day fills a \
             setting's): what still refuses \
             them is the banks' limits the background spends, which less background at the \
             bank (a smaller pool or pace there) leaves them"
        }
        (false, false) => "",
    }
}

/// A recommendation sending the customers through the priority lane, which the scenario
/// does not, where they wait markedly longer for their data than calling directly with the
/// same setting (both at the screening replications): the lane queues them for the client's
/// slots where a pool is small or their peak fills it (a trial's 128 slots kept them 2,055 s
/// at the 95th percentile).
pub(super) fn lane_wait_finding(p: &Plan, sc: &Scenario) -> Option<String> {
    let r = &p.recommendation;
    if !r.conduct.lane || own_lane(sc) {
        return None;
    }
    let wait = |e: &Evaluation| e.figures.mean(Figure::CustomerWaitP95Seconds);
    let screened = p.candidates.iter().find(|e| same_setting(e, r))?;
    let twin = (p.candidates.iter()).find(|e| {
        e.strategy == r.strategy && e.conduct.pause == r.conduct.pause && !e.conduct.lane
    })?;
    let (with, without) = (wait(screened), wait(twin));
    if !(with > 1.5 * without && with - without >= 10.0) {
        return None;
    }
    let slowest = slowest_bank(p, screened);
    Some(format!(
        "through the priority lane, the customers' requests that get data wait {} for it at the \
         95th percentile{slowest}, against {} calling directly with the same setting (at the \
         screening replications): they queue for the client's slots where a pool is small or \
         their peak fills it; where the bank's limits allow, a larger pool or slots kept for \
         them (on_demand.reserved, a share of each pool rounded down: none of a pool of one) \
         shortens it; at a pool as large as the bank's cap, the wait is the cap's price",
        render::wait(with),
        render::wait(without)
    ))
}

/// Where the customers call directly, the priority lane: the
/// recommendation's own setting with it, where the plan tried it; the lane's best trial
/// where the recommendation has no slots; else how to have it tried (a bound on the
/// customers' 429s, which the plan tries it for where a kind's best setting passes it), or,
/// with that bound kept over every bank, how to plan with it.
pub(super) fn lane_lever(p: &Plan, sc: &Scenario) -> String {
    let r = &p.recommendation;
    if own_lane(sc) || sc.on_demand.is_none() || r.conduct.lane {
        return String::new();
    }
    let lane = "the priority lane (their calls through the client's slots ahead of the \
                background)";
    let refused = |e: &Evaluation| pct(e.figures.mean(Figure::CustomerFailureRate));
    let same = (p.candidates.iter())
        .find(|e| e.conduct.lane && e.strategy == r.strategy && e.conduct.pause == r.conduct.pause);
    if let Some(e) = same {
        return format!(
            "; the same setting with {lane} is among the settings searched, their 429s {} over \
             every bank there",
            refused(e)
        );
    }
    let laned = |e: &&Evaluation| e.conduct.lane;
    let fewest = (p.candidates.iter().filter(laned)).min_by(|a, b| {
        let x = |e: &Evaluation| e.figures.mean(Figure::CustomerFailureRate);
        x(a).total_cmp(&x(b))
    });
    if let (Some(e), false) = (fewest, r.strategy.has_slots()) {
        return format!(
            "; {lane} needs slots, which this setting has not: tried on the kinds with slots, \
             the fewest refused with it over every bank was {} ({})",
            refused(e),
            e.label
        );
    }
    let again = match sc.strategy.has_slots() {
        true => {
            "plan again with --set on_demand.lane=priority (and on_demand.reserved for slots \
                 kept for them), which searches the clients with slots alone"
        }
        false => {
            "give the scenario a client with slots (strategy.kind queued, per_bank or \
                  aimd) and on_demand.lane = \"priority\", and plan again"
        }
    };
    match p.targets.max_customer_failure_rate {
        Some(bound) if r.met.customer_failure_rate => format!(
            "; the plan tries {lane} on a kind's best setting only where it passes the \
             customers' bound over every bank ({}), which this one keeps: to weigh it here, \
             {again}",
            pct(bound)
        ),
        Some(_) => format!("; to weigh {lane} for this setting, {again}"),
        None => format!(
            "; or bound their 429s (--max-customer-failure-rate), with which the plan also \
             tries {lane} on a kind's best setting past the bound, or {again}"
        ),
    }
}

/// The bank where a setting's customers wait longest at the 95th percentile, as a
/// parenthesis: ` (the longest at union: 48.3 s)`; empty without the banks' figures.
pub(super) fn slowest_bank(p: &Plan, e: &Evaluation) -> String {
    if p.ceilings.len() < 2 {
        return String::new();
    }
    let waits: Vec<(usize, f64)> = (e.figures.banks.iter().enumerate())
        .map(|(b, f)| (b, f[Figure::CustomerWaitP95Seconds as usize].mean))
        .filter(|(b, x)| !x.is_nan() && *b < p.ceilings.len())
        .collect();
    let Some(longest) = waits.iter().map(|w| w.1).max_by(f64::total_cmp) else {
        return String::new();
    };
    // Every bank at it: several past the hour tie (a trial's memo named the last of three).
    let at: Vec<&str> = (waits.iter())
        .filter(|w| w.1 == longest)
        .map(|w| p.ceilings[w.0].name.as_str())
        .collect();
    let names = match at.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => at.join(""),
    };
    format!(" (the longest at {names}: {})", render::wait(longest))
}

/// Whether the scenario's own customers take the priority lane.
pub(super) fn own_lane(sc: &Scenario) -> bool {
    sc.customers_lane() == Some(crate::demand::Lane::Priority)
}

/// Whether the plan tried the priority lane (not the scenario's own).
fn tried(p: &Plan, sc: &Scenario) -> bool {
    !own_lane(sc) && p.candidates.iter().any(|e| e.conduct.lane)
}

/// The searched setting that `keeps` a customers' bound and comes closest to the rest, not
/// the recommendation's own screening run: within the failure bounds where any is (the
/// rules a plan keeps; a review's named a setting at 23.89 % own 429s against 1 %), then
/// meeting the most targets, then covering the most (among equals, the first searched).
pub(super) fn closest_within(p: &Plan, keeps: impl Fn(&Evaluation) -> bool) -> Option<&Evaluation> {
    let key = |e: &Evaluation| (e.met.within_failure_bounds(), e.met.count());
    let coverage = |e: &Evaluation| e.figures.mean(Figure::Coverage);
    (p.candidates.iter().rev())
        .filter(|e| keeps(e) && !same_setting(e, &p.recommendation))
        .max_by(|a, b| (key(a).cmp(&key(b))).then(coverage(a).total_cmp(&coverage(b))))
}

/// What keeps the closest setting within a customers' bound from being chosen: another
/// target, or (meeting every target when screened) one missed at the full replications.
pub(super) fn but_another(e: &Evaluation) -> &'static str {
    match e.met.all() {
        true => "met every target at the screening replications, not held at the full",
        false => "but miss another target",
    }
}

/// Whether two evaluations are of one setting (their replications aside).
pub(super) fn same_setting(a: &Evaluation, b: &Evaluation) -> bool {
    a.strategy == b.strategy && a.conduct == b.conduct
}

#[cfg(test)]
mod tests {
    use super::super::tests::{all_met, made_up_plan, setting, targets};
    use super::*;
    use crate::experiment::plan::{Met, Targets};
    use crate::stats::Estimate;

    /// A one-bank scenario whose customers call as `lane` says, its client `kind`.
    fn scenario(lane: &str, hours: &str) -> Scenario {
        let text = format!(
            "[window]\nlength = \"1d\"\n[population]\nconnections = 1000\n[strategy]\n\
             kind = \"queued\"\nconcurrency = 4\n{hours}[on_demand]\nper_connection = 0.1\n\
             lane = \"{lane}\"\n[[banks]]\nname = \"a\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
        );
        crate::scenario::parse(&text, "inline", "t", &[]).unwrap()
    }

    /// A setting whose customers' 429s and wait are these, meeting the bound `bound` on them.
    fn customers(label: &str, refused: f64, wait: f64, coverage: f64, bound: f64) -> Evaluation {
        let met = Met {
            customer_failure_rate: refused <= bound,
            coverage: coverage >= 0.99,
            ..all_met()
        };
        let mut e = setting(label, 20.0, 1_000.0, met);
        // Settings told apart by their labels.
        let concurrency = label.bytes().map(u32::from).sum();
        e.strategy = crate::strategy::Strategy::Queued { concurrency };
        let est = |x: f64| Estimate::of(&[x, x]).unwrap();
        e.figures.all[Figure::CustomerFailureRate as usize] = est(refused);
        e.figures.all[Figure::CustomerWaitP95Seconds as usize] = est(wait);
        e.figures.all[Figure::Coverage as usize] = est(coverage);
        e
    }

    /// Past the bound, the finding names the closest setting within it, or, with none,
    /// the least seen and whether the lane was tried (or is the scenario's own).
    #[test]
    fn the_customers_bound_missed_is_told_with_what_keeps_it() {
        let bounded = Targets {
            max_customer_failure_rate: Some(0.02),
            max_customer_wait_seconds: None,
            ..targets()
        };
        let chosen = customers("queued, concurrency 8", 0.09, 20.0, 0.995, 0.02);
        let small = customers("queued, concurrency 2", 0.01, 20.0, 0.80, 0.02);
        let smaller = customers("queued, concurrency 1", 0.005, 20.0, 0.60, 0.02);
        let plan = |c: Vec<Evaluation>| made_up_plan(bounded.clone(), chosen.clone(), c);
        let p = plan(vec![smaller.clone(), small.clone(), chosen.clone()]);
        let f = customer_bound_finding(&p, &scenario("direct", "")).unwrap();
        assert_eq!(
            f,
            "the recommendation leaves 9.00 % of its customers' calls refused (429s), past the \
             2.00 % bound; searched settings keep within it (the closest: queued, \
             concurrency 2, 1.00 % refused, 80.00 % coverage), but miss another target"
        );
        let mut laned = customers(
            "queued, concurrency 8, customers through the priority lane",
            0.04,
            25.0,
            0.995,
            0.02,
        );
        laned.conduct.lane = true;
        let p = plan(vec![chosen.clone(), laned]);
        let f = customer_bound_finding(&p, &scenario("direct", "")).unwrap();
        assert!(
            f.starts_with(
                "no searched setting keeps its customers' calls' 429s within 2.00 %; the least \
                 seen is 4.00 % (queued, concurrency 8, customers through the priority lane); \
                 the priority lane"
            ) && f.contains("was tried on each kind with slots' best setting"),
            "{f}"
        );
        // A setting refusing fewer but keeping them past the hour is named beside the least.
        let mut held = customers("held, through the lane", 0.0, f64::INFINITY, 0.995, 0.02);
        held.conduct.lane = true;
        held.met.customer_failure_rate = false; // kept past the hour, as `Targets::met` has it
        let fewer = customers("queued, concurrency 6", 0.05, 20.0, 0.995, 0.02);
        let f = customer_bound_finding(&plan(vec![fewer, held]), &scenario("direct", "")).unwrap();
        assert!(
            f.contains(
                "the least seen is 5.00 % (queued, concurrency 6); held, through the lane \
                 refused fewer (0.00 %) but kept them an hour or more"
            ),
            "{f}"
        );
        // The scenario's own lane is not the plan's trial of it.
        let f = customer_bound_finding(&plan(vec![chosen.clone()]), &scenario("priority", ""));
        assert!(f
            .unwrap()
            .contains("take the scenario's priority lane already"));
        // Met, or without the bound: nothing to say.
        let mut within = plan(vec![chosen.clone()]);
        within.recommendation = small;
        assert_eq!(
            customer_bound_finding(&within, &scenario("direct", "")),
            None
        );
        let unbounded = made_up_plan(targets(), chosen.clone(), vec![chosen]);
        assert_eq!(
            customer_bound_finding(&unbounded, &scenario("direct", "")),
            None
        );
    }

    /// A recommendation through the lane whose customers wait markedly longer than the same
    /// setting calling directly is told the wait, both ways; not a wait within half again
    /// and 10 s, nor a lane the scenario's customers already take.
    #[test]
    fn the_lanes_wait_is_told_against_calling_directly() {
        let wait_direct = |w: f64| customers("per_bank", 0.08, w, 0.995, 0.02);
        let direct = wait_direct(20.1);
        let laned = |wait: f64| {
            let mut e = customers(
                "per_bank, customers through the priority lane",
                0.0,
                wait,
                0.995,
                0.02,
            );
            e.conduct.lane = true;
            e.strategy = direct.strategy.clone();
            e
        };
        let t = Targets {
            max_customer_failure_rate: Some(0.02),
            max_customer_wait_seconds: None,
            ..targets()
        };
        let with = |direct: &Evaluation, wait: f64| {
            made_up_plan(t.clone(), laned(wait), vec![direct.clone(), laned(wait)])
        };
        let plan = |wait: f64| with(&direct, wait);
        let f = lane_wait_finding(&plan(2_085.8), &scenario("direct", "")).unwrap();
        assert!(
            f.starts_with(
                "through the priority lane, the customers' requests that get data wait 2085.8 s \
                 for it at the 95th percentile, against 20.1 s calling directly with the same \
                 setting"
            ),
            "{f}"
        );
        let f = lane_wait_finding(&plan(f64::INFINITY), &scenario("direct", "")).unwrap();
        assert!(f.contains("wait ≥ 1 h for it"), "{f}");
        assert_eq!(
            lane_wait_finding(&plan(29.0), &scenario("direct", "")),
            None
        );
        // Twice as long, but by less than 10 s.
        let quick = with(&wait_direct(5.0), 14.0);
        assert_eq!(lane_wait_finding(&quick, &scenario("direct", "")), None);
        let slow = with(&wait_direct(5.0), 15.0);
        assert!(lane_wait_finding(&slow, &scenario("direct", "")).is_some());
        assert_eq!(
            lane_wait_finding(&plan(2_085.8), &scenario("priority", "")),
            None
        );
    }
}
