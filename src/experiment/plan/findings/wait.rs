//! The bound on the customers' wait (`--max-customer-wait`): what keeps the recommendation
//! past it, and what would shorten it. Calling directly, a customer waits for the bank's call
//! and for the client to learn its outcome, which no client setting shortens; through the
//! priority lane, for a slot too, which more slots do.

use super::super::{render, Evaluation, Figure, Plan};
use super::lane::{but_another, closest_within, own_lane, slowest_bank};
use crate::output::text::pct;
use crate::platform::StatusMode;
use crate::scenario::Scenario;

/// A customers' wait the memo tells without a bound on it, in seconds: ten minutes in the
/// app for their data (a trial's 128 slots kept them 2,055 s; calling directly with a 10 s
/// poll they wait about 20 s).
const LONG_WAIT: f64 = 600.0;

/// The recommendation keeps its customers past the bound on their wait: the closest searched
/// setting within it ([`closest_within`]), which misses another target; or, where none keeps
/// within it, the least wait seen and what it is made of.
/// Without the bound, a recommendation keeping them past [`LONG_WAIT`] is told, with how to
/// have the plan weigh it.
pub(super) fn customer_wait_finding(p: &Plan, sc: &Scenario) -> Option<String> {
    let r = &p.recommendation;
    let wait = |e: &Evaluation| e.figures.mean(Figure::CustomerWaitP95Seconds);
    let Some(bound) = p.targets.max_customer_wait_seconds else {
        // A bound on their 429s counts a wait past the hour already (its finding says so).
        let weighed = p.targets.max_customer_failure_rate.is_some() && wait(r).is_infinite();
        return (wait(r) > LONG_WAIT && !weighed).then(|| {
            format!(
                "the recommendation's customers wait {} from request to data at the 95th \
                 percentile{}: the plan sized it without them; bound their wait \
                 (--max-customer-wait, e.g. 60) to have it weigh them",
                render::wait(wait(r)),
                slowest_bank(p, r)
            )
        });
    };
    if r.met.customer_wait {
        return None;
    }
    let head = format!(
        "the recommendation's customers wait {} from request to data at the 95th \
         percentile{}, past the {} bound",
        render::wait(wait(r)),
        slowest_bank(p, r),
        render::wait(bound)
    );
    let coverage = |e: &Evaluation| e.figures.mean(Figure::Coverage);
    if let Some(e) = closest_within(p, |e| e.met.customer_wait) {
        let but = but_another(e);
        return Some(format!(
            "{head}; searched settings keep within it (the closest: {}, {} at the 95th \
             percentile, {} coverage), {but}",
            e.label,
            render::wait(wait(e)),
            pct(coverage(e))
        ));
    }
    let least = (p.candidates.iter())
        .filter(|e| !wait(e).is_nan())
        .min_by(|a, b| wait(a).total_cmp(&wait(b)))?;
    let floor = format!(
        "they wait for the bank's call (its service time, and its own queue where its capacity \
         is busy) and for the client to learn its outcome ({}), which no client setting \
         shortens: a bound under that asks the bank or the platform for a quicker answer",
        learning(sc)
    );
    let why = match (
        wait(least).is_infinite(),
        least.conduct.lane || own_lane(sc),
    ) {
        // Past the hour: more than a poll holds them (a review's bank serving four calls at
        // once, its customers asking for more, read as the poll's fault).
        (true, _) => "none had them served within the hour: what serves their calls, the \
                      bank's capacity or the client's slots through the lane, falls short of \
                      what they ask at their busiest"
            .to_string(),
        (false, true) => format!(
            "through the priority lane they queue for the client's slots, which larger pools \
             (or on_demand.reserved, slots kept for them) shorten where the banks' limits \
             allow; beneath that, {floor}"
        ),
        (false, false) => format!("calling directly, {floor}"),
    };
    Some(format!(
        "{head}; no searched setting keeps within it, the least seen being {} ({}): {why}",
        render::wait(wait(least)),
        least.label
    ))
}

/// How the client learns a call's outcome, and what would be quicker.
fn learning(sc: &Scenario) -> String {
    match sc.platform.status {
        StatusMode::Poll { interval, first } => format!(
            "a status poll first after {first}, then every {interval}: compare a callback with \
             --set platform.status=callback, or a shorter platform.poll_interval where the \
             aggregator allows it"
        ),
        StatusMode::Callback { delay } => format!("the platform's callback, {delay} after it"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{all_met, made_up_plan, setting, targets};
    use super::*;
    use crate::experiment::plan::{Met, Targets};
    use crate::stats::Estimate;
    use crate::strategy::Strategy;

    /// One bank polled every 10 s; its customers call as `lane` says.
    fn scenario(lane: &str) -> Scenario {
        let text = format!(
            "[window]\nlength = \"1d\"\n[population]\nconnections = 1000\n[strategy]\n\
             kind = \"queued\"\nconcurrency = 4\n[on_demand]\nper_connection = 0.1\n\
             lane = \"{lane}\"\n[[banks]]\nname = \"a\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
        );
        crate::scenario::parse(&text, "inline", "t", &[]).unwrap()
    }

    /// A queue of `slots` whose customers wait `wait`, covering `coverage`, judged against a
    /// bound of 60 s.
    fn queue(slots: u32, wait: f64, coverage: f64) -> Evaluation {
        let met = Met {
            customer_wait: wait <= 60.0,
            coverage: coverage >= 0.99,
            ..all_met()
        };
        let mut e = setting(&format!("queued, concurrency {slots}"), 20.0, 1e3, met);
        e.strategy = Strategy::Queued { concurrency: slots };
        let est = |x: f64| Estimate::of(&[x, x]).unwrap();
        e.figures.all[Figure::CustomerWaitP95Seconds as usize] = est(wait);
        e.figures.all[Figure::Coverage as usize] = est(coverage);
        e
    }

    fn bounded() -> Targets {
        Targets {
            max_customer_wait_seconds: Some(60.0),
            ..targets()
        }
    }

    /// Past the bound, the closest setting within it is named; with none, the least
    /// wait seen and what it is made of: the poll calling directly, the slots in the lane.
    #[test]
    fn the_wait_past_its_bound_is_told_with_what_would_shorten_it() {
        let chosen = queue(4, 2_055.0, 0.995);
        let plan = |c: Vec<Evaluation>| made_up_plan(bounded(), chosen.clone(), c);
        let p = plan(vec![
            queue(2, 20.0, 0.6),
            queue(3, 30.0, 0.8),
            chosen.clone(),
        ]);
        assert_eq!(
            customer_wait_finding(&p, &scenario("priority")).unwrap(),
            "the recommendation's customers wait 2055.0 s from request to data at the 95th \
             percentile, past the 60.0 s bound; searched settings keep within it (the \
             closest: queued, concurrency 3, 30.0 s at the 95th percentile, 80.00 % \
             coverage), but miss another target"
        );
        // One past the failure bound is not the closest, however much it covers.
        let mut failing = queue(5, 30.0, 0.9);
        failing.met.failure_rate = false;
        let p = plan(vec![queue(3, 30.0, 0.8), failing, chosen.clone()]);
        let f = customer_wait_finding(&p, &scenario("priority")).unwrap();
        assert!(f.contains("(the closest: queued, concurrency 3,"), "{f}");
        let p = plan(vec![queue(2, 90.0, 0.6), chosen.clone()]);
        let f = customer_wait_finding(&p, &scenario("priority")).unwrap();
        assert!(
            f.contains(
                "no searched setting keeps within it, the least seen being 90.0 s (queued, \
                 concurrency 2): through the priority lane they queue for the client's slots, \
                 which larger pools (or on_demand.reserved, slots kept for them) shorten where \
                 the banks' limits allow; beneath that, they wait for the bank's call"
            ),
            "{f}"
        );
        let f = customer_wait_finding(&p, &scenario("direct")).unwrap();
        assert!(
            f.contains(
                "calling directly, they wait for the bank's call (its service time, and its own \
                 queue where its capacity is busy) and for the client to learn its outcome (a \
                 status poll first after 10s, then every 10s: compare a callback"
            ),
            "{f}"
        );
        // Past the hour at every setting: not the poll's doing.
        let never = queue(4, f64::INFINITY, 0.995);
        let p = made_up_plan(
            bounded(),
            never.clone(),
            vec![queue(2, f64::INFINITY, 0.6), never],
        );
        let f = customer_wait_finding(&p, &scenario("direct")).unwrap();
        assert!(
            f.ends_with(
                "none had them served within the hour: what serves their calls, the bank's \
                 capacity or the client's slots through the lane, falls short of what they ask \
                 at their busiest"
            ) && !f.contains("poll"),
            "{f}"
        );
        // Met: nothing to say.
        let mut within = plan(vec![chosen.clone()]);
        within.recommendation = queue(8, 20.0, 0.995);
        assert_eq!(customer_wait_finding(&within, &scenario("priority")), None);
    }

    /// The bank where they wait longest is named, every one of several tied (past the hour),
    /// none with one bank.
    #[test]
    fn the_longest_waits_are_named_at_their_banks() {
        use super::super::banks::tests::ceiling;
        let mut r = queue(4, f64::INFINITY, 0.995);
        let est = |x: f64| Estimate::of(&[x, x]).unwrap();
        let at = |wait: f64| {
            let mut f = r.figures.all;
            f[Figure::CustomerWaitP95Seconds as usize] = est(wait);
            f
        };
        r.figures.banks = vec![at(f64::INFINITY), at(30.0), at(f64::INFINITY)];
        let mut p = made_up_plan(targets(), r.clone(), vec![r.clone()]);
        p.ceilings = ["a", "b", "c"].map(|n| ceiling(n, 1e3)).to_vec();
        let f = customer_wait_finding(&p, &scenario("priority")).unwrap();
        assert!(
            f.contains("percentile (the longest at a and c: ≥ 1 h):"),
            "{f}"
        );
        r.figures.banks[2] = at(45.0);
        let mut p = made_up_plan(targets(), r.clone(), vec![r]);
        p.ceilings = ["a", "b", "c"].map(|n| ceiling(n, 1e3)).to_vec();
        let f = customer_wait_finding(&p, &scenario("priority")).unwrap();
        assert!(f.contains("(the longest at a: ≥ 1 h)"), "{f}");
    }

    /// Without the bound, a wait past ten minutes is told with the flag that weighs it; a
    /// shorter one, or none measured, is not.
    #[test]
    fn a_long_wait_without_a_bound_names_the_bound() {
        let told = |wait: f64| {
            let r = queue(4, wait, 0.995);
            customer_wait_finding(
                &made_up_plan(targets(), r.clone(), vec![r]),
                &scenario("priority"),
            )
        };
        let f = told(f64::INFINITY).unwrap();
        assert!(
            f.starts_with("the recommendation's customers wait ≥ 1 h from request to data")
                && f.ends_with(
                    "bound their wait (--max-customer-wait, e.g. 60) to have it weigh them"
                ),
            "{f}"
        );
        assert!(told(601.0).is_some());
        assert_eq!(told(600.0), None);
        assert_eq!(told(f64::NAN), None);
    }
}
