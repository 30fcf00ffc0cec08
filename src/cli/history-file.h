/* history-file.h — the per-epoch CSV of `digitlab-cli train --history`.
 *
 *   epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second
 *
 * Each row is written, flushed and fsynced before the epoch's model is
 * saved, and taken back if that save fails; so after a crash or a kill the
 * file holds at most one epoch more than the model file, never fewer. When
 * a run is resumed, rows after the model's last epoch are dropped (the file
 * is cut after the last row kept), so no epoch appears twice. */
#pragma once

#include <stdio.h>

#include <glib.h>

#include "train.h"

typedef struct {
    FILE *file;
    char *path;     /* for messages, UTF-8 */
    long row_start; /* offset of the row being appended, for taking it back */
} HistoryFile;

/* Opens path for a run. keep_epochs < 0: a new run, the file is created or
 * emptied and gets the header. keep_epochs >= 0: a resumed run, the file's
 * rows of epochs 1..keep_epochs stay and later ones are dropped (a missing
 * file is created). Prints and returns FALSE on error. */
gboolean history_file_open(HistoryFile *h, const char *path, int keep_epochs);

/* Appends one epoch and makes sure it reached the disk; on any error
 * (a full disk) the row is taken back, a message printed, FALSE returned. */
gboolean history_file_append(HistoryFile *h, const NnEpochStats *stats);

/* Takes back the row last appended (its model could not be saved). */
void history_file_take_back(HistoryFile *h);

/* Closes; FALSE (with a message) if the last data could not be written. */
gboolean history_file_close(HistoryFile *h);
