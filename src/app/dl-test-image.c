/* dl-test-image.c — a test image of a gallery; see dl-test-image.h. */
#include "dl-test-image.h"

#include <glib/gi18n.h>

struct _DlTestImage {
    GObject parent_instance;

    DlEvaluation *evaluation;
    guint index;
};

G_DEFINE_FINAL_TYPE(DlTestImage, dl_test_image, G_TYPE_OBJECT)

static void
dl_test_image_finalize(GObject *object)
{
    DlTestImage *self = DL_TEST_IMAGE(object);

    g_clear_pointer(&self->evaluation, dl_evaluation_unref);
    G_OBJECT_CLASS(dl_test_image_parent_class)->finalize(object);
}

static void
dl_test_image_class_init(DlTestImageClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = dl_test_image_finalize;
}

static void
dl_test_image_init(DlTestImage *self)
{
}

DlTestImage *
dl_test_image_new(DlEvaluation *evaluation, guint index)
{
    g_return_val_if_fail(evaluation != NULL, NULL);
    g_return_val_if_fail(index < (guint)dl_evaluation_get_count(evaluation), NULL);

    DlTestImage *self = g_object_new(DL_TYPE_TEST_IMAGE, NULL);
    self->evaluation = dl_evaluation_ref(evaluation);
    self->index = index;
    return self;
}

guint
dl_test_image_get_index(DlTestImage *self)
{
    g_return_val_if_fail(DL_IS_TEST_IMAGE(self), 0);

    return self->index;
}

int
dl_test_image_get_label(DlTestImage *self)
{
    g_return_val_if_fail(DL_IS_TEST_IMAGE(self), 0);

    return dl_test_set_get_label(dl_evaluation_get_test_set(self->evaluation), (int)self->index);
}

int
dl_test_image_get_predicted(DlTestImage *self)
{
    g_return_val_if_fail(DL_IS_TEST_IMAGE(self), 0);

    return dl_evaluation_get_predicted(self->evaluation, (int)self->index);
}

float
dl_test_image_get_confidence(DlTestImage *self)
{
    g_return_val_if_fail(DL_IS_TEST_IMAGE(self), 0);

    return dl_test_image_get_probs(self)[dl_test_image_get_predicted(self)];
}

const float *
dl_test_image_get_probs(DlTestImage *self)
{
    g_return_val_if_fail(DL_IS_TEST_IMAGE(self), NULL);

    return dl_evaluation_get_probs(self->evaluation, (int)self->index);
}

const guint8 *
dl_test_image_get_pixels(DlTestImage *self)
{
    g_return_val_if_fail(DL_IS_TEST_IMAGE(self), NULL);

    return dl_test_set_get_pixels(dl_evaluation_get_test_set(self->evaluation), (int)self->index);
}

char *
dl_test_image_describe(guint index, int label)
{
    /* TRANSLATORS: the input of the prediction: an image of MNIST's test set, by its number */
    return g_strdup_printf(_("MNIST test image #%u, labelled %d"), index, label);
}
