/* test-download.c — the data folder and the checksummed MNIST download.
 *
 * The download runs against a small HTTP server started inside the test on
 * 127.0.0.1 (ephemeral port). It serves the real MNIST files from the folder
 * test-mnist.h finds, either as they are or damaged in one of the ways a
 * real mirror can fail, or endless bytes. The cases that need the real
 * files are left out without them, saying so (cmocka's skip() would count
 * as a failure in meson).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <glib/gstdio.h>

#include "dl-download.h"
#include "test-mnist.h"

/* The real .gz files, in the order of dl_mnist_files; NULL when not found. */
static GBytes *originals[DL_MNIST_N_FILES];
static char *source_dir;
static char *xdg_data_home;

/* ---- A tiny HTTP/1.1 server, one connection at a time ---------------- */

typedef enum {
    SERVE_GOOD,    /* the files as they are */
    SERVE_CORRUPT, /* one byte flipped in the middle */
    SERVE_HALF,    /* the full Content-Length, half the body, then close */
    SERVE_STALL,   /* the full Content-Length, half the body, then silence */
    SERVE_500,     /* "HTTP 500" for every request */
    SERVE_ENDLESS, /* no Content-Length, bytes without end (up to ENDLESS_CAP) */
    SERVE_HUGE,    /* "Content-Length: 1000000000", then bytes without end */
} ServeMode;

/* What an endless mirror sends at most before it gives up by itself: far
 * more than the largest file (9.9 MB) plus what socket buffers can hold. */
#define ENDLESS_CAP ((gint64)64 * 1000 * 1000)

typedef struct {
    ServeMode mode;
    int listen_fd;
    GThread *thread;
    int n_requests; /* atomic */
    gsize sent;     /* bytes of body sent by an endless mirror (atomic) */
    char *url;      /* the mirror: http://127.0.0.1:PORT/mnist/ */
} Server;

static GBytes *
find_original(const char *name)
{
    for (int i = 0; i < DL_MNIST_N_FILES; i++)
        if (strcmp(name, dl_mnist_files[i].name) == 0)
            return originals[i];
    return NULL;
}

static gboolean
send_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE; /* the client went away */
        p += n;
        len -= n;
    }
    return TRUE;
}

static void
serve_connection(Server *server, int fd)
{
    char request[4096] = "";
    size_t len = 0;

    /* A GET is only a request line and headers. */
    while (strstr(request, "\r\n\r\n") == NULL) {
        if (len == sizeof request - 1)
            return;
        ssize_t n = recv(fd, request + len, sizeof request - 1 - len, 0);
        if (n <= 0)
            return;
        len += n;
        request[len] = '\0';
    }
    g_atomic_int_inc(&server->n_requests);

    char path[256] = "";
    sscanf(request, "GET %255s", path);
    const char *slash = strrchr(path, '/');
    GBytes *file = find_original(slash != NULL ? slash + 1 : path);

    if (server->mode == SERVE_ENDLESS || server->mode == SERVE_HUGE) {
        const char *header = server->mode == SERVE_HUGE
                                 ? "HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\nConnection: close\r\n\r\n"
                                 : "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
        static guint8 block[64 * 1024];
        memset(block, 0x5a, sizeof block);
        if (!send_all(fd, header, strlen(header)))
            return;
        for (gint64 sent = 0; sent < ENDLESS_CAP; sent += sizeof block) {
            if (!send_all(fd, block, sizeof block))
                return;
            g_atomic_pointer_add(&server->sent, (gssize)sizeof block);
        }
        return;
    }
    if (file == NULL || server->mode == SERVE_500) {
        g_autofree char *reply = g_strdup_printf(
            "HTTP/1.1 %d Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            file == NULL ? 404 : 500);
        send_all(fd, reply, strlen(reply));
        return;
    }

    gsize size;
    const guint8 *data = g_bytes_get_data(file, &size);
    g_autofree guint8 *corrupted = NULL;
    if (server->mode == SERVE_CORRUPT) {
        corrupted = g_memdup2(data, size);
        corrupted[size / 2] ^= 0x01;
        data = corrupted;
    }
    gboolean half = server->mode == SERVE_HALF || server->mode == SERVE_STALL;
    g_autofree char *header = g_strdup_printf(
        "HTTP/1.1 200 OK\r\nContent-Type: application/gzip\r\n"
        "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n", size);
    if (!send_all(fd, header, strlen(header)) || !send_all(fd, data, half ? size / 2 : size))
        return;

    if (server->mode == SERVE_STALL) {
        /* Keep the connection open, silent, until the client gives up. */
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        poll(&pfd, 1, 20 * 1000);
    }
}

static gpointer
server_run(gpointer data)
{
    Server *server = data;

    for (;;) {
        int fd = accept(server->listen_fd, NULL, NULL);
        if (fd < 0 && errno == EINTR)
            continue;
        if (fd < 0)
            return NULL; /* server_stop() shut the socket down */
        serve_connection(server, fd);
        close(fd);
    }
}

/* Binds a TCP socket to 127.0.0.1 on a free port and returns it. */
static int
bind_loopback(guint16 *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {
        .sin_family = AF_INET,
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
        .sin_port = 0,
    };
    socklen_t addr_len = sizeof addr;

    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &addr_len), 0);
    *port = ntohs(addr.sin_port);
    return fd;
}

static Server *
server_start(ServeMode mode)
{
    Server *server = g_new0(Server, 1);
    guint16 port;

    server->mode = mode;
    server->listen_fd = bind_loopback(&port);
    assert_int_equal(listen(server->listen_fd, 8), 0);
    server->url = g_strdup_printf("http://127.0.0.1:%u/mnist/", port);
    server->thread = g_thread_new("test-server", server_run, server);
    return server;
}

/* Returns the bytes an endless mirror sent. */
static gsize
server_stop(Server *server)
{
    shutdown(server->listen_fd, SHUT_RDWR); /* wakes accept() */
    g_thread_join(server->thread);
    close(server->listen_fd);
    gsize sent = server->sent;
    g_free(server->url);
    g_free(server);
    return sent;
}

/* ---- Helpers ---------------------------------------------------------- */

#define assert_error(error, domain, code)                                     \
    do {                                                                      \
        assert_non_null(error);                                               \
        if (!g_error_matches((error), (domain), (code)))                      \
            fail_msg("unexpected error: %s", (error)->message);               \
    } while (0)

/* What the callbacks saw. */
typedef struct {
    guint n_downloaded;
    guint n_already_present;
    guint n_mirror_failed;
    guint n_trying_next;
    gint64 last_done[DL_MNIST_N_FILES];
    gint64 last_total[DL_MNIST_N_FILES];
    GCancellable *cancel_after;  /* cancelled once cancel_bytes arrived, if set */
    gint64 cancel_bytes;
} Record;

static void
record_progress(guint index, const char *name, gint64 done, gint64 total, gpointer data)
{
    Record *record = data;

    assert_true(index < DL_MNIST_N_FILES);
    assert_string_equal(name, dl_mnist_files[index].name);
    record->last_done[index] = done;
    record->last_total[index] = total;
    if (record->cancel_after != NULL && done >= record->cancel_bytes)
        g_cancellable_cancel(record->cancel_after);
}

static void
record_file_done(guint index, const char *name, DlFileOutcome outcome,
                 const char *mirror, gint64 size, gpointer data)
{
    Record *record = data;

    assert_string_equal(name, dl_mnist_files[index].name);
    assert_int_equal(size, dl_mnist_files[index].size);
    if (outcome == DL_FILE_DOWNLOADED) {
        assert_non_null(mirror);
        record->n_downloaded++;
    } else {
        assert_null(mirror);
        record->n_already_present++;
    }
}

static void
record_mirror_failed(guint index, const char *name, const char *mirror,
                     const char *reason, gboolean trying_next, gpointer data)
{
    Record *record = data;

    assert_non_null(reason);
    record->n_mirror_failed++;
    record->n_trying_next += trying_next;
}

static gboolean
download(const char *dir, const char *const *mirrors, Record *record,
         GCancellable *cancellable, GError **error)
{
    DlDownloadOptions options = {
        .mirrors = mirrors,
        .progress = record_progress,
        .file_done = record_file_done,
        .mirror_failed = record_mirror_failed,
        .user_data = record,
        .cancellable = cancellable,
    };
    return dl_download_mnist(dir, &options, error);
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir, sorted, separated by spaces ("" when empty or missing). */
static char *
list_dir(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    while (d != NULL && (name = g_dir_read_name(d)) != NULL)
        g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, compare_names);
    g_ptr_array_add(names, NULL);
    return g_strjoinv(" ", (char **)names->pdata);
}

static void
assert_files_equal_originals(const char *dir)
{
    for (int i = 0; i < DL_MNIST_N_FILES; i++) {
        g_autofree char *path = g_build_filename(dir, dl_mnist_files[i].name, NULL);
        g_autofree char *contents = NULL;
        gsize len = 0;

        assert_true(g_file_get_contents(path, &contents, &len, NULL));
        g_autoptr(GBytes) got = g_bytes_new_take(g_steal_pointer(&contents), len);
        assert_true(g_bytes_equal(got, originals[i]));
    }
    /* ... and nothing else: no temporary file left behind. */
    g_autofree char *listing = list_dir(dir);
    assert_string_equal(listing, "t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz "
                                 "train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz");
}

static void
remove_tree(const char *path)
{
    if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
        g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
        const char *name;
        while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            remove_tree(child);
        }
        g_rmdir(path);
    } else {
        g_unlink(path);
    }
}

/* Fixture: *state is a new empty folder, removed afterwards. */
static int
make_tmp_dir(void **state)
{
    *state = g_dir_make_tmp("test-download-XXXXXX", NULL);
    return *state == NULL;
}

static int
remove_tmp_dir(void **state)
{
    remove_tree(*state);
    g_free(*state);
    return 0;
}

/* ---- Data folder ------------------------------------------------------ */

static void
test_data_dir_resolve_precedence(void **state)
{
    g_autofree char *expected_xdg = g_build_filename(xdg_data_home, "digitlab", "mnist", NULL);
    g_autofree char *saved_env = g_strdup(g_getenv("DIGITLAB_DATA"));

    g_unsetenv("DIGITLAB_DATA");
    g_autofree char *from_xdg = dl_data_dir_resolve(NULL);
    assert_string_equal(from_xdg, expected_xdg);

    g_setenv("DIGITLAB_DATA", "", TRUE); /* empty counts as unset */
    g_autofree char *from_empty_env = dl_data_dir_resolve(NULL);
    assert_string_equal(from_empty_env, expected_xdg);

    g_setenv("DIGITLAB_DATA", "/from/env", TRUE);
    g_autofree char *from_env = dl_data_dir_resolve(NULL);
    assert_string_equal(from_env, "/from/env");

    g_autofree char *from_option = dl_data_dir_resolve("/from/option");
    assert_string_equal(from_option, "/from/option");

    if (saved_env != NULL)
        g_setenv("DIGITLAB_DATA", saved_env, TRUE);
    else
        g_unsetenv("DIGITLAB_DATA");
}

static void
touch(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    assert_true(g_file_set_contents(path, "x", 1, NULL));
}

static void
test_data_dir_has_mnist(void **state)
{
    const char *dir = *state;

    assert_false(dl_data_dir_has_mnist(dir));
    touch(dir, "train-images-idx3-ubyte.gz");
    touch(dir, "train-labels-idx1-ubyte");      /* uncompressed is fine too */
    touch(dir, "t10k-images-idx3-ubyte.gz");
    touch(dir, "t10k-labels-idx1-ubyte.gz.part"); /* not a finished file */
    assert_false(dl_data_dir_has_mnist(dir));
    g_auto(GStrv) missing = dl_data_dir_missing_mnist(dir);
    assert_int_equal(g_strv_length(missing), 1);
    assert_string_equal(missing[0], "t10k-labels-idx1-ubyte");
    touch(dir, "t10k-labels-idx1-ubyte");
    assert_true(dl_data_dir_has_mnist(dir));
    g_auto(GStrv) none = dl_data_dir_missing_mnist(dir);
    assert_null(none[0]);
    assert_false(dl_data_dir_has_mnist("/nonexistent/digitlab"));
    g_auto(GStrv) all = dl_data_dir_missing_mnist("/nonexistent/digitlab");
    assert_int_equal(g_strv_length(all), DL_MNIST_N_FILES);

    /* The download table and the folder check agree on the names. */
    for (int i = 0; i < DL_MNIST_N_FILES; i++) {
        g_autofree char *gz = g_strconcat(dl_mnist_names[i], ".gz", NULL);
        assert_string_equal(dl_mnist_files[i].name, gz);
    }
}

/* ---- Mirror list ------------------------------------------------------ */

static void
test_mirrors_resolve(void **state)
{
    g_autofree char *saved_env = g_strdup(g_getenv("DIGITLAB_MNIST_MIRROR"));
    const char *const options[] = { "http://a.example/m", "http://b.example/m/", NULL };
    const char *const empty[] = { NULL };

    g_unsetenv("DIGITLAB_MNIST_MIRROR");
    g_auto(GStrv) defaults = dl_download_mirrors_resolve(NULL);
    assert_true(g_strv_equal((const char *const *)defaults, dl_mnist_default_mirrors));
    assert_string_equal(defaults[0], "https://ossci-datasets.s3.amazonaws.com/mnist/");
    assert_string_equal(defaults[1], "http://yann.lecun.com/exdb/mnist/");

    g_setenv("DIGITLAB_MNIST_MIRROR", " http://env.example/one  http://env.example/two/ ", TRUE);
    g_auto(GStrv) from_env = dl_download_mirrors_resolve(empty);
    const char *const expected_env[] = { "http://env.example/one/", "http://env.example/two/", NULL };
    assert_true(g_strv_equal((const char *const *)from_env, expected_env));

    g_auto(GStrv) from_options = dl_download_mirrors_resolve(options);
    const char *const expected_options[] = { "http://a.example/m/", "http://b.example/m/", NULL };
    assert_true(g_strv_equal((const char *const *)from_options, expected_options));

    g_setenv("DIGITLAB_MNIST_MIRROR", "", TRUE);
    g_auto(GStrv) from_empty_env = dl_download_mirrors_resolve(NULL);
    assert_true(g_strv_equal((const char *const *)from_empty_env, dl_mnist_default_mirrors));

    if (saved_env != NULL)
        g_setenv("DIGITLAB_MNIST_MIRROR", saved_env, TRUE);
    else
        g_unsetenv("DIGITLAB_MNIST_MIRROR");
}

/* ---- Download --------------------------------------------------------- */

/* (a) Everything arrives, byte for byte, into a folder created with its parents. */
static void
test_download_full(void **state)
{
    Server *server = server_start(SERVE_GOOD);
    const char *const mirrors[] = { server->url, NULL };
    g_autofree char *dir = g_build_filename(*state, "new", "mnist", NULL);
    g_autoptr(GError) error = NULL;
    Record record = { 0 };

    assert_true(download(dir, mirrors, &record, NULL, &error));
    assert_null(error);
    assert_files_equal_originals(dir);
    assert_true(dl_data_dir_has_mnist(dir));
    assert_int_equal(g_atomic_int_get(&server->n_requests), DL_MNIST_N_FILES);
    assert_int_equal(record.n_downloaded, DL_MNIST_N_FILES);
    assert_int_equal(record.n_mirror_failed, 0);
    for (int i = 0; i < DL_MNIST_N_FILES; i++) {
        assert_int_equal(record.last_done[i], dl_mnist_files[i].size);
        assert_int_equal(record.last_total[i], dl_mnist_files[i].size);
    }
    server_stop(server);
}

/* (b) Files present with the right checksum are not fetched again; a damaged
 * one is replaced. */
static void
test_download_skips_present_files(void **state)
{
    Server *server = server_start(SERVE_GOOD);
    const char *const mirrors[] = { server->url, NULL };
    const char *dir = *state;
    g_autoptr(GError) error = NULL;
    Record first = { 0 }, second = { 0 }, third = { 0 };

    assert_true(download(dir, mirrors, &first, NULL, &error));
    assert_int_equal(first.n_downloaded, DL_MNIST_N_FILES);

    g_atomic_int_set(&server->n_requests, 0);
    assert_true(download(dir, mirrors, &second, NULL, &error));
    assert_int_equal(g_atomic_int_get(&server->n_requests), 0);
    assert_int_equal(second.n_already_present, DL_MNIST_N_FILES);
    assert_int_equal(second.n_downloaded, 0);

    g_autofree char *labels = g_build_filename(dir, "t10k-labels-idx1-ubyte.gz", NULL);
    assert_true(g_file_set_contents(labels, "not the labels", -1, NULL));
    assert_true(download(dir, mirrors, &third, NULL, &error));
    assert_int_equal(g_atomic_int_get(&server->n_requests), 1);
    assert_int_equal(third.n_already_present, DL_MNIST_N_FILES - 1);
    assert_int_equal(third.n_downloaded, 1);
    assert_files_equal_originals(dir);
    server_stop(server);
}

/* (c) A mirror serving a damaged file is refused; a good mirror after it is used. */
static void
test_download_refuses_corrupt_mirror(void **state)
{
    Server *bad = server_start(SERVE_CORRUPT);
    Server *good = server_start(SERVE_GOOD);
    const char *const only_bad[] = { bad->url, NULL };
    const char *const bad_then_good[] = { bad->url, good->url, NULL };
    const char *dir = *state;
    g_autoptr(GError) error = NULL;
    Record record = { 0 };

    assert_false(download(dir, only_bad, &record, NULL, &error));
    assert_error(error, DL_DOWNLOAD_ERROR, DL_DOWNLOAD_ERROR_CHECKSUM);
    assert_non_null(strstr(error->message, "train-images-idx3-ubyte.gz"));
    assert_non_null(strstr(error->message, "checksum mismatch"));
    assert_non_null(strstr(error->message, "expected " "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609" ", got "));
    assert_non_null(strstr(error->message, bad->url));
    assert_non_null(strstr(error->message, dir));
    g_autofree char *after_failure = list_dir(dir);
    assert_string_equal(after_failure, "");
    assert_int_equal(record.n_mirror_failed, 1);
    assert_int_equal(record.n_trying_next, 0);
    g_clear_error(&error);

    g_atomic_int_set(&bad->n_requests, 0);
    record = (Record) { 0 };
    assert_true(download(dir, bad_then_good, &record, NULL, &error));
    assert_files_equal_originals(dir);
    assert_int_equal(g_atomic_int_get(&bad->n_requests), DL_MNIST_N_FILES);
    assert_int_equal(g_atomic_int_get(&good->n_requests), DL_MNIST_N_FILES);
    assert_int_equal(record.n_mirror_failed, DL_MNIST_N_FILES);
    assert_int_equal(record.n_trying_next, DL_MNIST_N_FILES);
    server_stop(bad);
    server_stop(good);
}

/* (d) A connection dropped half-way leaves nothing behind, and the next
 * mirror is tried; so is the next mirror after an HTTP error. */
static void
test_download_broken_transfer(void **state)
{
    Server *half = server_start(SERVE_HALF);
    Server *error500 = server_start(SERVE_500);
    Server *good = server_start(SERVE_GOOD);
    const char *const only_half[] = { half->url, NULL };
    const char *const half_and_500[] = { half->url, error500->url, NULL };
    const char *const all[] = { half->url, error500->url, good->url, NULL };
    const char *dir = *state;
    g_autoptr(GError) error = NULL;
    Record record = { 0 };

    assert_false(download(dir, only_half, &record, NULL, &error));
    assert_error(error, DL_DOWNLOAD_ERROR, DL_DOWNLOAD_ERROR_FAILED);
    assert_non_null(strstr(error->message, "Could not download train-images-idx3-ubyte.gz"));
    assert_non_null(strstr(error->message, half->url));
    /* The transfer did get going before it broke off. */
    assert_true(record.last_done[0] >= dl_mnist_files[0].size / 4);
    g_autofree char *after_half = list_dir(dir);
    assert_string_equal(after_half, "");
    g_clear_error(&error);

    assert_false(download(dir, half_and_500, &record, NULL, &error));
    assert_error(error, DL_DOWNLOAD_ERROR, DL_DOWNLOAD_ERROR_FAILED);
    g_autofree char *http_reason = g_strdup_printf("%s: HTTP 500", error500->url);
    assert_non_null(strstr(error->message, http_reason));
    g_autofree char *after_500 = list_dir(dir);
    assert_string_equal(after_500, "");
    g_clear_error(&error);

    assert_true(download(dir, all, &record, NULL, &error));
    assert_files_equal_originals(dir);
    assert_int_equal(g_atomic_int_get(&good->n_requests), DL_MNIST_N_FILES);
    server_stop(half);
    server_stop(error500);
    server_stop(good);
}

/* (e) A mirror nobody listens on fails at once with a clear message. */
static void
test_download_unreachable_mirror(void **state)
{
    guint16 port;
    int closed_fd = bind_loopback(&port); /* bound but not listening: refused */
    g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u/mnist/", port);
    const char *const mirrors[] = { url, NULL };
    const char *dir = *state;
    g_autoptr(GError) error = NULL;
    Record record = { 0 };

    gint64 start = g_get_monotonic_time();
    assert_false(download(dir, mirrors, &record, NULL, &error));
    gint64 elapsed_ms = (g_get_monotonic_time() - start) / 1000;
    close(closed_fd);

    assert_true(elapsed_ms < 5000);
    assert_error(error, DL_DOWNLOAD_ERROR, DL_DOWNLOAD_ERROR_UNREACHABLE);
    assert_non_null(strstr(error->message,
                           "Could not download train-images-idx3-ubyte.gz: no mirror could be reached ("));
    assert_non_null(strstr(error->message, url));
    g_autofree char *advice = g_strdup_printf("copy the MNIST files into %s.", dir);
    assert_non_null(strstr(error->message, advice));
    g_autofree char *listing = list_dir(dir);
    assert_string_equal(listing, "");
}

/* A destination that cannot be a folder fails at once, before any request. */
static void
test_download_unwritable_dir(void **state)
{
    g_autofree char *not_a_dir = g_build_filename(*state, "file", NULL);
    g_autofree char *dir = g_build_filename(not_a_dir, "mnist", NULL);
    const char *const mirrors[] = { "http://127.0.0.1:9/", NULL };
    g_autoptr(GError) error = NULL;

    assert_true(g_file_set_contents(not_a_dir, "", 0, NULL));
    assert_false(dl_download_mnist(dir, &(DlDownloadOptions) { .mirrors = mirrors }, &error));
    assert_error(error, DL_DOWNLOAD_ERROR, DL_DOWNLOAD_ERROR_IO);
    assert_non_null(strstr(error->message, dir));
}

/* (g) A mirror that sends more than the file (no end at all, or announcing
 * 1 GB) is cut off at the file's size with a reason that says so: the
 * temporary file never grows past it and nothing is left. Needs no MNIST:
 * the bytes are refused on their count before any checksum. */
static void
test_download_endless_mirror(void **state)
{
    const char *dir = *state;
    const gint64 size = dl_mnist_files[0].size;

    for (int huge = 0; huge < 2; huge++) {
        Server *endless = server_start(huge ? SERVE_HUGE : SERVE_ENDLESS);
        const char *const mirrors[] = { endless->url, NULL };
        g_autoptr(GError) error = NULL;
        Record record = { 0 };

        gint64 start = g_get_monotonic_time();
        assert_false(download(dir, mirrors, &record, NULL, &error));
        gint64 elapsed_ms = (g_get_monotonic_time() - start) / 1000;
        gsize endless_sent = server_stop(endless); /* it gives up once the client is gone */
        print_message("# %s mirror: stopped after %.1f s, %" G_GSIZE_FORMAT " bytes sent: %s\n",
                      huge ? "1 GB" : "endless", elapsed_ms / 1000.0, endless_sent, error->message);

        assert_error(error, DL_DOWNLOAD_ERROR, DL_DOWNLOAD_ERROR_FAILED);
        assert_non_null(strstr(error->message, "Could not download train-images-idx3-ubyte.gz"));
        g_autofree char *reason = g_strdup_printf("%s more than the file's %" G_GINT64_FORMAT " bytes",
                                                huge ? "announced" : "sent", size);
        assert_non_null(strstr(error->message, reason));
        assert_true(record.last_done[0] <= size);
        assert_true(record.n_mirror_failed == 1);
        /* what the mirror managed to send: the file's size, plus what the
         * socket buffers held when the client hung up */
        assert_true(endless_sent < (gsize)size + 16 * 1000 * 1000);
        assert_true(elapsed_ms < 20000);
        g_autofree char *listing = list_dir(dir);
        assert_string_equal(listing, "");
    }
}

static void
make_part(const char *dir, const char *name, gint64 age_s)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    assert_true(g_file_set_contents(path, "half a file", -1, NULL));
    struct utimbuf times = { .actime = time(NULL) - age_s, .modtime = time(NULL) - age_s };
    assert_int_equal(utime(path, &times), 0);
}

/* (h) Temporary files of downloads that were killed (kill -9 leaves them)
 * are removed when the next download starts: not those of a download still
 * running (it holds a lock on its file, or has just written to it), nor
 * files that are not ours. Needs no MNIST: the mirror here refuses
 * connections, and the clean-up comes first. */
static void
test_download_removes_stale_parts(void **state)
{
    const char *dir = *state;
    guint16 port;
    int closed_fd = bind_loopback(&port);
    g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u/mnist/", port);
    const char *const mirrors[] = { url, NULL };

    make_part(dir, "train-images-idx3-ubyte.gz.Ab3xZ9.part", 3600); /* killed an hour ago */
    make_part(dir, "t10k-labels-idx1-ubyte.gz.q1w2e3.part", 60);
    make_part(dir, "t10k-images-idx3-ubyte.gz.000000.part", 3600);   /* alive: locked below */
    make_part(dir, "train-labels-idx1-ubyte.gz.zzzzzz.part", 0);    /* alive: just written */
    make_part(dir, "notes.txt.abcdef.part", 3600);                  /* not ours */
    make_part(dir, "train-images-idx3-ubyte.gz", 3600);              /* not a .part */
    g_autofree char *locked = g_build_filename(dir, "t10k-images-idx3-ubyte.gz.000000.part", NULL);
    int lock_fd = open(locked, O_RDONLY);
    assert_true(lock_fd >= 0);
    assert_int_equal(flock(lock_fd, LOCK_EX | LOCK_NB), 0);

    g_autoptr(GError) error = NULL;
    Record record = { 0 };
    assert_false(download(dir, mirrors, &record, NULL, &error));
    assert_error(error, DL_DOWNLOAD_ERROR, DL_DOWNLOAD_ERROR_UNREACHABLE);
    close(closed_fd);
    close(lock_fd);

    g_autofree char *listing = list_dir(dir);
    assert_string_equal(listing, "notes.txt.abcdef.part t10k-images-idx3-ubyte.gz.000000.part "
                                 "train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz.zzzzzz.part");
}

typedef struct {
    GCancellable *cancellable;
    guint delay_ms;
} DelayedCancel;

static gpointer
cancel_later(gpointer data)
{
    DelayedCancel *delayed = data;

    g_usleep(delayed->delay_ms * 1000);
    g_cancellable_cancel(delayed->cancellable);
    return NULL;
}

/* (f) Cancellation stops the download: before it starts, in the middle of a
 * transfer, and while a server has gone silent; nothing is left behind. */
static void
test_download_cancel(void **state)
{
    Server *good = server_start(SERVE_GOOD);
    Server *stall = server_start(SERVE_STALL);
    const char *const good_mirror[] = { good->url, NULL };
    const char *const stall_mirror[] = { stall->url, NULL };
    const char *dir = *state;
    g_autoptr(GError) error = NULL;

    /* Already cancelled: no request at all. */
    g_autoptr(GCancellable) cancelled = g_cancellable_new();
    Record record = { 0 };
    g_cancellable_cancel(cancelled);
    assert_false(download(dir, good_mirror, &record, cancelled, &error));
    assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    assert_int_equal(g_atomic_int_get(&good->n_requests), 0);
    g_clear_error(&error);

    /* Cancelled from the progress callback after 1 MB of the first file. */
    g_autoptr(GCancellable) midway = g_cancellable_new();
    record = (Record) { .cancel_after = midway, .cancel_bytes = 1000 * 1000 };
    assert_false(download(dir, good_mirror, &record, midway, &error));
    assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    assert_int_equal(record.n_downloaded, 0);
    assert_int_equal(record.n_mirror_failed, 0);
    assert_int_equal(g_atomic_int_get(&good->n_requests), 1);
    g_autofree char *after_midway = list_dir(dir);
    assert_string_equal(after_midway, "");
    g_clear_error(&error);

    /* Cancelled from another thread while the server sends nothing; without
     * cancellation curl would wait for its 30 s low-speed limit. */
    g_autoptr(GCancellable) stalled = g_cancellable_new();
    DelayedCancel delayed = { stalled, 300 };
    GThread *canceller = g_thread_new("cancel", cancel_later, &delayed);
    record = (Record) { 0 };
    gint64 start = g_get_monotonic_time();
    assert_false(download(dir, stall_mirror, &record, stalled, &error));
    gint64 elapsed_ms = (g_get_monotonic_time() - start) / 1000;
    g_thread_join(canceller);
    assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    assert_true(elapsed_ms >= 300);
    assert_true(elapsed_ms < 3000);
    g_autofree char *after_stall = list_dir(dir);
    assert_string_equal(after_stall, "");

    server_stop(good);
    server_stop(stall);
}

/* ---- The real `digitlab-cli download` ------------------------------------ */

static GSubprocess *
spawn_cli(GError **error, const char *dir, const char *mirror)
{
    const char *cli = g_getenv("DIGITLAB_CLI");
    return g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            error, cli, "download", "--data", dir, "--mirror", mirror, NULL);
}

static void
run_cli(const char *dir, const char *mirror, int *status, char **out, char **err)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GSubprocess) cli = spawn_cli(&error, dir, mirror);

    assert_non_null(cli);
    assert_true(g_subprocess_communicate_utf8(cli, NULL, NULL, out, err, &error));
    *status = g_subprocess_get_if_exited(cli) ? g_subprocess_get_exit_status(cli) : -1;
}

static void
test_cli_download(void **state)
{
    assert_non_null(g_getenv("DIGITLAB_CLI")); /* set by meson */
    Server *good = server_start(SERVE_GOOD);
    Server *stall = server_start(SERVE_STALL);
    const char *dir = *state;
    int status;

    /* Success: one plain line per file (stderr is a pipe), then the folder. */
    g_autofree char *out1 = NULL, *err1 = NULL;
    run_cli(dir, good->url, &status, &out1, &err1);
    assert_int_equal(status, 0);
    assert_non_null(strstr(err1, "train-images-idx3-ubyte.gz: 9.9 MB, checksum OK\n"));
    assert_non_null(strstr(err1, "t10k-labels-idx1-ubyte.gz: 4.5 kB, checksum OK\n"));
    assert_null(strchr(err1, '\r')); /* no progress bar outside a terminal */
    g_autofree char *where = g_strdup_printf("The MNIST files are in %s\n", dir);
    assert_string_equal(out1, where);
    assert_files_equal_originals(dir);

    g_autofree char *out2 = NULL, *err2 = NULL;
    run_cli(dir, good->url, &status, &out2, &err2);
    assert_int_equal(status, 0);
    assert_non_null(strstr(err2, "train-images-idx3-ubyte.gz: already present, checksum OK\n"));

    /* Failure: exit status 1 and the reason. */
    g_autofree char *other_dir = g_build_filename(dir, "other", NULL);
    guint16 port;
    int closed_fd = bind_loopback(&port);
    g_autofree char *closed_url = g_strdup_printf("http://127.0.0.1:%u/", port);
    g_autofree char *out3 = NULL, *err3 = NULL;
    run_cli(other_dir, closed_url, &status, &out3, &err3);
    close(closed_fd);
    assert_int_equal(status, 1);
    assert_non_null(strstr(err3, "no mirror could be reached"));
    assert_string_equal(out3, "");

    /* Ctrl-C while the server is silent: cancelled, no temporary file left. */
    g_autoptr(GError) error = NULL;
    g_autoptr(GSubprocess) cli = spawn_cli(&error, other_dir, stall->url);
    assert_non_null(cli);
    for (int i = 0; i < 500 && g_atomic_int_get(&stall->n_requests) == 0; i++)
        g_usleep(10 * 1000);
    assert_int_equal(g_atomic_int_get(&stall->n_requests), 1);
    g_usleep(100 * 1000);
    g_subprocess_send_signal(cli, SIGINT);
    g_autofree char *out4 = NULL, *err4 = NULL;
    assert_true(g_subprocess_communicate_utf8(cli, NULL, NULL, &out4, &err4, &error));
    assert_true(g_subprocess_get_if_exited(cli));
    assert_int_equal(g_subprocess_get_exit_status(cli), 1);
    assert_non_null(strstr(err4, "cancelled"));
    g_autofree char *after_interrupt = list_dir(other_dir);
    assert_string_equal(after_interrupt, "");

    server_stop(good);
    server_stop(stall);
}

/* ---- Main --------------------------------------------------------------- */

static void
load_originals(void)
{
    const char *dir = test_mnist_dir();

    source_dir = g_strdup(dir);
    for (int i = 0; dir != NULL && i < DL_MNIST_N_FILES; i++) {
        g_autofree char *path = g_build_filename(dir, dl_mnist_files[i].name, NULL);
        g_autofree char *contents = NULL;
        gsize len;

        if (!g_file_get_contents(path, &contents, &len, NULL)) {
            for (int j = 0; j < i; j++)
                g_clear_pointer(&originals[j], g_bytes_unref);
            return;
        }
        originals[i] = g_bytes_new_take(g_steal_pointer(&contents), len);
    }
}

int
main(void)
{
    /* The cases that serve the real .gz files. */
    const struct CMUnitTest with_mnist[] = {
        cmocka_unit_test_setup_teardown(test_download_full, make_tmp_dir, remove_tmp_dir),
        cmocka_unit_test_setup_teardown(test_download_skips_present_files, make_tmp_dir, remove_tmp_dir),
        cmocka_unit_test_setup_teardown(test_download_refuses_corrupt_mirror, make_tmp_dir, remove_tmp_dir),
        cmocka_unit_test_setup_teardown(test_download_broken_transfer, make_tmp_dir, remove_tmp_dir),
        cmocka_unit_test_setup_teardown(test_download_cancel, make_tmp_dir, remove_tmp_dir),
        cmocka_unit_test_setup_teardown(test_cli_download, make_tmp_dir, remove_tmp_dir),
    };
    const struct CMUnitTest without_mnist[] = {
        cmocka_unit_test(test_data_dir_resolve_precedence),
        cmocka_unit_test_setup_teardown(test_data_dir_has_mnist, make_tmp_dir, remove_tmp_dir),
        cmocka_unit_test(test_mirrors_resolve),
        cmocka_unit_test_setup_teardown(test_download_unreachable_mirror, make_tmp_dir, remove_tmp_dir),
        cmocka_unit_test_setup_teardown(test_download_unwritable_dir, make_tmp_dir, remove_tmp_dir),
        cmocka_unit_test_setup_teardown(test_download_endless_mirror, make_tmp_dir, remove_tmp_dir),
        cmocka_unit_test_setup_teardown(test_download_removes_stale_parts, make_tmp_dir, remove_tmp_dir),
    };
    struct CMUnitTest tests[G_N_ELEMENTS(with_mnist) + G_N_ELEMENTS(without_mnist)];
    size_t n = 0;

    /* GLib reads XDG_DATA_HOME once, so point it at a scratch folder before
     * anything asks; keep proxies away from 127.0.0.1. */
    xdg_data_home = g_build_filename(g_get_tmp_dir(), "test-download-xdg", NULL);
    g_setenv("XDG_DATA_HOME", xdg_data_home, TRUE);
    g_setenv("no_proxy", "127.0.0.1,localhost", TRUE);
    g_setenv("NO_PROXY", "127.0.0.1,localhost", TRUE);
    load_originals();

    for (size_t i = 0; i < G_N_ELEMENTS(without_mnist); i++)
        tests[n++] = without_mnist[i];
    if (originals[0] != NULL) {
        for (size_t i = 0; i < G_N_ELEMENTS(with_mnist); i++)
            tests[n++] = with_mnist[i];
    } else { /* see test-mnist.h */
        for (size_t i = 0; i < G_N_ELEMENTS(with_mnist); i++)
            if (source_dir != NULL)
                printf("# SKIP %s: no MNIST .gz files in %s to serve\n", with_mnist[i].name, source_dir);
            else
                printf("# SKIP %s: " TEST_MNIST_MISSING "\n", with_mnist[i].name);
    }

    int failures = _cmocka_run_group_tests("test-download", tests, n, NULL, NULL);

    for (int i = 0; i < DL_MNIST_N_FILES; i++)
        g_clear_pointer(&originals[i], g_bytes_unref);
    g_free(source_dir);
    g_free(xdg_data_home);
    return failures;
}
