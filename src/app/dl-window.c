/* dl-window.c — the main window. */
#include "dl-window.h"

#include <glib/gi18n.h>

#include "dl-application.h"
#include "dl-canvas.h"
#include "dl-dashboard.h"
#include "dl-datadir.h"
#include "dl-dataset-dialog.h"
#include "dl-digit-view.h"
#include "dl-export.h"
#include "dl-history.h"
#include "dl-plot.h"
#include "dl-recognizer.h"
#include "dl-settings.h"
#include "dl-trainer.h"

/* Narrower than this (or than the side-by-side layout needs), the drawing
 * area goes above the dashboard. */
#define NARROW_WIDTH 1000

typedef enum {
    MODEL_NONE,
    MODEL_BUNDLED,
    MODEL_FILE,      /* opened or saved: model_path */
    MODEL_TRAINING,  /* the run in progress, as of epoch model_epoch */
    MODEL_TRAINED,   /* a finished or stopped run, not saved */
} ModelSource;

struct _DlWindow {
    AdwApplicationWindow parent_instance;

    GSettings *settings;
    DlTrainer *trainer;
    DlHistory *history;
    DlRecognizer *recognizer;
    GCancellable *cancellable;       /* of the training run */
    GtkFileChooserNative *chooser;

    ModelSource model_source;
    char *model_path;
    int model_epoch;
    int run_epochs;
    NnSchedule run_schedule;
    gboolean run_per_step_lr;
    double last_val_accuracy;
    gboolean close_after_stop;
    gboolean disposed;
    gboolean narrow;
    int wide_min;        /* the content's minimum width, side by side */
    guint layout_idle;

    /* template */
    AdwToastOverlay *toast_overlay;
    AdwWindowTitle *window_title;
    GtkButton *pause_button;
    GtkBox *content_box;
    GtkSeparator *separator;
    DlDashboard *dashboard;
    GtkBox *drawing_pane;
    DlCanvas *canvas;
    DlDigitView *digit_view;
    GtkLabel *model_label;
};

G_DEFINE_FINAL_TYPE(DlWindow, dl_window, ADW_TYPE_APPLICATION_WINDOW)

/* ---- messages ------------------------------------------------------------------ */

static void
toast(DlWindow *self, const char *message)
{
    AdwToast *t = adw_toast_new(message);

    adw_toast_set_timeout(t, 6);
    adw_toast_overlay_add_toast(self->toast_overlay, t);
}

static AdwMessageDialog *
message_dialog(DlWindow *self, const char *heading, const char *body)
{
    AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG(adw_message_dialog_new(GTK_WINDOW(self), heading, body));

    adw_message_dialog_add_response(dialog, "close", _("_Close"));
    adw_message_dialog_set_default_response(dialog, "close");
    adw_message_dialog_set_close_response(dialog, "close");
    return dialog;
}

/* ---- the model and recognition ------------------------------------------------------ */

static void
recognize(DlWindow *self)
{
    float image[NN_IMAGE_PIXELS], probs[NN_CLASSES];
    g_autoptr(GError) error = NULL;

    switch (dl_recognizer_recognize(self->recognizer, dl_canvas_get_strokes(self->canvas), image, probs,
                                    &error)) {
    case DL_RECOGNITION_DIGIT:
        dl_digit_view_set_result(self->digit_view, image, probs);
        break;
    case DL_RECOGNITION_EMPTY:
        dl_digit_view_clear(self->digit_view);
        break;
    case DL_RECOGNITION_FAILED:
    default:
        dl_digit_view_clear(self->digit_view);
        /* No model: the label below the canvas says so already. */
        if (!g_error_matches(error, DL_RECOGNIZER_ERROR, DL_RECOGNIZER_ERROR_NO_MODEL))
            toast(self, error->message);
        break;
    }
}

static void
update_model_label(DlWindow *self)
{
    g_autofree char *text = NULL;
    g_autofree char *subtitle = NULL;

    switch (self->model_source) {
    case MODEL_BUNDLED:
        text = g_strdup(_("Recognised by the bundled model, trained on all of MNIST"));
        subtitle = g_strdup(_("Bundled model"));
        break;
    case MODEL_FILE: {
        g_autofree char *name = g_filename_display_basename(self->model_path);
        text = g_strdup_printf(_("Recognised by %s"), name);
        subtitle = g_strdup(name);
        break;
    }
    case MODEL_TRAINING:
        text = g_strdup_printf(_("Recognised by the model being trained, as of epoch %d of %d"),
                               self->model_epoch, self->run_epochs);
        subtitle = g_strdup_printf(_("Training: model of epoch %d of %d"), self->model_epoch, self->run_epochs);
        break;
    case MODEL_TRAINED:
        text = g_strdup_printf(_("Recognised by the model trained here (epoch %d), not saved"),
                               self->model_epoch);
        subtitle = g_strdup_printf(_("Trained model, not saved"));
        break;
    case MODEL_NONE:
    default:
        text = g_strdup(_("No model: train one, or open a model file"));
        subtitle = g_strdup(_("No model"));
        break;
    }
    gtk_label_set_text(self->model_label, text);
    adw_window_title_set_subtitle(self->window_title, subtitle);
}

static void
set_model_source(DlWindow *self, ModelSource source, const char *path)
{
    if (path != self->model_path) {
        g_free(self->model_path);
        self->model_path = g_strdup(path);
    }
    self->model_source = source;
    update_model_label(self);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "win.save-model", dl_recognizer_has_model(self->recognizer));
    recognize(self);
}

static gboolean
load_bundled_model(DlWindow *self, GError **error)
{
    g_autofree char *path = dl_find_bundled_model();

    if (path == NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    _("The bundled model (digitlab-default.dlm) is not installed"));
        return FALSE;
    }
    if (!dl_recognizer_load_model(self->recognizer, path, error))
        return FALSE;
    set_model_source(self, MODEL_BUNDLED, NULL);
    return TRUE;
}

/* At start: the model opened or saved last, else the bundled one. */
static void
load_initial_model(DlWindow *self)
{
    g_autofree char *last = g_settings_get_string(self->settings, "model-path");
    g_autoptr(GError) error = NULL;

    if (last[0] != '\0') {
        if (dl_recognizer_load_model(self->recognizer, last, &error)) {
            set_model_source(self, MODEL_FILE, last);
            return;
        }
        g_autofree char *message = g_strdup_printf(_("Could not open the last model: %s"), error->message);
        toast(self, message);
        g_clear_error(&error);
    }
    if (!load_bundled_model(self, &error)) {
        g_message("%s", error->message);
        set_model_source(self, MODEL_NONE, NULL);
    }
}

/* ---- training ------------------------------------------------------------------------- */

static void
update_actions(DlWindow *self)
{
    DlTrainerState state = dl_trainer_get_state(self->trainer);
    gboolean idle = state == DL_TRAINER_IDLE;
    GtkWidget *widget = GTK_WIDGET(self);

    gtk_widget_action_set_enabled(widget, "win.train", idle);
    gtk_widget_action_set_enabled(widget, "win.pause", state == DL_TRAINER_RUNNING || state == DL_TRAINER_PAUSED);
    gtk_widget_action_set_enabled(widget, "win.stop", !idle && state != DL_TRAINER_STOPPING);
    gtk_widget_action_set_enabled(widget, "win.open-model", idle);
    gtk_widget_action_set_enabled(widget, "win.revert-model", idle);
    dl_dashboard_set_editable(self->dashboard, idle);

    gboolean paused = state == DL_TRAINER_PAUSED;
    gtk_button_set_icon_name(self->pause_button,
                             paused ? "media-playback-start-symbolic" : "media-playback-pause-symbolic");
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->pause_button), paused ? _("Resume (Ctrl+P)") : _("Pause (Ctrl+P)"));
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->pause_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   paused ? _("Resume") : _("Pause"), -1);

    switch (state) {
    case DL_TRAINER_LOADING:
        dl_dashboard_set_status(self->dashboard, _("Loading MNIST…"));
        break;
    case DL_TRAINER_RUNNING:
        dl_dashboard_set_status(self->dashboard, _("Training"));
        break;
    case DL_TRAINER_PAUSED:
        dl_dashboard_set_status(self->dashboard, _("Paused"));
        break;
    case DL_TRAINER_STOPPING:
        dl_dashboard_set_status(self->dashboard, _("Stopping…"));
        break;
    case DL_TRAINER_IDLE:
    default:
        break;
    }
}

static void
on_trainer_state(DlWindow *self)
{
    update_actions(self);
}

static void
on_trainer_started(DlWindow *self, int train_count, int val_count, int batches, DlTrainer *trainer)
{
    dl_history_reset(self->history, &self->run_schedule, self->run_epochs, batches, self->run_per_step_lr);
    dl_dashboard_set_sizes(self->dashboard, train_count, val_count, batches);
}

static void
on_trainer_batch(DlWindow *self, gpointer data, DlTrainer *trainer)
{
    const NnBatchProgress *progress = data;

    dl_history_add_batch(self->history, progress);
    dl_dashboard_show_batch(self->dashboard, progress);
}

static void
on_trainer_epoch(DlWindow *self, gpointer data, DlTrainer *trainer)
{
    const NnEpochStats *stats = data;

    self->last_val_accuracy = stats->val_accuracy;
    dl_history_add_epoch(self->history, stats);
    dl_dashboard_show_epoch(self->dashboard, stats);
}

/* The model as of the last finished epoch: the canvas uses it from now on. */
static void
on_trainer_snapshot(DlWindow *self, DlTrainer *trainer)
{
    NnModel *model = dl_trainer_steal_snapshot(trainer);

    if (model == NULL)
        return;
    self->model_epoch = nn_model_epochs_done(model);
    dl_recognizer_set_model(self->recognizer, model);
    set_model_source(self, MODEL_TRAINING, NULL);
}

static void
choose_data(DlWindow *self, const char *problem);

static void
on_error_dialog_response(AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
    DlWindow *self = user_data;

    if (g_strcmp0(response, "choose") == 0)
        choose_data(self, NULL);
}

static void
train_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(DlWindow) self = user_data;
    g_autoptr(GError) error = NULL;
    gboolean finished = dl_trainer_train_finish(DL_TRAINER(source), result, &error);

    g_clear_object(&self->cancellable);
    if (self->disposed)
        return;
    if (self->close_after_stop) {
        gtk_window_destroy(GTK_WINDOW(self));
        return;
    }
    update_actions(self);

    if (finished || g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        g_autofree char *message = NULL;

        if (self->model_source == MODEL_TRAINING) {
            set_model_source(self, MODEL_TRAINED, NULL);
            message = finished
                ? g_strdup_printf(_("Training finished: %.2f %% validation accuracy"), 100 * self->last_val_accuracy)
                : g_strdup_printf(_("Training stopped: the model of epoch %d is in use"), self->model_epoch);
        } else {
            message = g_strdup(_("Training stopped before the first epoch ended: the previous model stays"));
        }
        dl_dashboard_set_status(self->dashboard, finished ? _("Finished") : _("Stopped"));
        toast(self, message);
        return;
    }

    dl_dashboard_set_status(self->dashboard, _("Failed"));
    if (self->model_source == MODEL_TRAINING)
        set_model_source(self, MODEL_TRAINED, NULL);

    /* Files the engine could not read are MNIST's: offer another folder. */
    gboolean data_problem = error->domain == DL_TRAINER_ERROR
                            && (error->code == NN_ERR_IO || error->code == NN_ERR_FORMAT
                                || error->code == NN_ERR_CHECKSUM);
    AdwMessageDialog *dialog;
    if (data_problem) {
        g_autofree char *body = g_strdup_printf(
            _("The MNIST files could not be read: %s\n\nChoose a folder holding the four MNIST files, "
              "or download them again."), error->message);
        dialog = message_dialog(self, _("Training Could Not Start"), body);
        adw_message_dialog_add_response(dialog, "choose", _("_Choose Data…"));
        adw_message_dialog_set_response_appearance(dialog, "choose", ADW_RESPONSE_SUGGESTED);
        adw_message_dialog_set_default_response(dialog, "choose");
        g_signal_connect_object(dialog, "response", G_CALLBACK(on_error_dialog_response), self, 0);
    } else {
        dialog = message_dialog(self, _("Training Failed"), error->message);
    }
    gtk_window_present(GTK_WINDOW(dialog));
}

static void
start_training(DlWindow *self, const char *data_dir)
{
    DlTrainRequest request;

    if (dl_trainer_get_busy(self->trainer))
        return;
    dl_settings_get_train_request(self->settings, data_dir, &request);

    int images = MIN(request.train_limit > 0 ? request.train_limit : 60000, 60000);
    int batches = (images + request.config.batch - 1) / request.config.batch;
    self->run_epochs = request.config.epochs;
    self->run_schedule = request.config.schedule;
    self->run_per_step_lr = request.config.per_step_lr;
    self->last_val_accuracy = 0;
    dl_history_reset(self->history, &request.config.schedule, request.config.epochs, batches,
                     request.config.per_step_lr);
    dl_dashboard_start(self->dashboard, request.config.epochs);

    g_clear_object(&self->cancellable);
    self->cancellable = g_cancellable_new();
    dl_trainer_train_async(self->trainer, &request, self->cancellable, train_done, g_object_ref(self));
}

static void
on_data_ready(DlWindow *self, const char *dir, DlDatasetDialog *dialog)
{
    start_training(self, dir);
}

static void
choose_data(DlWindow *self, const char *problem)
{
    DlDatasetDialog *dialog = dl_dataset_dialog_new(GTK_WINDOW(self), self->settings, problem);

    g_signal_connect_object(dialog, "ready", G_CALLBACK(on_data_ready), self, G_CONNECT_SWAPPED);
    gtk_window_present(GTK_WINDOW(dialog));
}

static void
train_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlWindow *self = DL_WINDOW(widget);
    g_autofree char *dir = dl_settings_get_data_dir(self->settings);

    if (dl_trainer_get_busy(self->trainer))
        return;
    if (!dl_data_dir_has_mnist(dir))
        choose_data(self, NULL);
    else
        start_training(self, dir);
}

static void
pause_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlWindow *self = DL_WINDOW(widget);

    if (dl_trainer_get_state(self->trainer) == DL_TRAINER_PAUSED)
        dl_trainer_resume(self->trainer);
    else
        dl_trainer_pause(self->trainer);
    update_actions(self);
}

static void
stop_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlWindow *self = DL_WINDOW(widget);

    dl_trainer_stop(self->trainer);
}

/* ---- model files --------------------------------------------------------------------- */

static GtkFileFilter *
model_filter(void)
{
    GtkFileFilter *filter = gtk_file_filter_new();

    gtk_file_filter_set_name(filter, _("Digit Lab Models"));
    gtk_file_filter_add_pattern(filter, "*.dlm");
    return filter;
}

static GtkFileFilter *
all_files_filter(void)
{
    GtkFileFilter *filter = gtk_file_filter_new();

    gtk_file_filter_set_name(filter, _("All Files"));
    gtk_file_filter_add_pattern(filter, "*");
    return filter;
}

/* The local path the file chooser returned, or NULL if cancelled; releases
 * the chooser either way. */
static char *
take_chosen_path(DlWindow *self, GtkNativeDialog *dialog, int response)
{
    char *path = NULL;

    if (response == GTK_RESPONSE_ACCEPT) {
        g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
        path = file != NULL ? g_file_get_path(file) : NULL;
    }
    g_clear_object(&self->chooser);
    return path;
}

static void
on_open_response(GtkNativeDialog *dialog, int response, DlWindow *self)
{
    g_autofree char *path = take_chosen_path(self, dialog, response);
    if (path == NULL)
        return;

    g_autoptr(GError) error = NULL;
    if (!dl_recognizer_load_model(self->recognizer, path, &error)) {
        g_autofree char *name = g_filename_display_basename(path);
        g_autofree char *heading = g_strdup_printf(_("Could Not Open “%s”"), name);
        g_autofree char *body = g_strdup_printf(_("%s\n\nThe current model stays in use."), error->message);
        gtk_window_present(GTK_WINDOW(message_dialog(self, heading, body)));
        return;
    }
    g_settings_set_string(self->settings, "model-path", path);
    set_model_source(self, MODEL_FILE, path);
    g_autofree char *name = g_filename_display_basename(path);
    g_autofree char *message = g_strdup_printf(_("Opened %s"), name);
    toast(self, message);
}

static void
open_model_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlWindow *self = DL_WINDOW(widget);

    if (self->chooser != NULL)
        return;
    self->chooser = gtk_file_chooser_native_new(_("Open Model"), GTK_WINDOW(self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                                _("_Open"), _("_Cancel"));
    gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(self->chooser), TRUE);
    g_autoptr(GtkFileFilter) filter = model_filter();
    g_autoptr(GtkFileFilter) all = all_files_filter();
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(self->chooser), filter);
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(self->chooser), all);
    g_signal_connect(self->chooser, "response", G_CALLBACK(on_open_response), self);
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

static void
on_save_response(GtkNativeDialog *dialog, int response, DlWindow *self)
{
    g_autofree char *path = take_chosen_path(self, dialog, response);
    if (path == NULL)
        return;

    NnModel *model = dl_recognizer_get_model(self->recognizer);
    NnError err = { 0 };
    if (model == NULL || nn_model_save(model, path, 0, &err) != NN_OK) {
        g_autofree char *name = g_filename_display_basename(path);
        g_autofree char *heading = g_strdup_printf(_("Could Not Save “%s”"), name);
        gtk_window_present(GTK_WINDOW(message_dialog(self, heading, model == NULL ? _("There is no model to save.")
                                                                                  : err.message)));
        return;
    }
    g_settings_set_string(self->settings, "model-path", path);
    /* A run in progress goes on replacing the model; the file keeps this epoch. */
    if (!dl_trainer_get_busy(self->trainer))
        set_model_source(self, MODEL_FILE, path);
    g_autofree char *name = g_filename_display_basename(path);
    g_autofree char *message = g_strdup_printf(_("Saved the model as %s"), name);
    toast(self, message);
}

static void
save_model_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlWindow *self = DL_WINDOW(widget);

    if (self->chooser != NULL || !dl_recognizer_has_model(self->recognizer))
        return;
    self->chooser = gtk_file_chooser_native_new(_("Save Model As"), GTK_WINDOW(self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                                _("_Save"), _("_Cancel"));
    gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(self->chooser), TRUE);
    g_autoptr(GtkFileFilter) filter = model_filter();
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(self->chooser), filter);
    gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(self->chooser), _("digit-lab-model.dlm"));
    g_signal_connect(self->chooser, "response", G_CALLBACK(on_save_response), self);
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

static void
revert_model_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlWindow *self = DL_WINDOW(widget);
    g_autoptr(GError) error = NULL;

    if (!load_bundled_model(self, &error)) {
        gtk_window_present(GTK_WINDOW(message_dialog(self, _("Could Not Load the Bundled Model"), error->message)));
        return;
    }
    g_settings_reset(self->settings, "model-path");
    toast(self, _("Using the bundled model"));
}

/* ---- drawing ---------------------------------------------------------------------------- */

static void
on_canvas_changed(DlWindow *self, DlCanvas *canvas)
{
    recognize(self);
}

static void
on_canvas_empty(DlWindow *self)
{
    gboolean empty = dl_canvas_is_empty(self->canvas);

    gtk_widget_action_set_enabled(GTK_WIDGET(self), "win.clear", !empty);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "win.undo", !empty);
}

static void
clear_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlWindow *self = DL_WINDOW(widget);

    dl_canvas_clear(self->canvas);
}

static void
undo_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlWindow *self = DL_WINDOW(widget);

    dl_canvas_undo(self->canvas);
}

static void
focus_canvas_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlWindow *self = DL_WINDOW(widget);

    gtk_widget_grab_focus(GTK_WIDGET(self->canvas));
}

/* ---- layout ---------------------------------------------------------------------------------- */

/* Wide: dashboard | drawing. Narrow: drawing (canvas beside the result) above the dashboard. */
static void
apply_layout(DlWindow *self)
{
    GtkOrientation main = self->narrow ? GTK_ORIENTATION_VERTICAL : GTK_ORIENTATION_HORIZONTAL;

    gtk_orientable_set_orientation(GTK_ORIENTABLE(self->content_box), main);
    gtk_orientable_set_orientation(GTK_ORIENTABLE(self->separator),
                                   self->narrow ? GTK_ORIENTATION_HORIZONTAL : GTK_ORIENTATION_VERTICAL);
    gtk_orientable_set_orientation(GTK_ORIENTABLE(self->drawing_pane),
                                   self->narrow ? GTK_ORIENTATION_HORIZONTAL : GTK_ORIENTATION_VERTICAL);
    dl_dashboard_set_compact(self->dashboard, self->narrow);
    /* Stacked, the drawing area keeps its natural height; the dashboard scrolls below. */
    gtk_widget_set_vexpand(GTK_WIDGET(self->drawing_pane), !self->narrow);
    if (self->narrow) {
        gtk_box_reorder_child_after(self->content_box, GTK_WIDGET(self->drawing_pane), NULL);
        gtk_box_reorder_child_after(self->content_box, GTK_WIDGET(self->separator), GTK_WIDGET(self->drawing_pane));
        gtk_widget_add_css_class(GTK_WIDGET(self), "narrow");
    } else {
        gtk_box_reorder_child_after(self->content_box, GTK_WIDGET(self->dashboard), NULL);
        gtk_box_reorder_child_after(self->content_box, GTK_WIDGET(self->separator), GTK_WIDGET(self->dashboard));
        gtk_widget_remove_css_class(GTK_WIDGET(self), "narrow");
    }
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

    /* Side by side needs the dashboard's and the drawing area's minimum
     * widths (the latter measured while side by side): below that, or below
     * NARROW_WIDTH, stack them, so the window can get narrower at all. */
    if (!self->narrow) {
        int dashboard_min = 0, pane_min = 0;
        gtk_widget_measure(GTK_WIDGET(self->dashboard), GTK_ORIENTATION_HORIZONTAL, -1, &dashboard_min, NULL, NULL, NULL);
        gtk_widget_measure(GTK_WIDGET(self->drawing_pane), GTK_ORIENTATION_HORIZONTAL, -1, &pane_min, NULL, NULL, NULL);
        self->wide_min = dashboard_min + pane_min + 1 + gtk_widget_get_margin_start(GTK_WIDGET(self->drawing_pane))
                         + gtk_widget_get_margin_end(GTK_WIDGET(self->drawing_pane));
    }
    int wide_min = self->wide_min;

    /* Changing the layout while allocating is not allowed: do it right after. */
    gboolean narrow = width < MAX(NARROW_WIDTH, wide_min + 48);
    if (narrow != self->narrow) {
        self->narrow = narrow;
        if (self->layout_idle == 0)
            self->layout_idle = g_idle_add_full(G_PRIORITY_HIGH_IDLE, layout_idle, self, NULL);
    }
}

/* ---- GObject ------------------------------------------------------------------------------------ */

static gboolean
dl_window_close_request(GtkWindow *window)
{
    DlWindow *self = DL_WINDOW(window);
    int width, height;

    gtk_window_get_default_size(window, &width, &height);
    g_settings_delay(self->settings);
    g_settings_set_int(self->settings, "window-width", width);
    g_settings_set_int(self->settings, "window-height", height);
    g_settings_set_boolean(self->settings, "window-maximized", gtk_window_is_maximized(window));
    g_settings_apply(self->settings);

    /* A run stops at its next batch; the window closes when it has. */
    if (dl_trainer_get_busy(self->trainer)) {
        self->close_after_stop = TRUE;
        gtk_widget_set_sensitive(GTK_WIDGET(self), FALSE);
        dl_trainer_stop(self->trainer);
        return TRUE;
    }
    return GTK_WINDOW_CLASS(dl_window_parent_class)->close_request(window);
}

/* The primary menu's Export section: the three plots on one page, the
 * history as CSV (dl-export.c does the work). */
static void
export_plots_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    (void)action_name;
    DlDrawStyle style;
    dl_plot_style_from_widget(widget, 1.0, &style);
    dl_export_save_plots(widget, DL_WINDOW(widget)->history, &style, g_variant_get_string(parameter, NULL));
}

static void
export_history_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    (void)action_name;
    (void)parameter;
    dl_export_save_history(widget, DL_WINDOW(widget)->history);
}

static void
on_history_changed(DlWindow *self)
{
    guint n;
    dl_history_get_epochs(self->history, &n);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "win.export-history", n > 0);
}

static void preview_schedule(DlWindow *self);

/* While idle, the plots show the schedule the hyper-parameters describe. */
static void
on_parameters_changed(DlWindow *self, const char *key, GSettings *settings)
{
    if (dl_trainer_get_busy(self->trainer) || !dl_history_is_empty(self->history))
        return;
    preview_schedule(self);
}

static void
preview_schedule(DlWindow *self)
{
    DlTrainRequest request;
    dl_settings_get_train_request(self->settings, "", &request);
    int images = request.train_limit > 0 ? request.train_limit : 60000;
    dl_history_reset(self->history, &request.config.schedule, request.config.epochs,
                     (images + request.config.batch - 1) / request.config.batch, request.config.per_step_lr);
}

/* Once the application is set (it is not a construct property). */
static void
dl_window_setup(DlWindow *self, DlApplication *app)
{
    self->settings = g_object_ref(dl_application_get_settings(app));
    g_signal_connect_object(self->settings, "changed", G_CALLBACK(on_parameters_changed), self,
                            G_CONNECT_SWAPPED);
    gtk_window_set_default_size(GTK_WINDOW(self), g_settings_get_int(self->settings, "window-width"),
                                g_settings_get_int(self->settings, "window-height"));
    if (g_settings_get_boolean(self->settings, "window-maximized"))
        gtk_window_maximize(GTK_WINDOW(self));

    dl_dashboard_bind_settings(self->dashboard, self->settings);
    dl_dashboard_set_history(self->dashboard, self->history);

    /* Show the schedule the settings describe before any training. */
    preview_schedule(self);

    load_initial_model(self);
    on_canvas_empty(self);
    update_actions(self);
    dl_dashboard_set_status(self->dashboard, _("Ready"));
    gtk_widget_grab_focus(GTK_WIDGET(self->canvas));
}

static void
dl_window_dispose(GObject *object)
{
    DlWindow *self = DL_WINDOW(object);

    self->disposed = TRUE;
    g_clear_handle_id(&self->layout_idle, g_source_remove);
    if (self->chooser != NULL)
        gtk_native_dialog_destroy(GTK_NATIVE_DIALOG(self->chooser));
    g_clear_object(&self->chooser);
    if (self->cancellable != NULL)
        g_cancellable_cancel(self->cancellable);
    if (self->trainer != NULL)
        g_signal_handlers_disconnect_by_data(self->trainer, self);
    if (self->settings != NULL)
        g_signal_handlers_disconnect_by_data(self->settings, self);
    gtk_widget_dispose_template(GTK_WIDGET(self), DL_TYPE_WINDOW);
    g_clear_object(&self->trainer);
    g_clear_object(&self->history);
    g_clear_object(&self->recognizer);
    g_clear_object(&self->cancellable);
    g_clear_object(&self->settings);

    G_OBJECT_CLASS(dl_window_parent_class)->dispose(object);
}

static void
dl_window_finalize(GObject *object)
{
    DlWindow *self = DL_WINDOW(object);

    g_free(self->model_path);

    G_OBJECT_CLASS(dl_window_parent_class)->finalize(object);
}

static void
dl_window_class_init(DlWindowClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
    GtkWindowClass *window_class = GTK_WINDOW_CLASS(klass);

    object_class->dispose = dl_window_dispose;
    object_class->finalize = dl_window_finalize;
    widget_class->size_allocate = dl_window_size_allocate;
    window_class->close_request = dl_window_close_request;

    g_type_ensure(DL_TYPE_CANVAS);
    g_type_ensure(DL_TYPE_DASHBOARD);
    g_type_ensure(DL_TYPE_DIGIT_VIEW);

    gtk_widget_class_set_template_from_resource(widget_class, DL_RESOURCE_PATH "/ui/dl-window.ui");
    gtk_widget_class_bind_template_child(widget_class, DlWindow, toast_overlay);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, window_title);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, pause_button);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, content_box);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, separator);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, dashboard);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, drawing_pane);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, canvas);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, digit_view);
    gtk_widget_class_bind_template_child(widget_class, DlWindow, model_label);

    gtk_widget_class_install_action(widget_class, "win.train", NULL, train_action);
    gtk_widget_class_install_action(widget_class, "win.pause", NULL, pause_action);
    gtk_widget_class_install_action(widget_class, "win.stop", NULL, stop_action);
    gtk_widget_class_install_action(widget_class, "win.open-model", NULL, open_model_action);
    gtk_widget_class_install_action(widget_class, "win.save-model", NULL, save_model_action);
    gtk_widget_class_install_action(widget_class, "win.revert-model", NULL, revert_model_action);
    gtk_widget_class_install_action(widget_class, "win.clear", NULL, clear_action);
    gtk_widget_class_install_action(widget_class, "win.undo", NULL, undo_action);
    gtk_widget_class_install_action(widget_class, "win.focus-canvas", NULL, focus_canvas_action);
    gtk_widget_class_install_action(widget_class, "win.export-plots", "s", export_plots_action);
    gtk_widget_class_install_action(widget_class, "win.export-history", NULL, export_history_action);
}

static void
dl_window_init(DlWindow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));

    self->trainer = dl_trainer_new();
    self->history = dl_history_new();
    self->recognizer = dl_recognizer_new();

    g_signal_connect_swapped(self->trainer, "notify::state", G_CALLBACK(on_trainer_state), self);
    g_signal_connect_swapped(self->trainer, "started", G_CALLBACK(on_trainer_started), self);
    g_signal_connect_swapped(self->trainer, "batch", G_CALLBACK(on_trainer_batch), self);
    g_signal_connect_swapped(self->trainer, "epoch", G_CALLBACK(on_trainer_epoch), self);
    g_signal_connect_swapped(self->trainer, "snapshot-ready", G_CALLBACK(on_trainer_snapshot), self);
    g_signal_connect_swapped(self->canvas, "changed", G_CALLBACK(on_canvas_changed), self);
    g_signal_connect_swapped(self->canvas, "notify::empty", G_CALLBACK(on_canvas_empty), self);
    g_signal_connect_swapped(self->history, "changed", G_CALLBACK(on_history_changed), self);
    on_history_changed(self);
}

DlWindow *
dl_window_new(DlApplication *application)
{
    g_return_val_if_fail(DL_IS_APPLICATION(application), NULL);

    DlWindow *self = g_object_new(DL_TYPE_WINDOW, "application", application, NULL);

    dl_window_setup(self, application);
    return self;
}
