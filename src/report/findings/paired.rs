//! The sentences of a paired comparison: which strategy gained the most coverage over the
//! baseline, which failed least, each with its paired difference and 95 % interval.

use crate::metric::Metric;
use crate::output::paired::{covered, ranked_by, PairedRow, RANK_FAILURE_MARGIN};
use crate::output::text::pct;
use crate::report::dataset::{metric_row, PairedData};
use crate::report::findings::capitalise;
use crate::report::phrases::and_list;

/// A share difference in signed percentage points, two decimals (`+2.83`, `-17.69`; `0.00`
/// without a sign when it rounds to zero), as `paired.md` writes it.
pub(crate) fn points(d: f64) -> String {
    let text = format!("{:+.2}", 100.0 * d);
    if text[1..].bytes().all(|b| b == b'0' || b == b'.') {
        text[1..].to_string()
    } else {
        text
    }
}

/// The strategies other than the baseline that have a difference in `metric`, each with its
/// row, in `paired.md`'s ranked order.
fn variants(pd: &PairedData, metric: Metric) -> Vec<&PairedRow> {
    pd.ranked()
        .into_iter()
        .filter(|rows| rows[0].variant != rows[0].baseline)
        .filter_map(|rows| metric_row(rows, metric))
        .filter(|r| r.difference_mean.is_some_and(f64::is_finite))
        .collect()
}

/// `89.80 % against queued's 86.96 %: a paired difference of +2.83 percentage points (95 %
/// interval +2.74 to +2.92)`; `… : the same in every replication`.
fn difference_phrase(r: &PairedRow) -> String {
    let d = r.difference_mean.unwrap_or(0.0);
    let means = match (r.variant_mean, r.baseline_mean) {
        (Some(v), Some(b)) => format!("{} against `{}`'s {}: ", pct(v), r.baseline, pct(b)),
        _ => String::new(),
    };
    if d == 0.0 && r.difference_sd == Some(0.0) {
        return format!("{means}the same in every replication");
    }
    let interval = match r.difference_ci95 {
        Some(h) => {
            let zero = if r.significant() {
                ""
            } else {
                ", which includes 0"
            };
            format!("95 % interval {} to {}{zero}", points(d - h), points(d + h))
        }
        None => "one replication: no interval".to_string(),
    };
    format!(
        "{means}a paired difference of {} percentage points ({interval})",
        points(d)
    )
}

/// The first ranked (the baseline included, which ranks above those that lose coverage
/// unless one of them fails far less), where it is another than `most` (which gained the most
/// coverage and ranks after a strategy that fails far less) and not the baseline.
fn ranked_first(pd: &PairedData, most: &str) -> Option<String> {
    let ranked = pd.ranked();
    let by = ranked_by(&ranked);
    if by != Metric::Coverage {
        return ranked_first_by(&ranked, by);
    }
    let first = metric_row(ranked.first()?, covered(&ranked))?;
    // With a bound, the first is within it where any strategy is.
    let within = match crate::output::paired::bound(&ranked) {
        Some(b) if !crate::output::paired::over_bound(ranked[0]) => {
            format!(", and its own 429s within {}", b.phrase())
        }
        _ => String::new(),
    };
    (first.variant != most && first.variant != pd.baseline()).then(|| {
        format!(
            "`{}` ranks first (no other strategy fails more than a point less and by more than \
             it covers less{within}), with {}.",
            first.variant,
            difference_phrase(first)
        )
    })
}

/// The first ranked by another metric than coverage (`compare --rank-by`), with its mean, the
/// baseline's and the difference where there is one, whether or not it is the baseline; and
/// where it ties the second, that coverage's order placed it.
fn ranked_first_by(ranked: &[&[PairedRow]], by: Metric) -> Option<String> {
    use crate::output::{paired, text::as_written};
    // Nothing to say where the first has no value (the metric unmeasured: customers' figures
    // without customers), ranked then in coverage's order.
    let first = metric_row(ranked.first()?, by).filter(|r| r.variant_mean.is_some())?;
    // An infinite age (connections never refreshed) has no unit.
    let mean = |r: &PairedRow| match r.variant_mean {
        Some(x) if x.is_infinite() => "infinite (connections never refreshed)".to_string(),
        x => paired::mean(by, x, r.lower_bound) + by.unit(),
    };
    let lead = format!("ranks first by {} (`--rank-by {}`)", by.name(), by.column());
    let tie = (ranked.get(1).and_then(|rows| metric_row(rows, by)))
        .filter(|s| s.variant_mean.map(as_written) == first.variant_mean.map(as_written))
        .map(|s| format!("; tied with `{}`, and first in coverage's order", s.variant))
        .unwrap_or_default();
    if first.variant == first.baseline {
        return Some(format!(
            "The baseline `{}` {lead}, at {}{tie}.",
            first.variant,
            mean(first)
        ));
    }
    let base = (ranked.iter().filter_map(|rows| metric_row(rows, by)))
        .find(|r| r.variant == r.baseline)?;
    let difference = match first.difference_mean {
        Some(_) => format!(
            " ({}{})",
            paired::difference(first),
            if first.significant() {
                ""
            } else {
                ", not significant at 95 %"
            }
        ),
        None => String::new(),
    };
    Some(format!(
        "`{}` {lead}, with {} against `{}`'s {}{difference}{tie}.",
        first.variant,
        mean(first),
        first.baseline,
        mean(base),
    ))
}

/// The strategies whose coverage gain is within an interval of the best's (either's
/// half-width): the ranking orders their means, which replication noise may swap (a trial's
/// memo named the first at +35.17 pp where the second had +35.16 ± 0.11, and fresher data).
fn alike(coverage: &[&PairedRow], best: &PairedRow) -> String {
    let (d, h) = (
        best.difference_mean.unwrap_or(0.0),
        best.difference_ci95.unwrap_or(0.0),
    );
    let near: Vec<String> = (coverage.iter())
        .filter(|r| r.variant != best.variant)
        .filter(|r| points(r.difference_mean.unwrap_or(0.0)).starts_with('+'))
        .filter(|r| {
            let gap = (d - r.difference_mean.unwrap_or(f64::NAN)).abs();
            gap <= h.max(r.difference_ci95.unwrap_or(0.0))
        })
        .map(|r| {
            format!(
                "`{}` ({} pp)",
                r.variant,
                points(r.difference_mean.unwrap_or(0.0))
            )
        })
        .collect();
    match near.is_empty() {
        true => String::new(),
        false => format!(
            " {} gained as much within the intervals: set against each other (one of them as \
             --baseline) to tell them apart, and weigh what else differs (the data's age, the \
             cost).",
            and_list(&near)
        ),
    }
}

/// Which strategy gained the most coverage over the baseline and which failed least, with
/// their paired differences and intervals; empty without a strategy other than the baseline.
pub(crate) fn paired_caption(pd: &PairedData) -> String {
    let base = pd.baseline();
    let mut out = Vec::new();
    let coverage = variants(pd, covered(&pd.ranked()));
    // With a bound, the own 429s it bounds, as the chart draws them.
    let (fails, fewest) = match crate::output::paired::bound(&pd.ranked()) {
        Some(b) if b.at_each_bank() => (b.metric, "had the fewest own 429s at its worst bank"),
        Some(b) => (b.metric, "had the fewest own 429s"),
        None => (Metric::FailureRate, "had the lowest failure rate"),
    };
    let failure = variants(pd, fails);
    // The most coverage gained, and the first ranked where that one ranks after another.
    // (The first of equal gains in ranked order.)
    let gain = |r: &PairedRow| r.difference_mean.unwrap_or(0.0);
    let most = (coverage.iter().copied()).fold(None, |m: Option<&PairedRow>, r| match m {
        Some(m) if gain(m) >= gain(r) => Some(m),
        _ => Some(r),
    });
    if let Some(best) = most {
        out.extend(leading(
            pd,
            most_gained(pd, (&coverage, &failure), best),
            best,
        ));
    }
    out.extend(none_within(pd));
    let least = failure.iter().min_by(|a, b| {
        let d = |r: &&&PairedRow| r.difference_mean.unwrap_or(0.0);
        d(a).total_cmp(&d(b))
    });
    if let Some(least) = least.filter(|_| ranked_by(&pd.ranked()) != fails) {
        let d = least.difference_mean.unwrap_or(0.0);
        out.push(if points(d).starts_with('-') {
            format!(
                "`{}` {fewest}, {}.",
                least.variant,
                difference_phrase(least)
            )
        } else {
            format!(
                "No strategy {} than `{base}`; the closest, `{}`, had {}.",
                match fails {
                    Metric::FailureRate => "failed less often",
                    Metric::WorstBankClientFailureRate => "had fewer own 429s at its worst bank",
                    _ => "had fewer own 429s",
                },
                least.variant,
                difference_phrase(least)
            )
        });
    }
    // Not again where the ranking's first sentence said it.
    let by = ranked_by(&pd.ranked());
    if by != Metric::AtOpenP50Hours {
        out.extend(freshest(pd));
    }
    if by != Metric::Stale24hAtOpenShare {
        out.extend(fewest_stale_opens(pd));
    }
    out.extend(customers_failing_more(pd));
    out.join(" ")
}

/// The first ranked, where it is another than the strategy that gained the most (`best`,
/// whose sentence is `gained`), then that one, after the pairing's words (a trial's findings
/// began with a queue past the bound at 52 % own 429s, the strategy ranked first after it).
fn leading(pd: &PairedData, gained: String, best: &PairedRow) -> Vec<String> {
    let reps = pd.replications();
    let over = format!(
        "Against the baseline `{}`, over {reps} paired replication{}",
        pd.baseline(),
        if reps == 1 { "" } else { "s" }
    );
    match ranked_first(pd, &best.variant) {
        // The baseline first: a sentence of its own, not a pair.
        Some(first) if first.starts_with("The baseline") => {
            vec![first, format!("{over}, {gained}")]
        }
        Some(first) => vec![format!("{over}, {first}"), capitalise(&gained)],
        None => vec![format!("{over}, {gained}")],
    }
}

/// The strategy that gained the most coverage (`best`), what it cost in the failures given,
/// and those that gained as much within the intervals; or that none gained any (in lower
/// case, to follow the pairing's words).
fn most_gained(
    pd: &PairedData,
    (coverage, failure): (&[&PairedRow], &[&PairedRow]),
    best: &PairedRow,
) -> String {
    let what = match best.metric {
        Metric::PeriodCoverage => "coverage of each period",
        _ => "coverage",
    };
    if points(best.difference_mean.unwrap_or(0.0)).starts_with('+') {
        format!(
            "`{}` gained the most {what}, {}{}.{}",
            best.variant,
            difference_phrase(best),
            cost(pd, failure, best),
            alike(coverage, best)
        )
    } else {
        format!(
            "no strategy gained {what}; the closest, `{}`, had {}.",
            best.variant,
            difference_phrase(best)
        )
    }
}

/// Where a bound was given and every strategy passed it: the ranking is then of
/// strategies all past the bound (a trial's findings named the first without a word of it).
fn none_within(pd: &PairedData) -> Option<String> {
    let ranked = pd.ranked();
    let b = crate::output::paired::bound(&ranked)?;
    (ranked
        .iter()
        .all(|rows| crate::output::paired::over_bound(rows)))
    .then(|| {
        format!(
            "No strategy kept its own 429s within the bound of {} (`{}`): every one is \
             marked ‡, and the bound orders none of them.",
            b.phrase(),
            b.flag()
        )
    })
}

/// What the most coverage gained cost, where it is told: significantly more failures, or more
/// than the ranking's margin, and own 429s past a bound.
fn cost(pd: &PairedData, failure: &[&PairedRow], best: &PairedRow) -> String {
    let more = (failure.iter())
        .find(|f| f.variant == best.variant)
        .filter(|f| {
            let d = f.difference_mean.unwrap_or(0.0);
            (f.significant() && d > 0.0) || d > RANK_FAILURE_MARGIN
        })
        .map(|f| match f.metric {
            Metric::FailureRate => format!("; it failed more often: {}", difference_phrase(f)),
            Metric::WorstBankClientFailureRate => {
                format!(
                    "; its own 429s at its worst bank rose: {}",
                    difference_phrase(f)
                )
            }
            _ => format!("; its own 429s rose: {}", difference_phrase(f)),
        })
        .unwrap_or_default();
    let ranked = pd.ranked();
    match ranked.iter().find(|rows| rows[0].variant == best.variant) {
        Some(rows) if crate::output::paired::over_bound(rows) => {
            let b = (crate::output::paired::Bound::of_row(&rows[0]))
                .map_or(String::new(), |b| b.past_phrase());
            match more.is_empty() {
                true => format!("; its own 429s were past the bound of {b}"),
                false => format!("{more}, past the bound of {b}"),
            }
        }
        _ => more,
    }
}

/// The strategy under which customers' own refreshes failed most often beside the baseline,
/// where it failed them significantly more, and by more than a point: a trial's AIMD, ranked
/// first for the fewest failures in the background, took customers' failures from 4.49 % to
/// 13.41 % without a word (its slots fill the room their requests need).
fn customers_failing_more(pd: &PairedData) -> Option<String> {
    let d = |r: &PairedRow| r.difference_mean.unwrap_or(0.0);
    let worst = (variants(pd, Metric::OnDemandFailureRate).into_iter())
        .filter(|r| r.significant() && d(r) > RANK_FAILURE_MARGIN)
        .max_by(|a, b| d(a).total_cmp(&d(b)))?;
    Some(format!(
        "Customers' own refreshes failed more often under `{}`: {}.",
        worst.variant,
        difference_phrase(worst)
    ))
}

/// Which strategy left the fewest of customers' app opens finding data a day old, where one
/// did significantly: the figure a trial's planning doc led with ("what does it buy
/// customers"), where coverage ranked first a strategy that left more of them.
fn fewest_stale_opens(pd: &PairedData) -> Option<String> {
    let d = |r: &PairedRow| r.difference_mean.unwrap_or(0.0);
    let best = (variants(pd, Metric::Stale24hAtOpenShare).into_iter())
        .min_by(|a, b| d(a).total_cmp(&d(b)))?;
    (best.significant() && points(d(best)).starts_with('-')).then(|| {
        format!(
            "`{}` left the fewest of customers' app opens finding data a day old or older: {}.",
            best.variant,
            difference_phrase(best)
        )
    })
}

/// Which strategy left customers the freshest data when they open the app, where one did
/// significantly: coverage ranks the strategies, and a trial's freshness decision read the
/// first ranked (a median of 9.8 h at app open) over one covering as much with 6.0 h.
fn freshest(pd: &PairedData) -> Option<String> {
    let ages = variants(pd, Metric::AtOpenP50Hours);
    let d = |r: &PairedRow| r.difference_mean.unwrap_or(0.0);
    let best = ages.into_iter().min_by(|a, b| d(a).total_cmp(&d(b)))?;
    let (v, b) = (best.variant_mean?, best.baseline_mean?);
    (d(best) < -0.05 && best.significant()).then(|| {
        format!(
            "`{}` left the freshest data when customers open the app: a median age of {v:.1} h \
             against `{}`'s {b:.1} h ({:+.2} h ± {:.2}).",
            best.variant,
            best.baseline,
            d(best),
            best.difference_ci95.unwrap_or(0.0)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `variant`'s rows: coverage and failures as the baseline's, and customers' failures
    /// `d` ± `h` above the baseline's 4.49 %.
    fn rows(variant: &str, d: f64, h: f64) -> Vec<PairedRow> {
        let row = |metric, base: f64, d: f64| PairedRow {
            variant: variant.into(),
            baseline: "queued".into(),
            metric,
            variant_mean: Some(base + d),
            baseline_mean: Some(base),
            difference_mean: Some(d),
            difference_sd: Some(h),
            difference_ci95: Some(h),
            replications: 5,
            lower_bound: false,
            ranked_by: Metric::Coverage,
            max_failure_rate: None,
            max_bank_failure_rate: None,
        };
        vec![
            row(Metric::Coverage, 0.8, 0.0),
            row(Metric::FailureRate, 0.2, 0.0),
            row(Metric::OnDemandFailureRate, 0.0449, d),
        ]
    }

    /// Said of the strategy failing customers most, where it did so significantly and by
    /// more than a point; not of one within its interval or under a point.
    #[test]
    fn customers_failing_more_is_said_where_significant() {
        let said = |variants: &[(&str, f64, f64)]| {
            let mut all = rows("queued", 0.0, 0.0);
            for &(v, d, h) in variants {
                all.extend(rows(v, d, h));
            }
            let pd = PairedData {
                rel_dir: Default::default(),
                rows: all,
                scenario: None,
                markdown: None,
            };
            customers_failing_more(&pd)
        };
        let s = said(&[("paced", 0.004, 0.001), ("aimd", 0.0892, 0.01)]).unwrap();
        assert!(
            s.starts_with("Customers' own refreshes failed more often under `aimd`: 13.41 %")
                && s.contains("`queued`'s 4.49 %")
                && s.contains("+8.92 percentage points"),
            "{s}"
        );
        assert_eq!(said(&[("aimd", 0.0892, 0.1)]), None, "within its interval");
        // The worst of those that are significant, not the worst of all.
        let s = said(&[("aimd", 0.0892, 0.1), ("paced", 0.05, 0.01)]).unwrap();
        assert!(s.contains("under `paced`: 9.49 %"), "{s}");
        assert_eq!(said(&[("paced", 0.009, 0.001)]), None, "under a point");
        assert_eq!(said(&[("paced", -0.03, 0.001)]), None, "fewer failures");
    }

    /// Ranked by another metric: the first named with both means and its unit; where it ties
    /// the second, that coverage's order placed it.
    #[test]
    fn the_first_by_another_metric_says_a_tie() {
        let by = Metric::StalenessP95Hours;
        let of = |variant: &str, failure: f64| {
            let mut r = rows(variant, 0.0, 0.0);
            r[1].difference_mean = Some(failure);
            let mut age = r[0].clone();
            (age.metric, age.variant_mean, age.baseline_mean) = (by, Some(22.8), Some(22.8));
            r.push(age);
            r.iter_mut().for_each(|r| r.ranked_by = by);
            r
        };
        let pd = PairedData {
            rel_dir: Default::default(),
            rows: [of("queued", 0.0), of("aimd", -0.1)].concat(),
            scenario: None,
            markdown: None,
        };
        let s = ranked_first_by(&pd.ranked(), by).unwrap();
        assert!(
            s.starts_with(
                "`aimd` ranks first by p95 data age (`--rank-by staleness_p95_hours`), with \
                 22.80 h against `queued`'s 22.80 h"
            ) && s.ends_with("; tied with `queued`, and first in coverage's order."),
            "{s}"
        );
    }
}
