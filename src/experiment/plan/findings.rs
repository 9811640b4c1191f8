//! What a plan found, as sentences for the memo and the JSON: why a target is out of reach
//! (and whether the banks or the client put it there), the failure floor, caveats.

use super::{Evaluation, FailureScope, Figure, Plan};
use crate::bank::Bank;
use crate::output::text::{pct, thousands};
use crate::scenario::Scenario;
use crate::strategy::PaceProfiles;

mod alternatives;
mod at_limit;
mod bank_bound;
mod banks;
mod current;
mod customers;
mod fitted;
mod floor;
mod lane;
mod order;
mod polling;
mod start;
mod wait;
use banks::{bank_floor_finding, coverage_finding, left_behind_finding, one_profile_finding};
use customers::{
    customers_share_finding, diluted_finding, reliance_finding, worst_customers_finding,
};
pub use customers::{fixed_demand_finding, past_ceiling};

/// Coverage within this of another counts as the same.
const COVERAGE_TIE: f64 = 0.0025;

/// A margin worth naming ([`headroom_finding`]): this much more coverage ...
const HEADROOM_GAIN: f64 = 0.005;
/// ... for at most this share more API calls a day.
const HEADROOM_COST: f64 = 0.02;

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
    out.extend(fitted::fitted_finding(sc));
    out.extend(fitted::tested_finding(p, sc));
    if !r.met.coverage {
        out.push(coverage_finding(p));
    }
    if let (false, Some(floor)) = (r.met.bank_coverage, t.min_bank_coverage) {
        out.push(bank_floor_finding(p, floor));
    }
    out.extend(current::current_finding(p));
    out.extend(left_behind_finding(p));
    out.extend(banks::under_target_finding(p));
    out.extend(one_profile_finding(p));
    out.extend(headroom_finding(p));
    out.extend(order::stalest_finding(p));
    if !p.targets_met {
        out.extend(alternatives::alternatives(p));
        out.extend(current::queue_stop_finding(p));
    }
    if !r.met.failure_rate {
        out.push(failure_finding(p));
    }
    out.extend(bank_bound::bank_failure_finding(p));
    out.extend(diluted_finding(p));
    if let (false, Some(h)) = (r.met.staleness, t.staleness_p95_hours) {
        let period = sc.schedule.period.as_secs_f64() / 3600.0;
        out.push(staleness_finding(
            r,
            &p.candidates,
            h,
            (sc.schedule.hours.is_some(), period),
            p.age_horizon_hours,
        ));
    }
    if let (false, Some(h)) = (r.met.at_open, t.at_open_p95_hours) {
        let period = sc.schedule.period.as_secs_f64() / 3600.0;
        out.push(at_open_finding(
            r,
            &p.candidates,
            h,
            (sc.schedule.band_label(), period),
            p.age_horizon_hours,
        ));
    }
    // The ages above may be the start's: said beside them.
    out.extend(start::start_finding(p, sc));
    if let (false, Some(a)) = (r.met.api_calls, t.max_api_calls_per_day) {
        out.push(api_calls_finding(r, &p.candidates, a));
    }
    out.extend(growth_finding(p, sc));
    out.extend(customers_share_finding(p, sc));
    out.extend(reliance_finding(p, sc));
    out.extend(lane::customer_bound_finding(p, sc));
    out.extend(lane::lane_wait_finding(p, sc));
    out.extend(wait::customer_wait_finding(p, sc));
    out.extend(customers::past_ceiling_finding(p));
    out.extend(worst_customers_finding(p, sc));
    out.push(floor::floor_finding(p, sc));
    out.extend(floor::incident_finding(sc));
    out.extend(floor::dated_window_finding(sc));
    out.extend(at_limit::at_limit_finding(p, sc));
    out.extend(polling::polling_finding(p, sc));
    out.extend(sc.coverage_caveat());
    out
}

/// With joins, the population grows through the window, and every target is judged on the
/// measured days' average: the last days, with more due, read worse (a trial's plan met
/// 99 % on average with its last days at 97.7 %).
fn growth_finding(p: &Plan, sc: &Scenario) -> Option<String> {
    let (last, mean) = super::ceiling::growth(sc)?;
    // A pace in refreshes a second does not grow with the book (a trial's paces covered
    // 95.5 % of 250,000 connections and 85.5 % of 300,000); a pace over the period does.
    let fixed = match &p.recommendation.strategy {
        crate::strategy::Strategy::Paced { rate, rates, .. } => {
            rate.is_some() || rates.iter().any(Option::is_some)
        }
        _ => false,
    };
    let paces = match fixed {
        true => "; its paces are refreshes a second, not a share of the book: scale them with it",
        false => "",
    };
    // A plan --at-week sized for a grown book already; its window's own growth is the
    // scenario's, from there.
    let at_week = match p.grown {
        Some(_) => "plan over the horizon you size for (the window's sign-ups are the scenario's growth of the book planned for)",
        None => "plan over the horizon you size for, or with --at-week WEEKS for the book you will have then",
    };
    if last > mean * 1.01 {
        return Some(format!(
            "the population grows with its joins: the last measured day has {} more connections \
             due than the average the targets are judged on, so its coverage and failures read \
             worse than the figures here (a run of the choice shows them in daily.csv); \
             {at_week}{paces}",
            pct(last / mean - 1.0)
        ));
    }
    // Slower growth hides within a short window, but fixed paces still fall behind it (a
    // trial's paces covered 95.2 % on the first day and 86.2 % twelve weeks on): named from
    // 1 % a week.
    let weekly = super::ceiling::weekly_growth(sc).unwrap_or(0.0);
    (fixed && p.grown.is_none() && weekly >= 0.01).then(|| {
        "the population grows with its joins, and the recommendation's paces are refreshes a \
         second, not a share of the book: they cover less as it grows, so scale them with it \
         (plan --at-week WEEKS sizes for the book you will have then)"
            .to_string()
    })
}

/// The searched setting with the least `figure` among those that meet its target
/// (`met`), if any.
fn least_meeting(
    candidates: &[Evaluation],
    figure: Figure,
    met: impl Fn(&Evaluation) -> bool,
) -> Option<&Evaluation> {
    candidates
        .iter()
        .filter(|e| met(e))
        .min_by(|a, b| a.figures.mean(figure).total_cmp(&b.figures.mean(figure)))
}

/// The recommendation (the closest setting) misses the data-age target `h`: either no
/// searched setting meets it (the least seen, and the period's lever), or some do but miss
/// another target. (A setting may meet this target alone: "no setting" must be true.) Ages
/// past `horizon` are written as lower bounds.
fn staleness_finding(
    r: &Evaluation,
    candidates: &[Evaluation],
    h: f64,
    (banded, period): (bool, f64),
    horizon: f64,
) -> String {
    // A band needs a daily period: a queue looping within it is the lever there.
    let shorter = match banded {
        true => {
            "a wider band, a looping queue within it (a queued kind with strategy.loop = true, \
             which `run` and \
             `compare` try, not the plan; data still ages through the hours outside the band), \
             or a shorter strategy.period without the band are the levers, within any \
             per-connection quota of the banks'"
        }
        false => {
            "a shorter strategy.period is the lever, within any per-connection quota of \
                  the banks'"
        }
    };
    let lever = match h < period {
        true => format!(
            " (a client that refreshes each connection once per {period} h period leaves data up \
             to a period old; {shorter})"
        ),
        false => String::new(),
    };
    let age = Age {
        figure: Figure::StalenessP95Hours,
        met: |m| m.staleness,
        what: "the 95th percentile of data age",
        horizon,
    };
    age.finding(r, candidates, h, &lever)
}

/// The recommendation misses the bound `h` on the data's age when customers open the app,
/// as [`staleness_finding`]; where no setting meets it, the levers are when the refreshes
/// run against the customers' hours and how often (uk-mix's 40,000 at 20.7 h covering
/// everyone; 11.2 h refreshed every 12 h), which the plan does not search. `band`: the
/// client's band of hours, if it has one, and its period in hours: a band needs a daily
/// one, and a bound under the period needs a shorter one (a trial's 8-hour client was told
/// of a band its period refuses, and not that 8 hours cannot keep data under 8 hours).
fn at_open_finding(
    r: &Evaluation,
    candidates: &[Evaluation],
    h: f64,
    (band, period): (Option<String>, f64),
    horizon: f64,
) -> String {
    // A band needs a daily period: within one, a queue goes round again by looping (a
    // trial's plan told a banded client of a shorter period, which `run` then refused, where
    // a looping queue of 128 in 04:30–17:00 met its bound).
    let often = match band.is_some() {
        true => {
            "a looping queue within the band (a queued kind with strategy.loop = true), going \
             round again as soon \
             as its pass ends, which `run` and `compare` try and the plan does not; or, \
             without the band (a band needs a daily period), a shorter strategy.period; either \
             within any per-connection quota of the banks'"
        }
        false => "a shorter strategy.period, within any per-connection quota of the banks'",
    };
    let when = match (band, period != 24.0) {
        (Some(b), _) => format!("the client's band ({b}, strategy.hours)"),
        (None, false) => {
            "a band of hours (strategy.hours) ending before their busiest hours".to_string()
        }
        (None, true) => format!(
            "a band of hours, which needs a daily period, not {} h",
            super::paces::significant(period, 3)
        ),
    };
    let floor = match h < period && period < 24.0 {
        true => format!(
            "; a client that refreshes each connection once per {} h period leaves data up \
             to a period old at an open just before its turn, so a 95th percentile under {h} h \
             needs a shorter period",
            super::paces::significant(period, 3)
        ),
        false => String::new(),
    };
    let lever = format!(
        ": past coverage, that age is set by when the refreshes run against the customers' \
         hours ({when}) and how often ({often}), the band and period the plan keeps as the \
         scenario gives them (--set strategy.hours, strategy.period){floor}"
    );
    let age = Age {
        figure: Figure::AtOpenP95Hours,
        met: |m| m.at_open,
        what: "the data's 95th-percentile age when customers open the app",
        horizon,
    };
    age.finding(r, candidates, h, &lever)
}

/// A data-age target: its figure, whether a setting meets it, its name in a sentence, and
/// the age histogram's horizon (ages past it are lower bounds).
struct Age {
    figure: Figure,
    met: fn(&super::Met) -> bool,
    what: &'static str,
    horizon: f64,
}

impl Age {
    /// The recommendation misses the bound `h`: some searched setting keeps within it (the
    /// least), but misses another target; or none does, and `lever` says what sets it.
    fn finding(&self, r: &Evaluation, candidates: &[Evaluation], h: f64, lever: &str) -> String {
        let (what, age) = (self.what, |e: &Evaluation| e.figures.mean(self.figure));
        if let Some(e) = least_meeting(candidates, self.figure, |e| (self.met)(&e.met)) {
            return format!(
                "the recommendation leaves {what} at {}, past {h} h; searched settings keep it \
                 within (the least: {}, {}), but miss another target",
                super::age(age(r), self.horizon),
                super::age(age(e), self.horizon),
                e.label
            );
        }
        let best = candidates.iter().map(age).fold(f64::INFINITY, f64::min);
        format!(
            "no searched setting keeps {what} within {h} h; the least seen is {}{lever}",
            super::age(best, self.horizon)
        )
    }
}

/// The recommendation misses the API budget `budget`: no searched setting stays within it,
/// or some do but miss another target.
fn api_calls_finding(r: &Evaluation, candidates: &[Evaluation], budget: f64) -> String {
    let calls = |e: &Evaluation| thousands(e.figures.mean(Figure::ApiCallsPerDay));
    match least_meeting(candidates, Figure::ApiCallsPerDay, |e| e.met.api_calls) {
        Some(e) => format!(
            "the recommendation needs {} API calls a day, over the budget of {}; searched settings \
             stay within it (the fewest: {}, {}), but miss another target",
            calls(r),
            thousands(budget),
            calls(e),
            e.label
        ),
        None => format!(
            "no searched setting stays within the budget of {} API calls a day; the recommendation \
             needs {}",
            thousands(budget),
            calls(r)
        ),
    }
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
    // Name only the figures whose interval crosses their target.
    let mut past = Vec::new();
    if cov.mean - c < t.coverage {
        past.push(format!(
            "coverage {} ± {:.2} (target {})",
            pct(cov.mean),
            100.0 * c,
            pct(t.coverage)
        ));
    }
    if fail.mean + e > t.max_failure_rate {
        past.push(format!(
            "failures {} ± {:.2} (bound {})",
            pct(fail.mean),
            100.0 * e,
            pct(t.max_failure_rate)
        ));
    }
    past.extend(borderline_banks(p, widen));
    (p.targets_met && !past.is_empty()).then(|| {
        format!(
            "borderline: a single run on other seeds may miss the target, its 95 % prediction \
             interval reaching past it: {}; leave a margin (e.g. plan for a slightly higher \
             coverage)",
            past.join(" and ")
        )
    })
}

/// With a bound at each bank, the banks whose failures' prediction interval (the half-width
/// times `widen`) reaches past it: any bank, not only the worst by its mean, whose interval
/// may be narrower.
fn borderline_banks(p: &Plan, widen: f64) -> Vec<String> {
    let t = &p.targets;
    let Some(bound) = t.max_bank_failure_rate else {
        return Vec::new();
    };
    let failing = t.scope.figure() as usize;
    (p.ceilings.iter().zip(&p.recommendation.figures.banks))
        .map(|(c, b)| (c, &b[failing]))
        .filter(|(_, fail)| fail.mean + fail.ci95.unwrap_or(0.0) * widen > bound)
        .map(|(c, fail)| {
            format!(
                "failures at {} {} ± {:.2} (bound {} at each bank)",
                c.name,
                pct(fail.mean),
                100.0 * fail.ci95.unwrap_or(0.0) * widen,
                pct(bound)
            )
        })
        .collect()
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
    } else if let Some(b) = within_bound_above(p) {
        // Another setting covers as much within the bound: the budget, a rule before the
        // bound, kept it out, or its full replications passed the bound; said, not denied.
        let why = match b.met.api_calls {
            false => "but is over the API budget, a rule before the failure bound".to_string(),
            true => format!(
                "in the screening runs ({} met against the choice's {})",
                b.met.count(),
                r.met.count()
            ),
        };
        format!(
            "the choice fails {} of attempts by {}: above the bound of {}; {} stays within it at {} coverage \
             {why}",
            pct(r.figures.mean(t.scope.figure())),
            t.scope.phrase(),
            pct(t.max_failure_rate),
            b.label,
            pct(b.figures.mean(Figure::Coverage)),
        )
    } else {
        // The fewest failures any setting had: whether the bound is out of reach at any
        // coverage, or only at the choice's.
        let fewest = p
            .candidates
            .iter()
            .map(|e| e.figures.mean(t.scope.figure()))
            .fold(f64::INFINITY, f64::min);
        let reach = match fewest > t.max_failure_rate {
            true => format!("at any coverage (the fewest, {})", pct(fewest)),
            false => format!(
                "covering as much as the choice's {}",
                pct(r.figures.mean(Figure::Coverage))
            ),
        };
        let mut s = format!(
            "no searched setting keeps {} within {} {reach}: the choice fails {} of attempts",
            t.scope.phrase(),
            pct(t.max_failure_rate),
            pct(r.figures.mean(t.scope.figure()))
        );
        let customers = r.figures.mean(Figure::CustomerFailureRate);
        if t.scope == FailureScope::Client && customers > t.max_failure_rate {
            s.push_str(&format!(
                ", of which its customers' own calls (requests, link and reconnect fetches, which \
                 the background strategy does not send) fail {} of theirs and its background \
                 refreshes {}: to size the background alone, bound its 429s \
                 (--failure-scope background)",
                pct(customers),
                pct(r.figures.mean(Figure::BackgroundFailureRate))
            ));
        }
        s
    }
}

/// The choice is the cheapest setting that meets the targets, so it may sit at the edge of a
/// cliff (a trial's nightly queue of 139 slots covered 99.24 %, 138 slots 98.97 %), where a
/// setting meeting them too covers markedly more for a few more calls (144 slots: 99.92 %
/// for 0.94 % more): say so, and let the planner buy the margin. Markedly: at least half a
/// point more, within 2 % more API calls a day.
fn headroom_finding(p: &Plan) -> Option<String> {
    let r = &p.recommendation;
    let (cov, calls) = (
        |e: &Evaluation| e.figures.mean(Figure::Coverage),
        |e: &Evaluation| e.figures.mean(Figure::ApiCallsPerDay),
    );
    if !p.targets_met {
        return None;
    }
    let better = p
        .candidates
        .iter()
        // Not the choice's own screening run, nor one that costs less (a cheaper setting
        // that met the targets in screening was not confirmed).
        .filter(|e| !(e.strategy == r.strategy && e.conduct == r.conduct))
        .filter(|e| calls(e) >= calls(r))
        .filter(|e| e.met.all() && calls(e) <= calls(r) * (1.0 + HEADROOM_COST))
        .filter(|e| cov(e) >= cov(r) + HEADROOM_GAIN);
    // The cheapest of those near the most coverage among them.
    let most = better.clone().map(cov).fold(f64::NEG_INFINITY, f64::max);
    let better = better
        .filter(|e| cov(e) + COVERAGE_TIE >= most)
        .min_by(|a, b| calls(a).total_cmp(&calls(b)))?;
    Some(format!(
        "a margin for a few more calls: {} covers {} (the choice {}) for {} more API calls a \
         day, meeting every target too; the choice is the cheapest that meets them, and a \
         population or bank a little unlike the scenario's may take it below them",
        better.label,
        pct(cov(better)),
        pct(cov(r)),
        pct(calls(better) / calls(r) - 1.0)
    ))
}

/// A searched setting that meets the failure bound (in all: what [`failure_finding`] says of
/// it) with at least the choice's coverage.
fn within_bound_above(p: &Plan) -> Option<&Evaluation> {
    let cov = |e: &Evaluation| e.figures.mean(Figure::Coverage);
    let r = &p.recommendation;
    p.candidates
        .iter()
        .filter(|e| e.label != r.label && e.met.failure_rate)
        .filter(|e| cov(e) + COVERAGE_TIE >= cov(r))
        .max_by(|a, b| cov(a).total_cmp(&cov(b)))
}

/// The failure bounds as the findings name them: `the failure bound`, or with a bound at
/// each bank, `the failure bounds (in all and at each bank)`.
pub(super) fn bounds(p: &Plan) -> &'static str {
    match p.targets.max_bank_failure_rate {
        Some(_) => "the failure bounds (in all and at each bank)",
        None => "the failure bound",
    }
}

/// What the paced settings followed by the hour: the scenario's pace profile, or the shape
/// of the banks' own limits by the hour, searched beside the constant paces.
pub fn profile_finding(
    given: &PaceProfiles,
    shaped: Option<&PaceProfiles>,
    banks: &[Bank],
) -> Option<String> {
    if !given.is_empty() {
        let field = match (given.all.is_some(), given.banks.iter().any(Option::is_some)) {
            (true, true) => "strategy.pace_profile and pace_profiles",
            (false, true) => "strategy.pace_profiles",
            _ => "strategy.pace_profile",
        };
        return Some(format!(
            "paced settings follow the scenario's {field} ({}): their paces are those of the \
             weight-1 hours, a pace per bank kept under what its bank allows in each hour; the \
             other kinds do not read it",
            given.describe(banks)
        ));
    }
    shaped.map(|p| {
        format!(
            "the banks allow different paces by the hour (or a maintenance window closes one), \
             so paced settings by the hour were searched too, each bank following its own \
             limits' shape ({}; `strategy.pace_profiles` in a scenario file): their paces are \
             those of the weight-1 hours",
            p.describe(banks)
        )
    })
}

#[cfg(test)]
mod tests;
