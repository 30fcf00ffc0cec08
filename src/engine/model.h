/* model.h — the paper's network: parameters, forward/backward, inference.
 *
 * Architecture (fixed but for the padding):
 *   input 28x28x1 in [0,1]
 *   conv3x3 32 (no bias) - BN - ReLU - conv3x3 32 - BN - ReLU - maxpool 2x2 - dropout 0.25
 *   conv3x3 64 (no bias) - BN - ReLU - conv3x3 64 - BN - ReLU - maxpool 2x2 - dropout 0.25
 *   flatten - dense 128 (no bias) - BN - ReLU - dropout 0.5 - dense 10 - softmax
 *
 * Activations are kept channel-major over the batch ("CNHW": for each channel,
 * the batch's images one after another), so a convolution over a whole batch
 * is one im2col + one GEMM, and BN statistics are contiguous reductions.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn-status.h"
#include "rng.h"

#define NN_IMAGE_SIDE 28
#define NN_IMAGE_PIXELS (NN_IMAGE_SIDE * NN_IMAGE_SIDE)
#define NN_CLASSES 10

typedef enum { NN_PADDING_SAME = 0, NN_PADDING_VALID = 1 } NnPadding;

typedef struct {
    NnPadding padding;
} NnModelConfig;

typedef struct NnModel NnModel;

/* A named tensor of the model, as stored in model files. */
typedef struct {
    const char *name; /* e.g. "conv1.weight", "bn1.running_mean" */
    int ndim;
    int dims[4];
    size_t size;      /* product of dims */
    float *data;      /* points into the model's parameter or buffer block */
    float *grad;      /* gradient, or NULL for non-trainable buffers */
    float *adam_m;    /* Adam first moment, or NULL */
    float *adam_v;    /* Adam second moment, or NULL */
} NnTensor;

/* Creates a model with Glorot-uniform weights drawn from seed, BN gamma 1,
 * beta 0, running mean 0 and variance 1. */
NnStatus nn_model_new(const NnModelConfig *config, uint64_t seed, NnModel **out, NnError *err);
void nn_model_free(NnModel *model);

const NnModelConfig *nn_model_config(const NnModel *model);
const char *nn_padding_name(NnPadding padding);
/* Parses "same" / "valid". */
NnStatus nn_padding_parse(const char *text, NnPadding *out, NnError *err);

/* Flatten width before the first dense layer: 3136 for same, 1024 for valid. */
int nn_model_flatten_size(const NnModelConfig *config);

/* Floating-point operations (a multiply-add counts 2) of the convolution and
 * dense layers for one image: forward only, or forward + backward. */
double nn_model_flops(const NnModel *model, bool training);

/* The model's tensors in file order (weights and BN parameters, then BN
 * running statistics). */
int nn_model_tensor_count(const NnModel *model);
const NnTensor *nn_model_tensor(const NnModel *model, int index);
const NnTensor *nn_model_find_tensor(const NnModel *model, const char *name);

/* Number of trainable floats (the Adam vector length). */
size_t nn_model_param_count(const NnModel *model);

/* Adam step count t and finished epochs, saved in model files. */
uint64_t nn_model_step(const NnModel *model);
void nn_model_set_step(NnModel *model, uint64_t step);
int nn_model_epochs_done(const NnModel *model);
void nn_model_set_epochs_done(NnModel *model, int epochs);

/* Whether Adam's moments are those of the model's training so far: true for
 * a new model and after training, and for a loaded model whose file held
 * them (saved with_optimizer). Resuming without them restarts Adam, and the
 * run then differs from an uninterrupted one. */
bool nn_model_has_optimizer_state(const NnModel *model);
void nn_model_set_optimizer_state(NnModel *model, bool present);

/* Makes room for batches of up to `batch` images (activations, scratch).
 * Called once before training; inference calls it itself as needed. */
NnStatus nn_model_reserve(NnModel *model, int batch, NnError *err);

/* Inference (BN running statistics, no dropout).
 * images: n * 784 floats in [0,1], row-major 28x28 each, ink = 1.
 * probs:  n * 10 floats, softmax probabilities. */
NnStatus nn_model_predict(NnModel *model, const float *images, int n, float *probs, NnError *err);

/* Copies all parameters and BN statistics from src to dst (same config). */
NnStatus nn_model_copy_weights(NnModel *dst, const NnModel *src, NnError *err);

/* Model files (see docs/model-format.md). Saving goes through
 * nn_file_replace (fileio.h): atomic, refuses paths that are not regular
 * files, follows symbolic links, keeps the replaced file's mode.
 * with_optimizer also stores Adam's state. Loading refuses anything but a
 * regular file at once, and files whose numbers are not finite. */
NnStatus nn_model_save(const NnModel *model, const char *path, int with_optimizer, NnError *err);
NnStatus nn_model_load(const char *path, NnModel **out, NnError *err);

/* ---- training interface (used by train.c and the gradient tests) ---------- */

/* The flat parameter block and its gradient, Adam moments of the same layout. */
float *nn_model_params(NnModel *model);
float *nn_model_grads(NnModel *model);
float *nn_model_adam_m(NnModel *model);
float *nn_model_adam_v(NnModel *model);

/* Forward pass over a batch (batch <= reserved size). In training mode BN uses
 * batch statistics (and updates its running statistics) and dropout draws its
 * masks from rng (no dropout if rng is NULL); in inference mode neither. Returns the mean cross-entropy
 * (0 when labels is NULL) and adds the number of correct predictions to
 * *correct if non-NULL. */
float nn_model_forward(NnModel *model, const float *images, const uint8_t *labels, int batch,
                       bool training, NnRng *rng, int *correct);
/* Backward pass for the last training-mode forward: overwrites the gradient
 * block with d(mean loss)/d(params). */
void nn_model_backward(NnModel *model, const float *images, const uint8_t *labels, int batch);
/* BN's running statistics move by (1 - momentum) toward each training batch's
 * (0.99, as Keras). Training's BN recalibration sets it per batch. */
void nn_model_set_bn_momentum(NnModel *model, float momentum);
float nn_model_bn_momentum(const NnModel *model);

/* Softmax output of the last forward, class k of image b at [k * batch + b]. */
const float *nn_model_last_probs(const NnModel *model);
