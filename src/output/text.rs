//! Numbers and plain-text tables as people read them: `1,234,568`, `12.34 %`, aligned
//! columns. Shared by the terminal summaries, the experiments' tables and the report.

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

/// `1234567.8` → `1,234,568`.
pub fn thousands(x: f64) -> String {
    let n = x.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

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
    format!("{:.2} %", 100.0 * x)
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

#[cfg(test)]
mod tests {
    /// An age past the horizon is written as at least the horizon; one within it, or
    /// "never", as it is.
    #[test]
    fn an_age_past_the_horizon_reads_as_a_lower_bound() {
        let h = |x: f64| format!("{x:.1} h");
        assert_eq!(super::age_or_more(192.17, 192.0, h), "≥ 192.0 h");
        assert_eq!(super::age_or_more(191.5, 192.0, h), "191.5 h");
        assert_eq!(super::age_or_more(f64::INFINITY, 192.0, h), "inf h");
    }

    /// A wait no request measured is not one past the histogram's end.
    #[test]
    fn a_wait_reads_its_three_cases() {
        assert_eq!(super::wait(Some(10.06)), "10.1 s");
        assert_eq!(super::wait(Some(f64::INFINITY)), "over an hour");
        assert_eq!(super::wait(None), "not measured");
    }
}
