//! The scenario file format: serde types mirroring the TOML, with no model logic.
//!
//! Every struct denies unknown fields, so a misspelt key is an error rather than a silently
//! ignored default. Durations and times of day are strings parsed by [`crate::time`]; their
//! errors surface through serde with the TOML span of the offending value.

use crate::time::{parse_duration, parse_time_of_day, SimDuration};
use serde::{Deserialize, Deserializer};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub name: Option<String>,
    pub description: Option<String>,
    pub seed: Option<u64>,
    pub window: WindowFile,
    pub population: PopulationFile,
    #[serde(default)]
    pub platform: PlatformFile,
    pub strategy: StrategyFile,
    pub retry: Option<RetryFile>,
    pub banks: Vec<BankFile>,
    /// Customer-initiated refreshes, if any.
    pub on_demand: Option<OnDemandFile>,
    /// Read only by `refresh-sim sweep` (see [`SweepFile`]); other commands ignore it.
    pub sweep: Option<SweepFile>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DedupKind {
    LastFetch,
    SameRequest,
    Skip,
}

/// The optional `[on_demand]` section: customers opening the app.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnDemandFile {
    /// Requests a day over every connection (an absolute volume) ...
    pub per_day: Option<f64>,
    /// ... or requests a connection a day (scales with `population.connections`).
    pub per_connection: Option<f64>,
    /// 24 weights, one per hour of the day (default: a daytime profile).
    pub profile: Option<Vec<f64>>,
    /// `"direct"` (default) or `"priority"`.
    pub lane: Option<LaneKind>,
    /// With the priority lane: the share of the slots kept for customers.
    pub reserved: Option<f64>,
    /// The share of connections whose customers open the app at all (default 1).
    pub active_share: Option<f64>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LaneKind {
    Direct,
    Priority,
}

/// The optional `[sweep]` section: a grid of overrides and a replication count.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    pub replications: Option<i64>,
    /// Axes in file order: `{ path = "strategy.concurrency", values = [8, 16] }`.
    #[serde(default)]
    pub grid: Vec<SweepAxisFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepAxisFile {
    pub path: String,
    pub values: Vec<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowFile {
    pub start: Option<TimeOfDay>,
    pub length: Duration,
    pub warmup: Option<Duration>,
    /// The oldest data age resolved (default: the window, up to 60 days or four periods).
    pub age_horizon: Option<Duration>,
    /// The data age a product counts fresh (default "24h"): the share of app opens finding
    /// data this old or older, or none, is reported beside the day-old share.
    pub fresh_within: Option<Duration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationFile {
    pub connections: i64,
    pub consent_expiry_share: Option<f64>,
    /// Share of customers who reconnect after their consent expired (`consent.rs`).
    pub reconnect_share: Option<f64>,
    /// Mean days between a reconnecting customer's app opens.
    pub reconnect_mean_days: Option<f64>,
    /// New connections linked a day, as a share of `connections`.
    pub join_share: Option<f64>,
    /// Or the book's growth a week, compounding.
    pub growth_per_week: Option<f64>,
    /// Accounts per customer, consecutive connections (D•One's rule refreshes them together).
    pub connections_per_customer: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformFile {
    pub status: Option<StatusKind>,
    pub poll_interval: Option<Duration>,
    /// Delay before the first poll (Bud's `next_url_delay`); defaults to `poll_interval`.
    pub first_poll: Option<Duration>,
    pub callback_delay: Option<Duration>,
    pub dedup_window: Option<Duration>,
    /// `"last_fetch"` (Bud, default), `"same_request"` (Mastercard) or `"skip"` (D•One).
    pub dedup: Option<DedupKind>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StatusKind {
    Poll,
    Callback,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategyFile {
    pub kind: StrategyKind,
    /// Required by `queued`; accepted (and ignored) by the others so that `kind` can be
    /// swept without removing it.
    pub concurrency: Option<i64>,
    /// Each connection is due once per period (default "24h").
    pub period: Option<Duration>,
    /// Queued only: start the next pass at once when one ends (the backlog reading).
    #[serde(rename = "loop")]
    pub looping: Option<bool>,
    /// Offsets, and the queued kinds' submissions, within these times of day, e.g.
    /// ["00:00", "06:00"]; `[]` is the whole day (so a `--set` can lift a file's band).
    pub hours: Option<Vec<TimeOfDay>>,
    /// Queued only: a worker's time from taking a connection to submitting it.
    pub worker_overhead: Option<ServiceTimeFile>,
    /// Bulk and random offsets only: each period, each planned refresh goes out late by a
    /// uniform draw in `[0, jitter)` (a scheduler's drift), default "0s".
    pub jitter: Option<Duration>,
    /// Per bank only: slots of the named banks (the others get `concurrency`).
    pub pools: Option<std::collections::BTreeMap<String, i64>>,
    /// AIMD only: the rule's bounds and decrease.
    pub aimd: Option<AimdFile>,
    /// Paced only: submissions a second over every bank (default: the connections spread
    /// over the period).
    pub rate: Option<f64>,
    /// Paced only: a pace per bank, by its share (default), or one over every connection.
    pub per_bank: Option<bool>,
    /// Paced per bank only: the submissions a second of the named banks (the others are
    /// paced by `rate` or over the period).
    pub rates: Option<std::collections::BTreeMap<String, f64>>,
    /// Paced per bank only: the most refreshes of each named bank outstanding at once
    /// (submitted, their outcome not yet learned), e.g. under its concurrency cap.
    pub outstanding: Option<std::collections::BTreeMap<String, i64>>,
    /// Paced only: 24 weights, one per hour of the day from 00:00, multiplying the pace.
    pub pace_profile: Option<Vec<f64>>,
    /// Paced per bank only: the named banks' own 24 weights, in place of `pace_profile`.
    pub pace_profiles: Option<std::collections::BTreeMap<String, Vec<f64>>>,
    /// Queued kinds: a 429 with Retry-After holds the new submissions of that bank's pool
    /// until then (plus `retry.retry_after_jitter`).
    pub pause_on_retry_after: Option<bool>,
    /// Queued kinds: which due connection a pool takes next, `"fifo"` (default) or
    /// `"stalest"` (the oldest data first).
    pub order: Option<OrderKind>,
    /// Queued kinds: a failure not retried goes to the back of the queue (`"requeue"`,
    /// default) or waits for the next period (`"next_period"`).
    pub on_failure: Option<OnFailureKind>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OnFailureKind {
    Requeue,
    NextPeriod,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    Fifo,
    Stalest,
}

/// `strategy.aimd`: `{ min = 1, max = 256, decrease = 0.9, on_error = false }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AimdFile {
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub decrease: Option<f64>,
    pub on_error: Option<bool>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StrategyKind {
    Bulk,
    Queued,
    RandomOffset,
    PerBank,
    Aimd,
    Paced,
}

impl StrategyKind {
    /// The kinds as a scenario writes them (`strategy.kind`), in the order errors list them.
    pub const NAMES: [&'static str; 6] = [
        "bulk",
        "queued",
        "random_offset",
        "per_bank",
        "aimd",
        "paced",
    ];

    /// The kind as a scenario writes it (the variants are in [`NAMES`](Self::NAMES)' order).
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankFile {
    pub name: String,
    pub share: f64,
    /// A named preset from `scenarios/banks/` whose fields fill in the ones not given here.
    pub preset: Option<String>,
    pub description: Option<String>,
    pub error_rate: Option<f64>,
    pub service_time: Option<ServiceTimeFile>,
    /// Each a [`LimitFile`], read one by one (`banks.rs`) so that an error inside one names
    /// it and its line: read as a list of `LimitFile`s, a typo in any element was reported
    /// at the list's opening bracket.
    #[serde(default)]
    pub limits: Vec<toml::Value>,
    pub servers: Option<i64>,
    pub retry_after: Option<RetryAfterFile>,
    /// The API calls one refresh makes at this bank (accounts, balances, transactions):
    /// what its rate policies count (default 1).
    pub calls_per_refresh: Option<i64>,
    /// The traffic a fit's log had at the bank (`fit` writes it): `per_hour` admissions,
    /// `in_flight` calls at once, `per_connection_day` unattended calls a connection a day.
    pub tested: Option<TestedFile>,
}

/// `tested = { per_hour = 1662, in_flight = 9 }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestedFile {
    pub per_hour: Option<i64>,
    pub in_flight: Option<i64>,
    pub per_connection_day: Option<i64>,
}

/// `retry_after = "none" | "policy" | "30s"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryAfterFile {
    None,
    Policy,
    Fixed(SimDuration),
}

impl<'de> Deserialize<'de> for RetryAfterFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "none" => Ok(RetryAfterFile::None),
            "policy" => Ok(RetryAfterFile::Policy),
            other => parse_duration(other)
                .map(RetryAfterFile::Fixed)
                .map_err(|e| {
                    serde::de::Error::custom(format!(
                        "expected \"none\", \"policy\" or a fixed duration like \"30s\": {e}"
                    ))
                }),
        }
    }
}

/// The `[retry]` section.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryFile {
    pub max_attempts: i64,
    pub base: Option<Duration>,
    pub cap: Option<Duration>,
    pub jitter: Option<JitterKind>,
    pub honour_retry_after: Option<bool>,
    /// Uniform jitter added to an honoured Retry-After, e.g. "2s".
    pub retry_after_jitter: Option<Duration>,
    /// Queued clients: whether a worker keeps its slot while it waits to retry.
    pub backoff_slot: Option<BackoffSlot>,
    pub on: Option<Vec<RetryOn>>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BackoffSlot {
    Hold,
    Free,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum JitterKind {
    None,
    Full,
    Equal,
    Decorrelated,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RetryOn {
    RateLimited,
    Error,
    ReconnectRequired,
    Deduplicated,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum ServiceTimeFile {
    Constant {
        value: Duration,
    },
    Exponential {
        mean: Duration,
    },
    Lognormal {
        median: Duration,
        p95: Option<Duration>,
        sigma: Option<f64>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum LimitFile {
    Concurrency {
        max_in_flight: i64,
    },
    TokenBucket {
        rate: f64,
        burst: i64,
        during: Option<[TimeOfDay; 2]>,
        applies_to: Option<Traffic>,
        days: Option<Vec<i64>>,
    },
    FixedWindow {
        limit: i64,
        window: Duration,
        during: Option<[TimeOfDay; 2]>,
        applies_to: Option<Traffic>,
        days: Option<Vec<i64>>,
    },
    SlidingWindow {
        limit: i64,
        window: Duration,
        during: Option<[TimeOfDay; 2]>,
        applies_to: Option<Traffic>,
        days: Option<Vec<i64>>,
    },
    Quota {
        k: Option<i64>,
        period: Option<QuotaPeriodKind>,
    },
    PenaltyBox {
        duration: Duration,
        after: Option<i64>,
        within: Option<Duration>,
    },
    Maintenance {
        start: TimeOfDay,
        end: TimeOfDay,
        slowdown: Option<f64>,
        days: Option<Vec<i64>>,
    },
}

/// Which calls a rate policy counts: every call (the default), only unattended ones (the
/// client's background refreshes; the CDR's thresholds), or only customer-present ones.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Traffic {
    All,
    Unattended,
    CustomerPresent,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum QuotaPeriodKind {
    #[serde(rename = "rolling_24h")]
    Rolling24h,
    CalendarDay,
}

/// A duration written like `"10s"`, `"1h30m"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration(pub SimDuration);

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = StringOrNumber::deserialize(d)?;
        match s {
            StringOrNumber::Str(s) => parse_duration(&s)
                .map(Duration)
                .map_err(serde::de::Error::custom),
            StringOrNumber::Int(0) => Ok(Duration(SimDuration::ZERO)),
            StringOrNumber::Int(n) => Err(serde::de::Error::custom(format!(
                "a duration needs a unit: write \"{n}s\", \"{n}m\", \"{n}h\" or \"{n}d\" (in quotes)"
            ))),
            StringOrNumber::Float(x) => Err(serde::de::Error::custom(format!(
                "a duration needs a unit: write \"{x}s\" (in quotes)"
            ))),
        }
    }
}

/// A time of day written like `"02:00"`, as an offset from midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeOfDay(pub SimDuration);

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_time_of_day(&s)
            .map(TimeOfDay)
            .map_err(serde::de::Error::custom)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StringOrNumber {
    Str(String),
    Int(i64),
    Float(f64),
}

#[cfg(test)]
mod tests {
    use super::StrategyKind;

    /// The names errors list are the ones a scenario may write, every kind once.
    #[test]
    fn the_kinds_names_are_serdes() {
        #[derive(serde::Deserialize)]
        struct Kind {
            kind: StrategyKind,
        }
        let kinds: Vec<StrategyKind> = StrategyKind::NAMES
            .iter()
            .map(|n| {
                toml::from_str::<Kind>(&format!("kind = \"{n}\""))
                    .unwrap()
                    .kind
            })
            .collect();
        for k in &kinds {
            assert_eq!(kinds.iter().filter(|x| *x == k).count(), 1);
            // A new kind fails to compile here until NAMES lists it.
            match k {
                StrategyKind::Bulk
                | StrategyKind::Queued
                | StrategyKind::RandomOffset
                | StrategyKind::PerBank
                | StrategyKind::Aimd
                | StrategyKind::Paced => {}
            }
        }
        assert!(toml::from_str::<Kind>("kind = \"foo\"").is_err());
    }
}
