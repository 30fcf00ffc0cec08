/* cli-common.h — pieces shared by the digitlab-cli subcommands. */
#pragma once

#include <glib.h>

#include "dl-history.h"
#include "idx.h"

/* "s" for any count but 1: "%d thread%s", n, cli_plural(n). */
static inline const char *
cli_plural(int n)
{
    return n == 1 ? "" : "s";
}

/* Resolves the MNIST folder (--data, $DIGITLAB_DATA, XDG data dir) and loads
 * one split; on failure prints a message that says what to do and returns
 * FALSE. */
gboolean cli_load_split(const char *data_option, NnSplit split, NnDataset *out);

/* Parses the options of a subcommand; prints errors and returns FALSE on bad
 * usage. `summary` is the one-line description shown by --help. */
gboolean cli_parse_options(int *argc, char ***argv, const char *parameters, const char *summary,
                           const GOptionEntry *entries);

/* Parses with a context the caller made (option groups); prints errors. */
gboolean cli_parse_context(GOptionContext *context, int *argc, char ***argv);

/* Whether --NAME was on the command line of the last cli_parse_options
 * (GOption cannot tell "--zoom nan" from no --zoom). */
gboolean cli_option_given(const char *name);

/* The history CSV of `train --history`, for plot and report; on failure
 * prints "COMMAND: why" and returns NULL. */
DlHistory *cli_load_history(const char *command, const char *path);

/* Checks that path names a picture format src/plot writes (by extension,
 * or only PDF when pdf_only); prints what to do and returns FALSE if not. */
gboolean cli_check_picture_path(const char *command, const char *path, gboolean pdf_only);

/* A numeric option's value against its range [min, max] (nan and infinities
 * never pass); prints "COMMAND: --NAME must be ..., not VALUE" and returns
 * FALSE when out of range. min_open: min itself is excluded. */
gboolean cli_check_range(const char *command, const char *name, double value, double min, double max,
                         gboolean min_open);

/* Appends a JSON number, or null when value is not finite (JSON has no nan
 * or inf); returns FALSE in that case so the caller can add an "error". */
gboolean cli_json_number(GString *out, const char *format, double value);
