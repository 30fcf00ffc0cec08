/* libFuzzer target for the run folder's run.json reader (dl_run_load,
 * src/plot/dl-run.c): the Runs page reads the run.json of every folder it
 * lists, and imports folders from elsewhere (digitlab-cli ablation's, a
 * colleague's); see README.md.
 *
 * The input is run.json, in a folder of its own made once per process (the
 * reader takes a folder). Besides the sanitizers, the target aborts when
 * the reader breaks its contract: a failure without a message, or a loaded
 * run whose settings the engine refuses, whose status has no name, or
 * whose final epoch or epoch count is out of its range. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "dl-run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *dir, *json;
    if (dir == NULL) {
        dir = g_dir_make_tmp("fuzz-run-XXXXXX", NULL);
        if (dir == NULL)
            abort();
        json = g_build_filename(dir, "run.json", NULL);
    }
    if (!g_file_set_contents(json, (const char *)data, (gssize)size, NULL))
        abort();

    GError *error = NULL;
    DlRun *run = dl_run_load(dir, &error);
    if (run == NULL) {
        if (error == NULL || error->message[0] == '\0')
            abort();
        g_error_free(error);
        return 0;
    }
    const DlRunSettings *s = dl_run_get_settings(run);
    NnError err;
    if (s == NULL || dl_run_status_name(dl_run_get_status(run)) == NULL || dl_run_get_epochs_done(run) < 0 ||
        dl_run_get_name(run) == NULL || nn_model_config_check(&s->model, &err) != NN_OK)
        abort();
    const NnEpochStats *last = dl_run_get_final(run);
    if (last != NULL && !(last->val_accuracy >= 0 && last->val_accuracy <= 1 && isfinite(last->val_loss)))
        abort();
    char *why = NULL;
    (void)dl_run_can_resume(run, &why);
    g_free(why);
    dl_run_unref(run);
    return 0;
}
