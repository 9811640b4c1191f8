//! `report.md` and its charts: what a results directory's data supports, drawn and described.
//!
//! [`write_report`] reads a directory ([`dataset::discover`]), decides which charts its
//! data supports ([`plan`]), renders each as SVG and PNG into `DIR/charts/`, and writes
//! `DIR/report.md`: the scenario in a paragraph, the tables, the charts, and findings.
//!
//! Every finding is a sentence computed from the numbers in the directory, and says only what
//! those numbers show (which strategy had the lower failure rate, by how much, which bank had
//! the lowest coverage). A finding whose data is absent is left out, never guessed; a chart
//! whose data is absent is listed under "Charts not drawn" with the reason. The report names
//! only files that exist.
//!
//! The work is done in [`document`] (report.md), [`figures`] (the charts a dataset supports),
//! [`findings`] (the computed sentences) and [`phrases`] (numbers and phrases), on the data
//! [`dataset`] reads; [`charts`] draws.
//!
//! It reads only files: never the model or the experiments (ARCHITECTURE.md, "Boundaries").
//! The files' layouts are the writers' types in `output`.

pub mod charts;
pub mod dataset;
mod document;
mod figures;
mod findings;
mod phrases;

pub use document::{markdown, write_report, write_report_titled};
pub use figures::{is_chart_file, plan, ChartPlan, Planned, Skipped, COVERAGE_TARGET};
