#include "idx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "model.h"

#define IDX_IMAGES_MAGIC 0x00000803u
#define IDX_LABELS_MAGIC 0x00000801u
/* Larger than any real MNIST-style file: refuses absurd headers early. */
#define IDX_MAX_COUNT 10000000u

static const char *
base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

static uint32_t
be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Reads exactly n bytes; reports a short file clearly. */
static NnStatus
read_exact(gzFile f, const char *path, void *buf, size_t n, const char *what, NnError *err)
{
    unsigned char *p = buf;
    while (n > 0) {
        unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
        int got = gzread(f, p, chunk);
        if (got < 0) {
            int zerr;
            const char *msg = gzerror(f, &zerr);
            return nn_error_set(err, NN_ERR_FORMAT, "%s: cannot read %s: %s", base_name(path), what,
                                zerr == Z_ERRNO ? strerror(errno) : msg);
        }
        if (got == 0)
            return nn_error_set(err, NN_ERR_FORMAT, "%s: file is truncated (ends inside the %s)",
                                base_name(path), what);
        p += got;
        n -= (size_t)got;
    }
    return NN_OK;
}

/* Opens an IDX file, checks its magic and dimensions, and reads the payload
 * of count * item_size bytes. dims: number of dimensions after the count. */
static NnStatus
read_idx(const char *path, uint32_t magic, int ndims, const char *kind, uint8_t **data, int *count,
         NnError *err)
{
    *data = NULL;
    *count = 0;
    gzFile f = gzopen(path, "rb");
    if (f == NULL)
        return nn_error_set(err, NN_ERR_IO, "%s: cannot open: %s", path, strerror(errno ? errno : ENOENT));
    gzbuffer(f, 1 << 17);

    unsigned char header[16];
    size_t header_size = 8 + 4 * (size_t)ndims;
    NnStatus status = read_exact(f, path, header, header_size, "header", err);
    if (status != NN_OK)
        goto out;

    uint32_t got_magic = be32(header);
    if (got_magic != magic) {
        status = nn_error_set(err, NN_ERR_FORMAT,
                              "%s: not an IDX %s file (magic number 0x%08x, expected 0x%08x)",
                              base_name(path), kind, got_magic, magic);
        goto out;
    }
    uint32_t n = be32(header + 4);
    if (n == 0 || n > IDX_MAX_COUNT) {
        status = nn_error_set(err, NN_ERR_FORMAT, "%s: implausible item count %u", base_name(path), n);
        goto out;
    }
    size_t item = 1;
    if (ndims == 2) {
        uint32_t rows = be32(header + 8), cols = be32(header + 12);
        if (rows != NN_IMAGE_SIDE || cols != NN_IMAGE_SIDE) {
            status = nn_error_set(err, NN_ERR_FORMAT, "%s: images are %ux%u, expected %dx%d",
                                  base_name(path), rows, cols, NN_IMAGE_SIDE, NN_IMAGE_SIDE);
            goto out;
        }
        item = NN_IMAGE_PIXELS;
    }

    /* The header's count is not trusted for allocation: the buffer grows with
     * the data actually read, so a lying header on a short file costs little. */
    size_t total = (size_t)n * item, have = 0, cap = 0;
    uint8_t *buf = NULL;
    while (status == NN_OK && have < total) {
        size_t want = total - have < (1u << 20) ? total - have : (1u << 20);
        if (have + want > cap) {
            size_t new_cap = cap == 0 ? want : cap * 2;
            new_cap = new_cap > total ? total : new_cap < have + want ? have + want : new_cap;
            uint8_t *grown = realloc(buf, new_cap);
            if (grown == NULL) {
                status = nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory for %u items",
                                      base_name(path), n);
                break;
            }
            buf = grown;
            cap = new_cap;
        }
        char what[64];
        snprintf(what, sizeof what, "data of %u %s", n, ndims == 2 ? "images" : "labels");
        status = read_exact(f, path, buf + have, want, what, err);
        have += want;
    }
    if (status == NN_OK) {
        unsigned char extra;
        int zerr = Z_OK;
        int got = gzread(f, &extra, 1);
        gzerror(f, &zerr);
        if (zerr != Z_OK && zerr != Z_STREAM_END)
            status = nn_error_set(err, NN_ERR_FORMAT, "%s: the compressed data is damaged or cut short",
                                  base_name(path));
        else if (got != 0)
            status = nn_error_set(err, NN_ERR_FORMAT, "%s: longer than its header says (%u items)",
                                  base_name(path), n);
    }
    /* gzclose reports a gzip stream that ended early (e.g. in its CRC trailer). */
    if (gzclose(f) == Z_BUF_ERROR && status == NN_OK)
        status = nn_error_set(err, NN_ERR_FORMAT, "%s: the compressed data is cut short", base_name(path));
    if (status != NN_OK) {
        free(buf);
        return status;
    }
    *data = buf;
    *count = (int)n;
    return NN_OK;
out:
    gzclose(f);
    return status;
}

NnStatus
nn_idx_read_images(const char *path, uint8_t **images, int *count, NnError *err)
{
    return read_idx(path, IDX_IMAGES_MAGIC, 2, "images", images, count, err);
}

NnStatus
nn_idx_read_labels(const char *path, uint8_t **labels, int *count, NnError *err)
{
    NnStatus status = read_idx(path, IDX_LABELS_MAGIC, 0, "labels", labels, count, err);
    if (status != NN_OK)
        return status;
    for (int i = 0; i < *count; i++)
        if ((*labels)[i] > 9) {
            status = nn_error_set(err, NN_ERR_FORMAT, "%s: label %d of item %d is not a digit 0-9",
                                  base_name(path), (*labels)[i], i);
            free(*labels);
            *labels = NULL;
            *count = 0;
            return status;
        }
    return NN_OK;
}

/* Finds dir/name.gz or dir/name; fills path with the one that exists (or the
 * .gz name, for the error message, when neither does). */
static void
find_file(const char *dir, const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s/%s.gz", dir, name);
    FILE *f = fopen(path, "rb");
    if (f != NULL) {
        fclose(f);
        return;
    }
    snprintf(path, size, "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (f != NULL) {
        fclose(f);
        return;
    }
    snprintf(path, size, "%s/%s.gz", dir, name);
}

NnStatus
nn_dataset_load(const char *dir, NnSplit split, NnDataset *out, NnError *err)
{
    memset(out, 0, sizeof *out);
    const char *prefix = split == NN_SPLIT_TRAIN ? "train" : "t10k";
    char name[64], images_path[4096], labels_path[4096];

    snprintf(name, sizeof name, "%s-images-idx3-ubyte", prefix);
    find_file(dir, name, images_path, sizeof images_path);
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte", prefix);
    find_file(dir, name, labels_path, sizeof labels_path);

    int n_images, n_labels;
    NnStatus status = nn_idx_read_images(images_path, &out->images, &n_images, err);
    if (status != NN_OK)
        return status;
    status = nn_idx_read_labels(labels_path, &out->labels, &n_labels, err);
    if (status != NN_OK) {
        nn_dataset_free(out);
        return status;
    }
    if (n_images != n_labels) {
        nn_dataset_free(out);
        return nn_error_set(err, NN_ERR_FORMAT, "%s: %d images but %s has %d labels",
                            base_name(images_path), n_images, base_name(labels_path), n_labels);
    }
    out->count = n_images;
    return NN_OK;
}

void
nn_dataset_free(NnDataset *dataset)
{
    free(dataset->images);
    free(dataset->labels);
    memset(dataset, 0, sizeof *dataset);
}

NnDataset
nn_dataset_view(const NnDataset *from, int start, int count)
{
    if (start < 0)
        start = 0;
    if (start > from->count)
        start = from->count;
    if (count < 0 || count > from->count - start)
        count = from->count - start;
    NnDataset view = {
        .count = count,
        .images = from->images + (size_t)start * NN_IMAGE_PIXELS,
        .labels = from->labels + start,
    };
    return view;
}
