/* dl-report.h — the one-page handout of a training run.
 *
 * A DlReport gathers what the page shows: a title and subtitle, the run's
 * settings and its final metrics (name and value rows, in the order added,
 * so a new setting is one more call), the history for the three plots, the
 * confusion matrix on the test set (or why there is none), and notes.
 * dl_draw_report() lays it out on a page; dl_report_save_pdf() writes it.
 *
 * dl_report_add_model_settings() and dl_report_add_history() fill in what a
 * model and a history say; callers add anything else they know.
 */
#pragma once

#include "dl-draw.h"
#include "model.h"

G_BEGIN_DECLS

/* Page sizes in points. */
#define DL_REPORT_A4_WIDTH 595.276
#define DL_REPORT_A4_HEIGHT 841.89
#define DL_REPORT_LETTER_WIDTH 612.0
#define DL_REPORT_LETTER_HEIGHT 792.0

typedef struct _DlReport DlReport;

DlReport *dl_report_new(const char *title);
void dl_report_free(DlReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DlReport, dl_report_free)

void dl_report_set_subtitle(DlReport *report, const char *subtitle);

/* A row of the settings block, or of the metrics block. */
void dl_report_add_setting(DlReport *report, const char *name, const char *format, ...) G_GNUC_PRINTF(3, 4);
void dl_report_add_metric(DlReport *report, const char *name, const char *format, ...) G_GNUC_PRINTF(3, 4);

/* A sentence printed at the foot of the page. */
void dl_report_add_note(DlReport *report, const char *note);

/* The history of the plots; also adds its settings (epochs, learning rates,
 * time) and final metrics: the last epoch's validation accuracy and loss,
 * its training values (with augmentation and dropout), and the best epoch,
 * labelled as chosen on the validation set. */
void dl_report_add_history(DlReport *report, DlHistory *history);

/* What the model file says: the network (nn_model_config_describe():
 * blocks, filters, dense units, BN, dropout, padding), its parameters,
 * epochs and optimizer steps done (batches per epoch). */
void dl_report_add_model_settings(DlReport *report, const NnModel *model);

/* The confusion matrix of the model on the test set (say which in a
 * metric or note). */
void dl_report_set_confusion(DlReport *report, const int confusion[DL_DRAW_CLASSES][DL_DRAW_CLASSES]);

/* No matrix: the page says why in its place ("MNIST was not found …"). */
void dl_report_set_confusion_missing(DlReport *report, const char *why);

/* Draws the page (width x height points, A4 or Letter) in `style`. */
void dl_draw_report(cairo_t *cr, double width, double height, const DlReport *report,
                    const DlDrawStyle *style);

/* Writes the report as a one-page PDF of that size, whole or not at all. */
gboolean dl_report_save_pdf(const DlReport *report, const char *path, double width, double height,
                            GError **error);

G_END_DECLS
