/* dl-test-image.h — one MNIST test image as a gallery shows it: its index
 * in the test set, its label, and what a model made of it (the digit it
 * read and the ten probabilities). An item of DlGalleryModel; it keeps its
 * DlEvaluation (and so the pixels) alive. GLib only, no GTK. */
#pragma once

#include <glib-object.h>

#include "dl-evaluation.h"

G_BEGIN_DECLS

#define DL_TYPE_TEST_IMAGE (dl_test_image_get_type())
G_DECLARE_FINAL_TYPE(DlTestImage, dl_test_image, DL, TEST_IMAGE, GObject)

DlTestImage *dl_test_image_new(DlEvaluation *evaluation, guint index);

/* Its index in the test set, from 0, in the order of MNIST's file. */
guint dl_test_image_get_index(DlTestImage *self);
int dl_test_image_get_label(DlTestImage *self);
int dl_test_image_get_predicted(DlTestImage *self);
/* The probability the model gave the digit it read. */
float dl_test_image_get_confidence(DlTestImage *self);
const float *dl_test_image_get_probs(DlTestImage *self);
/* 784 bytes, row-major, 0 background, 255 ink. */
const guint8 *dl_test_image_get_pixels(DlTestImage *self);

/* "MNIST test image #1234, labelled 4": what the canvas's prediction names
 * when this image is its input. */
char *dl_test_image_describe(guint index, int label);

G_END_DECLS
