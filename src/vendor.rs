//! The vendor's published sizing table (the seeds' queued-refresh table; docs/sources.md):
//! concurrency, refreshes per hour and users per day, and the tolerance within which the
//! model must reproduce each figure.
//!
//! Vocabulary: published data, not an experiment, so the `table` experiment that reproduces
//! it and the report that draws it both read it from here.

/// The vendor's published figures: (concurrency, refreshes per hour, users per day).
pub const DOCUMENTED: [(u32, f64, f64); 5] = [
    (1, 300.0, 7_000.0),
    (2, 600.0, 15_000.0),
    (4, 1_200.0, 30_000.0),
    (8, 2_500.0, 60_000.0),
    (16, 5_000.0, 120_000.0),
];

/// Relative tolerance within which the model must reproduce each documented figure.
pub const TOLERANCE: f64 = 0.05;
