//! `report.md` and its charts: what a results directory's data supports, drawn and described.
//!
//! [`write_report`] reads a directory ([`inputs::discover`]), decides which charts its data
//! supports ([`plan`]), renders each as SVG and PNG into `DIR/charts/`, and writes
//! `DIR/report.md`: the scenario in a paragraph, the tables, the charts, and findings.
//!
//! Every finding is a sentence computed from the numbers in the directory, and says only what
//! those numbers show (which strategy had the lower failure rate, by how much, which bank had
//! the lowest coverage). A finding whose data is absent is left out, never guessed; a chart
//! whose data is absent is listed under "Charts not drawn" with the reason. The report names
//! only files that exist.

use crate::error::Result;
use crate::report::charts::{
    self, cycle_look, palette, strategy_look, Chart, ChartAxis, Dash, DayChart, DayRow, Format,
    Line, Look, Marker, RefLine, Scale, XyChart,
};
use crate::report::inputs::{self, strategy_label, Dataset, RunData, SweepData};
use crate::report::{thousands, write_atomic};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The file stems of the charts (`charts/<stem>.svg` and `.png`); the per-bank charts add
/// `_<bank>` to the day-in-the-life and staleness stems.
const USERS_PER_DAY: &str = "users_per_day";
const FAILURE_RATE: &str = "failure_rate";
const COVERAGE_VS_CONCURRENCY: &str = "coverage_vs_concurrency";
const COVERAGE_VS_USERS: &str = "coverage_vs_users";
const DAY_IN_THE_LIFE: &str = "day_in_the_life";
const STALENESS: &str = "staleness";

/// Whether `name` is a file this tool writes into `charts/`: a chart's stem (with a bank's
/// slug for the per-bank ones) as `.svg` or `.png`. Only such files are ever removed.
pub fn is_chart_file(name: &str) -> bool {
    let Some(stem) = name
        .strip_suffix(".svg")
        .or_else(|| name.strip_suffix(".png"))
    else {
        return false;
    };
    let fixed = [
        USERS_PER_DAY,
        FAILURE_RATE,
        COVERAGE_VS_CONCURRENCY,
        COVERAGE_VS_USERS,
        DAY_IN_THE_LIFE,
        STALENESS,
    ];
    fixed.contains(&stem)
        || [DAY_IN_THE_LIFE, STALENESS].iter().any(|base| {
            stem.strip_prefix(base)
                .and_then(|rest| rest.strip_prefix('_'))
                .is_some_and(|bank| !bank.is_empty() && slug(bank) == bank)
        })
}

/// Coverage target drawn on coverage charts and used in findings.
pub const COVERAGE_TARGET: f64 = 0.99;

/// What coverage is, for chart subtitles.
const COVERAGE_MEANING: &str =
    "share of due connection-days (consent valid through the day's end) refreshed that day, over the measured days";

/// Most runs (rows) in one "day in the life" chart.
const MAX_DAY_ROWS: usize = 6;

/// A chart the data supports, with the file stem it is written under.
#[derive(Clone, Debug)]
pub struct Planned {
    pub stem: String,
    pub chart: Chart,
    /// One or two sentences for report.md, computed from the data.
    pub caption: String,
    /// Charts of one bank (listed after the overall ones).
    pub per_bank: bool,
}

/// A chart the data does not support, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub chart: &'static str,
    pub why: String,
}

/// Charts planned for a dataset, and those left out.
#[derive(Clone, Debug, Default)]
pub struct ChartPlan {
    pub charts: Vec<Planned>,
    pub skipped: Vec<Skipped>,
}

/// Reads `dir`, writes `dir/charts/*.svg|png` and `dir/report.md`; returns the paths written.
pub fn write_report(dir: &Path) -> Result<Vec<PathBuf>> {
    let ds = inputs::discover(dir)?;
    let plan = plan(&ds);
    let mut written = Vec::new();
    let charts_dir = dir.join("charts");
    for p in &plan.charts {
        written.extend(charts::render(&p.chart, &charts_dir, &p.stem)?);
    }
    remove_stale_charts(&charts_dir, &written)?;
    let md_path = dir.join("report.md");
    write_atomic(&md_path, markdown(&ds, &plan).as_bytes())?;
    written.push(md_path);
    Ok(written)
}

/// Removes from `charts_dir` the charts an earlier report drew and this one did not (files
/// [`is_chart_file`] names that are not in `current`), so that the directory holds only the
/// charts report.md shows. Nothing else is touched: not other files, not subdirectories,
/// not symbolic links.
fn remove_stale_charts(charts_dir: &Path, current: &[PathBuf]) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(charts_dir) else {
        return Ok(());
    };
    let mut stale: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| e.file_name().to_str().is_some_and(is_chart_file))
        .map(|e| e.path())
        .filter(|p| !current.contains(p))
        .collect();
    stale.sort();
    for p in stale {
        std::fs::remove_file(&p).map_err(|e| {
            crate::error::Error::io(format!("{}: cannot remove a stale chart: {e}", p.display()))
        })?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------

pub use super::pct;

fn hours(h: f64) -> String {
    if h < 10.0 {
        format!("{h:.1} h")
    } else {
        format!("{h:.0} h")
    }
}

fn ratio(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{x:.0}×")
    } else if x < 10.0 {
        format!("{x:.2}×")
    } else {
        format!("{x:.1}×")
    }
}

/// `["a", "b", "c"]` → `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        _ => format!(
            "{} and {}",
            items[..items.len() - 1].join(", "),
            items[items.len() - 1]
        ),
    }
}

/// A file-name-safe version of a bank name.
fn slug(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if out.is_empty() {
        out.push_str("bank");
    }
    out
}

/// How a sweep's parameters are named in legends, titles and sentences: the last segment of
/// the field path (`population.connections` → `connections`), with more segments where two
/// parameters would read the same (`banks.neobank.share` → `neobank share`); `strategy` for
/// `strategy.kind`; underscores as spaces.
fn param_names(params: &[String]) -> Vec<String> {
    let segs: Vec<Vec<&str>> = params.iter().map(|p| p.split('.').collect()).collect();
    let mut take = vec![1usize; params.len()];
    let name = |i: usize, k: usize| -> String {
        let s = &segs[i];
        if s.last() == Some(&"kind") && k == 1 {
            return "strategy".into();
        }
        s[s.len() - k.min(s.len())..].join(" ").replace('_', " ")
    };
    // Lengthen the names that collide until none do (or the whole path is used).
    for _ in 0..8 {
        let names: Vec<String> = (0..params.len()).map(|i| name(i, take[i])).collect();
        let mut changed = false;
        for i in 0..params.len() {
            let clash = (0..params.len()).any(|j| j != i && names[j] == names[i]);
            if clash && take[i] < segs[i].len() {
                take[i] += 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    (0..params.len()).map(|i| name(i, take[i])).collect()
}

/// Whether parameter `p` is the strategy's kind.
fn is_kind(p: &str) -> bool {
    p == "kind" || p.ends_with(".kind")
}

/// A swept value as read: `random offset` for a strategy kind, thousands separators for
/// whole numbers of 1,000 or more (`100,000`), else as written (`0.2`, `30s`).
fn value_text(param: &str, v: &str) -> String {
    if is_kind(param) {
        v.replace('_', " ")
    } else if let Some(n) = v.parse::<u64>().ok().filter(|&n| n >= 1000) {
        thousands(n as f64)
    } else {
        v.to_string()
    }
}

/// Parameter `i` of a sweep at value `v`, for legends: `connections 100,000`, or for the
/// strategy's kind only the strategy (`random offset`).
fn param_text(sw: &SweepData, names: &[String], i: usize, v: &str) -> String {
    let val = value_text(&sw.params[i], v);
    if is_kind(&sw.params[i]) {
        val
    } else {
        format!("{} {val}", names[i])
    }
}

/// `100,000 connections`, `100,000 and 200,000 connections`, or for more than three values
/// `100,000–800,000 connections (5 sizes)`.
fn connections_phrase(values: &[f64]) -> Option<String> {
    Some(match values {
        [] => return None,
        [one] => format!("{} connections", thousands(*one)),
        v if v.len() <= 3 => format!(
            "{} connections",
            and_list(&v.iter().map(|x| thousands(*x)).collect::<Vec<_>>())
        ),
        v => format!(
            "{}–{} connections ({} sizes)",
            thousands(v[0]),
            thousands(v[v.len() - 1]),
            v.len()
        ),
    })
}

/// `4-day window (day 0 warm-up)`, `one-day window`, `8 h window`: the window and, when
/// whole days of it are left out of the per-day figures, which.
fn window_phrase(hours: f64, measured_days: Option<f64>) -> String {
    let days = hours / 24.0;
    if hours < 24.0 || (days - days.round()).abs() > 1e-9 {
        return format!("{} window", self::hours(hours));
    }
    let days = days.round() as u64;
    let mut s = if days == 1 {
        "one-day window".to_string()
    } else {
        format!("{days}-day window")
    };
    if let Some(m) = measured_days.map(|m| m.round() as u64).filter(|&m| m > 0) {
        match days.saturating_sub(m) {
            0 => {}
            1 => s.push_str(" (day 0 warm-up)"),
            w => {
                let _ = write!(s, " (days 0–{} warm-up)", w - 1);
            }
        }
    }
    s
}

/// `seed 1`, `seeds 1 and 7`, or with `base` the sweep's `base seed 1`.
fn seeds_phrase(seeds: &[u64], base: bool) -> Option<String> {
    let list: Vec<String> = seeds.iter().map(u64::to_string).collect();
    let word = if base { "base seed" } else { "seed" };
    match list.len() {
        0 => None,
        1 => Some(format!("{word} {}", list[0])),
        _ => Some(format!("{word}s {}", and_list(&list))),
    }
}

/// Distinct values in first-appearance order.
fn distinct<T: PartialEq + Clone>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = Vec::new();
    for x in items {
        if !v.contains(&x) {
            v.push(x);
        }
    }
    v
}

/// Where runs came from, as a subtitle line: `uk-mix · 400,000 connections · 4-day window
/// (day 0 warm-up) · seed 1`.
fn runs_provenance(runs: &[&RunData]) -> Option<String> {
    if runs.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = Vec::new();
    let scen = scenarios_of(runs);
    if !scen.is_empty() {
        parts.push(and_list(&scen));
    }
    let mut conns: Vec<f64> = distinct(runs.iter().map(|r| r.total().connections));
    conns.sort_by(f64::total_cmp);
    parts.extend(connections_phrase(&conns));
    let windows: Vec<String> = distinct(runs.iter().filter_map(|r| {
        let t = r.total();
        t.window_hours.map(|h| window_phrase(h, t.measured_days))
    }));
    if !windows.is_empty() {
        parts.push(and_list(&windows));
    }
    let seeds: Vec<u64> = distinct(runs.iter().filter_map(|r| r.total().seed));
    parts.extend(seeds_phrase(&seeds, false));
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// Where a sweep's runs came from, as a subtitle line: `sweep of uk-mix · 100,000 and
/// 200,000 connections · 4-day window (day 0 warm-up) · base seed 1 · means of 2
/// replications per point`.
fn sweep_provenance(sw: &SweepData) -> String {
    let c = &sw.context;
    let mut parts: Vec<String> = Vec::new();
    parts.push(if c.scenarios.is_empty() {
        "sweep".to_string()
    } else {
        format!("sweep of {}", and_list(&c.scenarios))
    });
    parts.extend(connections_phrase(&c.connections));
    let windows: Vec<String> = distinct(c.window_hours.iter().map(|&h| {
        let m = match c.measured_days[..] {
            [m] => Some(m),
            _ => None,
        };
        window_phrase(h, m)
    }));
    if !windows.is_empty() {
        parts.push(and_list(&windows));
    }
    parts.extend(seeds_phrase(&c.base_seeds, true));
    parts.push(match sweep_reps(sw) {
        Some(1) => "one replication per point".into(),
        Some(r) => format!("means of {r} replications per point"),
        None => "means of each point's replications".into(),
    });
    parts.join(" · ")
}

/// The vendor table's rows as a subtitle line: `vendor table rows: vendor-table at 1–16 and
/// uk-mix at 32–256, each a looping queue over a backlog`.
fn table_provenance(rows: &[inputs::TableLine]) -> Option<String> {
    if rows.is_empty() {
        return None;
    }
    let scen: Vec<String> = distinct(rows.iter().map(|r| r.scenario.clone()));
    let parts: Vec<String> = scen
        .iter()
        .map(|s| {
            let cs: Vec<f64> = rows
                .iter()
                .filter(|r| &r.scenario == s)
                .map(|r| r.concurrency)
                .collect();
            let lo = cs.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = cs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let at = if lo == hi {
                format!("{lo}")
            } else {
                format!("{lo}–{hi}")
            };
            if s.is_empty() {
                format!("concurrency {at}")
            } else {
                format!("{s} at {at}")
            }
        })
        .collect();
    Some(format!(
        "vendor table rows: {}, each a looping queue over a backlog",
        and_list(&parts)
    ))
}

/// Where a chart's data came from (the sweep's, else the runs'), for its subtitle.
fn provenance(ds: &Dataset) -> Option<String> {
    match &ds.sweep {
        Some(sw) => Some(sweep_provenance(sw)),
        None => runs_provenance(&ds.runs.iter().collect::<Vec<_>>()),
    }
}

/// A subtitle: what the chart shows, then one line per source it names.
fn subtitle(what: &str, sources: impl IntoIterator<Item = Option<String>>) -> String {
    let mut lines = vec![what.to_string()];
    lines.extend(sources.into_iter().flatten());
    lines.join("\n")
}

/// Bold-free Markdown-safe cell text.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

// ---------------------------------------------------------------------------------------
// Planning the charts
// ---------------------------------------------------------------------------------------

/// The looks of series that are not strategies (the table's scenario groups, the banks of a
/// run): the series cycle's looks that are not the strategies' first, each differing from
/// the others in colour, dash and marker.
fn group_look(i: usize) -> Look {
    // Diamond, triangle down, cross, then the strategies' looks: a cross would read as the
    // vendor's documented points, so it comes late.
    const ORDER: [usize; 7] = [3, 5, 4, 0, 1, 2, 6];
    cycle_look(ORDER[i % ORDER.len()])
}

const TARGET_LOOK: Look = Look::new(palette::BLACK, Dash::LongDash, Marker::None);
const DOCUMENTED_LOOK: Look = Look::new(palette::BLACK, Dash::Solid, Marker::Cross);
const LINEAR_LOOK: Look = Look::new(palette::GREY, Dash::Dotted, Marker::None);

/// Most series in one chart: beyond this, lines become unreadable.
const MAX_SERIES: usize = 7;

/// Decides the charts `ds` supports.
pub fn plan(ds: &Dataset) -> ChartPlan {
    let mut p = ChartPlan::default();
    users_chart(ds, &mut p);
    failure_chart(ds, &mut p);
    coverage_chart(ds, &mut p);
    coverage_users_chart(ds, &mut p);
    day_charts(ds, &mut p);
    staleness_chart(ds, &mut p);
    p
}

/// The scenario(s) of the runs, for titles.
fn scenarios_of(runs: &[&RunData]) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for r in runs {
        let s = &r.total().scenario;
        if !s.is_empty() && !v.contains(s) {
            v.push(s.clone());
        }
    }
    v
}

/// The looks of series keyed by strategy: the strategies' own looks when no strategy comes
/// twice, else one look of the cycle each (two queued runs must not look alike).
fn run_looks(strategies: &[String]) -> Vec<Look> {
    let unique = distinct(strategies.iter()).len() == strategies.len();
    strategies
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if unique {
                strategy_look(s, i)
            } else {
                cycle_look(i)
            }
        })
        .collect()
}

/// How a run is named where runs of several scenarios are shown together.
fn run_name(r: &RunData, several_scenarios: bool) -> String {
    if several_scenarios {
        format!("{} · {}", r.label(), r.total().scenario)
    } else {
        r.label()
    }
}

/// One series of a sweep chart against parameter `x`.
#[derive(Clone, Debug)]
struct SweepSeries {
    /// What tells it from the others: the values of the other parameters that vary
    /// (`queued, connections 100,000`), or, alone, its strategy.
    label: String,
    /// The strategy, when the sweep varies it (`random offset`).
    kind: Option<String>,
    /// The other parameters' values (`connections 100,000`).
    parts: Vec<String>,
    /// The points' strategy, when they share one.
    strategy: Option<String>,
    /// Its strategy has no concurrency and `x` is the concurrency: one value (the runs are
    /// the same at every concurrency), drawn as a horizontal reference.
    flat: bool,
    /// `(x, mean, ci95)`, in increasing x.
    pts: Vec<(f64, f64, Option<f64>)>,
}

/// A sweep's series of `metric` against parameter `x`, with what tells them apart.
#[derive(Clone, Debug, Default)]
struct SweepSeriesSet {
    series: Vec<SweepSeries>,
    /// The strategy alone tells the series apart (or there is one series).
    strategies_only: bool,
}

/// A sweep's series against parameter `x`: one per combination of the other parameters
/// that vary. A parameter that does not apply to a point (the concurrency of bulk or random
/// offset) is left out of its series' key and label, so that such a strategy is one series,
/// not one per swept concurrency.
fn sweep_series(sw: &SweepData, x: usize, metric: &str) -> SweepSeriesSet {
    let names = param_names(&sw.params);
    let conc = sw.param("concurrency");
    let varying: Vec<usize> = (0..sw.params.len())
        .filter(|&i| i != x && sw.values(i).len() > 1)
        .collect();
    let mut keys: Vec<Vec<(usize, String)>> = Vec::new();
    let mut out: Vec<SweepSeries> = Vec::new();
    for pt in &sw.points {
        let (Some(xv), Some(st)) = (pt.params[x].parse::<f64>().ok(), pt.metrics.get(metric))
        else {
            continue;
        };
        let applies = |i: &usize| !(pt.ignores_concurrency && Some(*i) == conc);
        let key: Vec<(usize, String)> = varying
            .iter()
            .filter(|i| applies(i))
            .map(|&i| (i, pt.params[i].clone()))
            .collect();
        let k = match keys.iter().position(|k| *k == key) {
            Some(k) => k,
            None => {
                let label = if key.is_empty() {
                    pt.strategy
                        .as_deref()
                        .map(|s| strategy_label(s, None))
                        .unwrap_or_else(|| "model".into())
                } else {
                    key.iter()
                        .map(|(i, v)| param_text(sw, &names, *i, v))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let kind = key
                    .iter()
                    .find(|(i, _)| is_kind(&sw.params[*i]))
                    .map(|(i, v)| value_text(&sw.params[*i], v));
                let parts = key
                    .iter()
                    .filter(|(i, _)| !is_kind(&sw.params[*i]))
                    .map(|(i, v)| param_text(sw, &names, *i, v))
                    .collect();
                keys.push(key);
                out.push(SweepSeries {
                    label,
                    kind,
                    parts,
                    strategy: pt.strategy.clone(),
                    flat: pt.ignores_concurrency && Some(x) == conc,
                    pts: Vec::new(),
                });
                keys.len() - 1
            }
        };
        let s = &mut out[k];
        if s.strategy != pt.strategy {
            s.strategy = None;
        }
        // The same run again at another value of a parameter it ignores.
        if s.pts.iter().any(|p| p.0 == xv) {
            continue;
        }
        s.pts.push((xv, st.mean, st.ci95.filter(|c| c.is_finite())));
    }
    for s in &mut out {
        s.pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let strategies_only = keys
        .iter()
        .all(|k| k.iter().all(|(i, _)| is_kind(&sw.params[*i])));
    SweepSeriesSet {
        series: out,
        strategies_only,
    }
}

/// What tells a sweep chart's series apart, for its title: `, per strategy`,
/// `, by connections`, `, by strategy and connections`; empty for one series.
fn sweep_by(sw: &SweepData, x: usize) -> String {
    let names = param_names(&sw.params);
    let varying: Vec<String> = (0..sw.params.len())
        .filter(|&i| i != x && sw.values(i).len() > 1)
        .map(|i| names[i].clone())
        .collect();
    match &varying[..] {
        [] => String::new(),
        [k] if k == "strategy" => ", per strategy".into(),
        _ => format!(", by {}", and_list(&varying)),
    }
}

/// Sweep series as chart lines with their confidence bands (`clamp01` for shares), and the
/// flat ones as horizontal references. Each series gets its own look: the strategy's when
/// only strategies differ, else the next of the series cycle. At most [`MAX_SERIES`].
fn sweep_lines(set: SweepSeriesSet, clamp01: bool) -> (Vec<Line>, Vec<RefLine>) {
    let (mut lines, mut refs) = (Vec::new(), Vec::new());
    for (i, s) in set.series.into_iter().take(MAX_SERIES).enumerate() {
        let look = match (&s.strategy, set.strategies_only) {
            (Some(k), true) => strategy_look(k, i),
            _ => cycle_look(i),
        };
        if s.flat {
            let y = s.pts.iter().map(|p| p.1).sum::<f64>() / s.pts.len().max(1) as f64;
            refs.push(RefLine {
                label: format!("{} (no concurrency limit)", s.label),
                look,
                y,
            });
            continue;
        }
        let mut l = Line::new(
            s.label,
            look,
            s.pts.iter().map(|&(x, m, _)| (x, m)).collect(),
        );
        if s.pts.iter().any(|p| p.2.is_some_and(|c| c > 0.0)) {
            l.band = s
                .pts
                .iter()
                .map(|&(x, m, c)| {
                    let c = c.unwrap_or(0.0);
                    let (lo, hi) = (m - c, m + c);
                    if clamp01 {
                        (x, lo.max(0.0), hi.min(1.0))
                    } else {
                        (x, lo.max(0.0), hi)
                    }
                })
                .collect();
        }
        lines.push(l);
    }
    (lines, refs)
}

/// A note for the charts not drawn when a sweep has more series than a chart shows.
fn too_many_series(sw: &SweepData, x: usize, metric: &str, chart: &'static str, p: &mut ChartPlan) {
    let n = sweep_series(sw, x, metric).series.len();
    if n > MAX_SERIES {
        p.skipped.push(Skipped {
            chart,
            why: format!(
                "shows the first {MAX_SERIES} of the sweep's {n} series, to stay readable \
                 (all are in {})",
                sw.source
            ),
        });
    }
}

/// Replications per point if they are the same everywhere.
fn sweep_reps(sw: &SweepData) -> Option<u32> {
    let r = sw.points.first()?.replications?;
    sw.points
        .iter()
        .all(|p| p.replications == Some(r))
        .then_some(r)
}

/// Sentences about the sweep's series of `metric` against the concurrency.
fn sweep_caption(ds: &Dataset, metric: &str, name: &str) -> Option<String> {
    let sw = ds.sweep.as_ref()?;
    let x = sw.param("concurrency")?;
    if metric == "coverage" {
        sweep_target_sentence(sw, x)
    } else {
        sweep_range_sentence(sw, x, metric, name)
    }
}

/// The sweep's scenario is the vendor table's calibration (its documented figures are about
/// that scenario, so only there are they drawn beside the sweep).
fn is_vendor_calibration(sw: &SweepData) -> bool {
    sw.context.scenarios == [VENDOR_CALIBRATION]
}

/// The scenario the vendor's documented table is calibrated on.
const VENDOR_CALIBRATION: &str = "vendor-table";

/// What tells the series of a chart against concurrency apart, for its title: the sweep's
/// parameters; else `, per strategy` for runs of several strategies.
fn series_by(ds: &Dataset) -> String {
    if let Some(sw) = &ds.sweep {
        if let Some(x) = sw.param("concurrency") {
            return sweep_by(sw, x);
        }
    }
    let strategies = distinct(ds.runs.iter().map(|r| r.total().strategy.clone()));
    if strategies.len() > 1 {
        ", per strategy".into()
    } else if ds.runs.is_empty() && ds.table.is_some() {
        " (queued, vendor table rows)".into()
    } else {
        String::new()
    }
}

fn concurrency_axis() -> ChartAxis {
    ChartAxis::new(
        "concurrency (refreshes in parallel, log scale)",
        Scale::Log2,
        Format::Count,
    )
}

fn users_chart(ds: &Dataset, p: &mut ChartPlan) {
    let mut lines: Vec<Line> = Vec::new();
    let mut caption = Vec::new();
    let mut max_c: f64 = 16.0;
    if let Some(rows) = ds.table.as_ref().filter(|r| !r.is_empty()) {
        // Model rows per scenario, in table order.
        let mut groups: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
        for r in rows {
            match groups.iter_mut().find(|g| g.0 == r.scenario) {
                Some(g) => g.1.push((r.concurrency, r.refreshes_per_day)),
                None => groups.push((
                    r.scenario.clone(),
                    vec![(r.concurrency, r.refreshes_per_day)],
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
        max_c = rows.iter().map(|r| r.concurrency).fold(max_c, f64::max);
        // Linear scaling from the largest documented row's model figure.
        if let Some(r) = rows
            .iter()
            .filter(|r| r.documented_users_per_day.is_some() && r.concurrency > 0.0)
            .max_by(|a, b| a.concurrency.total_cmp(&b.concurrency))
        {
            let per_slot = r.refreshes_per_day / r.concurrency;
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
            .filter_map(|r| r.documented_users_per_day.map(|d| (r.concurrency, d)))
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
        if let Some(s) = table_growth_sentence(rows) {
            caption.push(s);
        }
    }
    let mut refs: Vec<RefLine> = Vec::new();
    let mut by = String::new();
    let mut overlaid = false;
    if let Some(sw) = &ds.sweep {
        match (sw.param("concurrency"), sw.has_metric("users_per_day")) {
            (Some(x), true) => {
                let (l, r) = sweep_lines(sweep_series(sw, x, "users_per_day"), false);
                lines.extend(l);
                refs.extend(r);
                by = sweep_by(sw, x);
                too_many_series(
                    sw,
                    x,
                    "users_per_day",
                    "users per day against concurrency",
                    p,
                );
                // The documented table is about the vendor-table calibration: beside a sweep
                // of another scenario it would compare unlike things.
                if ds.table.is_none() && is_vendor_calibration(sw) {
                    let pts: Vec<(f64, f64)> = crate::vendor::DOCUMENTED
                        .iter()
                        .map(|&(c, _, u)| (c as f64, u))
                        .collect();
                    let mut l = Line::new("vendor table (documented)", DOCUMENTED_LOOK, pts);
                    l.line = false;
                    lines.push(l);
                    overlaid = true;
                }
                if let Some(s) = sweep_best_sentence(sw, "users_per_day", "users per day", false) {
                    caption.push(s);
                }
            }
            (None, _) if ds.table.is_none() => p.skipped.push(Skipped {
                chart: "users per day against concurrency",
                why: "the sweep does not vary the concurrency".into(),
            }),
            (_, false) if ds.table.is_none() => p.skipped.push(Skipped {
                chart: "users per day against concurrency",
                why: "the sweep's results have no users-per-day column".into(),
            }),
            _ => {}
        }
    }
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
    let what = if ds.table.is_some() {
        "the model's refreshes per day (a looping queue over a backlog) beside the vendor's users per day, extended to where limits bite"
    } else if overlaid {
        "distinct connections refreshed per day, averaged over the measured days; the vendor's documented sizing table overlaid"
    } else {
        "distinct connections refreshed per day, averaged over the measured days"
    };
    let table_line = ds.table.as_deref().and_then(table_provenance);
    let sweep_line = ds.sweep.as_ref().map(sweep_provenance);
    p.charts.push(Planned {
        stem: USERS_PER_DAY.into(),
        chart: Chart::Xy(XyChart {
            title: match (ds.table.is_some(), ds.sweep.is_some()) {
                (true, true) => "Refreshes and users per day against concurrency".into(),
                (true, false) => "Refreshes per day against concurrency (queued)".into(),
                _ => format!("Users refreshed per day against concurrency{by}"),
            },
            subtitle: Some(subtitle(what, [table_line, sweep_line])),
            x: concurrency_axis(),
            y: ChartAxis::new(
                if ds.table.is_some() && ds.sweep.is_none() {
                    "refreshes per day (vendor: users per day; log scale)"
                } else if ds.table.is_some() {
                    "refreshes or users per day (log scale)"
                } else {
                    "users refreshed per day (log scale)"
                },
                Scale::Log10,
                Format::Count,
            ),
            lines,
            refs,
        }),
        caption: caption.join(" "),
        per_bank: false,
    });
}

/// Lines and references of a per-strategy metric against concurrency, from the table, the
/// runs and the sweep. `None` if there is no point with a concurrency.
fn strategy_metric_lines(
    ds: &Dataset,
    metric: &str,
    from_table: bool,
) -> Option<(Vec<Line>, Vec<RefLine>)> {
    let value = |s: &inputs::SummaryLine| match metric {
        "failure_rate" => s.failure_rate,
        _ => s.coverage,
    };
    let mut lines: Vec<Line> = Vec::new();
    let mut refs: Vec<RefLine> = Vec::new();
    let runs: Vec<&RunData> = ds.runs.iter().collect();
    let several = scenarios_of(&runs).len() > 1;
    let run_scenarios = scenarios_of(&runs);
    // Scenario names in labels only where series of several scenarios meet.
    let show_scenario = several || (from_table && ds.table.is_some());
    let mut table_keys: Vec<(String, f64)> = Vec::new();
    if from_table {
        if let Some(rows) = &ds.table {
            let mut groups: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
            for r in rows {
                let Some(f) = r.failure_rate else { continue };
                table_keys.push((r.scenario.clone(), r.concurrency));
                match groups.iter_mut().find(|g| g.0 == r.scenario) {
                    Some(g) => g.1.push((r.concurrency, f)),
                    None => groups.push((r.scenario.clone(), vec![(r.concurrency, f)])),
                }
            }
            let mut other = 0;
            for (scenario, pts) in groups {
                // The runs' scenario keeps queued's colour, with its own dash and marker: the
                // table's rows (a backlog population per row) and the runs' queued points
                // (the scenario's population) are different experiments, so they must not
                // read as one line. Other scenarios get group looks.
                let look = if run_scenarios.contains(&scenario) {
                    Look {
                        dash: Dash::LongDash,
                        marker: Marker::Diamond,
                        ..strategy_look("queued", 0)
                    }
                } else {
                    other += 1;
                    group_look(other)
                };
                lines.push(Line::new(
                    format!("queued on {scenario} (vendor table rows)"),
                    look,
                    pts,
                ));
            }
        }
    }
    // Runs: with a concurrency, points per (strategy, scenario); without, references.
    // (strategy|scenario, strategy, points)
    type Group = (String, String, Vec<(f64, f64)>);
    let mut groups: Vec<Group> = Vec::new();
    for r in &runs {
        let t = r.total();
        match t.concurrency {
            Some(c) => {
                if table_keys.contains(&(t.scenario.clone(), c as f64)) {
                    continue;
                }
                let key = format!("{}|{}", t.strategy, t.scenario);
                match groups.iter_mut().find(|g| g.0 == key) {
                    Some(g) => g.2.push((c as f64, value(t))),
                    None => groups.push((key, t.strategy.clone(), vec![(c as f64, value(t))])),
                }
            }
            None => refs.push(RefLine {
                label: format!(
                    "{}{} (no concurrency limit)",
                    strategy_label(&t.strategy, None),
                    if show_scenario && !t.scenario.is_empty() {
                        format!(" on {}", t.scenario)
                    } else {
                        String::new()
                    }
                ),
                look: strategy_look(&t.strategy, refs.len()),
                y: value(t),
            }),
        }
    }
    // A strategy on several scenarios is several series: then each takes its own look.
    let strategies: Vec<String> = groups.iter().map(|g| g.1.clone()).collect();
    let ref_strategies = runs.iter().filter(|r| r.total().concurrency.is_none());
    let mut all: Vec<String> = strategies.clone();
    all.extend(ref_strategies.map(|r| r.total().strategy.clone()));
    let looks = run_looks(&all);
    for (i, r) in refs.iter_mut().enumerate() {
        r.look = looks[strategies.len() + i];
    }
    for ((key, strategy, mut pts), look) in groups.into_iter().zip(looks) {
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let scenario = key.split_once('|').map(|k| k.1).unwrap_or("");
        let label = if scenario.is_empty() || !show_scenario {
            strategy_label(&strategy, None)
        } else {
            format!("{} on {scenario}", strategy_label(&strategy, None))
        };
        lines.push(Line::new(label, look, pts));
    }
    if let Some(sw) = &ds.sweep {
        if let Some(x) = sw.param("concurrency") {
            if sw.has_metric(metric) {
                let (l, r) = sweep_lines(sweep_series(sw, x, metric), true);
                lines.extend(l);
                refs.extend(r);
            }
        }
    }
    if lines.iter().all(|l| l.points.is_empty()) && (ds.sweep.is_none() || refs.is_empty()) {
        return None;
    }
    // A single run is one number: nothing to draw against concurrency.
    let items: usize = lines.iter().map(|l| l.points.len()).sum::<usize>() + refs.len();
    if ds.sweep.is_none() && ds.table.is_none() && items < 2 {
        return None;
    }
    lines.truncate(MAX_SERIES);
    refs.truncate(MAX_SERIES);
    Some((lines, refs))
}

fn failure_chart(ds: &Dataset, p: &mut ChartPlan) {
    let Some((lines, refs)) = strategy_metric_lines(ds, "failure_rate", true) else {
        p.skipped.push(Skipped {
            chart: "failure rate against concurrency",
            why: "needs results at several concurrencies or for several strategies (the \
                  vendor table, the default experiment or a sweep over the concurrency)"
                .into(),
        });
        return;
    };
    let mut caption = failure_caption(ds);
    if let Some(c) = sweep_caption(ds, "failure_rate", "failure rate") {
        caption = format!("{caption} {c}").trim().to_string();
    }
    let base = if refs.is_empty() {
        "failed attempts (429 and 5xx) per attempt"
    } else {
        "failed attempts (429 and 5xx) per attempt; strategies without a concurrency limit as horizontal lines"
    };
    if let Some(sw) = &ds.sweep {
        if let Some(x) = sw.param("concurrency") {
            too_many_series(sw, x, "failure_rate", "failure rate against concurrency", p);
        }
    }
    p.charts.push(Planned {
        stem: FAILURE_RATE.into(),
        chart: Chart::Xy(XyChart {
            title: format!("Failure rate against concurrency{}", series_by(ds)),
            subtitle: Some(subtitle(
                base,
                [
                    provenance(ds),
                    ds.table.as_deref().and_then(table_provenance),
                ],
            )),
            x: concurrency_axis(),
            y: ChartAxis::new(
                "failure rate (share of attempts)",
                Scale::Linear,
                Format::Percent,
            )
            .range(Some(0.0), None),
            lines,
            refs,
        }),
        caption,
        per_bank: false,
    });
}

fn coverage_chart(ds: &Dataset, p: &mut ChartPlan) {
    let Some((lines, mut refs)) = strategy_metric_lines(ds, "coverage", false) else {
        p.skipped.push(Skipped {
            chart: "coverage against concurrency",
            why: "needs coverage at several concurrencies or for several strategies (the \
                  default experiment or a sweep over the concurrency); the vendor table does not \
                  record coverage"
                .into(),
        });
        return;
    };
    refs.push(RefLine {
        label: format!("{:.0} % coverage target", 100.0 * COVERAGE_TARGET),
        look: TARGET_LOOK,
        y: COVERAGE_TARGET,
    });
    let mut caption = coverage_caption(ds);
    if let Some(c) = sweep_caption(ds, "coverage", "coverage") {
        caption = format!("{caption} {c}").trim().to_string();
    }
    let concurrencies: Vec<u32> = ds
        .runs
        .iter()
        .filter_map(|r| r.total().concurrency)
        .collect();
    if ds.sweep.is_none() {
        if let [c] = concurrencies[..] {
            caption = format!(
                "{caption} These runs have coverage at a single concurrency ({c}); a sweep over \
                 `strategy.concurrency` draws the whole curve."
            )
            .trim()
            .to_string();
        }
    }
    if let Some(sw) = &ds.sweep {
        if let Some(x) = sw.param("concurrency") {
            too_many_series(sw, x, "coverage", "coverage against concurrency", p);
        }
    }
    p.charts.push(Planned {
        stem: COVERAGE_VS_CONCURRENCY.into(),
        chart: Chart::Xy(XyChart {
            title: format!("Coverage against concurrency{}", series_by(ds)),
            subtitle: Some(subtitle(COVERAGE_MEANING, [provenance(ds)])),
            x: concurrency_axis(),
            y: ChartAxis::new(
                "coverage (share of due connection-days)",
                Scale::Linear,
                Format::Percent,
            )
            .range(Some(0.0), Some(1.0)),
            lines,
            refs,
        }),
        caption,
        per_bank: false,
    });
}

fn coverage_users_chart(ds: &Dataset, p: &mut ChartPlan) {
    let Some(sw) = &ds.sweep else { return };
    let Some(x) = sw.param("connections").filter(|&i| sw.values(i).len() > 1) else {
        p.skipped.push(Skipped {
            chart: "coverage against user base",
            why: "the sweep does not vary the number of connections".into(),
        });
        return;
    };
    if !sw.has_metric("coverage") {
        p.skipped.push(Skipped {
            chart: "coverage against user base",
            why: "the sweep's results have no coverage column".into(),
        });
        return;
    }
    let (lines, mut refs) = sweep_lines(sweep_series(sw, x, "coverage"), true);
    too_many_series(sw, x, "coverage", "coverage against user base", p);
    refs.push(RefLine {
        label: format!("{:.0} % coverage target", 100.0 * COVERAGE_TARGET),
        look: TARGET_LOOK,
        y: COVERAGE_TARGET,
    });
    p.charts.push(Planned {
        stem: COVERAGE_VS_USERS.into(),
        chart: Chart::Xy(XyChart {
            title: format!("Coverage against user base{}", sweep_by(sw, x)),
            subtitle: Some(subtitle(COVERAGE_MEANING, [Some(sweep_provenance(sw))])),
            x: ChartAxis::new(
                "connections to refresh (user base)",
                Scale::Linear,
                Format::Count,
            )
            .range(Some(0.0), None),
            y: ChartAxis::new(
                "coverage (share of due connection-days)",
                Scale::Linear,
                Format::Percent,
            )
            .range(Some(0.0), Some(1.0)),
            lines,
            refs,
        }),
        caption: sweep_target_sentence(sw, x).unwrap_or_default(),
        per_bank: false,
    });
}

/// `A day in the life`, or for a window of several days `Four days in the life`.
fn life_title(minutes: usize) -> String {
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
fn warmup_days(r: &RunData) -> Option<String> {
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
fn when(r: &RunData, m: usize) -> String {
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

/// Per-minute series of one run summed over `bank` (`None`: all banks).
fn minute_series(r: &RunData, bank: Option<&str>) -> (Vec<f64>, Vec<f64>) {
    let len = r.series.iter().map(|m| m.minute + 1).max().unwrap_or(0);
    let (mut a, mut b) = (vec![0.0; len], vec![0.0; len]);
    for m in &r.series {
        if bank.is_none_or(|x| x == m.bank) {
            a[m.minute] += m.in_flight;
            b[m.minute] += m.rate_limited;
        }
    }
    (a, b)
}

fn day_charts(ds: &Dataset, p: &mut ChartPlan) {
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
    let scen = scenarios_of(shown);
    let several = scen.len() > 1;
    let start = shown
        .iter()
        .find_map(|r| r.start_minute_of_day)
        .unwrap_or(0);
    let minutes = shown
        .iter()
        .map(|r| {
            r.window_minutes()
                .max(r.series.iter().map(|m| m.minute + 1).max().unwrap_or(0))
        })
        .max()
        .unwrap_or(1);
    let on = if scen.len() == 1 {
        format!(" on {}", scen[0])
    } else {
        String::new()
    };
    let banks = shown[0].bank_names();
    let life = life_title(
        shown
            .iter()
            .map(|r| r.window_minutes())
            .max()
            .unwrap_or(minutes),
    );
    let source = runs_provenance(shown);
    let day = |title: String, rows: Vec<DayRow>| {
        Chart::Day(DayChart {
            title,
            subtitle: Some(subtitle(
                "calls in flight at the bank and 429 responses per minute over the whole window; each panel has its own scale",
                [source.clone()],
            )),
            start_minute_of_day: start,
            minutes,
            rows,
        })
    };
    if shown.len() == 1 {
        // One run: its total, then each bank.
        let r = shown[0];
        let (a, b) = minute_series(r, None);
        let mut rows = vec![DayRow {
            label: if banks.len() > 1 {
                "all banks".into()
            } else {
                r.label()
            },
            in_flight: a,
            rate_limited: b,
        }];
        if banks.len() > 1 {
            for bank in banks.iter().take(MAX_DAY_ROWS - 1) {
                let (a, b) = minute_series(r, Some(bank));
                rows.push(DayRow {
                    label: bank.clone(),
                    in_flight: a,
                    rate_limited: b,
                });
            }
        }
        p.charts.push(Planned {
            stem: DAY_IN_THE_LIFE.into(),
            chart: day(format!("{life}: {}{on}", r.label()), rows),
            caption: busiest_sentence(shown, several).unwrap_or_default(),
            per_bank: false,
        });
        return;
    }
    let rows = shown
        .iter()
        .map(|r| {
            let (a, b) = minute_series(r, None);
            DayRow {
                label: run_name(r, several),
                in_flight: a,
                rate_limited: b,
            }
        })
        .collect();
    p.charts.push(Planned {
        stem: DAY_IN_THE_LIFE.into(),
        chart: day(format!("{life}, all banks{on}"), rows),
        caption: busiest_sentence(shown, several).unwrap_or_default(),
        per_bank: false,
    });
    if banks.len() > 1 {
        for bank in &banks {
            let rows = shown
                .iter()
                .map(|r| {
                    let (a, b) = minute_series(r, Some(bank));
                    DayRow {
                        label: run_name(r, several),
                        in_flight: a,
                        rate_limited: b,
                    }
                })
                .collect();
            p.charts.push(Planned {
                stem: format!("{DAY_IN_THE_LIFE}_{}", slug(bank)),
                chart: day(format!("{life} at {bank}{on}"), rows),
                caption: bank_sentence(shown, bank, several).unwrap_or_default(),
                per_bank: true,
            });
        }
    }
}

/// The width of the age bins of a staleness chart whose oldest data is `max_minutes` old:
/// at most about 100 bins.
fn age_bin(max_minutes: usize) -> usize {
    [1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440]
        .into_iter()
        .find(|b| max_minutes / b <= 100)
        .unwrap_or(1440)
}

/// `1 hour`, `15 minutes`, `2 hours`: a bin width.
fn bin_name(bin: usize) -> String {
    match bin {
        1 => "1 minute".into(),
        60 => "1 hour".into(),
        b if b % 60 == 0 => format!("{} hours", b / 60),
        b => format!("{b} minutes"),
    }
}

/// Ages drawn in staleness charts, in minutes: eight days. Older data is counted together
/// (the legend gives its share): the simulator resolves ages by the minute only up to a
/// horizon of at least eight days, and past it staleness.csv holds one row for the rest.
const AGE_DRAWN_MINUTES: usize = 8 * 1440;

/// Data age of one run at `bank` (`all`: every bank) over connection-time, as the outline
/// of a histogram with bins of `bin` minutes: `(age in hours, share of connection-time in
/// the bin per hour of bin width)`, a density whose unit does not depend on the bins; the
/// share of connection-time never refreshed and the share with data eight days old or older
/// (neither drawn).
fn age_histogram(r: &RunData, bank: &str, bin: usize) -> (Vec<(f64, f64)>, f64, f64) {
    let (ages, never) = r.age_shares(bank);
    let older: f64 = ages
        .iter()
        .filter(|a| a.0 >= AGE_DRAWN_MINUTES)
        .map(|a| a.1)
        .sum();
    let ages: Vec<(usize, f64)> = ages
        .into_iter()
        .filter(|a| a.0 < AGE_DRAWN_MINUTES)
        .collect();
    let n = ages.last().map_or(0, |a| a.0 / bin + 1);
    let w = bin as f64 / 60.0;
    let mut h = vec![0.0; n];
    for (m, share) in ages {
        h[m / bin] += share / w;
    }
    let mut pts = Vec::with_capacity(2 * n + 1);
    for (k, &v) in h.iter().enumerate() {
        pts.push((k as f64 * w, v));
        pts.push(((k + 1) as f64 * w, v));
    }
    if let Some(&(x, _)) = pts.last() {
        pts.push((x, 0.0));
    }
    (pts, never, older)
}

/// The oldest data drawn (whole minutes) in the runs' staleness histograms.
fn oldest_minutes(runs: &[&RunData]) -> usize {
    runs.iter()
        .flat_map(|r| r.staleness.iter())
        .filter(|a| a.share > 0.0)
        .filter_map(|a| a.age_minutes)
        .filter(|&m| m < AGE_DRAWN_MINUTES)
        .max()
        .unwrap_or(0)
}

/// A share as a percentage, `< 0.01 %` rather than `0.00 %` when it is not zero.
fn share(x: f64) -> String {
    if x > 0.0 && x < 0.00005 {
        "< 0.01 %".into()
    } else {
        pct(x)
    }
}

/// `building-society (never refreshed: 39.98 %)`, with `; 8 days or older: 1.20 %` when
/// some data was older than the chart draws.
fn with_never(name: &str, never: f64, older: f64) -> String {
    if older > 0.0 {
        format!(
            "{name} (never refreshed: {}; {} days or older: {})",
            share(never),
            AGE_DRAWN_MINUTES / 1440,
            share(older)
        )
    } else {
        format!("{name} (never refreshed: {})", share(never))
    }
}

fn staleness_chart(ds: &Dataset, p: &mut ChartPlan) {
    let runs: Vec<&RunData> = ds
        .runs
        .iter()
        .filter(|r| r.has_staleness && !r.staleness.is_empty() && r.total().connections > 0.0)
        .collect();
    if runs.is_empty() {
        p.skipped.push(Skipped {
            chart: "staleness",
            why: "the directory has no data-age histograms over connection-time (staleness.csv \
                  with connection_hours and share, written by `run` and the default experiment)"
                .into(),
        });
        return;
    }
    let runs = &runs[..runs.len().min(MAX_SERIES)];
    let scen = scenarios_of(runs);
    let several = scen.len() > 1;
    let on = if scen.len() == 1 {
        format!(" on {}", scen[0])
    } else {
        String::new()
    };
    let bin = age_bin(oldest_minutes(runs).max(1));
    let max_h = ((oldest_minutes(runs) / bin + 1) * bin) as f64 / 60.0;
    let source = runs_provenance(runs);
    let no_warmup = runs.iter().all(|r| {
        let days = r.daily_totals();
        !days.is_empty() && days.iter().all(|d| d.measured)
    });
    let what = format!(
        "share of connection-time (consent valid, {}) at each age of data, in bins of {}",
        if no_warmup {
            "over the whole window"
        } else {
            "after the warm-up"
        },
        bin_name(bin)
    );
    let chart = |title: String, lines: Vec<Line>| {
        Chart::Xy(XyChart {
            title,
            subtitle: Some(subtitle(&what, [source.clone()])),
            x: ChartAxis::new(
                "age of the connection's data (hours)",
                Scale::Linear,
                Format::Hours,
            )
            .range(Some(0.0), Some(max_h)),
            // A density, whatever the bins: charts of runs of any length compare.
            y: ChartAxis::new(
                "share of connection-time per hour of age",
                Scale::Linear,
                Format::Percent,
            )
            .range(Some(0.0), None),
            lines,
            refs: Vec::new(),
        })
    };
    let banks = runs[0].bank_names();
    if let [r] = runs {
        let (pts, never, older) = age_histogram(r, "all", bin);
        let mut lines = vec![Line::new(
            with_never("all banks", never, older),
            Look::new(palette::BLACK, Dash::Solid, Marker::None),
            pts,
        )];
        if banks.len() > 1 {
            for (i, b) in banks.iter().take(MAX_SERIES - 1).enumerate() {
                let (pts, never, older) = age_histogram(r, b, bin);
                lines.push(Line::new(with_never(b, never, older), group_look(i), pts));
            }
        }
        let mut caption: Vec<String> = staleness_sentence(runs, several).into_iter().collect();
        caption.extend(stalest_bank_sentence(r));
        p.charts.push(Planned {
            stem: STALENESS.into(),
            chart: chart(
                format!("Data age over connection-time: {}{on}", r.label()),
                lines,
            ),
            caption: caption.join(" "),
            per_bank: false,
        });
        return;
    }
    let looks = run_looks(
        &runs
            .iter()
            .map(|r| r.total().strategy.clone())
            .collect::<Vec<_>>(),
    );
    let per_run = |bank: &str| -> Vec<Line> {
        runs.iter()
            .zip(&looks)
            .map(|(r, look)| {
                let (pts, never, older) = age_histogram(r, bank, bin);
                Line::new(with_never(&run_name(r, several), never, older), *look, pts)
            })
            .collect()
    };
    p.charts.push(Planned {
        stem: STALENESS.into(),
        chart: chart(
            format!(
                "Data age over connection-time{}{on}",
                if distinct(runs.iter().map(|r| &r.total().strategy)).len() == runs.len() {
                    ", per strategy"
                } else {
                    ", per run"
                }
            ),
            per_run("all"),
        ),
        caption: staleness_sentence(runs, several).unwrap_or_default(),
        per_bank: false,
    });
    if banks.len() > 1 {
        for bank in &banks {
            p.charts.push(Planned {
                stem: format!("{STALENESS}_{}", slug(bank)),
                chart: chart(format!("Data age at {bank}{on}"), per_run(bank)),
                caption: bank_staleness_sentence(runs, bank, several).unwrap_or_default(),
                per_bank: true,
            });
        }
    }
}

// ---------------------------------------------------------------------------------------
// Findings: sentences computed from the data
// ---------------------------------------------------------------------------------------

/// Growth of the model's refreshes per day over the table's rows on the same scenario, and the
/// first step where doubling the slots gained clearly less than double.
fn table_growth_sentence(rows: &[inputs::TableLine]) -> Option<String> {
    let mut out = Vec::new();
    let mut scenarios: Vec<&str> = Vec::new();
    for r in rows {
        if !scenarios.contains(&r.scenario.as_str()) {
            scenarios.push(&r.scenario);
        }
    }
    for s in scenarios {
        let g: Vec<&inputs::TableLine> = rows.iter().filter(|r| r.scenario == s).collect();
        if g.len() < 2 {
            continue;
        }
        let (a, b) = (g[0], g[g.len() - 1]);
        if a.concurrency <= 0.0 || a.refreshes_per_day <= 0.0 {
            continue;
        }
        let on = if s.is_empty() {
            String::new()
        } else {
            format!(" on {s}")
        };
        let mut sentence = format!(
            "From concurrency {} to {}{on} ({} the slots), the model's refreshes per day went from {} to {} ({})",
            a.concurrency,
            b.concurrency,
            ratio(b.concurrency / a.concurrency),
            thousands(a.refreshes_per_day),
            thousands(b.refreshes_per_day),
            ratio(b.refreshes_per_day / a.refreshes_per_day)
        );
        match (a.failure_rate, b.failure_rate) {
            (Some(fa), Some(fb)) if pct(fa) == pct(fb) => {
                let _ = write!(sentence, ", with a failure rate of {} throughout", pct(fa));
            }
            (Some(fa), Some(fb)) => {
                let _ = write!(
                    sentence,
                    ", and the failure rate from {} to {}",
                    pct(fa),
                    pct(fb)
                );
            }
            _ => {}
        }
        sentence.push('.');
        out.push(sentence);
        // The first step that gained less than 75 % of proportional growth.
        for w in g.windows(2) {
            let (x, y) = (w[0], w[1]);
            if x.refreshes_per_day <= 0.0 || x.concurrency <= 0.0 {
                continue;
            }
            let slots = y.concurrency / x.concurrency;
            let gain = y.refreshes_per_day / x.refreshes_per_day;
            if slots > 1.0 && (gain - 1.0) < 0.75 * (slots - 1.0) {
                out.push(format!(
                    "The curve bends{on} between concurrency {} and {}: {} the slots gave {} the refreshes per day.",
                    x.concurrency,
                    y.concurrency,
                    ratio(slots),
                    ratio(gain)
                ));
                break;
            }
        }
    }
    (!out.is_empty()).then(|| out.join(" "))
}

/// How many documented rows the model reproduced, and the range of deviations.
fn table_calibration_sentence(rows: &[inputs::TableLine]) -> Option<String> {
    let doc: Vec<&inputs::TableLine> = rows
        .iter()
        .filter(|r| r.documented_users_per_day.is_some_and(|d| d > 0.0))
        .collect();
    if doc.is_empty() {
        return None;
    }
    let devs: Vec<f64> = doc
        .iter()
        .map(|r| r.refreshes_per_day / r.documented_users_per_day.unwrap() - 1.0)
        .collect();
    let lo = devs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = devs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let tol = crate::vendor::TOLERANCE;
    let within = doc
        .iter()
        .filter(|r| r.within_tolerance == Some(true))
        .count();
    let marked = doc.iter().filter(|r| r.within_tolerance.is_some()).count();
    let mut s = format!(
        "The model's refreshes per day (a looping queue over a backlog, so each is a distinct user) were between {:+.1} % and {:+.1} % of the vendor's {} documented users per day",
        100.0 * lo,
        100.0 * hi,
        doc.len()
    );
    if marked == doc.len() {
        let _ = write!(
            s,
            "; {within} of {} rows were within ±{:.0} % on both refreshes per hour and per day",
            doc.len(),
            100.0 * tol
        );
    }
    s.push('.');
    Some(s)
}

/// Runs grouped by scenario (in order), only groups with at least two runs.
fn comparable(ds: &Dataset) -> Vec<(String, Vec<&RunData>)> {
    let mut groups: Vec<(String, Vec<&RunData>)> = Vec::new();
    for r in &ds.runs {
        let s = r.total().scenario.clone();
        match groups.iter_mut().find(|g| g.0 == s) {
            Some(g) => g.1.push(r),
            None => groups.push((s, vec![r])),
        }
    }
    groups.retain(|g| g.1.len() >= 2);
    groups
}

fn on_scenario(s: &str, show: bool) -> String {
    if show && !s.is_empty() {
        format!(" on {s}")
    } else {
        String::new()
    }
}

/// The bank with the lowest coverage, if there are several and they differ.
fn lowest_coverage_bank<'a>(banks: &[&'a inputs::SummaryLine]) -> Option<&'a inputs::SummaryLine> {
    let low = banks
        .iter()
        .min_by(|a, b| a.coverage.total_cmp(&b.coverage))?;
    let high = banks
        .iter()
        .max_by(|a, b| a.coverage.total_cmp(&b.coverage))?;
    (banks.len() > 1 && pct(low.coverage) != pct(high.coverage)).then_some(*low)
}

/// Which strategy failed least and which most.
fn failure_caption(ds: &Dataset) -> String {
    let groups = comparable(ds);
    let show = groups.len() > 1;
    let mut out = Vec::new();
    for (s, runs) in &groups {
        let best = runs
            .iter()
            .min_by(|a, b| a.total().failure_rate.total_cmp(&b.total().failure_rate))
            .unwrap();
        let worst = runs
            .iter()
            .max_by(|a, b| a.total().failure_rate.total_cmp(&b.total().failure_rate))
            .unwrap();
        let (fb, fw) = (best.total().failure_rate, worst.total().failure_rate);
        if pct(fb) == pct(fw) {
            out.push(format!(
                "All {} strategies{} had the same failure rate, {}.",
                runs.len(),
                on_scenario(s, show),
                pct(fb)
            ));
        } else {
            out.push(format!(
                "{}{} kept the failure rate at {} where {} reached {}.",
                capitalise(&best.label()),
                on_scenario(s, show),
                pct(fb),
                worst.label(),
                pct(fw)
            ));
        }
    }
    if let Some(rows) = &ds.table {
        if let Some(s) = table_failure_sentence(rows) {
            out.push(s);
        }
    }
    out.join(" ")
}

/// The smallest table concurrency with failures above 1 %, on the table's last scenario.
fn table_failure_sentence(rows: &[inputs::TableLine]) -> Option<String> {
    let first_failing = rows
        .iter()
        .filter(|r| r.failure_rate.is_some_and(|f| f > 0.01))
        .min_by(|a, b| a.concurrency.total_cmp(&b.concurrency))?;
    let clean: Vec<&inputs::TableLine> = rows
        .iter()
        .filter(|r| r.concurrency < first_failing.concurrency)
        .filter(|r| r.failure_rate.is_some_and(|f| f <= 0.01))
        .collect();
    let all_below_clean = rows
        .iter()
        .filter(|r| r.concurrency < first_failing.concurrency)
        .all(|r| r.failure_rate.is_some_and(|f| f <= 0.01));
    let mut s = format!(
        "In the vendor table rows, failures first exceeded 1 % at concurrency {} on {} ({})",
        first_failing.concurrency,
        first_failing.scenario,
        pct(first_failing.failure_rate.unwrap_or(0.0))
    );
    if let Some(top) = clean
        .iter()
        .filter(|_| all_below_clean)
        .max_by(|a, b| a.concurrency.total_cmp(&b.concurrency))
    {
        let _ = write!(
            s,
            "; up to concurrency {} on {} they stayed at or below 1 %",
            top.concurrency, top.scenario
        );
    }
    s.push('.');
    Some(s)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Coverage per strategy, the target, and the bank with the lowest coverage.
fn coverage_caption(ds: &Dataset) -> String {
    let groups = comparable(ds);
    let show = groups.len() > 1;
    let mut out = Vec::new();
    for (s, runs) in &groups {
        let mut sorted = runs.clone();
        sorted.sort_by(|a, b| b.total().coverage.total_cmp(&a.total().coverage));
        let parts: Vec<String> = sorted
            .iter()
            .map(|r| format!("{} {}", r.label(), pct(r.total().coverage)))
            .collect();
        let over = match measured_days(runs[0].total()) {
            Some(m) => format!(" (due connection-days refreshed that day, over {m})"),
            None => String::new(),
        };
        out.push(format!(
            "Coverage{}{over}: {}.",
            on_scenario(s, show),
            and_list(&parts)
        ));
        let meeting: Vec<String> = sorted
            .iter()
            .filter(|r| r.total().coverage >= COVERAGE_TARGET)
            .map(|r| r.label())
            .collect();
        if meeting.is_empty() {
            out.push(format!(
                "None reached the {:.0} % target; the closest was {}.",
                100.0 * COVERAGE_TARGET,
                sorted[0].label()
            ));
        } else {
            out.push(format!(
                "{} met the {:.0} % target.",
                capitalise(&and_list(&meeting)),
                100.0 * COVERAGE_TARGET
            ));
        }
        let best = sorted[0];
        let banks = best.banks();
        if let Some(low) = lowest_coverage_bank(&banks) {
            out.push(format!(
                "Under {}, {} had the lowest coverage, {}, with {} of its attempts failing.",
                best.label(),
                low.bank,
                pct(low.coverage),
                pct(low.failure_rate)
            ));
        }
    }
    if groups.is_empty() {
        if let Some(r) = ds.runs.first() {
            out.push(format!(
                "{} reached a coverage of {}.",
                capitalise(&r.label()),
                pct(r.total().coverage)
            ));
        }
    }
    out.join(" ")
}

/// The most 429s in one minute, per run.
fn busiest_sentence(runs: &[&RunData], several: bool) -> Option<String> {
    let parts: Vec<String> = runs
        .iter()
        .filter(|r| r.has_series)
        .map(|r| {
            let (_, b) = minute_series(r, None);
            let (m, v) = b.iter().enumerate().fold(
                (0, 0.0),
                |acc, (i, &v)| if v > acc.1 { (i, v) } else { acc },
            );
            if v > 0.0 {
                format!("{} {} ({})", run_name(r, several), thousands(v), when(r, m))
            } else {
                format!("{} none", run_name(r, several))
            }
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    Some(format!(
        "Most 429 responses in one minute: {}.",
        and_list(&parts)
    ))
}

/// The busiest minute at one bank, per run.
fn bank_sentence(runs: &[&RunData], bank: &str, several: bool) -> Option<String> {
    let parts: Vec<String> = runs
        .iter()
        .map(|r| {
            let (a, b) = minute_series(r, Some(bank));
            let busiest = a.iter().copied().fold(0.0, f64::max);
            let total: f64 = b.iter().sum();
            let n429 = if total > 0.0 {
                format!("{} 429s in all", thousands(total))
            } else {
                "no 429s".to_string()
            };
            // Peak in flight is the instantaneous maximum (summary.csv); the chart's curve
            // is of minute means, whose highest is lower.
            let peak = r
                .summary
                .iter()
                .find(|s| s.bank == bank)
                .map(|s| format!("peak in flight {}, ", thousands(s.peak_in_flight)))
                .unwrap_or_default();
            format!(
                "{}: {n429}, {peak}busiest minute's mean {:.1} calls in flight",
                run_name(r, several),
                busiest
            )
        })
        .collect();
    (!parts.is_empty()).then(|| format!("At {bank}: {}.", parts.join("; ")))
}

fn clock(minute: u32) -> String {
    let m = minute % 1440;
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// A data-age percentile: `14.1 h`, or `never refreshed` when it falls among connections
/// never refreshed.
fn age(h: f64) -> String {
    if h.is_infinite() {
        "never refreshed".into()
    } else {
        format!("{h:.1} h")
    }
}

/// `median data age 14.1 h, 95th percentile 23.4 h` and, for percentiles among connections
/// never refreshed, `the 99th percentile falls among connections never refreshed`.
fn percentiles_phrase(t: &inputs::SummaryLine) -> Option<String> {
    let ps = [
        ("median", t.staleness_p50_hours),
        ("95th", t.staleness_p95_hours),
        ("99th", t.staleness_p99_hours),
    ];
    let finite: Vec<String> = ps
        .iter()
        .filter_map(|(n, h)| {
            let h = h.filter(|h| h.is_finite())?;
            Some(if *n == "median" {
                format!("median data age {}", age(h))
            } else {
                format!("{n} percentile {}", age(h))
            })
        })
        .collect();
    let never: Vec<String> = ps
        .iter()
        .filter(|(_, h)| h.is_some_and(f64::is_infinite))
        .map(|(n, _)| n.to_string())
        .collect();
    let mut out = finite.join(", ");
    if !never.is_empty() {
        if !out.is_empty() {
            out.push_str(", while ");
        }
        let _ = write!(
            out,
            "the {} {} among connections never refreshed",
            and_list(&never),
            if never.len() == 1 {
                "percentile falls"
            } else {
                "percentiles fall"
            }
        );
    }
    (!out.is_empty()).then_some(out)
}

/// `older than 24 h for 16.40 % of connection-time (older than 48 h for 8.66 %; 6.54 %
/// never refreshed)`, for one bank (or `all`) of one run.
fn stale_phrase(r: &RunData, t: &inputs::SummaryLine, whose: &str) -> Option<String> {
    let s24 = t.stale_24h_share?;
    let mut s = format!(
        "older than 24 h for {} of {whose}connection-time",
        share(s24)
    );
    let mut more = Vec::new();
    if let Some(s48) = t.stale_48h_share {
        more.push(format!("older than 48 h for {}", share(s48)));
    }
    if r.has_staleness {
        let (_, never) = r.age_shares(&t.bank);
        more.push(format!("{} never refreshed", share(never)));
    }
    if !more.is_empty() {
        let _ = write!(s, " ({})", more.join("; "));
    }
    Some(s)
}

/// Per run: how much connection-time had data older than 24 h and 48 h, and the data age's
/// percentiles, over the measured time (every connection with valid consent counted).
fn staleness_sentence(runs: &[&RunData], several: bool) -> Option<String> {
    let parts: Vec<String> = runs
        .iter()
        .filter_map(|r| {
            let t = r.total();
            let who = format!("Under {}", run_name(r, several));
            Some(match (stale_phrase(r, t, ""), percentiles_phrase(t)) {
                (Some(a), Some(b)) => format!("{who}, data was {a}; {b}."),
                (Some(a), None) => format!("{who}, data was {a}."),
                (None, Some(b)) => format!("{who}, {b}."),
                (None, None) => return None,
            })
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// The bank of a run whose data was older than 24 h for the most connection-time.
fn stalest_bank_sentence(r: &RunData) -> Option<String> {
    let banks = r.banks();
    if banks.len() < 2 {
        return None;
    }
    let share = |b: &&&inputs::SummaryLine| b.stale_24h_share.unwrap_or(0.0);
    let with: Vec<&&inputs::SummaryLine> = banks
        .iter()
        .filter(|b| b.stale_24h_share.is_some())
        .collect();
    let worst = with.iter().max_by(|a, b| share(a).total_cmp(&share(b)))?;
    let best = with.iter().min_by(|a, b| share(a).total_cmp(&share(b)))?;
    if pct(worst.stale_24h_share?) == pct(best.stale_24h_share?) {
        return None;
    }
    Some(format!(
        "The stalest bank was {}, whose data was {}; at the freshest, {}, data was {}.",
        worst.bank,
        stale_phrase(r, worst, "its ")?,
        best.bank,
        stale_phrase(r, best, "its ")?
    ))
}

/// Per run, the data age at one bank.
fn bank_staleness_sentence(runs: &[&RunData], bank: &str, several: bool) -> Option<String> {
    let parts: Vec<String> = runs
        .iter()
        .filter_map(|r| {
            let t = r.summary.iter().find(|s| s.bank == bank)?;
            let mut s = format!(
                "under {}, data was {}",
                run_name(r, several),
                stale_phrase(r, t, "its ")?
            );
            if let Some(p) = percentiles_phrase(t) {
                let _ = write!(s, "; {p}");
            }
            Some(s)
        })
        .collect();
    (!parts.is_empty()).then(|| format!("At {bank}: {}.", parts.join("; ")))
}

/// The sweep point(s) with the best mean of `metric`: ties (equal means, as for a strategy
/// that ignores the swept parameter) are named by what they share.
fn sweep_best_sentence(sw: &SweepData, metric: &str, name: &str, lowest: bool) -> Option<String> {
    let with: Vec<&inputs::SweepPoint> = sw
        .points
        .iter()
        .filter(|p| p.metrics.contains_key(metric))
        .collect();
    let key = |p: &inputs::SweepPoint| {
        let m = p.metrics[metric].mean;
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
    let tied: Vec<&inputs::SweepPoint> = with
        .into_iter()
        .filter(|p| (key(p) - best_key).abs() <= tol)
        .collect();
    let st = tied[0].metrics[metric];
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
        "The {} mean {name} in the sweep, {}{ci}, {at}.",
        if lowest { "lowest" } else { "highest" },
        thousands(st.mean),
    ))
}

/// Parameter `i` at value `v` in a sentence: `strategy random offset`, `concurrency 64`,
/// `connections 200,000`.
fn param_value(sw: &SweepData, i: usize, v: &str) -> String {
    let names = param_names(&sw.params);
    let val = value_text(&sw.params[i], v);
    format!("{} {val}", names[i])
}

/// A point by the values of the parameters that vary (and apply to it): `strategy random
/// offset and connections 200,000`.
fn point_name(sw: &SweepData, p: &inputs::SweepPoint) -> String {
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
fn constant(pts: &[(f64, f64, Option<f64>)]) -> bool {
    pts.iter().all(|p| pct(p.1) == pct(pts[0].1))
}

/// Who a sentence about a series is about: `for queued with connections 100,000, `, `for
/// random offset, `, `with connections 100,000, `; empty for the only series of a sweep.
fn series_subject(s: &SweepSeries, only: bool) -> String {
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
fn flat_subject(s: &SweepSeries) -> String {
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
fn about(who: &str, sentence: &str) -> String {
    capitalise(&format!("{who}{sentence}"))
}

/// For each series against `x`: where the mean of a share metric starts and ends. A
/// strategy without a concurrency on a concurrency axis has one value, said as such.
fn sweep_range_sentence(sw: &SweepData, x: usize, metric: &str, name: &str) -> Option<String> {
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
            out.push(about(
                &who,
                &format!(
                    "the mean {name} went from {} at {xname} {} to {} at {}.",
                    pct(a.1),
                    thousands(a.0),
                    pct(b.1),
                    thousands(b.0)
                ),
            ));
        }
    }
    (!out.is_empty()).then(|| out.join(" "))
}

/// For each series against `x`: the smallest x whose mean coverage met the target.
fn sweep_target_sentence(sw: &SweepData, x: usize) -> Option<String> {
    let name = param_names(&sw.params)[x].clone();
    let target = format!("{:.0} %", 100.0 * COVERAGE_TARGET);
    let set = sweep_series(sw, x, "coverage");
    let only = set.series.len() == 1;
    let mut out = Vec::new();
    for s in &set.series {
        let pts = &s.pts;
        let Some(first) = pts.first() else { continue };
        let who = series_subject(s, only);
        if s.flat {
            // The same runs at every concurrency: no concurrency "reaches" the target.
            let m = first.1;
            out.push(format!(
                "{} has no concurrency limit: its mean coverage was {} at every {name}, {} the {target} target.",
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
                    "the largest user base in the sweep with a mean coverage of at least {target} was {} connections ({}).",
                    thousands(xv),
                    pct(m)
                ),
                None => format!(
                    "no user base in the sweep reached {target} coverage; at the smallest, {} connections, the mean was {}.",
                    thousands(first.0),
                    pct(first.1)
                ),
            };
            out.push(about(&who, &sentence));
            continue;
        }
        let sentence = match pts.iter().find(|p| p.1 >= COVERAGE_TARGET) {
            Some(&(xv, m, ci)) => format!(
                "the smallest {name} whose mean coverage reached {target} was {} ({}{}).",
                thousands(xv),
                pct(m),
                ci.filter(|c| *c > 0.0)
                    .map(|c| format!(" ± {}", pct(c)))
                    .unwrap_or_default()
            ),
            None if pts.len() > 1 && constant(pts) => format!(
                "mean coverage was {} at every {name} in the sweep, below the {target} target.",
                pct(first.1),
            ),
            None => match pts.iter().max_by(|a, b| a.1.total_cmp(&b.1)) {
                Some(&(xv, m, _)) => format!(
                    "no {name} in the sweep reached {target} coverage; the best mean was {} at {}.",
                    pct(m),
                    thousands(xv)
                ),
                None => continue,
            },
        };
        out.push(about(&who, &sentence));
    }
    (!out.is_empty()).then(|| out.join(" "))
}

// ---------------------------------------------------------------------------------------
// report.md
// ---------------------------------------------------------------------------------------

/// The scenario(s) in a paragraph, from what the files record.
fn scenario_paragraph(ds: &Dataset) -> String {
    let mut out = Vec::new();
    if let Some(r) = ds.runs.first() {
        let t = r.total();
        let banks = r.banks();
        let total = t.connections;
        let bank_part = if banks.len() > 1 && total > 0.0 {
            let parts: Vec<String> = banks
                .iter()
                .map(|b| format!("{} {:.1} %", b.bank, 100.0 * b.connections / total))
                .collect();
            format!(" at {} banks ({})", banks.len(), parts.join(", "))
        } else if let [b] = banks[..] {
            format!(" at one bank ({})", b.bank)
        } else {
            String::new()
        };
        let length = |h: f64| {
            let days = h / 24.0;
            if h > 24.0 && (days - days.round()).abs() < 1e-9 {
                format!("{days:.0}-day ({})", hours(h))
            } else {
                hours(h)
            }
        };
        let window = match (t.window_hours, r.start_minute_of_day) {
            (Some(h), Some(s)) => {
                format!(", refreshed in a {} window from {}", length(h), clock(s))
            }
            (Some(h), None) => format!(", refreshed in a {} window", length(h)),
            _ => String::new(),
        };
        let name = if t.scenario.is_empty() {
            "The scenario".to_string()
        } else {
            format!("Scenario `{}`", t.scenario)
        };
        let mut s = format!(
            "{name}: {} connections{bank_part}{window}",
            thousands(total)
        );
        if let Some(seed) = t.seed {
            let _ = write!(s, ", seed {seed}");
        }
        s.push('.');
        if let Some(m) = measured_days(t) {
            let warm = match warmup_days(r) {
                Some(w) => format!(
                    " ({w} and {} left out)",
                    if w.starts_with("days") { "are" } else { "is" }
                ),
                None => String::new(),
            };
            // Every day of daily.csv measured: there was no warm-up to leave out.
            let days = r.daily_totals();
            let age_over = if !days.is_empty() && days.iter().all(|d| d.measured) {
                "the whole window"
            } else {
                "the time after the warm-up"
            };
            let _ = write!(
                s,
                " Per-day figures (users per day, coverage) are averages over {m}{warm}; data age is over {age_over}."
            );
        }
        if let Some(e) = t.eligible.filter(|e| *e > 0.0) {
            let _ = write!(
                s,
                " Coverage counts a connection on each day its consent is valid through the day's end: {} connection-days were due.",
                thousands(e)
            );
        }
        let labels: Vec<String> = ds.runs.iter().map(|r| r.label()).collect();
        if ds.runs.len() > 1 {
            let scen = scenarios_of(&ds.runs.iter().collect::<Vec<_>>());
            let _ = write!(
                s,
                " Strategies compared{}: {}.",
                if scen.len() > 1 {
                    format!(" across {}", and_list(&scen))
                } else {
                    String::new()
                },
                and_list(&labels)
            );
        } else {
            let _ = write!(s, " Strategy: {}.", labels[0]);
        }
        out.push(s);
    }
    if let Some(rows) = &ds.table {
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for r in rows {
            let c = format!("{}", r.concurrency);
            match groups.iter_mut().find(|g| g.0 == r.scenario) {
                Some(g) => g.1.push(c),
                None => groups.push((r.scenario.clone(), vec![c])),
            }
        }
        let parts: Vec<String> = groups
            .iter()
            .map(|(s, cs)| format!("concurrency {} on `{s}`", and_list(cs)))
            .collect();
        out.push(format!(
            "The vendor sizing table was run with a looping queue at {}; each row's population is a backlog the window cannot clear, so it measures throughput: the model's figure is refreshes per day, set beside the vendor's users per day.",
            and_list(&parts)
        ));
    }
    if let Some(sw) = &ds.sweep {
        out.push(sweep_paragraph(sw));
    }
    out.join("\n\n")
}

/// What a sweep ran: its scenario, population, window and seeds (from `sweep.csv`), and
/// its points.
fn sweep_paragraph(sw: &SweepData) -> String {
    let c = &sw.context;
    let varied: Vec<String> = (0..sw.params.len())
        .filter(|&i| sw.values(i).len() > 1)
        .map(|i| {
            let vals: Vec<String> = sw
                .values(i)
                .iter()
                .map(|v| value_text(&sw.params[i], v))
                .collect();
            format!("`{}` over {}", sw.params[i], and_list(&vals))
        })
        .collect();
    let reps = match sweep_reps(sw) {
        Some(r) => format!(", {r} replication{} each", if r == 1 { "" } else { "s" }),
        None => String::new(),
    };
    let mut s = match &c.scenarios[..] {
        [] => "The sweep".to_string(),
        [one] => format!("A sweep of scenario `{one}`"),
        many => format!(
            "A sweep of scenarios {}",
            and_list(&many.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>())
        ),
    };
    let _ = write!(
        s,
        " has {} point{}{reps}{}.",
        sw.points.len(),
        if sw.points.len() == 1 { "" } else { "s" },
        if varied.is_empty() {
            String::new()
        } else {
            format!(", varying {}", and_list(&varied))
        }
    );
    // The population, unless the sweep varies it (then it was just listed).
    let population = if sw
        .param("connections")
        .is_some_and(|i| sw.values(i).len() > 1)
    {
        None
    } else {
        connections_phrase(&c.connections)
    };
    let measured = match c.measured_days[..] {
        [m] => Some(m),
        _ => None,
    };
    let windows: Vec<String> = c
        .window_hours
        .iter()
        .map(|&h| format!("a {}", window_phrase(h, measured)))
        .collect();
    match (population, windows.is_empty()) {
        (Some(p), false) => {
            let _ = write!(s, " Every run plays {p} over {}.", and_list(&windows));
        }
        (Some(p), true) => {
            let _ = write!(s, " Every run plays {p}.");
        }
        (None, false) => {
            let _ = write!(s, " Every run plays {}.", and_list(&windows));
        }
        (None, true) => {}
    }
    if let Some(m) = measured.map(|m| m.round() as u64) {
        let warm_up = match c.window_hours[..] {
            [h] => h / 24.0 > m as f64 + 1e-9,
            _ => false,
        };
        let _ = write!(
            s,
            " Per-day figures (users per day, coverage) are averages over the {}{}.",
            if m == 1 {
                "one measured day".to_string()
            } else {
                format!("{m} measured days")
            },
            if warm_up { " after the warm-up" } else { "" }
        );
    }
    match &c.base_seeds[..] {
        [] => s.push_str(" The seeds are not recorded: only the sweep's rows hold them."),
        [one] => {
            let _ = write!(
                s,
                " Base seed {one}: replication 0 runs with it and replication r with a seed derived from it and r, at every point."
            );
        }
        many => {
            let _ = write!(
                s,
                " Base seeds {}: replication 0 of a point runs with its point's and replication r with a seed derived from it and r.",
                and_list(&many.iter().map(u64::to_string).collect::<Vec<_>>())
            );
        }
    }
    s
}

/// How many days the per-day figures of a run average over: `the 3 measured days` (whole
/// days after the warm-up; a window shorter than a day counts its one partial day).
fn measured_days(t: &inputs::SummaryLine) -> Option<String> {
    let n = t.measured_days.filter(|d| *d > 0.0)?.round() as u64;
    Some(if n == 1 {
        "the one measured day".into()
    } else {
        format!("the {n} measured days")
    })
}

/// What the run tables' columns mean.
fn results_note(ds: &Dataset) -> String {
    let mut notes: Vec<String> = Vec::new();
    for r in &ds.runs {
        if let Some(n) = measured_days(r.total()) {
            if !notes.contains(&n) {
                notes.push(n);
            }
        }
    }
    let over = match &notes[..] {
        [] => "the measured days".to_string(),
        [one] => one.clone(),
        _ => "each run's measured days".to_string(),
    };
    format!(
        "All banks together. Users/day and coverage are per-day averages over {over} (after the \
         warm-up): users/day counts the connections refreshed each day, coverage the share of \
         due connection-days (consent valid through the day's end) refreshed that day. Data age \
         is time-weighted over the measured time, every connection with valid consent counted \
         (one never refreshed is older than any age): the percentiles are of connection-time \
         (`never refreshed` when one falls among connections never refreshed), and \
         \"older than 24 h / 48 h\" is the share of connection-time with data that old."
    )
}

/// Per day, all banks: users, coverage and 429s, for runs whose daily.csv has more than
/// one measured day.
fn daily_table(ds: &Dataset) -> Option<String> {
    let runs: Vec<&RunData> = ds
        .runs
        .iter()
        .filter(|r| r.daily_totals().iter().filter(|d| d.measured).count() > 1)
        .collect();
    if runs.is_empty() {
        return None;
    }
    let several = scenarios_of(&runs).len() > 1;
    let mut s = String::from(
        "Per day, all banks (days of 24 h from the window's start, as in daily.csv; a day \
         holding the warm-up is not in the per-day averages):\n\n",
    );
    if runs.len() > 1 {
        s.push_str("| Strategy | Day | Users | Coverage | 429s |\n|---|---|---:|---:|---:|\n");
    } else {
        s.push_str("| Day | Users | Coverage | 429s |\n|---|---:|---:|---:|\n");
    }
    for r in &runs {
        for d in r.daily_totals() {
            let day = if d.measured {
                d.day.to_string()
            } else {
                format!("{} (warm-up day)", d.day)
            };
            let who = if runs.len() > 1 {
                format!("| {} ", cell(&run_name(r, several)))
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "{who}| {day} | {} | {} | {} |",
                thousands(d.users),
                pct(d.coverage),
                thousands(d.rate_limited)
            );
        }
    }
    Some(s)
}

fn runs_table(ds: &Dataset) -> String {
    let several = scenarios_of(&ds.runs.iter().collect::<Vec<_>>()).len() > 1;
    let mut s = String::from(
        "| Strategy | Attempts | Successes | 429s | Errors | Failure rate | Coverage | Users/day | Peak in flight | Data age p50 / p95 / p99 | Data older than 24 h / 48 h |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in &ds.runs {
        let t = r.total();
        let ages = match (
            t.staleness_p50_hours,
            t.staleness_p95_hours,
            t.staleness_p99_hours,
        ) {
            (Some(a), Some(b), Some(c)) => format!("{} / {} / {}", age(a), age(b), age(c)),
            (Some(a), Some(b), None) => format!("{} / {} / —", age(a), age(b)),
            _ => "—".into(),
        };
        let stale = match (t.stale_24h_share, t.stale_48h_share) {
            (Some(a), Some(b)) => format!("{} / {}", pct(a), pct(b)),
            _ => "—".into(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&run_name(r, several)),
            thousands(t.attempts),
            thousands(t.successes),
            thousands(t.rate_limited),
            thousands(t.errors),
            pct(t.failure_rate),
            pct(t.coverage),
            thousands(t.users_per_day),
            thousands(t.peak_in_flight),
            ages,
            stale
        );
    }
    s
}

/// Coverage and failure rate by bank (rows) and run (columns).
fn bank_table(ds: &Dataset) -> Option<String> {
    let first = ds.runs.first()?;
    let banks = first.bank_names();
    if banks.len() < 2 {
        return None;
    }
    let several = scenarios_of(&ds.runs.iter().collect::<Vec<_>>()).len() > 1;
    let mut s = String::from("| Bank |");
    for r in &ds.runs {
        let _ = write!(s, " {} |", cell(&run_name(r, several)));
    }
    s.push_str("\n|---|");
    for _ in &ds.runs {
        s.push_str("---:|");
    }
    s.push('\n');
    for b in &banks {
        let _ = write!(s, "| {} |", cell(b));
        for r in &ds.runs {
            match r.summary.iter().find(|x| &x.bank == b) {
                Some(x) => {
                    let _ = write!(s, " {} / {} |", pct(x.coverage), pct(x.failure_rate));
                }
                None => s.push_str(" — |"),
            }
        }
        s.push('\n');
    }
    Some(s)
}

fn table_from_csv(rows: &[inputs::TableLine]) -> String {
    let mut s = String::from(
        "| Concurrency | Scenario | Refreshes/h | Refreshes/day (model) | Users/day (documented) | Failure rate |\n\
         |---:|---|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            r.concurrency,
            cell(&r.scenario),
            thousands(r.refreshes_per_hour),
            thousands(r.refreshes_per_day),
            r.documented_users_per_day
                .map(|d| format!("~{}", thousands(d)))
                .unwrap_or_else(|| "—".into()),
            r.failure_rate.map(pct).unwrap_or_else(|| "—".into())
        );
    }
    s
}

const MAX_SWEEP_ROWS: usize = 60;

fn sweep_table(sw: &SweepData) -> String {
    let metrics: Vec<&str> = ["users_per_day", "failure_rate", "coverage"]
        .into_iter()
        .filter(|m| sw.has_metric(m))
        .collect();
    let mut s = String::from("|");
    for p in &sw.params {
        let _ = write!(s, " {} |", cell(p));
    }
    for m in &metrics {
        let _ = write!(s, " {} (mean ± 95 % CI) |", m.replace('_', " "));
    }
    s.push_str(" Replications |\n|");
    for _ in &sw.params {
        s.push_str("---|");
    }
    for _ in &metrics {
        s.push_str("---:|");
    }
    s.push_str("---:|\n");
    for p in sw.points.iter().take(MAX_SWEEP_ROWS) {
        s.push('|');
        for (name, v) in sw.params.iter().zip(&p.params) {
            let _ = write!(s, " {} |", cell(&value_text(name, v)));
        }
        for m in &metrics {
            let txt = match p.metrics.get(*m) {
                Some(st) => {
                    let (mean, ci) = if *m == "users_per_day" {
                        (thousands(st.mean), st.ci95.map(thousands))
                    } else {
                        (pct(st.mean), st.ci95.map(pct))
                    };
                    match ci {
                        Some(c) => format!("{mean} ± {c}"),
                        None => mean,
                    }
                }
                None => "—".into(),
            };
            let _ = write!(s, " {txt} |");
        }
        let _ = writeln!(
            s,
            " {} |",
            p.replications
                .map(|r| r.to_string())
                .unwrap_or_else(|| "—".into())
        );
    }
    if sw.points.len() > MAX_SWEEP_ROWS {
        let _ = writeln!(
            s,
            "\nThe first {MAX_SWEEP_ROWS} of {} points; all are in {}.",
            sw.points.len(),
            sw.source
        );
    }
    s
}

/// The files the report was built from (all exist: they were just read).
fn sources(ds: &Dataset) -> Vec<String> {
    let mut v = Vec::new();
    let root = &ds.root;
    for f in [
        "table.csv",
        "table.md",
        "compare.csv",
        "sweep.csv",
        "sweep_summary.csv",
    ] {
        if root.join(f).is_file() {
            v.push(format!("`{f}`"));
        }
    }
    for r in &ds.runs {
        if let Some(rel) = &r.rel_dir {
            for f in [
                "summary.csv",
                "daily.csv",
                "timeseries.csv",
                "staleness.csv",
            ] {
                let p = rel.join(f);
                if root.join(&p).is_file() {
                    v.push(format!("`{}`", p.to_string_lossy().replace('\\', "/")));
                }
            }
        }
    }
    v
}

/// The whole of `report.md`.
pub fn markdown(ds: &Dataset, plan: &ChartPlan) -> String {
    let mut s = String::new();
    let name = ds
        .root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| ds.root.display().to_string());
    let _ = writeln!(s, "# refresh-sim report: {name}\n");
    let _ = writeln!(s, "## Scenario\n\n{}\n", scenario_paragraph(ds));

    // Findings: every sentence computed from the data.
    let mut findings: Vec<String> = Vec::new();
    if let Some(rows) = &ds.table {
        findings.extend(table_calibration_sentence(rows));
        findings.extend(table_growth_sentence(rows));
    }
    findings.push(failure_caption(ds));
    if !comparable(ds).is_empty() {
        findings.push(coverage_caption(ds));
    } else if let Some(r) = ds.runs.first() {
        let t = r.total();
        findings.push(format!(
            "{} had a failure rate of {}, a coverage of {} and {} users refreshed per day ({}).",
            capitalise(&r.label()),
            pct(t.failure_rate),
            pct(t.coverage),
            thousands(t.users_per_day),
            match measured_days(t) {
                Some(m) => format!("per-day averages over {m}"),
                None => "per-day averages".into(),
            }
        ));
        if let Some(low) = lowest_coverage_bank(&r.banks()) {
            findings.push(format!(
                "Of its {} banks, {} had the lowest coverage, {}, with {} of its attempts failing.",
                r.banks().len(),
                low.bank,
                pct(low.coverage),
                pct(low.failure_rate)
            ));
        }
    }
    let runs: Vec<&RunData> = ds.runs.iter().collect();
    let several = scenarios_of(&runs).len() > 1;
    findings.extend(busiest_sentence(&runs, several));
    let stale: Vec<&RunData> = runs.iter().copied().filter(|r| r.has_staleness).collect();
    findings.extend(staleness_sentence(&stale, several));
    if let [r] = stale[..] {
        findings.extend(stalest_bank_sentence(r));
    }
    if let Some(sw) = &ds.sweep {
        findings.extend(sweep_best_sentence(
            sw,
            "users_per_day",
            "users per day",
            false,
        ));
        findings.extend(sweep_caption(ds, "failure_rate", "failure rate"));
        if let Some(x) = sw.param("concurrency").or_else(|| sw.param("connections")) {
            if sw.has_metric("coverage") {
                findings.extend(sweep_target_sentence(sw, x));
            }
        }
    }
    findings.retain(|f| !f.is_empty());
    if !findings.is_empty() {
        s.push_str("## Key findings\n\n");
        for f in &findings {
            let _ = writeln!(s, "- {f}");
        }
        s.push('\n');
    }

    if let Some(rows) = &ds.table {
        s.push_str("## Vendor sizing table\n\n");
        let md = if ds.table_md {
            std::fs::read_to_string(ds.root.join("table.md")).ok()
        } else {
            None
        };
        match md {
            Some(md) => {
                s.push_str(md.trim_end());
                s.push_str("\n\n(From `table.md`.)\n\n");
            }
            None => {
                s.push_str(&table_from_csv(rows));
                s.push('\n');
            }
        }
    }
    if !ds.runs.is_empty() {
        s.push_str(if ds.runs.len() > 1 {
            "## Strategies compared\n\n"
        } else {
            "## Results\n\n"
        });
        let _ = writeln!(s, "{}\n", results_note(ds));
        s.push_str(&runs_table(ds));
        s.push('\n');
        if let Some(t) = bank_table(ds) {
            s.push_str("Coverage / failure rate by bank:\n\n");
            s.push_str(&t);
            s.push('\n');
        }
        if let Some(t) = daily_table(ds) {
            s.push_str(&t);
            s.push('\n');
        }
    }
    if let Some(sw) = &ds.sweep {
        let _ = writeln!(
            s,
            "## Sweep\n\nPoints from `{}`. Users per day and coverage are per-day averages over \
             each run's measured days (after the warm-up), then means over the replications.\n",
            sw.source
        );
        s.push_str(&sweep_table(sw));
        s.push('\n');
    }

    if !plan.charts.is_empty() {
        s.push_str("## Charts\n\nEach chart is in `charts/` as PNG (shown) and SVG.\n\n");
        let mut bank_header = false;
        let ordered = plan
            .charts
            .iter()
            .filter(|p| !p.per_bank)
            .chain(plan.charts.iter().filter(|p| p.per_bank));
        for p in ordered {
            if p.per_bank && !bank_header {
                s.push_str("### Per bank\n\n");
                bank_header = true;
            }
            let title = p.chart.title();
            let hashes = if p.per_bank { "####" } else { "###" };
            let _ = writeln!(s, "{hashes} {title}\n");
            let _ = writeln!(s, "![{title}](charts/{}.png)\n", p.stem);
            if !p.caption.is_empty() {
                let _ = writeln!(s, "{}\n", p.caption);
            }
            let _ = writeln!(s, "SVG: [charts/{0}.svg](charts/{0}.svg)\n", p.stem);
        }
    }
    if !plan.skipped.is_empty() {
        s.push_str("## Charts not drawn\n\n");
        for k in &plan.skipped {
            let _ = writeln!(s, "- {}: {}.", capitalise(k.chart), k.why);
        }
        s.push('\n');
    }
    let src = sources(ds);
    if !src.is_empty() {
        let _ = writeln!(
            s,
            "## Data\n\nThis report was computed from {}.",
            and_list(&src)
        );
    }
    s
}
