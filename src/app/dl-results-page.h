/* dl-results-page.h — the Results page: how the current model does on
 * MNIST's test set.
 *
 * The confusion matrix of the session's latest evaluation (DlConfusionView;
 * it follows every epoch while training), and a gallery of test images
 * (GtkGridView over a DlGalleryModel): all mistakes, the most confident
 * first, or, after a click on a cell (or Enter), exactly that cell's images.
 * Activating an image makes it the input of the prediction
 * (dl_session_set_input_test_image()) and activates "win.show-prediction".
 * Without MNIST it says so and offers "win.get-data".
 *
 * Accessible descriptions: "gallery-title", "gallery-count" ("7 images"),
 * "gallery" (the grid), "results-model", "results-status". */
#pragma once

#include <gtk/gtk.h>

#include "dl-session.h"

G_BEGIN_DECLS

#define DL_TYPE_RESULTS_PAGE (dl_results_page_get_type())
G_DECLARE_FINAL_TYPE(DlResultsPage, dl_results_page, DL, RESULTS_PAGE, GtkWidget)

void dl_results_page_set_session(DlResultsPage *self, DlSession *session);

G_END_DECLS
