/* dl-drawings-page.h — the Drawings page: the class's drawings
 * (DlCollection) and what the current model makes of them.
 *
 *   - the drawings grouped by digit as thumbnails (what the network sees),
 *     each marked when the model reads it as another digit; activating one
 *     (click, Enter) opens a popover to relabel or delete it (Delete does
 *     that too), with Undo in a toast;
 *   - the student drawing now (an entry bound to the collection's
 *     "student"), Import and Export of .jsonl files, duplicates skipped and
 *     counted;
 *   - the current model's accuracy on the drawings beside its accuracy on
 *     MNIST's test set (the session's evaluation), and the confusion matrix
 *     of the drawings (DlConfusionView);
 *   - "Teach It Our Handwriting": the model fine-tuned on the drawings
 *     (DlFinetuner), every fifth drawing held back to measure it, before and
 *     after on those and on MNIST; the taught model becomes the session's
 *     (unsaved), and "Use the Previous Model" goes back (and forth).
 *
 * The page loads the collection when it gets the session. Accessible
 * descriptions: "drawings-page" (the page), "drawings-summary", "drawings-accuracy",
 * "drawings-mnist-accuracy", "drawings-problems", "drawings-status" (the
 * empty page), "student-name", "teach-result", "drawings-group-N" (the
 * heading of digit N's group); thumbnails are labelled "Drawing labelled 7,
 * read as 1 (62 %), by Ana". */
#pragma once

#include <gtk/gtk.h>

#include "dl-session.h"

G_BEGIN_DECLS

#define DL_TYPE_DRAWINGS_PAGE (dl_drawings_page_get_type())
G_DECLARE_FINAL_TYPE(DlDrawingsPage, dl_drawings_page, DL, DRAWINGS_PAGE, GtkWidget)

void dl_drawings_page_set_session(DlDrawingsPage *self, DlSession *session);

G_END_DECLS
