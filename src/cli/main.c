/* digitlab-cli — train, evaluate and use the Digit Lab network from a shell. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    { "train", cmd_train, "train the network: the paper's recipe, a preset or your own" },
    { "ablation", cmd_ablation, "run the paper's ablation: each ingredient taken out, several seeds" },
    { "evaluate", cmd_evaluate, "measure a model on the MNIST test set or on drawings" },
    { "predict", cmd_predict, "recognise digits in images or stroke files" },
    { "finetune", cmd_finetune, "teach a model a class's handwriting from labelled drawings" },
    { "calibrate", cmd_calibrate, "calibrate a model again on the MNIST images its training held out" },
    { "download", cmd_download, "fetch the MNIST files and check their checksums" },
    { "bench", cmd_bench, "time training and recognition" },
    { "plot", cmd_plot, "draw the training plots of a history as PNG, SVG or PDF" },
    { "report", cmd_report, "a one-page PDF of a run: settings, plots, metrics, confusion" },
};

static void
usage(FILE *out)
{
    fprintf(out, "Usage: digitlab-cli COMMAND [OPTION...]\n\nCommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'digitlab-cli COMMAND --help' for a command's options.\n");
}

int
main(int argc, char **argv)
{
    /* Character set only: numbers stay in the C locale, so JSON and CSV output
     * always use a decimal point. */
    setlocale(LC_CTYPE, "");
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("digitlab-cli %s\n", DIGITLAB_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "digitlab-cli: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
