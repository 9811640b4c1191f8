//! Simulated time: integer microseconds in newtypes.
//!
//! The engine never sees floating-point seconds: every instant is a [`SimTime`] and every span
//! a [`SimDuration`], both whole microseconds. Conversion to and from human units happens only
//! at the edges (scenario parsing and reports), which is what makes runs reproducible bit for
//! bit. `SimTime(0)` is midnight at the start of day 0, so times of day (`"02:00"`) map to
//! instants directly.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Microseconds in one second.
pub const MICROS_PER_SEC: u64 = 1_000_000;
/// Microseconds in an hour of the clock (pace profiles, scheduled limits, app-open hours).
pub const HOUR_US: u64 = 3_600 * MICROS_PER_SEC;
/// Microseconds in a day of the clock (daily tallies, maintenance windows, quotas).
pub const DAY_US: u64 = 24 * HOUR_US;

/// The hours of the day that meet the band `[from, to)` (microseconds into the day; a band
/// across midnight ends past `DAY_US`, on the next day's clock), each with its part in the
/// band on that clock: what a pace by the hour weighs hour by hour.
pub fn hours_in((from, to): (u64, u64)) -> impl Iterator<Item = (usize, (u64, u64))> {
    (0..48u64)
        .map(move |h| {
            (
                (h % 24) as usize,
                ((h * HOUR_US).max(from), ((h + 1) * HOUR_US).min(to)),
            )
        })
        .filter(|(_, s)| s.0 < s.1)
}

/// The runs of consecutive hours of the day whose keys are equal: `(key, first hour, the
/// hour after the last)`, from 00:00.
pub fn key_runs<T: PartialEq + Copy>(keys: &[T; 24]) -> Vec<(T, usize, usize)> {
    let mut runs = Vec::new();
    let mut h = 0;
    while h < 24 {
        let k = keys[h];
        let end = (h + 1..24).find(|&e| keys[e] != k).unwrap_or(24);
        runs.push((k, h, end));
        h = end;
    }
    runs
}

/// Hours of the day as runs: `[6, 7, …, 23]` → `06:00–24:00`; `[0, 1, 5]` → `00:00–02:00,
/// 05:00–06:00`.
pub fn hour_runs(hours: &[usize]) -> String {
    let mut marked = [false; 24];
    hours
        .iter()
        .filter(|&&h| h < 24)
        .for_each(|&h| marked[h] = true);
    let runs: Vec<String> = key_runs(&marked)
        .into_iter()
        .filter(|&(on, _, _)| on)
        .map(|(_, from, to)| format!("{from:02}:00–{to:02}:00"))
        .collect();
    runs.join(", ")
}

/// The microseconds a span of the day (`to` past `DAY_US` for one across midnight) shares
/// with hours `[a, b)` that recur each day (`b ≤ DAY_US`): on its day and on the next.
pub fn daily_overlap((from, to): (u64, u64), (a, b): (u64, u64)) -> u64 {
    [0, DAY_US]
        .iter()
        .map(|&shift| to.min(b + shift).saturating_sub(from.max(a + shift)))
        .sum()
}

/// An instant of simulated time, in microseconds since midnight of day 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of simulated time, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    /// A sentinel later than any real instant ("never").
    pub const NEVER: SimTime = SimTime(u64::MAX);

    pub fn as_micros(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SEC as f64
    }
    /// Time elapsed since `earlier`, or zero if `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
    /// `HH:MM` of this instant's time of day (days wrap).
    pub fn clock(self) -> Clock {
        Clock(self)
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);

    pub const fn from_micros(us: u64) -> Self {
        SimDuration(us)
    }
    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms * 1_000)
    }
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s * MICROS_PER_SEC)
    }
    pub const fn from_mins(m: u64) -> Self {
        SimDuration(m * 60 * MICROS_PER_SEC)
    }
    pub const fn from_hours(h: u64) -> Self {
        SimDuration(h * 3_600 * MICROS_PER_SEC)
    }
    /// Rounds a non-negative number of seconds to the nearest microsecond, halves away from
    /// zero as `f64::round` does (saturating; negative and NaN give zero).
    ///
    /// Drawn service times and overheads pass here, several per attempt, so it rounds with
    /// integer steps rather than `f64::round`, a software routine: below 2^52 a double's
    /// whole part converts exactly and the rest, `x - whole`, is exact too; above, every
    /// double is whole.
    #[inline]
    pub fn from_secs_f64(s: f64) -> Self {
        let us = s * MICROS_PER_SEC as f64;
        if us.is_nan() || us <= 0.0 {
            SimDuration(0)
        } else if us < (1u64 << 52) as f64 {
            let whole = us as u64;
            SimDuration(whole + (us - whole as f64 >= 0.5) as u64)
        } else if us >= u64::MAX as f64 {
            SimDuration(u64::MAX)
        } else {
            SimDuration(us as u64)
        }
    }
    pub fn as_micros(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SEC as f64
    }
    pub fn as_hours_f64(self) -> f64 {
        self.0 as f64 / (3_600.0 * MICROS_PER_SEC as f64)
    }
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
    /// Rounded up to whole seconds, as an HTTP Retry-After header carries it.
    pub fn ceil_secs(self) -> Self {
        SimDuration(
            self.0
                .div_ceil(MICROS_PER_SEC)
                .saturating_mul(MICROS_PER_SEC),
        )
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}
impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}
impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    /// Panics in debug builds if `rhs` is later: use [`SimTime::saturating_since`] when unsure.
    fn sub(self, rhs: SimTime) -> SimDuration {
        SimDuration(self.0 - rhs.0)
    }
}
impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}

/// Displays an instant as `HH:MM` (with a `+Nd` suffix past the first day).
pub struct Clock(SimTime);

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0 .0 / MICROS_PER_SEC;
        let day = secs / 86_400;
        let (h, m) = ((secs % 86_400) / 3_600, (secs % 3_600) / 60);
        if day == 0 {
            write!(f, "{h:02}:{m:02}")
        } else {
            write!(f, "{h:02}:{m:02}+{day}d")
        }
    }
}

impl SimDuration {
    /// This long after midnight as a time of day, as scenarios write it: `06:00`, `24:00`
    /// for the end of the day (seconds when there are any, `06:00:30`).
    pub fn time_of_day(self) -> String {
        let secs = self.0 / MICROS_PER_SEC;
        let (h, m, s) = (secs / 3_600, secs % 3_600 / 60, secs % 60);
        match s {
            0 => format!("{h:02}:{m:02}"),
            _ => format!("{h:02}:{m:02}:{s:02}"),
        }
    }
}

impl fmt::Display for SimDuration {
    /// The shortest exact rendering in the scenario syntax, e.g. `90s` → `1m30s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.0;
        for (unit, size) in UNITS_DESC {
            if rest >= size {
                write!(f, "{}{}", rest / size, unit)?;
                rest %= size;
            }
        }
        Ok(())
    }
}

const UNITS_DESC: [(&str, u64); 5] = [
    ("h", 3_600 * MICROS_PER_SEC),
    ("m", 60 * MICROS_PER_SEC),
    ("s", MICROS_PER_SEC),
    ("ms", 1_000),
    ("us", 1),
];

/// A unit's size: its symbol, its short forms and its name, singular or plural.
fn unit_size(unit: &str) -> Option<u64> {
    Some(match unit {
        "us" | "µs" | "microsecond" | "microseconds" => 1,
        "ms" | "msec" | "millisecond" | "milliseconds" => 1_000,
        "s" | "sec" | "secs" | "second" | "seconds" => MICROS_PER_SEC,
        "m" | "min" | "mins" | "minute" | "minutes" => 60 * MICROS_PER_SEC,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600 * MICROS_PER_SEC,
        "d" | "day" | "days" => 86_400 * MICROS_PER_SEC,
        _ => return None,
    })
}

/// Parses a duration written as one or more `<number><unit>` parts: `"10s"`, `"1h30m"`,
/// `"250ms"`, `"1.5s"`, `"24h"`, `"5 hours"`. Units: `us`, `ms`, `s`, `m`, `h`, `d`, or their
/// names (`seconds`, `minute`, `hrs`, …). A bare `"0"` is zero.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("empty duration (write e.g. \"10s\", \"5m\", \"1h\")".into());
    }
    if s == "0" {
        return Ok(SimDuration::ZERO);
    }
    if s.starts_with('-') {
        return Err(format!(
            "negative duration \"{text}\" (durations must be >= 0)"
        ));
    }
    let mut total: u64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(format!(
                "invalid duration \"{text}\": expected a number before \"{rest}\" (write e.g. \"10s\")"
            ));
        }
        let (num, after) = rest.split_at(num_len);
        let after = after.trim_start();
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.' || c.is_whitespace())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        if unit.is_empty() {
            return Err(format!(
                "invalid duration \"{text}\": \"{num}\" has no unit (use us, ms, s, m, h or d)"
            ));
        }
        let size = unit_size(unit).ok_or_else(|| {
            format!(
                "invalid duration \"{text}\": unknown unit \"{unit}\" (use us, ms, s, m, h or d, or \
                 their names: milliseconds, seconds, minutes, hours, days)"
            )
        })?;
        let value: f64 = num
            .parse()
            .map_err(|_| format!("invalid duration \"{text}\": \"{num}\" is not a number"))?;
        let us = (value * size as f64).round();
        if !(us.is_finite() && us < u64::MAX as f64) {
            return Err(format!("duration \"{text}\" is too large"));
        }
        total = total
            .checked_add(us as u64)
            .ok_or_else(|| format!("duration \"{text}\" is too large"))?;
        rest = after.trim_start();
    }
    Ok(SimDuration(total))
}

/// Parses a time of day `"HH:MM"` or `"HH:MM:SS"` (00:00 to 24:00) into an offset from midnight.
pub fn parse_time_of_day(text: &str) -> Result<SimDuration, String> {
    let bad = || format!("invalid time of day \"{text}\" (write \"HH:MM\", e.g. \"02:00\")");
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2) {
        return Err(bad());
    }
    let nums: Vec<u64> = parts
        .iter()
        .map(|p| p.parse::<u64>().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    let (h, m, s) = (nums[0], nums[1], nums.get(2).copied().unwrap_or(0));
    if m >= 60 || s >= 60 || h > 24 || (h == 24 && (m, s) != (0, 0)) {
        return Err(format!(
            "time of day \"{text}\" is out of range (00:00 to 24:00)"
        ));
    }
    Ok(SimDuration::from_secs(h * 3_600 + m * 60 + s))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Integer rounding equals `f64::round` (then clamped to `u64`): on halves, on the
    /// doubles either side of them, near 2^52 and 2^53, on huge, tiny, negative and NaN
    /// seconds, and on a million random ones over twenty decades.
    #[test]
    fn seconds_round_to_microseconds_as_f64_round_does() {
        let reference = |s: f64| {
            let us = (s * MICROS_PER_SEC as f64).round();
            if us.is_nan() || us <= 0.0 {
                0
            } else if us >= u64::MAX as f64 {
                u64::MAX
            } else {
                us as u64
            }
        };
        let mut cases = vec![f64::NAN, -1.0, -0.0, 0.0, 1e-300, 1e300, f64::INFINITY];
        for us in [
            0.5f64,
            1.5,
            2.5,
            1e6 + 0.5,
            2f64.powi(51) + 0.5,
            2f64.powi(52),
            2f64.powi(53),
        ] {
            for x in [us, us.next_up(), us.next_down()] {
                cases.push(x / MICROS_PER_SEC as f64);
                cases.push(x.next_up() / MICROS_PER_SEC as f64);
            }
        }
        let mut w = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..1_000_000 {
            w = w
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let mantissa = (w >> 11) as f64 / (1u64 << 53) as f64;
            cases.push(mantissa * 10f64.powi((w % 20) as i32 - 6));
        }
        for s in cases {
            assert_eq!(SimDuration::from_secs_f64(s).0, reference(s), "{s:e} s");
        }
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let s = SimDuration::from_millis;
        assert_eq!(s(0).ceil_secs(), s(0));
        assert_eq!(s(1).ceil_secs(), s(1_000));
        assert_eq!(s(1_000).ceil_secs(), s(1_000));
        assert_eq!(s(117_300).ceil_secs(), s(118_000));
    }

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("10s").unwrap(), SimDuration::from_secs(10));
        assert_eq!(parse_duration("1h").unwrap(), SimDuration::from_hours(1));
        assert_eq!(parse_duration("24h").unwrap(), SimDuration::from_hours(24));
        assert_eq!(parse_duration("1h30m").unwrap(), SimDuration::from_mins(90));
        assert_eq!(
            parse_duration("250ms").unwrap(),
            SimDuration::from_millis(250)
        );
        assert_eq!(
            parse_duration("1.5s").unwrap(),
            SimDuration::from_millis(1500)
        );
        assert_eq!(parse_duration("0").unwrap(), SimDuration::ZERO);
        assert_eq!(parse_duration("2 d").unwrap(), SimDuration::from_hours(48));
        // Every spelling of a unit a user writes (a trial's "5 hours" was refused while
        // "5 hrs" passed).
        for (text, secs) in [
            ("5 hours", 5 * 3_600),
            ("1 hour", 3_600),
            ("90 seconds", 90),
            ("1 second", 1),
            ("2 minutes", 120),
            ("1 minute 30 seconds", 90),
            ("1 day", 86_400),
        ] {
            assert_eq!(
                parse_duration(text),
                Ok(SimDuration::from_secs(secs)),
                "{text}"
            );
        }
        assert_eq!(
            parse_duration("250 milliseconds"),
            Ok(SimDuration::from_millis(250))
        );
    }

    #[test]
    fn rejects_bad_durations_with_reasons() {
        let e = parse_duration("10 parsecs").unwrap_err();
        assert!(e.contains("unknown unit \"parsecs\""), "{e}");
        assert!(parse_duration("-5s").unwrap_err().contains("negative"));
        assert!(parse_duration("10").unwrap_err().contains("no unit"));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("1..2s").is_err());
    }

    #[test]
    fn duration_display_round_trips() {
        for s in ["1m30s", "24h", "250ms", "26h", "10s", "1us"] {
            let d = parse_duration(s).unwrap();
            assert_eq!(d.to_string(), s);
            assert_eq!(parse_duration(&d.to_string()).unwrap(), d);
        }
    }

    #[test]
    fn parses_times_of_day() {
        assert_eq!(
            parse_time_of_day("02:00").unwrap(),
            SimDuration::from_hours(2)
        );
        assert_eq!(
            parse_time_of_day("23:59:30").unwrap().as_micros(),
            86_370 * MICROS_PER_SEC
        );
        assert_eq!(
            parse_time_of_day("24:00").unwrap(),
            SimDuration::from_hours(24)
        );
        assert!(parse_time_of_day("25:00").is_err());
        assert!(parse_time_of_day("2:00").is_err());
        assert!(parse_time_of_day("noon").is_err());
    }

    #[test]
    fn clock_formats_hours_and_days() {
        assert_eq!(
            SimTime(SimDuration::from_mins(125).0).clock().to_string(),
            "02:05"
        );
        assert_eq!(
            SimTime(SimDuration::from_hours(26).0).clock().to_string(),
            "02:00+1d"
        );
    }
}
