//! refresh-sim: a deterministic discrete-event capacity simulator for Open Banking background
//! refreshes.
//!
//! A scenario (TOML) describes the population of bank connections, the banks with their
//! service times and rate-limit policies, the aggregator platform (tasks, polling, dedup) and
//! the client's refresh strategy. [`sim::run`] plays the refresh window event by event and
//! returns a [`metrics::RunResult`]; [`output`] writes results as CSV, and [`report`] reads
//! a results directory back into charts and `report.md`.
//!
//! ```no_run
//! use refresh_sim::{scenario, sim};
//! let sc = scenario::load("scenarios/uk-mix.toml".as_ref(), &["strategy.kind=random_offset".into()])?;
//! let result = sim::run(&sc, sc.seed);
//! let all = result.summary(None);
//! println!("failure rate {:.2} %, coverage {:.2} %", 100.0 * all.failure_rate, 100.0 * all.coverage);
//! # Ok::<(), refresh_sim::error::Error>(())
//! ```
//!
//! # Determinism
//! The same scenario and seed give byte-identical output. Simulated time is integer
//! microseconds; same-instant events are ordered by sequence number; every random draw comes
//! from a stream keyed by (seed, purpose, connection, attempt) ([`rng`]), so strategies are
//! compared on the same luck; nothing that affects output iterates a hash map or depends on
//! thread timing. Floating point appears only in derived figures (rates, shares) computed
//! after the run, and in drawing service times (rand_distr with the platform's libm).

pub mod bank;
pub mod cli;
pub mod consent;
pub mod demand;
pub mod engine;
pub mod error;
pub mod experiment;
pub mod fit;
pub mod metric;
pub mod metrics;
pub mod numbers;
pub mod output;
pub mod platform;
pub mod presets;
pub mod report;
pub mod retry;
pub mod rng;
pub mod scenario;
pub mod sim;
pub mod stats;
pub mod strategy;
pub mod time;
pub mod vendor;
