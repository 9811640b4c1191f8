//! Command-line interface: clap types and the dispatch to library code.
//!
//! Every command validates all its input before writing anything, so bad input (exit 2)
//! leaves the output directory as it was.

use crate::error::{Error, Result};
use crate::output::summary::{self, SummaryRow};
use crate::output::terminal::human_summary;
use crate::output::text::thousands;
use crate::output::{self, write_atomic};
use crate::report;
use crate::scenario::{self, Scenario};
use crate::strategy::Strategy;
use crate::{experiment::table, sim};
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};

/// Deterministic capacity simulator for Open Banking background refreshes.
///
/// Without a command, runs the default experiment into `output/`: the vendor sizing table
/// reproduced and extended, and bulk, queued and random-offset compared on uk-mix.
mod compare;
mod fit;
mod plan;
mod sweep;
pub use compare::CompareArgs;
pub use fit::FitArgs;
pub use plan::PlanArgs;
pub use sweep::{MergeArgs, SweepArgs};

#[derive(Debug, Parser)]
#[command(
    name = "refresh-sim",
    version,
    about,
    long_about = None,
    after_help = "Without a command, refresh-sim runs the default experiment into output/: the \
vendor sizing table reproduced and extended, and bulk, queued and random offset compared on \
uk-mix, with report.md and charts. Built-in scenarios (uk-mix, vendor-table, example, cdr-au) work \
from any directory; a file of the same path on disk wins."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Memory a command may plan to use, in GB (default: 80 % of the machine's available
    /// memory); runs estimated to need more are refused before anything is allocated.
    #[arg(long, global = true, value_name = "GB")]
    pub memory: Option<f64>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Play a scenario's window and write summary.csv, daily.csv, timeseries.csv, staleness.csv and data_age_by_hour.csv.
    Run(RunArgs),
    /// Validate a scenario file (and overrides) without running it.
    Check(CheckArgs),
    /// Reproduce the vendor sizing table (concurrency 1–16) and extend it (32–256).
    Table(TableArgs),
    /// Run a grid of scenario variants (--set path=v1,v2,...) with replications, in parallel;
    /// write sweep.csv and sweep_summary.csv (means, SDs, 95 % CIs).
    Sweep(SweepArgs),
    /// Put the shards of a sweep (`sweep --shard K/N`, or a Slurm or Kubernetes array) back
    /// together: sweep.csv and sweep_summary.csv, byte-identical to the sweep run on one machine.
    Merge(MergeArgs),
    /// Compare strategies in pairs (common random numbers): each against a baseline, with
    /// paired 95 % intervals; write paired.csv and paired.md.
    Compare(CompareArgs),
    /// What each bank can serve, and which strategy with which parameters meets the targets for
    /// --users connections at the least API cost (or the best achievable, and what stops it).
    Plan(PlanArgs),
    /// Check the model against queueing theory and the policies' guarantees.
    Validate(ValidateArgs),
    /// List the bank presets scenarios can reference (`preset = "NAME"`).
    Presets,
    /// Print a shell completion script, e.g. `refresh-sim completions bash >
    /// ~/.local/share/bash-completion/completions/refresh-sim`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Many clients retrying against a tight limit: calls and completion time per jitter mode.
    Contention(ContentionArgs),
    /// Draw the charts a results directory supports (SVG and PNG) and write its report.md.
    Report(ReportArgs),
    /// Fit bank models (latency, 5xx rate, rate limits, Retry-After) from a refresh log, such
    /// as `run --attempt-log` writes; print them and write a scenario `run` can use.
    Fit(FitArgs),
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Directory written by `run`, `sweep` or the default experiment (e.g. output).
    pub dir: PathBuf,
    /// report.md's heading (default: `refresh-sim report: DIR`).
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Replications per statistical check.
    #[arg(long, allow_negative_numbers = true, default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(2..=10_000))]
    pub replications: u32,
    /// Base seed of the replications.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct ContentionArgs {
    /// Clients contending at once.
    #[arg(long, allow_negative_numbers = true, default_value_t = 200,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub clients: u32,
    #[arg(long, allow_negative_numbers = true, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct Overrides {
    /// Override a scenario field, e.g. --set strategy.kind=random_offset (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Seed (default: the scenario's `seed`, else 1).
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Output directory (default: output/<scenario name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write one row per attempt to this CSV, as a client's own log would have it
    /// (what `refresh-sim fit` reads; times ISO 8601 on the nominal date 2026-01-01).
    #[arg(long, value_name = "FILE.csv")]
    pub attempt_log: Option<PathBuf>,
    /// Run from the book WEEKS weeks on: the scenario's connections at its window's start,
    /// grown by its joins and less the consents that lapse (as `plan --at-week`).
    #[arg(long, value_name = "WEEKS", value_parser = plan::weeks)]
    pub at_week: Option<u32>,
    /// The run's name in `report`'s charts and tables (default: its strategy and slots,
    /// with its directory beside another run of the same), e.g. `--label "nightly, 32"`.
    #[arg(long, value_name = "TEXT", value_parser = run_label)]
    pub label: Option<String>,
    #[command(flatten)]
    pub overrides: Overrides,
}

/// A `--label`: one line of text, not blank.
fn run_label(s: &str) -> std::result::Result<String, String> {
    match s.trim() {
        "" => Err("a label needs some text".into()),
        t if t.chars().any(char::is_control) => {
            Err("a label is one line, without control characters".into())
        }
        t => Ok(t.to_string()),
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    #[command(flatten)]
    pub overrides: Overrides,
}

#[derive(Debug, Args)]
pub struct TableArgs {
    /// Calibrated scenario for concurrency 1–16.
    #[arg(long, default_value = "scenarios/vendor-table.toml")]
    pub scenario: PathBuf,
    /// Scenario with bank limits for the extension rows 32–256.
    #[arg(long, default_value = "scenarios/uk-mix.toml")]
    pub extension: PathBuf,
    /// Seed (default: the calibrated scenario's `seed`).
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Output directory for table.csv and table.md.
    #[arg(long, default_value = "output")]
    pub out: PathBuf,
}

/// Runs the parsed command line.
pub fn dispatch(cli: Cli) -> Result<()> {
    if let Some(gb) = cli.memory {
        if !(gb.is_finite() && gb > 0.0) {
            return Err(Error::input(format!(
                "--memory {gb}: must be a positive number of GB (e.g. 16)"
            )));
        }
        scenario::set_budget(gb * 1e9);
    }
    match cli.command {
        Some(Command::Run(a)) => run(a),
        Some(Command::Check(a)) => check(a),
        Some(Command::Table(a)) => table_cmd(a).map(|_| ()),
        Some(Command::Sweep(a)) => sweep::sweep_cmd(a),
        Some(Command::Merge(a)) => sweep::merge_cmd(a),
        Some(Command::Compare(a)) => compare::compare_cmd(a),
        Some(Command::Plan(a)) => plan::plan_cmd(a),
        Some(Command::Validate(a)) => validate_cmd(a),
        Some(Command::Presets) => {
            for (name, description) in crate::presets::list() {
                println!("{name:<22} {description}");
            }
            Ok(())
        }
        Some(Command::Contention(a)) => {
            print!(
                "{}",
                contention_markdown(&crate::experiment::validate::contention(a.clients, a.seed))
            );
            Ok(())
        }
        Some(Command::Report(a)) => report_cmd(a),
        Some(Command::Fit(a)) => fit::fit_cmd(a),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "refresh-sim",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        None => default_experiment(Path::new("output")),
    }
}

fn run(a: RunArgs) -> Result<()> {
    crate::experiment::sweep::reject_lists(&a.overrides.set, "run")?;
    let mut sc = scenario::load(&a.scenario, &a.overrides.set)?;
    if let Some(week) = a.at_week {
        // A trial ran week 8 by setting the connections to the plan's book by hand.
        let from = sc.connections as u64;
        sc.connections = plan::book(&sc, from, Some(week))?.0 as u32;
        eprintln!(
            "note: week {week}: the window starts with {} connections (grown from {} at week 0 \
             by the scenario's joins, less the consents that lapse); its own sign-ups are the \
             scenario's growth of that book",
            output::text::thousands(sc.connections as f64),
            output::text::thousands(from as f64)
        );
    }
    let seed = a.seed.unwrap_or(sc.seed);
    scenario::check_memory([&sc], 1)?;
    let out = a.out.unwrap_or_else(|| Path::new("output").join(&sc.name));
    output::check_dir(&out)?;
    for note in crate::experiment::notes::of_run(&sc, &a.overrides.set) {
        eprintln!("note: {note}");
    }
    if let Some(path) = &a.attempt_log {
        output::check_file(path)?;
        output::check_not_input(path, &[(&a.scenario, "the scenario")])?;
    }
    let (mut result, mut written) = match &a.attempt_log {
        None => (sim::run(&sc, seed), Vec::new()),
        Some(path) => {
            let (result, log) = sim::Simulation::new(&sc, seed)
                .with_attempt_log()
                .run_logged();
            output::attempt_log::write(path, &log, &result.bank_names)?;
            (result, vec![path.clone()])
        }
    };
    result.label = a.label.unwrap_or_default();
    written.extend(output::write_run(&out, &result)?);
    print!("{}", human_summary(&result));
    // The client in words where it says more than the header's kind and slots: settings per
    // bank, a band, an order, pausing, retries.
    let per_bank = matches!(
        sc.strategy,
        Strategy::PerBank { .. } | Strategy::Aimd(_) | Strategy::Paced { .. }
    );
    if per_bank || result.client != sc.strategy.describe(&sc.banks) {
        println!("client: {}", result.client);
    }
    if let Some(note) = output::never::never_refreshed_note(&result) {
        eprintln!("note: {note}");
    }
    if let Some(note) = output::terminal::growth_note(&result) {
        eprintln!("note: {note}");
    }
    if let Some(note) = output::requeued::requeued_note(&sc, &result) {
        eprintln!("note: {note}");
    }
    for note in output::unfelt::unfelt_incidents(&sc, &result) {
        eprintln!("note: {note}");
    }
    println!("wrote {}", list(&written));
    Ok(())
}

fn check(a: CheckArgs) -> Result<()> {
    crate::experiment::sweep::reject_lists(&a.overrides.set, "check")?;
    let source = scenario::Source::read(&a.scenario)?;
    let sc = source.parse(&a.overrides.set)?;
    for note in crate::experiment::notes::of_run(&sc, &a.overrides.set) {
        eprintln!("note: {note}");
    }
    // A `[sweep]` section is checked as `sweep` would: every point parsed and validated.
    let grid = match source.sweep_section()? {
        Some(_) => {
            let sw =
                crate::experiment::sweep::Sweep::prepare(&source, &a.overrides.set, None, None)?;
            format!(
                "; its [sweep] grid: {} points × {} replications, every point valid",
                sw.points.len(),
                sw.replications
            )
        }
        _ => String::new(),
    };
    let joining = match crate::consent::Joins::new(&sc).count {
        0 => String::new(),
        j => format!(" (+{} joining)", thousands(j as f64)),
    };
    println!(
        "{}: ok — {} ({}), {} connections{joining}, {} bank(s), {} window{grid}",
        a.scenario.display(),
        sc.name,
        strategy_label(&sc.strategy),
        thousands(sc.connections as f64),
        sc.banks.len(),
        sc.window
    );
    Ok(())
}

fn table_cmd(a: TableArgs) -> Result<Vec<PathBuf>> {
    let calibrated = scenario::load(&a.scenario, &[])?;
    let limited = scenario::load(&a.extension, &[])?;
    let seed = a.seed.unwrap_or(calibrated.seed);
    output::check_dir(&a.out)?;
    eprintln!("running the vendor table: 9 queued runs (seed {seed})…");
    let rows = table::vendor_table(&calibrated, &limited, seed);
    let md = table::markdown(&rows);
    let csv_path = a.out.join(output::table::FILE);
    let md_path = a.out.join("table.md");
    output::write(&csv_path, &table::csv_rows(&rows))?;
    write_atomic(&md_path, md.as_bytes())?;
    print!("{md}");
    let misses: Vec<u32> = rows
        .iter()
        .filter(|r| r.within_tolerance() == Some(false))
        .map(|r| r.concurrency)
        .collect();
    if misses.is_empty() {
        println!(
            "\nall documented rows reproduced within ±{:.0} %",
            100.0 * table::TOLERANCE
        );
    } else {
        println!(
            "\nrows outside ±{:.0} % of the documented figures: {misses:?}",
            100.0 * table::TOLERANCE
        );
    }
    Ok(vec![csv_path, md_path])
}

fn validate_cmd(a: ValidateArgs) -> Result<()> {
    if a.replications < 2 {
        return Err(Error::input(format!(
            "--replications: at least 2 are needed for a confidence interval, got {}",
            a.replications
        )));
    }
    let checks = crate::experiment::validate::run_all(a.replications, a.seed);
    println!(
        "| Check | Model | Theory | Tolerance | Result | Basis |\n|---|---:|---:|---:|---|---|"
    );
    for c in &checks {
        println!(
            "| {} | {:.6} | {:.6} | {:.6} | {} | {} |",
            c.name,
            c.model,
            c.theory,
            c.tolerance,
            if c.pass { "PASS" } else { "FAIL" },
            c.basis
        );
    }
    let failed = checks.iter().filter(|c| !c.pass).count();
    println!("\n{} passed, {failed} failed", checks.len() - failed);
    if failed > 0 {
        return Err(Error::check(format!("{failed} validation check(s) failed")));
    }
    Ok(())
}

/// The contention experiment as a Markdown table.
pub fn contention_markdown(rows: &[crate::experiment::validate::ContentionRow]) -> String {
    let mut s = String::from("| Retry mode | Calls | Calls per client | Completion time | Succeeded |\n|---|---:|---:|---:|---:|\n");
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {:.1} | {:.0} s | {}/{} |\n",
            r.mode,
            thousands(r.calls as f64),
            r.calls as f64 / r.clients as f64,
            r.completion_secs,
            r.succeeded,
            r.clients
        ));
    }
    s
}

fn strategy_label(s: &Strategy) -> String {
    match s.concurrency() {
        Some(c) if matches!(s, Strategy::Aimd(_)) => format!("aimd from {c} slots a bank"),
        // Pools per bank: their slots in all (a trial read "concurrency 157" as its 16's).
        Some(c) if matches!(s, Strategy::PerBank { .. }) => format!("per_bank, {c} slots in all"),
        Some(c) => format!("{} at concurrency {c}", s.name()),
        None => s.name().to_string(),
    }
}

pub(crate) fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The strategies the default experiment compares, as overrides of uk-mix.
const COMPARED: [&str; 3] = ["bulk", "queued", "random_offset"];

/// Further queued concurrencies the default experiment runs on uk-mix (summary rows only, in
/// compare.csv) so that the report can draw coverage against concurrency.
const QUEUED_CURVE: [u32; 5] = [8, 16, 32, 128, 256];

/// The strategies the default experiment compares, paired, on uk-mix: the vendors' queue at
/// the scenario's 64 slots (the baseline), per-bank pools of about the same total, adaptive
/// pools, pacing and random offsets.
const PAIRED: &str = "queued,per_bank:concurrency=13,aimd,paced,random_offset";

/// `refresh-sim` with no arguments: the table, the three strategies on uk-mix, queued at
/// more concurrencies, and the paired comparison of the strategies.
fn default_experiment(out: &Path) -> Result<()> {
    use crate::experiment::{compare, sweep};
    let uk_path = Path::new("scenarios/uk-mix.toml");
    let paired = compare::Comparison::prepare(
        &scenario::Source::read(uk_path)?,
        &compare::Request {
            strategies: Some(PAIRED.into()),
            baseline: None,
            replications: 5,
            seed: None,
            sets: Vec::new(),
            rank_by: None,
            max_failure_rate: None,
            max_bank_failure_rate: None,
        },
    )?;
    // Load everything first: bad input writes nothing.
    output::check_dir(out)?;
    let runs: Vec<Scenario> = COMPARED
        .iter()
        .map(|k| scenario::load(uk_path, &[format!("strategy.kind={k}")]))
        .collect::<Result<_>>()?;
    // Queued at more concurrencies on the same population: coverage against concurrency.
    let curve: Vec<Scenario> = QUEUED_CURVE
        .iter()
        .map(|c| {
            let sets = [
                "strategy.kind=queued".to_string(),
                format!("strategy.concurrency={c}"),
            ];
            scenario::load(uk_path, &sets)
        })
        .collect::<Result<_>>()?;
    let mut written = table_cmd(TableArgs {
        scenario: PathBuf::from("scenarios/vendor-table.toml"),
        extension: uk_path.to_path_buf(),
        seed: None,
        out: out.to_path_buf(),
    })?;
    println!();
    let mut compare = Vec::new();
    for sc in &runs {
        let result = sim::run(sc, sc.seed);
        let dir = out.join(&sc.name).join(sc.strategy.name());
        written.extend(output::write_run(&dir, &result)?);
        print!("{}", human_summary(&result));
        println!();
        compare.extend(SummaryRow::of_run(&result));
    }
    for sc in &curve {
        let result = sim::run(sc, sc.seed);
        let all = result.summary(None);
        println!(
            "{} · queued (concurrency {}): coverage {:.2} %, failure rate {:.2} %, {} users/day",
            sc.name,
            sc.strategy.concurrency().unwrap_or(0),
            100.0 * all.coverage,
            100.0 * all.failure_rate,
            thousands(all.users_per_day)
        );
        compare.extend(SummaryRow::of_run(&result));
    }
    println!();
    let compare_path = out.join(summary::COMPARE_FILE);
    output::write(&compare_path, &compare)?;
    written.push(compare_path);
    let outcome = paired.execute(
        &out.join("uk-mix").join(output::paired::DIR),
        &sweep::pool(None)?,
    )?;
    println!("{}", outcome.markdown);
    written.extend(outcome.files);
    written.extend(report::write_report(out)?);
    println!("wrote:");
    for p in &written {
        println!("  {}", p.display());
    }
    Ok(())
}

fn report_cmd(a: ReportArgs) -> Result<()> {
    let written = report::write_report_titled(&a.dir, a.title.as_deref())?;
    println!("wrote:");
    written.iter().for_each(|p| println!("  {}", p.display()));
    Ok(())
}

/// Converts an error to its message and exit status (used by `main`).
pub fn report_error(e: &Error) -> i32 {
    eprintln!("error: {e}");
    e.exit_code()
}
