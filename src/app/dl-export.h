/* dl-export.h — saving plots, the history and the confusion matrix from the
 * app: a save dialog (GtkFileChooserNative) with a suggested name, then
 * src/plot's writers (dl-export-file.h), which write the whole file or
 * nothing; a failure is shown in a dialog that says what to do.
 *
 * `parent` is any widget of the window the dialog belongs to. The data are
 * copied or referenced, so the caller may change or drop them while the
 * dialog is open.
 */
#pragma once

#include <gtk/gtk.h>

#include "dl-draw.h"
#include "dl-history.h"

G_BEGIN_DECLS

/* One plot, at width x height (user units: pixels, or points in SVG/PDF;
 * a PNG is drawn at twice that many pixels). format: "png", "svg", "pdf". */
void dl_export_save_plot(GtkWidget *parent, DlPlotKind kind, DlHistory *history,
                         const DlDrawStyle *style, double width, double height, const char *format);

/* The three plots on one page, one above the other. */
void dl_export_save_plots(GtkWidget *parent, DlHistory *history, const DlDrawStyle *style,
                          const char *format);

/* The history as digitlab-cli train --history writes it. */
void dl_export_save_history(GtkWidget *parent, DlHistory *history);

/* A confusion matrix ([true digit][predicted digit]) as a picture ("png",
 * "svg", "pdf") or as CSV ("csv"). */
void dl_export_save_confusion(GtkWidget *parent, const int confusion[DL_DRAW_CLASSES][DL_DRAW_CLASSES],
                              const DlDrawStyle *style, const char *format);

G_END_DECLS
