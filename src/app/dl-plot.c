/* dl-plot.c — one live training plot: the widget around dl_draw_plot(). */
#define G_LOG_DOMAIN "digitlab"

#include "dl-plot.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "dl-export.h"
#include "plot-scale.h"

/* Size at zoom 1, in logical pixels; the natural size grows with the zoom. */
enum {
    MIN_WIDTH = 320,
    MIN_HEIGHT = 180,
    NAT_WIDTH = 480,
    NAT_HEIGHT = 240,
};

#define MIN_ZOOM 0.5
#define MAX_ZOOM 4.0

struct _DlPlot {
    GtkWidget parent_instance;

    DlHistory *history;
    gulong changed_id;
    /* A comparison: runs[i].name and .history owned. */
    DlPlotRun runs[DL_DRAW_MAX_RUNS];
    gulong run_changed_ids[DL_DRAW_MAX_RUNS];
    guint n_runs;
    DlPlotKind kind;
    double zoom;
    char *summary;
    double drawn_font_size; /* the text size last drawn at, for the debug log */

    gboolean hovering;
    DlPlotHover hover;
    /* The keyboard's read-out (arrow keys, Home, End; Escape hides it): at
     * this epoch, or none when negative. Its text is the description. */
    double key_epoch;
    char readout[320];

    GtkWidget *menu; /* the context menu, a GtkPopoverMenu child, made on first use */
};

G_DEFINE_FINAL_TYPE(DlPlot, dl_plot, GTK_TYPE_WIDGET)

enum {
    PROP_0,
    PROP_HISTORY,
    PROP_KIND,
    PROP_ZOOM,
    N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static const char *
kind_accessible_label(DlPlotKind kind)
{
    switch (kind) {
    case DL_PLOT_LOSS:
        return _("Loss plot");
    case DL_PLOT_LEARNING_RATE:
        return _("Learning rate plot");
    case DL_PLOT_ACCURACY:
    default:
        return _("Accuracy plot");
    }
}

/* ---- the style ---- */

static DlColor
color_from_rgba(const GdkRGBA *c)
{
    return (DlColor){ c->red, c->green, c->blue, c->alpha };
}

/* The colours of the current style. The text colour decides light or dark,
 * so the plot follows AdwStyleManager and any theme; named colours of
 * libadwaita are used when the theme defines them. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
void
dl_plot_style_from_widget(GtkWidget *widget, double zoom, DlDrawStyle *style)
{
    g_return_if_fail(GTK_IS_WIDGET(widget));
    g_return_if_fail(style != NULL);

    GtkStyleContext *context = gtk_widget_get_style_context(widget);
    GdkRGBA fg, c;
    gtk_style_context_get_color(context, &fg);
    gboolean dark = 0.2126 * fg.red + 0.7152 * fg.green + 0.0722 * fg.blue > 0.5;
    gboolean high_contrast = FALSE;
    if (adw_is_initialized())
        high_contrast = adw_style_manager_get_high_contrast(adw_style_manager_get_default());

    /* The theme's font, at the size of small text (as GTK's "caption"). */
    PangoContext *pango = gtk_widget_get_pango_context(widget);
    const PangoFontDescription *font = pango_context_get_font_description(pango);
    double size = 14.67; /* 11 pt at 96 dpi */
    if (font != NULL && pango_font_description_get_size(font) > 0) {
        size = (double)pango_font_description_get_size(font) / PANGO_SCALE;
        if (!pango_font_description_get_size_is_absolute(font)) {
            double dpi = pango_cairo_context_get_resolution(pango);
            size *= (dpi > 0 ? dpi : 96.0) / 72.0;
        }
    }
    dl_draw_style_init(style, size * PANGO_SCALE_SMALL * zoom, dark, high_contrast);
    if (font != NULL && pango_font_description_get_family(font) != NULL)
        g_strlcpy(style->font_family, pango_font_description_get_family(font), sizeof style->font_family);

    style->foreground = color_from_rgba(&fg);
    if (gtk_style_context_lookup_color(context, "accent_color", &c))
        style->training = color_from_rgba(&c);
    if (!high_contrast) {
        /* libadwaita's palette: orange 4 / 2, purple 3 / 2. */
        if (gtk_style_context_lookup_color(context, dark ? "orange_2" : "orange_4", &c))
            style->validation = color_from_rgba(&c);
        if (gtk_style_context_lookup_color(context, dark ? "purple_2" : "purple_3", &c))
            style->schedule = color_from_rgba(&c);
    }
    if (gtk_style_context_lookup_color(context, "popover_bg_color", &c))
        style->box = color_from_rgba(&c);
    if (gtk_style_context_lookup_color(context, "window_bg_color", &c))
        style->background = color_from_rgba(&c);
}
G_GNUC_END_IGNORE_DEPRECATIONS

void
dl_plot_get_draw_style(DlPlot *self, DlDrawStyle *style)
{
    g_return_if_fail(DL_IS_PLOT(self));

    dl_plot_style_from_widget(GTK_WIDGET(self), self->zoom, style);
}

static void update_accessible(DlPlot *self);

static void
dl_plot_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
    DlPlot *self = DL_PLOT(widget);
    int width = gtk_widget_get_width(widget), height = gtk_widget_get_height(widget);
    if (width <= 0 || height <= 0)
        return;

    DlDrawStyle style;
    dl_plot_get_draw_style(self, &style);
    if (style.font_size != self->drawn_font_size) {
        /* G_MESSAGES_DEBUG=digitlab shows it (the presenter GUI test reads it). */
        self->drawn_font_size = style.font_size;
        g_debug("plot %s: text %.1f px, %d × %d px", kind_accessible_label(self->kind), style.font_size, width,
                height);
    }
    char readout[sizeof self->readout] = "";
    DlPlotHover keyboard = { .at_epoch = TRUE, .epoch = self->key_epoch, .text = readout, .text_size = sizeof readout };
    const DlPlotHover *hover = self->key_epoch >= 0 ? &keyboard : self->hovering ? &self->hover : NULL;
    cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, width, height));
    if (self->n_runs > 0)
        dl_draw_compare(cr, width, height, self->kind, self->runs, (int)self->n_runs, &style, hover);
    else
        dl_draw_plot(cr, width, height, self->kind, self->history, &style, hover);
    cairo_destroy(cr);
    /* What the keyboard's read-out shows is what a screen reader reads. */
    if (self->key_epoch >= 0 && strcmp(readout, self->readout) != 0) {
        g_strlcpy(self->readout, readout, sizeof self->readout);
        update_accessible(self);
    }
}

/* ---- the accessible description ---- */

/* "1 epoch", "30 epochs", "0.5 epochs". */
static char *
epochs_words(double epochs)
{
    char number[PLOT_LABEL_SIZE];
    plot_format_epoch(epochs, number, sizeof number);
    gulong n = epochs == floor(epochs) && epochs >= 0 && epochs < 1e9 ? (gulong)epochs : 2;
    /* TRANSLATORS: %s is a number of epochs, perhaps with decimals (0.5) */
    return g_strdup_printf(g_dngettext(NULL, "%s epoch", "%s epochs", n), number);
}

static void
format_loss(double v, char *buf, size_t size)
{
    if (v < 1e-3)
        plot_format_sci(v, 3, buf, size);
    else
        g_snprintf(buf, size, "%.4f", v);
}

/* A comparison: "Validation accuracy: Run 1 97.3 % after epoch 3, Run 2 ..." */
static char *
describe_runs(DlPlot *self)
{
    GString *s = g_string_new(NULL);
    g_string_append(s, self->kind == DL_PLOT_ACCURACY ? _("Validation accuracy of the runs compared:")
                       : self->kind == DL_PLOT_LOSS ? _("Validation loss of the runs compared:")
                                                     : _("Learning rate schedules of the runs compared:"));
    for (guint i = 0; i < self->n_runs; i++) {
        DlHistory *h = self->runs[i].history;
        guint n;
        const NnEpochStats *epochs = dl_history_get_epochs(h, &n);
        char a[PLOT_LABEL_SIZE];
        g_string_append(s, i == 0 ? " " : "; ");
        if (self->kind == DL_PLOT_LEARNING_RATE) {
            double peak = 0;
            guint points;
            const DlPoint *curve = dl_history_get_schedule_curve(h, &points);
            for (guint k = 0; k < points; k++)
                peak = MAX(peak, curve[k].y);
            plot_format_sci(peak, 3, a, sizeof a);
            int run_epochs = dl_history_get_n_epochs(h);
            g_string_append_printf(s, g_dngettext(NULL, "%s, up to %s over %d epoch", "%s, up to %s over %d epochs",
                                                  run_epochs), self->runs[i].name, a, run_epochs);
        } else if (n == 0) {
            g_string_append_printf(s, _("%s, no epoch yet"), self->runs[i].name);
        } else {
            const NnEpochStats *last = &epochs[n - 1];
            if (self->kind == DL_PLOT_ACCURACY)
                plot_format_percent(100.0 * last->val_accuracy, 1, a, sizeof a);
            else
                format_loss(last->val_loss, a, sizeof a);
            g_string_append_printf(s, _("%s %s after epoch %d"), self->runs[i].name, a, last->epoch);
        }
    }
    return g_string_free(s, FALSE);
}

/* The newest quick validation (a probe) of the kind's value, when it is
 * newer than the last epoch's validation: " Quick validation accuracy
 * 95.2 % during epoch 1." (with a leading space), else "". */
static char *
describe_probe(DlPlot *self, const NnEpochStats *last)
{
    guint n;
    gboolean accuracy = self->kind == DL_PLOT_ACCURACY;
    const DlPoint *probes = dl_history_get_series(self->history, accuracy ? DL_SERIES_PROBE_ACCURACY
                                                                           : DL_SERIES_PROBE_LOSS, &n);
    if (n == 0 || (last != NULL && probes[n - 1].x <= last->epoch))
        return g_strdup("");
    char v[PLOT_LABEL_SIZE];
    int epoch = (int)ceil(probes[n - 1].x - 1e-9);
    if (accuracy) {
        plot_format_percent(100.0 * probes[n - 1].y, 1, v, sizeof v);
        return g_strdup_printf(_(" Quick validation accuracy %s during epoch %d."), v, MAX(epoch, 1));
    }
    format_loss(probes[n - 1].y, v, sizeof v);
    return g_strdup_printf(_(" Quick validation loss %s during epoch %d."), v, MAX(epoch, 1));
}

static char *
describe_values(DlPlot *self);

static char *
describe(DlPlot *self)
{
    if (self->key_epoch >= 0 && self->readout[0] != '\0')
        return g_strdup(self->readout);
    if (self->n_runs > 0)
        return describe_runs(self);
    g_autofree char *values = describe_values(self);
    if (self->history == NULL || self->kind == DL_PLOT_LEARNING_RATE)
        return g_steal_pointer(&values);
    guint n_epochs;
    const NnEpochStats *epochs = dl_history_get_epochs(self->history, &n_epochs);
    g_autofree char *probe = describe_probe(self, n_epochs > 0 ? &epochs[n_epochs - 1] : NULL);
    if (probe[0] != '\0' && dl_history_get_last_batch(self->history) == NULL && n_epochs == 0)
        return g_strdup(probe + 1);
    return g_strconcat(values, probe, NULL);
}

static char *
describe_values(DlPlot *self)
{
    DlHistory *h = self->history;
    if (h == NULL)
        return g_strdup(_("No training yet"));

    char a[PLOT_LABEL_SIZE], b[PLOT_LABEL_SIZE];
    guint n_epochs;
    const NnEpochStats *epochs = dl_history_get_epochs(h, &n_epochs);
    const NnEpochStats *last = n_epochs > 0 ? &epochs[n_epochs - 1] : NULL;
    const NnBatchProgress *batch = dl_history_get_last_batch(h);
    gboolean validated = last != NULL && (last->val_loss != 0.0 || last->val_accuracy != 0.0);

    switch (self->kind) {
    case DL_PLOT_ACCURACY:
        if (validated) {
            plot_format_percent(100.0 * last->val_accuracy, 1, a, sizeof a);
            if (batch != NULL) {
                plot_format_percent(100.0 * batch->smooth_accuracy, 1, b, sizeof b);
                return g_strdup_printf(_("Validation accuracy %s after epoch %d; training accuracy %s, smoothed"),
                                       a, last->epoch, b);
            }
            plot_format_percent(100.0 * last->train_accuracy, 1, b, sizeof b);
            return g_strdup_printf(_("Validation accuracy %s after epoch %d; training accuracy %s"), a,
                                   last->epoch, b);
        }
        if (batch != NULL) {
            plot_format_percent(100.0 * batch->smooth_accuracy, 1, a, sizeof a);
            return g_strdup_printf(_("Training accuracy %s, smoothed, during epoch %d"), a, batch->epoch + 1);
        }
        if (last != NULL) {
            plot_format_percent(100.0 * last->train_accuracy, 1, a, sizeof a);
            return g_strdup_printf(_("Training accuracy %s after epoch %d"), a, last->epoch);
        }
        return g_strdup(_("No training yet"));

    case DL_PLOT_LOSS:
        if (validated) {
            format_loss(last->val_loss, a, sizeof a);
            if (batch != NULL) {
                format_loss(batch->smooth_loss, b, sizeof b);
                return g_strdup_printf(_("Validation loss %s after epoch %d; training loss %s, smoothed"), a,
                                       last->epoch, b);
            }
            format_loss(last->train_loss, b, sizeof b);
            return g_strdup_printf(_("Validation loss %s after epoch %d; training loss %s"), a, last->epoch, b);
        }
        if (batch != NULL) {
            format_loss(batch->smooth_loss, a, sizeof a);
            return g_strdup_printf(_("Training loss %s, smoothed, during epoch %d"), a, batch->epoch + 1);
        }
        if (last != NULL) {
            format_loss(last->train_loss, a, sizeof a);
            return g_strdup_printf(_("Training loss %s after epoch %d"), a, last->epoch);
        }
        return g_strdup(_("No training yet"));

    case DL_PLOT_LEARNING_RATE:
    default:
        if (batch != NULL) {
            plot_format_sci(batch->lr, 3, a, sizeof a);
            return g_strdup_printf(_("Learning rate %s in epoch %d of %d"), a, batch->epoch + 1,
                                   dl_history_get_n_epochs(h));
        }
        if (last != NULL) {
            plot_format_sci(last->lr, 3, a, sizeof a);
            return g_strdup_printf(_("Learning rate %s in epoch %d of %d"), a, last->epoch,
                                   dl_history_get_n_epochs(h));
        }
        if (dl_history_has_schedule(h)) {
            const NnSchedule *s = dl_history_get_schedule(h);
            char lo[PLOT_LABEL_SIZE];
            plot_format_sci(s->lr_min, 3, lo, sizeof lo);
            plot_format_sci(s->lr_max, 3, a, sizeof a);
            g_autofree char *over = epochs_words(dl_history_get_n_epochs(h));
            switch (s->kind) {
            case NN_SCHEDULE_CONSTANT:
                return g_strdup_printf(_("Schedule over %s: constant at %s"), over, a);
            case NN_SCHEDULE_STEP: {
                g_autofree char *every = epochs_words(s->step_epochs);
                return g_strdup_printf(_("Schedule over %s: %s, multiplied by %g every %s"), over, a,
                                       s->step_gamma, every);
            }
            case NN_SCHEDULE_COSINE:
                return g_strdup_printf(_("Schedule over %s: cosine decay from %s to %s"), over, a, lo);
            case NN_SCHEDULE_PAPER:
            default: {
                g_autofree char *warm = epochs_words(s->warmup);
                return g_strdup_printf(_("Schedule over %s: warmup from %s to %s in %s, then cosine decay to %s"),
                                       over, lo, a, warm, lo);
            }
            }
        }
        return g_strdup(_("No training yet"));
    }
}

static void
update_accessible(DlPlot *self)
{
    g_autofree char *summary = describe(self);
    if (g_strcmp0(summary, self->summary) == 0)
        return;
    g_free(self->summary);
    self->summary = g_steal_pointer(&summary);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                   self->summary, -1);
}

static void update_actions(DlPlot *self);

static void
on_history_changed(DlPlot *self, DlHistory *history)
{
    (void)history;
    update_accessible(self);
    update_actions(self);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

/* ---- input ---- */

static void hide_readout(DlPlot *self);

static void
on_motion(GtkEventControllerMotion *controller, double x, double y, DlPlot *self)
{
    (void)controller;
    hide_readout(self);
    self->hovering = TRUE;
    self->hover = (DlPlotHover){ .x = x, .y = y };
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void
on_leave(GtkEventControllerMotion *controller, DlPlot *self)
{
    (void)controller;
    self->hovering = FALSE;
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

/* The keyboard's positions: after each epoch trained (1..n) on the accuracy
 * and loss plots, the start of each epoch of the schedule and its end
 * (0..n) on the learning-rate plot; FALSE when there is none yet. */
static gboolean
readout_range(DlPlot *self, int *first, int *last)
{
    gboolean rate = self->kind == DL_PLOT_LEARNING_RATE;
    int n = 0;
    guint count = self->n_runs > 0 ? self->n_runs : self->history != NULL;
    for (guint i = 0; i < count; i++) {
        DlHistory *h = self->n_runs > 0 ? self->runs[i].history : self->history;
        guint epochs;
        const NnEpochStats *e = dl_history_get_epochs(h, &epochs);
        if (rate && dl_history_has_schedule(h))
            n = MAX(n, dl_history_get_n_epochs(h));
        else if (!rate && epochs > 0)
            n = MAX(n, e[epochs - 1].epoch);
    }
    *first = rate ? 0 : 1;
    *last = n;
    return n > 0;
}

static void
hide_readout(DlPlot *self)
{
    if (self->key_epoch < 0)
        return;
    self->key_epoch = -1;
    self->readout[0] = '\0';
    update_accessible(self);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

/* "plot.readout" (an int): -1 / +1 one epoch left or right, G_MININT /
 * G_MAXINT the first or the last, 0 hides it. The first key shows the
 * newest epoch. */
static void
readout_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    (void)action_name;
    DlPlot *self = DL_PLOT(widget);
    int step = g_variant_get_int32(parameter), first, last;
    if (step == 0 || !readout_range(self, &first, &last)) {
        hide_readout(self);
        return;
    }
    int at = self->key_epoch < 0 ? last
             : step == G_MININT  ? first
             : step == G_MAXINT  ? last
                                 : CLAMP((int)self->key_epoch + step, first, last);
    self->key_epoch = at;
    self->hovering = FALSE;
    gtk_widget_queue_draw(widget);
}

/* Escape hides the keyboard's read-out, and only then: otherwise it goes
 * on to the window (presenter mode's Escape). */
static gboolean
escape_pressed(GtkWidget *widget, GVariant *args, gpointer user_data)
{
    (void)args;
    (void)user_data;
    DlPlot *self = DL_PLOT(widget);
    if (self->key_epoch < 0)
        return FALSE;
    hide_readout(self);
    return TRUE;
}

static void
on_focus_leave(GtkEventControllerFocus *controller, DlPlot *self)
{
    (void)controller;
    hide_readout(self);
}

/* ---- the context menu and its actions ---- */

static void
popup_menu(DlPlot *self, double x, double y)
{
    if (self->menu == NULL) {
        g_autoptr(GMenu) menu = g_menu_new();
        g_autoptr(GMenu) plot = g_menu_new();
        g_menu_append(plot, _("Save Plot as _PNG…"), "plot.export::png");
        g_menu_append(plot, _("Save Plot as _SVG…"), "plot.export::svg");
        g_menu_append(plot, _("Save Plot as P_DF…"), "plot.export::pdf");
        g_menu_append_section(menu, NULL, G_MENU_MODEL(plot));
        g_autoptr(GMenu) history = g_menu_new();
        g_menu_append(history, _("Save History as _CSV…"), "plot.export-history");
        g_menu_append_section(menu, NULL, G_MENU_MODEL(history));
        self->menu = gtk_popover_menu_new_from_model(G_MENU_MODEL(menu));
        gtk_widget_set_parent(self->menu, GTK_WIDGET(self));
        gtk_popover_set_has_arrow(GTK_POPOVER(self->menu), FALSE);
        gtk_widget_set_halign(self->menu, GTK_ALIGN_START);
    }
    gtk_popover_set_pointing_to(GTK_POPOVER(self->menu), &(GdkRectangle){ (int)x, (int)y, 1, 1 });
    gtk_popover_popup(GTK_POPOVER(self->menu));
}

static void
on_secondary_click(GtkGestureClick *gesture, int n_press, double x, double y, DlPlot *self)
{
    (void)n_press;
    gtk_gesture_set_state(GTK_GESTURE(gesture), GTK_EVENT_SEQUENCE_CLAIMED);
    popup_menu(self, x, y);
}

/* The Menu key and Shift+F10: the menu at the plot's centre. */
static void
popup_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    (void)action_name;
    (void)parameter;
    popup_menu(DL_PLOT(widget), gtk_widget_get_width(widget) / 2.0, gtk_widget_get_height(widget) / 2.0);
}

static void
export_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    (void)action_name;
    DlPlot *self = DL_PLOT(widget);
    DlDrawStyle style;
    dl_plot_get_draw_style(self, &style);
    /* The size shown, so the file looks as the plot does. */
    double width = MAX(gtk_widget_get_width(widget), NAT_WIDTH), height = MAX(gtk_widget_get_height(widget), NAT_HEIGHT);
    dl_export_save_plot(widget, self->kind, self->history, &style, width, height,
                        g_variant_get_string(parameter, NULL));
}

static void
export_history_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    (void)action_name;
    (void)parameter;
    dl_export_save_history(widget, DL_PLOT(widget)->history);
}

static void
update_actions(DlPlot *self)
{
    gboolean has_epochs = FALSE;
    /* A comparison is no history to save, nor a plot export_action draws. */
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "plot.export", self->n_runs == 0);
    if (self->history != NULL && self->n_runs == 0) {
        guint n;
        dl_history_get_epochs(self->history, &n);
        has_epochs = n > 0;
    }
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "plot.export-history", has_epochs);
}

/* ---- GObject ---- */

static void
dl_plot_measure(GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                int *natural, int *minimum_baseline, int *natural_baseline)
{
    (void)for_size;
    DlPlot *self = DL_PLOT(widget);
    gboolean horizontal = orientation == GTK_ORIENTATION_HORIZONTAL;
    *minimum = horizontal ? MIN_WIDTH : MIN_HEIGHT;
    *natural = (int)ceil((horizontal ? NAT_WIDTH : NAT_HEIGHT) * MAX(1.0, self->zoom));
    *minimum_baseline = *natural_baseline = -1;
}

static void
dl_plot_size_allocate(GtkWidget *widget, int width, int height, int baseline)
{
    (void)width;
    (void)height;
    (void)baseline;
    DlPlot *self = DL_PLOT(widget);
    if (self->menu != NULL)
        gtk_popover_present(GTK_POPOVER(self->menu));
}

static void
dl_plot_css_changed(GtkWidget *widget, GtkCssStyleChange *change)
{
    GTK_WIDGET_CLASS(dl_plot_parent_class)->css_changed(widget, change);
    /* The colours come from the style: light, dark, high contrast. */
    gtk_widget_queue_draw(widget);
}

static void
clear_runs(DlPlot *self)
{
    for (guint i = 0; i < self->n_runs; i++) {
        g_clear_signal_handler(&self->run_changed_ids[i], self->runs[i].history);
        g_clear_object(&self->runs[i].history);
        g_free((char *)self->runs[i].name);
    }
    self->n_runs = 0;
}

void
dl_plot_set_runs(DlPlot *self, const DlPlotRun *runs, guint n_runs)
{
    g_return_if_fail(DL_IS_PLOT(self));
    g_return_if_fail(n_runs <= DL_DRAW_MAX_RUNS && (n_runs == 0 || runs != NULL));

    clear_runs(self);
    for (guint i = 0; i < n_runs; i++) {
        self->runs[i] = runs[i];
        self->runs[i].name = g_strdup(runs[i].name);
        self->runs[i].history = g_object_ref(runs[i].history);
        self->run_changed_ids[i] = g_signal_connect_swapped(runs[i].history, "changed",
                                                            G_CALLBACK(on_history_changed), self);
    }
    self->n_runs = n_runs;
    update_accessible(self);
    update_actions(self);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void
dl_plot_dispose(GObject *object)
{
    DlPlot *self = DL_PLOT(object);

    clear_runs(self);
    if (self->history != NULL)
        g_clear_signal_handler(&self->changed_id, self->history);
    g_clear_object(&self->history);
    g_clear_pointer(&self->menu, gtk_widget_unparent);

    G_OBJECT_CLASS(dl_plot_parent_class)->dispose(object);
}

static void
dl_plot_finalize(GObject *object)
{
    DlPlot *self = DL_PLOT(object);

    g_clear_pointer(&self->summary, g_free);

    G_OBJECT_CLASS(dl_plot_parent_class)->finalize(object);
}

static void
dl_plot_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    DlPlot *self = DL_PLOT(object);

    switch (prop_id) {
    case PROP_HISTORY:
        g_value_set_object(value, self->history);
        break;
    case PROP_KIND:
        g_value_set_enum(value, self->kind);
        break;
    case PROP_ZOOM:
        g_value_set_double(value, self->zoom);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_plot_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
    DlPlot *self = DL_PLOT(object);

    switch (prop_id) {
    case PROP_HISTORY:
        dl_plot_set_history(self, g_value_get_object(value));
        break;
    case PROP_KIND:
        dl_plot_set_kind(self, g_value_get_enum(value));
        break;
    case PROP_ZOOM:
        dl_plot_set_zoom(self, g_value_get_double(value));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_plot_class_init(DlPlotClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = dl_plot_dispose;
    object_class->finalize = dl_plot_finalize;
    object_class->get_property = dl_plot_get_property;
    object_class->set_property = dl_plot_set_property;

    widget_class->measure = dl_plot_measure;
    widget_class->size_allocate = dl_plot_size_allocate;
    widget_class->snapshot = dl_plot_snapshot;
    widget_class->css_changed = dl_plot_css_changed;

    properties[PROP_HISTORY] =
        g_param_spec_object("history", NULL, NULL, DL_TYPE_HISTORY,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    properties[PROP_KIND] =
        g_param_spec_enum("kind", NULL, NULL, DL_TYPE_PLOT_KIND, DL_PLOT_ACCURACY,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    properties[PROP_ZOOM] =
        g_param_spec_double("zoom", NULL, NULL, MIN_ZOOM, MAX_ZOOM, 1.0,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, properties);

    gtk_widget_class_install_action(widget_class, "plot.export", "s", export_action);
    gtk_widget_class_install_action(widget_class, "plot.export-history", NULL, export_history_action);
    gtk_widget_class_install_action(widget_class, "menu.popup", NULL, popup_action);
    gtk_widget_class_add_binding_action(widget_class, GDK_KEY_F10, GDK_SHIFT_MASK, "menu.popup", NULL);
    gtk_widget_class_add_binding_action(widget_class, GDK_KEY_Menu, 0, "menu.popup", NULL);
    gtk_widget_class_install_action(widget_class, "plot.readout", "i", readout_action);
    static const struct {
        guint key;
        int step;
    } readout_keys[] = {
        { GDK_KEY_Left, -1 }, { GDK_KEY_KP_Left, -1 }, { GDK_KEY_Right, 1 }, { GDK_KEY_KP_Right, 1 },
        { GDK_KEY_Home, G_MININT }, { GDK_KEY_KP_Home, G_MININT }, { GDK_KEY_End, G_MAXINT }, { GDK_KEY_KP_End, G_MAXINT },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(readout_keys); i++)
        gtk_widget_class_add_binding_action(widget_class, readout_keys[i].key, 0, "plot.readout", "i",
                                            readout_keys[i].step);
    gtk_widget_class_add_binding(widget_class, GDK_KEY_Escape, 0, escape_pressed, NULL);

    gtk_widget_class_set_css_name(widget_class, "plot");
    gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_plot_init(DlPlot *self)
{
    self->kind = DL_PLOT_ACCURACY;
    self->zoom = 1.0;
    self->key_epoch = -1;
    gtk_widget_set_hexpand(GTK_WIDGET(self), TRUE);
    /* Focusable, so the context menu can be reached from the keyboard. */
    gtk_widget_set_focusable(GTK_WIDGET(self), TRUE);

    GtkEventController *motion = gtk_event_controller_motion_new();
    g_signal_connect(motion, "enter", G_CALLBACK(on_motion), self);
    g_signal_connect(motion, "motion", G_CALLBACK(on_motion), self);
    g_signal_connect(motion, "leave", G_CALLBACK(on_leave), self);
    gtk_widget_add_controller(GTK_WIDGET(self), motion);

    GtkGesture *click = gtk_gesture_click_new();
    gtk_gesture_single_set_button(GTK_GESTURE_SINGLE(click), GDK_BUTTON_SECONDARY);
    g_signal_connect(click, "pressed", G_CALLBACK(on_secondary_click), self);
    gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(click));

    GtkEventController *focus = gtk_event_controller_focus_new();
    g_signal_connect(focus, "leave", G_CALLBACK(on_focus_leave), self);
    gtk_widget_add_controller(GTK_WIDGET(self), focus);

    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   kind_accessible_label(self->kind), -1);
    update_accessible(self);
    update_actions(self);
}

GtkWidget *
dl_plot_new(DlPlotKind kind, DlHistory *history)
{
    return g_object_new(DL_TYPE_PLOT, "kind", kind, "history", history, NULL);
}

DlHistory *
dl_plot_get_history(DlPlot *self)
{
    g_return_val_if_fail(DL_IS_PLOT(self), NULL);

    return self->history;
}

void
dl_plot_set_history(DlPlot *self, DlHistory *history)
{
    g_return_if_fail(DL_IS_PLOT(self));
    g_return_if_fail(history == NULL || DL_IS_HISTORY(history));

    if (self->history == history)
        return;
    if (self->history != NULL)
        g_clear_signal_handler(&self->changed_id, self->history);
    g_set_object(&self->history, history);
    if (history != NULL)
        self->changed_id = g_signal_connect_swapped(history, "changed", G_CALLBACK(on_history_changed), self);

    update_accessible(self);
    update_actions(self);
    gtk_widget_queue_draw(GTK_WIDGET(self));
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_HISTORY]);
}

DlPlotKind
dl_plot_get_kind(DlPlot *self)
{
    g_return_val_if_fail(DL_IS_PLOT(self), DL_PLOT_ACCURACY);

    return self->kind;
}

void
dl_plot_set_kind(DlPlot *self, DlPlotKind kind)
{
    g_return_if_fail(DL_IS_PLOT(self));
    g_return_if_fail(kind <= DL_PLOT_LEARNING_RATE);

    if (self->kind == kind)
        return;
    self->kind = kind;
    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   kind_accessible_label(kind), -1);
    update_accessible(self);
    gtk_widget_queue_draw(GTK_WIDGET(self));
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_KIND]);
}

double
dl_plot_get_zoom(DlPlot *self)
{
    g_return_val_if_fail(DL_IS_PLOT(self), 1.0);

    return self->zoom;
}

void
dl_plot_set_zoom(DlPlot *self, double zoom)
{
    g_return_if_fail(DL_IS_PLOT(self));

    zoom = CLAMP(zoom, MIN_ZOOM, MAX_ZOOM);
    if (self->zoom == zoom)
        return;
    self->zoom = zoom;
    gtk_widget_queue_resize(GTK_WIDGET(self));
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_ZOOM]);
}

const char *
dl_plot_get_summary(DlPlot *self)
{
    g_return_val_if_fail(DL_IS_PLOT(self), NULL);

    return self->summary;
}
