/* libFuzzer target for the training-history CSV reader
 * (dl_history_load_csv, src/plot/dl-history.c), and what the plots then ask
 * of the history; see README.md.
 *
 * The input is the CSV file (fuzz-file.h). Besides the sanitizers, the
 * target aborts when the reader breaks its contract: a failure without a
 * message or one that changed the history, or a loaded history whose
 * learning-rate curve is not ascending in x. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "dl-history.h"
#include "fuzz-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static DlHistory *history;
    if (history == NULL)
        history = dl_history_new();
    NnSchedule schedule = nn_schedule_default();
    dl_history_reset(history, &schedule, 3, 10, FALSE);

    GError *error = NULL;
    if (!dl_history_load_csv(history, fuzz_file(data, size), &error)) {
        if (error == NULL || error->message[0] == '\0' || !dl_history_has_schedule(history) ||
            dl_history_get_n_epochs(history) != 3)
            abort();
        g_error_free(error);
        return 0;
    }
    guint n = 0;
    const DlPoint *curve = dl_history_get_schedule_curve(history, &n);
    for (guint i = 1; i < n; i++)
        if (!(curve[i].x >= curve[i - 1].x))
            abort();
    int epochs = dl_history_get_n_epochs(history);
    for (int k = 0; k <= 8; k++)
        (void)dl_history_lr_at(history, (double)epochs * k / 8.0);
    for (int s = 0; s < DL_N_SERIES; s++)
        (void)dl_history_get_series(history, (DlSeries)s, &n);
    guint n_epochs = 0;
    (void)dl_history_get_epochs(history, &n_epochs);
    return 0;
}
