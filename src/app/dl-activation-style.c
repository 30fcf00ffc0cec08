/* dl-activation-style.c — see dl-activation-style.h. */
#include "dl-activation-style.h"

void
dl_activation_style_colors(GtkWidget *widget, GdkRGBA *fg, GdkRGBA *accent)
{
    GtkStyleContext *context = gtk_widget_get_style_context(widget);

    gtk_style_context_get_color(context, fg);
    if (!gtk_style_context_lookup_color(context, "accent_color", accent))
        gdk_rgba_parse(accent, "#3584e4");
}

char *
dl_activation_format_value(float v)
{
    if (!isfinite(v))
        return g_strdup_printf("%g", (double)v);
    if (fabsf(v) < 0.0005f)
        return g_strdup("0"); /* no "-0.000" */
    if (fabsf(v) >= 1000.0f)
        return g_strdup_printf("%.0f", (double)v);
    if (fabsf(v) >= 1.0f)
        return g_strdup_printf("%.3g", (double)v);
    return g_strdup_printf("%.3f", (double)v);
}
