/* plot-scale.h — the arithmetic behind the training plots: axis ranges,
 * "nice" tick choice on linear and log10 axes, tick labels, and the mapping
 * between data and pixels.
 *
 * Pure C11 + libm (no GLib, no GTK), so it is unit-tested without a display.
 * Nothing here allocates: ticks go into a fixed array, labels into a buffer
 * the caller owns, so a plot can recompute them on every frame. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum {
    PLOT_MAX_TICKS = 64,  /* enough for 6 decades with all their minor ticks */
    PLOT_LABEL_SIZE = 32, /* a buffer this size holds any label made here */
};

typedef struct {
    double value;
    bool major; /* labelled, with a grid line; only log axes have minor ticks */
} PlotTick;

typedef struct {
    PlotTick ticks[PLOT_MAX_TICKS]; /* ascending */
    int n;
    double step; /* linear axes: the distance between ticks, for the labels; log axes: 0 */
} PlotTicks;

/* A 1-D mapping between a data range and a pixel range. For a y axis p0 is
 * the bottom edge, so p1 < p0. On a log axis lo and hi must be > 0. */
typedef struct {
    double lo, hi;
    double p0, p1;
    bool log;
} PlotScale;

/* ---- linear axes ---- */

/* The distance between ticks for `span` data units and at most about
 * max_ticks intervals: 1, 2 or 5 times a power of ten, the smallest that gives
 * no more than max_ticks intervals. With `integer`, never below 1 (epochs). */
double plot_nice_step(double span, int max_ticks, bool integer);

/* Widens [*lo, *hi] outwards to multiples of plot_nice_step(). An empty or
 * inverted range is first widened around its value (±1, or ±10 % of it). */
void plot_nice_range(double *lo, double *hi, int max_ticks, bool integer);

/* The multiples of plot_nice_step() within [lo, hi] (a half-part-per-million
 * tolerance at the ends), all major. Returns out->n. */
int plot_linear_ticks(double lo, double hi, int max_ticks, bool integer, PlotTicks *out);

/* ---- log10 axes ---- */

/* Widens [*lo, *hi] (both > 0) outwards to the 1-2-5 grid: 0.0012..2.3
 * becomes 0.001..5. Non-positive values are replaced by sensible ones. */
void plot_log_range(double *lo, double *hi);

/* Ticks of a log10 axis over [lo, hi]: majors at the powers of ten, minors
 * at 2..9 times them. When the range holds fewer than two powers of ten, the
 * 2 and 5 minors are made major (labelled) too; when it spans more than
 * max_decades decades, only every k-th power of ten is kept and minors are
 * dropped. Returns out->n. */
int plot_log_ticks(double lo, double hi, int max_decades, PlotTicks *out);

/* ---- mapping ---- */

double plot_scale_to_pixel(const PlotScale *s, double value);
double plot_scale_from_pixel(const PlotScale *s, double pixel);

/* The centre of the pixel that holds p: a 1-px line drawn there is crisp at
 * any integer scale factor. */
double plot_snap(double p);

/* ---- labels ---- */

/* A linear tick label with as many decimals as `step` needs: "0", "5",
 * "0.25", "99.2"; in exponent form ("2e-4", "1.5e6") for steps below 1e-3
 * and values from 1e6 on, where plain digits would be unreadable. */
void plot_format_tick(double value, double step, char *buf, size_t size);

/* A log-axis label: "0.001" ... "1000" for the powers of ten between 1e-3 and
 * 1e3 (and their 2 and 5 multiples), "1e-4", "5e6" beyond. */
void plot_format_log_tick(double value, char *buf, size_t size);

/* `digits` significant digits, trailing zeros dropped, always in exponent
 * form: 0.000924 → "9.24e-4", 0.001 → "1e-3". */
void plot_format_sci(double value, int digits, char *buf, size_t size);

/* "99.5 %" (a space before the sign, as the app writes it everywhere). */
void plot_format_percent(double percent, int decimals, char *buf, size_t size);

/* An epoch position: "12" when whole, else "12.34". */
void plot_format_epoch(double epoch, char *buf, size_t size);

/* ---- the accuracy plot's y range ---- */

/* The accuracy axis always ends at 100 %; it starts at the highest of
 * 0, 50, 80, 90, 95, 98, 99 % that keeps the lowest shown value above the
 * bottom edge by at least 2 % of the range. min_percent is NAN when there is
 * nothing to show (then 0..100). */
void plot_accuracy_range(double min_percent, double *lo, double *hi);
