//! `refresh-sim plan`: its flags, and the request it makes of the planner.

use super::Overrides;
use crate::error::{Error, Result};
use crate::scenario;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Scenario file (TOML): its banks and platform; population and strategy are the planner's.
    pub scenario: PathBuf,
    /// Connections to refresh each period: 400000, 400,000, 400k, 1.5M or 4e5.
    #[arg(long, allow_negative_numbers = true, value_parser = count)]
    pub users: i64,
    /// Plan for the book WEEKS weeks on: --users at the window's start, grown by the
    /// scenario's joins (population.growth_per_week, join_share) and less the consents that
    /// lapse, as the model runs them.
    #[arg(long, value_name = "WEEKS", value_parser = weeks)]
    pub at_week: Option<u32>,
    /// Target coverage: share of due connections refreshed each day, or each period where
    /// strategy.period is shorter than a day (0.99 or 99%).
    #[arg(long, default_value_t = 0.99, allow_negative_numbers = true, value_parser = share)]
    pub coverage: f64,
    /// Bound on the failure rate of --failure-scope (0.01 or 1%).
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true, value_parser = share)]
    pub max_failure_rate: f64,
    /// Which failures the bound counts: the client's own 429s (its customers' calls
    /// included), its background refreshes' 429s alone (`background`: customers' calls a bank
    /// refuses whatever the background does are apart), or all (5xx errors and maintenance
    /// rejections included: the client's pace does not cause them, though a client that
    /// pauses on a Retry-After, or paces by the hour around the window, sends fewer calls
    /// into a maintenance window).
    #[arg(long, value_parser = ["client", "background", "all"], default_value = "client")]
    pub failure_scope: String,
    /// Bound on the failure rate of --failure-scope at each bank, over its own attempts (0.01
    /// or 1%): a rule of "at most 1 % at any bank", which the population's rate can meet
    /// while one tight bank refuses far more. Judged on each bank's mean over the
    /// replications.
    #[arg(long, value_name = "SHARE", allow_negative_numbers = true, value_parser = share)]
    pub max_bank_failure_rate: Option<f64>,
    /// Bound on the 429s of the customers' own in-app calls, over their attempts (0.01 or
    /// 1%): what a customer meets, where --max-failure-rate counts every call and theirs are
    /// few among them. Needs customers (`[on_demand]`); with it the plan also tries the
    /// clients with slots sending the customers through the priority lane.
    #[arg(long, value_name = "SHARE", allow_negative_numbers = true, value_parser = share)]
    pub max_customer_failure_rate: Option<f64>,
    /// Bound on the 95th percentile of the customers' wait from request to data, over the
    /// requests that got data or were still queued at the window's end: seconds (`60`) or a
    /// duration (`90s`, `2m`). Needs customers (`[on_demand]`); what the priority lane costs
    /// them in queueing for a slot.
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true, value_parser = seconds_or_duration)]
    pub max_customer_wait: Option<f64>,
    /// Bound on the 95th percentile of data age: hours (`24`), or a duration (`24h`, `1d`,
    /// `90m`).
    #[arg(long, value_name = "HOURS", allow_negative_numbers = true, value_parser = hours_or_duration)]
    pub staleness_p95: Option<f64>,
    /// Bound on the 95th percentile of the data's age when customers open the app (by the
    /// app-open profile): hours or a duration. A band of hours that ends before they open it
    /// (`--set strategy.hours=...`) is the lever the plan does not search.
    #[arg(long, value_name = "HOURS", allow_negative_numbers = true, value_parser = hours_or_duration)]
    pub at_open_p95: Option<f64>,
    /// Bound on API calls (refresh requests and status polls) a day.
    #[arg(long, value_name = "CALLS", allow_negative_numbers = true)]
    pub max_api_calls_per_day: Option<f64>,
    /// Least coverage of every bank (e.g. 0.9), so that the population's coverage is not met
    /// by starving one bank's customers.
    #[arg(long, value_name = "SHARE", allow_negative_numbers = true, value_parser = share)]
    pub min_bank_coverage: Option<f64>,
    /// Replications of the recommendation (the search screens each setting with 2).
    #[arg(long, allow_negative_numbers = true, default_value_t = crate::experiment::sweep::DEFAULT_REPLICATIONS)]
    pub replications: u32,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, allow_negative_numbers = true)]
    pub threads: Option<usize>,
    /// Base seed (default: the scenario's `seed`).
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Print one JSON object instead of the memo.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub overrides: Overrides,
}

pub(super) fn plan_cmd(a: PlanArgs) -> Result<()> {
    use crate::{experiment::plan, experiment::sweep};
    sweep::reject_lists(&a.overrides.set, "plan")?;
    if let Some(s) = a.overrides.set.iter().find(|s| {
        let path = s.split_once('=').map_or(s.as_str(), |(p, _)| p).trim();
        // The client's timing is the user's to set; which client, and how much of it, the plan's.
        let timing = [
            "strategy.period",
            "strategy.hours",
            "strategy.worker_overhead",
            "strategy.jitter",
            "strategy.pause_on_retry_after",
        ];
        path == "population.connections"
            || (path.starts_with("strategy.") && !timing.contains(&path))
    }) {
        return Err(Error::input(format!(
            "--set {s}: `plan` chooses the population (--users) and the strategy (searching queued, per_bank, \
             paced, aimd and random_offset) itself; drop this --set"
        )));
    }
    let base = scenario::load(&a.scenario, &a.overrides.set)?;
    let from = u64::try_from(a.users)
        .map_err(|_| Error::input(format!("--users {}: must be at least 1", a.users)))?;
    let (users, grown) = book(&base, from, a.at_week)?;
    let req = plan::Request {
        users,
        grown,
        targets: plan::Targets {
            coverage: a.coverage,
            max_failure_rate: a.max_failure_rate,
            scope: match a.failure_scope.as_str() {
                "all" => plan::FailureScope::All,
                "background" => plan::FailureScope::Background,
                _ => plan::FailureScope::Client,
            },
            staleness_p95_hours: a.staleness_p95,
            at_open_p95_hours: a.at_open_p95,
            max_api_calls_per_day: a.max_api_calls_per_day,
            min_bank_coverage: a.min_bank_coverage,
            max_bank_failure_rate: a.max_bank_failure_rate,
            max_customer_failure_rate: a.max_customer_failure_rate,
            max_customer_wait_seconds: a.max_customer_wait,
        },
        replications: a.replications,
        seed: a.seed,
    };
    req.validate()?;
    let pool = sweep::pool(a.threads)?;
    let mut at_size = base.clone();
    at_size.connections = users.min(u32::MAX as u64) as u32;
    scenario::check_memory([&at_size], pool.current_num_threads())?;
    let p = plan::plan(&base, &req, &pool)?;
    if a.json {
        print!("{}", p.to_json(&base));
    } else {
        print!("{}", p.human());
        println!("\n{}", run_line(&a, &base, &p));
    }
    Ok(())
}

/// The `refresh-sim run` command of the plan's recommendation: the plan's own `--set`s
/// (but those of a path the recommendation's set again), then the recommendation's. Checked
/// by loading it: a field of the file's that no `--set` can take away (a pace's `rate`)
/// would run another client, and a note says so.
fn run_line(a: &PlanArgs, base: &scenario::Scenario, p: &crate::experiment::plan::Plan) -> String {
    let shell = crate::output::text::shell_word;
    let own = p.run_overrides(base);
    let path = |s: &str| s.split('=').next().unwrap_or(s).trim().to_string();
    let sets: Vec<String> = (a.overrides.set.iter())
        .filter(|s| !own.iter().any(|o| path(o) == path(s)))
        .cloned()
        .chain(own.iter().cloned())
        .collect();
    let same =
        scenario::load(&a.scenario, &sets).is_ok_and(|sc| sc.strategy == p.recommendation.strategy);
    if !same {
        eprintln!(
            "note: the scenario file's own strategy fields stay in force under the run line's \
             --sets, which then run another client than the recommendation: take them out \
             of the file (or give the JSON's parameters in its [strategy])"
        );
    }
    let args: Vec<String> = sets.iter().map(|s| format!("--set {}", shell(s))).collect();
    format!(
        "To run the {}: refresh-sim run {} {}",
        if p.targets_met {
            "recommendation"
        } else {
            "best achievable"
        },
        shell(&a.scenario.display().to_string()),
        args.join(" ")
    )
}

/// The book to plan for: `from` connections, or (`--at-week`) the book grown from them.
pub(super) fn book(
    base: &scenario::Scenario,
    from: u64,
    at_week: Option<u32>,
) -> Result<(u64, Option<crate::experiment::plan::Grown>)> {
    use crate::experiment::plan::Grown;
    let weeks = match at_week {
        None => return Ok((from, None)),
        Some(w @ 1..=520) => w,
        Some(w) => {
            return Err(Error::input(format!(
                "--at-week {w}: must be between 1 and 520 (ten years)"
            )))
        }
    };
    let users = Grown::book(base, from, weeks);
    if users == from {
        // A trial planned "week 8" of a scenario without growth and believed it sized it.
        eprintln!(
            "note: --at-week {weeks}: the book is the one at the start: the scenario has no \
             joins (population.growth_per_week, join_share) and no consents lapse \
             (population.consent_expiry_share)"
        );
    }
    if !(1..u32::MAX as u64).contains(&users) {
        return Err(Error::input(format!(
            "--at-week {weeks}: the book would be {users} connections then (from {from} at the \
             start), which the model does not take"
        )));
    }
    Ok((users, Some(Grown::new(base, from, weeks))))
}

/// A count as people write one: `400000`, `400,000`, `400_000`, `400k`, `1.5M`, `4e5` (a
/// trial typed `--users 250k` and `2.5e5`); it must come to a whole number. `180.000` is
/// refused: in Germany and the Netherlands it is 180,000, here it would be 180 (a trial's
/// plan for "180.000" users planned for 180). Commas group thousands, in threes, in a
/// whole count without a suffix: `1,5M` and `1,500k` (one and a half million and thousand,
/// written the German way) are refused, not read as 15M and 1.5M.
fn count(s: &str) -> std::result::Result<i64, String> {
    let head = s.trim().trim_start_matches('-').replace('_', "");
    if head.contains(',') {
        let digits = |t: &str, n: std::ops::RangeInclusive<usize>| {
            n.contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit())
        };
        let (first, rest) = head.split_once(',').unwrap_or_default();
        if !digits(first, 1..=3) || !rest.split(',').all(|g| digits(g, 3..=3)) {
            return Err(format!(
                "\"{s}\" is ambiguous: commas group thousands in threes here (400,000); a \
                 decimal is written with a point (1.5M)"
            ));
        }
    }
    let plain: String = s.chars().filter(|c| !matches!(c, ',' | '_')).collect();
    if let Some((whole, part)) = plain.split_once('.') {
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if digits(whole) && whole.len() <= 3 && part.len() == 3 && digits(part) {
            let k = format!("{whole}.{part}");
            let k = k.trim_end_matches('0').trim_end_matches('.');
            return Err(format!(
                "\"{s}\" is ambiguous: write {}{part} (or {k}k) for thousands, {whole} for \
                 {whole}",
                whole.trim_start_matches('0')
            ));
        }
    }
    let (digits, scale) = match plain.chars().last() {
        Some('k' | 'K') => (&plain[..plain.len() - 1], 1e3),
        Some('m' | 'M') => (&plain[..plain.len() - 1], 1e6),
        _ => (plain.as_str(), 1.0),
    };
    let bad = || format!("\"{s}\" is not a count (e.g. 400000, 400k, 1.5M)");
    let x = digits.parse::<f64>().map_err(|_| bad())? * scale;
    if !x.is_finite() || x.fract() != 0.0 || x.abs() > i64::MAX as f64 / 2.0 {
        return Err(bad());
    }
    Ok(x as i64)
}

/// A share as a fraction (`0.02`) or a percentage (`2%`, `2 %`: a trial's `2%` met "invalid
/// float literal").
pub(super) fn share(s: &str) -> std::result::Result<f64, String> {
    let bad = || format!("\"{s}\" is not a share (e.g. 0.02 or 2%)");
    match s.trim().strip_suffix('%') {
        Some(p) => p
            .trim()
            .parse::<f64>()
            .map(|p| p / 100.0)
            .map_err(|_| bad()),
        None => s.trim().parse::<f64>().map_err(|_| bad()),
    }
}

/// `--at-week`: whole weeks.
pub(super) fn weeks(s: &str) -> std::result::Result<u32, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("\"{s}\" is not a whole number of weeks (e.g. 8)"))
}

/// `--staleness-p95`: a number of hours, or a duration in the scenario syntax.
fn hours_or_duration(s: &str) -> std::result::Result<f64, String> {
    number_or_duration(s, crate::time::SimDuration::as_hours_f64, "hours, e.g. 24")
}

/// `--max-customer-wait`: a number of seconds, or a duration.
fn seconds_or_duration(s: &str) -> std::result::Result<f64, String> {
    number_or_duration(s, crate::time::SimDuration::as_secs_f64, "seconds, e.g. 60")
}

/// A number in `unit`s, or a duration in the scenario syntax converted by `unit`.
fn number_or_duration(
    s: &str,
    unit: fn(crate::time::SimDuration) -> f64,
    number: &str,
) -> std::result::Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) => Ok(x),
        Err(_) => crate::time::parse_duration(s)
            .map(unit)
            .map_err(|e| format!("{e} (or a number of {number})")),
    }
}

#[cfg(test)]
mod tests {
    /// Counts are read as people write them, and only whole ones.
    #[test]
    fn users_are_read_as_people_write_them() {
        for (s, n) in [
            ("400000", 400_000),
            ("400,000", 400_000),
            ("400_000", 400_000),
            ("250k", 250_000),
            ("1.5M", 1_500_000),
            ("2.5e5", 250_000),
            ("-5", -5),
        ] {
            assert_eq!(super::count(s), Ok(n), "{s}");
        }
        for s in ["1.5", "abc", "k", "1e400", "0.5k2", "1.000.000"] {
            assert!(super::count(s).is_err(), "{s}");
        }
        // A thousands separator in the German way is not read as a decimal point.
        let e = super::count("180.000").unwrap_err();
        assert!(e.contains("write 180000 (or 180k)"), "{e}");
        let e = super::count("2.500").unwrap_err();
        assert!(e.contains("write 2500 (or 2.5k)"), "{e}");
        assert_eq!(super::count("1.500M"), Ok(1_500_000));
        // Commas group thousands in threes: a decimal comma is refused, not read as 15M.
        for s in ["1,5M", "2,5k", "40,00", "1,0000"] {
            let e = super::count(s).unwrap_err();
            assert!(e.contains("commas group thousands in threes"), "{s}: {e}");
        }
        for s in ["1,500k", "2,500M", "1.000,0", "1,000.5"] {
            assert!(super::count(s).is_err(), "{s}");
        }
        assert_eq!(super::count("1,000,000"), Ok(1_000_000));
        assert_eq!(super::count("-1,000"), Ok(-1_000));
        for (s, x) in [
            ("0.02", 0.02),
            ("2%", 0.02),
            ("99.5 %", 0.995),
            ("-1", -1.0),
        ] {
            assert!((super::share(s).unwrap() - x).abs() < 1e-12, "{s}");
        }
        assert!(super::share("2 percent")
            .unwrap_err()
            .contains("e.g. 0.02 or 2%"));
    }
}
