/* dl-gallery-model.h — a list of test images for a GtkGridView: those of
 * one confusion-matrix cell, or every mistake, most confident first.
 *
 * A GListModel of DlTestImage over a DlEvaluation and an array of image
 * indices; the items are made when first asked for and then kept, so a
 * gallery of thousands costs only what is scrolled through. GLib only. */
#pragma once

#include <gio/gio.h>

#include "dl-evaluation.h"
#include "dl-test-image.h"

G_BEGIN_DECLS

#define DL_TYPE_GALLERY_MODEL (dl_gallery_model_get_type())
G_DECLARE_FINAL_TYPE(DlGalleryModel, dl_gallery_model, DL, GALLERY_MODEL, GObject)

/* The images labelled row and read as col, in test-set order. */
DlGalleryModel *dl_gallery_model_new_cell(DlEvaluation *evaluation, int row, int col);
/* All mistakes, the most confident first (dl_evaluation_get_mistakes()). */
DlGalleryModel *dl_gallery_model_new_mistakes(DlEvaluation *evaluation);

DlEvaluation *dl_gallery_model_get_evaluation(DlGalleryModel *self);
/* The cell shown, or -1, -1 for the mistakes. */
void dl_gallery_model_get_cell(DlGalleryModel *self, int *row, int *col);

G_END_DECLS
