/* Model files (docs/model-format.md): save/load round trips for both
 * paddings, with and without Adam's state; broken files made here, each of
 * which must be refused with the right status and a message that names the
 * problem; and atomic saving. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "model.h"
#include "rng.h"

#define HEADER_SIZE 128
/* Header field offsets of format version 2, from docs/model-format.md. */
#define OFF_VERSION 8
#define OFF_ENDIAN 12
#define OFF_HEADER_SIZE 16
#define OFF_PADDING 20
#define OFF_BLOCKS 40
#define OFF_CONVS 44
#define OFF_FILTERS 48
#define OFF_DENSE 60
#define OFF_FLAGS 64
#define OFF_DROPOUT_CONV 68
#define OFF_TEMPERATURE 76
#define OFF_COUNT 80
#define OFF_EPOCHS 84
#define OFF_STEP 88
#define OFF_OPTIMIZER 96
#define FLAG_OPTIMIZER 1u
#define FLAG_BN 2u
/* Version 1: an 80-byte header, the paper's network only. */
#define V1_HEADER_SIZE 80
#define V1_OFF_BLOCK1 40
#define V1_OFF_COUNT 52

enum { N_IMAGES = 6, MAX_RECORDS = 80 };

static char tmp_dir[256];
/* A good file (valid padding, no optimizer state) that the broken ones are made from. */
static unsigned char *good;
static size_t good_size;

/* ---- helpers -------------------------------------------------------------- */

static void
make_path(char *path, const char *name)
{
    snprintf(path, PATH_MAX, "%s/%s", tmp_dir, name);
}

static uint32_t
get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void
put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* Rewrites the CRC-32 trailer so that a deliberate change is what the loader sees. */
static void
fix_crc(unsigned char *data, size_t size)
{
    put_le32(data + size - 4, (uint32_t)crc32(0L, data, (uInt)(size - 4)));
}

static unsigned char *
read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    unsigned char *data = malloc((size_t)n + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return data;
}

static void
write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, size, f), size);
    assert_int_equal(fclose(f), 0);
}

/* Number of entries in a folder, and whether one looks like a leftover
 * temporary file (the saver's NAME.XXXXXX). */
static int
count_entries(const char *dir, bool *leftover)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    *leftover = false;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        n++;
        if (strstr(e->d_name, ".dlm.") != NULL || strstr(e->d_name, ".tmp") != NULL)
            *leftover = true;
    }
    closedir(d);
    return n;
}

/* A model whose every tensor, Adam moment and counter holds distinct
 * non-default values, so a round trip that drops or swaps anything shows. */
static NnModel *
make_model_of(const NnModelConfig *config, uint64_t seed)
{
    NnModel *m;
    assert_int_equal(nn_model_new(config, seed, &m, NULL), NN_OK);
    assert_int_equal(nn_model_reserve_training(m, 1, NULL), NN_OK);
    NnRng rng = nn_rng_seed(seed + 1000);
    for (int i = 0; i < nn_model_tensor_count(m); i++) {
        const NnTensor *t = nn_model_tensor(m, i);
        bool weight = strstr(t->name, ".weight") != NULL; /* keep Glorot's */
        bool var = strstr(t->name, "running_var") != NULL, gamma = strstr(t->name, "gamma") != NULL;
        for (size_t k = 0; k < t->size; k++) {
            if (var)
                t->data[k] = nn_rng_range(&rng, 0.5f, 2.0f);
            else if (!weight)
                t->data[k] = nn_rng_range(&rng, -0.5f, 0.5f) + (gamma ? 1.0f : 0.0f);
            if (t->adam_m != NULL) {
                t->adam_m[k] = nn_rng_range(&rng, -1e-2f, 1e-2f);
                t->adam_v[k] = nn_rng_range(&rng, 0.0f, 1e-4f);
            }
        }
    }
    nn_model_set_step(m, 0x100000000ull + 12345); /* uses the step's high word */
    nn_model_set_epochs_done(m, 7);
    return m;
}

static NnModel *
make_model(NnPadding padding, uint64_t seed)
{
    NnModelConfig config = nn_model_config_default();
    config.padding = padding;
    return make_model_of(&config, seed);
}

/* The same file in format version 1 (the paper's network only): its
 * 80-byte header, the same records, a new trailer. */
static unsigned char *
to_version1(const unsigned char *v2, size_t size, size_t *v1_size)
{
    *v1_size = size - HEADER_SIZE + V1_HEADER_SIZE;
    unsigned char *v1 = calloc(1, *v1_size);
    assert_non_null(v1);
    memcpy(v1, v2, 20); /* magic, version (set below), byte order, header size (below) */
    put_le32(v1 + OFF_VERSION, 1);
    put_le32(v1 + OFF_HEADER_SIZE, V1_HEADER_SIZE);
    const uint32_t fields[] = {
        get_le32(v2 + OFF_PADDING), 28, 28, 1, 10, get_le32(v2 + OFF_FILTERS), get_le32(v2 + OFF_FILTERS + 4),
        get_le32(v2 + OFF_DENSE), get_le32(v2 + OFF_COUNT), get_le32(v2 + OFF_FLAGS) & FLAG_OPTIMIZER,
        get_le32(v2 + OFF_EPOCHS), get_le32(v2 + OFF_STEP), get_le32(v2 + OFF_STEP + 4),
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        put_le32(v1 + 20 + 4 * i, fields[i]);
    memcpy(v1 + V1_HEADER_SIZE, v2 + HEADER_SIZE, size - HEADER_SIZE - 4);
    fix_crc(v1, *v1_size);
    return v1;
}

static void
assert_same_tensors(const NnModel *a, const NnModel *b, bool optimizer)
{
    assert_int_equal(nn_model_config(a)->padding, nn_model_config(b)->padding);
    assert_int_equal(nn_model_tensor_count(a), nn_model_tensor_count(b));
    for (int i = 0; i < nn_model_tensor_count(a); i++) {
        const NnTensor *s = nn_model_tensor(a, i), *t = nn_model_tensor(b, i);
        assert_string_equal(s->name, t->name);
        assert_int_equal(s->ndim, t->ndim);
        for (int d = 0; d < 4; d++)
            assert_int_equal(s->dims[d], t->dims[d]);
        assert_int_equal(s->size, t->size);
        if (memcmp(s->data, t->data, s->size * sizeof(float)) != 0)
            fail_msg("tensor %s differs after loading", s->name);
        if (s->adam_m == NULL || t->adam_m == NULL) { /* loaded from a file without optimizer state */
            assert_false(optimizer && s->adam_m != NULL);
            continue;
        }
        for (size_t k = 0; k < s->size; k++) {
            float want_m = optimizer ? s->adam_m[k] : 0.0f, want_v = optimizer ? s->adam_v[k] : 0.0f;
            if (memcmp(&t->adam_m[k], &want_m, sizeof(float)) != 0 ||
                memcmp(&t->adam_v[k], &want_v, sizeof(float)) != 0)
                fail_msg("Adam state of %s[%zu] is %g/%g, expected %g/%g", s->name, k, t->adam_m[k],
                         t->adam_v[k], want_m, want_v);
        }
    }
}

static void
assert_same_predictions(NnModel *a, NnModel *b)
{
    static float images[N_IMAGES * NN_IMAGE_PIXELS];
    float pa[N_IMAGES * NN_CLASSES], pb[N_IMAGES * NN_CLASSES];
    NnRng rng = nn_rng_seed(77);
    for (size_t i = 0; i < sizeof images / sizeof images[0]; i++)
        images[i] = nn_rng_uniform(&rng);
    /* the same batch capacity: how a batch is cut into chunks changes the last bits */
    assert_int_equal(nn_model_reserve(a, N_IMAGES, NULL), NN_OK);
    assert_int_equal(nn_model_reserve(b, N_IMAGES, NULL), NN_OK);
    assert_int_equal(nn_model_predict(a, images, N_IMAGES, pa, NULL), NN_OK);
    assert_int_equal(nn_model_predict(b, images, N_IMAGES, pb, NULL), NN_OK);
    for (int i = 0; i < N_IMAGES * NN_CLASSES; i++)
        if (memcmp(&pa[i], &pb[i], sizeof(float)) != 0)
            fail_msg("prediction %d: %.9g before saving, %.9g after loading", i, pa[i], pb[i]);
}

/* Loading path must fail with status want and a message containing needle
 * (and the file's name). */
static void
expect_load_error(const char *path, NnStatus want, const char *needle)
{
    NnModel *m = NULL;
    NnError err;
    nn_error_clear(&err);
    NnStatus status = nn_model_load(path, &m, &err);
    if (status != want)
        fail_msg("%s: got status '%s' (%s), expected '%s'", path, nn_status_to_string(status),
                 err.message, nn_status_to_string(want));
    assert_null(m);
    assert_int_equal(err.status, want);
    if (strstr(err.message, needle) == NULL)
        fail_msg("message '%s' does not say '%s'", err.message, needle);
    if (strstr(err.message, path) == NULL)
        fail_msg("message '%s' does not name the file", err.message);
}

/* Writes data to NAME in the temporary folder and expects the load to fail. */
static void
expect_bytes_error(const char *name, const unsigned char *data, size_t size, NnStatus want,
                   const char *needle)
{
    char path[PATH_MAX];
    make_path(path, name);
    write_file(path, data, size);
    expect_load_error(path, want, needle);
    unlink(path);
}

/* ---- tensor records of the good file ---------------------------------------- */

typedef struct {
    size_t start, end, name_at;
    char name[64];
} Record;

static int
list_records(const unsigned char *data, size_t size, Record *out)
{
    uint32_t count = get_le32(data + OFF_COUNT);
    assert_true(count <= MAX_RECORDS);
    size_t p = HEADER_SIZE;
    for (uint32_t i = 0; i < count; i++) {
        Record *r = &out[i];
        r->start = p;
        uint32_t len = get_le32(data + p);
        assert_true(len < sizeof r->name);
        r->name_at = p + 4;
        memcpy(r->name, data + p + 4, len);
        r->name[len] = '\0';
        p += 4 + len;
        uint32_t ndim = get_le32(data + p), n = 1;
        for (uint32_t d = 0; d < ndim; d++)
            n *= get_le32(data + p + 4 + 4 * d);
        p += 4 + 4 * ndim + 4 + 4 * (size_t)n;
        r->end = p;
    }
    assert_int_equal(p, size - 4);
    return (int)count;
}

/* The good file's header, then its records in the given order (indices may
 * repeat or be left out), then a correct trailer. */
static unsigned char *
assemble(const int *order, int n, size_t *size)
{
    Record rec[MAX_RECORDS];
    list_records(good, good_size, rec);
    size_t total = HEADER_SIZE + 4;
    for (int i = 0; i < n; i++)
        total += rec[order[i]].end - rec[order[i]].start;
    unsigned char *data = malloc(total);
    assert_non_null(data);
    memcpy(data, good, HEADER_SIZE);
    size_t p = HEADER_SIZE;
    for (int i = 0; i < n; i++) {
        size_t len = rec[order[i]].end - rec[order[i]].start;
        memcpy(data + p, good + rec[order[i]].start, len);
        p += len;
    }
    put_le32(data + OFF_COUNT, (uint32_t)n);
    fix_crc(data, total);
    *size = total;
    return data;
}

/* The good file with one more record NAME (one dimension, n zeros). */
static unsigned char *
with_extra_record(const char *name, uint32_t n, size_t *size)
{
    size_t len = strlen(name), record = 4 + len + 4 + 4 + 4 + 4 * (size_t)n;
    *size = good_size + record;
    unsigned char *data = calloc(1, *size);
    assert_non_null(data);
    memcpy(data, good, good_size - 4);
    unsigned char *p = data + good_size - 4;
    put_le32(p, (uint32_t)len);
    memcpy(p + 4, name, len);
    put_le32(p + 4 + len, 1);
    put_le32(p + 8 + len, n);
    put_le32(p + 12 + len, 0);
    put_le32(data + OFF_COUNT, get_le32(good + OFF_COUNT) + 1);
    fix_crc(data, *size);
    return data;
}

static unsigned char *
copy_good(void)
{
    unsigned char *data = malloc(good_size);
    assert_non_null(data);
    memcpy(data, good, good_size);
    return data;
}

/* ---- fixtures ----------------------------------------------------------------- */

static int
remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(path);
        else
            unlink(path);
    }
    closedir(d);
    return rmdir(dir);
}

static int
group_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
    snprintf(tmp_dir, sizeof tmp_dir, "%s/digitlab-test-model-file-XXXXXX", base);
    if (mkdtemp(tmp_dir) == NULL)
        return -1;
    NnModel *m = make_model(NN_PADDING_VALID, 3);
    char path[PATH_MAX];
    make_path(path, "good.dlm");
    NnStatus status = nn_model_save(m, path, 0, NULL);
    nn_model_free(m);
    if (status != NN_OK)
        return -1;
    good = read_file(path, &good_size);
    unlink(path);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    free(good);
    return remove_tree(tmp_dir);
}

/* ---- round trips ------------------------------------------------------------ */

static void
check_round_trip(NnPadding padding, bool optimizer)
{
    NnModel *m = make_model(padding, padding == NN_PADDING_SAME ? 11 : 12);
    char path[PATH_MAX];
    make_path(path, "round-trip.dlm");
    NnError err;
    nn_error_clear(&err);
    assert_int_equal(nn_model_save(m, path, optimizer, &err), NN_OK);

    /* The header says what was saved. */
    size_t size;
    unsigned char *data = read_file(path, &size);
    assert_memory_equal(data, "DIGITLAB", 8);
    assert_int_equal(get_le32(data + OFF_PADDING), padding == NN_PADDING_VALID ? 1 : 0);
    assert_int_equal(get_le32(data + OFF_VERSION), 2);
    assert_int_equal(get_le32(data + OFF_HEADER_SIZE), HEADER_SIZE);
    assert_int_equal(get_le32(data + OFF_BLOCKS), 2);
    assert_int_equal(get_le32(data + OFF_CONVS), 2);
    assert_int_equal(get_le32(data + OFF_FILTERS), 32);
    assert_int_equal(get_le32(data + OFF_FILTERS + 4), 64);
    assert_int_equal(get_le32(data + OFF_FILTERS + 8), 0);
    assert_int_equal(get_le32(data + OFF_DENSE), 128);
    assert_int_equal(get_le32(data + OFF_COUNT), optimizer ? 27 + 2 * 17 : 27);
    assert_int_equal(get_le32(data + OFF_FLAGS), FLAG_BN | (optimizer ? FLAG_OPTIMIZER : 0));
    assert_int_equal(get_le32(data + OFF_DROPOUT_CONV), 0x3e800000u); /* 0.25f */
    assert_int_equal(get_le32(data + OFF_TEMPERATURE), 0x3f800000u); /* 1.0f */
    assert_int_equal(get_le32(data + OFF_OPTIMIZER), 0);
    assert_int_equal(get_le32(data + OFF_EPOCHS), 7);
    assert_int_equal(get_le32(data + OFF_STEP), 12345);
    assert_int_equal(get_le32(data + OFF_STEP + 4), 1);
    assert_int_equal(get_le32(data + size - 4), (uint32_t)crc32(0L, data, (uInt)(size - 4)));
    free(data);

    NnModel *loaded = NULL;
    NnStatus status = nn_model_load(path, &loaded, &err);
    if (status != NN_OK)
        fail_msg("loading %s: %s", path, err.message);
    assert_same_tensors(m, loaded, optimizer);
    /* Step and finished epochs are in the header, saved either way. */
    assert_int_equal(nn_model_step(loaded), nn_model_step(m));
    assert_int_equal(nn_model_epochs_done(loaded), 7);
    assert_same_predictions(m, loaded);

    /* Saving what was loaded gives the same bytes. */
    char again[PATH_MAX];
    make_path(again, "round-trip-again.dlm");
    assert_int_equal(nn_model_save(loaded, again, optimizer, NULL), NN_OK);
    size_t s1, s2;
    unsigned char *d1 = read_file(path, &s1), *d2 = read_file(again, &s2);
    assert_int_equal(s1, s2);
    assert_memory_equal(d1, d2, s1);
    free(d1);
    free(d2);

    unlink(path);
    unlink(again);
    nn_model_free(m);
    nn_model_free(loaded);
}

static void test_round_trip_same(void **state) { (void)state; check_round_trip(NN_PADDING_SAME, false); }
static void test_round_trip_valid(void **state) { (void)state; check_round_trip(NN_PADDING_VALID, false); }
static void test_round_trip_same_optimizer(void **state) { (void)state; check_round_trip(NN_PADDING_SAME, true); }
static void test_round_trip_valid_optimizer(void **state) { (void)state; check_round_trip(NN_PADDING_VALID, true); }

/* The file layout the document promises: tensor names and order, shapes. */
static void
test_layout(void **state)
{
    (void)state;
    static const char *const names[27] = {
        "conv1.weight", "bn1.gamma", "bn1.beta", "conv2.weight", "bn2.gamma", "bn2.beta",
        "conv3.weight", "bn3.gamma", "bn3.beta", "conv4.weight", "bn4.gamma", "bn4.beta",
        "dense1.weight", "bn5.gamma", "bn5.beta", "dense2.weight", "dense2.bias",
        "bn1.running_mean", "bn1.running_var", "bn2.running_mean", "bn2.running_var",
        "bn3.running_mean", "bn3.running_var", "bn4.running_mean", "bn4.running_var",
        "bn5.running_mean", "bn5.running_var",
    };
    Record rec[MAX_RECORDS];
    assert_int_equal(list_records(good, good_size, rec), 27);
    for (int i = 0; i < 27; i++)
        assert_string_equal(rec[i].name, names[i]);
    /* dense1.weight of a valid-padding model: 2 dims, 128 x 1024 */
    const unsigned char *p = good + rec[12].name_at + strlen(names[12]);
    assert_int_equal(get_le32(p), 2);
    assert_int_equal(get_le32(p + 4), 128);
    assert_int_equal(get_le32(p + 8), 1024);
    assert_int_equal(get_le32(p + 12), 0); /* dtype float32 */
    assert_int_equal(get_le32(good + OFF_HEADER_SIZE), HEADER_SIZE);
    assert_int_equal(get_le32(good + OFF_ENDIAN), 0x01020304u);
}

/* ---- broken files --------------------------------------------------------------- */

static void
test_empty_file(void **state)
{
    (void)state;
    expect_bytes_error("empty.dlm", good, 0, NN_ERR_FORMAT, "too short (0 bytes)");
}

static void
test_truncated(void **state)
{
    (void)state;
    /* Inside the header or too short for header and trailer. */
    static const size_t short_sizes[] = { 1, 8, 40, HEADER_SIZE - 1, HEADER_SIZE, HEADER_SIZE + 3 };
    for (size_t i = 0; i < sizeof short_sizes / sizeof short_sizes[0]; i++)
        expect_bytes_error("short.dlm", good, short_sizes[i], NN_ERR_FORMAT, "too short");
    /* Inside a tensor record, inside its numbers, the trailer missing or cut. */
    const size_t cuts[] = { HEADER_SIZE + 4, HEADER_SIZE + 10, HEADER_SIZE + 200, good_size / 2,
                            good_size - 8, good_size - 4, good_size - 1 };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
        expect_bytes_error("cut.dlm", good, cuts[i], NN_ERR_CHECKSUM, "checksum");
}

/* Truncated files whose trailer is made right again: the record checks,
 * not the checksum, must catch them. */
static void
test_truncated_with_valid_crc(void **state)
{
    (void)state;
    Record rec[MAX_RECORDS];
    list_records(good, good_size, rec);
    struct {
        size_t keep;
        const char *needle;
    } cases[] = {
        { rec[0].start + 2, "tensor 0 has a bad name" },          /* inside the name length */
        { rec[0].name_at + 5, "tensor 0 has a bad name" },        /* inside the name */
        { rec[3].name_at + 12 + 6, "'conv2.weight' has" }, /* inside the dims */
        { rec[3].end - 100, "'conv2.weight' is cut short" },      /* inside the numbers */
        { rec[26].start, "bad name" },                            /* the last record missing */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t size = cases[i].keep + 4;
        unsigned char *data = malloc(size);
        memcpy(data, good, cases[i].keep);
        fix_crc(data, size);
        char path[PATH_MAX];
        make_path(path, "cut-crc.dlm");
        write_file(path, data, size);
        NnModel *m = NULL;
        NnError err;
        NnStatus status = nn_model_load(path, &m, &err);
        assert_null(m);
        if (status != NN_ERR_FORMAT && status != NN_ERR_ARCH)
            fail_msg("cut at %zu: status %s (%s)", cases[i].keep, nn_status_to_string(status), err.message);
        if (strstr(err.message, cases[i].needle) == NULL)
            fail_msg("cut at %zu: message '%s' does not say '%s'", cases[i].keep, err.message, cases[i].needle);
        unlink(path);
        free(data);
    }
}

static void
test_flipped_byte(void **state)
{
    (void)state;
    unsigned char *data = copy_good();
    /* In the fields checked before the checksum: those checks fire. */
    char path[PATH_MAX];
    make_path(path, "flipped-header.dlm");
    for (size_t i = 0; i < OFF_PADDING; i++) {
        data[i] ^= 0x10;
        write_file(path, data, good_size);
        data[i] ^= 0x10;
        NnModel *m = NULL;
        NnError err;
        nn_error_clear(&err);
        NnStatus status = nn_model_load(path, &m, &err);
        assert_null(m);
        NnStatus want = i < OFF_VERSION ? NN_ERR_FORMAT : i < OFF_ENDIAN ? NN_ERR_VERSION : NN_ERR_FORMAT;
        if (status != want || strstr(err.message, path) == NULL)
            fail_msg("byte %zu flipped: status '%s', message '%s'", i, nn_status_to_string(status), err.message);
    }
    unlink(path);
    /* Past the fields checked before the checksum (magic, version, byte
     * order, header size): any one changed byte must be caught by the CRC. */
    size_t positions[64] = { OFF_PADDING, OFF_FILTERS, OFF_COUNT, OFF_FLAGS, OFF_EPOCHS, OFF_STEP,
                             HEADER_SIZE, HEADER_SIZE + 5, good_size / 2, good_size - 5,
                             good_size - 4, good_size - 1 };
    int n = 12;
    NnRng rng = nn_rng_seed(5);
    while (n < 64)
        positions[n++] = OFF_PADDING + nn_rng_below(&rng, (uint32_t)(good_size - OFF_PADDING));
    for (int i = 0; i < n; i++) {
        unsigned char bit = (unsigned char)(1u << (i % 8));
        data[positions[i]] ^= bit;
        expect_bytes_error("flipped.dlm", data, good_size, NN_ERR_CHECKSUM, "damaged (checksum mismatch)");
        data[positions[i]] ^= bit;
    }
    free(data);
}

static void
test_wrong_magic(void **state)
{
    (void)state;
    unsigned char *data = copy_good();
    data[0] = 'd';
    fix_crc(data, good_size);
    expect_bytes_error("magic.dlm", data, good_size, NN_ERR_FORMAT, "not a Digit Lab model file");
    /* A PNG is not a model either. */
    memcpy(data, "\x89PNG\r\n\x1a\n", 8);
    expect_bytes_error("magic.png", data, good_size, NN_ERR_FORMAT, "not a Digit Lab model file");
    free(data);
}

static void
test_wrong_version(void **state)
{
    (void)state;
    unsigned char *data = copy_good();
    put_le32(data + OFF_VERSION, 3);
    fix_crc(data, good_size);
    expect_bytes_error("version.dlm", data, good_size, NN_ERR_VERSION, "model format 3");
    /* The version is checked before the checksum: a future format may change it. */
    put_le32(data + OFF_VERSION, 0);
    put_le32(data + good_size - 4, 0);
    expect_bytes_error("version0.dlm", data, good_size, NN_ERR_VERSION, "model format 0");
    free(data);
}

static void
test_wrong_header(void **state)
{
    (void)state;
    unsigned char *data = copy_good();
    put_le32(data + OFF_ENDIAN, 0x04030201u); /* as a big-endian writer would store it */
    fix_crc(data, good_size);
    expect_bytes_error("endian.dlm", data, good_size, NN_ERR_FORMAT, "byte-order mark");
    memcpy(data, good, good_size);
    put_le32(data + OFF_HEADER_SIZE, 84);
    fix_crc(data, good_size);
    expect_bytes_error("header-size.dlm", data, good_size, NN_ERR_FORMAT, "header of 84 bytes");
    free(data);
}

static void
test_wrong_architecture(void **state)
{
    (void)state;
    unsigned char *data = copy_good();
    static const struct {
        size_t offset;
        uint32_t value;
        const char *needle;
    } cases[] = {
        { 24, 32, "input 32x28x1" },
        { 32, 3, "input 28x28x3" },
        { 36, 47, "47 classes" },
        { OFF_PADDING, 2, "padding 2" },
        { OFF_BLOCKS, 16, "1 to 3 blocks, not 16" },
        { OFF_CONVS, 0, "1 or 2 convolutions, not 0" },
        { OFF_FILTERS + 8, 8, "block 3 is not used but has 8 filters" },
        { OFF_DENSE, 8192, "0 to 4096 units, not 8192" },
        { OFF_DROPOUT_CONV, 0x3f800000u, "dropout rates are between 0 and 0.95" }, /* 1.0 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(data, good, good_size);
        put_le32(data + cases[i].offset, cases[i].value);
        fix_crc(data, good_size);
        expect_bytes_error("arch.dlm", data, good_size, NN_ERR_ARCH, cases[i].needle);
    }
    /* A network that exists, but not the one the records hold. */
    memcpy(data, good, good_size);
    put_le32(data + OFF_FILTERS, 16);
    fix_crc(data, good_size);
    expect_bytes_error("filters.dlm", data, good_size, NN_ERR_ARCH, "'conv1.weight' has the wrong shape");
    /* A valid-padding file relabelled "same": dense1's shape gives it away. */
    memcpy(data, good, good_size);
    put_le32(data + OFF_PADDING, 0);
    fix_crc(data, good_size);
    expect_bytes_error("padding.dlm", data, good_size, NN_ERR_ARCH, "'dense1.weight' has the wrong shape");
    /* Without BN, the network has biases and no bn tensors. */
    memcpy(data, good, good_size);
    put_le32(data + OFF_FLAGS, 0);
    fix_crc(data, good_size);
    expect_bytes_error("no-bn.dlm", data, good_size, NN_ERR_ARCH, "unknown tensor 'bn1.gamma'");
    /* An optimizer this version does not know, a temperature that is not one. */
    memcpy(data, good, good_size);
    put_le32(data + OFF_OPTIMIZER, 7);
    fix_crc(data, good_size);
    expect_bytes_error("optimizer.dlm", data, good_size, NN_ERR_FORMAT, "unknown optimizer (7)");
    memcpy(data, good, good_size);
    put_le32(data + OFF_TEMPERATURE, 0xbf800000u); /* -1.0 */
    fix_crc(data, good_size);
    expect_bytes_error("temperature.dlm", data, good_size, NN_ERR_FORMAT, "temperature");
    free(data);
}

/* Version 1 files (the bundled model, files saved before version 2) load as
 * the paper's network, and their own architecture fields are checked. */
static void
test_version1(void **state)
{
    (void)state;
    size_t v1_size;
    unsigned char *v1 = to_version1(good, good_size, &v1_size);
    char path[PATH_MAX];
    make_path(path, "v1.dlm");
    write_file(path, v1, v1_size);
    NnModel *loaded = NULL, *v2 = NULL;
    NnError err;
    if (nn_model_load(path, &loaded, &err) != NN_OK)
        fail_msg("%s", err.message);
    make_path(path, "v2.dlm");
    write_file(path, good, good_size);
    assert_int_equal(nn_model_load(path, &v2, NULL), NN_OK);
    NnModelConfig want = nn_model_config_default();
    want.padding = NN_PADDING_VALID;
    assert_true(nn_model_config_equal(nn_model_config(loaded), &want));
    assert_same_tensors(v2, loaded, false);
    assert_int_equal(nn_model_epochs_done(loaded), 7);
    assert_true(nn_model_temperature(loaded) == 1.0f);
    assert_same_predictions(v2, loaded);
    nn_model_free(loaded);
    nn_model_free(v2);

    put_le32(v1 + V1_OFF_BLOCK1, 16);
    fix_crc(v1, v1_size);
    expect_bytes_error("v1-filters.dlm", v1, v1_size, NN_ERR_ARCH, "filters 16/64");
    free(v1);

    /* The paper-recipe model, bundled until the drawings' model replaced
     * it and kept in data/, is a version 1 file. */
    const char *root = getenv("DIGITLAB_SOURCE_ROOT");
    if (root != NULL) {
        char paper[PATH_MAX];
        snprintf(paper, sizeof paper, "%s/data/digitlab-paper.dlm", root);
        NnModel *m = NULL;
        if (nn_model_load(paper, &m, &err) != NN_OK)
            fail_msg("%s", err.message);
        nn_model_free(m);
    }
}

/* Every shape class round-trips, with the temperature and the recipe. */
static void
test_round_trip_shapes(void **state)
{
    (void)state;
    NnModelConfig configs[5];
    for (int i = 0; i < 5; i++)
        configs[i] = nn_model_config_default();
    configs[0].blocks = 1;
    configs[0].filters[1] = 0;
    configs[0].convs_per_block = 1;
    configs[1].blocks = 3;
    configs[1].filters[2] = 16;
    configs[2].dense = 0;
    configs[2].dropout_dense = 0;
    configs[3].batch_norm = false;
    configs[3].dropout_conv = 0;
    configs[4].padding = NN_PADDING_VALID;
    configs[4].blocks = 3;
    configs[4].convs_per_block = 1;
    configs[4].filters[2] = 8;
    for (int i = 0; i < 5; i++) {
        NnModel *m = make_model_of(&configs[i], 40 + (uint64_t)i), *loaded = NULL;
        nn_model_set_temperature(m, 1.25f + (float)i);
        nn_model_set_recipe(m, "--preset test --seed 4");
        char path[PATH_MAX];
        make_path(path, "shape.dlm");
        NnError err;
        assert_int_equal(nn_model_save(m, path, i % 2, &err), NN_OK);
        if (nn_model_load(path, &loaded, &err) != NN_OK)
            fail_msg("config %d: %s", i, err.message);
        assert_true(nn_model_config_equal(nn_model_config(m), nn_model_config(loaded)));
        assert_same_tensors(m, loaded, i % 2);
        assert_true(nn_model_temperature(loaded) == 1.25f + (float)i);
        assert_string_equal(nn_model_recipe(loaded), "--preset test --seed 4");
        assert_same_predictions(m, loaded);
        nn_model_free(m);
        nn_model_free(loaded);
        unlink(path);
    }
}

/* A text record a later version may add is passed over. */
static void
test_unknown_text_record(void **state)
{
    (void)state;
    const char *name = "meta.future", *text = "from a later version";
    size_t len = strlen(name), tlen = strlen(text), record = 4 + len + 4 + 4 + 4 + tlen;
    size_t size = good_size + record;
    unsigned char *data = calloc(1, size);
    memcpy(data, good, good_size - 4);
    unsigned char *p = data + good_size - 4;
    put_le32(p, (uint32_t)len);
    memcpy(p + 4, name, len);
    put_le32(p + 4 + len, 1);
    put_le32(p + 8 + len, (uint32_t)tlen);
    put_le32(p + 12 + len, 1); /* text */
    memcpy(p + 16 + len, text, tlen);
    put_le32(data + OFF_COUNT, get_le32(good + OFF_COUNT) + 1);
    fix_crc(data, size);
    char path[PATH_MAX];
    make_path(path, "future.dlm");
    write_file(path, data, size);
    NnModel *m = NULL;
    NnError err;
    if (nn_model_load(path, &m, &err) != NN_OK)
        fail_msg("%s", err.message);
    nn_model_free(m);
    /* ... but text that claims more bytes than there are is refused. */
    put_le32(p + 8 + len, 100000);
    fix_crc(data, size);
    expect_bytes_error("future-long.dlm", data, size, NN_ERR_FORMAT, "too long or cut short");
    unlink(path);
    free(data);
}

static void
test_wrong_shape(void **state)
{
    (void)state;
    Record rec[MAX_RECORDS];
    list_records(good, good_size, rec);
    unsigned char *data = copy_good();
    size_t ndim_at = rec[0].name_at + strlen("conv1.weight");
    put_le32(data + ndim_at + 4, 31); /* conv1.weight 31x1x3x3 */
    fix_crc(data, good_size);
    expect_bytes_error("shape.dlm", data, good_size, NN_ERR_ARCH, "'conv1.weight' has the wrong shape");

    memcpy(data, good, good_size);
    put_le32(data + ndim_at, 3);
    fix_crc(data, good_size);
    expect_bytes_error("ndim.dlm", data, good_size, NN_ERR_ARCH, "'conv1.weight' has 3 dimensions, expected 4");

    memcpy(data, good, good_size);
    put_le32(data + ndim_at + 4 + 16, 5); /* dtype */
    fix_crc(data, good_size);
    expect_bytes_error("dtype.dlm", data, good_size, NN_ERR_FORMAT, "'conv1.weight' is not float32");
    free(data);
}

static void
test_missing_tensor(void **state)
{
    (void)state;
    static const struct {
        int left_out;
        const char *needle;
    } cases[] = {
        { 26, "'bn5.running_var' is missing" },
        { 12, "'dense1.weight' is missing" },
        { 0, "'conv1.weight' is missing" },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int order[27], n = 0;
        for (int i = 0; i < 27; i++)
            if (i != cases[c].left_out)
                order[n++] = i;
        size_t size;
        unsigned char *data = assemble(order, n, &size);
        expect_bytes_error("missing.dlm", data, size, NN_ERR_ARCH, cases[c].needle);
        free(data);
    }
}

static void
test_reordered_tensors_load(void **state)
{
    (void)state;
    /* Records are found by name: another order is still a good file. */
    int order[27];
    for (int i = 0; i < 27; i++)
        order[i] = 26 - i;
    size_t size;
    unsigned char *data = assemble(order, 27, &size);
    char path[PATH_MAX];
    make_path(path, "reversed.dlm");
    write_file(path, data, size);
    NnModel *m = NULL;
    NnError err;
    if (nn_model_load(path, &m, &err) != NN_OK)
        fail_msg("%s", err.message);
    nn_model_free(m);
    unlink(path);
    free(data);
}

static void
test_duplicate_tensor(void **state)
{
    (void)state;
    int order[28];
    for (int i = 0; i < 27; i++)
        order[i] = i;
    order[27] = 1;
    size_t size;
    unsigned char *data = assemble(order, 28, &size);
    expect_bytes_error("duplicate.dlm", data, size, NN_ERR_FORMAT, "'bn1.gamma' appears twice");
    free(data);
}

static void
test_unknown_tensor(void **state)
{
    (void)state;
    Record rec[MAX_RECORDS];
    list_records(good, good_size, rec);
    unsigned char *data = copy_good();
    memcpy(data + rec[0].name_at, "conv9", 5);
    fix_crc(data, good_size);
    expect_bytes_error("unknown.dlm", data, good_size, NN_ERR_ARCH, "unknown tensor 'conv9.weight'");

    /* A suffix other than .adam_m / .adam_v. */
    memcpy(data, good, good_size);
    memcpy(data + rec[18].name_at, "bn1.beta.adam_x", 15); /* was bn1.running_var */
    fix_crc(data, good_size);
    expect_bytes_error("suffix.dlm", data, good_size, NN_ERR_ARCH, "unknown tensor 'bn1.beta.adam_x'");

    /* Adam moments of a running statistic do not exist. */
    size_t size;
    unsigned char *extra = with_extra_record("bn1.running_mean.adam_m", 32, &size);
    expect_bytes_error("running-adam.dlm", extra, size, NN_ERR_ARCH, "unknown tensor 'bn1.running_mean.adam_m'");
    free(extra);

    /* A name that is empty or longer than 63 bytes. */
    memcpy(data, good, good_size);
    put_le32(data + rec[0].start, 0);
    fix_crc(data, good_size);
    expect_bytes_error("noname.dlm", data, good_size, NN_ERR_FORMAT, "tensor 0 has a bad name");
    put_le32(data + rec[0].start, 1000);
    fix_crc(data, good_size);
    expect_bytes_error("longname.dlm", data, good_size, NN_ERR_FORMAT, "tensor 0 has a bad name");
    free(data);
}

static void
test_trailing_garbage(void **state)
{
    (void)state;
    unsigned char *data = malloc(good_size + 16);
    memcpy(data, good, good_size);
    /* After the trailer: the trailer is no longer the last four bytes. */
    memset(data + good_size, 0xab, 16);
    expect_bytes_error("after-trailer.dlm", data, good_size + 16, NN_ERR_CHECKSUM, "checksum");
    /* Between the last tensor and a correct trailer. */
    memset(data + good_size - 4, 0, 16);
    fix_crc(data, good_size + 16);
    expect_bytes_error("after-tensors.dlm", data, good_size + 16, NN_ERR_FORMAT,
                       "unexpected data after the last tensor");
    /* The count says fewer tensors than there are. */
    memcpy(data, good, good_size);
    put_le32(data + OFF_COUNT, 26);
    fix_crc(data, good_size);
    expect_bytes_error("count-low.dlm", data, good_size, NN_ERR_FORMAT, "unexpected data after the last tensor");
    /* ... or more. */
    put_le32(data + OFF_COUNT, 28);
    fix_crc(data, good_size);
    expect_bytes_error("count-high.dlm", data, good_size, NN_ERR_FORMAT, "tensor 27 has a bad name");
    put_le32(data + OFF_COUNT, 0xffffffffu);
    fix_crc(data, good_size);
    expect_bytes_error("count-huge.dlm", data, good_size, NN_ERR_FORMAT, "tensor 27 has a bad name");
    free(data);
}

static void
test_missing_optimizer_state(void **state)
{
    (void)state;
    unsigned char *data = copy_good();
    put_le32(data + OFF_FLAGS, FLAG_BN | FLAG_OPTIMIZER); /* says Adam's state follows, but it does not */
    fix_crc(data, good_size);
    expect_bytes_error("no-adam.dlm", data, good_size, NN_ERR_FORMAT, "optimizer state of 'conv1.weight' is missing");
    free(data);
}

static void
test_nonexistent_path(void **state)
{
    (void)state;
    char path[PATH_MAX];
    make_path(path, "no-such-model.dlm");
    expect_load_error(path, NN_ERR_IO, "No such file");
    make_path(path, "no-such-folder/model.dlm");
    expect_load_error(path, NN_ERR_IO, "cannot open");
}

static void
test_directory(void **state)
{
    (void)state;
    expect_load_error(tmp_dir, NN_ERR_IO, "it is a folder");
}

/* A named pipe is refused at once: opening it must not wait for a writer
 * (the alarm turns a hang into a failure). */
static void
test_fifo_refused_at_once(void **state)
{
    (void)state;
    char path[PATH_MAX];
    make_path(path, "pipe.dlm");
    assert_int_equal(mkfifo(path, 0600), 0);
    alarm(5);
    expect_load_error(path, NN_ERR_IO, "named pipe");
    alarm(0);
    unlink(path);
}

/* Header counters that pass the checksum but no training makes. */
static void
test_absurd_counters(void **state)
{
    (void)state;
    unsigned char *data = copy_good();
    put_le32(data + OFF_EPOCHS, 0x80000000u);
    fix_crc(data, good_size);
    expect_bytes_error("epochs.dlm", data, good_size, NN_ERR_FORMAT, "2147483648 finished epochs");
    free(data);
    data = copy_good();
    put_le32(data + OFF_STEP, 0xffffffffu);
    put_le32(data + OFF_STEP + 4, 0xffffffffu);
    fix_crc(data, good_size);
    expect_bytes_error("step.dlm", data, good_size, NN_ERR_FORMAT, "18446744073709551615 training steps");
    free(data);
}

/* A model saved from a diverged run holds nan: refused with a reason. */
static void
test_non_finite_weights(void **state)
{
    (void)state;
    NnModel *m = make_model(NN_PADDING_VALID, 30);
    nn_model_find_tensor(m, "dense2.bias")->data[3] = NAN;
    char path[PATH_MAX];
    make_path(path, "nan.dlm");
    assert_int_equal(nn_model_save(m, path, 0, NULL), NN_OK);
    expect_load_error(path, NN_ERR_FORMAT, "'dense2.bias' holds numbers that are not finite");
    nn_model_find_tensor(m, "dense2.bias")->data[3] = -INFINITY;
    assert_int_equal(nn_model_save(m, path, 0, NULL), NN_OK);
    expect_load_error(path, NN_ERR_FORMAT, "diverged");
    unlink(path);
    nn_model_free(m);
}

/* Whether Adam's state came with the file. */
static void
test_optimizer_state_flag(void **state)
{
    (void)state;
    NnModel *m = make_model(NN_PADDING_VALID, 31), *loaded;
    assert_true(nn_model_has_optimizer_state(m));
    char path[PATH_MAX];
    make_path(path, "flag.dlm");
    assert_int_equal(nn_model_save(m, path, 0, NULL), NN_OK);
    assert_int_equal(nn_model_load(path, &loaded, NULL), NN_OK);
    assert_false(nn_model_has_optimizer_state(loaded));
    nn_model_free(loaded);
    assert_int_equal(nn_model_save(m, path, 1, NULL), NN_OK);
    assert_int_equal(nn_model_load(path, &loaded, NULL), NN_OK);
    assert_true(nn_model_has_optimizer_state(loaded));
    nn_model_free(loaded);
    unlink(path);
    nn_model_free(m);
}

/* ---- saving ------------------------------------------------------------------------ */

static void
test_save_replaces(void **state)
{
    (void)state;
    char path[PATH_MAX];
    make_path(path, "replace.dlm");
    write_file(path, "old contents", 12);
    bool leftover;
    int before = count_entries(tmp_dir, &leftover);
    NnModel *m = make_model(NN_PADDING_VALID, 21);
    assert_int_equal(nn_model_save(m, path, 1, NULL), NN_OK);
    assert_int_equal(count_entries(tmp_dir, &leftover), before);
    assert_false(leftover);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    NnModel *loaded;
    assert_int_equal(nn_model_load(path, &loaded, NULL), NN_OK);
    assert_same_tensors(m, loaded, true);
    nn_model_free(loaded);
    nn_model_free(m);
    unlink(path);
}

static void
test_save_into_missing_folder(void **state)
{
    (void)state;
    char folder[PATH_MAX], path[PATH_MAX];
    make_path(folder, "not-there");
    make_path(path, "not-there/model.dlm");
    bool leftover;
    int before = count_entries(tmp_dir, &leftover);
    NnModel *m = make_model(NN_PADDING_VALID, 22);
    NnError err;
    nn_error_clear(&err);
    assert_int_equal(nn_model_save(m, path, 0, &err), NN_ERR_IO);
    assert_int_equal(err.status, NN_ERR_IO);
    assert_non_null(strstr(err.message, path));
    assert_int_equal(count_entries(tmp_dir, &leftover), before);
    assert_false(leftover);
    struct stat st;
    assert_int_equal(stat(folder, &st), -1);
    nn_model_free(m);
}

static void
test_save_parent_is_a_file(void **state)
{
    (void)state;
    char parent[PATH_MAX], path[PATH_MAX];
    make_path(parent, "regular-file");
    make_path(path, "regular-file/model.dlm");
    write_file(parent, "x", 1);
    bool leftover;
    int before = count_entries(tmp_dir, &leftover);
    NnModel *m = make_model(NN_PADDING_VALID, 23);
    NnError err;
    assert_int_equal(nn_model_save(m, path, 0, &err), NN_ERR_IO);
    assert_non_null(strstr(err.message, "Not a directory"));
    assert_int_equal(count_entries(tmp_dir, &leftover), before);
    assert_false(leftover);
    size_t size;
    unsigned char *data = read_file(parent, &size);
    assert_int_equal(size, 1);
    free(data);
    unlink(parent);
    nn_model_free(m);
}

/* Something that is not a regular file is never replaced by a model. */
static void
test_save_refuses_non_regular(void **state)
{
    (void)state;
    NnModel *m = make_model(NN_PADDING_VALID, 32);
    NnError err;
    struct stat st;
    assert_int_equal(nn_model_save(m, "/dev/null", 0, &err), NN_ERR_IO);
    assert_non_null(strstr(err.message, "/dev/null: it is a device"));
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));

    char path[PATH_MAX];
    make_path(path, "fifo-out");
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(nn_model_save(m, path, 0, &err), NN_ERR_IO);
    assert_non_null(strstr(err.message, "named pipe"));
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    unlink(path);
    assert_int_equal(nn_model_save(m, tmp_dir, 0, &err), NN_ERR_IO);
    assert_non_null(strstr(err.message, "it is a folder"));
    bool leftover;
    count_entries(tmp_dir, &leftover);
    assert_false(leftover);
    nn_model_free(m);
}

/* Saving through a symbolic link replaces its target and keeps the link;
 * a replaced file keeps its permissions; a new one gets 0666 less the umask. */
static void
test_save_symlink_and_mode(void **state)
{
    (void)state;
    char target[PATH_MAX], link_path[PATH_MAX], fresh[PATH_MAX];
    make_path(target, "target.dlm");
    make_path(link_path, "link.dlm");
    make_path(fresh, "fresh.dlm");
    write_file(target, "old", 3);
    assert_int_equal(chmod(target, 0600), 0);
    assert_int_equal(symlink("target.dlm", link_path), 0); /* relative, as people make them */
    NnModel *m = make_model(NN_PADDING_VALID, 33), *loaded;
    assert_int_equal(nn_model_save(m, link_path, 0, NULL), NN_OK);
    struct stat st;
    assert_int_equal(lstat(link_path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(stat(target, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(nn_model_load(target, &loaded, NULL), NN_OK);
    assert_same_tensors(m, loaded, false);
    nn_model_free(loaded);

    mode_t old_mask = umask(027);
    assert_int_equal(nn_model_save(m, fresh, 0, NULL), NN_OK);
    umask(old_mask);
    assert_int_equal(stat(fresh, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);

    /* a dangling link: its target is created */
    unlink(target);
    assert_int_equal(nn_model_save(m, link_path, 0, NULL), NN_OK);
    assert_int_equal(lstat(link_path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(stat(target, &st), 0);
    bool leftover;
    count_entries(tmp_dir, &leftover);
    assert_false(leftover);
    unlink(target);
    unlink(link_path);
    unlink(fresh);
    nn_model_free(m);
}

/* A save that fails half-way (here: the file size limit, which binds root
 * too) leaves the old model as it was and no temporary file. */
static void
test_failed_save_keeps_old_file(void **state)
{
    (void)state;
    char path[PATH_MAX];
    make_path(path, "keep.dlm");
    write_file(path, good, good_size);
    bool leftover;
    int before = count_entries(tmp_dir, &leftover);

    NnModel *m = make_model(NN_PADDING_SAME, 24); /* 1.9 MB: larger than the limit */
    struct rlimit old_limit, limit;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    limit = old_limit;
    limit.rlim_cur = 256 * 1024;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &limit), 0);
    NnError err;
    NnStatus status = nn_model_save(m, path, 0, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old_limit), 0);
    signal(SIGXFSZ, old_handler);

    assert_int_equal(status, NN_ERR_IO);
    assert_non_null(strstr(err.message, path));
    assert_int_equal(count_entries(tmp_dir, &leftover), before);
    assert_false(leftover);
    size_t size;
    unsigned char *data = read_file(path, &size);
    assert_int_equal(size, good_size);
    assert_memory_equal(data, good, good_size);
    free(data);
    unlink(path);
    nn_model_free(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version1),
        cmocka_unit_test(test_round_trip_shapes),
        cmocka_unit_test(test_unknown_text_record),
        cmocka_unit_test(test_fifo_refused_at_once),
        cmocka_unit_test(test_absurd_counters),
        cmocka_unit_test(test_non_finite_weights),
        cmocka_unit_test(test_optimizer_state_flag),
        cmocka_unit_test(test_save_refuses_non_regular),
        cmocka_unit_test(test_save_symlink_and_mode),
        cmocka_unit_test(test_round_trip_same),
        cmocka_unit_test(test_round_trip_valid),
        cmocka_unit_test(test_round_trip_same_optimizer),
        cmocka_unit_test(test_round_trip_valid_optimizer),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_truncated_with_valid_crc),
        cmocka_unit_test(test_flipped_byte),
        cmocka_unit_test(test_wrong_magic),
        cmocka_unit_test(test_wrong_version),
        cmocka_unit_test(test_wrong_header),
        cmocka_unit_test(test_wrong_architecture),
        cmocka_unit_test(test_wrong_shape),
        cmocka_unit_test(test_missing_tensor),
        cmocka_unit_test(test_reordered_tensors_load),
        cmocka_unit_test(test_duplicate_tensor),
        cmocka_unit_test(test_unknown_tensor),
        cmocka_unit_test(test_trailing_garbage),
        cmocka_unit_test(test_missing_optimizer_state),
        cmocka_unit_test(test_nonexistent_path),
        cmocka_unit_test(test_directory),
        cmocka_unit_test(test_save_replaces),
        cmocka_unit_test(test_save_into_missing_folder),
        cmocka_unit_test(test_save_parent_is_a_file),
        cmocka_unit_test(test_failed_save_keeps_old_file),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
