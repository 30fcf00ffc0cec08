/* cmd-download.c — `digitlab-cli download`: fetch the MNIST files into the data
 * folder and check their SHA-256 sums. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>

#include "cli.h"
#include "dl-download.h"

#define BAR_WIDTH 30
#define REDRAW_INTERVAL_US (100 * 1000)

typedef struct {
    gboolean quiet;
    gboolean tty;        /* draw a progress bar instead of one line per file */
    gint64 last_draw_us;
} Report;

/* "9.9 MB", "28.9 kB": like g_format_size() but with a plain space, which
 * reads the same in any terminal and in logs. */
static char *
format_size(gint64 bytes)
{
    if (bytes >= 1000 * 1000)
        return g_strdup_printf("%.1f MB", bytes / 1e6);
    if (bytes >= 1000)
        return g_strdup_printf("%.1f kB", bytes / 1e3);
    return g_strdup_printf("%" G_GINT64_FORMAT " bytes", bytes);
}

/* Clears the progress bar so a line can be printed in its place. */
static void
clear_bar(Report *report)
{
    if (report->tty)
        fputs("\r\033[K", stderr);
}

static void
on_progress(guint file_index, const char *file_name, gint64 done, gint64 total,
            gpointer user_data)
{
    Report *report = user_data;

    if (report->quiet || !report->tty)
        return;
    gint64 now = g_get_monotonic_time();
    if (now - report->last_draw_us < REDRAW_INTERVAL_US && done != total)
        return;
    report->last_draw_us = now;

    g_autofree char *done_text = format_size(done);
    clear_bar(report);
    if (total > 0) {
        char bar[BAR_WIDTH + 1];
        int filled = (int)(BAR_WIDTH * done / total);
        memset(bar, '#', filled);
        memset(bar + filled, '-', BAR_WIDTH - filled);
        bar[BAR_WIDTH] = '\0';
        g_autofree char *total_text = format_size(total);
        fprintf(stderr, "%s [%s] %3d%%  %s / %s", file_name, bar,
                (int)(100 * done / total), done_text, total_text);
    } else if (done == 0) {
        fprintf(stderr, "%s  connecting...", file_name);
    } else {
        fprintf(stderr, "%s  %s", file_name, done_text);
    }
    fflush(stderr);
}

static void
on_file_done(guint file_index, const char *file_name, DlFileOutcome outcome,
             const char *mirror, gint64 size, gpointer user_data)
{
    Report *report = user_data;

    if (report->quiet)
        return;
    clear_bar(report);
    if (outcome == DL_FILE_ALREADY_PRESENT) {
        fprintf(stderr, "%s: already present, checksum OK\n", file_name);
    } else {
        g_autofree char *size_text = format_size(size);
        fprintf(stderr, "%s: %s, checksum OK\n", file_name, size_text);
    }
}

static void
on_mirror_failed(guint file_index, const char *file_name, const char *mirror,
                 const char *reason, gboolean trying_next, gpointer user_data)
{
    Report *report = user_data;

    /* When no mirror is left, the final error lists every failure. */
    if (report->quiet || !trying_next)
        return;
    clear_bar(report);
    fprintf(stderr, "%s: %s: %s; trying the next mirror\n", file_name, mirror, reason);
}

/* Ctrl-C and SIGTERM cancel the download, so no temporary file is left
 * behind. GLib catches the signals (in whichever thread the kernel picks,
 * OpenBLAS has its own) and dispatches them to a small thread that only runs
 * this main context. */
static gboolean
on_signal(gpointer data)
{
    g_cancellable_cancel(data);
    return G_SOURCE_CONTINUE;
}

static gpointer
run_signal_context(gpointer data)
{
    GMainContext *context = data;

    for (;;)
        g_main_context_iteration(context, TRUE);
    return NULL;
}

static void
cancel_on_signals(GCancellable *cancellable)
{
    const int signals[] = { SIGINT, SIGTERM };
    GMainContext *context = g_main_context_new();

    for (size_t i = 0; i < G_N_ELEMENTS(signals); i++) {
        GSource *source = g_unix_signal_source_new(signals[i]);
        g_source_set_callback(source, on_signal, g_object_ref(cancellable), g_object_unref);
        g_source_attach(source, context);
        g_source_unref(source);
    }
    /* Never joined: it ends with the process. */
    g_thread_unref(g_thread_new("signals", run_signal_context, context));
}

int
cmd_download(int argc, char **argv)
{
    g_autofree char *option_dir = NULL;
    g_auto(GStrv) option_mirrors = NULL;
    gboolean quiet = FALSE;
    const GOptionEntry entries[] = {
        { "data", 0, 0, G_OPTION_ARG_FILENAME, &option_dir,
          "Folder for the MNIST files (default: $DIGITLAB_DATA, "
          "else ~/.local/share/digitlab/mnist)", "DIR" },
        { "mirror", 0, 0, G_OPTION_ARG_STRING_ARRAY, &option_mirrors,
          "Download from the folder at URL instead of the usual mirrors; "
          "repeat to try several in order", "URL" },
        { "quiet", 0, 0, G_OPTION_ARG_NONE, &quiet, "Print only errors", NULL },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) context =
        g_option_context_new("- fetch the MNIST files and check their checksums");
    g_autoptr(GError) error = NULL;

    g_set_prgname("digitlab-cli download");
    g_option_context_add_main_entries(context, entries, NULL);
    g_option_context_set_description(context,
        "Files already present with the right checksum are kept. The mirror list\n"
        "can also be set in DIGITLAB_MNIST_MIRROR (URLs separated by spaces).");
    if (!g_option_context_parse(context, &argc, &argv, &error)) {
        fprintf(stderr, "digitlab-cli download: %s\n", error->message);
        return 2;
    }
    if (argc > 1) {
        fprintf(stderr, "digitlab-cli download: unexpected argument '%s'\n", argv[1]);
        return 2;
    }

    g_autofree char *dir = dl_data_dir_resolve(option_dir);
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    Report report = {
        .quiet = quiet,
        .tty = isatty(STDERR_FILENO),
    };
    const DlDownloadOptions options = {
        .mirrors = (const char *const *)option_mirrors,
        .progress = on_progress,
        .file_done = on_file_done,
        .mirror_failed = on_mirror_failed,
        .user_data = &report,
        .cancellable = cancellable,
    };

    cancel_on_signals(cancellable);
    if (!dl_download_mnist(dir, &options, &error)) {
        clear_bar(&report);
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            fprintf(stderr, "digitlab-cli download: cancelled\n");
        else
            fprintf(stderr, "digitlab-cli download: %s\n", error->message);
        return 1;
    }
    if (!quiet)
        printf("The MNIST files are in %s\n", dir);
    return 0;
}
