/* test-train-cli.c — `digitlab-cli train`'s promises about its files.
 *
 * Runs $DIGITLAB_CLI on a small synthetic MNIST written here (so it needs
 * no real data): options that are not numbers in range are refused before
 * anything is written; --out never replaces something that is not a
 * regular file, follows symbolic links and keeps a file's mode; --resume
 * refuses a model without optimizer state unless asked, and does nothing
 * when nothing is left to do; the history never repeats an epoch after a
 * resume, and a history that cannot be written (a full disk) fails the run
 * and leaves the model file as it was; SIGTERM stops at the next batch and
 * leaves no temporary file; --run-dir keeps a run folder, which --resume
 * continues to the same weights as an uninterrupted run, after a stop or a
 * kill; the ablation's runs are run folders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test-cli.h"
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dl-run.h"
#include "model.h"

enum { N_TRAIN = 256, N_TEST = 64 };

static char *tmp_dir;
static char *data_dir;

static char *
tmp_path(const char *name)
{
    return g_build_filename(tmp_dir, name, NULL);
}

static void
put_be32(GByteArray *a, uint32_t v)
{
    uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };
    g_byte_array_append(a, b, 4);
}

/* An IDX pair of bars in `dir`: digit k is a bar at one of ten places; from
 * image `wrong_from` on, each is labelled k + 1 instead. */
static void
write_split_to(const char *dir, const char *prefix, int count, int wrong_from)
{
    g_autoptr(GByteArray) images = g_byte_array_new(), labels = g_byte_array_new();
    put_be32(images, 0x803);
    put_be32(images, (uint32_t)count);
    put_be32(images, 28);
    put_be32(images, 28);
    put_be32(labels, 0x801);
    put_be32(labels, (uint32_t)count);
    for (int i = 0; i < count; i++) {
        uint8_t img[NN_IMAGE_PIXELS] = { 0 }, k = (uint8_t)(i % 10);
        for (int j = 4; j < 24; j++) {
            int pos = 4 + 2 * (k % 5);
            img[k < 5 ? j * 28 + pos : pos * 28 + j] = 255;
        }
        uint8_t label = i < wrong_from ? k : (uint8_t)((k + 1) % 10);
        g_byte_array_append(images, img, sizeof img);
        g_byte_array_append(labels, &label, 1);
    }
    g_autofree char *ip = g_strdup_printf("%s/%s-images-idx3-ubyte", dir, prefix);
    g_autofree char *lp = g_strdup_printf("%s/%s-labels-idx1-ubyte", dir, prefix);
    assert_true(g_file_set_contents(ip, (char *)images->data, images->len, NULL));
    assert_true(g_file_set_contents(lp, (char *)labels->data, labels->len, NULL));
}

static void
write_split(const char *prefix, int count)
{
    write_split_to(data_dir, prefix, count, count);
}

/* Runs digitlab-cli train --data DATA --threads 1 --batch 64 ARGS... (NULL-terminated). */
static int
run_train(char **out, char **err, ...)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    const char *fixed[] = { "train", "--data", data_dir, "--threads", "1", "--batch", "64" };
    for (size_t i = 0; i < G_N_ELEMENTS(fixed); i++)
        g_ptr_array_add(args, (char *)fixed[i]);
    va_list ap;
    va_start(ap, err);
    for (const char *a = va_arg(ap, const char *); a != NULL; a = va_arg(ap, const char *))
        g_ptr_array_add(args, (char *)a);
    va_end(ap);
    g_ptr_array_add(args, NULL);
    return test_cli_run(NULL, out, err, (const char *const *)args->pdata);
}

static void
assert_contains(const char *haystack, const char *needle)
{
    if (haystack == NULL || strstr(haystack, needle) == NULL)
        fail_msg("expected '%s' in:\n%s", needle, haystack != NULL ? haystack : "(null)");
}

/* No file in the test folder but the given ones (no temporaries left). */
static void
assert_only_files(const char *const *names)
{
    g_autoptr(GDir) dir = g_dir_open(tmp_dir, 0, NULL);
    const char *entry;
    while ((entry = g_dir_read_name(dir)) != NULL) {
        gboolean known = strcmp(entry, "mnist") == 0;
        for (const char *const *n = names; *n != NULL && !known; n++)
            known = strcmp(entry, *n) == 0;
        if (!known)
            fail_msg("unexpected file left in the folder: %s", entry);
    }
}

static void
clear_files(void)
{
    g_autoptr(GDir) dir = g_dir_open(tmp_dir, 0, NULL);
    const char *entry;
    while ((entry = g_dir_read_name(dir)) != NULL)
        if (strcmp(entry, "mnist") != 0) {
            g_autofree char *p = tmp_path(entry);
            g_unlink(p);
        }
}

static int
model_epochs(const char *path)
{
    NnModel *m;
    NnError err;
    if (nn_model_load(path, &m, &err) != NN_OK)
        fail_msg("%s", err.message);
    int epochs = nn_model_epochs_done(m);
    nn_model_free(m);
    return epochs;
}

/* ---- cases ---- */

static void
test_bad_numbers_refused(void **state)
{
    (void)state;
    g_autofree char *model = tmp_path("m.dlm");
    const char *bad[][2] = {
        { "--rotation", "nan" }, { "--zoom", "nan" }, { "--shift", "nan" }, { "--lr-max", "inf" },
        { "--lr-max", "1e30" }, { "--lr-min", "-1" }, { "--warmup", "nan" }, { "--epochs", "0" },
        { "--batch", "0" }, { "--limit", "-5" }, { "--zoom", "1" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *err = NULL;
        assert_int_equal(run_train(NULL, &err, "--out", model, bad[i][0], bad[i][1], NULL), 2);
        g_autofree char *name = g_strdup_printf("%s must be", bad[i][0]);
        assert_contains(err, name);
    }
    assert_false(g_file_test(model, G_FILE_TEST_EXISTS));
    assert_only_files((const char *[]){ NULL });
}

static void
test_out_not_regular_refused(void **state)
{
    (void)state;
    g_autofree char *err = NULL, *fifo = tmp_path("pipe");
    assert_int_equal(run_train(NULL, &err, "--out", "/dev/null", "--epochs", "1", NULL), 2);
    assert_contains(err, "it is a device");
    struct stat st;
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(mkfifo(fifo, 0600), 0);
    g_clear_pointer(&err, g_free);
    assert_int_equal(run_train(NULL, &err, "--out", fifo, "--epochs", "1", NULL), 2);
    assert_contains(err, "named pipe");
    assert_int_equal(stat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    /* a FIFO given as the model to resume is refused at once, not waited on */
    g_clear_pointer(&err, g_free);
    alarm(20);
    assert_int_equal(run_train(NULL, &err, "--resume", fifo, "--out", "/tmp/never.dlm", NULL), 1);
    alarm(0);
    assert_contains(err, "named pipe");
    clear_files();
}

static void
test_out_symlink_and_mode(void **state)
{
    (void)state;
    g_autofree char *target = tmp_path("real.dlm"), *link = tmp_path("link.dlm");
    assert_true(g_file_set_contents(target, "old", 3, NULL));
    assert_int_equal(chmod(target, 0600), 0);
    assert_int_equal(symlink("real.dlm", link), 0);
    g_autofree char *out = NULL;
    assert_int_equal(run_train(&out, NULL, "--out", link, "--epochs", "1", NULL), 0);
    assert_contains(out, "Saved the model of epoch 1");
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(stat(target, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(model_epochs(target), 1);
    assert_only_files((const char *[]){ "real.dlm", "link.dlm", NULL });
    clear_files();
}

static void
test_resume_rules(void **state)
{
    (void)state;
    g_autofree char *model = tmp_path("r.dlm"), *err = NULL, *out = NULL;
    assert_int_equal(run_train(NULL, NULL, "--out", model, "--epochs", "1", NULL), 0);
    /* saved without optimizer state: refused, unless asked for */
    assert_int_equal(run_train(NULL, &err, "--resume", model, "--epochs", "2", NULL), 1);
    assert_contains(err, "--fresh-optimizer");
    assert_int_equal(model_epochs(model), 1);
    assert_int_equal(run_train(NULL, NULL, "--resume", model, "--epochs", "2", "--fresh-optimizer", NULL), 0);
    assert_int_equal(model_epochs(model), 2); /* --out defaults to the resumed file */

    /* the optimizer's state goes on only with the same optimizer */
    g_autofree char *sgd = tmp_path("sgd.dlm"), *sgd_err = NULL;
    assert_int_equal(run_train(NULL, NULL, "--out", sgd, "--epochs", "1", "--optimizer", "sgd", "--lr-max", "0.01",
                               "--save-optimizer", NULL), 0);
    assert_int_equal(run_train(NULL, &sgd_err, "--resume", sgd, "--epochs", "2", NULL), 1);
    assert_contains(sgd_err, "was trained with --optimizer sgd");
    assert_int_equal(model_epochs(sgd), 1);
    assert_int_equal(run_train(NULL, NULL, "--resume", sgd, "--epochs", "2", "--optimizer", "sgd", "--lr-max", "0.01",
                               "--save-optimizer", NULL), 0);
    assert_int_equal(model_epochs(sgd), 2);

    /* nothing left to do: says so, writes nothing */
    gsize before_size, after_size;
    g_autofree char *before = NULL, *after = NULL;
    assert_true(g_file_get_contents(model, &before, &before_size, NULL));
    g_autofree char *other = tmp_path("other.dlm");
    assert_int_equal(run_train(&out, NULL, "--resume", model, "--epochs", "2", "--fresh-optimizer",
                               "--out", other, NULL), 0);
    assert_contains(out, "Nothing to do");
    assert_false(strstr(out, "Saved") != NULL);
    assert_false(g_file_test(other, G_FILE_TEST_EXISTS));
    assert_true(g_file_get_contents(model, &after, &after_size, NULL));
    assert_int_equal(before_size, after_size);
    assert_memory_equal(before, after, before_size);
    clear_files();
}

/* Rows of epoch numbers in a history CSV, as a string "1,2,3". */
static char *
history_epochs(const char *path)
{
    g_autofree char *text = NULL;
    assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    assert_true(g_str_has_prefix(lines[0], "epoch,lr,"));
    GString *epochs = g_string_new(NULL);
    for (char **l = lines + 1; *l != NULL; l++)
        if (**l != '\0')
            g_string_append_printf(epochs, "%s%d", epochs->len ? "," : "", atoi(*l));
    return g_string_free(epochs, FALSE);
}

static void
test_history_after_kill_and_resume(void **state)
{
    (void)state;
    g_autofree char *model = tmp_path("h.dlm"), *csv = tmp_path("h.csv");
    assert_int_equal(run_train(NULL, NULL, "--out", model, "--history", csv, "--epochs", "2",
                               "--save-optimizer", NULL), 0);
    g_autofree char *two = history_epochs(csv);
    assert_string_equal(two, "1,2");
    /* A kill after epoch 3's history row, before its model was saved: */
    FILE *f = fopen(csv, "a");
    assert_non_null(f);
    fputs("3,0.001,0.5,0.8,0.5,0.8,1.0,100.0\n", f);
    fclose(f);
    g_autofree char *err = NULL;
    assert_int_equal(run_train(NULL, &err, "--resume", model, "--history", csv, "--epochs", "4",
                               "--save-optimizer", NULL), 0);
    assert_contains(err, "dropped 1 row");
    g_autofree char *four = history_epochs(csv);
    assert_string_equal(four, "1,2,3,4");
    assert_int_equal(model_epochs(model), 4);
    clear_files();
}

static void
test_history_full_disk(void **state)
{
    (void)state;
    g_autofree char *model = tmp_path("full.dlm"), *err = NULL;
    int rc = run_train(NULL, &err, "--out", model, "--history", "/dev/full", "--epochs", "2", NULL);
    assert_int_equal(rc, 1);
    assert_contains(err, "disk is full");
    assert_false(g_file_test(model, G_FILE_TEST_EXISTS));
    assert_only_files((const char *[]){ NULL });
}

/* SIGTERM mid-run: stops at the next batch, exits 1, keeps the last
 * finished epoch, leaves no temporary file. */
static void
test_sigterm(void **state)
{
    (void)state;
    g_autofree char *model = tmp_path("t.dlm");
    const char *cli = g_getenv("DIGITLAB_CLI");
    const char *argv[] = { cli, "train", "--data", data_dir, "--threads", "1", "--batch", "16",
                           "--epochs", "1000", "--out", model, NULL };
    g_autoptr(GSubprocess) proc = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                    G_SUBPROCESS_FLAGS_STDERR_PIPE, NULL);
    assert_non_null(proc);
    g_autoptr(GDataInputStream) lines = g_data_input_stream_new(g_subprocess_get_stdout_pipe(proc));
    int epochs_seen = 0;
    for (;;) {
        g_autofree char *line = g_data_input_stream_read_line_utf8(lines, NULL, NULL, NULL);
        assert_non_null(line);
        if (g_str_has_prefix(line, "epoch ") && ++epochs_seen == 2)
            break;
    }
    g_subprocess_send_signal(proc, SIGTERM);
    assert_true(g_subprocess_wait(proc, NULL, NULL));
    assert_true(g_subprocess_get_if_exited(proc));
    assert_int_equal(g_subprocess_get_exit_status(proc), 1);
    assert_true(model_epochs(model) >= 2);
    assert_only_files((const char *[]){ "t.dlm", NULL });
    clear_files();
}

/* Runs digitlab-cli ARGS..., stdout and stderr together in *out (out may
 * be NULL). */
static int
run_cli(char **out, ...)
{
    va_list ap;
    va_start(ap, out);
    g_autofree char *std = NULL, *err = NULL;
    int status = test_cli_runv(NULL, &std, &err, ap);
    va_end(ap);
    if (out != NULL)
        *out = g_strconcat(std, err, NULL);
    return status;
}

static void
remove_tree(const char *path)
{
    g_autofree char *rm = g_strdup_printf("rm -rf '%s'", path);
    assert_int_equal(system(rm), 0);
}

/* --run-dir: the run folder's files, and what does not go with it. */
static void
test_run_dir(void **state)
{
    (void)state;
    g_autofree char *dir = tmp_path("run"), *out = NULL, *err = NULL;
    assert_int_equal(run_train(&out, NULL, "--run-dir", dir, "--run-name", "Two epochs", "--epochs", "2",
                               "--limit", "128", NULL), 0);
    assert_contains(out, "holds the model of epoch 2");
    g_autoptr(GError) error = NULL;
    g_autoptr(DlRun) run = dl_run_load(dir, &error);
    assert_non_null(run);
    assert_string_equal(dl_run_get_name(run), "Two epochs");
    assert_int_equal(dl_run_get_status(run), DL_RUN_FINISHED);
    assert_int_equal(dl_run_get_epochs_done(run), 2);
    assert_int_equal(dl_run_get_settings(run)->train_limit, 128);
    assert_int_equal(dl_run_get_settings(run)->train.threads, 1);
    assert_int_equal(dl_run_get_settings(run)->train.batch, 64);
    assert_non_null(strstr(dl_run_get_command(run), "--run-name"));
    g_autofree char *csv = g_build_filename(dir, "history.csv", NULL), *model = g_build_filename(dir, "model.dlm", NULL);
    g_autofree char *epochs = history_epochs(csv);
    assert_string_equal(epochs, "1,2");
    NnModel *m;
    NnError e;
    assert_int_equal(nn_model_load(model, &m, &e), NN_OK);
    assert_int_equal(nn_model_epochs_done(m), 2);
    assert_true(nn_model_has_optimizer_state(m));
    nn_model_free(m);

    /* Refused: a run there already; --out beside --run-dir; a run folder's recipe changed. */
    assert_int_equal(run_train(NULL, &err, "--run-dir", dir, "--epochs", "1", NULL), 2);
    assert_contains(err, "holds a run already");
    g_clear_pointer(&err, g_free);
    g_autofree char *other = tmp_path("other"), *other_model = tmp_path("o.dlm");
    assert_int_equal(run_train(NULL, &err, "--run-dir", other, "--out", other_model, NULL), 2);
    assert_false(g_file_test(other, G_FILE_TEST_EXISTS));
    g_clear_pointer(&err, g_free);
    assert_int_equal(run_cli(&err, "train", "--data", data_dir, "--resume", dir, "--zoom", "0.2", NULL), 2);
    assert_contains(err, "keeps its recipe");
    /* Nothing left to do: nothing written. */
    g_autofree char *json = g_build_filename(dir, "run.json", NULL), *before = NULL, *after = NULL, *again = NULL;
    assert_true(g_file_get_contents(json, &before, NULL, NULL));
    assert_int_equal(run_cli(&again, "train", "--data", data_dir, "--resume", dir, NULL), 0);
    assert_contains(again, "Nothing to do");
    assert_true(g_file_get_contents(json, &after, NULL, NULL));
    assert_string_equal(before, after);

    /* auto: a new folder under $XDG_DATA_HOME/digitlab/runs. */
    g_autofree char *xdg = tmp_path("xdg"), *auto_out = NULL;
    g_setenv("XDG_DATA_HOME", xdg, TRUE);
    assert_int_equal(run_train(&auto_out, NULL, "--run-dir", "auto", "--epochs", "1", "--limit", "64", NULL), 0);
    g_unsetenv("XDG_DATA_HOME");
    g_autofree char *root = g_build_filename(xdg, "digitlab", "runs", NULL);
    g_autoptr(GPtrArray) runs = dl_run_list(root, NULL);
    assert_int_equal(runs->len, 1);
    assert_string_equal(dl_run_get_name(runs->pdata[0]), "Run 1");
    remove_tree(xdg);
    remove_tree(dir);
}

/* Starts train ARGS... and sends sig once the line of `epoch` is out (it is
 * printed before that epoch's files are written). */
static void
train_until_epoch(int sig, int epoch, ...)
{
    const char *cli = g_getenv("DIGITLAB_CLI");
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    const char *fixed[] = { cli, "train", "--data", data_dir, "--threads", "1", "--batch", "16", "--epochs", "3" };
    for (size_t i = 0; i < G_N_ELEMENTS(fixed); i++)
        g_ptr_array_add(argv, (char *)fixed[i]);
    va_list ap;
    va_start(ap, epoch);
    for (const char *a = va_arg(ap, const char *); a != NULL; a = va_arg(ap, const char *))
        g_ptr_array_add(argv, (char *)a);
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    g_autofree char *prefix = g_strdup_printf("epoch  %d/3", epoch);
    g_autoptr(GSubprocess) proc = g_subprocess_newv((const char *const *)argv->pdata,
        G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL);
    assert_non_null(proc);
    g_autoptr(GDataInputStream) lines = g_data_input_stream_new(g_subprocess_get_stdout_pipe(proc));
    for (;;) {
        g_autofree char *line = g_data_input_stream_read_line_utf8(lines, NULL, NULL, NULL);
        assert_non_null(line);
        if (g_str_has_prefix(line, prefix))
            break;
    }
    g_subprocess_send_signal(proc, sig);
    assert_true(g_subprocess_wait(proc, NULL, NULL));
}

static float *
model_params(const char *dir, size_t *n)
{
    g_autofree char *path = g_build_filename(dir, "model.dlm", NULL);
    NnModel *m;
    NnError e;
    assert_int_equal(nn_model_load(path, &m, &e), NN_OK);
    *n = nn_model_param_count(m);
    float *p = g_memdup2(nn_model_params(m), *n * sizeof(float));
    nn_model_free(m);
    return p;
}

/* The validation columns of a history, without the times. */
static char *
history_values(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, "history.csv", NULL), *text = NULL;
    assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    GString *v = g_string_new(NULL);
    for (char **l = lines; *l != NULL; l++) {
        g_auto(GStrv) f = g_strsplit(*l, ",", -1);
        for (int k = 0; k < 6 && f[k] != NULL; k++)
            g_string_append_printf(v, "%s,", f[k]);
        g_string_append_c(v, '\n');
    }
    return g_string_free(v, FALSE);
}

/* A run stopped (SIGTERM) after its first epoch or killed (SIGKILL) after
 * its first epoch's files (as the second ends), then
 * resumed from its folder, ends with the weights and history of a run that
 * was never interrupted. */
static void
test_run_dir_resume_exact(void **state)
{
    (void)state;
    g_autofree char *whole = tmp_path("whole"), *stopped = tmp_path("stopped"), *killed = tmp_path("killed");
    assert_int_equal(run_cli(NULL, "train", "--data", data_dir, "--threads", "1", "--batch", "16", "--epochs", "3",
                             "--run-dir", whole, NULL), 0);
    train_until_epoch(SIGTERM, 1, "--run-dir", stopped, NULL);
    train_until_epoch(SIGKILL, 2, "--run-dir", killed, NULL);

    g_autoptr(GError) error = NULL;
    g_autoptr(DlRun) s = dl_run_load(stopped, &error);
    assert_non_null(s);
    assert_int_equal(dl_run_get_status(s), DL_RUN_STOPPED);
    assert_false(dl_run_get_interrupted(s));
    assert_true(dl_run_can_resume(s, NULL));
    g_autoptr(DlRun) k = dl_run_load(killed, &error);
    assert_non_null(k);
    assert_int_equal(dl_run_get_status(k), DL_RUN_STOPPED); /* running on disk, nobody holds it */
    assert_true(dl_run_get_interrupted(k));

    size_t n_whole, n;
    g_autofree float *p_whole = model_params(whole, &n_whole);
    g_autofree char *h_whole = history_values(whole);
    const char *dirs[] = { stopped, killed };
    for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
        g_autofree char *out = NULL;
        if (run_cli(&out, "train", "--data", data_dir, "--resume", dirs[i], NULL) != 0)
            fail_msg("resuming %s failed:\n%s", dirs[i], out);
        g_autoptr(DlRun) after = dl_run_load(dirs[i], &error);
        assert_int_equal(dl_run_get_status(after), DL_RUN_FINISHED);
        assert_int_equal(dl_run_get_epochs_done(after), 3);
        g_autofree float *p = model_params(dirs[i], &n);
        assert_int_equal(n, n_whole);
        assert_memory_equal(p, p_whole, n * sizeof(float));
        g_autofree char *h = history_values(dirs[i]);
        assert_string_equal(h, h_whole);
        remove_tree(dirs[i]);
    }
    remove_tree(whole);
}

/* The ablation runs each variant with each seed, writes one CSV row per run
 * and a table, and carries on where it stopped: runs already done are not
 * run again. */
static void
test_ablation_resumable(void **state)
{
    (void)state;
    g_autofree char *dir = tmp_path("abl"), *out = NULL, *again = NULL, *third = NULL;
    assert_int_equal(run_cli(&out, "ablation", "--out", dir, "--data", data_dir, "--seeds", "2", "--epochs", "2",
                             "--threads", "1", "--variants", "paper,no-dropout", NULL), 0);
    g_autofree char *csv_path = g_build_filename(dir, "ablation.csv", NULL), *csv = NULL;
    assert_true(g_file_get_contents(csv_path, &csv, NULL, NULL));
    g_auto(GStrv) rows = g_strsplit(g_strstrip(csv), "\n", -1);
    assert_int_equal(g_strv_length(rows), 5); /* header + 2 variants x 2 seeds */
    assert_true(g_str_has_prefix(rows[1], "paper,1,2,"));
    assert_true(g_str_has_prefix(rows[4], "no-dropout,2,2,"));
    g_autofree char *md_path = g_build_filename(dir, "ablation.md", NULL), *md = NULL;
    assert_true(g_file_get_contents(md_path, &md, NULL, NULL));
    assert_contains(md, "| paper | the paper's full recipe | 2 |");
    assert_contains(md, "| no-dropout | without dropout | 2 |");
    assert_contains(md, "final epoch");
    /* Each run is a run folder the app can open, named by its variant. */
    g_autofree char *run_path = g_build_filename(dir, "runs", "no-dropout-seed2", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(DlRun) run = dl_run_load(run_path, &error);
    assert_non_null(run);
    assert_string_equal(dl_run_get_name(run), "no-dropout, seed 2");
    assert_int_equal(dl_run_get_status(run), DL_RUN_FINISHED);
    assert_true(dl_run_get_settings(run)->model.dropout_conv == 0.0f);
    assert_int_equal(dl_run_get_settings(run)->train.seed, 2);

    /* Again: nothing to run. Then with one run's "done" removed: only it runs. */
    assert_int_equal(run_cli(&again, "ablation", "--out", dir, "--data", data_dir, "--seeds", "2", "--epochs", "2",
                             "--threads", "1", "--variants", "paper,no-dropout", NULL), 0);
    assert_false(strstr(again, "seed 1: ") != NULL);
    g_autofree char *done = g_build_filename(dir, "runs", "no-dropout-seed2", "done", NULL);
    assert_int_equal(g_unlink(done), 0);
    assert_int_equal(run_cli(&third, "ablation", "--out", dir, "--data", data_dir, "--seeds", "2", "--epochs", "2",
                             "--threads", "1", "--variants", "paper,no-dropout", NULL), 0);
    assert_contains(third, "no-dropout seed 2: ");
    assert_false(strstr(third, "paper seed") != NULL);
    g_autofree char *csv2 = NULL;
    assert_true(g_file_get_contents(csv_path, &csv2, NULL, NULL));
    g_auto(GStrv) rows2 = g_strsplit(g_strstrip(csv2), "\n", -1);
    assert_int_equal(g_strv_length(rows2), 5);
    for (int i = 1; i < 5; i++) { /* deterministic: the same accuracies (times differ) */
        g_auto(GStrv) a = g_strsplit(rows[i], ",", -1), b = g_strsplit(rows2[i], ",", -1);
        for (int k = 0; k < 7; k++)
            assert_string_equal(a[k], b[k]);
    }
    /* A piece with fewer seeds still reports every seed run: nothing hidden. */
    g_autofree char *fourth = NULL, *csv3 = NULL;
    assert_int_equal(run_cli(&fourth, "ablation", "--out", dir, "--data", data_dir, "--seeds", "1", "--epochs", "2",
                             "--threads", "1", "--variants", "paper", NULL), 0);
    assert_true(g_file_get_contents(csv_path, &csv3, NULL, NULL));
    g_auto(GStrv) rows3 = g_strsplit(g_strstrip(csv3), "\n", -1);
    assert_int_equal(g_strv_length(rows3), 5);
    g_autofree char *md3 = NULL;
    assert_true(g_file_get_contents(md_path, &md3, NULL, NULL));
    assert_contains(md3, "| paper | the paper's full recipe | 2 |");

    /* A lever runs when named, as the paper's recipe plus that lever, and
     * is compared with the paper's runs. */
    g_autofree char *list = NULL, *lever = NULL;
    assert_int_equal(run_cli(&list, "ablation", "--list", NULL), 0);
    assert_contains(list, "plus-ema");
    assert_contains(list, "[a lever: run when named]");
    assert_int_equal(run_cli(&lever, "ablation", "--out", dir, "--data", data_dir, "--seeds", "1", "--epochs", "2",
                             "--threads", "1", "--variants", "plus-ema", NULL), 0);
    g_autofree char *lever_path = g_build_filename(dir, "runs", "plus-ema-seed1", NULL);
    g_autoptr(DlRun) lever_run = dl_run_load(lever_path, &error);
    assert_non_null(lever_run);
    assert_true(dl_run_get_settings(lever_run)->train.ema == 0.999f);
    assert_true(dl_run_get_settings(lever_run)->model.dropout_conv > 0.0f); /* the paper's otherwise */
    g_autofree char *md4 = NULL;
    assert_true(g_file_get_contents(md_path, &md4, NULL, NULL));
    assert_non_null(strstr(md4, "| plus-ema | the paper's recipe with a moving average"));
    /* Its one run shows no spread ("± 0.00" would claim there is none). */
    assert_contains(md4, "% (one run) |");
    g_autofree char *rm = g_strdup_printf("rm -rf '%s'", dir);
    assert_int_equal(system(rm), 0);
}

/* finetune on drawings, then evaluate --strokes on them; what is wrong with
 * the drawings is said, and nothing is written. */
static void
test_finetune_and_evaluate_strokes(void **state)
{
    (void)state;
    g_autofree char *base = tmp_path("base.dlm"), *tuned = tmp_path("tuned.dlm");
    g_autofree char *drawings = tmp_path("class.jsonl"), *unlabelled = tmp_path("none.jsonl");
    assert_int_equal(run_train(NULL, NULL, "--out", base, "--epochs", "1", NULL), 0);
    /* vertical strokes at ten places, labelled as make_dataset's classes */
    GString *lines = g_string_new(NULL), *bare = g_string_new(NULL);
    for (int i = 0; i < 30; i++) {
        int k = i % 5, x = 4 + 2 * k;
        g_string_append_printf(lines, "{\"strokes\": [[[%d, 4], [%d, 23]]], \"label\": %d}\n", x, x + (i % 3) - 1, k);
        g_string_append_printf(bare, "{\"strokes\": [[[%d, 4], [%d, 23]]]}\n", x, x);
    }
    assert_true(g_file_set_contents(drawings, lines->str, -1, NULL));
    assert_true(g_file_set_contents(unlabelled, bare->str, -1, NULL));
    g_string_free(lines, TRUE);
    g_string_free(bare, TRUE);
    g_autofree char *out = NULL, *json = NULL, *err_text = NULL;
    assert_int_equal(run_cli(&out, "finetune", "--model", base, "--strokes", drawings, "--out", tuned, "--data",
                             data_dir, "--epochs", "2", "--threads", "1", NULL), 0);
    assert_contains(out, "Saved the fine-tuned model");
    NnModel *m;
    assert_int_equal(nn_model_load(tuned, &m, NULL), NN_OK);
    assert_non_null(strstr(nn_model_recipe(m), "then digitlab-cli finetune on 30 drawings"));
    nn_model_free(m);
    assert_int_equal(run_cli(&json, "evaluate", "--model", tuned, "--strokes", drawings, "--json", NULL), 0);
    assert_contains(json, "\"digits\": 30, \"non_digits\": 0");
    assert_contains(json, "\"verdicts\": {");
    g_autofree char *json2 = NULL;
    assert_int_equal(run_cli(&json2, "evaluate", "--model", tuned, "--strokes", unlabelled, "--json", NULL), 0);
    assert_contains(json2, "\"digits\": 0, \"non_digits\": 30");
    /* no labels: nothing to learn, nothing written */
    g_autofree char *again = tmp_path("again.dlm");
    assert_int_equal(run_cli(&err_text, "finetune", "--model", base, "--strokes", unlabelled, "--out", again,
                             "--data", data_dir, NULL), 1);
    assert_contains(err_text, "holds no labelled drawings");
    assert_false(g_file_test(again, G_FILE_TEST_EXISTS));
    /* a share of non-digits outside 0-0.5: a usage error, nothing written */
    g_autofree char *bad_share = NULL;
    assert_int_equal(run_cli(&bad_share, "finetune", "--model", base, "--strokes", drawings, "--out", again,
                             "--data", data_dir, "--outliers", "0.7", NULL), 2);
    assert_contains(bad_share, "--outliers must be between 0 and 0.5, not 0.7");
    assert_false(g_file_test(again, G_FILE_TEST_EXISTS));
    clear_files();
}

static void
model_calibration(const char *path, float *t, float *sure, float *reject, bool *calibrated)
{
    NnModel *m;
    assert_int_equal(nn_model_load(path, &m, NULL), NN_OK);
    *t = nn_model_temperature(m);
    nn_model_thresholds(m, sure, reject);
    *calibrated = nn_model_is_calibrated(m);
    nn_model_free(m);
}

/* calibrate uses the images the recipe held out: on a model trained with
 * --calibrate N it finds what training found; it refuses a model that saw
 * every image, and a fine-tuning that did, unless told --held-out N. */
static void
test_calibrate_held_out(void **state)
{
    (void)state;
    g_autofree char *held = tmp_path("held.dlm"), *again = tmp_path("again.dlm"), *all = tmp_path("all.dlm");
    g_autofree char *forced = tmp_path("forced.dlm"), *tuned = tmp_path("tuned.dlm"), *drawings = tmp_path("d.jsonl");
    g_autofree char *t_held = tmp_path("tuned-held.dlm"), *again2 = tmp_path("again2.dlm");
    assert_int_equal(run_train(NULL, NULL, "--out", held, "--epochs", "1", "--calibrate", "100", NULL), 0);
    assert_int_equal(run_train(NULL, NULL, "--out", all, "--epochs", "1", NULL), 0);
    float t1, s1, r1, t2, s2, r2;
    bool c1, c2;
    g_autofree char *out = NULL, *out2 = NULL, *out3 = NULL, *out4 = NULL, *out5 = NULL, *out6 = NULL;
    assert_int_equal(run_cli(&out, "calibrate", "--model", held, "--out", again, "--data", data_dir, "--threads",
                             "1", NULL), 0);
    assert_contains(out, "calibrated on the last 100 MNIST training images");
    model_calibration(held, &t1, &s1, &r1, &c1);
    model_calibration(again, &t2, &s2, &r2, &c2);
    /* the same images: the same values, up to the last bits of a build's
     * arithmetic (the sanitizers' build rounds differently) */
    assert_true(c1 && c2);
    assert_float_equal(t1, t2, 1e-4 * t1);
    assert_float_equal(s1, s2, 1e-4);
    assert_float_equal(r1, r2, 1e-4);
    /* a larger share called unsure: a higher "sure", the rest the same */
    g_autofree char *wide = tmp_path("wide.dlm"), *out0 = NULL;
    assert_int_equal(run_cli(NULL, "calibrate", "--model", held, "--out", wide, "--data", data_dir,
                             "--unsure-share", "0.3", "--threads", "1", NULL), 0);
    model_calibration(wide, &t1, &s1, &r1, &c1);
    assert_true(c1 && t1 == t2 && s1 > s2);
    assert_int_equal(run_cli(&out0, "calibrate", "--model", held, "--out", wide, "--unsure-share", "0", NULL), 2);

    assert_int_equal(run_cli(&out2, "calibrate", "--model", all, "--out", again2, "--data", data_dir, NULL), 1);
    assert_contains(out2, "holds out no MNIST training images");
    assert_false(g_file_test(again2, G_FILE_TEST_EXISTS));
    assert_int_equal(run_cli(&out3, "calibrate", "--model", all, "--out", all, "--held-out", "50", NULL), 2);
    assert_int_equal(run_cli(&out4, "calibrate", "--model", all, "--out", forced, "--held-out", "120", "--data",
                             data_dir, NULL), 0);
    assert_contains(out4, "the last 120 MNIST");
    model_calibration(all, &t1, &s1, &r1, &c1);
    model_calibration(forced, &t2, &s2, &r2, &c2);
    assert_true(!c1 && c2);

    /* a fine-tuning on every MNIST image (--calibrate 0) spoils the
     * held-out ones; by default it keeps out those the training held out
     * and calibrates on them; with --calibrate 150 it keeps the last 150
     * out, of which the first training held out 100 */
    GString *lines = g_string_new(NULL);
    for (int i = 0; i < 20; i++)
        g_string_append_printf(lines, "{\"strokes\": [[[%d, 4], [%d, 23]]], \"label\": %d}\n", 4 + 2 * (i % 5),
                               4 + 2 * (i % 5), i % 5);
    assert_true(g_file_set_contents(drawings, lines->str, -1, NULL));
    g_string_free(lines, TRUE);
    assert_int_equal(run_cli(NULL, "finetune", "--model", held, "--strokes", drawings, "--out", tuned, "--data",
                             data_dir, "--epochs", "1", "--threads", "1", "--calibrate", "0", NULL), 0);
    assert_int_equal(run_cli(&out5, "calibrate", "--model", tuned, "--out", again2, "--data", data_dir, NULL), 1);
    assert_contains(out5, "holds out no MNIST training images");
    /* --calibrate 0 keeps the model's calibration */
    model_calibration(held, &t1, &s1, &r1, &c1);
    model_calibration(tuned, &t2, &s2, &r2, &c2);
    assert_true(c2 && t1 == t2 && s1 == s2 && r1 == r2);

    /* the default: the same as --calibrate 100, said, and the images still
     * held out for calibrate */
    g_autofree char *t_auto = tmp_path("tuned-auto.dlm"), *t_100 = tmp_path("tuned-100.dlm");
    g_autofree char *out_auto = NULL, *out_auto2 = NULL;
    assert_int_equal(run_cli(&out_auto, "finetune", "--model", held, "--strokes", drawings, "--out", t_auto,
                             "--data", data_dir, "--epochs", "1", "--threads", "1", NULL), 0);
    assert_contains(out_auto, "Holding out the last 100 MNIST training images");
    assert_contains(out_auto, "calibrated on 100 held-out MNIST images");
    assert_int_equal(run_cli(NULL, "finetune", "--model", held, "--strokes", drawings, "--out", t_100, "--data",
                             data_dir, "--epochs", "1", "--threads", "1", "--calibrate", "100", NULL), 0);
    model_calibration(t_auto, &t1, &s1, &r1, &c1);
    model_calibration(t_100, &t2, &s2, &r2, &c2);
    assert_true(c1 && t1 == t2 && s1 == s2 && r1 == r2);
    assert_int_equal(run_cli(&out_auto2, "calibrate", "--model", t_auto, "--out", again2, "--data", data_dir, NULL),
                     0);
    assert_contains(out_auto2, "calibrated on the last 100 MNIST training images");
    /* a model whose training held out nothing keeps its calibration, and says so */
    g_autofree char *out_none = NULL, *t_none = tmp_path("tuned-none.dlm");
    assert_int_equal(run_cli(&out_none, "finetune", "--model", forced, "--strokes", drawings, "--out", t_none,
                             "--data", data_dir, "--epochs", "1", "--threads", "1", NULL), 0);
    assert_contains(out_none, "holds out no MNIST training images: it keeps the temperature");
    model_calibration(forced, &t1, &s1, &r1, &c1);
    model_calibration(t_none, &t2, &s2, &r2, &c2);
    assert_true(c1 && c2 && t1 == t2 && s1 == s2 && r1 == r2);
    /* too few to calibrate on, or all of them: said before any training */
    g_autofree char *few = NULL, *all_out = NULL, *never = tmp_path("never.dlm");
    assert_int_equal(run_cli(&few, "finetune", "--model", held, "--strokes", drawings, "--out", never, "--data",
                             data_dir, "--calibrate", "50", NULL), 2);
    assert_contains(few, "at least 100 images");
    assert_int_equal(run_cli(&all_out, "finetune", "--model", held, "--strokes", drawings, "--out", never, "--data",
                             data_dir, "--calibrate", "59000", NULL), 1);
    assert_contains(all_out, "would hold out all of the");
    assert_false(g_file_test(never, G_FILE_TEST_EXISTS));
    assert_int_equal(run_cli(NULL, "finetune", "--model", held, "--strokes", drawings, "--out", t_held, "--data",
                             data_dir, "--epochs", "1", "--threads", "1", "--calibrate", "150", NULL), 0);
    assert_int_equal(run_cli(&out6, "calibrate", "--model", t_held, "--out", again2, "--data", data_dir, NULL), 0);
    assert_contains(out6, "calibrated on the last 100 MNIST training images");

    /* a recipe cut at the length the model keeps may have lost a stage */
    g_autofree char *out7 = NULL, *cut = tmp_path("cut.dlm");
    NnModel *m;
    assert_int_equal(nn_model_load(held, &m, NULL), NN_OK);
    GString *recipe = g_string_new("digitlab-cli train --calibrate 100 --run-name ");
    while (recipe->len < 1100)
        g_string_append_c(recipe, 'x');
    nn_model_set_recipe(m, recipe->str);
    g_string_free(recipe, TRUE);
    assert_int_equal(nn_model_save(m, cut, 0, NULL), NN_OK);
    nn_model_free(m);
    assert_int_equal(run_cli(&out7, "calibrate", "--model", cut, "--out", again2, "--data", data_dir, NULL), 1);
    assert_contains(out7, "holds out no MNIST training images");
    clear_files();
}

/* The number after "accuracy": in evaluate --json's output. */
static double
json_accuracy(const char *json)
{
    const char *at = json != NULL ? strstr(json, "\"accuracy\": ") : NULL;
    assert_non_null(at);
    return g_ascii_strtod(at + strlen("\"accuracy\": "), NULL);
}

/* evaluate --held-out reads the last N training images, the N the recipe
 * held out: with those N labelled wrong, and only those, the model that
 * reads them well reads them all wrong; a model that held out none is
 * refused, and so are --held-out and --strokes together. */
static void
test_evaluate_held_out(void **state)
{
    (void)state;
    g_autofree char *held = tmp_path("eval-held.dlm"), *all = tmp_path("eval-all.dlm");
    g_autofree char *wrong = tmp_path("mnist-wrong");
    assert_int_equal(g_mkdir_with_parents(wrong, 0700), 0);
    write_split_to(wrong, "train", N_TRAIN, N_TRAIN - 100);
    write_split_to(wrong, "t10k", N_TEST, N_TEST);
    assert_int_equal(run_train(NULL, NULL, "--out", held, "--epochs", "4", "--batch", "32", "--lr-max", "1e-2",
                               "--warmup", "0", "--calibrate", "100", NULL), 0);
    g_autofree char *right = NULL, *out = NULL, *text = NULL, *none = NULL, *both = NULL;
    assert_int_equal(run_cli(&right, "evaluate", "--model", held, "--data", data_dir, "--held-out", "--json", NULL), 0);
    assert_contains(right, "\"images\": \"held-out\", \"n\": 100,");
    assert_true(json_accuracy(right) >= 0.8);
    assert_int_equal(run_cli(&out, "evaluate", "--model", held, "--data", wrong, "--held-out", "--json", NULL), 0);
    assert_true(json_accuracy(out) <= 0.2);
    assert_int_equal(run_cli(&text, "evaluate", "--model", held, "--data", data_dir, "--held-out", NULL), 0);
    assert_contains(text, "on 100 MNIST held-out images: accuracy");
    assert_int_equal(run_train(NULL, NULL, "--out", all, "--epochs", "1", NULL), 0);
    assert_int_equal(run_cli(&none, "evaluate", "--model", all, "--data", data_dir, "--held-out", NULL), 1);
    assert_contains(none, "holds out no MNIST training images");
    assert_int_equal(run_cli(&both, "evaluate", "--model", held, "--held-out", "--strokes", "x.jsonl", NULL), 2);
}

static int
setup(void **state)
{
    (void)state;
    tmp_dir = g_dir_make_tmp("digitlab-train-cli-XXXXXX", NULL);
    assert_non_null(tmp_dir);
    data_dir = g_build_filename(tmp_dir, "mnist", NULL);
    assert_int_equal(g_mkdir(data_dir, 0755), 0);
    write_split("train", N_TRAIN);
    write_split("t10k", N_TEST);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    clear_files();
    g_autoptr(GDir) dir = g_dir_open(data_dir, 0, NULL);
    const char *entry;
    while ((entry = g_dir_read_name(dir)) != NULL) {
        g_autofree char *p = g_build_filename(data_dir, entry, NULL);
        g_unlink(p);
    }
    g_rmdir(data_dir);
    g_rmdir(tmp_dir);
    g_free(data_dir);
    g_free(tmp_dir);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_numbers_refused),
        cmocka_unit_test(test_out_not_regular_refused),
        cmocka_unit_test(test_out_symlink_and_mode),
        cmocka_unit_test(test_resume_rules),
        cmocka_unit_test(test_history_after_kill_and_resume),
        cmocka_unit_test(test_history_full_disk),
        cmocka_unit_test(test_sigterm),
        cmocka_unit_test(test_run_dir),
        cmocka_unit_test(test_run_dir_resume_exact),
        cmocka_unit_test(test_ablation_resumable),
        cmocka_unit_test(test_finetune_and_evaluate_strokes),
        cmocka_unit_test(test_calibrate_held_out),
        cmocka_unit_test(test_evaluate_held_out),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
