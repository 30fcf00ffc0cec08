/* libFuzzer target for the model loader (src/engine/model-file.c); see
 * README.md.
 *
 * A random file almost never gets past the CRC-32 check, so besides loading
 * each input as it is, the target also loads it with a correct trailer, and
 * has a second, structure-aware mode: an input starting with byte 0xff is a
 * list of edits to a good model file (made at start-up, with or without
 * Adam's state), after which the CRC is made right again (unless told not
 * to). That reaches the record parser with plausible files.
 *
 * Edit mode: byte 0 = 0xff, byte 1 = flags (bit 0: base with optimizer
 * state; bit 1: leave the CRC as it is; bit 2: resize to the u32 in bytes
 * 2-5, modulo twice the base size), then edits of [u32 offset][u8 n][n bytes],
 * offsets taken modulo the size.
 *
 * Nothing else about the format is assumed (the base files come from
 * nn_model_save, whatever its version; the CRC-32 of all but the last 4
 * bytes is the only layout the target knows), so the target stays valid
 * when the header changes. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "fuzz-file.h"
#include "gemm.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ready;
static uint8_t *base[2];
static size_t base_size[2];
static uint8_t *scratch;
static size_t scratch_cap;

static uint32_t
le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void
fix_crc(uint8_t *data, size_t size)
{
    uint32_t crc = (uint32_t)crc32(0L, data, (uInt)(size - 4));
    uint8_t le[4] = { (uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24) };
    memcpy(data + size - 4, le, 4);
}

static uint8_t *
grow(size_t size)
{
    if (size > scratch_cap) {
        free(scratch);
        scratch = malloc(size);
        if (scratch == NULL)
            abort();
        scratch_cap = size;
    }
    return scratch;
}

static void
load(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size);
    NnModel *model = (NnModel *)&model; /* must be set to NULL on failure */
    NnError err;
    nn_error_clear(&err);
    NnStatus status = nn_model_load(path, &model, &err);
    if (status != NN_OK) {
        if (model != NULL || err.message[0] == '\0')
            abort();
        return;
    }
    /* A loaded model must be usable, whatever numbers it holds. */
    static float image[NN_IMAGE_PIXELS];
    float probs[NN_CLASSES];
    for (int i = 0; i < NN_IMAGE_PIXELS; i++)
        image[i] = (float)(i % 29) / 28.0f;
    if (nn_model_predict(model, image, 1, probs, &err) != NN_OK)
        abort();
    nn_model_free(model);
}

/* Makes the two good files once: a valid-padding model without and with
 * Adam's state (the smaller architecture: the parser is the same). */
static void
make_bases(void)
{
    char dir[] = "/tmp/fuzz-model-file-XXXXXX", file[64];
    if (mkdtemp(dir) == NULL)
        abort();
    snprintf(file, sizeof file, "%s/base.dlm", dir);
    NnModelConfig config = nn_model_config_default();
    config.padding = NN_PADDING_VALID;
    NnModel *model;
    if (nn_model_new(&config, 1, &model, NULL) != NN_OK)
        abort();
    for (int b = 0; b < 2; b++) {
        if (nn_model_save(model, file, b, NULL) != NN_OK)
            abort();
        FILE *f = fopen(file, "rb");
        if (f == NULL || fseek(f, 0, SEEK_END) != 0)
            abort();
        base_size[b] = (size_t)ftell(f);
        rewind(f);
        base[b] = malloc(base_size[b]);
        if (base[b] == NULL || fread(base[b], 1, base_size[b], f) != base_size[b])
            abort();
        fclose(f);
    }
    nn_model_free(model);
    unlink(file);
    rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) {
        nn_set_threads(1);
        make_bases();
        ready = 1;
    }

    if (size >= 2 && data[0] == 0xff) {
        int flags = data[1];
        const uint8_t *good = base[flags & 1];
        size_t n = base_size[flags & 1], p = 2;
        if ((flags & 4) && size >= 6) {
            n = le32(data + 2) % (2 * n);
            p = 6;
        }
        uint8_t *file = grow(n > 0 ? n : 1);
        size_t keep = n < base_size[flags & 1] ? n : base_size[flags & 1];
        memcpy(file, good, keep);
        memset(file + keep, 0xa5, n - keep);
        while (n > 0 && p + 5 <= size) {
            size_t at = le32(data + p) % n, len = data[p + 4];
            p += 5;
            for (size_t i = 0; i < len && p < size; i++, p++)
                file[(at + i) % n] = data[p];
        }
        if (!(flags & 2) && n >= 4)
            fix_crc(file, n);
        load(file, n);
        return 0;
    }

    load(data, size);
    if (size >= 84) { /* the same bytes with a correct trailer */
        uint8_t *file = grow(size);
        memcpy(file, data, size);
        fix_crc(file, size);
        load(file, size);
    }
    return 0;
}
