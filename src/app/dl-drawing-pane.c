/* dl-drawing-pane.c — the canvas and the prediction; see dl-drawing-pane.h. */
#include "dl-drawing-pane.h"

#include <glib/gi18n.h>

#include "dl-canvas.h"
#include "dl-digit-view.h"
#include "dl-test-image.h"

struct _DlDrawingPane {
    GtkWidget parent_instance;

    DlSession *session;

    DlCanvas *canvas;
    GtkRevealer *input_revealer;
    GtkLabel *input_label;
    DlDigitView *digit_view;
    GtkLabel *model_label;
};

G_DEFINE_FINAL_TYPE(DlDrawingPane, dl_drawing_pane, GTK_TYPE_WIDGET)

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
    predict(self);
}

static void
on_canvas_changed(DlDrawingPane *self)
{
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

    gtk_widget_class_install_action(widget_class, "drawing.clear", NULL, clear_action);
    gtk_widget_class_install_action(widget_class, "drawing.undo", NULL, undo_action);
    gtk_widget_class_install_action(widget_class, "drawing.use-drawing", NULL, use_drawing_action);
}

static void
dl_drawing_pane_init(DlDrawingPane *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));

    g_signal_connect_swapped(self->canvas, "notify::empty", G_CALLBACK(on_canvas_empty), self);
    on_canvas_empty(self);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "drawing.use-drawing", FALSE);
}
