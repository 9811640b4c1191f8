//! `summary.csv` (and `compare.csv`, the same rows for several runs): one row per bank of a
//! run, then `bank = all`.

use super::{fixed, fixed_opt, Record};
use crate::metric::Metric;
use crate::metrics::{RunResult, Summary};
use serde::{Deserialize, Serialize};

/// The file's name in a results directory.
pub const FILE: &str = "summary.csv";
/// The same rows for every run of the default experiment.
pub const COMPARE_FILE: &str = "compare.csv";

/// One bank of one run (or `all`): its counters and derived figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow {
    pub scenario: String,
    pub strategy: String,
    /// The queued strategy's slots (per-bank pools': in all; AIMD's: each bank's initial
    /// slots); empty for strategies without any.
    pub concurrency: Option<u32>,
    pub bank: String,
    pub seed: u64,
    pub connections: u64,
    pub attempts: u64,
    pub retries: u64,
    pub successes: u64,
    pub late_successes: u64,
    pub rate_limited: u64,
    pub errors: u64,
    pub reconnect_required: u64,
    pub deduplicated: u64,
    #[serde(serialize_with = "fixed::<6, _>")]
    pub failure_rate: f64,
    #[serde(serialize_with = "fixed::<6, _>")]
    pub coverage: f64,
    #[serde(serialize_with = "fixed::<3, _>")]
    pub refreshes_per_hour: f64,
    #[serde(serialize_with = "fixed::<1, _>")]
    pub users_per_day: f64,
    /// The most calls in flight at any instant.
    pub peak_in_flight: u64,
    #[serde(serialize_with = "fixed::<4, _>")]
    pub mean_in_flight: f64,
    pub api_calls: u64,
    pub events: u64,
    /// Connection-days due over the measured days (consent valid through the day's end).
    pub eligible: u64,
    pub covered: u64,
    pub refreshed: u64,
    pub peak_outstanding: u64,
    /// Share of all connections with at least one successful refresh (retries included).
    #[serde(serialize_with = "fixed::<6, _>")]
    pub final_success_share: f64,
    pub admitted: u64,
    /// Percentiles of data age over connection-time, in hours: `inf` when the percentile
    /// falls among connections never refreshed, empty when nothing was measured.
    #[serde(serialize_with = "fixed_opt::<4, _>")]
    pub staleness_p50_hours: Option<f64>,
    #[serde(serialize_with = "fixed_opt::<4, _>")]
    pub staleness_p95_hours: Option<f64>,
    #[serde(serialize_with = "fixed::<4, _>")]
    pub window_hours: f64,
    #[serde(serialize_with = "fixed_opt::<4, _>")]
    pub staleness_p99_hours: Option<f64>,
    /// Share of connection-time with data 24 h / 48 h old or older (never refreshed
    /// included).
    #[serde(serialize_with = "fixed_opt::<6, _>")]
    pub stale_24h_share: Option<f64>,
    #[serde(serialize_with = "fixed_opt::<6, _>")]
    pub stale_48h_share: Option<f64>,
    #[serde(serialize_with = "fixed::<4, _>")]
    pub attempts_per_success: f64,
    #[serde(serialize_with = "fixed::<4, _>")]
    pub api_calls_per_success: f64,
    /// Connection-days refreshed over the measured days (users per day × days).
    pub users: u64,
    /// Days the per-day figures (users per day, coverage) average over.
    #[serde(serialize_with = "fixed::<4, _>")]
    pub measured_days: f64,
    /// Customer-initiated refreshes: requests, (429s + 5xx) over their attempts, and the
    /// median and 95th percentile of the time from request to data (seconds, 0.1 s
    /// resolution); empty when there were none.
    pub on_demand_requests: u64,
    /// Attempts made for them (a request that rides a refresh in progress makes none).
    pub on_demand_attempts: u64,
    #[serde(serialize_with = "fixed_opt::<6, _>")]
    pub on_demand_failure_rate: Option<f64>,
    #[serde(serialize_with = "fixed_opt::<1, _>")]
    pub on_demand_p50_seconds: Option<f64>,
    #[serde(serialize_with = "fixed_opt::<1, _>")]
    pub on_demand_p95_seconds: Option<f64>,
    /// Bank calls the platform made for accounts the client did not ask about (D•One
    /// refreshes a customer's accounts together); not attempts.
    pub triggered: u64,
    /// Customers who reconnected after their consent expired (`population.reconnect_share`),
    /// warm-up included as the outcomes are.
    pub reconnected: u64,
    /// Connections linked during the window (`population.join_share`), warm-up included.
    pub joined: u64,
    /// Of `rate_limited`, the calls a closed maintenance window refused (HTTP 503, not a
    /// 429: no constant pace avoids them; a pace by the hour that stops in the window does).
    pub outage_rejected: u64,
    /// Data age when customers open the app (connection-time weighted by the app-open
    /// profile): median, 95th percentile (hours), share 24 h old or older; a bank its own
    /// customers', `all` everyone's.
    #[serde(serialize_with = "fixed_opt::<4, _>")]
    pub at_open_p50_hours: Option<f64>,
    #[serde(serialize_with = "fixed_opt::<4, _>")]
    pub at_open_p95_hours: Option<f64>,
    #[serde(serialize_with = "fixed_opt::<6, _>")]
    pub stale_24h_at_open_share: Option<f64>,
    /// The coverage the background's own successes give, customers' requests (and the
    /// refreshes they trigger) apart: `coverage` less what customers added. Empty past 254
    /// days of window.
    #[serde(serialize_with = "fixed_opt::<6, _>")]
    pub background_coverage: Option<f64>,
    /// The API calls made at the bank: `admitted` times its `calls_per_refresh` (the same
    /// as `admitted` at one call a refresh), where `api_calls` are the client's calls to the
    /// aggregator. What a threshold in calls a second (the CDR's) counts.
    pub bank_calls: u64,
    /// Of `bank_calls`, the customers' (in-app requests, link and reconnect fetches): the
    /// rest are the background's, which a threshold for unattended calls counts alone.
    pub customer_bank_calls: u64,
    /// The 429s the client's own traffic caused (customers' calls included, a maintenance
    /// window's 503s apart) over its attempts: what `plan` bounds by default.
    #[serde(serialize_with = "fixed::<6, _>")]
    pub client_failure_rate: f64,
    /// The oldest data age the percentiles (here and in `data_age_by_hour.csv`) resolve
    /// (`window.age_horizon`: the window, up to 60 days or four periods, by default). Older
    /// ages are counted together, so a percentile above it is a lower bound ("at least this
    /// old").
    #[serde(serialize_with = "fixed::<4, _>")]
    pub age_horizon_hours: f64,
    /// Which due connection the client's pools took next (`strategy.order`): `fifo` or
    /// `stalest`; empty for a client without a queue (bulk, random offsets).
    pub order: String,
    /// The whole client in words: `queued, concurrency 32, within 01:00–07:00, up to 3
    /// attempts` (its setting, hours, order, pausing and retries), which `strategy` and
    /// `concurrency` alone do not say.
    pub client: String,
    /// The run's name in reports (`run --label`): its charts' legends and tables say it in
    /// place of the strategy and slots. Empty when none was given.
    pub label: String,
    /// With a `strategy.period` shorter than a day, the coverage of each period: the due
    /// connections refreshed in each of the client's periods (counted from the window's
    /// start) over the connections due times the periods a day. `coverage` counts one
    /// success a day, so a 12-hour client refreshing each connection once a day reads 100 %
    /// there and about 50 % here. Empty for a period of a day or more; a `summary.csv`
    /// written before 2026-12-06 lacks the column and reads without it.
    #[serde(serialize_with = "fixed_opt::<6, _>", default)]
    pub period_coverage: Option<f64>,
    /// The client's own 429s at the bank where they are highest, over that bank's attempts
    /// (a bank's row: its own): what a rule of "under 2 % at any bank" bounds. A
    /// `summary.csv` written before 2026-12-06's second change lacks the column and reads
    /// without it.
    #[serde(serialize_with = "fixed_opt::<6, _>", default)]
    pub worst_bank_client_failure_rate: Option<f64>,
    /// The client's period in hours (`strategy.period`: 24 for a daily client, 48 for one
    /// refreshing every two days): how many days one refresh covers in `coverage`. A
    /// `summary.csv` written before 2026-12-07 lacks the column and reads without it.
    #[serde(serialize_with = "fixed_opt::<4, _>", default)]
    pub period_hours: Option<f64>,
    /// `window.fresh_within` in hours (24 unless the scenario says otherwise): the data age
    /// `not_fresh_at_open_share` counts from. A `summary.csv` written before 2026-12-07's
    /// second change lacks the two columns and reads without them.
    #[serde(serialize_with = "fixed_opt::<4, _>", default)]
    pub fresh_within_hours: Option<f64>,
    /// App opens finding data `fresh_within_hours` old or older, or none: the day-old share
    /// at a product's own freshness (its "under 12 hours old").
    #[serde(serialize_with = "fixed_opt::<6, _>", default)]
    pub not_fresh_at_open_share: Option<f64>,
}

impl Record for SummaryRow {
    const HEADER: &'static [&'static str] = &[
        "scenario",
        "strategy",
        "concurrency",
        "bank",
        "seed",
        "connections",
        "attempts",
        "retries",
        "successes",
        "late_successes",
        "rate_limited",
        "errors",
        "reconnect_required",
        "deduplicated",
        "failure_rate",
        "coverage",
        "refreshes_per_hour",
        "users_per_day",
        "peak_in_flight",
        "mean_in_flight",
        "api_calls",
        "events",
        "eligible",
        "covered",
        "refreshed",
        "peak_outstanding",
        "final_success_share",
        "admitted",
        "staleness_p50_hours",
        "staleness_p95_hours",
        "window_hours",
        "staleness_p99_hours",
        "stale_24h_share",
        "stale_48h_share",
        "attempts_per_success",
        "api_calls_per_success",
        "users",
        "measured_days",
        "on_demand_requests",
        "on_demand_attempts",
        "on_demand_failure_rate",
        "on_demand_p50_seconds",
        "on_demand_p95_seconds",
        "triggered",
        "reconnected",
        "joined",
        "outage_rejected",
        "at_open_p50_hours",
        "at_open_p95_hours",
        "stale_24h_at_open_share",
        "background_coverage",
        "bank_calls",
        "customer_bank_calls",
        "client_failure_rate",
        "age_horizon_hours",
        "order",
        "client",
        "label",
        "period_coverage",
        "worst_bank_client_failure_rate",
        "period_hours",
        "fresh_within_hours",
        "not_fresh_at_open_share",
    ];
    const ADDED: usize = 5;
}

impl SummaryRow {
    fn new(r: &RunResult, bank: &str, s: &Summary) -> Self {
        let t = &s.tally;
        SummaryRow {
            scenario: r.scenario.clone(),
            strategy: r.strategy.to_string(),
            concurrency: r.concurrency,
            bank: bank.to_string(),
            seed: r.seed,
            connections: t.connections,
            attempts: t.attempts,
            retries: t.retries,
            successes: t.successes,
            late_successes: t.late_successes,
            rate_limited: t.rate_limited,
            errors: t.errors,
            reconnect_required: t.reconnect_required,
            deduplicated: t.deduplicated,
            failure_rate: s.failure_rate,
            coverage: s.coverage,
            refreshes_per_hour: s.refreshes_per_hour,
            users_per_day: s.users_per_day,
            peak_in_flight: t.peak_in_flight,
            mean_in_flight: s.mean_in_flight,
            api_calls: t.api_calls,
            events: t.events,
            eligible: t.eligible,
            covered: t.covered,
            refreshed: t.refreshed,
            peak_outstanding: t.peak_outstanding,
            final_success_share: s.final_success_share,
            admitted: t.admitted,
            staleness_p50_hours: s.staleness_p50_hours,
            staleness_p95_hours: s.staleness_p95_hours,
            window_hours: r.window.as_hours_f64(),
            staleness_p99_hours: s.staleness_p99_hours,
            stale_24h_share: s.stale_24h_share,
            stale_48h_share: s.stale_48h_share,
            attempts_per_success: s.attempts_per_success,
            api_calls_per_success: s.api_calls_per_success,
            users: t.users,
            measured_days: r.measured_days,
            on_demand_requests: s.on_demand_requests,
            on_demand_attempts: s.on_demand_attempts,
            on_demand_failure_rate: s.on_demand_failure_rate,
            on_demand_p50_seconds: s.on_demand_p50_seconds,
            on_demand_p95_seconds: s.on_demand_p95_seconds,
            triggered: t.triggered,
            reconnected: t.reconnected,
            joined: t.joined,
            outage_rejected: t.outage_rejected,
            at_open_p50_hours: s.at_open_p50_hours,
            at_open_p95_hours: s.at_open_p95_hours,
            stale_24h_at_open_share: s.stale_24h_at_open_share,
            background_coverage: s.background_coverage,
            bank_calls: t.bank_calls,
            customer_bank_calls: t.customer_bank_calls,
            client_failure_rate: t.client_failure_rate(),
            age_horizon_hours: s.age_horizon_hours,
            order: r.order.unwrap_or_default().to_string(),
            client: r.client.clone(),
            label: r.label.clone(),
            period_coverage: s.period_coverage,
            worst_bank_client_failure_rate: Some(t.client_failure_rate()),
            period_hours: Some(r.period.as_secs_f64() / 3600.0),
            fresh_within_hours: Some(r.at_open.fresh_limit().as_hours_f64()),
            not_fresh_at_open_share: s.not_fresh_at_open_share,
        }
    }

    /// The rows of `summary.csv`: one per bank, then `bank = all`.
    pub fn of_run(r: &RunResult) -> Vec<SummaryRow> {
        let mut rows: Vec<SummaryRow> = r
            .bank_names
            .iter()
            .enumerate()
            .map(|(i, name)| SummaryRow::new(r, name, &r.summary(Some(i))))
            .collect();
        rows.push(SummaryRow::of_all(r));
        rows
    }

    /// The rows of a run set beside runs of a shorter period (a comparison's items, a sweep's
    /// points): [`SummaryRow::of_run`]'s, a daily client's with its coverage as the coverage
    /// of each period, which it is (its period is the day), so that one column holds every
    /// option (a trial's 8-hour client read −1.46 points of coverage beside a daily one where
    /// it missed 28 % of its periods, and `compare` could not rank by periods).
    ///
    /// Not where nothing was due (a coverage of 0 over nothing), nor where less than a whole
    /// day is measured, whose coverage is over a part of its period, where a shorter period
    /// counts only the periods the window holds whole.
    pub fn of_run_beside_periods(r: &RunResult, daily: bool) -> Vec<SummaryRow> {
        let mut rows = SummaryRow::of_run(r);
        let whole_day = r.window.as_micros() - r.warmup.as_micros() >= crate::time::DAY_US;
        if daily && whole_day {
            for row in rows.iter_mut().filter(|row| row.eligible > 0) {
                row.period_coverage.get_or_insert(row.coverage);
            }
        }
        rows
    }

    /// The `bank = all` row alone: what a sweep's and a comparison's rows hold.
    pub fn of_all(r: &RunResult) -> SummaryRow {
        let worst = (r.banks.iter().map(|b| b.client_failure_rate())).fold(0.0, f64::max);
        SummaryRow {
            worst_bank_client_failure_rate: Some(worst),
            ..SummaryRow::new(r, "all", &r.summary(None))
        }
    }

    /// The value of `m` in this row (`None`: not measured, e.g. staleness with nothing
    /// refreshed).
    pub fn metric(&self, m: Metric) -> Option<f64> {
        use Metric::*;
        let count = |x: u64| Some(x as f64);
        match m {
            FailureRate => Some(self.failure_rate),
            Coverage => Some(self.coverage),
            UsersPerDay => Some(self.users_per_day),
            RefreshesPerHour => Some(self.refreshes_per_hour),
            Attempts => count(self.attempts),
            Successes => count(self.successes),
            RateLimited => count(self.rate_limited),
            Errors => count(self.errors),
            ReconnectRequired => count(self.reconnect_required),
            Deduplicated => count(self.deduplicated),
            ApiCalls => count(self.api_calls),
            PeakInFlight => count(self.peak_in_flight),
            MeanInFlight => Some(self.mean_in_flight),
            PeakOutstanding => count(self.peak_outstanding),
            StalenessP50Hours => self.staleness_p50_hours,
            StalenessP95Hours => self.staleness_p95_hours,
            StalenessP99Hours => self.staleness_p99_hours,
            Stale24hShare => self.stale_24h_share,
            Stale48hShare => self.stale_48h_share,
            AttemptsPerSuccess => Some(self.attempts_per_success),
            ApiCallsPerSuccess => Some(self.api_calls_per_success),
            OnDemandFailureRate => self.on_demand_failure_rate,
            OnDemandP95Seconds => self.on_demand_p95_seconds,
            AtOpenP50Hours => self.at_open_p50_hours,
            AtOpenP95Hours => self.at_open_p95_hours,
            Stale24hAtOpenShare => self.stale_24h_at_open_share,
            BackgroundCoverage => self.background_coverage,
            BankCalls => count(self.bank_calls),
            ClientFailureRate => Some(self.client_failure_rate),
            PeriodCoverage => self.period_coverage,
            WorstBankClientFailureRate => self.worst_bank_client_failure_rate,
            NotFreshAtOpenShare => self.not_fresh_at_open_share,
        }
    }

    /// How the run is named in charts and prose: its `run --label`, else the strategy and
    /// slots, `queued (concurrency 64)`.
    pub fn strategy_label(&self) -> String {
        match self.label.is_empty() {
            true => strategy_label(&self.strategy, self.concurrency),
            false => self.label.clone(),
        }
    }
}

/// `random_offset` → `random offset`, with the concurrency where there is one (per-bank
/// pools: their slots in all, which no one pool has; AIMD: the slots each bank starts at).
pub fn strategy_label(strategy: &str, concurrency: Option<u32>) -> String {
    let name = strategy.replace('_', " ");
    match concurrency {
        Some(c) if strategy == "per_bank" => format!("{name} ({c} slots in all)"),
        Some(c) if strategy == "aimd" => format!("{name} (from {c} slots a bank)"),
        Some(c) => format!("{name} (concurrency {c})"),
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_the_fields_and_rows_round_trip() {
        super::super::testing::round_trips(SummaryRow {
            scenario: "s, with a comma".into(),
            strategy: "queued".into(),
            concurrency: Some(8),
            bank: "all".into(),
            failure_rate: 0.125,
            staleness_p50_hours: Some(f64::INFINITY),
            stale_24h_share: Some(0.5),
            period_coverage: Some(0.25),
            worst_bank_client_failure_rate: Some(0.125),
            period_hours: Some(48.0),
            fresh_within_hours: Some(12.0),
            not_fresh_at_open_share: Some(0.375),
            ..SummaryRow::default()
        });
    }

    /// A `summary.csv` written before `period_coverage`, or before
    /// `worst_bank_client_failure_rate`, `period_hours` or the freshness's two, reads without them; one with another column missing
    /// does not.
    #[test]
    fn a_file_from_before_the_added_columns_reads() {
        let row = SummaryRow {
            bank: "all".into(),
            coverage: 0.5,
            ..SummaryRow::default()
        };
        let text =
            String::from_utf8(crate::output::to_csv(std::slice::from_ref(&row)).unwrap()).unwrap();
        // The row's fields hold no comma: its columns split on them.
        let without = |k: usize| -> String {
            (text.lines())
                .map(|l| {
                    let fields: Vec<&str> = l.split(',').collect();
                    format!("{}\n", fields[..fields.len() - k].join(","))
                })
                .collect()
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.csv");
        for k in 1..=5 {
            std::fs::write(&path, without(k)).unwrap();
            assert_eq!(
                crate::output::read::<SummaryRow>(&path).unwrap(),
                vec![row.clone()]
            );
        }
        std::fs::write(&path, without(5).replacen("scenario,", "", 1)).unwrap();
        assert!(crate::output::read::<SummaryRow>(&path).is_err());
    }

    #[test]
    fn every_metric_is_a_column() {
        for m in Metric::ALL {
            assert!(SummaryRow::HEADER.contains(&m.column()), "{m}");
        }
    }
}
