/* dl-preferences-window.c — the MNIST folder and threads (the validation size is a
 * hyper-parameter on the Train page). */
#include "dl-preferences-window.h"

#include <glib/gi18n.h>

#include "dl-datadir.h"
#include "dl-settings.h"

struct _DlPreferencesWindow {
    AdwPreferencesWindow parent_instance;

    GSettings *settings;
    GtkFileChooserNative *chooser;

    AdwActionRow *folder_row;
    GtkButton *reset_folder_button;
    GtkSpinButton *threads_spin;
};

G_DEFINE_FINAL_TYPE(DlPreferencesWindow, dl_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
    PROP_0,
    PROP_SETTINGS,
    N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_folder_row(DlPreferencesWindow *self)
{
    g_autofree char *dir = dl_settings_get_data_dir(self->settings);
    g_autofree char *chosen = g_settings_get_string(self->settings, "data-folder");
    g_autofree char *display = g_filename_display_name(dir);
    const char *state = dl_data_dir_has_mnist(dir) ? _("All four MNIST files are there")
                                                   : _("MNIST is not there yet: Train offers to download it");
    g_autofree char *subtitle = g_strdup_printf("%s\n%s", display, state);

    adw_action_row_set_subtitle(self->folder_row, subtitle);
    gtk_widget_set_sensitive(GTK_WIDGET(self->reset_folder_button), chosen[0] != '\0');
}

static void
on_chooser_response(GtkNativeDialog *dialog, int response, gpointer user_data)
{
    DlPreferencesWindow *self = user_data;

    if (response == GTK_RESPONSE_ACCEPT) {
        g_autoptr(GFile) folder = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
        g_autofree char *path = folder != NULL ? g_file_get_path(folder) : NULL;

        if (path != NULL)
            g_settings_set_string(self->settings, "data-folder", path);
    }
    g_clear_object(&self->chooser);
}

static void
choose_folder(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlPreferencesWindow *self = DL_PREFERENCES_WINDOW(widget);

    g_clear_object(&self->chooser);
    self->chooser = gtk_file_chooser_native_new(_("Choose the MNIST Folder"), GTK_WINDOW(self),
                                                GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Select"),
                                                _("_Cancel"));
    gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(self->chooser), TRUE);
    g_signal_connect(self->chooser, "response", G_CALLBACK(on_chooser_response), self);
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

static void
reset_folder(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlPreferencesWindow *self = DL_PREFERENCES_WINDOW(widget);

    g_settings_reset(self->settings, "data-folder");
}

static void
dl_preferences_window_constructed(GObject *object)
{
    DlPreferencesWindow *self = DL_PREFERENCES_WINDOW(object);

    G_OBJECT_CLASS(dl_preferences_window_parent_class)->constructed(object);

    g_settings_bind(self->settings, "threads", self->threads_spin, "value", G_SETTINGS_BIND_DEFAULT);
    g_signal_connect_object(self->settings, "changed::data-folder", G_CALLBACK(update_folder_row), self,
                            G_CONNECT_SWAPPED);
    update_folder_row(self);
}

static void
dl_preferences_window_dispose(GObject *object)
{
    DlPreferencesWindow *self = DL_PREFERENCES_WINDOW(object);

    if (self->chooser != NULL)
        gtk_native_dialog_destroy(GTK_NATIVE_DIALOG(self->chooser));
    g_clear_object(&self->chooser);
    gtk_widget_dispose_template(GTK_WIDGET(self), DL_TYPE_PREFERENCES_WINDOW);

    G_OBJECT_CLASS(dl_preferences_window_parent_class)->dispose(object);
}

static void
dl_preferences_window_finalize(GObject *object)
{
    DlPreferencesWindow *self = DL_PREFERENCES_WINDOW(object);

    g_clear_object(&self->settings);

    G_OBJECT_CLASS(dl_preferences_window_parent_class)->finalize(object);
}

static void
dl_preferences_window_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
    DlPreferencesWindow *self = DL_PREFERENCES_WINDOW(object);

    switch (prop_id) {
    case PROP_SETTINGS:
        self->settings = g_value_dup_object(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_preferences_window_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    DlPreferencesWindow *self = DL_PREFERENCES_WINDOW(object);

    switch (prop_id) {
    case PROP_SETTINGS:
        g_value_set_object(value, self->settings);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_preferences_window_class_init(DlPreferencesWindowClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->constructed = dl_preferences_window_constructed;
    object_class->dispose = dl_preferences_window_dispose;
    object_class->finalize = dl_preferences_window_finalize;
    object_class->set_property = dl_preferences_window_set_property;
    object_class->get_property = dl_preferences_window_get_property;

    properties[PROP_SETTINGS] =
        g_param_spec_object("settings", NULL, NULL, G_TYPE_SETTINGS,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, properties);

    gtk_widget_class_set_template_from_resource(widget_class, DL_RESOURCE_PATH "/ui/dl-preferences-window.ui");
    gtk_widget_class_bind_template_child(widget_class, DlPreferencesWindow, folder_row);
    gtk_widget_class_bind_template_child(widget_class, DlPreferencesWindow, reset_folder_button);
    gtk_widget_class_bind_template_child(widget_class, DlPreferencesWindow, threads_spin);

    gtk_widget_class_install_action(widget_class, "prefs.choose-folder", NULL, choose_folder);
    gtk_widget_class_install_action(widget_class, "prefs.reset-folder", NULL, reset_folder);
}

static void
dl_preferences_window_init(DlPreferencesWindow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
}

DlPreferencesWindow *
dl_preferences_window_new(GSettings *settings)
{
    g_return_val_if_fail(G_IS_SETTINGS(settings), NULL);

    return g_object_new(DL_TYPE_PREFERENCES_WINDOW, "settings", settings, NULL);
}
