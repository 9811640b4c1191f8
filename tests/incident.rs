//! A bad day at one bank (a maintenance window on given `days`): a trial asked whether one
//! carries over, and every limit repeated daily. The incident refuses on its day alone, at
//! its bank alone; a queue with slack makes it up once the bank reopens, one without loses
//! that day's coverage, and its next day's pass, starting afresh, is whole again.

mod common;

use common::TempDir;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_refresh-sim");

/// `daily.csv`'s rows of `bank`: (day, outage_rejected, coverage).
fn days(dir: &std::path::Path, bank: &str) -> Vec<(u32, u64, f64)> {
    let mut r = csv::Reader::from_path(dir.join("daily.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (day, b, out, cov) = (
        col("day"),
        col("bank"),
        col("outage_rejected"),
        col("coverage"),
    );
    (r.records().map(|x| x.unwrap()))
        .filter(|x| &x[b] == bank)
        .map(|x| {
            (
                x[day].parse().unwrap(),
                x[out].parse().unwrap(),
                x[cov].parse().unwrap(),
            )
        })
        .collect()
}

/// `check` on the scenario `text`, written to `file`: whether it passed, and what it said.
fn checked(file: &std::path::Path, text: &str) -> (bool, String) {
    std::fs::write(file, text).unwrap();
    let o = Command::new(BIN)
        .args(["check", file.to_str().unwrap()])
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

fn run(t: &TempDir, busy: u32, name: &str) -> std::path::PathBuf {
    let file = t.join(&format!("{name}.toml"));
    std::fs::write(
        &file,
        format!(
            "name = \"incident\"\nseed = 2\n[window]\nlength = \"5d\"\n\
             [population]\nconnections = {busy}\n[strategy]\nkind = \"queued\"\nconcurrency = 16\n\
             [[banks]]\nname = \"steady\"\nshare = 0.5\n\
             service_time = {{ dist = \"lognormal\", median = \"2s\", p95 = \"6s\" }}\n\
             [[banks]]\nname = \"troubled\"\nshare = 0.5\nretry_after = \"policy\"\n\
             service_time = {{ dist = \"lognormal\", median = \"2s\", p95 = \"6s\" }}\n\
             limits = [{{ kind = \"maintenance\", start = \"00:00\", end = \"12:00\", days = [2] }}]\n"
        ),
    )
    .unwrap();
    let out = t.join(name);
    let o = Command::new(BIN)
        .args([
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

#[test]
fn an_incident_refuses_on_its_day_at_its_bank_and_the_next_pass_is_whole() {
    let t = TempDir::new("incident");
    // A book the queue gets through in a few hours: day 2's twelve closed hours are made up
    // once the bank reopens.
    let light = run(&t, 20_000, "light");
    let troubled = days(&light, "troubled");
    for &(day, outage, coverage) in &troubled {
        assert_eq!(outage > 0, day == 2, "{troubled:?}");
        assert!(coverage > 0.999, "{troubled:?}");
    }
    assert!(days(&light, "steady").iter().all(|d| d.1 == 0));
    // A book that takes the queue most of the day: the closed hours' refreshes are not made
    // up that day; the next day's pass covers the whole book again (coverage does not carry
    // the loss; the data's age does, until each connection's turn comes).
    let busy = run(&t, 125_000, "busy");
    let troubled = days(&busy, "troubled");
    let cov = |d: u32| troubled.iter().find(|x| x.0 == d).unwrap().2;
    assert!(cov(2) < cov(1) - 0.2, "{troubled:?}");
    assert!(cov(1) > 0.999 && cov(3) > 0.999, "{troubled:?}");
}

/// `check` says an incident the window never meets, one in its warm-up, and refuses days
/// given twice, none, or before the clock, naming the field.
#[test]
fn check_notes_incidents_the_window_misses_and_refuses_bad_days() {
    let t = TempDir::new("incident-check");
    let file = t.join("c.toml");
    let scenario = |days: &str| {
        format!(
            "name = \"c\"\n[window]\nstart = \"18:00\"\nlength = \"3d\"\nwarmup = \"1d\"\n\
             [population]\nconnections = 100\n[strategy]\nkind = \"queued\"\nconcurrency = 2\n[[banks]]\nname = \"b\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n\
             limits = [{{ kind = \"maintenance\", start = \"01:00\", end = \"03:00\", days = {days} }}]\n"
        )
    };
    let check = |days: &str| checked(&file, &scenario(days));
    // Day 0's 01:00 is before the window opens at 18:00; day 1's is in the warm-up (to
    // 18:00 of day 1); day 2's is measured; day 3's 01:00 is before the window's end (18:00
    // of day 3), day 4's after it.
    let (ok, err) = check("[0, 1, 2, 3, 4]");
    assert!(ok, "{err}");
    assert!(
        err.contains("the window on days 0 and 4 falls outside the simulated window")
            && err.contains("the window on day 1 falls in the warm-up"),
        "{err}"
    );
    assert!(!err.contains("day 2") && !err.contains("days 2"), "{err}");
    for (days, says) in [
        ("[2, 2]", "day 2 is given twice"),
        ("[]", "is empty"),
        ("[-1]", "-1 is not a day of the clock"),
    ] {
        let (ok, err) = check(days);
        assert!(
            !ok && err.contains("banks[0].limits[0].days") && err.contains(says),
            "{err}"
        );
    }
}

/// One queue over every bank pausing on a Retry-After is noted (a bank's outage holds the
/// one pool, and every bank waits); per-bank pools, or a bank that tells none, are not.
#[test]
fn pausing_one_queue_for_every_bank_is_noted() {
    let t = TempDir::new("incident-pause");
    let file = t.join("p.toml");
    let scenario = |kind: &str, tells: &str| {
        format!(
            "name = \"p\"\n[window]\nlength = \"1d\"\n[population]\nconnections = 100\n\
             [strategy]\nkind = \"{kind}\"\nconcurrency = 4\npause_on_retry_after = true\n\
             [[banks]]\nname = \"open\"\nshare = 0.5\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n\
             [[banks]]\nname = \"closing\"\nshare = 0.5\nretry_after = \"{tells}\"\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n\
             limits = [{{ kind = \"maintenance\", start = \"09:00\", end = \"18:00\", days = [0] }}]\n"
        )
    };
    let notes = |kind: &str, tells: &str| {
        let (ok, said) = checked(&file, &scenario(kind, tells));
        assert!(ok, "{said}");
        said
    };
    let n = notes("queued", "policy");
    assert!(
        n.contains(
            "with one queue over every bank: a bank's Retry-After (bank `closing` tells one)"
        ),
        "{n}"
    );
    assert!(!notes("per_bank", "policy").contains("over every bank"));
    assert!(!notes("queued", "none").contains("over every bank"));
    // A window that only slows refuses nothing to pause for.
    let slow = scenario("queued", "policy").replace("days = [0] }", "days = [0], slowdown = 2.0 }");
    assert!(!checked(&file, &slow).1.contains("over every bank"));
}

/// `daily.csv`'s data age day by day: the busy queue's troubled bank, closed for the first
/// half of day 2, has data a day old or more for much of day 2 (what it could not refresh
/// waits for its turn on day 3), where the days before had next to none, and is back near
/// them by day 4.
#[test]
fn data_age_day_by_day_shows_the_incident_and_its_recovery() {
    let t = TempDir::new("incident-age");
    let busy = run(&t, 125_000, "busy");
    let mut r = csv::Reader::from_path(busy.join("daily.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (bank, share, p95) = (
        col("bank"),
        col("stale_24h_share"),
        col("staleness_p95_hours"),
    );
    let rows: Vec<(f64, f64)> = (r.records().map(|x| x.unwrap()))
        .filter(|x| &x[bank] == "troubled")
        .map(|x| (x[share].parse().unwrap(), x[p95].parse().unwrap()))
        .collect();
    assert_eq!(rows.len(), 5);
    assert!(rows[1].0 < 0.01 && rows[1].1 < 24.0, "{rows:?}");
    assert!(rows[2].0 > 0.3 && rows[2].1 > 36.0, "{rows:?}");
    assert!(rows[4].0 < rows[2].0 / 3.0, "{rows:?}");
    // The report tables each day's age with its oldest bank, and says the bad day: past the
    // first day (the run's first pass, no data yet), the troubled bank on day 2.
    let o = Command::new(BIN)
        .args(["report", busy.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(busy.join("report.md")).unwrap();
    assert!(md.contains("| Oldest bank's 24 h or older |"), "{md}");
    assert!(md.contains("| troubled 39."), "{md}");
    let said = "At troubled, data a day old or older rose to 39.";
    assert!(
        md.contains(said) && md.contains("of the connection-time on day 2"),
        "{md}"
    );
    // The one queue's other bank too, the day after (its pass order moved by the outage),
    // less: the larger rise is said first.
    let (troubled, steady) = (md.find(said).unwrap(), md.find("At steady, data a day old"));
    assert!(steady.is_none_or(|s| s > troubled), "{md}");
    // The troubled bank's own days, under the all-bank table: its 39 % on day 2.
    let table = md.split("Per day at troubled, the bank whose data").nth(1);
    let table = table
        .expect("the troubled bank's table")
        .split("\n\n")
        .nth(1)
        .unwrap();
    let day2 = table.lines().find(|l| l.starts_with("| 2 |")).unwrap();
    assert!(day2.contains("| 39."), "{table}");
    assert!(!table.contains("Oldest bank"), "{table}");
    // And drawn: the app opens finding data a day old, day by day, the troubled bank's line
    // with its worst day in the caption.
    assert!(busy.join("charts/opens_by_day.png").is_file());
    let caption = md.split("charts/opens_by_day.png)").nth(1).unwrap();
    assert!(
        caption.contains("The worst of any bank's days: troubled's day 2, "),
        "{caption}"
    );
    // A heading of the reader's own, not the directory's name.
    let o = Command::new(BIN)
        .args([
            "report",
            busy.to_str().unwrap(),
            "--title",
            "A bad day at troubled",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(busy.join("report.md")).unwrap();
    assert!(md.starts_with("# A bad day at troubled\n"), "{md}");
}

/// The measured days' data age, pooled by their connection-time, is the run's: each day's
/// time at 24 h or older adds up to `summary.csv`'s `stale_24h_share`, and the days'
/// connection-time to the run's (consents lapsing and reconnecting, connections joining,
/// a whole-day warm-up): the same segments at the same call sites, so what it checks is
/// the split at the days' boundaries, from the window's start rather than the warm-up's end,
/// and `daily.csv`'s `connection_hours`.
#[test]
fn the_days_data_age_adds_up_to_the_runs() {
    let text = "[window]\nstart = \"00:00\"\nlength = \"6d\"\nwarmup = \"2d\"\n\
         [population]\nconnections = 30000\nconsent_expiry_share = 0.05\njoin_share = 0.03\n\
         [strategy]\nkind = \"queued\"\nconcurrency = 3\n\
         [[banks]]\nname = \"a\"\nshare = 0.6\n\
         service_time = { dist = \"lognormal\", median = \"2s\", p95 = \"6s\" }\n\
         [[banks]]\nname = \"b\"\nshare = 0.4\n\
         service_time = { dist = \"constant\", value = \"3s\" }\n";
    let sc = refresh_sim::scenario::parse(text, "inline", "ages", &[]).unwrap();
    let r = refresh_sim::sim::run(&sc, 7);
    for bank in [None, Some(0), Some(1)] {
        let s = r.summary(bank);
        let (mut hours, mut stale) = (0.0, 0.0);
        for d in 2..6 {
            let a = r.daily_age.day(d, bank);
            hours += a.connection_hours;
            stale += a.stale_24h_share.unwrap() * a.connection_hours;
        }
        let whole: u128 = (r.staleness.histogram(bank).iter())
            .map(|&x| x as u128)
            .sum::<u128>()
            + r.staleness.never_us(bank);
        let whole = whole as f64 / 3.6e9;
        assert!(
            (hours - whole).abs() < 1e-6 * whole,
            "{bank:?}: {hours} vs {whole}"
        );
        let rows = refresh_sim::output::daily::DailyRow::of_run(&r);
        let name = bank.map_or("all", |b| ["a", "b"][b]);
        let written: f64 = (rows.iter())
            .filter(|x| x.measured && x.bank == name)
            .map(|x| x.connection_hours)
            .sum();
        assert!((written - hours).abs() < 0.05 * 4.0, "{written} vs {hours}");
        let run = s.stale_24h_share.unwrap();
        assert!(run > 0.02, "a test that reads something: {run}");
        assert!(
            (stale / hours - run).abs() < 1e-9,
            "{bank:?}: {} vs {run}",
            stale / hours
        );
    }
}

/// A rate cut for a day (a dated token bucket, the bad day of 429s a trial could not write):
/// the bank refuses on that day alone, as its bucket allows (0.05 a second: about 4,320
/// of its 10,000 connections), the other bank not at all; the next day is whole again, and
/// `check` notes a day the window never meets, naming "the limit"; bad days are refused by
/// field, and a concurrency cap takes no `days`.
#[test]
fn a_rate_cut_for_a_day_refuses_on_that_day_alone() {
    let t = TempDir::new("incident-cut");
    let file = t.join("cut.toml");
    let scenario = |days: &str| {
        format!(
            "name = \"cut\"\nseed = 2\n[window]\nlength = \"5d\"\n\
             [population]\nconnections = 20000\n[strategy]\nkind = \"queued\"\nconcurrency = 16\n\
             [[banks]]\nname = \"steady\"\nshare = 0.5\n\
             service_time = {{ dist = \"lognormal\", median = \"2s\", p95 = \"6s\" }}\n\
             [[banks]]\nname = \"troubled\"\nshare = 0.5\nretry_after = \"policy\"\n\
             service_time = {{ dist = \"lognormal\", median = \"2s\", p95 = \"6s\" }}\n\
             limits = [{{ kind = \"token_bucket\", rate = 20.0, burst = 40 }},\n\
             {{ kind = \"token_bucket\", rate = 0.05, burst = 2, days = {days} }}]\n"
        )
    };
    std::fs::write(&file, scenario("[2]")).unwrap();
    let out = t.join("cut");
    let o = Command::new(BIN)
        .args([
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut r = csv::Reader::from_path(out.join("daily.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (day, bank, limited, cov) = (
        col("day"),
        col("bank"),
        col("rate_limited"),
        col("coverage"),
    );
    for x in r.records().map(|x| x.unwrap()) {
        let (d, n, c): (u32, u64, f64) = (
            x[day].parse().unwrap(),
            x[limited].parse().unwrap(),
            x[cov].parse().unwrap(),
        );
        match (&x[bank], d) {
            ("troubled", 2) => {
                assert!(
                    n > 10_000 && (0.40..0.47).contains(&c),
                    "day 2: {n} 429s, {c}"
                )
            }
            ("troubled" | "steady", _) => assert!(n == 0 && c > 0.999, "{:?}", x),
            _ => {}
        }
    }
    let check = |days: &str| checked(&file, &scenario(days));
    let (ok, err) = check("[2, 9]");
    assert!(ok, "{err}");
    assert!(
        err.contains("banks.troubled.limits[1].days: the limit on day 9 falls outside"),
        "{err}"
    );
    let (ok, err) = check("[3, 3]");
    assert!(
        !ok && err.contains("banks[1].limits[1].days") && err.contains("day 3 is given twice"),
        "{err}"
    );
    let capped = scenario("[2]").replace(
        "{ kind = \"token_bucket\", rate = 0.05, burst = 2, days = [2] }",
        "{ kind = \"concurrency\", max_in_flight = 2, days = [2] }",
    );
    let (ok, err) = checked(&file, &capped);
    assert!(!ok && err.contains("days"), "{err}");
}

/// Pausing at a bank that sends a fixed Retry-After of a minute with every 429 is noted
/// (each refusal stops its pool that long); ten seconds, or a bank telling each limit's own,
/// is not.
#[test]
fn pausing_on_a_long_fixed_retry_after_is_noted() {
    let t = TempDir::new("incident-fixed");
    let file = t.join("f.toml");
    let check = |tells: &str| {
        let (ok, said) = checked(
            &file,
            &format!(
                "name = \"f\"\n[window]\nlength = \"1d\"\n[population]\nconnections = 100\n\
                 [strategy]\nkind = \"per_bank\"\nconcurrency = 4\npause_on_retry_after = true\n\
                 [[banks]]\nname = \"cut\"\nshare = 1.0\nretry_after = \"{tells}\"\n\
                 service_time = {{ dist = \"constant\", value = \"1s\" }}\n\
                 limits = [{{ kind = \"token_bucket\", rate = 1.0, burst = 2 }}]\n"
            ),
        );
        assert!(ok, "{said}");
        said
    };
    let n = check("60s");
    assert!(
        n.contains("banks.cut.retry_after = \"1m\" on every refusal: each 429"),
        "{n}"
    );
    assert!(!check("10s").contains("on every refusal"));
    assert!(!check("policy").contains("on every refusal"));
}

/// A rate cut the bank's other limits already go below changes nothing, and is said: by
/// `check`, where its cap's arithmetic allows less than the cut (0.5 a second against 1),
/// and by `run`, from what the bank refused that day and the client's busiest hour there (a
/// trial halved a bucket to 2.5/s under a client already at 2.3, and read the identical run
/// as the incident's). A cut below the client's pace is felt, and neither says a word.
#[test]
fn a_cut_the_bank_never_reaches_is_said() {
    let t = TempDir::new("incident-unfelt");
    let file = t.join("cut.toml");
    let notes = |rate: f64, cmd: &str| {
        let text = format!(
            "[window]\nlength = \"3d\"\n[population]\nconnections = 20000\n\
             [strategy]\nkind = \"queued\"\nconcurrency = 8\n\
             [[banks]]\nname = \"capped\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"4s\" }}\n\
             limits = [{{ kind = \"concurrency\", max_in_flight = 2 }},\n\
             {{ kind = \"token_bucket\", rate = {rate}, burst = 5, days = [1] }}]\n"
        );
        std::fs::write(&file, text).unwrap();
        let out = t.join(&format!("out-{rate}-{cmd}"));
        let mut args = vec![cmd, file.to_str().unwrap()];
        if cmd == "run" {
            args.extend(["--out", out.to_str().unwrap()]);
        }
        let o = Command::new(BIN).args(&args).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stderr).to_string()
    };
    let check = notes(1.0, "check");
    assert!(
        check.contains("banks.capped.limits[1]: the token bucket 1/s, burst 5 on day 1 admits")
            && check.contains("(0.50 a second at most, the concurrency cap 2)"),
        "{check}"
    );
    let run = notes(1.0, "run");
    assert!(
        run.contains("on day 1 refused no more than an ordinary day there")
            && run.contains("under the limit's 1.00"),
        "{run}"
    );
    for cmd in ["check", "run"] {
        let said = notes(0.1, cmd);
        assert!(!said.contains("banks.capped.limits[1]"), "{said}");
    }
}

/// Where `window.fresh_within` is not a day, the opens-by-day chart counts from it: a client
/// every 6 h with a 6-hour freshness keeps its opens a day old at nil through a bank's
/// 12-hour outage, where those past 6 h are what its customers met.
#[test]
fn the_opens_by_day_chart_counts_from_fresh_within() {
    let t = TempDir::new("opens-fresh");
    let file = t.join("fresh.toml");
    std::fs::write(
        &file,
        "name = \"fresh\"\n[window]\nlength = \"4d\"\nwarmup = \"1d\"\nfresh_within = \"6h\"\n\
         [population]\nconnections = 4000\nconsent_expiry_share = 0.0\n\
         [strategy]\nkind = \"random_offset\"\nperiod = \"6h\"\n\
         [[banks]]\nname = \"a\"\nshare = 1.0\n\
         service_time = { dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }\n\
         limits = [{ kind = \"maintenance\", start = \"06:00\", end = \"18:00\", days = [2] }]\n",
    )
    .unwrap();
    let out = t.join("fresh");
    let (file, dir) = (file.to_str().unwrap(), out.to_str().unwrap());
    common::succeed(Command::new(BIN).args(["run", file, "--out", dir]));
    common::succeed(Command::new(BIN).args(["report", dir]));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("![App opens finding data 6 h old, day by day: "),
        "{md}"
    );
    let caption = md.split("charts/opens_by_day.png)").nth(1).unwrap();
    let said = "The day app opens most often found data 6 h old or older was day 2: ";
    let share: f64 = (caption.split(said).nth(1))
        .and_then(|s| s.split(" %").next())
        .expect(caption)
        .parse()
        .unwrap();
    assert!(share > 40.0, "{caption}");
    // The per-day table says the day's periods missed and its opens past 6 h, where its
    // coverage (one success a day) reads whole.
    assert!(
        md.contains(
            "| Day | Users | Coverage | Each period covered | \
             Opens finding ≥ 6 h old (window.fresh_within) | 429s |"
        ),
        "{md}"
    );
    let day2 = (md.lines()).find(|l| l.starts_with("| 2 |")).expect(&md);
    let cells: Vec<&str> = day2.split(" | ").collect();
    assert_eq!(cells[2], "100.00 %", "{day2}");
    let periods: f64 = cells[3].trim_end_matches(" %").parse().unwrap();
    assert!((periods - 50.0).abs() < 2.0, "{day2}");
    assert!(cells[4].starts_with(&share.to_string()[..2]), "{day2}");
}
