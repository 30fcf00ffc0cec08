/* Layer tests: each layer's analytic gradients against central finite
 * differences, and the convolution against a naive direct convolution.
 *
 * For a layer y = f(x, w) the tests use the scalar L = sum(r * y) with a fixed
 * random r, so dL/dy = r and the backward pass must give dL/dx and dL/dw. */
#include <math.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gemm.h"
#include "layers.h"
#include "rng.h"

static void
fill_random(float *x, size_t n, float lo, float hi, uint64_t seed)
{
    NnRng rng = nn_rng_seed(seed);
    for (size_t i = 0; i < n; i++)
        x[i] = nn_rng_range(&rng, lo, hi);
}

static double
dot(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

/* Asserts |a - n| <= tol * max(1, |a|, |n|), naming the entry on failure. */
static void
assert_close(double analytic, double numeric, double tol, const char *what, size_t i)
{
    double scale = fmax(1.0, fmax(fabs(analytic), fabs(numeric)));
    if (fabs(analytic - numeric) > tol * scale)
        fail_msg("%s[%zu]: analytic %.6g, numeric %.6g", what, i, analytic, numeric);
}

/* Checks grad[0..n) = d loss / d var[i] by central differences of step eps,
 * with relative tolerance tol; entries for which is_kink(ctx, i) is true (near
 * a kink) are left out, and at least half must be checked. loss(ctx) is
 * evaluated with var as it is at the time. */
static void
check_gradient(const char *what, float *var, const float *grad, size_t n, double (*loss)(void *ctx),
               bool (*is_kink)(void *ctx, size_t i), void *ctx, float eps, double tol)
{
    size_t checked = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_kink != NULL && is_kink(ctx, i))
            continue;
        float keep = var[i];
        var[i] = keep + eps;
        double up = loss(ctx);
        var[i] = keep - eps;
        double down = loss(ctx);
        var[i] = keep;
        assert_close(grad[i], (up - down) / (2 * eps), tol, what, i);
        checked++;
    }
    if (2 * checked < n)
        fail_msg("%s: only %zu of %zu entries away from kinks", what, checked, n);
}

/* ---- convolution ---------------------------------------------------------- */

/* Direct convolution in the CNHW layout, in double precision. */
static void
naive_conv(const NnConvShape *s, const float *x, const float *w, int batch, double *y)
{
    for (int f = 0; f < s->out_channels; f++)
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < s->out_height; oy++)
                for (int ox = 0; ox < s->out_width; ox++) {
                    double sum = 0.0;
                    for (int c = 0; c < s->in_channels; c++)
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++) {
                                int iy = oy + ky - s->pad, ix = ox + kx - s->pad;
                                if (iy < 0 || iy >= s->height || ix < 0 || ix >= s->width)
                                    continue;
                                sum += (double)w[((f * s->in_channels + c) * 3 + ky) * 3 + kx] *
                                       x[(((size_t)c * batch + b) * s->height + iy) * s->width + ix];
                            }
                    y[(((size_t)f * batch + b) * s->out_height + oy) * s->out_width + ox] = sum;
                }
}

static void
check_conv_against_naive(int pad, int chunk, NnConvAlgorithm algorithm)
{
    const int batch = 3;
    NnConvShape s = nn_conv_shape(4, 5, 7, 6, pad); /* odd: Winograd's tiles hang over */
    s.algorithm = algorithm;
    size_t nx = (size_t)s.in_channels * batch * s.height * s.width;
    size_t nw = (size_t)s.out_channels * nn_conv_k(&s);
    size_t ny = (size_t)s.out_channels * batch * s.out_height * s.out_width;
    float *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w), *y = malloc(ny * sizeof *y);
    NnScratch scratch = { malloc(2 * nn_conv_scratch_floats(&s, chunk) * sizeof(float)),
                          nn_conv_scratch_floats(&s, chunk) };
    double *ref = malloc(ny * sizeof *ref);
    fill_random(x, nx, -1, 1, 1);
    fill_random(w, nw, -1, 1, 2);

    nn_conv_forward(&s, x, w, NULL, y, batch, chunk, scratch);
    naive_conv(&s, x, w, batch, ref);
    for (size_t i = 0; i < ny; i++)
        assert_close(y[i], ref[i], 1e-5, "conv output", i);
    free(x); free(w); free(y); free(scratch.base); free(ref);
}

static void
test_conv_same_matches_naive(void **state)
{
    (void)state;
    check_conv_against_naive(1, 3, NN_CONV_IM2COL);
    check_conv_against_naive(1, 3, NN_CONV_WINOGRAD);
}

static void
test_conv_valid_matches_naive(void **state)
{
    (void)state;
    check_conv_against_naive(0, 3, NN_CONV_IM2COL);
    check_conv_against_naive(0, 3, NN_CONV_WINOGRAD);
}

/* The small maps of deep networks: 3x3 and 2x2 inputs, 1x1 outputs. */
static void
test_conv_small_maps_match_naive(void **state)
{
    (void)state;
    const int sizes[][3] = { { 3, 3, 0 }, { 2, 2, 1 }, { 3, 3, 1 }, { 1, 1, 1 } };
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++)
        for (NnConvAlgorithm a = NN_CONV_IM2COL; a <= NN_CONV_WINOGRAD; a++) {
            const int batch = 3;
            NnConvShape s = nn_conv_shape(9, 5, sizes[t][0], sizes[t][1], sizes[t][2]);
            s.algorithm = a;
            size_t nx = (size_t)s.in_channels * batch * s.height * s.width;
            size_t nw = (size_t)s.out_channels * nn_conv_k(&s);
            size_t ny = (size_t)s.out_channels * batch * s.out_height * s.out_width;
            float *x = malloc(nx * 4), *w = malloc(nw * 4), *y = malloc(ny * 4);
            double *ref = malloc(ny * sizeof *ref);
            NnScratch scratch = { malloc(2 * nn_conv_scratch_floats(&s, 2) * sizeof(float)),
                                  nn_conv_scratch_floats(&s, 2) };
            fill_random(x, nx, -1, 1, 21);
            fill_random(w, nw, -1, 1, 22);
            nn_conv_forward(&s, x, w, NULL, y, batch, 2, scratch);
            naive_conv(&s, x, w, batch, ref);
            for (size_t i = 0; i < ny; i++)
                assert_close(y[i], ref[i], 1e-5, "small conv output", i);
            free(x); free(w); free(y); free(ref); free(scratch.base);
        }
}

static void
test_conv_chunked_matches_naive(void **state)
{
    (void)state;
    for (NnConvAlgorithm a = NN_CONV_IM2COL; a <= NN_CONV_WINOGRAD; a++) {
        check_conv_against_naive(1, 2, a);
        check_conv_against_naive(0, 1, a);
    }
}

static void
check_conv_gradients(int pad, NnConvAlgorithm algorithm)
{
    const int batch = 2, chunk = 1;
    NnConvShape s = nn_conv_shape(3, 4, 5, 6, pad);
    s.algorithm = algorithm;
    size_t nx = (size_t)s.in_channels * batch * s.height * s.width;
    size_t nw = (size_t)s.out_channels * nn_conv_k(&s);
    size_t ny = (size_t)s.out_channels * batch * s.out_height * s.out_width;
    /* room for two threads */
    NnScratch scratch = { malloc(2 * nn_conv_scratch_floats(&s, chunk) * sizeof(float)),
                          nn_conv_scratch_floats(&s, chunk) };
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *y = malloc(ny * 4), *r = malloc(ny * 4);
    float *dx = malloc(nx * 4), *dw = calloc(nw, 4);
    fill_random(x, nx, -1, 1, 3);
    fill_random(w, nw, -1, 1, 4);
    fill_random(r, ny, -1, 1, 5);

    nn_conv_backward(&s, x, w, NULL, r, dw, dx, batch, chunk, scratch);

    const float eps = 1e-2f; /* L is linear in x and in w: differences are exact up to rounding */
    for (size_t i = 0; i < nx; i++) {
        float keep = x[i];
        x[i] = keep + eps;
        nn_conv_forward(&s, x, w, NULL, y, batch, chunk, scratch);
        double up = dot(r, y, ny);
        x[i] = keep - eps;
        nn_conv_forward(&s, x, w, NULL, y, batch, chunk, scratch);
        double down = dot(r, y, ny);
        x[i] = keep;
        assert_close(dx[i], (up - down) / (2 * eps), 1e-3, "conv dx", i);
    }
    for (size_t i = 0; i < nw; i++) {
        float keep = w[i];
        w[i] = keep + eps;
        nn_conv_forward(&s, x, w, NULL, y, batch, chunk, scratch);
        double up = dot(r, y, ny);
        w[i] = keep - eps;
        nn_conv_forward(&s, x, w, NULL, y, batch, chunk, scratch);
        double down = dot(r, y, ny);
        w[i] = keep;
        assert_close(dw[i], (up - down) / (2 * eps), 1e-3, "conv dw", i);
    }
    free(x); free(w); free(y); free(r); free(dx); free(dw); free(scratch.base);
}

static void test_conv_gradients_same(void **state) { (void)state; check_conv_gradients(1, NN_CONV_IM2COL); }
static void test_conv_gradients_valid(void **state) { (void)state; check_conv_gradients(0, NN_CONV_IM2COL); }
static void test_winograd_gradients_same(void **state) { (void)state; check_conv_gradients(1, NN_CONV_WINOGRAD); }
static void test_winograd_gradients_valid(void **state) { (void)state; check_conv_gradients(0, NN_CONV_WINOGRAD); }

/* A cached Winograd layer must notice any change to its weights. */
static void
test_conv_cache_follows_weights(void **state)
{
    (void)state;
    const int batch = 2, chunk = 2;
    NnConvShape s = nn_conv_shape(8, 4, 6, 6, 1);
    assert_int_equal(s.algorithm, NN_CONV_WINOGRAD);
    size_t nx = (size_t)s.in_channels * batch * 36, nw = (size_t)s.out_channels * nn_conv_k(&s);
    size_t ny = (size_t)s.out_channels * batch * 36;
    NnScratch scratch = { malloc(2 * nn_conv_scratch_floats(&s, chunk) * sizeof(float)),
                          nn_conv_scratch_floats(&s, chunk) };
    NnConvCache cache = { malloc(nn_conv_cache_floats(&s) * sizeof(float)), false };
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *y = malloc(ny * 4), *ref = malloc(ny * 4);
    fill_random(x, nx, -1, 1, 11);
    fill_random(w, nw, -1, 1, 12);

    nn_conv_forward(&s, x, w, &cache, y, batch, chunk, scratch);
    nn_conv_forward(&s, x, w, NULL, ref, batch, chunk, scratch);
    assert_memory_equal(y, ref, ny * 4);
    w[nw / 2] += 0.25f;
    nn_conv_forward(&s, x, w, &cache, y, batch, chunk, scratch);
    assert_memory_not_equal(y, ref, ny * 4);
    nn_conv_forward(&s, x, w, NULL, ref, batch, chunk, scratch);
    assert_memory_equal(y, ref, ny * 4);
    free(x); free(w); free(y); free(ref); free(cache.floats); free(scratch.base);
}

/* ---- batch normalisation + ReLU -------------------------------------------- */

enum { BN_C = 3, BN_N = 10 };

static double
bn_loss(const NnBnShape *s, const float *z, const float *gamma, const float *beta, const float *r)
{
    float rm[BN_C] = { 0 }, rv[BN_C] = { 1, 1, 1 }, mean[BN_C], invstd[BN_C], a[BN_C * BN_N];
    nn_bn_relu_forward_train(s, z, gamma, beta, rm, rv, mean, invstd, (NnBnOutput){ .a = a });
    return dot(r, a, BN_C * BN_N);
}

static void
test_bn_relu_gradients(void **state)
{
    (void)state;
    NnBnShape s = { BN_C, BN_N, 0.99f, 1e-3f };
    float z[BN_C * BN_N], r[BN_C * BN_N], a[BN_C * BN_N], dz[BN_C * BN_N];
    float gamma[BN_C] = { 1.3f, 0.7f, -0.9f }, beta[BN_C] = { 0.1f, -0.2f, 0.3f };
    float rm[BN_C] = { 0 }, rv[BN_C] = { 1, 1, 1 }, mean[BN_C], invstd[BN_C];
    float dgamma[BN_C] = { 0 }, dbeta[BN_C] = { 0 };
    fill_random(z, BN_C * BN_N, -2, 2, 6);
    fill_random(r, BN_C * BN_N, -1, 1, 7);

    nn_bn_relu_forward_train(&s, z, gamma, beta, rm, rv, mean, invstd, (NnBnOutput){ .a = a });
    nn_bn_relu_backward(&s, z, r, gamma, beta, mean, invstd, dgamma, dbeta, dz);

    /* Points whose pre-activation is near the ReLU kink are skipped: a finite
     * difference across the kink is meaningless. */
    const float eps = 1e-3f;
    int checked = 0;
    for (int i = 0; i < BN_C * BN_N; i++) {
        int c = i / BN_N;
        float pre = gamma[c] * (z[i] - mean[c]) * invstd[c] + beta[c];
        if (fabsf(pre) < 0.05f)
            continue;
        float keep = z[i];
        z[i] = keep + eps;
        double up = bn_loss(&s, z, gamma, beta, r);
        z[i] = keep - eps;
        double down = bn_loss(&s, z, gamma, beta, r);
        z[i] = keep;
        assert_close(dz[i], (up - down) / (2 * eps), 2e-2, "bn dz", i);
        checked++;
    }
    assert_true(checked > BN_C * BN_N / 2);
    for (int c = 0; c < BN_C; c++) {
        float keep = gamma[c];
        gamma[c] = keep + eps;
        double up = bn_loss(&s, z, gamma, beta, r);
        gamma[c] = keep - eps;
        double down = bn_loss(&s, z, gamma, beta, r);
        gamma[c] = keep;
        assert_close(dgamma[c], (up - down) / (2 * eps), 2e-2, "bn dgamma", c);
        keep = beta[c];
        beta[c] = keep + eps;
        up = bn_loss(&s, z, gamma, beta, r);
        beta[c] = keep - eps;
        down = bn_loss(&s, z, gamma, beta, r);
        beta[c] = keep;
        assert_close(dbeta[c], (up - down) / (2 * eps), 2e-2, "bn dbeta", c);
    }
}

static void
test_bn_train_vs_eval(void **state)
{
    (void)state;
    NnBnShape s = { BN_C, BN_N, 0.99f, 1e-3f };
    float z[BN_C * BN_N], a_train[BN_C * BN_N], a_eval[BN_C * BN_N];
    float gamma[BN_C] = { 1.3f, 0.7f, 0.9f }, beta[BN_C] = { 0.1f, -0.2f, 0.3f };
    float rm[BN_C] = { 0, 0, 0 }, rv[BN_C] = { 1, 1, 1 }, mean[BN_C], invstd[BN_C];
    fill_random(z, BN_C * BN_N, 1, 5, 8);

    nn_bn_relu_forward_train(&s, z, gamma, beta, rm, rv, mean, invstd, (NnBnOutput){ .a = a_train });
    for (int c = 0; c < BN_C; c++) {
        /* The running statistics moved 1 % of the way from (0, 1) to the batch's. */
        double m = 0, v = 0;
        for (int i = 0; i < BN_N; i++)
            m += z[c * BN_N + i];
        m /= BN_N;
        for (int i = 0; i < BN_N; i++)
            v += (z[c * BN_N + i] - m) * (z[c * BN_N + i] - m);
        v /= BN_N; /* biased, as Keras */
        assert_close(mean[c], m, 1e-5, "batch mean", c);
        assert_close(rm[c], 0.01 * m, 1e-5, "running mean", c);
        assert_close(rv[c], 0.99 + 0.01 * v, 1e-5, "running var", c);
        assert_close(invstd[c], 1.0 / sqrt(v + 1e-3), 1e-5, "invstd", c);
    }

    /* In eval mode with the running statistics equal to the batch's, the
     * output equals the training-mode output; with the initial ones it does not. */
    nn_bn_relu_forward_eval(&s, z, gamma, beta, (float[]){ 0, 0, 0 }, (float[]){ 1, 1, 1 },
                            (NnBnOutput){ .a = a_eval });
    assert_true(fabsf(a_eval[0] - a_train[0]) > 0.1f);
    for (int c = 0; c < BN_C; c++) {
        rm[c] = mean[c];
        rv[c] = 1.0f / (invstd[c] * invstd[c]) - 1e-3f;
    }
    nn_bn_relu_forward_eval(&s, z, gamma, beta, rm, rv, (NnBnOutput){ .a = a_eval });
    for (int i = 0; i < BN_C * BN_N; i++)
        assert_close(a_eval[i], a_train[i], 1e-4, "eval vs train", i);
}

/* The batch statistics come from one pass: a channel far from zero must not
 * lose its variance to cancellation. */
static void
test_bn_statistics_far_from_zero(void **state)
{
    (void)state;
    enum { N = 5000 };
    static float z[N], a[N];
    NnBnShape s = { 1, N, 0.99f, 1e-3f };
    float gamma = 1, beta = 0, rm = 0, rv = 1, mean, invstd;
    fill_random(z, N, -1, 1, 9);
    for (int i = 0; i < N; i++)
        z[i] += 3000.0f;
    double m = 0, v = 0;
    for (int i = 0; i < N; i++)
        m += z[i];
    m /= N;
    for (int i = 0; i < N; i++)
        v += (z[i] - m) * (z[i] - m);
    v /= N;
    nn_bn_relu_forward_train(&s, z, &gamma, &beta, &rm, &rv, &mean, &invstd, (NnBnOutput){ .a = a });
    assert_close(mean, m, 1e-6, "mean", 0);
    assert_close(invstd, 1.0 / sqrt(v + 1e-3), 1e-4, "invstd", 0);
}

/* BN-ReLU with the pooling fused in gives, bit for bit, BN-ReLU then max-pooling. */
static void
test_bn_relu_pool_fused(void **state)
{
    (void)state;
    enum { C = 3, B = 2, H = 6, W = 4, N = B * H * W, P = N / 4 };
    float z[C * N], a[C * N], y[C * P], y_fused[C * P];
    uint8_t arg[C * P], arg_fused[C * P];
    float gamma[C] = { 1.3f, 0.7f, -0.9f }, beta[C] = { 0.1f, -0.2f, 0.3f };
    float rm[C] = { 0 }, rv[C] = { 1, 1, 1 }, mean[C], invstd[C];
    NnBnShape s = { C, N, 0.99f, 1e-3f };
    fill_random(z, C * N, -2, 2, 10);
    for (int train = 0; train < 2; train++) {
        NnBnOutput separate = { .a = a }, fused = { NULL, y_fused, arg_fused, H, W };
        if (train) {
            nn_bn_relu_forward_train(&s, z, gamma, beta, rm, rv, mean, invstd, separate);
            nn_bn_relu_forward_train(&s, z, gamma, beta, rm, rv, mean, invstd, fused);
        } else {
            nn_bn_relu_forward_eval(&s, z, gamma, beta, rm, rv, separate);
            nn_bn_relu_forward_eval(&s, z, gamma, beta, rm, rv, fused);
        }
        nn_maxpool_forward(a, C * B, H, W, y, arg);
        assert_memory_equal(y, y_fused, sizeof y);
        assert_memory_equal(arg, arg_fused, sizeof arg);
    }
}

/* ---- bias + ReLU (networks without BN) --------------------------------------- */

enum { BR_C = 3, BR_B = 2, BR_H = 5, BR_W = 3, BR_N = BR_B * BR_H * BR_W };

typedef struct {
    float z[BR_C * BR_N], bias[BR_C], r[BR_C * BR_N], pooled_r[BR_C * BR_B * (BR_H / 2) * (BR_W / 2)];
    bool pool;
} BiasReluCase;

static double
bias_relu_loss(void *ctx)
{
    BiasReluCase *k = ctx;
    NnBnShape s = { BR_C, BR_N, 0.99f, 1e-3f };
    float a[BR_C * BR_N], y[BR_C * BR_B * (BR_H / 2) * (BR_W / 2)];
    if (!k->pool) {
        nn_bias_relu_forward(&s, k->z, k->bias, (NnBnOutput){ .a = a });
        return dot(k->r, a, BR_C * BR_N);
    }
    nn_bias_relu_forward(&s, k->z, k->bias, (NnBnOutput){ NULL, y, NULL, BR_H, BR_W });
    return dot(k->pooled_r, y, sizeof y / sizeof y[0]);
}

static bool
bias_relu_kink(void *ctx, size_t i)
{
    BiasReluCase *k = ctx;
    return fabsf(k->z[i] + k->bias[i / BR_N]) < 0.05f;
}

/* Gradients of relu(z + bias), alone and with the pooling fused in (over an
 * odd-sized 5x3 map: its last row and column are left out of the pooling). */
static void
test_bias_relu_gradients(void **state)
{
    (void)state;
    for (int pool = 0; pool < 2; pool++) {
        BiasReluCase k = { .pool = pool };
        fill_random(k.z, BR_C * BR_N, -2, 2, 30);
        fill_random(k.bias, BR_C, -0.5f, 0.5f, 31);
        fill_random(k.r, BR_C * BR_N, -1, 1, 32);
        fill_random(k.pooled_r, sizeof k.pooled_r / sizeof k.pooled_r[0], -1, 1, 33);
        NnBnShape s = { BR_C, BR_N, 0.99f, 1e-3f };
        float dz[BR_C * BR_N], dbias[BR_C] = { 0 }, da[BR_C * BR_N];
        if (pool) { /* from the pooled gradient to the map's, as the model does */
            float y[sizeof k.pooled_r / sizeof k.pooled_r[0]];
            uint8_t arg[sizeof y / sizeof y[0]];
            nn_bias_relu_forward(&s, k.z, k.bias, (NnBnOutput){ NULL, y, arg, BR_H, BR_W });
            nn_maxpool_backward(k.pooled_r, arg, BR_C * BR_B, BR_H, BR_W, da);
        } else {
            memcpy(da, k.r, sizeof da);
        }
        nn_bias_relu_backward(&s, k.z, da, k.bias, dbias, dz);
        check_gradient(pool ? "pooled bias-relu dz" : "bias-relu dz", k.z, dz, BR_C * BR_N, bias_relu_loss,
                       bias_relu_kink, &k, 1e-3f, 1e-2);
        check_gradient(pool ? "pooled bias-relu dbias" : "bias-relu dbias", k.bias, dbias, BR_C, bias_relu_loss,
                       NULL, &k, 1e-3f, 1e-2);
    }
}

/* Pooling fused into bias-ReLU and BN-ReLU, on odd sizes, gives bit for bit
 * the activation then nn_maxpool_forward. */
static void
test_fused_pool_odd_sizes(void **state)
{
    (void)state;
    enum { C = 2, B = 3, H = 7, W = 5, N = B * H * W, P = B * (H / 2) * (W / 2) };
    float z[C * N], a[C * N], y[C * P], y_fused[C * P], bias[C] = { 0.2f, -0.3f };
    float gamma[C] = { 1.1f, 0.8f }, beta[C] = { 0.1f, -0.1f }, rm[C] = { 0 }, rv[C] = { 1, 1 };
    uint8_t arg[C * P], arg_fused[C * P];
    NnBnShape s = { C, N, 0.99f, 1e-3f };
    fill_random(z, C * N, -2, 2, 34);
    nn_bias_relu_forward(&s, z, bias, (NnBnOutput){ .a = a });
    nn_bias_relu_forward(&s, z, bias, (NnBnOutput){ NULL, y_fused, arg_fused, H, W });
    nn_maxpool_forward(a, C * B, H, W, y, arg);
    assert_memory_equal(y, y_fused, sizeof y);
    assert_memory_equal(arg, arg_fused, sizeof arg);
    nn_bn_relu_forward_eval(&s, z, gamma, beta, rm, rv, (NnBnOutput){ .a = a });
    nn_bn_relu_forward_eval(&s, z, gamma, beta, rm, rv, (NnBnOutput){ NULL, y_fused, arg_fused, H, W });
    nn_maxpool_forward(a, C * B, H, W, y, arg);
    assert_memory_equal(y, y_fused, sizeof y);
}

/* ---- max-pooling ----------------------------------------------------------- */

typedef struct {
    float x[2 * 5 * 7], r[2 * 2 * 3];
} PoolCase;

static double
pool_loss(void *ctx)
{
    PoolCase *k = ctx;
    float y[2 * 2 * 3];
    nn_maxpool_forward(k->x, 2, 5, 7, y, NULL);
    return dot(k->r, y, 12);
}

/* Odd sizes: the last row and column are left out (gradient 0 there). */
static void
test_maxpool_odd_sizes(void **state)
{
    (void)state;
    PoolCase k;
    fill_random(k.x, 70, -1, 1, 35);
    fill_random(k.r, 12, -1, 1, 36);
    float y[12], dx[70];
    uint8_t arg[12];
    nn_maxpool_forward(k.x, 2, 5, 7, y, arg);
    for (int p = 0; p < 2; p++)
        for (int oy = 0; oy < 2; oy++)
            for (int ox = 0; ox < 3; ox++) {
                const float *b = k.x + p * 35 + 2 * oy * 7 + 2 * ox;
                assert_true(y[p * 6 + oy * 3 + ox] == fmaxf(fmaxf(b[0], b[1]), fmaxf(b[7], b[8])));
            }
    memset(dx, 0xff, sizeof dx); /* nan: every entry must be written */
    nn_maxpool_backward(k.r, arg, 2, 5, 7, dx);
    for (int p = 0; p < 2; p++) {
        for (int x = 0; x < 7; x++)
            assert_true(dx[p * 35 + 4 * 7 + x] == 0.0f);
        for (int yy = 0; yy < 5; yy++)
            assert_true(dx[p * 35 + yy * 7 + 6] == 0.0f);
    }
    check_gradient("odd maxpool dx", k.x, dx, 70, pool_loss, NULL, &k, 1e-3f, 1e-2);
}

/* ---- max-pooling ----------------------------------------------------------- */

static void
test_maxpool_forward_and_gradients(void **state)
{
    (void)state;
    enum { P = 3, H = 4, W = 6, N = P * H * W, M = P * (H / 2) * (W / 2) };
    float x[N], y[M], r[M], dx[N];
    uint8_t arg[M];
    fill_random(x, N, -1, 1, 9);
    fill_random(r, M, -1, 1, 10);

    nn_maxpool_forward(x, P, H, W, y, arg);
    /* Known answer: each output is the largest of its 2x2 window. */
    for (int p = 0; p < P; p++)
        for (int oy = 0; oy < H / 2; oy++)
            for (int ox = 0; ox < W / 2; ox++) {
                const float *b = x + p * H * W + 2 * oy * W + 2 * ox;
                float m = fmaxf(fmaxf(b[0], b[1]), fmaxf(b[W], b[W + 1]));
                assert_true(y[p * (H / 2) * (W / 2) + oy * (W / 2) + ox] == m);
            }
    nn_maxpool_backward(r, arg, P, H, W, dx);

    const float eps = 1e-3f;
    for (int i = 0; i < N; i++) {
        float keep = x[i];
        x[i] = keep + eps;
        nn_maxpool_forward(x, P, H, W, y, NULL);
        double up = dot(r, y, M);
        x[i] = keep - eps;
        nn_maxpool_forward(x, P, H, W, y, NULL);
        double down = dot(r, y, M);
        x[i] = keep;
        assert_close(dx[i], (up - down) / (2 * eps), 1e-2, "maxpool dx", i);
    }
}

/* ---- dropout --------------------------------------------------------------- */

static void
test_dropout_fixed_mask(void **state)
{
    (void)state;
    enum { N = 4000 };
    static float x[N], orig[N], dx[N];
    static uint8_t mask[N];
    fill_random(orig, N, 0.5f, 1.5f, 11);
    memcpy(x, orig, sizeof x);
    nn_dropout_forward(x, N, 0.25f, mask, 12);

    int kept = 0;
    for (int i = 0; i < N; i++) {
        kept += mask[i];
        /* inverted dropout: kept values scaled by 1/(1-rate) */
        assert_close(x[i], mask[i] ? orig[i] / 0.75f : 0.0f, 1e-6, "dropout y", i);
        dx[i] = 1.0f;
    }
    assert_in_range(kept, (int)(0.72 * N), (int)(0.78 * N));
    /* One hash gives four neighbours' coins: each position of the four is
     * fair, and all four are kept as often as independent coins would be
     * (0.75^4 = 0.32 of the groups). */
    int all_kept = 0, kept_at[4] = { 0 };
    for (int q = 0; q < N / 4; q++) {
        all_kept += mask[4 * q] & mask[4 * q + 1] & mask[4 * q + 2] & mask[4 * q + 3];
        for (int k = 0; k < 4; k++)
            kept_at[k] += mask[4 * q + k];
    }
    assert_in_range(all_kept, (int)(0.27 * N / 4), (int)(0.36 * N / 4));
    for (int k = 0; k < 4; k++)
        assert_in_range(kept_at[k], (int)(0.69 * N / 4), (int)(0.81 * N / 4));
    /* With the mask fixed, y is linear in x: dy/dx is the mask's scale. */
    nn_dropout_backward(dx, N, 0.25f, mask);
    for (int i = 0; i < N; i++)
        assert_close(dx[i], mask[i] / 0.75f, 1e-6, "dropout dx", i);

    /* The same seed gives the same mask. */
    uint8_t again[N];
    memcpy(x, orig, sizeof x);
    nn_dropout_forward(x, N, 0.25f, again, 12);
    assert_memory_equal(mask, again, N);
}

/* ---- flatten, dense, softmax ------------------------------------------------ */

static void
test_flatten_round_trip(void **state)
{
    (void)state;
    enum { C = 3, B = 2, S = 5, N = C * B * S };
    float x[N], f[N], back[N];
    for (int i = 0; i < N; i++)
        x[i] = (float)i;
    nn_flatten_forward(x, C, B, S, f);
    /* image b's features c*S+s, feature-major */
    assert_true(f[(1 * S + 2) * B + 1] == x[(1 * B + 1) * S + 2]);
    nn_flatten_backward(f, C, B, S, back);
    assert_memory_equal(x, back, sizeof x);
}

static void
test_dense_gradients(void **state)
{
    (void)state;
    enum { IN = 7, OUT = 5, B = 3 };
    float x[IN * B], w[OUT * IN], bias[OUT], y[OUT * B], r[OUT * B];
    float dx[IN * B], dw[OUT * IN] = { 0 }, db[OUT] = { 0 };
    fill_random(x, IN * B, -1, 1, 13);
    fill_random(w, OUT * IN, -1, 1, 14);
    fill_random(bias, OUT, -1, 1, 15);
    fill_random(r, OUT * B, -1, 1, 16);
    nn_dense_backward(x, w, r, dw, db, dx, IN, OUT, B);

    const float eps = 1e-2f;
    float *vars[3] = { x, w, bias }, *grads[3] = { dx, dw, db };
    size_t sizes[3] = { IN * B, OUT * IN, OUT };
    const char *names[3] = { "dense dx", "dense dw", "dense dbias" };
    for (int v = 0; v < 3; v++)
        for (size_t i = 0; i < sizes[v]; i++) {
            float keep = vars[v][i];
            vars[v][i] = keep + eps;
            nn_dense_forward(x, w, bias, y, IN, OUT, B);
            double up = dot(r, y, OUT * B);
            vars[v][i] = keep - eps;
            nn_dense_forward(x, w, bias, y, IN, OUT, B);
            double down = dot(r, y, OUT * B);
            vars[v][i] = keep;
            assert_close(grads[v][i], (up - down) / (2 * eps), 1e-3, names[v], i);
        }
}

static void
test_softmax_xent(void **state)
{
    (void)state;
    enum { K = 4, B = 3 };
    float logits[K * B], probs[K * B], dl[K * B];
    const uint8_t labels[B] = { 2, 0, 3 };
    fill_random(logits, K * B, -3, 3, 17);
    int correct = 0;
    float loss = nn_softmax_xent_forward(logits, labels, K, B, probs, &correct);

    /* Known answer: the mean of -log softmax at the label. */
    double expected = 0.0;
    for (int b = 0; b < B; b++) {
        double sum = 0.0, psum = 0.0;
        for (int k = 0; k < K; k++) {
            sum += exp(logits[k * B + b]);
            psum += probs[k * B + b];
        }
        assert_close(psum, 1.0, 1e-6, "probabilities sum", b);
        expected -= logits[labels[b] * B + b] - log(sum);
    }
    assert_close(loss, expected / B, 1e-5, "loss", 0);

    /* At a temperature: the softmax of the scaled logits. */
    float scaled[K * B], probs_t[K * B];
    for (int i = 0; i < K * B; i++)
        scaled[i] = logits[i] * 0.5f;
    nn_softmax_xent_forward(scaled, labels, K, B, probs, NULL);
    float loss_t = nn_softmax_xent_forward_scaled(logits, labels, K, B, 0.5f, probs_t, NULL);
    for (int i = 0; i < K * B; i++)
        assert_close(probs_t[i], probs[i], 1e-6, "tempered probabilities", i);
    assert_close(loss_t, nn_softmax_xent_forward(scaled, labels, K, B, probs, NULL), 1e-6, "tempered loss", 0);
    nn_softmax_xent_forward(logits, labels, K, B, probs, NULL);

    nn_softmax_xent_backward(probs, labels, K, B, dl);
    const float eps = 1e-3f;
    for (int i = 0; i < K * B; i++) {
        float keep = logits[i];
        logits[i] = keep + eps;
        double up = nn_softmax_xent_forward(logits, labels, K, B, probs, NULL);
        logits[i] = keep - eps;
        double down = nn_softmax_xent_forward(logits, labels, K, B, probs, NULL);
        logits[i] = keep;
        assert_close(dl[i], (up - down) / (2 * eps), 1e-2, "softmax dlogits", i);
    }
}

/* "Not a digit" (NN_LABEL_NONE): the loss is the cross-entropy to the
 * uniform distribution, its gradient p - 1/K, and it is never correct. */
static void
test_softmax_uniform_target(void **state)
{
    (void)state;
    enum { K = 4, B = 2 };
    float logits[K * B], probs[K * B], dl[K * B];
    const uint8_t labels[B] = { NN_LABEL_NONE, 1 };
    fill_random(logits, K * B, -3, 3, 18);
    int correct = 0;
    float loss = nn_softmax_xent_forward(logits, labels, K, B, probs, &correct);
    double expected = 0.0;
    for (int b = 0; b < B; b++) {
        double sum = 0.0;
        for (int k = 0; k < K; k++)
            sum += exp(logits[k * B + b]);
        if (b == 0)
            for (int k = 0; k < K; k++)
                expected -= (logits[k * B] - log(sum)) / K;
        else
            expected -= logits[1 * B + 1] - log(sum);
    }
    assert_close(loss, expected / B, 1e-5, "uniform-target loss", 0);
    assert_true(correct <= 1); /* only the labelled image may count */
    nn_softmax_xent_backward(probs, labels, K, B, dl);
    const float eps = 1e-3f;
    for (int i = 0; i < K * B; i++) {
        float keep = logits[i];
        logits[i] = keep + eps;
        double up = nn_softmax_xent_forward(logits, labels, K, B, probs, NULL);
        logits[i] = keep - eps;
        double down = nn_softmax_xent_forward(logits, labels, K, B, probs, NULL);
        logits[i] = keep;
        assert_close(dl[i], (up - down) / (2 * eps), 1e-2, "uniform-target dlogits", i);
    }
}

int
main(void)
{
    /* Two threads whatever the machine: the scratch below has room for two. */
    nn_set_threads(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_same_matches_naive),
        cmocka_unit_test(test_conv_valid_matches_naive),
        cmocka_unit_test(test_conv_chunked_matches_naive),
        cmocka_unit_test(test_conv_small_maps_match_naive),
        cmocka_unit_test(test_bias_relu_gradients),
        cmocka_unit_test(test_fused_pool_odd_sizes),
        cmocka_unit_test(test_maxpool_odd_sizes),
        cmocka_unit_test(test_conv_gradients_same),
        cmocka_unit_test(test_conv_gradients_valid),
        cmocka_unit_test(test_winograd_gradients_same),
        cmocka_unit_test(test_winograd_gradients_valid),
        cmocka_unit_test(test_conv_cache_follows_weights),
        cmocka_unit_test(test_bn_relu_gradients),
        cmocka_unit_test(test_bn_statistics_far_from_zero),
        cmocka_unit_test(test_bn_relu_pool_fused),
        cmocka_unit_test(test_bn_train_vs_eval),
        cmocka_unit_test(test_maxpool_forward_and_gradients),
        cmocka_unit_test(test_dropout_fixed_mask),
        cmocka_unit_test(test_flatten_round_trip),
        cmocka_unit_test(test_dense_gradients),
        cmocka_unit_test(test_softmax_xent),
        cmocka_unit_test(test_softmax_uniform_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
