/* test-predict-cli.c — `digitlab-cli predict` end to end.
 *
 * Runs the program named by $DIGITLAB_CLI on a model made here with the
 * engine (freshly initialised, so its answers are arbitrary but fixed) and
 * on images and stroke files written here. Checks the interface, not the
 * accuracy: exit statuses, error messages naming the file or line, that
 * the same digit reaches the network identically through every file format,
 * and the JSON output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "test-cli.h"
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <png.h>
#include <zlib.h>

#include "model.h"
#include "preprocess.h"

static char *tmp_dir;
static char *model_path;

static char *
tmp_path(const char *name)
{
    return g_build_filename(tmp_dir, name, NULL);
}

/* Runs digitlab-cli predict ARGS... (NULL-terminated), feeding stdin_text
 * if non-NULL; returns the exit status. */
static int
run_predict(const char *stdin_text, char **out, char **err, ...)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    g_ptr_array_add(args, (char *)"predict");
    va_list ap;
    va_start(ap, err);
    for (const char *a = va_arg(ap, const char *); a != NULL; a = va_arg(ap, const char *))
        g_ptr_array_add(args, (char *)a);
    va_end(ap);
    g_ptr_array_add(args, NULL);
    return test_cli_run(stdin_text, out, err, (const char *const *)args->pdata);
}

/* Non-empty lines of text. */
static char **
lines_of(const char *text)
{
    g_auto(GStrv) all = g_strsplit(text, "\n", -1);
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    for (char **l = all; *l != NULL; l++)
        if (**l != '\0')
            g_strv_builder_add(b, *l);
    return g_strv_builder_end(b);
}

/* ---- test files ---- */

static void
paint_capsule(uint8_t *g, int w, int h, double ax, double ay, double bx, double by, double r,
              uint8_t ink)
{
    double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double px = x + 0.5, py = y + 0.5;
            double t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            double qx = ax + t * dx - px, qy = ay + t * dy - py;
            double d = sqrt(qx * qx + qy * qy);
            /* one pixel of anti-aliasing, so PNG alpha has grey levels */
            double cover = r + 0.5 - d;
            if (cover <= 0)
                continue;
            uint8_t v = (uint8_t)(cover >= 1 ? ink : 255 - cover * (255 - ink));
            if (v < g[y * w + x])
                g[y * w + x] = v;
        }
}

/* A "4", black on white, 40 x 50. */
#define IMG_W 40
#define IMG_H 50
static void
make_four(uint8_t *g)
{
    memset(g, 255, IMG_W * IMG_H);
    paint_capsule(g, IMG_W, IMG_H, 22, 6, 8, 32, 2.5, 0);
    paint_capsule(g, IMG_W, IMG_H, 8, 32, 32, 32, 2.5, 0);
    paint_capsule(g, IMG_W, IMG_H, 26, 16, 26, 45, 2.5, 0);
}

static void
write_file(const char *name, const void *data, gsize size)
{
    g_autofree char *path = tmp_path(name);
    g_autoptr(GError) error = NULL;
    if (!g_file_set_contents(path, data, (gssize)size, &error))
        fail_msg("%s", error->message);
}

static void
write_png(const char *name, const uint8_t *pixels, int w, int h, png_uint_32 format)
{
    g_autofree char *path = tmp_path(name);
    png_image png;
    memset(&png, 0, sizeof png);
    png.version = PNG_IMAGE_VERSION;
    png.width = (png_uint_32)w;
    png.height = (png_uint_32)h;
    png.format = format;
    if (!png_image_write_to_file(&png, path, 0, pixels, 0, NULL))
        fail_msg("writing %s: %s", path, png.message);
}

/* The same "4" as: raw PGM, gray PNG, inverted 16-bit plain PGM, and
 * black ink in the alpha channel of a transparent PNG. */
static void
write_four_images(void)
{
    uint8_t g[IMG_W * IMG_H];
    make_four(g);

    GString *pgm = g_string_new("P5\n# a four\n40 50\n255\n");
    g_string_append_len(pgm, (const char *)g, sizeof g);
    write_file("four.pgm", pgm->str, pgm->len);
    g_string_free(pgm, TRUE);

    write_png("four.png", g, IMG_W, IMG_H, PNG_FORMAT_GRAY);

    GString *plain = g_string_new("P2\n40 50\n65535\n");
    for (int i = 0; i < IMG_W * IMG_H; i++)
        g_string_append_printf(plain, "%d%c", (255 - g[i]) * 257, i % IMG_W == IMG_W - 1 ? '\n' : ' ');
    write_file("four-inverse.pgm", plain->str, plain->len);
    g_string_free(plain, TRUE);

    uint8_t ga[2 * IMG_W * IMG_H];
    for (int i = 0; i < IMG_W * IMG_H; i++) {
        ga[2 * i] = 0;
        ga[2 * i + 1] = 255 - g[i];
    }
    write_png("four-alpha.png", ga, IMG_W, IMG_H, PNG_FORMAT_GA);

    uint8_t blank[IMG_W * IMG_H];
    memset(blank, 255, sizeof blank);
    write_png("blank.png", blank, IMG_W, IMG_H, PNG_FORMAT_GRAY);

    /* A PNG cut short, and a file that is no image. */
    g_autofree char *png_path = tmp_path("four.png");
    g_autofree char *png_data = NULL;
    gsize png_size;
    assert_true(g_file_get_contents(png_path, &png_data, &png_size, NULL));
    write_file("truncated.png", png_data, png_size / 2);
    write_file("notes.txt", "not an image\n", 13);
    write_file("bad.pgm", "P5\n40 50\n255\nshort", 18);
}

static int
setup(void **state)
{
    g_autoptr(GError) error = NULL;
    tmp_dir = g_dir_make_tmp("digitlab-predict-XXXXXX", &error);
    if (tmp_dir == NULL)
        return -1;
    model_path = tmp_path("model.dlm");

    NnModelConfig config = nn_model_config_default();
    NnModel *model = NULL;
    NnError err = { 0 };
    /* A fresh model's answers are near 10 %: with its verdict thresholds
     * at the bottom every answer is "sure", so these tests are about the
     * formats; test_verdicts sets them otherwise. */
    if (nn_model_new(&config, 42, &model, &err) != NN_OK ||
        (nn_model_set_thresholds(model, 1e-6f, 0.0f), nn_model_save(model, model_path, 0, &err)) != NN_OK) {
        fprintf(stderr, "cannot make a model: %s\n", err.message);
        nn_model_free(model);
        return -1;
    }
    nn_model_free(model);
    write_four_images();
    (void)state;
    return 0;
}

static int
teardown(void **state)
{
    g_autoptr(GFile) dir = g_file_new_for_path(tmp_dir);
    g_autoptr(GFileEnumerator) e = g_file_enumerate_children(dir, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                                             G_FILE_QUERY_INFO_NONE, NULL, NULL);
    GFileInfo *info;
    while (e != NULL && (info = g_file_enumerator_next_file(e, NULL, NULL)) != NULL) {
        g_autoptr(GFile) child = g_file_get_child(dir, g_file_info_get_name(info));
        g_file_delete(child, NULL, NULL);
        g_object_unref(info);
    }
    g_file_delete(dir, NULL, NULL);
    g_free(model_path);
    g_free(tmp_dir);
    (void)state;
    return 0;
}

/* ---- JSON output ---- */

typedef struct {
    char *input;
    int line;  /* 0 if absent */
    int digit;
    int label; /* -1 if absent */
    double probs[10];
    char *verdict; /* "sure", "unsure", "not-a-digit" */
} Result;

/* Parses and checks one output line: the keys and their types, ten
 * probabilities summing to 1, digit their argmax. */
static Result
parse_result(const char *text)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;
    if (!json_parser_load_from_data(parser, text, -1, &error))
        fail_msg("output line is not JSON: %s: %s", text, error->message);
    JsonNode *root = json_parser_get_root(parser);
    assert_true(JSON_NODE_HOLDS_OBJECT(root));
    JsonObject *o = json_node_get_object(root);

    Result r = { 0 };
    assert_true(json_object_has_member(o, "input"));
    r.input = g_strdup(json_object_get_string_member(o, "input"));
    r.line = json_object_has_member(o, "line") ? (int)json_object_get_int_member(o, "line") : 0;
    r.digit = (int)json_object_get_int_member(o, "digit");
    r.label = json_object_has_member(o, "label") ? (int)json_object_get_int_member(o, "label") : -1;
    r.verdict = json_object_has_member(o, "verdict") ? g_strdup(json_object_get_string_member(o, "verdict")) : NULL;
    JsonArray *p = json_object_get_array_member(o, "probabilities");
    assert_non_null(p);
    assert_int_equal(json_array_get_length(p), 10);
    double sum = 0;
    int argmax = 0;
    for (guint k = 0; k < 10; k++) {
        r.probs[k] = json_array_get_double_element(p, k);
        assert_true(r.probs[k] >= 0 && r.probs[k] <= 1);
        sum += r.probs[k];
        if (r.probs[k] > r.probs[argmax])
            argmax = (int)k;
    }
    assert_true(fabs(sum - 1.0) < 1e-4);
    assert_int_equal(r.digit, argmax);
    return r;
}

static void
assert_same_probs(const Result *a, const Result *b, double tol)
{
    for (int k = 0; k < 10; k++)
        if (fabs(a->probs[k] - b->probs[k]) > tol)
            fail_msg("%s and %s differ: p[%d] = %g vs %g", a->input, b->input, k, a->probs[k], b->probs[k]);
}

/* ---- tests ---- */

static void
test_help(void **state)
{
    g_autofree char *out = NULL, *err = NULL;
    assert_int_equal(run_predict(NULL, &out, &err, "--help", NULL), 0);
    assert_non_null(strstr(out, "--model"));
    assert_non_null(strstr(out, "--strokes"));
    assert_non_null(strstr(out, "--json"));
    (void)state;
}

static void
test_usage_errors(void **state)
{
    g_autofree char *four = tmp_path("four.pgm");
    char *out = NULL, *err = NULL;

    assert_int_equal(run_predict(NULL, &out, &err, four, NULL), 2);
    assert_non_null(strstr(err, "--model"));
    g_free(out);
    g_free(err);

    assert_int_equal(run_predict(NULL, &out, &err, "--model", model_path, NULL), 2);
    assert_non_null(strstr(err, "--strokes"));
    g_free(out);
    g_free(err);

    assert_int_equal(run_predict(NULL, &out, &err, "--model", model_path, "--strokes", four, four, NULL), 2);
    g_free(out);
    g_free(err);

    assert_int_equal(run_predict(NULL, &out, &err, "--model", model_path, "--no-such-option", four, NULL), 2);
    g_free(out);
    g_free(err);
    (void)state;
}

static void
test_model_errors(void **state)
{
    g_autofree char *four = tmp_path("four.pgm");
    g_autofree char *missing = tmp_path("no-such-model.dlm");
    g_autofree char *corrupt = tmp_path("notes.txt");
    char *out = NULL, *err = NULL;

    assert_int_equal(run_predict(NULL, &out, &err, "--model", missing, four, NULL), 1);
    assert_non_null(strstr(err, "no-such-model.dlm"));
    assert_string_equal(out, "");
    g_free(out);
    g_free(err);

    assert_int_equal(run_predict(NULL, &out, &err, "--model", corrupt, four, NULL), 1);
    assert_non_null(strstr(err, "notes.txt"));
    assert_string_equal(out, "");
    g_free(out);
    g_free(err);
    (void)state;
}

/* The same digit as PGM, PNG, inverted 16-bit PGM and alpha PNG reaches the
 * network as the same 28x28 image, hence the same answer. */
static void
test_images_agree(void **state)
{
    const char *names[] = { "four.pgm", "four.png", "four-inverse.pgm", "four-alpha.png" };
    char *paths[4];
    for (int i = 0; i < 4; i++)
        paths[i] = tmp_path(names[i]);

    g_autofree char *out = NULL, *err = NULL;
    assert_int_equal(run_predict(NULL, &out, &err, "--model", model_path, "--json",
                                 paths[0], paths[1], paths[2], paths[3], NULL), 0);
    assert_string_equal(err, "");
    g_auto(GStrv) lines = lines_of(out);
    assert_int_equal(g_strv_length(lines), 4);
    Result r[4];
    for (int i = 0; i < 4; i++) {
        r[i] = parse_result(lines[i]);
        assert_string_equal(r[i].input, paths[i]);
        assert_int_equal(r[i].label, -1);
        assert_int_equal(r[i].line, 0);
    }
    for (int i = 1; i < 4; i++)
        assert_same_probs(&r[0], &r[i], 1e-5);

    /* Text: "PATH: D (P%)", P the digit's probability (near 10 % for this
     * fresh model). */
    g_autofree char *text = NULL, *text_err = NULL;
    assert_int_equal(run_predict(NULL, &text, &text_err, "--model", model_path, paths[0], paths[3], NULL), 0);
    g_auto(GStrv) tlines = lines_of(text);
    assert_int_equal(g_strv_length(tlines), 2);
    assert_true(r[0].probs[r[0].digit] > 0.01f && r[0].probs[r[0].digit] < 0.99f);
    g_autofree char *expected = g_strdup_printf("%s: %d (%.1f%%)", paths[0], r[0].digit,
                                                100.0 * r[0].probs[r[0].digit]);
    assert_string_equal(tlines[0], expected);

    for (int i = 0; i < 4; i++) {
        g_free(r[i].input);
        g_free(r[i].verdict);
        g_free(paths[i]);
    }
    (void)state;
}

/* Bad files are reported by name and skipped; the good ones still get an
 * answer; the exit status says something failed. */
static void
test_image_errors(void **state)
{
    const char *bad[] = { "truncated.png", "notes.txt", "bad.pgm", "blank.png", "missing.png" };
    char *paths[5];
    for (int i = 0; i < 5; i++)
        paths[i] = tmp_path(bad[i]);
    g_autofree char *four = tmp_path("four.pgm");

    g_autofree char *out = NULL, *err = NULL;
    assert_int_equal(run_predict(NULL, &out, &err, "--model", model_path, paths[0], paths[1], four,
                                 paths[2], paths[3], paths[4], NULL), 1);
    g_auto(GStrv) lines = lines_of(out);
    assert_int_equal(g_strv_length(lines), 1);
    assert_true(g_str_has_prefix(lines[0], four));

    g_auto(GStrv) errors = lines_of(err);
    for (int i = 0; i < 5; i++) {
        /* one line starting "PATH: " for each bad file, in order */
        g_autofree char *prefix = g_strconcat(paths[i], ": ", NULL);
        assert_true(g_strv_length(errors) > (guint)i);
        if (!g_str_has_prefix(errors[i], prefix))
            fail_msg("stderr line %d is '%s', expected it to start with '%s'", i + 1, errors[i], prefix);
    }
    assert_non_null(strstr(err, "no ink"));
    for (int i = 0; i < 5; i++)
        g_free(paths[i]);
    (void)state;
}

/* A PNG bomb: a file of under 100 bytes that declares 100000 x 100000 pixels (10^10
 * bytes once decoded) is refused from its header, at once, before any pixel
 * is allocated; so is a PGM that declares as much. */
static void
test_image_bombs(void **state)
{
    unsigned char png[128];
    size_t n = 0;
    static const unsigned char signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    memcpy(png, signature, 8);
    n = 8;
    /* IHDR: 100000 x 100000, 8-bit gray */
    const unsigned char ihdr[] = { 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0, 8, 0, 0, 0, 0 };
    memcpy(png + n, ihdr, sizeof ihdr);
    uLong crc = crc32(0L, ihdr + 4, sizeof ihdr - 4);
    n += sizeof ihdr;
    for (int i = 3; i >= 0; i--)
        png[n++] = (unsigned char)(crc >> (8 * i));
    /* IDAT: the zlib stream of a few rows of zeros (filter bytes and pixels) */
    unsigned char zeros[256] = { 0 }, idat[64] = { 0, 0, 0, 0, 'I', 'D', 'A', 'T' };
    uLongf packed = sizeof idat - 12;
    assert_int_equal(compress(idat + 8, &packed, zeros, sizeof zeros), Z_OK);
    idat[3] = (unsigned char)packed;
    crc = crc32(0L, idat + 4, (uInt)packed + 4);
    for (int i = 3; i >= 0; i--)
        idat[8 + packed + 3 - i] = (unsigned char)(crc >> (8 * i));
    memcpy(png + n, idat, packed + 12);
    n += packed + 12;
    const unsigned char iend[] = { 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82 };
    memcpy(png + n, iend, sizeof iend);
    n += sizeof iend;
    write_file("bomb.png", png, n);
    write_file("bomb.pgm", "P5 100000 100000 255\n\xff", 22);
    g_autofree char *bomb_png = tmp_path("bomb.png"), *bomb_pgm = tmp_path("bomb.pgm");

    g_autofree char *out = NULL, *err = NULL;
    gint64 start = g_get_monotonic_time();
    assert_int_equal(run_predict(NULL, &out, &err, "--model", model_path, bomb_png, bomb_pgm, NULL), 1);
    double seconds = (g_get_monotonic_time() - start) / 1e6;
    assert_string_equal(out, "");
    g_autofree char *png_error = g_strdup_printf("%s: image of 100000x100000 pixels is too large", bomb_png);
    g_autofree char *pgm_error = g_strdup_printf("%s: image of 100000x100000 pixels is too large", bomb_pgm);
    assert_non_null(strstr(err, png_error));
    assert_non_null(strstr(err, pgm_error));
    assert_true(seconds < 5);
    (void)state;
}

static const char strokes_file[] =
    /* 1: a "7" */
    "{\"strokes\": [[[10, 12], [60, 10], [58, 14], [30, 90]], [[28, 50], [55, 50]]], \"label\": 7}\n"
    /* 2: the same, 3x larger and elsewhere, unknown key, no label */
    "{\"id\": \"x\", \"strokes\": [[[530, 36], [680, 30], [674, 42], [590, 270]], [[584, 150], [665, 150]]]}\r\n"
    "\n"
    "   \n"
    /* 5: a point with three numbers */
    "{\"strokes\": [[[1, 2, 3]]]}\n"
    /* 6: no points */
    "{\"strokes\": [[], []], \"label\": 3}\n"
    /* 7: label out of range */
    "{\"strokes\": [[[0, 0], [0, 9]]], \"label\": 10}\n"
    /* 8: not JSON */
    "{\"strokes\": [[[0, 0]]\n"
    /* 9: a dot, labelled, no final newline */
    "{\"strokes\": [[[5, 5]]], \"label\": 0}";

static void
test_strokes(void **state)
{
    write_file("drawings.jsonl", strokes_file, sizeof strokes_file - 1);
    g_autofree char *path = tmp_path("drawings.jsonl");

    g_autofree char *out = NULL, *err = NULL;
    assert_int_equal(run_predict(NULL, &out, &err, "--model", model_path, "--json", "--strokes", path, NULL), 1);
    g_auto(GStrv) lines = lines_of(out);
    assert_int_equal(g_strv_length(lines), 3);
    Result r[3];
    const int expected_line[3] = { 1, 2, 9 }, expected_label[3] = { 7, -1, 0 };
    for (int i = 0; i < 3; i++) {
        r[i] = parse_result(lines[i]);
        g_autofree char *input = g_strdup_printf("%s:%d", path, expected_line[i]);
        assert_string_equal(r[i].input, input);
        assert_int_equal(r[i].line, expected_line[i]);
        assert_int_equal(r[i].label, expected_label[i]);
    }
    /* Scale and position do not matter. */
    assert_same_probs(&r[0], &r[1], 1e-3);

    g_auto(GStrv) errors = lines_of(err);
    const int bad_lines[] = { 5, 6, 7, 8 };
    for (int i = 0; i < 4; i++) {
        g_autofree char *prefix = g_strdup_printf("%s:%d: ", path, bad_lines[i]);
        assert_true(g_strv_length(errors) > (guint)i);
        if (!g_str_has_prefix(errors[i], prefix))
            fail_msg("stderr line %d is '%s', expected it to start with '%s'", i + 1, errors[i], prefix);
    }
    assert_non_null(strstr(errors[1], "empty"));
    assert_non_null(strstr(errors[2], "label"));

    /* Text mode marks wrong answers and counts the labelled ones. */
    g_autofree char *text = NULL, *text_err = NULL;
    assert_int_equal(run_predict(NULL, &text, &text_err, "--model", model_path, "--strokes", path, NULL), 1);
    g_auto(GStrv) tlines = lines_of(text);
    assert_int_equal(g_strv_length(tlines), 4);
    int right = 0;
    for (int i = 0; i < 3; i++) {
        /* The last drawing is a single point: no digit, whatever its disc reads as. */
        g_autofree char *prefix = i == 2 ? g_strdup_printf("%s:%d: not a digit (a single point", path, expected_line[i])
                                         : g_strdup_printf("%s:%d: %d (", path, expected_line[i], r[i].digit);
        if (!g_str_has_prefix(tlines[i], prefix))
            fail_msg("'%s' does not start with '%s'", tlines[i], prefix);
        gboolean wrong = expected_label[i] >= 0 && expected_label[i] != r[i].digit;
        assert_int_equal(strstr(tlines[i], "wrong") != NULL, wrong);
        if (expected_label[i] >= 0) {
            g_autofree char *label = g_strdup_printf("label %d", expected_label[i]);
            assert_non_null(strstr(tlines[i], label));
            right += !wrong;
        } else {
            assert_null(strstr(tlines[i], "label"));
        }
    }
    g_autofree char *summary = g_strdup_printf("%d of 2 labelled inputs right", right);
    assert_true(g_str_has_prefix(tlines[3], summary));

    for (int i = 0; i < 3; i++) {
        g_free(r[i].input);
        g_free(r[i].verdict);
    }
    (void)state;
}

/* Standard input, and more drawings than the model's internal batch. */
static void
test_strokes_stdin_many(void **state)
{
    enum { N = 300 };
    GString *text = g_string_new(NULL);
    for (int i = 0; i < N; i++)
        g_string_append_printf(text, "{\"strokes\": [[[0, 0], [%d, %d], [%d, 40]]], \"label\": %d}\n",
                               10 + i % 20, 5 + i % 7, i % 13, i % 10);

    g_autofree char *out = NULL, *err = NULL;
    assert_int_equal(run_predict(text->str, &out, &err, "--model", model_path, "--json", "--strokes", "-", NULL), 0);
    assert_string_equal(err, "");
    g_auto(GStrv) lines = lines_of(out);
    assert_int_equal(g_strv_length(lines), N);
    for (int i = 0; i < N; i += 37) {
        Result r = parse_result(lines[i]);
        assert_int_equal(r.line, i + 1);
        assert_int_equal(r.label, i % 10);
        g_free(r.input);
        g_free(r.verdict);
    }
    g_string_free(text, TRUE);

    /* A file of blank lines has nothing to predict: an error. */
    g_autofree char *out2 = NULL, *err2 = NULL;
    assert_int_equal(run_predict("\n\n", &out2, &err2, "--model", model_path, "--strokes", "-", NULL), 1);
    assert_non_null(strstr(err2, "no drawings"));
    (void)state;
}

/* Hostile lines are refused one by one, with a message naming the line,
 * and the good lines around them are still recognised: objects nested
 * 70,000 deep (this crashed json-glib's recursive parser), a label of 1e300, a drawing of
 * more points than a hand draws, a line over 1 MiB. */
static void
test_strokes_hostile(void **state)
{
    GString *text = g_string_new("{\"strokes\": [[[0, 0], [10, 40]]], \"label\": 1}\n");
    for (int i = 0; i < 70000; i++)
        g_string_append(text, "{\"a\": ");
    g_string_append_c(text, '1');
    for (int i = 0; i < 70000; i++)
        g_string_append_c(text, '}');
    g_string_append(text, "\n{\"strokes\": [[[0, 0], [0, 9]]], \"label\": 1e300}\n{\"strokes\": [[");
    for (int i = 0; i <= NN_MAX_DRAWING_POINTS; i++)
        g_string_append_printf(text, "%s[%d, %d]", i > 0 ? ", " : "", i % 2 * 100, i % 2 * 100);
    g_string_append(text, "]]}\n{\"strokes\": [], \"writer\": \"");
    for (int i = 0; i < 1100000; i++)
        g_string_append_c(text, 'w');
    g_string_append(text, "\"}\n{\"strokes\": [[[5, 5], [15, 45]]], \"label\": 1}\n");
    write_file("hostile.jsonl", text->str, text->len);
    g_string_free(text, TRUE);
    g_autofree char *path = tmp_path("hostile.jsonl");

    g_autofree char *out = NULL, *err = NULL;
    gint64 start = g_get_monotonic_time();
    assert_int_equal(run_predict(NULL, &out, &err, "--model", model_path, "--json", "--strokes", path, NULL), 1);
    double seconds = (g_get_monotonic_time() - start) / 1e6;
    g_auto(GStrv) lines = lines_of(out);
    assert_int_equal(g_strv_length(lines), 2);
    Result r[2] = { parse_result(lines[0]), parse_result(lines[1]) };
    assert_int_equal(r[0].line, 1);
    assert_int_equal(r[1].line, 6);
    assert_same_probs(&r[0], &r[1], 1e-3);
    g_auto(GStrv) errors = lines_of(err);
    static const char *const expected[] = { ":2: arrays and objects are nested more than 32 deep",
                                            ":3: \"label\" must be a digit from 0 to 9",
                                            ":4: the drawing has more than 5000 points",
                                            ":5: the line is longer than 1048576 bytes",
                                            "predict: 4 inputs could not be read" };
    assert_int_equal(g_strv_length(errors), G_N_ELEMENTS(expected));
    for (size_t i = 0; i < G_N_ELEMENTS(expected); i++)
        if (strstr(errors[i], expected[i]) == NULL)
            fail_msg("stderr line %zu is '%s', expected '%s'", i + 1, errors[i], expected[i]);
    assert_true(seconds < 10);
    for (int i = 0; i < 2; i++) {
        g_free(r[i].input);
        g_free(r[i].verdict);
    }
    (void)state;
}

/* A model that loads (its weights are finite) but whose numbers overflow:
 * its probabilities are not numbers. The JSON output stays JSON (null, not
 * a bare nan) with an "error", the text output says there is no answer,
 * and the exit status is 1. */
static void
test_no_answer(void **state)
{
    NnModelConfig config = nn_model_config_default();
    NnModel *model = NULL;
    NnError err = { 0 };
    assert_int_equal(nn_model_new(&config, 42, &model, &err), NN_OK);
    float *params = nn_model_params(model);
    for (size_t i = 0; i < nn_model_param_count(model); i++)
        params[i] = params[i] >= 0 ? 3e38f : -3e38f;
    g_autofree char *blown = tmp_path("blown.dlm");
    assert_int_equal(nn_model_save(model, blown, 0, &err), NN_OK);
    nn_model_free(model);
    static const char drawing[] = "{\"strokes\": [[[0, 0], [10, 40]]], \"label\": 1}\n";
    write_file("one.jsonl", drawing, sizeof drawing - 1);
    g_autofree char *path = tmp_path("one.jsonl");

    g_autofree char *out = NULL, *err_text = NULL;
    assert_int_equal(run_predict(NULL, &out, &err_text, "--model", blown, "--json", "--strokes", path, NULL), 1);
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;
    if (!json_parser_load_from_data(parser, out, -1, &error))
        fail_msg("not JSON: %s (%s)", out, error->message);
    assert_null(strstr(out, "nan"));
    assert_null(strstr(out, "inf"));
    JsonObject *o = json_node_get_object(json_parser_get_root(parser));
    assert_true(json_node_is_null(json_object_get_member(o, "digit")));
    assert_non_null(strstr(json_object_get_string_member(o, "error"), "not numbers"));
    assert_int_equal(json_array_get_length(json_object_get_array_member(o, "probabilities")), 10);
    assert_non_null(strstr(err_text, "1 input got no answer"));

    g_autofree char *text = NULL, *text_err = NULL;
    assert_int_equal(run_predict(NULL, &text, &text_err, "--model", blown, "--strokes", path, NULL), 1);
    assert_non_null(strstr(text, ":1: no answer: the model gives probabilities that are not numbers"));
    assert_null(strstr(text, "labelled inputs right"));
    (void)state;
}

/* Saves a fresh model (seed 42) at this temperature and these
 * thresholds to path. */
static void
save_fresh_model(const char *path, float temperature, float sure, float reject)
{
    NnModelConfig config = nn_model_config_default();
    NnModel *model = NULL;
    assert_int_equal(nn_model_new(&config, 42, &model, NULL), NN_OK);
    nn_model_set_temperature(model, temperature);
    nn_model_set_thresholds(model, sure, reject);
    assert_int_equal(nn_model_save(model, path, 0, NULL), NN_OK);
    nn_model_free(model);
}

/* The verdict: with thresholds that a fresh model's ~10 % answers fall
 * below, every drawing is "not a digit", in text and in JSON. */
static void
test_verdicts(void **state)
{
    (void)state;
    g_autofree char *strict = tmp_path("strict.dlm"), *path = tmp_path("verdict.jsonl");
    save_fresh_model(strict, 1.0f, 0.9f, 0.5f);
    const char *drawing = "{\"strokes\": [[[0, 0], [10, 40], [20, 0]]], \"label\": 7}\n";
    write_file("verdict.jsonl", drawing, strlen(drawing));
    g_autofree char *json = NULL, *text = NULL;
    assert_int_equal(run_predict(NULL, &json, NULL, "--model", strict, "--json", "--strokes", path, NULL), 0);
    Result r = parse_result(json);
    assert_string_equal(r.verdict, "not-a-digit");
    assert_int_equal(run_predict(NULL, &text, NULL, "--model", strict, "--strokes", path, NULL), 0);
    assert_non_null(strstr(text, "not a digit (at most"));
    g_free(r.input);
    g_free(r.verdict);

    /* A single point (a click), however sure the network of the disc it
     * makes: not a digit, marked too small. Lenient thresholds, so that
     * only the size can decide. */
    g_autofree char *lenient = tmp_path("lenient.dlm"), *dot = tmp_path("dot.jsonl");
    save_fresh_model(lenient, 1.0f, 0.05f, 0.01f);
    const char *dots = "{\"strokes\": [[[140, 140]]]}\n{\"strokes\": [[[140, 140], [140, 140]], [[140, 140]]]}\n"
                       "{\"strokes\": [[[0, 0], [10, 40], [20, 0]]]}\n";
    write_file("dot.jsonl", dots, strlen(dots));
    g_autofree char *dot_json = NULL, *dot_text = NULL;
    assert_int_equal(run_predict(NULL, &dot_json, NULL, "--model", lenient, "--json", "--strokes", dot, NULL), 0);
    g_auto(GStrv) lines = g_strsplit(dot_json, "\n", -1);
    assert_int_equal(g_strv_length(lines), 4);
    for (int i = 0; i < 3; i++) {
        Result d = parse_result(lines[i]);
        assert_string_equal(d.verdict, i < 2 ? "not-a-digit" : "sure");
        assert_true((strstr(lines[i], "\"too_small\": true") != NULL) == (i < 2));
        g_free(d.input);
        g_free(d.verdict);
    }
    assert_int_equal(run_predict(NULL, &dot_text, NULL, "--model", lenient, "--strokes", dot, NULL), 0);
    assert_non_null(strstr(dot_text, "dot.jsonl:1: not a digit (a single point: nothing to read)"));
}

/* The text never rounds a probability to "100.0%" or "0.0%": a model
 * at a tiny temperature is all but certain of every image, and says
 * "> 99.9%", its others "< 0.1%". */
static void
test_text_never_certain(void **state)
{
    (void)state;
    g_autofree char *sharp = tmp_path("sharp.dlm"), *four = tmp_path("four.pgm");
    save_fresh_model(sharp, 1e-4f, 0.9f, 0.5f);

    g_autofree char *json = NULL, *text = NULL;
    assert_int_equal(run_predict(NULL, &json, NULL, "--model", sharp, "--json", four, NULL), 0);
    Result r = parse_result(json);
    assert_true(r.probs[r.digit] >= 0.9995f); /* the case under test */
    assert_int_equal(run_predict(NULL, &text, NULL, "--model", sharp, four, NULL), 0);
    g_autofree char *expected = g_strdup_printf("%s: %d (>99.9%%)\n", four, r.digit);
    assert_string_equal(text, expected);
    g_free(r.input);
    g_free(r.verdict);

    /* Sure only at 1: unsure, both numbers shown (the second tiny), unless
     * the first rounds to exactly 1 in floats; either way not 100 or 0. */
    g_autofree char *unsure = tmp_path("sharp-unsure.dlm");
    save_fresh_model(unsure, 1e-4f, 1.0f, 0.0f);
    g_autofree char *text2 = NULL;
    assert_int_equal(run_predict(NULL, &text2, NULL, "--model", unsure, four, NULL), 0);
    assert_non_null(strstr(text2, "(>99.9%)"));
    assert_null(strstr(text2, "100.0%"));
    assert_null(strstr(text2, "(0.0%)"));
}

/* --features adds the units of the last hidden layer: those the engine's
 * own trace of the same image gives, one number per unit. */
static void
test_features(void **state)
{
    g_autofree char *path = tmp_path("four.pgm");
    g_autofree char *out = NULL, *err = NULL;
    assert_int_equal(run_predict(NULL, &out, &err, "--model", model_path, "--json", "--features", path, NULL), 0);
    g_autoptr(JsonParser) parser = json_parser_new();
    assert_true(json_parser_load_from_data(parser, out, -1, NULL));
    JsonObject *o = json_node_get_object(json_parser_get_root(parser));
    assert_true(json_object_has_member(o, "features"));
    JsonArray *features = json_object_get_array_member(o, "features");

    uint8_t g[IMG_W * IMG_H];
    make_four(g);
    float image[NN_IMAGE_PIXELS];
    NnError e = { 0 };
    NnModel *model = NULL;
    int count = 0;
    assert_int_equal(nn_gray_to_image(g, IMG_W, IMG_H, IMG_W, image, &e), NN_OK);
    assert_int_equal(nn_model_load(model_path, &model, &e), NN_OK);
    assert_int_equal(nn_model_trace(model, image, &count, &e), NN_OK);
    const NnActivation *dense = NULL;
    for (int i = 0; i < count; i++)
        if (nn_model_activation(model, i)->kind == NN_ACT_DENSE)
            dense = nn_model_activation(model, i);
    assert_non_null(dense);
    assert_int_equal(json_array_get_length(features), dense->channels);
    int active = 0;
    for (int k = 0; k < dense->channels; k++) {
        double v = json_array_get_double_element(features, k);
        assert_float_equal(v, dense->data[k], 1e-5 + 1e-5 * fabs(dense->data[k]));
        active += v > 0;
    }
    assert_true(active > 0);
    nn_model_free(model);

    /* Text output has no place for them. */
    g_autofree char *text = NULL, *text_err = NULL;
    assert_int_equal(run_predict(NULL, &text, &text_err, "--model", model_path, "--features", path, NULL), 2);
    assert_non_null(strstr(text_err, "--features goes with --json"));
    (void)state;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_model_errors),
        cmocka_unit_test(test_images_agree),
        cmocka_unit_test(test_features),
        cmocka_unit_test(test_image_errors),
        cmocka_unit_test(test_image_bombs),
        cmocka_unit_test(test_strokes),
        cmocka_unit_test(test_strokes_stdin_many),
        cmocka_unit_test(test_strokes_hostile),
        cmocka_unit_test(test_no_answer),
        cmocka_unit_test(test_text_never_certain),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
