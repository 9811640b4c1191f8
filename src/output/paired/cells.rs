//! How `paired.md`'s cells write a paired row (and the report's, which reads them from
//! `paired.csv`): as paired.csv holds the values (six decimals), so that the terminal and
//! paired.md round what report.md reads from the file, not a hair from it (57.07 beside
//! 57.06 for 0.570650).

use super::PairedRow;
use crate::metric::Metric;
use crate::output::text::{as_written, thousands};

/// How a metric is shown: scale and decimals (shares as percentages).
fn format_of(m: Metric) -> (f64, usize, &'static str) {
    match m {
        _ if m.is_share() => (100.0, 2, " %"),
        Metric::AttemptsPerSuccess | Metric::ApiCallsPerSuccess => (1.0, 3, ""),
        _ => (1.0, 2, ""),
    }
}

/// `+1.23 pp ± 0.45` (shares in percentage points); `—` when the difference is absent.
pub fn difference(row: &PairedRow) -> String {
    let Some(d) = row.difference_mean.map(as_written) else {
        return "—".to_string();
    };
    let h = row.difference_ci95.map_or(0.0, as_written);
    if matches!(row.metric, Metric::UsersPerDay | Metric::ApiCalls) {
        let sign = if d.round() > 0.0 { "+" } else { "" };
        return format!("{sign}{} ± {}", thousands(d), thousands(h));
    }
    let (scale, decimals, unit) = format_of(row.metric);
    // A difference of shares is in percentage points, not a percentage of anything.
    let unit = if unit == " %" { " pp" } else { unit };
    let signed = format!("{:+.*}", decimals, scale * d);
    // No sign on a difference that rounds to zero.
    let signed = match signed[1..].bytes().all(|b| b == b'0' || b == b'.') {
        true => signed[1..].to_string(),
        false => signed,
    };
    format!("{signed}{unit} ± {:.*}", decimals, scale * h)
}

/// A variant's mean: `52.65 %`, `338,296`, `inf`; `—` when nothing was measured.
/// A data age that is a lower bound (`lower`: past the age histogram's horizon in some
/// replication) is written `≥ 192.02`.
pub fn mean(m: Metric, x: Option<f64>, lower: bool) -> String {
    let at_least = if lower { "≥ " } else { "" };
    match x {
        None => "—".to_string(),
        Some(x) if x.is_infinite() => "inf".to_string(),
        Some(x) if matches!(m, Metric::UsersPerDay | Metric::ApiCalls) => thousands(x),
        Some(x) => {
            let (scale, decimals, unit) = format_of(m);
            format!("{at_least}{:.*}{unit}", decimals, scale * as_written(x))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(metric: Metric, d: Option<f64>, h: Option<f64>) -> PairedRow {
        PairedRow {
            variant: "v".into(),
            baseline: "b".into(),
            metric,
            variant_mean: Some(0.5),
            baseline_mean: Some(0.4),
            difference_mean: d,
            difference_sd: h,
            difference_ci95: h,
            replications: 5,
            lower_bound: false,
            ranked_by: Metric::Coverage,
            max_failure_rate: None,
            max_bank_failure_rate: None,
        }
    }

    #[test]
    fn cells_carry_sign_unit_and_half_width() {
        let cell = |m, d, h| difference(&row(m, d, h));
        assert_eq!(
            cell(Metric::Coverage, Some(0.0123), Some(0.0045)),
            "+1.23 pp ± 0.45"
        );
        assert_eq!(
            cell(Metric::FailureRate, Some(-0.2), Some(0.001)),
            "-20.00 pp ± 0.10"
        );
        assert_eq!(
            cell(Metric::Coverage, Some(-1e-9), Some(0.0)),
            "0.00 pp ± 0.00"
        );
        assert_eq!(
            cell(Metric::UsersPerDay, Some(12345.4), Some(678.0)),
            "+12,345 ± 678"
        );
        assert_eq!(
            cell(Metric::AttemptsPerSuccess, Some(0.25), None),
            "+0.250 ± 0.000"
        );
        assert_eq!(cell(Metric::StalenessP95Hours, None, None), "—");
        // Rounded as paired.csv's 0.570650 is, which report.md reads (not 57.07).
        assert_eq!(
            cell(Metric::Coverage, Some(0.570_650_3), Some(0.0009)),
            "+57.06 pp ± 0.09"
        );
        // As report's `points` writes the file's value.
        assert_eq!(format!("{:+.2}", 100.0 * 0.570650), "+57.06");
        assert_eq!(
            mean(Metric::StalenessP95Hours, Some(f64::INFINITY), false),
            "inf"
        );
        assert_eq!(mean(Metric::Coverage, Some(0.5265), false), "52.65 %");
        assert_eq!(
            mean(Metric::StalenessP95Hours, Some(192.0167), true),
            "≥ 192.02"
        );
    }
}
