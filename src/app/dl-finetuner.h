/* dl-finetuner.h — "Teach it our handwriting": a model fine-tuned on the
 * class's drawings (nn_finetune(), finetune.h) in a worker thread.
 *
 * The worker gets its own copy of the model, the drawings to learn from
 * and those held back (never learnt from), reads MNIST's training images
 * for the mix when the folder has them (else it learns from the drawings
 * alone, and says so), and measures the model before and after on the
 * held-back drawings and on MNIST's test set. If the model's recipe held
 * out the last MNIST training images for its calibration (`train
 * --calibrate N`, as the bundled model did), they stay out of the mix and
 * calibrate the taught model again (nn_calibrate); otherwise it keeps the
 * temperature and verdict thresholds of the model it came from
 * (nn_finetune leaves the temperature at 1).
 *
 * Progress reaches the main thread by the latest-value pattern
 * (DlProgress): properties "fraction" (0-1, of the learning) and "phase"
 * (a sentence), and "busy". Cancelling stops at the next batch (the result
 * is then G_IO_ERROR_CANCELLED and nothing changes). GLib only, no GTK; all
 * public calls belong to the main thread.
 */
#pragma once

#include <gio/gio.h>

#include "dl-evaluation.h"
#include "finetune.h"

G_BEGIN_DECLS

#define DL_FINETUNER_ERROR (dl_finetuner_error_quark())
GQuark dl_finetuner_error_quark(void);
/* Error codes are the engine's NnStatus values. */

typedef struct {
    NnModel *model;        /* taken: the worker's own copy */
    DlTestSet *drawings;   /* taken: to learn from (labels 0-9) */
    DlTestSet *held_back;  /* taken, may be NULL: measured before and after, never learnt from */
    char *data_dir;        /* taken, may be NULL: MNIST's folder, for the mix */
    DlTestSet *mnist_test; /* taken, may be NULL: MNIST's test set, measured before and after */
    double mnist_before;   /* the model's accuracy on mnist_test if known, else < 0 */
    NnFinetuneConfig config;
} DlFinetuneRequest;

/* Frees what a request holds (one not given to dl_finetuner_run_async()). */
void dl_finetune_request_clear(DlFinetuneRequest *request);

typedef struct {
    NnModel *model;           /* the taught model */
    gboolean with_mnist;      /* learnt mixed with MNIST's training images */
    int drawings;             /* drawings learnt from */
    int held_back;            /* drawings held back, 0 for none */
    int held_before, held_after; /* of them, read correctly before and after */
    double mnist_before, mnist_after; /* accuracy on MNIST's test set, < 0 without it */
    DlEvaluation *mnist_evaluation;   /* the taught model's on MNIST's test set, or NULL */
    int calibrated_on;        /* held-out MNIST images it was calibrated on again, 0: calibration kept */
    double seconds;
} DlFinetuneResult;

void dl_finetune_result_free(DlFinetuneResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DlFinetuneResult, dl_finetune_result_free)

#define DL_TYPE_FINETUNER (dl_finetuner_get_type())
G_DECLARE_FINAL_TYPE(DlFinetuner, dl_finetuner, DL, FINETUNER, GObject)

DlFinetuner *dl_finetuner_new(void);

gboolean dl_finetuner_get_busy(DlFinetuner *self);
double dl_finetuner_get_fraction(DlFinetuner *self);
const char *dl_finetuner_get_phase(DlFinetuner *self);

/* Starts (the finetuner must be idle); request's contents are taken and
 * the struct zeroed. */
void dl_finetuner_run_async(DlFinetuner *self, DlFinetuneRequest *request, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data);
/* The result (free with dl_finetune_result_free()), or NULL with error. */
DlFinetuneResult *dl_finetuner_run_finish(DlFinetuner *self, GAsyncResult *result, GError **error);

G_END_DECLS
