#include "model.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "layers.h"

#define N_CONV 4
#define N_BN 5          /* one after each convolution, one after dense1 */
#define DENSE_UNITS 128
#define BN_MOMENTUM 0.99f
#define BN_EPSILON 1e-3f
#define DROPOUT_CONV 0.25f
#define DROPOUT_DENSE 0.5f
#define MAX_TENSORS 32
/* A convolution runs in chunks of images (one im2col + GEMM, or Winograd's
 * transforms and GEMMs, each), spread over the threads: chunks of about this
 * many output pixels (one 28x28 image, four 14x14 ones) keep each thread's
 * matrices in cache; larger and smaller ones measured slower. */
#define CHUNK_PIXELS 784

static const int conv_filters[N_CONV] = { 32, 32, 64, 64 };

typedef struct {
    float *gamma, *beta, *dgamma, *dbeta;
    float *running_mean, *running_var;
    float save_mean[DENSE_UNITS], save_invstd[DENSE_UNITS]; /* batch statistics */
    int channels;
} BnLayer;

struct NnModel {
    NnModelConfig config;
    NnConvShape conv[N_CONV];
    int flatten;            /* 64 * pooled H * W */
    int pooled_hw[2];       /* spatial size after each pooling */

    /* Parameters: one block, gradients and Adam moments in blocks of the same
     * layout; BN running statistics in a block of their own. */
    size_t n_params, n_buffers;
    float *params, *grads, *adam_m, *adam_v, *buffers;
    float *conv_w[N_CONV], *conv_dw[N_CONV];
    float *dense1_w, *dense1_dw, *dense2_w, *dense2_dw, *dense2_b, *dense2_db;
    BnLayer bn[N_BN];

    NnTensor tensors[MAX_TENSORS];
    int n_tensors;
    char names[MAX_TENSORS][32];

    uint64_t step;
    int epochs_done;
    bool optimizer_state;
    float bn_momentum;

    /* Workspace for batches of up to `capacity` images. */
    int capacity;
    float *z[N_CONV], *a[N_CONV];  /* conv outputs before/after BN-ReLU (a: unpooled layers only) */
    float *pool[2];                /* after each max-pool (dropout in place) */
    uint8_t *argmax[2], *mask[3];  /* pool winners; dropout masks */
    float *flat, *z5, *a5, *logits, *probs;
    float *grad_a, *grad_b;        /* ping-pong buffers for backward */
    NnScratch scratch;             /* per-thread im2col / Winograd matrices and partial sums */
    NnConvCache conv_cache[N_CONV];/* Winograd layers' transformed weights */
    int threads;                   /* the thread count the scratch was made for */
    int chunk[N_CONV];
    int batch;                     /* size of the last forward */
    bool dropout;                  /* whether it applied dropout */
};

/* ---- construction ---------------------------------------------------------- */

static void
add_tensor(NnModel *m, const char *name, int ndim, const int *dims, float *data, float *grad,
           size_t adam_offset)
{
    assert(m->n_tensors < MAX_TENSORS);
    NnTensor *t = &m->tensors[m->n_tensors];
    snprintf(m->names[m->n_tensors], sizeof m->names[0], "%s", name);
    t->name = m->names[m->n_tensors];
    t->ndim = ndim;
    t->size = 1;
    for (int i = 0; i < 4; i++) {
        t->dims[i] = i < ndim ? dims[i] : 1;
        if (i < ndim)
            t->size *= (size_t)dims[i];
    }
    t->data = data;
    t->grad = grad;
    t->adam_m = grad != NULL ? m->adam_m + adam_offset : NULL;
    t->adam_v = grad != NULL ? m->adam_v + adam_offset : NULL;
    m->n_tensors++;
}

/* Lays out the parameter and buffer blocks and registers the tensors in file
 * order. With the blocks NULL, only counts (first pass). */
static void
layout(NnModel *m)
{
    size_t p = 0, q = 0;
    char name[32];
    m->n_tensors = 0;

#define PARAM(ptr, gptr, count) \
    do { ptr = m->params ? m->params + p : NULL; gptr = m->grads ? m->grads + p : NULL; p += (count); } while (0)

    for (int i = 0; i < N_CONV; i++) {
        const NnConvShape *s = &m->conv[i];
        size_t off = p;
        PARAM(m->conv_w[i], m->conv_dw[i], (size_t)s->out_channels * nn_conv_k(s));
        snprintf(name, sizeof name, "conv%d.weight", i + 1);
        int dims[4] = { s->out_channels, s->in_channels, 3, 3 };
        if (m->params)
            add_tensor(m, name, 4, dims, m->conv_w[i], m->conv_dw[i], off);

        BnLayer *bn = &m->bn[i];
        bn->channels = s->out_channels;
        size_t goff = p;
        PARAM(bn->gamma, bn->dgamma, bn->channels);
        size_t boff = p;
        PARAM(bn->beta, bn->dbeta, bn->channels);
        if (m->params) {
            snprintf(name, sizeof name, "bn%d.gamma", i + 1);
            add_tensor(m, name, 1, &bn->channels, bn->gamma, bn->dgamma, goff);
            snprintf(name, sizeof name, "bn%d.beta", i + 1);
            add_tensor(m, name, 1, &bn->channels, bn->beta, bn->dbeta, boff);
        }
    }

    size_t off = p;
    PARAM(m->dense1_w, m->dense1_dw, (size_t)DENSE_UNITS * m->flatten);
    if (m->params)
        add_tensor(m, "dense1.weight", 2, (int[]){ DENSE_UNITS, m->flatten }, m->dense1_w, m->dense1_dw, off);
    BnLayer *bn5 = &m->bn[4];
    bn5->channels = DENSE_UNITS;
    size_t goff = p;
    PARAM(bn5->gamma, bn5->dgamma, DENSE_UNITS);
    size_t boff = p;
    PARAM(bn5->beta, bn5->dbeta, DENSE_UNITS);
    if (m->params) {
        add_tensor(m, "bn5.gamma", 1, (int[]){ DENSE_UNITS }, bn5->gamma, bn5->dgamma, goff);
        add_tensor(m, "bn5.beta", 1, (int[]){ DENSE_UNITS }, bn5->beta, bn5->dbeta, boff);
    }
    off = p;
    PARAM(m->dense2_w, m->dense2_dw, (size_t)NN_CLASSES * DENSE_UNITS);
    if (m->params)
        add_tensor(m, "dense2.weight", 2, (int[]){ NN_CLASSES, DENSE_UNITS }, m->dense2_w, m->dense2_dw, off);
    off = p;
    PARAM(m->dense2_b, m->dense2_db, NN_CLASSES);
    if (m->params)
        add_tensor(m, "dense2.bias", 1, (int[]){ NN_CLASSES }, m->dense2_b, m->dense2_db, off);
#undef PARAM

    for (int i = 0; i < N_BN; i++) {
        BnLayer *bn = &m->bn[i];
        bn->running_mean = m->buffers ? m->buffers + q : NULL;
        q += bn->channels;
        bn->running_var = m->buffers ? m->buffers + q : NULL;
        q += bn->channels;
        if (m->buffers) {
            snprintf(name, sizeof name, "bn%d.running_mean", i + 1);
            add_tensor(m, name, 1, &bn->channels, bn->running_mean, NULL, 0);
            snprintf(name, sizeof name, "bn%d.running_var", i + 1);
            add_tensor(m, name, 1, &bn->channels, bn->running_var, NULL, 0);
        }
    }
    m->n_params = p;
    m->n_buffers = q;
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
    for (int i = 0; i < N_CONV; i++) {
        const NnConvShape *s = &m->conv[i];
        double f = 2.0 * s->out_channels * nn_conv_k(s) * s->out_height * s->out_width;
        forward += f;
        backward += i == 0 ? f : 2 * f; /* weight gradient, and input gradient after conv1 */
    }
    double dense = 2.0 * DENSE_UNITS * m->flatten + 2.0 * NN_CLASSES * DENSE_UNITS;
    forward += dense;
    backward += 2 * dense;
    return training ? forward + backward : forward;
}

int
nn_model_flatten_size(const NnModelConfig *config)
{
    int side = NN_IMAGE_SIDE;
    for (int block = 0; block < 2; block++) {
        if (config->padding == NN_PADDING_VALID)
            side -= 4;
        side /= 2;
    }
    return conv_filters[N_CONV - 1] * side * side;
}

NnStatus
nn_model_new(const NnModelConfig *config, uint64_t seed, NnModel **out, NnError *err)
{
    *out = NULL;
    if (config->padding != NN_PADDING_SAME && config->padding != NN_PADDING_VALID)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "unknown padding %d", (int)config->padding);

    NnModel *m = calloc(1, sizeof *m);
    if (m == NULL)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory creating the model");
    m->config = *config;
    m->bn_momentum = BN_MOMENTUM;
    m->optimizer_state = true;

    int pad = config->padding == NN_PADDING_SAME ? 1 : 0;
    int side = NN_IMAGE_SIDE, channels = 1;
    for (int i = 0; i < N_CONV; i++) {
        m->conv[i] = nn_conv_shape(channels, conv_filters[i], side, side, pad);
        side = m->conv[i].out_height;
        channels = conv_filters[i];
        if (i % 2 == 1) {
            side /= 2;
            m->pooled_hw[i / 2] = side * side;
        }
    }
    m->flatten = nn_model_flatten_size(config);
    assert(m->flatten == channels * side * side);

    layout(m); /* count */
    m->params = calloc(m->n_params, sizeof(float));
    m->grads = calloc(m->n_params, sizeof(float));
    m->adam_m = calloc(m->n_params, sizeof(float));
    m->adam_v = calloc(m->n_params, sizeof(float));
    m->buffers = calloc(m->n_buffers, sizeof(float));
    if (!m->params || !m->grads || !m->adam_m || !m->adam_v || !m->buffers) {
        nn_model_free(m);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory creating the model");
    }
    layout(m); /* point */

    NnRng rng = nn_rng_seed(seed);
    for (int i = 0; i < N_CONV; i++) {
        const NnConvShape *s = &m->conv[i];
        glorot_uniform(m->conv_w[i], (size_t)s->out_channels * nn_conv_k(s),
                       s->in_channels * 9, s->out_channels * 9, &rng);
    }
    glorot_uniform(m->dense1_w, (size_t)DENSE_UNITS * m->flatten, m->flatten, DENSE_UNITS, &rng);
    glorot_uniform(m->dense2_w, (size_t)NN_CLASSES * DENSE_UNITS, DENSE_UNITS, NN_CLASSES, &rng);
    for (int i = 0; i < N_BN; i++)
        for (int c = 0; c < m->bn[i].channels; c++) {
            m->bn[i].gamma[c] = 1.0f;
            m->bn[i].running_var[c] = 1.0f;
        }
    *out = m;
    return NN_OK;
}

static void
free_workspace(NnModel *m)
{
    for (int i = 0; i < N_CONV; i++) {
        free(m->z[i]);
        free(m->a[i]);
        m->z[i] = m->a[i] = NULL;
    }
    for (int i = 0; i < 2; i++) {
        free(m->pool[i]);
        free(m->argmax[i]);
        m->pool[i] = NULL;
        m->argmax[i] = NULL;
    }
    for (int i = 0; i < 3; i++) {
        free(m->mask[i]);
        m->mask[i] = NULL;
    }
    free(m->flat);
    free(m->z5);
    free(m->a5);
    free(m->logits);
    free(m->probs);
    free(m->grad_a);
    free(m->grad_b);
    free(m->scratch.base);
    for (int i = 0; i < N_CONV; i++) {
        free(m->conv_cache[i].floats);
        m->conv_cache[i] = (NnConvCache){ NULL, false };
    }
    m->flat = m->z5 = m->a5 = m->logits = m->probs = NULL;
    m->grad_a = m->grad_b = m->scratch.base = NULL;
    m->capacity = 0;
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
    free(model);
}

NnStatus
nn_model_reserve(NnModel *m, int batch, NnError *err)
{
    if (batch <= 0)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "batch size must be positive, not %d", batch);
    if (batch <= m->capacity && m->threads == nn_get_threads())
        return NN_OK;
    if (batch < m->capacity)
        batch = m->capacity;
    free_workspace(m);

    size_t largest = 0, stride = 0;
    bool ok = true;
    for (int i = 0; i < N_CONV; i++) {
        const NnConvShape *s = &m->conv[i];
        size_t n = (size_t)s->out_channels * batch * s->out_height * s->out_width;
        size_t in = (size_t)s->in_channels * batch * s->height * s->width;
        largest = n > largest ? n : largest;
        largest = in > largest ? in : largest;
        ok &= (m->z[i] = malloc(n * sizeof(float))) != NULL;
        if (i % 2 == 0) /* the pooled layers keep only their pooled output */
            ok &= (m->a[i] = malloc(n * sizeof(float))) != NULL;
        int chunk = CHUNK_PIXELS / (s->out_height * s->out_width);
        m->chunk[i] = chunk < 1 ? 1 : chunk > batch ? batch : chunk;
        size_t need = nn_conv_scratch_floats(s, m->chunk[i]);
        size_t cache = nn_conv_cache_floats(s);
        if (cache > 0)
            ok &= (m->conv_cache[i].floats = malloc(cache * sizeof(float))) != NULL;
        stride = need > stride ? need : stride;
    }
    for (int i = 0; i < 2; i++) {
        size_t n = (size_t)m->conv[2 * i + 1].out_channels * batch * m->pooled_hw[i];
        ok &= (m->pool[i] = malloc(n * sizeof(float))) != NULL;
        ok &= (m->argmax[i] = malloc(n)) != NULL;
        ok &= (m->mask[i] = malloc(n)) != NULL;
    }
    size_t flat = (size_t)m->flatten * batch, dense = (size_t)DENSE_UNITS * batch;
    largest = flat > largest ? flat : largest;
    ok &= (m->mask[2] = malloc(dense)) != NULL;
    ok &= (m->flat = malloc(flat * sizeof(float))) != NULL;
    ok &= (m->z5 = malloc(dense * sizeof(float))) != NULL;
    ok &= (m->a5 = malloc(dense * sizeof(float))) != NULL;
    ok &= (m->logits = malloc((size_t)NN_CLASSES * batch * sizeof(float))) != NULL;
    ok &= (m->probs = malloc((size_t)NN_CLASSES * batch * sizeof(float))) != NULL;
    ok &= (m->grad_a = malloc(largest * sizeof(float))) != NULL;
    ok &= (m->grad_b = malloc(largest * sizeof(float))) != NULL;
    m->threads = nn_get_threads();
    stride = (stride + 15) & ~(size_t)15; /* 64-byte aligned per thread */
    m->scratch.stride = stride;
    ok &= (m->scratch.base = aligned_alloc(64, stride * m->threads * sizeof(float))) != NULL;
    if (!ok) {
        free_workspace(m);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory for a batch of %d images", batch);
    }
    m->capacity = batch;
    return NN_OK;
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
void nn_model_set_optimizer_state(NnModel *m, bool present) { m->optimizer_state = present; }
float *nn_model_params(NnModel *m) { return m->params; }
float *nn_model_grads(NnModel *m) { return m->grads; }
float *nn_model_adam_m(NnModel *m) { return m->adam_m; }
float *nn_model_adam_v(NnModel *m) { return m->adam_v; }
const float *nn_model_last_probs(const NnModel *m) { return m->probs; }
void nn_model_set_bn_momentum(NnModel *m, float momentum) { m->bn_momentum = momentum; }
float nn_model_bn_momentum(const NnModel *m) { return m->bn_momentum; }

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
    if (dst->config.padding != src->config.padding)
        return nn_error_set(err, NN_ERR_ARCH, "cannot copy weights between '%s' and '%s' padding models",
                            nn_padding_name(src->config.padding), nn_padding_name(dst->config.padding));
    memcpy(dst->params, src->params, src->n_params * sizeof(float));
    memcpy(dst->buffers, src->buffers, src->n_buffers * sizeof(float));
    dst->step = src->step;
    dst->epochs_done = src->epochs_done;
    return NN_OK;
}

/* ---- forward and backward -------------------------------------------------- */

static NnBnShape
bn_shape(const NnModel *m, int i, int batch)
{
    size_t spatial = i < N_CONV ? (size_t)m->conv[i].out_height * m->conv[i].out_width : 1;
    NnBnShape s = { m->bn[i].channels, spatial * batch, m->bn_momentum, BN_EPSILON };
    return s;
}

static void
bn_relu_forward(NnModel *m, int i, int batch, bool training, const float *z, NnBnOutput out)
{
    BnLayer *bn = &m->bn[i];
    NnBnShape s = bn_shape(m, i, batch);
    if (training)
        nn_bn_relu_forward_train(&s, z, bn->gamma, bn->beta, bn->running_mean, bn->running_var,
                                 bn->save_mean, bn->save_invstd, out);
    else
        nn_bn_relu_forward_eval(&s, z, bn->gamma, bn->beta, bn->running_mean, bn->running_var, out);
}

float
nn_model_forward(NnModel *m, const float *images, const uint8_t *labels, int batch,
                 bool training, NnRng *rng, int *correct)
{
    assert(batch <= m->capacity);
    m->batch = batch;
    m->dropout = training && rng != NULL;

    /* The input batch [b][784] is already CNHW with one channel. */
    const float *x = images;
    for (int i = 0; i < N_CONV; i++) {
        const NnConvShape *s = &m->conv[i];
        nn_conv_forward(s, x, m->conv_w[i], &m->conv_cache[i], m->z[i], batch, m->chunk[i], m->scratch);
        if (i % 2 == 0) {
            bn_relu_forward(m, i, batch, training, m->z[i], (NnBnOutput){ .a = m->a[i] });
            x = m->a[i];
        } else { /* BN-ReLU and max-pooling in one pass: only the pooled values are kept */
            int p = i / 2;
            NnBnOutput pooled = { NULL, m->pool[p], training ? m->argmax[p] : NULL, s->out_height, s->out_width };
            bn_relu_forward(m, i, batch, training, m->z[i], pooled);
            if (m->dropout)
                nn_dropout_forward(m->pool[p], (size_t)s->out_channels * batch * m->pooled_hw[p],
                                   DROPOUT_CONV, m->mask[p], nn_rng_u64(rng));
            x = m->pool[p];
        }
    }
    nn_flatten_forward(x, m->conv[N_CONV - 1].out_channels, batch, m->pooled_hw[1], m->flat);
    nn_dense_forward(m->flat, m->dense1_w, NULL, m->z5, m->flatten, DENSE_UNITS, batch);
    bn_relu_forward(m, 4, batch, training, m->z5, (NnBnOutput){ .a = m->a5 });
    if (m->dropout)
        nn_dropout_forward(m->a5, (size_t)DENSE_UNITS * batch, DROPOUT_DENSE, m->mask[2], nn_rng_u64(rng));
    nn_dense_forward(m->a5, m->dense2_w, m->dense2_b, m->logits, DENSE_UNITS, NN_CLASSES, batch);
    return nn_softmax_xent_forward(m->logits, labels, NN_CLASSES, batch, m->probs, correct);
}

static void
bn_relu_backward(NnModel *m, int i, int batch, const float *z, float *grad)
{
    BnLayer *bn = &m->bn[i];
    NnBnShape s = bn_shape(m, i, batch);
    nn_bn_relu_backward(&s, z, grad, bn->gamma, bn->beta, bn->save_mean, bn->save_invstd,
                        bn->dgamma, bn->dbeta, grad);
}

void
nn_model_backward(NnModel *m, const float *images, const uint8_t *labels, int batch)
{
    assert(batch == m->batch);
    float *g = m->grad_a, *h = m->grad_b, *tmp;
#define SWAP() (tmp = g, g = h, h = tmp)

    memset(m->grads, 0, m->n_params * sizeof(float));

    nn_softmax_xent_backward(m->probs, labels, NN_CLASSES, batch, g);
    nn_dense_backward(m->a5, m->dense2_w, g, m->dense2_dw, m->dense2_db, h,
                      DENSE_UNITS, NN_CLASSES, batch);
    SWAP();
    if (m->dropout)
        nn_dropout_backward(g, (size_t)DENSE_UNITS * batch, DROPOUT_DENSE, m->mask[2]);
    bn_relu_backward(m, 4, batch, m->z5, g);
    nn_dense_backward(m->flat, m->dense1_w, g, m->dense1_dw, NULL, h, m->flatten, DENSE_UNITS, batch);
    SWAP();
    nn_flatten_backward(g, m->conv[N_CONV - 1].out_channels, batch, m->pooled_hw[1], h);
    SWAP();

    for (int i = N_CONV - 1; i >= 0; i--) {
        const NnConvShape *s = &m->conv[i];
        if (i % 2 == 1) {
            int p = i / 2;
            if (m->dropout)
                nn_dropout_backward(g, (size_t)s->out_channels * batch * m->pooled_hw[p],
                                    DROPOUT_CONV, m->mask[p]);
            nn_maxpool_backward(g, m->argmax[p], s->out_channels * batch,
                                s->out_height, s->out_width, h);
            SWAP();
        }
        bn_relu_backward(m, i, batch, m->z[i], g);
        const float *x = i == 0 ? images : i == 2 ? m->pool[0] : m->a[i - 1];
        nn_conv_backward(s, x, m->conv_w[i], &m->conv_cache[i], g, m->conv_dw[i], i > 0 ? h : NULL,
                         batch, m->chunk[i], m->scratch);
        SWAP();
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
    for (int start = 0; start < n; start += m->capacity) {
        int b = n - start < m->capacity ? n - start : m->capacity;
        nn_model_forward(m, images + (size_t)start * NN_IMAGE_PIXELS, NULL, b, false, NULL, NULL);
        for (int i = 0; i < b; i++)
            for (int k = 0; k < NN_CLASSES; k++)
                probs[(size_t)(start + i) * NN_CLASSES + k] = m->probs[(size_t)k * b + i];
    }
    return NN_OK;
}
