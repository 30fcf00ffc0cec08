/* dl-presenter.c — the window's presenter mode and zoom, for a projector.
 *
 * Presenter mode (F11, the header's button; Escape leaves) puts the window
 * fullscreen and gives it the "presenter" style class: style.css makes the
 * prediction, the plots and the training figures larger from it, and the
 * Train page shows its progress and one plot (DlDashboard's presenter
 * state, the "presenter-plot" setting) instead of the hyper-parameters.
 * Zoom (Ctrl+plus, Ctrl+minus, Ctrl+0) scales every text of the window
 * through a CSS provider of its own: the plots and the digit view draw with
 * the font of their style, so they follow. Both are settings, so they are
 * remembered; the widgets are the same in and out of presenter mode. */
#include "dl-window-private.h"

#include <glib/gi18n.h>
#include <math.h>

/* The steps of Ctrl+plus and Ctrl+minus, within the "text-zoom" key's range. */
static const double zoom_steps[] = { 0.5, 0.67, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0 };

/* ---- zoom ------------------------------------------------------------------------ */

static void
apply_zoom(DlWindow *self)
{
    double zoom = g_settings_get_double(self->settings, "text-zoom");
    char css[128];

    /* Percent of the system's text size; everything in the window is sized
     * from it (libadwaita's and our style sizes are relative). */
    g_snprintf(css, sizeof css, "window.dl-main { font-size: %.0f%%; }", round(100.0 * zoom));
    gtk_css_provider_load_from_data(self->zoom_provider, css, -1);

    GtkWidget *widget = GTK_WIDGET(self);
    gtk_widget_action_set_enabled(widget, "win.zoom-in", zoom < zoom_steps[G_N_ELEMENTS(zoom_steps) - 1] - 1e-6);
    gtk_widget_action_set_enabled(widget, "win.zoom-out", zoom > zoom_steps[0] + 1e-6);
    gtk_widget_action_set_enabled(widget, "win.zoom-reset", fabs(zoom - 1.0) > 1e-6);
}

/* The next step up (direction 1) or down (-1) from the zoom in use. */
static void
step_zoom(DlWindow *self, int direction)
{
    double zoom = g_settings_get_double(self->settings, "text-zoom");
    guint n = G_N_ELEMENTS(zoom_steps);
    double next = zoom;

    if (direction > 0) {
        for (guint i = 0; i < n && next == zoom; i++)
            if (zoom_steps[i] > zoom + 1e-6)
                next = zoom_steps[i];
    } else {
        for (guint i = n; i > 0 && next == zoom; i--)
            if (zoom_steps[i - 1] < zoom - 1e-6)
                next = zoom_steps[i - 1];
    }
    g_settings_set_double(self->settings, "text-zoom", next);
}

static void
zoom_in_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    step_zoom(DL_WINDOW(widget), 1);
}

static void
zoom_out_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    step_zoom(DL_WINDOW(widget), -1);
}

static void
zoom_reset_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    g_settings_reset(DL_WINDOW(widget)->settings, "text-zoom");
}

/* ---- presenter mode ------------------------------------------------------------------ */

static void
apply_presenter(DlWindow *self)
{
    gboolean on = g_settings_get_boolean(self->settings, "presenter-mode");
    GtkWidget *widget = GTK_WIDGET(self);

    gtk_widget_action_set_enabled(widget, "win.leave-presenter", on);
    gtk_widget_action_set_enabled(widget, "win.clear-drawing", on);
    if (on == self->presenter)
        return;
    self->presenter = on;
    dl_dashboard_set_presenter(self->dashboard, on);
    /* Fullscreen has no window to minimise or close: the header keeps the
     * training buttons, the pages and presenter mode's own button. */
    adw_header_bar_set_show_start_title_buttons(self->header_bar, !on);
    adw_header_bar_set_show_end_title_buttons(self->header_bar, !on);
    if (on) {
        gtk_widget_add_css_class(widget, "presenter");
        gtk_window_fullscreen(GTK_WINDOW(self));
        dl_drawing_pane_focus_canvas(self->drawing_pane);
    } else {
        gtk_widget_remove_css_class(widget, "presenter");
        gtk_window_unfullscreen(GTK_WINDOW(self));
    }
}

/* Fullscreen left another way (the window manager's key): presenter mode
 * ends with it. */
static void
on_fullscreened(DlWindow *self)
{
    gboolean fullscreen = gtk_window_is_fullscreen(GTK_WINDOW(self));

    if (fullscreen && self->presenter) {
        self->presenter_fullscreened = TRUE;
    } else if (!fullscreen && self->presenter_fullscreened) {
        self->presenter_fullscreened = FALSE;
        if (self->presenter)
            g_settings_set_boolean(self->settings, "presenter-mode", FALSE);
    }
}

/* A plot chosen (Ctrl+1, 2, 3 or the Train page's buttons): on show. */
static void
on_presenter_plot_changed(DlWindow *self)
{
    if (self->presenter)
        adw_view_stack_set_visible_child_name(self->view_stack, "train");
}

static void
leave_presenter_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    g_settings_set_boolean(DL_WINDOW(widget)->settings, "presenter-mode", FALSE);
}

/* Delete in presenter mode, wherever the focus is: there is no text to edit. */
static void
clear_drawing_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    gtk_widget_activate_action(GTK_WIDGET(DL_WINDOW(widget)->drawing_pane), "drawing.clear", NULL);
}

/* ---- set-up ------------------------------------------------------------------------- */

void
_dl_window_class_presenter_init(DlWindowClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    gtk_widget_class_install_action(widget_class, "win.zoom-in", NULL, zoom_in_action);
    gtk_widget_class_install_action(widget_class, "win.zoom-out", NULL, zoom_out_action);
    gtk_widget_class_install_action(widget_class, "win.zoom-reset", NULL, zoom_reset_action);
    gtk_widget_class_install_action(widget_class, "win.leave-presenter", NULL, leave_presenter_action);
    gtk_widget_class_install_action(widget_class, "win.clear-drawing", NULL, clear_drawing_action);
}

void
_dl_window_presenter_init(DlWindow *self)
{
    /* "settings.presenter-mode" toggles the setting, "settings.presenter-plot"
     * chooses the plot (a group of their own: the window's class actions
     * hide its "win" action map). */
    g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new();
    g_autoptr(GAction) presenter = g_settings_create_action(self->settings, "presenter-mode");
    g_autoptr(GAction) plot = g_settings_create_action(self->settings, "presenter-plot");
    g_action_map_add_action(G_ACTION_MAP(group), presenter);
    g_action_map_add_action(G_ACTION_MAP(group), plot);
    gtk_widget_insert_action_group(GTK_WIDGET(self), "settings", G_ACTION_GROUP(group));

    self->zoom_provider = gtk_css_provider_new();
    gtk_style_context_add_provider_for_display(gtk_widget_get_display(GTK_WIDGET(self)),
                                               GTK_STYLE_PROVIDER(self->zoom_provider),
                                               GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
    gtk_widget_add_css_class(GTK_WIDGET(self), "dl-main");

    g_signal_connect_object(self->settings, "changed::text-zoom", G_CALLBACK(apply_zoom), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(self->settings, "changed::presenter-mode", G_CALLBACK(apply_presenter), self,
                            G_CONNECT_SWAPPED);
    g_signal_connect_object(self->settings, "changed::presenter-plot", G_CALLBACK(on_presenter_plot_changed), self,
                            G_CONNECT_SWAPPED);
    g_signal_connect(self, "notify::fullscreened", G_CALLBACK(on_fullscreened), NULL);
    apply_zoom(self);
    apply_presenter(self);
}

void
_dl_window_presenter_dispose(DlWindow *self)
{
    if (self->zoom_provider != NULL)
        gtk_style_context_remove_provider_for_display(gtk_widget_get_display(GTK_WIDGET(self)),
                                                      GTK_STYLE_PROVIDER(self->zoom_provider));
    g_clear_object(&self->zoom_provider);
}
