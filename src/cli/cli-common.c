#include "cli-common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The long options on the command line of the last cli_parse_options. */
static GHashTable *given_options;

gboolean
cli_option_given(const char *name)
{
    return given_options != NULL && g_hash_table_contains(given_options, name);
}

static void
remember_given(int argc, char **argv)
{
    if (given_options == NULL)
        given_options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_hash_table_remove_all(given_options);
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (g_str_has_prefix(argv[i], "--")) {
            const char *eq = strchr(argv[i], '=');
            g_hash_table_add(given_options, eq != NULL ? g_strndup(argv[i] + 2, (gsize)(eq - argv[i] - 2))
                                                       : g_strdup(argv[i] + 2));
        }
}

gboolean
cli_parse_context(GOptionContext *context, int *argc, char ***argv)
{
    g_autoptr(GError) error = NULL;
    remember_given(*argc, *argv);
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

gboolean
cli_parse_options(int *argc, char ***argv, const char *parameters, const char *summary,
                  const GOptionEntry *entries)
{
    g_autoptr(GOptionContext) context = g_option_context_new(parameters);
    g_option_context_set_summary(context, summary);
    g_option_context_add_main_entries(context, entries, NULL);
    return cli_parse_context(context, argc, argv);
}

gboolean
cli_check_range(const char *command, const char *name, double value, double min, double max,
                gboolean min_open)
{
    gboolean ok = isfinite(value) && (min_open ? value > min : value >= min) && value <= max;
    if (!ok) {
        char v[G_ASCII_DTOSTR_BUF_SIZE], lo[G_ASCII_DTOSTR_BUF_SIZE], hi[G_ASCII_DTOSTR_BUF_SIZE];
        g_ascii_formatd(v, sizeof v, "%.10g", value);
        g_ascii_formatd(lo, sizeof lo, "%.10g", min);
        g_ascii_formatd(hi, sizeof hi, "%.10g", max);
        if (min_open)
            fprintf(stderr, "%s: --%s must be greater than %s and at most %s, not %s\n", command, name, lo, hi, v);
        else
            fprintf(stderr, "%s: --%s must be between %s and %s, not %s\n", command, name, lo, hi, v);
    }
    return ok;
}

gboolean
cli_json_number(GString *out, const char *format, double value)
{
    if (!isfinite(value)) {
        g_string_append(out, "null");
        return FALSE;
    }
    char buffer[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append(out, g_ascii_formatd(buffer, sizeof buffer, format, value));
    return TRUE;
}

