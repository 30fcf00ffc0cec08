/* test-strokes.c — drawings as JSON Lines (src/common/dl-strokes.c): good
 * lines parse with their label and string members, a drawing written back
 * parses to the same drawing, and each kind of bad line is refused with a
 * clear message, bounded before json-glib sees it (a line of 70,000 '['
 * used to overflow json-glib's recursive parser), while a stream goes on
 * to the lines after it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "dl-strokes.h"

static double
now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void
parse_ok(const char *line, DlDrawing *d)
{
    g_autoptr(GError) error = NULL;
    if (!dl_drawing_parse_line(line, strlen(line), d, &error))
        fail_msg("'%.80s' refused: %s", line, error->message);
}

/* line (length bytes) must be refused with code and a message holding needle. */
static void
refused_len(const char *line, gsize length, int code, const char *needle)
{
    DlDrawing d = DL_DRAWING_INIT;
    g_autoptr(GError) error = NULL;
    double t0 = now();
    if (dl_drawing_parse_line(line, length, &d, &error))
        fail_msg("'%.80s' was accepted", line);
    double seconds = now() - t0;
    if (!g_error_matches(error, DL_STROKES_ERROR, code))
        fail_msg("'%.80s': error %d '%s', expected code %d", line, error->code, error->message, code);
    if (strstr(error->message, needle) == NULL)
        fail_msg("'%.80s': message '%s' does not say '%s'", line, error->message, needle);
    assert_null(d.points);
    assert_null(d.strokes);
    assert_int_equal(d.label, -1);
    if (seconds > 1.0)
        fail_msg("'%.80s' took %.2f s to refuse", line, seconds);
}

static void
refused(const char *line, int code, const char *needle)
{
    refused_len(line, strlen(line), code, needle);
}

static void
test_parse_good(void **state)
{
    DlDrawing d = DL_DRAWING_INIT;
    parse_ok("{\"strokes\": [[[10, 12], [60.5, -10]], [[1e2, 3]], []], \"label\": 7, "
             "\"writer\": \"ana \\\"A\\\" \\u00e9\", \"time\": \"2025-01-02T03:04:05Z\", \"student\": \"s12\", "
             "\"id\": {\"nested\": [1, 2, {\"x\": null}]}, \"extra\": true}\r",
             &d);
    assert_int_equal(d.n_strokes, 3);
    assert_int_equal(d.n_points, 3);
    assert_int_equal(d.strokes[0].n_points, 2);
    assert_int_equal(d.strokes[1].n_points, 1);
    assert_int_equal(d.strokes[2].n_points, 0);
    assert_true(d.strokes[0].points[1].x == 60.5f && d.strokes[0].points[1].y == -10.0f);
    assert_true(d.strokes[1].points[0].x == 100.0f);
    assert_ptr_equal(d.strokes[1].points, d.points + 2);
    assert_int_equal(d.label, 7);
    assert_string_equal(d.writer, "ana \"A\" \xc3\xa9");
    assert_string_equal(d.time, "2025-01-02T03:04:05Z");
    assert_string_equal(d.student, "s12");

    /* optional members absent or null; label 7.0 is a digit */
    parse_ok("{\"label\": null, \"writer\": null, \"strokes\": [[[0, 0]]]}", &d);
    assert_int_equal(d.label, -1);
    assert_null(d.writer);
    assert_null(d.time);
    parse_ok("  {\"strokes\": [], \"label\": 7.0}  ", &d);
    assert_int_equal(d.n_strokes, 0);
    assert_int_equal(d.label, 7);
    parse_ok("{\"strokes\": [[[0, 0]]], \"label\": 0}", &d);
    assert_int_equal(d.label, 0);
    dl_drawing_clear(&d);
    assert_null(d.points);
    (void)state;
}

static void
test_bad_lines(void **state)
{
    /* not JSON, or more than JSON (json-glib alone would take comments and
     * single quotes) */
    refused("{\"strokes\": [[[0, 0]]", DL_STROKES_ERROR_SYNTAX, "not valid JSON: column 22");
    refused("{\"strokes\": [[[0, 0]]]} x", DL_STROKES_ERROR_SYNTAX, "more text after");
    refused("{\"strokes\": [[[0, 0]]] /* c */}", DL_STROKES_ERROR_SYNTAX, "not valid JSON");
    refused("{'strokes': [[[0, 0]]]}", DL_STROKES_ERROR_SYNTAX, "not valid JSON");
    refused("{\"strokes\": [[[01, 0]]]}", DL_STROKES_ERROR_SYNTAX, "not valid JSON");
    refused("{\"strokes\": [[[1., 0]]]}", DL_STROKES_ERROR_SYNTAX, "digits after its decimal point");
    refused("{\"strokes\": [[[0, 0],]]}", DL_STROKES_ERROR_SYNTAX, "not valid JSON");
    refused("{\"a\\q\": 1}", DL_STROKES_ERROR_SYNTAX, "unknown escape");
    refused("{\"a\\u12\": 1}", DL_STROKES_ERROR_SYNTAX, "four hexadecimal digits");
    refused("{\"strokes\": [], \"writer\": \"\xff\"}", DL_STROKES_ERROR_SYNTAX, "not UTF-8");
    refused_len("{\"strokes\": []}\0", 16, DL_STROKES_ERROR_SYNTAX, "not UTF-8");
    refused("[]", DL_STROKES_ERROR_INVALID, "expected a JSON object");
    refused("7", DL_STROKES_ERROR_INVALID, "expected a JSON object");

    /* JSON, but not a drawing */
    refused("{\"label\": 3}", DL_STROKES_ERROR_INVALID, "no \"strokes\" member");
    refused("{\"strokes\": 3}", DL_STROKES_ERROR_INVALID, "\"strokes\" must be an array");
    refused("{\"strokes\": [[1, 2]]}", DL_STROKES_ERROR_INVALID, "stroke 1, point 1: expected [x, y]");
    refused("{\"strokes\": [[[1, 2]], 5]}", DL_STROKES_ERROR_INVALID, "stroke 2: expected an array");
    refused("{\"strokes\": [[[1, 2, 3]]]}", DL_STROKES_ERROR_INVALID, "expected [x, y], two numbers");
    refused("{\"strokes\": [[[1, \"2\"]]]}", DL_STROKES_ERROR_INVALID, "two numbers");
    refused("{\"strokes\": [[[1, 2], [1e31, 0]]]}", DL_STROKES_ERROR_INVALID, "point 2: coordinate out of range");
    refused("{\"strokes\": [[[1, -1e400]]]}", DL_STROKES_ERROR_INVALID, "out of range");
    refused("{\"strokes\": [], \"writer\": 12}", DL_STROKES_ERROR_INVALID, "\"writer\" must be a string");
    refused("{\"strokes\": [], \"student\": [\"x\"]}", DL_STROKES_ERROR_INVALID, "\"student\" must be a string");

    /* labels: digits 0-9 only, and no undefined behaviour on the way (the
     * old check, v != (int)v, converted 1e300 to int) */
    static const char *const labels[] = { "10", "-1", "3.5", "1e300", "-1e300", "1e400", "9.000001",
                                          "\"7\"", "true", "[7]", "9223372036854775807",
                                          "-9223372036854775808", "18446744073709551616" };
    for (size_t i = 0; i < G_N_ELEMENTS(labels); i++) {
        g_autofree char *line = g_strdup_printf("{\"strokes\": [[[0, 0]]], \"label\": %s}", labels[i]);
        refused(line, DL_STROKES_ERROR_INVALID, "\"label\" must be a digit from 0 to 9");
    }
    (void)state;
}

/* Nesting is bounded before json-glib parses: 70,000 '[', objects nested as
 * deep (which crashed `predict --strokes`), and one level too many inside
 * an ignored member are refused at once; the deepest allowed is parsed. */
static void
test_nesting_and_length_bounds(void **state)
{
    enum { N = 70000 };
    char *deep = g_malloc(2 * N + 32);
    memset(deep, '[', N);
    deep[N] = '\0';
    refused(deep, DL_STROKES_ERROR_TOO_DEEP, "nested more than 32 deep");
    memset(deep, ']', 2 * N);
    memset(deep, '[', N);
    deep[2 * N] = '\0';
    refused(deep, DL_STROKES_ERROR_TOO_DEEP, "nested more than 32 deep");
    /* objects 70,000 deep, closed: this one crashed `predict --strokes` */
    GString *objects = g_string_new(NULL);
    for (int i = 0; i < N; i++)
        g_string_append(objects, "{\"a\": ");
    g_string_append_c(objects, '1');
    for (int i = 0; i < N; i++)
        g_string_append_c(objects, '}');
    refused(objects->str, DL_STROKES_ERROR_TOO_DEEP, "nested more than 32 deep");
    g_string_free(objects, TRUE);
    /* brackets inside a string do not count */
    for (int i = 0; i < 1000; i++)
        deep[i] = "[{"[i % 2];
    g_autofree char *in_string = g_strdup_printf("{\"strokes\": [[[0, 0]]], \"writer\": \"%.*s\"}", 1000, deep);
    g_free(deep);

    /* the object, then 31 levels in "x": 32 in all */
    GString *ok = g_string_new("{\"strokes\": [[[0, 0]]], \"x\": ");
    for (int i = 0; i < 31; i++)
        g_string_append_c(ok, '[');
    for (int i = 0; i < 31; i++)
        g_string_append_c(ok, ']');
    g_string_append_c(ok, '}');
    DlDrawing d = DL_DRAWING_INIT;
    parse_ok(ok->str, &d);
    g_string_insert_c(ok, strlen("{\"strokes\": [[[0, 0]]], \"x\": "), '[');
    g_string_insert_c(ok, ok->len - 1, ']');
    refused(ok->str, DL_STROKES_ERROR_TOO_DEEP, "nested more than 32 deep (column 61)");
    g_string_free(ok, TRUE);

    DlDrawing s = DL_DRAWING_INIT;
    g_autoptr(GError) error = NULL;
    assert_true(dl_drawing_parse_line(in_string, strlen(in_string), &s, &error));
    assert_int_equal(strlen(s.writer), 1000);

    /* a line of more than 1 MiB */
    GString *lng = g_string_new("{\"strokes\": [[[0, 0]]], \"writer\": \"");
    while (lng->len < DL_STROKES_MAX_LINE)
        g_string_append(lng, "abcdefghij");
    g_string_append(lng, "\"}");
    refused_len(lng->str, lng->len, DL_STROKES_ERROR_TOO_LONG, "longer than 1048576 bytes");
    g_string_free(lng, TRUE);
    dl_drawing_clear(&d);
    dl_drawing_clear(&s);
    (void)state;
}

/* More points (or strokes) than a hand draws are refused before they are
 * allocated; exactly NN_MAX_DRAWING_POINTS are fine. */
static void
test_point_limit(void **state)
{
    for (int extra = 0; extra < 2; extra++) {
        GString *line = g_string_new("{\"strokes\": [[");
        for (int i = 0; i < NN_MAX_DRAWING_POINTS / 2; i++)
            g_string_append_printf(line, "%s[%d, %d]", i > 0 ? ", " : "", i % 97, i % 89);
        g_string_append(line, "], [");
        for (int i = 0; i < NN_MAX_DRAWING_POINTS / 2 + extra; i++)
            g_string_append_printf(line, "%s[%d, %d]", i > 0 ? ", " : "", i % 83, i % 79);
        g_string_append(line, "]]}");
        if (extra) {
            refused(line->str, DL_STROKES_ERROR_TOO_MANY, "more than 5000 points");
        } else {
            DlDrawing d = DL_DRAWING_INIT;
            parse_ok(line->str, &d);
            assert_int_equal(d.n_points, NN_MAX_DRAWING_POINTS);
            float image[NN_IMAGE_PIXELS];
            assert_int_equal(nn_strokes_to_image(d.strokes, d.n_strokes, image, NULL), NN_OK);
            dl_drawing_clear(&d);
        }
        g_string_free(line, TRUE);
    }
    GString *line = g_string_new("{\"strokes\": [[]");
    for (int i = 0; i < NN_MAX_DRAWING_POINTS; i++)
        g_string_append(line, ",[]");
    g_string_append(line, "]}");
    refused(line->str, DL_STROKES_ERROR_TOO_MANY, "5001 strokes");
    g_string_free(line, TRUE);
    (void)state;
}

static void
assert_same_drawing(const DlDrawing *a, const DlDrawing *b)
{
    assert_int_equal(a->n_strokes, b->n_strokes);
    assert_int_equal(a->n_points, b->n_points);
    for (size_t s = 0; s < a->n_strokes; s++) {
        assert_int_equal(a->strokes[s].n_points, b->strokes[s].n_points);
        for (size_t p = 0; p < a->strokes[s].n_points; p++)
            if (a->strokes[s].points[p].x != b->strokes[s].points[p].x ||
                a->strokes[s].points[p].y != b->strokes[s].points[p].y)
                fail_msg("stroke %zu point %zu: (%.9g, %.9g) came back as (%.9g, %.9g)", s, p,
                         a->strokes[s].points[p].x, a->strokes[s].points[p].y, b->strokes[s].points[p].x,
                         b->strokes[s].points[p].y);
    }
    assert_int_equal(a->label, b->label);
    assert_true(g_strcmp0(a->writer, b->writer) == 0);
    assert_true(g_strcmp0(a->time, b->time) == 0);
    assert_true(g_strcmp0(a->student, b->student) == 0);
}

/* A drawing written with dl_drawing_to_line() parses back to itself, bit
 * for bit, whatever its floats and strings. */
static void
test_round_trip(void **state)
{
    static const NnPoint a[] = { { 0.1f, -0.0f }, { 123456.7f, 1e-7f }, { -3.4028e29f, 7.0f }, { 1.0f / 3, 2.5f } };
    static const NnPoint b[] = { { 150.0f, 55.0f } };
    const NnStroke strokes[] = { { a, 4 }, { NULL, 0 }, { b, 1 } };
    DlDrawing d = DL_DRAWING_INIT, back = DL_DRAWING_INIT;
    dl_drawing_set_strokes(&d, strokes, 3);
    assert_ptr_not_equal(d.strokes[0].points, a); /* a copy */

    for (int variant = 0; variant < 3; variant++) {
        g_free(d.writer);
        g_free(d.student);
        d.label = variant == 0 ? -1 : variant == 1 ? 0 : 9;
        d.writer = variant == 0 ? NULL : g_strdup("quote \" backslash \\ tab \t newline \n \x01 \xc3\xa9 \xf0\x9f\x96\x8a");
        d.student = variant == 2 ? g_strdup("") : NULL;
        d.time = variant == 1 ? g_strdup("12:00") : d.time;
        g_autofree char *line = dl_drawing_to_line(&d);
        assert_null(strchr(line, '\n'));
        g_autoptr(GError) error = NULL;
        if (!dl_drawing_parse_line(line, strlen(line), &back, &error))
            fail_msg("'%s' does not parse: %s", line, error->message);
        assert_same_drawing(&d, &back);
        if (variant == 0)
            assert_string_equal(line, "{\"strokes\":[[[0.1,-0],[123456.7,1e-07],[-3.4028e+29,7],"
                                      "[0.33333334,2.5]],[],[[150,55]]]}");
    }
    dl_drawing_clear(&d);
    dl_drawing_clear(&back);
    (void)state;
}

/* A stream: bad lines are reported with their number and the reading goes
 * on; blank lines are skipped; a line of 3 MiB is skipped without ending
 * the stream; the last line needs no newline. */
static void
test_reader(void **state)
{
    GString *text = g_string_new(NULL);
    g_string_append(text, "{\"strokes\": [[[0, 0], [1, 1]]], \"label\": 1}\n"); /* 1 */
    g_string_append(text, "\n   \r\n");                                          /* 2, 3 */
    g_string_append(text, "{\"strokes\": [[[0, 0]]], \"label\": 1e300}\r\n");     /* 4 */
    for (int i = 0; i < 3 * 1024 * 1024; i++)                                   /* 5 */
        g_string_append_c(text, '[');
    g_string_append_c(text, '\n');
    for (int i = 0; i < 70000; i++)                                             /* 6 */
        g_string_append_c(text, '[');
    g_string_append_c(text, '\n');
    g_string_append(text, "{\"strokes\": [[[2, 3]]], \"student\": \"s\"}");        /* 7 */
    gsize size = text->len;
    g_autoptr(GBytes) bytes = g_bytes_new_take(g_string_free(text, FALSE), size);
    g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes(bytes);
    g_autoptr(DlStrokesReader) reader = dl_strokes_reader_new(stream);

    static const struct {
        DlStrokesReadResult result;
        guint line;
        const char *message;
    } expected[] = {
        { DL_STROKES_READ_DRAWING, 1, NULL },
        { DL_STROKES_READ_BAD_LINE, 4, "\"label\" must be a digit" },
        { DL_STROKES_READ_BAD_LINE, 5, "longer than 1048576 bytes" },
        { DL_STROKES_READ_BAD_LINE, 6, "nested more than 32 deep" },
        { DL_STROKES_READ_DRAWING, 7, NULL },
        { DL_STROKES_READ_END, 7, NULL },
        { DL_STROKES_READ_END, 7, NULL },
    };
    DlDrawing d = DL_DRAWING_INIT;
    for (size_t i = 0; i < G_N_ELEMENTS(expected); i++) {
        g_autoptr(GError) error = NULL;
        guint line = 0;
        DlStrokesReadResult result = dl_strokes_reader_next(reader, &d, &line, NULL, &error);
        assert_int_equal(result, expected[i].result);
        if (result != DL_STROKES_READ_END)
            assert_int_equal(line, expected[i].line);
        if (expected[i].message != NULL) {
            assert_non_null(error);
            if (strstr(error->message, expected[i].message) == NULL)
                fail_msg("line %u: '%s' does not say '%s'", line, error->message, expected[i].message);
        } else {
            assert_null(error);
        }
        if (expected[i].line == 7 && result == DL_STROKES_READ_DRAWING) {
            assert_string_equal(d.student, "s");
            assert_true(d.points[0].x == 2.0f);
        }
    }
    dl_drawing_clear(&d);
    (void)state;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_nesting_and_length_bounds),
        cmocka_unit_test(test_point_limit),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
