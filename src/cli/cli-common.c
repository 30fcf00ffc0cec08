#include "cli-common.h"

#include <stdio.h>

#include "dl-datadir.h"

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
