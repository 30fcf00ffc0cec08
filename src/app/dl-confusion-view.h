/* dl-confusion-view.h — the confusion matrix of an evaluation, as a widget.
 *
 * Draws with dl_draw_confusion() (src/plot) in the app's colours, light or
 * dark, and finds cells with dl_draw_confusion_hit(). The pointer highlights
 * the cell under it; a click emits "cell-activated" (row: the true digit,
 * col: the digit read). From the keyboard, the arrow keys move a focused
 * cell (Home and End to the row's ends) and Enter or Space activates it.
 *
 * Accessible label "Confusion matrix"; the description tells the cell
 * highlighted ("Labelled 4, read as 9: 7 images, 0.7 % of the 4s"), or,
 * with none, the overall result. */
#pragma once

#include <gtk/gtk.h>

#include "dl-evaluation.h"

G_BEGIN_DECLS

#define DL_TYPE_CONFUSION_VIEW (dl_confusion_view_get_type())
G_DECLARE_FINAL_TYPE(DlConfusionView, dl_confusion_view, DL, CONFUSION_VIEW, GtkWidget)

GtkWidget *dl_confusion_view_new(void);

/* The evaluation shown (a reference is kept), or NULL for none. */
void dl_confusion_view_set_evaluation(DlConfusionView *self, DlEvaluation *evaluation);

/* The evaluation is of drawings (the class's), not of MNIST's test images:
 * the description says so. */
void dl_confusion_view_set_drawings(DlConfusionView *self, gboolean drawings);

/* The cell that the keyboard moves and opens, -1 -1 for none. */
void dl_confusion_view_get_focus_cell(DlConfusionView *self, int *row, int *col);

/* "Labelled 4, read as 9: 7 images" and the like, for a cell of an
 * evaluation (also the gallery's heading). */
char *dl_confusion_describe_cell(DlEvaluation *evaluation, int row, int col);

G_END_DECLS
