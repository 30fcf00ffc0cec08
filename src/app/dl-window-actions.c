/* dl-window-actions.c — the window's actions (training, model files, pages)
 * and its dialogs, including those that keep unsaved work from being lost
 * on closing. */
#include "dl-window-private.h"

#include <glib/gi18n.h>

#include "dl-datadir.h"
#include "dl-dataset-dialog.h"
#include "dl-export.h"
#include "dl-plot.h"
#include "dl-settings.h"

/* ---- messages ------------------------------------------------------------------ */

void
_dl_window_toast(DlWindow *self, const char *message)
{
    AdwToast *t = adw_toast_new(message);

    adw_toast_set_timeout(t, 6);
    adw_toast_overlay_add_toast(self->toast_overlay, t);
}

static void
forget_held_toast(DlWindow *self)
{
    g_object_set_data(G_OBJECT(self), "dl-held-toast", NULL);
}

/* A toast offering to put the held epoch's model in use (dl-session.h).
 * One such toast at a time: while one is shown, the newest epoch's words
 * replace its own (libadwaita 1.2 aborts on dismissing a toast that waits
 * in its queue, so none is dismissed here); a dismissed one is forgotten. */
static void
toast_use_held(DlWindow *self, const char *message, const char *button)
{
    AdwToast *shown = g_object_get_data(G_OBJECT(self), "dl-held-toast");
    if (shown != NULL) {
        adw_toast_set_title(shown, message);
        adw_toast_set_button_label(shown, button);
        return;
    }
    AdwToast *t = adw_toast_new(message);
    adw_toast_set_timeout(t, 10);
    adw_toast_set_button_label(t, button);
    adw_toast_set_action_name(t, "win.use-held-model");
    adw_toast_set_priority(t, ADW_TOAST_PRIORITY_HIGH);
    g_signal_connect_object(t, "dismissed", G_CALLBACK(forget_held_toast), self, G_CONNECT_SWAPPED);
    g_object_set_data_full(G_OBJECT(self), "dl-held-toast", g_object_ref(t), g_object_unref);
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

/* Closes the window from the main loop: not from inside a dialog's
 * "response" or a session signal, whose emitters would outlive it. */
static gboolean
close_idle(gpointer data)
{
    gtk_window_close(GTK_WINDOW(data));
    return G_SOURCE_REMOVE;
}

static void
close_later(DlWindow *self)
{
    g_idle_add_full(G_PRIORITY_DEFAULT_IDLE, close_idle, g_object_ref(self), g_object_unref);
}

/* ---- state --------------------------------------------------------------------- */

void
_dl_window_update_actions(DlWindow *self)
{
    DlTrainer *trainer = dl_session_get_trainer(self->session);
    DlTrainerState state = dl_trainer_get_state(trainer);
    gboolean idle = state == DL_TRAINER_IDLE;
    GtkWidget *widget = GTK_WIDGET(self);

    /* Settings the engine cannot train (the Train page says why) block it. */
    gtk_widget_action_set_enabled(widget, "win.train", idle && dl_settings_check_train_request(self->settings, NULL));
    gboolean paused = dl_trainer_get_paused(trainer);
    gtk_widget_action_set_enabled(widget, "win.pause", state == DL_TRAINER_RUNNING || paused);
    gtk_widget_action_set_enabled(widget, "win.stop", !idle && state != DL_TRAINER_STOPPING);
    gtk_widget_action_set_enabled(widget, "win.open-model", idle);
    gtk_widget_action_set_enabled(widget, "win.revert-model", idle);
    gtk_widget_action_set_enabled(widget, "win.save-model", dl_session_has_model(self->session));

    gtk_button_set_icon_name(self->pause_button,
                             paused ? "media-playback-start-symbolic" : "media-playback-pause-symbolic");
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->pause_button), paused ? _("Resume (Ctrl+P)") : _("Pause (Ctrl+P)"));
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->pause_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   paused ? _("Resume") : _("Pause"), -1);
}

/* ---- training ------------------------------------------------------------------------- */

static DlDatasetDialog *choose_data(DlWindow *self, const char *problem, gboolean then_train);

static void
on_error_dialog_response(AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
    DlWindow *self = user_data;

    if (g_strcmp0(response, "choose") == 0) {
        choose_data(self, NULL, TRUE);
    } else if (g_strcmp0(response, "download") == 0) {
        /* The download replaces every file whose checksum is wrong. */
        DlDatasetDialog *data = choose_data(self, NULL, TRUE);
        gtk_widget_activate_action(GTK_WIDGET(data), "dataset.download", NULL);
    }
}

static void
on_training_done(DlWindow *self, int outcome, gpointer data, DlSession *session)
{
    const GError *error = data;

    if (self->disposed)
        return;
    _dl_window_update_actions(self);
    if (self->close_after_stop) {
        /* Stop and Quit: on to the next question, if any. */
        self->close_after_stop = FALSE;
        gtk_widget_set_sensitive(GTK_WIDGET(self), TRUE);
        close_later(self);
        return;
    }

    if (outcome != DL_TRAINING_FAILED && dl_session_get_held_epoch(session) > 0) {
        /* The run's newest epoch was not put in use: say so, offer it. */
        g_autofree char *why = dl_session_describe_held(session);
        g_autofree char *message = g_strdup_printf(outcome == DL_TRAINING_FINISHED ? _("Training finished: %s")
                                                                                  : _("Training stopped: %s"),
                                                   why);
        toast_use_held(self, message, _("_Use It"));
        return;
    }
    if (outcome != DL_TRAINING_FAILED) {
        /* An epoch in the history: the run's model is in use. */
        guint n_epochs = 0;
        const NnEpochStats *epochs = dl_history_get_epochs(dl_session_get_history(session), &n_epochs);
        g_autofree char *message =
            n_epochs == 0 ? g_strdup(_("Training stopped before the first epoch ended: the previous model stays"))
            : outcome == DL_TRAINING_FINISHED
                ? g_strdup_printf(_("Training finished: %.2f %% validation accuracy"),
                                  100 * epochs[n_epochs - 1].val_accuracy)
                : g_strdup_printf(_("Training stopped: the model of epoch %d is in use"),
                                  dl_session_get_model_epoch(session));
        _dl_window_toast(self, message);
        return;
    }

    /* Files the engine could not read are MNIST's: offer another folder. */
    gboolean data_problem = error->domain == DL_TRAINER_ERROR
                            && (error->code == NN_ERR_IO || error->code == NN_ERR_FORMAT
                                || error->code == NN_ERR_CHECKSUM);
    AdwMessageDialog *dialog;
    if (error->domain == DL_RUN_ERROR) {
        /* The run folder could not be written: the model kept is in use. */
        g_autofree char *body = g_strdup_printf(
            _("%s\n\nThe model of the last epoch kept in the run folder is in use. Free some disk space, then "
              "resume the run from the Runs page."), error->message);
        dialog = message_dialog(self, _("Training Stopped: the Run Could Not Be Kept"), body);
    } else if (data_problem) {
        /* The engine's message names files and numbers in them: the log keeps it. */
        g_message("%s", error->message);
        g_autofree char *dir = dl_settings_get_data_dir(self->settings);
        g_autofree char *where = g_filename_display_name(dir);
        g_autofree char *body = g_strdup_printf(
            _("The MNIST files in %s could not be read: one is damaged, cut short or not an MNIST file.\n\n"
              "Download them again (only the damaged ones are fetched), or choose a folder that holds "
              "the four MNIST files."), where);
        dialog = message_dialog(self, _("Training Could Not Start"), body);
        adw_message_dialog_add_response(dialog, "choose", _("_Choose Data…"));
        adw_message_dialog_add_response(dialog, "download", _("_Download Again"));
        adw_message_dialog_set_response_appearance(dialog, "download", ADW_RESPONSE_SUGGESTED);
        adw_message_dialog_set_default_response(dialog, "download");
        g_signal_connect_object(dialog, "response", G_CALLBACK(on_error_dialog_response), self, 0);
    } else {
        dialog = message_dialog(self, _("Training Failed"), error->message);
    }
    gtk_window_present(GTK_WINDOW(dialog));
}

static void
on_model_held(DlWindow *self, DlSession *session)
{
    g_autofree char *message = dl_session_describe_held(session);

    if (!self->disposed && message != NULL)
        toast_use_held(self, message, _("_Use It Anyway"));
}

/* Nothing held any more (its epoch put in use from the Train page, or a
 * better epoch taken): a held toast still shown says what the canvas uses
 * now, without its button, rather than that the held model stays. */
static void
on_held_epoch(DlWindow *self)
{
    AdwToast *shown = g_object_get_data(G_OBJECT(self), "dl-held-toast");

    if (self->disposed || shown == NULL || dl_session_get_held_epoch(self->session) > 0)
        return;
    g_autofree char *sentence = NULL, *name = NULL;
    dl_session_describe_model(self->session, &sentence, &name);
    g_autofree char *title = g_markup_escape_text(sentence, -1);
    adw_toast_set_title(shown, title);
    adw_toast_set_button_label(shown, NULL);
}

static void
use_held_model_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    dl_session_use_held_model(DL_WINDOW(widget)->session);
}

static void
start_training(DlWindow *self, const char *data_dir)
{
    DlTrainRequest request;

    if (dl_session_get_training(self->session) || !dl_settings_check_train_request(self->settings, NULL))
        return;
    dl_settings_get_train_request(self->settings, data_dir, &request);
    dl_session_train(self->session, &request);
}

static void
on_data_ready_train(DlWindow *self, const char *dir, DlDatasetDialog *dialog)
{
    dl_session_set_data_dir(self->session, dir);
    start_training(self, dir);
}

static void
on_data_ready(DlWindow *self, const char *dir, DlDatasetDialog *dialog)
{
    dl_session_set_data_dir(self->session, dir);
}

static DlDatasetDialog *
choose_data(DlWindow *self, const char *problem, gboolean then_train)
{
    DlDatasetDialog *dialog = dl_dataset_dialog_new(GTK_WINDOW(self), self->settings, problem);

    g_signal_connect_object(dialog, "ready", G_CALLBACK(then_train ? on_data_ready_train : on_data_ready), self,
                            G_CONNECT_SWAPPED);
    gtk_window_present(GTK_WINDOW(dialog));
    return dialog;
}

static void
train_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlWindow *self = DL_WINDOW(widget);
    g_autofree char *dir = dl_settings_get_data_dir(self->settings);

    if (dl_session_get_training(self->session))
        return;
    if (!dl_data_dir_has_mnist(dir))
        choose_data(self, NULL, TRUE);
    else
        start_training(self, dir);
}

static void
get_data_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlWindow *self = DL_WINDOW(widget);

    choose_data(self, dl_session_get_test_set_error(self->session), FALSE);
}

static void
pause_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlTrainer *trainer = dl_session_get_trainer(DL_WINDOW(widget)->session);

    if (dl_trainer_get_paused(trainer))
        dl_trainer_resume(trainer);
    else
        dl_trainer_pause(trainer);
}

static void
stop_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    dl_trainer_stop(dl_session_get_trainer(DL_WINDOW(widget)->session));
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
    g_autofree char *name = g_filename_display_basename(path);
    if (!dl_session_load_model(self->session, path, &error)) {
        g_autofree char *heading = g_strdup_printf(_("Could Not Open “%s”"), name);
        g_autofree char *body = g_strdup_printf(_("%s\n\nThe current model stays in use."), error->message);
        gtk_window_present(GTK_WINDOW(message_dialog(self, heading, body)));
        return;
    }
    g_settings_set_string(self->settings, "model-path", path);
    g_autofree char *message = g_strdup_printf(_("Opened %s"), name);
    _dl_window_toast(self, message);
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
    gboolean then_close = self->close_after_save;

    self->close_after_save = FALSE;
    if (path == NULL)
        return; /* cancelled: the window stays open too */

    g_autoptr(GError) error = NULL;
    g_autofree char *name = g_filename_display_basename(path);
    if (!dl_session_save_model(self->session, path, &error)) {
        g_autofree char *heading = g_strdup_printf(_("Could Not Save “%s”"), name);
        gtk_window_present(GTK_WINDOW(message_dialog(self, heading, error->message)));
        return;
    }
    g_settings_set_string(self->settings, "model-path", path);
    if (then_close) {
        self->close_confirmed = TRUE;
        close_later(self);
        return;
    }
    g_autofree char *message = g_strdup_printf(_("Saved the model as %s"), name);
    _dl_window_toast(self, message);
}

static void
save_model(DlWindow *self, gboolean then_close)
{
    if (self->chooser != NULL || !dl_session_has_model(self->session))
        return;
    self->close_after_save = then_close;
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
save_model_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    save_model(DL_WINDOW(widget), FALSE);
}

static void
revert_model_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlWindow *self = DL_WINDOW(widget);
    g_autoptr(GError) error = NULL;

    if (!dl_session_load_bundled_model(self->session, &error)) {
        gtk_window_present(GTK_WINDOW(message_dialog(self, _("Could Not Load the Bundled Model"), error->message)));
        return;
    }
    g_settings_reset(self->settings, "model-path");
    _dl_window_toast(self, _("Using the bundled model"));
}

/* ---- exports ------------------------------------------------------------------------------------- */

/* The primary menu's Export section: the three plots on one page, the
 * history as CSV (dl-export.c does the work). */
static void
export_plots_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlDrawStyle style;

    dl_plot_style_from_widget(widget, 1.0, &style);
    dl_export_save_plots(widget, dl_session_get_history(DL_WINDOW(widget)->session), &style,
                         g_variant_get_string(parameter, NULL));
}

static void
export_history_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    dl_export_save_history(widget, dl_session_get_history(DL_WINDOW(widget)->session));
}

static void
on_history_changed(DlWindow *self)
{
    guint n;

    dl_history_get_epochs(dl_session_get_history(self->session), &n);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "win.export-history", n > 0);
}

/* ---- closing with unsaved work ------------------------------------------------------------------ */

static void
on_close_dialog_response(AdwMessageDialog *dialog, const char *response, DlWindow *self)
{
    self->close_dialog = NULL;
    if (g_strcmp0(response, "stop") == 0) {
        /* The run stops at its next batch; then the model's question. */
        self->close_after_stop = TRUE;
        gtk_widget_set_sensitive(GTK_WIDGET(self), FALSE);
        dl_trainer_stop(dl_session_get_trainer(self->session));
    } else if (g_strcmp0(response, "discard") == 0) {
        self->close_confirmed = TRUE;
        close_later(self);
    } else if (g_strcmp0(response, "save") == 0) {
        save_model(self, TRUE);
    }
}

static void
ask_before_closing(DlWindow *self, const char *heading, const char *body, const char *confirm_id,
                   const char *confirm_label, gboolean with_save)
{
    AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG(adw_message_dialog_new(GTK_WINDOW(self), heading, body));

    adw_message_dialog_add_response(dialog, "cancel", _("_Cancel"));
    adw_message_dialog_add_response(dialog, confirm_id, confirm_label);
    adw_message_dialog_set_response_appearance(dialog, confirm_id, ADW_RESPONSE_DESTRUCTIVE);
    if (with_save) {
        adw_message_dialog_add_response(dialog, "save", _("_Save As…"));
        adw_message_dialog_set_response_appearance(dialog, "save", ADW_RESPONSE_SUGGESTED);
        adw_message_dialog_set_default_response(dialog, "save");
    } else {
        adw_message_dialog_set_default_response(dialog, "cancel");
    }
    adw_message_dialog_set_close_response(dialog, "cancel");
    g_signal_connect_object(dialog, "response", G_CALLBACK(on_close_dialog_response), self, 0);
    self->close_dialog = GTK_WINDOW(dialog);
    gtk_window_present(GTK_WINDOW(dialog));
}

gboolean
_dl_window_hold_close(DlWindow *self)
{
    if (self->close_confirmed)
        return FALSE;
    if (self->close_dialog != NULL) {
        gtk_window_present(self->close_dialog);
        return TRUE;
    }
    if (self->close_after_stop || self->chooser != NULL)
        return TRUE; /* a run is stopping, or a file chooser is open */

    if (dl_session_get_training(self->session)) {
        ask_before_closing(self, _("Stop Training and Quit?"),
                           _("The network is still training. Stopping keeps the model of the last finished "
                             "epoch, which you can then save; the run stays on the Runs page, where you can "
                             "resume it later."),
                           "stop", _("_Stop and Quit"), FALSE);
        return TRUE;
    }
    if (dl_session_get_unsaved(self->session)) {
        if (dl_session_get_model_source(self->session) == DL_MODEL_TAUGHT) {
            ask_before_closing(self, _("Save the Trained Model?"),
                               _("The model taught the class’s handwriting is in no file. If you quit without "
                                 "saving it, it is lost (the drawings are kept)."),
                               "discard", _("_Discard"), TRUE);
            return TRUE;
        }
        /* Nothing is lost either way: the run folder holds the model. */
        DlRun *run = dl_session_get_run(self->session);
        g_autofree char *folder = run != NULL && dl_runs_page_keeps_model(self->runs_page, run)
                                      ? g_filename_display_name(dl_run_get_dir(run)) : NULL;
        g_autofree char *body = folder != NULL
            ? g_strdup_printf(_("The model trained here (epoch %d) is kept with its run on the Runs page (in %s), "
                                "where you can open it again. Save it as a model file to use it elsewhere."),
                              dl_session_get_model_epoch(self->session), folder)
            : g_strdup_printf(_("The model trained here (epoch %d) is in no file. If you quit without saving "
                                "it, it is lost."), dl_session_get_model_epoch(self->session));
        ask_before_closing(self, _("Save the Trained Model?"), body, "discard",
                           folder != NULL ? _("_Don't Save") : _("_Discard"), TRUE);
        return TRUE;
    }
    return FALSE;
}

/* ---- pages and the drawing ---------------------------------------------------------------------------- */

static void
focus_canvas_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlWindow *self = DL_WINDOW(widget);

    _dl_window_show_drawing(self);
    dl_drawing_pane_focus_canvas(self->drawing_pane);
}

static void
show_prediction_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    _dl_window_show_drawing(DL_WINDOW(widget));
}

static void
page_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlWindow *self = DL_WINDOW(widget);
    const char *name = g_variant_get_string(parameter, NULL);

    if (adw_view_stack_get_child_by_name(self->view_stack, name) != NULL)
        adw_view_stack_set_visible_child_name(self->view_stack, name);
}

/* ---- set-up ------------------------------------------------------------------------------------------------ */

void
_dl_window_class_actions_init(DlWindowClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    gtk_widget_class_install_action(widget_class, "win.train", NULL, train_action);
    gtk_widget_class_install_action(widget_class, "win.pause", NULL, pause_action);
    gtk_widget_class_install_action(widget_class, "win.stop", NULL, stop_action);
    gtk_widget_class_install_action(widget_class, "win.use-held-model", NULL, use_held_model_action);
    gtk_widget_class_install_action(widget_class, "win.get-data", NULL, get_data_action);
    gtk_widget_class_install_action(widget_class, "win.open-model", NULL, open_model_action);
    gtk_widget_class_install_action(widget_class, "win.save-model", NULL, save_model_action);
    gtk_widget_class_install_action(widget_class, "win.revert-model", NULL, revert_model_action);
    gtk_widget_class_install_action(widget_class, "win.focus-canvas", NULL, focus_canvas_action);
    gtk_widget_class_install_action(widget_class, "win.show-prediction", NULL, show_prediction_action);
    gtk_widget_class_install_action(widget_class, "win.page", "s", page_action);
    gtk_widget_class_install_action(widget_class, "win.export-plots", "s", export_plots_action);
    gtk_widget_class_install_action(widget_class, "win.export-history", NULL, export_history_action);
}

void
_dl_window_actions_init(DlWindow *self)
{
    g_signal_connect_object(dl_session_get_trainer(self->session), "notify::state",
                            G_CALLBACK(_dl_window_update_actions), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(self->session, "notify::has-model", G_CALLBACK(_dl_window_update_actions), self,
                            G_CONNECT_SWAPPED);
    g_signal_connect_object(self->settings, "changed", G_CALLBACK(_dl_window_update_actions), self,
                            G_CONNECT_SWAPPED);
    g_signal_connect_object(self->session, "training-done", G_CALLBACK(on_training_done), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(self->session, "model-held", G_CALLBACK(on_model_held), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(self->session, "notify::held-epoch", G_CALLBACK(on_held_epoch), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(dl_session_get_history(self->session), "changed", G_CALLBACK(on_history_changed), self,
                            G_CONNECT_SWAPPED);
    on_history_changed(self);
    _dl_window_update_actions(self);
}
