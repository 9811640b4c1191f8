//! Data age when customers open the app, on whole runs: with customers who look at every
//! hour alike it is the time-weighted data age; with customers who look only in the evening,
//! after a nightly refresh, it is the evening's age, not the clock's average.

use refresh_sim::scenario;
use refresh_sim::sim;

mod common;

fn run(profile: &str, strategy: &str) -> refresh_sim::metrics::Summary {
    result(profile, strategy).summary(None)
}

fn result(profile: &str, strategy: &str) -> refresh_sim::metrics::RunResult {
    let text = format!(
        "name = \"open\"\nseed = 4\n[window]\nstart = \"02:00\"\nlength = \"3d\"\nwarmup = \"1d\"\n\
         [population]\nconnections = 20000\nconsent_expiry_share = 0.02\n\
         [on_demand]\nper_day = 0\nprofile = [{profile}]\n\
         [strategy]\n{strategy}\n\
         [[banks]]\nname = \"a\"\nshare = 1.0\n\
         service_time = {{ dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }}\n"
    );
    let sc = scenario::parse(&text, "open", "t", &[]).unwrap();
    sim::run(&sc, sc.seed)
}

/// By the hours of the day (`run`'s quarters), a nightly refresh at 02:00 with customers at
/// every hour: the morning's opens find data about 7 h old, the evening's about 19 h, and
/// the hours across midnight (22:00–02:00) about 22 h; a quarter's day-old share is nil.
#[test]
fn each_part_of_the_day_sees_its_own_age() {
    let r = result(&["1"; 24].join(", "), "kind = \"bulk\"");
    let median = |hours| r.at_open.between(None, hours).p50_hours.unwrap();
    let (morning, evening, midnight) = (median(6..12), median(18..24), median(22..26));
    assert!((6.5..=7.5).contains(&morning), "{morning}");
    assert!((18.5..=19.5).contains(&evening), "{evening}");
    assert!((21.5..=22.5).contains(&midnight), "{midnight}");
    assert!(r.at_open.between(None, 6..12).stale_24h_share.unwrap() < 0.01);
}

/// `window.fresh_within`: daily random offsets leave each connection's data age uniform over
/// the day at every instant, so the opens finding data `x` old or older are `1 − x / 24 h`
/// of them, whatever the hours they open the app; the run's lines say the share and its age
/// where it is not a day, the by-the-clock line counting each quarter's from it; at a day
/// it is the day-old share and unsaid.
#[test]
fn the_opens_past_a_freshness_are_counted_from_it() {
    let evening = [["0"; 18].join(", "), ["1"; 6].join(", ")].join(", ");
    for (fresh, expected) in [
        ("90m", 1.0 - 1.5 / 24.0),
        ("12h", 0.5),
        ("20h", 1.0 - 20.0 / 24.0),
    ] {
        let text = format!(
            "[window]\nlength = \"3d\"\nwarmup = \"1d\"\nfresh_within = \"{fresh}\"\n\
             [population]\nconnections = 20000\n\
             [on_demand]\nper_day = 0\nprofile = [{evening}]\n\
             [strategy]\nkind = \"random_offset\"\n\
             [[banks]]\nname = \"a\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"3s\" }}\n"
        );
        let sc = scenario::parse(&text, "fresh", "t", &[]).unwrap();
        let r = sim::run(&sc, 3);
        let got = r.summary(None).not_fresh_at_open_share.unwrap();
        assert!(
            (got - expected).abs() < 0.01,
            "{fresh}: {got} against {expected}"
        );
        let evening = r.at_open.between(None, 18..24).not_fresh_share.unwrap();
        assert!((evening - expected).abs() < 0.01, "{fresh}: {evening}");
        let hours = r.at_open.hours(None);
        let at_20 = hours[20].not_fresh_share.unwrap();
        assert!((at_20 - expected).abs() < 0.02, "{fresh}: {at_20}");
        if fresh == "12h" {
            // The report's quarters count from it too, as `run`'s do, and say so.
            let dir = tempfile::tempdir().unwrap();
            refresh_sim::output::write_run(dir.path(), &r).unwrap();
            let status = std::process::Command::new(env!("CARGO_BIN_EXE_refresh-sim"))
                .arg("report")
                .arg(dir.path())
                .output()
                .unwrap();
            assert!(status.status.success(), "{status:?}");
            let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
            assert!(md.contains("App opens finding data 12 h old or older (or none), by quarter"));
            let row = format!("| {:.2} % |", evening * 100.0);
            assert!(md.contains(&row), "{row} not in {md}");
        }
        let text = refresh_sim::output::terminal::human_summary(&r);
        let old = match fresh {
            "90m" => "1h30m".to_string(),
            h => h.replace('h', " h"),
        };
        assert!(
            text.contains(&format!(
                "find data {old} old or older, or none (window.fresh_within)"
            )) && text.contains(&format!("h, {:.2} % {old} old or none", evening * 100.0)),
            "{text}"
        );
    }
    let s = run(&["1"; 24].join(", "), "kind = \"random_offset\"");
    assert_eq!(s.not_fresh_at_open_share, s.stale_24h_at_open_share);
    let r = result(&["1"; 24].join(", "), "kind = \"random_offset\"");
    let text = refresh_sim::output::terminal::human_summary(&r);
    assert!(
        !text.contains("window.fresh_within") && text.contains("a day old or none"),
        "{text}"
    );
}

#[test]
fn customers_who_look_at_every_hour_see_the_time_weighted_age() {
    let s = run(&["1"; 24].join(", "), "kind = \"random_offset\"");
    let (p50, p95) = (
        s.staleness_p50_hours.unwrap(),
        s.staleness_p95_hours.unwrap(),
    );
    let (o50, o95) = (s.at_open_p50_hours.unwrap(), s.at_open_p95_hours.unwrap());
    // The same within the app-open figures' ten minutes.
    assert!(
        (o50 - p50).abs() <= 1.0 / 6.0 && (o95 - p95).abs() <= 1.0 / 6.0,
        "{s:?}"
    );
    let (a, b) = (
        s.stale_24h_share.unwrap(),
        s.stale_24h_at_open_share.unwrap(),
    );
    assert!((a - b).abs() < 0.002, "{a} vs {b}");
}

#[test]
fn evening_customers_see_a_nightly_refresh_eighteen_hours_old() {
    let mut evening = ["0"; 24];
    evening[19..22].fill("1");
    let s = run(&evening.join(", "), "kind = \"bulk\"");
    let (p50, o50) = (s.staleness_p50_hours.unwrap(), s.at_open_p50_hours.unwrap());
    // Refreshed at 02:00 (within seconds): 12 h old over the clock, 17–20 h when they look.
    assert!((11.5..=12.5).contains(&p50), "{p50}");
    assert!((18.3..=18.7).contains(&o50), "{o50}");
    assert!(s.at_open_p95_hours.unwrap() < 21.0, "{s:?}");
}

/// `data_age_by_hour.csv`, hour by hour, on the nightly run: the data is about an hour old
/// after the 02:00 refresh and 17–18 h old at 19:00; the opens' shares are the profile's; and
/// the hours' shares of day-old data, weighted by the opens, are summary.csv's share at app
/// opens.
#[test]
fn each_hour_of_the_day_is_written_with_the_age_it_sees() {
    let mut profile = ["1"; 24];
    profile[19..22].fill("4");
    let text = format!(
        "name = \"open\"\nseed = 4\n[window]\nstart = \"02:00\"\nlength = \"3d\"\nwarmup = \"1d\"\n\
         [population]\nconnections = 20000\nconsent_expiry_share = 0.02\n\
         [on_demand]\nper_day = 0\nprofile = [{}]\n\
         [strategy]\nkind = \"bulk\"\n\
         [[banks]]\nname = \"a\"\nshare = 1.0\n\
         service_time = {{ dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }}\n",
        profile.join(", ")
    );
    let sc = scenario::parse(&text, "open", "t", &[]).unwrap();
    let r = sim::run(&sc, sc.seed);
    let dir = tempfile::tempdir().unwrap();
    refresh_sim::output::write_run(dir.path(), &r).unwrap();
    let mut rd = csv::Reader::from_path(dir.path().join("data_age_by_hour.csv")).unwrap();
    let rows: Vec<refresh_sim::output::age_by_hour::HourRow> =
        rd.deserialize().map(|x| x.unwrap()).collect();
    // The one bank's 24 hours, then all banks' (the same figures).
    assert_eq!(rows.len(), 48);
    assert!(rows[..24].iter().all(|h| h.bank == "a") && rows[24..].iter().all(|h| h.bank == "all"));
    let mut bank_a = rows[..24].to_vec();
    bank_a.iter_mut().for_each(|h| h.bank = "all".into());
    assert_eq!(bank_a, rows[24..]);
    let p50 = |h: usize| rows[h].data_age_p50_hours.unwrap();
    assert!((1.0..=2.0).contains(&p50(3)), "{}", p50(3));
    assert!((17.0..=18.0).contains(&p50(19)), "{}", p50(19));
    assert!((rows[20].app_open_share - 4.0 / 33.0).abs() < 1e-6);
    let hours: f64 = rows[24..].iter().map(|r| r.connection_hours).sum();
    // Two measured days of 20,000 connections, less the 2 % a day whose consent lapsed.
    assert!((0.95 * 960_000.0..=960_000.0).contains(&hours), "{hours}");
    let weighted: f64 = rows
        .iter()
        .map(|r| r.app_open_share * r.stale_24h_share.unwrap())
        .sum();
    let at_open = r.summary(None).stale_24h_at_open_share.unwrap();
    assert!(
        (weighted - at_open).abs() < 0.002,
        "{weighted} vs {at_open}"
    );
}

/// Each bank's customers find their own bank's data: beside a bank that admits every call,
/// one admitting 60 calls an hour (a pass of its 2,000 connections in 33 hours) leaves data
/// older than a day at app open. `summary.csv`'s bank rows and `data_age_by_hour.csv`'s bank hours agree, the
/// banks' hours add up to all's, and the terminal and the report name the bank whose
/// customers most often find data a day old.
#[test]
fn each_banks_customers_see_their_own_banks_data() {
    let dir = common::TempDir::new("at-open-banks");
    let file = dir.join("two.toml");
    std::fs::write(
        &file,
        "name = \"two\"\nseed = 4\n[window]\nlength = \"4d\"\nwarmup = \"2d\"\n\
         [population]\nconnections = 4000\n[strategy]\nkind = \"queued\"\nconcurrency = 4\n\
         [[banks]]\nname = \"open\"\nshare = 0.5\n\
         service_time = { dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }\n\
         [[banks]]\nname = \"tight\"\nshare = 0.5\n\
         service_time = { dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }\n\
         limits = [{ kind = \"fixed_window\", limit = 60, window = \"1h\" }]\n",
    )
    .unwrap();
    let out = dir.join("out");
    let bin = || std::process::Command::new(env!("CARGO_BIN_EXE_refresh-sim"));
    let ran = common::succeed(bin().arg("run").arg(&file).arg("--out").arg(&out));
    let summary: Vec<refresh_sim::output::summary::SummaryRow> =
        refresh_sim::output::read(&out.join("summary.csv")).unwrap();
    let hours: Vec<refresh_sim::output::age_by_hour::HourRow> =
        refresh_sim::output::read(&out.join("data_age_by_hour.csv")).unwrap();
    let names: Vec<&str> = hours.iter().step_by(24).map(|h| h.bank.as_str()).collect();
    assert_eq!(names, ["open", "tight", "all"]);
    for (i, s) in summary.iter().enumerate() {
        let rows = &hours[i * 24..(i + 1) * 24];
        assert!(rows.iter().all(|h| h.bank == s.bank));
        let weighted: f64 = rows
            .iter()
            .map(|r| r.app_open_share * r.stale_24h_share.unwrap())
            .sum();
        let at_open = s.stale_24h_at_open_share.unwrap();
        assert!(
            (weighted - at_open).abs() < 0.002,
            "{}: {weighted} vs {at_open}",
            s.bank
        );
    }
    for h in 0..24 {
        let (a, b, all) = (&hours[h], &hours[24 + h], &hours[48 + h]);
        let sum = a.connection_hours + b.connection_hours;
        assert!((sum - all.connection_hours).abs() < 1e-3, "hour {h}");
    }
    let (open, tight) = (&summary[0], &summary[1]);
    let p95 = |s: &refresh_sim::output::summary::SummaryRow| s.at_open_p95_hours.unwrap();
    assert!(
        p95(tight) > 24.0 && p95(open) < 24.0,
        "{} vs {}",
        p95(tight),
        p95(open)
    );
    let stale = |s: &refresh_sim::output::summary::SummaryRow| s.stale_24h_at_open_share.unwrap();
    assert!(
        stale(tight) > 0.1 && stale(open) < 0.05,
        "{} vs {}",
        stale(tight),
        stale(open)
    );
    let terminal = common::text(&ran.stdout);
    assert!(
        terminal.contains("24 h old or older, or none; worst, tight: "),
        "{terminal}"
    );
    // By the clock too: the bank and quarter whose customers most often find it a day old.
    assert!(
        terminal.contains("a day old or none; worst, tight in the "),
        "{terminal}"
    );
    common::succeed(bin().arg("report").arg(&out));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("older. Customers of tight find data a day old most often: "),
        "{report}"
    );
    // A chart of each bank's median by the hour, captioned with the busiest hour's.
    assert!(out.join("charts/data_age_by_hour_banks.svg").is_file());
    assert!(
        report.contains("customers open the app most")
            && report.contains(", the median data age is open "),
        "{report}"
    );
    // By quarter of the day, bank by bank: the all-bank row is the terminal's line.
    let quarters = report
        .lines()
        .find(|l| l.ends_with("| all banks |") || l.contains("| all banks | "))
        .unwrap();
    let cells: Vec<&str> = quarters.split(" | ").map(str::trim).collect();
    for (i, name) in [
        "night 00–06",
        "morning 06–12",
        "afternoon 12–18",
        "evening 18–24",
    ]
    .iter()
    .enumerate()
    {
        let said = terminal.split(&format!("{name} median ")).nth(1).unwrap();
        let share = said
            .split(", ")
            .nth(1)
            .unwrap()
            .split(" a day old")
            .next()
            .unwrap();
        assert_eq!(
            cells[2 + i].trim_end_matches(" |"),
            share,
            "{name}: {quarters}"
        );
    }
    // And each bank's row, after the run's name.
    let tight_row = (report.lines())
        .find(|l| l.starts_with("| queued (concurrency 4) | tight | "))
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(tight_row.matches(" % |").count(), 4, "{tight_row}");
    // The bank table gives each bank's share of opens finding data a day old, after its
    // coverage, failure rate and own 429s.
    let row = report.lines().find(|l| l.starts_with("| tight |")).unwrap();
    let old = refresh_sim::output::text::pct(stale(tight));
    assert!(
        row.ends_with(&format!(" / {old} |")) && row.matches(" / ").count() == 3,
        "{row}"
    );
}

/// A nightly client's period begins as its band opens, not at the window's clock: a pass
/// skips only what was refreshed since it began. From a window opening at 18:00, the
/// evening's customers (one request a connection, all between 18:00 and 24:00) had spared
/// those connections the night's pass, leaving the background 37 % of them (e^−1); now the
/// night refreshes all but a few whatever the window's start, as from 00:00 (the few: a
/// customer's fetch in the hour before the pass reaches them answers it, deduplicated).
#[test]
fn a_nightly_pass_does_not_depend_on_the_windows_start() {
    let background = |start: &str| {
        let mut evening = ["0"; 24];
        evening[18..24].fill("1");
        let text = format!(
            "name = \"night\"\nseed = 4\n[window]\nstart = \"{start}\"\nlength = \"3d\"\nwarmup = \"1d\"\n\
             [population]\nconnections = 20000\n\
             [on_demand]\nper_connection = 1.0\nprofile = [{}]\n\
             [strategy]\nkind = \"queued\"\nconcurrency = 40\nhours = [\"00:00\", \"06:00\"]\n\
             [[banks]]\nname = \"a\"\nshare = 1.0\n\
             service_time = {{ dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }}\n",
            evening.join(", ")
        );
        let sc = scenario::parse(&text, "night", "t", &[]).unwrap();
        sim::run(&sc, sc.seed)
            .summary(None)
            .background_coverage
            .unwrap()
    };
    let (midnight, evening) = (background("00:00"), background("18:00"));
    assert!(midnight > 0.93, "{midnight}");
    assert!((evening - midnight).abs() < 0.01, "{evening} vs {midnight}");
}

/// Where only some customers open the app, the hours are theirs: a random-offset client
/// with half the customers asking twice a day each (their requests refreshing them) writes
/// hours over about half the connection-time, fresher than the book's median, and the
/// report's caption says so; with every customer asking it says nothing of it. The whole
/// book's columns hold every connection's time: as much as `staleness.csv`'s, the data older
/// at every hour than the askers'; with every customer asking, the same as theirs.
#[test]
fn the_hours_are_the_askers_and_the_report_says_so() {
    let report = |active: &str| {
        let text = format!(
            "name = \"askers\"\nseed = 4\n[window]\nlength = \"3d\"\nwarmup = \"1d\"\n\
             [population]\nconnections = 20000\n\
             [on_demand]\nper_connection = 1.0\n{active}\n\
             [strategy]\nkind = \"random_offset\"\nperiod = \"48h\"\n\
             [[banks]]\nname = \"a\"\nshare = 1.0\n\
             service_time = {{ dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }}\n"
        );
        let sc = scenario::parse(&text, "askers", "t", &[]).unwrap();
        let r = sim::run(&sc, sc.seed);
        let dir = tempfile::tempdir().unwrap();
        refresh_sim::output::write_run(dir.path(), &r).unwrap();
        let rows: Vec<refresh_sim::output::age_by_hour::HourRow> =
            refresh_sim::output::read(&dir.path().join("data_age_by_hour.csv")).unwrap();
        let all: Vec<_> = rows.into_iter().filter(|r| r.bank == "all").collect();
        let hours: f64 = all.iter().map(|r| r.connection_hours).sum();
        let book: f64 = all.iter().map(|r| r.book_connection_hours.unwrap()).sum();
        let staleness: Vec<refresh_sim::output::staleness::AgeRow> =
            refresh_sim::output::read(&dir.path().join("staleness.csv")).unwrap();
        let whole: f64 = (staleness.iter().filter(|r| r.bank == "all"))
            .map(|r| r.connection_hours)
            .sum();
        assert!(
            (book - whole).abs() < 1e-6 * whole,
            "{book} against {whole}"
        );
        let older = all.iter().all(|r| {
            let (open, book) = (
                r.data_age_p50_hours.unwrap(),
                r.book_data_age_p50_hours.unwrap(),
            );
            match active.is_empty() {
                true => r.book_connection_hours == Some(r.connection_hours) && book == open,
                false => book > open,
            }
        });
        assert!(older, "{all:?}");
        // `run` says the whole book's by the clock where it differs from the opens'.
        let text = refresh_sim::output::terminal::human_summary(&r);
        let said = text.contains("  every connection by the clock (the whole book");
        assert_eq!(said, !active.is_empty(), "{text}");
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_refresh-sim"))
            .arg("report")
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(status.status.success(), "{status:?}");
        let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
        (hours, r.summary(None), md)
    };
    let (hours, s, md) = report("active_share = 0.5");
    // Two measured days of half of 20,000 connections.
    assert!(
        (0.45 * 960_000.0..=0.55 * 960_000.0).contains(&hours),
        "{hours}"
    );
    let (open, book) = (s.at_open_p50_hours.unwrap(), s.staleness_p50_hours.unwrap());
    assert!(open < book, "{s:?}");
    assert!(
        md.contains("These ages are of the") && md.contains("whose own requests keep them"),
        "{md}"
    );
    let (_, _, md) = report("");
    assert!(!md.contains("These ages are of the"), "{md}");
}

/// A client whose pass takes three weeks leaves data older than an age histogram resolving
/// eight days (`window.age_horizon`): its median is then a lower bound, `summary.csv` says
/// where the horizon is, and the terminal and the report write "≥" it rather than a
/// measured-looking age (a trial's 30-day nightly job read "192.17 h at every hour"). A run
/// within it says no "≥"; by default the whole window is resolved.
#[test]
fn ages_past_the_horizon_are_written_as_lower_bounds() {
    let dir = common::TempDir::new("horizon");
    let file = dir.join("slow.toml");
    std::fs::write(&file, slow("")).unwrap();
    let out = dir.join("out");
    let ran = common::succeed(
        std::process::Command::new(env!("CARGO_BIN_EXE_refresh-sim")).args([
            "run".as_ref(),
            file.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]),
    );
    let row = |name: &str| {
        let mut rd = csv::Reader::from_path(out.join("summary.csv")).unwrap();
        let i = rd
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == name)
            .unwrap();
        let all = rd.records().last().unwrap().unwrap();
        all[i].parse::<f64>().unwrap()
    };
    // 96 refreshes a day for 2,000 connections: a pass of about 21 days.
    assert_eq!(row("age_horizon_hours"), 192.0);
    assert!(
        row("staleness_p50_hours") > 192.0,
        "the median past the horizon"
    );
    let terminal = common::text(&ran.stdout);
    assert!(terminal.contains("≥ 192.0 h"), "{terminal}");
    common::succeed(
        std::process::Command::new(env!("CARGO_BIN_EXE_refresh-sim"))
            .arg("report")
            .arg(&out),
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("median data age ≥ 192.0 h"), "{report}");
    assert!(
        report.contains("drawn at it, as lower bounds"),
        "the by-hour chart says so"
    );
    // By default the 30 days are resolved: a measured median, past eight days.
    let default = dir.join("default.toml");
    std::fs::write(&default, slow("").replace("age_horizon = \"8d\"\n", "")).unwrap();
    let whole = dir.join("whole");
    let ran = common::succeed(
        std::process::Command::new(env!("CARGO_BIN_EXE_refresh-sim")).args([
            "run".as_ref(),
            default.as_os_str(),
            "--out".as_ref(),
            whole.as_os_str(),
        ]),
    );
    assert!(!common::text(&ran.stdout).contains("≥ "), "no lower bound");
    let summary = std::fs::read_to_string(whole.join("summary.csv")).unwrap();
    let mut rd = csv::Reader::from_reader(summary.as_bytes());
    let h = rd.headers().unwrap().clone();
    let all = rd.records().last().unwrap().unwrap();
    let col = |name: &str| all[h.iter().position(|x| x == name).unwrap()].parse::<f64>();
    assert_eq!(col("age_horizon_hours").unwrap(), 720.0);
    let median = col("staleness_p50_hours").unwrap();
    assert!((192.0..720.0).contains(&median), "{median}");
    // Three days resolve every age: nothing is past the window's own horizon.
    let s = run(&["1"; 24].join(", "), "kind = \"random_offset\"");
    assert_eq!(s.age_horizon_hours, 72.0);
    let quantiles = [
        s.staleness_p50_hours,
        s.staleness_p99_hours,
        s.at_open_p95_hours,
    ];
    assert!(quantiles
        .into_iter()
        .flatten()
        .all(|h| !refresh_sim::metrics::past_horizon(h, s.age_horizon_hours)));
}

/// A sweep says the same of its means: a point whose replications' data ages reached past
/// the horizon shows "≥" its mean on the terminal and in the report, with the legend, and
/// `sweep_summary.csv` marks that age's mean a lower bound; a point within it is as measured.
#[test]
fn a_sweep_marks_mean_ages_past_the_horizon_as_lower_bounds() {
    let dir = common::TempDir::new("horizon-sweep");
    let file = dir.join("slow.toml");
    // Stalest first, so that each point's connections go round in rotation.
    std::fs::write(&file, slow("order = \"stalest\"\n")).unwrap();
    let out = dir.join("sweep");
    let bin = || std::process::Command::new(env!("CARGO_BIN_EXE_refresh-sim"));
    // 4 an hour: a rotation of about 21 days; 40 an hour: about two.
    let ran = common::succeed(bin().arg("sweep").arg(&file).args([
        "--set",
        "banks.a.limits=[{kind = \"fixed_window\", limit = 4, window = \"1h\"}],\
         [{kind = \"fixed_window\", limit = 40, window = \"1h\"}]",
        "--replications",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]));
    let terminal = common::text(&ran.stdout);
    let lines: Vec<&str> = terminal.lines().collect();
    assert!(lines[1].contains("data age p95"), "{terminal}");
    // What a refresh costs the aggregator, to three decimals (a trial found no load shown).
    assert!(lines[1].ends_with("API calls/success"), "{terminal}");
    let cost = lines[3].rsplit("  ").next().unwrap().trim();
    let mean = cost.split(' ').next().unwrap();
    assert!(
        cost.contains(" ± ") && mean.split('.').nth(1).map(str::len) == Some(3),
        "{terminal}"
    );
    assert_eq!(
        lines[2].matches("≥ 1").count(),
        2,
        "the slow point: {terminal}"
    );
    assert!(!lines[3].contains('≥'), "the fast point: {terminal}");
    assert!(
        terminal.contains("so the mean is at least that"),
        "{terminal}"
    );

    let (_, points) =
        refresh_sim::output::sweep::read_summary(&out.join("sweep_summary.csv")).unwrap();
    use refresh_sim::metric::Metric::{self, StalenessP95Hours};
    let ages: Vec<Metric> = Metric::ALL.into_iter().filter(|m| m.is_age()).collect();
    assert_eq!(
        points[0].lower_bounds, ages,
        "every age past a 192 h horizon"
    );
    assert!(points[0].stat(StalenessP95Hours).unwrap().mean > 192.0);
    assert!(points[1].lower_bounds.is_empty(), "{:?}", points[1]);
    assert!(points[1].stat(StalenessP95Hours).unwrap().mean < 60.0);

    common::succeed(bin().arg("report").arg(&out));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("| ≥ 1"), "{report}");
    assert!(report.contains("so the mean is at least that"), "{report}");
}

/// 2,000 connections through one slot at a bank admitting 4 an hour (96 a day: a pass of
/// about 21 days) over 30 days, 22 of them warm-up, ages resolved up to eight days (the
/// horizon's default is the window); `strategy` adds to `[strategy]`.
fn slow(strategy: &str) -> String {
    format!(
        "name = \"slow\"\nseed = 3\n[window]\nlength = \"30d\"\nwarmup = \"22d\"\n\
         age_horizon = \"8d\"\n\
         [population]\nconnections = 2000\n[strategy]\nkind = \"queued\"\nconcurrency = 1\n\
         {strategy}[[banks]]\nname = \"a\"\nshare = 1.0\n\
         service_time = {{ dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }}\n\
         limits = [{{ kind = \"fixed_window\", limit = 4, window = \"1h\" }}]\n"
    )
}

/// A bank whose median is among connections never refreshed at every hour has no line on the
/// chart of each bank's median by the hour, and says so in the legend (a trial's worst bank,
/// left out, read as five healthy banks).
#[test]
fn a_bank_never_refreshed_at_the_median_keeps_its_legend() {
    let dir = common::TempDir::new("at-open-never");
    let file = dir.join("two.toml");
    std::fs::write(
        &file,
        "name = \"two\"\nseed = 4\n[window]\nlength = \"3d\"\nwarmup = \"1d\"\n\
         [population]\nconnections = 4000\n[strategy]\nkind = \"queued\"\nconcurrency = 4\n\
         [[banks]]\nname = \"open\"\nshare = 0.5\n\
         service_time = { dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }\n\
         [[banks]]\nname = \"tight\"\nshare = 0.5\n\
         service_time = { dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }\n\
         limits = [{ kind = \"fixed_window\", limit = 10, window = \"1h\" }]\n",
    )
    .unwrap();
    let out = dir.join("out");
    let bin = || std::process::Command::new(env!("CARGO_BIN_EXE_refresh-sim"));
    common::succeed(bin().arg("run").arg(&file).arg("--out").arg(&out));
    common::succeed(bin().arg("report").arg(&out));
    let svg = std::fs::read_to_string(out.join("charts/data_age_by_hour_banks.svg")).unwrap();
    assert!(
        svg.contains("tight: median never refreshed, no line"),
        "{svg}"
    );
    assert!(!svg.contains("open: median never"));
}

/// A freshness off the ten-minute grid of the at-open ages, none, or past the ages resolved
/// (which counts older ones together) is refused, naming the field; the horizon itself is not.
#[test]
fn a_freshness_off_the_ages_grid_is_refused() {
    for (bad, why) in [
        ("5m", "ten minutes"),
        ("12h5m", "ten minutes"),
        ("0s", "at least \"10m\""),
        ("50h", "past the oldest data age resolved, \"48h\""),
    ] {
        let text = format!(
            "[window]\nlength = \"10d\"\nage_horizon = \"48h\"\nfresh_within = \"{bad}\"\n\
             [population]\nconnections = 10\n\
             [strategy]\nkind = \"bulk\"\n[[banks]]\nname = \"a\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
        );
        let e = scenario::parse(&text, "f.toml", "t", &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("f.toml") && e.contains("window.fresh_within") && e.contains(why),
            "{e}"
        );
    }
    let at = |fresh: &str| {
        format!(
            "[window]\nlength = \"10d\"\nage_horizon = \"48h\"\nfresh_within = \"{fresh}\"\n\
             [population]\nconnections = 10\n[strategy]\nkind = \"bulk\"\n\
             [[banks]]\nname = \"a\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
        )
    };
    assert!(scenario::parse(&at("48h"), "f.toml", "t", &[]).is_ok());
}
