//! The by-bank charts of a sweep on made-up banks.
use super::*;
use crate::report::dataset::SweepContext;
use crate::stats::Estimate;

/// A sweep's banks: (connections, concurrency, bank, failure rate) a point, the
/// coverage the same number.
pub(crate) fn banks(points: &[(&str, &str, &str, f64)]) -> SweepData {
    SweepData {
        params: ["population.connections", "strategy.concurrency", "bank"]
            .map(String::from)
            .to_vec(),
        points: points
            .iter()
            .map(|&(n, c, b, f)| SweepPoint {
                params: [n, c, b].map(String::from).to_vec(),
                metrics: [Metric::FailureRate, Metric::Coverage]
                    .map(|m| (m, Estimate::of(&[f]).unwrap()))
                    .into(),
                lower_bounds: vec![],
                replications: Some(1),
                strategy: Some("queued".into()),
                ignores_concurrency: false,
                slots: c.parse().ok(),
            })
            .collect(),
        source: "sweep_banks_summary.csv",
        context: SweepContext::default(),
    }
}

/// A peak between the ends is told, along x whatever the file's order (a trial's bank
/// read 18.45 % at 32 and 8.05 % at 192 where it peaked at 52 % at 96).
#[test]
fn the_worst_banks_peak_is_told() {
    let peaked = banks(&[
        ("1000", "192", "a", 0.0805),
        ("1000", "32", "a", 0.1845),
        ("1000", "96", "a", 0.52),
    ]);
    assert_eq!(
        worst_sentence(&peaked, 1, &DRAWN[0], &[]),
        "a fails the largest share of its attempts at every concurrency (18.45 % at \
         concurrency 32, 52.00 % at concurrency 96 and 8.05 % at concurrency 192)."
    );
}

/// The bank failing most is each point's highest failure rate, said once where one bank
/// is it at every point, else bank by bank; points without failures apart; the grid's
/// other values split the charts, named by them.
#[test]
fn the_bank_failing_most_is_named_and_other_values_split_the_charts() {
    let one = banks(&[
        ("1000", "8", "a", 0.01),
        ("1000", "8", "b", 0.02),
        ("1000", "64", "a", 0.10),
        ("1000", "64", "b", 0.80),
    ]);
    assert_eq!(
        worst_sentence(&one, 1, &DRAWN[0], &[]),
        "b fails the largest share of its attempts at every concurrency (2.00 % at \
         concurrency 8 and 80.00 % at concurrency 64)."
    );
    let changes = banks(&[
        ("1000", "4", "a", 0.0),
        ("1000", "4", "b", 0.0),
        ("1000", "8", "a", 0.05),
        ("1000", "8", "b", 0.02),
        ("1000", "64", "a", 0.10),
        ("1000", "64", "b", 0.80),
    ]);
    assert_eq!(
        worst_sentence(&changes, 1, &DRAWN[0], &[]),
        "The bank that fails the largest share of its attempts changes with the \
         concurrency: a at 1 point(s) (5.00 % at concurrency 8) and b at 1 point(s) \
         (80.00 % at concurrency 64). At 1 point(s) no bank failed an attempt."
    );
    let none = banks(&[("1000", "8", "a", 0.0), ("1000", "64", "a", 0.0)]);
    assert_eq!(
        worst_sentence(&none, 1, &DRAWN[0], &[]),
        "No bank failed an attempt at any concurrency."
    );
    // Coverage: the least covered, lower being worse (the same numbers as shares).
    assert_eq!(
        worst_sentence(&one, 1, &DRAWN[1], &[]),
        "a is the least covered at every concurrency (1.00 % at concurrency 8 and \
         10.00 % at concurrency 64)."
    );
    let full = banks(&[("1000", "8", "a", 1.0), ("1000", "64", "a", 1.0)]);
    assert_eq!(
        worst_sentence(&full, 1, &DRAWN[1], &[]),
        "Every bank was covered in full at every concurrency."
    );
    let two = banks(&[
        ("1000", "8", "a", 0.01),
        ("1000", "64", "a", 0.10),
        ("5000", "8", "a", 0.03),
        ("5000", "64", "a", 0.30),
    ]);
    let g = groups(&two, 1);
    let labels: Vec<(&str, usize)> = g
        .iter()
        .map(|(l, d, _)| (l.as_str(), d.points.len()))
        .collect();
    assert_eq!(labels, [("connections 1,000", 2), ("connections 5,000", 2)]);
    assert_eq!(suffixes(&g), ["_at_1000", "_at_5000"]);
}

/// Files named by each group's values; numbered where the names are long or alike; an
/// empty value adds nothing to the name.
#[test]
fn file_suffixes_name_each_group() {
    let two = banks(&[("1000", "8", "a", 0.01), ("5000", "8", "a", 0.03)]);
    let named = |v: &[&str]| {
        let g: Vec<_> = (v.iter())
            .map(|v| {
                (
                    String::new(),
                    two.clone_without_points(),
                    vec![v.to_string()],
                )
            })
            .collect();
        suffixes(&g)
    };
    assert_eq!(
        named(&["random_offset", "queued"]),
        ["_at_random_offset", "_at_queued"]
    );
    assert_eq!(named(&["[{ a = 1 }]", "[{a=1}]"]), ["_at_1", "_at_2"]);
    assert_eq!(named(&["x".repeat(40).as_str(), "y"]), ["_at_1", "_at_2"]);
    assert_eq!(named(&["only"]), [""]);
    let two = |v: [&str; 2]| {
        (
            String::new(),
            two.clone_without_points(),
            v.map(String::from).to_vec(),
        )
    };
    assert_eq!(
        suffixes(&[
            two(["750000", "[]"]),
            two(["750000", "[\"01:00\", \"08:00\"]"])
        ]),
        ["_at_750000", "_at_750000-01-00-08-00"]
    );
    let stem = "failure_rate_by_bank_vs_strategy-concurrency_at_random_offset";
    assert!(is_by_bank_stem(stem) && !is_by_bank_stem("failure_rate_by_bank_vs_"));
}

/// Beyond the charts' banks, the caption is of every bank: nine banks each failing most
/// at one concurrency name all nine, those left out of the drawing said so.
#[test]
fn the_caption_names_a_points_worst_left_out() {
    let names: Vec<String> = (1..=9).map(|b| format!("b{b}")).collect();
    let concs: Vec<String> = (1..=9).map(|c| c.to_string()).collect();
    let mut pts = Vec::new();
    for (i, c) in concs.iter().enumerate() {
        for (j, b) in names.iter().enumerate() {
            pts.push((
                "1000",
                c.as_str(),
                b.as_str(),
                if i == j { 0.5 } else { 0.1 },
            ));
        }
    }
    let ds = Dataset {
        sweep_banks: Some(banks(&pts)),
        ..Dataset::default()
    };
    let mut p = ChartPlan::default();
    by_bank_charts(&ds, &mut p);
    let failures = (p.charts.iter())
        .find(|c| c.stem.starts_with(DRAWN[0].base))
        .unwrap();
    let (_, left_out) = keep_worst(ds.sweep_banks.as_ref().unwrap(), &[&DRAWN[0]]);
    assert_eq!(left_out.len(), 2, "{left_out:?}");
    for b in &names {
        let named = match left_out.contains(b) {
            true => format!("{b} (not drawn) at 1 point(s) (50.00 %"),
            false => format!("{b} at 1 point(s) (50.00 %"),
        };
        assert!(
            failures.caption.contains(&named),
            "{named}: {}",
            failures.caption
        );
    }
}

/// Each figure's charts keep its own worst banks: nine banks failing 10 % to 90 % and
/// covered as much (a trial's own-429s charts left out a bank at 72 % to draw two short
/// of coverage at under 50 %).
#[test]
fn each_figure_keeps_its_own_worst() {
    let names: Vec<String> = (1..=9).map(|b| format!("b{b}")).collect();
    let mut pts = Vec::new();
    for c in ["8", "64"] {
        for (i, b) in names.iter().enumerate() {
            pts.push(("1000", c, b.as_str(), (i + 1) as f64 / 10.0));
        }
    }
    let ds = Dataset {
        sweep_banks: Some(banks(&pts)),
        ..Dataset::default()
    };
    let mut p = ChartPlan::default();
    by_bank_charts(&ds, &mut p);
    let caption = |base: &str| {
        let c = p.charts.iter().find(|c| c.stem.starts_with(base)).unwrap();
        c.caption.clone()
    };
    let failures = caption(DRAWN[0].base);
    assert!(failures.contains("left out: b1 and b2 ("), "{failures}");
    let coverage = caption("coverage_by_bank");
    assert!(coverage.contains("left out: b8 and b9 ("), "{coverage}");
}
