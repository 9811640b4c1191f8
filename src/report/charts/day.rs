//! Drawing a [`DayChart`](super::DayChart): per-minute small multiples with a clock axis.

use super::axis::{format_count, resolve, Resolved, Ticked};
use super::canvas::{
    draw_title, fit, font, legend, marker, text_width, Root, Swatch, GRID, INK, MARGIN, TICK_PX,
};
use super::look::{palette, Dash, Look, Marker};
use super::{ChartAxis, Ctx, DayChart, Drawn, Format, Scale};
use crate::output::text::thousands;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// `HH:MM` of `minute` after midnight. A tick at the midnight ending the first day reads
/// `24:00` when it is the last tick.
pub(super) fn clock(minute: u32, last_tick: bool) -> String {
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
pub(super) fn time_tick(
    start: u32,
    offset: u32,
    last_tick: bool,
    at_end: bool,
    long_axis: bool,
) -> String {
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
pub(super) fn time_at(start: u32, offset: u32, long_axis: bool) -> String {
    let t = clock((start + offset) % 1440, false);
    if long_axis {
        format!("day {}, {t}", offset / 1440)
    } else {
        format!("at {t}")
    }
}

/// Tick step in minutes for an axis `span` minutes long with room for `max_ticks` labels,
/// aligned to the clock.
pub(super) fn time_step(span: usize, max_ticks: usize) -> usize {
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

pub(super) fn draw_day<DB: DrawingBackend>(root: &Root<DB>, d: &DayChart) -> Drawn {
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
