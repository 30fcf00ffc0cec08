/* dl-toast.h — a toast from any widget of the window: into the nearest
 * AdwToastOverlay above it, else the one its window names under
 * DL_TOAST_OVERLAY_KEY (the window's, over its pages), for 6 seconds. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define DL_TOAST_OVERLAY_KEY "dl-toast-overlay"

/* Takes toast (floating). */
void dl_toast_show(GtkWidget *widget, AdwToast *toast);
/* error->message, at high priority. */
void dl_toast_show_error(GtkWidget *widget, const GError *error);

G_END_DECLS
