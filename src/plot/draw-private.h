/* draw-private.h — text and colour helpers shared by the drawing code of
 * src/plot (not installed, not for the app).
 *
 * Text is measured and laid out on a Pango context of its own, with metric
 * hinting off, rather than on the cairo_t drawn to: a picture's layout is
 * then the same on screen, in a PNG and in a PDF, and can be computed with
 * no cairo_t at all (dl_draw_confusion_hit()).
 */
#pragma once

#include <pango/pangocairo.h>

#include "dl-draw.h"

typedef enum {
    DRAW_FONT_LABEL, /* style->font_size, tabular figures */
    DRAW_FONT_TITLE, /* 1.2 times, bold */
    DRAW_FONT_NOTE,  /* 0.85 times, for notes under a picture */
    DRAW_FONT_CELL,  /* a size set with draw_text_set_cell_size(), tabular, for table cells */
    DRAW_N_FONTS,
} DrawFont;

typedef struct {
    PangoContext *context;
    PangoLayout *layout;
    PangoFontDescription *fonts[DRAW_N_FONTS];
    PangoAttrList *tabular;
} DrawText;

void draw_text_init(DrawText *t, const DlDrawStyle *style);
void draw_text_clear(DrawText *t);

/* The cell font's size, in user units. */
void draw_text_set_cell_size(DrawText *t, double size);

/* Sets the layout's text in `font`, unwrapped; returns its logical size
 * (either pointer may be NULL). */
void draw_text_set(DrawText *t, const char *s, DrawFont font, double *width, double *height);

/* The same, wrapped at `wrap_width`. */
void draw_text_set_wrapped(DrawText *t, const char *s, DrawFont font, double wrap_width,
                           double *width, double *height);

/* Shows the layout as last set, its top-left corner at (x, y). */
void draw_text_show(cairo_t *cr, DrawText *t, double x, double y);

/* The colour at `alpha` times its own alpha. */
void draw_set_color(cairo_t *cr, const DlColor *c, double alpha);

/* The alpha to draw foreground ink meant at `alpha` with: the same, or in
 * high contrast opaque for text (0.3 and more) and 2.5 times as strong for
 * grid lines. */
double draw_alpha(const DlDrawStyle *style, double alpha);

/* A filled circle. */
void draw_dot(cairo_t *cr, double x, double y, double radius);

/* Paints the background if the style asks for it. */
void draw_background(cairo_t *cr, double width, double height, const DlDrawStyle *style);

/* Relative luminance (sRGB weights, no gamma), 0-1. */
double draw_luminance(const DlColor *c);
