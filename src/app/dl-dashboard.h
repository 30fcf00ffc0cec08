/* dl-dashboard.h — the training dashboard: epoch and batch progress,
 * images/s, time left, learning rate and validation accuracy, the three
 * plots, and the hyper-parameters (bound to GSettings, editable while no
 * training runs). It shows what it is told; the window drives it from the
 * trainer's signals. */
#pragma once

#include <gtk/gtk.h>

#include "dl-history.h"
#include "dl-types.h"
#include "train.h"

G_BEGIN_DECLS

#define DL_TYPE_DASHBOARD (dl_dashboard_get_type())
G_DECLARE_FINAL_TYPE(DlDashboard, dl_dashboard, DL, DASHBOARD, GtkWidget)

/* Binds the hyper-parameter rows to settings; call once. */
void dl_dashboard_bind_settings(DlDashboard *self, GSettings *settings);

/* The series the plots show. */
void dl_dashboard_set_history(DlDashboard *self, DlHistory *history);

/* Whether the hyper-parameters can be changed (FALSE while training). */
void dl_dashboard_set_editable(DlDashboard *self, gboolean editable);

/* Compact: the figures in two columns and the plots in one, for a narrow window. */
void dl_dashboard_set_compact(DlDashboard *self, gboolean compact);

/* A one-line state shown above the progress bars ("Loading MNIST…", "Paused"). */
void dl_dashboard_set_status(DlDashboard *self, const char *status);

/* A run begins: clears the figures and sets the totals. */
void dl_dashboard_start(DlDashboard *self, int epochs);
/* MNIST is loaded: train_count images in batches batches per epoch. */
void dl_dashboard_set_sizes(DlDashboard *self, int train_count, int val_count, int batches);
void dl_dashboard_show_batch(DlDashboard *self, const NnBatchProgress *progress);
void dl_dashboard_show_epoch(DlDashboard *self, const NnEpochStats *stats);

G_END_DECLS
