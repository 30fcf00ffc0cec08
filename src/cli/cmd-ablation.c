/* digitlab-cli ablation — the paper's ingredients taken out one at a time.
 *
 * Runs a declared list of variants of the paper's recipe, each with each
 * seed, as `digitlab-cli train --run-dir` processes (one run folder each
 * under DIR/runs, named VARIANT-seedN, with its run.json, model, history
 * and log, so the app can open and compare them as runs), then writes
 * DIR/ablation.csv (one row
 * per run) and DIR/ablation.md (per variant: the final-epoch test accuracy
 * of every seed, their mean ± standard deviation and median, and the
 * difference to the full recipe). The final epoch is the score; the best
 * epoch is listed only as what it is, an epoch chosen on the test set.
 *
 * Besides the ablation, the levers of the digitlab recipe can be run one
 * at a time on the paper's recipe (plus-ema, plus-elastic, plus-schedule,
 * plus-erase): only when named, so the default stays the paper's ablation.
 *
 * It is resumable: a run whose folder holds a `done` file is not run again,
 * and one that was cut short continues from its last saved epoch (`train
 * --resume` of its run folder, or of its model in a folder of an earlier
 * version without run.json; runs with a weight average start over). So a
 * long ablation can be run in pieces: the same command carries on. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "cli-common.h"
#include "cli.h"
#include "fileio.h"
#include "recipe.h"

#define MAX_SEEDS 64

typedef struct {
    const char *name;
    const char *description;
    const char *args[12];   /* train options, NULL-terminated */
    gboolean half_epochs;   /* the Siddique et al. baseline: 15 of the paper's 30 */
    gboolean lever;         /* one of Digit Lab's levers added to the paper's recipe: run only when named */
} Variant;

static const Variant variants[] = {
    { "paper", "the paper's full recipe", { NULL }, FALSE, FALSE },
    { "no-augment", "without augmentation", { "--no-augment", NULL }, FALSE, FALSE },
    { "no-bn", "without batch normalisation (biases instead)", { "--no-batch-norm", NULL }, FALSE, FALSE },
    { "no-dropout", "without dropout", { "--dropout", "0,0", NULL }, FALSE, FALSE },
    { "constant-lr", "constant learning rate 1e-3 (no warmup, no cosine)",
      { "--schedule", "constant", "--lr-max", "1e-3", NULL }, FALSE, FALSE },
    { "sgd", "SGD with momentum 0.9, lr 0.01, half the epochs, no augmentation (Siddique et al. 2018)",
      { "--optimizer", "sgd", "--momentum", "0.9", "--lr-max", "0.01", "--schedule", "constant", "--no-augment",
        NULL }, TRUE, FALSE },
    { "one-block", "one block of two convolutions (32 filters) instead of two", { "--blocks", "1", "--filters", "32",
      NULL }, FALSE, FALSE },
    { "digitlab", "Digit Lab's own recipe (--preset digitlab)", { "--preset", "digitlab", NULL }, FALSE, FALSE },
    /* What each of the digitlab recipe's levers gives on its own. */
    { "plus-ema", "the paper's recipe with a moving average of the weights (--ema 0.999)", { "--ema", "0.999", NULL },
      FALSE, TRUE },
    { "plus-elastic", "the paper's recipe with elastic distortion (--elastic 8,4)", { "--elastic", "8,4", NULL },
      FALSE, TRUE },
    { "plus-schedule", "the paper's recipe with Digit Lab's learning rates (per step, 2e-3 down to 1e-6)",
      { "--per-step-lr", "--lr-max", "2e-3", "--lr-min", "1e-6", NULL }, FALSE, TRUE },
    { "plus-erase", "the paper's recipe with random erasing (--erase 0.5)", { "--erase", "0.5", NULL }, FALSE, TRUE },
};

typedef struct {
    const Variant *variant;
    int seed;
    int epochs;              /* planned */
    gboolean done;
    double final_accuracy, final_loss, best_accuracy, seconds, images_per_s;
    int best_epoch, epochs_found;
} Run;

static volatile sig_atomic_t interrupted;

/* The recipe a variant starts from. */
static const NnPreset *
variant_preset(const Variant *v)
{
    for (const char *const *a = v->args; *a != NULL && a[1] != NULL; a++)
        if (strcmp(*a, "--preset") == 0)
            return nn_preset_find(a[1]);
    return nn_preset_find("paper");
}

static void
on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static char *
run_dir(const char *out, const Run *r)
{
    g_autofree char *name = g_strdup_printf("%s-seed%d", r->variant->name, r->seed);
    return g_build_filename(out, "runs", name, NULL);
}

/* The run's epochs from its history CSV; FALSE if unreadable. */
static gboolean
read_history(const char *dir, Run *r)
{
    g_autofree char *path = g_build_filename(dir, "history.csv", NULL), *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return FALSE;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    r->epochs_found = 0;
    r->best_accuracy = -1;
    r->seconds = 0;
    double ips = 0;
    for (char **l = lines + 1; *l != NULL; l++) {
        if (**l == '\0')
            continue;
        g_auto(GStrv) f = g_strsplit(*l, ",", -1);
        if (g_strv_length(f) < 8)
            return FALSE;
        int epoch = atoi(f[0]);
        double val_loss = g_ascii_strtod(f[4], NULL), val_acc = g_ascii_strtod(f[5], NULL);
        r->seconds += g_ascii_strtod(f[6], NULL);
        ips += g_ascii_strtod(f[7], NULL);
        r->epochs_found = epoch;
        r->final_accuracy = val_acc;
        r->final_loss = val_loss;
        if (val_acc > r->best_accuracy) {
            r->best_accuracy = val_acc;
            r->best_epoch = epoch;
        }
    }
    r->images_per_s = r->epochs_found > 0 ? ips / r->epochs_found : 0;
    return r->epochs_found > 0;
}

/* Runs one training process; TRUE when it finished all its epochs. */
static gboolean
run_one(const char *self, const char *out, const char *data, int threads, int limit, Run *r)
{
    g_autofree char *dir = run_dir(out, r);
    g_autofree char *model = g_build_filename(dir, "model.dlm", NULL);
    g_autofree char *history = g_build_filename(dir, "history.csv", NULL);
    g_autofree char *log = g_build_filename(dir, "log.txt", NULL);
    g_autofree char *done = g_build_filename(dir, "done", NULL);
    g_autofree char *record = g_build_filename(dir, "run.json", NULL);
    if (g_mkdir_with_parents(dir, 0755) != 0) {
        fprintf(stderr, "ablation: cannot create %s: %s\n", dir, g_strerror(errno));
        return FALSE;
    }
    /* Runs with a weight average cannot be resumed: they start over. */
    gboolean averaged = variant_preset(r->variant)->train.ema > 0;
    for (const char *const *a = r->variant->args; *a != NULL; a++)
        averaged |= strcmp(*a, "--ema") == 0;
    gboolean resume = !averaged && g_file_test(model, G_FILE_TEST_IS_REGULAR);
    gboolean resume_folder = resume && g_file_test(record, G_FILE_TEST_IS_REGULAR);
    if (!resume) {
        g_unlink(record);
        g_unlink(model);
        g_unlink(history);
    }

    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(argv, g_strdup(self));
    g_ptr_array_add(argv, g_strdup("train"));
    /* A run folder keeps its recipe: resumed, it is given the epochs only. */
    for (const char *const *a = r->variant->args; *a != NULL && !resume_folder; a++)
        g_ptr_array_add(argv, g_strdup(*a));
    if (!resume_folder)
        g_ptr_array_add(argv, g_strdup_printf("--seed=%d", r->seed));
    g_ptr_array_add(argv, g_strdup_printf("--epochs=%d", r->epochs));
    /* A shorter protocol keeps the warmup's share of the run (the paper's: 5 of 30 epochs). */
    const NnPreset *preset = variant_preset(r->variant);
    if (r->epochs != preset->train.epochs && preset->train.schedule.warmup > 0 && !resume_folder) {
        char warmup[G_ASCII_DTOSTR_BUF_SIZE];
        g_ascii_formatd(warmup, sizeof warmup, "%.4g", preset->train.schedule.warmup * r->epochs / preset->train.epochs);
        g_ptr_array_add(argv, g_strdup_printf("--warmup=%s", warmup));
    }
    if (threads > 0)
        g_ptr_array_add(argv, g_strdup_printf("--threads=%d", threads));
    if (limit > 0 && !resume_folder)
        g_ptr_array_add(argv, g_strdup_printf("--limit=%d", limit));
    if (data != NULL)
        g_ptr_array_add(argv, g_strdup_printf("--data=%s", data));
    if (resume_folder) {
        g_ptr_array_add(argv, g_strdup_printf("--resume=%s", dir));
    } else if (resume) {
        /* A folder of an earlier version: its model and history, as then. */
        g_ptr_array_add(argv, g_strdup_printf("--history=%s", history));
        g_ptr_array_add(argv, g_strdup_printf("--resume=%s", model));
        g_ptr_array_add(argv, g_strdup("--save-optimizer"));
    } else {
        g_ptr_array_add(argv, g_strdup_printf("--run-dir=%s", dir));
        g_ptr_array_add(argv, g_strdup_printf("--run-name=%s, seed %d", r->variant->name, r->seed));
    }
    g_ptr_array_add(argv, NULL);

    g_autofree char *command = g_strjoinv(" ", (char **)argv->pdata);
    printf("%s seed %d: %s%s\n", r->variant->name, r->seed, resume ? "resuming, " : "", command);
    fflush(stdout);
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_MERGE);
    g_autoptr(GError) error = NULL;
    g_subprocess_launcher_set_stdout_file_path(launcher, log);
    g_autoptr(GSubprocess) proc = g_subprocess_launcher_spawnv(launcher, (const char *const *)argv->pdata, &error);
    if (proc == NULL) {
        fprintf(stderr, "ablation: cannot start %s: %s\n", self, error->message);
        return FALSE;
    }
    if (!g_subprocess_wait(proc, NULL, &error))
        return FALSE;
    int status = g_subprocess_get_if_exited(proc) ? g_subprocess_get_exit_status(proc) : -1;
    if (status != 0 || !read_history(dir, r) || r->epochs_found != r->epochs) {
        if (!interrupted)
            fprintf(stderr, "ablation: %s seed %d failed (exit status %d); see %s\n", r->variant->name, r->seed,
                    status, log);
        return FALSE;
    }
    NnError err = { 0 };
    if (nn_file_replace(done, "done\n", 5, &err) != NN_OK) {
        fprintf(stderr, "ablation: %s\n", err.message);
        return FALSE;
    }
    r->done = TRUE;
    return TRUE;
}

static double
median(double *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n == 0 ? NAN : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Writes ablation.csv and ablation.md from the runs done so far. */
static gboolean
write_results(const char *out, const Run *runs, int n_runs, const char *protocol)
{
    g_autoptr(GString) csv = g_string_new("variant,seed,epochs,final_test_accuracy,final_test_loss,"
                                          "best_epoch_accuracy,best_epoch,seconds,images_per_second\n");
    for (int i = 0; i < n_runs; i++) {
        const Run *r = &runs[i];
        if (!r->done)
            continue;
        g_string_append_printf(csv, "%s,%d,%d,%.4f,%.4f,%.4f,%d,%.1f,%.0f\n", r->variant->name, r->seed,
                               r->epochs_found, r->final_accuracy, r->final_loss, r->best_accuracy,
                               r->best_epoch, r->seconds, r->images_per_s);
    }
    g_autoptr(GString) md = g_string_new(NULL);
    g_string_append_printf(md, "# Ablation of the paper's recipe\n\nProtocol: %s.\n\n"
                           "Accuracy is on the 10,000 MNIST test images at the **final epoch**. The best epoch "
                           "is chosen on the test set, so it is not a fair score; it is listed for comparison "
                           "with papers that report it.\n\n"
                           "| variant | what changes | runs | final accuracy, mean ± sd | median | every seed | "
                           "vs. the paper's recipe | best epoch (on test) | minutes a run |\n"
                           "|---|---|---:|---:|---:|---|---:|---:|---:|\n", protocol);
    double paper_mean = NAN;
    for (size_t v = 0; v < G_N_ELEMENTS(variants); v++) {
        double acc[MAX_SEEDS], best = 0, seconds = 0;
        int n = 0;
        GString *seeds = g_string_new(NULL);
        for (int i = 0; i < n_runs && n < MAX_SEEDS; i++)
            if (runs[i].done && runs[i].variant == &variants[v]) {
                acc[n++] = 100 * runs[i].final_accuracy;
                best += 100 * runs[i].best_accuracy;
                seconds += runs[i].seconds;
                g_string_append_printf(seeds, "%s%d: %.2f", seeds->len ? ", " : "", runs[i].seed,
                                       100 * runs[i].final_accuracy);
            }
        if (n == 0) {
            g_string_free(seeds, TRUE);
            continue;
        }
        double mean = 0, sd = 0;
        for (int i = 0; i < n; i++)
            mean += acc[i] / n;
        for (int i = 0; i < n; i++)
            sd += (acc[i] - mean) * (acc[i] - mean);
        sd = n > 1 ? sqrt(sd / (n - 1)) : 0;
        if (v == 0)
            paper_mean = mean;
        g_autofree char *delta = isnan(paper_mean) || v == 0 ? g_strdup(v == 0 ? "—" : "")
                                                              : g_strdup_printf("%+.2f", mean - paper_mean);
        /* One run has no spread to show: "± 0.00" would claim one. */
        g_autofree char *spread = n > 1 ? g_strdup_printf("%.2f ± %.2f %%", mean, sd)
                                        : g_strdup_printf("%.2f %% (one run)", mean);
        g_string_append_printf(md, "| %s | %s | %d | %s | %.2f %% | %s | %s | %.2f %% | %.1f |\n",
                               variants[v].name, variants[v].description, n, spread, median(acc, n), seeds->str,
                               delta, best / n, seconds / n / 60);
        g_string_free(seeds, TRUE);
    }
    g_autofree char *csv_path = g_build_filename(out, "ablation.csv", NULL);
    g_autofree char *md_path = g_build_filename(out, "ablation.md", NULL);
    NnError err = { 0 };
    if (nn_file_replace(csv_path, csv->str, csv->len, &err) != NN_OK ||
        nn_file_replace(md_path, md->str, md->len, &err) != NN_OK) {
        fprintf(stderr, "ablation: %s\n", err.message);
        return FALSE;
    }
    return TRUE;
}

int
cmd_ablation(int argc, char **argv)
{
    g_autofree char *out = NULL, *data = NULL, *only = NULL;
    int seeds = 3, epochs = 0, limit = 0, threads = 0;
    gboolean list = FALSE;
    const GOptionEntry entries[] = {
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Folder for the runs and the results (required)", "DIR" },
        { "seeds", 0, 0, G_OPTION_ARG_INT, &seeds, "Seeds per variant, 1..N (3)", "N" },
        { "epochs", 0, 0, G_OPTION_ARG_INT, &epochs, "Epochs of every run (default: each recipe's own, 30 for the paper's)", "N" },
        { "limit", 0, 0, G_OPTION_ARG_INT, &limit, "Train on the first N training images only", "N" },
        { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Threads of each run (default: all cores)", "N" },
        { "data", 0, 0, G_OPTION_ARG_FILENAME, &data, "MNIST folder", "DIR" },
        { "variants", 0, 0, G_OPTION_ARG_STRING, &only, "Only these variants, comma-separated (default: all but the levers; see --list)", "A,B" },
        { "list", 0, 0, G_OPTION_ARG_NONE, &list, "List the variants and exit", NULL },
        G_OPTION_ENTRY_NULL
    };
    if (!cli_parse_options(&argc, &argv, "", "Run the paper's ablation: each ingredient taken out, several seeds.",
                           entries))
        return 2;
    if (list) {
        for (size_t v = 0; v < G_N_ELEMENTS(variants); v++)
            printf("%-13s %s%s\n", variants[v].name, variants[v].description,
                   variants[v].lever ? " [a lever: run when named]" : "");
        return 0;
    }
    if (out == NULL || argc > 1) {
        fprintf(stderr, "ablation: %s\nUsage: digitlab-cli ablation --out DIR [--seeds N] [--epochs N] [--limit N]\n",
                out == NULL ? "--out DIR is required" : "unexpected argument");
        return 2;
    }
    if (!cli_check_range("ablation", "seeds", seeds, 1, MAX_SEEDS, FALSE) ||
        !cli_check_range("ablation", "epochs", epochs, 0, 100000, FALSE) ||
        !cli_check_range("ablation", "limit", limit, 0, 1e9, FALSE) ||
        !cli_check_range("ablation", "threads", threads, 0, 1024, FALSE))
        return 2;
    g_auto(GStrv) wanted = only != NULL ? g_strsplit(only, ",", -1) : NULL;
    for (char **w = wanted; w != NULL && *w != NULL; w++) {
        gboolean known = FALSE;
        for (size_t v = 0; v < G_N_ELEMENTS(variants); v++)
            known |= strcmp(*w, variants[v].name) == 0;
        if (!known) {
            fprintf(stderr, "ablation: unknown variant '%s' (see --list)\n", *w);
            return 2;
        }
    }
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    if (self == NULL) {
        fprintf(stderr, "ablation: cannot find the digitlab-cli program itself\n");
        return 1;
    }

    /* Every planned run, in variant order, seed by seed: those done already
     * (from an earlier piece of this ablation) are read back. */
    GArray *runs = g_array_new(FALSE, TRUE, sizeof(Run));
    for (size_t v = 0; v < G_N_ELEMENTS(variants); v++) {
        gboolean chosen = wanted == NULL && !variants[v].lever;
        for (char **w = wanted; w != NULL && *w != NULL; w++)
            chosen |= strcmp(*w, variants[v].name) == 0;
        const NnPreset *preset = variant_preset(&variants[v]);
        /* Seeds past --seeds that an earlier piece ran are reported too:
         * a table never leaves out a seed that was run. */
        for (int s = 1; s <= MAX_SEEDS; s++) {
            Run r = { .variant = &variants[v], .seed = s };
            int base = epochs > 0 ? epochs : preset->train.epochs;
            r.epochs = variants[v].half_epochs ? (base + 1) / 2 : base;
            g_autofree char *dir = run_dir(out, &r);
            g_autofree char *done = g_build_filename(dir, "done", NULL);
            if (g_file_test(done, G_FILE_TEST_EXISTS) && read_history(dir, &r) && r.epochs_found == r.epochs)
                r.done = TRUE;
            else if (!chosen || s > seeds)
                continue;
            g_array_append_val(runs, r);
        }
    }
    g_autofree char *epochs_text = epochs > 0 ? g_strdup_printf("%d epochs", epochs)
                                              : g_strdup("each recipe's own epochs (the paper's: 30)");
    g_autofree char *images_text = limit > 0 ? g_strdup_printf("the first %d training images", limit)
                                             : g_strdup("all 60,000 training images");
    g_autofree char *threads_text =
        threads > 0 ? g_strdup_printf(", %d thread%s", threads, threads == 1 ? "" : "s") : g_strdup("");
    g_autofree char *protocol = g_strdup_printf("%s, %s, seeds 1-%d (and any other seed run earlier)%s; the sgd variant trains half the epochs; "
                                                "a shorter run keeps the warmup's share of its recipe's epochs "
                                                "(the paper's: 5 of 30)",
                                                epochs_text, images_text, seeds, threads_text);

    struct sigaction sa = { 0 };
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int failed = 0, ran = 0;
    for (guint i = 0; i < runs->len && !interrupted; i++) {
        Run *r = &g_array_index(runs, Run, i);
        if (r->done)
            continue;
        ran++;
        if (!run_one(self, out, data, threads, limit, r))
            failed++;
        else
            printf("%s seed %d: %.2f %% at epoch %d (%.1f min)\n", r->variant->name, r->seed,
                   100 * r->final_accuracy, r->epochs_found, r->seconds / 60);
        fflush(stdout);
        if (!write_results(out, (Run *)runs->data, (int)runs->len, protocol))
            failed++;
    }
    if (ran == 0 && !write_results(out, (Run *)runs->data, (int)runs->len, protocol))
        failed++;
    int rc = interrupted ? 1 : failed > 0 ? 1 : 0;
    g_autofree char *md = g_build_filename(out, "ablation.md", NULL);
    if (interrupted)
        fprintf(stderr, "Interrupted: the runs done so far are in %s; the same command carries on.\n", md);
    else
        printf("Results: %s\n", md);
    g_array_unref(runs);
    return rc;
}
