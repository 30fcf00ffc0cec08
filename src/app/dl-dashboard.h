/* dl-dashboard.h — the Train page: the recipe (the engine's presets, or
 * Custom) and Follow Training; epoch and batch progress (and the
 * validation's, between epochs), images/s, time left, learning rate and
 * validation accuracy; the three plots; and the hyper-parameters in four
 * groups (bound to GSettings, editable while no training runs, checked
 * with the engine's reasons). It follows the session's trainer and
 * history; before a run, the plots show the schedule the hyper-parameters
 * describe. */
#pragma once

#include <gtk/gtk.h>

#include "dl-session.h"
#include "dl-types.h"
#include "train.h"

G_BEGIN_DECLS

#define DL_TYPE_DASHBOARD (dl_dashboard_get_type())
G_DECLARE_FINAL_TYPE(DlDashboard, dl_dashboard, DL, DASHBOARD, GtkWidget)

/* Binds the hyper-parameter rows to settings; call once. */
void dl_dashboard_bind_settings(DlDashboard *self, GSettings *settings);

/* The session whose trainer and history it shows; call once. */
void dl_dashboard_set_session(DlDashboard *self, DlSession *session);

/* Compact: the figures in two columns and the plots in one, for a narrow window. */
void dl_dashboard_set_compact(DlDashboard *self, gboolean compact);

/* Presenter mode: the progress and the one plot the "presenter-plot"
 * setting names, large; the recipe and the hyper-parameters hidden. Needs
 * dl_dashboard_bind_settings() first. */
void dl_dashboard_set_presenter(DlDashboard *self, gboolean presenter);

G_END_DECLS
