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
use crate::report::{thousands, write_atomic};
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

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
// Styles
// ---------------------------------------------------------------------------------------

/// The Okabe–Ito palette.
pub mod palette {
    use plotters::style::RGBColor;
    pub const BLACK: RGBColor = RGBColor(0, 0, 0);
    pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
    pub const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
    pub const GREEN: RGBColor = RGBColor(0, 158, 115);
    pub const YELLOW: RGBColor = RGBColor(240, 228, 66);
    pub const BLUE: RGBColor = RGBColor(0, 114, 178);
    pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
    pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
    pub const GREY: RGBColor = RGBColor(110, 110, 110);
}

/// A line's dash pattern. Seven patterns, so that the seven series a chart may hold each
/// have their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dash {
    Solid,
    Dashed,
    Dotted,
    LongDash,
    DashDot,
    DashDotDot,
    LongDashDot,
}

impl Dash {
    /// Lengths in pixels, alternately drawn and skipped (empty: solid).
    fn pattern(self) -> &'static [i32] {
        match self {
            Dash::Solid => &[],
            Dash::Dashed => &[10, 6],
            Dash::Dotted => &[3, 5],
            Dash::LongDash => &[22, 6],
            Dash::DashDot => &[12, 5, 3, 5],
            Dash::DashDotDot => &[12, 4, 3, 4, 3, 4],
            Dash::LongDashDot => &[24, 5, 3, 5],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    None,
    Circle,
    Square,
    Triangle,
    Diamond,
    Cross,
    Plus,
    /// A triangle pointing down.
    TriangleDown,
}

/// How a series looks: colour, dash pattern and marker.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Look {
    pub color: RGBColor,
    pub dash: Dash,
    pub marker: Marker,
}

impl Look {
    pub const fn new(color: RGBColor, dash: Dash, marker: Marker) -> Self {
        Look {
            color,
            dash,
            marker,
        }
    }
}

/// The looks of a chart's series, in order of use: each has its own colour, its own dash
/// pattern and its own marker, so that any seven series differ in colour and in greyscale.
/// The first three are the strategies' ([`strategy_look`]).
pub const SERIES: [Look; 7] = [
    Look::new(palette::BLUE, Dash::Solid, Marker::Circle),
    Look::new(palette::VERMILLION, Dash::Dashed, Marker::Square),
    Look::new(palette::GREEN, Dash::Dotted, Marker::Triangle),
    Look::new(palette::ORANGE, Dash::LongDash, Marker::Diamond),
    Look::new(palette::PURPLE, Dash::DashDot, Marker::Cross),
    Look::new(palette::SKY_BLUE, Dash::DashDotDot, Marker::TriangleDown),
    Look::new(palette::BLACK, Dash::LongDashDot, Marker::Plus),
];

/// The `i`-th look of [`SERIES`] (repeating after seven).
pub fn cycle_look(i: usize) -> Look {
    SERIES[i % SERIES.len()]
}

/// The fixed look of a strategy, so that bulk, queued and random offset look the same in
/// every chart; other names get `cycle_look(3 + fallback)`.
pub fn strategy_look(strategy: &str, fallback: usize) -> Look {
    match strategy {
        "queued" => SERIES[0],
        "bulk" => SERIES[1],
        "random_offset" => SERIES[2],
        _ => cycle_look(fallback + 3),
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
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChartAxis {
    pub label: String,
    pub scale: Scale,
    pub format: Format,
    /// Fixed ends of the axis (data units); `None`: fit the data.
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl ChartAxis {
    pub fn new(label: impl Into<String>, scale: Scale, format: Format) -> Self {
        ChartAxis {
            label: label.into(),
            scale,
            format,
            min: None,
            max: None,
        }
    }
    pub fn range(mut self, min: Option<f64>, max: Option<f64>) -> Self {
        self.min = min;
        self.max = max;
        self
    }
}

/// A series of points joined by a line (unless `line` is false), with an optional band
/// `(x, low, high)` drawn beneath it (a confidence interval).
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub label: String,
    pub look: Look,
    pub points: Vec<(f64, f64)>,
    pub band: Vec<(f64, f64, f64)>,
    pub line: bool,
}

impl Line {
    pub fn new(label: impl Into<String>, look: Look, points: Vec<(f64, f64)>) -> Self {
        Line {
            label: label.into(),
            look,
            points,
            band: Vec::new(),
            line: true,
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

/// One row of a [`DayChart`]: per-minute calls in flight and 429s.
#[derive(Clone, Debug, PartialEq)]
pub struct DayRow {
    pub label: String,
    pub in_flight: Vec<f64>,
    pub rate_limited: Vec<f64>,
}

/// Small multiples over the window: one row per run (or bank), calls in flight on the left,
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

// ---- PNG text -----------------------------------------------------------------------------

use glyphs::Glyphs;

mod glyphs {
    use plotters::backend::DrawingBackend;
    use plotters::style::text_anchor::{HPos, VPos};
    use plotters::style::FontStyle;
    use plotters_backend::{
        BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
    };
    use std::sync::OnceLock;

    /// A bitmap backend whose text is drawn glyph by glyph with ab_glyph from the embedded DejaVu
    /// Sans, placed as the SVG backend places it (the em is `size / 1.24`; the anchor's vertical
    /// position like SVG's `dy`). plotters' own `ab_glyph` text drawing ignores the glyphs' side
    /// bearings (uneven letter spacing) and, through `FontDesc::style`, the bold face. Layout
    /// (`estimate_text_size`) stays plotters', so PNG and SVG are laid out identically.
    pub(super) struct Glyphs<DB>(pub(super) DB);

    /// DejaVu Sans x-height over its em (1120 / 2048), for SVG's `0.5ex`.
    const X_HEIGHT: f32 = 0.547;

    fn face(bold: bool) -> Option<&'static ab_glyph::FontRef<'static>> {
        static FACES: OnceLock<Option<[ab_glyph::FontRef<'static>; 2]>> = OnceLock::new();
        FACES
            .get_or_init(|| {
                let r = ab_glyph::FontRef::try_from_slice(dejavu::sans::regular()).ok()?;
                let b = ab_glyph::FontRef::try_from_slice(dejavu::sans::bold()).ok()?;
                Some([r, b])
            })
            .as_ref()
            .map(|f| &f[usize::from(bold)])
    }

    impl<DB: DrawingBackend> DrawingBackend for Glyphs<DB> {
        type ErrorType = DB::ErrorType;

        fn get_size(&self) -> (u32, u32) {
            self.0.get_size()
        }
        fn ensure_prepared(
            &mut self,
        ) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.0.ensure_prepared()
        }
        fn present(&mut self) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.0.present()
        }
        fn draw_pixel(
            &mut self,
            point: BackendCoord,
            color: BackendColor,
        ) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.0.draw_pixel(point, color)
        }
        fn draw_line<S: BackendStyle>(
            &mut self,
            from: BackendCoord,
            to: BackendCoord,
            style: &S,
        ) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.0.draw_line(from, to, style)
        }
        fn draw_rect<S: BackendStyle>(
            &mut self,
            upper_left: BackendCoord,
            bottom_right: BackendCoord,
            style: &S,
            fill: bool,
        ) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.0.draw_rect(upper_left, bottom_right, style, fill)
        }
        fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
            &mut self,
            path: I,
            style: &S,
        ) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.0.draw_path(path, style)
        }
        fn draw_circle<S: BackendStyle>(
            &mut self,
            center: BackendCoord,
            radius: u32,
            style: &S,
            fill: bool,
        ) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.0.draw_circle(center, radius, style, fill)
        }
        fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
            &mut self,
            vert: I,
            style: &S,
        ) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.0.fill_polygon(vert, style)
        }
        fn blit_bitmap(
            &mut self,
            pos: BackendCoord,
            (iw, ih): (u32, u32),
            src: &[u8],
        ) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.0.blit_bitmap(pos, (iw, ih), src)
        }

        fn draw_text<TStyle: BackendTextStyle>(
            &mut self,
            text: &str,
            style: &TStyle,
            pos: BackendCoord,
        ) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
            use ab_glyph::{Font, ScaleFont};
            let color = style.color();
            if color.alpha == 0.0 || text.is_empty() {
                return Ok(());
            }
            let Some(font) = face(matches!(style.style(), FontStyle::Bold)) else {
                return Ok(());
            };
            let em = (style.size() / 1.24) as f32;
            let upem = font.units_per_em().unwrap_or(2048.0);
            let scaled =
                font.as_scaled(ab_glyph::PxScale::from(em * font.height_unscaled() / upem));
            // Glyph positions along the baseline, kerned.
            let mut glyphs = Vec::with_capacity(text.len());
            let mut caret = 0f32;
            let mut prev: Option<ab_glyph::GlyphId> = None;
            for c in text.chars() {
                let id = scaled.glyph_id(c);
                if let Some(p) = prev {
                    caret += scaled.kern(p, id);
                }
                glyphs
                    .push(id.with_scale_and_position(scaled.scale(), ab_glyph::point(caret, 0.0)));
                caret += scaled.h_advance(id);
                prev = Some(id);
            }
            let dx = match style.anchor().h_pos {
                HPos::Left => 0.0,
                HPos::Center => -caret / 2.0,
                HPos::Right => -caret,
            };
            let baseline = match style.anchor().v_pos {
                VPos::Top => 0.76 * em,
                VPos::Center => 0.5 * X_HEIGHT * em,
                VPos::Bottom => -0.5 * X_HEIGHT * em,
            };
            let trans = style.transform();
            let (w, h) = self.get_size();
            for g in glyphs {
                let Some(outline) = scaled.outline_glyph(g) else {
                    continue;
                };
                let b = outline.px_bounds();
                let mut pixels = Vec::new();
                outline.draw(|x, y, coverage| {
                    if coverage > 0.0 {
                        let rx = (b.min.x + x as f32 + dx).round() as i32;
                        let ry = (b.min.y + y as f32 + baseline).round() as i32;
                        pixels.push((rx, ry, coverage));
                    }
                });
                for (rx, ry, coverage) in pixels {
                    let (tx, ty) = trans.transform(rx, ry);
                    let (x, y) = (pos.0 + tx, pos.1 + ty);
                    if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
                        let c = BackendColor {
                            alpha: color.alpha * coverage.min(1.0) as f64,
                            rgb: color.rgb,
                        };
                        self.0.draw_pixel((x, y), c)?;
                    }
                }
            }
            Ok(())
        }
    }
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

type Root<DB> = DrawingArea<DB, plotters::coord::Shift>;

const MARGIN: i32 = 30;
const TOP: u32 = 96;
const BOTTOM: u32 = 70;
// Font sizes in plotters' units (the em is size / 1.24 px): at 150 dpi the tick labels are
// about 8 pt, the title about 13 pt.
const TITLE_PX: u32 = 33;
const SUBTITLE_PX: u32 = 21;
const LEGEND_PX: u32 = 21;
const TICK_PX: u32 = 20;
const DESC_PX: u32 = 22;
const INK: RGBColor = RGBColor(40, 40, 40);
const GRID: RGBColor = RGBColor(225, 225, 225);

fn font(px: u32) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT), px as f64, FontStyle::Normal)
}

/// Bold. (`FontDesc::style` would keep the regular face's glyphs for layout.)
fn bold(px: u32) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT), px as f64, FontStyle::Bold)
}

fn text_width<DB: DrawingBackend>(root: &Root<DB>, text: &str, f: &FontDesc) -> u32 {
    root.estimate_text_size(text, &TextStyle::from(f.clone()))
        .map(|s| s.0)
        .unwrap_or(0)
}

/// The largest font size ≤ `px` at which `text` fits in `width` pixels (at least 10 px).
fn fit<DB: DrawingBackend>(
    root: &Root<DB>,
    text: &str,
    px: u32,
    width: u32,
    bold: bool,
) -> FontDesc<'static> {
    let mut p = px;
    loop {
        let f = if bold { self::bold(p) } else { font(p) };
        if p <= 10 || text_width(root, text, &f) <= width {
            return f;
        }
        p -= 1;
    }
}

/// Title (and subtitle, one line per `\n`) centred at the top; returns the y below them.
fn draw_title<DB: DrawingBackend>(
    root: &Root<DB>,
    title: &str,
    subtitle: Option<&str>,
) -> std::result::Result<i32, String> {
    let (w, _) = root.dim_in_pixel();
    let avail = w - 2 * MARGIN as u32;
    let f = fit(root, title, TITLE_PX, avail, true);
    let style = f.color(&BLACK).pos(Pos::new(HPos::Center, VPos::Top));
    root.draw_text(title, &style, (w as i32 / 2, 14)).ctx()?;
    let mut y = 14 + TITLE_PX as i32 + 8;
    // One line per `\n`, each shrunk to fit on its own.
    for s in subtitle.into_iter().flat_map(|s| s.lines()) {
        let f = fit(root, s, SUBTITLE_PX, avail, false);
        let style = f
            .color(&palette::GREY)
            .pos(Pos::new(HPos::Center, VPos::Top));
        root.draw_text(s, &style, (w as i32 / 2, y)).ctx()?;
        y += SUBTITLE_PX as i32 + 6;
    }
    if subtitle.is_some() {
        y += 2;
    }
    Ok(y)
}

#[derive(Clone, Debug)]
enum Swatch {
    Line(Look),
    Band(RGBColor),
    Marker(Look),
}

/// Lays the legend entries out left to right, wrapping; draws them if `draw`; returns the
/// height used.
fn legend<DB: DrawingBackend>(
    root: &Root<DB>,
    entries: &[(String, Swatch)],
    top: i32,
    draw: bool,
) -> std::result::Result<i32, String> {
    if entries.is_empty() {
        return Ok(0);
    }
    let (w, _) = root.dim_in_pixel();
    let f = font(LEGEND_PX);
    let row_h = LEGEND_PX as i32 + 10;
    let sample = 48;
    let (x0, x1) = (MARGIN + 20, w as i32 - MARGIN);
    let (mut x, mut y) = (x0, top + row_h / 2);
    for (label, swatch) in entries {
        let tw = text_width(root, label, &f) as i32;
        let entry = sample + 8 + tw + 28;
        if x > x0 && x + entry - 28 > x1 {
            x = x0;
            y += row_h;
        }
        if draw {
            match swatch {
                Swatch::Line(look) => {
                    stroke(root, &[(x, y), (x + sample, y)], look, 3)?;
                    marker(root, (x + sample / 2, y), look)?;
                }
                Swatch::Marker(look) => marker(root, (x + sample / 2, y), look)?,
                Swatch::Band(c) => {
                    root.draw(&Rectangle::new(
                        [(x, y - 7), (x + sample, y + 7)],
                        c.mix(0.22).filled(),
                    ))
                    .ctx()?;
                }
            }
            let style = f.color(&INK).pos(Pos::new(HPos::Left, VPos::Center));
            root.draw_text(label, &style, (x + sample + 8, y)).ctx()?;
        }
        x += entry;
    }
    Ok(y + row_h / 2 - top)
}

/// A polyline in pixels with the look's dash pattern. The pattern runs on along the whole
/// polyline (not restarting at each vertex), so that short segments still show it.
fn stroke<DB: DrawingBackend>(
    root: &Root<DB>,
    pts: &[(i32, i32)],
    look: &Look,
    width: u32,
) -> Drawn {
    if pts.len() < 2 {
        return Ok(());
    }
    let style = ShapeStyle {
        color: look.color.to_rgba(),
        filled: false,
        stroke_width: width,
    };
    let pattern = look.dash.pattern();
    if pattern.is_empty() {
        return root.draw(&PathElement::new(pts.to_vec(), style)).ctx();
    }
    for dash in dashes(pts, pattern) {
        root.draw(&PathElement::new(dash, style)).ctx()?;
    }
    Ok(())
}

/// The drawn pieces of a polyline under a dash `pattern` (lengths in pixels, alternately on
/// and off).
fn dashes(pts: &[(i32, i32)], pattern: &[i32]) -> Vec<Vec<(i32, i32)>> {
    let mut out: Vec<Vec<(i32, i32)>> = Vec::new();
    let (mut k, mut left) = (0usize, pattern[0] as f64);
    let mut current: Vec<(i32, i32)> = vec![pts[0]];
    let at = |a: (i32, i32), b: (i32, i32), t: f64| {
        (
            (a.0 as f64 + (b.0 - a.0) as f64 * t).round() as i32,
            (a.1 as f64 + (b.1 - a.1) as f64 * t).round() as i32,
        )
    };
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let len = (((b.0 - a.0) as f64).powi(2) + ((b.1 - a.1) as f64).powi(2)).sqrt();
        let mut done = 0.0;
        while len - done > left {
            done += left;
            let p = at(a, b, done / len);
            if k % 2 == 0 {
                current.push(p);
                out.push(std::mem::take(&mut current));
            } else {
                current = vec![p];
            }
            k = (k + 1) % pattern.len();
            left = pattern[k] as f64;
        }
        left -= len - done;
        if k % 2 == 0 {
            current.push(b);
        }
    }
    if k % 2 == 0 && current.len() >= 2 {
        out.push(current);
    }
    out
}

/// The look's marker centred at `c` (pixels).
fn marker<DB: DrawingBackend>(root: &Root<DB>, c: (i32, i32), look: &Look) -> Drawn {
    let col = look.color;
    let (x, y) = c;
    match look.marker {
        Marker::None => Ok(()),
        Marker::Circle => root.draw(&Circle::new(c, 6, col.filled())).ctx(),
        Marker::Square => root
            .draw(&Rectangle::new(
                [(x - 5, y - 5), (x + 5, y + 5)],
                col.filled(),
            ))
            .ctx(),
        Marker::Triangle => root
            .draw(&Polygon::new(
                vec![(x, y - 7), (x + 7, y + 5), (x - 7, y + 5)],
                col.filled(),
            ))
            .ctx(),
        Marker::Diamond => {
            root.draw(&Polygon::new(
                vec![(x, y - 8), (x + 8, y), (x, y + 8), (x - 8, y)],
                WHITE.filled(),
            ))
            .ctx()?;
            root.draw(&PathElement::new(
                vec![(x, y - 8), (x + 8, y), (x, y + 8), (x - 8, y), (x, y - 8)],
                col.stroke_width(2),
            ))
            .ctx()
        }
        Marker::Cross => {
            let s = col.stroke_width(3);
            root.draw(&PathElement::new(vec![(x - 6, y - 6), (x + 6, y + 6)], s))
                .ctx()?;
            root.draw(&PathElement::new(vec![(x - 6, y + 6), (x + 6, y - 6)], s))
                .ctx()
        }
        Marker::Plus => {
            let s = col.stroke_width(3);
            root.draw(&PathElement::new(vec![(x - 8, y), (x + 8, y)], s))
                .ctx()?;
            root.draw(&PathElement::new(vec![(x, y - 8), (x, y + 8)], s))
                .ctx()
        }
        Marker::TriangleDown => root
            .draw(&Polygon::new(
                vec![(x, y + 7), (x + 7, y - 5), (x - 7, y - 5)],
                col.filled(),
            ))
            .ctx(),
    }
}

// ---- axes --------------------------------------------------------------------------------

/// A resolved axis: range and ticks in plotting space (log2/log10 of the data for log
/// scales), the tick step (for label precision), and whether the scale stayed logarithmic.
#[derive(Clone, Debug)]
struct Resolved {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
    step: f64,
    scale: Scale,
    format: Format,
}

impl Resolved {
    fn to_plot(&self, v: f64) -> f64 {
        match self.scale {
            Scale::Linear => v,
            Scale::Log2 => v.max(f64::MIN_POSITIVE).log2(),
            Scale::Log10 => v.max(f64::MIN_POSITIVE).log10(),
        }
    }

    fn label(&self, p: f64) -> String {
        match self.scale {
            Scale::Log2 | Scale::Log10 => {
                let v = if self.scale == Scale::Log2 {
                    p.exp2()
                } else {
                    10f64.powf(p)
                };
                match self.format {
                    Format::Percent => format_pct(v, v / 10.0),
                    Format::Count | Format::Hours => format_count(v, if v < 1.0 { v } else { 1.0 }),
                }
            }
            Scale::Linear => match self.format {
                Format::Percent => format_pct(p, self.step),
                Format::Count | Format::Hours => format_count(p, self.step),
            },
        }
    }
}

/// A number with thousands separators, with as many decimals as `step` needs.
fn format_count(v: f64, step: f64) -> String {
    if step >= 1.0 || v == 0.0 {
        return thousands(v);
    }
    let d = (-step.log10()).ceil().clamp(0.0, 6.0) as usize;
    format!("{v:.d$}")
}

/// A share as a percentage, with as many decimals as `step` (a share) needs.
fn format_pct(v: f64, step: f64) -> String {
    let s = 100.0 * step;
    let d = if s >= 1.0 || s <= 0.0 {
        0
    } else {
        (-s.log10()).ceil().clamp(0.0, 4.0) as usize
    };
    format!("{:.d$} %", 100.0 * v)
}

/// 1, 2 or 5 × 10^k: the smallest such step giving at most `max_ticks` intervals.
fn nice_step(span: f64, max_ticks: usize) -> f64 {
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
fn resolve(axis: &ChartAxis, values: &[f64], max_ticks: usize) -> Resolved {
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
        Scale::Log2 => {
            let lo_v = axis
                .min
                .unwrap_or(if dmin.is_finite() { dmin } else { 1.0 });
            let hi_v = axis
                .max
                .unwrap_or(if dmax.is_finite() { dmax } else { lo_v });
            let mut lo = lo_v.log2().floor();
            let mut hi = hi_v.log2().ceil();
            if hi <= lo {
                lo -= 1.0;
                hi += 1.0;
            }
            let every = ((hi - lo) / max_ticks as f64).ceil().max(1.0);
            let ticks = (0..=((hi - lo) as i64))
                .map(|k| lo + k as f64)
                .filter(|t| ((t - lo) / every).fract() == 0.0)
                .collect();
            // A little room so that markers at the ends are not cut by the frame.
            let pad = 0.04 * (hi - lo);
            Resolved {
                lo: lo - pad,
                hi: hi + pad,
                ticks,
                step: 1.0,
                scale,
                format: axis.format,
            }
        }
        Scale::Log10 => {
            let lo_v = axis
                .min
                .unwrap_or(if dmin.is_finite() { dmin } else { 1.0 });
            let hi_v = axis
                .max
                .unwrap_or(if dmax.is_finite() { dmax } else { lo_v * 10.0 });
            let lo_d = lo_v.log10().floor() as i32;
            let hi_d = hi_v.log10().ceil() as i32;
            let mut cands = Vec::new();
            for d in lo_d..=hi_d.max(lo_d + 1) {
                for m in [1.0, 2.0, 5.0] {
                    cands.push(m * 10f64.powi(d));
                }
            }
            // The axis runs from the last 1-2-5 value ≤ min to the first ≥ max.
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
            let (lo_t, hi_t) = if hi_t <= lo_t {
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
            };
            let inside = |c: &f64| *c >= lo_t * (1.0 - 1e-9) && *c <= hi_t * (1.0 + 1e-9);
            // Ticks at 1-2-5 over up to three decades, else at powers of ten only.
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
            Resolved {
                lo: lo_t.log10(),
                hi: hi_t.log10(),
                ticks,
                step: 1.0,
                scale,
                format: axis.format,
            }
        }
        Scale::Linear => {
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
            let step = if axis.format == Format::Hours && hi - lo > 2.0 {
                [1.0, 2.0, 3.0, 4.0, 6.0, 12.0, 24.0, 48.0, 168.0]
                    .into_iter()
                    .find(|s| (hi - lo) / s <= max_ticks as f64)
                    .unwrap_or_else(|| nice_step(hi - lo, max_ticks))
            } else {
                nice_step(hi - lo, max_ticks)
            };
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
                scale,
                format: axis.format,
            }
        }
    }
}

/// A linear axis in plotting units whose ticks (and grid lines) are exactly `ticks`.
#[derive(Clone, Debug)]
struct Ticked {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ticked {
    fn new(lo: f64, hi: f64, ticks: &[f64]) -> Self {
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

type Coord2 = Cartesian2d<Ticked, Ticked>;

fn draw_xy<DB: DrawingBackend>(root: &Root<DB>, c: &XyChart) -> Drawn {
    let top = draw_title(root, &c.title, c.subtitle.as_deref())?;

    // Legend entries: lines (and their bands), then references.
    let mut entries: Vec<(String, Swatch)> = Vec::new();
    for l in &c.lines {
        let swatch = if l.line {
            Swatch::Line(l.look)
        } else {
            Swatch::Marker(l.look)
        };
        entries.push((l.label.clone(), swatch));
    }
    for r in &c.refs {
        entries.push((r.label.clone(), Swatch::Line(r.look)));
    }
    // One key for every band: each is drawn in its line's colour.
    if c.lines.iter().any(|l| !l.band.is_empty()) {
        entries.push((
            "shaded: 95 % confidence interval".into(),
            Swatch::Band(palette::GREY),
        ));
    }
    let legend_h = legend(root, &entries, top, true)?;

    // Axes from every value drawn.
    let mut xs: Vec<f64> = Vec::new();
    let mut ys: Vec<f64> = Vec::new();
    for l in &c.lines {
        for &(x, y) in &l.points {
            xs.push(x);
            ys.push(y);
        }
        for &(x, lo, hi) in &l.band {
            xs.push(x);
            ys.push(lo);
            ys.push(hi);
        }
    }
    ys.extend(c.refs.iter().map(|r| r.y));
    let mut rx = resolve(&c.x, &xs, 10);
    let mut ry = resolve(&c.y, &ys, 8);
    // A little room beyond the outer ticks, so that lines and markers at the ends of the
    // range are not drawn on the frame (log2 axes have their own).
    for r in [&mut rx, &mut ry] {
        if r.scale != Scale::Log2 {
            let pad = 0.025 * (r.hi - r.lo);
            r.lo -= pad;
            r.hi += pad;
        }
    }

    let tick_font = font(TICK_PX);
    let ylab_w = ry
        .ticks
        .iter()
        .map(|&t| text_width(root, &ry.label(t), &tick_font))
        .max()
        .unwrap_or(0);
    let plot_area = root.margin(
        (top + legend_h + 12) as u32,
        20,
        MARGIN as u32 / 2,
        MARGIN as u32,
    );
    let mut chart = ChartBuilder::on(&plot_area)
        .x_label_area_size(62)
        .y_label_area_size(ylab_w + 14 + DESC_PX + 16)
        .build_cartesian_2d(
            Ticked::new(rx.lo, rx.hi, &rx.ticks),
            Ticked::new(ry.lo, ry.hi, &ry.ticks),
        )
        .ctx()?;
    let fx = |v: &f64| rx.label(*v);
    let fy = |v: &f64| ry.label(*v);
    chart
        .configure_mesh()
        .x_desc(c.x.label.as_str())
        .y_desc(c.y.label.as_str())
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .x_label_style(tick_font.clone().color(&INK))
        .y_label_style(tick_font.clone().color(&INK))
        .axis_desc_style(font(DESC_PX).color(&BLACK))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(palette::GREY)
        .draw()
        .ctx()?;

    let px = |chart: &ChartContext<DB, Coord2>, x: f64, y: f64| {
        chart.backend_coord(&(rx.to_plot(x), ry.to_plot(y)))
    };

    // Bands first, then references, then lines and markers on top.
    for l in &c.lines {
        if l.band.len() >= 2 {
            let mut poly: Vec<(i32, i32)> =
                l.band.iter().map(|&(x, _, hi)| px(&chart, x, hi)).collect();
            poly.extend(l.band.iter().rev().map(|&(x, lo, _)| px(&chart, x, lo)));
            root.draw(&Polygon::new(poly, l.look.color.mix(0.22).filled()))
                .ctx()?;
        } else if let [(x, lo, hi)] = l.band[..] {
            let (a, b) = (px(&chart, x, lo), px(&chart, x, hi));
            root.draw(&Rectangle::new(
                [(a.0 - 6, b.1), (a.0 + 6, a.1)],
                l.look.color.mix(0.22).filled(),
            ))
            .ctx()?;
        }
    }
    let (x_lo, x_hi) = (rx.lo, rx.hi);
    let n_refs = c.refs.len().max(1) as f64;
    for (j, r) in c.refs.iter().enumerate() {
        let y = ry.to_plot(r.y);
        let a = chart.backend_coord(&(x_lo, y));
        let b = chart.backend_coord(&(x_hi, y));
        stroke(root, &[a, b], &r.look, 3)?;
        // Markers along the line so that the reference matches its legend entry; each
        // reference's markers a little further along, so that references at the same value
        // still show every marker.
        if r.look.marker != Marker::None {
            for k in 0..4 {
                let x = x_lo + (x_hi - x_lo) * (k as f64 + (j as f64 + 0.5) / n_refs) / 4.0;
                marker(root, chart.backend_coord(&(x, y)), &r.look)?;
            }
        }
    }
    for l in &c.lines {
        let pts: Vec<(i32, i32)> = l.points.iter().map(|&(x, y)| px(&chart, x, y)).collect();
        if l.line {
            stroke(root, &pts, &l.look, 3)?;
        }
        // Every point when there are few; otherwise about a dozen, evenly spaced.
        let every = (pts.len() / 12).max(1);
        for (i, p) in pts.iter().enumerate() {
            if i % every == 0 || pts.len() <= 24 {
                marker(root, *p, &l.look)?;
            }
        }
    }
    Ok(())
}

// ---- the day in the life -------------------------------------------------------------------

/// `HH:MM` of `minute` after midnight. A tick at the midnight ending the first day reads
/// `24:00` when it is the last tick.
fn clock(minute: u32, last_tick: bool) -> String {
    let (d, m) = (minute / 1440, minute % 1440);
    if last_tick && d == 1 && m == 0 {
        return "24:00".into();
    }
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// A tick label on the time axis, `offset` minutes into a window opening `start` minutes
/// after midnight. On an axis longer than a day the ticks at whole days from the window's
/// start read `day N` (the days of `daily.csv`), the one at its end `end` (`at_end`: less
/// than an hour of axis, calls draining after the window, follows it), the others `HH:MM`;
/// on a shorter axis every tick is `HH:MM`.
fn time_tick(start: u32, offset: u32, last_tick: bool, at_end: bool, long_axis: bool) -> String {
    if !long_axis {
        return clock(start + offset, last_tick);
    }
    if offset.is_multiple_of(1440) {
        if at_end && offset > 0 {
            "end".into()
        } else {
            format!("day {}", offset / 1440)
        }
    } else {
        clock((start + offset) % 1440, false)
    }
}

/// When `offset` minutes into the window falls, for captions: `at 07:30`, or on an axis
/// longer than a day `day 2, 07:30` (days from the window's start, as on the axis).
fn time_at(start: u32, offset: u32, long_axis: bool) -> String {
    let t = clock((start + offset) % 1440, false);
    if long_axis {
        format!("day {}, {t}", offset / 1440)
    } else {
        format!("at {t}")
    }
}

/// Tick step in minutes for an axis `span` minutes long with room for `max_ticks` labels,
/// aligned to the clock.
fn time_step(span: usize, max_ticks: usize) -> usize {
    const STEPS: [usize; 12] = [1, 5, 10, 15, 30, 60, 120, 180, 240, 360, 720, 1440];
    for s in STEPS {
        if span / s <= max_ticks {
            return s;
        }
    }
    1440 * span.div_ceil(1440 * max_ticks).max(1)
}

/// Per-bin `(first minute, lowest, mean, highest)` of a per-minute series, `bin` minutes per
/// bin, over `minutes` minutes (missing minutes count as zero).
fn bins(series: &[f64], minutes: usize, bin: usize) -> Vec<(usize, f64, f64, f64)> {
    (0..minutes.div_ceil(bin))
        .map(|k| {
            let (a, b) = (k * bin, ((k + 1) * bin).min(minutes));
            let vals = (a..b).map(|m| series.get(m).copied().unwrap_or(0.0));
            let (mut lo, mut hi, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
            for v in vals {
                lo = lo.min(v);
                hi = hi.max(v);
                sum += v;
            }
            (a, lo, sum / (b - a) as f64, hi)
        })
        .collect()
}

/// A dense polyline as separate segments: a thick polyline with sharp turns gets miter
/// spikes in the bitmap backend, separate segments do not.
fn stroke_segments<DB: DrawingBackend>(
    root: &Root<DB>,
    pts: &[(i32, i32)],
    color: RGBColor,
    width: u32,
) -> Drawn {
    for w in pts.windows(2) {
        root.draw(&PathElement::new(
            vec![w[0], w[1]],
            color.stroke_width(width),
        ))
        .ctx()?;
    }
    Ok(())
}

const DAY_IN_FLIGHT: RGBColor = palette::BLUE;
const DAY_429: RGBColor = palette::VERMILLION;
const PEAK: Look = Look::new(BLACK, Dash::Solid, Marker::Triangle);

fn draw_day<DB: DrawingBackend>(root: &Root<DB>, d: &DayChart) -> Drawn {
    let (w, h) = root.dim_in_pixel();
    let top = draw_title(root, &d.title, d.subtitle.as_deref())?;
    let rows = d.rows.len().max(1);
    let minutes = d.minutes.max(1);
    let long_axis = minutes > 1440;
    let start = d.start_minute_of_day;
    let tick_font = font(TICK_PX - 1);

    // Resolve each panel's y axis first so that a column's label areas share one width and
    // the time axes line up across rows.
    let mut ys: Vec<[Resolved; 2]> = Vec::new();
    for r in &d.rows {
        let axis = ChartAxis::new("", Scale::Linear, Format::Count).range(Some(0.0), None);
        let mut p = [
            resolve(&axis, &r.in_flight, 3),
            resolve(&axis, &r.rate_limited, 3),
        ];
        // Headroom above the top tick for the busiest-minute marker.
        for q in &mut p {
            q.hi += 0.08 * (q.hi - q.lo);
        }
        ys.push(p);
    }
    let label_w = |col: usize| -> u32 {
        ys.iter()
            .flat_map(|p| p[col].ticks.iter().map(move |&t| p[col].label(t)))
            .map(|l| text_width(root, &l, &tick_font))
            .max()
            .unwrap_or(0)
    };
    let ylab_area = [
        label_w(0) + 12 + TICK_PX + 12,
        label_w(1) + 12 + TICK_PX + 12,
    ];
    let col_w = (w as i32 - MARGIN) / 2;
    let plot_w = (col_w - 10 - ylab_area[0].max(ylab_area[1]) as i32 - 16).max(50) as usize;
    // About two pixels per bin: one point per minute would be noise at this width.
    let raw = minutes.div_ceil((plot_w / 2).max(1)).max(1);
    let bin = [1, 2, 3, 5, 10, 15, 20, 30, 60, 120, 180, 360, 720, 1440]
        .into_iter()
        .find(|&b| b >= raw)
        .unwrap_or(raw);

    let what = if bin > 1 {
        format!(", mean of each {bin} minutes")
    } else {
        String::new()
    };
    let mut entries = vec![
        (
            if bin > 1 {
                format!("calls in flight at the bank{what}")
            } else {
                "calls in flight at the bank, each minute's mean".to_string()
            },
            Swatch::Line(Look::new(DAY_IN_FLIGHT, Dash::Solid, Marker::None)),
        ),
        (
            format!("429 responses per minute{what}"),
            Swatch::Line(Look::new(DAY_429, Dash::Solid, Marker::None)),
        ),
    ];
    if bin > 1 {
        entries.push((
            format!("shaded: lowest to highest single minute of each {bin}"),
            Swatch::Band(palette::GREY),
        ));
    }
    entries.push(("busiest minute".to_string(), Swatch::Marker(PEAK)));
    let legend_h = legend(root, &entries, top, true)?;

    // Shared time axis, padded a little so a spike in the first minute stands clear of the
    // frame.
    let pad = (minutes as f64 * 0.012).max(0.5);
    let (x_lo, x_hi) = (-pad, minutes as f64 + pad);
    let step = time_step(minutes, (plot_w / 70).max(2));
    let xticks: Vec<f64> = (0..=minutes / step).map(|k| (k * step) as f64).collect();
    let last_tick = xticks.last().copied().unwrap_or(0.0);
    let x_desc = if long_axis && step.is_multiple_of(1440) {
        format!(
            "days from the window's start ({})",
            clock(start % 1440, false)
        )
    } else if long_axis {
        format!(
            "days from the window's start ({}), time of day",
            clock(start % 1440, false)
        )
    } else {
        "time of day (HH:MM)".to_string()
    };

    // Captions: which run, and its busiest minute; one font size for all of them. A minute's
    // calls in flight is a time-average (not the instantaneous peak in flight of
    // summary.csv), so it is called a mean; 429s are counted per minute.
    let captions: Vec<[(String, usize, f64); 2]> = d
        .rows
        .iter()
        .map(|r| {
            [(&r.in_flight, true), (&r.rate_limited, false)].map(|(series, mean)| {
                let (m, v) = series
                    .iter()
                    .enumerate()
                    .fold(
                        (0usize, 0f64),
                        |acc, (m, &v)| if v > acc.1 { (m, v) } else { acc },
                    );
                // The row's name leads the left caption; the right one is the same row's.
                let when = time_at(start, m as u32, long_axis);
                let text = match (v > 0.0, mean) {
                    (false, true) => format!("{}: no calls", r.label),
                    (false, false) => "no 429s".to_string(),
                    (true, true) => format!(
                        "{}: busiest minute's mean {} ({when})",
                        r.label,
                        format_count(v, if v < 10.0 { 0.1 } else { 1.0 }),
                    ),
                    (true, false) => {
                        format!("most 429s in one minute: {} ({when})", thousands(v))
                    }
                };
                (text, m, v)
            })
        })
        .collect();
    let cap_font = captions
        .iter()
        .flat_map(|c| c.iter().enumerate())
        .map(|(_, (text, _, _))| fit(root, text, TICK_PX, (col_w - 24).max(40) as u32, false))
        .min_by(|a, b| a.get_size().total_cmp(&b.get_size()))
        .unwrap_or_else(|| font(TICK_PX));

    let header = top + legend_h + 4;
    let x_axis_h = 56;
    let caption_h = TICK_PX as i32 + 12;
    let gap = 14;
    let row_h = (h as i32 - header - x_axis_h - 8) / rows as i32;

    for (i, r) in d.rows.iter().enumerate() {
        let last = i + 1 == d.rows.len();
        let y0 = header + i as i32 * row_h;
        let y1 = if last { h as i32 - 8 } else { y0 + row_h };
        for col in 0..2 {
            let x0 = MARGIN / 2 + col as i32 * col_w;
            let area = root
                .clone()
                .shrink((x0, y0), ((col_w - 10) as u32, (y1 - y0) as u32));
            let series = if col == 0 {
                &r.in_flight
            } else {
                &r.rate_limited
            };
            let ry = &ys[i][col];
            let (caption, peak_m, peak) = &captions[i][col];
            let (peak_m, peak) = (*peak_m, *peak);
            area.draw_text(
                caption,
                &cap_font.color(&BLACK).pos(Pos::new(HPos::Left, VPos::Top)),
                (4, 4),
            )
            .ctx()?;

            let mut chart = ChartBuilder::on(&area)
                .margin_top(caption_h as u32)
                .margin_right(16)
                .x_label_area_size(if last { x_axis_h as u32 } else { gap as u32 })
                .y_label_area_size(ylab_area[col])
                .build_cartesian_2d(
                    Ticked::new(x_lo, x_hi, &xticks),
                    Ticked::new(ry.lo, ry.hi, &ry.ticks),
                )
                .ctx()?;
            let fx = |v: &f64| {
                if last {
                    let at_end = minutes.saturating_sub(*v as usize) < 60;
                    time_tick(start, *v as u32, *v == last_tick, at_end, long_axis)
                } else {
                    String::new()
                }
            };
            let fy = |v: &f64| ry.label(*v);
            let mut mesh = chart.configure_mesh();
            mesh.x_label_formatter(&fx)
                .y_label_formatter(&fy)
                .y_desc(if col == 0 {
                    "calls in flight"
                } else {
                    "429s per minute"
                })
                .x_label_style(tick_font.clone().color(&INK))
                .y_label_style(tick_font.clone().color(&INK))
                .axis_desc_style(font(TICK_PX).color(&BLACK))
                .bold_line_style(GRID)
                .light_line_style(TRANSPARENT)
                .axis_style(palette::GREY);
            if last {
                mesh.x_desc(x_desc.as_str());
            }
            mesh.draw().ctx()?;

            let color = if col == 0 { DAY_IN_FLIGHT } else { DAY_429 };
            let b = bins(series, minutes, bin);
            let mid = |a: usize| a as f64 + bin.min(minutes - a) as f64 / 2.0;
            if bin > 1 {
                let mut poly: Vec<(i32, i32)> = b
                    .iter()
                    .map(|&(a, _, _, hi)| chart.backend_coord(&(mid(a), hi)))
                    .collect();
                poly.extend(
                    b.iter()
                        .rev()
                        .map(|&(a, lo, _, _)| chart.backend_coord(&(mid(a), lo))),
                );
                root.draw(&Polygon::new(poly, color.mix(0.25).filled()))
                    .ctx()?;
            }
            let pts: Vec<(i32, i32)> = b
                .iter()
                .map(|&(a, _, mean, _)| chart.backend_coord(&(mid(a), mean)))
                .collect();
            stroke_segments(root, &pts, color, 2)?;
            if peak > 0.0 {
                let c = chart.backend_coord(&(peak_m as f64 + 0.5, peak));
                marker(root, c, &PEAK)?;
            }
        }
    }
    Ok(())
}
