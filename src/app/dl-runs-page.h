/* dl-runs-page.h — the Runs page: every run kept, to open, resume, rename,
 * delete and compare.
 *
 * Lists the run folders under the session's runs root (dl-run.h: the app's
 * runs, digitlab-cli train --run-dir auto's, and runs imported), newest
 * first (DlRunRow), following the session's "runs-changed" while it is
 * shown. Folders that cannot be read are skipped and named in a message
 * below the list. A row's menu opens its model, resumes a stopped run (on
 * the Train page), renames it, or deletes it (with Undo in a toast; the
 * folder goes when the toast does, or when the window closes). Import…
 * copies in a folder of runs (digitlab-cli ablation's OUT or OUT/runs).
 * Compare shows the two to four runs checked in a DlCompareView; Escape or
 * Back returns to the list.
 *
 * Actions ("runs." group): compare, back, import, and with a run folder as
 * parameter open-model, resume, rename, delete.
 *
 * Accessible descriptions: "runs-list", "runs-hint", "runs-problems",
 * "runs-empty", and the compare view's plots describe every run by name.
 */
#pragma once

#include <gio/gio.h>
#include <gtk/gtk.h>

#include "dl-session.h"

G_BEGIN_DECLS

#define DL_TYPE_RUNS_PAGE (dl_runs_page_get_type())
G_DECLARE_FINAL_TYPE(DlRunsPage, dl_runs_page, DL, RUNS_PAGE, GtkWidget)

/* settings: the MNIST folder for resuming, and "model-path" for a model
 * opened. */
void dl_runs_page_setup(DlRunsPage *self, DlSession *session, GSettings *settings);

/* Runs the pending deletions now (the window is closing). */
void dl_runs_page_flush(DlRunsPage *self);

/* Whether run's folder still holds its model: it is there, and no deletion
 * of it is pending. */
gboolean dl_runs_page_keeps_model(DlRunsPage *self, DlRun *run);

G_END_DECLS
