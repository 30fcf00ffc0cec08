/* digitlab-cli report — a one-page PDF of a training run: settings, plots,
 * final metrics and the confusion matrix on the MNIST test set. */
#include <stdio.h>
#include <string.h>

#include "cli-common.h"
#include "cli.h"
#include "dl-datadir.h"
#include "dl-report.h"
#include "evaluate.h"
#include "gemm.h"

#define USAGE "Usage: digitlab-cli report --model MODEL --history H.csv --out run.pdf [--paper a4|letter]\n" \
              "       [--data DIR] [--threads N]\n"

/* The confusion matrix of the model on the MNIST test set, or why there is
 * none (said on the page and on stderr). */
static void
add_confusion(DlReport *report, NnModel *model, const char *data_option)
{
    g_autofree char *dir = dl_data_dir_resolve(data_option);
    NnDataset test = { 0 };
    NnError err = { 0 };
    g_autofree char *why = NULL;
    if (!dl_data_dir_has_mnist(dir)) {
        why = g_strdup_printf("No confusion matrix: the MNIST test set was not found in %s. Run "
                              "'digitlab-cli download', or give its folder with --data, and make the report again.",
                              dir);
    } else if (nn_dataset_load(dir, NN_SPLIT_TEST, &test, &err) != NN_OK) {
        why = g_strdup_printf("No confusion matrix: the MNIST test set in %s could not be read (%s).", dir,
                              err.message);
    } else {
        NnEvalResult result;
        if (nn_evaluate(model, &test, &result, &err) != NN_OK) {
            why = g_strdup_printf("No confusion matrix: evaluating the model failed (%s).", err.message);
        } else {
            dl_report_set_confusion(report, result.confusion);
            int errors = result.n - nn_eval_correct(&result);
            g_autofree char *count = dl_format_count(result.n);
            dl_report_add_metric(report, "Test accuracy", "%.2f %%, loss %.4f, %d error%s: this model on the %s MNIST test images",
                                 100.0 * result.accuracy, result.loss, errors, errors == 1 ? "" : "s", count);
            dl_report_add_note(report, "The confusion matrix is of this model on the MNIST test set.");
        }
        nn_dataset_free(&test);
    }
    if (why != NULL) {
        fprintf(stderr, "report: warning: %s\n", why);
        dl_report_set_confusion_missing(report, why);
    }
}

int
cmd_report(int argc, char **argv)
{
    g_autofree char *model_path = NULL, *history_path = NULL, *out = NULL, *paper = NULL, *data = NULL;
    int threads = 0;
    const GOptionEntry entries[] = {
        { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "The trained model (required)", "MODEL" },
        { "history", 0, 0, G_OPTION_ARG_FILENAME, &history_path, "Its history CSV, from 'train --history' (required)", "CSV" },
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "The PDF to write (required)", "FILE.pdf" },
        { "paper", 0, 0, G_OPTION_ARG_STRING, &paper, "a4 (default) or letter", "SIZE" },
        { "data", 0, 0, G_OPTION_ARG_FILENAME, &data, "MNIST folder (default: $DIGITLAB_DATA, else ~/.local/share/digitlab/mnist)", "DIR" },
        { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Threads for the evaluation (default: all cores)", "N" },
        { NULL },
    };
    if (!cli_parse_options(&argc, &argv, "", "Make a one-page PDF handout of a training run.", entries))
        return 2;
    if (model_path == NULL || history_path == NULL || out == NULL || argc > 1) {
        fprintf(stderr, "report: %s\n" USAGE,
                argc > 1                 ? "unexpected argument"
                : model_path == NULL     ? "--model is required"
                : history_path == NULL   ? "--history is required"
                                         : "--out is required");
        return 2;
    }
    double width = DL_REPORT_A4_WIDTH, height = DL_REPORT_A4_HEIGHT;
    if (paper != NULL && g_ascii_strcasecmp(paper, "letter") == 0) {
        width = DL_REPORT_LETTER_WIDTH;
        height = DL_REPORT_LETTER_HEIGHT;
    } else if (paper != NULL && g_ascii_strcasecmp(paper, "a4") != 0) {
        fprintf(stderr, "report: unknown --paper '%s': use a4 or letter\n", paper);
        return 2;
    }
    if (!cli_check_picture_path("report", out, TRUE))
        return 2;

    g_autoptr(DlHistory) history = cli_load_history("report", history_path);
    if (history == NULL)
        return 1;
    NnError err = { 0 };
    NnModel *model = NULL;
    if (nn_model_load(model_path, &model, &err) != NN_OK) {
        fprintf(stderr, "report: %s\n", err.message);
        return 1;
    }
    nn_set_threads(threads);

    g_autoptr(DlReport) report = dl_report_new("Digit Lab: training report");
    g_autofree char *model_name = g_path_get_basename(model_path);
    g_autofree char *history_name = g_path_get_basename(history_path);
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *date = g_date_time_format(now, "%Y-%m-%d");
    g_autofree char *subtitle = g_strdup_printf("Model %s, history %s; made on %s by digitlab-cli %s.", model_name,
                                                history_name, date, DIGITLAB_VERSION);
    dl_report_set_subtitle(report, subtitle);

    /* Settings: what the model file says, then what the history says (a
     * model file that says more, e.g. the training recipe, adds its rows
     * in dl_report_add_model_settings()). */
    dl_report_add_model_settings(report, model);
    dl_report_add_history(report, history);
    add_confusion(report, model, data);
    nn_model_free(model);

    dl_report_add_note(report, dl_plot_training_note(history));
    dl_report_add_note(report, "Validation is on the set the run validated on after each epoch: the MNIST test "
                               "set, as in the paper, unless trained with --val-split. The final epoch is the fair "
                               "score; a best epoch is chosen on that same set.");

    g_autoptr(GError) error = NULL;
    if (!dl_report_save_pdf(report, out, width, height, &error)) {
        fprintf(stderr, "report: %s\n", error->message);
        return 1;
    }
    return 0;
}
