//! What a plan found, as sentences for the memo and the JSON: why a target is out of reach
//! (and whether the banks or the client put it there), the failure floor, caveats.

use super::{hours, Evaluation, FailureScope, Figure, Plan};
use crate::output::text::{pct, thousands};
use crate::scenario::Scenario;

/// Coverage within this of another counts as the same.
const COVERAGE_TIE: f64 = 0.0025;

/// Every finding, most important first. `confirmed`: the screened choice held at the full
/// replications.
pub fn findings(p: &Plan, confirmed: bool, sc: &Scenario) -> Vec<String> {
    let r = &p.recommendation;
    let t = &p.targets;
    let mut out = Vec::new();
    if !confirmed {
        out.push(format!(
            "borderline: the screening runs met every target, but the {} replications of the choice \
             do not; treat the figures as the edge of what works",
            p.replications
        ));
    } else if let Some(b) = borderline(p) {
        out.push(b);
    }
    if !r.met.coverage {
        out.push(coverage_finding(p));
    }
    if !p.targets_met {
        out.extend(alternatives(p));
    }
    if !r.met.failure_rate {
        out.push(failure_finding(p));
    }
    if let (false, Some(h)) = (r.met.staleness, t.staleness_p95_hours) {
        let best = p
            .candidates
            .iter()
            .map(|e| e.figures.mean(Figure::StalenessP95Hours))
            .fold(f64::INFINITY, f64::min);
        let period = sc.schedule.period.as_secs_f64() / 3600.0;
        let why = if h < period {
            format!(
                " (a client that refreshes each connection once per {period} h period leaves data up \
                 to a period old; a shorter strategy.period is the lever)"
            )
        } else {
            String::new()
        };
        out.push(format!(
            "no searched setting keeps the 95th percentile of data age within {h} h; the least seen \
             is {}{why}",
            hours(best)
        ));
    }
    if let (false, Some(a)) = (r.met.api_calls, t.max_api_calls_per_day) {
        out.push(format!(
            "no searched setting stays within the budget of {} API calls a day; the recommendation \
             needs {}",
            thousands(a),
            thousands(r.figures.mean(Figure::ApiCallsPerDay))
        ));
    }
    out.push(floor_finding(r));
    if sc.warmup.is_zero() {
        out.push(
            "the scenario's window starts empty, with no warm-up: its data ages count connections \
             not yet refreshed since the start (window.warmup = \"1d\" on a longer window measures \
             a steady state)"
                .to_string(),
        );
    }
    out
}

/// The recommendation meets its targets on average, but a single day-to-day run with other
/// seeds may not: the 95 % prediction interval of one run (the confidence half-width times
/// `√(n + 1)`) reaches past a target.
fn borderline(p: &Plan) -> Option<String> {
    let f = &p.recommendation.figures;
    let t = &p.targets;
    let cov = f.get(Figure::Coverage);
    let fail = f.get(t.scope.figure());
    let widen = ((cov.n + 1) as f64).sqrt();
    let (c, e) = (cov.ci95? * widen, fail.ci95.unwrap_or(0.0) * widen);
    let low = p.targets_met && (cov.mean - c < t.coverage || fail.mean + e > t.max_failure_rate);
    low.then(|| {
        format!(
            "borderline: one run with other seeds lands within coverage {} ± {:.2} and failures {} \
             ± {:.2} (95 % prediction intervals), past a target; leave a margin (e.g. plan for a \
             slightly higher coverage)",
            pct(cov.mean),
            100.0 * c,
            pct(fail.mean),
            100.0 * e
        )
    })
}

/// Why coverage falls short: the banks' policies (no client can), the banks as saturating
/// clients measured them, or the client.
fn coverage_finding(p: &Plan) -> String {
    let c = p.targets.coverage;
    let best = p.recommendation.figures.mean(Figure::Coverage);
    let banks = |f: &dyn Fn(&super::BankCeiling) -> (f64, f64)| -> Vec<String> {
        let mut v: Vec<_> = p
            .ceilings
            .iter()
            .filter(|b| f(b).1 < c)
            .map(|b| {
                let (per_day, cov) = f(b);
                (
                    (c * b.connections - per_day).max(0.0),
                    format!(
                        "{}'s {} serves at most {} refreshes a day ({} of its {} connections due, {} \
                         a day short)",
                        b.name,
                        b.binding().unwrap_or("limits"),
                        thousands(per_day),
                        pct(cov),
                        thousands(b.connections),
                        thousands((c * b.connections - per_day).max(0.0))
                    ),
                )
            })
            .collect();
        v.sort_by(|a, b| b.0.total_cmp(&a.0));
        v.into_iter().map(|x| x.1).collect()
    };
    if p.coverage_bound < c {
        let list = banks(&|b| (b.capacity.refreshes, b.bound_coverage()));
        format!(
            "no client can reach {} coverage: the banks' policies allow at most {} of the users a day. \
             {}. The best achievable is {}",
            pct(c),
            pct(p.coverage_bound),
            list.join("; "),
            pct(best)
        )
    } else if p.coverage_ceiling < c {
        let list = banks(&|b| (b.per_day, b.coverage()));
        format!(
            "the banks' policies would allow {} of the users a day, but saturating clients got at most \
             {} out of them: {}. The best achievable here is {}",
            pct(p.coverage_bound),
            pct(p.coverage_ceiling),
            list.join("; "),
            pct(best)
        )
    } else {
        format!(
            "the banks could serve {} of the users a day, but no searched setting reached {} within the \
             other targets; the best achievable is {}",
            pct(p.coverage_ceiling),
            pct(c),
            pct(best)
        )
    }
}

/// The settings a planner might prefer to the closest: the most coverage any reached, and
/// the most within the failure bound.
fn alternatives(p: &Plan) -> Vec<String> {
    let r = &p.recommendation;
    let cov = |e: &Evaluation| e.figures.mean(Figure::Coverage);
    let most = |pool: &mut dyn Iterator<Item = &Evaluation>| {
        pool.max_by(|a, b| cov(a).total_cmp(&cov(b))).cloned()
    };
    let mut out = Vec::new();
    if let Some(top) = most(&mut p.candidates.iter()).filter(|e| cov(e) > cov(r) + COVERAGE_TIE) {
        out.push(format!(
            "the most coverage any searched setting reached is {} ({}), with {} of its attempts failing \
             by its own 429s and {} API calls a day",
            pct(cov(&top)),
            top.label,
            pct(top.figures.mean(Figure::ClientFailureRate)),
            thousands(top.figures.mean(Figure::ApiCallsPerDay))
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
    out
}

fn failure_finding(p: &Plan) -> String {
    let t = &p.targets;
    let r = &p.recommendation;
    let floor = r.figures.mean(Figure::FailureFloor);
    if t.scope == FailureScope::All && floor > t.max_failure_rate {
        format!(
            "every failure within {} is out of reach of the searched clients: 5xx errors and \
             maintenance rejections alone are {} of attempts; bound the client's own 429s instead \
             (the default, --failure-scope client)",
            pct(t.max_failure_rate),
            pct(floor)
        )
    } else {
        format!(
            "no searched setting reaching this coverage keeps its own 429s within {}: the best \
             achievable fails {} of attempts",
            pct(t.max_failure_rate),
            pct(r.figures.mean(t.scope.figure()))
        )
    }
}

/// The failures the client does not cause.
fn floor_finding(r: &Evaluation) -> String {
    let f = &r.figures;
    let outage = f.mean(Figure::OutageRate);
    let pause = if outage > 0.0 {
        "; a client that pauses a bank on a Retry-After (strategy.pause_on_retry_after = true) meets \
         far fewer maintenance rejections"
    } else {
        ""
    };
    format!(
        "failures the client does not cause: 5xx errors {} and rejections during maintenance windows {} \
         of attempts (a floor of {}), kept apart from the client's own 429s ({}); consent expiry ends {} \
         of attempts in reconnect_required{pause}",
        pct(f.mean(Figure::ErrorRate)),
        pct(outage),
        pct(f.mean(Figure::FailureFloor)),
        pct(f.mean(Figure::ClientFailureRate)),
        pct(f.mean(Figure::ReconnectRate))
    )
}
