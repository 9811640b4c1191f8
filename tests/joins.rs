//! New customers who link a connection during the window (`population.join_share`): as
//! many as the share says, each linked by the reconnect flow's fetch and unknown to the
//! client before it, due from its join on, with no data age before it; the due population
//! follows the consent law with joins (`Consents::joined_shares`, integrated apart from
//! the run's draws), which is what the planner divides by.

use refresh_sim::consent::{Consents, Joins};
use refresh_sim::metrics::{RunResult, DAY_US};
use refresh_sim::rng::Streams;
use refresh_sim::scenario::{self, Scenario};
use refresh_sim::sim::{self, Outcome, Reason, Simulation};
use refresh_sim::time::{SimDuration, SimTime};

mod common;

/// One bank that admits everything, answers in 2 s and never fails; `population` and
/// `strategy` are TOML lines of their tables.
fn scenario(days: u32, population: &str, strategy: &str) -> Scenario {
    let text = format!(
        "[window]\nstart = \"00:00\"\nlength = \"{days}d\"\n\
         [population]\n{population}\n\
         [platform]\npoll_interval = \"10s\"\n\
         [strategy]\n{strategy}\n\
         [[banks]]\nname = \"b\"\nshare = 1.0\nerror_rate = 0.0\n\
         service_time = {{ dist = \"constant\", value = \"2s\" }}\n"
    );
    scenario::parse(&text, "inline", "joins", &[]).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The field a constant share of joins is given in.
const JOIN: &str = "population.join_share";

/// 3 % of consents expire a day and as many connections as that at the start join.
const STEADY: &str = "connections = 40000\nconsent_expiry_share = 0.03\njoin_share = 0.03";

/// Asserts that each day's due count of `r` is the connections at the start times the
/// share valid at the day's end plus the joiners' share, from `sc`'s consent law.
fn assert_due_follows_the_law(sc: &Scenario, r: &RunResult) {
    let n = sc.connections as f64;
    let ends: Vec<SimTime> = (1..=r.daily.len_days() as u64)
        .map(|d| SimTime(d * DAY_US))
        .collect();
    let consents = Consents::new(sc);
    let valid = consents.valid_shares(&ends);
    let joined = consents.joined_shares(&Joins::new(sc), &ends);
    for d in 0..ends.len() {
        let due = r.daily.total(d).eligible as f64;
        let want = n * (valid[d] + joined[d]);
        // Binomial spreads of both groups, bounded above.
        let sd = (n * valid[d] * (1.0 - valid[d]) + n * joined[d]).sqrt();
        assert!(
            (due - want).abs() < 4.5 * sd + 2.0,
            "day {d}: {due} due, expected {want:.0} ± {sd:.0}"
        );
    }
}

/// The due population follows the law with joins. Without joins it shrinks by 3 % a day;
/// with them it grows, the hazard's expiries falling as the first consents dwindle while
/// the joins keep their pace (16,076 left of the first 40,000 and 36,000 joined on day 30,
/// within a day's joins). At 10 % a day a consent lasts 10
/// days, so joiners' consents expire within the window and those customers who reconnect
/// come back; on the settled path (random offset) and the event loop (queued) alike.
#[test]
fn the_due_population_follows_the_law_with_joins() {
    let sc = scenario(30, STEADY, "kind = \"random_offset\"");
    let r = sim::run(&sc, 1);
    assert_due_follows_the_law(&sc, &r);
    let last = r.daily.total(29).eligible as f64;
    assert!((last - 52_076.0).abs() < 1_200.0, "{last}");
    let renewing = scenario(
        30,
        "connections = 20000\nconsent_expiry_share = 0.1\njoin_share = 0.05\n\
         reconnect_share = 0.7\nreconnect_mean_days = 2",
        "kind = \"queued\"\nconcurrency = 8",
    );
    let again = sim::run(&renewing, 2);
    assert_due_follows_the_law(&renewing, &again);
    assert_eq!(again.total().joined, 30_000);
}

/// Each joiner is linked once, by a customer-present fetch at its join (drawn apart from
/// the run) that comes before any other call for it and succeeds: the client does not
/// refresh a connection it does not know, and no customer asks for one they have not
/// linked (which would be answered `reconnect_required`). The count is the share's, and
/// the daily figures add up to it.
#[test]
fn joiners_are_linked_before_any_refresh() {
    for strategy in [
        "kind = \"random_offset\"",
        "kind = \"queued\"\nconcurrency = 64",
    ] {
        let sc = scenario(6, STEADY, strategy);
        let sc = Scenario {
            on_demand: scenario(1, STEADY, "kind = \"bulk\"\n[on_demand]\nper_day = 20000")
                .on_demand,
            ..sc
        };
        let (r, log) = Simulation::new(&sc, 3).with_attempt_log().run_logged();
        let joins = Joins::new(&sc);
        assert_eq!(joins.count, 7_200, "{strategy}");
        assert_eq!(r.total().joined, 7_200);
        let daily: u64 = (0..6).map(|d| r.daily.total(d).joined).sum();
        assert_eq!(daily, 7_200);
        let mut first = vec![None; joins.count as usize];
        for a in log.rows.iter().filter(|a| a.conn >= joins.first) {
            first[(a.conn - joins.first) as usize].get_or_insert(a);
        }
        let streams = Streams::new(3);
        for (j, a) in first.iter().enumerate() {
            let a = a.unwrap_or_else(|| panic!("{strategy}: joiner {j} never called"));
            assert_eq!(a.submitted, joins.at(&streams, a.conn), "{strategy}: {a:?}");
            assert!(
                a.reason == Reason::Link && a.outcome == Outcome::Success,
                "{strategy}: {a:?}"
            );
        }
    }
}

/// Every client takes a joiner in: with ample capacity nearly every due connection-day is
/// covered, and a joiner's time before it joined is no data age (counted, the hours before
/// the joins would put about a tenth of the connection-time past 48 h).
#[test]
fn every_client_takes_joiners_in() {
    for strategy in [
        "kind = \"queued\"\nconcurrency = 512\nloop = true",
        "kind = \"queued\"\nconcurrency = 64",
        "kind = \"random_offset\"",
        "kind = \"bulk\"",
    ] {
        let sc = Scenario {
            warmup: SimDuration::from_hours(24),
            ..scenario(12, STEADY, strategy)
        };
        let r = sim::run(&sc, 4);
        let s = r.summary(None);
        assert!(r.total().joined > 10_000, "{strategy}");
        assert!(s.coverage > 0.995, "{strategy}: coverage {}", s.coverage);
        assert!(s.stale_48h_share.unwrap() < 1e-6, "{strategy}: {s:?}");
    }
}

/// The share is checked like every other, and names its field. A window whose hours the
/// app-open profile gives no weight holds no joins (`run` hung, drawing for one), and the
/// note says the share does nothing there.
#[test]
fn join_share_is_checked() {
    let closed = "[window]\nstart = \"09:00\"\nlength = \"6h\"\n[population]\nconnections = 100\n\
                  join_share = 0.1\n[strategy]\nkind = \"bulk\"\n[on_demand]\nper_day = 10\n\
                  profile = [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0]\n\
                  [[banks]]\nname = \"b\"\nshare = 1.0\n\
                  service_time = { dist = \"constant\", value = \"1s\" }\n";
    let sc = scenario::parse(closed, "inline", "t", &[]).unwrap();
    assert_eq!(Joins::new(&sc).count, 0);
    assert!(
        sc.notes().iter().any(|n| n.contains("no joiner")),
        "{:?}",
        sc.notes()
    );
    assert_eq!(sim::run(&sc, 1).total().joined, 0);
    refused(
        "connections = 10\njoin_share = 1.5",
        JOIN,
        "between 0 and 1",
    );
}

/// Asserts that a one-bank scenario over two days with `population` is refused, naming
/// `field` and saying `why`.
fn refused(population: &str, field: &str, why: &str) {
    let text = format!(
        "[window]\nlength = \"2d\"\n[population]\n{population}\n[strategy]\nkind = \"bulk\"\n\
         [[banks]]\nname = \"b\"\nshare = 1.0\n\
         service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
    );
    let e = scenario::parse(&text, "inline", "t", &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains(field) && e.contains(why), "{e}");
}

/// A paced client spreads the connections there are at each period's start over the
/// period, not those yet to join: 10,000 connections at the start of a day, one every
/// 8.64 s, so 417 of its refreshes in the first hour. Paced for every connection the day
/// would have (13,000), it ran one every 6.65 s: 541.
#[test]
fn a_paced_client_paces_the_connections_it_has() {
    let sc = scenario(
        1,
        "connections = 10000\njoin_share = 0.3",
        "kind = \"paced\"",
    );
    let (r, log) = Simulation::new(&sc, 1).with_attempt_log().run_logged();
    assert_eq!(r.total().joined, 3_000);
    let hour = SimTime(3_600_000_000);
    let first_hour = log
        .rows
        .iter()
        .filter(|a| !a.reason.present() && a.submitted < hour)
        .count();
    assert!((416..=417).contains(&first_hour), "{first_hour}");
}

/// Customers' requests a day are spread over the connections there are: joins change which
/// connections are asked for, not how many requests there are (a request drawn for one not
/// yet linked was dropped, so a 30-day run with joins had a quarter fewer).
#[test]
fn on_demand_requests_keep_their_volume_with_joins() {
    let with = |joins: f64| {
        let population = format!("connections = 5000\njoin_share = {joins}");
        let sc = Scenario {
            on_demand: scenario(1, STEADY, "kind = \"bulk\"\n[on_demand]\nper_day = 5000")
                .on_demand,
            ..scenario(20, &population, "kind = \"random_offset\"")
        };
        r_requests(&sim::run(&sc, 2))
    };
    let (without, joining) = (with(0.0), with(0.05));
    assert!(without > 95_000, "{without}");
    assert_eq!(joining, without);
}

fn r_requests(r: &RunResult) -> u64 {
    r.demand.requests.iter().sum()
}

/// With accounts per customer, a joiner links with the accounts D•One's rule groups it with
/// (customer `c / k`), even when the connections at the start end inside a customer.
#[test]
fn a_customers_accounts_link_together() {
    let mut sc = scenario(2, "connections = 1000\njoin_share = 0.2", "kind = \"bulk\"");
    sc.connections_per_customer = 3;
    let joins = Joins::new(&sc);
    let s = Streams::new(1);
    assert_eq!(joins.at(&s, 1000), joins.at(&s, 1001), "customer 333");
    assert_eq!(joins.at(&s, 1002), joins.at(&s, 1004), "customer 334");
    assert_ne!(joins.at(&s, 1001), joins.at(&s, 1002));
}

/// A window of part of a day holds its hours' share of a day's joins by the app-open
/// profile: six hours of the night fewer than six of the evening (both held 50 before); an
/// hour of which the profile weighs only the second half holds half an hour's joins, and
/// one it does not weigh holds none (it was refused, counted by whole hours, or drew all
/// its joins into the one weighted minute).
#[test]
fn part_of_a_day_holds_its_hours_share_of_joins() {
    use refresh_sim::demand::DEFAULT_PROFILE;
    let day: f64 = DEFAULT_PROFILE.iter().sum();
    let joins = |start: &str| {
        let mut sc = scenario(
            1,
            "connections = 10000\njoin_share = 0.1",
            "kind = \"bulk\"",
        );
        sc.window = SimDuration::from_hours(6);
        sc.window_start = SimTime::ZERO + refresh_sim::time::parse_time_of_day(start).unwrap();
        Joins::new(&sc).count
    };
    let want = |from: usize| {
        (1000.0 * DEFAULT_PROFILE[from..from + 6].iter().sum::<f64>() / day).round() as u32
    };
    assert_eq!(joins("00:00"), want(0));
    assert_eq!(joins("17:00"), want(17));
    assert!(joins("17:00") > 5 * joins("00:00"));
    let one_hour = |start: &str| {
        let mut profile = [0.0; 24];
        profile[14] = 1.0;
        let text = format!(
            "[window]\nstart = \"{start}\"\nlength = \"1h\"\n[population]\nconnections = 100000\n\
             join_share = 0.5\n[strategy]\nkind = \"bulk\"\n[on_demand]\nper_day = 10\n\
             profile = {profile:?}\n[[banks]]\nname = \"b\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
        );
        scenario::parse(&text, "inline", "t", &[]).map(|sc| Joins::new(&sc).count)
    };
    assert_eq!(
        one_hour("13:30").unwrap(),
        25_000,
        "half an hour of the only hour"
    );
    assert_eq!(one_hour("13:00").unwrap(), 0);
}

/// More joiners than connection ids is refused, not capped silently.
#[test]
fn joins_beyond_the_ids_are_refused() {
    refused(
        "connections = 4000000000\njoin_share = 0.5",
        JOIN,
        "supported",
    );
}

/// The terminal, the report and its charts say the book the run started with and how many
/// joined, not one total (a book of 30,000 with 8,400 sign-ups read as 38,400).
#[test]
fn outputs_tell_the_book_from_its_joiners() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let bin = env!("CARGO_BIN_EXE_refresh-sim");
    let run = std::process::Command::new(bin)
        .args(["run", "example", "--set", "population.connections=2000"])
        .args(["--set", "population.join_share=0.05", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(text.contains("2,000 connections (+300 joined)"), "{text}");
    let report = std::process::Command::new(bin)
        .arg("report")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("2,000 connections (+300 joined during the window)"),
        "{md}"
    );
    let svg = std::fs::read_to_string(out.join("charts/day_in_the_life.svg")).unwrap();
    assert!(svg.contains("2,000 connections (+300 joined)"));
    // A sweep's subtitles and paragraph give the book swept, not the book grown (a trial's
    // said 271,700 connections for a book of 250,000).
    let swept = dir.path().join("sweep");
    let sweep = std::process::Command::new(bin)
        .args(["sweep", "example", "--set", "population.connections=2000"])
        .args(["--set", "population.join_share=0.05"])
        .args(["--set", "strategy.concurrency=2,4", "--replications", "1"])
        .arg("--out")
        .arg(&swept)
        .output()
        .unwrap();
    assert!(sweep.status.success(), "{sweep:?}");
    let report = std::process::Command::new(bin)
        .arg("report")
        .arg(&swept)
        .output()
        .unwrap();
    assert!(report.status.success(), "{report:?}");
    let md = std::fs::read_to_string(swept.join("report.md")).unwrap();
    assert!(md.contains("2,000 connections (+300 joined)"), "{md}");
    assert!(!md.contains("2,300 connections"), "{md}");
}

/// Growth a week, compounding (`population.growth_per_week`): 4 % a week over twelve weeks
/// makes the book `1.04^12 = 1.601` times its start (6,010 joiners for 10,000 connections),
/// the daily due count grows by 4 % a week (not by a constant number a day), and it follows
/// the consent law the planner divides by, with expiries too. Given with `join_share`, or
/// outside 0..1, it is refused naming the field.
#[test]
fn growth_a_week_compounds() {
    let sc = scenario(
        84,
        "connections = 10000\ngrowth_per_week = 0.04",
        "kind = \"random_offset\"",
    );
    let r = sim::run(&sc, 3);
    let joined = r.total().joined as f64;
    assert!((joined - 6_010.0).abs() < 0.002 * 6_010.0, "{joined}");
    // A day's due count holds those linked by its end (a joiner from its join): about the
    // book at mid-day, within the joins' draws (the law below holds it exactly).
    for weeks in [3, 6, 9, 11] {
        let due = r.daily.total(7 * weeks).eligible as f64;
        let want = 10_000.0 * 1.04f64.powf((7.0 * weeks as f64 + 0.5) / 7.0);
        assert!(
            (due - want).abs() < 0.01 * want,
            "week {weeks}: {due} due, {want:.0}"
        );
    }
    assert_due_follows_the_law(&sc, &r);
    let expiring = scenario(
        42,
        "connections = 20000\nconsent_expiry_share = 0.02\ngrowth_per_week = 0.1",
        "kind = \"queued\"\nconcurrency = 8",
    );
    assert_due_follows_the_law(&expiring, &sim::run(&expiring, 4));
    let growth = "population.growth_per_week";
    let both = "connections = 10\ngrowth_per_week = 0.04\njoin_share = 0.01";
    refused(both, growth, "not both");
    refused(
        "connections = 10\ngrowth_per_week = 2",
        growth,
        "from 0 to 1",
    );
}

/// `plan --at-week` sizes for the book some weeks on: the connections that a run of the
/// scenario carried on for those weeks has due on their last day (joins at 5 % a week,
/// consents lapsing at 2 % a day, most of their customers reconnecting).
#[test]
fn the_book_at_a_week_is_what_a_run_that_long_has_due() {
    let population = "connections = 20000\nconsent_expiry_share = 0.02\nreconnect_share = 0.6\n\
                      reconnect_mean_days = 2\ngrowth_per_week = 0.05";
    let short = scenario(4, population, "kind = \"random_offset\"");
    let book = refresh_sim::experiment::plan::Grown::book(&short, 20_000, 6) as f64;
    let long = scenario(42, population, "kind = \"random_offset\"");
    let due = sim::run(&long, 3).daily.total(41).eligible as f64;
    assert!(
        (due - book).abs() < 4.5 * book.sqrt() + 2.0,
        "{due} due on day 42, the plan's book {book}"
    );
    // Neither the start's 20,000 nor its gross growth (1.05^6).
    assert!(
        (book - 20_000.0 * 1.05f64.powi(6)).abs() > 1_000.0,
        "{book}"
    );
}

/// `plan --at-week` plans for that book and says what it is: the memo's head and the JSON
/// give the week and the start it grew from; `run --at-week` starts from it; a week out of
/// range, and a count written with a German thousands point, are refused naming the flag.
#[test]
fn a_plan_at_a_week_says_which_book_it_sized() {
    let dir = common::TempDir::new("at-week");
    let population = "connections = 2000\nconsent_expiry_share = 0.01\ngrowth_per_week = 0.04";
    let file = dir.join("grows.toml");
    let text = format!(
        "name = \"grows\"\nseed = 2\n[window]\nstart = \"00:00\"\nlength = \"2d\"\nwarmup = \"1d\"\n\
         [population]\n{population}\n[strategy]\nkind = \"queued\"\nconcurrency = 4\n\
         [[banks]]\nname = \"b\"\nshare = 1.0\n\
         service_time = {{ dist = \"constant\", value = \"2s\" }}\n\
         limits = [{{ kind = \"concurrency\", max_in_flight = 8 }}]\n"
    );
    std::fs::write(&file, &text).unwrap();
    let f = file.to_str().unwrap();
    let plan = [
        "plan",
        f,
        "--users",
        "2000",
        "--at-week",
        "8",
        "--replications",
        "2",
    ];
    let j: serde_json::Value =
        serde_json::from_slice(&common::sim(&[&plan[..], &["--json"]].concat()).stdout).unwrap();
    let sc = scenario::parse(&text, "grows.toml", "grows", &[]).unwrap();
    let book = refresh_sim::experiment::plan::Grown::book(&sc, 2000, 8);
    assert_eq!(j["users"], book, "{j}");
    assert_eq!(
        (j["at_week"].clone(), j["users_at_start"].clone()),
        (8.into(), 2000.into())
    );
    // `run --at-week` starts from the same book.
    let row = common::run_all_row(dir.path(), &file, &["--at-week", "8"]);
    assert_eq!(row["connections"] - row["joined"], book as f64, "{row:?}");
    let memo = common::text(&common::sim(&plan).stdout);
    let head = format!(
        "plan · grows · {} users (week 8: grown from 2,000 at week 0,",
        refresh_sim::output::text::thousands(book as f64)
    );
    assert!(memo.starts_with(&head), "{memo}");
    for (args, says) in [
        (
            ["--users", "2000", "--at-week", "0"],
            "--at-week 0: must be between 1 and 520",
        ),
        (
            ["--users", "180.000", "--at-week", "1"],
            "write 180000 (or 180k)",
        ),
    ] {
        let o = common::sim(&[&["plan", f][..], &args].concat());
        let err = common::text(&o.stderr);
        assert!(o.status.code() == Some(2) && err.contains(says), "{err}");
    }
}

/// A run whose book grows says so beside its averages: the first and last measured days'
/// due connections and coverage, as daily.csv has them; a book without joins, or one that
/// grew by under 1 %, gets no note.
#[test]
fn a_growing_book_is_noted_beside_the_averages() {
    let grows = scenario(
        15,
        "connections = 10000\ngrowth_per_week = 0.04",
        "kind = \"random_offset\"",
    );
    let r = sim::run(&grows, 4);
    let note = refresh_sim::output::terminal::growth_note(&r).unwrap();
    let (first, last) = (r.daily.total(0), r.daily.total(14));
    let due = |n: u64| refresh_sim::output::text::thousands(n as f64);
    assert!(
        note.contains(&format!(
            "from {} connections due on day 0 to {} on day 14",
            due(first.eligible),
            due(last.eligible)
        )),
        "{note}"
    );
    // 4 % a week for two weeks: about 8 % more due.
    let grew = last.eligible as f64 / first.eligible as f64 - 1.0;
    assert!((grew - (1.04f64.powi(2) - 1.0)).abs() < 0.01, "{grew}");
    let steady = scenario(15, "connections = 10000", "kind = \"random_offset\"");
    assert_eq!(
        refresh_sim::output::terminal::growth_note(&sim::run(&steady, 4)),
        None
    );
    let slow = scenario(
        3,
        "connections = 10000\ngrowth_per_week = 0.02",
        "kind = \"random_offset\"",
    );
    assert_eq!(
        refresh_sim::output::terminal::growth_note(&sim::run(&slow, 4)),
        None
    );
}
