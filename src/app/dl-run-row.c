/* dl-run-row.c — one run in the Runs page's list; see dl-run-row.h. */
#include "dl-run-row.h"

#include <glib/gi18n.h>

#include "dl-types.h"
#include "plot-scale.h"

struct _DlRunRow {
    GtkListBoxRow parent_instance;

    DlRun *run;

    GtkCheckButton *check;
    GtkLabel *name_label;
    GtkLabel *current_label;
    GtkLabel *detail_label;
    GtkLabel *accuracy_label;
    GtkLabel *status_label;
    GtkMenuButton *menu_button;
};

G_DEFINE_FINAL_TYPE(DlRunRow, dl_run_row, GTK_TYPE_LIST_BOX_ROW)

enum {
    PROP_0,
    PROP_CHECKED,
    N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* "Finished, 3 epochs", "Stopped after epoch 2 of 5", ... */
static char *
status_text(DlRun *run)
{
    int done = dl_run_get_epochs_done(run), epochs = dl_run_get_settings(run)->train.epochs;
    switch (dl_run_get_status(run)) {
    case DL_RUN_RUNNING:
        return g_strdup_printf(g_dngettext(NULL, "Training: %d of %d epoch done", "Training: %d of %d epochs done",
                                           epochs),
                               done, epochs);
    case DL_RUN_FINISHED:
        return g_strdup_printf(g_dngettext(NULL, "Finished, %d epoch", "Finished, %d epochs", done), done);
    case DL_RUN_STOPPED:
        if (done == 0)
            return g_strdup(dl_run_get_interrupted(run) ? _("Interrupted before its first epoch")
                                                        : _("Stopped before its first epoch"));
        return g_strdup_printf(dl_run_get_interrupted(run) ? _("Interrupted after epoch %d of %d")
                                                           : _("Stopped after epoch %d of %d"), done, epochs);
    case DL_RUN_FAILED:
    default:
        return g_strdup_printf(_("Failed after epoch %d"), done);
    }
}

static void
add_item(GMenu *menu, const char *label, const char *action, DlRun *run)
{
    g_autoptr(GMenuItem) item = g_menu_item_new(label, NULL);
    g_menu_item_set_action_and_target_value(item, action, g_variant_new_string(dl_run_get_dir(run)));
    g_menu_append_item(menu, item);
}

static void
build(DlRunRow *self, gboolean current)
{
    DlRun *run = self->run;
    const DlRunSettings *s = dl_run_get_settings(run);
    const char *name = dl_run_get_name(run);

    gtk_label_set_text(self->name_label, name);
    gtk_widget_set_visible(GTK_WIDGET(self->current_label), current);
    /* TRANSLATORS: when a run started, as g_date_time_format() writes it */
    g_autofree char *date = g_date_time_format(dl_run_get_started(run), _("%-d %b %Y, %H:%M"));
    g_autofree char *summary = dl_run_settings_summary(s);
    g_autofree char *detail = g_strdup_printf("%s · %s", date, summary);
    gtk_label_set_text(self->detail_label, detail);

    const NnEpochStats *final = dl_run_get_final(run);
    char accuracy[PLOT_LABEL_SIZE] = "—";
    if (final != NULL)
        plot_format_percent(100.0 * final->val_accuracy, 2, accuracy, sizeof accuracy);
    gtk_label_set_text(self->accuracy_label, accuracy);
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->accuracy_label),
                                final != NULL ? _("Validation accuracy after the final epoch") : NULL);
    g_autofree char *status = status_text(run);
    gtk_label_set_text(self->status_label, status);
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->status_label), dl_run_get_error_message(run));

    /* What can be done with it, now. */
    g_autoptr(GMenu) menu = g_menu_new(), first = g_menu_new(), last = g_menu_new();
    gboolean live = dl_run_get_live(run);
    if (dl_run_has_model(run))
        add_item(first, _("_Open Its Model"), "runs.open-model", run);
    if (dl_run_can_resume(run, NULL))
        add_item(first, _("_Resume Training"), "runs.resume", run);
    if (!live) {
        add_item(last, _("Re_name…"), "runs.rename", run);
        add_item(last, _("_Delete"), "runs.delete", run);
    }
    g_menu_append_section(menu, NULL, G_MENU_MODEL(first));
    g_menu_append_section(menu, NULL, G_MENU_MODEL(last));
    gtk_menu_button_set_menu_model(self->menu_button, G_MENU_MODEL(menu));
    gtk_widget_set_sensitive(GTK_WIDGET(self->menu_button), g_menu_model_get_n_items(G_MENU_MODEL(first)) > 0 || !live);

    /* TRANSLATORS: the accessible names of a run's check button and menu */
    g_autofree char *check_name = g_strdup_printf(_("Compare “%s”"), name);
    g_autofree char *menu_name = g_strdup_printf(_("Actions for “%s”"), name);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->check), GTK_ACCESSIBLE_PROPERTY_LABEL, check_name, -1);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->menu_button), GTK_ACCESSIBLE_PROPERTY_LABEL, menu_name, -1);
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->menu_button), _("Open, Resume, Rename or Delete"));
    g_autofree char *row_name = g_strdup_printf("%s, %s, %s", name, accuracy, status);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL, row_name, -1);
}

static void
on_check_toggled(DlRunRow *self)
{
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_CHECKED]);
}

static void
dl_run_row_activate(GtkListBoxRow *row)
{
    DlRunRow *self = DL_RUN_ROW(row);

    if (gtk_widget_get_sensitive(GTK_WIDGET(self->check)))
        gtk_check_button_set_active(self->check, !gtk_check_button_get_active(self->check));
}

static void
dl_run_row_dispose(GObject *object)
{
    DlRunRow *self = DL_RUN_ROW(object);

    gtk_widget_dispose_template(GTK_WIDGET(self), DL_TYPE_RUN_ROW);
    g_clear_pointer(&self->run, dl_run_unref);

    G_OBJECT_CLASS(dl_run_row_parent_class)->dispose(object);
}

static void
dl_run_row_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    DlRunRow *self = DL_RUN_ROW(object);

    switch (prop_id) {
    case PROP_CHECKED:
        g_value_set_boolean(value, dl_run_row_get_checked(self));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_run_row_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
    DlRunRow *self = DL_RUN_ROW(object);

    switch (prop_id) {
    case PROP_CHECKED:
        dl_run_row_set_checked(self, g_value_get_boolean(value));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_run_row_class_init(DlRunRowClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
    GtkListBoxRowClass *row_class = GTK_LIST_BOX_ROW_CLASS(klass);

    object_class->dispose = dl_run_row_dispose;
    object_class->get_property = dl_run_row_get_property;
    object_class->set_property = dl_run_row_set_property;
    row_class->activate = dl_run_row_activate;

    properties[PROP_CHECKED] = g_param_spec_boolean("checked", NULL, NULL, FALSE,
                                                    G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, properties);

    gtk_widget_class_set_template_from_resource(widget_class, DL_RESOURCE_PATH "/ui/dl-run-row.ui");
    gtk_widget_class_bind_template_child(widget_class, DlRunRow, check);
    gtk_widget_class_bind_template_child(widget_class, DlRunRow, name_label);
    gtk_widget_class_bind_template_child(widget_class, DlRunRow, current_label);
    gtk_widget_class_bind_template_child(widget_class, DlRunRow, detail_label);
    gtk_widget_class_bind_template_child(widget_class, DlRunRow, accuracy_label);
    gtk_widget_class_bind_template_child(widget_class, DlRunRow, status_label);
    gtk_widget_class_bind_template_child(widget_class, DlRunRow, menu_button);
}

static void
dl_run_row_init(DlRunRow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    g_signal_connect_swapped(self->check, "toggled", G_CALLBACK(on_check_toggled), self);
}

GtkWidget *
dl_run_row_new(DlRun *run, gboolean current)
{
    g_return_val_if_fail(run != NULL, NULL);

    DlRunRow *self = g_object_new(DL_TYPE_RUN_ROW, NULL);
    self->run = dl_run_ref(run);
    build(self, current);
    return GTK_WIDGET(self);
}

DlRun *
dl_run_row_get_run(DlRunRow *self)
{
    g_return_val_if_fail(DL_IS_RUN_ROW(self), NULL);

    return self->run;
}

gboolean
dl_run_row_get_checked(DlRunRow *self)
{
    g_return_val_if_fail(DL_IS_RUN_ROW(self), FALSE);

    return gtk_check_button_get_active(self->check);
}

void
dl_run_row_set_checked(DlRunRow *self, gboolean checked)
{
    g_return_if_fail(DL_IS_RUN_ROW(self));

    gtk_check_button_set_active(self->check, checked);
}

void
dl_run_row_set_checkable(DlRunRow *self, gboolean checkable)
{
    g_return_if_fail(DL_IS_RUN_ROW(self));

    gtk_widget_set_sensitive(GTK_WIDGET(self->check), checkable || gtk_check_button_get_active(self->check));
}
