//! `refresh-sim fit LOG.csv`: the flags, and the command (read, fit, check, write).

use crate::error::{Error, Result};
use crate::fit::{self, bank_file, Hint};
use crate::output::write_atomic;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct FitArgs {
    /// The refresh log (CSV: connection, bank, submitted_at, learned_at, outcome, and
    /// optionally http_status, retry_after, attempt, on_demand).
    pub log: PathBuf,
    /// The client polled task status every this long (e.g. 10s); the first poll's delay is
    /// measured from the 429s. Without it or --callback, whether the durations sit on a poll
    /// grid decides (and the output says so, or that the timing is assumed where the log
    /// cannot tell).
    #[arg(long, value_name = "DURATION", conflicts_with = "callback")]
    pub poll_interval: Option<String>,
    /// The client learned outcomes by callback (durations are exact, less the callback's
    /// delay, measured from the 429s).
    #[arg(long)]
    pub callback: bool,
    /// The API calls one refresh makes at each bank (accounts, then balances and
    /// transactions per account; your aggregator's count): `8` at every bank, `highstreet=4`
    /// at one (the others 1), `8,bigbank=1` both. A bank's token buckets and windows count
    /// calls, so they are fitted in calls and the fitted bank gets `calls_per_refresh`. The
    /// log has refreshes: without it, a bucket of 5 calls a second and a burst of 10, which
    /// refuses an 8-call refresh until 8 tokens are back, fits no bucket of whole refreshes.
    #[arg(long, value_name = "N|NAME=N,…", default_value = "1",
          value_parser = fit::CallsPerRefresh::parse)]
    pub calls_per_refresh: fit::CallsPerRefresh,
    /// Read the log's times in UTC even where every one carries the same offset (`+10:00`),
    /// which are otherwise read on that local clock: for a bank whose days, quotas and
    /// windows turn at UTC's midnight, not the log's.
    #[arg(long)]
    pub utc: bool,
    /// Write the fitted banks as a scenario file (TOML) that `check` accepts and `run` runs.
    #[arg(long, value_name = "FILE.toml")]
    pub out: Option<PathBuf>,
}

pub fn fit_cmd(a: FitArgs) -> Result<()> {
    let hint = match (&a.poll_interval, a.callback) {
        (Some(p), _) => {
            let d = crate::time::parse_duration(p)
                .map_err(|e| Error::input(format!("--poll-interval: {e}")))?;
            if d.is_zero() {
                return Err(Error::input("--poll-interval: must be longer than zero"));
            }
            Hint::Poll {
                interval_us: d.as_micros() as i64,
            }
        }
        (None, true) => Hint::Callback,
        (None, false) => Hint::Infer,
    };
    if let Some(out) = &a.out {
        crate::output::check_not_input(out, &[(&a.log, "the log")])?;
    }
    let log = fit::log::read(&a.log)?;
    let log = if a.utc { log.in_utc() } else { log };
    let fitted = fit::fit(log, hint, &a.calls_per_refresh)
        .map_err(|e| Error::input(format!("{}: {}", a.log.display(), e.message)))?;
    print!("{}", bank_file::summary(&fitted));
    if let Some(out) = &a.out {
        let text = bank_file::scenario_toml(&fitted, &a.log.display().to_string());
        // The file must be one `check` accepts: parse it before writing it.
        crate::scenario::parse(&text, &out.display().to_string(), "fitted", &[]).map_err(|e| {
            Error::check(format!(
                "the fitted scenario does not validate (a bug): {}",
                e.message
            ))
        })?;
        write_atomic(out, text.as_bytes())?;
        println!("\nwrote {}", out.display());
    }
    Ok(())
}
