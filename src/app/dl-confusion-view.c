/* dl-confusion-view.c — the confusion matrix widget; see dl-confusion-view.h. */
#include "dl-confusion-view.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "dl-draw.h"
#include "dl-plot.h"

struct _DlConfusionView {
    GtkWidget parent_instance;

    DlEvaluation *evaluation;
    int hover_row, hover_col;  /* under the pointer, or -1 */
    int focus_row, focus_col;  /* the keyboard's cell */
    char *description;
    gboolean drawings;         /* of drawings, not of MNIST test images */
};

G_DEFINE_FINAL_TYPE(DlConfusionView, dl_confusion_view, GTK_TYPE_WIDGET)

enum {
    SIGNAL_CELL_ACTIVATED,
    N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The drawing in the plots' style: the theme's colours and the widget's
 * font (dl-plot.c). */
static void
get_style(GtkWidget *widget, DlDrawStyle *style)
{
    dl_plot_style_from_widget(widget, 1.0, style);
}

char *
dl_confusion_describe_cell(DlEvaluation *evaluation, int row, int col)
{
    g_return_val_if_fail(evaluation != NULL, NULL);
    g_return_val_if_fail(row >= 0 && row < NN_CLASSES && col >= 0 && col < NN_CLASSES, NULL);

    const NnEvalResult *result = dl_evaluation_get_result(evaluation);
    int count = result->confusion[row][col], total = 0;
    for (int j = 0; j < NN_CLASSES; j++)
        total += result->confusion[row][j];
    double share = total > 0 ? 100.0 * count / total : 0.0;
    g_autofree char *number = dl_format_count(count);

    if (row == col)
        /* TRANSLATORS: a cell of the confusion matrix on its diagonal */
        return g_strdup_printf(g_dngettext(NULL, "Labelled %d, read as %d: %s image, %.1f %% of the %ds",
                                           "Labelled %d, read as %d: %s images, %.1f %% of the %ds", count),
                               row, col, number, share, row);
    /* TRANSLATORS: a cell of the confusion matrix off its diagonal: mistakes */
    return g_strdup_printf(g_dngettext(NULL, "Labelled %d, read as %d: %s mistake, %.1f %% of the %ds",
                                       "Labelled %d, read as %d: %s mistakes, %.1f %% of the %ds", count),
                           row, col, number, share, row);
}

static void
update_description(DlConfusionView *self)
{
    g_autofree char *text = NULL;
    int row = self->hover_row, col = self->hover_col;

    if (row < 0 && gtk_widget_has_focus(GTK_WIDGET(self))) {
        row = self->focus_row;
        col = self->focus_col;
    }
    if (self->evaluation == NULL) {
        text = g_strdup(_("No results yet"));
    } else if (row >= 0 && col >= 0) {
        g_autofree char *cell = dl_confusion_describe_cell(self->evaluation, row, col);
        double recall = dl_evaluation_get_recall(self->evaluation, row);
        double precision = dl_evaluation_get_precision(self->evaluation, col);
        /* TRANSLATORS: a cell, then the accuracy of its row's digit and the precision of its column's */
        text = g_strdup_printf(_("%s. Accuracy on the %ds: %.1f %%; precision of the %ds read: %.1f %%."), cell, row,
                               100.0 * MAX(recall, 0), col, 100.0 * MAX(precision, 0));
    } else {
        const NnEvalResult *result = dl_evaluation_get_result(self->evaluation);
        int wrong = result->n - nn_eval_correct(result);
        g_autofree char *count = dl_format_count(result->n);
        text = self->drawings
                   ? g_strdup_printf(g_dngettext(NULL,
                                                 "%s drawings, %.2f %% read correctly, %d mistake. Use the arrow "
                                                 "keys to choose a cell.",
                                                 "%s drawings, %.2f %% read correctly, %d mistakes. Use the arrow "
                                                 "keys to choose a cell.",
                                                 wrong),
                                     count, 100.0 * result->accuracy, wrong)
                   : g_strdup_printf(g_dngettext(NULL,
                                                 "%s test images, %.2f %% read correctly, %d mistake. Use the arrow "
                                                 "keys to choose a cell and Enter to see its images.",
                                                 "%s test images, %.2f %% read correctly, %d mistakes. Use the arrow "
                                                 "keys to choose a cell and Enter to see its images.",
                                                 wrong),
                                     count, 100.0 * result->accuracy, wrong);
    }
    if (g_strcmp0(text, self->description) == 0)
        return;
    g_free(self->description);
    self->description = g_steal_pointer(&text);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->description, -1);
}

static void
highlight(DlConfusionView *self, int row, int col)
{
    if (row == self->hover_row && col == self->hover_col)
        return;
    self->hover_row = row;
    self->hover_col = col;
    update_description(self);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void
dl_confusion_view_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
    DlConfusionView *self = DL_CONFUSION_VIEW(widget);
    int width = gtk_widget_get_width(widget), height = gtk_widget_get_height(widget);

    if (self->evaluation == NULL || width <= 0 || height <= 0)
        return;
    DlDrawStyle style;
    get_style(widget, &style);
    int row = self->hover_row, col = self->hover_col;
    if (row < 0 && gtk_widget_has_focus(widget)) {
        row = self->focus_row;
        col = self->focus_col;
    }
    cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, width, height));
    dl_draw_confusion(cr, width, height, dl_evaluation_get_result(self->evaluation)->confusion, &style, row, col);
    cairo_destroy(cr);
}

static void
dl_confusion_view_measure(GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                          int *natural, int *minimum_baseline, int *natural_baseline)
{
    /* The drawing scales to whatever it is given (the counts show from
     * cells of about two lines of text on); small enough for a narrow
     * window, large enough to read on a wide one. */
    if (orientation == GTK_ORIENTATION_HORIZONTAL) {
        *minimum = 300;
        *natural = 560;
    } else {
        *minimum = 300;
        *natural = 520;
    }
}

static gboolean
cell_at(DlConfusionView *self, double x, double y, int *row, int *col)
{
    DlDrawStyle style;

    get_style(GTK_WIDGET(self), &style);
    return self->evaluation != NULL
           && dl_draw_confusion_hit(gtk_widget_get_width(GTK_WIDGET(self)), gtk_widget_get_height(GTK_WIDGET(self)),
                                    &style, x, y, row, col);
}

static void
on_motion(GtkEventControllerMotion *controller, double x, double y, DlConfusionView *self)
{
    int row = -1, col = -1;

    cell_at(self, x, y, &row, &col);
    highlight(self, row, col);
}

static void
on_leave(GtkEventControllerMotion *controller, DlConfusionView *self)
{
    highlight(self, -1, -1);
}

static void
activate_cell(DlConfusionView *self, int row, int col)
{
    self->focus_row = row;
    self->focus_col = col;
    g_signal_emit(self, signals[SIGNAL_CELL_ACTIVATED], 0, row, col);
}

static void
on_released(GtkGestureClick *gesture, int n_press, double x, double y, DlConfusionView *self)
{
    int row, col;

    if (!cell_at(self, x, y, &row, &col))
        return;
    gtk_widget_grab_focus(GTK_WIDGET(self));
    activate_cell(self, row, col);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

static gboolean
on_key_pressed(GtkEventControllerKey *controller, guint keyval, guint keycode, GdkModifierType state,
               DlConfusionView *self)
{
    int row = self->focus_row, col = self->focus_col;

    if (self->evaluation == NULL || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
        return FALSE;
    switch (keyval) {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
        col = MAX(col - 1, 0);
        break;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
        col = MIN(col + 1, NN_CLASSES - 1);
        break;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
        row = MAX(row - 1, 0);
        break;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
        row = MIN(row + 1, NN_CLASSES - 1);
        break;
    case GDK_KEY_Home:
        col = 0;
        break;
    case GDK_KEY_End:
        col = NN_CLASSES - 1;
        break;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
    case GDK_KEY_space:
    case GDK_KEY_KP_Space:
        activate_cell(self, row, col);
        return TRUE;
    default:
        return FALSE;
    }
    self->focus_row = row;
    self->focus_col = col;
    self->hover_row = self->hover_col = -1; /* the keyboard takes over the highlight */
    update_description(self);
    gtk_widget_queue_draw(GTK_WIDGET(self));
    return TRUE;
}

static void
on_focus_changed(DlConfusionView *self)
{
    update_description(self);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

void
dl_confusion_view_set_evaluation(DlConfusionView *self, DlEvaluation *evaluation)
{
    g_return_if_fail(DL_IS_CONFUSION_VIEW(self));

    if (evaluation == self->evaluation)
        return;
    g_clear_pointer(&self->evaluation, dl_evaluation_unref);
    self->evaluation = evaluation != NULL ? dl_evaluation_ref(evaluation) : NULL;
    update_description(self);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

void
dl_confusion_view_set_drawings(DlConfusionView *self, gboolean drawings)
{
    g_return_if_fail(DL_IS_CONFUSION_VIEW(self));

    self->drawings = drawings;
    update_description(self);
}

void
dl_confusion_view_get_focus_cell(DlConfusionView *self, int *row, int *col)
{
    g_return_if_fail(DL_IS_CONFUSION_VIEW(self));

    if (row != NULL)
        *row = self->focus_row;
    if (col != NULL)
        *col = self->focus_col;
}

static void
on_style_changed(DlConfusionView *self)
{
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void
dl_confusion_view_dispose(GObject *object)
{
    DlConfusionView *self = DL_CONFUSION_VIEW(object);

    g_signal_handlers_disconnect_by_data(adw_style_manager_get_default(), self);
    g_clear_pointer(&self->evaluation, dl_evaluation_unref);
    G_OBJECT_CLASS(dl_confusion_view_parent_class)->dispose(object);
}

static void
dl_confusion_view_finalize(GObject *object)
{
    g_free(DL_CONFUSION_VIEW(object)->description);
    G_OBJECT_CLASS(dl_confusion_view_parent_class)->finalize(object);
}

static void
dl_confusion_view_class_init(DlConfusionViewClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = dl_confusion_view_dispose;
    object_class->finalize = dl_confusion_view_finalize;
    widget_class->snapshot = dl_confusion_view_snapshot;
    widget_class->measure = dl_confusion_view_measure;

    /**
     * DlConfusionView::cell-activated:
     * @row: the true digit
     * @col: the digit read
     */
    signals[SIGNAL_CELL_ACTIVATED] = g_signal_new("cell-activated", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);

    gtk_widget_class_set_css_name(widget_class, "confusion-view");
    gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_confusion_view_init(DlConfusionView *self)
{
    GtkWidget *widget = GTK_WIDGET(self);

    self->hover_row = self->hover_col = -1;
    gtk_widget_set_focusable(widget, TRUE);
    gtk_widget_set_focus_on_click(widget, TRUE);
    gtk_widget_set_cursor_from_name(widget, "pointer");

    GtkEventController *motion = gtk_event_controller_motion_new();
    g_signal_connect(motion, "motion", G_CALLBACK(on_motion), self);
    g_signal_connect(motion, "leave", G_CALLBACK(on_leave), self);
    gtk_widget_add_controller(widget, motion);

    GtkGesture *click = gtk_gesture_click_new();
    gtk_gesture_single_set_button(GTK_GESTURE_SINGLE(click), GDK_BUTTON_PRIMARY);
    g_signal_connect(click, "released", G_CALLBACK(on_released), self);
    gtk_widget_add_controller(widget, GTK_EVENT_CONTROLLER(click));

    GtkEventController *keys = gtk_event_controller_key_new();
    g_signal_connect(keys, "key-pressed", G_CALLBACK(on_key_pressed), self);
    gtk_widget_add_controller(widget, keys);

    GtkEventController *focus = gtk_event_controller_focus_new();
    g_signal_connect_swapped(focus, "enter", G_CALLBACK(on_focus_changed), self);
    g_signal_connect_swapped(focus, "leave", G_CALLBACK(on_focus_changed), self);
    gtk_widget_add_controller(widget, focus);

    AdwStyleManager *manager = adw_style_manager_get_default();
    g_signal_connect_swapped(manager, "notify::dark", G_CALLBACK(on_style_changed), self);
    g_signal_connect_swapped(manager, "notify::high-contrast", G_CALLBACK(on_style_changed), self);

    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Confusion matrix"), -1);
    update_description(self);
}

GtkWidget *
dl_confusion_view_new(void)
{
    return g_object_new(DL_TYPE_CONFUSION_VIEW, NULL);
}
