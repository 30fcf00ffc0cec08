/* fuzz-file.h — hands a fuzz input to a loader that takes a path: the bytes
 * go into one in-memory file (memfd) per process, read back through
 * /proc/self/fd/N, so nothing is written to disk. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* The path of the in-memory file, now holding exactly size bytes of data. */
static inline const char *
fuzz_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz-input", 0);
        if (fd < 0) {
            perror("memfd_create");
            abort();
        }
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    /* overwrite, then cut: the file's pages are reused, not freed each time */
    if ((size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size) || ftruncate(fd, (off_t)size) != 0)
        abort();
    return path;
}

/* The file descriptor behind fuzz_file()'s path, for writers (zlib). */
static inline int
fuzz_file_fd(void)
{
    const char *path = fuzz_file(NULL, 0);
    return atoi(path + sizeof "/proc/self/fd/" - 1);
}
