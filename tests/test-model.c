/* Whole-network tests: gradients along a random direction, inference
 * consistency, save/load round trips and broken model files. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "model.h"
#include "rng.h"

enum { BATCH = 4 };

typedef struct {
    float images[BATCH * NN_IMAGE_PIXELS];
    uint8_t labels[BATCH];
} Batch;

/* Blurry random blobs: smooth enough that activations are not all at kinks. */
static void
make_batch(Batch *b, uint64_t seed)
{
    NnRng rng = nn_rng_seed(seed);
    for (int i = 0; i < BATCH; i++) {
        float cx = nn_rng_range(&rng, 8, 20), cy = nn_rng_range(&rng, 8, 20);
        float sx = nn_rng_range(&rng, 2, 6), sy = nn_rng_range(&rng, 2, 6);
        for (int y = 0; y < NN_IMAGE_SIDE; y++)
            for (int x = 0; x < NN_IMAGE_SIDE; x++) {
                float dx = (x - cx) / sx, dy = (y - cy) / sy;
                b->images[i * NN_IMAGE_PIXELS + y * NN_IMAGE_SIDE + x] =
                    expf(-(dx * dx + dy * dy)) + 0.1f * nn_rng_uniform(&rng);
            }
        b->labels[i] = (uint8_t)(i * 3 % NN_CLASSES);
    }
}

/* Training-mode loss with a fixed dropout mask (the same rng seed each time). */
static double
loss_at(NnModel *m, const Batch *b)
{
    NnRng rng = nn_rng_seed(99);
    return nn_model_forward(m, b->images, b->labels, BATCH, true, &rng, NULL);
}

/* loss_step: the loss change aimed at, well above float noise; without BN,
 * ReLUs sit nearer their kinks at initialisation, and a smaller step crosses
 * fewer of them. */
static void
check_network_gradient(const NnModelConfig *config, double loss_step)
{
    NnModel *m;
    assert_int_equal(nn_model_new(config, 7, &m, NULL), NN_OK);
    assert_int_equal(nn_model_reserve_training(m, BATCH, NULL), NN_OK);
    Batch b;
    make_batch(&b, 5);

    loss_at(m, &b);
    nn_model_backward(m, b.images, b.labels, BATCH);
    size_t n = nn_model_param_count(m);
    float *params = nn_model_params(m), *grads = nn_model_grads(m);
    float *saved = malloc(n * sizeof *saved), *dir = malloc(n * sizeof *dir);
    memcpy(saved, params, n * sizeof *saved);

    /* Along the gradient itself, d = g, the directional derivative must be
     * |g|^2: a wrong gradient in any coordinate that matters breaks this.
     * Checked for the whole parameter vector and for each tensor alone, with
     * small steps that stay clear of most kinks. */
    for (int t = -1; t < nn_model_tensor_count(m); t++) {
        const NnTensor *tensor = t >= 0 ? nn_model_tensor(m, t) : NULL;
        /* beyond the whole vector, one weight tensor of each kind is enough for
         * the larger networks' wiring (and keeps the test fast) */
        if (tensor != NULL && !tensor->trainable)
            continue;
        float *p = tensor != NULL ? tensor->data : params;
        const float *g = tensor != NULL ? tensor->grad : grads;
        size_t count = tensor != NULL ? tensor->size : n;
        const float *keep = saved + (p - params);
        double g2 = 0.0, gmax = 0.0;
        for (size_t i = 0; i < count; i++) {
            g2 += (double)g[i] * g[i];
            gmax = fmax(gmax, fabs(g[i]));
        }
        assert_true(g2 > 0.0);
        /* small steps (1e-5 at most per weight), yet a loss change well above float noise */
        const double eps = fmax(1e-5 / gmax, loss_step / g2);
        memcpy(dir, g, count * sizeof *dir); /* g itself changes with the next forward */
        for (size_t i = 0; i < count; i++)
            p[i] = keep[i] + (float)eps * dir[i];
        double up = loss_at(m, &b);
        for (size_t i = 0; i < count; i++)
            p[i] = keep[i] - (float)eps * dir[i];
        double down = loss_at(m, &b);
        memcpy(p, keep, count * sizeof *p);
        double numeric = (up - down) / (2 * eps);
        double rel = fabs(g2 - numeric) / g2;
        if (rel > 2e-2)
        {
            char description[160];
            fail_msg("%s of %s: |g|^2 = %.6g, numeric %.6g (rel. error %.3g)",
                     tensor != NULL ? tensor->name : "all parameters",
                     nn_model_config_describe(config, description, sizeof description), g2, numeric, rel);
        }
        /* the next tensor's check needs the gradient at the saved point */
        loss_at(m, &b);
        nn_model_backward(m, b.images, b.labels, BATCH);
    }
    free(saved);
    free(dir);
    nn_model_free(m);
}

/* The paper's network, then one of each shape class, in both BN modes. */
static void
test_network_gradients(void **state)
{
    (void)state;
    NnModelConfig base = nn_model_config_default();
    NnModelConfig configs[6];
    for (int i = 0; i < 6; i++)
        configs[i] = base;
    configs[1].padding = NN_PADDING_VALID;
    configs[2].blocks = 1; /* one block of one convolution */
    configs[2].convs_per_block = 1;
    configs[2].filters[1] = 0;
    configs[3].blocks = 3; /* three blocks: 28 -> 14 -> 7 -> 3, an odd map pooled */
    configs[3].filters[2] = 16;
    configs[4].dense = 0; /* straight from the maps to the output */
    configs[4].dropout_dense = 0;
    configs[5].padding = NN_PADDING_VALID; /* valid, three blocks of one: 28 -> 26 -> 13 -> 11 -> 5 -> 3 -> 1 */
    configs[5].blocks = 3;
    configs[5].convs_per_block = 1;
    configs[5].filters[2] = 8;
    for (int bn = 1; bn >= 0; bn--)
        for (int i = 0; i < 6; i++) {
            NnModelConfig c = configs[i];
            c.batch_norm = bn;
            check_network_gradient(&c, bn ? 1e-3 : 2e-5);
        }
}

static void
test_architecture(void **state)
{
    (void)state;
    NnModelConfig same = nn_model_config_default(), valid = nn_model_config_default();
    valid.padding = NN_PADDING_VALID;
    assert_int_equal(nn_model_flatten_size(&same), 3136);
    assert_int_equal(nn_model_flatten_size(&valid), 1024);
    NnModel *m;
    assert_int_equal(nn_model_new(&same, 1, &m, NULL), NN_OK);
    /* 288 + 9216 + 18432 + 36864 conv weights, BN 2*(32+32+64+64+128), 401408 + 1280 + 10 dense */
    assert_int_equal(nn_model_param_count(m), 288 + 9216 + 18432 + 36864 + 640 + 401408 + 1280 + 10);
    const NnTensor *t = nn_model_find_tensor(m, "dense1.weight");
    assert_non_null(t);
    assert_int_equal(t->dims[0], 128);
    assert_int_equal(t->dims[1], 3136);
    /* Glorot-uniform: |w| <= sqrt(6 / (fan_in + fan_out)), and actually spread out. */
    float limit = sqrtf(6.0f / (3136 + 128)), max = 0;
    for (size_t i = 0; i < t->size; i++)
        max = fmaxf(max, fabsf(t->data[i]));
    assert_true(max <= limit && max > 0.99f * limit);
    assert_true(nn_model_find_tensor(m, "bn1.gamma")->data[0] == 1.0f);
    assert_true(nn_model_find_tensor(m, "bn5.running_var")->data[127] == 1.0f);
    nn_model_free(m);
}

/* Configs that cannot be built are refused with a reason; the others have
 * the parameters their shape implies. */
static void
test_configs(void **state)
{
    (void)state;
    NnModelConfig c = nn_model_config_default();
    NnError err;
    NnModel *m = NULL;
    c.blocks = 0;
    assert_int_equal(nn_model_new(&c, 1, &m, &err), NN_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "1 to 3 blocks"));
    c = nn_model_config_default();
    c.padding = NN_PADDING_VALID;
    c.blocks = 3;
    c.filters[2] = 8;
    assert_int_equal(nn_model_new(&c, 1, &m, &err), NN_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "shrink a 28x28 image to nothing"));
    c = nn_model_config_default();
    c.dropout_conv = NAN;
    assert_int_equal(nn_model_new(&c, 1, &m, &err), NN_ERR_INVALID_ARG);
    assert_null(m);

    /* No BN: biases instead, named after their layer; no running statistics. */
    c = nn_model_config_default();
    c.batch_norm = false;
    assert_int_equal(nn_model_new(&c, 1, &m, NULL), NN_OK);
    assert_non_null(nn_model_find_tensor(m, "conv2.bias"));
    assert_non_null(nn_model_find_tensor(m, "dense1.bias"));
    assert_non_null(nn_model_find_tensor(m, "dense2.bias"));
    assert_null(nn_model_find_tensor(m, "bn1.gamma"));
    assert_int_equal(nn_model_buffer_count(m), 0);
    assert_int_equal(nn_model_param_count(m), 288 + 9216 + 18432 + 36864 + 192 + 401408 + 128 + 1280 + 10);
    nn_model_free(m);

    /* One block of 16, no dense layer: 14x14x16 maps straight to 10 outputs. */
    c = nn_model_config_default();
    c.blocks = 1;
    c.convs_per_block = 1;
    c.filters[0] = 16;
    c.filters[1] = 0;
    c.dense = 0;
    c.dropout_dense = 0;
    assert_int_equal(nn_model_flatten_size(&c), 14 * 14 * 16);
    assert_int_equal(nn_model_new(&c, 1, &m, NULL), NN_OK);
    assert_int_equal(nn_model_param_count(m), 144 + 32 + 3136 * 10 + 10);
    assert_int_equal(nn_model_find_tensor(m, "dense1.weight")->dims[1], 3136);
    char text[160];
    assert_string_equal(nn_model_config_describe(&c, text, sizeof text),
                        "1 block x 1 conv (16 filters), no dense layer, BN, dropout 0.25/0, same padding");
    nn_model_free(m);
}

/* Every layer's output for one image, in network order, each in its
 * documented shape; the last ones agree with nn_model_predict. */
static void
test_trace(void **state)
{
    (void)state;
    NnModelConfig c = nn_model_config_default();
    NnModel *m;
    assert_int_equal(nn_model_new(&c, 5, &m, NULL), NN_OK);
    Batch b;
    make_batch(&b, 9);
    int count = 0;
    assert_int_equal(nn_model_trace(m, b.images, &count, NULL), NN_OK);
    static const char *const names[] = { "input", "conv1", "conv2", "pool1", "conv3", "conv4", "pool2",
                                         "dense1", "logits", "probs" };
    static const int shapes[][3] = { { 1, 28, 28 }, { 32, 28, 28 }, { 32, 28, 28 }, { 32, 14, 14 },
                                     { 64, 14, 14 }, { 64, 14, 14 }, { 64, 7, 7 }, { 128, 1, 1 },
                                     { 10, 1, 1 }, { 10, 1, 1 } };
    assert_int_equal(count, 10);
    for (int i = 0; i < count; i++) {
        const NnActivation *a = nn_model_activation(m, i);
        assert_string_equal(a->name, names[i]);
        assert_int_equal(a->channels, shapes[i][0]);
        assert_int_equal(a->height, shapes[i][1]);
        assert_int_equal(a->width, shapes[i][2]);
    }
    assert_null(nn_model_activation(m, count));
    assert_memory_equal(nn_model_activation(m, 0)->data, b.images, sizeof(float) * NN_IMAGE_PIXELS);
    /* pool1 is the 2x2 maximum of conv2's maps (ReLU outputs, so >= 0) */
    const NnActivation *conv2 = nn_model_activation(m, 2), *pool1 = nn_model_activation(m, 3);
    for (int ch = 0; ch < 32; ch += 7)
        for (int y = 0; y < 14; y += 3)
            for (int x = 0; x < 14; x += 5) {
                const float *q = conv2->data + (size_t)ch * 784 + 2 * y * 28 + 2 * x;
                float want = fmaxf(fmaxf(q[0], q[1]), fmaxf(q[28], q[29]));
                assert_true(pool1->data[ch * 196 + y * 14 + x] == want);
                assert_true(q[0] >= 0.0f);
            }
    float probs[NN_CLASSES];
    assert_int_equal(nn_model_predict(m, b.images, 1, probs, NULL), NN_OK);
    assert_memory_equal(nn_model_activation(m, 9)->data, probs, sizeof probs);
    nn_model_free(m);

    /* A network without BN and three blocks of one convolution. */
    c.batch_norm = false;
    c.blocks = 3;
    c.convs_per_block = 1;
    c.filters[2] = 16;
    assert_int_equal(nn_model_new(&c, 5, &m, NULL), NN_OK);
    assert_int_equal(nn_model_trace(m, b.images, &count, NULL), NN_OK);
    assert_int_equal(count, 1 + 3 * 2 + 3);
    assert_string_equal(nn_model_activation(m, 6)->name, "pool3");
    assert_int_equal(nn_model_activation(m, 6)->height, 3);
    nn_model_free(m);
}

/* Predict in one batch, in several, and one image at a time: same answers. */
static void
test_predict_batching(void **state)
{
    (void)state;
    NnModelConfig config = nn_model_config_default();
    NnModel *m;
    assert_int_equal(nn_model_new(&config, 3, &m, NULL), NN_OK);
    enum { N = 5 };
    static float images[N * NN_IMAGE_PIXELS];
    float all[N * NN_CLASSES], one[NN_CLASSES];
    NnRng rng = nn_rng_seed(4);
    for (size_t i = 0; i < sizeof images / sizeof images[0]; i++)
        images[i] = nn_rng_uniform(&rng);
    assert_int_equal(nn_model_predict(m, images, N, all, NULL), NN_OK);
    for (int i = 0; i < N; i++) {
        assert_int_equal(nn_model_predict(m, images + i * NN_IMAGE_PIXELS, 1, one, NULL), NN_OK);
        double sum = 0;
        for (int k = 0; k < NN_CLASSES; k++) {
            assert_float_equal(one[k], all[i * NN_CLASSES + k], 1e-5);
            sum += one[k];
        }
        assert_float_equal(sum, 1.0, 1e-5);
    }
    nn_model_free(m);
}

/* Many training-mode passes over one batch (no weight updates, no dropout)
 * move the running statistics to that batch's own; then inference must give
 * the same outputs as a training-mode pass. */
static void
test_bn_running_statistics_converge(void **state)
{
    (void)state;
    NnModelConfig config = nn_model_config_default();
    NnModel *m;
    assert_int_equal(nn_model_new(&config, 3, &m, NULL), NN_OK);
    assert_int_equal(nn_model_reserve_training(m, BATCH, NULL), NN_OK);
    Batch b;
    make_batch(&b, 8);
    float train[BATCH * NN_CLASSES], eval[BATCH * NN_CLASSES];

    nn_model_forward(m, b.images, b.labels, BATCH, true, NULL, NULL);
    memcpy(train, nn_model_last_probs(m), sizeof train);
    nn_model_forward(m, b.images, b.labels, BATCH, false, NULL, NULL);
    double before = 0;
    for (int i = 0; i < BATCH * NN_CLASSES; i++)
        before = fmax(before, fabs(train[i] - nn_model_last_probs(m)[i]));
    assert_true(before > 1e-2); /* initial running statistics (0, 1) are not the batch's */

    for (int i = 0; i < 1500; i++) /* 0.99^1500 < 1e-6 */
        nn_model_forward(m, b.images, b.labels, BATCH, true, NULL, NULL);
    memcpy(train, nn_model_last_probs(m), sizeof train);
    nn_model_forward(m, b.images, b.labels, BATCH, false, NULL, NULL);
    memcpy(eval, nn_model_last_probs(m), sizeof eval);
    for (int i = 0; i < BATCH * NN_CLASSES; i++)
        assert_float_equal(eval[i], train[i], 1e-4);
    nn_model_free(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_architecture),
        cmocka_unit_test(test_network_gradients),
        cmocka_unit_test(test_configs),
        cmocka_unit_test(test_trace),
        cmocka_unit_test(test_predict_batching),
        cmocka_unit_test(test_bn_running_statistics_converge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
