/* dl-toast.h — a toast from any widget of the window: into the nearest
 * AdwToastOverlay above it (the window's), for 6 seconds. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Takes toast (floating). */
void dl_toast_show(GtkWidget *widget, AdwToast *toast);
/* error->message, at high priority. */
void dl_toast_show_error(GtkWidget *widget, const GError *error);

G_END_DECLS
