#include "layers.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "gemm.h"
#include "winograd.h"

/* ---- threads ------------------------------------------------------------------ */

/* Loops smaller than this many numbers run on one thread: starting a team
 * costs more than it saves (and batch-1 inference for the canvas stays on
 * the caller's thread). */
#define PARALLEL_MIN 32768

void
nn_set_threads(int threads)
{
    omp_set_num_threads(threads > 0 ? threads : omp_get_num_procs());
    openblas_set_num_threads(1);
}

int
nn_get_threads(void)
{
    return omp_get_max_threads();
}

/* Part t of n items split into `parts` contiguous ranges: [*lo, *hi). */
static void
split_range(int n, int parts, int t, int *lo, int *hi)
{
    *lo = (int)((long long)n * t / parts);
    *hi = (int)((long long)n * (t + 1) / parts);
}

/* ---- convolution ------------------------------------------------------------ */

NnConvShape
nn_conv_shape(int in_channels, int out_channels, int height, int width, int pad)
{
    NnConvShape s = {
        .in_channels = in_channels,
        .out_channels = out_channels,
        .height = height,
        .width = width,
        .pad = pad,
        .out_height = height + 2 * pad - 2,
        .out_width = width + 2 * pad - 2,
        .algorithm = in_channels >= NN_WINOGRAD_MIN_CHANNELS ? NN_CONV_WINOGRAD : NN_CONV_IM2COL,
    };
    return s;
}

/* The output columns ox for which the input column ox + kx - pad is inside
 * the image: [*lo, *hi). */
static void
valid_range(int kx, int pad, int in_size, int out_size, int *lo, int *hi)
{
    *lo = pad - kx > 0 ? pad - kx : 0;
    *hi = in_size + pad - kx < out_size ? in_size + pad - kx : out_size;
}

void
nn_im2col3x3(const NnConvShape *s, const float *x, int batch, int b0, int nb, float *col)
{
    const int H = s->height, W = s->width, Ho = s->out_height, Wo = s->out_width;
    const size_t ncols = (size_t)nb * Ho * Wo;

    for (int c = 0; c < s->in_channels; c++) {
        for (int ky = 0; ky < 3; ky++) {
            for (int kx = 0; kx < 3; kx++) {
                float *row = col + (size_t)((c * 3 + ky) * 3 + kx) * ncols;
                int lo, hi;
                valid_range(kx, s->pad, W, Wo, &lo, &hi);
                for (int j = 0; j < nb; j++) {
                    const float *img = x + ((size_t)c * batch + b0 + j) * H * W;
                    for (int oy = 0; oy < Ho; oy++) {
                        float *out = row + ((size_t)j * Ho + oy) * Wo;
                        int iy = oy + ky - s->pad;
                        if (iy < 0 || iy >= H) {
                            memset(out, 0, sizeof(float) * Wo);
                            continue;
                        }
                        const float *in = img + (size_t)iy * W + (kx - s->pad);
                        for (int ox = 0; ox < lo; ox++)
                            out[ox] = 0.0f;
                        memcpy(out + lo, in + lo, sizeof(float) * (hi - lo));
                        for (int ox = hi; ox < Wo; ox++)
                            out[ox] = 0.0f;
                    }
                }
            }
        }
    }
}

void
nn_col2im3x3(const NnConvShape *s, const float *col, int batch, int b0, int nb, float *dx)
{
    const int H = s->height, W = s->width, Ho = s->out_height, Wo = s->out_width;
    const size_t ncols = (size_t)nb * Ho * Wo;

    for (int c = 0; c < s->in_channels; c++) {
        for (int ky = 0; ky < 3; ky++) {
            for (int kx = 0; kx < 3; kx++) {
                const float *row = col + (size_t)((c * 3 + ky) * 3 + kx) * ncols;
                int lo, hi;
                valid_range(kx, s->pad, W, Wo, &lo, &hi);
                for (int j = 0; j < nb; j++) {
                    float *img = dx + ((size_t)c * batch + b0 + j) * H * W;
                    for (int oy = 0; oy < Ho; oy++) {
                        int iy = oy + ky - s->pad;
                        if (iy < 0 || iy >= H)
                            continue;
                        const float *in = row + ((size_t)j * Ho + oy) * Wo;
                        float *out = img + (size_t)iy * W + (kx - s->pad);
                        for (int ox = lo; ox < hi; ox++)
                            out[ox] += in[ox];
                    }
                }
            }
        }
    }
}

size_t
nn_conv_scratch_floats(const NnConvShape *s, int chunk)
{
    if (s->algorithm == NN_CONV_WINOGRAD)
        return nn_winograd_scratch_floats(s, chunk);
    size_t col = (size_t)nn_conv_k(s) * nn_conv_cols(s, chunk);
    return 2 * col + (size_t)s->out_channels * nn_conv_k(s); /* col, dcol, dw */
}

size_t
nn_conv_cache_floats(const NnConvShape *s)
{
    return s->algorithm == NN_CONV_WINOGRAD ? nn_winograd_cache_floats(s) : 0;
}

void
nn_conv_forward(const NnConvShape *s, const float *x, const float *w, NnConvCache *cache,
                float *y, int batch, int chunk, NnScratch scratch)
{
    const int hw = s->out_height * s->out_width, k = nn_conv_k(s);
    const int chunks = (batch + chunk - 1) / chunk;
    if (s->algorithm == NN_CONV_WINOGRAD) {
        nn_winograd_forward(s, x, w, cache, y, batch, chunk, scratch);
        return;
    }

#pragma omp parallel for schedule(static) if (chunks > 1)
    for (int c = 0; c < chunks; c++) {
        float *col = scratch.base + (size_t)omp_get_thread_num() * scratch.stride;
        int b0 = c * chunk, nb = batch - b0 < chunk ? batch - b0 : chunk;
        int n = nn_conv_cols(s, nb);
        nn_im2col3x3(s, x, batch, b0, nb, col);
        nn_gemm(false, false, s->out_channels, n, k, 1.0f, w, k, col, n,
                0.0f, y + (size_t)b0 * hw, batch * hw);
    }
}

void
nn_conv_backward(const NnConvShape *s, const float *x, const float *w, NnConvCache *cache,
                 const float *dy, float *dw, float *dx, int batch, int chunk, NnScratch scratch)
{
    const int hw = s->out_height * s->out_width, k = nn_conv_k(s);
    const int chunks = (batch + chunk - 1) / chunk;
    const size_t col_size = (size_t)k * nn_conv_cols(s, chunk), dw_size = (size_t)s->out_channels * k;
    const size_t in_plane = (size_t)s->height * s->width;
    int threads = chunks > 1 ? nn_get_threads() : 1;
    if (s->algorithm == NN_CONV_WINOGRAD) {
        nn_winograd_backward(s, x, w, cache, dy, dw, dx, batch, chunk, scratch);
        return;
    }

#pragma omp parallel num_threads(threads)
    {
        float *col = scratch.base + (size_t)omp_get_thread_num() * scratch.stride;
        float *dcol = col + col_size, *dw_part = dcol + col_size;
        memset(dw_part, 0, dw_size * sizeof(float));
#pragma omp for schedule(static)
        for (int c = 0; c < chunks; c++) {
            int b0 = c * chunk, nb = batch - b0 < chunk ? batch - b0 : chunk;
            int n = nn_conv_cols(s, nb);
            const float *dy_chunk = dy + (size_t)b0 * hw;
            nn_im2col3x3(s, x, batch, b0, nb, col);
            nn_gemm(false, true, s->out_channels, k, n, 1.0f, dy_chunk, batch * hw, col, n,
                    1.0f, dw_part, k);
            if (dx != NULL) {
                nn_gemm(true, false, k, n, s->out_channels, 1.0f, w, k, dy_chunk, batch * hw,
                        0.0f, dcol, n);
                for (int ch = 0; ch < s->in_channels; ch++)
                    memset(dx + ((size_t)ch * batch + b0) * in_plane, 0, sizeof(float) * nb * in_plane);
                nn_col2im3x3(s, dcol, batch, b0, nb, dx);
            }
        }
    }
    /* The threads' partial sums, added in thread order. */
    for (int t = 0; t < threads; t++) {
        const float *part = scratch.base + (size_t)t * scratch.stride + 2 * col_size;
        for (size_t i = 0; i < dw_size; i++)
            dw[i] += part[i];
    }
}

/* ---- batch normalisation + ReLU (+ max-pooling) ------------------------------ */

/* Sums run in float over blocks (vectorised: `omp simd` lets the compiler
 * split the sum into lanes) and across blocks in double, so a channel of
 * 100,000 numbers keeps its precision. The order is fixed: deterministic. */
#define SUM_BLOCK 1024

/* Mean and (biased) variance of one channel in one pass over it: the sums of
 * x - k and (x - k)^2 around k, the mean of its first block, so that no
 * large numbers cancel whatever the channel's mean. */
static void
channel_stats(const float *x, size_t n, float *mean, float *var)
{
    size_t first = n < SUM_BLOCK ? n : SUM_BLOCK;
    float k = 0.0f;
    for (size_t i = 0; i < first; i++)
        k += x[i];
    k /= (float)first;

    double sum = 0.0, sum_sq = 0.0;
    for (size_t i0 = 0; i0 < n; i0 += SUM_BLOCK) {
        size_t end = i0 + SUM_BLOCK < n ? i0 + SUM_BLOCK : n;
        float s1 = 0.0f, s2 = 0.0f;
#pragma omp simd reduction(+ : s1, s2)
        for (size_t i = i0; i < end; i++) {
            float d = x[i] - k;
            s1 += d;
            s2 += d * d;
        }
        sum += s1;
        sum_sq += s2;
    }
    double m = sum / (double)n, v = sum_sq / (double)n - m * m;
    *mean = (float)(k + m);
    *var = (float)(v > 0.0 ? v : 0.0);
}

/* One row of 2x2 max-pooling: out[i] is the largest of rows r0, r1 at
 * columns 2i, 2i+1 (the first of equal ones), which[i] which of the four it
 * was (if which is non-NULL). Branch-free, so it vectorises. */
static void
pool_row(const float *restrict r0, const float *restrict r1, int n, float *restrict out,
         uint8_t *restrict which)
{
    for (int i = 0; i < n; i++) {
        float a = r0[2 * i], b = r0[2 * i + 1], c = r1[2 * i], d = r1[2 * i + 1];
        float top = b > a ? b : a, bottom = d > c ? d : c;
        out[i] = bottom > top ? bottom : top;
        /* 2 * down + right, in bit operations (which vectorise; selects of
         * bytes do not) */
        unsigned down = bottom > top, right_top = b > a, right_bottom = d > c;
        if (which != NULL)
            which[i] = (uint8_t)(down << 1 | (down & right_bottom) | (~down & right_top & 1u));
    }
}

static void
relu_affine_row(const float *restrict z, size_t n, float scale, float shift, float *restrict a)
{
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        float v = z[i] * scale + shift;
        a[i] = v > 0.0f ? v : 0.0f;
    }
}

/* a = relu(z * scale + shift) for channel c, written as `out` asks. Pooled,
 * rows are activated a stretch of POOL_STRETCH columns at a time into the
 * stack, then pooled; an odd last row or column is left out, as 2x2 pooling
 * with stride 2 does (Keras' "valid" pooling). */
#define POOL_STRETCH 64
static void
apply_channel(const NnBnShape *s, int c, const float *z, float scale, float shift, NnBnOutput out)
{
    const float *zc = z + (size_t)c * s->count;
    if (out.pooled == NULL) {
        relu_affine_row(zc, s->count, scale, shift, out.a + (size_t)c * s->count);
        return;
    }
    const int W = out.width, ho = out.height / 2, wo = out.width / 2;
    const size_t planes = s->count / ((size_t)out.height * W), first = (size_t)c * planes;
    float t0[POOL_STRETCH], t1[POOL_STRETCH];
    for (size_t p = 0; p < planes; p++) {
        const float *in = zc + p * out.height * W;
        float *o = out.pooled + (first + p) * ho * wo;
        uint8_t *arg = out.argmax != NULL ? out.argmax + (first + p) * ho * wo : NULL;
        for (int oy = 0; oy < ho; oy++) {
            const float *r0 = in + (size_t)(2 * oy) * W, *r1 = r0 + W;
            for (int x0 = 0; x0 < 2 * wo; x0 += POOL_STRETCH) { /* the stretch is even */
                int n = 2 * wo - x0 < POOL_STRETCH ? 2 * wo - x0 : POOL_STRETCH;
                relu_affine_row(r0 + x0, n, scale, shift, t0);
                relu_affine_row(r1 + x0, n, scale, shift, t1);
                pool_row(t0, t1, n / 2, o + oy * wo + x0 / 2, arg != NULL ? arg + oy * wo + x0 / 2 : NULL);
            }
        }
    }
}

void
nn_bn_relu_forward_train(const NnBnShape *s, const float *z, const float *gamma,
                         const float *beta, float *running_mean, float *running_var,
                         float *save_mean, float *save_invstd, NnBnOutput out)
{
#pragma omp parallel for schedule(static) if (s->count * s->channels > PARALLEL_MIN)
    for (int c = 0; c < s->channels; c++) {
        float mean, var;
        channel_stats(z + (size_t)c * s->count, s->count, &mean, &var);
        float invstd = 1.0f / sqrtf(var + s->epsilon);
        float scale = gamma[c] * invstd, shift = beta[c] - mean * scale;
        apply_channel(s, c, z, scale, shift, out);
        save_mean[c] = mean;
        save_invstd[c] = invstd;
        running_mean[c] = s->momentum * running_mean[c] + (1.0f - s->momentum) * mean;
        running_var[c] = s->momentum * running_var[c] + (1.0f - s->momentum) * var;
    }
}

void
nn_bn_relu_forward_eval(const NnBnShape *s, const float *z, const float *gamma,
                        const float *beta, const float *running_mean,
                        const float *running_var, NnBnOutput out)
{
#pragma omp parallel for schedule(static) if (s->count * s->channels > PARALLEL_MIN)
    for (int c = 0; c < s->channels; c++) {
        float scale = gamma[c] / sqrtf(running_var[c] + s->epsilon);
        float shift = beta[c] - running_mean[c] * scale;
        apply_channel(s, c, z, scale, shift, out);
    }
}

void
nn_bn_relu_backward(const NnBnShape *s, const float *z, const float *da, const float *gamma,
                    const float *beta, const float *save_mean, const float *save_invstd,
                    float *dgamma, float *dbeta, float *dz)
{
#pragma omp parallel for schedule(static) if (s->count * s->channels > PARALLEL_MIN)
    for (int c = 0; c < s->channels; c++) {
        const size_t off = (size_t)c * s->count;
        const float *zc = z + off, *dac = da + off;
        float *dzc = dz + off;
        const float mean = save_mean[c], invstd = save_invstd[c];
        /* The forward pass's own numbers, so ReLU's mask is exactly its own. */
        const float scale = gamma[c] * invstd, shift = beta[c] - mean * scale;

        /* dy is the gradient after the ReLU mask; zhat the normalised input. */
        double sum_dy = 0.0, sum_dy_zhat = 0.0;
        for (size_t i0 = 0; i0 < s->count; i0 += SUM_BLOCK) {
            size_t end = i0 + SUM_BLOCK < s->count ? i0 + SUM_BLOCK : s->count;
            float sd = 0.0f, sdz = 0.0f;
#pragma omp simd reduction(+ : sd, sdz)
            for (size_t i = i0; i < end; i++) {
                float g = dac[i], dy = zc[i] * scale + shift > 0.0f ? g : 0.0f;
                sd += dy;
                sdz += dy * (zc[i] - mean);
            }
            sum_dy += sd;
            sum_dy_zhat += sdz;
        }
        sum_dy_zhat *= invstd;
        dgamma[c] += (float)sum_dy_zhat;
        dbeta[c] += (float)sum_dy;

        /* dz = gamma invstd / n (n dy - sum dy - zhat sum(dy zhat)) */
        const float n = (float)s->count;
        const float k = gamma[c] * invstd / n;
        const float mdy = (float)sum_dy, mdyz = (float)sum_dy_zhat;
#pragma omp simd
        for (size_t i = 0; i < s->count; i++) {
            float g = dac[i], dy = zc[i] * scale + shift > 0.0f ? g : 0.0f; /* loads outside the select: vectorisable */
            float zhat = (zc[i] - mean) * invstd;
            dzc[i] = k * (n * dy - mdy - zhat * mdyz);
        }
    }
}

/* ---- bias + ReLU (+ max-pooling), for networks without BN ------------------- */

void
nn_bias_relu_forward(const NnBnShape *s, const float *z, const float *bias, NnBnOutput out)
{
#pragma omp parallel for schedule(static) if (s->count * s->channels > PARALLEL_MIN)
    for (int c = 0; c < s->channels; c++)
        apply_channel(s, c, z, 1.0f, bias[c], out);
}

void
nn_bias_relu_backward(const NnBnShape *s, const float *z, const float *da, const float *bias,
                      float *dbias, float *dz)
{
#pragma omp parallel for schedule(static) if (s->count * s->channels > PARALLEL_MIN)
    for (int c = 0; c < s->channels; c++) {
        const size_t off = (size_t)c * s->count;
        const float *zc = z + off, *dac = da + off;
        float *dzc = dz + off;
        const float b = bias[c];
        double sum = 0.0;
        for (size_t i0 = 0; i0 < s->count; i0 += SUM_BLOCK) {
            size_t end = i0 + SUM_BLOCK < s->count ? i0 + SUM_BLOCK : s->count;
            float part = 0.0f;
#pragma omp simd reduction(+ : part)
            for (size_t i = i0; i < end; i++) {
                float g = dac[i], d = zc[i] + b > 0.0f ? g : 0.0f;
                dzc[i] = d;
                part += d;
            }
            sum += part;
        }
        dbias[c] += (float)sum;
    }
}

/* ---- max-pooling ------------------------------------------------------------- */

void
nn_maxpool_forward(const float *x, int planes, int height, int width, float *y, uint8_t *argmax)
{
    const int ho = height / 2, wo = width / 2;

#pragma omp parallel for schedule(static) if ((size_t)planes * height * width > PARALLEL_MIN)
    for (int p = 0; p < planes; p++) {
        const float *in = x + (size_t)p * height * width;
        float *out = y + (size_t)p * ho * wo;
        uint8_t *arg = argmax != NULL ? argmax + (size_t)p * ho * wo : NULL;
        for (int oy = 0; oy < ho; oy++)
            pool_row(in + (size_t)(2 * oy) * width, in + (size_t)(2 * oy + 1) * width, wo,
                     out + oy * wo, arg != NULL ? arg + oy * wo : NULL);
    }
}

/* v if keep (0 or 1), else +0: v's bits ANDed with all ones or all zeros.
 * The same as keep ? v : 0.0f, but GCC vectorises it in loops where a select
 * on a byte (a dropout mask, a pooling argmax) is not. */
static inline float
keep_if(float v, unsigned keep)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    bits &= -(uint32_t)keep;
    memcpy(&v, &bits, sizeof bits);
    return v;
}

void
nn_maxpool_backward(const float *dy, const uint8_t *argmax, int planes, int height, int width, float *dx)
{
    const int ho = height / 2, wo = width / 2;

#pragma omp parallel for schedule(static) if ((size_t)planes * height * width > PARALLEL_MIN)
    for (int p = 0; p < planes; p++) {
        float *out = dx + (size_t)p * height * width;
        const float *g = dy + (size_t)p * ho * wo;
        const uint8_t *arg = argmax + (size_t)p * ho * wo;
        for (int oy = 0; oy < ho; oy++) {
            float *restrict r0 = out + (size_t)(2 * oy) * width, *restrict r1 = r0 + width;
            const float *restrict go = g + oy * wo;
            const uint8_t *restrict ao = arg + oy * wo;
            for (int ox = 0; ox < wo; ox++) { /* every input is written: no memset */
                r0[2 * ox] = keep_if(go[ox], ao[ox] == 0);
                r0[2 * ox + 1] = keep_if(go[ox], ao[ox] == 1);
                r1[2 * ox] = keep_if(go[ox], ao[ox] == 2);
                r1[2 * ox + 1] = keep_if(go[ox], ao[ox] == 3);
            }
            if (width % 2 != 0) { /* the column pooling left out */
                r0[width - 1] = 0.0f;
                r1[width - 1] = 0.0f;
            }
        }
        if (height % 2 != 0) /* and the row */
            memset(out + (size_t)(height - 1) * width, 0, sizeof(float) * width);
    }
}

/* ---- dropout ----------------------------------------------------------------- */

/* SplitMix64's finaliser: a good 64-bit hash of a counter. */
static inline uint64_t
mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* x[i] = mask[i] ? x[i] * scale : 0 */
static void
apply_mask(float *restrict x, const uint8_t *restrict mask, size_t n, float scale)
{
    for (size_t i = 0; i < n; i++)
        x[i] = keep_if(x[i] * scale, mask[i]);
}

/* Dropout works through blocks of this many numbers (a multiple of 4). */
#define DROPOUT_BLOCK 4096

void
nn_dropout_forward(float *x, size_t n, float rate, uint8_t *mask, uint64_t seed)
{
    const float scale = 1.0f / (1.0f - rate);
    /* One hash of (seed, i / 4) gives the coins of elements 4(i/4) .. 4(i/4)+3:
     * 16 bits each; keep when the coin, as a fraction, is >= rate. */
    const uint64_t threshold = (uint64_t)(rate * 65536.0f);
    const uint64_t key = mix64(seed);
    const size_t blocks = (n + DROPOUT_BLOCK - 1) / DROPOUT_BLOCK;
#pragma omp parallel for schedule(static) if (n > PARALLEL_MIN)
    for (size_t blk = 0; blk < blocks; blk++) {
        size_t lo = blk * DROPOUT_BLOCK, hi = lo + DROPOUT_BLOCK < n ? lo + DROPOUT_BLOCK : n;
        for (size_t q = lo / 4; 4 * q < hi; q++) {
            uint64_t coins = mix64(key + q * 0x9e3779b97f4a7c15ull);
            for (size_t i = 4 * q; i < 4 * q + 4 && i < hi; i++, coins >>= 16)
                mask[i] = (coins & 0xffff) >= threshold;
        }
        apply_mask(x + lo, mask + lo, hi - lo, scale);
    }
}

void
nn_dropout_backward(float *dx, size_t n, float rate, const uint8_t *mask)
{
    const float scale = 1.0f / (1.0f - rate);
    const size_t blocks = (n + DROPOUT_BLOCK - 1) / DROPOUT_BLOCK;
#pragma omp parallel for schedule(static) if (n > PARALLEL_MIN)
    for (size_t blk = 0; blk < blocks; blk++) {
        size_t lo = blk * DROPOUT_BLOCK, hi = lo + DROPOUT_BLOCK < n ? lo + DROPOUT_BLOCK : n;
        apply_mask(dx + lo, mask + lo, hi - lo, scale);
    }
}

/* ---- flatten ----------------------------------------------------------------- */

void
nn_flatten_forward(const float *x, int channels, int batch, int spatial, float *f)
{
#pragma omp parallel for schedule(static) if ((size_t)channels * batch * spatial > PARALLEL_MIN)
    for (int c = 0; c < channels; c++)
        for (int b = 0; b < batch; b++)
            for (int s = 0; s < spatial; s++)
                f[((size_t)c * spatial + s) * batch + b] = x[((size_t)c * batch + b) * spatial + s];
}

void
nn_flatten_backward(const float *df, int channels, int batch, int spatial, float *dx)
{
#pragma omp parallel for schedule(static) if ((size_t)channels * batch * spatial > PARALLEL_MIN)
    for (int c = 0; c < channels; c++)
        for (int b = 0; b < batch; b++)
            for (int s = 0; s < spatial; s++)
                dx[((size_t)c * batch + b) * spatial + s] = df[((size_t)c * spatial + s) * batch + b];
}

/* ---- dense ------------------------------------------------------------------- */

/* Dense layers split their GEMMs between threads by columns (images) or by
 * rows of the weight gradient: every number is computed by one thread, in
 * the same order whatever the thread count. */
static int
dense_threads(int in, int out, int batch)
{
    return (size_t)in * out * batch > 64 * (size_t)PARALLEL_MIN && batch >= 8 ? nn_get_threads() : 1;
}

void
nn_dense_forward(const float *x, const float *w, const float *bias, float *y,
                 int in, int out, int batch)
{
    int threads = dense_threads(in, out, batch);
#pragma omp parallel num_threads(threads)
    {
        int lo, hi;
        split_range(batch, omp_get_num_threads(), omp_get_thread_num(), &lo, &hi);
        if (hi > lo)
            nn_gemm(false, false, out, hi - lo, in, 1.0f, w, in, x + lo, batch, 0.0f, y + lo, batch);
    }
    if (bias != NULL)
        for (int o = 0; o < out; o++)
            for (int b = 0; b < batch; b++)
                y[(size_t)o * batch + b] += bias[o];
}

void
nn_dense_backward(const float *x, const float *w, const float *dy, float *dw, float *dbias,
                  float *dx, int in, int out, int batch)
{
    int threads = dense_threads(in, out, batch);
#pragma omp parallel num_threads(threads)
    {
        int lo, hi, t = omp_get_thread_num(), n = omp_get_num_threads();
        split_range(out, n, t, &lo, &hi);
        if (hi > lo)
            nn_gemm(false, true, hi - lo, in, batch, 1.0f, dy + (size_t)lo * batch, batch, x, batch,
                    1.0f, dw + (size_t)lo * in, in);
        if (dx != NULL) {
            split_range(batch, n, t, &lo, &hi);
            if (hi > lo)
                nn_gemm(true, false, in, hi - lo, out, 1.0f, w, in, dy + lo, batch, 0.0f, dx + lo, batch);
        }
    }
    if (dbias != NULL)
        for (int o = 0; o < out; o++) {
            float sum = 0.0f;
            for (int b = 0; b < batch; b++)
                sum += dy[(size_t)o * batch + b];
            dbias[o] += sum;
        }
}

/* ---- softmax + cross-entropy -------------------------------------------------- */

float
nn_softmax_xent_forward(const float *logits, const uint8_t *labels, int classes, int batch,
                        float *probs, int *correct)
{
    return nn_softmax_xent_forward_scaled(logits, labels, classes, batch, 1.0f, probs, correct);
}

float
nn_softmax_xent_forward_scaled(const float *logits, const uint8_t *labels, int classes, int batch,
                               float scale, float *probs, int *correct)
{
    double loss = 0.0;
    int right = 0;

    for (int b = 0; b < batch; b++) {
        float max = logits[b] * scale;
        int best = 0;
        for (int k = 1; k < classes; k++)
            if (logits[(size_t)k * batch + b] * scale > max) {
                max = logits[(size_t)k * batch + b] * scale;
                best = k;
            }
        double sum = 0.0;
        for (int k = 0; k < classes; k++) {
            float e = expf(logits[(size_t)k * batch + b] * scale - max);
            probs[(size_t)k * batch + b] = e;
            sum += e;
        }
        for (int k = 0; k < classes; k++)
            probs[(size_t)k * batch + b] = (float)(probs[(size_t)k * batch + b] / sum);
        if (labels != NULL && labels[b] == NN_LABEL_NONE) {
            /* not a digit: cross-entropy to the uniform distribution */
            double mean_log_p = 0.0;
            for (int k = 0; k < classes; k++)
                mean_log_p += logits[(size_t)k * batch + b] * scale - max - log(sum);
            loss -= mean_log_p / classes;
        } else if (labels != NULL) {
            /* log p = logit - max - log(sum): exact even when p underflows. */
            loss -= logits[(size_t)labels[b] * batch + b] * scale - max - log(sum);
            right += best == labels[b];
        }
    }
    if (correct != NULL)
        *correct += right;
    return labels != NULL ? (float)(loss / batch) : 0.0f;
}

void
nn_softmax_xent_backward(const float *probs, const uint8_t *labels, int classes, int batch,
                         float *dlogits)
{
    const float inv = 1.0f / (float)batch, uniform = 1.0f / (float)classes;
    for (int k = 0; k < classes; k++)
        for (int b = 0; b < batch; b++) {
            size_t i = (size_t)k * batch + b;
            float target = labels[b] == NN_LABEL_NONE ? uniform : labels[b] == k ? 1.0f : 0.0f;
            dlogits[i] = (probs[i] - target) * inv;
        }
}
