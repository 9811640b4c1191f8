//! `report.md` and its charts: what a results directory's data supports, drawn and described.
//!
//! [`write_report`] reads a directory ([`super::inputs::discover`]), decides which charts its
//! data supports ([`plan`]), renders each as SVG and PNG into `DIR/charts/`, and writes
//! `DIR/report.md`: the scenario in a paragraph, the tables, the charts, and findings.
//!
//! Every finding is a sentence computed from the numbers in the directory, and says only what
//! those numbers show (which strategy had the lower failure rate, by how much, which bank had
//! the lowest coverage). A finding whose data is absent is left out, never guessed; a chart
//! whose data is absent is listed under "Charts not drawn" with the reason. The report names
//! only files that exist.
//!
//! This module is the report's public face; the work is done in [`super::document`]
//! (report.md), [`super::figures`] (the charts a dataset supports), [`super::findings`] (the
//! computed sentences) and [`super::phrases`] (numbers and phrases).

pub use super::document::{markdown, write_report};
pub use super::figures::{is_chart_file, plan, ChartPlan, Planned, Skipped, COVERAGE_TARGET};
pub use super::pct;
