//! The scenario's own client against the recommendation: what changing to it buys, and what
//! it costs the customers (a pace that fills a bank's limits leaves their calls the 429s).

use super::super::{Evaluation, Figure, Plan};
use crate::output::text::pct;
use crate::strategy::Strategy;

/// Customers' failures rising by more than this (a share of their attempts) are told.
const WORSE_FOR_CUSTOMERS: f64 = 0.005;
/// A queue's last step adding more coverage than this was still growing.
const GROWING: f64 = 0.0025;

/// How the recommendation differs from the scenario's own client, where they differ:
/// coverage, the client's own 429s, its customers' calls' failures and the data's age.
pub fn current_finding(p: &Plan) -> Option<String> {
    let c = p.current_apart()?;
    let r = &p.recommendation;
    let m = |e: &Evaluation, f: Figure| e.figures.mean(f);
    // Each with its own verb: "leaves … at" where the memo's figure does not move, else
    // "moves … from … to" (a trial read "leaves X at 0.00 % and the data's age from 95.8 h
    // to 24.0 h").
    let change = |what: &str, was: String, is: String| match was == is {
        true => format!("leaves {what} at {is}"),
        false => format!("moves {what} from {was} to {is}"),
    };
    let own = Figure::ClientFailureRate;
    let mut parts = vec![
        change(
            "coverage",
            pct(m(c, Figure::Coverage)),
            pct(m(r, Figure::Coverage)),
        ),
        change("the client's own 429s", pct(m(c, own)), pct(m(r, own))),
    ];
    let customers = Figure::CustomerFailureRate;
    let (was, is) = (m(c, customers), m(r, customers));
    if !was.is_nan() && !is.is_nan() {
        let what = format!("its {}' 429s", p.customer_calls);
        parts.push(change(&what, pct(was), pct(is)));
        if is > was + WORSE_FOR_CUSTOMERS {
            let last = parts.last_mut().expect("just pushed");
            last.push_str(
                " (worse for the customers: the background takes more of the banks' limits \
                 their calls spend)",
            );
        }
    }
    let hours = |h: f64| super::super::age(h, p.age_horizon_hours);
    let age = Figure::StalenessP95Hours;
    let what = "the data's 95th-percentile age";
    parts.push(change(what, hours(m(c, age)), hours(m(r, age))));
    // Said only where it moves as the memo writes it (a trial read "from 12.0 h to 12.0 h").
    let (open_was, open_is) = (m(c, Figure::AtOpenP50Hours), m(r, Figure::AtOpenP50Hours));
    if !open_was.is_nan() && !open_is.is_nan() && hours(open_was) != hours(open_is) {
        let what = "its median when customers open the app";
        parts.push(change(what, hours(open_was), hours(open_is)));
    }
    let last = parts.pop().expect("four parts at least");
    Some(format!(
        "against the scenario's own client ({}{}), the recommendation {} and {last}",
        c.label,
        if c.met.all() {
            ", which meets every target"
        } else {
            ""
        },
        parts.join(", ")
    ))
}

/// Where the queue's search stopped at the failure bound short of the coverage target: a
/// larger queue, which the plan does not search, may cover more for more 429s, so a planner
/// who runs a queue learns where it stopped and how to see the trade-off. (A trial's plan
/// stopped at 4 slots; its own sweep found 16 slots covering 76 %, 24 covering 95 % with
/// 13 % failing. Another's found 32 slots covering less than 16, retries holding slots
/// through a penalty box, where the finding had said a larger queue covers more.) The
/// scenario's own queue, where larger, says which.
pub fn queue_stop_finding(p: &Plan) -> Option<String> {
    let mut queues: Vec<(u32, &Evaluation)> = p
        .candidates
        .iter()
        .filter(|e| !e.conduct.pause)
        .filter_map(|e| match e.strategy {
            Strategy::Queued { concurrency } => Some((concurrency, e)),
            _ => None,
        })
        .collect();
    queues.sort_by_key(|(c, _)| *c);
    let &(c, e) = queues.last()?;
    if e.met.coverage || e.met.within_failure_bounds() || p.recommendation.strategy == e.strategy {
        return None;
    }
    // Stopped where its coverage stopped growing: a larger queue would not cover more.
    let cov = |e: &Evaluation| e.figures.mean(Figure::Coverage);
    let growing = queues.len() < 2 || cov(e) > cov(queues[queues.len() - 2].1) + GROWING;
    if !growing {
        return None;
    }
    let t = &p.targets;
    // What a larger queue does, where the plan ran one: the scenario's own, unless it
    // pauses (another client); by the bound the search passed.
    let own = &p.current;
    let failing = match (
        e.met.failure_rate,
        t.max_bank_failure_rate,
        t.worst_bank(&own.figures),
    ) {
        (true, Some(_), Some((b, worst))) => format!(
            "{} at {}",
            pct(worst.mean),
            p.ceilings.get(b).map_or("a bank", |c| c.name.as_str())
        ),
        _ => pct(own.figures.mean(t.scope.figure())),
    };
    let larger = match own.strategy {
        Strategy::Queued { concurrency } if concurrency > c && !own.conduct.pause => format!(
            "the plan tries no larger queue but the scenario's own of {concurrency}, shown \
             beside the choice: {} covered, {failing} failing by {} (a sweep over \
             strategy.concurrency gives the trade-off between)",
            pct(own.figures.mean(Figure::Coverage)),
            t.scope.phrase(),
        ),
        _ => "the plan tries no larger queue, which may cover more for more 429s or, where \
              retries hold its slots through a bank's refusals, less (a sweep over \
              strategy.concurrency tells)"
            .to_string(),
    };
    // The bound it passed: the population's, or else the one at each bank, at its worst.
    let past = match (
        e.met.failure_rate,
        t.max_bank_failure_rate,
        t.worst_bank(&e.figures),
    ) {
        (true, Some(bound), Some((b, worst))) => format!(
            "past the {} bound at each bank ({} at {})",
            pct(bound),
            pct(worst.mean),
            p.ceilings.get(b).map_or("a bank", |c| c.name.as_str())
        ),
        _ => format!("past the {} bound", pct(t.max_failure_rate)),
    };
    Some(format!(
        "the queue's search stopped at concurrency {c}, covering {} with {} of its attempts \
         failing by {}, {past}; {larger}",
        pct(e.figures.mean(Figure::Coverage)),
        pct(e.figures.mean(t.scope.figure())),
        t.scope.phrase(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{all_met, made_up_plan, setting, targets};
    use super::*;
    use crate::stats::Estimate;

    /// What does not move is said to stay, not "from 0.50 % to 0.50 %" (a trial read "the
    /// customers' calls' 429s from 4.73 % to 4.73 %"); what moves, from and to.
    #[test]
    fn the_current_finding_says_what_stays_as_staying() {
        let mut current = setting("queued, concurrency 8", 30.0, 1.0, all_met());
        current.strategy = Strategy::Queued { concurrency: 4 };
        let chosen = setting("queued, concurrency 8", 20.0, 1.0, all_met());
        let mut p = made_up_plan(targets(), chosen, Vec::new());
        p.current = current;
        let f = current_finding(&p).unwrap();
        assert!(f.contains("leaves the client's own 429s at 50.00 %"), "{f}");
        assert!(
            f.contains("leaves its customers' calls' 429s at 50.00 %"),
            "{f}"
        );
        assert!(
            f.contains("95th-percentile age from 30.0 h to 20.0 h"),
            "{f}"
        );
        p.current.figures.all[Figure::ClientFailureRate as usize] =
            Estimate::of(&[0.1, 0.1]).unwrap();
        let f = current_finding(&p).unwrap();
        assert!(
            f.contains("the client's own 429s from 10.00 % to 50.00 %"),
            "{f}"
        );
    }

    /// The queue's stop says what the plan ran of a larger queue, the scenario's own, with
    /// its figures; without one, that a larger queue may cover more or less (a trial's 32
    /// slots covered less than 16, where the finding said a larger queue covers more).
    #[test]
    fn the_queue_stop_says_what_a_larger_queue_did() {
        let queue = |c: u32| {
            let mut e = setting(&format!("queued, concurrency {c}"), 1.0, 1.0, all_met());
            e.strategy = Strategy::Queued { concurrency: c };
            (e.met.coverage, e.met.failure_rate) = (false, false);
            e
        };
        let mut choice = setting("paced", 1.0, 1.0, all_met());
        choice.strategy = Strategy::RandomOffset;
        let mut p = made_up_plan(targets(), choice, vec![queue(16)]);
        p.targets_met = false;
        assert_eq!(p.current.strategy, Strategy::RandomOffset);
        let f = queue_stop_finding(&p).unwrap();
        assert!(
            f.contains("stopped at concurrency 16")
                && f.contains(
                    "the plan tries no larger queue, which may cover more for more 429s or, \
                     where retries hold its slots through a bank's refusals, less"
                ),
            "{f}"
        );
        p.current = queue(64);
        p.current.figures.all[Figure::Coverage as usize] = Estimate::of(&[0.8, 0.8]).unwrap();
        let f = queue_stop_finding(&p).unwrap();
        assert!(
            f.contains(
                "but the scenario's own of 64, shown beside the choice: 80.00 % covered, \
                 50.00 % failing by its own 429s"
            ),
            "{f}"
        );
        // A pausing client is another than the queue searched.
        p.current.conduct.pause = true;
        let f = queue_stop_finding(&p).unwrap();
        assert!(
            f.contains("the plan tries no larger queue, which may"),
            "{f}"
        );
    }
}
