/* Model files: see docs/model-format.md for the byte-level description.
 *
 * A file is a fixed 80-byte header, a sequence of named float32 tensors, and
 * a CRC-32 of everything before it. Loading reads the whole (small) file,
 * checks size, magic, version, endianness and checksum before looking at any
 * tensor, and checks every tensor's name and shape against the architecture
 * in the header before copying a single number. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fileio.h"
#include "model.h"

#define MAGIC "DIGITLAB"
#define FORMAT_VERSION 1u
#define ENDIAN_MARK 0x01020304u
#define FLAG_OPTIMIZER 1u
#define MAX_FILE_SIZE (64u << 20)
#define MAX_NAME 63
/* Header values beyond these come from a damaged or forged file, not from
 * training: a million epochs, or 2^40 Adam steps (batch 1 on all of MNIST
 * for 18 million epochs). */
#define MAX_EPOCHS_DONE 1000000u
#define MAX_STEP ((uint64_t)1 << 40)

typedef struct {
    char magic[8];
    uint32_t version;
    uint32_t endian_mark;
    uint32_t header_size;
    uint32_t padding;       /* 0 same, 1 valid */
    uint32_t input_height, input_width, input_channels;
    uint32_t classes;
    uint32_t block1_filters, block2_filters, dense_units;
    uint32_t tensor_count;
    uint32_t flags;
    uint32_t epochs_done;
    uint64_t step;
    uint32_t reserved[2];
} FileHeader;

_Static_assert(sizeof(FileHeader) == 80, "the model file header is 80 bytes");

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

static void
buf_floats(Buf *b, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &x[i], 4);
        buf_u32(b, bits);
    }
}

static uint32_t
le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- saving ------------------------------------------------------------------------- */

static void
put_tensor(Buf *b, const char *name, const char *suffix, const NnTensor *t, const float *data)
{
    char full[MAX_NAME + 1];
    snprintf(full, sizeof full, "%s%s", name, suffix);
    buf_u32(b, (uint32_t)strlen(full));
    buf_put(b, full, strlen(full));
    buf_u32(b, (uint32_t)t->ndim);
    for (int i = 0; i < t->ndim; i++)
        buf_u32(b, (uint32_t)t->dims[i]);
    buf_u32(b, 0); /* dtype 0: float32 little-endian */
    buf_floats(b, data, t->size);
}

NnStatus
nn_model_save(const NnModel *model, const char *path, int with_optimizer, NnError *err)
{
    const NnModelConfig *config = nn_model_config(model);
    int n = nn_model_tensor_count(model), trainable = 0;
    for (int i = 0; i < n; i++)
        trainable += nn_model_tensor(model, i)->grad != NULL;

    Buf b = { 0 };
    buf_put(&b, MAGIC, 8);
    buf_u32(&b, FORMAT_VERSION);
    buf_u32(&b, ENDIAN_MARK);
    buf_u32(&b, sizeof(FileHeader));
    buf_u32(&b, config->padding == NN_PADDING_VALID ? 1 : 0);
    buf_u32(&b, NN_IMAGE_SIDE);
    buf_u32(&b, NN_IMAGE_SIDE);
    buf_u32(&b, 1);
    buf_u32(&b, NN_CLASSES);
    buf_u32(&b, (uint32_t)nn_model_find_tensor(model, "conv1.weight")->dims[0]);
    buf_u32(&b, (uint32_t)nn_model_find_tensor(model, "conv3.weight")->dims[0]);
    buf_u32(&b, (uint32_t)nn_model_find_tensor(model, "dense1.weight")->dims[0]);
    buf_u32(&b, (uint32_t)(n + (with_optimizer ? 2 * trainable : 0)));
    buf_u32(&b, with_optimizer ? FLAG_OPTIMIZER : 0);
    buf_u32(&b, (uint32_t)nn_model_epochs_done(model));
    uint64_t step = nn_model_step(model);
    buf_u32(&b, (uint32_t)step);
    buf_u32(&b, (uint32_t)(step >> 32));
    buf_u32(&b, 0);
    buf_u32(&b, 0);

    for (int i = 0; i < n; i++) {
        const NnTensor *t = nn_model_tensor(model, i);
        put_tensor(&b, t->name, "", t, t->data);
    }
    if (with_optimizer)
        for (int i = 0; i < n; i++) {
            const NnTensor *t = nn_model_tensor(model, i);
            if (t->grad == NULL)
                continue;
            put_tensor(&b, t->name, ".adam_m", t, t->adam_m);
            put_tensor(&b, t->name, ".adam_v", t, t->adam_v);
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

/* Finds where a record's numbers go: a model tensor, or its Adam moments. */
static float *
destination(NnModel *model, const char *name, const NnTensor **tensor, bool *is_optimizer)
{
    *is_optimizer = false;
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
            if (*tensor != NULL && (*tensor)->grad != NULL) {
                *is_optimizer = true;
                return s == 0 ? (*tensor)->adam_m : (*tensor)->adam_v;
            }
        }
    }
    return NULL;
}

static NnStatus
parse(const char *path, const unsigned char *data, size_t size, NnModel **out, NnError *err)
{
    if (size < sizeof(FileHeader) + 4)
        return nn_error_set(err, NN_ERR_FORMAT, "%s is not a Digit Lab model: too short (%zu bytes)", path, size);
    if (memcmp(data, MAGIC, 8) != 0)
        return nn_error_set(err, NN_ERR_FORMAT, "%s is not a Digit Lab model file", path);
    uint32_t version = le32(data + 8);
    if (version != FORMAT_VERSION)
        return nn_error_set(err, NN_ERR_VERSION,
                            "%s uses model format version %u; this Digit Lab reads version %u",
                            path, version, FORMAT_VERSION);
    if (le32(data + 12) != ENDIAN_MARK)
        return nn_error_set(err, NN_ERR_FORMAT, "%s has a wrong byte-order mark", path);
    if (le32(data + 16) != sizeof(FileHeader))
        return nn_error_set(err, NN_ERR_FORMAT, "%s has a header of %u bytes, expected %zu", path,
                            le32(data + 16), sizeof(FileHeader));
    if (crc32(0L, data, (uInt)(size - 4)) != le32(data + size - 4))
        return nn_error_set(err, NN_ERR_CHECKSUM,
                            "%s is damaged (checksum mismatch): it may be truncated or corrupted", path);

    uint32_t padding = le32(data + 20);
    uint32_t expect[7] = { NN_IMAGE_SIDE, NN_IMAGE_SIDE, 1, NN_CLASSES, 32, 64, 128 };
    for (int i = 0; i < 7; i++)
        if (le32(data + 24 + 4 * i) != expect[i] || padding > 1)
            return nn_error_set(err, NN_ERR_ARCH,
                                "%s is for a different network (input %ux%ux%u, %u classes, filters %u/%u, "
                                "dense %u, padding %u); this Digit Lab uses 28x28x1, 10, 32/64, 128",
                                path, le32(data + 24), le32(data + 28), le32(data + 32), le32(data + 36),
                                le32(data + 40), le32(data + 44), le32(data + 48), padding);
    uint32_t count = le32(data + 52), flags = le32(data + 56), epochs = le32(data + 60);
    uint64_t step = le32(data + 64) | (uint64_t)le32(data + 68) << 32;
    if (epochs > MAX_EPOCHS_DONE || step > MAX_STEP)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s is damaged: it claims %u finished epochs and %llu training steps, "
                            "more than any training run makes", path, epochs, (unsigned long long)step);

    NnModelConfig config = { padding == 1 ? NN_PADDING_VALID : NN_PADDING_SAME };
    NnModel *model;
    NnStatus status = nn_model_new(&config, 0, &model, err);
    if (status != NN_OK)
        return status;

    int n_model = nn_model_tensor_count(model);
    bool *seen = calloc((size_t)n_model * 3, sizeof(bool)); /* data, adam_m, adam_v */
    if (seen == NULL) {
        nn_model_free(model);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory");
    }

    Reader r = { data + sizeof(FileHeader), data + size - 4 };
    for (uint32_t i = 0; i < count && status == NN_OK; i++) {
        uint32_t name_len = 0, ndim = 0, dims[4], dtype = 0;
        char name[MAX_NAME + 1];
        if (!take_u32(&r, &name_len) || name_len == 0 || name_len > MAX_NAME ||
            (size_t)(r.end - r.p) < name_len || memchr(r.p, '\0', name_len) != NULL) {
            status = nn_error_set(err, NN_ERR_FORMAT, "%s: tensor %u has a bad name", path, i);
            break;
        }
        memcpy(name, r.p, name_len);
        name[name_len] = '\0';
        r.p += name_len;

        const NnTensor *t;
        bool is_opt;
        float *dst = destination(model, name, &t, &is_opt);
        if (dst == NULL) {
            status = nn_error_set(err, NN_ERR_ARCH, "%s: unknown tensor '%s'", path, name);
            break;
        }
        if (!take_u32(&r, &ndim) || (int)ndim != t->ndim) {
            status = nn_error_set(err, NN_ERR_ARCH, "%s: tensor '%s' has %u dimensions, expected %d",
                                  path, name, ndim, t->ndim);
            break;
        }
        for (uint32_t d = 0; d < ndim && status == NN_OK; d++)
            if (!take_u32(&r, &dims[d]) || (int)dims[d] != t->dims[d])
                status = nn_error_set(err, NN_ERR_ARCH, "%s: tensor '%s' has the wrong shape", path, name);
        if (status != NN_OK)
            break;
        if (!take_u32(&r, &dtype) || dtype != 0) {
            status = nn_error_set(err, NN_ERR_FORMAT, "%s: tensor '%s' is not float32", path, name);
            break;
        }
        if ((size_t)(r.end - r.p) / 4 < t->size) {
            status = nn_error_set(err, NN_ERR_FORMAT, "%s: tensor '%s' is cut short", path, name);
            break;
        }
        int index = (int)(t - nn_model_tensor(model, 0));
        int slot = index * 3 + (is_opt ? (dst == t->adam_m ? 1 : 2) : 0);
        if (seen[slot]) {
            status = nn_error_set(err, NN_ERR_FORMAT, "%s: tensor '%s' appears twice", path, name);
            break;
        }
        seen[slot] = true;
        bool finite = true;
        for (size_t k = 0; k < t->size; k++) {
            uint32_t bits = le32(r.p + 4 * k);
            memcpy(&dst[k], &bits, 4);
            finite &= (bits & 0x7f800000u) != 0x7f800000u; /* not inf or nan */
        }
        r.p += 4 * t->size;
        if (!finite) {
            status = nn_error_set(err, NN_ERR_FORMAT,
                                  "%s: tensor '%s' holds numbers that are not finite (inf or nan): "
                                  "the model comes from a training run that diverged", path, name);
            break;
        }
    }
    if (status == NN_OK && r.p != r.end)
        status = nn_error_set(err, NN_ERR_FORMAT, "%s: unexpected data after the last tensor", path);
    for (int i = 0; i < n_model && status == NN_OK; i++) {
        const NnTensor *t = nn_model_tensor(model, i);
        if (!seen[3 * i])
            status = nn_error_set(err, NN_ERR_ARCH, "%s: tensor '%s' is missing", path, t->name);
        else if ((flags & FLAG_OPTIMIZER) && t->grad != NULL && (!seen[3 * i + 1] || !seen[3 * i + 2]))
            status = nn_error_set(err, NN_ERR_FORMAT, "%s: optimizer state of '%s' is missing", path, t->name);
    }
    free(seen);
    if (status != NN_OK) {
        nn_model_free(model);
        return status;
    }
    nn_model_set_step(model, step);
    nn_model_set_epochs_done(model, (int)epochs);
    nn_model_set_optimizer_state(model, (flags & FLAG_OPTIMIZER) != 0);
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
