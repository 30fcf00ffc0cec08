/* fileio.c — see fileio.h. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rng.h"

/* A symbolic link chain longer than this is refused (the kernel's own limit is 40). */
#define MAX_LINKS 16

static const char *
kind_of(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a folder";
    if (S_ISFIFO(mode))
        return "a named pipe";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

/* Follows symbolic links from path to the file they name, which need not
 * exist. *resolved is malloc'd. */
static NnStatus
resolve_links(const char *path, char **resolved, NnError *err)
{
    char *current = strdup(path);
    if (current == NULL)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory");
    for (int hops = 0;; hops++) {
        struct stat st;
        if (lstat(current, &st) != 0 || !S_ISLNK(st.st_mode)) {
            *resolved = current;
            return NN_OK;
        }
        if (hops == MAX_LINKS) {
            free(current);
            return nn_error_set(err, NN_ERR_IO, "cannot write %s: too many levels of symbolic links", path);
        }
        char target[PATH_MAX];
        ssize_t n = readlink(current, target, sizeof target - 1);
        if (n < 0) {
            NnStatus s = nn_error_set(err, NN_ERR_IO, "cannot write %s: %s", path, strerror(errno));
            free(current);
            return s;
        }
        target[n] = '\0';
        char *next;
        if (target[0] == '/') {
            next = strdup(target);
        } else { /* relative to the link's folder */
            const char *slash = strrchr(current, '/');
            size_t dir = slash != NULL ? (size_t)(slash - current) + 1 : 0;
            next = malloc(dir + (size_t)n + 1);
            if (next != NULL) {
                memcpy(next, current, dir);
                memcpy(next + dir, target, (size_t)n + 1);
            }
        }
        free(current);
        if (next == NULL)
            return nn_error_set(err, NN_ERR_NOMEM, "out of memory");
        current = next;
    }
}

NnStatus
nn_file_check_writable(const char *path, NnError *err)
{
    struct stat st;
    if (path == NULL || path[0] == '\0')
        return nn_error_set(err, NN_ERR_INVALID_ARG, "no file name given");
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return nn_error_set(err, NN_ERR_IO, "will not write %s: it is %s, not a regular file", path,
                            kind_of(st.st_mode));
    return NN_OK;
}

static NnStatus
write_error(NnError *err, const char *path, int errsv)
{
    return nn_error_set(err, NN_ERR_IO, "cannot write %s: %s%s", path, strerror(errsv),
                        errsv == ENOSPC || errsv == EDQUOT || errsv == EFBIG
                            ? " (the disk is full; the previous file, if any, is unchanged)"
                            : "");
}

/* Opens a new temporary file beside target (target's folder, hidden name). */
static int
open_temporary(const char *target, char *tmp, size_t tmp_size)
{
    const char *slash = strrchr(target, '/');
    int dir = slash != NULL ? (int)(slash - target) + 1 : 0;
    const char *base = target + dir;
    uint64_t nonce = (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)tmp;
    for (int attempt = 0; attempt < 100; attempt++) {
        NnRng rng = nn_rng_derive(nonce, (uint64_t)attempt, (uint64_t)time(NULL));
        snprintf(tmp, tmp_size, "%.*s.%s.%08x.tmp", dir, target, base, (unsigned)nn_rng_u64(&rng));
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

NnStatus
nn_file_replace(const char *path, const void *data, size_t size, NnError *err)
{
    NnStatus status = nn_file_check_writable(path, err);
    if (status != NN_OK)
        return status;
    char *target = NULL;
    status = resolve_links(path, &target, err);
    if (status != NN_OK)
        return status;

    struct stat old;
    bool replacing = stat(target, &old) == 0;
    size_t tmp_size = strlen(target) + 32;
    char *tmp = malloc(tmp_size);
    if (tmp == NULL) {
        free(target);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory");
    }
    int fd = open_temporary(target, tmp, tmp_size);
    if (fd < 0) {
        status = write_error(err, path, errno);
        free(tmp);
        free(target);
        return status;
    }

    int errsv = 0;
    const unsigned char *p = data;
    for (size_t done = 0; done < size && errsv == 0;) {
        ssize_t w = write(fd, p + done, size - done);
        if (w < 0 && errno != EINTR)
            errsv = errno;
        else if (w > 0)
            done += (size_t)w;
    }
    if (errsv == 0 && replacing && fchmod(fd, old.st_mode & 07777) != 0)
        errsv = errno;
    if (errsv == 0 && fsync(fd) != 0)
        errsv = errno;
    if (close(fd) != 0 && errsv == 0)
        errsv = errno;
    if (errsv == 0 && rename(tmp, target) != 0)
        errsv = errno;
    if (errsv != 0) {
        unlink(tmp);
        status = write_error(err, path, errsv);
    } else {
        /* The rename itself reaches the disk with the folder. */
        char *slash = strrchr(target, '/');
        if (slash != NULL)
            *slash = '\0';
        int dfd = open(slash != NULL ? (target[0] ? target : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    free(tmp);
    free(target);
    return status;
}

NnStatus
nn_file_read(const char *path, size_t max_size, const char *what, unsigned char **data, size_t *size,
             NnError *err)
{
    *data = NULL;
    *size = 0;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return nn_error_set(err, NN_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        NnStatus s = nn_error_set(err, NN_ERR_IO, "cannot read %s: it is %s, not a %s file", path,
                                  kind_of(st.st_mode), what);
        close(fd);
        return s;
    }
    if ((uintmax_t)st.st_size > max_size) {
        close(fd);
        return nn_error_set(err, NN_ERR_FORMAT, "%s is too large to be a %s file (%lld bytes)", path, what,
                            (long long)st.st_size);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    size_t n = (size_t)st.st_size, got = 0;
    unsigned char *buf = malloc(n ? n : 1);
    if (buf == NULL) {
        close(fd);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory reading %s", path);
    }
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            NnStatus s = nn_error_set(err, NN_ERR_IO, "cannot read %s: %s", path,
                                      r < 0 ? strerror(errno) : "it became shorter while being read");
            free(buf);
            close(fd);
            return s;
        }
        got += (size_t)r;
    }
    close(fd);
    *data = buf;
    *size = n;
    return NN_OK;
}
