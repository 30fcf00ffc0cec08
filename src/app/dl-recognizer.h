/* dl-recognizer.h — from the strokes on the canvas to a digit.
 *
 * Holds the model the canvas uses and runs the same two steps as
 * `digitlab-cli predict --strokes`: nn_strokes_to_image() (MNIST-style
 * normalisation) then nn_model_predict(), so the app and the CLI agree
 * exactly; the verdict also knows the canvas (nn_verdict_check_size with
 * DL_CANVAS_SIZE), so a click is not a digit. One call takes a few milliseconds, cheap enough to run on every
 * "changed" of the canvas while a stroke is drawn.
 *
 * Main thread only: prediction writes into the model's scratch buffers, so
 * the model given here must not be one a training worker is using (give a
 * copy, e.g. made with nn_model_copy_weights() at the end of an epoch).
 *
 * Wiring, in the window:
 *
 *     float image[NN_IMAGE_PIXELS], probs[NN_CLASSES];
 *     NnVerdict verdict;
 *     switch (dl_recognizer_recognize(recognizer, dl_canvas_get_strokes(canvas),
 *                                     image, probs, &verdict, &error)) {
 *     case DL_RECOGNITION_DIGIT: dl_digit_view_set_result(view, image, probs, &verdict); break;
 *     case DL_RECOGNITION_EMPTY: dl_digit_view_clear(view); break;
 *     case DL_RECOGNITION_FAILED: ... error->message ...
 *     }
 *
 * GLib/GObject only, no GTK.
 */
#pragma once

#include <glib-object.h>

#include "model.h"
#include "stroke-set.h"
#include "verdict.h"

G_BEGIN_DECLS

#define DL_RECOGNIZER_ERROR (dl_recognizer_error_quark())

typedef enum {
    DL_RECOGNIZER_ERROR_NO_MODEL, /* recognise called before a model was set */
    DL_RECOGNIZER_ERROR_ENGINE,   /* the engine failed: bad model file, bad input, no memory */
} DlRecognizerError;

GQuark dl_recognizer_error_quark(void);

typedef enum {
    DL_RECOGNITION_FAILED, /* error is set */
    DL_RECOGNITION_EMPTY,  /* nothing drawn: image and probs are zeros; show the empty state */
    DL_RECOGNITION_DIGIT,  /* image, probs and the verdict hold the result */
} DlRecognition;

#define DL_TYPE_RECOGNIZER (dl_recognizer_get_type())
G_DECLARE_FINAL_TYPE(DlRecognizer, dl_recognizer, DL, RECOGNIZER, GObject)

DlRecognizer *dl_recognizer_new(void);

/* Replaces the model (freeing the previous one) and takes ownership of
 * model; NULL removes it. Notifies "has-model" when that changes. */
void dl_recognizer_set_model(DlRecognizer *self, NnModel *model);
/* The model, owned by the recognizer; NULL if none. */
NnModel *dl_recognizer_get_model(DlRecognizer *self);
gboolean dl_recognizer_has_model(DlRecognizer *self);

/* Loads a model file and, on success only, makes it the model: on failure
 * the current model stays and error says what is wrong with the file. */
gboolean dl_recognizer_load_model(DlRecognizer *self, const char *path, GError **error);

/* Recognises the drawing. image gets the 28x28 input the model sees (ink 1,
 * row-major), probs the ten class probabilities (at the model's calibrated
 * temperature) and verdict, if not NULL, what they are worth with the
 * model's thresholds (nn_verdict(): sure, unsure or not a digit; only set
 * for DL_RECOGNITION_DIGIT). Without a model the result is
 * DL_RECOGNITION_FAILED (DL_RECOGNIZER_ERROR_NO_MODEL) but image is still
 * filled in. */
DlRecognition dl_recognizer_recognize(DlRecognizer *self, DlStrokeSet *strokes,
                                      float image[NN_IMAGE_PIXELS], float probs[NN_CLASSES],
                                      NnVerdict *verdict, GError **error);

/* Predicts an image that is already the network's input (a test image):
 * DL_RECOGNITION_DIGIT with probs and verdict (may be NULL), or
 * DL_RECOGNITION_FAILED without a model. */
DlRecognition dl_recognizer_predict(DlRecognizer *self, const float image[NN_IMAGE_PIXELS],
                                    float probs[NN_CLASSES], NnVerdict *verdict, GError **error);

/* The most probable digit (the first one on ties). */
int dl_recognizer_best_digit(const float probs[NN_CLASSES]);

G_END_DECLS
