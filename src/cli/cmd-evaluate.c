/* digitlab-cli evaluate — a model's accuracy, loss and confusion on the MNIST test set. */
#include <stdio.h>

#include "cli-common.h"
#include "cli.h"
#include "evaluate.h"
#include "gemm.h"

/* One JSON object; numbers that are not finite (a model whose weights have
 * blown up) are null, with an "error" saying so. */
static void
print_json(const char *model_path, const NnEvalResult *r)
{
    g_autoptr(GString) out = g_string_new("{\"model\": ");
    g_autofree char *name = g_filename_display_name(model_path);
    cli_json_string(out, name);
    gboolean finite = TRUE;
    g_string_append_printf(out, ", \"n\": %d, \"accuracy\": ", r->n);
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
print_text(const char *model_path, const NnEvalResult *r)
{
    printf("%s on %d MNIST test images: accuracy %.2f%% (%d errors), loss %.4f\n\n", model_path, r->n,
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

int
cmd_evaluate(int argc, char **argv)
{
    g_autofree char *model_path = NULL, *data = NULL;
    gboolean json = FALSE;
    int threads = 0, limit = 0;
    const GOptionEntry entries[] = {
        { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Model file to evaluate (required)", "MODEL" },
        { "data", 0, 0, G_OPTION_ARG_FILENAME, &data, "MNIST folder (default: $DIGITLAB_DATA, else ~/.local/share/digitlab/mnist)", "DIR" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
        { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Threads (default: all cores)", "N" },
        { "limit", 0, 0, G_OPTION_ARG_INT, &limit, "Evaluate on the first N test images only", "N" },
        { NULL },
    };
    if (!cli_parse_options(&argc, &argv, "", "Measure a model on the MNIST test set.", entries))
        return 2;
    if (model_path == NULL || argc > 1) {
        fprintf(stderr, "evaluate: %s\nUsage: digitlab-cli evaluate --model MODEL [--data DIR] [--json]\n",
                model_path == NULL ? "--model is required" : "unexpected argument");
        return 2;
    }

    NnError err = { 0 };
    NnModel *model = NULL;
    if (nn_model_load(model_path, &model, &err) != NN_OK) {
        fprintf(stderr, "evaluate: %s\n", err.message);
        return 1;
    }
    NnDataset test = { 0 };
    if (!cli_load_split(data, NN_SPLIT_TEST, &test)) {
        nn_model_free(model);
        return 1;
    }
    nn_set_threads(threads);
    NnDataset subset = limit > 0 ? nn_dataset_view(&test, 0, limit) : test;
    NnEvalResult result;
    int rc = 0;
    if (nn_evaluate(model, &subset, &result, &err) != NN_OK) {
        fprintf(stderr, "evaluate: %s\n", err.message);
        rc = 1;
    } else if (json) {
        print_json(model_path, &result);
    } else {
        print_text(model_path, &result);
    }
    nn_model_free(model);
    nn_dataset_free(&test);
    return rc;
}
