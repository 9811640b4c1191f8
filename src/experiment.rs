//! The experiments: what a user asks of the model, each built from runs of it.
//!
//! - [`sweep`]: a grid of scenario variants × replications, in parallel, with confidence
//!   intervals, resumable;
//! - [`compare`]: strategies compared in pairs (common random numbers), each against a
//!   baseline, with paired confidence intervals;
//! - [`plan`]: the capacity planner (the least concurrency that meets the targets);
//! - [`table`]: the vendor sizing table, reproduced and extended;
//! - [`validate`]: the checks against queueing theory, and the contention experiment.
//!
//! They run the model (`sim`) and write through the writers (`output`); the report never
//! imports them (ARCHITECTURE.md, "Boundaries").

pub mod compare;
pub mod notes;
pub mod plan;
pub mod sweep;
pub mod table;
pub mod validate;
