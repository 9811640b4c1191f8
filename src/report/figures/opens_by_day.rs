//! App opens finding data a day old, day by day and bank by bank (`daily.csv`'s
//! `stale_24h_at_open_share`): what a bad day at one bank, and its aftermath, did to its
//! customers. A trial's planner, writing up a weekly maintenance night and a week's rate
//! cut for a non-engineering audience, had only the per-day table to show them, and the
//! day-in-the-life chart drew the closed bank as "no 429s". Where the run's
//! `window.fresh_within` is not a day, the opens finding data that old
//! (`not_fresh_at_open_share`): a client refreshing every 6 h keeps its opens a day old
//! at nil through an outage that leaves two thirds of them past its 6 hours.

use crate::output::daily::DailyRow;
use crate::output::terminal::old_words;
use crate::output::text::pct;
use crate::report::charts::XyChart;
use crate::report::charts::{palette, Chart, ChartAxis, Dash, Format, Line, Look, Marker, Scale};
use crate::report::dataset::{Dataset, RunData};
use crate::report::figures::{group_look, ChartPlan, Planned, MAX_SERIES, OPENS_BY_DAY};
use crate::report::phrases::{runs_provenance, subtitle};
use crate::time::SimDuration;

/// The age the chart counts: a day, or the run's `window.fresh_within` where that is not a
/// day and `daily.csv` has its shares.
#[derive(Clone, Copy)]
struct Old(Option<SimDuration>);

impl Old {
    fn of(r: &RunData) -> Old {
        Old(r.fresh_within())
    }

    /// The day's share of opens finding data this old, or none.
    fn share(self, d: &DailyRow) -> Option<f64> {
        match self.0 {
            None => d.stale_24h_at_open_share,
            Some(_) => d.not_fresh_at_open_share,
        }
    }

    /// "a day", "6 h".
    fn words(self) -> String {
        self.0.map_or("a day".into(), old_words)
    }

    /// "24 h", "6 h".
    fn hours(self) -> String {
        self.0.map_or("24 h".into(), old_words)
    }
}

/// Plans the chart for a directory of one run with two measured days or more that hold the
/// opens' shares: each bank's (six at most: those whose worst day was worst) and all banks'.
pub(crate) fn opens_by_day_chart(ds: &Dataset, p: &mut ChartPlan) {
    let [r] = &ds.runs[..] else {
        return;
    };
    let old = Old::of(r);
    let all = days_of(r, "all", old);
    if all.len() < 2 {
        return;
    }
    let banks = r.bank_names();
    let worst = |b: &str| (days_of(r, b, old).iter()).map(|d| d.1).fold(0.0, f64::max);
    let mut drawn: Vec<&String> = banks.iter().collect();
    // Stable: banks equally bad keep summary.csv's order.
    drawn.sort_by(|a, b| worst(b).total_cmp(&worst(a)));
    drawn.truncate(MAX_SERIES - 1);
    let (first, last) = (all[0].0, all[all.len() - 1].0);
    // Up to a month, each day a category (a count axis ticked 1.5, 2.0, … over a few days);
    // longer, a linear axis of whole-day steps.
    let daily = last - first < 31.0;
    let at = |v: Vec<(f64, f64)>| match daily {
        true => v.into_iter().map(|(d, y)| (d - first + 1.0, y)).collect(),
        false => v,
    };
    let mut lines: Vec<Line> = (drawn.iter().enumerate())
        .map(|(i, b)| Line::new(b.as_str(), group_look(i), at(days_of(r, b, old))))
        .collect();
    if banks.len() > 1 {
        let black = Look::new(palette::BLACK, Dash::Solid, Marker::None);
        lines.push(Line::new("all banks", black, at(all.clone())));
    }
    let label = "day (from the window's start)";
    let x = match daily {
        true => ChartAxis::categorical(
            label,
            (first as usize..=last as usize)
                .map(|d| d.to_string())
                .collect(),
        ),
        false => ChartAxis::new(label, Scale::Linear, Format::Count).range(Some(first), Some(last)),
    };
    p.charts.push(Planned {
        stem: OPENS_BY_DAY.into(),
        chart: Chart::Xy(XyChart {
            title: format!(
                "App opens finding data {} old, day by day: {}",
                old.words(),
                r.label()
            ),
            subtitle: Some(subtitle(
                &format!(
                    "share of each measured day's app opens (weighed by the app-open profile) \
                     that found data {} old or older{}, or none yet, at each bank's customers",
                    old.hours(),
                    old.0.map_or("", |_| " (window.fresh_within)")
                ),
                [runs_provenance(&[r])],
            )),
            x,
            y: ChartAxis::new(
                format!("app opens finding data ≥ {} old", old.hours()),
                Scale::Linear,
                Format::Percent,
            )
            .range(Some(0.0), None),
            lines,
            refs: Vec::new(),
        }),
        caption: caption(r, &banks, &all, old),
        per_bank: false,
    });
}

/// A bank's (or `all`'s) measured days' shares: (day, share).
fn days_of(r: &RunData, bank: &str, old: Old) -> Vec<(f64, f64)> {
    let mut days: Vec<&DailyRow> = (r.daily.iter())
        .filter(|d| d.bank == bank && d.measured)
        .collect();
    days.sort_by_key(|d| d.day);
    (days.iter())
        .filter_map(|d| Some((d.day as f64, old.share(d)?)))
        .collect()
}

/// The worst day for all banks, and the worst of any bank's days where that is another's.
fn caption(r: &RunData, banks: &[String], all: &[(f64, f64)], old: Old) -> String {
    let most = |v: &[(f64, f64)]| {
        v.iter()
            .copied()
            .reduce(|a, b| if b.1 > a.1 { b } else { a })
    };
    let Some((day, x)) = most(all) else {
        return String::new();
    };
    let mut s = format!(
        "The day app opens most often found data {} old or older was day {day}: {} of all banks' opens.",
        old.words(),
        pct(x)
    );
    let bank = (banks.iter())
        .filter_map(|b| Some((b, most(&days_of(r, b, old))?)))
        .reduce(|a, b| if b.1 .1 > a.1 .1 { b } else { a });
    if let (true, Some((b, (d, y)))) = (banks.len() > 1, bank) {
        s.push_str(&format!(
            " The worst of any bank's days: {b}'s day {d}, {} of its customers' opens.",
            pct(y)
        ));
    }
    s
}
