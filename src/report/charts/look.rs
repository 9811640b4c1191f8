//! The looks of series: the Okabe–Ito palette, dash patterns and markers, and the series
//! cycle.

use plotters::prelude::*;

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
    pub(super) fn pattern(self) -> &'static [i32] {
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
