/* digitlab-cli evaluate — a model's accuracy, loss and confusion on the MNIST
 * test set, on the training images its training held out (--held-out: what
 * a choice between models may look at, as the test set must not choose), or
 * on drawings. */
#include <stdio.h>

#include "cli-common.h"
#include "cli.h"
#include "dl-recipe.h"
#include "dl-strokes.h"
#include "evaluate.h"
#include "drawings-file.h"
#include "gemm.h"
#include "layers.h"
#include "verdict.h"

/* One JSON object; numbers that are not finite (a model whose weights have
 * blown up) are null, with an "error" saying so. */
static void
print_json(const char *model_path, const char *images, const NnEvalResult *r)
{
    g_autoptr(GString) out = g_string_new("{\"model\": ");
    g_autofree char *name = g_filename_display_name(model_path);
    dl_json_append_string(out, name);
    gboolean finite = TRUE;
    g_string_append_printf(out, ", \"images\": \"%s\", \"n\": %d, \"accuracy\": ", images, r->n);
    finite &= cli_json_number(out, "%.6f", r->accuracy);
    g_string_append(out, ", \"loss\": ");
    finite &= cli_json_number(out, "%.6f", r->loss);
    g_string_append(out, ", \"per_class_accuracy\": [");
    for (int k = 0; k < NN_CLASSES; k++) {
        g_string_append(out, k ? ", " : "");
        finite &= cli_json_number(out, "%.6f", r->per_class_accuracy[k]);
    }
    g_string_append(out, "], \"confusion\": [");
    for (int k = 0; k < NN_CLASSES; k++) {
        g_string_append(out, k ? ", [" : "[");
        for (int j = 0; j < NN_CLASSES; j++)
            g_string_append_printf(out, "%s%d", j ? ", " : "", r->confusion[k][j]);
        g_string_append(out, "]");
    }
    g_string_append(out, "]");
    if (!finite)
        g_string_append(out, ", \"error\": \"the model gives numbers that are not finite (null above)\"");
    g_string_append(out, "}\n");
    fputs(out->str, stdout);
}

static void
print_text(const char *model_path, const char *images, const NnEvalResult *r)
{
    printf("%s on %d MNIST %s images: accuracy %.2f%% (%d errors), loss %.4f\n\n", model_path, r->n, images,
           100 * r->accuracy, r->n - (int)(r->accuracy * r->n + 0.5), r->loss);
    printf("true\\predicted");
    for (int j = 0; j < NN_CLASSES; j++)
        printf("%6d", j);
    printf("   accuracy\n");
    for (int k = 0; k < NN_CLASSES; k++) {
        printf("%14d", k);
        for (int j = 0; j < NN_CLASSES; j++)
            printf("%6d", r->confusion[k][j]);
        printf("   %6.2f%%\n", 100 * r->per_class_accuracy[k]);
    }
}

/* ---- drawings: evaluate --strokes ---- */

static void
print_strokes_text(const char *name, const NnModel *model, const NnVerdictScore *s)
{
    float sure, reject;
    nn_model_thresholds(model, &sure, &reject);
    if (s->digits > 0) {
        printf("%s: %d drawings of digits: accuracy %.2f%% (%d errors); expected calibration error %.4f\n", name,
               s->digits, 100 * s->accuracy, s->digits - s->correct, s->ece);
        printf("verdicts (sure from %.3f, not a digit below %.3f%s): %d sure, %d unsure, %d not a digit\n", sure,
               reject, nn_model_is_calibrated(model) ? "" : ", the defaults of an uncalibrated model",
               s->verdicts[NN_VERDICT_SURE], s->verdicts[NN_VERDICT_UNSURE], s->verdicts[NN_VERDICT_NOT_DIGIT]);
        int errors = s->digits - s->correct;
        printf("  errors shown as unsure or not a digit: %d of %d (%.1f%%); errors sure at 99%% or more: %d\n",
               s->errors_flagged, errors, errors > 0 ? 100.0 * s->errors_flagged / errors : 0.0, s->errors_sure_99);
        printf("  correct answers shown as unsure or not a digit: %d of %d (%.2f%%)\n", s->correct_flagged, s->correct,
               s->correct > 0 ? 100.0 * s->correct_flagged / s->correct : 0.0);
        printf("  sure answers: %.1f%% of the drawings, %.2f%% of them right\n\n", 100.0 * s->sure / s->digits,
               s->sure > 0 ? 100.0 * s->sure_correct / s->sure : 0.0);
        printf("true\\read    ");
        for (int j = 0; j < NN_CLASSES; j++)
            printf("%6d", j);
        printf("   accuracy\n");
        for (int k = 0; k < NN_CLASSES; k++) {
            printf("%12d", k);
            for (int j = 0; j < NN_CLASSES; j++)
                printf("%6d", s->confusion[k][j]);
            printf("   %6.2f%%\n", 100 * s->per_class_accuracy[k]);
        }
    }
    if (s->non_digits > 0)
        printf("%s%s: %d drawings without a label (no digit): %d not a digit (%.1f%%), %d unsure, %d sure\n",
               s->digits > 0 ? "\n" : "", name, s->non_digits, s->non_digit_verdicts[NN_VERDICT_NOT_DIGIT],
               100.0 * s->non_digit_verdicts[NN_VERDICT_NOT_DIGIT] / s->non_digits,
               s->non_digit_verdicts[NN_VERDICT_UNSURE], s->non_digit_verdicts[NN_VERDICT_SURE]);
}

static void
print_strokes_json(const char *name, const NnModel *model, const NnVerdictScore *s)
{
    float sure, reject;
    nn_model_thresholds(model, &sure, &reject);
    g_autoptr(GString) out = g_string_new("{\"input\": ");
    dl_json_append_string(out, name);
    g_string_append_printf(out, ", \"digits\": %d, \"non_digits\": %d, \"correct\": %d, \"accuracy\": ", s->digits,
                           s->non_digits, s->correct);
    cli_json_number(out, "%.6f", s->accuracy);
    g_string_append(out, ", \"ece\": ");
    cli_json_number(out, "%.6f", s->ece);
    g_string_append(out, ", \"thresholds\": {\"sure\": ");
    cli_json_number(out, "%.6g", sure);
    g_string_append(out, ", \"reject\": ");
    cli_json_number(out, "%.6g", reject);
    g_string_append_printf(out, ", \"calibrated\": %s}", nn_model_is_calibrated(model) ? "true" : "false");
    g_string_append_printf(out, ", \"verdicts\": {\"sure\": %d, \"unsure\": %d, \"not-a-digit\": %d}",
                           s->verdicts[0], s->verdicts[1], s->verdicts[2]);
    g_string_append_printf(out, ", \"errors_flagged\": %d, \"correct_flagged\": %d, \"errors_sure_99\": %d",
                           s->errors_flagged, s->correct_flagged, s->errors_sure_99);
    g_string_append_printf(out, ", \"sure\": %d, \"sure_correct\": %d", s->sure, s->sure_correct);
    g_string_append_printf(out, ", \"non_digit_verdicts\": {\"sure\": %d, \"unsure\": %d, \"not-a-digit\": %d}",
                           s->non_digit_verdicts[0], s->non_digit_verdicts[1], s->non_digit_verdicts[2]);
    g_string_append(out, ", \"per_class_accuracy\": [");
    for (int k = 0; k < NN_CLASSES; k++) {
        g_string_append(out, k ? ", " : "");
        cli_json_number(out, "%.6f", s->per_class_accuracy[k]);
    }
    g_string_append(out, "], \"confusion\": [");
    for (int k = 0; k < NN_CLASSES; k++) {
        g_string_append(out, k ? ", [" : "[");
        for (int j = 0; j < NN_CLASSES; j++)
            g_string_append_printf(out, "%s%d", j ? ", " : "", s->confusion[k][j]);
        g_string_append(out, "]");
    }
    g_string_append(out, "]}\n");
    fputs(out->str, stdout);
}

/* Drawings of a JSON Lines file through the canvas path; unlabelled ones
 * count as non-digits. */
static int
evaluate_strokes(NnModel *model, const char *path, gboolean json)
{
    DrawingsFile d;
    int failed = drawings_file_read(path, &d);
    if (failed < 0)
        return 1;
    if (d.count == 0) {
        fprintf(stderr, "evaluate: %s holds no drawings\n", d.name);
        drawings_file_clear(&d);
        return 1;
    }
    float *probs = g_new(float, (size_t)d.count * NN_CLASSES);
    uint8_t *labels = g_new(uint8_t, (size_t)d.count);
    for (int i = 0; i < d.count; i++)
        labels[i] = d.labels[i] >= 0 ? (uint8_t)d.labels[i] : NN_LABEL_NONE;
    NnError err = { 0 };
    int rc = failed > 0 ? 1 : 0;
    if (nn_model_predict(model, d.images, d.count, probs, &err) != NN_OK) {
        fprintf(stderr, "evaluate: %s\n", err.message);
        rc = 1;
    } else {
        NnVerdictScore score;
        nn_score_verdicts(model, probs, labels, d.extents, d.count, &score);
        if (json)
            print_strokes_json(d.name, model, &score);
        else
            print_strokes_text(d.name, model, &score);
    }
    if (failed > 0)
        fprintf(stderr, "evaluate: %d line%s of %s could not be read\n", failed, failed == 1 ? "" : "s", d.name);
    g_free(probs);
    g_free(labels);
    drawings_file_clear(&d);
    return rc;
}

int
cmd_evaluate(int argc, char **argv)
{
    g_autofree char *model_path = NULL, *data = NULL, *strokes = NULL;
    gboolean json = FALSE, held_out = FALSE;
    int threads = 0, limit = 0;
    const GOptionEntry entries[] = {
        { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Model file to evaluate (required)", "MODEL" },
        { "data", 0, 0, G_OPTION_ARG_FILENAME, &data, "MNIST folder (default: $DIGITLAB_DATA, else ~/.local/share/digitlab/mnist)", "DIR" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
        { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Threads (default: all cores)", "N" },
        { "limit", 0, 0, G_OPTION_ARG_INT, &limit, "Evaluate on the first N of those images only", "N" },
        { "held-out", 0, 0, G_OPTION_ARG_NONE, &held_out, "Evaluate on the MNIST training images the model's training "
          "held out (train --calibrate N: the last N) instead of the test set", NULL },
        { "strokes", 's', 0, G_OPTION_ARG_FILENAME, &strokes, "Evaluate on the drawings of a JSON Lines file instead "
          "(as predict --strokes reads them; drawings without a label count as non-digits)", "FILE.jsonl" },
        { NULL },
    };
    if (!cli_parse_options(&argc, &argv, "", "Measure a model on the MNIST test set, or on drawings.", entries))
        return 2;
    if (model_path == NULL || argc > 1) {
        fprintf(stderr, "evaluate: %s\nUsage: digitlab-cli evaluate --model MODEL [--data DIR] [--held-out] [--json]\n",
                model_path == NULL ? "--model is required" : "unexpected argument");
        return 2;
    }
    if (held_out && strokes != NULL) {
        fprintf(stderr, "evaluate: --held-out is of MNIST's images, --strokes of drawings: give one of them\n");
        return 2;
    }

    NnError err = { 0 };
    NnModel *model = NULL;
    if (nn_model_load(model_path, &model, &err) != NN_OK) {
        fprintf(stderr, "evaluate: %s\n", err.message);
        return 1;
    }
    nn_set_threads(threads);
    if (strokes != NULL) {
        int rc = evaluate_strokes(model, strokes, json);
        nn_model_free(model);
        return rc;
    }
    int n_held = 0;
    if (held_out && (n_held = dl_recipe_held_out(nn_model_recipe(model))) == 0) {
        fprintf(stderr, "evaluate: the model's recipe holds out no MNIST training images (train --calibrate N does): "
                        "it trained on all of them\n");
        nn_model_free(model);
        return 1;
    }
    NnDataset mnist = { 0 };
    if (!cli_load_split(data, held_out ? NN_SPLIT_TRAIN : NN_SPLIT_TEST, &mnist)) {
        nn_model_free(model);
        return 1;
    }
    int rc = 0;
    NnDataset subset = mnist;
    if (held_out && n_held >= mnist.count) {
        fprintf(stderr, "evaluate: the model held out %d images, but MNIST has only %d training images\n", n_held,
                mnist.count);
        rc = 1;
        goto done;
    }
    if (held_out)
        subset = nn_dataset_view(&mnist, mnist.count - n_held, n_held);
    if (limit > 0)
        subset = nn_dataset_view(&subset, 0, limit);
    const char *images = held_out ? "held-out" : "test";
    NnEvalResult result;
    if (nn_evaluate(model, &subset, &result, &err) != NN_OK) {
        fprintf(stderr, "evaluate: %s\n", err.message);
        rc = 1;
    } else if (json) {
        print_json(model_path, images, &result);
    } else {
        print_text(model_path, images, &result);
    }
done:
    nn_model_free(model);
    nn_dataset_free(&mnist);
    return rc;
}
