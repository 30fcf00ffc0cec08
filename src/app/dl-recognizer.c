/* dl-recognizer.c — from the strokes on the canvas to a digit. */
#include "dl-recognizer.h"

#include <string.h>

#include "evaluate.h"
#include "preprocess.h"

struct _DlRecognizer {
    GObject parent_instance;

    NnModel *model;
};

G_DEFINE_TYPE(DlRecognizer, dl_recognizer, G_TYPE_OBJECT)

G_DEFINE_QUARK(dl-recognizer-error-quark, dl_recognizer_error)

enum {
    PROP_0,
    PROP_HAS_MODEL,
    N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
dl_recognizer_finalize(GObject *object)
{
    DlRecognizer *self = DL_RECOGNIZER(object);

    g_clear_pointer(&self->model, nn_model_free);
    G_OBJECT_CLASS(dl_recognizer_parent_class)->finalize(object);
}

static void
dl_recognizer_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    DlRecognizer *self = DL_RECOGNIZER(object);

    switch (prop_id) {
    case PROP_HAS_MODEL:
        g_value_set_boolean(value, self->model != NULL);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_recognizer_class_init(DlRecognizerClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->finalize = dl_recognizer_finalize;
    object_class->get_property = dl_recognizer_get_property;

    properties[PROP_HAS_MODEL] =
        g_param_spec_boolean("has-model", NULL, NULL, FALSE,
                             G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, properties);
}

static void
dl_recognizer_init(DlRecognizer *self)
{
}

DlRecognizer *
dl_recognizer_new(void)
{
    return g_object_new(DL_TYPE_RECOGNIZER, NULL);
}

void
dl_recognizer_set_model(DlRecognizer *self, NnModel *model)
{
    g_return_if_fail(DL_IS_RECOGNIZER(self));

    if (model == self->model)
        return;

    gboolean had_model = self->model != NULL;
    g_clear_pointer(&self->model, nn_model_free);
    self->model = model;
    if (had_model != (model != NULL))
        g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_HAS_MODEL]);
}

NnModel *
dl_recognizer_get_model(DlRecognizer *self)
{
    g_return_val_if_fail(DL_IS_RECOGNIZER(self), NULL);

    return self->model;
}

gboolean
dl_recognizer_has_model(DlRecognizer *self)
{
    g_return_val_if_fail(DL_IS_RECOGNIZER(self), FALSE);

    return self->model != NULL;
}

gboolean
dl_recognizer_load_model(DlRecognizer *self, const char *path, GError **error)
{
    g_return_val_if_fail(DL_IS_RECOGNIZER(self), FALSE);
    g_return_val_if_fail(path != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    NnModel *model = NULL;
    NnError err;
    if (nn_model_load(path, &model, &err) != NN_OK) {
        g_autofree char *name = g_filename_display_name(path);
        g_set_error(error, DL_RECOGNIZER_ERROR, DL_RECOGNIZER_ERROR_ENGINE,
                    "%s: %s", name, err.message);
        return FALSE;
    }
    dl_recognizer_set_model(self, model);
    return TRUE;
}

DlRecognition
dl_recognizer_recognize(DlRecognizer *self, DlStrokeSet *strokes,
                        float image[NN_IMAGE_PIXELS], float probs[NN_CLASSES], NnVerdict *verdict,
                        GError **error)
{
    g_return_val_if_fail(DL_IS_RECOGNIZER(self), DL_RECOGNITION_FAILED);
    g_return_val_if_fail(strokes != NULL, DL_RECOGNITION_FAILED);
    g_return_val_if_fail(image != NULL && probs != NULL, DL_RECOGNITION_FAILED);
    g_return_val_if_fail(error == NULL || *error == NULL, DL_RECOGNITION_FAILED);

    memset(image, 0, NN_IMAGE_PIXELS * sizeof *image);
    memset(probs, 0, NN_CLASSES * sizeof *probs);

    size_t n_strokes;
    const NnStroke *nn_strokes = dl_stroke_set_as_nn_strokes(strokes, &n_strokes);
    NnError err;
    NnStatus status = nn_strokes_to_image(nn_strokes, n_strokes, image, &err);
    if (status == NN_ERR_EMPTY)
        return DL_RECOGNITION_EMPTY;
    if (status != NN_OK) {
        g_set_error(error, DL_RECOGNIZER_ERROR, DL_RECOGNIZER_ERROR_ENGINE,
                    "Could not prepare the drawing: %s", err.message);
        return DL_RECOGNITION_FAILED;
    }

    DlRecognition result = dl_recognizer_predict(self, image, probs, verdict, error);
    /* A click or a slip of the pen on the canvas is no digit. */
    if (result == DL_RECOGNITION_DIGIT && verdict != NULL)
        nn_verdict_check_size(verdict, nn_strokes_extent(nn_strokes, n_strokes), DL_CANVAS_SIZE);
    return result;
}

DlRecognition
dl_recognizer_predict(DlRecognizer *self, const float image[NN_IMAGE_PIXELS], float probs[NN_CLASSES],
                      NnVerdict *verdict, GError **error)
{
    g_return_val_if_fail(DL_IS_RECOGNIZER(self), DL_RECOGNITION_FAILED);
    g_return_val_if_fail(image != NULL && probs != NULL, DL_RECOGNITION_FAILED);
    g_return_val_if_fail(error == NULL || *error == NULL, DL_RECOGNITION_FAILED);

    NnError err;
    memset(probs, 0, NN_CLASSES * sizeof *probs);
    if (self->model == NULL) {
        g_set_error_literal(error, DL_RECOGNIZER_ERROR, DL_RECOGNIZER_ERROR_NO_MODEL,
                            "No model is loaded");
        return DL_RECOGNITION_FAILED;
    }
    if (nn_model_predict(self->model, image, 1, probs, &err) != NN_OK) {
        memset(probs, 0, NN_CLASSES * sizeof *probs);
        g_set_error(error, DL_RECOGNIZER_ERROR, DL_RECOGNIZER_ERROR_ENGINE,
                    "Could not recognise the drawing: %s", err.message);
        return DL_RECOGNITION_FAILED;
    }
    if (verdict != NULL)
        *verdict = nn_verdict(self->model, probs);
    return DL_RECOGNITION_DIGIT;
}

int
dl_recognizer_best_digit(const float probs[NN_CLASSES])
{
    g_return_val_if_fail(probs != NULL, 0);

    return nn_argmax(probs, NN_CLASSES);
}
