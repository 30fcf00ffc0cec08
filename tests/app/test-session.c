/* test-session.c — what the pages share, without a display: a model's
 * evaluation on a test set (src/app/dl-evaluation.c), the galleries' list
 * model (dl-gallery-model.c) and the session (dl-session.c) loading a test
 * set, evaluating every model it is given in a worker, training, and
 * knowing what is saved, the taught model and the one before it; every run
 * kept in a run folder (under a private $XDG_DATA_HOME), a stopped one
 * resumed. On small random IDX files the test writes: no MNIST needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dl-follow.h"
#include "dl-gallery-model.h"
#include "dl-session.h"
#include "dl-settings.h"
#include "test-fake-mnist.h"

#define TEST_IMAGES 300

/* ---- the evaluation ---------------------------------------------------------- */

static void
test_evaluation_per_image(void **state)
{
    NnDataset dataset = random_dataset(TEST_IMAGES, 7);
    g_autoptr(DlTestSet) test_set = dl_test_set_new_take(&dataset);
    NnModel *model = random_model(3);
    g_autoptr(GError) error = NULL;
    g_autoptr(DlEvaluation) ev = dl_evaluation_compute(model, test_set, NULL, NULL, NULL, &error);
    nn_model_free(model);

    assert_non_null(ev);
    assert_int_equal(dl_evaluation_get_count(ev), TEST_IMAGES);
    const NnEvalResult *r = dl_evaluation_get_result(ev);
    int total = 0, trace = 0;
    for (int i = 0; i < NN_CLASSES; i++)
        for (int j = 0; j < NN_CLASSES; j++) {
            total += r->confusion[i][j];
            trace += i == j ? r->confusion[i][j] : 0;
        }
    assert_int_equal(total, TEST_IMAGES);

    /* Each image: the digit read is the most probable, its cell counts it. */
    int counted[NN_CLASSES][NN_CLASSES] = { { 0 } };
    for (int i = 0; i < TEST_IMAGES; i++) {
        const float *p = dl_evaluation_get_probs(ev, i);
        float sum = 0;
        for (int k = 0; k < NN_CLASSES; k++)
            sum += p[k];
        assert_float_equal(sum, 1.0, 1e-4);
        assert_int_equal(dl_evaluation_get_predicted(ev, i), nn_argmax(p, NN_CLASSES));
        counted[dl_test_set_get_label(test_set, i)][dl_evaluation_get_predicted(ev, i)]++;
    }
    assert_memory_equal(counted, r->confusion, sizeof counted);

    /* A cell's images are exactly those of its count, and a gallery of it
     * holds them in that order, each item made once. */
    for (int row = 0; row < NN_CLASSES; row++)
        for (int col = 0; col < NN_CLASSES; col++) {
            guint n;
            g_autofree guint *indices = dl_evaluation_get_cell_images(ev, row, col, &n);
            assert_int_equal(n, r->confusion[row][col]);
            for (guint i = 0; i < n; i++) {
                assert_int_equal(dl_test_set_get_label(test_set, (int)indices[i]), row);
                assert_int_equal(dl_evaluation_get_predicted(ev, (int)indices[i]), col);
                assert_true(i == 0 || indices[i] > indices[i - 1]);
            }
            g_autoptr(DlGalleryModel) gallery = dl_gallery_model_new_cell(ev, row, col);
            assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(gallery)), n);
            assert_null(g_list_model_get_item(G_LIST_MODEL(gallery), n));
            if (n > 0) {
                g_autoptr(DlTestImage) a = g_list_model_get_item(G_LIST_MODEL(gallery), n - 1);
                g_autoptr(DlTestImage) b = g_list_model_get_item(G_LIST_MODEL(gallery), n - 1);
                assert_ptr_equal(a, b);
                assert_int_equal(dl_test_image_get_index(a), indices[n - 1]);
                assert_int_equal(dl_test_image_get_label(a), row);
                assert_int_equal(dl_test_image_get_predicted(a), col);
                assert_memory_equal(dl_test_image_get_pixels(a), dl_test_set_get_pixels(test_set, (int)indices[n - 1]),
                                    NN_IMAGE_PIXELS);
            }
        }

    /* Recall and precision from the matrix. */
    for (int k = 0; k < NN_CLASSES; k++) {
        int row = 0, col = 0;
        for (int j = 0; j < NN_CLASSES; j++) {
            row += r->confusion[k][j];
            col += r->confusion[j][k];
        }
        assert_float_equal(dl_evaluation_get_recall(ev, k), row ? (double)r->confusion[k][k] / row : -1, 1e-12);
        assert_float_equal(dl_evaluation_get_precision(ev, k), col ? (double)r->confusion[k][k] / col : -1, 1e-12);
    }

    /* All mistakes, the most confident first. */
    guint n;
    g_autofree guint *mistakes = dl_evaluation_get_mistakes(ev, &n);
    assert_int_equal(n, TEST_IMAGES - trace);
    float last = 2;
    for (guint i = 0; i < n; i++) {
        int index = (int)mistakes[i];
        assert_int_not_equal(dl_test_set_get_label(test_set, index), dl_evaluation_get_predicted(ev, index));
        float confidence = dl_evaluation_get_probs(ev, index)[dl_evaluation_get_predicted(ev, index)];
        assert_true(confidence <= last);
        last = confidence;
    }
    g_autoptr(DlGalleryModel) gallery = dl_gallery_model_new_mistakes(ev);
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(gallery)), n);
}

static void
test_evaluation_cancelled(void **state)
{
    NnDataset dataset = random_dataset(50, 1);
    g_autoptr(DlTestSet) test_set = dl_test_set_new_take(&dataset);
    NnModel *model = random_model(1);
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    g_autoptr(GError) error = NULL;

    g_cancellable_cancel(cancellable);
    DlEvaluation *ev = dl_evaluation_compute(model, test_set, cancellable, NULL, NULL, &error);
    nn_model_free(model);
    assert_null(ev);
    assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
}

/* ---- the session -------------------------------------------------------------- */

typedef struct {
    char *dir;
    DlSession *session;
    int evaluations;        /* notify::evaluation */
    int training_done;      /* emissions */
    DlTrainingOutcome outcome;
    int stop_after;         /* stop the run once the history has this many epochs */
    char *message;          /* of the last failure */
} Fixture;

static void
on_evaluation(Fixture *f)
{
    f->evaluations++;
}

static void
on_training_done(DlSession *session, int outcome, gpointer error, Fixture *f)
{
    f->training_done++;
    f->outcome = outcome;
    g_clear_pointer(&f->message, g_free);
    f->message = error != NULL ? g_strdup(((GError *)error)->message) : NULL;
}

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    f->dir = g_dir_make_tmp("digitlab-session-XXXXXX", NULL);
    assert_non_null(f->dir);
    NnDataset train = random_dataset(128, 11), test = random_dataset(TEST_IMAGES, 12);
    write_idx(f->dir, "train", &train);
    write_idx(f->dir, "t10k", &test);
    nn_dataset_free(&train);
    nn_dataset_free(&test);

    f->session = dl_session_new();
    dl_session_set_threads(f->session, 1);
    g_signal_connect_swapped(f->session, "notify::evaluation", G_CALLBACK(on_evaluation), f);
    g_signal_connect(f->session, "training-done", G_CALLBACK(on_training_done), f);
    *state = f;
    return 0;
}

static void
remove_all(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_remove(path);
    }
    g_rmdir(dir);
}

static int
teardown(void **state)
{
    Fixture *f = *state;

    g_clear_object(&f->session);
    while (g_main_context_iteration(NULL, FALSE))
        ;
    remove_all(f->dir);
    g_free(f->dir);
    g_free(f->message);
    g_free(f);
    return 0;
}

static gboolean
timed_out(gpointer data)
{
    *(gboolean *)data = TRUE;
    return G_SOURCE_REMOVE;
}

/* Runs the main loop until done(f) or 60 s. */
static void
run_until(Fixture *f, gboolean (*done)(Fixture *f))
{
    gboolean timeout = FALSE;
    guint id = g_timeout_add_seconds(60, timed_out, &timeout);

    while (!done(f) && !timeout)
        g_main_context_iteration(NULL, TRUE);
    if (!timeout)
        g_source_remove(id);
    assert_false(timeout);
}

static gboolean
test_set_settled(Fixture *f)
{
    return dl_session_get_test_set_state(f->session) != DL_TEST_SET_LOADING;
}

static gboolean
evaluated(Fixture *f)
{
    return dl_session_get_evaluation(f->session) != NULL && !dl_session_get_evaluating(f->session);
}

static gboolean
trained(Fixture *f)
{
    return f->training_done > 0 && !dl_session_get_evaluating(f->session);
}

static void
test_session_test_set(void **state)
{
    Fixture *f = *state;
    g_autofree char *empty = g_dir_make_tmp("digitlab-empty-XXXXXX", NULL);

    /* A folder without MNIST: missing, and nothing to evaluate. */
    dl_session_set_data_dir(f->session, empty);
    assert_int_equal(dl_session_get_test_set_state(f->session), DL_TEST_SET_MISSING);
    g_rmdir(empty);

    dl_session_set_data_dir(f->session, f->dir);
    assert_int_equal(dl_session_get_test_set_state(f->session), DL_TEST_SET_LOADING);
    run_until(f, test_set_settled);
    assert_int_equal(dl_session_get_test_set_state(f->session), DL_TEST_SET_READY);
    assert_int_equal(dl_test_set_get_count(dl_session_get_test_set(f->session)), TEST_IMAGES);
    assert_false(dl_session_get_evaluating(f->session)); /* no model yet */
    assert_null(dl_session_get_evaluation(f->session));

    /* A model file: evaluated in a worker, on the whole test set. */
    g_autofree char *path = g_build_filename(f->dir, "random.dlm", NULL);
    NnModel *model = random_model(5);
    NnError err;
    assert_int_equal(nn_model_save(model, path, 0, &err), NN_OK);
    nn_model_free(model);
    g_autoptr(GError) error = NULL;
    assert_true(dl_session_load_model(f->session, path, &error));
    assert_int_equal(dl_session_get_model_source(f->session), DL_MODEL_FILE);
    assert_string_equal(dl_session_get_model_path(f->session), path);
    assert_false(dl_session_get_unsaved(f->session));
    assert_true(dl_session_get_evaluating(f->session));
    run_until(f, evaluated);
    assert_int_equal(f->evaluations, 1);
    assert_int_equal(dl_evaluation_get_result(dl_session_get_evaluation(f->session))->n, TEST_IMAGES);
    assert_string_equal(dl_session_get_evaluation_model(f->session), "random.dlm");

    /* A file that is not a model: the model stays, and the message says so
     * in plain words, without the path or the engine's internals. */
    g_autofree char *bad = g_build_filename(f->dir, "bad.dlm", NULL);
    assert_true(g_file_set_contents(bad, "this is not a Digit Lab model, but long enough to have a header", -1, NULL));
    assert_false(dl_session_load_model(f->session, bad, &error));
    assert_string_equal(error->message,
                        "This is not a Digit Lab model file. Choose a model saved by Digit Lab (.dlm).");
    g_clear_error(&error);
    assert_string_equal(dl_session_get_model_path(f->session), path);
    g_unlink(bad);

    /* The input of the prediction. */
    assert_int_equal(dl_session_get_input_kind(f->session), DL_INPUT_DRAWING);
    assert_int_equal(dl_session_get_input_index(f->session), -1);
    dl_session_set_input_test_image(f->session, 42);
    assert_int_equal(dl_session_get_input_kind(f->session), DL_INPUT_TEST_IMAGE);
    assert_int_equal(dl_session_get_input_index(f->session), 42);
    dl_session_set_input_drawing(f->session);
    assert_int_equal(dl_session_get_input_index(f->session), -1);

    /* Two models in a row: the older one's evaluation gives way. */
    assert_true(dl_session_load_model(f->session, path, &error));
    assert_true(dl_session_load_model(f->session, path, &error));
    run_until(f, evaluated);
    assert_int_equal(f->evaluations, 2);
}

static void
test_session_training(void **state)
{
    Fixture *f = *state;

    dl_session_set_data_dir(f->session, f->dir);
    run_until(f, test_set_settled);

    DlTrainRequest request = {
        .data_dir = f->dir,
        .model_config = nn_model_config_default(),
        .config = nn_train_config_default(),
    };
    request.model_config.padding = NN_PADDING_VALID;
    request.config.epochs = 2;
    request.config.batch = 32;
    request.config.threads = 1;
    request.config.schedule.warmup = 1;
    dl_session_train(f->session, &request);
    assert_true(dl_session_get_training(f->session));
    assert_int_equal(dl_session_get_run_epochs(f->session), 2);
    run_until(f, trained);

    /* The run's model, of its last epoch, trained here and not saved;
     * evaluated after the epochs (the second's at the latest). */
    assert_int_equal(f->training_done, 1);
    assert_int_equal(f->outcome, DL_TRAINING_FINISHED);
    assert_false(dl_session_get_training(f->session));
    assert_int_equal(dl_session_get_model_source(f->session), DL_MODEL_TRAINED);
    assert_int_equal(dl_session_get_model_epoch(f->session), 2);
    assert_true(dl_session_get_unsaved(f->session));
    guint n_epochs;
    dl_history_get_epochs(dl_session_get_history(f->session), &n_epochs);
    assert_int_equal(n_epochs, 2);
    assert_true(f->evaluations >= 1);
    /* Named while training ("model of epoch 2 of 2") or, when progress
     * reaches the main thread only after the run ended, as the trained
     * model ("(epoch 2)"): of the second epoch either way. */
    const char *evaluated = dl_session_get_evaluation_model(f->session);
    assert_true(strstr(evaluated, "epoch 2 of 2") != NULL || strstr(evaluated, "(epoch 2)") != NULL);

    /* Saved: a file, nothing unsaved. */
    g_autofree char *path = g_build_filename(f->dir, "trained.dlm", NULL);
    g_autoptr(GError) error = NULL;
    assert_true(dl_session_save_model(f->session, path, &error));
    assert_int_equal(dl_session_get_model_source(f->session), DL_MODEL_FILE);
    assert_false(dl_session_get_unsaved(f->session));
    assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));

    /* The run is kept in its folder, finished, with its model and history. */
    DlRun *run = dl_session_get_run(f->session);
    assert_non_null(run);
    g_autoptr(DlRun) kept = dl_run_load(dl_run_get_dir(run), &error);
    assert_non_null(kept);
    assert_true(g_str_has_prefix(dl_run_get_dir(kept), dl_session_get_runs_root(f->session)));
    assert_int_equal(dl_run_get_status(kept), DL_RUN_FINISHED);
    assert_int_equal(dl_run_get_epochs_done(kept), 2);
    assert_int_equal(dl_run_get_settings(kept)->model.padding, NN_PADDING_VALID);
    assert_int_equal(dl_run_get_settings(kept)->train.batch, 32);
    g_autoptr(DlHistory) history = dl_run_load_history(kept, &error);
    dl_history_get_epochs(history, &n_epochs);
    assert_int_equal(n_epochs, 2);
    assert_true(dl_run_has_model(kept));
    /* Its model, opened, is named by the run. */
    g_autofree char *model = dl_run_get_model_path(kept);
    assert_true(dl_session_load_model(f->session, model, &error));
    g_autofree char *name = NULL;
    dl_session_describe_model(f->session, NULL, &name);
    assert_non_null(strstr(name, dl_run_get_name(kept)));
}

static void
on_history_changed(Fixture *f)
{
    guint n;
    dl_history_get_epochs(dl_session_get_history(f->session), &n);
    if (f->stop_after > 0 && (int)n >= f->stop_after) {
        f->stop_after = 0;
        dl_trainer_stop(dl_session_get_trainer(f->session));
    }
}

/* Stopped after its first epoch, the run resumes from its folder and its
 * history goes on from there. */
static void
test_session_resume(void **state)
{
    Fixture *f = *state;

    dl_session_set_data_dir(f->session, f->dir);
    run_until(f, test_set_settled);
    DlTrainRequest request = {
        .data_dir = f->dir,
        .model_config = nn_model_config_default(),
        .config = nn_train_config_default(),
    };
    request.model_config.padding = NN_PADDING_VALID;
    request.config.epochs = 3;
    request.config.batch = 8;
    request.config.threads = 1;
    request.config.schedule.warmup = 1;
    f->stop_after = 1;
    g_signal_connect_swapped(dl_session_get_history(f->session), "changed", G_CALLBACK(on_history_changed), f);
    dl_session_train(f->session, &request);
    run_until(f, trained);
    assert_int_equal(f->outcome, DL_TRAINING_STOPPED);
    int stopped_at = dl_session_get_model_epoch(f->session);
    assert_true(stopped_at >= 1 && stopped_at < 3);

    g_autofree char *dir = g_strdup(dl_run_get_dir(dl_session_get_run(f->session)));
    g_autoptr(GError) error = NULL;
    g_autoptr(DlRun) stopped = dl_run_load(dir, &error);
    assert_int_equal(dl_run_get_status(stopped), DL_RUN_STOPPED);
    assert_int_equal(dl_run_get_epochs_done(stopped), stopped_at);
    assert_true(dl_run_can_resume(stopped, NULL));

    f->training_done = 0;
    assert_true(dl_session_resume_run(f->session, dir, f->dir, &error));
    /* The epochs so far are in the history at once. */
    guint n;
    dl_history_get_epochs(dl_session_get_history(f->session), &n);
    assert_int_equal(n, (guint)stopped_at);
    /* A second resume while it trains is refused. */
    g_autoptr(GError) busy = NULL;
    assert_false(dl_session_resume_run(f->session, dir, f->dir, &busy));
    run_until(f, trained);
    assert_int_equal(f->outcome, DL_TRAINING_FINISHED);
    assert_int_equal(dl_session_get_model_epoch(f->session), 3);
    const NnEpochStats *epochs = dl_history_get_epochs(dl_session_get_history(f->session), &n);
    assert_int_equal(n, 3);
    for (guint i = 0; i < n; i++)
        assert_int_equal(epochs[i].epoch, (int)i + 1);
    g_autoptr(DlRun) finished = dl_run_load(dir, &error);
    assert_int_equal(dl_run_get_status(finished), DL_RUN_FINISHED);
    assert_int_equal(dl_run_get_epochs_done(finished), 3);
    assert_false(dl_session_resume_run(f->session, dir, f->dir, NULL)); /* finished: nothing to resume */
}

/* No run folder can be made (here the folder of runs is a file): training
 * does not start, and says why. */
static void
test_session_no_run_folder(void **state)
{
    Fixture *f = *state;
    const char *root = dl_session_get_runs_root(f->session);
    g_autofree char *aside = g_strconcat(root, ".aside", NULL);
    assert_true(!g_file_test(root, G_FILE_TEST_EXISTS) || g_rename(root, aside) == 0);
    assert_true(g_file_set_contents(root, "not a folder", -1, NULL));

    DlTrainRequest request = {
        .data_dir = f->dir,
        .model_config = nn_model_config_default(),
        .config = nn_train_config_default(),
    };
    dl_session_train(f->session, &request);
    assert_int_equal(f->training_done, 1);
    assert_int_equal(f->outcome, DL_TRAINING_FAILED);
    assert_non_null(f->message);
    assert_non_null(strstr(f->message, "could not make a folder"));
    assert_false(dl_session_get_training(f->session));

    assert_int_equal(g_unlink(root), 0);
    assert_true(!g_file_test(aside, G_FILE_TEST_EXISTS) || g_rename(aside, root) == 0);
}

/* ---- following a run (dl-follow.c) ------------------------------------------------------ */

static NnEpochStats
epoch_reading(int epoch, double accuracy)
{
    NnEpochStats s = { .epoch = epoch, .epochs = 5, .val_accuracy = accuracy };
    return s;
}

static void
test_follow_decisions(void **state)
{
    DlFollow follow;
    NnModel *use = NULL;

    dl_follow_init(&follow);
    assert_true(follow.enabled);
    dl_follow_begin_run(&follow);

    /* Epoch 1 reads worse than the model in use (0.99): held, and kept. */
    NnEpochStats s = epoch_reading(1, 0.92);
    assert_int_equal(dl_follow_offer(&follow, random_model(1), &s, FALSE, 0.99, &use), DL_FOLLOW_HELD_WORSE);
    assert_null(use);
    assert_int_equal(dl_follow_get_held_epoch(&follow), 1);
    /* Epoch 2 better than it: in use, nothing held. */
    s = epoch_reading(2, 0.995);
    assert_int_equal(dl_follow_offer(&follow, random_model(2), &s, FALSE, 0.99, &use), DL_FOLLOW_USE);
    assert_non_null(use);
    nn_model_free(use);
    assert_int_equal(dl_follow_get_held_epoch(&follow), 0);
    /* The run's model in use now: the baseline stays the old model's, so
     * epoch 3 above it is followed, epoch 4 below it is not. */
    s = epoch_reading(3, 0.991);
    assert_int_equal(dl_follow_offer(&follow, random_model(3), &s, TRUE, -1, &use), DL_FOLLOW_USE);
    nn_model_free(use);
    s = epoch_reading(4, 0.98);
    assert_int_equal(dl_follow_offer(&follow, random_model(4), &s, TRUE, -1, &use), DL_FOLLOW_HELD_WORSE);
    /* "Use it anyway": from then on, whatever it reads. */
    NnModel *held = dl_follow_take_held(&follow, TRUE, NULL);
    assert_non_null(held);
    nn_model_free(held);
    s = epoch_reading(5, 0.5);
    assert_int_equal(dl_follow_offer(&follow, random_model(5), &s, TRUE, -1, &use), DL_FOLLOW_USE);
    nn_model_free(use);

    /* Off: held whatever it reads; a new run forgets. */
    follow.enabled = FALSE;
    s = epoch_reading(1, 1.0);
    assert_int_equal(dl_follow_offer(&follow, random_model(6), &s, TRUE, -1, &use), DL_FOLLOW_HELD_OFF);
    assert_int_equal(dl_follow_get_held_epoch(&follow), 1);
    dl_follow_begin_run(&follow);
    assert_int_equal(dl_follow_get_held_epoch(&follow), 0);
    assert_false(follow.forced);
    /* Unknown accuracy of the model in use: followed. */
    follow.enabled = TRUE;
    s = epoch_reading(1, 0.1);
    assert_int_equal(dl_follow_offer(&follow, random_model(7), &s, FALSE, -1, &use), DL_FOLLOW_USE);
    nn_model_free(use);
    dl_follow_clear(&follow);
}

static gboolean
evaluated_once(Fixture *f)
{
    return f->evaluations >= 1 && !dl_session_get_evaluating(f->session);
}

/* Follow training off: the model opened before the run stays in use, the
 * run's newest epoch is held and can be put in use afterwards. */
static void
test_session_follow_off(void **state)
{
    Fixture *f = *state;
    g_autofree char *path = g_build_filename(f->dir, "before.dlm", NULL);
    g_autoptr(GError) error = NULL;
    NnModel *before = random_model(3);
    NnError err;

    assert_int_equal(nn_model_save(before, path, 0, &err), NN_OK);
    nn_model_free(before);
    assert_true(dl_session_load_model(f->session, path, &error));
    dl_session_set_data_dir(f->session, f->dir);
    run_until(f, evaluated_once);

    dl_session_set_follow_training(f->session, FALSE);
    DlTrainRequest request = {
        .data_dir = f->dir,
        .model_config = nn_model_config_default(),
        .config = nn_train_config_default(),
    };
    request.model_config.padding = NN_PADDING_VALID;
    request.config.epochs = 2;
    request.config.batch = 32;
    request.config.threads = 1;
    request.config.probe_every = 2;
    request.config.probe_images = 50;
    dl_session_train(f->session, &request);
    run_until(f, trained);

    assert_int_equal(f->outcome, DL_TRAINING_FINISHED);
    assert_int_equal(dl_session_get_model_source(f->session), DL_MODEL_FILE);
    assert_int_equal(dl_session_get_held_epoch(f->session), 2);
    g_autofree char *why = dl_session_describe_following(f->session);
    assert_non_null(strstr(why, "Following is off"));
    assert_non_null(strstr(why, "Epoch 2"));
    g_autofree char *brief = dl_session_describe_held(f->session);
    assert_non_null(strstr(brief, "Epoch 2 reads"));
    assert_non_null(strstr(brief, "before.dlm stays in use"));
    /* The probes reached the history: 128 images in 4 batches, one probe
     * after batch 2 of each epoch. */
    guint n;
    const DlPoint *probes = dl_history_get_series(dl_session_get_history(f->session), DL_SERIES_PROBE_ACCURACY, &n);
    assert_int_equal(n, 2);
    assert_true(fabs(probes[0].x - 0.5) < 1e-9 && fabs(probes[1].x - 1.5) < 1e-9);

    dl_session_use_held_model(f->session);
    assert_int_equal(dl_session_get_model_source(f->session), DL_MODEL_TRAINED);
    assert_int_equal(dl_session_get_model_epoch(f->session), 2);
    assert_int_equal(dl_session_get_held_epoch(f->session), 0);
    assert_null(dl_session_describe_held(f->session));
}

/* ---- settings (dl-settings.c) ---------------------------------------------------------------- */

/* Every preset, applied to the settings, is what the request says and
 * what dl_settings_find_preset() finds; any change makes it Custom; the
 * schema's defaults are the paper's recipe. */
static void
test_settings_presets(void **state)
{
    g_autoptr(GSettings) settings = dl_settings_new();
    DlTrainRequest request;

    /* Defaults: the paper. */
    g_autoptr(GSettingsSchema) schema = NULL;
    g_object_get(settings, "settings-schema", &schema, NULL);
    g_auto(GStrv) keys = g_settings_schema_list_keys(schema);
    for (char **k = keys; *k != NULL; k++)
        g_settings_reset(settings, *k);
    const NnPreset *paper = nn_preset_find("paper");
    assert_ptr_equal(dl_settings_find_preset(settings), paper);

    for (int i = 0; i < nn_preset_count(); i++) {
        const NnPreset *preset = nn_preset_get(i);
        dl_settings_apply_preset(settings, preset);
        assert_ptr_equal(dl_settings_find_preset(settings), preset);
        assert_true(dl_settings_check_train_request(settings, NULL));
        dl_settings_get_train_request(settings, "/data", &request);
        assert_string_equal(request.data_dir, "/data");
        assert_true(nn_model_config_equal(&request.model_config, &preset->model));
        assert_int_equal(request.config.epochs, preset->train.epochs);
        assert_int_equal(request.config.batch, preset->train.batch);
        assert_true(request.config.schedule.lr_max == preset->train.schedule.lr_max);
        assert_true(request.config.schedule.warmup == preset->train.schedule.warmup);
        assert_int_equal(request.config.schedule.kind, preset->train.schedule.kind);
        assert_int_equal(request.config.per_step_lr, preset->train.per_step_lr);
        assert_true(request.config.ema == preset->train.ema);
        assert_true(request.config.augment.elastic_alpha == preset->train.augment.elastic_alpha);
        assert_int_equal(request.config.bn_recalibrate, preset->train.bn_recalibrate);
        assert_int_equal(request.config.probe_every, preset->train.probe_every);
        assert_int_equal(request.train_limit, preset->train_limit);
        assert_int_equal(request.val_limit, preset->val_limit);

        /* One edit: Custom; undone: the preset again. Threads are no part of it. */
        int epochs = g_settings_get_int(settings, "epochs");
        g_settings_set_int(settings, "epochs", epochs + 1);
        assert_null(dl_settings_find_preset(settings));
        g_settings_set_int(settings, "epochs", epochs);
        g_settings_set_int(settings, "threads", 1);
        assert_ptr_equal(dl_settings_find_preset(settings), preset);
        double rotation = g_settings_get_double(settings, "rotation");
        g_settings_set_double(settings, "rotation", rotation + 1);
        assert_null(dl_settings_find_preset(settings));
        g_settings_set_double(settings, "rotation", rotation);
    }

    /* A network that shrinks to nothing: the engine's reason. */
    dl_settings_apply_preset(settings, paper);
    g_settings_set_int(settings, "blocks", 3);
    g_settings_set_enum(settings, "padding", NN_PADDING_VALID);
    char *reason = NULL;
    assert_false(dl_settings_check_train_request(settings, &reason));
    assert_non_null(strstr(reason, "shrink"));
    g_free(reason);
    /* Its third block's filters are used now, and none is unused. */
    dl_settings_get_train_request(settings, "", &request);
    assert_int_equal(request.model_config.filters[2], g_settings_get_int(settings, "filters-block-3"));
    g_settings_set_int(settings, "blocks", 1);
    dl_settings_get_train_request(settings, "", &request);
    assert_int_equal(request.model_config.filters[1], 0);
    assert_true(dl_settings_check_train_request(settings, NULL));
}

/* A run that diverges after its first epoch (plain SGD, no batch
 * normalisation, the learning rate rising to 10): it fails with the
 * engine's message, which names the epoch; the canvas keeps the last good
 * epoch's model, the history holds the good epochs only, and the run folder
 * says it failed. */
static void
test_session_diverged(void **state)
{
    Fixture *f = *state;

    dl_session_set_data_dir(f->session, f->dir);
    run_until(f, test_set_settled);

    DlTrainRequest request = {
        .data_dir = f->dir,
        .model_config = nn_model_config_default(),
        .config = nn_train_config_default(),
    };
    request.model_config.padding = NN_PADDING_VALID;
    request.model_config.batch_norm = false;
    request.config.optimizer = NN_OPTIMIZER_SGD;
    request.config.epochs = 4;
    request.config.batch = 32;
    request.config.threads = 1;
    request.config.schedule.warmup = 2;   /* epoch 1 at lr_min, then 5, then 10 */
    request.config.schedule.lr_max = 10; /* the largest a run folder records */
    dl_session_train(f->session, &request);
    run_until(f, trained);

    assert_int_equal(f->outcome, DL_TRAINING_FAILED);
    assert_non_null(f->message);
    int good = dl_session_get_model_epoch(f->session);
    assert_true(good >= 1);
    g_autofree char *expected = g_strdup_printf("diverged in epoch %d", good + 1);
    if (strstr(f->message, expected) == NULL)
        fail_msg("expected \"%s\" in: %s", expected, f->message);
    assert_int_equal(dl_session_get_model_source(f->session), DL_MODEL_TRAINED);
    assert_non_null(dl_recognizer_get_model(dl_session_get_recognizer(f->session)));
    guint n_epochs;
    const NnEpochStats *epochs = dl_history_get_epochs(dl_session_get_history(f->session), &n_epochs);
    assert_int_equal(n_epochs, good);
    assert_true(isfinite(epochs[good - 1].train_loss));

    g_autoptr(GError) error = NULL;
    g_autoptr(DlRun) kept = dl_run_load(dl_run_get_dir(dl_session_get_run(f->session)), &error);
    if (kept == NULL)
        fail_msg("the failed run could not be read: %s", error->message);
    assert_int_equal(dl_run_get_status(kept), DL_RUN_FAILED);
    assert_int_equal(dl_run_get_epochs_done(kept), good);
}

static gboolean
idle(Fixture *f)
{
    return !dl_session_get_evaluating(f->session);
}

/* A model taught the class's handwriting: unsaved, with the model before it
 * kept to go back to (and forth), its evaluation taken as it comes. */
static void
test_session_taught_model(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    NnError err;

    dl_session_set_data_dir(f->session, f->dir);
    run_until(f, test_set_settled);
    g_autofree char *path = g_build_filename(f->dir, "before.dlm", NULL);
    NnModel *before = random_model(5);
    assert_int_equal(nn_model_save(before, path, 0, &err), NN_OK);
    nn_model_free(before);
    assert_true(dl_session_load_model(f->session, path, &error));
    run_until(f, evaluated);
    assert_false(dl_session_get_has_previous_model(f->session));
    assert_int_equal(dl_session_get_previous_source(f->session), DL_MODEL_NONE);

    /* Taught, with its evaluation on the session's test set. */
    NnModel *taught = random_model(6);
    NnModel *copy = dl_model_copy(taught, NULL);
    g_autoptr(DlEvaluation) evaluation = dl_evaluation_compute(copy, dl_session_get_test_set(f->session), NULL, NULL,
                                                               NULL, NULL);
    nn_model_free(copy);
    int evaluations = f->evaluations;
    dl_session_use_taught_model(f->session, taught, evaluation);
    assert_int_equal(dl_session_get_model_source(f->session), DL_MODEL_TAUGHT);
    assert_true(dl_session_get_unsaved(f->session));
    assert_null(dl_session_get_model_path(f->session));
    assert_true(dl_session_get_has_previous_model(f->session));
    assert_int_equal(dl_session_get_previous_source(f->session), DL_MODEL_FILE);
    /* its evaluation is the session's: none made again */
    assert_ptr_equal(dl_session_get_evaluation(f->session), evaluation);
    assert_false(dl_session_get_evaluating(f->session));
    assert_int_equal(f->evaluations, evaluations + 1);
    g_autofree char *sentence = NULL;
    dl_session_describe_model(f->session, &sentence, NULL);
    assert_non_null(strstr(sentence, "not saved"));
    assert_non_null(strstr(dl_session_get_evaluation_model(f->session), "handwriting"));

    /* Back to the model before: the file, saved; then forth again. */
    int before_swap = f->evaluations;
    dl_session_swap_previous_model(f->session);
    assert_int_equal(dl_session_get_model_source(f->session), DL_MODEL_FILE);
    assert_string_equal(dl_session_get_model_path(f->session), path);
    assert_false(dl_session_get_unsaved(f->session));
    assert_int_equal(dl_session_get_previous_source(f->session), DL_MODEL_TAUGHT);
    assert_true(dl_session_get_evaluating(f->session));
    run_until(f, idle);
    /* evaluated afresh (pointers of freed evaluations may come back: counted, not compared) */
    assert_int_equal(f->evaluations, before_swap + 1);
    assert_null(strstr(dl_session_get_evaluation_model(f->session), "handwriting"));
    dl_session_swap_previous_model(f->session);
    assert_int_equal(dl_session_get_model_source(f->session), DL_MODEL_TAUGHT);
    assert_int_equal(dl_session_get_previous_source(f->session), DL_MODEL_FILE);
    run_until(f, idle);

    /* Any other model: the previous one is forgotten. */
    assert_true(dl_session_load_model(f->session, path, &error));
    assert_false(dl_session_get_has_previous_model(f->session));
    run_until(f, idle);

    /* Taught without an evaluation: the session makes one. */
    dl_session_use_taught_model(f->session, random_model(7), NULL);
    assert_true(dl_session_get_evaluating(f->session));
    run_until(f, idle);
    assert_non_null(strstr(dl_session_get_evaluation_model(f->session), "handwriting"));
}

int
main(void)
{
    g_setenv("GSETTINGS_BACKEND", "memory", TRUE);

    /* Runs are kept under $XDG_DATA_HOME: a private one, set before GLib reads it. */
    g_autofree char *data_home = g_dir_make_tmp("digitlab-session-data-XXXXXX", NULL);
    g_setenv("XDG_DATA_HOME", data_home, TRUE);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evaluation_per_image),
        cmocka_unit_test(test_evaluation_cancelled),
        cmocka_unit_test_setup_teardown(test_session_test_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_training, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_diverged, setup, teardown),
        cmocka_unit_test(test_follow_decisions),
        cmocka_unit_test_setup_teardown(test_session_follow_off, setup, teardown),
        cmocka_unit_test(test_settings_presets),
        cmocka_unit_test_setup_teardown(test_session_taught_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_no_run_folder, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    g_autofree char *rm = g_strdup_printf("rm -rf '%s'", data_home);
    if (system(rm) != 0)
        failed++;
    return failed;
}
