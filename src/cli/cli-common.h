/* cli-common.h — pieces shared by the digitlab-cli subcommands. */
#pragma once

#include <glib.h>

#include "dl-history.h"
#include "idx.h"

/* Resolves the MNIST folder (--data, $DIGITLAB_DATA, XDG data dir) and loads
 * one split; on failure prints a message that says what to do and returns
 * FALSE. */
gboolean cli_load_split(const char *data_option, NnSplit split, NnDataset *out);

/* Parses the options of a subcommand; prints errors and returns FALSE on bad
 * usage. `summary` is the one-line description shown by --help. */
gboolean cli_parse_options(int *argc, char ***argv, const char *parameters, const char *summary,
                           const GOptionEntry *entries);

/* The history CSV of `train --history`, for plot and report; on failure
 * prints "COMMAND: why" and returns NULL. */
DlHistory *cli_load_history(const char *command, const char *path);

/* Checks that path names a picture format src/plot writes (by extension,
 * or only PDF when pdf_only); prints what to do and returns FALSE if not. */
gboolean cli_check_picture_path(const char *command, const char *path, gboolean pdf_only);
