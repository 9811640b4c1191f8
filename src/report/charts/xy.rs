//! Drawing an [`XyChart`](super::XyChart): curves, bands and references against an axis.

use super::axis::{resolve, Coord2, Resolved, Ticked};
use super::canvas::{
    draw_title, font, legend, marker, stroke, text_width, whisker, wrap, Root, Swatch, DESC_PX,
    GRID, INK, MARGIN, TICK_PX,
};
use super::look::{palette, Marker};
use super::{Ctx, Drawn, Line, RefLine, Scale, XyChart};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub(super) fn draw_xy<DB: DrawingBackend>(root: &Root<DB>, c: &XyChart) -> Drawn {
    let top = draw_title(root, &c.title, c.subtitle.as_deref())?;
    let legend_h = legend(root, &legend_entries(c), top, true)?;
    let (rx, ry) = axes(c);
    let plot = Plot::new(root, c, rx, ry, top + legend_h)?;
    // Bands first, then references, then error bars, then lines and markers on top.
    plot.draw_bands(root, &c.lines)?;
    plot.draw_refs(root, &c.refs)?;
    plot.draw_bars(root, &c.lines)?;
    plot.draw_lines(root, &c.lines)
}

/// Legend entries: lines (and their bands), then references.
fn legend_entries(c: &XyChart) -> Vec<(String, Swatch)> {
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
    // One key for every band (and one for every error bar): each is drawn in its line's
    // colour.
    if c.lines.iter().any(|l| !l.band.is_empty() && !l.bars) {
        entries.push((
            "shaded: 95 % confidence interval".into(),
            Swatch::Band(palette::GREY),
        ));
    }
    if c.lines.iter().any(|l| !l.band.is_empty() && l.bars) {
        entries.push((
            "whiskers: 95 % confidence interval".into(),
            Swatch::Whisker(palette::GREY),
        ));
    }
    entries
}

/// The x and y axes, resolved from every value drawn.
fn axes(c: &XyChart) -> (Resolved, Resolved) {
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
        if r.scale != Scale::Log2 && r.categories.is_empty() {
            let pad = 0.025 * (r.hi - r.lo);
            r.lo -= pad;
            r.hi += pad;
        }
    }
    (rx, ry)
}

/// The plot under the legend: its chart (to place data in pixels) and the axes that map
/// data onto it.
struct Plot<'a, DB: DrawingBackend> {
    chart: ChartContext<'a, DB, Coord2>,
    rx: Resolved,
    ry: Resolved,
}

impl<DB: DrawingBackend> Plot<'_, DB> {
    /// Lays the plot out below `top` (pixels) and draws its grid, tick labels and axis
    /// descriptions.
    fn new(
        root: &Root<DB>,
        c: &XyChart,
        rx: Resolved,
        ry: Resolved,
        top: i32,
    ) -> std::result::Result<Self, String> {
        let tick_font = font(TICK_PX);
        let ylab_w = ry
            .ticks
            .iter()
            .map(|&t| text_width(root, &ry.label(t), &tick_font))
            .max()
            .unwrap_or(0);
        let ylab_area = ylab_w + 14 + DESC_PX + 16;
        let (w, _) = root.dim_in_pixel();
        let plot_w = w.saturating_sub(20 + MARGIN as u32 + ylab_area);
        let categories = CategoryLabels::of(root, &rx, plot_w);
        let plot_area = root.margin((top + 12) as u32, 20, MARGIN as u32 / 2, MARGIN as u32);
        let mut chart = ChartBuilder::on(&plot_area)
            .x_label_area_size(62 + categories.extra_height())
            .y_label_area_size(ylab_area)
            .build_cartesian_2d(
                Ticked::new(rx.lo, rx.hi, &rx.ticks),
                Ticked::new(ry.lo, ry.hi, &ry.ticks),
            )
            .ctx()?;
        // Category names are drawn below, wrapped to their slots.
        let fx = |v: &f64| match categories.lines.is_empty() {
            true => rx.label(*v),
            false => String::new(),
        };
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
        let plot = Plot { chart, rx, ry };
        categories.draw(root, &plot)?;
        Ok(plot)
    }

    /// The point `(x, y)` (data units) in pixels.
    fn px(&self, x: f64, y: f64) -> (i32, i32) {
        self.chart
            .backend_coord(&(self.rx.to_plot(x), self.ry.to_plot(y)))
    }

    /// The lines' bands: a shaded polygon, or a bar for a band at a single x (not the bands
    /// drawn as error bars).
    fn draw_bands(&self, root: &Root<DB>, lines: &[Line]) -> Drawn {
        for l in lines.iter().filter(|l| !l.bars) {
            if l.band.len() >= 2 {
                let mut poly: Vec<(i32, i32)> =
                    l.band.iter().map(|&(x, _, hi)| self.px(x, hi)).collect();
                poly.extend(l.band.iter().rev().map(|&(x, lo, _)| self.px(x, lo)));
                root.draw(&Polygon::new(poly, l.look.color.mix(0.22).filled()))
                    .ctx()?;
            } else if let [(x, lo, hi)] = l.band[..] {
                let (a, b) = (self.px(x, lo), self.px(x, hi));
                root.draw(&Rectangle::new(
                    [(a.0 - 6, b.1), (a.0 + 6, a.1)],
                    l.look.color.mix(0.22).filled(),
                ))
                .ctx()?;
            }
        }
        Ok(())
    }

    /// The reference lines across the whole plot, with their markers.
    fn draw_refs(&self, root: &Root<DB>, refs: &[RefLine]) -> Drawn {
        let (x_lo, x_hi) = (self.rx.lo, self.rx.hi);
        let n_refs = refs.len().max(1) as f64;
        for (j, r) in refs.iter().enumerate() {
            let y = self.ry.to_plot(r.y);
            let a = self.chart.backend_coord(&(x_lo, y));
            let b = self.chart.backend_coord(&(x_hi, y));
            stroke(root, &[a, b], &r.look, 3)?;
            // Markers along the line so that the reference matches its legend entry; each
            // reference's markers a little further along, so that references at the same
            // value still show every marker.
            if r.look.marker != Marker::None {
                for k in 0..4 {
                    let x = x_lo + (x_hi - x_lo) * (k as f64 + (j as f64 + 0.5) / n_refs) / 4.0;
                    marker(root, self.chart.backend_coord(&(x, y)), &r.look)?;
                }
            }
        }
        Ok(())
    }

    /// The error bars of the lines whose bands are drawn as bars, in the lines' colours.
    fn draw_bars(&self, root: &Root<DB>, lines: &[Line]) -> Drawn {
        for l in lines.iter().filter(|l| l.bars) {
            for &(x, lo, hi) in &l.band {
                let (a, b) = (self.px(x, lo), self.px(x, hi));
                whisker(root, a.0, (a.1, b.1), l.look.color)?;
            }
        }
        Ok(())
    }

    /// The lines (unless a series is markers only) and their markers.
    /// Draws the lines in order, those in `front` last.
    fn draw_lines(&self, root: &Root<DB>, lines: &[Line]) -> Drawn {
        let (front, back): (Vec<&Line>, Vec<&Line>) = lines.iter().partition(|l| l.front);
        for l in back.into_iter().chain(front) {
            let pts: Vec<(i32, i32)> = l.points.iter().map(|&(x, y)| self.px(x, y)).collect();
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
}

/// The names of a categorical x axis, wrapped to their slots: one font for all, at most
/// [`CategoryLabels::MAX_LINES`] lines each where the font can shrink to allow it.
struct CategoryLabels {
    font: FontDesc<'static>,
    px: u32,
    lines: Vec<Vec<String>>,
}

impl CategoryLabels {
    const MAX_LINES: usize = 3;
    const MIN_PX: u32 = 14;

    /// The labels of `rx`'s categories over a plot `plot_w` pixels wide (none for a numeric
    /// axis).
    fn of<DB: DrawingBackend>(root: &Root<DB>, rx: &Resolved, plot_w: u32) -> Self {
        // One category per unit of the axis.
        let slot = (plot_w as f64 / (rx.hi - rx.lo).max(1.0)) as u32;
        let width = slot.saturating_sub(12).max(40);
        let mut px = TICK_PX;
        loop {
            let f = font(px);
            let lines: Vec<Vec<String>> = rx
                .categories
                .iter()
                .map(|name| wrap(root, name, &f, width))
                .collect();
            let fits = lines
                .iter()
                .flatten()
                .all(|l| text_width(root, l, &f) <= width)
                && lines.iter().all(|l| l.len() <= Self::MAX_LINES);
            if fits || px <= Self::MIN_PX {
                return CategoryLabels { font: f, px, lines };
            }
            px -= 1;
        }
    }

    fn line_height(&self) -> i32 {
        self.px as i32 + 4
    }

    /// Height beyond the one line of tick labels the x label area holds.
    fn extra_height(&self) -> u32 {
        let most = self.lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
        (most as i32 - 1).max(0) as u32 * self.line_height() as u32
    }

    /// Each category's name, centred under its tick.
    fn draw<DB: DrawingBackend>(&self, root: &Root<DB>, plot: &Plot<'_, DB>) -> Drawn {
        let style = self
            .font
            .clone()
            .color(&INK)
            .pos(Pos::new(HPos::Center, VPos::Top));
        for (k, lines) in self.lines.iter().enumerate() {
            let (x, y) = plot.chart.backend_coord(&((k + 1) as f64, plot.ry.lo));
            for (i, l) in lines.iter().enumerate() {
                root.draw_text(l, &style, (x, y + 10 + i as i32 * self.line_height()))
                    .ctx()?;
            }
        }
        Ok(())
    }
}
