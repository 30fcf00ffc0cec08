/* dl-dashboard.c — the training dashboard. */
#include "dl-dashboard.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "dl-format.h"
#include "dl-plot.h"
#include "dl-settings.h"
#include "recipe.h"

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
    int val_done, val_total;    /* validation progress after the epoch in progress */

    gboolean compact;
    gboolean presenter;

    GtkLabel *status_label;
    GtkGrid *stats_grid;
    GtkWidget *speed_box;
    GtkWidget *time_box;
    GtkWidget *lr_box;
    GtkWidget *accuracy_box;
    GtkGrid *plots_grid;
    GtkWidget *plot_switcher;
    GtkWidget *recipe_group;
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

    AdwComboRow *preset_row;
    AdwActionRow *follow_row;
    GtkSwitch *follow_switch;
    GtkButton *use_held_button;
    GtkLabel *problem_label;
    AdwExpanderRow *augment_row;
    GtkWidget *parameter_groups[4];

    /* The presets in the recipe row's order; Custom follows them. */
    const NnPreset *presets[16];
    guint n_presets;
    gboolean showing_preset; /* the row is being set from the settings */

    gboolean validating;

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
    g_autofree char *images = dl_format_count((guint64)llround(MAX(p->images_per_s, 0.0)));
    g_autofree char *speed = g_strdup_printf(_("%s images/s"), images);
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

/* ---- presenter mode ------------------------------------------------------------- */

/* Out of presenter mode all three plots; in it the chosen one, filling the page. */
static void
show_plots(DlDashboard *self)
{
    g_autofree char *chosen = g_settings_get_string(self->settings, "presenter-plot");
    const struct {
        DlPlot *plot;
        const char *name;
    } plots[] = {
        { self->accuracy_plot, "accuracy" },
        { self->loss_plot, "loss" },
        { self->lr_plot, "learning-rate" },
    };

    for (guint i = 0; i < G_N_ELEMENTS(plots); i++) {
        gboolean shown = g_strcmp0(plots[i].name, chosen) == 0;
        gtk_widget_set_visible(GTK_WIDGET(plots[i].plot), !self->presenter || shown);
        gtk_widget_set_vexpand(GTK_WIDGET(plots[i].plot), self->presenter && shown);
    }
}

void
dl_dashboard_set_presenter(DlDashboard *self, gboolean presenter)
{
    g_return_if_fail(DL_IS_DASHBOARD(self));
    g_return_if_fail(self->settings != NULL);

    self->presenter = !!presenter;
    gtk_widget_set_visible(self->recipe_group, !self->presenter);
    for (guint i = 0; i < G_N_ELEMENTS(self->parameter_groups); i++)
        gtk_widget_set_visible(self->parameter_groups[i], !self->presenter);
    gtk_widget_set_visible(self->plot_switcher, self->presenter);
    show_plots(self);
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

/* An enum key's nick in settings, a position in a combo row: user_data is
 * the NULL-terminated list of nicks in the row's order. */
static gboolean
nick_to_index(GValue *value, GVariant *variant, gpointer user_data)
{
    const char *const *nicks = user_data;
    const char *nick = g_variant_get_string(variant, NULL);

    for (guint i = 0; nicks[i] != NULL; i++) {
        if (g_strcmp0(nicks[i], nick) == 0) {
            g_value_set_uint(value, i);
            return TRUE;
        }
    }
    return FALSE;
}

static GVariant *
index_to_nick(const GValue *value, const GVariantType *expected_type, gpointer user_data)
{
    const char *const *nicks = user_data;
    guint index = g_value_get_uint(value);

    return index < g_strv_length((char **)nicks) ? g_variant_new_string(nicks[index]) : NULL;
}

static const char *const padding_nicks[] = { "same", "valid", NULL };
static const char *const optimizer_nicks[] = { "adam", "sgd", NULL };
static const char *const schedule_nicks[] = { "paper", "constant", "step", "cosine", NULL };

/* Every hyper-parameter row: its key, the template's widget and row, and
 * how the value is shown. */
typedef enum { SHOW_VALUE, SHOW_PERCENT, SHOW_ACTIVE, SHOW_CHOICE } Show;

typedef struct {
    const char *key;
    const char *widget; /* template id: a spin button, a switch or a combo row */
    const char *row;    /* template id of its row */
    Show show;
    const char *const *nicks; /* SHOW_CHOICE */
} Parameter;

static const Parameter parameters[] = {
    { "padding", "padding_row", "padding_row", SHOW_CHOICE, padding_nicks },
    { "blocks", "blocks_spin", "blocks_row", SHOW_VALUE, NULL },
    { "convs-per-block", "convs_per_block_spin", "convs_per_block_row", SHOW_VALUE, NULL },
    { "filters-block-1", "filters_block_1_spin", "filters_block_1_row", SHOW_VALUE, NULL },
    { "filters-block-2", "filters_block_2_spin", "filters_block_2_row", SHOW_VALUE, NULL },
    { "filters-block-3", "filters_block_3_spin", "filters_block_3_row", SHOW_VALUE, NULL },
    { "dense", "dense_spin", "dense_row", SHOW_VALUE, NULL },
    { "batch-norm", "batch_norm_switch", "batch_norm_row", SHOW_ACTIVE, NULL },
    { "bn-recalibrate", "bn_recalibrate_switch", "bn_recalibrate_row", SHOW_ACTIVE, NULL },
    { "bn-recalibrate-images", "bn_recalibrate_images_spin", "bn_recalibrate_images_row", SHOW_VALUE, NULL },
    { "dropout-conv", "dropout_conv_spin", "dropout_conv_row", SHOW_PERCENT, NULL },
    { "dropout-dense", "dropout_dense_spin", "dropout_dense_row", SHOW_PERCENT, NULL },
    { "epochs", "epochs_spin", "epochs_row", SHOW_VALUE, NULL },
    { "batch-size", "batch_size_spin", "batch_size_row", SHOW_VALUE, NULL },
    { "optimizer", "optimizer_row", "optimizer_row", SHOW_CHOICE, optimizer_nicks },
    { "momentum", "momentum_spin", "momentum_row", SHOW_VALUE, NULL },
    { "schedule", "schedule_row", "schedule_row", SHOW_CHOICE, schedule_nicks },
    { "lr-max", "lr_max_spin", "lr_max_row", SHOW_VALUE, NULL },
    { "lr-min", "lr_min_spin", "lr_min_row", SHOW_VALUE, NULL },
    { "warmup-epochs", "warmup_epochs_spin", "warmup_epochs_row", SHOW_VALUE, NULL },
    { "step-epochs", "step_epochs_spin", "step_epochs_row", SHOW_VALUE, NULL },
    { "step-gamma", "step_gamma_spin", "step_gamma_row", SHOW_VALUE, NULL },
    { "per-step-lr", "per_step_lr_switch", "per_step_lr_row", SHOW_ACTIVE, NULL },
    { "ema", "ema_switch", "ema_row", SHOW_ACTIVE, NULL },
    { "ema-decay", "ema_decay_spin", "ema_decay_row", SHOW_VALUE, NULL },
    { "outliers", "outliers_spin", "outliers_row", SHOW_PERCENT, NULL },
    { "augment", "augment_switch", "augment_switch_row", SHOW_ACTIVE, NULL },
    { "rotation", "rotation_spin", "rotation_row", SHOW_VALUE, NULL },
    { "zoom", "zoom_spin", "zoom_row", SHOW_PERCENT, NULL },
    { "shift", "shift_spin", "shift_row", SHOW_PERCENT, NULL },
    { "shear", "shear_spin", "shear_row", SHOW_VALUE, NULL },
    { "elastic-alpha", "elastic_alpha_spin", "elastic_alpha_row", SHOW_VALUE, NULL },
    { "elastic-sigma", "elastic_sigma_spin", "elastic_sigma_row", SHOW_VALUE, NULL },
    { "thickness", "thickness_spin", "thickness_row", SHOW_VALUE, NULL },
    { "erase", "erase_spin", "erase_row", SHOW_PERCENT, NULL },
    { "style", "style_spin", "style_row", SHOW_PERCENT, NULL },
    { "training-images", "training_images_spin", "training_images_row", SHOW_VALUE, NULL },
    { "validation-images", "validation_images_spin", "validation_images_row", SHOW_VALUE, NULL },
    { "seed", "seed_spin", "seed_row", SHOW_VALUE, NULL },
    { "probes", "probes_switch", "probes_row", SHOW_ACTIVE, NULL },
    { "probe-every", "probe_every_spin", "probe_every_row", SHOW_VALUE, NULL },
    { "probe-images", "probe_images_spin", "probe_images_row", SHOW_VALUE, NULL },
};

static const char *const group_ids[] = { "network_group", "optimizer_group", "regularisation_group", "data_group" };

static GtkWidget *
child(DlDashboard *self, const char *id)
{
    GObject *object = gtk_widget_get_template_child(GTK_WIDGET(self), DL_TYPE_DASHBOARD, id);

    g_assert(object != NULL);
    return GTK_WIDGET(object);
}

/* One Tab stop per row: the control, which its row names (AdwActionRow's
 * activatable widget is labelled by the row's title) and describes; the
 * row itself is not focusable, and still activates its control when
 * clicked. Combo rows are their own control. */
static void
name_controls(DlDashboard *self)
{
    for (guint i = 0; i < G_N_ELEMENTS(parameters); i++) {
        const Parameter *p = &parameters[i];
        if (p->show == SHOW_CHOICE)
            continue;
        GtkWidget *row = child(self, p->row), *control = child(self, p->widget);
        gtk_widget_set_focusable(row, FALSE);
        const char *subtitle = adw_action_row_get_subtitle(ADW_ACTION_ROW(row));
        if (subtitle != NULL && subtitle[0] != '\0')
            gtk_accessible_update_property(GTK_ACCESSIBLE(control), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, subtitle, -1);
    }
    gtk_widget_set_focusable(GTK_WIDGET(self->follow_row), FALSE);
}

static void
bind_parameters(DlDashboard *self, GSettings *settings)
{
    for (guint i = 0; i < G_N_ELEMENTS(parameters); i++) {
        const Parameter *p = &parameters[i];
        GtkWidget *widget = child(self, p->widget);
        switch (p->show) {
        case SHOW_VALUE:
            g_settings_bind(settings, p->key, widget, "value", G_SETTINGS_BIND_DEFAULT);
            break;
        case SHOW_PERCENT:
            g_settings_bind_with_mapping(settings, p->key, widget, "value", G_SETTINGS_BIND_DEFAULT,
                                         fraction_to_percent, percent_to_fraction, NULL, NULL);
            break;
        case SHOW_ACTIVE:
            g_settings_bind(settings, p->key, widget, "active", G_SETTINGS_BIND_DEFAULT);
            break;
        case SHOW_CHOICE:
            g_settings_bind_with_mapping(settings, p->key, widget, "selected", G_SETTINGS_BIND_DEFAULT, nick_to_index,
                                         index_to_nick, (gpointer)p->nicks, NULL);
            break;
        }
    }
}

/* Rows that mean nothing with the others as they are cannot be changed. */
static void
update_sensitivity(DlDashboard *self)
{
    GSettings *st = self->settings;
    int blocks = g_settings_get_int(st, "blocks");
    gboolean bn = g_settings_get_boolean(st, "batch-norm");
    int schedule = g_settings_get_enum(st, "schedule");
    gboolean augment = g_settings_get_boolean(st, "augment");
    struct {
        const char *row;
        gboolean sensitive;
    } rules[] = {
        { "filters_block_2_row", blocks >= 2 },
        { "filters_block_3_row", blocks >= 3 },
        { "dropout_dense_row", g_settings_get_int(st, "dense") > 0 },
        { "bn_recalibrate_row", bn },
        { "bn_recalibrate_images_row", bn && g_settings_get_boolean(st, "bn-recalibrate") },
        { "momentum_row", g_settings_get_enum(st, "optimizer") == NN_OPTIMIZER_SGD },
        { "lr_min_row", schedule != NN_SCHEDULE_CONSTANT && schedule != NN_SCHEDULE_STEP },
        { "warmup_epochs_row", schedule == NN_SCHEDULE_PAPER },
        { "step_epochs_row", schedule == NN_SCHEDULE_STEP },
        { "step_gamma_row", schedule == NN_SCHEDULE_STEP },
        { "ema_decay_row", g_settings_get_boolean(st, "ema") },
        { "rotation_row", augment },
        { "zoom_row", augment },
        { "shift_row", augment },
        { "shear_row", augment },
        { "elastic_alpha_row", augment },
        { "elastic_sigma_row", augment && g_settings_get_double(st, "elastic-alpha") > 0 },
        { "thickness_row", augment },
        { "erase_row", augment },
        { "style_row", augment },
        { "probe_every_row", g_settings_get_boolean(st, "probes") },
        { "probe_images_row", g_settings_get_boolean(st, "probes") },
    };
    for (guint i = 0; i < G_N_ELEMENTS(rules); i++)
        gtk_widget_set_sensitive(child(self, rules[i].row), rules[i].sensitive);

    /* The augmentation, summed up on its collapsed row. */
    g_autofree char *summary = NULL;
    if (!augment)
        summary = g_strdup(_("Off: the images as they are"));
    else
        /* TRANSLATORS: the augmentation's main ranges: degrees, percent, percent */
        summary = g_strdup_printf(_("Rotation up to %.0f°, zoom up to %.0f %%, shift up to %.0f %%, and more"),
                                  g_settings_get_double(st, "rotation"), 100 * g_settings_get_double(st, "zoom"),
                                  100 * g_settings_get_double(st, "shift"));
    adw_expander_row_set_subtitle(self->augment_row, summary);
}

/* Settings the engine cannot train are said plainly; Train is disabled
 * then (the window checks the same). */
static void
update_problem(DlDashboard *self)
{
    g_autofree char *reason = NULL;
    gboolean ok = dl_settings_check_train_request(self->settings, &reason);

    gtk_label_set_text(self->problem_label, ok ? "" : reason);
    gtk_widget_set_visible(GTK_WIDGET(self->problem_label), !ok);
}

/* ---- presets ---------------------------------------------------------------------- */

/* The order of the recipe row: the classroom presets first, then any other
 * preset the engine has. */
static void
collect_presets(DlDashboard *self)
{
    static const char *const first[] = { "demo", "lesson", "paper", "digitlab" };

    self->n_presets = 0;
    for (guint i = 0; i < G_N_ELEMENTS(first); i++) {
        const NnPreset *p = nn_preset_find(first[i]);
        if (p != NULL && self->n_presets < G_N_ELEMENTS(self->presets))
            self->presets[self->n_presets++] = p;
    }
    for (int i = 0; i < nn_preset_count(); i++) {
        const NnPreset *p = nn_preset_get(i);
        gboolean listed = FALSE;
        for (guint k = 0; k < self->n_presets; k++)
            listed = listed || self->presets[k] == p;
        if (!listed && self->n_presets < G_N_ELEMENTS(self->presets))
            self->presets[self->n_presets++] = p;
    }

    g_autoptr(GtkStringList) titles = gtk_string_list_new(NULL);
    for (guint i = 0; i < self->n_presets; i++)
        gtk_string_list_append(titles, _(self->presets[i]->title)); /* the engine's English, translated here */
    gtk_string_list_append(titles, _("Custom"));
    adw_combo_row_set_model(self->preset_row, G_LIST_MODEL(titles));
}

static void
show_preset_description(DlDashboard *self)
{
    guint i = adw_combo_row_get_selected(self->preset_row);

    adw_action_row_set_subtitle(ADW_ACTION_ROW(self->preset_row),
                                i < self->n_presets ? _(self->presets[i]->description)
                                                    : _("Your own hyper-parameters: see below"));
}

/* The row shows the preset the settings are, or Custom. */
static void
show_preset(DlDashboard *self)
{
    const NnPreset *preset = dl_settings_find_preset(self->settings);
    guint index = self->n_presets; /* Custom */

    for (guint i = 0; i < self->n_presets; i++)
        if (self->presets[i] == preset)
            index = i;
    self->showing_preset = TRUE;
    adw_combo_row_set_selected(self->preset_row, index);
    self->showing_preset = FALSE;
    show_preset_description(self);
}

/* A preset chosen: every hyper-parameter from the engine's recipe. Custom
 * keeps the settings as they are. */
static void
on_preset_selected(DlDashboard *self)
{
    guint i = adw_combo_row_get_selected(self->preset_row);

    show_preset_description(self);
    if (self->showing_preset || self->settings == NULL || i >= self->n_presets)
        return;
    dl_settings_apply_preset(self->settings, self->presets[i]);
}

static void
restore_paper(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlDashboard *self = DL_DASHBOARD(widget);
    const NnPreset *paper = nn_preset_find("paper");

    if (self->settings != NULL && paper != NULL)
        dl_settings_apply_preset(self->settings, paper);
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
    if (g_strcmp0(key, "follow-training") == 0)
        return;
    update_sensitivity(self);
    update_problem(self);
    show_preset(self);
    preview_schedule(self);
}

void
dl_dashboard_bind_settings(DlDashboard *self, GSettings *settings)
{
    g_return_if_fail(DL_IS_DASHBOARD(self));
    g_return_if_fail(G_IS_SETTINGS(settings));
    g_return_if_fail(self->settings == NULL);

    self->settings = g_object_ref(settings);
    bind_parameters(self, settings);
    g_settings_bind(settings, "follow-training", self->follow_switch, "active", G_SETTINGS_BIND_DEFAULT);
    g_signal_connect_object(settings, "changed", G_CALLBACK(on_parameters_changed), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(settings, "changed::presenter-plot", G_CALLBACK(show_plots), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(self->preset_row, "notify::selected", G_CALLBACK(on_preset_selected), self,
                            G_CONNECT_SWAPPED);
    on_parameters_changed(self, NULL, settings);
}

/* ---- following training ---------------------------------------------------------- */

static void
update_following(DlDashboard *self)
{
    if (self->session == NULL)
        return;
    g_autofree char *text = dl_session_describe_following(self->session);
    int held = dl_session_get_held_epoch(self->session);

    adw_action_row_set_subtitle(ADW_ACTION_ROW(self->follow_row), text);
    gtk_widget_set_visible(GTK_WIDGET(self->use_held_button), held > 0);
    if (held > 0) {
        /* TRANSLATORS: a button: put that epoch's model in use */
        g_autofree char *label = g_strdup_printf(_("Use Epoch %d"), held);
        gtk_button_set_label(self->use_held_button, label);
    }
}

static void
use_held_model(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlDashboard *self = DL_DASHBOARD(widget);

    if (self->session != NULL)
        dl_session_use_held_model(self->session);
}

/* ---- the session ------------------------------------------------------------------ */

static void
show_status(DlDashboard *self)
{
    DlTrainerState state = dl_trainer_get_state(dl_session_get_trainer(self->session));

    switch (state) {
    case DL_TRAINER_LOADING:
        dl_dashboard_set_status(self, _("Loading MNIST…"));
        break;
    case DL_TRAINER_RUNNING:
        dl_dashboard_set_status(self, self->validating ? _("Validating…") : _("Training"));
        break;
    case DL_TRAINER_PAUSING:
        dl_dashboard_set_status(self, _("Pausing…"));
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

/* The focus leaves a control before it is disabled, for the Follow Training
 * switch (it stays usable while training): GTK 4.8 unsets the focus of a
 * widget made insensitive without telling a spin button's text, which then
 * warns that it "did not receive a focus-out event", and no widget is left
 * with the focus. */
static void
move_focus_out_of(DlDashboard *self, GtkWidget *disabled)
{
    GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
    GtkWidget *focus = root != NULL ? gtk_root_get_focus(root) : NULL;

    if (focus != NULL && (focus == disabled || gtk_widget_is_ancestor(focus, disabled)))
        gtk_widget_grab_focus(GTK_WIDGET(self->follow_switch));
}

static void
on_trainer_state(DlDashboard *self, GParamSpec *pspec, DlTrainer *trainer)
{
    DlTrainerState state = dl_trainer_get_state(trainer);

    if (state != DL_TRAINER_IDLE) {
        for (guint i = 0; i < G_N_ELEMENTS(self->parameter_groups); i++)
            move_focus_out_of(self, self->parameter_groups[i]);
        move_focus_out_of(self, GTK_WIDGET(self->preset_row));
    }
    for (guint i = 0; i < G_N_ELEMENTS(self->parameter_groups); i++)
        gtk_widget_set_sensitive(self->parameter_groups[i], state == DL_TRAINER_IDLE);
    gtk_widget_set_sensitive(GTK_WIDGET(self->preset_row), state == DL_TRAINER_IDLE);
    if (state == DL_TRAINER_LOADING) {
        dl_dashboard_start(self, dl_session_get_run_epochs(self->session));
        self->validating = FALSE;
    }
    show_status(self);
    update_following(self);
}

static void
on_trainer_started(DlDashboard *self, int train_count, int val_count, int batches, DlTrainer *trainer)
{
    dl_dashboard_set_sizes(self, train_count, val_count, batches);
}

/* Validation after an epoch: the batch bar shows its progress. */
static void
show_validation(DlDashboard *self)
{
    g_autofree char *text = NULL;

    if (self->val_total > 0) {
        g_autofree char *done = dl_format_count(self->val_done), *total = dl_format_count(self->val_total);
        /* TRANSLATORS: validation progress: images done of all */
        text = g_strdup_printf(_("Validating: %s of %s images"), done, total);
    } else {
        text = g_strdup(_("Validating…"));
    }
    gtk_label_set_text(self->batch_label, text);
    gtk_progress_bar_set_fraction(self->batch_bar,
                                  self->val_total > 0 ? CLAMP((double)self->val_done / self->val_total, 0, 1) : 0);
}

static void
set_validating(DlDashboard *self, gboolean validating)
{
    if (self->validating == validating)
        return;
    self->validating = validating;
    if (validating)
        self->val_done = self->val_total = 0;
    show_status(self);
}

static void
on_trainer_batch(DlDashboard *self, gpointer data, DlTrainer *trainer)
{
    const NnBatchProgress *p = data;

    set_validating(self, FALSE);
    dl_dashboard_show_batch(self, p);
    /* The epoch's last batch: its validation (and the batch-norm
     * statistics before it) comes next. */
    if (p->batch >= p->batches && self->val_count > 0) {
        set_validating(self, TRUE);
        show_validation(self);
    }
}

static void
on_trainer_validate(DlDashboard *self, int done, int total, DlTrainer *trainer)
{
    set_validating(self, TRUE);
    self->val_done = done;
    self->val_total = total;
    show_validation(self);
}

static void
on_trainer_epoch(DlDashboard *self, gpointer data, DlTrainer *trainer)
{
    set_validating(self, FALSE);
    dl_dashboard_show_epoch(self, data);
}

static void
on_training_done(DlDashboard *self, int outcome, gpointer error, DlSession *session)
{
    self->validating = FALSE;
    dl_dashboard_set_status(self, outcome == DL_TRAINING_FINISHED  ? _("Finished")
                                  : outcome == DL_TRAINING_STOPPED ? _("Stopped")
                                                                   : _("Failed"));
    update_following(self);
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
    g_signal_connect_object(trainer, "validate", G_CALLBACK(on_trainer_validate), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(trainer, "epoch", G_CALLBACK(on_trainer_epoch), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(session, "training-done", G_CALLBACK(on_training_done), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(session, "model-changed", G_CALLBACK(update_following), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(session, "notify::held-epoch", G_CALLBACK(update_following), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(session, "notify::follow-training", G_CALLBACK(update_following), self,
                            G_CONNECT_SWAPPED);
    on_trainer_state(self, NULL, trainer);
    dl_dashboard_set_status(self, _("Ready"));
    update_following(self);
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
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, plot_switcher);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, recipe_group);
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
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, preset_row);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, follow_row);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, follow_switch);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, use_held_button);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, problem_label);
    gtk_widget_class_bind_template_child(widget_class, DlDashboard, augment_row);
    gtk_widget_class_bind_template_callback(widget_class, lr_output);
    gtk_widget_class_bind_template_callback(widget_class, lr_input);

    /* The parameter rows and their controls, found by name (child()). */
    for (guint i = 0; i < G_N_ELEMENTS(parameters); i++) {
        gtk_widget_class_bind_template_child_full(widget_class, parameters[i].widget, FALSE, 0);
        if (g_strcmp0(parameters[i].row, parameters[i].widget) != 0)
            gtk_widget_class_bind_template_child_full(widget_class, parameters[i].row, FALSE, 0);
    }
    for (guint i = 0; i < G_N_ELEMENTS(group_ids); i++)
        gtk_widget_class_bind_template_child_full(widget_class, group_ids[i], FALSE, 0);

    gtk_widget_class_install_action(widget_class, "dashboard.restore-paper", NULL, restore_paper);
    gtk_widget_class_install_action(widget_class, "dashboard.use-held-model", NULL, use_held_model);
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
    for (guint i = 0; i < G_N_ELEMENTS(group_ids); i++)
        self->parameter_groups[i] = child(self, group_ids[i]);
    name_controls(self);
    collect_presets(self);
    dl_dashboard_start(self, 0);
    gtk_label_set_text(self->epoch_label, _("Epoch"));
    gtk_label_set_text(self->batch_label, _("Batch"));
}
