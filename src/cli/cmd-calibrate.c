/* digitlab-cli calibrate — calibrate a trained model again, with this
 * version's rules (verdict.h: nn_calibrate), on the MNIST training images
 * its training held out.
 *
 * Which images those are, the model's recipe says: `train --calibrate N`
 * held out the last N training images, and a fine-tuning after it kept
 * them out only if it had --calibrate N too ("holding out the last N MNIST
 * images" in the recipe). A model whose every stage saw all of them has
 * nothing to calibrate on: calibrating on images it trained on would make
 * it surer than it is, so that is refused, unless --held-out N says which
 * images it never saw (for a recipe this cannot read). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-common.h"
#include "cli.h"
#include "dl-recipe.h"
#include "fileio.h"
#include "gemm.h"
#include "verdict.h"

int
cmd_calibrate(int argc, char **argv)
{
    g_autofree char *model_path = NULL, *out = NULL, *data = NULL;
    int held_out = 0, threads = 0;
    double share = NN_CALIBRATE_UNSURE_SHARE;
    const GOptionEntry entries[] = {
        { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Model to calibrate (required)", "MODEL" },
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Where to save the calibrated model (required; may be MODEL)", "MODEL" },
        { "held-out", 0, 0, G_OPTION_ARG_INT, &held_out,
          "Calibrate on the last N MNIST training images, which the model never saw (default: as its recipe says)", "N" },
        { "unsure-share", 0, 0, G_OPTION_ARG_DOUBLE, &share,
          "Share of the correctly read held-out images whose answer is 'unsure' (0.01)", "F" },
        { "data", 0, 0, G_OPTION_ARG_FILENAME, &data, "MNIST folder (default: $DIGITLAB_DATA, else ~/.local/share/digitlab/mnist)", "DIR" },
        { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Threads (default: all cores)", "N" },
        G_OPTION_ENTRY_NULL
    };
    if (!cli_parse_options(&argc, &argv, "", "Calibrate a trained model again on the MNIST images it held out.", entries))
        return 2;
    if (model_path == NULL || out == NULL || argc > 1) {
        fprintf(stderr, "calibrate: %s\nUsage: digitlab-cli calibrate --model M --out M2 [--held-out N] [--data MNIST]\n",
                argc > 1 ? "unexpected argument" : "--model and --out are required");
        return 2;
    }
    if (!cli_check_range("calibrate", "held-out", held_out, 0, 59000, FALSE) ||
        !cli_check_range("calibrate", "threads", threads, 0, 1024, FALSE) ||
        !cli_check_range("calibrate", "unsure-share", share, 0, 0.5, TRUE))
        return 2;
    if (held_out > 0 && held_out < 100) {
        fprintf(stderr, "calibrate: --held-out needs 100 or more images\n");
        return 2;
    }
    NnError err = { 0 };
    if (nn_file_check_writable(out, &err) != NN_OK) {
        fprintf(stderr, "calibrate: --out: %s\n", err.message);
        return 2;
    }
    NnModel *model = NULL;
    if (nn_model_load(model_path, &model, &err) != NN_OK) {
        fprintf(stderr, "calibrate: %s\n", err.message);
        return 1;
    }
    int rc = 1;
    NnDataset mnist = { 0 };
    g_autofree char *out_name = NULL;
    if (held_out == 0 && (held_out = dl_recipe_held_out(nn_model_recipe(model))) == 0) {
        fprintf(stderr, "calibrate: the model's recipe holds out no MNIST training images (train --calibrate N does), "
                        "and calibrating on images it trained on would make it surer than it is; if it never saw "
                        "the last N of them, say so with --held-out N\n");
        goto done;
    }
    if (!cli_load_split(data, NN_SPLIT_TRAIN, &mnist))
        goto done;
    if (held_out >= mnist.count) {
        fprintf(stderr, "calibrate: %d images held out, but MNIST has only %d training images\n", held_out,
                mnist.count);
        goto done;
    }
    nn_set_threads(threads);
    float old_sure, old_reject;
    nn_model_thresholds(model, &old_sure, &old_reject);
    const bool was_calibrated = nn_model_is_calibrated(model);
    const float old_t = nn_model_temperature(model);
    NnDataset held = nn_dataset_view(&mnist, mnist.count - held_out, held_out);
    NnCalibration cal;
    if (nn_calibrate_share(model, &held, share, 1, &cal, &err) != NN_OK) {
        fprintf(stderr, "calibrate: %s\n", err.message);
        goto done;
    }
    printf("calibrated on the last %d MNIST training images: temperature %.3f, sure from %.3f, not a digit below "
           "%.3f\n", held_out, cal.temperature, cal.sure, cal.reject);
    printf("  before: temperature %.3f, sure from %.3f, not a digit below %.3f%s\n", old_t, old_sure, old_reject,
           was_calibrated ? "" : " (never calibrated: the defaults)");
    printf("  on them: expected calibration error %.4f at temperature 1, %.4f now; %.2f %% unsure, %.2f %% not a "
           "digit\n",
           cal.ece_before, cal.ece_after, 100 * cal.digits_unsure, 100 * cal.digits_rejected);
    if (nn_model_save(model, out, nn_model_has_optimizer_state(model), &err) != NN_OK) {
        fprintf(stderr, "calibrate: %s\n", err.message);
        goto done;
    }
    out_name = g_filename_display_name(out);
    printf("Saved the calibrated model to %s\n", out_name);
    rc = 0;
done:
    nn_dataset_free(&mnist);
    nn_model_free(model);
    return rc;
}
