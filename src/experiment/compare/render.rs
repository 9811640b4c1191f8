//! `paired.md` (also printed): the paired differences as a Markdown table, the strategies
//! ranked by the coverage difference, none above one that fails more than a point less and
//! by more than it covers less, or by the metric `--rank-by` names ([`ranking`]); which
//! differences are significant; and each strategy's means.

use super::{BankRows, Comparison, METRICS};
use crate::metric::Metric;
use crate::output::paired::{
    self, difference, mean, ranking, ranking_words, set_back, PairedRow, MARKDOWN_TITLE,
    NOTES_HEADING, SET_BACK_LEGEND,
};
use crate::strategy::client_words;
use std::fmt::Write as _;

/// The comparison's Markdown: `rows` are [`Comparison::paired`]'s (variants in item order,
/// [`METRICS`] within each).
pub fn markdown(c: &Comparison, rows: &[PairedRow], banks: &[(Metric, BankRows)]) -> String {
    let per_variant: Vec<&[PairedRow]> = rows.chunks(METRICS.len()).collect();
    let order = ranking(&per_variant);
    let base = &c.variants[c.baseline].label;
    let r = c.replications;
    let mut out = String::new();
    let _ = writeln!(out, "{MARKDOWN_TITLE}{}\n", c.scenario_name());
    let _ = writeln!(
        out,
        "Each cell is the paired difference from the baseline `{base}` (variant − baseline, \
         replication by replication): mean ± 95 % half-width (Student's t over {r} \
         differences; shares in percentage points). Replication r of every strategy runs on \
         the same seed (base seed {}), so a pair shares its connections, banks and service \
         times{}. {}.\n",
        c.seed,
        books_differ(c),
        ranking_words(&per_variant)
    );
    table(&mut out, &order, &per_variant, difference);
    if per_variant.iter().any(|rows| set_back(&per_variant, rows)) {
        let _ = writeln!(out, "\n{SET_BACK_LEGEND}");
    }
    if let Some(legend) = paired::over_bound_legend(&per_variant) {
        let _ = writeln!(out, "\n{legend}");
    }
    if let Some(legend) = periods_legend(c) {
        let _ = writeln!(out, "\n{legend}");
    }
    if shown(&per_variant)
        .iter()
        .zip(METRICS)
        .any(|(&s, m)| s && m == Metric::BackgroundCoverage)
    {
        let customers = paired::customers_asked(&per_variant.concat());
        let _ = writeln!(out, "\n{}", paired::background_legend(customers));
    }
    let _ = writeln!(out, "\n{}", as_run(c));
    let _ = writeln!(out, "\n{}", significant(&order, &per_variant, c.baseline));
    if let Some(same) = unchanged(&order, &per_variant, c.baseline) {
        let _ = writeln!(out, "\n{same}");
    }
    let notes = c.notes();
    if !notes.is_empty() {
        // What `run` says of the items' scenarios: the ranking reads these figures.
        let _ = writeln!(out, "\n{NOTES_HEADING}\n");
        for n in notes {
            let _ = writeln!(out, "- {n}");
        }
    }
    for metric_banks in banks {
        by_bank_table(&mut out, &order, &per_variant, metric_banks);
    }
    // Only the columns shown: an unmeasured metric's column (on-demand figures without
    // customers) is left out of the table, and its cells with it.
    let shown = shown(&per_variant);
    let blank = per_variant.iter().any(|rows| {
        rows.iter()
            .zip(&shown)
            .any(|(row, &s)| s && row.difference_mean.is_none())
    });
    if blank {
        let _ = writeln!(
            out,
            "\n— : no difference: the metric is `inf` (a staleness percentile that falls among \
             connections never refreshed), past the age horizon (older ages are counted \
             together, so the value is a lower bound, written `≥` among the means), or \
             unmeasured in at least one replication of the variant or the baseline."
        );
    }
    let _ = writeln!(out, "\nMeans over the {r} replications:\n");
    table(&mut out, &order, &per_variant, |row| {
        mean(row.metric, row.variant_mean, row.lower_bound)
    });
    out
}

/// Each bank's mean of `metric` and its difference from the baseline, strategies in the
/// ranked `order` (a fix for one bank reads small over the book), where there are two banks
/// or more. The mean is there because a difference alone does not say whether a bank is near
/// a bound (a trial's risk rule was 1 % own 429s at any bank).
fn by_bank_table(
    out: &mut String,
    order: &[usize],
    per_variant: &[&[PairedRow]],
    (metric, banks): &(Metric, BankRows),
) {
    if banks.is_empty() {
        return;
    }
    let what = match metric {
        Metric::Coverage => "Coverage by bank (each bank's connections)".to_string(),
        Metric::PeriodCoverage => {
            "Coverage of each period by bank (each bank's connections)".to_string()
        }
        Metric::ClientFailureRate => "Own 429s by bank (each bank's attempts: the 429s the \
                                      client's traffic caused there)"
            .to_string(),
        other => format!("{} by bank", heading(*other)),
    };
    let _ = writeln!(
        out,
        "\n{what}: each strategy's mean, and in brackets its difference from the baseline \
         (paired as above):\n"
    );
    let names: Vec<&str> = banks.iter().map(|(b, _)| b.as_str()).collect();
    let _ = writeln!(out, "| Rank | Strategy | {} |", names.join(" | "));
    let _ = writeln!(out, "|---:|---|{}", "---:|".repeat(names.len()));
    for (rank, &v) in order.iter().enumerate() {
        let row = &per_variant[v][0];
        let name = match row.variant == row.baseline {
            true => format!("`{}` (baseline)", row.variant),
            false => format!("`{}`", row.variant),
        };
        let cells: Vec<String> = banks.iter().map(|(_, rows)| bank_cell(&rows[v])).collect();
        let _ = writeln!(out, "| {} | {name} | {} |", rank + 1, cells.join(" | "));
    }
}

/// A bank's cell: the strategy's mean there, and its paired difference but for the baseline's
/// own row (`1.32 % (+1.20 pp ± 0.10)`; the baseline's `0.12 %`).
fn bank_cell(row: &PairedRow) -> String {
    let m = mean(row.metric, row.variant_mean, row.lower_bound);
    match row.variant == row.baseline {
        true => m,
        false => format!("{m} ({})", difference(row)),
    }
}

/// What each item ran, for a reader who did not write the command: `per_bank:concurrency=13`
/// is per-bank pools of 65 slots in all, `aimd` adapts from the scenario's slots a bank; its
/// band of hours (`all day` where another item has one), order and pausing (a trial's
/// `queued:hours=[]:order=stalest` read "queued (concurrency 24)", band and order gone).
fn as_run(c: &Comparison) -> String {
    let banded = c
        .variants
        .iter()
        .any(|v| v.scenario.schedule.hours.is_some());
    let each: Vec<String> = c
        .variants
        .iter()
        .map(|v| {
            // A named item's text too; a paced client's paces in words.
            let item = match v.item != v.label {
                true => format!(" (`{}`)", v.item),
                false => String::new(),
            };
            let sc = &v.scenario;
            let schedule = (&sc.schedule, sc.window);
            let words = client_words(&sc.strategy, schedule, &sc.retry, &sc.banks, banded);
            format!("`{}`{item}: {words}", v.label)
        })
        .collect();
    format!("As run: {}.", each.join("; "))
}

/// What the coverage of each period counts, where some item's period is shorter than a day
/// (its column is shown then): coverage counts one success a day, so a trial's 8-hour client
/// missing 28 % of its periods read 1.46 points below a daily one there.
fn periods_legend(c: &Comparison) -> Option<String> {
    let short: Vec<String> = (c.variants.iter())
        .filter(|v| v.scenario.schedule.is_short())
        .map(|v| format!("`{}` every {}", v.label, v.scenario.schedule.period))
        .collect();
    (!short.is_empty()).then(|| {
        format!(
            "Coverage of each period: the share of the connections due that are refreshed in \
             each of the item's own periods ({}), counted from the window's start; a daily \
             item's is its coverage, and an item with a period of days has none (—). Coverage \
             counts one success a day, so there an item with a shorter period reads as if it \
             refreshed once a day.",
            short.join(", ")
        )
    })
}

/// `, except where an item sets (…)`: an item that changes the book (its population,
/// window, the banks or their shares) pairs runs of different books, whose difference is
/// theirs too. A bank's limits, calls or errors are not the book: a pair then shares its
/// connections and draws, and differs by the bank's change, as a before-and-after asks.
fn books_differ(c: &Comparison) -> String {
    let book = |s: &String| {
        let path = s.split_once('=').map_or(s.as_str(), |(p, _)| p.trim());
        ["population.", "window."]
            .iter()
            .any(|p| path.starts_with(p))
            || path == "banks"
            || (path.starts_with("banks.") && path.ends_with(".share"))
    };
    let items: Vec<String> = (c.variants.iter())
        .filter(|v| v.sets.iter().any(book))
        .map(|v| format!("`{}`", v.label))
        .collect();
    match items.is_empty() {
        true => String::new(),
        false => format!(
            " (but {} set the population, window or banks' shares: their pairs are of \
             different books, and differ by the books too)",
            items.join(", ")
        ),
    }
}

/// Which of [`METRICS`] some variant measured: the columns the tables show. The background's
/// coverage only where it differs from the coverage (customers or reconnections fetch); the
/// own 429s at the worst bank only where they differ from those in all, or are bounded;
/// the opens not fresh where they differ from those finding data a day old.
fn shown(per_variant: &[&[PairedRow]]) -> Vec<bool> {
    let measured = |m: Metric| {
        (per_variant.iter().flat_map(|rows| rows.iter()))
            .any(|r| r.metric == m && r.variant_mean.is_some())
    };
    let all: Vec<PairedRow> = per_variant.concat();
    let background = paired::background_differs(&all);
    let worst = (paired::bound(per_variant)).is_some_and(|b| b.at_each_bank())
        || paired::differs(
            &all,
            Metric::WorstBankClientFailureRate,
            Metric::ClientFailureRate,
        );
    let not_fresh = paired::differs(
        &all,
        Metric::NotFreshAtOpenShare,
        Metric::Stale24hAtOpenShare,
    );
    (METRICS.iter())
        .map(|&m| match m {
            Metric::BackgroundCoverage => measured(m) && background,
            Metric::WorstBankClientFailureRate => measured(m) && worst,
            // At a freshness of a day, the day-old column's.
            Metric::NotFreshAtOpenShare => measured(m) && not_fresh,
            _ => measured(m),
        })
        .collect()
}

/// A table with one row per variant (in `order`) and a column per metric that some variant
/// measured (no on-demand column in a scenario without customers), each cell `cell`.
fn table(
    out: &mut String,
    order: &[usize],
    per_variant: &[&[PairedRow]],
    cell: impl Fn(&PairedRow) -> String,
) {
    let shown = shown(per_variant);
    let heads: Vec<&str> = METRICS
        .iter()
        .zip(&shown)
        .filter(|(_, &s)| s)
        .map(|(&m, _)| heading(m))
        .collect();
    let _ = writeln!(out, "| Rank | Strategy | {} |", heads.join(" | "));
    let _ = writeln!(out, "|---:|---|{}", "---:|".repeat(heads.len()));
    for (rank, &v) in order.iter().enumerate() {
        let rows = per_variant[v];
        let mark = paired::marks(per_variant, rows);
        let name = if rows[0].variant == rows[0].baseline {
            format!("`{}` (baseline){mark}", rows[0].variant)
        } else {
            format!("`{}`{mark}", rows[0].variant)
        };
        let cells: Vec<String> = rows
            .iter()
            .zip(&shown)
            .filter(|(_, &s)| s)
            .map(|(row, _)| cell(row))
            .collect();
        let _ = writeln!(out, "| {} | {name} | {} |", rank + 1, cells.join(" | "));
    }
}

/// Which differences shown are significant (the 95 % interval excludes 0), variant by
/// variant.
fn significant(order: &[usize], per_variant: &[&[PairedRow]], baseline: usize) -> String {
    // Only the columns shown: a hidden one is the same as one shown.
    let shown = shown(per_variant);
    let found: Vec<String> = order
        .iter()
        .filter(|&&v| v != baseline)
        .filter_map(|&v| {
            let metrics: Vec<&str> = (per_variant[v].iter().zip(&shown))
                .filter(|(r, &s)| s && r.significant())
                .map(|(r, _)| r.metric.label())
                .collect();
            (!metrics.is_empty())
                .then(|| format!("`{}`: {}", per_variant[v][0].variant, metrics.join(", ")))
        })
        .collect();
    if found.is_empty() {
        "No difference is significant at 95 % (every interval includes 0).".to_string()
    } else {
        format!(
            "Significant at 95 % (the interval excludes 0): {}; every other difference's \
             interval includes 0.",
            found.join("; ")
        )
    }
}

/// The items that ran exactly as the baseline in every replication (every difference 0 and
/// without spread, every unmeasured or infinite figure as the baseline's): what they set
/// changed nothing in these runs, which a table of zeros leaves the reader to work out (a
/// trial's night-only pace ran as its all-day one, which had finished each pass by night).
fn unchanged(order: &[usize], per_variant: &[&[PairedRow]], baseline: usize) -> Option<String> {
    let same = |rows: &[PairedRow]| {
        rows.iter().all(|r| match r.difference_mean {
            Some(d) => d == 0.0 && r.difference_sd.is_none_or(|s| s == 0.0),
            None => r.variant_mean == r.baseline_mean,
        })
    };
    let items: Vec<String> = (order.iter())
        .filter(|&&v| v != baseline && same(per_variant[v]))
        .map(|&v| format!("`{}`", per_variant[v][0].variant))
        .collect();
    let base = &per_variant.get(baseline)?.first()?.variant;
    (!items.is_empty()).then(|| {
        format!(
            "{} ran exactly as the baseline `{base}` in every replication (every difference 0, \
             without spread): what {} changed nothing in these runs (a band of hours the \
             baseline's passes already kept within, a limit or setting its traffic never \
             reached).",
            items.join(", "),
            match items.len() {
                1 => "it sets",
                _ => "they set",
            }
        )
    })
}

fn heading(m: Metric) -> &'static str {
    match m {
        Metric::Coverage => "Coverage",
        Metric::PeriodCoverage => "Coverage of each period",
        Metric::BackgroundCoverage => "Background coverage",
        Metric::FailureRate => "Failure rate",
        Metric::ClientFailureRate => "Own 429s",
        Metric::WorstBankClientFailureRate => "Own 429s at the worst bank",
        Metric::AttemptsPerSuccess => "Attempts/success",
        Metric::ApiCallsPerSuccess => "API calls/success",
        Metric::ApiCalls => "API calls (window)",
        Metric::StalenessP95Hours => "Staleness p95 (h)",
        Metric::StalenessP99Hours => "Staleness p99 (h)",
        Metric::Stale48hShare => "Time ≥ 48 h old",
        Metric::UsersPerDay => "Users/day",
        Metric::Stale24hShare => "Time ≥ 24 h old",
        Metric::AtOpenP50Hours => "Age at app open p50 (h)",
        Metric::AtOpenP95Hours => "Age at app open p95 (h)",
        Metric::Stale24hAtOpenShare => "Opens finding ≥ 24 h old",
        Metric::NotFreshAtOpenShare => "Opens not fresh (window.fresh_within)",
        Metric::OnDemandFailureRate => "Customers' failures (429, 5xx, 503)",
        Metric::OnDemandP95Seconds => "Customers' wait p95 (s, if served)",
        other => other.label(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bank's limit changed by an item is a before-and-after on the same book; its share,
    /// the population or the window make another book, said.
    #[test]
    fn a_banks_limits_are_not_another_book() {
        let source = crate::scenario::Source {
            origin: "s.toml".into(),
            text: "[window]\nlength = \"1d\"\n[strategy]\nkind = \"random_offset\"\n\
                   [population]\nconnections = 100\n[[banks]]\nname = \"b\"\nshare = 0.5\n\
                   service_time = { dist = \"constant\", value = \"5s\" }\n\
                   [[banks]]\nname = \"c\"\nshare = 0.5\n\
                   service_time = { dist = \"constant\", value = \"5s\" }\n"
                .into(),
            default_name: "s".into(),
        };
        let said = |items: &str| {
            let req = super::super::Request {
                strategies: Some(items.into()),
                replications: 2,
                ..Default::default()
            };
            books_differ(&Comparison::prepare(&source, &req).unwrap())
        };
        let limit = r#"random_offset:banks.b.limits=[{kind="concurrency",max_in_flight=2}]"#;
        assert_eq!(said(&format!("today=random_offset,next={limit}")), "");
        let shares = "random_offset,random_offset:banks.b.share=0.4:banks.c.share=0.6";
        assert!(said(shares).contains("set the population, window or banks' shares"));
        assert!(
            said("random_offset,random_offset:population.connections=50")
                .contains("`random_offset:population")
        );
    }
}
