//! The plan's answer as JSON (`--json`) and for a terminal.

use super::{Evaluation, Plan};
use crate::output::text::{column_widths, pct, thousands};
use crate::stats::Estimate;
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Serialize)]
struct EvaluationJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    concurrency: Option<u32>,
    coverage: f64,
    coverage_ci95: Option<f64>,
    failure_rate: f64,
    failure_rate_ci95: Option<f64>,
    rate_limited_rate: f64,
    error_rate: f64,
    users_per_day: f64,
    users_per_day_ci95: Option<f64>,
    refreshes_per_hour: f64,
    peak_in_flight: f64,
    meets_targets: bool,
}

impl From<&Evaluation> for EvaluationJson {
    fn from(e: &Evaluation) -> Self {
        EvaluationJson {
            concurrency: e.concurrency,
            coverage: e.coverage.mean,
            coverage_ci95: e.coverage.ci95,
            failure_rate: e.failure_rate.mean,
            failure_rate_ci95: e.failure_rate.ci95,
            rate_limited_rate: e.rate_limited_rate.mean,
            error_rate: e.error_rate.mean,
            users_per_day: e.users_per_day.mean,
            users_per_day_ci95: e.users_per_day.ci95,
            refreshes_per_hour: e.refreshes_per_hour.mean,
            peak_in_flight: e.peak_in_flight.mean,
            meets_targets: e.meets,
        }
    }
}

#[derive(Serialize)]
struct PlanJson<'a> {
    concurrency: Option<u32>,
    coverage: Option<f64>,
    coverage_ci95: Option<f64>,
    failure_rate: Option<f64>,
    failure_rate_ci95: Option<f64>,
    reason: Option<&'a str>,
    note: Option<&'a str>,
    scenario: &'a str,
    users: u32,
    target_coverage: f64,
    max_failure_rate: f64,
    replications: u32,
    seed: u64,
    evidence: Vec<EvaluationJson>,
    random_offset: EvaluationJson,
}

impl Plan {
    /// The evaluation of the answer, if there is one.
    pub fn chosen(&self) -> Option<&Evaluation> {
        let c = self.concurrency?;
        self.evidence.iter().find(|e| e.concurrency == Some(c))
    }

    /// One JSON object: `concurrency` (or null with `reason`), its coverage and failure rate
    /// with half-widths, the targets, the evidence and random_offset.
    pub fn to_json(&self) -> String {
        let chosen = self.chosen();
        let j = PlanJson {
            concurrency: self.concurrency,
            coverage: chosen.map(|e| e.coverage.mean),
            coverage_ci95: chosen.and_then(|e| e.coverage.ci95),
            failure_rate: chosen.map(|e| e.failure_rate.mean),
            failure_rate_ci95: chosen.and_then(|e| e.failure_rate.ci95),
            reason: self.reason.as_deref(),
            note: self.note.as_deref(),
            scenario: &self.scenario,
            users: self.users,
            target_coverage: self.target_coverage,
            max_failure_rate: self.max_failure_rate,
            replications: self.replications,
            seed: self.seed,
            evidence: self.evidence.iter().map(EvaluationJson::from).collect(),
            random_offset: (&self.random_offset).into(),
        };
        serde_json::to_string_pretty(&j).expect("plain data serializes") + "\n"
    }

    /// The answer and its evidence for a terminal.
    pub fn human(&self) -> String {
        let mut out = format!(
            "plan · {} · {} users · target: coverage ≥ {}, failure rate ≤ {} · {} replication(s), seed {}\n\n",
            self.scenario,
            thousands(self.users as f64),
            pct(self.target_coverage),
            pct(self.max_failure_rate),
            self.replications,
            self.seed
        );
        out.push_str(&self.answer_lines());
        let _ = writeln!(
            out,
            "\nevidence (queued; mean ± 95 % CI half-width over {} replication(s)):",
            self.replications
        );
        out.push_str(&self.evidence_table());
        let ro = &self.random_offset;
        let _ = writeln!(
            out,
            "\nrandom_offset, same {} users: coverage {}, failure rate {}, peak {} calls in flight{}",
            thousands(self.users as f64),
            pm_pct(&ro.coverage),
            pm_pct(&ro.failure_rate),
            pm_num(&ro.peak_in_flight),
            if ro.meets {
                " (meets the targets)"
            } else {
                " (misses the targets)"
            }
        );
        out
    }

    /// The answer (or why there is none) and the note.
    fn answer_lines(&self) -> String {
        let mut out = String::new();
        match (self.concurrency, self.chosen()) {
            (Some(c), Some(e)) => {
                let _ = writeln!(out, "answer: queued concurrency {c}");
                let _ = writeln!(
                    out,
                    "  coverage {}, failure rate {}, {} users/day",
                    pm_pct(&e.coverage),
                    pm_pct(&e.failure_rate),
                    pm_num(&e.users_per_day)
                );
            }
            _ => {
                let _ = writeln!(out, "answer: no queued concurrency meets the targets");
                let _ = writeln!(out, "  {}", self.reason.as_deref().unwrap_or(""));
            }
        }
        if let Some(n) = &self.note {
            let _ = writeln!(out, "  note: {n}");
        }
        out
    }

    /// Every concurrency evaluated, one aligned line each (numbers right-aligned).
    fn evidence_table(&self) -> String {
        let rows: Vec<[String; 6]> = self
            .evidence
            .iter()
            .map(|e| {
                let c = e.concurrency.unwrap_or(0);
                [
                    c.to_string(),
                    pm_pct(&e.coverage),
                    pm_pct(&e.failure_rate),
                    pm_num(&e.users_per_day),
                    pm_num(&e.peak_in_flight),
                    match (e.meets, Some(c) == self.concurrency) {
                        (true, true) => "yes ← answer".into(),
                        (true, false) => "yes".into(),
                        (false, _) => "no".into(),
                    },
                ]
            })
            .collect();
        let header = [
            "concurrency",
            "coverage",
            "failure rate",
            "users/day",
            "peak in flight",
            "meets",
        ];
        let widths = column_widths(&header, &rows);
        let line = |cells: Vec<&str>| {
            let s: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| match i {
                    5 => c.to_string(),
                    _ => format!("{c:>w$}", w = widths[i]),
                })
                .collect();
            format!("  {}\n", s.join("   "))
        };
        let mut out = line(header.to_vec());
        for r in &rows {
            out.push_str(&line(r.iter().map(String::as_str).collect()));
        }
        out
    }
}

fn pm_pct(e: &Estimate) -> String {
    match e.ci95 {
        Some(h) => format!("{:.2} % ± {:.2}", 100.0 * e.mean, 100.0 * h),
        None => pct(e.mean),
    }
}

fn pm_num(e: &Estimate) -> String {
    match e.ci95 {
        Some(h) => format!("{} ± {}", thousands(e.mean), thousands(h)),
        None => thousands(e.mean),
    }
}
