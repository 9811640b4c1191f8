//! Drawing a [`DayChart`](super::DayChart): per-minute small multiples with a clock axis.

use super::axis::{format_count, resolve, Coord2, Resolved, Ticked};
use super::canvas::{
    draw_title, fit, font, legend, marker, text_width, Root, Swatch, GRID, INK, MARGIN, TICK_PX,
};
use super::look::{palette, Dash, Look, Marker};
use super::time_axis::{time_at, TimeAxis};
use super::{ChartAxis, Ctx, DayChart, DayRow, Drawn, Format, Scale};
use crate::output::text::thousands;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Per-bin `(first minute, lowest, mean, highest)` of a per-minute series, `bin` minutes per
/// bin, over `minutes` minutes (missing minutes count as zero).
pub(super) fn bins(series: &[f64], minutes: usize, bin: usize) -> Vec<(usize, f64, f64, f64)> {
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
pub(super) fn stroke_segments<DB: DrawingBackend>(
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

pub(super) const DAY_IN_FLIGHT: RGBColor = palette::BLUE;
pub(super) const DAY_429: RGBColor = palette::VERMILLION;
pub(super) const PEAK: Look = Look::new(BLACK, Dash::Solid, Marker::Triangle);

/// Height of the time axis under the last row, in pixels.
const X_AXIS_H: i32 = 56;
/// Room above each panel's plot for its caption, in pixels.
const CAPTION_H: i32 = TICK_PX as i32 + 12;
/// Space between a row's plots and the next row, in pixels.
const GAP: i32 = 14;

/// A panel's caption, and the busiest minute it names: `(text, minute, value)`.
type Caption = (String, usize, f64);

pub(super) fn draw_day<DB: DrawingBackend>(root: &Root<DB>, d: &DayChart) -> Drawn {
    let (w, h) = root.dim_in_pixel();
    let top = draw_title(root, &d.title, d.subtitle.as_deref())?;
    let rows = d.rows.len().max(1);
    let minutes = d.minutes.max(1);
    let tick_font = font(TICK_PX - 1);

    let ys = panel_axes(d);
    let ylab_area = [
        label_width(root, &ys, 0, &tick_font) + 12 + TICK_PX + 12,
        label_width(root, &ys, 1, &tick_font) + 12 + TICK_PX + 12,
    ];
    let col_w = (w as i32 - MARGIN) / 2;
    let plot_w = (col_w - 10 - ylab_area[0].max(ylab_area[1]) as i32 - 16).max(50) as usize;
    let bin = bin_minutes(minutes, plot_w);
    let legend_h = legend(root, &legend_entries(bin), top, true)?;
    let time = TimeAxis::new(d.start_minute_of_day, minutes, plot_w);
    let captions: Vec<[Caption; 2]> = d
        .rows
        .iter()
        .map(|r| row_captions(r, time.start, time.long_axis))
        .collect();
    let cap_font = caption_font(root, &captions, col_w);

    let header = top + legend_h + 4;
    let row_h = (h as i32 - header - X_AXIS_H - 8) / rows as i32;
    let panels = Panels {
        ys,
        ylab_area,
        col_w,
        bin,
        time,
        captions,
        cap_font,
        tick_font,
    };
    for (i, r) in d.rows.iter().enumerate() {
        let last = i + 1 == d.rows.len();
        let y0 = header + i as i32 * row_h;
        let y1 = if last { h as i32 - 8 } else { y0 + row_h };
        for col in 0..2 {
            panels.draw(root, r, i, col, (y0, y1), last)?;
        }
    }
    Ok(())
}

/// Each row's two y axes, resolved before anything is drawn so that a column's label areas
/// share one width and the time axes line up across rows.
fn panel_axes(d: &DayChart) -> Vec<[Resolved; 2]> {
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
    ys
}

/// The widest tick label of column `col` over every row, in pixels.
fn label_width<DB: DrawingBackend>(
    root: &Root<DB>,
    ys: &[[Resolved; 2]],
    col: usize,
    tick_font: &FontDesc,
) -> u32 {
    ys.iter()
        .flat_map(|p| p[col].ticks.iter().map(move |&t| p[col].label(t)))
        .map(|l| text_width(root, &l, tick_font))
        .max()
        .unwrap_or(0)
}

/// Minutes per plotted bin: about two pixels per bin, since one point per minute would be
/// noise at a plot `plot_w` pixels wide.
fn bin_minutes(minutes: usize, plot_w: usize) -> usize {
    let raw = minutes.div_ceil((plot_w / 2).max(1)).max(1);
    [1, 2, 3, 5, 10, 15, 20, 30, 60, 120, 180, 360, 720, 1440]
        .into_iter()
        .find(|&b| b >= raw)
        .unwrap_or(raw)
}

/// The legend: both series (saying how they are binned), the shading when bins hold several
/// minutes, and the busiest-minute marker.
fn legend_entries(bin: usize) -> Vec<(String, Swatch)> {
    let what = if bin > 1 {
        format!(", mean of each {bin} minutes")
    } else {
        String::new()
    };
    let mut entries = vec![
        (
            if bin > 1 {
                format!("refreshes in flight at the bank{what}")
            } else {
                "refreshes in flight at the bank, each minute's mean".to_string()
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
    entries
}

/// A row's two captions: which run, and its busiest minute. A minute's calls in flight is a
/// time-average (not the instantaneous peak in flight of summary.csv), so it is called a
/// mean; 429s are counted per minute.
fn row_captions(r: &DayRow, start: u32, long_axis: bool) -> [Caption; 2] {
    [(&r.in_flight, true), (&r.rate_limited, false)].map(|(series, mean)| {
        // The 429s' peak is the measured days', as the report's sentence counts it (a trial's
        // chart read 18 in the warm-up beside the text's 15); calls in flight the window's.
        let within = r.measured.start.min(series.len())..r.measured.end.min(series.len());
        let part = !mean && !within.is_empty() && within != (0..series.len());
        let span = if part { within } else { 0..series.len() };
        let (m, v) = (series.iter().enumerate())
            .skip(span.start)
            .take(span.len())
            .fold(
                (span.start, 0f64),
                |acc, (m, &v)| if v > acc.1 { (m, v) } else { acc },
            );
        // The row's name leads the left caption; the right one is the same row's.
        let warmup = match m < r.measured.start.min(series.len()) {
            true => ", warm-up",
            false => "",
        };
        let when = format!("{}{warmup}", time_at(start, m as u32, long_axis));
        // A closed bank's 503s are not drawn, but said where no 429 is.
        let closed = match r.outage_503s {
            0 => String::new(),
            n => format!(" ({} maintenance 503s, not drawn)", thousands(n as f64)),
        };
        let text = match (v > 0.0, mean) {
            (false, true) => format!("{}: none in flight", r.label),
            (false, false) if part && series.iter().any(|&x| x > 0.0) => {
                format!("no 429s in the measured days{closed}")
            }
            (false, false) => format!("no 429s{closed}"),
            (true, true) => format!(
                "{}: busiest minute's mean {} ({when})",
                r.label,
                format_count(v, if v < 10.0 { 0.1 } else { 1.0 }),
            ),
            (true, false) => {
                let of = if part { " of the measured days" } else { "" };
                format!("most 429s in one minute{of}: {} ({when})", thousands(v))
            }
        };
        (text, m, v)
    })
}

/// One font size for every caption: the largest at which each fits its column.
fn caption_font<DB: DrawingBackend>(
    root: &Root<DB>,
    captions: &[[Caption; 2]],
    col_w: i32,
) -> FontDesc<'static> {
    captions
        .iter()
        .flat_map(|c| c.iter().enumerate())
        .map(|(_, (text, _, _))| fit(root, text, TICK_PX, (col_w - 24).max(40) as u32, false))
        .min_by(|a, b| a.get_size().total_cmp(&b.get_size()))
        .unwrap_or_else(|| font(TICK_PX))
}

/// What every panel shares: the y axes, their label areas, the column width, the binning,
/// the time axis, the captions and the fonts.
struct Panels {
    ys: Vec<[Resolved; 2]>,
    ylab_area: [u32; 2],
    col_w: i32,
    bin: usize,
    time: TimeAxis,
    captions: Vec<[Caption; 2]>,
    cap_font: FontDesc<'static>,
    tick_font: FontDesc<'static>,
}

impl Panels {
    /// Row `i`'s panel in column `col` (0: calls in flight, 1: 429s), between `y0` and `y1`;
    /// only the `last` row shows the time axis.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &Root<DB>,
        r: &DayRow,
        i: usize,
        col: usize,
        (y0, y1): (i32, i32),
        last: bool,
    ) -> Drawn {
        let x0 = MARGIN / 2 + col as i32 * self.col_w;
        let area = root
            .clone()
            .shrink((x0, y0), ((self.col_w - 10) as u32, (y1 - y0) as u32));
        let ry = &self.ys[i][col];
        let (caption, peak_m, peak) = &self.captions[i][col];
        area.draw_text(
            caption,
            &self
                .cap_font
                .color(&BLACK)
                .pos(Pos::new(HPos::Left, VPos::Top)),
            (4, 4),
        )
        .ctx()?;

        let mut chart = ChartBuilder::on(&area)
            .margin_top(CAPTION_H as u32)
            .margin_right(16)
            .x_label_area_size(if last { X_AXIS_H as u32 } else { GAP as u32 })
            .y_label_area_size(self.ylab_area[col])
            .build_cartesian_2d(
                Ticked::new(self.time.lo, self.time.hi, &self.time.ticks),
                Ticked::new(ry.lo, ry.hi, &ry.ticks),
            )
            .ctx()?;
        self.draw_mesh(&mut chart, ry, col, last)?;
        if col == 0 {
            self.draw_series(root, &chart, &r.in_flight, DAY_IN_FLIGHT, (*peak_m, *peak))
        } else {
            self.draw_series(root, &chart, &r.rate_limited, DAY_429, (*peak_m, *peak))
        }
    }

    /// A panel's grid, tick labels and axis descriptions (the time axis's on the `last` row
    /// only).
    fn draw_mesh<DB: DrawingBackend>(
        &self,
        chart: &mut ChartContext<DB, Coord2>,
        ry: &Resolved,
        col: usize,
        last: bool,
    ) -> Drawn {
        let fx = |v: &f64| {
            if last {
                self.time.label(*v)
            } else {
                String::new()
            }
        };
        let fy = |v: &f64| ry.label(*v);
        let mut mesh = chart.configure_mesh();
        mesh.x_label_formatter(&fx)
            .y_label_formatter(&fy)
            .y_desc(if col == 0 {
                "in flight"
            } else {
                // Short: a panel's rotated label longer than its height met the title above.
                "429s/min"
            })
            .x_label_style(self.tick_font.clone().color(&INK))
            .y_label_style(self.tick_font.clone().color(&INK))
            .axis_desc_style(font(TICK_PX).color(&BLACK))
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(palette::GREY);
        if last {
            mesh.x_desc(self.time.desc.as_str());
        }
        mesh.draw().ctx()
    }

    /// A panel's series: the shaded range of each bin (when bins hold several minutes), the
    /// line of bin means, and the busiest minute's marker.
    fn draw_series<DB: DrawingBackend>(
        &self,
        root: &Root<DB>,
        chart: &ChartContext<DB, Coord2>,
        series: &[f64],
        color: RGBColor,
        (peak_m, peak): (usize, f64),
    ) -> Drawn {
        let (minutes, bin) = (self.time.minutes, self.bin);
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
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The most 429s in one minute are the measured days', as the report's sentences count
    /// them (a trial read "129 (day 0, 00:00)" on the chart beside "105 (on day 1 at 03:01)"
    /// in the text); the busiest minute in flight is the window's, and says so when it falls
    /// in the warm-up.
    #[test]
    fn the_busiest_minutes_say_the_warm_up() {
        let row = |peak: usize| {
            let mut rate_limited = vec![1.0; 2 * 1440];
            rate_limited[peak] = 9.0;
            rate_limited[2 * 1440 - 1] = 2.0;
            DayRow {
                label: "queued".into(),
                in_flight: rate_limited.clone(),
                rate_limited,
                measured: 1440..2 * 1440,
                outage_503s: 0,
            }
        };
        let [(text, m, v), _] = row_captions(&row(60), 0, true);
        assert_eq!(
            (text.as_str(), m, v),
            (
                "queued: busiest minute's mean 9.0 (day 0, 01:00, warm-up)",
                60,
                9.0
            )
        );
        let [_, (text, m, v)] = row_captions(&row(60), 0, true);
        assert_eq!(
            (text.as_str(), m, v),
            (
                "most 429s in one minute of the measured days: 2 (day 1, 23:59)",
                2879,
                2.0
            )
        );
        let [_, (text, _, _)] = row_captions(&row(1440 + 60), 0, true);
        assert_eq!(
            text,
            "most 429s in one minute of the measured days: 9 (day 1, 01:00)"
        );
        // A last day cut short is not measured either; a series of the window alone (no
        // day known, or every day measured) reads the whole.
        let mut cut = row(1440 + 60);
        cut.measured = 0..1440;
        let [_, (text, m, _)] = row_captions(&cut, 0, true);
        let want = "most 429s in one minute of the measured days: 1 (day 0, 00:00)";
        assert_eq!((text.as_str(), m), (want, 0));
        cut.measured = 0..usize::MAX;
        let [_, (text, _, _)] = row_captions(&cut, 0, true);
        assert_eq!(text, "most 429s in one minute: 9 (day 1, 01:00)");
        cut.rate_limited = vec![0.0; 2 * 1440];
        cut.rate_limited[10] = 3.0;
        cut.measured = 1440..2 * 1440;
        let [_, (text, _, _)] = row_captions(&cut, 0, true);
        assert_eq!(text, "no 429s in the measured days");
        // None at all: not "in the measured days" (a bank without a 429 read so).
        cut.rate_limited = vec![0.0; 2 * 1440];
        let [_, (text, _, _)] = row_captions(&cut, 0, true);
        assert_eq!(text, "no 429s");
        // A closed bank's 503s, not drawn, are said (a trial read "no 429s" beside 455,589).
        cut.outage_503s = 455_589;
        let [_, (text, _, _)] = row_captions(&cut, 0, true);
        assert_eq!(text, "no 429s (455,589 maintenance 503s, not drawn)");
    }
}
