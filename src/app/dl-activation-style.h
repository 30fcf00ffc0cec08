/* dl-activation-style.h — what the Inside page's widgets (feature grids,
 * unit strips, the legend) draw alike: values as grey, the theme's
 * colours, numbers in words. */
#pragma once

#include <gtk/gtk.h>
#include <math.h>

G_BEGIN_DECLS

/* v as a grey level 0-255: black at lo, white at hi (hi > lo), clamped. */
static inline guint32
dl_activation_grey(float v, float lo, float hi)
{
    float t = (v - lo) / (hi - lo);
    if (!(t > 0.0f))
        return 0;
    if (t >= 1.0f)
        return 255;
    return (guint32)lrintf(t * 255.0f);
}

/* The widget's text colour and the accent colour (the highlight of a
 * chosen tile). */
void dl_activation_style_colors(GtkWidget *widget, GdkRGBA *fg, GdkRGBA *accent);

/* A value in a few digits, without an exponent: "3.52", "12.3", "0.041",
 * "0". */
char *dl_activation_format_value(float v);

G_END_DECLS
