/* DlHistory, the plots' model: series, position, the schedule drawn ahead,
 * "changed" emissions and the CSV of digitlab-cli train --history. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dl-history.h"

#define assert_near(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

static void
count_changed(DlHistory *history, gpointer user_data)
{
    (void)history;
    (*(int *)user_data)++;
}

/* A batch whose smoothed loss and accuracy are `loss` and `accuracy`; the
 * running means of the epoch and the batch's own values differ from them,
 * so a series that took those instead is caught. */
static NnBatchProgress
batch(int epoch, int b, int batches, double loss, double accuracy)
{
    return (NnBatchProgress){
        .epoch = epoch, .epochs = 3, .batch = b, .batches = batches, .lr = 1e-3,
        .loss = loss * 3, .accuracy = accuracy / 2, .batch_loss = loss * 5, .batch_accuracy = accuracy / 3,
        .smooth_loss = loss, .smooth_accuracy = accuracy, .seconds = 1.0, .images_per_s = 1000,
    };
}

static NnEpochStats
epoch_stats(int epoch, double val_accuracy)
{
    return (NnEpochStats){
        .epoch = epoch, .epochs = 3, .lr = 1e-3 / epoch,
        .train_loss = 0.5 / epoch, .train_accuracy = 0.9 + 0.01 * epoch,
        .val_loss = 0.3 / epoch, .val_accuracy = val_accuracy,
        .seconds = 12.5 * epoch, .images_per_s = 4321.5,
    };
}

static void
test_new_has_default_schedule(void **state)
{
    (void)state;
    g_autoptr(DlHistory) h = dl_history_new();
    NnSchedule paper = nn_schedule_default();

    assert_true(dl_history_is_empty(h));
    assert_true(dl_history_has_schedule(h));
    assert_int_equal(dl_history_get_n_epochs(h), 30);
    assert_false(dl_history_get_per_step_lr(h));
    assert_near(dl_history_get_position(h), 0, 0);
    assert_null(dl_history_get_last_batch(h));
    const NnSchedule *s = dl_history_get_schedule(h);
    assert_near(s->lr_max, paper.lr_max, 0);
    assert_near(s->lr_min, paper.lr_min, 0);
    assert_near(s->warmup, paper.warmup, 0);

    /* The paper's per-epoch staircase: 2 points per epoch, known before training. */
    guint n;
    const DlPoint *curve = dl_history_get_schedule_curve(h, &n);
    assert_int_equal(n, 60);
    assert_near(curve[0].x, 0, 0);
    assert_near(curve[0].y, 1e-5, 1e-15);
    assert_near(curve[n - 1].x, 30, 0);
    for (int i = 0; i < DL_N_SERIES; i++) {
        guint count = 99;
        dl_history_get_series(h, i, &count);
        assert_int_equal(count, 0);
    }
}

static void
test_batches_and_epochs(void **state)
{
    (void)state;
    g_autoptr(DlHistory) h = dl_history_new();
    NnSchedule s = nn_schedule_default();
    dl_history_reset(h, &s, 3, 4, FALSE);
    assert_int_equal(dl_history_get_n_epochs(h), 3);
    assert_near(dl_history_get_schedule(h)->epochs, 3, 0); /* as nn_train() overrides it */
    assert_int_equal(dl_history_get_batches_per_epoch(h), 4);

    for (int e = 0; e < 2; e++) {
        for (int b = 1; b <= 4; b++) {
            NnBatchProgress p = batch(e, b, 4, 2.0 / (e * 4 + b), 0.5 + 0.1 * e + 0.01 * b);
            dl_history_add_batch(h, &p);
            assert_near(dl_history_get_position(h), e + b / 4.0, 1e-12);
            assert_false(dl_history_is_empty(h));
        }
        NnEpochStats st = epoch_stats(e + 1, 0.97 + 0.01 * e);
        dl_history_add_epoch(h, &st);
        assert_near(dl_history_get_position(h), e + 1, 0);
    }

    guint n;
    const DlPoint *loss = dl_history_get_series(h, DL_SERIES_SMOOTH_LOSS, &n);
    assert_int_equal(n, 8);
    assert_near(loss[0].x, 0.25, 1e-12);
    assert_near(loss[0].y, 2.0, 1e-12);
    assert_near(loss[5].x, 1.5, 1e-12); /* the 2nd batch of the 2nd epoch */
    assert_near(loss[5].y, 2.0 / 6, 1e-12);
    const DlPoint *acc = dl_history_get_series(h, DL_SERIES_SMOOTH_ACCURACY, &n);
    assert_int_equal(n, 8);
    assert_near(acc[7].x, 2.0, 1e-12);
    assert_near(acc[7].y, 0.64, 1e-12);

    const DlPoint *val = dl_history_get_series(h, DL_SERIES_VAL_ACCURACY, &n);
    assert_int_equal(n, 2);
    assert_near(val[0].x, 1, 0);
    assert_near(val[0].y, 0.97, 1e-12);
    assert_near(val[1].x, 2, 0);
    assert_near(val[1].y, 0.98, 1e-12);
    const DlPoint *vloss = dl_history_get_series(h, DL_SERIES_VAL_LOSS, &n);
    assert_int_equal(n, 2);
    assert_near(vloss[1].y, 0.15, 1e-12);
    const DlPoint *tl = dl_history_get_series(h, DL_SERIES_TRAIN_LOSS, &n);
    assert_int_equal(n, 2);
    assert_near(tl[1].y, 0.25, 1e-12);
    const DlPoint *ta = dl_history_get_series(h, DL_SERIES_TRAIN_ACCURACY, &n);
    assert_near(ta[0].y, 0.91, 1e-12);
    const DlPoint *lr = dl_history_get_series(h, DL_SERIES_LR, &n);
    assert_int_equal(n, 2);
    assert_near(lr[1].y, 5e-4, 1e-15);

    const NnEpochStats *epochs = dl_history_get_epochs(h, &n);
    assert_int_equal(n, 2);
    assert_int_equal(epochs[1].epoch, 2);
    assert_near(epochs[1].seconds, 25, 0);
    const NnBatchProgress *last = dl_history_get_last_batch(h);
    assert_non_null(last);
    assert_int_equal(last->epoch, 1);
    assert_int_equal(last->batch, 4);

    /* A reset forgets everything but keeps the new schedule. */
    s.lr_max = 2e-3;
    dl_history_reset(h, &s, 5, 10, TRUE);
    assert_true(dl_history_is_empty(h));
    assert_null(dl_history_get_last_batch(h));
    assert_near(dl_history_get_position(h), 0, 0);
    assert_int_equal(dl_history_get_n_epochs(h), 5);
    assert_true(dl_history_get_per_step_lr(h));
    for (int i = 0; i < DL_N_SERIES; i++) {
        dl_history_get_series(h, i, &n);
        assert_int_equal(n, 0);
    }
    dl_history_get_epochs(h, &n);
    assert_int_equal(n, 0);
}

static void
test_restart_drops_later_points(void **state)
{
    (void)state;
    g_autoptr(DlHistory) h = dl_history_new();
    NnSchedule s = nn_schedule_default();
    dl_history_reset(h, &s, 3, 4, FALSE);
    for (int e = 0; e < 3; e++) {
        for (int b = 1; b <= 4; b++) {
            NnBatchProgress p = batch(e, b, 4, 1.0, 0.5);
            dl_history_add_batch(h, &p);
        }
        NnEpochStats st = epoch_stats(e + 1, 0.98);
        dl_history_add_epoch(h, &st);
    }
    /* Training resumed from the model of epoch 1: the second epoch again. */
    NnBatchProgress p = batch(1, 1, 4, 0.7, 0.8);
    dl_history_add_batch(h, &p);
    guint n;
    const DlPoint *loss = dl_history_get_series(h, DL_SERIES_SMOOTH_LOSS, &n);
    assert_int_equal(n, 5); /* epoch 1's four, then the new one */
    assert_near(loss[4].x, 1.25, 1e-12);
    assert_near(loss[4].y, 0.7, 0);
    for (guint i = 1; i < n; i++)
        assert_true(loss[i].x > loss[i - 1].x);
    dl_history_get_epochs(h, &n);
    assert_int_equal(n, 1);
    dl_history_get_series(h, DL_SERIES_VAL_ACCURACY, &n);
    assert_int_equal(n, 1);
    assert_near(dl_history_get_position(h), 1.25, 1e-12);

    /* The same epoch reported twice is replaced, not duplicated. */
    NnEpochStats st = epoch_stats(1, 0.5);
    dl_history_add_epoch(h, &st);
    const DlPoint *val = dl_history_get_series(h, DL_SERIES_VAL_ACCURACY, &n);
    assert_int_equal(n, 1);
    assert_near(val[0].y, 0.5, 0);

    /* Without validation the engine leaves zeros: no validation point then. */
    st = epoch_stats(2, 0.0);
    st.val_loss = 0.0;
    dl_history_add_epoch(h, &st);
    dl_history_get_series(h, DL_SERIES_VAL_ACCURACY, &n);
    assert_int_equal(n, 1);
    dl_history_get_series(h, DL_SERIES_TRAIN_ACCURACY, &n);
    assert_int_equal(n, 2);
}

static void
test_long_runs_are_thinned(void **state)
{
    (void)state;
    g_autoptr(DlHistory) h = dl_history_new();
    NnSchedule s = nn_schedule_default();
    const int batches = 469, epochs = 100; /* 46 900 batches */
    dl_history_reset(h, &s, epochs, batches, FALSE);
    for (int e = 0; e < epochs; e++) {
        for (int b = 1; b <= batches; b++) {
            NnBatchProgress p = batch(e, b, batches, 1.0 / (1 + e), 0.9);
            p.epochs = epochs;
            dl_history_add_batch(h, &p);
        }
    }
    guint n, n_acc;
    const DlPoint *loss = dl_history_get_series(h, DL_SERIES_SMOOTH_LOSS, &n);
    dl_history_get_series(h, DL_SERIES_SMOOTH_ACCURACY, &n_acc);
    assert_int_equal(n, n_acc);
    assert_true(n <= DL_HISTORY_MAX_BATCH_POINTS);
    assert_true(n >= DL_HISTORY_MAX_BATCH_POINTS / 2);
    assert_near(loss[n - 1].x, epochs, 1e-9); /* the newest point always stays */
    assert_near(loss[0].x, 0, 0.01);
    for (guint i = 1; i < n; i++)
        assert_true(loss[i].x > loss[i - 1].x);

    /* A paper-sized run (469 × 30 = 14 070 batches) keeps every batch. */
    dl_history_reset(h, &s, 30, batches, FALSE);
    for (int e = 0; e < 30; e++) {
        for (int b = 1; b <= batches; b++) {
            NnBatchProgress p = batch(e, b, batches, 1.0, 0.9);
            p.epochs = 30;
            dl_history_add_batch(h, &p);
        }
    }
    dl_history_get_series(h, DL_SERIES_SMOOTH_LOSS, &n);
    assert_int_equal(n, 30 * batches);
}

static void
test_schedule_curve_per_step(void **state)
{
    (void)state;
    g_autoptr(DlHistory) h = dl_history_new();
    NnSchedule s = { .lr_max = 1e-3, .lr_min = 1e-5, .warmup = 4.3, .epochs = 99 };
    const int epochs = 17, batches = 469;
    dl_history_reset(h, &s, epochs, batches, TRUE);

    NnSchedule engine = s;
    engine.epochs = epochs; /* what nn_train() uses */
    guint n;
    const DlPoint *curve = dl_history_get_schedule_curve(h, &n);
    assert_int_equal(n, DL_HISTORY_SCHEDULE_SAMPLES + 2); /* 0..N inclusive, and the warmup corner */
    assert_near(curve[0].x, 0, 0);
    assert_near(curve[n - 1].x, epochs, 1e-12);
    gboolean has_corner = FALSE;
    for (guint i = 0; i < n; i++) {
        assert_near(curve[i].y, nn_schedule_lr(&engine, curve[i].x), 1e-15);
        if (i > 0)
            assert_true(curve[i].x > curve[i - 1].x);
        has_corner |= curve[i].x == s.warmup;
    }
    assert_true(has_corner);
    /* The peak is on the curve, the end is back at lr_min. */
    assert_near(curve[n - 1].y, 1e-5, 1e-15);

    /* The rate at any position is what the engine used for that batch:
     * batch b (0-based) of epoch e runs at lr(e + b / batches). */
    for (int e = 0; e < epochs; e++) {
        for (int b = 0; b < batches; b += 37) {
            double t = e + (b + 0.5) / batches;
            assert_near(dl_history_lr_at(h, t), nn_schedule_lr(&engine, e + (double)b / batches), 1e-15);
        }
    }
    assert_near(dl_history_lr_at(h, epochs), nn_schedule_lr(&engine, epochs - 1 + (batches - 1.0) / batches), 1e-15);
    assert_near(dl_history_lr_at(h, -1), 1e-5, 1e-15);
}

static void
test_schedule_curve_per_epoch(void **state)
{
    (void)state;
    g_autoptr(DlHistory) h = dl_history_new();
    NnSchedule s = nn_schedule_default();
    dl_history_reset(h, &s, 30, 469, FALSE);

    guint n;
    const DlPoint *curve = dl_history_get_schedule_curve(h, &n);
    assert_int_equal(n, 60);
    for (int e = 0; e < 30; e++) {
        /* Epoch e runs at lr(e) from x = e to x = e + 1. */
        assert_near(curve[2 * e].x, e, 0);
        assert_near(curve[2 * e + 1].x, e + 1, 0);
        assert_near(curve[2 * e].y, nn_schedule_lr(&s, e), 1e-15);
        assert_near(curve[2 * e + 1].y, nn_schedule_lr(&s, e), 1e-15);
        assert_near(dl_history_lr_at(h, e + 0.01), nn_schedule_lr(&s, e), 1e-15);
        assert_near(dl_history_lr_at(h, e + 0.99), nn_schedule_lr(&s, e), 1e-15);
    }
    /* The paper's points: warmup from 1e-5, 1e-3 at epoch 5. */
    assert_near(dl_history_lr_at(h, 0.5), 1e-5, 1e-15);
    assert_near(dl_history_lr_at(h, 5.5), 1e-3, 1e-15);
    assert_near(dl_history_lr_at(h, 30), nn_schedule_lr(&s, 29), 1e-15);

    /* Fewer epochs after a reset: a shorter staircase, and a new cosine. */
    dl_history_reset(h, &s, 10, 469, FALSE);
    curve = dl_history_get_schedule_curve(h, &n);
    assert_int_equal(n, 20);
    NnSchedule ten = s;
    ten.epochs = 10;
    assert_near(curve[19].y, nn_schedule_lr(&ten, 9), 1e-15);
}

static void
test_changed_emissions(void **state)
{
    (void)state;
    g_autoptr(DlHistory) h = dl_history_new();
    int changed = 0;
    g_signal_connect(h, "changed", G_CALLBACK(count_changed), &changed);
    NnSchedule s = nn_schedule_default();

    dl_history_reset(h, &s, 3, 4, FALSE);
    assert_int_equal(changed, 1);
    for (int b = 1; b <= 4; b++) {
        NnBatchProgress p = batch(0, b, 4, 1.0, 0.5);
        dl_history_add_batch(h, &p);
        assert_int_equal(changed, 1 + b);
    }
    NnEpochStats st = epoch_stats(1, 0.97);
    dl_history_add_epoch(h, &st);
    assert_int_equal(changed, 6);

    /* Getters and saving never emit. */
    guint n;
    dl_history_get_series(h, DL_SERIES_SMOOTH_LOSS, &n);
    dl_history_get_schedule_curve(h, &n);
    dl_history_lr_at(h, 1.5);
    g_autofree char *dir = g_dir_make_tmp("test-history-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "h.csv", NULL);
    assert_true(dl_history_save_csv(h, path, NULL));
    assert_int_equal(changed, 6);

    /* A successful load emits once; a failed one not at all. */
    assert_true(dl_history_load_csv(h, path, NULL));
    assert_int_equal(changed, 7);
    g_autofree char *missing = g_build_filename(dir, "missing.csv", NULL);
    g_autoptr(GError) error = NULL;
    assert_false(dl_history_load_csv(h, missing, &error));
    assert_true(g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT));
    assert_int_equal(changed, 7);

    g_unlink(path);
    g_rmdir(dir);
}

static void
test_csv_round_trip(void **state)
{
    (void)state;
    g_autoptr(DlHistory) h = dl_history_new();
    NnSchedule s = nn_schedule_default();
    dl_history_reset(h, &s, 3, 4, FALSE);
    NnEpochStats rows[3];
    for (int e = 1; e <= 3; e++) {
        rows[e - 1] = epoch_stats(e, 0.98 + 0.003 * e);
        rows[e - 1].lr = nn_schedule_lr(&s, e - 1);
        dl_history_add_epoch(h, &rows[e - 1]);
    }

    g_autofree char *dir = g_dir_make_tmp("test-history-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "h.csv", NULL);
    g_autoptr(GError) error = NULL;
    assert_true(dl_history_save_csv(h, path, &error));
    assert_null(error);

    /* Byte for byte what digitlab-cli train --history writes (src/cli/cmd-train.c). */
    g_autoptr(GString) expected = g_string_new("epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second\n");
    for (int i = 0; i < 3; i++) {
        const NnEpochStats *r = &rows[i];
        g_string_append_printf(expected, "%d,%.6g,%.6f,%.6f,%.6f,%.6f,%.3f,%.1f\n", r->epoch, r->lr,
                               r->train_loss, r->train_accuracy, r->val_loss, r->val_accuracy,
                               r->seconds, r->images_per_s);
    }
    g_autofree char *written = NULL;
    assert_true(g_file_get_contents(path, &written, NULL, NULL));
    assert_string_equal(written, expected->str);

    g_autoptr(DlHistory) loaded = dl_history_new();
    assert_true(dl_history_load_csv(loaded, path, &error));
    assert_null(error);
    guint n;
    const NnEpochStats *back = dl_history_get_epochs(loaded, &n);
    assert_int_equal(n, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(back[i].epoch, rows[i].epoch);
        assert_int_equal(back[i].epochs, 3);
        assert_near(back[i].lr, rows[i].lr, 5e-6 * rows[i].lr);
        assert_near(back[i].train_loss, rows[i].train_loss, 1e-6);
        assert_near(back[i].train_accuracy, rows[i].train_accuracy, 1e-6);
        assert_near(back[i].val_loss, rows[i].val_loss, 1e-6);
        assert_near(back[i].val_accuracy, rows[i].val_accuracy, 1e-6);
        assert_near(back[i].seconds, rows[i].seconds, 1e-3);
        assert_near(back[i].images_per_s, rows[i].images_per_s, 0.1);
    }
    /* A loaded run: no batches, no schedule, the rates it recorded. */
    assert_false(dl_history_has_schedule(loaded));
    assert_false(dl_history_is_empty(loaded));
    assert_int_equal(dl_history_get_n_epochs(loaded), 3);
    assert_near(dl_history_get_position(loaded), 3, 0);
    dl_history_get_series(loaded, DL_SERIES_SMOOTH_LOSS, &n);
    assert_int_equal(n, 0);
    const DlPoint *val = dl_history_get_series(loaded, DL_SERIES_VAL_ACCURACY, &n);
    assert_int_equal(n, 3);
    assert_near(val[2].x, 3, 0);
    assert_near(val[2].y, 0.989, 1e-6);
    const DlPoint *curve = dl_history_get_schedule_curve(loaded, &n);
    assert_int_equal(n, 6);
    assert_near(curve[2].x, 1, 0);
    assert_near(curve[2].y, rows[1].lr, 1e-6 * rows[1].lr);
    assert_near(dl_history_lr_at(loaded, 1.5), rows[1].lr, 1e-6 * rows[1].lr);
    assert_near(dl_history_lr_at(loaded, 3), rows[2].lr, 1e-6 * rows[2].lr);

    /* Saving the loaded history writes the same file again. */
    assert_true(dl_history_save_csv(loaded, path, NULL));
    g_autofree char *again = NULL;
    assert_true(g_file_get_contents(path, &again, NULL, NULL));
    assert_string_equal(again, written);

    g_unlink(path);
    g_rmdir(dir);
}

static gboolean
load_text(DlHistory *h, const char *text, GError **error)
{
    g_autofree char *dir = g_dir_make_tmp("test-history-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "h.csv", NULL);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    gboolean ok = dl_history_load_csv(h, path, error);
    g_unlink(path);
    g_rmdir(dir);
    return ok;
}

static void
test_csv_from_cli_and_bad_files(void **state)
{
    (void)state;
    g_autoptr(DlHistory) h = dl_history_new();
    g_autoptr(GError) error = NULL;

    /* A resumed CLI run appends rows from epoch 3 on, with CRLF line ends
     * from some editor; the rerun epoch 3 replaces the first one. */
    const char *cli =
        "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second\r\n"
        "1,1e-05,0.512345,0.843210,0.120000,0.965000,31.250,2001.5\r\n"
        "2,0.000208,0.100000,0.970000,0.050000,0.985000,30.000,2100.0\r\n"
        "3,0.000406,0.080000,0.975000,0.045000,0.987000,29.000,2150.0\r\n"
        "3,0.000406,0.079000,0.976000,0.044000,0.988000,29.500,2150.0\r\n"
        "\r\n";
    assert_true(load_text(h, cli, &error));
    assert_null(error);
    guint n;
    const NnEpochStats *rows = dl_history_get_epochs(h, &n);
    assert_int_equal(n, 3);
    assert_near(rows[0].lr, 1e-5, 1e-12);
    assert_near(rows[0].images_per_s, 2001.5, 0);
    assert_near(rows[2].val_accuracy, 0.988, 1e-9);

    /* Bad files are refused with a message, and the history stays as it was. */
    static const char *const bad[] = {
        "",
        "epoch;lr\n1;2\n",
        "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second\n1,2,3\n",
        "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second\nx,1,1,1,1,1,1,1\n",
        "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second\n1,1,1,1,1,1,1,1,1\n",
        "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second\n1,1,1,nan,1,1,1,1\n",
        "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second\n0,1,1,1,1,1,1,1\n",
        "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second\n1,1,1,1,1,1,1,1x\n",
        /* more epochs than any run has (train --epochs: at most 100,000) */
        "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second\n100001,1,1,1,1,1,1,1\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        g_clear_error(&error);
        assert_false(load_text(h, bad[i], &error));
        assert_true(g_error_matches(error, DL_HISTORY_ERROR, DL_HISTORY_ERROR_PARSE));
        assert_non_null(error->message);
        dl_history_get_epochs(h, &n);
        assert_int_equal(n, 3);
    }

    /* A header alone is a valid, empty history. */
    g_clear_error(&error);
    assert_true(load_text(h, "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second\n", &error));
    dl_history_get_epochs(h, &n);
    assert_int_equal(n, 0);
    assert_true(dl_history_is_empty(h));
}

/* Probes: their own two series, at the position they were taken; a probe
 * alone makes the history non-empty; a restarted run drops later probes. */
static void
test_probes(void **state)
{
    (void)state;
    g_autoptr(DlHistory) h = dl_history_new();
    NnSchedule s = nn_schedule_default();
    int changed = 0;
    dl_history_reset(h, &s, 2, 10, TRUE);
    g_signal_connect(h, "changed", G_CALLBACK(count_changed), &changed);

    dl_history_add_probe(h, 0.3, 0.62, 1.1);
    assert_false(dl_history_is_empty(h));
    assert_int_equal(changed, 1);
    NnBatchProgress p = batch(0, 4, 10, 0.9, 0.7);
    dl_history_add_batch(h, &p);
    dl_history_add_probe(h, 0.6, 0.91, 0.3);
    dl_history_add_probe(h, 1.3, 0.97, 0.1);

    guint n, n_loss;
    const DlPoint *acc = dl_history_get_series(h, DL_SERIES_PROBE_ACCURACY, &n);
    const DlPoint *loss = dl_history_get_series(h, DL_SERIES_PROBE_LOSS, &n_loss);
    assert_int_equal(n, 3);
    assert_int_equal(n_loss, 3);
    assert_near(acc[1].x, 0.6, 1e-12);
    assert_near(acc[1].y, 0.91, 1e-12);
    assert_near(loss[2].y, 0.1, 1e-12);
    assert_near(dl_history_get_position(h), 1.3, 1e-12);
    /* Not mixed into the per-epoch validation series. */
    dl_history_get_series(h, DL_SERIES_VAL_ACCURACY, &n);
    assert_int_equal(n, 0);

    /* The run starts over at batch 7 of epoch 1: the probe after it goes. */
    p = batch(0, 7, 10, 0.8, 0.75);
    dl_history_add_batch(h, &p);
    dl_history_get_series(h, DL_SERIES_PROBE_ACCURACY, &n);
    assert_int_equal(n, 2);
    /* A probe repeated at an earlier position replaces what follows it. */
    dl_history_add_probe(h, 0.3, 0.5, 1.0);
    acc = dl_history_get_series(h, DL_SERIES_PROBE_ACCURACY, &n);
    assert_int_equal(n, 1);
    assert_near(acc[0].y, 0.5, 1e-12);

    dl_history_reset(h, &s, 2, 10, TRUE);
    assert_true(dl_history_is_empty(h));
    dl_history_get_series(h, DL_SERIES_PROBE_LOSS, &n);
    assert_int_equal(n, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_has_default_schedule),
        cmocka_unit_test(test_batches_and_epochs),
        cmocka_unit_test(test_restart_drops_later_points),
        cmocka_unit_test(test_long_runs_are_thinned),
        cmocka_unit_test(test_schedule_curve_per_step),
        cmocka_unit_test(test_schedule_curve_per_epoch),
        cmocka_unit_test(test_changed_emissions),
        cmocka_unit_test(test_csv_round_trip),
        cmocka_unit_test(test_csv_from_cli_and_bad_files),
        cmocka_unit_test(test_probes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
