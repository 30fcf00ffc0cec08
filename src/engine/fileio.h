/* fileio.h — reading and replacing the engine's files safely.
 *
 * Writing never leaves a half-written file under the final name: the data go
 * to a temporary file beside the target (fsynced), which is then renamed over
 * it. Unlike a plain temp-file-and-rename, the target's nature is respected:
 *   - a path that exists and is not a regular file (a device, a FIFO, a
 *     folder) is refused, so /dev/sda or a named pipe is never replaced;
 *   - a symbolic link is followed and its target replaced, so the link stays;
 *   - a file that is replaced keeps its permission bits (a 0600 file stays
 *     0600); a new file gets 0666 less the umask, as any program's would.
 * On any error the temporary file is removed and the old file is untouched.
 *
 * Reading refuses anything but a regular file before reading a byte (a FIFO
 * would block forever), and files larger than the caller's limit. */
#pragma once

#include <stddef.h>

#include "nn-status.h"

/* NN_OK if path may be written by nn_file_replace: it does not exist, or it
 * is a regular file or a symbolic link to one (or to a path that does not
 * exist yet). Otherwise NN_ERR_IO with a message saying what is there. */
NnStatus nn_file_check_writable(const char *path, NnError *err);

/* Replaces the file at path (following symbolic links) with size bytes of data. */
NnStatus nn_file_replace(const char *path, const void *data, size_t size, NnError *err);

/* Reads a whole regular file of at most max_size bytes into *data (malloc'd,
 * at least one byte allocated even for an empty file; free it). `what` names
 * the file's kind in messages ("model"). */
NnStatus nn_file_read(const char *path, size_t max_size, const char *what, unsigned char **data,
                      size_t *size, NnError *err);
