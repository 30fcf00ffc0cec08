/* digitlab-cli predict — recognise digits in image files or in drawings.
 *
 * Every input goes through the same MNIST-style preprocessing as the app's
 * canvas (preprocess.h); inputs that fail are reported on stderr and
 * skipped, the others are classified in one nn_model_predict() call. */
#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "cli-common.h"
#include "cli.h"
#include "image-load.h"
#include "model.h"
#include "preprocess.h"

/* One input that was read and preprocessed. */
typedef struct {
    char *name; /* "digit.png" or "drawings.jsonl:3", UTF-8 for display */
    int line;   /* line number in the stroke file, 0 for images */
    int label;  /* 0-9, or -1 if the input has none */
    float image[NN_IMAGE_PIXELS];
} PredictInput;

static void
predict_input_clear(gpointer data)
{
    PredictInput *input = data;
    g_free(input->name);
}

/* ---- images ---- */

static gboolean
read_image(const char *path, PredictInput *input)
{
    g_autofree char *name = g_filename_display_name(path);
    g_autoptr(GError) error = NULL;
    DlGrayImage image = { 0 };

    if (!dl_gray_image_load(path, &image, &error)) {
        fprintf(stderr, "%s\n", error->message);
        return FALSE;
    }
    NnError err = { 0 };
    NnStatus status = nn_gray_to_image(image.pixels, image.width, image.height, image.width,
                                       input->image, &err);
    dl_gray_image_clear(&image);
    if (status != NN_OK) {
        fprintf(stderr, "%s: %s\n", name, err.message);
        return FALSE;
    }
    input->name = g_steal_pointer(&name);
    input->line = 0;
    input->label = -1;
    return TRUE;
}

/* ---- stroke files ---- */

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

/* Parses one drawing, {"strokes": [[[x, y], ...], ...], "label": d}, into
 * input->image. On failure sets *message to what is wrong. */
static gboolean
parse_drawing(const char *text, gsize length, PredictInput *input, char **message)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;

    if (!json_parser_load_from_data(parser, text, (gssize)length, &error)) {
        /* json-glib says "<data>:1:COLUMN: Parse error: ..."; the line is ours. */
        const char *msg = error->message;
        char *rest = NULL;
        if (g_str_has_prefix(msg, "<data>:1:")) {
            guint64 column = g_ascii_strtoull(msg + strlen("<data>:1:"), &rest, 10);
            if (rest != NULL && g_str_has_prefix(rest, ": ")) {
                *message = g_strdup_printf("not valid JSON: column %" G_GUINT64_FORMAT ": %s",
                                           column, rest + 2);
                return FALSE;
            }
        }
        *message = g_strdup_printf("not valid JSON: %s", msg);
        return FALSE;
    }
    JsonNode *root = json_parser_get_root(parser);
    if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
        *message = g_strdup("expected a JSON object {\"strokes\": [...]}");
        return FALSE;
    }
    JsonObject *object = json_node_get_object(root);

    input->label = -1;
    JsonNode *label = json_object_get_member(object, "label");
    if (label != NULL && !JSON_NODE_HOLDS_NULL(label)) {
        double v;
        if (!json_number(label, &v) || v != (int)v || v < 0 || v > 9) {
            *message = g_strdup("\"label\" must be a digit from 0 to 9");
            return FALSE;
        }
        input->label = (int)v;
    }

    JsonNode *strokes_node = json_object_get_member(object, "strokes");
    if (strokes_node == NULL || !JSON_NODE_HOLDS_ARRAY(strokes_node)) {
        *message = g_strdup(strokes_node == NULL ? "no \"strokes\" member"
                                                 : "\"strokes\" must be an array of strokes");
        return FALSE;
    }
    JsonArray *strokes_array = json_node_get_array(strokes_node);
    guint n_strokes = json_array_get_length(strokes_array);

    g_autofree NnStroke *strokes = g_new0(NnStroke, n_strokes > 0 ? n_strokes : 1);
    g_autoptr(GPtrArray) point_arrays = g_ptr_array_new_with_free_func(g_free);
    for (guint s = 0; s < n_strokes; s++) {
        JsonNode *stroke_node = json_array_get_element(strokes_array, s);
        if (!JSON_NODE_HOLDS_ARRAY(stroke_node)) {
            *message = g_strdup_printf("stroke %u: expected an array of [x, y] points", s + 1);
            return FALSE;
        }
        JsonArray *stroke = json_node_get_array(stroke_node);
        guint n_points = json_array_get_length(stroke);
        NnPoint *points = g_new(NnPoint, n_points > 0 ? n_points : 1);
        g_ptr_array_add(point_arrays, points);
        for (guint p = 0; p < n_points; p++) {
            JsonNode *point_node = json_array_get_element(stroke, p);
            JsonArray *point = JSON_NODE_HOLDS_ARRAY(point_node) ? json_node_get_array(point_node) : NULL;
            double x, y;
            if (point == NULL || json_array_get_length(point) != 2 ||
                !json_number(json_array_get_element(point, 0), &x) ||
                !json_number(json_array_get_element(point, 1), &y)) {
                *message = g_strdup_printf("stroke %u, point %u: expected [x, y], two numbers", s + 1, p + 1);
                return FALSE;
            }
            if (!(x > -1e30 && x < 1e30 && y > -1e30 && y < 1e30)) {
                *message = g_strdup_printf("stroke %u, point %u: coordinate out of range", s + 1, p + 1);
                return FALSE;
            }
            points[p] = (NnPoint){ (float)x, (float)y };
        }
        strokes[s] = (NnStroke){ points, n_points };
    }

    NnError err = { 0 };
    if (nn_strokes_to_image(strokes, n_strokes, input->image, &err) != NN_OK) {
        *message = g_strdup(err.message);
        return FALSE;
    }
    return TRUE;
}

/* Reads every drawing of a JSON Lines file ("-" for standard input) into
 * inputs; returns the number of lines that failed, or -1 if the file could
 * not be read at all. */
static int
read_stroke_file(const char *path, GArray *inputs)
{
    g_autofree char *name = strcmp(path, "-") == 0 ? g_strdup("<stdin>") : g_filename_display_name(path);
    g_autofree char *data = NULL;
    gsize size = 0;

    if (strcmp(path, "-") == 0) {
        GString *text = g_string_new(NULL);
        char buffer[65536];
        size_t n;
        while ((n = fread(buffer, 1, sizeof buffer, stdin)) > 0)
            g_string_append_len(text, buffer, (gssize)n);
        if (ferror(stdin)) {
            fprintf(stderr, "%s: read error\n", name);
            g_string_free(text, TRUE);
            return -1;
        }
        size = text->len;
        data = g_string_free(text, FALSE);
    } else {
        g_autoptr(GError) error = NULL;
        if (!g_file_get_contents(path, &data, &size, &error)) {
            fprintf(stderr, "%s: %s\n", name, error->message);
            return -1;
        }
    }

    int failed = 0;
    int line = 0;
    const char *p = data, *end = data + size;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *next = eol != NULL ? eol + 1 : end;
        if (eol == NULL)
            eol = end;
        if (eol > p && eol[-1] == '\r')
            eol--;
        line++;

        const char *q = p;
        while (q < eol && g_ascii_isspace(*q))
            q++;
        if (q < eol) {
            PredictInput input = { 0 };
            g_autofree char *message = NULL;
            if (parse_drawing(p, (gsize)(eol - p), &input, &message)) {
                input.name = g_strdup_printf("%s:%d", name, line);
                input.line = line;
                g_array_append_val(inputs, input);
            } else {
                fprintf(stderr, "%s:%d: %s\n", name, line, message);
                failed++;
            }
        }
        p = next;
    }
    return failed;
}

/* ---- output ---- */

static void
print_json_string(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void
print_json(const PredictInput *input, int digit, const float *probs)
{
    char number[G_ASCII_DTOSTR_BUF_SIZE];

    printf("{\"input\": ");
    print_json_string(input->name);
    if (input->line > 0)
        printf(", \"line\": %d", input->line);
    printf(", \"digit\": %d, \"probabilities\": [", digit);
    for (int k = 0; k < NN_CLASSES; k++)
        printf("%s%s", k > 0 ? ", " : "", g_ascii_formatd(number, sizeof number, "%.6g", probs[k]));
    printf("]");
    if (input->label >= 0)
        printf(", \"label\": %d", input->label);
    printf("}\n");
}

static void
print_text(const PredictInput *input, int digit, const float *probs)
{
    printf("%s: %d (%.1f%%)", input->name, digit, 100.0 * probs[digit]);
    if (input->label >= 0)
        printf(", label %d%s", input->label, input->label == digit ? "" : "  <- wrong");
    printf("\n");
}

int
cmd_predict(int argc, char **argv)
{
    g_autofree char *model_path = NULL, *strokes_path = NULL;
    gboolean json = FALSE;

    const GOptionEntry entries[] = {
        { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Model file to use (required)", "MODEL" },
        { "strokes", 's', 0, G_OPTION_ARG_FILENAME, &strokes_path,
          "Read drawings from a JSON Lines file ('-' for standard input), one per line: "
          "{\"strokes\": [[[x, y], ...], ...], \"label\": d}; label optional", "FILE.jsonl" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json,
          "Print one JSON object per input: {\"input\", \"digit\", \"probabilities\", \"label\"}", NULL },
        { NULL },
    };
    if (!cli_parse_options(&argc, &argv, "(IMAGE... | --strokes FILE.jsonl)",
                           "Recognise the digit in each PNG or PGM image, or in each drawing of a stroke file.",
                           entries))
        return 2;
    if (model_path == NULL) {
        fprintf(stderr, "predict: --model MODEL is required\n");
        return 2;
    }
    if ((strokes_path != NULL) == (argc > 1)) {
        fprintf(stderr, "predict: give either image files or --strokes FILE.jsonl%s\n",
                argc > 1 ? ", not both" : "");
        return 2;
    }

    NnError err = { 0 };
    NnModel *model = NULL;
    if (nn_model_load(model_path, &model, &err) != NN_OK) {
        g_autofree char *name = g_filename_display_name(model_path);
        if (strstr(err.message, model_path) != NULL)
            fprintf(stderr, "predict: cannot load the model: %s\n", err.message);
        else
            fprintf(stderr, "predict: cannot load the model %s: %s\n", name, err.message);
        return 1;
    }

    g_autoptr(GArray) inputs = g_array_new(FALSE, TRUE, sizeof(PredictInput));
    g_array_set_clear_func(inputs, predict_input_clear);
    int failed = 0;
    if (strokes_path != NULL) {
        failed = read_stroke_file(strokes_path, inputs);
        if (failed == 0 && inputs->len == 0) {
            g_autofree char *name = g_filename_display_name(strokes_path);
            fprintf(stderr, "predict: %s holds no drawings\n", name);
            failed = -1;
        }
    } else {
        for (int i = 1; i < argc; i++) {
            PredictInput input = { 0 };
            if (read_image(argv[i], &input))
                g_array_append_val(inputs, input);
            else
                failed++;
        }
    }

    int n = (int)inputs->len;
    int rc = failed != 0 ? 1 : 0;
    if (n > 0) {
        float *images = g_new(float, (size_t)n * NN_IMAGE_PIXELS);
        float *probs = g_new(float, (size_t)n * NN_CLASSES);
        for (int i = 0; i < n; i++)
            memcpy(images + (size_t)i * NN_IMAGE_PIXELS, g_array_index(inputs, PredictInput, i).image,
                   sizeof(float) * NN_IMAGE_PIXELS);
        if (nn_model_predict(model, images, n, probs, &err) != NN_OK) {
            fprintf(stderr, "predict: %s\n", err.message);
            rc = 1;
        } else {
            int labelled = 0, right = 0;
            for (int i = 0; i < n; i++) {
                const PredictInput *input = &g_array_index(inputs, PredictInput, i);
                const float *p = probs + (size_t)i * NN_CLASSES;
                int digit = 0;
                for (int k = 1; k < NN_CLASSES; k++)
                    if (p[k] > p[digit])
                        digit = k;
                if (json)
                    print_json(input, digit, p);
                else
                    print_text(input, digit, p);
                if (input->label >= 0) {
                    labelled++;
                    right += input->label == digit;
                }
            }
            if (!json && labelled > 0)
                printf("%d of %d labelled inputs right (%.1f%%)\n", right, labelled, 100.0 * right / labelled);
        }
        g_free(images);
        g_free(probs);
    }
    if (failed > 0)
        fprintf(stderr, "predict: %d input%s could not be read\n", failed, failed == 1 ? "" : "s");

    nn_model_free(model);
    return rc;
}
