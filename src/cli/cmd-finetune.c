/* digitlab-cli finetune — teach a trained model a class's handwriting.
 *
 * A short training of the model on labelled drawings (a JSON Lines file, as
 * predict --strokes reads it, rendered as the canvas renders them), mixed
 * with MNIST training images so that it forgets nothing (finetune.h). The
 * MNIST images the model's training held out for its calibration (its
 * recipe says how many) stay out of the mix and calibrate the result
 * again, as the app's Teach It does; --calibrate N holds out N instead,
 * --calibrate 0 none (the model then keeps the temperature and thresholds
 * it had). Deterministic for a seed and thread count. */
#include <stdio.h>
#include <string.h>

#include "cli-common.h"
#include "cli.h"
#include "dl-recipe.h"
#include "drawings-file.h"
#include "finetune.h"
#include "fileio.h"
#include "gemm.h"
#include "verdict.h"

static void
on_epoch(const NnEpochStats *s, NnModel *model, void *user)
{
    printf("epoch %d/%d  loss %.4f  accuracy on the mix %.2f%%  %.1f s\n", s->epoch, s->epochs, s->train_loss,
           100 * s->train_accuracy, s->seconds);
    fflush(stdout);
}

int
cmd_finetune(int argc, char **argv)
{
    g_autofree char *model_path = NULL, *strokes = NULL, *out = NULL, *data = NULL;
    NnFinetuneConfig config = nn_finetune_config_default();
    int seed = 1, calibrate = -1; /* -1: as many as the recipe held out */
    double lr = config.lr, outliers = config.outliers;
    gboolean no_mnist = FALSE;
    const GOptionEntry entries[] = {
        { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Model to start from (required)", "MODEL" },
        { "strokes", 's', 0, G_OPTION_ARG_FILENAME, &strokes, "Labelled drawings, JSON Lines (required)", "FILE.jsonl" },
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Where to save the fine-tuned model (required)", "MODEL" },
        { "epochs", 0, 0, G_OPTION_ARG_INT, &config.epochs, "Epochs over the mix (4)", "N" },
        { "repeats", 0, 0, G_OPTION_ARG_INT, &config.repeats, "Times each drawing is seen in an epoch, freshly augmented (8)", "N" },
        { "mnist-ratio", 0, 0, G_OPTION_ARG_INT, &config.mnist_ratio, "MNIST images per drawing seen (3)", "N" },
        { "outliers", 0, 0, G_OPTION_ARG_DOUBLE, &outliers, "Share of the mix replaced by synthetic non-digits (0.1)", "F" },
        { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, "Learning rate, falling to a tenth (2e-4)", "LR" },
        { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Random seed (1)", "N" },
        { "threads", 0, 0, G_OPTION_ARG_INT, &config.threads, "Threads (default: all cores)", "N" },
        { "data", 0, 0, G_OPTION_ARG_FILENAME, &data, "MNIST folder (default: $DIGITLAB_DATA, else ~/.local/share/digitlab/mnist)", "DIR" },
        { "no-mnist", 0, 0, G_OPTION_ARG_NONE, &no_mnist, "Fine-tune on the drawings alone (the model may forget MNIST)", NULL },
        { "calibrate", 0, 0, G_OPTION_ARG_INT, &calibrate,
          "Hold out the last N MNIST training images and calibrate the result on them (default: those the model's "
          "training held out; 0: keep its calibration)",
          "N" },
        G_OPTION_ENTRY_NULL
    };
    if (!cli_parse_options(&argc, &argv, "", "Fine-tune a model on a class's labelled drawings.", entries))
        return 2;
    if (model_path == NULL || strokes == NULL || out == NULL || argc > 1) {
        fprintf(stderr, "finetune: %s\nUsage: digitlab-cli finetune --model M --strokes DRAWINGS.jsonl --out M2 "
                        "[--epochs N] [--data MNIST]\n",
                argc > 1 ? "unexpected argument" : "--model, --strokes and --out are required");
        return 2;
    }
    if (!cli_check_range("finetune", "epochs", config.epochs, 1, 1000, FALSE) ||
        !cli_check_range("finetune", "repeats", config.repeats, 1, 1000, FALSE) ||
        !cli_check_range("finetune", "mnist-ratio", config.mnist_ratio, 0, 100, FALSE) ||
        !cli_check_range("finetune", "lr", lr, 0, 1, TRUE) ||
        !cli_check_range("finetune", "outliers", outliers, 0, 0.5, FALSE) ||
        !cli_check_range("finetune", "seed", seed, 0, 2147483647, FALSE) ||
        !cli_check_range("finetune", "threads", config.threads, 0, 1024, FALSE) ||
        (calibrate != -1 && !cli_check_range("finetune", "calibrate", calibrate, 0, 59000, FALSE)))
        return 2;
    if (calibrate > 0 && calibrate < NN_CALIBRATE_MIN_IMAGES) {
        fprintf(stderr, "finetune: --calibrate needs at least %d images to calibrate on, not %d\n",
                NN_CALIBRATE_MIN_IMAGES, calibrate);
        return 2;
    }
    if (no_mnist && calibrate > 0) {
        fprintf(stderr, "finetune: --calibrate needs MNIST; it does not go with --no-mnist\n");
        return 2;
    }
    config.lr = (float)lr;
    config.outliers = (float)outliers;
    config.seed = (uint64_t)seed;
    NnError err = { 0 };
    if (nn_file_check_writable(out, &err) != NN_OK) {
        fprintf(stderr, "finetune: --out: %s\n", err.message);
        return 2;
    }

    NnModel *model = NULL;
    if (nn_model_load(model_path, &model, &err) != NN_OK) {
        fprintf(stderr, "finetune: %s\n", err.message);
        return 1;
    }
    int rc = 1;
    g_autofree char *recipe = NULL, *out_name = NULL, *held = NULL;
    DrawingsFile d = { 0 };
    NnDataset drawings = { 0 }, mnist = { 0 };
    int failed = drawings_file_read(strokes, &d);
    if (failed != 0) {
        if (failed > 0)
            fprintf(stderr, "finetune: %d line%s of %s could not be read; fix or remove %s\n", failed,
                    failed == 1 ? "" : "s", d.name, failed == 1 ? "it" : "them");
        goto done;
    }
    drawings = drawings_file_to_dataset(&d);
    if (drawings.count == 0) {
        fprintf(stderr, "finetune: %s holds no labelled drawings\n", d.name);
        goto done;
    }
    if (drawings.count < d.count)
        fprintf(stderr, "finetune: %d drawing%s without a label left out\n", d.count - drawings.count,
                d.count - drawings.count == 1 ? "" : "s");
    if (!no_mnist && !cli_load_split(data, NN_SPLIT_TRAIN, &mnist)) {
        fprintf(stderr, "(or fine-tune on the drawings alone with --no-mnist)\n");
        goto done;
    }
    if (calibrate < 0) {
        calibrate = no_mnist ? 0 : dl_recipe_held_out_to_recalibrate(nn_model_recipe(model), mnist.count);
        if (calibrate > 0)
            printf("Holding out the last %d MNIST training images, as the model's training did, to calibrate it "
                   "again\n",
                   calibrate);
        else if (!no_mnist)
            printf("The model's recipe holds out no MNIST training images: it keeps the temperature and thresholds "
                   "it had (--calibrate N holds out N to set them again)\n");
    } else if (calibrate > 0 && calibrate >= mnist.count) {
        fprintf(stderr, "finetune: --calibrate %d would hold out all of the %d MNIST training images; give fewer\n",
                calibrate, mnist.count);
        goto done;
    }
    NnDataset mix_from = calibrate > 0 ? nn_dataset_view(&mnist, 0, mnist.count - calibrate) : mnist;
    NnDataset held_out = calibrate > 0 ? nn_dataset_view(&mnist, mnist.count - calibrate, calibrate) : mnist;

    nn_set_threads(config.threads);
    printf("Fine-tuning on %d drawings%s, %d epochs, %d thread%s\n", drawings.count,
           no_mnist ? " alone" : " mixed with MNIST", config.epochs, nn_get_threads(),
           cli_plural(nn_get_threads()));
    NnTrainCallbacks callbacks = { .on_epoch = on_epoch };
    if (nn_finetune(model, &config, &drawings, no_mnist ? NULL : &mix_from, NULL, &callbacks, &err) != NN_OK) {
        fprintf(stderr, "finetune: %s\n", err.message);
        goto done;
    }
    if (calibrate > 0) {
        NnCalibration cal;
        if (nn_calibrate(model, &held_out, config.seed, &cal, &err) != NN_OK) {
            fprintf(stderr, "finetune: %s\n", err.message);
            goto done;
        }
        printf("calibrated on %d held-out MNIST images: temperature %.3f, sure from %.3f, not a digit below %.3f\n",
               held_out.count, cal.temperature, cal.sure, cal.reject);
    }
    /* "holding out ...": which MNIST images calibrate may use again */
    held = calibrate > 0 ? g_strdup_printf(", holding out the last %d MNIST images", calibrate) : g_strdup("");
    recipe = g_strdup_printf("%s; then digitlab-cli finetune on %d drawings (%d epochs, seed %d%s)",
                             nn_model_recipe(model), drawings.count, config.epochs, seed, held);
    nn_model_set_recipe(model, recipe);
    if (nn_model_save(model, out, 0, &err) != NN_OK) {
        fprintf(stderr, "finetune: %s\n", err.message);
        goto done;
    }
    out_name = g_filename_display_name(out);
    printf("Saved the fine-tuned model to %s\n", out_name);
    rc = 0;
done:
    nn_dataset_free(&drawings);
    nn_dataset_free(&mnist);
    drawings_file_clear(&d);
    nn_model_free(model);
    return rc;
}
