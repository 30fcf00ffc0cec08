/* dl-drawing-pane.c — the canvas and the prediction; see dl-drawing-pane.h. */
#include "dl-drawing-pane.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "dl-canvas.h"
#include "dl-digit-view.h"
#include "dl-test-image.h"
#include "dl-toast.h"

struct _DlDrawingPane {
    GtkWidget parent_instance;

    DlSession *session;

    DlCanvas *canvas;
    GtkRevealer *input_revealer;
    GtkLabel *input_label;
    DlDigitView *digit_view;
    GtkLabel *model_label;
    GtkLabel *teach_label;
    GtkBox *digit_buttons;
    GtkWidget *buttons[NN_CLASSES];

    /* The drawing on the canvas as saved in the class's drawings by "It was
     * a N", until it changes; NULL when not saved. */
    DlDrawingItem *saved;
    /* The "Saved as…" toast with its Undo, shown or waiting, until it is
     * dismissed: the next save rewrites it rather than queue another. */
    AdwToast *toast;
};

G_DEFINE_FINAL_TYPE(DlDrawingPane, dl_drawing_pane, GTK_TYPE_WIDGET)

static void update_teach(DlDrawingPane *self);
static void forget_saved(DlDrawingPane *self);

/* The prediction of the session's input by its model. */
static void
predict(DlDrawingPane *self)
{
    float image[NN_IMAGE_PIXELS], probs[NN_CLASSES];
    NnVerdict verdict;
    g_autoptr(GError) error = NULL;
    DlRecognizer *recognizer = dl_session_get_recognizer(self->session);
    DlRecognition result;

    if (dl_session_get_input_kind(self->session) == DL_INPUT_TEST_IMAGE) {
        dl_test_set_get_image(dl_session_get_test_set(self->session), dl_session_get_input_index(self->session),
                              image);
        result = dl_recognizer_predict(recognizer, image, probs, &verdict, &error);
    } else {
        result = dl_recognizer_recognize(recognizer, dl_canvas_get_strokes(self->canvas), image, probs, &verdict,
                                         &error);
    }

    g_autofree char *sentence = NULL;
    dl_session_describe_model(self->session, &sentence, NULL);
    switch (result) {
    case DL_RECOGNITION_DIGIT:
        dl_digit_view_set_result(self->digit_view, image, probs, &verdict);
        break;
    case DL_RECOGNITION_EMPTY:
        dl_digit_view_clear(self->digit_view);
        break;
    case DL_RECOGNITION_FAILED:
    default:
        dl_digit_view_clear(self->digit_view);
        /* No model: the model label says so already. */
        if (!g_error_matches(error, DL_RECOGNIZER_ERROR, DL_RECOGNIZER_ERROR_NO_MODEL)) {
            g_free(sentence);
            sentence = g_strdup(error->message);
        }
        break;
    }
    gtk_label_set_text(self->model_label, sentence);
}

static void
show_input(DlDrawingPane *self)
{
    gboolean image = dl_session_get_input_kind(self->session) == DL_INPUT_TEST_IMAGE;

    if (image) {
        int index = dl_session_get_input_index(self->session);
        g_autofree char *text = dl_test_image_describe(
            (guint)index, dl_test_set_get_label(dl_session_get_test_set(self->session), index));
        gtk_label_set_text(self->input_label, text);
    } else {
        gtk_label_set_text(self->input_label, _("Your drawing"));
    }
    gtk_revealer_set_reveal_child(self->input_revealer, image);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "drawing.use-drawing", image);
    update_teach(self);
    predict(self);
}

static void
on_canvas_changed(DlDrawingPane *self)
{
    dl_session_set_drawing(self->session, dl_canvas_get_strokes(self->canvas));
    forget_saved(self);
    if (dl_session_get_input_kind(self->session) != DL_INPUT_DRAWING)
        dl_session_set_input_drawing(self->session); /* "input-changed" predicts */
    else
        predict(self);
}

static void
on_canvas_empty(DlDrawingPane *self)
{
    gboolean empty = dl_canvas_is_empty(self->canvas);

    gtk_widget_action_set_enabled(GTK_WIDGET(self), "drawing.clear", !empty);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "drawing.undo", !empty);
    update_teach(self);
}

/* ---- "It was a 7": the drawing into the class's drawings ---------------------- */

static void
show_saved(DlDrawingPane *self)
{
    int label = self->saved != NULL ? dl_drawing_item_get_label(self->saved) : -1;

    for (int k = 0; k < NN_CLASSES; k++) {
        if (k == label)
            gtk_widget_add_css_class(self->buttons[k], "suggested-action");
        else
            gtk_widget_remove_css_class(self->buttons[k], "suggested-action");
    }
    if (label < 0) {
        gtk_label_set_text(self->teach_label, _("It was a…"));
    } else {
        /* TRANSLATORS: after "It was a 7": where the drawing went */
        g_autofree char *text = g_strdup_printf(_("Saved as a %d in the class’s drawings"), label);
        gtk_label_set_text(self->teach_label, text);
    }
}

static void
set_saved(DlDrawingPane *self, DlDrawingItem *item)
{
    g_set_object(&self->saved, item);
    show_saved(self);
}

static void
update_teach(DlDrawingPane *self)
{
    DlCollection *collection = self->session != NULL ? dl_session_get_collection(self->session) : NULL;
    gboolean can = collection != NULL && dl_collection_get_loaded(collection)
                   && dl_session_get_input_kind(self->session) == DL_INPUT_DRAWING && !dl_canvas_is_empty(self->canvas);

    gtk_widget_action_set_enabled(GTK_WIDGET(self), "drawing.label", can);
}

/* The drawing changed: it is not the one saved any more. */
static void
forget_saved(DlDrawingPane *self)
{
    if (self->saved != NULL)
        set_saved(self, NULL);
    update_teach(self);
}

/* What Undo on the toast takes back: an addition (old_label -1) or a relabel. */
typedef struct {
    DlCollection *collection;
    DlDrawingItem *item;
    int old_label;
} Undo;

#define UNDO_KEY "dl-undo"

static void
undo_free(gpointer data)
{
    Undo *undo = data;

    g_object_unref(undo->collection);
    g_object_unref(undo->item);
    g_free(undo);
}

static void
on_undo_clicked(DlDrawingPane *self, AdwToast *t)
{
    Undo *undo = g_object_get_data(G_OBJECT(t), UNDO_KEY);
    g_autoptr(GError) error = NULL;
    DlDrawingItem *item = NULL;
    gboolean done;

    if (undo->old_label < 0) {
        done = dl_collection_remove(undo->collection, undo->item, NULL, &error);
    } else {
        item = dl_collection_relabel(undo->collection, undo->item, undo->old_label, &error);
        done = item != NULL;
    }
    if (!done) {
        dl_toast_show_error(GTK_WIDGET(self), error);
        return;
    }
    if (self->saved == undo->item)
        set_saved(self, item);
}

static void
forget_toast(DlDrawingPane *self, AdwToast *t)
{
    if (self->toast == t)
        g_clear_object(&self->toast);
}

/* Tells of a save, with Undo. While the last toast is still up (or waits
 * its turn) it is rewritten, not queued behind: a quick relabel must not
 * leave a stale "Saved as a 3" to show after "Now saved as a 5". Saving
 * the same drawing again folds the two steps into one, so Undo goes back
 * to before the first; another drawing's save takes over the toast and
 * its Undo. (libadwaita 1.2 aborts on dismissing a waiting toast, so none
 * is dismissed here.) */
static void
toast_saved(DlDrawingPane *self, DlCollection *collection, DlDrawingItem *existing, DlDrawingItem *item,
            int old_label)
{
    int label = dl_drawing_item_get_label(item);
    Undo *last = self->toast != NULL ? g_object_get_data(G_OBJECT(self->toast), UNDO_KEY) : NULL;
    /* The drawing the toast tells of, relabelled again: one step, unless
     * it is back where it began (then this relabel alone is told). */
    if (existing != NULL && last != NULL && last->item == existing && last->old_label != label)
        old_label = last->old_label;

    const char *student = dl_drawing_item_get_student(item);
    g_autofree char *message =
        old_label >= 0 ? g_strdup_printf(_("Now saved as a %d, not a %d"), label, old_label)
        : student != NULL
            /* TRANSLATORS: a drawing saved into the class's drawings, with who drew it */
            ? g_strdup_printf(_("Saved as a %d, drawn by %s"), label, student)
            : g_strdup_printf(_("Saved as a %d in the class’s drawings"), label);
    Undo *undo = g_new0(Undo, 1);
    undo->collection = g_object_ref(collection);
    undo->item = g_object_ref(item);
    undo->old_label = old_label;

    if (self->toast != NULL) {
        adw_toast_set_title(self->toast, message);
        g_object_set_data_full(G_OBJECT(self->toast), UNDO_KEY, undo, undo_free);
        return;
    }
    AdwToast *t = adw_toast_new(message);
    adw_toast_set_button_label(t, _("_Undo"));
    g_object_set_data_full(G_OBJECT(t), UNDO_KEY, undo, undo_free);
    g_signal_connect_object(t, "button-clicked", G_CALLBACK(on_undo_clicked), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(t, "dismissed", G_CALLBACK(forget_toast), self, G_CONNECT_SWAPPED);
    self->toast = g_object_ref(t);
    dl_toast_show(GTK_WIDGET(self), t);
}

static void
label_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlDrawingPane *self = DL_DRAWING_PANE(widget);
    int label = g_variant_get_int32(parameter);
    DlCollection *collection = dl_session_get_collection(self->session);
    g_autoptr(GError) error = NULL;

    if (label < 0 || label >= NN_CLASSES || dl_canvas_is_empty(self->canvas))
        return;
    size_t n_strokes;
    const NnStroke *strokes = dl_stroke_set_as_nn_strokes(dl_canvas_get_strokes(self->canvas), &n_strokes);
    DlDrawing drawing = DL_DRAWING_INIT;
    dl_drawing_set_strokes(&drawing, strokes, n_strokes);
    drawing.label = label;

    /* The same strokes saved before (this drawing, or one read back): a new
     * label for it, never a second copy. */
    DlDrawingItem *existing = dl_collection_find(collection, &drawing);
    int old_label = existing != NULL ? dl_drawing_item_get_label(existing) : -1;
    DlDrawingItem *item;
    if (existing != NULL && old_label == label)
        item = existing;
    else if (existing != NULL)
        item = dl_collection_relabel(collection, existing, label, &error);
    else
        item = dl_collection_add(collection, &drawing, &error);
    dl_drawing_clear(&drawing);
    if (item == NULL) {
        dl_toast_show_error(GTK_WIDGET(self), error);
        return;
    }
    set_saved(self, item);
    if (existing != NULL && old_label == label)
        return;

    toast_saved(self, collection, existing, item, old_label);
}

/* The saved drawing left the collection (deleted on the Drawings page) or
 * was relabelled there: follow it. */
static void
on_collection_changed(DlDrawingPane *self, guint position, guint removed, guint added, GListModel *list)
{
    if (self->saved == NULL || dl_collection_get_position(DL_COLLECTION(list), self->saved) >= 0)
        return;
    DlDrawingItem *now = dl_collection_find(DL_COLLECTION(list), dl_drawing_item_get_drawing(self->saved));
    set_saved(self, now);
}

static void
clear_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    dl_canvas_clear(DL_DRAWING_PANE(widget)->canvas);
}

static void
undo_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    dl_canvas_undo(DL_DRAWING_PANE(widget)->canvas);
}

static void
use_drawing_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlDrawingPane *self = DL_DRAWING_PANE(widget);

    if (self->session != NULL)
        dl_session_set_input_drawing(self->session);
}

void
dl_drawing_pane_set_session(DlDrawingPane *self, DlSession *session)
{
    g_return_if_fail(DL_IS_DRAWING_PANE(self));
    g_return_if_fail(DL_IS_SESSION(session));
    g_return_if_fail(self->session == NULL);

    self->session = g_object_ref(session);
    g_signal_connect_object(session, "model-changed", G_CALLBACK(predict), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(session, "input-changed", G_CALLBACK(show_input), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(self->canvas, "changed", G_CALLBACK(on_canvas_changed), self, G_CONNECT_SWAPPED);
    DlCollection *collection = dl_session_get_collection(session);
    g_signal_connect_object(collection, "notify::loaded", G_CALLBACK(update_teach), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(collection, "items-changed", G_CALLBACK(on_collection_changed), self,
                            G_CONNECT_SWAPPED);
    show_input(self);
}

void
dl_drawing_pane_focus_canvas(DlDrawingPane *self)
{
    g_return_if_fail(DL_IS_DRAWING_PANE(self));

    gtk_widget_grab_focus(GTK_WIDGET(self->canvas));
}

static void
dl_drawing_pane_dispose(GObject *object)
{
    DlDrawingPane *self = DL_DRAWING_PANE(object);

    gtk_widget_dispose_template(GTK_WIDGET(self), DL_TYPE_DRAWING_PANE);
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))) != NULL)
        gtk_widget_unparent(child);
    g_clear_object(&self->session);
    g_clear_object(&self->saved);
    g_clear_object(&self->toast);

    G_OBJECT_CLASS(dl_drawing_pane_parent_class)->dispose(object);
}

static void
dl_drawing_pane_class_init(DlDrawingPaneClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = dl_drawing_pane_dispose;

    g_type_ensure(DL_TYPE_CANVAS);
    g_type_ensure(DL_TYPE_DIGIT_VIEW);

    gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
    gtk_widget_class_set_css_name(widget_class, "drawing-pane");
    gtk_widget_class_set_template_from_resource(widget_class, DL_RESOURCE_PATH "/ui/dl-drawing-pane.ui");
    gtk_widget_class_bind_template_child(widget_class, DlDrawingPane, canvas);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingPane, input_revealer);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingPane, input_label);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingPane, digit_view);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingPane, model_label);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingPane, teach_label);
    gtk_widget_class_bind_template_child(widget_class, DlDrawingPane, digit_buttons);

    gtk_widget_class_install_action(widget_class, "drawing.clear", NULL, clear_action);
    gtk_widget_class_install_action(widget_class, "drawing.undo", NULL, undo_action);
    gtk_widget_class_install_action(widget_class, "drawing.use-drawing", NULL, use_drawing_action);
    gtk_widget_class_install_action(widget_class, "drawing.label", "i", label_action);

    /* The digit keys say what the drawing is, wherever the focus is in the
     * pane (the canvas has it after drawing). */
    for (int k = 0; k < NN_CLASSES; k++) {
        gtk_widget_class_add_binding_action(widget_class, GDK_KEY_0 + k, 0, "drawing.label", "i", k);
        gtk_widget_class_add_binding_action(widget_class, GDK_KEY_KP_0 + k, 0, "drawing.label", "i", k);
    }
}

static void
dl_drawing_pane_init(DlDrawingPane *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));

    for (int k = 0; k < NN_CLASSES; k++) {
        char text[2] = { (char)('0' + k), '\0' };
        GtkWidget *button = gtk_button_new_with_label(text);
        gtk_actionable_set_action_name(GTK_ACTIONABLE(button), "drawing.label");
        gtk_actionable_set_action_target(GTK_ACTIONABLE(button), "i", k);
        /* TRANSLATORS: a button under the prediction: save the drawing as this digit */
        g_autofree char *tip = g_strdup_printf(_("It Was a %d: Save the Drawing as a %d (%d)"), k, k, k);
        gtk_widget_set_tooltip_text(button, tip);
        g_autofree char *name = g_strdup_printf(_("It was a %d"), k);
        gtk_accessible_update_property(GTK_ACCESSIBLE(button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
        gtk_box_append(self->digit_buttons, button);
        self->buttons[k] = button;
    }

    g_signal_connect_swapped(self->canvas, "notify::empty", G_CALLBACK(on_canvas_empty), self);
    on_canvas_empty(self);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "drawing.use-drawing", FALSE);
}
