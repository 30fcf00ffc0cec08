/* dl-window.c — the main window: it lays the pages out. What they show is
 * the session's (dl-session.c); the actions and dialogs are in
 * dl-window-actions.c. */
#include "dl-window-private.h"

#include <glib/gi18n.h>

#include "dl-application.h"
#include "dl-settings.h"
#include "dl-toast.h"

/* From these widths on (and from what the layouts need), the drawing is
 * beside the pages with the full dashboard, or with the compact one; below,
 * it is a Draw page of its own. */
#define WIDE_WIDTH 1100
#define MEDIUM_WIDTH 800
#define LAYOUT_SLACK 48

G_DEFINE_FINAL_TYPE(DlWindow, dl_window, ADW_TYPE_APPLICATION_WINDOW)

/* ---- the model in the title ------------------------------------------------------- */

static void
update_subtitle(DlWindow *self)
{
    g_autofree char *name = NULL;

    dl_session_describe_model(self->session, NULL, &name);
    adw_view_switcher_title_set_subtitle(self->switcher_title, name);
}

/* At start: the model opened or saved last, else the bundled one. */
static void
load_initial_model(DlWindow *self)
{
    g_autofree char *last = g_settings_get_string(self->settings, "model-path");
    g_autoptr(GError) error = NULL;

    if (last[0] != '\0') {
        if (dl_session_load_model(self->session, last, &error))
            return;
        g_autofree char *name = g_filename_display_basename(last);
        g_autofree char *message = g_strdup_printf(_("Could not open the last model, “%s”: %s"), name, error->message);
        _dl_window_toast(self, message);
        g_clear_error(&error);
    }
    if (!dl_session_load_bundled_model(self->session, &error))
        g_message("%s", error->message);
}

/* ---- layout ---------------------------------------------------------------------------------- */

/* Wide and medium: the pages | the drawing. Narrow: the drawing is a page
 * of its own. */
static void
apply_layout(DlWindow *self)
{
    GtkWidget *pane = GTK_WIDGET(self->drawing_pane);
    gboolean narrow = self->layout == DL_LAYOUT_NARROW;
    gboolean had_focus = gtk_widget_get_focus_child(pane) != NULL;
    gboolean in_page = gtk_scrolled_window_get_child(self->draw_scroller) != NULL;

    /* Both places scroll, so the drawing never makes the window taller. */
    g_object_ref(pane);
    if (narrow && !in_page) {
        gtk_scrolled_window_set_child(self->side_scroller, NULL);
        gtk_scrolled_window_set_child(self->draw_scroller, pane);
    } else if (!narrow && in_page) {
        gtk_scrolled_window_set_child(self->draw_scroller, NULL);
        gtk_scrolled_window_set_child(self->side_scroller, pane);
        if (g_strcmp0(adw_view_stack_get_visible_child_name(self->view_stack), "draw") == 0)
            adw_view_stack_set_visible_child_name(self->view_stack, "train");
    }
    g_object_unref(pane);
    if (narrow)
        gtk_widget_add_css_class(GTK_WIDGET(self), "narrow");
    else
        gtk_widget_remove_css_class(GTK_WIDGET(self), "narrow");
    adw_view_stack_page_set_visible(self->draw_page, narrow);
    gtk_widget_set_visible(GTK_WIDGET(self->side_scroller), !narrow);
    gtk_widget_set_visible(GTK_WIDGET(self->separator), !narrow);
    dl_dashboard_set_compact(self->dashboard, self->layout != DL_LAYOUT_WIDE);
    if (had_focus)
        dl_drawing_pane_focus_canvas(self->drawing_pane);
}

void
_dl_window_show_drawing(DlWindow *self)
{
    if (self->layout == DL_LAYOUT_NARROW)
        adw_view_stack_set_visible_child_name(self->view_stack, "draw");
}

static gboolean
layout_idle(gpointer data)
{
    DlWindow *self = data;

    self->layout_idle = 0;
    apply_layout(self);
    return G_SOURCE_REMOVE;
}

static void
dl_window_size_allocate(GtkWidget *widget, int width, int height, int baseline)
{
    DlWindow *self = DL_WINDOW(widget);

    GTK_WIDGET_CLASS(dl_window_parent_class)->size_allocate(widget, width, height, baseline);

    /* Side by side needs the pages' and the drawing's minimum widths, as
     * measured in the layout in use (the full dashboard needs more than the
     * compact one). Below them, or below the widths above, the next layout;
     * the window can then get narrower. Not while a new layout waits to be
     * applied: the widgets are still in the old one, and what they need
     * there (the full dashboard's width, say) is no measure of the new one. */
    if (self->layout != DL_LAYOUT_NARROW && self->layout_idle == 0) {
        int pages_min = 0, pane_min = 0;
        gtk_widget_measure(GTK_WIDGET(self->view_stack), GTK_ORIENTATION_HORIZONTAL, -1, &pages_min, NULL, NULL,
                           NULL);
        gtk_widget_measure(GTK_WIDGET(self->side_scroller), GTK_ORIENTATION_HORIZONTAL, -1, &pane_min, NULL, NULL, NULL);
        if (self->layout == DL_LAYOUT_WIDE)
            self->wide_min = pages_min + pane_min + 1;
        else
            self->medium_min = pages_min + pane_min + 1;
    }

    DlLayout layout = width >= MAX(WIDE_WIDTH, self->wide_min + LAYOUT_SLACK)       ? DL_LAYOUT_WIDE
                      : width >= MAX(MEDIUM_WIDTH, self->medium_min + LAYOUT_SLACK) ? DL_LAYOUT_MEDIUM
                                                                                    : DL_LAYOUT_NARROW;
    /* Changing the layout while allocating is not allowed: do it right after. */
    if (layout != self->layout) {
        g_debug("layout %d at %d px: the pages need %d px (wide) or %d px (medium) beside the drawing", layout, width,
                self->wide_min, self->medium_min);
        self->layout = layout;
        if (self->layout_idle == 0)
            self->layout_idle = g_idle_add_full(G_PRIORITY_HIGH_IDLE, layout_idle, self, NULL);
    }
}

/* ---- GObject ------------------------------------------------------------------------------------ */

static void
save_window_state(DlWindow *self)
{
    GtkWindow *window = GTK_WINDOW(self);
    int width, height;

    gtk_window_get_default_size(window, &width, &height);
    g_settings_delay(self->settings);
    g_settings_set_int(self->settings, "window-width", width);
    g_settings_set_int(self->settings, "window-height", height);
    g_settings_set_boolean(self->settings, "window-maximized", gtk_window_is_maximized(window));
    g_settings_apply(self->settings);
}

static gboolean
dl_window_close_request(GtkWindow *window)
{
    DlWindow *self = DL_WINDOW(window);

    if (_dl_window_hold_close(self))
        return TRUE;
    save_window_state(self);
    dl_runs_page_flush(self->runs_page); /* the deletions the toasts could still undo */
    return GTK_WINDOW_CLASS(dl_window_parent_class)->close_request(window);
}

static void
on_data_folder_changed(DlWindow *self)
{
    g_autofree char *dir = dl_settings_get_data_dir(self->settings);

    dl_session_set_data_dir(self->session, dir);
}

/* Once the application is set (it is not a construct property). */
static void
dl_window_setup(DlWindow *self, DlApplication *app)
{
    self->settings = g_object_ref(dl_application_get_settings(app));
    gtk_window_set_default_size(GTK_WINDOW(self), g_settings_get_int(self->settings, "window-width"),
                                g_settings_get_int(self->settings, "window-height"));
    if (g_settings_get_boolean(self->settings, "window-maximized"))
        gtk_window_maximize(GTK_WINDOW(self));

    g_settings_bind(self->settings, "threads", self->session, "threads", G_SETTINGS_BIND_GET);
    g_settings_bind(self->settings, "follow-training", self->session, "follow-training", G_SETTINGS_BIND_DEFAULT);
    g_signal_connect_object(self->settings, "changed::data-folder", G_CALLBACK(on_data_folder_changed), self,
                            G_CONNECT_SWAPPED);
    dl_dashboard_bind_settings(self->dashboard, self->settings);
    dl_dashboard_set_session(self->dashboard, self->session);
    dl_results_page_set_session(self->results_page, self->session);
    dl_inside_page_set_session(self->inside_page, self->session);
    g_settings_bind(self->settings, "student-name", dl_session_get_collection(self->session), "student",
                    G_SETTINGS_BIND_DEFAULT);
    dl_drawings_page_set_session(self->drawings_page, self->session);
    dl_runs_page_setup(self->runs_page, self->session, self->settings);
    dl_drawing_pane_set_session(self->drawing_pane, self->session);
    g_signal_connect_object(self->session, "model-changed", G_CALLBACK(update_subtitle), self, G_CONNECT_SWAPPED);

    load_initial_model(self);
    update_subtitle(self);
    on_data_folder_changed(self);
    _dl_window_actions_init(self);
    _dl_window_presenter_init(self);
    dl_drawing_pane_focus_canvas(self->drawing_pane);
}

static void
dl_window_dispose(GObject *object)
{
    DlWindow *self = DL_WINDOW(object);

    self->disposed = TRUE;
    g_clear_handle_id(&self->layout_idle, g_source_remove);
    _dl_window_presenter_dispose(self);
    if (self->chooser != NULL)
        gtk_native_dialog_destroy(GTK_NATIVE_DIALOG(self->chooser));
    g_clear_object(&self->chooser);
    if (self->settings != NULL)
        g_signal_handlers_disconnect_by_data(self->settings, self);
    if (self->session != NULL)
        g_signal_handlers_disconnect_by_data(self->session, self);
    gtk_widget_dispose_template(GTK_WIDGET(self), DL_TYPE_WINDOW);
    g_clear_object(&self->session);
    g_clear_object(&self->settings);

    G_OBJECT_CLASS(dl_window_parent_class)->dispose(object);
}

static void
dl_window_class_init(DlWindowClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
    GtkWindowClass *window_class = GTK_WINDOW_CLASS(klass);

    object_class->dispose = dl_window_dispose;
    widget_class->size_allocate = dl_window_size_allocate;
    window_class->close_request = dl_window_close_request;

    g_type_ensure(DL_TYPE_DASHBOARD);
    g_type_ensure(DL_TYPE_RESULTS_PAGE);
    g_type_ensure(DL_TYPE_INSIDE_PAGE);
    g_type_ensure(DL_TYPE_DRAWINGS_PAGE);
    g_type_ensure(DL_TYPE_RUNS_PAGE);
    g_type_ensure(DL_TYPE_DRAWING_PANE);

    gtk_widget_class_set_template_from_resource(widget_class, DL_RESOURCE_PATH "/ui/dl-window.ui");
    gtk_widget_class_bind_template_child(widget_class, DlWindow, toast_overlay);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, switcher_title);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, pause_button);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, view_stack);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, header_bar);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, draw_page);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, draw_scroller);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, separator);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, side_scroller);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, dashboard);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, results_page);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, inside_page);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, drawings_page);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, runs_page);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, drawing_pane);

    _dl_window_class_actions_init(klass);
    _dl_window_class_presenter_init(klass);
}

static void
dl_window_init(DlWindow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    g_object_set_data(G_OBJECT(self), DL_TOAST_OVERLAY_KEY, self->toast_overlay);

    self->session = dl_session_new();
}

DlWindow *
dl_window_new(DlApplication *application)
{
    g_return_val_if_fail(DL_IS_APPLICATION(application), NULL);

    DlWindow *self = g_object_new(DL_TYPE_WINDOW, "application", application, NULL);

    dl_window_setup(self, application);
    return self;
}
