//! Command-line interface: clap types and the dispatch to library code.
//!
//! Every command validates all its input before writing anything, so bad input (exit 2)
//! leaves the output directory as it was.

use crate::error::{Error, Result};
use crate::report::{self, write_atomic};
use crate::scenario::{self, Scenario};
use crate::strategy::Strategy;
use crate::{sim, table};
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};

/// Deterministic capacity simulator for Open Banking background refreshes.
///
/// Without a command, runs the default experiment into `output/`: the vendor sizing table
/// reproduced and extended, and bulk, queued and random-offset compared on uk-mix.
#[derive(Debug, Parser)]
#[command(name = "refresh-sim", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Play a scenario's window and write summary.csv and timeseries.csv.
    Run(RunArgs),
    /// Validate a scenario file (and overrides) without running it.
    Check(CheckArgs),
    /// Reproduce the vendor sizing table (concurrency 1–16) and extend it (32–256).
    Table(TableArgs),
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
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory (default: output/<scenario name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub overrides: Overrides,
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
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory for table.csv and table.md.
    #[arg(long, default_value = "output")]
    pub out: PathBuf,
}

/// Runs the parsed command line.
pub fn dispatch(cli: Cli) -> Result<()> {
    match cli.command {
        Some(Command::Run(a)) => run(a),
        Some(Command::Check(a)) => check(a),
        Some(Command::Table(a)) => table_cmd(a).map(|_| ()),
        None => default_experiment(Path::new("output")),
    }
}

fn run(a: RunArgs) -> Result<()> {
    let sc = scenario::load(&a.scenario, &a.overrides.set)?;
    let seed = a.seed.unwrap_or(sc.seed);
    let out = a.out.unwrap_or_else(|| Path::new("output").join(&sc.name));
    let result = sim::run(&sc, seed);
    let written = report::write_run(&out, &result)?;
    print!("{}", report::human_summary(&result));
    println!("wrote {}", list(&written));
    Ok(())
}

fn check(a: CheckArgs) -> Result<()> {
    let sc = scenario::check(&a.scenario, &a.overrides.set)?;
    println!(
        "{}: ok — {} ({}), {} connections, {} bank(s), {} window",
        a.scenario.display(),
        sc.name,
        strategy_label(&sc.strategy),
        report::thousands(sc.connections as f64),
        sc.banks.len(),
        sc.window
    );
    Ok(())
}

fn table_cmd(a: TableArgs) -> Result<Vec<PathBuf>> {
    let calibrated = scenario::load(&a.scenario, &[])?;
    let limited = scenario::load(&a.extension, &[])?;
    let seed = a.seed.unwrap_or(calibrated.seed);
    eprintln!("running the vendor table: 9 queued runs (seed {seed})…");
    let rows = table::vendor_table(&calibrated, &limited, seed);
    let md = table::markdown(&rows);
    let csv_path = a.out.join("table.csv");
    let md_path = a.out.join("table.md");
    write_atomic(&csv_path, &report::csv_bytes(&table::csv_rows(&rows))?)?;
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

fn strategy_label(s: &Strategy) -> String {
    match s.concurrency() {
        Some(c) => format!("{} at concurrency {c}", s.name()),
        None => s.name().to_string(),
    }
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The strategies the default experiment compares, as overrides of uk-mix.
const COMPARED: [&str; 3] = ["bulk", "queued", "random_offset"];

/// `refresh-sim` with no arguments: the table, then the three strategies on uk-mix.
fn default_experiment(out: &Path) -> Result<()> {
    let uk_path = Path::new("scenarios/uk-mix.toml");
    // Load everything first: bad input writes nothing.
    let runs: Vec<Scenario> = COMPARED
        .iter()
        .map(|k| scenario::load(uk_path, &[format!("strategy.kind={k}")]))
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
        written.extend(report::write_run(&dir, &result)?);
        print!("{}", report::human_summary(&result));
        println!();
        compare.extend(report::summary_rows(&result));
    }
    let compare_path = out.join("compare.csv");
    write_atomic(&compare_path, &report::csv_bytes(&compare)?)?;
    written.push(compare_path);
    println!("wrote:");
    for p in &written {
        println!("  {}", p.display());
    }
    Ok(())
}

/// Converts an error to its message and exit status (used by `main`).
pub fn report_error(e: &Error) -> i32 {
    eprintln!("error: {e}");
    e.exit_code()
}
