/* test-finetuner.c — "Teach it our handwriting" in its worker
 * (src/app/dl-finetuner.c), without a display: the result and its
 * measurements, the calibration kept or made again on the images the
 * model's recipe held out, the same result twice, progress,
 * cancelling, and drawings alone without MNIST. On random images and
 * small random IDX files the test writes: no MNIST needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "dl-finetuner.h"
#include "dl-recipe.h"
#include "test-fake-mnist.h"

static DlTestSet *
random_set(int count, guint32 seed)
{
    NnDataset d = random_dataset(count, seed);
    return dl_test_set_new_take(&d);
}

typedef struct {
    char *dir;          /* a fake MNIST */
    NnModel *model;     /* "trained": calibrated, with thresholds */
    int fractions;      /* "fraction" notifications */
    double last_fraction;
    gboolean saw_phase;
} Fixture;

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    f->dir = g_dir_make_tmp("test-finetuner-XXXXXX", NULL);
    NnDataset train = random_dataset(256, 21), test = random_dataset(100, 22);
    write_idx(f->dir, "train", &train);
    write_idx(f->dir, "t10k", &test);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    f->model = random_model(3);
    nn_model_set_temperature(f->model, 1.7f);
    nn_model_set_thresholds(f->model, 0.8f, 0.4f);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *f = *state;
    const char *names[] = { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                            "t10k-labels-idx1-ubyte" };
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *path = g_build_filename(f->dir, names[i], NULL);
        g_remove(path);
    }
    g_rmdir(f->dir);
    g_free(f->dir);
    nn_model_free(f->model);
    g_free(f);
    return 0;
}

static DlFinetuneRequest
request(Fixture *f, gboolean with_mnist)
{
    DlFinetuneRequest r = { 0 };

    r.model = dl_model_copy(f->model, NULL);
    r.drawings = random_set(40, 31);
    r.held_back = random_set(10, 32);
    r.data_dir = with_mnist ? g_strdup(f->dir) : NULL;
    r.mnist_test = with_mnist ? random_set(100, 33) : NULL;
    r.mnist_before = -1.0;
    r.config = nn_finetune_config_default();
    r.config.epochs = 2;
    r.config.repeats = 2;
    r.config.threads = 1;
    return r;
}

static void
on_result(GObject *source, GAsyncResult *result, gpointer user_data)
{
    *(GAsyncResult **)user_data = g_object_ref(result);
}

static void
on_fraction(DlFinetuner *finetuner, GParamSpec *pspec, Fixture *f)
{
    f->fractions++;
    f->last_fraction = dl_finetuner_get_fraction(finetuner);
}

static void
on_phase(DlFinetuner *finetuner, GParamSpec *pspec, Fixture *f)
{
    if (dl_finetuner_get_phase(finetuner) != NULL)
        f->saw_phase = TRUE;
}

/* Runs the request to its end; the result, or NULL with error. */
static DlFinetuneResult *
run(DlFinetuner *finetuner, DlFinetuneRequest *r, GCancellable *cancellable, GError **error)
{
    GAsyncResult *result = NULL;

    dl_finetuner_run_async(finetuner, r, cancellable, on_result, &result);
    assert_true(dl_finetuner_get_busy(finetuner));
    assert_null(r->model); /* taken */
    while (result == NULL)
        g_main_context_iteration(NULL, TRUE);
    DlFinetuneResult *taught = dl_finetuner_run_finish(finetuner, result, error);
    g_object_unref(result);
    assert_false(dl_finetuner_get_busy(finetuner));
    return taught;
}

static void
test_teach_with_mnist(void **state)
{
    Fixture *f = *state;
    g_autoptr(DlFinetuner) finetuner = dl_finetuner_new();
    g_autoptr(GError) error = NULL;

    g_signal_connect(finetuner, "notify::fraction", G_CALLBACK(on_fraction), f);
    g_signal_connect(finetuner, "notify::phase", G_CALLBACK(on_phase), f);
    DlFinetuneRequest r = request(f, TRUE);
    g_autoptr(DlFinetuneResult) taught = run(finetuner, &r, NULL, &error);
    if (taught == NULL)
        fail_msg("%s", error->message);

    printf("# held back %d -> %d of %d, MNIST %.3f -> %.3f, %.1f s, %d progress updates\n", taught->held_before,
           taught->held_after, taught->held_back, taught->mnist_before, taught->mnist_after, taught->seconds,
           f->fractions);
    assert_non_null(taught->model);
    assert_true(taught->with_mnist);
    assert_int_equal(taught->calibrated_on, 0); /* its recipe held nothing out: the calibration kept */
    assert_int_equal(taught->drawings, 40);
    assert_int_equal(taught->held_back, 10);
    assert_in_range(taught->held_before, 0, 10);
    assert_in_range(taught->held_after, 0, 10);
    assert_true(taught->mnist_before >= 0.0 && taught->mnist_before <= 1.0);
    assert_non_null(taught->mnist_evaluation);
    assert_int_equal(dl_evaluation_get_count(taught->mnist_evaluation), 100);
    assert_true(taught->mnist_after == dl_evaluation_get_result(taught->mnist_evaluation)->accuracy);
    /* It learnt: the weights moved. */
    assert_memory_not_equal(nn_model_params(taught->model), nn_model_params(f->model),
                            nn_model_param_count(f->model) * sizeof(float));
    /* The calibration of the model it came from (the engine leaves 1). */
    assert_true(nn_model_temperature(taught->model) == 1.7f);
    float sure, reject;
    nn_model_thresholds(taught->model, &sure, &reject);
    assert_true(sure == 0.8f && reject == 0.4f);
    /* Its recipe says it saw every MNIST image (calibrate reads that). */
    assert_true(g_str_has_suffix(nn_model_recipe(taught->model), "; then taught 40 drawings in Digit Lab, mixed "
                                                                   "with all of MNIST's training images"));
    /* Progress reached the main thread, to the end. */
    assert_true(f->fractions >= 2);
    assert_true(f->last_fraction > 0.9);
    assert_true(f->saw_phase);
    assert_null(dl_finetuner_get_phase(finetuner)); /* idle again */

    /* The same request again (MNIST read once, kept): the same model. */
    DlFinetuneRequest again = request(f, TRUE);
    g_autoptr(DlFinetuneResult) twice = run(finetuner, &again, NULL, NULL);
    assert_non_null(twice);
    assert_memory_equal(nn_model_params(taught->model), nn_model_params(twice->model),
                        nn_model_param_count(f->model) * sizeof(float));
}

static void
test_teach_drawings_alone(void **state)
{
    Fixture *f = *state;
    g_autoptr(DlFinetuner) finetuner = dl_finetuner_new();

    /* No MNIST folder, or one without MNIST: the drawings alone, said so. */
    DlFinetuneRequest r = request(f, FALSE);
    g_autoptr(DlFinetuneResult) taught = run(finetuner, &r, NULL, NULL);
    assert_non_null(taught);
    assert_false(taught->with_mnist);
    assert_true(taught->mnist_before < 0 && taught->mnist_after < 0);
    assert_null(taught->mnist_evaluation);

    g_autofree char *empty = g_dir_make_tmp("test-finetuner-empty-XXXXXX", NULL);
    DlFinetuneRequest other = request(f, FALSE);
    other.data_dir = g_strdup(empty);
    g_autoptr(DlFinetuneResult) alone = run(finetuner, &other, NULL, NULL);
    g_rmdir(empty);
    assert_non_null(alone);
    assert_false(alone->with_mnist);
}

static void
test_teach_cancelled(void **state)
{
    Fixture *f = *state;
    g_autoptr(DlFinetuner) finetuner = dl_finetuner_new();
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    g_autoptr(GError) error = NULL;

    DlFinetuneRequest r = request(f, TRUE);
    g_cancellable_cancel(cancellable);
    DlFinetuneResult *taught = run(finetuner, &r, cancellable, &error);
    assert_null(taught);
    assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED));

    /* A busy finetuner refuses a second run and takes nothing. */
    DlFinetuneRequest first = request(f, FALSE), second = request(f, FALSE);
    GAsyncResult *a = NULL, *b = NULL;
    dl_finetuner_run_async(finetuner, &first, NULL, on_result, &a);
    dl_finetuner_run_async(finetuner, &second, NULL, on_result, &b);
    while (a == NULL || b == NULL)
        g_main_context_iteration(NULL, TRUE);
    g_clear_error(&error);
    assert_null(dl_finetuner_run_finish(finetuner, b, &error));
    assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_BUSY));
    DlFinetuneResult *ok = dl_finetuner_run_finish(finetuner, a, NULL);
    assert_non_null(ok);
    dl_finetune_result_free(ok);
    g_object_unref(a);
    g_object_unref(b);
}

/* A model whose recipe held out the last MNIST training images for its
 * calibration (`train --calibrate 100`): they stay out of the mix (the
 * same model as taught with a folder without them) and calibrate the
 * taught model again; its recipe says they are still held out. */
static void
test_teach_recalibrates(void **state)
{
    Fixture *f = *state;
    g_autoptr(DlFinetuner) finetuner = dl_finetuner_new();
    g_autoptr(GError) error = NULL;

    nn_model_set_recipe(f->model, "digitlab-cli train --epochs 1 --calibrate 100");
    DlFinetuneRequest r = request(f, TRUE);
    g_autoptr(DlFinetuneResult) taught = run(finetuner, &r, NULL, &error);
    if (taught == NULL)
        fail_msg("%s", error->message);
    float sure, reject;
    nn_model_thresholds(taught->model, &sure, &reject);
    printf("# recalibrated: temperature %.3f, sure from %.3f, not a digit below %.3f\n",
           nn_model_temperature(taught->model), sure, reject);
    assert_true(nn_model_temperature(taught->model) != 1.7f);
    assert_true(sure != 0.8f && reject <= sure && nn_model_is_calibrated(taught->model));
    const char *recipe = nn_model_recipe(taught->model);
    assert_true(g_str_has_suffix(recipe, "; then taught 40 drawings in Digit Lab, mixed with MNIST's training "
                                         "images, holding out the last 100 MNIST images"));
    assert_int_equal(dl_recipe_held_out(recipe), 100);
    assert_int_equal(taught->calibrated_on, 100);

    /* The first 156 of the 256 training images alone, and a model that held
     * nothing out: the same mix, the same weights. */
    g_autofree char *first = g_dir_make_tmp("test-finetuner-first-XXXXXX", NULL);
    NnDataset train = random_dataset(256, 21), test = random_dataset(100, 22);
    NnDataset head = nn_dataset_view(&train, 0, 156);
    write_idx(first, "train", &head);
    write_idx(first, "t10k", &test);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    nn_model_set_recipe(f->model, "digitlab-cli train --epochs 1");
    DlFinetuneRequest same = request(f, TRUE);
    g_free(same.data_dir);
    same.data_dir = g_strdup(first);
    g_autoptr(DlFinetuneResult) alone = run(finetuner, &same, NULL, NULL);
    assert_non_null(alone);
    assert_memory_equal(nn_model_params(taught->model), nn_model_params(alone->model),
                        nn_model_param_count(f->model) * sizeof(float));
    const char *names[] = { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                            "t10k-labels-idx1-ubyte" };
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *path = g_build_filename(first, names[i], NULL);
        g_remove(path);
    }
    g_rmdir(first);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_teach_with_mnist, setup, teardown),
        cmocka_unit_test_setup_teardown(test_teach_drawings_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_teach_cancelled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_teach_recalibrates, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
