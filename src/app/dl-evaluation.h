/* dl-evaluation.h — MNIST's test set and one model's results on it, per
 * image: what the Results page and the galleries show.
 *
 * Both are immutable once made and reference-counted (atomically), so the
 * main thread and an evaluation worker can share them without locks:
 *
 *   DlTestSet     the test images and labels, loaded once (dl_test_set_load()
 *                 blocks: call it in a worker).
 *   DlEvaluation  a model's predicted digit and ten probabilities for every
 *                 image of a test set, the confusion matrix, accuracy and loss
 *                 (nn_evaluate_ex() underneath). It keeps its test set alive.
 *
 * dl_evaluation_compute() blocks too and runs the model given, which it uses
 * for scratch space: give it a model no other thread uses (a copy, see
 * dl_model_copy()). GLib only, no GTK; unit-tested in tests/test-evaluation.c.
 */
#pragma once

#include <gio/gio.h>

#include "evaluate.h"
#include "idx.h"
#include "model.h"

G_BEGIN_DECLS

#define DL_EVALUATION_ERROR (dl_evaluation_error_quark())
GQuark dl_evaluation_error_quark(void);
/* Error codes are the engine's NnStatus values; a cancelled evaluation is
 * G_IO_ERROR_CANCELLED. */

/* ---- the test set ---------------------------------------------------------- */

typedef struct _DlTestSet DlTestSet;

#define DL_TYPE_TEST_SET (dl_test_set_get_type())
GType dl_test_set_get_type(void);

/* Reads the MNIST test split (t10k-*) from dir. Blocks. */
DlTestSet *dl_test_set_load(const char *dir, GError **error);
/* Takes the dataset's arrays (the struct is zeroed): for tests. */
DlTestSet *dl_test_set_new_take(NnDataset *dataset);
DlTestSet *dl_test_set_ref(DlTestSet *self);
void dl_test_set_unref(DlTestSet *self);

int dl_test_set_get_count(const DlTestSet *self);
const NnDataset *dl_test_set_get_dataset(const DlTestSet *self);
int dl_test_set_get_label(const DlTestSet *self, int index);
/* The image's 784 bytes, row-major, 0 background, 255 ink. */
const guint8 *dl_test_set_get_pixels(const DlTestSet *self, int index);
/* The image as the network gets it (ink 1). */
void dl_test_set_get_image(const DlTestSet *self, int index, float image[NN_IMAGE_PIXELS]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DlTestSet, dl_test_set_unref)

/* ---- a model's results ----------------------------------------------------- */

typedef struct _DlEvaluation DlEvaluation;

#define DL_TYPE_EVALUATION (dl_evaluation_get_type())
GType dl_evaluation_get_type(void);

/* Called from the computing thread after each batch. */
typedef void (*DlEvaluationProgress)(int done, int total, gpointer user_data);

/* Runs model over the whole test set. Blocks; cancellable is polled between
 * batches. */
DlEvaluation *dl_evaluation_compute(NnModel *model, DlTestSet *test_set, GCancellable *cancellable,
                                    DlEvaluationProgress progress, gpointer user_data, GError **error);
DlEvaluation *dl_evaluation_ref(DlEvaluation *self);
void dl_evaluation_unref(DlEvaluation *self);

DlTestSet *dl_evaluation_get_test_set(const DlEvaluation *self);
int dl_evaluation_get_count(const DlEvaluation *self);
/* Loss, accuracy and the confusion matrix, [true label][predicted]. */
const NnEvalResult *dl_evaluation_get_result(const DlEvaluation *self);
int dl_evaluation_get_predicted(const DlEvaluation *self, int index);
/* The ten probabilities the model gave the image. */
const float *dl_evaluation_get_probs(const DlEvaluation *self, int index);

/* Of the images labelled digit, the share read as digit (its accuracy);
 * -1 when the test set has none. */
double dl_evaluation_get_recall(const DlEvaluation *self, int digit);
/* Of the images read as digit, the share that were labelled digit; -1 when
 * the model read none as digit. */
double dl_evaluation_get_precision(const DlEvaluation *self, int digit);

/* The images labelled row and read as col, ascending; *n gets their number
 * (the confusion matrix's count). Free with g_free(). */
guint *dl_evaluation_get_cell_images(const DlEvaluation *self, int row, int col, guint *n);
/* Every image read wrongly, the most confident mistakes first (by the
 * probability of the digit the model read; ties in ascending order). */
guint *dl_evaluation_get_mistakes(const DlEvaluation *self, guint *n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DlEvaluation, dl_evaluation_unref)

/* ---- models ------------------------------------------------------------------ */

/* A new model with model's configuration and weights (for a worker), or NULL
 * with error set. */
NnModel *dl_model_copy(const NnModel *model, GError **error);

G_END_DECLS
