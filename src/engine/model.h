/* model.h — a configurable CNN for 28x28 digits: parameters, forward and
 * backward, inference.
 *
 * The network is described by an NnModelConfig; the paper's network is its
 * default (nn_model_config_default()):
 *   input 28x28x1 in [0,1]
 *   block 1: conv3x3 32 - BN - ReLU - conv3x3 32 - BN - ReLU - maxpool 2x2 - dropout 0.25
 *   block 2: conv3x3 64 - BN - ReLU - conv3x3 64 - BN - ReLU - maxpool 2x2 - dropout 0.25
 *   flatten - dense 128 - BN - ReLU - dropout 0.5 - dense 10 - softmax
 * Other values give 1 to 3 blocks of 1 or 2 convolutions, any filter counts,
 * a hidden dense layer or none, no batch normalisation (then convolutions
 * and the hidden dense layer have biases) and any dropout rates.
 *
 * Inside, the network is a table of layers (convolution, dense, BN-ReLU,
 * bias-ReLU — the latter two optionally with 2x2 max-pooling fused in —,
 * dropout, flatten, softmax), each with its slices of one parameter block,
 * one gradient block (only once training), and one activation block sized
 * once per batch capacity; forward and backward are loops over the table.
 *
 * Activations are kept channel-major over the batch ("CNHW": for each channel,
 * the batch's images one after another), so a convolution over a whole batch
 * is one im2col + one GEMM (or Winograd's transforms), and BN statistics are
 * contiguous reductions.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn-status.h"
#include "optim.h"
#include "rng.h"

#define NN_IMAGE_SIDE 28
#define NN_IMAGE_PIXELS (NN_IMAGE_SIDE * NN_IMAGE_SIDE)
#define NN_CLASSES 10
#define NN_MAX_BLOCKS 3

typedef enum { NN_PADDING_SAME = 0, NN_PADDING_VALID = 1 } NnPadding;

typedef struct {
    NnPadding padding;
    int blocks;                   /* 1-3 */
    int convs_per_block;          /* 1-2 */
    int filters[NN_MAX_BLOCKS];   /* per block, 1-512; unused entries 0 */
    int dense;                    /* hidden dense units, 0 = none (flatten straight to the output) */
    bool batch_norm;              /* false: biases instead */
    float dropout_conv;           /* after each block's pooling, 0-0.95; 0 = none */
    float dropout_dense;          /* after the hidden dense layer */
} NnModelConfig;

/* The paper's network: same padding, 2 blocks of 2 convolutions, 32 and 64
 * filters, dense 128, batch normalisation, dropout 0.25 and 0.5. */
NnModelConfig nn_model_config_default(void);
/* NN_OK if the config describes a network this engine builds (every
 * convolution sees at least 3x3 pixels, every pooling at least 2x2). */
NnStatus nn_model_config_check(const NnModelConfig *config, NnError *err);
bool nn_model_config_equal(const NnModelConfig *a, const NnModelConfig *b);
/* A one-line description, e.g. "2 blocks x 2 conv (32, 64), dense 128, BN,
 * dropout 0.25/0.5, same padding". Returns buffer. */
char *nn_model_config_describe(const NnModelConfig *config, char *buffer, size_t size);

typedef struct NnModel NnModel;

/* A named tensor of the model, as stored in model files. */
typedef struct {
    const char *name; /* e.g. "conv1.weight", "bn1.running_mean" */
    int ndim;
    int dims[4];
    size_t size;      /* product of dims */
    float *data;      /* points into the model's parameter or buffer block */
    bool trainable;   /* a parameter (gradient, optimizer state), not a statistic */
    float *grad;      /* gradient, NULL until nn_model_reserve_training */
    float *adam_m;    /* Adam's first moment (SGD's velocity), likewise */
    float *adam_v;    /* Adam's second moment, likewise */
} NnTensor;

/* Creates a model with Glorot-uniform weights drawn from seed, zero biases,
 * BN gamma 1, beta 0, running mean 0 and variance 1. */
NnStatus nn_model_new(const NnModelConfig *config, uint64_t seed, NnModel **out, NnError *err);
void nn_model_free(NnModel *model);

const NnModelConfig *nn_model_config(const NnModel *model);
const char *nn_padding_name(NnPadding padding);
/* Parses "same" / "valid". */
NnStatus nn_padding_parse(const char *text, NnPadding *out, NnError *err);

/* Width of the flattened feature vector after the last block: 3136 for the
 * paper's network, 1024 with valid padding. 0 for an invalid config. */
int nn_model_flatten_size(const NnModelConfig *config);

/* Floating-point operations (a multiply-add counts 2) of the convolution and
 * dense layers for one image: forward only, or forward + backward. */
double nn_model_flops(const NnModel *model, bool training);

/* The model's tensors in file order (weights, biases and BN parameters layer
 * by layer, then BN running statistics). */
int nn_model_tensor_count(const NnModel *model);
const NnTensor *nn_model_tensor(const NnModel *model, int index);
const NnTensor *nn_model_find_tensor(const NnModel *model, const char *name);

/* Number of trainable floats (the optimizer's vector length). */
size_t nn_model_param_count(const NnModel *model);

/* Optimizer step count t and finished epochs, saved in model files. */
uint64_t nn_model_step(const NnModel *model);
void nn_model_set_step(NnModel *model, uint64_t step);
int nn_model_epochs_done(const NnModel *model);
void nn_model_set_epochs_done(NnModel *model, int epochs);

/* Whether the optimizer's moments are those of the model's training so far:
 * true for a new model and after training, and for a loaded model whose file
 * held them (saved with_optimizer). Resuming without them restarts the
 * optimizer, and the run then differs from an uninterrupted one. */
bool nn_model_has_optimizer_state(const NnModel *model);
void nn_model_set_optimizer_state(NnModel *model, bool present);
/* Which optimizer those moments belong to (saved in model files): Adam for
 * a new model. */
NnOptimizerKind nn_model_optimizer(const NnModel *model);
void nn_model_set_optimizer(NnModel *model, NnOptimizerKind kind);

/* Softmax temperature T: predictions are softmax(logits / T). 1 (the
 * default) leaves the network's own probabilities; calibration on held-out
 * data sets it (stored in model files). */
float nn_model_temperature(const NnModel *model);
void nn_model_set_temperature(NnModel *model, float temperature);

/* The verdict thresholds (verdict.h), stored in model files: a top
 * probability from `sure` on is sure, below `reject` not a digit. Models
 * never calibrated have 0 for both, and nn_model_thresholds then gives
 * verdict.h's defaults. */
void nn_model_thresholds(const NnModel *model, float *sure, float *reject);
void nn_model_set_thresholds(NnModel *model, float sure, float reject);
bool nn_model_is_calibrated(const NnModel *model);

/* A short text saying how the model was trained (e.g. the command line),
 * stored in model files; "" if none. The copy is truncated to 1023 bytes. */
const char *nn_model_recipe(const NnModel *model);
void nn_model_set_recipe(NnModel *model, const char *recipe);

/* Makes room for batches of up to `batch` images (activations, scratch).
 * Inference calls it itself as needed. */
NnStatus nn_model_reserve(NnModel *model, int batch, NnError *err);
/* nn_model_reserve, plus what training needs: the gradient block, the
 * optimizer's moments, the backward pass's buffers. */
NnStatus nn_model_reserve_training(NnModel *model, int batch, NnError *err);

/* Inference (BN running statistics, no dropout).
 * images: n * 784 floats in [0,1], row-major 28x28 each, ink = 1.
 * probs:  n * 10 floats, softmax probabilities (at the model's temperature). */
NnStatus nn_model_predict(NnModel *model, const float *images, int n, float *probs, NnError *err);

/* Copies all parameters and BN statistics, the counters, temperature and
 * recipe from src to dst (same config). */
NnStatus nn_model_copy_weights(NnModel *dst, const NnModel *src, NnError *err);
/* A new model with src's config and a copy of its weights (for a worker
 * thread, or a snapshot). */
NnStatus nn_model_clone(const NnModel *src, NnModel **out, NnError *err);

/* Model files (see docs/model-format.md). Saving goes through
 * nn_file_replace (fileio.h): atomic, refuses paths that are not regular
 * files, follows symbolic links, keeps the replaced file's mode.
 * with_optimizer also stores the optimizer's state. Loading reads format
 * versions 1 and 2, refuses anything but a regular file at once, and files
 * whose numbers are not finite. */
NnStatus nn_model_save(const NnModel *model, const char *path, int with_optimizer, NnError *err);
NnStatus nn_model_load(const char *path, NnModel **out, NnError *err);

/* ---- layer outputs, for showing what the network computes ------------------ */

typedef enum {
    NN_ACT_INPUT,   /* the 28x28 image */
    NN_ACT_CONV,    /* a convolution's feature maps after BN-ReLU (or bias-ReLU) */
    NN_ACT_POOL,    /* the same maps after 2x2 max-pooling */
    NN_ACT_DENSE,   /* the hidden dense layer's units after BN-ReLU */
    NN_ACT_LOGITS,  /* the output layer before softmax */
    NN_ACT_PROBS,   /* softmax probabilities (at the model's temperature) */
} NnActivationKind;

/* One layer's output for one image: `channels` maps of height x width,
 * channel after channel, row-major (dense layers: channels = units,
 * height = width = 1). */
typedef struct {
    NnActivationKind kind;
    char name[16];          /* "input", "conv1".."conv6", "pool1".."pool3", "dense1", "logits", "probs" */
    int channels, height, width;
    const float *data;      /* valid until the next nn_model_trace or model change */
} NnActivation;

/* Runs one image through the network in inference mode and keeps every
 * layer's output: the input, each convolution's maps (after its activation),
 * each block's pooled maps, the hidden dense units, the logits and the
 * probabilities, in network order. Returns the number of outputs in *count. */
NnStatus nn_model_trace(NnModel *model, const float image[NN_IMAGE_PIXELS], int *count, NnError *err);
/* Output i (0 <= i < count) of the last nn_model_trace, or NULL. */
const NnActivation *nn_model_activation(const NnModel *model, int index);

/* ---- training interface (used by train.c and the gradient tests) ---------- */

/* The flat parameter block and, after nn_model_reserve_training, its
 * gradient and the optimizer's moments, of the same layout. */
float *nn_model_params(NnModel *model);
float *nn_model_grads(NnModel *model);
float *nn_model_adam_m(NnModel *model);
float *nn_model_adam_v(NnModel *model);
/* The BN running statistics, one block (running mean and variance of each
 * BN layer in turn). */
float *nn_model_buffers(NnModel *model);
size_t nn_model_buffer_count(const NnModel *model);

/* Forward pass over a batch (batch <= reserved size). In training mode BN uses
 * batch statistics (and updates its running statistics) and dropout draws its
 * masks from rng (no dropout if rng is NULL); in inference mode neither. Returns the mean cross-entropy
 * (0 when labels is NULL) and adds the number of correct predictions to
 * *correct if non-NULL. Training mode ignores the temperature. */
float nn_model_forward(NnModel *model, const float *images, const uint8_t *labels, int batch,
                       bool training, NnRng *rng, int *correct);
/* Backward pass for the last training-mode forward (needs
 * nn_model_reserve_training): overwrites the gradient block with
 * d(mean loss)/d(params). */
void nn_model_backward(NnModel *model, const float *images, const uint8_t *labels, int batch);
/* BN's running statistics move by (1 - momentum) toward each training batch's
 * (0.99, as Keras). Training's BN recalibration sets it per batch. */
void nn_model_set_bn_momentum(NnModel *model, float momentum);
float nn_model_bn_momentum(const NnModel *model);

/* Softmax output of the last forward, class k of image b at [k * batch + b]. */
const float *nn_model_last_probs(const NnModel *model);
/* Logits of the last forward, same layout. */
const float *nn_model_last_logits(const NnModel *model);
