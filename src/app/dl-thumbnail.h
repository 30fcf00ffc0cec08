/* dl-thumbnail.h — a test image in a gallery: the 28x28 image as the
 * network sees it (white ink on black), "4 → 9" (its label, then the digit
 * read, that one in the error colour when wrong) and a bar of the
 * probability the model gave the digit it read. Drawn when shown.
 *
 * Accessible label: "MNIST test image #1234, labelled 4, read as 9 (97 %)". */
#pragma once

#include <gtk/gtk.h>

#include "dl-test-image.h"

G_BEGIN_DECLS

#define DL_TYPE_THUMBNAIL (dl_thumbnail_get_type())
G_DECLARE_FINAL_TYPE(DlThumbnail, dl_thumbnail, DL, THUMBNAIL, GtkWidget)

/* NULL: nothing (a recycled list item). */
void dl_thumbnail_set_image(DlThumbnail *self, DlTestImage *image);
DlTestImage *dl_thumbnail_get_image(DlThumbnail *self);

G_END_DECLS
