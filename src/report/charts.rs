//! Charts as SVG and PNG, drawn with plotters.
//!
//! A chart is plain data ([`XyChart`] for curves against concurrency, users or age;
//! [`DayChart`] for the per-minute "day in the life" small multiples); [`render`] draws it
//! twice, once into an SVG string and once into an RGB buffer encoded as PNG. Text is laid
//! out with DejaVu Sans, embedded in the binary (the `dejavu` crate) and registered with
//! plotters' `ab_glyph` font support, so PNGs render identically on a machine without any
//! system fonts. SVGs name the `sans-serif` family and leave the glyphs to the viewer.
//!
//! Conventions that make the charts read without explanation and survive a greyscale printer:
//! the Okabe–Ito palette (distinguishable with the common colour-vision deficiencies), and
//! every series also differing in dash pattern and marker; legends sit outside the plot so
//! they never cover data; tick labels are chosen by this module (thousands separators,
//! percentages, `HH:MM`), sparse enough not to collide. PNGs are 1200 px wide and carry a
//! 150 dpi resolution (8 inches: a page width).

use crate::error::{Error, Result};
use crate::output::write_atomic;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

mod axis;
mod canvas;
mod day;
mod glyphs;
mod look;
mod time_axis;
mod xy;

use canvas::{BOTTOM, TOP};
use day::draw_day;
use glyphs::Glyphs;
pub use look::{cycle_look, palette, strategy_look, Dash, Look, Marker, SERIES};
use xy::draw_xy;

/// Width of every chart, in pixels.
pub const WIDTH: u32 = 1200;
/// Height of a single-panel chart, in pixels.
pub const HEIGHT: u32 = 750;
/// Resolution recorded in the PNG (pixels per inch): 1200 px = 8 in.
pub const DPI: u32 = 150;

const FONT: &str = "sans-serif";

/// Registers the embedded font with plotters (once per process).
fn ensure_font() -> Result<()> {
    static OK: OnceLock<bool> = OnceLock::new();
    let ok = *OK.get_or_init(|| {
        let a = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let b = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
        a.is_ok() && b.is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(Error::io(
            "charts: cannot load the embedded DejaVu Sans font",
        ))
    }
}

// ---------------------------------------------------------------------------------------
// Chart data
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Linear,
    /// Powers of two as ticks (concurrency).
    Log2,
    /// 1-2-5 ticks per decade.
    Log10,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Integers with thousands separators (decimals only when the tick step needs them).
    Count,
    /// A share 0..1 shown as `25 %`.
    Percent,
    /// Hours, ticked at clock-friendly steps (1, 2, 3, 4, 6, 12, 24 h).
    Hours,
    /// A difference of shares shown in signed percentage points: `+5 pp`, `0`, `-10 pp`.
    Points,
    /// Hours of the day (0 to 24) shown on the clock: `06:00`, ticked as [`Format::Hours`].
    Clock,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChartAxis {
    pub label: String,
    pub scale: Scale,
    pub format: Format,
    /// Fixed ends of the axis (data units); `None`: fit the data.
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Named categories: when not empty, the axis is categorical, category `k` (from 0) at
    /// position `k + 1`, each ticked and labelled with its name (on the x axis, wrapped to
    /// its slot); scale, format and ends are ignored.
    pub categories: Vec<String>,
}

impl ChartAxis {
    pub fn new(label: impl Into<String>, scale: Scale, format: Format) -> Self {
        ChartAxis {
            label: label.into(),
            scale,
            format,
            min: None,
            max: None,
            categories: Vec::new(),
        }
    }
    pub fn range(mut self, min: Option<f64>, max: Option<f64>) -> Self {
        self.min = min;
        self.max = max;
        self
    }
    /// A categorical axis of `names`, in order (see [`ChartAxis::categories`]).
    pub fn categorical(label: impl Into<String>, names: Vec<String>) -> Self {
        let mut a = ChartAxis::new(label, Scale::Linear, Format::Count);
        a.categories = names;
        a
    }
}

/// A series of points joined by a line (unless `line` is false), with an optional band
/// `(x, low, high)` drawn beneath it (a confidence interval), or, if `bars`, drawn as an
/// error bar at each x (a whisker with caps: for points that are not a continuum).
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub label: String,
    pub look: Look,
    pub points: Vec<(f64, f64)>,
    pub band: Vec<(f64, f64, f64)>,
    pub line: bool,
    pub bars: bool,
    /// Drawn after the others, on top where lines cross or coincide, whatever its place in
    /// the legend (a trial's all-bank staleness line, first in the legend, was hidden under
    /// the bank that held most connections).
    pub front: bool,
}

impl Line {
    pub fn new(label: impl Into<String>, look: Look, points: Vec<(f64, f64)>) -> Self {
        Line {
            label: label.into(),
            look,
            points,
            band: Vec::new(),
            line: true,
            bars: false,
            front: false,
        }
    }
}

/// A horizontal reference line across the whole plot (a target, or a strategy without the
/// x parameter, such as bulk on a concurrency axis).
#[derive(Clone, Debug, PartialEq)]
pub struct RefLine {
    pub label: String,
    pub look: Look,
    pub y: f64,
}

/// Curves on two axes.
#[derive(Clone, Debug, PartialEq)]
pub struct XyChart {
    pub title: String,
    pub subtitle: Option<String>,
    pub x: ChartAxis,
    pub y: ChartAxis,
    pub lines: Vec<Line>,
    pub refs: Vec<RefLine>,
}

/// One row of a [`DayChart`]: per-minute refreshes in flight and 429s.
#[derive(Clone, Debug, PartialEq)]
pub struct DayRow {
    pub label: String,
    pub in_flight: Vec<f64>,
    pub rate_limited: Vec<f64>,
    /// The minutes from the window's start that the measured days hold (`daily.csv`'s
    /// `measured`: after the warm-up, a last day cut short left out; `0..usize::MAX` where
    /// none is known), where the most 429s in one minute are read, as the report's sentences
    /// read them.
    pub measured: std::ops::Range<usize>,
    /// A closed maintenance window's 503s in the window, not drawn (said in the caption
    /// where no 429 is: a trial's closed bank read "no 429s" beside 455,589 of them).
    pub outage_503s: u64,
}

/// Small multiples over the window: one row per run (or bank), refreshes in flight on the left,
/// 429s per minute on the right, all sharing the time axis.
#[derive(Clone, Debug, PartialEq)]
pub struct DayChart {
    pub title: String,
    pub subtitle: Option<String>,
    /// When the window opens, in minutes after midnight.
    pub start_minute_of_day: u32,
    /// Length of the time axis in minutes (at least the window).
    pub minutes: usize,
    pub rows: Vec<DayRow>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Chart {
    Xy(XyChart),
    Day(DayChart),
}

impl Chart {
    /// Pixel size of the PNG (and of the SVG's canvas).
    pub fn size(&self) -> (u32, u32) {
        match self {
            Chart::Xy(_) => (WIDTH, HEIGHT),
            Chart::Day(d) => {
                let rows = d.rows.len().max(1) as u32;
                let h = if rows <= 3 {
                    HEIGHT
                } else {
                    TOP + BOTTOM + rows * 175
                };
                (WIDTH, h)
            }
        }
    }

    pub fn title(&self) -> &str {
        match self {
            Chart::Xy(c) => &c.title,
            Chart::Day(d) => &d.title,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------

/// Draws `chart` as `dir/stem.svg` and `dir/stem.png`; returns both paths.
pub fn render(chart: &Chart, dir: &Path, stem: &str) -> Result<Vec<PathBuf>> {
    let svg = dir.join(format!("{stem}.svg"));
    let png = dir.join(format!("{stem}.png"));
    write_atomic(&svg, svg_string(chart)?.as_bytes())?;
    write_atomic(&png, &png_bytes(chart)?)?;
    Ok(vec![svg, png])
}

/// The chart as an SVG document.
pub fn svg_string(chart: &Chart) -> Result<String> {
    ensure_font()?;
    let size = chart.size();
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, size).into_drawing_area();
        draw(&root, chart).map_err(|e| Error::io(format!("chart `{}`: {e}", chart.title())))?;
        root.present()
            .map_err(|e| Error::io(format!("chart `{}`: {e}", chart.title())))?;
    }
    Ok(s)
}

/// The chart as PNG bytes (8-bit RGB, [`DPI`] recorded).
pub fn png_bytes(chart: &Chart) -> Result<Vec<u8>> {
    ensure_font()?;
    let (w, h) = chart.size();
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    {
        let root = Glyphs(BitMapBackend::with_buffer(&mut buf, (w, h))).into_drawing_area();
        draw(&root, chart).map_err(|e| Error::io(format!("chart `{}`: {e}", chart.title())))?;
        root.present()
            .map_err(|e| Error::io(format!("chart `{}`: {e}", chart.title())))?;
    }
    let mut out = Vec::new();
    let err = |e: png::EncodingError| Error::io(format!("png: {e}"));
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let ppm = (DPI as f64 / 0.0254).round() as u32;
    enc.set_pixel_dims(Some(png::PixelDimensions {
        xppu: ppm,
        yppu: ppm,
        unit: png::Unit::Meter,
    }));
    let mut wr = enc.write_header().map_err(err)?;
    wr.write_image_data(&buf).map_err(err)?;
    wr.finish().map_err(err)?;
    Ok(out)
}

type Drawn = std::result::Result<(), String>;

/// `?` for plotters' errors (whose types differ per backend).
trait Ctx<T> {
    fn ctx(self) -> std::result::Result<T, String>;
}
impl<T, E: std::fmt::Display> Ctx<T> for std::result::Result<T, E> {
    fn ctx(self) -> std::result::Result<T, String> {
        self.map_err(|e| e.to_string())
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    chart: &Chart,
) -> Drawn {
    root.fill(&WHITE).ctx()?;
    match chart {
        Chart::Xy(c) => draw_xy(root, c),
        Chart::Day(d) => draw_day(root, d),
    }
}
