//! The bad-day finding on made-up days.
use super::*;
use crate::report::dataset::SummaryRow;

/// A run of banks `a` and `b` whose measured days' shares a day old are `a` and `b`,
/// after a first day with no data yet.
fn run(a: &[f64], b: &[f64]) -> RunData {
    let day = |bank: &str, day: usize, share: f64, never: f64| DailyRow {
        day,
        bank: bank.into(),
        measured: true,
        stale_24h_share: Some(share),
        never_share: Some(never),
        ..DailyRow::default()
    };
    let mut daily = vec![day("a", 0, 0.9, 0.5), day("b", 0, 0.9, 0.5)];
    for (bank, shares) in [("a", a), ("b", b)] {
        daily.extend((shares.iter().enumerate()).map(|(d, &x)| day(bank, d + 1, x, 0.0)));
    }
    let row = |bank: &str| SummaryRow {
        bank: bank.into(),
        ..SummaryRow::default()
    };
    RunData {
        rel_dir: None,
        summary: vec![row("a"), row("b"), row("all")],
        start_minute_of_day: None,
        series: vec![],
        staleness: vec![],
        daily,
        by_hour: vec![],
        by_hour_banks: vec![],
        has_series: false,
        has_staleness: false,
        dir_name: None,
    }
}

/// A sentence's start in capitals, AIMD whole.
#[test]
fn aimd_is_an_acronym() {
    assert_eq!(
        capitalise("aimd (from 4 slots a bank) failed"),
        "AIMD (from 4 slots a bank) failed"
    );
    assert_eq!(capitalise("aimd"), "AIMD");
    assert_eq!(capitalise("aimdx"), "Aimdx");
    assert_eq!(capitalise("random offset"), "Random offset");
}

fn first(r: &RunData, whose: &str) -> Option<String> {
    bad_day_sentences(r, whose).into_iter().next()
}

/// The bank that rose most above its best day before, past the first pass, on its worst
/// day, and the day it came back within a point of that; or its share on the last
/// measured day; nothing under five points; an incident on the first day counted
/// against the best day after it; every bank that rose, most first.
#[test]
fn the_worst_day_and_its_recovery() {
    let s = first(&run(&[0.0, 0.1, 0.03, 0.005], &[0.0, 0.2, 0.1, 0.06]), "");
    let s = s.unwrap();
    let says = |s: &str, part: &str| assert!(s.contains(part), "{part}: {s}");
    says(&s, "At b, data a day old or older rose to 20.00 %");
    says(&s, "on day 2, against 0.00 % on its best day before it");
    says(&s, "was still 6.00 % on day 4, the last measured day");
    let s = first(&run(&[0.01, 0.3, 0.1, 0.015], &[0.0; 4]), "under x, ");
    let s = s.unwrap();
    says(&s, "Under x, at a, data a day old or older rose to 30.00 %");
    says(&s, "was back within a point of that on day 4");
    let s = first(&run(&[0.01, 0.02, 0.3], &[0.0; 3]), "").unwrap();
    says(&s, "on day 3");
    says(&s, "the measured days ended that day");
    // The first day's 90 % (its first pass) is not a bad day; 4.9 points is none.
    assert_eq!(first(&run(&[0.0, 0.049], &[0.0, 0.0]), ""), None);
    // An incident on the first day counted: against the best day after it.
    let s = first(&run(&[0.4, 0.04, 0.0], &[0.0; 3]), "").unwrap();
    says(
        &s,
        "At a, data a day old or older was 40.00 % of the connection-time on day 1",
    );
    says(
        &s,
        "against 0.00 % on its best day after it (this the first day counted), and",
    );
    says(&s, "was within a point of that on day 3");
    // Both banks' incidents, the larger first.
    let both = bad_day_sentences(&run(&[0.0, 0.1, 0.0], &[0.0, 0.0, 0.3]), "");
    assert_eq!(both.len(), 2, "{both:?}");
    assert!(
        both[0].starts_with("At b") && both[1].starts_with("At a"),
        "{both:?}"
    );
    // A little time without data every day (joiners, a book never quite covered) is
    // past the first pass when it is a tenth or less of the day-old share (a trial's
    // paced client: an incident on day 2 went unsaid behind 0.11 % on day 1).
    let mut r = run(&[0.1376, 0.3504, 0.3475, 0.2087, 0.1398], &[0.0; 5]);
    let never = [0.001128, 0.001723, 0.001851, 0.000782, 0.000804];
    for (d, n) in (r.daily.iter_mut())
        .filter(|d| d.bank == "a" && d.day > 0)
        .zip(never)
    {
        d.never_share = Some(n);
    }
    let s = first(&r, "").unwrap();
    says(
        &s,
        "rose to 35.04 % of the connection-time on day 2, against 13.76 %",
    );
    // With the day's count of connections, customers beside the time.
    let d2 = (r.daily.iter_mut()).find(|d| d.bank == "a" && d.day == 2);
    let d2 = d2.unwrap();
    (d2.stale_24h_connections, d2.stale_48h_connections) = (4411, 120);
    let d1 = (r.daily.iter_mut()).find(|d| d.bank == "a" && d.day == 1);
    d1.unwrap().stale_24h_connections = 1500;
    let s = first(&r, "").unwrap();
    says(&s, "on day 2 (120 of its connections two days old or older for an hour or more that day, 4,411 a day old or older), against 13.76 % (day 1: 0 connections two days old or older, 1,500 a day old or older) on its best day before it");
    // The day after with the most two days old, where more than on the day.
    let d3 = (r.daily.iter_mut()).find(|d| d.bank == "a" && d.day == 3);
    d3.unwrap().stale_48h_connections = 15_091;
    let s = first(&r, "").unwrap();
    says(
        &s,
        "4,411 a day old or older; on day 3, 15,091 of its connections two days old or older, the most of days 3–4), against",
    );
    says(&s, "back within a point of that on day 5");
    // Not on the recovery's day (5) or later: a later day's is not this incident's.
    let d6 = (r.daily.iter_mut()).find(|d| d.bank == "a" && d.day == 5);
    d6.unwrap().stale_48h_connections = 20_000;
    let s = first(&r, "").unwrap();
    says(
        &s,
        "on day 3, 15,091 of its connections two days old or older, the most of days 3–4)",
    );
    // The baseline is the best day before the worst, not one after it.
    let s = first(&run(&[0.02, 0.3, 0.0], &[0.0; 3]), "").unwrap();
    says(&s, "against 2.00 %");
    says(&s, "back within a point of that on day 3");
}

/// The worst day's share of app opens finding data a day old, and the usual day's,
/// beside their counts.
#[test]
fn the_worst_day_quotes_its_opens() {
    let says = |s: &str, part: &str| assert!(s.contains(part), "{part}: {s}");
    let mut r = run(&[0.1376, 0.3504, 0.3475, 0.2087, 0.1398], &[0.0; 5]);
    for (day, n, share) in [(1, 1500, 0.0012), (2, 4411, 0.4133)] {
        let d = (r.daily.iter_mut()).find(|d| d.bank == "a" && d.day == day);
        let d = d.unwrap();
        (d.stale_24h_connections, d.stale_24h_at_open_share) = (n, Some(share));
    }
    let s = first(&r, "").unwrap();
    says(
        &s,
        "(41.33 % of the app opens finding data that old, 4,411 of its connections a day old or older for an hour or more that day), against",
    );
    says(
        &s,
        "(day 1: 0.12 % of opens, 1,500 connections a day old or older)",
    );
}

/// A rise over several days is told from its first day, not only at its worst (a
/// trial's week-long rate cut read "on day 6", its second day).
#[test]
fn a_rise_over_days_is_told_from_its_first() {
    let s = first(&run(&[0.01, 0.30, 0.50, 0.02], &[0.0; 4]), "").unwrap();
    assert!(
        s.contains(
            "was up from day 2, rising to 50.00 % of the connection-time on day 3, against 1.00 %"
        ),
        "{s}"
    );
    let s = first(&run(&[0.01, 0.50, 0.30, 0.02], &[0.0; 4]), "").unwrap();
    assert!(
        s.contains("rose to 50.00 % of the connection-time on day 2"),
        "{s}"
    );
}

/// Under a busy queue nearly every connection is a day old for an hour every day: the
/// finding leads with what moved (the opens, those two days old) and leaves out the
/// count that did not; "back" says the two-day tail still there (a trial's cut read
/// 144,709 against 141,597 first, and "back" with 47,938 still two days old).
#[test]
fn the_worst_day_leads_with_what_moved() {
    let says = |s: &str, part: &str| assert!(s.contains(part), "{part}: {s}");
    let shares = [0.452, 0.450, 0.537, 0.627, 0.433, 0.464];
    let mut r = run(&shares, &[0.0; 6]);
    let counts = [
        (56_925, 100, 0.45),
        (56_518, 128, 0.45),
        (55_942, 8_672, 0.56),
        (55_933, 19_456, 0.63),
        (54_353, 17_483, 0.41),
        (52_216, 3_859, 0.46),
    ];
    for (day, (n24, n48, opens)) in counts.into_iter().enumerate() {
        let d = (r.daily.iter_mut()).find(|d| d.bank == "a" && d.day == day + 1);
        let d = d.unwrap();
        (d.stale_24h_connections, d.stale_48h_connections) = (n24, n48);
        (d.stale_24h_at_open_share, d.due) = (Some(opens), 57_000);
    }
    let s = first(&r, "").unwrap();
    says(&s, "was up from day 3, rising to 62.70 % of the connection-time on day 4 (63.00 % of the app opens finding data that old, 19,456 of its connections two days old or older for an hour or more that day), against 45.00 % (day 2: 45.00 % of opens, 128 connections two days old or older) on its best day before it");
    says(&s, "was back within a point of that on day 5, though 17,483 of its connections were still two days old or older that day and 3,859 on day 6, the last measured day (");
    says(&s, "`stale_24h_at_open_share` and `stale_48h_connections`;");
    assert!(!s.contains("a day old or older for an hour"), "{s}");
    // Back near the usual day's on a later day.
    let d6 = (r.daily.iter_mut()).find(|d| d.bank == "a" && d.day == 6);
    d6.unwrap().stale_48h_connections = 600;
    let s = first(&r, "").unwrap();
    says(
        &s,
        "still two days old or older that day, down to 600 on day 6 (",
    );
    // None said where the tail is within a hundredth of the due connections.
    let d5 = (r.daily.iter_mut()).find(|d| d.bank == "a" && d.day == 5);
    d5.unwrap().stale_48h_connections = 690;
    let s = first(&r, "").unwrap();
    says(&s, "was back within a point of that on day 5 (");
}

/// The two-day backlog a day after a one-day cut is said, and its column cited, whether
/// it is the recovery day's tail or a later day's most, with or without counts that rose
/// on the worst day (a review: both were quoted uncited, or dropped).
#[test]
fn the_backlog_after_a_cut_is_said_and_cited() {
    let set = |r: &mut RunData, opens: Option<f64>| {
        for d in r.daily.iter_mut().filter(|d| d.bank == "a" && d.day > 0) {
            (d.due, d.stale_24h_connections) = (100_000, 1_000);
            d.stale_24h_at_open_share = opens;
            d.stale_48h_connections = if d.day == 4 { 15_091 } else { 0 };
        }
    };
    let mut r = run(&[0.01, 0.01, 0.40, 0.015, 0.01], &[0.0; 5]);
    set(&mut r, Some(0.1));
    let s = first(&r, "").unwrap();
    assert!(
        s.contains("back within a point of that on day 4, though 15,091 of its connections were still two days old or older that day, down to 0 on day 5 (")
            && s.contains("`stale_48h_connections`;"),
        "{s}"
    );
    let mut r = run(&[0.01, 0.01, 0.40, 0.20, 0.01], &[0.0; 5]);
    set(&mut r, None);
    let s = first(&r, "").unwrap();
    assert!(
        s.contains("on day 3 (on day 4, 15,091 of its connections two days old or older), against 1.00 % on its best")
            && s.contains("`stale_24h_share` and `stale_48h_connections`;"),
        "{s}"
    );
}

/// A weekly incident is told once with its other weeks' days (a trial's second week was
/// told, its first not); a first day counted that the next day barely takes back is a
/// client settling, not an incident; still up at the end, the connections two days old.
#[test]
fn other_days_settling_and_the_end() {
    let r = run(&[0.01, 0.03, 0.20, 0.02, 0.01, 0.01, 0.16, 0.01], &[0.0; 8]);
    let s = first(&r, "").unwrap();
    assert!(
        s.contains("on day 3, against 1.00 %")
            && s.contains(
                "on day 4; it rose five points or more above that on day 7 too (16.00 %) ("
            ),
        "{s}"
    );
    let settling = run(&[0.0573, 0.0479, 0.0413, 0.0384, 0.007], &[0.0; 5]);
    assert_eq!(first(&settling, ""), None);
    // A level that rose a few points and wandered is no bad day (a trial's queue after a
    // 1-day warm-up); a peak that stands out from such a level is.
    let wandering = [0.0854, 0.1454, 0.106, 0.13, 0.145, 0.1211];
    assert_eq!(first(&run(&wandering, &[0.0; 6]), ""), None);
    // Its highest day anywhere in the level (a review moved it to day 3).
    let later_peak = [0.0854, 0.106, 0.1454, 0.13, 0.145, 0.1211];
    assert_eq!(first(&run(&later_peak, &[0.0; 6]), ""), None);
    // A level more than five points up is told, however it wandered.
    let up = [0.02, 0.085, 0.09, 0.08, 0.095, 0.085];
    let s = first(&run(&up, &[0.0; 6]), "").unwrap();
    assert!(s.contains("9.50 % of the connection-time on day 5"), "{s}");
    let peak = [0.0854, 0.2454, 0.106, 0.13, 0.145, 0.1211];
    let s = first(&run(&peak, &[0.0; 6]), "").unwrap();
    assert!(s.contains("rose to 24.54 %"), "{s}");
    // A rise under ten points that comes back, or that follows a settled day, is told (a
    // review: a bank closed for a day, back over two; one never back after two days alike).
    let back = first(&run(&[0.01, 0.07, 0.035, 0.015], &[0.0; 4]), "").unwrap();
    assert!(
        back.contains("rose to 7.00 %") && back.contains("back within a point"),
        "{back}"
    );
    let settled = [0.01, 0.01, 0.08, 0.055, 0.055, 0.055];
    let never_back = first(&run(&settled, &[0.0; 6]), "").unwrap();
    assert!(never_back.contains("was still 5.50 %"), "{never_back}");
    // Twice the threshold is an incident however slowly it went (a review's cut over the
    // first two days counted was dropped).
    let cut = first(&run(&[0.40, 0.38, 0.01], &[0.0; 3]), "").unwrap();
    assert!(
        cut.contains("was 40.00 % of the connection-time on day 1"),
        "{cut}"
    );
    // A bank never back keeps a later peak (a review: day 7's 35 % went unsaid).
    let twice = run(&[0.02, 0.40, 0.06, 0.04, 0.04, 0.04, 0.35, 0.05], &[0.0; 8]);
    let s = first(&twice, "").unwrap();
    assert!(s.contains("above that on day 7 too (35.00 %)"), "{s}");
    let mut r = run(&[0.01, 0.30, 0.20], &[0.0; 3]);
    for d in r.daily.iter_mut().filter(|d| d.bank == "a" && d.day > 0) {
        (d.due, d.stale_24h_connections) = (10_000, 500);
        d.stale_48h_connections = if d.day == 3 { 1_630 } else { 0 };
    }
    let s = first(&r, "").unwrap();
    assert!(
        s.contains("was still 20.00 % on day 3, the last measured day, with 1,630 of its connections two days old or older (")
            && s.contains("`stale_48h_connections`")
            && s.matches("1,630").count() == 1,
        "{s}"
    );
}

/// `run`'s banks with a 6-hour `window.fresh_within`, each day's opens past it `a` and `b`
/// at banks `a` and `b`, its periods covered as `periods` at `a` (every other day whole),
/// and every day covered once.
fn fresh_run(a: &[f64], b: &[f64], periods: &[f64]) -> RunData {
    let mut r = run(&vec![0.0; a.len()], &vec![0.0; b.len()]);
    r.summary[2].fresh_within_hours = Some(6.0);
    for d in r.daily.iter_mut().filter(|d| d.day > 0) {
        let (x, p) = match d.bank.as_str() {
            "a" => (a[d.day - 1], periods[d.day - 1]),
            _ => (b[d.day - 1], 1.0),
        };
        (d.not_fresh_at_open_share, d.period_coverage, d.coverage) = (Some(x), Some(p), 1.0);
    }
    r
}

/// A client refreshing every 6 h through a day's outage keeps its data younger than a day:
/// its bad day is told by the opens past `window.fresh_within`, with the day's periods and
/// its whole coverage; not where `fresh_within` is a day; a bank told by its day-old share
/// is not told again; the troubled bank's table follows it.
#[test]
fn a_bad_day_past_fresh_within_is_told() {
    let r = fresh_run(&[0.0, 0.0, 0.6, 0.0], &[0.0; 4], &[1.0, 1.0, 0.5, 1.0]);
    let s = first(&r, "").unwrap();
    assert_eq!(
        s,
        "At a, app opens finding data 6 h old or older rose to 60.00 % on day 3 (50.00 % of \
         its periods covered; its day's coverage, one success a day, read 100.00 %), against \
         0.00 % (day 1: 100.00 % of its periods) on its best day before it, and was back \
         within a point of that on day 4 (daily.csv's `not_fresh_at_open_share` and \
         `period_coverage`)."
    );
    let what = "app opens finding data 6 h old or older".to_string();
    assert_eq!(troubled_bank(&[&r]), Some(("a".into(), what)));
    let mut day = r.clone();
    day.summary[2].fresh_within_hours = Some(24.0);
    assert_eq!(bad_day_sentences(&day, ""), Vec::<String>::new());
    assert_eq!(troubled_bank(&[&day]), None);
    // Bank b's data a day old too: told once, by its day-old share, and a by its opens.
    let mut both = fresh_run(&[0.0, 0.0, 0.6, 0.0], &[0.0, 0.9, 0.9, 0.0], &[1.0; 4]);
    for d in both
        .daily
        .iter_mut()
        .filter(|d| d.bank == "b" && d.day == 2)
    {
        d.stale_24h_share = Some(0.4);
    }
    let told = bad_day_sentences(&both, "");
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(told[0].starts_with("At b, data a day old or older rose to 40.00 %"));
    assert!(
        told[1].starts_with("At a, app opens finding data 6 h old"),
        "{told:?}"
    );
    assert!(
        told[1].contains("(100.00 % of its periods covered)"),
        "{told:?}"
    );
    // Runs of differing freshness: each read by its own, the table's words by neither's.
    let mut twelve = fresh_run(&[0.0; 4], &[0.0; 4], &[1.0; 4]);
    twelve.summary[2].fresh_within_hours = Some(12.0);
    let (bank, what) = troubled_bank(&[&twelve, &r]).unwrap();
    assert_eq!(bank, "a");
    assert_eq!(
        what,
        "app opens finding data window.fresh_within old or older"
    );
}
