//! The vendor sizing table, reproduced by simulation and extended past it.
//!
//! The vendor (seeds/001) publishes refreshes per hour and users per day for queued
//! refreshes at concurrency 1–16. [`vendor_table`] runs the queued strategy at those
//! concurrencies on a calibrated scenario and sets the documented figures beside the model's,
//! then continues at 32–256 on a scenario whose banks have limits, where failures appear and
//! refreshes per day stop growing linearly.
//!
//! Each row is a looping queue, so the model's figure is *refreshes per day* (labelled so in
//! `table.csv`, `refreshes_per_day`, and `table.md`); over a backlog larger than a day can
//! clear every refresh is a distinct connection, which is how the vendor's "users per day"
//! reads, and the two are compared.
//!
//! Each row measures throughput, so its population is a backlog the window cannot clear:
//! in poll mode a slot completes at most one refresh per poll interval, so
//! `concurrency × ⌈window / poll interval⌉` connections guarantee the queue never runs dry
//! (a dry queue would cap users per day at the population, not at the model's throughput).

use crate::metrics::Summary;
use crate::output::table::TableRow;
use crate::output::text::thousands;
use crate::platform::StatusMode;
use crate::scenario::Scenario;
use crate::sim;
use crate::strategy::Strategy;

pub use crate::vendor::{DOCUMENTED, TOLERANCE};

/// Concurrencies of the extension rows.
pub const EXTENSION: [u32; 4] = [32, 64, 128, 256];

/// One row of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub concurrency: u32,
    pub scenario: String,
    pub connections: u32,
    pub seed: u64,
    /// The row's window, in hours.
    pub window_hours: f64,
    pub summary: Summary,
    /// (refreshes per hour, users per day) as documented, for concurrency 1–16.
    pub documented: Option<(f64, f64)>,
}

impl Row {
    pub fn refreshes_per_hour(&self) -> f64 {
        self.summary.refreshes_per_hour
    }
    /// The model's refreshes per day: the summary's users per day, which on a looping queue
    /// over a backlog no day can clear counts every refresh (each is a distinct connection).
    /// Compared with the vendor's documented users per day.
    pub fn users_per_day(&self) -> f64 {
        self.summary.users_per_day
    }
    /// Relative deviations from the documented figures.
    pub fn deviations(&self) -> Option<(f64, f64)> {
        self.documented.map(|(rph, upd)| {
            (
                self.refreshes_per_hour() / rph - 1.0,
                self.users_per_day() / upd - 1.0,
            )
        })
    }
    /// Both figures within [`TOLERANCE`] of the documented ones (rows without any: `None`).
    pub fn within_tolerance(&self) -> Option<bool> {
        self.deviations()
            .map(|(a, b)| a.abs() <= TOLERANCE && b.abs() <= TOLERANCE)
    }
}

/// The scenario for one row: a looping queue at `concurrency` with a backlog that cannot
/// run dry, the table's own reading (its "users per day" are the refreshes a day of
/// saturated slots makes: with a backlog larger than a day, each is a distinct user).
pub fn row_scenario(base: &Scenario, concurrency: u32) -> Scenario {
    let mut sc = base.clone();
    // The backlog's connections exist only to keep the slots busy: the customers' requests
    // stay those of the scenario's connections.
    sc.on_demand = sc.on_demand.map(|d| crate::demand::OnDemand {
        per_connection: None,
        ..d.for_connections(base.connections)
    });
    sc.strategy = Strategy::Queued { concurrency };
    sc.schedule.looping = true;
    if let StatusMode::Poll { interval, .. } = sc.platform.status {
        let per_slot = sc.window.as_micros().div_ceil(interval.as_micros());
        let backlog = (concurrency as u64 * per_slot).min(u32::MAX as u64 - 1) as u32;
        sc.connections = sc.connections.max(backlog);
    }
    sc
}

fn run_row(base: &Scenario, concurrency: u32, seed: u64, documented: Option<(f64, f64)>) -> Row {
    let sc = row_scenario(base, concurrency);
    let result = sim::run(&sc, seed);
    Row {
        concurrency,
        scenario: sc.name.clone(),
        connections: sc.connections,
        seed,
        window_hours: sc.window.as_secs_f64() / 3600.0,
        summary: result.summary(None),
        documented,
    }
}

/// Rows for concurrency 1–16 on `calibrated`, then 32–256 on `limited`.
pub fn vendor_table(calibrated: &Scenario, limited: &Scenario, seed: u64) -> Vec<Row> {
    let mut rows: Vec<Row> = DOCUMENTED
        .iter()
        .map(|&(c, rph, upd)| run_row(calibrated, c, seed, Some((rph, upd))))
        .collect();
    rows.extend(EXTENSION.iter().map(|&c| run_row(limited, c, seed, None)));
    rows
}

/// The rows of `table.csv`.
pub fn csv_rows(rows: &[Row]) -> Vec<TableRow> {
    rows.iter()
        .map(|r| TableRow {
            concurrency: r.concurrency,
            refreshes_per_hour: r.refreshes_per_hour(),
            refreshes_per_day: r.users_per_day(),
            documented_refreshes_per_hour: r.documented.map(|d| d.0),
            documented_users_per_day: r.documented.map(|d| d.1),
            deviation_per_hour: r.deviations().map(|d| d.0),
            deviation_per_day: r.deviations().map(|d| d.1),
            failure_rate: r.summary.failure_rate,
            scenario: r.scenario.clone(),
            connections: r.connections,
            seed: r.seed,
            window_hours: r.window_hours,
            within_5_percent: r.within_tolerance(),
        })
        .collect()
}

/// The table as Markdown, model beside documented figures (the model's refreshes per day
/// beside the vendor's users per day).
pub fn markdown(rows: &[Row]) -> String {
    let mut s = String::from(
        "| Concurrency | Scenario | Refreshes/h (model) | Refreshes/h (documented) | Refreshes/day (model) | Users/day (documented) | Failure rate |\n\
         |---:|---|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let (doc_rph, doc_upd) = match (r.documented, r.deviations()) {
            (Some((a, b)), Some((da, db))) => (
                format!("~{} ({:+.1} %)", thousands(a), 100.0 * da),
                format!("~{} ({:+.1} %)", thousands(b), 100.0 * db),
            ),
            _ => ("—".into(), "—".into()),
        };
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {:.2} % |\n",
            r.concurrency,
            r.scenario,
            thousands(r.refreshes_per_hour()),
            doc_rph,
            thousands(r.users_per_day()),
            doc_upd,
            100.0 * r.summary.failure_rate
        ));
    }
    s
}
