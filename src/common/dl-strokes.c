/* dl-strokes.c — drawings as JSON Lines; see dl-strokes.h. */
#include "dl-strokes.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

G_DEFINE_QUARK(dl-strokes-error-quark, dl_strokes_error)

/* Coordinates beyond this are refused: far inside float's range, so that
 * the drawing's extent and pen stay finite. */
#define MAX_COORDINATE 1e30

void
dl_drawing_clear(DlDrawing *drawing)
{
    g_free(drawing->points);
    g_free(drawing->strokes);
    g_free(drawing->writer);
    g_free(drawing->time);
    g_free(drawing->student);
    *drawing = (DlDrawing)DL_DRAWING_INIT;
}

void
dl_drawing_set_strokes(DlDrawing *drawing, const NnStroke *strokes, size_t n_strokes)
{
    size_t n_points = 0;
    for (size_t s = 0; s < n_strokes; s++)
        n_points += strokes[s].n_points;
    g_free(drawing->points);
    g_free(drawing->strokes);
    drawing->points = g_new(NnPoint, n_points > 0 ? n_points : 1);
    drawing->strokes = g_new(NnStroke, n_strokes > 0 ? n_strokes : 1);
    drawing->n_points = n_points;
    drawing->n_strokes = n_strokes;
    size_t at = 0;
    for (size_t s = 0; s < n_strokes; s++) {
        if (strokes[s].n_points > 0)
            memcpy(drawing->points + at, strokes[s].points, sizeof(NnPoint) * strokes[s].n_points);
        drawing->strokes[s] = (NnStroke){ drawing->points + at, strokes[s].n_points };
        at += strokes[s].n_points;
    }
}

/* ---- a strict JSON check before json-glib ----
 *
 * json-glib's parser recurses once per level of nesting, and its scanner
 * accepts more than JSON (comments, single-quoted strings), so counting
 * brackets alone would not tell how deep it will go. The line is therefore
 * checked here first, without recursion, against strict JSON (RFC 8259)
 * with at most DL_STROKES_MAX_DEPTH levels; only such text reaches
 * json-glib, which then builds the tree. */

typedef struct {
    const char *start, *p, *end;
    GError **error;
} JsonCheck;

static gboolean G_GNUC_PRINTF(2, 3)
check_fail(JsonCheck *c, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *what = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_set_error(c->error, DL_STROKES_ERROR, DL_STROKES_ERROR_SYNTAX, "not valid JSON: column %td: %s",
                c->p - c->start + 1, what);
    return FALSE;
}

static void
skip_space(JsonCheck *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static gboolean
check_string(JsonCheck *c)
{
    c->p++; /* the opening quote */
    while (c->p < c->end) {
        unsigned char ch = (unsigned char)*c->p;
        if (ch == '"') {
            c->p++;
            return TRUE;
        }
        if (ch < 0x20)
            return check_fail(c, "a control character inside a string");
        if (ch == '\\') {
            c->p++;
            if (c->p >= c->end)
                break;
            if (*c->p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (c->p + i >= c->end || !g_ascii_isxdigit(c->p[i]))
                        return check_fail(c, "a \\u escape needs four hexadecimal digits");
                c->p += 4;
            } else if (strchr("\"\\/bfnrt", *c->p) == NULL || *c->p == '\0') {
                return check_fail(c, "unknown escape \\%c", *c->p);
            }
        }
        c->p++;
    }
    return check_fail(c, "a string without its closing quote");
}

static gboolean
digits(JsonCheck *c)
{
    const char *from = c->p;
    while (c->p < c->end && g_ascii_isdigit(*c->p))
        c->p++;
    return c->p > from;
}

static gboolean
check_number(JsonCheck *c)
{
    if (*c->p == '-')
        c->p++;
    if (c->p < c->end && *c->p == '0')
        c->p++;
    else if (!digits(c))
        return check_fail(c, "a number needs digits");
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (!digits(c))
            return check_fail(c, "a number needs digits after its decimal point");
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
            c->p++;
        if (!digits(c))
            return check_fail(c, "a number needs digits in its exponent");
    }
    return TRUE;
}

static gboolean
check_json(const char *text, gsize length, GError **error)
{
    JsonCheck c = { text, text, text + length, error };
    char stack[DL_STROKES_MAX_DEPTH];
    int depth = 0;
    enum { VALUE, FIRST_VALUE, KEY, FIRST_KEY, AFTER } state = VALUE;

    for (;;) {
        skip_space(&c);
        if (state == AFTER && depth == 0) {
            if (c.p < c.end)
                return check_fail(&c, "more text after the end of the JSON value");
            return TRUE;
        }
        if (c.p >= c.end)
            return check_fail(&c, "the line ends inside the JSON value");
        char ch = *c.p;
        switch (state) {
        case FIRST_VALUE:
            if (ch == ']') {
                c.p++;
                depth--;
                state = AFTER;
                break;
            }
            /* fall through */
        case VALUE:
            if (ch == '[' || ch == '{') {
                if (depth == DL_STROKES_MAX_DEPTH) {
                    g_set_error(error, DL_STROKES_ERROR, DL_STROKES_ERROR_TOO_DEEP,
                                "arrays and objects are nested more than %d deep (column %td)",
                                DL_STROKES_MAX_DEPTH, c.p - text + 1);
                    return FALSE;
                }
                stack[depth++] = ch;
                c.p++;
                state = ch == '[' ? FIRST_VALUE : FIRST_KEY;
            } else if (ch == '"') {
                if (!check_string(&c))
                    return FALSE;
                state = AFTER;
            } else if (ch == '-' || g_ascii_isdigit(ch)) {
                if (!check_number(&c))
                    return FALSE;
                state = AFTER;
            } else {
                static const char *const literals[] = { "true", "false", "null" };
                gboolean found = FALSE;
                for (int i = 0; i < 3 && !found; i++) {
                    size_t n = strlen(literals[i]);
                    if ((size_t)(c.end - c.p) >= n && memcmp(c.p, literals[i], n) == 0) {
                        c.p += n;
                        found = TRUE;
                    }
                }
                if (!found)
                    return check_fail(&c, "unexpected character '%c'", g_ascii_isprint(ch) ? ch : '?');
                state = AFTER;
            }
            break;
        case FIRST_KEY:
            if (ch == '}') {
                c.p++;
                depth--;
                state = AFTER;
                break;
            }
            /* fall through */
        case KEY:
            if (ch != '"')
                return check_fail(&c, "expected a member name in double quotes");
            if (!check_string(&c))
                return FALSE;
            skip_space(&c);
            if (c.p >= c.end || *c.p != ':')
                return check_fail(&c, "expected ':' after the member name");
            c.p++;
            state = VALUE;
            break;
        case AFTER:
            if (ch == ',') {
                c.p++;
                state = stack[depth - 1] == '[' ? VALUE : KEY;
            } else if (ch == (stack[depth - 1] == '[' ? ']' : '}')) {
                c.p++;
                depth--;
            } else {
                return check_fail(&c, "expected ',' or '%c'", stack[depth - 1] == '[' ? ']' : '}');
            }
            break;
        }
    }
}

/* ---- parsing ---- */

static gboolean G_GNUC_PRINTF(3, 4)
invalid(GError **error, int code, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *message = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_set_error_literal(error, DL_STROKES_ERROR, code, message);
    return FALSE;
}

/* A number from a JSON node, or FALSE if it is not one. */
static gboolean
json_number(JsonNode *node, double *out)
{
    if (node == NULL || !JSON_NODE_HOLDS_VALUE(node))
        return FALSE;
    GType type = json_node_get_value_type(node);
    if (type == G_TYPE_INT64)
        *out = (double)json_node_get_int(node);
    else if (type == G_TYPE_DOUBLE)
        *out = json_node_get_double(node);
    else
        return FALSE;
    return TRUE;
}

/* An optional string member into *out (NULL when absent or null). */
static gboolean
string_member(JsonObject *object, const char *name, char **out, GError **error)
{
    JsonNode *node = json_object_get_member(object, name);
    if (node == NULL || JSON_NODE_HOLDS_NULL(node))
        return TRUE;
    if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
        return invalid(error, DL_STROKES_ERROR_INVALID, "\"%s\" must be a string", name);
    *out = g_strdup(json_node_get_string(node));
    return TRUE;
}

static gboolean
parse_object(JsonObject *object, DlDrawing *drawing, GError **error)
{
    JsonNode *label = json_object_get_member(object, "label");
    if (label != NULL && !JSON_NODE_HOLDS_NULL(label)) {
        double v;
        /* Compared as doubles before any conversion: 1e300 or NaN never
         * reach an int. */
        if (!json_number(label, &v) || !(v >= 0.0 && v <= 9.0) || v != floor(v))
            return invalid(error, DL_STROKES_ERROR_INVALID, "\"label\" must be a digit from 0 to 9");
        drawing->label = (int)v;
    }
    if (!string_member(object, "writer", &drawing->writer, error) ||
        !string_member(object, "time", &drawing->time, error) ||
        !string_member(object, "student", &drawing->student, error))
        return FALSE;

    JsonNode *strokes_node = json_object_get_member(object, "strokes");
    if (strokes_node == NULL || !JSON_NODE_HOLDS_ARRAY(strokes_node))
        return invalid(error, DL_STROKES_ERROR_INVALID, "%s",
                       strokes_node == NULL ? "no \"strokes\" member" : "\"strokes\" must be an array of strokes");
    JsonArray *strokes = json_node_get_array(strokes_node);
    guint n_strokes = json_array_get_length(strokes);
    if (n_strokes > NN_MAX_DRAWING_POINTS)
        return invalid(error, DL_STROKES_ERROR_TOO_MANY,
                       "the drawing has %u strokes, more than the %d a hand draws", n_strokes,
                       NN_MAX_DRAWING_POINTS);

    /* Count the points before allocating them. */
    size_t n_points = 0;
    for (guint s = 0; s < n_strokes; s++) {
        JsonNode *stroke = json_array_get_element(strokes, s);
        if (!JSON_NODE_HOLDS_ARRAY(stroke))
            return invalid(error, DL_STROKES_ERROR_INVALID, "stroke %u: expected an array of [x, y] points", s + 1);
        n_points += json_array_get_length(json_node_get_array(stroke));
        if (n_points > NN_MAX_DRAWING_POINTS)
            return invalid(error, DL_STROKES_ERROR_TOO_MANY,
                           "the drawing has more than %d points, more than a hand draws",
                           NN_MAX_DRAWING_POINTS);
    }

    drawing->points = g_new(NnPoint, n_points > 0 ? n_points : 1);
    drawing->strokes = g_new(NnStroke, n_strokes > 0 ? n_strokes : 1);
    size_t at = 0;
    for (guint s = 0; s < n_strokes; s++) {
        JsonArray *stroke = json_node_get_array(json_array_get_element(strokes, s));
        guint n = json_array_get_length(stroke);
        for (guint p = 0; p < n; p++) {
            JsonNode *point_node = json_array_get_element(stroke, p);
            JsonArray *point = JSON_NODE_HOLDS_ARRAY(point_node) ? json_node_get_array(point_node) : NULL;
            double x, y;
            if (point == NULL || json_array_get_length(point) != 2 ||
                !json_number(json_array_get_element(point, 0), &x) ||
                !json_number(json_array_get_element(point, 1), &y))
                return invalid(error, DL_STROKES_ERROR_INVALID,
                               "stroke %u, point %u: expected [x, y], two numbers", s + 1, p + 1);
            if (!(fabs(x) < MAX_COORDINATE && fabs(y) < MAX_COORDINATE))
                return invalid(error, DL_STROKES_ERROR_INVALID,
                               "stroke %u, point %u: coordinate out of range", s + 1, p + 1);
            drawing->points[at + p] = (NnPoint){ (float)x, (float)y };
        }
        drawing->strokes[s] = (NnStroke){ drawing->points + at, n };
        drawing->n_strokes = s + 1;
        at += n;
        drawing->n_points = at;
    }
    return TRUE;
}

gboolean
dl_drawing_parse_line(const char *line, gsize length, DlDrawing *drawing, GError **error)
{
    dl_drawing_clear(drawing);
    if (length > DL_STROKES_MAX_LINE)
        return invalid(error, DL_STROKES_ERROR_TOO_LONG, "the line is longer than %d bytes",
                       DL_STROKES_MAX_LINE);
    if (!g_utf8_validate_len(line, length, NULL))
        return invalid(error, DL_STROKES_ERROR_SYNTAX, "not valid JSON: the line is not UTF-8 text");
    if (!check_json(line, length, error))
        return FALSE;

    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) json_error = NULL;
    if (!json_parser_load_from_data(parser, line, (gssize)length, &json_error)) {
        /* json-glib says "<data>:1:COLUMN: Parse error: ..."; the line is the caller's. */
        const char *msg = json_error->message;
        char *rest = NULL;
        if (g_str_has_prefix(msg, "<data>:1:")) {
            guint64 column = g_ascii_strtoull(msg + strlen("<data>:1:"), &rest, 10);
            if (rest != NULL && g_str_has_prefix(rest, ": "))
                return invalid(error, DL_STROKES_ERROR_SYNTAX, "not valid JSON: column %" G_GUINT64_FORMAT ": %s",
                               column, rest + 2);
        }
        return invalid(error, DL_STROKES_ERROR_SYNTAX, "not valid JSON: %s", msg);
    }
    JsonNode *root = json_parser_get_root(parser);
    if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
        return invalid(error, DL_STROKES_ERROR_INVALID, "expected a JSON object {\"strokes\": [...]}");
    if (!parse_object(json_node_get_object(root), drawing, error)) {
        dl_drawing_clear(drawing);
        return FALSE;
    }
    return TRUE;
}

/* ---- writing ---- */

void
dl_json_append_string(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            g_string_append_printf(out, "\\%c", c);
        else if (c < 0x20)
            g_string_append_printf(out, "\\u%04x", c);
        else
            g_string_append_c(out, (char)c);
    }
    g_string_append_c(out, '"');
}

/* The shortest decimal form (C locale) that reads back as the same float. */
static void
append_float(GString *out, float v)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    if (v == floorf(v) && fabsf(v) < 1e9f) { /* whole numbers, as a device gives them */
        g_string_append_printf(out, "%.0f", (double)v);
        return;
    }
    for (int digits = 1; digits <= 9; digits++) {
        char format[8];
        snprintf(format, sizeof format, "%%.%dg", digits);
        g_ascii_formatd(buf, sizeof buf, format, v);
        if ((float)g_ascii_strtod(buf, NULL) == v)
            break;
    }
    g_string_append(out, buf);
}

char *
dl_drawing_to_line(const DlDrawing *drawing)
{
    GString *out = g_string_new("{\"strokes\":[");
    for (size_t s = 0; s < drawing->n_strokes; s++) {
        const NnStroke *stroke = &drawing->strokes[s];
        g_string_append(out, s > 0 ? ",[" : "[");
        for (size_t p = 0; p < stroke->n_points; p++) {
            g_string_append(out, p > 0 ? ",[" : "[");
            append_float(out, stroke->points[p].x);
            g_string_append_c(out, ',');
            append_float(out, stroke->points[p].y);
            g_string_append_c(out, ']');
        }
        g_string_append_c(out, ']');
    }
    g_string_append_c(out, ']');
    if (drawing->label >= 0)
        g_string_append_printf(out, ",\"label\":%d", drawing->label);
    const struct {
        const char *name, *value;
    } strings[] = { { "writer", drawing->writer }, { "time", drawing->time }, { "student", drawing->student } };
    for (size_t i = 0; i < G_N_ELEMENTS(strings); i++) {
        if (strings[i].value == NULL)
            continue;
        g_string_append_printf(out, ",\"%s\":", strings[i].name);
        dl_json_append_string(out, strings[i].value);
    }
    g_string_append_c(out, '}');
    return g_string_free(out, FALSE);
}

/* ---- reading a stream ---- */

struct _DlStrokesReader {
    GInputStream *stream;
    char buffer[64 * 1024];
    gsize start, filled; /* unread bytes: buffer[start..filled) */
    gboolean eof;
    GString *line;
    guint line_number;
};

DlStrokesReader *
dl_strokes_reader_new(GInputStream *stream)
{
    DlStrokesReader *reader = g_new0(DlStrokesReader, 1);
    reader->stream = g_object_ref(stream);
    reader->line = g_string_new(NULL);
    return reader;
}

void
dl_strokes_reader_free(DlStrokesReader *reader)
{
    if (reader == NULL)
        return;
    g_object_unref(reader->stream);
    g_string_free(reader->line, TRUE);
    g_free(reader);
}

/* The next line into reader->line (without its newline); *too_long when
 * it had more than DL_STROKES_MAX_LINE bytes (then only those are kept).
 * Returns FALSE at the end of the stream or on an error. */
static gboolean
next_line(DlStrokesReader *reader, gboolean *too_long, GCancellable *cancellable, GError **error)
{
    g_string_truncate(reader->line, 0);
    *too_long = FALSE;
    gboolean any = FALSE;
    for (;;) {
        if (reader->start == reader->filled) {
            if (reader->eof)
                return any;
            gssize n = g_input_stream_read(reader->stream, reader->buffer, sizeof reader->buffer, cancellable, error);
            if (n < 0)
                return FALSE;
            reader->start = 0;
            reader->filled = (gsize)n;
            reader->eof = n == 0;
            continue;
        }
        any = TRUE;
        const char *from = reader->buffer + reader->start;
        gsize available = reader->filled - reader->start;
        const char *newline = memchr(from, '\n', available);
        gsize take = newline != NULL ? (gsize)(newline - from) : available;
        gsize room = reader->line->len < DL_STROKES_MAX_LINE + 1 ? DL_STROKES_MAX_LINE + 1 - reader->line->len : 0;
        g_string_append_len(reader->line, from, (gssize)MIN(take, room));
        if (take > room)
            *too_long = TRUE;
        reader->start += take + (newline != NULL);
        if (newline != NULL)
            break;
    }
    if (reader->line->len > DL_STROKES_MAX_LINE)
        *too_long = TRUE;
    return TRUE;
}

DlStrokesReadResult
dl_strokes_reader_next(DlStrokesReader *reader, DlDrawing *drawing, guint *line, GCancellable *cancellable,
                       GError **error)
{
    dl_drawing_clear(drawing);
    for (;;) {
        gboolean too_long;
        g_autoptr(GError) read_error = NULL;
        if (!next_line(reader, &too_long, cancellable, &read_error)) {
            if (read_error != NULL) {
                g_propagate_error(error, g_steal_pointer(&read_error));
                return DL_STROKES_READ_FAILED;
            }
            return DL_STROKES_READ_END;
        }
        *line = ++reader->line_number;
        if (too_long) {
            g_set_error(error, DL_STROKES_ERROR, DL_STROKES_ERROR_TOO_LONG, "the line is longer than %d bytes",
                        DL_STROKES_MAX_LINE);
            return DL_STROKES_READ_BAD_LINE;
        }
        const char *text = reader->line->str;
        gsize length = reader->line->len;
        gsize blank = 0;
        while (blank < length && g_ascii_isspace(text[blank]))
            blank++;
        if (blank == length)
            continue;
        return dl_drawing_parse_line(text, length, drawing, error) ? DL_STROKES_READ_DRAWING
                                                                   : DL_STROKES_READ_BAD_LINE;
    }
}
