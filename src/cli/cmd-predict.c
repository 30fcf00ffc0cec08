/* digitlab-cli predict — recognise digits in image files or in drawings.
 *
 * Every input goes through the same MNIST-style preprocessing as the app's
 * canvas (preprocess.h); inputs that fail are reported on stderr and
 * skipped, the others are classified in one nn_model_predict() call. */
#include <stdio.h>
#include <string.h>

#include <math.h>
#include <unistd.h>

#include "cli-common.h"
#include "cli.h"
#include "dl-strokes.h"
#include "drawings-file.h"
#include "evaluate.h"
#include "image-load.h"
#include "model.h"
#include "preprocess.h"
#include "verdict.h"

/* One input that was read and preprocessed. */
typedef struct {
    char *name; /* "digit.png" or "drawings.jsonl:3", UTF-8 for display */
    int line;   /* line number in the stroke file, 0 for images */
    int label;  /* 0-9, or -1 if the input has none */
    float extent; /* a drawing's size (nn_strokes_extent); images: -1, not checked */
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
    input->extent = -1;
    return TRUE;
}

/* ---- stroke files ---- */

/* Reads every drawing of a JSON Lines file ("-" for standard input) into
 * inputs; returns the number of lines that failed, or -1 if the file could
 * not be read at all. */
static int
read_stroke_file(const char *path, GArray *inputs)
{
    DrawingsFile d;
    int failed = drawings_file_read(path, &d);
    for (int i = 0; i < d.count; i++) {
        PredictInput input = { .name = g_strdup_printf("%s:%d", d.name, d.lines[i]), .line = d.lines[i],
                               .label = d.labels[i], .extent = d.extents[i] };
        memcpy(input.image, d.images + (size_t)i * NN_IMAGE_PIXELS, sizeof input.image);
        g_array_append_val(inputs, input);
    }
    drawings_file_clear(&d);
    return failed;
}

/* ---- output ---- */

/* Whether all ten probabilities are numbers: a model whose weights hold
 * NaN or infinity (or overflow) gives none, and then there is no answer. */
static gboolean
probs_finite(const float *probs)
{
    for (int k = 0; k < NN_CLASSES; k++)
        if (!isfinite(probs[k]))
            return FALSE;
    return TRUE;
}

#define NO_ANSWER "the model gives probabilities that are not numbers (its weights may have blown up)"

/* Appends ", "features": [...]": the units of the network's last hidden
 * dense layer for the input, what the output layer reads (or null if the
 * trace fails). */
static void
append_features(GString *out, NnModel *model, const PredictInput *input)
{
    NnError err = { 0 };
    int count = 0;
    const NnActivation *dense = NULL;
    if (nn_model_trace(model, input->image, &count, &err) == NN_OK)
        for (int i = 0; i < count; i++)
            if (nn_model_activation(model, i)->kind == NN_ACT_DENSE)
                dense = nn_model_activation(model, i);
    if (dense == NULL) {
        g_string_append(out, ", \"features\": null");
        return;
    }
    g_string_append(out, ", \"features\": [");
    for (int k = 0; k < dense->channels; k++) {
        g_string_append(out, k > 0 ? ", " : "");
        cli_json_number(out, "%.6g", dense->data[k]);
    }
    g_string_append(out, "]");
}

/* One JSON object; without an answer, "digit" and the probabilities that
 * are not finite are null, with an "error" (JSON has no nan or inf).
 * features: the model, to add the input's features; NULL: none. */
static void
print_json(const PredictInput *input, int digit, const float *probs, const NnVerdict *verdict, NnModel *features)
{
    g_autoptr(GString) out = g_string_new("{\"input\": ");
    dl_json_append_string(out, input->name);
    if (input->line > 0)
        g_string_append_printf(out, ", \"line\": %d", input->line);
    if (digit >= 0)
        g_string_append_printf(out, ", \"digit\": %d, \"probabilities\": [", digit);
    else
        g_string_append(out, ", \"digit\": null, \"probabilities\": [");
    for (int k = 0; k < NN_CLASSES; k++) {
        g_string_append(out, k > 0 ? ", " : "");
        cli_json_number(out, "%.6g", probs[k]);
    }
    g_string_append(out, "]");
    if (digit >= 0)
        g_string_append_printf(out, ", \"verdict\": \"%s\", \"second\": %d%s", nn_verdict_name(verdict->kind),
                               verdict->second, verdict->too_small ? ", \"too_small\": true" : "");
    if (input->label >= 0)
        g_string_append_printf(out, ", \"label\": %d", input->label);
    if (features != NULL)
        append_features(out, features, input);
    if (digit < 0)
        g_string_append(out, ", \"error\": \"" NO_ANSWER "\"");
    g_string_append(out, "}\n");
    fputs(out->str, stdout);
}

/* A probability as text, one decimal, never a rounded "100.0%" or
 * "0.0%" (a network is never that sure): ">99.9%" and "<0.1%", as the
 * app says "> 99 %" and "< 1 %". */
static const char *
percent_text(float p, char *buf, size_t size)
{
    if (p >= 0.9995f)
        return ">99.9%";
    if (!(p >= 0.0005f)) /* also nan */
        return "<0.1%";
    snprintf(buf, size, "%.1f%%", 100.0 * p);
    return buf;
}

static void
print_text(const PredictInput *input, int digit, const float *probs, const NnVerdict *v)
{
    char a[16], b[16];

    if (digit < 0) {
        printf("%s: no answer: " NO_ANSWER "\n", input->name);
        return;
    }
    if (v->kind == NN_VERDICT_SURE)
        printf("%s: %d (%s)", input->name, digit, percent_text(probs[digit], a, sizeof a));
    else if (v->kind == NN_VERDICT_UNSURE)
        printf("%s: unsure: maybe %d (%s), or %d (%s)", input->name, digit, percent_text(v->p1, a, sizeof a),
               v->second, percent_text(v->p2, b, sizeof b));
    else if (v->too_small)
        printf("%s: not a digit (a single point: nothing to read)", input->name);
    else
        printf("%s: not a digit (at most %s for %d)", input->name, percent_text(v->p1, a, sizeof a), digit);
    if (input->label >= 0)
        printf(", label %d%s", input->label, input->label == digit ? "" : "  <- wrong");
    printf("\n");
}

int
cmd_predict(int argc, char **argv)
{
    g_autofree char *model_path = NULL, *strokes_path = NULL;
    gboolean json = FALSE, features = FALSE;

    const GOptionEntry entries[] = {
        { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Model file to use (required)", "MODEL" },
        { "strokes", 's', 0, G_OPTION_ARG_FILENAME, &strokes_path,
          "Read drawings from a JSON Lines file ('-' for standard input), one per line: "
          "{\"strokes\": [[[x, y], ...], ...], \"label\": d}; label optional", "FILE.jsonl" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json,
          "Print one JSON object per input: {\"input\", \"digit\", \"verdict\", \"second\", \"probabilities\", \"label\"}", NULL },
        { "features", 0, 0, G_OPTION_ARG_NONE, &features,
          "With --json: add \"features\", the units of the last hidden layer (what the output layer reads)", NULL },
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
    if (features && !json) {
        fprintf(stderr, "predict: --features goes with --json\n");
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
            int labelled = 0, right = 0, no_answer = 0;
            for (int i = 0; i < n; i++) {
                const PredictInput *input = &g_array_index(inputs, PredictInput, i);
                const float *p = probs + (size_t)i * NN_CLASSES;
                int digit = probs_finite(p) ? nn_argmax(p, NN_CLASSES) : -1;
                no_answer += digit < 0;
                NnVerdict verdict = nn_verdict(model, p);
                if (input->extent >= 0)
                    nn_verdict_check_size(&verdict, input->extent, 0.0f);
                if (json)
                    print_json(input, digit, p, &verdict, features ? model : NULL);
                else
                    print_text(input, digit, p, &verdict);
                if (input->label >= 0 && digit >= 0) {
                    labelled++;
                    right += input->label == digit;
                }
            }
            if (no_answer > 0) {
                fprintf(stderr, "predict: %d input%s got no answer: " NO_ANSWER "\n", no_answer,
                        no_answer == 1 ? "" : "s");
                rc = 1;
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
