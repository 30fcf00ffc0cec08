/* history-file.c — see history-file.h. */
#include "history-file.h"

#include <errno.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second\n"

static gboolean
fail(HistoryFile *h, const char *what, int errsv)
{
    fprintf(stderr, "train: cannot %s the history %s: %s%s\n", what, h->path, g_strerror(errsv),
            errsv == ENOSPC || errsv == EDQUOT || errsv == EFBIG ? " (the disk is full)" : "");
    return FALSE;
}

/* Writes what is buffered and makes it durable (regular files only: a
 * terminal or a pipe cannot be synced, and need not be). */
static int
flush_durably(FILE *f)
{
    if (fflush(f) != 0)
        return errno;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && fsync(fileno(f)) != 0)
        return errno;
    return 0;
}

/* In a resumed run's file: the offset just after the last row of an epoch
 * <= keep, and how many later rows there were. */
static gboolean
find_cut(HistoryFile *h, int keep, long *cut, int *dropped)
{
    char line[1024];
    *cut = 0;
    *dropped = 0;
    rewind(h->file);
    if (fgets(line, sizeof line, h->file) == NULL) /* empty file: header to write */
        return TRUE;
    if (strcmp(line, HEADER) != 0) {
        fprintf(stderr, "train: %s is not a history file of digitlab-cli train (its first line is not\n"
                        "  %s); give another --history file, or remove this one\n", h->path, HEADER);
        return FALSE;
    }
    *cut = ftell(h->file);
    while (fgets(line, sizeof line, h->file) != NULL) {
        int epoch = atoi(line);
        if (epoch >= 1 && epoch <= keep && *dropped == 0)
            *cut = ftell(h->file);
        else
            (*dropped)++;
    }
    return TRUE;
}

static gboolean
open_file(HistoryFile *h, const char *path, int keep_epochs)
{
    h->path = g_filename_display_name(path);
    gboolean exists = g_file_test(path, G_FILE_TEST_EXISTS);
    h->file = fopen(path, keep_epochs >= 0 && exists ? "r+" : "w");
    if (h->file == NULL)
        return fail(h, "write", errno);

    long cut = 0;
    int dropped = 0;
    if (keep_epochs >= 0 && exists) {
        if (!find_cut(h, keep_epochs, &cut, &dropped)) {
            fclose(h->file);
            h->file = NULL;
            return FALSE;
        }
        struct stat st;
        if (fstat(fileno(h->file), &st) == 0 && S_ISREG(st.st_mode) && ftruncate(fileno(h->file), cut) != 0)
            return fail(h, "shorten", errno);
        if (dropped > 0)
            fprintf(stderr, "train: dropped %d row%s of %s after epoch %d, which the model does not have\n",
                    dropped, dropped == 1 ? "" : "s", h->path, keep_epochs);
        fseek(h->file, cut, SEEK_SET);
    }
    if (cut == 0 && (fputs(HEADER, h->file) == EOF || flush_durably(h->file) != 0))
        return fail(h, "write", errno);
    return TRUE;
}

gboolean
history_file_open(HistoryFile *h, const char *path, int keep_epochs)
{
    memset(h, 0, sizeof *h);
    if (open_file(h, path, keep_epochs))
        return TRUE;
    /* nothing stays open or allocated after a failure */
    if (h->file != NULL) {
        __fpurge(h->file);
        fclose(h->file);
        h->file = NULL;
    }
    g_clear_pointer(&h->path, g_free);
    return FALSE;
}

gboolean
history_file_append(HistoryFile *h, const NnEpochStats *s)
{
    h->row_start = ftell(h->file);
    int written = fprintf(h->file, "%d,%.6g,%.6f,%.6f,%.6f,%.6f,%.3f,%.1f\n", s->epoch, s->lr, s->train_loss,
                          s->train_accuracy, s->val_loss, s->val_accuracy, s->seconds, s->images_per_s);
    int errsv = written < 0 ? errno : flush_durably(h->file);
    if (errsv != 0) {
        history_file_take_back(h);
        return fail(h, "write", errsv);
    }
    return TRUE;
}

void
history_file_take_back(HistoryFile *h)
{
    struct stat st;
    __fpurge(h->file); /* what is still buffered never reaches the file */
    clearerr(h->file);
    if (h->row_start >= 0 && fstat(fileno(h->file), &st) == 0 && S_ISREG(st.st_mode) &&
        ftruncate(fileno(h->file), h->row_start) == 0)
        fseek(h->file, h->row_start, SEEK_SET);
}

gboolean
history_file_close(HistoryFile *h)
{
    gboolean ok = TRUE;
    if (h->file != NULL && fclose(h->file) != 0)
        ok = fail(h, "write", errno);
    h->file = NULL;
    g_clear_pointer(&h->path, g_free);
    return ok;
}
