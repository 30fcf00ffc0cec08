/* dl-stall-probe.h — how long the main loop stalls, measured in the app.
 *
 * With DIGITLAB_STALL_PROBE set in the environment, a timeout of the
 * default priority (above redrawing's) asks to run every
 * DL_STALL_PROBE_INTERVAL ms; whatever keeps the main loop busy longer
 * (a handler, a layout, a frame's drawing) delays it, and the delay is a
 * stall. SIGUSR1 starts a new measurement; SIGUSR2, and the end of the
 * app, print one line on stderr:
 *
 *   digitlab: main loop: longest stall 12.3 ms (the main thread ran 9.0 ms of it), 99th percentile
 *   4.1 ms, 2.1 % of 9.8 s stalled over 16 ms; the longest the main thread ran between two probes: 9.5 ms
 *
 * A stall is wall time: on a loaded machine the main thread also waits for
 * a core. The CPU time the main thread used between two probes (its own
 * work: handlers, layout, drawing) tells the two apart.
 *
 * (the GUI test "inside-stall" reads it while training and drawing). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DL_STALL_PROBE_INTERVAL 4

/* Starts the probe if DIGITLAB_STALL_PROBE is set; harmless otherwise. */
void dl_stall_probe_start(void);
/* Prints the measurement (if the probe runs) and stops it. */
void dl_stall_probe_stop(void);

G_END_DECLS
