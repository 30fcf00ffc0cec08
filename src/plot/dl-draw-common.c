/* dl-draw-common.c — the default style, text and colour helpers. */
#include <math.h>
#include <string.h>

#include "draw-private.h"

static DlColor
rgb(guint32 rgb)
{
    return (DlColor){ ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0,
                      1.0 };
}

void
dl_draw_style_init(DlDrawStyle *style, double font_size, gboolean dark, gboolean high_contrast)
{
    g_return_if_fail(style != NULL);

    memset(style, 0, sizeof *style);
    style->font_size = font_size > 0.0 ? font_size : 12.0;
    style->dark = dark;
    style->high_contrast = high_contrast;
    style->paint_background = FALSE;
    g_strlcpy(style->font_family, "Cantarell, DejaVu Sans, sans-serif", sizeof style->font_family);

    /* libadwaita's window colours and palette: blue 3 / accent, orange 4 / 2,
     * purple 3 / 2; in high contrast one step darker (light) or lighter
     * (dark), on pure black or white. */
    if (dark) {
        style->foreground = high_contrast ? rgb(0xffffff) : rgb(0xf0f0f0);
        style->background = high_contrast ? rgb(0x000000) : rgb(0x242424);
        style->training = high_contrast ? rgb(0x99c1f1) : rgb(0x78aeed);
        style->validation = high_contrast ? rgb(0xffbe6f) : rgb(0xffa348);
        style->schedule = high_contrast ? rgb(0xf0b0f5) : rgb(0xdc8add);
        style->box = high_contrast ? rgb(0x1e1e1e) : rgb(0x383838);
    } else {
        style->foreground = high_contrast ? rgb(0x000000) : rgb(0x2e2e2e);
        style->background = rgb(0xffffff);
        style->training = high_contrast ? rgb(0x1a5fb4) : rgb(0x1c71d8);
        style->validation = high_contrast ? rgb(0xc64600) : rgb(0xe66100);
        style->schedule = high_contrast ? rgb(0x613583) : rgb(0x9141ac);
        style->box = rgb(0xffffff);
    }
}

/* ---- text ---- */

void
draw_text_init(DrawText *t, const DlDrawStyle *style)
{
    PangoFontMap *map = pango_cairo_font_map_get_default();
    t->context = pango_font_map_create_context(map);
    cairo_font_options_t *options = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_SLIGHT);
    pango_cairo_context_set_font_options(t->context, options);
    cairo_font_options_destroy(options);
    pango_context_set_round_glyph_positions(t->context, FALSE);

    const char *family = style->font_family[0] != '\0' ? style->font_family : "sans-serif";
    static const double scale[DRAW_N_FONTS] = { 1.0, 1.2, 0.85, 1.0 };
    for (int i = 0; i < DRAW_N_FONTS; i++) {
        t->fonts[i] = pango_font_description_new();
        pango_font_description_set_family(t->fonts[i], family);
        pango_font_description_set_absolute_size(t->fonts[i], style->font_size * scale[i] * PANGO_SCALE);
    }
    pango_font_description_set_weight(t->fonts[DRAW_FONT_TITLE], PANGO_WEIGHT_BOLD);

    t->layout = pango_layout_new(t->context);
    t->tabular = pango_attr_list_new();
    pango_attr_list_insert(t->tabular, pango_attr_font_features_new("tnum=1"));
}

void
draw_text_clear(DrawText *t)
{
    g_clear_object(&t->layout);
    g_clear_object(&t->context);
    for (int i = 0; i < DRAW_N_FONTS; i++)
        g_clear_pointer(&t->fonts[i], pango_font_description_free);
    g_clear_pointer(&t->tabular, pango_attr_list_unref);
}

void
draw_text_set_cell_size(DrawText *t, double size)
{
    pango_font_description_set_absolute_size(t->fonts[DRAW_FONT_CELL], MAX(size, 1.0) * PANGO_SCALE);
}

void
draw_text_set_wrapped(DrawText *t, const char *s, DrawFont font, double wrap_width, double *width,
                      double *height)
{
    pango_layout_set_font_description(t->layout, t->fonts[font]);
    pango_layout_set_attributes(t->layout, font == DRAW_FONT_LABEL || font == DRAW_FONT_CELL ? t->tabular : NULL);
    pango_layout_set_width(t->layout, wrap_width > 0 ? (int)(wrap_width * PANGO_SCALE) : -1);
    pango_layout_set_wrap(t->layout, PANGO_WRAP_WORD);
    pango_layout_set_text(t->layout, s, -1);
    PangoRectangle logical;
    pango_layout_get_extents(t->layout, NULL, &logical);
    if (width != NULL)
        *width = (double)logical.width / PANGO_SCALE;
    if (height != NULL)
        *height = (double)logical.height / PANGO_SCALE;
}

void
draw_text_set(DrawText *t, const char *s, DrawFont font, double *width, double *height)
{
    draw_text_set_wrapped(t, s, font, -1, width, height);
}

void
draw_text_show(cairo_t *cr, DrawText *t, double x, double y)
{
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, t->layout);
}

/* ---- colour ---- */

void
draw_set_color(cairo_t *cr, const DlColor *c, double alpha)
{
    cairo_set_source_rgba(cr, c->red, c->green, c->blue, c->alpha * alpha);
}

double
draw_alpha(const DlDrawStyle *style, double alpha)
{
    if (!style->high_contrast)
        return alpha;
    /* Text (drawn at 0.5 and more) becomes opaque, grid lines 2.5 times
     * as strong. */
    return alpha >= 0.3 ? 1.0 : MIN(1.0, 2.5 * alpha);
}

void
draw_dot(cairo_t *cr, double x, double y, double radius)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, radius, 0, 2 * G_PI);
    cairo_fill(cr);
}

void
draw_background(cairo_t *cr, double width, double height, const DlDrawStyle *style)
{
    if (!style->paint_background)
        return;
    draw_set_color(cr, &style->background, 1.0);
    cairo_rectangle(cr, 0, 0, width, height);
    cairo_fill(cr);
}

double
draw_luminance(const DlColor *c)
{
    return 0.2126 * c->red + 0.7152 * c->green + 0.0722 * c->blue;
}

void
dl_draw_digit_image(cairo_t *cr, double width, double height, const guint8 *pixels)
{
    enum { SIDE = 28 };
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, SIDE, SIDE);
    unsigned char *data = cairo_image_surface_get_data(surface);
    int stride = cairo_image_surface_get_stride(surface);
    for (int y = 0; y < SIDE; y++) {
        guint32 *row = (guint32 *)(data + y * stride);
        for (int x = 0; x < SIDE; x++) {
            guint32 v = pixels[y * SIDE + x];
            row[x] = v << 16 | v << 8 | v;
        }
    }
    cairo_surface_mark_dirty(surface);

    double side = MIN(width, height), x0 = (width - side) / 2, y0 = (height - side) / 2, r = 4;
    cairo_save(cr);
    cairo_new_sub_path(cr);
    cairo_arc(cr, x0 + side - r, y0 + r, r, -G_PI / 2, 0);
    cairo_arc(cr, x0 + side - r, y0 + side - r, r, 0, G_PI / 2);
    cairo_arc(cr, x0 + r, y0 + side - r, r, G_PI / 2, G_PI);
    cairo_arc(cr, x0 + r, y0 + r, r, G_PI, 1.5 * G_PI);
    cairo_close_path(cr);
    cairo_clip(cr);
    cairo_translate(cr, x0, y0);
    cairo_scale(cr, side / SIDE, side / SIDE);
    cairo_set_source_surface(cr, surface, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(surface);
}
