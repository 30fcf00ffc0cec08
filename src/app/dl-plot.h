/* dl-plot.h — one live training plot: the widget around dl_draw_plot().
 *
 * A DlPlot shows one view of a DlHistory (the kinds of src/plot/dl-draw.h:
 * accuracy, loss on a log axis, the learning-rate schedule drawn ahead) and
 * redraws when it emits "changed". The drawing itself is dl_draw_plot(); the
 * widget adds what a widget does: the style (colours and font of the theme,
 * light, dark and high contrast, text scaled by the "zoom" property), the
 * hover read-out, a read-out moved with the keyboard (Left and Right one
 * epoch, Home and End the first and the last, Escape hides it; its text
 * becomes the accessible description while shown), a context menu (right click, the Menu key or Shift+F10)
 * to save the plot as PNG, SVG or PDF and the history as CSV, keyboard
 * focus, and for assistive technologies an image whose description holds
 * the latest values ("Validation accuracy 99.1 % after epoch 12").
 *
 * Given runs (dl_plot_set_runs()), it compares them instead: the drawing
 * is dl_draw_compare(), the description names every run with its value.
 *
 * Actions, for menus elsewhere: "plot.export" with a string parameter, the
 * format ("png", "svg" or "pdf"), and "plot.export-history" (a single
 * history only); "plot.readout" (an int: -1 or 1 moves the keyboard's
 * read-out by an epoch, G_MININT and G_MAXINT to the ends, 0 hides it).
 */
#pragma once

#include <gtk/gtk.h>

#include "dl-draw.h"
#include "dl-history.h"

G_BEGIN_DECLS

#define DL_TYPE_PLOT (dl_plot_get_type())
G_DECLARE_FINAL_TYPE(DlPlot, dl_plot, DL, PLOT, GtkWidget)

GtkWidget *dl_plot_new(DlPlotKind kind, DlHistory *history);

/* The "history" property; NULL shows an empty plot. */
DlHistory *dl_plot_get_history(DlPlot *self);
void dl_plot_set_history(DlPlot *self, DlHistory *history);

/* Compares up to DL_DRAW_MAX_RUNS runs (their names copied, histories
 * referenced and followed as they change) in place of the history; none
 * goes back to the history. */
void dl_plot_set_runs(DlPlot *self, const DlPlotRun *runs, guint n_runs);

/* The "kind" property. */
DlPlotKind dl_plot_get_kind(DlPlot *self);
void dl_plot_set_kind(DlPlot *self, DlPlotKind kind);

/* The "zoom" property: text (and the layout with it) is this many times
 * the theme's size; 1.0 by default, 0.5 to 4. */
double dl_plot_get_zoom(DlPlot *self);
void dl_plot_set_zoom(DlPlot *self, double zoom);

/* The style the plot draws with now: the theme's colours and font, the
 * font size times the zoom. */
void dl_plot_get_draw_style(DlPlot *self, DlDrawStyle *style);

/* The same for any widget drawing with src/plot (the confusion matrix, an
 * export): light or dark from its text colour, high contrast from
 * AdwStyleManager, the accent and palette colours of the theme, and its
 * font at PANGO_SCALE_SMALL times `zoom`. */
void dl_plot_style_from_widget(GtkWidget *widget, double zoom, DlDrawStyle *style);

/* The text of the accessible description, as last set (for tests). */
const char *dl_plot_get_summary(DlPlot *self);

G_END_DECLS
