/* model.c — the network as a table of layers; see model.h.
 *
 * nn_model_new builds the table from the config (build_table), then lays out
 * the blocks: every layer knows its offsets into the parameter block (and
 * so the gradient and optimizer blocks of the same layout), the buffer block
 * of BN running statistics, the activation block and the byte block (pool
 * winners, dropout masks); point_layers turns offsets into pointers whenever
 * a block is (re)allocated. Forward and backward are loops over the table. */
#include "model.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "layers.h"
#include "verdict.h"

#define BN_MOMENTUM 0.99f
#define BN_EPSILON 1e-3f
#define MAX_LAYERS 40
#define MAX_TENSORS 48
#define MAX_ACTIVATIONS 16
#define NO_OFFSET ((size_t)-1)
/* A convolution runs in chunks of images (one im2col + GEMM, or Winograd's
 * transforms and GEMMs, each), spread over the threads: chunks of about this
 * many output pixels (one 28x28 image, four 14x14 ones) keep each thread's
 * matrices in cache; larger and smaller ones measured slower. */
#define CHUNK_PIXELS 784

typedef enum {
    LAYER_CONV,       /* 3x3 convolution, no bias (BN or bias-ReLU follows) */
    LAYER_DENSE,      /* fully connected; with a bias only as the output layer */
    LAYER_BN_RELU,    /* batch normalisation + ReLU, optionally + 2x2 max-pooling */
    LAYER_BIAS_RELU,  /* the previous layer's bias + ReLU, optionally + pooling */
    LAYER_DROPOUT,    /* inverted dropout, in place */
    LAYER_FLATTEN,    /* CNHW maps to feature-major vectors */
    LAYER_SOFTMAX,    /* softmax + cross-entropy */
} LayerKind;

typedef struct {
    LayerKind kind;
    char name[16];         /* tensor prefix: "conv1", "bn1", "dense2" */
    int source;            /* the layer whose output is the input, -1: the images */
    int c, h, w;           /* output of one image (after pooling, if pooled) */
    int in_c, in_h, in_w;  /* input of one image */
    bool pool;             /* activation layers: output is the 2x2 max-pooling */
    float rate;            /* dropout */

    /* Offsets, NO_OFFSET if none: into the parameter block (weights, bias
     * or BN gamma and beta), the buffer block (running mean and variance),
     * the statistics block (BN's batch mean and 1/std, training only), the
     * activation block and the byte block (floats or bytes per image). */
    size_t w_off, b_off, gamma_off, beta_off, mean_off, var_off, save_off;
    size_t out_off, bytes_off;
    size_t out_size, bytes_size; /* per image */
    size_t w_size;

    /* Pointers from those offsets (point_layers). */
    float *weight, *bias, *gamma, *beta, *running_mean, *running_var, *save_mean, *save_invstd;
    float *dweight, *dbias, *dgamma, *dbeta;
    float *out;
    uint8_t *bytes;

    NnConvShape conv;
    NnConvCache cache;
    int chunk;
} Layer;

struct NnModel {
    NnModelConfig config;
    Layer layers[MAX_LAYERS];
    int n_layers;

    size_t n_params, n_buffers, n_stats;
    float *params, *grads, *adam_m, *adam_v, *buffers, *stats;

    NnTensor tensors[MAX_TENSORS];
    int n_tensors;
    char names[MAX_TENSORS][32];

    uint64_t step;
    int epochs_done;
    bool optimizer_state;
    NnOptimizerKind optimizer;     /* the moments' optimizer */
    float bn_momentum;
    float temperature;
    float sure, reject;            /* verdict thresholds, 0 = never calibrated */
    char recipe[1024];

    /* Workspace for batches of up to `capacity` images. */
    int capacity;
    size_t act_per_image, bytes_per_image, largest_per_image;
    float *act;                    /* activation block */
    uint8_t *bytes;                /* pool winners and dropout masks */
    float *grad_a, *grad_b;        /* ping-pong buffers for backward (training only) */
    bool training;                 /* nn_model_reserve_training was called */
    NnScratch scratch;             /* per-thread im2col / Winograd matrices and partial sums */
    float *caches;                 /* Winograd layers' transformed weights */
    int threads;                   /* the thread count the scratch was made for */
    int batch;                     /* size of the last forward */
    bool dropout;                  /* whether it applied dropout */

    /* nn_model_trace's outputs: the input and each pooled layer's maps
     * before pooling live in trace_block. */
    NnActivation activations[MAX_ACTIVATIONS];
    int n_activations;
    float *trace_block;
};

/* ---- configs ------------------------------------------------------------------ */

NnModelConfig
nn_model_config_default(void)
{
    NnModelConfig c = {
        .padding = NN_PADDING_SAME,
        .blocks = 2,
        .convs_per_block = 2,
        .filters = { 32, 64, 0 },
        .dense = 128,
        .batch_norm = true,
        .dropout_conv = 0.25f,
        .dropout_dense = 0.5f,
    };
    return c;
}

/* The side of the maps after the convolutions (conv_side) and after the
 * pooling (pool_side) of each block; false if a layer would get less than
 * it needs. */
static bool
block_sides(const NnModelConfig *c, int conv_side[NN_MAX_BLOCKS], int pool_side[NN_MAX_BLOCKS])
{
    int side = NN_IMAGE_SIDE;
    for (int b = 0; b < c->blocks; b++) {
        for (int i = 0; i < c->convs_per_block; i++) {
            if (c->padding == NN_PADDING_VALID) {
                if (side < 3)
                    return false;
                side -= 2;
            }
        }
        if (side < 2)
            return false;
        conv_side[b] = side;
        side /= 2;
        pool_side[b] = side;
    }
    return true;
}

NnStatus
nn_model_config_check(const NnModelConfig *c, NnError *err)
{
    if (c->padding != NN_PADDING_SAME && c->padding != NN_PADDING_VALID)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "unknown padding %d", (int)c->padding);
    if (c->blocks < 1 || c->blocks > NN_MAX_BLOCKS)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "the network needs 1 to %d blocks, not %d", NN_MAX_BLOCKS,
                            c->blocks);
    if (c->convs_per_block < 1 || c->convs_per_block > 2)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "a block has 1 or 2 convolutions, not %d",
                            c->convs_per_block);
    for (int b = 0; b < NN_MAX_BLOCKS; b++)
        if (b < c->blocks ? c->filters[b] < 1 || c->filters[b] > 512 : c->filters[b] != 0)
            return nn_error_set(err, NN_ERR_INVALID_ARG,
                                b < c->blocks ? "block %d needs 1 to 512 filters, not %d"
                                              : "block %d is not used but has %d filters",
                                b + 1, c->filters[b]);
    if (c->dense < 0 || c->dense > 4096)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "the dense layer has 0 to 4096 units, not %d", c->dense);
    if (!(c->dropout_conv >= 0.0f && c->dropout_conv <= 0.95f && c->dropout_dense >= 0.0f &&
          c->dropout_dense <= 0.95f))
        return nn_error_set(err, NN_ERR_INVALID_ARG, "dropout rates are between 0 and 0.95");
    if (c->dense == 0 && c->dropout_dense != 0.0f)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "dense dropout needs a dense layer");
    int conv_side[NN_MAX_BLOCKS], pool_side[NN_MAX_BLOCKS];
    if (!block_sides(c, conv_side, pool_side))
        return nn_error_set(err, NN_ERR_INVALID_ARG,
                            "%d blocks of %d %s convolutions shrink a 28x28 image to nothing",
                            c->blocks, c->convs_per_block, nn_padding_name(c->padding));
    return NN_OK;
}

bool
nn_model_config_equal(const NnModelConfig *a, const NnModelConfig *b)
{
    if (a->padding != b->padding || a->blocks != b->blocks || a->convs_per_block != b->convs_per_block ||
        a->dense != b->dense || a->batch_norm != b->batch_norm || a->dropout_conv != b->dropout_conv ||
        a->dropout_dense != b->dropout_dense)
        return false;
    for (int i = 0; i < NN_MAX_BLOCKS; i++)
        if (a->filters[i] != b->filters[i])
            return false;
    return true;
}

char *
nn_model_config_describe(const NnModelConfig *c, char *buffer, size_t size)
{
    char filters[64] = "";
    for (int b = 0; b < c->blocks && b < NN_MAX_BLOCKS; b++)
        snprintf(filters + strlen(filters), sizeof filters - strlen(filters), "%s%d", b ? ", " : "", c->filters[b]);
    char dense[32];
    if (c->dense > 0)
        snprintf(dense, sizeof dense, "dense %d", c->dense);
    else
        snprintf(dense, sizeof dense, "no dense layer");
    snprintf(buffer, size, "%d block%s x %d conv (%s filters), %s, %s, dropout %g/%g, %s padding", c->blocks,
             c->blocks == 1 ? "" : "s", c->convs_per_block, filters, dense, c->batch_norm ? "BN" : "no BN",
             c->dropout_conv, c->dropout_dense, nn_padding_name(c->padding));
    return buffer;
}

int
nn_model_flatten_size(const NnModelConfig *c)
{
    int conv_side[NN_MAX_BLOCKS], pool_side[NN_MAX_BLOCKS];
    if (nn_model_config_check(c, NULL) != NN_OK || !block_sides(c, conv_side, pool_side))
        return 0;
    int side = pool_side[c->blocks - 1];
    return c->filters[c->blocks - 1] * side * side;
}

/* ---- the layer table ------------------------------------------------------------ */

static Layer *
add_layer(NnModel *m, LayerKind kind, const char *name, int c, int h, int w)
{
    assert(m->n_layers < MAX_LAYERS);
    Layer *l = &m->layers[m->n_layers];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    snprintf(l->name, sizeof l->name, "%s", name);
    l->source = m->n_layers - 1;
    if (l->source >= 0) {
        const Layer *in = &m->layers[l->source];
        l->in_c = in->c;
        l->in_h = in->h;
        l->in_w = in->w;
    } else {
        l->in_c = 1;
        l->in_h = l->in_w = NN_IMAGE_SIDE;
    }
    l->c = c;
    l->h = h;
    l->w = w;
    l->w_off = l->b_off = l->gamma_off = l->beta_off = NO_OFFSET;
    l->mean_off = l->var_off = l->save_off = l->out_off = l->bytes_off = NO_OFFSET;
    m->n_layers++;
    return l;
}

/* The activation after a convolution or the hidden dense layer: BN-ReLU or
 * bias-ReLU, pooled or not. bias_of names the layer whose bias it is. */
static void
add_activation(NnModel *m, int *bn_index, const char *bias_of, bool pool)
{
    const Layer *in = &m->layers[m->n_layers - 1];
    char name[16];
    if (m->config.batch_norm)
        snprintf(name, sizeof name, "bn%d", ++*bn_index);
    else
        snprintf(name, sizeof name, "%s", bias_of);
    Layer *l = add_layer(m, m->config.batch_norm ? LAYER_BN_RELU : LAYER_BIAS_RELU, name, in->c,
                         pool ? in->h / 2 : in->h, pool ? in->w / 2 : in->w);
    l->pool = pool;
}

static void
build_table(NnModel *m)
{
    const NnModelConfig *c = &m->config;
    const int pad = c->padding == NN_PADDING_SAME ? 1 : 0;
    int conv_index = 0, bn_index = 0, dense_index = 0;
    char name[16];
    m->n_layers = 0;

    for (int b = 0; b < c->blocks; b++) {
        for (int i = 0; i < c->convs_per_block; i++) {
            const int in_c = m->n_layers > 0 ? m->layers[m->n_layers - 1].c : 1;
            const int side = m->n_layers > 0 ? m->layers[m->n_layers - 1].h : NN_IMAGE_SIDE;
            snprintf(name, sizeof name, "conv%d", ++conv_index);
            Layer *l = add_layer(m, LAYER_CONV, name, c->filters[b], side + 2 * pad - 2, side + 2 * pad - 2);
            l->conv = nn_conv_shape(in_c, c->filters[b], side, side, pad);
            add_activation(m, &bn_index, name, i == c->convs_per_block - 1);
        }
        if (c->dropout_conv > 0.0f)
            add_layer(m, LAYER_DROPOUT, "dropout", m->layers[m->n_layers - 1].c, m->layers[m->n_layers - 1].h,
                      m->layers[m->n_layers - 1].w)->rate = c->dropout_conv;
    }
    const Layer *last = &m->layers[m->n_layers - 1];
    add_layer(m, LAYER_FLATTEN, "flatten", last->c * last->h * last->w, 1, 1);
    if (c->dense > 0) {
        snprintf(name, sizeof name, "dense%d", ++dense_index);
        add_layer(m, LAYER_DENSE, name, c->dense, 1, 1);
        add_activation(m, &bn_index, name, false);
        if (c->dropout_dense > 0.0f)
            add_layer(m, LAYER_DROPOUT, "dropout", c->dense, 1, 1)->rate = c->dropout_dense;
    }
    snprintf(name, sizeof name, "dense%d", ++dense_index);
    add_layer(m, LAYER_DENSE, name, NN_CLASSES, 1, 1);
    add_layer(m, LAYER_SOFTMAX, "softmax", NN_CLASSES, 1, 1);
}

/* Offsets of every layer's slices, and the blocks' sizes. */
static void
lay_out(NnModel *m)
{
    size_t p = 0, q = 0, s = 0, act = 0, bytes = 0, largest = NN_IMAGE_PIXELS;
    for (int i = 0; i < m->n_layers; i++) {
        Layer *l = &m->layers[i];
        const size_t in_size = (size_t)l->in_c * l->in_h * l->in_w;
        const size_t out_size = (size_t)l->c * l->h * l->w;
        l->out_size = out_size;
        switch (l->kind) {
        case LAYER_CONV:
            l->w_size = (size_t)l->conv.out_channels * nn_conv_k(&l->conv);
            l->w_off = p;
            p += l->w_size;
            break;
        case LAYER_DENSE:
            l->w_size = (size_t)l->c * in_size;
            l->w_off = p;
            p += l->w_size;
            if (l->c == NN_CLASSES && i == m->n_layers - 2) { /* the output layer */
                l->b_off = p;
                p += (size_t)l->c;
            }
            break;
        case LAYER_BN_RELU:
            l->gamma_off = p;
            l->beta_off = p + (size_t)l->c;
            p += 2 * (size_t)l->c;
            l->mean_off = q;
            l->var_off = q + (size_t)l->c;
            q += 2 * (size_t)l->c;
            l->save_off = s;
            s += 2 * (size_t)l->c;
            break;
        case LAYER_BIAS_RELU:
            l->b_off = p;
            p += (size_t)l->c;
            break;
        case LAYER_DROPOUT:
            l->bytes_size = in_size;
            break;
        case LAYER_FLATTEN:
        case LAYER_SOFTMAX:
            break;
        }
        if (l->pool)
            l->bytes_size = out_size; /* which of four won */
        if (l->kind != LAYER_DROPOUT) {
            l->out_off = act;
            act += out_size;
        }
        if (l->bytes_size > 0) {
            l->bytes_off = bytes;
            bytes += l->bytes_size;
        }
        largest = in_size > largest ? in_size : largest;
        largest = out_size > largest ? out_size : largest;
    }
    m->n_params = p;
    m->n_buffers = q;
    m->n_stats = s;
    m->act_per_image = act;
    m->bytes_per_image = bytes;
    m->largest_per_image = largest;
}

static float *
slice(float *block, size_t off)
{
    return block != NULL && off != NO_OFFSET ? block + off : NULL;
}

/* Pointers from offsets, for whichever blocks exist. */
static void
point_layers(NnModel *m)
{
    for (int i = 0; i < m->n_layers; i++) {
        Layer *l = &m->layers[i];
        l->weight = slice(m->params, l->w_off);
        l->dweight = slice(m->grads, l->w_off);
        l->bias = slice(m->params, l->b_off);
        l->dbias = slice(m->grads, l->b_off);
        l->gamma = slice(m->params, l->gamma_off);
        l->dgamma = slice(m->grads, l->gamma_off);
        l->beta = slice(m->params, l->beta_off);
        l->dbeta = slice(m->grads, l->beta_off);
        l->running_mean = slice(m->buffers, l->mean_off);
        l->running_var = slice(m->buffers, l->var_off);
        l->save_mean = slice(m->stats, l->save_off);
        l->save_invstd = l->save_mean != NULL ? l->save_mean + l->c : NULL;
        if (l->kind == LAYER_DROPOUT) /* in place on its input */
            l->out = l->source >= 0 ? m->layers[l->source].out : NULL;
        else
            l->out = m->act != NULL ? m->act + l->out_off * (size_t)m->capacity : NULL;
        l->bytes = m->bytes != NULL && l->bytes_off != NO_OFFSET ? m->bytes + l->bytes_off * (size_t)m->capacity
                                                                 : NULL;
    }
}

static void
add_tensor(NnModel *m, const char *name, const char *suffix, int ndim, const int *dims, float *data,
           size_t offset, bool trainable)
{
    assert(m->n_tensors < MAX_TENSORS);
    NnTensor *t = &m->tensors[m->n_tensors];
    snprintf(m->names[m->n_tensors], sizeof m->names[0], "%s%s", name, suffix);
    t->name = m->names[m->n_tensors];
    t->ndim = ndim;
    t->size = 1;
    for (int i = 0; i < 4; i++) {
        t->dims[i] = i < ndim ? dims[i] : 1;
        if (i < ndim)
            t->size *= (size_t)dims[i];
    }
    t->data = data;
    t->trainable = trainable;
    t->grad = trainable && m->grads != NULL ? m->grads + offset : NULL;
    t->adam_m = trainable && m->adam_m != NULL ? m->adam_m + offset : NULL;
    t->adam_v = trainable && m->adam_v != NULL ? m->adam_v + offset : NULL;
    m->n_tensors++;
}

/* The tensors in file order: parameters layer by layer, then the running
 * statistics. A bias-ReLU layer's bias is named after the layer it
 * belongs to ("conv3.bias"). */
static void
register_tensors(NnModel *m)
{
    m->n_tensors = 0;
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        if (l->kind == LAYER_CONV) {
            int dims[4] = { l->conv.out_channels, l->conv.in_channels, 3, 3 };
            add_tensor(m, l->name, ".weight", 4, dims, l->weight, l->w_off, true);
        } else if (l->kind == LAYER_DENSE) {
            int dims[2] = { l->c, l->in_c * l->in_h * l->in_w };
            add_tensor(m, l->name, ".weight", 2, dims, l->weight, l->w_off, true);
            if (l->b_off != NO_OFFSET)
                add_tensor(m, l->name, ".bias", 1, &l->c, l->bias, l->b_off, true);
        } else if (l->kind == LAYER_BN_RELU) {
            add_tensor(m, l->name, ".gamma", 1, &l->c, l->gamma, l->gamma_off, true);
            add_tensor(m, l->name, ".beta", 1, &l->c, l->beta, l->beta_off, true);
        } else if (l->kind == LAYER_BIAS_RELU) {
            add_tensor(m, l->name, ".bias", 1, &l->c, l->bias, l->b_off, true);
        }
    }
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        if (l->kind == LAYER_BN_RELU) {
            add_tensor(m, l->name, ".running_mean", 1, &l->c, l->running_mean, 0, false);
            add_tensor(m, l->name, ".running_var", 1, &l->c, l->running_var, 0, false);
        }
    }
}

static void
glorot_uniform(float *w, size_t n, int fan_in, int fan_out, NnRng *rng)
{
    float limit = sqrtf(6.0f / (float)(fan_in + fan_out));
    for (size_t i = 0; i < n; i++)
        w[i] = nn_rng_range(rng, -limit, limit);
}

double
nn_model_flops(const NnModel *m, bool training)
{
    double forward = 0.0, backward = 0.0;
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        double f;
        if (l->kind == LAYER_CONV)
            f = 2.0 * l->conv.out_channels * nn_conv_k(&l->conv) * l->conv.out_height * l->conv.out_width;
        else if (l->kind == LAYER_DENSE)
            f = 2.0 * l->w_size;
        else
            continue;
        forward += f;
        backward += l->source < 0 ? f : 2 * f; /* weight gradient, and input gradient past the first */
    }
    return training ? forward + backward : forward;
}

NnStatus
nn_model_new(const NnModelConfig *config, uint64_t seed, NnModel **out, NnError *err)
{
    *out = NULL;
    NnStatus status = nn_model_config_check(config, err);
    if (status != NN_OK)
        return status;

    NnModel *m = calloc(1, sizeof *m);
    if (m == NULL)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory creating the model");
    m->config = *config;
    m->bn_momentum = BN_MOMENTUM;
    m->optimizer_state = true;
    m->temperature = 1.0f;
    build_table(m);
    lay_out(m);
    m->params = calloc(m->n_params, sizeof(float));
    m->buffers = calloc(m->n_buffers ? m->n_buffers : 1, sizeof(float));
    m->stats = calloc(m->n_stats ? m->n_stats : 1, sizeof(float));
    if (m->params == NULL || m->buffers == NULL || m->stats == NULL) {
        nn_model_free(m);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory creating the model");
    }
    point_layers(m);
    register_tensors(m);

    /* Weights in layer order from one stream (convolutions come first);
     * biases and beta 0, gamma and running variance 1. */
    NnRng rng = nn_rng_seed(seed);
    for (int i = 0; i < m->n_layers; i++) {
        Layer *l = &m->layers[i];
        if (l->kind == LAYER_CONV)
            glorot_uniform(l->weight, l->w_size, l->conv.in_channels * 9, l->conv.out_channels * 9, &rng);
        else if (l->kind == LAYER_DENSE)
            glorot_uniform(l->weight, l->w_size, (int)(l->w_size / (size_t)l->c), l->c, &rng);
        else if (l->kind == LAYER_BN_RELU)
            for (int c = 0; c < l->c; c++) {
                l->gamma[c] = 1.0f;
                l->running_var[c] = 1.0f;
            }
    }
    *out = m;
    return NN_OK;
}

static void
free_workspace(NnModel *m)
{
    free(m->act);
    free(m->bytes);
    free(m->grad_a);
    free(m->grad_b);
    free(m->scratch.base);
    free(m->caches);
    m->act = m->grad_a = m->grad_b = m->scratch.base = m->caches = NULL;
    m->bytes = NULL;
    m->capacity = 0;
    for (int i = 0; i < m->n_layers; i++)
        m->layers[i].cache = (NnConvCache){ NULL, false };
    point_layers(m);
}

void
nn_model_free(NnModel *model)
{
    if (model == NULL)
        return;
    free_workspace(model);
    free(model->params);
    free(model->grads);
    free(model->adam_m);
    free(model->adam_v);
    free(model->buffers);
    free(model->stats);
    free(model->trace_block);
    free(model);
}

static NnStatus
reserve(NnModel *m, int batch, bool training, NnError *err)
{
    if (batch <= 0)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "batch size must be positive, not %d", batch);
    if (batch <= m->capacity && m->threads == nn_get_threads() && (!training || m->grad_a != NULL))
        return NN_OK;
    if (batch < m->capacity)
        batch = m->capacity;
    free_workspace(m);

    size_t stride = 0, caches = 0;
    for (int i = 0; i < m->n_layers; i++) {
        Layer *l = &m->layers[i];
        if (l->kind != LAYER_CONV)
            continue;
        int chunk = CHUNK_PIXELS / (l->conv.out_height * l->conv.out_width);
        l->chunk = chunk < 1 ? 1 : chunk > batch ? batch : chunk;
        size_t need = nn_conv_scratch_floats(&l->conv, l->chunk);
        stride = need > stride ? need : stride;
        caches += nn_conv_cache_floats(&l->conv);
    }
    m->threads = nn_get_threads();
    stride = (stride + 15) & ~(size_t)15; /* 64-byte aligned per thread */
    m->scratch.stride = stride;
    bool ok = (m->act = malloc(m->act_per_image * batch * sizeof(float))) != NULL;
    ok &= (m->bytes = malloc(m->bytes_per_image * batch + 1)) != NULL;
    ok &= (m->scratch.base = aligned_alloc(64, stride * m->threads * sizeof(float))) != NULL;
    ok &= (m->caches = malloc((caches + 1) * sizeof(float))) != NULL;
    if (training) {
        ok &= (m->grad_a = malloc(m->largest_per_image * batch * sizeof(float))) != NULL;
        ok &= (m->grad_b = malloc(m->largest_per_image * batch * sizeof(float))) != NULL;
    }
    if (!ok) {
        free_workspace(m);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory for a batch of %d images", batch);
    }
    m->capacity = batch;
    point_layers(m);
    float *cache = m->caches;
    for (int i = 0; i < m->n_layers; i++) {
        Layer *l = &m->layers[i];
        if (l->kind != LAYER_CONV)
            continue;
        size_t n = nn_conv_cache_floats(&l->conv);
        l->cache = (NnConvCache){ n > 0 ? cache : NULL, false };
        cache += n;
    }
    return NN_OK;
}

NnStatus
nn_model_reserve(NnModel *m, int batch, NnError *err)
{
    return reserve(m, batch, m->grad_a != NULL, err);
}

NnStatus
nn_model_reserve_training(NnModel *m, int batch, NnError *err)
{
    if (m->grads == NULL) {
        m->grads = calloc(m->n_params, sizeof(float));
        m->adam_m = calloc(m->n_params, sizeof(float));
        m->adam_v = calloc(m->n_params, sizeof(float));
        if (m->grads == NULL || m->adam_m == NULL || m->adam_v == NULL) {
            free(m->grads);
            free(m->adam_m);
            free(m->adam_v);
            m->grads = m->adam_m = m->adam_v = NULL;
            return nn_error_set(err, NN_ERR_NOMEM, "out of memory for training");
        }
        point_layers(m);
        register_tensors(m);
    }
    return reserve(m, batch, true, err);
}

/* ---- accessors ------------------------------------------------------------- */

const NnModelConfig *nn_model_config(const NnModel *m) { return &m->config; }
int nn_model_tensor_count(const NnModel *m) { return m->n_tensors; }
size_t nn_model_param_count(const NnModel *m) { return m->n_params; }
uint64_t nn_model_step(const NnModel *m) { return m->step; }
void nn_model_set_step(NnModel *m, uint64_t step) { m->step = step; }
int nn_model_epochs_done(const NnModel *m) { return m->epochs_done; }
void nn_model_set_epochs_done(NnModel *m, int epochs) { m->epochs_done = epochs; }
bool nn_model_has_optimizer_state(const NnModel *m) { return m->optimizer_state; }
NnOptimizerKind nn_model_optimizer(const NnModel *m) { return m->optimizer; }
void nn_model_set_optimizer(NnModel *m, NnOptimizerKind kind) { m->optimizer = kind; }
void nn_model_set_optimizer_state(NnModel *m, bool present) { m->optimizer_state = present; }
float nn_model_temperature(const NnModel *m) { return m->temperature; }
const char *nn_model_recipe(const NnModel *m) { return m->recipe; }
float *nn_model_params(NnModel *m) { return m->params; }
float *nn_model_grads(NnModel *m) { return m->grads; }
float *nn_model_adam_m(NnModel *m) { return m->adam_m; }
float *nn_model_adam_v(NnModel *m) { return m->adam_v; }
float *nn_model_buffers(NnModel *m) { return m->buffers; }
size_t nn_model_buffer_count(const NnModel *m) { return m->n_buffers; }
const float *nn_model_last_probs(const NnModel *m) { return m->layers[m->n_layers - 1].out; }
const float *nn_model_last_logits(const NnModel *m) { return m->layers[m->n_layers - 2].out; }
void nn_model_set_bn_momentum(NnModel *m, float momentum) { m->bn_momentum = momentum; }
float nn_model_bn_momentum(const NnModel *m) { return m->bn_momentum; }

void
nn_model_set_temperature(NnModel *m, float temperature)
{
    m->temperature = temperature > 0.0f && isfinite(temperature) ? temperature : 1.0f;
}

void
nn_model_thresholds(const NnModel *m, float *sure, float *reject)
{
    bool set = nn_model_is_calibrated(m);
    *sure = set ? m->sure : NN_DEFAULT_SURE;
    *reject = set ? m->reject : NN_DEFAULT_REJECT;
}

void
nn_model_set_thresholds(NnModel *m, float sure, float reject)
{
    bool valid = sure > 0.0f && sure <= 1.0f && reject >= 0.0f && reject <= sure;
    m->sure = valid ? sure : 0.0f;
    m->reject = valid ? reject : 0.0f;
}

bool
nn_model_is_calibrated(const NnModel *m)
{
    return m->sure > 0.0f;
}

void
nn_model_set_recipe(NnModel *m, const char *recipe)
{
    snprintf(m->recipe, sizeof m->recipe, "%s", recipe != NULL ? recipe : "");
}

const NnTensor *
nn_model_tensor(const NnModel *m, int index)
{
    return index >= 0 && index < m->n_tensors ? &m->tensors[index] : NULL;
}

const NnTensor *
nn_model_find_tensor(const NnModel *m, const char *name)
{
    for (int i = 0; i < m->n_tensors; i++)
        if (strcmp(m->tensors[i].name, name) == 0)
            return &m->tensors[i];
    return NULL;
}

const char *
nn_padding_name(NnPadding padding)
{
    return padding == NN_PADDING_VALID ? "valid" : "same";
}

NnStatus
nn_padding_parse(const char *text, NnPadding *out, NnError *err)
{
    if (strcmp(text, "same") == 0)
        *out = NN_PADDING_SAME;
    else if (strcmp(text, "valid") == 0)
        *out = NN_PADDING_VALID;
    else
        return nn_error_set(err, NN_ERR_INVALID_ARG, "padding must be 'same' or 'valid', not '%s'", text);
    return NN_OK;
}

NnStatus
nn_model_copy_weights(NnModel *dst, const NnModel *src, NnError *err)
{
    if (!nn_model_config_equal(&dst->config, &src->config)) {
        char a[160], b[160];
        return nn_error_set(err, NN_ERR_ARCH, "cannot copy weights between different networks (%s; %s)",
                            nn_model_config_describe(&src->config, a, sizeof a),
                            nn_model_config_describe(&dst->config, b, sizeof b));
    }
    memcpy(dst->params, src->params, src->n_params * sizeof(float));
    memcpy(dst->buffers, src->buffers, src->n_buffers * sizeof(float));
    dst->step = src->step;
    dst->epochs_done = src->epochs_done;
    dst->temperature = src->temperature;
    dst->sure = src->sure;
    dst->reject = src->reject;
    memcpy(dst->recipe, src->recipe, sizeof dst->recipe);
    return NN_OK;
}

NnStatus
nn_model_clone(const NnModel *src, NnModel **out, NnError *err)
{
    NnStatus status = nn_model_new(&src->config, 0, out, err);
    if (status == NN_OK)
        nn_model_copy_weights(*out, src, NULL);
    return status;
}

/* ---- forward and backward -------------------------------------------------- */

static NnBnShape
act_shape(const NnModel *m, const Layer *l, int batch)
{
    NnBnShape s = { l->c, (size_t)l->in_h * l->in_w * batch, m->bn_momentum, BN_EPSILON };
    return s;
}

static NnBnOutput
act_output(const Layer *l, bool training)
{
    if (!l->pool)
        return (NnBnOutput){ .a = l->out };
    return (NnBnOutput){ NULL, l->out, training ? l->bytes : NULL, l->in_h, l->in_w };
}

static const float *
input_of(const NnModel *m, const Layer *l, const float *images)
{
    return l->source >= 0 ? m->layers[l->source].out : images;
}

float
nn_model_forward(NnModel *m, const float *images, const uint8_t *labels, int batch,
                 bool training, NnRng *rng, int *correct)
{
    assert(batch <= m->capacity);
    m->batch = batch;
    m->dropout = training && rng != NULL;
    float loss = 0.0f;

    for (int i = 0; i < m->n_layers; i++) {
        Layer *l = &m->layers[i];
        const float *x = input_of(m, l, images);
        switch (l->kind) {
        case LAYER_CONV:
            nn_conv_forward(&l->conv, x, l->weight, &l->cache, l->out, batch, l->chunk, m->scratch);
            break;
        case LAYER_DENSE:
            nn_dense_forward(x, l->weight, l->bias, l->out, l->in_c, l->c, batch);
            break;
        case LAYER_BN_RELU: {
            NnBnShape s = act_shape(m, l, batch);
            if (training)
                nn_bn_relu_forward_train(&s, x, l->gamma, l->beta, l->running_mean, l->running_var,
                                         l->save_mean, l->save_invstd, act_output(l, true));
            else
                nn_bn_relu_forward_eval(&s, x, l->gamma, l->beta, l->running_mean, l->running_var,
                                        act_output(l, false));
            break;
        }
        case LAYER_BIAS_RELU: {
            NnBnShape s = act_shape(m, l, batch);
            nn_bias_relu_forward(&s, x, l->bias, act_output(l, training));
            break;
        }
        case LAYER_DROPOUT:
            if (m->dropout)
                nn_dropout_forward(l->out, l->out_size * batch, l->rate, l->bytes, nn_rng_u64(rng));
            break;
        case LAYER_FLATTEN:
            nn_flatten_forward(x, l->in_c, batch, l->in_h * l->in_w, l->out);
            break;
        case LAYER_SOFTMAX:
            loss = nn_softmax_xent_forward_scaled(x, labels, NN_CLASSES, batch,
                                                  training ? 1.0f : 1.0f / m->temperature, l->out, correct);
            break;
        }
    }
    return loss;
}

void
nn_model_backward(NnModel *m, const float *images, const uint8_t *labels, int batch)
{
    assert(batch == m->batch && m->grad_a != NULL);
    float *g = m->grad_a, *h = m->grad_b, *tmp;
#define SWAP() (tmp = g, g = h, h = tmp)

    memset(m->grads, 0, m->n_params * sizeof(float));
    nn_softmax_xent_backward(m->layers[m->n_layers - 1].out, labels, NN_CLASSES, batch, g);

    for (int i = m->n_layers - 2; i >= 0; i--) {
        Layer *l = &m->layers[i];
        const float *x = input_of(m, l, images);
        switch (l->kind) {
        case LAYER_CONV:
            nn_conv_backward(&l->conv, x, l->weight, &l->cache, g, l->dweight, l->source >= 0 ? h : NULL, batch,
                             l->chunk, m->scratch);
            SWAP();
            break;
        case LAYER_DENSE:
            nn_dense_backward(x, l->weight, g, l->dweight, l->dbias, h, l->in_c, l->c, batch);
            SWAP();
            break;
        case LAYER_BN_RELU:
        case LAYER_BIAS_RELU: {
            if (l->pool) {
                nn_maxpool_backward(g, l->bytes, l->c * batch, l->in_h, l->in_w, h);
                SWAP();
            }
            NnBnShape s = act_shape(m, l, batch);
            if (l->kind == LAYER_BN_RELU)
                nn_bn_relu_backward(&s, x, g, l->gamma, l->beta, l->save_mean, l->save_invstd, l->dgamma,
                                    l->dbeta, g);
            else
                nn_bias_relu_backward(&s, x, g, l->bias, l->dbias, g);
            break;
        }
        case LAYER_DROPOUT:
            if (m->dropout)
                nn_dropout_backward(g, l->out_size * batch, l->rate, l->bytes);
            break;
        case LAYER_FLATTEN:
            nn_flatten_backward(g, l->in_c, batch, l->in_h * l->in_w, h);
            SWAP();
            break;
        case LAYER_SOFTMAX:
            break;
        }
    }
#undef SWAP
}

NnStatus
nn_model_predict(NnModel *m, const float *images, int n, float *probs, NnError *err)
{
    const int max_chunk = 128;
    NnStatus status = nn_model_reserve(m, m->capacity > 0 ? m->capacity : n < max_chunk ? n : max_chunk, err);
    if (status != NN_OK)
        return status;
    const float *out = m->layers[m->n_layers - 1].out;
    for (int start = 0; start < n; start += m->capacity) {
        int b = n - start < m->capacity ? n - start : m->capacity;
        nn_model_forward(m, images + (size_t)start * NN_IMAGE_PIXELS, NULL, b, false, NULL, NULL);
        for (int i = 0; i < b; i++)
            for (int k = 0; k < NN_CLASSES; k++)
                probs[(size_t)(start + i) * NN_CLASSES + k] = out[(size_t)k * b + i];
    }
    return NN_OK;
}

/* ---- layer outputs ------------------------------------------------------------ */

NnStatus
nn_model_trace(NnModel *m, const float image[NN_IMAGE_PIXELS], int *count, NnError *err)
{
    *count = 0;
    NnStatus status = nn_model_reserve(m, m->capacity > 0 ? m->capacity : 1, err);
    if (status != NN_OK)
        return status;
    if (m->trace_block == NULL) { /* the input, and every pooled layer's maps before pooling */
        size_t n = NN_IMAGE_PIXELS;
        for (int i = 0; i < m->n_layers; i++)
            if (m->layers[i].pool)
                n += (size_t)m->layers[i].in_c * m->layers[i].in_h * m->layers[i].in_w;
        if ((m->trace_block = malloc(n * sizeof(float))) == NULL)
            return nn_error_set(err, NN_ERR_NOMEM, "out of memory for the layer outputs");
    }
    memcpy(m->trace_block, image, sizeof(float) * NN_IMAGE_PIXELS);
    nn_model_forward(m, m->trace_block, NULL, 1, false, NULL, NULL);

    m->n_activations = 0;
    float *pre = m->trace_block + NN_IMAGE_PIXELS;
#define ADD(kind_, name_, c_, h_, w_, data_)                                                        \
    do {                                                                                            \
        NnActivation *a = &m->activations[m->n_activations++];                                      \
        a->kind = kind_;                                                                            \
        snprintf(a->name, sizeof a->name, "%s", name_);                                             \
        a->channels = c_;                                                                           \
        a->height = h_;                                                                             \
        a->width = w_;                                                                              \
        a->data = data_;                                                                            \
    } while (0)
    ADD(NN_ACT_INPUT, "input", 1, NN_IMAGE_SIDE, NN_IMAGE_SIDE, m->trace_block);
    int conv = 0, pool = 0, dense = 0;
    for (int i = 0; i < m->n_layers && m->n_activations < MAX_ACTIVATIONS - 1; i++) {
        const Layer *l = &m->layers[i];
        char name[16];
        if (l->kind == LAYER_BN_RELU || l->kind == LAYER_BIAS_RELU) {
            const Layer *src = &m->layers[l->source];
            if (src->kind == LAYER_DENSE) {
                snprintf(name, sizeof name, "dense%d", ++dense);
                ADD(NN_ACT_DENSE, name, l->c, 1, 1, l->out);
                continue;
            }
            snprintf(name, sizeof name, "conv%d", ++conv);
            if (!l->pool) {
                ADD(NN_ACT_CONV, name, l->c, l->h, l->w, l->out);
                continue;
            }
            /* The maps before pooling, which the fused forward does not keep. */
            NnBnShape s = act_shape(m, l, 1);
            NnBnOutput full = { .a = pre };
            if (l->kind == LAYER_BN_RELU)
                nn_bn_relu_forward_eval(&s, src->out, l->gamma, l->beta, l->running_mean, l->running_var, full);
            else
                nn_bias_relu_forward(&s, src->out, l->bias, full);
            ADD(NN_ACT_CONV, name, l->in_c, l->in_h, l->in_w, pre);
            pre += (size_t)l->in_c * l->in_h * l->in_w;
            snprintf(name, sizeof name, "pool%d", ++pool);
            ADD(NN_ACT_POOL, name, l->c, l->h, l->w, l->out);
        } else if (l->kind == LAYER_SOFTMAX) {
            ADD(NN_ACT_LOGITS, "logits", NN_CLASSES, 1, 1, m->layers[l->source].out);
            ADD(NN_ACT_PROBS, "probs", NN_CLASSES, 1, 1, l->out);
        }
    }
#undef ADD
    *count = m->n_activations;
    return NN_OK;
}

const NnActivation *
nn_model_activation(const NnModel *m, int index)
{
    return index >= 0 && index < m->n_activations ? &m->activations[index] : NULL;
}
