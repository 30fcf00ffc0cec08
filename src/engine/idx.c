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

/* An IDX file being read, raw or as one gzip member. gzip is inflated here
 * with zlib's inflate() rather than read with gzread(), which accepts a
 * member cut inside its trailer (or ignores garbage after it): the file is
 * good only when inflate() reaches the end of the member, having checked
 * the trailer's CRC-32 and length, and nothing follows it. */
typedef struct {
    FILE *f;
    const char *path;
    int gzip;
    z_stream z;
    int z_ready;           /* inflateInit2 succeeded */
    int z_end;             /* inflate() returned Z_STREAM_END */
    unsigned char in[1 << 16];
} IdxReader;

static NnStatus
reader_read_error(IdxReader *r, NnError *err)
{
    return nn_error_set(err, NN_ERR_IO, "%s: cannot read: %s", base_name(r->path), strerror(errno));
}

static NnStatus
reader_open(IdxReader *r, const char *path, NnError *err)
{
    r->path = path;
    r->f = fopen(path, "rb");
    if (r->f == NULL)
        return nn_error_set(err, NN_ERR_IO, "%s: cannot open: %s", path, strerror(errno ? errno : ENOENT));
    /* gzip is recognised by its first two bytes (0x1f 0x8b), not the name. */
    size_t got = fread(r->in, 1, 2, r->f);
    if (ferror(r->f))
        return reader_read_error(r, err);
    r->gzip = got == 2 && r->in[0] == 0x1f && r->in[1] == 0x8b;
    if (r->gzip) {
        if (inflateInit2(&r->z, 16 + 15) != Z_OK) /* gzip only, 32 KB window */
            return nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory for zlib", base_name(path));
        r->z_ready = 1;
        r->z.next_in = r->in;
        r->z.avail_in = (uInt)got;
    } else {
        rewind(r->f);
    }
    return NN_OK;
}

static void
reader_close(IdxReader *r)
{
    if (r->z_ready)
        inflateEnd(&r->z);
    if (r->f != NULL)
        fclose(r->f);
}

/* Reads up to n bytes into buf, less only at the end of the data; *got says
 * how many. A damaged or cut gzip member is an error. */
static NnStatus
reader_read(IdxReader *r, unsigned char *buf, size_t n, size_t *got, NnError *err)
{
    *got = 0;
    if (!r->gzip) {
        *got = fread(buf, 1, n, r->f);
        return ferror(r->f) ? reader_read_error(r, err) : NN_OK;
    }
    while (*got < n && !r->z_end) {
        if (r->z.avail_in == 0) {
            size_t in = fread(r->in, 1, sizeof r->in, r->f);
            if (ferror(r->f))
                return reader_read_error(r, err);
            if (in == 0)
                return nn_error_set(err, NN_ERR_FORMAT,
                                    "%s: the compressed data is cut short (the file is truncated)",
                                    base_name(r->path));
            r->z.next_in = r->in;
            r->z.avail_in = (uInt)in;
        }
        size_t want = n - *got > (1u << 30) ? (1u << 30) : n - *got;
        r->z.next_out = buf + *got;
        r->z.avail_out = (uInt)want;
        int zs = inflate(&r->z, Z_NO_FLUSH);
        *got += want - r->z.avail_out;
        if (zs == Z_STREAM_END) {
            r->z_end = 1;
        } else if (zs == Z_DATA_ERROR) {
            return nn_error_set(err, NN_ERR_FORMAT, "%s: the compressed data is corrupt (%s)",
                                base_name(r->path), r->z.msg != NULL ? r->z.msg : "inflate error");
        } else if (zs == Z_MEM_ERROR) {
            return nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory inflating", base_name(r->path));
        } else if (zs != Z_OK && zs != Z_BUF_ERROR) {
            return nn_error_set(err, NN_ERR_FORMAT, "%s: the compressed data is damaged (zlib error %d)",
                                base_name(r->path), zs);
        }
    }
    return NN_OK;
}

/* Reads exactly n bytes; reports a short file clearly. */
static NnStatus
read_exact(IdxReader *r, void *buf, size_t n, const char *what, NnError *err)
{
    size_t got;
    NnStatus status = reader_read(r, buf, n, &got, err);
    if (status == NN_OK && got < n)
        status = nn_error_set(err, NN_ERR_FORMAT, "%s: file is truncated (ends inside the %s)",
                              base_name(r->path), what);
    return status;
}

/* After the items: the data must end here, and a gzip member must end
 * (trailer checked) with nothing after it. */
static NnStatus
reader_finish(IdxReader *r, uint32_t n, NnError *err)
{
    unsigned char extra;
    size_t got;
    NnStatus status = reader_read(r, &extra, 1, &got, err);
    if (status != NN_OK)
        return status;
    if (got != 0)
        return nn_error_set(err, NN_ERR_FORMAT, "%s: longer than its header says (%u items)",
                            base_name(r->path), n);
    if (r->gzip) {
        /* reader_read() stopped at Z_STREAM_END; bytes may be left over in
         * the input buffer or the file. */
        if (r->z.avail_in == 0 && fread(&extra, 1, 1, r->f) == 0 && !ferror(r->f))
            return NN_OK;
        if (ferror(r->f))
            return reader_read_error(r, err);
        return nn_error_set(err, NN_ERR_FORMAT, "%s: unexpected data after the end of the compressed data",
                            base_name(r->path));
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
    IdxReader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory", base_name(path));
    uint8_t *buf = NULL;
    NnStatus status = reader_open(r, path, err);
    if (status != NN_OK)
        goto out;

    unsigned char header[16];
    size_t header_size = 8 + 4 * (size_t)ndims;
    status = read_exact(r, header, header_size, "header", err);
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
    char what[64];
    snprintf(what, sizeof what, "data of %u %s", n, ndims == 2 ? "images" : "labels");
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
        status = read_exact(r, buf + have, want, what, err);
        have += want;
    }
    if (status == NN_OK)
        status = reader_finish(r, n, err);
    if (status == NN_OK) {
        *data = buf;
        *count = (int)n;
        buf = NULL;
    }
out:
    free(buf);
    reader_close(r);
    free(r);
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
