//! Findings of a sweep: the best point, the range of a metric, where coverage meets its target.

use crate::metric::Metric;
use crate::output::text::{pct, thousands};
use crate::report::dataset::{self, strategy_label, SweepData};
use crate::report::figures::sweep_series::{sweep_series, x_text, SweepSeries, SweepSeriesSet};
use crate::report::figures::swept_field::swept_fields;
use crate::report::figures::ChartPlan;
use crate::report::figures::COVERAGE_TARGET;
use crate::report::findings::capitalise;
use crate::report::phrases::{and_list, distinct, param_names, turn, value_text};

mod failing;
use failing::failing_clause;

/// A sweep's key findings: its best users per day, then the failure rate's range and where
/// coverage meets its target along the field the sweep is read against.
pub(crate) fn sweep_findings(sw: &SweepData, banks: Option<&SweepData>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Some(p) = sw.axis("period") {
        out.extend(period_sentence(sw, p));
    }
    let primary = primary_field(sw);
    match primary.filter(|&x| sw.param("connections") == Some(x)) {
        // The most users a day is at the most users, trivially: the finding is where it
        // stops growing.
        Some(x) if sw.has_metric(Metric::UsersPerDay) => out.extend(capacity_sentence(sw, x)),
        _ => out.extend(sweep_best_sentence(
            sw,
            Metric::UsersPerDay,
            "users per day",
            false,
        )),
    }
    if let Some(x) = primary {
        if sw.has_metric(Metric::FailureRate) {
            out.extend(sweep_range_sentence(
                sw,
                x,
                Metric::FailureRate,
                "failure rate",
            ));
        }
        if sw.has_metric(Metric::Coverage) {
            out.extend(sweep_target_sentence(sw, x));
        }
        let opens = Metric::Stale24hAtOpenShare;
        if let Some(banks) = banks.filter(|b| b.has_metric(opens) && sw.has_metric(opens)) {
            out.extend(bank_opens_sentence(sw, banks, x));
        }
    }
    out
}

/// A sweep over `strategy.period`: coverage counts each point's own period, and users per
/// day one refresh a day, so neither says which period keeps data fresher (a trial's report
/// led with the best users per day at 12 h and the best coverage at 24 h, pointing at daily
/// refreshes, where the opens finding data past its 6 h fell from 56 % at 24 h to 11 % at
/// 6h10m); the opens' data age does, said first.
/// Said where the freshness is not a day (at a day, periods of a day or less leave no data a
/// day old, and the share reads 0 at every point).
fn period_sentence(sw: &SweepData, p: usize) -> Option<String> {
    let fresh = sw.fresh_within_set();
    let name = "share of app opens finding data past window.fresh_within";
    let range = fresh.then(|| sweep_range_sentence(sw, p, Metric::NotFreshAtOpenShare, name))??;
    Some(format!(
        "The points refresh at different periods: coverage counts each point's own period and \
         users per day one refresh a day, so neither says which keeps data fresher; what \
         customers find does. {range}"
    ))
}

/// The bank whose share of app opens finding data a day old moved most across the sweep
/// (`sweep_banks_summary.csv`), where it moved a point or more and more than the book's: a
/// trial's sweep of one bank's pool read "coverage 94.52 % at every point" while that bank's
/// opens a day old fell from 23.6 % to 3.4 %, said nowhere.
fn bank_opens_sentence(sw: &SweepData, banks: &SweepData, x: usize) -> Option<String> {
    let metric = Metric::Stale24hAtOpenShare;
    let range = |s: &SweepSeries| {
        let (lo, hi) = (s.pts.iter()).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
        hi - lo
    };
    let book = (sweep_series(sw, x, metric).series.iter())
        .map(range)
        .fold(0.0, f64::max);
    let set = sweep_series(banks, x, metric);
    let most = (set.series.iter())
        .filter(|s| !s.flat && s.pts.len() > 1)
        .max_by(|a, b| range(a).total_cmp(&range(b)))?;
    let (a, b) = (most.pts.first()?, most.pts.last()?);
    (range(most) >= 0.01 && range(most) > book + 1e-9).then(|| {
        format!(
            "At {}, the share of app opens finding data a day old went from {} at {} to {} at \
             {}{}, the most of any bank (sweep_banks_summary.csv's \
             `stale_24h_at_open_share_mean`; over the book it moved {:.2} points at most).",
            most.label,
            pct(a.1),
            x_text(sw, x, a.0),
            pct(b.1),
            x_text(sw, x, b.0),
            turn_words(sw, x, most),
            100.0 * book
        )
    })
}

/// `, peaking at 34.15 % at 96` where a series turns between its ends ([`turn`]): its ends
/// alone misread it (a trial's report said a failure rate "went from 14.19 % at concurrency
/// 32 to 3.38 % at 192" where it peaked at 96); else empty.
fn turn_words(sw: &SweepData, x: usize, s: &SweepSeries) -> String {
    let ys: Vec<f64> = s.pts.iter().map(|p| p.1).collect();
    turn(&ys).map_or(String::new(), |i| {
        let (tx, ty, _) = s.pts[i];
        let word = match ty > ys[0] {
            true => "peaking at",
            false => "dipping to",
        };
        format!(", {word} {} at {}", pct(ty), x_text(sw, x, tx))
    })
}

/// The field a sweep's findings are read against, among those it varies: the concurrency,
/// else the user base, else the first other field with numbers or durations (a bank's cap).
fn primary_field(sw: &SweepData) -> Option<usize> {
    sw.axis("concurrency")
        .or_else(|| sw.axis("connections"))
        // The fields the charts are drawn against (their notes are the charts').
        .or_else(|| swept_fields(sw, &mut ChartPlan::default()).first().copied())
}

/// The sweep point(s) with the best mean of `metric`: ties (equal means, as for a strategy
/// that ignores the swept parameter) are named by what they share.
pub(crate) fn sweep_best_sentence(
    sw: &SweepData,
    metric: Metric,
    name: &str,
    lowest: bool,
) -> Option<String> {
    let with: Vec<&dataset::SweepPoint> = sw
        .points
        .iter()
        .filter(|p| p.metrics.contains_key(&metric))
        .collect();
    let key = |p: &dataset::SweepPoint| {
        let m = p.metrics[&metric].mean;
        if lowest {
            -m
        } else {
            m
        }
    };
    let best_key = with
        .iter()
        .map(|p| key(p))
        .fold(f64::NEG_INFINITY, f64::max);
    if !best_key.is_finite() {
        return None;
    }
    let tol = 1e-9 * best_key.abs().max(1.0);
    let (tied, others): (Vec<&dataset::SweepPoint>, Vec<&dataset::SweepPoint>) = with
        .into_iter()
        .partition(|p| (key(p) - best_key).abs() <= tol);
    let st = tied[0].metrics[&metric];
    let held: Vec<&dataset::SweepPoint> = others
        .into_iter()
        .filter(|p| st.ci95.is_some_and(|c| best_key - key(p) <= c))
        .collect();
    let near = within_interval(sw, &tied, &held);
    let ci = match st.ci95 {
        Some(c) if c > 0.0 => format!(" ± {}", thousands(c)),
        _ => String::new(),
    };
    // Points that differ only in a parameter their strategy ignores are the same run.
    let names = distinct(tied.iter().map(|p| point_name(sw, p)));
    let at = if let [one] = &names[..] {
        format!("was at {one}")
    } else {
        let conc = sw.param("concurrency");
        let shared: Vec<String> = (0..sw.params.len())
            .filter(|&i| sw.values(i).len() > 1)
            .filter(|&i| tied.iter().all(|p| p.params[i] == tied[0].params[i]))
            .filter(|&i| !(Some(i) == conc && tied.iter().all(|p| p.ignores_concurrency)))
            .map(|i| param_value(sw, i, &tied[0].params[i]))
            .collect();
        if shared.is_empty() && names.len() <= 4 {
            format!(
                "was reached at {} points: {}",
                names.len(),
                and_list(&names)
            )
        } else if shared.is_empty() {
            format!("was reached at {} points", names.len())
        } else {
            format!(
                "was reached at {} points, all with {}",
                names.len(),
                and_list(&shared)
            )
        }
    };
    Some(format!(
        "The {} mean {name} in the sweep, {}{ci}, {at}{near}.{}",
        if lowest { "lowest" } else { "highest" },
        thousands(st.mean),
        failing_clause(sw, tied[0], metric, &key)
    ))
}

/// The points (`held`) other than the best (`tied`) whose means lie within the best's 95 %
/// interval, as a clause: these replications do not tell them from it (a trial's sweep
/// named a winner 8 users a day ahead of the next).
fn within_interval(
    sw: &SweepData,
    tied: &[&dataset::SweepPoint],
    held: &[&dataset::SweepPoint],
) -> String {
    let tied = distinct(tied.iter().map(|p| point_name(sw, p)));
    let near = distinct(
        held.iter()
            .map(|p| point_name(sw, p))
            .filter(|n| !tied.contains(n)),
    );
    match near.len() {
        0 => String::new(),
        n if n <= 4 => format!(
            "; {} {} within its 95 % interval: these replications do not tell them apart",
            and_list(&near),
            if n == 1 { "lies" } else { "lie" }
        ),
        n => format!(
            "; {n} other points lie within its 95 % interval: these replications do not tell \
             them apart"
        ),
    }
}

/// Users per day within this share of their most have levelled off.
const LEVEL: f64 = 0.97;

/// Along the user base, for each series: users per day grow with it up to what the setup
/// can refresh in a day, then level off (within 3 % of their most) or fall; from there a
/// larger user base is refreshed less often, not more.
fn capacity_sentence(sw: &SweepData, x: usize) -> Option<String> {
    let set = sweep_series(sw, x, Metric::UsersPerDay);
    // Each series' coverage (of each period, where a point's is shorter than a day), found
    // by its label.
    let metric = crate::report::figures::sweep_coverage(Some(sw)).0;
    let coverage = sweep_series(sw, x, metric);
    let only = set.series.len() == 1;
    let mut out = Vec::new();
    for s in set.series.iter().filter(|s| s.pts.len() > 1) {
        let pts = &s.pts;
        let at =
            |p: &(f64, f64, Option<f64>)| format!("{} at {}", thousands(p.1), x_text(sw, x, p.0));
        let top = pts.iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
        let last = pts.last()?;
        let from = pts.iter().position(|p| p.1 >= LEVEL * top.1)?;
        let sentence = if last.1 < LEVEL * top.1 {
            format!(
                "users per day peaked at {} connections and fell to {} connections: past the peak, more \
                 users cost more than they are refreshed.",
                at(top),
                at(last)
            )
        } else if from + 1 < pts.len() {
            let rest = &pts[from..];
            let lo = rest.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
            let level = match thousands(lo) {
                l if l == thousands(top.1) => l,
                l => format!("{l} to {}", thousands(top.1)),
            };
            format!(
                "users per day levelled off from {} connections up, at {level} a day: the most \
                 this setup refreshes, so a larger user base is refreshed less often, not more.",
                x_text(sw, x, rest[0].0),
            )
        } else {
            let same = coverage.series.iter().find(|c| c.label == s.label);
            grew_sentence(same.map(|c| &c.pts[..]), metric.label(), &at(last))
        };
        out.push(about(&series_subject(s, only), &sentence));
    }
    (!out.is_empty()).then(|| out.join(" "))
}

/// Users per day still growing at the sweep's largest user base (`last`, in words): its
/// daily capacity lies beyond, unless coverage fell meanwhile (a trial's 94.53 % fell to
/// 90.59 % while the report said only that capacity lay beyond): then the setup is already
/// behind its book, though it refreshes more a day.
fn grew_sentence(coverage: Option<&[(f64, f64, Option<f64>)]>, what: &str, last: &str) -> String {
    match coverage.and_then(|c| Some((c.first()?.1, c.last()?.1))) {
        Some((first, end)) if end < first - 0.01 => format!(
            "users per day grew with the user base, to {last} connections, the largest in \
             the sweep, but {what} fell from {} to {}: more a day, yet the setup leaves a \
             growing share of its book behind.",
            pct(first),
            pct(end)
        ),
        _ => format!(
            "users per day grew with the user base, to {last} connections, the largest in \
             the sweep: its daily capacity lies beyond."
        ),
    }
}

/// Parameter `i` at value `v` in a sentence: `strategy random offset`, `concurrency 64`,
/// `connections 200,000`.
pub(crate) fn param_value(sw: &SweepData, i: usize, v: &str) -> String {
    let names = param_names(&sw.params);
    let val = value_text(&sw.params[i], v);
    format!("{} {val}", names[i])
}

/// A point by the values of the parameters that vary (and apply to it): `strategy random
/// offset and connections 200,000`.
pub(crate) fn point_name(sw: &SweepData, p: &dataset::SweepPoint) -> String {
    let conc = sw.param("concurrency");
    let parts: Vec<String> = (0..sw.params.len())
        .filter(|&i| sw.values(i).len() > 1)
        .filter(|&i| !(p.ignores_concurrency && Some(i) == conc))
        .map(|i| param_value(sw, i, &p.params[i]))
        .collect();
    if parts.is_empty() {
        "its only point".into()
    } else {
        and_list(&parts)
    }
}

/// Whether every value is the same (to display precision of a share).
pub(crate) fn constant(pts: &[(f64, f64, Option<f64>)]) -> bool {
    pts.iter().all(|p| pct(p.1) == pct(pts[0].1))
}

/// Who a sentence about a series is about: `for queued with connections 100,000, `, `for
/// random offset, `, `with connections 100,000, `; empty for the only series of a sweep.
pub(crate) fn series_subject(s: &SweepSeries, only: bool) -> String {
    match (&s.kind, &s.parts[..]) {
        _ if only => String::new(),
        (Some(k), []) => format!("for {k}, "),
        (Some(k), parts) => format!("for {k} with {}, ", and_list(parts)),
        (None, []) => format!("for {}, ", s.label),
        (None, parts) => format!("with {}, ", and_list(parts)),
    }
}

/// A strategy without a concurrency, named in a sentence: `Random offset (connections
/// 100,000)`.
pub(crate) fn flat_subject(s: &SweepSeries) -> String {
    let name = s
        .kind
        .clone()
        .or_else(|| s.strategy.as_deref().map(|k| strategy_label(k, None)))
        .unwrap_or_else(|| s.label.clone());
    capitalise(&match &s.parts[..] {
        [] => name,
        parts => format!("{name} ({})", parts.join(", ")),
    })
}

/// `who` + `sentence`, capitalised.
pub(crate) fn about(who: &str, sentence: &str) -> String {
    capitalise(&format!("{who}{sentence}"))
}

/// For each series against `x`: where the mean of a share metric starts and ends. A
/// strategy without a concurrency on a concurrency axis has one value, said as such.
pub(crate) fn sweep_range_sentence(
    sw: &SweepData,
    x: usize,
    metric: Metric,
    name: &str,
) -> Option<String> {
    let xname = param_names(&sw.params)[x].clone();
    let set = sweep_series(sw, x, metric);
    let only = set.series.len() == 1;
    let mut out = Vec::new();
    for s in &set.series {
        let (Some(a), Some(b)) = (s.pts.first(), s.pts.last()) else {
            continue;
        };
        let who = series_subject(s, only);
        if s.flat {
            out.push(format!(
                "{} has no concurrency limit: its mean {name} was {} at every {xname}.",
                flat_subject(s),
                pct(a.1)
            ));
        } else if constant(&s.pts) {
            out.push(about(
                &who,
                &format!(
                    "the mean {name} was {} at every {xname} in the sweep.",
                    pct(a.1)
                ),
            ));
        } else {
            let via = turn_words(sw, x, s);
            out.push(about(
                &who,
                &format!(
                    "the mean {name} went from {} at {xname} {} to {} at {}{via}.",
                    pct(a.1),
                    x_text(sw, x, a.0),
                    pct(b.1),
                    x_text(sw, x, b.0)
                ),
            ));
        }
    }
    (!out.is_empty()).then(|| out.join(" "))
}

/// `, own 429s 28.00 %`: series `s`'s own 429s at `xv`, from `own` (a lender's trial read
/// "was 64 (100.00 %)" where 64 slots drew 28 % own 429s); empty without them.
fn own_at(own: &SweepSeriesSet, s: &SweepSeries, xv: f64) -> String {
    (own.series.iter().find(|o| o.label == s.label))
        .and_then(|o| o.pts.iter().find(|p| p.0 == xv))
        .map_or(String::new(), |p| format!(", own 429s {}", pct(p.1)))
}

/// For each series against `x`: the smallest x whose mean coverage met the target; the
/// coverage of each period where a point's period is shorter than a day (a trial's report
/// read 99.91 % by the day where its 12-hour periods were covered 93.04 %).
pub(crate) fn sweep_target_sentence(sw: &SweepData, x: usize) -> Option<String> {
    let name = param_names(&sw.params)[x].clone();
    let metric = crate::report::figures::sweep_coverage(Some(sw)).0;
    let coverage = metric.label();
    let target = format!("{:.0} %", 100.0 * COVERAGE_TARGET);
    let set = sweep_series(sw, x, metric);
    let only = set.series.len() == 1;
    let own = sweep_series(sw, x, Metric::ClientFailureRate);
    let mut out = Vec::new();
    for s in &set.series {
        let pts = &s.pts;
        let Some(first) = pts.first() else { continue };
        let who = series_subject(s, only);
        if s.flat {
            // The same runs at every concurrency: no concurrency "reaches" the target.
            let m = first.1;
            out.push(format!(
                "{} has no concurrency limit: its mean {coverage} was {} at every {name}, {} the {target} target.",
                flat_subject(s),
                pct(m),
                if m >= COVERAGE_TARGET { "meeting" } else { "below" }
            ));
            continue;
        }
        if sw.param("connections") == Some(x) {
            // Coverage falls as the user base grows: the question is how large it may get.
            let sentence = match pts.iter().rev().find(|p| p.1 >= COVERAGE_TARGET) {
                Some(&(xv, m, _)) => format!(
                    "the largest user base in the sweep with a mean {coverage} of at least {target} was {} connections ({}).",
                    x_text(sw, x, xv),
                    pct(m)
                ),
                None => format!(
                    "no user base in the sweep reached {target} {coverage}; at the smallest, {} connections, the mean was {}.",
                    x_text(sw, x, first.0),
                    pct(first.1)
                ),
            };
            out.push(about(&who, &sentence));
            continue;
        }
        // Coverage that falls along the field (a longer poll interval, a slower bank) is met
        // up to a value, not from one.
        let falling = pts.last().is_some_and(|l| l.1 < first.1);
        let reached = |p: &&(f64, f64, Option<f64>)| p.1 >= COVERAGE_TARGET;
        let found = match falling {
            true => pts.iter().rev().find(reached),
            false => pts.iter().find(reached),
        };
        let sentence = match found {
            Some(&(xv, m, ci)) => format!(
                "the {} {name} whose mean {coverage} reached {target} was {} ({}{}{}).",
                if falling { "largest" } else { "smallest" },
                x_text(sw, x, xv),
                pct(m),
                ci.filter(|c| *c > 0.0)
                    .map(|c| format!(" ± {}", pct(c)))
                    .unwrap_or_default(),
                own_at(&own, s, xv)
            ),
            None if pts.len() > 1 && constant(pts) => format!(
                "mean {coverage} was {} at every {name} in the sweep, below the {target} target.",
                pct(first.1),
            ),
            None => match pts.iter().max_by(|a, b| a.1.total_cmp(&b.1)) {
                Some(&(xv, m, _)) => format!(
                    "no {name} in the sweep reached {target} {coverage}; the best mean was {} at {}.",
                    pct(m),
                    x_text(sw, x, xv)
                ),
                None => continue,
            },
        };
        out.push(about(&who, &sentence));
    }
    (!out.is_empty()).then(|| out.join(" "))
}

#[cfg(test)]
mod tests {
    use crate::metric::Metric;

    /// A failure rate that peaks between its ends is told by its peak (a trial's read
    /// "went from 14.19 % at concurrency 32 to 3.38 % at 192").
    #[test]
    fn a_range_that_turns_names_its_turn() {
        let sw = crate::report::figures::sweep_banks::tests::banks(&[
            ("1000", "32", "a", 0.1419),
            ("1000", "96", "a", 0.3415),
            ("1000", "192", "a", 0.0338),
        ]);
        let s = super::sweep_range_sentence(&sw, 1, Metric::FailureRate, "failure rate");
        assert!(
            s.as_deref().unwrap_or("").ends_with(
                "The mean failure rate went from 14.19 % at concurrency 32 to 3.38 % at 192, \
                 peaking at 34.15 % at 96."
            ),
            "{s:?}"
        );
    }

    /// Users per day still growing say the capacity lies beyond, unless coverage fell by a
    /// point or more over the same user bases.
    #[test]
    fn growing_users_a_day_with_falling_coverage_is_no_spare_capacity() {
        let pts = |a: f64, b: f64| vec![(1.0, a, None), (2.0, b, None)];
        let fell =
            super::grew_sentence(Some(&pts(0.9453, 0.9059)), "coverage", "207,134 at 228,000");
        assert!(
            fell.contains("but coverage fell from 94.53 % to 90.59 %") && !fell.contains("beyond"),
            "{fell}"
        );
        let kept =
            super::grew_sentence(Some(&pts(0.9953, 0.9901)), "coverage", "207,134 at 228,000");
        assert!(kept.ends_with("its daily capacity lies beyond."), "{kept}");
        assert!(super::grew_sentence(None, "coverage", "x").contains("beyond"));
    }
}
