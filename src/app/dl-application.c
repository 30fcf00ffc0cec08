/* dl-application.c — the Digit Lab application. */
#include "dl-application.h"
#include "dl-renderer.h"

#include <glib/gi18n.h>
#include <string.h>

#include "dl-canvas.h"
#include "dl-confusion-view.h"
#include "dl-dashboard.h"
#include "dl-dataset-dialog.h"
#include "dl-digit-view.h"
#include "dl-drawing-pane.h"
#include "dl-feature-grid.h"
#include "dl-drawings-page.h"
#include "dl-finetuner.h"
#include "dl-gallery-model.h"
#include "dl-history.h"
#include "dl-inside-page.h"
#include "dl-plot.h"
#include "dl-preferences-window.h"
#include "dl-preprocess-strip.h"
#include "dl-progress.h"
#include "dl-recognizer.h"
#include "dl-results-page.h"
#include "dl-session.h"
#include "dl-stall-probe.h"
#include "dl-thumbnail.h"
#include "dl-trainer.h"
#include "dl-settings.h"
#include "dl-unit-strip.h"
#include "dl-window.h"

struct _DlApplication {
    AdwApplication parent_instance;

    GSettings *settings;
};

G_DEFINE_FINAL_TYPE(DlApplication, dl_application, ADW_TYPE_APPLICATION)

DlApplication *
dl_application_new(void)
{
    return g_object_new(DL_TYPE_APPLICATION,
                        "application-id", DL_APPLICATION_ID,
                        "resource-base-path", DL_RESOURCE_PATH,
                        "flags", G_APPLICATION_DEFAULT_FLAGS,
                        NULL);
}

GSettings *
dl_application_get_settings(DlApplication *self)
{
    g_return_val_if_fail(DL_IS_APPLICATION(self), NULL);

    return self->settings;
}

static void
dl_application_activate(GApplication *app)
{
    GtkWindow *window = gtk_application_get_active_window(GTK_APPLICATION(app));

    if (window == NULL)
        window = GTK_WINDOW(dl_window_new(DL_APPLICATION(app)));
    gtk_window_present(window);
}

static void
quit_activated(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
    GtkApplication *app = user_data;

    /* Closing each window lets it stop a training run cleanly first. */
    GList *windows = g_list_copy(gtk_application_get_windows(app));
    for (GList *l = windows; l != NULL; l = l->next)
        gtk_window_close(l->data);
    g_list_free(windows);
}

static void
about_activated(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
    GtkApplication *app = user_data;
    const char *developers[] = { "The Digit Lab authors", NULL };
    const char *paper[] = {
        "Chandhan Sayee R. et al., “Recognition of Handwritten Digit using Convolutional Neural "
        "Network in Python”, IJIREEICE, 2025 https://doi.org/10.17148/IJIREEICE.2025.131133",
        NULL,
    };
    const char *mnist[] = {
        "Yann LeCun, Corinna Cortes and Christopher J. C. Burges http://yann.lecun.com/exdb/mnist/",
        NULL,
    };

    AdwAboutWindow *about = ADW_ABOUT_WINDOW(adw_about_window_new());
    gtk_window_set_transient_for(GTK_WINDOW(about), gtk_application_get_active_window(app));
    adw_about_window_set_application_name(about, _("Digit Lab"));
    adw_about_window_set_application_icon(about, DL_APPLICATION_ID);
    adw_about_window_set_version(about, DIGITLAB_VERSION);
    adw_about_window_set_developer_name(about, _("The Digit Lab authors"));
    adw_about_window_set_developers(about, developers);
    adw_about_window_set_license_type(about, GTK_LICENSE_GPL_3_0);
    adw_about_window_set_copyright(about, "© 2025 The Digit Lab authors");
    adw_about_window_set_website(about, "https://github.com/digitlab/digitlab");
    adw_about_window_set_comments(about,
        _("Train a convolutional neural network on handwritten digits and watch it learn, "
          "then draw digits for it to recognise."));
    adw_about_window_add_credit_section(about, _("Network and training recipe"), paper);
    adw_about_window_add_credit_section(about, _("MNIST database"), mnist);
    adw_about_window_add_legal_section(about, _("MNIST"),
        "© Yann LeCun, Corinna Cortes, Christopher J. C. Burges", GTK_LICENSE_CUSTOM,
        _("Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, “Gradient-based learning applied to "
          "document recognition”, Proceedings of the IEEE 86(11), 1998. The MNIST files are "
          "downloaded on request and are not part of Digit Lab."));
    gtk_window_present(GTK_WINDOW(about));
}

static void
preferences_activated(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
    DlApplication *self = user_data;
    GtkWindow *parent = gtk_application_get_active_window(GTK_APPLICATION(self));
    DlPreferencesWindow *prefs = dl_preferences_window_new(self->settings);

    gtk_window_set_transient_for(GTK_WINDOW(prefs), parent);
    gtk_window_present(GTK_WINDOW(prefs));
}

static const GActionEntry app_actions[] = {
    { .name = "quit", .activate = quit_activated },
    { .name = "about", .activate = about_activated },
    { .name = "preferences", .activate = preferences_activated },
};

static const struct {
    const char *action;
    const char *accels[4];
} app_accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "window.close", { "<Control>w", NULL } },
    { "win.train", { "<Control>t", "F5", NULL } },
    { "win.pause", { "<Control>p", NULL } },
    { "win.stop", { "<Control>period", NULL } },
    { "win.open-model", { "<Control>o", NULL } },
    { "win.save-model", { "<Control><Shift>s", NULL } },
    { "win.focus-canvas", { "<Control>d", NULL } },
    { "win.page::train", { "<Alt>1", NULL } },
    { "win.page::results", { "<Alt>2", NULL } },
    { "win.page::inside", { "<Alt>3", NULL } },
    { "win.page::drawings", { "<Alt>4", NULL } },
    { "win.page::runs", { "<Alt>5", NULL } },
    /* dl-presenter.c */
    { "settings.presenter-mode", { "F11", NULL } },
    { "win.leave-presenter", { "Escape", NULL } },
    { "win.clear-drawing", { "Delete", NULL } },
    { "settings.presenter-plot::accuracy", { "<Control>1", NULL } },
    { "settings.presenter-plot::loss", { "<Control>2", NULL } },
    { "settings.presenter-plot::learning-rate", { "<Control>3", NULL } },
    { "win.zoom-in", { "<Control>plus", "<Control>equal", "<Control>KP_Add" } },
    { "win.zoom-out", { "<Control>minus", "<Control>KP_Subtract", NULL } },
    { "win.zoom-reset", { "<Control>0", "<Control>KP_0", NULL } },
};

static void
dl_application_startup(GApplication *app)
{
    DlApplication *self = DL_APPLICATION(app);

    G_APPLICATION_CLASS(dl_application_parent_class)->startup(app);
    dl_renderer_avoid_software_gl();

    g_set_application_name(_("Digit Lab"));
    gtk_window_set_default_icon_name(DL_APPLICATION_ID);
    self->settings = dl_settings_new();

    g_action_map_add_action_entries(G_ACTION_MAP(app), app_actions, G_N_ELEMENTS(app_actions), app);
    for (guint i = 0; i < G_N_ELEMENTS(app_accels); i++)
        gtk_application_set_accels_for_action(GTK_APPLICATION(app), app_accels[i].action,
                                              app_accels[i].accels);
    dl_stall_probe_start();
}

/* With GOBJECT_DEBUG=instance-count (the GUI tests set it), reports any of
 * the app's objects still alive once every window is gone. */
static void
report_leaks(void)
{
    const GType types[] = {
        DL_TYPE_WINDOW, DL_TYPE_DASHBOARD, DL_TYPE_TRAINER, DL_TYPE_PROGRESS, DL_TYPE_HISTORY,
        DL_TYPE_RECOGNIZER, DL_TYPE_CANVAS, DL_TYPE_DIGIT_VIEW, DL_TYPE_PLOT,
        DL_TYPE_DATASET_DIALOG, DL_TYPE_PREFERENCES_WINDOW, DL_TYPE_SESSION, DL_TYPE_DRAWING_PANE,
        DL_TYPE_RESULTS_PAGE, DL_TYPE_CONFUSION_VIEW, DL_TYPE_THUMBNAIL, DL_TYPE_GALLERY_MODEL, DL_TYPE_TEST_IMAGE,
        DL_TYPE_INSIDE_PAGE, DL_TYPE_PREPROCESS_STRIP, DL_TYPE_FEATURE_GRID, DL_TYPE_UNIT_STRIP,
        DL_TYPE_DRAWINGS_PAGE, DL_TYPE_COLLECTION, DL_TYPE_DRAWING_ITEM, DL_TYPE_FINETUNER,
    };
    const char *debug = g_getenv("GOBJECT_DEBUG");

    if (debug == NULL || strstr(debug, "instance-count") == NULL)
        return;
    guint leaks = 0;
    for (guint i = 0; i < G_N_ELEMENTS(types); i++) {
        int count = g_type_get_instance_count(types[i]);
        if (count != 0) {
            g_printerr("digitlab: leak: %d %s still alive at exit\n", count, g_type_name(types[i]));
            leaks++;
        }
    }
    if (leaks == 0)
        g_printerr("digitlab: no leaks: no instance of the app's %u types left at exit\n",
                   (guint)G_N_ELEMENTS(types));
}

static void
dl_application_shutdown(GApplication *app)
{
    G_APPLICATION_CLASS(dl_application_parent_class)->shutdown(app);
    dl_stall_probe_stop();
    report_leaks();
}

static void
dl_application_finalize(GObject *object)
{
    DlApplication *self = DL_APPLICATION(object);

    g_clear_object(&self->settings);

    G_OBJECT_CLASS(dl_application_parent_class)->finalize(object);
}

static void
dl_application_class_init(DlApplicationClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GApplicationClass *app_class = G_APPLICATION_CLASS(klass);

    object_class->finalize = dl_application_finalize;
    app_class->activate = dl_application_activate;
    app_class->startup = dl_application_startup;
    app_class->shutdown = dl_application_shutdown;
}

static void
dl_application_init(DlApplication *self)
{
}
