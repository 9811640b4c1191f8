//! Numbers and plain-text tables as people read them: `1,234,568`, `12.34 %`, aligned
//! columns. Shared by the terminal summaries, the experiments' tables and the report.

use crate::metric::Metric;
use crate::stats::Estimate;

/// The width of each column of a plain-text table: its widest cell, header included, in
/// characters.
pub fn column_widths<H: AsRef<str>, R: AsRef<[String]>>(header: &[H], rows: &[R]) -> Vec<usize> {
    (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r.as_ref()[i].chars().count())
                .chain([header[i].as_ref().chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// A mean over replications ± its 95 % half-width, as the tables of sweeps and plans write
/// it: a share as `12.34 % ± 0.12` (percentage points), a data age as `45.8 h ± 0.3` (`≥
/// 45.8 h`, with no half-width, where a replication's age was past the age histogram's
/// horizon, so the mean is a lower bound; `never` where it fell among connections never
/// refreshed), anything else as `1,234 ± 56`.
pub fn estimate(m: Metric, e: &Estimate, lower_bound: bool) -> String {
    if m.is_share() {
        share_estimate(e)
    } else if m.is_age() {
        match (e.mean.is_infinite(), lower_bound) {
            (true, _) => "never".into(),
            (false, true) => format!("≥ {:.1} h", e.mean),
            (false, false) => plus_minus(
                format!("{:.1} h", e.mean),
                e.ci95.map(|h| format!("{h:.1}")),
            ),
        }
    } else if matches!(m, Metric::AttemptsPerSuccess | Metric::ApiCallsPerSuccess) {
        plus_minus(format!("{:.3}", e.mean), e.ci95.map(|h| format!("{h:.3}")))
    } else {
        count_estimate(e)
    }
}

/// What a "≥" before a mean data age ([`estimate`]) says, under a table that has one.
pub const LOWER_BOUND_LEGEND: &str = "≥: a replication's data age reached past the age \
     histogram's horizon, where ages are counted together, so the mean is at least that.";

/// What "never" for a data age ([`estimate`]) says, under a table that has one.
pub const NEVER_LEGEND: &str = "never: in a replication, the percentile fell among \
     connections never refreshed (older than any age).";

/// A share's mean ± half-width: `12.34 % ± 0.12`.
pub fn share_estimate(e: &Estimate) -> String {
    plus_minus(pct(e.mean), e.ci95.map(|h| format!("{:.2}", 100.0 * h)))
}

/// A count's mean ± half-width: `1,234 ± 56`.
pub fn count_estimate(e: &Estimate) -> String {
    plus_minus(thousands(e.mean), e.ci95.map(thousands))
}

fn plus_minus(mean: String, half: Option<String>) -> String {
    match half {
        Some(h) => format!("{mean} ± {h}"),
        None => mean,
    }
}

pub use crate::numbers::thousands;

/// A customer's wait for data, as the on-demand percentiles hold it: `10.1 s`; `over an hour`
/// past the histogram's last bucket (infinite); `not measured` when no request got data.
pub fn wait(seconds: Option<f64>) -> String {
    match seconds {
        Some(s) if s.is_finite() => format!("{s:.1} s"),
        Some(_) => "over an hour".into(),
        None => "not measured".into(),
    }
}

/// A share as a percentage with two decimals: `0.1234` → `12.34 %`.
pub fn pct(x: f64) -> String {
    format!("{:.2} %", 100.0 * as_written(x))
}

/// `x` as the output files hold a share (six decimals), so that the terminal rounds the
/// value report.md reads from them, not a hair from it (8.65 % beside 8.64 % for 0.086450).
pub fn as_written(x: f64) -> f64 {
    match x.is_finite() {
        true => format!("{x:.6}").parse().unwrap_or(x),
        false => x,
    }
}

/// Whether a data age is past the age histogram's horizon (for readers of the output files).
pub use crate::metrics::past_horizon;

/// A data age as `hours` writes it, or `≥` the horizon where it is past the age histogram's
/// horizon (a lower bound: see [`past_horizon`](crate::metrics::past_horizon)).
pub fn age_or_more(h: f64, horizon: f64, hours: impl Fn(f64) -> String) -> String {
    match crate::metrics::past_horizon(h, horizon) {
        true => format!("≥ {}", hours(horizon)),
        false => hours(h),
    }
}

/// `w` as one shell word: as it is when plain, else in single quotes.
pub fn shell_word(w: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c);
    if !w.is_empty() && w.chars().all(plain) {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    /// Work per success to three decimals (a count's integer rounding read "3 ± 0" for 2.71
    /// calls a refresh); users a day as a count.
    #[test]
    fn work_per_success_keeps_its_decimals() {
        use crate::stats::Estimate;
        let e = Estimate {
            n: 5,
            mean: 2.3924,
            sd: Some(0.002),
            ci95: Some(0.0031),
        };
        let at = |m| super::estimate(m, &e, false);
        assert_eq!(at(super::Metric::ApiCallsPerSuccess), "2.392 ± 0.003");
        assert_eq!(at(super::Metric::AttemptsPerSuccess), "2.392 ± 0.003");
        assert_eq!(at(super::Metric::UsersPerDay), "2 ± 0");
    }

    /// An age past the horizon is written as at least the horizon; one within it, or
    /// "never", as it is.
    #[test]
    fn an_age_past_the_horizon_reads_as_a_lower_bound() {
        let h = |x: f64| format!("{x:.1} h");
        assert_eq!(super::age_or_more(192.17, 192.0, h), "≥ 192.0 h");
        assert_eq!(super::age_or_more(191.5, 192.0, h), "191.5 h");
        assert_eq!(super::age_or_more(f64::INFINITY, 192.0, h), "inf h");
    }

    /// Each kind of figure in its unit; an age whose replications reached past the horizon
    /// as a lower bound without a half-width.
    #[test]
    fn an_estimate_reads_in_its_unit() {
        use crate::metric::Metric::*;
        let e = |mean, ci95| crate::stats::Estimate {
            n: 2,
            mean,
            sd: None,
            ci95,
        };
        let f = super::estimate;
        assert_eq!(
            f(Coverage, &e(0.1234, Some(0.0012)), false),
            "12.34 % ± 0.12"
        );
        assert_eq!(f(UsersPerDay, &e(1234.4, Some(56.0)), false), "1,234 ± 56");
        assert_eq!(
            f(StalenessP95Hours, &e(45.84, Some(0.31)), false),
            "45.8 h ± 0.3"
        );
        assert_eq!(
            f(StalenessP95Hours, &e(150.0, Some(40.0)), true),
            "≥ 150.0 h"
        );
        assert_eq!(f(AtOpenP95Hours, &e(f64::INFINITY, None), false), "never");
        assert_eq!(f(Coverage, &e(0.5, None), false), "50.00 %");
    }

    /// A share is rounded as the files hold it (six decimals), which report.md reads: one
    /// mean of 0.0864503 read 8.65 % in the terminal beside 8.64 % in report.md.
    #[test]
    fn a_share_rounds_as_written() {
        assert_eq!(super::pct(0.086_450_3), "8.64 %");
        assert_eq!(super::pct(0.086_450_6), "8.65 %");
        assert_eq!(super::pct(f64::INFINITY), "inf %");
    }

    /// A wait no request measured is not one past the histogram's end.
    #[test]
    fn a_wait_reads_its_three_cases() {
        assert_eq!(super::wait(Some(10.06)), "10.1 s");
        assert_eq!(super::wait(Some(f64::INFINITY)), "over an hour");
        assert_eq!(super::wait(None), "not measured");
    }
}
