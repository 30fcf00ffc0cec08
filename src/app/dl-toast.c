/* dl-toast.c — toasts from any widget; see dl-toast.h. */
#include "dl-toast.h"

void
dl_toast_show(GtkWidget *widget, AdwToast *toast)
{
    g_return_if_fail(GTK_IS_WIDGET(widget));
    g_return_if_fail(ADW_IS_TOAST(toast));

    /* The overlay around the widget, else the window's (over its pages:
     * the drawing pane is beside it, dl-window.ui). */
    GtkWidget *overlay = gtk_widget_get_ancestor(widget, ADW_TYPE_TOAST_OVERLAY);
    GtkRoot *root = gtk_widget_get_root(widget);
    if (overlay == NULL && root != NULL)
        overlay = g_object_get_data(G_OBJECT(root), DL_TOAST_OVERLAY_KEY);
    adw_toast_set_timeout(toast, 6);
    if (overlay != NULL)
        adw_toast_overlay_add_toast(ADW_TOAST_OVERLAY(overlay), toast);
    else
        g_object_unref(g_object_ref_sink(toast));
}

void
dl_toast_show_error(GtkWidget *widget, const GError *error)
{
    g_return_if_fail(error != NULL);

    AdwToast *toast = adw_toast_new(error->message);
    adw_toast_set_priority(toast, ADW_TOAST_PRIORITY_HIGH);
    dl_toast_show(widget, toast);
}
