//! Axes: ranges, scales and tick labels chosen from the data.

use super::{ChartAxis, Format, Scale};
use crate::output::text::thousands;
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// A resolved axis: range and ticks in plotting space (log2/log10 of the data for log
/// scales), the tick step (for label precision), and whether the scale stayed logarithmic.
#[derive(Clone, Debug)]
pub(super) struct Resolved {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) ticks: Vec<f64>,
    pub(super) step: f64,
    pub(super) scale: Scale,
    pub(super) format: Format,
    /// The categories' names (category `k` at position `k + 1`); empty: a numeric axis.
    pub(super) categories: Vec<String>,
}

impl Resolved {
    pub(super) fn to_plot(&self, v: f64) -> f64 {
        match self.scale {
            Scale::Linear => v,
            Scale::Log2 => v.max(f64::MIN_POSITIVE).log2(),
            Scale::Log10 => v.max(f64::MIN_POSITIVE).log10(),
        }
    }

    pub(super) fn label(&self, p: f64) -> String {
        if !self.categories.is_empty() {
            return self.category(p).unwrap_or_default().to_string();
        }
        match self.scale {
            Scale::Log2 | Scale::Log10 => {
                let v = if self.scale == Scale::Log2 {
                    p.exp2()
                } else {
                    10f64.powf(p)
                };
                match self.format {
                    Format::Percent => format_pct(v, v / 10.0),
                    Format::Points => format_points(v, v / 10.0),
                    Format::Count | Format::Hours | Format::Clock => {
                        format_count(v, if v < 1.0 { v } else { 1.0 })
                    }
                }
            }
            Scale::Linear => match self.format {
                Format::Percent => format_pct(p, self.step),
                Format::Points => format_points(p, self.step),
                Format::Count | Format::Hours => format_count(p, self.step),
                Format::Clock => format_clock(p),
            },
        }
    }

    /// The name of the category at position `p` (its tick), if any.
    pub(super) fn category(&self, p: f64) -> Option<&str> {
        let k = p.round();
        (k >= 1.0 && (p - k).abs() < 1e-9)
            .then(|| self.categories.get(k as usize - 1))
            .flatten()
            .map(String::as_str)
    }
}

/// A number with thousands separators, with as many decimals as `step` needs.
pub(super) fn format_count(v: f64, step: f64) -> String {
    if step >= 1.0 || v == 0.0 {
        return thousands(v);
    }
    let d = (-step.log10()).ceil().clamp(0.0, 6.0) as usize;
    format!("{v:.d$}")
}

/// A share as a percentage, with as many decimals as `step` (a share) needs.
pub(super) fn format_pct(v: f64, step: f64) -> String {
    let s = 100.0 * step;
    let d = if s >= 1.0 || s <= 0.0 {
        0
    } else {
        (-s.log10()).ceil().clamp(0.0, 4.0) as usize
    };
    format!("{:.d$} %", 100.0 * v)
}

/// A difference of shares in signed percentage points (`+5 pp`, `-2.5 pp`, `0`), with as many
/// decimals as `step` (a share) needs.
pub(super) fn format_points(v: f64, step: f64) -> String {
    let s = 100.0 * step;
    let d = if s >= 1.0 || s <= 0.0 {
        0
    } else {
        (-s.log10()).ceil().clamp(0.0, 4.0) as usize
    };
    let text = format!("{:+.d$}", 100.0 * v);
    if text[1..].bytes().all(|b| b == b'0' || b == b'.') {
        "0".to_string()
    } else {
        format!("{text} pp")
    }
}

/// 1, 2 or 5 × 10^k: the smallest such step giving at most `max_ticks` intervals.
pub(super) fn nice_step(span: f64, max_ticks: usize) -> f64 {
    let raw = span / max_ticks.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * mag >= raw * (1.0 - 1e-9) {
            return m * mag;
        }
    }
    10.0 * mag
}

/// Resolves an axis for `values` (data units) with at most `max_ticks` ticks.
pub(super) fn resolve(axis: &ChartAxis, values: &[f64], max_ticks: usize) -> Resolved {
    if !axis.categories.is_empty() {
        return resolve_categories(axis);
    }
    let vals: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let log_ok = vals.iter().all(|&v| v > 0.0) && axis.min.is_none_or(|m| m > 0.0);
    let scale = if axis.scale != Scale::Linear && !log_ok {
        Scale::Linear
    } else {
        axis.scale
    };
    let dmin = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let dmax = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    match scale {
        Scale::Log2 => resolve_log2(axis, (dmin, dmax), max_ticks),
        Scale::Log10 => resolve_log10(axis, (dmin, dmax)),
        Scale::Linear => resolve_linear(axis, (dmin, dmax), max_ticks),
    }
}

/// A categorical axis: every category ticked at its position (1, 2, …), half a slot of
/// room either side.
fn resolve_categories(axis: &ChartAxis) -> Resolved {
    let n = axis.categories.len();
    Resolved {
        lo: 0.5,
        hi: n as f64 + 0.5,
        ticks: (1..=n).map(|k| k as f64).collect(),
        step: 1.0,
        scale: Scale::Linear,
        format: axis.format,
        categories: axis.categories.clone(),
    }
}

/// A log2 axis over the data's range `(dmin, dmax)` (or the axis's fixed ends), no wider: a
/// trial's slots of 64 to 160 were drawn on an axis to 256, two fifths of it empty. Whole
/// powers of two are ticked, every one if there is room, and an end that is not one where
/// it stands clear of them (64, 128, 160).
fn resolve_log2(axis: &ChartAxis, (dmin, dmax): (f64, f64), max_ticks: usize) -> Resolved {
    let lo_v = axis
        .min
        .unwrap_or(if dmin.is_finite() { dmin } else { 1.0 });
    let hi_v = axis
        .max
        .unwrap_or(if dmax.is_finite() { dmax } else { lo_v });
    let (mut lo, mut hi) = (lo_v.log2(), hi_v.log2());
    // One value: the powers of two about it (13: 8 to 16), or either side of a power.
    if hi <= lo {
        (lo, hi) = (lo.floor(), hi.ceil());
        if hi <= lo {
            (lo, hi) = (lo - 1.0, hi + 1.0);
        }
    }
    let (first, last) = ((lo - 1e-9).ceil(), (hi + 1e-9).floor());
    let every = ((last - first) / max_ticks as f64).ceil().max(1.0);
    let mut ticks: Vec<f64> = (0..=(last - first) as i64)
        .map(|k| first + k as f64)
        .filter(|&t| ((t - first) / every).fract() == 0.0)
        .collect();
    // An end is labelled as a whole number: ticked only where it is one (slots, seconds).
    let clear = |e: f64, ticks: &[f64]| ticks.iter().all(|t| (t - e).abs() > 0.08 * (hi - lo));
    let whole = |e: f64| (e.exp2() - e.exp2().round()).abs() < 1e-6;
    for end in [lo, hi] {
        if ticks.len() < max_ticks && whole(end) && clear(end, &ticks) {
            ticks.push(end);
        }
    }
    ticks.sort_by(f64::total_cmp);
    // A little room so that markers at the ends are not cut by the frame.
    let pad = 0.04 * (hi - lo);
    Resolved {
        lo: lo - pad,
        hi: hi + pad,
        ticks,
        step: 1.0,
        scale: Scale::Log2,
        format: axis.format,
        categories: Vec::new(),
    }
}

/// A log10 axis over the data's range `(dmin, dmax)` (or the axis's fixed ends), from the
/// last 1-2-5 value ≤ min to the first ≥ max.
fn resolve_log10(axis: &ChartAxis, (dmin, dmax): (f64, f64)) -> Resolved {
    let lo_v = axis
        .min
        .unwrap_or(if dmin.is_finite() { dmin } else { 1.0 });
    let hi_v = axis
        .max
        .unwrap_or(if dmax.is_finite() { dmax } else { lo_v * 10.0 });
    let cands = one_two_five(lo_v, hi_v);
    let (lo_t, hi_t) = log10_ends(&cands, lo_v, hi_v);
    Resolved {
        lo: lo_t.log10(),
        hi: hi_t.log10(),
        ticks: log10_ticks(&cands, lo_t, hi_t),
        step: 1.0,
        scale: Scale::Log10,
        format: axis.format,
        categories: Vec::new(),
    }
}

/// The 1-2-5 values of every decade from `lo_v`'s to `hi_v`'s (at least two decades): the
/// candidate ends and ticks of a log10 axis.
fn one_two_five(lo_v: f64, hi_v: f64) -> Vec<f64> {
    let lo_d = lo_v.log10().floor() as i32;
    let hi_d = hi_v.log10().ceil() as i32;
    let mut cands = Vec::new();
    for d in lo_d..=hi_d.max(lo_d + 1) {
        for m in [1.0, 2.0, 5.0] {
            cands.push(m * 10f64.powi(d));
        }
    }
    cands
}

/// The ends of a log10 axis (data units) among the 1-2-5 values `cands`: the last ≤ `lo_v`
/// and the first ≥ `hi_v`.
fn log10_ends(cands: &[f64], lo_v: f64, hi_v: f64) -> (f64, f64) {
    let lo_t = cands
        .iter()
        .copied()
        .filter(|&c| c <= lo_v * (1.0 + 1e-9))
        .fold(cands[0], f64::max);
    let hi_t = cands
        .iter()
        .copied()
        .filter(|&c| c >= hi_v * (1.0 - 1e-9))
        .fold(*cands.last().unwrap(), f64::min);
    // A single value: one 1-2-5 step either side.
    if hi_t <= lo_t {
        let below = cands
            .iter()
            .copied()
            .filter(|&c| c < lo_t * (1.0 - 1e-9))
            .fold(lo_t / 2.0, f64::max);
        let above = cands
            .iter()
            .copied()
            .filter(|&c| c > hi_t * (1.0 + 1e-9))
            .fold(hi_t * 2.0, f64::min);
        (below, above)
    } else {
        (lo_t, hi_t)
    }
}

/// The ticks (in plotting space) of a log10 axis from `lo_t` to `hi_t`: at 1-2-5 over up
/// to three decades, else at powers of ten only (all 1-2-5 values if that leaves fewer
/// than two).
fn log10_ticks(cands: &[f64], lo_t: f64, hi_t: f64) -> Vec<f64> {
    let inside = |c: &f64| *c >= lo_t * (1.0 - 1e-9) && *c <= hi_t * (1.0 + 1e-9);
    let decades = (hi_t / lo_t).log10();
    let mut ticks: Vec<f64> = cands
        .iter()
        .copied()
        .filter(inside)
        .filter(|&c| decades <= 3.0 || (c.log10().fract()).abs() < 1e-9)
        .map(f64::log10)
        .collect();
    if ticks.len() < 2 {
        ticks = cands
            .iter()
            .copied()
            .filter(inside)
            .map(f64::log10)
            .collect();
    }
    ticks
}

/// A linear axis over the data's range `(dmin, dmax)`, its open ends rounded out to whole
/// ticks.
fn resolve_linear(axis: &ChartAxis, (dmin, dmax): (f64, f64), max_ticks: usize) -> Resolved {
    let mut lo = axis
        .min
        .unwrap_or(if dmin.is_finite() { dmin } else { 0.0 });
    let mut hi = axis
        .max
        .unwrap_or(if dmax.is_finite() { dmax } else { lo + 1.0 });
    if hi <= lo {
        // All equal (e.g. all zero): centre the value in a unit-wide range.
        let w = if lo == 0.0 { 1.0 } else { lo.abs() * 0.5 };
        if axis.min.is_none() && lo != 0.0 {
            lo -= w;
        }
        hi = lo + 2.0 * w;
        if lo == 0.0 {
            hi = w;
        }
    }
    let step = linear_step(axis.format, hi - lo, max_ticks);
    if axis.min.is_none() {
        lo = (lo / step).floor() * step;
    }
    if axis.max.is_none() {
        hi = (hi / step).ceil() * step;
    }
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    let ticks = (first..=last).map(|k| k as f64 * step).collect();
    Resolved {
        lo,
        hi,
        ticks,
        step,
        scale: Scale::Linear,
        format: axis.format,
        categories: Vec::new(),
    }
}

/// An hour of the day as the clock shows it: `06:00`, `13:30` (24 as `24:00`, the day's end).
fn format_clock(h: f64) -> String {
    let m = (h * 60.0).round() as i64;
    format!("{:02}:{:02}", m.div_euclid(60), m.rem_euclid(60))
}

/// The tick step of a linear axis `span` long: clock-friendly for hours beyond two, else
/// 1-2-5.
fn linear_step(format: Format, span: f64, max_ticks: usize) -> f64 {
    if matches!(format, Format::Hours | Format::Clock) && span > 2.0 {
        [1.0, 2.0, 3.0, 4.0, 6.0, 12.0, 24.0, 48.0, 168.0]
            .into_iter()
            .find(|s| span / s <= max_ticks as f64)
            .unwrap_or_else(|| nice_step(span, max_ticks))
    } else {
        nice_step(span, max_ticks)
    }
}

/// A linear axis in plotting units whose ticks (and grid lines) are exactly `ticks`.
#[derive(Clone, Debug)]
pub(super) struct Ticked {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) ticks: Vec<f64>,
}

impl Ticked {
    pub(super) fn new(lo: f64, hi: f64, ticks: &[f64]) -> Self {
        Ticked {
            lo,
            hi,
            ticks: ticks.to_vec(),
        }
    }
}

impl Ranged for Ticked {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;
    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        RangedCoordf64::from(self.lo..self.hi).map(v, limit)
    }
    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }
    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

impl ValueFormatter<f64> for Ticked {
    fn format(v: &f64) -> String {
        format!("{v}")
    }
}

pub(super) type Coord2 = Cartesian2d<Ticked, Ticked>;

#[cfg(test)]
mod tests {
    use super::*;

    fn log2(values: &[f64]) -> Resolved {
        resolve(&ChartAxis::new("x", Scale::Log2, Format::Count), values, 10)
    }

    /// A log2 axis ends at the data: 64 to 160 ticks 64, 128 and its end 160, not 256;
    /// powers of two from 1 to 16 every power, as before; one value a power either side.
    #[test]
    fn a_log2_axis_ends_at_the_data() {
        let r = log2(&[64.0, 80.0, 96.0, 112.0, 128.0, 144.0, 160.0]);
        let labels: Vec<String> = r.ticks.iter().map(|&t| r.label(t)).collect();
        assert_eq!(labels, ["64", "128", "160"]);
        let span = 160f64.log2() - 6.0;
        assert!((r.lo - (6.0 - 0.04 * span)).abs() < 1e-12, "{}", r.lo);
        assert!(
            (r.hi - (160f64.log2() + 0.04 * span)).abs() < 1e-12,
            "{}",
            r.hi
        );
        let r = log2(&[1.0, 2.0, 4.0, 8.0, 16.0]);
        assert_eq!(r.ticks, [0.0, 1.0, 2.0, 3.0, 4.0]);
        assert!((r.lo + 0.16).abs() < 1e-12 && (r.hi - 4.16).abs() < 1e-12);
        assert_eq!(log2(&[16.0]).ticks, [3.0, 4.0, 5.0]);
        assert_eq!(log2(&[13.0]).ticks, [3.0, 4.0]);
        // An end that is not a whole number is not labelled as one.
        let r = log2(&[1.0, 2.6]);
        assert_eq!(r.ticks, [0.0, 1.0]);
        // An end near a power is not ticked beside it.
        let r = log2(&[8.0, 600.0]);
        let labels: Vec<String> = r.ticks.iter().map(|&t| r.label(t)).collect();
        assert_eq!(labels.last().unwrap(), "512", "{labels:?}");
    }
}
