#include "cli-common.h"

#include <stdio.h>

#include "dl-datadir.h"
#include "dl-export-file.h"
#include "dl-history.h"

gboolean
cli_load_split(const char *data_option, NnSplit split, NnDataset *out)
{
    g_autofree char *dir = dl_data_dir_resolve(data_option);
    if (!dl_data_dir_has_mnist(dir)) {
        fprintf(stderr,
                "MNIST was not found in %s.\n"
                "Run 'digitlab-cli download' to fetch it (about 11 MB), or point --data or\n"
                "$DIGITLAB_DATA at a folder holding the four MNIST IDX files (.gz or raw).\n",
                dir);
        return FALSE;
    }
    NnError err = { 0 };
    if (nn_dataset_load(dir, split, out, &err) != NN_OK) {
        fprintf(stderr, "Cannot load the MNIST %s set from %s:\n  %s\n",
                split == NN_SPLIT_TRAIN ? "training" : "test", dir, err.message);
        return FALSE;
    }
    return TRUE;
}

gboolean
cli_parse_options(int *argc, char ***argv, const char *parameters, const char *summary,
                  const GOptionEntry *entries)
{
    g_autoptr(GOptionContext) context = g_option_context_new(parameters);
    g_autoptr(GError) error = NULL;
    g_option_context_set_summary(context, summary);
    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, argc, argv, &error)) {
        fprintf(stderr, "%s: %s\nRun '%s --help' for the options.\n", (*argv)[0], error->message, (*argv)[0]);
        return FALSE;
    }
    return TRUE;
}

DlHistory *
cli_load_history(const char *command, const char *path)
{
    g_autoptr(DlHistory) history = dl_history_new();
    g_autoptr(GError) error = NULL;
    if (!dl_history_load_csv(history, path, &error)) {
        fprintf(stderr, "%s: %s\n", command, error->message);
        return NULL;
    }
    guint n;
    dl_history_get_epochs(history, &n);
    if (n == 0) {
        fprintf(stderr, "%s: %s holds no epochs yet: train for at least one epoch first\n", command, path);
        return NULL;
    }
    return g_steal_pointer(&history);
}

gboolean
cli_check_picture_path(const char *command, const char *path, gboolean pdf_only)
{
    DlExportFormat format = dl_export_format_from_path(path);
    if (pdf_only ? format == DL_EXPORT_FORMAT_PDF : format != DL_EXPORT_FORMAT_UNKNOWN)
        return TRUE;
    fprintf(stderr, "%s: cannot tell how to write %s: name the file %s\n", command, path,
            pdf_only ? "….pdf" : "….png, ….svg or ….pdf");
    return FALSE;
}
