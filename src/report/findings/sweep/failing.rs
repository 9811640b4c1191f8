//! What the sweep's best point fails, for a sentence after it: its own 429s, in all and at
//! its worst bank, and the best of the points within 1 % (in all, and at every bank).

use super::point_name;
use crate::metric::Metric;
use crate::output::text::{pct, thousands};
use crate::report::dataset::{self, SweepData};

/// Where the best point's client refuses itself more than 1 % of its attempts by its own
/// 429s, that, and the best of the points that do not (a trial's sweep led with a pace
/// failing 33 % for half a point of coverage over one failing 10 %). Its own 429s, as `plan`
/// bounds them, where the sweep has them: a 5xx floor or a maintenance window's 503s, which
/// no client setting avoids, left no point "failing 1 % or less" in a trial's sweep, where
/// the plan found some; every failure in a sweep written before they were counted apart.
/// With each replication's worst bank (`worst_bank_client_failure_rate`), its own 429s there
/// where above 1 %, and said of a best point within 1 % in all (a trial's risk rule was 1 %
/// at any bank).
pub(super) fn failing_clause(
    sw: &SweepData,
    best: &dataset::SweepPoint,
    metric: Metric,
    key: &dyn Fn(&dataset::SweepPoint) -> f64,
) -> String {
    let mean = |p: &dataset::SweepPoint, m: Metric| p.metrics.get(&m).map(|s| s.mean);
    let own = sw
        .points
        .iter()
        .all(|p| mean(p, Metric::ClientFailureRate).is_some());
    let judged = match own {
        true => Metric::ClientFailureRate,
        false => Metric::FailureRate,
    };
    let failing = |p: &dataset::SweepPoint| mean(p, judged);
    let rated = matches!(metric, Metric::FailureRate | Metric::ClientFailureRate);
    // A rule of 1 % at any bank reads each replication's worst bank (a sweep from before
    // the column has none).
    let at_worst = |p: &dataset::SweepPoint| {
        let w = mean(p, Metric::WorstBankClientFailureRate).filter(|&w| w > 0.01);
        w.filter(|_| own)
    };
    let Some(f) = failing(best).filter(|_| !rated) else {
        return String::new();
    };
    if f <= 0.01 {
        return at_worst(best).map_or(String::new(), |w| {
            format!(
                " Its own 429s refuse {} of its attempts in all but {} at its worst bank (each \
                 replication's worst, averaged): past 1 % at a bank{}.",
                pct(f),
                pct(w),
                every_bank(sw, metric, key)
            )
        });
    }
    let within = (sw.points.iter())
        .filter(|p| p.metrics.contains_key(&metric) && failing(p).is_some_and(|f| f <= 0.01))
        .max_by(|a, b| key(a).total_cmp(&key(b)));
    let (fails, those, none) = match own {
        true => (
            format!(
                "Its own 429s refuse {} of its attempts{} ({} fail in all)",
                pct(f),
                // Above the rate in all only where there are several banks.
                (at_worst(best).filter(|&w| w > f + 1e-9))
                    .map_or(String::new(), |w| format!(", {} at its worst bank", pct(w))),
                pct(mean(best, Metric::FailureRate).unwrap_or(f)),
            ),
            "the points whose own 429s refuse at most 1 %",
            "no point kept its own 429s to 1 % or less",
        ),
        false => (
            format!("It fails {} of its attempts", pct(f)),
            "the points failing at most 1 %",
            "no point failed 1 % or less",
        ),
    };
    let alt = match within {
        Some(p) => format!(
            "; of {those}, {} had the best, {}{}",
            point_name(sw, p),
            thousands(p.metrics[&metric].mean),
            at_worst(p).map_or(String::new(), |w| format!(
                " ({} at its worst bank){}",
                pct(w),
                every_bank(sw, metric, key)
            ))
        ),
        None => format!("; {none}"),
    };
    format!(" {fails}{alt}.")
}

/// Where the point named is past 1 % own 429s at a bank: the best of the points within 1 % at
/// every bank (each replication's worst bank, averaged), or that none is (a trial's risk rule
/// was 1 % at any bank, and the report named a queue of 12 at 3.48 % there, never the queue
/// of 8 within it).
fn every_bank(sw: &SweepData, metric: Metric, key: &dyn Fn(&dataset::SweepPoint) -> f64) -> String {
    let worst = |p: &dataset::SweepPoint| {
        (p.metrics.get(&Metric::WorstBankClientFailureRate)).map(|s| s.mean)
    };
    let within = (sw.points.iter())
        .filter(|p| p.metrics.contains_key(&metric) && worst(p).is_some_and(|w| w <= 0.01))
        .max_by(|a, b| key(a).total_cmp(&key(b)));
    match within {
        Some(p) => format!(
            "; of the points within 1 % at every bank, {} had the best, {} ({} at its worst \
             bank)",
            point_name(sw, p),
            thousands(p.metrics[&metric].mean),
            pct(worst(p).unwrap_or(0.0))
        ),
        None => "; no point kept its own 429s to 1 % at every bank".to_string(),
    }
}
