//! Staleness: the share of connection-time by age of data, per bank.

use crate::output::text::pct;
use crate::report::charts::{
    palette, Chart, ChartAxis, Dash, Format, Line, Look, Marker, Scale, XyChart,
};
use crate::report::dataset::{Dataset, RunData};
use crate::report::figures::{
    group_look, on_scenario, run_looks, run_name, scenarios_of, ChartPlan, Planned, Skipped,
    MAX_SERIES, STALENESS,
};
use crate::report::findings::{bank_staleness_sentence, staleness_sentence, stalest_bank_sentence};
use crate::report::phrases::{distinct, runs_provenance, slug, subtitle};

/// The width of the age bins of a staleness chart whose oldest data is `max_minutes` old:
/// at most about 100 bins.
pub(crate) fn age_bin(max_minutes: usize) -> usize {
    [1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440]
        .into_iter()
        .find(|b| max_minutes / b <= 100)
        .unwrap_or(1440)
}

/// `1 hour`, `15 minutes`, `2 hours`: a bin width.
pub(crate) fn bin_name(bin: usize) -> String {
    match bin {
        1 => "1 minute".into(),
        60 => "1 hour".into(),
        b if b % 60 == 0 => format!("{} hours", b / 60),
        b => format!("{b} minutes"),
    }
}

/// Ages drawn in a run's staleness charts, in minutes: those its histogram resolves (its
/// `age_horizon_hours`; eight days for files written before it was recorded). Older data is
/// counted together in staleness.csv's last row: not drawn, its share in the legend.
pub(crate) fn age_drawn_minutes(r: &RunData) -> usize {
    match r.total().age_horizon_hours {
        h if h > 0.0 => (h * 60.0).round() as usize,
        _ => 8 * 1440,
    }
}

/// `8 days`, `36 h`, `90 minutes`: the age past which a run's data is not drawn.
fn drawn_words(minutes: usize) -> String {
    match (minutes % 1440, minutes % 60) {
        (0, _) => format!("{} days", minutes / 1440),
        (_, 0) => format!("{} h", minutes / 60),
        _ => format!("{minutes} minutes"),
    }
}

/// Data age of one run at `bank` (`all`: every bank) over connection-time, as the outline
/// of a histogram with bins of `bin` minutes: `(age in hours, share of connection-time in
/// the bin per hour of bin width)`, a density whose unit does not depend on the bins; the
/// share of connection-time never refreshed and the share with data as old as the histogram
/// resolves or older ([`age_drawn_minutes`]; neither drawn).
pub(crate) fn age_histogram(r: &RunData, bank: &str, bin: usize) -> (Vec<(f64, f64)>, f64, f64) {
    let (ages, never) = r.age_shares(bank);
    let edge = age_drawn_minutes(r);
    let older: f64 = ages.iter().filter(|a| a.0 >= edge).map(|a| a.1).sum();
    let ages: Vec<(usize, f64)> = ages.into_iter().filter(|a| a.0 < edge).collect();
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
pub(crate) fn oldest_minutes(runs: &[&RunData]) -> usize {
    let drawn = |r: &RunData| {
        let edge = age_drawn_minutes(r);
        (r.staleness.iter())
            .filter(|a| a.share > 0.0)
            .filter_map(|a| a.age_minutes)
            .filter(|&m| m < edge)
            .max()
    };
    runs.iter().filter_map(|r| drawn(r)).max().unwrap_or(0)
}

/// A share as a percentage, `< 0.01 %` rather than `0.00 %` when it is not zero.
pub(crate) fn share(x: f64) -> String {
    if x > 0.0 && x < 0.00005 {
        "< 0.01 %".into()
    } else {
        pct(x)
    }
}

/// `building-society (never refreshed: 39.98 %)`, with `; 8 days or older: 1.20 %` when
/// some data was older than the chart draws (`drawn`, in minutes).
pub(crate) fn with_never(name: &str, never: f64, older: f64, drawn: usize) -> String {
    if older > 0.0 {
        format!(
            "{name} (never refreshed: {}; {} or older, not drawn: {})",
            share(never),
            drawn_words(drawn),
            share(older)
        )
    } else {
        format!("{name} (never refreshed: {})", share(never))
    }
}

/// What a staleness chart shows, for its subtitle: over which time, in bins of what width.
fn age_what(runs: &[&RunData], bin: usize) -> String {
    let no_warmup = runs.iter().all(|r| {
        let days = r.daily_totals();
        !days.is_empty() && days.iter().all(|d| d.measured)
    });
    format!(
        "share of connection-time (consent valid, {}) at each age of data, in bins of {}, \
         each drawn as its share per hour of age",
        if no_warmup {
            "over the whole window"
        } else {
            "after the warm-up"
        },
        bin_name(bin)
    )
}

/// A staleness chart: share of connection-time against the age of data, up to `max_h` hours.
fn age_chart(
    title: String,
    what: &str,
    source: &Option<String>,
    max_h: f64,
    lines: Vec<Line>,
) -> Chart {
    Chart::Xy(XyChart {
        title,
        subtitle: Some(subtitle(what, [source.clone()])),
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
}

/// What the staleness charts of some runs share: the bins, the hours drawn, the subtitle,
/// the scenario in titles.
struct AgeFrame {
    bin: usize,
    max_h: f64,
    what: String,
    source: Option<String>,
    /// ` on <scenario>` when the runs share one.
    on: String,
    /// The runs are of several scenarios.
    several: bool,
}

impl AgeFrame {
    /// The frame of the staleness charts of `runs`.
    fn of(runs: &[&RunData]) -> AgeFrame {
        let scen = scenarios_of(runs);
        let bin = age_bin(oldest_minutes(runs).max(1));
        AgeFrame {
            bin,
            max_h: ((oldest_minutes(runs) / bin + 1) * bin) as f64 / 60.0,
            what: age_what(runs, bin),
            source: runs_provenance(runs),
            on: on_scenario(&scen),
            several: scen.len() > 1,
        }
    }

    /// A staleness chart of these runs.
    fn chart(&self, title: String, lines: Vec<Line>) -> Chart {
        age_chart(title, &self.what, &self.source, self.max_h, lines)
    }
}

/// The lines of one run's staleness chart: all banks, then each of `banks`.
fn one_run_age_lines(r: &RunData, banks: &[String], bin: usize) -> Vec<Line> {
    let (pts, never, older) = age_histogram(r, "all", bin);
    let mut all = Line::new(
        with_never("all banks", never, older, age_drawn_minutes(r)),
        Look::new(palette::BLACK, Dash::Solid, Marker::None),
        pts,
    );
    all.front = true;
    let mut lines = vec![all];
    if r.banks().len() > 1 {
        for (i, b) in banks.iter().enumerate() {
            let (pts, never, older) = age_histogram(r, b, bin);
            let label = with_never(b, never, older, age_drawn_minutes(r));
            lines.push(Line::new(label, group_look(i), pts));
        }
    }
    lines
}

/// One run's staleness chart: all banks and each of its banks together.
fn one_run_staleness(r: &RunData, f: &AgeFrame) -> Planned {
    let drawn = r.stalest(&r.bank_names(), MAX_SERIES - 1);
    let lines = one_run_age_lines(r, &drawn, f.bin);
    let mut caption: Vec<String> = staleness_sentence(&[r], f.several).into_iter().collect();
    caption.extend(stalest_bank_sentence(r));
    let all = r.banks().len();
    if drawn.len() < all {
        caption.push(format!(
            "The chart draws the {} banks of {all} whose customers most often find data a \
             day old, or none.",
            drawn.len()
        ));
    }
    Planned {
        stem: STALENESS.into(),
        chart: f.chart(
            format!("Data age over connection-time: {}{}", r.label(), f.on),
            lines,
        ),
        caption: caption.join(" "),
        per_bank: false,
    }
}

/// One line per run (in `looks`), all banks together (`bank` `all`) or at one bank.
fn run_age_lines(runs: &[&RunData], looks: &[Look], bank: &str, f: &AgeFrame) -> Vec<Line> {
    runs.iter()
        .zip(looks)
        .map(|(r, look)| {
            let (pts, never, older) = age_histogram(r, bank, f.bin);
            Line::new(
                with_never(&run_name(r, f.several), never, older, age_drawn_minutes(r)),
                *look,
                pts,
            )
        })
        .collect()
}

/// The staleness charts of several runs: all banks together, then one per bank.
fn runs_staleness(runs: &[&RunData], f: &AgeFrame, p: &mut ChartPlan) {
    let looks = run_looks(
        &runs
            .iter()
            .map(|r| r.total().strategy.clone())
            .collect::<Vec<_>>(),
    );
    let per = if distinct(runs.iter().map(|r| &r.total().strategy)).len() == runs.len() {
        ", per strategy"
    } else {
        ", per run"
    };
    p.charts.push(Planned {
        stem: STALENESS.into(),
        chart: f.chart(
            format!("Data age over connection-time{per}{}", f.on),
            run_age_lines(runs, &looks, "all", f),
        ),
        caption: staleness_sentence(runs, f.several).unwrap_or_default(),
        per_bank: false,
    });
    let banks = runs[0].bank_names();
    if banks.len() > 1 {
        for bank in &banks {
            p.charts.push(Planned {
                stem: format!("{STALENESS}_{}", slug(bank)),
                chart: f.chart(
                    format!("Data age at {bank}{}", f.on),
                    run_age_lines(runs, &looks, bank, f),
                ),
                caption: bank_staleness_sentence(runs, bank, f.several).unwrap_or_default(),
                per_bank: true,
            });
        }
    }
}

/// Plans the staleness charts: data age over connection-time, of each run and at each bank.
pub(crate) fn staleness_chart(ds: &Dataset, p: &mut ChartPlan) {
    let runs: Vec<&RunData> = ds
        .runs
        .iter()
        .filter(|r| r.has_staleness && !r.staleness.is_empty() && r.total().connections > 0)
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
    let f = AgeFrame::of(runs);
    match runs {
        [r] => p.charts.push(one_run_staleness(r, &f)),
        _ => runs_staleness(runs, &f, p),
    }
}
