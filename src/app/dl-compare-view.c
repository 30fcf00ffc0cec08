/* dl-compare-view.c — two to four runs side by side; see dl-compare-view.h. */
#include "dl-compare-view.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "dl-plot.h"
#include "dl-types.h"
#include "plot-scale.h"

/* From this width on, the accuracy and loss plots go side by side. */
#define WIDE_WIDTH 760

struct _DlCompareView {
    GtkWidget parent_instance;

    DlRun *runs[DL_DRAW_MAX_RUNS];
    DlHistory *histories[DL_DRAW_MAX_RUNS];
    gulong changed_ids[DL_DRAW_MAX_RUNS];
    guint n_runs;
    int current;
    gboolean wide;
    guint layout_idle;

    GtkWidget *box;
    GtkBox *pair_box;
    GtkButton *back_button;
    GtkLabel *title_label;
    DlPlot *accuracy_plot;
    DlPlot *loss_plot;
    DlPlot *lr_plot;
    GtkGrid *settings_grid;
    GtkGrid *metrics_grid;
};

G_DEFINE_FINAL_TYPE(DlCompareView, dl_compare_view, GTK_TYPE_WIDGET)

/* ---- the tables ---------------------------------------------------------------- */

static GtkWidget *
cell(const char *text, const char *css_class, gboolean differs)
{
    GtkWidget *label = gtk_label_new(text);
    gtk_label_set_xalign(GTK_LABEL(label), 0);
    gtk_label_set_wrap(GTK_LABEL(label), TRUE);
    gtk_label_set_max_width_chars(GTK_LABEL(label), 30);
    gtk_widget_set_hexpand(label, TRUE);
    gtk_widget_add_css_class(label, "compare-cell");
    if (css_class != NULL)
        gtk_widget_add_css_class(label, css_class);
    if (differs)
        gtk_widget_add_css_class(label, "differs");
    return label;
}

static void
draw_swatch(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
    DlDrawStyle style;
    DlColor c;
    dl_plot_style_from_widget(GTK_WIDGET(area), 1.0, &style);
    dl_draw_run_color(&style, GPOINTER_TO_INT(data), &c);
    cairo_set_source_rgba(cr, c.red, c.green, c.blue, c.alpha);
    cairo_arc(cr, width / 2.0, height / 2.0, MIN(width, height) / 2.0, 0, 2 * G_PI);
    cairo_fill(cr);
}

/* A run's name with the dot of its colour on the plots. */
static GtkWidget *
run_header(DlCompareView *self, guint i)
{
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
    gtk_widget_add_css_class(box, "compare-cell");
    GtkWidget *swatch = gtk_drawing_area_new();
    gtk_widget_set_size_request(swatch, 12, 12);
    gtk_widget_set_valign(swatch, GTK_ALIGN_CENTER);
    gtk_drawing_area_set_draw_func(GTK_DRAWING_AREA(swatch), draw_swatch, GINT_TO_POINTER(i), NULL);
    gtk_box_append(GTK_BOX(box), swatch);
    g_autofree char *name = (int)i == self->current
        ? g_strdup_printf(_("%s (current)"), dl_run_get_name(self->runs[i])) : g_strdup(dl_run_get_name(self->runs[i]));
    GtkWidget *label = gtk_label_new(name);
    gtk_label_set_xalign(GTK_LABEL(label), 0);
    gtk_label_set_wrap(GTK_LABEL(label), TRUE);
    gtk_label_set_max_width_chars(GTK_LABEL(label), 30);
    gtk_widget_add_css_class(label, "heading");
    gtk_widget_set_hexpand(label, TRUE);
    gtk_box_append(GTK_BOX(box), label);
    gtk_widget_set_hexpand(box, TRUE);
    return box;
}

static void
clear_grid(GtkGrid *grid)
{
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child(GTK_WIDGET(grid))) != NULL)
        gtk_grid_remove(grid, child);
}

static void
add_header_row(DlCompareView *self, GtkGrid *grid, const char *corner)
{
    gtk_grid_attach(grid, cell(corner, "dim-label", FALSE), 0, 0, 1, 1);
    for (guint i = 0; i < self->n_runs; i++)
        gtk_grid_attach(grid, run_header(self, i), (int)i + 1, 0, 1, 1);
}

/* One row: its title and a value per run; values that are not all the same
 * are highlighted, and the title says so to assistive technologies. */
static void
add_row(GtkGrid *grid, int row, const char *title, char **values, guint n, gboolean highlight_differences,
        int best)
{
    gboolean differs = FALSE;
    for (guint i = 1; i < n; i++)
        differs |= g_strcmp0(values[i], values[0]) != 0;
    differs &= highlight_differences;
    GtkWidget *head = cell(title, "dim-label", differs);
    if (differs) {
        gtk_accessible_update_property(GTK_ACCESSIBLE(head), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       _("differs between the runs"), -1);
        gtk_widget_set_tooltip_text(head, _("This setting differs between the runs"));
    }
    gtk_grid_attach(grid, head, 0, row, 1, 1);
    for (guint i = 0; i < n; i++) {
        GtkWidget *value = cell(values[i], (int)i == best ? "best" : NULL, differs);
        if ((int)i == best)
            gtk_accessible_update_property(GTK_ACCESSIBLE(value), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                           _("the highest of the runs"), -1);
        gtk_grid_attach(grid, value, (int)i + 1, row, 1, 1);
    }
}

static void
build_settings(DlCompareView *self)
{
    GtkGrid *grid = self->settings_grid;
    clear_grid(grid);
    add_header_row(self, grid, _("Setting"));
    char *values[DL_DRAW_MAX_RUNS];
    int row = 1;
    for (int f = 0; f < DL_RUN_N_FIELDS; f++) {
        for (guint i = 0; i < self->n_runs; i++)
            values[i] = dl_run_field_value(dl_run_get_settings(self->runs[i]), f);
        add_row(grid, row++, dl_run_field_title(f), values, self->n_runs, TRUE, -1);
        for (guint i = 0; i < self->n_runs; i++)
            g_free(values[i]);
    }
    for (guint i = 0; i < self->n_runs; i++) {
        const char *v = dl_run_get_engine_version(self->runs[i]);
        values[i] = g_strdup(v != NULL ? v : _("unknown"));
    }
    add_row(grid, row, _("Digit Lab version"), values, self->n_runs, TRUE, -1);
    for (guint i = 0; i < self->n_runs; i++)
        g_free(values[i]);
}

static char *
format_minutes(double seconds)
{
    if (seconds < 60)
        return g_strdup_printf(_("%.0f s"), seconds);
    return g_strdup_printf(_("%.1f min"), seconds / 60);
}

typedef enum {
    METRIC_EPOCH,
    METRIC_VAL_ACCURACY,
    METRIC_VAL_LOSS,
    METRIC_TRAIN_ACCURACY,
    METRIC_TRAIN_LOSS,
    METRIC_TIME,
    METRIC_BEST,
    N_METRICS
} Metric;

static void
build_metrics(DlCompareView *self)
{
    GtkGrid *grid = self->metrics_grid;
    clear_grid(grid);
    add_header_row(self, grid, _("Metric"));
    static const char *const titles[N_METRICS] = {
        N_("Final epoch"),
        N_("Validation accuracy, final epoch"),
        N_("Validation loss, final epoch"),
        N_("Training accuracy, final epoch (with augmentation and dropout)"),
        N_("Training loss, final epoch"),
        N_("Training time"),
        N_("Best validation accuracy (epoch chosen on the validation set)"),
    };
    for (int m = 0; m < N_METRICS; m++) {
        char *values[DL_DRAW_MAX_RUNS];
        double score[DL_DRAW_MAX_RUNS];
        int best = -1;
        for (guint i = 0; i < self->n_runs; i++) {
            guint n;
            const NnEpochStats *epochs = dl_history_get_epochs(self->histories[i], &n);
            const NnEpochStats *last = n > 0 ? &epochs[n - 1] : NULL;
            char a[PLOT_LABEL_SIZE];
            score[i] = -1;
            if (last == NULL) {
                values[i] = g_strdup("—");
                continue;
            }
            switch (m) {
            case METRIC_EPOCH:
                values[i] = g_strdup_printf(_("%d of %d"), last->epoch, dl_run_get_settings(self->runs[i])->train.epochs);
                break;
            case METRIC_VAL_ACCURACY:
                plot_format_percent(100.0 * last->val_accuracy, 2, a, sizeof a);
                values[i] = g_strdup(a);
                score[i] = last->val_accuracy;
                break;
            case METRIC_VAL_LOSS:
                values[i] = g_strdup_printf("%.4f", last->val_loss);
                break;
            case METRIC_TRAIN_ACCURACY:
                plot_format_percent(100.0 * last->train_accuracy, 2, a, sizeof a);
                values[i] = g_strdup(a);
                break;
            case METRIC_TRAIN_LOSS:
                values[i] = g_strdup_printf("%.4f", last->train_loss);
                break;
            case METRIC_TIME: {
                double seconds = 0;
                for (guint k = 0; k < n; k++)
                    seconds += epochs[k].seconds;
                values[i] = format_minutes(seconds);
                break;
            }
            case METRIC_BEST:
            default: {
                guint at = 0;
                for (guint k = 1; k < n; k++)
                    if (epochs[k].val_accuracy > epochs[at].val_accuracy)
                        at = k;
                plot_format_percent(100.0 * epochs[at].val_accuracy, 2, a, sizeof a);
                values[i] = g_strdup_printf(_("%s (epoch %d)"), a, epochs[at].epoch);
                break;
            }
            }
        }
        /* The best final accuracy stands out. */
        for (guint i = 0; i < self->n_runs; i++)
            if (score[i] >= 0 && (best < 0 || score[i] > score[best]))
                best = (int)i;
        for (guint i = 0; best >= 0 && i < self->n_runs; i++)
            if ((int)i != best && score[i] == score[best])
                best = -1; /* a tie: none */
        add_row(grid, m + 1, _(titles[m]), values, self->n_runs, FALSE, self->n_runs > 1 ? best : -1);
        for (guint i = 0; i < self->n_runs; i++)
            g_free(values[i]);
    }
}

static void
on_history_changed(DlCompareView *self)
{
    build_metrics(self);
}

/* ---- public ------------------------------------------------------------------------ */

static void
clear_runs(DlCompareView *self)
{
    for (guint i = 0; i < self->n_runs; i++) {
        g_clear_signal_handler(&self->changed_ids[i], self->histories[i]);
        g_clear_object(&self->histories[i]);
        g_clear_pointer(&self->runs[i], dl_run_unref);
    }
    self->n_runs = 0;
}

void
dl_compare_view_set_runs(DlCompareView *self, DlRun *const *runs, DlHistory *const *histories, guint n_runs,
                         int current)
{
    g_return_if_fail(DL_IS_COMPARE_VIEW(self));
    g_return_if_fail(n_runs <= DL_DRAW_MAX_RUNS);

    clear_runs(self);
    DlPlotRun plot_runs[DL_DRAW_MAX_RUNS];
    for (guint i = 0; i < n_runs; i++) {
        self->runs[i] = dl_run_ref(runs[i]);
        self->histories[i] = g_object_ref(histories[i]);
        self->changed_ids[i] = g_signal_connect_swapped(histories[i], "changed", G_CALLBACK(on_history_changed), self);
        plot_runs[i] = (DlPlotRun){ dl_run_get_name(runs[i]), histories[i], (int)i == current, (int)i };
    }
    self->n_runs = n_runs;
    self->current = current;
    DlPlot *plots[3] = { self->accuracy_plot, self->loss_plot, self->lr_plot };
    for (int k = 0; k < 3; k++)
        dl_plot_set_runs(plots[k], plot_runs, n_runs);

    g_autofree char *title = g_strdup_printf(g_dngettext(NULL, "Comparing %u run", "Comparing %u runs", n_runs),
                                             n_runs);
    gtk_label_set_text(self->title_label, title);
    build_settings(self);
    build_metrics(self);
}

void
dl_compare_view_focus(DlCompareView *self)
{
    g_return_if_fail(DL_IS_COMPARE_VIEW(self));

    gtk_widget_grab_focus(GTK_WIDGET(self->back_button));
}

/* ---- layout ------------------------------------------------------------------------- */

static gboolean
layout_idle(gpointer data)
{
    DlCompareView *self = data;

    self->layout_idle = 0;
    gtk_orientable_set_orientation(GTK_ORIENTABLE(self->pair_box),
                                   self->wide ? GTK_ORIENTATION_HORIZONTAL : GTK_ORIENTATION_VERTICAL);
    return G_SOURCE_REMOVE;
}

/* No layout manager: a widget with one never gets size_allocate, and this
 * one needs its width to choose its layout. */
static void
dl_compare_view_measure(GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum, int *natural,
                        int *minimum_baseline, int *natural_baseline)
{
    gtk_widget_measure(DL_COMPARE_VIEW(widget)->box, orientation, for_size, minimum, natural, minimum_baseline,
                       natural_baseline);
}

static void
dl_compare_view_size_allocate(GtkWidget *widget, int width, int height, int baseline)
{
    DlCompareView *self = DL_COMPARE_VIEW(widget);

    gtk_widget_allocate(self->box, width, height, baseline, NULL);
    /* Changing the layout while allocating is not allowed: do it right after. */
    gboolean wide = width >= WIDE_WIDTH;
    if (wide != self->wide) {
        self->wide = wide;
        if (self->layout_idle == 0)
            self->layout_idle = g_idle_add_full(G_PRIORITY_HIGH_IDLE, layout_idle, self, NULL);
    }
}

/* ---- GObject ---------------------------------------------------------------------- */

static void
dl_compare_view_dispose(GObject *object)
{
    DlCompareView *self = DL_COMPARE_VIEW(object);

    clear_runs(self);
    g_clear_handle_id(&self->layout_idle, g_source_remove);
    gtk_widget_dispose_template(GTK_WIDGET(self), DL_TYPE_COMPARE_VIEW);

    G_OBJECT_CLASS(dl_compare_view_parent_class)->dispose(object);
}

static void
dl_compare_view_class_init(DlCompareViewClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = dl_compare_view_dispose;
    widget_class->measure = dl_compare_view_measure;
    widget_class->size_allocate = dl_compare_view_size_allocate;

    g_type_ensure(DL_TYPE_PLOT);
    gtk_widget_class_set_template_from_resource(widget_class, DL_RESOURCE_PATH "/ui/dl-compare-view.ui");
    gtk_widget_class_bind_template_child(widget_class, DlCompareView, box);
    gtk_widget_class_bind_template_child(widget_class, DlCompareView, pair_box);
    gtk_widget_class_bind_template_child(widget_class, DlCompareView, back_button);
    gtk_widget_class_bind_template_child(widget_class, DlCompareView, title_label);
    gtk_widget_class_bind_template_child(widget_class, DlCompareView, accuracy_plot);
    gtk_widget_class_bind_template_child(widget_class, DlCompareView, loss_plot);
    gtk_widget_class_bind_template_child(widget_class, DlCompareView, lr_plot);
    gtk_widget_class_bind_template_child(widget_class, DlCompareView, settings_grid);
    gtk_widget_class_bind_template_child(widget_class, DlCompareView, metrics_grid);
}

static void
dl_compare_view_init(DlCompareView *self)
{
    self->current = -1;
    gtk_widget_init_template(GTK_WIDGET(self));
}
