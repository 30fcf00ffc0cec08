/* dl-dashboard.c — the training dashboard. */
#include "dl-dashboard.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "dl-plot.h"
#include "dl-settings.h"

struct _DlDashboard {
    GtkWidget parent_instance;

    DlSession *session;

    /* What the time-left estimate needs. */
    int epochs;
    int train_count;
    int val_count;
    int batches;
    double epoch_seconds;       /* of the last finished epoch, 0 before */
    double val_seconds;         /* its validation part */
    double last_val_accuracy;   /* -1 before the first epoch */

    gboolean compact;

    GtkLabel *status_label;
    GtkGrid *stats_grid;
    GtkWidget *speed_box;
    GtkWidget *time_box;
    GtkWidget *lr_box;
    GtkWidget *accuracy_box;
    GtkGrid *plots_grid;
    GtkLabel *epoch_label;
    GtkProgressBar *epoch_bar;
    GtkLabel *batch_label;
    GtkProgressBar *batch_bar;
    GtkLabel *speed_value;
    GtkLabel *time_value;
    GtkLabel *lr_value;
    GtkLabel *accuracy_value;
    DlPlot *accuracy_plot;
    DlPlot *loss_plot;
    DlPlot *lr_plot;

    AdwPreferencesGroup *parameters_group;
    GtkSpinButton *epochs_spin;
    GtkSpinButton *images_spin;
    GtkSpinButton *batch_spin;
    GtkSpinButton *lr_max_spin;
    GtkSpinButton *lr_min_spin;
    GtkSpinButton *warmup_spin;
    GtkSwitch *per_step_switch;
    GtkSwitch *bn_recalibrate_switch;
    AdwExpanderRow *augment_row;
    GtkSpinButton *rotation_spin;
    GtkSpinButton *zoom_spin;
    GtkSpinButton *shift_spin;
    AdwComboRow *padding_row;
    GtkSpinButton *seed_spin;

    GSettings *settings;
};

G_DEFINE_FINAL_TYPE(DlDashboard, dl_dashboard, GTK_TYPE_WIDGET)

/* ---- figures ---------------------------------------------------------------- */

static void
set_value(GtkLabel *label, const char *text)
{
    gtk_label_set_text(label, text);
}

static char *
format_duration(double seconds)
{
    if (!(seconds >= 0) || !isfinite(seconds))
        return g_strdup("—");
    long s = lround(seconds);
    if (s < 60)
        /* TRANSLATORS: time left, seconds */
        return g_strdup_printf(_("%ld s"), s);
    if (s < 3600)
        /* TRANSLATORS: time left, minutes and seconds */
        return g_strdup_printf(_("%ld min %02ld s"), s / 60, s % 60);
    /* TRANSLATORS: time left, hours and minutes */
    return g_strdup_printf(_("%ld h %02ld min"), s / 3600, (s / 60) % 60);
}

/* "1e-3", "2.5e-4": learning rates read best in scientific notation. */
static char *
format_lr(double lr)
{
    if (lr <= 0)
        return g_strdup("0");
    int exponent = (int)floor(log10(lr) + 1e-9);
    double mantissa = lr / pow(10, exponent);
    if (mantissa >= 9.995) {
        mantissa /= 10;
        exponent++;
    }
    char buffer[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd(buffer, sizeof buffer, "%.2g", mantissa);
    return g_strdup_printf("%se%d", buffer, exponent);
}

static void
show_sizes_text(DlDashboard *self, int epoch_done, int batch_done)
{
    g_autofree char *epoch_text = NULL, *batch_text = NULL;

    if (self->epochs > 0)
        /* TRANSLATORS: epochs finished of all epochs */
        epoch_text = g_strdup_printf(_("Epoch %d of %d"), MIN(epoch_done + 1, self->epochs), self->epochs);
    else
        epoch_text = g_strdup(_("Epoch"));
    if (self->batches > 0)
        /* TRANSLATORS: batches done in this epoch, of all its batches */
        batch_text = g_strdup_printf(_("Batch %d of %d"), batch_done, self->batches);
    else
        batch_text = g_strdup(_("Batch"));
    gtk_label_set_text(self->epoch_label, epoch_text);
    gtk_label_set_text(self->batch_label, batch_text);
}

static void
dl_dashboard_set_status(DlDashboard *self, const char *status)
{
    g_return_if_fail(DL_IS_DASHBOARD(self));

    gtk_label_set_text(self->status_label, status != NULL ? status : "");
}

static void
dl_dashboard_start(DlDashboard *self, int epochs)
{
    g_return_if_fail(DL_IS_DASHBOARD(self));

    self->epochs = epochs;
    self->batches = 0;
    self->train_count = self->val_count = 0;
    self->epoch_seconds = self->val_seconds = 0;
    self->last_val_accuracy = -1;
    gtk_progress_bar_set_fraction(self->epoch_bar, 0);
    gtk_progress_bar_set_fraction(self->batch_bar, 0);
    show_sizes_text(self, 0, 0);
    set_value(self->speed_value, "—");
    set_value(self->time_value, "—");
    set_value(self->lr_value, "—");
    set_value(self->accuracy_value, "—");
}

static void
dl_dashboard_set_sizes(DlDashboard *self, int train_count, int val_count, int batches)
{
    g_return_if_fail(DL_IS_DASHBOARD(self));

    self->train_count = train_count;
    self->val_count = val_count;
    self->batches = batches;
    show_sizes_text(self, 0, 0);
}

static void
dl_dashboard_show_batch(DlDashboard *self, const NnBatchProgress *p)
{
    g_return_if_fail(DL_IS_DASHBOARD(self));
    g_return_if_fail(p != NULL);

    self->epochs = p->epochs;
    self->batches = p->batches;
    show_sizes_text(self, p->epoch, p->batch);

    double in_epoch = p->batches > 0 ? (double)p->batch / p->batches : 0;
    gtk_progress_bar_set_fraction(self->batch_bar, CLAMP(in_epoch, 0, 1));
    gtk_progress_bar_set_fraction(self->epoch_bar,
                                  p->epochs > 0 ? CLAMP((p->epoch + in_epoch) / p->epochs, 0, 1) : 0);

    /* TRANSLATORS: training speed */
    g_autofree char *speed = g_strdup_printf(_("%.0f images/s"), p->images_per_s);
    set_value(self->speed_value, speed);

    g_autofree char *lr = format_lr(p->lr);
    set_value(self->lr_value, lr);

    /* Time left: the rest of this epoch, its validation, then whole epochs
     * as long as the last one took (or as this one is going). */
    double per_batch = p->batch > 0 ? p->seconds / p->batch : 0;
    double val = self->val_seconds;
    if (val <= 0 && p->images_per_s > 0)
        val = self->val_count / (3.0 * p->images_per_s); /* inference is about 3x cheaper */
    double epoch_estimate = self->epoch_seconds > 0 ? self->epoch_seconds : per_batch * p->batches + val;
    double left = (p->batches - p->batch) * per_batch + val + (p->epochs - p->epoch - 1) * epoch_estimate;
    g_autofree char *time_left = p->batch > 0 ? format_duration(left) : g_strdup("—");
    set_value(self->time_value, time_left);
}

static void
dl_dashboard_show_epoch(DlDashboard *self, const NnEpochStats *s)
{
    g_return_if_fail(DL_IS_DASHBOARD(self));
    g_return_if_fail(s != NULL);

    self->epochs = s->epochs;
    self->epoch_seconds = s->seconds;
    if (s->images_per_s > 0 && self->train_count > 0)
        self->val_seconds = MAX(0, s->seconds - self->train_count / s->images_per_s);
    self->last_val_accuracy = s->val_accuracy;

    gtk_progress_bar_set_fraction(self->epoch_bar, s->epochs > 0 ? CLAMP((double)s->epoch / s->epochs, 0, 1) : 0);
    if (s->epoch >= s->epochs) {
        gtk_progress_bar_set_fraction(self->batch_bar, 1);
        g_autofree char *text = g_strdup_printf(_("Epoch %d of %d"), s->epochs, s->epochs);
        gtk_label_set_text(self->epoch_label, text);
        set_value(self->time_value, "0 s");
    }
    /* TRANSLATORS: validation accuracy in percent */
    g_autofree char *accuracy = g_strdup_printf(_("%.2f %%"), 100 * s->val_accuracy);
    set_value(self->accuracy_value, accuracy);
    g_autofree char *lr = format_lr(s->lr);
    set_value(self->lr_value, lr);
}

static void
place(GtkGrid *grid, GtkWidget *child, int column, int row, int span)
{
    GtkLayoutManager *layout = gtk_widget_get_layout_manager(GTK_WIDGET(grid));
    GtkGridLayoutChild *info = GTK_GRID_LAYOUT_CHILD(gtk_layout_manager_get_layout_child(layout, child));

    gtk_grid_layout_child_set_column(info, column);
    gtk_grid_layout_child_set_row(info, row);
    gtk_grid_layout_child_set_column_span(info, span);
}

void
dl_dashboard_set_compact(DlDashboard *self, gboolean compact)
{
    g_return_if_fail(DL_IS_DASHBOARD(self));

    compact = !!compact;
    if (self->compact == compact)
        return;
    self->compact = compact;
    /* Figures: one row of four, or two rows of two. */
    place(self->stats_grid, self->speed_box, 0, 0, 1);
    place(self->stats_grid, self->time_box, 1, 0, 1);
    place(self->stats_grid, self->lr_box, compact ? 0 : 2, compact ? 1 : 0, 1);
    place(self->stats_grid, self->accuracy_box, compact ? 1 : 3, compact ? 1 : 0, 1);
    /* Plots: accuracy and loss side by side over the learning rate, or one column. */
    place(self->plots_grid, GTK_WIDGET(self->accuracy_plot), 0, 0, 1);
    place(self->plots_grid, GTK_WIDGET(self->loss_plot), compact ? 0 : 1, compact ? 1 : 0, 1);
    place(self->plots_grid, GTK_WIDGET(self->lr_plot), 0, compact ? 2 : 1, compact ? 1 : 2);
}

/* ---- hyper-parameters ----------------------------------------------------------- */

static gboolean
lr_output(GtkSpinButton *spin, gpointer user_data)
{
    g_autofree char *text = format_lr(gtk_spin_button_get_value(spin));

    if (g_strcmp0(text, gtk_editable_get_text(GTK_EDITABLE(spin))) != 0)
        gtk_editable_set_text(GTK_EDITABLE(spin), text);
    return TRUE;
}

static int
lr_input(GtkSpinButton *spin, double *new_value, gpointer user_data)
{
    const char *text = gtk_editable_get_text(GTK_EDITABLE(spin));
    char *end = NULL;
    double value = g_ascii_strtod(text, &end);

    if (end == text || !isfinite(value) || value < 0)
        return GTK_INPUT_ERROR;
    *new_value = value;
    return TRUE;
}

/* Fractions in settings, percentages on screen. */
static gboolean
fraction_to_percent(GValue *value, GVariant *variant, gpointer user_data)
{
    g_value_set_double(value, 100.0 * g_variant_get_double(variant));
    return TRUE;
}

static GVariant *
percent_to_fraction(const GValue *value, const GVariantType *expected_type, gpointer user_data)
{
    return g_variant_new_double(g_value_get_double(value) / 100.0);
}

/* The padding enum's nick in settings, a position in the combo row. */
static gboolean
padding_to_index(GValue *value, GVariant *variant, gpointer user_data)
{
    g_value_set_uint(value, g_strcmp0(g_variant_get_string(variant, NULL), "valid") == 0 ? 1 : 0);
    return TRUE;
}

static GVariant *
index_to_padding(const GValue *value, const GVariantType *expected_type, gpointer user_data)
{
    return g_variant_new_string(g_value_get_uint(value) == 1 ? "valid" : "same");
}

static const char *const parameter_keys[] = {
    "epochs", "training-images", "batch-size", "lr-max", "lr-min", "warmup-epochs", "per-step-lr", "bn-recalibrate",
    "augment", "rotation", "zoom", "shift", "padding", "seed",
};

static void
restore_defaults(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlDashboard *self = DL_DASHBOARD(widget);

    if (self->settings == NULL)
        return;
    for (guint i = 0; i < G_N_ELEMENTS(parameter_keys); i++)
        g_settings_reset(self->settings, parameter_keys[i]);
}

/* While idle and before any run, the plots show the schedule the
 * hyper-parameters describe. */
static void
preview_schedule(DlDashboard *self)
{
    if (self->session == NULL || self->settings == NULL)
        return;
    DlHistory *history = dl_session_get_history(self->session);
    if (dl_session_get_training(self->session) || !dl_history_is_empty(history))
        return;

    DlTrainRequest request;
    dl_settings_get_train_request(self->settings, "", &request);
    int images = request.train_limit > 0 ? request.train_limit : 60000;
    dl_history_reset(history, &request.config.schedule, request.config.epochs,
                     (images + request.config.batch - 1) / request.config.batch, request.config.per_step_lr);
}

static void
on_parameters_changed(DlDashboard *self, const char *key, GSettings *settings)
{
    preview_schedule(self);
}

void
dl_dashboard_bind_settings(DlDashboard *self, GSettings *settings)
{
    g_return_if_fail(DL_IS_DASHBOARD(self));
    g_return_if_fail(G_IS_SETTINGS(settings));
    g_return_if_fail(self->settings == NULL);

    self->settings = g_object_ref(settings);
    g_settings_bind(settings, "epochs", self->epochs_spin, "value", G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(settings, "training-images", self->images_spin, "value", G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(settings, "batch-size", self->batch_spin, "value", G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(settings, "lr-max", self->lr_max_spin, "value", G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(settings, "lr-min", self->lr_min_spin, "value", G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(settings, "warmup-epochs", self->warmup_spin, "value", G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(settings, "per-step-lr", self->per_step_switch, "active", G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(settings, "bn-recalibrate", self->bn_recalibrate_switch, "active", G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(settings, "augment", self->augment_row, "enable-expansion", G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(settings, "rotation", self->rotation_spin, "value", G_SETTINGS_BIND_DEFAULT);
    g_settings_bind_with_mapping(settings, "zoom", self->zoom_spin, "value", G_SETTINGS_BIND_DEFAULT,
                                 fraction_to_percent, percent_to_fraction, NULL, NULL);
    g_settings_bind_with_mapping(settings, "shift", self->shift_spin, "value", G_SETTINGS_BIND_DEFAULT,
                                 fraction_to_percent, percent_to_fraction, NULL, NULL);
    g_settings_bind_with_mapping(settings, "padding", self->padding_row, "selected", G_SETTINGS_BIND_DEFAULT,
                                 padding_to_index, index_to_padding, NULL, NULL);
    g_settings_bind(settings, "seed", self->seed_spin, "value", G_SETTINGS_BIND_DEFAULT);
    g_signal_connect_object(settings, "changed", G_CALLBACK(on_parameters_changed), self, G_CONNECT_SWAPPED);
    preview_schedule(self);
}

/* ---- the session ------------------------------------------------------------------ */

static void
on_trainer_state(DlDashboard *self, GParamSpec *pspec, DlTrainer *trainer)
{
    DlTrainerState state = dl_trainer_get_state(trainer);

    gtk_widget_set_sensitive(GTK_WIDGET(self->parameters_group), state == DL_TRAINER_IDLE);
    switch (state) {
    case DL_TRAINER_LOADING:
        dl_dashboard_start(self, dl_session_get_run_epochs(self->session));
        dl_dashboard_set_status(self, _("Loading MNIST…"));
        break;
    case DL_TRAINER_RUNNING:
        dl_dashboard_set_status(self, _("Training"));
        break;
    case DL_TRAINER_PAUSED:
        dl_dashboard_set_status(self, _("Paused"));
        break;
    case DL_TRAINER_STOPPING:
        dl_dashboard_set_status(self, _("Stopping…"));
        break;
    case DL_TRAINER_IDLE:
    default:
        break; /* "training-done" says how it ended */
    }
}

static void
on_trainer_started(DlDashboard *self, int train_count, int val_count, int batches, DlTrainer *trainer)
{
    dl_dashboard_set_sizes(self, train_count, val_count, batches);
}

static void
on_trainer_batch(DlDashboard *self, gpointer data, DlTrainer *trainer)
{
    dl_dashboard_show_batch(self, data);
}

static void
on_trainer_epoch(DlDashboard *self, gpointer data, DlTrainer *trainer)
{
    dl_dashboard_show_epoch(self, data);
}

static void
on_training_done(DlDashboard *self, int outcome, gpointer error, DlSession *session)
{
    dl_dashboard_set_status(self, outcome == DL_TRAINING_FINISHED  ? _("Finished")
                                  : outcome == DL_TRAINING_STOPPED ? _("Stopped")
                                                                   : _("Failed"));
}

void
dl_dashboard_set_session(DlDashboard *self, DlSession *session)
{
    g_return_if_fail(DL_IS_DASHBOARD(self));
    g_return_if_fail(DL_IS_SESSION(session));
    g_return_if_fail(self->session == NULL);

    DlTrainer *trainer = dl_session_get_trainer(session);
    DlHistory *history = dl_session_get_history(session);

    self->session = g_object_ref(session);
    dl_plot_set_history(self->accuracy_plot, history);
    dl_plot_set_history(self->loss_plot, history);
    dl_plot_set_history(self->lr_plot, history);
    g_signal_connect_object(trainer, "notify::state", G_CALLBACK(on_trainer_state), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(trainer, "started", G_CALLBACK(on_trainer_started), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(trainer, "batch", G_CALLBACK(on_trainer_batch), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(trainer, "epoch", G_CALLBACK(on_trainer_epoch), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(session, "training-done", G_CALLBACK(on_training_done), self, G_CONNECT_SWAPPED);
    on_trainer_state(self, NULL, trainer);
    dl_dashboard_set_status(self, _("Ready"));
    preview_schedule(self);
}

/* ---- GObject ------------------------------------------------------------------------ */

static void
dl_dashboard_dispose(GObject *object)
{
    DlDashboard *self = DL_DASHBOARD(object);
    GtkWidget *child;

    gtk_widget_dispose_template(GTK_WIDGET(self), DL_TYPE_DASHBOARD);
    while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))) != NULL)
        gtk_widget_unparent(child);
    g_clear_object(&self->session);
    g_clear_object(&self->settings);

    G_OBJECT_CLASS(dl_dashboard_parent_class)->dispose(object);
}

static void
dl_dashboard_class_init(DlDashboardClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = dl_dashboard_dispose;

    g_type_ensure(DL_TYPE_PLOT);

    gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
    gtk_widget_class_set_css_name(widget_class, "dashboard");
    gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
    gtk_widget_class_set_template_from_resource(widget_class, DL_RESOURCE_PATH "/ui/dl-dashboard.ui");
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, status_label);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, stats_grid);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, speed_box);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, time_box);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, lr_box);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, accuracy_box);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, plots_grid);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, epoch_label);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, epoch_bar);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, batch_label);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, batch_bar);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, speed_value);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, time_value);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, lr_value);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, accuracy_value);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, accuracy_plot);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, loss_plot);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, lr_plot);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, parameters_group);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, epochs_spin);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, images_spin);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, batch_spin);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, lr_max_spin);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, lr_min_spin);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, warmup_spin);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, per_step_switch);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, bn_recalibrate_switch);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, augment_row);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, rotation_spin);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, zoom_spin);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, shift_spin);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, padding_row);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, seed_spin);
    gtk_widget_class_bind_template_callback(widget_class, lr_output);
    gtk_widget_class_bind_template_callback(widget_class, lr_input);

    gtk_widget_class_install_action(widget_class, "dashboard.restore-defaults", NULL, restore_defaults);
}

static void
dl_dashboard_init(DlDashboard *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Training dashboard"), -1);
    dl_plot_set_kind(self->accuracy_plot, DL_PLOT_ACCURACY);
    dl_plot_set_kind(self->loss_plot, DL_PLOT_LOSS);
    dl_plot_set_kind(self->lr_plot, DL_PLOT_LEARNING_RATE);
    self->last_val_accuracy = -1;
    dl_dashboard_start(self, 0);
    gtk_label_set_text(self->epoch_label, _("Epoch"));
    gtk_label_set_text(self->batch_label, _("Batch"));
}
