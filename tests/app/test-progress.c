/* test-progress.c — the latest-value throttle between the training worker and
 * the main thread (src/app/dl-progress.c), without a display. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dl-progress.h"

typedef struct {
    GMainContext *context;
    DlProgress *progress;
    GArray *batches;  /* NnBatchProgress, as emitted */
    GArray *epochs;   /* NnEpochStats, as emitted */
    GArray *order;    /* 'b', 'e', 'v' or 'p' per emission */
    GArray *probes;   /* DlProbe, as emitted */
    int validate_done, validate_total;
} Fixture;

static void
on_batch(DlProgress *progress, gpointer data, gpointer user)
{
    Fixture *f = user;
    const NnBatchProgress *p = data;
    char kind = 'b';

    g_array_append_val(f->batches, *p);
    g_array_append_val(f->order, kind);
}

static void
on_epoch(DlProgress *progress, gpointer data, gpointer user)
{
    Fixture *f = user;
    const NnEpochStats *s = data;
    char kind = 'e';

    g_array_append_val(f->epochs, *s);
    g_array_append_val(f->order, kind);
}

static void
on_validate(DlProgress *progress, int done, int total, gpointer user)
{
    Fixture *f = user;
    char kind = 'v';

    f->validate_done = done;
    f->validate_total = total;
    g_array_append_val(f->order, kind);
}

static void
on_probe(DlProgress *progress, gpointer data, gpointer user)
{
    Fixture *f = user;
    char kind = 'p';

    g_array_append_val(f->probes, *(const DlProbe *)data);
    g_array_append_val(f->order, kind);
}

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    f->context = g_main_context_new();
    g_main_context_push_thread_default(f->context);
    f->progress = dl_progress_new();
    /* Dispatch whenever idle; test_interval checks the default pacing. */
    dl_progress_set_interval(f->progress, 0);
    g_signal_connect(f->progress, "batch", G_CALLBACK(on_batch), f);
    g_signal_connect(f->progress, "epoch", G_CALLBACK(on_epoch), f);
    g_signal_connect(f->progress, "validate", G_CALLBACK(on_validate), f);
    g_signal_connect(f->progress, "probe", G_CALLBACK(on_probe), f);
    f->probes = g_array_new(FALSE, FALSE, sizeof(DlProbe));
    f->batches = g_array_new(FALSE, FALSE, sizeof(NnBatchProgress));
    f->epochs = g_array_new(FALSE, FALSE, sizeof(NnEpochStats));
    f->order = g_array_new(FALSE, FALSE, 1);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *f = *state;

    g_clear_object(&f->progress);
    while (g_main_context_iteration(f->context, FALSE))
        ;
    g_main_context_pop_thread_default(f->context);
    g_main_context_unref(f->context);
    g_array_unref(f->batches);
    g_array_unref(f->epochs);
    g_array_unref(f->order);
    g_array_unref(f->probes);
    g_free(f);
    return 0;
}

/* Runs everything the context has ready; returns the number of sources run. */
static int
drain(GMainContext *context)
{
    int n = 0;

    while (g_main_context_iteration(context, FALSE))
        n++;
    return n;
}

/* A fake training run: `epochs` epochs of `batches` batches each. */
typedef struct {
    DlProgress *progress;
    int epochs, batches;
} Worker;

static NnBatchProgress
batch_at(int epoch, int batch, int batches)
{
    NnBatchProgress p = {
        .epoch = epoch, .epochs = 0, .batch = batch, .batches = batches,
        .loss = 1.0 / (1 + epoch * batches + batch), .accuracy = 0.5,
    };
    return p;
}

static gpointer
worker_run(gpointer data)
{
    Worker *w = data;

    for (int e = 0; e < w->epochs; e++) {
        for (int b = 1; b <= w->batches; b++) {
            NnBatchProgress p = batch_at(e, b, w->batches);
            p.epochs = w->epochs;
            dl_progress_push_batch(w->progress, &p);
        }
        NnEpochStats s = { .epoch = e + 1, .epochs = w->epochs, .val_accuracy = 0.9 };
        dl_progress_push_epoch(w->progress, &s);
    }
    return NULL;
}

/* While the main thread is busy, a whole run produces one pending dispatch:
 * all epochs arrive, in order, and only the newest batch. */
static void
test_burst_one_dispatch(void **state)
{
    Fixture *f = *state;
    Worker w = { f->progress, 20, 500 };

    GThread *thread = g_thread_new("worker", worker_run, &w);
    g_thread_join(thread);

    assert_true(dl_progress_get_pending(f->progress));
    assert_int_equal(drain(f->context), 1);
    assert_false(dl_progress_get_pending(f->progress));
    assert_int_equal(dl_progress_get_dispatch_count(f->progress), 1);

    assert_int_equal(f->epochs->len, 20);
    for (guint i = 0; i < f->epochs->len; i++)
        assert_int_equal(g_array_index(f->epochs, NnEpochStats, i).epoch, (int)i + 1);

    /* The newest batch (the last of epoch 20) came before the 20th epoch's
     * statistics, so it is emitted between epochs 19 and 20. */
    assert_int_equal(f->batches->len, 1);
    NnBatchProgress last = g_array_index(f->batches, NnBatchProgress, 0);
    assert_int_equal(last.epoch, 19);
    assert_int_equal(last.batch, 500);
    assert_int_equal(f->order->len, 21);
    assert_int_equal(g_array_index(f->order, char, 19), 'b');
    assert_int_equal(g_array_index(f->order, char, 20), 'e');
}

/* Many pushes from one thread before the main loop runs: one dispatch, the
 * last value wins. */
static void
test_last_value_wins(void **state)
{
    Fixture *f = *state;

    for (int i = 1; i <= 10000; i++) {
        NnBatchProgress p = batch_at(0, i, 10000);
        dl_progress_push_batch(f->progress, &p);
    }
    assert_int_equal(drain(f->context), 1);
    assert_int_equal(f->batches->len, 1);
    assert_int_equal(g_array_index(f->batches, NnBatchProgress, 0).batch, 10000);

    /* A later push schedules a new dispatch. */
    NnBatchProgress p = batch_at(1, 1, 10000);
    dl_progress_push_batch(f->progress, &p);
    assert_int_equal(drain(f->context), 1);
    assert_int_equal(f->batches->len, 2);
    assert_int_equal(g_array_index(f->batches, NnBatchProgress, 1).epoch, 1);
    assert_int_equal(dl_progress_get_dispatch_count(f->progress), 2);
}

/* Worker and main loop at the same time: batches never go backwards, every
 * epoch arrives once and in order, each after the batches of its epoch, and
 * the last value pushed is the last one seen. */
static void
test_concurrent(void **state)
{
    Fixture *f = *state;
    Worker w = { f->progress, 50, 4000 };

    GThread *thread = g_thread_new("worker", worker_run, &w);
    gboolean done = FALSE;
    while (!done) {
        done = f->epochs->len == 50;
        drain(f->context);
        g_thread_yield();
    }
    g_thread_join(thread);
    drain(f->context);

    assert_int_equal(f->epochs->len, 50);
    for (guint i = 0; i < f->epochs->len; i++)
        assert_int_equal(g_array_index(f->epochs, NnEpochStats, i).epoch, (int)i + 1);

    guint dispatches = dl_progress_get_dispatch_count(f->progress);
    assert_true(dispatches >= 1);
    assert_true(dispatches <= 50 * 4000 + 50);
    assert_true(f->batches->len <= dispatches);

    /* Replay the emissions: keys strictly increase, and an epoch's statistics
     * come after any batch of that epoch. */
    long last_key = -1;
    int epochs_seen = 0;
    guint bi = 0;
    for (guint i = 0; i < f->order->len; i++) {
        if (g_array_index(f->order, char, i) == 'b') {
            NnBatchProgress p = g_array_index(f->batches, NnBatchProgress, bi++);
            long key = (long)p.epoch * 4000 + p.batch;
            assert_true(key > last_key);
            last_key = key;
            assert_true(p.epoch >= epochs_seen);
        } else {
            epochs_seen++;
        }
    }
    NnBatchProgress final = g_array_index(f->batches, NnBatchProgress, f->batches->len - 1);
    assert_int_equal(final.epoch, 49);
    assert_int_equal(final.batch, 4000);
    g_test_message("%u dispatches for %d pushes", dispatches, 50 * 4001);
}

/* Freeing the object with a dispatch pending: the idle callback finds its
 * weak reference empty and does nothing. */
static void
test_dispose_while_pending(void **state)
{
    Fixture *f = *state;
    NnBatchProgress p = batch_at(0, 1, 1);
    NnEpochStats s = { .epoch = 1, .epochs = 1 };

    dl_progress_push_batch(f->progress, &p);
    dl_progress_push_epoch(f->progress, &s);
    assert_true(dl_progress_get_pending(f->progress));
    g_clear_object(&f->progress);
    assert_int_equal(drain(f->context), 1);
    assert_int_equal(f->batches->len, 0);
    assert_int_equal(f->epochs->len, 0);
}

/* Reset drops what a previous run left undispatched. */
static void
test_reset(void **state)
{
    Fixture *f = *state;
    NnBatchProgress p = batch_at(0, 1, 1);
    NnEpochStats s = { .epoch = 1, .epochs = 1 };

    dl_progress_push_batch(f->progress, &p);
    dl_progress_push_epoch(f->progress, &s);
    dl_progress_reset(f->progress);
    drain(f->context);
    assert_int_equal(f->order->len, 0);

    dl_progress_push_epoch(f->progress, &s);
    drain(f->context);
    assert_int_equal(f->epochs->len, 1);
}

/* Flush delivers synchronously; the idle that follows finds nothing left. */
static void
test_flush(void **state)
{
    Fixture *f = *state;
    NnBatchProgress p = batch_at(0, 7, 7);
    NnEpochStats s = { .epoch = 1, .epochs = 1 };

    dl_progress_push_batch(f->progress, &p);
    dl_progress_push_epoch(f->progress, &s);
    dl_progress_flush(f->progress);
    assert_int_equal(f->order->len, 2);
    assert_int_equal(g_array_index(f->order, char, 0), 'b');
    assert_int_equal(g_array_index(f->order, char, 1), 'e');
    drain(f->context);
    assert_int_equal(f->order->len, 2);
    assert_false(dl_progress_get_pending(f->progress));
}

/* Probes and epochs are all delivered; batch and validation progress are
 * latest values; everything comes in the order of the newest pushes: the
 * validation's end before its epoch, a probe before the batches after it. */
static void
test_validate_and_probes(void **state)
{
    Fixture *f = *state;
    NnBatchProgress b1 = batch_at(0, 1, 3), b2 = batch_at(0, 3, 3), b3 = batch_at(1, 1, 3);
    DlProbe p1 = { 0.33, 0.5, 1.2 }, p2 = { 1.33, 0.8, 0.6 };
    NnEpochStats s = { .epoch = 1, .epochs = 2, .val_accuracy = 0.9 };

    dl_progress_push_batch(f->progress, &b1);
    dl_progress_push_probe(f->progress, &p1);
    dl_progress_push_batch(f->progress, &b2);
    dl_progress_push_validate(f->progress, 100, 1000);
    dl_progress_push_validate(f->progress, 1000, 1000);
    dl_progress_push_epoch(f->progress, &s);
    dl_progress_push_batch(f->progress, &b3);
    dl_progress_push_probe(f->progress, &p2);
    assert_int_equal(drain(f->context), 1);

    assert_int_equal(f->order->len, 5);
    assert_memory_equal(f->order->data, "pvebp", 5);
    assert_int_equal(f->validate_done, 1000);
    assert_int_equal(f->validate_total, 1000);
    assert_int_equal(f->probes->len, 2);
    assert_true(g_array_index(f->probes, DlProbe, 0).position == 0.33);
    assert_true(g_array_index(f->probes, DlProbe, 1).accuracy == 0.8);
    assert_int_equal(g_array_index(f->batches, NnBatchProgress, 0).epoch, 1);

    /* Reset drops a validation not yet delivered too. */
    dl_progress_push_validate(f->progress, 5, 10);
    dl_progress_reset(f->progress);
    drain(f->context);
    assert_int_equal(f->order->len, 5);
}

/* A worker pushing a batch every millisecond for half a second: with the
 * default interval the main thread is woken about five times, not 500,
 * every epoch still arrives in order, and the last batch is delivered. */
typedef struct {
    DlProgress *progress;
    gint stop;
} PacedWorker;

static gpointer
paced_run(gpointer data)
{
    PacedWorker *w = data;
    gint64 end = g_get_monotonic_time() + 500000;
    int b = 0;

    while (g_get_monotonic_time() < end) {
        NnBatchProgress p = batch_at(b / 100, b % 100 + 1, 100);
        dl_progress_push_batch(w->progress, &p);
        if (b % 100 == 99) {
            NnEpochStats s = { .epoch = b / 100 + 1 };
            dl_progress_push_epoch(w->progress, &s);
        }
        b++;
        g_usleep(1000);
    }
    g_atomic_int_set(&w->stop, b);
    return NULL;
}

static void
test_interval(void **state)
{
    Fixture *f = *state;
    PacedWorker w = { f->progress, 0 };

    dl_progress_set_interval(f->progress, DL_PROGRESS_INTERVAL_MS);
    GThread *thread = g_thread_new("worker", paced_run, &w);
    while (g_atomic_int_get(&w.stop) == 0 || dl_progress_get_pending(f->progress))
        g_main_context_iteration(f->context, TRUE);
    g_thread_join(thread);
    drain(f->context);

    int pushes = w.stop;
    guint dispatches = dl_progress_get_dispatch_count(f->progress);
    g_test_message("%u dispatches for %d batches in 0.5 s", dispatches, pushes);
    /* 500 ms / 100 ms, plus the first and the last; a loaded machine only
     * makes fewer. Without the interval there would be about one a push. */
    assert_true(dispatches >= 2);
    assert_true(dispatches <= 8);
    assert_true(pushes > 5 * (int)dispatches);
    assert_int_equal((int)f->epochs->len, pushes / 100);
    for (guint i = 0; i < f->epochs->len; i++)
        assert_int_equal(g_array_index(f->epochs, NnEpochStats, i).epoch, (int)i + 1);
    NnBatchProgress last = g_array_index(f->batches, NnBatchProgress, f->batches->len - 1);
    assert_int_equal(last.epoch * 100 + last.batch, pushes);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_burst_one_dispatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_last_value_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dispose_while_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validate_and_probes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interval, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
