/* dl-download.h — fetch the four MNIST files and check their SHA-256 sums.
 *
 * Used by `digitlab-cli download` and, from a worker thread, by the app.
 * For each file: if DIR/NAME.gz is already there with the right checksum it is
 * kept; otherwise the mirrors are tried in order. Each attempt writes to a
 * temporary file in DIR while hashing the bytes, and only a complete download
 * with the right checksum is fsynced and renamed into place, so an interrupted
 * or corrupted transfer never leaves a file under the final name. A mirror
 * that sends more than the file's size is cut off at that size. Temporary
 * files left by a download that was killed (NAME.XXXXXX.part, held by no
 * process, unchanged for 10 s) are removed when the next download starts.
 *
 * Nothing here keeps global state besides a one-time curl_global_init(), so
 * dl_download_mnist() may run on any thread; its callbacks are called on that
 * thread.
 */
#pragma once

#include <gio/gio.h>

#include "dl-datadir.h"

G_BEGIN_DECLS

typedef struct {
    const char *name;   /* "train-images-idx3-ubyte.gz" */
    const char *sha256; /* lowercase hex SHA-256 of the .gz file */
    gint64 size;        /* size of the .gz file in bytes */
} DlMnistFile;

/* The four .gz files in the order of dl_mnist_names, with their official sums. */
extern const DlMnistFile dl_mnist_files[DL_MNIST_N_FILES];

/* The mirrors torchvision uses, tried in order; NULL-terminated. */
extern const char *const dl_mnist_default_mirrors[];

#define DL_DOWNLOAD_ERROR (dl_download_error_quark())

typedef enum {
    DL_DOWNLOAD_ERROR_UNREACHABLE, /* no mirror could be resolved or connected to */
    DL_DOWNLOAD_ERROR_CHECKSUM,    /* every mirror served a file with the wrong sum */
    DL_DOWNLOAD_ERROR_FAILED,      /* other failures: HTTP errors, broken-off transfers, a mix */
    DL_DOWNLOAD_ERROR_IO,          /* the destination folder could not be written */
} DlDownloadError;

GQuark dl_download_error_quark(void);

/* Bytes received so far for file file_index (0..3) from the current mirror;
 * total is -1 while the size is unknown. Starts again from 0 when the next
 * mirror is tried. */
typedef void (*DlProgressFunc)(guint file_index, const char *file_name,
                               gint64 done, gint64 total, gpointer user_data);

typedef enum {
    DL_FILE_ALREADY_PRESENT, /* kept: it was there with the right checksum */
    DL_FILE_DOWNLOADED,      /* fetched from mirror and checked */
} DlFileOutcome;

/* A file is in place with the right checksum. mirror is NULL when the file
 * was already present. */
typedef void (*DlFileDoneFunc)(guint file_index, const char *file_name,
                               DlFileOutcome outcome, const char *mirror,
                               gint64 size, gpointer user_data);

/* An attempt failed for reason (e.g. "HTTP 404", "checksum mismatch: ...");
 * trying_next tells whether another mirror will be tried for this file. */
typedef void (*DlMirrorFailedFunc)(guint file_index, const char *file_name,
                                   const char *mirror, const char *reason,
                                   gboolean trying_next, gpointer user_data);

typedef struct {
    /* Base URLs tried in order, NULL-terminated; NULL means
     * dl_download_mirrors_resolve(NULL). "/" is appended when missing. */
    const char *const *mirrors;
    DlProgressFunc progress;          /* all callbacks are optional */
    DlFileDoneFunc file_done;
    DlMirrorFailedFunc mirror_failed;
    gpointer user_data;
    GCancellable *cancellable;        /* stops promptly, with G_IO_ERROR_CANCELLED */
} DlDownloadOptions;

/* Returns a newly allocated NULL-terminated mirror list: a copy of
 * option_mirrors if it is non-NULL and non-empty, else the URLs in
 * $DIGITLAB_MNIST_MIRROR (separated by spaces, if more than one), else
 * dl_mnist_default_mirrors. Free with g_strfreev(). */
char **dl_download_mirrors_resolve(const char *const *option_mirrors);

/* Makes sure dir (created with its parents if needed) holds the four .gz
 * files with the right checksums. options may be NULL. On failure returns
 * FALSE with error set in DL_DOWNLOAD_ERROR, or G_IO_ERROR_CANCELLED; files
 * completed before the failure stay in place. */
gboolean dl_download_mnist(const char *dir, const DlDownloadOptions *options,
                           GError **error);

G_END_DECLS
