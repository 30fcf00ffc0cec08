/* dl-plot.h — one live training plot, drawn with Cairo in snapshot.
 *
 * A DlPlot shows one view of a DlHistory and redraws when it emits
 * "changed":
 *   DL_PLOT_ACCURACY       training accuracy (running, per batch) and
 *                          validation accuracy (per epoch), in %;
 *   DL_PLOT_LOSS           training and validation loss on a log10 axis;
 *   DL_PLOT_LEARNING_RATE  the run's whole schedule, drawn ahead, with a
 *                          marker at the current position.
 * The x axis is the run's epochs, 0 to N. Hovering shows the exact values of
 * the nearest points. Colours follow the light/dark style. For assistive
 * technologies the plot is an image whose description holds the latest
 * values ("Validation accuracy 99.1 % after epoch 12").
 *
 * Drawing only reads the history: no allocation per point, and the schedule
 * curve is precomputed by the history. A draw of a full 30-epoch run is cheap
 * enough for several redraws a second.
 */
#pragma once

#include <gtk/gtk.h>

#include "dl-history.h"

G_BEGIN_DECLS

typedef enum {
    DL_PLOT_ACCURACY,
    DL_PLOT_LOSS,
    DL_PLOT_LEARNING_RATE,
} DlPlotKind;

#define DL_TYPE_PLOT_KIND (dl_plot_kind_get_type())
GType dl_plot_kind_get_type(void);

#define DL_TYPE_PLOT (dl_plot_get_type())
G_DECLARE_FINAL_TYPE(DlPlot, dl_plot, DL, PLOT, GtkWidget)

GtkWidget *dl_plot_new(DlPlotKind kind, DlHistory *history);

/* The "history" property; NULL shows an empty plot. */
DlHistory *dl_plot_get_history(DlPlot *self);
void dl_plot_set_history(DlPlot *self, DlHistory *history);

/* The "kind" property. */
DlPlotKind dl_plot_get_kind(DlPlot *self);
void dl_plot_set_kind(DlPlot *self, DlPlotKind kind);

/* The text of the accessible description, as last set (for tests). */
const char *dl_plot_get_summary(DlPlot *self);

G_END_DECLS
