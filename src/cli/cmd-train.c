/* digitlab-cli train — the paper's recipe from the command line.
 *
 * After every epoch: the history row first (flushed to disk), then the model
 * file (replaced atomically); a failure of either stops the run, and a model
 * that could not be saved takes its history row back. Ctrl+C, SIGTERM and
 * SIGHUP stop at the next batch, so the files always hold the last finished
 * epoch. With --run-dir the run is kept in a run folder (dl-run.h): the
 * history, the model with its optimizer's state and run.json, in that
 * order; --resume of a run folder continues it with the recipe it keeps. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-common.h"
#include "cli.h"
#include "dl-run.h"
#include "fileio.h"
#include "gemm.h"
#include "history-file.h"
#include "recipe-options.h"
#include "train.h"
#include "verdict.h"

typedef struct {
    const NnDataset *calibration; /* held-out images to calibrate each epoch's model on, or NULL */
    uint64_t seed;
    HistoryFile history;
    gboolean have_history;
    const char *out;
    gboolean save_optimizer;
    gboolean tty;
    DlRun *run;           /* the run folder, or NULL: --out and --history */
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
    NnCalibration cal;
    if (out->calibration != NULL) {
        if (nn_calibrate(model, out->calibration, out->seed, &cal, &err) != NN_OK) {
            fprintf(stderr, "train: could not calibrate the model: %s\n", err.message);
            out->failed = TRUE;
            return;
        }
        printf("  calibrated on %d held-out images: temperature %.3f, sure from %.3f, not a digit below %.3f "
               "(%.1f %% of synthetic non-digits)\n", out->calibration->count, cal.temperature, cal.sure, cal.reject,
               100 * cal.outliers_rejected);
        fflush(stdout);
    }
    if (out->run != NULL) {
        g_autoptr(GError) error = NULL;
        if (!dl_run_record_epoch(out->run, s, model, &error)) {
            fprintf(stderr, "train: %s\n", error->message);
            out->failed = TRUE;
            return;
        }
        out->saved_epoch = s->epoch;
        return;
    }
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

/* The command line, for the model file's meta.recipe: what reproduces it. */
static char *
command_line(int argc, char **argv)
{
    GString *s = g_string_new("digitlab-cli");
    for (int i = 0; i < argc; i++) {
        g_autofree char *quoted = strpbrk(argv[i], " \t'\"\\$") != NULL ? g_shell_quote(argv[i]) : g_strdup(argv[i]);
        g_string_append_printf(s, " %s", quoted);
    }
    return g_string_free(s, FALSE);
}

static const char *const architecture_options[] = {
    "blocks", "convs-per-block", "filters", "dense", "no-batch-norm", "dropout", "padding", NULL,
};

/* A run folder being resumed keeps its recipe: of the recipe's options,
 * only these may be given. */
static gboolean
check_run_resume_options(const GOptionEntry *recipe_entries)
{
    const char *others[] = { "val-split", "calibrate", "out", "history", "save-optimizer", "fresh-optimizer",
                             "run-name", "snapshots", NULL };
    for (const GOptionEntry *e = recipe_entries; e->long_name != NULL; e++)
        if (cli_option_given(e->long_name) && strcmp(e->long_name, "epochs") != 0 &&
            strcmp(e->long_name, "threads") != 0) {
            fprintf(stderr, "train: a run folder keeps its recipe: --%s cannot change it (only --epochs, to train\n"
                            "further, and --threads may be given with --resume of a run folder)\n", e->long_name);
            return FALSE;
        }
    for (const char *const *o = others; *o != NULL; o++)
        if (cli_option_given(*o)) {
            fprintf(stderr, "train: --%s does not go with --resume of a run folder, which keeps its model,\n"
                            "history and settings in the folder\n", *o);
            return FALSE;
        }
    return TRUE;
}

int
cmd_train(int argc, char **argv)
{
    g_autofree char *recipe_text = command_line(argc, argv);
    RecipeOptions ro;
    recipe_options_init(&ro);
    g_autofree char *data = NULL, *out = NULL, *history = NULL, *resume = NULL, *run_dir = NULL, *run_name = NULL;
    int val_split = 0, calibrate = 0;
    gboolean save_optimizer = FALSE, fresh_optimizer = FALSE, snapshots = FALSE;
    const GOptionEntry entries[] = {
        { "data", 0, 0, G_OPTION_ARG_FILENAME, &data, "MNIST folder (default: $DIGITLAB_DATA, else ~/.local/share/digitlab/mnist)", "DIR" },
        { "val-split", 0, 0, G_OPTION_ARG_INT, &val_split, "Validate on the last N training images (held out) instead of the test set", "N" },
        { "calibrate", 0, 0, G_OPTION_ARG_INT, &calibrate, "Hold out the last N training images and calibrate each epoch's model on them (temperature, verdict thresholds)", "N" },
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Model file, saved after every epoch (digitlab-model.dlm; with --resume, the resumed file)", "MODEL" },
        { "save-optimizer", 0, 0, G_OPTION_ARG_NONE, &save_optimizer, "Also save the optimizer's state, for --resume", NULL },
        { "resume", 0, 0, G_OPTION_ARG_FILENAME, &resume, "Continue training a saved model, or a run folder, from its last epoch", "MODEL|DIR" },
        { "fresh-optimizer", 0, 0, G_OPTION_ARG_NONE, &fresh_optimizer, "With --resume: accept a model saved without the optimizer's state and start it afresh (the run then differs from an uninterrupted one)", NULL },
        { "history", 0, 0, G_OPTION_ARG_FILENAME, &history, "Write per-epoch metrics to a CSV file", "CSV" },
        { "run-dir", 0, 0, G_OPTION_ARG_FILENAME, &run_dir, "Keep the run in a run folder (run.json, history.csv, model.dlm), which the app lists; auto: a new one in ~/.local/share/digitlab/runs", "DIR|auto" },
        { "run-name", 0, 0, G_OPTION_ARG_STRING, &run_name, "The run's name in its folder (default: the folder's, or Run N)", "NAME" },
        { "snapshots", 0, 0, G_OPTION_ARG_NONE, &snapshots, "With --run-dir: also keep every epoch's model (epochs/epoch-NNN.dlm)", NULL },
        G_OPTION_ENTRY_NULL
    };
    g_autofree GOptionEntry *recipe_entries = recipe_options_entries(&ro);
    g_autoptr(GOptionContext) context = g_option_context_new("");
    g_option_context_set_summary(context,
        "Train the network: the paper's recipe, another preset, or your own (architecture and recipe options).");
    g_option_context_add_main_entries(context, entries, NULL);
    GOptionGroup *group = g_option_group_new("recipe", "Network and recipe (defaults: the preset's)",
                                             "Show the network and recipe options", NULL, NULL);
    g_option_group_add_entries(group, recipe_entries);
    g_option_context_add_group(context, group);
    if (!cli_parse_context(context, &argc, &argv))
        return 2;
    if (argc > 1) {
        fprintf(stderr, "train: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    NnModelConfig model_config;
    NnTrainConfig config;
    int limit = 0, val_limit = 0;
    gboolean resume_run = resume != NULL && g_file_test(resume, G_FILE_TEST_IS_DIR);
    if (resume_run && !check_run_resume_options(recipe_entries))
        return 2;
    gboolean resolved = recipe_options_resolve(&ro, "train", &model_config, &config, &limit, &val_limit);
    recipe_options_clear(&ro);
    if (!resolved || !cli_check_range("train", "val-split", val_split, 0, 1e9, FALSE) ||
        !cli_check_range("train", "calibrate", calibrate, 0, 1e9, FALSE))
        return 2;
    if (fresh_optimizer && resume == NULL) {
        fprintf(stderr, "train: --fresh-optimizer only makes sense with --resume\n");
        return 2;
    }
    if (run_dir != NULL && (out != NULL || history != NULL || resume != NULL)) {
        fprintf(stderr, "train: --run-dir keeps the model and history in the run folder: it does not go with\n"
                        "--out, --history or --resume (to continue a run, give its folder to --resume)\n");
        return 2;
    }
    if (run_dir == NULL && !resume_run && (run_name != NULL || snapshots)) {
        fprintf(stderr, "train: --run-name and --snapshots go with --run-dir\n");
        return 2;
    }
    g_autofree char *runs_root = dl_run_default_root();
    gboolean auto_dir = g_strcmp0(run_dir, "auto") == 0;
    if (run_dir != NULL && !auto_dir) {
        g_autofree char *json = g_build_filename(run_dir, "run.json", NULL);
        if (g_file_test(json, G_FILE_TEST_EXISTS)) {
            fprintf(stderr, "train: %s holds a run already: continue it with --resume %s, or give another folder\n",
                    run_dir, run_dir);
            return 2;
        }
    }
    if (config.ema > 0 && !resume_run && (save_optimizer || resume != NULL)) {
        fprintf(stderr, "train: --ema saves the averaged weights, which cannot be trained further exactly;\n"
                        "it does not go with --save-optimizer or --resume\n");
        return 2;
    }

    NnError err = { 0 };
    if (run_dir != NULL || resume_run) {
        g_clear_pointer(&out, g_free);
    } else {
        if (out == NULL)
            out = g_strdup(resume != NULL ? resume : "digitlab-model.dlm");
        if (nn_file_check_writable(out, &err) != NN_OK) {
            fprintf(stderr, "train: --out: %s\n", err.message);
            return 2;
        }
    }

    /* The model first: a resume that cannot work is refused before MNIST is read. */
    NnModel *model = NULL;
    g_autoptr(DlRun) run = NULL;
    if (resume_run) {
        g_autoptr(GError) error = NULL;
        int threads = config.threads;
        run = dl_run_load(resume, &error);
        if (run != NULL)
            model = dl_run_prepare_resume(run, cli_option_given("epochs") ? config.epochs : 0, &error);
        if (model == NULL) {
            fprintf(stderr, "train: cannot resume: %s\n", error->message);
            return 1;
        }
        const DlRunSettings *kept = dl_run_get_settings(run);
        model_config = kept->model;
        config = kept->train;
        if (cli_option_given("threads"))
            config.threads = threads;
        limit = kept->train_limit;
        val_limit = kept->val_limit;
        val_split = kept->val_split;
        calibrate = kept->calibrate;
        snapshots = kept->snapshots;
        if (nn_model_epochs_done(model) >= config.epochs) {
            printf("The run in %s has already trained %d epochs of %d. Nothing to do: nothing was written.\n",
                   resume, nn_model_epochs_done(model), config.epochs);
            nn_model_free(model);
            return 0;
        }
    } else if (resume != NULL) {
        if (nn_model_load(resume, &model, &err) != NN_OK) {
            fprintf(stderr, "train: cannot resume: %s\n", err.message);
            return 1;
        }
        g_autofree char *name = g_filename_display_name(resume);
        gboolean architecture_given = FALSE;
        for (const char *const *a = architecture_options; *a != NULL; a++)
            architecture_given |= cli_option_given(*a);
        if (architecture_given && !nn_model_config_equal(&model_config, nn_model_config(model))) {
            char have[200];
            fprintf(stderr, "train: %s is a different network (%s); the network of a model being resumed\n"
                            "cannot change\n", name,
                    nn_model_config_describe(nn_model_config(model), have, sizeof have));
            nn_model_free(model);
            return 2;
        }
        if (!nn_model_has_optimizer_state(model) && !fresh_optimizer) {
            fprintf(stderr,
                    "train: %s holds no optimizer state (it was saved without --save-optimizer).\n"
                    "Resuming would start the optimizer afresh, and the weights would then differ from an\n"
                    "uninterrupted run. Add --fresh-optimizer to resume all the same.\n", name);
            nn_model_free(model);
            return 1;
        }
        if (nn_model_has_optimizer_state(model) && !fresh_optimizer && nn_model_optimizer(model) != config.optimizer) {
            fprintf(stderr, "train: %s was trained with --optimizer %s; its state cannot go on with --optimizer %s.\n"
                            "Give --optimizer %s, or --fresh-optimizer to start the new optimizer afresh.\n", name,
                    nn_optimizer_name(nn_model_optimizer(model)), nn_optimizer_name(config.optimizer),
                    nn_optimizer_name(nn_model_optimizer(model)));
            nn_model_free(model);
            return 1;
        }
        if (fresh_optimizer && nn_model_reserve_training(model, 1, &err) == NN_OK) {
            memset(nn_model_adam_m(model), 0, nn_model_param_count(model) * sizeof(float));
            memset(nn_model_adam_v(model), 0, nn_model_param_count(model) * sizeof(float));
            nn_model_set_step(model, 0);
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
    nn_model_set_recipe(model, recipe_text);

    int rc = 1;
    g_autofree char *out_name = NULL, *kept = NULL, *summary = NULL;
    NnDataset train_all = { 0 }, test = { 0 };
    TrainOutput output = { .out = out, .save_optimizer = save_optimizer, .tty = isatty(2), .run = run };
    if (!cli_load_split(data, NN_SPLIT_TRAIN, &train_all))
        goto done;
    NnDataset train = train_all, val, held_out;
    if (calibrate > 0) {
        if (calibrate < 100 || calibrate + val_split >= train_all.count) {
            fprintf(stderr, "train: --calibrate needs 100 or more images, and fewer than the %d training images\n",
                    train_all.count - val_split);
            rc = 2;
            goto done;
        }
        held_out = nn_dataset_view(&train_all, train_all.count - calibrate, calibrate);
        train = nn_dataset_view(&train_all, 0, train_all.count - calibrate);
        output.calibration = &held_out;
        output.seed = config.seed;
    }
    if (val_split > 0) {
        if (val_split >= train.count) {
            fprintf(stderr, "train: --val-split must be smaller than the %d training images\n", train.count);
            rc = 2;
            goto done;
        }
        val = nn_dataset_view(&train, train.count - val_split, val_split);
        train = nn_dataset_view(&train, 0, train.count - val_split);
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
    if (run_dir != NULL) {
        g_autoptr(GError) error = NULL;
        DlRunSettings settings = { .model = model_config, .train = config, .train_limit = limit,
                                   .val_limit = val_limit, .val_split = val_split, .calibrate = calibrate,
                                   .snapshots = snapshots };
        settings.train.threads = nn_get_threads();
        output.run = run = dl_run_create(auto_dir ? NULL : run_dir, runs_root, run_name, &settings, recipe_text,
                                         &error);
        if (run == NULL) {
            fprintf(stderr, "train: %s\n", error->message);
            goto done;
        }
        printf("Keeping the run in %s\n", dl_run_get_dir(run));
    } else if (resume_run) {
        g_autoptr(GError) error = NULL;
        if (!dl_run_begin_resume(run, &error)) {
            fprintf(stderr, "train: %s\n", error->message);
            goto done;
        }
    }
    summary = recipe_describe(nn_model_config(model), &config);
    printf("Training on %d images, validating on %d %s images, %d thread%s\n%s\n", train.count, val.count,
           val_split > 0 ? "held-out training" : "test", nn_get_threads(),
           cli_plural(nn_get_threads()), summary);
    printf("BLAS: %s\n", nn_blas_info());
    fflush(stdout);

    catch_stop_signals();
    NnTrainCallbacks callbacks = { .on_batch = on_batch, .on_epoch = on_epoch, .should_stop = should_stop,
                                   .user = &output };
    NnStatus status = nn_train(model, &config, &train, &val, &callbacks, &err);
    if (output.tty && status != NN_OK)
        fprintf(stderr, "\r\033[K");
    if (run != NULL) {
        g_autoptr(GError) error = NULL;
        DlRunStatus end = status == NN_OK && !output.failed ? DL_RUN_FINISHED
                          : status == NN_ERR_CANCELLED || output.failed ? DL_RUN_STOPPED : DL_RUN_FAILED;
        if (!dl_run_finish(run, end, err.message, &error)) {
            fprintf(stderr, "train: %s\n", error->message);
            output.failed = TRUE;
        }
    }
    out_name = run != NULL ? g_strdup_printf("the run folder %s", dl_run_get_dir(run)) : g_filename_display_name(out);
    kept = output.saved_epoch > 0
        ? g_strdup_printf("%s holds the model of epoch %d", out_name, output.saved_epoch)
        : g_strdup_printf("no epoch finished, nothing was saved%s", resume != NULL ? " (the resumed file is unchanged)" : "");
    if (output.failed)
        fprintf(stderr, "Stopped: %s.\n", kept);
    else if (status == NN_ERR_CANCELLED)
        fprintf(stderr, "Interrupted; %s.\n", kept);
    else if (status != NN_OK)
        fprintf(stderr, "train: %s\nStopped: %s.\n", err.message, kept);
    else if (run != NULL) {
        printf("Finished: %s holds the model of epoch %d\n", out_name, output.saved_epoch);
        rc = 0;
    } else {
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
