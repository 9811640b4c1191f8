//! "A day in the life": per-minute in-flight refreshes and 429s, per run and per bank.

use crate::report::charts::{Chart, DayChart, DayRow};
use crate::report::dataset::{Dataset, RunData};
use crate::report::figures::{
    on_scenario, run_name, scenarios_of, ChartPlan, Planned, Skipped, DAY_IN_THE_LIFE, MAX_DAY_ROWS,
};
use crate::report::findings::{bank_sentence, busiest_sentence, clock};
use crate::report::phrases::{runs_provenance, slug, subtitle};

/// `A day in the life`, or for a window of several days `Four days in the life`.
pub(crate) fn life_title(minutes: usize) -> String {
    const N: [&str; 8] = ["", "One", "Two", "Three", "Four", "Five", "Six", "Seven"];
    if minutes <= 1440 {
        "A day in the life".into()
    } else if minutes.is_multiple_of(1440) {
        let d = minutes / 1440;
        match N.get(d) {
            Some(n) => format!("{n} days in the life"),
            None => format!("{d} days in the life"),
        }
    } else if minutes.is_multiple_of(60) {
        format!("{} hours in the life", minutes / 60)
    } else {
        "The window in the life".into()
    }
}

/// The days of `daily.csv` outside the per-day figures (those starting before the warm-up
/// ends): `day 0 holds the warm-up`, `days 0–1 hold the warm-up`. `None` without daily.csv,
/// or when every day is measured.
pub(crate) fn warmup_days(r: &RunData) -> Option<String> {
    let days = r.daily_totals();
    let warm: Vec<usize> = days.iter().filter(|d| !d.measured).map(|d| d.day).collect();
    if warm.is_empty() || !days.iter().any(|d| d.measured) {
        return None;
    }
    Some(match warm[..] {
        [d] => format!("day {d} holds the warm-up"),
        _ => format!("days {}–{} hold the warm-up", warm[0], warm[warm.len() - 1]),
    })
}

/// When minute `m` of run `r`'s window falls: `at 01:20`, or on a window longer than a day
/// `on day 3 at 01:20` (days of 24 h from the window's start, as in daily.csv), with
/// `, a warm-up day` on a day outside the per-day figures.
pub(crate) fn when(r: &RunData, m: usize) -> String {
    let t = clock(r.start_minute_of_day.unwrap_or(0) + m as u32);
    if r.window_minutes() <= 1440 {
        return format!("at {t}");
    }
    let day = m / 1440;
    let days = r.daily_totals();
    let warm = days.iter().any(|d| d.measured) && days.iter().any(|d| d.day == day && !d.measured);
    format!(
        "on day {day} at {t}{}",
        if warm { ", a warm-up day" } else { "" }
    )
}

/// Per-minute series of one run summed over `bank` (`None`: all banks): refreshes in flight,
/// and 429s. A closed maintenance window's 503s are not 429s and are left out: drawn as
/// 429s, a trial's planned outage read as the bank's rate limit.
pub(crate) fn minute_series(r: &RunData, bank: Option<&str>) -> (Vec<f64>, Vec<f64>) {
    let len = r.series.iter().map(|m| m.minute + 1).max().unwrap_or(0);
    let (mut a, mut b) = (vec![0.0; len], vec![0.0; len]);
    for m in &r.series {
        if bank.is_none_or(|x| x == m.bank) {
            a[m.minute] += m.in_flight;
            b[m.minute] += m.rate_limited.saturating_sub(m.outage_rejected) as f64;
        }
    }
    (a, b)
}

/// A closed maintenance window's 503s in one run at `bank` (`None`: all banks).
pub(crate) fn outage_503s(r: &RunData, bank: Option<&str>) -> u64 {
    r.series
        .iter()
        .filter(|m| bank.is_none_or(|x| x == m.bank))
        .map(|m| m.outage_rejected as u64)
        .sum()
}

/// The minutes from the window's start of a run's measured days (`daily.csv`), from the
/// first's start to the last's end; every minute where none is known.
fn measured_minutes(r: &RunData) -> std::ops::Range<usize> {
    let days: Vec<usize> = (r.daily_totals().iter())
        .filter(|d| d.measured)
        .map(|d| d.day)
        .collect();
    match (days.first(), days.last()) {
        (Some(a), Some(b)) => a * 1440..(b + 1) * 1440,
        _ => 0..usize::MAX,
    }
}

/// The rows of one run's day-in-the-life chart: its total, then each of `banks`.
fn one_run_rows(r: &RunData, banks: &[String]) -> Vec<DayRow> {
    let (a, b) = minute_series(r, None);
    let mut rows = vec![DayRow {
        label: if r.banks().len() > 1 {
            "all banks".into()
        } else {
            r.label()
        },
        in_flight: a,
        rate_limited: b,
        measured: measured_minutes(r),
        outage_503s: outage_503s(r, None),
    }];
    if r.banks().len() > 1 {
        for bank in banks {
            let (a, b) = minute_series(r, Some(bank));
            rows.push(DayRow {
                label: bank.clone(),
                in_flight: a,
                rate_limited: b,
                measured: measured_minutes(r),
                outage_503s: outage_503s(r, Some(bank)),
            });
        }
    }
    rows
}

/// One row per run, all banks together (`bank` `None`) or at one bank.
fn run_rows(runs: &[&RunData], bank: Option<&str>, several: bool) -> Vec<DayRow> {
    runs.iter()
        .map(|r| {
            let (a, b) = minute_series(r, bank);
            DayRow {
                label: run_name(r, several),
                in_flight: a,
                rate_limited: b,
                measured: measured_minutes(r),
                outage_503s: outage_503s(r, bank),
            }
        })
        .collect()
}

/// What the day-in-the-life charts of some runs share: the time axis, the title's start,
/// the subtitle's source, the scenario in titles.
struct DayFrame {
    start: u32,
    minutes: usize,
    /// `A day in the life`, `Three days in the life`.
    life: String,
    source: Option<String>,
    /// ` on <scenario>` when the runs share one.
    on: String,
    /// The runs are of several scenarios.
    several: bool,
    /// Some run had a maintenance window's 503s (left out of the 429 panels).
    outage: bool,
}

impl DayFrame {
    /// The frame of the day-in-the-life charts of `runs`.
    fn of(runs: &[&RunData]) -> DayFrame {
        let scen = scenarios_of(runs);
        let minutes = runs
            .iter()
            .map(|r| {
                r.window_minutes()
                    .max(r.series.iter().map(|m| m.minute + 1).max().unwrap_or(0))
            })
            .max()
            .unwrap_or(1);
        let window = runs.iter().map(|r| r.window_minutes()).max();
        DayFrame {
            start: runs.iter().find_map(|r| r.start_minute_of_day).unwrap_or(0),
            minutes,
            life: life_title(window.unwrap_or(minutes)),
            source: runs_provenance(runs),
            on: on_scenario(&scen),
            several: scen.len() > 1,
            outage: runs.iter().any(|r| outage_503s(r, None) > 0),
        }
    }

    /// A day-in-the-life chart of these runs.
    fn chart(&self, title: String, rows: Vec<DayRow>) -> Chart {
        Chart::Day(DayChart {
            title,
            subtitle: Some(subtitle(
                if self.outage {
                    "refreshes in flight at the bank (a refresh of several API calls counts once) and 429 responses per minute over the whole window (a maintenance window's 503s not drawn); each panel has its own scale"
                } else {
                    "refreshes in flight at the bank (a refresh of several API calls counts once) and 429 responses per minute over the whole window; each panel has its own scale"
                },
                [self.source.clone()],
            )),
            start_minute_of_day: self.start,
            minutes: self.minutes,
            rows,
        })
    }
}

/// The day-in-the-life charts of several runs: all banks together, then one per bank.
fn runs_day_charts(runs: &[&RunData], f: &DayFrame, p: &mut ChartPlan) {
    let (life, on) = (&f.life, &f.on);
    p.charts.push(Planned {
        stem: DAY_IN_THE_LIFE.into(),
        chart: f.chart(
            format!("{life}, all banks{on}"),
            run_rows(runs, None, f.several),
        ),
        caption: busiest_sentence(runs, f.several).unwrap_or_default(),
        per_bank: false,
    });
    if runs[0].bank_names().len() > 1 {
        bank_day_charts(runs, f, p);
    }
}

/// One day-in-the-life chart per bank, a row per run.
fn bank_day_charts(runs: &[&RunData], f: &DayFrame, p: &mut ChartPlan) {
    let (life, on) = (&f.life, &f.on);
    for bank in &runs[0].bank_names() {
        p.charts.push(Planned {
            stem: format!("{DAY_IN_THE_LIFE}_{}", slug(bank)),
            chart: f.chart(
                format!("{life} at {bank}{on}"),
                run_rows(runs, Some(bank), f.several),
            ),
            caption: bank_sentence(runs, bank, f.several).unwrap_or_default(),
            per_bank: true,
        });
    }
}

/// Plans the day-in-the-life charts: per-minute refreshes in flight and 429s of each run, all
/// banks together and at each bank.
pub(crate) fn day_charts(ds: &Dataset, p: &mut ChartPlan) {
    let runs: Vec<&RunData> = ds.runs.iter().filter(|r| r.has_series).collect();
    if runs.is_empty() {
        p.skipped.push(Skipped {
            chart: "a day in the life",
            why: "the directory has no per-minute time series (written by `run` and the \
                  default experiment)"
                .into(),
        });
        return;
    }
    let shown = &runs[..runs.len().min(MAX_DAY_ROWS)];
    if runs.len() > MAX_DAY_ROWS {
        p.skipped.push(Skipped {
            chart: "a day in the life",
            why: format!(
                "shows the first {MAX_DAY_ROWS} of {} runs, to stay readable",
                runs.len()
            ),
        });
    }
    let f = DayFrame::of(shown);
    if let [r] = shown {
        let banks = r.bank_names().len();
        if banks > MAX_DAY_ROWS - 1 {
            p.skipped.push(Skipped {
                chart: "a day in the life",
                why: format!(
                    "shows the total and the {} of {banks} banks with the most 429s, to stay \
                     readable (each bank's own chart follows, `{DAY_IN_THE_LIFE}_<bank>`)",
                    MAX_DAY_ROWS - 1
                ),
            });
        }
        // One run: its total, then each bank (those with the most 429s, said in the title
        // where some are left out: a trial's sixth bank went missing without a word).
        let some = match banks > MAX_DAY_ROWS - 1 {
            true => format!(
                ", the {} of its {banks} banks with the most 429s",
                MAX_DAY_ROWS - 1
            ),
            false => String::new(),
        };
        p.charts.push(Planned {
            stem: DAY_IN_THE_LIFE.into(),
            chart: f.chart(
                format!("{}: {}{}{some}", f.life, r.label(), f.on),
                one_run_rows(r, &r.most_rate_limited(MAX_DAY_ROWS - 1)),
            ),
            caption: busiest_sentence(shown, f.several).unwrap_or_default(),
            per_bank: false,
        });
        if banks > MAX_DAY_ROWS - 1 {
            bank_day_charts(shown, &f, p);
        }
        return;
    }
    runs_day_charts(shown, &f, p);
}
