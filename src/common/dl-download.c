/* dl-download.c — fetch the four MNIST files and check their SHA-256 sums. */
#include "dl-download.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* From the MNIST distribution (see /work/shared/data/mnist/SHA256SUMS). */
const DlMnistFile dl_mnist_files[DL_MNIST_N_FILES] = {
    { "train-images-idx3-ubyte.gz",
      "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422 },
    { "train-labels-idx1-ubyte.gz",
      "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881 },
    { "t10k-images-idx3-ubyte.gz",
      "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877 },
    { "t10k-labels-idx1-ubyte.gz",
      "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542 },
};

const char *const dl_mnist_default_mirrors[] = {
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
    NULL,
};

/* An offline machine fails at once (no DNS); a silent server is given up on
 * after CONNECT_TIMEOUT_S, a stalled transfer after LOW_SPEED_TIME_S below
 * LOW_SPEED_BYTES per second. */
enum {
    CONNECT_TIMEOUT_S = 15,
    LOW_SPEED_BYTES = 1024,
    LOW_SPEED_TIME_S = 30,
};

/* A temporary file that nobody holds locked and that has not changed for
 * this long was left by a download that was killed: it is removed. (A live
 * download holds its lock from just after creating the file; the age only
 * covers that moment.) */
#define STALE_PART_AGE_S 10

G_DEFINE_QUARK(dl-download-error-quark, dl_download_error)

static void
ensure_curl_initialized(void)
{
    static gsize initialized = 0;

    if (g_once_init_enter(&initialized)) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        g_once_init_leave(&initialized, 1);
    }
}

char **
dl_download_mirrors_resolve(const char *const *option_mirrors)
{
    g_auto(GStrv) from_env = NULL;
    const char *const *source = dl_mnist_default_mirrors;

    if (option_mirrors != NULL && option_mirrors[0] != NULL) {
        source = option_mirrors;
    } else if (g_getenv("DIGITLAB_MNIST_MIRROR") != NULL) {
        from_env = g_strsplit_set(g_getenv("DIGITLAB_MNIST_MIRROR"), " \t\n", -1);
        source = (const char *const *)from_env;
    }

    /* Each mirror is a folder URL: make sure it ends with '/'. */
    GPtrArray *mirrors = g_ptr_array_new();
    for (const char *const *p = source; *p != NULL; p++) {
        if (**p == '\0')
            continue;
        g_ptr_array_add(mirrors, g_str_has_suffix(*p, "/") ? g_strdup(*p)
                                                           : g_strconcat(*p, "/", NULL));
    }
    if (mirrors->len == 0) { /* only empty strings were given */
        g_ptr_array_unref(mirrors);
        return g_strdupv((char **)dl_mnist_default_mirrors);
    }
    g_ptr_array_add(mirrors, NULL);
    return (char **)g_ptr_array_free(mirrors, FALSE);
}

/* Returns the lowercase hex SHA-256 of the file at path, or NULL if it cannot
 * be read (a missing file is the usual case). */
static char *
sha256_of_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;

    g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);
    guchar buf[64 * 1024];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(fd);
            return NULL;
        }
        g_checksum_update(checksum, buf, n);
    }
    close(fd);
    return g_strdup(g_checksum_get_string(checksum));
}

/* Flushes a rename to disk; best effort, a failure here loses nothing. */
static void
fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static gboolean
write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}

/* One attempt at one file from one mirror. */
typedef struct {
    int fd;
    const char *path;       /* the temporary file */
    GChecksum *checksum;
    int write_errno;        /* set when the temporary file could not be written */
    gint64 received;        /* bytes written so far */
    gboolean too_large;     /* the mirror sent more than the file's size */
    guint file_index;
    const DlDownloadOptions *options;
    curl_off_t last_done;   /* what the progress callback was last told */
    curl_off_t last_total;
} Transfer;

static size_t
on_curl_write(char *data, size_t size, size_t nmemb, void *user_data)
{
    Transfer *t = user_data;
    size_t len = size * nmemb;

    if (g_cancellable_is_cancelled(t->options->cancellable))
        return 0; /* makes curl stop with CURLE_WRITE_ERROR */
    /* A mirror that sends more than the file's size (a wrong file, or an
     * endless stream) is cut off there, before it fills the disk. */
    if ((gint64)len > dl_mnist_files[t->file_index].size - t->received) {
        t->too_large = TRUE;
        return 0;
    }
    t->received += (gint64)len;
    if (!write_all(t->fd, data, len)) {
        t->write_errno = errno;
        return 0;
    }
    g_checksum_update(t->checksum, (const guchar *)data, len);
    return len;
}

/* Called by curl while connecting and transferring, at least about once a
 * second even when nothing arrives, so cancellation is noticed promptly. */
static int
on_curl_progress(void *user_data, curl_off_t dltotal, curl_off_t dlnow,
                 curl_off_t ultotal, curl_off_t ulnow)
{
    Transfer *t = user_data;
    const DlDownloadOptions *options = t->options;

    if (g_cancellable_is_cancelled(options->cancellable))
        return 1; /* CURLE_ABORTED_BY_CALLBACK */
    /* What is in the file, which is what curl received unless the mirror
     * sent too much. */
    curl_off_t done = dlnow < t->received ? dlnow : t->received;
    if (options->progress != NULL
        && (done != t->last_done || dltotal != t->last_total)) {
        t->last_done = done;
        t->last_total = dltotal;
        options->progress(t->file_index, dl_mnist_files[t->file_index].name,
                          done, dltotal > 0 ? dltotal : -1, options->user_data);
    }
    return 0;
}

typedef enum {
    ATTEMPT_OK,
    ATTEMPT_UNREACHABLE, /* could not resolve the host or connect */
    ATTEMPT_BROKEN_OFF,  /* connected, but the transfer failed half-way */
    ATTEMPT_HTTP_ERROR,  /* the server answered with an error status */
    ATTEMPT_CHECKSUM,    /* a complete file with the wrong checksum */
    ATTEMPT_FATAL,       /* cancelled or a local error: error is set, stop */
} Attempt;

static void
set_io_error(GError **error, int errsv, const char *what, const char *path)
{
    g_set_error(error, DL_DOWNLOAD_ERROR, DL_DOWNLOAD_ERROR_IO,
                "Could not %s %s: %s", what, path, g_strerror(errsv));
}

/* Runs the transfer into the temporary file fd and says how it went; sets
 * *reason for the failures that let the next mirror be tried. */
static Attempt
transfer(const char *url, Transfer *t, char **reason, GError **error)
{
    char curl_error[CURL_ERROR_SIZE] = "";
    CURL *curl = curl_easy_init();
    if (curl == NULL) {
        g_set_error(error, DL_DOWNLOAD_ERROR, DL_DOWNLOAD_ERROR_FAILED,
                    "Could not initialise libcurl");
        return ATTEMPT_FATAL;
    }

    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L); /* required in threads */
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "digitlab/" DIGITLAB_VERSION);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_TIMEOUT_S);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, (long)LOW_SPEED_BYTES);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, (long)LOW_SPEED_TIME_S);
    /* Refuses at once a response that announces more than the file's size. */
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)dl_mnist_files[t->file_index].size);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_curl_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_curl_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, t);

    CURLcode res = curl_easy_perform(curl);
    long status = 0;
    curl_off_t connect_time_us = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connect_time_us);
    curl_easy_cleanup(curl);

    if (g_cancellable_set_error_if_cancelled(t->options->cancellable, error))
        return ATTEMPT_FATAL;
    if (t->write_errno != 0) {
        set_io_error(error, t->write_errno, "write", t->path);
        return ATTEMPT_FATAL;
    }
    if (t->too_large || res == CURLE_FILESIZE_EXCEEDED) {
        *reason = g_strdup_printf("the mirror %s more than the file's %" G_GINT64_FORMAT " bytes%s",
                                  t->too_large ? "sent" : "announced", dl_mnist_files[t->file_index].size,
                                  t->too_large ? " (stopped there)" : "");
        return ATTEMPT_BROKEN_OFF;
    }
    if (res == CURLE_HTTP_RETURNED_ERROR) {
        *reason = g_strdup_printf("HTTP %ld", status);
        return ATTEMPT_HTTP_ERROR;
    }
    if (res != CURLE_OK) {
        *reason = g_strdup(curl_error[0] != '\0' ? curl_error : curl_easy_strerror(res));
        gboolean connected = connect_time_us > 0;
        if (res == CURLE_COULDNT_RESOLVE_HOST || res == CURLE_COULDNT_RESOLVE_PROXY
            || res == CURLE_COULDNT_CONNECT || (res == CURLE_OPERATION_TIMEDOUT && !connected))
            return ATTEMPT_UNREACHABLE;
        return ATTEMPT_BROKEN_OFF;
    }

    const char *expected = dl_mnist_files[t->file_index].sha256;
    const char *got = g_checksum_get_string(t->checksum);
    if (strcmp(got, expected) != 0) {
        *reason = g_strdup_printf("checksum mismatch: expected %s, got %s", expected, got);
        return ATTEMPT_CHECKSUM;
    }
    return ATTEMPT_OK;
}

/* Downloads file index from mirror into a temporary file in dir and, if it is
 * complete and its checksum right, renames it into place. */
static Attempt
fetch_from_mirror(const char *dir, guint index, const char *mirror,
                  const DlDownloadOptions *options, char **reason, GError **error)
{
    const DlMnistFile *file = &dl_mnist_files[index];
    g_autofree char *url = g_strconcat(mirror, file->name, NULL);
    g_autofree char *final_path = g_build_filename(dir, file->name, NULL);
    g_autofree char *tmp_path = g_strconcat(final_path, ".XXXXXX.part", NULL);

    int fd = g_mkstemp_full(tmp_path, O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) {
        set_io_error(error, errno, "create a file in", dir);
        return ATTEMPT_FATAL;
    }
    /* Held until close: tells remove_stale_parts() of another download
     * that this file is alive. */
    flock(fd, LOCK_EX | LOCK_NB);

    g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);
    Transfer t = {
        .fd = fd,
        .path = tmp_path,
        .checksum = checksum,
        .file_index = index,
        .options = options,
        .last_done = -1,
        .last_total = -1,
    };
    Attempt result = transfer(url, &t, reason, error);

    if (result == ATTEMPT_OK && fsync(fd) != 0) {
        set_io_error(error, errno, "write", tmp_path);
        result = ATTEMPT_FATAL;
    }
    if (close(fd) != 0 && result == ATTEMPT_OK) {
        set_io_error(error, errno, "write", tmp_path);
        result = ATTEMPT_FATAL;
    }
    if (result == ATTEMPT_OK && g_rename(tmp_path, final_path) != 0) {
        set_io_error(error, errno, "rename the download to", final_path);
        result = ATTEMPT_FATAL;
    }
    if (result == ATTEMPT_OK)
        fsync_dir(dir);
    else
        g_unlink(tmp_path);
    return result;
}

/* Removes the temporary files NAME.XXXXXX.part of the four MNIST files that
 * earlier downloads left in dir when they were killed (a cancelled or
 * failed download removes its own): those that no process holds locked and
 * that have not been written for STALE_PART_AGE_S. Best effort. */
static void
remove_stale_parts(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;

    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        gboolean ours = FALSE;
        for (guint i = 0; i < DL_MNIST_N_FILES && !ours; i++)
            ours = g_str_has_prefix(name, dl_mnist_files[i].name)
                   && strlen(name) == strlen(dl_mnist_files[i].name) + strlen(".XXXXXX.part")
                   && name[strlen(dl_mnist_files[i].name)] == '.'
                   && g_str_has_suffix(name, ".part");
        if (!ours)
            continue;
        g_autofree char *path = g_build_filename(dir, name, NULL);
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
            continue;
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && now - (gint64)st.st_mtime >= STALE_PART_AGE_S
            && flock(fd, LOCK_EX | LOCK_NB) == 0)
            g_unlink(path);
        close(fd);
    }
}

/* Makes sure file index is in dir with the right checksum, trying each mirror
 * in turn; on failure the error lists what went wrong with every mirror. */
static gboolean
ensure_file(const char *dir, guint index, char **mirrors,
            const DlDownloadOptions *options, GError **error)
{
    const DlMnistFile *file = &dl_mnist_files[index];
    g_autofree char *path = g_build_filename(dir, file->name, NULL);
    g_autofree char *present = sha256_of_file(path);

    if (present != NULL && strcmp(present, file->sha256) == 0) {
        if (options->file_done != NULL)
            options->file_done(index, file->name, DL_FILE_ALREADY_PRESENT, NULL,
                               file->size, options->user_data);
        return TRUE;
    }

    g_autoptr(GString) reasons = g_string_new(NULL);
    guint n_tried = 0, n_unreachable = 0, n_checksum = 0;
    for (guint m = 0; mirrors[m] != NULL; m++) {
        g_autofree char *reason = NULL;

        switch (fetch_from_mirror(dir, index, mirrors[m], options, &reason, error)) {
        case ATTEMPT_OK:
            if (options->file_done != NULL)
                options->file_done(index, file->name, DL_FILE_DOWNLOADED, mirrors[m],
                                   file->size, options->user_data);
            return TRUE;
        case ATTEMPT_FATAL:
            return FALSE;
        case ATTEMPT_UNREACHABLE:
            n_unreachable++;
            break;
        case ATTEMPT_CHECKSUM:
            n_checksum++;
            break;
        case ATTEMPT_BROKEN_OFF:
        case ATTEMPT_HTTP_ERROR:
            break;
        }
        g_string_append_printf(reasons, "%s%s: %s", n_tried > 0 ? "; " : "",
                               mirrors[m], reason);
        n_tried++;
        if (options->mirror_failed != NULL)
            options->mirror_failed(index, file->name, mirrors[m], reason,
                                   mirrors[m + 1] != NULL, options->user_data);
    }

    if (n_unreachable == n_tried)
        g_set_error(error, DL_DOWNLOAD_ERROR, DL_DOWNLOAD_ERROR_UNREACHABLE,
                    "Could not download %s: no mirror could be reached (%s). "
                    "Check your network connection, or copy the MNIST files into %s.",
                    file->name, reasons->str, dir);
    else if (n_checksum == n_tried)
        g_set_error(error, DL_DOWNLOAD_ERROR, DL_DOWNLOAD_ERROR_CHECKSUM,
                    "Could not download %s: checksum mismatch on every mirror (%s). "
                    "Try another mirror, or copy verified MNIST files into %s.",
                    file->name, reasons->str, dir);
    else
        g_set_error(error, DL_DOWNLOAD_ERROR, DL_DOWNLOAD_ERROR_FAILED,
                    "Could not download %s: no mirror gave a good copy (%s). "
                    "Check your network connection, or copy the MNIST files into %s.",
                    file->name, reasons->str, dir);
    return FALSE;
}

gboolean
dl_download_mnist(const char *dir, const DlDownloadOptions *options, GError **error)
{
    static const DlDownloadOptions no_options = { 0 };

    g_return_val_if_fail(dir != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (options == NULL)
        options = &no_options;
    if (g_cancellable_set_error_if_cancelled(options->cancellable, error))
        return FALSE;

    ensure_curl_initialized();
    g_auto(GStrv) mirrors = dl_download_mirrors_resolve(options->mirrors);

    if (g_mkdir_with_parents(dir, 0755) != 0) {
        set_io_error(error, errno, "create the folder", dir);
        return FALSE;
    }
    remove_stale_parts(dir);
    for (guint i = 0; i < DL_MNIST_N_FILES; i++)
        if (!ensure_file(dir, i, mirrors, options, error))
            return FALSE;
    return TRUE;
}
