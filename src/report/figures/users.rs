//! The users-per-day chart: the model's refreshes (or users) per day against concurrency,
//! from the vendor table, the runs or a sweep, with the vendor's documented figures overlaid.

use super::curves::concurrency_axis;
use crate::metric::Metric;
use crate::output::text::thousands;
use crate::report::charts::{Chart, ChartAxis, Format, Line, RefLine, Scale, XyChart};
use crate::report::dataset::{self, Dataset, SweepData};
use crate::report::figures::sweep_series::{
    is_vendor_calibration, sweep_by, sweep_lines, sweep_series, with_series_note,
};
use crate::report::figures::{
    group_look, ChartPlan, Planned, Skipped, DOCUMENTED_LOOK, LINEAR_LOOK, USERS_PER_DAY,
};
use crate::report::findings::sweep::sweep_best_sentence;
use crate::report::findings::table_growth_sentence;
use crate::report::phrases::{subtitle, sweep_provenance, table_provenance};

/// The vendor table's lines on the users-per-day chart (the model per scenario, linear
/// scaling from the largest documented row, the documented figures) and its growth sentence.
fn table_users_lines(rows: &[dataset::TableRow]) -> (Vec<Line>, Option<String>) {
    let mut lines: Vec<Line> = Vec::new();
    let mut max_c: f64 = 16.0;
    // Model rows per scenario, in table order.
    let mut groups: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for r in rows {
        match groups.iter_mut().find(|g| g.0 == r.scenario) {
            Some(g) => g.1.push((r.concurrency as f64, r.refreshes_per_day)),
            None => groups.push((
                r.scenario.clone(),
                vec![(r.concurrency as f64, r.refreshes_per_day)],
            )),
        }
    }
    for (i, (scenario, pts)) in groups.iter().enumerate() {
        // Rows beside documented figures calibrate the model; the others (uk-mix) measure
        // how many refreshes a backlog gets through, which is not users.
        let documented = rows
            .iter()
            .any(|r| &r.scenario == scenario && r.documented_users_per_day.is_some());
        let on = if scenario.is_empty() {
            String::new()
        } else {
            format!(" on {scenario}")
        };
        let label = if documented {
            format!("model{on}: refreshes/day (looping queue)")
        } else {
            format!("model{on}: backlog throughput, refreshes/day (not users)")
        };
        lines.push(Line::new(label, group_look(i), pts.clone()));
    }
    max_c = rows
        .iter()
        .map(|r| r.concurrency as f64)
        .fold(max_c, f64::max);
    // Linear scaling from the largest documented row's model figure.
    if let Some(r) = rows
        .iter()
        .filter(|r| r.documented_users_per_day.is_some() && r.concurrency > 0)
        .max_by_key(|r| r.concurrency)
    {
        let per_slot = r.refreshes_per_day / r.concurrency as f64;
        if per_slot > 0.0 {
            lines.push(Line::new(
                format!(
                    "linear scaling from the model at concurrency {} ({} refreshes/day per slot)",
                    r.concurrency,
                    thousands(per_slot)
                ),
                LINEAR_LOOK,
                vec![(1.0, per_slot), (max_c, per_slot * max_c)],
            ));
        }
    }
    let documented: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|r| {
            r.documented_users_per_day
                .map(|d| (r.concurrency as f64, d))
        })
        .collect();
    if !documented.is_empty() {
        let mut l = Line::new(
            "vendor table: users/day (documented)",
            DOCUMENTED_LOOK,
            documented,
        );
        l.line = false;
        lines.push(l);
    }
    (lines, table_growth_sentence(rows))
}

/// What a sweep over the concurrency adds to the users-per-day chart.
#[derive(Default)]
struct SweepUsers {
    lines: Vec<Line>,
    refs: Vec<RefLine>,
    /// What tells the sweep's series apart, for the title.
    by: String,
    /// The vendor's documented table is drawn beside the sweep.
    overlaid: bool,
    /// The sweep's best point, for the caption.
    sentence: Option<String>,
}

/// The sweep's users per day against concurrency (and the vendor's documented table beside
/// its calibration), or, without the vendor table, a note why the sweep cannot draw them.
fn sweep_users(ds: &Dataset, sw: &SweepData, p: &mut ChartPlan) -> SweepUsers {
    let x = match (sw.axis("concurrency"), sw.has_metric(Metric::UsersPerDay)) {
        (Some(x), true) => x,
        (None, _) => {
            if ds.table.is_none() {
                p.skipped.push(Skipped {
                    chart: "users per day against concurrency",
                    why: "the sweep does not vary the concurrency".into(),
                });
            }
            return SweepUsers::default();
        }
        (Some(_), false) => {
            if ds.table.is_none() {
                p.skipped.push(Skipped {
                    chart: "users per day against concurrency",
                    why: "the sweep's results have no users-per-day column".into(),
                });
            }
            return SweepUsers::default();
        }
    };
    let (mut lines, refs) = sweep_lines(sweep_series(sw, x, Metric::UsersPerDay), false);
    // The documented table is about the vendor-table calibration: beside a sweep of another
    // scenario it would compare unlike things.
    let overlaid = ds.table.is_none() && is_vendor_calibration(sw);
    if overlaid {
        lines.push(documented_users_line());
    }
    SweepUsers {
        lines,
        refs,
        by: sweep_by(sw, x),
        overlaid,
        sentence: Some(with_series_note(
            sw,
            x,
            Metric::UsersPerDay,
            sweep_best_sentence(sw, Metric::UsersPerDay, "users per day", false)
                .unwrap_or_default(),
        ))
        .filter(|s| !s.is_empty()),
    }
}

/// The vendor's documented users per day, as points.
fn documented_users_line() -> Line {
    let pts: Vec<(f64, f64)> = crate::vendor::DOCUMENTED
        .iter()
        .map(|&(c, _, u)| (c as f64, u))
        .collect();
    let mut l = Line::new("vendor table (documented)", DOCUMENTED_LOOK, pts);
    l.line = false;
    l
}

/// What the users-per-day chart shows, for its subtitle.
fn users_what(ds: &Dataset, overlaid: bool) -> &'static str {
    if ds.table.is_some() {
        "the model's refreshes per day (a looping queue over a backlog) beside the vendor's users per day, extended to where limits bite"
    } else if overlaid {
        "distinct connections refreshed per day, averaged over the measured days; the vendor's documented sizing table overlaid"
    } else {
        "distinct connections refreshed per day, averaged over the measured days"
    }
}

/// The users-per-day chart's title, `by` telling the sweep's series apart.
fn users_title(ds: &Dataset, by: &str) -> String {
    match (ds.table.is_some(), ds.sweep.is_some()) {
        (true, true) => "Refreshes and users per day against concurrency".into(),
        (true, false) => "Refreshes per day against concurrency (queued)".into(),
        _ => format!("Users refreshed per day against concurrency{by}"),
    }
}

/// The users-per-day chart's y axis: refreshes, users, or both. On a log scale where the
/// figures span a decade or more (the vendor table's 7,000 to 120,000); a sweep's within
/// one reads on a linear one from 0 (a trial's 105,000–250,000 sat on a log axis to 500,000
/// with three ticks).
fn users_axis(ds: &Dataset, lines: &[Line], refs: &[RefLine]) -> ChartAxis {
    let ys = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .chain(refs.iter().map(|r| r.y));
    let (lo, hi) = ys
        .filter(|y| *y > 0.0)
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), y| {
            (lo.min(y), hi.max(y))
        });
    if ds.table.is_none() && hi < 10.0 * lo {
        return ChartAxis::new("users refreshed per day", Scale::Linear, Format::Count)
            .range(Some(0.0), None);
    }
    ChartAxis::new(
        if ds.table.is_some() && ds.sweep.is_none() {
            "refreshes per day (vendor: users per day; log scale)"
        } else if ds.table.is_some() {
            "refreshes or users per day (log scale)"
        } else {
            "users refreshed per day (log scale)"
        },
        Scale::Log10,
        Format::Count,
    )
}

/// Plans the users-per-day chart: the vendor table's model and documented figures, a
/// sweep over the concurrency, or both.
pub(crate) fn users_chart(ds: &Dataset, p: &mut ChartPlan) {
    let mut lines: Vec<Line> = Vec::new();
    let mut caption = Vec::new();
    if let Some(rows) = ds.table.as_ref().filter(|r| !r.is_empty()) {
        let (table_lines, sentence) = table_users_lines(rows);
        lines.extend(table_lines);
        caption.extend(sentence);
    }
    let sweep = match &ds.sweep {
        Some(sw) => sweep_users(ds, sw, p),
        None => SweepUsers::default(),
    };
    lines.extend(sweep.lines);
    caption.extend(sweep.sentence);
    let refs = sweep.refs;
    if lines.is_empty() && refs.is_empty() {
        if ds.sweep.is_none() {
            p.skipped.push(Skipped {
                chart: "users per day against concurrency",
                why: "needs the vendor table (the default experiment) or a sweep over the \
                      concurrency; this directory has neither"
                    .into(),
            });
        }
        return;
    }
    let table_line = ds.table.as_deref().and_then(table_provenance);
    let sweep_line = ds.sweep.as_ref().map(sweep_provenance);
    p.charts.push(Planned {
        stem: USERS_PER_DAY.into(),
        chart: Chart::Xy(XyChart {
            title: users_title(ds, &sweep.by),
            subtitle: Some(subtitle(
                users_what(ds, sweep.overlaid),
                [table_line, sweep_line],
            )),
            x: concurrency_axis(),
            y: users_axis(ds, &lines, &refs),
            lines,
            refs,
        }),
        caption: caption.join(" "),
        per_bank: false,
    });
}
