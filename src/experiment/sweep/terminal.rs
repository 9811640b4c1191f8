//! The sweep's table on the terminal.

use super::SweepOutcome;
use crate::metric::Metric;
use crate::output::text::{column_widths, thousands};
use crate::stats::Estimate;
use std::fmt::Write as _;

/// A table of the sweep's key results: per point, mean ± 95 % half-width.
pub fn human_table(o: &SweepOutcome) -> String {
    let shown = [
        (Metric::FailureRate, "failure rate", true),
        (Metric::Coverage, "coverage", true),
        (Metric::UsersPerDay, "users/day", false),
    ];
    let cell = |e: Option<Estimate>, pct: bool| match e {
        None => "—".to_string(),
        Some(e) if pct => match e.ci95 {
            Some(h) => format!("{:.2} % ± {:.2}", 100.0 * e.mean, 100.0 * h),
            None => format!("{:.2} %", 100.0 * e.mean),
        },
        Some(e) => match e.ci95 {
            Some(h) => format!("{} ± {}", thousands(e.mean), thousands(h)),
            None => thousands(e.mean),
        },
    };
    let mut header: Vec<String> = o.columns.clone();
    header.extend(shown.iter().map(|(_, h, _)| h.to_string()));
    let rows: Vec<Vec<String>> = o
        .summaries
        .iter()
        .map(|s| {
            let mut r = s.params.clone();
            r.extend(shown.iter().map(|(m, _, pct)| cell(s.stat(*m), *pct)));
            r
        })
        .collect();
    let widths = column_widths(&header, &rows);
    let mut out = String::new();
    let reps = o.summaries.first().map_or(0, |s| s.replications);
    let runs = o.ran + o.resumed;
    let resumed = match o.resumed {
        0 => String::new(),
        n => format!(", {n} resumed"),
    };
    if let Some(s) = o.shard {
        let how = match o.ran {
            0 if runs > 0 => "already complete".to_string(),
            ran => format!("{ran} run now on {} thread(s){resumed}", o.threads),
        };
        let _ = writeln!(
            out,
            "shard {}/{}: {runs} run(s) ({how}); merge the shards with `refresh-sim merge`",
            s.index, s.count
        );
        return out;
    }
    let how = match o.merged {
        0 => format!("{} run now on {} thread(s){resumed}", o.ran, o.threads),
        n => format!("merged from {n} shard(s)"),
    };
    let _ = writeln!(
        out,
        "sweep: {} point(s) × {reps} replication(s) = {runs} runs ({how}); mean ± 95 % CI half-width",
        o.summaries.len(),
    );
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let _ = writeln!(out, "{}", line(&header));
    for r in &rows {
        let _ = writeln!(out, "{}", line(r));
    }
    out
}
