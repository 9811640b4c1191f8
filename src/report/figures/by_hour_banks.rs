//! Data age by the hour of the day, bank by bank (`data_age_by_hour.csv`'s bank rows): what
//! each bank's customers find when they open the app. A throttled bank's customers can find
//! yesterday's data in the morning while the others' is fresh (a trial's building society
//! under a queue of 24: a 95th percentile of 44 h at 08:00, the others' 23 h), which the
//! all-bank chart averages away.

use crate::output::age_by_hour::HourRow;
use crate::output::text::pct;
use crate::report::charts::{palette, Chart, Dash, Look, Marker, XyChart};
use crate::report::dataset::{Dataset, RunData};
use crate::report::figures::by_hour::{age_axis, clock_axis, horizon_sentence, line};
use crate::report::figures::{group_look, ChartPlan, Planned, DATA_AGE_BY_HOUR_BANKS, MAX_SERIES};
use crate::report::findings::age;
use crate::report::phrases::{and_list, runs_provenance, subtitle};

/// Plans the chart for a directory of one run at two banks or more: each bank's median by
/// the hour (six banks at most, the stalest at app open), and all banks' (in black, as on
/// the staleness chart).
pub(crate) fn by_hour_banks_chart(ds: &Dataset, p: &mut ChartPlan) {
    let [r] = &ds.runs[..] else {
        return;
    };
    let banks = r.bank_names();
    if banks.len() < 2 || r.by_hour_banks.is_empty() || r.by_hour.len() != 24 {
        return;
    }
    // A bank whose medians are all among the never refreshed has no line, but keeps its
    // place in the legend, said: a trial's worst bank, left out, read as five healthy banks.
    // Banks with no hour measured (no connections) have nothing to say.
    let measured: Vec<String> = (banks.iter())
        .filter(|b| {
            r.bank_hours(b)
                .iter()
                .any(|h| h.data_age_p50_hours.is_some())
        })
        .cloned()
        .collect();
    let drawn = &r.stalest(&measured, MAX_SERIES - 1);
    let mut lines: Vec<_> = (drawn.iter().enumerate())
        .map(|(i, b)| {
            let mut l = line(b, &r.bank_hours(b), |h| h.data_age_p50_hours, 0);
            l.look = group_look(i);
            // Measured, with no finite median: never refreshed at every hour.
            if l.points.is_empty() {
                l.label = format!("{b}: median never refreshed, no line");
            }
            l
        })
        .collect();
    let mut all = line("all banks", &r.by_hour, |h| h.data_age_p50_hours, 0);
    all.look = Look::new(palette::BLACK, Dash::Solid, Marker::None);
    lines.push(all);
    let horizon = r.total().age_horizon_hours;
    let left_out = match banks.len() > drawn.len() {
        true => format!(
            " The chart draws {} banks of {} (beyond six, those whose customers most often \
             find data a day old, or none).",
            drawn.len(),
            banks.len()
        ),
        false => String::new(),
    };
    let caption = format!(
        "{}{}{left_out}{}",
        busiest_sentence(r, &banks).unwrap_or_default(),
        oldest_sentence(r, &banks),
        horizon_sentence(&r.by_hour_banks, horizon)
    );
    p.charts.push(Planned {
        stem: DATA_AGE_BY_HOUR_BANKS.into(),
        chart: Chart::Xy(XyChart {
            title: format!("Median data age by hour of day, per bank: {}", r.label()),
            subtitle: Some(subtitle(
                "median data age over the connection-time in each hour (the scenario's clock) \
                 of each bank's connections whose customers open the app, after the warm-up; a \
                 median among the never refreshed is not drawn (a bank with no line says so)",
                [runs_provenance(&[r])],
            )),
            x: clock_axis(),
            y: age_axis(),
            lines,
            refs: vec![super::by_hour::day_old()],
        }),
        caption: caption.trim().to_string(),
        per_bank: false,
    });
}

/// Each bank's median in the hour customers open the app most (the first of the hours whose
/// shares read alike, said so).
fn busiest_sentence(r: &RunData, banks: &[String]) -> Option<String> {
    let horizon = r.total().age_horizon_hours;
    let measured: Vec<&HourRow> = (r.by_hour.iter())
        .filter(|h| h.data_age_p50_hours.is_some())
        .collect();
    let most = (measured.iter())
        .map(|h| h.app_open_share)
        .fold(0.0, f64::max);
    let tied: Vec<&&HourRow> = (measured.iter())
        .filter(|h| pct(h.app_open_share) == pct(most))
        .collect();
    let busiest = tied.first()?;
    let at = |b: &str| r.bank_hours(b).into_iter().find(|h| h.hour == busiest.hour);
    let medians: Vec<String> = (banks.iter())
        .filter_map(|b| {
            let h = at(b)?.data_age_p50_hours?;
            Some(match h.is_finite() {
                true => format!("{b} {}", age(h, horizon)),
                false => format!("{b} among connections never refreshed"),
            })
        })
        .collect();
    let when = match tied.len() {
        1 => "when customers open the app most".to_string(),
        _ => {
            let hours: Vec<usize> = tied.iter().map(|h| h.hour as usize).collect();
            let runs = crate::time::hour_runs(&hours);
            format!("the first of the hours customers open the app most, alike ({runs})")
        }
    };
    Some(format!(
        "From {:02}:00 to {:02}:00, {when}, the median data age is {}.",
        busiest.hour,
        (busiest.hour + 1) % 24,
        and_list(&medians)
    ))
}

/// The oldest 95th percentile of any bank's hour (each bank and hour reading alike named),
/// and the banks with hours whose 95th percentile falls among connections never refreshed.
fn oldest_sentence(r: &RunData, banks: &[String]) -> String {
    let horizon = r.total().age_horizon_hours;
    let rows: Vec<HourRow> = banks.iter().flat_map(|b| r.bank_hours(b)).collect();
    let finite = |h: &HourRow| h.data_age_p95_hours.filter(|x| x.is_finite());
    let oldest = rows
        .iter()
        .filter_map(finite)
        .fold(f64::NEG_INFINITY, f64::max);
    let mut out = String::new();
    if oldest.is_finite() {
        let text = age(oldest, horizon);
        let at: Vec<String> = (rows.iter())
            .filter(|h| finite(h).is_some_and(|x| age(x, horizon) == text))
            .map(|h| format!("{}'s from {:02}:00", h.bank, h.hour))
            .collect();
        let at = match at.len() {
            1..=3 => and_list(&at),
            n => format!("{} hours of the banks'", n),
        };
        out += &format!(" The oldest 95th percentile (not drawn) is {text}, {at}.");
    }
    let never: Vec<String> = (banks.iter())
        .filter(|b| {
            let inf = |h: &HourRow| h.data_age_p95_hours.is_some_and(f64::is_infinite);
            rows.iter().any(|h| &h.bank == *b && inf(h))
        })
        .cloned()
        .collect();
    if !never.is_empty() {
        out += &format!(
            " At {}, the 95th percentile of some hours falls among connections never refreshed.",
            and_list(&never)
        );
    }
    out
}
