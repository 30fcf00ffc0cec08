/* Model files: see docs/model-format.md for the byte-level description.
 *
 * A file is a fixed header (80 bytes in version 1, 128 in version 2), a
 * sequence of named records (float32 tensors; in version 2 also UTF-8 text),
 * and a CRC-32 of everything before it. Version 1 holds the paper's network
 * with either padding; version 2 holds the whole NnModelConfig, the softmax
 * temperature and the optimizer kind. This build writes version 2 and reads
 * both.
 *
 * Loading reads the whole (small) file; check_header looks at size, magic,
 * version, byte order, checksum and the network before any record;
 * read_record checks every record's name and shape against that network
 * before copying a single number; check_complete makes sure nothing is
 * missing. One FileHeader struct is encoded and decoded by
 * header_encode/header_decode, for both versions. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fileio.h"
#include "model.h"

#define MAGIC "DIGITLAB"
#define FORMAT_VERSION 2u
#define V1_HEADER_SIZE 80u
#define V2_HEADER_SIZE 128u
#define ENDIAN_MARK 0x01020304u
#define FLAG_OPTIMIZER 1u
#define FLAG_BATCH_NORM 2u
#define DTYPE_F32 0u
#define DTYPE_TEXT 1u
#define MAX_FILE_SIZE (64u << 20)
#define MAX_NAME 63
#define MAX_TEXT 1023
#define RECIPE_RECORD "meta.recipe"
/* Header values beyond these come from a damaged or forged file, not from
 * training: a million epochs, or 2^40 optimizer steps (batch 1 on all of
 * MNIST for 18 million epochs). */
#define MAX_EPOCHS_DONE 1000000u
#define MAX_STEP ((uint64_t)1 << 40)


/* The header, whichever version; v1 files leave the v2-only fields at the
 * values a v1 file implies. */
typedef struct {
    uint32_t version, endian_mark, header_size;
    uint32_t padding, input_height, input_width, input_channels, classes;
    uint32_t blocks, convs_per_block, filters[NN_MAX_BLOCKS], dense;
    uint32_t flags;
    float dropout_conv, dropout_dense, temperature, sure, reject;
    uint32_t tensor_count, epochs_done, optimizer;
    uint64_t step;
} FileHeader;

/* ---- little-endian byte buffers ------------------------------------------------ */

typedef struct {
    unsigned char *data;
    size_t size, cap;
    bool failed;
} Buf;

static void
buf_put(Buf *b, const void *p, size_t n)
{
    if (b->failed)
        return;
    if (b->size + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1 << 16;
        while (cap < b->size + n)
            cap *= 2;
        unsigned char *d = realloc(b->data, cap);
        if (d == NULL) {
            b->failed = true;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->size, p, n);
    b->size += n;
}

static void
buf_u32(Buf *b, uint32_t v)
{
    unsigned char le[4] = { v, v >> 8, v >> 16, v >> 24 };
    buf_put(b, le, 4);
}

static uint32_t
f32_bits(float x)
{
    uint32_t bits;
    memcpy(&bits, &x, 4);
    return bits;
}

static float
bits_f32(uint32_t bits)
{
    float x;
    memcpy(&x, &bits, 4);
    return x;
}

static void
buf_floats(Buf *b, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf_u32(b, f32_bits(x[i]));
}

static uint32_t
le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- the header ------------------------------------------------------------------- */

static void
header_encode(Buf *b, const FileHeader *h)
{
    buf_put(b, MAGIC, 8);
    const uint32_t fields[] = {
        h->version, h->endian_mark, h->header_size, h->padding, h->input_height, h->input_width,
        h->input_channels, h->classes, h->blocks, h->convs_per_block, h->filters[0], h->filters[1],
        h->filters[2], h->dense, h->flags, f32_bits(h->dropout_conv), f32_bits(h->dropout_dense),
        f32_bits(h->temperature), h->tensor_count, h->epochs_done, (uint32_t)h->step,
        (uint32_t)(h->step >> 32), h->optimizer, f32_bits(h->sure), f32_bits(h->reject),
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        buf_u32(b, fields[i]);
    while (!b->failed && b->size < V2_HEADER_SIZE) /* reserved: zero */
        buf_u32(b, 0);
}

/* Decodes the first header_size bytes (the caller checked there are that
 * many, and the version). */
static void
header_decode(const unsigned char *d, FileHeader *h)
{
    memset(h, 0, sizeof *h);
    h->version = le32(d + 8);
    h->endian_mark = le32(d + 12);
    h->header_size = le32(d + 16);
    h->padding = le32(d + 20);
    h->input_height = le32(d + 24);
    h->input_width = le32(d + 28);
    h->input_channels = le32(d + 32);
    h->classes = le32(d + 36);
    if (h->version == 1) {
        /* The paper's network, the filters and dense units stored for
         * recognising files of other networks. */
        h->blocks = 2;
        h->convs_per_block = 2;
        h->filters[0] = le32(d + 40);
        h->filters[1] = le32(d + 44);
        h->dense = le32(d + 48);
        h->tensor_count = le32(d + 52);
        h->flags = (le32(d + 56) & FLAG_OPTIMIZER) | FLAG_BATCH_NORM;
        h->epochs_done = le32(d + 60);
        h->step = le32(d + 64) | (uint64_t)le32(d + 68) << 32;
        h->dropout_conv = 0.25f;
        h->dropout_dense = 0.5f;
        h->temperature = 1.0f;
        h->optimizer = NN_OPTIMIZER_ADAM;
        return;
    }
    h->blocks = le32(d + 40);
    h->convs_per_block = le32(d + 44);
    for (int i = 0; i < NN_MAX_BLOCKS; i++)
        h->filters[i] = le32(d + 48 + 4 * i);
    h->dense = le32(d + 60);
    h->flags = le32(d + 64);
    h->dropout_conv = bits_f32(le32(d + 68));
    h->dropout_dense = bits_f32(le32(d + 72));
    h->temperature = bits_f32(le32(d + 76));
    h->tensor_count = le32(d + 80);
    h->epochs_done = le32(d + 84);
    h->step = le32(d + 88) | (uint64_t)le32(d + 92) << 32;
    h->optimizer = le32(d + 96);
    h->sure = bits_f32(le32(d + 100));
    h->reject = bits_f32(le32(d + 104));
}

static NnModelConfig
header_config(const FileHeader *h)
{
    NnModelConfig c = {
        .padding = h->padding == 1 ? NN_PADDING_VALID : NN_PADDING_SAME,
        .blocks = (int)h->blocks,
        .convs_per_block = (int)h->convs_per_block,
        .dense = (int)h->dense,
        .batch_norm = (h->flags & FLAG_BATCH_NORM) != 0,
        .dropout_conv = h->dropout_conv,
        .dropout_dense = h->dropout_dense,
    };
    for (int i = 0; i < NN_MAX_BLOCKS; i++)
        c.filters[i] = h->filters[i] > 4096 ? 4096 : (int)h->filters[i];
    return c;
}

/* ---- saving ------------------------------------------------------------------------- */

static void
put_record_head(Buf *b, const char *name, const char *suffix, int ndim, const int *dims, uint32_t dtype)
{
    char full[MAX_NAME + 1];
    snprintf(full, sizeof full, "%s%s", name, suffix);
    buf_u32(b, (uint32_t)strlen(full));
    buf_put(b, full, strlen(full));
    buf_u32(b, (uint32_t)ndim);
    for (int i = 0; i < ndim; i++)
        buf_u32(b, (uint32_t)dims[i]);
    buf_u32(b, dtype);
}

static void
put_tensor(Buf *b, const char *suffix, const NnTensor *t, const float *data)
{
    put_record_head(b, t->name, suffix, t->ndim, t->dims, DTYPE_F32);
    buf_floats(b, data, t->size);
}

NnStatus
nn_model_save(const NnModel *model, const char *path, int with_optimizer, NnError *err)
{
    const NnModelConfig *config = nn_model_config(model);
    const int n = nn_model_tensor_count(model);
    const char *recipe = nn_model_recipe(model);
    int trainable = 0;
    for (int i = 0; i < n; i++)
        trainable += nn_model_tensor(model, i)->trainable;
    /* Without optimizer arrays (a model never trained here) there is no
     * optimizer state to save. */
    with_optimizer = with_optimizer && nn_model_tensor(model, 0)->adam_m != NULL;

    FileHeader h = {
        .version = FORMAT_VERSION,
        .endian_mark = ENDIAN_MARK,
        .header_size = V2_HEADER_SIZE,
        .padding = config->padding == NN_PADDING_VALID ? 1 : 0,
        .input_height = NN_IMAGE_SIDE,
        .input_width = NN_IMAGE_SIDE,
        .input_channels = 1,
        .classes = NN_CLASSES,
        .blocks = (uint32_t)config->blocks,
        .convs_per_block = (uint32_t)config->convs_per_block,
        .dense = (uint32_t)config->dense,
        .flags = (with_optimizer ? FLAG_OPTIMIZER : 0) | (config->batch_norm ? FLAG_BATCH_NORM : 0),
        .dropout_conv = config->dropout_conv,
        .dropout_dense = config->dropout_dense,
        .temperature = nn_model_temperature(model),
        .tensor_count = (uint32_t)(n + (with_optimizer ? 2 * trainable : 0) + (recipe[0] != '\0')),
        .epochs_done = (uint32_t)nn_model_epochs_done(model),
        .step = nn_model_step(model),
        .optimizer = (uint32_t)nn_model_optimizer(model),
    };
    for (int i = 0; i < NN_MAX_BLOCKS; i++)
        h.filters[i] = (uint32_t)config->filters[i];
    if (nn_model_is_calibrated(model))
        nn_model_thresholds(model, &h.sure, &h.reject);

    Buf b = { 0 };
    header_encode(&b, &h);
    for (int i = 0; i < n; i++) {
        const NnTensor *t = nn_model_tensor(model, i);
        put_tensor(&b, "", t, t->data);
    }
    if (with_optimizer)
        for (int i = 0; i < n; i++) {
            const NnTensor *t = nn_model_tensor(model, i);
            if (!t->trainable)
                continue;
            put_tensor(&b, ".adam_m", t, t->adam_m);
            put_tensor(&b, ".adam_v", t, t->adam_v);
        }
    if (recipe[0] != '\0') {
        int length = (int)strlen(recipe);
        put_record_head(&b, RECIPE_RECORD, "", 1, &length, DTYPE_TEXT);
        buf_put(&b, recipe, (size_t)length);
    }
    buf_u32(&b, (uint32_t)crc32(0L, b.data, (uInt)b.size));

    NnStatus status = b.failed ? nn_error_set(err, NN_ERR_NOMEM, "out of memory saving %s", path)
                               : nn_file_replace(path, b.data, b.size, err);
    free(b.data);
    return status;
}

/* ---- loading ------------------------------------------------------------------------ */

typedef struct {
    const unsigned char *p, *end;
} Reader;

static bool
take_u32(Reader *r, uint32_t *v)
{
    if (r->end - r->p < 4)
        return false;
    *v = le32(r->p);
    r->p += 4;
    return true;
}

/* Everything that can be checked before the records. */
static NnStatus
check_header(const char *path, const unsigned char *data, size_t size, FileHeader *h, NnError *err)
{
    if (size < V1_HEADER_SIZE + 4)
        return nn_error_set(err, NN_ERR_FORMAT, "%s is not a Digit Lab model: too short (%zu bytes)", path, size);
    if (memcmp(data, MAGIC, 8) != 0)
        return nn_error_set(err, NN_ERR_FORMAT, "%s is not a Digit Lab model file", path);
    uint32_t version = le32(data + 8);
    if (version != 1 && version != 2)
        return nn_error_set(err, NN_ERR_VERSION,
                            "%s was made by a newer Digit Lab (model format %u); this one reads "
                            "formats 1 and 2", path, version);
    if (le32(data + 12) != ENDIAN_MARK)
        return nn_error_set(err, NN_ERR_FORMAT, "%s has a wrong byte-order mark", path);
    uint32_t expected = version == 1 ? V1_HEADER_SIZE : V2_HEADER_SIZE;
    if (le32(data + 16) != expected)
        return nn_error_set(err, NN_ERR_FORMAT, "%s has a header of %u bytes, expected %u", path,
                            le32(data + 16), expected);
    if (size < expected + 4)
        return nn_error_set(err, NN_ERR_FORMAT, "%s is not a Digit Lab model: too short (%zu bytes)", path, size);
    if (crc32(0L, data, (uInt)(size - 4)) != le32(data + size - 4))
        return nn_error_set(err, NN_ERR_CHECKSUM,
                            "%s is damaged (checksum mismatch): it may be truncated or corrupted", path);
    header_decode(data, h);

    if (h->input_height != NN_IMAGE_SIDE || h->input_width != NN_IMAGE_SIDE || h->input_channels != 1 ||
        h->classes != NN_CLASSES || h->padding > 1 ||
        (version == 1 && (h->filters[0] != 32 || h->filters[1] != 64 || h->dense != 128)))
        return nn_error_set(err, NN_ERR_ARCH,
                            "%s is for a different network (input %ux%ux%u, %u classes, filters %u/%u, "
                            "dense %u, padding %u); this Digit Lab reads 28x28x1 images, 10 classes%s",
                            path, h->input_height, h->input_width, h->input_channels, h->classes,
                            h->filters[0], h->filters[1], h->dense, h->padding,
                            version == 1 ? ", and version 1 files of filters 32/64, dense 128" : "");
    NnModelConfig config = header_config(h);
    NnError why = { 0 };
    if (nn_model_config_check(&config, &why) != NN_OK)
        return nn_error_set(err, NN_ERR_ARCH, "%s is for a network this Digit Lab cannot build: %s", path,
                            why.message);
    if (h->optimizer != NN_OPTIMIZER_ADAM && h->optimizer != NN_OPTIMIZER_SGD)
        return nn_error_set(err, NN_ERR_FORMAT, "%s holds the state of an unknown optimizer (%u)", path,
                            h->optimizer);
    if (!(h->temperature > 0.0f && h->temperature < 1e6f))
        return nn_error_set(err, NN_ERR_FORMAT, "%s is damaged: its softmax temperature is not a positive number",
                            path);
    if (!(h->sure == 0.0f && h->reject == 0.0f) &&
        !(h->sure > 0.0f && h->sure <= 1.0f && h->reject >= 0.0f && h->reject <= h->sure))
        return nn_error_set(err, NN_ERR_FORMAT, "%s is damaged: its verdict thresholds are not probabilities", path);
    if (h->epochs_done > MAX_EPOCHS_DONE || h->step > MAX_STEP)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s is damaged: it claims %u finished epochs and %llu training steps, "
                            "more than any training run makes", path, h->epochs_done,
                            (unsigned long long)h->step);
    return NN_OK;
}

/* Finds where a float record's numbers go: a model tensor, or its optimizer
 * moments. *slot: 0 the tensor, 1 first moment, 2 second. */
static float *
destination(NnModel *model, const char *name, const NnTensor **tensor, int *slot)
{
    *slot = 0;
    *tensor = nn_model_find_tensor(model, name);
    if (*tensor != NULL)
        return (*tensor)->data;
    size_t len = strlen(name);
    static const char *const suffixes[2] = { ".adam_m", ".adam_v" };
    for (int s = 0; s < 2; s++) {
        size_t sl = strlen(suffixes[s]);
        if (len > sl && strcmp(name + len - sl, suffixes[s]) == 0) {
            char base[MAX_NAME + 1];
            snprintf(base, sizeof base, "%.*s", (int)(len - sl), name);
            *tensor = nn_model_find_tensor(model, base);
            if (*tensor != NULL && (*tensor)->trainable && (*tensor)->adam_m != NULL) {
                *slot = s + 1;
                return s == 0 ? (*tensor)->adam_m : (*tensor)->adam_v;
            }
        }
    }
    *tensor = NULL;
    return NULL;
}

/* A text record (version 2: name "meta.*", one dimension, type 1). */
static NnStatus
read_text(const char *path, const char *name, Reader *r, NnModel *model, NnError *err)
{
    uint32_t ndim = 0, length = 0, dtype = 0;
    if (!take_u32(r, &ndim) || ndim != 1 || !take_u32(r, &length) || !take_u32(r, &dtype) ||
        dtype != DTYPE_TEXT)
        return nn_error_set(err, NN_ERR_FORMAT, "%s: record '%s' is not a text record", path, name);
    if (length > MAX_TEXT || (size_t)(r->end - r->p) < length)
        return nn_error_set(err, NN_ERR_FORMAT, "%s: text record '%s' is too long or cut short", path, name);
    if (strcmp(name, RECIPE_RECORD) == 0) {
        char text[MAX_TEXT + 1];
        memcpy(text, r->p, length);
        text[length] = '\0';
        nn_model_set_recipe(model, text);
    } /* other text records: from a later version, passed over */
    r->p += length;
    return NN_OK;
}

/* Reads record i at r into the model; seen[3 * tensor + slot] marks it. */
static NnStatus
read_record(const char *path, uint32_t i, const FileHeader *h, Reader *r, NnModel *model, bool *seen,
            NnError *err)
{
    uint32_t name_len = 0, ndim = 0, dim = 0, dtype = 0;
    char name[MAX_NAME + 1];
    if (!take_u32(r, &name_len) || name_len == 0 || name_len > MAX_NAME || (size_t)(r->end - r->p) < name_len ||
        memchr(r->p, '\0', name_len) != NULL)
        return nn_error_set(err, NN_ERR_FORMAT, "%s: tensor %u has a bad name", path, i);
    memcpy(name, r->p, name_len);
    name[name_len] = '\0';
    r->p += name_len;
    if (h->version >= 2 && strncmp(name, "meta.", 5) == 0)
        return read_text(path, name, r, model, err);

    const NnTensor *t;
    int slot;
    float *dst = destination(model, name, &t, &slot);
    if (dst == NULL)
        return nn_error_set(err, NN_ERR_ARCH, "%s: unknown tensor '%s'", path, name);
    if (!take_u32(r, &ndim) || (int)ndim != t->ndim)
        return nn_error_set(err, NN_ERR_ARCH, "%s: tensor '%s' has %u dimensions, expected %d", path, name, ndim,
                            t->ndim);
    for (uint32_t d = 0; d < ndim; d++) {
        if (!take_u32(r, &dim))
            return nn_error_set(err, NN_ERR_FORMAT, "%s: tensor '%s' has its shape cut short", path, name);
        if ((int)dim != t->dims[d])
            return nn_error_set(err, NN_ERR_ARCH, "%s: tensor '%s' has the wrong shape (dimension %u is %u, "
                                "expected %d)", path, name, d + 1, dim, t->dims[d]);
    }
    if (!take_u32(r, &dtype) || dtype != DTYPE_F32)
        return nn_error_set(err, NN_ERR_FORMAT, "%s: tensor '%s' is not float32 (type %u)", path, name, dtype);
    if ((size_t)(r->end - r->p) / 4 < t->size)
        return nn_error_set(err, NN_ERR_FORMAT, "%s: tensor '%s' is cut short", path, name);
    int index = (int)(t - nn_model_tensor(model, 0));
    if (seen[3 * index + slot])
        return nn_error_set(err, NN_ERR_FORMAT, "%s: tensor '%s' appears twice", path, name);
    seen[3 * index + slot] = true;
    uint32_t special = 0;
    for (size_t k = 0; k < t->size; k++) {
        uint32_t bits = le32(r->p + 4 * k);
        dst[k] = bits_f32(bits);
        special |= (bits & 0x7f800000u) == 0x7f800000u; /* inf or nan */
    }
    r->p += 4 * t->size;
    if (special)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: tensor '%s' holds numbers that are not finite (inf or nan): "
                            "the model comes from a training run that diverged", path, name);
    return NN_OK;
}

/* Every tensor there, and every optimizer record the flags promise. */
static NnStatus
check_complete(const char *path, const FileHeader *h, const NnModel *model, const bool *seen, NnError *err)
{
    for (int i = 0; i < nn_model_tensor_count(model); i++) {
        const NnTensor *t = nn_model_tensor(model, i);
        if (!seen[3 * i])
            return nn_error_set(err, NN_ERR_ARCH, "%s: tensor '%s' is missing", path, t->name);
        if ((h->flags & FLAG_OPTIMIZER) && t->trainable && (!seen[3 * i + 1] || !seen[3 * i + 2]))
            return nn_error_set(err, NN_ERR_FORMAT, "%s: optimizer state of '%s' is missing", path, t->name);
    }
    return NN_OK;
}

static NnStatus
parse(const char *path, const unsigned char *data, size_t size, NnModel **out, NnError *err)
{
    FileHeader h;
    NnStatus status = check_header(path, data, size, &h, err);
    if (status != NN_OK)
        return status;
    NnModelConfig config = header_config(&h);
    NnModel *model;
    if ((status = nn_model_new(&config, 0, &model, err)) != NN_OK)
        return status;
    /* Optimizer state needs the optimizer's arrays. */
    if ((h.flags & FLAG_OPTIMIZER) && (status = nn_model_reserve_training(model, 1, err)) != NN_OK) {
        nn_model_free(model);
        return status;
    }
    int n_model = nn_model_tensor_count(model);
    bool *seen = calloc((size_t)n_model * 3, sizeof(bool)); /* data, first and second moment */
    if (seen == NULL) {
        nn_model_free(model);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory");
    }
    Reader r = { data + h.header_size, data + size - 4 };
    for (uint32_t i = 0; i < h.tensor_count && status == NN_OK; i++)
        status = read_record(path, i, &h, &r, model, seen, err);
    if (status == NN_OK && r.p != r.end)
        status = nn_error_set(err, NN_ERR_FORMAT, "%s: unexpected data after the last tensor", path);
    if (status == NN_OK)
        status = check_complete(path, &h, model, seen, err);
    free(seen);
    if (status != NN_OK) {
        nn_model_free(model);
        return status;
    }
    nn_model_set_step(model, h.step);
    nn_model_set_epochs_done(model, (int)h.epochs_done);
    nn_model_set_optimizer_state(model, (h.flags & FLAG_OPTIMIZER) != 0);
    nn_model_set_temperature(model, h.temperature);
    nn_model_set_thresholds(model, h.sure, h.reject);
    nn_model_set_optimizer(model, (NnOptimizerKind)h.optimizer);
    *out = model;
    return NN_OK;
}

NnStatus
nn_model_load(const char *path, NnModel **out, NnError *err)
{
    unsigned char *data = NULL;
    size_t size = 0;
    *out = NULL;
    NnStatus status = nn_file_read(path, MAX_FILE_SIZE, "Digit Lab model", &data, &size, err);
    if (status != NN_OK)
        return status;
    status = parse(path, data, size, out, err);
    free(data);
    return status;
}
