//! Drawing on a chart's area: sizes and fonts, the title, the legend, dashed strokes and
//! markers.

use super::look::{palette, Look, Marker};
use super::{Ctx, Drawn, FONT};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub(super) type Root<DB> = DrawingArea<DB, plotters::coord::Shift>;

pub(super) const MARGIN: i32 = 30;
pub(super) const TOP: u32 = 96;
pub(super) const BOTTOM: u32 = 70;
// Font sizes in plotters' units (the em is size / 1.24 px): at 150 dpi the tick labels are
// about 8 pt, the title about 13 pt.
pub(super) const TITLE_PX: u32 = 33;
pub(super) const SUBTITLE_PX: u32 = 21;
pub(super) const LEGEND_PX: u32 = 21;
pub(super) const TICK_PX: u32 = 20;
pub(super) const DESC_PX: u32 = 22;
pub(super) const INK: RGBColor = RGBColor(40, 40, 40);
pub(super) const GRID: RGBColor = RGBColor(225, 225, 225);

pub(super) fn font(px: u32) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT), px as f64, FontStyle::Normal)
}

/// Bold. (`FontDesc::style` would keep the regular face's glyphs for layout.)
pub(super) fn bold(px: u32) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT), px as f64, FontStyle::Bold)
}

pub(super) fn text_width<DB: DrawingBackend>(root: &Root<DB>, text: &str, f: &FontDesc) -> u32 {
    root.estimate_text_size(text, &TextStyle::from(f.clone()))
        .map(|s| s.0)
        .unwrap_or(0)
}

/// The largest font size ≤ `px` at which `text` fits in `width` pixels (at least 10 px).
pub(super) fn fit<DB: DrawingBackend>(
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
pub(super) fn draw_title<DB: DrawingBackend>(
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
    // One line per `\n`, each wrapped at words where it would shrink below a readable size
    // (a trial's pasted chart had a line of about 7 px), then shrunk to fit on its own.
    // The pieces of a wrapped line keep one size.
    for line in subtitle.into_iter().flat_map(|s| s.lines()) {
        let small = font(SUBTITLE_PX - 4);
        let pieces = wrap(root, line, &small, avail);
        for s in &pieces {
            let f = match pieces.len() {
                1 => fit(root, s, SUBTITLE_PX, avail, false),
                _ => small.clone(),
            };
            let style = f
                .color(&palette::GREY)
                .pos(Pos::new(HPos::Center, VPos::Top));
            root.draw_text(s, &style, (w as i32 / 2, y)).ctx()?;
            y += SUBTITLE_PX as i32 + 6;
        }
    }
    if subtitle.is_some() {
        y += 2;
    }
    Ok(y)
}

#[derive(Clone, Debug)]
pub(super) enum Swatch {
    Line(Look),
    Band(RGBColor),
    Marker(Look),
    /// An error bar: a whisker with caps.
    Whisker(RGBColor),
}

/// Lays the legend entries out left to right, wrapping; draws them if `draw`; returns the
/// height used.
pub(super) fn legend<DB: DrawingBackend>(
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
                Swatch::Whisker(c) => whisker(root, x + sample / 2, (y + 9, y - 9), *c)?,
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

/// An error bar at pixel column `x` from `y.0` to `y.1`: a whisker with a cap at each end.
pub(super) fn whisker<DB: DrawingBackend>(
    root: &Root<DB>,
    x: i32,
    (y0, y1): (i32, i32),
    color: RGBColor,
) -> Drawn {
    let s = color.stroke_width(2);
    root.draw(&PathElement::new(vec![(x, y0), (x, y1)], s))
        .ctx()?;
    // Caps no wider than a marker: an interval shorter than its marker hides entirely.
    for y in [y0, y1] {
        root.draw(&PathElement::new(vec![(x - 5, y), (x + 5, y)], s))
            .ctx()?;
    }
    Ok(())
}

/// `text` in lines of at most `width` pixels in font `f`, broken where [`pieces`] may be
/// (a piece wider than `width` keeps a line of its own).
pub(super) fn wrap<DB: DrawingBackend>(
    root: &Root<DB>,
    text: &str,
    f: &FontDesc,
    width: u32,
) -> Vec<String> {
    // A value too wide for a line (a list of 24 weights) breaks inside after all.
    let fits = |p: &str| text_width(root, p, f) <= width;
    let all = pieces(text, true)
        .into_iter()
        .flat_map(|(sep, p)| match fits(&p) {
            true => vec![(sep, p)],
            false => {
                let mut inner = pieces(&p, false);
                inner[0].0 = sep;
                inner
            }
        });
    let mut lines: Vec<String> = Vec::new();
    for (sep, p) in all {
        match lines.last_mut() {
            Some(l) if text_width(root, &format!("{l}{sep}{p}"), f) <= width => {
                l.push_str(sep);
                l.push_str(&p);
            }
            _ => lines.push(p),
        }
    }
    lines
}

/// `text`'s pieces, each with what separated it from the one before (a space or nothing): it
/// breaks at spaces and after `:` and `,`, but, `whole_values`, not inside brackets, braces
/// or quotes, where a time of day's colon belongs to its value (a trial's chart read
/// `aimd:hours=["00:` over `00","06:00"]`). Never empty for a text that is not blank.
fn pieces(text: &str, whole_values: bool) -> Vec<(&'static str, String)> {
    let mut pieces: Vec<(&str, String)> = Vec::new();
    let (mut sep, mut current) = ("", String::new());
    let (mut depth, mut quoted) = (0u32, false);
    for ch in text.chars() {
        let top = !whole_values || (depth == 0 && !quoted);
        if ch == ' ' && top {
            if !current.is_empty() {
                pieces.push((sep, std::mem::take(&mut current)));
            }
            sep = " ";
            continue;
        }
        current.push(ch);
        match ch {
            '"' => quoted = !quoted,
            '[' | '{' if !quoted => depth += 1,
            ']' | '}' if !quoted => depth = depth.saturating_sub(1),
            ':' | ',' if top => {
                pieces.push((sep, std::mem::take(&mut current)));
                sep = "";
            }
            _ => {}
        }
    }
    if !current.is_empty() {
        pieces.push((sep, current));
    }
    pieces
}

/// A polyline in pixels with the look's dash pattern. The pattern runs on along the whole
/// polyline (not restarting at each vertex), so that short segments still show it.
pub(super) fn stroke<DB: DrawingBackend>(
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
pub(super) fn dashes(pts: &[(i32, i32)], pattern: &[i32]) -> Vec<Vec<(i32, i32)>> {
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
pub(super) fn marker<DB: DrawingBackend>(root: &Root<DB>, c: (i32, i32), look: &Look) -> Drawn {
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

#[cfg(test)]
mod tests {
    use super::pieces;

    /// A label breaks after its items' colons and commas and at spaces, not inside a value's
    /// brackets or quotes unless asked.
    #[test]
    fn labels_break_between_fields_not_inside_values() {
        let each = |t: &str, whole: bool| -> Vec<String> {
            (pieces(t, whole).into_iter())
                .map(|(s, p)| format!("{s}{p}"))
                .collect()
        };
        let p = |t: &str| each(t, true);
        assert_eq!(
            p(r#"aimd:hours=["00:00","06:00"]"#),
            ["aimd:", r#"hours=["00:00","06:00"]"#]
        );
        assert_eq!(
            p("queued (concurrency 16), every 6h"),
            ["queued", " (concurrency", " 16),", " every", " 6h"]
        );
        assert_eq!(
            p(r#"paced:pace_profiles={cba = [1, 0]}:x="a: b""#),
            ["paced:", "pace_profiles={cba = [1, 0]}:", r#"x="a: b""#]
        );
        // A value too wide for its line breaks inside after all.
        assert_eq!(each("[1, 2]", false), ["[1,", " 2]"]);
    }
}
