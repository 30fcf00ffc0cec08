/* The MNIST IDX reader on files made here, raw and gzip-compressed: good
 * ones load byte for byte; broken ones are refused with a message that names
 * the file and the problem, without trusting the header's count for memory.
 *
 * With $DIGITLAB_DATA (or $DIGITLAB_SOURCE_ROOT/../shared/data/mnist, as in
 * test-preprocess.c) holding the real MNIST files, the test split is checked
 * too; without, that case is left out and a "# SKIP" line says so. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "idx.h"
#include "test-mnist.h"
#include "model.h"

#define IMAGES_MAGIC 0x00000803u
#define LABELS_MAGIC 0x00000801u

static char tmp_dir[256];

/* ---- making IDX files -------------------------------------------------------- */

static void
make_path(char *path, const char *name)
{
    snprintf(path, PATH_MAX, "%s/%s", tmp_dir, name);
}

static void
put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void
write_bytes(const char *path, bool gz, const void *data, size_t size)
{
    if (gz) {
        gzFile f = gzopen(path, "wb");
        assert_non_null(f);
        if (size > 0)
            assert_int_equal(gzwrite(f, data, (unsigned)size), (int)size);
        assert_int_equal(gzclose(f), Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, size, f), size);
        assert_int_equal(fclose(f), 0);
    }
}

static unsigned char *
read_bytes(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    unsigned char *data = malloc((size_t)n + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return data;
}

/* The pixels of image i of a test file: a pattern that differs between images. */
static uint8_t
pixel(int i, int p)
{
    return (uint8_t)(i * 31 + p * 7 + (p >> 5));
}

/* An images file: header (magic, count, rows, cols) then `items` images of
 * rows x cols pixels, plus `extra` trailing bytes. */
static void
write_images(const char *path, bool gz, uint32_t magic, uint32_t count, uint32_t rows,
             uint32_t cols, int items, size_t extra)
{
    size_t item = (size_t)rows * cols, size = 16 + item * (size_t)items + extra;
    unsigned char *data = calloc(1, size);
    assert_non_null(data);
    put_be32(data, magic);
    put_be32(data + 4, count);
    put_be32(data + 8, rows);
    put_be32(data + 12, cols);
    for (int i = 0; i < items; i++)
        for (size_t p = 0; p < item; p++)
            data[16 + (size_t)i * item + p] = pixel(i, (int)p);
    write_bytes(path, gz, data, size);
    free(data);
}

/* A labels file: header (magic, count) then `items` labels i % 10, the
 * first `bad_at` replaced by `bad` if bad_at >= 0. */
static void
write_labels(const char *path, bool gz, uint32_t magic, uint32_t count, int items, int bad_at, int bad)
{
    size_t size = 8 + (size_t)items;
    unsigned char *data = calloc(1, size);
    assert_non_null(data);
    put_be32(data, magic);
    put_be32(data + 4, count);
    for (int i = 0; i < items; i++)
        data[8 + i] = (unsigned char)(i % 10);
    if (bad_at >= 0)
        data[8 + bad_at] = (unsigned char)bad;
    write_bytes(path, gz, data, size);
    free(data);
}

/* Reading path as images (or labels) must fail with status want and a
 * message that contains needle and the file's name. */
static void
expect_error(const char *path, bool images, NnStatus want, const char *needle)
{
    static uint8_t sentinel;
    uint8_t *data = &sentinel; /* must be reset to NULL */
    int count = -1;
    NnError err;
    nn_error_clear(&err);
    NnStatus status = images ? nn_idx_read_images(path, &data, &count, &err)
                             : nn_idx_read_labels(path, &data, &count, &err);
    if (status != want)
        fail_msg("%s: status '%s' (%s), expected '%s'", path, nn_status_to_string(status), err.message,
                 nn_status_to_string(want));
    assert_null(data);
    assert_int_equal(count, 0);
    assert_int_equal(err.status, want);
    if (strstr(err.message, needle) == NULL)
        fail_msg("message '%s' does not say '%s'", err.message, needle);
    const char *base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
    if (strstr(err.message, base) == NULL)
        fail_msg("message '%s' does not name the file %s", err.message, base);
}

static void
check_good_images(const char *path, int n)
{
    uint8_t *images = NULL;
    int count = 0;
    NnError err;
    if (nn_idx_read_images(path, &images, &count, &err) != NN_OK)
        fail_msg("%s", err.message);
    assert_int_equal(count, n);
    for (int i = 0; i < n; i++)
        for (int p = 0; p < NN_IMAGE_PIXELS; p++)
            if (images[(size_t)i * NN_IMAGE_PIXELS + p] != pixel(i, p))
                fail_msg("%s: image %d pixel %d is %d, expected %d", path, i, p,
                         images[(size_t)i * NN_IMAGE_PIXELS + p], pixel(i, p));
    free(images);
}

static void
check_good_labels(const char *path, int n)
{
    uint8_t *labels = NULL;
    int count = 0;
    NnError err;
    if (nn_idx_read_labels(path, &labels, &count, &err) != NN_OK)
        fail_msg("%s", err.message);
    assert_int_equal(count, n);
    for (int i = 0; i < n; i++)
        assert_int_equal(labels[i], i % 10);
    free(labels);
}

/* ---- fixtures ---------------------------------------------------------------- */

static void
empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            empty_dir(path);
            rmdir(path);
        } else {
            unlink(path);
        }
    }
    closedir(d);
}

static int
group_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
    snprintf(tmp_dir, sizeof tmp_dir, "%s/digitlab-test-idx-XXXXXX", base);
    return mkdtemp(tmp_dir) != NULL ? 0 : -1;
}

static int
group_teardown(void **state)
{
    (void)state;
    empty_dir(tmp_dir);
    return rmdir(tmp_dir);
}

/* Every test starts with an empty folder. */
static int
clean(void **state)
{
    (void)state;
    empty_dir(tmp_dir);
    return 0;
}

/* ---- good files -------------------------------------------------------------- */

static void
test_good_raw(void **state)
{
    (void)state;
    char images[PATH_MAX], labels[PATH_MAX];
    make_path(images, "images.idx");
    make_path(labels, "labels.idx");
    write_images(images, false, IMAGES_MAGIC, 25, 28, 28, 25, 0);
    write_labels(labels, false, LABELS_MAGIC, 25, 25, -1, 0);
    check_good_images(images, 25);
    check_good_labels(labels, 25);
    /* One item is enough. */
    write_images(images, false, IMAGES_MAGIC, 1, 28, 28, 1, 0);
    check_good_images(images, 1);
}

static void
test_good_gzip(void **state)
{
    (void)state;
    char images[PATH_MAX], labels[PATH_MAX];
    /* gzip is recognised from the content, not the name. */
    make_path(images, "images.gz");
    make_path(labels, "labels-without-suffix");
    write_images(images, true, IMAGES_MAGIC, 1500, 28, 28, 1500, 0); /* > 1 MiB of pixels */
    write_labels(labels, true, LABELS_MAGIC, 1500, 1500, -1, 0);
    check_good_images(images, 1500);
    check_good_labels(labels, 1500);
}

static void
test_dataset_load(void **state)
{
    (void)state;
    char path[PATH_MAX];
    /* train as raw files, test as .gz; both splits from one folder */
    make_path(path, "train-images-idx3-ubyte");
    write_images(path, false, IMAGES_MAGIC, 12, 28, 28, 12, 0);
    make_path(path, "train-labels-idx1-ubyte");
    write_labels(path, false, LABELS_MAGIC, 12, 12, -1, 0);
    make_path(path, "t10k-images-idx3-ubyte.gz");
    write_images(path, true, IMAGES_MAGIC, 7, 28, 28, 7, 0);
    make_path(path, "t10k-labels-idx1-ubyte.gz");
    write_labels(path, true, LABELS_MAGIC, 7, 7, -1, 0);

    NnDataset train, test;
    NnError err;
    if (nn_dataset_load(tmp_dir, NN_SPLIT_TRAIN, &train, &err) != NN_OK)
        fail_msg("%s", err.message);
    if (nn_dataset_load(tmp_dir, NN_SPLIT_TEST, &test, &err) != NN_OK)
        fail_msg("%s", err.message);
    assert_int_equal(train.count, 12);
    assert_int_equal(test.count, 7);
    for (int i = 0; i < 12; i++) {
        assert_int_equal(train.labels[i], i % 10);
        assert_int_equal(train.images[(size_t)i * NN_IMAGE_PIXELS + 100], pixel(i, 100));
    }
    assert_int_equal(test.images[6 * NN_IMAGE_PIXELS + 783], pixel(6, 783));

    NnDataset view = nn_dataset_view(&train, 10, 5);
    assert_int_equal(view.count, 2);
    assert_int_equal(view.labels[0], 0);
    assert_ptr_equal(view.images, train.images + 10 * NN_IMAGE_PIXELS);

    nn_dataset_free(&train);
    nn_dataset_free(&test);
    assert_null(train.images);
    assert_int_equal(train.count, 0);
}

/* ---- broken files ------------------------------------------------------------ */

static void
test_wrong_magic(void **state)
{
    (void)state;
    char path[PATH_MAX];
    for (int gz = 0; gz < 2; gz++) {
        make_path(path, gz ? "magic.gz" : "magic.idx");
        write_images(path, gz, LABELS_MAGIC, 3, 28, 28, 3, 0);
        expect_error(path, true, NN_ERR_FORMAT, "magic number 0x00000801, expected 0x00000803");
        write_labels(path, gz, IMAGES_MAGIC, 3, 3, -1, 0);
        expect_error(path, false, NN_ERR_FORMAT, "magic number 0x00000803, expected 0x00000801");
        /* little-endian, as a careless writer would store it */
        write_labels(path, gz, 0x01080000u, 3, 3, -1, 0);
        expect_error(path, false, NN_ERR_FORMAT, "not an IDX labels file");
    }
    /* Not IDX at all: a text file. */
    make_path(path, "text.txt");
    write_bytes(path, false, "hello, this is no dataset\n", 26);
    expect_error(path, true, NN_ERR_FORMAT, "not an IDX images file");
}

static void
test_wrong_image_size(void **state)
{
    (void)state;
    char path[PATH_MAX];
    make_path(path, "size.idx");
    write_images(path, false, IMAGES_MAGIC, 2, 28, 27, 2, 0);
    expect_error(path, true, NN_ERR_FORMAT, "images are 28x27, expected 28x28");
    write_images(path, false, IMAGES_MAGIC, 2, 32, 32, 2, 0);
    expect_error(path, true, NN_ERR_FORMAT, "images are 32x32");
    write_images(path, false, IMAGES_MAGIC, 2, 0, 0, 0, 0);
    expect_error(path, true, NN_ERR_FORMAT, "images are 0x0");
}

static void
test_count_zero(void **state)
{
    (void)state;
    char path[PATH_MAX];
    make_path(path, "zero.idx");
    write_images(path, false, IMAGES_MAGIC, 0, 28, 28, 0, 0);
    expect_error(path, true, NN_ERR_FORMAT, "implausible item count 0");
    write_labels(path, true, LABELS_MAGIC, 0, 0, -1, 0);
    expect_error(path, false, NN_ERR_FORMAT, "implausible item count 0");
    write_labels(path, false, LABELS_MAGIC, 0xffffffffu, 5, -1, 0);
    expect_error(path, false, NN_ERR_FORMAT, "implausible item count 4294967295");
}

static void
test_truncated_header(void **state)
{
    (void)state;
    char path[PATH_MAX];
    make_path(path, "header.idx");
    write_bytes(path, false, "", 0);
    expect_error(path, true, NN_ERR_FORMAT, "truncated (ends inside the header)");
    unsigned char header[16];
    put_be32(header, IMAGES_MAGIC);
    put_be32(header + 4, 5);
    put_be32(header + 8, 28);
    write_bytes(path, false, header, 12);
    expect_error(path, true, NN_ERR_FORMAT, "ends inside the header");
    write_bytes(path, true, header, 6);
    expect_error(path, false, NN_ERR_FORMAT, "ends inside the header");
}

/* Sets the address-space limit to what the process uses now plus `room`, so
 * that an allocation sized from a lying header would fail (and the test with
 * it) instead of succeeding lazily. Not under AddressSanitizer or valgrind,
 * which reserve address space of their own. Returns whether it did. */
static bool
limit_address_space(struct rlimit *old, size_t room)
{
#if defined(__SANITIZE_ADDRESS__)
    (void)old;
    (void)room;
    return false;
#else
    const char *preload = getenv("LD_PRELOAD");
    if (preload != NULL && strstr(preload, "vgpreload") != NULL)
        return false;
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (f == NULL)
        return false;
    int got = fscanf(f, "%lu", &pages);
    fclose(f);
    if (got != 1 || getrlimit(RLIMIT_AS, old) != 0)
        return false;
    struct rlimit limit = *old;
    limit.rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + room;
    if (old->rlim_max != RLIM_INFINITY && limit.rlim_cur > old->rlim_max)
        return false;
    return setrlimit(RLIMIT_AS, &limit) == 0;
#endif
}

/* A header that promises more items than the file holds: refused as
 * truncated, quickly, and without allocating what the header asks for
 * (9,000,000 images would be 7 GB). */
static void
test_count_larger_than_data(void **state)
{
    (void)state;
    char path[PATH_MAX];
    make_path(path, "lying.idx");
    for (int gz = 0; gz < 2; gz++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        struct rlimit old;
        bool limited = limit_address_space(&old, 512u << 20);

        /* 100 bytes: the header and 84 pixels */
        write_images(path, gz, IMAGES_MAGIC, 9000000, 28, 28, 0, 84);
        expect_error(path, true, NN_ERR_FORMAT, "truncated (ends inside the data of 9000000 images)");
        write_labels(path, gz, LABELS_MAGIC, 9000000, 92, -1, 0);
        expect_error(path, false, NN_ERR_FORMAT, "truncated (ends inside the data of 9000000 labels)");
        /* one image short */
        write_images(path, gz, IMAGES_MAGIC, 10, 28, 28, 9, 0);
        expect_error(path, true, NN_ERR_FORMAT, "truncated");
        /* one pixel short */
        write_images(path, gz, IMAGES_MAGIC, 10, 28, 28, 9, NN_IMAGE_PIXELS - 1);
        expect_error(path, true, NN_ERR_FORMAT, "truncated");

        if (limited)
            assert_int_equal(setrlimit(RLIMIT_AS, &old), 0);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        if (seconds > 2.0)
            fail_msg("refusing short files took %.1f s", seconds);
        if (!limited && gz == 0)
            print_message("# address-space limit not set (sanitizer or valgrind): only the time is checked\n");
    }
}

static void
test_extra_bytes(void **state)
{
    (void)state;
    char path[PATH_MAX];
    make_path(path, "extra.idx");
    for (int gz = 0; gz < 2; gz++) {
        write_images(path, gz, IMAGES_MAGIC, 4, 28, 28, 4, 1);
        expect_error(path, true, NN_ERR_FORMAT, "longer than its header says (4 items)");
        write_images(path, gz, IMAGES_MAGIC, 4, 28, 28, 5, 0);
        expect_error(path, true, NN_ERR_FORMAT, "longer than its header says");
        write_labels(path, gz, LABELS_MAGIC, 4, 5, -1, 0);
        expect_error(path, false, NN_ERR_FORMAT, "longer than its header says (4 items)");
    }
}

static void
test_bad_label(void **state)
{
    (void)state;
    char path[PATH_MAX];
    make_path(path, "labels.idx");
    write_labels(path, false, LABELS_MAGIC, 20, 20, 3, 10);
    expect_error(path, false, NN_ERR_FORMAT, "label 10 of item 3 is not a digit 0-9");
    write_labels(path, true, LABELS_MAGIC, 20, 20, 19, 255);
    expect_error(path, false, NN_ERR_FORMAT, "label 255 of item 19");
}

static void
test_count_mismatch(void **state)
{
    (void)state;
    char path[PATH_MAX];
    make_path(path, "t10k-images-idx3-ubyte.gz");
    write_images(path, true, IMAGES_MAGIC, 5, 28, 28, 5, 0);
    make_path(path, "t10k-labels-idx1-ubyte.gz");
    write_labels(path, true, LABELS_MAGIC, 4, 4, -1, 0);
    NnDataset ds = { .count = -1 };
    NnError err;
    assert_int_equal(nn_dataset_load(tmp_dir, NN_SPLIT_TEST, &ds, &err), NN_ERR_FORMAT);
    assert_non_null(strstr(err.message, "t10k-images-idx3-ubyte.gz: 5 images but t10k-labels-idx1-ubyte.gz has 4 labels"));
    assert_int_equal(ds.count, 0);
    assert_null(ds.images);
    assert_null(ds.labels);
}

static void
test_missing_files(void **state)
{
    (void)state;
    char path[PATH_MAX];
    make_path(path, "no-such-file.gz");
    expect_error(path, true, NN_ERR_IO, "cannot open");

    NnDataset ds;
    NnError err;
    /* an empty folder: the images are missing */
    assert_int_equal(nn_dataset_load(tmp_dir, NN_SPLIT_TRAIN, &ds, &err), NN_ERR_IO);
    assert_non_null(strstr(err.message, "train-images-idx3-ubyte"));
    /* the images there, the labels not */
    make_path(path, "train-images-idx3-ubyte");
    write_images(path, false, IMAGES_MAGIC, 3, 28, 28, 3, 0);
    assert_int_equal(nn_dataset_load(tmp_dir, NN_SPLIT_TRAIN, &ds, &err), NN_ERR_IO);
    assert_non_null(strstr(err.message, "train-labels-idx1-ubyte"));
    assert_null(ds.images);
    /* a folder that does not exist */
    make_path(path, "nowhere");
    assert_int_equal(nn_dataset_load(path, NN_SPLIT_TEST, &ds, &err), NN_ERR_IO);
    assert_non_null(strstr(err.message, "nowhere/t10k-images-idx3-ubyte"));
}

static void
test_directory(void **state)
{
    (void)state;
    char path[PATH_MAX];
    make_path(path, "a-folder");
    assert_int_equal(mkdir(path, 0755), 0);
    uint8_t *data = NULL;
    int count = -1;
    NnError err;
    NnStatus status = nn_idx_read_images(path, &data, &count, &err);
    assert_int_not_equal(status, NN_OK);
    assert_null(data);
    assert_non_null(strstr(err.message, "a-folder"));
}

/* A gzip file damaged in its compressed data, cut short, or with a wrong
 * CRC or length in its trailer: an error, never a crash or made-up pixels.
 * Both a small, well-compressed file (zlib inflates all of it ahead while
 * the header is read) and a large, incompressible one (stored blocks, read
 * in several chunks). */
static void
test_corrupt_gzip(void **state)
{
    (void)state;
    char good[PATH_MAX], path[PATH_MAX];
    make_path(good, "good.gz");
    make_path(path, "corrupt.gz");
    for (int kind = 0; kind < 2; kind++) {
        int n = kind == 0 ? 50 : 400;
        write_images(good, true, IMAGES_MAGIC, (uint32_t)n, 28, 28, n, 0);
        if (kind == 1) {
            /* rewrite with noise for pixels */
            size_t raw_size = 16 + (size_t)n * NN_IMAGE_PIXELS;
            unsigned char *raw = malloc(raw_size);
            assert_non_null(raw);
            put_be32(raw, IMAGES_MAGIC);
            put_be32(raw + 4, (uint32_t)n);
            put_be32(raw + 8, 28);
            put_be32(raw + 12, 28);
            uint32_t x = 1;
            for (size_t i = 16; i < raw_size; i++) {
                x = x * 1664525u + 1013904223u;
                raw[i] = (unsigned char)(x >> 24);
            }
            write_bytes(good, true, raw, raw_size);
            free(raw);
        }
        size_t size;
        unsigned char *data = read_bytes(good, &size);
        assert_true(size > 200);

        /* bytes of the deflate stream (after the 10-byte gzip header, whose
         * time stamp and OS bytes nobody checks) */
        for (int k = 0; k < 8; k++) {
            size_t at = 10 + (size_t)k * (size - 18) / 8;
            data[at] ^= 0x55;
            write_bytes(path, false, data, size);
            data[at] ^= 0x55;
            expect_error(path, true, NN_ERR_FORMAT, "corrupt.gz");
        }
        /* the CRC-32 of the uncompressed data, then its length (the trailer) */
        static const size_t from_end[] = { 8, 5, 4, 1 };
        for (size_t i = 0; i < sizeof from_end / sizeof from_end[0]; i++) {
            data[size - from_end[i]] ^= 1;
            write_bytes(path, false, data, size);
            data[size - from_end[i]] ^= 1;
            expect_error(path, true, NN_ERR_FORMAT, "check");
        }
        /* cut short inside the compressed data */
        for (int k = 0; k < 6; k++) {
            size_t keep = 5 + (size_t)k * (size - 20) / 5;
            write_bytes(path, false, data, keep);
            expect_error(path, true, NN_ERR_FORMAT, "corrupt.gz");
        }

        /* Cut inside the 8-byte trailer or the last bytes of the deflate
         * stream, after all the pixels: zlib's gzread() then returns 0 as at
         * a proper end; the reader must still notice (gzerror, gzclose). */
        for (size_t cut = 1; cut <= 10; cut++) {
            write_bytes(path, false, data, size - cut);
            expect_error(path, true, NN_ERR_FORMAT, "corrupt.gz");
        }
        free(data);
    }
}

/* The gzip trailer (CRC-32 and length of the data) is required, on a file
 * large and compressible like the real MNIST files (1.5 MB of pixels,
 * 16 kB compressed): zlib's gzread() took such a file cut anywhere in its
 * last 9 bytes, or with its CRC wrong, as good. Also refused: a flipped bit
 * in the deflate data, and anything after the gzip member. */
static void
test_gzip_trailer(void **state)
{
    (void)state;
    char good[PATH_MAX], path[PATH_MAX];
    make_path(good, "good.gz");
    make_path(path, "bad.gz");
    enum { N = 2000 };
    write_images(good, true, IMAGES_MAGIC, N, 28, 28, N, 0);
    check_good_images(good, N);
    size_t size;
    unsigned char *data = read_bytes(good, &size);
    assert_true(size > 4000 && size < 100000);

    for (size_t cut = 1; cut <= 9; cut++) {
        write_bytes(path, false, data, size - cut);
        expect_error(path, true, NN_ERR_FORMAT, "cut short");
    }
    /* one bit of the CRC-32, of the length, of the deflate data */
    static const size_t from_end[] = { 8, 6, 4, 1 };
    for (size_t i = 0; i < sizeof from_end / sizeof from_end[0]; i++) {
        data[size - from_end[i]] ^= 0x10;
        write_bytes(path, false, data, size);
        data[size - from_end[i]] ^= 0x10;
        expect_error(path, true, NN_ERR_FORMAT, "corrupt");
    }
    for (int k = 1; k < 8; k++) {
        size_t at = 10 + (size_t)k * (size - 18) / 8;
        data[at] ^= 0x01;
        write_bytes(path, false, data, size);
        data[at] ^= 0x01;
        expect_error(path, true, NN_ERR_FORMAT, "bad.gz");
    }
    /* trailing bytes: garbage, a zero, a second gzip member */
    unsigned char *longer = malloc(size + 64);
    assert_non_null(longer);
    memcpy(longer, data, size);
    memcpy(longer + size, "garbage", 7);
    write_bytes(path, false, longer, size + 7);
    expect_error(path, true, NN_ERR_FORMAT, "after the end of the compressed data");
    longer[size] = 0;
    write_bytes(path, false, longer, size + 1);
    expect_error(path, true, NN_ERR_FORMAT, "after the end of the compressed data");
    memcpy(longer + size, data, 20);
    write_bytes(path, false, longer, size + 20);
    expect_error(path, true, NN_ERR_FORMAT, "after the end of the compressed data");
    free(longer);
    free(data);
}

/* ---- the real MNIST test split --------------------------------------------- */

static void
test_real_mnist_test_split(void **state)
{
    (void)state;
    static const int histogram[10] = { 980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009 };
    NnDataset ds;
    NnError err;
    if (nn_dataset_load(test_mnist_dir(), NN_SPLIT_TEST, &ds, &err) != NN_OK)
        fail_msg("%s", err.message);
    assert_int_equal(ds.count, 10000);
    assert_int_equal(ds.labels[0], 7);
    int counts[10] = { 0 };
    for (int i = 0; i < ds.count; i++)
        counts[ds.labels[i]]++;
    for (int d = 0; d < 10; d++)
        if (counts[d] != histogram[d])
            fail_msg("%d test images of digit %d, expected %d", counts[d], d, histogram[d]);
    /* the first image, a 7: ink in the middle, none in the corners */
    assert_int_equal(ds.images[0], 0);
    assert_int_equal(ds.images[NN_IMAGE_PIXELS - 1], 0);
    int ink = 0;
    for (int p = 0; p < NN_IMAGE_PIXELS; p++)
        ink += ds.images[p] > 127;
    assert_true(ink > 50 && ink < 300);
    nn_dataset_free(&ds);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_good_raw, clean),
        cmocka_unit_test_setup(test_good_gzip, clean),
        cmocka_unit_test_setup(test_dataset_load, clean),
        cmocka_unit_test_setup(test_wrong_magic, clean),
        cmocka_unit_test_setup(test_wrong_image_size, clean),
        cmocka_unit_test_setup(test_count_zero, clean),
        cmocka_unit_test_setup(test_truncated_header, clean),
        cmocka_unit_test_setup(test_count_larger_than_data, clean),
        cmocka_unit_test_setup(test_extra_bytes, clean),
        cmocka_unit_test_setup(test_bad_label, clean),
        cmocka_unit_test_setup(test_count_mismatch, clean),
        cmocka_unit_test_setup(test_missing_files, clean),
        cmocka_unit_test_setup(test_directory, clean),
        cmocka_unit_test_setup(test_corrupt_gzip, clean),
        cmocka_unit_test_setup(test_gzip_trailer, clean),
        cmocka_unit_test(test_real_mnist_test_split), /* keep last */
    };
    size_t n = sizeof tests / sizeof tests[0];

    if (test_mnist_dir() == NULL) { /* see test-mnist.h */
        printf("# SKIP test_real_mnist_test_split: " TEST_MNIST_MISSING "\n");
        n--;
    }
    return _cmocka_run_group_tests("test-idx", tests, n, group_setup, group_teardown);
}
