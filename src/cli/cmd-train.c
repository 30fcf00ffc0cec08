/* digitlab-cli train — the paper's recipe from the command line. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-common.h"
#include "cli.h"
#include "gemm.h"
#include "train.h"

typedef struct {
    FILE *history;
    const char *out;
    gboolean save_optimizer;
    gboolean tty;
    gboolean failed;
} TrainOutput;

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static bool
should_stop(void *user)
{
    (void)user;
    return interrupted != 0;
}

static void
on_batch(const NnBatchProgress *p, void *user)
{
    TrainOutput *out = user;
    if (!out->tty)
        return;
    double left = p->images_per_s > 0 ? (p->batches - p->batch) * (p->seconds / p->batch) : 0;
    fprintf(stderr, "\repoch %2d/%d  batch %3d/%d  loss %.4f  acc %6.2f%%  %5.0f img/s  %3.0f s left ",
            p->epoch + 1, p->epochs, p->batch, p->batches, p->loss, 100 * p->accuracy,
            p->images_per_s, left);
}

static void
on_epoch(const NnEpochStats *s, NnModel *model, void *user)
{
    TrainOutput *out = user;
    if (out->tty)
        fprintf(stderr, "\r\033[K");
    printf("epoch %2d/%d  lr %.2e  loss %.4f  acc %6.2f%%  val_loss %.4f  val_acc %6.2f%%  %5.1f s  %5.0f img/s\n",
           s->epoch, s->epochs, s->lr, s->train_loss, 100 * s->train_accuracy, s->val_loss,
           100 * s->val_accuracy, s->seconds, s->images_per_s);
    fflush(stdout);
    if (out->history != NULL) {
        fprintf(out->history, "%d,%.6g,%.6f,%.6f,%.6f,%.6f,%.3f,%.1f\n", s->epoch, s->lr, s->train_loss,
                s->train_accuracy, s->val_loss, s->val_accuracy, s->seconds, s->images_per_s);
        fflush(out->history);
    }
    /* Saved after every epoch, so an interrupted run keeps its last finished epoch. */
    NnError err = { 0 };
    if (out->out != NULL && nn_model_save(model, out->out, out->save_optimizer, &err) != NN_OK) {
        fprintf(stderr, "Could not save the model: %s\n", err.message);
        out->failed = TRUE;
    }
}

int
cmd_train(int argc, char **argv)
{
    NnTrainConfig config = nn_train_config_default();
    g_autofree char *data = NULL, *out = NULL, *history = NULL, *padding = NULL, *resume = NULL;
    int seed = 1, limit = 0, val_split = 0, val_limit = 0;
    gboolean no_augment = FALSE, save_optimizer = FALSE;
    double warmup = config.schedule.warmup, rotation = config.augment.rotation;
    double zoom = config.augment.zoom, shift = config.augment.shift;

    const GOptionEntry entries[] = {
        { "data", 0, 0, G_OPTION_ARG_FILENAME, &data, "MNIST folder (default: $DIGITLAB_DATA, else ~/.local/share/digitlab/mnist)", "DIR" },
        { "epochs", 0, 0, G_OPTION_ARG_INT, &config.epochs, "Number of epochs (30)", "N" },
        { "batch", 0, 0, G_OPTION_ARG_INT, &config.batch, "Batch size (128)", "N" },
        { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Random seed for weights, shuffling, augmentation, dropout (1)", "N" },
        { "threads", 0, 0, G_OPTION_ARG_INT, &config.threads, "Threads (default: all cores)", "N" },
        { "padding", 0, 0, G_OPTION_ARG_STRING, &padding, "Convolution padding: same (default) or valid", "MODE" },
        { "no-augment", 0, 0, G_OPTION_ARG_NONE, &no_augment, "Train on the images as they are", NULL },
        { "rotation", 0, 0, G_OPTION_ARG_DOUBLE, &rotation, "Augmentation: largest rotation in degrees (10)", "DEG" },
        { "zoom", 0, 0, G_OPTION_ARG_DOUBLE, &zoom, "Augmentation: largest zoom, fraction (0.1)", "F" },
        { "shift", 0, 0, G_OPTION_ARG_DOUBLE, &shift, "Augmentation: largest shift, fraction of the side (0.1)", "F" },
        { "warmup", 0, 0, G_OPTION_ARG_DOUBLE, &warmup, "Linear warmup epochs (5)", "EPOCHS" },
        { "lr-max", 0, 0, G_OPTION_ARG_DOUBLE, &config.schedule.lr_max, "Peak learning rate (1e-3)", "LR" },
        { "lr-min", 0, 0, G_OPTION_ARG_DOUBLE, &config.schedule.lr_min, "Initial and final learning rate (1e-5)", "LR" },
        { "per-step-lr", 0, 0, G_OPTION_ARG_NONE, &config.per_step_lr, "Update the learning rate every step, not every epoch", NULL },
        { "bn-recalibrate", 0, 0, G_OPTION_ARG_INT, &config.bn_recalibrate, "After each epoch, recompute BN statistics on N training images (0: the paper's running averages)", "N" },
        { "limit", 0, 0, G_OPTION_ARG_INT, &limit, "Train on the first N training images only", "N" },
        { "val-split", 0, 0, G_OPTION_ARG_INT, &val_split, "Validate on the last N training images (held out) instead of the test set", "N" },
        { "val-limit", 0, 0, G_OPTION_ARG_INT, &val_limit, "Validate on the first N validation images only", "N" },
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Model file, saved after every epoch (digitlab-model.dlm)", "MODEL" },
        { "save-optimizer", 0, 0, G_OPTION_ARG_NONE, &save_optimizer, "Also save Adam's state, for --resume", NULL },
        { "resume", 0, 0, G_OPTION_ARG_FILENAME, &resume, "Continue training a saved model from its last epoch", "MODEL" },
        { "history", 0, 0, G_OPTION_ARG_FILENAME, &history, "Write per-epoch metrics to a CSV file", "CSV" },
        { NULL },
    };
    if (!cli_parse_options(&argc, &argv, "", "Train the network with the paper's recipe.", entries))
        return 2;
    if (argc > 1) {
        fprintf(stderr, "train: unexpected argument '%s'\n", argv[1]);
        return 2;
    }

    NnError err = { 0 };
    NnModelConfig model_config = { NN_PADDING_SAME };
    if (padding != NULL && nn_padding_parse(padding, &model_config.padding, &err) != NN_OK) {
        fprintf(stderr, "train: %s\n", err.message);
        return 2;
    }
    config.seed = (uint64_t)seed;
    config.schedule.warmup = warmup;
    config.augment.enabled = !no_augment;
    config.augment.rotation = (float)rotation;
    config.augment.zoom = (float)zoom;
    config.augment.shift = (float)shift;
    if (out == NULL)
        out = g_strdup("digitlab-model.dlm");

    NnDataset train_all = { 0 }, test = { 0 };
    if (!cli_load_split(data, NN_SPLIT_TRAIN, &train_all))
        return 1;
    NnDataset train = train_all, val;
    if (val_split > 0) {
        if (val_split >= train_all.count) {
            fprintf(stderr, "train: --val-split must be smaller than the %d training images\n", train_all.count);
            nn_dataset_free(&train_all);
            return 2;
        }
        train = nn_dataset_view(&train_all, 0, train_all.count - val_split);
        val = nn_dataset_view(&train_all, train_all.count - val_split, val_split);
    } else {
        if (!cli_load_split(data, NN_SPLIT_TEST, &test)) {
            nn_dataset_free(&train_all);
            return 1;
        }
        val = test;
    }
    if (limit > 0)
        train = nn_dataset_view(&train, 0, limit);
    if (val_limit > 0)
        val = nn_dataset_view(&val, 0, val_limit);

    NnModel *model = NULL;
    NnStatus status = resume != NULL ? nn_model_load(resume, &model, &err)
                                     : nn_model_new(&model_config, config.seed, &model, &err);
    int rc = 1;
    if (status != NN_OK) {
        fprintf(stderr, "train: %s\n", err.message);
        goto done;
    }

    TrainOutput output = { .out = out, .save_optimizer = save_optimizer, .tty = isatty(2) };
    if (history != NULL) {
        gboolean append = resume != NULL && g_file_test(history, G_FILE_TEST_EXISTS);
        output.history = fopen(history, append ? "a" : "w");
        if (output.history == NULL) {
            fprintf(stderr, "train: cannot write %s: %s\n", history, g_strerror(errno));
            goto done;
        }
        if (!append)
            fprintf(output.history, "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second\n");
    }

    nn_set_threads(config.threads);
    printf("Training on %d images, validating on %d %s images; %s padding, batch %d, %d epochs, seed %d, %d threads\n",
           train.count, val.count, val_split > 0 ? "held-out training" : "test", nn_padding_name(nn_model_config(model)->padding),
           config.batch, config.epochs, seed, nn_get_threads());
    printf("BLAS: %s\n", nn_blas_info());
    fflush(stdout);

    signal(SIGINT, on_sigint);
    NnTrainCallbacks callbacks = { .on_batch = on_batch, .on_epoch = on_epoch, .should_stop = should_stop, .user = &output };
    status = nn_train(model, &config, &train, &val, &callbacks, &err);
    if (status == NN_ERR_CANCELLED)
        fprintf(stderr, "\nInterrupted; %s holds the model of epoch %d.\n", out, nn_model_epochs_done(model));
    else if (status != NN_OK)
        fprintf(stderr, "train: %s\n", err.message);
    else if (!output.failed) {
        printf("Saved the model to %s\n", out);
        rc = 0;
    }
    if (output.history != NULL)
        fclose(output.history);
done:
    nn_model_free(model);
    nn_dataset_free(&train_all);
    nn_dataset_free(&test);
    return rc;
}
