/* dl-stall-probe.c — see dl-stall-probe.h. */
#include "dl-stall-probe.h"

#include <glib-unix.h>
#include <signal.h>
#include <time.h>

/* Stalls in 0.5 ms bins up to this many ms; longer ones go in the last bin
 * (the longest is kept exactly). */
#define BINS 400
#define FRAME_US 16000

static struct {
    guint timeout, reset_signal, report_signal;
    gint64 last, start, last_cpu;
    gint64 longest, longest_cpu, longest_busy, over_frame;
    guint64 samples;
    guint64 bins[BINS];
} probe;

/* The main thread's CPU time, in microseconds. */
static gint64
thread_cpu_time(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static void
reset(void)
{
    probe.start = probe.last = g_get_monotonic_time();
    probe.last_cpu = thread_cpu_time();
    probe.longest = probe.longest_cpu = probe.longest_busy = probe.over_frame = 0;
    probe.samples = 0;
    for (int i = 0; i < BINS; i++)
        probe.bins[i] = 0;
}

static gboolean
tick(gpointer data)
{
    gint64 now = g_get_monotonic_time(), cpu = thread_cpu_time();
    gint64 stall = MAX(now - probe.last - DL_STALL_PROBE_INTERVAL * 1000, 0);
    gint64 busy = cpu - probe.last_cpu;

    probe.last = now;
    probe.last_cpu = cpu;
    probe.samples++;
    if (stall > probe.longest) {
        probe.longest = stall;
        probe.longest_cpu = MIN(busy, stall);
    }
    probe.longest_busy = MAX(probe.longest_busy, busy);
    if (stall > FRAME_US)
        probe.over_frame += stall;
    probe.bins[MIN(stall / 500, BINS - 1)]++;
    return G_SOURCE_CONTINUE;
}

static void
report(void)
{
    gint64 elapsed = g_get_monotonic_time() - probe.start;
    guint64 seen = 0;
    int p99 = 0;

    while (p99 < BINS - 1 && (seen += probe.bins[p99]) * 100 < probe.samples * 99)
        p99++;
    g_printerr("digitlab: main loop: longest stall %.1f ms (the main thread ran %.1f ms of it), 99th percentile "
               "%.1f ms, %.1f %% of %.1f s stalled over %d ms; the longest the main thread ran between two "
               "probes: %.1f ms\n",
               probe.longest / 1000.0, probe.longest_cpu / 1000.0, (p99 + 1) * 0.5,
               elapsed > 0 ? 100.0 * probe.over_frame / elapsed : 0.0, elapsed / 1e6, FRAME_US / 1000,
               probe.longest_busy / 1000.0);
}

static gboolean
on_reset(gpointer data)
{
    reset();
    return G_SOURCE_CONTINUE;
}

static gboolean
on_report(gpointer data)
{
    report();
    return G_SOURCE_CONTINUE;
}

void
dl_stall_probe_start(void)
{
    if (probe.timeout != 0 || g_getenv("DIGITLAB_STALL_PROBE") == NULL)
        return;
    reset();
    probe.timeout = g_timeout_add_full(G_PRIORITY_DEFAULT, DL_STALL_PROBE_INTERVAL, tick, NULL, NULL);
    probe.reset_signal = g_unix_signal_add(SIGUSR1, on_reset, NULL);
    probe.report_signal = g_unix_signal_add(SIGUSR2, on_report, NULL);
}

void
dl_stall_probe_stop(void)
{
    if (probe.timeout == 0)
        return;
    report();
    g_clear_handle_id(&probe.timeout, g_source_remove);
    g_clear_handle_id(&probe.reset_signal, g_source_remove);
    g_clear_handle_id(&probe.report_signal, g_source_remove);
}
