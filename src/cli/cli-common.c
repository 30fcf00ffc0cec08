#include "cli-common.h"

#include <math.h>
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

void
cli_json_string(GString *out, const char *s)
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
