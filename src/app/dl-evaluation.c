/* dl-evaluation.c — the test set and a model's results on it; see dl-evaluation.h. */
#include "dl-evaluation.h"

#include <stdlib.h>
#include <string.h>

#include "augment.h"

G_DEFINE_QUARK(dl-evaluation-error-quark, dl_evaluation_error)

/* ---- the test set ---------------------------------------------------------- */

struct _DlTestSet {
    NnDataset dataset;
};

G_DEFINE_BOXED_TYPE(DlTestSet, dl_test_set, dl_test_set_ref, dl_test_set_unref)

static void
test_set_clear(gpointer data)
{
    DlTestSet *self = data;

    nn_dataset_free(&self->dataset);
}

DlTestSet *
dl_test_set_new_take(NnDataset *dataset)
{
    g_return_val_if_fail(dataset != NULL, NULL);

    DlTestSet *self = g_atomic_rc_box_new0(DlTestSet);
    self->dataset = *dataset;
    memset(dataset, 0, sizeof *dataset);
    return self;
}

DlTestSet *
dl_test_set_load(const char *dir, GError **error)
{
    g_return_val_if_fail(dir != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    NnDataset dataset = { 0 };
    NnError err = { 0 };
    if (nn_dataset_load(dir, NN_SPLIT_TEST, &dataset, &err) != NN_OK) {
        g_set_error_literal(error, DL_EVALUATION_ERROR, err.status, err.message);
        return NULL;
    }
    return dl_test_set_new_take(&dataset);
}

DlTestSet *
dl_test_set_ref(DlTestSet *self)
{
    g_return_val_if_fail(self != NULL, NULL);

    return g_atomic_rc_box_acquire(self);
}

void
dl_test_set_unref(DlTestSet *self)
{
    g_return_if_fail(self != NULL);

    g_atomic_rc_box_release_full(self, test_set_clear);
}

int
dl_test_set_get_count(const DlTestSet *self)
{
    g_return_val_if_fail(self != NULL, 0);

    return self->dataset.count;
}

const NnDataset *
dl_test_set_get_dataset(const DlTestSet *self)
{
    g_return_val_if_fail(self != NULL, NULL);

    return &self->dataset;
}

int
dl_test_set_get_label(const DlTestSet *self, int index)
{
    g_return_val_if_fail(self != NULL, 0);
    g_return_val_if_fail(index >= 0 && index < self->dataset.count, 0);

    return self->dataset.labels[index];
}

const guint8 *
dl_test_set_get_pixels(const DlTestSet *self, int index)
{
    g_return_val_if_fail(self != NULL, NULL);
    g_return_val_if_fail(index >= 0 && index < self->dataset.count, NULL);

    return self->dataset.images + (size_t)index * NN_IMAGE_PIXELS;
}

void
dl_test_set_get_image(const DlTestSet *self, int index, float image[NN_IMAGE_PIXELS])
{
    g_return_if_fail(self != NULL && image != NULL);
    g_return_if_fail(index >= 0 && index < self->dataset.count);

    nn_image_to_float(dl_test_set_get_pixels(self, index), image);
}

/* ---- a model's results ----------------------------------------------------- */

struct _DlEvaluation {
    DlTestSet *test_set;
    NnEvalResult result;
    guint8 *predicted; /* count */
    float *probs;      /* count * NN_CLASSES */
};

G_DEFINE_BOXED_TYPE(DlEvaluation, dl_evaluation, dl_evaluation_ref, dl_evaluation_unref)

static void
evaluation_clear(gpointer data)
{
    DlEvaluation *self = data;

    g_clear_pointer(&self->test_set, dl_test_set_unref);
    g_free(self->predicted);
    g_free(self->probs);
}

typedef struct {
    GCancellable *cancellable;
    DlEvaluationProgress progress;
    gpointer user_data;
} Callbacks;

static bool
should_stop(void *user)
{
    Callbacks *callbacks = user;

    return g_cancellable_is_cancelled(callbacks->cancellable);
}

static void
on_progress(int done, int total, void *user)
{
    Callbacks *callbacks = user;

    if (callbacks->progress != NULL)
        callbacks->progress(done, total, callbacks->user_data);
}

DlEvaluation *
dl_evaluation_compute(NnModel *model, DlTestSet *test_set, GCancellable *cancellable,
                      DlEvaluationProgress progress, gpointer user_data, GError **error)
{
    g_return_val_if_fail(model != NULL && test_set != NULL, NULL);
    g_return_val_if_fail(cancellable == NULL || G_IS_CANCELLABLE(cancellable), NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    int count = test_set->dataset.count;
    g_autofree guint8 *predicted = g_try_malloc((size_t)MAX(count, 1));
    g_autofree float *probs = g_try_malloc(sizeof(float) * NN_CLASSES * (size_t)MAX(count, 1));
    if (predicted == NULL || probs == NULL) {
        g_set_error_literal(error, DL_EVALUATION_ERROR, NN_ERR_NOMEM, "out of memory for the evaluation");
        return NULL;
    }

    Callbacks callbacks = { cancellable, progress, user_data };
    NnEvalOptions options = {
        .predicted = predicted,
        .probs = probs,
        .progress = on_progress,
        .should_stop = cancellable != NULL ? should_stop : NULL,
        .user = &callbacks,
    };
    NnEvalResult result;
    NnError err = { 0 };
    if (nn_evaluate_ex(model, &test_set->dataset, &options, &result, &err) != NN_OK) {
        if (err.status == NN_ERR_CANCELLED)
            g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_CANCELLED, err.message);
        else
            g_set_error_literal(error, DL_EVALUATION_ERROR, err.status, err.message);
        return NULL;
    }

    DlEvaluation *self = g_atomic_rc_box_new0(DlEvaluation);
    self->test_set = dl_test_set_ref(test_set);
    self->result = result;
    self->predicted = g_steal_pointer(&predicted);
    self->probs = g_steal_pointer(&probs);
    return self;
}

DlEvaluation *
dl_evaluation_ref(DlEvaluation *self)
{
    g_return_val_if_fail(self != NULL, NULL);

    return g_atomic_rc_box_acquire(self);
}

void
dl_evaluation_unref(DlEvaluation *self)
{
    g_return_if_fail(self != NULL);

    g_atomic_rc_box_release_full(self, evaluation_clear);
}

DlTestSet *
dl_evaluation_get_test_set(const DlEvaluation *self)
{
    g_return_val_if_fail(self != NULL, NULL);

    return self->test_set;
}

int
dl_evaluation_get_count(const DlEvaluation *self)
{
    g_return_val_if_fail(self != NULL, 0);

    return self->result.n;
}

const NnEvalResult *
dl_evaluation_get_result(const DlEvaluation *self)
{
    g_return_val_if_fail(self != NULL, NULL);

    return &self->result;
}

int
dl_evaluation_get_predicted(const DlEvaluation *self, int index)
{
    g_return_val_if_fail(self != NULL, 0);
    g_return_val_if_fail(index >= 0 && index < self->result.n, 0);

    return self->predicted[index];
}

const float *
dl_evaluation_get_probs(const DlEvaluation *self, int index)
{
    g_return_val_if_fail(self != NULL, NULL);
    g_return_val_if_fail(index >= 0 && index < self->result.n, NULL);

    return self->probs + (size_t)index * NN_CLASSES;
}

double
dl_evaluation_get_recall(const DlEvaluation *self, int digit)
{
    g_return_val_if_fail(self != NULL, -1);
    g_return_val_if_fail(digit >= 0 && digit < NN_CLASSES, -1);

    int total = 0;
    for (int j = 0; j < NN_CLASSES; j++)
        total += self->result.confusion[digit][j];
    return total > 0 ? (double)self->result.confusion[digit][digit] / total : -1;
}

double
dl_evaluation_get_precision(const DlEvaluation *self, int digit)
{
    g_return_val_if_fail(self != NULL, -1);
    g_return_val_if_fail(digit >= 0 && digit < NN_CLASSES, -1);

    int total = 0;
    for (int i = 0; i < NN_CLASSES; i++)
        total += self->result.confusion[i][digit];
    return total > 0 ? (double)self->result.confusion[digit][digit] / total : -1;
}

guint *
dl_evaluation_get_cell_images(const DlEvaluation *self, int row, int col, guint *n)
{
    g_return_val_if_fail(self != NULL && n != NULL, NULL);
    g_return_val_if_fail(row >= 0 && row < NN_CLASSES && col >= 0 && col < NN_CLASSES, NULL);

    const guint8 *labels = self->test_set->dataset.labels;
    guint *indices = g_new(guint, MAX(self->result.confusion[row][col], 1));
    guint count = 0;
    for (int i = 0; i < self->result.n; i++)
        if (labels[i] == row && self->predicted[i] == col)
            indices[count++] = (guint)i;
    *n = count;
    return indices;
}

static int
by_confidence(gconstpointer a, gconstpointer b, gpointer user_data)
{
    const DlEvaluation *self = user_data;
    guint i = *(const guint *)a, j = *(const guint *)b;
    float pi = self->probs[(size_t)i * NN_CLASSES + self->predicted[i]];
    float pj = self->probs[(size_t)j * NN_CLASSES + self->predicted[j]];

    if (pi != pj)
        return pi > pj ? -1 : 1;
    return i < j ? -1 : i > j;
}

guint *
dl_evaluation_get_mistakes(const DlEvaluation *self, guint *n)
{
    g_return_val_if_fail(self != NULL && n != NULL, NULL);

    const guint8 *labels = self->test_set->dataset.labels;
    int wrong = 0;
    for (int k = 0; k < NN_CLASSES; k++)
        for (int j = 0; j < NN_CLASSES; j++)
            if (j != k)
                wrong += self->result.confusion[k][j];
    guint *indices = g_new(guint, MAX(wrong, 1));
    guint count = 0;
    for (int i = 0; i < self->result.n; i++)
        if (labels[i] != self->predicted[i])
            indices[count++] = (guint)i;
    g_qsort_with_data(indices, (int)count, sizeof *indices, by_confidence, (gpointer)self);
    *n = count;
    return indices;
}

/* ---- models ------------------------------------------------------------------ */

NnModel *
dl_model_copy(const NnModel *model, GError **error)
{
    g_return_val_if_fail(model != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    NnModel *copy = NULL;
    NnError err = { 0 };
    if (nn_model_new(nn_model_config(model), 0, &copy, &err) != NN_OK
        || nn_model_copy_weights(copy, model, &err) != NN_OK) {
        nn_model_free(copy);
        g_set_error_literal(error, DL_EVALUATION_ERROR, err.status, err.message);
        return NULL;
    }
    nn_model_set_epochs_done(copy, nn_model_epochs_done(model));
    return copy;
}
