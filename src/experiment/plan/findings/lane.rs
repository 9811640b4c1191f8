//! The customers' own bound and the priority lane: whether the recommendation keeps their
//! calls' 429s within `--max-customer-failure-rate`, what the lane, which the plan tries for
//! that bound, costs them in waiting, and how to have it tried.

use super::super::{Evaluation, Figure, Plan};
use crate::output::text::pct;
use crate::scenario::Scenario;

/// The recommendation passes the bound on the customers' 429s: the searched setting within
/// it covering the most, which misses another target; or, where none keeps within it, the
/// least seen, and whether the priority lane was tried.
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
    let coverage = |e: &&Evaluation| e.figures.mean(Figure::Coverage);
    let within = (p.candidates.iter())
        .filter(|e| e.met.customer_failure_rate)
        .max_by(|a, b| coverage(a).total_cmp(&coverage(b)));
    if let Some(e) = within {
        return Some(format!(
            "{head}; searched settings keep within it (the most covering: {}, {} refused, \
             {} coverage), but miss another target",
            e.label,
            pct(refused(e)),
            pct(coverage(&e))
        ));
    }
    let least = (p.candidates.iter())
        .filter(|e| refused(e).is_finite())
        .min_by(|a, b| refused(a).total_cmp(&refused(b)))?;
    let lane = match (
        sc.schedule.hours.is_some(),
        p.candidates.iter().any(|e| e.conduct.lane),
    ) {
        (true, _) => {
            "; the plan cannot try the priority lane, their calls through the client's slots \
             ahead of the background, while strategy.hours keeps the slots shut outside its band"
        }
        (false, true) => {
            "; the priority lane, their calls through the client's slots ahead of the \
             background, was tried on each kind with slots' best setting: what still refuses \
             them is the banks' limits the background spends, which less background there \
             (a smaller pool or pace at the bank, per_bank or paced) leaves them"
        }
        (false, false) => "",
    };
    Some(format!(
        "no searched setting keeps its customers' calls' 429s within {}; the least seen is {} \
         ({}){lane}",
        pct(bound),
        pct(refused(least)),
        least.label
    ))
}

/// A recommendation sending the customers through the priority lane, which the scenario
/// does not, where they wait markedly longer for their data than calling directly with the
/// same setting: the lane queues them for the client's slots where a pool is small or their
/// peak fills it (a trial's 128 slots kept them 35 minutes at the 95th percentile).
pub(super) fn lane_wait_finding(p: &Plan, sc: &Scenario) -> Option<String> {
    let r = &p.recommendation;
    let direct = (sc.on_demand.as_ref()).is_some_and(|d| d.lane == crate::demand::Lane::Direct);
    if !(r.conduct.lane && direct) {
        return None;
    }
    let wait = |e: &Evaluation| e.figures.mean(Figure::CustomerWaitP95Seconds);
    let twin = (p.candidates.iter()).find(|e| {
        e.strategy == r.strategy && e.conduct.pause == r.conduct.pause && !e.conduct.lane
    })?;
    let (with, without) = (wait(r), wait(twin));
    if !(with > 1.5 * without && with - without >= 10.0) {
        return None;
    }
    let slowest = (r.figures.banks.iter().enumerate())
        .map(|(b, f)| (b, f[Figure::CustomerWaitP95Seconds as usize].mean))
        .filter(|(b, x)| !x.is_nan() && *b < p.ceilings.len())
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(String::new(), |(b, x)| {
            format!(
                " (the longest at {}: {})",
                p.ceilings[b].name,
                super::super::render::wait(x)
            )
        });
    Some(format!(
        "through the priority lane, the customers' requests that get data wait {} for it at the \
         95th percentile{slowest}, against {} calling directly with the same setting: they \
         queue for the client's slots where a pool is small or their peak fills it; larger \
         pools, or slots kept for them (on_demand.reserved), shorten it",
        super::super::render::wait(with),
        super::super::render::wait(without)
    ))
}

/// Where the customers call directly and the client keeps no band, the priority lane: the
/// recommendation's own setting with it, where the plan tried it; else how to have it tried
/// (a bound on the customers' 429s, which the plan tries it for where a kind's best setting
/// passes it), or, with that bound kept over every bank, how to plan with it.
pub(super) fn lane_lever(p: &Plan, sc: &Scenario) -> String {
    let r = &p.recommendation;
    let direct = (sc.on_demand.as_ref()).is_some_and(|d| d.lane == crate::demand::Lane::Direct);
    if !direct || sc.schedule.hours.is_some() || r.conduct.lane {
        return String::new();
    }
    let lane = "the priority lane (their calls through the client's slots ahead of the \
                background)";
    let tried = (p.candidates.iter())
        .find(|e| e.conduct.lane && e.strategy == r.strategy && e.conduct.pause == r.conduct.pause);
    if let Some(e) = tried {
        let refused = e.figures.mean(Figure::CustomerFailureRate);
        return format!(
            "; the same setting with {lane} is among the settings searched, their 429s {} over \
             every bank there",
            pct(refused)
        );
    }
    let again = match sc.strategy.has_slots() {
        true => "plan again with --set on_demand.lane=priority (and on_demand.reserved for slots \
                 kept for them), which searches the clients with slots alone"
            .to_string(),
        false => "give the scenario a client with slots (strategy.kind queued, per_bank or \
                  aimd) and on_demand.lane = \"priority\", and plan again"
            .to_string(),
    };
    match p.targets.max_customer_failure_rate {
        Some(bound) => format!(
            "; the plan tries {lane} on a kind's best setting only where it passes the \
             customers' bound over every bank ({}), which this one keeps: to weigh it here, \
             {again}",
            pct(bound)
        ),
        None => format!(
            "; or bound their 429s (--max-customer-failure-rate), with which the plan also \
             tries {lane} on a kind's best setting past the bound, or {again}"
        ),
    }
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
        let est = |x: f64| Estimate::of(&[x, x]).unwrap();
        e.figures.all[Figure::CustomerFailureRate as usize] = est(refused);
        e.figures.all[Figure::CustomerWaitP95Seconds as usize] = est(wait);
        e.figures.all[Figure::Coverage as usize] = est(coverage);
        e
    }

    /// Past the bound, the finding names the most covering setting within it, or, with none,
    /// the least seen and whether the lane was tried (or could not be, behind a band).
    #[test]
    fn the_customers_bound_missed_is_told_with_what_keeps_it() {
        let bounded = Targets {
            max_customer_failure_rate: Some(0.02),
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
             2.00 % bound; searched settings keep within it (the most covering: queued, \
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
        let banded = scenario("direct", "hours = [\"00:00\", \"06:00\"]\n");
        let f = customer_bound_finding(&plan(vec![chosen.clone()]), &banded).unwrap();
        assert!(f.contains("the plan cannot try the priority lane"), "{f}");
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
        let direct = customers("per_bank", 0.08, 20.1, 0.995, 0.02);
        let laned = |wait: f64| {
            let mut e = customers(
                "per_bank, customers through the priority lane",
                0.0,
                wait,
                0.995,
                0.02,
            );
            e.conduct.lane = true;
            e
        };
        let plan = |wait: f64| {
            let t = Targets {
                max_customer_failure_rate: Some(0.02),
                ..targets()
            };
            made_up_plan(t, laned(wait), vec![direct.clone(), laned(wait)])
        };
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
        assert_eq!(
            lane_wait_finding(&plan(2_085.8), &scenario("priority", "")),
            None
        );
    }
}
