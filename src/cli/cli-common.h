/* cli-common.h — pieces shared by the digitlab-cli subcommands. */
#pragma once

#include <glib.h>

#include "idx.h"

/* Resolves the MNIST folder (--data, $DIGITLAB_DATA, XDG data dir) and loads
 * one split; on failure prints a message that says what to do and returns
 * FALSE. */
gboolean cli_load_split(const char *data_option, NnSplit split, NnDataset *out);

/* Parses the options of a subcommand; prints errors and returns FALSE on bad
 * usage. `summary` is the one-line description shown by --help. */
gboolean cli_parse_options(int *argc, char ***argv, const char *parameters, const char *summary,
                           const GOptionEntry *entries);
