/* dl-drawings-page.c — the Drawings page; see dl-drawings-page.h. */
#include "dl-drawings-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "dl-confusion-view.h"
#include "dl-datadir.h"
#include "dl-draw.h"
#include "dl-finetuner.h"
#include "dl-toast.h"
#include "dl-verdict-text.h"

/* Teaching needs this many drawings: four in five to learn from, the
 * fifth held back to test. */
#define TEACH_MIN_DRAWINGS 10
#define HELD_BACK_EVERY 5
#define THUMB_SIZE 56
/* The drawings are evaluated again this long after they last changed. */
#define EVALUATE_DELAY_MS 250

struct _DlDrawingsPage {
    GtkWidget parent_instance;

    DlSession *session;
    DlCollection *collection;
    DlFinetuner *finetuner;
    GCancellable *teach_cancellable;
    gulong teach_model_changes;  /* model changes seen while teaching */
    gulong model_changes;
    GtkFileChooserNative *chooser;
    GSList *import_queue;        /* GFile, still to import */
    DlImportReport import_total;
    guint imports_done;

    /* The current model on the drawings: the items evaluated, in order,
     * and their index in the evaluation. */
    DlEvaluation *evaluation;
    GHashTable *evaluated;       /* DlDrawingItem -> index + 1 */
    GCancellable *eval_cancellable;
    gboolean eval_again;
    guint eval_timeout;

    GtkPopover *popover;         /* for one drawing: relabel, delete */
    DlDrawingItem *popover_item;
    GtkWidget *popover_title, *popover_detail, *popover_buttons[NN_CLASSES];

    GtkWidget *group_headings[NN_CLASSES];
    GtkWidget *group_counts[NN_CLASSES];
    GtkFlowBox *group_boxes[NN_CLASSES];

    /* template */
    GtkStack *stack;
    GtkSpinner *loading_spinner;
    GtkLabel *summary_label;
    GtkEntry *student_entry;
    GtkRevealer *problems_revealer;
    GtkLabel *problems_label;
    GtkStack *content_stack;
    GtkFlowBox *top_box;
    GtkLabel *accuracy_label;
    GtkLabel *accuracy_detail;
    GtkLabel *mnist_label;
    GtkLabel *teach_hint;
    GtkButton *teach_button;
    GtkButton *cancel_button;
    GtkButton *previous_button;
    GtkProgressBar *teach_progress;
    GtkLabel *teach_status;
    DlConfusionView *confusion_view;
    GtkBox *groups_box;
};

G_DEFINE_FINAL_TYPE(DlDrawingsPage, dl_drawings_page, GTK_TYPE_WIDGET)

static void update(DlDrawingsPage *self);
static void update_teach(DlDrawingsPage *self);
static void refresh_thumbnails(DlDrawingsPage *self);

/* ---- the current model on the drawings ------------------------------------------ */

/* Where the evaluation has item: its index, or -1. */
static int
evaluated_index(DlDrawingsPage *self, DlDrawingItem *item)
{
    gpointer value = self->evaluated != NULL ? g_hash_table_lookup(self->evaluated, item) : NULL;

    return value != NULL ? GPOINTER_TO_INT(value) - 1 : -1;
}

typedef struct {
    NnModel *model;
    DlTestSet *test_set;
    GPtrArray *items;
} EvalData;

static void
eval_data_free(gpointer data)
{
    EvalData *eval = data;

    nn_model_free(eval->model);
    g_clear_pointer(&eval->test_set, dl_test_set_unref);
    g_ptr_array_unref(eval->items);
    g_free(eval);
}

static void
eval_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
    EvalData *eval = task_data;
    GError *error = NULL;
    DlEvaluation *evaluation = dl_evaluation_compute(eval->model, eval->test_set, cancellable, NULL, NULL, &error);

    if (evaluation != NULL)
        g_task_return_pointer(task, evaluation, (GDestroyNotify)dl_evaluation_unref);
    else
        g_task_return_error(task, error);
}

static void start_evaluation(DlDrawingsPage *self);

static void
eval_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(DlDrawingsPage) self = user_data;
    EvalData *eval = g_task_get_task_data(G_TASK(result));
    g_autoptr(GError) error = NULL;
    g_autoptr(DlEvaluation) evaluation = g_task_propagate_pointer(G_TASK(result), &error);

    g_clear_object(&self->eval_cancellable);
    if (self->session == NULL)
        return; /* disposed */
    if (evaluation != NULL && !self->eval_again) {
        g_clear_pointer(&self->evaluation, dl_evaluation_unref);
        self->evaluation = g_steal_pointer(&evaluation);
        g_clear_pointer(&self->evaluated, g_hash_table_unref);
        self->evaluated = g_hash_table_new_full(NULL, NULL, g_object_unref, NULL);
        for (guint i = 0; i < eval->items->len; i++)
            g_hash_table_insert(self->evaluated, g_object_ref(eval->items->pdata[i]), GINT_TO_POINTER(i + 1));
        dl_confusion_view_set_evaluation(self->confusion_view, self->evaluation);
        refresh_thumbnails(self);
        update(self);
    } else if (error != NULL && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        g_message("Could not test the model on the class’s drawings: %s", error->message);
    }
    if (self->eval_again)
        start_evaluation(self);
}

static void
start_evaluation(DlDrawingsPage *self)
{
    NnModel *model = dl_recognizer_get_model(dl_session_get_recognizer(self->session));
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->collection));

    self->eval_again = FALSE;
    if (model == NULL || n == 0) {
        g_clear_pointer(&self->evaluation, dl_evaluation_unref);
        g_clear_pointer(&self->evaluated, g_hash_table_unref);
        dl_confusion_view_set_evaluation(self->confusion_view, NULL);
        refresh_thumbnails(self);
        update(self);
        return;
    }
    g_autoptr(GError) error = NULL;
    NnModel *copy = dl_model_copy(model, &error);
    if (copy == NULL) {
        g_message("Could not test the model on the class’s drawings: %s", error->message);
        return;
    }
    EvalData *eval = g_new0(EvalData, 1);
    eval->model = copy;
    eval->test_set = dl_collection_make_test_set(self->collection, NULL, 0);
    eval->items = g_ptr_array_new_with_free_func(g_object_unref);
    for (guint i = 0; i < n; i++)
        g_ptr_array_add(eval->items, g_list_model_get_item(G_LIST_MODEL(self->collection), i));

    self->eval_cancellable = g_cancellable_new();
    g_autoptr(GTask) task = g_task_new(NULL, self->eval_cancellable, eval_done, g_object_ref(self));
    g_task_set_name(task, "[digitlab] drawings evaluation");
    g_task_set_task_data(task, eval, eval_data_free);
    g_task_run_in_thread(task, eval_thread);
}

static gboolean
evaluate_timeout(gpointer data)
{
    DlDrawingsPage *self = data;

    self->eval_timeout = 0;
    if (self->eval_cancellable != NULL) {
        self->eval_again = TRUE;
        g_cancellable_cancel(self->eval_cancellable);
    } else {
        start_evaluation(self);
    }
    return G_SOURCE_REMOVE;
}

/* The model or the drawings changed: evaluate again, shortly (a relabel or
 * an import of many changes them many times at once). */
static void
schedule_evaluation(DlDrawingsPage *self)
{
    if (self->eval_timeout == 0)
        self->eval_timeout = g_timeout_add(EVALUATE_DELAY_MS, evaluate_timeout, self);
}

/* ---- thumbnails ----------------------------------------------------------------------- */

static void
draw_thumbnail(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
    DlDrawingItem *item = user_data;
    const guint8 *pixels = dl_drawing_item_get_pixels(item);
    dl_draw_digit_image(cr, width, height, pixels);
}

/* "Drawing labelled 7, read as 1 (62 %), by Ana": what a thumbnail says. */
static char *
describe_item(DlDrawingsPage *self, DlDrawingItem *item, int *read)
{
    int label = dl_drawing_item_get_label(item), index = evaluated_index(self, item);
    const char *student = dl_drawing_item_get_student(item);
    GString *text = g_string_new(NULL);

    g_string_printf(text, _("Drawing labelled %d"), label);
    *read = -1;
    if (index >= 0) {
        *read = dl_evaluation_get_predicted(self->evaluation, index);
        g_autofree char *p = dl_format_probability(dl_evaluation_get_probs(self->evaluation, index)[*read]);
        /* TRANSLATORS: after "Drawing labelled 7": what the model reads, with its probability */
        g_string_append_printf(text, _(", read as %d (%s)"), *read, p);
    }
    if (student != NULL)
        /* TRANSLATORS: after "Drawing labelled 7, read as 7 (98 %)": who drew it */
        g_string_append_printf(text, _(", by %s"), student);
    return g_string_free(text, FALSE);
}

static void
refresh_thumbnail(DlDrawingsPage *self, GtkWidget *thumbnail)
{
    DlDrawingItem *item = g_object_get_data(G_OBJECT(thumbnail), "item");
    GtkLabel *caption = g_object_get_data(G_OBJECT(thumbnail), "caption");
    int read;
    g_autofree char *text = describe_item(self, item, &read);

    if (read >= 0 && read != dl_drawing_item_get_label(item)) {
        /* TRANSLATORS: under a drawing the model reads wrongly: the digit it reads */
        g_autofree char *wrong = g_strdup_printf(_("read as %d"), read);
        gtk_label_set_text(caption, wrong);
        gtk_widget_add_css_class(GTK_WIDGET(caption), "error");
    } else {
        gtk_label_set_text(caption, "");
        gtk_widget_remove_css_class(GTK_WIDGET(caption), "error");
    }
    gtk_widget_set_tooltip_text(thumbnail, text);
    gtk_accessible_update_property(GTK_ACCESSIBLE(thumbnail), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

static void
refresh_thumbnails(DlDrawingsPage *self)
{
    for (int k = 0; k < NN_CLASSES; k++)
        for (GtkWidget *child = gtk_widget_get_first_child(GTK_WIDGET(self->group_boxes[k])); child != NULL;
             child = gtk_widget_get_next_sibling(child))
            if (GTK_IS_FLOW_BOX_CHILD(child) && gtk_flow_box_child_get_child(GTK_FLOW_BOX_CHILD(child)) != NULL)
                refresh_thumbnail(self, gtk_flow_box_child_get_child(GTK_FLOW_BOX_CHILD(child)));
}

static GtkWidget *
create_thumbnail(gpointer object, gpointer user_data)
{
    DlDrawingsPage *self = user_data;
    DlDrawingItem *item = object;

    GtkWidget *area = gtk_drawing_area_new();
    gtk_drawing_area_set_content_width(GTK_DRAWING_AREA(area), THUMB_SIZE);
    gtk_drawing_area_set_content_height(GTK_DRAWING_AREA(area), THUMB_SIZE);
    gtk_drawing_area_set_draw_func(GTK_DRAWING_AREA(area), draw_thumbnail, g_object_ref(item), g_object_unref);
    GtkWidget *caption = gtk_label_new("");
    gtk_widget_add_css_class(caption, "caption");
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
    gtk_widget_add_css_class(box, "drawing-thumbnail");
    gtk_box_append(GTK_BOX(box), area);
    gtk_box_append(GTK_BOX(box), caption);
    g_object_set_data_full(G_OBJECT(box), "item", g_object_ref(item), g_object_unref);
    g_object_set_data(G_OBJECT(box), "caption", caption);
    refresh_thumbnail(self, box);
    return box;
}

/* The item of a flow box child, or NULL. */
static DlDrawingItem *
child_item(GtkFlowBoxChild *child)
{
    GtkWidget *thumbnail = child != NULL ? gtk_flow_box_child_get_child(child) : NULL;

    return thumbnail != NULL ? g_object_get_data(G_OBJECT(thumbnail), "item") : NULL;
}

/* ---- relabel and delete, with undo ------------------------------------------------------ */

typedef struct {
    GtkWidget *page; /* weak */
    DlCollection *collection;
    DlDrawingItem *item;
    int old_label;   /* -1: the item was deleted from position */
    guint position;
} Undo;

static void
undo_free(gpointer data, GClosure *closure)
{
    Undo *undo = data;

    g_clear_weak_pointer(&undo->page);
    g_object_unref(undo->collection);
    g_object_unref(undo->item);
    g_free(undo);
}

static void
on_undo_clicked(AdwToast *toast, gpointer data)
{
    Undo *undo = data;
    g_autoptr(GError) error = NULL;
    gboolean done = undo->old_label < 0
                        ? dl_collection_insert(undo->collection, undo->position, undo->item, &error)
                        : dl_collection_relabel(undo->collection, undo->item, undo->old_label, &error) != NULL;

    if (!done && undo->page != NULL)
        dl_toast_show_error(undo->page, error);
}

static void
toast_with_undo(DlDrawingsPage *self, const char *message, DlDrawingItem *item, int old_label, guint position)
{
    AdwToast *toast = adw_toast_new(message);
    Undo *undo = g_new0(Undo, 1);

    adw_toast_set_button_label(toast, _("_Undo"));
    g_set_weak_pointer(&undo->page, GTK_WIDGET(self));
    undo->collection = g_object_ref(self->collection);
    undo->item = g_object_ref(item);
    undo->old_label = old_label;
    undo->position = position;
    g_signal_connect_data(toast, "button-clicked", G_CALLBACK(on_undo_clicked), undo, undo_free, 0);
    dl_toast_show(GTK_WIDGET(self), toast);
}

static void
relabel_item(DlDrawingsPage *self, DlDrawingItem *item, int label)
{
    g_autoptr(GError) error = NULL;
    int old = dl_drawing_item_get_label(item);

    if (label == old)
        return;
    DlDrawingItem *now = dl_collection_relabel(self->collection, item, label, &error);
    if (now == NULL) {
        dl_toast_show_error(GTK_WIDGET(self), error);
        return;
    }
    g_autofree char *message = g_strdup_printf(_("Now labelled %d, not %d"), label, old);
    toast_with_undo(self, message, now, old, 0);
}

static void
delete_item(DlDrawingItem *item, DlDrawingsPage *self)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DlDrawingItem) keep = g_object_ref(item);
    guint position;

    if (!dl_collection_remove(self->collection, item, &position, &error)) {
        dl_toast_show_error(GTK_WIDGET(self), error);
        return;
    }
    g_autofree char *message = g_strdup_printf(_("Deleted a drawing of a %d"), dl_drawing_item_get_label(keep));
    toast_with_undo(self, message, keep, -1, position);
}

/* ---- the popover of a drawing ---- */

static void
on_popover_relabel(GtkButton *button, DlDrawingsPage *self)
{
    int label = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(button), "digit"));
    g_autoptr(DlDrawingItem) item = self->popover_item != NULL ? g_object_ref(self->popover_item) : NULL;

    gtk_popover_popdown(self->popover);
    if (item != NULL)
        relabel_item(self, item, label);
}

static void
on_popover_delete(GtkButton *button, DlDrawingsPage *self)
{
    g_autoptr(DlDrawingItem) item = self->popover_item != NULL ? g_object_ref(self->popover_item) : NULL;

    gtk_popover_popdown(self->popover);
    if (item != NULL)
        delete_item(item, self);
}

static void
on_popover_closed(DlDrawingsPage *self)
{
    g_clear_object(&self->popover_item);
}

static void
build_popover(DlDrawingsPage *self)
{
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
    gtk_widget_set_margin_top(box, 6);
    gtk_widget_set_margin_bottom(box, 6);
    gtk_widget_set_margin_start(box, 6);
    gtk_widget_set_margin_end(box, 6);

    self->popover_title = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(self->popover_title), 0);
    gtk_widget_add_css_class(self->popover_title, "heading");
    self->popover_detail = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(self->popover_detail), 0);
    gtk_widget_add_css_class(self->popover_detail, "dim-label");
    GtkWidget *label_heading = gtk_label_new(_("It is a…"));
    gtk_label_set_xalign(GTK_LABEL(label_heading), 0);
    gtk_widget_add_css_class(label_heading, "caption-heading");
    GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 0);
    gtk_widget_add_css_class(row, "linked");
    gtk_box_set_homogeneous(GTK_BOX(row), TRUE);
    gtk_accessible_update_property(GTK_ACCESSIBLE(row), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Relabel as"), -1);
    for (int k = 0; k < NN_CLASSES; k++) {
        char text[2] = { (char)('0' + k), '\0' };
        GtkWidget *button = gtk_button_new_with_label(text);
        g_autofree char *name = g_strdup_printf(_("Relabel as %d"), k);
        gtk_accessible_update_property(GTK_ACCESSIBLE(button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
        gtk_widget_set_tooltip_text(button, name);
        g_object_set_data(G_OBJECT(button), "digit", GINT_TO_POINTER(k));
        g_signal_connect(button, "clicked", G_CALLBACK(on_popover_relabel), self);
        gtk_box_append(GTK_BOX(row), button);
        self->popover_buttons[k] = button;
    }
    GtkWidget *delete = gtk_button_new_with_mnemonic(_("_Delete Drawing"));
    gtk_widget_add_css_class(delete, "destructive-action");
    gtk_widget_set_halign(delete, GTK_ALIGN_START);
    g_signal_connect(delete, "clicked", G_CALLBACK(on_popover_delete), self);

    gtk_box_append(GTK_BOX(box), self->popover_title);
    gtk_box_append(GTK_BOX(box), self->popover_detail);
    gtk_box_append(GTK_BOX(box), label_heading);
    gtk_box_append(GTK_BOX(box), row);
    gtk_box_append(GTK_BOX(box), delete);

    self->popover = GTK_POPOVER(gtk_popover_new());
    gtk_popover_set_child(self->popover, box);
    gtk_popover_set_position(self->popover, GTK_POS_BOTTOM);
    gtk_widget_set_parent(GTK_WIDGET(self->popover), GTK_WIDGET(self));
    g_signal_connect_swapped(self->popover, "closed", G_CALLBACK(on_popover_closed), self);
}

static void
open_popover(DlDrawingsPage *self, GtkFlowBoxChild *child)
{
    DlDrawingItem *item = child_item(child);
    graphene_rect_t bounds;

    if (item == NULL || !gtk_widget_compute_bounds(GTK_WIDGET(child), GTK_WIDGET(self), &bounds))
        return;
    g_set_object(&self->popover_item, item);
    int read, label = dl_drawing_item_get_label(item);
    g_autofree char *title = describe_item(self, item, &read);
    gtk_label_set_text(GTK_LABEL(self->popover_title), title);
    const char *time = dl_drawing_item_get_time(item);
    g_autoptr(GDateTime) when = time != NULL ? g_date_time_new_from_iso8601(time, NULL) : NULL;
    g_autoptr(GDateTime) local = when != NULL ? g_date_time_to_local(when) : NULL;
    /* TRANSLATORS: when a drawing was saved, as g_date_time_format() writes it */
    g_autofree char *saved = local != NULL ? g_date_time_format(local, _("Saved %e %B %Y, %H:%M")) : NULL;
    gtk_label_set_text(GTK_LABEL(self->popover_detail), saved != NULL ? g_strstrip(saved) : "");
    gtk_widget_set_visible(self->popover_detail, saved != NULL);
    for (int k = 0; k < NN_CLASSES; k++) {
        if (k == label)
            gtk_widget_add_css_class(self->popover_buttons[k], "suggested-action");
        else
            gtk_widget_remove_css_class(self->popover_buttons[k], "suggested-action");
    }
    GdkRectangle rect = { (int)bounds.origin.x, (int)bounds.origin.y, (int)bounds.size.width,
                          (int)bounds.size.height };
    gtk_popover_set_pointing_to(self->popover, &rect);
    gtk_popover_popup(self->popover);
    gtk_widget_grab_focus(self->popover_buttons[label]);
}

static void
on_child_activated(DlDrawingsPage *self, GtkFlowBoxChild *child, GtkFlowBox *box)
{
    open_popover(self, child);
}

/* Delete (or Backspace) on a drawing deletes it, with Undo. */
static gboolean
on_group_key(GtkEventControllerKey *controller, guint keyval, guint keycode, GdkModifierType state,
             DlDrawingsPage *self)
{
    if (keyval != GDK_KEY_Delete && keyval != GDK_KEY_KP_Delete && keyval != GDK_KEY_BackSpace)
        return FALSE;
    GtkWidget *box = gtk_event_controller_get_widget(GTK_EVENT_CONTROLLER(controller));
    GtkWidget *focus = gtk_widget_get_focus_child(box);
    DlDrawingItem *item = GTK_IS_FLOW_BOX_CHILD(focus) ? child_item(GTK_FLOW_BOX_CHILD(focus)) : NULL;
    if (item == NULL)
        return FALSE;
    delete_item(item, self);
    return TRUE;
}

static void
on_group_pressed(GtkGestureClick *gesture, int n_press, double x, double y, DlDrawingsPage *self)
{
    GtkFlowBox *box = GTK_FLOW_BOX(gtk_event_controller_get_widget(GTK_EVENT_CONTROLLER(gesture)));
    GtkFlowBoxChild *child = gtk_flow_box_get_child_at_pos(box, (int)x, (int)y);

    if (child != NULL) {
        gtk_gesture_set_state(GTK_GESTURE(gesture), GTK_EVENT_SEQUENCE_CLAIMED);
        open_popover(self, child);
    }
}

/* ---- the groups, one per digit ------------------------------------------------------------- */

static gboolean
has_label(gpointer item, gpointer user_data)
{
    return dl_drawing_item_get_label(item) == GPOINTER_TO_INT(user_data);
}

static void
build_groups(DlDrawingsPage *self)
{
    for (int k = 0; k < NN_CLASSES; k++) {
        char digit[2] = { (char)('0' + k), '\0' };
        GtkWidget *heading = gtk_label_new(digit);
        gtk_widget_add_css_class(heading, "title-2");
        gtk_widget_add_css_class(heading, "numeric");
        GtkWidget *count = gtk_label_new(NULL);
        gtk_widget_add_css_class(count, "dim-label");
        gtk_label_set_xalign(GTK_LABEL(count), 0);
        g_autofree char *description = g_strdup_printf("drawings-group-%d", k);
        gtk_accessible_update_property(GTK_ACCESSIBLE(count), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description, -1);
        GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
        gtk_widget_set_margin_top(row, k > 0 ? 6 : 0);
        gtk_box_append(GTK_BOX(row), heading);
        gtk_box_append(GTK_BOX(row), count);
        gtk_widget_set_valign(count, GTK_ALIGN_BASELINE);
        gtk_widget_set_valign(heading, GTK_ALIGN_BASELINE);

        GtkFlowBox *box = GTK_FLOW_BOX(gtk_flow_box_new());
        gtk_flow_box_set_selection_mode(box, GTK_SELECTION_NONE);
        gtk_flow_box_set_homogeneous(box, TRUE);
        gtk_flow_box_set_max_children_per_line(box, 40);
        gtk_flow_box_set_row_spacing(box, 6);
        gtk_flow_box_set_column_spacing(box, 6);
        gtk_widget_add_css_class(GTK_WIDGET(box), "drawings-group");
        g_autofree char *name = g_strdup_printf(_("Drawings labelled %d"), k);
        gtk_accessible_update_property(GTK_ACCESSIBLE(box), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
        g_signal_connect_swapped(box, "child-activated", G_CALLBACK(on_child_activated), self);
        GtkEventController *keys = gtk_event_controller_key_new();
        g_signal_connect(keys, "key-pressed", G_CALLBACK(on_group_key), self);
        gtk_widget_add_controller(GTK_WIDGET(box), keys);
        GtkGesture *click = gtk_gesture_click_new();
        gtk_gesture_single_set_button(GTK_GESTURE_SINGLE(click), GDK_BUTTON_SECONDARY);
        g_signal_connect(click, "pressed", G_CALLBACK(on_group_pressed), self);
        gtk_widget_add_controller(GTK_WIDGET(box), GTK_EVENT_CONTROLLER(click));

        gtk_box_append(self->groups_box, row);
        gtk_box_append(self->groups_box, GTK_WIDGET(box));
        self->group_headings[k] = heading;
        self->group_counts[k] = count;
        self->group_boxes[k] = box;
    }
}

static void
bind_groups(DlDrawingsPage *self)
{
    for (int k = 0; k < NN_CLASSES; k++) {
        GtkCustomFilter *filter = gtk_custom_filter_new(has_label, GINT_TO_POINTER(k), NULL);
        g_autoptr(GtkFilterListModel) model =
            gtk_filter_list_model_new(G_LIST_MODEL(g_object_ref(self->collection)), GTK_FILTER(filter));
        gtk_flow_box_bind_model(self->group_boxes[k], G_LIST_MODEL(model), create_thumbnail, self, NULL);
    }
}

/* ---- what the page says ---------------------------------------------------------------------- */

static void
update_summary(DlDrawingsPage *self)
{
    guint counts[NN_CLASSES], n = g_list_model_get_n_items(G_LIST_MODEL(self->collection));
    g_autoptr(GHashTable) students = g_hash_table_new(g_str_hash, g_str_equal);

    dl_collection_count_labels(self->collection, counts);
    for (guint i = 0; i < n; i++) {
        g_autoptr(DlDrawingItem) item = g_list_model_get_item(G_LIST_MODEL(self->collection), i);
        if (dl_drawing_item_get_student(item) != NULL)
            g_hash_table_add(students, (gpointer)dl_drawing_item_get_student(item));
    }
    GString *missing = g_string_new(NULL);
    guint n_missing = 0;
    for (int k = 0; k < NN_CLASSES; k++) {
        if (counts[k] > 0) {
            /* TRANSLATORS: the number of drawings of one digit */
            g_autofree char *count = g_strdup_printf(g_dngettext(NULL, "%u drawing", "%u drawings", counts[k]),
                                                     counts[k]);
            gtk_label_set_text(GTK_LABEL(self->group_counts[k]), count);
        } else {
            gtk_label_set_text(GTK_LABEL(self->group_counts[k]), _("none yet"));
            g_string_append_printf(missing, "%s%d", n_missing > 0 ? ", " : "", k);
            n_missing++;
        }
        gtk_widget_set_visible(GTK_WIDGET(self->group_boxes[k]), counts[k] > 0);
    }

    guint n_students = g_hash_table_size(students);
    g_autofree char *drawings = g_strdup_printf(g_dngettext(NULL, "%u drawing", "%u drawings", n), n);
    g_autofree char *who = n_students > 0 ? g_strdup_printf(g_dngettext(NULL, " by %u student", " by %u students",
                                                                        n_students),
                                                            n_students)
                                          : g_strdup("");
    g_autofree char *gaps = n_missing == 0 ? g_strdup(_("every digit is there"))
                                           /* TRANSLATORS: the digits the class has no drawing of, e.g. "2, 8" */
                                           : g_strdup_printf(_("none of %s yet"), missing->str);
    g_string_free(missing, TRUE);
    /* TRANSLATORS: "42 drawings by 5 students; none of 8, 9 yet" */
    g_autofree char *summary = g_strdup_printf(_("%s%s; %s"), drawings, who, gaps);
    gtk_label_set_text(self->summary_label, summary);
    gtk_stack_set_visible_child_name(self->content_stack, n > 0 ? "drawings" : "empty");
}

static void
update_accuracy(DlDrawingsPage *self)
{
    g_autofree char *model = NULL;

    dl_session_describe_model(self->session, NULL, &model);
    if (self->evaluation == NULL) {
        gtk_label_set_text(self->accuracy_label, "—");
        gtk_label_set_text(self->accuracy_detail, dl_session_has_model(self->session) ? _("Testing…") : _("No model"));
    } else {
        const NnEvalResult *result = dl_evaluation_get_result(self->evaluation);
        int right = nn_eval_correct(result);
        g_autofree char *accuracy = g_strdup_printf(_("%.1f %%"), 100.0 * result->accuracy);
        /* TRANSLATORS: "38 of 42 drawings, by the Bundled model" */
        g_autofree char *detail = g_strdup_printf(g_dngettext(NULL, "%d of %d drawing, by: %s",
                                                              "%d of %d drawings, by: %s", result->n),
                                                  right, result->n, model);
        gtk_label_set_text(self->accuracy_label, accuracy);
        gtk_label_set_text(self->accuracy_detail, detail);
    }

    DlEvaluation *mnist = dl_session_get_evaluation(self->session);
    g_autofree char *text = NULL;
    if (mnist != NULL && !dl_session_get_evaluating(self->session)) {
        g_autofree char *count = dl_format_count(dl_evaluation_get_count(mnist));
        /* TRANSLATORS: the same model's accuracy on MNIST's test set */
        text = g_strdup_printf(_("On MNIST’s %s test images: %.2f %%"), count,
                               100.0 * dl_evaluation_get_result(mnist)->accuracy);
    } else if (dl_session_get_evaluating(self->session) ||
               dl_session_get_test_set_state(self->session) == DL_TEST_SET_LOADING) {
        text = g_strdup(_("On MNIST’s test images: testing…"));
    } else {
        text = g_strdup(_("On MNIST’s test images: not known here (MNIST is not in the data folder)"));
    }
    gtk_label_set_text(self->mnist_label, text);
}

static void
update_problems(DlDrawingsPage *self)
{
    const char *const *problems = dl_collection_get_problems(self->collection);
    guint n = problems != NULL ? g_strv_length((char **)problems) : 0;

    if (n == 0) {
        gtk_revealer_set_reveal_child(self->problems_revealer, FALSE);
        return;
    }
    g_autofree char *joined = g_strjoinv("\n", (char **)problems);
    g_autofree char *name = g_filename_display_name(dl_collection_get_path(self->collection));
    guint kept = dl_collection_get_n_kept_lines(self->collection);
    /* TRANSLATORS: lines of the class's drawings file that could not be read, then their messages */
    g_autofree char *text = g_strdup_printf(g_dngettext(NULL,
                                                        "%u line of %s is no drawing. It is left in the file as it "
                                                        "is, and nothing else was changed:\n%s",
                                                        "%u lines of %s are no drawings. They are left in the file "
                                                        "as they are, and nothing else was changed:\n%s",
                                                        kept),
                                            kept, name, joined);
    gtk_label_set_text(self->problems_label, text);
    gtk_revealer_set_reveal_child(self->problems_revealer, TRUE);
}

static void
update(DlDrawingsPage *self)
{
    if (self->session == NULL)
        return;
    gboolean loaded = dl_collection_get_loaded(self->collection);
    gtk_stack_set_visible_child_name(self->stack, loaded ? "page" : "loading");
    gtk_spinner_set_spinning(self->loading_spinner, !loaded);
    if (!loaded)
        return;
    update_summary(self);
    update_accuracy(self);
    update_teach(self);
}

/* ---- Teach It Our Handwriting ------------------------------------------------------------------ */

static void
update_teach(DlDrawingsPage *self)
{
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->collection));
    gboolean busy = dl_finetuner_get_busy(self->finetuner);
    gboolean training = dl_session_get_training(self->session);
    gboolean has_model = dl_session_has_model(self->session);
    const char *dir = dl_session_get_data_dir(self->session);
    gboolean mnist = dir != NULL && dl_data_dir_has_mnist(dir);
    g_autofree char *hint = NULL;

    guint held = n / HELD_BACK_EVERY;
    if (!has_model)
        hint = g_strdup(_("It needs a model to teach: train one, or open a model file."));
    else if (n < TEACH_MIN_DRAWINGS)
        hint = g_strdup_printf(g_dngettext(NULL,
                                           "Save at least %d drawings first (there is %u). The model learns from "
                                           "four in five of them and is tested on every fifth, which it never sees.",
                                           "Save at least %d drawings first (there are %u). The model learns from "
                                           "four in five of them and is tested on every fifth, which it never sees.",
                                           n),
                               TEACH_MIN_DRAWINGS, n);
    else if (mnist)
        hint = g_strdup_printf(_("The model learns from %u of the drawings, mixed with MNIST so that it forgets "
                                 "nothing, and is tested on the other %u, which it never sees."),
                               n - held, held);
    else
        hint = g_strdup_printf(_("The model learns from %u of the drawings and is tested on the other %u. MNIST is "
                                 "not in the data folder, so it learns from the drawings alone and may forget some "
                                 "of what it knew."),
                               n - held, held);
    if (training && !busy)
        hint = (g_free(hint), g_strdup(_("Training is running: teach the model once it has finished.")));
    gtk_label_set_text(self->teach_hint, hint);

    gtk_widget_action_set_enabled(GTK_WIDGET(self), "drawings.teach",
                                  !busy && !training && has_model && n >= TEACH_MIN_DRAWINGS);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "drawings.cancel-teach", busy);
    gtk_widget_set_visible(GTK_WIDGET(self->teach_button), !busy);
    gtk_widget_set_visible(GTK_WIDGET(self->cancel_button), busy);
    gtk_widget_set_visible(GTK_WIDGET(self->teach_progress), busy);

    gboolean previous = dl_session_get_has_previous_model(self->session);
    gtk_widget_set_visible(GTK_WIDGET(self->previous_button), previous && !busy);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "drawings.use-previous", previous && !busy && !training);
    if (previous)
        gtk_button_set_label(self->previous_button,
                             dl_session_get_previous_source(self->session) == DL_MODEL_TAUGHT
                                 ? _("Use the _Taught Model")
                                 : _("Use the _Previous Model"));
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "drawings.export", n > 0);
}

static void
on_finetuner_progress(DlDrawingsPage *self)
{
    gtk_progress_bar_set_fraction(self->teach_progress, dl_finetuner_get_fraction(self->finetuner));
    const char *phase = dl_finetuner_get_phase(self->finetuner);
    gtk_progress_bar_set_text(self->teach_progress, phase);
    gtk_progress_bar_set_show_text(self->teach_progress, phase != NULL);
    if (dl_finetuner_get_busy(self->finetuner) && phase != NULL) {
        gtk_label_set_text(self->teach_status, phase);
        gtk_widget_set_visible(GTK_WIDGET(self->teach_status), TRUE);
    }
}

static char *
percent_or_dash(double accuracy)
{
    return accuracy >= 0 ? g_strdup_printf("%.1f %%", 100.0 * accuracy) : g_strdup("—");
}

static void
teach_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(DlDrawingsPage) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(DlFinetuneResult) taught = dl_finetuner_run_finish(DL_FINETUNER(source), result, &error);

    g_clear_object(&self->teach_cancellable);
    if (self->session == NULL)
        return;
    update_teach(self);
    if (taught == NULL) {
        gboolean cancelled = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
        g_autofree char *text = cancelled ? g_strdup(_("Cancelled: the model is as it was."))
                                          : g_strdup_printf(_("The model could not be taught: %s"), error->message);
        gtk_label_set_text(self->teach_status, text);
        return;
    }
    if (self->model_changes != self->teach_model_changes) {
        gtk_label_set_text(self->teach_status, _("The model changed while it was being taught (a file was opened, or "
                                                 "training started), so what it learnt was dropped. Teach it "
                                                 "again."));
        return;
    }

    g_autofree char *held_before = percent_or_dash(taught->held_back > 0 ? (double)taught->held_before /
                                                                                taught->held_back
                                                                          : -1);
    g_autofree char *held_after = percent_or_dash(taught->held_back > 0 ? (double)taught->held_after /
                                                                               taught->held_back
                                                                         : -1);
    g_autofree char *mnist_before = percent_or_dash(taught->mnist_before);
    g_autofree char *mnist_after = percent_or_dash(taught->mnist_after);
    GString *text = g_string_new(NULL);
    /* TRANSLATORS: after teaching: the held-back drawings read correctly before → after */
    g_string_append_printf(text, g_dngettext(NULL, "The %d drawing it never saw: %s → %s (%d → %d read correctly)",
                                             "The %d drawings it never saw: %s → %s (%d → %d read correctly)",
                                             taught->held_back),
                           taught->held_back, held_before, held_after, taught->held_before, taught->held_after);
    g_string_append_c(text, '\n');
    if (taught->mnist_before >= 0)
        /* TRANSLATORS: after teaching: the accuracy on MNIST's test set before → after */
        g_string_append_printf(text, _("MNIST’s test images: %s → %s"), mnist_before, mnist_after);
    else
        g_string_append(text, _("MNIST’s test images: not in the data folder, not tested"));
    g_string_append_c(text, '\n');
    g_string_append_printf(text,
                           taught->with_mnist
                               ? g_dngettext(NULL, "Learnt from %d drawing mixed with MNIST, in %.0f s.",
                                             "Learnt from %d drawings mixed with MNIST, in %.0f s.", taught->drawings)
                               : g_dngettext(NULL, "Learnt from %d drawing alone (no MNIST to mix in), in %.0f s.",
                                             "Learnt from %d drawings alone (no MNIST to mix in), in %.0f s.",
                                             taught->drawings),
                           taught->drawings, taught->seconds);
    if (taught->calibrated_on > 0)
        /* TRANSLATORS: after teaching: its probabilities were calibrated again */
        g_string_append_printf(text, g_dngettext(NULL, " Its confidence is calibrated again on %d MNIST image it "
                                                       "never learnt from.",
                                                 " Its confidence is calibrated again on %d MNIST images it never "
                                                 "learnt from.",
                                                 taught->calibrated_on),
                               taught->calibrated_on);
    g_string_append(text, _(" The taught model is in use and not saved: save it from the Model menu, or go back "
                            "to the previous one."));
    gtk_label_set_text(self->teach_status, text->str);
    g_string_free(text, TRUE);

    dl_session_use_taught_model(self->session, g_steal_pointer(&taught->model), taught->mnist_evaluation);
    dl_toast_show(GTK_WIDGET(self), adw_toast_new(_("The taught model is in use")));
}

static void
teach_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlDrawingsPage *self = DL_DRAWINGS_PAGE(widget);
    NnModel *model = dl_recognizer_get_model(dl_session_get_recognizer(self->session));
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->collection));
    g_autoptr(GError) error = NULL;

    if (model == NULL || n < TEACH_MIN_DRAWINGS || dl_finetuner_get_busy(self->finetuner)
        || dl_session_get_training(self->session))
        return;

    /* Every fifth drawing is held back: it is never learnt from. */
    g_autofree guint *learn = g_new(guint, n), *held = g_new(guint, n);
    guint n_learn = 0, n_held = 0;
    for (guint i = 0; i < n; i++) {
        if (i % HELD_BACK_EVERY == HELD_BACK_EVERY - 1)
            held[n_held++] = i;
        else
            learn[n_learn++] = i;
    }
    DlFinetuneRequest request = { 0 };
    request.model = dl_model_copy(model, &error);
    if (request.model == NULL) {
        dl_toast_show_error(GTK_WIDGET(self), error);
        return;
    }
    request.drawings = dl_collection_make_test_set(self->collection, learn, n_learn);
    request.held_back = n_held > 0 ? dl_collection_make_test_set(self->collection, held, n_held) : NULL;
    request.data_dir = g_strdup(dl_session_get_data_dir(self->session));
    DlTestSet *test_set = dl_session_get_test_set(self->session);
    request.mnist_test = test_set != NULL ? dl_test_set_ref(test_set) : NULL;
    DlEvaluation *mnist = dl_session_get_evaluation(self->session);
    request.mnist_before = mnist != NULL && !dl_session_get_evaluating(self->session)
                               ? dl_evaluation_get_result(mnist)->accuracy
                               : -1.0;
    request.config = nn_finetune_config_default();

    self->teach_model_changes = self->model_changes;
    self->teach_cancellable = g_cancellable_new();
    gtk_label_set_text(self->teach_status, "");
    gtk_widget_set_visible(GTK_WIDGET(self->teach_status), TRUE);
    dl_finetuner_run_async(self->finetuner, &request, self->teach_cancellable, teach_done, g_object_ref(self));
    update_teach(self);
}

static void
cancel_teach_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlDrawingsPage *self = DL_DRAWINGS_PAGE(widget);

    if (self->teach_cancellable != NULL)
        g_cancellable_cancel(self->teach_cancellable);
}

static void
use_previous_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlDrawingsPage *self = DL_DRAWINGS_PAGE(widget);
    gboolean back = dl_session_get_previous_source(self->session) != DL_MODEL_TAUGHT;

    dl_session_swap_previous_model(self->session);
    dl_toast_show(GTK_WIDGET(self), adw_toast_new(back ? _("Back to the previous model")
                                                       : _("The taught model is in use again")));
}

/* ---- import and export ------------------------------------------------------------------------------ */

static GtkFileFilter *
drawings_filter(void)
{
    GtkFileFilter *filter = gtk_file_filter_new();

    gtk_file_filter_set_name(filter, _("Drawings (JSON Lines)"));
    gtk_file_filter_add_pattern(filter, "*.jsonl");
    gtk_file_filter_add_pattern(filter, "*.ndjson");
    return filter;
}

static void import_next(DlDrawingsPage *self);

static void
import_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(DlDrawingsPage) self = user_data;
    g_autoptr(GError) error = NULL;
    DlImportReport report;

    if (!dl_collection_import_finish(DL_COLLECTION(source), result, &report, &error)) {
        g_slist_free_full(g_steal_pointer(&self->import_queue), g_object_unref);
        dl_import_report_clear(&self->import_total);
        if (self->session != NULL) {
            g_autofree char *message = g_strdup_printf(_("Could not import the drawings: %s"), error->message);
            AdwToast *toast = adw_toast_new(message);
            adw_toast_set_priority(toast, ADW_TOAST_PRIORITY_HIGH);
            dl_toast_show(GTK_WIDGET(self), toast);
        }
        return;
    }
    DlImportReport *total = &self->import_total;
    total->added += report.added;
    total->duplicates += report.duplicates;
    total->unlabelled += report.unlabelled;
    total->bad_lines += report.bad_lines;
    if (total->first_problem == NULL)
        total->first_problem = g_steal_pointer(&report.first_problem);
    dl_import_report_clear(&report);
    self->imports_done++;
    import_next(self);
}

/* The import's outcome in one sentence: what was added, and what was not. */
static char *
import_message(const DlImportReport *r, guint files)
{
    GString *text = g_string_new(NULL);

    g_string_printf(text, g_dngettext(NULL, "Imported %u drawing", "Imported %u drawings", r->added), r->added);
    if (files > 1)
        g_string_append_printf(text, g_dngettext(NULL, " from %u file", " from %u files", files), files);
    if (r->duplicates > 0)
        g_string_append_printf(text, g_dngettext(NULL, "; %u was already here", "; %u were already here",
                                                 r->duplicates),
                               r->duplicates);
    if (r->unlabelled > 0)
        g_string_append_printf(text, g_dngettext(NULL, "; %u had no digit label or no ink",
                                                 "; %u had no digit label or no ink", r->unlabelled),
                               r->unlabelled);
    if (r->bad_lines > 0)
        g_string_append_printf(text, g_dngettext(NULL, "; %u line was no drawing (%s)",
                                                 "; %u lines were no drawings (the first: %s)", r->bad_lines),
                               r->bad_lines, r->first_problem);
    return g_string_free(text, FALSE);
}

static void
import_next(DlDrawingsPage *self)
{
    if (self->session == NULL)
        return;
    if (self->import_queue == NULL) {
        g_autofree char *message = import_message(&self->import_total, self->imports_done);
        AdwToast *toast = adw_toast_new(message);
        adw_toast_set_timeout(toast, 10);
        dl_toast_show(GTK_WIDGET(self), toast);
        dl_import_report_clear(&self->import_total);
        return;
    }
    GFile *file = self->import_queue->data;
    self->import_queue = g_slist_delete_link(self->import_queue, self->import_queue);
    dl_collection_import_async(self->collection, file, NULL, import_done, g_object_ref(self));
    g_object_unref(file);
}

static void
on_import_response(GtkNativeDialog *dialog, int response, DlDrawingsPage *self)
{
    if (response == GTK_RESPONSE_ACCEPT) {
        g_autoptr(GListModel) files = gtk_file_chooser_get_files(GTK_FILE_CHOOSER(dialog));
        for (guint i = g_list_model_get_n_items(files); i > 0; i--)
            self->import_queue = g_slist_prepend(self->import_queue, g_list_model_get_item(files, i - 1));
    }
    gtk_native_dialog_destroy(dialog);
    g_clear_object(&self->chooser);
    if (self->import_queue != NULL) {
        dl_import_report_clear(&self->import_total);
        self->imports_done = 0;
        import_next(self);
    }
}

static GtkWindow *
parent_window(DlDrawingsPage *self)
{
    GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));

    return GTK_IS_WINDOW(root) ? GTK_WINDOW(root) : NULL;
}

static void
import_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlDrawingsPage *self = DL_DRAWINGS_PAGE(widget);

    if (self->chooser != NULL || self->import_queue != NULL || !dl_collection_get_loaded(self->collection))
        return;
    self->chooser = gtk_file_chooser_native_new(_("Import Drawings"), parent_window(self),
                                                GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), _("_Cancel"));
    gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(self->chooser), TRUE);
    gtk_file_chooser_set_select_multiple(GTK_FILE_CHOOSER(self->chooser), TRUE);
    g_autoptr(GtkFileFilter) filter = drawings_filter();
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(self->chooser), filter);
    g_signal_connect(self->chooser, "response", G_CALLBACK(on_import_response), self);
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

static void
on_export_response(GtkNativeDialog *dialog, int response, DlDrawingsPage *self)
{
    g_autoptr(GFile) file = response == GTK_RESPONSE_ACCEPT ? gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog))
                                                            : NULL;
    g_autofree char *path = file != NULL ? g_file_get_path(file) : NULL;

    gtk_native_dialog_destroy(dialog);
    g_clear_object(&self->chooser);
    if (path == NULL)
        return;
    g_autoptr(GError) error = NULL;
    g_autofree char *name = g_filename_display_basename(path);
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->collection));
    if (!dl_collection_export(self->collection, path, &error)) {
        g_autofree char *message = g_strdup_printf(_("Could not export the drawings to %s: %s"), name,
                                                   error->message);
        AdwToast *toast = adw_toast_new(message);
        adw_toast_set_priority(toast, ADW_TOAST_PRIORITY_HIGH);
        dl_toast_show(GTK_WIDGET(self), toast);
        return;
    }
    g_autofree char *message = g_strdup_printf(g_dngettext(NULL, "Exported %u drawing to %s",
                                                           "Exported %u drawings to %s", n),
                                               n, name);
    dl_toast_show(GTK_WIDGET(self), adw_toast_new(message));
}

static void
export_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlDrawingsPage *self = DL_DRAWINGS_PAGE(widget);

    if (self->chooser != NULL)
        return;
    self->chooser = gtk_file_chooser_native_new(_("Export Drawings"), parent_window(self),
                                                GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
    gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(self->chooser), TRUE);
    g_autoptr(GtkFileFilter) filter = drawings_filter();
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(self->chooser), filter);
    gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(self->chooser), _("class-drawings.jsonl"));
    g_signal_connect(self->chooser, "response", G_CALLBACK(on_export_response), self);
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

/* ---- the session ------------------------------------------------------------------------------------- */

static void
on_collection_loaded(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(DlDrawingsPage) self = user_data;
    g_autoptr(GError) error = NULL;

    if (!dl_collection_load_finish(DL_COLLECTION(source), result, &error) && self->session != NULL) {
        gtk_label_set_text(self->problems_label, error->message);
        gtk_revealer_set_reveal_child(self->problems_revealer, TRUE);
        return;
    }
    if (self->session != NULL)
        update_problems(self);
}

static void
on_items_changed(DlDrawingsPage *self)
{
    update(self);
    schedule_evaluation(self);
}

static void
on_model_changed(DlDrawingsPage *self)
{
    self->model_changes++;
    update(self);
    schedule_evaluation(self);
}

static void
on_training(DlDrawingsPage *self)
{
    /* A run replaces the model: whatever is being taught would be dropped. */
    if (dl_session_get_training(self->session) && self->teach_cancellable != NULL)
        g_cancellable_cancel(self->teach_cancellable);
    update_teach(self);
}

/* No student is an empty entry. */
static gboolean
student_to_text(GBinding *binding, const GValue *from, GValue *to, gpointer user_data)
{
    const char *student = g_value_get_string(from);

    g_value_set_string(to, student != NULL ? student : "");
    return TRUE;
}

void
dl_drawings_page_set_session(DlDrawingsPage *self, DlSession *session)
{
    g_return_if_fail(DL_IS_DRAWINGS_PAGE(self));
    g_return_if_fail(DL_IS_SESSION(session));
    g_return_if_fail(self->session == NULL);

    self->session = g_object_ref(session);
    self->collection = g_object_ref(dl_session_get_collection(session));
    bind_groups(self);
    g_object_bind_property_full(self->collection, "student", self->student_entry, "text",
                                G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE, student_to_text, NULL, NULL, NULL);

    g_signal_connect_object(self->collection, "items-changed", G_CALLBACK(on_items_changed), self,
                            G_CONNECT_SWAPPED);
    g_signal_connect_object(self->collection, "notify::loaded", G_CALLBACK(update), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(session, "model-changed", G_CALLBACK(on_model_changed), self, G_CONNECT_SWAPPED);
    const char *signals[] = { "notify::evaluation", "notify::evaluating", "notify::test-set-state",
                              "notify::has-previous-model", "notify::has-model" };
    for (guint i = 0; i < G_N_ELEMENTS(signals); i++)
        g_signal_connect_object(session, signals[i], G_CALLBACK(update), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(session, "notify::training", G_CALLBACK(on_training), self, G_CONNECT_SWAPPED);

    if (!dl_collection_get_loaded(self->collection))
        dl_collection_load_async(self->collection, NULL, on_collection_loaded, g_object_ref(self));
    update(self);
    schedule_evaluation(self);
}

/* ---- GObject --------------------------------------------------------------------------------------------- */

static void
dl_drawings_page_dispose(GObject *object)
{
    DlDrawingsPage *self = DL_DRAWINGS_PAGE(object);

    if (self->teach_cancellable != NULL)
        g_cancellable_cancel(self->teach_cancellable);
    if (self->eval_cancellable != NULL)
        g_cancellable_cancel(self->eval_cancellable);
    g_clear_handle_id(&self->eval_timeout, g_source_remove);
    if (self->chooser != NULL)
        gtk_native_dialog_destroy(GTK_NATIVE_DIALOG(self->chooser));
    g_clear_object(&self->chooser);
    g_slist_free_full(g_steal_pointer(&self->import_queue), g_object_unref);
    dl_import_report_clear(&self->import_total);
    if (self->popover != NULL)
        gtk_widget_unparent(GTK_WIDGET(self->popover));
    self->popover = NULL;
    g_clear_object(&self->popover_item);
    for (int k = 0; k < NN_CLASSES; k++)
        if (self->group_boxes[k] != NULL)
            gtk_flow_box_bind_model(self->group_boxes[k], NULL, NULL, NULL, NULL);
    if (self->finetuner != NULL)
        g_signal_handlers_disconnect_by_data(self->finetuner, self);
    gtk_widget_dispose_template(GTK_WIDGET(self), DL_TYPE_DRAWINGS_PAGE);
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))) != NULL)
        gtk_widget_unparent(child);
    g_clear_object(&self->session);
    g_clear_object(&self->collection);
    g_clear_object(&self->finetuner);
    g_clear_pointer(&self->evaluation, dl_evaluation_unref);
    g_clear_pointer(&self->evaluated, g_hash_table_unref);

    G_OBJECT_CLASS(dl_drawings_page_parent_class)->dispose(object);
}

static void
dl_drawings_page_class_init(DlDrawingsPageClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = dl_drawings_page_dispose;

    g_type_ensure(DL_TYPE_CONFUSION_VIEW);

    gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
    gtk_widget_class_set_css_name(widget_class, "drawings-page");
    gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
    gtk_widget_class_set_template_from_resource(widget_class, DL_RESOURCE_PATH "/ui/dl-drawings-page.ui");
    gtk_widget_class_bind_template_child(widget_class, DlDrawingsPage, stack);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingsPage, loading_spinner);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingsPage, summary_label);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingsPage, student_entry);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingsPage, problems_revealer);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingsPage, problems_label);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingsPage, content_stack);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingsPage, top_box);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingsPage, accuracy_label);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingsPage, accuracy_detail);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingsPage, mnist_label);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingsPage, teach_hint);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingsPage, teach_button);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingsPage, cancel_button);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingsPage, previous_button);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingsPage, teach_progress);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingsPage, teach_status);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingsPage, confusion_view);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingsPage, groups_box);

    gtk_widget_class_install_action(widget_class, "drawings.import", NULL, import_action);
    gtk_widget_class_install_action(widget_class, "drawings.export", NULL, export_action);
    gtk_widget_class_install_action(widget_class, "drawings.teach", NULL, teach_action);
    gtk_widget_class_install_action(widget_class, "drawings.cancel-teach", NULL, cancel_teach_action);
    gtk_widget_class_install_action(widget_class, "drawings.use-previous", NULL, use_previous_action);
}

static void
dl_drawings_page_init(DlDrawingsPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    /* The flow box only lays out: its children are no Tab stops. */
    for (GtkWidget *c = gtk_widget_get_first_child(GTK_WIDGET(self->top_box)); c != NULL;
         c = gtk_widget_get_next_sibling(c))
        gtk_widget_set_focusable(c, FALSE);

    self->finetuner = dl_finetuner_new();
    g_signal_connect_swapped(self->finetuner, "notify::fraction", G_CALLBACK(on_finetuner_progress), self);
    g_signal_connect_swapped(self->finetuner, "notify::phase", G_CALLBACK(on_finetuner_progress), self);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL, _("The class’s drawings"),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, "drawings-page", -1);
    dl_confusion_view_set_drawings(self->confusion_view, TRUE);
    build_groups(self);
    build_popover(self);
}
