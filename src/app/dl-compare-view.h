/* dl-compare-view.h — two to four runs side by side.
 *
 * Their curves overlaid on the accuracy, loss and learning-rate plots
 * (DlPlot in comparison mode, over src/plot's dl_draw_compare(): a colour
 * per run, the current run on top), a table of their settings with the
 * ones that differ highlighted (and said so to assistive technologies),
 * and a table of their final metrics: the final epoch's, which is the
 * score, and the best epoch, labelled as chosen on the validation set.
 * A coloured dot by each run's name in the tables matches its curves.
 *
 * Its Back button activates "runs.back".
 */
#pragma once

#include <gtk/gtk.h>

#include "dl-run.h"

G_BEGIN_DECLS

#define DL_TYPE_COMPARE_VIEW (dl_compare_view_get_type())
G_DECLARE_FINAL_TYPE(DlCompareView, dl_compare_view, DL, COMPARE_VIEW, GtkWidget)

/* runs[i] with its epochs histories[i] (followed as they change, so a run
 * training shows live); current: the index of the current run, or -1. */
void dl_compare_view_set_runs(DlCompareView *self, DlRun *const *runs, DlHistory *const *histories, guint n_runs,
                              int current);

/* Focuses the Back button. */
void dl_compare_view_focus(DlCompareView *self);

G_END_DECLS
