/* digitlab-cli train — the paper's recipe from the command line.
 *
 * After every epoch: the history row first (flushed to disk), then the model
 * file (replaced atomically); a failure of either stops the run, and a model
 * that could not be saved takes its history row back. Ctrl+C, SIGTERM and
 * SIGHUP stop at the next batch, so the files always hold the last finished
 * epoch. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-common.h"
#include "cli.h"
#include "fileio.h"
#include "gemm.h"
#include "history-file.h"
#include "train.h"

typedef struct {
    HistoryFile history;
    gboolean have_history;
    const char *out;
    gboolean save_optimizer;
    gboolean tty;
    gboolean failed;      /* a file could not be written: stop */
    int saved_epoch;      /* the epoch the model file holds from this run, 0 if none */
} TrainOutput;

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static bool
should_stop(void *user)
{
    TrainOutput *out = user;
    return interrupted != 0 || out->failed;
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
    if (out->failed)
        return;
    if (out->have_history && !history_file_append(&out->history, s)) {
        out->failed = TRUE;
        return;
    }
    NnError err = { 0 };
    if (nn_model_save(model, out->out, out->save_optimizer, &err) != NN_OK) {
        fprintf(stderr, "train: could not save the model: %s\n", err.message);
        if (out->have_history)
            history_file_take_back(&out->history);
        out->failed = TRUE;
        return;
    }
    out->saved_epoch = s->epoch;
}

static void
catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    const int signals[] = { SIGINT, SIGTERM, SIGHUP };
    for (size_t i = 0; i < G_N_ELEMENTS(signals); i++)
        sigaction(signals[i], &sa, NULL);
}

/* Every numeric option against its range, before anything is loaded. */
static gboolean
check_options(const NnTrainConfig *c, int seed, double warmup, double rotation, double zoom, double shift,
              int limit, int val_split, int val_limit)
{
    const struct {
        const char *name;
        double value, min, max;
        gboolean min_open;
    } ranges[] = {
        { "epochs", c->epochs, 1, 100000, FALSE },
        { "batch", c->batch, 1, 4096, FALSE },
        { "seed", seed, 0, INT_MAX, FALSE },
        { "threads", c->threads, 0, 1024, FALSE },
        { "rotation", rotation, 0, 180, FALSE },
        { "zoom", zoom, 0, 0.95, FALSE },
        { "shift", shift, 0, 1, FALSE },
        { "warmup", warmup, 0, 100000, FALSE },
        { "lr-max", c->schedule.lr_max, 0, 10, TRUE },
        { "lr-min", c->schedule.lr_min, 0, c->schedule.lr_max, FALSE },
        { "bn-recalibrate", c->bn_recalibrate, 0, 1e7, FALSE },
        { "limit", limit, 0, INT_MAX, FALSE },
        { "val-split", val_split, 0, INT_MAX, FALSE },
        { "val-limit", val_limit, 0, INT_MAX, FALSE },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(ranges); i++)
        if (!cli_check_range("train", ranges[i].name, ranges[i].value, ranges[i].min, ranges[i].max,
                             ranges[i].min_open))
            return FALSE;
    return TRUE;
}

int
cmd_train(int argc, char **argv)
{
    NnTrainConfig config = nn_train_config_default();
    g_autofree char *data = NULL, *out = NULL, *history = NULL, *padding = NULL, *resume = NULL;
    int seed = 1, limit = 0, val_split = 0, val_limit = 0;
    gboolean no_augment = FALSE, save_optimizer = FALSE, fresh_optimizer = FALSE;
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
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Model file, saved after every epoch (digitlab-model.dlm; with --resume, the resumed file)", "MODEL" },
        { "save-optimizer", 0, 0, G_OPTION_ARG_NONE, &save_optimizer, "Also save Adam's state, for --resume", NULL },
        { "resume", 0, 0, G_OPTION_ARG_FILENAME, &resume, "Continue training a saved model from its last epoch", "MODEL" },
        { "fresh-optimizer", 0, 0, G_OPTION_ARG_NONE, &fresh_optimizer, "With --resume: accept a model saved without Adam's state and start Adam afresh (the run then differs from an uninterrupted one)", NULL },
        { "history", 0, 0, G_OPTION_ARG_FILENAME, &history, "Write per-epoch metrics to a CSV file", "CSV" },
        { NULL },
    };
    if (!cli_parse_options(&argc, &argv, "", "Train the network with the paper's recipe.", entries))
        return 2;
    if (argc > 1) {
        fprintf(stderr, "train: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    if (!check_options(&config, seed, warmup, rotation, zoom, shift, limit, val_split, val_limit))
        return 2;
    if (fresh_optimizer && resume == NULL) {
        fprintf(stderr, "train: --fresh-optimizer only makes sense with --resume\n");
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
        out = g_strdup(resume != NULL ? resume : "digitlab-model.dlm");
    if (nn_file_check_writable(out, &err) != NN_OK) {
        fprintf(stderr, "train: --out: %s\n", err.message);
        return 2;
    }

    /* The model first: a resume that cannot work is refused before MNIST is read. */
    NnModel *model = NULL;
    if (resume != NULL) {
        if (nn_model_load(resume, &model, &err) != NN_OK) {
            fprintf(stderr, "train: cannot resume: %s\n", err.message);
            return 1;
        }
        g_autofree char *name = g_filename_display_name(resume);
        if (padding != NULL && model_config.padding != nn_model_config(model)->padding) {
            fprintf(stderr, "train: %s has %s padding; --padding %s cannot change a model being resumed\n",
                    name, nn_padding_name(nn_model_config(model)->padding), padding);
            nn_model_free(model);
            return 2;
        }
        if (!nn_model_has_optimizer_state(model) && !fresh_optimizer) {
            fprintf(stderr,
                    "train: %s holds no optimizer state (it was saved without --save-optimizer).\n"
                    "Resuming would start Adam afresh, and the weights would then differ from an\n"
                    "uninterrupted run. Add --fresh-optimizer to resume all the same.\n", name);
            nn_model_free(model);
            return 1;
        }
        if (nn_model_epochs_done(model) >= config.epochs) {
            printf("%s has already trained %d epochs; --epochs %d asks for no more. Nothing to do: "
                   "nothing was written.\n", name, nn_model_epochs_done(model), config.epochs);
            nn_model_free(model);
            return 0;
        }
    } else if (nn_model_new(&model_config, config.seed, &model, &err) != NN_OK) {
        fprintf(stderr, "train: %s\n", err.message);
        return 1;
    }

    int rc = 1;
    g_autofree char *out_name = NULL, *kept = NULL;
    NnDataset train_all = { 0 }, test = { 0 };
    TrainOutput output = { .out = out, .save_optimizer = save_optimizer, .tty = isatty(2) };
    if (!cli_load_split(data, NN_SPLIT_TRAIN, &train_all))
        goto done;
    NnDataset train = train_all, val;
    if (val_split > 0) {
        if (val_split >= train_all.count) {
            fprintf(stderr, "train: --val-split must be smaller than the %d training images\n", train_all.count);
            rc = 2;
            goto done;
        }
        train = nn_dataset_view(&train_all, 0, train_all.count - val_split);
        val = nn_dataset_view(&train_all, train_all.count - val_split, val_split);
    } else {
        if (!cli_load_split(data, NN_SPLIT_TEST, &test))
            goto done;
        val = test;
    }
    if (limit > 0)
        train = nn_dataset_view(&train, 0, limit);
    if (val_limit > 0)
        val = nn_dataset_view(&val, 0, val_limit);

    if (history != NULL) {
        if (!history_file_open(&output.history, history, resume != NULL ? nn_model_epochs_done(model) : -1))
            goto done;
        output.have_history = TRUE;
    }

    nn_set_threads(config.threads);
    printf("Training on %d images, validating on %d %s images; %s padding, batch %d, %d epochs, seed %d, %d threads\n",
           train.count, val.count, val_split > 0 ? "held-out training" : "test", nn_padding_name(nn_model_config(model)->padding),
           config.batch, config.epochs, seed, nn_get_threads());
    printf("BLAS: %s\n", nn_blas_info());
    fflush(stdout);

    catch_stop_signals();
    NnTrainCallbacks callbacks = { .on_batch = on_batch, .on_epoch = on_epoch, .should_stop = should_stop,
                                   .user = &output };
    NnStatus status = nn_train(model, &config, &train, &val, &callbacks, &err);
    if (output.tty && status != NN_OK)
        fprintf(stderr, "\r\033[K");
    out_name = g_filename_display_name(out);
    kept = output.saved_epoch > 0
        ? g_strdup_printf("%s holds the model of epoch %d", out_name, output.saved_epoch)
        : g_strdup_printf("no epoch finished, nothing was saved%s", resume != NULL ? " (the resumed file is unchanged)" : "");
    if (output.failed)
        fprintf(stderr, "Stopped: %s.\n", kept);
    else if (status == NN_ERR_CANCELLED)
        fprintf(stderr, "Interrupted; %s.\n", kept);
    else if (status != NN_OK)
        fprintf(stderr, "train: %s\nStopped: %s.\n", err.message, kept);
    else {
        printf("Saved the model of epoch %d to %s\n", output.saved_epoch, out_name);
        rc = 0;
    }
done:
    if (output.have_history && !history_file_close(&output.history))
        rc = 1;
    nn_model_free(model);
    nn_dataset_free(&train_all);
    nn_dataset_free(&test);
    return rc;
}
