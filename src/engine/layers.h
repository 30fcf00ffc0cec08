/* layers.h — forward and backward passes of each layer, on raw pointers.
 *
 * Layout: activations are channel-major over the batch ("CNHW"): x[c][b][y][x].
 * Dense layers use the same idea, feature-major: h[feature][b]. Then a
 * convolution over a batch is im2col + GEMM with no transposes, and BN's
 * statistics for one channel are one contiguous run of numbers.
 *
 * Forward functions cache what backward needs (BN's mean and 1/std, max-pool's
 * argmax, dropout's mask). Backward functions accumulate parameter gradients
 * (+=); zeroing them is the caller's explicit job. Input gradients are
 * overwritten.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rng.h"

/* ---- 3x3 convolution, stride 1, no bias ---------------------------------- */

/* How a convolution is computed: im2col + one GEMM per chunk, or Winograd's
 * F(2x2, 3x3) (winograd.c): 16 GEMMs per chunk with 2.25x fewer
 * multiply-adds, worth it once there are enough input channels to fill them. */
typedef enum {
    NN_CONV_IM2COL,
    NN_CONV_WINOGRAD,
} NnConvAlgorithm;

typedef struct {
    int in_channels, out_channels;
    int height, width;   /* input size */
    int pad;             /* 1 = same, 0 = valid */
    int out_height, out_width;
    NnConvAlgorithm algorithm;
} NnConvShape;

/* Picks Winograd from NN_WINOGRAD_MIN_CHANNELS input channels on. */
#define NN_WINOGRAD_MIN_CHANNELS 8
NnConvShape nn_conv_shape(int in_channels, int out_channels, int height, int width, int pad);

/* Rows of the im2col matrix (in_channels * 9) and its columns for nb images. */
static inline int nn_conv_k(const NnConvShape *s) { return s->in_channels * 9; }
static inline int nn_conv_cols(const NnConvShape *s, int nb) { return nb * s->out_height * s->out_width; }

/* im2col for images b0 .. b0+nb-1 of a batch of `batch` images:
 * col[(c*3+ky)*3+kx][j*HoWo + oy*Wo + ox] = x[c][b0+j][oy+ky-pad][ox+kx-pad] (0 outside). */
void nn_im2col3x3(const NnConvShape *s, const float *x, int batch, int b0, int nb, float *col);
/* The adjoint of im2col: accumulates col back into dx (dx += col2im(col)). */
void nn_col2im3x3(const NnConvShape *s, const float *col, int batch, int b0, int nb, float *dx);

/* Per-thread scratch memory: thread t uses base + t * stride floats. A
 * convolution needs nn_conv_scratch_floats() floats per thread. */
typedef struct {
    float *base;
    size_t stride;
} NnScratch;

size_t nn_conv_scratch_floats(const NnConvShape *s, int chunk);

/* Winograd layers compute from transformed weights. A cache keeps them with
 * a copy of the weights they came from, and makes them again only when the
 * weights differ (compared bit for bit): a model predicting drawing after
 * drawing transforms its weights once. `floats` points at
 * nn_conv_cache_floats() floats (none for im2col); start with valid = false.
 * The functions below take NULL for no cache. */
typedef struct {
    float *floats;
    bool valid;
} NnConvCache;

size_t nn_conv_cache_floats(const NnConvShape *s);

/* The batch is processed in chunks of `chunk` images, spread over the
 * engine's threads (nn_set_threads): each chunk is one im2col and one
 * single-threaded GEMM, y[f][b][...] = sum_k w[f][k] col[k][...], or
 * Winograd's transforms and 16 GEMMs. w: [out_channels][in_channels*9]. */
void nn_conv_forward(const NnConvShape *s, const float *x, const float *w, NnConvCache *cache,
                     float *y, int batch, int chunk, NnScratch scratch);
/* dw += dy col^T (summed per thread, then over threads in a fixed order, so
 * a given thread count always gives the same bits); if dx is non-NULL,
 * dx = col2im(w^T dy). */
void nn_conv_backward(const NnConvShape *s, const float *x, const float *w, NnConvCache *cache,
                      const float *dy, float *dw, float *dx, int batch, int chunk, NnScratch scratch);

/* ---- batch normalisation fused with ReLU (and max-pooling) ------------------ */

typedef struct {
    int channels;
    size_t count;      /* numbers per channel in a batch: batch * H * W */
    float momentum;    /* running = momentum * running + (1 - momentum) * batch stat */
    float epsilon;
} NnBnShape;

/* Where BN-ReLU's output goes: all of it into `a`; or, when `pooled` is
 * non-NULL, only its 2x2 max-pooling, as nn_maxpool_forward would make it
 * from `a` (planes of height x width), into pooled and argmax (argmax may be
 * NULL) — then `a` is not written and may be NULL. */
typedef struct {
    float *a;
    float *pooled;
    uint8_t *argmax;
    int height, width;
} NnBnOutput;

/* Training mode: normalises z with the batch's statistics, a = relu(gamma*zhat+beta),
 * saves mean and 1/sqrt(var+eps) per channel, updates the running statistics
 * (biased variance, as Keras does). */
void nn_bn_relu_forward_train(const NnBnShape *s, const float *z, const float *gamma,
                              const float *beta, float *running_mean, float *running_var,
                              float *save_mean, float *save_invstd, NnBnOutput out);
/* Inference mode: uses the running statistics. */
void nn_bn_relu_forward_eval(const NnBnShape *s, const float *z, const float *gamma,
                             const float *beta, const float *running_mean,
                             const float *running_var, NnBnOutput out);
/* From da (gradient w.r.t. the ReLU output a) to dz; accumulates dgamma,
 * dbeta. ReLU's mask is recomputed from z, so `a` need not be kept. da and
 * dz may be the same buffer. */
void nn_bn_relu_backward(const NnBnShape *s, const float *z, const float *da, const float *gamma,
                         const float *beta, const float *save_mean, const float *save_invstd,
                         float *dgamma, float *dbeta, float *dz);

/* ---- bias + ReLU (+ max-pooling), for networks without BN ------------------ */

/* a = relu(z + bias[c]), written as `out` asks (as nn_bn_relu_forward_*). */
void nn_bias_relu_forward(const NnBnShape *s, const float *z, const float *bias, NnBnOutput out);
/* dz = da where z + bias > 0, else 0; dbias += its sum per channel. da and
 * dz may be the same buffer. */
void nn_bias_relu_backward(const NnBnShape *s, const float *z, const float *da, const float *bias,
                           float *dbias, float *dz);

/* ---- 2x2 max-pooling, stride 2 -------------------------------------------- */

/* planes = channels * batch, each height x width; an odd last row or column
 * is left out (its gradient is 0). argmax: one byte per output (0..3: which
 * of the four inputs won), may be NULL in inference. */
void nn_maxpool_forward(const float *x, int planes, int height, int width, float *y, uint8_t *argmax);
void nn_maxpool_backward(const float *dy, const uint8_t *argmax, int planes, int height, int width, float *dx);

/* ---- inverted dropout ------------------------------------------------------ */

/* Keeps each value with probability 1-rate, scaled by 1/(1-rate); mask gets 1
 * for kept values. In place. Element i's coin is a hash of (seed, i / 4), so the
 * mask does not depend on how the work is split between threads. */
void nn_dropout_forward(float *x, size_t n, float rate, uint8_t *mask, uint64_t seed);
void nn_dropout_backward(float *dx, size_t n, float rate, const uint8_t *mask);

/* ---- flatten between the CNHW conv stack and feature-major dense layers ---- */

/* f[c*S + s][b] = x[c][b][s] with S = spatial size. */
void nn_flatten_forward(const float *x, int channels, int batch, int spatial, float *f);
void nn_flatten_backward(const float *df, int channels, int batch, int spatial, float *dx);

/* ---- dense layer, feature-major: y[out][b] = sum_i w[out][i] x[i][b] (+ bias) -- */

void nn_dense_forward(const float *x, const float *w, const float *bias, float *y,
                      int in, int out, int batch);
/* dw += dy x^T, dbias += row sums of dy (if non-NULL), dx = w^T dy (if non-NULL). */
void nn_dense_backward(const float *x, const float *w, const float *dy, float *dw, float *dbias,
                       float *dx, int in, int out, int batch);

/* ---- softmax + categorical cross-entropy ----------------------------------- */

/* A label meaning "not a digit" (outlier exposure, Hendrycks et al. 2019):
 * its target is the uniform distribution, it never counts as correct. */
#define NN_LABEL_NONE 255

/* logits, probs: [classes][batch]. Returns the mean loss over the batch, and
 * counts correct predictions into *correct if non-NULL. labels may be NULL
 * (inference: probabilities only, returns 0). */
float nn_softmax_xent_forward(const float *logits, const uint8_t *labels, int classes, int batch,
                              float *probs, int *correct);
/* The same on logits * scale (scale = 1 / temperature). */
float nn_softmax_xent_forward_scaled(const float *logits, const uint8_t *labels, int classes, int batch,
                                     float scale, float *probs, int *correct);
/* dlogits = (probs - target) / batch, target one-hot (uniform for NN_LABEL_NONE). */
void nn_softmax_xent_backward(const float *probs, const uint8_t *labels, int classes, int batch,
                              float *dlogits);
