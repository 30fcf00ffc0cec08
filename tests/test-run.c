/* test-run.c — run folders (src/plot/dl-run.c): run.json written and read
 * back whole, readable and checked; epochs recorded in the order that
 * loses nothing; an interrupted run shows as stopped and resumes; corrupt
 * run folders skipped with a message and never touched; a file that cannot
 * be written loses nothing already saved; delete removes only what Digit
 * Lab wrote; imports copy runs once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dl-run.h"

static char *tmp_dir;

static char *
tmp_path(const char *name)
{
    return g_build_filename(tmp_dir, name, NULL);
}

static void
remove_tree(const char *path)
{
    g_autofree char *command = g_strdup_printf("rm -rf '%s'", path);
    assert_int_equal(system(command), 0);
}

static DlRunSettings
small_settings(void)
{
    DlRunSettings s = { 0 };
    s.model = nn_model_config_default();
    s.model.blocks = 1;
    s.model.convs_per_block = 1;
    s.model.filters[0] = 2;
    s.model.filters[1] = 0;
    s.model.dense = 0;
    s.model.dropout_dense = 0;
    s.train = nn_train_config_default();
    s.train.epochs = 4;
    s.train.seed = 7;
    s.train.threads = 1;
    s.train.momentum = 0.9f;
    s.train_limit = 512;
    s.val_limit = 128;
    return s;
}

static NnModel *
small_model(const DlRunSettings *s, int epochs_done)
{
    NnModel *model = NULL;
    NnError err = { 0 };
    assert_int_equal(nn_model_new(&s->model, s->train.seed, &model, &err), NN_OK);
    assert_int_equal(nn_model_reserve_training(model, 4, &err), NN_OK);
    nn_model_set_epochs_done(model, epochs_done);
    return model;
}

static NnEpochStats
stats_of(int epoch, int epochs)
{
    return (NnEpochStats){ .epoch = epoch, .epochs = epochs, .lr = 1e-3 * epoch, .train_loss = 1.0 / epoch,
                           .train_accuracy = 0.5 + 0.1 * epoch, .val_loss = 0.9 / epoch,
                           .val_accuracy = 0.55 + 0.1 * epoch, .seconds = 1.5, .images_per_s = 300 };
}

/* Records epochs from..to into run with a model saying so. */
static void
record(DlRun *run, int from, int to)
{
    const DlRunSettings *s = dl_run_get_settings(run);
    for (int e = from; e <= to; e++) {
        NnModel *model = small_model(s, e);
        NnEpochStats st = stats_of(e, s->train.epochs);
        g_autoptr(GError) error = NULL;
        assert_true(dl_run_record_epoch(run, &st, model, &error));
        nn_model_free(model);
    }
}

static char *
read_text(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    char *text = NULL;
    assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

static int
model_epochs(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, "model.dlm", NULL);
    NnModel *m = NULL;
    NnError err = { 0 };
    if (nn_model_load(path, &m, &err) != NN_OK)
        fail_msg("%s", err.message);
    int e = nn_model_epochs_done(m);
    nn_model_free(m);
    return e;
}

static int
history_rows(const char *dir)
{
    g_autofree char *text = read_text(dir, "history.csv");
    int rows = -1; /* the header */
    for (char *c = text; *c != '\0'; c++)
        rows += *c == '\n';
    return rows;
}

/* ---- cases ---- */

static void
test_create_and_read_back(void **state)
{
    (void)state;
    g_autofree char *root = tmp_path("runs");
    DlRunSettings s = small_settings();
    s.train.threads = 0; /* one per core: recorded as the number it is */
    g_autoptr(GError) error = NULL;
    g_autoptr(DlRun) run = dl_run_create(NULL, root, NULL, &s, "digitlab-cli train --epochs 4", &error);
    assert_non_null(run);
    assert_true(g_str_has_prefix(dl_run_get_dir(run), root));
    assert_string_equal(dl_run_get_name(run), "Run 1");
    assert_int_equal(dl_run_get_status(run), DL_RUN_RUNNING);
    assert_true(dl_run_get_live(run));
    assert_int_equal(dl_run_get_settings(run)->train.threads, (int)g_get_num_processors());

    /* Readable JSON: names and short numbers. */
    g_autofree char *json = read_text(dl_run_get_dir(run), "run.json");
    assert_non_null(strstr(json, "\"status\": \"running\""));
    assert_non_null(strstr(json, "\"momentum\": 0.9,"));
    assert_non_null(strstr(json, "\"lr_min\": 1e-05,"));
    assert_non_null(strstr(json, "\"engine_version\": \"" DIGITLAB_VERSION "\""));
    assert_non_null(strstr(json, "\"filters\": [2]"));

    /* Another reader sees it running, owned. */
    g_autoptr(DlRun) other = dl_run_load(dl_run_get_dir(run), &error);
    assert_non_null(other);
    assert_int_equal(dl_run_get_status(other), DL_RUN_RUNNING);
    assert_true(dl_run_get_live(other));
    assert_false(dl_run_get_interrupted(other));
    assert_string_equal(dl_run_get_id(other), dl_run_get_id(run));
    assert_string_equal(dl_run_get_command(other), "digitlab-cli train --epochs 4");
    const DlRunSettings *o = dl_run_get_settings(other);
    assert_true(nn_model_config_equal(&o->model, &s.model));
    assert_int_equal(o->train.epochs, 4);
    assert_int_equal(o->train.seed, 7);
    assert_true(o->train.momentum == 0.9f);
    assert_true(o->train.schedule.lr_min == s.train.schedule.lr_min);
    assert_int_equal(o->train_limit, 512);
    assert_int_equal(o->val_limit, 128);
    assert_null(dl_run_get_final(other));

    /* Two epochs, then finished. */
    record(run, 1, 2);
    assert_int_equal(history_rows(dl_run_get_dir(run)), 2);
    assert_int_equal(model_epochs(dl_run_get_dir(run)), 2);
    assert_true(dl_run_finish(run, DL_RUN_FINISHED, NULL, &error));
    assert_false(dl_run_get_live(run));
    g_autoptr(DlRun) done = dl_run_load(dl_run_get_dir(run), &error);
    assert_non_null(done);
    assert_int_equal(dl_run_get_status(done), DL_RUN_FINISHED);
    assert_false(dl_run_get_live(done));
    assert_non_null(dl_run_get_ended(done));
    assert_int_equal(dl_run_get_epochs_done(done), 2);
    const NnEpochStats *f = dl_run_get_final(done);
    assert_non_null(f);
    assert_int_equal(f->epoch, 2);
    assert_true(f->val_accuracy == stats_of(2, 4).val_accuracy);
    assert_true(dl_run_get_seconds(done) == 3.0);
    g_autoptr(DlHistory) history = dl_run_load_history(done, &error);
    assert_non_null(history);
    guint n;
    dl_history_get_epochs(history, &n);
    assert_int_equal(n, 2);
    assert_true(dl_history_has_schedule(history));
    assert_int_equal(dl_history_get_n_epochs(history), 4);
    char *why = NULL;
    assert_false(dl_run_can_resume(done, &why));
    assert_non_null(why);
    g_free(why);

    /* Renamed; the next run gets the next name. */
    assert_true(dl_run_set_name(done, "  No augmentation  ", &error));
    g_autoptr(DlRun) renamed = dl_run_load(dl_run_get_dir(run), &error);
    assert_string_equal(dl_run_get_name(renamed), "No augmentation");
    assert_false(dl_run_set_name(renamed, "   ", NULL));
    g_autofree char *next = dl_run_next_name(root);
    assert_string_equal(next, "Run 2");
    remove_tree(root);
}

/* A run whose process died: running on disk, nobody holding it. */
static void
test_interrupted_run_resumes(void **state)
{
    (void)state;
    g_autofree char *dir = tmp_path("killed");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        DlRunSettings s = small_settings();
        DlRun *run = dl_run_create(dir, NULL, "Killed", &s, NULL, NULL);
        if (run == NULL)
            _exit(1);
        record(run, 1, 2);
        _exit(0); /* no finish: the process dies with the run running */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* A crash after epoch 3's history row, before its model: */
    g_autofree char *csv = g_build_filename(dir, "history.csv", NULL);
    FILE *fp = fopen(csv, "a");
    assert_non_null(fp);
    fputs("3,0.003,0.3,0.8,0.3,0.85,1.5,300.0\n", fp);
    fclose(fp);

    g_autoptr(GError) error = NULL;
    g_autoptr(DlRun) run = dl_run_load(dir, &error);
    assert_non_null(run);
    assert_int_equal(dl_run_get_status(run), DL_RUN_STOPPED);
    assert_true(dl_run_get_interrupted(run));
    assert_false(dl_run_get_live(run));
    assert_true(dl_run_can_resume(run, NULL));

    NnModel *model = dl_run_prepare_resume(run, 0, &error);
    assert_non_null(model);
    assert_int_equal(nn_model_epochs_done(model), 2);
    assert_true(nn_model_has_optimizer_state(model));
    nn_model_free(model);
    /* Held now: a second resume is refused. */
    g_autoptr(DlRun) twice = dl_run_load(dir, NULL);
    assert_true(dl_run_get_live(twice));
    g_autoptr(GError) busy = NULL;
    assert_null(dl_run_prepare_resume(twice, 0, &busy));
    assert_true(g_error_matches(busy, DL_RUN_ERROR, DL_RUN_ERROR_BUSY));

    assert_true(dl_run_begin_resume(run, &error));
    record(run, 3, 4);
    assert_true(dl_run_finish(run, DL_RUN_FINISHED, NULL, &error));
    /* Epoch 3 is there once: the row of the crash was dropped. */
    g_autofree char *text = read_text(dir, "history.csv");
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    assert_int_equal(g_strv_length(lines), 6); /* header, 4 rows, "" */
    for (int e = 1; e <= 4; e++)
        assert_int_equal(atoi(lines[e]), e);
    assert_int_equal(model_epochs(dir), 4);
    g_autoptr(DlRun) after = dl_run_load(dir, &error);
    assert_int_equal(dl_run_get_status(after), DL_RUN_FINISHED);
    assert_int_equal(dl_run_get_epochs_done(after), 4);
    remove_tree(dir);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* A good run.json with one member's text replaced. */
static char *
edited_json(const char *good, const char *from, const char *to)
{
    GString *s = g_string_new(good);
    assert_int_equal(g_string_replace(s, from, to, 1), 1);
    return g_string_free(s, FALSE);
}

static void
test_corrupt_folders_skipped(void **state)
{
    (void)state;
    g_autofree char *root = tmp_path("mixed");
    DlRunSettings s = small_settings();
    g_autoptr(GError) error = NULL;
    g_autofree char *good_dir = g_build_filename(root, "good", NULL);
    {
        g_autoptr(DlRun) good = dl_run_create(good_dir, NULL, "Good", &s, NULL, &error);
        assert_non_null(good);
        record(good, 1, 1);
        assert_true(dl_run_finish(good, DL_RUN_STOPPED, NULL, &error));
    }
    g_autofree char *good = read_text(good_dir, "run.json");

    const struct {
        const char *name;
        char *json;     /* NULL: no run.json */
        const char *expect;
    } bad[] = {
        { "not-json", g_strdup("{ this is not json"), "not a readable run" },
        { "not-a-run", g_strdup("{\"format\": \"something-else\"}"), "not a Digit Lab run" },
        { "newer", edited_json(good, "\"version\": 1", "\"version\": 9"), "newer Digit Lab" },
        { "bad-status", edited_json(good, "\"status\": \"stopped\"", "\"status\": \"sleeping\""), "status" },
        { "bad-epochs", edited_json(good, "\"epochs\": 4,", "\"epochs\": 0,"), "recipe.epochs" },
        { "bad-lr", edited_json(good, "\"lr_max\": 0.001", "\"lr_max\": \"fast\""), "recipe.lr_max" },
        { "bad-filters", edited_json(good, "\"filters\": [2]", "\"filters\": [2, 4]"), "network.filters" },
        { "bad-date", edited_json(good, "\"started\": \"", "\"started\": \"yesterday"), "started" },
        { "no-recipe", edited_json(good, "\"recipe\"", "\"recipes\""), "recipe" },
        { "binary", g_strdup("{\"format\"\001\002"), "not a readable run" },
        { "empty", g_strdup(""), "not a readable run" },
        { "no-json", NULL, "no run.json" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *dir = g_build_filename(root, bad[i].name, NULL);
        assert_int_equal(g_mkdir(dir, 0755), 0);
        write_file(dir, "model.dlm", "keep me");
        if (bad[i].json != NULL)
            write_file(dir, "run.json", bad[i].json);
    }
    /* Too large, and a FIFO named run.json: refused without being read through. */
    g_autofree char *huge_dir = g_build_filename(root, "huge", NULL), *fifo_dir = g_build_filename(root, "fifo", NULL);
    assert_int_equal(g_mkdir(huge_dir, 0755), 0);
    g_autofree char *huge = g_strnfill(DL_RUN_MAX_JSON + 10, ' ');
    write_file(huge_dir, "run.json", huge);
    assert_int_equal(g_mkdir(fifo_dir, 0755), 0);
    g_autofree char *fifo = g_build_filename(fifo_dir, "run.json", NULL);
    assert_int_equal(mkfifo(fifo, 0600), 0);

    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    alarm(20);
    g_autoptr(GPtrArray) runs = dl_run_list(root, problems);
    alarm(0);
    assert_int_equal(runs->len, 1);
    assert_string_equal(dl_run_get_name(runs->pdata[0]), "Good");
    assert_int_equal(problems->len, G_N_ELEMENTS(bad) + 2);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        gboolean found = FALSE;
        for (guint p = 0; p < problems->len && !found; p++)
            found = strstr(problems->pdata[p], bad[i].name) != NULL && strstr(problems->pdata[p], bad[i].expect);
        if (!found) {
            for (guint p = 0; p < problems->len; p++)
                print_message("# %s\n", (char *)problems->pdata[p]);
            fail_msg("no message about %s saying '%s'", bad[i].name, bad[i].expect);
        }
        /* Nothing of the corrupt folder was touched. */
        g_autofree char *dir = g_build_filename(root, bad[i].name, NULL);
        g_autofree char *kept = read_text(dir, "model.dlm");
        assert_string_equal(kept, "keep me");
        g_free(bad[i].json);
    }
    remove_tree(root);
}

/* A file that cannot be written (here: a device behind a symbolic link, as
 * a full disk would refuse it): the epoch fails, nothing saved is lost. */
static void
test_unwritable_loses_nothing(void **state)
{
    (void)state;
    g_autofree char *dir = tmp_path("full");
    DlRunSettings s = small_settings();
    g_autoptr(GError) error = NULL;
    g_autoptr(DlRun) run = dl_run_create(dir, NULL, NULL, &s, NULL, &error);
    assert_non_null(run);
    assert_string_equal(dl_run_get_name(run), "full");
    record(run, 1, 1);
    g_autofree char *model_before = read_text(dir, "model.dlm");
    g_autofree char *json_before = read_text(dir, "run.json");

    /* The model cannot be written: the history takes its row back. */
    g_autofree char *model_path = g_build_filename(dir, "model.dlm", NULL);
    g_autofree char *aside = g_build_filename(dir, "model.aside", NULL);
    assert_int_equal(g_rename(model_path, aside), 0);
    assert_int_equal(symlink("/dev/full", model_path), 0);
    NnModel *model = small_model(&s, 2);
    NnEpochStats st = stats_of(2, 4);
    assert_false(dl_run_record_epoch(run, &st, model, &error));
    assert_true(g_error_matches(error, DL_RUN_ERROR, DL_RUN_ERROR_IO));
    g_clear_error(&error);
    assert_int_equal(history_rows(dir), 1);
    g_autofree char *json_after = read_text(dir, "run.json");
    assert_string_equal(json_before, json_after);
    assert_int_equal(g_unlink(model_path), 0);
    assert_int_equal(g_rename(aside, model_path), 0);

    /* The history cannot be written: the model stays at epoch 1. */
    g_autofree char *csv = g_build_filename(dir, "history.csv", NULL);
    assert_int_equal(g_unlink(csv), 0);
    assert_int_equal(symlink("/dev/full", csv), 0);
    assert_false(dl_run_record_epoch(run, &st, model, &error));
    assert_non_null(strstr(error->message, "history"));
    g_clear_error(&error);
    g_autofree char *model_after = read_text(dir, "model.dlm");
    assert_string_equal(model_before, model_after);
    assert_int_equal(model_epochs(dir), 1);
    nn_model_free(model);
    assert_int_equal(g_unlink(csv), 0);
    remove_tree(dir);
}

static void
test_delete_only_known_files(void **state)
{
    (void)state;
    g_autofree char *root = tmp_path("del");
    DlRunSettings s = small_settings();
    s.snapshots = TRUE;
    g_autoptr(GError) error = NULL;
    g_autoptr(DlRun) run = dl_run_create(NULL, root, NULL, &s, NULL, &error);
    assert_non_null(run);
    record(run, 1, 2);
    g_autofree char *snapshot = g_build_filename(dl_run_get_dir(run), "epochs", "epoch-002.dlm", NULL);
    assert_true(g_file_test(snapshot, G_FILE_TEST_IS_REGULAR));
    /* Refused while it trains. */
    assert_false(dl_run_delete(run, &error));
    assert_true(g_error_matches(error, DL_RUN_ERROR, DL_RUN_ERROR_BUSY));
    g_clear_error(&error);
    assert_true(dl_run_finish(run, DL_RUN_FINISHED, NULL, &error));
    write_file(dl_run_get_dir(run), "log.txt", "the ablation's log\n");
    assert_true(dl_run_delete(run, &error));
    assert_false(g_file_test(dl_run_get_dir(run), G_FILE_TEST_EXISTS));

    /* A file Digit Lab did not write stays, and so does its folder. */
    g_autoptr(DlRun) second = dl_run_create(NULL, root, NULL, &s, NULL, &error);
    assert_non_null(second);
    assert_true(dl_run_finish(second, DL_RUN_STOPPED, NULL, &error));
    write_file(dl_run_get_dir(second), "notes.txt", "mine");
    assert_false(dl_run_delete(second, &error));
    assert_non_null(strstr(error->message, "did not make"));
    g_autofree char *notes = read_text(dl_run_get_dir(second), "notes.txt");
    assert_string_equal(notes, "mine");
    g_autofree char *json = g_build_filename(dl_run_get_dir(second), "run.json", NULL);
    assert_false(g_file_test(json, G_FILE_TEST_EXISTS));
    remove_tree(root);
}

static void
test_import(void **state)
{
    (void)state;
    g_autofree char *out = tmp_path("ablation"), *root = tmp_path("imported");
    g_autofree char *runs_dir = g_build_filename(out, "runs", NULL);
    DlRunSettings s = small_settings();
    g_autoptr(GError) error = NULL;
    const char *names[] = { "paper-seed1", "no-augment-seed1" };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *dir = g_build_filename(runs_dir, names[i], NULL);
        g_autoptr(DlRun) run = dl_run_create(dir, NULL, names[i], &s, NULL, &error);
        assert_non_null(run);
        record(run, 1, 1);
        assert_true(dl_run_finish(run, DL_RUN_FINISHED, NULL, &error));
        write_file(dir, "log.txt", "log\n");
        write_file(dir, "done", "done\n");
    }
    g_autofree char *broken = g_build_filename(runs_dir, "broken", NULL);
    assert_int_equal(g_mkdir(broken, 0755), 0);
    write_file(broken, "run.json", "[]");
    /* One still training: not imported. */
    g_autofree char *live_dir = g_build_filename(runs_dir, "live", NULL);
    g_autoptr(DlRun) live = dl_run_create(live_dir, NULL, "live", &s, NULL, &error);
    assert_non_null(live);

    int imported = -1, skipped = -1;
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    assert_true(dl_run_import(out, root, &imported, &skipped, problems, &error)); /* OUT: its runs/ */
    assert_int_equal(imported, 2);
    assert_int_equal(skipped, 1);
    assert_int_equal(problems->len, 1);
    assert_non_null(strstr(problems->pdata[0], "broken"));
    g_autoptr(GPtrArray) runs = dl_run_list(root, NULL);
    assert_int_equal(runs->len, 2);
    for (guint i = 0; i < runs->len; i++) {
        DlRun *r = runs->pdata[i];
        g_autofree char *src = g_build_filename(runs_dir, dl_run_get_name(r), NULL);
        g_autoptr(DlRun) original = dl_run_load(src, &error);
        assert_string_equal(dl_run_get_id(r), dl_run_get_id(original));
        g_autofree char *a = read_text(src, "model.dlm"), *b = read_text(dl_run_get_dir(r), "model.dlm");
        assert_int_equal(model_epochs(dl_run_get_dir(r)), 1);
        assert_memory_equal(a, b, 16);
        g_autofree char *lock = g_build_filename(dl_run_get_dir(r), "lock", NULL);
        assert_false(g_file_test(lock, G_FILE_TEST_EXISTS));
    }
    /* Again: nothing new. No temporary folder is left. */
    assert_true(dl_run_import(runs_dir, root, &imported, &skipped, NULL, &error));
    assert_int_equal(imported, 0);
    assert_int_equal(skipped, 3);
    g_autoptr(GDir) d = g_dir_open(root, 0, NULL);
    int entries = 0;
    for (const char *e; (e = g_dir_read_name(d)) != NULL;) {
        assert_true(e[0] != '.');
        entries++;
    }
    assert_int_equal(entries, 2);
    /* A folder with no runs at all is an error. */
    g_autoptr(GError) none = NULL;
    assert_false(dl_run_import(broken, root, NULL, NULL, NULL, &none));
    assert_non_null(none);
    assert_true(dl_run_finish(live, DL_RUN_STOPPED, NULL, &error));
    remove_tree(out);
    remove_tree(root);
}

static void
test_fields_and_summary(void **state)
{
    (void)state;
    DlRunSettings a = small_settings(), b = small_settings();
    b.train.seed = 8;
    for (int f = 0; f < DL_RUN_N_FIELDS; f++) {
        g_autofree char *va = dl_run_field_value(&a, f), *vb = dl_run_field_value(&b, f);
        assert_true(*dl_run_field_title(f) != '\0');
        assert_true(*va != '\0');
        if (f == DL_RUN_FIELD_SEED)
            assert_string_not_equal(va, vb);
        else
            assert_string_equal(va, vb);
    }
    b = small_settings();
    b.train.augment.enabled = false;
    g_autofree char *aug = dl_run_field_value(&b, DL_RUN_FIELD_AUGMENTATION);
    assert_string_equal(aug, "none");
    g_autofree char *summary = dl_run_settings_summary(&a);
    assert_non_null(strstr(summary, "1 block × 1 conv (2)"));
    assert_non_null(strstr(summary, "4 epochs"));
    assert_non_null(strstr(summary, "512 images"));
    assert_null(strstr(summary, "augmentation"));
    b.model = nn_model_config_default();
    g_autofree char *paper = dl_run_settings_summary(&b);
    assert_true(g_str_has_prefix(paper, "the paper's network · Adam · "));
    assert_non_null(strstr(paper, " · no augmentation"));
}

static int
setup(void **state)
{
    (void)state;
    tmp_dir = g_dir_make_tmp("digitlab-run-XXXXXX", NULL);
    assert_non_null(tmp_dir);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    remove_tree(tmp_dir);
    g_free(tmp_dir);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_read_back),
        cmocka_unit_test(test_interrupted_run_resumes),
        cmocka_unit_test(test_corrupt_folders_skipped),
        cmocka_unit_test(test_unwritable_loses_nothing),
        cmocka_unit_test(test_delete_only_known_files),
        cmocka_unit_test(test_import),
        cmocka_unit_test(test_fields_and_summary),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
