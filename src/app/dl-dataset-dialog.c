/* dl-dataset-dialog.c — download MNIST or choose its folder. */
#include "dl-dataset-dialog.h"

#include <glib/gi18n.h>

#include "dl-datadir.h"
#include "dl-download.h"
#include "dl-settings.h"

/* Per-file progress, written by the download thread, read by the main thread
 * (latest value: at most one idle callback pending). */
typedef struct {
    GMutex mutex;
    gint64 done[DL_MNIST_N_FILES];
    gint64 total[DL_MNIST_N_FILES];
    gboolean finished[DL_MNIST_N_FILES];
    gboolean pending;
    GWeakRef dialog;
} DownloadProgress;

struct _DlDatasetDialog {
    AdwWindow parent_instance;

    GSettings *settings;
    char *problem;
    char *dir;                  /* where a download goes */
    GCancellable *cancellable;  /* of the download in progress */
    DownloadProgress *progress;
    GtkFileChooserNative *chooser;
    gboolean closing;

    GtkStack *stack;
    GtkLabel *ask_description;
    GtkLabel *error_label;
    GtkLabel *details_label;
    GtkButton *choose_button;
    GtkButton *download_button;
    GtkButton *cancel_button;
    GtkLabel *download_description;
    GtkProgressBar *bars[DL_MNIST_N_FILES];
    GtkLabel *sizes[DL_MNIST_N_FILES];
};

G_DEFINE_FINAL_TYPE(DlDatasetDialog, dl_dataset_dialog, ADW_TYPE_WINDOW)

enum {
    PROP_0,
    PROP_SETTINGS,
    PROP_PROBLEM,
    N_PROPS
};

enum {
    SIGNAL_READY,
    N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
download_progress_clear(gpointer data)
{
    DownloadProgress *progress = data;

    g_mutex_clear(&progress->mutex);
    g_weak_ref_clear(&progress->dialog);
}

/* Reference-counted: the dialog, the download job and a pending idle each hold one. */
static void
download_progress_unref(DownloadProgress *progress)
{
    g_atomic_rc_box_release_full(progress, download_progress_clear);
}

/* message: what went wrong and what to do; details: the technical cause. */
static void
show_error(DlDatasetDialog *self, const char *message, const char *details)
{
    gtk_label_set_text(self->error_label, message != NULL ? message : "");
    gtk_widget_set_visible(GTK_WIDGET(self->error_label), message != NULL && message[0] != '\0');
    gtk_label_set_text(self->details_label, details != NULL ? details : "");
    gtk_widget_set_visible(GTK_WIDGET(self->details_label), details != NULL && details[0] != '\0');
}

static void
show_page(DlDatasetDialog *self, gboolean downloading)
{
    gtk_stack_set_visible_child_name(self->stack, downloading ? "download" : "ask");
    gtk_widget_set_visible(GTK_WIDGET(self->choose_button), !downloading);
    gtk_widget_set_visible(GTK_WIDGET(self->download_button), !downloading);
    gtk_widget_set_visible(GTK_WIDGET(self->cancel_button), downloading);
    gtk_widget_grab_focus(GTK_WIDGET(downloading ? self->cancel_button : self->download_button));
}

static void
emit_ready(DlDatasetDialog *self, const char *dir)
{
    g_autoptr(DlDatasetDialog) hold = g_object_ref(self);

    g_signal_emit(self, signals[SIGNAL_READY], 0, dir);
    gtk_window_destroy(GTK_WINDOW(self));
}

/* ---- download ------------------------------------------------------------- */

static void
update_bars(DlDatasetDialog *self)
{
    DownloadProgress *p = self->progress;

    if (p == NULL)
        return;
    g_mutex_lock(&p->mutex);
    for (int i = 0; i < DL_MNIST_N_FILES; i++) {
        gint64 total = p->total[i] > 0 ? p->total[i] : dl_mnist_files[i].size;
        double fraction = p->finished[i] ? 1.0 : total > 0 ? (double)p->done[i] / (double)total : 0.0;
        g_autofree char *done = g_format_size(p->finished[i] ? total : p->done[i]);
        g_autofree char *all = g_format_size(total);
        /* TRANSLATORS: bytes received of a file's size, e.g. "1.2 MB of 9.9 MB" */
        g_autofree char *text = p->finished[i] ? g_strdup_printf(_("%s, checked"), all)
                                               : g_strdup_printf(_("%s of %s"), done, all);

        gtk_progress_bar_set_fraction(self->bars[i], CLAMP(fraction, 0.0, 1.0));
        gtk_label_set_text(self->sizes[i], text);
    }
    p->pending = FALSE;
    g_mutex_unlock(&p->mutex);
}

static gboolean
update_bars_idle(gpointer data)
{
    DownloadProgress *p = data;
    g_autoptr(DlDatasetDialog) self = g_weak_ref_get(&p->dialog);

    if (self != NULL && !self->closing && self->progress == p)
        update_bars(self);
    return G_SOURCE_REMOVE;
}

/* Download thread; p->mutex held. */
static void
schedule_update_locked(DownloadProgress *p)
{
    if (p->pending)
        return;
    p->pending = TRUE;
    g_idle_add_full(G_PRIORITY_DEFAULT_IDLE, update_bars_idle, g_atomic_rc_box_acquire(p),
                    (GDestroyNotify)download_progress_unref);
}

static void
on_download_progress(guint index, const char *name, gint64 done, gint64 total, gpointer user_data)
{
    DownloadProgress *p = user_data;

    if (index >= DL_MNIST_N_FILES)
        return;
    g_mutex_lock(&p->mutex);
    p->done[index] = done;
    p->total[index] = total;
    schedule_update_locked(p);
    g_mutex_unlock(&p->mutex);
}

static void
on_file_done(guint index, const char *name, DlFileOutcome outcome, const char *mirror, gint64 size,
             gpointer user_data)
{
    DownloadProgress *p = user_data;

    if (index >= DL_MNIST_N_FILES)
        return;
    g_mutex_lock(&p->mutex);
    p->done[index] = p->total[index] = size;
    p->finished[index] = TRUE;
    schedule_update_locked(p);
    g_mutex_unlock(&p->mutex);
}

typedef struct {
    char *dir;
    DownloadProgress *progress;
    GCancellable *cancellable;
} DownloadJob;

static void
download_job_free(gpointer data)
{
    DownloadJob *job = data;

    g_free(job->dir);
    download_progress_unref(job->progress);
    g_clear_object(&job->cancellable);
    g_free(job);
}

static void
download_thread(GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
    DownloadJob *job = task_data;
    GError *error = NULL;
    DlDownloadOptions options = {
        .mirrors = NULL, /* $DIGITLAB_MNIST_MIRROR, else the usual mirrors */
        .progress = on_download_progress,
        .file_done = on_file_done,
        .user_data = job->progress,
        .cancellable = cancellable,
    };

    if (dl_download_mnist(job->dir, &options, &error))
        g_task_return_boolean(task, TRUE);
    else
        g_task_return_error(task, error);
}

static char *
explain_download_error(const GError *error, const char *dir)
{
    g_autofree char *where = g_filename_display_name(dir);

    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return g_strdup(_("The download was cancelled. Files that were complete are kept."));
    if (error->domain == DL_DOWNLOAD_ERROR) {
        switch ((DlDownloadError)error->code) {
        case DL_DOWNLOAD_ERROR_UNREACHABLE:
            return g_strdup(_("None of the MNIST servers could be reached. Check the internet "
                              "connection and try again, or choose a folder that already holds MNIST."));
        case DL_DOWNLOAD_ERROR_CHECKSUM:
            return g_strdup(_("The files the servers sent do not match MNIST’s published checksums, "
                              "so they were not kept. Try again later, or choose a folder that "
                              "already holds MNIST."));
        case DL_DOWNLOAD_ERROR_IO:
            return g_strdup_printf(_("The files could not be saved in %s. Choose another folder in "
                                     "Preferences."), where);
        case DL_DOWNLOAD_ERROR_FAILED:
        default:
            break;
        }
    }
    return g_strdup(_("The download failed. Try again, or choose a folder that already holds MNIST."));
}

static void
download_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    DlDatasetDialog *self = DL_DATASET_DIALOG(source);
    g_autoptr(GError) error = NULL;
    gboolean ok = g_task_propagate_boolean(G_TASK(result), &error);

    g_clear_object(&self->cancellable);
    if (self->closing) {
        g_clear_pointer(&self->progress, download_progress_unref);
        return;
    }
    update_bars(self);
    g_clear_pointer(&self->progress, download_progress_unref);

    if (ok) {
        g_autofree char *dir = g_strdup(self->dir);
        emit_ready(self, dir);
        return;
    }
    g_autofree char *message = explain_download_error(error, self->dir);
    gboolean cancelled = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    show_error(self, message, cancelled ? NULL : error->message);
    gtk_button_set_label(self->download_button, _("_Try Again"));
    show_page(self, FALSE);
}

static void
download(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlDatasetDialog *self = DL_DATASET_DIALOG(widget);

    if (self->cancellable != NULL)
        return;

    /* The bars can be read by a thread-safe idle until the dialog goes away. */
    g_clear_pointer(&self->progress, download_progress_unref);
    self->progress = g_atomic_rc_box_new0(DownloadProgress);
    g_mutex_init(&self->progress->mutex);
    g_weak_ref_init(&self->progress->dialog, self);
    self->cancellable = g_cancellable_new();
    update_bars(self);
    show_error(self, NULL, NULL);
    show_page(self, TRUE);

    DownloadJob *job = g_new0(DownloadJob, 1);
    job->dir = g_strdup(self->dir);
    job->progress = g_atomic_rc_box_acquire(self->progress);
    job->cancellable = g_object_ref(self->cancellable);

    g_autoptr(GTask) task = g_task_new(self, self->cancellable, download_done, NULL);
    g_task_set_source_tag(task, download);
    g_task_set_name(task, "[digitlab] MNIST download");
    g_task_set_task_data(task, job, download_job_free);
    g_task_run_in_thread(task, download_thread);
}

static void
cancel_download(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlDatasetDialog *self = DL_DATASET_DIALOG(widget);

    if (self->cancellable != NULL)
        g_cancellable_cancel(self->cancellable);
}

/* ---- choosing a folder -------------------------------------------------------- */

/* Which MNIST files a folder lacks, and what to do, in a sentence; NULL
 * when it holds all four. */
static char *
describe_missing(const char *dir)
{
    g_auto(GStrv) missing = dl_data_dir_missing_mnist(dir);
    guint n = g_strv_length(missing);

    if (n == 0)
        return NULL;
    g_autofree char *display = g_filename_display_name(dir);
    g_autofree char *names = g_strjoinv(", ", missing);
    /* TRANSLATORS: the folder, then the names of the missing MNIST files */
    return g_strdup_printf(ngettext("%s lacks the MNIST file %s (it may end in .gz). Download it, or "
                                       "choose a folder that holds all four files.",
                                       "%s lacks the MNIST files %s (each may end in .gz). Download them, "
                                       "or choose a folder that holds all four files.", n),
                           display, names);
}

static void
on_chooser_response(GtkNativeDialog *dialog, int response, gpointer user_data)
{
    DlDatasetDialog *self = user_data;
    g_autoptr(GFile) folder = NULL;
    g_autofree char *path = NULL;

    if (response == GTK_RESPONSE_ACCEPT) {
        folder = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
        path = folder != NULL ? g_file_get_path(folder) : NULL;
    }
    g_clear_object(&self->chooser);
    if (path == NULL)
        return;

    g_autofree char *lacking = describe_missing(path);
    if (lacking != NULL) {
        show_error(self, lacking, NULL);
        return;
    }
    g_settings_set_string(self->settings, "data-folder", path);
    emit_ready(self, path);
}

static void
choose_folder(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlDatasetDialog *self = DL_DATASET_DIALOG(widget);

    if (self->chooser != NULL)
        return;
    self->chooser = gtk_file_chooser_native_new(_("Choose the MNIST Folder"), GTK_WINDOW(self),
                                                GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Select"),
                                                _("_Cancel"));
    gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(self->chooser), TRUE);
    g_signal_connect(self->chooser, "response", G_CALLBACK(on_chooser_response), self);
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

/* ---- GObject ---------------------------------------------------------------------- */

static gboolean
dl_dataset_dialog_close_request(GtkWindow *window)
{
    DlDatasetDialog *self = DL_DATASET_DIALOG(window);

    /* The task keeps the dialog alive until the thread returns; nothing is shown after. */
    self->closing = TRUE;
    if (self->cancellable != NULL)
        g_cancellable_cancel(self->cancellable);
    return GTK_WINDOW_CLASS(dl_dataset_dialog_parent_class)->close_request(window);
}

static void
dl_dataset_dialog_constructed(GObject *object)
{
    DlDatasetDialog *self = DL_DATASET_DIALOG(object);

    G_OBJECT_CLASS(dl_dataset_dialog_parent_class)->constructed(object);

    self->dir = dl_settings_get_data_dir(self->settings);
    g_autofree char *where = g_filename_display_name(self->dir);
    g_autofree char *description = g_strdup_printf(
        _("Training uses MNIST, 70,000 handwritten digits by Yann LeCun, Corinna Cortes and "
          "Christopher Burges (about 11 MB). Download it into %s, or choose a folder that already "
          "holds it.\n\nDrawing works without it, with the bundled model."), where);
    gtk_label_set_text(self->ask_description, description);
    g_autofree char *download_description =
        g_strdup_printf(_("Into %s; every file is checked against its published SHA-256 sum."), where);
    gtk_label_set_text(self->download_description, download_description);
    /* A folder holding some of the files: which ones are missing. */
    g_autofree char *lacking = NULL;
    if (self->problem == NULL) {
        g_auto(GStrv) missing = dl_data_dir_missing_mnist(self->dir);
        if (g_strv_length(missing) < DL_MNIST_N_FILES)
            lacking = describe_missing(self->dir);
    }
    show_error(self, self->problem != NULL ? self->problem : lacking, NULL);
    show_page(self, FALSE);
}

static void
dl_dataset_dialog_dispose(GObject *object)
{
    DlDatasetDialog *self = DL_DATASET_DIALOG(object);

    self->closing = TRUE;
    if (self->cancellable != NULL)
        g_cancellable_cancel(self->cancellable);
    if (self->chooser != NULL)
        gtk_native_dialog_destroy(GTK_NATIVE_DIALOG(self->chooser));
    g_clear_object(&self->chooser);
    gtk_widget_dispose_template(GTK_WIDGET(self), DL_TYPE_DATASET_DIALOG);

    G_OBJECT_CLASS(dl_dataset_dialog_parent_class)->dispose(object);
}

static void
dl_dataset_dialog_finalize(GObject *object)
{
    DlDatasetDialog *self = DL_DATASET_DIALOG(object);

    g_clear_pointer(&self->progress, download_progress_unref);
    g_clear_object(&self->cancellable);
    g_clear_object(&self->settings);
    g_free(self->problem);
    g_free(self->dir);

    G_OBJECT_CLASS(dl_dataset_dialog_parent_class)->finalize(object);
}

static void
dl_dataset_dialog_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
    DlDatasetDialog *self = DL_DATASET_DIALOG(object);

    switch (prop_id) {
    case PROP_SETTINGS:
        self->settings = g_value_dup_object(value);
        break;
    case PROP_PROBLEM:
        self->problem = g_value_dup_string(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_dataset_dialog_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    DlDatasetDialog *self = DL_DATASET_DIALOG(object);

    switch (prop_id) {
    case PROP_SETTINGS:
        g_value_set_object(value, self->settings);
        break;
    case PROP_PROBLEM:
        g_value_set_string(value, self->problem);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_dataset_dialog_class_init(DlDatasetDialogClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
    GtkWindowClass *window_class = GTK_WINDOW_CLASS(klass);

    object_class->constructed = dl_dataset_dialog_constructed;
    object_class->dispose = dl_dataset_dialog_dispose;
    object_class->finalize = dl_dataset_dialog_finalize;
    object_class->set_property = dl_dataset_dialog_set_property;
    object_class->get_property = dl_dataset_dialog_get_property;
    window_class->close_request = dl_dataset_dialog_close_request;

    properties[PROP_SETTINGS] =
        g_param_spec_object("settings", NULL, NULL, G_TYPE_SETTINGS,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
    properties[PROP_PROBLEM] =
        g_param_spec_string("problem", NULL, NULL, NULL,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, properties);

    /**
     * DlDatasetDialog::ready:
     * @dir: the folder that now holds the four MNIST files
     */
    signals[SIGNAL_READY] = g_signal_new("ready", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                         NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

    gtk_widget_class_set_template_from_resource(widget_class, DL_RESOURCE_PATH "/ui/dl-dataset-dialog.ui");
    gtk_widget_class_bind_template_child(widget_class, DlDatasetDialog, stack);
    gtk_widget_class_bind_template_child(widget_class, DlDatasetDialog, ask_description);
    gtk_widget_class_bind_template_child(widget_class, DlDatasetDialog, error_label);
    gtk_widget_class_bind_template_child(widget_class, DlDatasetDialog, details_label);
    gtk_widget_class_bind_template_child(widget_class, DlDatasetDialog, choose_button);
    gtk_widget_class_bind_template_child(widget_class, DlDatasetDialog, download_button);
    gtk_widget_class_bind_template_child(widget_class, DlDatasetDialog, cancel_button);
    gtk_widget_class_bind_template_child(widget_class, DlDatasetDialog, download_description);
    gtk_widget_class_bind_template_child_full(widget_class, "bar0", FALSE, G_STRUCT_OFFSET(DlDatasetDialog, bars[0]));
    gtk_widget_class_bind_template_child_full(widget_class, "bar1", FALSE, G_STRUCT_OFFSET(DlDatasetDialog, bars[1]));
    gtk_widget_class_bind_template_child_full(widget_class, "bar2", FALSE, G_STRUCT_OFFSET(DlDatasetDialog, bars[2]));
    gtk_widget_class_bind_template_child_full(widget_class, "bar3", FALSE, G_STRUCT_OFFSET(DlDatasetDialog, bars[3]));
    gtk_widget_class_bind_template_child_full(widget_class, "size0", FALSE, G_STRUCT_OFFSET(DlDatasetDialog, sizes[0]));
    gtk_widget_class_bind_template_child_full(widget_class, "size1", FALSE, G_STRUCT_OFFSET(DlDatasetDialog, sizes[1]));
    gtk_widget_class_bind_template_child_full(widget_class, "size2", FALSE, G_STRUCT_OFFSET(DlDatasetDialog, sizes[2]));
    gtk_widget_class_bind_template_child_full(widget_class, "size3", FALSE, G_STRUCT_OFFSET(DlDatasetDialog, sizes[3]));

    gtk_widget_class_install_action(widget_class, "dataset.download", NULL, download);
    gtk_widget_class_install_action(widget_class, "dataset.cancel", NULL, cancel_download);
    gtk_widget_class_install_action(widget_class, "dataset.choose-folder", NULL, choose_folder);
    gtk_widget_class_add_binding_action(widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
dl_dataset_dialog_init(DlDatasetDialog *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
}

DlDatasetDialog *
dl_dataset_dialog_new(GtkWindow *parent, GSettings *settings, const char *problem)
{
    g_return_val_if_fail(G_IS_SETTINGS(settings), NULL);

    return g_object_new(DL_TYPE_DATASET_DIALOG,
                        "transient-for", parent,
                        "settings", settings,
                        "problem", problem,
                        NULL);
}
