//! PNG text: glyphs drawn one by one from the embedded DejaVu Sans.

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
    fn ensure_prepared(&mut self) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
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
        let scaled = font.as_scaled(ab_glyph::PxScale::from(em * font.height_unscaled() / upem));
        // Glyph positions along the baseline, kerned.
        let mut glyphs = Vec::with_capacity(text.len());
        let mut caret = 0f32;
        let mut prev: Option<ab_glyph::GlyphId> = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                caret += scaled.kern(p, id);
            }
            glyphs.push(id.with_scale_and_position(scaled.scale(), ab_glyph::point(caret, 0.0)));
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
