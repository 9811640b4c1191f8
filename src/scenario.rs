//! Scenarios: TOML files parsed, overridden with `--set`, validated into the model's types.
//!
//! This module is the only serde boundary. [`load`] reads a file, applies `--set path=value`
//! overrides, checks every field, and returns a [`Scenario`] the engine can run; the engine
//! never sees a string like `"10s"`. Every error names the file, the field and the reason,
//! with line and column where the TOML parser knows them.

mod ages;
mod banks;
mod file;
mod hold;
pub use file::StrategyKind;
mod locate;
mod notes;
mod on_demand;
mod platform;
mod population;
mod presets;
use ages::{fresh_within, given_age_horizon, within_horizon};
use platform::platform;
pub use platform::MIN_POLL;
use population::population;
mod size;
mod strategy;

use crate::bank::{
    Bank, ConcurrencyCap, FixedWindow, Limit, Maintenance, MaintenanceMode, PenaltyBox, Quota,
    QuotaPeriod, RetryAfter, ServiceTime, SlidingWindow, Tested, TokenBucket,
};
use crate::consent::Reconnect;
use crate::demand::{Lane, OnDemand};
use crate::error::{Error, Result};
use crate::platform::{Dedup, Platform, StatusMode};
use crate::retry::{Jitter, RetryPolicy};
use crate::strategy::{Schedule, Strategy};
use crate::time::{SimDuration, SimTime};
use banks::{banks, service_time};
use file::{
    BankFile, JitterKind, LimitFile, QuotaPeriodKind, RetryAfterFile, RetryOn, ScenarioFile,
    ServiceTimeFile, TestedFile, TimeOfDay, Traffic,
};
use serde::Deserialize;
use std::path::Path;
use strategy::{schedule, strategy};

pub use locate::set_targets;
pub use size::{check_memory, set_budget, MemoryNeed};

/// A validated scenario, ready to run.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub seed: u64,
    /// Start of the refresh window (midnight of day 0 plus the configured time of day).
    pub window_start: SimTime,
    pub window: SimDuration,
    /// Leading part of the window left out of time-average metrics (mean in flight,
    /// refreshes per hour), for multi-day windows that start empty.
    pub warmup: SimDuration,
    /// `window.age_horizon` as given: the oldest data age resolved (see
    /// [`Scenario::age_horizon`]); older ages are counted together.
    pub given_age_horizon: Option<SimDuration>,
    /// `window.fresh_within`: the data age counted fresh (24 h unless given), a whole number
    /// of ten minutes (the at-open ages' resolution): the at-open figures' not-fresh share.
    pub fresh_within: SimDuration,
    pub connections: u32,
    /// Share of connections whose consent expires per day (a daily hazard: over a run of
    /// `d` days, `1 − (1 − share)^d` of them expire, each at an exponentially drawn instant).
    pub consent_expiry_share: f64,
    /// Customers who reconnect after their consent expired, if any do (`consent.rs`).
    pub reconnect: Option<Reconnect>,
    /// New connections linked a day, as a share of `connections` (`consent.rs`).
    pub join_share: f64,
    /// Instead, sign-ups at the rate that grows the starting book by this share a week,
    /// compounding (0.04: 4 % a week), expiring consents apart (`consent/joins.rs`).
    pub growth_per_week: f64,
    /// Accounts per customer (connections `k·u .. k·u + k` are customer `u`'s).
    pub connections_per_customer: u32,
    pub platform: Platform,
    pub strategy: Strategy,
    /// The refresh period and the client's timing.
    pub schedule: Schedule,
    pub retry: RetryPolicy,
    pub banks: Vec<Bank>,
    /// Customer-initiated refreshes, if the scenario has any.
    pub on_demand: Option<OnDemand>,
    /// Fields given that another kind (or platform status) reads, each as its note says it
    /// (`strategy.rate: only kind = "paced" reads it, not kind = "queued"`): idle, and noted.
    pub unread_fields: Vec<String>,
    /// The note on the banks a `strategy.pools` table leaves at `concurrency`, if any.
    pub pools_unnamed: Option<String>,
    /// Limits of a bank's preset that the bank's own `limits` dropped, each as its note says
    /// it: a bank's own fields win, and a trial's own token bucket silently lost its PSD2
    /// preset's quota of 4 a day.
    pub dropped_preset_limits: Vec<String>,
}

/// Default seed when neither the scenario nor the command line gives one.
pub const DEFAULT_SEED: u64 = 1;
/// Mean days between the app opens of a customer who will reconnect, when the scenario
/// does not say: a modelling choice (docs/sources.md), not a measurement.
pub const DEFAULT_RECONNECT_MEAN_DAYS: f64 = 3.0;
/// Tolerance on the sum of bank shares.
const SHARE_TOLERANCE: f64 = 1e-6;

/// What a built-in scenario's origin says after its name.
const BUILT_IN_MARK: &str = " (built in)";

/// The command-line argument that names the scenario read as `origin` (a path as given, or a
/// built-in name).
pub fn argument_of(origin: &str) -> &str {
    origin.strip_suffix(BUILT_IN_MARK).unwrap_or(origin)
}

/// The scenarios of `scenarios/` built into the binary, so that the default run, `table` and
/// `run uk-mix` work from any directory.
const BUILT_IN: [(&str, &str); 4] = [
    ("uk-mix", include_str!("../scenarios/uk-mix.toml")),
    (
        "vendor-table",
        include_str!("../scenarios/vendor-table.toml"),
    ),
    ("example", include_str!("../scenarios/example.toml")),
    ("cdr-au", include_str!("../scenarios/cdr-au.toml")),
];

/// The names of the built-in scenarios.
pub fn built_in_names() -> Vec<&'static str> {
    BUILT_IN.iter().map(|(n, _)| *n).collect()
}

/// The largest scenario file read (the built-in ones are under 10 kB).
const MAX_FILE_BYTES: u64 = 4_000_000;

/// Reads the scenario file at `path` as `(origin for errors, text)`. A path that does not
/// exist but names a built-in scenario (`uk-mix`, `uk-mix.toml`, `scenarios/uk-mix.toml`)
/// reads the copy built into the binary: a file on disk always wins.
fn read_scenario(path: &Path) -> Result<(String, String)> {
    let origin = path.display().to_string();
    // A scenario is kilobytes of TOML; parsing a large file of anything else would take a
    // multiple of its size in memory before saying it is not one.
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.len() > MAX_FILE_BYTES {
            return Err(Error::input(format!(
                "{origin}: is {:.1} MB, too large for a scenario file (at most {} MB of TOML)",
                meta.len() as f64 / 1e6,
                MAX_FILE_BYTES / 1_000_000
            )));
        }
    }
    match std::fs::read_to_string(path) {
        Ok(text) => Ok((origin, text)),
        Err(e) => {
            let name = path
                .to_str()
                .map(|p| p.strip_prefix("scenarios/").unwrap_or(p))
                .map(|p| p.strip_suffix(".toml").unwrap_or(p));
            match BUILT_IN.iter().find(|(n, _)| Some(*n) == name) {
                Some((_, text)) => Ok((format!("{origin}{BUILT_IN_MARK}"), text.to_string())),
                None => Err(Error::input(format!(
                    "{origin}: cannot read scenario file: {e} (built-in scenarios, usable from \
                     any directory: {})",
                    built_in_names().join(", ")
                ))),
            }
        }
    }
}

/// The scenario's name when the file has none: the file stem.
fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads, overrides and validates the scenario at `path`.
pub fn load(path: &Path, sets: &[String]) -> Result<Scenario> {
    let (origin, text) = read_scenario(path)?;
    parse(&text, &origin, &stem(path), sets)
}

/// Parses scenario `text` (named `origin` in errors; `default_name` when it has no `name`).
pub fn parse(text: &str, origin: &str, default_name: &str, sets: &[String]) -> Result<Scenario> {
    // Syntax and types first, straight from the text, so errors carry line and column.
    let mut table: toml::Table = toml::from_str(text).map_err(|e| toml_error(origin, text, &e))?;
    let mut file: ScenarioFile = toml::from_str(text).map_err(|e| toml_error(origin, text, &e))?;
    // Then overrides, one at a time, so an error is blamed on the `--set` that caused it.
    for set in sets {
        let blame = |msg: String| Error::input(format!("{origin}: --set {set}: {msg}"));
        let (path, value) = locate::parse_set(set).map_err(blame)?;
        locate::apply_set(&mut table, &path, value).map_err(blame)?;
        file = ScenarioFile::deserialize(toml::Value::Table(table.clone()))
            .map_err(|e| blame(value_error_message(&e)))?;
    }
    // Then bank presets fill in the fields a bank does not set itself.
    let mut dropped = Vec::new();
    if file.banks.iter().any(|b| b.preset.is_some()) {
        dropped = presets::apply(&mut table).map_err(|FieldError { field, reason }| {
            let at = locate::line_col_of(text, &field)
                .map(|(l, c)| format!("{l}:{c}:"))
                .unwrap_or_default();
            Error::input(format!("{origin}:{at} field `{field}`: {reason}"))
        })?;
        file = ScenarioFile::deserialize(toml::Value::Table(table))
            .map_err(|e| Error::input(format!("{origin}: {}", value_error_message(&e))))?;
    }
    let mut sc = validate(file, default_name).map_err(|FieldError { field, reason }| {
        let at = locate::line_col_of(text, &field)
            .map(|(l, c)| format!("{l}:{c}:"))
            .unwrap_or_default();
        let via = locate::sets_behind(sets, &field);
        Error::input(format!("{origin}:{at} field `{field}`{via}: {reason}"))
    })?;
    sc.dropped_preset_limits = dropped;
    Ok(sc)
}

/// A scenario file read once, to be parsed with many lists of overrides (a sweep's grid
/// points, the planner's candidates): each [`Source::parse`] is [`parse`] with this text.
#[derive(Clone, Debug)]
pub struct Source {
    /// The file's name as given, used in error messages.
    pub origin: String,
    pub text: String,
    /// The scenario's name when the file has none (the file stem).
    pub default_name: String,
}

/// The `[sweep]` section of a scenario file, unvalidated (`crate::experiment::sweep` checks it).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SweepSection {
    pub replications: Option<i64>,
    /// `(path, values)` in file order.
    pub grid: Vec<(String, Vec<toml::Value>)>,
}

impl Source {
    pub fn read(path: &Path) -> Result<Source> {
        let (origin, text) = read_scenario(path)?;
        Ok(Source {
            origin,
            text,
            default_name: stem(path),
        })
    }

    /// The scenario with `sets` applied, validated.
    pub fn parse(&self, sets: &[String]) -> Result<Scenario> {
        parse(&self.text, &self.origin, &self.default_name, sets)
    }

    /// The file's `[sweep]` section, if it has one.
    pub fn sweep_section(&self) -> Result<Option<SweepSection>> {
        let file: ScenarioFile =
            toml::from_str(&self.text).map_err(|e| toml_error(&self.origin, &self.text, &e))?;
        Ok(file.sweep.map(|s| SweepSection {
            replications: s.replications,
            grid: s.grid.into_iter().map(|a| (a.path, a.values)).collect(),
        }))
    }
}

/// Serde names Rust types in its messages; users write TOML.
fn friendly(msg: &str) -> String {
    // An integer beyond 64 bits reaches serde as an i128 that no field accepts.
    let msg = msg.replace(
        "as i128, expected any valid TOML value",
        "is too large: integers here are at most 18446744073709551615",
    );
    msg.replace("expected i64", "expected an integer")
        .replace("expected u64", "expected a whole number >= 0")
        .replace("expected f64", "expected a number")
}

fn toml_error(origin: &str, text: &str, e: &toml::de::Error) -> Error {
    let msg = friendly(e.message().trim_end());
    match e.span() {
        Some(span) => {
            let (line, col) = locate::line_col(text, span.start);
            let field = locate::path_at(text, span.start)
                .map(|p| format!(" field `{p}`:"))
                .unwrap_or_default();
            let snippet = text.lines().nth(line - 1).unwrap_or("").trim_end();
            Error::input(format!(
                "{origin}:{line}:{col}:{field} {msg}\n  {line} | {snippet}"
            ))
        }
        None => Error::input(format!("{origin}: {msg}")),
    }
}

/// A deserialization error from an in-memory value: the message plus the key path.
fn value_error_message(e: &toml::de::Error) -> String {
    friendly(e.to_string().trim_end()).replace('\n', " ")
}

/// A validation failure: which field (dotted path, `banks[0].share`) and why.
#[derive(Debug)]
struct FieldError {
    field: String,
    reason: String,
}

/// The customers' priority lane runs through the client's slots: there must be slots (open
/// all day to them: a band of hours holds the background alone). A pace has ticks, not
/// slots: a customer would wait for the pace's next tick behind the background (a trial's
/// waited 43 s at the median, 19 minutes at p95).
fn priority_lane_fits(strategy: &Strategy) -> Result<(), FieldError> {
    if matches!(strategy, Strategy::Bulk | Strategy::RandomOffset) {
        return err(
            "on_demand.lane",
            "\"priority\" is a lane through the client's slots; bulk and random offsets have \
             none (use \"direct\")",
        );
    }
    if matches!(strategy, Strategy::Paced { .. }) {
        return err(
            "on_demand.lane",
            "\"priority\" is a lane through the client's slots; a pace has none, and its \
             customers would wait for the pace's ticks (use \"direct\", or a client with slots)",
        );
    }
    Ok(())
}

fn err<T>(field: impl Into<String>, reason: impl Into<String>) -> Result<T, FieldError> {
    Err(FieldError {
        field: field.into(),
        reason: reason.into(),
    })
}

impl Scenario {
    /// The lane the customers' calls take; `None` without customers.
    pub fn customers_lane(&self) -> Option<Lane> {
        self.on_demand.as_ref().map(|d| d.lane)
    }

    /// The oldest data age resolved: `window.age_horizon` within the window, by default the
    /// window up to 60 days or four periods ([`crate::metrics::staleness_horizon`]). Memory
    /// grows with it (a few MB a month of ages), not with the window. Derived on use, so
    /// that a window changed after parsing (a probe's day) brings its horizon along.
    pub fn age_horizon(&self) -> SimDuration {
        match self.given_age_horizon {
            Some(h) => h.min(self.window),
            None => crate::metrics::staleness_horizon(self.window, self.schedule.period),
        }
    }
}

/// `[window]`: its start, length and warm-up.
fn window(w: &file::WindowFile) -> Result<(SimTime, SimDuration, SimDuration), FieldError> {
    let window = w.length.0;
    if window.is_zero() {
        return err("window.length", "must be longer than zero (e.g. \"24h\")");
    }
    if window > SimDuration::from_hours(24 * 366) {
        return err(
            "window.length",
            format!("\"{window}\" is longer than a year"),
        );
    }
    let window_start = SimTime(w.start.map(|t| t.0).unwrap_or_default().as_micros());
    let warmup = w.warmup.map(|d| d.0).unwrap_or_default();
    if warmup >= window {
        return err(
            "window.warmup",
            format!("\"{warmup}\" must be shorter than the window \"{window}\""),
        );
    }
    Ok((window_start, window, warmup))
}

fn validate(f: ScenarioFile, default_name: &str) -> Result<Scenario, FieldError> {
    let (window_start, window, warmup) = window(&f.window)?;

    let population::Population {
        connections: n,
        consent_expiry_share,
        reconnect,
        join_share,
        growth_per_week,
        connections_per_customer,
    } = population(&f.population)?;
    let platform = platform(&f.platform)?;
    if connections_per_customer > 1 && platform.dedup != Dedup::Skip {
        return err(
            "population.connections_per_customer",
            "only D•One's rule (platform.dedup = \"skip\") refreshes a customer's accounts together",
        );
    }
    let banks = banks(&f.banks)?;
    let schedule = schedule(&f.strategy, window)?;
    let given_age_horizon = given_age_horizon(f.window.age_horizon.map(|d| d.0), window)?;
    let fresh_within = fresh_within(f.window.fresh_within.map(|d| d.0))?;
    let strategy = strategy(&f.strategy, &banks, &platform, &schedule)?;
    let retry = retry(f.retry.as_ref())?;
    let on_demand = f
        .on_demand
        .as_ref()
        .map(|d| on_demand::on_demand(d, n))
        .transpose()?;
    if on_demand.as_ref().is_some_and(|d| d.lane == Lane::Priority) {
        priority_lane_fits(&strategy)?;
    }

    let unread_fields = (strategy::unread_fields(&f.strategy).into_iter())
        .chain(platform::unread_fields(&f.platform))
        .collect();
    let pools_unnamed = strategy::pools_unnamed(&f.strategy, &banks);
    let name = f.name.unwrap_or_else(|| default_name.to_string());
    check_name(&name)?;
    let sc = Scenario {
        name,
        description: f.description.unwrap_or_default().trim().to_string(),
        seed: f.seed.unwrap_or(DEFAULT_SEED),
        window_start,
        window,
        warmup,
        given_age_horizon,
        fresh_within,
        connections: n,
        consent_expiry_share,
        reconnect,
        join_share,
        growth_per_week,
        connections_per_customer,
        platform,
        strategy,
        schedule,
        retry,
        banks,
        on_demand,
        unread_fields,
        pools_unnamed,
        dropped_preset_limits: Vec::new(),
    };
    within_horizon(&sc)?;
    crate::consent::Joins::new(&sc).check().or_else(|why| {
        let field = match growth_per_week > 0.0 {
            true => "population.growth_per_week",
            false => "population.join_share",
        };
        err(field, why)
    })?;
    Ok(sc)
}

/// The name becomes a directory under the output directory (`output/NAME`): one plain path
/// component, so that results never land outside it.
fn check_name(name: &str) -> Result<(), FieldError> {
    let bad = name.is_empty()
        || name.starts_with('.')
        || name
            .chars()
            .any(|c| matches!(c, '/' | '\\' | '\0') || c.is_control());
    if bad {
        return err(
            "name",
            format!(
                "{name:?}: must be a plain name, used as a directory under output/ (no '/' or '\\', \
                 not starting with '.', not empty), e.g. \"uk-mix\""
            ),
        );
    }
    Ok(())
}

fn retry(r: Option<&file::RetryFile>) -> Result<RetryPolicy, FieldError> {
    let Some(r) = r else {
        return Ok(RetryPolicy::default());
    };
    let d = RetryPolicy::default();
    if r.max_attempts < 1 || r.max_attempts > 1_000 {
        return err(
            "retry.max_attempts",
            format!(
                "must be between 1 (no retries) and 1000, got {}",
                r.max_attempts
            ),
        );
    }
    let base = r.base.map(|x| x.0).unwrap_or(d.base);
    let cap = r.cap.map(|x| x.0).unwrap_or(d.cap);
    if base.is_zero() {
        return err("retry.base", "must be longer than zero (e.g. \"1s\")");
    }
    if cap < base {
        return err(
            "retry.cap",
            format!("\"{cap}\" is below the base \"{base}\""),
        );
    }
    let on =
        r.on.clone()
            .unwrap_or_else(|| vec![RetryOn::RateLimited, RetryOn::Error]);
    if let Some(bad) = on
        .iter()
        .find(|o| matches!(o, RetryOn::ReconnectRequired | RetryOn::Deduplicated))
    {
        let why = match bad {
            RetryOn::ReconnectRequired => {
                "reconnect_required needs the customer to re-authenticate and is never retried"
            }
            _ => "a deduplicated refresh did not fail and is never retried",
        };
        return err(
            "retry.on",
            format!("{why}; retry \"rate_limited\" and/or \"error\""),
        );
    }
    Ok(RetryPolicy {
        max_attempts: r.max_attempts as u32,
        base,
        cap,
        jitter: match r.jitter.unwrap_or(JitterKind::Full) {
            JitterKind::None => Jitter::None,
            JitterKind::Full => Jitter::Full,
            JitterKind::Equal => Jitter::Equal,
            JitterKind::Decorrelated => Jitter::Decorrelated,
        },
        honour_retry_after: r.honour_retry_after.unwrap_or(true),
        retry_after_jitter: r.retry_after_jitter.map(|d| d.0).unwrap_or_default(),
        hold_slot: r.backoff_slot != Some(file::BackoffSlot::Free),
        on_rate_limited: on.contains(&RetryOn::RateLimited),
        on_error: on.contains(&RetryOn::Error),
    })
}

fn probability(field: &str, p: f64) -> Result<(), FieldError> {
    if !(0.0..=1.0).contains(&p) {
        return err(field, format!("must be between 0 and 1, got {p}"));
    }
    Ok(())
}
