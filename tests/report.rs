//! Charts and `report.md`: every chart renders to SVG (well-formed XML) and PNG (the
//! expected size, not blank) for a run, for the default experiment's layout, for sweeps and
//! for paired comparisons;
//! `report.md` names only files that exist; degenerate data renders without panicking; the
//! `report` command works end to end and rejects what it cannot read.

use refresh_sim::metric::Metric;
use refresh_sim::output::paired::{self, PairedRow};
use refresh_sim::output::staleness::AgeRow;
use refresh_sim::output::summary::SummaryRow;
use refresh_sim::output::sweep::{self as files, PointRow, SweepRow};
use refresh_sim::output::table::TableRow;
use refresh_sim::output::timeseries::MinuteRow;
use refresh_sim::output::{self, text::pct, text::thousands};
use refresh_sim::report::charts::{
    self, cycle_look, Chart, ChartAxis, DayChart, DayRow, Format, Line, RefLine, Scale, XyChart,
};
use refresh_sim::report::{self as markdown, dataset as inputs, plan};
use refresh_sim::{scenario, sim};
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_refresh-sim");

fn uk_mix() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/uk-mix.toml")
}

/// Runs uk-mix with a small population and `kind`, writing the run's CSVs into `dir`;
/// returns its summary rows.
fn write_small_run(dir: &Path, kind: &str) -> Vec<SummaryRow> {
    let sc = scenario::load(
        &uk_mix(),
        &[
            format!("strategy.kind={kind}"),
            "strategy.concurrency=16".into(),
            "population.connections=3000".into(),
        ],
    )
    .unwrap();
    let result = sim::run(&sc, 7);
    output::write_run(dir, &result).unwrap();
    SummaryRow::of_run(&result)
}

/// The default experiment's layout: table.csv, compare.csv and `<scenario>/<strategy>/`.
fn write_default_like(dir: &Path) {
    let mut compare = Vec::new();
    for kind in ["bulk", "queued", "random_offset"] {
        compare.extend(write_small_run(&dir.join("uk-mix").join(kind), kind));
    }
    std::fs::write(dir.join("compare.csv"), output::to_csv(&compare).unwrap()).unwrap();
    let table: Vec<TableRow> = [
        (1, 304.0, 7297.0, Some((300.0, 7000.0)), 0.0, 150_000),
        (2, 602.8, 14468.0, Some((600.0, 15000.0)), 0.0, 150_000),
        (4, 1203.7, 28889.0, Some((1200.0, 30000.0)), 0.0, 150_000),
        (8, 2399.8, 57595.0, Some((2500.0, 60000.0)), 0.0, 150_000),
        (16, 4811.9, 115486.0, Some((5000.0, 120000.0)), 0.0, 150_000),
        (32, 9030.6, 216735.0, None, 0.075522, 400_000),
        (64, 14630.7, 351136.0, None, 0.280108, 552_960),
        (128, 17406.1, 417747.0, None, 0.593574, 1_105_920),
        (256, 21981.5, 527556.0, None, 0.748802, 2_211_840),
    ]
    .map(
        |(c, rph, rpd, doc, f, n): (u32, f64, f64, Option<(f64, f64)>, f64, u32)| TableRow {
            concurrency: c,
            refreshes_per_hour: rph,
            refreshes_per_day: rpd,
            documented_refreshes_per_hour: doc.map(|d| d.0),
            documented_users_per_day: doc.map(|d| d.1),
            deviation_per_hour: doc.map(|d| rph / d.0 - 1.0),
            deviation_per_day: doc.map(|d| rpd / d.1 - 1.0),
            failure_rate: f,
            scenario: if doc.is_some() {
                "vendor-table"
            } else {
                "uk-mix"
            }
            .into(),
            connections: n,
            seed: 1,
            window_hours: 24.0,
            within_5_percent: doc.map(|d| (rpd / d.1 - 1.0).abs() <= 0.05),
        },
    )
    .to_vec();
    output::write(&dir.join("table.csv"), &table).unwrap();
}

/// A sweep directory as `refresh-sim sweep` writes it: strategy × concurrency × connections,
/// three replications, of uk-mix.
fn write_sweep(dir: &Path, with_summary: bool) {
    write_sweep_of(dir, with_summary, "uk-mix");
}

/// [`write_sweep`] with the rows' scenario named `scenario`: made-up figures (queued's
/// users per day grow with the slots up to the population; random offsets' are flat), each
/// replication 1 % apart.
fn write_sweep_of(dir: &Path, with_summary: bool, scenario: &str) {
    let params: Vec<String> = [
        "strategy.kind",
        "strategy.concurrency",
        "population.connections",
    ]
    .map(String::from)
    .to_vec();
    let (mut rows, mut points) = (Vec::new(), Vec::new());
    for kind in ["queued", "random_offset"] {
        for c in [8u32, 16, 32, 64] {
            for n in [50_000u64, 200_000] {
                let (f, cov, upd) = if kind == "queued" {
                    let upd = (7_000.0 * c as f64).min(n as f64 * 0.99);
                    (0.01 * c as f64 / 8.0, upd / n as f64, upd)
                } else {
                    (0.12, 0.9, 0.9 * n as f64)
                };
                let point = vec![kind.to_string(), c.to_string(), n.to_string()];
                let runs: Vec<SweepRow> = (0..3u32)
                    .map(|r| {
                        let jitter = 1.0 + 0.01 * (r as f64 - 1.0);
                        SweepRow {
                            params: point.clone(),
                            replication: r,
                            run: SummaryRow {
                                scenario: scenario.into(),
                                strategy: kind.into(),
                                concurrency: (kind == "queued").then_some(c),
                                bank: "all".into(),
                                seed: r as u64 + 1,
                                connections: n,
                                failure_rate: f * jitter,
                                coverage: (cov * jitter).min(1.0),
                                users_per_day: upd * jitter,
                                window_hours: 24.0,
                                measured_days: 1.0,
                                ..SummaryRow::default()
                            },
                            banks: vec![],
                        }
                    })
                    .collect();
                let summaries: Vec<&SummaryRow> = runs.iter().map(|r| &r.run).collect();
                points.push(PointRow::of(&point, &summaries));
                rows.extend(runs);
            }
        }
    }
    std::fs::write(
        dir.join("sweep.csv"),
        files::sweep_csv(&params, &rows).unwrap(),
    )
    .unwrap();
    if with_summary {
        std::fs::write(
            dir.join("sweep_summary.csv"),
            files::summary_csv(&params, &points).unwrap(),
        )
        .unwrap();
    }
}

/// Decodes a PNG: (width, height, RGB bytes, dpi in pixels per metre if recorded).
fn decode_png(path: &Path) -> (u32, u32, Vec<u8>, Option<u32>) {
    let bytes = std::fs::read(path).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let ppm = reader.info().pixel_dims.map(|d| d.xppu);
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf, ppm)
}

/// Every chart the report planned exists as SVG (well-formed XML, the chart's size) and PNG
/// (the chart's size, 150 dpi, with drawing on it: text, axes and coloured series).
fn check_rendered(dir: &Path) -> Vec<String> {
    let ds = inputs::discover(dir).unwrap();
    let planned = plan(&ds);
    assert!(!planned.charts.is_empty());
    for p in &planned.charts {
        let (w, h) = p.chart.size();
        let svg_path = dir.join("charts").join(format!("{}.svg", p.stem));
        let svg = std::fs::read_to_string(&svg_path).unwrap();
        let doc = roxmltree::Document::parse(&svg)
            .unwrap_or_else(|e| panic!("{}: not XML: {e}", svg_path.display()));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(root.attribute("width"), Some(w.to_string().as_str()));
        assert_eq!(root.attribute("height"), Some(h.to_string().as_str()));
        let texts: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .map(str::trim)
            .collect();
        assert!(
            texts.iter().any(|t| *t == p.chart.title()),
            "{}: title missing",
            svg_path.display()
        );

        let png_path = dir.join("charts").join(format!("{}.png", p.stem));
        let (pw, ph, px, ppm) = decode_png(&png_path);
        assert_eq!((pw, ph), (w, h), "{}", png_path.display());
        assert_eq!(ppm, Some(5906), "150 dpi recorded");
        let pixels = px.chunks(3);
        let inked = pixels.clone().filter(|p| p != &[255, 255, 255]).count();
        let coloured = pixels
            .filter(|p| {
                let (mx, mn) = (p.iter().max().unwrap(), p.iter().min().unwrap());
                mx - mn > 60
            })
            .count();
        let total = (w * h) as usize;
        assert!(
            inked > total / 100,
            "{}: only {inked} of {total} pixels drawn",
            png_path.display()
        );
        assert!(coloured > 200, "{}: no coloured series", png_path.display());
    }
    planned.charts.iter().map(|p| p.stem.clone()).collect()
}

/// Every relative link, image and back-quoted file name in report.md exists.
fn check_names_only_existing_files(dir: &Path) {
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let mut named = Vec::new();
    for part in md.split("](").skip(1) {
        named.push(part.split(')').next().unwrap().to_string());
    }
    for (i, part) in md.split('`').enumerate() {
        let looks_like_file = [".csv", ".md", ".png", ".svg", ".txt"]
            .iter()
            .any(|e| part.ends_with(e));
        if i % 2 == 1 && looks_like_file && !part.contains(' ') {
            named.push(part.to_string());
        }
    }
    assert!(!named.is_empty());
    for n in named {
        assert!(
            dir.join(&n).is_file(),
            "report.md names {n}, which does not exist"
        );
    }
}

#[test]
fn a_run_directory_gets_its_charts_and_a_report() {
    let t = TempDir::new("run");
    let rows = write_small_run(t.path(), "random_offset");
    let written = markdown::write_report(t.path()).unwrap();
    assert!(written.iter().all(|p| p.is_file()));
    let stems = check_rendered(t.path());
    assert_eq!(stems, RUN_STEMS);
    check_names_only_existing_files(t.path());
    let md = std::fs::read_to_string(t.path().join("report.md")).unwrap();
    assert!(md.contains("Scenario `uk-mix`: 3,000 connections at 5 banks"));
    // Each bank's coverage, every failure and the client's own 429s (a trial read a bank's
    // 5xx errors against a rule of own 429s), from summary.csv's row.
    assert!(md.contains("Coverage / failure rate (every failure) / the client's own 429s"));
    let differ = |b: &&SummaryRow| pct(b.failure_rate) != pct(b.client_failure_rate);
    assert!(
        rows.iter().any(|b| b.bank != "all" && differ(&b)),
        "{rows:?}"
    );
    for b in rows.iter().filter(|b| b.bank != "all") {
        let (c, f, o) = (b.coverage, b.failure_rate, b.client_failure_rate);
        let cell = format!("| {} | {} / {} / {}", b.bank, pct(c), pct(f), pct(o));
        assert!(md.contains(&cell), "{cell} not in\n{md}");
    }
    // One run cannot draw curves against concurrency: said, not drawn.
    assert!(md.contains("## Charts not drawn"));
    assert!(md.contains("Failure rate against concurrency"));
}

#[test]
fn the_default_experiment_layout_gets_every_chart() {
    let t = TempDir::new("default");
    write_default_like(t.path());
    markdown::write_report(t.path()).unwrap();
    let stems = check_rendered(t.path());
    for s in [
        "users_per_day",
        "failure_rate",
        "coverage_vs_concurrency",
        "day_in_the_life",
        "day_in_the_life_high-street-a",
        "day_in_the_life_neobank",
        "staleness",
    ] {
        assert!(stems.iter().any(|x| x == s), "{s} missing from {stems:?}");
    }
    check_names_only_existing_files(t.path());

    // Findings are computed from the files: the numbers in them are the files' numbers.
    let md = std::fs::read_to_string(t.path().join("report.md")).unwrap();
    let compare: Vec<SummaryRow> = output::read(&t.path().join("compare.csv")).unwrap();
    let total = |strategy: &str| -> (f64, f64) {
        let r = compare
            .iter()
            .find(|r| r.strategy == strategy && r.bank == "all")
            .unwrap();
        (r.failure_rate, r.coverage)
    };
    let mut rates = [
        ("bulk", "Bulk", "bulk"),
        (
            "queued",
            "Queued (concurrency 16)",
            "queued (concurrency 16)",
        ),
        ("random_offset", "Random offset", "random offset"),
    ]
    .map(|(s, cap, label)| (total(s), cap, label));
    rates.sort_by(|a, b| a.0 .0.total_cmp(&b.0 .0));
    let (best, worst) = (rates[0], rates[2]);
    assert!(best.0 .0 < worst.0 .0);
    let sentence = format!(
        "{} failed least, {} of attempts (covering {}), and {} most, {} (covering {}).",
        best.1,
        pct(best.0 .0),
        pct(best.0 .1),
        worst.2,
        pct(worst.0 .0),
        pct(worst.0 .1)
    );
    assert!(md.contains(&sentence), "missing: {sentence}\n{md}");
    assert!(md.contains("5 of 5 rows were within ±5 %"));
}

#[test]
fn a_sweep_directory_gets_its_charts_with_confidence_bands() {
    let t = TempDir::new("sweep");
    write_sweep(t.path(), true);
    markdown::write_report(t.path()).unwrap();
    let stems = check_rendered(t.path());
    assert_eq!(
        stems,
        [
            "users_per_day",
            "failure_rate",
            "coverage_vs_concurrency",
            "coverage_vs_users"
        ]
    );
    let ds = inputs::discover(t.path()).unwrap();
    let p = plan(&ds);
    let Chart::Xy(users) = &p.charts[0].chart else {
        panic!("users per day is an xy chart")
    };
    assert!(
        users.lines.iter().any(|l| !l.band.is_empty()),
        "CI band drawn"
    );
    // The vendor's documented table is about its calibration scenario, not uk-mix.
    assert!(!users.lines.iter().any(|l| l.label.contains("vendor table")));
    check_names_only_existing_files(t.path());
    let md = std::fs::read_to_string(t.path().join("report.md")).unwrap();
    assert!(md.contains("3 replications each"));
    assert!(md.contains("A day in the life: the directory has no per-minute time series"));
    assert!(md.contains("A sweep of scenario `uk-mix`"), "{md}");
    assert!(md.contains("Base seed 1"), "{md}");

    // Strategy × concurrency × connections: every series of every chart has its own colour,
    // dash and marker, and is named by its values.
    for p in &p.charts {
        let Chart::Xy(c) = &p.chart else { continue };
        assert_distinct_looks(c);
        assert!(!c.title.contains("per strategy"), "{}", c.title);
        assert!(
            c.title.ends_with("by strategy and connections")
                || c.title.ends_with("by strategy and concurrency"),
            "{}",
            c.title
        );
        let sub = c.subtitle.as_deref().unwrap();
        assert!(sub.contains("sweep of uk-mix"), "{sub}");
        assert!(sub.contains("50,000 and 200,000 connections"), "{sub}");
        assert!(sub.contains("base seed 1"), "{sub}");
    }
    let Chart::Xy(failure) = &p.charts[1].chart else {
        panic!("failure rate is an xy chart")
    };
    let labels: Vec<&str> = failure.lines.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(
        labels,
        ["queued, connections 50,000", "queued, connections 200,000"]
    );
    // Random offset has no concurrency: a horizontal reference per population, not a curve.
    let refs: Vec<&str> = failure.refs.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(
        refs,
        [
            "random offset, connections 50,000 (no concurrency limit)",
            "random offset, connections 200,000 (no concurrency limit)"
        ]
    );
    // Against the user base, random offset is one series (its runs ignore the concurrency).
    let Chart::Xy(users_base) = &p.charts[3].chart else {
        panic!("coverage against user base is an xy chart")
    };
    let labels: Vec<&str> = users_base.lines.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "queued, concurrency 8",
            "queued, concurrency 16",
            "queued, concurrency 32",
            "queued, concurrency 64",
            "random offset"
        ]
    );
    assert!(
        !md.contains("random offset, the smallest concurrency"),
        "a strategy without a concurrency reaches no target by concurrency:\n{md}"
    );
    assert!(md.contains(
        "Random offset (connections 200,000) has no concurrency limit: its mean coverage was"
    ));
}

/// Every series of `c` (lines and references, but the target and the documented points)
/// differs from every other in colour, in dash pattern and in marker.
fn assert_distinct_looks(c: &XyChart) {
    let looks: Vec<(String, charts::Look)> = c
        .lines
        .iter()
        .map(|l| (l.label.clone(), l.look))
        .chain(c.refs.iter().map(|r| (r.label.clone(), r.look)))
        .filter(|(l, _)| !l.contains("coverage target") && !l.contains("vendor table"))
        .collect();
    for (i, (a, la)) in looks.iter().enumerate() {
        for (b, lb) in &looks[i + 1..] {
            assert_ne!(
                la.color, lb.color,
                "{}: {a} and {b} share a colour",
                c.title
            );
            assert_ne!(la.dash, lb.dash, "{}: {a} and {b} share a dash", c.title);
            assert_ne!(
                la.marker, lb.marker,
                "{}: {a} and {b} share a marker",
                c.title
            );
        }
    }
}

/// A sweep of the vendor's calibration scenario draws the documented table beside it.
#[test]
fn a_sweep_of_the_vendor_calibration_overlays_the_documented_table() {
    let t = TempDir::new("sweep-vendor");
    write_sweep_of(t.path(), true, "vendor-table");
    let p = plan(&inputs::discover(t.path()).unwrap());
    let Chart::Xy(users) = &p.charts[0].chart else {
        panic!("users per day is an xy chart")
    };
    assert!(users
        .lines
        .iter()
        .any(|l| l.label == "vendor table (documented)"));
    assert!(users
        .subtitle
        .as_deref()
        .unwrap()
        .contains("documented sizing table overlaid"));
}

/// A real sweep over the population and the concurrency (one strategy): the bug of issue
/// 16, where every line looked the same and titles said "per strategy".
#[test]
fn a_sweep_over_population_and_concurrency_tells_its_series_apart() {
    let t = TempDir::new("sweep-cli");
    let out = Command::new(BIN)
        .args([
            "sweep",
            "uk-mix",
            "--set",
            "population.connections=2000,4000",
        ])
        .args([
            "--set",
            "strategy.concurrency=4,8,16",
            "--replications",
            "2",
        ])
        .arg("--out")
        .arg(t.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    markdown::write_report(t.path()).unwrap();
    let stems = check_rendered(t.path());
    // The time with day-old data against the concurrency too (the sweep measured it).
    assert_eq!(
        stems,
        [
            "users_per_day",
            "failure_rate",
            "coverage_vs_concurrency",
            "coverage_vs_users",
            "stale_24h_vs_strategy-concurrency",
            // Each bank's own 429s and coverage, a chart per user base (uk-mix has five banks).
            "own_429s_by_bank_vs_strategy-concurrency_at_2000",
            "own_429s_by_bank_vs_strategy-concurrency_at_4000",
            "coverage_by_bank_vs_strategy-concurrency_at_2000",
            "coverage_by_bank_vs_strategy-concurrency_at_4000",
        ]
    );
    check_names_only_existing_files(t.path());
    let p = plan(&inputs::discover(t.path()).unwrap());
    for p in &p.charts {
        let Chart::Xy(c) = &p.chart else { continue };
        assert_distinct_looks(c);
        assert!(!c.title.contains("per strategy"), "{}", c.title);
        let sub = c.subtitle.as_deref().unwrap();
        for want in [
            "sweep of uk-mix",
            "2,000 and 4,000 connections",
            "4-day window (day 0 warm-up)",
            "base seed 1",
            "means of 2 replications per point",
        ] {
            assert!(sub.contains(want), "{}: {want} missing from {sub}", c.title);
        }
        // Not the vendor's table: that is about the vendor-table scenario.
        assert!(!c.lines.iter().any(|l| l.label.contains("vendor table")));
    }
    let Chart::Xy(failure) = &p.charts[1].chart else {
        panic!("failure rate is an xy chart")
    };
    assert_eq!(
        failure.title,
        "Failure rate against concurrency, by connections"
    );
    let labels: Vec<&str> = failure.lines.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(labels, ["connections 2,000", "connections 4,000"]);
    let Chart::Xy(by_bank) = &p.charts[6].chart else {
        panic!("own 429s by bank is an xy chart")
    };
    assert_eq!(
        by_bank.title,
        "The client's own 429s by bank against concurrency, connections 4,000"
    );
    let banks: Vec<&str> = by_bank.lines.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(
        banks,
        [
            "high-street-a",
            "high-street-b",
            "challenger",
            "building-society",
            "neobank"
        ]
    );
    let md = std::fs::read_to_string(t.path().join("report.md")).unwrap();
    assert!(md.contains("A sweep of scenario `uk-mix`"), "{md}");
    assert!(md.contains("Base seed 1"), "{md}");
    assert!(md.contains("4-day window (day 0 warm-up)"), "{md}");
    assert!(!md.contains("connections="), "{md}");
    assert!(md.contains("| 2,000 | 4 |"), "{md}");
}

/// A report rewrites `charts/` to hold only its own charts: an earlier report's charts that
/// this one does not draw go; files the tool would not have written stay.
#[test]
fn a_report_removes_the_charts_of_an_earlier_report_and_nothing_else() {
    let t = TempDir::new("stale");
    write_sweep(t.path(), true);
    let charts_dir = t.path().join("charts");
    std::fs::create_dir_all(charts_dir.join("staleness_sub.png")).unwrap();
    let stale = [
        "day_in_the_life.png",
        "day_in_the_life.svg",
        "day_in_the_life_neobank.png",
        "staleness.svg",
        "staleness_high-street-a.png",
    ];
    let kept = [
        "notes.png",
        "staleness.pdf",
        "staleness_Neobank.png",
        "my_failure_rate.svg",
        "README.md",
    ];
    for f in stale.iter().chain(&kept) {
        std::fs::write(charts_dir.join(f), "old").unwrap();
    }
    markdown::write_report(t.path()).unwrap();
    for f in stale {
        assert!(!charts_dir.join(f).exists(), "{f} should be removed");
    }
    for f in kept {
        assert!(charts_dir.join(f).is_file(), "{f} should be kept");
    }
    assert!(charts_dir.join("staleness_sub.png").is_dir());
    assert!(charts_dir.join("failure_rate.png").is_file());
    let md = std::fs::read_to_string(t.path().join("report.md")).unwrap();
    assert!(!md.contains("day_in_the_life"));
    assert!(!md.contains("charts/staleness"));
    for name in [
        "users_per_day.png",
        "staleness_neobank.svg",
        "day_in_the_life.svg",
        "data_age_by_hour_banks.png",
        "own_429s_by_bank_vs_strategy-concurrency.png",
        "period_coverage_by_bank_vs_strategy-concurrency_at_2000.svg",
        "period_coverage_vs_platform-poll-interval.png",
    ] {
        assert!(markdown::is_chart_file(name), "{name}");
    }
    for name in [
        "users_per_day.pdf",
        "staleness_.png",
        "staleness_A.png",
        "x.png",
    ] {
        assert!(!markdown::is_chart_file(name), "{name}");
    }
}

#[test]
fn a_sweep_without_its_summary_is_aggregated_from_the_rows() {
    let t = TempDir::new("sweep-rows");
    write_sweep(t.path(), false);
    markdown::write_report(t.path()).unwrap();
    check_rendered(t.path());
    check_names_only_existing_files(t.path());
    let ds = inputs::discover(t.path()).unwrap();
    let sw = ds.sweep.unwrap();
    assert_eq!(sw.source, "sweep.csv");
    assert_eq!(sw.points.len(), 16);
    assert_eq!(sw.points[0].replications, Some(3));
    assert!(
        sw.points[0].metrics[&refresh_sim::metric::Metric::Coverage]
            .ci95
            .unwrap()
            > 0.0
    );
    let md = std::fs::read_to_string(t.path().join("report.md")).unwrap();
    assert!(
        !md.contains("sweep_summary.csv"),
        "names a file that does not exist"
    );
}

#[test]
fn charts_render_the_same_bytes_twice() {
    let t = TempDir::new("determinism");
    write_small_run(t.path(), "queued");
    let ds = inputs::discover(t.path()).unwrap();
    for p in plan(&ds).charts {
        assert_eq!(
            charts::svg_string(&p.chart).unwrap(),
            charts::svg_string(&p.chart).unwrap()
        );
        assert_eq!(
            charts::png_bytes(&p.chart).unwrap(),
            charts::png_bytes(&p.chart).unwrap()
        );
    }
}

/// Staleness charts have one y unit, whatever the run's length (the bins' width varies with
/// it), so that two charts compare: a density whose integral is the refreshed share.
#[test]
fn staleness_charts_share_one_unit_whatever_the_run_length() {
    let mut labels = Vec::new();
    for (tag, overrides) in [
        ("stale-4d", vec![]),
        (
            "stale-1d",
            vec!["window.length=1d".to_string(), "window.warmup=0s".into()],
        ),
    ] {
        let t = TempDir::new(tag);
        let mut sets = vec![
            "strategy.kind=queued".to_string(),
            "strategy.concurrency=4".into(),
            "population.connections=3000".into(),
        ];
        sets.extend(overrides);
        let sc = scenario::load(&uk_mix(), &sets).unwrap();
        output::write_run(t.path(), &sim::run(&sc, 7)).unwrap();
        let ds = inputs::discover(t.path()).unwrap();
        let p = plan(&ds);
        let stale = p.charts.iter().find(|p| p.stem == "staleness").unwrap();
        let Chart::Xy(c) = &stale.chart else {
            panic!("staleness is an xy chart")
        };
        labels.push(c.y.label.clone());
        let (_, never) = ds.runs[0].age_shares("all");
        let all = &c.lines[0];
        assert!(all.label.starts_with("all banks"), "{}", all.label);
        let area: f64 = all
            .points
            .windows(2)
            .filter(|w| w[0].1 == w[1].1)
            .map(|w| (w[1].0 - w[0].0) * w[0].1)
            .sum();
        assert!(
            (area - (1.0 - never)).abs() < 1e-6,
            "{tag}: the density integrates to {area}, not {}",
            1.0 - never
        );
    }
    assert_eq!(labels[0], "share of connection-time per hour of age");
    assert_eq!(labels[0], labels[1]);
}

/// On runs longer than the ages staleness.csv resolves, its last age row holds all older
/// data: the chart does not draw it as a bin (a spike in another unit) but gives its share.
#[test]
fn staleness_counts_data_older_than_eight_days_together() {
    let t = TempDir::new("stale-old");
    let d = t.path();
    let row = |bank: &str| SummaryRow {
        scenario: "long".into(),
        strategy: "queued".into(),
        concurrency: Some(4),
        bank: bank.into(),
        seed: 3,
        connections: 100,
        attempts: 10,
        successes: 10,
        coverage: 0.5,
        users_per_day: 50.0,
        peak_in_flight: 4,
        window_hours: 480.0,
        measured_days: 19.0,
        ..SummaryRow::default()
    };
    output::write(&d.join("summary.csv"), &[row("only"), row("all")]).unwrap();
    let mut ages = Vec::new();
    for bank in ["only", "all"] {
        let age = |m: Option<usize>, hours: f64, share: f64| AgeRow {
            bank: bank.into(),
            age_minutes: m,
            connection_hours: hours,
            share,
        };
        ages.extend((0..600).map(|m| age(Some(m), 1.0, 0.001)));
        ages.extend([age(Some(11521), 300.0, 0.3), age(None, 100.0, 0.1)]);
    }
    output::write(&d.join("staleness.csv"), &ages).unwrap();
    let p = plan(&inputs::discover(d).unwrap());
    let stale = p.charts.iter().find(|p| p.stem == "staleness").unwrap();
    let Chart::Xy(c) = &stale.chart else {
        panic!("staleness is an xy chart")
    };
    assert_eq!(
        c.lines[0].label,
        "all banks (never refreshed: 10.00 %; 8 days or older, not drawn: 30.00 %)"
    );
    let max_x = c.lines[0].points.iter().map(|p| p.0).fold(0.0, f64::max);
    assert!(max_x <= 10.0 + 1e-9, "drawn up to {max_x} h");
    let sub = c.subtitle.as_deref().unwrap();
    assert!(
        sub.contains("long · 100 connections · 20-day window (day 0 warm-up) · seed 3"),
        "{sub}"
    );
    markdown::write_report(d).unwrap();
    // A run that resolved its 20 days (`age_horizon_hours`, the default now) draws them.
    let whole = |bank: &str| SummaryRow {
        age_horizon_hours: 480.0,
        ..row(bank)
    };
    output::write(&d.join("summary.csv"), &[whole("only"), whole("all")]).unwrap();
    let p = plan(&inputs::discover(d).unwrap());
    let stale = p.charts.iter().find(|p| p.stem == "staleness").unwrap();
    let Chart::Xy(c) = &stale.chart else {
        panic!("staleness is an xy chart")
    };
    assert_eq!(c.lines[0].label, "all banks (never refreshed: 10.00 %)");
    let max_x = c.lines[0].points.iter().map(|p| p.0).fold(0.0, f64::max);
    assert!((192.0..200.0).contains(&max_x), "drawn up to {max_x} h");
}

/// "Peak in flight" is the instantaneous maximum of summary.csv everywhere; the day charts'
/// highest per-minute mean is called so, never a peak.
#[test]
fn peak_in_flight_means_the_instantaneous_maximum() {
    let t = TempDir::new("peak");
    write_default_like(t.path());
    markdown::write_report(t.path()).unwrap();
    let svg = std::fs::read_to_string(t.path().join("charts/day_in_the_life.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    assert!(!texts.iter().any(|t| t.contains("peak")), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("busiest minute's mean")));
    let md = std::fs::read_to_string(t.path().join("report.md")).unwrap();
    let ds = inputs::discover(t.path()).unwrap();
    let queued = ds
        .runs
        .iter()
        .find(|r| r.total().strategy == "queued")
        .unwrap();
    let neobank = queued.summary.iter().find(|s| s.bank == "neobank").unwrap();
    let want = format!(
        "queued (concurrency 16): {}",
        md.split("At neobank: ")
            .nth(1)
            .and_then(|s| s.split("queued (concurrency 16): ").nth(1))
            .unwrap()
            .split(';')
            .next()
            .unwrap()
    );
    assert!(
        want.contains(&format!(
            "peak in flight {}, busiest minute's mean",
            thousands(neobank.peak_in_flight as f64)
        )),
        "{want}"
    );
    assert!(!md.contains("at most"), "{md}");
}

fn xy(lines: Vec<Line>, refs: Vec<RefLine>, x: Scale, y: Scale) -> Chart {
    Chart::Xy(XyChart {
        title: "degenerate".into(),
        subtitle: None,
        x: ChartAxis::new("x (units)", x, Format::Count),
        y: ChartAxis::new("y (units)", y, Format::Percent),
        lines,
        refs,
    })
}

#[test]
fn degenerate_charts_render_without_panicking() {
    let look = cycle_look(0);
    let cases = vec![
        // No data at all.
        xy(Vec::new(), Vec::new(), Scale::Linear, Scale::Linear),
        // One point, on log axes.
        xy(
            vec![Line::new("one", look, vec![(16.0, 0.5)])],
            Vec::new(),
            Scale::Log2,
            Scale::Log10,
        ),
        // All zeros on log axes (falls back to linear).
        xy(
            vec![Line::new("zeros", look, vec![(0.0, 0.0), (0.0, 0.0)])],
            Vec::new(),
            Scale::Log2,
            Scale::Log10,
        ),
        // Only a reference line; a band of one point.
        xy(
            vec![{
                let mut l = Line::new("banded", look, vec![(4.0, 0.2)]);
                l.band = vec![(4.0, 0.1, 0.3)];
                l
            }],
            vec![RefLine {
                label: "target".into(),
                look: cycle_look(1),
                y: 0.99,
            }],
            Scale::Log2,
            Scale::Linear,
        ),
        // Non-finite values are ignored.
        xy(
            vec![Line::new("nan", look, vec![(1.0, f64::NAN), (2.0, 0.3)])],
            Vec::new(),
            Scale::Linear,
            Scale::Linear,
        ),
        // A day with no rows, a day of zeros, a one-minute day.
        Chart::Day(DayChart {
            title: "empty".into(),
            subtitle: None,
            start_minute_of_day: 0,
            minutes: 0,
            rows: Vec::new(),
        }),
        Chart::Day(DayChart {
            title: "zeros".into(),
            subtitle: Some("all zero".into()),
            start_minute_of_day: 1380,
            minutes: 180,
            rows: vec![DayRow {
                label: "bulk".into(),
                in_flight: vec![0.0; 180],
                rate_limited: Vec::new(),
                measured: 0..usize::MAX,
                outage_503s: 0,
            }],
        }),
        Chart::Day(DayChart {
            title: "one minute".into(),
            subtitle: None,
            start_minute_of_day: 0,
            minutes: 1,
            rows: vec![DayRow {
                label: "x".into(),
                in_flight: vec![3.0],
                rate_limited: vec![5.0],
                measured: 60..1440,
                outage_503s: 0,
            }],
        }),
    ];
    for c in &cases {
        let svg = charts::svg_string(c).unwrap();
        roxmltree::Document::parse(&svg).unwrap();
        let png = charts::png_bytes(c).unwrap();
        let (w, h) = c.size();
        let reader = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        assert_eq!((reader.info().width, reader.info().height), (w, h));
    }
}

/// A run whose every number is zero: no successes, no series, no staleness.
#[test]
fn an_all_zero_run_reports_without_panicking() {
    let t = TempDir::new("zeros");
    let d = t.path();
    let row = |bank: &str| SummaryRow {
        scenario: "z".into(),
        strategy: "queued".into(),
        concurrency: Some(1),
        bank: bank.into(),
        seed: 1,
        window_hours: 1.0,
        ..SummaryRow::default()
    };
    output::write(&d.join("summary.csv"), &[row("only"), row("all")]).unwrap();
    let minute = MinuteRow {
        time: "09:00".into(),
        bank: "only".into(),
        ..MinuteRow::default()
    };
    output::write(&d.join("timeseries.csv"), &[minute]).unwrap();
    output::write::<AgeRow>(&d.join("staleness.csv"), &[]).unwrap();
    markdown::write_report(d).unwrap();
    assert!(d.join("charts/day_in_the_life.png").is_file());
    check_names_only_existing_files(d);
}

/// A single strategy in the default layout: no comparison sentences, still every chart.
#[test]
fn a_single_strategy_renders() {
    let t = TempDir::new("single");
    write_small_run(&t.path().join("uk-mix").join("queued"), "queued");
    markdown::write_report(t.path()).unwrap();
    let stems = check_rendered(t.path());
    // One run is one number per metric: nothing to draw against concurrency.
    assert_eq!(stems, RUN_STEMS);
    check_names_only_existing_files(t.path());
    let md = std::fs::read_to_string(t.path().join("report.md")).unwrap();
    assert!(
        !md.contains(" where "),
        "no comparison with one strategy:\n{md}"
    );
}

#[test]
fn a_one_point_sweep_is_reported_without_charts() {
    let t = TempDir::new("one-point");
    let run = SummaryRow {
        scenario: "uk-mix".into(),
        strategy: "queued".into(),
        concurrency: Some(16),
        failure_rate: 0.02,
        coverage: 0.5,
        users_per_day: 100_000.0,
        ..SummaryRow::default()
    };
    let params = ["strategy.concurrency".to_string()];
    let point = PointRow::of(&["16".to_string()], &[&run]);
    std::fs::write(
        t.path().join("sweep_summary.csv"),
        files::summary_csv(&params, &[point]).unwrap(),
    )
    .unwrap();
    markdown::write_report(t.path()).unwrap();
    // One concurrency is no axis: its point is in the table, and no chart has one point.
    assert!(plan(&inputs::discover(t.path()).unwrap()).charts.is_empty());
    let md = std::fs::read_to_string(t.path().join("report.md")).unwrap();
    assert!(
        md.contains("| 16 |")
            && md.contains(
                "- Coverage against concurrency: the sweep does not vary the concurrency."
            ),
        "{md}"
    );
    check_names_only_existing_files(t.path());
}

#[test]
fn the_report_command_writes_into_the_directory() {
    let t = TempDir::new("cli");
    write_default_like(t.path());
    let out = Command::new(BIN)
        .arg("report")
        .arg(t.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(t.path().join("report.md").is_file());
    assert!(t.path().join("charts/users_per_day.svg").is_file());
    assert!(t.path().join("charts/users_per_day.png").is_file());
}

#[test]
fn the_report_command_rejects_what_it_cannot_read() {
    let t = TempDir::new("cli-bad");
    let missing = t.path().join("nope");
    let out = Command::new(BIN)
        .arg("report")
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such directory"));

    let out = Command::new(BIN)
        .arg("report")
        .arg(t.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds no refresh-sim results"));
    assert!(
        !t.path().join("report.md").exists(),
        "bad input writes nothing"
    );

    std::fs::write(t.path().join("summary.csv"), "what,is,this\n1,2,3\n").unwrap();
    let out = Command::new(BIN)
        .arg("report")
        .arg(t.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("summary.csv: column 1 is `what`"), "{err}");
    assert!(!t.path().join("charts").exists());
}

// ---------------------------------------------------------------------------------------
// Paired comparisons
// ---------------------------------------------------------------------------------------

/// A strategy's paired rows against the baseline `queued` (coverage 80 %, failure rate 20 %
/// over 3 replications): coverage and failure-rate differences `(mean, half-width)`, and
/// two metrics the chart does not draw.
fn paired_rows(variant: &str, coverage: (f64, f64), failure: (f64, f64)) -> Vec<PairedRow> {
    let row = |metric, base: f64, (d, h): (f64, f64)| PairedRow {
        variant: variant.into(),
        baseline: "queued".into(),
        metric,
        variant_mean: Some(base + d),
        baseline_mean: Some(base),
        difference_mean: Some(d),
        difference_sd: Some(h / 2.5),
        difference_ci95: Some(h),
        replications: 3,
        lower_bound: false,
        ranked_by: Metric::Coverage,
        max_failure_rate: None,
        max_bank_failure_rate: None,
    };
    let mut stale = row(Metric::StalenessP95Hours, 30.0, (0.0, 0.0));
    stale.variant_mean = Some(f64::INFINITY);
    (
        stale.difference_mean,
        stale.difference_sd,
        stale.difference_ci95,
    ) = (None, None, None);
    vec![
        row(Metric::Coverage, 0.8, coverage),
        row(Metric::FailureRate, 0.2, failure),
        row(Metric::UsersPerDay, 300_000.0, (1234.0, 56.0)),
        stale,
    ]
}

/// Strategies in item order; ranked (coverage difference highest first among those failing
/// at most a point more than the baseline, then failure-rate difference lowest first):
/// paced, aimd, random_offset (aimd's coverage ties, and it fails less), queued, bulk (which
/// fails 70 points more, and would rank last on coverage alone too).
fn paired_fixture() -> Vec<PairedRow> {
    [
        ("queued", (0.0, 0.0), (0.0, 0.0)),
        ("bulk", (-0.5, 0.02), (0.7, 0.01)),
        ("random_offset", (0.01, 0.004), (-0.10, 0.003)),
        ("paced", (0.03, 0.002), (-0.15, 0.002)),
        ("aimd", (0.01, 0.003), (-0.18, 0.004)),
    ]
    .into_iter()
    .flat_map(|(v, c, f)| paired_rows(v, c, f))
    .collect()
}

/// The charts a run directory at two banks, of several measured days, gets.
const RUN_STEMS: [&str; 5] = [
    "day_in_the_life",
    "staleness",
    "data_age_by_hour",
    "data_age_by_hour_banks",
    "opens_by_day",
];

// aimd first: paced covers 2 points more than it for 3 points more failures.
const RANKED: [&str; 5] = ["aimd", "paced", "random_offset", "queued", "bulk"];

/// Writes `rows` as `dir/paired.csv` (and, if `scenario`, a `paired.md` titled with it).
fn write_paired(dir: &Path, rows: &[PairedRow], scenario: Option<&str>) {
    std::fs::create_dir_all(dir).unwrap();
    output::write(&dir.join(paired::FILE), rows).unwrap();
    if let Some(s) = scenario {
        let md = format!(
            "{}{s}\n\nThe table.\n\nAs run: `queued`: queued, concurrency 2; `wide`: bulk.\n",
            paired::MARKDOWN_TITLE
        );
        std::fs::write(dir.join(paired::MARKDOWN_FILE), md).unwrap();
    }
}

/// The planned paired chart of `dir`, if any.
fn paired_chart(dir: &Path) -> Option<(XyChart, String)> {
    let planned = plan(&inputs::discover(dir).unwrap());
    let p = planned
        .charts
        .into_iter()
        .find(|p| p.stem == "paired_differences")?;
    match p.chart {
        Chart::Xy(c) => Some((c, p.caption)),
        Chart::Day(_) => panic!("the paired chart is an XY chart"),
    }
}

/// A strategy that gains the most coverage for far more failures ranks after one that gains
/// less without them, and the caption names both (a trial's compare ranked an all-day pace
/// first for 1.2 points of coverage at 47.8 points more failures).
#[test]
fn the_most_coverage_for_far_more_failures_ranks_after_the_rest() {
    let t = TempDir::new("paired-margin");
    let rows: Vec<PairedRow> = [
        ("queued", (0.0, 0.0), (0.0, 0.0)),
        ("wide", (0.05, 0.002), (0.3, 0.01)),
        ("steady", (0.01, 0.002), (0.0, 0.001)),
    ]
    .into_iter()
    .flat_map(|(v, c, f)| paired_rows(v, c, f))
    .collect();
    write_paired(t.path(), &rows, Some("uk-mix"));
    let (chart, caption) = paired_chart(t.path()).unwrap();
    assert_eq!(chart.x.categories, ["steady", "queued (baseline)", "wide"]);
    markdown::write_report(t.path()).unwrap();
    let md = std::fs::read_to_string(t.path().join("report.md")).unwrap();
    assert!(md.contains("| 3 | `wide` † |"), "{md}");
    // What each item ran, from paired.md (a trial's board report named `rec` only).
    assert!(
        md.contains("within such a pair. As run: `queued`: queued, concurrency 2; `wide`: bulk."),
        "{md}"
    );
    assert!(md.contains(paired::SET_BACK_LEGEND), "{md}");
    assert!(
        caption.contains("`wide` gained the most coverage"),
        "{caption}"
    );
    assert!(caption.contains("; it failed more often"), "{caption}");
    // The first ranked leads: a finding that began with the most coverage gained named a
    // strategy ranked last first.
    let first = "paired replications, `steady` ranks first (no other strategy fails more than a \
                 point less and by more than it covers less), with ";
    assert!(
        caption.starts_with("Against the baseline `queued`, over ")
            && matches!(
                (caption.find(first), caption.find("`wide` gained the most coverage")),
                (Some(a), Some(b)) if a < b
            ),
        "{caption}"
    );
}

#[test]
fn a_compare_directory_gets_the_paired_chart() {
    let t = TempDir::new("paired");
    write_paired(t.path(), &paired_fixture(), Some("uk-mix"));
    markdown::write_report(t.path()).unwrap();
    // Only the chart a comparison supports, and no notes on the charts it never could.
    assert_eq!(check_rendered(t.path()), ["paired_differences"]);
    check_names_only_existing_files(t.path());
    let md = std::fs::read_to_string(t.path().join("report.md")).unwrap();
    assert!(!md.contains("Charts not drawn"), "{md}");
    assert!(md.contains("## Paired comparison"), "{md}");
    // Its data-age cells say "never", and the table says what that means.
    assert!(
        md.contains("never: in a replication, the percentile fell among connections never"),
        "{md}"
    );
    assert!(md.contains("A paired comparison on scenario `uk-mix` of 5 strategies"));
    assert!(
        md.contains("computed from `paired.csv` and `paired.md`"),
        "{md}"
    );
    let (c, _) = paired_chart(t.path()).unwrap();
    assert!(c.title.contains("from queued on uk-mix"), "{}", c.title);
    let sub = c.subtitle.unwrap();
    assert!(sub.contains("3 paired differences"), "{sub}");
    assert_eq!(c.refs.len(), 1);
    assert_eq!(c.refs[0].y, 0.0, "the baseline's zero");
    assert!(c.refs[0].label.contains("queued"));
}

#[test]
fn the_paired_chart_draws_the_files_differences_in_ranked_order() {
    let t = TempDir::new("paired-points");
    write_paired(t.path(), &paired_fixture(), None);
    let (c, _) = paired_chart(t.path()).unwrap();
    let mut names: Vec<String> = RANKED.iter().map(|s| s.to_string()).collect();
    names[3] = "queued (baseline)".into();
    assert_eq!(c.x.categories, names);
    let file: Vec<PairedRow> = output::read(&t.path().join(paired::FILE)).unwrap();
    let of = |v: &str, m: Metric| file.iter().find(|r| r.variant == v && r.metric == m);
    assert_eq!(c.lines.len(), 2, "coverage and failure rate");
    for (line, metric) in c.lines.iter().zip([Metric::Coverage, Metric::FailureRate]) {
        assert!(!line.line, "points of distinct strategies are not joined");
        assert!(line.bars, "intervals as error bars");
        assert_eq!(line.points.len(), RANKED.len(), "one point per strategy");
        for (k, (&(x, y), v)) in line.points.iter().zip(RANKED).enumerate() {
            let row = of(v, metric).unwrap();
            assert_eq!(
                (x.round(), y),
                ((k + 1) as f64, row.difference_mean.unwrap())
            );
        }
        // Every interval with a width, as the file's mean ± half-width, at its point.
        let with_width: Vec<&str> = RANKED.into_iter().filter(|v| *v != "queued").collect();
        assert_eq!(line.band.len(), with_width.len());
        for (&(x, lo, hi), v) in line.band.iter().zip(with_width) {
            let row = of(v, metric).unwrap();
            let (d, h) = (row.difference_mean.unwrap(), row.difference_ci95.unwrap());
            assert!(line.points.contains(&(x, d)));
            assert!((lo - (d - h)).abs() < 1e-12 && (hi - (d + h)).abs() < 1e-12);
        }
    }
    // The two metrics look different (colour, dash and marker).
    let (a, b) = (c.lines[0].look, c.lines[1].look);
    assert!(a.color != b.color && a.dash != b.dash && a.marker != b.marker);
}

/// A gain within an interval of the largest is named beside it: the ranking orders means
/// that noise may swap (a trial's memo named +35.17 pp first where +35.16 ± 0.11 was fresher).
#[test]
fn the_paired_caption_names_gains_alike_within_their_intervals() {
    let t = TempDir::new("paired-alike");
    let mut rows = paired_fixture();
    rows.extend(paired_rows("twice", (0.0299, 0.0011), (-0.15, 0.002)));
    write_paired(t.path(), &rows, None);
    let (_, caption) = paired_chart(t.path()).unwrap();
    assert!(
        caption.contains(
            "(95 % interval +2.80 to +3.20). `twice` (+2.99 pp) gained as much within the \
             intervals: set against each other"
        ),
        "{caption}"
    );
    // Apart by more than either half-width: not named.
    let (_, alone) = paired_chart_of(&paired_fixture());
    assert!(!alone.contains("gained as much"), "{alone}");
    assert!(!alone.contains("freshest"), "no ages, no freshest: {alone}");
    // The freshest data at app open is named where a strategy's is significantly fresher.
    let at_open = |variant: &str, d: f64, h: f64| PairedRow {
        variant: variant.into(),
        baseline: "queued".into(),
        metric: Metric::AtOpenP50Hours,
        variant_mean: Some(12.0 + d),
        baseline_mean: Some(12.0),
        difference_mean: Some(d),
        difference_sd: Some(h / 2.5),
        difference_ci95: Some(h),
        replications: 3,
        lower_bound: false,
        ranked_by: Metric::Coverage,
        max_failure_rate: None,
        max_bank_failure_rate: None,
    };
    rows.push(at_open("twice", -6.0, 0.1));
    rows.push(at_open("paced", -2.2, 0.1));
    let (_, fresh) = paired_chart_of(&rows);
    assert!(
        fresh.contains(
            "`twice` left the freshest data when customers open the app: a median age of 6.0 h \
             against `queued`'s 12.0 h (-6.00 h ± 0.10)."
        ),
        "{fresh}"
    );
    assert!(!fresh.contains("fewest of customers' app opens"), "{fresh}");
    // And the fewest opens finding data a day old, where the strategy leaving fewest did so
    // significantly (`twice`, fewer at first, but its interval includes 0: nothing said).
    let stale_opens = |variant: &str, d: f64, h: f64| PairedRow {
        metric: Metric::Stale24hAtOpenShare,
        variant_mean: Some(0.163 + d),
        baseline_mean: Some(0.163),
        ..at_open(variant, d, h)
    };
    rows.push(stale_opens("twice", -0.08, 0.09));
    rows.push(stale_opens("paced", -0.051, 0.004));
    let (_, opens) = paired_chart_of(&rows);
    assert!(!opens.contains("fewest of customers' app opens"), "{opens}");
    let twice =
        (rows.iter_mut()).find(|r| r.variant == "twice" && r.metric == Metric::Stale24hAtOpenShare);
    twice.unwrap().difference_mean = Some(-0.02);
    let (_, opens) = paired_chart_of(&rows);
    assert!(
        opens.contains(
            "`paced` left the fewest of customers' app opens finding data a day old or older: \
             11.20 % against `queued`'s 16.30 %: a paired difference of -5.10 percentage points \
             (95 % interval -5.50 to -4.70)."
        ),
        "{opens}"
    );
}

/// The caption of `rows`' paired chart.
fn paired_chart_of(rows: &[PairedRow]) -> (XyChart, String) {
    let t = TempDir::new("paired-of");
    write_paired(t.path(), rows, None);
    paired_chart(t.path()).unwrap()
}

#[test]
fn the_paired_caption_names_the_largest_gain_and_the_fewest_failures() {
    let t = TempDir::new("paired-caption");
    write_paired(t.path(), &paired_fixture(), None);
    let (_, caption) = paired_chart(t.path()).unwrap();
    assert!(
        caption.contains(
            "`paced` gained the most coverage, 83.00 % against `queued`'s 80.00 %: a paired \
             difference of +3.00 percentage points (95 % interval +2.80 to +3.20)"
        ),
        "{caption}"
    );
    assert!(
        caption.contains(
            "`aimd` had the lowest failure rate, 2.00 % against `queued`'s 20.00 %: a paired \
             difference of -18.00 percentage points (95 % interval -18.40 to -17.60)"
        ),
        "{caption}"
    );
    markdown::write_report(t.path()).unwrap();
    let md = std::fs::read_to_string(t.path().join("report.md")).unwrap();
    assert!(
        md.contains(&format!("- {caption}")),
        "a key finding too:\n{md}"
    );

    // No strategy better than the baseline: said so, never called a gain.
    let worse: Vec<PairedRow> = [
        ("queued", (0.0, 0.0), (0.0, 0.0)),
        ("bulk", (-0.5, 0.02), (0.7, 0.01)),
        ("per_bank", (-0.04, 0.002), (0.05, 0.001)),
    ]
    .into_iter()
    .flat_map(|(v, c, f)| paired_rows(v, c, f))
    .collect();
    let t = TempDir::new("paired-worse");
    write_paired(t.path(), &worse, None);
    let (_, caption) = paired_chart(t.path()).unwrap();
    assert!(caption.contains("no strategy gained coverage; the closest, `per_bank`"));
    assert!(
        caption.contains("No strategy failed less often than `queued`; the closest, `per_bank`")
    );
    assert!(!caption.contains("gained the most"), "{caption}");
}

#[test]
fn the_default_experiment_layout_draws_its_paired_comparison() {
    let t = TempDir::new("default-paired");
    write_default_like(t.path());
    write_paired(
        &t.path().join("uk-mix").join("paired"),
        &paired_fixture(),
        None,
    );
    markdown::write_report(t.path()).unwrap();
    let stems = check_rendered(t.path());
    for s in ["failure_rate", "day_in_the_life", "paired_differences"] {
        assert!(stems.iter().any(|x| x == s), "{s} missing from {stems:?}");
    }
    check_names_only_existing_files(t.path());
    // Without paired.md, the scenario is the directory's.
    let (c, _) = paired_chart(t.path()).unwrap();
    assert!(c.title.ends_with("from queued on uk-mix"), "{}", c.title);
    let md = std::fs::read_to_string(t.path().join("report.md")).unwrap();
    assert!(md.contains("`uk-mix/paired/paired.csv`"), "{md}");
    // The table gives each strategy's data age (here never: every 95th percentile fell
    // among connections never refreshed).
    assert!(
        md.contains("| Coverage | Failure rate | P95 data age |") && md.contains("% | never |"),
        "{md}"
    );
}

#[test]
fn a_directory_without_paired_csv_has_no_paired_chart() {
    let run = TempDir::new("plain-run");
    write_small_run(run.path(), "queued");
    let default = TempDir::new("plain-default");
    write_default_like(default.path());
    let sweep = TempDir::new("plain-sweep");
    write_sweep(sweep.path(), true);
    for dir in [run.path(), default.path(), sweep.path()] {
        let ds = inputs::discover(dir).unwrap();
        assert!(ds.paired.is_none());
        let planned = plan(&ds);
        assert!(planned
            .charts
            .iter()
            .all(|p| p.stem != "paired_differences"));
        // Not a chart "not drawn" either: only comparisons have one.
        assert!(planned.skipped.iter().all(|s| !s.chart.contains("paired")));
        markdown::write_report(dir).unwrap();
        let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
        assert!(!md.to_lowercase().contains("paired"), "{md}");
        assert!(!dir.join("charts/paired_differences.png").exists());
    }
}

#[test]
fn a_comparison_of_identical_strategies_renders() {
    // Two spellings of one strategy differ by exactly 0 (one replication: no interval).
    let rows: Vec<PairedRow> = ["queued", "queued:concurrency=64"]
        .into_iter()
        .flat_map(|v| {
            paired_rows(v, (0.0, 0.0), (0.0, 0.0))
                .into_iter()
                .map(|mut r| {
                    (r.difference_sd, r.difference_ci95, r.replications) = (Some(0.0), None, 1);
                    r
                })
        })
        .collect();
    let t = TempDir::new("paired-same");
    write_paired(t.path(), &rows, Some("uk-mix"));
    markdown::write_report(t.path()).unwrap();
    assert_eq!(check_rendered(t.path()), ["paired_differences"]);
    let (c, caption) = paired_chart(t.path()).unwrap();
    assert!(c.lines.iter().all(|l| l.band.is_empty()));
    assert!(
        caption.contains("the same in every replication"),
        "{caption}"
    );
}

/// A coverage gain bought with significantly more failures says so in the same sentence
/// (a trial's paced gained coverage at twice the queue's failure rate, and the finding was
/// silent on it).
#[test]
fn a_coverage_gain_with_more_failures_says_so() {
    let rows: Vec<PairedRow> = [
        ("queued", (0.0, 0.0), (0.0, 0.0)),
        ("paced", (0.03, 0.002), (0.2, 0.01)),
        ("aimd", (0.01, 0.003), (-0.05, 0.004)),
    ]
    .into_iter()
    .flat_map(|(v, c, f)| paired_rows(v, c, f))
    .collect();
    let t = TempDir::new("paired-cost");
    write_paired(t.path(), &rows, None);
    let (_, caption) = paired_chart(t.path()).unwrap();
    assert!(
        caption.contains(
            "`paced` gained the most coverage, 83.00 % against `queued`'s 80.00 %: a paired \
             difference of +3.00 percentage points (95 % interval +2.80 to +3.20); it failed \
             more often: "
        ) && caption.contains("a paired difference of +20.00 percentage points"),
        "{caption}"
    );
    // Without that cost, nothing is added (the fixture's paced fails less).
    let t = TempDir::new("paired-no-cost");
    write_paired(t.path(), &paired_fixture(), None);
    let (_, caption) = paired_chart(t.path()).unwrap();
    assert!(!caption.contains("it failed more often"), "{caption}");
}

/// A run every 12 hours: the runs table gives the coverage of each period beside a day's,
/// which counts one success a day (a queue of 4 slots refreshes each of 20,000 connections
/// in about 17 hours: nearly all of its days, under four fifths of its periods).
#[test]
fn a_short_period_shows_the_coverage_of_each_period() {
    let t = TempDir::new("short-period");
    let sets = [
        "strategy.kind=queued",
        "strategy.concurrency=4",
        "population.connections=20000",
        "strategy.period=12h",
    ];
    let sc = scenario::load(&uk_mix(), &sets.map(String::from)).unwrap();
    let r = sim::run(&sc, 7);
    output::write_run(&t.path().join("uk-mix").join("queued"), &r).unwrap();
    markdown::write_report(t.path()).unwrap();
    let md = std::fs::read_to_string(t.path().join("report.md")).unwrap();
    let s = r.summary(None);
    let per_period = s.period_coverage.unwrap();
    assert!(
        per_period < 0.8 * s.coverage,
        "{per_period} against {}",
        s.coverage
    );
    let cell = format!(
        "{:.2} % ({:.2} % per period)",
        100.0 * s.coverage,
        100.0 * per_period
    );
    assert!(md.contains(&cell), "{cell}\n{md}");
    let finding = format!(
        "{:.2} % per period, its period shorter than a day",
        100.0 * per_period
    );
    assert!(md.contains(&finding), "{finding}\n{md}");
}
