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

/// A share as a percentage with two decimals: `0.1234` → `12.34 %`.
/// A customer's wait for data, as the on-demand percentiles hold it: `10.1 s`; `over an hour`
/// past the histogram's last bucket (infinite); `not measured` when no request got data.
pub fn wait(seconds: Option<f64>) -> String {
    match seconds {
        Some(s) if s.is_finite() => format!("{s:.1} s"),
        Some(_) => "over an hour".into(),
        None => "not measured".into(),
    }
}

pub fn pct(x: f64) -> String {
    format!("{:.2} %", 100.0 * x)
}

#[cfg(test)]
mod tests {
    /// A wait no request measured is not one past the histogram's end.
    #[test]
    fn a_wait_reads_its_three_cases() {
        assert_eq!(super::wait(Some(10.06)), "10.1 s");
        assert_eq!(super::wait(Some(f64::INFINITY)), "over an hour");
        assert_eq!(super::wait(None), "not measured");
    }
}
