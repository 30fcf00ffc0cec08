/* dl-run-row.h — one run in the Runs page's list.
 *
 * Shows a run folder (DlRun): its name, the date it started and a summary
 * of its settings, its final validation accuracy and its status, a check
 * button that selects it for comparing (activating the row toggles it) and
 * a menu of what can be done with it: the page's actions "runs.open-model",
 * "runs.resume", "runs.rename" and "runs.delete", each with the run's
 * folder as its string parameter, listed only when they apply.
 */
#pragma once

#include <gtk/gtk.h>

#include "dl-run.h"

G_BEGIN_DECLS

#define DL_TYPE_RUN_ROW (dl_run_row_get_type())
G_DECLARE_FINAL_TYPE(DlRunRow, dl_run_row, DL, RUN_ROW, GtkListBoxRow)

/* current: the run trained last in this window (it is tagged). */
GtkWidget *dl_run_row_new(DlRun *run, gboolean current);
DlRun *dl_run_row_get_run(DlRunRow *self);

/* The "checked" property: selected for comparing. */
gboolean dl_run_row_get_checked(DlRunRow *self);
void dl_run_row_set_checked(DlRunRow *self, gboolean checked);
/* Whether the check button can be checked (a comparison is full). */
void dl_run_row_set_checkable(DlRunRow *self, gboolean checkable);

G_END_DECLS
